#!/usr/bin/env bats
# vm-console against the Linux test guest: a shell on its serial ports 1
# (a pty) and 2 (a unix socket QEMU listens on), typed at through a pipe
# and on a terminal (tmux), one session at a time, the terminal restored
# however a session ends.

load helpers
load lock_helpers
load guest_helpers

setup_file() { guest_setup_file; }

setup() {
	common_setup
	TMUX_N=0
}

teardown() {
	local sock
	for sock in "$TEST_DIR"/tmux.*; do
		[ -S "$sock" ] && tmux -S "$sock" kill-server 2>/dev/null
	done
	release_all
	common_teardown
}

# console_guest NAME: starts the Linux guest NAME with a pty on serial
# port 1 and a unix socket ($TEST_DIR/sock/NAME) on port 2, a shell on
# each (vmkit.shell), and waits for READY on its console (port 0, a
# file). QEMU binds the socket in a directory of its own user's.
console_guest() {
	local disk="$TEST_DIR/$1.img"
	mkdir -p "$TEST_DIR/sock"
	chown "$QEMU_USER:" "$TEST_DIR/sock"
	root_disk "$disk"
	run -0 vm-start "$(make_guest "$1" "$disk" "vmkit-marker-$RANDOM" \
		"<serial type='pty'/><serial type='unix'><source mode='bind' path='$TEST_DIR/sock/$1'/></serial>" \
		"vmkit.shell=ttyS1,ttyS2")"
	wait_ready "$1" "$(qemu_pid "$1")"
}

uuid() {
	sed -n 's/.*"uuid": *"\([^"]*\)".*/\1/p' "$VMKIT_RUNDIR/domains/$1/status.json"
}

# console_lease NAME PORT: the lease file of the console of serial port
# PORT of domain NAME.
console_lease() {
	echo "$VMKIT_RUNDIR/leases/$(printf 'console:%s:%s' "$(uuid "$1")" "$2" | sha256sum | cut -c1-64)"
}

# lease_held NAME PORT: from another process, whether that lease is locked.
lease_held() {
	lock_held "$(console_lease "$1" "$2")"
}

# record NAME PORT: the pid the console record names, once it is there.
record() {
	wait_file "$VMKIT_RUNDIR/domains/$1/console.$2" >&2 && cat "$VMKIT_RUNDIR/domains/$1/console.$2"
}

# on_tty ARGS...: runs `vm-console ARGS` on a terminal, tmux's, in a
# wrapper that records the terminal's settings before and after (stty -g)
# and vm-console's exit status.
on_tty() {
	cat >"$TEST_DIR/wrap" <<'SH'
#!/bin/sh
stty -g >"$TEST_DIR/before"
vm-console "$@"
echo $? >"$TEST_DIR/rc.tmp"
stty -g >"$TEST_DIR/after"
mv "$TEST_DIR/rc.tmp" "$TEST_DIR/rc"
exec sleep 600
SH
	chmod 0755 "$TEST_DIR/wrap"
	rm -f "$TEST_DIR/before" "$TEST_DIR/after" "$TEST_DIR/rc"
	# a server of its own each time: one being killed may still answer
	[ "$TMUX_N" = 0 ] || tmux -S "$TMUX_SOCK" kill-server 2>/dev/null || true
	TMUX_N=$((TMUX_N + 1))
	TMUX_SOCK=$TEST_DIR/tmux.$TMUX_N
	tmux -S "$TMUX_SOCK" new-session -d -x 120 -y 40 \
		-e "PATH=$PATH" -e "TEST_DIR=$TEST_DIR" \
		-e "VMKIT_RUNDIR=$VMKIT_RUNDIR" -e "VMKIT_CONF=$VMKIT_CONF" \
		"$TEST_DIR/wrap" "$@"
}

pane() { tmux -S "$TMUX_SOCK" capture-pane -p -S -100; }

# wait_pane REGEX: waits up to 30 s for the terminal to show REGEX.
wait_pane() {
	local i
	for i in $(seq 300); do
		pane | grep -q -- "$1" && return 0
		sleep 0.1
	done
	echo "the terminal never showed '$1':"
	pane
	return 1
}

# ended: waits up to 30 s for the session on the terminal to end, then
# checks that the terminal's settings are those it had before.
ended() {
	local i
	for i in $(seq 300); do
		[ -e "$TEST_DIR/rc" ] && break
		sleep 0.1
	done
	[ -e "$TEST_DIR/rc" ] || { echo "vm-console did not end:"; pane; return 1; }
	diff "$TEST_DIR/before" "$TEST_DIR/after"
}

