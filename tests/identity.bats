#!/usr/bin/env bats
# One file, one disk: a lease is named by what the file is, not only by
# the name it was given. Hard links, loop devices and /proc/self/fd paths
# meet the lease of the file they name.

load helpers
load lock_helpers

setup() { common_setup; }

# Loop devices outlive the test unless detached: every one over a file of
# TEST_DIR goes (at once, or when its last user closes it).
teardown() {
	local f
	release_all
	for f in "$TEST_DIR"/*.img; do
		losetup -j "$f" -n -O NAME | xargs -r -n1 losetup -d
	done
	common_teardown
}

# loop FILE: a new loop device over FILE.
loop() {
	losetup -f --show "$1"
}

# disk NAME MODE SOURCE: starts domain NAME on SOURCE (a file, or a block
# device), MODE rw or ro.
disk() {
	local extra= xml
	[ "$2" = ro ] && extra="<readonly/>"
	if [ -b "$3" ]; then
		xml="<disk type='block' device='disk'><driver name='qemu' type='raw'/><source dev='$3'/><target dev='vda' bus='virtio'/>$extra</disk>"
	else
		xml=$(disk_xml "$3" vda "$extra" raw)
	fi
	run vm-start "$(make_domain "$1" "$xml")"
}

# refused NAME MODE SOURCE HOLDER: starting NAME on SOURCE exits 1 on
# the identity lease of a.img that domain HOLDER holds, leaving no state.
refused() {
	disk "$1" "$2" "$3"
	assert_failure 1
	assert_output --partial "disk '$3' ($(inode "$TEST_DIR/a.img")) is in use by domain '$4'"
	[ ! -e "$VMKIT_RUNDIR/domains/$1/status.json" ]
}

@test "a hard link to a disk that a domain writes cannot be started read-write by another" {
	make_disk "$TEST_DIR/a.img" raw
	ln "$TEST_DIR/a.img" "$TEST_DIR/b.img"
	disk one rw "$TEST_DIR/a.img"
	assert_success
	refused two rw "$TEST_DIR/b.img" one
	assert_output "vm-start: disk '$TEST_DIR/b.img' ($(inode "$TEST_DIR/a.img")) is in use by domain 'one'"
	run -0 vm-status one
	assert_output --regexp "^one +running "
}

@test "a hard link to a disk that a domain writes cannot be started read-only, nor the reverse" {
	make_disk "$TEST_DIR/a.img" raw
	ln "$TEST_DIR/a.img" "$TEST_DIR/b.img"
	disk one rw "$TEST_DIR/a.img"
	assert_success
	refused two ro "$TEST_DIR/b.img" one
	run -0 vm-stop --force one
	disk three ro "$TEST_DIR/a.img"
	assert_success
	refused four rw "$TEST_DIR/b.img" three
	# readers through two names share it
	disk five ro "$TEST_DIR/b.img"
	assert_success
}

@test "two loop devices over one image file are one disk" {
	make_disk "$TEST_DIR/a.img" raw
	l1=$(loop "$TEST_DIR/a.img")
	l2=$(loop "$TEST_DIR/a.img")
	disk one rw "$l1"
	assert_success
	refused two rw "$l2" one
}

@test "a loop device and the file behind it are one disk, either way round" {
	make_disk "$TEST_DIR/a.img" raw
	l1=$(loop "$TEST_DIR/a.img")
	disk one rw "$TEST_DIR/a.img"
	assert_success
	refused two rw "$l1" one
	run -0 vm-stop --force one
	disk three ro "$l1"
	assert_success
	run -1 vm-lock run "$TEST_DIR/a.img" -- echo must not run
	assert_output "vm-lock: disk '$TEST_DIR/a.img' ($(inode "$TEST_DIR/a.img")) is in use by domain 'three'"
	run -1 vm-lock status "$TEST_DIR/a.img"
	assert_line --index 0 "free      -               $TEST_DIR/a.img"
	assert_line --index 1 "shared    three           $(inode "$TEST_DIR/a.img")"
}

@test "a /proc/self/fd name of a renamed disk meets the lease of the running domain" {
	make_disk "$TEST_DIR/a.img" raw
	disk one rw "$TEST_DIR/a.img"
	assert_success
	mv "$TEST_DIR/a.img" "$TEST_DIR/c.img"
	run -1 vm-lock run /proc/self/fd/5 -- echo must not run 5<"$TEST_DIR/c.img"
	assert_output "vm-lock: disk '$TEST_DIR/c.img' ($(inode "$TEST_DIR/c.img")) is in use by domain 'one'"
	run -1 vm-lock status /proc/self/fd/5 5<"$TEST_DIR/c.img"
	assert_line --index 1 "exclusive one             $(inode "$TEST_DIR/c.img")"
}

@test "remember_owner = 0: a second domain on one file through a hard link is refused, so no stop gives it back under the first" {
	echo 'remember_owner = 0' >> "$VMKIT_CONF"
	own_disk "$TEST_DIR/a.img" 4242:4242 600 raw
	ln "$TEST_DIR/a.img" "$TEST_DIR/b.img"
	disk one rw "$TEST_DIR/a.img"
	assert_success
	disk two rw "$TEST_DIR/b.img"
	# first what matters: the file is still the running domain's
	[ "$(stat -c %U:%a "$TEST_DIR/a.img")" = "$QEMU_USER:600" ]
	assert_failure 1
	assert_output --partial "disk '$TEST_DIR/b.img' ($(inode "$TEST_DIR/a.img")) is in use by domain 'one'"
	run -0 vm-status one
	assert_output --regexp "^one +running "
	run -0 vm-stop --force one
	[ "$(stat -c %u:%g:%a "$TEST_DIR/a.img")" = "0:0:600" ]
}

@test "remember_owner = 0: stopping one of two readers of one file through two names leaves it labelled" {
	echo 'remember_owner = 0' >> "$VMKIT_CONF"
	own_disk "$TEST_DIR/a.img" 4242:4242 600 raw
	ln "$TEST_DIR/a.img" "$TEST_DIR/b.img"
	disk one ro "$TEST_DIR/a.img"
	assert_success
	disk two ro "$TEST_DIR/b.img"
	assert_success
	run -0 vm-stop --force one
	assert_output "vm-stop: warning: disk '$TEST_DIR/a.img' ($(inode "$TEST_DIR/a.img")) is in use by domain 'two'; leaving its owner as it is"
	[ "$(stat -c %U:%a "$TEST_DIR/a.img")" = "$QEMU_USER:600" ]
	run -0 vm-stop --force two
	refute_output --partial warning
	[ "$(stat -c %u:%g:%a "$TEST_DIR/a.img")" = "0:0:600" ]
}

@test "vm-lock list shows the identity lease with its holder, and status.json records it" {
	make_disk "$TEST_DIR/a.img" raw
	disk one rw "$TEST_DIR/a.img"
	assert_success
	run -0 vm-lock list
	assert_line "exclusive one             $TEST_DIR/a.img"
	assert_line "exclusive one             $(inode "$TEST_DIR/a.img")"
	run -1 vm-lock status --domain one
	assert_line --index 0 "exclusive one             $TEST_DIR/a.img"
	assert_line --index 1 "exclusive one             $(inode "$TEST_DIR/a.img")"
	grep -q "\"identity\":\"$(inode "$TEST_DIR/a.img")\"" "$VMKIT_RUNDIR/domains/one/status.json"
}

@test "the identity lease is freed when QEMU is SIGKILLed" {
	make_disk "$TEST_DIR/a.img" raw
	ln "$TEST_DIR/a.img" "$TEST_DIR/b.img"
	disk one rw "$TEST_DIR/a.img"
	assert_success
	run -1 vm-lock status "$TEST_DIR/b.img"
	assert_line --index 1 "exclusive one             $(inode "$TEST_DIR/a.img")"
	kill_qemu one
	run -0 vm-lock status "$TEST_DIR/b.img"
	assert_line --index 1 "free      -               $(inode "$TEST_DIR/a.img")"
	run -0 vm-lock run "$TEST_DIR/b.img" -- true
}

@test "vm-stop takes the identity lease again before giving the owner back" {
	own_disk "$TEST_DIR/a.img" 4242:4242 600 raw
	ln "$TEST_DIR/a.img" "$TEST_DIR/b.img"
	disk one rw "$TEST_DIR/a.img"
	assert_success
	kill_qemu one
	# between QEMU's death and the stop, someone takes the file by another name
	hold "$TEST_DIR/b.img"
	run -0 vm-stop one
	assert_line --index 0 "vm-stop: warning: disk '$TEST_DIR/a.img' ($(inode "$TEST_DIR/a.img")) is in use by another host or process; leaving its owner as it is"
	# its own use of the label goes all the same, so the owner is not stranded
	assert_line --index 1 "vm-stop: warning: no domain uses the label of '$TEST_DIR/a.img' any more; its owner is recorded on it for the next stop of a domain using it"
	assert_line --index 2 "vm-stop: domain 'one' was not running (its QEMU had exited); cleaned up"
	[ "$(stat -c %U:%a "$TEST_DIR/a.img")" = "$QEMU_USER:600" ]
	[ "$(getfattr --absolute-names --only-values -n trusted.vmkit.ref_dac "$TEST_DIR/a.img")" = 0 ]
	[ ! -e "$VMKIT_RUNDIR/domains/one/status.json" ]
}

@test "vm-attach of a hard link to a disk another domain writes is refused, and a hotplugged disk's identity lease lives in QEMU" {
	make_disk "$TEST_DIR/a.img" raw
	ln "$TEST_DIR/a.img" "$TEST_DIR/b.img"
	for d in one two; do
		sed -i "s/machine='pc'/machine='q35'/" "$(make_domain $d)"
		run -0 vm-start "$TEST_DIR/$d.xml"
	done
	run -0 vm-attach one --disk "$TEST_DIR/a.img" --target vdb --format raw
	run -1 vm-attach two --disk "$TEST_DIR/b.img" --target vdb --format raw
	assert_output "vm-attach: disk '$TEST_DIR/b.img' ($(inode "$TEST_DIR/a.img")) is in use by domain 'one'"
	run -1 vm-lock status "$TEST_DIR/b.img"
	assert_line --index 1 "exclusive one             $(inode "$TEST_DIR/a.img")"
	run -0 vm-attach one --detach vdb
	run -0 vm-lock status "$TEST_DIR/b.img"
	run -0 vm-attach two --disk "$TEST_DIR/b.img" --target vdb --format raw
	kill_qemu two
	run -0 vm-lock status "$TEST_DIR/a.img"
}

@test "with lock_space elsewhere, an inode lease stays in the run directory and list shows both" {
	mkdir -m 0700 "$TEST_DIR/space"
	echo "lock_space = \"$TEST_DIR/space\"" >> "$VMKIT_CONF"
	make_disk "$TEST_DIR/a.img" raw
	disk one rw "$TEST_DIR/a.img"
	assert_success
	id=$(inode "$TEST_DIR/a.img")
	[ -e "$TEST_DIR/space/$(printf %s "$TEST_DIR/a.img" | sha256sum | cut -c1-64)" ]
	[ -e "$VMKIT_RUNDIR/leases/$(printf %s "$id" | sha256sum | cut -c1-64)" ]
	[ ! -e "$TEST_DIR/space/$(printf %s "$id" | sha256sum | cut -c1-64)" ]
	run -0 vm-lock list
	assert_line "exclusive one             $TEST_DIR/a.img"
	assert_line "exclusive one             $id"
	ln "$TEST_DIR/a.img" "$TEST_DIR/b.img"
	run -1 vm-lock run "$TEST_DIR/b.img" -- echo must not run
	assert_output "vm-lock: disk '$TEST_DIR/b.img' ($id) is in use by domain 'one'"
}

@test "a status record without an identity is still read, and vm-stop gives the disk back" {
	own_disk "$TEST_DIR/a.img" 4242:4242 600 raw
	disk one rw "$TEST_DIR/a.img"
	assert_success
	sfile="$VMKIT_RUNDIR/domains/one/status.json"
	python3 - "$sfile" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
for d in o["disks"]:
    assert d.pop("identity").startswith("inode:"), d
json.dump(o, open(sys.argv[1], "w"))
PY
	run -0 vm-status one
	run -0 vm-stop --force one
	refute_output --partial warning
	[ "$(stat -c %u:%g:%a "$TEST_DIR/a.img")" = "4242:4242:600" ]
	run -0 vm-lock status "$TEST_DIR/a.img"
}
