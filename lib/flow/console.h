/*
 * A session on a serial port of a running domain, for vm-console: this
 * process's input goes to the guest and the guest's output to its
 * output.
 *
 *	struct vm_console *c = NULL;
 *	if (vm_console_open(lm, paths, "web", &opts, &c, &err) < 0) ...
 *	r = vm_console_run(c, &res, &err);	the session, until it ends
 *	vm_console_close(c);
 *
 * The port is QEMU's chardev "charserialN", found with query-chardev: a
 * pty, opened at the /dev/pts path QEMU names, or a unix socket that
 * QEMU listens on (<source mode='bind'>), connected directly. Either
 * must belong to QEMU's uid, so that a QEMU that names some other file
 * or socket gets nothing from vm-console.
 *
 * One session at a time holds a console: an exclusive lease on
 * "console:UUID:N" (lock.h), and a record of its pid in the run
 * directory (rundir.h). Another session is refused with VM_EXIT_NO,
 * naming that pid once the lock manager confirms that the process holds
 * the lease. With force it is sent SIGTERM, which ends its session as
 * the escape byte would, and the lease is taken once it is free.
 *
 * With a terminal on the input, vm_console_run() puts the terminal in
 * raw mode and restores it whenever the session ends: at the escape
 * byte, at SIGTERM, SIGHUP, SIGINT or SIGQUIT, when QEMU closes the port
 * (the guest powered off, QEMU exited) and at the timeout. Without one,
 * no byte is special, and the session also ends once the input has
 * ended and the guest has then been quiet for idle_ms. A timeout bounds
 * any session.
 */
#ifndef VM_CONSOLE_H
#define VM_CONSOLE_H

#include <stdbool.h>
#include "lock.h"
#include "paths.h"
#include "error.h"

struct vm_console_opts {
	unsigned port;	      /* serial port: 0 is <console> */
	unsigned char escape; /* ends a session on a terminal */
	bool force;	      /* take the console from the session that has it */
	int idle_ms;	      /* without a terminal: quiet time after the input ends */
	int timeout_ms;	      /* -1: none */
	int in, out;	      /* the fds of the session's two ends */
};

enum vm_console_end {
	VM_CONSOLE_ESCAPE, /* the escape byte on the terminal */
	VM_CONSOLE_SIGNAL, /* a signal: vm_console_result.signo */
	VM_CONSOLE_CLOSED, /* QEMU closed the port: powered off, or QEMU exited */
	VM_CONSOLE_IDLE,   /* the input ended, then the guest was quiet for idle_ms */
	VM_CONSOLE_HANGUP, /* the terminal hung up, or the output was closed */
};

struct vm_console_result {
	enum vm_console_end end;
	int signo;
};

struct vm_console;

/* What a serial port's chardev is, as QEMU's query-chardev names it. */
enum vm_console_kind {
	VM_CONSOLE_PTY,		 /* "pty:/dev/pts/N" */
	VM_CONSOLE_UNIX,	 /* "unix:PATH,server=on": a socket QEMU listens on */
	VM_CONSOLE_UNIX_CONNECT, /* a socket QEMU connects to */
	VM_CONSOLE_FILE,	 /* "file" */
	VM_CONSOLE_OTHER,
};

/*
 * The kind of the chardev whose query-chardev filename is FILENAME, and
 * in *PATH (within FILENAME, which is cut) the pty or the socket; NULL
 * for a file and the other kinds.
 */
enum vm_console_kind vm_console_port_kind(char *filename, char **path);

/*
 * Finds serial port OPTS->port of the running domain NAME, takes its
 * console lease (see above) and connects to it. A domain that does not
 * run is VM_EXIT_NO; a port that it does not have, or that is neither a
 * pty nor a unix socket QEMU listens on, is VM_EXIT_INVALID.
 */
int vm_console_open(struct vm_lockmgr *lm, const struct vm_paths *paths, const char *name,
		    const struct vm_console_opts *opts, struct vm_console **c,
		    struct vm_error *err);
/* Whether the input is a terminal, which the session puts in raw mode. */
bool vm_console_tty(const struct vm_console *c);
/*
 * Copies both ways until the session ends, and says why in RES. The
 * timeout is VM_EXIT_NO; a failure to read or write either end is
 * VM_EXIT_SYSTEM. The terminal is restored in every case.
 */
int vm_console_run(struct vm_console *c, struct vm_console_result *res, struct vm_error *err);
/* Lets go of the port, the record and the lease. */
void vm_console_close(struct vm_console *c);

#endif
