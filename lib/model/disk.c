#include "disk.h"
#include "argv.h"
#include "devices.h"
#include "exitcodes.h"
#include "image.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The rules */

static int
set_str(char **dst, const char *s, struct vm_error *err)
{
	char *copy = strdup(s);

	if (!copy)
		return vm_error_set(err, VM_EXIT_SYSTEM, "out of memory");
	free(*dst);
	*dst = copy;
	return 0;
}

/* The buses a target's prefix may name, and what vm_disk_index() numbers on each. */
static const struct {
	const char *name;
	const char *prefix; /* of its targets */
	long units;	    /* targets it has */
	const char *range;  /* for messages */
	bool by_default;    /* the bus of its prefix when <target> names none */
} buses[] = {
	[VM_BUS_VIRTIO] = { "virtio", "vd", 0, NULL, true },
	[VM_BUS_SATA] = { "sata", "sd", VM_SATA_PORTS, "no sata port (expected sda to sdf)",
			  false },
	[VM_BUS_SCSI] = { "scsi", "sd", VM_SCSI_TARGETS, "no scsi target (expected sda to sdiv)",
			  true },
	[VM_BUS_IDE] = { "ide", "hd", VM_IDE_UNITS, "no ide unit (expected hda to hdd)", true },
	[VM_BUS_USB] = { "usb", "sd", 0, NULL, false },
	[VM_BUS_FDC] = { "fdc", "fd", VM_FDC_DRIVES, "no floppy drive (expected fda or fdb)",
			 true },
};

const char *
vm_disk_bus_name(enum vm_disk_bus bus)
{
	return buses[bus].name;
}

int
vm_disk_set_target(struct vm_disk *d, const char *dev, const char *bus, struct vm_error *err)
{
	size_t len = strspn(dev, "abcdefghijklmnopqrstuvwxyz");
	size_t n = sizeof(buses) / sizeof(*buses);
	long idx;
	size_t b;

	if (dev[len] || len < 3 || len > 8)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "invalid target dev '%s' (expected 3 to 8 letters a-z)", dev);
	for (b = 0; b < n; b++)
		if (bus ? !strcmp(bus, buses[b].name)
			: !strncmp(dev, buses[b].prefix, 2) && buses[b].by_default)
			break;
	if (b == n && bus)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "invalid bus '%s' (expected virtio, scsi, sata, ide, usb or fdc)",
				    bus);
	if (b == n)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "unsupported target dev '%s' (expected vd* for virtio, sd* for sata, scsi or usb, hd* for ide, fd* for fdc)",
				    dev);
	if (strncmp(dev, buses[b].prefix, 2))
		return vm_error_set(err, VM_EXIT_INVALID,
				    "target dev '%s' does not fit bus '%s' (expected %s*)", dev,
				    bus, buses[b].prefix);
	d->bus = b;
	idx = vm_disk_index(dev);
	if (buses[b].units && idx >= buses[b].units)
		return vm_error_set(err, VM_EXIT_INVALID, "target dev '%s' has %s", dev,
				    buses[b].range);
	return set_str(&d->target, dev, err);
}

int
vm_disk_set_source(struct vm_disk *d, const char *path, bool any_type, struct vm_error *err)
{
	bool block = d->type == VM_DISK_BLOCK;
	struct stat st;

	if (!*path)
		return vm_error_set(err, VM_EXIT_INVALID, "empty disk path");
	if (stat(path, &st) < 0)
		return vm_error_sys(err, VM_EXIT_INVALID, errno, "cannot access disk '%s'", path);
	if (any_type && !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return vm_error_set(err, VM_EXIT_INVALID,
				    "disk '%s' is not a regular file or a block device", path);
	if (any_type)
		d->type = S_ISBLK(st.st_mode) ? VM_DISK_BLOCK : VM_DISK_FILE;
	else if (block && !S_ISBLK(st.st_mode))
		return vm_error_set(err, VM_EXIT_INVALID, "disk '%s' is not a block device", path);
	else if (!block && !S_ISREG(st.st_mode))
		return vm_error_set(err, VM_EXIT_INVALID, "disk '%s' is not a regular file", path);
	return set_str(&d->source, path, err);
}

int
vm_disk_set_wwn(struct vm_disk *d, const char *s, struct vm_error *err)
{
	const char *hex = strncmp(s, "0x", 2) ? s : s + 2;

	/* NAA formats 1 to 6: the top bit is clear, so it fits QEMU's JSON integer */
	if (strlen(hex) != 16 || hex[strspn(hex, "0123456789abcdefABCDEF")] || hex[0] > '7')
		return vm_error_set(err, VM_EXIT_INVALID,
				    "invalid wwn '%s' (expected 16 hex digits, the first 0 to 7)",
				    s);
	d->wwn = strtoull(hex, NULL, 16);
	return 0;
}

/* SCSI INQUIRY's printable ASCII, padded by QEMU to its field's width */
static int
set_inquiry(char **dst, const char *what, const char *s, size_t max, struct vm_error *err)
{
	size_t len = strlen(s);

	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			len = 0;
	if (len == 0 || len > max)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "invalid %s '%s' (expected 1 to %zu printable ASCII characters)",
				    what, s, max);
	return set_str(dst, s, err);
}

