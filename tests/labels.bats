#!/usr/bin/env bats
# Ownership labels: disks are chowned to the QEMU user only while the VM
# may use them, and given back to their true owner afterwards.

load helpers

setup() { common_setup; }
teardown() { common_teardown; }

@test "a root-owned 0600 disk is the QEMU user's while the VM runs and root's after" {
	own_disk "$TEST_DIR/a.qcow2" root:root 600
	run -0 vm-start "$(make_domain l "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	[ "$(stat -c %U:%G "$TEST_DIR/a.qcow2")" = "$QEMU_USER:$QEMU_USER" ]
	run -0 qmp l query-block
	python3 -c '
import json, sys
b = [d for d in json.loads(sys.argv[1]) if d["qdev"].endswith("vda") or d["device"] == "vda" or "vda" in d["qdev"]]
assert b and b[0]["inserted"]["node-name"] == "drive-vda" and not b[0]["inserted"]["ro"], b
' "$output"
	run -0 vm-stop --force l
	[ "$(stat -c %u:%g:%a "$TEST_DIR/a.qcow2")" = "0:0:600" ]
	[ -z "$(xattrs_left "$TEST_DIR/a.qcow2")" ]
}

@test "a disk owned by another user goes back to that user, not to root" {
	own_disk "$TEST_DIR/a.qcow2" 4242:4343 600
	run -0 vm-start "$(make_domain l "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	[ "$(stat -c %U "$TEST_DIR/a.qcow2")" = "$QEMU_USER" ]
	run -0 vm-stop --force l
	[ "$(stat -c %u:%g:%a "$TEST_DIR/a.qcow2")" = "4242:4343:600" ]
	[ -z "$(xattrs_left "$TEST_DIR/a.qcow2")" ]
}

@test "a shared read-only disk stays labelled until its last user stops" {
	own_disk "$TEST_DIR/iso.img" 4242:4242 600 raw
	run -0 vm-start "$(make_domain one "$(disk_xml "$TEST_DIR/iso.img" vda "<readonly/>" raw)")"
	run -0 vm-start "$(make_domain two "$(disk_xml "$TEST_DIR/iso.img" vda "<readonly/>" raw)")"
	[ "$(getfattr --only-values -n trusted.vmkit.ref_dac "$TEST_DIR/iso.img")" = 2 ]
	run -0 vm-stop --force one
	[ "$(stat -c %U "$TEST_DIR/iso.img")" = "$QEMU_USER" ]
	[ "$(getfattr --only-values -n trusted.vmkit.ref_dac "$TEST_DIR/iso.img")" = 1 ]
	run -0 vm-stop --force two
	[ "$(stat -c %u:%g "$TEST_DIR/iso.img")" = "4242:4242" ]
	[ -z "$(xattrs_left "$TEST_DIR/iso.img")" ]
}

@test "vm-stop restores the owner after QEMU was killed" {
	own_disk "$TEST_DIR/a.qcow2" root:root 600
	run -0 vm-start "$(make_domain k "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	kill_qemu k
	run -0 vm-stop k
	[ "$(stat -c %u:%g "$TEST_DIR/a.qcow2")" = "0:0" ]
	[ -z "$(xattrs_left "$TEST_DIR/a.qcow2")" ]
}

@test "after a reboot the remembered owner is still the true one" {
	own_disk "$TEST_DIR/a.qcow2" 4242:4242 600
	xml=$(make_domain r "$(disk_xml "$TEST_DIR/a.qcow2" vda)")
	run -0 vm-start "$xml"
	kill_qemu r
	# a reboot wipes /run and changes the boot id
	rm -rf "$VMKIT_RUNDIR"
	setfattr -n trusted.vmkit.boot_dac -v 00000000-dead-beef-0000-000000000000 "$TEST_DIR/a.qcow2"
	[ "$(stat -c %U "$TEST_DIR/a.qcow2")" = "$QEMU_USER" ]
	run -0 vm-start "$xml"
	[ "$(getfattr --only-values -n trusted.vmkit.ref_dac "$TEST_DIR/a.qcow2")" = 1 ]
	run -0 vm-stop --force r
	[ "$(stat -c %u:%g "$TEST_DIR/a.qcow2")" = "4242:4242" ]
	[ -z "$(xattrs_left "$TEST_DIR/a.qcow2")" ]
}

