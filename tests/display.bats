#!/usr/bin/env bats
# Displays: a VNC server on a socket vm-start binds, a unix socket of the
# run directory by default or a loopback port; a SPICE server on a socket
# QEMU binds in a directory of its own, or a port vm-start leased; and the
# video devices the guest draws on. A client reads the firmware's screen
# (SeaBIOS, no disk).
# TCP tests run in a network namespace of their own, so that their ports
# are theirs alone; it is removed at the end whatever happened.

load helpers

setup() {
	common_setup
	NS=vmkit-vnc-$$-$BATS_TEST_NUMBER
	RFB="/usr/bin/python3 $VMKIT_SRCDIR/tests/rfb-client.py"
}

teardown() {
	common_teardown
	ip netns del "$NS" 2>/dev/null || true
}

# vnc_domain NAME [GRAPHICS] [VIDEO]: a firmware-only domain with a display.
vnc_domain() {
	make_domain "$1" "${2:-<graphics type='vnc'/>}" "${3:-<video><model type='vga'/></video>}"
}

make_ns() {
	ip netns add "$NS"
	ip -n "$NS" link set lo up
}

in_ns() {
	ip netns exec "$NS" "$@"
}

# display_of NAME: "address:port" or the socket path, from vm-status --json.
display_of() {
	vm-status --json "$1" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)["displays"][0]
print(d["socket"] if "socket" in d else "%s:%d" % (d["address"], d["port"]))'
}

# spice_link ADDR [NETNS]: sends the SPICE link message for the main
# channel to the socket path or HOST:PORT ADDR (in network namespace
# NETNS), and prints the reply's magic, major version and error code
# ("REDQ 2 0" for a server that takes the link).
spice_link() {
	${2:+ip netns exec "$2"} /usr/bin/python3 - "$1" <<'PY'
import socket, struct, sys
a = sys.argv[1]
if a.startswith('/'):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(20)
    s.connect(a)
else:
    h, p = a.rsplit(':', 1)
    s = socket.create_connection((h, int(p)), timeout=20)
# SpiceLinkMess: connection id 0, channel main (1), id 0, no caps
mess = struct.pack('<IBBIII', 0, 1, 0, 0, 0, 18)
s.sendall(b'REDQ' + struct.pack('<III', 2, 2, len(mess)) + mess)
r = b''
while len(r) < 20:
    c = s.recv(20 - len(r))
    if not c:
        sys.exit('spice: connection closed')
    r += c
magic, major, minor, size, error = struct.unpack('<4sIIII', r)
print(magic.decode(), major, error)
PY
}

# screen ADDR OUT: waits up to 120 s (TCG) for the firmware's text screen,
# 720x400 and not of one colour, and prints what the client saw.
screen() {
	local seen i
	for i in $(seq 120); do
		seen=$($RFB "$1" "$2" | tail -1)
		case $seen in "720 400 "[2-9]* | "720 400 "[1-9][0-9]*)
			echo "$seen"
			return 0
			;;
		esac
		sleep 1
	done
	echo "$seen"
	return 1
}

@test "a VNC display listens on a socket of the run directory, mode 0600 and the caller's, QEMU unprivileged and sandboxed" {
	run -0 vm-start "$(vnc_domain v)"
	sock="$VMKIT_RUNDIR/domains/v/vnc.sock"
	[ -S "$sock" ]
	[ "$(stat -c %a:%U:%G "$sock")" = 600:root:root ]
	pid=$(qemu_pid v)
	[ "$(stat -c %U /proc/$pid)" = "$QEMU_USER" ]
	grep -q '^CapEff:[[:space:]]*0000000000000000$' /proc/$pid/status
	grep -q '^CapBnd:[[:space:]]*0000000000000000$' /proc/$pid/status
	grep -q '^Seccomp:[[:space:]]*2$' /proc/$pid/status
	run -0 qmp v query-vnc
	assert_output --partial '"family": "unix"'
	assert_output --partial '"auth": "none"'
	run -0 vm-status --json v
	assert_output --partial "\"displays\":[{\"type\":\"vnc\",\"socket\":\"$sock\"}]"
	run -0 vm-status v
	assert_line --index 1 "  vnc    $sock"
}