int
vm_disk_set_vendor(struct vm_disk *d, const char *s, struct vm_error *err)
{
	return set_inquiry(&d->vendor, "vendor", s, 8, err);
}

int
vm_disk_set_product(struct vm_disk *d, const char *s, struct vm_error *err)
{
	return set_inquiry(&d->product, "product", s, 16, err);
}

const char *const vm_disk_iotune_names[VM_IOTUNE_N] = {
	[VM_IOTUNE_TOTAL_BYTES] = "total_bytes_sec",
	[VM_IOTUNE_READ_BYTES] = "read_bytes_sec",
	[VM_IOTUNE_WRITE_BYTES] = "write_bytes_sec",
	[VM_IOTUNE_TOTAL_IOPS] = "total_iops_sec",
	[VM_IOTUNE_READ_IOPS] = "read_iops_sec",
	[VM_IOTUNE_WRITE_IOPS] = "write_iops_sec",
	[VM_IOTUNE_TOTAL_BYTES_MAX] = "total_bytes_sec_max",
	[VM_IOTUNE_READ_BYTES_MAX] = "read_bytes_sec_max",
	[VM_IOTUNE_WRITE_BYTES_MAX] = "write_bytes_sec_max",
	[VM_IOTUNE_TOTAL_IOPS_MAX] = "total_iops_sec_max",
	[VM_IOTUNE_READ_IOPS_MAX] = "read_iops_sec_max",
	[VM_IOTUNE_WRITE_IOPS_MAX] = "write_iops_sec_max",
	[VM_IOTUNE_TOTAL_BYTES_MAX_LENGTH] = "total_bytes_sec_max_length",
	[VM_IOTUNE_READ_BYTES_MAX_LENGTH] = "read_bytes_sec_max_length",
	[VM_IOTUNE_WRITE_BYTES_MAX_LENGTH] = "write_bytes_sec_max_length",
	[VM_IOTUNE_TOTAL_IOPS_MAX_LENGTH] = "total_iops_sec_max_length",
	[VM_IOTUNE_READ_IOPS_MAX_LENGTH] = "read_iops_sec_max_length",
	[VM_IOTUNE_WRITE_IOPS_MAX_LENGTH] = "write_iops_sec_max_length",
	[VM_IOTUNE_SIZE_IOPS] = "size_iops_sec",
};

bool
vm_disk_has_iotune(const struct vm_disk *d)
{
	for (size_t i = 0; i < VM_IOTUNE_N; i++)
		if (d->iotune[i])
			return true;
	return d->iotune_group != NULL;
}

/*
 * The limits come in threes (total, read, write) of six kinds: bytes,
 * iops, their bursts and the bursts' lengths. libvirt and QEMU refuse a
 * total with a read or write limit of its kind, a burst without its
 * average, and a burst length without its burst.
 */
static int
check_iotune(const struct vm_disk *d, struct vm_error *err)
{
	const unsigned long long *t = d->iotune;

	for (size_t k = 0; k < VM_IOTUNE_SIZE_IOPS; k += 3) {
		if (t[k] && (t[k + 1] || t[k + 2]))
			return vm_error_set(err, VM_EXIT_INVALID,
					    "<iotune>: %s cannot be set with %s or %s",
					    vm_disk_iotune_names[k], vm_disk_iotune_names[k + 1],
					    vm_disk_iotune_names[k + 2]);
		for (size_t j = k; j < k + 3 && k >= VM_IOTUNE_TOTAL_BYTES_MAX; j++)
			if (t[j] && !t[j - 6])
				return vm_error_set(err, VM_EXIT_INVALID, "<iotune>: %s needs %s",
						    vm_disk_iotune_names[j],
						    vm_disk_iotune_names[j - 6]);
	}
	if (t[VM_IOTUNE_SIZE_IOPS] && !t[VM_IOTUNE_TOTAL_IOPS] && !t[VM_IOTUNE_READ_IOPS] &&
	    !t[VM_IOTUNE_WRITE_IOPS])
		return vm_error_set(err, VM_EXIT_INVALID,
				    "<iotune>: size_iops_sec needs an iops limit");
	return 0;
}

