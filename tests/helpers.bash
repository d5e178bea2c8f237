# Shared setup for the bats suites: an isolated run directory and config,
bats_require_minimum_version 1.5.0
# the freshly built commands on PATH, and real QEMU domains.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

VMKIT_SRCDIR=${VMKIT_SRCDIR:-$(cd "$BATS_TEST_DIRNAME/.." && pwd)}
VMKIT_BUILDDIR=${VMKIT_BUILDDIR:-$VMKIT_SRCDIR}
PATH="$VMKIT_BUILDDIR:$PATH"
export VMKIT_LIBEXECDIR="$VMKIT_BUILDDIR"
QEMU_USER=vmkit-qemu

# TEST_DIR is world-traversable so that QEMU, running as QEMU_USER, can
# reach the disks in it; the run directory inside it is private.
common_setup() {
	TEST_DIR=$(mktemp -d /tmp/vmkit-test.XXXXXX)
	chmod 0755 "$TEST_DIR"
	export VMKIT_RUNDIR="$TEST_DIR/run"
	export VMKIT_CONF="$TEST_DIR/vmkit.conf"
	printf 'user = "%s"\n' "$QEMU_USER" > "$VMKIT_CONF"
}

common_teardown() {
	local d
	for d in "$VMKIT_RUNDIR"/domains/*/; do
		[ -e "$d/status.json" ] && vm-stop --force "$(basename "$d")" >/dev/null 2>&1
	done
	rm -rf "$TEST_DIR"
}

# kvm when QEMU can use /dev/kvm here as QEMU_USER, else qemu (TCG).
domain_type() {
	if [ -z "${VMKIT_TEST_ACCEL:-}" ]; then
		if echo quit | timeout 20 runuser -u "$QEMU_USER" -- qemu-system-x86_64 \
			-machine none,accel=kvm -nodefaults -display none -monitor stdio -S \
			>/dev/null 2>&1; then
			VMKIT_TEST_ACCEL=kvm
		else
			VMKIT_TEST_ACCEL=qemu
		fi
		export VMKIT_TEST_ACCEL
	fi
	echo "$VMKIT_TEST_ACCEL"
}

# make_disk PATH [FORMAT] [SIZE]: an image QEMU_USER can open.
make_disk() {
	qemu-img create -q -f "${2:-qcow2}" "$1" "${3:-16M}"
	chown "$QEMU_USER:" "$1"
}

# own_disk PATH OWNER MODE [FORMAT]: make_disk, then given to OWNER
# (user:group) with MODE, e.g. root:root 600: an image QEMU_USER can open
# only once vm-start or vm-attach has labelled it.
own_disk() {
	make_disk "$1" "${4:-qcow2}"
	chown "$2" "$1"
	chmod "$3" "$1"
}

# unknown_feature PATH: sets an incompatible feature bit (12) that QEMU
# 7.2 does not know in the qcow2 image PATH, so that QEMU refuses to open
# it while vmkit, which reads only the header fields it needs, accepts it.
unknown_feature() {
	printf '\x10' | dd of="$1" bs=1 seek=78 conv=notrunc status=none
}

# make_domain NAME [DISKXML...]: writes $TEST_DIR/NAME.xml, a firmware-only
# guest (SeaBIOS, no OS) that ignores ACPI power-down.
make_domain() {
	local name=$1 disks
	shift
	disks=$(printf '%s\n' "$@")
	cat > "$TEST_DIR/$name.xml" <<XML
<domain type='$(domain_type)'>
  <name>$name</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
$disks
  </devices>
</domain>
XML
	echo "$TEST_DIR/$name.xml"
}

# static_label_domain NAME: make_domain with a static <seclabel> that runs
# QEMU as 4242:4343, on TCG as 4242 is not in group kvm.
static_label_domain() {
	local xml
	xml=$(make_domain "$1")
	sed -i -e "s|</devices>|</devices><seclabel type='static' model='dac' relabel='yes'><label>+4242:+4343</label></seclabel>|" \
		-e "s|type='kvm'|type='qemu'|" "$xml"
	echo "$xml"
}

# disk_xml PATH TARGET [EXTRA] [FORMAT]
disk_xml() {
	echo "<disk type='file' device='disk'><driver name='qemu' type='${4:-qcow2}'/><source file='$1'/><target dev='$2' bus='virtio'/>${3:-}</disk>"
}

qemu_pid() {
	cat "$VMKIT_RUNDIR/domains/$1/pid"
}

# images NAME: the files under TEST_DIR (and not in the run directory)
# that the QEMU of domain NAME holds open, one per line, sorted.
images() {
	local f
	for f in /proc/"$(qemu_pid "$1")"/fd/*; do
		f=$(readlink "$f") || continue
		case $f in "$VMKIT_RUNDIR"/*) continue ;; "$TEST_DIR"/*) echo "$f" ;; esac
	done | sort -u
}

# SIGKILL the QEMU of domain NAME and wait until it has exited.
kill_qemu() {
	local pid
	pid=$(qemu_pid "$1")
	kill -9 "$pid"
	wait_gone "$pid"
}

# lock_held FILE: from another process, whether byte 0 of FILE is locked
# (a missing FILE is not).
lock_held() {
	python3 - "$1" <<'PY'
import fcntl, struct, sys, os
try:
    fd = os.open(sys.argv[1], os.O_RDWR)
except FileNotFoundError:
    sys.exit(1)
try:
    fcntl.fcntl(fd, 37, struct.pack('hhqqi', fcntl.F_WRLCK, 0, 0, 1, 0))  # F_OFD_SETLK
except OSError:
    sys.exit(0)
sys.exit(1)
PY
}

# Liveness from another process: is the domain's liveness file locked?
alive_lock_held() {
	lock_held "$VMKIT_RUNDIR/domains/$1/alive"
}

# wait_gone PID: waits up to 10 s for the process to exit, not to be
# reaped. A pidfd turns readable once every thread has exited and every
# file (and so every lease) is released; a zombie leader alone is not.
wait_gone() {
	python3 - "$1" <<'PY'
import os, select, sys
try:
    fd = os.pidfd_open(int(sys.argv[1]))
except ProcessLookupError:
    sys.exit(0)
sys.exit(0 if select.select([fd], [], [], 10)[0] else 1)
PY
}

# session_start XML: vm-start --paused XML in session mode, as nobody
# with a run directory and an empty config of its own under TEST_DIR.
session_start() {
	: > "$TEST_DIR/session.conf"
	install -d -o nobody -m 0700 "$TEST_DIR/session"
	chmod 0644 "$1" "$TEST_DIR/session.conf"
	# the build tree may be private to root (make check-sanitizers): nobody runs a copy
	mkdir -p -m 0755 "$TEST_DIR/bin"
	cp "$VMKIT_BUILDDIR/vm-start" "$TEST_DIR/bin/"
	runuser -u nobody -- env VMKIT_RUNDIR="$TEST_DIR/session" \
		VMKIT_CONF="$TEST_DIR/session.conf" "$TEST_DIR/bin/vm-start" --paused "$1"
}

# qmp NAME COMMAND [ARGS-JSON]: one QMP command; prints the "return" as
# JSON, or fails with QEMU's error. Close before running vm commands:
# the monitor takes one client at a time.
qmp() {
	python3 - "$VMKIT_RUNDIR/domains/$1/qmp.sock" "$2" "${3:-{\}}" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
f = s.makefile('rw')
def recv():
    while True:
        m = json.loads(f.readline())
        if 'event' not in m:
            return m
recv()
for cmd, args in (('qmp_capabilities', {}), (sys.argv[2], json.loads(sys.argv[3]))):
    f.write(json.dumps({'execute': cmd, 'arguments': args}) + '\n')
    f.flush()
    r = recv()
    if 'error' in r:
        sys.exit('qmp: ' + r['error']['desc'])
print(json.dumps(r['return']))
PY
}

# xattrs_left PATH: prints vmkit's xattrs on PATH, if any.
xattrs_left() {
	getfattr --absolute-names -d -m '^trusted\.vmkit\.' "$1" 2>/dev/null | grep -v '^#' | grep . || true
}

# The status record of disk TARGET in DOMAIN, one line: target path lease label bus.
status_disk() {
	python3 - "$VMKIT_RUNDIR/domains/$1/status.json" "$2" <<'PY'
import json, sys
for d in json.load(open(sys.argv[1]))["disks"]:
    if d["target"] == sys.argv[2]:
        print(d["target"], d.get("path", "-"), d["lease"], d["label"], d.get("bus", "-"))
        sys.exit(0)
sys.exit(1)
PY
}

# fd_report_emulator: builds tests/fd-report.c into TEST_DIR and makes it
# the emulator in vmkit.conf: it writes the fds QEMU inherits to qemu.log.
fd_report_emulator() {
	${CC:-cc} -O2 -Wall -DQEMU_BINARY="\"$(command -v qemu-system-x86_64)\"" \
		-o "$TEST_DIR/fd-report" "$VMKIT_SRCDIR/tests/fd-report.c"
	printf 'emulator = "%s"\n' "$TEST_DIR/fd-report" >> "$VMKIT_CONF"
}

# assert_qemu_fds NAME [LOCKSPACE]: the fds QEMU of running domain NAME
# inherited (fd_report_emulator) are exactly the allowed set: stdin
# /dev/null; stdout and stderr qemu.log, append-only; a lease file per
# resource the domain holds (its uuid, each leased disk and its
# identity) in the lockspace; its liveness fd on the alive file; the
# monitor's listening socket; and each of its disk images once (vm-start
# opens them and passes them with -add-fd), read-only when <readonly/>;
# and per tap interface its tap (/dev/net/tun) and its MAC's lease;
# per display with a passwd its memfd, per SPICE socket its directory
# spice/ (O_PATH), per leased port its lease (in RUNDIR/leases, as a
# port is this host's).
# A new kind of fd handed to QEMU is one more entry here.
assert_qemu_fds() {
	python3 - "$VMKIT_RUNDIR/domains/$1" "${2:-$VMKIT_RUNDIR/leases}" <<'PY'
import hashlib, json, os, re, sys
import xml.etree.ElementTree as ET
dom, space = sys.argv[1], sys.argv[2]
st = json.load(open(dom + '/status.json'))

def lease(resource):
    return 'rw ' + os.path.join(space, hashlib.sha256(resource.encode()).hexdigest())

allowed = ['0 r /dev/null', '1 w+a %s/qemu.log' % dom, '2 w+a %s/qemu.log' % dom,
           '* ' + lease('uuid:' + st['uuid']), '* r %s/alive' % dom,
           '* rw unix-listen:/proc/self/fd/*/qmp.sock']
allowed += ['* ' + lease(d['path']) for d in st['disks'] if d['lease'] != 'none']
# a disk's identity lease (the file itself: dev, inode), when recorded
allowed += ['* ' + lease(d['identity']) for d in st['disks'] if d.get('identity')]
allowed += ['* ' + lease('mac:' + i['mac']) for i in st.get('interfaces', []) if i['lease']]
allowed += ['* rw /dev/net/tun' for i in st.get('interfaces', [])]
local = os.path.join(os.path.dirname(os.path.dirname(dom)), 'leases')
allowed += ['* rw ' + os.path.join(local, hashlib.sha256(('port:%d' % d['port']).encode()).hexdigest())
            for d in st.get('displays', []) if d.get('lease')]
allowed += ['* r %s/spice' % dom for d in st.get('displays', [])
            if d['type'] == 'spice' and d.get('socket')]
allowed += ['* rw /memfd:vmkit-passwd (deleted)'
            for e in ET.parse(dom + '/domain.xml').iter('graphics') if e.get('passwd')]
ro = {t.get('dev') for e in ET.parse(dom + '/domain.xml').iter('disk')
      if e.find('readonly') is not None for t in e.iter('target')}
images = ['* %s %s' % ('r' if d['target'] in ro else 'rw', d['path'])
          for d in st['disks'] if d.get('path')]

listening = {}
# QEMU's own network namespace's sockets (it may run in another one)
pid = open(dom + '/pid').read().strip()
for line in open('/proc/%s/net/unix' % pid).read().splitlines()[1:]:
    f = line.split()
    if int(f[3], 16) & 0x10000:   # __SO_ACCEPTCON
        listening[f[6]] = f[7] if len(f) > 7 else ''
got = []
for line in open(dom + '/qemu.log'):
    m = re.match(r'fd-report: (\d+) ([0-7]+) (.*)$', line)
    if not m:
        continue
    fd, flags, target = int(m.group(1)), int(m.group(2), 8), m.group(3)
    acc = {0: 'r', 1: 'w', 2: 'rw'}.get(flags & 3, '?') + ('+a' if flags & 0o2000 else '')
    s = re.match(r'socket:\[(\d+)\]$', target)
    if s:
        target = re.sub(r'/fd/\d+/', '/fd/*/', 'unix-listen:' + listening.get(s.group(1), '?'))
    got.append('%s %s %s' % (fd if fd < 3 else '*', acc, target))
got.sort()
if not got:
    sys.exit('no fd-report lines in qemu.log')
if got != sorted(allowed + images):
    sys.exit('qemu inherited:\n  %s\nallowed:\n  %s' %
             ('\n  '.join(got), '\n  '.join(sorted(allowed + images))))
PY
}

