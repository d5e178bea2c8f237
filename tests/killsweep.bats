#!/usr/bin/env bats
# Kill sweep: SIGKILL each command at every named step (vm_hook) and
# recover with the normal commands only. Needs a build with
# --enable-test-hooks, made once here from a copy of the source tree,
# with sanitizers when the build under test has them (make check passes
# VMKIT_SAN_CFLAGS; run by hand, the build's Makefile says).
# killsweep-sanlock.bats runs its tests tagged "sanlock" with
# lock_manager = "sanlock" (sanlock_helpers.bash): the vm-start and
# vm-stop sweeps, the vm-attach sweep at the steps where its leases
# change hands, vm-attach --interface killed once QEMU holds the MAC
# lease, QEMU killed under a paused vm-attach or vm-stop, and vm-stop's
# give-back under the lease. The others
# would take too long a second time, have no lock in them, or test how
# the file driver passes leases by fd (sanlock.bats has its own).

# time-limit: 3600
load helpers
load sanlock_helpers

setup_file() {
	lock_variant_setup_file || return 1
	hooks_setup_file
}

teardown_file() { lock_variant_teardown_file; }


setup() {
	common_setup
	lock_variant_conf
	PATH="$HOOKS_BIN:$PATH"
	export VMKIT_LIBEXECDIR="$HOOKS_BIN"
	own_disk "$TEST_DIR/a.qcow2" root:root 600
	own_disk "$TEST_DIR/b.img" 4242:4242 640 raw
	own_disk "$TEST_DIR/c.qcow2" root:root 600
	own_disk "$TEST_DIR/e.iso" root:root 600 raw
	own_disk "$TEST_DIR/f.iso" root:root 600 raw
	# q35 without ACPI: native PCIe hotplug, which a guest without an OS
	# completes at once, so detach can be swept too.
	XML=$(make_domain sweep "$(disk_xml "$TEST_DIR/a.qcow2" vda)" \
		"$(disk_xml "$TEST_DIR/b.img" vdb "<readonly/>" raw)" \
		"<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='$TEST_DIR/e.iso'/><target dev='sdc' bus='scsi'/><readonly/></disk>")
	sed -i "s/machine='pc'/machine='q35'/" "$XML"
	UUID=$(cat /proc/sys/kernel/random/uuid)
	sed -i "s|</name>|</name><uuid>$UUID</uuid>|" "$XML"
}

# with_state: $XML gets what has state of its own beside the disks, for
# the start and stop sweeps (the attach sweep's hundred starts would pay
# seconds for each: OVMF keeps a TCG vCPU busy, swtpm_setup manufactures
# a TPM). UEFI firmware (libvirt's older form, which needs no ACPI): its
# NVRAM, made on first start, owned like a disk. A TPM: swtpm and its
# state, which recovery must end and remove (under sanlock swtpm's child
# takes the state's lease, as QEMU's takes the others).
with_state() {
	sed -i "s|</os>|<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader><nvram>$TEST_DIR/sweep_VARS.fd</nvram></os>|" "$XML"
	sed -i "s|</devices>|<tpm model='tpm-crb'><backend type='emulator'/></tpm></devices>|" "$XML"
}

teardown() {
	# a command left paused at a step holds the domain lock that the
	# cleanup's vm-stop would wait for
	[ -z "${PAUSED:-}" ] || kill -9 "$PAUSED" 2>/dev/null || true
	common_teardown
	[ -z "${NS:-}" ] || ip netns del "$NS" 2>/dev/null || true
	rm -rf "/var/lib/vmkit/swtpm/$UUID"
}

# Every named step in the sources.
all_steps() {
	grep -rhoE 'vm_hook\("[a-z-]+:[a-z-]+"\)' "$VMKIT_SRCDIR/lib" "$VMKIT_SRCDIR/cmd" |
		sed -E 's/vm_hook\("(.*)"\)/\1/' | sort -u
}

# The command whose run reaches STEP first, or nothing for an unknown step.
scenario_for() {
	case $1 in
	start:mac-leased | start:tap-made | start:taps-passed) echo start-net ;;
	start:* | image:resolved | label:owner-remembered | label:user-counted) echo start ;;
	stop:* | label:user-dropped | label:owner-restored) echo stop ;;
	attach:*) echo attach ;;
	esac
}

