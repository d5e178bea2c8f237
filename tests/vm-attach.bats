#!/usr/bin/env bats
# vm-attach: hotplug, unplug and cdrom media change on running QEMU, with
# the disk's lease handed to QEMU and its owner given back afterwards.

load helpers

setup() { common_setup; }
teardown() { common_teardown; }

# root_disk PATH [FORMAT]: an image that only root can open (0600), so
# QEMU can use it only once it is labelled.
root_disk() { own_disk "$1" root:root 600 "${2:-qcow2}"; }

# attach_domain NAME MACHINE [ACPI] [DISKXML...]: make_domain on MACHINE
# (pc or q35), with <features><acpi/></features> when ACPI is "acpi".
attach_domain() {
	local name=$1 machine=$2 acpi=$3 xml
	shift 3
	xml=$(make_domain "$name" "$@")
	sed -i "s/machine='pc'/machine='$machine'/" "$xml"
	[ "$acpi" != acpi ] || sed -i 's|<devices>|<features><acpi/></features>\n  <devices>|' "$xml"
	echo "$xml"
}

# with_root_ports XML N: N explicit pcie-root-port controllers.
with_root_ports() {
	local i ctl=
	for i in $(seq "$2"); do
		ctl="$ctl<controller type='pci' model='pcie-root-port'/>"
	done
	sed -i "s|<devices>|<devices>$ctl|" "$1"
}

cdrom_xml() {
	echo "<disk type='file' device='cdrom'><driver name='qemu' type='raw'/>${1:+<source file='$1'/>}<target dev='$2' bus='$3'/></disk>"
}

# drives NAME: "DEV=FILE NODE" for every drive QEMU has (FILE empty when
# none), DEV being the device id. QEMU opened each file as /dev/fdset/N:
# FILE is what the fd in that set is, as /proc/QEMU/fd shows it.
drives() {
	local sets
	sets=$(qmp "$1" query-fdsets) || return 1
	qmp "$1" query-block | python3 -c '
import json, os, sys
sets = {s["fdset-id"]: s["fds"] for s in json.loads(sys.argv[1])}
for b in json.load(sys.stdin):
    dev = b["qdev"].removeprefix("/machine/peripheral/").removesuffix("/virtio-backend")
    ins = b.get("inserted")
    f = ins["file"] if ins else ""
    if f.startswith("/dev/fdset/"):
        f = os.readlink("/proc/%s/fd/%d" % (sys.argv[2], sets[int(f[11:])][0]["fd"]))
    print("%s=%s%s" % (dev, f, " " + ins["node-name"] if ins else ""))
' "$sets" "$(qemu_pid "$1")" | sort
}

# owner PATH: uid:gid:mode
owner() {
	stat -c %u:%g:%a "$1"
}

# given_back PATH...: each file is free, root's again and without vmkit's xattrs.
given_back() {
	local f
	for f in "$@"; do
		run -0 vm-lock status "$f"
		assert_output --regexp "^free "
		[ "$(owner "$f")" = 0:0:600 ]
		[ -z "$(xattrs_left "$f")" ]
	done
}

# snapshot NAME PATH: what must not change when an attach is refused.
snapshot() {
	echo "status $(sha256sum < "$VMKIT_RUNDIR/domains/$1/status.json")"
	echo "drives $(drives "$1" | tr '\n' ' ')"
	[ -z "${2:-}" ] || echo "file $(owner "$2") $(xattrs_left "$2" | tr '\n' ' ')"
}

@test "vm-attach --help prints usage and exits 0" {
	run -0 vm-attach --help
	assert_line --index 0 --partial "Usage: vm-attach NAME --disk PATH --target DEV"
}

@test "vm-attach usage errors exit 2" {
	run -2 vm-attach
	assert_output --partial "vm-attach: missing NAME"
	run -2 vm-attach web
	assert_output --partial "vm-attach: missing --disk, DEVICE.xml, --detach, --eject, --insert, --interface or --detach-interface"
	run -2 vm-attach web --disk /x
	assert_output --partial "vm-attach: --disk needs --target"
	run -2 vm-attach web --detach vdb --eject sda
	assert_output --partial "vm-attach: --disk, --detach, --eject, --insert, --interface and --detach-interface exclude each other"
	run -2 vm-attach web --insert sda
	assert_output --partial "vm-attach: missing PATH for --insert"
	run -2 vm-attach web --detach vdb --bus scsi
	assert_output --partial "vm-attach: --target, --bus"
	run -2 vm-attach web --insert sdb /x --timeout 5
	assert_output --partial "vm-attach: --timeout goes with --detach"
	run -2 vm-attach web --disk /x --target vdb --timeout 5
	assert_output --partial "vm-attach: --timeout goes with --detach"
}

@test "vm-attach to a domain that is not running exits 1" {
	make_disk "$TEST_DIR/a.qcow2"
	run -1 vm-attach nothere --disk "$TEST_DIR/a.qcow2" --target vdb --format qcow2
	assert_output "vm-attach: domain 'nothere' is not running"
	run -1 vm-attach nothere --detach vdb
	assert_output "vm-attach: domain 'nothere' is not running"
}

