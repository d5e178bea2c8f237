/*
 * The sanlock lease driver: disk paxos leases on shared storage through
 * the sanlock daemon (libsanlock_client), with the mapping of
 * lock_driver.h. See lock.h for what a caller sees.
 *
 * Names. sanlock names resources in 48 bytes; a lease is named by the
 * first 40 hex digits of the SHA-256 of its resource (vm_lease_hash()),
 * and its lease file in sanlock_lease_dir by all 64. A resource that
 * means something on this host only ("inode:", "blockdev:") is hashed
 * as "host:ID:RESOURCE", so that only this host ever contends for it.
 * The metadata lock of RESOURCE is the lease of "meta:RESOURCE", or for
 * a resource of this host only an OFD lock (local_meta_lock).
 *
 * Lease files. Each holds one lease area (sanlock_write_resource) and,
 * at RESOURCE_AT, its resource in text for listings. A missing one is
 * made under a name of this host and process, initialised, and linked
 * into place: link() fails on a file another host linked first, so a
 * lease file is never seen before it is initialised.
 *
 * Holders. This process holds each lease through a registered
 * connection of its own; sanlock frees them when the process exits. A
 * child cannot inherit them, so the child that execs QEMU (or swtpm) is
 * forked before any of its leases is taken and registers at once
 * (child_register), and vm-start takes each of its leases for that pid:
 * once, on the one connection, which the daemon's inquire of QEMU's pid
 * then lists in full, and held from the first moment, so that no other
 * process or host can take one in between. Persistent leases, which
 * would pass held (as this host's orphans, adopted by the child), are
 * not used: a vm-start killed while it held them would leave them held
 * for this host until some command here adopted them, and other hosts
 * refused meanwhile.
 *
 * A lease does change process when vm-attach hands a hotplugged disk's
 * to QEMU once it is recorded (hand_to), and when a detach takes it back
 * (take_back): released for one, then taken for the other, free for a
 * moment in between. On this host nothing takes it then: each holds the
 * lease's byte in RUNDIR/sanlock.guard (an OFD lock) across the two,
 * and every other take here holds that byte shared around its acquire,
 * so it finds the lease busy (-EBUSY) rather than free.
 * Another host can still take it in between; then the attach or detach
 * leaves the owner to that host, and nothing is ever held twice.
 *
 * Lock failure. When this host's lease renewals fail (its storage is
 * gone, or its delta lease damaged), the daemon runs, for each
 * connection of QEMU's, the killpath that the child registered on it:
 * PKGLIBEXECDIR/vm-lockfailure with on_lockfailure, the lockspace, the
 * run directory and the domain (and the daemon adds QEMU's pid), which
 * powers QEMU off or pauses it and lets its leases go. A QEMU that still
 * holds them 8 io timeouts and the daemon's grace time (-g, 40 s) after
 * the last renewal gets SIGKILL. A lockspace removed by hand (sanlock
 * client rem_lockspace) SIGKILLs its holders at once: sanlock 3.8 runs
 * no killpath then. A daemon that dies runs nothing, and after the
 * expiry other hosts take the leases; in production wdmd's watchdog
 * resets the host. Without one, QEMU's child leaves a watcher of its
 * connection (sl_watch), which SIGKILLs QEMU when the daemon's end
 * closes.
 */
#include "lock_driver.h"
#include "clock.h"
#include "cleanup.h"
#include "exitcodes.h"
#include "ofd.h"

#include <cap-ng.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <sanlock.h>
#include <sanlock_admin.h>
#include <sanlock_resource.h>
#include <sanlock_rv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NAME_DIGITS 40
#define LOCKSPACE_FILE "lockspace"
/* the name of host ID, written when it joins */
#define HOST_FILE "host.%llu"
/* Past the largest lease area sanlock aligns to (8 MiB, 4 KiB sectors). */
#define RESOURCE_AT (8 << 20)
/* How long an acquire that must not wait retries while a lease that its
 * holder let go is still being released (-EAGAIN for a few ms), or
 * while another process of this host is still taking it (-EBUSY: it
 * may yet fail, and then no one would have it). */
#define RELEASING_MS 1000
#define RETRY_MS 20

struct sl {
	struct sanlk_lockspace ls;
	char *dir; /* sanlock_lease_dir */
	int dirfd;
	int io_timeout;
	const char *on_failure; /* on_lockfailure: "poweroff" or "pause" */
	int guard;		/* RUNDIR/sanlock.guard, or -1 until used */
};

/* A resource with its one disk, as sanlock takes it. */
struct res {
	struct sanlk_resource r;
	struct sanlk_disk d;
	int sock;  /* the connection this process holds it on, or -1 */
	pid_t pid; /* or the running process it was taken for, or 0 */
	bool kept; /* by that process: not released for it here */
};

static struct sl *
sl_of(struct vm_lockmgr *lm)
{
	return lm->priv;
}

/* errno or a sanlock code (sanlock_rv.h), for messages. */
static const char *
sl_strerror(int rv)
{
	static char buf[64];

	if (rv > -200)
		return strerror(-rv);
	snprintf(buf, sizeof(buf), "sanlock error %d", rv);
	return buf;
}

static int
sl_fail(struct vm_error *err, int rv, const char *what, const char *name)
{
	return vm_error_set(err, VM_EXIT_SYSTEM, "%s '%s': %s", what, name, sl_strerror(rv));
}

