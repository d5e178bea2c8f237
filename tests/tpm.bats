#!/usr/bin/env bats
# A TPM 2.0 from swtpm: run by vm-start as QEMU's uid without
# capabilities, on a socket pair QEMU inherits, its state in
# /var/lib/vmkit/swtpm/UUID, leased as tpm:UUID and QEMU's while the
# domain runs; gone with the domain, however QEMU ends. Firmware-only
# guests (SeaBIOS, no disk). tpm-sanlock.bats runs the tests tagged
# sanlock with lock_manager = "sanlock", where swtpm's child takes the
# lease itself.

load helpers
load sanlock_helpers

setup_file() { lock_variant_setup_file; }
teardown_file() { lock_variant_teardown_file; }

setup() {
	common_setup
	lock_variant_conf
	UUID=$(cat /proc/sys/kernel/random/uuid)
	STATE=/var/lib/vmkit/swtpm/$UUID
}

teardown() {
	common_teardown
	# a failed test can leave a stopped swtpm that no vm-stop ended
	pkill -9 -f "swtpm/$UUID" || true
	rm -rf "$STATE"
}

# tpm_domain NAME [BACKEND-ATTRS] [MODEL]: a domain with a TPM and the UUID of this test.
tpm_domain() {
	local xml
	xml=$(make_domain "$1" "<tpm model='${3:-tpm-crb}'><backend type='emulator' version='2.0' ${2:-}/></tpm>")
	sed -i "s|</name>|</name><uuid>$UUID</uuid>|" "$xml"
	echo "$xml"
}

# swtpm_pid NAME: swtpm's pid as the status records it.
swtpm_pid() {
	/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["tpm"]["pid"])' \
		"$VMKIT_RUNDIR/domains/$1/status.json"
}

# tpm_lease: the state of the lease tpm:UUID as vm-lock list (another process) sees it.
tpm_lease() {
	vm-lock list | awk -v r="tpm:$UUID" '$3 == r { print $1 }'
}

# bats test_tags=sanlock
@test "a TPM starts: QEMU sees it, swtpm runs unprivileged, the state is leased and QEMU's" {
	run -0 vm-start "$(tpm_domain t)"
	run -0 qmp t query-tpm
	assert_output --partial '"model": "tpm-crb"'
	assert_output --partial '"type": "emulator"'
	qpid=$(qemu_pid t)
	spid=$(swtpm_pid t)
	[ "$(cat /proc/$spid/comm)" = swtpm ]
	[ "$(stat -c %U /proc/$spid)" = "$QEMU_USER" ]
	grep -q '^CapEff:[[:space:]]*0000000000000000$' /proc/$spid/status
	grep -q '^CapBnd:[[:space:]]*0000000000000000$' /proc/$spid/status
	grep -q '^NoNewPrivs:[[:space:]]*1$' /proc/$spid/status
	# a clean environment: nothing of the caller's
	run -0 tr '\0' '\n' < /proc/$spid/environ
	assert_output "$(printf 'PATH=/usr/sbin:/usr/bin:/sbin:/bin\nLC_ALL=C')"
	[ "$(stat -c %U /proc/$qpid)" = "$QEMU_USER" ]
	grep -q '^CapEff:[[:space:]]*0000000000000000$' /proc/$qpid/status
	grep -q '^CapBnd:[[:space:]]*0000000000000000$' /proc/$qpid/status
	[ "$(stat -c %U:%a "$STATE")" = "$QEMU_USER:700" ]
	[ "$(stat -c %U "$STATE/tpm2-00.permall")" = "$QEMU_USER" ]
	# manufactured as libvirt does, by swtpm_setup as QEMU's uid: EKs with
	# certificates and a platform certificate, from a CA of this TPM's own
	run -0 grep -c "^Starting vTPM manufacturing as $QEMU_USER:" "$VMKIT_RUNDIR/domains/t/qemu.log"
	assert_output 1
	run -0 grep -c -e '^Successfully created NVRAM area .* for RSA 2048 EK certificate' \
		-e '^Successfully created NVRAM area .* for ECC EK certificate' \
		-e '^Successfully created NVRAM area .* for platform certificate' \
		"$VMKIT_RUNDIR/domains/t/qemu.log"
	assert_output 3
	[ "$(stat -c %U:%a "$STATE/localca/signkey.pem")" = "$QEMU_USER:640" ]
	[ ! -e "$STATE/swtpm_setup.conf" ]
	[ ! -e "$STATE/swtpm-localca.conf" ]
	[ "$(tpm_lease)" = exclusive ]
	run -0 vm-lock list
	assert_output --regexp "exclusive +t +tpm:$UUID"
	run -1 vm-lock status --domain t
	assert_output --partial "tpm:$UUID"
	# nothing reached by name: the control channel is an inherited socket
	run -0 cat /proc/$spid/cmdline
	assert_output --partial 'clientfd='
	runuser -u "$QEMU_USER" -- sh -c 'mkdir -p "$1/sub" && touch "$1/sub/f"' sh "$STATE"
	run -0 vm-stop --force t
	wait_gone "$spid"
	[ "$(tpm_lease)" = free ]
	# with what QEMU's uid made in it
	[ ! -e "$STATE" ]
}

