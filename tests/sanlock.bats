#!/usr/bin/env bats
# lock_manager = "sanlock" against two real sanlock daemons, two
# simulated hosts that share the lease directory (sanlock_helpers.bash):
# the leases of leases.bats held across hosts, tied to QEMU's pid.

load helpers
load lock_helpers
load sanlock_helpers

setup_file() { sanlock_setup_file; }
teardown_file() { sanlock_teardown_file; }
setup() { sanlock_setup; }
teardown() { sanlock_teardown; }

# start_on HOST NAME MODE DISK: MODE is rw, ro or share.
start_on() {
	local extra=""
	case $3 in
	ro) extra="<readonly/>" ;;
	share) extra="<shareable/>" ;;
	esac
	run host "$1" vm-start "$(make_domain "$2" "$(disk_xml "$4" vda "$extra" raw)")"
}

# pair HOST1 MODE1 HOST2 MODE2 RC: domain one on HOST1, then two on
# HOST2 on the same disk; the second start exits RC.
pair() {
	local pid
	make_disk "$TEST_DIR/d.img" raw
	start_on "$1" one "$2" "$TEST_DIR/d.img"
	assert_success
	pid=$(cat "$TEST_DIR/run$1/domains/one/pid")
	start_on "$3" two "$4" "$TEST_DIR/d.img"
	[ "$status" -eq "$5" ] || fail "second start ($4 on host $3 after $2 on host $1) exited $status: $output"
	if [ "$5" -eq 1 ] && [ "$1" = "$3" ]; then
		assert_output --partial "disk '$TEST_DIR/d.img' is in use by domain 'one'"
	elif [ "$5" -eq 1 ]; then
		assert_output --partial "disk '$TEST_DIR/d.img' is in use by host $(hostname) (id $1)"
	fi
	[ "$5" -eq 0 ] || [ ! -e "$TEST_DIR/run$3/domains/two/status.json" ]
	# the first VM runs on, untouched
	[ "$(cat "$TEST_DIR/run$1/domains/one/pid")" = "$pid" ]
	run -0 host "$1" vm-status one
	assert_output --regexp "^one +running "
}

@test "both hosts have joined the lockspace, and vm-lock list says so" {
	run -0 host 1 vm-lock list
	assert_line --index 0 "sanlock lockspace '__VMKIT__', host id 1: joined"
	run -0 host 2 vm-lock list --json
	assert_output --partial '"joined":true'
}

@test "vm-start on a host that has not joined exits 4, says to run vm-lock join and starts nothing" {
	host_conf 1 'sanlock_lockspace = "ELSEWHERE"'
	run -4 host 1 vm-start "$(make_domain one)"
	assert_output "vm-start: this host (id 1) has not joined sanlock lockspace 'ELSEWHERE': run 'vm-lock join' first"
	[ ! -e "$TEST_DIR/run1/domains/one/status.json" ]
	run -0 host 1 vm-lock status --domain one
	assert_line --index 0 "sanlock lockspace 'ELSEWHERE', host id 1: not joined (run 'vm-lock join')"
}

@test "vm-lock join joins a lockspace, writing it when missing, and vm-lock leave leaves it" {
	mkdir -m 0700 "$TEST_DIR/other"
	# a lease directory holds the leases of one lockspace
	LEASE_DIR=$TEST_DIR/other host_conf 2 'sanlock_lockspace = "JOIN_TEST"'
	run -0 host 2 vm-lock list --json
	assert_output --partial '"joined":false'
	start=$(now_ms)
	run -0 host 2 vm-lock join --verbose
	assert_output --regexp "^joined sanlock lockspace 'JOIN_TEST' as host id 2 in [0-9]+ ms$"
	echo "# join: $(($(now_ms) - start)) ms" >&3
	run -0 host 2 vm-lock list --json
	assert_output --partial '"joined":true'
	# sanlock itself sees host 2 in it
	SANLOCK_RUN_DIR=$(sanlock_dir)/run2 run -0 sanlock client status
	assert_output --partial "s JOIN_TEST:2:"
	run -0 host 2 vm-lock join
	run -0 host 2 vm-lock leave
	run -0 host 2 vm-lock list --json
	assert_output --partial '"joined":false'
}

@test "vm-lock join with the file driver is refused with exit 3" {
	run -3 vm-lock join
	assert_output --partial "has no lockspace to join"
}

