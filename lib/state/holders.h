/*
 * Who holds which lease, as this host's domains say: the holders
 * function for the lock manager (vm_lockmgr_set_holders), and the
 * leases of one domain, both from the domains' status files. Only
 * messages and listings use them; the locks decide.
 *
 * A domain claims the leases its status file records (each disk file
 * with a lease, by path and by identity, "uuid:UUID", and "mac:MAC" of
 * each leased interface, "tpm:UUID" of its TPM) with rank 2
 * while its QEMU is alive, rank 1 while it is not running and a command
 * is starting or stopping it, and not at all otherwise, whatever a
 * stale status file says. The lease "console:UUID:N" of a running
 * domain's serial port N is claimed, rank 2, by the vm-console session
 * its record names while that process runs: "vm-console:PID@NAME".
 */
#ifndef VM_HOLDERS_H
#define VM_HOLDERS_H

#include "lock.h"

/* A vm_lease_holders_fn: the claims of every domain under PATHS. */
void vm_holders_load(const struct vm_paths *paths, struct vm_lease_holder **v, size_t *n);

/*
 * Calls FN for each lease that the status file of domain NAME (under
 * LM's run directory) lists (its
 * disks with a lease in status order, each path followed by its
 * identity, then "uuid:UUID", then "tpm:UUID", then each "mac:MAC"), as vm_lockmgr_query_each()
 * does; walks nothing when NAME has no run state.
 */
int vm_holders_query_domain(struct vm_lockmgr *lm, const char *name, vm_lease_info_fn *fn,
			    void *arg, struct vm_error *err);

#endif