/* The id (64 hex digits, the lease file) of RESOURCE on this host. */
static void
sl_id(const struct sl *sl, const char *resource, char id[65])
{
	char buf[PATH_MAX + 32];

	if (vm_lease_local(resource)) {
		snprintf(buf, sizeof(buf), "host:%llu:%s", (unsigned long long)sl->ls.host_id,
			 resource);
		resource = buf;
	}
	vm_lease_hash(resource, id);
}

static void
sl_lease_id(struct vm_lockmgr *lm, const char *resource, char id[65])
{
	sl_id(sl_of(lm), resource, id);
}

static void
sl_res(const struct sl *sl, const char *id, bool shared, struct res *x)
{
	memset(x, 0, sizeof(*x));
	memcpy(x->r.lockspace_name, sl->ls.name, SANLK_NAME_LEN);
	memcpy(x->r.name, id, NAME_DIGITS);
	snprintf(x->d.path, sizeof(x->d.path), "%s/%s", sl->dir, id);
	x->r.num_disks = 1;
	if (shared)
		x->r.flags |= SANLK_RES_SHARED;
}

/*
 * Makes the file NAME of the lease directory unless it exists: under a
 * name of this host and process, with TEXT at RESOURCE_AT (NULL: none),
 * initialised through the daemon by INIT(PATH, ARG), then linked into
 * place. link() fails on a file that another host linked first, so no
 * host ever uses one half made.
 */
static int
publish(struct sl *sl, const char *name, const char *text, int (*init)(const char *path, void *arg),
	void *arg, struct vm_error *err)
{
	char tmp[128], path[SANLK_PATH_LEN];
	struct stat st;
	int fd, rv = 0;

	if (fstatat(sl->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISREG(st.st_mode))
			return vm_error_set(err, VM_EXIT_SYSTEM,
					    "refusing '%s/%s': not a regular file", sl->dir, name);
		return 0;
	}
	if (errno != ENOENT)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot stat '%s/%s'", sl->dir,
				    name);
	snprintf(tmp, sizeof(tmp), ".%s.%llu.%d", name, (unsigned long long)sl->ls.host_id,
		 (int)getpid());
	snprintf(path, sizeof(path), "%s/%s", sl->dir, tmp);
	fd = openat(sl->dirfd, tmp, O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot create '%s'", path);
	if (text && pwrite(fd, text, strlen(text), RESOURCE_AT) < 0)
		rv = -errno;
	close(fd);
	if (rv == 0)
		rv = init(path, arg);
	if (rv == 0 && linkat(sl->dirfd, tmp, sl->dirfd, name, 0) < 0 && errno != EEXIST)
		rv = -errno;
	unlinkat(sl->dirfd, tmp, 0);
	return rv < 0 ? sl_fail(err, rv, "cannot make", path) : 0;
}

struct init_res {
	struct sl *sl;
	const char *id;
};

static int
init_resource(const char *path, void *arg)
{
	struct init_res *in = arg;
	struct res x;

	sl_res(in->sl, in->id, false, &x);
	snprintf(x.d.path, sizeof(x.d.path), "%s", path);
	return sanlock_write_resource(&x.r, 0, 0, 0);
}

/* The lease file ID of RESOURCE, made when missing. */
static int
ensure_file(struct sl *sl, const char *id, const char *resource, struct vm_error *err)
{
	struct init_res in = { sl, id };

	return publish(sl, id, resource, init_resource, &in, err);
}

static bool
busy(int rv)
{
	return rv == -EEXIST || rv == -EAGAIN || rv == -EBUSY || rv == SANLK_ACQUIRE_IDLIVE ||
	       rv == SANLK_ACQUIRE_OWNED || rv == SANLK_ACQUIRE_OTHER ||
	       rv == SANLK_ACQUIRE_SHRETRY;
}

static int
not_joined(struct sl *sl, struct vm_error *err)
{
	return vm_error_set(err, VM_EXIT_SYSTEM,
			    "this host (id %llu) has not joined sanlock lockspace '%s': run 'vm-lock join' first",
			    (unsigned long long)sl->ls.host_id, sl->ls.name);
}

/*
 * A connection of its own for each lease that this process holds: the
 * daemon lets one connection hold SANLK_MAX_RESOURCES leases (and
 * crashed, in 3.8.5, on an acquire of more at once), and closing it
 * frees the lease alone. Not close-on-exec: vm-lock run's command keeps
 * it, and the spawner closes it in QEMU's child.
 */
static int
registered(struct vm_error *err)
{
	int sock = sanlock_register();

	if (sock < 0)
		return vm_error_set(err, VM_EXIT_SYSTEM,
				    "cannot register with the sanlock daemon: %s",
				    sl_strerror(sock));
	return sock;
}

/* The byte of RUNDIR/sanlock.guard that stands for the lease named NAME. */
static off_t
guard_at(const char *name)
{
	char hex[16];

	memcpy(hex, name, 15);
	hex[15] = '\0';
	return (off_t)strtoull(hex, NULL, 16);
}

static int
guard_lock(int fd, off_t at, short type, int wait_ms)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = at, .l_len = 1 };

	return vm_ofd_lock(fd, &fl, wait_ms);
}

