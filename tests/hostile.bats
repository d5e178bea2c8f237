#!/usr/bin/env bats
# Hostile files in the run directory: refused or handled with a clear
# error, and nothing outside the run directory is touched.

load helpers

setup() {
	common_setup
	echo "precious" > "$TEST_DIR/outside"
	chmod 644 "$TEST_DIR/outside"
}
teardown() { common_teardown; }

outside_untouched() {
	[ "$(cat "$TEST_DIR/outside")" = precious ]
	[ "$(stat -c %u:%g:%a "$TEST_DIR/outside")" = "0:0:644" ]
}

@test "a run directory with group or other access is refused with exit 3" {
	make_disk "$TEST_DIR/a.qcow2"
	xml=$(make_domain m "$(disk_xml "$TEST_DIR/a.qcow2" vda)")
	for mode in 0755 0770 0701 1777; do
		rmdir "$VMKIT_RUNDIR" 2>/dev/null || true
		mkdir "$VMKIT_RUNDIR"
		chmod "$mode" "$VMKIT_RUNDIR"
		run -3 vm-start "$xml"
		case $mode in
		0755 | 0701) assert_output "vm-start: refusing '$VMKIT_RUNDIR': mode $mode allows group or other access" ;;
		*) assert_output "vm-start: refusing '$VMKIT_RUNDIR': mode $mode lets group or others write in it" ;;
		esac
		run -3 vm-status
		run -3 vm-lock list
		[ -z "$(ls -A "$VMKIT_RUNDIR")" ]
		[ "$(stat -c %U:%a "$TEST_DIR/a.qcow2")" = "$QEMU_USER:644" ]
	done
}

# A user who owns the lockspace, or may write in it, can unlink the lease
# files of running domains (or plant their own): the next start takes a
# fresh lease on a disk that one still writes.
@test "a lockspace owned by another user is refused with exit 3, nothing taken or labelled" {
	own_disk "$TEST_DIR/a.qcow2" root:root 600
	mkdir -m 0700 "$TEST_DIR/space"
	chown "$QEMU_USER" "$TEST_DIR/space"
	printf 'lock_space = "%s"\n' "$TEST_DIR/space" >> "$VMKIT_CONF"
	xml=$(make_domain ls "$(disk_xml "$TEST_DIR/a.qcow2" vda)")
	run -3 vm-start "$xml"
	assert_output "vm-start: lock_space: refusing '$TEST_DIR/space': owned by uid $(id -u "$QEMU_USER"), not by uid 0"
	[ -z "$(ls -A "$TEST_DIR/space")" ]
	[ ! -e "$VMKIT_RUNDIR/domains/ls/status.json" ]
	[ "$(stat -c %u:%g:%a "$TEST_DIR/a.qcow2")" = "0:0:600" ]
	run -3 vm-lock list
	assert_output "vm-lock: lock_space: refusing '$TEST_DIR/space': owned by uid $(id -u "$QEMU_USER"), not by uid 0"
}

@test "a lockspace that group or others may write in is refused with exit 3, sticky or not" {
	make_disk "$TEST_DIR/a.qcow2"
	mkdir "$TEST_DIR/space"
	printf 'lock_space = "%s"\n' "$TEST_DIR/space" >> "$VMKIT_CONF"
	xml=$(make_domain lw "$(disk_xml "$TEST_DIR/a.qcow2" vda)")
	for mode in 0770 0702 1777; do
		chmod "$mode" "$TEST_DIR/space"
		run -3 vm-start "$xml"
		assert_output "vm-start: lock_space: refusing '$TEST_DIR/space': mode $mode lets group or others write in it"
		[ -z "$(ls -A "$TEST_DIR/space")" ]
		[ ! -e "$VMKIT_RUNDIR/domains/lw/status.json" ]
	done
	# read access alone is fine: hosts may share a lockspace that others list
	chmod 0755 "$TEST_DIR/space"
	run -0 vm-start "$xml"
	run -1 vm-lock status "$TEST_DIR/a.qcow2"
	run -0 vm-stop --force lw
}

