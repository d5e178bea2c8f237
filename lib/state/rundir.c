#include "rundir.h"
#include "cleanup.h"
#include "domain.h"
#include "exitcodes.h"
#include "ofd.h"
#include "qemu_argv.h"
#include "qmp.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define LOCK_FILE "lock"
#define ALIVE_FILE "alive"
#define PID_FILE "pid"
#define DOMAIN_FILE "domain.xml"
#define QMP_FILE "qmp.sock"
#define VNC_FILE "vnc.sock"
#define AGENT_FILE VM_CHANNEL_AGENT
#define AGENT_PATH_FILE "agent.path" /* "DEV INO PATH": the socket at a <source path> */
#define SPICE_DIR "spice"
#define SPICE_FILE "spice.sock"
#define LOG_FILE "qemu.log"
#define STATUS_FILE "status.json"
#define CONSOLE_FILE "console.%u"
#define LOCKFAILURE_FILE "lockfailure"
/* One line of vm-lockfailure's, and room to tell a longer one apart. */
#define LOCKFAILURE_MAX 512
#define STATUS_KEPT "status.json.damaged"
#define STATUS_MAX (1 << 20)
#define LOG_MAX (1 << 24)
#define BYTE_COMMAND 0
#define BYTE_ALIVE 0

/* A timeout or a conflict fails with EAGAIN. */
static int
ofd_lock_wait(int fd, short type, off_t byte, int timeout_ms)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = byte, .l_len = 1 };

	return vm_ofd_lock(fd, &fl, timeout_ms);
}

static int
open_domains(const struct vm_paths *paths, bool create, struct vm_error *err)
{
	return vm_paths_subdir(paths->fd, "domains", create, err);
}

int
vm_rundir_open(const struct vm_paths *paths, const char *name, struct vm_error *err)
{
	cleanup_close int dfd = -1;
	int fd;

	if (vm_domain_check_name(name, err) < 0)
		return -1;
	dfd = open_domains(paths, false, err);
	if (dfd < 0)
		goto not_running;
	fd = vm_paths_subdir(dfd, name, false, err);
	if (fd < 0)
		goto not_running;
	return fd;

not_running:
	if (errno == ENOENT)
		vm_error_set(err, VM_EXIT_NO, "domain '%s' is not running", name);
	return -1;
}

int
vm_rundir_open_all(const struct vm_paths *paths, struct vm_error *err)
{
	return open_domains(paths, false, err);
}

int
vm_rundir_lock(const struct vm_paths *paths, const char *name, bool create, int wait_ms,
	       struct vm_domlock **out, struct vm_error *err)
{
	cleanup_close int dfd = -1;
	cleanup_close int dirfd = -1;
	cleanup_close int fd = -1;
	struct vm_domlock *dl;
	struct stat a, b;