/* This host's guard file, opened on first use; -1 with ERR. */
static int
guard_fd(struct vm_lockmgr *lm, struct vm_error *err)
{
	struct sl *sl = sl_of(lm);

	if (sl->guard < 0)
		sl->guard = openat(lm->paths.fd, "sanlock.guard",
				   O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (sl->guard < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot open '%s/sanlock.guard'",
				    lm->paths.rundir);
	return sl->guard;
}

/*
 * Acquires the N resources V at once on SOCK (or, when -1, for the
 * registered process PID), retrying while WAIT_MS lasts (-1: forever),
 * and for RELEASING_MS while a lease is still being let go (-EAGAIN) or
 * taken by another process here (-EBUSY). With GUARD (not -1), the one
 * resource's byte there is held shared around each try, and a take_back
 * that holds it counts as -EBUSY. 0, VM_LOCK_BUSY, or a negative
 * sanlock code.
 */
static int
acquire_all(int guard, int sock, pid_t pid, struct sanlk_resource **v, int n, int wait_ms)
{
	long long start = vm_now_ms();
	struct timespec pause = { 0, RETRY_MS * 1000000L };

	for (;;) {
		long long spent;
		int rv = -EBUSY;

		if (guard < 0 || guard_lock(guard, guard_at(v[0]->name), F_RDLCK, 0) == 0) {
			rv = sanlock_acquire(sock, sock < 0 ? pid : -1, 0, n, v, NULL);
			if (guard >= 0)
				guard_lock(guard, guard_at(v[0]->name), F_UNLCK, 0);
		} else if (errno != EAGAIN) {
			rv = -errno;
		}
		if (rv == 0 || !busy(rv))
			return rv;
		spent = vm_now_ms() - start;
		if (wait_ms >= 0 && spent >= wait_ms &&
		    !((rv == -EAGAIN || rv == -EBUSY) && spent < RELEASING_MS))
			return VM_LOCK_BUSY;
		nanosleep(&pause, NULL);
	}
}

/* For this process on a connection of its own, or for the running PID. */
static int
take(struct vm_lockmgr *lm, const char *id, const char *resource, bool shared, pid_t pid,
     int wait_ms, struct res **out, struct vm_error *err)
{
	struct sl *sl = sl_of(lm);
	struct sanlk_resource *v[1];
	struct res *x;
	int sock = -1, guard, rv;

	if ((guard = guard_fd(lm, err)) < 0 || ensure_file(sl, id, resource, err) < 0 ||
	    (!pid && (sock = registered(err)) < 0))
		return -1;
	x = malloc(sizeof(*x));
	if (!x)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot take a lease on '%s'",
				    resource);
	sl_res(sl, id, shared, x);
	v[0] = &x->r;
	rv = acquire_all(guard, sock, pid, v, 1, wait_ms);
	if (rv == 0) {
		x->sock = sock;
		x->pid = pid;
		*out = x;
		return 0;
	}
	if (sock >= 0)
		close(sock);
	free(x);
	if (rv == VM_LOCK_BUSY)
		return rv;
	if (rv == -ENOSPC)
		return not_joined(sl, err);
	return sl_fail(err, rv, "cannot acquire the lease of", resource);
}

static int
sl_acquire(struct vm_lockmgr *lm, struct vm_lease *lease, int wait_ms, struct vm_error *err)
{
	char id[65];
	struct res *x = NULL;
	int r;

	sl_id(sl_of(lm), lease->resource, id);
	r = take(lm, id, lease->resource, lease->mode == VM_LEASE_SHARED, lease->pid, wait_ms, &x,
		 err);
	lease->priv = x;
	return r;
}

static void
sl_release(struct vm_lease *lease)
{
	struct res *x = lease->priv;
	struct sanlk_resource *v[1];

	if (!x)
		return;
	v[0] = &x->r;
	/* released first, as the daemon frees a closed connection's later */
	if (x->sock >= 0) {
		sanlock_release(x->sock, -1, 0, 1, v);
		close(x->sock);
	} else if (x->pid && !x->kept) {
		sanlock_release(-1, x->pid, 0, 1, v);
	}
	free(x);
	lease->priv = NULL;
}

static void
sl_keep(struct vm_lease *lease)
{
	struct res *x = lease->priv;

	if (x)
		x->kept = true;
}

/*
 * This process's LEASE, released here and taken for the running PID
 * (a hotplug's, once recorded), the guard's byte held throughout as in
 * take_back. When PID cannot take it (another host took it
 * in between, or PID is gone) this process takes it back.
 */
static int
sl_hand_to(struct vm_lockmgr *lm, struct vm_lease *lease, pid_t pid, struct vm_error *err)
{
	struct res *x = lease->priv;
	struct sanlk_resource *v[1];
	int guard, rv, back;
	off_t at;

	if (!x || x->sock < 0)
		return 0;
	if ((guard = guard_fd(lm, err)) < 0)
		return -1;
	v[0] = &x->r;
	at = guard_at(x->r.name);
	guard_lock(guard, at, F_WRLCK, -1);
	sanlock_release(x->sock, -1, 0, 1, v);
	close(x->sock);
	x->sock = -1;
	rv = acquire_all(-1, -1, pid, v, 1, 0);
	if (rv == 0) {
		x->pid = pid;
		x->kept = false;
	} else {
		x->sock = sanlock_register();
		back = x->sock < 0 ? x->sock : acquire_all(-1, x->sock, 0, v, 1, 0);
		if (back != 0) {
			if (x->sock >= 0)
				close(x->sock);
			free(x);
			lease->priv = NULL;
			lease->lost = true;
		}
	}
	guard_lock(guard, at, F_UNLCK, 0);
	if (rv == 0)
		return 0;
	if (rv == VM_LOCK_BUSY && lease->priv)
		return VM_LOCK_BUSY;
	if (rv == VM_LOCK_BUSY)
		return vm_error_set(err, VM_EXIT_NO,
				    "the lease of '%s' was taken elsewhere while it was handed to process %d",
				    lease->resource, (int)pid);
	return vm_error_set(err, VM_EXIT_NO, "cannot hand the lease of '%s' to process %d: %s%s",
			    lease->resource, (int)pid, sl_strerror(rv),
			    lease->priv ? "" : "; nobody here holds it now");
}