@test "a client completes the RFB handshake on the socket and reads the firmware's screen, not blank" {
	run -0 vm-start "$(vnc_domain shot)"
	run -0 screen "$VMKIT_RUNDIR/domains/shot/vnc.sock" "$TEST_DIR/shot.ppm"
	assert_output --regexp '^720 400 [0-9]+$'
	[ "$(head -c 15 "$TEST_DIR/shot.ppm")" = "$(printf 'P6\n720 400\n255')" ]
}

@test "vm-stop removes the socket, after a crash too" {
	run -0 vm-start "$(vnc_domain gone)"
	run -0 vm-stop --force gone
	[ ! -e "$VMKIT_RUNDIR/domains/gone/vnc.sock" ]
	run -0 vm-start "$TEST_DIR/gone.xml"
	kill_qemu gone
	run -0 vm-stop gone
	[ ! -e "$VMKIT_RUNDIR/domains/gone/vnc.sock" ]
}

@test "run by another user, the sockets are that user's, mode 0600" {
	mkdir "$TEST_DIR/home"
	chown "$QEMU_USER:" "$TEST_DIR/home"
	xml=$(vnc_domain sess "<graphics type='vnc'/><graphics type='spice'/>")
	mkdir -m 0755 "$TEST_DIR/bin"
	cp "$(command -v vm-start)" "$(command -v vm-stop)" "$VMKIT_SRCDIR/tests/rfb-client.py" \
		"$TEST_DIR/bin/"
	as_user() {
		runuser -u "$QEMU_USER" -- env -u VMKIT_CONF VMKIT_RUNDIR= \
			XDG_RUNTIME_DIR="$TEST_DIR/home" PATH="$TEST_DIR/bin:$PATH" "$@"
	}
	run -0 as_user vm-start "$xml"
	sock="$TEST_DIR/home/vmkit/domains/sess/vnc.sock"
	[ "$(stat -c %a:%U "$sock")" = "600:$QEMU_USER" ]
	run -0 as_user /usr/bin/python3 "$TEST_DIR/bin/rfb-client.py" "$sock" /dev/null
	assert_line --index 0 "auth 1"
	sock="$TEST_DIR/home/vmkit/domains/sess/spice/spice.sock"
	[ "$(stat -c %a:%U "$sock")" = "600:$QEMU_USER" ]
	run -0 spice_link "$sock"
	assert_output "REDQ 2 0"
	run -0 as_user vm-stop --force sess
}

@test "two domains started at once with autoport on loopback get different ports, each leased" {
	make_ns
	g="<graphics type='vnc' port='-1' autoport='yes'><listen type='address' address='127.0.0.1'/></graphics>"
	a=$(vnc_domain a "$g")
	b=$(vnc_domain b "$g")
	in_ns vm-start "$a" &
	in_ns vm-start "$b" &
	wait %1
	wait %2
	pa=$(display_of a)
	pb=$(display_of b)
	[ "$pa" != "$pb" ]
	for p in "$pa" "$pb"; do
		run -0 in_ns $RFB "$p" "$TEST_DIR/x.ppm"
		assert_line --index 0 "auth 1"
	done
	run -1 vm-lock status --domain a
	assert_output --partial "port:${pa##*:}"
	run -1 vm-lock status --domain b
	assert_output --partial "port:${pb##*:}"
	# nothing listens outside the namespace
	run -1 $RFB "$pa" "$TEST_DIR/y.ppm"
}

@test "autoport passes over a port another process has bound" {
	make_ns
	in_ns /usr/bin/python3 -c '
import socket, time
s = socket.socket()
s.bind(("127.0.0.1", 5900))
s.listen(1)
open("'"$TEST_DIR/bound"'", "w").close()
time.sleep(60)' &
	holder=$!
	for i in $(seq 50); do [ -e "$TEST_DIR/bound" ] && break; sleep 0.1; done
	run -0 in_ns vm-start "$(vnc_domain over "<graphics type='vnc' autoport='yes'><listen type='address'/></graphics>")"
	kill "$holder"
	[ "$(display_of over)" = 127.0.0.1:5901 ]
	run -1 vm-lock status --domain over
	refute_output --partial "port:5900"
	assert_output --partial "port:5901"
}

