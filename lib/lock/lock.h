/*
 * Lock manager: leases on disks and domains, behind a driver chosen by
 * lock_manager in vmkit.conf ("file", the default, or "nop"; the driver
 * interface is lock_driver.h). It knows leases, not domains: whoever
 * knows the local domains names the holders (vm_lockmgr_set_holders).
 *
 * With the file driver a lease is held through an open file description
 * (OFD locks), so it passes to QEMU across fork/exec or over a unix
 * socket and is freed by the kernel when the last holder dies. Two
 * leases on one resource in one process conflict like any other pair.
 *
 *	struct vm_lockmgr *lm = NULL;
 *	vm_lockmgr_open(&conf, &paths, &lm, &err);
 *	vm_lockmgr_set_holders(lm, vm_holders_load);	   (holders.h)
 *	struct vm_lease *l = NULL;
 *	if (vm_lease_acquire(lm, canon_path, VM_LEASE_EXCLUSIVE, 0, &l, &err) < 0)
 *		... err.code == VM_EXIT_NO: held elsewhere
 *	fd = vm_lease_fd(l);		   keep it open across exec for QEMU
 *	vm_lease_release(l);		   closes this process's handle
 *	vm_lockmgr_close(lm);
 *
 * A conflict is VM_EXIT_NO with the message "disk '/path' is in use by
 * domain 'NAME'" (when the holders function names NAME as holding it),
 * "... in use by host N" (when the driver can tell another host holds
 * it: sanlock) or "... in use by another host or process"; for a "uuid:" resource it
 * reads "domain uuid 'UUID' is in use by ...", and for a "tpm:" one "the
 * TPM state of domain uuid 'UUID' is in use by ...". Of the holders that claim
 * a resource, those of the highest rank are named (see struct
 * vm_lease_holder); the manager's owner never is.
 *
 * The file driver keeps one lease file per resource in the lockspace
 * (lock_space, or RUNDIR/leases), named by the hex SHA-256 of the
 * resource (vm_lease_info.id); the leases of resources that mean
 * something on this host only (vm_lease_local()) stay in RUNDIR/leases
 * whatever lock_space says, and listings and gc cover both directories. Byte 0 is the content
 *lease, byte 1 the metadata lock. The file holds the resource and a newline, so that listings can
 *name it. Lease fds are O_CLOEXEC: whoever execs a holder (QEMU, vm-lock run's command) clears the
 *flag in the child for the fds it must keep.
 *
 * The nop driver locks nothing: leases have fd -1 and no id, the
 * metadata lock is an fd of /dev/null (so that callers close it like any
 * other), listings are empty, probes say "free" and gc removes nothing.
 *
 * The sanlock driver (lock_sanlock.c, in builds with libsanlock_client)
 * keeps one sanlock lease per resource in sanlock_lease_dir, in the
 * lockspace that this host joined (vm_lockmgr_join). A lease belongs to
 * the process that took it, so leases have fd -1: QEMU's are taken for
 * its child, forked and registered first (vm_lockmgr_registers), as
 * swtpm's, and vm-lock run's command, the same process, keeps them
 * across exec. The metadata lock's fd is a daemon
 * connection of its own, or for a resource of this host only an OFD
 * lock in RUNDIR/sanlock.guard. Probes read the
 * owners from the storage; listings cover sanlock_lease_dir; gc fails
 * (VM_EXIT_INVALID: a file no host holds may be taken at any moment);
 * the leases a running process holds are the daemon's answer for its
 * pid, and are taken over by letting them go for it first
 * (vm_lease_take_over).
 */
#ifndef VM_LOCK_H
#define VM_LOCK_H

#include <stdbool.h>
#include <sys/types.h>
#include "conf.h"
#include "paths.h"
#include "error.h"

/* The resource of a domain's UUID lease is this prefix and the UUID. */
#define VM_LEASE_UUID_PREFIX "uuid:"
/* ... and of its uid from user_range, this prefix and the decimal uid. */
#define VM_LEASE_UID_PREFIX "uid:"
/* ... and of each interface's MAC, this prefix and the MAC in lower case. */
#define VM_LEASE_MAC_PREFIX "mac:"
/* ... and of the console of its serial port N (vm-console), this prefix,
 * the UUID, a colon and N. */
