#!/usr/bin/env bats
# vm-start: domain XML in, a running unprivileged QEMU out.

load helpers

setup() { common_setup; }
teardown() {
	common_teardown
	if id vmkit-many >/dev/null 2>&1; then
		userdel vmkit-many
		for i in $(seq 40); do groupdel "vmkit-many$i" 2>/dev/null || true; done
	fi
}

@test "vm-start --help prints usage and exits 0" {
	run -0 vm-start --help
	assert_line --index 0 --partial "Usage: vm-start"
	assert_output --partial "1 already running, a disk or an
interface's MAC address is in use"
}

@test "vm-start without a domain is a usage error" {
	run -2 vm-start
	assert_output --partial "missing DOMAIN"
}

@test "vm-start rejects an unknown option with exit 2" {
	run -2 vm-start --bogus x.xml
	assert_output --partial "Try 'vm-start --help'"
}

@test "vm-start --print-argv prints the QEMU command line and starts nothing" {
	make_disk "$TEST_DIR/a.qcow2"
	xml=$(make_domain pa "$(disk_xml "$TEST_DIR/a.qcow2" vda)")
	run -0 vm-start --print-argv "$xml"
	assert_output --partial "-S"
	assert_output --partial "node-name\":\"drive-vda\""
	assert_output --partial "virtio-blk-pci"
	assert_output --partial "id=vda"
	[ ! -e "$VMKIT_RUNDIR" ]
}

@test "vm-start --check accepts a valid domain silently, exit 0, and starts nothing" {
	make_disk "$TEST_DIR/a.qcow2"
	xml=$(make_domain ck "$(disk_xml "$TEST_DIR/a.qcow2" vda)")
	run -0 vm-start --check "$xml"
	assert_output ""
	[ ! -e "$VMKIT_RUNDIR" ]
}

