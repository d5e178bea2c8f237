/* vm-status: what runs, for people and for scripts. */
#include "cli.h"
#include "exitcodes.h"
#include "front.h"
#include "info.h"

#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>

static void
usage(void)
{
	printf("Usage: %s [--json] [NAME]\n\n"
	       "Show the domains that have run state: name, state, pid and uuid.\n"
	       "A running domain whose QEMU uid other domains may share (no\n"
	       "user_range in vmkit.conf) gets a note on stderr: it is not isolated.\n"
	       "States: running, paused, starting, crashed, unresponsive,\n"
	       "and damaged (a status file that cannot be read).\n"
	       "With NAME, show that domain only, where each of its displays\n"
	       "listens, its serial ports and its TPM, and exit 0 when its QEMU\n"
	       "process is alive, 1 when not. A domain whose QEMU the lock\n"
	       "manager powered off or paused when this host lost its leases\n"
	       "(on_lockfailure) shows the reason.\n\n"
	       "Options:\n"
	       "  -j, --json  print JSON (see vm-status(1))\n"
	       "  -h, --help  show this help\n\n"
	       "Exit status: 0 done or alive, 1 not running, 2 usage,\n"
	       "3 invalid NAME or run directory, 4 system failure.\n",
	       program_invocation_short_name);
}

static void
print_json(json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static void
print_line(const struct vm_info *i)
{
	char pid[16] = "-";

	if (i->pid)
		snprintf(pid, sizeof(pid), "%d", (int)i->pid);
	printf("%-20s %-12s %-8s %s\n", i->name, i->state, pid, i->uuid);
}

/* One line each, for people: "  vnc  PATH", or "  vnc  ADDRESS:PORT" ([v6]:PORT). */
static void
print_displays(const struct vm_info *i)
{
	for (size_t k = 0; k < i->ndisplays; k++) {
		const struct vm_status_display *d = &i->displays[k];

		if (d->socket[0])
			printf("  %-6s %s/%s\n", d->type, i->dir, d->socket);
		else
			printf(strchr(d->address, ':') ? "  %-6s [%s]:%u\n" : "  %-6s %s:%u\n",
			       d->type, d->address, d->port);
	}
}

/* "  serial 0 pty /dev/pts/3 (vm-console 4321 has it)", "  tpm    tpm-crb swtpm 99 DIR". */
static void
print_devices(const struct vm_info *i)
{
	for (size_t k = 0; k < i->nconsoles; k++) {
		const struct vm_info_console *c = &i->consoles[k];

		printf("  serial %u %s%s%s", c->port, c->type, c->path ? " " : "",
		       c->path ? c->path : "");
		if (c->session)
			printf(" (vm-console %d has it)", (int)c->session);
		putchar('\n');
	}
	if (i->tpm)
		printf("  tpm    %s swtpm %d %s%s\n", i->tpm_model[0] ? i->tpm_model : "-",
		       (int)i->tpm_pid, i->tpm_state, i->tpm_persistent ? " (persistent)" : "");
}

/* On stderr, so that scripts reading the lines are not disturbed. */
static void
note_shared(const struct vm_info *i)
{
	if (!i->alive || i->own_uid)
		return;
	fflush(stdout);
	fprintf(stderr,
		"%s: note: domain '%s' runs as uid %u, which other domains may share: they are not isolated from each other (see user_range in vmkit.conf(5))\n",
		program_invocation_short_name, i->name, i->uid);
}

static int
show(const struct vm_paths *paths, const char *name, bool json, struct vm_error *err)
{
	struct vm_info one, *list = NULL;
	size_t n = 0;

	if (name) {
		if (vm_info_get(paths, name, &one, err) < 0)
			return -1;
		if (json)
			print_json(vm_info_json(&one));
		else {
			print_line(&one);
			if (one.reason[0])
				printf("  reason %s\n", one.reason);
			print_displays(&one);
			print_devices(&one);
			note_shared(&one);
		}
		vm_info_clear(&one);
		return one.alive ? 0
				 : vm_error_set(err, VM_EXIT_NO, "domain '%s' is %s%s%s", name,
						one.state, one.reason[0] ? ": " : "", one.reason);
	}
	if (vm_info_list(paths, &list, &n, err) < 0)
		return -1;
	if (json) {
		json_object *a = json_object_new_array();
		for (size_t i = 0; i < n; i++)
			json_object_array_add(a, vm_info_json(&list[i]));
		print_json(a);
	} else {
		for (size_t i = 0; i < n; i++)
			print_line(&list[i]);
		for (size_t i = 0; i < n; i++)
			note_shared(&list[i]);
	}
	for (size_t i = 0; i < n; i++)
		vm_info_clear(&list[i]);
	free(list);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vm_error err = VM_ERROR_INIT;
	struct vm_front f = { 0 };
	bool json = false;
	int c, r;

	vm_cli_init();
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			usage();
			return VM_EXIT_OK;
		default:
			vm_cli_usage_error("invalid option");
		}
	}
	if (argc - optind > 1)
		vm_cli_usage_error("too many arguments");
	if ((r = vm_front_open(&f, VM_FRONT_PATHS, &err)) == 0)
		r = show(&f.paths, argv[optind], json, &err);
	return vm_front_exit(&f, r, &err);
}
