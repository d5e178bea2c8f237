#include "conf.h"
#include "cleanup.h"
#include "exitcodes.h"
#include "paths.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef SYSCONFDIR
#error "SYSCONFDIR must be defined by the build"
#endif

#define DEFAULT_PATH SYSCONFDIR "/vmkit/vmkit.conf"
#define CONF_MAX_SIZE (1 << 20)

enum key_type { K_STRING, K_BOOL, K_INT, K_RANGE };

struct key {
	const char *name;
	enum key_type type;
	size_t offset;		   /* of the field in struct vm_conf */
	long long min, max;	   /* K_INT */
	const char *const *values; /* K_STRING: the accepted values */
	bool absolute;		   /* K_STRING: an absolute path */
	const char *why;	   /* replaces the range message */
	size_t name_max;	   /* K_STRING: a name of letters, digits, '_', '-', '.' */
};

#define KEY(k, t, ...)                                                                             \
	{                                                                                          \
		.name = #k, .type = t, .offset = offsetof(struct vm_conf, k), __VA_ARGS__          \
	}
#define STRING(k, ...) KEY(k, K_STRING, __VA_ARGS__)
#define BOOL(k, ...) KEY(k, K_BOOL, .max = 1, __VA_ARGS__)
#define INT(k, lo, hi) KEY(k, K_INT, .min = lo, .max = hi)
#define RANGE(k) KEY(k, K_RANGE)

static const struct key keys[] = {
	STRING(lock_manager, .values = (const char *const[]){ "file", "nop", "sanlock", NULL }),
	STRING(lock_space, .absolute = true),
	BOOL(auto_disk_leases),
	BOOL(require_lease_for_disks),
	STRING(user),
	STRING(group),
	RANGE(user_range),
	BOOL(dynamic_ownership),
	BOOL(remember_owner),
	BOOL(clear_emulator_capabilities, .min = 1,
	     .why = "must be 1: vmkit never runs QEMU with capabilities"),
	STRING(emulator, .absolute = true),
	STRING(bridge_helper, .absolute = true),
	INT(metadata_lock_timeout, 0, 3600),
	INT(shutdown_timeout, 1, 86400),
	BOOL(seccomp_sandbox),
	INT(sanlock_host_id, 1, 2000),
	STRING(sanlock_lockspace, .name_max = VM_CONF_SANLOCK_NAME_MAX),
	STRING(sanlock_lease_dir, .absolute = true),
	INT(sanlock_io_timeout, 1, 300),
	STRING(sanlock_run_dir, .absolute = true),
	STRING(on_lockfailure, .values = (const char *const[]){ "poweroff", "pause", NULL }),
	STRING(nvram_dir, .absolute = true),
};

#define NKEYS (sizeof(keys) / sizeof(*keys))

enum value_type { V_INT, V_STRING, V_LIST };

struct value {
	enum value_type type;
	long long num;
	char *str;
};

struct parser {
	const char *p, *end;
	int line;
	const char *name;
	char key[64]; /* the key being read, for messages */
	struct vm_error *err;
};

void
vm_conf_init(struct vm_conf *conf)
{
	*conf = (struct vm_conf){
		.lock_manager = strdup("file"),
		.auto_disk_leases = true,
		.require_lease_for_disks = true,
		.user = geteuid() == 0 ? strdup("vmkit-qemu") : NULL,
		.dynamic_ownership = true,
		.remember_owner = true,
		.clear_emulator_capabilities = true,
		.metadata_lock_timeout = 10,
		.shutdown_timeout = 60,
		.seccomp_sandbox = true,
		.bridge_helper = strdup(VM_CONF_BRIDGE_HELPER),
		.sanlock_lockspace = strdup("__VMKIT__"),
		.sanlock_lease_dir = strdup(VM_CONF_SANLOCK_LEASE_DIR),
		.sanlock_io_timeout = 10,
		.on_lockfailure = strdup("poweroff"),
		.nvram_dir = strdup(VM_CONF_NVRAM_DIR),
	};
}

void
vm_conf_free(struct vm_conf *conf)
{
	free(conf->lock_manager);
	free(conf->lock_space);
	free(conf->user);
	free(conf->group);
	free(conf->emulator);
	free(conf->bridge_helper);
	free(conf->sanlock_lockspace);
	free(conf->sanlock_lease_dir);
	free(conf->sanlock_run_dir);
	free(conf->on_lockfailure);
	free(conf->nvram_dir);
	for (size_t i = 0; i < conf->nnetworks; i++) {
		free(conf->networks[i].name);
		free(conf->networks[i].bridge);
	}
	free(conf->networks);
	memset(conf, 0, sizeof(*conf));
}