/* Which of <driver>'s and the device's settings each bus's QEMU device has. */
static int
check_bus(const struct vm_disk *d, struct vm_error *err)
{
	const char *bus = buses[d->bus].name;

	if (d->device == VM_DEVICE_FLOPPY && d->bus != VM_BUS_FDC)
		return vm_error_set(err, VM_EXIT_INVALID, "a floppy must be on bus 'fdc', not '%s'",
				    bus);
	if (d->bus == VM_BUS_FDC && d->device != VM_DEVICE_FLOPPY)
		return vm_error_set(err, VM_EXIT_INVALID, "bus 'fdc' takes only device 'floppy'");
	if (d->device == VM_DEVICE_CDROM && (d->bus == VM_BUS_VIRTIO || d->bus == VM_BUS_USB))
		return vm_error_set(err, VM_EXIT_INVALID,
				    "a cdrom cannot be on bus '%s' (use sata, scsi or ide)", bus);
	/* ide-hd needs write access, as libvirt also knows */
	if (d->device == VM_DEVICE_DISK && d->readonly &&
	    (d->bus == VM_BUS_SATA || d->bus == VM_BUS_IDE))
		return vm_error_set(err, VM_EXIT_INVALID,
				    "a readonly disk cannot be on bus '%s' (use scsi or virtio)",
				    bus);
	if (d->wwn && d->bus != VM_BUS_IDE && d->bus != VM_BUS_SATA && d->bus != VM_BUS_SCSI)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "<wwn> needs bus 'scsi', 'sata' or 'ide', not '%s'", bus);
	if ((d->vendor || d->product) && d->bus != VM_BUS_SCSI)
		return vm_error_set(err, VM_EXIT_INVALID, "<%s> needs bus 'scsi', not '%s'",
				    d->vendor ? "vendor" : "product", bus);
	if (d->bus == VM_BUS_FDC && (d->error_policy || d->rerror_policy || d->serial))
		return vm_error_set(err, VM_EXIT_INVALID, "qemu's floppy has no %s",
				    d->serial ? "<serial>" : "error_policy or rerror_policy");
	return 0;
}

int
vm_disk_finish(struct vm_disk *d, struct vm_error *err)
{
	if (check_bus(d, err) < 0 || check_iotune(d, err) < 0)
		return -1;
	if (d->device == VM_DEVICE_CDROM)
		d->readonly = true;
	if (d->shareable && !d->readonly && d->format == VM_FORMAT_QCOW2)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "a writable shareable disk cannot be qcow2: two writers would corrupt its metadata");
	/* QEMU's linux-aio needs O_DIRECT */
	if (d->io == VM_IO_NATIVE && d->cache != VM_CACHE_NONE && d->cache != VM_CACHE_DIRECTSYNC)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "io='native' needs cache='none' or cache='directsync'");
	/* copy-on-read writes what it reads: a medium that changes has no place for it */
	if (d->copy_on_read && (d->device != VM_DEVICE_DISK || d->readonly))
		return vm_error_set(err, VM_EXIT_INVALID,
				    "copy_on_read needs a writable disk, not a %s",
				    d->device == VM_DEVICE_DISK ? "readonly disk"
								: "removable medium");
	return 0;
}

void
vm_disk_clear(struct vm_disk *disk)
{
	free(disk->source);
	free(disk->target);
	free(disk->serial);
	free(disk->vendor);
	free(disk->product);
	free(disk->iotune_group);
	for (size_t i = 0; i < disk->nbacking; i++)
		free(disk->backing[i].source);
	free(disk->backing);
	memset(disk, 0, sizeof(*disk));
}

long
vm_disk_index(const char *target)
{
	long idx = 0;

	if (strlen(target) < 3 || !strchr("fhsv", target[0]) || target[1] != 'd')
		return -1;
	for (const char *p = target + 2; *p; p++) {
		if (*p < 'a' || *p > 'z' || idx > 1000000)
			return -1;
		idx = (idx + (p != target + 2)) * 26 + (*p - 'a');
	}
	return idx;
}

/* QEMU */

/*
 * The chain D states is compared file by file (device and inode, as the
 * path may be written otherwise) with the one the headers name: a
 * difference means the XML describes other images than those QEMU would
 * get, typically a domain copied from another host.
 */