@test "an attached qcow2 is in the guest, labelled, and its lease outlives vm-attach and QMP clients" {
	root_disk "$TEST_DIR/a.qcow2"
	run -0 vm-start "$(attach_domain one q35 "")"
	run -0 vm-attach one --disk "$TEST_DIR/a.qcow2" --target vdb --format qcow2
	assert_output ""
	run -0 drives one
	assert_output "vdb=$TEST_DIR/a.qcow2 drive-vdb"
	# the monitor had other clients since; QEMU's named fd keeps the lease
	run -1 vm-lock status "$TEST_DIR/a.qcow2"
	assert_output "exclusive one             $TEST_DIR/a.qcow2
exclusive one             $(stat -c 'inode:%Hd:%Ld:%i' "$TEST_DIR/a.qcow2")"
	[ "$(stat -c %U "$TEST_DIR/a.qcow2")" = "$QEMU_USER" ]
	[ "$(getfattr --only-values -n trusted.vmkit.dac "$TEST_DIR/a.qcow2")" = 0:0 ]
	# the root port libvirt adds for hotplug, after the USB controller's and the balloon's
	[ "$(status_disk one vdb)" = "vdb $TEST_DIR/a.qcow2 exclusive applied pci.3" ]
}

@test "a relative path is vm-attach's: QEMU gets the file vm-attach leased, not one in its own directory" {
	mkdir "$TEST_DIR/qemu-cwd" "$TEST_DIR/attach-cwd"
	root_disk "$TEST_DIR/qemu-cwd/d.img" raw
	root_disk "$TEST_DIR/attach-cwd/d.img" raw
	root_disk "$TEST_DIR/attach-cwd/iso.iso" raw
	cd "$TEST_DIR/qemu-cwd"
	run -0 vm-start "$(attach_domain one q35 "" "$(cdrom_xml "" sdc scsi)")"
	cd "$TEST_DIR/attach-cwd"
	run -0 vm-attach one --disk d.img --target vdb
	run -0 vm-attach one --insert sdc iso.iso
	run -0 drives one
	assert_output "sdc=$TEST_DIR/attach-cwd/iso.iso drive-sdc
vdb=$TEST_DIR/attach-cwd/d.img drive-vdb"
	run -0 images one
	assert_output "$TEST_DIR/attach-cwd/d.img
$TEST_DIR/attach-cwd/iso.iso"
	run -1 vm-lock status "$TEST_DIR/attach-cwd/d.img"
	given_back "$TEST_DIR/qemu-cwd/d.img"
}

@test "/proc/self/fd/N is the file vm-attach has open as N, for the lease and for QEMU" {
	root_disk "$TEST_DIR/x.img" raw
	run -0 vm-start "$(attach_domain one q35 "")"
	run -0 vm-attach one --disk /proc/self/fd/7 --target vdb 7< "$TEST_DIR/x.img"
	run -0 drives one
	assert_output "vdb=$TEST_DIR/x.img drive-vdb"
	run -1 vm-lock status "$TEST_DIR/x.img"
	assert_line -n 0 --regexp "^exclusive +one +$TEST_DIR/x.img$"
	run -0 images one
	assert_output "$TEST_DIR/x.img"
}

@test "a hotplugged overlay's root-owned backing file is leased and labelled, and given back at detach" {
	root_disk "$TEST_DIR/base.qcow2"
	qemu-img create -q -f qcow2 -b base.qcow2 -F qcow2 -u "$TEST_DIR/ov.qcow2" 16M
	chmod 600 "$TEST_DIR/ov.qcow2"
	run -0 vm-start "$(attach_domain one q35 "")"
	run -0 vm-attach one --disk "$TEST_DIR/ov.qcow2" --target vdb --format qcow2
	run -1 vm-lock status "$TEST_DIR/base.qcow2"
	assert_line -n 0 --regexp "^shared +one +$TEST_DIR/base.qcow2$"
	run -1 vm-lock run "$TEST_DIR/base.qcow2" -- true
	[ "$(stat -c %U "$TEST_DIR/base.qcow2")" = "$QEMU_USER" ]
	run -0 images one
	assert_output "$TEST_DIR/base.qcow2
$TEST_DIR/ov.qcow2"
	run -0 qmp one query-named-block-nodes
	assert_output --partial '"node-name": "b1-vdb"'
	run -0 vm-attach one --detach vdb
	given_back "$TEST_DIR/base.qcow2" "$TEST_DIR/ov.qcow2"
	run -0 images one
	assert_output ""
	run -0 qmp one query-fdsets
	assert_output "[]"
}

@test "a hotplugged disk's fd, passed with add-fd, stays usable after vm-attach has left" {
	root_disk "$TEST_DIR/s.img" raw
	run -0 vm-start "$(attach_domain one q35 "")"
	run -0 vm-attach one --disk "$TEST_DIR/s.img" --target vdb --shareable
	# QEMU closes the fds of a set nothing opened when its last client
	# leaves; the node holds a dup, so this one stays, and writes land
	run -0 qmp one human-monitor-command '{"command-line": "qemu-io drive-vdb \"write -P 0x5a 0 4096\""}'
	assert_output '""'
	[ "$(od -An -tx1 -N4 "$TEST_DIR/s.img" | tr -d ' ')" = 5a5a5a5a ]
}

@test "a hotplugged disk cannot be attached to or started by a second domain" {
	root_disk "$TEST_DIR/a.qcow2"
	run -0 vm-start "$(attach_domain one q35 "")"
	run -0 vm-start "$(attach_domain two q35 "")"
	run -0 vm-attach one --disk "$TEST_DIR/a.qcow2" --target vdb --format qcow2
	run -1 vm-attach two --disk "$TEST_DIR/a.qcow2" --target vdb --format qcow2
	assert_output "vm-attach: disk '$TEST_DIR/a.qcow2' is in use by domain 'one'"
	run -1 vm-start "$(make_domain three "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	assert_output --partial "disk '$TEST_DIR/a.qcow2' is in use by domain 'one'"
	run -0 drives two
	assert_output ""
}

