#!/usr/bin/env bats
# A host that loses its sanlock leases, against two real daemons
# (sanlock_helpers.bash): its storage failing under running QEMUs, where
# the daemon runs vm-lockfailure as on_lockfailure says, and the daemon
# itself killed, where no killpath runs: QEMU's watcher (vm-leasewatch)
# ends it, and sanlock's expiry protects the other host meanwhile.

load helpers
load lock_helpers
load sanlock_helpers

setup_file() { sanlock_setup_file; }
teardown_file() { sanlock_teardown_file; }
setup() { sanlock_setup; }

# Host 1's daemon up, its delta lease as it was, and host 1 in the
# lockspace again, for the next test.
teardown() {
	sanlock_running 1 || sanlock_start 1
	restore_delta_lease 1
	TEST_DIR=$(sanlock_dir)/vmkit host 1 vm-lock join
	sanlock_teardown
}

# break_delta_lease N: overwrites host N's delta lease (sector N-1 of the
# lockspace) on the shared storage, as failing storage would leave it:
# its daemon's renewals fail from then on, and after 8 io timeouts it
# gives up the lockspace and ends what holds its leases (its killpath).
break_delta_lease() {
	local ls
	ls=$(sanlock_dir)/leases/lockspace
	dd if="$ls" of="$(sanlock_dir)/delta$1" bs=512 skip=$(($1 - 1)) count=1 iflag=direct \
		status=none
	dd if=/dev/zero of="$ls" bs=512 seek=$(($1 - 1)) count=1 oflag=direct conv=notrunc \
		status=none
}

# restore_delta_lease N: puts back what break_delta_lease overwrote.
restore_delta_lease() {
	local saved
	saved=$(sanlock_dir)/delta$1
	[ -e "$saved" ] || return 0
	dd if="$saved" of="$(sanlock_dir)/leases/lockspace" bs=512 seek=$(($1 - 1)) count=1 \
		oflag=direct conv=notrunc status=none
	rm -f "$saved"
}

# holds_leases N PID: whether daemon N has leases for PID.
holds_leases() {
	SANLOCK_RUN_DIR=$(sanlock_dir)/run$1 sanlock client status | grep -q "^r .* p $2\$"
}

@test "storage lost: the daemon runs vm-lockfailure, which powers off or pauses QEMU as on_lockfailure said; vm-status says why; host 2 takes the disks" {
	make_disk "$TEST_DIR/a.img" raw
	own_disk "$TEST_DIR/b.qcow2" root:root 600
	run -0 host 1 vm-start "$(make_domain one "$(disk_xml "$TEST_DIR/a.img" vda "" raw)")"
	host_conf 1 'on_lockfailure = "pause"'
	run -0 host 1 vm-start "$(make_domain two "$(disk_xml "$TEST_DIR/b.qcow2" vda)")"
	p1=$(cat "$TEST_DIR/run1/domains/one/pid")
	p2=$(cat "$TEST_DIR/run1/domains/two/pid")
	holds_leases 1 "$p1" && holds_leases 1 "$p2"
	start=$(now_ms)
	break_delta_lease 1
	# 8 io timeouts, then the helper's QMP command
	while kill -0 "$p1" 2>/dev/null || holds_leases 1 "$p2"; do
		[ $(($(now_ms) - start)) -lt 30000 ] || fail "30 s after the storage went: $(cat "$(sanlock_dir)/daemon1.log" | grep -E 'kill|renew' | tail)"
		sleep 0.2
	done
	echo "# storage lost to QEMU powered off and QEMU paused: $(($(now_ms) - start)) ms" >&3
	# through the killpath (sanlock's signal 100), not SIGTERM or SIGKILL
	grep -q "kill $p1 sig 100 count 1" "$(sanlock_dir)/daemon1.log"
	grep -q "kill $p2 sig 100 count 1" "$(sanlock_dir)/daemon1.log"
	! grep -qE "kill ($p1|$p2) sig (9|15) " "$(sanlock_dir)/daemon1.log"
	kill -0 "$p2"
	off="lease lost in sanlock lockspace '__VMKIT__': qemu (pid $p1) powered off (on_lockfailure = poweroff)"
	paused="lease lost in sanlock lockspace '__VMKIT__': qemu (pid $p2) paused, its leases released (on_lockfailure = pause)"
	run -1 host 1 vm-status one
	assert_line --regexp "^one +crashed +- "
	assert_line "  reason $off"
	assert_line "vm-status: domain 'one' is crashed: $off"
	run -1 host 1 vm-status --json one
	assert_output --partial "\"reason\":\"$off\""
	grep -q "vmkit: $off" "$TEST_DIR/run1/domains/one/qemu.log"
	run -0 host 1 vm-status two
	assert_line --index 0 --regexp "^two +paused +$p2 "
	assert_line --index 1 "  reason $paused"
	# host 2 cannot tell whether host 1 lives while its delta lease is
	# damaged; once the storage is back and host 1 has joined again (a
	# new generation, whose old leases are void), host 2 takes the disks
	run -4 host 2 vm-start "$(make_domain three "$(disk_xml "$TEST_DIR/a.img" vda "" raw)")"
	assert_output --partial "cannot acquire the lease of '$TEST_DIR/a.img'"
	restore_delta_lease 1
	run -0 host 1 vm-lock join
	run -0 host 2 vm-start "$TEST_DIR/three.xml"
	# the paused QEMU's disk is free of leases (a start on host 2 would
	# meet QEMU's own image lock, which one kernel shares between hosts)
	run -0 host 2 vm-lock run "$TEST_DIR/b.qcow2" -- true
	# host 1 cleans up: the disk no other host uses gets its owner back
	run -0 host 1 vm-stop one
	[ ! -e "$TEST_DIR/run1/domains/one/lockfailure" ]
	run -0 host 1 vm-stop --force two
	wait_gone "$p2"
	[ "$(stat -c %u:%g:%a "$TEST_DIR/b.qcow2") $(xattrs_left "$TEST_DIR/b.qcow2")" = "0:0:600 " ]
	run -0 host 2 vm-status three
	assert_output --regexp "^three +running "
}