@test "a fixed port that a running domain holds is refused and changes nothing" {
	make_ns
	g="<graphics type='vnc' port='5900' autoport='no'><listen type='address' address='127.0.0.1'/></graphics>"
	run -0 in_ns vm-start "$(vnc_domain first "$g")"
	[ "$(display_of first)" = 127.0.0.1:5900 ]
	run -1 in_ns vm-start "$(vnc_domain second "$g")"
	assert_output "vm-start: port 5900 is in use by domain 'first'"
	[ ! -e "$VMKIT_RUNDIR/domains/second/status.json" ]
	[ ! -e "$VMKIT_RUNDIR/domains/second/vnc.sock" ]
	run -1 vm-status second
	run -0 in_ns $RFB 127.0.0.1:5900 "$TEST_DIR/x.ppm"
}

@test "a passwd makes the server ask for VNC authentication, refuse a wrong one and take the right one, and is never on QEMU's command line" {
	make_ns
	run -0 in_ns vm-start "$(vnc_domain pw "<graphics type='vnc' passwd='s3cr3t-pw'><listen type='address'/></graphics>")"
	run -0 in_ns $RFB "$(display_of pw)" "$TEST_DIR/x.ppm"
	assert_output "auth 2"
	# VNC authentication: the DES response to the server's challenge, keyed
	# by the passwd's first 8 bytes only (s3cr3t-pX would pass)
	${CC:-cc} -O2 -Wall -o "$TEST_DIR/vnc-des" "$VMKIT_SRCDIR/tests/vnc-des.c" -lnettle
	run -1 in_ns $RFB "$(display_of pw)" "$TEST_DIR/x.ppm" s3cr3x-pw "$TEST_DIR/vnc-des"
	assert_line --index 1 --regexp '^auth failed: .'
	[ ! -e "$TEST_DIR/x.ppm" ]
	run -0 in_ns $RFB "$(display_of pw)" "$TEST_DIR/x.ppm" s3cr3t-pw "$TEST_DIR/vnc-des"
	assert_line --index 1 "auth ok"
	assert_line --index 2 --regexp '^[0-9]+ [0-9]+ [0-9]+$'
	[ -s "$TEST_DIR/x.ppm" ]
	run -0 qmp pw query-vnc
	assert_output --partial '"auth": "vnc"'
	run -1 grep -a s3cr3t /proc/"$(qemu_pid pw)"/cmdline
	run -0 vm-start --print-argv "$TEST_DIR/pw.xml"
	refute_output --partial s3cr3t
	assert_output --partial "'-vnc' 'none,password-secret=graphics0-secret'"
}

@test "passwdValidTo: a passwd past its time is refused, one still valid is taken; a bad time is refused with exit 3" {
	make_ns
	run -0 in_ns vm-start "$(vnc_domain old "<graphics type='vnc' passwd='s3cr3t-pw' passwdValidTo='2001-02-03T04:05:06'><listen type='address'/></graphics>")"
	run -0 in_ns vm-start "$(vnc_domain new "<graphics type='vnc' passwd='s3cr3t-pw' passwdValidTo='2099-02-03T04:05:06'><listen type='address'/></graphics>")"
	${CC:-cc} -O2 -Wall -o "$TEST_DIR/vnc-des" "$VMKIT_SRCDIR/tests/vnc-des.c" -lnettle
	run -1 in_ns $RFB "$(display_of old)" "$TEST_DIR/x.ppm" s3cr3t-pw "$TEST_DIR/vnc-des"
	assert_line --index 1 --regexp '^auth failed: .'
	run -0 in_ns $RFB "$(display_of new)" "$TEST_DIR/x.ppm" s3cr3t-pw "$TEST_DIR/vnc-des"
	assert_line --index 1 "auth ok"
	xml=$(vnc_domain bad "<graphics type='vnc' passwd='p' passwdValidTo='tomorrow'/>")
	run -3 vm-start "$xml"
	assert_output "vm-start: $xml:7: <graphics>: invalid passwdValidTo 'tomorrow' (expected YYYY-MM-DDTHH:MM:SS, in UTC)"
	xml=$(vnc_domain nopw "<graphics type='vnc' passwdValidTo='2099-02-03T04:05:06'/>")
	run -3 vm-start "$xml"
	assert_output "vm-start: $xml:7: <graphics>: passwdValidTo needs a passwd"
	[ ! -e "$VMKIT_RUNDIR/domains/bad/status.json" ]
	[ ! -e "$VMKIT_RUNDIR/domains/nopw/status.json" ]
}

