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
	echo 1 > "$VMKIT_RUNDIR/domains/pidf/pid"
	run -0 vm-status pidf
	assert_output --regexp "^pidf +running +- "
}