/*
 * The running PID's lease on RESOURCE, released for it and taken for
 * this process: 1 when PID does not hold it, or when another host took
 * it in between.
 */
static int
sl_take_back(struct vm_lockmgr *lm, struct vm_lease *lease, pid_t pid, struct vm_error *err)
{
	struct sl *sl = sl_of(lm);
	struct sanlk_resource *v[1];
	cleanup_free struct res *x = malloc(sizeof(*x));
	char id[65];
	int guard, rv;

	if ((guard = guard_fd(lm, err)) < 0)
		return -1;
	if (!x)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot take qemu's lease on '%s'",
				    lease->resource);
	sl_id(sl, lease->resource, id);
	sl_res(sl, id, lease->mode == VM_LEASE_SHARED, x);
	v[0] = &x->r;
	x->sock = registered(err);
	if (x->sock < 0)
		return -1;
	/* nothing else here takes it in between */
	guard_lock(guard, guard_at(x->r.name), F_WRLCK, -1);
	rv = sanlock_release(-1, pid, 0, 1, v);
	if (rv == 0)
		rv = acquire_all(-1, x->sock, 0, v, 1, 0);
	guard_lock(guard, guard_at(x->r.name), F_UNLCK, 0);
	if (rv != 0)
		close(x->sock);
	if (rv == -ENOENT || rv == -ESRCH || rv == VM_LOCK_BUSY)
		return 1;
	if (rv < 0)
		return sl_fail(err, rv, "cannot take qemu's lease on", lease->resource);
	x->pid = 0;
	x->kept = false;
	lease->priv = steal_ptr(x);
	return 0;
}

/*
 * A libvirt <lease> under sanlock names a resource area of sanlock's own
 * (lockspace, key, TARGET at OFFSET) that something else made; vmkit's
 * <lease> locks byte OFFSET of a file. Neither meaning can be kept
 * honestly here, so the element is refused.
 */
static int
sl_acquire_byte(struct vm_lockmgr *lm, struct vm_lease *lease, const char *path,
		unsigned long long offset, struct vm_error *err)
{
	return vm_error_set(err, VM_EXIT_INVALID,
			    "<lease> on '%s' at offset %llu: explicit <lease> elements are not supported with lock_manager = \"sanlock\" (vmkit takes the sanlock leases of every disk and of the domain's uuid itself; remove the element)",
			    path, offset);
}

/*
 * Lease files stay. Another host may be about to take one that no host
 * holds now: its daemon opens the file by name, so a file removed and
 * made again in between would give two hosts the "same" lease on two
 * files. The file driver removes a file only while it holds a lock on
 * all of it; sanlock has no such lock.
 */
static int
sl_gc(struct vm_lockmgr *lm, unsigned *removed, struct vm_error *err)
{
	*removed = 0;
	return vm_error_set(err, VM_EXIT_INVALID,
			    "gc does not apply to lock_manager = \"sanlock\": a lease file in '%s' that no host holds may be taken by another host at any moment, so none is removed",
			    sl_of(lm)->dir);
}

/*
 * The metadata lock of a resource that means something on this host
 * only: no other host contends for it, so an OFD lock on the byte of its
 * lease name in RUNDIR/sanlock.guard, on an open file of its own that
 * the caller closes to unlock, does what a lease would in no I/O.
 */
static int
local_meta_lock(struct vm_lockmgr *lm, const char *id, int wait_ms, int *fd, struct vm_error *err)
{
	int g = openat(lm->paths.fd, "sanlock.guard", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
		       0600);

	if (g < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot open '%s/sanlock.guard'",
				    lm->paths.rundir);
	if (guard_lock(g, guard_at(id), F_WRLCK, wait_ms) < 0) {
		int e = errno;

		close(g);
		if (e == EAGAIN)
			return VM_LOCK_BUSY;
		return vm_error_sys(err, VM_EXIT_SYSTEM, e, "cannot lock '%s/sanlock.guard'",
				    lm->paths.rundir);
	}
	*fd = g;
	return 0;
}

/* A connection of its own, so that closing it (the caller's unlock)
 * lets go of this lease alone. */
static int
sl_meta_lock(struct vm_lockmgr *lm, const char *resource, int wait_ms, int *fd,
	     struct vm_error *err)
{
	struct sl *sl = sl_of(lm);
	cleanup_free char *meta = NULL;
	struct sanlk_resource *v[1];
	char id[65];
	struct res x;
	int sock, rv;

