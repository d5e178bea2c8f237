#!/usr/bin/env bats
# vm-stop: power-down or force, then leases freed and state removed.

load helpers

setup() { common_setup; }
teardown() {
	# a fake monitor left by a failed test would hold up common_teardown
	[ -z "${FAKE_QMP:-}" ] || kill "$FAKE_QMP" 2>/dev/null || true
	common_teardown
}

@test "vm-stop --help prints usage and exits 0" {
	run -0 vm-stop --help
	assert_line --index 0 --partial "Usage: vm-stop"
}

@test "vm-stop rejects a bad --timeout with exit 2" {
	run -2 vm-stop --timeout soon x
	assert_output --partial "invalid --timeout 'soon'"
}

@test "vm-stop of a domain that is not running exits 1" {
	run -1 vm-stop nothere
	assert_output --partial "domain 'nothere' is not running"
}

@test "vm-stop rejects an invalid name with exit 3" {
	run -3 vm-stop ../etc
}

@test "vm-stop --force stops QEMU, frees the leases and removes the state" {
	make_disk "$TEST_DIR/a.qcow2"
	xml=$(make_domain forced "$(disk_xml "$TEST_DIR/a.qcow2" vda)")
	run -0 vm-start "$xml"
	pid=$(qemu_pid forced)
	run -1 vm-lock status "$TEST_DIR/a.qcow2"
	run -0 vm-stop --force forced
	assert_output ""
	wait_gone "$pid"
	run -0 vm-lock status "$TEST_DIR/a.qcow2"
	[ ! -e "$VMKIT_RUNDIR/domains/forced/status.json" ]
	[ ! -e "$VMKIT_RUNDIR/domains/forced/pid" ]
	[ ! -e "$VMKIT_RUNDIR/domains/forced/qmp.sock" ]
	run -1 alive_lock_held forced
	run -1 vm-status forced
}

@test "vm-stop --force stops a domain still paused at start-up" {
	xml=$(make_domain held)
	run -0 vm-start --paused "$xml"
	pid=$(qemu_pid held)
	run -0 vm-stop --force held
	wait_gone "$pid"
}

@test "vm-stop times out on a guest that ignores ACPI and leaves it running" {
	xml=$(make_domain deaf)
	run -0 vm-start "$xml"
	pid=$(qemu_pid deaf)
	run -1 vm-stop --timeout 1 deaf
	assert_output --partial "domain 'deaf' did not power down within 1 s"
	[ -d /proc/$pid ]
	run -0 vm-status deaf
	assert_output --regexp "^deaf +running "
	run -0 vm-stop --force deaf
}

@test "vm-stop cleans up after a QEMU that was killed, and says so" {
	make_disk "$TEST_DIR/a.qcow2"
	xml=$(make_domain killed "$(disk_xml "$TEST_DIR/a.qcow2" vda)")
	run -0 vm-start "$xml"
	kill_qemu killed
	run -0 vm-stop killed
	assert_output --partial "domain 'killed' was not running (its QEMU had exited); cleaned up"
	[ ! -e "$VMKIT_RUNDIR/domains/killed/status.json" ]
	run -0 vm-start "$xml"
}

@test "concurrent vm-stop of one domain: one stops it, the others exit 1" {
	xml=$(make_domain many)
	run -0 vm-start "$xml"
	for i in 1 2 3 4 5; do
		(rc=0; vm-stop --force many >"$TEST_DIR/out.$i" 2>&1 || rc=$?; echo $rc >"$TEST_DIR/rc.$i") &
	done
	wait
	[ "$(cat "$TEST_DIR"/rc.* | grep -c '^0$')" = 1 ]
	[ "$(cat "$TEST_DIR"/rc.* | grep -c '^1$')" = 4 ]
	[ "$(grep -l "is not running" "$TEST_DIR"/out.* | wc -l)" = 4 ]
}

@test "vm-stop --force ends a QEMU stopped with SIGSTOP within 15 s and gives its disk back" {
	own_disk "$TEST_DIR/a.qcow2" root:root 600
	run -0 vm-start "$(make_domain frozen "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	pid=$(qemu_pid frozen)
	kill -STOP "$pid"
	SECONDS=0
	run timeout 60 vm-stop --force frozen
	[ "$status" -eq 0 ] || { kill -9 "$pid"; fail "vm-stop exited $status: $output"; }
	[ "$SECONDS" -le 15 ] || fail "vm-stop took $SECONDS s"
	wait_gone "$pid"
	[ "$(stat -c %u:%g:%a "$TEST_DIR/a.qcow2")" = "0:0:600" ]
	[ -z "$(xattrs_left "$TEST_DIR/a.qcow2")" ]
	run -0 vm-lock status "$TEST_DIR/a.qcow2"
}