@test "vm-stop leaves the label of a disk that vm-lock run holds, and warns" {
	own_disk "$TEST_DIR/a.qcow2" root:root 600
	run -0 vm-start "$(make_domain h "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	kill_qemu h
	vm-lock run "$TEST_DIR/a.qcow2" -- sleep 30 3>&- &
	holder=$!
	for i in $(seq 50); do vm-lock status "$TEST_DIR/a.qcow2" >/dev/null || break; sleep 0.1; done
	run -0 vm-stop h
	assert_output --partial "warning: disk '$TEST_DIR/a.qcow2' is in use by another host or process; leaving its owner as it is"
	[ "$(stat -c %U "$TEST_DIR/a.qcow2")" = "$QEMU_USER" ]
	kill "$holder"
}

# Two domains share a read-only disk; both QEMUs die, and someone else
# holds the disk while the first vm-stop runs: that stop drops its own
# use of the label all the same, so the last user's stop gives it back.
two_readers_dead() {
	own_disk "$TEST_DIR/ro.img" root:root 640 raw
	run -0 vm-start "$(make_domain ra "$(disk_xml "$TEST_DIR/ro.img" vda "<readonly/>" raw)")"
	run -0 vm-start "$(make_domain rb "$(disk_xml "$TEST_DIR/ro.img" vda "<readonly/>" raw)")"
	[ "$(getfattr --only-values -n trusted.vmkit.ref_dac "$TEST_DIR/ro.img")" = 2 ]
	kill_qemu ra
	kill_qemu rb
}

@test "a stop that finds its disk held by vm-lock run still drops its use, and the last user's stop restores the owner" {
	two_readers_dead
	run -0 vm-lock run --wait 5 "$TEST_DIR/ro.img" -- vm-stop ra
	assert_output --partial "warning: disk '$TEST_DIR/ro.img' is in use by another host or process; leaving its owner as it is"
	[ "$(getfattr --only-values -n trusted.vmkit.ref_dac "$TEST_DIR/ro.img")" = 1 ]
	[ "$(stat -c %U "$TEST_DIR/ro.img")" = "$QEMU_USER" ]
	run -0 vm-stop rb
	[ "$(stat -c %u:%g:%a "$TEST_DIR/ro.img")" = "0:0:640" ]
	[ -z "$(xattrs_left "$TEST_DIR/ro.img")" ]
}

@test "stops that find their disk in use by another domain drop their use, and that domain's stop restores the owner" {
	two_readers_dead
	run -0 vm-start "$(make_domain rw "$(disk_xml "$TEST_DIR/ro.img" vda "" raw)")"
	[ "$(getfattr --only-values -n trusted.vmkit.ref_dac "$TEST_DIR/ro.img")" = 3 ]
	run -0 vm-stop ra
	assert_output --partial "warning: disk '$TEST_DIR/ro.img' is in use by domain 'rw'; leaving its owner as it is"
	run -0 vm-stop rb
	[ "$(getfattr --only-values -n trusted.vmkit.ref_dac "$TEST_DIR/ro.img")" = 1 ]
	[ "$(stat -c %U "$TEST_DIR/ro.img")" = "$QEMU_USER" ]
	run -0 vm-stop --force rw
	[ "$(stat -c %u:%g:%a "$TEST_DIR/ro.img")" = "0:0:640" ]
	[ -z "$(xattrs_left "$TEST_DIR/ro.img")" ]
}

@test "a start that fails after labelling gives every disk back" {
	own_disk "$TEST_DIR/a.qcow2" 4242:4242 600
	own_disk "$TEST_DIR/b.img" root:root 640 raw
	xml=$(make_domain f "$(disk_xml "$TEST_DIR/a.qcow2" vda)" "$(disk_xml "$TEST_DIR/b.img" vdb "<readonly/>" raw)")
	sed -i "s|<devices>|<devices><emulator>/bin/false</emulator>|" "$xml"
	run -4 vm-start "$xml"
	[ "$(stat -c %u:%g:%a "$TEST_DIR/a.qcow2")" = "4242:4242:600" ]
	[ "$(stat -c %u:%g:%a "$TEST_DIR/b.img")" = "0:0:640" ]
	[ -z "$(xattrs_left "$TEST_DIR/a.qcow2")$(xattrs_left "$TEST_DIR/b.img")" ]
	run -0 vm-lock status "$TEST_DIR/a.qcow2"
}