@test "attaching a disk that another domain holds exits 1 and changes nothing" {
	root_disk "$TEST_DIR/a.qcow2"
	run -0 vm-start "$(attach_domain holder pc "" "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	run -0 vm-start "$(attach_domain other q35 "")"
	before_holder=$(snapshot holder "$TEST_DIR/a.qcow2")
	before_other=$(snapshot other)
	run -1 vm-attach other --disk "$TEST_DIR/a.qcow2" --target vdb --format qcow2
	assert_output "vm-attach: disk '$TEST_DIR/a.qcow2' is in use by domain 'holder'"
	[ "$(snapshot holder "$TEST_DIR/a.qcow2")" = "$before_holder" ]
	[ "$(snapshot other)" = "$before_other" ]
	run -1 vm-lock status "$TEST_DIR/a.qcow2"
	assert_output --regexp "^exclusive +holder "
}

@test "detach removes the device, frees the lease and gives the file back to its owner" {
	root_disk "$TEST_DIR/a.qcow2"
	run -0 vm-start "$(attach_domain one q35 "")"
	run -0 vm-attach one --disk "$TEST_DIR/a.qcow2" --target vdb --format qcow2
	[ "$(owner "$TEST_DIR/a.qcow2")" = "$(id -u $QEMU_USER):$(id -g $QEMU_USER):600" ]
	run -0 vm-attach one --detach vdb
	assert_output ""
	run -0 drives one
	assert_output ""
	run -0 qmp one qom-list '{"path": "/machine/peripheral"}'
	refute_output --partial '"vdb"'
	run -0 vm-lock status "$TEST_DIR/a.qcow2"
	assert_output --regexp "^free "
	[ "$(owner "$TEST_DIR/a.qcow2")" = 0:0:600 ]
	[ -z "$(xattrs_left "$TEST_DIR/a.qcow2")" ]
	run -1 status_disk one vdb
	# and the target can be used again
	run -0 vm-attach one --disk "$TEST_DIR/a.qcow2" --target vdb --format qcow2
}

@test "a QEMU failure during attach undoes every step and exits 4" {
	root_disk "$TEST_DIR/a.img"
	unknown_feature "$TEST_DIR/a.img"
	run -0 vm-start "$(attach_domain one q35 "")"
	before=$(snapshot one "$TEST_DIR/a.img")
	# QEMU refuses the format node
	run -4 vm-attach one --disk "$TEST_DIR/a.img" --target vdb --format qcow2
	assert_output --partial "vm-attach: cannot attach 'vdb' to domain 'one': 'blockdev-add' failed: qemu: "
	[ "$(snapshot one "$TEST_DIR/a.img")" = "$before" ]
	run -0 qmp one query-named-block-nodes
	refute_output --partial "file-vdb"
	run -0 vm-lock status "$TEST_DIR/a.img"
	# the named fd went too: the same target attaches now
	run -0 vm-attach one --disk "$TEST_DIR/a.img" --target vdb
}

@test "a disk from start-up on q35 sits on a root port of its own, as under libvirt, and stays while the guest keeps it" {
	make_disk "$TEST_DIR/a.qcow2"
	run -0 vm-start "$(attach_domain one q35 "" "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	# pci.1 is the USB controller's
	run -0 qmp one qom-get '{"path": "/machine/peripheral/vda", "property": "parent_bus"}'
	assert_output '"/machine/peripheral/pci.2/pci.2"'
	# the firmware powered its slot on, so the guest must release it
	run -1 vm-attach one --detach vda --timeout 1
	assert_output "vm-attach: the guest of domain 'one' did not release disk 'vda' within 1 s; it stays attached"
	run -1 vm-lock status "$TEST_DIR/a.qcow2"
	run -0 drives one
	assert_output "vda=$TEST_DIR/a.qcow2 drive-vda"
}

@test "a scsi disk gets a controller, attaches and detaches at once on a pc machine" {
	root_disk "$TEST_DIR/a.img" raw
	# ACPI, for the hotplugged controller; the disk on it needs no guest help
	run -0 vm-start "$(attach_domain one pc acpi)"
	run -0 vm-attach one --disk "$TEST_DIR/a.img" --target sdc --bus scsi
	run -0 drives one
	assert_output "sdc=$TEST_DIR/a.img drive-sdc"
	run -0 qmp one qom-list '{"path": "/machine/peripheral"}'
	assert_output --partial '"scsi0"'
	run -0 vm-attach one --detach sdc
	run -0 drives one
	assert_output ""
	run -0 vm-lock status "$TEST_DIR/a.img"
	[ "$(owner "$TEST_DIR/a.img")" = 0:0:600 ]
}

@test "a scsi disk attaches to and detaches from the lsi controller libvirt gives a <controller type='scsi'> without a model" {
	root_disk "$TEST_DIR/a.img" raw
	run -0 vm-start "$(attach_domain one pc "" "<controller type='scsi'/>")"
	run -0 qmp one qom-list '{"path": "/machine/peripheral"}'
	assert_output --partial '{"name": "scsi0", "type": "child<lsi53c895a>"}'
	run -0 vm-attach one --disk "$TEST_DIR/a.img" --target sdg --bus scsi
	run -0 drives one
	assert_output "sdg=$TEST_DIR/a.img drive-sdg"
	run -0 qmp one qom-get '{"path": "/machine/peripheral/sdg", "property": "scsi-id"}'
	assert_output 6
	run -0 vm-attach one --detach sdg
	run -0 drives one
	assert_output ""
}