#define VM_LEASE_CONSOLE_PREFIX "console:"
/* ... and of each display's TCP port, this prefix and the decimal port:
 * a port is this host's, so its lease stays local (vm_lease_local()). */
#define VM_LEASE_PORT_PREFIX "port:"
/* ... and of the state of its TPM (swtpm), this prefix and the UUID. */
#define VM_LEASE_TPM_PREFIX "tpm:"
/* Resources that name a file by what it is on this host only: an
 * inode, or a block device's numbers (disk_identity.h makes them, and
 * spells the prefixes again, as the lock manager includes no host code). */
#define VM_LEASE_INODE_PREFIX "inode:"
#define VM_LEASE_BLOCKDEV_PREFIX "blockdev:"

enum vm_lease_mode { VM_LEASE_SHARED, VM_LEASE_EXCLUSIVE };
enum vm_lease_state { VM_LEASE_FREE, VM_LEASE_HELD_SHARED, VM_LEASE_HELD_EXCLUSIVE };

struct vm_lease;
struct vm_lockmgr;

/*
 * Picks the driver from conf->lock_manager: NULL or "file", "nop", or
 * "sanlock" (in builds with it); others are VM_EXIT_INVALID. The file driver opens
 * the lockspace, creating it 0700 when missing (a configured lock_space
 * must be an absolute path, and is not followed when it is a symlink).
 * LM keeps its own copy of PATHS.
 */
int vm_lockmgr_open(const struct vm_conf *conf, const struct vm_paths *paths,
		    struct vm_lockmgr **lm, struct vm_error *err);
void vm_lockmgr_close(struct vm_lockmgr *lm);
/* LM's copy of the PATHS it was opened with. */
const struct vm_paths *vm_lockmgr_paths(const struct vm_lockmgr *lm);
/* false for the nop driver: nothing is locked */
bool vm_lockmgr_active(const struct vm_lockmgr *lm);
/* The lockspace directory, or NULL when the driver has none (nop). */
const char *vm_lockmgr_space(const struct vm_lockmgr *lm);
/*
 * The lockspace that each host joins once before it takes leases, for a
 * driver that has one (sanlock: sanlock_lockspace with this host's
 * sanlock_host_id; vm-lock join). Without a joined lockspace every
 * lease fails with VM_EXIT_SYSTEM, "... run 'vm-lock join' first".
 * vm_lockmgr_join makes the lockspace in the lease directory when it is
 * missing, and waits until this host has joined (about 3 io timeouts);
 * vm_lockmgr_leave fails with VM_EXIT_NO while this host holds leases.
 * For other drivers both are VM_EXIT_INVALID, and vm_lockmgr_joined
 * says true.
 */
bool vm_lockmgr_has_lockspace(const struct vm_lockmgr *lm);
int vm_lockmgr_join(struct vm_lockmgr *lm, struct vm_error *err);
int vm_lockmgr_leave(struct vm_lockmgr *lm, struct vm_error *err);
int vm_lockmgr_joined(struct vm_lockmgr *lm, bool *joined, struct vm_error *err);

/*
 * Whether the driver ties leases to a registered process (sanlock), so
 * that QEMU's (and swtpm's) must be taken for its pid: its child is
 * forked before them and calls vm_lockmgr_child_register at once, which
 * registers it on *FD (kept across exec), with what the daemon runs
 * when this host loses the leases of domain NAME (vm-lockfailure, as
 * on_lockfailure says; NULL: nothing, for swtpm, which ends with QEMU),
 * and vm_lockmgr_child_seal(FD) just before exec, after which the
 * program can take or let go of nothing on it; with WATCH, a watcher
 * that ends it when the daemon dies (lock_sanlock.c). 0, or -1 with MSG.
 */
bool vm_lockmgr_registers(const struct vm_lockmgr *lm);
int vm_lockmgr_child_register(struct vm_lockmgr *lm, const char *name, int *fd, char *msg,
			      size_t size);
int vm_lockmgr_child_seal(struct vm_lockmgr *lm, int fd, bool watch, char *msg, size_t size);

/* Whether RESOURCE means something on this host only ("inode:",
 * "blockdev:", "port:"), so that its lease must not go to a shared lockspace. */
bool vm_lease_local(const char *resource);

/*
 * Who holds a lease, as far as this host can tell, for messages and
 * listings only (the locks decide). NAME claims to hold RESOURCE; of
 * several claims on one resource, those of the highest RANK are named.
 * RANK is the caller's: for domains, 2 when its QEMU is alive and 1 when
 * a command is starting or stopping it.
 */
