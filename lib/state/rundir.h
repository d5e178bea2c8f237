/*
 * Per-domain run state in RUNDIR/domains/NAME/:
 *   lock      byte 0: held (write) by a command changing the domain, so
 *             commands on one domain serialise
 *   alive     read-locked by QEMU through an inherited fd for as long as
 *             it lives. A file of its own: QEMU can lock any byte of a
 *             file it has an fd of, and a lock on the command byte would
 *             make its domain wait for ever; on this file, a lock of
 *             QEMU's can only say that QEMU is alive, which it is.
 *   pid       written by the QEMU child itself between fork and exec
 *   qmp.sock  QMP monitor, bound by vm-start and inherited by QEMU
 *   qemu.log  QEMU's stderr and the commands' log lines (kept)
 *   domain.xml the domain as started, written once by vm-start
 *   status.json (status.h)
 * The lock file and log outlive the domain so that waiting commands and
 * people reading the log are never surprised by a vanished file.
 */
#ifndef VM_RUNDIR_H
#define VM_RUNDIR_H

#include <stdbool.h>
#include <sys/types.h>
#include "paths.h"
#include "error.h"

struct vm_domlock {
	char *name;
	int dirfd;	/* RUNDIR/domains/NAME */
	int fd;		/* lock file, byte 0 write-locked */
};

/*
 * Takes the domain lock of NAME, waiting up to WAIT_MS (-1 forever).
 * Without CREATE a domain that has no directory is VM_EXIT_NO with the
 * message "domain 'NAME' is not running".
 */
int vm_rundir_lock(const struct vm_paths *paths, const char *name, bool create,
		   int wait_ms, struct vm_domlock **dl, struct vm_error *err);
void vm_rundir_unlock(struct vm_domlock *dl);

/* Opens the domain dir without locking, for readers such as vm-status. */
int vm_rundir_open(const struct vm_paths *paths, const char *name, struct vm_error *err);

/* QEMU of this domain is alive: its liveness file is locked. */
bool vm_rundir_alive(int dirfd);
/* A command works on it: byte 0 is held (by the caller's own domain lock too). */
bool vm_rundir_busy(int dirfd);

/*
 * An open of the liveness file with a read lock on it, for QEMU to
 * inherit (CLOEXEC cleared by the spawn). Closing it in the parent keeps
 * QEMU's lock.
 */
int vm_rundir_liveness_fd(struct vm_domlock *dl, struct vm_error *err);

/*
 * A pidfd of this domain's QEMU, or -1. Open it while QEMU is surely
 * alive (before asking it to quit): an exiting QEMU no longer shows the
 * liveness file among its fds, so its pid cannot be verified any more.
 */
int vm_rundir_qemu_pidfd(int dirfd);

/*
 * Waits until QEMU is gone (liveness free), up to TIMEOUT_MS (-1 forever),
 * and then, when PIDFD is not -1, until it has released every file.
 * 0 when gone, -1 with VM_EXIT_NO on timeout.
 */
int vm_rundir_wait_exit(struct vm_domlock *dl, int pidfd, int timeout_ms,
			struct vm_error *err);

/*
 * QEMU's pid: from the pid file, verified to hold this domain's liveness
 * file, else (pid file lost or damaged) the process that holds it; 0 if
 * none.
 */
pid_t vm_rundir_qemu_pid(int dirfd);

/* Writes the pid file; async-signal-safe, for the child before exec. */
int vm_rundir_write_pid_raw(int dirfd, pid_t pid);

/* Writes domain.xml (atomically, 0600). */
int vm_rundir_write_domain(struct vm_domlock *dl, const char *xml, size_t len,
			   struct vm_error *err);

/* Removes pid, qmp.sock and domain.xml; missing files are fine. */
int vm_rundir_remove_runtime(struct vm_domlock *dl, struct vm_error *err);

/*
 * Whether QEMU's last run ended with the guest powering off: qemu.log
 * has, after vm-start's last "starting domain" line, QEMU's trace of a
 * shutdown request caused by the guest. QEMU writes that log, so this
 * is what QEMU says, good for showing a state and nothing more.
 */
bool vm_rundir_powered_off(int dirfd);

/* Appends a timestamped line to qemu.log. */
void vm_rundir_log(int dirfd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