@test "vm-start --check lists every refused element and attribute with its line, exit 3" {
	make_disk "$TEST_DIR/a.qcow2"
	xml=$(make_domain many "$(disk_xml "$TEST_DIR/a.qcow2" vda "<geometry/>")" \
		"<hostdev mode='subsystem'/>" "<disk device='lun'><target dev='sdz' bus='usb'/></disk>")
	sed -i -e "s|<vcpu>|<vcpu placement='auto' mode='x'>|" "$xml"
	run -3 vm-start --check "$xml"
	assert_output "vm-start: $xml:4: <vcpu>: unsupported placement 'auto' (expected static)
vm-start: $xml:4: <vcpu>: unsupported attribute 'mode'
vm-start: $xml:7: <geometry>: unsupported element: a disk geometry is not supported: guests get QEMU's, from the disk's size; remove <geometry>
vm-start: $xml:8: <hostdev>: unsupported element
vm-start: $xml:9: <disk>: device 'lun' (SCSI commands passed to the host's device) is not supported: use device='disk'"
	run -3 vm-start --print-argv "$xml"
	assert_line --index 4 "vm-start: $xml:9: <disk>: device 'lun' (SCSI commands passed to the host's device) is not supported: use device='disk'"
	refute_output --partial "qemu-system"
	run -3 vm-start "$xml"
	assert_equal "${#lines[@]}" 5
	[ ! -e "$VMKIT_RUNDIR" ]
}

@test "vm-start --check lists an interface's unmapped libvirt network with the file's other problems" {
	xml=$(make_domain net "<interface type='network'><source network='default'/></interface>" \
		"<interface type='network'><source network='lan'/></interface>" "<hostdev mode='subsystem'/>")
	sed -i -e "s|<vcpu>|<vcpu mode='x'>|" "$xml"
	run -3 vm-start --check "$xml"
	assert_output "vm-start: $xml:4: <vcpu>: unsupported attribute 'mode'
vm-start: $xml:7: <interface>: network 'default' is not mapped to a host bridge: vmkit has no libvirtd to own networks; set network.default = \"BRIDGE\" in $VMKIT_CONF
vm-start: $xml:8: <interface>: network 'lan' is not mapped to a host bridge: vmkit has no libvirtd to own networks; set network.lan = \"BRIDGE\" in $VMKIT_CONF
vm-start: $xml:9: <hostdev>: unsupported element"
	printf 'network.lan = "br-lan"\n' >> "$VMKIT_CONF"
	run -3 vm-start --print-argv "$xml"
	assert_equal "${#lines[@]}" 3
	refute_output --partial "network 'lan'"
	[ ! -e "$VMKIT_RUNDIR" ]
}

@test "a <backingStore> chain is checked against the images' own, and refused naming both when they differ" {
	local top="$TEST_DIR/top.qcow2" base="$TEST_DIR/base.qcow2" other="$TEST_DIR/other.qcow2"
	make_disk "$base"
	make_disk "$other"
	qemu-img create -q -f qcow2 -b "$base" -F qcow2 "$top"
	chmod 0600 "$top"
	store() { echo "<backingStore type='file' index='2'><format type='$2'/><source file='$1'/>$3</backingStore>"; }

	xml=$(make_domain bs "$(disk_xml "$top" vda "$(store "$other" qcow2)")")
	run -3 vm-start "$xml"
	assert_output "vm-start: disk 'vda': <backingStore> on line 7 names '$other', but the backing file of '$top' is '$base'"
	xml=$(make_domain bs "$(disk_xml "$top" vda "$(store "$base" raw)")")
	run -3 vm-start --check "$xml"
	assert_output "vm-start: disk 'vda': <backingStore> on line 7 gives '$base' format 'raw', but '$top' records 'qcow2'"
	xml=$(make_domain bs "$(disk_xml "$top" vda "<backingStore/>")")
	run -3 vm-start --print-argv "$xml"
	assert_output "vm-start: disk 'vda': <backingStore/> on line 7 ends the chain, but '$top' has the backing file '$base'"
	xml=$(make_domain bs "$(disk_xml "$top" vda "$(store "$base" qcow2 "$(store "$other" qcow2)")")")
	run -3 vm-start "$xml"
	assert_output "vm-start: disk 'vda': <backingStore> on line 7 names '$other', but '$base' has no backing file"
	[ ! -e "$VMKIT_RUNDIR/domains/bs/pid" ]
	[ "$(stat -c %u:%g:%a "$top")" = "0:0:600" ]
	[ -z "$(xattrs_left "$top")" ]

	xml=$(make_domain bs "$(disk_xml "$top" vda "$(store "$base" qcow2 "<backingStore/>")")")
	run -0 vm-start --check "$xml"
	run -0 vm-start "$xml"
	run -0 vm-stop --force bs
}

@test "vm-start --check lists exactly what vmkit still refuses in libvirt's XML of a Linux guest" {
	local f name
	for name in virt-install-linux dumpxml-linux-running; do
		f="$VMKIT_SRCDIR/tests/fixtures/libvirt/$name.xml"
		run -3 vm-start --check "$f"
		printf '%s\n' "$output" | sed -e "s|^vm-start: $f:||" -e "s|$VMKIT_CONF|vmkit.conf|" \
			> "$TEST_DIR/$name.refused"
		diff -u "$VMKIT_SRCDIR/tests/fixtures/libvirt/$name.refused" "$TEST_DIR/$name.refused"
	done
}

@test "vm-start --print-argv gives the CPU, clock, features and pm of a domain as libvirt 9.0 gives them" {
	local dir="$VMKIT_SRCDIR/tests/fixtures/libvirt" line n=0
	run -0 vm-start --print-argv "$dir/machine.xml"
	while IFS= read -r line; do
		assert_output --partial "'${line%% *}' '${line#* }'"
		n=$((n + 1))
	done < "$dir/machine.argv"
	[ "$n" = 6 ]
	assert_output --partial "'-machine' 'pc-q35-7.2,accel=tcg,vmport=off,smm=on,kernel_irqchip=split,hpet=off,acpi=on'"
	assert_output --partial "'-device' 'vmcoreinfo'"
}

@test "virt-install's XML of a Linux guest starts under TCG once what is refused is left out and its paths changed" {
	local dir="$VMKIT_SRCDIR/tests/fixtures/libvirt" xml="$TEST_DIR/debian12.xml" pid argv
	# the trimmed file only leaves lines out
	run -1 diff "$dir/virt-install-linux.xml" "$dir/virt-install-linux-trimmed.xml"
	refute_output --regexp '^>'
	make_disk "$TEST_DIR/debian12.qcow2"
	make_disk "$TEST_DIR/netinst.iso" raw 1M
	sed -e "s|/var/lib/libvirt/images/debian12.qcow2|$TEST_DIR/debian12.qcow2|" \
		-e "s|/var/lib/libvirt/images/debian-12.4.0-amd64-netinst.iso|$TEST_DIR/netinst.iso|" \
		"$dir/virt-install-linux-trimmed.xml" > "$xml"
	# without KVM: TCG, under which QEMU refuses the host's CPU
	if [ "$(domain_type)" = qemu ]; then
		sed -i -e 's|<domain type="kvm">|<domain type="qemu">|' -e '/<cpu mode="host-passthrough"\/>/d' "$xml"
	fi
	run -0 vm-start --check "$xml"
	assert_output ""
	run -0 vm-start "$xml"
	pid=$(qemu_pid debian12)
	argv=$(tr '\0' ' ' < "/proc/$pid/cmdline")
	[[ $argv == *" -machine q35,accel="*",vmport=off,hpet=off,acpi=on "* ]]
	[[ $argv == *" -rtc base=utc,driftfix=slew -global kvm-pit.lost_tick_policy=delay "* ]]
	[[ $argv == *" -global ICH9-LPC.disable_s3=1 -global ICH9-LPC.disable_s4=1 "* ]]
	[[ $argv == *" -device virtserialport,bus=virtio-serial0.0,nr=1,chardev=charchannel0,id=channel0,name=org.qemu.guest_agent.0 "* ]]
	# each on a root port of its own, in libvirt's order (tests/oracle.bats)
	[[ $argv == *" -device virtio-balloon-pci,id=balloon0,bus=pci.4,addr=0x0.0x0 "* ]]
	[[ $argv == *" -device virtio-rng-pci,rng=objrng0,id=rng0,bus=pci.5,addr=0x0.0x0"* ]]
	run -0 vm-status debian12
	assert_output --regexp "^debian12 +running "
	run -0 vm-stop --force debian12
	run -1 vm-status debian12
}

@test "<vcpu cpuset> runs QEMU and all its threads on those host CPUs only" {
	local pid t
	xml=$(make_domain pin)
	sed -i "s|<vcpu>1</vcpu>|<vcpu placement='static' cpuset='0-1,^0'>2</vcpu>|" "$xml"
	run -0 vm-start "$xml"
	pid=$(qemu_pid pin)
	for t in /proc/"$pid"/task/*; do
		[ "$(sed -n 's/^Cpus_allowed_list:\t//p' "$t/status")" = 1 ]
	done
	run -0 vm-stop --force pin
}

@test "<cputune> pins each vcpu thread and QEMU's other threads before the guest runs, and QEMU takes <currentMemory> as the balloon's target" {
	local pid t want vcpus=0
	xml=$(make_domain tune "<memballoon model='virtio'/>")
	sed -i -e "s|<vcpu>1</vcpu>|<vcpu placement='static' cpuset='0-1'>2</vcpu><currentMemory unit='MiB'>48</currentMemory>|" \
		-e "s|</os>|</os><cputune><vcpupin vcpu='0' cpuset='1'/><emulatorpin cpuset='0'/></cputune>|" "$xml"
	run -0 vm-start --paused "$xml"
	pid=$(qemu_pid tune)
	for t in /proc/"$pid"/task/*; do
		case $(cat "$t/comm") in
		"CPU 0/"*) want=1 vcpus=$((vcpus + 1)) ;;	# its <vcpupin>
		"CPU 1/"*) want=0-1 vcpus=$((vcpus + 1)) ;;	# no pin: <vcpu cpuset>, not <emulatorpin>
		*) want=0 ;;		# the emulator's
		esac
		[ "$(sed -n 's/^Cpus_allowed_list:\t//p' "$t/status")" = "$want" ]
	done
	[ "$vcpus" = 2 ]
	# QEMU took the balloon's target (vm-start fails on its refusal); no guest driver shows it
	run -0 vm-stop --force tune
	sed -i -e "s|<memballoon model='virtio'/>|<memballoon model='none'/>|" "$xml"
	run -3 vm-start --check "$xml"
	assert_output "vm-start: $xml:4: <currentMemory>: below <memory> needs a <memballoon model='virtio'> to hold the guest there, not model 'none'; or make it <memory>"
}

@test "vm-start --check and --print-argv exclude each other" {
	run -2 vm-start --check --print-argv x.xml
	assert_output --partial "exclude each other"
	run -2 vm-start --all --check
	assert_output --partial "--all takes no DOMAIN, no --print-argv and no --check"
}

@test "vm-start rejects malformed XML with the file and line, and creates nothing" {
	printf '<domain type="kvm">\n<name>x</name>\n<oops>\n</domain>\n' > "$TEST_DIR/bad.xml"
	run -3 vm-start "$TEST_DIR/bad.xml"
	assert_output --partial "$TEST_DIR/bad.xml:"
	[ ! -e "$VMKIT_RUNDIR" ]
}

@test "vm-start rejects an unknown element naming it and its line" {
	xml=$(make_domain unk "<hostdev mode='subsystem'/>")
	run -3 vm-start "$xml"
	assert_output --regexp "unk.xml:[0-9]+: .*hostdev"
	[ ! -e "$VMKIT_RUNDIR" ]
}

@test "vm-start rejects a missing disk file with exit 3 and changes nothing" {
	xml=$(make_domain nodisk "$(disk_xml "$TEST_DIR/missing.qcow2" vda)")
	run -3 vm-start "$xml"
	assert_output --partial "missing.qcow2"
	[ ! -e "$VMKIT_RUNDIR" ]
}

@test "a sata disk beyond sdf is refused before anything is leased or labelled" {
	local disk
	make_disk "$TEST_DIR/a.qcow2"
	make_disk "$TEST_DIR/b.qcow2"
	chown root:root "$TEST_DIR/a.qcow2" "$TEST_DIR/b.qcow2"
	chmod 0600 "$TEST_DIR/a.qcow2" "$TEST_DIR/b.qcow2"
	disk="<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$TEST_DIR/b.qcow2'/><target dev='sdg' bus='sata'/></disk>"
	xml=$(make_domain sg "$(disk_xml "$TEST_DIR/a.qcow2" vda)" "$disk")
	run -3 vm-start "$xml"
	assert_output "vm-start: $xml:8: <target>: target dev 'sdg' has no sata port (expected sda to sdf)"
	[ ! -e "$VMKIT_RUNDIR/domains/sg" ]
	[ ! -e "$VMKIT_RUNDIR/leases" ]
	[ "$(stat -c %u:%g:%a "$TEST_DIR/a.qcow2")" = "0:0:600" ]
	[ "$(stat -c %u:%g:%a "$TEST_DIR/b.qcow2")" = "0:0:600" ]
	[ -z "$(xattrs_left "$TEST_DIR/a.qcow2")" ]
	[ -z "$(xattrs_left "$TEST_DIR/b.qcow2")" ]
}

@test "vm-start rejects an invalid domain NAME" {
	run -3 vm-start 'bad$name'
	assert_output --partial "bad\$name"
}

@test "vm-start of an unknown NAME names the file it looked for" {
	run -3 vm-start no-such-domain-xyz
	assert_output --partial "$TEST_DIR/domains/no-such-domain-xyz.xml"
	[ ! -e "$VMKIT_RUNDIR" ]
}

@test "vm-start NAME starts domains/NAME.xml next to the configuration file" {
	make_disk "$TEST_DIR/a.qcow2"
	mkdir "$TEST_DIR/domains"
	mv "$(make_domain byname "$(disk_xml "$TEST_DIR/a.qcow2" vda)")" "$TEST_DIR/domains/byname.xml"
	run -0 vm-start byname
	run -0 vm-status --json byname
	assert_output --partial '"state":"running"'
	run -1 vm-lock status "$TEST_DIR/a.qcow2"
	assert_line --index 0 "exclusive byname          $TEST_DIR/a.qcow2"
	run -0 vm-stop --force byname
}

@test "vm-start NAME refuses a file whose <name> is another, and changes nothing" {
	make_disk "$TEST_DIR/a.qcow2"
	mkdir "$TEST_DIR/domains"
	mv "$(make_domain other "$(disk_xml "$TEST_DIR/a.qcow2" vda)")" "$TEST_DIR/domains/byname.xml"
	run -3 vm-start byname
	assert_output "vm-start: $TEST_DIR/domains/byname.xml: domain name 'other' does not match 'byname'"
	[ ! -e "$VMKIT_RUNDIR/domains/byname" ]
	[ ! -e "$VMKIT_RUNDIR/domains/other" ]
	run -0 vm-lock status "$TEST_DIR/a.qcow2"
	assert_line --index 0 "free      -               $TEST_DIR/a.qcow2"
}

@test "vm-start runs QEMU unprivileged, without capabilities, and returns silently" {
	make_disk "$TEST_DIR/a.qcow2"
	xml=$(make_domain caps "$(disk_xml "$TEST_DIR/a.qcow2" vda)")
	run -0 vm-start "$xml"
	assert_output ""
	pid=$(qemu_pid caps)
	[ "$(stat -c %U /proc/$pid)" = "$QEMU_USER" ]
	grep -q '^CapEff:[[:space:]]*0000000000000000$' /proc/$pid/status
	grep -q '^CapPrm:[[:space:]]*0000000000000000$' /proc/$pid/status
	grep -q '^CapBnd:[[:space:]]*0000000000000000$' /proc/$pid/status
	grep -q '^NoNewPrivs:[[:space:]]*1$' /proc/$pid/status
	alive_lock_held caps
	run -0 vm-status caps
	assert_output --regexp "^caps +running +$pid "
	[ "$(stat -c %a "$VMKIT_RUNDIR")" = 700 ]
	[ "$(stat -c %a "$VMKIT_RUNDIR/domains/caps")" = 700 ]
	[ "$(stat -c %a "$VMKIT_RUNDIR/domains/caps/status.json")" = 600 ]
}

@test "vm-start sets no_new_privs itself: QEMU has it without its own seccomp sandbox" {
	echo 'seccomp_sandbox = 0' >> "$VMKIT_CONF"
	run -0 vm-start "$(make_domain nnp)"
	pid=$(qemu_pid nnp)
	# no -sandbox: QEMU installed no filter, which would set the flag too
	grep -q '^Seccomp:[[:space:]]*0$' /proc/$pid/status
	grep -q '^NoNewPrivs:[[:space:]]*1$' /proc/$pid/status
	run -0 vm-stop --force nnp
}

@test "a numeric user = \"+UID\" runs QEMU with that user's primary and supplementary groups" {
	printf 'user = "+%s"\n' "$(id -u "$QEMU_USER")" > "$VMKIT_CONF"
	make_disk "$TEST_DIR/a.qcow2"
	run -0 vm-start "$(make_domain num "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	pid=$(qemu_pid num)
	grep -q "^Uid:[[:space:]]*$(id -u "$QEMU_USER")[[:space:]]" /proc/$pid/status
	grep -q "^Gid:[[:space:]]*$(id -g "$QEMU_USER")[[:space:]]" /proc/$pid/status
	[ "$(grep '^Groups:' /proc/$pid/status | tr -s ' \t' '\n' | tail -n +2 | sort -n | xargs)" = \
	  "$(id -G "$QEMU_USER" | tr ' ' '\n' | sort -n | xargs)" ]
	run -0 vm-stop --force num
}

@test "a qemu user in more groups than vm-start first asks for still gets every one of them" {
	# 40 supplementary groups, past the 32 vm-start sizes its first
	# getgrouplist for; made here and removed in teardown_many
	useradd --system --no-create-home --shell /usr/sbin/nologin vmkit-many
	for i in $(seq 40); do
		groupadd --system "vmkit-many$i"
		usermod -a -G "vmkit-many$i" vmkit-many
	done
	printf 'user = "vmkit-many"\n' > "$VMKIT_CONF"
	run -0 vm-start "$(make_domain many)"
	[ "$(grep '^Groups:' /proc/$(qemu_pid many)/status | tr -s ' \t' '\n' | tail -n +2 | sort -n | xargs)" = \
	  "$(id -G vmkit-many | tr ' ' '\n' | sort -n | xargs)" ]
	[ "$(id -G vmkit-many | wc -w)" -eq 41 ]
	run -0 vm-stop --force many
}

@test "QEMU gets a fixed environment, cwd / and umask 077, nothing of the caller's" {
	mkdir -m 0755 "$TEST_DIR/elsewhere"
	xml=$(make_domain env)
	(cd "$TEST_DIR/elsewhere" && umask 022 &&
		VMKIT_SECRET=hunter2 LD_PRELOAD= HOME=/root vm-start "$xml")
	pid=$(qemu_pid env)
	dir="$VMKIT_RUNDIR/domains/env"
	run -0 bash -c "tr '\\0' '\\n' < /proc/$pid/environ | sort"
	assert_output "HOME=$dir
LC_ALL=C
PATH=/usr/sbin:/usr/bin:/sbin:/bin
XDG_CACHE_HOME=$dir
XDG_CONFIG_HOME=$dir
XDG_DATA_HOME=$dir
XDG_RUNTIME_DIR=$dir
XDG_STATE_HOME=$dir"
	[ "$(readlink /proc/$pid/cwd)" = / ]
	grep -q '^Umask:[[:space:]]*0077$' /proc/$pid/status
	# HOME is out of QEMU's reach: nothing is read from it or left in it
	run -1 runuser -u "$QEMU_USER" -- test -x "$dir"
}

@test "vm-start gives QEMU exactly stdio, its leases, liveness, monitor and images as fds" {
	fd_report_emulator
	make_disk "$TEST_DIR/a.qcow2"
	make_disk "$TEST_DIR/b.img" raw
	xml=$(make_domain fds "$(disk_xml "$TEST_DIR/a.qcow2" vda)" \
		"$(disk_xml "$TEST_DIR/b.img" vdb "<readonly/>" raw)")
	run -0 vm-start --paused "$xml"
	assert_qemu_fds fds
	run -0 vm-stop --force fds
}

@test "vm-start --paused leaves the guest paused" {
	xml=$(make_domain paused)
	run -0 vm-start --paused "$xml"
	run -0 vm-status paused
	assert_output --regexp "^paused +paused "
}

@test "vm-start of a running domain exits 1 and leaves it running" {
	xml=$(make_domain twice)
	run -0 vm-start "$xml"
	pid=$(qemu_pid twice)
	run -1 vm-start "$xml"
	assert_output --partial "domain 'twice' is already running"
	[ -d /proc/$pid ]
	[ "$(qemu_pid twice)" = "$pid" ]
}

@test "vm-start reports an emulator that dies at once and leaves no state" {
	make_disk "$TEST_DIR/a.qcow2"
	xml=$(make_domain dies "$(disk_xml "$TEST_DIR/a.qcow2" vda)")
	sed -i "s|<devices>|<devices><emulator>$TEST_DIR/fake-qemu</emulator>|" "$xml"
	printf '#!/bin/sh\necho "fake qemu: cannot go on" >&2\nexit 1\n' > "$TEST_DIR/fake-qemu"
	chmod 755 "$TEST_DIR/fake-qemu"
	run -4 vm-start "$xml"
	assert_output "vm-start: qemu exited during start-up: fake qemu: cannot go on"
	[ ! -e "$VMKIT_RUNDIR/domains/dies/status.json" ]
	[ ! -e "$VMKIT_RUNDIR/domains/dies/pid" ]
	run -0 vm-lock status "$TEST_DIR/a.qcow2"
}

@test "an emulator that exits silently is reported by its status, not by vmkit's own log line" {
	make_disk "$TEST_DIR/a.qcow2"
	printf '#!/bin/sh\nexit 7\n' > "$TEST_DIR/fake-qemu"
	chmod 755 "$TEST_DIR/fake-qemu"
	printf 'emulator = "%s"\n' "$TEST_DIR/fake-qemu" >> "$VMKIT_CONF"
	xml=$(make_domain quiet "$(disk_xml "$TEST_DIR/a.qcow2" vda)")
	run -4 vm-start "$xml"
	assert_output "vm-start: qemu exited during start-up with status 7 and wrote nothing"
	# a second failure is not reported with the first one's log
	printf '#!/bin/sh\nkill -9 $$\n' > "$TEST_DIR/fake-qemu"
	run -4 vm-start "$xml"
	assert_output "vm-start: qemu was killed by signal 9 during start-up"
	[ ! -e "$VMKIT_RUNDIR/domains/quiet/status.json" ]
	run -0 vm-lock status "$TEST_DIR/a.qcow2"
	[ "$(stat -c %U:%a "$TEST_DIR/a.qcow2")" = "$QEMU_USER:644" ]
}

@test "an emulator that drops its liveness lock but lingers does not hang vm-start" {
	# lets go of the liveness lock, then of the monitor, and stays
	cat > "$TEST_DIR/fake-qemu" <<'SH'
#!/bin/bash
for fd in /proc/$$/fd/*; do
	case $(readlink "$fd") in */alive) eval "exec ${fd##*/}>&-" ;; esac
done
echo lingering >&2
sleep 0.5
for fd in /proc/$$/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done
exec sleep 60
SH
	chmod 755 "$TEST_DIR/fake-qemu"
	printf 'emulator = "%s"\n' "$TEST_DIR/fake-qemu" >> "$VMKIT_CONF"
	SECONDS=0
	run -4 vm-start "$(make_domain linger)"
	[ "$SECONDS" -lt 20 ]
	assert_output "vm-start: qemu exited during start-up: lingering"
	run -1 pgrep -f "sleep 60" -u "$QEMU_USER"
	[ ! -e "$VMKIT_RUNDIR/domains/linger/status.json" ]
}

