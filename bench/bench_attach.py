"""vm-attach and --detach against the same QMP commands sent by a minimal
client (connection, greeting and capabilities included, interpreter
start-up not). Imported by bench.py."""

import array, json, os, socket, time

NAME = "hp"


class Qmp:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.connect(path)
        self.f = self.s.makefile("r")
        self.events = []
        self.recv()
        self.cmd("qmp_capabilities")

    def recv(self):
        while True:
            m = json.loads(self.f.readline())
            if "event" not in m:
                return m
            self.events.append(m)

    def cmd(self, name, fd=None, **args):
        data = json.dumps({"execute": name, "arguments": args}).encode()
        if fd is None:
            self.s.sendall(data)
        else:
            self.s.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                     array.array("i", [fd]))])
        r = self.recv()
        if "error" in r:
            raise RuntimeError(r["error"]["desc"])
        return r["return"]

    def wait_event(self, name):
        while not any(e["event"] == name for e in self.events):
            m = json.loads(self.f.readline())
            if "event" in m:
                self.events.append(m)

    def close(self):
        self.s.close()


def raw_attach(sock, disk, lease):
    q = Qmp(sock)
    fd = os.open(lease, os.O_RDWR)
    q.cmd("getfd", fd=fd, fdname="lease-vdc")
    os.close(fd)
    q.cmd("blockdev-add", driver="file", filename=disk, **{"node-name": "file-vdc"})
    q.cmd("blockdev-add", driver="qcow2", file="file-vdc", **{"node-name": "drive-vdc"})
    q.cmd("device_add", driver="virtio-blk-pci", drive="drive-vdc", id="vdc", bus="pci.2",
          **{"write-cache": "on"})
    q.close()


def raw_detach(sock):
    q = Qmp(sock)
    q.cmd("device_del", id="vdc")
    q.wait_event("DEVICE_DELETED")
    q.cmd("blockdev-del", **{"node-name": "drive-vdc"})
    q.cmd("blockdev-del", **{"node-name": "file-vdc"})
    q.cmd("closefd", fdname="lease-vdc")
    q.close()


def run(lab, n):
    import bench
    mine = lab.disk("hp-mine.qcow2")              # root's: vm-attach labels it
    theirs = lab.disk("hp-raw.qcow2", bench.USER)  # QEMU can open it as is
    lease = os.path.join(lab.dir, "hp-raw.lease")
    open(lease, "w").close()
    xml = lab.domain(NAME, [])
    with open(xml) as f:
        text = f.read().replace("machine='pc'", "machine='q35'")
    with open(xml, "w") as f:
        f.write(text)
    lab.run("vm-start", xml)
    sock = os.path.join(lab.env["VMKIT_RUNDIR"], "domains", NAME, "qmp.sock")
    att, det, ratt, rdet = [], [], [], []
    try:
        for _ in range(n):
            att.append(bench.timed(lambda: lab.run("vm-attach", NAME, "--disk", mine,
                                                   "--target", "vdb", "--format", "qcow2")))
            ratt.append(bench.timed(lambda: raw_attach(sock, theirs, lease)))
            det.append(bench.timed(lambda: lab.run("vm-attach", NAME, "--detach", "vdb")))
            rdet.append(bench.timed(lambda: raw_detach(sock)))
    finally:
        lab.run("vm-stop", "--force", NAME)
    return [("vm-attach (lease, label, status, getfd, blockdev-add, device_add) vs raw QMP",
             bench.median_ms(att), bench.median_ms(ratt)),
            ("vm-attach --detach (device_del, blockdev-del, closefd, give back) vs raw QMP",
             bench.median_ms(det), bench.median_ms(rdet))]
