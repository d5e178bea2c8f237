/*
 * A domain's run directory, RUNDIR/domains/NAME/, and the one place that
 * knows the names of its files:
 *   lock      byte 0: held (write) by a command changing the domain, so
 *             commands on one domain serialise
 *   alive     read-locked by QEMU through an inherited fd for as long as
 *             it lives. A file of its own: QEMU can lock any byte of a
 *             file it has an fd of, and a lock on the command byte would
 *             make its domain wait for ever; on this file, a lock of
 *             QEMU's can only say that QEMU is alive, which it is.
 *   pid       written by the QEMU child itself between fork and exec
 *   qmp.sock  QMP monitor, bound by vm-start and inherited by QEMU
 *   vnc.sock  the VNC display of a <graphics> that listens on a socket,
 *             bound by vm-start (mode 0600, its user's) and handed to
 *             QEMU over QMP
 *   spice/    QEMU's own (mode 0700): its SPICE server binds spice.sock
 *             in it, which vm-start then gives to its user, mode 0600
 *   qemu.log  QEMU's stderr and the commands' log lines (kept)
 *   domain.xml the domain as started, written once by vm-start
 *   status.json the run state, whose records status.h encodes; set aside
 *             as status.json.damaged by vm-stop --force when it is not
 *             vmkit's
 *   lockfailure why this host's lock manager ended or paused QEMU (it
 *             lost its leases), one line written by vm-lockfailure
 *   console.N the pid of the vm-console session that holds the console
 *             lease of serial port N (written once it holds it)
 * Each is written atomically (paths.h: a ".NAME.tmp" renamed into place)
 * or appended to, and opened below the directory's fd, never followed
 * through a symlink. The lock file and log outlive the domain so that
 * waiting commands and people reading the log are never surprised by a
 * vanished file.
 */
#ifndef VM_RUNDIR_H
#define VM_RUNDIR_H

#include <stdbool.h>
#include <sys/types.h>
#include "paths.h"
#include "error.h"

struct vm_qmp;

struct vm_domlock {
	char *name;
	int dirfd; /* RUNDIR/domains/NAME */
	int fd;	   /* lock file, byte 0 write-locked */
};

/*
 * Takes the domain lock of NAME, waiting up to WAIT_MS (-1 forever).
 * Without CREATE a domain that has no directory is VM_EXIT_NO with the
 * message "domain 'NAME' is not running".
 */
int vm_rundir_lock(const struct vm_paths *paths, const char *name, bool create, int wait_ms,
		   struct vm_domlock **dl, struct vm_error *err);
void vm_rundir_unlock(struct vm_domlock *dl);

/* Opens the domain dir without locking, for readers such as vm-status. */
int vm_rundir_open(const struct vm_paths *paths, const char *name, struct vm_error *err);

/*
 * Opens RUNDIR/domains, whose entries are the domains' directories, to
 * list them; when there is none yet, -1 with errno ENOENT.
 */
int vm_rundir_open_all(const struct vm_paths *paths, struct vm_error *err);

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
int vm_rundir_wait_exit(struct vm_domlock *dl, int pidfd, int timeout_ms, struct vm_error *err);

/*
 * QEMU's pid: from the pid file, verified to hold this domain's liveness
 * file, else (pid file lost or damaged) the process that holds it; 0 if
 * none.
 */
pid_t vm_rundir_qemu_pid(int dirfd);

/* Writes the pid file; async-signal-safe, for the child before exec. */
int vm_rundir_write_pid_raw(int dirfd, pid_t pid);

/*
 * The record of the vm-console session PID that holds the console of
 * serial port PORT. Only a name for messages and for --force: a reader
 * checks that the process holds the lease before it believes it.
 */
int vm_rundir_write_console(int dirfd, unsigned port, pid_t pid, struct vm_error *err);
/* The pid it records, or 0 when there is none. */
pid_t vm_rundir_console_pid(int dirfd, unsigned port);
/* The pid it records while that process is a vm-console, or 0: a name
 * for listings, which do not ask the lock manager. */
pid_t vm_rundir_console_session(int dirfd, unsigned port);
/* Removes it if it still names PID (a session taken over leaves the
 * taker's alone). */
void vm_rundir_remove_console(int dirfd, unsigned port, pid_t pid);

/*
 * The lock failure record: REASON, a line for vm-status, written
 * atomically; and the line it holds, into OUT of SIZE (false when there
 * is none). vm-stop removes it with the runtime files.
 */
int vm_rundir_write_lockfailure(int dirfd, const char *reason, struct vm_error *err);
bool vm_rundir_lockfailure(int dirfd, char *out, size_t size);

/* Writes domain.xml (atomically, 0600). */
int vm_rundir_write_domain(struct vm_domlock *dl, const char *xml, size_t len,
			   struct vm_error *err);

