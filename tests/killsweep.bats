#!/usr/bin/env bats
# Kill sweep: SIGKILL each command at every named step (vm_hook) and
# recover with the normal commands only. Needs a build with
# --enable-test-hooks, made once here from a copy of the source tree,
# with sanitizers when the build under test has them (make check passes
# VMKIT_SAN_CFLAGS; run by hand, the build's Makefile says).

load helpers

setup_file() {
	local src="$BATS_FILE_TMPDIR/src" san=${VMKIT_SAN_CFLAGS-}
	if [ -z "${VMKIT_SAN_CFLAGS+set}" ] && [ -f "$VMKIT_BUILDDIR/Makefile" ]; then
		san=$(sed -n 's/^SAN_CFLAGS = //p' "$VMKIT_BUILDDIR/Makefile")
	fi
	mkdir -p "$src"
	cp -a "$VMKIT_SRCDIR/." "$src/"
	chmod -R u+w "$src"	# make distcheck hands us a read-only tree
	cd "$src"
	make distclean >/dev/null 2>&1 || true
	[ -x configure ] || ./autogen.sh >/dev/null 2>&1
	./configure -q --enable-test-hooks ${san:+--enable-sanitizers} >/dev/null
	make -s -j2 vm-start vm-stop vm-status vm-lock vm-attach vm-attach-xml >/dev/null
	if [ -n "$san" ]; then
		grep -q '^SAN_CFLAGS = .*-fsanitize=address' Makefile
		nm vm-start | grep -q __asan_init
	fi
	export HOOKS_BIN="$src" HOOKS_SAN="$san"
}

setup() {
	common_setup
	PATH="$HOOKS_BIN:$PATH"
	export VMKIT_LIBEXECDIR="$HOOKS_BIN"
	make_disk "$TEST_DIR/a.qcow2"
	chown root:root "$TEST_DIR/a.qcow2"
	chmod 600 "$TEST_DIR/a.qcow2"
	make_disk "$TEST_DIR/b.img" raw
	chown 4242:4242 "$TEST_DIR/b.img"
	chmod 640 "$TEST_DIR/b.img"
	for f in c.qcow2 e.iso f.iso; do
		make_disk "$TEST_DIR/$f" "$([ "$f" = c.qcow2 ] && echo qcow2 || echo raw)"
		chown root:root "$TEST_DIR/$f"
		chmod 600 "$TEST_DIR/$f"
	done
	# q35 without ACPI: native PCIe hotplug, which a guest without an OS
	# completes at once, so detach can be swept too.
	XML=$(make_domain sweep "$(disk_xml "$TEST_DIR/a.qcow2" vda)" \
		"$(disk_xml "$TEST_DIR/b.img" vdb "<readonly/>" raw)" \
		"<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='$TEST_DIR/e.iso'/><target dev='sdc' bus='scsi'/><readonly/></disk>")
	sed -i "s/machine='pc'/machine='q35'/" "$XML"
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
	attach:*) echo attach ;;
	esac
}

# try_kill_at STEP CMD...: runs CMD until it pauses at STEP, then SIGKILLs
# it. Returns 1 when CMD ended without reaching STEP.
try_kill_at() {
	local step=$1 stopped="$TEST_DIR/stopped" pid
	shift
	rm -f "$stopped"
	VMKIT_TEST_STOP_AT=$step VMKIT_TEST_STOP_FILE=$stopped "$@" >/dev/null 2>&1 3>&- &
	pid=$!
	while [ ! -s "$stopped" ] && kill -0 "$pid" 2>/dev/null; do
		sleep 0.02
	done
	# The file is written just before the command stops itself.
	sleep 0.05
	[ -s "$stopped" ] || return 1
	kill -9 "$(cat "$stopped")"
	wait_gone "$(cat "$stopped")"
}

kill_at() {
	try_kill_at "$@" || fail "'${*:2}' never reached step '$1'"
}