# QEMU gets its disks as fds that vm-start opened, so a file it could not
# open by name no longer makes it fail: a feature it does not know does.
@test "vm-start reports a QEMU that cannot open its disk, and undoes everything" {
	make_disk "$TEST_DIR/a.qcow2"
	unknown_feature "$TEST_DIR/a.qcow2"
	xml=$(make_domain noperm "$(disk_xml "$TEST_DIR/a.qcow2" vda)")
	run -4 vm-start "$xml"
	assert_output --partial "vm-start: qemu exited during start-up: "
	assert_output --partial "Unsupported qcow2 feature"
	[ ! -e "$VMKIT_RUNDIR/domains/noperm/status.json" ]
	run -0 vm-lock status "$TEST_DIR/a.qcow2"
	run -1 vm-status noperm
}

@test "vm-start refuses an unknown QEMU user with exit 3" {
	printf 'user = "no-such-user-xyz"\n' > "$VMKIT_CONF"
	xml=$(make_domain nouser)
	run -3 vm-start "$xml"
	assert_output --partial "unknown qemu user 'no-such-user-xyz'"
	[ ! -e "$VMKIT_RUNDIR/domains/nouser/status.json" ]
}

@test "vm-start reports a bad vmkit.conf with file, line and key" {
	printf 'user = "%s"\nshutdown_timeout = "soon"\n' "$QEMU_USER" > "$VMKIT_CONF"
	xml=$(make_domain badconf)
	run -3 vm-start "$xml"
	assert_output --partial "$VMKIT_CONF:2: shutdown_timeout"
	[ ! -e "$VMKIT_RUNDIR" ]
}