# The steps the vm-attach sweep covers: its own, and the label steps (it
# labels what it attaches or inserts and gives back what it detaches or
# ejects).
attach_sweep_step() {
	case $1 in
	attach:* | label:*) return 0 ;;
	esac
	return 1
}

# Under sanlock, the vm-attach sweep kills VARIANT at the steps where
# its leases change hands (a sweep of every step, with a start and two
# stops for each, takes four minutes there): taken for vm-attach itself,
# recorded, labelled, handed to QEMU's pid, and, going the other way,
# taken back from QEMU and given back. The steps after these change no
# lease (the file driver's sweep has them all).
sanlock_attach_steps() {
	case $1 in
	attach) echo attach:leased attach:intent attach:labelled attach:lease-passed \
		attach:blockdev-added ;;
	detach) echo attach:blockdev-deleted attach:lease-dropped attach:given-back attach:forgotten ;;
	# the old medium, QEMU's since its start, goes as at an eject
	insert) echo attach:leased attach:lease-dropped attach:given-back attach:lease-passed \
		attach:blockdev-added ;;
	esac
}

# try_kill_at STEP CMD...: runs CMD until it pauses at STEP, then SIGKILLs
# it; its output goes to $TEST_DIR/cmd.out. Returns 0 when CMD was killed at STEP and is gone, 1 when CMD ended
# without reaching STEP, 2 (with a message on stderr) when it did not stop
# or did not go away in time: callers must fail the test on 2.
try_kill_at() {
	local step=$1 stopped="$TEST_DIR/stopped" pid r=0
	shift
	rm -f "$stopped"
	VMKIT_TEST_STOP_AT=$step VMKIT_TEST_STOP_FILE=$stopped "$@" >"$TEST_DIR/cmd.out" 2>&1 3>&- &
	pid=$!
	wait_stopped "$stopped" "$pid" || r=$?
	if [ "$r" -eq 2 ]; then
		kill -9 "$pid" 2>/dev/null
		return 2
	fi
	[ "$r" -eq 0 ] || return 1
	kill -9 "$(cat "$stopped")"
	if ! wait_gone "$(cat "$stopped")"; then
		echo "'$*' still there 10 s after SIGKILL at step '$step'" >&2
		return 2
	fi
}

kill_at() {
	local r=0
	try_kill_at "$@" || r=$?
	case $r in
	0) ;;
	1) fail "'${*:2}' never reached step '$1'" ;;
	*) fail "'${*:2}' at step '$1': timed out (see above)" ;;
	esac
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
	if [ -e "$TEST_DIR/sweep_VARS.fd" ]; then
		[ "$(stat -c %u:%g:%a "$TEST_DIR/sweep_VARS.fd")" = "0:0:600" ] || fail "$step: the NVRAM is $(stat -c %u:%g:%a "$TEST_DIR/sweep_VARS.fd")"
		[ -z "$(xattrs_left "$TEST_DIR/sweep_VARS.fd")" ] || fail "$step: xattrs left on the NVRAM"
	fi
	[ ! -e "/var/lib/vmkit/swtpm/$UUID" ] || fail "$step: TPM state left behind"
	! pgrep -f "swtpm/$UUID" >/dev/null || fail "$step: swtpm left running"
	run -0 "${IN_NS[@]}" vm-start "$XML"
	run -0 vm-stop --force sweep
	[ "$(stat -c %u:%g "$TEST_DIR/a.qcow2")" = "0:0" ] || fail "$step: owner after a fresh run"
}

