/*
 * Lock manager: the driver-independent half of taking leases. See lock.h
 * and lock_driver.h; lock_query.c looks at leases from outside, and
 * lock_holders.c names who holds one.
 */
#include "holders.h"
#include "disk_identity.h"
#include "exitcodes.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <nettle/sha2.h>

/* ---- nop driver ---- */

static int
nop_acquire(struct vm_lockmgr *lm, struct vm_lease *lease, int wait_ms, struct vm_error *err)
{
	return 0;
}

static int
nop_acquire_byte(struct vm_lockmgr *lm, struct vm_lease *lease, const char *path,
		 unsigned long long offset, struct vm_error *err)
{
	return 0;
}

/* An fd of /dev/null, so that callers unlock by close() with either driver. */
static int
nop_meta_lock(struct vm_lockmgr *lm, const char *resource, int wait_ms, int *fd,
	      struct vm_error *err)
{
	*fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot open '/dev/null'");
	return 0;
}

static int
nop_probe(struct vm_lockmgr *lm, const char *resource, enum vm_lease_state *state,
	  struct vm_error *err)
{
	*state = VM_LEASE_FREE;
	return 0;
}

static int
nop_scan(struct vm_lockmgr *lm,
	 int (*fn)(const char *id, const char *resource, enum vm_lease_state state, void *arg),
	 void *arg, struct vm_error *err)
{
	return 0;
}

static int
nop_gc(struct vm_lockmgr *lm, unsigned *removed, struct vm_error *err)
{
	*removed = 0;
	return 0;
}

static const struct vm_lock_driver driver_nop = {
	.active = false,
	.acquire = nop_acquire,
	.acquire_byte = nop_acquire_byte,
	.meta_lock = nop_meta_lock,
	.probe = nop_probe,
	.scan = nop_scan,
	.gc = nop_gc,
};

/* ---- the manager ---- */

int
vm_lockmgr_open(const struct vm_conf *conf, const struct vm_paths *paths,
		struct vm_lockmgr **out, struct vm_error *err)
{
	const char *name = conf->lock_manager ? conf->lock_manager : "file";
	const struct vm_lock_driver *drv;
	struct vm_lockmgr *lm;

	if (strcmp(name, "file") == 0)
		drv = &vm_lock_driver_file;
	else if (strcmp(name, "nop") == 0)
		drv = &driver_nop;
	else if (strcmp(name, "sanlock") == 0)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "lock manager 'sanlock' is not available in this build");
	else
		return vm_error_set(err, VM_EXIT_INVALID, "unknown lock manager '%s'", name);

	lm = calloc(1, sizeof(*lm));
	if (!lm)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot open the lock manager");
	lm->drv = drv;
	lm->space_fd = -1;
	lm->local_fd = -1;
	lm->meta_timeout = conf->metadata_lock_timeout;
	lm->paths.session = paths->session;
	lm->paths.fd = fcntl(paths->fd, F_DUPFD_CLOEXEC, 3);
	lm->paths.rundir = strdup(paths->rundir);
	if (lm->paths.fd < 0 || !lm->paths.rundir) {
		vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot open the lock manager");
		vm_lockmgr_close(lm);
		return -1;
	}
	if (drv->open && drv->open(lm, conf, err) < 0) {
		vm_lockmgr_close(lm);
		return -1;
	}
	*out = lm;
	return 0;
}

void
vm_lockmgr_close(struct vm_lockmgr *lm)
{
	if (!lm)
		return;
	if (lm->drv->close)
		lm->drv->close(lm);
	vm_paths_close(&lm->paths);
	free(lm->owner_name);
	free(lm->space);
	free(lm->local_space);
	free(lm);
}

int
vm_lockmgr_set_owner(struct vm_lockmgr *lm, const char *name, struct vm_error *err)
{
	char *n = strdup(name);

	if (!n)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot set the lease owner");
	free(lm->owner_name);
	lm->owner_name = n;
	return 0;
}

bool
vm_lockmgr_active(const struct vm_lockmgr *lm)
{
	return lm->drv->active;
}

const char *
vm_lockmgr_space(const struct vm_lockmgr *lm)
{
	return lm->space;
}

const char *
vm_lockmgr_space_of(const struct vm_lockmgr *lm, const char *resource)
{
	return lm->local_space && vm_disk_identity_local(resource) ? lm->local_space : lm->space;
}

void
vm_lease_hash(const char *resource, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t digest[SHA256_DIGEST_SIZE];
	struct sha256_ctx ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, strlen(resource), (const uint8_t *)resource);
	sha256_digest(&ctx, sizeof(digest), digest);
	for (size_t i = 0; i < sizeof(digest); i++) {
		out[2 * i] = hex[digest[i] >> 4];
		out[2 * i + 1] = hex[digest[i] & 0xf];
	}
	out[64] = '\0';
}

static bool
is_uuid(const char *resource)
{
	return strncmp(resource, VM_LEASE_UUID_PREFIX, strlen(VM_LEASE_UUID_PREFIX)) == 0;
}

/* The conflict message; the holder comes from the status files. NAME
 * is the disk whose identity RESOURCE is, or NULL. */
