/*
 * Unit tests for host-model: libvirt's CPU map as vmkit reads it, and the
 * model and features vmkit makes of QEMU's CPU, which must be libvirt
 * 9.0's for every CPU of $VMKIT_SRCDIR/tests/fixtures/cpu (NAME.json:
 * QEMU's replies; NAME.cpu: libvirt's -cpu, tests/oracle/record-cpu).
 */
#include "cpumap.h"
#include "exitcodes.h"
#include "hostmodel.h"
#include "tap.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	if (getdelim(&s, &len, '\0', f) < 0) {
		free(s);
		s = NULL;
	}
	fclose(f);
	return s;
}

/* vmkit's -cpu for the replies in JSON, as "MODEL,NAME=on,..." */
static int
decode(const struct vm_cpumap *map, const char *json, char *out, size_t size, struct vm_error *err)
{
	json_object *o = json_tokener_parse(json), *exp = NULL, *defs = NULL;
	static struct vm_hostmodel hm;
	size_t len;
	int r;

	json_object_object_get_ex(o, "expansion", &exp);
	json_object_object_get_ex(o, "definitions", &defs);
	r = vm_hostmodel_decode(map, exp, defs, &hm, err);
	json_object_put(o);
	if (r < 0)
		return -1;
	len = snprintf(out, size, "%s", hm.model);
	for (size_t i = 0; i < hm.nfeatures && len < size; i++)
		len += snprintf(out + len, size - len, ",%s=%s", hm.features[i].name,
				hm.features[i].on ? "on" : "off");
	return 0;
}

static void
fixtures(const struct vm_cpumap *map, const char *srcdir)
{
	char dir[PATH_MAX], path[PATH_MAX + 300], got[8192];
	struct dirent **names;
	int n, seen = 0;

	snprintf(dir, sizeof(dir), "%s/tests/fixtures/cpu", srcdir);
	n = scandir(dir, &names, NULL, alphasort);
	ok(n > 0, "%s can be read", dir);
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		size_t len = strlen(name);
		struct vm_error err = VM_ERROR_INIT;
		char *json, *want;

		if (len > 5 && !strcmp(name + len - 5, ".json")) {
			snprintf(path, sizeof(path), "%s/%s", dir, name);
			json = slurp(path);
			strcpy(path + strlen(path) - 5, ".cpu");
			want = slurp(path);
			if (want)
				want[strcspn(want, "\n")] = '\0';
			ok(json && want && decode(map, json, got, sizeof(got), &err) == 0 &&
				   !strcmp(got, want),
			   "%s: libvirt's %s", name, want ? want : "(no .cpu)");
			if (want && strcmp(got, want))
				printf("# got  %s\n# err  %s\n", got, err.msg);
			seen++;
			free(json);
			free(want);
		}
		free(names[i]);
	}
	free(names);
	/* tcg-max and the six made from it */
	ok(seen >= 7, "%d CPUs compared", seen);
}

static void
refusals(const struct vm_cpumap *map)
{
	static const struct {
		const char *json, *msg;
	} bad[] = {
		{ "{\"expansion\": {}, \"definitions\": []}",
		  "QEMU's CPU model expansion has no properties" },
		{ "{\"expansion\": {\"model\": {\"props\": {\"sse\": true}}}, \"definitions\": []}",
		  "QEMU's CPU model expansion has no vendor, family, model or stepping" },
		{ "{\"expansion\": {\"model\": {\"props\": {\"vendor\": \"AuthenticAMD\", "
		  "\"family\": 23, \"model\": 1, \"stepping\": 2}}}, \"definitions\": {}}",
		  "QEMU's CPU definitions are not a list" },
		{ "{\"expansion\": {\"model\": {\"props\": {\"vendor\": \"AuthenticAMD\", "
		  "\"family\": 23, \"model\": 1, \"stepping\": 2}}}, "
		  "\"definitions\": [{\"name\": \"no-such-model\"}]}",
		  "no CPU model of libvirt's map fits QEMU's CPU" },
	};
	char got[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vm_error err = VM_ERROR_INIT;

		ok(decode(map, bad[i].json, got, sizeof(got), &err) < 0 &&
			   err.code == VM_EXIT_SYSTEM && !strcmp(err.msg, bad[i].msg),
		   "refused: %s (%s)", bad[i].msg, err.msg);
	}
}