@test "a SPICE display: QEMU binds it in a directory of its own, vm-start gives it to the caller, mode 0600, and it answers the link message" {
	run -0 vm-start "$(vnc_domain sp "<graphics type='spice'><image compression='off'/><mouse mode='client'/><clipboard copypaste='no'/></graphics>" "<video><model type='qxl'/></video>
<controller type='usb' model='qemu-xhci'/>
<redirdev bus='usb' type='spicevmc'/><redirdev bus='usb' type='spicevmc'/>
<redirfilter><usbdev class='0x08' allow='yes'/><usbdev allow='no'/></redirfilter>
<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>")"
	# USB redirection and the SPICE agent's port ride on SPICE's own chardevs
	run -0 qmp sp query-chardev
	for id in charredir0 charredir1 charchannel0; do
		printf '%s\n' "$output" | /usr/bin/python3 -c '
import json, sys
c = {d["label"]: d["filename"] for d in json.load(sys.stdin)}
sys.exit(c.get(sys.argv[1]) != "spicevmc")' "$id"
	done
	run -0 qmp sp qom-get '{"path":"/machine/peripheral/redir1","property":"filter"}'
	assert_output --partial '0x08:-1:-1:-1:1|-1:-1:-1:-1:0'
	run -0 qmp sp qom-get '{"path":"/machine/peripheral/channel0","property":"name"}'
	assert_output --partial '"com.redhat.spice.0"'
	dir="$VMKIT_RUNDIR/domains/sp/spice"
	[ "$(stat -c %a:%U "$dir")" = "700:$QEMU_USER" ]
	[ -S "$dir/spice.sock" ]
	[ "$(stat -c %a:%U:%G "$dir/spice.sock")" = 600:root:root ]
	pid=$(qemu_pid sp)
	grep -q '^CapEff:[[:space:]]*0000000000000000$' /proc/$pid/status
	grep -q '^CapBnd:[[:space:]]*0000000000000000$' /proc/$pid/status
	grep -q '^Seccomp:[[:space:]]*2$' /proc/$pid/status
	run -0 spice_link "$dir/spice.sock"
	assert_output "REDQ 2 0"
	run -0 vm-status sp
	assert_line --index 1 "  spice  $dir/spice.sock"
	run -0 vm-stop --force sp
	[ ! -e "$dir" ]
}

@test "SPICE with libvirt's tlsPort='-1' has no TLS port, and an insecure channel is plaintext, as under libvirt without spice_tls; QEMU takes them" {
	xml=$(vnc_domain tls "<graphics type='spice' port='-1' tlsPort='-1' autoport='yes'><channel name='main' mode='insecure'/><channel name='inputs' mode='any'/></graphics>")
	run -0 vm-start --print-argv "$xml"
	assert_output --partial "'-spice' 'unix=on"
	assert_output --partial ",plaintext-channel=main'"
	refute_output --partial "plaintext-channel=inputs"
	refute_output --partial "tls-port"
	run -0 vm-start --paused "$xml"
	run -0 vm-status tls
	run -0 vm-stop --force tls
}

@test "SPICE on loopback gets a leased port, and a passwd only as a secret" {
	make_ns
	run -0 in_ns vm-start "$(vnc_domain spt "<graphics type='spice' autoport='yes' passwd='s3cr3t-pw'><listen type='address'/></graphics>" "<video><model type='qxl'/></video>")"
	[ "$(display_of spt)" = 127.0.0.1:5900 ]
	run -0 spice_link 127.0.0.1:5900 "$NS"
	assert_output "REDQ 2 0"
	run -1 vm-lock status --domain spt
	assert_output --partial "port:5900"
	run -1 grep -a s3cr3t /proc/"$(qemu_pid spt)"/cmdline
	run -0 qmp spt query-spice
	assert_output --partial '"auth": "spice"'
}

