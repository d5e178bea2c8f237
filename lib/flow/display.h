/*
 * The displays of a domain as vm-start brings them up (graphics.h is
 * what the XML says). Before QEMU runs, vm_display_open() binds each
 * display's listening socket itself: a unix socket of the run directory
 * (rundir.h: mode 0600, the caller's), or a TCP address and port. A
 * port picked for autoport, and a fixed one, are leased as "port:N"
 * (lock.h) in the lockspace, with the lease in HELD for QEMU to inherit
 * as it does the MAC and UUID leases, so that two domains starting at
 * once never pick one port; a port some other process has bound is
 * passed over. Each passwd goes in a sealed memfd that QEMU inherits and
 * reads as a secret object. Each display is recorded in the status.
 *
 * Once QEMU's monitor answers, and before the guest runs,
 * vm_display_hand_over() passes each socket to QEMU (getfd, then
 * display-update); vm_display_close() closes vmkit's copies.
 *
 *	struct vm_displays d = { 0 };
 *	if (vm_display_open(dom, lm, dirfd, &held, &st, &d, &err) < 0) ...
 *	... spawn QEMU keeping d.passwd_fds, and connect to its monitor ...
 *	if (vm_display_hand_over(dom, &d, qmp, timeout, &err) < 0) ...
 *	vm_display_close(&d);
 */
#ifndef VM_DISPLAY_H
#define VM_DISPLAY_H

#include "domain.h"
#include "leaseset.h"
#include "lock.h"
#include "qmp.h"
#include "status.h"
#include "error.h"

struct vm_displays {
	int *listen_fds; /* one per graphics of the domain */
	int *passwd_fds; /* one per graphics, -1 without a passwd */
	size_t n;
};

int vm_display_open(const struct vm_domain *dom, struct vm_lockmgr *lm, int dirfd,
		    struct vm_leaseset *held, struct vm_status *st, struct vm_displays *d,
		    struct vm_error *err);
int vm_display_hand_over(const struct vm_domain *dom, const struct vm_displays *d,
			 struct vm_qmp *qmp, int timeout_ms, struct vm_error *err);
/* Closes what is open; D may be zeroed or half opened. */
void vm_display_close(struct vm_displays *d);

#endif