@test "vm-lockfailure acts only on the domain's own QEMU, and refuses bad arguments" {
	run -0 host 1 vm-start "$(make_domain one)"
	pid=$(cat "$TEST_DIR/run1/domains/one/pid")
	lf=$VMKIT_BUILDDIR/vm-lockfailure
	run -1 "$lf" poweroff __VMKIT__ "$TEST_DIR/run1" one $$
	assert_output "vm-lockfailure: pid $$ is not the qemu of domain 'one'"
	run -2 "$lf" reboot __VMKIT__ "$TEST_DIR/run1" one "$pid"
	run -3 "$lf" poweroff __VMKIT__ "$TEST_DIR/run1" ../one "$pid"
	run -3 "$lf" poweroff __VMKIT__ relative one "$pid"
	run -3 "$lf" poweroff __VMKIT__ "$TEST_DIR/run1" one "-$pid"
	run -3 "$lf" poweroff __VMKIT__ /tmp one "$pid"
	assert_output --partial "lets group or others write"
	run -0 host 1 vm-status one
	assert_output --regexp "^one +running +$pid "
	refute_output --partial reason
}

# Without a watchdog (-w 0) nothing ends host 1's QEMU when its daemon
# dies: in production wdmd resets the host before the others' wait ends.
# Host 2 asks for the lease alone (vm-lock run): a start would also meet
# the running QEMU's own image lock, which one kernel shares between the
# simulated hosts.
@test "host 1's daemon killed: its QEMU is ended at once by the watcher of its connection; host 2 gets the lease only after sanlock's expiry" {
	make_disk "$TEST_DIR/a.img" raw
	run -0 host 1 vm-start "$(make_domain one "$(disk_xml "$TEST_DIR/a.img" vda "" raw)")"
	pid=$(cat "$TEST_DIR/run1/domains/one/pid")
	kill -9 "$(cat "$(sanlock_dir)/daemon1.pid")"
	start=$(now_ms)
	# no watchdog here: nothing but the watcher ends it
	wait_gone "$pid"
	echo "# daemon killed to host 1's QEMU gone: $(($(now_ms) - start)) ms" >&3
	run -1 host 2 vm-lock run "$TEST_DIR/a.img" -- true
	assert_output --partial "disk '$TEST_DIR/a.img' is in use by host $(hostname) (id 1)"
	# 8 io timeouts and the 60 s that a watchdog takes to fire; the lease
	# area names host 1 all along, but status asks whether it is alive
	until out=$(host 2 vm-lock status "$TEST_DIR/a.img" 2>&1); do
		[[ $out == *exclusive* ]] || fail "host 2: $out"
		[ $(($(now_ms) - start)) -lt 100000 ] || fail "host 2 still sees the lease held 100 s after the daemon died: $out"
		sleep 1
	done
	took=$(($(now_ms) - start))
	echo "# daemon killed to host 2 seeing the lease free: $took ms" >&3
	[ "$took" -ge 60000 ] || fail "host 2 saw the lease free after $took ms, before sanlock's expiry"
	# and can take it, within the seconds that the daemon's view of host 1 may differ
	until out=$(host 2 vm-lock run "$TEST_DIR/a.img" -- true 2>&1); do
		[[ $out == *"is in use by host"* ]] || fail "host 2: $out"
		[ $(($(now_ms) - start)) -lt $((took + 10000)) ] || fail "host 2 still refused 10 s after status said free: $out"
		sleep 1
	done
	rm -f "$(sanlock_dir)/daemon1.pid"
}