static int
check_chain(const struct vm_disk *d, const struct vm_image *img, struct vm_error *err)
{
	for (size_t k = 0; k < d->nbacking; k++) {
		const struct vm_disk_backing *b = &d->backing[k];
		const struct vm_image_layer *l = &img->v[k + 1];
		const char *user = img->v[k].path;
		struct stat st;

		if (k + 1 >= img->n)
			return vm_error_set(err, VM_EXIT_INVALID,
					    "disk '%s': <backingStore> on line %d names '%s', but "
					    "'%s' has no backing file",
					    d->target, b->line, b->source, user);
		if (stat(b->source, &st) < 0 || st.st_dev != l->dev || st.st_ino != l->ino)
			return vm_error_set(err, VM_EXIT_INVALID,
					    "disk '%s': <backingStore> on line %d names '%s', but "
					    "the backing file of '%s' is '%s'",
					    d->target, b->line, b->source, user, l->path);
		if ((b->format == VM_FORMAT_QCOW2) != (l->format == VM_IMAGE_QCOW2))
			return vm_error_set(err, VM_EXIT_INVALID,
					    "disk '%s': <backingStore> on line %d gives '%s' format "
					    "'%s', but '%s' records '%s'",
					    d->target, b->line, l->path,
					    b->format == VM_FORMAT_QCOW2 ? "qcow2" : "raw", user,
					    l->format == VM_IMAGE_QCOW2 ? "qcow2" : "raw");
		if (b->block != l->block)
			return vm_error_set(err, VM_EXIT_INVALID,
					    "disk '%s': <backingStore> on line %d gives '%s' type "
					    "'%s', but it is %s",
					    d->target, b->line, l->path,
					    b->block ? "block" : "file",
					    l->block ? "a block device" : "a regular file");
	}
	if (d->backing_end && img->n > d->nbacking + 1)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "disk '%s': <backingStore/> on line %d ends the chain, but '%s' "
				    "has the backing file '%s'",
				    d->target, d->backing_end, img->v[d->nbacking].path,
				    img->v[d->nbacking + 1].path);
	return 0;
}

int
vm_disk_image_open(const struct vm_disk *d, bool inspect, struct vm_image *img,
		   struct vm_error *err)
{
	struct vm_image_spec spec = {
		.source = d->source,
		.block = d->type == VM_DISK_BLOCK,
		.writable = !inspect && !d->readonly && d->device != VM_DEVICE_CDROM,
		.format = d->format == VM_FORMAT_QCOW2 ? VM_IMAGE_QCOW2 : VM_IMAGE_RAW,
	};

	if (vm_image_open(&spec, img, err) < 0)
		return -1;
	if (check_chain(d, img, err) < 0) {
		vm_image_close(img);
		return -1;
	}
	return 0;
}

bool
vm_disk_share_rw(const struct vm_disk *d)
{
	/* A readonly user must let shareable writers in: the leases, not
	 * QEMU's image locking, decide who may share a disk. */
	return d->source && ((d->shareable && d->format == VM_FORMAT_RAW) || d->readonly);
}

bool
vm_disk_write_cache(const struct vm_disk *d)
{
	return d->cache != VM_CACHE_WRITETHROUGH && d->cache != VM_CACHE_DIRECTSYNC;
}

void
vm_disk_node_names(const char *target, char fmt[32], char file[32])
{
	vm_disk_layer_names(target, 0, fmt, file);
}

void
vm_disk_layer_names(const char *target, size_t k, char fmt[32], char file[32])
{
	if (k == 0) {
		snprintf(fmt, 32, "drive-%s", target);
		snprintf(file, 32, "file-%s", target);
	} else {
		snprintf(fmt, 32, "b%zu-%s", k, target);
		snprintf(file, 32, "bf%zu-%s", k, target);
	}
}

static json_object *
cache_json(enum vm_cache cache)
{
	json_object *c = json_object_new_object();

	json_object_object_add(c, "direct",
			       json_object_new_boolean(cache == VM_CACHE_NONE ||
						       cache == VM_CACHE_DIRECTSYNC));
	json_object_object_add(c, "no-flush", json_object_new_boolean(cache == VM_CACHE_UNSAFE));
	return c;
}

static const char *const io_names[] = {
	[VM_IO_NATIVE] = "native",
	[VM_IO_THREADS] = "threads",
	[VM_IO_URING] = "io_uring",
};

/* QEMU refuses detect-zeroes=unmap where discards do not pass: libvirt then asks for "on". */
static const char *
zeroes_name(const struct vm_disk *d, bool ro)
{
	if (d->detect_zeroes == VM_ZEROES_OFF)
		return "off";
	if (d->detect_zeroes == VM_ZEROES_UNMAP && !ro && d->discard != VM_DISCARD_IGNORE)
		return "unmap";
	return "on";
}