const char *
vm_conf_path(void)
{
	const char *env = getenv("VMKIT_CONF");

	return env && *env ? env : DEFAULT_PATH;
}

/* "NAME:LINE: KEY: message", without KEY before a key was read. */
static int
fail(struct parser *ps, int line, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ps->key[0])
		return vm_error_set(ps->err, VM_EXIT_INVALID, "%s:%d: %s: %s", ps->name, line,
				    ps->key, msg);
	return vm_error_set(ps->err, VM_EXIT_INVALID, "%s:%d: %s", ps->name, line, msg);
}

/* Skips blanks and a comment; with NEWLINES also line ends. */
static void
skip(struct parser *ps, bool newlines)
{
	while (ps->p < ps->end) {
		if (*ps->p == '#') {
			while (ps->p < ps->end && *ps->p != '\n')
				ps->p++;
		} else if (*ps->p == '\n' && newlines) {
			ps->line++;
			ps->p++;
		} else if (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r') {
			ps->p++;
		} else {
			break;
		}
	}
}

static bool
at(struct parser *ps, char c)
{
	return ps->p < ps->end && *ps->p == c;
}

/* Length of the bare word (a key or an integer) at ps->p. */
static size_t
word_len(struct parser *ps)
{
	size_t n = 0;

	while (ps->p + n < ps->end &&
	       (isalnum((unsigned char)ps->p[n]) || strchr("_-+./", ps->p[n])))
		n++;
	return n;
}

static int
parse_string(struct parser *ps, char **out)
{
	cleanup_free char *s = malloc(ps->end - ps->p);
	size_t n = 0;

	if (!s)
		return vm_error_set(ps->err, VM_EXIT_SYSTEM, "out of memory");
	for (ps->p++; ps->p < ps->end && *ps->p != '"' && *ps->p != '\n'; ps->p++) {
		if (*ps->p == '\\') {
			ps->p++;
			if (ps->p == ps->end || (*ps->p != '"' && *ps->p != '\\'))
				return fail(ps, ps->line,
					    "invalid escape in a string (only \\\" and \\\\ are allowed)");
		}
		s[n++] = *ps->p;
	}
	if (!at(ps, '"'))
		return fail(ps, ps->line, "unterminated string");
	ps->p++;
	s[n] = '\0';
	*out = steal_ptr(s);
	return 0;
}

/* A list of strings; no key takes one yet, so its strings are dropped. */
static int
parse_list(struct parser *ps)
{
	for (ps->p++;; ps->p++) {
		cleanup_free char *s = NULL;

		skip(ps, true);
		if (at(ps, ']'))
			break;
		if (!at(ps, '"'))
			return fail(ps, ps->line,
				    ps->p == ps->end ? "unterminated list"
						     : "expected a \"string\" in the list");
		if (parse_string(ps, &s) < 0)
			return -1;
		skip(ps, true);
		if (at(ps, ']'))
			break;
		if (!at(ps, ','))
			return fail(ps, ps->line,
				    ps->p == ps->end ? "unterminated list"
						     : "expected ',' or ']' in the list");
	}
	ps->p++;
	return 0;
}

static int
parse_int(struct parser *ps, long long *num)
{
	size_t n = word_len(ps);
	const char *s = ps->p;
	char buf[32], *end;

	if (n == 0)
		return fail(ps, ps->line, "missing value");
	if (n < sizeof(buf) && (isdigit((unsigned char)s[0]) ||
				(s[0] == '-' && n > 1 && isdigit((unsigned char)s[1])))) {
		memcpy(buf, s, n);
		buf[n] = '\0';
		errno = 0;
		*num = strtoll(buf, &end, 10);
		if (!*end) {
			ps->p += n;
			return 0;
		}
	}
	return fail(ps, ps->line,
		    "invalid value '%.*s' (expected an integer, a \"string\" or a list)",
		    (int)(n > 64 ? 64 : n), s);
}

static int
parse_value(struct parser *ps, struct value *v)
{
	if (at(ps, '"')) {
		v->type = V_STRING;
		return parse_string(ps, &v->str);
	}
	if (at(ps, '[')) {
		v->type = V_LIST;
		return parse_list(ps);
	}
	v->type = V_INT;
	return parse_int(ps, &v->num);
}