@test "across hosts: a read-write disk in use cannot be started read-write again" {
	pair 1 rw 2 rw 1
}

@test "across hosts: a read-write disk in use cannot be started read-only" {
	pair 1 rw 2 ro 1
}

@test "across hosts: two VMs may share a read-only disk" {
	pair 1 ro 2 ro 0
	run -1 host 2 vm-lock status "$TEST_DIR/d.img"
	assert_output --partial "shared"
}

@test "across hosts: two VMs may share a shareable disk, which cannot then be started read-write" {
	pair 1 share 2 share 0
	start_on 2 three rw "$TEST_DIR/d.img"
	assert_failure 1
	assert_output --partial "disk '$TEST_DIR/d.img' is in use by"
}

@test "across hosts: a read-only disk and a shareable disk coexist" {
	pair 1 ro 2 share 0
}

@test "on one host: a read-write disk in use cannot be started again, read-only or read-write" {
	pair 1 rw 1 rw 1
	start_on 1 three ro "$TEST_DIR/d.img"
	assert_failure 1
	assert_output --partial "disk '$TEST_DIR/d.img' is in use by domain 'one'"
}

@test "on one host: read-only and shareable disks are shared" {
	pair 1 ro 1 ro 0
	start_on 1 three ro "$TEST_DIR/d.img"
	assert_success
}

@test "the same UUID cannot run on both hosts" {
	uuid=5c4f7c3e-1d2b-4a6e-9f00-2b1d8a7e6c55
	a=$(make_domain alpha)
	b=$(make_domain beta)
	sed -i "s|</name>|</name><uuid>$uuid</uuid>|" "$a" "$b"
	run -0 host 1 vm-start "$a"
	run -1 host 2 vm-start "$b"
	assert_output --partial "domain uuid '$uuid' is in use by host $(hostname) (id 1)"
	[ ! -e "$TEST_DIR/run2/domains/beta/status.json" ]
}

@test "QEMU holds its leases itself, more than the 8 one sanlock connection may hold" {
	for t in a b c d; do make_disk "$TEST_DIR/$t.img" raw; done
	run -0 host 1 vm-start "$(make_domain one "$(for t in a b c d; do
		disk_xml "$TEST_DIR/$t.img" "vd$t" "" raw
	done)")"
	pid=$(cat "$TEST_DIR/run1/domains/one/pid")
	SANLOCK_RUN_DIR=$(sanlock_dir)/run1 run -0 sanlock client status
	# the UUID, and each disk's path and identity, all on QEMU's pid
	[ "$(grep -c "^r __VMKIT__:.* p $pid\$" <<<"$output")" = 9 ] || fail "$output"
	[ "$(grep -c "^r __VMKIT__:" <<<"$output")" = 9 ] || fail "vm-start kept a lease: $output"
	run -1 host 2 vm-lock status "$TEST_DIR/d.img"
	assert_line --index 1 --regexp "^exclusive +- +$TEST_DIR/d.img$"
}

@test "kill -9 of QEMU on host 1 frees its leases for host 2 at once" {
	make_disk "$TEST_DIR/a.img" raw
	run -0 host 1 vm-start "$(make_domain one "$(disk_xml "$TEST_DIR/a.img" vda "" raw)")"
	run -1 host 2 vm-start "$(make_domain two "$(disk_xml "$TEST_DIR/a.img" vda "" raw)")"
	pid=$(cat "$TEST_DIR/run1/domains/one/pid")
	kill -9 "$pid"
	wait_gone "$pid"
	# from QEMU's end, not the kill: on a loaded host QEMU takes a while to die
	start=$(now_ms)
	until host 2 vm-lock status "$TEST_DIR/a.img" >/dev/null; do
		[ $(($(now_ms) - start)) -lt 1000 ] || fail "the lease is still held 1 s after QEMU died"
		sleep 0.01
	done
	echo "# lease seen free on host 2 $(($(now_ms) - start)) ms after QEMU died" >&3
	run -0 host 2 vm-start "$TEST_DIR/two.xml"
	run -0 host 2 vm-status two
	assert_output --regexp "^two +running "
}

