#!/usr/bin/env bats
# Lock leases wired into vm-start and vm-stop: a disk one VM writes is
# never opened by a second, and no lease outlives its QEMU.

load helpers

setup() { common_setup; }
teardown() { common_teardown; }

# start_with NAME MODE DISK: MODE is rw, ro or share.
start_with() {
	local extra=""
	case $2 in
	ro) extra="<readonly/>" ;;
	share) extra="<shareable/>" ;;
	esac
	run vm-start "$(make_domain "$1" "$(disk_xml "$3" vda "$extra" raw)")"
}

# pair FIRST SECOND EXPECTED_RC_OF_SECOND
pair() {
	make_disk "$TEST_DIR/d.img" raw
	start_with one "$1" "$TEST_DIR/d.img"
	assert_success
	pid=$(qemu_pid one)
	start_with two "$2" "$TEST_DIR/d.img"
	[ "$status" -eq "$3" ] || fail "second start ($2 after $1) exited $status: $output"
	if [ "$3" -eq 1 ]; then
		assert_output --partial "disk '$TEST_DIR/d.img' is in use by domain 'one'"
		[ ! -e "$VMKIT_RUNDIR/domains/two/status.json" ]
	fi
	# the first VM runs on, untouched
	[ "$(qemu_pid one)" = "$pid" ]
	run -0 vm-status one
	assert_output --regexp "^one +running "
}

@test "a read-write disk in use by a running VM cannot be started read-write again" {
	pair rw rw 1
}

@test "a read-write disk in use cannot be started read-only" {
	pair rw ro 1
}

@test "two VMs may share a read-only disk" {
	pair ro ro 0
	run -1 vm-lock status "$TEST_DIR/d.img"
	assert_output --partial "shared"
}

@test "two VMs may share a shareable disk" {
	pair share share 0
}

@test "a shareable disk in use cannot be started read-write" {
	pair share rw 1
}

@test "a read-only disk and a shareable disk coexist" {
	pair ro share 0
}

@test "SIGKILL of QEMU frees its leases without vm-stop" {
	make_disk "$TEST_DIR/a.qcow2"
	run -0 vm-start "$(make_domain k "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	run -1 vm-lock status "$TEST_DIR/a.qcow2"
	kill_qemu k
	run -0 vm-lock status "$TEST_DIR/a.qcow2"
	run -0 vm-lock status --domain k
}

@test "a symlink and a relative path to a running VM's disk both conflict" {
	make_disk "$TEST_DIR/a.qcow2"
	run -0 vm-start "$(make_domain one "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	ln -s "$TEST_DIR/a.qcow2" "$TEST_DIR/link.qcow2"
	run -1 vm-start "$(make_domain two "$(disk_xml "$TEST_DIR/link.qcow2" vda)")"
	assert_output --partial "is in use by domain 'one'"
	mkdir "$TEST_DIR/sub"
	cd "$TEST_DIR/sub"
	run -1 vm-start "$(make_domain three "$(disk_xml "../sub/../a.qcow2" vda)")"
	assert_output --partial "disk '$TEST_DIR/a.qcow2' is in use by domain 'one'"
}

@test "vm-start refuses a disk that vm-lock run holds, and changes nothing on it" {
	own_disk "$TEST_DIR/a.qcow2" root:root 600
	before="$(stat -c %u:%g:%a "$TEST_DIR/a.qcow2") $(xattrs_left "$TEST_DIR/a.qcow2")"
	vm-lock run "$TEST_DIR/a.qcow2" -- sleep 30 3>&- &
	holder=$!
	for i in $(seq 50); do vm-lock status "$TEST_DIR/a.qcow2" >/dev/null || break; sleep 0.1; done
	run -1 vm-start "$(make_domain one "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	assert_output --partial "disk '$TEST_DIR/a.qcow2' is in use by another host or process"
	[ "$(stat -c %u:%g:%a "$TEST_DIR/a.qcow2") $(xattrs_left "$TEST_DIR/a.qcow2")" = "$before" ]
	[ ! -e "$VMKIT_RUNDIR/domains/one/status.json" ]
	kill "$holder"
}

@test "vm-lock run refuses a disk that a running VM holds" {
	make_disk "$TEST_DIR/a.qcow2"
	run -0 vm-start "$(make_domain one "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	run -1 vm-lock run "$TEST_DIR/a.qcow2" -- true
	assert_output --partial "in use by domain 'one'"
}