static int
conflict(struct vm_lockmgr *lm, const char *resource, const char *name, struct vm_error *err)
{
	struct holders h = { 0 };
	char **names = NULL;
	size_t n = 0;
	const char *uuid = resource + strlen(VM_LEASE_UUID_PREFIX);

	holders_load(lm, &h);
	holders_find(&h, resource, &names, &n);
	if (is_uuid(resource) && n)
		vm_error_set(err, VM_EXIT_NO, "domain uuid '%s' is in use by domain '%s'", uuid,
			     names[0]);
	else if (is_uuid(resource))
		vm_error_set(err, VM_EXIT_NO,
			     "domain uuid '%s' is in use by another host or process", uuid);
	else if (name && n)
		vm_error_set(err, VM_EXIT_NO, "disk '%s' (%s) is in use by domain '%s'", name,
			     resource, names[0]);
	else if (name)
		vm_error_set(err, VM_EXIT_NO,
			     "disk '%s' (%s) is in use by another host or process", name, resource);
	else if (n)
		vm_error_set(err, VM_EXIT_NO, "disk '%s' is in use by domain '%s'", resource,
			     names[0]);
	else
		vm_error_set(err, VM_EXIT_NO, "disk '%s' is in use by another host or process",
			     resource);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	holders_free(&h);
	return -1;
}

/* ---- leases ---- */

static struct vm_lease *
lease_new(struct vm_lockmgr *lm, const char *resource, enum vm_lease_mode mode,
	  struct vm_error *err)
{
	struct vm_lease *l;

	if (!resource || !*resource) {
		vm_error_set(err, VM_EXIT_INVALID, "cannot take a lease on an empty name");
		return NULL;
	}
	l = calloc(1, sizeof(*l));
	if (l)
		l->resource = strdup(resource);
	if (!l || !l->resource) {
		free(l);
		vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot take a lease on '%s'", resource);
		return NULL;
	}
	l->mode = mode;
	l->fd = -1;
	return l;
}

int
vm_lease_acquire_named(struct vm_lockmgr *lm, const char *resource, const char *name,
		       enum vm_lease_mode mode, int wait_ms, struct vm_lease **out,
		       struct vm_error *err)
{
	struct vm_lease *l = lease_new(lm, resource, mode, err);
	int r;

	if (!l)
		return -1;
	r = lm->drv->acquire(lm, l, wait_ms, err);
	if (r != 0) {
		vm_lease_release(l);
		return r == VM_LOCK_BUSY ? conflict(lm, resource, name, err) : -1;
	}
	*out = l;
	return 0;
}

int
vm_lease_try(struct vm_lockmgr *lm, const char *resource, struct vm_lease **out,
	     struct vm_error *err)
{
	struct vm_lease *l = lease_new(lm, resource, VM_LEASE_EXCLUSIVE, err);
	int r;

	if (!l)
		return -1;
	r = lm->drv->acquire(lm, l, 0, err);
	if (r != 0) {
		vm_lease_release(l);
		return r == VM_LOCK_BUSY ? 1 : -1;
	}
	*out = l;
	return 0;
}

int
vm_lease_acquire(struct vm_lockmgr *lm, const char *resource, enum vm_lease_mode mode,
		 int wait_ms, struct vm_lease **out, struct vm_error *err)
{
	return vm_lease_acquire_named(lm, resource, NULL, mode, wait_ms, out, err);
}

int
vm_lease_acquire_byte(struct vm_lockmgr *lm, const char *path, unsigned long long offset,
		      struct vm_lease **out, struct vm_error *err)
{
	struct vm_lease *l = lease_new(lm, path, VM_LEASE_EXCLUSIVE, err);
	int r;

	if (!l)
		return -1;
	r = lm->drv->acquire_byte(lm, l, path, offset, err);
	if (r != 0) {
		vm_lease_release(l);
		if (r == VM_LOCK_BUSY)
			return vm_error_set(err, VM_EXIT_NO,
					    "lease '%s' at offset %llu is in use by another host or process",
					    path, offset);
		return -1;
	}
	*out = l;
	return 0;
}

int
vm_lease_adopt(struct vm_lockmgr *lm, const char *resource, enum vm_lease_mode mode, int fd,
	       struct vm_lease **out, struct vm_error *err)
{
	struct vm_lease *l = lease_new(lm, resource, mode, err);

	if (!l)
		return -1;
	l->fd = fd;
	l->unlock = true;
	*out = l;
	return 0;
}

int
vm_lease_upgrade(struct vm_lockmgr *lm, struct vm_lease *lease, struct vm_error *err)
{
	int r;

	if (lease->mode == VM_LEASE_EXCLUSIVE || !lm->drv->upgrade || lease->fd < 0)
		return 0;
	r = lm->drv->upgrade(lm, lease, err);
	if (r != 0)
		return r == VM_LOCK_BUSY ? conflict(lm, lease->resource, NULL, err) : -1;
	lease->mode = VM_LEASE_EXCLUSIVE;
	return 0;
}

const char *
vm_lease_resource(const struct vm_lease *lease)
{
	return lease->resource;
}

int
vm_lease_fd(const struct vm_lease *lease)
{
	return lease->fd;
}

void
vm_lease_release(struct vm_lease *lease)
{
	struct flock fl = { .l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };

	if (!lease)
		return;
	/* the content lease is byte 0 with every driver that has fds */
	if (lease->unlock && lease->fd >= 0)
		fcntl(lease->fd, F_OFD_SETLK, &fl);
	if (lease->fd >= 0)
		close(lease->fd);
	free(lease->resource);
	free(lease);
}

int
vm_lease_meta_lock(struct vm_lockmgr *lm, const char *resource, struct vm_error *err)
{
	int fd = -1;
	int r;

	if (!resource || !*resource)
		return vm_error_set(err, VM_EXIT_INVALID, "cannot take a lease on an empty name");
	r = lm->drv->meta_lock(lm, resource, lm->meta_timeout * 1000, &fd, err);
	if (r == VM_LOCK_BUSY)
		return vm_error_set(err, VM_EXIT_NO,
				    "timed out after %d s waiting for the metadata lock of '%s'",
				    lm->meta_timeout, resource);
	return r < 0 ? -1 : fd;
}