# libvirt's rule at start is the rule of a hotplug: sdX of index N is
# unit N % 7 of scsi controller N / 7, the lun of target 0 on virtio-scsi.
@test "a hotplugged scsi disk takes libvirt's address: sdb is lun 1 of target 0 on virtio-scsi, and sdh without controller 1 is refused" {
	root_disk "$TEST_DIR/a.img" raw
	root_disk "$TEST_DIR/b.img" raw
	run -0 vm-start "$(attach_domain one pc acpi)"
	run -0 vm-attach one --disk "$TEST_DIR/a.img" --target sdb --bus scsi
	run -0 qmp one qom-get '{"path": "/machine/peripheral/sdb", "property": "scsi-id"}'
	assert_output 0
	run -0 qmp one qom-get '{"path": "/machine/peripheral/sdb", "property": "lun"}'
	assert_output 1
	run -0 qmp one qom-get '{"path": "/machine/peripheral/sdb", "property": "device_id"}'
	assert_output '"drive-scsi0-0-0-1"'
	run -3 vm-attach one --disk "$TEST_DIR/b.img" --target sdh --bus scsi
	assert_output "vm-attach: cannot hotplug 'sdh': it is unit 0 of scsi controller 1 (libvirt's 7 disks a controller), which domain 'one' does not have"
	run -0 drives one
	assert_output "sdb=$TEST_DIR/a.img drive-sdb"
	run -0 vm-attach one --detach sdb
}

@test "a guest that does not acknowledge the unplug keeps the disk, and exit is 1" {
	root_disk "$TEST_DIR/a.qcow2"
	# pc with ACPI: PCI unplug waits for the guest's ACPI, which SeaBIOS never answers
	run -0 vm-start "$(attach_domain deaf pc acpi)"
	run -0 vm-attach deaf --disk "$TEST_DIR/a.qcow2" --target vdb --format qcow2
	run -1 vm-attach deaf --detach vdb --timeout 1
	assert_output "vm-attach: the guest of domain 'deaf' did not release disk 'vdb' within 1 s; it stays attached"
	run -1 vm-lock status "$TEST_DIR/a.qcow2"
	[ "$(stat -c %U "$TEST_DIR/a.qcow2")" = "$QEMU_USER" ]
	status_disk deaf vdb
	run -0 vm-stop --force deaf
	[ "$(owner "$TEST_DIR/a.qcow2")" = 0:0:600 ]
}

@test "hotplug on pc without ACPI is refused before anything changes" {
	root_disk "$TEST_DIR/a.qcow2"
	run -0 vm-start "$(attach_domain noacpi pc "")"
	before=$(snapshot noacpi "$TEST_DIR/a.qcow2")
	run -1 vm-attach noacpi --disk "$TEST_DIR/a.qcow2" --target vdb --format qcow2
	assert_output "vm-attach: domain 'noacpi' cannot hotplug 'vdb' into pci.0: its machine 'pc' needs <features><acpi/></features>"
	[ "$(snapshot noacpi "$TEST_DIR/a.qcow2")" = "$before" ]
	run -0 vm-lock status "$TEST_DIR/a.qcow2"
}

@test "eject and insert on a scsi cdrom give back the old medium and lease the new one shared" {
	for i in 1 2; do
		truncate -s 1M "$TEST_DIR/iso$i.iso"
		chmod 0600 "$TEST_DIR/iso$i.iso"
	done
	run -0 vm-start "$(attach_domain cd pc "" "$(cdrom_xml "$TEST_DIR/iso1.iso" sdb scsi)")"
	[ "$(stat -c %U "$TEST_DIR/iso1.iso")" = "$QEMU_USER" ]
	# iso1 came with the start: its lease is an fd QEMU inherited
	run -0 vm-attach cd --eject sdb
	run -0 drives cd
	assert_output "sdb="
	run -0 vm-lock status "$TEST_DIR/iso1.iso"
	assert_output --regexp "^free "
	[ "$(owner "$TEST_DIR/iso1.iso")" = 0:0:600 ]
	[ -z "$(xattrs_left "$TEST_DIR/iso1.iso")" ]
	run -0 vm-attach cd --eject sdb

	run -0 vm-attach cd --insert sdb "$TEST_DIR/iso2.iso"
	run -0 drives cd
	assert_output "sdb=$TEST_DIR/iso2.iso drive-sdb"
	run -1 vm-lock status "$TEST_DIR/iso2.iso"
	assert_output --regexp "^shared +cd "
	[ "$(stat -c %U "$TEST_DIR/iso2.iso")" = "$QEMU_USER" ]

	# a loaded drive: the new medium first, then the old one goes back
	run -0 vm-attach cd --insert sdb "$TEST_DIR/iso1.iso"
	run -0 drives cd
	assert_output "sdb=$TEST_DIR/iso1.iso drive-sdb"
	run -0 vm-lock status "$TEST_DIR/iso2.iso"
	[ "$(owner "$TEST_DIR/iso2.iso")" = 0:0:600 ]
	run -1 vm-lock status "$TEST_DIR/iso1.iso"
	assert_output --regexp "^shared +cd "
	status_disk cd sdb | grep -q "^sdb $TEST_DIR/iso1.iso shared "
	run -0 vm-stop --force cd
	[ "$(owner "$TEST_DIR/iso1.iso")" = 0:0:600 ]
}

# iso_files N...: ISOs only root can open, isoN.iso in TEST_DIR.
iso_files() {
	local i
	for i in "$@"; do
		truncate -s 1M "$TEST_DIR/iso$i.iso"
		chmod 0600 "$TEST_DIR/iso$i.iso"
	done
}