void
vm_disk_blockdev_json(const struct vm_disk *d, const struct vm_image *img, size_t k,
		      const char *filename, json_object **protop, json_object **fmtp)
{
	const struct vm_image_layer *l = &img->v[k];
	json_object *proto = json_object_new_object();
	json_object *fmt = json_object_new_object();
	char fmtname[32], filenode[32], below[32], belowfile[32];
	const char *driver = "file";
	/* backing files are only ever read */
	bool ro = k > 0 || d->readonly || d->device == VM_DEVICE_CDROM;

	vm_disk_layer_names(d->target, k, fmtname, filenode);
	if (l->block)
		driver = d->device == VM_DEVICE_CDROM && k == 0 ? "host_cdrom" : "host_device";
	json_object_object_add(proto, "driver", json_object_new_string(driver));
	json_object_object_add(proto, "filename", json_object_new_string(filename));
	json_object_object_add(proto, "node-name", json_object_new_string(filenode));
	json_object_object_add(fmt, "driver",
			       json_object_new_string(l->format == VM_IMAGE_QCOW2 ? "qcow2"
										  : "raw"));
	json_object_object_add(fmt, "node-name", json_object_new_string(fmtname));
	json_object_object_add(fmt, "file", json_object_new_string(filenode));
	if (l->format == VM_IMAGE_QCOW2) {
		vm_disk_layer_names(d->target, k + 1, below, belowfile);
		json_object_object_add(fmt, "backing",
				       k + 1 < img->n ? json_object_new_string(below) : NULL);
	}
	if (d->io)
		json_object_object_add(proto, "aio", json_object_new_string(io_names[d->io]));
	/*
	 * Plain read-only rather than auto-read-only: a readonly disk must
	 * never be reopened for writing behind the lease's back. Discards
	 * reach the file only if both layers pass them: discard='ignore'
	 * stops them at the format node, as in libvirt.
	 */
	for (json_object *o = proto; o; o = o == proto ? fmt : NULL) {
		json_object_object_add(o, "read-only", json_object_new_boolean(ro));
		json_object_object_add(o, "cache", cache_json(d->cache));
		if (!ro)
			json_object_object_add(o, "discard",
					       json_object_new_string(
						       o == fmt && d->discard == VM_DISCARD_IGNORE
							       ? "ignore"
							       : "unmap"));
	}
	if (k == 0 && d->detect_zeroes)
		json_object_object_add(fmt, "detect-zeroes",
				       json_object_new_string(zeroes_name(d, ro)));
	*protop = proto;
	*fmtp = fmt;
}

static void
add_str(json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, json_object_new_string(value));
}

json_object *
vm_disk_cor_json(const struct vm_disk *d)
{
	char fmtname[32], filename[32], top[32];
	json_object *o;

	if (!d->copy_on_read)
		return NULL;
	vm_disk_node_names(d->target, fmtname, filename);
	vm_disk_top_node(d, top);
	o = json_object_new_object();
	add_str(o, "driver", "copy-on-read");
	add_str(o, "node-name", top);
	add_str(o, "file", fmtname);
	add_str(o, "discard", "unmap");
	return o;
}

void
vm_disk_top_node(const struct vm_disk *d, char name[32])
{
	char file[32];

	if (d->copy_on_read)
		vm_disk_cor_name(d->target, name);
	else
		vm_disk_node_names(d->target, name, file);
}

void
vm_disk_cor_name(const char *target, char name[32])
{
	snprintf(name, 32, "cor-%s", target);
}

static const char *const policy_names[] = {
	[VM_POLICY_STOP] = "stop",
	[VM_POLICY_REPORT] = "report",
	[VM_POLICY_IGNORE] = "ignore",
	[VM_POLICY_ENOSPACE] = "enospc",
};

/* The device's part of <driver>, <wwn>, <vendor>, <product> and <blockio>, as libvirt gives them. */
static void
device_props(json_object *o, const struct vm_disk *d)
{
	/* error_policy stands for reads too, but for enospace, which only writes meet */
	enum vm_disk_policy rerror = d->rerror_policy			     ? d->rerror_policy
				     : d->error_policy == VM_POLICY_ENOSPACE ? VM_POLICY_DEFAULT
									     : d->error_policy;

	if (d->logical_block_size)
		json_object_object_add(o, "logical_block_size",
				       json_object_new_int64(d->logical_block_size));
	if (d->physical_block_size)
		json_object_object_add(o, "physical_block_size",
				       json_object_new_int64(d->physical_block_size));
	if (d->wwn)
		json_object_object_add(o, "wwn", json_object_new_int64((int64_t)d->wwn));
	if (d->vendor)
		add_str(o, "vendor", d->vendor);
	if (d->product)
		add_str(o, "product", d->product);
	if (d->error_policy)
		add_str(o, "werror", policy_names[d->error_policy]);
	if (rerror)
		add_str(o, "rerror", policy_names[rerror]);
}

