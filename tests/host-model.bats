#!/usr/bin/env bats
# <cpu mode='host-model'>: the CPU libvirt 9.0 gives QEMU for it, asked of
# QEMU itself at start. tests/fixtures/cpu/tcg-max.cpu is libvirt's answer
# for Debian 12's QEMU 7.2 under TCG (tests/oracle/record-cpu); the
# expected feature tails below were read off libvirt 9.0's domxml-to-native
# for the same XML.

load helpers
load guest_helpers

setup_file() { guest_setup_file; }
setup() { common_setup; }
teardown() { common_teardown; }

# host_model NAME CPUXML: a TCG domain whose <cpu> is CPUXML
host_model() {
	local xml
	xml=$(make_domain "$1")
	sed -i -e "s|type='kvm'|type='qemu'|" -e "s|<devices>|$2<devices>|" "$xml"
	echo "$xml"
}

# cpu_of XML: the value of -cpu that vm-start --print-argv gives
cpu_of() {
	vm-start --print-argv "$1" | python3 -c '
import shlex, sys
w = shlex.split(sys.stdin.read())
print(w[w.index("-cpu") + 1])'
}

@test "host-model under TCG is libvirt's model and features for this QEMU" {
	xml=$(host_model hm "<cpu mode='host-model' check='partial'/>")
	run -0 cpu_of "$xml"
	assert_output "$(cat "$VMKIT_SRCDIR/tests/fixtures/cpu/tcg-max.cpu")"
	# old virt-install's <model fallback='allow'/> names no model
	sed -i "s|check='partial'/>|><model fallback='allow'/></cpu>|" "$xml"
	run -0 cpu_of "$xml"
	assert_output "$(cat "$VMKIT_SRCDIR/tests/fixtures/cpu/tcg-max.cpu")"
	[ ! -e "$VMKIT_RUNDIR/domains/hm" ]
}

@test "the domain's own features go over host-model's as libvirt lays them" {
	local base
	base=$(cat "$VMKIT_SRCDIR/tests/fixtures/cpu/tcg-max.cpu")
	xml=$(host_model own "<cpu mode='host-model'><feature policy='disable' name='lahf_lm'/><feature policy='optional' name='avx512f'/><feature policy='optional' name='avx2'/><feature policy='force' name='xsavec'/><feature policy='disable' name='pclmuldq'/></cpu>")
	run -0 cpu_of "$xml"
	assert_output "${base/xsavec=off/xsavec=on},lahf-lm=off,avx512f=off,avx2=on,pclmulqdq=off"
}

@test "a required feature QEMU's CPU lacks, or a forbidden one it has, is refused with exit 3 naming the line; check='none' takes them" {
	xml=$(host_model req "<cpu mode='host-model'><feature policy='require' name='rdseed'/><feature policy='require' name='x2apic'/></cpu>")
	run -3 vm-start "$xml"
	assert_output "vm-start: $xml:6: <cpu>: QEMU's CPU does not provide required features: x2apic, rdseed (check='none' does not look)"
	[ ! -e "$VMKIT_RUNDIR/domains/req" ]
	run -3 vm-start --check "$xml"
	sed -i "s|<cpu mode='host-model'>|<cpu mode='host-model' check='none'>|" "$xml"
	run -0 cpu_of "$xml"
	assert_output --partial ",rdseed=on,"
	assert_output --partial ",x2apic=on"
	xml=$(host_model forbid "<cpu mode='host-model'><feature policy='forbid' name='svm'/></cpu>")
	run -3 vm-start --check "$xml"
	assert_output "vm-start: $xml:6: <cpu>: QEMU's CPU has forbidden features: svm (check='none' does not look)"
}

@test "host-model with a <model> or match='minimum' is refused with exit 3" {
	xml=$(host_model m "<cpu mode='host-model'><model>EPYC</model></cpu>")
	run -3 vm-start --check "$xml"
	assert_output "vm-start: $xml:6: <model>: mode 'host-model' has no model"
	xml=$(host_model min "<cpu mode='host-model' match='minimum'/>")
	run -3 vm-start --check "$xml"
	assert_output "vm-start: $xml:6: <cpu>: match 'minimum' is libvirt's reckoning from the host's CPU: use host-model"
}

@test "QEMU asked for its CPU runs as the QEMU user, without capabilities, with a fixed environment and its sandbox unless seccomp_sandbox = 0" {
	mkdir -m 1777 "$TEST_DIR/out"
	cat > "$TEST_DIR/qemu" <<SH
#!/bin/sh
{ id -u; grep -E '^(CapEff|CapBnd|NoNewPrivs):' /proc/self/status; env | sort; echo "\$@"; } > "$TEST_DIR/out/probe"
exec qemu-system-x86_64 "\$@"
SH
	chmod 755 "$TEST_DIR/qemu"
	xml=$(host_model w "<cpu mode='host-model'/>")
	sed -i "s|<devices>|<devices><emulator>$TEST_DIR/qemu</emulator>|" "$xml"
	run -0 env SECRET=caller vm-start --print-argv "$xml"
	assert_output --partial "'-cpu' 'EPYC,"
	run -0 cat "$TEST_DIR/out/probe"
	assert_line --index 0 "$(id -u "$QEMU_USER")"
	assert_line "CapEff:	0000000000000000"
	assert_line "CapBnd:	0000000000000000"
	assert_line "NoNewPrivs:	1"
	refute_output --partial SECRET
	assert_output --partial "-machine none -accel tcg"
	assert_output --partial "-sandbox on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"
	# without the sandbox the probe's other options stay
	echo 'seccomp_sandbox = 0' >> "$VMKIT_CONF"
	run -0 vm-start --print-argv "$xml"
	run -0 tail -1 "$TEST_DIR/out/probe"
	assert_output --regexp " -mon chardev=probe,mode=control$"
}