# A disk in a directory an unprivileged user (uid 4242) owns, and a
# root-owned 0600 file of the same name elsewhere that the user would
# like QEMU to get: swap_in replaces the user's directory by a symlink to
# the other one, as the user may (renameat2 RENAME_EXCHANGE, atomically).
victim_setup() {
	mkdir -p "$TEST_DIR/u/d" "$TEST_DIR/secret"
	own_disk "$TEST_DIR/u/d/disk.qcow2" 4242:4242 600
	own_disk "$TEST_DIR/secret/disk.qcow2" root:root 600
	ln -s "$TEST_DIR/secret" "$TEST_DIR/u/x"
	chown -h 4242:4242 "$TEST_DIR/u" "$TEST_DIR/u/d" "$TEST_DIR/u/x"
	secret_sum=$(sha256sum < "$TEST_DIR/secret/disk.qcow2")
}

# exchange A B: renameat2(A, B, RENAME_EXCHANGE), as uid 4242.
exchange() {
	setpriv --reuid 4242 --regid 4242 --clear-groups /usr/bin/python3 -c '
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.renameat2(-100, sys.argv[1].encode(), -100, sys.argv[2].encode(), 2) != 0:
    sys.exit(os.strerror(ctypes.get_errno()))
' "$1" "$2"
}

