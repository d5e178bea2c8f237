/*
 * Leases: the driver-independent half of taking, changing and dropping
 * one, and the wording of a conflict. See lock.h and lock_driver.h;
 * lockmgr.c opens the manager and looks at leases from outside.
 */
#include "lock_driver.h"
#include "exitcodes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <nettle/sha2.h>

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
has_prefix(const char *resource, const char *prefix)
{
	return strncmp(resource, prefix, strlen(prefix)) == 0;
}

bool
vm_lease_local(const char *resource)
{
	return strncmp(resource, VM_LEASE_INODE_PREFIX, strlen(VM_LEASE_INODE_PREFIX)) == 0 ||
	       strncmp(resource, VM_LEASE_BLOCKDEV_PREFIX, strlen(VM_LEASE_BLOCKDEV_PREFIX)) == 0 ||
	       strncmp(resource, VM_LEASE_PORT_PREFIX, strlen(VM_LEASE_PORT_PREFIX)) == 0;
}

const char *
vm_lease_state_name(enum vm_lease_state state)
{
	switch (state) {
	case VM_LEASE_HELD_SHARED:
		return "shared";
	case VM_LEASE_HELD_EXCLUSIVE:
		return "exclusive";
	default:
		return "free";
	}
}

void
vm_lease_info_clear(struct vm_lease_info *info)
{
	vm_lockmgr_holders_free(info->holders, info->nholders);
	free(info->resource);
	memset(info, 0, sizeof(*info));
}

/* The conflict message, naming the holder when the holders function
 * (a domain here) or the driver (another host) does. NAME is the disk
 * whose identity RESOURCE is, or NULL. */
static int
conflict(struct vm_lockmgr *lm, const char *resource, const char *name, struct vm_error *err)
{
	char **names = NULL;
	size_t n = 0;
	char who[300] = "another host or process", host[64];
	const char *uuid = resource + strlen(VM_LEASE_UUID_PREFIX);
	const char *mac = resource + strlen(VM_LEASE_MAC_PREFIX);
	const char *port = resource + strlen(VM_LEASE_PORT_PREFIX);
	const char *tpm = resource + strlen(VM_LEASE_TPM_PREFIX);

	vm_lockmgr_holders(lm, resource, &names, &n);
	if (n)
		snprintf(who, sizeof(who), "domain '%s'", names[0]);
	else if (lm->drv->holder && lm->drv->holder(lm, resource, host, sizeof(host)) == 1)
		snprintf(who, sizeof(who), "%s", host);
	if (has_prefix(resource, VM_LEASE_MAC_PREFIX))
		vm_error_set(err, VM_EXIT_NO, "MAC address '%s' is in use by %s", mac, who);
	else if (has_prefix(resource, VM_LEASE_PORT_PREFIX))
		vm_error_set(err, VM_EXIT_NO, "port %s is in use by %s", port, who);
	else if (has_prefix(resource, VM_LEASE_TPM_PREFIX))
		vm_error_set(err, VM_EXIT_NO, "the TPM state of domain uuid '%s' is in use by %s",
			     tpm, who);
	else if (has_prefix(resource, VM_LEASE_UUID_PREFIX))
		vm_error_set(err, VM_EXIT_NO, "domain uuid '%s' is in use by %s", uuid, who);
	else if (name)
		vm_error_set(err, VM_EXIT_NO, "disk '%s' (%s) is in use by %s", name, resource,
			     who);
	else
		vm_error_set(err, VM_EXIT_NO, "disk '%s' is in use by %s", resource, who);
	vm_lockmgr_holders_free(names, n);
	return -1;
}

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
	l->drv = lm->drv;
	l->mode = mode;
	l->pid = lm->pid;
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
vm_lease_acquire(struct vm_lockmgr *lm, const char *resource, enum vm_lease_mode mode, int wait_ms,
		 struct vm_lease **out, struct vm_error *err)
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

struct take_over {
	struct vm_lockmgr *lm;
	const char *resource;
	enum vm_lease_mode mode;
	vm_lease_fn *fn;
	void *arg;
	struct vm_error *err;
};

/* FD carries a lock of another process: ours now, unlocked for both on
 * release. */
static int
adopt(int fd, void *arg)
{
	struct take_over *t = arg;
	struct vm_lease *l = lease_new(t->lm, t->resource, t->mode, t->err);

	if (!l) {
		close(fd);
		return -1;
	}
	l->pid = 0;
	l->fd = fd;
	l->unlock = true;
	return t->fn(l, t->arg, t->err);
}

int
vm_lease_take_over(struct vm_lockmgr *lm, const char *resource, enum vm_lease_mode mode, pid_t pid,
		   vm_lease_fn *fn, void *arg, struct vm_error *err)
{
	struct take_over t = { lm, resource, mode, fn, arg, err };
	struct vm_lease *l;
	int r;

	if (lm->drv->take_back) {
		if (!(l = lease_new(lm, resource, mode, err)))
			return -1;
		l->pid = 0;
		r = lm->drv->take_back(lm, l, pid, err);
		if (r != 0) {
			vm_lease_release(l);
			return r < 0 ? -1 : 0;
		}
		return fn(l, arg, err);
	}
	if (!lm->drv->take_over)
		return 0;
	return lm->drv->take_over(lm, resource, pid, adopt, &t, err);
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

int
vm_lease_hand_to(struct vm_lockmgr *lm, struct vm_lease *lease, pid_t pid, struct vm_error *err)
{
	int r;

	if (!lm->drv->hand_to || lease->pid || lease->lost)
		return 1;
	r = lm->drv->hand_to(lm, lease, pid, err);
	if (r == 0)
		lease->pid = pid;
	if (r == VM_LOCK_BUSY)
		return conflict(lm, lease->resource, NULL, err);
	return r;
}

bool
vm_lease_held(const struct vm_lease *lease)
{
	return !lease->lost;
}

enum vm_lease_mode
vm_lease_mode(const struct vm_lease *lease)
{
	return lease->mode;
}

const char *
vm_lease_resource(const struct vm_lease *lease)
{
	return lease->resource;
}

pid_t
vm_lease_pid(const struct vm_lease *lease)
{
	return lease->pid;
}

int
vm_lease_fd(const struct vm_lease *lease)
{
	return lease->fd;
}

void
vm_lease_keep(struct vm_lease *lease)
{
	if (lease->drv->keep)
		lease->drv->keep(lease);
}

void
vm_lease_release(struct vm_lease *lease)
{
	if (!lease)
		return;
	if (lease->drv->release)
		lease->drv->release(lease);
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

bool
vm_lockmgr_registers(const struct vm_lockmgr *lm)
{
	return lm->drv->child_register != NULL;
}

int
vm_lockmgr_child_register(struct vm_lockmgr *lm, const char *name, int *fd, char *msg, size_t size)
{
	return lm->drv->child_register(lm, name, fd, msg, size);
}

int
vm_lockmgr_child_seal(struct vm_lockmgr *lm, int fd, bool watch, char *msg, size_t size)
{
	return lm->drv->child_seal(fd, watch, msg, size);
}
