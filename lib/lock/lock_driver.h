/*
 * Lock driver interface, private to the lock manager (lock.c,
 * lock_query.c, lock_holders.c) and the drivers.
 *
 * The manager owns everything that does not depend on how a lease is
 * held: picking the driver from lock_manager, the lease objects, naming
 * the holder of a conflict from the domains' status files, and messages.
 * A driver only takes, probes and removes locks.
 *
 * Operations that can meet another holder return 0 on success, -1 with
 * ERR filled on failure, and VM_LOCK_BUSY (without touching ERR) when
 * the lock is held elsewhere or the wait ran out; lock.c then words the
 * conflict, naming the holder when it can.
 */
#ifndef VM_LOCK_DRIVER_H
#define VM_LOCK_DRIVER_H

#include "lock.h"
#include "paths.h"

#define VM_LOCK_BUSY 1

struct vm_lock_driver {
	bool active;	/* false: nothing is locked (nop) */

	int (*open)(struct vm_lockmgr *lm, const struct vm_conf *conf,
		    struct vm_error *err);
	void (*close)(struct vm_lockmgr *lm);

	/* Fills lease->fd (or -1); lock.c fills the rest. */
	int (*acquire)(struct vm_lockmgr *lm, struct vm_lease *lease, int wait_ms,
		       struct vm_error *err);
	int (*acquire_byte)(struct vm_lockmgr *lm, struct vm_lease *lease,
			    const char *path, unsigned long long offset,
			    struct vm_error *err);
	/* Turns the shared content lease LEASE exclusive in place; on a
	 * conflict it stays shared. NULL: nothing to turn. */
	int (*upgrade)(struct vm_lockmgr *lm, struct vm_lease *lease, struct vm_error *err);
	/* Fills *FD with the fd to close for unlock. */
	int (*meta_lock)(struct vm_lockmgr *lm, const char *resource, int wait_ms,
			 int *fd, struct vm_error *err);

	/* The state of RESOURCE's content lease, without creating anything. */
	int (*probe)(struct vm_lockmgr *lm, const char *resource,
		     enum vm_lease_state *state, struct vm_error *err);
	/* Calls FN for every lease in the lockspace, in no particular order;
	 * RESOURCE is NULL when the lease does not record it. */
	int (*scan)(struct vm_lockmgr *lm,
		    int (*fn)(const char *id, const char *resource,
			      enum vm_lease_state state, void *arg),
		    void *arg, struct vm_error *err);
	int (*gc)(struct vm_lockmgr *lm, unsigned *removed, struct vm_error *err);
};

struct vm_lockmgr {
	const struct vm_lock_driver *drv;
	struct vm_paths paths;	/* our own copy: fd dup'ed, rundir strdup'ed */
	int meta_timeout;	/* seconds */
	char *owner_name;	/* vm_lockmgr_set_owner(), or NULL */
	char *space;		/* lockspace path, for messages and listings */
	int space_fd;		/* lockspace directory, or -1 */
	/* RUNDIR/leases, for identities that mean something on this host
	 * only, when lock_space is elsewhere; else NULL and -1 */
	char *local_space;
	int local_fd;
};

struct vm_lease {
	char *resource;		/* resource, or the path of an explicit lease */
	enum vm_lease_mode mode;
	int fd;			/* carries the lock; -1 when none does */
	bool unlock;		/* adopted: unlock on release, for every holder */
};

extern const struct vm_lock_driver vm_lock_driver_file;

#endif
