#include "label.h"
#include "cleanup.h"
#include "exitcodes.h"
#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#define X_DAC "trusted.vmkit.dac"
#define X_REF "trusted.vmkit.ref_dac"
#define X_BOOT "trusted.vmkit.boot_dac"
#define X_USER "trusted.vmkit.user."

/* This boot's id, read once: a process never outlives its boot, and a
 * chain of N files would otherwise read it 2N times. */
static const char *
boot_id(void)
{
	static char id[64];
	static bool read_once;

	if (!read_once) {
		int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
		ssize_t n = fd < 0 ? -1 : read(fd, id, sizeof(id) - 1);

		if (fd >= 0)
			close(fd);
		if (n < 0)
			n = 0;
		while (n > 0 && id[n - 1] == '\n')
			n--;
		id[n] = '\0';
		read_once = true;
	}
	return id;
}

/*
 * Everything goes through the fd that vm-start (or vm-attach, or
 * vm-stop's identity-checked reopen) holds, never through the path,
 * whose components a user may swap meanwhile. PATH is for messages.
 */

/* Reads xattr NAME as a string; -1 with errno ENODATA when absent. */
static int
xget(int fd, const char *name, char *buf, size_t size)
{
	ssize_t n = fgetxattr(fd, name, buf, size - 1);

	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

static int
xset(int fd, const char *path, const char *name, const char *value, struct vm_error *err)
{
	if (fsetxattr(fd, name, value, strlen(value), 0) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot set '%s' on '%s'", name,
				    path);
	return 0;
}

static int
xremove(int fd, const char *path, const char *name, struct vm_error *err)
{
	if (fremovexattr(fd, name) < 0 && errno != ENODATA)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot remove '%s' from '%s'",
				    name, path);
	return 0;
}