@test "vm-start refuses a run directory that another user owns" {
	mkdir -m 0700 "$VMKIT_RUNDIR"
	chown 4242 "$VMKIT_RUNDIR"
	xml=$(make_domain owner)
	run -3 vm-start "$xml"
	assert_output "vm-start: refusing '$VMKIT_RUNDIR': owned by uid 4242, not by uid 0"
}

@test "vm-start refuses a run directory that is a symlink" {
	mkdir -m 0700 "$TEST_DIR/elsewhere"
	ln -s "$TEST_DIR/elsewhere" "$VMKIT_RUNDIR"
	xml=$(make_domain symlinked)
	run -3 vm-start "$xml"
	assert_output "vm-start: refusing '$VMKIT_RUNDIR': not a directory (a symlink?)"
	[ -z "$(ls -A "$TEST_DIR/elsewhere")" ]
}

@test "vm-start refuses a domain left behind by a crash until vm-stop cleans it" {
	xml=$(make_domain stale)
	run -0 vm-start "$xml"
	kill_qemu stale
	run -1 vm-start "$xml"
	assert_output --partial "run 'vm-stop stale' first"
	run -0 vm-stop stale
	run -0 vm-start "$xml"
}

@test "QEMU runs inside its seccomp sandbox by default" {
	run -0 vm-start "$(make_domain sb)"
	grep -q '^Seccomp:[[:space:]]*2$' /proc/$(qemu_pid sb)/status
}

