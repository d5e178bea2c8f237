#include "cpumap.h"
#include "cleanup.h"
#include "exitcodes.h"

#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct load {
	struct vm_cpumap *map;
	const char *path;
	struct vm_error *err;
};

static int
bad(struct load *l, xmlNodePtr n, const char *what)
{
	return vm_error_set(l->err, VM_EXIT_SYSTEM, "%s:%ld: libvirt's CPU map: %s", l->path,
			    n ? xmlGetLineNo(n) : 0L, what);
}

static bool
is(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

/* Attribute NAME of N copied into BUF, which it must fit; false if missing or too long. */
static bool
attr(xmlNodePtr n, const char *name, char *buf, size_t size)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	bool ok = v && *v && strlen((const char *)v) < size;

	if (ok)
		strcpy(buf, (const char *)v);
	xmlFree(v);
	return ok;
}

static bool
attr_uint(xmlNodePtr n, const char *name, unsigned *v)
{
	char buf[16], *end;
	unsigned long u;

	if (!attr(n, name, buf, sizeof(buf)))
		return false;
	errno = 0;
	u = strtoul(buf, &end, 0);
	*v = u;
	return !errno && !*end && u <= UINT_MAX;
}

/* '-' and '_' alike: libvirt writes lahf_lm where QEMU takes lahf-lm too. */
static bool
same_name(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (*a != *b && !((*a == '-' || *a == '_') && (*b == '-' || *b == '_')))
			return false;
	return *a == *b;
}

int
vm_cpumap_find(const struct vm_cpumap *map, const char *name)
{
	for (size_t i = 0; i < map->nfeatures; i++) {
		const struct vm_cpumap_feature *f = &map->features[i];

		if (same_name(f->name, name))
			return i;
		for (size_t a = 0; a < 4 && f->qemu_alias[a][0]; a++)
			if (same_name(f->qemu_alias[a], name))
				return i;
	}
	return -1;
}

int
vm_cpumap_vendor(const struct vm_cpumap *map, const char *s)
{
	for (size_t i = 0; i < map->nvendors; i++)
		if (!strcmp(map->vendors[i].string, s))
			return i;
	return -1;
}

static int
vendor_by_name(const struct vm_cpumap *map, const char *name)
{
	for (size_t i = 0; i < map->nvendors; i++)
		if (!strcmp(map->vendors[i].name, name))
			return i;
	return -1;
}

static int
feature_index(const struct vm_cpumap *map, const char *name)
{
	for (size_t i = 0; i < map->nfeatures; i++)
		if (!strcmp(map->features[i].name, name))
			return i;
	return -1;
}

static int
load_vendor(struct load *l, xmlNodePtr n)
{
	struct vm_cpumap *map = l->map;

	if (map->nvendors == sizeof(map->vendors) / sizeof(map->vendors[0]))
		return bad(l, n, "too many vendors");
	if (!attr(n, "name", map->vendors[map->nvendors].name, sizeof(map->vendors[0].name)) ||
	    !attr(n, "string", map->vendors[map->nvendors].string, sizeof(map->vendors[0].string)))
		return bad(l, n, "a <vendor> without a name or string");
	map->nvendors++;
	return 0;
}

static int
load_feature(struct load *l, xmlNodePtr n)
{
	struct vm_cpumap *map = l->map;
	struct vm_cpumap_feature *f = &map->features[map->nfeatures];
	char migratable[4] = "";
	size_t nalias = 0;

	if (map->nfeatures == VM_CPUMAP_FEATURES)
		return bad(l, n, "too many features");
	memset(f, 0, sizeof(*f));
	if (!attr(n, "name", f->name, sizeof(f->name)))
		return bad(l, n, "a <feature> without a name");
	if (feature_index(map, f->name) >= 0)
		return bad(l, n, "a feature defined twice");
	attr(n, "migratable", migratable, sizeof(migratable));
	f->migratable = strcmp(migratable, "no") != 0;
	for (xmlNodePtr c = n->children; c; c = c->next) {
		char source[16];

		if (!is(c, "alias") || !attr(c, "source", source, sizeof(source)) ||
		    strcmp(source, "qemu"))
			continue;
		if (nalias == 4 ||
		    !attr(c, "name", f->qemu_alias[nalias], sizeof(f->qemu_alias[0])))
			return bad(l, c, "a QEMU alias vmkit cannot keep");
		nalias++;
	}
	map->nfeatures++;
	return 0;
}

static int
load_signature(struct load *l, xmlNodePtr n, struct vm_cpumap_model *m)
{
	struct vm_cpumap_signature *s = &m->sigs[m->nsigs];
	char step[16];

	if (m->nsigs == sizeof(m->sigs) / sizeof(m->sigs[0]))
		return bad(l, n, "too many signatures");
	if (!attr_uint(n, "family", &s->family) || !attr_uint(n, "model", &s->model))
		return bad(l, n, "a <signature> without family and model");
	s->step_min = 0;
	s->step_max = 15;
	if (attr(n, "stepping", step, sizeof(step))) {
		int k = sscanf(step, "%u-%u", &s->step_min, &s->step_max);

		if (k < 1)
			return bad(l, n, "an invalid stepping");
		if (k == 1)
			s->step_max = s->step_min;
	}
	m->nsigs++;
	return 0;
}