# hold_lease PATH: vm-lock run holds PATH's lease in the background;
# HOLDER gets its pid.
hold_lease() {
	vm-lock run "$1" -- sleep 30 3>&- &
	HOLDER=$!
	for i in $(seq 50); do vm-lock status "$1" >/dev/null || break; sleep 0.1; done
	run -1 vm-lock status "$1"
}

@test "remember_owner = 0: a start refused on a later disk's lease leaves the earlier disk's owner alone" {
	echo 'remember_owner = 0' >> "$VMKIT_CONF"
	own_disk "$TEST_DIR/a.qcow2" 4242:4242 600
	own_disk "$TEST_DIR/b.qcow2" 4343:4343 600
	hold_lease "$TEST_DIR/b.qcow2"
	run -1 vm-start "$(make_domain e "$(disk_xml "$TEST_DIR/a.qcow2" vda)" "$(disk_xml "$TEST_DIR/b.qcow2" vdb)")"
	assert_output --partial "disk '$TEST_DIR/b.qcow2' is in use by another host or process"
	[ "$(stat -c %u:%g:%a "$TEST_DIR/a.qcow2")" = "4242:4242:600" ]
	[ "$(stat -c %u:%g:%a "$TEST_DIR/b.qcow2")" = "4343:4343:600" ]
	[ -z "$(xattrs_left "$TEST_DIR/a.qcow2")$(xattrs_left "$TEST_DIR/b.qcow2")" ]
	run -0 vm-lock status "$TEST_DIR/a.qcow2"
	run -1 vm-lock status "$TEST_DIR/b.qcow2"
	[ ! -e "$VMKIT_RUNDIR/domains/e/status.json" ]
	kill "$HOLDER"
}

@test "remember_owner = 0: a failed start on a shared read-only disk leaves it labelled for the running domain" {
	echo 'remember_owner = 0' >> "$VMKIT_CONF"
	own_disk "$TEST_DIR/iso.img" 4242:4242 600 raw
	run -0 vm-start "$(make_domain one "$(disk_xml "$TEST_DIR/iso.img" vda "<readonly/>" raw)")"
	xml=$(make_domain two "$(disk_xml "$TEST_DIR/iso.img" vda "<readonly/>" raw)")
	sed -i "s|<devices>|<devices><emulator>/bin/false</emulator>|" "$xml"
	run -4 vm-start "$xml"
	assert_output --partial "warning: disk '$TEST_DIR/iso.img' is in use by domain 'one'; leaving its owner as it is"
	[ "$(stat -c %U:%a "$TEST_DIR/iso.img")" = "$QEMU_USER:600" ]
	[ -z "$(xattrs_left "$TEST_DIR/iso.img")" ]
	[ ! -e "$VMKIT_RUNDIR/domains/two/status.json" ]
	run -1 vm-lock status "$TEST_DIR/iso.img"
	assert_output --partial "shared"
	run -0 vm-status one
	assert_output --regexp "^one +running "
	# the last user gives it back, to root: the true owner was not remembered
	run -0 vm-stop --force one
	refute_output --partial "warning"
	[ "$(stat -c %u:%g:%a "$TEST_DIR/iso.img")" = "0:0:600" ]
	run -0 vm-lock status "$TEST_DIR/iso.img"
}

@test "remember_owner = 0: vm-stop of one of two domains sharing a read-only disk leaves it labelled" {
	echo 'remember_owner = 0' >> "$VMKIT_CONF"
	own_disk "$TEST_DIR/iso.img" 4242:4242 600 raw
	run -0 vm-start "$(make_domain one "$(disk_xml "$TEST_DIR/iso.img" vda "<readonly/>" raw)")"
	run -0 vm-start "$(make_domain two "$(disk_xml "$TEST_DIR/iso.img" vda "<readonly/>" raw)")"
	run -0 vm-stop --force one
	assert_output --partial "warning: disk '$TEST_DIR/iso.img' is in use by domain 'two'; leaving its owner as it is"
	[ "$(stat -c %U "$TEST_DIR/iso.img")" = "$QEMU_USER" ]
	[ -z "$(xattrs_left "$TEST_DIR/iso.img")" ]
	run -1 vm-lock status "$TEST_DIR/iso.img"
	run -0 vm-stop --force two
	refute_output --partial "warning"
	[ "$(stat -c %u:%g "$TEST_DIR/iso.img")" = "0:0" ]
	run -0 vm-lock status "$TEST_DIR/iso.img"
}