secret_untouched() {
	[ "$(stat -c %u:%g:%a "$TEST_DIR/secret/disk.qcow2")" = 0:0:600 ] ||
		fail "secret is $(stat -c %u:%g:%a "$TEST_DIR/secret/disk.qcow2")"
	[ -z "$(xattrs_left "$TEST_DIR/secret/disk.qcow2")" ] || fail "secret has xattrs"
	[ "$(sha256sum < "$TEST_DIR/secret/disk.qcow2")" = "$secret_sum" ]
}

# bridge_ns PREFIX: a network namespace of the test's own, named in NS,
# with a bridge br0 up inside it; teardown removes it with `ip netns del`.
bridge_ns() {
	NS=$1-$$-$BATS_TEST_NUMBER
	ip netns add "$NS"
	ip -n "$NS" link add br0 type bridge
	ip -n "$NS" link set br0 up
}

# The tap devices in bridge_ns's namespace, one name a line.
taps() {
	ip -n "$NS" -o link show type tun | awk -F': ' '{ print $2 }' | sed 's/@.*//'
}

# tun_fds NAME: how many fds on /dev/net/tun the QEMU of domain NAME holds.
tun_fds() {
	local pid
	pid=$(qemu_pid "$1")
	# opened under ip netns exec, whose mount namespace shows it as /net/tun
	find "/proc/$pid/fd" -lname '*/net/tun' | wc -l
}

