/* vm-lock: the lock manager as a tool. */
#include "cli.h"
#include "clock.h"
#include "disk_identity.h"
#include "exitcodes.h"
#include "front.h"
#include "holders.h"
#include "lock.h"
#include "paths.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Exit codes of run when COMMAND cannot be run, as env(1) and the shell. */
#define EXIT_CANNOT_RUN 126
#define EXIT_NOT_FOUND 127

static void usage(void);

static const struct option opts[] = {
	{ "json", no_argument, NULL, 'j' },	  { "domain", required_argument, NULL, 'd' },
	{ "shared", no_argument, NULL, 's' },	  { "metadata", no_argument, NULL, 'm' },
	{ "wait", required_argument, NULL, 'w' }, { "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },	  { NULL, 0, NULL, 0 },
};

struct args {
	bool json, shared, metadata, verbose;
	bool dashdash; /* getopt ate a "--" before any PATH */
	const char *domain;
	int wait_s;
};

/* Options of one command; ALLOWED is its getopt string. */
static void
parse(int argc, char **argv, const char *allowed, struct args *a)
{
	char optstring[32];
	int c, idx;

	/* A leading '+' (run) stops at the first PATH, so that COMMAND's
	 * options stay its own; ':' reports a missing argument as such. */
	if (allowed[0] == '+')
		snprintf(optstring, sizeof(optstring), "+:%sh", allowed + 1);
	else
		snprintf(optstring, sizeof(optstring), ":%sh", allowed);
	opterr = 0;
	for (;;) {
		idx = -1;
		c = getopt_long(argc, argv, optstring, opts, &idx);
		if (c == -1)
			break;
		if (c == 'h') {
			usage();
			exit(VM_EXIT_OK);
		} else if (c == ':') {
			vm_cli_usage_error("option '%s' requires an argument", argv[optind - 1]);
		} else if (c == '?' && optopt) {
			vm_cli_usage_error("%s: unrecognized option '-%c'", argv[0], optopt);
		} else if (c == '?') {
			vm_cli_usage_error("%s: unrecognized option '%s'", argv[0],
					   argv[optind - 1]);
		} else if (!strchr(allowed, c)) {
			/* another command's option: optind may be past its argument */
			if (idx >= 0)
				vm_cli_usage_error("%s: unrecognized option '--%s'", argv[0],
						   opts[idx].name);
			vm_cli_usage_error("%s: unrecognized option '-%c'", argv[0], c);
		}
		a->json |= c == 'j';
		a->shared |= c == 's';
		a->metadata |= c == 'm';
		a->verbose |= c == 'v';
		if (c == 'd')
			a->domain = optarg;
		if (c == 'w')
			a->wait_s = vm_cli_parse_uint("--wait", optarg, 2000000);
	}
	a->dashdash = optind > 1 && strcmp(argv[optind - 1], "--") == 0;
}

static json_object *
info_json(const struct vm_lease_info *i)
{
	json_object *o = json_object_new_object(), *h = json_object_new_array();

	json_object_object_add(o, "id", i->id[0] ? json_object_new_string(i->id) : NULL);
	json_object_object_add(o, "resource",
			       i->resource ? json_object_new_string(i->resource) : NULL);
	json_object_object_add(o, "state", json_object_new_string(vm_lease_state_name(i->state)));
	for (size_t k = 0; k < i->nholders; k++)
		json_object_array_add(h, json_object_new_string(i->holders[k]));
	json_object_object_add(o, "holders", h);
	return o;
}

struct out {
	json_object *leases; /* NULL: text */
	bool held;
};

static int
show(const struct vm_lease_info *i, void *arg)
{
	struct out *out = arg;
	char holders[256] = "-";
	size_t len = 0;

	out->held |= i->state != VM_LEASE_FREE;
	if (out->leases)
		return json_object_array_add(out->leases, info_json(i));
	for (size_t k = 0; k < i->nholders && len < sizeof(holders); k++)
		len += snprintf(holders + len, sizeof(holders) - len, "%s%s", k ? "," : "",
				i->holders[k]);
	printf("%-9s %-15s %s\n", vm_lease_state_name(i->state), holders,
	       i->resource ? i->resource : "-");
	return 0;
}

static void
print_json(json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* The configuration, for the lockspace's name and this host's id. */
static const struct vm_conf *conf;

/*
 * Whether this host has joined the lockspace, for a driver that has one
 * (sanlock): a first line of text, or "joined" in the JSON object O.
 */
static int
show_joined(struct vm_lockmgr *lm, json_object *o, struct vm_error *err)
{
	bool joined;

	if (!vm_lockmgr_has_lockspace(lm))
		return 0;
	if (vm_lockmgr_joined(lm, &joined, err) < 0)
		return -1;
	if (o)
		json_object_object_add(o, "joined", json_object_new_boolean(joined));
	else
		printf("sanlock lockspace '%s', host id %d: %s\n", conf->sanlock_lockspace,
		       conf->sanlock_host_id,
		       joined ? "joined" : "not joined (run 'vm-lock join')");
	return 0;
}

static int
cmd_list(struct vm_lockmgr *lm, int argc, char **argv, const struct args *a, struct vm_error *err)
{
	struct out out = { .leases = a->json ? json_object_new_array() : NULL };
	json_object *o = a->json ? json_object_new_object() : NULL;
	const char *space = vm_lockmgr_space(lm);

	if (show_joined(lm, o, err) < 0 || vm_lockmgr_list(lm, show, &out, err) < 0) {
		json_object_put(out.leases);
		json_object_put(o);
		return -1;
	}
	if (a->json) {
		json_object_object_add(o, "lockspace",
				       space ? json_object_new_string(space) : NULL);
		json_object_object_add(o, "leases", out.leases);
		print_json(o);
	}
	return VM_EXIT_OK;
}

/* The leases of the disk PATH: its canonical path's, then its identity's. */
static int
status_path(struct vm_lockmgr *lm, const char *path, struct out *out, struct vm_error *err)
{
	struct vm_lease_info info;
	char *names[2] = { NULL, NULL };
	int r;

	if ((r = vm_paths_canonical(path, &names[0], err)) == 0)
		r = vm_disk_identity_path(names[0], &names[1], err);
	for (size_t i = 0; i < 2 && r == 0 && names[i]; i++) {
		r = vm_lockmgr_query(lm, names[i], &info, err);
		if (r == 0)
			show(&info, out);
		vm_lease_info_clear(&info);
	}
	free(names[0]);
	free(names[1]);
	return r;
}

static int
cmd_status(struct vm_lockmgr *lm, int argc, char **argv, const struct args *a, struct vm_error *err)
{
	struct out out = { .leases = a->json ? json_object_new_array() : NULL };
	json_object *o = a->json ? json_object_new_object() : NULL;
	int r = show_joined(lm, o, err);

	if (r == 0 && a->domain)
		r = vm_holders_query_domain(lm, a->domain, show, &out, err);
	else if (r == 0)
		r = status_path(lm, argv[0], &out, err);
	if (r < 0) {
		json_object_put(out.leases);
		json_object_put(o);
		return -1;
	}
	if (a->json) {
		if (a->domain)
			json_object_object_add(o, "domain", json_object_new_string(a->domain));
		json_object_object_add(o, "held", json_object_new_boolean(out.held));
		json_object_object_add(o, "leases", out.leases);
		print_json(o);
	}
	return out.held ? VM_EXIT_NO : VM_EXIT_OK;
}

/* A lease run takes: a canonical path, or the identity of disk NAME. */
struct resource {
	char *resource;
	const char *name; /* the disk an identity is of, or NULL */
	struct vm_lease *lease;
};

static int
by_resource(const void *a, const void *b)
{
	return strcmp(((const struct resource *)a)->resource,
		      ((const struct resource *)b)->resource);
}

/* One lease or metadata lock of run: the fd to keep across exec. */
static int
take(struct vm_lockmgr *lm, struct resource *res, const struct args *a, int wait_ms,
     struct vm_error *err)
{
	enum vm_lease_mode mode = a->shared ? VM_LEASE_SHARED : VM_LEASE_EXCLUSIVE;
	int fd;

	if (a->metadata)
		fd = vm_lease_meta_lock(lm, res->resource, err);
	else if (vm_lease_acquire_named(lm, res->resource, res->name, mode, wait_ms, &res->lease,
					err) < 0)
		return -1;
	else
		fd = vm_lease_fd(res->lease);
	/* Deliberately kept open across exec: the fd is the lock. */
	if (fd >= 0 && fcntl(fd, F_SETFD, 0) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot keep the lease of '%s'",
				    res->resource);
	return a->metadata && fd < 0 ? -1 : 0;
}

/*
 * Takes the leases and execs COMMAND with their fds, so that COMMAND
 * holds them until it exits (s6-setlock style). Each path gives two
 * leases, its canonical path's and its identity's. They are taken in
 * sorted order, and each once, so that two runs over the same disks
 * cannot wait on each other, nor one run on itself.
 */
static int
cmd_run(struct vm_lockmgr *lm, int argc, char **argv, const struct args *a, struct vm_error *err)
{
	long long deadline = vm_now_ms() + a->wait_s * 1000LL;
	struct resource *res = calloc(2 * argc, sizeof(*res));
	int npaths = 0, n = 0, r = -1, i, e;

	while (npaths < argc && strcmp(argv[npaths], "--") != 0)
		npaths++;
	if (!res) {
		vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot run '%s'", argv[npaths + 1]);
		goto out;
	}
	/* a path's identity names it by its canonical path, which stays put */
	for (i = 0; i < npaths; i++) {
		if (vm_paths_canonical(argv[i], &res[n].resource, err) < 0)
			goto out;
		n++;
		if (vm_disk_identity_path(res[n - 1].resource, &res[n].resource, err) < 0)
			goto out;
		res[n].name = res[n - 1].resource;
		n += res[n].resource != NULL;
	}
	qsort(res, n, sizeof(*res), by_resource);
	for (i = 0; i < n; i++) {
		int left = a->wait_s ? (int)(deadline - vm_now_ms()) : 0;

		if (i > 0 && strcmp(res[i].resource, res[i - 1].resource) == 0)
			continue;
		if (take(lm, &res[i], a, left > 0 ? left : 0, err) < 0) {
			/* The wait the user asked for, not what was left of it. */
			if (a->wait_s && err->code == VM_EXIT_NO)
				vm_error_prefix(err, "timed out after %d s", a->wait_s);
			goto out;
		}
	}
	fflush(stdout);
	execvp(argv[npaths + 1], argv + npaths + 1);
	e = errno;
	vm_error_sys(err, e == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN, e, "cannot run '%s'",
		     argv[npaths + 1]);
out:
	for (i = 0; res && i < 2 * argc; i++) {
		vm_lease_release(res[i].lease);
		free(res[i].resource);
	}
	free(res);
	return r;
}

static int
cmd_gc(struct vm_lockmgr *lm, int argc, char **argv, const struct args *a, struct vm_error *err)
{
	unsigned removed = 0;

	if (vm_lockmgr_gc(lm, &removed, err) < 0)
		return -1;
	if (a->verbose)
		printf("removed %u unused lease file%s\n", removed, removed == 1 ? "" : "s");
	return VM_EXIT_OK;
}

static int
cmd_join(struct vm_lockmgr *lm, int argc, char **argv, const struct args *a, struct vm_error *err)
{
	long long t0 = vm_now_ms();

	if (vm_lockmgr_join(lm, err) < 0)
		return -1;
	if (a->verbose)
		printf("joined sanlock lockspace '%s' as host id %d in %lld ms\n",
		       conf->sanlock_lockspace, conf->sanlock_host_id, vm_now_ms() - t0);
	return VM_EXIT_OK;
}

static int
cmd_leave(struct vm_lockmgr *lm, int argc, char **argv, const struct args *a, struct vm_error *err)
{
	return vm_lockmgr_leave(lm, err) < 0 ? -1 : VM_EXIT_OK;
}

/* What drives dispatch, usage() and the usage errors of each command. */
static const struct command {
	const char *name;
	const char *opts;     /* its getopt string; a leading '+' stops at the first PATH */
	const char *synopsis; /* its usage line after the name */
	int npaths;	      /* PATH operands: 0, 1, or -1 for one or more */
	const char *needs;    /* what the error for a missing PATH asks for */
	bool command;	      /* "-- COMMAND [ARG...]" follows the paths */
	int (*fn)(struct vm_lockmgr *lm, int argc, char **argv, const struct args *a,
		  struct vm_error *err);
} commands[] = {
	{ "list", "j", "[--json]", 0, NULL, false, cmd_list },
	/* --domain stands for the PATH */
	{ "status", "jd:", "[--json] PATH | --domain NAME", 1, "a PATH or --domain", false,
	  cmd_status },
	{ "run", "+smw:", "[--shared | --metadata] [--wait SECONDS] PATH... -- COMMAND [ARG...]",
	  -1, "a PATH", true, cmd_run },
	{ "gc", "v", "[--verbose]", 0, NULL, false, cmd_gc },
	{ "join", "v", "[--verbose]", 0, NULL, false, cmd_join },
	{ "leave", "", "", 0, NULL, false, cmd_leave },
};

static void
usage(void)
{
	printf("Usage:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		printf("  %s %s%s%s\n", program_invocation_short_name, commands[i].name,
		       *commands[i].synopsis ? " " : "", commands[i].synopsis);
	printf("\nList leases, show whether a disk's or a domain's leases are held, run\n"
	       "a command holding leases (like flock(1)), remove unused lease files, or\n"
	       "join and leave the sanlock lockspace (lock_manager = \"sanlock\").\n\n"
	       "Options:\n"
	       "  -j, --json          print JSON (see vm-lock(1))\n"
	       "  -d, --domain NAME   the leases of a running domain\n"
	       "  -s, --shared        take shared leases (readers) instead of exclusive ones\n"
	       "  -m, --metadata      take the metadata locks instead of the leases\n"
	       "  -w, --wait SECONDS  wait up to SECONDS for the leases\n"
	       "  -v, --verbose       gc: say how many lease files were removed;\n"
	       "                      join: say how long joining took\n"
	       "  -h, --help          show this help\n\n"
	       "Exit status: 0 done or free, 1 held or timed out, 2 usage,\n"
	       "3 invalid path or config, 4 system failure;\n"
	       "run: otherwise the status of COMMAND, 126 or 127 when it cannot be run.\n");
}

/* Usage errors come before any work, so each command's operands are
 * checked against its entry here, where nothing has been opened yet. */
static void
check_args(const struct command *c, int argc, char **argv, const struct args *a)
{
	int npaths = 0;

	while (npaths < argc && !(c->command && strcmp(argv[npaths], "--") == 0))
		npaths++;
	if (a->domain && argc)
		vm_cli_usage_error("%s takes a PATH or --domain, not both", c->name);
	if (a->domain)
		return;
	if (c->npaths == 0 && argc)
		vm_cli_usage_error("%s: unexpected argument '%s'", c->name, argv[0]);
	if (c->npaths && (npaths == 0 || (c->command && a->dashdash)))
		vm_cli_usage_error("%s needs %s", c->name, c->needs);
	if (c->npaths == 1 && npaths > 1)
		vm_cli_usage_error("%s takes one PATH", c->name);
	if (c->command && npaths >= argc - 1)
		vm_cli_usage_error("%s needs '--' and a COMMAND after the paths", c->name);
	if (a->metadata && (a->shared || a->wait_s))
		vm_cli_usage_error(
			"--metadata waits metadata_lock_timeout, with no --shared or --wait");
}

int
main(int argc, char **argv)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_front f = { 0 };
	const struct command *c = NULL;
	struct args a = { 0 };
	int r;

	vm_cli_init();
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage();
		return VM_EXIT_OK;
	}
	if (argc < 2)
		vm_cli_usage_error("missing command");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			c = &commands[i];
	if (!c)
		vm_cli_usage_error("unknown command '%s'", argv[1]);
	parse(argc - 1, argv + 1, c->opts, &a);
	argc -= optind + 1;
	argv += optind + 1;
	check_args(c, argc, argv, &a);

	conf = &f.conf;
	if ((r = vm_front_open(&f, VM_FRONT_LOCKS, &err)) == 0)
		r = c->fn(f.lm, argc, argv, &a, &err);
	return vm_front_exit(&f, r, &err);
}
