#!/usr/bin/env bats
# How vm-start gives QEMU its sanlock leases, and the leases a QEMU
# holds read back from the daemon (inquire), against two real sanlock
# daemons (sanlock_helpers.bash). QEMU's child is forked and registered
# first, and vm-start takes each lease once for its pid, so they are
# QEMU's from the first; swtpm's child gets the TPM state's lease so.

load helpers
load lock_helpers
load sanlock_helpers

# starts are paused at their steps (vm_hook): a build with the hooks
setup_file() {
	sanlock_setup_file || return 1
	hooks_setup_file
}
teardown_file() { sanlock_teardown_file; }
setup() {
	sanlock_setup
	PATH="$HOOKS_BIN:$PATH"
	export VMKIT_LIBEXECDIR="$HOOKS_BIN"
}
teardown() {
	# a failed test leaves its paused command stopped, holding the domain
	[ -z "${STOPPED:-}" ] || kill -9 "$STOPPED" 2>/dev/null || true
	[ -z "${HOLDER:-}" ] || { kill "$HOLDER" 2>/dev/null; wait_gone "$HOLDER"; }
	sanlock_teardown
	[ -z "${UUID:-}" ] || rm -rf "/var/lib/vmkit/swtpm/$UUID"
}

@test "QEMU holds all its leases on one connection of its own, and its death frees them for the other host" {
	own_disk "$TEST_DIR/a.qcow2" root:root 600
	run -0 host 1 vm-start "$(make_domain one "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	pid=$(cat "$TEST_DIR/run1/domains/one/pid")
	SANLOCK_RUN_DIR=$(sanlock_dir)/run1 run -0 sanlock client status
	[ "$(grep -c "^r __VMKIT__:.* p $pid$" <<<"$output")" -eq 3 ]
	run -1 host 2 vm-lock run "$TEST_DIR/a.qcow2" -- true
	assert_output --partial "disk '$TEST_DIR/a.qcow2' is in use by host $(hostname) (id 1)"
	kill -9 "$pid"
	wait_gone "$pid"
	for i in $(seq 50); do
		host 2 vm-lock run "$TEST_DIR/a.qcow2" -- true && break
		sleep 0.1
	done
	run -0 host 2 vm-lock run "$TEST_DIR/a.qcow2" -- true
}

# connections PID: how many connections host 1's daemon has from PID
# ("p PID NAME" in its client status).
connections() {
	SANLOCK_RUN_DIR=$(sanlock_dir)/run1 sanlock client status | grep -cE "^p $1( |$)"
}

# The daemon finds a pid's leases (vm-attach's take_back and hand_to) on
# the first connection it has from that pid. A second connection from
# QEMU's pid (its lease watcher's, once opened by QEMU's child) in an
# earlier slot, freed here by a holder that dies while vm-start waits,
# hid QEMU's leases: the eject failed with "Operation not permitted".
@test "QEMU's pid has one connection, its watcher one of its own: a medium QEMU got at its start is ejected and given back" {
	local pid watcher
	own_disk "$TEST_DIR/a.qcow2" root:root 600
	own_disk "$TEST_DIR/e.iso" root:root 600 raw
	SANLOCK_RUN_DIR=$(sanlock_dir)/run1 sanlock client command -c /bin/sleep 60 >/dev/null 2>&1 3>&- &
	HOLDER=$!
	for i in $(seq 100); do
		[ "$(connections "$HOLDER")" -eq 1 ] && break
		sleep 0.05
	done
	[ "$(connections "$HOLDER")" -eq 1 ] || fail "the holder $HOLDER did not register"
	pause_at start:labelled host 1 vm-start "$(make_domain one "$(disk_xml "$TEST_DIR/a.qcow2" vda)" \
		"<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='$TEST_DIR/e.iso'/><target dev='sdc' bus='scsi'/><readonly/></disk>")"
	kill "$HOLDER"
	wait_gone "$HOLDER"
	for i in $(seq 100); do
		[ "$(connections "$HOLDER")" -eq 0 ] && break
		sleep 0.05
	done
	HOLDER=
	resume_paused 0
	pid=$(cat "$TEST_DIR/run1/domains/one/pid")
	[ "$(connections "$pid")" -eq 1 ] || fail "QEMU $pid has $(connections "$pid") connections"
	watcher=$(pgrep -P "$pid" -x vm-leasewatch)
	[ "$(connections "$watcher")" -eq 1 ] || fail "the watcher $watcher has no connection of its own"
	run -0 host 1 vm-attach one --eject sdc
	[ "$(stat -c %u:%g:%a "$TEST_DIR/e.iso")" = "0:0:600" ]
	run -0 host 2 vm-lock run "$TEST_DIR/e.iso" -- true
	run -0 host 1 vm-stop --force one
}