@test "seccomp_sandbox = 0 starts QEMU without the sandbox" {
	echo 'seccomp_sandbox = 0' >> "$VMKIT_CONF"
	run -0 vm-start --print-argv "$(make_domain nosb)"
	refute_output --partial "-sandbox"
	run -0 vm-start "$(make_domain nosb)"
	grep -q '^Seccomp:[[:space:]]*0$' /proc/$(qemu_pid nosb)/status
}

@test "run by another user, vm-start runs QEMU as that user and changes no owner" {
	mkdir "$TEST_DIR/home"
	chown "$QEMU_USER:" "$TEST_DIR/home"
	make_disk "$TEST_DIR/home/a.qcow2"
	chmod 600 "$TEST_DIR/home/a.qcow2"
	xml=$(make_domain sess "$(disk_xml "$TEST_DIR/home/a.qcow2" vda)")
	# the build tree may be private to root: the user runs copies
	mkdir -m 0755 "$TEST_DIR/bin"
	cp "$(command -v vm-start)" "$(command -v vm-stop)" "$(command -v vm-status)" "$TEST_DIR/bin/"
	as_user() {
		runuser -u "$QEMU_USER" -- env -u VMKIT_CONF VMKIT_RUNDIR= \
			XDG_RUNTIME_DIR="$TEST_DIR/home" PATH="$TEST_DIR/bin:$PATH" "$@"
	}
	run -0 as_user vm-start "$xml"
	[ -d "$TEST_DIR/home/vmkit/domains/sess" ]
	pid=$(cat "$TEST_DIR/home/vmkit/domains/sess/pid")
	[ "$(stat -c %U /proc/$pid)" = "$QEMU_USER" ]
	grep -q '^CapEff:[[:space:]]*0000000000000000$' /proc/$pid/status
	[ "$(stat -c %U:%a "$TEST_DIR/home/a.qcow2")" = "$QEMU_USER:600" ]
	run -0 as_user vm-status --json sess
	[ "$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["uid"])' "$output")" = "$(id -u "$QEMU_USER")" ]
	run -0 as_user vm-stop --force sess
	wait_gone "$pid"
	[ "$(stat -c %U:%a "$TEST_DIR/home/a.qcow2")" = "$QEMU_USER:600" ]
}

