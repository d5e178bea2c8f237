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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Reports MSG to the parent and exits; the child never returns. The
 * first byte says which exit code the failure is: 'n' VM_EXIT_NO, 's'
 * VM_EXIT_SYSTEM.
 */
static void __attribute__((noreturn)) child_report(int pipefd, bool no, const char *msg)
{
	char buf[300];
	int n = snprintf(buf, sizeof(buf), "%c%s", no ? 'n' : 's', msg);

	if (write(pipefd, buf, n) < 0)
		_exit(126);
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
	execve(sp->argv[0], sp->argv, sp->envp);
	child_fail(pipefd, "cannot execute", errno);
}

int
vm_spawn_qemu(const struct vm_spawn *sp, pid_t *pid, struct vm_error *err)
{
	cleanup_close int rd = -1;
	cleanup_close int wr = -1;
	char msg[300];
	int fds[2];
	ssize_t n;
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
	while ((n = read(rd, msg, sizeof(msg) - 1)) < 0 && errno == EINTR)
		;
	if (n > 0) {
		msg[n] = '\0';
		waitpid(p, NULL, 0);
		return vm_error_set(err, msg[0] == 'n' ? VM_EXIT_NO : VM_EXIT_SYSTEM,
				    "cannot start '%s': %s", sp->argv[0], msg + 1);
	}
	*pid = p;
	return 0;
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