# holder_of PATTERN: the one pid that holds host 1's leases, as its
# daemon lists them ("r LOCKSPACE:NAME:... p PID"); fails unless there
# are N of them (the second argument), all of one pid.
holder_of() {
	local out
	out=$(SANLOCK_RUN_DIR=$(sanlock_dir)/run1 sanlock client status | sed -n 's/^r __VMKIT__:.* p \([0-9]*\)$/\1/p')
	[ "$(wc -l <<<"$out")" -eq "$1" ] || fail "not $1 leases: $out"
	[ "$(sort -u <<<"$out" | wc -l)" -eq 1 ] || fail "leases of more than one process: $out"
	head -1 <<<"$out"
}

@test "before QEMU runs, its leases are already its child's, taken once: another start here and host 2 are refused, and that child becomes QEMU" {
	local pid
	own_disk "$TEST_DIR/a.qcow2" root:root 600
	pause_at start:labelled host 1 vm-start "$(make_domain one "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	# the disk, its identity and the uuid, held by one process that is not vm-start
	pid=$(holder_of 3)
	[ "$pid" != "$STOPPED" ]
	[ "$(ps -o ppid= -p "$pid" | tr -d ' ')" = "$STOPPED" ]
	run -1 host 1 vm-start "$(make_domain two "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	assert_output --partial "disk '$TEST_DIR/a.qcow2' is in use"
	[ ! -e "$TEST_DIR/run1/domains/two/status.json" ]
	run -1 host 2 vm-lock run "$TEST_DIR/a.qcow2" -- true
	assert_output --partial "in use by host $(hostname) (id 1)"
	resume_paused 0
	[ "$(cat "$TEST_DIR/run1/domains/one/pid")" = "$pid" ]
	[ "$(holder_of 3)" = "$pid" ]
	run -1 host 1 vm-start "$TEST_DIR/two.xml"
	run -0 host 1 vm-stop --force one
	run -0 host 1 vm-start "$TEST_DIR/two.xml"
	run -0 host 1 vm-stop --force two
}

# host2_holds PID: waits until host 2's daemon has PID as a client.
host2_holds() {
	for i in $(seq 100); do
		SANLOCK_RUN_DIR=$(sanlock_dir)/run2 sanlock client status | grep -q " p $1$" && return
		sleep 0.05
	done
}

@test "a disk that host 2 holds fails the start with exit 1 before any owner changes; the other disk's lease is let go" {
	own_disk "$TEST_DIR/a.qcow2" root:root 600
	own_disk "$TEST_DIR/b.qcow2" root:root 600
	VMKIT_CONF=$(sanlock_dir)/host2.conf VMKIT_RUNDIR=$TEST_DIR/run2 \
		vm-lock run "$TEST_DIR/b.qcow2" -- sleep 60 >/dev/null 2>&1 3>&- &
	HOLDER=$!
	host2_holds "$HOLDER"
	run -1 host 1 vm-start "$(make_domain one "$(disk_xml "$TEST_DIR/a.qcow2" vda)" \
		"$(disk_xml "$TEST_DIR/b.qcow2" vdb)")"
	assert_output "vm-start: disk '$TEST_DIR/b.qcow2' is in use by host $(hostname) (id 2)"
	[ ! -e "$TEST_DIR/run1/domains/one/status.json" ]
	[ "$(stat -c %u:%g:%a "$TEST_DIR/a.qcow2")" = "0:0:600" ]
	[ "$(stat -c %u:%g:%a "$TEST_DIR/b.qcow2")" = "0:0:600" ]
	SANLOCK_RUN_DIR=$(sanlock_dir)/run1 run -0 sanlock client status
	! grep "^r " <<<"$output" || fail "host 1 still holds a lease: $output"
	run -0 host 1 vm-lock run "$TEST_DIR/a.qcow2" -- true
}