@test "vm-console --help and usage errors" {
	run -0 vm-console --help
	assert_line --partial "Usage: vm-console [--serial N]"
	run -2 vm-console
	assert_line "vm-console: missing domain NAME"
	run -2 vm-console a b
	assert_line "vm-console: too many arguments"
	run -2 vm-console --serial 4 web
	assert_line "vm-console: invalid --serial '4': expected 0..3"
	run -2 vm-console -e ab web
	assert_line "vm-console: invalid escape character 'ab': expected ^X or one character"
	run -2 vm-console --timeout x web
	assert_line "vm-console: invalid --timeout 'x': expected 0..2147483"
}

# listen_unix PATH: a unix socket listening at PATH (mode 0777, so that
# QEMU_USER may connect) from a background python3 until the test ends.
listen_unix() {
	local ready
	ready=$(mktemp -u "$TEST_DIR/ready.XXXXXX")
	python3 -c '
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o777)
s.listen(4)
open(sys.argv[2], "w").close()
conns = []
while True:
    conns.append(s.accept()[0])
' "$1" "$ready" 3>&- &
	HOLD_PIDS+=("$!")
	wait_file "$ready"
}

@test "Refusals: an unknown name, a domain that is not running, a serial port it lacks, a file serial, a socket QEMU connects to" {
	local xml
	run -1 vm-console nosuch
	assert_output "vm-console: domain 'nosuch' is not running"
	run -3 vm-console 'a/b'
	assert_output --partial "vm-console: invalid domain name 'a/b'"

	: >"$TEST_DIR/fw.serial"
	chown "$QEMU_USER:" "$TEST_DIR/fw.serial"
	listen_unix "$TEST_DIR/listener"
	xml=$(make_domain fw "<serial type='file'><source path='$TEST_DIR/fw.serial'/></serial><serial type='pty'/><serial type='unix'><source mode='connect' path='$TEST_DIR/listener'/></serial>")
	run -0 vm-start "$xml"
	run -3 vm-console fw </dev/null
	assert_output "vm-console: serial port 0 of domain 'fw' is a file: vm-console needs a pty or a unix socket that QEMU listens on (<source mode='bind'>)"
	run -3 vm-console --serial 2 fw </dev/null
	assert_output "vm-console: serial port 2 of domain 'fw' is a unix socket that QEMU connects to: vm-console needs a pty or a unix socket that QEMU listens on (<source mode='bind'>)"
	run -3 vm-console --serial 3 fw </dev/null
	assert_output "vm-console: domain 'fw' has no serial port 3"
	# nothing is leased or recorded by a refusal
	run -0 vm-lock list
	refute_output --partial "console:"
	[ ! -e "$VMKIT_RUNDIR/domains/fw/console.0" ]
	# the pty works (SeaBIOS says nothing there): the input ends, then 1 s quiet
	run -0 vm-console --serial 1 --idle 1 fw </dev/null
	assert_output ""

	kill_qemu fw
	run -1 vm-console --serial 1 fw </dev/null
	assert_output "vm-console: domain 'fw' is not running"
}

@test "A QEMU that names a pty or socket not its own gets nothing: vm-console refuses them" {
	local ready
	run -0 vm-start "$(make_domain fw)"
	listen_unix "$TEST_DIR/root.sock"
	# In place of QEMU's monitor, one that names a root's pty, a file and
	# a root's socket for serial ports 0 to 2.
	ready=$(mktemp -u "$TEST_DIR/ready.XXXXXX")
	rm "$VMKIT_RUNDIR/domains/fw/qmp.sock"
	python3 -c '
import json, os, socket, sys
master, slave = os.openpty()
ports = ["pty:" + os.ttyname(slave), "pty:/etc/passwd", "unix:%s,server=on" % sys.argv[2]]
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(4)
open(sys.argv[3], "w").write(os.ttyname(slave))
while True:
    c = s.accept()[0]
    f = c.makefile("rw")
    f.write(json.dumps({"QMP": {"version": {}, "capabilities": []}}) + "\n")
    f.flush()
    for line in f:
        cmd = json.loads(line)["execute"]
        ret = [] if cmd != "query-chardev" else [
            {"label": "charserial%d" % i, "filename": p, "frontend-open": True}
            for i, p in enumerate(ports)]
        f.write(json.dumps({"return": ret if cmd == "query-chardev" else {}}) + "\n")
        f.flush()
    c.close()
' "$VMKIT_RUNDIR/domains/fw/qmp.sock" "$TEST_DIR/root.sock" "$ready" 3>&- &
	HOLD_PIDS+=("$!")
	wait_file "$ready"
	run -4 vm-console fw </dev/null
	assert_output "vm-console: refusing '$(cat "$ready")' for serial port 0 of domain 'fw': not a pty of QEMU's uid $(id -u "$QEMU_USER")"
	run -4 vm-console --serial 1 fw </dev/null
	assert_output "vm-console: refusing pty '/etc/passwd' of serial port 1 of domain 'fw': not in /dev/pts/"
	run -4 vm-console --serial 2 fw </dev/null
	assert_output "vm-console: refusing '$TEST_DIR/root.sock' for serial port 2 of domain 'fw': not a socket of QEMU's uid $(id -u "$QEMU_USER")"
	[ ! -e "$VMKIT_RUNDIR/domains/fw/console.0" ]
}

