#!/usr/bin/env bats
# vm-lock: the lock manager as a tool. Every lease is held by one process
# and checked from another.

bats_require_minimum_version 1.5.0

load helpers
load lock_helpers

setup() {
	common_setup
	printf 'metadata_lock_timeout = 1\n' >> "$VMKIT_CONF"
	DISK="$TEST_DIR/disk.img"
	: > "$DISK"
}

teardown() {
	release_all
	common_teardown
}

@test "vm-lock --help prints usage on stdout and exits 0" {
	run --separate-stderr -0 vm-lock --help
	assert_line --index 0 "Usage:"
	assert_line --index 1 --partial "vm-lock list"
	[ -z "$stderr" ]
	run -0 vm-lock run --help
	assert_line --index 0 "Usage:"
}

@test "usage errors exit 2 with a hint" {
	run -2 vm-lock
	assert_line --index 0 "vm-lock: missing command"
	assert_line --index 1 "Try 'vm-lock --help' for more information."
	run -2 vm-lock frobnicate
	assert_line --index 0 "vm-lock: unknown command 'frobnicate'"
	run -2 vm-lock list --shared
	assert_line --index 0 "vm-lock: list: unrecognized option '--shared'"
	run -2 vm-lock list extra
	assert_line --index 0 "vm-lock: list: unexpected argument 'extra'"
	# another command's option is named, not the argument after it
	run -2 vm-lock list --domain web
	assert_line --index 0 "vm-lock: list: unrecognized option '--domain'"
	run -2 vm-lock status --wait 5 "$DISK"
	assert_line --index 0 "vm-lock: status: unrecognized option '--wait'"
	run -2 vm-lock status
	assert_line --index 0 "vm-lock: status needs a PATH or --domain"
	run -2 vm-lock status --domain web "$DISK"
	assert_line --index 0 "vm-lock: status takes a PATH or --domain, not both"
	run -2 vm-lock run "$DISK"
	assert_line --index 0 "vm-lock: run needs '--' and a COMMAND after the paths"
	run -2 vm-lock run -- true
	assert_line --index 0 "vm-lock: run needs a PATH"
	run -2 vm-lock run --wait soon "$DISK" -- true
	assert_line --index 0 "vm-lock: invalid --wait 'soon': expected 0..2000000"
	run -2 vm-lock run --wait
	assert_line --index 0 "vm-lock: option '--wait' requires an argument"
	run -2 vm-lock run --metadata --shared "$DISK" -- true
	assert_line --index 0 --partial "vm-lock: --metadata waits metadata_lock_timeout"
}

@test "each command's usage line and operand errors follow its entry in the command table" {
	run --separate-stderr -0 vm-lock --help
	assert_line --index 1 "  vm-lock list [--json]"
	assert_line --index 2 "  vm-lock status [--json] PATH | --domain NAME"
	assert_line --index 3 "  vm-lock run [--shared | --metadata] [--wait SECONDS] PATH... -- COMMAND [ARG...]"
	assert_line --index 4 "  vm-lock gc [--verbose]"
	run -2 vm-lock gc extra
	assert_line --index 0 "vm-lock: gc: unexpected argument 'extra'"
	run -2 vm-lock status "$DISK" "$DISK"
	assert_line --index 0 "vm-lock: status takes one PATH"
	run -2 vm-lock run "$DISK" --
	assert_line --index 0 "vm-lock: run needs '--' and a COMMAND after the paths"
	run -2 vm-lock run --metadata --wait 3 "$DISK" -- true
	assert_line --index 0 "vm-lock: --metadata waits metadata_lock_timeout, with no --shared or --wait"
	# a PATH after '--' is COMMAND's, however it looks
	run -0 vm-lock run "$DISK" -- test -e "$DISK"
}

@test "run holds an exclusive lease that another process sees" {
	run -0 vm-lock status "$DISK"
	assert_output "free      -               $DISK
free      -               $(inode "$DISK")"
	hold "$DISK"
	run -1 vm-lock status "$DISK"
	assert_output "exclusive -               $DISK
exclusive -               $(inode "$DISK")"
	release_all
	run -0 vm-lock status "$DISK"
	assert_output --partial "free"
}