@test "a domain with a 15 MiB <description> starts, shows as running and stops with its disk given back" {
	own_disk "$TEST_DIR/a.qcow2" root:root 600
	xml=$(make_domain big "$(disk_xml "$TEST_DIR/a.qcow2" vda)")
	# quotes and slashes, which JSON escapes, make the worst text to record
	python3 -c 'import sys; print("<description>" + "\"/&quot;" * (15 * 1024 * 1024 // 9) + "</description>")' > "$TEST_DIR/desc"
	sed -i "/<vcpu>/r $TEST_DIR/desc" "$xml"
	run -0 vm-start "$xml"
	run -0 vm-status big
	assert_output --partial "running"
	# the XML is kept beside the status, which stays small
	[ "$(stat -c %s "$VMKIT_RUNDIR/domains/big/status.json")" -lt 65536 ]
	[ "$(stat -c %a "$VMKIT_RUNDIR/domains/big/domain.xml")" = 600 ]
	run -0 vm-stop --force big
	[ "$(stat -c %u:%g:%a "$TEST_DIR/a.qcow2")" = "0:0:600" ]
	[ -z "$(xattrs_left "$TEST_DIR/a.qcow2")" ]
	[ ! -e "$VMKIT_RUNDIR/domains/big/domain.xml" ]
}