@test "an insert QEMU refuses exits 4, gives both media back and leaves the drive empty but recorded" {
	iso_files 1
	root_disk "$TEST_DIR/iso2.iso"
	unknown_feature "$TEST_DIR/iso2.iso"
	run -0 vm-start "$(attach_domain cd pc "" "$(cdrom_xml "$TEST_DIR/iso1.iso" sdb scsi)")"
	# QEMU refuses the format node, the old medium already out
	run -4 vm-attach cd --insert sdb "$TEST_DIR/iso2.iso" --format qcow2
	assert_output --partial "vm-attach: cannot insert '$TEST_DIR/iso2.iso' into 'sdb': 'blockdev-add' failed: qemu: "
	run -0 drives cd
	assert_output "sdb="
	given_back "$TEST_DIR/iso2.iso" "$TEST_DIR/iso1.iso"
	# the drive is still there, and recorded: its target is not free
	run -0 status_disk cd sdb
	assert_output "sdb - none none -"
	run -1 vm-attach cd --disk "$TEST_DIR/iso2.iso" --target sdb
	assert_output "vm-attach: target 'sdb' is already in use in domain 'cd'"
	run -0 vm-attach cd --insert sdb "$TEST_DIR/iso2.iso"
	run -0 drives cd
	assert_output "sdb=$TEST_DIR/iso2.iso drive-sdb"
	run -0 status_disk cd sdb
	assert_output "sdb $TEST_DIR/iso2.iso shared applied -"
}

@test "an insert into a disk that is not a cdrom exits 3 and changes nothing" {
	make_disk "$TEST_DIR/a.img" raw
	iso_files 1
	run -0 vm-start "$(attach_domain one pc "" "$(disk_xml "$TEST_DIR/a.img" sda "" raw | sed "s/bus='virtio'/bus='scsi'/")")"
	before=$(snapshot one "$TEST_DIR/iso1.iso")
	run -3 vm-attach one --insert sda "$TEST_DIR/iso1.iso"
	assert_output "vm-attach: disk 'sda' of domain 'one' is not a cdrom"
	[ "$(snapshot one "$TEST_DIR/iso1.iso")" = "$before" ]
	given_back "$TEST_DIR/iso1.iso"
}

@test "an insert of a disk another domain holds exclusively exits 1 and keeps the old medium in" {
	make_disk "$TEST_DIR/w.img" raw
	iso_files 1
	run -0 vm-start "$(make_domain w "$(disk_xml "$TEST_DIR/w.img" vda "" raw)")"
	run -0 vm-start "$(attach_domain cd pc "" "$(cdrom_xml "$TEST_DIR/iso1.iso" sdb scsi)")"
	before=$(snapshot cd "$TEST_DIR/iso1.iso")
	run -1 vm-attach cd --insert sdb "$TEST_DIR/w.img"
	assert_output "vm-attach: disk '$TEST_DIR/w.img' is in use by domain 'w'"
	[ "$(snapshot cd "$TEST_DIR/iso1.iso")" = "$before" ]
	run -0 drives cd
	assert_output --regexp "^sdb=$TEST_DIR/iso1.iso "
	run -0 status_disk cd sdb
	assert_output "sdb $TEST_DIR/iso1.iso shared applied -"
	run -1 vm-lock status "$TEST_DIR/iso1.iso"
	assert_output --regexp "^shared +cd "
	run -1 vm-lock status "$TEST_DIR/w.img"
	assert_output --regexp "^exclusive +w "
}

@test "the medium from start-up inserted again, then ejected, is free and back with its owner" {
	iso_files 1
	run -0 vm-start "$(attach_domain cd pc "" "$(cdrom_xml "$TEST_DIR/iso1.iso" sdb scsi)")"
	run -0 vm-attach cd --insert sdb "$TEST_DIR/iso1.iso"
	run -0 drives cd
	assert_output "sdb=$TEST_DIR/iso1.iso drive-sdb"
	run -0 status_disk cd sdb
	assert_output "sdb $TEST_DIR/iso1.iso shared applied -"
	run -1 vm-lock status "$TEST_DIR/iso1.iso"
	assert_output --regexp "^shared +cd "
	# QEMU's inherited lease went with the old medium; the new one's is a named fd
	run -0 vm-attach cd --eject sdb
	given_back "$TEST_DIR/iso1.iso"
	run -0 status_disk cd sdb
	assert_output "sdb - none none -"
}

# cut_short NAME PATH: a second record of sdb in NAME, for PATH, as a
# medium change cut short leaves it: labelled, its lease gone with
# vm-attach.
cut_short() {
	chown "$QEMU_USER" "$2"
	python3 - "$VMKIT_RUNDIR/domains/$1/status.json" "$2" <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))
st["disks"].append({"target": "sdb", "path": sys.argv[2], "lease": "shared",
                    "label": "applied", "owner": [0, 0]})
json.dump(st, open(sys.argv[1], "w"))
PY
}

# records NAME TARGET: how many records TARGET has.
records() {
	python3 -c 'import json, sys; print(sum(d["target"] == sys.argv[2] for d in json.load(open(sys.argv[1]))["disks"]))' \
		"$VMKIT_RUNDIR/domains/$1/status.json" "$2"
}

