#include "paths.h"
#include "cleanup.h"
#include "exitcodes.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

int
vm_paths_check_dir(int fd, const char *what, mode_t mask, int code, struct vm_error *err)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot stat '%s'", what);
	if (st.st_uid != geteuid())
		return vm_error_set(err, code, "refusing '%s': owned by uid %u, not by uid %u",
				    what, (unsigned)st.st_uid, (unsigned)geteuid());
	if (st.st_mode & mask & 022)
		return vm_error_set(err, code,
				    "refusing '%s': mode %04o lets group or others write in it",
				    what, (unsigned)(st.st_mode & 07777));
	if (st.st_mode & mask)
		return vm_error_set(err, code,
				    "refusing '%s': mode %04o allows group or other access", what,
				    (unsigned)(st.st_mode & 07777));
	return 0;
}

/* A private directory: a real directory, ours, no group or other bits. */
static int
open_private(int dirfd, const char *name, const char *what, bool create, int code,
	     struct vm_error *err)
{
	int fd;

	if (create && mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot create '%s'", what);
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		if (e == ENOTDIR || e == ELOOP)
			return vm_error_set(err, code,
					    "refusing '%s': not a directory (a symlink?)", what);
		vm_error_sys(err, e == ENOENT ? VM_EXIT_NO : VM_EXIT_SYSTEM, e, "cannot open '%s'",
			     what);
		errno = e;
		return -1;
	}
	if (vm_paths_check_dir(fd, what, 077, code, err) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int
vm_paths_open(struct vm_paths *paths, struct vm_error *err)
{
	const char *env = getenv("VMKIT_RUNDIR");
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	cleanup_free char *dir = NULL;
	cleanup_free char *parent = NULL;
	cleanup_close int pfd = -1;
	char *slash;
	int fd;

	paths->fd = -1;
	paths->rundir = NULL;
	paths->session = geteuid() != 0;
	if (env && *env)
		dir = strdup(env);
	else if (!paths->session)
		dir = strdup("/run/vmkit");
	else if (xdg && *xdg) {
		if (asprintf(&dir, "%s/vmkit", xdg) < 0)
			dir = NULL;
	} else
		return vm_error_set(err, VM_EXIT_SYSTEM,
				    "cannot find a run directory: XDG_RUNTIME_DIR is not set (or set VMKIT_RUNDIR)");
	if (!dir)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot set up the run directory");
	if (dir[0] != '/')
		return vm_error_set(err, VM_EXIT_INVALID,
				    "run directory '%s' is not an absolute path", dir);
	while (strlen(dir) > 1 && dir[strlen(dir) - 1] == '/')
		dir[strlen(dir) - 1] = '\0';

	/* The parent may be any directory (a symlinked /run is fine); the
	 * run directory itself must be ours and private. */
	parent = strdup(dir);
	if (!parent)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot set up the run directory");
	slash = strrchr(parent, '/');
	if (slash == parent)
		slash[1] = '\0';
	else
		*slash = '\0';
	pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot open '%s'", parent);
	/* The configured directory is refused as invalid input (exit 3);
	 * what goes wrong below it is a hostile file in our own tree. */
	fd = open_private(pfd, strrchr(dir, '/') + 1, dir, true, VM_EXIT_INVALID, err);
	if (fd < 0)
		return -1;
	paths->fd = fd;
	paths->rundir = steal_ptr(dir);
	return 0;
}

void
vm_paths_close(struct vm_paths *paths)
{
	if (paths->fd >= 0)
		close(paths->fd);
	free(paths->rundir);
	paths->fd = -1;
	paths->rundir = NULL;
}

int
vm_paths_subdir(int dirfd, const char *name, bool create, struct vm_error *err)
{
	return open_private(dirfd, name, name, create, VM_EXIT_SYSTEM, err);
}

int
vm_paths_write_atomic(int dirfd, const char *name, const void *buf, size_t len,
		      struct vm_error *err)
{
	char tmp[NAME_MAX + 1];
	cleanup_close int fd = -1;
	const char *p = buf;

	if (snprintf(tmp, sizeof(tmp), ".%s.tmp", name) >= (int)sizeof(tmp))
		return vm_error_set(err, VM_EXIT_SYSTEM, "file name '%s' is too long", name);
	/* A leftover temp file (a crash mid-write) is ours to replace, but
	 * never follow a symlink planted in its place. */
	if (unlinkat(dirfd, tmp, 0) < 0 && errno != ENOENT)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot remove '%s'", tmp);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot create '%s'", tmp);
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot write '%s'", tmp);
			goto unlink_tmp;
		}
		p += n;
		len -= n;
	}
	if (fsync(fd) < 0) {
		vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot sync '%s'", tmp);
		goto unlink_tmp;
	}
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot rename '%s' to '%s'", tmp, name);
		goto unlink_tmp;
	}
	return 0;

