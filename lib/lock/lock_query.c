/*
 * Looking at leases from outside: the state of one, of a domain's, of
 * all in the lockspace, and garbage collection (vm-lock, vm-status).
 */
#include "holders.h"
#include "cleanup.h"
#include "exitcodes.h"
#include "rundir.h"
#include "status.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
vm_lease_query_domain(struct vm_lockmgr *lm, const char *name, vm_lease_info_fn *fn,
		      void *arg, struct vm_error *err)
{
	struct vm_error e = VM_ERROR_INIT;
	cleanup_close int dirfd = -1;
	struct vm_status *st = NULL;
	struct holders h = { 0 };
	char uuid[sizeof(VM_LEASE_UUID_PREFIX) + sizeof(st->uuid)];
	int r = 0;

	dirfd = vm_rundir_open(&lm->paths, name, &e);
	if (dirfd >= 0 && vm_status_read(dirfd, &st, &e) < 0 && e.code != VM_EXIT_NO)
		vm_error_prefix(&e, "domain '%s'", name);
	if (!st) {
		/* No run state: the domain holds nothing. */
		if (e.code == VM_EXIT_NO)
			return 0;
		if (err)
			*err = e;
		return -1;
	}
	holders_load(lm, &h);
	/* each disk's own file, then its backing files, each by path and
	 * identity; then the uuid */
	for (size_t i = 0; i <= st->ndisks && r >= 0; i++) {
		const struct vm_status_disk *d = i < st->ndisks ? &st->disks[i] : NULL;

		for (size_t k = 0; d && k <= d->nbacking && r >= 0; k++) {
			const struct vm_status_disk *f = k ? &d->backing[k - 1] : d;

			if (!f->lease || !f->path)
				continue;
			r = query_one(lm, &h, f->path, fn, arg, err);
			if (r >= 0 && f->identity)
				r = query_one(lm, &h, f->identity, fn, arg, err);
		}
		if (!d && st->uuid[0]) {
			snprintf(uuid, sizeof(uuid), VM_LEASE_UUID_PREFIX "%s", st->uuid);
			r = query_one(lm, &h, uuid, fn, arg, err);
		}
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