@test "vm-lock run --wait gets the lease once the VM stops" {
	make_disk "$TEST_DIR/a.qcow2"
	run -0 vm-start "$(make_domain one "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	(sleep 1; vm-stop --force one) 3>&- &
	run -0 vm-lock run --wait 30 "$TEST_DIR/a.qcow2" -- sh -c 'echo got it'
	assert_output "got it"
}

@test "30 domains sharing one read-write disk started at once: exactly one runs" {
	make_disk "$TEST_DIR/a.qcow2"
	for i in $(seq 30); do
		make_domain "r$i" "$(disk_xml "$TEST_DIR/a.qcow2" vda)" >/dev/null
	done
	for i in $(seq 30); do
		(rc=0; vm-start "$TEST_DIR/r$i.xml" >"$TEST_DIR/out.$i" 2>&1 || rc=$?; echo $rc >"$TEST_DIR/rc.$i") &
	done
	wait
	[ "$(cat "$TEST_DIR"/rc.* | grep -c '^0$')" = 1 ]
	[ "$(cat "$TEST_DIR"/rc.* | grep -c '^1$')" = 29 ]
	[ "$(grep -l "is in use by" "$TEST_DIR"/out.* | wc -l)" = 29 ]
	[ "$(ls "$VMKIT_RUNDIR"/domains/*/status.json | wc -l)" = 1 ]
	for i in $(seq 30); do vm-stop --force "r$i" >/dev/null 2>&1 || true; done
	run -0 vm-lock list --json
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert all(l["state"]=="free" for l in d["leases"]), d' "$output"
}

@test "the same UUID under two names cannot run twice" {
	uuid=5c4f7c3e-1d2b-4a6e-9f00-2b1d8a7e6c55
	a=$(make_domain alpha)
	b=$(make_domain beta)
	sed -i "s|</name>|</name><uuid>$uuid</uuid>|" "$a" "$b"
	run -0 vm-start "$a"
	run -1 vm-start "$b"
	assert_output --partial "domain uuid '$uuid' is in use by domain 'alpha'"
	[ ! -e "$VMKIT_RUNDIR/domains/beta/status.json" ]
}

@test "lock_manager nop takes no leases" {
	echo 'lock_manager = "nop"' >> "$VMKIT_CONF"
	make_disk "$TEST_DIR/a.img" raw
	run -0 vm-start "$(make_domain one "$(disk_xml "$TEST_DIR/a.img" vda "<shareable/>" raw)")"
	run -0 vm-lock status "$TEST_DIR/a.img"
}

@test "auto_disk_leases = 0 with require_lease_for_disks refuses disks without a <lease>" {
	printf 'auto_disk_leases = 0\n' >> "$VMKIT_CONF"
	make_disk "$TEST_DIR/a.qcow2"
	xml=$(make_domain nl "$(disk_xml "$TEST_DIR/a.qcow2" vda)")
	run -3 vm-start "$xml"
	assert_output --partial "domain 'nl' has disks but no <lease>"
	[ ! -e "$VMKIT_RUNDIR/domains/nl/status.json" ]
	printf 'require_lease_for_disks = 0\n' >> "$VMKIT_CONF"
	run -0 vm-start "$xml"
	run -0 vm-lock status "$TEST_DIR/a.qcow2"
}

@test "an explicit <lease> locks its byte of the target file while QEMU runs" {
	touch "$TEST_DIR/lockspace"
	xml=$(make_domain el "<lease><lockspace>ls</lockspace><key>k</key><target path='$TEST_DIR/lockspace' offset='4'/></lease>")
	run -0 vm-start "$xml"
	run -1 vm-start "$(make_domain el2 "<lease><lockspace>ls</lockspace><key>k</key><target path='$TEST_DIR/lockspace' offset='4'/></lease>")"
	assert_output --partial "$TEST_DIR/lockspace"
	run -0 vm-stop --force el
	run -0 vm-start "$TEST_DIR/el2.xml"
}

@test "a <lease> target that is not a regular file is refused with exit 3 and never opened for writing" {
	mkfifo "$TEST_DIR/fifo"
	touch "$TEST_DIR/real"
	ln -s real "$TEST_DIR/link"
	for target in "$TEST_DIR/fifo" "$TEST_DIR/link" /dev/null "$TEST_DIR"; do
		xml=$(make_domain nr "<lease><lockspace>ls</lockspace><key>k</key><target path='$target' offset='0'/></lease>")
		run -3 timeout 20 vm-start "$xml"
		assert_output --partial "vm-start: refusing lease '$target': "
		run -1 vm-status nr
	done
}