unlink_tmp:
	unlinkat(dirfd, tmp, 0);
	return -1;
}

int
vm_paths_read(int dirfd, const char *name, size_t max, char **buf, size_t *len,
	      struct vm_error *err)
{
	cleanup_close int fd = -1;
	cleanup_free char *data = NULL;
	struct stat st;
	size_t have = 0;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		if (e == ELOOP)
			return vm_error_set(err, VM_EXIT_SYSTEM, "refusing '%s': it is a symlink",
					    name);
		vm_error_sys(err, e == ENOENT ? VM_EXIT_NO : VM_EXIT_SYSTEM, e, "cannot open '%s'",
			     name);
		errno = e;
		return -1;
	}
	if (fstat(fd, &st) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot stat '%s'", name);
	if (!S_ISREG(st.st_mode))
		return vm_error_set(err, VM_EXIT_SYSTEM, "refusing '%s': not a regular file", name);
	if ((size_t)st.st_size > max)
		return vm_error_set(err, VM_EXIT_SYSTEM, "refusing '%s': larger than %zu bytes",
				    name, max);
	data = malloc(max + 1);
	if (!data)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot read '%s'", name);
	for (;;) {
		ssize_t n = read(fd, data + have, max - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot read '%s'", name);
		if (n == 0)
			break;
		have += n;
		if (have == max)
			break;
	}
	data[have] = '\0';
	*buf = steal_ptr(data);
	if (len)
		*len = have;
	return 0;
}

int
vm_paths_read_user(const char *path, const char *what, size_t max, char **bufp, size_t *lenp,
		   struct vm_error *err)
{
	/* not blocking on a fifo: fstat() refuses it next */
	cleanup_close int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	cleanup_free char *buf = NULL;
	struct stat st;
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return vm_error_sys(err, VM_EXIT_INVALID, errno, "cannot open %s'%s'", what, path);
	if (fstat(fd, &st) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot stat %s'%s'", what, path);
	if (!S_ISREG(st.st_mode))
		return vm_error_set(err, VM_EXIT_INVALID, "cannot read %s'%s': not a regular file",
				    what, path);
	if ((size_t)st.st_size > max)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "cannot read %s'%s': larger than %zu bytes", what, path, max);
	buf = malloc(st.st_size + 1);
	if (!buf)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot read %s'%s'", what, path);
	while ((size_t)st.st_size > len && (n = read(fd, buf + len, st.st_size - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot read %s'%s'", what,
					    path);
		len += n;
	}
	buf[len] = '\0';
	*bufp = steal_ptr(buf);
	*lenp = len;
	return 0;
}

/* "DIR/SUB" where DIR is the directory of the configuration file. */
static char *
conf_sibling(const char *conf_path, const char *sub)
{
	const char *slash = strrchr(conf_path, '/');
	int dirlen = slash ? (int)(slash - conf_path) : 1;
	char *path = NULL;

	if (asprintf(&path, "%.*s/%s", dirlen, slash ? conf_path : ".", sub) < 0)
		return NULL;
	return path;
}

char *
vm_paths_domain_xml(const char *conf_path, const char *name)
{
	cleanup_free char *sub = NULL;

	if (asprintf(&sub, "domains/%s.xml", name) < 0)
		return NULL;
	return conf_sibling(conf_path, sub);
}

char *
vm_paths_autostart_dir(const char *conf_path)
{
	return conf_sibling(conf_path, "autostart");
}

int
vm_paths_canonical(const char *path, char **canon, struct vm_error *err)
{
	char *real = realpath(path, NULL);

	if (!real)
		return vm_error_sys(err, errno == ENOMEM ? VM_EXIT_SYSTEM : VM_EXIT_INVALID, errno,
				    "cannot access disk '%s'", path);
	*canon = real;
	return 0;
}

int
vm_paths_connect(int pathfd, int timeout_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d", pathfd);
	/* SO_SNDTIMEO bounds a connect() too; 0 would mean forever */
	if (timeout_ms >= 0) {
		int ms = timeout_ms ?: 1;
		struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = ms % 1000 * 1000 };

		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	return steal_fd(fd);
}