	if (vm_domain_check_name(name, err) < 0)
		return -1;
	if (create) {
		dfd = open_domains(paths, true, err);
		if (dfd < 0)
			return -1;
		dirfd = vm_paths_subdir(dfd, name, true, err);
		if (dirfd < 0)
			return -1;
	} else {
		dirfd = vm_rundir_open(paths, name, err);
		if (dirfd < 0)
			return -1;
	}
	for (;;) {
		fd = openat(dirfd, LOCK_FILE, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return vm_error_sys(err, VM_EXIT_SYSTEM, errno,
					    "cannot open the lock of domain '%s'", name);
		if (fstat(fd, &a) < 0 || !S_ISREG(a.st_mode) || a.st_uid != geteuid())
			return vm_error_set(err, VM_EXIT_SYSTEM,
					    "refusing the lock file of domain '%s': not a regular file of ours",
					    name);
		if (ofd_lock_wait(fd, F_WRLCK, BYTE_COMMAND, wait_ms) < 0) {
			if (errno == EAGAIN || errno == EACCES)
				return vm_error_set(err, VM_EXIT_NO,
						    "domain '%s' is busy: another command holds its lock",
						    name);
			return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot lock domain '%s'",
					    name);
		}
		/* Someone may have replaced the file while we waited. */
		if (fstatat(dirfd, LOCK_FILE, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			break;
		close(steal_fd(fd));
	}
	dl = calloc(1, sizeof(*dl));
	if (!dl || !(dl->name = strdup(name))) {
		free(dl);
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot lock domain '%s'", name);
	}
	dl->dirfd = steal_fd(dirfd);
	dl->fd = steal_fd(fd);
	*out = dl;
	return 0;
}

void
vm_rundir_unlock(struct vm_domlock *dl)
{
	if (!dl)
		return;
	close(dl->fd);
	close(dl->dirfd);
	free(dl->name);
	free(dl);
}

/* Whether another open file description holds a lock on BYTE of FILE. */
static bool
byte_held(int dirfd, const char *file, off_t byte)
{
	cleanup_close int fd = openat(dirfd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = byte, .l_len = 1 };

	if (fd < 0 || fcntl(fd, F_OFD_GETLK, &fl) < 0)
		return false;
	return fl.l_type != F_UNLCK;
}

bool
vm_rundir_alive(int dirfd)
{
	return byte_held(dirfd, ALIVE_FILE, BYTE_ALIVE);
}

bool
vm_rundir_busy(int dirfd)
{
	return byte_held(dirfd, LOCK_FILE, BYTE_COMMAND);
}

int
vm_rundir_liveness_fd(struct vm_domlock *dl, struct vm_error *err)
{
	cleanup_close int fd =
		openat(dl->dirfd, ALIVE_FILE, O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	struct stat st;

	if (fd < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno,
				    "cannot open the liveness file of domain '%s'", dl->name);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid())
		return vm_error_set(err, VM_EXIT_SYSTEM,
				    "refusing the liveness file of domain '%s': not a regular file of ours",
				    dl->name);
	if (ofd_lock_wait(fd, F_RDLCK, BYTE_ALIVE, 0) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno,
				    "cannot take the liveness lock of domain '%s'", dl->name);
	return steal_fd(fd);
}

/*
 * An exiting process drops its OFD locks in task work that runs in LIFO
 * order, so the liveness lock can be free a moment before the leases on
 * lower fds. The pidfd turns readable only once every file is released.
 */
static void
wait_pidfd(int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	if (pidfd >= 0)
		while (poll(&p, 1, 5000) < 0 && errno == EINTR)
			;
}

int
vm_rundir_qemu_pidfd(int dirfd)
{
	pid_t pid = vm_rundir_qemu_pid(dirfd);

	return pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
}

int
vm_rundir_wait_exit(struct vm_domlock *dl, int pidfd, int timeout_ms, struct vm_error *err)
{
	cleanup_close int fd = openat(dl->dirfd, ALIVE_FILE, O_RDWR | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT) {
		wait_pidfd(pidfd);
		return 0;
	}
	if (fd < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno,
				    "cannot open the liveness file of domain '%s'", dl->name);
	/* The kernel drops QEMU's lock while it exits, before it is reaped,
	 * so this returns as soon as QEMU is gone even if PID 1 reaps late. */
	if (ofd_lock_wait(fd, F_WRLCK, BYTE_ALIVE, timeout_ms) < 0) {
		if (errno == EAGAIN)
			return vm_error_set(err, VM_EXIT_NO,
					    "timed out waiting for domain '%s' to stop", dl->name);
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot wait for domain '%s'",
				    dl->name);
	}
	wait_pidfd(pidfd);
	return 0;
}

/* Whether /proc/PID/fdinfo/NAME lists a lock of that open file description. */
static bool
fd_has_lock(pid_t pid, const char *name)
{
	char path[300], buf[4096];
	cleanup_close int fd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", (int)pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return strstr(buf, "\nlock:") != NULL;
}

/*
 * True when process PID has an fd open on the file FD refers to; with
 * LOCKED, one through which it holds a lock (a reader such as vm-status
 * opens the file for a moment, but locks nothing).
 */
static bool
pid_holds_file(pid_t pid, int fd, bool locked)
{
	char dir[64], link[340];
	struct stat want, st;
	struct dirent *de;
	DIR *d;
	bool found = false;

	if (fstat(fd, &want) < 0)
		return false;
	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s", dir, de->d_name);
		found = stat(link, &st) == 0 && st.st_dev == want.st_dev &&
			st.st_ino == want.st_ino && (!locked || fd_has_lock(pid, de->d_name));
	}
	closedir(d);
	return found;
}

