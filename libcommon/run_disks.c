#include "run_disks.h"
#include "cleanup.h"
#include "exitcodes.h"
#include "paths.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int
vm_leaseset_add(struct vm_leaseset *set, struct vm_lease *lease, struct vm_error *err)
{
	struct vm_lease **v = realloc(set->v, (set->n + 1) * sizeof(*v));

	if (!v) {
		vm_lease_release(lease);
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot hold a lease");
	}
	v[set->n++] = lease;
	set->v = v;
	return 0;
}

int *
vm_leaseset_fds(const struct vm_leaseset *set, size_t extra, size_t *n)
{
	int *fds = calloc(set->n + extra + 1, sizeof(*fds));

	*n = 0;
	if (!fds)
		return NULL;
	for (size_t i = 0; i < set->n; i++)
		if (vm_lease_fd(set->v[i]) >= 0)
			fds[(*n)++] = vm_lease_fd(set->v[i]);
	return fds;
}

void
vm_leaseset_release(struct vm_leaseset *set)
{
	for (size_t i = 0; i < set->n; i++)
		vm_lease_release(set->v[i]);
	free(set->v);
	set->v = NULL;
	set->n = 0;
}

int
vm_disk_acquire(struct vm_lockmgr *lm, const struct vm_conf *conf,
		const struct vm_disk *disk, struct vm_status_disk *rec,
		struct vm_leaseset *held, struct vm_error *err)
{
	struct vm_lease *lease = NULL;

	memset(rec, 0, sizeof(*rec));
	rec->target = disk->target;
	if (!disk->source)
		return 0;
	if (vm_paths_canonical(disk->source, &rec->path, err) < 0)
		return -1;
	rec->mode = disk->readonly || disk->shareable ? VM_LEASE_SHARED : VM_LEASE_EXCLUSIVE;
	if (!conf->auto_disk_leases || !vm_lockmgr_active(lm))
		return 0;
	if (vm_lease_acquire(lm, rec->path, rec->mode, 0, &lease, err) < 0)
		return -1;
	rec->lease = true;
	return vm_leaseset_add(held, lease, err);
}

int
vm_disk_giveback(struct vm_lockmgr *lm, const struct vm_conf *conf,
		 const struct vm_status_disk *rec, vm_warn_fn warn,
		 struct vm_error *err)
{
	struct vm_lease *lease = NULL;
	struct vm_error lerr = VM_ERROR_INIT;

	if (!rec->path || !rec->lease)
		return 0;
	if (vm_lease_acquire(lm, rec->path, rec->mode, 0, &lease, &lerr) < 0) {
		if (lerr.code != VM_EXIT_NO)
			return vm_error_set(err, lerr.code, "%s", lerr.msg);
		if (rec->labelled)
			warn("%s; leaving its owner as it is", lerr.msg);
		return 0;
	}
	vm_lease_release(lease);
	return 0;
}