# leases_recorded WHAT: right after a kill, before any recovery, a lease
# that someone holds on a disk that vm-attach was attaching or inserting
# (as another process sees it; under sanlock, the other host) belongs to
# a record of the domain, which vm-attach --detach and vm-stop give back:
# no lease is held for a disk that nothing knows of (under sanlock, one
# taken for QEMU's pid before the record was written would be QEMU's
# until it exits).
leases_recorded() {
	local f out rc
	for f in c.qcow2 f.iso; do
		rc=0
		if lock_variant; then
			out=$(host 2 vm-lock status "$TEST_DIR/$f" 2>&1) || rc=$?
		else
			out=$(vm-lock status "$TEST_DIR/$f" 2>&1) || rc=$?
		fi
		case $rc in
		0) ;;
		1) grep -q "\"$TEST_DIR/$f\"" "$VMKIT_RUNDIR/domains/sweep/status.json" 2>/dev/null ||
			fail "$1: $f is held ($out) but the domain has no record of it" ;;
		*) fail "$1: vm-lock status $f exited $rc: $out" ;;
		esac
	done
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

# bats test_tags=sanlock
@test "vm-start killed at any step is recovered by vm-stop" {
	with_state
	local n=0 step
	for step in $(all_steps); do
		[ "$(scenario_for "$step")" = start ] || continue
		case $step in start:swtpm) grep -q "<tpm" "$XML" || continue ;; esac
		kill_at "$step" vm-start "$XML"
		assert_recovered "$step"
		n=$((n + 1))
	done
	echo "# vm-start: $n steps swept" >&3
}

@test "vm-start of a domain with a bridge interface killed at any step leaves no tap, lease or status" {
	with_state
	local n=0 step
	NS=vmkit-sweep-$$
	ip netns add "$NS"
	ip -n "$NS" link add br0 type bridge
	ip -n "$NS" link set br0 up
	IN_NS=(ip netns exec "$NS")
	sed -i "s|</devices>|<interface type='bridge'><source bridge='br0'/><mac address='52:54:00:5e:e9:01'/></interface></devices>|" "$XML"
	for step in $(all_steps); do
		case $(scenario_for "$step") in start | start-net) ;; *) continue ;; esac
		kill_at "$step" "${IN_NS[@]}" vm-start "$XML"
		assert_recovered "$step"
		run -0 ip -n "$NS" -o link show type tun
		[ -z "$output" ] || fail "$step: tap left behind: $output"
		n=$((n + 1))
	done
	echo "# vm-start with a tap: $n steps swept" >&3
}

# A q35 domain hp running in a network namespace of its own with br0, for
# the NIC hotplug cases (its root ports take a hotplugged NIC).
hp_setup() {
	bridge_ns vmkit-sweep
	IN_NS=(ip netns exec "$NS")
	HP=$(make_domain hp)
	sed -i "s/machine='pc'/machine='q35'/" "$HP"
	run -0 "${IN_NS[@]}" vm-start "$HP"
}

# bats test_tags=sanlock
@test "vm-attach --interface killed once QEMU holds the MAC lease: --detach-interface frees it and the record" {
	hp_setup
	kill_at attach:lease-passed "${IN_NS[@]}" vm-attach hp --interface bridge:br0 --mac 52:54:00:12:35:0d
	run -0 vm-status --json hp
	assert_output --partial '"mac":"52:54:00:12:35:0d"'
	run -0 mac_lease 52:54:00:12:35:0d
	assert_output exclusive
	# the tap died with vm-attach, before QEMU had it
	run -0 taps
	assert_output ""
	run -0 "${IN_NS[@]}" vm-attach hp --detach-interface 52:54:00:12:35:0d
	run -0 mac_lease 52:54:00:12:35:0d
	assert_output free
	run -0 vm-status --json hp
	refute_output --partial "interfaces"
}

# bats test_tags=sanlock
@test "vm-attach --interface killed once QEMU holds the MAC lease: vm-stop frees it" {
	hp_setup
	kill_at attach:lease-passed "${IN_NS[@]}" vm-attach hp --interface bridge:br0 --mac 52:54:00:12:35:0e
	run -0 vm-stop --force hp
	run -0 mac_lease 52:54:00:12:35:0e
	assert_output free
	run -0 taps
	assert_output ""
}