@test "a QEMU that cannot say its CPU fails host-model with exit 4 and its own words, and starts nothing" {
	printf '#!/bin/sh\necho "fake qemu: no CPU here" >&2\nexit 1\n' > "$TEST_DIR/fake-qemu"
	chmod 755 "$TEST_DIR/fake-qemu"
	xml=$(host_model f "<cpu mode='host-model'/>")
	sed -i "s|<devices>|<devices><emulator>$TEST_DIR/fake-qemu</emulator>|" "$xml"
	run -4 vm-start "$xml"
	assert_output --regexp "^vm-start: host-model: cannot ask QEMU for its CPU: QEMU said 'fake qemu: no CPU here': "
	[ ! -e "$VMKIT_RUNDIR/domains/f" ]
	run -1 pgrep -f "$TEST_DIR/fake-qemu"
}

@test "a Linux guest started with host-model under TCG runs on libvirt's model" {
	local disk="$TEST_DIR/g.img" marker="vmkit-marker-$RANDOM$RANDOM"
	[ "$GUEST_TYPE" = qemu ] || skip "the guest runs under KVM here: host-model is the host's CPU, not tcg-max.cpu"
	root_disk "$disk"
	xml=$(make_guest g "$disk" "$marker")
	sed -i "s|<devices>|<cpu mode='host-model'/><devices>|" "$xml"
	run -0 vm-start "$xml"
	wait_ready g "$(qemu_pid g)"
	# the kernel names the CPU it booted on: EPYC's model-id
	grep -q 'smpboot: CPU0: AMD EPYC Processor' "$TEST_DIR/g.serial"
	run -0 qmp g qom-get '{"path": "/machine/unattached/device[0]", "property": "la57"}'
	assert_output true
	run -0 qmp g qom-get '{"path": "/machine/unattached/device[0]", "property": "rdseed"}'
	assert_output false
	run -0 vm-stop --force g
}

@test "QEMU's answer is kept in the run directory until the QEMU binary changes, and a spoilt one is asked again" {
	mkdir -m 1777 "$TEST_DIR/out"
	cat > "$TEST_DIR/qemu" <<SH
#!/bin/sh
case "\$*" in *"-machine none"*) echo probe >> "$TEST_DIR/out/calls" ;; esac
exec qemu-system-x86_64 "\$@"
SH
	chmod 755 "$TEST_DIR/qemu"
	xml=$(host_model c "<cpu mode='host-model'/>")
	sed -i "s|<devices>|<devices><emulator>$TEST_DIR/qemu</emulator>|" "$xml"
	run -0 vm-start "$xml"
	[ "$(wc -l < "$TEST_DIR/out/calls")" = 1 ]
	[ "$(stat -c %U:%a "$VMKIT_RUNDIR/qemu-cpu-tcg.json")" = root:600 ]
	tr '\0' ' ' < /proc/"$(qemu_pid c)"/cmdline | grep -q -- "-cpu $(cat "$VMKIT_SRCDIR/tests/fixtures/cpu/tcg-max.cpu") "
	run -0 vm-stop --force c
	run -0 vm-start "$xml"
	[ "$(wc -l < "$TEST_DIR/out/calls")" = 1 ]
	tr '\0' ' ' < /proc/"$(qemu_pid c)"/cmdline | grep -q -- "-cpu $(cat "$VMKIT_SRCDIR/tests/fixtures/cpu/tcg-max.cpu") "
	run -0 vm-stop --force c
	touch -d '1 minute ago' "$TEST_DIR/qemu"
	run -0 vm-start "$xml"
	[ "$(wc -l < "$TEST_DIR/out/calls")" = 2 ]
	run -0 vm-stop --force c
	echo '{"key": ' > "$VMKIT_RUNDIR/qemu-cpu-tcg.json"
	run -0 vm-start "$xml"
	[ "$(wc -l < "$TEST_DIR/out/calls")" = 3 ]
	tr '\0' ' ' < /proc/"$(qemu_pid c)"/cmdline | grep -q -- "-cpu $(cat "$VMKIT_SRCDIR/tests/fixtures/cpu/tcg-max.cpu") "
	# --print-argv and --check neither use it nor write it
	run -0 vm-start --print-argv "$xml"
	[ "$(wc -l < "$TEST_DIR/out/calls")" = 4 ]
}