@test "a symlink planted at status.json is refused, and vm-stop --force sets it aside" {
	(umask 077; mkdir -p "$VMKIT_RUNDIR/domains/s")
	ln -s "$TEST_DIR/outside" "$VMKIT_RUNDIR/domains/s/status.json"
	run -4 vm-status s
	assert_output --partial "refusing 'status.json': it is a symlink"
	run -1 vm-start "$(make_domain s)"
	assert_output --partial "run 'vm-stop s' first"
	run -4 vm-stop s
	assert_output --partial "'vm-stop --force s' stops it without its record"
	run -0 vm-stop --force s
	assert_output --partial "kept it as status.json.damaged"
	outside_untouched
	run -0 vm-start "$(make_domain s)"
	run -0 vm-stop --force s
	outside_untouched
}

@test "a garbage status file is reported, and vm-stop --force stops its QEMU" {
	make_disk "$TEST_DIR/a.qcow2"
	run -0 vm-start "$(make_domain g "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	pid=$(qemu_pid g)
	echo 'garbage<' > "$VMKIT_RUNDIR/domains/g/status.json"
	run -4 vm-status g
	assert_output --partial "status file 'status.json' is damaged"
	run -0 vm-status
	assert_output --regexp "^g +damaged +- +$"
	run -4 vm-lock status --domain g
	assert_output "vm-lock: domain 'g': status file 'status.json' is damaged"
	run -0 vm-stop --force g
	wait_gone "$pid"
	run -0 vm-lock status "$TEST_DIR/a.qcow2"
}

@test "a status file of valid JSON but the wrong shape or out of range is damaged: vm-attach changes nothing" {
	make_disk "$TEST_DIR/a.qcow2"
	make_disk "$TEST_DIR/b.img" raw
	chown root:root "$TEST_DIR/b.img"
	run -0 vm-start "$(make_domain w "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	pid=$(qemu_pid w)
	sfile="$VMKIT_RUNDIR/domains/w/status.json"
	# more root ports than vm-start ever makes: vm-attach would search them all
	sed 's/"root_ports":[0-9]*/"root_ports":4294967295/' "$sfile" > "$TEST_DIR/ports"
	grep -q '"root_ports":4294967295' "$TEST_DIR/ports"
	cat "$TEST_DIR/ports" > "$sfile"
	run -4 vm-attach w --disk "$TEST_DIR/b.img" --target vdb
	assert_output "vm-attach: domain 'w': status file 'status.json' is damaged"
	# no "machine" or "user": what vm-attach needs is missing
	echo '{"state":"running","pid":'"$pid"',"uuid":"x","disks":[]}' > "$sfile"
	run -4 vm-attach w --disk "$TEST_DIR/b.img" --target vdb
	assert_output "vm-attach: domain 'w': status file 'status.json' is damaged"
	run -0 vm-lock status "$TEST_DIR/b.img"
	[ "$(stat -c %u:%g "$TEST_DIR/b.img")" = 0:0 ]
	[ -z "$(xattrs_left "$TEST_DIR/b.img")" ]
	run -4 vm-status w
	assert_output --partial "status file 'status.json' is damaged"
	run -0 vm-stop --force w
	wait_gone "$pid"
	run -0 vm-lock status "$TEST_DIR/a.qcow2"
}

@test "a truncated status file is reported, not trusted" {
	run -0 vm-start "$(make_domain t)"
	pid=$(qemu_pid t)
	head -c 40 "$VMKIT_RUNDIR/domains/t/status.json" > "$TEST_DIR/cut"
	cat "$TEST_DIR/cut" > "$VMKIT_RUNDIR/domains/t/status.json"
	run -4 vm-stop t
	assert_output --partial "status file 'status.json' is damaged"
	run -4 vm-status t
	run -0 vm-stop --force t
	wait_gone "$pid"
	run -1 vm-status t
}

