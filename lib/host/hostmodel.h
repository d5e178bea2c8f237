/*
 * <cpu mode='host-model'> as libvirt 9.0 resolves it: the named model of
 * its CPU map (cpumap.h) closest to the CPU QEMU offers (its 'max' model
 * under TCG, 'host' under KVM), with the features that model lacks
 * turned on and those QEMU's CPU lacks turned off.
 *
 * QEMU's CPU comes from two QMP replies, kept as they are so that tests
 * can replay them: query-cpu-model-expansion (type 'full') and
 * query-cpu-definitions, whose unavailable-features of a model are
 * turned off too. The choice is libvirt's x86Decode: models newest
 * first, of the CPU's vendor and allowed for guests; a model whose
 * signature (family, model, stepping) matches beats one that does not;
 * else the shorter feature list wins, each turned-off feature weighing
 * more than the last, counted as libvirt 9.0 counts them (a loop whose
 * bound shrinks as it counts, so turned-off features at the end of a
 * long list are not all counted). Features the map marks as not
 * migratable are then left out, as host-model is libvirt's migratable
 * CPU. tests/fixtures/cpu holds replies and
 * libvirt's answer for each.
 *
 *	struct vm_hostmodel hm;
 *	if (vm_hostmodel_decode(map, expansion, definitions, &hm, &err) < 0) ...
 *	hm.model: "EPYC"; hm.features[i]: "acpi" on, ..., "vme" off
 */
#ifndef VM_HOSTMODEL_H
#define VM_HOSTMODEL_H

#include <json-c/json.h>
#include <stdbool.h>
#include "cpumap.h"
#include "error.h"

struct vm_hostmodel {
	char model[VM_CPUMAP_NAME];
	struct {
		char name[VM_CPUMAP_NAME]; /* as QEMU's -cpu takes it, spelt as libvirt does */
		bool on;
	} features[VM_CPUMAP_FEATURES];
	size_t nfeatures;
	uint64_t cpu[VM_CPUMAP_WORDS]; /* the map's features QEMU's CPU has */
};

/* VM_EXIT_SYSTEM when the replies are not what QEMU sends or no model fits. */
int vm_hostmodel_decode(const struct vm_cpumap *map, json_object *expansion,
			json_object *definitions, struct vm_hostmodel *hm, struct vm_error *err);

/* NAME as libvirt gives it to QEMU: '-' for '_', and pclmulqdq; BUF holds VM_CPUMAP_NAME */
void vm_hostmodel_qemu_name(const char *name, char *buf);

#endif
