/*
 * The TPM of a domain (<tpm>, lib/model/tpm.h) as vm-start brings it up
 * (not in session mode): swtpm, run before QEMU as QEMU's own uid with
 * no capabilities, with
 * its state in STATEDIR/UUID (VM_SWTPM_STATE_DIR), a directory owned
 * like a disk: the exclusive lease "tpm:UUID" (which QEMU and swtpm
 * both inherit, so it lasts while either runs) and QEMU's uid while the
 * domain runs, root's once it stopped.
 *
 * A state without tpm2-00.permall is manufactured first, as libvirt
 * does: swtpm_setup, run like swtpm (QEMU's uid, no capabilities, the
 * lease kept), makes the EKs with their certificates and a platform
 * certificate (what Windows 11's setup looks for), signed by a local CA
 * of this TPM's own, kept in the state's localca/ subdirectory.
 *
 * swtpm's control channel is one end of a socket pair vm-start makes;
 * QEMU inherits the other (dom->tpms[0].fd) and hands swtpm its data
 * channel over it, so nothing is reached by name. swtpm runs with
 * --terminate: when QEMU ends, however it ends, the channel closes and
 * swtpm exits, and with it the lease.
 *
 * vm_swtpm_giveback() ends what is left: it waits for the lease (swtpm
 * exiting), chowns the state back to root and removes it unless
 * persistent_state='yes'.
 *
 *	if (vm_swtpm_lease(lm, uuid, &lease, &err) < 0) ...   (QEMU inherits it too)
 *	struct vm_swtpm_ctx c = { uuid, uid, gid, log_fd, vm_lease_fd(lease) };
 *	if (vm_swtpm_make_state(&c, dom, &err) < 0) ...
 *	    (a driver without fds: taken for c.early's pid, spawn.h)
 *	if (vm_swtpm_start(&c, dom, &pid, &err) < 0) ...
 *	... spawn QEMU, keeping dom->tpms[0].fd; then close it ...
 */
#ifndef VM_SWTPM_H
#define VM_SWTPM_H

#include <stdbool.h>
#include <sys/types.h>
#include "domain.h"
#include "lock.h"
#include "spawn.h"
#include "error.h"

#define VM_SWTPM_STATE_DIR "/var/lib/vmkit/swtpm"
#define VM_SWTPM_PATH "/usr/bin/swtpm"

struct vm_swtpm_ctx {
	const char *uuid;
	uid_t uid; /* QEMU's: swtpm runs as it, without supplementary groups */
	gid_t gid;
	int log_fd;   /* swtpm's stdout and stderr */
	int lease_fd; /* of "tpm:UUID", which swtpm holds too; -1: none */
	/* swtpm's child, forked before the lease was taken for it (a driver
	 * that ties leases to a process; spawn.h), or NULL */
	struct vm_spawn_early *early;
};

/* Takes the lease "tpm:UUID" into *LEASE (NULL without a lock manager). */
int vm_swtpm_lease(struct vm_lockmgr *lm, const char *uuid, struct vm_lease **lease,
		   struct vm_error *err);

/* Makes the state of DOM's TPM, if it has one, ready for swtpm:
 * manufactured when new, all of it QEMU's uid's. */
int vm_swtpm_make_state(const struct vm_swtpm_ctx *c, const struct vm_domain *dom,
			struct vm_error *err);
/* Starts swtpm for DOM's TPM, if it has one, on that state into *PID;
 * sets dom->tpms[0].fd. */
int vm_swtpm_start(const struct vm_swtpm_ctx *c, struct vm_domain *dom, pid_t *pid,
		   struct vm_error *err);
/* QEMU's end of the channel, once QEMU has its copy. */
void vm_swtpm_close(struct vm_domain *dom);
/* The pid of the swtpm that runs on the state of UUID, or 0: for a record that is lost. */
pid_t vm_swtpm_find(const char *uuid);
/*
 * After QEMU: waits up to WAIT_MS for swtpm (PID) to let go of the
 * lease, and with FORCE kills it if it still has it; then gives the
 * state back, all of it (whatever QEMU's uid made in it, never through
 * a symlink). With LM NULL the caller holds the lease (a start undone).
 */
int vm_swtpm_giveback(struct vm_lockmgr *lm, const char *uuid, pid_t pid, bool persistent,
		      bool force, int wait_ms, struct vm_error *err);

#endif