# tpm_domain: domain one ($xml) with disk a.qcow2 and an emulated TPM of
# a new $UUID, whose state is $state and whose lease lock_sanlock.c names
# $id, the SHA-256 of its resource.
tpm_domain() {
	own_disk "$TEST_DIR/a.qcow2" root:root 600
	UUID=$(cat /proc/sys/kernel/random/uuid)
	state=/var/lib/vmkit/swtpm/$UUID
	xml=$(make_domain one "$(disk_xml "$TEST_DIR/a.qcow2" vda)" \
		"<tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm>")
	sed -i "s|</name>|</name><uuid>$UUID</uuid>|" "$xml"
	id=$(printf %s "tpm:$UUID" | sha256sum | cut -c1-64)
}

# host2_takes_tpm: host 2 holds the TPM state's lease ($id) with sanlock's
# own client, as no vmkit command takes a "tpm:" lease alone; HOLDER
# gets its pid.
host2_takes_tpm() {
	SANLOCK_RUN_DIR=$(sanlock_dir)/run2 sanlock client command \
		-r "__VMKIT__:${id:0:40}:$(sanlock_dir)/leases/$id:0" -c /bin/sleep 60 >/dev/null 2>&1 3>&- &
	HOLDER=$!
	host2_holds "$HOLDER"
}

# The TPM state's lease is swtpm's, taken for its child as QEMU's are
# for QEMU's.
@test "a TPM state lease that host 2 holds fails the start with exit 1 naming the host, before anything is made or labelled; no swtpm, QEMU or lease of host 1 is left" {
	local xml id state
	tpm_domain
	# the lease's file, made by a start of host 1 that had it free
	run -0 host 1 vm-start "$xml"
	run -0 host 1 vm-stop --force one
	[ ! -e "$state" ]
	host2_takes_tpm
	run -1 host 1 vm-start "$xml"
	assert_output "vm-start: the TPM state of domain uuid '$UUID' is in use by host $(hostname) (id 2)"
	! pgrep -f "swtpm/$UUID" || fail "swtpm left running"
	! pgrep -f -- "-uuid $UUID" || fail "qemu left running"
	[ ! -e "$TEST_DIR/run1/domains/one/status.json" ]
	[ ! -e "$state" ] || fail "state made: $(ls -la "$state")"
	SANLOCK_RUN_DIR=$(sanlock_dir)/run1 run -0 sanlock client status
	! grep "^r " <<<"$output" || fail "host 1 still holds a lease: $output"
	[ "$(stat -c %u:%g:%a "$TEST_DIR/a.qcow2")" = "0:0:600" ]
	run -0 host 2 vm-lock run "$TEST_DIR/a.qcow2" -- true
	kill -0 "$HOLDER"
}

@test "a vm-start killed before QEMU runs leaves no lease held: QEMU's child ends with it; vm-stop gives the disk back" {
	local pid
	own_disk "$TEST_DIR/a.qcow2" root:root 600
	pause_at start:labelled host 1 vm-start "$(make_domain one "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	pid=$(holder_of 3)
	kill -9 "$STOPPED"
	wait "$PAUSED" || true
	wait_gone "$pid"
	for i in $(seq 50); do
		SANLOCK_RUN_DIR=$(sanlock_dir)/run1 sanlock client status | grep -q "^r " || break
		sleep 0.1
	done
	SANLOCK_RUN_DIR=$(sanlock_dir)/run1 run -0 sanlock client status
	# a resource line ("r LOCKSPACE:NAME:...") is a lease some process holds
	! grep "^r " <<<"$output" || fail "a lease is still held: $output"
	run -0 host 2 vm-lock run "$TEST_DIR/a.qcow2" -- true
	[ "$(stat -c %U "$TEST_DIR/a.qcow2")" = "$QEMU_USER" ]
	run -0 host 1 vm-stop --force one
	[ "$(stat -c %u:%g:%a "$TEST_DIR/a.qcow2")" = "0:0:600" ]
}