@test "a symlink planted at a lease file is refused and its target untouched" {
	make_disk "$TEST_DIR/a.qcow2"
	(umask 077; mkdir -p "$VMKIT_RUNDIR/leases")
	hash=$(printf '%s' "$TEST_DIR/a.qcow2" | sha256sum | cut -d' ' -f1)
	ln -s "$TEST_DIR/outside" "$VMKIT_RUNDIR/leases/$hash"
	run -4 vm-start "$(make_domain l "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	assert_output --partial "$hash"
	[ ! -e "$VMKIT_RUNDIR/domains/l/status.json" ]
	outside_untouched
	[ "$(stat -c %U "$TEST_DIR/a.qcow2")" = "$QEMU_USER" ]
	# make_disk gave the disk to QEMU_USER, so the owner above cannot show
	# a chown left behind: again with a disk that is root's
	chown root:root "$TEST_DIR/a.qcow2"
	chmod 600 "$TEST_DIR/a.qcow2"
	run -4 vm-start "$TEST_DIR/l.xml"
	assert_output --partial "$hash"
	[ ! -e "$VMKIT_RUNDIR/domains/l/status.json" ]
	outside_untouched
	[ "$(stat -c %u:%g:%a "$TEST_DIR/a.qcow2")" = "0:0:600" ]
	[ -z "$(xattrs_left "$TEST_DIR/a.qcow2")" ]
}

@test "a symlink planted at the monitor socket is not followed" {
	run -0 vm-start "$(make_domain q)"
	pid=$(qemu_pid q)
	rm "$VMKIT_RUNDIR/domains/q/qmp.sock"
	ln -s "$TEST_DIR/outside" "$VMKIT_RUNDIR/domains/q/qmp.sock"
	run -4 vm-stop q
	assert_output --partial "not a socket"
	run -0 vm-stop --force q
	wait_gone "$pid"
	outside_untouched
}

@test "a symlink planted at the pid file is not followed" {
	run -0 vm-start "$(make_domain p)"
	pid=$(qemu_pid p)
	rm "$VMKIT_RUNDIR/domains/p/pid"
	ln -s "$TEST_DIR/outside" "$VMKIT_RUNDIR/domains/p/pid"
	run -0 vm-status p
	# the pid comes from the process that holds the liveness lock
	assert_output --regexp "^p +running +$pid "
	run -0 vm-stop --force p
	wait_gone "$pid"
	outside_untouched
}

@test "a symlink planted at the domain lock is refused" {
	(umask 077; mkdir -p "$VMKIT_RUNDIR/domains/k")
	ln -s "$TEST_DIR/outside" "$VMKIT_RUNDIR/domains/k/lock"
	run -4 vm-start "$(make_domain k)"
	assert_output "vm-start: cannot open the lock of domain 'k': Too many levels of symbolic links"
	outside_untouched
	run -4 vm-stop k
	assert_output "vm-stop: cannot open the lock of domain 'k': Too many levels of symbolic links"
	run -4 vm-stop --force k
	assert_output "vm-stop: cannot open the lock of domain 'k': Too many levels of symbolic links"
	outside_untouched
}

@test "a symlinked domain directory is refused" {
	(umask 077; mkdir -p "$VMKIT_RUNDIR/domains" "$TEST_DIR/elsewhere")
	ln -s "$TEST_DIR/elsewhere" "$VMKIT_RUNDIR/domains/d"
	run -4 vm-start "$(make_domain d)"
	assert_output --partial "refusing 'd'"
	[ -z "$(ls -A "$TEST_DIR/elsewhere")" ]
}

@test "a fifo as \$VMKIT_CONF is refused at once: no run directory, the disk untouched" {
	make_disk "$TEST_DIR/a.qcow2"
	dom=$(make_domain f "$(disk_xml "$TEST_DIR/a.qcow2" vda)")
	rm "$VMKIT_CONF"
	mkfifo "$VMKIT_CONF"
	# timeout turns the old hang (open() waiting for a writer) into a failure
	run -3 timeout 10 vm-start "$dom"
	assert_output "vm-start: cannot read config '$VMKIT_CONF': not a regular file"
	run -3 timeout 10 vm-stop f
	assert_output "vm-stop: cannot read config '$VMKIT_CONF': not a regular file"
	[ ! -e "$VMKIT_RUNDIR" ]
	[ "$(stat -c %U "$TEST_DIR/a.qcow2")" = "$QEMU_USER" ]
	[ -z "$(xattrs_left "$TEST_DIR/a.qcow2")" ]
	# vm-lock reads the config too: a real one again to ask it
	rm "$VMKIT_CONF"
	printf 'user = "%s"\n' "$QEMU_USER" > "$VMKIT_CONF"
	run -0 vm-lock status "$TEST_DIR/a.qcow2"
}

