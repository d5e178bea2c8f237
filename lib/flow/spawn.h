/*
 * Fork and exec QEMU (or a helper of its, such as swtpm) without
 * privileges. The child starts its own session, writes its own pid file
 * (so the pid is on disk even if the parent dies right after fork),
 * keeps only stdin (/dev/null), its log on stdout/stderr and the fds in
 * KEEP, clears every capability and the bounding set with libcap-ng,
 * changes to UID/GID, sets no_new_privs and execs ARGV with ENVP as its
 * whole environment, from cwd '/' with umask 077. A failure in the
 * child reaches the parent through a CLOEXEC pipe as a clear message,
 * VM_EXIT_SYSTEM unless PREPARE says it is a plain "no". The child says
 * when it is about to exec, so that one killed before (the pipe closed
 * with no word) is not taken for an exec: it is reaped and reported,
 * VM_EXIT_SYSTEM.
 */
#ifndef VM_SPAWN_H
#define VM_SPAWN_H

#include <sched.h>
#include <stdbool.h>
#include <sys/types.h>
#include "error.h"

struct vm_spawn {
	char *const *argv;
	char *const *envp; /* the whole environment, never the caller's */
	int dirfd;	   /* domain run dir: pid file; -1: none (a helper) */
	int log_fd;	   /* stdout and stderr */
	const int *keep;   /* fds QEMU inherits (leases, liveness, monitor) */
	size_t nkeep;
	bool change_id; /* false in session mode: stay who we are */
	uid_t uid;
	gid_t gid;
	const gid_t *groups; /* supplementary groups of UID */
	size_t ngroups;
	const cpu_set_t *affinity; /* the CPUs QEMU may run on; NULL: the caller's */
	/* Run in the child as root, after its fds are set and before it
	 * writes the pid file (a lock driver's acquire for QEMU, lock.h's
	 * hand-off): 0, or -1 with MSG, and *NO for VM_EXIT_NO rather than
	 * VM_EXIT_SYSTEM. NULL: nothing. */
	int (*prepare)(void *arg, bool *no, char *msg, size_t size);
	void *prepare_arg;
};

int vm_spawn_qemu(const struct vm_spawn *sp, pid_t *pid, struct vm_error *err);

/*
 * QEMU's child forked before its argv and fds exist, so that a lock
 * driver's leases can be taken for its pid from the first (lock.h's
 * vm_lockmgr_registers). It runs HOLD at once, as root, with no fd but
 * its own, and waits: HOLD's *FD is kept across exec. vm_spawn_early_exec
 * hands it SP, fds included (the numbers SP's argv names are kept), and
 * it goes on as vm_spawn_qemu's child, with SEAL(FD) as PREPARE (one
 * that ends before exec is reaped there, and E's pid becomes 0).
 * vm_spawn_early_end lets go of it: a child that has not exec'd exits,
 * one that failed only then (its leases held while the caller undid its
 * start), and the parent waits for it. A parent that dies has the same
 * effect.
 */
struct vm_spawn_hold {
	int (*hold)(void *arg, int *fd, char *msg, size_t size);
	int (*seal)(void *arg, int fd, char *msg, size_t size);
	void *arg;
};
struct vm_spawn_early {
	int ctl; /* our end of the socket pair, or -1 */
	pid_t pid;
	bool exec; /* it exec'd: it is QEMU */
};
int vm_spawn_early(const struct vm_spawn_hold *h, struct vm_spawn_early *e, struct vm_error *err);
int vm_spawn_early_exec(struct vm_spawn_early *e, const struct vm_spawn *sp, pid_t *pid,
			struct vm_error *err);
void vm_spawn_early_end(struct vm_spawn_early *e);

/*
 * Resolves the QEMU user and group (names or numbers) to ids and the
 * user's supplementary groups. GROUP NULL means the user's primary group.
 */
int vm_spawn_resolve_ids(const char *user, const char *group, uid_t *uid, gid_t *gid,
			 gid_t **groups, size_t *ngroups, struct vm_error *err);

#endif