@test "QEMU inherits only what its displays need: no VNC socket, a passwd's memfd, SPICE's directory, the port's lease" {
	make_ns
	fd_report_emulator
	run -0 in_ns vm-start "$(vnc_domain fds "<graphics type='vnc' passwd='pw'><listen type='address'/></graphics><graphics type='spice' passwd='pw2'/>" "<video><model type='qxl'/></video>")"
	assert_qemu_fds fds
	run -0 grep -c 'fd-report: .* /memfd:vmkit-passwd (deleted)' "$VMKIT_RUNDIR/domains/fds/qemu.log"
	assert_output 2
}

@test "refused displays change nothing" {
	xml=$(vnc_domain open "<graphics type='vnc'><listen type='address' address='0.0.0.0'/></graphics>")
	run -3 vm-start "$xml"
	assert_output "vm-start: $xml:7: <graphics>: listening on '0.0.0.0', which is not loopback, needs a passwd: anyone who reaches the port would have the guest's console"
	xml=$(vnc_domain sdl "<graphics type='sdl'/>")
	run -3 vm-start "$xml"
	assert_output "vm-start: $xml:7: <graphics>: unsupported type 'sdl' (expected vnc or spice)"
	xml=$(make_domain novideo "<graphics type='vnc'/>")
	run -3 vm-start "$xml"
	assert_output --partial "<graphics>: a display needs a video device to show"
	xml=$(vnc_domain tls "<graphics type='spice' tlsPort='5901'/>")
	run -3 vm-start "$xml"
	assert_output "vm-start: $xml:7: <graphics>: unsupported tlsPort '5901' (expected -1)"
	xml=$(vnc_domain vnctls "<graphics type='vnc' tlsPort='-1'/>")
	run -3 vm-start "$xml"
	assert_output "vm-start: $xml:7: <graphics>: unsupported attribute 'tlsPort': VNC has none"
	[ ! -e "$VMKIT_RUNDIR/domains" ] || [ -z "$(ls "$VMKIT_RUNDIR/domains")" ]
	run -0 vm-lock list
	refute_output --partial "port:"
}

@test "each video model starts under QEMU as the device libvirt makes of it" {
	for m in vga:VGA cirrus:cirrus-vga qxl:qxl-vga virtio:virtio-vga bochs:bochs-display ramfb:ramfb; do
		run -0 vm-start --paused "$(make_domain "v-${m%%:*}" "<video><model type='${m%%:*}'/></video>")"
		run -0 qmp "v-${m%%:*}" qom-list '{"path": "/machine/peripheral"}'
		assert_output --partial "{\"name\": \"video0\", \"type\": \"child<${m##*:}>\"}"
		run -0 vm-stop --force "v-${m%%:*}"
	done
	run -0 vm-start --paused "$(make_domain two "<video><model type='qxl'/></video><video><model type='virtio' primary='yes'/></video>")"
	run -0 qmp two qom-list '{"path": "/machine/peripheral"}'
	assert_output --partial '{"name": "video0", "type": "child<virtio-vga>"}'
	assert_output --partial '{"name": "video1", "type": "child<qxl>"}'
	# slot 2, function 0, where libvirt puts the primary video of a pc
	run -0 qmp two qom-get '{"path": "/machine/peripheral/video0", "property": "addr"}'
	assert_output 16
}

