#!/usr/bin/env bats
# vm-attach --interface, --detach-interface and an <interface> file: a
# NIC plugged into a running domain on a tap that vm-attach makes as
# root, with its MAC leased and handed to QEMU, and all undone on any
# failure. Every test runs in a network namespace of its own with a
# bridge br0 inside it, removed at the end whatever happened.

load helpers

setup() {
	common_setup
	bridge_ns vmkit-nhp
}

teardown() {
	common_teardown
	ip netns del "$NS" 2>/dev/null || true
}

in_ns() {
	ip netns exec "$NS" "$@"
}

# hp_domain NAME [DEVICES]: a q35 domain (hotplug into its root ports) started in the namespace.
hp_domain() {
	local xml
	xml=$(make_domain "$1" "${2:-}")
	sed -i "s/machine='pc'/machine='q35'/" "$xml"
	in_ns vm-start "$xml"
}

# nic NAME MAC FIELD: FIELD of the interface with MAC in domain NAME's status.json.
nic() {
	python3 -c '
import json, sys
for i in json.load(open(sys.argv[1])).get("interfaces", []):
    if i["mac"] == sys.argv[2]:
        print(i[sys.argv[3]])' "$VMKIT_RUNDIR/domains/$1/status.json" "$2" "$3"
}

# devices NAME: QEMU's devices with an id, "id type" a line, sorted.
devices() {
	qmp "$1" qom-list '{"path": "/machine/peripheral"}' | python3 -c '
import json, sys
for d in json.load(sys.stdin):
    if d["type"].startswith("child<"):
        print(d["name"], d["type"][6:-1])' | sort
}

@test "--interface bridge:br0 puts a tap on the bridge, QEMU sees the NIC, status lists it" {
	run -0 hp_domain hp
	run -0 in_ns vm-attach hp --interface bridge:br0 --mac 52:54:00:12:35:01
	assert_output ""
	tap=$(nic hp 52:54:00:12:35:01 tap)
	run -0 taps
	assert_output "$tap"
	run -0 ip -n "$NS" -d link show "$tap"
	assert_output --partial "master br0"
	assert_output --partial "link/ether fe:54:00:12:35:01"
	assert_output --partial "persist off"
	run -0 devices hp
	assert_output --partial "net-525400123501 virtio-net-pci"
	run -0 qmp hp query-rx-filter '{"name": "net-525400123501"}'
	assert_output --partial '"main-mac": "52:54:00:12:35:01"'
	run -0 vm-status --json hp
	assert_output --partial '"interfaces":[{"mac":"52:54:00:12:35:01","tap":"'"$tap"'","bridge":"br0"}]'
	run -0 mac_lease 52:54:00:12:35:01
	assert_output exclusive
	run -1 vm-lock status --domain hp
	assert_output --partial "mac:52:54:00:12:35:01"
}

@test "--detach-interface removes the device and the tap, and frees the MAC lease" {
	run -0 hp_domain hp
	run -0 in_ns vm-attach hp --interface bridge:br0 --mac 52:54:00:12:35:02 --model e1000e
	run -0 devices hp
	assert_output --partial "net-525400123502 e1000e"
	# the tap's one fd, taken by netdev_add: none is left named or leaked
	[ "$(tun_fds hp)" = 1 ]
	run -0 in_ns vm-attach hp --detach-interface 52:54:00:12:35:02
	assert_output ""
	[ "$(tun_fds hp)" = 0 ]
	run -0 taps
	assert_output ""
	run -0 devices hp
	refute_output --partial "net-525400123502"
	run -0 mac_lease 52:54:00:12:35:02
	assert_output free
	run -0 vm-status --json hp
	refute_output --partial "interfaces"
	run -1 in_ns vm-attach hp --detach-interface 52:54:00:12:35:02
	assert_output "vm-attach: domain 'hp' has no interface with MAC 52:54:00:12:35:02"
}

