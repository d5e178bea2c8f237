#!/usr/bin/env bats
# UEFI firmware: <os firmware='efi'> resolved through QEMU's firmware
# descriptors (Debian's ovmf), the code and the domain's NVRAM as pflash
# over fds QEMU inherits, the NVRAM made from its template on first start
# and owned like a disk: leased, QEMU's while the domain runs, its owner
# given back at stop and after a crash. OVMF runs under TCG without an
# OS; the sign that it ran is that it wrote its variables to the NVRAM.

load helpers

setup() {
	common_setup
	printf 'nvram_dir = "%s"\n' "$TEST_DIR/nvram" >> "$VMKIT_CONF"
}

teardown() {
	common_teardown
}

# efi_domain NAME [OS-XML] [FEATURES-XML]: a q35 firmware-only domain with firmware='efi'.
efi_domain() {
	local xml
	xml=$(make_domain "$1")
	sed -i -e "s|machine='pc'|machine='q35'|" \
		-e "s|<os>|<os firmware='efi'>${2:-}|" \
		-e "s|</os>|</os><features><acpi/>${3:-}</features>|" "$xml"
	echo "$xml"
}

# nvram_lease PATH: the state of PATH's lease as vm-lock list (another process) sees it.
nvram_lease() {
	vm-lock list | awk -v r="$1" '$3 == r { print $1 }'
}

# wait_written PATH TEMPLATE: waits until the firmware wrote its variables to PATH.
wait_written() {
	local i
	for i in $(seq 1 120); do
		cmp -s "$1" "$2" || return 0
		sleep 0.5
	done
	fail "the firmware wrote nothing to $1 in 60 s"
}

@test "firmware='efi' boots OVMF from pflash: the NVRAM is made from the template, leased and QEMU's while it runs, given back at stop and after kill -9" {
	local xml nv="$TEST_DIR/nvram/efi_VARS.fd" tpl=/usr/share/OVMF/OVMF_VARS_4M.ms.fd qpid
	xml=$(efi_domain efi)
	# q35 with no feature asked: the first descriptor, Secure Boot with
	# Microsoft's keys, which needs SMM (turned on) and secure flash
	run -0 vm-start --print-argv "$xml"
	assert_output --regexp "'-machine' 'q35,accel=[a-z]+,smm=on,pflash0=pflash0,pflash1=pflash1,acpi=on'"
	assert_output --partial "'-global' 'driver=cfi.pflash01,property=secure,value=on'"
	refute_output --partial "$nv"
	[ ! -e "$nv" ]
	run -0 vm-start --paused "$xml"
	# before the firmware ran: the template's copy, root's until labelled
	cmp "$tpl" "$nv"
	[ "$(stat -c %U:%a "$nv")" = "$QEMU_USER:600" ]
	[ "$(nvram_lease "$nv")" = exclusive ]
	run -1 vm-lock status --domain efi
	assert_output --partial "$nv"
	qpid=$(qemu_pid efi)
	# QEMU has it by fd, never by name
	run -0 tr '\0' ' ' < "/proc/$qpid/cmdline"
	refute_output --partial "$nv"
	run -0 ls -l "/proc/$qpid/fd"
	assert_output --partial "$nv"
	run -0 qmp efi query-named-block-nodes
	/usr/bin/python3 -c '
import json, sys
nodes = {n["node-name"]: n for n in json.loads(sys.argv[1])}
assert nodes["pflash1-file"]["file"] == "/dev/fdset/65537" and not nodes["pflash1"]["ro"], nodes
assert nodes["pflash0"]["ro"], nodes' "$output"
	run -0 qmp efi cont
	wait_written "$nv" "$tpl"
	run -0 qmp efi query-status
	assert_output --partial '"status": "running"'
	# a second domain naming the same NVRAM is refused, naming the holder
	run -1 vm-start "$(efi_domain other "<nvram>$nv</nvram>")"
	assert_output --partial "$nv"
	assert_output --partial "efi"
	[ ! -e "$VMKIT_RUNDIR/domains/other/status.json" ]
	run -0 vm-stop --force efi
	[ "$(stat -c %U:%G:%a "$nv")" = "root:root:600" ]
	[ "$(nvram_lease "$nv")" = free ]
	# the next start keeps what the firmware wrote; a crash gives it back too
	cp "$nv" "$TEST_DIR/kept.fd"
	run -0 vm-start --paused "$xml"
	cmp "$TEST_DIR/kept.fd" "$nv"
	qpid=$(qemu_pid efi)
	kill -9 "$qpid"
	wait_gone "$qpid"
	[ "$(stat -c %U "$nv")" = "$QEMU_USER" ]
	run -0 vm-stop --force efi
	[ "$(stat -c %U:%G "$nv")" = "root:root" ]
	[ "$(nvram_lease "$nv")" = free ]
}

