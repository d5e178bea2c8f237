/*
 * Lock driver interface, private to the lock manager (lockmgr.c,
 * lease.c) and the drivers (lock_nop.c, lock_file.c, lock_sanlock.c).
 *
 * The manager owns everything that does not depend on how a lease is
 * held: picking the driver from lock_manager, the lease objects, asking
 * the holders function who holds a resource, and every message of a
 * conflict. A driver only takes, probes, drops and removes locks.
 *
 * Operations that can meet another holder return 0 on success, -1 with
 * ERR filled on failure, and VM_LOCK_BUSY (without touching ERR) when
 * the lock is held elsewhere or the wait ran out; the manager then
 * words the conflict, naming the holder when it can.
 *
 * Who holds a lease. A lease is taken for one of two holders, told by
 * lease->pid:
 *  - 0: this process, and the program that a child of it execs (QEMU at
 *    vm-start, vm-lock run's command). The lease is taken before the
 *    fork, so that a conflict is reported before anything changes.
 *  - a pid: that running process (a disk hotplugged into QEMU;
 *    vm_lockmgr_set_pid()).
 * The file driver's lock belongs to an open file description, so both
 * are one operation to it: it locks an fd here, which the child
 * inherits (the spawner clears O_CLOEXEC) or which the caller passes to
 * the running process (QMP add-fd); lease->fd is that fd.
 *
 * A driver whose leases a registered process holds (sanlock) maps so
 * (lock_sanlock.c does):
 *  - open/close: what the daemon needs (joining is join, below).
 *  - acquire, pid 0: take the lease for this process's registration;
 *    lease->fd is -1, nothing to inherit or pass. A child cannot inherit
 *    it: the daemon ties a lease to the registered pid (QEMU's must be
 *    the one it sees) and refuses a second holder on one host (-EEXIST).
 *    So the child that execs QEMU (or swtpm) is forked first and
 *    registers (child_register), and its leases are taken for its pid,
 *    below.
 *  - acquire, a pid: acquire on that registered pid's behalf; fd -1.
 *  - hand_to: a lease of this process's for a running pid, where the
 *    file driver passes the fd: release here and acquire for the pid,
 *    free for a moment in between. A hotplug takes its leases for
 *    itself and hands them over once the disk or MAC is recorded, so
 *    that a command killed before leaves no lease that nothing records.
 *  - release: release this process's lease, or release on behalf of
 *    lease->pid unless that process keeps it (keep).
 *  - meta_lock: a lease of its own on a second resource; the fd to
 *    close is the registered connection.
 *  - probe, scan: inquire the daemon and read the owners of the leases.
 *  - inquire: the daemon's inquire of PID, which answers for one of
 *    its connections: the child holds all on one connection.
 *  - take_over: a lease cannot change process: release on PID's
 *    behalf, then acquire for this process; unlike the file driver's, the
 *    lease is free for a moment in between, which the driver must say
 *    (take_back).
 *  - gc: fails: a file no host holds may be taken at any moment.
 */
#ifndef VM_LOCK_DRIVER_H
#define VM_LOCK_DRIVER_H

#include "lock.h"
#include "paths.h"

#define VM_LOCK_BUSY 1

typedef int vm_lock_scan_fn(const char *id, const char *resource, enum vm_lease_state state,
			    void *arg);

struct vm_lock_driver {
	bool active; /* false: nothing is locked (nop) */

	/* Opens what the driver needs (lockspace, daemon). NULL, and NULL
	 * close: nothing. */
	int (*open)(struct vm_lockmgr *lm, const struct vm_conf *conf, struct vm_error *err);
	void (*close)(struct vm_lockmgr *lm);

	/* The content lease LEASE->resource in LEASE->mode, for LEASE->pid
	 * (see above), waiting up to WAIT_MS (0: not at all, -1: forever).
	 * Fills lease->fd, or leaves it -1; the manager fills the rest. */
	int (*acquire)(struct vm_lockmgr *lm, struct vm_lease *lease, int wait_ms,
		       struct vm_error *err);
	/* Explicit <lease>: byte OFFSET of the file PATH, exclusively,
	 * without waiting. */
	int (*acquire_byte)(struct vm_lockmgr *lm, struct vm_lease *lease, const char *path,
			    unsigned long long offset, struct vm_error *err);
	/* Turns the shared content lease LEASE exclusive in place; on a
	 * conflict it stays shared. NULL: nothing to turn. */
	int (*upgrade)(struct vm_lockmgr *lm, struct vm_lease *lease, struct vm_error *err);
	/* Drops what LEASE holds beyond its fd, which the manager closes
	 * next: an adopted lease's lock (lease->unlock), for every holder.
	 * Cannot fail. NULL: closing the fd is enough. */
	void (*release)(struct vm_lease *lease);
	/* The metadata lock of RESOURCE, waiting up to WAIT_MS: fills *FD
	 * with the fd to close for unlock. */
	int (*meta_lock)(struct vm_lockmgr *lm, const char *resource, int wait_ms, int *fd,
			 struct vm_error *err);