@test "run execs COMMAND with its arguments and exits with its status" {
	run -7 vm-lock run "$DISK" -- sh -c 'echo "$0 $1"; exit 7' zero one
	assert_output "zero one"
}

@test "run keeps COMMAND's own options after the paths" {
	run -0 vm-lock run "$DISK" -- ls -d "$TEST_DIR"
	assert_output "$TEST_DIR"
}

@test "run of a command that is not found exits 127, of one not executable 126" {
	run -127 vm-lock run "$DISK" -- /nonexistent/cmd
	assert_output "vm-lock: cannot run '/nonexistent/cmd': No such file or directory"
	run -126 vm-lock run "$DISK" -- "$DISK"
	assert_output "vm-lock: cannot run '$DISK': Permission denied"
}

@test "a second exclusive run fails at once with exit 1 naming the disk" {
	hold "$DISK"
	start=$(now_ms)
	run -1 vm-lock run "$DISK" -- echo must not run
	assert_output "vm-lock: disk '$DISK' is in use by another host or process"
	[ $(($(now_ms) - start)) -lt 1000 ]
}

@test "shared runs coexist and conflict with an exclusive one either way" {
	hold --shared "$DISK"
	hold --shared "$DISK"
	run -0 vm-lock run --shared "$DISK" -- true
	run -1 vm-lock status "$DISK"
	assert_output "shared    -               $DISK
shared    -               $(inode "$DISK")"
	run -1 vm-lock run "$DISK" -- true
	assert_output "vm-lock: disk '$DISK' is in use by another host or process"
	release_all
	hold "$DISK"
	run -1 vm-lock run --shared "$DISK" -- true
	assert_output "vm-lock: disk '$DISK' is in use by another host or process"
}

@test "run --wait gets the lease when the holder exits" {
	vm-lock run "$DISK" -- sh -c ': > "$1"; sleep 1' sh "$TEST_DIR/ready" 3>&- &
	holder=$!
	wait_file "$TEST_DIR/ready"
	run -1 vm-lock status "$DISK"
	run -0 vm-lock run --wait 10 "$DISK" -- sh -c 'echo got it'
	assert_output "got it"
	wait "$holder"
}

@test "run --wait gives up after SECONDS with exit 1" {
	hold "$DISK"
	start=$(now_ms)
	run -1 vm-lock run --wait 1 "$DISK" -- true
	elapsed=$(($(now_ms) - start))
	assert_output "vm-lock: timed out after 1 s: disk '$DISK' is in use by another host or process"
	[ "$elapsed" -ge 900 ]
	[ "$elapsed" -lt 3000 ]
	# A second path waits for what is left, and still names the whole wait.
	: > "$TEST_DIR/a.img"
	run -1 vm-lock run --wait 1 "$TEST_DIR/a.img" "$DISK" -- true
	assert_output "vm-lock: timed out after 1 s: disk '$DISK' is in use by another host or process"
	run -0 vm-lock status "$TEST_DIR/a.img"
	assert_line --index 0 "free      -               $TEST_DIR/a.img"
}

@test "a symlink, a relative path and .. name the same lease" {
	mkdir "$TEST_DIR/sub"
	ln -s "$DISK" "$TEST_DIR/link.img"
	hold "$DISK"
	run -1 vm-lock status "$TEST_DIR/link.img"
	assert_line --index 0 "exclusive -               $DISK"
	cd "$TEST_DIR/sub"
	run -1 vm-lock status ../disk.img
	assert_line --index 0 "exclusive -               $DISK"
	run -1 vm-lock run "$TEST_DIR/sub/../link.img" -- true
	assert_output "vm-lock: disk '$DISK' is in use by another host or process"
}