# A child that fails before exec reports and waits: its leases stay held
# until vm-start has given back what it labelled. CPU 60 does not exist
# here, so sched_setaffinity() fails in the child.
@test "QEMU's child that cannot exec fails the start with exit 4; the owner is given back and no lease is left" {
	local xml
	own_disk "$TEST_DIR/a.qcow2" root:root 600
	xml=$(make_domain one "$(disk_xml "$TEST_DIR/a.qcow2" vda)")
	sed -i "s|<vcpu>1</vcpu>|<vcpu cpuset='60'>1</vcpu>|" "$xml"
	[ "$(nproc --all)" -le 60 ] || skip "this machine has a CPU 60"
	run -4 host 1 vm-start "$xml"
	assert_output --partial "cannot run on the CPUs of <emulatorpin> or <vcpu cpuset>"
	[ "$(stat -c %u:%g:%a "$TEST_DIR/a.qcow2")" = "0:0:600" ]
	[ ! -e "$TEST_DIR/run1/domains/one/status.json" ]
	SANLOCK_RUN_DIR=$(sanlock_dir)/run1 run -0 sanlock client status
	! grep "^r " <<<"$output" || fail "host 1 still holds a lease: $output"
	# the child wrote its pid before it failed; other suites' domains may run beside
	if [ -e "$TEST_DIR/run1/domains/one/pid" ]; then
		! kill -0 "$(cat "$TEST_DIR/run1/domains/one/pid")" 2>/dev/null || fail "qemu's child left running"
	fi
	run -0 host 2 vm-lock run "$TEST_DIR/a.qcow2" -- true
}

# start_undone PROGRAM FILES: vm-start (its output in cmd.out) said that
# PROGRAM's child was killed before exec, and undid its start of domain
# one: its disk given back, no lease of host 1, and in its run directory
# only FILES (no status, pid or socket), as any failed start leaves it.
start_undone() {
	run cat "$TEST_DIR/cmd.out"
	assert_output --regexp "^vm-start: cannot start '[^']*$1[^']*': its child was killed by signal 9 before exec$"
	[ "$(stat -c %u:%g:%a "$TEST_DIR/a.qcow2")" = "0:0:600" ]
	[ "$(ls "$TEST_DIR/run1/domains/one" | tr '\n' ' ')" = "$2" ]
	SANLOCK_RUN_DIR=$(sanlock_dir)/run1 run -0 sanlock client status
	! grep "^r " <<<"$output" || fail "host 1 still holds a lease: $output"
	run -0 host 2 vm-lock run "$TEST_DIR/a.qcow2" -- true
}

# kill_child LATE: starts domain one with one disk, pauses it at
# start:labelled, SIGKILLs QEMU's child (the holder of the leases) and
# checks that vm-start fails saying so, and undoes its start
# (start_undone). LATE: the child is stopped instead, and killed once
# vm-start has handed it its spawn and waits for its word (in a read, as
# its wchan shows where the kernel has one; else after 2 s): the same
# failure, whether the spawn was sent or not.
kill_child() {
	local pid rc=0 i
	own_disk "$TEST_DIR/a.qcow2" root:root 600
	pause_at start:labelled host 1 vm-start "$(make_domain one "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	pid=$(holder_of 3)
	if [ "$1" = late ]; then
		kill -STOP "$pid"
		kill -CONT "$STOPPED"
		for i in $(seq 100); do
			grep -q unix_stream_read "/proc/$STOPPED/wchan" && break
			sleep 0.02
		done
	fi
	kill -9 "$pid"
	wait_gone "$pid"
	[ "$1" = late ] || kill -CONT "$STOPPED"
	STOPPED=
	wait "$PAUSED" || rc=$?
	[ "$rc" -eq 4 ] || fail "exit $rc, not 4: $(cat "$TEST_DIR/cmd.out")"
	! kill -0 "$pid" 2>/dev/null || fail "qemu's child left"
	start_undone qemu "alive lock qemu.log "
}