# bats test_tags=sanlock
@test "persistent_state='yes' keeps the state after stop, all of it given back to root, symlinks not followed, and the next start has it" {
	run -0 vm-start "$(tpm_domain p "persistent_state='yes'" tpm-tis)"
	run -0 qmp p query-tpm
	assert_output --partial '"model": "tpm-tis"'
	spid=$(swtpm_pid p)
	[ "$(stat -c %U "$STATE")" = "$QEMU_USER" ]
	# what QEMU's uid may leave in its state: directories, and a symlink
	# to a file of root's that no chown may follow
	echo secret > "$TEST_DIR/rootfile"
	runuser -u "$QEMU_USER" -- sh -c 'mkdir -p "$1/sub/deeper" && touch "$1/sub/deeper/f" &&
		ln -s "$2" "$1/link"' sh "$STATE" "$TEST_DIR/rootfile"
	run -0 vm-stop --force p
	wait_gone "$spid"
	[ "$(tpm_lease)" = free ]
	[ "$(stat -c %U:%G "$STATE")" = root:root ]
	[ "$(stat -c %U:%G "$STATE/tpm2-00.permall")" = root:root ]
	[ "$(stat -c %U:%G "$STATE/localca/issuercert.pem")" = root:root ]
	[ "$(stat -c %U:%G "$STATE/sub/deeper/f")" = root:root ]
	[ "$(stat -c %U:%G "$STATE/sub")" = root:root ]
	[ "$(stat -c %U "$STATE/link")" = root ]
	ino=$(stat -c %i "$STATE")
	run -0 vm-start "$TEST_DIR/p.xml"
	[ "$(stat -c %i:%U "$STATE")" = "$ino:$QEMU_USER" ]
	[ "$(stat -c %U "$STATE/tpm2-00.permall")" = "$QEMU_USER" ]
	[ "$(stat -c %U "$STATE/localca/issuercert.pem")" = "$QEMU_USER" ]
	[ "$(stat -c %U "$STATE/sub/deeper/f")" = "$QEMU_USER" ]
	[ "$(stat -c %U "$STATE/link")" = "$QEMU_USER" ]
	[ "$(stat -c %U "$TEST_DIR/rootfile")" = root ]
	# manufactured once: the second start keeps the TPM as it was
	run -0 grep -c '^Starting vTPM manufacturing' "$VMKIT_RUNDIR/domains/p/qemu.log"
	assert_output 1
	run -0 vm-stop --force p
	[ -s "$STATE/tpm2-00.permall" ]
}

