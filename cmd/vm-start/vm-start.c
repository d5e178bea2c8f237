/* vm-start: domain XML in, a running QEMU out. */
#include "cli.h"
#include "cleanup.h"
#include "domain.h"
#include "exitcodes.h"
#include "front.h"
#include "hostcpu.h"
#include "disk.h"
#include "image.h"
#include "info.h"
#include "qemu_argv.h"
#include "start.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
usage(void)
{
	char *example = vm_paths_domain_xml(vm_conf_path(), "NAME");

	printf("Usage: %s [--paused] [--print-argv | --check] DOMAIN\n"
	       "       %s --all [--paused]\n\n"
	       "Start a QEMU virtual machine from libvirt domain XML.\n"
	       "DOMAIN is an XML file (a path with a '/' or ending in .xml)\n"
	       "or the NAME of %s\n(domains/ next to the configuration file).\n\n"
	       "Options:\n"
	       "  -a, --all         start every domain NAME marked by an entry NAME.xml\n"
	       "                    in autostart/ beside domains/, unless it runs\n"
	       "  -p, --paused      leave the guest paused after start-up\n"
	       "  -n, --print-argv  print the QEMU command line and start nothing\n"
	       "  -c, --check       check DOMAIN as --print-argv does, print nothing\n"
	       "  -h, --help        show this help\n\n"
	       "QEMU runs unprivileged, with a fixed environment, from '/'; with\n"
	       "user_range in vmkit.conf under a uid of the domain's own.\n\n"
	       "An invalid DOMAIN gets every problem listed, one a line.\n\n"
	       "Exit status: 0 started (or accepted), 1 already running, a disk or an\n"
	       "interface's MAC address is in use, a display's port is taken or no\n"
	       "uid of user_range is free, 2 usage, 3 invalid domain XML, config,\n"
	       "run directory or lockspace, 4 system or QEMU failure (also: this\n"
	       "host has not joined the sanlock lockspace).\n"
	       "With --all: 0 when every marked domain runs, else the highest\n"
	       "status among the domains that failed.\n",
	       program_invocation_short_name, program_invocation_short_name,
	       example ? example : "domains/NAME.xml");
	free(example);
}

enum mode { START, PRINT_ARGV, CHECK };

/* The chains are read from the images as vm-start would, read-only. */
static int
print_argv(const struct vm_domain *dom, const struct vm_conf *conf, bool print,
	   struct vm_error *err)
{
	struct vm_argv argv = { 0 };
	cleanup_free char *line = NULL;
	struct vm_image *img = calloc(dom->ndisks + 1, sizeof(*img));
	int r = img ? 0 : vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "out of memory");

	for (size_t i = 0; r == 0 && i < dom->ndisks; i++)
		if (dom->disks[i].source)
			r = vm_disk_image_open(&dom->disks[i], true, &img[i], err);
	if (r == 0)
		r = vm_qemu_argv(dom, conf, -1, -1, img, NULL, NULL, &argv, err);
	for (size_t i = 0; img && i < dom->ndisks; i++)
		vm_image_close(&img[i]);
	free(img);
	if (r < 0)
		return -1;
	line = vm_argv_join(&argv);
	vm_argv_free(&argv);
	if (!line)
		return vm_error_set(err, VM_EXIT_SYSTEM, "out of memory");
	if (print)
		puts(line);
	return 0;
}

/*
 * DOMAIN, a file or the NAME of one in domains/, is read after the
 * configuration and before the run directory is created, so that
 * invalid XML leaves nothing behind.
 */
static int
load(const char *arg, struct vm_front *f, struct vm_domain **dom, struct vm_error *err)
{
	cleanup_free char *named = NULL;
	bool by_name =
		!strchr(arg, '/') && !(strlen(arg) > 4 && !strcmp(arg + strlen(arg) - 4, ".xml"));

	if (by_name) {
		if (vm_domain_check_name(arg, err) < 0)
			return -1;
		if (!(named = vm_paths_domain_xml(vm_conf_path(), arg)))
			return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot start '%s'", arg);
	}
	if (vm_front_open(f, VM_FRONT_CONF, err) < 0 ||
	    vm_domain_load(named ? named : arg, &f->conf, dom, err) < 0)
		return -1;
	if (by_name && strcmp((*dom)->name, arg) != 0)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "%s: domain name '%s' does not match '%s'", named, (*dom)->name,
				    arg);
	return 0;
}

