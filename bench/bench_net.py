"""vm-start of a domain with two NICs on a bridge against the same QEMU
exec'd raw (bench/qmp-raw.c, as in bench.py's start rows) with two taps
made beforehand, already on the bridge and up, opened anew for each
QEMU outside the timing. vm-start makes its taps (create, MAC, bridge,
up) and leases the MACs inside it. Both run in a network namespace made
here, which this process enters for the rows and leaves after.
Imported by bench.py."""

import ctypes, fcntl, os, struct, subprocess

NAME = "net"
NS = "vmkit-bench-%d" % os.getpid()
MACS = ("52:54:00:be:0c:01", "52:54:00:be:0c:02")
RAW_TAPS = ("rawtap0", "rawtap1")
CLONE_NEWNET = 0x40000000
TUNSETIFF = 0x400454CA
TAP_FLAGS = 0x0002 | 0x1000 | 0x4000  # IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, as vm-start's


def setns(fd):
    if ctypes.CDLL(None, use_errno=True).setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns")


def open_tap(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_CLOEXEC)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), TAP_FLAGS))
    return fd


def domain(lab):
    return lab.domain(NAME, [], "".join(
        "<interface type='bridge'><source bridge='br0'/><mac address='%s'/>"
        "<model type='virtio'/></interface>" % m for m in MACS))


def rows(lab, n):
    import bench
    ip = lambda *a: bench.sh("ip", "-n", NS, *a)
    bench.sh("ip", "netns", "add", NS)
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    try:
        ip("link", "add", "br0", "type", "bridge")
        ip("link", "set", "br0", "up")
        for t in RAW_TAPS:
            ip("tuntap", "add", "mode", "tap", "vnet_hdr", "name", t)
            ip("link", "set", t, "master", "br0", "up")
        ns = os.open("/run/netns/" + NS, os.O_RDONLY)
        setns(ns)
        os.close(ns)
        xml = domain(lab)
        argv = bench.split_argv(lab.run("vm-start", "--print-argv", xml).stdout)
        slots = [i for i, w in enumerate(argv) if w.startswith("tap,") and "fd=<" in w]
        assert len(slots) == len(RAW_TAPS), argv
        vm, base = [], []
        for _ in range(n):
            fds = [open_tap(t) for t in RAW_TAPS]
            words = list(argv)
            for i, fd in zip(slots, fds):
                words[i] = argv[i][:argv[i].index("fd=<")] + "fd=%d" % fd
            base.append(bench.time_raw(lab, words, fds))
            vm.append(bench.timed(lambda: lab.run("vm-start", xml)))
            lab.run("vm-stop", "--force", NAME)
    finally:
        setns(home)
        os.close(home)
        bench.sh("ip", "netns", "del", NS, check=False)
    return [("vm-start, 2 NICs on a bridge (taps made, MACs leased, fds passed) vs the same "
             "QEMU exec'd raw with taps made beforehand", bench.stats_ms(vm), bench.stats_ms(base))]