# bats test_tags=sanlock
@test "vm-stop killed at any step is recovered by vm-stop" {
	with_state
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

# bats test_tags=sanlock
@test "vm-attach killed at any step of attach, detach, eject or media change is recovered by vm-stop" {
	local step n=0 variant r steps
	: > "$TEST_DIR/reached"
	: > "$TEST_DIR/ended"
	for variant in attach detach insert eject; do
		if lock_variant; then
			steps=$(sanlock_attach_steps "$variant")
		else
			steps=$(all_steps)
		fi
		for step in $steps; do
			attach_sweep_step "$step" || continue
			run -0 vm-start "$XML"
			case $variant in
			attach) set -- vm-attach sweep --disk "$TEST_DIR/c.qcow2" --target vdz ;;
			detach)
				run -0 vm-attach sweep --disk "$TEST_DIR/c.qcow2" --target vdz
				set -- vm-attach sweep --detach vdz ;;
			insert) set -- vm-attach sweep --insert sdc "$TEST_DIR/f.iso" ;;
			eject) set -- vm-attach sweep --eject sdc ;;
			esac
			r=0
			try_kill_at "$step" "$@" || r=$?
			case $r in
			0)
				echo "$variant $step" >> "$TEST_DIR/reached"
				leases_recorded "$variant at $step"
				n=$((n + 1)) ;;
			1) echo "$variant $step: ended without reaching it: $(cat "$TEST_DIR/cmd.out")" >> "$TEST_DIR/ended" ;;
			*) fail "$variant at $step: timed out (see above)" ;;
			esac
			assert_recovered "$variant at $step"
		done
	done
	if lock_variant; then
		# each step of the list is reached
		for variant in attach detach insert eject; do
			for step in $(sanlock_attach_steps "$variant"); do
				grep -qx "$variant $step" "$TEST_DIR/reached" ||
					fail "vm-attach $variant never reaches step '$step': $(cat "$TEST_DIR/ended")"
			done
		done
	else
		for step in $(all_steps); do
			attach_sweep_step "$step" || continue
			grep -q " $step\$" "$TEST_DIR/reached" || fail "no vm-attach run reaches step '$step': $(cat "$TEST_DIR/ended")"
		done
		# eject gives back the medium in its own code (eject_locked)
		for step in attach:locked attach:medium-removed attach:blockdev-deleted \
			attach:lease-dropped attach:given-back attach:forgotten \
			label:user-dropped label:owner-restored; do
			grep -qx "eject $step" "$TEST_DIR/reached" ||
				fail "vm-attach --eject never reaches step '$step': $(cat "$TEST_DIR/ended")"
		done
	fi
	for variant in attach detach insert eject; do
		echo "# vm-attach $variant: $(grep -c "^$variant " "$TEST_DIR/reached") kills:" \
			"$(grep "^$variant " "$TEST_DIR/reached" | cut -d' ' -f2 | tr '\n' ' ')" >&3
	done
	echo "# vm-attach: $n kills at $(cut -d' ' -f2 "$TEST_DIR/reached" | sort -u | wc -l) distinct steps" >&3
}

# still_held DISK WHAT: another process (under sanlock, the other host)
# finds DISK's lease held.
still_held() {
	local out rc=0
	if lock_variant; then
		out=$(host 2 vm-lock status "$1" 2>&1) || rc=$?
	else
		out=$(vm-lock status "$1" 2>&1) || rc=$?
	fi
	[ "$rc" -eq 1 ] || fail "$2: the lease of $1 is not held (vm-lock status exited $rc): $out"
}

