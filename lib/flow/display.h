/*
 * The displays of a domain as vm-start brings them up (graphics.h is
 * what the XML says). Before QEMU runs, vm_display_open() makes where
 * each display listens:
 *   VNC    vm-start binds the socket itself: vnc.sock of the run
 *          directory (rundir.h: mode 0600, the caller's), or a TCP
 *          address and port.
 *   SPICE  QEMU's server binds its own, so vm-start makes it the
 *          directory spice/ (QEMU's, which it inherits as an fd), or
 *          leases a port and checks that it is free.
 * A port picked for autoport, and a fixed one, are leased as "port:N"
 * (lock.h), with the lease in HELD for QEMU to inherit as it does the
 * MAC and UUID leases, so that two domains starting at once never pick
 * one port; a port some other process has bound is passed over. Each
 * passwd goes in a sealed memfd that QEMU inherits and reads as a secret
 * object. Each display is recorded in the status.
 *
 * Once QEMU's monitor answers, and before the guest runs,
 * vm_display_hand_over() passes each VNC socket to QEMU (getfd, then
 * display-update) and gives the SPICE socket QEMU bound to the caller's
 * user, mode 0600; vm_display_close() closes vmkit's copies.
 *
 *	struct vm_display_ctx c = { lm, dirfd, change_id, uid, gid, &held, &st };
 *	struct vm_displays d = { 0 };
 *	if (vm_display_open(&c, dom, &d, &err) < 0) ...
 *	... spawn QEMU with d.runs (keeping their fds), connect to its monitor ...
 *	if (vm_display_hand_over(&c, dom, &d, qmp, timeout, &err) < 0) ...
 *	vm_display_close(&d);
 */
#ifndef VM_DISPLAY_H
#define VM_DISPLAY_H

#include <stdbool.h>
#include <sys/types.h>
#include "domain.h"
#include "leaseset.h"
#include "lock.h"
#include "qmp.h"
#include "status.h"
#include "error.h"

struct vm_display_ctx {
	struct vm_lockmgr *lm;
	int dirfd;	/* the domain's run directory */
	bool change_id; /* QEMU runs as UID:GID, not as the caller */
	uid_t uid;
	gid_t gid;
	struct vm_leaseset *held;
	struct vm_status *st;
};

struct vm_displays {
	int *listen_fds;	      /* VNC: one per graphics, -1 for SPICE */
	struct vm_graphics_run *runs; /* one per graphics, for the command line */
	size_t n;
};

int vm_display_open(const struct vm_display_ctx *c, const struct vm_domain *dom,
		    struct vm_displays *d, struct vm_error *err);
int vm_display_hand_over(const struct vm_display_ctx *c, const struct vm_domain *dom,
			 const struct vm_displays *d, struct vm_qmp *qmp, int timeout_ms,
			 struct vm_error *err);
/* The fds QEMU inherits (passwd memfds, SPICE directories) into KEEP, after *N of them. */
void vm_display_keep(const struct vm_displays *d, int *keep, size_t *n);
/* Closes what is open; D may be zeroed or half opened. */
void vm_display_close(struct vm_displays *d);

#endif
