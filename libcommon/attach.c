#include "attach.h"
#include "attach_op.h"
#include "cleanup.h"
#include "exitcodes.h"
#include "hooks.h"
#include "qemu_argv.h"
#include "state.h"
#include "status.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DISK_XML_MAX (64 * 1024)
#define SCSI_TARGETS 256	/* as in qemu_argv.c: virtio-scsi's max_target is 255 */
#define SCSI_CONTROLLER "scsi0"

/* Disks from the command line and from <disk> files */

int
vm_attach_disk_from_args(const struct vm_attach_args *a, struct vm_disk *d,
			 struct vm_error *err)
{
	const char *t = a->target;
	size_t len = strspn(t, "abcdefghijklmnopqrstuvwxyz");
	bool vd = strncmp(t, "vd", 2) == 0;
	struct stat st;

	memset(d, 0, sizeof(*d));
	if (t[len] || len < 3 || len > 8 || (!vd && strncmp(t, "sd", 2) != 0))
		return vm_error_set(err, VM_EXIT_INVALID,
				    "invalid target '%s' (expected 3 to 8 letters a-z: vd* for virtio, sd* for scsi or sata)",
				    t);
	if (!a->bus)
		d->bus = vd ? VM_BUS_VIRTIO : VM_BUS_SCSI;
	else if (strcmp(a->bus, "virtio") == 0)
		d->bus = VM_BUS_VIRTIO;
	else if (strcmp(a->bus, "scsi") == 0)
		d->bus = VM_BUS_SCSI;
	else if (strcmp(a->bus, "sata") == 0)
		d->bus = VM_BUS_SATA;
	else
		return vm_error_set(err, VM_EXIT_INVALID,
				    "invalid bus '%s' (expected virtio, scsi or sata)", a->bus);
	if (vd != (d->bus == VM_BUS_VIRTIO))
		return vm_error_set(err, VM_EXIT_INVALID, "target '%s' does not fit bus '%s' (expected %s*)",
				    t, a->bus, vd ? "sd" : "vd");
	if (!a->format || strcmp(a->format, "raw") == 0)
		d->format = VM_FORMAT_RAW;
	else if (strcmp(a->format, "qcow2") == 0)
		d->format = VM_FORMAT_QCOW2;
	else
		return vm_error_set(err, VM_EXIT_INVALID, "invalid format '%s' (expected raw or qcow2)",
				    a->format);
	d->device = a->cdrom ? VM_DEVICE_CDROM : VM_DEVICE_DISK;
	if (a->cdrom && d->bus == VM_BUS_VIRTIO)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "cdrom '%s' cannot be on bus 'virtio' (use scsi)", t);
	if (stat(a->path, &st) < 0)
		return vm_error_sys(err, VM_EXIT_INVALID, errno, "cannot access disk '%s'", a->path);
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return vm_error_set(err, VM_EXIT_INVALID,
				    "disk '%s' is not a regular file or a block device", a->path);
	d->type = S_ISBLK(st.st_mode) ? VM_DISK_BLOCK : VM_DISK_FILE;
	d->readonly = a->readonly || a->cdrom;
	d->shareable = a->shareable;
	if (d->shareable && !d->readonly && d->format == VM_FORMAT_QCOW2)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "disk '%s' cannot be shareable and qcow2: two writers would corrupt its metadata",
				    a->path);
	d->cache = VM_CACHE_DEFAULT;
	d->relabel = true;
	d->source = strdup(a->path);
	d->target = strdup(t);
	if (!d->source || !d->target) {
		vm_disk_clear(d);
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot read disk '%s'", a->path);
	}
	return 0;
}

