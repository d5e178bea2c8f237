/*
 * The file lease driver: one file per resource in the lockspace, OFD
 * locks on byte 0 (content) and byte 1 (metadata). See lock.h.
 */
#include "lock_driver.h"
#include "clock.h"
#include "ofd.h"
#include "cleanup.h"
#include "exitcodes.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BYTE_CONTENT 0
#define BYTE_META 1
/* How long a fail-fast acquire waits out vm-lock gc's brief whole-file lock. */
#define GC_GRACE_MS 1000

/*
 * vm-lock gc holds the whole file (l_len 0) for a moment while it checks
 * and unlinks it; a lease or metadata lock never covers more than one
 * byte. A conflicting lock of that shape is therefore gc's and no holder.
 */
static bool
held_by_gc(int fd, short type, off_t byte)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = byte, .l_len = 1 };

	return fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK && fl.l_len == 0;
}

/* A directory of lease files: the lockspace, or the host's own. */
struct space {
	int fd;
	const char *name;
};

static struct space
space_of(struct vm_lockmgr *lm, const char *resource)
{
	if (lm->local_fd >= 0 && vm_lease_local(resource))
		return (struct space){ lm->local_fd, lm->local_space };
	return (struct space){ lm->space_fd, lm->space };
}

/* Fills V with the directories to walk; returns how many. */
static size_t
spaces(struct vm_lockmgr *lm, struct space v[2])
{
	v[0] = (struct space){ lm->space_fd, lm->space };
	v[1] = (struct space){ lm->local_fd, lm->local_space };
	return lm->local_fd >= 0 ? 2 : 1;
}

static bool
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Records RESOURCE in an empty lease file for listings. Best effort: the
 * lock is what protects the disk, so a full disk must not fail a start. */
static void
record_resource(int fd, const char *resource)
{
	size_t len = strlen(resource);
	cleanup_free char *line = malloc(len + 2);

	if (!line)
		return;
	memcpy(line, resource, len);
	line[len] = '\n';
	/* The locks are on byte ranges, not on content, so writing over
	 * bytes 0 and 1 touches no lock. */
	if (pwrite(fd, line, len + 1, 0) < 0)
		return; /* best effort, as said above */
}

/*
 * Opens the lease file of RESOURCE, creating it, and takes a TYPE lock on
 * BYTE: open, lock, then re-check that the path still names the inode we
 * locked, because gc may have unlinked it in between (a lock on an
 * unlinked file guards nothing); if not, start again.
 */
static int
lock_lease_file(struct vm_lockmgr *lm, const char *resource, short type, off_t byte, int wait_ms,
		int *out, struct vm_error *err)
{
	long long deadline = wait_ms > 0 ? vm_now_ms() + wait_ms : 0;
	struct space sp = space_of(lm, resource);
	char id[65];

	vm_lease_hash(resource, id);
	for (;;) {
		struct flock fl = {
			.l_type = type, .l_whence = SEEK_SET, .l_start = byte, .l_len = 1
		};
		cleanup_close int fd = -1;
		struct stat a, b;
		int left = wait_ms;

		if (wait_ms > 0) {
			left = deadline - vm_now_ms();
			if (left <= 0)
				return VM_LOCK_BUSY;
		}
		fd = openat(sp.fd, id, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot open lease '%s/%s'",
					    sp.name, id);
		if (fstat(fd, &a) < 0)
			return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot stat lease '%s/%s'",
					    sp.name, id);
		if (!S_ISREG(a.st_mode))
			return vm_error_set(err, VM_EXIT_SYSTEM,
					    "refusing lease '%s/%s': not a regular file", sp.name,
					    id);
		if (vm_ofd_lock(fd, &fl, left) < 0) {
			if (errno != EAGAIN)
				return vm_error_sys(err, VM_EXIT_SYSTEM, errno,
						    "cannot lock lease '%s/%s'", sp.name, id);
			if (wait_ms != 0 || !held_by_gc(fd, type, byte))
				return VM_LOCK_BUSY;
			if (vm_ofd_lock(fd, &fl, GC_GRACE_MS) < 0) {
				if (errno == EAGAIN)
					return VM_LOCK_BUSY;
				return vm_error_sys(err, VM_EXIT_SYSTEM, errno,
						    "cannot lock lease '%s/%s'", sp.name, id);
			}
		}
		if (fstatat(sp.fd, id, &b, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT)
				return vm_error_sys(err, VM_EXIT_SYSTEM, errno,
						    "cannot stat lease '%s/%s'", sp.name, id);
		} else if (same_file(&a, &b)) {
			if (b.st_size == 0)
				record_resource(fd, resource);
			*out = steal_fd(fd);
			return 0;
		}
	}
}