static int
load_model_child(struct load *l, xmlNodePtr c, struct vm_cpumap_model *m)
{
	struct vm_cpumap *map = l->map;
	char name[VM_CPUMAP_NAME], removed[4] = "";
	int i;

	if (is(c, "decode")) {
		char guest[4];

		m->decode_guest = attr(c, "guest", guest, sizeof(guest)) && !strcmp(guest, "on");
	} else if (is(c, "signature")) {
		return load_signature(l, c, m);
	} else if (is(c, "vendor")) {
		if (!attr(c, "name", name, sizeof(name)) ||
		    (m->vendor = vendor_by_name(map, name)) < 0)
			return bad(l, c, "an unknown vendor");
	} else if (is(c, "model")) {
		/* the parent, earlier in the map: its features, vendor and signatures */
		size_t p;

		if (!attr(c, "name", name, sizeof(name)))
			return bad(l, c, "a parent <model> without a name");
		for (p = 0; p < map->nmodels && strcmp(map->models[p].name, name); p++)
			;
		if (p == map->nmodels)
			return bad(l, c, "an unknown parent model");
		memcpy(m->features, map->models[p].features, sizeof(m->features));
		m->vendor = map->models[p].vendor;
		memcpy(m->sigs, map->models[p].sigs, sizeof(m->sigs));
		m->nsigs = map->models[p].nsigs;
	} else if (is(c, "feature")) {
		if (!attr(c, "name", name, sizeof(name)) || (i = feature_index(map, name)) < 0)
			return bad(l, c, "an unknown feature");
		attr(c, "removed", removed, sizeof(removed));
		if (strcmp(removed, "yes")) {
			vm_cpumap_add(m->features, i);
			return 0;
		}
		if (m->nremoved == sizeof(m->removed) / sizeof(m->removed[0]))
			return bad(l, c, "too many removed features");
		m->removed[m->nremoved++] = i;
	}
	return 0;
}

static int
load_model(struct load *l, xmlNodePtr n)
{
	struct vm_cpumap *map = l->map;
	struct vm_cpumap_model *m = &map->models[map->nmodels];
	bool sigs_own = false;

	if (map->nmodels == VM_CPUMAP_MODELS)
		return bad(l, n, "too many models");
	memset(m, 0, sizeof(*m));
	m->vendor = -1;
	if (!attr(n, "name", m->name, sizeof(m->name)))
		return bad(l, n, "a <model> without a name");
	for (xmlNodePtr c = n->children; c; c = c->next) {
		/* a model's own signatures replace its parent's */
		if (is(c, "signature") && !sigs_own) {
			m->nsigs = 0;
			sigs_own = true;
		}
		if (load_model_child(l, c, m) < 0)
			return -1;
	}
	map->nmodels++;
	return 0;
}

static int
load_include(struct vm_cpumap *map, const char *dir, const char *file, struct vm_error *err)
{
	char path[PATH_MAX];
	struct load l = { map, path, err };
	xmlDocPtr doc;
	xmlNodePtr root;
	int r = 0;

	if (strchr(file, '/') ||
	    snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return vm_error_set(err, VM_EXIT_SYSTEM, "%s: libvirt's CPU map names '%s'", dir,
				    file);
	doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return vm_error_set(err, VM_EXIT_SYSTEM, "%s: cannot read libvirt's CPU map", path);
	root = xmlDocGetRootElement(doc);
	for (xmlNodePtr n = root ? root->children : NULL; n && r == 0; n = n->next)
		r = is(n, "vendor")    ? load_vendor(&l, n)
		    : is(n, "feature") ? load_feature(&l, n)
		    : is(n, "model")   ? load_model(&l, n)
				       : 0;
	xmlFreeDoc(doc);
	return r;
}

int
vm_cpumap_load(const char *dir, struct vm_cpumap **out, struct vm_error *err)
{
	char path[PATH_MAX];
	struct vm_cpumap *map;
	xmlDocPtr doc;
	xmlNodePtr root, x86 = NULL;
	int r = 0;

	if (snprintf(path, sizeof(path), "%s/index.xml", dir) >= (int)sizeof(path))
		return vm_error_set(err, VM_EXIT_SYSTEM, "%s: path too long", dir);
	doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return vm_error_set(err, VM_EXIT_SYSTEM,
				    "%s: cannot read libvirt's CPU map (package libvirt0)", path);
	root = xmlDocGetRootElement(doc);
	for (xmlNodePtr n = root ? root->children : NULL; n && !x86; n = n->next) {
		xmlChar *arch = is(n, "arch") ? xmlGetProp(n, (const xmlChar *)"name") : NULL;

		if (arch && !strcmp((const char *)arch, "x86"))
			x86 = n;
		xmlFree(arch);
	}
	map = calloc(1, sizeof(*map));
	if (!map)
		r = vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot read libvirt's CPU map");
	else if (!x86)
		r = vm_error_set(err, VM_EXIT_SYSTEM, "%s: no x86 CPU map", path);
	for (xmlNodePtr n = x86 ? x86->children : NULL; n && r == 0; n = n->next) {
		xmlChar *file =
			is(n, "include") ? xmlGetProp(n, (const xmlChar *)"filename") : NULL;

		if (file)
			r = load_include(map, dir, (const char *)file, err);
		xmlFree(file);
	}
	xmlFreeDoc(doc);
	if (r < 0) {
		free(map);
		return -1;
	}
	*out = map;
	return 0;
}

void
vm_cpumap_free(struct vm_cpumap *map)
{
	free(map);
}
