#!/usr/bin/env bats
# The small devices of libvirt's XML: the memory balloon, random number
# generators, watchdogs and the panic notifier, started under QEMU on a
# firmware-only domain (SeaBIOS, no disk) and found over QMP where
# libvirt would put them.

load helpers

setup() {
	common_setup
}

teardown() {
	common_teardown
}

# pci_slots NAME: "qdev_id:slot" of each device on bus 0, one per line.
pci_slots() {
	qmp "$1" query-pci | /usr/bin/python3 -c '
import json, sys
for d in json.load(sys.stdin)[0]["devices"]:
    if d["qdev_id"]:
        print("%s:%d" % (d["qdev_id"], d["slot"]))'
}

@test "a balloon, two rngs, an i6300esb and a pvpanic start in libvirt's slots, in its order" {
	xml=$(make_domain dev "<memballoon model='virtio'><stats period='7'/></memballoon>" \
		"<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>" \
		"<rng model='virtio'><rate bytes='2048'/><backend model='random'>/dev/random</backend></rng>" \
		"<watchdog model='i6300esb' action='poweroff'/>" "<panic model='isa'/>")
	run -0 vm-start --print-argv "$xml"
	assert_output --partial "'-action' 'watchdog=poweroff'"
	assert_output --partial "'-object' 'rng-random,id=objrng1,filename=/dev/random'"
	run -0 vm-start --paused "$xml"
	# no video: slot 2 is the next free one after the PIIX3 in slot 1, whose
	# function 2 is the USB controller libvirt adds
	run -0 pci_slots dev
	assert_output "usb:1
balloon0:2
rng0:3
rng1:4
watchdog0:5"
	run -0 qmp dev qom-get '{"path": "/machine/peripheral/balloon0", "property": "guest-stats-polling-interval"}'
	assert_output 7
	run -0 qmp dev query-balloon
	assert_output '{"actual": 67108864}'
	run -0 qmp dev qom-get '{"path": "/machine/peripheral/rng1", "property": "max-bytes"}'
	assert_output 2048
	run -0 qmp dev qom-get '{"path": "/machine/peripheral/panic0", "property": "type"}'
	assert_output '"pvpanic"'
	run -0 qmp dev qom-get '{"path": "/machine/peripheral/panic0", "property": "ioport"}'
	assert_output 1285
	# QEMU, unprivileged and sandboxed, opened the rng's file itself
	run -0 find "/proc/$(qemu_pid dev)/fd" -lname /dev/random
	assert_output --regexp '/fd/[0-9]+$'
	run -0 stat -c %U "/proc/$(qemu_pid dev)"
	assert_output "$QEMU_USER"
}

@test "a pvpanic at the ISA port of its <address>, as dumpxml writes it" {
	xml=$(make_domain pan "<panic model='isa'><address type='isa' iobase='0x506'/></panic>")
	run -0 vm-start --paused "$xml"
	run -0 qmp pan qom-get '{"path": "/machine/peripheral/panic0", "property": "ioport"}'
	assert_output 1286
}

@test "itco is the q35's own watchdog, and a pc refuses it by name" {
	xml=$(make_domain tco "<watchdog model='itco' action='pause'/>")
	run -3 vm-start "$xml"
	assert_output "vm-start: $xml:7: <watchdog>: model 'itco' is part of a q35 machine (<type machine='q35'>); a pc has 'i6300esb'"
	sed -i "s/machine='pc'/machine='q35'/" "$xml"
	run -0 vm-start --print-argv "$xml"
	assert_output --partial "'-global' 'ICH9-LPC.noreboot=off' '-action' 'watchdog=pause'"
	run -0 vm-start --paused "$xml"
	run -0 qmp tco qom-list '{"path": "/machine/peripheral"}'
	refute_output --partial watchdog
}