/* RUNDIR/leases: the lockspace by default, and always the home of the
 * identities that mean something on this host only. */
static int
open_local(struct vm_lockmgr *lm, int *fd, char **name, struct vm_error *err)
{
	*fd = vm_paths_subdir(lm->paths.fd, "leases", true, err);
	if (*fd < 0)
		return -1;
	if (asprintf(name, "%s/leases", lm->paths.rundir) < 0) {
		*name = NULL;
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot open the lockspace");
	}
	return 0;
}

static int
file_open(struct vm_lockmgr *lm, const struct vm_conf *conf, struct vm_error *err)
{
	cleanup_free char *space = NULL;
	struct stat a, b;
	size_t len;

	if (!conf->lock_space)
		return open_local(lm, &lm->space_fd, &lm->space, err);
	if (conf->lock_space[0] != '/')
		return vm_error_set(err, VM_EXIT_INVALID, "lock_space '%s' is not an absolute path",
				    conf->lock_space);
	space = strdup(conf->lock_space);
	if (!space)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot open the lockspace");
	/* A trailing slash would make open() follow a final symlink. */
	while ((len = strlen(space)) > 1 && space[len - 1] == '/')
		space[len - 1] = '\0';
	if (mkdir(space, 0700) < 0 && errno != EEXIST)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot create lockspace '%s'",
				    space);
	lm->space_fd = open(space, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (lm->space_fd < 0) {
		if (errno == ELOOP || errno == ENOTDIR)
			return vm_error_set(err, VM_EXIT_INVALID,
					    "refusing lockspace '%s': not a directory (a symlink?)",
					    space);
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot open lockspace '%s'",
				    space);
	}
	/* Whoever can write in the lockspace can unlink or plant lease files
	 * under running domains; a sticky bit does not stop a planted file. */
	if (vm_paths_check_dir(lm->space_fd, space, 022, VM_EXIT_INVALID, err) < 0)
		return vm_error_prefix(err, "lock_space");
	lm->space = steal_ptr(space);
	if (open_local(lm, &lm->local_fd, &lm->local_space, err) < 0)
		return -1;
	/* lock_space may name RUNDIR/leases itself: one directory, walked once */
	if (fstat(lm->space_fd, &a) == 0 && fstat(lm->local_fd, &b) == 0 && same_file(&a, &b)) {
		close(lm->local_fd);
		lm->local_fd = -1;
		free(steal_ptr(lm->local_space));
	}
	return 0;
}

static void
file_close(struct vm_lockmgr *lm)
{
	if (lm->space_fd >= 0)
		close(lm->space_fd);
	if (lm->local_fd >= 0)
		close(lm->local_fd);
	lm->space_fd = -1;
	lm->local_fd = -1;
}

/* For this process or a running one alike (lock_driver.h): the lock is
 * the fd's, which a child inherits or QEMU is passed. */
static int
file_acquire(struct vm_lockmgr *lm, struct vm_lease *lease, int wait_ms, struct vm_error *err)
{
	short type = lease->mode == VM_LEASE_EXCLUSIVE ? F_WRLCK : F_RDLCK;

	return lock_lease_file(lm, lease->resource, type, BYTE_CONTENT, wait_ms, &lease->fd, err);
}

/* The kernel converts an OFD read lock to a write lock atomically, and
 * leaves it as it was on a conflict: the lease is never free between. */
static int
file_upgrade(struct vm_lockmgr *lm, struct vm_lease *lease, struct vm_error *err)
{
	struct flock fl = {
		.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = BYTE_CONTENT, .l_len = 1
	};

	if (vm_ofd_lock(lease->fd, &fl, 0) == 0)
		return 0;
	if (errno == EAGAIN)
		return VM_LOCK_BUSY;
	return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot lock lease of '%s'",
			    lease->resource);
}

