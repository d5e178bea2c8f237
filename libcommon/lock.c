/*
 * Lock manager: the driver-independent half. See lock.h and lock_driver.h.
 */
#include "lock_driver.h"
#include "cleanup.h"
#include "exitcodes.h"
#include "state.h"
#include "status.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <nettle/sha2.h>

#define UUID_PREFIX "uuid:"

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
	.name = "nop",
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
	free(lm->owner_uuid);
	free(lm->space);
	free(lm);
}

int
vm_lockmgr_set_owner(struct vm_lockmgr *lm, const char *name, const char *uuid,
		     struct vm_error *err)
{
	char *n = strdup(name);
	char *u = uuid ? strdup(uuid) : NULL;

	if (!n || (uuid && !u)) {
		free(n);
		free(u);
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot set the lease owner");
	}
	free(lm->owner_name);
	free(lm->owner_uuid);
	lm->owner_name = n;
	lm->owner_uuid = u;
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

int
vm_lockmgr_child(struct vm_lockmgr *lm)
{
	return lm->drv->child_hook ? lm->drv->child_hook(lm) : 0;
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

/* ---- who holds what, from the local domains' status files ---- */

struct holder {
	char *name;
	char *resource;
	int rank;	/* 2: its QEMU is alive; 1: a command is starting or stopping it */
};

struct holders {
	struct holder *v;
	size_t n;
};

static void
holders_free(struct holders *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->v[i].name);
		free(h->v[i].resource);
	}
	free(h->v);
	h->v = NULL;
	h->n = 0;
}

static void
holders_add(struct holders *h, const char *name, const char *resource, int rank)
{
	struct holder *v = realloc(h->v, (h->n + 1) * sizeof(*v));
	struct holder *e;

	if (!v)
		return;
	h->v = v;
	e = &v[h->n];
	e->name = strdup(name);
	e->resource = strdup(resource);
	e->rank = rank;
	if (!e->name || !e->resource) {
		free(e->name);
		free(e->resource);
		return;
	}
	h->n++;
}

/*
 * Best effort: the holder only makes a message more helpful, so a
 * status file that cannot be read names nobody. A domain whose QEMU is
 * dead and that no command is working on holds nothing, whatever its
 * stale status file says.
 */
static void
holders_load(struct vm_lockmgr *lm, struct holders *h)
{
	int dfd = vm_paths_subdir(lm->paths.fd, "domains", false, NULL);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	struct dirent *de;

	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return;
	}
	while ((de = readdir(d))) {
		cleanup_close int dirfd = -1;
		struct vm_status *st = NULL;
		char uuid[sizeof(UUID_PREFIX) + sizeof(st->uuid)];
		int rank;

		if (de->d_name[0] == '.' ||
		    (lm->owner_name && strcmp(de->d_name, lm->owner_name) == 0))
			continue;
		dirfd = vm_paths_subdir(dfd, de->d_name, false, NULL);
		if (dirfd < 0 || vm_status_read(dirfd, &st, NULL) < 0)
			continue;
		rank = vm_state_alive(dirfd) ? 2 : st->state != VM_RUN_RUNNING ? 1 : 0;
		if (rank > 0) {
			if (st->uuid[0]) {
				snprintf(uuid, sizeof(uuid), UUID_PREFIX "%s", st->uuid);
				holders_add(h, de->d_name, uuid, rank);
			}
			for (size_t i = 0; i < st->ndisks; i++)
				if (st->disks[i].lease && st->disks[i].path)
					holders_add(h, de->d_name, st->disks[i].path, rank);
		}
		vm_status_free(st);
	}
	closedir(d);
}