@test "a drive with two records (a medium change cut short) is ejected, inserted and detached whole" {
	iso_files 1 2 3
	run -0 vm-start "$(attach_domain cd pc "" "$(cdrom_xml "$TEST_DIR/iso1.iso" sdb scsi)")"
	cut_short cd "$TEST_DIR/iso2.iso"
	run -0 vm-attach cd --eject sdb
	[ "$(records cd sdb)" = 1 ]
	run -0 status_disk cd sdb
	assert_output "sdb - none none -"
	given_back "$TEST_DIR/iso1.iso" "$TEST_DIR/iso2.iso"

	run -0 vm-attach cd --insert sdb "$TEST_DIR/iso1.iso"
	cut_short cd "$TEST_DIR/iso2.iso"
	run -0 vm-attach cd --insert sdb "$TEST_DIR/iso3.iso"
	[ "$(records cd sdb)" = 1 ]
	run -0 status_disk cd sdb
	assert_output "sdb $TEST_DIR/iso3.iso shared applied -"
	given_back "$TEST_DIR/iso1.iso" "$TEST_DIR/iso2.iso"

	cut_short cd "$TEST_DIR/iso2.iso"
	run -0 vm-attach cd --detach sdb
	run -1 status_disk cd sdb
	given_back "$TEST_DIR/iso2.iso" "$TEST_DIR/iso3.iso"
}

@test "an empty sata cdrom takes a medium, and the medium's lease goes with QEMU" {
	truncate -s 1M "$TEST_DIR/iso.iso"
	chmod 0600 "$TEST_DIR/iso.iso"
	run -0 vm-start "$(attach_domain cd pc "" "$(cdrom_xml "" sda sata)")"
	run -0 vm-attach cd --insert sda "$TEST_DIR/iso.iso"
	run -0 drives cd
	assert_output "sda=$TEST_DIR/iso.iso drive-sda"
	run -1 vm-lock status "$TEST_DIR/iso.iso"
	kill_qemu cd
	run -0 vm-lock status "$TEST_DIR/iso.iso"
	run -0 vm-stop cd
	[ "$(owner "$TEST_DIR/iso.iso")" = 0:0:600 ]
}

@test "eject of a disk that is not a cdrom exits 3, of an unknown one exits 1" {
	make_disk "$TEST_DIR/a.img" raw
	run -0 vm-start "$(attach_domain one pc "" "$(disk_xml "$TEST_DIR/a.img" sda "" raw | sed "s/bus='virtio'/bus='scsi'/")")"
	run -3 vm-attach one --eject sda
	assert_output "vm-attach: disk 'sda' of domain 'one' is not a cdrom"
	run -1 vm-attach one --eject sdz
	assert_output "vm-attach: domain 'one' has no cdrom 'sdz'"
	run -1 vm-attach one --detach vdz
	assert_output "vm-attach: domain 'one' has no disk 'vdz'"
	run -3 vm-attach one --detach pci.1
	assert_output "vm-attach: invalid target 'pci.1'"
}

@test "a disk from start-up detaches and its inherited lease is freed" {
	root_disk "$TEST_DIR/a.img" raw
	xml=$(attach_domain boot pc "" "$(disk_xml "$TEST_DIR/a.img" sda "" raw | sed "s/bus='virtio'/bus='scsi'/")")
	run -0 vm-start "$xml"
	run -1 vm-lock status "$TEST_DIR/a.img"
	run -0 vm-attach boot --detach sda
	run -0 drives boot
	assert_output ""
	run -0 vm-lock status "$TEST_DIR/a.img"
	[ "$(owner "$TEST_DIR/a.img")" = 0:0:600 ]
}

@test "SIGKILL of QEMU after a hotplug frees the lease, and vm-stop restores the owner" {
	root_disk "$TEST_DIR/a.qcow2"
	run -0 vm-start "$(attach_domain k q35 "")"
	run -0 vm-attach k --disk "$TEST_DIR/a.qcow2" --target vdb --format qcow2
	kill_qemu k
	run -0 vm-lock status "$TEST_DIR/a.qcow2"
	assert_output --regexp "^free "
	[ "$(stat -c %U "$TEST_DIR/a.qcow2")" = "$QEMU_USER" ]
	run -1 vm-attach k --detach vdb
	assert_output "vm-attach: domain 'k' is not running"
	run -0 vm-stop k
	[ "$(owner "$TEST_DIR/a.qcow2")" = 0:0:600 ]
	[ -z "$(xattrs_left "$TEST_DIR/a.qcow2")" ]
}

@test "a used target, a bad bus, target or format and a missing file are refused and change nothing" {
	root_disk "$TEST_DIR/a.qcow2"
	root_disk "$TEST_DIR/b.qcow2"
	run -0 vm-start "$(attach_domain one q35 "" "$(disk_xml "$TEST_DIR/a.qcow2" vda)")"
	before=$(snapshot one "$TEST_DIR/b.qcow2")
	run -1 vm-attach one --disk "$TEST_DIR/b.qcow2" --target vda --format qcow2
	assert_output "vm-attach: target 'vda' is already in use in domain 'one'"
	run -3 vm-attach one --disk "$TEST_DIR/b.qcow2" --target vdb --bus xen
	assert_output "vm-attach: invalid bus 'xen' (expected virtio, scsi, sata, ide, usb or fdc)"
	run -3 vm-attach one --disk "$TEST_DIR/b.qcow2" --target sdb --bus sata
	assert_output --partial "vm-attach: cannot hotplug 'sdb' on bus 'sata': qemu's ahci controller does not support hotplug"
	run -3 vm-attach one --disk "$TEST_DIR/b.qcow2" --target sdb --bus sata --readonly
	assert_output "vm-attach: a readonly disk cannot be on bus 'sata' (use scsi or virtio)"
	run -3 vm-attach one --disk "$TEST_DIR/b.qcow2" --target hda
	assert_output "vm-attach: cannot hotplug 'hda' on bus 'ide': vmkit hotplugs disks on scsi and virtio"
	run -3 vm-attach one --disk "$TEST_DIR/b.qcow2" --target sdb --bus usb
	assert_output "vm-attach: cannot hotplug 'sdb' on bus 'usb': vmkit hotplugs disks on scsi and virtio"
	run -3 vm-attach one --disk "$TEST_DIR/b.qcow2" --target xda
	assert_output --partial "vm-attach: unsupported target dev 'xda'"
	run -3 vm-attach one --disk "$TEST_DIR/b.qcow2" --target sdb --bus virtio
	assert_output "vm-attach: target dev 'sdb' does not fit bus 'virtio' (expected vd*)"
	run -3 vm-attach one --disk "$TEST_DIR/b.qcow2" --target vdb --format vmdk
	assert_output "vm-attach: invalid format 'vmdk' (expected raw or qcow2)"
	run -3 vm-attach one --disk "$TEST_DIR/b.qcow2" --target vdb --format qcow2 --shareable
	assert_output --partial "vm-attach: a writable shareable disk cannot be qcow2"
	run -3 vm-attach one --disk "$TEST_DIR/missing.qcow2" --target vdb
	assert_output "vm-attach: cannot access disk '$TEST_DIR/missing.qcow2': No such file or directory"
	run -3 vm-attach one --disk "$TEST_DIR/b.qcow2" --target sdb --cdrom --bus virtio
	assert_output --partial "vm-attach: target dev 'sdb' does not fit bus 'virtio'"
	[ "$(snapshot one "$TEST_DIR/b.qcow2")" = "$before" ]
	run -0 vm-lock status "$TEST_DIR/b.qcow2"
}