# start_watched: domain one on a.qcow2 started on host 1; pid is its
# QEMU, w QEMU's watcher.
start_watched() {
	own_disk "$TEST_DIR/a.qcow2" root:root 600
	run -0 host 1 vm-start "$(make_domain one "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	pid=$(cat "$TEST_DIR/run1/domains/one/pid")
	w=$(pgrep -P "$pid" -x vm-leasewatch)
	[ -n "$w" ]
}

@test "QEMU's watcher keeps only CAP_KILL and its connection, ends with QEMU, and a watcher killed changes nothing" {
	start_watched
	# CAP_KILL (bit 5) alone, an empty bounding set, and nothing open but
	# its connection and the pidfd
	for set in CapEff:20 CapPrm:20 CapBnd:0; do
		grep -qx "${set%:*}:[[:space:]]*$(printf %016x "0x${set#*:}")" "/proc/$w/status" ||
			fail "$(grep "^${set%:*}" "/proc/$w/status")"
	done
	[ "$(ls "/proc/$w/fd" | sort -n | tr '\n' ' ')" = "0 1 2 3 4 " ]
	[ "$(readlink "/proc/$w/fd/0")" = /dev/null ]
	[[ $(readlink "/proc/$w/fd/3") == "anon_inode:[pidfd]" ]]
	[[ $(readlink "/proc/$w/fd/4") == socket:* ]]
	kill -9 "$w"
	wait_gone "$w"
	kill -0 "$pid"
	# QEMU's own copy of the connection still holds the leases
	run -1 host 2 vm-lock run "$TEST_DIR/a.qcow2" -- true
	kill -9 "$pid"
	wait_gone "$pid"
	for i in $(seq 50); do
		host 2 vm-lock run "$TEST_DIR/a.qcow2" -- true && break
		sleep 0.1
	done
	run -0 host 2 vm-lock run "$TEST_DIR/a.qcow2" -- true
	run -0 host 1 vm-stop --force one
	# the watcher ends with QEMU
	run -0 host 1 vm-start "$TEST_DIR/one.xml"
	pid=$(cat "$TEST_DIR/run1/domains/one/pid")
	w=$(pgrep -P "$pid" -x vm-leasewatch)
	[ -n "$w" ]
	kill -9 "$pid"
	wait_gone "$w"
}

# poll() of more fds than RLIMIT_NOFILE fails with EINVAL; a stop and
# continue restarts the blocked call, which checks the limit again.
@test "a watcher whose poll fails ends QEMU and exits rather than spin" {
	start_watched
	prlimit --pid "$w" --nofile=1:1
	kill -STOP "$w"
	kill -CONT "$w"
	if ! wait_gone "$pid"; then
		state=$(ps -o stat=,time= -p "$w")
		kill -9 "$w"
		fail "qemu still runs 10 s after its watcher's poll failed; watcher: $state"
	fi
	wait_gone "$w"
	run -0 host 1 vm-stop --force one
	[ "$(stat -c %u:%g:%a "$TEST_DIR/a.qcow2")" = "0:0:600" ]
	for i in $(seq 50); do
		host 2 vm-lock run "$TEST_DIR/a.qcow2" -- true && break
		sleep 0.1
	done
	run -0 host 2 vm-lock run "$TEST_DIR/a.qcow2" -- true
}
