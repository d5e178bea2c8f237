"""vm-attach and --detach against the same QMP commands sent by a minimal
client, bench/qmp-raw.c (libc only, fixed JSON), both timed as processes
(exec, connection, greeting and capabilities included); and vm-attach
against its own objects linked to shared json-c, nettle, libuuid and
libcap-ng. Imported by bench.py."""

import os

NAME = "hp"


def sanlock_built(top):
    with open(os.path.join(top, "config.h")) as f:
        return "#define HAVE_SANLOCK 1" in f.read()


def run(lab, n):
    import bench
    mine = lab.disk("hp-mine.qcow2")              # root's: vm-attach labels it
    theirs = lab.disk("hp-raw.qcow2", bench.USER)  # QEMU can open it as is
    lease = os.path.join(lab.dir, "hp-raw.lease")
    open(lease, "w").close()
    raw = lab.qmp_raw()
    # The same objects with json-c, nettle, libuuid and libcap-ng as shared
    # libraries, which is what configure's default of linking their
    # archives saves.
    shared = os.path.join(lab.dir, "vm-attach-shared")
    objs = [os.path.join(bench.TOP, f) for f in ("cmd/vm-attach/vm-attach.o",
                                                 "cmd/vm-attach/disk_xml_exec.o",
                                                 "lib/libvmkit.a")]
    # with the sanlock driver built in, its client library is shared in both
    libs = ["json-c", "nettle", "uuid", "libcap-ng"] + (["libsanlock_client"] if sanlock_built(bench.TOP) else [])
    bench.sh("cc", "-o", shared, *objs, *bench.sh("pkg-config", "--libs", *libs).stdout.split())
    # The exact nodes vmkit builds for that disk as vdc, for the raw client.
    words = bench.split_argv(lab.run("vm-start", "--print-argv",
                                     lab.domain("hpargs", [lab.disk("x"), lab.disk("y"), theirs])).stdout)
    # vmkit passes the file as an fd set (add-fd); the raw client names it.
    nodes = [words[i + 1].replace('"/dev/fdset/3"', '"%s"' % theirs)
             for i, w in enumerate(words) if w == "-blockdev" and "-vdc" in words[i + 1]]
    assert theirs in nodes[0], nodes
    # no balloon or USB controller, which would take root ports: pci.1 is
    # the one written, free for hotplug (libvirt adds none to a q35 file
    # whose devices need none)
    xml = lab.domain(NAME, [], "<controller type='usb' model='none'/><memballoon model='none'/>"
                     "<controller type='pci' model='pcie-root-port'/>")
    with open(xml) as f:
        text = f.read().replace("machine='pc'", "machine='q35'")
    with open(xml, "w") as f:
        f.write(text)
    # paused: a guest that runs changes how its root port answers an
    # unplug, from round to round (the raw detach took 11 to 61 ms)
    lab.run("vm-start", "--paused", xml)
    sock = os.path.join(lab.env["VMKIT_RUNDIR"], "domains", NAME, "qmp.sock")
    att, det, ratt, rdet, satt = [], [], [], [], []
    try:
        for _ in range(n):
            # Each pair uses root port pci.1 in turn, so both unplug the same slot.
            att.append(bench.timed(lambda: lab.run("vm-attach", NAME, "--disk", mine,
                                                   "--target", "vdb", "--format", "qcow2")))
            det.append(bench.timed(lambda: lab.run("vm-attach", NAME, "--detach", "vdb")))
            ratt.append(bench.timed(lambda: bench.sh(raw, "attach", sock, lease, *nodes)))
            rdet.append(bench.timed(lambda: bench.sh(raw, "detach", sock)))
            satt.append(bench.timed(lambda: lab.run(shared, NAME, "--disk", mine,
                                                    "--target", "vdb", "--format", "qcow2")))
            lab.run("vm-attach", NAME, "--detach", "vdb")
    finally:
        lab.run("vm-stop", "--force", NAME)
    return [("vm-attach (lease, label, status, getfd, blockdev-add, device_add) vs the same QMP from qmp-raw (C)",
             bench.stats_ms(att), bench.stats_ms(ratt)),
            ("vm-attach --detach (device_del, blockdev-del, closefd, give back) vs the same QMP from qmp-raw (C)",
             bench.stats_ms(det), bench.stats_ms(rdet)),
            ("vm-attach as built vs the same objects linked to shared json-c, nettle, libuuid and libcap-ng",
             bench.stats_ms(att), bench.stats_ms(satt))]