static int
start_one(const char *arg, bool paused, enum mode mode, struct vm_error *err)
{
	struct vm_front f = { 0 };
	struct vm_domain *dom = NULL;
	int r = load(arg, &f, &dom, err);

	if (r == 0 && mode == START)
		r = vm_front_open(&f, VM_FRONT_PATHS, err);
	if (r == 0)
		r = vm_hostcpu_resolve(dom, &f.conf, mode == START ? f.paths.fd : -1, err);
	if (r == 0 && mode != START)
		r = print_argv(dom, &f.conf, mode == PRINT_ARGV, err);
	else if (r == 0)
		r = vm_start_domain(&f.conf, &f.paths, dom, paused, vm_warn, err);
	vm_domain_free(dom);
	vm_front_close(&f);
	return r;
}

static int
xml_entry(const struct dirent *d)
{
	size_t len = strlen(d->d_name);

	return d->d_name[0] != '.' && len > 4 && !strcmp(d->d_name + len - 4, ".xml");
}

static bool
running(const char *name)
{
	struct vm_error ignored = VM_ERROR_INIT;
	struct vm_front f = { 0 };
	struct vm_info info;
	bool alive = vm_front_open(&f, VM_FRONT_PATHS, &ignored) == 0 &&
		     vm_info_get(&f.paths, name, &info, &ignored) == 0 && info.alive;

	vm_front_close(&f);
	return alive;
}

/*
 * One after the other, in name order: a start takes milliseconds, and a
 * fixed order makes boot logs comparable. A domain that fails is
 * reported under its name and the next one is started all the same.
 */
static int
start_all(bool paused, struct vm_error *err)
{
	cleanup_free char *dir = vm_paths_autostart_dir(vm_conf_path());
	struct dirent **list = NULL;
	int n, worst = VM_EXIT_OK;

	if (!dir)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot start domains");
	n = scandir(dir, &list, xml_entry, alphasort);
	if (n < 0 && errno == ENOENT)
		return 0;
	if (n < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot read '%s'", dir);
	for (int i = 0; i < n; i++) {
		struct vm_error one = VM_ERROR_INIT;
		char *name = list[i]->d_name;

		name[strlen(name) - 4] = '\0';
		if (running(name))
			fprintf(stderr, "%s: domain '%s' is already running\n",
				program_invocation_short_name, name);
		else if (start_one(name, paused, START, &one) < 0) {
			int code;

			vm_error_prefix(&one, "cannot start domain '%s'", name);
			code = vm_error_report(&one);
			if (code > worst)
				worst = code;
		}
		free(list[i]);
	}
	free(list);
	if (worst != VM_EXIT_OK)
		return vm_error_set(err, worst, "not every domain marked in '%s' was started", dir);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },	  { "paused", no_argument, NULL, 'p' },
		{ "print-argv", no_argument, NULL, 'n' }, { "check", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },	  { NULL, 0, NULL, 0 },
	};
	struct vm_error err = VM_ERROR_INIT;
	bool all = false, paused = false;
	enum mode mode = START;
	int c, r;

	vm_cli_init();
	while ((c = getopt_long(argc, argv, "apnch", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'p':
			paused = true;
			break;
		case 'n':
		case 'c':
			if (mode != START)
				vm_cli_usage_error("--print-argv and --check exclude each other");
			mode = c == 'n' ? PRINT_ARGV : CHECK;
			break;
		case 'h':
			usage();
			return VM_EXIT_OK;
		default:
			vm_cli_usage_error("invalid option");
		}
	}
	if (all && (argc != optind || mode != START))
		vm_cli_usage_error("--all takes no DOMAIN, no --print-argv and no --check");
	if (!all && argc - optind != 1)
		vm_cli_usage_error(argc == optind ? "missing DOMAIN" : "too many arguments");
	r = all ? start_all(paused, &err) : start_one(argv[optind], paused, mode, &err);
	if (r < 0)
		return vm_error_report(&err);
	return VM_EXIT_OK;
}
