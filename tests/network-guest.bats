#!/usr/bin/env bats
# Two Linux guests on one bridge: vm-start makes their taps in a network
# namespace of the test's own, with a bridge br0 that has an address; the
# guests set their addresses from the kernel command line (tests/guest/init)
# and ping each other and the bridge, and the host pings them. The
# namespace, and with it the bridge and every address, is removed at the
# end whatever happened.

load helpers
load guest_helpers

NET=10.213.7

setup_file() { guest_setup_file; }

setup() {
	common_setup
	NS=vmkit-guestnet-$$-$BATS_TEST_NUMBER
	ip netns add "$NS"
	ip -n "$NS" link add br0 type bridge
	ip -n "$NS" addr add "$NET.1/24" dev br0
	ip -n "$NS" link set br0 up
}

teardown() {
	common_teardown
	ip netns del "$NS" 2>/dev/null || true
}

# The tap devices in the namespace, one name a line.
taps() {
	ip -n "$NS" -o link show type tun | awk -F': ' '{ print $2 }' | sed 's/@.*//'
}

# tap_of NAME: the tap of domain NAME's first interface, from vm-status.
tap_of() {
	vm-status --json "$1" | python3 -c 'import json, sys; print(json.load(sys.stdin)["interfaces"][0]["tap"])'
}

# host_ping ADDR: two pings from the namespace, within 20 s. The ping is
# the guest's busybox: the host may have none.
host_ping() {
	[ -x "$TEST_DIR/busybox" ] ||
		gzip -dc "$GUEST_DIR/initrd.img" | (cd "$TEST_DIR" && cpio -i --quiet --to-stdout bin/busybox >busybox)
	chmod 0755 "$TEST_DIR/busybox"
	ip netns exec "$NS" "$TEST_DIR/busybox" ping -c 2 -W 2 -w 20 "$1"
}

# net_guest NAME HOST MAC PEERS: the guest NAME on br0 with MAC and the
# address $NET.HOST, pinging PEERS (comma-separated) once booted.
net_guest() {
	root_disk "$TEST_DIR/$1.img"
	make_guest "$1" "$TEST_DIR/$1.img" "vmkit-marker-$1" \
		"<interface type='bridge'><source bridge='br0'/><mac address='$3'/><model type='virtio'/></interface>" \
		"vmkit.ip=$NET.$2/24 vmkit.ping=$4"
}

# qemu_net_fds NAME: QEMU's fds that reach a network, one a line, sorted:
# "tap IFNAME" for a tun fd (its interface, from fdinfo), "socket INODE"
# for a socket that is not a Unix socket (the monitor's are).
qemu_net_fds() {
	python3 - "$(qemu_pid "$1")" <<'PY'
import os, re, sys
pid = sys.argv[1]
unix = {l.split()[6] for l in open('/proc/%s/net/unix' % pid).read().splitlines()[1:]}
out = []
for fd in os.listdir('/proc/%s/fd' % pid):
    try:
        target = os.readlink('/proc/%s/fd/%s' % (pid, fd))
    except FileNotFoundError:
        continue
    if target == '/dev/net/tun':
        info = open('/proc/%s/fdinfo/%s' % (pid, fd)).read()
        out.append('tap ' + re.search(r'^iff:\s*(\S+)', info, re.M).group(1))
    s = re.match(r'socket:\[(\d+)\]$', target)
    if s and s.group(1) not in unix:
        out.append('socket ' + s.group(1))
print('\n'.join(sorted(out)))
PY
}

@test "two guests on a bridge ping each other and the bridge; the host pings both; nothing is left after they stop" {
	local mac1=52:54:00:d7:07:0b mac2=52:54:00:d7:07:0c pid1 pid2 tap1 tap2 g
	run -0 ip netns exec "$NS" vm-start "$(net_guest g1 11 $mac1 "$NET.12,$NET.1")"
	run -0 ip netns exec "$NS" vm-start "$(net_guest g2 12 $mac2 "$NET.11,$NET.1")"
	pid1=$(qemu_pid g1)
	pid2=$(qemu_pid g2)

	# vm-status shows the taps, which are on the bridge
	tap1=$(tap_of g1)
	tap2=$(tap_of g2)
	[ -n "$tap1" ] && [ -n "$tap2" ] && [ "$tap1" != "$tap2" ]
	run -0 taps
	assert_output "$(printf '%s\n' "$tap1" "$tap2" | sort)"
	for g in "$tap1" "$tap2"; do
		run -0 ip -n "$NS" link show "$g"
		assert_output --partial "master br0"
	done

	# QEMU has no capabilities, and no network but the tap vm-start gave it
	for g in "$pid1" "$pid2"; do
		run -0 grep -E '^Cap(Eff|Bnd):' "/proc/$g/status"
		assert_line --regexp '^CapEff:[[:space:]]+0000000000000000$'
		assert_line --regexp '^CapBnd:[[:space:]]+0000000000000000$'
	done
	run -0 qemu_net_fds g1
	assert_output "tap $tap1"
	run -0 qemu_net_fds g2
	assert_output "tap $tap2"

	# each guest reaches the other and the bridge (the init pings each
	# peer at most 60 times, once a second)
	wait_line g1 "$pid1" "^vmkit-guest: NET $NET.11/24" 120
	wait_line g2 "$pid2" "^vmkit-guest: NET $NET.12/24" 120
	for g in g1:$pid1:$NET.12 g1:$pid1:$NET.1 g2:$pid2:$NET.11 g2:$pid2:$NET.1; do
		IFS=: read -r name pid peer <<<"$g"
		wait_line "$name" "$pid" "^vmkit-guest: PING $peer \(OK\|LOST\)" 90
		grep -q "^vmkit-guest: PING $peer OK" "$TEST_DIR/$name.serial" ||
			fail "guest $name did not reach $peer: $(cat "$TEST_DIR/$name.serial")"
	done
	# the host, in the namespace, reaches both
	run -0 host_ping "$NET.11"
	assert_output --partial "2 packets received"
	run -0 host_ping "$NET.12"
	assert_output --partial "2 packets received"
	# and the guests' MACs are what the bridge learned on their taps
	run -0 ip netns exec "$NS" bridge fdb show br br0
	assert_output --partial "$mac1 dev $tap1"
	assert_output --partial "$mac2 dev $tap2"

	run -0 vm-stop --force g1
	kill_qemu g2
	run -0 taps
	assert_output ""
	run -0 ip -n "$NS" -o link
	refute_output --partial "$tap1"
	refute_output --partial "$tap2"
	# both MAC leases free, as another process sees them
	run -0 vm-lock list
	assert_output --partial "free      -               mac:$mac1"
	assert_output --partial "free      -               mac:$mac2"
	run -0 vm-stop --force g2
	run -1 vm-status g1
	run -1 vm-status g2
}