@test "run takes several paths and the same file named twice once" {
	: > "$TEST_DIR/other.img"
	ln -s "$DISK" "$TEST_DIR/link.img"
	hold "$TEST_DIR/other.img" "$DISK" "$TEST_DIR/link.img"
	run -1 vm-lock status "$DISK"
	run -1 vm-lock status "$TEST_DIR/other.img"
}

@test "a path that does not exist exits 3" {
	run -3 vm-lock run "$TEST_DIR/missing.img" -- true
	assert_output "vm-lock: cannot access disk '$TEST_DIR/missing.img': No such file or directory"
	run -3 vm-lock status "$TEST_DIR/missing.img"
	assert_output --partial "vm-lock: cannot access disk"
}

@test "the lease is free as soon as its holder is killed" {
	hold "$DISK"
	kill -KILL "${HOLD_PIDS[0]}"
	wait "${HOLD_PIDS[0]}" || true
	run -0 vm-lock status "$DISK"
	run -0 vm-lock run "$DISK" -- true
}

@test "status --json reports held, and each lease's id, resource, state and holders" {
	hold --shared "$DISK"
	run --separate-stderr -1 vm-lock status --json "$DISK"
	python3 -c '
import json, sys
o = json.loads(sys.argv[1])
assert o == {"held": True, "leases": [{"id": sys.argv[2], "resource": sys.argv[3],
	"state": "shared", "holders": []}, {"id": sys.argv[4], "resource": sys.argv[5],
	"state": "shared", "holders": []}]}, o
' "$output" "$(basename "$(lease_file "$DISK")")" "$DISK" \
	"$(printf %s "$(inode "$DISK")" | sha256sum | cut -c1-64)" "$(inode "$DISK")"
	release_all
	run -0 vm-lock status -j "$DISK"
	assert_output --partial '"held":false'
}