# Recovery with vm-stop alone, then the guarantees.
assert_recovered() {
	local step=$1
	run vm-stop --force sweep
	[ "$status" -le 1 ] || fail "$step: vm-stop exited $status: $output"
	run -1 vm-status sweep
	[ ! -e "$VMKIT_RUNDIR/domains/sweep/status.json" ] || fail "$step: status.json left behind"
	run -0 vm-lock list --json
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); held=[l for l in d["leases"] if l["state"]!="free"]; assert not held, held' "$output" ||
		fail "$step: leases held after recovery"
	[ "$(stat -c %u:%g:%a "$TEST_DIR/a.qcow2")" = "0:0:600" ] || fail "$step: a.qcow2 is $(stat -c %u:%g:%a "$TEST_DIR/a.qcow2")"
	[ "$(stat -c %u:%g:%a "$TEST_DIR/b.img")" = "4242:4242:640" ] || fail "$step: b.img is $(stat -c %u:%g:%a "$TEST_DIR/b.img")"
	for f in c.qcow2 e.iso f.iso; do
		[ "$(stat -c %u:%g:%a "$TEST_DIR/$f")" = "0:0:600" ] || fail "$step: $f is $(stat -c %u:%g:%a "$TEST_DIR/$f")"
	done
	for f in a.qcow2 b.img c.qcow2 e.iso f.iso; do
		[ -z "$(xattrs_left "$TEST_DIR/$f")" ] || fail "$step: xattrs left on $f"
	done
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
	echo "# $n named steps${HOOKS_SAN:+ (commands built with sanitizers)}" >&3
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

@test "vm-attach killed at any step of attach, detach or media change is recovered by vm-stop" {
	local step n=0 variant
	: > "$TEST_DIR/reached"
	for variant in attach detach insert; do
		for step in $(all_steps); do
			[ "$(scenario_for "$step")" = attach ] || continue
			run -0 vm-start "$XML"
			case $variant in
			attach) set -- vm-attach sweep --disk "$TEST_DIR/c.qcow2" --target vdz ;;
			detach)
				run -0 vm-attach sweep --disk "$TEST_DIR/c.qcow2" --target vdz
				set -- vm-attach sweep --detach vdz ;;
			insert) set -- vm-attach sweep --insert sdc "$TEST_DIR/f.iso" ;;
			esac
			if try_kill_at "$step" "$@"; then
				echo "$step" >> "$TEST_DIR/reached"
				n=$((n + 1))
			fi
			assert_recovered "$variant at $step"
		done
	done
	for step in $(all_steps); do
		[ "$(scenario_for "$step")" = attach ] || continue
		grep -qx "$step" "$TEST_DIR/reached" || fail "no vm-attach run reaches step '$step'"
	done
	echo "# vm-attach: $n kills at $(sort -u "$TEST_DIR/reached" | wc -l) distinct steps" >&3
}

# QEMU dies while the command is paused at STEP; the command then runs on.
qemu_dies_at() {
	local step=$1 stopped="$TEST_DIR/stopped" pid qemu
	shift
	rm -f "$stopped"
	qemu=$(qemu_pid sweep)
	VMKIT_TEST_STOP_AT=$step VMKIT_TEST_STOP_FILE=$stopped "$@" >"$TEST_DIR/cmd.out" 2>&1 3>&- &
	pid=$!
	while [ ! -s "$stopped" ] && kill -0 "$pid" 2>/dev/null; do
		sleep 0.02
	done
	[ -s "$stopped" ] || fail "'$*' never reached step '$step'"
	sleep 0.05
	kill -9 "$qemu"
	wait_gone "$qemu"
	kill -CONT "$(cat "$stopped")"
	wait "$pid" || true
}

@test "QEMU killed during vm-attach or vm-stop is recovered by vm-stop" {
	local step n=0
	for step in attach:leased attach:labelled attach:lease-passed attach:blockdev-added; do
		run -0 vm-start "$XML"
		qemu_dies_at "$step" vm-attach sweep --disk "$TEST_DIR/c.qcow2" --target vdz
		assert_recovered "qemu killed at $step"
		n=$((n + 1))
	done
	for step in stop:locked; do
		run -0 vm-start "$XML"
		qemu_dies_at "$step" vm-stop sweep
		assert_recovered "qemu killed at $step"
		n=$((n + 1))
	done
	echo "# QEMU killed under $n paused commands" >&3
}