@test "a start refused by a lease on the other host changes no owner, and stop gives the owner back" {
	own_disk "$TEST_DIR/a.qcow2" root:root 600
	before="$(stat -c %u:%g:%a "$TEST_DIR/a.qcow2") $(xattrs_left "$TEST_DIR/a.qcow2")"
	run -0 host 1 vm-start "$(make_domain one "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	[ "$(stat -c %U "$TEST_DIR/a.qcow2")" = "$QEMU_USER" ]
	during="$(stat -c %u:%g:%a "$TEST_DIR/a.qcow2") $(xattrs_left "$TEST_DIR/a.qcow2")"
	run -1 host 2 vm-start "$(make_domain two "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	assert_output --partial "is in use by host"
	[ "$(stat -c %u:%g:%a "$TEST_DIR/a.qcow2") $(xattrs_left "$TEST_DIR/a.qcow2")" = "$during" ]
	run -0 host 1 vm-stop --force one
	[ "$(stat -c %u:%g:%a "$TEST_DIR/a.qcow2") $(xattrs_left "$TEST_DIR/a.qcow2")" = "$before" ]
	run -0 host 2 vm-lock status "$TEST_DIR/a.qcow2"
}

@test "vm-lock run on host 2 is refused a disk that a domain on host 1 holds, and gets it once it stops" {
	make_disk "$TEST_DIR/a.img" raw
	run -0 host 1 vm-start "$(make_domain one "$(disk_xml "$TEST_DIR/a.img" vda "" raw)")"
	run -1 host 2 vm-lock run "$TEST_DIR/a.img" -- true
	assert_output --partial "disk '$TEST_DIR/a.img' is in use by host $(hostname) (id 1)"
	(sleep 1; host 1 vm-stop --force one) 3>&- &
	run -0 host 2 vm-lock run --wait 30 "$TEST_DIR/a.img" -- sh -c 'echo got it'
	assert_output "got it"
}

@test "vm-attach takes a hotplugged disk's leases for QEMU's pid, and detach gives the disk back" {
	own_disk "$TEST_DIR/h.qcow2" root:root 600
	xml=$(make_domain one)
	sed -i "s/machine='pc'/machine='q35'/" "$xml"
	run -0 host 1 vm-start "$xml"
	pid=$(cat "$TEST_DIR/run1/domains/one/pid")
	run -0 host 1 vm-attach one --disk "$TEST_DIR/h.qcow2" --target vdb --format qcow2
	# the UUID's, and the disk's path and identity, all on QEMU's pid
	SANLOCK_RUN_DIR=$(sanlock_dir)/run1 run -0 sanlock client status
	[ "$(grep -c "^r __VMKIT__:.* p $pid\$" <<<"$output")" = 3 ] || fail "$output"
	[ "$(stat -c %U "$TEST_DIR/h.qcow2")" = "$QEMU_USER" ]
	run -1 host 2 vm-lock run "$TEST_DIR/h.qcow2" -- true
	assert_output --partial "disk '$TEST_DIR/h.qcow2' is in use by host $(hostname) (id 1)"
	run -0 host 1 vm-attach one --detach vdb
	SANLOCK_RUN_DIR=$(sanlock_dir)/run1 run -0 sanlock client status
	[ "$(grep -c "^r __VMKIT__:" <<<"$output")" = 1 ] || fail "$output"
	run -0 host 2 vm-lock status "$TEST_DIR/h.qcow2"
	[ "$(stat -c %u:%g:%a "$TEST_DIR/h.qcow2") $(xattrs_left "$TEST_DIR/h.qcow2")" = "0:0:600 " ]
}

@test "a hotplug QEMU refuses after the hand-over takes the leases back from QEMU's pid and gives the disk back" {
	own_disk "$TEST_DIR/h.qcow2" root:root 600
	unknown_feature "$TEST_DIR/h.qcow2"
	xml=$(make_domain one)
	sed -i "s/machine='pc'/machine='q35'/" "$xml"
	run -0 host 1 vm-start "$xml"
	pid=$(cat "$TEST_DIR/run1/domains/one/pid")
	# QEMU refuses the format node, once it holds the leases
	run -4 host 1 vm-attach one --disk "$TEST_DIR/h.qcow2" --target vdb --format qcow2
	assert_output --partial "vm-attach: cannot attach 'vdb' to domain 'one': 'blockdev-add' failed: qemu: "
	refute_output --partial "stays recorded"
	# QEMU is left its UUID's lease alone; the disk is free and root's again
	SANLOCK_RUN_DIR=$(sanlock_dir)/run1 run -0 sanlock client status
	[ "$(grep -c "^r __VMKIT__:.* p $pid\$" <<<"$output")" = 1 ] || fail "$output"
	[ "$(grep -c "^r __VMKIT__:" <<<"$output")" = 1 ] || fail "a lease was left: $output"
	run -0 host 2 vm-lock status "$TEST_DIR/h.qcow2"
	[ "$(stat -c %u:%g:%a "$TEST_DIR/h.qcow2") $(xattrs_left "$TEST_DIR/h.qcow2")" = "0:0:600 " ]
	run -0 host 1 vm-status --json one
	refute_output --partial "h.qcow2"
}