# usb_functions NAME: "slot.function vendor:device id" of each USB controller on bus 0.
usb_functions() {
	qmp "$1" query-pci | /usr/bin/python3 -c '
import json, sys
for d in json.load(sys.stdin)[0]["devices"]:
    if d["class_info"]["class"] == 0x0c03:
        print("%x.%d %04x:%04x %s" % (d["slot"], d["function"], d["id"]["vendor"],
                                      d["id"]["device"], d["qdev_id"] or "-"))'
}

# The USB2 set virt-install wrote for years: ich9-ehci1 (8086:293a) and
# its companions ich9-uhci1..3 (8086:2934..2936), which have no id.
@test "an ich9-ehci1 and its three uhci companions start in one multifunction slot, 00:1d on q35, with the tablet on usb.0" {
	xml=$(make_domain ehci "<controller type='usb' index='0' model='ich9-ehci1'/>
<controller type='usb' index='0' model='ich9-uhci1'><master startport='0'/></controller>
<controller type='usb' index='0' model='ich9-uhci2'><master startport='2'/></controller>
<controller type='usb' index='0' model='ich9-uhci3'><master startport='4'/></controller>
<input type='tablet' bus='usb'/>")
	sed -i "s/machine='pc'/machine='q35'/" "$xml"
	run -0 vm-start --paused "$xml"
	run -0 usb_functions ehci
	assert_output "1d.0 8086:2934 -
1d.1 8086:2935 -
1d.2 8086:2936 -
1d.7 8086:293a usb"
	run -0 qmp ehci qom-get '{"path": "/machine/peripheral/input0", "property": "port"}'
	assert_output '"1"'
	run -0 qmp ehci human-monitor-command '{"command-line": "info usb"}'
	assert_output --partial 'Device 0.0, Port 1, Speed 480 Mb/s, Product QEMU USB Tablet, ID: input0'
	run -0 vm-stop --force ehci
	# pc: the next free slot, after the PIIX3 (slot 1) and nothing else
	sed -i "s/machine='q35'/machine='pc'/" "$xml"
	run -0 vm-start --paused "$xml"
	run -0 usb_functions ehci
	assert_output "2.0 8086:2934 -
2.1 8086:2935 -
2.2 8086:2936 -
2.7 8086:293a usb"
}

# A second set (index 1) is usb1 with bus usb1.0, in the slot after the
# first; USB devices take libvirt's ports: the written ones theirs, then
# inputs before redirdevs, on usb.0.
@test "a second ich9 set starts as usb1 in the next slot, and the tablet and usb-redirs take libvirt's ports" {
	xml=$(make_domain usb2 "<controller type='usb' index='0' model='ich9-ehci1'/>
<controller type='usb' index='0' model='ich9-uhci1'/>
<controller type='usb' index='1' model='ich9-ehci1'/>
<controller type='usb' index='1' model='ich9-uhci1'/>
<redirdev bus='usb' type='spicevmc'/>
<input type='tablet' bus='usb'/>
<input type='keyboard' bus='usb'><address type='usb' bus='1' port='2'/></input>
<redirdev bus='usb' type='spicevmc'/>
<graphics type='spice'/><video><model type='vga'/></video>")
	run -0 vm-start --paused "$xml"
	run -0 usb_functions usb2
	assert_output "3.0 8086:2934 -
3.7 8086:293a usb
4.0 8086:2934 -
4.7 8086:293a usb1"
	run -0 qmp usb2 human-monitor-command '{"command-line": "info usb"}'
	assert_output --partial 'Port 1, Speed 480 Mb/s, Product QEMU USB Tablet, ID: input0'
	assert_output --partial 'Port 2, Speed 480 Mb/s, Product QEMU USB Keyboard, ID: input1'
	for r in 0:2 1:3; do
		run -0 qmp usb2 qom-get "{\"path\": \"/machine/peripheral/redir${r%:*}\", \"property\": \"port\"}"
		assert_output "\"${r#*:}\""
	done
	run -0 qmp usb2 qom-get '{"path": "/machine/peripheral/input1", "property": "parent_bus"}'
	assert_output --partial 'usb1.0'
}

# piix3-uhci has two ports: libvirt adds a usb-hub on port 1 for a third device.
@test "USB devices beyond the controller's ports sit on the usb-hub libvirt adds, as QEMU reports them" {
	xml=$(make_domain hub "<input type='tablet' bus='usb'/><input type='mouse' bus='usb'/>
<input type='keyboard' bus='usb'/>")
	run -0 vm-start --paused "$xml"
	run -0 qmp hub human-monitor-command '{"command-line": "info usb"}'
	assert_output --partial 'Port 1, Speed 12 Mb/s, Product QEMU USB Hub, ID: hub0'
	assert_output --partial 'Port 2, Speed 12 Mb/s, Product QEMU USB Tablet, ID: input0'
	assert_output --partial 'Port 1.1, Speed 12 Mb/s, Product QEMU USB Mouse, ID: input1'
	assert_output --partial 'Port 1.2, Speed 12 Mb/s, Product QEMU USB Keyboard, ID: input2'
}

@test "what vmkit cannot do of these devices is refused by name and line, and nothing starts" {
	run -3 vm-start "$(make_domain egd "<rng model='virtio'><backend model='egd' type='tcp'/></rng>")"
	assert_output "vm-start: $TEST_DIR/egd.xml:7: <backend>: unsupported model 'egd' (expected random)
vm-start: $TEST_DIR/egd.xml:7: <backend>: unsupported attribute 'type'"
	run -3 vm-start "$(make_domain hw "<rng model='virtio'><backend model='random'>/dev/hwrng</backend></rng>")"
	assert_output --partial "$TEST_DIR/hw.xml:7: <backend>: unsupported value '/dev/hwrng'"
	run -3 vm-start "$(make_domain dump "<watchdog model='i6300esb' action='dump'/>")"
	assert_output --partial "$TEST_DIR/dump.xml:7: <watchdog>: unsupported action 'dump'"
	run -3 vm-start "$(make_domain bal "<memballoon model='virtio'><stats period='x'/></memballoon>")"
	assert_output --partial "$TEST_DIR/bal.xml:7: <stats>: invalid period 'x'"
	[ ! -e "$VMKIT_RUNDIR/domains" ] || [ -z "$(ls "$VMKIT_RUNDIR/domains")" ]
}

@test "the guest agent's channel: a socket of the run directory, 0600 and the caller's, that QEMU serves" {
	xml=$(make_domain ga "<channel type='unix'><source mode='bind'/><target type='virtio' name='org.qemu.guest_agent.0'/></channel>" \
		"<memballoon model='virtio'/>")
	run -0 vm-start --print-argv "$xml"
	assert_output --partial "'-chardev' 'socket,id=charchannel0,fd=<channel0>,server=on,wait=off'"
	run -0 vm-start --paused "$xml"
	sock=$VMKIT_RUNDIR/domains/ga/org.qemu.guest_agent.0
	run -0 stat -c '%F %a %U' "$sock"
	assert_output "socket 600 $(id -un)"
	run -0 qmp ga qom-list '{"path": "/machine/peripheral"}'
	assert_output --partial '{"name": "channel0", "type": "child<virtserialport>"}'
	# the controller takes its slot with the controllers, before the balloon
	run -0 pci_slots ga
	assert_output "usb:1
virtio-serial0:2
balloon0:3"
	run -0 qmp ga query-chardev
	assert_output --partial '"filename": "disconnected:unix:/proc/self/fd/'
	# QEMU, not vm-start, listens on it: a client that stays is QEMU's peer
	/usr/bin/python3 -c 'import socket, sys, time; s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); time.sleep(30)' "$sock" &
	client=$!
	for _ in $(seq 50); do
		run -0 qmp ga query-chardev
		[[ $output != *'"disconnected:unix:/proc/self/fd/'* ]] && break
		sleep 0.2
	done
	kill "$client"
	wait "$client" || true
	assert_output --regexp '"filename": "unix:/proc/self/fd/[0-9]+/org.qemu.guest_agent.0,server=on", "label": "charchannel0"'
	run -0 vm-stop --force ga
	[ ! -e "$sock" ]
}

# agent_domain NAME PATH: a domain whose guest agent's socket is PATH
agent_domain() {
	make_domain "$1" "<channel type='unix'><source mode='bind' path='$2'/><target type='virtio' name='org.qemu.guest_agent.0'/></channel>"
}

@test "the guest agent's socket at a <source path>: 0600 and the caller's, QEMU's, removed at stop and after a crash, refused where unsafe" {
	local dir=$TEST_DIR/ch sock=$TEST_DIR/ch/agent.0 xml
	mkdir -m 0755 "$dir"
	xml=$(agent_domain gp "$sock")
	run -0 vm-start --paused "$xml"
	run -0 stat -c '%F %a %U' "$sock"
	assert_output "socket 600 $(id -un)"
	run -0 qmp gp query-chardev
	assert_output --regexp '"filename": "disconnected:unix:/proc/self/fd/[0-9]+/agent.0,server=on", "label": "charchannel0"'
	# another domain cannot take it while QEMU listens
	run -1 vm-start "$(agent_domain gq "$sock")"
	assert_output "vm-start: socket '$sock' is in use: a process listens on it"
	run -0 vm-stop --force gp
	[ ! -e "$sock" ]
	# after QEMU's death, vm-stop cleans it up
	run -0 vm-start --paused "$xml"
	kill_qemu gp
	[ -S "$sock" ]
	run -0 vm-stop gp
	[ ! -e "$sock" ]
	# a socket vm-start did not make stays
	run -0 vm-start --paused "$xml"
	rm "$sock"
	/usr/bin/python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$sock"
	run -0 vm-stop --force gp
	[ -S "$sock" ]
	rm "$sock"
	# what is not vm-start's to replace, or where others could swap it, is refused
	echo keep > "$sock"
	run -3 vm-start "$xml"
	assert_output "vm-start: '$sock' exists and is not a socket: vmkit replaces only a socket left by an earlier run"
	[ "$(cat "$sock")" = keep ]
	rm "$sock"
	chmod 0777 "$dir"
	run -3 vm-start "$xml"
	assert_output "vm-start: directory '$dir' of the guest agent's socket is writable by others than its owner"
	chmod 0755 "$dir"
	ln -s ch "$TEST_DIR/link"
	run -3 vm-start "$(agent_domain gl "$TEST_DIR/link/agent.0")"
	assert_output --partial "vm-start: cannot use directory '$TEST_DIR/link' for the guest agent's socket: "
	run -3 vm-start "$(agent_domain gm "$TEST_DIR/missing/agent.0")"
	assert_output "vm-start: cannot use directory '$TEST_DIR/missing' for the guest agent's socket: No such file or directory"
	[ ! -e "$sock" ]
	run -1 vm-status gp
}

# libvirt's disk buses and options under QEMU: an ide disk with iotune,
# discard and detect_zeroes, a floppy, a usb and a scsi disk with
# INQUIRY data. What libvirt gives for the same XML: test-qemu-argv.
@test "ide, usb, fdc and scsi disks start with their options, and QEMU reports the ide disk's limits and detect_zeroes" {
	local d
	for d in a b c f; do make_disk "$TEST_DIR/$d.img" raw 1M; done
	xml=$(make_domain disks "<controller type='usb' model='piix3-uhci'/>
<disk type='file'><driver name='qemu' type='raw' discard='unmap' detect_zeroes='unmap' io='threads' error_policy='stop' rerror_policy='report'/><source file='$TEST_DIR/a.img'/><target dev='hda' bus='ide'/><wwn>5000c50015ea71ac</wwn><blockio logical_block_size='512' physical_block_size='4096'/><iotune><total_bytes_sec>1000000</total_bytes_sec><total_iops_sec>100</total_iops_sec><total_iops_sec_max>200</total_iops_sec_max><group_name>g1</group_name></iotune></disk>
<disk type='file'><driver name='qemu' type='raw' io='io_uring'/><source file='$TEST_DIR/b.img'/><target dev='sdb' bus='usb'/></disk>
<disk type='file'><source file='$TEST_DIR/c.img'/><target dev='sdc' bus='scsi'/><vendor>ACME</vendor><product>Disk1</product></disk>
<disk type='file' device='floppy'><source file='$TEST_DIR/f.img'/><target dev='fda' bus='fdc'/></disk>")
	run -0 vm-start "$xml"
	run -0 qmp disks query-block
	printf '%s' "$output" | /usr/bin/python3 -c '
import json, sys
b = {d["qdev"].removeprefix("/machine/peripheral/"): d for d in json.load(sys.stdin)}
i = b["hda"]["inserted"]
assert (i["node-name"], i["bps"], i["iops"], i["iops_max"], i["group"], i["detect_zeroes"]) == \
    ("drive-hda", 1000000, 100, 200, "g1", "unmap"), i
assert [d["inserted"]["node-name"] for q, d in b.items() if q.startswith("sdb")] == ["drive-sdb"], b.keys()
assert b["fda"]["inserted"]["node-name"] == "drive-fda"
'
	run -0 qmp disks query-named-block-nodes '{"flat": true}'
	printf '%s' "$output" | /usr/bin/python3 -c '
import json, sys
n = {d["node-name"]: d for d in json.load(sys.stdin)}
assert n["drive-hda"]["detect_zeroes"] == "unmap"
assert n["drive-sdc"]["detect_zeroes"] == "off"
'
	run -0 qmp disks qom-get '{"path": "/machine/peripheral/hda", "property": "werror"}'
	assert_output '"stop"'
	run -0 qmp disks qom-get '{"path": "/machine/peripheral/hda", "property": "physical_block_size"}'
	assert_output 4096
	run -0 qmp disks qom-get '{"path": "/machine/peripheral/sdc", "property": "vendor"}'
	assert_output '"ACME"'
	run -0 qmp disks qom-get '{"path": "/machine/peripheral/fda", "property": "unit"}'
	assert_output 0
	run -0 vm-stop --force disks
}

# libvirt 9.0's SCSI addresses (dumpxml writes them as <address
# type='drive'>): sdX of index N is unit N % 7 of controller N / 7,
# target 0; on virtio-scsi the unit is the lun, on an lsi the scsi-id.
# sdh needs controller 1, which libvirt adds as an lsi. The guest reads
# the device id of the VPD page: libvirt's drive alias, or the serial.
@test "virtio-scsi disks are luns of target 0 as libvirt gives them, a written address is kept, and sdh is on a second controller, an lsi" {
	local d
	for d in a b d h; do make_disk "$TEST_DIR/$d.img" raw 1M; done
	xml=$(make_domain luns "<controller type='scsi' model='virtio-scsi'/>
<disk type='file'><source file='$TEST_DIR/a.img'/><target dev='sda' bus='scsi'/></disk>
<disk type='file'><source file='$TEST_DIR/b.img'/><target dev='sdb' bus='scsi'/><serial>data-b</serial></disk>
<disk type='file'><source file='$TEST_DIR/d.img'/><target dev='sdd' bus='scsi'/><address type='drive' controller='0' bus='0' target='2' unit='3'/></disk>
<disk type='file'><source file='$TEST_DIR/h.img'/><target dev='sdh' bus='scsi'/></disk>")
	run -0 vm-start "$xml"
	run -0 qmp luns qom-list '{"path": "/machine/peripheral"}'
	assert_output --partial '{"name": "scsi0", "type": "child<virtio-scsi-pci>"}'
	assert_output --partial '{"name": "scsi1", "type": "child<lsi53c895a>"}'
	for d in sda:0:0:drive-scsi0-0-0-0 sdb:0:1:data-b sdd:2:3:drive-scsi0-0-2-3 sdh:0:0:drive-scsi1-0-0; do
		IFS=: read -r dev id lun vpd <<< "$d"
		run -0 qmp luns qom-get "{\"path\": \"/machine/peripheral/$dev\", \"property\": \"scsi-id\"}"
		assert_output "$id"
		run -0 qmp luns qom-get "{\"path\": \"/machine/peripheral/$dev\", \"property\": \"lun\"}"
		assert_output "$lun"
		run -0 qmp luns qom-get "{\"path\": \"/machine/peripheral/$dev\", \"property\": \"device_id\"}"
		assert_output "\"$vpd\""
	done
	# which controller: the bus of each disk's qdev path
	run -0 qmp luns query-block
	printf '%s' "$output" | /usr/bin/python3 -c '
import json, sys
b = {d["qdev"].removeprefix("/machine/peripheral/"): d for d in json.load(sys.stdin)}
assert sorted(b) == ["sda", "sdb", "sdd", "sdh"], b.keys()
'
	run -0 qmp luns qom-get '{"path": "/machine/peripheral/sdh", "property": "parent_bus"}'
	assert_output --partial 'scsi1'
	run -0 qmp luns qom-get '{"path": "/machine/peripheral/sdb", "property": "parent_bus"}'
	assert_output --partial 'scsi0'
	run -0 vm-stop --force luns
}

@test "a domain whose disk options QEMU or libvirt cannot honour exits 3 naming file, line and element" {
	make_disk "$TEST_DIR/a.img" raw 1M
	xml=$(make_domain bad "<disk type='file'><driver name='qemu' type='raw' io='native'/><source file='$TEST_DIR/a.img'/><target dev='vda'/></disk>
<disk type='file'><source file='$TEST_DIR/a.img'/><target dev='vdb'/><iotune><total_bytes_sec>1</total_bytes_sec><read_bytes_sec>1</read_bytes_sec></iotune></disk>
<disk type='file' device='lun'><source file='$TEST_DIR/a.img'/><target dev='sdb'/></disk>
<disk type='file'><source file='$TEST_DIR/a.img'/><target dev='vdc'/><transient/></disk>")
	run -3 vm-start --check "$xml"
	assert_output "vm-start: $xml:7: <disk>: io='native' needs cache='none' or cache='directsync'
vm-start: $xml:8: <disk>: <iotune>: total_bytes_sec cannot be set with read_bytes_sec or write_bytes_sec
vm-start: $xml:9: <disk>: device 'lun' (SCSI commands passed to the host's device) is not supported: use device='disk'
vm-start: $xml:10: <transient>: unsupported element: transient disks are not supported: give the guest a qcow2 overlay of the image (qemu-img create -b) and delete it after"
	sed -i -e "s|machine='pc'|machine='q35'|" -e '/<disk/d' "$xml"
	sed -i "s|<devices>|<devices><disk type='file'><source file='$TEST_DIR/a.img'/><target dev='hda' bus='ide'/></disk>|" "$xml"
	run -3 vm-start --check "$xml"
	assert_output "vm-start: $xml:6: <disk>: bus 'ide' needs a pc machine, not 'q35' (use bus 'sata')"
	sed -i "s|machine='q35'|machine='microvm'|; s|dev='hda' bus='ide'/>|dev='fda'/>|; s|<disk type='file'>|<disk type='file' device='floppy'>|" "$xml"
	run -3 vm-start --print-argv "$xml"
	assert_output "vm-start: $xml:6: <disk>: bus 'fdc' needs a pc or q35 machine, not 'microvm'"
}