@test "firmware that cannot be had is refused with exit 3 naming the file, line and element, and nothing is made" {
	local xml
	# Secure Boot needs SMM: no descriptor fits with SMM off
	xml=$(efi_domain sb "<firmware><feature enabled='yes' name='secure-boot'/></firmware>" \
		"<smm state='off'/>")
	run -3 vm-start "$xml"
	assert_output --regexp "sb.xml:[0-9]+: <os>: firmware='efi' \(uefi for x86_64 on pc-q35-7.2 with secure-boot without SMM\): no firmware descriptor in /usr/share/qemu/firmware"
	# on pc (i440fx) only the descriptor without Secure Boot fits
	xml=$(efi_domain pcsb "<firmware><feature enabled='yes' name='secure-boot'/></firmware>")
	sed -i "s|machine='q35'|machine='pc'|" "$xml"
	run -3 vm-start --check "$xml"
	assert_output --partial "on pc-i440fx-7.2 with secure-boot"
	# a template that is not there
	xml=$(efi_domain tpl "<nvram template='$TEST_DIR/missing.fd'>$TEST_DIR/tpl_VARS.fd</nvram>")
	run -3 vm-start "$xml"
	assert_output --regexp "tpl.xml:[0-9]+: <nvram>: cannot access NVRAM template '$TEST_DIR/missing.fd': No such file or directory"
	[ ! -e "$TEST_DIR/tpl_VARS.fd" ]
	# an NVRAM in a directory that does not exist
	xml=$(efi_domain dir "<nvram>$TEST_DIR/nowhere/dir_VARS.fd</nvram>")
	run -3 vm-start "$xml"
	assert_output --regexp "dir.xml:[0-9]+: <nvram>: the directory of NVRAM '$TEST_DIR/nowhere/dir_VARS.fd' does not exist"
	[ ! -e "$TEST_DIR/nowhere" ]
	# a secure loader of its own needs SMM on
	xml=$(make_domain legacy)
	sed -i -e "s|machine='pc'|machine='q35'|" \
		-e "s|</os>|<loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.secboot.fd</loader></os>|" "$xml"
	run -3 vm-start "$xml"
	assert_output --regexp "legacy.xml:[0-9]+: <loader>: secure='yes' needs <features><smm state='on'/></features>"
	# firmware features mean nothing without firmware='efi'; a loader that writes itself
	xml=$(make_domain feat)
	sed -i "s|</os>|<firmware><feature enabled='no' name='secure-boot'/></firmware><loader readonly='no' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader></os>|" "$xml"
	run -3 vm-start --check "$xml"
	assert_line --regexp "feat.xml:[0-9]+: <feature>: firmware features need <os firmware='efi'>"
	assert_line --regexp "feat.xml:[0-9]+: <loader>: a pflash loader without readonly='yes' holds its own variables, which is not supported"
	[ ! -e "$VMKIT_RUNDIR/domains" ] || [ -z "$(ls "$VMKIT_RUNDIR/domains")" ]
	[ ! -e "$TEST_DIR/nvram" ]
}

