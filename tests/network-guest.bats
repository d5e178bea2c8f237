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
	bridge_ns vmkit-guestnet
	ip -n "$NS" addr add "$NET.1/24" dev br0
	ip -n "$NS" link set lo up
}

teardown() {
	common_teardown
	ip netns del "$NS" 2>/dev/null || true
}

# tap_of NAME: the tap of domain NAME's first interface, from vm-status.
tap_of() {
	vm-status --json "$1" | python3 -c 'import json, sys; print(json.load(sys.stdin)["interfaces"][0]["tap"])'
}

# ns_busybox APPLET [ARG...]: the guest's busybox, in the namespace (the
# host may have no ping or wget).
ns_busybox() {
	if [ ! -x "$TEST_DIR/busybox" ]; then
		gzip -dc "$GUEST_DIR/initrd.img" |
			(cd "$TEST_DIR" && cpio -i --quiet --to-stdout bin/busybox >busybox)
		chmod 0755 "$TEST_DIR/busybox"
	fi
	ip netns exec "$NS" "$TEST_DIR/busybox" "$@"
}

# host_ping ADDR [SECONDS]: two pings from the namespace, within SECONDS (20).
host_ping() {
	ns_busybox ping -c 2 -W 2 -w "${2:-20}" "$1"
}

# http_get HOST:PORT/PATH: the body, from the namespace, within 20 s.
http_get() {
	ip netns exec "$NS" /usr/bin/python3 -c '
import sys, urllib.request
try:
    sys.stdout.write(urllib.request.urlopen("http://" + sys.argv[1], timeout=20).read().decode())
except OSError as e:
    sys.exit(str(e))
' "$1"
}

# net_guest NAME HOST MAC PEERS [CHILDREN]: the guest NAME on br0 with
# MAC, the address $NET.HOST and the interface's CHILDREN, pinging PEERS
# (comma-separated) once booted.
net_guest() {
	root_disk "$TEST_DIR/$1.img"
	make_guest "$1" "$TEST_DIR/$1.img" "vmkit-marker-$1" \
		"<interface type='bridge'><source bridge='br0'/><mac address='$3'/><model type='virtio'/>${5:-}</interface>" \
		"vmkit.ip=$NET.$2/24${4:+ vmkit.ping=$4}"
}

# qemu_net_fds NAME: QEMU's fds that reach a network, one a line, sorted:
# "tap IFNAME" for a tun fd (its interface, from fdinfo), "vhost-net"
# for a vhost fd, "socket INODE" for a socket that is not a Unix socket
# (the monitor's are).
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
    if target == '/dev/vhost-net':
        out.append('vhost-net')
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
	local mac1=52:54:00:d7:07:0b mac2=52:54:00:d7:07:0c pid1 pid2 tap1 tap2 g vhost
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
	# with a vhost fd each where vm-start opens /dev/vhost-net (the default)
	vhost=
	[ ! -e /dev/vhost-net ] || vhost=$'\nvhost-net'
	run -0 qemu_net_fds g1
	assert_output "tap $tap1$vhost"
	run -0 qemu_net_fds g2
	assert_output "tap $tap2$vhost"

	# each guest reaches the other and the bridge (the init pings each
	# peer at most 60 times, once a second)
	wait_line g1 "$pid1" "^vmkit-guest: NET $NET.11/24 carrier 1" 120
	wait_line g2 "$pid2" "^vmkit-guest: NET $NET.12/24 carrier 1" 120
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

@test "<link state='down'>: the guest has no carrier and no traffic until set_link brings it up" {
	local pid
	run -0 ip netns exec "$NS" vm-start "$(net_guest down 21 52:54:00:d7:07:15 "" "<link state='down'/>")"
	pid=$(qemu_pid down)
	wait_line down "$pid" "^vmkit-guest: NET $NET.21/24 carrier" 120
	grep -q "^vmkit-guest: NET $NET.21/24 carrier 0" "$TEST_DIR/down.serial"
	run -1 host_ping "$NET.21" 4
	assert_output --partial "0 packets received"
	run -0 qmp down set_link '{"name": "net0", "up": true}'
	run -0 host_ping "$NET.21"
	assert_output --partial "2 packets received"
}

@test "a user interface's <portForward> reaches the guest's server from the host's loopback" {
	local pid xml marker=vmkit-marker-fwd
	root_disk "$TEST_DIR/fwd.img"
	xml=$(make_guest fwd "$TEST_DIR/fwd.img" "$marker" \
		"<interface type='user'><portForward proto='tcp' address='127.0.0.1'><range start='18080' to='8080'/></portForward></interface>" \
		"vmkit.ip=10.0.2.15/24 vmkit.httpd=8080")
	run -0 ip netns exec "$NS" vm-start "$xml"
	pid=$(qemu_pid fwd)
	wait_line fwd "$pid" '^vmkit-guest: HTTPD 8080' 120
	run -0 http_get 127.0.0.1:18080/marker
	assert_output "$marker"
	# only the port asked for, and only on loopback
	run -0 ip netns exec "$NS" ss -Hltn
	assert_output --regexp '^LISTEN +[0-9]+ +[0-9]+ +127\.0\.0\.1:18080 '
	[ "${#lines[@]}" -eq 1 ]
	run -0 vm-stop --force fwd
	run -1 http_get 127.0.0.1:18080/marker
	assert_output --partial "Connection refused"
}