struct vm_lease_holder {
	char *name;
	char *resource;
	int rank;
};

/*
 * Fills *V (malloc'ed, each string too; the manager frees them) with
 * the claims of the holders under PATHS's run directory. Best effort: a
 * claim that cannot be read is left out, and a failure is no claims.
 */
typedef void vm_lease_holders_fn(const struct vm_paths *paths, struct vm_lease_holder **v,
				 size_t *n);

/* The function that names holders; without one, no holder is named. */
void vm_lockmgr_set_holders(struct vm_lockmgr *lm, vm_lease_holders_fn *fn);

/*
 * The domain this manager takes leases for (vm-start, vm-stop): a
 * conflict never names it as the holder, even when the holders
 * function says it holds the disk (its own status file lists it).
 */
int vm_lockmgr_set_owner(struct vm_lockmgr *lm, const char *name, struct vm_error *err);
/*
 * Leases taken from now on, until PID is set back to 0, are for the
 * running process PID (a disk hotplugged into QEMU) rather than for this
 * process and the program a child of it execs. With the file driver
 * both are an fd that the caller hands on (vm_lease_fd()); a driver
 * whose leases a process holds takes them on PID's behalf
 * (lock_driver.h).
 */
void vm_lockmgr_set_pid(struct vm_lockmgr *lm, pid_t pid);
/*
 * Content lease (byte 0) on RESOURCE, a canonical disk path or
 * "uuid:<uuid>". WAIT_MS 0 fails at once on a conflict (VM_EXIT_NO);
 * N > 0 waits up to N ms first; -1 waits forever. Waiting sleeps in
 * F_OFD_SETLKW, interrupted by a timer signal (SIGALRM, whose handler is
 * restored afterwards).
 */
int vm_lease_acquire(struct vm_lockmgr *lm, const char *resource, enum vm_lease_mode mode,
		     int wait_ms, struct vm_lease **lease, struct vm_error *err);
/*
 * An exclusive content lease on RESOURCE if it is free: returns 0 with
 * *LEASE, or 1 when it is held, at once and without looking for the
 * holder, for callers that try one resource after another.
 */
int vm_lease_try(struct vm_lockmgr *lm, const char *resource, struct vm_lease **lease,
		 struct vm_error *err);
/* As vm_lease_acquire, for the identity RESOURCE (see disk_identity.h)
 * of disk NAME: a conflict reads "disk 'NAME' (RESOURCE) is in use by
 * ...". */
int vm_lease_acquire_named(struct vm_lockmgr *lm, const char *resource, const char *name,
			   enum vm_lease_mode mode, int wait_ms, struct vm_lease **lease,
			   struct vm_error *err);
/* Explicit <lease>: byte OFFSET of the file PATH, exclusively. PATH
 * must exist (VM_EXIT_INVALID otherwise); a conflict fails at once. */
int vm_lease_acquire_byte(struct vm_lockmgr *lm, const char *path, unsigned long long offset,
			  struct vm_lease **lease, struct vm_error *err);
/*
 * Makes a shared content lease exclusive without letting go of it: on a
 * conflict (VM_EXIT_NO, worded as for an acquire) it stays shared.
 */
int vm_lease_upgrade(struct vm_lockmgr *lm, struct vm_lease *lease, struct vm_error *err);
/*
 * Takes over the lease on RESOURCE, in MODE, that the running process
 * PID holds: calls FN with each lease of this process that carries it
 * (FN owns it, even when it fails), never free in between; none when
 * PID does not hold it or the driver cannot take it over. With the file
 * driver these are copies of PID's fds (pidfd_getfd), and their
 * vm_lease_release() unlocks the lease for PID too. With sanlock the
 * lease is released for PID and taken for this process, free for a
 * moment in between: none when another host took it then.
 */
typedef int vm_lease_fn(struct vm_lease *lease, void *arg, struct vm_error *err);
int vm_lease_take_over(struct vm_lockmgr *lm, const char *resource, enum vm_lease_mode mode,
		       pid_t pid, vm_lease_fn *fn, void *arg, struct vm_error *err);