	if (asprintf(&meta, "meta:%s", resource) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot lock '%s'", resource);
	sl_id(sl, meta, id);
	if (vm_lease_local(resource))
		return local_meta_lock(lm, id, wait_ms, fd, err);
	if (ensure_file(sl, id, meta, err) < 0)
		return -1;
	sock = sanlock_register();
	if (sock < 0)
		return vm_error_set(err, VM_EXIT_SYSTEM,
				    "cannot register with the sanlock daemon: %s",
				    sl_strerror(sock));
	sl_res(sl, id, false, &x);
	v[0] = &x.r;
	rv = acquire_all(-1, sock, 0, v, 1, wait_ms);
	if (rv != 0) {
		close(sock);
		if (rv == VM_LOCK_BUSY)
			return rv;
		return rv == -ENOSPC
			       ? not_joined(sl, err)
			       : sl_fail(err, rv, "cannot take the metadata lock of", resource);
	}
	fcntl(sock, F_SETFD, FD_CLOEXEC);
	*fd = sock;
	return 0;
}

/*
 * Whether the N OWNERS that R's lease area records would refuse an
 * acquire: an owner whose host is dead, or has joined again since, holds
 * nothing, though the area still names it until another host takes the
 * lease (after a host lost its storage, say). Held when the hosts cannot
 * be read.
 */
static bool
owners_hold(struct sl *sl, struct sanlk_resource *r, struct sanlk_host *owners, int n)
{
	struct sanlk_host *hosts = NULL;
	uint32_t test = 0;
	int nhosts = 0;
	bool held = true;

	if (sanlock_get_hosts(sl->ls.name, 0, &hosts, &nhosts, 0) >= 0 &&
	    sanlock_test_resource_owners(r, 0, owners, n, hosts, nhosts, &test) >= 0)
		held = test & SANLK_TRF_FAIL;
	free(hosts);
	return held;
}

static int
probe_id(struct sl *sl, const char *id, enum vm_lease_state *state, struct vm_error *err)
{
	struct sanlk_host *owners = NULL;
	int n = 0, rv;
	struct res x;

	*state = VM_LEASE_FREE;
	if (faccessat(sl->dirfd, id, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0
				       : vm_error_sys(err, VM_EXIT_SYSTEM, errno,
						      "cannot check lease '%s/%s'", sl->dir, id);
	sl_res(sl, id, false, &x);
	rv = sanlock_read_resource_owners(&x.r, 0, &owners, &n);
	if (rv < 0)
		return sl_fail(err, rv, "cannot check lease", x.d.path);
	if (n > 0 && owners_hold(sl, &x.r, owners, n))
		*state = x.r.flags & SANLK_RES_SHARED ? VM_LEASE_HELD_SHARED
						      : VM_LEASE_HELD_EXCLUSIVE;
	free(owners);
	return 0;
}

static int
sl_probe(struct vm_lockmgr *lm, const char *resource, enum vm_lease_state *state,
	 struct vm_error *err)
{
	char id[65];

	sl_id(sl_of(lm), resource, id);
	return probe_id(sl_of(lm), id, state, err);
}

static bool
is_lease_name(const char *name)
{
	return strspn(name, "0123456789abcdef") == 64 && name[64] == '\0';
}

static char *
read_resource(int dirfd, const char *id)
{
	cleanup_close int fd = openat(dirfd, id, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char buf[PATH_MAX + 32];
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = pread(fd, buf, sizeof(buf) - 1, RESOURCE_AT);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return strdup(buf);
}

static int
sl_scan(struct vm_lockmgr *lm, vm_lock_scan_fn *fn, void *arg, struct vm_error *err)
{
	struct sl *sl = sl_of(lm);
	int fd = openat(sl->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;
	int r = 0;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot read '%s'", sl->dir);
	}
	while (r >= 0 && (de = readdir(d))) {
		cleanup_free char *resource = NULL;
		enum vm_lease_state state;

		if (!is_lease_name(de->d_name))
			continue;
		r = probe_id(sl, de->d_name, &state, err);
		if (r < 0)
			break;
		resource = read_resource(sl->dirfd, de->d_name);
		/* a lease of this host's only, or another host's, under its hash */
		if (resource && strncmp(resource, "meta:", 5) == 0)
			continue;
		r = fn(de->d_name, resource, state, arg);
	}
	closedir(d);
	return r < 0 ? r : 0;
}

/* The lease file ID of a lease that the daemon names by PATH, when it
 * is one of sl_lease_dir's. */
static const char *
lease_of(const struct sl *sl, const char *path)
{
	size_t n = strlen(sl->dir);

	if (strncmp(path, sl->dir, n) != 0 || path[n] != '/' || !is_lease_name(path + n + 1))
		return NULL;
	return path + n + 1;
}

/* The daemon's inquire of PID answers for its first connection; QEMU
 * holds all its leases on one (sl_child_register's), and the leases
 * taken for it later (hotplug) go to that one too. */
static int
sl_inquire(struct vm_lockmgr *lm, pid_t pid, vm_lock_scan_fn *fn, void *arg, struct vm_error *err)
{
	struct sl *sl = sl_of(lm);
	struct sanlk_resource **v = NULL;
	char *state = NULL;
	int count = 0, n = 0, r = 0;
	int rv = sanlock_inquire(-1, pid, 0, &count, &state);

	/* not registered, or gone: it holds none */
	if (rv == -ESRCH || rv == -ENOENT || rv == -ESTALE)
		return 0;
	if (rv < 0) {
		free(state);
		return vm_error_set(err, VM_EXIT_SYSTEM,
				    "cannot inquire the leases of process %d: %s", (int)pid,
				    sl_strerror(rv));
	}
	if (count > 0 && state && (rv = sanlock_state_to_args(state, &n, &v)) < 0) {
		free(state);
		return vm_error_set(err, VM_EXIT_SYSTEM, "cannot read the leases of process %d: %s",
				    (int)pid, sl_strerror(rv));
	}
	for (int i = 0; i < n; i++) {
		const char *id = r < 0 ? NULL : lease_of(sl, v[i]->disks[0].path);
		cleanup_free char *resource = id ? read_resource(sl->dirfd, id) : NULL;

		if (id && !(resource && strncmp(resource, "meta:", 5) == 0))
			r = fn(id, resource,
			       v[i]->flags & SANLK_RES_SHARED ? VM_LEASE_HELD_SHARED
							      : VM_LEASE_HELD_EXCLUSIVE,
			       arg);
		free(v[i]);
	}
	free(v);
	free(state);
	return r < 0 ? r : 0;
}

/* Opens the lease directory, creating it 0700 when missing. */
static int
open_dir(struct sl *sl, const char *dir, struct vm_error *err)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot create '%s'", dir);
	sl->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sl->dirfd < 0) {
		if (errno == ELOOP || errno == ENOTDIR)
			return vm_error_set(err, VM_EXIT_INVALID,
					    "refusing sanlock_lease_dir '%s': not a directory (a symlink?)",
					    dir);
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot open '%s'", dir);
	}
	if (vm_paths_check_dir(sl->dirfd, dir, 022, VM_EXIT_INVALID, err) < 0)
		return vm_error_prefix(err, "sanlock_lease_dir");
	return 0;
}

static int
sl_open(struct vm_lockmgr *lm, const struct vm_conf *conf, struct vm_error *err)
{
	struct sl *sl = calloc(1, sizeof(*sl));

	if (!sl)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot open the lock manager");
	sl->dirfd = -1;
	sl->guard = -1;
	lm->priv = sl;
	/* read by libsanlock_client at its first call, once per process */
	if (conf->sanlock_run_dir && setenv("SANLOCK_RUN_DIR", conf->sanlock_run_dir, 1) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot open the lock manager");
	snprintf(sl->ls.name, sizeof(sl->ls.name), "%s", conf->sanlock_lockspace);
	sl->ls.host_id = conf->sanlock_host_id;
	sl->io_timeout = conf->sanlock_io_timeout;
	sl->on_failure = strcmp(conf->on_lockfailure, "pause") == 0 ? "pause" : "poweroff";
	sl->dir = strdup(conf->sanlock_lease_dir);
	lm->space = strdup(conf->sanlock_lease_dir);
	if (!sl->dir || !lm->space)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot open the lock manager");
	if (open_dir(sl, sl->dir, err) < 0)
		return -1;
	snprintf(sl->ls.host_id_disk.path, sizeof(sl->ls.host_id_disk.path), "%s/%s", sl->dir,
		 LOCKSPACE_FILE);
	return 0;
}

static void
sl_close(struct vm_lockmgr *lm)
{
	struct sl *sl = sl_of(lm);

	if (!sl)
		return;
	if (sl->dirfd >= 0)
		close(sl->dirfd);
	if (sl->guard >= 0)
		close(sl->guard);
	free(sl->dir);
	free(sl);
	lm->priv = NULL;
}

/* Whether the daemon answers, so that -ENOENT of an inquiry means "not
 * joined" rather than "no socket". */
static int
daemon_up(struct vm_error *err)
{
	uint32_t version, proto;
	int rv = sanlock_version(0, &version, &proto);
	const char *dir = getenv("SANLOCK_RUN_DIR");

	if (rv < 0)
		return vm_error_set(err, VM_EXIT_SYSTEM,
				    "cannot reach the sanlock daemon in '%s': %s",
				    dir ? dir : "/run/sanlock", sl_strerror(rv));
	return 0;
}

static int
sl_joined(struct vm_lockmgr *lm, bool *joined, struct vm_error *err)
{
	struct sl *sl = sl_of(lm);
	int rv;

	if (daemon_up(err) < 0)
		return -1;
	rv = sanlock_inq_lockspace(&sl->ls, 0);
	if (rv < 0 && rv != -ENOENT)
		return sl_fail(err, rv, "cannot inquire sanlock lockspace", sl->ls.name);
	*joined = rv == 0;
	return 0;
}

/* The lockspace, written with the io timeout: sanlock's join waits
 * twice the timeout stored there. */
static int
init_lockspace(const char *path, void *arg)
{
	struct sl *sl = arg;
	struct sanlk_lockspace ls = sl->ls;

	snprintf(ls.host_id_disk.path, sizeof(ls.host_id_disk.path), "%s", path);
	return sanlock_write_lockspace(&ls, 0, 0, sl->io_timeout);
}

/* HOST_FILE of this host: its name, for the conflicts others report. */
static int
write_host_name(struct sl *sl, struct vm_error *err)
{
	char name[HOST_NAME_MAX + 2], file[64], tmp[80];
	int fd, n;

	if (gethostname(name, sizeof(name) - 1) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot read the host name");
	name[sizeof(name) - 2] = '\0';
	n = strlen(name);
	snprintf(file, sizeof(file), HOST_FILE, (unsigned long long)sl->ls.host_id);
	snprintf(tmp, sizeof(tmp), ".%s.%d", file, (int)getpid());
	fd = openat(sl->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, name, n) != n || close(fd) < 0 ||
	    renameat(sl->dirfd, tmp, sl->dirfd, file) < 0) {
		vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot write '%s/%s'", sl->dir, file);
		unlinkat(sl->dirfd, tmp, 0);
		return -1;
	}
	return 0;
}

static int
sl_join(struct vm_lockmgr *lm, struct vm_error *err)
{
	struct sl *sl = sl_of(lm);
	int rv;

	if (daemon_up(err) < 0 || publish(sl, LOCKSPACE_FILE, NULL, init_lockspace, sl, err) < 0)
		return -1;
	rv = sanlock_add_lockspace_timeout(&sl->ls, 0, sl->io_timeout);
	if (rv < 0 && rv != -EEXIST)
		return sl_fail(err, rv, "cannot join sanlock lockspace", sl->ls.name);
	return write_host_name(sl, err);
}

static int
sl_leave(struct vm_lockmgr *lm, struct vm_error *err)
{
	struct sl *sl = sl_of(lm);
	int rv;

	if (daemon_up(err) < 0)
		return -1;
	/* UNUSED: the daemon would otherwise kill every holder, QEMUs too */
	rv = sanlock_rem_lockspace(&sl->ls, SANLK_REM_UNUSED);
	if (rv == -EBUSY)
		return vm_error_set(err, VM_EXIT_NO,
				    "cannot leave sanlock lockspace '%s': leases are held on this host (stop its domains first)",
				    sl->ls.name);
	if (rv < 0 && rv != -ENOENT)
		return sl_fail(err, rv, "cannot leave sanlock lockspace", sl->ls.name);
	return 0;
}

/* "host NAME (id ID)", or "host id ID" when it wrote no name. */
static void
host_name(struct sl *sl, uint64_t id, char *buf, size_t size)
{
	char file[64], name[HOST_NAME_MAX + 1];
	cleanup_close int fd = -1;
	ssize_t n = 0;

	snprintf(file, sizeof(file), HOST_FILE, (unsigned long long)id);
	fd = openat(sl->dirfd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0)
		n = read(fd, name, sizeof(name) - 1);
	name[n > 0 ? n : 0] = '\0';
	if (n > 0 && !name[strcspn(name, "\n'")])
		snprintf(buf, size, "host %s (id %llu)", name, (unsigned long long)id);
	else
		snprintf(buf, size, "host id %llu", (unsigned long long)id);
}

/* The host that owns RESOURCE, when another host does. */
static int
sl_holder(struct vm_lockmgr *lm, const char *resource, char *buf, size_t size)
{
	struct sl *sl = sl_of(lm);
	struct sanlk_host *owners = NULL;
	char id[65];
	struct res x;
	int n = 0;

	sl_id(sl, resource, id);
	sl_res(sl, id, false, &x);
	if (sanlock_read_resource_owners(&x.r, 0, &owners, &n) < 0)
		n = 0;
	for (int i = 0; i < n; i++) {
		if (owners[i].host_id == sl->ls.host_id)
			continue;
		host_name(sl, owners[i].host_id, buf, size);
		free(owners);
		return 1;
	}
	free(owners);
	return 0;
}

/*
 * Appends ARG to the killpath arguments ARGS (of LEN so far) as the
 * daemon's helper splits them: words apart by spaces, a space or a
 * backslash in one escaped by a backslash, and nothing else than
 * printable ASCII. -1 when ARG has something else or does not fit.
 */
static int
add_killarg(char *args, size_t *len, const char *arg)
{
	size_t n = *len;

	if (n) {
		if (n + 2 >= SANLK_HELPER_ARGS_LEN)
			return -1;
		args[n++] = ' ';
	}
	for (const char *c = arg; *c; c++) {
		if (*c < ' ' || *c > '~')
			return -1;
		if (*c == ' ' || *c == '\\')
			args[n++] = '\\';
		if (n + 1 >= SANLK_HELPER_ARGS_LEN)
			return -1;
		args[n++] = *c;
	}
	args[n] = '\0';
	*len = n;
	return 0;
}

/* The lock failure helper that the daemon runs for QEMU of domain NAME. */
static int
killpath_of(struct vm_lockmgr *lm, const char *name, char path[SANLK_HELPER_PATH_LEN],
	    char args[SANLK_HELPER_ARGS_LEN], char *msg, size_t size)
{
	struct sl *sl = sl_of(lm);
	/* the tests' build directory; vm-start runs as root, which set it */
	const char *dir = getenv("VMKIT_LIBEXECDIR");
	const char *rundir = vm_lockmgr_paths(lm)->rundir;
	size_t len = 0;
	int n;

	args[0] = '\0';
	n = snprintf(path, SANLK_HELPER_PATH_LEN, "%s/vm-lockfailure",
		     dir && *dir ? dir : PKGLIBEXECDIR);
	if (n < 0 || n >= SANLK_HELPER_PATH_LEN) {
		snprintf(msg, size,
			 "cannot register the lock failure helper: its path is longer than sanlock's %d bytes",
			 SANLK_HELPER_PATH_LEN - 1);
		return -1;
	}
	if (add_killarg(args, &len, sl->on_failure) < 0 ||
	    add_killarg(args, &len, sl->ls.name) < 0 || add_killarg(args, &len, rundir) < 0 ||
	    add_killarg(args, &len, name) < 0) {
		snprintf(msg, size,
			 "cannot register the lock failure helper of domain '%s': run directory '%s' is not printable ASCII or too long for sanlock's %d bytes of arguments",
			 name, rundir, SANLK_HELPER_ARGS_LEN - 1);
		return -1;
	}
	return 0;
}

/*
 * The watcher, forked by QEMU's child before exec, with SOCK, a
 * connection to the daemon of its own that holds no lease (a copy of
 * QEMU's would keep QEMU's leases held after QEMU's death, until the
 * watcher noticed), and a pidfd of QEMU. The daemon's end closed (it
 * died): QEMU gets SIGKILL, before other hosts can take its leases.
 * QEMU gone: it exits. It keeps only CAP_KILL, as QEMU runs as another
 * user, and no other fd.
 */
static void
sl_watch(int sock, int pidfd)
{
	struct pollfd p[2] = { { .events = POLLIN }, { .events = POLLRDHUP } };
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	/* both moved above 4 first, so neither dup2 overwrites the other */
	pidfd = fcntl(pidfd, F_DUPFD, 5);
	sock = fcntl(sock, F_DUPFD, 5);
	if (setsid() < 0 || null < 0 || pidfd < 0 || sock < 0 || dup2(null, 0) < 0 ||
	    dup2(null, 1) < 0 || dup2(null, 2) < 0 || dup2(pidfd, 3) < 0 || dup2(sock, 4) < 0 ||
	    close_range(5, ~0U, 0) < 0)
		_exit(1);
	prctl(PR_SET_NAME, "vm-leasewatch");
	capng_clear(CAPNG_SELECT_BOTH);
	capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_KILL);
	if (capng_apply(CAPNG_SELECT_BOTH) < 0)
		_exit(1);
	p[0].fd = 3;
	p[1].fd = 4;
	for (;;) {
		int n = poll(p, 2, -1);

		if (n < 0 && errno == EINTR)
			continue;
		/* A watcher that cannot poll would not see the daemon die,
		 * and QEMU would hold its leases past their expiry: the safe
		 * side is to end it, not to spin retrying. */
		if (n < 0) {
			pidfd_send_signal(3, SIGKILL, NULL, 0);
			_exit(1);
		}
		if (p[0].revents)
			_exit(0);
		/* a hang-up, an error or POLLNVAL: no POLLIN is asked for */
		if (p[1].revents) {
			pidfd_send_signal(3, SIGKILL, NULL, 0);
			_exit(0);
		}
	}
}

/*
 * The watcher registers itself, after the fork: the daemon names a
 * connection by the pid that opened it, and finds a pid's leases (a
 * hotplug's hand_to and take_back) on the first connection of that pid,
 * so one opened here would be QEMU's too, and where its slot came first
 * QEMU's leases would be out of reach. The watcher tells through a pipe
 * how its registration went.
 */
static int
sl_watcher(char *msg, size_t size)
{
	int pidfd = pidfd_open(getpid(), 0), p[2] = { -1, -1 }, rv = -EPIPE, e = 0;
	pid_t pid = -1;

	if (pidfd >= 0 && pipe2(p, O_CLOEXEC) == 0 && (pid = fork()) == 0) {
		int sock = sanlock_register();

		if (write(p[1], &sock, sizeof(sock)) != sizeof(sock) || sock < 0)
			_exit(1);
		sl_watch(sock, pidfd);
	}
	if (pid < 0)
		e = errno;
	if (p[1] >= 0)
		close(p[1]);
	/* the watcher's own word, or nothing (-EPIPE) when it died first */
	if (pid > 0 && read(p[0], &rv, sizeof(rv)) == sizeof(rv) && rv >= 0)
		rv = 0;
	if (p[0] >= 0)
		close(p[0]);
	if (pidfd >= 0)
		close(pidfd);
	if (pid < 0) {
		snprintf(msg, size, "cannot start qemu's sanlock watcher: %s", strerror(e));
		return -1;
	}
	if (rv < 0) {
		snprintf(msg, size, "cannot register qemu's watcher with the sanlock daemon: %s",
			 sl_strerror(rv));
		return -1;
	}
	return 0;
}

/*
 * The child that execs QEMU (or swtpm), forked before any of its leases
 * is taken: its connection, on which the leases that this process takes
 * for its pid land, and for QEMU of domain NAME the helper the daemon
 * runs for it when this host loses them.
 */
static int
sl_child_register(struct vm_lockmgr *lm, const char *name, int *fd, char *msg, size_t size)
{
	char path[SANLK_HELPER_PATH_LEN], args[SANLK_HELPER_ARGS_LEN];
	int sock, rv;

	if (name && killpath_of(lm, name, path, args, msg, size) < 0)
		return -1;
	sock = sanlock_register();
	if (sock < 0) {
		snprintf(msg, size, "cannot register with the sanlock daemon: %s",
			 sl_strerror(sock));
		return -1;
	}
	/* with the pid, which the helper checks is the domain's QEMU */
	if (name && (rv = sanlock_killpath(sock, SANLK_KILLPATH_PID, path, args)) < 0) {
		close(sock);
		snprintf(msg, size, "cannot register the lock failure helper: %s", sl_strerror(rv));
		return -1;
	}
	*fd = sock;
	return 0;
}

/* The program may not release, acquire or convert anything on FD. */
static int
sl_child_seal(int fd, bool watch, char *msg, size_t size)
{
	int rv = sanlock_restrict(fd, SANLK_RESTRICT_ALL);

	if (rv < 0) {
		snprintf(msg, size, "cannot restrict the sanlock connection: %s", sl_strerror(rv));
		return -1;
	}
	return watch ? sl_watcher(msg, size) : 0;
}

const struct vm_lock_driver vm_lock_sanlock = {
	.active = true,
	.open = sl_open,
	.close = sl_close,
	.acquire = sl_acquire,
	.acquire_byte = sl_acquire_byte,
	.release = sl_release,
	.keep = sl_keep,
	.take_back = sl_take_back,
	.hand_to = sl_hand_to,
	.meta_lock = sl_meta_lock,
	.id = sl_lease_id,
	.probe = sl_probe,
	.scan = sl_scan,
	.inquire = sl_inquire,
	.gc = sl_gc,
	.join = sl_join,
	.leave = sl_leave,
	.joined = sl_joined,
	.holder = sl_holder,
	.child_register = sl_child_register,
	.child_seal = sl_child_seal,
};
