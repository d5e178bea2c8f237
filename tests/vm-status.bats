#!/usr/bin/env bats
# vm-status: what runs, for people and for scripts.

load helpers

setup() { common_setup; }
teardown() { common_teardown; }

@test "vm-status --help prints usage and exits 0" {
	run -0 vm-status --help
	assert_line --index 0 --partial "Usage: vm-status"
}

@test "vm-status with nothing running prints nothing and exits 0" {
	run -0 vm-status
	assert_output ""
	run -0 vm-status --json
	assert_output "[]"
}

@test "vm-status NAME of an unknown domain exits 1" {
	run -1 vm-status ghost
	assert_output --partial "domain 'ghost' is not running"
}

@test "vm-status lists each domain with state, pid and uuid" {
	run -0 vm-start "$(make_domain one)"
	run -0 vm-start --paused "$(make_domain two)"
	run -0 vm-status
	assert_line --index 0 --regexp "^one +running +$(qemu_pid one) +[0-9a-f-]{36}$"
	assert_line --index 1 --regexp "^two +paused +$(qemu_pid two) +[0-9a-f-]{36}$"
}

@test "vm-status --json is an array of objects with name, state, pid, uuid, uid and isolated" {
	xml=$(make_domain js)
	sed -i "s|<name>js</name>|<name>js</name><uuid>6a1e4a52-7a0e-4c8e-9b3c-0f2c6d3c1a11</uuid>|" "$xml"
	run -0 vm-start "$xml"
	run -0 vm-status --json
	python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d == [{"name": "js", "state": "running", "pid": int(sys.argv[2]),
              "uuid": "6a1e4a52-7a0e-4c8e-9b3c-0f2c6d3c1a11", "uid": int(sys.argv[3]),
              "isolated": False}], d
' "$output" "$(qemu_pid js)" "$(id -u "$QEMU_USER")"
	run -0 vm-status --json js
	python3 -c 'import json,sys; assert json.loads(sys.argv[1])["state"] == "running"' "$output"
}

@test "vm-status reports a killed QEMU as crashed and exits 1" {
	run -0 vm-start "$(make_domain dead)"
	kill_qemu dead
	run -1 vm-status dead
	assert_line --regexp "^dead +crashed +- "
	run -0 vm-status --json
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d[0]["state"]=="crashed" and d[0]["pid"] is None and d[0]["uid"] is None, d' "$output"
}

@test "vm-status does not trust a pid file that names another process" {
	run -0 vm-start "$(make_domain pidf)"
	pid=$(qemu_pid pidf)
	echo 1 > "$VMKIT_RUNDIR/domains/pidf/pid"
	run -0 vm-status pidf
	# not pid 1: the process that holds the liveness lock
	assert_output --regexp "^pidf +running +$pid "
}

# guest_poweroff NAME: what a guest's ACPI power-off does: S5 into the
# PIIX4 PM1a control register (SeaBIOS maps it at 0x600; the monitor's
# port write goes where the guest's would). Retried until the firmware
# has mapped it.
guest_poweroff() {
	local i
	for i in $(seq 50); do
		qmp "$1" human-monitor-command '{"command-line": "o /w 0x604 0x2000"}' >/dev/null 2>&1 || return 0
		sleep 0.2
		[ -n "$(qmp "$1" query-status 2>/dev/null | grep -e '"shutdown"')" ] && return 0
	done
	return 1
}

acpi_domain() {
	xml=$(make_domain "$1")
	sed -i "s|<devices>|<features><acpi/></features>\n  ${2:-}\n  <devices>|" "$xml"
	echo "$xml"
}

@test "a guest that powered off shows as shutoff, not crashed, and vm-stop cleans it up" {
	run -0 vm-start "$(acpi_domain off)"
	pid=$(qemu_pid off)
	guest_poweroff off
	wait_gone "$pid"
	run -1 vm-status off
	assert_line --regexp "^off +shutoff +- "
	assert_output --partial "domain 'off' is shutoff"
	run -0 vm-stop off
	run -1 vm-status off
	assert_output "vm-status: domain 'off' is not running"
}

@test "with on_poweroff preserve a powered-off guest shows as shutoff and vm-stop -t ends it without complaint" {
	run -0 vm-start "$(acpi_domain keep "<on_poweroff>preserve</on_poweroff>")"
	pid=$(qemu_pid keep)
	guest_poweroff keep
	run -0 vm-status keep
	assert_line --regexp "^keep +shutoff +$pid "
	run -0 vm-stop -t 2 keep
	assert_output ""
	wait_gone "$pid"
}

