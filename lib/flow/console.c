#include "console.h"
#include "cleanup.h"
#include "clock.h"
#include "exitcodes.h"
#include "qmp.h"
#include "rundir.h"
#include "status.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#define QMP_TIMEOUT_MS 5000
/* how long --force waits for the session it ends to let go */
#define TAKE_TIMEOUT_MS 5000
#define PTY_PREFIX "pty:"
#define PTS_DIR "/dev/pts/"
#define UNIX_PREFIX "unix:"
#define DISCONNECTED_PREFIX "disconnected:"
#define LISTEN_SUFFIX ",server=on"

struct vm_console {
	struct vm_lockmgr *lm;
	char name[65];
	unsigned port;
	struct vm_console_opts opts;
	int dirfd;
	struct vm_lease *lease;
	char resource[64];
	int fd; /* the port, non-blocking */
	bool tty;
};

static int
no_port(struct vm_console *c, const char *what, struct vm_error *err)
{
	return vm_error_set(err, VM_EXIT_INVALID,
			    "serial port %u of domain '%s' is %s: vm-console needs a pty or a unix socket that QEMU listens on (<source mode='bind'>)",
			    c->port, c->name, what);
}

/* QEMU's description of the chardev of our port, from query-chardev. */
static int
query_port(struct vm_console *c, char **filename, struct vm_error *err)
{
	struct vm_qmp *qmp = NULL;
	json_object *ret = NULL;
	char label[32];
	int r = -1;

	/* the id serial.c gives port N's chardev */
	snprintf(label, sizeof(label), "charserial%u", c->port);
	if (vm_rundir_qmp_connect(c->dirfd, QMP_TIMEOUT_MS, &qmp, err) < 0 ||
	    vm_qmp_command(qmp, "query-chardev", NULL, QMP_TIMEOUT_MS, &ret, err) < 0)
		goto out;
	for (size_t i = 0; i < vm_qmp_array_len(ret); i++) {
		json_object *e = json_object_array_get_idx(ret, i);

		if (strcmp(vm_qmp_member(e, "label"), label) != 0)
			continue;
		*filename = strdup(vm_qmp_member(e, "filename"));
		r = *filename
			    ? 0
			    : vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM,
					   "cannot read the serial ports of domain '%s'", c->name);
		goto out;
	}
	r = vm_error_set(err, VM_EXIT_INVALID, "domain '%s' has no serial port %u", c->name,
			 c->port);
out:
	json_object_put(ret);
	vm_qmp_close(qmp);
	return r;
}

/* The inode FD refers to is QEMU's: it made the pty or bound the socket. */
static int
check_owner(struct vm_console *c, int fd, const char *path, mode_t type, uid_t uid,
	    struct vm_error *err)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot stat '%s'", path);
	if ((st.st_mode & S_IFMT) != type || st.st_uid != uid)
		return vm_error_set(err, VM_EXIT_SYSTEM,
				    "refusing '%s' for serial port %u of domain '%s': not a %s of QEMU's uid %u",
				    path, c->port, c->name, type == S_IFSOCK ? "socket" : "pty",
				    (unsigned)uid);
	return 0;
}

