/*
 * Unit tests for the early child's hand-off (spawn.c): more fds than
 * one message carries reach the program at their numbers, and a child
 * that cannot exec, or that is killed before, is told from an exec.
 * The program is sleep(1); its fds are read in /proc.
 */
#include "spawn.h"
#include "cleanup.h"
#include "exitcodes.h"
#include "tap.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* over FDS_PER_MSG (250): two messages; the child holds about twice as
 * many while it places them, under a soft limit of 1024 */
#define NKEEP 300

static int
hold(void *arg, int *fd, char *msg, size_t size)
{
	*fd = memfd_create("hold", MFD_CLOEXEC);
	if (*fd < 0) {
		snprintf(msg, size, "cannot make the hold's fd");
		return -1;
	}
	return 0;
}

static int
seal(void *arg, int fd, char *msg, size_t size)
{
	return 0;
}

static const struct vm_spawn_hold holder = { hold, seal, NULL };
static char *sleep_argv[] = { "/bin/sleep", "60", NULL };
static char *envp[] = { "PATH=/usr/bin:/bin", NULL };

static void
link_of(pid_t pid, int fd, char *buf, size_t size)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
	n = readlink(path, buf, size - 1);
	buf[n > 0 ? n : 0] = '\0';
}

/* Each of KEEP in PID is the file it is here. */
static int
same_fds(pid_t pid, const int *keep, size_t n)
{
	char here[PATH_MAX], there[PATH_MAX];

	for (size_t i = 0; i < n; i++) {
		link_of(getpid(), keep[i], here, sizeof(here));
		link_of(pid, keep[i], there, sizeof(there));
		if (!*here || strcmp(here, there) != 0) {
			printf("# fd %d: '%s' here, '%s' in %d\n", keep[i], here, there, (int)pid);
			return 0;
		}
	}
	return 1;
}

/* Whether PID has an fd on the hold's memfd. */
static int
has_hold(pid_t pid)
{
	char buf[PATH_MAX];

	for (int fd = 0; fd < 1024; fd++) {
		link_of(pid, fd, buf, sizeof(buf));
		if (strncmp(buf, "/memfd:hold", 11) == 0)
			return 1;
	}
	return 0;
}

static struct vm_spawn
spawn_of(char **argv, int log, const int *keep, size_t nkeep)
{
	return (struct vm_spawn){
		.argv = argv, .envp = envp, .dirfd = -1, .log_fd = log, .keep = keep, .nkeep = nkeep
	};
}

/* R and ERR are a failure of the system saying WANT. */
static int
fails_with(int r, const struct vm_error *err, const char *want)
{
	return r < 0 && err->code == VM_EXIT_SYSTEM && strcmp(err->msg, want) == 0;
}

static void
test_many_fds(int log)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_spawn_early e;
	int keep[NKEEP];
	struct vm_spawn sp = spawn_of(sleep_argv, log, keep, NKEEP);
	pid_t pid = 0;
	int r;

	for (size_t i = 0; i < NKEEP; i++) {
		char name[16];

		snprintf(name, sizeof(name), "keep%zu", i);
		keep[i] = memfd_create(name, MFD_CLOEXEC);
	}
	r = vm_spawn_early(&holder, &e, &err);
	ok(r == 0, "an early child is ready: %s", r ? err.msg : "yes");
	r = r ? r : vm_spawn_early_exec(&e, &sp, &pid, &err);
	ok(r == 0 && pid == e.pid && e.exec, "it execs with %d fds: %s", NKEEP,
	   r ? err.msg : "yes");
	ok(r == 0 && same_fds(pid, keep, NKEEP), "each fd is at its number in the program");
	ok(r == 0 && has_hold(pid), "the hold's fd is kept across exec");
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	vm_spawn_early_end(&e);
	for (size_t i = 0; i < NKEEP; i++)
		close(keep[i]);
}

static void
test_no_exec(int log)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_spawn_early e;
	char *argv[] = { "/nonexistent/qemu", NULL };
	struct vm_spawn sp = spawn_of(argv, log, NULL, 0);
	pid_t pid = 0;
	int r;

	r = vm_spawn_early(&holder, &e, &err);
	r = r ? r : vm_spawn_early_exec(&e, &sp, &pid, &err);
	ok(fails_with(r, &err,
		      "cannot start '/nonexistent/qemu': cannot execute: No such file or directory") &&
		   !e.exec,
	   "a child that cannot exec says why: %s", err.msg);
	vm_spawn_early_end(&e);
	ok(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD, "once let go, it is reaped");
}

static void
test_killed(int log)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_spawn_early e;
	struct vm_spawn sp = spawn_of(sleep_argv, log, NULL, 0);
	pid_t pid = 0;
	int r;

	r = vm_spawn_early(&holder, &e, &err);
	if (r == 0)
		kill(e.pid, SIGKILL);
	r = r ? r : vm_spawn_early_exec(&e, &sp, &pid, &err);
	ok(fails_with(r, &err,
		      "cannot start '/bin/sleep': its child was killed by signal 9 before exec"),
	   "a child killed before exec is not taken for an exec: %s", err.msg);
	ok(e.pid == 0 && waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD, "it is reaped");
	vm_spawn_early_end(&e);
}

int
main(void)
{
	cleanup_close int log = memfd_create("log", MFD_CLOEXEC);

	test_many_fds(log);
	test_no_exec(log);
	test_killed(log);
	return tap_done();
}