@test "vm-stop --force finds a QEMU whose pid file is gone, ends it and gives its disk back" {
	own_disk "$TEST_DIR/a.qcow2" root:root 600
	run -0 vm-start "$(make_domain nopid "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	pid=$(qemu_pid nopid)
	rm "$VMKIT_RUNDIR/domains/nopid/pid"
	kill -STOP "$pid"
	run timeout 60 vm-stop --force nopid
	[ "$status" -eq 0 ] || { kill -9 "$pid"; fail "vm-stop exited $status: $output"; }
	wait_gone "$pid"
	[ "$(stat -c %u:%g:%a "$TEST_DIR/a.qcow2")" = "0:0:600" ]
	[ -z "$(xattrs_left "$TEST_DIR/a.qcow2")" ]
}

@test "vm-stop --all refuses a NAME with exit 2" {
	run -2 vm-stop --all x
	assert_output --partial "--all takes no NAME"
}

@test "vm-stop --all with no domain running does nothing and exits 0" {
	run -0 vm-stop --all
	assert_output ""
}

@test "vm-stop --all forces off at the deadline, in parallel, every guest that ignores ACPI, and gives their disks back" {
	local d pids=() start elapsed
	for d in s1 s2 s3; do
		own_disk "$TEST_DIR/$d.qcow2" root:root 600
		run -0 vm-start "$(make_domain "$d" "$(disk_xml "$TEST_DIR/$d.qcow2" vda)")"
		pids+=("$(qemu_pid "$d")")
		run -1 vm-lock status "$TEST_DIR/$d.qcow2"
	done
	start=$(date +%s)
	run -0 --separate-stderr vm-stop --all --timeout 2
	elapsed=$(($(date +%s) - start))
	assert_output ""
	for d in s1 s2 s3; do
		[[ "$stderr" == *"vm-stop: warning: domain '$d' did not power down within 2 s; it is still running (use --force); forcing it off"* ]]
	done
	# One deadline for all, then QMP quit: three guests in sequence would
	# take at least 6 s before forcing; the margin is for a loaded host.
	((elapsed >= 2 && elapsed < 12))
	for d in 0 1 2; do
		wait_gone "${pids[$d]}"
	done
	for d in s1 s2 s3; do
		run -0 vm-lock status "$TEST_DIR/$d.qcow2"
		[ "$(stat -c %u:%g:%a "$TEST_DIR/$d.qcow2")" = "0:0:600" ]
		[ -z "$(xattrs_left "$TEST_DIR/$d.qcow2")" ]
		[ ! -e "$VMKIT_RUNDIR/domains/$d/status.json" ]
	done
	run -0 vm-status
	assert_output ""
}

@test "vm-stop --all stops the others when one fails, names it, and exits with its status" {
	local d
	for d in f1 f2 f3; do
		make_disk "$TEST_DIR/$d.qcow2"
		run -0 vm-start "$(make_domain "$d" "$(disk_xml "$TEST_DIR/$d.qcow2" vda)")"
	done
	echo 'garbage<' > "$VMKIT_RUNDIR/domains/f2/status.json"
	run -4 vm-stop --all --timeout 1
	assert_line "vm-stop: not every domain was stopped"
	assert_line --partial "vm-stop: cannot stop domain 'f2': domain 'f2': status file 'status.json' is damaged"
	run -0 vm-lock status "$TEST_DIR/f1.qcow2"
	run -0 vm-lock status "$TEST_DIR/f3.qcow2"
	run -1 vm-lock status "$TEST_DIR/f2.qcow2"
	run -0 vm-status
	assert_output --regexp "^f2 +damaged +- +$"
}

@test "vm-stop fails with exit 4 after 5 s when the monitor never answers its command, and QEMU runs on" {
	run -0 vm-start "$(make_domain mute)"
	pid=$(qemu_pid mute)
	# A fake monitor in place of QEMU's: it greets and accepts
	# capabilities, then never answers; QEMU keeps its unreachable socket.
	rm "$VMKIT_RUNDIR/domains/mute/qmp.sock"
	python3 - "$VMKIT_RUNDIR/domains/mute/qmp.sock" 3>&- <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(4)
while True:
    c, _ = s.accept()
    c.sendall(b'{"QMP": {"version": {}, "capabilities": []}}\n')
    c.makefile().readline()
    c.sendall(b'{"return": {}}\n')
    while c.recv(4096):
        pass
PY
	FAKE_QMP=$!
	for i in $(seq 50); do [ -S "$VMKIT_RUNDIR/domains/mute/qmp.sock" ] && break; sleep 0.1; done
	t0=$SECONDS
	run -4 timeout 30 vm-stop mute
	assert_output "vm-stop: cannot ask domain 'mute' to power down: timed out waiting for qemu to answer 'system_powerdown'"
	(( SECONDS - t0 >= 4 && SECONDS - t0 <= 15 )) || fail "vm-stop gave up after $((SECONDS - t0)) s"
	kill "$FAKE_QMP"
	[ "$(qemu_pid mute)" = "$pid" ]
	alive_lock_held mute
	[ -e "$VMKIT_RUNDIR/domains/mute/status.json" ]
	run -0 vm-stop --force mute
	wait_gone "$pid"
}
