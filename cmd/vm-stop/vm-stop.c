/* vm-stop: power a domain down (or force it off), then give its disks back. */
#include "cli.h"
#include "conf.h"
#include "domain_run.h"
#include "exitcodes.h"
#include "paths.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static void
usage(void)
{
	printf("Usage: %s [--force] [--timeout SECONDS] NAME\n\n"
	       "Stop a running domain and clean up after it: give its disks back\n"
	       "to their owners, free its leases and remove its run state. A domain\n"
	       "whose QEMU died is cleaned up the same way.\n\n"
	       "Options:\n"
	       "  -f, --force            quit QEMU at once (QMP quit, SIGTERM, SIGKILL)\n"
	       "  -t, --timeout SECONDS  wait this long for an ACPI power-down\n"
	       "                         (default: shutdown_timeout in vmkit.conf)\n"
	       "  -h, --help             show this help\n\n"
	       "Exit status: 0 stopped or cleaned up, 1 not running or timed out\n"
	       "(the domain is left running), 2 usage, 3 invalid input,\n"
	       "4 system or QEMU failure.\n",
	       program_invocation_short_name);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vm_error err = VM_ERROR_INIT;
	struct vm_stop_opts so = { .timeout_s = -1, .warn = vm_warn };
	enum vm_stop_result result;
	struct vm_conf conf;
	struct vm_paths paths = { .fd = -1 };
	int c, r = -1;

	vm_cli_init();
	while ((c = getopt_long(argc, argv, "ft:h", opts, NULL)) != -1) {
		switch (c) {
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
	if (argc - optind != 1)
		vm_cli_usage_error(argc == optind ? "missing NAME" : "too many arguments");

	vm_conf_init(&conf);
	if (vm_conf_load(&conf, vm_conf_path(), &err) == 0 && vm_paths_open(&paths, &err) == 0) {
		if (so.timeout_s < 0)
			so.timeout_s = conf.shutdown_timeout;
		r = vm_run_stop(&conf, &paths, argv[optind], &so, &result, &err);
	}
	vm_paths_close(&paths);
	vm_conf_free(&conf);
	if (r < 0)
		return vm_error_report(&err);
	if (result == VM_STOP_CLEANED)
		fprintf(stderr, "%s: domain '%s' was not running (its QEMU had exited); cleaned up\n",
			program_invocation_short_name, argv[optind]);
	return VM_EXIT_OK;
}