/* The names of the best-ranked domains that list RESOURCE; strdup'ed. */
static int
holders_find(const struct holders *h, const char *resource, char ***names, size_t *n)
{
	int best = 0;
	char **v;

	*names = NULL;
	*n = 0;
	for (size_t i = 0; i < h->n; i++)
		if (h->v[i].rank > best && strcmp(h->v[i].resource, resource) == 0)
			best = h->v[i].rank;
	if (!best)
		return 0;
	v = calloc(h->n, sizeof(*v));
	if (!v)
		return -1;
	for (size_t i = 0; i < h->n; i++) {
		bool dup = false;

		if (h->v[i].rank != best || strcmp(h->v[i].resource, resource) != 0)
			continue;
		for (size_t j = 0; j < *n; j++)
			dup = dup || strcmp(v[j], h->v[i].name) == 0;
		if (dup)
			continue;
		v[*n] = strdup(h->v[i].name);
		if (!v[*n])
			break;
		(*n)++;
	}
	*names = v;
	return 0;
}

static bool
is_uuid(const char *resource)
{
	return strncmp(resource, UUID_PREFIX, strlen(UUID_PREFIX)) == 0;
}

/* The conflict message; the holder comes from the status files. */
static int
conflict(struct vm_lockmgr *lm, const char *resource, struct vm_error *err)
{
	struct holders h = { 0 };
	char **names = NULL;
	size_t n = 0;
	const char *uuid = resource + strlen(UUID_PREFIX);

	holders_load(lm, &h);
	holders_find(&h, resource, &names, &n);
	if (is_uuid(resource) && n)
		vm_error_set(err, VM_EXIT_NO, "domain uuid '%s' is in use by domain '%s'", uuid,
			     names[0]);
	else if (is_uuid(resource))
		vm_error_set(err, VM_EXIT_NO,
			     "domain uuid '%s' is in use by another host or process", uuid);
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
	l->drv = lm->drv;
	l->mode = mode;
	l->fd = -1;
	return l;
}

