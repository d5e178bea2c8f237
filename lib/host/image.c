#include "image.h"
#include "cleanup.h"
#include "exitcodes.h"
#include "hooks.h"
#include "qcow2.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

enum kind { KIND_FILE, KIND_BLOCK, KIND_ANY };

/* O_NONBLOCK so that a fifo planted in a disk's place cannot stall us;
 * it is cleared once the type is known. */
static int
open_canonical(const char *path, int flags)
{
	struct open_how how = {
		.flags = flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
		.resolve = RESOLVE_NO_SYMLINKS,
	};

	return (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
}

/*
 * The canonical absolute path of PATH (relative to the working
 * directory), as realpath(3) would give it, but following a symlink
 * only when root or the caller owns it: a user who owns a directory on
 * the way could otherwise point the path at any file at all, whenever
 * it is resolved. Each link is read through an O_PATH fd of the very
 * link whose owner was checked.
 */
static int
resolve(const char *path, char **canon, struct vm_error *err)
{
	cleanup_free char *todo = NULL;
	char done[PATH_MAX] = "", link[PATH_MAX], cwd[PATH_MAX];
	int links = 0;
	char *p;

	if (path[0] != '/' && !getcwd(cwd, sizeof(cwd)))
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot resolve disk '%s'", path);
	if (asprintf(&todo, "%s/%s", path[0] == '/' ? "" : cwd, path) < 0) {
		todo = NULL;
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot resolve disk '%s'", path);
	}
	for (p = todo; *p;) {
		size_t len = strcspn(p, "/"), dlen = strlen(done);
		cleanup_close int fd = -1;
		char *rest = p + len + (p[len] == '/');
		struct stat st;
		ssize_t n;

		if (len == 0 || (len == 1 && p[0] == '.')) {
			p = rest;
			continue;
		}
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			*(strrchr(done, '/') ? strrchr(done, '/') : done) = '\0';
			p = rest;
			continue;
		}
		if (dlen + 1 + len >= sizeof(done))
			return vm_error_sys(err, VM_EXIT_INVALID, ENAMETOOLONG,
					    "cannot access disk '%s'", path);
		snprintf(done + dlen, sizeof(done) - dlen, "/%.*s", (int)len, p);
		fd = open(done, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0)
			return vm_error_sys(err, errno == ENOMEM ? VM_EXIT_SYSTEM : VM_EXIT_INVALID,
					    errno, "cannot access disk '%s'", path);
		if (!S_ISLNK(st.st_mode)) {
			if (*rest && !S_ISDIR(st.st_mode))
				return vm_error_sys(err, VM_EXIT_INVALID, ENOTDIR,
						    "cannot access disk '%s'", path);
			p = rest;
			continue;
		}
		if (st.st_uid != 0 && st.st_uid != geteuid())
			return vm_error_set(err, VM_EXIT_INVALID,
					    "refusing disk '%s': its path goes through the symlink '%s' of uid %u, who could point it at any file",
					    path, done, (unsigned)st.st_uid);
		n = readlinkat(fd, "", link, sizeof(link));
		if (n < 0 || (size_t)n >= sizeof(link) || ++links > 40)
			return vm_error_sys(err, VM_EXIT_INVALID, n < 0 ? errno : ELOOP,
					    "cannot access disk '%s'", path);
		done[dlen] = '\0';
		if (link[0] == '/')
			done[0] = '\0';
		if (asprintf(&p, "%.*s/%s", (int)n, link, rest) < 0)
			return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot resolve disk '%s'",
					    path);
		free(todo);
		todo = p;
	}
	*canon = strdup(done[0] ? done : "/");
	if (!*canon)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot resolve disk '%s'", path);
	return 0;
}

static int
open_failed(const char *path, int e, struct vm_error *err)
{
	if (e == ELOOP)
		return vm_error_set(err, VM_EXIT_NO,
				    "refusing disk '%s': a component of its path is a symlink now",
				    path);
	return vm_error_sys(err, e == ENOENT || e == ENOTDIR ? VM_EXIT_NO : VM_EXIT_SYSTEM, e,
			    "cannot open disk '%s'", path);
}