/* The process that holds a lock on the file FD refers to, looked for in /proc. */
static pid_t
find_holder(int fd)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t found = 0;
	char *end;
	long pid;

	while (d && !found && (de = readdir(d))) {
		pid = strtol(de->d_name, &end, 10);
		if (*end == '\0' && pid > 1 && pid != getpid() && pid_holds_file(pid, fd, true))
			found = pid;
	}
	if (d)
		closedir(d);
	return found;
}

pid_t
vm_rundir_qemu_pid(int dirfd)
{
	cleanup_free char *buf = NULL;
	cleanup_close int fd = -1;
	char *end = NULL;
	long pid = 0;

	fd = openat(dirfd, ALIVE_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (vm_paths_read(dirfd, PID_FILE, 32, &buf, NULL, NULL) == 0)
		pid = strtol(buf, &end, 10);
	/* Pid reuse cannot fool us: the process must hold our liveness file. */
	if (pid > 1 && (!*end || *end == '\n') && pid_holds_file(pid, fd, false))
		return pid;
	/* A pid file lost or damaged: while QEMU is alive, it is the one
	 * process that holds the liveness file (no command keeps it open). */
	return vm_rundir_alive(dirfd) ? find_holder(fd) : 0;
}

int
vm_rundir_write_pid_raw(int dirfd, pid_t pid)
{
	char buf[24];
	int fd, n, i = sizeof(buf);
	unsigned long v = pid;

	buf[--i] = '\n';
	do
		buf[--i] = '0' + v % 10;
	while ((v /= 10) && i > 0);
	n = sizeof(buf) - i;
	unlinkat(dirfd, PID_FILE, 0);
	fd = openat(dirfd, PID_FILE, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (write(fd, buf + i, n) != n) {
		close(fd);
		return -1;
	}
	return close(fd);
}

int
vm_rundir_write_console(int dirfd, unsigned port, pid_t pid, struct vm_error *err)
{
	char name[32], buf[24];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)pid);

	snprintf(name, sizeof(name), CONSOLE_FILE, port);
	return vm_paths_write_atomic(dirfd, name, buf, n, err);
}

pid_t
vm_rundir_console_pid(int dirfd, unsigned port)
{
	cleanup_free char *buf = NULL;
	char name[32], *end;
	long pid;

	snprintf(name, sizeof(name), CONSOLE_FILE, port);
	if (vm_paths_read(dirfd, name, 32, &buf, NULL, NULL) < 0)
		return 0;
	pid = strtol(buf, &end, 10);
	return pid > 1 && pid <= INT_MAX && (*end == '\n' || !*end) ? (pid_t)pid : 0;
}

pid_t
vm_rundir_console_session(int dirfd, unsigned port)
{
	pid_t pid = vm_rundir_console_pid(dirfd, port);
	char path[32], comm[16] = "";
	cleanup_close int fd = -1;
	ssize_t n;

	if (!pid)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, comm, sizeof(comm) - 1);
	return n > 0 && !strcmp(comm, "vm-console\n") ? pid : 0;
}

void
vm_rundir_remove_console(int dirfd, unsigned port, pid_t pid)
{
	char name[32];

	snprintf(name, sizeof(name), CONSOLE_FILE, port);
	if (vm_rundir_console_pid(dirfd, port) == pid)
		unlinkat(dirfd, name, 0);
}

int
vm_rundir_write_domain(struct vm_domlock *dl, const char *xml, size_t len, struct vm_error *err)
{
	if (vm_paths_write_atomic(dl->dirfd, DOMAIN_FILE, xml, len, err) < 0)
		return vm_error_prefix(err, "cannot record domain '%s'", dl->name);
	return 0;
}

/*
 * spice/ and what is in it: the socket, or whatever else QEMU, whose
 * directory it is, left there (one level: nothing is followed, and a
 * directory that is not empty is an error).
 */
