#include "hostmodel.h"
#include "exitcodes.h"
#include "qmp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* QEMU's CPU in the map's terms */
struct qemu_cpu {
	int vendor; /* -1: one the map does not know */
	unsigned family, model, stepping;
	uint64_t features[VM_CPUMAP_WORDS];
};

/* A candidate: a model and the feature list it needs, in libvirt's order. */
struct candidate {
	const struct vm_cpumap_model *model;
	struct {
		unsigned feature;
		bool on;
	} list[VM_CPUMAP_FEATURES];
	size_t n;
};

static int
read_expansion(const struct vm_cpumap *map, json_object *expansion, struct qemu_cpu *cpu,
	       struct vm_error *err)
{
	json_object *props = vm_qmp_typed(vm_qmp_typed(expansion, "model", json_type_object),
					  "props", json_type_object);
	json_object *v;
	int f;

	if (!props)
		return vm_error_set(err, VM_EXIT_SYSTEM,
				    "QEMU's CPU model expansion has no properties");
	memset(cpu, 0, sizeof(*cpu));
	/* properties the map does not know (QEMU's own, such as pmu) are ignored, as libvirt does */
	json_object_object_foreach(props, name, value)
	{
		if (json_object_is_type(value, json_type_boolean) &&
		    json_object_get_boolean(value) && (f = vm_cpumap_find(map, name)) >= 0)
			vm_cpumap_add(cpu->features, f);
	}
	if (!(v = vm_qmp_typed(props, "vendor", json_type_string)) ||
	    !vm_qmp_typed(props, "family", json_type_int) ||
	    !vm_qmp_typed(props, "model", json_type_int) ||
	    !vm_qmp_typed(props, "stepping", json_type_int))
		return vm_error_set(err, VM_EXIT_SYSTEM,
				    "QEMU's CPU model expansion has no vendor, family, model "
				    "or stepping");
	cpu->vendor = vm_cpumap_vendor(map, json_object_get_string(v));
	cpu->family = json_object_get_int(vm_qmp_typed(props, "family", json_type_int));
	cpu->model = json_object_get_int(vm_qmp_typed(props, "model", json_type_int));
	cpu->stepping = json_object_get_int(vm_qmp_typed(props, "stepping", json_type_int));
	return 0;
}

/* query-cpu-definitions' entry for NAME, NULL: QEMU has no such model */
static json_object *
definition(json_object *definitions, const char *name)
{
	for (size_t i = 0; i < json_object_array_length(definitions); i++) {
		json_object *d = json_object_array_get_idx(definitions, i);
		json_object *n = vm_qmp_typed(d, "name", json_type_string);

		if (n && !strcmp(json_object_get_string(n), name))
			return d;
	}
	return NULL;
}

/* libvirt drops TSX where Intel's microcode turned it off for good. */
static void
drop_broken_tsx(const struct vm_cpumap *map, struct qemu_cpu *cpu)
{
	int hle = vm_cpumap_find(map, "hle"), rtm = vm_cpumap_find(map, "rtm");

	if (cpu->vendor < 0 || strcmp(map->vendors[cpu->vendor].name, "Intel") ||
	    cpu->family != 6 ||
	    !((cpu->model == 63 && cpu->stepping < 4) || cpu->model == 60 || cpu->model == 69 ||
	      cpu->model == 70))
		return;
	if (hle >= 0)
		cpu->features[hle / 64] &= ~(1ULL << (hle % 64));
	if (rtm >= 0)
		cpu->features[rtm / 64] &= ~(1ULL << (rtm % 64));
}

static bool
listed(const struct candidate *c, unsigned f)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->list[i].feature == f)
			return true;
	return false;
}

static void
push(struct candidate *c, unsigned f, bool on)
{
	c->list[c->n].feature = f;
	c->list[c->n++].on = on;
}

/*
 * libvirt's x86DataToCPU: what the CPU has beyond the model, on; what the
 * model has beyond the CPU, and what QEMU says blocks the model, off; each
 * in the map's order; then the model's removed features, off.
 */
