#!/usr/bin/env bats
# Stopping real guests: a Linux guest that powers off on ACPI, and a
# firmware-only one that ignores it. The Linux guest is built from Debian
# packages by tests/guest/build-guest and cached between runs.

load helpers

# The accelerator for the Linux guest, chosen here and not by falling back
# on failure: where /dev/kvm is the nested PVM hypervisor, the Debian
# kernel dies at boot with a KVM internal error (and QEMU lives on with a
# dead vCPU), so TCG is the only way to boot it. VMKIT_GUEST_ACCEL
# (kvm|qemu) overrides the choice.
guest_accel() {
	if [ -n "${VMKIT_GUEST_ACCEL:-}" ]; then
		GUEST_TYPE=$VMKIT_GUEST_ACCEL
		GUEST_WHY="VMKIT_GUEST_ACCEL"
	elif [ -e /sys/module/kvm_pvm ]; then
		GUEST_TYPE=qemu
		GUEST_WHY="TCG: /dev/kvm is PVM (/sys/module/kvm_pvm), which the Debian kernel does not boot under"
	elif [ "$(domain_type)" = kvm ]; then
		GUEST_TYPE=kvm
		GUEST_WHY="KVM works here"
	else
		GUEST_TYPE=qemu
		GUEST_WHY="TCG: QEMU cannot use /dev/kvm here"
	fi
}

setup_file() {
	local t0
	t0=$(date +%s%N)
	GUEST_DIR=$(bash "$VMKIT_SRCDIR/tests/guest/build-guest")
	guest_accel
	export GUEST_DIR GUEST_TYPE
	echo "# guest $(basename "$GUEST_DIR") ready in $(ms_since "$t0") ms" >&3
	echo "# guest accelerator: $GUEST_TYPE ($GUEST_WHY)" >&3
}

setup() { common_setup; }
teardown() { common_teardown; }

ms_since() {
	echo $((($(date +%s%N) - $1) / 1000000))
}

# running PID: the process exists and has not exited (a zombie has).
running() {
	[ -d "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

# root_disk PATH: a raw image owned by root:root 0600, which QEMU_USER
# cannot open unless vm-start labels it.
root_disk() { own_disk "$1" root:root 600 raw; }

# make_guest NAME DISK MARKER: writes $TEST_DIR/NAME.xml, the Linux guest
# with DISK (raw) as vda. Its console goes to $TEST_DIR/NAME.serial. The
# guest writes MARKER to vda at boot, and "vmkit-poweroff" at byte 4096
# when its power button is pressed. QEMU opens the kernel and initrd as
# QEMU_USER, so they are copied where it can read them.
make_guest() {
	local name=$1 disk=$2 marker=$3
	cp "$GUEST_DIR/vmlinuz" "$GUEST_DIR/initrd.img" "$TEST_DIR/"
	chmod 0644 "$TEST_DIR/vmlinuz" "$TEST_DIR/initrd.img"
	: >"$TEST_DIR/$name.serial"
	chown "$QEMU_USER:" "$TEST_DIR/$name.serial"
	cat >"$TEST_DIR/$name.xml" <<XML
<domain type='$GUEST_TYPE'>
  <name>$name</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$TEST_DIR/vmlinuz</kernel>
    <initrd>$TEST_DIR/initrd.img</initrd>
    <cmdline>console=ttyS0 panic=-1 vmkit.marker=$marker</cmdline>
  </os>
  <features><acpi/></features>
  <devices>
    $(disk_xml "$disk" vda "" raw)
    <serial type='file'><source path='$TEST_DIR/$name.serial'/></serial>
  </devices>
</domain>
XML
	echo "$TEST_DIR/$name.xml"
}

# wait_ready NAME PID: waits up to 60 s for the guest's READY line; fails
# at once if the guest reports FAILED, its vCPU died or its QEMU exited,
# showing the console and QEMU's log.
wait_ready() {
	local serial="$TEST_DIR/$1.serial" log="$VMKIT_RUNDIR/domains/$1/qemu.log" i
	for i in $(seq 600); do
		grep -q '^vmkit-guest: READY' "$serial" && return 0
		grep -q '^vmkit-guest: FAILED' "$serial" && break
		grep -q 'KVM internal error' "$log" 2>/dev/null && break
		running "$2" || break
		sleep 0.1
	done
	echo "guest '$1' did not become ready; console:"
	cat "$serial"
	echo "qemu.log:"
	cat "$log" 2>/dev/null
	return 1
}

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
