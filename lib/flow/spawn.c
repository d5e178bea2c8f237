#include "spawn.h"
#include "cleanup.h"
#include "exitcodes.h"
#include "rundir.h"

#include <cap-ng.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Set in an early child (vm_spawn_early): leases taken for its pid
 * must outlive a failure until the parent has undone its start. */
static bool linger;

/*
 * Reports MSG to the parent and exits; the child never returns. The
 * first byte says which exit code the failure is: 'n' VM_EXIT_NO, 's'
 * VM_EXIT_SYSTEM. An early child then waits for the parent to let go.
 */
static void __attribute__((noreturn)) child_report(int pipefd, bool no, const char *msg)
{
	char buf[300];
	int n = snprintf(buf, sizeof(buf), "%c%s", no ? 'n' : 's', msg);

	if (write(pipefd, buf, n) < 0)
		_exit(126);
	while (linger && read(pipefd, buf, sizeof(buf)) > 0)
		;
	_exit(127);
}

/* Reports STEP and errno to the parent and exits. */
static void __attribute__((noreturn)) child_fail(int pipefd, const char *step, int e)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "%s: %s", step, strerror(e));
	child_report(pipefd, false, msg);
}

static void __attribute__((noreturn)) child(const struct vm_spawn *sp, int pipefd)
{
	int devnull;

	if (setsid() < 0)
		child_fail(pipefd, "cannot start a session", errno);
	devnull = open("/dev/null", O_RDONLY);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(sp->log_fd, 1) < 0 ||
	    dup2(sp->log_fd, 2) < 0)
		child_fail(pipefd, "cannot set up stdio", errno);
	/* Everything but stdio and KEEP closes at exec, whatever the parent
	 * (or a library) left open. */
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		child_fail(pipefd, "cannot mark fds close-on-exec", errno);
	for (size_t i = 0; i < sp->nkeep; i++)
		if (fcntl(sp->keep[i], F_SETFD, 0) < 0)
			child_fail(pipefd, "cannot keep an inherited fd", errno);
	if (sp->prepare) {
		char msg[256];
		bool no = false;

		if (sp->prepare(sp->prepare_arg, &no, msg, sizeof(msg)) < 0)
			child_report(pipefd, no, msg);
	}
	if (sp->dirfd >= 0 && vm_rundir_write_pid_raw(sp->dirfd, getpid()) < 0)
		child_fail(pipefd, "cannot write the pid file", errno);
	/* Nothing of the caller's working directory or umask reaches QEMU. */
	if (chdir("/") < 0)
		child_fail(pipefd, "cannot change directory to '/'", errno);
	umask(077);

	capng_clear(CAPNG_SELECT_BOTH);
	if (sp->change_id) {
		if (setgroups(sp->ngroups, sp->groups) < 0)
			child_fail(pipefd, "cannot set supplementary groups", errno);
		if (capng_change_id(sp->uid, sp->gid, CAPNG_CLEAR_BOUNDING) < 0)
			child_fail(pipefd, "cannot drop privileges", errno ? errno : EPERM);
	} else if (capng_apply(CAPNG_SELECT_CAPS) < 0)
		child_fail(pipefd, "cannot clear capabilities", errno ? errno : EPERM);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		child_fail(pipefd, "cannot clear ambient capabilities", errno);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		child_fail(pipefd, "cannot set no_new_privs", errno);
	capng_get_caps_process();
	if (capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE)
		child_fail(pipefd, "capabilities are still present", EPERM);
	/* QEMU's threads inherit it, vCPUs included, as libvirt pins them all by default */
	if (sp->affinity && sched_setaffinity(0, sizeof(*sp->affinity), sp->affinity) < 0)
		child_fail(pipefd, "cannot run on the CPUs of <emulatorpin> or <vcpu cpuset>",
			   errno);
	signal(SIGPIPE, SIG_DFL);
	/* The parent takes EOF for an exec only after this word: without it,
	 * EOF is an end before exec (a SIGKILL from outside). */
	if (write(pipefd, "x", 1) != 1)
		_exit(127);
	execve(sp->argv[0], sp->argv, sp->envp);
	child_fail(pipefd, "cannot execute", errno);
}

/* Waits for the child's next word on FD: "r" (ready), "x" (about to
 * exec) or EOF (0), or its failure (-1 with ERR). */