int
vm_attach_disk_load(const char *file, struct vm_disk *disk, struct vm_error *err)
{
	cleanup_close int fd = open(file, O_RDONLY | O_CLOEXEC);
	cleanup_free char *buf = malloc(DISK_XML_MAX + 1);
	size_t len = 0;
	ssize_t n;

	memset(disk, 0, sizeof(*disk));
	if (fd < 0)
		return vm_error_sys(err, VM_EXIT_INVALID, errno, "cannot open '%s'", file);
	if (!buf)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot read '%s'", file);
	while (len <= DISK_XML_MAX && (n = read(fd, buf + len, DISK_XML_MAX + 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vm_error_sys(err, VM_EXIT_INVALID, errno, "cannot read '%s'", file);
		len += n;
	}
	if (len > DISK_XML_MAX)
		return vm_error_set(err, VM_EXIT_INVALID, "cannot read '%s': larger than %d bytes",
				    file, DISK_XML_MAX);
	return vm_disk_parse(buf, len, file, disk, err);
}

/* Where a new device goes */

/* Whether QEMU has a device with id ID: every device with an id is a
 * child of /machine/peripheral. */
static int
has_device(struct vm_attach_op *op, const char *id, bool *has, struct vm_error *err)
{
	json_object *ret = NULL;

	*has = false;
	if (vm_attach_qmp(op, "qom-list", vm_attach_json("path", S("/machine/peripheral"), NULL), &ret,
			  err) < 0)
		return -1;
	for (size_t i = 0; i < vm_attach_array_len(ret); i++)
		if (strcmp(vm_attach_member(json_object_array_get_idx(ret, i), "name"), id) == 0)
			*has = true;
	json_object_put(ret);
	return 0;
}


/* The element child NAME of N, or NULL. */
static xmlNodePtr
child(xmlNodePtr n, const char *name)
{
	for (n = n ? n->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, BAD_CAST name) == 0)
			return n;
	return NULL;
}

/*
 * What QEMU was started with, from the domain in the status file, as
 * qemu_argv.c made its command line: the machine is q35 when its name
 * says so, and ACPI (which pc's pci.0 hotplug needs) is on with
 * <features><acpi/>.
 */
static bool
machine_is_q35(const struct vm_attach_op *op)
{
	xmlNodePtr root = op->st->domain_doc ? xmlDocGetRootElement(op->st->domain_doc) : NULL;
	xmlChar *m = xmlGetProp(child(child(root, "os"), "type"), BAD_CAST "machine");
	bool q35 = m && (xmlStrncmp(m, BAD_CAST "q35", 3) == 0 ||
			 xmlStrncmp(m, BAD_CAST "pc-q35", 6) == 0);

	xmlFree(m);
	return q35;
}

static bool
has_acpi(const struct vm_attach_op *op)
{
	xmlNodePtr root = op->st->domain_doc ? xmlDocGetRootElement(op->st->domain_doc) : NULL;

	return child(child(root, "features"), "acpi") != NULL;
}

/* Whether the secondary bus of root port pci.N has a device on it. */
static int
port_in_use(struct vm_attach_op *op, long n, bool *used, struct vm_error *err)
{
	json_object *ret = NULL;
	char path[80];

	snprintf(path, sizeof(path), "/machine/peripheral/pci.%ld/pci.%ld", n, n);
	if (vm_attach_qmp(op, "qom-list", vm_attach_json("path", S(path), NULL), &ret, err) < 0)
		return -1;
	*used = false;
	for (size_t i = 0; i < vm_attach_array_len(ret); i++)
		if (strncmp(vm_attach_member(json_object_array_get_idx(ret, i), "name"), "child[", 6) == 0)
			*used = true;
	json_object_put(ret);
	return 0;
}

/*
 * The first pcie-root-port (id "pci.N", made by vm-start) that has
 * nothing plugged in. query-pci lists the ports, but not the devices
 * behind a port whose bus the firmware has not numbered yet, so a port's
 * own bus in QOM decides whether it is in use. A device that the guest
 * has not yet released still counts.
 */
static int
free_root_port(struct vm_attach_op *op, const char *target, char bus[32], struct vm_error *err)
{
	json_object *ret = NULL;
	bool ports[256] = { false }, used;

	if (vm_attach_qmp(op, "query-pci", NULL, &ret, err) < 0)
		return -1;
	for (size_t b = 0; b < vm_attach_array_len(ret); b++) {
		json_object *devs = json_object_object_get(json_object_array_get_idx(ret, b), "devices");

		for (size_t i = 0; i < vm_attach_array_len(devs); i++) {
			json_object *d = json_object_array_get_idx(devs, i);
			const char *id = vm_attach_member(d, "qdev_id");
			char *end;
			long n;

			if (strncmp(id, "pci.", 4) != 0 ||
			    !json_object_object_get_ex(d, "pci_bridge", NULL))
				continue;
			n = strtol(id + 4, &end, 10);
			if (!*end && n > 0 && n < 256)
				ports[n] = true;
		}
	}
	json_object_put(ret);
	for (long n = 1; n < 256; n++) {
		if (!ports[n])
			continue;
		if (port_in_use(op, n, &used, err) < 0)
			return -1;
		if (!used) {
			snprintf(bus, 32, "pci.%ld", n);
			return 0;
		}
	}
	return vm_error_set(err, VM_EXIT_NO,
			    "no free pcie-root-port in domain '%s' for '%s' (reserve more with <controller type='pci' model='pcie-root-port'/> and restart it)",
			    op->name, target);
}

/*
 * The bus for a new PCI device. On pc, hotplug into pci.0 needs ACPI:
 * without it the bus has no hotplug handler, and we say so rather than
 * pass on QEMU's error after the disk was already labelled.
 */
static int
pci_bus(struct vm_attach_op *op, const char *target, char bus[32], struct vm_error *err)
{
	if (machine_is_q35(op))
		return free_root_port(op, target, bus, err);
	snprintf(bus, 32, "pci.0");
	if (!has_acpi(op))
		return vm_error_set(err, VM_EXIT_NO,
				    "domain '%s' cannot hotplug '%s' into pci.0: its machine 'pc' needs <features><acpi/></features>",
				    op->name, target);
	return 0;
}

/* Mirrors the -device of qemu_argv.c for a disk on BUS. */
static json_object *
device_json(const struct vm_disk *d, const char *bus)
{
	bool cdrom = d->device == VM_DEVICE_CDROM;
	char fmtname[32], filename[32];
	json_object *o;

	vm_disk_node_names(d->target, fmtname, filename);
	if (d->bus == VM_BUS_VIRTIO)
		o = vm_attach_json("driver", S("virtio-blk-pci"), "bus", S(bus), NULL);
	else
		o = vm_attach_json("driver", S(cdrom ? "scsi-cd" : "scsi-hd"),
				   "bus", S(SCSI_CONTROLLER ".0"),
			 "scsi-id", json_object_new_int64(vm_disk_index(d->target)),
			 "lun", json_object_new_int(0), NULL);
	if (d->source)
		json_object_object_add(o, "drive", S(fmtname));
	json_object_object_add(o, "id", S(d->target));
	if (d->serial)
		json_object_object_add(o, "serial", S(d->serial));
	if (vm_disk_share_rw(d))
		json_object_object_add(o, "share-rw", json_object_new_boolean(true));
	if (d->source && !cdrom)
		json_object_object_add(o, "write-cache", S(vm_disk_write_cache(d) ? "on" : "off"));
	return o;
}

/* Attach */

static int
check_hotplug(struct vm_attach_op *op, const struct vm_disk *d, struct vm_error *err)
{
	if (d->bus == VM_BUS_SATA)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "cannot hotplug '%s' on bus 'sata': qemu's ahci controller does not support hotplug (use scsi or virtio)",
				    d->target);
	if (d->bus == VM_BUS_SCSI &&
	    (vm_disk_index(d->target) < 0 || vm_disk_index(d->target) >= SCSI_TARGETS))
		return vm_error_set(err, VM_EXIT_INVALID, "scsi disk '%s' has no free target",
				    d->target);
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
check_target_free(struct vm_attach_op *op, const char *target, struct vm_error *err)
{
	if (vm_status_find_disk(op->st, target))
		return vm_error_set(err, VM_EXIT_NO, "target '%s' is already in use in domain '%s'",
				    target, op->name);
	return 0;
}

static int
attach_locked(struct vm_attach_op *op, const struct vm_disk *d, struct vm_error *err)
{
	struct vm_leaseset held = { 0 };
	char bus[32] = "", ctlbus[32] = "";
	bool scsi_ctl = true, passed = false;
	int nodes = 0;

	if (check_hotplug(op, d, err) < 0 || check_target_free(op, d->target, err) < 0)
		return -1;
	if (d->bus == VM_BUS_SCSI && has_device(op, SCSI_CONTROLLER, &scsi_ctl, err) < 0)
		return -1;
	if ((d->bus == VM_BUS_VIRTIO && pci_bus(op, d->target, bus, err) < 0) ||
	    (!scsi_ctl && pci_bus(op, d->target, ctlbus, err) < 0))
		return -1;
	if (vm_attach_lease_and_label(op, d, &held, err) < 0)
		return -1;
	/* like libvirt, a scsi controller comes when needed and stays */
	if (!scsi_ctl &&
	    vm_attach_qmp(op, "device_add", vm_attach_json("driver", S("virtio-scsi-pci"),
							   "id", S(SCSI_CONTROLLER), "bus", S(ctlbus),
							   NULL), NULL, err) < 0)
		goto fail;
	if (vm_attach_hand_over(op, d->target, &held, &passed, err) < 0)
		goto fail;
	if (d->source && vm_attach_add_nodes(op, d, &nodes, err) < 0)
		goto fail;
	vm_hook("attach:blockdev-added");
	if (vm_attach_qmp(op, "device_add", device_json(d, bus), NULL, err) < 0)
		goto fail;
	vm_hook("attach:device-added");
	vm_state_log(op->dl->dirfd, "attached '%s' to domain '%s' as '%s'",
		     d->source ? d->source : "an empty cdrom", op->name, d->target);
	return 0;

fail:
	vm_leaseset_release(&held);
	vm_attach_unwind(op, d->target, nodes, passed);
	return vm_error_prefix(err, "cannot attach '%s' to domain '%s'", d->target, op->name);
}

int
vm_attach_disk(const struct vm_conf *conf, const struct vm_paths *paths, const char *name,
	       const struct vm_disk *disk, const struct vm_attach_opts *opts,
	       struct vm_error *err)
{
	struct vm_attach_op op = { .conf = conf, .opts = opts, .name = name };
	int r = vm_attach_begin(&op, paths, disk->target, err);

	if (r == 0)
		r = attach_locked(&op, disk, err);
	vm_attach_end(&op);
	return r;
}