# mac_lease MAC: the state of its lease as another process lists it ("free" when not held).
mac_lease() {
	vm-lock list | awk -v r="mac:$1" '$NF == r && $1 != "free" { s = $1 } END { print s ? s : "free" }'
}

# wait_stopped FILE PID: waits until the command PID has paused at its
# step: vm_hook writes its pid to FILE and only then raises SIGSTOP, so
# the file alone does not mean it is stopped; /proc says so (state T).
# STOPPED gets the stopped process's pid (PID's child when PID is a
# subshell). Returns 0 once it is stopped, 1 when it ended first, 2 (with a message
# on stderr) when it did neither within 20 s.
wait_stopped() {
	local file=$1 pid=$2 spid= st end=$((SECONDS + 20))
	while ((SECONDS < end)); do
		if [ -z "$spid" ] && [ -s "$file" ]; then
			read -r spid < "$file" || true
			[[ $spid =~ ^[0-9]+$ ]] || spid=
		fi
		# state of the paused command once it has said who it is, else of PID
		read -r st 2>/dev/null < "/proc/${spid:-$pid}/stat" || return 1
		st=${st##*) }
		case ${st:0:1} in
		T) [ -z "$spid" ] || { STOPPED=$spid; return 0; } ;;
		Z | X) return 1 ;;
		esac
		sleep 0.02
	done
	echo "command $pid neither stopped at its step nor ended in 20 s" >&2
	return 2
}