@test "QEMU's child killed before vm-start hands it its spawn fails the start with exit 4 saying so; the owner is given back and no lease is left" {
	kill_child early
}

@test "QEMU's child killed after vm-start handed it its spawn, before exec, fails the start with exit 4 saying so, not as QEMU's failure; the owner is given back and no lease is left" {
	kill_child late
}

# The leases were the child's and went with it: a disk that host 2 took
# meanwhile is host 2's, and its owner (host 2's label) is left alone.
@test "QEMU's child killed, and the disk taken by host 2 before vm-start undoes its start: the owner is left as host 2 set it" {
	local pid lockpid i
	own_disk "$TEST_DIR/a.qcow2" root:root 600
	pause_at start:labelled host 1 vm-start "$(make_domain one "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	pid=$(holder_of 3)
	kill -9 "$pid"
	wait_gone "$pid"
	host 2 vm-lock run -w 10 "$TEST_DIR/a.qcow2" -- sleep 60 &
	lockpid=$!
	for i in $(seq 100); do
		SANLOCK_RUN_DIR=$(sanlock_dir)/run2 sanlock client status | grep -q "^r " && break
		sleep 0.1
	done
	SANLOCK_RUN_DIR=$(sanlock_dir)/run2 sanlock client status | grep -q "^r " || fail "host 2 took no lease"
	# host 2's own label
	chown 4242:4343 "$TEST_DIR/a.qcow2"
	resume_paused 4
	run cat "$TEST_DIR/cmd.out"
	assert_output --partial "leaving its owner as it is"
	assert_line --regexp "^vm-start: cannot start '[^']*qemu[^']*': its child was killed by signal 9 before exec$"
	[ "$(stat -c %u:%g "$TEST_DIR/a.qcow2")" = "4242:4343" ]
	SANLOCK_RUN_DIR=$(sanlock_dir)/run1 run -0 sanlock client status
	! grep "^r " <<<"$output" || fail "host 1 still holds a lease: $output"
	pkill -P "$lockpid" sleep || true
	wait "$lockpid" || true
}

@test "swtpm's child killed before exec fails the start with exit 4 saying so; no swtpm, QEMU, state or lease of host 1 is left" {
	local xml id pid qpid state
	tpm_domain
	pause_at start:labelled host 1 vm-start "$xml"
	# the TPM state's lease is swtpm's child's; the other 3, QEMU's child's
	pid=$(SANLOCK_RUN_DIR=$(sanlock_dir)/run1 sanlock client status | sed -n "s/^r __VMKIT__:${id:0:40}:.* p \([0-9]*\)$/\1/p")
	[ -n "$pid" ] && [ "$(ps -o ppid= -p "$pid" | tr -d ' ')" = "$STOPPED" ]
	qpid=$(SANLOCK_RUN_DIR=$(sanlock_dir)/run1 sanlock client status | sed -n "/${id:0:40}/!s/^r __VMKIT__:.* p \([0-9]*\)$/\1/p" | sort -u)
	[ "$(wc -w <<<"$qpid")" -eq 1 ] && [ "$qpid" != "$pid" ]
	kill -9 "$pid"
	wait_gone "$pid"
	resume_paused 4
	wait_gone "$qpid"
	! pgrep -f "swtpm/$UUID" || fail "swtpm left running"
	! pgrep -f -- "-uuid $UUID" || fail "qemu left running"
	[ ! -e "/var/lib/vmkit/swtpm/$UUID" ] || fail "state left: $(ls -la "/var/lib/vmkit/swtpm/$UUID")"
	# QEMU's spawn, which makes the liveness file, never came
	start_undone swtpm "lock qemu.log "
}