static int
child_word(int fd, const char *what, struct vm_error *err)
{
	char msg[300];
	ssize_t n;

	while ((n = read(fd, msg, 1)) < 0 && errno == EINTR)
		;
	if (n <= 0)
		return 0;
	if (msg[0] == 'r' || msg[0] == 'x')
		return msg[0];
	/* the rest of the failure, written at once */
	while ((n = read(fd, msg + 1, sizeof(msg) - 2)) < 0 && errno == EINTR)
		;
	msg[n > 0 ? n + 1 : 1] = '\0';
	return vm_error_set(err, msg[0] == 'n' ? VM_EXIT_NO : VM_EXIT_SYSTEM,
			    "cannot start '%s': %s", what, msg + 1);
}

/* Reaps child *PID, which closed its end without a word before exec,
 * and says how it ended (-1 with ERR); *PID becomes 0. */
static int
child_gone(pid_t *pid, const char *what, struct vm_error *err)
{
	int ws = 0;

	while (waitpid(*pid, &ws, 0) < 0 && errno == EINTR)
		;
	*pid = 0;
	if (WIFSIGNALED(ws))
		return vm_error_set(err, VM_EXIT_SYSTEM,
				    "cannot start '%s': its child was killed by signal %d before exec",
				    what, WTERMSIG(ws));
	return vm_error_set(err, VM_EXIT_SYSTEM,
			    "cannot start '%s': its child exited with status %d before exec", what,
			    WEXITSTATUS(ws));
}

/*
 * Waits on FD for the exec of child *PID: 0 once it has exec'd, or -1
 * with ERR, its failure (the caller reaps it) or its end before exec
 * (child_gone).
 */
static int
child_exec(int fd, pid_t *pid, const char *what, struct vm_error *err)
{
	int w = child_word(fd, what, err);

	if (w < 0)
		return -1;
	/* no "x": it closed FD by its end, as only exec closes it otherwise */
	if (w != 'x')
		return child_gone(pid, what, err);
	return child_word(fd, what, err) < 0 ? -1 : 0;
}

