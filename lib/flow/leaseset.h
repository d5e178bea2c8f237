/*
 * The leases one command holds for QEMU to inherit or to be handed over
 * QMP: taken one by one as disks are acquired (disks.h), passed as fds,
 * and released together once QEMU holds its own copies, or on failure.
 *
 *	struct vm_leaseset held = { 0 };
 *	if (vm_leaseset_add(&held, lease, &err) < 0) ...
 *	int *fds = vm_leaseset_fds(&held, 0, &n);
 *	...
 *	vm_leaseset_release(&held);
 */
#ifndef VM_LEASESET_H
#define VM_LEASESET_H

#include <stddef.h>
#include "lock.h"
#include "error.h"

/* Leases this process holds for QEMU to inherit. */
struct vm_leaseset {
	struct vm_lease **v;
	size_t n;
};

int vm_leaseset_add(struct vm_leaseset *set, struct vm_lease *lease, struct vm_error *err);
/* The fds to pass to QEMU, with EXTRA free slots at the end; N gets
 * the count of lease fds. The caller frees. */
int *vm_leaseset_fds(const struct vm_leaseset *set, size_t extra, size_t *n);
void vm_leaseset_release(struct vm_leaseset *set);
/* The running process they were taken for keeps them (vm_lease_keep()). */
void vm_leaseset_keep(struct vm_leaseset *set);

#endif