@test "<loader> and <nvram> of libvirt's older form, and type='rom', map to QEMU's arguments as libvirt 9.0 gives them" {
	local xml
	# without Secure Boot: no SMM, no secure flash; the template from the descriptor naming the code
	xml=$(make_domain legacy)
	sed -i "s|</os>|<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader><nvram>$TEST_DIR/legacy_VARS.fd</nvram></os>|" "$xml"
	run -0 vm-start --print-argv "$xml"
	assert_output --regexp "'-machine' 'pc,accel=[a-z]+,pflash0=pflash0,pflash1=pflash1,"
	assert_output --partial "'-add-fd' 'fd=<pflash0>,set=65536,opaque=pflash0-file' '-blockdev' '{\"driver\":\"file\",\"filename\":\"/dev/fdset/65536\",\"node-name\":\"pflash0-file\",\"read-only\":true}' '-blockdev' '{\"node-name\":\"pflash0\",\"read-only\":true,\"driver\":\"raw\",\"file\":\"pflash0-file\"}'"
	assert_output --partial "'-add-fd' 'fd=<pflash1>,set=65537,opaque=pflash1-file'"
	refute_output --partial "smm="
	refute_output --partial "cfi.pflash01"
	# firmware='efi' with Secure Boot turned off: the plain descriptor, no SMM asked
	xml=$(efi_domain plain "<firmware><feature enabled='no' name='secure-boot'/></firmware>")
	run -0 vm-start --print-argv "$xml"
	refute_output --partial "smm="
	refute_output --partial "cfi.pflash01"
	# a ROM is QEMU's -bios, with no variables
	xml=$(make_domain rom)
	sed -i "s|</os>|<loader type='rom'>/usr/share/seabios/bios-256k.bin</loader></os>|" "$xml"
	run -0 vm-start --print-argv "$xml"
	assert_output --partial "'-bios' '/usr/share/seabios/bios-256k.bin'"
	refute_output --partial "pflash"
	[ ! -e "$TEST_DIR/legacy_VARS.fd" ]
}

@test "vm-start --check lists exactly what vmkit still refuses in virt-install's XML of a Windows 11 guest" {
	local f="$VMKIT_SRCDIR/tests/fixtures/libvirt/virt-install-win11.xml"
	run -3 vm-start --check "$f"
	printf '%s\n' "$output" | sed -e "s|^vm-start: $f:||" -e "s|$VMKIT_CONF|vmkit.conf|" > "$TEST_DIR/win11.refused"
	diff -u "$VMKIT_SRCDIR/tests/fixtures/libvirt/virt-install-win11.refused" "$TEST_DIR/win11.refused"
}

# swtpm_pid NAME: swtpm's pid as the status records it.
swtpm_pid() {
	/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["tpm"]["pid"])' \
		"$VMKIT_RUNDIR/domains/$1/status.json"
}