static int
remove_spice(int dirfd, struct vm_error *err)
{
	int fd = openat(dirfd, SPICE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	if (fd < 0 && errno == ENOENT)
		return 0;
	d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot remove '%s'", SPICE_DIR);
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
		    unlinkat(fd, de->d_name, de->d_type == DT_DIR ? AT_REMOVEDIR : 0) < 0 &&
		    errno == EISDIR)
			unlinkat(fd, de->d_name, AT_REMOVEDIR);
	closedir(d);
	if (unlinkat(dirfd, SPICE_DIR, AT_REMOVEDIR) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot remove '%s'", SPICE_DIR);
	return 0;
}

/*
 * The directory of an agent socket's PATH, opened without following its
 * last name, and the socket's name in it. The directory must be its
 * owner's alone (root's or the caller's), or another user could put
 * something else where vm-start binds and vm-stop removes.
 */
static int
agent_dir(const char *path, const char **name, struct vm_error *err)
{
	cleanup_free char *dir = strdup(path);
	cleanup_close int fd = -1;
	char *slash = dir ? strrchr(dir, '/') : NULL;
	struct stat st;

	if (!dir)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot bind '%s'", path);
	*name = path + (slash - dir) + 1;
	*slash = '\0';
	fd = open(slash == dir ? "/" : dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return vm_error_sys(err, VM_EXIT_INVALID, errno,
				    "cannot use directory '%s' for the guest agent's socket",
				    slash == dir ? "/" : dir);
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return vm_error_set(err, VM_EXIT_INVALID,
				    "directory '%s' of the guest agent's socket belongs to uid %u, not to root or the caller",
				    dir, (unsigned)st.st_uid);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return vm_error_set(err, VM_EXIT_INVALID,
				    "directory '%s' of the guest agent's socket is writable by others than its owner",
				    dir);
	return steal_fd(fd);
}

int
vm_rundir_agent_listen_path(int dirfd, const char *path, struct vm_error *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	cleanup_close int dfd = -1, fd = -1, probe = -1;
	const char *name;
	char rec[PATH_MAX + 64];
	struct stat st;
	mode_t old;
	int r, len;

	if ((dfd = agent_dir(path, &name, err)) < 0)
		return -1;
	len = snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dfd, name);
	if (len < 0 || (size_t)len >= sizeof(sa.sun_path))
		return vm_error_set(err, VM_EXIT_INVALID, "socket name '%s' is too long", name);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return vm_error_set(err, VM_EXIT_INVALID,
					    "'%s' exists and is not a socket: vmkit replaces only a socket left by an earlier run",
					    path);
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return vm_error_set(err, VM_EXIT_NO,
					    "socket '%s' is in use: a process listens on it", path);
		if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
			return vm_error_sys(err, VM_EXIT_SYSTEM, errno,
					    "cannot remove the old '%s'", path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot create '%s'", path);
	old = umask(0177);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0 || listen(fd, 8) < 0 || fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot create '%s'", path);
	/* what vm-stop removes: this socket, not whatever the path names then */
	len = snprintf(rec, sizeof(rec), "%llu %llu %s\n", (unsigned long long)st.st_dev,
		       (unsigned long long)st.st_ino, path);
	if (vm_paths_write_atomic(dirfd, AGENT_PATH_FILE, rec, (size_t)len, err) < 0) {
		unlinkat(dfd, name, 0);
		return -1;
	}
	return steal_fd(fd);
}

/* The socket that agent.path records, if it is still the one vm-start bound, then the record. */
static int
remove_agent_path(int dirfd, struct vm_error *err)
{
	cleanup_free char *buf = NULL;
	cleanup_close int dfd = -1;
	unsigned long long dev, ino;
	const char *name;
	struct stat st;
	size_t len;
	int off = 0;

	if (fstatat(dirfd, AGENT_PATH_FILE, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
		return 0;
	if (vm_paths_read(dirfd, AGENT_PATH_FILE, PATH_MAX + 64, &buf, &len, err) < 0)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	if (sscanf(buf, "%llu %llu %n", &dev, &ino, &off) == 2 && buf[off] == '/') {
		struct vm_error ignored = VM_ERROR_INIT;

		/* a directory changed since is left alone, as is a socket that another made */
		dfd = agent_dir(buf + off, &name, &ignored);
		if (dfd >= 0 && fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISSOCK(st.st_mode) && st.st_dev == dev && st.st_ino == ino &&
		    unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
			return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot remove '%s'",
					    buf + off);
	}
	if (unlinkat(dirfd, AGENT_PATH_FILE, 0) < 0 && errno != ENOENT)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot remove '%s'",
				    AGENT_PATH_FILE);
	return 0;
}

int
vm_rundir_remove_runtime(struct vm_domlock *dl, struct vm_error *err)
{
	static const char *const names[] = { PID_FILE,	 QMP_FILE,    VNC_FILE,
					     AGENT_FILE, DOMAIN_FILE, LOCKFAILURE_FILE };

	if (remove_spice(dl->dirfd, err) < 0 || remove_agent_path(dl->dirfd, err) < 0)
		return vm_error_prefix(err, "domain '%s'", dl->name);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (unlinkat(dl->dirfd, names[i], 0) < 0 && errno != ENOENT)
			return vm_error_sys(err, VM_EXIT_SYSTEM, errno,
					    "cannot remove '%s' of domain '%s'", names[i],
					    dl->name);
	return 0;
}

int
vm_rundir_read_status(int dirfd, vm_rundir_decode_fn *decode, void *arg, struct vm_error *err)
{
	cleanup_free char *buf = NULL;
	size_t len;
	int r;

	if (vm_paths_read(dirfd, STATUS_FILE, STATUS_MAX, &buf, &len, err) < 0)
		return -1;
	r = decode(buf, len, arg);
	if (r == -ENOMEM)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot read '%s'", STATUS_FILE);
	if (r < 0)
		return vm_error_set(err, VM_EXIT_SYSTEM, "status file '%s' is damaged",
				    STATUS_FILE);
	return 0;
}

int
vm_rundir_write_status(int dirfd, const char *text, size_t len, struct vm_error *err)
{
	if (len > STATUS_MAX)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "cannot record the status: %zu bytes, more than the %d that can be read back",
				    len, STATUS_MAX);
	return vm_paths_write_atomic(dirfd, STATUS_FILE, text, len, err);
}

int
vm_rundir_remove_status(int dirfd, struct vm_error *err)
{
	if (unlinkat(dirfd, STATUS_FILE, 0) < 0 && errno != ENOENT)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot remove '%s'", STATUS_FILE);
	return 0;
}

int
vm_rundir_quarantine_status(struct vm_domlock *dl, const char **kept, struct vm_error *err)
{
	if (renameat(dl->dirfd, STATUS_FILE, dl->dirfd, STATUS_KEPT) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno,
				    "cannot set aside the status of domain '%s'", dl->name);
	*kept = STATUS_KEPT;
	return 0;
}

/*
 * A listening socket NAME in DIRFD, created with permissions MODE.
 * bind() goes through /proc/self/fd so that a long run directory cannot
 * overflow sun_path, and takes its mode from the umask: the socket is
 * never there with more, and there is no path to chmod through.
 */
static int
listen_unix(int dirfd, const char *name, mode_t mode, const char *what, struct vm_error *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	cleanup_close int fd = -1;
	mode_t old;
	int r;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dirfd, name);
	if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot remove the old %s", what);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot create the %s", what);
	old = umask(~mode & 0777);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0 || listen(fd, 8) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot create the %s", what);
	return steal_fd(fd);
}