int
vm_lease_acquire(struct vm_lockmgr *lm, const char *resource, enum vm_lease_mode mode,
		 int wait_ms, struct vm_lease **out, struct vm_error *err)
{
	struct vm_lease *l = lease_new(lm, resource, mode, err);
	int r;

	if (!l)
		return -1;
	if (lm->drv->active)
		vm_lease_hash(resource, l->id);
	r = lm->drv->acquire(lm, l, wait_ms, err);
	if (r != 0) {
		vm_lease_release(l);
		return r == VM_LOCK_BUSY ? conflict(lm, resource, err) : -1;
	}
	*out = l;
	return 0;
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
vm_lease_fd(const struct vm_lease *lease)
{
	return lease->fd;
}

const char *
vm_lease_id(const struct vm_lease *lease)
{
	return lease->id[0] ? lease->id : NULL;
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

/* ---- looking at leases from outside ---- */

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
	for (size_t i = 0; i < info->nholders; i++)
		free(info->holders[i]);
	free(info->holders);
	free(info->resource);
	memset(info, 0, sizeof(*info));
}

static int
info_holders(struct vm_lease_info *info, const struct holders *h, struct vm_error *err)
{
	if (info->state == VM_LEASE_FREE || !info->resource)
		return 0;
	if (holders_find(h, info->resource, &info->holders, &info->nholders) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot list the holders of '%s'",
				    info->resource);
	return 0;
}

static int
query(struct vm_lockmgr *lm, const struct holders *h, const char *resource,
      struct vm_lease_info *info, struct vm_error *err)
{
	memset(info, 0, sizeof(*info));
	if (lm->drv->active)
		vm_lease_hash(resource, info->id);
	info->resource = strdup(resource);
	if (!info->resource)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot check '%s'", resource);
	if (lm->drv->probe(lm, resource, &info->state, err) < 0 ||
	    info_holders(info, h, err) < 0) {
		vm_lease_info_clear(info);
		return -1;
	}
	return 0;
}

int
vm_lease_query(struct vm_lockmgr *lm, const char *resource, struct vm_lease_info *info,
	       struct vm_error *err)
{
	struct holders h = { 0 };
	int r;

	holders_load(lm, &h);
	r = query(lm, &h, resource, info, err);
	holders_free(&h);
	return r;
}

struct infos {
	struct vm_lease_info *v;
	size_t n;
	bool nomem;
};

static void
infos_free(struct infos *in)
{
	for (size_t i = 0; i < in->n; i++)
		vm_lease_info_clear(&in->v[i]);
	free(in->v);
}

static int
collect(const char *id, const char *resource, enum vm_lease_state state, void *arg)
{
	struct infos *in = arg;
	struct vm_lease_info *v, *info;
	char check[65];

	v = realloc(in->v, (in->n + 1) * sizeof(*v));
	if (!v)
		goto nomem;
	in->v = v;
	info = memset(&v[in->n], 0, sizeof(*info));
	snprintf(info->id, sizeof(info->id), "%s", id);
	info->state = state;
	/* Anyone who can write the lockspace can write a lease file; a
	 * resource that does not hash to the file's name is not believed. */
	if (resource) {
		vm_lease_hash(resource, check);
		if (strcmp(check, id) == 0 && !(info->resource = strdup(resource)))
			goto nomem;
	}
	in->n++;
	return 0;

nomem:
	in->nomem = true;
	return -1;
}

static int
by_resource(const void *a, const void *b)
{
	const struct vm_lease_info *x = a, *y = b;

	if (!x->resource || !y->resource) {
		if (x->resource || y->resource)
			return x->resource ? -1 : 1;
		return strcmp(x->id, y->id);
	}
	return strcmp(x->resource, y->resource);
}

int
vm_lockmgr_list(struct vm_lockmgr *lm, vm_lease_info_fn *fn, void *arg, struct vm_error *err)
{
	struct infos in = { 0 };
	struct holders h = { 0 };
	int r = 0;

	if (lm->drv->scan(lm, collect, &in, err) < 0) {
		if (in.nomem)
			vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot list the leases");
		infos_free(&in);
		return -1;
	}
	if (in.n) {
		holders_load(lm, &h);
		qsort(in.v, in.n, sizeof(*in.v), by_resource);
	}
	for (size_t i = 0; i < in.n && r >= 0; i++) {
		r = info_holders(&in.v[i], &h, err);
		if (r >= 0)
			r = fn(&in.v[i], arg);
	}
	holders_free(&h);
	infos_free(&in);
	return r < 0 ? r : 0;
}

int
vm_lease_query_domain(struct vm_lockmgr *lm, const char *name, vm_lease_info_fn *fn,
		      void *arg, struct vm_error *err)
{
	struct vm_error e = VM_ERROR_INIT;
	cleanup_close int dirfd = -1;
	struct vm_status *st = NULL;
	struct holders h = { 0 };
	char uuid[sizeof(UUID_PREFIX) + sizeof(st->uuid)];
	int r = 0;

	dirfd = vm_state_open_dir(&lm->paths, name, &e);
	if (dirfd < 0 || vm_status_read(dirfd, &st, &e) < 0) {
		/* No run state: the domain holds nothing. */
		if (e.code == VM_EXIT_NO)
			return 0;
		if (err)
			*err = e;
		return -1;
	}
	holders_load(lm, &h);
	for (size_t i = 0; i <= st->ndisks && r >= 0; i++) {
		struct vm_lease_info info;
		const char *resource;

		if (i < st->ndisks && (!st->disks[i].lease || !st->disks[i].path))
			continue;
		if (i < st->ndisks) {
			resource = st->disks[i].path;
		} else if (st->uuid[0]) {
			snprintf(uuid, sizeof(uuid), UUID_PREFIX "%s", st->uuid);
			resource = uuid;
		} else {
			break;
		}
		r = query(lm, &h, resource, &info, err);
		if (r < 0)
			break;
		r = fn(&info, arg);
		vm_lease_info_clear(&info);
	}
	holders_free(&h);
	vm_status_free(st);
	return r < 0 ? r : 0;
}

int
vm_lockmgr_gc(struct vm_lockmgr *lm, unsigned *removed, struct vm_error *err)
{
	unsigned n = 0;
	int r = lm->drv->gc(lm, &n, err);

	if (removed)
		*removed = n;
	return r;
}
