#!/usr/bin/python3
# A minimal RFB (VNC) client for tests/display.bats: rfb-client.py ADDR OUT
# [PASSWD DES], ADDR a unix socket path or HOST:PORT. Prints "auth T..."
# with the security types the server offers and, when it offers None (1),
# or VNC authentication (2) and PASSWD is given (DES: tests/vnc-des.c
# built, which answers the challenge), prints "auth ok" once the server
# took it or "auth failed: REASON" (exit 1), reads one whole frame as raw
# 32-bit pixels, writes it to OUT as a PPM and prints "WIDTH HEIGHT
# COLOURS".
import socket, struct, subprocess, sys
addr, out = sys.argv[1], sys.argv[2]
passwd = sys.argv[3] if len(sys.argv) > 4 else None
if addr.startswith('/'):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(20)
    s.connect(addr)
else:
    host, port = addr.rsplit(':', 1)
    s = socket.create_connection((host.strip('[]'), int(port)), timeout=20)
def rd(n):
    b = b''
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            sys.exit('rfb: connection closed')
        b += c
    return b
ver = rd(12)
if ver != b'RFB 003.008\n':
    sys.exit('rfb: server speaks %r' % ver)
s.sendall(ver)
types = list(rd(rd(1)[0]))
print('auth', *types)
if 1 in types:
    s.sendall(b'\x01')
elif 2 in types and passwd is not None:
    s.sendall(b'\x02')
    des = subprocess.run([sys.argv[4], passwd], input=rd(16), stdout=subprocess.PIPE, check=True)
    s.sendall(des.stdout)
else:
    sys.exit(0)
if struct.unpack('>I', rd(4))[0] != 0:
    print('auth failed:', rd(struct.unpack('>I', rd(4))[0]).decode())
    sys.exit(1)
if 1 not in types:
    print('auth ok')
s.sendall(b'\x01')  # shared
w, h = struct.unpack('>HH', rd(4))
rd(16)
rd(struct.unpack('>I', rd(4))[0])
# 32 bits a pixel, true colour, little endian, 8 bits each of red, green, blue
s.sendall(struct.pack('>B3xBBBBHHHBBB3x', 0, 32, 24, 0, 1, 255, 255, 255, 16, 8, 0))
s.sendall(struct.pack('>BxHi', 2, 1, 0))  # raw only
s.sendall(struct.pack('>BBHHHH', 3, 0, 0, 0, w, h))
fb = bytearray(w * h * 4)
while True:
    t = rd(1)[0]
    if t == 0:
        break
    if t == 2:
        continue
    if t == 3:
        rd(3); rd(struct.unpack('>I', rd(4))[0])
        continue
    sys.exit('rfb: unexpected message %d' % t)
rd(1)
for _ in range(struct.unpack('>H', rd(2))[0]):
    x, y, rw, rh, enc = struct.unpack('>HHHHi', rd(12))
    if enc != 0:
        sys.exit('rfb: unexpected encoding %d' % enc)
    data = rd(rw * rh * 4)
    for r in range(rh):
        o = ((y + r) * w + x) * 4
        fb[o:o + rw * 4] = data[r * rw * 4:(r + 1) * rw * 4]
px = set(bytes(fb[i:i + 3]) for i in range(0, len(fb), 4))
with open(out, 'wb') as f:
    f.write(b'P6\n%d %d\n255\n' % (w, h))
    f.write(bytes(b for i in range(0, len(fb), 4) for b in (fb[i + 2], fb[i + 1], fb[i])))
print(w, h, len(px))