void
vm_disk_scsi_address(const struct vm_disk *d, struct vm_address *a)
{
	long idx = vm_disk_index(d->target);

	if (d->addr.type == VM_ADDRESS_DRIVE) {
		*a = d->addr;
		return;
	}
	*a = (struct vm_address){ .type = VM_ADDRESS_DRIVE,
				  .controller = (unsigned)(idx / VM_SCSI_UNITS),
				  .unit = (unsigned)(idx % VM_SCSI_UNITS) };
}

/* A scsi disk's place on its controller, and the VPD device id libvirt gives it. */
static void
scsi_props(json_object *o, const struct vm_disk *d, bool lsi)
{
	struct vm_address a;
	char ctl[32], id[64];

	vm_disk_scsi_address(d, &a);
	snprintf(ctl, sizeof(ctl), "scsi%u.0", a.controller);
	add_str(o, "bus", ctl);
	if (lsi) {
		/* one lun per target: libvirt makes the unit the target */
		json_object_object_add(o, "scsi-id", json_object_new_int64(a.unit));
		snprintf(id, sizeof(id), "drive-scsi%u-%u-%u", a.controller, a.bus, a.unit);
	} else {
		json_object_object_add(o, "channel", json_object_new_int64(a.bus));
		json_object_object_add(o, "scsi-id", json_object_new_int64(a.target));
		json_object_object_add(o, "lun", json_object_new_int64(a.unit));
		snprintf(id, sizeof(id), "drive-scsi%u-%u-%u-%u", a.controller, a.bus, a.target,
			 a.unit);
	}
	add_str(o, "device_id", d->serial ? d->serial : id);
}

json_object *
vm_disk_device_json(const struct vm_disk *d, const char *bus, bool lsi)
{
	bool cdrom = d->device == VM_DEVICE_CDROM;
	long idx = vm_disk_index(d->target);
	json_object *o = json_object_new_object();
	char top[32], ctl[32];

	vm_disk_top_node(d, top);
	switch (d->bus) {
	case VM_BUS_VIRTIO:
		add_str(o, "driver", "virtio-blk-pci");
		if (bus && *bus)
			add_str(o, "bus", bus);
		break;
	case VM_BUS_SATA:
		snprintf(ctl, sizeof(ctl), "sata0.%ld", idx);
		add_str(o, "driver", cdrom ? "ide-cd" : "ide-hd");
		add_str(o, "bus", ctl);
		break;
	case VM_BUS_SCSI:
		add_str(o, "driver", cdrom ? "scsi-cd" : "scsi-hd");
		scsi_props(o, d, lsi);
		break;
	case VM_BUS_IDE:
		/* piix3's two channels, master and slave: hda ide.0 0, hdd ide.1 1 */
		snprintf(ctl, sizeof(ctl), "ide.%ld", idx / 2);
		add_str(o, "driver", cdrom ? "ide-cd" : "ide-hd");
		add_str(o, "bus", ctl);
		json_object_object_add(o, "unit", json_object_new_int64(idx % 2));
		break;
	case VM_BUS_USB:
		/* its bus and port: address.c's, as libvirt's */
		add_str(o, "driver", "usb-storage");
		json_object_object_add(o, "removable", json_object_new_boolean(false));
		break;
	case VM_BUS_FDC:
		add_str(o, "driver", "floppy");
		json_object_object_add(o, "unit", json_object_new_int64(idx));
		break;
	}
	if (d->boot_order)
		json_object_object_add(o, "bootindex", json_object_new_int64(d->boot_order));
	if (d->source)
		add_str(o, "drive", top);
	add_str(o, "id", d->target);
	if (d->serial)
		add_str(o, "serial", d->serial);
	device_props(o, d);
	if (vm_disk_share_rw(d))
		json_object_object_add(o, "share-rw", json_object_new_boolean(true));
	if (d->source && !cdrom)
		add_str(o, "write-cache", vm_disk_write_cache(d) ? "on" : "off");
	return o;
}