@test "vm-attach of a disk that the other host holds is refused and changes nothing" {
	own_disk "$TEST_DIR/h.qcow2" root:root 600
	run -0 host 2 vm-start "$(make_domain two "$(disk_xml "$TEST_DIR/h.qcow2" vda)")"
	during="$(stat -c %u:%g:%a "$TEST_DIR/h.qcow2")"
	xml=$(make_domain one)
	sed -i "s/machine='pc'/machine='q35'/" "$xml"
	run -0 host 1 vm-start "$xml"
	run -1 host 1 vm-attach one --disk "$TEST_DIR/h.qcow2" --target vdb --format qcow2
	assert_output --partial "disk '$TEST_DIR/h.qcow2' is in use by host $(hostname) (id 2)"
	[ "$(stat -c %u:%g:%a "$TEST_DIR/h.qcow2")" = "$during" ]
	SANLOCK_RUN_DIR=$(sanlock_dir)/run1 run -0 sanlock client status
	[ "$(grep -c "^r __VMKIT__:" <<<"$output")" = 1 ] || fail "a lease was left: $output"
}

# Last: host 1 leaves the lockspace and joins it again.
@test "a host that loses the lockspace has its QEMU ended, which frees the leases for the other host" {
	make_disk "$TEST_DIR/a.img" raw
	run -0 host 1 vm-start "$(make_domain one "$(disk_xml "$TEST_DIR/a.img" vda "" raw)")"
	pid=$(cat "$TEST_DIR/run1/domains/one/pid")
	run -1 host 1 vm-lock leave
	assert_output "vm-lock: cannot leave sanlock lockspace '__VMKIT__': leases are held on this host (stop its domains first)"
	kill -0 "$pid"
	# as when the storage goes: the daemon ends the lease holders
	SANLOCK_RUN_DIR=$(sanlock_dir)/run1 run -0 sanlock client rem_lockspace \
		-s "__VMKIT__:1:$(sanlock_dir)/leases/lockspace:0"
	wait_gone "$pid"
	run -0 host 2 vm-start "$(make_domain two "$(disk_xml "$TEST_DIR/a.img" vda "" raw)")"
	run -4 host 1 vm-start "$(make_domain three)"
	assert_output --partial "has not joined sanlock lockspace '__VMKIT__': run 'vm-lock join' first"
	run -0 host 1 vm-lock join
	run -0 host 1 vm-lock list
	assert_line --index 0 "sanlock lockspace '__VMKIT__', host id 1: joined"
}

@test "vm-lock status --domain and list name the lease files that hold a running domain's disks, identities included" {
	own_disk "$TEST_DIR/a.qcow2" root:root 600
	run -0 host 1 vm-start "$(make_domain one "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	run -1 host 1 vm-lock status --json --domain one
	# each lease's id is its file in the lease directory, and each is held
	printf '%s' "$output" | /usr/bin/python3 -c '
import json, os, sys
leases = json.load(sys.stdin)["leases"]
kinds = sorted(l["resource"].split(":")[0] if ":" in l["resource"] else "path" for l in leases)
assert kinds == ["inode", "path", "uuid"], leases
for l in leases:
    assert os.path.isfile(os.path.join(sys.argv[1], l["id"])), l
    assert l["state"] == "exclusive", l
' "$(sanlock_dir)/leases"
	ident=$(printf '%s' "$output" | /usr/bin/python3 -c 'import json, sys; print([l["resource"] for l in json.load(sys.stdin)["leases"] if l["resource"].startswith("inode:")][0])')
	run -0 host 1 vm-lock list
	assert_line --regexp "^exclusive +one +$ident\$"
	run -0 host 1 vm-stop --force one
	run -0 host 1 vm-lock list
	assert_line --regexp "^free +- +$ident\$"
}
