#include "media.h"
#include "hotplug.h"
#include "exitcodes.h"
#include "hooks.h"
#include "image.h"
#include "disk.h"
#include "qmp.h"
#include "rundir.h"
#include "status.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* QMP arguments are mostly strings */
#define S(s) json_object_new_string(s)

/*
 * The query-block entry of the drive TARGET (the caller puts *DRIVE), or
 * NULL. Drives of devices with an id are named by it, virtio-blk's by
 * its backend.
 */
static int
find_drive(struct vm_hotplug *op, const char *target, json_object **drive, struct vm_error *err)
{
	json_object *ret = NULL;
	char vpath[64];

	*drive = NULL;
	snprintf(vpath, sizeof(vpath), "/machine/peripheral/%s/virtio-backend", target);
	if (vm_hotplug_qmp(op, "query-block", NULL, &ret, err) < 0)
		return -1;
	for (size_t i = 0; i < vm_qmp_array_len(ret) && !*drive; i++) {
		json_object *b = json_object_array_get_idx(ret, i);
		const char *qdev = vm_qmp_member(b, "qdev");

		if (strcmp(qdev, target) == 0 || strcmp(qdev, vpath) == 0)
			*drive = json_object_get(b);
	}
	json_object_put(ret);
	return 0;
}

/* The cdrom drive TARGET; *LOADED tells whether it has a medium. */
static int
find_cdrom(struct vm_hotplug *op, const char *target, bool *loaded, struct vm_error *err)
{
	json_object *drive = NULL, *v = NULL;
	bool removable;

	if (find_drive(op, target, &drive, err) < 0)
		return -1;
	if (!drive)
		return vm_error_set(err, VM_EXIT_NO, "domain '%s' has no cdrom '%s'", op->name,
				    target);
	removable = json_object_object_get_ex(drive, "removable", &v) && json_object_get_boolean(v);
	*loaded = json_object_object_get_ex(drive, "inserted", NULL);
	json_object_put(drive);
	if (!removable)
		return vm_error_set(err, VM_EXIT_INVALID, "disk '%s' of domain '%s' is not a cdrom",
				    target, op->name);
	return 0;
}

/* How often, 20 ms apart, the tray is opened again when the guest
 * closed it before the medium could be taken out or put in. */
#define TRAY_TRIES 50

/*
 * Opens the tray of TARGET, forced, and runs CMD on it: takes the medium
 * out, or puts NODE in. The guest may close the tray in between
 * (firmware that probes a cdrom loads it with START STOP UNIT), and CMD
 * then fails: the tray is opened again.
 */
static int
with_tray_open(struct vm_hotplug *op, const char *target, const char *cmd, const char *node,
	       struct vm_error *err)
{
	struct timespec pause = { 0, 20 * 1000000L };

	for (int i = 0;; i++) {
		if (vm_hotplug_qmp(op, "blockdev-open-tray",
				   vm_qmp_json("id", S(target), "force",
					       json_object_new_boolean(true), NULL),
				   NULL, err) < 0)
			return -1;
		if (vm_hotplug_qmp(op, cmd,
				   node ? vm_qmp_json("id", S(target), "node-name", S(node), NULL)
					: vm_qmp_json("id", S(target), NULL),
				   NULL, err) == 0)
			return 0;
		if (i + 1 >= TRAY_TRIES || !strstr(err->msg, "is not open"))
			return -1;
		vm_error_clear(err);
		nanosleep(&pause, NULL);
	}
}

/* Takes the medium out of the drive TARGET, and deletes its block nodes. */
static int
remove_medium(struct vm_hotplug *op, const char *target, bool loaded, struct vm_error *err)
{
	if (loaded && with_tray_open(op, target, "blockdev-remove-medium", NULL, err) < 0)
		return -1;
	vm_hook("attach:medium-removed");
	if (vm_hotplug_delete_nodes(op, target, err) < 0)
		return -1;
	vm_hook("attach:blockdev-deleted");
	return 0;
}

/*
 * Gives back the medium of every record of TARGET but PENDING (the one
 * being inserted, or SIZE_MAX) and empties those records in place: the
 * drive stays recorded. *FORGOT tells whether there was one.
 */
static int
forget_media(struct vm_hotplug *op, const char *target, size_t pending, bool *forgot,
	     struct vm_error *err)
{
	*forgot = false;
	for (size_t i = vm_status_disk_index(op->st, target, 0); i < op->st->ndisks;
	     i = vm_status_disk_index(op->st, target, i + 1)) {
		struct vm_status_disk *rec = &op->st->disks[i];

		if (i == pending || !rec->path)
			continue;
		if (vm_hotplug_release(op, i, pending, err) < 0)
			return -1;
		free(rec->path);
		free(rec->identity);
		*rec = (struct vm_status_disk){ .target = rec->target };
		if (vm_status_write(op->dl->dirfd, op->st, err) < 0)
			return -1;
		vm_hook("attach:forgotten");
		*forgot = true;
	}
	return 0;
}