# pause_at STEP CMD...: runs CMD (a command or a function) in the
# background until it stops at STEP; PAUSED gets the pid to wait for,
# STOPPED the stopped process's, and its output goes to $TEST_DIR/cmd.out.
pause_at() {
	local step=$1 r=0
	shift
	rm -f "$TEST_DIR/stopped"
	VMKIT_TEST_STOP_AT=$step VMKIT_TEST_STOP_FILE="$TEST_DIR/stopped" "$@" >"$TEST_DIR/cmd.out" 2>&1 3>&- &
	PAUSED=$!
	wait_stopped "$TEST_DIR/stopped" "$PAUSED" || r=$?
	[ "$r" -eq 0 ] || fail "'$*' never stopped at step '$step' ($r): $(cat "$TEST_DIR/cmd.out")"
}

# resume_paused RC: lets the command of pause_at run on, and checks that
# it exits RC.
resume_paused() {
	local rc=0
	kill -CONT "$STOPPED"
	wait "$PAUSED" || rc=$?
	[ "$rc" -eq "$1" ] || fail "exit $rc, not $1: $(cat "$TEST_DIR/cmd.out")"
}

# hooks_setup_file: HOOKS_BIN names a build with --enable-test-hooks (vm_hook
# steps): the build under test when it has them, or one made once per
# file from a copy of the source tree, with sanitizers when the build
# under test has them (make check passes VMKIT_SAN_CFLAGS).
hooks_setup_file() {
	local src="$BATS_FILE_TMPDIR/src" san=${VMKIT_SAN_CFLAGS-}
	# a build under test that has the hooks is the build to sweep
	if grep -q '^#define VM_TEST_HOOKS 1' "$VMKIT_BUILDDIR/config.h" 2>/dev/null; then
		export HOOKS_BIN="$VMKIT_BUILDDIR" HOOKS_SAN="$san"
		return
	fi
	if [ -z "${VMKIT_SAN_CFLAGS+set}" ] && [ -f "$VMKIT_BUILDDIR/Makefile" ]; then
		san=$(sed -n 's/^SAN_CFLAGS = //p' "$VMKIT_BUILDDIR/Makefile")
	fi
	mkdir -p "$src"
	cp -a "$VMKIT_SRCDIR/." "$src/"
	chmod -R u+w "$src"	# make distcheck hands us a read-only tree
	cd "$src"
	make distclean >/dev/null 2>&1 || true
	[ -x configure ] || ./autogen.sh >/dev/null 2>&1
	./configure -q --enable-test-hooks ${san:+--enable-sanitizers} >/dev/null
	make -s -j2 vm-start vm-stop vm-status vm-lock vm-attach vm-attach-xml >/dev/null
	if [ -n "$san" ]; then
		grep -q '^SAN_CFLAGS = .*-fsanitize=address' Makefile
		nm vm-start | grep -q __asan_init
	fi
	export HOOKS_BIN="$src" HOOKS_SAN="$san"
}
