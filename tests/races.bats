#!/usr/bin/env bats
# Races: many commands at once on one disk or one domain, with lease
# garbage collection running all the while. races-sanlock.bats runs it
# with lock_manager = "sanlock" (sanlock_helpers.bash).

load helpers
load sanlock_helpers

setup_file() { lock_variant_setup_file; }
teardown_file() { lock_variant_teardown_file; }

setup() {
	common_setup
	lock_variant_conf
	gc_loop_pid=
}

teardown() {
	[ -n "$gc_loop_pid" ] && kill "$gc_loop_pid" 2>/dev/null
	common_teardown
}

# Only ever wait for explicit pids: a bare "wait" would wait for this loop.
start_gc_loop() {
	(while :; do vm-lock gc >/dev/null 2>&1 || true; done) 3>&- &
	gc_loop_pid=$!
}

# bats test_tags=sanlock
@test "50 concurrent starts on one read-write disk, 20 rounds (3 with sanlock): exactly one writer each round" {
	local rounds=20
	# each round takes some 15 s with sanlock on 2 cores: 3 of them
	! lock_variant || rounds=3
	make_disk "$TEST_DIR/a.qcow2"
	for i in $(seq 50); do
		make_domain "w$i" "$(disk_xml "$TEST_DIR/a.qcow2" vda)" >/dev/null
	done
	start_gc_loop
	for round in $(seq "$rounds"); do
		rm -f "$TEST_DIR"/rc.* "$TEST_DIR"/out.*
		pids=()
		for i in $(seq 50); do
			(rc=0; vm-start "$TEST_DIR/w$i.xml" >"$TEST_DIR/out.$i" 2>&1 || rc=$?; echo $rc >"$TEST_DIR/rc.$i") &
			pids+=($!)
		done
		wait "${pids[@]}"
		winners=$(grep -l '^0$' "$TEST_DIR"/rc.* | wc -l)
		losers=$(grep -l '^1$' "$TEST_DIR"/rc.* | wc -l)
		[ "$winners" = 1 ] && [ "$losers" = 49 ] || fail "round $round: $winners started, $losers refused$(
			for f in "$TEST_DIR"/rc.*; do
				grep -qx '[01]' "$f" || printf '\n%s' "exit $(cat "$f"): $(cat "${f/rc./out.}")"
			done)"
		[ "$(ls "$VMKIT_RUNDIR"/domains/*/status.json | wc -l)" = 1 ] || fail "round $round: state left"
		name=$(basename "$(dirname "$(ls "$VMKIT_RUNDIR"/domains/*/status.json)")")
		run -0 vm-stop --force "$name"
	done
	echo "# $rounds rounds of 50 starts: one writer each" >&3
	run -0 vm-lock status "$TEST_DIR/a.qcow2"
	[ "$(stat -c %u:%g "$TEST_DIR/a.qcow2")" = "$(id -u $QEMU_USER):$(id -g $QEMU_USER)" ]
	[ -z "$(xattrs_left "$TEST_DIR/a.qcow2")" ]
}

# bats test_tags=sanlock
@test "10 concurrent vm-stop of one domain: one stops it, the rest exit 1 cleanly" {
	make_disk "$TEST_DIR/a.qcow2"
	chown root:root "$TEST_DIR/a.qcow2"
	start_gc_loop
	run -0 vm-start "$(make_domain s "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	pids=()
	for i in $(seq 10); do
		(rc=0; vm-stop --force s >"$TEST_DIR/out.$i" 2>&1 || rc=$?; echo $rc >"$TEST_DIR/rc.$i") &
		pids+=($!)
	done
	wait "${pids[@]}"
	[ "$(grep -l '^0$' "$TEST_DIR"/rc.* | wc -l)" = 1 ]
	[ "$(grep -l '^1$' "$TEST_DIR"/rc.* | wc -l)" = 9 ]
	[ "$(grep -l "domain 's' is not running" "$TEST_DIR"/out.* | wc -l)" = 9 ]
	[ "$(stat -c %u:%g "$TEST_DIR/a.qcow2")" = "0:0" ]
	run -0 vm-lock status "$TEST_DIR/a.qcow2"
}