@test "a USB tablet on libvirt's USB controller, and virtio inputs, start under QEMU" {
	run -0 vm-start --paused "$(make_domain in "<controller type='usb' index='0' model='piix3-uhci'/><input type='tablet' bus='usb'/><input type='keyboard' bus='virtio'/><input type='mouse' bus='ps2'/>" "<video><model type='vga'/></video>")"
	run -0 qmp in qom-list '{"path": "/machine/peripheral"}'
	assert_output --partial '{"name": "usb", "type": "child<piix3-usb-uhci>"}'
	assert_output --partial '{"name": "input0", "type": "child<usb-tablet>"}'
	assert_output --partial '{"name": "input1", "type": "child<virtio-keyboard-pci>"}'
	# function 2 of the PIIX3 in slot 1, where libvirt puts it
	run -0 qmp in qom-get '{"path": "/machine/peripheral/usb", "property": "addr"}'
	assert_output 10
	run -0 qmp in query-mice
	assert_output --regexp '\{"index": [0-9]+, "name": "QEMU HID Tablet", "current": (true|false), "absolute": true\}'
	run -0 vm-stop --force in
	xml=$(make_domain xhci "<controller type='usb' model='qemu-xhci'/><input type='tablet'/>")
	sed -i "s/machine='pc'/machine='q35'/" "$xml"
	run -0 vm-start --paused "$xml"
	run -0 qmp xhci qom-list '{"path": "/machine/peripheral"}'
	assert_output --partial '{"name": "usb", "type": "child<qemu-xhci>"}'
	assert_output --partial '{"name": "input0", "type": "child<usb-tablet>"}'
	run -0 vm-stop --force xhci
	# without a USB controller, libvirt's: piix3-uhci on pc, qemu-xhci on q35
	run -0 vm-start --paused "$(make_domain implicit "<input type='tablet'/>")"
	run -0 qmp implicit qom-list '{"path": "/machine/peripheral"}'
	assert_output --partial '{"name": "usb", "type": "child<piix3-usb-uhci>"}'
	assert_output --partial '{"name": "input0", "type": "child<usb-tablet>"}'
	sed -i -e "s/machine='pc'/machine='q35'/" -e "s/implicit/implicit2/" "$TEST_DIR/implicit.xml"
	run -0 vm-start --paused "$TEST_DIR/implicit.xml"
	run -0 qmp implicit2 qom-list '{"path": "/machine/peripheral"}'
	assert_output --partial '{"name": "usb", "type": "child<qemu-xhci>"}'
	run -3 vm-start "$(make_domain nousb "<controller type='usb' model='none'/><input type='tablet'/>")"
	assert_output "vm-start: $TEST_DIR/nousb.xml:7: <input>: a USB tablet needs a USB controller, which <controller type='usb' model='none'/> turns off"
}

@test "sound devices play to the none backend, or to SPICE, and start under QEMU" {
	xml=$(make_domain snd "<sound model='ich9'><codec type='micro'/><audio id='1'/></sound><audio id='1' type='none'/>")
	sed -i "s/machine='pc'/machine='q35'/" "$xml"
	run -0 vm-start --print-argv "$xml"
	assert_output --partial "'-audiodev' 'none,id=audio1'"
	run -0 vm-start --paused "$xml"
	run -0 qmp snd qom-list '{"path": "/machine/peripheral"}'
	assert_output --partial '{"name": "sound0", "type": "child<ich9-intel-hda>"}'
	assert_output --partial '{"name": "sound0-codec0", "type": "child<hda-micro>"}'
	# slot 0x1b, where libvirt puts the ich9 of a q35
	run -0 qmp snd qom-get '{"path": "/machine/peripheral/sound0", "property": "addr"}'
	assert_output 216
	run -0 vm-stop --force snd
	# a second ich9 is conventional PCI: slot 1 of the pcie-to-pci-bridge libvirt adds
	sed -i "s|</sound>|</sound><sound model='ich9'/>|" "$xml"
	run -0 vm-start --paused "$xml"
	run -0 qmp snd qom-get '{"path": "/machine/peripheral/sound0", "property": "addr"}'
	assert_output 216
	run -0 qmp snd qom-get '{"path": "/machine/peripheral/sound1", "property": "addr"}'
	assert_output 8
	run -0 qmp snd qom-get '{"path": "/machine/peripheral/sound1", "property": "parent_bus"}'
	assert_output '"/machine/peripheral/pci.2/pci.2"'
	run -0 vm-start --paused "$(make_domain ac "<sound model='ac97'/><controller type='usb' model='piix3-uhci'/><sound model='usb'/><video><model type='qxl'/></video><graphics type='spice'/>")"
	run -0 qmp ac qom-list '{"path": "/machine/peripheral"}'
	assert_output --partial '{"name": "sound0", "type": "child<AC97>"}'
	assert_output --partial '{"name": "sound1", "type": "child<usb-audio>"}'
	run -0 vm-start --print-argv "$TEST_DIR/ac.xml"
	assert_output --partial "'-audiodev' 'spice,id=audio1'"
	run -3 vm-start "$(make_domain pulse "<sound model='ich9'/><audio id='1' type='pulseaudio'/>")"
	assert_output --partial "<audio>: unsupported type 'pulseaudio'"
}