int
vm_rundir_qmp_listen(int dirfd, struct vm_error *err)
{
	return listen_unix(dirfd, QMP_FILE, 0600, "monitor socket", err);
}

const char vm_rundir_vnc_name[] = VNC_FILE;

int
vm_rundir_agent_listen(int dirfd, struct vm_error *err)
{
	return listen_unix(dirfd, AGENT_FILE, 0600, "guest agent socket", err);
}
const char vm_rundir_spice_sock[] = SPICE_FILE;
const char vm_rundir_spice_path[] = SPICE_DIR "/" SPICE_FILE;

int
vm_rundir_spice_dir(int dirfd, bool chown, uid_t uid, gid_t gid, struct vm_error *err)
{
	cleanup_close int fd = -1;

	if (remove_spice(dirfd, err) < 0)
		return -1;
	if (mkdirat(dirfd, SPICE_DIR, 0700) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot create '%s'", SPICE_DIR);
	fd = openat(dirfd, SPICE_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || (chown && fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0))
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot give '%s' to qemu",
				    SPICE_DIR);
	return steal_fd(fd);
}

int
vm_rundir_spice_claim(int spice_dirfd, uid_t qemu_uid, struct vm_error *err)
{
	cleanup_close int fd = openat(spice_dirfd, SPICE_FILE, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	char proc[32];
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot open qemu's '%s'",
				    vm_rundir_spice_path);
	if (!S_ISSOCK(st.st_mode) || st.st_uid != qemu_uid)
		return vm_error_set(err, VM_EXIT_SYSTEM,
				    "'%s' is not the socket qemu bound: not a socket of uid %u",
				    vm_rundir_spice_path, (unsigned)qemu_uid);
	/* through the fd: a path could be swapped by QEMU, whose directory it is */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if ((st.st_uid != geteuid() && fchownat(fd, "", geteuid(), getegid(), AT_EMPTY_PATH) < 0) ||
	    chmod(proc, 0600) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot take '%s' from qemu",
				    vm_rundir_spice_path);
	return 0;
}

