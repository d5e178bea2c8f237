#include "attach.h"
#include "attach_op.h"
#include "exitcodes.h"
#include "hooks.h"
#include "disk_qemu.h"
#include "qmp.h"
#include "state.h"
#include "status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The query-block entry of the drive TARGET (the caller puts *DRIVE), or
 * NULL. Drives of devices with an id are named by it, virtio-blk's by
 * its backend.
 */
static int
find_drive(struct vm_attach_op *op, const char *target, json_object **drive,
	   struct vm_error *err)
{
	json_object *ret = NULL;
	char vpath[64];

	*drive = NULL;
	snprintf(vpath, sizeof(vpath), "/machine/peripheral/%s/virtio-backend", target);
	if (vm_attach_qmp(op, "query-block", NULL, &ret, err) < 0)
		return -1;
	for (size_t i = 0; i < vm_attach_array_len(ret) && !*drive; i++) {
		json_object *b = json_object_array_get_idx(ret, i);
		const char *qdev = vm_attach_member(b, "qdev");

		if (strcmp(qdev, target) == 0 || strcmp(qdev, vpath) == 0)
			*drive = json_object_get(b);
	}
	json_object_put(ret);
	return 0;
}

/* The cdrom drive TARGET; *LOADED tells whether it has a medium. */
static int
find_cdrom(struct vm_attach_op *op, const char *target, bool *loaded, struct vm_error *err)
{
	json_object *drive = NULL, *v = NULL;
	bool removable;

	if (find_drive(op, target, &drive, err) < 0)
		return -1;
	if (!drive)
		return vm_error_set(err, VM_EXIT_NO, "domain '%s' has no cdrom '%s'", op->name, target);
	removable = json_object_object_get_ex(drive, "removable", &v) && json_object_get_boolean(v);
	*loaded = json_object_object_get_ex(drive, "inserted", NULL);
	json_object_put(drive);
	if (!removable)
		return vm_error_set(err, VM_EXIT_INVALID, "disk '%s' of domain '%s' is not a cdrom",
				    target, op->name);
	return 0;
}

/*
 * Removes the medium of the drive TARGET, gives back the one of record
 * I (if any) and forgets it.
 */
static int
remove_medium(struct vm_attach_op *op, const char *target, bool loaded, const size_t *i,
	      struct vm_error *err)
{
	if (loaded &&
	    (vm_attach_qmp(op, "blockdev-open-tray",
			   vm_attach_json("id", S(target), "force", json_object_new_boolean(true),
					  NULL), NULL, err) < 0 ||
	     vm_attach_qmp(op, "blockdev-remove-medium", vm_attach_json("id", S(target), NULL), NULL,
			   err) < 0))
		return -1;
	vm_hook("attach:medium-removed");
	if (vm_attach_delete_nodes(op, target, err) < 0)
		return -1;
	vm_hook("attach:blockdev-deleted");
	if (i && vm_attach_release(op, *i, err) < 0)
		return -1;
	return 0;
}

static int
eject_locked(struct vm_attach_op *op, const char *target, struct vm_error *err)
{
	struct vm_status_disk *rec;
	bool loaded;
	size_t i = vm_status_disk_index(op->st, target, 0);
	bool recorded = i < op->st->ndisks;

	if (find_cdrom(op, target, &loaded, err) < 0 ||
	    remove_medium(op, target, loaded, recorded ? &i : NULL, err) < 0)
		return -1;
	if (!recorded || !op->st->disks[i].path)
		return 0;
	rec = &op->st->disks[i];
	free(rec->path);
	*rec = (struct vm_status_disk){ .target = rec->target };
	if (vm_status_write(op->dl->dirfd, op->st, err) < 0)
		return -1;
	vm_hook("attach:forgotten");
	vm_state_log(op->dl->dirfd, "ejected the medium of '%s' in domain '%s'", target, op->name);
	return 0;
}

static int
insert_locked(struct vm_attach_op *op, const struct vm_disk *d, struct vm_error *err)
{
	struct vm_leaseset held = { 0 };
	const char *target = d->target;
	char fmtname[32], filename[32];
	bool loaded, passed = false;
	int nodes = 0;
	size_t old = vm_status_disk_index(op->st, target, 0);
	bool recorded = old < op->st->ndisks;

	vm_disk_node_names(target, fmtname, filename);
	if (find_cdrom(op, target, &loaded, err) < 0)
		return -1;
	/* the new medium is leased and labelled while the old one is still in */
	if (vm_attach_lease_and_label(op, d, "", &held, err) < 0)
		return -1;
	if (loaded || recorded) {
		if (remove_medium(op, target, loaded, recorded ? &old : NULL, err) < 0)
			goto fail;
		if (recorded)
			vm_status_remove_disk(op->st, old);
		if (vm_status_write(op->dl->dirfd, op->st, err) < 0)
			goto fail;
		vm_hook("attach:forgotten");
	}
	if (vm_attach_hand_over(op, target, &held, &passed, err) < 0 ||
	    vm_attach_add_nodes(op, d, &nodes, err) < 0)
		goto fail;
	vm_hook("attach:blockdev-added");
	if (vm_attach_qmp(op, "blockdev-open-tray",
			  vm_attach_json("id", S(target), "force", json_object_new_boolean(true),
					 NULL), NULL, err) < 0 ||
	    vm_attach_qmp(op, "blockdev-insert-medium",
			  vm_attach_json("id", S(target), "node-name", S(fmtname), NULL), NULL, err) < 0)
		goto fail;
	vm_hook("attach:medium-inserted");
	if (vm_attach_qmp(op, "blockdev-close-tray", vm_attach_json("id", S(target), NULL), NULL,
			  err) < 0)
		goto fail;
	vm_state_log(op->dl->dirfd, "inserted '%s' into '%s' of domain '%s'", d->source, target,
		     op->name);
	return 0;

fail:
	vm_leaseset_release(&held);
	vm_attach_unwind(op, target, nodes, passed);
	return vm_error_prefix(err, "cannot insert '%s' into '%s'", d->source, target);
}

int
vm_attach_eject(const struct vm_conf *conf, const struct vm_paths *paths, const char *name,
		const char *target, const struct vm_attach_opts *opts, struct vm_error *err)
{
	struct vm_attach_op op = { .conf = conf, .opts = opts, .name = name };
	int r = vm_attach_begin(&op, paths, target, err);

	if (r == 0)
		r = eject_locked(&op, target, err);
	vm_attach_end(&op);
	return r;
}

int
vm_attach_insert(const struct vm_conf *conf, const struct vm_paths *paths, const char *name,
		 const struct vm_disk *medium, const struct vm_attach_opts *opts,
		 struct vm_error *err)
{
	struct vm_attach_op op = { .conf = conf, .opts = opts, .name = name };
	int r = vm_attach_begin(&op, paths, medium->target, err);

	if (r == 0)
		r = insert_locked(&op, medium, err);
	vm_attach_end(&op);
	return r;
}