# QEMU dies while the command is paused at STEP; with HELD_WHILE_PAUSED,
# the lease of that disk must still be held once QEMU is gone (vm-attach
# has not handed it over yet, and gives the disk back under it). the command then runs on
# and must end with one of its exit codes (0-4), without a sanitizer report.
qemu_dies_at() {
	local step=$1 stopped="$TEST_DIR/stopped" pid qemu r=0 rc=0
	shift
	rm -f "$stopped"
	qemu=$(qemu_pid sweep)
	VMKIT_TEST_STOP_AT=$step VMKIT_TEST_STOP_FILE=$stopped "$@" >"$TEST_DIR/cmd.out" 2>&1 3>&- &
	pid=$!
	# a failure below leaves it paused: teardown ends it
	PAUSED=$pid
	wait_stopped "$stopped" "$pid" || r=$?
	if [ "$r" -ne 0 ]; then
		kill -9 "$pid" 2>/dev/null || true
		fail "'$*' never stopped at step '$step' ($r): $(cat "$TEST_DIR/cmd.out")"
	fi
	kill -9 "$qemu"
	wait_gone "$qemu" || fail "$step: QEMU $qemu still there 10 s after SIGKILL"
	[ -z "${HELD_WHILE_PAUSED:-}" ] || still_held "$HELD_WHILE_PAUSED" "$step"
	kill -CONT "$(cat "$stopped")"
	if ! wait_gone "$pid"; then
		kill -9 "$pid"
		fail "$step: '$*' still running 10 s after QEMU vanished: $(cat "$TEST_DIR/cmd.out")"
	fi
	wait "$pid" || rc=$?
	[ "$rc" -le 4 ] || fail "$step: '$*' exited $rc after QEMU vanished: $(cat "$TEST_DIR/cmd.out")"
	! grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$TEST_DIR/cmd.out" ||
		fail "$step: sanitizer report from '$*': $(cat "$TEST_DIR/cmd.out")"
}

# bats test_tags=sanlock
@test "QEMU killed during vm-attach or vm-stop is recovered by vm-stop" {
	local step n=0
	for step in attach:leased attach:labelled attach:lease-passed attach:blockdev-added; do
		run -0 vm-start "$XML"
		HELD_WHILE_PAUSED=
		case $step in attach:leased | attach:labelled) HELD_WHILE_PAUSED=$TEST_DIR/c.qcow2 ;; esac
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

@test "a start whose QEMU dies keeps every lease until it has given the disks back" {
	pause_at start:spawned vm-start "$XML"
	kill_qemu sweep
	# QEMU is gone but vm-start's own copies still hold the leases
	run -1 vm-lock run "$TEST_DIR/a.qcow2" -- true
	assert_output --partial "vm-lock: disk '$TEST_DIR/a.qcow2' is in use by"
	run -1 vm-lock run "$TEST_DIR/b.img" -- true
	resume_paused 4
	grep -qx "vm-start: qemu was killed by signal 9 during start-up" "$TEST_DIR/cmd.out" || fail "$(cat "$TEST_DIR/cmd.out")"
	[ "$(stat -c %u:%g:%a "$TEST_DIR/a.qcow2")" = "0:0:600" ]
	[ "$(stat -c %u:%g:%a "$TEST_DIR/b.img")" = "4242:4242:640" ]
	[ -z "$(xattrs_left "$TEST_DIR/a.qcow2")$(xattrs_left "$TEST_DIR/b.img")" ]
	run -0 vm-lock status "$TEST_DIR/a.qcow2"
	run -1 vm-status sweep
}

@test "an attach whose QEMU dies after the hand-over keeps the disk's lease until vm-attach ends" {
	run -0 vm-start "$XML"
	pause_at attach:lease-passed vm-attach sweep --disk "$TEST_DIR/c.qcow2" --target vdz
	kill_qemu sweep
	run -1 vm-lock run "$TEST_DIR/c.qcow2" -- true
	resume_paused 4
	run -0 vm-stop sweep
	[ "$(stat -c %u:%g:%a "$TEST_DIR/c.qcow2")" = "0:0:600" ]
	[ -z "$(xattrs_left "$TEST_DIR/c.qcow2")" ]
}

# given_back_under_lease DISK CMD...: CMD, paused where QEMU has let go
# of DISK, still holds its lease; it then gives DISK back to root.
given_back_under_lease() {
	local disk=$1
	shift
	pause_at attach:lease-dropped "$@"
	run -1 vm-lock run "$disk" -- true
	resume_paused 0
	[ "$(stat -c %u:%g:%a "$disk")" = "0:0:600" ]
	[ -z "$(xattrs_left "$disk")" ]
	run -0 vm-lock status "$disk"
}

@test "a detach keeps the disk's lease from QEMU's hands to the give-back" {
	run -0 vm-start "$XML"
	run -0 vm-attach sweep --disk "$TEST_DIR/c.qcow2" --target vdz
	given_back_under_lease "$TEST_DIR/c.qcow2" vm-attach sweep --detach vdz
	# a medium QEMU got at start: its lease came by inheritance, and QEMU
	# keeps that fd, but not the lease
	given_back_under_lease "$TEST_DIR/e.iso" vm-attach sweep --eject sdc
	run -0 vm-stop --force sweep
}

