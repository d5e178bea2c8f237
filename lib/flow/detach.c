#include "detach.h"
#include "hotplug.h"
#include "exitcodes.h"
#include "hooks.h"
#include "disk.h"
#include "qmp.h"
#include "rundir.h"
#include "status.h"

#include <stdint.h>
#include <string.h>

/* QMP arguments are mostly strings */
#define S(s) json_object_new_string(s)

/*
 * Deletes the block nodes of TARGET's N files, where they are expected
 * to exist; if QEMU refuses, deletes whichever exist.
 */
static int
delete_all_nodes(struct vm_hotplug *op, const char *target, size_t n, struct vm_error *err)
{
	char fmtname[32], filename[32];

	for (size_t k = 0; k < n; k++) {
		vm_disk_layer_names(target, k, fmtname, filename);
		if (vm_hotplug_qmp(op, "blockdev-del", vm_qmp_json("node-name", S(fmtname), NULL),
				   NULL, err) < 0 ||
		    vm_hotplug_qmp(op, "blockdev-del", vm_qmp_json("node-name", S(filename), NULL),
				   NULL, err) < 0) {
			vm_error_clear(err);
			return vm_hotplug_delete_nodes(op, target, err);
		}
	}
	return 0;
}

static int
detach_locked(struct vm_hotplug *op, const char *target, struct vm_error *err)
{
	unsigned nodes = 0;
	bool had;
	size_t i = vm_status_disk_index(op->st, target, 0);
	bool recorded = i < op->st->ndisks;

	if (vm_hotplug_unplug(op, target, "disk", &had, err) < 0)
		return err->code == VM_EXIT_NO
			       ? -1
			       : vm_error_prefix(err, "cannot detach '%s' from domain '%s'", target,
						 op->name);
	if (!recorded && !had && vm_hotplug_block_nodes(op, target, &nodes, err) < 0)
		return -1;
	if (!recorded && !had && !nodes)
		return vm_error_set(err, VM_EXIT_NO, "domain '%s' has no disk '%s'", op->name,
				    target);
	/* a recorded disk with a file has both nodes, unless an attach was cut short */
	if (recorded && op->st->disks[i].path
		    ? delete_all_nodes(op, target, op->st->disks[i].nbacking + 1, err) < 0
		    : vm_hotplug_delete_nodes(op, target, err) < 0)
		return -1;
	vm_hook("attach:blockdev-deleted");
	/* a cdrom whose medium change was cut short has two records */
	for (; i < op->st->ndisks; i = vm_status_disk_index(op->st, target, i)) {
		if (vm_hotplug_release(op, i, SIZE_MAX, err) < 0)
			return -1;
		vm_status_remove_disk(op->st, i);
		if (vm_status_write(op->dl->dirfd, op->st, err) < 0)
			return -1;
		vm_hook("attach:forgotten");
	}
	vm_rundir_log(op->dl->dirfd, "detached '%s' from domain '%s'", target, op->name);
	return 0;
}

int
vm_detach_disk(const struct vm_conf *conf, const struct vm_paths *paths, const char *name,
	       const char *target, const struct vm_attach_opts *opts, struct vm_error *err)
{
	struct vm_hotplug op = { .conf = conf, .opts = opts, .name = name };
	int r = vm_hotplug_begin(&op, paths, target, err);

	if (r == 0)
		r = detach_locked(&op, target, err);
	vm_hotplug_end(&op);
	return r;
}