# bats test_tags=sanlock
@test "kill -9 of QEMU leaves no swtpm and no lease; vm-stop cleans up the state" {
	run -0 vm-start "$(tpm_domain k)"
	spid=$(swtpm_pid k)
	[ "$(tpm_lease)" = exclusive ]
	kill_qemu k
	wait_gone "$spid"
	[ "$(tpm_lease)" = free ]
	run -0 vm-stop k
	assert_output --partial 'cleaned up'
	[ ! -e "$STATE" ]
	[ "$(tpm_lease)" = free ]
}

@test "a passthrough TPM, TPM 1.2 and a second TPM are refused by name and change nothing" {
	xml=$(make_domain r "<tpm><backend type='passthrough'><device path='/dev/tpm0'/></backend></tpm>")
	run -3 vm-start "$xml"
	assert_output --partial "r.xml:7: <backend>: type='passthrough' (the host's own TPM) is not supported"
	xml=$(make_domain r "<tpm><backend type='emulator' version='1.2'/></tpm>")
	run -3 vm-start "$xml"
	assert_output --partial "r.xml:7: <backend>: version='1.2' is not supported"
	xml=$(tpm_domain r)
	sed -i "s|</devices>|<tpm><backend type='emulator'/></tpm></devices>|" "$xml"
	run -3 vm-start "$xml"
	assert_output --partial "<tpm>: a domain has one TPM"
	[ ! -e "$VMKIT_RUNDIR/domains/r/status.json" ]
	[ ! -e "$STATE" ]
	[ -z "$(tpm_lease)" ]
	run pgrep -f "swtpm/$UUID"
	[ "$status" -eq 1 ]
}

# bats test_tags=sanlock
@test "a start that fails after swtpm started ends swtpm and leaves no state and no lease" {
	printf 'emulator = "/bin/false"\n' >> "$VMKIT_CONF"
	run -4 vm-start "$(tpm_domain f)"
	assert_output --partial 'qemu exited during start-up'
	run pgrep -f "swtpm/$UUID"
	[ "$status" -eq 1 ]
	[ "$(tpm_lease)" = free ]
	[ ! -e "$STATE" ]
	[ ! -e "$VMKIT_RUNDIR/domains/f/status.json" ]
}

@test "session mode refuses a TPM with exit 3 saying why, and changes nothing" {
	run -3 session_start "$(tpm_domain s)"
	assert_output --partial "s.xml:7: <tpm>: session mode has no TPM"
	[ ! -e "$STATE" ]
	[ ! -e "$TEST_DIR/session/domains/s/status.json" ]
}

# bats test_tags=sanlock
@test "a swtpm that does not exit with QEMU keeps vm-stop from giving its state away; --force kills it" {
	run -0 vm-start "$(tpm_domain h)"
	spid=$(swtpm_pid h)
	kill -STOP "$spid"
	kill_qemu h
	run vm-stop h
	[ "$status" -ne 0 ]
	assert_output --partial "swtpm (pid $spid) still holds the TPM state"
	[ "$(stat -c %U "$STATE")" = "$QEMU_USER" ]
	[ -e "$VMKIT_RUNDIR/domains/h/status.json" ]
	run -0 vm-stop --force h
	wait_gone "$spid"
	[ "$(tpm_lease)" = free ]
	[ ! -e "$STATE" ]
}

# bats test_tags=sanlock
@test "vm-stop --force on a damaged status.json ends swtpm, even a stuck one, and gives the state back to root, saying it kept it" {
	run -0 vm-start "$(tpm_domain d)"
	spid=$(swtpm_pid d)
	kill -STOP "$spid"
	echo 'garbage<' > "$VMKIT_RUNDIR/domains/d/status.json"
	run -0 vm-stop --force d
	assert_output --partial "status file 'status.json' is damaged"
	assert_output --partial "kept the TPM state $STATE, given back to root: remove it unless the domain's <tpm> has persistent_state='yes'"
	wait_gone "$spid"
	[ "$(tpm_lease)" = free ]
	[ "$(stat -c %U:%G "$STATE" "$STATE/tpm2-00.permall" "$STATE/localca/signkey.pem" | sort -u)" = root:root ]
	run -1 vm-status d
}