static int
file_acquire_byte(struct vm_lockmgr *lm, struct vm_lease *lease, const char *path,
		  unsigned long long offset, struct vm_error *err)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = offset, .l_len = 1 };
	cleanup_close int pfd = -1;
	cleanup_close int fd = -1;
	char self[64];
	struct stat a, b;

	if (offset > (unsigned long long)LLONG_MAX - 1)
		return vm_error_set(err, VM_EXIT_INVALID, "lease '%s': offset %llu is too large",
				    path, offset);
	/* Opening a device or a FIFO can itself act or block: the target is
	 * looked at through an O_PATH fd, and opened for writing only once
	 * it is known to be a regular file, through that same fd. */
	pfd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0)
		return vm_error_sys(err, errno == ENOENT ? VM_EXIT_INVALID : VM_EXIT_SYSTEM, errno,
				    "cannot open lease '%s'", path);
	if (fstat(pfd, &a) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot stat lease '%s'", path);
	if (!S_ISREG(a.st_mode))
		return vm_error_set(err, VM_EXIT_INVALID, "refusing lease '%s': %s", path,
				    S_ISLNK(a.st_mode) ? "it is a symlink" : "not a regular file");
	snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
	fd = open(self, O_RDWR | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &b) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot open lease '%s'", path);
	if (!S_ISREG(b.st_mode) || a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		return vm_error_set(err, VM_EXIT_INVALID, "refusing lease '%s': not a regular file",
				    path);
	if (vm_ofd_lock(fd, &fl, 0) < 0) {
		if (errno == EAGAIN)
			return VM_LOCK_BUSY;
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot lock lease '%s'", path);
	}
	lease->fd = steal_fd(fd);
	return 0;
}

/* An adopted fd shares its open file description with its first holder,
 * whose lock outlives our close unless unlocked. */
static void
file_release(struct vm_lease *lease)
{
	struct flock fl = {
		.l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = BYTE_CONTENT, .l_len = 1
	};

	if (lease->unlock && lease->fd >= 0)
		fcntl(lease->fd, F_OFD_SETLK, &fl);
}

static int
file_meta_lock(struct vm_lockmgr *lm, const char *resource, int wait_ms, int *fd,
	       struct vm_error *err)
{
	return lock_lease_file(lm, resource, F_WRLCK, BYTE_META, wait_ms, fd, err);
}

static int
probe_fd(int fd, enum vm_lease_state *state)
{
	struct flock fl = {
		.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = BYTE_CONTENT, .l_len = 1
	};

	if (fcntl(fd, F_OFD_GETLK, &fl) < 0)
		return -1;
	/* Readers and a writer never share byte 0, so the type of the one
	 * conflicting lock that GETLK reports tells the state. */
	if (fl.l_type == F_UNLCK || fl.l_len == 0)
		*state = VM_LEASE_FREE;
	else if (fl.l_type == F_RDLCK)
		*state = VM_LEASE_HELD_SHARED;
	else
		*state = VM_LEASE_HELD_EXCLUSIVE;
	return 0;
}

static int
open_existing(int dirfd, const char *id, int flags)
{
	int fd = openat(dirfd, id, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;

	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

static int
file_probe(struct vm_lockmgr *lm, const char *resource, enum vm_lease_state *state,
	   struct vm_error *err)
{
	struct space sp = space_of(lm, resource);
	cleanup_close int fd = -1;
	char id[65];

	vm_lease_hash(resource, id);
	fd = open_existing(sp.fd, id, O_RDONLY);
	if (fd < 0 && errno == ENOENT) {
		*state = VM_LEASE_FREE;
		return 0;
	}
	if (fd < 0 || probe_fd(fd, state) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot check lease '%s/%s'",
				    sp.name, id);
	return 0;
}

static bool
is_lease_name(const char *name)
{
	return strspn(name, "0123456789abcdef") == 64 && name[64] == '\0';
}

/* The resource recorded in the file: its first line, when complete. */
static char *
read_resource(int fd)
{
	char buf[PATH_MAX + 16];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	char *nl;

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	nl = strchr(buf, '\n');
	if (!nl || nl == buf)
		return NULL;
	*nl = '\0';
	return strdup(buf);
}

/* An independent open of a lockspace, so that readdir() does not move
 * the offset of its fd under another walk. */
static DIR *
open_space(const struct space *sp, struct vm_error *err)
{
	int fd = openat(sp->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);

	if (!d) {
		vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot read lockspace '%s'", sp->name);
		if (fd >= 0)
			close(fd);
	}
	return d;
}

/* Calls FN for the lease file ID of SP, unless it is gone or no lease file. */
static int
scan_one(const struct space *sp, const char *id, vm_lock_scan_fn *fn, void *arg,
	 struct vm_error *err)
{
	cleanup_close int fd = open_existing(sp->fd, id, O_RDONLY);
	cleanup_free char *resource = NULL;
	enum vm_lease_state state;

	/* gc removed it meanwhile, or it is no lease file (a directory, a
	 * symlink): acquire would refuse it, and gc leaves it alone */
	if (fd < 0 && (errno == ENOENT || errno == EINVAL || errno == ELOOP))
		return 0;
	if (fd < 0 || probe_fd(fd, &state) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot check lease '%s/%s'",
				    sp->name, id);
	resource = read_resource(fd);
	return fn(id, resource, state, arg);
}

static int
scan_space(const struct space *sp, vm_lock_scan_fn *fn, void *arg, struct vm_error *err)
{
	DIR *d = open_space(sp, err);
	struct dirent *de;
	int r = 0;

	if (!d)
		return -1;
	while (r >= 0 && (de = readdir(d)))
		if (is_lease_name(de->d_name))
			r = scan_one(sp, de->d_name, fn, arg, err);
	closedir(d);
	return r < 0 ? r : 0;
}

static int
file_scan(struct vm_lockmgr *lm, vm_lock_scan_fn *fn, void *arg, struct vm_error *err)
{
	struct space v[2];
	size_t n = spaces(lm, v);
	int r = 0;

	for (size_t i = 0; i < n && r >= 0; i++)
		r = scan_space(&v[i], fn, arg, err);
	return r;
}

/* The lease file of SP that /proc/PID/fd/FD is, by name and inode (not
 * a look-alike elsewhere), or NULL. */
static const char *
fd_lease(const char *fdpath, const struct space *sp, char link[PATH_MAX])
{
	ssize_t n = readlink(fdpath, link, PATH_MAX - 1);
	struct stat a, b;
	char *base;

	if (n <= 0)
		return NULL;
	link[n] = '\0';
	base = strrchr(link, '/');
	if (!base || !is_lease_name(base + 1) || stat(fdpath, &a) < 0 ||
	    fstatat(sp->fd, base + 1, &b, AT_SYMLINK_NOFOLLOW) < 0 || !same_file(&a, &b))
		return NULL;
	return base + 1;
}

/* The lease files that PID has open, each once, in both lockspaces. */
static int
file_inquire(struct vm_lockmgr *lm, pid_t pid, vm_lock_scan_fn *fn, void *arg, struct vm_error *err)
{
	char dir[64], fdpath[340], link[PATH_MAX];
	char(*seen)[65] = NULL;
	size_t nseen = 0;
	struct space v[2];
	size_t n = spaces(lm, v);
	struct dirent *de;
	DIR *d;
	int r = 0;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	while (d && r >= 0 && (de = readdir(d))) {
		snprintf(fdpath, sizeof(fdpath), "%s/%s", dir, de->d_name);
		for (size_t i = 0; i < n && r >= 0; i++) {
			const char *id = fd_lease(fdpath, &v[i], link);
			char(*nv)[65];
			size_t k;

			for (k = 0; id && k < nseen && strcmp(seen[k], id) != 0; k++)
				;
			if (!id || k < nseen)
				continue;
			nv = realloc(seen, (nseen + 1) * sizeof(*nv));
			if (!nv) {
				r = vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM,
						 "cannot list the leases of process %d", (int)pid);
				break;
			}
			seen = nv;
			snprintf(seen[nseen++], sizeof(*seen), "%s", id);
			r = scan_one(&v[i], id, fn, arg, err);
		}
	}
	if (d)
		closedir(d);
	free(seen);
	return r < 0 ? r : 0;
}

/*
 * Copies PID's fds on the lease file of RESOURCE with pidfd_getfd(): the
 * lock belongs to the open file description, so each copy carries PID's
 * lock. A lease file that does not exist, or a PID gone, gives none.
 */
static int
file_take_over(struct vm_lockmgr *lm, const char *resource, pid_t pid, int (*fn)(int fd, void *arg),
	       void *arg, struct vm_error *err)
{
	struct space sp = space_of(lm, resource);
	cleanup_close int pidfd = -1;
	struct stat want, st;
	char id[65], dir[64];
	struct dirent *e;
	DIR *d;
	int r = 0;

	vm_lease_hash(resource, id);
	if (fstatat(sp.fd, id, &want, 0) < 0)
		return errno == ENOENT ? 0
				       : vm_error_sys(err, VM_EXIT_SYSTEM, errno,
						      "cannot take qemu's lease on '%s'", resource);
	pidfd = pidfd_open(pid, 0);
	if (pidfd < 0)
		return errno == ESRCH ? 0
				      : vm_error_sys(err, VM_EXIT_SYSTEM, errno,
						     "cannot take qemu's lease on '%s'", resource);
	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	if (!d)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot take qemu's lease on '%s'",
				    resource);
	while (r == 0 && (e = readdir(d))) {
		int fd;

		if (e->d_name[0] == '.' || fstatat(dirfd(d), e->d_name, &st, 0) < 0 ||
		    !same_file(&st, &want))
			continue;
		/* only the fds on the lease file are copied out of PID */
		fd = pidfd_getfd(pidfd, atoi(e->d_name), 0);
		if (fd < 0) {
			/* closed meanwhile, or PID has exited and its lease with it */
			if (errno != EBADF && errno != ESRCH)
				r = vm_error_sys(err, VM_EXIT_SYSTEM, errno,
						 "cannot take qemu's lease on '%s'", resource);
			continue;
		}
		if (fstat(fd, &st) < 0 || !same_file(&st, &want)) {
			close(fd);
			continue;
		}
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		r = fn(fd, arg);
	}
	closedir(d);
	return r;
}

static int
gc_space(const struct space *sp, unsigned *removed, struct vm_error *err)
{
	DIR *d = open_space(sp, err);
	struct dirent *de;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		struct flock fl = {
			.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0
		};
		cleanup_close int fd = -1;
		struct stat a, b;

		if (!is_lease_name(de->d_name))
			continue;
		fd = open_existing(sp->fd, de->d_name, O_RDWR);
		if (fd < 0 || fstat(fd, &a) < 0)
			continue;
		/* Only a file that we hold whole and exclusively is unused. An
		 * acquire that opened it before the unlink re-checks the inode
		 * after locking and starts again with a new file. */
		if (fcntl(fd, F_OFD_SETLK, &fl) < 0)
			continue;
		if (fstatat(sp->fd, de->d_name, &b, AT_SYMLINK_NOFOLLOW) < 0 || !same_file(&a, &b))
			continue;
		if (unlinkat(sp->fd, de->d_name, 0) < 0) {
			if (errno == ENOENT)
				continue;
			vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot remove lease '%s/%s'",
				     sp->name, de->d_name);
			closedir(d);
			return -1;
		}
		(*removed)++;
	}
	closedir(d);
	return 0;
}

static int
file_gc(struct vm_lockmgr *lm, unsigned *removed, struct vm_error *err)
{
	struct space v[2];
	size_t n = spaces(lm, v);

	*removed = 0;
	for (size_t i = 0; i < n; i++)
		if (gc_space(&v[i], removed, err) < 0)
			return -1;
	return 0;
}

const struct vm_lock_driver vm_lock_file = {
	.active = true,
	.open = file_open,
	.close = file_close,
	.acquire = file_acquire,
	.acquire_byte = file_acquire_byte,
	.upgrade = file_upgrade,
	.release = file_release,
	.meta_lock = file_meta_lock,
	.probe = file_probe,
	.scan = file_scan,
	.inquire = file_inquire,
	.take_over = file_take_over,
	.gc = file_gc,
};