static bool
one_of(const char *const *values, const char *s)
{
	for (; *values; values++)
		if (!strcmp(*values, s))
			return true;
	return false;
}

/* "a, b or c" */
static const char *
list_values(const char *const *values, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; values[i] && n < size; i++)
		n += snprintf(buf + n, size - n, "%s%s",
			      i == 0	      ? ""
			      : values[i + 1] ? ", "
					      : " or ",
			      values[i]);
	return buf;
}

static int
apply_string(struct parser *ps, int line, const struct key *k, char **field, struct value *v)
{
	char exp[128];

	if (v->type != V_STRING)
		return fail(ps, line, "expected a \"string\"");
	if (!*v->str)
		return fail(ps, line, "empty string");
	if (k->values && !one_of(k->values, v->str))
		return fail(ps, line, "unsupported value '%s' (expected %s)", v->str,
			    list_values(k->values, exp, sizeof(exp)));
	if (k->absolute && v->str[0] != '/')
		return fail(ps, line, "'%s' is not an absolute path", v->str);
	if (k->name_max &&
	    (strlen(v->str) > k->name_max ||
	     v->str[strspn(v->str, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				   "0123456789_-.")]))
		return fail(ps, line,
			    "invalid name '%s' (up to %zu letters, digits, '_', '-' and '.')",
			    v->str, k->name_max);
	free(*field);
	*field = steal_ptr(v->str);
	return 0;
}

/* "FIRST-LAST", decimal, 1 <= FIRST <= LAST < 2^32 - 1 (-1 is no id). */
static int
apply_range(struct parser *ps, int line, struct vm_id_range *r, struct value *v)
{
	unsigned long long first, last;
	char *end;

	if (v->type != V_STRING)
		return fail(ps, line, "expected a \"string\" such as \"200000-265535\"");
	errno = 0;
	first = isdigit((unsigned char)v->str[0]) ? strtoull(v->str, &end, 10) : 0;
	if (!first || errno || *end != '-' || !isdigit((unsigned char)end[1]))
		return fail(ps, line, "invalid range '%s' (expected \"FIRST-LAST\", uids above 0)",
			    v->str);
	last = strtoull(end + 1, &end, 10);
	if (errno || *end || last < first || last >= UINT32_MAX)
		return fail(ps, line, "invalid range '%s' (expected \"FIRST-LAST\", uids above 0)",
			    v->str);
	r->first = first;
	r->last = last;
	return 0;
}

static int
apply(struct vm_conf *conf, struct parser *ps, int line, const struct key *k, struct value *v)
{
	char *field = (char *)conf + k->offset;

	if (k->type == K_STRING)
		return apply_string(ps, line, k, (char **)field, v);
	if (k->type == K_RANGE)
		return apply_range(ps, line, (struct vm_id_range *)field, v);
	if (v->type != V_INT || v->num < k->min || v->num > k->max) {
		if (k->why)
			return fail(ps, line, "%s", k->why);
		if (k->type == K_BOOL)
			return fail(ps, line, "expected 0 or 1");
		return fail(ps, line, "expected an integer from %lld to %lld", k->min, k->max);
	}
	if (k->type == K_BOOL)
		*(bool *)field = v->num;
	else
		*(int *)field = v->num;
	return 0;
}

const char *
vm_conf_network(const struct vm_conf *conf, const char *name)
{
	for (size_t i = 0; i < conf->nnetworks; i++)
		if (!strcmp(conf->networks[i].name, name))
			return conf->networks[i].bridge;
	return NULL;
}

#define NETWORK_PREFIX "network."

/* network.NAME = "BRIDGE", one key a network, so no fixed table entry. */
static int
apply_network(struct vm_conf *conf, struct parser *ps, int line, struct value *v)
{
	const char *name = ps->key + strlen(NETWORK_PREFIX);
	struct vm_conf_network *nv;

	if (!*name)
		return fail(ps, line, "expected network.NAME");
	if (v->type != V_STRING)
		return fail(ps, line, "expected a \"string\", the name of a host bridge");
	if (!*v->str)
		return fail(ps, line, "empty string");
	if (vm_conf_network(conf, name))
		return fail(ps, line, "duplicate key");
	nv = realloc(conf->networks, (conf->nnetworks + 1) * sizeof(*nv));
	if (!nv)
		return vm_error_set(ps->err, VM_EXIT_SYSTEM, "out of memory");
	conf->networks = nv;
	nv[conf->nnetworks].name = strdup(name);
	if (!nv[conf->nnetworks].name)
		return vm_error_set(ps->err, VM_EXIT_SYSTEM, "out of memory");
	nv[conf->nnetworks++].bridge = steal_ptr(v->str);
	return 0;
}