/* Opens layer L at its canonical path; L->path is set and owned by L. */
static int
open_layer(struct vm_image_layer *l, int flags, enum kind kind, struct vm_error *err)
{
	struct stat st, again;
	int fl;

	vm_hook("image:resolved");
	l->fd = open_canonical(l->path, flags);
	if (l->fd < 0)
		return open_failed(l->path, errno, err);
	if (fstat(l->fd, &st) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot stat disk '%s'", l->path);
	if (kind == KIND_FILE && !S_ISREG(st.st_mode))
		return vm_error_set(err, VM_EXIT_INVALID, "disk '%s' is not a regular file",
				    l->path);
	if (kind == KIND_BLOCK && !S_ISBLK(st.st_mode))
		return vm_error_set(err, VM_EXIT_INVALID, "disk '%s' is not a block device",
				    l->path);
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return vm_error_set(err, VM_EXIT_INVALID,
				    "disk '%s' is not a regular file or a block device", l->path);
	/* The open met no symlink; a rename since would show here. */
	if (fstatat(AT_FDCWD, l->path, &again, AT_SYMLINK_NOFOLLOW) < 0 ||
	    again.st_dev != st.st_dev || again.st_ino != st.st_ino)
		return vm_error_set(err, VM_EXIT_NO,
				    "refusing disk '%s': its path named another file while it was opened",
				    l->path);
	fl = fcntl(l->fd, F_GETFL);
	if (fl < 0 || fcntl(l->fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot open disk '%s'", l->path);
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	l->block = S_ISBLK(st.st_mode);
	return 0;
}

static ssize_t
read_at(int fd, unsigned char *buf, size_t len)
{
	size_t have = 0;

	while (have < len) {
		ssize_t n = pread(fd, buf + have, len - have, have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		have += n;
	}
	return have;
}

static int
read_header(const struct vm_image_layer *l, struct vm_qcow2 *q, struct vm_error *err)
{
	unsigned char head[112];
	cleanup_free unsigned char *buf = NULL;
	const char *why = "it is not a qcow2 image (no qcow2 header)";
	ssize_t n = read_at(l->fd, head, sizeof(head));
	size_t need = n < 0 ? 0 : vm_qcow2_need(head, n);

	if (n < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot read disk '%s'", l->path);
	if (!need)
		return vm_error_set(err, VM_EXIT_INVALID, "disk '%s' is not valid qcow2: %s",
				    l->path, why);
	buf = malloc(need);
	if (!buf)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot read disk '%s'", l->path);
	n = read_at(l->fd, buf, need);
	if (n < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot read disk '%s'", l->path);
	if (vm_qcow2_parse(buf, n, q, &why) < 0)
		return vm_error_set(err, VM_EXIT_INVALID, "disk '%s' is not valid qcow2: %s",
				    l->path, why);
	return 0;
}

/* The canonical path of the backing file Q names for layer L, and its format. */
static int
backing_of(const struct vm_image_layer *l, const struct vm_qcow2 *q, char **path,
	   enum vm_image_format *fmt, struct vm_error *err)
{
	const char *b = q->backing;
	const char *sep = strpbrk(b, ":/");
	cleanup_free char *joined = NULL;
	const char *slash = strrchr(l->path, '/');

	/* QEMU reads "proto:..." and "json:{...}" as other than a file. */
	if (sep && *sep == ':')
		return vm_error_set(err, VM_EXIT_INVALID,
				    "disk '%s' has the backing file '%s', a protocol or json: name; only local files can be leased",
				    l->path, b);
	if (!q->backing_fmt[0])
		return vm_error_set(err, VM_EXIT_INVALID,
				    "disk '%s' names its backing file '%s' without a format, which would be probed; record it with 'qemu-img rebase -u -F FORMAT -b ...'",
				    l->path, b);
	if (strcmp(q->backing_fmt, "raw") == 0)
		*fmt = VM_IMAGE_RAW;
	else if (strcmp(q->backing_fmt, "qcow2") == 0)
		*fmt = VM_IMAGE_QCOW2;
	else
		return vm_error_set(err, VM_EXIT_INVALID,
				    "disk '%s' has the backing file '%s' of format '%s' (expected raw or qcow2)",
				    l->path, b, q->backing_fmt);
	if (b[0] != '/' && asprintf(&joined, "%.*s/%s", (int)(slash - l->path), l->path, b) < 0) {
		joined = NULL;
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot open disk '%s'", l->path);
	}
	if (resolve(joined ? joined : b, path, err) < 0)
		return vm_error_prefix(err, "backing file of '%s'", l->path);
	return 0;
}

static int
add_layer(struct vm_image *img, char *path, enum vm_image_format fmt, struct vm_error *err)
{
	struct vm_image_layer *v = realloc(img->v, (img->n + 1) * sizeof(*v));

	if (!v) {
		free(path);
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot open disk images");
	}
	img->v = v;
	v[img->n++] = (struct vm_image_layer){ .path = path, .fd = -1, .format = fmt };
	return 0;
}

static int
open_chain(const struct vm_image_spec *spec, struct vm_image *img, struct vm_error *err)
{
	bool ro = !spec->writable;
	enum kind kind = spec->block ? KIND_BLOCK : KIND_FILE;
	enum vm_image_format fmt = spec->format;
	char *path = NULL;

	if (resolve(spec->source, &path, err) < 0)
		return -1;
	for (;;) {
		struct vm_image_layer *l;
		struct vm_qcow2 q;

		if (add_layer(img, path, fmt, err) < 0)
			return -1;
		l = &img->v[img->n - 1];
		if (open_layer(l, ro ? O_RDONLY : O_RDWR, kind, err) < 0)
			return -1;
		for (size_t i = 0; i + 1 < img->n; i++)
			if (img->v[i].dev == l->dev && img->v[i].ino == l->ino)
				return vm_error_set(err, VM_EXIT_INVALID,
						    "the backing chain of disk '%s' loops at '%s'",
						    img->v[0].path, l->path);
		if (l->format != VM_IMAGE_QCOW2)
			return 0;
		if (read_header(l, &q, err) < 0)
			return -1;
		if (q.data_file)
			return vm_error_set(err, VM_EXIT_INVALID,
					    "disk '%s' keeps its data in the external file '%s', which vmkit does not support",
					    l->path,
					    q.data_file_name[0] ? q.data_file_name : "(unnamed)");
		if (!q.backing[0])
			return 0;
		if (img->n > VM_IMAGE_BACKING_MAX)
			return vm_error_set(err, VM_EXIT_INVALID,
					    "the backing chain of disk '%s' is longer than %d files",
					    img->v[0].path, VM_IMAGE_BACKING_MAX);
		if (backing_of(l, &q, &path, &fmt, err) < 0)
			return -1;
		ro = true;
		kind = KIND_ANY;
	}
}

int
vm_image_open(const struct vm_image_spec *spec, struct vm_image *img, struct vm_error *err)
{
	memset(img, 0, sizeof(*img));
	if (open_chain(spec, img, err) < 0) {
		vm_image_close(img);
		return -1;
	}
	return 0;
}

void
vm_image_close(struct vm_image *img)
{
	for (size_t i = 0; i < img->n; i++) {
		if (img->v[i].fd >= 0)
			close(img->v[i].fd);
		free(img->v[i].path);
	}
	free(img->v);
	img->v = NULL;
	img->n = 0;
}

int
vm_image_reopen(const char *path, bool has_id, dev_t dev, ino_t ino, struct vm_error *err)
{
	cleanup_close int fd = open_canonical(path, O_RDONLY);
	struct stat st;

	if (fd < 0)
		return open_failed(path, errno, err);
	if (fstat(fd, &st) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot stat disk '%s'", path);
	if (has_id && (st.st_dev != dev || st.st_ino != ino))
		return vm_error_set(err, VM_EXIT_NO, "'%s' is no longer the file that was labelled",
				    path);
	return steal_fd(fd);
}
