/*
 * libvirt's x86 CPU map (Debian's libvirt0 installs it in
 * VM_CPUMAP_DIR): the CPUID features it names, the vendors, and the
 * named CPU models as sets of those features. host-model is libvirt's
 * choice among these models (hostmodel.h); vmkit reads the same files so
 * that it makes the same choice.
 *
 * Each feature of the map is one CPUID or MSR bit, and no two share one,
 * so a model is a set of feature indexes. A model's features include its
 * parent's (<model name='...'/>); those marked removed='yes' are not in
 * it but kept apart, as libvirt turns them off in a guest CPU.
 *
 *	struct vm_cpumap *map;
 *	if (vm_cpumap_load(VM_CPUMAP_DIR, &map, &err) < 0) ...   (VM_EXIT_SYSTEM)
 *	int f = vm_cpumap_find(map, "sse4-1");	(the map's "sse4.1", by its QEMU alias)
 *	vm_cpumap_free(map);
 */
#ifndef VM_CPUMAP_H
#define VM_CPUMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "error.h"

#define VM_CPUMAP_DIR "/usr/share/libvirt/cpu_map"

/* libvirt 9.0's map has 212 features, 60 x86 models and 3 vendors */
#define VM_CPUMAP_FEATURES 512
#define VM_CPUMAP_WORDS (VM_CPUMAP_FEATURES / 64)
#define VM_CPUMAP_MODELS 256
#define VM_CPUMAP_NAME 48

struct vm_cpumap_feature {
	char name[VM_CPUMAP_NAME];
	char qemu_alias[4][VM_CPUMAP_NAME]; /* QEMU's other spellings, "" after the last */
	bool migratable;
};

struct vm_cpumap_signature {
	unsigned family, model, step_min, step_max;
};

struct vm_cpumap_model {
	char name[VM_CPUMAP_NAME];
	bool decode_guest; /* libvirt may pick it for a guest CPU */
	int vendor;	   /* index of map->vendors, -1: any */
	struct vm_cpumap_signature sigs[8];
	size_t nsigs;
	uint64_t features[VM_CPUMAP_WORDS];
	unsigned removed[16]; /* feature indexes, in the file's order */
	size_t nremoved;
};

struct vm_cpumap {
	struct vm_cpumap_feature features[VM_CPUMAP_FEATURES];
	size_t nfeatures;
	struct {
		char name[16];
		char string[13]; /* CPUID's vendor string */
	} vendors[8];
	size_t nvendors;
	struct vm_cpumap_model models[VM_CPUMAP_MODELS]; /* in the map's order, oldest first */
	size_t nmodels;
};

/* Reads DIR/index.xml's x86 part and its includes. */
int vm_cpumap_load(const char *dir, struct vm_cpumap **map, struct vm_error *err);
void vm_cpumap_free(struct vm_cpumap *map);
/* The index of the feature named NAME, by the map's name or a QEMU alias; -1: none. */
int vm_cpumap_find(const struct vm_cpumap *map, const char *name);
/* The vendor whose CPUID string is S; -1: none. */
int vm_cpumap_vendor(const struct vm_cpumap *map, const char *s);

static inline bool
vm_cpumap_has(const uint64_t *set, unsigned f)
{
	return set[f / 64] >> (f % 64) & 1;
}

static inline void
vm_cpumap_add(uint64_t *set, unsigned f)
{
	set[f / 64] |= 1ULL << (f % 64);
}

#endif