static int
parse_setting(struct vm_conf *conf, struct parser *ps, int first_line[NKEYS])
{
	size_t n = word_len(ps);
	const struct key *k = NULL;
	struct value v = { 0 };
	int line = ps->line, r;
	size_t i;

	ps->key[0] = '\0';
	if (n == 0)
		return fail(ps, line, "expected a key");
	snprintf(ps->key, sizeof(ps->key), "%.*s", (int)n, ps->p);
	ps->p += n;
	for (i = 0; i < NKEYS && !k; i++)
		if (!strcmp(keys[i].name, ps->key))
			k = &keys[i];
	if (!k && strncmp(ps->key, NETWORK_PREFIX, strlen(NETWORK_PREFIX)))
		return fail(ps, line, "unknown key");
	if (k && first_line[i - 1])
		return fail(ps, line, "duplicate key (first set on line %d)", first_line[i - 1]);
	if (k)
		first_line[i - 1] = line;
	skip(ps, false);
	if (!at(ps, '='))
		return fail(ps, line, "expected '=' after the key");
	ps->p++;
	skip(ps, false);
	r = parse_value(ps, &v);
	if (r == 0) {
		skip(ps, false);
		if (ps->p < ps->end && *ps->p != '\n')
			r = fail(ps, ps->line, "unexpected text after the value");
	}
	if (r == 0)
		r = k ? apply(conf, ps, line, k, &v) : apply_network(conf, ps, line, &v);
	free(v.str);
	ps->key[0] = '\0';
	return r;
}

/* The index of key NAME in keys[]. */
static size_t
key_index(const char *name)
{
	size_t i = 0;

	while (strcmp(keys[i].name, name) != 0)
		i++;
	return i;
}

/* What lock_manager = "sanlock", when this file sets it, needs beyond its own line. */
static int
check_sanlock(const struct vm_conf *conf, struct parser *ps, const int first_line[NKEYS])
{
	int line = first_line[key_index("lock_manager")];

	if (!line || strcmp(conf->lock_manager, "sanlock") != 0)
		return 0;
	snprintf(ps->key, sizeof(ps->key), "lock_manager");
#ifndef HAVE_SANLOCK
	return fail(ps, line,
		    "this vmkit was built without the sanlock driver: install libsanlock-dev and build it again");
#else
	if (!conf->sanlock_host_id)
		return fail(ps, line,
			    "\"sanlock\" needs sanlock_host_id, this host's id in the lockspace (1 to 2000, unique per host)");
	return 0;
#endif
}

int
vm_conf_parse(struct vm_conf *conf, const char *buf, size_t len, const char *name,
	      struct vm_error *err)
{
	struct parser ps = { .p = buf, .end = buf + len, .line = 1, .name = name, .err = err };
	int first_line[NKEYS] = { 0 };
	const char *nul = memchr(buf, '\0', len);

	if (nul) {
		for (const char *p = buf; p < nul; p++)
			ps.line += *p == '\n';
		return fail(&ps, ps.line, "unexpected NUL byte");
	}
	for (;;) {
		skip(&ps, true);
		if (ps.p == ps.end)
			return check_sanlock(conf, &ps, first_line);
		if (parse_setting(conf, &ps, first_line) < 0)
			return -1;
	}
}

int
vm_conf_load(struct vm_conf *conf, const char *path, struct vm_error *err)
{
	const char *env = getenv("VMKIT_CONF");
	cleanup_free char *buf = NULL;
	struct stat st;
	size_t len = 0;

	/* the default file is optional; one named by $VMKIT_CONF is not */
	if (!(env && !strcmp(env, path)) && stat(path, &st) < 0 && errno == ENOENT)
		return 0;
	if (vm_paths_read_user(path, "config ", CONF_MAX_SIZE, &buf, &len, err) < 0)
		return -1;
	return vm_conf_parse(conf, buf, len, path, err);
}