/* A map of DIR/index.xml including DIR/x86_one.xml with BODY. */
static int
load_map(const char *dir, const char *body, struct vm_cpumap **map, struct vm_error *err)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/index.xml", dir);
	f = fopen(path, "w");
	fputs("<cpus>\n<arch name='x86'>\n<include filename='x86_one.xml'/>\n</arch>\n</cpus>\n",
	      f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/x86_one.xml", dir);
	f = fopen(path, "w");
	fprintf(f, "<cpus>\n%s</cpus>\n", body);
	fclose(f);
	return vm_cpumap_load(dir, map, err);
}

static void
maps(void)
{
	char dir[] = "/tmp/vmkit-cpumap-XXXXXX", want[PATH_MAX + 100];
	struct vm_error err = VM_ERROR_INIT;
	struct vm_cpumap *map = NULL;

	ok(vm_cpumap_load("/nonexistent", &map, &err) < 0 && err.code == VM_EXIT_SYSTEM &&
		   !strcmp(err.msg, "/nonexistent/index.xml: cannot read libvirt's CPU map "
				    "(package libvirt0)"),
	   "a missing map: %s", err.msg);
	if (!mkdtemp(dir))
		return;
	vm_error_clear(&err);
	ok(load_map(dir,
		    "<feature name='a'><cpuid eax_in='0x01' edx='0x01'/></feature>\n"
		    "<feature name='b_c'><alias name='bee' source='qemu'/>"
		    "<cpuid eax_in='0x01' edx='0x02'/></feature>\n"
		    "<model name='m'><decode host='on' guest='on'/>"
		    "<signature family='6' model='85' stepping='5-7'/>"
		    "<feature name='a'/><feature name='b_c' removed='yes'/></model>\n"
		    "<model name='n'><decode host='on' guest='off'/><model name='m'/></model>\n",
		    &map, &err) == 0,
	   "a map of two features and two models loads (%s)", err.msg);
	ok(map && map->nfeatures == 2 && vm_cpumap_find(map, "b-c") == 1 &&
		   vm_cpumap_find(map, "bee") == 1 && vm_cpumap_find(map, "c") == -1,
	   "features are found by name, '-' for '_', and QEMU alias");
	ok(map && map->nmodels == 2 && vm_cpumap_has(map->models[1].features, 0) &&
		   !vm_cpumap_has(map->models[1].features, 1) && map->models[1].nremoved == 0 &&
		   map->models[0].nremoved == 1 && map->models[1].nsigs == 1 &&
		   map->models[1].sigs[0].step_min == 5 && map->models[1].sigs[0].step_max == 7 &&
		   !map->models[1].decode_guest,
	   "a model has its parent's features and signatures, not its removed ones");
	vm_cpumap_free(map);
	map = NULL;
	snprintf(want, sizeof(want), "%s/x86_one.xml:3: libvirt's CPU map: an unknown feature",
		 dir);
	ok(load_map(dir,
		    "<feature name='a'><cpuid eax_in='0x01' edx='0x01'/></feature>\n"
		    "<model name='m'><feature name='zz'/></model>\n",
		    &map, &err) < 0 &&
		   !strcmp(err.msg, want),
	   "an unknown feature names its file and line: %s", err.msg);
	snprintf(want, sizeof(want), "%s/index.xml", dir);
	unlink(want);
	snprintf(want, sizeof(want), "%s/x86_one.xml", dir);
	unlink(want);
	rmdir(dir);
}

int
main(void)
{
	const char *srcdir = getenv("VMKIT_SRCDIR");
	struct vm_error err = VM_ERROR_INIT;
	struct vm_cpumap *map = NULL;

	ok(vm_cpumap_load(VM_CPUMAP_DIR, &map, &err) == 0, "libvirt's CPU map loads (%s)", err.msg);
	if (map) {
		fixtures(map, srcdir ? srcdir : ".");
		refusals(map);
	}
	vm_cpumap_free(map);
	maps();
	return tap_done();
}
