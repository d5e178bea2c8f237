#!/usr/bin/env bats
# Stopping real guests: a Linux guest that powers off on ACPI, and a
# firmware-only one that ignores it. The Linux guest is built from Debian
# packages by tests/guest/build-guest and cached between runs.

load helpers
load guest_helpers

setup_file() { guest_setup_file; }
setup() { common_setup; }
teardown() { common_teardown; }

@test "Graceful stop: the guest powers off on ACPI, its disk is restored and its leases freed" {
	local disk="$TEST_DIR/g.img" marker="vmkit-marker-$RANDOM$RANDOM" t0 ms
	root_disk "$disk"
	run -0 vm-start "$(make_guest g "$disk" "$marker")"
	pid=$(qemu_pid g)
	t0=$(date +%s%N)
	wait_ready g "$pid"
	echo "# guest READY $(ms_since "$t0") ms after vm-start returned" >&3
	[ "$(stat -c %U "$disk")" = "$QEMU_USER" ]
	run -1 vm-lock status "$disk"

	t0=$(date +%s%N)
	run -0 vm-stop g
	ms=$(ms_since "$t0")
	echo "# graceful vm-stop took $ms ms" >&3
	assert_output ""
	[ "$ms" -lt 60000 ]
	# QEMU had exited when vm-stop returned, because the guest powered off
	run -1 running "$pid"
	grep -q '^vmkit-guest: POWEROFF' "$TEST_DIR/g.serial"

	# labels restored, leases free, state gone
	[ "$(stat -c %u:%g:%a "$disk")" = "0:0:600" ]
	[ -z "$(xattrs_left "$disk")" ]
	run -0 vm-lock status "$disk"
	[ ! -e "$VMKIT_RUNDIR/domains/g/status.json" ]
	run -1 vm-status g

	# what the guest wrote at boot and at power-off is on the disk
	[ "$(head -c ${#marker} "$disk")" = "$marker" ]
	[ "$(dd if="$disk" bs=1 skip=4096 count=14 2>/dev/null)" = vmkit-poweroff ]
}

@test "Stop timeout: a guest that ignores ACPI stays running and intact; --force then stops it" {
	local disk="$TEST_DIR/f.img" t0 ms
	root_disk "$disk"
	run -0 vm-start "$(make_domain deaf "$(disk_xml "$disk" vda "" raw)")"
	pid=$(qemu_pid deaf)

	t0=$(date +%s%N)
	run -1 vm-stop --timeout 2 deaf
	ms=$(ms_since "$t0")
	assert_output --partial "domain 'deaf' did not power down within 2 s"
	[ "$ms" -ge 2000 ]
	[ "$ms" -lt 10000 ]

	# the same QEMU, still running, with its state, labels and leases
	running "$pid"
	[ "$(qemu_pid deaf)" = "$pid" ]
	run -0 vm-status deaf
	assert_output --regexp "^deaf +running "
	run -0 alive_lock_held deaf
	run -0 qmp deaf query-status
	assert_output --partial '"status": "running"'
	[ "$(stat -c %U "$disk")" = "$QEMU_USER" ]
	[ -n "$(xattrs_left "$disk")" ]
	run -1 vm-lock status "$disk"

	run -0 vm-stop --force deaf
	run -1 running "$pid"
	[ "$(stat -c %u:%g:%a "$disk")" = "0:0:600" ]
	[ -z "$(xattrs_left "$disk")" ]
	run -0 vm-lock status "$disk"
	run -1 vm-status deaf
}

@test "vm-stop --all: a guest that honours ACPI powers off, two that ignore it are forced off at the deadline, all disks given back" {
	local disk="$TEST_DIR/g.img" marker="vmkit-marker-$RANDOM$RANDOM" d t0 ms pids=()
	root_disk "$disk"
	run -0 vm-start "$(make_guest g "$disk" "$marker")"
	pids+=("$(qemu_pid g)")
	wait_ready g "${pids[0]}"
	for d in f1 f2; do
		own_disk "$TEST_DIR/$d.qcow2" root:root 600
		run -0 vm-start "$(make_domain "$d" "$(disk_xml "$TEST_DIR/$d.qcow2" vda)")"
		pids+=("$(qemu_pid "$d")")
	done

	t0=$(date +%s%N)
	run -0 vm-stop --all --timeout 5
	ms=$(ms_since "$t0")
	echo "# vm-stop --all --timeout 5 took $ms ms" >&3
	assert_line "vm-stop: warning: domain 'f1' did not power down within 5 s; it is still running (use --force); forcing it off"
	assert_line "vm-stop: warning: domain 'f2' did not power down within 5 s; it is still running (use --force); forcing it off"
	refute_output --partial "'g'"
	grep -q '^vmkit-guest: POWEROFF' "$TEST_DIR/g.serial"
	# The deadline, then QMP quit (up to 3 s), with room for a loaded host.
	[ "$ms" -ge 5000 ]
	[ "$ms" -lt 15000 ]
	for d in 0 1 2; do
		run -1 running "${pids[$d]}"
	done
	for d in "$disk" "$TEST_DIR/f1.qcow2" "$TEST_DIR/f2.qcow2"; do
		run -0 vm-lock status "$d"
		[ "$(stat -c %u:%g:%a "$d")" = "0:0:600" ]
		[ -z "$(xattrs_left "$d")" ]
	done
	run -0 vm-status
	assert_output ""
}
