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
	# no video: slot 2 is the next free one after the PIIX3 in slot 1
	run -0 pci_slots dev
	assert_output "balloon0:2
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

@test "what vmkit cannot do of these devices is refused by name and line, and nothing starts" {
	run -3 vm-start "$(make_domain egd "<rng model='virtio'><backend model='egd' type='tcp'/></rng>")"
	assert_output "vm-start: $TEST_DIR/egd.xml:7: <backend>: unsupported model 'egd' (expected random)"
	run -3 vm-start "$(make_domain hw "<rng model='virtio'><backend model='random'>/dev/hwrng</backend></rng>")"
	assert_output --partial "$TEST_DIR/hw.xml:7: <backend>: unsupported value '/dev/hwrng'"
	run -3 vm-start "$(make_domain dump "<watchdog model='i6300esb' action='dump'/>")"
	assert_output --partial "$TEST_DIR/dump.xml:7: <watchdog>: unsupported action 'dump'"
	run -3 vm-start "$(make_domain bal "<memballoon model='virtio'><stats period='x'/></memballoon>")"
	assert_output --partial "$TEST_DIR/bal.xml:7: <stats>: invalid period 'x'"
	[ ! -e "$VMKIT_RUNDIR/domains" ] || [ -z "$(ls "$VMKIT_RUNDIR/domains")" ]
}
