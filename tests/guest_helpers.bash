# The Linux test guest (tests/guest/build-guest) for the bats suites that
# boot it: loaded after helpers.bash; a suite's setup_file calls
# guest_setup_file.

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

# guest_setup_file: builds (or finds in the cache) the guest and chooses
# its accelerator, exporting GUEST_DIR and GUEST_TYPE.
guest_setup_file() {
	local t0
	t0=$(date +%s%N)
	GUEST_DIR=$(bash "$VMKIT_SRCDIR/tests/guest/build-guest")
	guest_accel
	export GUEST_DIR GUEST_TYPE
	echo "# guest $(basename "$GUEST_DIR") ready in $(ms_since "$t0") ms" >&3
	echo "# guest accelerator: $GUEST_TYPE ($GUEST_WHY)" >&3
}

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

# make_guest NAME DISK MARKER [DEVICES] [CMDLINE]: writes $TEST_DIR/NAME.xml,
# the Linux guest with DISK (raw) as vda, and DEVICES (XML) and CMDLINE
# (kernel options) if given. Its console goes to $TEST_DIR/NAME.serial.
# The guest writes MARKER to vda at boot, and "vmkit-poweroff" at byte
# 4096 when its power button is pressed. QEMU opens the kernel and initrd
# as QEMU_USER, so they are copied where it can read them.
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
    <cmdline>console=ttyS0 panic=-1 vmkit.marker=$marker${5:+ $5}</cmdline>
  </os>
  <features><acpi/></features>
  <devices>
    $(disk_xml "$disk" vda "" raw)
    <serial type='file'><source path='$TEST_DIR/$name.serial'/></serial>
    ${4:-}
  </devices>
</domain>
XML
	echo "$TEST_DIR/$name.xml"
}

# wait_line NAME PID REGEX [SECONDS]: waits up to SECONDS (60) for a
# console line of guest NAME matching REGEX; fails at once if the guest
# reports FAILED, its vCPU died or its QEMU (PID) exited, showing the
# console and QEMU's log.
wait_line() {
	local serial="$TEST_DIR/$1.serial" log="$VMKIT_RUNDIR/domains/$1/qemu.log" i
	for i in $(seq $((${4:-60} * 10))); do
		grep -q "$3" "$serial" && return 0
		grep -q '^vmkit-guest: FAILED' "$serial" && break
		grep -q 'KVM internal error' "$log" 2>/dev/null && break
		running "$2" || break
		sleep 0.1
	done
	echo "guest '$1' printed no line matching '$3'; console:"
	cat "$serial"
	echo "qemu.log:"
	cat "$log" 2>/dev/null
	return 1
}

# wait_ready NAME PID: waits up to 60 s for the guest's READY line.
wait_ready() {
	wait_line "$1" "$2" '^vmkit-guest: READY'
}
