#!/usr/bin/env bats
# QEMUs of different domains cannot reach each other: with user_range
# each domain runs under a uid (and gid) of its own, leased in the
# lockspace while its QEMU lives.

load helpers

RANGE_FIRST=200000
RANGE_LAST=265535

setup() {
	common_setup
	printf 'user_range = "%s-%s"\n' "$RANGE_FIRST" "$RANGE_LAST" >> "$VMKIT_CONF"
}
teardown() { common_teardown; }

qemu_uid() {
	stat -c %u "/proc/$(qemu_pid "$1")"
}

# status_field NAME FIELD: one field of vm-status --json NAME
status_field() {
	vm-status --json "$1" | python3 -c "import json, sys; print(json.dumps(json.load(sys.stdin)['$2']))"
}

# read_mem PID UID GID: as UID:GID with no groups, read 16 bytes of PID's
# memory through /proc/PID/mem; exits 0 when read, 1 when refused.
read_mem() {
	setpriv --reuid="$2" --regid="$3" --clear-groups -- /usr/bin/python3 - "$1" <<'PY'
import sys
pid = sys.argv[1]
try:
    with open(f'/proc/{pid}/maps') as maps:
        start = next(int(l.split('-')[0], 16) for l in maps if l.split()[1].startswith('r'))
    with open(f'/proc/{pid}/mem', 'rb') as mem:
        mem.seek(start)
        sys.exit(0 if len(mem.read(16)) == 16 else 2)
except PermissionError:
    sys.exit(1)
PY
}

@test "two domains get different uids from user_range; disks are labelled for them and given back" {
	own_disk "$TEST_DIR/a.qcow2" root:root 600
	own_disk "$TEST_DIR/b.qcow2" root:root 600
	run -0 vm-start "$(make_domain a "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	run -0 vm-start "$(make_domain b "$(disk_xml "$TEST_DIR/b.qcow2" vda)")"
	ua=$(qemu_uid a)
	ub=$(qemu_uid b)
	[ "$ua" != "$ub" ]
	for u in "$ua" "$ub"; do
		[ "$u" -ge "$RANGE_FIRST" ] && [ "$u" -le "$RANGE_LAST" ] || false
	done
	# gid = uid; the groups are the configured user's, so /dev/kvm works
	grep -q "^Gid:[[:space:]]*$ua[[:space:]]*$ua[[:space:]]*$ua[[:space:]]*$ua$" /proc/$(qemu_pid a)/status
	[ "$(grep '^Groups:' /proc/$(qemu_pid a)/status | tr -s ' \t' '\n' | tail -n +2 | sort -n | xargs)" = \
	  "$(id -G "$QEMU_USER" | tr ' ' '\n' | sort -n | xargs)" ]
	[ "$(stat -c %u:%g:%a "$TEST_DIR/a.qcow2")" = "$ua:$ua:600" ]
	[ "$(stat -c %u:%g:%a "$TEST_DIR/b.qcow2")" = "$ub:$ub:600" ]
	# the uid leases are held by QEMU, seen from another process
	run -0 vm-lock list
	assert_line "exclusive -               uid:$ua"
	assert_line "exclusive -               uid:$ub"
	run -0 status_field a uid
	assert_output "$ua"
	run -0 status_field a isolated
	assert_output "true"
	run -0 vm-status
	refute_output --partial "not isolated"
	run -0 vm-stop --force a
	run -0 vm-stop --force b
	[ "$(stat -c %u:%g:%a "$TEST_DIR/a.qcow2")" = "0:0:600" ]
	[ "$(stat -c %u:%g:%a "$TEST_DIR/b.qcow2")" = "0:0:600" ]
	[ -z "$(getfattr -d -m trusted.vmkit "$TEST_DIR/a.qcow2" 2>/dev/null)" ]
	run -0 vm-lock list
	assert_line "free      -               uid:$ua"
}

@test "a domain gets the same uid again from its UUID when it is free" {
	xml=$(make_domain again)
	sed -i "s|</name>|</name><uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid>|" "$xml"
	run -0 vm-start "$xml"
	u=$(qemu_uid again)
	run -0 vm-stop --force again
	run -0 vm-start "$xml"
	[ "$(qemu_uid again)" = "$u" ]
}

