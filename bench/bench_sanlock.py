#!/usr/bin/env python3
"""lock_manager = "sanlock" against "file": vm-start with 1 and 8 disks,
interleaved in one run, its sanlock overhead against a bare
sanlock_acquire of the same leases (sanlock-floor.c), and vm-lock join at
io_timeout 1 and 10. Starts two sanlock daemons of its own (as
tests/sanlock_helpers.bash does: unprivileged, no watchdog), stops them by
pid. Run alone (python3 bench/bench_sanlock.py), it prints the rows;
bench.py --sanlock writes them into BENCHMARKS.md."""

import hashlib, json, os, shutil, statistics, subprocess, sys, tempfile, time
import bench

LOCKSPACE = "__VMKIT__"


def odirect(path):
    """Whether PATH takes O_DIRECT writes, which sanlock needs."""
    probe = os.path.join(path, ".odirect")
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_DIRECT, 0o600)
    except OSError:
        return False
    try:
        import mmap
        buf = mmap.mmap(-1, 4096)
        os.write(fd, buf)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
        os.unlink(probe)


class Hosts:
    """Two sanlock daemons, one per simulated host, and their lease directory."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="vmkit-bench-sanlock.")
        if not odirect(self.dir):
            shutil.rmtree(self.dir)
            self.dir = tempfile.mkdtemp(prefix="vmkit-bench-sanlock.", dir="/var/tmp")
        self.pids = {}
        for n in (1, 2):
            run = os.path.join(self.dir, "run%d" % n)
            os.mkdir(run)
            log = open(os.path.join(self.dir, "daemon%d.log" % n), "ab")
            p = subprocess.Popen(["sanlock", "daemon", "-D", "-w", "0", "-l", "0", "-L", "-1",
                                  "-S", "-1", "-e", "vmkit-bench-host-%d" % n],
                                 env=dict(os.environ, SANLOCK_RUN_DIR=run, SANLOCK_PRIVILEGED="0"),
                                 stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                 start_new_session=True)
            self.pids[n] = p
            for _ in range(100):
                if subprocess.run(["sanlock", "client", "status"], env=self.env_of(n),
                                  capture_output=True).returncode == 0:
                    break
                time.sleep(0.05)
            else:
                raise RuntimeError("sanlock daemon %d did not start" % n)

    def env_of(self, n):
        return dict(os.environ, SANLOCK_RUN_DIR=os.path.join(self.dir, "run%d" % n))

    def conf(self, lab, n, leases, io_timeout=1):
        path = os.path.join(lab.dir, "sanlock%d-%s.conf" % (n, os.path.basename(leases)))
        os.makedirs(leases, 0o700, exist_ok=True)
        with open(path, "w") as f:
            f.write('user = "%s"\nlock_manager = "sanlock"\nsanlock_host_id = %d\n'
                    'sanlock_lease_dir = "%s"\nsanlock_io_timeout = %d\n'
                    'sanlock_run_dir = "%s/run%d"\n'
                    % (bench.USER, n, leases, io_timeout, self.dir, n))
        return dict(lab.env, VMKIT_CONF=path)

    def close(self):
        for n, p in self.pids.items():
            subprocess.run(["timeout", "10", "sanlock", "client", "shutdown", "-f", "1", "-w", "1"],
                           env=self.env_of(n), capture_output=True)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def lease_file(resource, host_id):
    """The lease file of RESOURCE, as lock_sanlock.c names it: the SHA-256
    of the resource, prefixed with the host for one of this host only."""
    if resource.startswith(("inode:", "blockdev:", "port:")):
        resource = "host:%d:%s" % (host_id, resource)
    return hashlib.sha256(resource.encode()).hexdigest()


def floor_bin(lab):
    path = os.path.join(lab.dir, "sanlock-floor")
    if not os.path.exists(path):
        bench.sh("cc", "-O2", "-o", path, os.path.join(bench.TOP, "bench", "sanlock-floor.c"),
                 "-lsanlock_client")
    return path


def domain(lab, nd):
    """A domain of ND disks with a fixed uuid, so that every start takes
    the same leases."""
    disks = [lab.disk("sl%d-%d.qcow2" % (nd, i), bench.USER) for i in range(nd)]
    xml = lab.domain("sl%d" % nd, disks)
    with open(xml) as f:
        text = f.read()
    with open(xml, "w") as f:
        f.write(text.replace("<name>", "<uuid>5e1a0c4b-0000-4000-8000-%012d</uuid><name>" % nd, 1))
    return xml, "sl%d" % nd


def bench_start(lab, hosts, n, nd):
    leases = os.path.join(hosts.dir, "leases")
    senv, fenv = hosts.conf(lab, 1, leases), dict(lab.env)
    xml, name = domain(lab, nd)
    bench.sh("vm-start", xml, env=senv)
    # exit 1: a lease is held, as it is
    held = bench.sh("vm-lock", "status", "--domain", name, "--json", env=senv, check=False)
    resources = [lease["resource"] for lease in json.loads(held.stdout)["leases"]]
    bench.sh("vm-stop", "--force", name, env=senv)
    ids = [lease_file(r, 1) for r in resources]
    # each labelled file's metadata lease (its path's: an identity's is an
    # OFD lock, no sanlock lease), taken and let go around its chown
    metas = [lease_file("meta:" + r, 1) for r in resources if r.startswith("/")]
    floor = [floor_bin(lab), LOCKSPACE, leases]
    sl, fl, over, bare, content = [], [], [], [], []

    def floor_ms(ids_):
        r = bench.sh(*(floor + ids_), env=hosts.env_of(1), check=False)
        if r.returncode:
            raise RuntimeError("sanlock-floor: " + r.stderr)
        return float(r.stdout) / 1000

    for _ in range(n):
        sl.append(bench.timed(lambda: bench.sh("vm-start", xml, env=senv)))
        bench.sh("vm-stop", "--force", name, env=senv)
        fl.append(bench.timed(lambda: bench.sh("vm-start", xml, env=fenv)))
        bench.sh("vm-stop", "--force", name, env=fenv)
        over.append(sl[-1] - fl[-1])
        bare.append(floor_ms(ids + metas))
        content.append(floor_ms(ids))
    what = "%d disk%s" % (nd, "s" if nd > 1 else "")
    return [("vm-start, %s: lock_manager sanlock vs file" % what,
             bench.stats_ms(sl), bench.stats_ms(fl)),
            ("vm-start's sanlock overhead (sanlock minus file, per round), %s, vs a bare "
             "register + sanlock_acquire of the %d leases it takes (%d content, %d metadata) "
             "(target: at most 1.2)" % (what, len(ids) + len(metas), len(ids), len(metas)),
             bench.stats_ms(over), bench.stats_ms(bare)),
            ("the same overhead, %s, vs a bare acquire of its %d content leases alone"
             % (what, len(ids)), bench.stats_ms(over), bench.stats_ms(content))]


def bench_join(lab, hosts, n):
    """vm-lock join of host 2 into a lockspace written at io_timeout 10 and 1."""
    out = {}
    for io in (1, 10):
        env = hosts.conf(lab, 2, os.path.join(hosts.dir, "join%d" % io), io)
        out[io] = []
        for _ in range(n):
            out[io].append(bench.timed(lambda: bench.sh("vm-lock", "join", env=env)))
            bench.sh("vm-lock", "leave", env=env)
    return [("vm-lock join at sanlock_io_timeout 10 vs 1 (host 2, lockspace written with it)",
             bench.stats_ms(out[10]), bench.stats_ms(out[1]))]


def rows(lab, n, join_rounds):
    hosts = Hosts()
    try:
        for env in (hosts.conf(lab, 1, os.path.join(hosts.dir, "leases")),):
            bench.sh("vm-lock", "join", env=env)
        out = bench_start(lab, hosts, n, 1) + bench_start(lab, hosts, n, 8)
        out += bench_join(lab, hosts, join_rounds)
    finally:
        hosts.close()
    return out


def main():
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=10, help="rounds per vm-start figure")
    ap.add_argument("--join-rounds", type=int, default=2)
    args = ap.parse_args()
    lab = bench.Lab(bench.accel())
    try:
        for what, (a, amin), (b, bmin) in rows(lab, args.n, args.join_rounds):
            print("| %s | %.1f | %.1f | %.2f | %.2f |" % (what, a, b, a / b, amin / bmin))
    finally:
        lab.close()


if __name__ == "__main__":
    main()