@test "A command typed at the guest's shell returns its output, on a pty and on a unix socket, through a pipe" {
	console_guest g
	run -0 vm-console g --serial 1 --idle 5 <<<'echo $((6*7))'
	assert_line $'42\r'
	# the output to a file, the unix socket
	printf 'echo $((6*7))\n' | vm-console g --serial 2 --idle 5 >"$TEST_DIR/log"
	grep -qx $'42\r' "$TEST_DIR/log"
	# each session has let go of its lease and record
	run -1 lease_held g 1
	run -1 lease_held g 2
	[ ! -e "$VMKIT_RUNDIR/domains/g/console.1" ]
	[ ! -e "$VMKIT_RUNDIR/domains/g/console.2" ]
}

@test "Without a terminal the session ends after input ends and the guest is quiet; --timeout bounds one whose input never ends" {
	local t0 ms
	console_guest g
	t0=$(now_ms)
	run -0 vm-console g --serial 1 --idle 2 </dev/null
	ms=$(($(now_ms) - t0))
	echo "# input at end: the session ended after $ms ms (--idle 2)" >&3
	[ "$ms" -ge 2000 ]
	[ "$ms" -lt 10000 ]

	mkfifo "$TEST_DIR/in"
	exec 7<>"$TEST_DIR/in"
	t0=$(now_ms)
	run -1 vm-console g --serial 2 --timeout 3 <"$TEST_DIR/in"
	ms=$(($(now_ms) - t0))
	exec 7>&-
	assert_output "vm-console: timed out after 3 s on the console of domain 'g'"
	[ "$ms" -ge 3000 ]
	[ "$ms" -lt 10000 ]
	run -1 lease_held g 2
}

@test "A second vm-console is refused while the first holds the console, which vm-lock list and vm-status name, and --force takes it" {
	local pid
	console_guest g
	mkfifo "$TEST_DIR/in"
	exec 7<>"$TEST_DIR/in"
	vm-console g --serial 1 <"$TEST_DIR/in" >"$TEST_DIR/first.out" 2>"$TEST_DIR/first.err" 7>&- &
	pid=$!
	[ "$(record g 1)" = "$pid" ]
	run -0 lease_held g 1
	# the lease is the session's: vm-lock and vm-status name it
	run -0 vm-lock list
	assert_line --regexp "^exclusive +vm-console:$pid@g +console:$(uuid g):1$"
	run -0 vm-status g
	assert_line --regexp "^  serial 1 pty /dev/pts/[0-9]+ \(vm-console $pid has it\)$"
	assert_line --regexp "^  serial 2 unix $TEST_DIR/sock/g$"

	run -1 vm-console g --serial 1 </dev/null
	assert_output "vm-console: console 1 of domain 'g' is in use by process $pid (--force takes it)"
	# another port is another console
	run -0 vm-console g --serial 2 --idle 1 </dev/null
	# the refusal took nothing from the first session
	running "$pid"
	run -0 lease_held g 1
	[ "$(record g 1)" = "$pid" ]

	run -0 vm-console --force g --serial 1 --idle 5 <<<'echo forced-$((6*7))'
	assert_line $'forced-42\r'
	# the first session ended cleanly (exit 0), the lease is free again
	wait "$pid"
	[ ! -s "$TEST_DIR/first.err" ]
	run -1 lease_held g 1
	run -0 vm-lock list
	assert_line --regexp "^free +- +console:$(uuid g):1$"

	# a session killed by SIGKILL leaves its record behind, but not its lease
	vm-console g --serial 1 <"$TEST_DIR/in" >/dev/null 2>&1 7>&- &
	pid=$!
	[ "$(record g 1)" = "$pid" ]
	run -0 lease_held g 1
	kill -9 "$pid"
	wait "$pid" || true
	run -1 lease_held g 1
	run -0 vm-console g --serial 1 --idle 1 </dev/null
	exec 7>&-
}