static void
candidate_of(const struct vm_cpumap *map, const struct qemu_cpu *cpu,
	     const struct vm_cpumap_model *m, json_object *blockers, struct candidate *c)
{
	uint64_t off[VM_CPUMAP_WORDS];
	int f;

	c->model = m;
	c->n = 0;
	for (size_t w = 0; w < VM_CPUMAP_WORDS; w++)
		off[w] = m->features[w] & ~cpu->features[w];
	for (size_t i = 0; i < json_object_array_length(blockers); i++) {
		json_object *b = json_object_array_get_idx(blockers, i);

		if (json_object_is_type(b, json_type_string) &&
		    (f = vm_cpumap_find(map, json_object_get_string(b))) >= 0 &&
		    !(vm_cpumap_has(cpu->features, f) && !vm_cpumap_has(m->features, f)))
			vm_cpumap_add(off, f);
	}
	for (size_t i = 0; i < map->nfeatures; i++)
		if (vm_cpumap_has(cpu->features, i) && !vm_cpumap_has(m->features, i))
			push(c, i, true);
	for (size_t i = 0; i < map->nfeatures; i++)
		if (vm_cpumap_has(off, i))
			push(c, i, false);
	for (size_t i = 0; i < m->nremoved; i++)
		if (!listed(c, m->removed[i]))
			push(c, m->removed[i], false);
}

static bool
signature_matches(const struct vm_cpumap_model *m, const struct qemu_cpu *cpu)
{
	for (size_t i = 0; i < m->nsigs; i++)
		if (m->sigs[i].family == cpu->family && m->sigs[i].model == cpu->model &&
		    cpu->stepping >= m->sigs[i].step_min && cpu->stepping <= m->sigs[i].step_max)
			return true;
	return false;
}

/* libvirt 9.0's weight of a list, and of its turned-off part (see hostmodel.h). */
static size_t
weight(const struct candidate *c, size_t *disabled)
{
	size_t enabled = c->n, penalty = 2;

	*disabled = 0;
	for (size_t i = 0; i < enabled; i++)
		if (!c->list[i].on) {
			enabled--;
			*disabled += penalty++;
		}
	return enabled + *disabled;
}

static bool
better(const struct candidate *cand, const struct candidate *cur, const struct qemu_cpu *cpu)
{
	bool cand_sig = signature_matches(cand->model, cpu);
	bool cur_sig = signature_matches(cur->model, cpu);
	size_t cand_off, cur_off, cand_w, cur_w;

	if (cur_sig != cand_sig)
		return cand_sig;
	cand_w = weight(cand, &cand_off);
	cur_w = weight(cur, &cur_off);
	return cand_w < cur_w || (cand_w == cur_w && cand_off < cur_off);
}

void
vm_hostmodel_qemu_name(const char *name, char *buf)
{
	if (!strcmp(name, "pclmuldq"))
		name = "pclmulqdq";
	snprintf(buf, VM_CPUMAP_NAME, "%s", name);
	for (char *p = buf; *p; p++)
		if (*p == '_')
			*p = '-';
}

int
vm_hostmodel_decode(const struct vm_cpumap *map, json_object *expansion, json_object *definitions,
		    struct vm_hostmodel *hm, struct vm_error *err)
{
	struct candidate *best = calloc(1, sizeof(*best)), *c = calloc(1, sizeof(*c)), *t;
	struct qemu_cpu cpu;
	bool any = false;
	int r = -1;

	if (!best || !c) {
		vm_error_set(err, VM_EXIT_SYSTEM, "out of memory");
		goto out;
	}
	if (!json_object_is_type(definitions, json_type_array)) {
		vm_error_set(err, VM_EXIT_SYSTEM, "QEMU's CPU definitions are not a list");
		goto out;
	}
	if (read_expansion(map, expansion, &cpu, err) < 0)
		goto out;
	drop_broken_tsx(map, &cpu);
	for (size_t i = map->nmodels; i-- > 0;) {
		const struct vm_cpumap_model *m = &map->models[i];
		json_object *d = definition(definitions, m->name);

		if (!d || !m->decode_guest ||
		    (cpu.vendor >= 0 && m->vendor >= 0 && cpu.vendor != m->vendor))
			continue;
		candidate_of(map, &cpu, m, vm_qmp_typed(d, "unavailable-features", json_type_array),
			     c);
		if (any && !better(c, best, &cpu))
			continue;
		t = best;
		best = c;
		c = t;
		any = true;
	}
	if (!any) {
		vm_error_set(err, VM_EXIT_SYSTEM, "no CPU model of libvirt's map fits QEMU's CPU");
		goto out;
	}
	strcpy(hm->model, best->model->name);
	memcpy(hm->cpu, cpu.features, sizeof(hm->cpu));
	/* host-model is libvirt's migratable CPU: without what cannot migrate (invtsc) */
	hm->nfeatures = 0;
	for (size_t i = 0; i < best->n; i++) {
		const struct vm_cpumap_feature *f = &map->features[best->list[i].feature];

		if (!f->migratable)
			continue;
		vm_hostmodel_qemu_name(f->name, hm->features[hm->nfeatures].name);
		hm->features[hm->nfeatures++].on = best->list[i].on;
	}
	r = 0;
out:
	free(best);
	free(c);
	return r;
}