@test "a <disk> file attaches like --disk, and an invalid one exits 3" {
	root_disk "$TEST_DIR/a.qcow2"
	run -0 vm-start "$(attach_domain one q35 "")"
	disk_xml "$TEST_DIR/a.qcow2" vdc "<serial>data-1</serial>" > "$TEST_DIR/disk.xml"
	run -0 vm-attach one "$TEST_DIR/disk.xml"
	run -0 drives one
	assert_output "vdc=$TEST_DIR/a.qcow2 drive-vdc"
	run -0 qmp one qom-get '{"path": "/machine/peripheral/vdc", "property": "serial"}'
	assert_output '"data-1"'
	echo "<disk type='file'><source file='$TEST_DIR/a.qcow2'/><target dev='vdd' bus='scsi'/></disk>" \
		> "$TEST_DIR/bad.xml"
	run -3 vm-attach one "$TEST_DIR/bad.xml"
	assert_output --partial "vm-attach: $TEST_DIR/bad.xml:1: <target>: target dev 'vdd' does not fit bus 'scsi'"
	run -3 vm-attach one "$TEST_DIR/none.xml"
	assert_output --partial "vm-attach: cannot open '$TEST_DIR/none.xml'"
	mkfifo "$TEST_DIR/fifo.xml"
	run -3 vm-attach one "$TEST_DIR/fifo.xml"
	assert_output "vm-attach: cannot read '$TEST_DIR/fifo.xml': not a regular file"
	run -0 drives one
	assert_output "vdc=$TEST_DIR/a.qcow2 drive-vdc"
}

@test "vm-attach loads no libxml2; a <disk> file goes to vm-attach-xml, and without it nothing changes" {
	# libxml2 is in vm-attach-xml alone, linked shared or from its archive
	run -1 grep -q libxml2 <(ldd "$(command -v vm-attach)")
	run -1 grep -qa xmlCtxtReadMemory "$(command -v vm-attach)"
	grep -qa xmlCtxtReadMemory "$VMKIT_LIBEXECDIR/vm-attach-xml"
	root_disk "$TEST_DIR/a.qcow2"
	run -0 vm-start "$(attach_domain one q35 "")"
	disk_xml "$TEST_DIR/a.qcow2" vdc > "$TEST_DIR/disk.xml"
	before=$(snapshot one "$TEST_DIR/a.qcow2")
	VMKIT_LIBEXECDIR=$TEST_DIR/nowhere run -4 vm-attach one "$TEST_DIR/disk.xml"
	assert_output "vm-attach: cannot run '$TEST_DIR/nowhere/vm-attach-xml' to read '$TEST_DIR/disk.xml': No such file or directory"
	[ "$(snapshot one "$TEST_DIR/a.qcow2")" = "$before" ]
	# its messages and usage are vm-attach's
	run -2 vm-attach one "$TEST_DIR/disk.xml" --readonly
	assert_output --partial "vm-attach: --target, --bus, --readonly, --shareable and --cdrom go with --disk"
}

@test "on q35 a hotplugged scsi controller takes a root port, and the next virtio disk the next one" {
	make_disk "$TEST_DIR/a.img" raw
	make_disk "$TEST_DIR/b.img" raw
	xml=$(attach_domain one q35 "")
	# four root ports: the USB controller takes pci.1, the balloon pci.2
	with_root_ports "$xml" 4
	run -0 vm-start "$xml"
	run -0 vm-attach one --disk "$TEST_DIR/a.img" --target sdb
	run -0 qmp one qom-list '{"path": "/machine/peripheral/pci.3/pci.3"}'
	assert_output --partial '"child[0]"'
	run -0 vm-attach one --disk "$TEST_DIR/b.img" --target vdc
	[ "$(status_disk one vdc)" = "vdc $TEST_DIR/b.img exclusive applied pci.4" ]
	run -0 drives one
	assert_output "sdb=$TEST_DIR/a.img drive-sdb
vdc=$TEST_DIR/b.img drive-vdc"
	# the controller stays after its disk goes, and so does its port
	run -0 vm-attach one --detach sdb
	run -0 vm-attach one --detach vdc
	run -0 vm-attach one --disk "$TEST_DIR/b.img" --target vdc
	[ "$(status_disk one vdc)" = "vdc $TEST_DIR/b.img exclusive applied pci.4" ]
}

