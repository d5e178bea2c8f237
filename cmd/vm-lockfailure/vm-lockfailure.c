/*
 * vm-lockfailure: what the sanlock daemon runs (its killpath, which
 * QEMU's child registered) when this host loses the leases of a
 * domain: it powers the domain's QEMU off or pauses it, as
 * on_lockfailure says, and records why for vm-status. It runs as the
 * daemon's user, root, so it trusts no argument: each is checked, and
 * it acts only on a QEMU whose pid is the domain's.
 */
#include "cli.h"
#include "cleanup.h"
#include "domain.h"
#include "exitcodes.h"
#include "paths.h"
#include "qmp.h"
#include "rundir.h"

#include <errno.h>
#include <fcntl.h>
#include <sanlock.h>
#include <sanlock_resource.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QMP_TIMEOUT_MS 5000

static void
usage(void)
{
	printf("Usage: %s poweroff|pause LOCKSPACE RUNDIR NAME PID\n\n"
	       "Run by the sanlock daemon when this host has lost its leases in\n"
	       "LOCKSPACE: ends (poweroff, QMP quit, else SIGKILL) or pauses (QMP\n"
	       "stop, then its leases are released) the QEMU of domain NAME under\n"
	       "the run directory RUNDIR, whose pid must be PID, and records why\n"
	       "for vm-status. vm-start registers it; people do not run it.\n\n"
	       "Options:\n"
	       "  -h, --help  show this help\n\n"
	       "Exit status: 0 done, 1 PID is not the domain's QEMU, 2 usage,\n"
	       "3 invalid arguments, 4 system failure.\n",
	       program_invocation_short_name);
}

static void
fail(const struct vm_error *err)
{
	fprintf(stderr, "%s: %s\n", program_invocation_short_name, err->msg);
	exit(err->code);
}

/* A lockspace name as sanlock has it: 1 to 48 printable ASCII bytes. */
static bool
lockspace_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > SANLK_NAME_LEN)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s > '~')
			return false;
	return true;
}

static pid_t
parse_pid(const char *s)
{
	char *end;
	long v;

	if (*s < '1' || *s > '9')
		return 0;
	errno = 0;
	v = strtol(s, &end, 10);
	return errno || *end || v > 0x7fffffff ? 0 : (pid_t)v;
}

/* QMP COMMAND to the domain's QEMU. quit may end it before it answers. */
static int
qmp(int dirfd, const char *command, struct vm_error *err)
{
	struct vm_qmp *q = NULL;
	json_object *ret = NULL;
	int r;

	if (vm_rundir_qmp_connect(dirfd, QMP_TIMEOUT_MS, &q, err) < 0)
		return -1;
	r = vm_qmp_command(q, command, NULL, QMP_TIMEOUT_MS, &ret, err);
	json_object_put(ret);
	vm_qmp_close(q);
	return r;
}

int
main(int argc, char **argv)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_paths paths;
	char reason[512];
	const char *action, *ls, *name;
	bool pause;
	pid_t pid;
	int dirfd, rv;

	vm_cli_init();
	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		usage();
		return VM_EXIT_OK;
	}
	if (argc != 6)
		vm_cli_usage_error("expected 5 arguments, got %d", argc - 1);
	action = argv[1];
	ls = argv[2];
	name = argv[4];
	pause = strcmp(action, "pause") == 0;
	if (!pause && strcmp(action, "poweroff") != 0)
		vm_cli_usage_error("invalid action '%s': poweroff or pause", action);
	pid = parse_pid(argv[5]);
	if (!lockspace_ok(ls) || argv[3][0] != '/' || !pid) {
		vm_error_set(&err, VM_EXIT_INVALID,
			     "invalid lockspace '%s', run directory '%s' or pid '%s'", ls, argv[3],
			     argv[5]);
		fail(&err);
	}
	/* an existing run directory of root's, private, as the commands want it */
	paths.rundir = argv[3];
	paths.session = false;
	paths.fd = open(paths.rundir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (paths.fd < 0)
		vm_error_sys(&err, VM_EXIT_INVALID, errno, "cannot open run directory '%s'",
			     paths.rundir);
	if (paths.fd < 0 ||
	    vm_paths_check_dir(paths.fd, paths.rundir, 077, VM_EXIT_INVALID, &err) < 0 ||
	    (dirfd = vm_rundir_open(&paths, name, &err)) < 0)
		fail(&err);
	if (vm_rundir_qemu_pid(dirfd) != pid) {
		vm_error_set(&err, VM_EXIT_NO, "pid %d is not the qemu of domain '%s'", (int)pid,
			     name);
		fail(&err);
	}
	snprintf(reason, sizeof(reason),
		 "lease lost in sanlock lockspace '%s': qemu (pid %d) %s (on_lockfailure = %s)", ls,
		 (int)pid, pause ? "paused, its leases released" : "powered off", action);
	/* first, so that vm-status tells why even if QEMU is gone before we return */
	if (vm_rundir_write_lockfailure(dirfd, reason, &err) < 0)
		fail(&err);
	vm_rundir_log(dirfd, "%s", reason);
	if (!pause) {
		/* "poweroff" as libvirt's: the guest gets no say, like virsh destroy */
		if (qmp(dirfd, "quit", &err) < 0 && kill(pid, SIGKILL) < 0 && errno != ESRCH)
			fail(&err);
		return VM_EXIT_OK;
	}
	if (qmp(dirfd, "stop", &err) < 0)
		fail(&err);
	/* the daemon kills a pid that still holds leases of a lost lockspace */
	rv = sanlock_release(-1, pid, SANLK_REL_ALL, 0, NULL);
	if (rv < 0) {
		vm_error_set(&err, VM_EXIT_SYSTEM, "cannot release the leases of qemu (pid %d): %s",
			     (int)pid, rv > -200 ? strerror(-rv) : "sanlock error");
		fail(&err);
	}
	return VM_EXIT_OK;
}
