#include "attach.h"
#include "hotplug.h"
#include "cleanup.h"
#include "exitcodes.h"
#include "hooks.h"
#include "image.h"
#include "disk.h"
#include "rundir.h"
#include "status.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* QMP arguments are mostly strings */
#define S(s) json_object_new_string(s)

/* Disks from the command line and from <disk> files */

int
vm_attach_disk_from_args(const struct vm_attach_args *a, struct vm_disk *d, struct vm_error *err)
{
	memset(d, 0, sizeof(*d));
	d->device = a->cdrom ? VM_DEVICE_CDROM : VM_DEVICE_DISK;
	d->readonly = a->readonly;
	d->shareable = a->shareable;
	d->cache = VM_CACHE_DEFAULT;
	d->relabel = true;
	if (vm_disk_set_target(d, a->target, a->bus, err) < 0)
		goto fail;
	if (a->format && strcmp(a->format, "qcow2") == 0) {
		d->format = VM_FORMAT_QCOW2;
	} else if (a->format && strcmp(a->format, "raw") != 0) {
		vm_error_set(err, VM_EXIT_INVALID, "invalid format '%s' (expected raw or qcow2)",
			     a->format);
		goto fail;
	}
	if (vm_disk_set_source(d, a->path, true, err) < 0 || vm_disk_finish(d, err) < 0)
		goto fail;
	return 0;

fail:
	vm_disk_clear(d);
	return -1;
}

/* Where a new device goes */

/* Whether QEMU has a device with id ID, and whether it is an lsi: every
 * device with an id is a child of /machine/peripheral. */
static int
has_device(struct vm_hotplug *op, const char *id, bool *has, bool *lsi, struct vm_error *err)
{
	json_object *ret = NULL;

	*has = *lsi = false;
	if (vm_hotplug_qmp(op, "qom-list", vm_qmp_json("path", S("/machine/peripheral"), NULL),
			   &ret, err) < 0)
		return -1;
	for (size_t i = 0; i < vm_qmp_array_len(ret); i++) {
		json_object *child = json_object_array_get_idx(ret, i);
		const char *type = vm_qmp_member(child, "type");

		if (strcmp(vm_qmp_member(child, "name"), id) == 0) {
			*has = true;
			*lsi = type && strcmp(type, "child<lsi53c895a>") == 0;
		}
	}
	json_object_put(ret);
	return 0;
}

/*
 * The scsi controller of D, "scsiC" with C libvirt's (vm_disk_scsi_address()),
 * whether QEMU has it and whether it is an lsi. Only scsi0 comes with a
 * hotplug: a disk from sdh on needs the controller it would have at start.
 */
static int
scsi_controller(struct vm_hotplug *op, const struct vm_disk *d, char id[16], bool *has, bool *lsi,
		struct vm_error *err)
{
	struct vm_address a;

	vm_disk_scsi_address(d, &a);
	snprintf(id, 16, "scsi%u", a.controller);
	if (has_device(op, id, has, lsi, err) < 0)
		return -1;
	if (!*has && a.controller > 0)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "cannot hotplug '%s': it is unit %u of scsi controller %u (libvirt's %u disks a controller), which domain '%s' does not have",
				    d->target, a.unit, a.controller, VM_SCSI_UNITS, op->name);
	return 0;
}

/* Attach */

static int
check_hotplug(struct vm_hotplug *op, const struct vm_disk *d, struct vm_error *err)
{
	if (d->bus == VM_BUS_SATA)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "cannot hotplug '%s' on bus 'sata': qemu's ahci controller does not support hotplug (use scsi or virtio)",
				    d->target);
	if (d->bus == VM_BUS_IDE || d->bus == VM_BUS_FDC || d->bus == VM_BUS_USB)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "cannot hotplug '%s' on bus '%s': vmkit hotplugs disks on scsi and virtio",
				    d->target, vm_disk_bus_name(d->bus));
	return 0;
}

/*
 * A target is in use while it has a record. Every disk device and block
 * node QEMU has came from vmkit, which records a disk (at start, or
 * before its hotplug) until its device and nodes are gone; should QEMU
 * have one all the same, blockdev-add or device_add fails and the
 * attach is undone.
 */
