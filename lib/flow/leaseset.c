#include "leaseset.h"
#include "exitcodes.h"

#include <errno.h>
#include <stdlib.h>

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

void
vm_leaseset_keep(struct vm_leaseset *set)
{
	for (size_t i = 0; i < set->n; i++)
		vm_lease_keep(set->v[i]);
}