json_object *
vm_disk_throttle_json(const struct vm_disk *d)
{
	/* block_set_io_throttle's names, in enum vm_iotune's order */
	static const char *const args[VM_IOTUNE_N] = {
		"bps",
		"bps_rd",
		"bps_wr",
		"iops",
		"iops_rd",
		"iops_wr",
		"bps_max",
		"bps_rd_max",
		"bps_wr_max",
		"iops_max",
		"iops_rd_max",
		"iops_wr_max",
		"bps_max_length",
		"bps_rd_max_length",
		"bps_wr_max_length",
		"iops_max_length",
		"iops_rd_max_length",
		"iops_wr_max_length",
		"iops_size",
	};
	json_object *o = json_object_new_object();

	add_str(o, "id", d->target);
	/* the six averages are required; the rest only when set, as QEMU checks them */
	for (size_t i = 0; i < VM_IOTUNE_N; i++)
		if (i < VM_IOTUNE_TOTAL_BYTES_MAX || d->iotune[i])
			json_object_object_add(o, args[i],
					       json_object_new_int64((int64_t)d->iotune[i]));
	if (d->iotune_group)
		add_str(o, "group", d->iotune_group);
	return o;
}

/*
 * Each file of the chain, from the last backing file up, as an fd QEMU
 * inherited (-add-fd, one fd set per file) under its protocol and
 * format nodes. Without a monitor fd (--print-argv) the fds show as
 * "<NODE>".
 */
static int
blockdev_argv(struct vm_argv *a, const struct vm_disk *d, const struct vm_image *img,
	      bool placeholders, unsigned *fdset, struct vm_error *err)
{
	for (size_t k = img->n; k-- > 0;) {
		char fmtname[32], filenode[32], filename[32];
		json_object *proto, *fmt;
		struct vm_argv_opt o = { 0 };

		vm_disk_layer_names(d->target, k, fmtname, filenode);
		if (placeholders)
			vm_argv_opt_add(&o, "fd=<%s>", filenode);
		else
			vm_argv_opt_add(&o, "fd=%d", img->v[k].fd);
		vm_argv_opt_add(&o, ",set=%u,opaque=%s", ++*fdset, filenode);
		if (vm_argv_opt_push(a, "-add-fd", &o, err) < 0)
			return -1;
		snprintf(filename, sizeof(filename), "/dev/fdset/%u", *fdset);
		vm_disk_blockdev_json(d, img, k, filename, &proto, &fmt);
		if (vm_argv_push_json(a, "-blockdev", proto, err) < 0) {
			json_object_put(fmt);
			return -1;
		}
		if (vm_argv_push_json(a, "-blockdev", fmt, err) < 0)
			return -1;
	}
	return 0;
}

/* A sata disk of q35 on the ICH9's own AHCI (slot 0x1f), QEMU's "ide", as libvirt puts it */
static void
ich9_port(json_object *dev, long idx)
{
	char bus[16];

	snprintf(bus, sizeof(bus), "ide.%ld", idx);
	json_object_object_add(dev, "bus", json_object_new_string(bus));
}

/*
 * DOM's scsi controllers, as libvirt 9.0 gives them: "scsiN", an lsi or
 * a virtio-scsi-pci; a domain not from the XML (no controllers) has a
 * virtio-scsi scsi0.
 */
static int
scsi_controllers_argv(struct vm_argv *a, const struct vm_domain *dom, struct vm_error *err)
{
	if (!vm_controller_find(dom, "scsi", 0))
		return vm_argv_pushv(a, err, "-device", "virtio-scsi-pci,id=scsi0", NULL);
	for (size_t i = 0; i < dom->ncontrollers; i++) {
		const struct vm_controller *ctl = &dom->controllers[i];
		struct vm_argv_opt o = { 0 };

		if (strcmp(ctl->type, "scsi"))
			continue;
		vm_argv_opt_add(&o, "%s,id=scsi%u", ctl->lsi ? "lsi" : "virtio-scsi-pci",
				ctl->index);
		vm_address_opt(&o, dom, &ctl->addr);
		if (vm_argv_opt_push(a, "-device", &o, err) < 0)
			return -1;
	}
	return 0;
}

/* The controller of BUS, before the first disk on it: q35 has its AHCI
 * but no floppy controller of its own. */
static int
controller_argv(struct vm_argv *a, const struct vm_domain *dom, enum vm_disk_bus bus, bool has[],
		struct vm_error *err)
{
	struct vm_argv_opt o = { 0 };
	const struct vm_address *addr = NULL;