@test "A console held by a process that is no vm-console is refused, with or without --force" {
	console_guest g
	hold_byte "$(console_lease g 2)" 0
	run -1 vm-console g --serial 2 </dev/null
	assert_output "vm-console: console 2 of domain 'g' is in use by another process"
	run -1 vm-console --force g --serial 2 </dev/null
	assert_output "vm-console: console 2 of domain 'g' is in use by another process, which is no vm-console session that --force can end"
	run -0 lease_held g 2
}

@test "On a terminal: raw mode while attached, the terminal restored after the escape key, after SIGTERM, SIGHUP and SIGINT and after the guest powers off" {
	local pty pid
	console_guest g

	# ^] (the default): typing at the shell, then the escape key
	on_tty g --serial 1
	wait_pane "Escape character is ^]"
	pty=$(tmux -S "$TMUX_SOCK" display -p '#{pane_tty}')
	[ "$(stty -g -F "$pty")" != "$(cat "$TEST_DIR/before")" ]
	tmux -S "$TMUX_SOCK" send-keys 'echo $((6*7))' Enter
	wait_pane '^42$'
	run -0 lease_held g 1
	tmux -S "$TMUX_SOCK" send-keys C-]
	ended
	[ "$(cat "$TEST_DIR/rc")" = 0 ]
	run -1 grep -q 'vm-console:' <(pane)
	run -1 lease_held g 1

	# -e ^b on the unix socket: ^] goes to the guest, ^b ends it
	on_tty g --serial 2 -e '^b'
	wait_pane "Escape character is ^B"
	tmux -S "$TMUX_SOCK" send-keys C-] Enter
	tmux -S "$TMUX_SOCK" send-keys 'echo still-$((6*7))' Enter
	wait_pane '^still-42$'
	[ ! -e "$TEST_DIR/rc" ]
	tmux -S "$TMUX_SOCK" send-keys C-b
	ended
	[ "$(cat "$TEST_DIR/rc")" = 0 ]

	# SIGTERM (as from vm-console --force), SIGHUP, SIGINT
	for sig in TERM HUP INT; do
		on_tty g --serial 1
		pid=$(record g 1)
		wait_pane "Escape character is ^]"
		kill -"$sig" "$pid"
		ended
		[ "$(cat "$TEST_DIR/rc")" = 0 ]
		pane | grep -qx "vm-console: session ended by SIG$sig"
		run -1 lease_held g 1
	done

	# the guest powers off: QEMU exits and closes the pty
	on_tty g --serial 1
	wait_pane "Escape character is ^]"
	tmux -S "$TMUX_SOCK" send-keys 'poweroff -f' Enter
	ended
	[ "$(cat "$TEST_DIR/rc")" = 0 ]
	pane | grep -qx "vm-console: the console of domain 'g' closed: the guest powered off or QEMU exited"
	run -1 vm-status g
}

@test "In session mode a user attaches to the pty of a domain of its own, whose QEMU runs as that user" {
	local xml lease s=(runuser -u nobody -- env VMKIT_RUNDIR="$TEST_DIR/session" VMKIT_CONF="$TEST_DIR/session.conf")
	xml=$(make_domain mine "<serial type='pty'/>")
	sed -i "s/type='kvm'/type='qemu'/" "$xml"
	: >"$TEST_DIR/session.conf"
	install -d -o nobody -m 0700 "$TEST_DIR/session"
	chmod 0644 "$xml" "$TEST_DIR/session.conf"
	# the build tree may be private to root (make check-sanitizers): nobody runs copies
	mkdir -m 0755 "$TEST_DIR/bin"
	cp "$VMKIT_BUILDDIR/vm-start" "$VMKIT_BUILDDIR/vm-stop" "$VMKIT_BUILDDIR/vm-console" "$TEST_DIR/bin/"
	run -0 "${s[@]}" "$TEST_DIR/bin/vm-start" "$xml"
	run -0 "${s[@]}" "$TEST_DIR/bin/vm-console" --idle 1 mine </dev/null
	assert_output ""
	# its lease was taken in the user's own lockspace, and is free again
	lease=$(printf 'console:%s:0' "$(sed -n 's/.*"uuid": *"\([^"]*\)".*/\1/p' "$TEST_DIR/session/domains/mine/status.json")" | sha256sum | cut -c1-64)
	[ "$(stat -c %U "$TEST_DIR/session/leases/$lease")" = nobody ]
	run -1 lock_held "$TEST_DIR/session/leases/$lease"
	run -0 "${s[@]}" "$TEST_DIR/bin/vm-stop" --force mine
}