@test "a NIC vm-start put on q35's root port, as libvirt, stays while the guest keeps it: exit 1, and it keeps tap and lease" {
	run -0 hp_domain hp "<interface type='bridge'><source bridge='br0'/><mac address='52:54:00:12:35:03'/></interface>"
	tap=$(nic hp 52:54:00:12:35:03 tap)
	run -0 qmp hp qom-get '{"path": "/machine/peripheral/net0", "property": "parent_bus"}'
	assert_output '"/machine/peripheral/pci.1/pci.1"'
	run -1 in_ns vm-attach hp --detach-interface 52:54:00:12:35:03 --timeout 1
	assert_output "vm-attach: the guest of domain 'hp' did not release interface 'net0' within 1 s; it stays attached"
	run -0 taps
	assert_output "$tap"
	run -0 mac_lease 52:54:00:12:35:03
	assert_output exclusive
	[ "$(nic hp 52:54:00:12:35:03 device)" = net0 ]
}

@test "without --mac a free 52:54:00 MAC is made, leased and shown" {
	run -0 hp_domain hp
	run -0 in_ns vm-attach hp --interface bridge:br0
	mac=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["interfaces"][0]["mac"])' \
		"$VMKIT_RUNDIR/domains/hp/status.json")
	[[ $mac =~ ^52:54:00:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$ ]]
	run -0 mac_lease "$mac"
	assert_output exclusive
	run -0 devices hp
	assert_output --partial "net-${mac//:/} virtio-net-pci"
}

# unchanged NAME BEFORE: no tap, the status as BEFORE, no NIC in QEMU.
assert_unchanged() {
	run -0 taps
	assert_output ""
	[ "$(cat "$VMKIT_RUNDIR/domains/$1/status.json")" = "$2" ]
	run -0 devices "$1"
	refute_output --partial "net-"
}

@test "a MAC another domain holds is refused naming it, and nothing is left" {
	run -0 hp_domain hp
	make_domain other "<interface type='ethernet'><mac address='52:54:00:12:35:04'/></interface>" >/dev/null
	run -0 in_ns vm-start --paused "$TEST_DIR/other.xml"
	before=$(cat "$VMKIT_RUNDIR/domains/hp/status.json")
	otap=$(nic other 52:54:00:12:35:04 tap)
	run -1 in_ns vm-attach hp --interface bridge:br0 --mac 52:54:00:12:35:04
	assert_output --partial "MAC address '52:54:00:12:35:04' is in use by domain 'other'"
	run -0 taps
	assert_output "$otap"
	[ "$(cat "$VMKIT_RUNDIR/domains/hp/status.json")" = "$before" ]
	run -1 vm-lock status --domain other
	assert_output --partial "mac:52:54:00:12:35:04"
}

@test "an unknown bridge is exit 3 naming it: no tap, no lease, status unchanged" {
	run -0 hp_domain hp
	before=$(cat "$VMKIT_RUNDIR/domains/hp/status.json")
	run -3 in_ns vm-attach hp --interface bridge:br7 --mac 52:54:00:12:35:05
	assert_output --partial "vm-attach: cannot attach an interface to domain 'hp': --interface: cannot add a tap to bridge 'br7': it does not exist"
	assert_unchanged hp "$before"
	run -0 mac_lease 52:54:00:12:35:05
	assert_output free
}

@test "a QEMU that refuses the device undoes all: netdev, tap, lease, record" {
	run -0 hp_domain hp
	before=$(cat "$VMKIT_RUNDIR/domains/hp/status.json")
	# a NIC of that id already there: device_add fails after netdev_add
	run -0 qmp hp device_add '{"driver": "virtio-net-pci", "id": "net-525400123506", "bus": "pci.2"}'
	run -4 in_ns vm-attach hp --interface bridge:br0 --mac 52:54:00:12:35:06
	assert_output --partial "vm-attach: cannot attach an interface to domain 'hp': 'device_add' failed: qemu: "
	run -0 taps
	assert_output ""
	[ "$(tun_fds hp)" = 0 ]
	[ "$(cat "$VMKIT_RUNDIR/domains/hp/status.json")" = "$before" ]
	run -0 mac_lease 52:54:00:12:35:06
	assert_output free
	run -1 qmp hp netdev_del '{"id": "hostnet-525400123506"}'
	assert_output --partial "not found"
}