# As the disks': the TPM state's lease went with swtpm's child, so the
# undo takes it again before it removes the state, and leaves a state
# that host 2 took meanwhile as host 2 has it.
@test "swtpm's child killed, and the TPM state taken by host 2 before vm-start undoes its start: the state is left as host 2 has it, with a warning" {
	local xml id pid state
	tpm_domain
	pause_at start:labelled host 1 vm-start "$xml"
	pid=$(SANLOCK_RUN_DIR=$(sanlock_dir)/run1 sanlock client status | sed -n "s/^r __VMKIT__:${id:0:40}:.* p \([0-9]*\)$/\1/p")
	[ -n "$pid" ]
	kill -9 "$pid"
	wait_gone "$pid"
	host2_takes_tpm
	# host 2's use of the state
	mkdir -p "$state"
	echo host2 > "$state/host2"
	resume_paused 4
	run cat "$TEST_DIR/cmd.out"
	assert_line "vm-start: warning: the TPM state of domain uuid '$UUID' is in use by host $(hostname) (id 2); leaving the TPM state as it is"
	assert_line --regexp "^vm-start: cannot start '[^']*swtpm[^']*': its child was killed by signal 9 before exec$"
	[ "$(cat "$state/host2")" = host2 ]
	! pgrep -f "swtpm/$UUID" || fail "swtpm left running"
	! pgrep -f -- "-uuid $UUID" || fail "qemu left running"
	[ "$(stat -c %u:%g:%a "$TEST_DIR/a.qcow2")" = "0:0:600" ]
	SANLOCK_RUN_DIR=$(sanlock_dir)/run1 run -0 sanlock client status
	! grep "^r " <<<"$output" || fail "host 1 still holds a lease: $output"
	kill -0 "$HOLDER"
}

@test "vm-stop --force of a domain with a damaged status file learns its 5 disks from the 11 leases its QEMU holds" {
	local disks=() i
	for i in 0 1 2 3 4; do
		own_disk "$TEST_DIR/d$i.qcow2" root:root 600
		disks+=("$(disk_xml "$TEST_DIR/d$i.qcow2" "vd$(printf "\\x$(printf %x $((97 + i)))")")")
	done
	run -0 host 1 vm-start "$(make_domain five "${disks[@]}")"
	pid=$(cat "$TEST_DIR/run1/domains/five/pid")
	echo 'garbage<' >"$TEST_DIR/run1/domains/five/status.json"
	run -0 host 1 vm-stop --force five
	assert_output --partial "gave back the 5 disks that its qemu held"
	wait_gone "$pid"
	for i in 0 1 2 3 4; do
		[ "$(stat -c %u:%g:%a "$TEST_DIR/d$i.qcow2")" = "0:0:600" ] || fail "d$i: $(stat -c %u:%g:%a "$TEST_DIR/d$i.qcow2")"
	done
}

@test "vm-lock gc does not apply under sanlock: exit 3, no lease file removed; an explicit <lease> is refused with exit 3 and changes no owner" {
	local before xml
	own_disk "$TEST_DIR/a.qcow2" root:root 600
	before=$(ls "$(sanlock_dir)/leases" | sort)
	run -3 host 1 vm-lock gc
	assert_output "vm-lock: gc does not apply to lock_manager = \"sanlock\": a lease file in '$(sanlock_dir)/leases' that no host holds may be taken by another host at any moment, so none is removed"
	[ "$(ls "$(sanlock_dir)/leases" | sort)" = "$before" ]
	xml=$(make_domain one "$(disk_xml "$TEST_DIR/a.qcow2" vda)")
	sed -i "s|</devices>|<lease><lockspace>ls</lockspace><key>k</key><target path='$TEST_DIR/l' offset='1024'/></lease></devices>|" "$xml"
	run -3 host 1 vm-start "$xml"
	assert_output "vm-start: <lease> on '$TEST_DIR/l' at offset 1024: explicit <lease> elements are not supported with lock_manager = \"sanlock\" (vmkit takes the sanlock leases of every disk and of the domain's uuid itself; remove the element)"
	[ "$(stat -c %u:%g:%a "$TEST_DIR/a.qcow2")" = "0:0:600" ]
	[ ! -e "$TEST_DIR/run1/domains/one/status.json" ]
}
