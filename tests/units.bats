#!/usr/bin/env bats
# The systemd units: valid for systemd, and their command lines, run as
# written, start and stop domains and clean up after a QEMU that died.

load helpers

setup() {
	common_setup
	echo 'shutdown_timeout = 1' >> "$VMKIT_CONF"
	mkdir "$TEST_DIR/domains"
}
teardown() { common_teardown; }

UNITS="$VMKIT_SRCDIR/contrib/systemd"

# unit_lines KEY UNIT NAME: the KEY= lines of UNIT as make and systemd
# would fill them in for instance NAME, with the commands from the build
# tree and the run directory of the test. A leading "-" stays.
unit_lines() {
	sed -e "s|@bindir@|$VMKIT_BUILDDIR|g" "$UNITS/$2.in" | sed -n "s/^$1=[@+!:]*//p" |
		sed -e "s|%i|$3|g" -e "s|/run/vmkit|$VMKIT_RUNDIR|g"
}

# run_unit_lines KEY UNIT NAME: runs each line as systemd would: one that
# fails stops the rest unless it starts with "-".
run_unit_lines() {
	local line n=0
	while IFS= read -r line; do
		n=$((n + 1))
		if [[ $line == -* ]]; then
			eval "${line#-}" || true
		else
			eval "$line" || return
		fi
	done < <(unit_lines "$@")
	((n > 0))
}

@test "systemd-analyze verify accepts the units" {
	local sa=${SYSTEMD_ANALYZE:-$(command -v systemd-analyze || true)}
	[ -n "$sa" ] || skip "systemd-analyze is not installed"
	for u in vmkit@.service vmkit-guests.service; do
		sed "s|@bindir@|$VMKIT_BUILDDIR|g" "$UNITS/$u.in" > "$TEST_DIR/$u"
	done
	# --man=no: the man pages are not installed in a build tree.
	run -0 "$sa" verify --man=no "$TEST_DIR/vmkit@.service" "$TEST_DIR/vmkit-guests.service"
	assert_output ""
}

@test "vmkit@.service: ExecStart starts the domain and PIDFile names its QEMU; ExecStop stops it and gives its disk back" {
	own_disk "$TEST_DIR/a.qcow2" root:root 600
	mv "$(make_domain web "$(disk_xml "$TEST_DIR/a.qcow2" vda)")" "$TEST_DIR/domains/web.xml"
	run -0 run_unit_lines ExecStart vmkit@.service web
	run -0 vm-status web
	pidfile=$(unit_lines PIDFile vmkit@.service web)
	[ "$pidfile" = "$VMKIT_RUNDIR/domains/web/pid" ]
	pid=$(cat "$pidfile")
	[ "$(readlink /proc/$pid/exe)" = "$(readlink -f "$(command -v qemu-system-x86_64)")" ]
	run -1 vm-lock status "$TEST_DIR/a.qcow2"
	# The firmware guest ignores ACPI: shutdown_timeout, then forced off.
	run -0 run_unit_lines ExecStop vmkit@.service web
	assert_output --partial "domain 'web' did not power down within 1 s"
	wait_gone "$pid"
	run -1 vm-status web
	run -0 vm-lock status "$TEST_DIR/a.qcow2"
	[ "$(stat -c %u:%g:%a "$TEST_DIR/a.qcow2")" = "0:0:600" ]
	# After a clean stop ExecStopPost finds nothing to do, and says so.
	run -0 run_unit_lines ExecStopPost vmkit@.service web
	assert_output --partial "domain 'web' is not running"
	run -1 vm-status web
}

@test "vmkit@.service: after QEMU died on its own, ExecStop cleans up and succeeds" {
	own_disk "$TEST_DIR/a.qcow2" root:root 600
	mv "$(make_domain web "$(disk_xml "$TEST_DIR/a.qcow2" vda)")" "$TEST_DIR/domains/web.xml"
	run -0 run_unit_lines ExecStart vmkit@.service web
	kill_qemu web
	run -1 vm-status web
	assert_output --partial "crashed"
	run -0 run_unit_lines ExecStop vmkit@.service web
	assert_output --partial "domain 'web' was not running"
	run -0 vm-lock status "$TEST_DIR/a.qcow2"
	[ "$(stat -c %u:%g:%a "$TEST_DIR/a.qcow2")" = "0:0:600" ]
	[ ! -e "$VMKIT_RUNDIR/domains/web/status.json" ]
}

@test "vmkit-guests.service: ExecStart starts the marked domains, ExecStop stops every domain" {
	mkdir "$TEST_DIR/autostart"
	mv "$(make_domain boot)" "$TEST_DIR/domains/boot.xml"
	ln -s ../domains/boot.xml "$TEST_DIR/autostart/boot.xml"
	run -0 run_unit_lines ExecStart vmkit-guests.service x
	run -0 vm-status boot
	run -0 vm-start "$(make_domain byhand)"
	run -0 run_unit_lines ExecStop vmkit-guests.service x
	run -1 vm-status boot
	run -1 vm-status byhand
	run -0 vm-status
	assert_output ""
}