int
vm_spawn_qemu(const struct vm_spawn *sp, pid_t *pid, struct vm_error *err)
{
	cleanup_close int rd = -1;
	cleanup_close int wr = -1;
	int fds[2];
	pid_t p;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot create a pipe");
	rd = fds[0];
	wr = fds[1];
	p = fork();
	if (p < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot fork '%s'", sp->argv[0]);
	if (p == 0) {
		close(rd);
		child(sp, wr);
	}
	close(steal_fd(wr));
	if (child_exec(rd, &p, sp->argv[0], err) < 0) {
		if (p)
			waitpid(p, NULL, 0);
		return -1;
	}
	*pid = p;
	return 0;
}

/*
 * What the parent sends an early child: this header, then the groups,
 * the fd numbers that QEMU's argv names (KEEP), argv and envp as
 * NUL-terminated strings, and last the fds themselves: the log, the run
 * directory (when HAS_DIRFD) and KEEP's, in that order, FDS_PER_MSG at
 * a time.
 */
struct early_msg {
	uint32_t nargv, nenv, nkeep, ngroups, strbytes;
	bool change_id, has_affinity, has_dirfd;
	uid_t uid;
	gid_t gid;
	cpu_set_t affinity;
};
#define FDS_PER_MSG 250

/* Writes (OUT) or reads all LEN bytes of BUF; -1 with errno, which is 0
 * if the other end closed. */
static int
stream(int fd, void *buf, size_t len, bool out)
{
	char *p = buf;

	while (len) {
		ssize_t n = out ? send(fd, p, len, MSG_NOSIGNAL) : read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			errno = 0;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

/*
 * Sends (OUT) or receives the N fds of FDS, FDS_PER_MSG to a message of
 * one byte; each message received must carry exactly the fds expected
 * (-1 with EPROTO). -1 with errno.
 */
static int
pass_fds(int sock, int *fds, size_t n, bool out)
{
	for (size_t i = 0; i < n; i += FDS_PER_MSG) {
		size_t size = (n - i < FDS_PER_MSG ? n - i : FDS_PER_MSG) * sizeof(int);
		char byte = 'f';
		struct iovec iov = { &byte, 1 };
		union {
			char buf[CMSG_SPACE(FDS_PER_MSG * sizeof(int))];
			struct cmsghdr align;
		} u;
		struct msghdr mh = { .msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = u.buf,
				     .msg_controllen = CMSG_SPACE(size) };
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		ssize_t r;

		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(size);
		if (out)
			memcpy(CMSG_DATA(c), fds + i, size);
		do
			r = out ? sendmsg(sock, &mh, MSG_NOSIGNAL)
				: recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
		while (r < 0 && errno == EINTR);
		if (out) {
			if (r < 0)
				return -1;
			continue;
		}
		c = r == 1 ? CMSG_FIRSTHDR(&mh) : NULL;
		if (!c || (mh.msg_flags & MSG_CTRUNC) || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len != CMSG_LEN(size)) {
			errno = EPROTO;
			return -1;
		}
		memcpy(fds + i, CMSG_DATA(c), size);
	}
	return 0;
}

/* Moves *FD above every number below TOP (close-on-exec); -1 on failure. */
static int
lift(int *fd, int top)
{
	int to;

	if (*fd < 0)
		return 0;
	to = fcntl(*fd, F_DUPFD_CLOEXEC, top);
	if (to < 0)
		return -1;
	close(*fd);
	*fd = to;
	return 0;
}

struct early_child {
	const struct vm_spawn_hold *h;
	int fd; /* the hold's, kept across exec */
};

static int
early_seal(void *arg, bool *no, char *msg, size_t size)
{
	struct early_child *c = arg;

	*no = false;
	return c->h->seal(c->h->arg, c->fd, msg, size);
}

/* Reads QEMU's spawn from CTL into M and SP (pointing into what it
 * allocates), with SP's keep sized for one more fd. -1 with errno. */
static int
read_spawn(int ctl, struct early_msg *m, struct vm_spawn *sp)
{
	char *str, *p, *end, **argv, **envp;
	uint32_t len;
	int *keep;

	if (stream(ctl, &len, sizeof(len), false) < 0)
		return -1;
	errno = 0;
	if (len < sizeof(*m) || !(str = malloc(len)) || stream(ctl, str, len, false) < 0) {
		errno = errno ? errno : EPROTO;
		return -1;
	}
	memcpy(m, str, sizeof(*m));
	keep = calloc(m->nkeep + 1, sizeof(*keep));
	argv = calloc(m->nargv + 1, sizeof(*argv));
	envp = calloc(m->nenv + 1, sizeof(*envp));
	p = str + sizeof(*m);
	end = str + len;
	if (!keep || !argv || !envp)
		return -1;
	if ((size_t)(end - p) < m->ngroups * sizeof(gid_t) + m->nkeep * sizeof(int)) {
		errno = EPROTO;
		return -1;
	}
	sp->groups = (gid_t *)p;
	p += m->ngroups * sizeof(gid_t);
	memcpy(keep, p, m->nkeep * sizeof(int));
	p += m->nkeep * sizeof(int);
	for (uint32_t i = 0; i < m->nargv + m->nenv; i++) {
		char *nul = p < end ? memchr(p, '\0', end - p) : NULL;

		if (!nul) {
			errno = EPROTO;
			return -1;
		}
		*(i < m->nargv ? &argv[i] : &envp[i - m->nargv]) = p;
		p = nul + 1;
	}
	sp->argv = argv;
	sp->envp = envp;
	sp->keep = keep;
	sp->nkeep = m->nkeep;
	sp->change_id = m->change_id;
	sp->uid = m->uid;
	sp->gid = m->gid;
	sp->ngroups = m->ngroups;
	sp->affinity = m->has_affinity ? &m->affinity : NULL;
	return 0;
}

/*
 * Receives the log, the run directory and KEEP's fds, and puts each of
 * KEEP's at its number in SP, which QEMU's argv names: first every fd of
 * this child (*CTL and *HOLD too) is lifted above all those numbers.
 */
static int
place_fds(int *ctl, int *hold, const struct early_msg *m, struct vm_spawn *sp)
{
	size_t n = 2 + sp->nkeep;
	int *fds = calloc(n, sizeof(*fds)), top = *ctl + 1;

	if (!fds)
		return -1;
	fds[1] = -1;
	if (pass_fds(*ctl, fds, 1, false) < 0 ||
	    (m->has_dirfd && pass_fds(*ctl, fds + 1, 1, false) < 0) ||
	    pass_fds(*ctl, fds + 2, sp->nkeep, false) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		top = fds[i] >= top ? fds[i] + 1 : top;
	for (size_t i = 0; i < sp->nkeep; i++)
		top = sp->keep[i] >= top ? sp->keep[i] + 1 : top;
	top = *hold >= top ? *hold + 1 : top;
	if (lift(ctl, top) < 0 || lift(hold, top) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (lift(&fds[i], top) < 0)
			return -1;
	for (size_t i = 0; i < sp->nkeep; i++) {
		if (dup2(fds[2 + i], sp->keep[i]) < 0)
			return -1;
		close(fds[2 + i]);
	}
	sp->log_fd = fds[0];
	sp->dirfd = fds[1];
	free(fds);
	return 0;
}

/*
 * The early child: holds, says "r", and once the parent sends QEMU's
 * spawn, puts its fds in place and goes on as vm_spawn_qemu's child,
 * keeping the hold's fd. The parent gone first: it exits, letting go of
 * the hold.
 */
static void __attribute__((noreturn)) early(const struct vm_spawn_hold *h, int ctl)
{
	struct early_child c = { h, -1 };
	struct vm_spawn sp = { .prepare = early_seal, .prepare_arg = &c };
	struct early_msg m;
	char msg[256], ready = 'r';
	int *keep;

	linger = true;
	if ((ctl > 3 && close_range(3, ctl - 1, 0) < 0) || close_range(ctl + 1, ~0U, 0) < 0)
		child_fail(ctl, "cannot close inherited fds", errno);
	if (h->hold(h->arg, &c.fd, msg, sizeof(msg)) < 0)
		child_report(ctl, false, msg);
	if (stream(ctl, &ready, 1, true) < 0)
		_exit(0);
	if (read_spawn(ctl, &m, &sp) < 0) {
		/* the parent let go before it sent anything */
		if (errno == 0)
			_exit(0);
		child_fail(ctl, "cannot read qemu's spawn", errno);
	}
	if (place_fds(&ctl, &c.fd, &m, &sp) < 0)
		child_fail(ctl, "cannot receive qemu's fds", errno);
	keep = (int *)sp.keep;
	keep[sp.nkeep++] = c.fd;
	child(&sp, ctl);
}

int
vm_spawn_early(const struct vm_spawn_hold *h, struct vm_spawn_early *e, struct vm_error *err)
{
	int sv[2], r;

	e->ctl = -1;
	e->pid = 0;
	e->exec = false;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot create a socket pair");
	e->pid = fork();
	if (e->pid < 0) {
		e->pid = 0;
		close(sv[0]);
		close(sv[1]);
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot fork qemu's child");
	}
	if (e->pid == 0) {
		close(sv[0]);
		early(h, sv[1]);
	}
	close(sv[1]);
	e->ctl = sv[0];
	r = child_word(e->ctl, "qemu", err);
	if (r < 0)
		return -1;
	if (r != 'r')
		return vm_error_set(err, VM_EXIT_SYSTEM, "qemu's child ended before it was ready");
	return 0;
}

int
vm_spawn_early_exec(struct vm_spawn_early *e, const struct vm_spawn *sp, pid_t *pid,
		    struct vm_error *err)
{
	struct early_msg m = {
		.ngroups = sp->ngroups,
		.nkeep = sp->nkeep,
		.change_id = sp->change_id,
		.has_affinity = sp->affinity != NULL,
		.has_dirfd = sp->dirfd >= 0,
		.uid = sp->uid,
		.gid = sp->gid,
	};
	cleanup_free char *buf = NULL;
	cleanup_free int *fds = NULL;
	size_t len, off;
	uint32_t len32;

	if (sp->affinity)
		m.affinity = *sp->affinity;
	len = sizeof(m) + m.ngroups * sizeof(gid_t) + m.nkeep * sizeof(int);
	for (char *const *a = sp->argv; *a; a++, m.nargv++)
		len += strlen(*a) + 1;
	for (char *const *a = sp->envp; *a; a++, m.nenv++)
		len += strlen(*a) + 1;
	buf = malloc(len);
	fds = calloc(2 + m.nkeep, sizeof(*fds));
	if (!buf || !fds || len > UINT32_MAX)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot start '%s'", sp->argv[0]);
	memcpy(buf, &m, sizeof(m));
	off = sizeof(m);
	/* swtpm has no supplementary groups: NULL */
	if (m.ngroups)
		memcpy(buf + off, sp->groups, m.ngroups * sizeof(gid_t));
	off += m.ngroups * sizeof(gid_t);
	if (m.nkeep)
		memcpy(buf + off, sp->keep, m.nkeep * sizeof(int));
	off += m.nkeep * sizeof(int);
	for (char *const *a = sp->argv; *a; a++)
		off += stpcpy(buf + off, *a) - (buf + off) + 1;
	for (char *const *a = sp->envp; *a; a++)
		off += stpcpy(buf + off, *a) - (buf + off) + 1;
	fds[0] = sp->log_fd;
	fds[1] = sp->dirfd;
	if (m.nkeep)
		memcpy(fds + 2, sp->keep, m.nkeep * sizeof(int));
	len32 = len;
	if (stream(e->ctl, &len32, sizeof(len32), true) < 0 || stream(e->ctl, buf, len, true) < 0 ||
	    pass_fds(e->ctl, fds, 1, true) < 0 ||
	    (m.has_dirfd && pass_fds(e->ctl, fds + 1, 1, true) < 0) ||
	    pass_fds(e->ctl, fds + 2, m.nkeep, true) < 0) {
		/* it closed its end, which it does only by its end before exec */
		if (errno == EPIPE || errno == ECONNRESET)
			return child_gone(&e->pid, sp->argv[0], err);
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot hand '%s' its spawn",
				    sp->argv[0]);
	}
	if (child_exec(e->ctl, &e->pid, sp->argv[0], err) < 0)
		return -1;
	e->exec = true;
	*pid = e->pid;
	return 0;
}

void
vm_spawn_early_end(struct vm_spawn_early *e)
{
	if (e->ctl >= 0)
		close(steal_fd(e->ctl));
	if (e->pid > 0 && !e->exec)
		waitpid(e->pid, NULL, 0);
	e->pid = 0;
}

static int
parse_id(const char *s, unsigned long *v)
{
	char *end;

	if (*s == '+')
		s++;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return !*s || *end || errno || *v >= UINT_MAX ? -1 : 0;
}

int
vm_spawn_resolve_ids(const char *user, const char *group, uid_t *uid, gid_t *gid, gid_t **groups,
		     size_t *ngroups, struct vm_error *err)
{
	struct passwd *pw;
	struct group *gr;
	unsigned long v;
	int n = 0;
	gid_t *list;

	pw = getpwnam(user);
	/* a number names the same user as its name would: its primary group
	 * and supplementary groups (kvm) come with it */
	if (!pw && parse_id(user, &v) == 0 && !(pw = getpwuid(v))) {
		*uid = v;
		*gid = v;
	} else if (pw) {
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
	} else
		return vm_error_set(err, VM_EXIT_INVALID,
				    "unknown qemu user '%s' (create it, or set 'user' in vmkit.conf)",
				    user);
	if (group) {
		gr = getgrnam(group);
		if (gr)
			*gid = gr->gr_gid;
		else if (parse_id(group, &v) == 0)
			*gid = v;
		else
			return vm_error_set(err, VM_EXIT_INVALID, "unknown qemu group '%s'", group);
	}
	if (*uid == 0)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "refusing to run qemu as root (user '%s')", user);
	if (*gid == 0)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "refusing to run qemu with group 0 (user '%s', group '%s')",
				    user, group ? group : "its primary group");
	*groups = NULL;
	*ngroups = 0;
	if (!pw)
		return 0;
	/* Sized for the common case: each getgrouplist asks every NSS
	 * module, and systemd's walks its userdb directories. */
	n = 32;
	list = calloc(n, sizeof(*list));
	if (list && getgrouplist(pw->pw_name, *gid, list, &n) < 0) {
		free(list);
		list = calloc(n, sizeof(*list));
		if (list && getgrouplist(pw->pw_name, *gid, list, &n) < 0)
			n = 0;
	}
	if (!list)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot list the groups of '%s'",
				    user);
	*groups = list;
	*ngroups = n;
	return 0;
}