@test "the same disk listed twice with one read-write is refused with exit 3 naming both lines, and nothing is leased or labelled" {
	own_disk "$TEST_DIR/a.qcow2" root:root 600
	ln -s a.qcow2 "$TEST_DIR/alias.qcow2"
	xml=$(make_domain twice "$(disk_xml "$TEST_DIR/a.qcow2" vda)" "$(disk_xml "$TEST_DIR/alias.qcow2" vdb "<readonly/>")")
	line=$(grep -n "target dev='vdb'" "$xml" | cut -d: -f1)
	run -3 vm-start "$xml"
	assert_output "vm-start: $xml:$line: <disk>: '$TEST_DIR/a.qcow2' is already disk 'vda' (line $((line - 1))); one file can be two disks only when all are read-only or shareable"
	[ "$(stat -c %u:%g:%a "$TEST_DIR/a.qcow2")" = "0:0:600" ]
	[ -z "$(xattrs_left "$TEST_DIR/a.qcow2")" ]
	run -0 vm-lock status "$TEST_DIR/a.qcow2"
	[ ! -e "$VMKIT_RUNDIR/domains/twice/status.json" ]
}

@test "<memory> below 1 MiB or above 16 TiB is refused with exit 3 naming its line" {
	xml=$(make_domain mem)
	line=$(grep -n "<memory" "$xml" | cut -d: -f1)
	for size in "<memory unit='KiB'>8</memory>" "<memory unit='b'>1</memory>" \
		"<memory unit='TiB'>17</memory>" "<memory unit='EiB'>16</memory>"; do
		sed -i "${line}s|.*|  $size|" "$xml"
		run -3 vm-start "$xml"
		assert_output --partial "vm-start: $xml:$line: <memory>: size "
		assert_output --partial "is outside 1 MiB to 16 TiB"
	done
	sed -i "${line}s|.*|  <memory unit='MiB'>1</memory>|" "$xml"
	run -0 vm-start --print-argv "$xml"
	assert_output --partial "size=1024k"
}

