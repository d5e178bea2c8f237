#include "fwdesc.h"
#include "cleanup.h"
#include "exitcodes.h"
#include "qmp.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* More than any host has: Debian's ovmf installs three. */
#define FWDESC_MAX 256

struct entry {
	char name[NAME_MAX + 1];
	char path[PATH_MAX];
	bool empty; /* hides the name without naming firmware */
};

struct entries {
	struct entry v[FWDESC_MAX];
	size_t n;
};

/* Adds the *.json files of DIR, each hiding an earlier one of its name. */
static void
scan(struct entries *es, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		size_t len = strlen(e->d_name), i;
		struct stat st;
		char path[PATH_MAX];

		if (len < 6 || strcmp(e->d_name + len - 5, ".json") || e->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path) ||
		    stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		for (i = 0; i < es->n && strcmp(es->v[i].name, e->d_name); i++)
			;
		if (i == es->n) {
			if (es->n == FWDESC_MAX)
				continue;
			es->n++;
		}
		snprintf(es->v[i].name, sizeof(es->v[i].name), "%s", e->d_name);
		snprintf(es->v[i].path, sizeof(es->v[i].path), "%s", path);
		es->v[i].empty = st.st_size == 0;
	}
	if (d)
		closedir(d);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static bool
has_string(json_object *a, const char *s)
{
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		json_object *v = json_object_array_get_idx(a, i);

		if (json_object_is_type(v, json_type_string) &&
		    !strcmp(json_object_get_string(v), s))
			return true;
	}
	return false;
}

/* Whether a target of TARGETS names Q's architecture with a pattern of Q's machine. */
static bool
targets_match(json_object *targets, const struct vm_fwdesc_query *q)
{
	for (size_t i = 0; targets && i < json_object_array_length(targets); i++) {
		json_object *t = json_object_array_get_idx(targets, i);
		json_object *arch = vm_qmp_typed(t, "architecture", json_type_string);
		json_object *machines = vm_qmp_typed(t, "machines", json_type_array);

		if (!arch || strcmp(json_object_get_string(arch), q->arch))
			continue;
		for (size_t k = 0; machines && k < json_object_array_length(machines); k++) {
			json_object *m = json_object_array_get_idx(machines, k);

			if (json_object_is_type(m, json_type_string) &&
			    fnmatch(json_object_get_string(m), q->machine, 0) == 0)
				return true;
		}
	}
	return false;
}

/* The raw file FILE of a mapping into BUF; false when it has another format or none. */
static bool
raw_file(json_object *file, char *buf, size_t size)
{
	json_object *name = vm_qmp_typed(file, "filename", json_type_string);
	json_object *format = vm_qmp_typed(file, "format", json_type_string);

	if (!name || (format && strcmp(json_object_get_string(format), "raw")))
		return false;
	return snprintf(buf, size, "%s", json_object_get_string(name)) < (int)size;
}

static bool
wanted(enum vm_fwdesc_want w, bool has)
{
	return w == VM_FWDESC_ANY || (w == VM_FWDESC_YES) == has;
}

/* Whether the descriptor O fits Q; fills D. */
static bool
fits(json_object *o, const struct vm_fwdesc_query *q, struct vm_fwdesc *d)
{
	json_object *mapping = vm_qmp_typed(o, "mapping", json_type_object);
	json_object *features = vm_qmp_typed(o, "features", json_type_array);
	json_object *device = vm_qmp_typed(mapping, "device", json_type_string);
	json_object *mode = vm_qmp_typed(mapping, "mode", json_type_string);

	if (!has_string(vm_qmp_typed(o, "interface-types", json_type_array), "uefi") || !device ||
	    !targets_match(vm_qmp_typed(o, "targets", json_type_array), q))
		return false;
	d->nvram_template[0] = '\0';
	if (q->rom) {
		if (strcmp(json_object_get_string(device), "memory") ||
		    !raw_file(mapping, d->executable, sizeof(d->executable)))
			return false;
	} else if (strcmp(json_object_get_string(device), "flash") ||
		   (mode && strcmp(json_object_get_string(mode), "split")) ||
		   !raw_file(vm_qmp_typed(mapping, "executable", json_type_object), d->executable,
			     sizeof(d->executable)) ||
		   !raw_file(vm_qmp_typed(mapping, "nvram-template", json_type_object),
			     d->nvram_template, sizeof(d->nvram_template))) {
		return false;
	}
	d->secure_boot = has_string(features, "secure-boot");
	d->requires_smm = has_string(features, "requires-smm");
	if (!wanted(q->secure_boot, d->secure_boot) ||
	    !wanted(q->enrolled_keys, has_string(features, "enrolled-keys")) ||
	    (q->smm_off && d->requires_smm))
		return false;
	if (q->executable && strcmp(q->executable, d->executable))
		return false;
	return !q->nvram_template || !strcmp(q->nvram_template, d->nvram_template);
}

int
vm_fwdesc_find(const struct vm_fwdesc_query *q, struct vm_fwdesc *d, struct vm_error *err)
{
	static const char *const dirs[] = { VM_FWDESC_DIRS };
	cleanup_free struct entries *es = calloc(1, sizeof(*es));
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char user[PATH_MAX] = "";

	if (!es)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM,
				    "cannot read firmware descriptors");
	for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++)
		scan(es, dirs[i]);
	if (geteuid() != 0 && xdg && *xdg == '/')
		snprintf(user, sizeof(user), "%s/qemu/firmware", xdg);
	else if (geteuid() != 0 && home && *home == '/')
		snprintf(user, sizeof(user), "%s/.config/qemu/firmware", home);
	if (user[0])
		scan(es, user);
	qsort(es->v, es->n, sizeof(*es->v), by_name);
	for (size_t i = 0; i < es->n; i++) {
		json_object *o;
		bool ok;

		if (es->v[i].empty)
			continue;
		o = json_object_from_file(es->v[i].path);
		ok = o && fits(o, q, d);
		json_object_put(o);
		if (ok) {
			snprintf(d->path, sizeof(d->path), "%s", es->v[i].path);
			return 0;
		}
	}
	return vm_error_set(err, VM_EXIT_INVALID,
			    "no firmware descriptor in /usr/share/qemu/firmware or /etc/qemu/firmware%s%s fits (%zu read)",
			    user[0] ? " or " : "", user, es->n);
}