int
vm_rundir_vnc_listen(int dirfd, struct vm_error *err)
{
	return listen_unix(dirfd, VNC_FILE, 0600, "VNC socket", err);
}

int
vm_rundir_qmp_connect(int dirfd, int timeout_ms, struct vm_qmp **qmp, struct vm_error *err)
{
	return vm_qmp_connect(dirfd, QMP_FILE, timeout_ms, qmp, err);
}

/* QEMU's ShutdownCause, as its trace prints it: 6 is guest-shutdown. */
#define GUEST_SHUTDOWN_LINE VM_QEMU_SHUTDOWN_TRACE " reason=6\n"
#define START_LINE "vmkit: starting domain '"

bool
vm_rundir_powered_off(int dirfd)
{
	cleanup_free char *buf = NULL;
	const char *run, *p;

	if (vm_paths_read(dirfd, LOG_FILE, LOG_MAX, &buf, NULL, NULL) < 0)
		return false;
	run = buf;
	while ((p = strstr(run, START_LINE)))
		run = p + strlen(START_LINE);
	return run != buf && strstr(run, GUEST_SHUTDOWN_LINE) != NULL;
}

int
vm_rundir_write_lockfailure(int dirfd, const char *reason, struct vm_error *err)
{
	return vm_paths_write_atomic(dirfd, LOCKFAILURE_FILE, reason, strlen(reason), err);
}

bool
vm_rundir_lockfailure(int dirfd, char *out, size_t size)
{
	cleanup_free char *buf = NULL;
	size_t len;

	if (vm_paths_read(dirfd, LOCKFAILURE_FILE, LOCKFAILURE_MAX, &buf, &len, NULL) < 0 ||
	    len == 0)
		return false;
	buf[strcspn(buf, "\n")] = '\0';
	snprintf(out, size, "%s", buf);
	return true;
}

const char vm_rundir_log_name[] = LOG_FILE;

static int
open_log(int dirfd)
{
	return openat(dirfd, LOG_FILE, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
		      0600);
}

int
vm_rundir_log_open(struct vm_domlock *dl, struct vm_error *err)
{
	int fd = open_log(dl->dirfd);

	if (fd < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot open %s", LOG_FILE);
	return fd;
}

bool
vm_rundir_log_tail(int dirfd, off_t from, char *out, size_t size)
{
	cleanup_free char *buf = NULL;
	char *start, *line, *end;
	size_t len;

	if (vm_paths_read(dirfd, LOG_FILE, LOG_MAX, &buf, &len, NULL) < 0 || (size_t)from >= len)
		return false;
	start = buf + from;
	end = buf + len;
	while (end > start && (end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	line = end;
	while (line > start && line[-1] != '\n')
		line--;
	if (!*line)
		return false;
	snprintf(out, size, "%s", line);
	return true;
}

void
vm_rundir_log(int dirfd, const char *fmt, ...)
{
	char line[1200];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int fd, n;

	fd = open_log(dirfd);
	if (fd < 0)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%SZ vmkit: ", &tm);
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (write(fd, line, n) < 0)
		n = 0; /* the log is best effort */
	close(fd);
}