@test "vm-start --all refuses a DOMAIN with exit 2" {
	run -2 vm-start --all x
	assert_output --partial "--all takes no DOMAIN"
}

@test "vm-start --all without an autostart directory starts nothing and exits 0" {
	run -0 vm-start --all
	assert_output ""
	run -0 vm-status
	assert_output ""
}

@test "vm-start --all starts the marked domains, skips a running one, and names a broken one with its exit status" {
	local d pid
	mkdir "$TEST_DIR/domains" "$TEST_DIR/autostart"
	for d in a1 a3 a4 a5; do
		mv "$(make_domain "$d")" "$TEST_DIR/domains/$d.xml"
	done
	printf '<domain>\n  <name>a2</name>\n  <bogus/>\n</domain>\n' > "$TEST_DIR/domains/a2.xml"
	for d in a1 a2 a3 a5; do
		ln -s "../domains/$d.xml" "$TEST_DIR/autostart/$d.xml"
	done
	run -0 vm-start a5
	pid=$(qemu_pid a5)
	run -3 vm-start --all
	assert_line --index 0 --partial "vm-start: cannot start domain 'a2': "
	assert_output --partial "a2.xml:"
	assert_line "vm-start: domain 'a5' is already running"
	assert_line "vm-start: not every domain marked in '$TEST_DIR/autostart' was started"
	run -0 vm-status a1
	run -0 vm-status a3
	run -1 vm-status a4
	run -1 vm-status a2
	[ "$(qemu_pid a5)" = "$pid" ]
}

# What libvirt 9.0 gives for the same disks (virsh domxml-to-native
# qemu-argv, its node names and ids aside): ide-hd on ide.0 unit 0 with
# werror, rerror, wwn and block sizes; aio and detect-zeroes on the nodes;
# usb-storage on usb.0, removable off; floppy unit 1; isa-fdc on q35;
# bootindex 1 on the first disk, libvirt's default boot device.
@test "vm-start --print-argv gives libvirt's devices and node options for ide, usb, fdc and scsi disks" {
	local d
	for d in a b c; do make_disk "$TEST_DIR/$d.img" raw 1M; done
	xml=$(make_domain lv "<controller type='usb' model='piix3-uhci'/>
<disk type='file'><driver name='qemu' type='raw' cache='none' io='native' detect_zeroes='unmap' error_policy='stop' rerror_policy='report'/><source file='$TEST_DIR/a.img'/><target dev='hda' bus='ide'/><wwn>5000c50015ea71ac</wwn><blockio logical_block_size='512' physical_block_size='4096'/></disk>
<disk type='file'><driver name='qemu' type='raw' io='io_uring' discard='ignore' error_policy='ignore'/><source file='$TEST_DIR/b.img'/><target dev='sdc' bus='usb'/></disk>
<disk type='file' device='floppy'><source file='$TEST_DIR/c.img'/><target dev='fdb'/></disk>
<disk type='file' device='cdrom'><target dev='hdd'/></disk>")
	run -0 vm-start --print-argv "$xml"
	assert_output --partial "'-device' 'ide-hd,bus=ide.0,unit=0,bootindex=1,drive=drive-hda,id=hda,logical_block_size=512,physical_block_size=4096,wwn=5764824127192592812,werror=stop,rerror=report,write-cache=on'"
	assert_output --partial '"node-name":"file-hda","aio":"native"'
	assert_output --partial '"discard":"unmap","detect-zeroes":"unmap"}'
	assert_output --partial "'-device' 'usb-storage,removable=off,drive=drive-sdc,id=sdc,werror=ignore,rerror=ignore,write-cache=on,bus=usb.0,port=1'"
	assert_output --partial '"node-name":"file-sdc","aio":"io_uring"'
	assert_output --partial '"node-name":"drive-sdc","file":"file-sdc","read-only":false,"cache":{"direct":false,"no-flush":false},"discard":"ignore"}'
	assert_output --partial "'-device' 'floppy,unit=1,drive=drive-fdb,id=fdb,write-cache=on'"
	assert_output --partial "'-device' 'ide-cd,bus=ide.1,unit=1,id=hdd'"
	refute_output --partial "isa-fdc"
	sed -i -e "s|machine='pc'|machine='q35'|" -e '/hda\|hdd/d' "$xml"
	run -0 vm-start --print-argv "$xml"
	assert_output --partial "'-device' 'isa-fdc' "
}
