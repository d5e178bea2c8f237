/*
 * The lock manager: opening it on a driver, and looking at leases from
 * outside (the state of one, of many, of all in the lockspace, with
 * their holders), and garbage collection (vm-lock, vm-status, vm-stop).
 * lease.c takes and drops leases.
 */
#include "lock_driver.h"
#include "exitcodes.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
vm_lockmgr_open(const struct vm_conf *conf, const struct vm_paths *paths, struct vm_lockmgr **out,
		struct vm_error *err)
{
	const char *name = conf->lock_manager ? conf->lock_manager : "file";
	const struct vm_lock_driver *drv;
	struct vm_lockmgr *lm;

	if (strcmp(name, "file") == 0)
		drv = &vm_lock_file;
	else if (strcmp(name, "nop") == 0)
		drv = &vm_lock_nop;
#ifdef HAVE_SANLOCK
	else if (strcmp(name, "sanlock") == 0)
		drv = &vm_lock_sanlock;
#else
	else if (strcmp(name, "sanlock") == 0)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "lock manager 'sanlock' is not in this build: install libsanlock-dev and build vmkit again");
#endif
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

void
vm_lockmgr_set_pid(struct vm_lockmgr *lm, pid_t pid)
{
	lm->pid = pid;
}

void
vm_lockmgr_set_holders(struct vm_lockmgr *lm, vm_lease_holders_fn *fn)
{
	lm->holders = fn;
}

const struct vm_paths *
vm_lockmgr_paths(const struct vm_lockmgr *lm)
{
	return &lm->paths;
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

bool
vm_lockmgr_has_lockspace(const struct vm_lockmgr *lm)
{
	return lm->drv->join != NULL;
}

static int
no_lockspace(struct vm_error *err)
{
	return vm_error_set(err, VM_EXIT_INVALID,
			    "this lock manager has no lockspace to join or leave (only lock_manager = \"sanlock\" has)");
}

int
vm_lockmgr_join(struct vm_lockmgr *lm, struct vm_error *err)
{
	return lm->drv->join ? lm->drv->join(lm, err) : no_lockspace(err);
}

int
vm_lockmgr_leave(struct vm_lockmgr *lm, struct vm_error *err)
{
	return lm->drv->leave ? lm->drv->leave(lm, err) : no_lockspace(err);
}

int
vm_lockmgr_joined(struct vm_lockmgr *lm, bool *joined, struct vm_error *err)
{
	*joined = true;
	return lm->drv->joined ? lm->drv->joined(lm, joined, err) : 0;
}

/* The claims of the holders but the owner's, asked for once per look. */
struct holders {
	struct vm_lease_holder *v;
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
holders_load(struct vm_lockmgr *lm, struct holders *h)
{
	size_t k = 0;

	h->v = NULL;
	h->n = 0;
	if (!lm->holders)
		return;
	lm->holders(&lm->paths, &h->v, &h->n);
	/* a conflict never names the domain the leases are taken for */
	for (size_t i = 0; i < h->n; i++) {
		if (lm->owner_name && strcmp(h->v[i].name, lm->owner_name) == 0) {
			free(h->v[i].name);
			free(h->v[i].resource);
			continue;
		}
		h->v[k++] = h->v[i];
	}
	h->n = k;
}

/* The names of the best-ranked holders that claim RESOURCE; strdup'ed. */
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

int
vm_lockmgr_holders(struct vm_lockmgr *lm, const char *resource, char ***names, size_t *n)
{
	struct holders h;
	int r;

	holders_load(lm, &h);
	r = holders_find(&h, resource, names, n);
	holders_free(&h);
	return r;
}

void
vm_lockmgr_holders_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
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

/* RESOURCE's lease file name, as the driver names it. */
static void
lease_id(struct vm_lockmgr *lm, const char *resource, char id[65])
{
	if (lm->drv->id)
		lm->drv->id(lm, resource, id);
	else
		vm_lease_hash(resource, id);
}

static int
query(struct vm_lockmgr *lm, const struct holders *h, const char *resource,
      struct vm_lease_info *info, struct vm_error *err)
{
	memset(info, 0, sizeof(*info));
	if (lm->drv->active)
		lease_id(lm, resource, info->id);
	info->resource = strdup(resource);
	if (!info->resource)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot check '%s'", resource);
	if (lm->drv->probe(lm, resource, &info->state, err) < 0 || info_holders(info, h, err) < 0) {
		vm_lease_info_clear(info);
		return -1;
	}
	return 0;
}

int
vm_lockmgr_query(struct vm_lockmgr *lm, const char *resource, struct vm_lease_info *info,
		 struct vm_error *err)
{
	struct holders h;
	int r;

	holders_load(lm, &h);
	r = query(lm, &h, resource, info, err);
	holders_free(&h);
	return r;
}

struct infos {
	struct vm_lockmgr *lm;
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
		lease_id(in->lm, resource, check);
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

/* The leases of the lockspace (PID 0) or those PID holds, sorted, with
 * their holders only in the lockspace's. */
static int
walk(struct vm_lockmgr *lm, pid_t pid, vm_lease_info_fn *fn, void *arg, struct vm_error *err)
{
	struct infos in = { .lm = lm };
	struct holders h = { 0 };
	int r = 0;

	if (pid)
		r = lm->drv->inquire ? lm->drv->inquire(lm, pid, collect, &in, err) : 0;
	else
		r = lm->drv->scan(lm, collect, &in, err);
	if (r < 0) {
		if (in.nomem)
			vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot list the leases");
		infos_free(&in);
		return -1;
	}
	if (in.n) {
		if (!pid)
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
vm_lockmgr_list(struct vm_lockmgr *lm, vm_lease_info_fn *fn, void *arg, struct vm_error *err)
{
	return walk(lm, 0, fn, arg, err);
}

int
vm_lockmgr_inquire(struct vm_lockmgr *lm, pid_t pid, vm_lease_info_fn *fn, void *arg,
		   struct vm_error *err)
{
	return walk(lm, pid, fn, arg, err);
}

static int
query_one(struct vm_lockmgr *lm, struct holders *h, const char *resource, vm_lease_info_fn *fn,
	  void *arg, struct vm_error *err)
{
	struct vm_lease_info info;
	int r = query(lm, h, resource, &info, err);

	if (r < 0)
		return r;
	r = fn(&info, arg);
	vm_lease_info_clear(&info);
	return r;
}

int
vm_lockmgr_query_each(struct vm_lockmgr *lm, const char *const *resources, size_t n,
		      vm_lease_info_fn *fn, void *arg, struct vm_error *err)
{
	struct holders h;
	int r = 0;

	holders_load(lm, &h);
	for (size_t i = 0; i < n && r >= 0; i++)
		r = query_one(lm, &h, resources[i], fn, arg, err);
	holders_free(&h);
	return r < 0 ? r : 0;
}

int
vm_lockmgr_gc(struct vm_lockmgr *lm, unsigned *removed, struct vm_error *err)
{
	unsigned n = 0;
	int r = lm->drv->gc ? lm->drv->gc(lm, &n, err) : 0;

	if (removed)
		*removed = n;
	return r;
}