# The attack: one QEMU, compromised by its guest, reads another domain's
# guest memory through /proc/PID/mem, as both run as one uid and gid.
@test "with a shared user one QEMU's uid reads another's memory; with user_range it cannot" {
	printf 'user = "%s"\n' "$QEMU_USER" > "$VMKIT_CONF"
	run -0 vm-start "$(make_domain sa)"
	run -0 vm-start "$(make_domain sb)"
	run -0 read_mem "$(qemu_pid sb)" "$(qemu_uid sa)" "$(id -g "$QEMU_USER")"
	run -0 status_field sb isolated
	assert_output "false"
	run -0 vm-status sb
	assert_line --index 1 "vm-status: note: domain 'sb' runs as uid $(id -u "$QEMU_USER"), which other domains may share: they are not isolated from each other (see user_range in vmkit.conf(5))"
	run -0 vm-stop --force sa
	run -0 vm-stop --force sb

	printf 'user = "%s"\nuser_range = "%s-%s"\n' "$QEMU_USER" "$RANGE_FIRST" "$RANGE_LAST" > "$VMKIT_CONF"
	run -0 vm-start "$(make_domain ia)"
	run -0 vm-start "$(make_domain ib)"
	ua=$(qemu_uid ia)
	run -1 read_mem "$(qemu_pid ib)" "$ua" "$ua"
	# and the reader is not simply unable to read anything: its own QEMU's it can
	run -0 read_mem "$(qemu_pid ia)" "$ua" "$ua"
}

@test "a full user_range refuses the next start with exit 1 and changes nothing" {
	printf 'user = "%s"\nuser_range = "%s-%s"\n' "$QEMU_USER" "$RANGE_FIRST" "$RANGE_FIRST" > "$VMKIT_CONF"
	own_disk "$TEST_DIR/b.qcow2" root:root 600
	run -0 vm-start "$(make_domain one)"
	[ "$(qemu_uid one)" = "$RANGE_FIRST" ]
	run -1 vm-start "$(make_domain two "$(disk_xml "$TEST_DIR/b.qcow2" vda)")"
	assert_output "vm-start: no free uid in user_range $RANGE_FIRST-$RANGE_FIRST: each is held by a running domain (here or on a host sharing the lockspace) or names a user or group of this system"
	[ ! -e "$VMKIT_RUNDIR/domains/two/status.json" ]
	[ "$(stat -c %u:%g:%a "$TEST_DIR/b.qcow2")" = "0:0:600" ]
	[ -z "$(getfattr -d -m trusted.vmkit "$TEST_DIR/b.qcow2" 2>/dev/null)" ]
	run -0 vm-lock status "$TEST_DIR/b.qcow2"
	run -1 vm-status two
	run -0 vm-status one
}

@test "the uid lease is held by QEMU alone and freed when QEMU is SIGKILLed" {
	printf 'user = "%s"\nuser_range = "%s-%s"\n' "$QEMU_USER" "$RANGE_FIRST" "$RANGE_FIRST" > "$VMKIT_CONF"
	run -0 vm-start "$(make_domain k)"
	run -0 vm-lock list
	assert_line "exclusive -               uid:$RANGE_FIRST"
	kill_qemu k
	run -0 vm-lock list
	assert_line "free      -               uid:$RANGE_FIRST"
	run -0 vm-stop k
	run -0 vm-start "$(make_domain k2)"
	[ "$(qemu_uid k2)" = "$RANGE_FIRST" ]
}

@test "a uid of the range that names a user or group of this system is skipped" {
	# 65534 is nobody (and nogroup) on Debian
	[ "$(getent passwd 65534 | cut -d: -f1)" = nobody ]
	! getent passwd 65535 && ! getent group 65535
	printf 'user = "%s"\nuser_range = "65534-65535"\n' "$QEMU_USER" > "$VMKIT_CONF"
	for n in 1 2 3; do
		run -0 vm-start "$(make_domain skip$n)"
		[ "$(qemu_uid skip$n)" = 65535 ]
		run -0 vm-stop --force skip$n
	done
}

@test "a static <seclabel> keeps its uid:gid with user_range" {
	xml=$(static_label_domain st)
	run -0 vm-start "$xml"
	[ "$(stat -c %u:%g /proc/$(qemu_pid st))" = "4242:4343" ]
	run -0 status_field st isolated
	assert_output "false"
	run -0 vm-lock list
	refute_output --regexp " uid:[0-9]"
}

@test "user_range with lock_manager nop is refused with exit 3" {
	echo 'lock_manager = "nop"' >> "$VMKIT_CONF"
	run -3 vm-start "$(make_domain nop)"
	assert_output "vm-start: user_range needs a lock manager: with lock_manager = \"nop\" nothing keeps two domains off one uid"
	[ ! -e "$VMKIT_RUNDIR/domains/nop/status.json" ]
}

@test "a hotplugged disk is labelled for the domain's own uid" {
	own_disk "$TEST_DIR/h.qcow2" root:root 600
	xml=$(make_domain hp)
	sed -i 's|<devices>|<features><acpi/></features>\n  <devices>|' "$xml"
	run -0 vm-start "$xml"
	u=$(qemu_uid hp)
	run -0 vm-attach hp --disk "$TEST_DIR/h.qcow2" --target vdb --format qcow2
	[ "$(stat -c %u:%g:%a "$TEST_DIR/h.qcow2")" = "$u:$u:600" ]
	run -0 vm-stop --force hp
	[ "$(stat -c %u:%g:%a "$TEST_DIR/h.qcow2")" = "0:0:600" ]
}