@test "an <interface> file: e1000 (link down, set_link accepted), on a network mapped to br0" {
	echo 'network.lab = "br0"' >> "$VMKIT_CONF"
	run -0 hp_domain hp
	cat > "$TEST_DIR/nic.xml" <<XML
<interface type='network'>
  <source network='lab'/>
  <mac address='52:54:00:12:35:07'/>
  <model type='e1000'/>
  <link state='down'/>
</interface>
XML
	run -0 in_ns vm-attach hp "$TEST_DIR/nic.xml"
	run -0 ip -n "$NS" link show "$(nic hp 52:54:00:12:35:07 tap)"
	assert_output --partial "master br0"
	run -0 devices hp
	assert_output --partial "net-525400123507 e1000"
	run -0 qmp hp human-monitor-command '{"command-line": "info network"}'
	assert_output --partial 'net-525400123507: index=0,type=nic,model=e1000,macaddr=52:54:00:12:35:07\r\n \\ hostnet-525400123507: index=0,type=tap,fd='
}

@test "an <interface> file is checked by the domain XML's rules, with file and line" {
	run -0 hp_domain hp
	before=$(cat "$VMKIT_RUNDIR/domains/hp/status.json")
	printf "<interface type='bridge'>\n<source bridge='br0'/>\n<mac address='01:00:5e:00:00:01'/>\n</interface>\n" > "$TEST_DIR/bad.xml"
	run -3 in_ns vm-attach hp "$TEST_DIR/bad.xml"
	assert_output "vm-attach: $TEST_DIR/bad.xml:3: <mac>: invalid MAC address '01:00:5e:00:00:01': it is multicast"
	printf "<interface type='bridge'><source bridge='br0'/><filterref filter='x'/></interface>\n" > "$TEST_DIR/bad.xml"
	run -3 in_ns vm-attach hp "$TEST_DIR/bad.xml"
	assert_output --partial "$TEST_DIR/bad.xml:1: <filterref>: unsupported element"
	run -3 in_ns vm-attach hp --interface bridge:br0 --mac 00:00:00:00:00:00
	assert_output "vm-attach: invalid MAC address '00:00:00:00:00:00': it is all zeros"
	run -3 in_ns vm-attach hp --interface bridge:br0 --model ne2k_pci
	assert_output --partial "vm-attach: unsupported interface model 'ne2k_pci'"
	assert_unchanged hp "$before"
}

@test "<driver queues='2'>: a multiqueue tap, mq and vectors=6 on the device" {
	run -0 hp_domain hp
	echo "<interface type='bridge'><source bridge='br0'/><mac address='52:54:00:12:35:08'/><driver queues='2'/></interface>" > "$TEST_DIR/mq.xml"
	run -0 in_ns vm-attach hp "$TEST_DIR/mq.xml"
	run -0 ip -n "$NS" -d link show "$(nic hp 52:54:00:12:35:08 tap)"
	assert_output --partial "multi_queue"
	[ "$(tun_fds hp)" = 2 ]
	run -0 qmp hp qom-get '{"path": "/machine/peripheral/net-525400123508", "property": "mq"}'
	assert_output true
	run -0 qmp hp qom-get '{"path": "/machine/peripheral/net-525400123508", "property": "vectors"}'
	assert_output 6
	run -0 in_ns vm-attach hp --detach-interface 52:54:00:12:35:08
	run -0 taps
	assert_output ""
}

@test "<driver name='vhost'> where /dev/vhost-net is absent is exit 3, and nothing is left" {
	[ ! -e /dev/vhost-net ] || skip "this host has /dev/vhost-net"
	run -0 hp_domain hp
	before=$(cat "$VMKIT_RUNDIR/domains/hp/status.json")
	echo "<interface type='bridge'><source bridge='br0'/><mac address='52:54:00:12:35:09'/><driver name='vhost'/></interface>" > "$TEST_DIR/vhost.xml"
	run -3 in_ns vm-attach hp "$TEST_DIR/vhost.xml"
	assert_output "vm-attach: $TEST_DIR/vhost.xml:1: <interface>: <driver name='vhost'> asks for vhost-net, and this host has no /dev/vhost-net (load the vhost_net module, or remove name='vhost')"
	assert_unchanged hp "$before"
	run -0 mac_lease 52:54:00:12:35:09
	assert_output free
	xml=$(make_domain vh "<interface type='bridge'><source bridge='br0'/><driver name='vhost'/></interface>")
	run -3 in_ns vm-start --paused "$xml"
	assert_output --partial "$xml:7: <interface>: <driver name='vhost'> asks for vhost-net, and this host has no /dev/vhost-net"
	run -0 taps
	assert_output ""
	[ ! -e "$VMKIT_RUNDIR/domains/vh/status.json" ]
}