@test "list prints state, holders and resource of every lease, sorted" {
	: > "$TEST_DIR/a.img"
	: > "$TEST_DIR/b.img"
	run -0 vm-lock list
	assert_output ""
	hold "$TEST_DIR/b.img"
	hold --shared "$TEST_DIR/a.img"
	run -0 vm-lock run "$DISK" -- true
	run -0 vm-lock list
	assert_line --index 0 "shared    -               $TEST_DIR/a.img"
	assert_line --index 1 "exclusive -               $TEST_DIR/b.img"
	assert_line --index 2 "free      -               $DISK"
	# the identities sort after the paths, by inode number here
	inodes=$(for f in "$TEST_DIR/a.img" "$TEST_DIR/b.img" "$DISK"; do inode "$f"; done | sort)
	for f in a.img:shared b.img:exclusive disk.img:free; do
		assert_line "$(printf '%-9s -               %s' "${f#*:}" "$(inode "$TEST_DIR/${f%:*}")")"
	done
	assert_equal "$(printf '%s\n' "${lines[@]:3}" | awk '{ print $3 }')" "$inodes"
	assert_equal "${#lines[@]}" 6
}

@test "list --json is an object with the lockspace and an array of leases" {
	hold "$DISK"
	run --separate-stderr -0 vm-lock list --json
	python3 -c '
import json, sys
o = json.loads(sys.argv[1])
assert sorted(o) == ["leases", "lockspace"], o
assert o["lockspace"] == sys.argv[2] + "/leases", o
assert o["leases"] == [{"id": sys.argv[3], "resource": sys.argv[4],
	"state": "exclusive", "holders": []}, {"id": sys.argv[5], "resource": sys.argv[6],
	"state": "exclusive", "holders": []}], o
' "$output" "$VMKIT_RUNDIR" "$(basename "$(lease_file "$DISK")")" "$DISK" \
	"$(printf %s "$(inode "$DISK")" | sha256sum | cut -c1-64)" "$(inode "$DISK")"
}

@test "list shows a lease file whose resource is unknown or forged as '-'" {
	run -0 vm-lock list
	printf '/etc/passwd\n' > "$VMKIT_RUNDIR/leases/$(printf '%064d' 0)"
	: > "$VMKIT_RUNDIR/leases/$(printf '%064d' 1)"
	: > "$VMKIT_RUNDIR/leases/not-a-lease"
	# entries with a lease's name that are no lease files are not listed
	mkdir "$VMKIT_RUNDIR/leases/$(printf '%064d' 2)"
	ln -s /etc/passwd "$VMKIT_RUNDIR/leases/$(printf '%064d' 3)"
	run -0 vm-lock list
	assert_line --index 0 "free      -               -"
	assert_line --index 1 "free      -               -"
	assert_equal "${#lines[@]}" 2
	run -0 vm-lock gc
	[ -d "$VMKIT_RUNDIR/leases/$(printf '%064d' 2)" ]
	[ -L "$VMKIT_RUNDIR/leases/$(printf '%064d' 3)" ]
}

@test "gc removes only the lease files that nobody holds" {
	: > "$TEST_DIR/a.img"
	: > "$TEST_DIR/b.img"
	: > "$TEST_DIR/c.img"
	run -0 vm-lock run "$DISK" -- true
	hold "$TEST_DIR/a.img"
	hold --shared "$TEST_DIR/b.img"
	run -0 vm-lock run "$TEST_DIR/c.img" -- true
	hold_byte "$(lease_file "$TEST_DIR/c.img")" 1
	: > "$VMKIT_RUNDIR/leases/keep-me"
	run -0 vm-lock gc
	assert_output ""
	[ ! -e "$(lease_file "$DISK")" ]
	[ -e "$(lease_file "$TEST_DIR/a.img")" ]
	[ -e "$(lease_file "$TEST_DIR/b.img")" ]
	[ -e "$(lease_file "$TEST_DIR/c.img")" ]
	[ -e "$VMKIT_RUNDIR/leases/keep-me" ]
	run -1 vm-lock status "$TEST_DIR/a.img"
	release_all
	run -0 vm-lock gc --verbose
	# a.img's and b.img's two each, c.img's path lease (its identity
	# lease was not metadata-locked, and went in the first gc)
	assert_output "removed 5 unused lease files"
	run -0 vm-lock list
	assert_output ""
}

@test "gc racing run never lets two holders in" {
	mkdir "$TEST_DIR/cs"
	(while [ ! -e "$TEST_DIR/done" ]; do vm-lock gc || exit 1; done) 3>&- &
	gc=$!
	for i in $(seq 2); do
		(for j in $(seq 40); do
			vm-lock run --wait 30 "$DISK" -- \
				sh -c 'mkdir "$1/in" || exit 99; sleep 0.005; rmdir "$1/in"' sh "$TEST_DIR/cs" ||
				exit 1
		done) 3>&- &
		pids+=("$!")
	done
	for p in "${pids[@]}"; do wait "$p"; done
	: > "$TEST_DIR/done"
	wait "$gc"
	[ ! -e "$TEST_DIR/cs/in" ]
}

@test "a waiter whose lease file gc unlinks and another creates again locks the file at the path, not the unlinked one" {
	run -0 vm-lock list
	lease=$(lease_file "$DISK")
	run -0 vm-lock run "$DISK" -- true
	# a stand-in for gc: holds the lease file exclusively, and on "go"
	# unlinks it and lets go, as gc does with a file nobody holds; and
	# for the next vm-lock run, a new lease file at the path
	python3 -c '
import fcntl, os, struct, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.fcntl(fd, 37, struct.pack("hhqqi4x", fcntl.F_WRLCK, 0, 0, 0, 0))  # F_OFD_SETLK, whole file
open(sys.argv[2], "w").close()
while not os.path.exists(sys.argv[3]):
    time.sleep(0.01)
os.unlink(sys.argv[1])
os.close(os.open(sys.argv[1], os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
' "$lease" "$TEST_DIR/gc-ready" "$TEST_DIR/go" 3>&- &
	HOLD_PIDS+=("$!")
	wait_file "$TEST_DIR/gc-ready"
	vm-lock run --wait 30 "$DISK" -- sh -c ': > "$1"; exec sleep 600' sh "$TEST_DIR/held" 3>&- &
	HOLD_PIDS+=("$!")
	waiter=$!
	# the waiter has opened the old file and blocks on its lock
	for i in $(seq 200); do
		ls -l "/proc/$waiter/fd" 2>/dev/null | grep -q -- "-> $lease\$" && break
		sleep 0.05
	done
	ls -l "/proc/$waiter/fd" | grep -q -- "-> $lease\$"
	: > "$TEST_DIR/go"
	wait_file "$TEST_DIR/held"
	[ -e "$lease" ]
	run -1 vm-lock status "$DISK"
	assert_output --regexp "^exclusive "
	run -1 vm-lock run "$DISK" -- echo must not run
	assert_output --partial "disk '$DISK' is in use by"
}

@test "the metadata lock times out after metadata_lock_timeout without touching the content lease" {
	run -0 vm-lock list
	hold_byte "$(lease_file "$DISK")" 1
	run -0 vm-lock run "$DISK" -- true
	start=$(now_ms)
	run -1 vm-lock run --metadata "$DISK" -- echo must not run
	elapsed=$(($(now_ms) - start))
	assert_output "vm-lock: timed out after 1 s waiting for the metadata lock of '$DISK'"
	[ "$elapsed" -ge 900 ]
	[ "$elapsed" -lt 3000 ]
	release_all
	hold "$DISK"
	run -0 vm-lock run --metadata "$DISK" -- echo meta
	assert_output "meta"
}

@test "30 concurrent runs with --wait hold the lease one at a time" {
	mkdir "$TEST_DIR/cs"
	for i in $(seq 30); do
		vm-lock run --wait 60 "$DISK" -- \
			sh -c 'mkdir "$1/in" || exit 99; sleep 0.02; rmdir "$1/in"' sh "$TEST_DIR/cs" 3>&- &
		pids+=("$!")
	done
	for p in "${pids[@]}"; do
		wait "$p"
	done
}

@test "30 concurrent runs without --wait: exactly one wins" {
	mkdir "$TEST_DIR/rc"
	# The winner holds the lease until "go", which comes only once the
	# 29 others have exited, so a second winner would show as a timeout.
	for i in $(seq 30); do
		(
			rc=0
			vm-lock run "$DISK" -- sh -c 'while [ ! -e "$1" ]; do sleep 0.02; done' \
				sh "$TEST_DIR/go" >/dev/null 2>&1 || rc=$?
			echo "$rc" > "$TEST_DIR/rc/$i"
		) 3>&- &
		pids+=("$!")
	done
	for i in $(seq 600); do
		[ "$(ls "$TEST_DIR/rc" | wc -l)" -ge 29 ] && break
		sleep 0.05
	done
	: > "$TEST_DIR/go"
	for p in "${pids[@]}"; do wait "$p"; done
	run -0 sh -c 'cat "$1"/rc/* | sort | uniq -c' sh "$TEST_DIR"
	assert_line --index 0 --regexp '^ +1 0$'
	assert_line --index 1 --regexp '^ +29 1$'
	assert_equal "${#lines[@]}" 2
}

@test "a configured lock_space holds the lease files and must not be a symlink" {
	printf 'lock_space = "%s"\n' "$TEST_DIR/space" >> "$VMKIT_CONF"
	hold "$DISK"
	[ -e "$TEST_DIR/space/$(basename "$(lease_file "$DISK")")" ]
	[ "$(stat -c %a "$TEST_DIR/space")" = 700 ]
	run -1 vm-lock status "$DISK"
	run -0 vm-lock list --json
	assert_output --partial "\"lockspace\":\"$TEST_DIR/space\""
	ln -s "$TEST_DIR/space" "$TEST_DIR/link"
	sed -i "s|^lock_space = .*|lock_space = \"$TEST_DIR/link\"|" "$VMKIT_CONF"
	run -3 vm-lock list
	assert_output "vm-lock: refusing lockspace '$TEST_DIR/link': not a directory (a symlink?)"
}

@test "lock_manager nop takes no leases" {
	printf 'lock_manager = "nop"\n' >> "$VMKIT_CONF"
	hold "$DISK"
	run -0 vm-lock run "$DISK" -- true
	run -0 vm-lock run --metadata "$DISK" -- true
	run -0 vm-lock status "$DISK"
	assert_output "free      -               $DISK
free      -               $(inode "$DISK")"
	run -0 vm-lock list --json
	assert_output '{"lockspace":null,"leases":[]}'
	[ ! -e "$VMKIT_RUNDIR/leases" ]
}

@test "lock_manager sanlock without sanlock_host_id, or in a build without it, is refused with exit 3" {
	printf 'lock_manager = "sanlock"\n' >> "$VMKIT_CONF"
	run -3 vm-lock list
	assert_output --regexp "^vm-lock: $VMKIT_CONF:[0-9]+: lock_manager: (\"sanlock\" needs sanlock_host_id|this vmkit was built without the sanlock driver)"
}

@test "status --domain of a domain without run state holds nothing" {
	run -0 vm-lock status --domain ghost
	assert_output ""
	run -0 vm-lock status --json --domain ghost
	assert_output '{"domain":"ghost","held":false,"leases":[]}'
	run -3 vm-lock status --domain ../etc
}

@test "status and list name the domain that holds a disk, and run refuses it" {
	make_disk "$TEST_DIR/vm.qcow2"
	xml=$(make_domain web "$(disk_xml "$TEST_DIR/vm.qcow2" vda)")
	sed -i "s|<name>web</name>|<name>web</name><uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid>|" "$xml"
	run -0 vm-start "$xml"
	run -1 vm-lock status "$TEST_DIR/vm.qcow2"
	assert_output "exclusive web             $TEST_DIR/vm.qcow2
exclusive web             $(inode "$TEST_DIR/vm.qcow2")"
	run -1 vm-lock status --domain web
	assert_line --index 0 "exclusive web             $TEST_DIR/vm.qcow2"
	assert_line --index 1 "exclusive web             $(inode "$TEST_DIR/vm.qcow2")"
	assert_line --index 2 "exclusive web             uuid:4dea22b3-1d52-d8f3-2516-782e98ab3fa0"
	run -1 vm-lock run "$TEST_DIR/vm.qcow2" -- true
	assert_output "vm-lock: disk '$TEST_DIR/vm.qcow2' is in use by domain 'web'"
	run -0 vm-lock list
	assert_output --partial "exclusive web             uuid:4dea22b3-1d52-d8f3-2516-782e98ab3fa0"
	run -0 vm-stop --force web
	run -0 vm-lock status --domain web
	run -0 vm-lock status "$TEST_DIR/vm.qcow2"
}

@test "a dead domain left 'starting' that no command works on is not named as a holder" {
	make_disk "$TEST_DIR/vm.qcow2"
	run -0 vm-start "$(make_domain st "$(disk_xml "$TEST_DIR/vm.qcow2" vda)")"
	kill_qemu st
	sfile="$VMKIT_RUNDIR/domains/st/status.json"
	sed 's/"state":"running"/"state":"starting"/' "$sfile" > "$TEST_DIR/starting"
	grep -q '"state":"starting"' "$TEST_DIR/starting"
	cat "$TEST_DIR/starting" > "$sfile"
	hold "$TEST_DIR/vm.qcow2"
	run -1 vm-lock run "$TEST_DIR/vm.qcow2" -- true
	assert_output "vm-lock: disk '$TEST_DIR/vm.qcow2' is in use by another host or process"
	run -1 vm-lock status "$TEST_DIR/vm.qcow2"
	assert_output "exclusive -               $TEST_DIR/vm.qcow2
exclusive -               $(inode "$TEST_DIR/vm.qcow2")"
	release_all
	run -0 vm-stop st
	run -0 vm-lock status "$TEST_DIR/vm.qcow2"
}