@test "20 rounds of 4 VMs starting and stopping on one read-only disk leave the owner intact" {
	own_disk "$TEST_DIR/ro.img" 4242:4242 600 raw
	for i in 1 2 3 4; do
		make_domain "c$i" "$(disk_xml "$TEST_DIR/ro.img" vda "<readonly/>" raw)" >/dev/null
	done
	for round in $(seq 20); do
		for i in 1 2 3 4; do vm-start "$TEST_DIR/c$i.xml" & done
		wait
		for i in 1 2 3 4; do vm-stop --force "c$i" & done
		wait
	done
	run -0 vm-status
	assert_output ""
	[ "$(stat -c %u:%g:%a "$TEST_DIR/ro.img")" = "4242:4242:600" ]
	[ -z "$(xattrs_left "$TEST_DIR/ro.img")" ]
}

@test "dynamic_ownership = 0 leaves owners alone" {
	echo 'dynamic_ownership = 0' >> "$VMKIT_CONF"
	own_disk "$TEST_DIR/a.qcow2" 4242:4242 666
	run -0 vm-start "$(make_domain d "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	[ "$(stat -c %u:%g "$TEST_DIR/a.qcow2")" = "4242:4242" ]
	[ -z "$(xattrs_left "$TEST_DIR/a.qcow2")" ]
	run -0 vm-stop --force d
	[ "$(stat -c %u:%g "$TEST_DIR/a.qcow2")" = "4242:4242" ]
}

@test "<seclabel type='none'/> on the domain leaves owners alone" {
	own_disk "$TEST_DIR/a.qcow2" 4242:4242 666
	xml=$(make_domain n "$(disk_xml "$TEST_DIR/a.qcow2" vda)")
	sed -i "s|</devices>|</devices><seclabel type='none'/>|" "$xml"
	run -0 vm-start "$xml"
	[ "$(stat -c %u:%g "$TEST_DIR/a.qcow2")" = "4242:4242" ]
	run -0 vm-stop --force n
	[ "$(stat -c %u:%g "$TEST_DIR/a.qcow2")" = "4242:4242" ]
}

@test "<seclabel relabel='no'/> in a disk leaves that disk alone" {
	own_disk "$TEST_DIR/a.qcow2" 4242:4242 666
	own_disk "$TEST_DIR/b.qcow2" 4242:4242 600
	xml=$(make_domain p "$(disk_xml "$TEST_DIR/a.qcow2" vda "<seclabel relabel='no'/>")" "$(disk_xml "$TEST_DIR/b.qcow2" vdb)")
	run -0 vm-start "$xml"
	[ "$(stat -c %u:%g "$TEST_DIR/a.qcow2")" = "4242:4242" ]
	[ "$(stat -c %U "$TEST_DIR/b.qcow2")" = "$QEMU_USER" ]
	run -0 vm-stop --force p
	[ "$(stat -c %u:%g "$TEST_DIR/b.qcow2")" = "4242:4242" ]
	[ -z "$(xattrs_left "$TEST_DIR/a.qcow2")" ]
}

@test "a static <seclabel> with uid 0 or gid 0 is refused with its file, line and element" {
	make_disk "$TEST_DIR/a.qcow2"
	for label in +4242:+0 +0:+4343; do
		xml=$(make_domain s0 "$(disk_xml "$TEST_DIR/a.qcow2" vda)")
		sed -i "s|</devices>|</devices>\n<seclabel type='static' model='dac' relabel='yes'><label>$label</label></seclabel>|" "$xml"
		run -3 vm-start "$xml"
		assert_output "vm-start: $xml:9: <label>: label '$label': QEMU never runs as uid 0 or gid 0"
		[ ! -e "$VMKIT_RUNDIR" ]
		[ "$(stat -c %U:%a "$TEST_DIR/a.qcow2")" = "$QEMU_USER:644" ]
	done
}

@test "a group 0 in vmkit.conf is refused with exit 3 before anything is touched" {
	printf 'user = "%s"\ngroup = "root"\n' "$QEMU_USER" > "$VMKIT_CONF"
	run -3 vm-start "$(make_domain g0)"
	assert_output "vm-start: refusing to run qemu with group 0 (user '$QEMU_USER', group 'root')"
	[ ! -e "$VMKIT_RUNDIR/domains/g0/status.json" ]
}

@test "a static <seclabel> runs QEMU as its uid:gid" {
	xml=$(static_label_domain s)
	run -0 vm-start "$xml"
	[ "$(stat -c %u:%g /proc/$(qemu_pid s))" = "4242:4343" ]
}