/* Drops every record of TARGET but record KEEP, which stays the drive's one. */
static int
drop_others(struct vm_hotplug *op, const char *target, size_t keep, struct vm_error *err)
{
	size_t n = op->st->ndisks, i = vm_status_disk_index(op->st, target, 0);

	while (i < op->st->ndisks) {
		if (i == keep) {
			i++;
		} else {
			vm_status_remove_disk(op->st, i);
			keep -= i < keep;
		}
		i = vm_status_disk_index(op->st, target, i);
	}
	return n == op->st->ndisks ? 0 : vm_status_write(op->dl->dirfd, op->st, err);
}

static int
eject_locked(struct vm_hotplug *op, const char *target, struct vm_error *err)
{
	size_t first = vm_status_disk_index(op->st, target, 0);
	bool loaded, forgot;

	if (find_cdrom(op, target, &loaded, err) < 0 ||
	    remove_medium(op, target, loaded, err) < 0 ||
	    forget_media(op, target, SIZE_MAX, &forgot, err) < 0)
		return -1;
	/* an insert cut short leaves two records: one empty drive is left */
	if (first < op->st->ndisks && drop_others(op, target, first, err) < 0)
		return -1;
	if (forgot)
		vm_rundir_log(op->dl->dirfd, "ejected the medium of '%s' in domain '%s'", target,
			      op->name);
	return 0;
}

/*
 * The new medium is leased, labelled and recorded while the old one is
 * still in; the old one's records are emptied once it is out, and
 * dropped once the new one is in. A failure after the old medium is out
 * leaves the drive empty and recorded, the old medium given back.
 */
static int
insert_locked(struct vm_hotplug *op, const struct vm_disk *d, struct vm_error *err)
{
	struct vm_leaseset held = { 0 };
	struct vm_image img = { 0 };
	const char *target = d->target;
	char fmtname[32], filename[32];
	bool loaded, forgot, passed = false;
	int nodes = 0;
	size_t mine;
	bool recorded = vm_status_disk_index(op->st, target, 0) < op->st->ndisks;

	vm_disk_node_names(target, fmtname, filename);
	if (find_cdrom(op, target, &loaded, err) < 0)
		return -1;
	if (vm_hotplug_lease_and_label(op, d, "", &img, &held, err) < 0)
		return -1;
	mine = op->st->ndisks - 1;
	if ((loaded || recorded) && remove_medium(op, target, loaded, err) < 0)
		goto fail;
	if (forget_media(op, target, mine, &forgot, err) < 0)
		goto fail;
	if (vm_hotplug_hand_over(op, target, &held, &passed, err) < 0 ||
	    vm_hotplug_add_nodes(op, d, &img, &nodes, err) < 0)
		goto fail;
	vm_image_close(&img);
	vm_hook("attach:blockdev-added");
	if (with_tray_open(op, target, "blockdev-insert-medium", fmtname, err) < 0)
		goto fail;
	vm_hook("attach:medium-inserted");
	if (vm_hotplug_qmp(op, "blockdev-close-tray", vm_qmp_json("id", S(target), NULL), NULL,
			   err) < 0)
		goto fail;
	vm_rundir_log(op->dl->dirfd, "inserted '%s' into '%s' of domain '%s'", d->source, target,
		      op->name);
	vm_leaseset_keep(&held);
	vm_leaseset_release(&held);
	/* the medium is in: the drive's emptied records go */
	return drop_others(op, target, mine, err);

fail:
	vm_hotplug_unwind(op, target, nodes, passed, &held);
	vm_leaseset_release(&held);
	vm_image_close(&img);
	return vm_error_prefix(err, "cannot insert '%s' into '%s'", d->source, target);
}

int
vm_media_eject(const struct vm_conf *conf, const struct vm_paths *paths, const char *name,
	       const char *target, const struct vm_attach_opts *opts, struct vm_error *err)
{
	struct vm_hotplug op = { .conf = conf, .opts = opts, .name = name };
	int r = vm_hotplug_begin(&op, paths, target, err);

	if (r == 0)
		r = eject_locked(&op, target, err);
	vm_hotplug_end(&op);
	return r;
}

int
vm_media_insert(const struct vm_conf *conf, const struct vm_paths *paths, const char *name,
		const struct vm_disk *medium, const struct vm_attach_opts *opts,
		struct vm_error *err)
{
	struct vm_hotplug op = { .conf = conf, .opts = opts, .name = name };
	int r = vm_hotplug_begin(&op, paths, medium->target, err);

	if (r == 0)
		r = insert_locked(&op, medium, err);
	vm_hotplug_end(&op);
	return r;
}