/*
 * Hands LEASE, this process's, to the running process PID (a disk or
 * a MAC hotplugged into QEMU, once its record is written), for a
 * driver whose leases belong to a registered process (sanlock): the
 * lease is released here and taken for PID, free for a moment in
 * between (nothing of this host takes it then). 0 when handed (its
 * vm_lease_pid() is PID then), 1 when the driver has nothing to hand
 * (the file driver passes vm_lease_fd() instead), -1 with ERR when it
 * could not be handed: VM_EXIT_NO when another host took it in between
 * or PID is gone. The lease is then this process's again, or, when it
 * could not be taken back, held by nobody here (vm_lease_held()).
 */
int vm_lease_hand_to(struct vm_lockmgr *lm, struct vm_lease *lease, pid_t pid,
		     struct vm_error *err);
/* false for a lease that a failed hand_to lost (above) */
bool vm_lease_held(const struct vm_lease *lease);
/* The resource the lease was taken on. */
const char *vm_lease_resource(const struct vm_lease *lease);
/* The mode it was taken in. */
enum vm_lease_mode vm_lease_mode(const struct vm_lease *lease);
/* The running process the lease is for: the one it was taken for
 * (vm_lockmgr_set_pid) or handed to (vm_lease_hand_to); 0 for this
 * process and the program a child of it execs. */
pid_t vm_lease_pid(const struct vm_lease *lease);
/* The fd that carries the lock, to be inherited by a child or passed to
 * the running holder; -1 when there is none to hand on (nop driver). */
int vm_lease_fd(const struct vm_lease *lease);
/* Closes this process's handle; the lock lives on in other holders. A
 * lease taken for a running process (vm_lockmgr_set_pid) that the
 * driver ties to that process (sanlock) is let go for it too, unless
 * vm_lease_keep() said that it keeps it (a hotplug that succeeded). */
void vm_lease_release(struct vm_lease *lease);
void vm_lease_keep(struct vm_lease *lease);

/*
 * Metadata lock (byte 1) on RESOURCE, held while labels change. Waits up
 * to metadata_lock_timeout seconds without busy-waiting, then fails with
 * VM_EXIT_NO: "timed out after N s waiting for the metadata lock of
 * 'RESOURCE'". Returns an fd (O_CLOEXEC) to close for unlock.
 */
int vm_lease_meta_lock(struct vm_lockmgr *lm, const char *resource, struct vm_error *err);

/* What a lease looks like from outside, for vm-lock. */
struct vm_lease_info {
	char id[65];	/* lease file name; empty when unknown */
	char *resource; /* NULL when the lease file does not name it */
	enum vm_lease_state state;
	char **holders; /* named by the holders function, best rank */
	size_t nholders;
};

void vm_lease_info_clear(struct vm_lease_info *info);
/* "free", "shared" or "exclusive" */
const char *vm_lease_state_name(enum vm_lease_state state);

/* The state of RESOURCE's content lease. Creates no lease file. */
int vm_lockmgr_query(struct vm_lockmgr *lm, const char *resource, struct vm_lease_info *info,
		     struct vm_error *err);

/*
 * Iterators: call FN for each lease; INFO is valid during the call only.
 * A negative return from FN stops the walk and is returned.
 * vm_lockmgr_query_each queries the N RESOURCES in their order, asking
 * for the holders once. vm_lockmgr_list walks the lockspace, sorted by
 * resource, with leases whose file does not name its resource last.
 */
typedef int vm_lease_info_fn(const struct vm_lease_info *info, void *arg);
int vm_lockmgr_query_each(struct vm_lockmgr *lm, const char *const *resources, size_t n,
			  vm_lease_info_fn *fn, void *arg, struct vm_error *err);
int vm_lockmgr_list(struct vm_lockmgr *lm, vm_lease_info_fn *fn, void *arg, struct vm_error *err);
/* As vm_lockmgr_list, for the leases that the running process PID
 * holds, with no holders named. */
int vm_lockmgr_inquire(struct vm_lockmgr *lm, pid_t pid, vm_lease_info_fn *fn, void *arg,
		       struct vm_error *err);

/*
 * Removes the lease files that nobody holds, each only while holding the
 * whole file exclusively. Safe against a concurrent acquire, which
 * re-checks the inode after locking. *REMOVED counts them. With sanlock
 * it fails with VM_EXIT_INVALID and removes nothing.
 */
int vm_lockmgr_gc(struct vm_lockmgr *lm, unsigned *removed, struct vm_error *err);

#endif
