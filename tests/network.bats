#!/usr/bin/env bats
# Tap interfaces: vm-start makes the taps as root, on a bridge, and hands
# them to an unprivileged QEMU; each MAC is leased. Every test runs in a
# network namespace of its own with a bridge br0 inside it, removed at
# the end whatever happened.

load helpers

setup() {
	common_setup
	bridge_ns vmkit-net
}

teardown() {
	# a session domain's QEMU, nobody's (helper_start), if still that process
	for pid in "$TEST_DIR"/session/domains/*/pid; do
		[ -e "$pid" ] && [ "$(stat -c %U "/proc/$(cat "$pid")" 2>/dev/null)" = nobody ] &&
			kill -9 "$(cat "$pid")" && wait_gone "$(cat "$pid")"
	done
	# the second host of the lockspace test
	if [ -d "$TEST_DIR/hostb" ]; then
		VMKIT_RUNDIR=$TEST_DIR/hostb vm-stop --all --force >/dev/null 2>&1 || true
	fi
	common_teardown
	ip netns del "$NS" 2>/dev/null || true
}

# bridge_domain NAME [CHILDREN]: a domain with one interface on br0.
bridge_domain() {
	make_domain "$1" "<interface type='bridge'><source bridge='br0'/>${2:-}</interface>"
}

start_in_ns() {
	ip netns exec "$NS" vm-start "$@"
}

# iface NAME FIELD: FIELD of the first interface of domain NAME's status.json.
iface() {
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["interfaces"][0][sys.argv[2]])' \
		"$VMKIT_RUNDIR/domains/$1/status.json" "$2"
}

# The leases held, as vm-lock list shows them from another process.
held() {
	vm-lock list | awk '$1 != "free"'
}

@test "a bridge interface starts: its tap is on the bridge, up, with the guest's MAC turned fe:" {
	xml=$(bridge_domain br "<mac address='52:54:00:12:34:01'/><mtu size='1400'/>")
	run -0 start_in_ns --paused "$xml"
	tap=$(iface br tap)
	run -0 taps
	assert_output "$tap"
	run -0 ip -n "$NS" -d link show "$tap"
	assert_output --partial "master br0"
	assert_output --regexp "<[^>]*UP[^>]*>"
	assert_output --partial "mtu 1400"
	assert_output --partial "link/ether fe:54:00:12:34:01"
	assert_output --partial "persist off"
	run -0 vm-status --json br
	assert_output --partial '"interfaces":[{"mac":"52:54:00:12:34:01","tap":"'"$tap"'","bridge":"br0"}]'
	run -0 held
	assert_output --partial "exclusive br              mac:52:54:00:12:34:01"
	run vm-lock status --domain br
	assert_output --partial "mac:52:54:00:12:34:01"
}

@test "an interface without <mac> gets a 52:54:00 MAC, recorded and leased" {
	xml=$(bridge_domain gen)
	run -0 start_in_ns --paused "$xml"
	mac=$(iface gen mac)
	[[ $mac =~ ^52:54:00:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$ ]]
	run -0 ip -n "$NS" link show "$(iface gen tap)"
	assert_output --partial "link/ether fe:${mac#52:}"
	run -0 held
	assert_output --partial "mac:$mac"
}

@test "after vm-stop --force no tap is left and the MAC lease is free" {
	xml=$(bridge_domain stopped "<mac address='52:54:00:12:34:02'/>")
	run -0 start_in_ns --paused "$xml"
	run -0 vm-stop --force stopped
	run -0 taps
	assert_output ""
	run -0 held
	refute_output --partial "mac:52:54:00:12:34:02"
	run -0 vm-lock list
	assert_output --partial "free      -               mac:52:54:00:12:34:02"
}

@test "after kill -9 of QEMU no tap is left and the MAC lease is free" {
	xml=$(bridge_domain killed "<mac address='52:54:00:12:34:03'/>")
	run -0 start_in_ns --paused "$xml"
	kill_qemu killed
	run -0 taps
	assert_output ""
	run -0 held
	assert_output ""
	run -0 vm-stop --force killed
}

@test "a MAC another running domain uses is refused naming it, and nothing is left behind" {
	first=$(bridge_domain first "<mac address='52:54:00:12:34:04'/>")
	second=$(bridge_domain second "<mac address='52:54:00:12:34:04'/>")
	run -0 start_in_ns --paused "$first"
	run -1 start_in_ns --paused "$second"
	assert_output --partial "MAC address '52:54:00:12:34:04' is in use by domain 'first'"
	run -0 taps
	assert_output "$(iface first tap)"
	[ ! -e "$VMKIT_RUNDIR/domains/second/status.json" ]
	run -1 vm-status second
	run -0 vm-status first
}

@test "a MAC a domain on another host sharing the lockspace uses is refused, and nothing is left behind" {
	# two hosts: two run directories, one lock_space
	mkdir -m 0700 "$TEST_DIR/space" "$TEST_DIR/hostb"
	echo "lock_space = \"$TEST_DIR/space\"" >> "$VMKIT_CONF"
	first=$(bridge_domain there "<mac address='52:54:00:12:34:08'/>")
	second=$(bridge_domain here "<mac address='52:54:00:12:34:08'/>")
	run -0 start_in_ns --paused "$first"
	VMKIT_RUNDIR=$TEST_DIR/hostb run -1 start_in_ns --paused "$second"
	assert_output "vm-start: MAC address '52:54:00:12:34:08' is in use by another host or process"
	run -0 taps
	assert_output "$(iface there tap)"
	[ ! -e "$TEST_DIR/hostb/domains/here/status.json" ]
	VMKIT_RUNDIR=$TEST_DIR/hostb run -0 vm-lock list
	assert_output --partial "exclusive -               mac:52:54:00:12:34:08"
	# once the first host's domain stops, the second host may use the MAC
	run -0 vm-stop --force there
	VMKIT_RUNDIR=$TEST_DIR/hostb run -0 start_in_ns --paused "$second"
	VMKIT_RUNDIR=$TEST_DIR/hostb run -0 vm-stop --force here
}

# assert_nothing_left NAME: no tap, no lease held, no run state.
assert_nothing_left() {
	run -0 taps
	assert_output ""
	run -0 held
	assert_output ""
	[ ! -e "$VMKIT_RUNDIR/domains/$1/status.json" ]
	[ ! -e "$VMKIT_RUNDIR/domains/$1/pid" ]
}

@test "an unknown bridge is exit 3 naming it, with nothing left behind" {
	xml=$(make_domain nobr "<interface type='bridge'><source bridge='br7'/></interface>")
	run -3 start_in_ns --paused "$xml"
	assert_output --partial "$xml:7: <interface>: cannot add a tap to bridge 'br7': it does not exist"
	assert_nothing_left nobr
}

@test "a bridge name longer than the kernel's 15 characters is exit 3, with nothing left behind" {
	xml=$(make_domain longbr "<interface type='bridge'><source bridge='br0-and-more-than-15'/></interface>")
	run -3 start_in_ns --paused "$xml"
	assert_output --partial "$xml:7: <interface>: invalid bridge name 'br0-and-more-than-15'"
	assert_nothing_left longbr
}

@test "a multicast MAC is exit 3 naming file, line and element, with nothing left behind" {
	xml=$(bridge_domain mcast "<mac address='01:00:5e:00:00:01'/>")
	run -3 start_in_ns --paused "$xml"
	assert_output --partial "$xml:7: <mac>: invalid MAC address '01:00:5e:00:00:01': it is multicast"
	assert_nothing_left mcast
}

@test "an unmapped network is exit 3 naming the key to set, with nothing left behind" {
	xml=$(make_domain unmapped "<interface type='network'><source network='lab'/></interface>")
	run -3 start_in_ns --paused "$xml"
	assert_output --partial "network 'lab' is not mapped to a host bridge"
	assert_output --partial "set network.lab = \"BRIDGE\" in $VMKIT_CONF"
	assert_nothing_left unmapped
}

@test "a network mapped in vmkit.conf joins its bridge" {
	echo 'network.default = "br0"' >> "$VMKIT_CONF"
	xml=$(make_domain mapped "<interface type='network'><source network='default'/></interface>")
	run -0 start_in_ns --paused "$xml"
	run -0 ip -n "$NS" link show "$(iface mapped tap)"
	assert_output --partial "master br0"
	[ "$(iface mapped bridge)" = br0 ]
}

@test "QEMU inherits exactly the usual fds, the tap and the MAC's lease" {
	fd_report_emulator
	xml=$(bridge_domain fds "<mac address='52:54:00:12:34:05'/>")
	run -0 start_in_ns --paused "$xml"
	assert_qemu_fds fds
	run -0 grep -c 'fd-report: .* /dev/net/tun$' "$VMKIT_RUNDIR/domains/fds/qemu.log"
	assert_output 1
}

@test "session mode refuses an ethernet interface with exit 3 saying why" {
	run -3 session_start "$(make_domain session "<interface type='ethernet'/>")"
	assert_output --partial "session mode cannot make or open a tap device"
}

@test "session mode refuses a bridge interface when bridge_helper is not configured, naming the key" {
	run -3 session_start "$(bridge_domain session)"
	assert_output --partial "<interface>: session mode makes taps with bridge_helper '/usr/lib/qemu/qemu-bridge-helper' (vmkit.conf), and "
}

# helper_setup MODE ALLOW: for helper_start, a copy of qemu-bridge-helper
# of mode MODE owned by root as bridge_helper, and a bridge.conf that
# allows bridge ALLOW.
helper_setup() {
	[ -x /usr/lib/qemu/qemu-bridge-helper ] || skip "no qemu-bridge-helper"
	mkdir -p -m 0755 "$TEST_DIR/bin" "$TEST_DIR/etc/upper/qemu" "$TEST_DIR/etc/work"
	install -m "$1" /usr/lib/qemu/qemu-bridge-helper "$TEST_DIR/bin/qemu-bridge-helper"
	cp "$VMKIT_BUILDDIR"/vm-{start,stop,lock,attach,attach-xml} "$TEST_DIR/bin/"
	echo "allow $2" > "$TEST_DIR/etc/upper/qemu/bridge.conf"
	printf 'bridge_helper = "%s"\n' "$TEST_DIR/bin/qemu-bridge-helper" > "$TEST_DIR/session.conf"
	install -d -o nobody -m 0700 "$TEST_DIR/session"
	chmod 0644 "$TEST_DIR/session.conf"
}

# as_nobody CMD...: CMD as nobody in session mode, in NS. The helper
# reads only /etc/qemu/bridge.conf: `ip netns exec` gives the command a
# mount namespace of its own, in which /etc is an overlay that adds it;
# the host's /etc is never written.
as_nobody() {
	ip netns exec "$NS" sh -c 'mount -t overlay -o "lowerdir=/etc,upperdir=$0/upper,workdir=$0/work" overlay /etc && exec "$@"' \
		"$TEST_DIR/etc" runuser -u nobody -- env VMKIT_RUNDIR="$TEST_DIR/session" \
		VMKIT_CONF="$TEST_DIR/session.conf" VMKIT_LIBEXECDIR="$TEST_DIR/bin" \
		PATH="$TEST_DIR/bin:$PATH" "$@"
}

helper_start() {
	chmod 0644 "$1"
	as_nobody vm-start --paused "$1"
}

@test "in session mode bridge_helper puts vm-start's and vm-attach's taps on the bridge; QEMU has no capability, and after kill -9 no tap is left" {
	helper_setup 4755 br0
	xml=$(bridge_domain helped "<mac address='52:54:00:12:34:0b'/>")
	# ACPI for pci.0's hotplug
	sed -i 's|<devices>|<features><acpi/></features>\n  <devices>|' "$xml"
	run -0 helper_start "$xml"
	VMKIT_RUNDIR=$TEST_DIR/session
	tap=$(iface helped tap)
	run -0 taps
	assert_output "$tap"
	run -0 ip -n "$NS" -d link show "$tap"
	assert_output --partial "master br0"
	assert_output --partial "persist off"
	pid=$(qemu_pid helped)
	[ "$(stat -c %U /proc/$pid)" = nobody ]
	run -0 grep -E '^Cap(Eff|Prm):' /proc/$pid/status
	assert_output $'CapPrm:\t0000000000000000\nCapEff:\t0000000000000000'
	# its one tap fd is the helper's, handed on as root's own are
	run -0 tun_fds helped
	assert_output 1
	run -0 as_nobody vm-lock list
	assert_output --partial "exclusive helped          mac:52:54:00:12:34:0b"
	# vm-attach hands a tap of the helper's to QEMU alike
	run -0 as_nobody vm-attach helped --interface bridge:br0 --mac 52:54:00:12:34:0d
	run -0 sh -c "ip -n $NS -o link show master br0 type tun | wc -l"
	assert_output 2
	run -0 tun_fds helped
	assert_output 2
	run -0 as_nobody vm-lock list
	assert_output --partial "exclusive helped          mac:52:54:00:12:34:0d"
	kill_qemu helped
	run -0 taps
	assert_output ""
	run -0 as_nobody vm-lock list
	refute_output --partial "exclusive helped"
	run -0 as_nobody vm-stop --force helped
}

@test "in session mode a bridge_helper that is not setuid is exit 3 naming the key and what to do, nothing left" {
	helper_setup 0755 br0
	xml=$(bridge_domain unset)
	run -3 helper_start "$xml"
	assert_output --partial "$xml:7: <interface>: session mode makes taps with bridge_helper '$TEST_DIR/bin/qemu-bridge-helper' (vmkit.conf), and it is not setuid root: as root, make it setuid (dpkg-statoverride"
	VMKIT_RUNDIR=$TEST_DIR/session
	run -0 taps
	assert_output ""
	[ ! -e "$VMKIT_RUNDIR/domains/unset/status.json" ]
}

@test "in session mode a bridge that bridge.conf does not allow is exit 3 with the helper's word, nothing left" {
	helper_setup 4755 br1
	xml=$(bridge_domain denied "<mac address='52:54:00:12:34:0c'/>")
	run -3 helper_start "$xml"
	assert_output --partial "$xml:7: <interface>: bridge_helper '$TEST_DIR/bin/qemu-bridge-helper' made no tap on bridge 'br0' (exit 1): access denied by acl file"
	VMKIT_RUNDIR=$TEST_DIR/session
	run -0 taps
	assert_output ""
	[ ! -e "$VMKIT_RUNDIR/domains/denied/status.json" ]
	run -0 as_nobody vm-lock list
	refute_output --partial "exclusive"
}

@test "in session mode <mtu>, <target dev> and queues are refused: the helper sets them" {
	run -3 session_start "$(bridge_domain mtu "<mtu size='1400'/>")"
	assert_output --partial "<interface>: <mtu size='1400'>: in session mode bridge_helper makes the tap with its bridge's MTU"
	run -3 session_start "$(bridge_domain named "<target dev='mytap'/>")"
	assert_output --partial "<interface>: <target dev='mytap'>: in session mode bridge_helper makes the tap and the kernel names it"
	run -3 session_start "$(bridge_domain queues "<driver queues='2'/>")"
	assert_output --partial "<interface>: <driver queues='2'>: in session mode bridge_helper makes a tap of one queue"
}

@test "an existing tap (ethernet, managed='no') is opened by name and outlives QEMU" {
	ip -n "$NS" tuntap add mode tap name t0
	xml=$(make_domain eth "<interface type='ethernet'><target dev='t0' managed='no'/><mac address='52:54:00:12:34:06'/></interface>")
	run -0 start_in_ns --paused "$xml"
	[ "$(iface eth tap)" = t0 ]
	run -0 vm-stop --force eth
	run -0 taps
	assert_output t0
}

@test "vm-start --print-argv shows a placeholder for the tap and makes none" {
	xml=$(bridge_domain argv "<mac address='52:54:00:12:34:07'/>")
	run -0 start_in_ns --print-argv "$xml"
	assert_output --partial "'-netdev' 'tap,id=hostnet0,fd=<hostnet0>'"
	assert_output --partial "'-device' 'virtio-net-pci,netdev=hostnet0,id=net0,mac=52:54:00:12:34:07,bus=pci.0,addr=0x2.0x0'"
	assert_nothing_left argv
}