/* Counts the per-domain entries; with DROP, removes them all instead. */
static int
users(int fd, const char *path, bool drop, int *count, struct vm_error *err)
{
	cleanup_free char *list = NULL;
	ssize_t n = flistxattr(fd, NULL, 0);

	*count = 0;
	if (n < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot list xattrs of '%s'", path);
	list = malloc(n + 1);
	if (!list)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot list xattrs of '%s'",
				    path);
	n = flistxattr(fd, list, n);
	if (n < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot list xattrs of '%s'", path);
	for (char *p = list; p < list + n; p += strlen(p) + 1) {
		if (strncmp(p, X_USER, strlen(X_USER)) != 0)
			continue;
		if (drop && xremove(fd, path, p, err) < 0)
			return -1;
		if (!drop)
			(*count)++;
	}
	return 0;
}

static int
user_name(const struct vm_label_ctx *ctx, char out[80])
{
	return snprintf(out, 80, "%s%s", X_USER, ctx->uuid);
}

static bool
boot_is_stale(int fd)
{
	char then[64];

	return xget(fd, X_BOOT, then, sizeof(then)) < 0 || strcmp(boot_id(), then) != 0;
}

static int
write_count(int fd, const char *path, int count, struct vm_error *err)
{
	char num[16];

	snprintf(num, sizeof(num), "%d", count);
	if (xset(fd, path, X_REF, num, err) < 0 || xset(fd, path, X_BOOT, boot_id(), err) < 0)
		return -1;
	return 0;
}

static int
do_chown(int fd, const char *path, uid_t uid, gid_t gid, struct vm_error *err)
{
	if (fchown(fd, uid, gid) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot change the owner of '%s'",
				    path);
	return 0;
}

int
vm_label_apply(const struct vm_label_ctx *ctx, const char *path, int fd,
	       struct vm_label_owner *owner, bool *no_xattr, struct vm_error *err)
{
	char dac[64], user[80];
	struct stat st;
	int count;

	*no_xattr = false;
	if (!ctx->remember)
		return do_chown(fd, path, ctx->uid, ctx->gid, err);
	if (fstat(fd, &st) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot stat '%s'", path);
	if (xget(fd, X_DAC, dac, sizeof(dac)) < 0) {
		if (errno == ENOTSUP) {
			*no_xattr = true;
			/* Never remember QEMU's own label as the true owner. */
			if (st.st_uid != ctx->uid || st.st_gid != ctx->gid) {
				owner->known = true;
				owner->uid = st.st_uid;
				owner->gid = st.st_gid;
			}
			return do_chown(fd, path, ctx->uid, ctx->gid, err);
		}
		if (errno != ENODATA)
			return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot read '%s' of '%s'",
					    X_DAC, path);
		snprintf(dac, sizeof(dac), "%u:%u", (unsigned)st.st_uid, (unsigned)st.st_gid);
		if (xset(fd, path, X_DAC, dac, err) < 0)
			return -1;
	} else if (boot_is_stale(fd) && users(fd, path, true, &count, err) < 0)
		return -1;
	vm_hook("label:owner-remembered");
	user_name(ctx, user);
	if (xset(fd, path, user, "1", err) < 0 || users(fd, path, false, &count, err) < 0 ||
	    write_count(fd, path, count, err) < 0)
		return -1;
	vm_hook("label:user-counted");
	return do_chown(fd, path, ctx->uid, ctx->gid, err);
}

int
vm_label_restore(const struct vm_label_ctx *ctx, const char *path, int fd,
		 const struct vm_label_owner *owner, bool *restored, struct vm_error *err)
{
	static const char *const all[] = { X_REF, X_BOOT, X_DAC };
	char dac[64], user[80];
	unsigned uid, gid;
	int count;

	*restored = false;
	if (xget(fd, X_DAC, dac, sizeof(dac)) < 0) {
		if (errno != ENODATA && errno != ENOTSUP)
			return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot read '%s' of '%s'",
					    X_DAC, path);
		if (owner->known) {
			*restored = true;
			return do_chown(fd, path, owner->uid, owner->gid, err);
		}
		if (!ctx->remember) {
			/* Like libvirt without remember_owner: back to root. */
			*restored = true;
			return do_chown(fd, path, 0, 0, err);
		}
		return 0;
	}
	if (sscanf(dac, "%u:%u", &uid, &gid) != 2)
		return vm_error_set(err, VM_EXIT_SYSTEM, "damaged '%s' on '%s': '%s'", X_DAC, path,
				    dac);
	user_name(ctx, user);
	if (boot_is_stale(fd)) {
		if (users(fd, path, true, &count, err) < 0)
			return -1;
	} else if (xremove(fd, path, user, err) < 0 || users(fd, path, false, &count, err) < 0)
		return -1;
	vm_hook("label:user-dropped");
	if (count > 0)
		return write_count(fd, path, count, err);
	/* The owner goes back before the record of it is removed, so a
	 * crash in between leaves a record that the next restore uses. */
	if (do_chown(fd, path, uid, gid, err) < 0)
		return -1;
	vm_hook("label:owner-restored");
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (xremove(fd, path, all[i], err) < 0)
			return -1;
	*restored = true;
	return 0;
}

int
vm_label_forget(const struct vm_label_ctx *ctx, const char *path, int fd, int *left,
		struct vm_error *err)
{
	char dac[64], user[80];

	*left = 0;
	if (xget(fd, X_DAC, dac, sizeof(dac)) < 0) {
		if (errno != ENODATA && errno != ENOTSUP)
			return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot read '%s' of '%s'",
					    X_DAC, path);
		return 0;
	}
	user_name(ctx, user);
	if (boot_is_stale(fd)) {
		if (users(fd, path, true, left, err) < 0)
			return -1;
	} else if (xremove(fd, path, user, err) < 0 || users(fd, path, false, left, err) < 0)
		return -1;
	return write_count(fd, path, *left, err);
}

bool
vm_label_used_by(const struct vm_label_ctx *ctx, int fd)
{
	char user[80], v[8];

	user_name(ctx, user);
	return fgetxattr(fd, user, v, sizeof(v)) >= 0;
}