# qemu_locks_run_files NAME: does what a compromised QEMU of domain NAME
# can do with the fds it inherited on files of its run directory: read-
# lock every byte of them. The locks are taken through copies of QEMU's
# own fds (pidfd_getfd), so they belong to QEMU's open file descriptions
# and last as long as QEMU does.
qemu_locks_run_files() {
	python3 - "$(qemu_pid "$1")" "$VMKIT_RUNDIR/domains/$1/" <<'PY'
import ctypes, fcntl, os, struct, sys
pid, rundir = int(sys.argv[1]), sys.argv[2]
libc = ctypes.CDLL(None, use_errno=True)
pidfd = os.pidfd_open(pid)
n = 0
for fd in os.listdir(f"/proc/{pid}/fd"):
    if not os.readlink(f"/proc/{pid}/fd/{fd}").startswith(rundir):
        continue
    copy = libc.syscall(438, pidfd, int(fd), 0)  # pidfd_getfd
    if copy < 0:
        continue
    try:
        fcntl.fcntl(copy, 37, struct.pack('hhqqi', fcntl.F_RDLCK, 0, 0, 0, 0))  # F_OFD_SETLK, whole file
        n += 1
    except OSError:
        pass
    os.close(copy)
sys.exit(0 if n else 1)
PY
}

@test "a QEMU that read-locks every byte of its run files cannot stop vm-stop, vm-attach or vm-status" {
	own_disk "$TEST_DIR/a.qcow2" root:root 600
	run -0 vm-start "$(make_domain q "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	pid=$(qemu_pid q)
	qemu_locks_run_files q
	run -0 timeout 20 vm-status q
	assert_output --partial "running"
	# the cleanup's vm-stop would wait as long as this QEMU lives
	run timeout 20 vm-attach q --detach vdz
	[ "$status" -eq 1 ] || { kill -9 "$pid"; fail "vm-attach exited $status: $output"; }
	assert_output --partial "domain 'q' has no disk 'vdz'"
	run timeout 30 vm-stop --force q
	[ "$status" -eq 0 ] || { kill -9 "$pid"; fail "vm-stop exited $status: $output"; }
	wait_gone "$pid"
	[ "$(stat -c %u:%g:%a "$TEST_DIR/a.qcow2")" = "0:0:600" ]
	[ -z "$(xattrs_left "$TEST_DIR/a.qcow2")" ]
}

@test "vm-stop --force of a domain whose status file is garbage still gives back the disks its QEMU held" {
	own_disk "$TEST_DIR/a.qcow2" root:root 600
	own_disk "$TEST_DIR/ro.img" 4242:4242 640 raw
	run -0 vm-start "$(make_domain gb "$(disk_xml "$TEST_DIR/a.qcow2" vda)" "$(disk_xml "$TEST_DIR/ro.img" vdb "<readonly/>" raw)")"
	pid=$(qemu_pid gb)
	echo garbage > "$VMKIT_RUNDIR/domains/gb/status.json"
	run -0 vm-stop --force gb
	assert_output --partial "kept it as status.json.damaged"
	wait_gone "$pid"
	[ "$(stat -c %u:%g:%a "$TEST_DIR/a.qcow2")" = "0:0:600" ]
	[ "$(stat -c %u:%g:%a "$TEST_DIR/ro.img")" = "4242:4242:640" ]
	[ -z "$(xattrs_left "$TEST_DIR/a.qcow2")$(xattrs_left "$TEST_DIR/ro.img")" ]
	run -0 vm-lock status "$TEST_DIR/a.qcow2"
}