static int
check_target_free(struct vm_hotplug *op, const char *target, struct vm_error *err)
{
	if (vm_status_disk_index(op->st, target, 0) < op->st->ndisks)
		return vm_error_set(err, VM_EXIT_NO, "target '%s' is already in use in domain '%s'",
				    target, op->name);
	return 0;
}

static int
attach_locked(struct vm_hotplug *op, const struct vm_disk *d, struct vm_error *err)
{
	struct vm_error ignored = VM_ERROR_INIT;
	struct vm_leaseset held = { 0 };
	struct vm_image img = { 0 };
	char bus[16] = "", ctlbus[16] = "";
	char scsi_id[16] = "";
	bool scsi_ctl = true, lsi = false, ctl_added = false, passed = false;
	int nodes = 0;

	if (check_hotplug(op, d, err) < 0 || check_target_free(op, d->target, err) < 0)
		return -1;
	if (d->bus == VM_BUS_SCSI && scsi_controller(op, d, scsi_id, &scsi_ctl, &lsi, err) < 0)
		return -1;
	if ((d->bus == VM_BUS_VIRTIO && vm_hotplug_pci_bus(op, d->target, bus, err) < 0) ||
	    (!scsi_ctl && vm_hotplug_pci_bus(op, d->target, ctlbus, err) < 0))
		return -1;
	/* the controller's port is recorded with the disk, before either is added */
	if (!scsi_ctl)
		strcpy(op->st->scsi_bus, ctlbus);
	if (vm_hotplug_lease_and_label(op, d, bus, &img, &held, err) < 0) {
		if (!scsi_ctl) {
			op->st->scsi_bus[0] = '\0';
			vm_status_write(op->dl->dirfd, op->st, &ignored);
		}
		return -1;
	}
	/* like libvirt, a scsi controller comes when needed and stays */
	if (!scsi_ctl && vm_hotplug_qmp(op, "device_add",
					vm_qmp_json("driver", S("virtio-scsi-pci"), "id",
						    S(scsi_id), "bus", S(ctlbus), NULL),
					NULL, err) < 0)
		goto fail;
	ctl_added = !scsi_ctl;
	if (vm_hotplug_hand_over(op, d->target, &held, &passed, err) < 0)
		goto fail;
	if (d->source && vm_hotplug_add_nodes(op, d, &img, &nodes, err) < 0)
		goto fail;
	vm_image_close(&img);
	vm_hook("attach:blockdev-added");
	if (vm_hotplug_qmp(op, "device_add", vm_disk_device_json(d, bus, lsi), NULL, err) < 0)
		goto fail;
	vm_hook("attach:device-added");
	/* as at start: on the device, once it is there (disk.h) */
	if (d->source && vm_disk_has_iotune(d) &&
	    vm_hotplug_qmp(op, "block_set_io_throttle", vm_disk_throttle_json(d), NULL, err) < 0) {
		bool had;

		/* should the guest keep it, unwind finds the nodes in use and says so */
		vm_error_prefix(err, "cannot set the <iotune> of '%s'", d->target);
		vm_hotplug_unplug(op, d->target, "disk", &had, &ignored);
		goto fail;
	}
	vm_rundir_log(op->dl->dirfd, "attached '%s' to domain '%s' as '%s'",
		      d->source ? d->source : "an empty cdrom", op->name, d->target);
	vm_leaseset_keep(&held);
	vm_leaseset_release(&held);
	return 0;

fail:
	if (!scsi_ctl && !ctl_added)
		op->st->scsi_bus[0] = '\0';
	vm_hotplug_unwind(op, d->target, nodes, passed, &held);
	vm_leaseset_release(&held);
	vm_image_close(&img);
	return vm_error_prefix(err, "cannot attach '%s' to domain '%s'", d->target, op->name);
}

int
vm_attach_disk(const struct vm_conf *conf, const struct vm_paths *paths, const char *name,
	       const struct vm_disk *disk, const struct vm_attach_opts *opts, struct vm_error *err)
{
	struct vm_hotplug op = { .conf = conf, .opts = opts, .name = name };
	int r = vm_hotplug_begin(&op, paths, disk->target, err);

	if (r == 0)
		r = attach_locked(&op, disk, err);
	vm_hotplug_end(&op);
	return r;
}