@test "virt-install's Windows 11 guest starts under TCG once what is refused is left out: Secure Boot with SMM, a TPM from swtpm run unprivileged and gone with QEMU" {
	local dir="$VMKIT_SRCDIR/tests/fixtures/libvirt" xml="$TEST_DIR/win11.xml" qpid spid argv
	local uuid=8c1f3a52-6d0e-4b7a-9f21-3e5d7c9a0b14 nv="$TEST_DIR/nvram/win11_VARS.fd"
	# the trimmed file only leaves lines out
	run -1 diff "$dir/virt-install-win11.xml" "$dir/virt-install-win11-trimmed.xml"
	refute_output --regexp '^>'
	make_disk "$TEST_DIR/win11.qcow2"
	make_disk "$TEST_DIR/win11.iso" raw 1M
	sed -e "s|/var/lib/libvirt/images/win11.qcow2|$TEST_DIR/win11.qcow2|" \
		-e "s|/var/lib/libvirt/images/Win11_23H2_English_x64.iso|$TEST_DIR/win11.iso|" \
		"$dir/virt-install-win11-trimmed.xml" > "$xml"
	# without KVM: TCG, under which QEMU refuses the host's CPU and the
	# enlightenments that need a virtual processor index
	if [ "$(domain_type)" = qemu ]; then
		sed -i -E -e 's|<domain type="kvm">|<domain type="qemu">|' -e '/<cpu mode="host-passthrough"\/>/d' \
			-e '/<(vpindex|synic|stimer|tlbflush|ipi) state="on"\/>/d' "$xml"
	fi
	run -0 vm-start "$xml"
	qpid=$(qemu_pid win11)
	argv=$(tr '\0' ' ' < "/proc/$qpid/cmdline")
	[[ $argv == *" -machine q35,accel="*",vmport=off,smm=on,hpet=off,pflash0=pflash0,pflash1=pflash1,acpi=on "* ]]
	[[ $argv == *" -global driver=cfi.pflash01,property=secure,value=on "* ]]
	[[ $argv == *",hv-relaxed=on,hv-vapic=on,hv-spinlocks=0x1fff,"* ]]
	# Secure Boot with Microsoft's keys enrolled: the template with them
	[ "$(stat -c %s "$nv")" = "$(stat -c %s /usr/share/OVMF/OVMF_VARS_4M.ms.fd)" ]
	[ "$(stat -c %U "$nv")" = "$QEMU_USER" ]
	run -0 qmp win11 query-tpm
	assert_output --partial '"model": "tpm-crb"'
	assert_output --partial '"type": "emulator"'
	spid=$(swtpm_pid win11)
	[ "$(cat "/proc/$spid/comm")" = swtpm ]
	[ "$(stat -c %u "/proc/$spid")" != 0 ]
	[ "$(stat -c %U "/proc/$spid")" = "$QEMU_USER" ]
	run -0 vm-stop --force win11
	wait_gone "$spid"
	[ "$(stat -c %U "$nv")" = root ]
	# QEMU killed: swtpm ends with its channel, vm-stop cleans up the rest
	run -0 vm-start "$xml"
	qpid=$(qemu_pid win11)
	spid=$(swtpm_pid win11)
	kill -9 "$qpid"
	wait_gone "$qpid"
	wait_gone "$spid"
	run -0 vm-stop --force win11
	[ ! -e "/var/lib/vmkit/swtpm/$uuid" ]
	[ "$(stat -c %U "$nv")" = root ]
	run -0 vm-lock list
	refute_output --regexp '^exclusive'
}

@test "<bootmenu>, <bios> and <smbios mode='sysinfo'> with <sysinfo> map to QEMU's arguments as libvirt 9.0 gives them, and QEMU takes them" {
	local xml uuid=c7a5fdbd-cdaf-9455-926a-d65c16db1809
	xml=$(make_domain sm "<serial type='pty'/>")
	sed -i -e "s|</name>|</name><uuid>$uuid</uuid><sysinfo type='smbios'><bios><entry name='vendor'>LENOVO</entry><entry name='date'>01/01/2024</entry></bios><system><entry name='manufacturer'>Fedora, Inc</entry><entry name='uuid'>$uuid</entry></system><baseBoard><entry name='asset'>A1</entry></baseBoard><oemStrings><entry>app:some, data</entry><entry>other</entry></oemStrings></sysinfo>|" \
		-e "s|</os>|<bootmenu enable='yes' timeout='3000'/><bios useserial='yes' rebootTimeout='0'/><smbios mode='sysinfo'/></os>|" "$xml"
	run -0 vm-start --print-argv "$xml"
	assert_output --regexp "'-machine' 'pc,accel=[a-z]+,graphics=off,"
	assert_output --partial "'-smbios' 'type=0,vendor=LENOVO,date=01/01/2024' '-smbios' 'type=1,manufacturer=Fedora,, Inc,uuid=$uuid' '-smbios' 'type=2,manufacturer=,asset=A1' '-smbios' 'type=11,value=app:some,, data,value=other'"
	assert_output --partial "'-boot' 'menu=on,reboot-timeout=0,splash-time=3000,strict=on'"
	run -0 vm-start --paused "$xml"
	run -0 vm-stop --force sm
	# QEMU's own tables restated; the host's refused by name
	sed -i -e "s|<smbios mode='sysinfo'/>|<smbios mode='emulate'/>|" -e "s|<sysinfo.*</sysinfo>||" "$xml"
	run -0 vm-start --print-argv "$xml"
	refute_output --partial "-smbios"
	sed -i "s|<smbios mode='emulate'/>|<smbios mode='host'/>|" "$xml"
	run -3 vm-start --check "$xml"
	assert_output --regexp "sm.xml:[0-9]+: <smbios>: mode='host' is not supported"
}
