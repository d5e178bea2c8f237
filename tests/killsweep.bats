#!/usr/bin/env bats
# Kill sweep: SIGKILL each command at every named step (vm_hook) and
# recover with the normal commands only. Needs a build with
# --enable-test-hooks, made once here from a copy of the source tree.

load helpers

setup_file() {
	local src="$BATS_FILE_TMPDIR/src"
	mkdir -p "$src"
	cp -a "$VMKIT_SRCDIR/." "$src/"
	cd "$src"
	make distclean >/dev/null 2>&1 || true
	[ -x configure ] || ./autogen.sh >/dev/null 2>&1
	./configure -q --enable-test-hooks >/dev/null
	make -s -j2 vm-start vm-stop vm-status vm-lock $(grep -q '^vm_attach_SOURCES' Makefile.am && echo vm-attach) >/dev/null
	export HOOKS_BIN="$src"
}

setup() {
	common_setup
	PATH="$HOOKS_BIN:$PATH"
	make_disk "$TEST_DIR/a.qcow2"
	chown root:root "$TEST_DIR/a.qcow2"
	chmod 600 "$TEST_DIR/a.qcow2"
	make_disk "$TEST_DIR/b.img" raw
	chown 4242:4242 "$TEST_DIR/b.img"
	chmod 640 "$TEST_DIR/b.img"
	XML=$(make_domain sweep "$(disk_xml "$TEST_DIR/a.qcow2" vda)" \
		"$(disk_xml "$TEST_DIR/b.img" vdb "<readonly/>" raw)")
}

teardown() { common_teardown; }

# Every named step in the sources.
all_steps() {
	grep -rhoE 'vm_hook\("[a-z-]+:[a-z-]+"\)' "$VMKIT_SRCDIR/libcommon" "$VMKIT_SRCDIR/cmd" |
		sed -E 's/vm_hook\("(.*)"\)/\1/' | sort -u
}

# The command whose run reaches STEP first, or nothing for an unknown step.
scenario_for() {
	case $1 in
	start:* | label:owner-remembered | label:user-counted) echo start ;;
	stop:* | label:user-dropped | label:owner-restored) echo stop ;;
	esac
}

# kill_at STEP CMD...: runs CMD until it pauses at STEP, then SIGKILLs it.
kill_at() {
	local step=$1 stopped="$TEST_DIR/stopped" i pid
	shift
	rm -f "$stopped"
	VMKIT_TEST_STOP_AT=$step VMKIT_TEST_STOP_FILE=$stopped "$@" >/dev/null 2>&1 &
	for i in $(seq 600); do
		[ -s "$stopped" ] && break
		sleep 0.05
	done
	[ -s "$stopped" ] || fail "'$*' never reached step '$step'"
	pid=$(cat "$stopped")
	kill -9 "$pid"
	wait_gone "$pid"
}

# Recovery with vm-stop alone, then the guarantees.
assert_recovered() {
	local step=$1
	run vm-stop --force sweep
	[ "$status" -le 1 ] || fail "$step: vm-stop exited $status: $output"
	run -1 vm-status sweep
	[ ! -e "$VMKIT_RUNDIR/domains/sweep/status.xml" ] || fail "$step: status.xml left behind"
	run -0 vm-lock list --json
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); held=[l for l in d["leases"] if l["state"]!="free"]; assert not held, held' "$output" ||
		fail "$step: leases held after recovery"
	[ "$(stat -c %u:%g:%a "$TEST_DIR/a.qcow2")" = "0:0:600" ] || fail "$step: a.qcow2 is $(stat -c %u:%g:%a "$TEST_DIR/a.qcow2")"
	[ "$(stat -c %u:%g:%a "$TEST_DIR/b.img")" = "4242:4242:640" ] || fail "$step: b.img is $(stat -c %u:%g:%a "$TEST_DIR/b.img")"
	[ -z "$(xattrs_left "$TEST_DIR/a.qcow2")$(xattrs_left "$TEST_DIR/b.img")" ] || fail "$step: xattrs left"
	run -0 vm-start "$XML"
	run -0 vm-stop --force sweep
	[ "$(stat -c %u:%g "$TEST_DIR/a.qcow2")" = "0:0" ] || fail "$step: owner after a fresh run"
}

@test "every named step has a kill-sweep case" {
	local n=0 step
	for step in $(all_steps); do
		[ -n "$(scenario_for "$step")" ] || fail "step '$step' has no kill-sweep case"
		n=$((n + 1))
	done
	[ "$n" -ge 10 ]
	echo "# $n named steps" >&3
}

@test "vm-start killed at any step is recovered by vm-stop" {
	local n=0 step
	for step in $(all_steps); do
		[ "$(scenario_for "$step")" = start ] || continue
		kill_at "$step" vm-start "$XML"
		assert_recovered "$step"
		n=$((n + 1))
	done
	echo "# vm-start: $n steps swept" >&3
}

@test "vm-stop killed at any step is recovered by vm-stop" {
	local n=0 step
	for step in $(all_steps); do
		[ "$(scenario_for "$step")" = stop ] || continue
		run -0 vm-start "$XML"
		kill_at "$step" vm-stop --force sweep
		assert_recovered "$step"
		n=$((n + 1))
	done
	echo "# vm-stop: $n steps swept" >&3
}