@test "a killed QEMU after a guest reboot request still shows as crashed" {
	run -0 vm-start "$(acpi_domain dead)"
	qmp dead system_reset >/dev/null
	kill_qemu dead
	run -1 vm-status dead
	assert_line --regexp "^dead +crashed +- "
}

@test "status.json is replaced whole: readers during attach and detach never see it missing or damaged" {
	local i
	own_disk "$TEST_DIR/c.qcow2" root:root 600
	# q35 without ACPI: native PCIe hotplug, which completes without a guest OS
	xml=$(make_domain rw)
	sed -i "s/machine='pc'/machine='q35'/" "$xml"
	run -0 vm-start "$xml"
	# one reader opens and parses the file as fast as it can, another runs
	# vm-status --json; each counts what it read and stops at the stop file
	python3 - "$VMKIT_RUNDIR/domains/rw/status.json" "$TEST_DIR/stop" >"$TEST_DIR/raw" 2>&1 3>&- <<'PY' &
import json, os, sys
n = bad = 0
while not os.path.exists(sys.argv[2]):
    try:
        with open(sys.argv[1]) as f:
            json.loads(f.read())["disks"]
    except (OSError, ValueError, KeyError) as e:
        bad += 1
        print("bad:", e)
    n += 1
print("reads:", n, "bad:", bad)
PY
	raw=$!
	(
		while [ ! -e "$TEST_DIR/stop" ]; do
			out=$(vm-status --json rw) || echo "bad: exit $?: $out"
			python3 -c 'import json,sys; assert json.loads(sys.argv[1])["state"] == "running"' "$out" ||
				echo "bad: $out"
			echo read
		done
	) >"$TEST_DIR/cmd" 2>&1 3>&- &
	cmd=$!
	for i in $(seq 10); do
		run -0 vm-attach rw --disk "$TEST_DIR/c.qcow2" --target vdz
		run -0 vm-attach rw --detach vdz
	done
	touch "$TEST_DIR/stop"
	wait "$raw" "$cmd"
	run -1 grep -h '^bad' "$TEST_DIR/raw" "$TEST_DIR/cmd"
	[ "$(grep -c '^read$' "$TEST_DIR/cmd")" -gt 0 ]
	echo "# $(tail -n 1 "$TEST_DIR/raw"); vm-status --json: $(grep -c '^read$' "$TEST_DIR/cmd") reads" >&3
	[ "$(stat -c %u:%g:%a "$TEST_DIR/c.qcow2")" = 0:0:600 ]
}

@test "vm-status shows each serial port, a pty's path from QEMU or the socket it listens on, and the TPM with swtpm's pid and its state" {
	mkdir -p "$TEST_DIR/sock"
	chown "$QEMU_USER:" "$TEST_DIR/sock"
	uuid=$(cat /proc/sys/kernel/random/uuid)
	xml=$(make_domain con "<serial type='pty'/><serial type='unix'><source mode='bind' path='$TEST_DIR/sock/s1'/></serial>" \
		"<tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm>")
	sed -i "s|</name>|</name><uuid>$uuid</uuid>|" "$xml"
	run -0 vm-start "$xml"
	spid=$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["tpm"]["pid"])' \
		"$VMKIT_RUNDIR/domains/con/status.json")
	run -0 qmp con query-chardev
	pty=$(printf '%s\n' "$output" | /usr/bin/python3 -c '
import json, sys
print([c["filename"][4:] for c in json.load(sys.stdin) if c["label"] == "charserial0"][0])')
	[ -c "$pty" ]
	run -0 vm-status --json con
	/usr/bin/python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["consoles"] == [{"port": 0, "type": "pty", "path": sys.argv[2], "session": None},
                         {"port": 1, "type": "unix", "path": sys.argv[3], "session": None}], d
assert d["tpm"] == {"model": "tpm-crb", "swtpm_pid": int(sys.argv[4]),
                    "state": "/var/lib/vmkit/swtpm/" + sys.argv[5], "persistent": False}, d
' "$output" "$pty" "$TEST_DIR/sock/s1" "$spid" "$uuid"
	run -0 vm-status con
	assert_line --index 1 "  serial 0 pty $pty"
	assert_line --index 2 "  serial 1 unix $TEST_DIR/sock/s1"
	assert_line --index 3 "  tpm    tpm-crb swtpm $spid /var/lib/vmkit/swtpm/$uuid"
	# the record of a TPM domain names its model, and reads back whole
	grep -q '"model": *"tpm-crb"' "$VMKIT_RUNDIR/domains/con/status.json"
	run -0 vm-stop --force con
	[ ! -e "/var/lib/vmkit/swtpm/$uuid" ]
}
