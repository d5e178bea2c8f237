#!/usr/bin/env python3
"""vmkit benchmarks. Each figure is a ratio against a baseline measured
in the same run, interleaved with it, so machine noise hits both alike.
Writes BENCHMARKS.md (or the file given with --out). Run as root after
scripts/setup-host, from a built tree: python3 bench/bench.py"""

import argparse, os, shutil, socket, statistics, subprocess, tempfile, time
import bench_attach, bench_net, bench_sanlock

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
USER = "vmkit-qemu"


def sh(*args, env=None, check=True):
    return subprocess.run(args, env=env, check=check, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)


def timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


class Lab:
    """A private run directory, config and disks for one benchmark."""

    def __init__(self, accel):
        self.dir = tempfile.mkdtemp(prefix="vmkit-bench.")
        os.chmod(self.dir, 0o755)
        self.accel = accel
        # The run directory on tmpfs, as /run is on a real host, so that
        # its fsyncs cost what they cost there.
        self.run_fs = os.path.join(self.dir, "runfs")
        os.mkdir(self.run_fs, 0o700)
        sh("mount", "-t", "tmpfs", "-o", "size=64m,mode=0700", "vmkit-bench", self.run_fs)
        self.env = dict(os.environ, VMKIT_RUNDIR=self.run_fs + "/run",
                        VMKIT_CONF=self.dir + "/vmkit.conf",
                        PATH=TOP + ":" + os.environ["PATH"])
        self.conf()

    def conf(self, extra=""):
        with open(self.env["VMKIT_CONF"], "w") as f:
            f.write('user = "%s"\n%s' % (USER, extra))

    def disk(self, name, owner="root"):
        path = os.path.join(self.dir, name)
        if not os.path.exists(path):
            sh("qemu-img", "create", "-q", "-f", "qcow2", path, "16M")
            shutil.chown(path, owner, owner)
            os.chmod(path, 0o600)
        return path

    def chain(self, name, layers):
        """A qcow2 image on LAYERS - 1 backing files: [top, ..., base]."""
        files = [os.path.join(self.dir, "%s%d.qcow2" % (name, i)) for i in range(layers)]
        for i in reversed(range(layers)):
            if not os.path.exists(files[i]):
                back = ["-b", files[i + 1], "-F", "qcow2"] if i + 1 < layers else []
                sh("qemu-img", "create", "-q", "-f", "qcow2", *back, files[i], "16M")
                shutil.chown(files[i], USER, USER)
                os.chmod(files[i], 0o600)
        return files

    def domain(self, name, disks, devices="", cpu=""):
        """A domain with DISKS (qcow2, as vda, vdb, ...), DEVICES and CPU (XML)."""
        xml = "".join(
            "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
            "<source file='%s'/><target dev='vd%s' bus='virtio'/></disk>"
            % (d, chr(ord('a') + i)) for i, d in enumerate(disks)) + devices
        path = os.path.join(self.dir, name + ".xml")
        with open(path, "w") as f:
            f.write("<domain type='%s'><name>%s</name><memory unit='MiB'>64</memory>"
                    "<vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os>"
                    "%s<devices>%s</devices></domain>" % (self.accel, name, cpu, xml))
        return path

    def qmp_raw(self):
        """bench/qmp-raw.c built once: the raw baselines' QMP client."""
        path = os.path.join(self.dir, "qmp-raw")
        if not os.path.exists(path):
            sh("cc", "-O2", "-o", path, os.path.join(TOP, "bench", "qmp-raw.c"))
        return path

    def run(self, *args):
        return sh(*args, env=self.env)

    def close(self):
        sh("umount", self.run_fs, check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


def accel():
    r = subprocess.run(["runuser", "-u", USER, "--", "qemu-system-x86_64", "-machine",
                        "none,accel=kvm", "-nodefaults", "-display", "none", "-monitor",
                        "stdio", "-S"], input="quit\n", capture_output=True, text=True)
    return "kvm" if r.returncode == 0 else "qemu"


def stats_ms(xs):
    """(median, minimum) in ms: the minimum is the least disturbed run."""
    return statistics.median(xs) * 1000, min(xs) * 1000


def bench_start(lab, n, chains, what, cpu=""):
    """vm-start against QEMU exec'd by qmp-raw with the same argv (the same
    devices and -sandbox, as the QEMU user, -S then "cont" over QMP), both
    timed as processes from exec until the guest runs. CHAINS: per disk,
    its image and then its backing files; CPU: the domain's <cpu>."""
    xml = lab.domain("b", [c[0] for c in chains], cpu=cpu)
    argv = split_argv(lab.run("vm-start", "--print-argv", xml).stdout)
    # QEMU gets every image as an fd (-add-fd fd=<NODE>: file-vdX for a
    # disk's own image, bfK-vdX for its K-th backing file), and so does
    # the baseline: opened anew for each QEMU, since QEMU's image locks
    # live as long as the open file does.
    adds = {}
    for i, w in enumerate(argv):
        if w.startswith("fd=<"):
            node = w[4:w.index(">")]
            kind, dev = node.split("-")
            k = 0 if kind == "file" else int(kind[2:])
            adds[i] = (chains[ord(dev[2]) - ord("a")][k], os.O_RDWR if k == 0 else os.O_RDONLY)
    assert len(adds) == sum(len(c) for c in chains), argv
    vm, base = [], []
    for _ in range(n):
        words = list(argv)
        fds = []
        for i, (path, mode) in adds.items():
            fds.append(os.open(path, mode | os.O_CLOEXEC))
            words[i] = "fd=%d%s" % (fds[-1], argv[i][argv[i].index(">") + 1:])
        base.append(time_raw(lab, words, fds))
        vm.append(timed(lambda: lab.run("vm-start", xml)))
        lab.run("vm-stop", "--force", "b")
    return what, stats_ms(vm), stats_ms(base)


def time_raw(lab, words, fds):
    """QEMU exec'd by qmp-raw with WORDS and FDS (closed here) until it
    runs, timed; then killed."""
    pid = []
    raw = [lab.qmp_raw(), "start", os.path.join(lab.dir, "raw.sock"), USER] + words
    t = timed(lambda: pid.append(int(subprocess.run(
        raw, check=True, stdout=subprocess.PIPE, pass_fds=fds).stdout)))
    for fd in fds:
        os.close(fd)
    os.kill(pid[0], 9)
    wait_exit(pid[0])
    return t


def build_rev(lab, rev):
    """REV of this repository built in a scratch worktree; returns its top."""
    top = os.path.join(lab.dir, "rev")
    sh("git", "-C", TOP, "worktree", "add", "--detach", top, rev)
    try:
        subprocess.run("./autogen.sh && ./configure && make -j2", shell=True, cwd=top,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except subprocess.CalledProcessError:
        sh("git", "-C", TOP, "worktree", "remove", "--force", top, check=False)
        raise
    return top


def bench_before(lab, n, rev):
    """vm-start of this tree against vm-start built from REV, same domain."""
    top = build_rev(lab, rev)
    try:
        xml = lab.domain("b", [lab.disk("s.qcow2", USER)])
        old_env = dict(lab.env, PATH=top + ":" + os.environ["PATH"])
        new, old = [], []
        for _ in range(n):
            for out, env in ((new, lab.env), (old, old_env)):
                out.append(timed(lambda: sh("vm-start", xml, env=env)))
                sh("vm-stop", "--force", "b", env=env)
    finally:
        sh("git", "-C", TOP, "worktree", "remove", "--force", top, check=False)
    return ("vm-start, 1 disk, this tree vs vm-start built from %s" % rev,
            stats_ms(new), stats_ms(old))


def split_argv(line):
    """The words of vm-start --print-argv's shell-quoted line."""
    return sh("sh", "-c", "eval \"set -- $0\"; printf '%s\\0' \"$@\"", line.strip()).stdout.split("\0")[:-1]


def wait_exit(pid):
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    import select
    select.select([fd], [], [], 10)
    os.close(fd)


def bench_labels(lab, n, ndisks):
    """vm-start + vm-stop with labelling against dynamic_ownership = 0."""
    disks = [lab.disk("l%d-%d.qcow2" % (ndisks, i), USER) for i in range(ndisks)]
    xml = lab.domain("l%d" % ndisks, disks)
    name = "l%d" % ndisks
    on, off = [], []
    for _ in range(n):
        for label, out in ((True, on), (False, off)):
            lab.conf("" if label else "dynamic_ownership = 0\n")
            out.append(timed(lambda: (lab.run("vm-start", xml),
                                      lab.run("vm-stop", "--force", name))))
    lab.conf()
    return stats_ms(on), stats_ms(off)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=20, help="rounds per figure")
    ap.add_argument("--out", default=os.path.join(TOP, "BENCHMARKS.md"))
    ap.add_argument("--sanlock", action="store_true",
                    help="also lock_manager = sanlock against file (needs sanlock; starts "
                    "two daemons of its own)")
    ap.add_argument("--before", metavar="REV",
                    help="also time vm-start against the one built from REV")
    args = ap.parse_args()
    acc = accel()
    load = [os.getloadavg()[0]]
    lab = Lab(acc)
    rows = []
    try:
        rows.append(bench_start(lab, args.n, [[lab.disk("s.qcow2", USER)]],
                                "vm-start, 1 disk (leases, labels, state, QMP handshake) "
                                "vs the same QEMU exec'd raw"))
        rows.append(bench_start(lab, args.n, [[lab.disk("h.qcow2", USER)]],
                                "vm-start, 1 disk, <cpu mode='host-model'> (QEMU's CPU as "
                                "kept in the run directory after the first start) vs the same "
                                "QEMU exec'd raw with its -cpu resolved",
                                cpu="<cpu mode='host-model'/>"))
        rows.append(bench_start(lab, args.n, [lab.chain("c", 3)],
                                "vm-start, 1 disk on a 3-layer qcow2 chain (every layer opened, "
                                "leased, labelled, passed by fd) vs the same QEMU exec'd raw"))
        for nd in (1, 8):
            on, off = bench_labels(lab, args.n, nd)
            rows.append(("start+stop with labels vs dynamic_ownership = 0, %d disk%s"
                         % (nd, "s" if nd > 1 else ""), on, off))
        rows += bench_attach.run(lab, args.n)
        rows += bench_net.rows(lab, args.n)
        if args.sanlock:
            rows += bench_sanlock.rows(lab, args.n, 2)
        if args.before:
            rows.append(bench_before(lab, args.n, args.before))
    finally:
        lab.close()
    load.append(os.getloadavg()[0])
    write(args.out, rows, acc, args.n, load)


def shared_libs(cmd):
    """The shared libraries CMD loads besides the C library, as ldd names them."""
    out = subprocess.run(["ldd", os.path.join(TOP, cmd)], capture_output=True, text=True).stdout
    names = [w.split()[0] for w in out.splitlines() if "=>" in w]
    return [n for n in names if not n.startswith(("libc.so", "linux-vdso"))]


def write(out, rows, acc, n, load):
    with open(out, "w") as f:
        f.write("# Benchmarks\n\nWritten by `python3 bench/bench.py -n %d` (as root, after "
                "`scripts/setup-host`, in a built tree). Each row is the median (and the minimum) of %d "
                "interleaved rounds of the measured command and its baseline, in the same "
                "run, with the run directory on tmpfs as /run is. Machine: %d cores, "
                "accelerator %s, %s, 1-minute load average %.1f at the start and %.1f at "
                "the end. Shared libraries vm-attach loads besides libc: %s.\n\n"
                % (n, n, os.cpu_count(), acc, time.strftime("%Y-%m-%d"), load[0], load[1],
                   ", ".join(shared_libs("vm-attach")) or "none"))
        f.write("| measured | median ms | baseline median ms | ratio of medians | ratio of minimums |\n"
                "|---|---|---|---|---|\n")
        for what, (a, amin), (b, bmin) in rows:
            f.write("| %s | %.1f | %.1f | %.2f | %.2f |\n" % (what, a, b, a / b, amin / bmin))
    print(open(out).read())


if __name__ == "__main__":
    main()