	if (has[bus])
		return 0;
	has[bus] = true;
	if (bus == VM_BUS_SATA && !vm_domain_is_q35(dom)) {
		vm_argv_opt_add(&o, "ahci,id=sata0");
		addr = vm_controller_address(dom, "sata");
	} else if (bus == VM_BUS_SCSI) {
		return scsi_controllers_argv(a, dom, err);
	} else if (bus == VM_BUS_FDC && vm_domain_is_q35(dom)) {
		vm_argv_opt_add(&o, "isa-fdc");
	} else {
		return 0;
	}
	if (addr)
		vm_address_opt(&o, dom, addr);
	return vm_argv_opt_push(a, "-device", &o, err);
}

/* Whether scsi disk D is on an lsi controller of DOM. */
static bool
on_lsi(const struct vm_domain *dom, const struct vm_disk *d)
{
	const struct vm_controller *ctl;
	struct vm_address a;

	vm_disk_scsi_address(d, &a);
	ctl = vm_controller_find(dom, "scsi", a.controller);
	return ctl && ctl->lsi;
}

int
vm_disk_argv(struct vm_argv *a, const struct vm_devices_argv *env, struct vm_error *err)
{
	const struct vm_domain *dom = env->dom;
	bool has[VM_BUS_FDC + 1] = { false };
	unsigned fdset = 0;
	/* each bus's ports, targets, units or drives. The parser already
	 * refuses a target beyond them, with its file and line; the checks
	 * below guard used[]. */
	bool used[VM_BUS_FDC + 1][VM_SCSI_TARGETS] = { { false } };

	for (size_t i = 0; i < dom->ndisks; i++) {
		const struct vm_disk *d = &dom->disks[i];
		bool cdrom = d->device == VM_DEVICE_CDROM;
		long idx = vm_disk_index(d->target);
		long units = buses[d->bus].units;
		bool numbered = units > 0;
		struct vm_argv_opt o = { 0 };
		json_object *dev;

		/* node names must fit QEMU's 31 bytes; the other buses need an index */
		if (strlen(d->target) > 32 - sizeof("drive-") || (idx < 0 && numbered))
			return vm_error_set(err, VM_EXIT_INVALID, "invalid disk target '%s'",
					    d->target);
		if (!d->source && !cdrom)
			return vm_error_set(err, VM_EXIT_INVALID, "disk '%s' has no source",
					    d->target);
		if (d->bus == VM_BUS_VIRTIO && cdrom)
			return vm_error_set(err, VM_EXIT_INVALID,
					    "cdrom '%s' cannot use bus 'virtio'", d->target);
		/* ide-hd needs write access, as libvirt also knows */
		if ((d->bus == VM_BUS_SATA || d->bus == VM_BUS_IDE) && d->readonly && !cdrom)
			return vm_error_set(err, VM_EXIT_INVALID,
					    "readonly %s disk '%s' is not supported by qemu",
					    vm_disk_bus_name(d->bus), d->target);
		/* a scsi disk's address is address.c's to check */
		if (numbered && d->bus != VM_BUS_SCSI && (idx >= units || used[d->bus][idx]))
			return vm_error_set(err, VM_EXIT_INVALID, "%s disk '%s' has no free %s",
					    vm_disk_bus_name(d->bus), d->target,
					    d->bus == VM_BUS_SATA   ? "port (sda to sdf)"
					    : d->bus == VM_BUS_SCSI ? "target"
								    : "unit");
		if (numbered && d->bus != VM_BUS_SCSI)
			used[d->bus][idx] = true;
		if (controller_argv(a, dom, d->bus, has, err) < 0)
			return -1;
		if (d->source && env->images[i].n == 0)
			return vm_error_set(err, VM_EXIT_SYSTEM, "disk '%s' was not opened",
					    d->target);
		if (d->source &&
		    blockdev_argv(a, d, &env->images[i], env->placeholders, &fdset, err) < 0)
			return -1;
		if (d->source && d->copy_on_read &&
		    vm_argv_push_json(a, "-blockdev", vm_disk_cor_json(d), err) < 0)
			return -1;
		dev = vm_disk_device_json(d, NULL, d->bus == VM_BUS_SCSI && on_lsi(dom, d));
		vm_address_json(dev, dom, &d->addr);
		if (d->bus == VM_BUS_SATA && vm_domain_is_q35(dom))
			ich9_port(dev, idx);
		vm_argv_opt_json(&o, dev);
		json_object_put(dev);
		if (vm_argv_opt_push(a, "-device", &o, err) < 0)
			return -1;
	}
	/* scsi controllers without disks, as libvirt starts them: for hotplug */
	if (vm_controller_address(dom, "scsi"))
		return controller_argv(a, dom, VM_BUS_SCSI, has, err);
	return 0;
}