	/* The id (lease file name) of RESOURCE. NULL: vm_lease_hash(). */
	void (*id)(struct vm_lockmgr *lm, const char *resource, char id[65]);
	/* The state of RESOURCE's content lease, without creating anything. */
	int (*probe)(struct vm_lockmgr *lm, const char *resource, enum vm_lease_state *state,
		     struct vm_error *err);
	/* Calls FN for every lease in the lockspace, in no particular order;
	 * RESOURCE is NULL when the lease does not record it. A negative
	 * return of FN stops the scan and is returned. */
	int (*scan)(struct vm_lockmgr *lm, vm_lock_scan_fn *fn, void *arg, struct vm_error *err);
	/* As scan, for the leases that the running process PID holds (its
	 * own, as a disk's lease passed to QEMU). NULL: none can be told. */
	int (*inquire)(struct vm_lockmgr *lm, pid_t pid, vm_lock_scan_fn *fn, void *arg,
		       struct vm_error *err);
	/* Makes the lease on RESOURCE that the running process PID holds
	 * this process's too, without its being free in between: calls FN
	 * with each fd that carries it (FN owns the fd, even when it fails).
	 * None when PID does not hold it. NULL: nothing can be taken over. */
	int (*take_over)(struct vm_lockmgr *lm, const char *resource, pid_t pid,
			 int (*fn)(int fd, void *arg), void *arg, struct vm_error *err);
	/* Removes the leases nobody holds; *REMOVED counts them. NULL:
	 * nothing to remove. */
	int (*gc)(struct vm_lockmgr *lm, unsigned *removed, struct vm_error *err);

	/* A lease that the running process lease->pid keeps: release no
	 * longer lets go of it for that process. NULL: it never does. */
	void (*keep)(struct vm_lease *lease);
	/* Hands LEASE, this process's, to the running PID: releases it here
	 * and takes it for PID, with nothing of this host taking it in
	 * between. VM_LOCK_BUSY when PID could not take it (another host
	 * took it, or PID is gone) and it is this process's again; -1 with
	 * ERR, lease->lost set when it could not be taken back. NULL: the
	 * caller passes lease->fd instead (vm_lease_hand_to). */
	int (*hand_to)(struct vm_lockmgr *lm, struct vm_lease *lease, pid_t pid,
		       struct vm_error *err);
	/* take_over for a driver whose leases cannot be shared: releases
	 * the running PID's lease on lease->resource and takes it for this
	 * process, free for a moment in between; 1 when PID holds none or
	 * another took it in between. NULL: take_over applies. */
	int (*take_back)(struct vm_lockmgr *lm, struct vm_lease *lease, pid_t pid,
			 struct vm_error *err);

	/* A lockspace that each host joins once (vm-lock join): join it and
	 * wait until joined, leave it, or tell whether this host has joined.
	 * NULL: the driver has none. */
	int (*join)(struct vm_lockmgr *lm, struct vm_error *err);
	int (*leave)(struct vm_lockmgr *lm, struct vm_error *err);
	int (*joined)(struct vm_lockmgr *lm, bool *joined, struct vm_error *err);
	/* Fills BUF with another host that holds RESOURCE and returns 1, or
	 * returns 0. NULL: none can be told. */
	int (*holder)(struct vm_lockmgr *lm, const char *resource, char *buf, size_t size);

	/* For a driver whose leases a registered process holds, run in a
	 * child forked to exec QEMU of domain NAME (or swtpm, NAME NULL;
	 * lock.h): child_register, before any lease is taken for its pid,
	 * registers it on *FD with what the daemon runs when this host
	 * loses them; child_seal, just before exec, forbids the program to
	 * take or let go of anything on FD and, with WATCH, leaves a watcher
	 * of the daemon. 0, or -1 with MSG. NULL: leases pass by fd. */
	int (*child_register)(struct vm_lockmgr *lm, const char *name, int *fd, char *msg,
			      size_t size);
	int (*child_seal)(int fd, bool watch, char *msg, size_t size);
};

struct vm_lockmgr {
	const struct vm_lock_driver *drv;
	struct vm_paths paths;	      /* our own copy: fd dup'ed, rundir strdup'ed */
	int meta_timeout;	      /* seconds */
	char *owner_name;	      /* vm_lockmgr_set_owner(), or NULL */
	pid_t pid;		      /* vm_lockmgr_set_pid(), or 0 */
	vm_lease_holders_fn *holders; /* vm_lockmgr_set_holders(), or NULL */
	char *space;		      /* lockspace path, for messages and listings */
	int space_fd;		      /* lockspace directory, or -1 */
	/* RUNDIR/leases, for resources that mean something on this host
	 * only, when lock_space is elsewhere; else NULL and -1 */
	char *local_space;
	int local_fd;
	void *priv; /* the driver's */
};

struct vm_lease {
	const struct vm_lock_driver *drv;
	char *resource; /* resource, or the path of an explicit lease */
	enum vm_lease_mode mode;
	pid_t pid;   /* the holder: 0 for this process and its child */
	int fd;	     /* carries the lock; -1 when none does */
	bool unlock; /* adopted: unlock on release, for every holder */
	bool lost;   /* a failed hand_to could not take it back */
	void *priv;  /* the driver's */
};

/* Lease file name for RESOURCE: hex SHA-256, 65 bytes with the NUL. */
void vm_lease_hash(const char *resource, char out[65]);

/*
 * The names of the best-ranked holders that claim RESOURCE (lockmgr.c),
 * strdup'ed, the manager's owner left out. -1 only when out of memory.
 */
int vm_lockmgr_holders(struct vm_lockmgr *lm, const char *resource, char ***names, size_t *n);
void vm_lockmgr_holders_free(char **names, size_t n);

extern const struct vm_lock_driver vm_lock_nop;
extern const struct vm_lock_driver vm_lock_file;
#ifdef HAVE_SANLOCK
extern const struct vm_lock_driver vm_lock_sanlock;
#endif

#endif
