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
 *
 * A driver whose leases belong to a process rather than to an open file
 * (sanlock) records the resources in acquire and really takes them in
 * child_hook, in the QEMU child between fork and exec, much as libvirt's
 * plugin registers the child with the daemon there.
 */
#ifndef VM_LOCK_DRIVER_H
#define VM_LOCK_DRIVER_H

#include "lock.h"
#include "paths.h"

#define VM_LOCK_BUSY 1

struct vm_lock_driver {
	const char *name;
	bool active;	/* false: nothing is locked (nop) */

	int (*open)(struct vm_lockmgr *lm, const struct vm_conf *conf,
		    struct vm_error *err);
	void (*close)(struct vm_lockmgr *lm);

	/* Fills lease->fd (or -1) and lease->priv; lock.c fills the rest. */
	int (*acquire)(struct vm_lockmgr *lm, struct vm_lease *lease, int wait_ms,
		       struct vm_error *err);
	int (*acquire_byte)(struct vm_lockmgr *lm, struct vm_lease *lease,
			    const char *path, unsigned long long offset,
			    struct vm_error *err);
	/* Optional: frees lease->priv; lock.c closes lease->fd. */
	void (*release)(struct vm_lease *lease);
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

	/* Optional: see above. Async-signal-safe; returns 0 or -errno. */
	int (*child_hook)(struct vm_lockmgr *lm);
};

struct vm_lockmgr {
	const struct vm_lock_driver *drv;
	struct vm_paths paths;	/* our own copy: fd dup'ed, rundir strdup'ed */
	int meta_timeout;	/* seconds */
	char *owner_name;	/* vm_lockmgr_set_owner(), or NULL */
	char *owner_uuid;
	char *space;		/* lockspace path, for messages and listings */
	int space_fd;		/* lockspace directory, or -1 */
	void *priv;
};

struct vm_lease {
	const struct vm_lock_driver *drv;
	char *resource;		/* resource, or the path of an explicit lease */
	enum vm_lease_mode mode;
	char id[65];		/* lease file name; empty when there is none */
	int fd;			/* carries the lock; -1 when none does */
	void *priv;
};

extern const struct vm_lock_driver vm_lock_driver_file;

#endif