@test "without /dev/vhost-net a virtio NIC runs without vhost by default" {
	[ ! -e /dev/vhost-net ] || skip "this host has /dev/vhost-net"
	xml=$(make_domain dv "<interface type='bridge'><source bridge='br0'/></interface>")
	run -0 in_ns vm-start --print-argv "$xml"
	refute_output --partial "vhost"
}

@test "session mode refuses --interface with exit 3 when bridge_helper is not setuid root" {
	install -d -o nobody -m 0700 "$TEST_DIR/session"
	# the build tree may be private to root (make check-sanitizers): nobody runs copies
	mkdir -m 0755 "$TEST_DIR/bin"
	cp "$VMKIT_BUILDDIR/vm-attach" "$VMKIT_BUILDDIR/vm-attach-xml" "$TEST_DIR/bin/"
	printf 'bridge_helper = "%s"\n' "$TEST_DIR/bin/vm-attach-xml" > "$TEST_DIR/session.conf"
	chmod 0644 "$TEST_DIR/session.conf"
	run -3 runuser -u nobody -- env VMKIT_RUNDIR="$TEST_DIR/session" \
		VMKIT_CONF="$TEST_DIR/session.conf" VMKIT_LIBEXECDIR="$TEST_DIR/bin" \
		"$TEST_DIR/bin/vm-attach" web --interface bridge:br0
	assert_output --partial "vm-attach: --interface: session mode makes taps with bridge_helper '$TEST_DIR/bin/vm-attach-xml' (vmkit.conf), and it is not setuid root: as root, make it setuid"
}

@test "vm-attach usage: --mac and --model go with --interface" {
	run -2 vm-attach web --detach vdb --mac 52:54:00:00:00:01
	assert_output --partial "vm-attach: --mac and --model go with --interface"
	run -2 vm-attach web --interface bridge:br0 --detach-interface 52:54:00:00:00:01
	assert_output --partial "exclude each other"
}

@test "on pc with ACPI a NIC goes into pci.0" {
	xml=$(make_domain pc "")
	sed -i 's|<devices>|<features><acpi/></features>\n  <devices>|' "$xml"
	run -0 in_ns vm-start "$xml"
	run -0 in_ns vm-attach pc --interface bridge:br0 --mac 52:54:00:12:35:0c --model rtl8139
	[ "$(nic pc 52:54:00:12:35:0c bus)" = pci.0 ]
	run -0 qmp pc qom-get '{"path": "/machine/peripheral/net-52540012350c", "property": "parent_bus"}'
	assert_output --partial "pci.0"
}

@test "a hotplugged NIC dies with QEMU: after kill -9 no tap is left and its MAC lease is free" {
	run -0 hp_domain hp
	run -0 in_ns vm-attach hp --interface bridge:br0 --mac 52:54:00:12:35:0a
	run -0 mac_lease 52:54:00:12:35:0a
	assert_output exclusive
	kill_qemu hp
	run -0 taps
	assert_output ""
	run -0 mac_lease 52:54:00:12:35:0a
	assert_output free
	run -0 vm-stop --force hp
}

@test "vm-start with <driver queues='2'>: QEMU gets both fds of a multiqueue tap" {
	xml=$(make_domain mq "<interface type='bridge'><source bridge='br0'/><mac address='52:54:00:12:35:0b'/><driver queues='2'/></interface>")
	run -0 in_ns vm-start --print-argv "$xml"
	assert_output --partial "'-netdev' 'tap,id=hostnet0,fds=<hostnet0.0>:<hostnet0.1>'"
	assert_output --partial "mac=52:54:00:12:35:0b,mq=on,vectors=6,bus=pci.0,addr=0x2.0x0'"
	run -0 in_ns vm-start --paused "$xml"
	run -0 ip -n "$NS" -d link show "$(nic mq 52:54:00:12:35:0b tap)"
	assert_output --partial "multi_queue"
	run -0 qmp mq qom-get '{"path": "/machine/peripheral/net0", "property": "vectors"}'
	assert_output 6
	run -0 qmp mq human-monitor-command '{"command-line": "info network"}'
	assert_output --partial 'hostnet0: index=0,type=tap,fd='
	assert_output --partial 'hostnet0: index=1,type=tap,fd='
}
