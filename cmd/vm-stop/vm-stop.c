/* vm-stop: power a domain down (or force it off), then give its disks back. */
#include "cli.h"
#include "exitcodes.h"
#include "front.h"
#include "info.h"
#include "stop.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void
usage(void)
{
	printf("Usage: %s [--force] [--timeout SECONDS] NAME\n"
	       "       %s --all [--force] [--timeout SECONDS]\n\n"
	       "Stop a running domain and clean up after it: give its disks back\n"
	       "to their owners, free its leases and remove its run state. A domain\n"
	       "whose QEMU died is cleaned up the same way.\n\n"
	       "Options:\n"
	       "  -a, --all              stop every domain that has run state, all at\n"
	       "                         once; one that has not powered down by the\n"
	       "                         timeout is forced off\n"
	       "  -f, --force            quit QEMU at once (QMP quit, SIGTERM, SIGKILL)\n"
	       "  -t, --timeout SECONDS  wait this long for an ACPI power-down\n"
	       "                         (default: shutdown_timeout in vmkit.conf)\n"
	       "  -h, --help             show this help\n\n"
	       "Exit status: 0 stopped or cleaned up, 1 not running or timed out\n"
	       "(the domain is left running), 2 usage, 3 invalid input,\n"
	       "4 system or QEMU failure. With --all: 0 when every domain was\n"
	       "stopped, else the highest status among the domains that failed.\n",
	       program_invocation_short_name, program_invocation_short_name);
}

/* A child of stop_all(): one domain, graceful first, forced at the deadline. */
static int
stop_one(const struct vm_conf *conf, const struct vm_paths *paths, const char *name,
	 struct vm_stop_opts so)
{
	struct vm_error err = VM_ERROR_INIT;
	enum vm_stop_result result;

	if (vm_stop_domain(conf, paths, name, &so, &result, &err) == 0)
		return VM_EXIT_OK;
	if (!so.force && err.code == VM_EXIT_NO) {
		vm_warn("%s; forcing it off", err.msg);
		vm_error_clear(&err);
		so.force = true;
		if (vm_stop_domain(conf, paths, name, &so, &result, &err) == 0)
			return VM_EXIT_OK;
	}
	vm_error_prefix(&err, "cannot stop domain '%s'", name);
	return vm_error_report(&err);
}

/*
 * One child per domain, so that a host's shutdown waits for the slowest
 * guest rather than for the sum of them. Each child reports its own
 * failure, under the domain's name.
 */
static int
stop_all(const struct vm_conf *conf, const struct vm_paths *paths, const struct vm_stop_opts *so,
	 struct vm_error *err)
{
	struct vm_info *list = NULL;
	size_t n = 0;
	int worst = VM_EXIT_OK, wstatus;
	pid_t pid;

	if (vm_info_list(paths, &list, &n, err) < 0)
		return -1;
	fflush(NULL);
	for (size_t i = 0; i < n; i++) {
		pid = fork();
		if (pid == 0)
			_exit(stop_one(conf, paths, list[i].name, *so));
		if (pid < 0) {
			vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot stop domain '%s'",
				     list[i].name);
			worst = vm_error_report(err);
		}
	}
	for (size_t i = 0; i < n; i++)
		vm_info_clear(&list[i]);
	free(list);
	while ((pid = wait(&wstatus)) > 0 || errno == EINTR) {
		int code = pid < 0		? VM_EXIT_OK
			   : WIFEXITED(wstatus) ? WEXITSTATUS(wstatus)
						: VM_EXIT_SYSTEM;

		if (code > worst)
			worst = code;
	}
	if (worst != VM_EXIT_OK)
		return vm_error_set(err, worst, "not every domain was stopped");
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "force", no_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vm_error err = VM_ERROR_INIT;
	struct vm_stop_opts so = { .timeout_s = -1, .warn = vm_warn };
	enum vm_stop_result result;
	struct vm_front f = { 0 };
	bool all = false;
	int c, r;

	vm_cli_init();
	while ((c = getopt_long(argc, argv, "aft:h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'f':
			so.force = true;
			break;
		case 't':
			so.timeout_s = vm_cli_parse_uint("--timeout", optarg, 86400);
			break;
		case 'h':
			usage();
			return VM_EXIT_OK;
		default:
			vm_cli_usage_error("invalid option");
		}
	}
	if (all && argc != optind)
		vm_cli_usage_error("--all takes no NAME");
	if (!all && argc - optind != 1)
		vm_cli_usage_error(argc == optind ? "missing NAME" : "too many arguments");

	r = vm_front_open(&f, VM_FRONT_CONF | VM_FRONT_PATHS, &err);
	if (r == 0 && so.timeout_s < 0)
		so.timeout_s = f.conf.shutdown_timeout;
	if (r == 0 && all)
		r = stop_all(&f.conf, &f.paths, &so, &err);
	else if (r == 0)
		r = vm_stop_domain(&f.conf, &f.paths, argv[optind], &so, &result, &err);
	r = vm_front_exit(&f, r, &err);
	if (r != VM_EXIT_OK)
		return r;
	if (!all && result == VM_STOP_CLEANED)
		fprintf(stderr,
			"%s: domain '%s' was not running (its QEMU had exited); cleaned up\n",
			program_invocation_short_name, argv[optind]);
	return VM_EXIT_OK;
}