/*
 * Removes pid, qmp.sock, vnc.sock, spice/, domain.xml, lockfailure and
 * the guest agent's socket (at its <source path> too); missing files
 * are fine.
 */
int vm_rundir_remove_runtime(struct vm_domlock *dl, struct vm_error *err);

/*
 * The status file. DECODE gets its text (NUL-terminated) and fills ARG;
 * it returns 0, -1 when the text is no status, or -ENOMEM. A missing
 * file is VM_EXIT_NO with errno ENOENT; one that DECODE refuses is
 * VM_EXIT_SYSTEM naming the file.
 */
typedef int vm_rundir_decode_fn(const char *text, size_t len, void *arg);
int vm_rundir_read_status(int dirfd, vm_rundir_decode_fn *decode, void *arg, struct vm_error *err);
/* Replaces it atomically. A text too long for vm_rundir_read_status()
 * is VM_EXIT_INVALID, and the file is left as it was. */
int vm_rundir_write_status(int dirfd, const char *text, size_t len, struct vm_error *err);
/* A missing file is fine. */
int vm_rundir_remove_status(int dirfd, struct vm_error *err);
/*
 * Sets a status file that cannot be read aside for the admin, under the
 * name *KEPT, replacing an earlier one, so that the domain can be
 * cleaned up without it.
 */
int vm_rundir_quarantine_status(struct vm_domlock *dl, const char **kept, struct vm_error *err);

/*
 * The QMP monitor socket, made listening before QEMU runs (vm-start
 * hands it over), so that commands can connect at once, with no polling.
 */
int vm_rundir_qmp_listen(int dirfd, struct vm_error *err);
/*
 * The VNC display's socket, made listening with mode 0600 (no one but
 * the caller's user connects: a display is a console), replacing one
 * left by an earlier run.
 */
int vm_rundir_vnc_listen(int dirfd, struct vm_error *err);
/* Its name in the directory, for the status record. */
extern const char vm_rundir_vnc_name[];
/*
 * The guest agent's socket (channel.h), VM_CHANNEL_AGENT in the
 * directory, made the same way: mode 0600, the caller's.
 */
int vm_rundir_agent_listen(int dirfd, struct vm_error *err);
/*
 * The guest agent's socket at PATH, a <source path> (channel.h), made
 * the same way, in a directory that must exist, not be a symlink, and be
 * its owner's alone (root's or the caller's), or VM_EXIT_INVALID. An
 * earlier run's socket there is replaced; a file that is no socket is
 * VM_EXIT_INVALID, and a socket a process listens on VM_EXIT_NO. The
 * directory records which socket it made, and vm_rundir_remove_runtime()
 * removes that one only.
 */
int vm_rundir_agent_listen_path(int dirfd, const char *path, struct vm_error *err);

/*
 * The directory spice/, made anew (mode 0700, and owned by UID:GID when
 * CHOWN) for QEMU to bind its SPICE socket in: an O_PATH fd of it, which
 * QEMU inherits and reaches as /proc/self/fd/N.
 */
int vm_rundir_spice_dir(int dirfd, bool chown, uid_t uid, gid_t gid, struct vm_error *err);
/* The socket's name in spice/, and its path from the domain's directory. */
extern const char vm_rundir_spice_sock[];
extern const char vm_rundir_spice_path[];
/*
 * Gives the socket that QEMU, running as QEMU_UID, bound in the spice/
 * of SPICE_DIRFD to the caller's user, mode 0600: it must be a socket
 * of QEMU_UID's, and nothing is followed through a symlink.
 */
int vm_rundir_spice_claim(int spice_dirfd, uid_t qemu_uid, struct vm_error *err);

/* Connects to the monitor of the domain's QEMU (qmp.h). */
int vm_rundir_qmp_connect(int dirfd, int timeout_ms, struct vm_qmp **qmp, struct vm_error *err);

/*
 * Whether QEMU's last run ended with the guest powering off: qemu.log
 * has, after vm-start's last "starting domain" line, QEMU's trace of a
 * shutdown request caused by the guest. QEMU writes that log, so this
 * is what QEMU says, good for showing a state and nothing more.
 */
bool vm_rundir_powered_off(int dirfd);

/* Appends a timestamped line to qemu.log. */
void vm_rundir_log(int dirfd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The log's name in the directory, for messages that send people to it. */
extern const char vm_rundir_log_name[];

/* An fd appending to qemu.log, for QEMU's stdout and stderr. */
int vm_rundir_log_open(struct vm_domlock *dl, struct vm_error *err);

/*
 * The last line of qemu.log from offset FROM on, into OUT of SIZE; false
 * when there is none.
 */
bool vm_rundir_log_tail(int dirfd, off_t from, char *out, size_t size);

#endif