@test "q35 with every pcie-root-port in use says so and exits 1" {
	make_disk "$TEST_DIR/a.img" raw
	make_disk "$TEST_DIR/b.img" raw
	xml=$(attach_domain full q35 "")
	with_root_ports "$xml" 2
	# a boot-time device's port, by its <address>, is not free; no USB
	# controller, which would take the other one
	sed -i "s|<devices>|<devices><controller type='usb' model='none'/><memballoon model='virtio'><address type='pci' bus='0x02' slot='0'/></memballoon>|" "$xml"
	run -0 vm-start "$xml"
	run -0 vm-attach full --disk "$TEST_DIR/a.img" --target vdb
	[ "$(status_disk full vdb)" = "vdb $TEST_DIR/a.img exclusive applied pci.1" ]
	before=$(snapshot full "$TEST_DIR/b.img")
	run -1 vm-attach full --disk "$TEST_DIR/b.img" --target vdc
	assert_output "vm-attach: no free pcie-root-port in domain 'full' for 'vdc' (reserve more with <controller type='pci' model='pcie-root-port'/> and restart it)"
	[ "$(snapshot full "$TEST_DIR/b.img")" = "$before" ]
	run -0 vm-lock status "$TEST_DIR/b.img"
	# a detach frees the port
	run -0 vm-attach full --detach vdb
	run -0 vm-attach full --disk "$TEST_DIR/b.img" --target vdc
}

@test "concurrent vm-attach of one disk to 5 running domains: exactly one succeeds" {
	root_disk "$TEST_DIR/a.qcow2"
	for i in 1 2 3 4 5; do
		run -0 vm-start "$(attach_domain "d$i" q35 "")"
	done
	for i in 1 2 3 4 5; do
		(rc=0; vm-attach "d$i" --disk "$TEST_DIR/a.qcow2" --target vdb --format qcow2 \
			>"$TEST_DIR/out.$i" 2>&1 || rc=$?; echo $rc >"$TEST_DIR/rc.$i") &
	done
	wait
	[ "$(cat "$TEST_DIR"/rc.* | grep -c '^0$')" = 1 ]
	[ "$(cat "$TEST_DIR"/rc.* | grep -c '^1$')" = 4 ]
	[ "$(grep -l "^vm-attach: disk '$TEST_DIR/a.qcow2' is in use by " "$TEST_DIR"/out.* | wc -l)" = 4 ]
	[ "$(for d in "$VMKIT_RUNDIR"/domains/d*/; do status_disk "$(basename "$d")" vdb; done | wc -l)" = 1 ]
	[ "$(getfattr --only-values -n trusted.vmkit.ref_dac "$TEST_DIR/a.qcow2")" = 1 ]
	run -1 vm-lock status "$TEST_DIR/a.qcow2"
}

@test "a disk hotplugged read-only coexists with a VM that shares it writable" {
	make_disk "$TEST_DIR/s.img" raw
	run -0 vm-start "$(make_domain w "$(disk_xml "$TEST_DIR/s.img" vda "<shareable/>" raw)")"
	run -0 vm-start "$(attach_domain r q35 noacpi)"
	run -0 vm-attach r --disk "$TEST_DIR/s.img" --target vdb --format raw --readonly
	run -0 qmp r query-block
	assert_output --partial '"node-name": "drive-vdb"'
	run -1 vm-lock status "$TEST_DIR/s.img"
	assert_output --partial "shared"
}

# block DOMAIN DEV: the node, limits and throttle group of device DEV (query-block)
block() {
	qmp "$1" query-block | python3 -c '
import json, sys
for b in json.load(sys.stdin):
    if b["qdev"].removeprefix("/machine/peripheral/").removesuffix("/virtio-backend") == sys.argv[1]:
        i = b["inserted"]
        print(i["node-name"], i["bps"], i["iops_rd"], i.get("group", ""))
' "$2"
}

# node DOMAIN NODE: the driver and detect_zeroes of block node NODE (query-named-block-nodes)
node() {
	qmp "$1" query-named-block-nodes '{"flat": true}' | python3 -c '
import json, sys
for n in json.load(sys.stdin):
    if n["node-name"] == sys.argv[1]:
        print(n["drv"], n["detect_zeroes"])
' "$2"
}

@test "a <disk> file with iotune and copy_on_read hotplugs with its limits and filter, and detaches whole" {
	root_disk "$TEST_DIR/a.img" raw
	run -0 vm-start "$(attach_domain one pc acpi)"
	cat > "$TEST_DIR/disk.xml" <<XML
<disk type='file'>
  <driver name='qemu' type='raw' copy_on_read='on' detect_zeroes='on' error_policy='report'/>
  <source file='$TEST_DIR/a.img'/>
  <target dev='sdc' bus='scsi'/>
  <iotune><total_bytes_sec>2000000</total_bytes_sec><read_iops_sec>300</read_iops_sec><group_name>g1</group_name></iotune>
</disk>
XML
	run -0 vm-attach one "$TEST_DIR/disk.xml"
	run -0 block one sdc
	assert_output "cor-sdc 2000000 300 g1"
	run -0 node one cor-sdc
	assert_output "copy-on-read off"
	run -0 node one drive-sdc
	assert_output "raw on"
	run -0 qmp one qom-get '{"path": "/machine/peripheral/sdc", "property": "werror"}'
	assert_output '"report"'
	run -0 vm-attach one --detach sdc
	run -0 qmp one query-named-block-nodes
	refute_output --partial 'sdc"'
	run -0 vm-lock status "$TEST_DIR/a.img"
	[ "$(owner "$TEST_DIR/a.img")" = 0:0:600 ]
}