static int
open_pty(struct vm_console *c, const char *path, uid_t uid, struct vm_error *err)
{
	cleanup_close int fd = -1;
	struct termios t;

	if (strncmp(path, PTS_DIR, strlen(PTS_DIR)) != 0)
		return vm_error_set(err, VM_EXIT_SYSTEM,
				    "refusing pty '%s' of serial port %u of domain '%s': not in %s",
				    path, c->port, c->name, PTS_DIR);
	fd = open(path, O_RDWR | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot open pty '%s'", path);
	if (check_owner(c, fd, path, S_IFCHR, uid, err) < 0)
		return -1;
	/* QEMU makes it raw; a line discipline here would echo or cook */
	if (tcgetattr(fd, &t) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot use pty '%s'", path);
	cfmakeraw(&t);
	if (tcsetattr(fd, TCSANOW, &t) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot use pty '%s'", path);
	c->fd = steal_fd(fd);
	return 0;
}

static int
connect_unix(struct vm_console *c, const char *path, uid_t uid, struct vm_error *err)
{
	cleanup_close int pathfd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	int fd;

	if (pathfd < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot open socket '%s'", path);
	if (check_owner(c, pathfd, path, S_IFSOCK, uid, err) < 0)
		return -1;
	fd = vm_paths_connect(pathfd, QMP_TIMEOUT_MS);
	if (fd < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot connect to socket '%s'",
				    path);
	c->fd = fd;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot use socket '%s'", path);
	return 0;
}

enum vm_console_kind
vm_console_port_kind(char *filename, char **path)
{
	size_t n;

	*path = NULL;
	if (strncmp(filename, PTY_PREFIX, strlen(PTY_PREFIX)) == 0) {
		*path = filename + strlen(PTY_PREFIX);
		return VM_CONSOLE_PTY;
	}
	/* a socket whose client has gone says so until the next one comes */
	if (strncmp(filename, DISCONNECTED_PREFIX, strlen(DISCONNECTED_PREFIX)) == 0)
		filename += strlen(DISCONNECTED_PREFIX);
	if (strcmp(filename, "file") == 0)
		return VM_CONSOLE_FILE;
	if (strncmp(filename, UNIX_PREFIX, strlen(UNIX_PREFIX)) != 0)
		return VM_CONSOLE_OTHER;
	n = strlen(filename);
	*path = filename + strlen(UNIX_PREFIX);
	if (n < strlen(LISTEN_SUFFIX) ||
	    strcmp(filename + n - strlen(LISTEN_SUFFIX), LISTEN_SUFFIX))
		return VM_CONSOLE_UNIX_CONNECT;
	filename[n - strlen(LISTEN_SUFFIX)] = '\0';
	return VM_CONSOLE_UNIX;
}

/* Sets *PATH to the pty or socket in QEMU's FILENAME and *PTY to which, or refuses. */
static int
parse_port(struct vm_console *c, char *filename, char **path, bool *pty, struct vm_error *err)
{
	enum vm_console_kind k = vm_console_port_kind(filename, path);

	*pty = k == VM_CONSOLE_PTY;
	switch (k) {
	case VM_CONSOLE_PTY:
	case VM_CONSOLE_UNIX:
		return 0;
	case VM_CONSOLE_FILE:
		return no_port(c, "a file", err);
	case VM_CONSOLE_UNIX_CONNECT:
		return no_port(c, "a unix socket that QEMU connects to", err);
	default:
		return no_port(c, "of another type", err);
	}
}

struct find {
	const char *resource;
	bool found;
};

static int
holds(const struct vm_lease_info *info, void *arg)
{
	struct find *f = arg;

	if (info->resource && strcmp(info->resource, f->resource) == 0 &&
	    info->state == VM_LEASE_HELD_EXCLUSIVE)
		f->found = true;
	return 0;
}

/*
 * The session that holds our console: the pid its record names, once
 * the lock manager confirms that it holds the lease; 0 when it cannot
 * be named. *PIDFD names that process, whatever pids do later.
 */
static pid_t
holder(struct vm_console *c, int *pidfd)
{
	pid_t pid = vm_rundir_console_pid(c->dirfd, c->port);
	struct find f = { c->resource, false };

	*pidfd = pid ? pidfd_open(pid, 0) : -1;
	if (*pidfd < 0)
		return 0;
	/* checked after the pidfd is open: the pid cannot be reused meanwhile */
	if (vm_lockmgr_inquire(c->lm, pid, holds, &f, NULL) == 0 && f.found)
		return pid;
	close(*pidfd);
	*pidfd = -1;
	return 0;
}

/* Ends the session PID, which holds our console, and takes its lease. */
static int
take(struct vm_console *c, pid_t pid, int pidfd, struct vm_error *err)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	int r;

	/* SIGCONT: a stopped session must run to end itself */
	if (pidfd_send_signal(pidfd, SIGTERM, NULL, 0) < 0 && errno != ESRCH)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno,
				    "cannot end the console session of process %d", (int)pid);
	pidfd_send_signal(pidfd, SIGCONT, NULL, 0);
	poll(&p, 1, TAKE_TIMEOUT_MS);
	r = vm_lease_try(c->lm, c->resource, &c->lease, err);
	if (r == 1)
		return vm_error_set(err, VM_EXIT_NO,
				    "console %u of domain '%s' is still in use after process %d was asked to end its session",
				    c->port, c->name, (int)pid);
	return r;
}

static int
lease(struct vm_console *c, struct vm_error *err)
{
	cleanup_close int pidfd = -1;
	pid_t pid;
	int r = vm_lease_try(c->lm, c->resource, &c->lease, err);

	if (r <= 0)
		return r;
	pid = holder(c, &pidfd);
	if (!pid)
		return vm_error_set(err, VM_EXIT_NO,
				    "console %u of domain '%s' is in use by another process%s",
				    c->port, c->name,
				    c->opts.force
					    ? ", which is no vm-console session that --force can end"
					    : "");
	if (!c->opts.force)
		return vm_error_set(err, VM_EXIT_NO,
				    "console %u of domain '%s' is in use by process %d (--force takes it)",
				    c->port, c->name, (int)pid);
	return take(c, pid, pidfd, err);
}

int
vm_console_open(struct vm_lockmgr *lm, const struct vm_paths *paths, const char *name,
		const struct vm_console_opts *opts, struct vm_console **out, struct vm_error *err)
{
	struct vm_console *c = calloc(1, sizeof(*c));
	cleanup_free char *filename = NULL;
	struct vm_status *st = NULL;
	char *path = NULL;
	bool pty = false;
	uid_t uid;
	int r = -1;

	if (!c)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot open a console");
	c->lm = lm;
	c->fd = -1;
	c->port = opts->port;
	c->opts = *opts;
	c->tty = isatty(opts->in);
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->dirfd = vm_rundir_open(paths, name, err);
	if (c->dirfd < 0)
		goto out;
	if (!vm_rundir_alive(c->dirfd)) {
		vm_error_set(err, VM_EXIT_NO, "domain '%s' is not running", name);
		goto out;
	}
	if (vm_status_read(c->dirfd, &st, err) < 0) {
		if (err && err->code == VM_EXIT_NO)
			vm_error_set(err, VM_EXIT_NO, "domain '%s' is not running", name);
		else
			vm_error_prefix(err, "domain '%s'", name);
		goto out;
	}
	snprintf(c->resource, sizeof(c->resource), VM_LEASE_CONSOLE_PREFIX "%s:%u", st->uuid,
		 c->port);
	if (query_port(c, &filename, err) < 0 || parse_port(c, filename, &path, &pty, err) < 0 ||
	    lease(c, err) < 0 || vm_rundir_write_console(c->dirfd, c->port, getpid(), err) < 0)
		goto out;
	/* a session-mode QEMU runs as the caller, and its status records
	 * no user of its own (uid 0) */
	uid = paths->session ? geteuid() : st->uid;
	r = pty ? open_pty(c, path, uid, err) : connect_unix(c, path, uid, err);
out:
	vm_status_free(st);
	if (r < 0)
		vm_console_close(c);
	else
		*out = c;
	return r;
}

bool
vm_console_tty(const struct vm_console *c)
{
	return c->tty;
}

void
vm_console_close(struct vm_console *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	if (c->lease && c->dirfd >= 0)
		vm_rundir_remove_console(c->dirfd, c->port, getpid());
	vm_lease_release(c->lease);
	if (c->dirfd >= 0)
		close(c->dirfd);
	free(c);
}

/*
 * The signals that end a session. Their handler writes to a pipe that
 * the loop polls (a signal between a check and poll() is not lost), and
 * is installed without SA_RESTART so that a write blocked on a stuck
 * output returns too.
 */
static const int end_signals[] = { SIGTERM, SIGHUP, SIGINT, SIGQUIT };
static volatile sig_atomic_t caught;
static int wake_fd = -1;

static void
on_signal(int sig)
{
	int e = errno;

	caught = sig;
	if (write(wake_fd, "", 1) < 0) {
		/* the pipe is full: the loop is woken already */
	}
	errno = e;
}

struct session {
	struct vm_console *c;
	int wake[2];
	struct sigaction old[sizeof(end_signals) / sizeof(end_signals[0])], old_pipe;
	bool handled, raw; /* the handlers are ours; the terminal is raw */
	struct termios saved;
	char buf[4096]; /* input not yet written to the port */
	size_t len, off;
	bool in_open, escaped;
	long long quiet_since; /* input ended, or the guest's last output after that */
};

static int
session_begin(struct session *s, struct vm_error *err)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct sigaction ign = { .sa_handler = SIG_IGN };
	struct vm_console *c = s->c;

	if (pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot start the console session");
	caught = 0;
	wake_fd = s->wake[1];
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(end_signals) / sizeof(end_signals[0]); i++)
		sigaction(end_signals[i], &sa, &s->old[i]);
	/* a closed output is an end of the session, not a death */
	sigaction(SIGPIPE, &ign, &s->old_pipe);
	s->handled = true;
	if (c->tty) {
		struct termios raw;

		if (tcgetattr(c->opts.in, &s->saved) < 0)
			return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot read the terminal");
		raw = s->saved;
		cfmakeraw(&raw);
		if (tcsetattr(c->opts.in, TCSADRAIN, &raw) < 0)
			return vm_error_sys(err, VM_EXIT_SYSTEM, errno,
					    "cannot put the terminal in raw mode");
		s->raw = true;
	}
	return 0;
}

static void
session_end(struct session *s)
{
	if (s->raw)
		tcsetattr(s->c->opts.in, TCSADRAIN, &s->saved);
	if (s->handled) {
		for (size_t i = 0; i < sizeof(end_signals) / sizeof(end_signals[0]); i++)
			sigaction(end_signals[i], &s->old[i], NULL);
		sigaction(SIGPIPE, &s->old_pipe, NULL);
	}
	wake_fd = -1;
	if (s->wake[0] >= 0) {
		close(s->wake[0]);
		close(s->wake[1]);
	}
}

/* 1 when the output is gone; -1 on a signal (the loop sees it). */
static int
write_out(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		struct pollfd out = { .fd = fd, .events = POLLOUT };

		if (w < 0 && errno == EINTR && caught)
			return -1;
		/* an output that someone else made non-blocking */
		if (w < 0 && errno == EAGAIN && poll(&out, 1, -1) < 0 && caught)
			return -1;
		if (w < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (w <= 0)
			return 1;
		p += w;
		n -= w;
	}
	return 0;
}

/* The guest's output to ours. 1 when the session ends (RES says why). */
static int
from_port(struct session *s, struct vm_console_result *res)
{
	char buf[4096];
	ssize_t n = read(s->c->fd, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	/* a pty whose QEMU has gone reads EIO; a socket, end of file */
	if (n <= 0) {
		res->end = VM_CONSOLE_CLOSED;
		return 1;
	}
	if (!s->in_open)
		s->quiet_since = vm_now_ms();
	if (write_out(s->c->opts.out, buf, n) > 0) {
		res->end = VM_CONSOLE_HANGUP;
		return 1;
	}
	return 0;
}

/* Our input, up to the escape byte on a terminal. 1 when it ends. */
static int
from_input(struct session *s, struct vm_console_result *res)
{
	struct vm_console *c = s->c;
	ssize_t n = read(c->opts.in, s->buf, sizeof(s->buf));
	char *esc;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0 && c->tty) {
		res->end = VM_CONSOLE_HANGUP;
		return 1;
	}
	if (n <= 0) {
		s->in_open = false;
		s->quiet_since = vm_now_ms();
		return 0;
	}
	s->off = 0;
	s->len = n;
	esc = c->tty ? memchr(s->buf, c->opts.escape, n) : NULL;
	if (esc) {
		s->len = esc - s->buf;
		s->escaped = true;
	}
	return 0;
}

static int
to_port(struct session *s, struct vm_error *err)
{
	ssize_t w = write(s->c->fd, s->buf + s->off, s->len - s->off);

	if (w < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (w < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno,
				    "cannot write to serial port %u of domain '%s'", s->c->port,
				    s->c->name);
	s->off += w;
	if (s->off == s->len)
		s->off = s->len = 0;
	return 0;
}

/* How long poll() may sleep: until the timeout, or the end of the
 * quiet time; -1 for ever. */
static int
wait_ms(const struct session *s, long long deadline, long long now)
{
	long long until = deadline;

	if (!s->in_open && !s->len) {
		long long quiet = s->quiet_since + s->c->opts.idle_ms;

		if (until < 0 || quiet < until)
			until = quiet;
	}
	if (until < 0)
		return -1;
	return until <= now ? 0 : (int)(until - now);
}

static int
loop(struct session *s, struct vm_console_result *res, struct vm_error *err)
{
	struct vm_console *c = s->c;
	long long deadline = c->opts.timeout_ms < 0 ? -1 : vm_now_ms() + c->opts.timeout_ms;
	int r = 0;

	s->in_open = true;
	while (r == 0) {
		struct pollfd p[3] = {
			{ .fd = s->wake[0], .events = POLLIN },
			{ .fd = s->in_open && !s->len ? c->opts.in : -1, .events = POLLIN },
			{ .fd = c->fd, .events = POLLIN | (s->len ? POLLOUT : 0) },
		};
		long long now = vm_now_ms();

		if (caught) {
			res->end = VM_CONSOLE_SIGNAL;
			res->signo = caught;
			return 0;
		}
		/* what came before it had one try: a guest that does not
		 * read must not keep a person from leaving */
		if (s->escaped) {
			res->end = VM_CONSOLE_ESCAPE;
			return 0;
		}
		if (!s->in_open && !s->len && now - s->quiet_since >= c->opts.idle_ms) {
			res->end = VM_CONSOLE_IDLE;
			return 0;
		}
		if (deadline >= 0 && now >= deadline)
			return vm_error_set(err, VM_EXIT_NO,
					    "timed out after %d s on the console of domain '%s'",
					    c->opts.timeout_ms / 1000, c->name);
		if (poll(p, 3, wait_ms(s, deadline, now)) < 0) {
			if (errno == EINTR)
				continue;
			return vm_error_sys(err, VM_EXIT_SYSTEM, errno,
					    "cannot wait on the console");
		}
		if (p[2].revents & (POLLIN | POLLHUP | POLLERR))
			r = from_port(s, res);
		if (r == 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)))
			r = from_input(s, res);
		if (r == 0 && s->len)
			r = to_port(s, err);
	}
	return r < 0 ? -1 : 0;
}

int
vm_console_run(struct vm_console *c, struct vm_console_result *res, struct vm_error *err)
{
	struct session s = { .c = c, .wake = { -1, -1 } };
	int r;

	memset(res, 0, sizeof(*res));
	r = session_begin(&s, err);
	if (r == 0)
		r = loop(&s, res, err);
	session_end(&s);
	return r;
}