# bats test_tags=sanlock
@test "while vm-stop restores an owner (label:user-dropped) it holds the disk's content lease" {
	# one disk, so that vm-stop pauses at this step once
	run -0 vm-start "$(make_domain one "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	pause_at label:user-dropped vm-stop --force one
	# QEMU is gone and vm-stop is about to chown a.qcow2 back to root
	[ "$(stat -c %U "$TEST_DIR/a.qcow2")" = "$QEMU_USER" ]
	run -1 vm-lock status "$TEST_DIR/a.qcow2"
	assert_line --regexp "^exclusive .*$TEST_DIR/a.qcow2\$"
	run -1 vm-start "$(make_domain other "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	assert_output --partial "disk '$TEST_DIR/a.qcow2' is in use by"
	[ ! -e "$VMKIT_RUNDIR/domains/other/status.json" ]
	[ "$(stat -c %U "$TEST_DIR/a.qcow2")" = "$QEMU_USER" ]
	resume_paused 0
	[ "$(stat -c %u:%g:%a "$TEST_DIR/a.qcow2")" = "0:0:600" ]
	[ -z "$(xattrs_left "$TEST_DIR/a.qcow2")" ]
	run -0 vm-lock status "$TEST_DIR/a.qcow2"
}

@test "a path component swapped for a symlink after vm-start opened the disk changes nothing but the user's own file" {
	victim_setup
	xml=$(make_domain sw "$(disk_xml "$TEST_DIR/u/d/disk.qcow2" vda)")
	pause_at start:leased vm-start "$xml"
	exchange "$TEST_DIR/u/d" "$TEST_DIR/u/x"
	resume_paused 0
	secret_untouched
	# QEMU has the user's file, wherever its name went
	run -0 images sw
	assert_output "$TEST_DIR/u/x/disk.qcow2"
	[ "$(stat -c %U "$TEST_DIR/u/x/disk.qcow2")" = "$QEMU_USER" ]
	# vm-stop goes by the path, which leads elsewhere now: it touches nothing
	run -0 vm-stop --force sw
	assert_output "vm-stop: warning: refusing disk '$TEST_DIR/u/d/disk.qcow2': a component of its path is a symlink now; leaving its owner as it is"
	secret_untouched
	# and when the path leads to another file without a symlink, neither
	exchange "$TEST_DIR/u/d" "$TEST_DIR/u/x"
	run -0 vm-start "$xml"
	mv "$TEST_DIR/u/d/disk.qcow2" "$TEST_DIR/u/d/old.qcow2"
	own_disk "$TEST_DIR/u/d/disk.qcow2" root:root 600
	run -0 vm-stop --force sw
	assert_output "vm-stop: warning: '$TEST_DIR/u/d/disk.qcow2' is no longer the file that was labelled; leaving its owner as it is"
	[ "$(stat -c %u:%g:%a "$TEST_DIR/u/d/disk.qcow2")" = 0:0:600 ]
}

@test "a path component swapped for a symlink before vm-start opens the disk is refused with exit 1, nothing changed" {
	victim_setup
	xml=$(make_domain sw "$(disk_xml "$TEST_DIR/u/d/disk.qcow2" vda)")
	pause_at image:resolved vm-start "$xml"
	exchange "$TEST_DIR/u/d" "$TEST_DIR/u/x"
	resume_paused 1
	[ "$(cat "$TEST_DIR/cmd.out")" = "vm-start: refusing disk '$TEST_DIR/u/d/disk.qcow2': a component of its path is a symlink now" ]
	secret_untouched
	[ "$(stat -c %u:%g:%a "$TEST_DIR/u/x/disk.qcow2")" = 4242:4242:600 ]
	[ ! -e "$VMKIT_RUNDIR/domains/sw/status.json" ]
	run -0 vm-lock status "$TEST_DIR/u/x/disk.qcow2"
}

