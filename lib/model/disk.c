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

int
vm_disk_set_target(struct vm_disk *d, const char *dev, const char *bus, struct vm_error *err)
{
	size_t len = strspn(dev, "abcdefghijklmnopqrstuvwxyz");
	bool vd = !strncmp(dev, "vd", 2);
	long idx;

	if (dev[len] || len < 3 || len > 8)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "invalid target dev '%s' (expected 3 to 8 letters a-z)", dev);
	if (!vd && strncmp(dev, "sd", 2))
		return vm_error_set(err, VM_EXIT_INVALID,
				    "unsupported target dev '%s' (expected vd* for virtio, sd* for sata or scsi)",
				    dev);
	if (!bus)
		d->bus = vd ? VM_BUS_VIRTIO : VM_BUS_SCSI;
	else if (!strcmp(bus, "virtio"))
		d->bus = VM_BUS_VIRTIO;
	else if (!strcmp(bus, "sata"))
		d->bus = VM_BUS_SATA;
	else if (!strcmp(bus, "scsi"))
		d->bus = VM_BUS_SCSI;
	else
		return vm_error_set(err, VM_EXIT_INVALID,
				    "invalid bus '%s' (expected virtio, scsi or sata)", bus);
	if (vd != (d->bus == VM_BUS_VIRTIO))
		return vm_error_set(err, VM_EXIT_INVALID,
				    "target dev '%s' does not fit bus '%s' (expected %s*)", dev,
				    bus, vd ? "sd" : "vd");
	idx = vm_disk_index(dev);
	if (d->bus == VM_BUS_SATA && idx >= VM_SATA_PORTS)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "target dev '%s' has no sata port (expected sda to sdf)", dev);
	if (d->bus == VM_BUS_SCSI && idx >= VM_SCSI_TARGETS)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "target dev '%s' has no scsi target (expected sda to sdiv)",
				    dev);
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
vm_disk_finish(struct vm_disk *d, struct vm_error *err)
{
	if (d->device == VM_DEVICE_CDROM) {
		if (d->bus == VM_BUS_VIRTIO)
			return vm_error_set(err, VM_EXIT_INVALID,
					    "a cdrom cannot be on bus 'virtio' (use sata or scsi)");
		d->readonly = true;
	} else if (d->readonly && d->bus == VM_BUS_SATA) {
		return vm_error_set(err, VM_EXIT_INVALID,
				    "a readonly disk cannot be on bus 'sata' (use scsi or virtio)");
	}
	if (d->shareable && !d->readonly && d->format == VM_FORMAT_QCOW2)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "a writable shareable disk cannot be qcow2: two writers would corrupt its metadata");
	return 0;
}

void
vm_disk_clear(struct vm_disk *disk)
{
	free(disk->source);
	free(disk->target);
	free(disk->serial);
	for (size_t i = 0; i < disk->nbacking; i++)
		free(disk->backing[i].source);
	free(disk->backing);
	memset(disk, 0, sizeof(*disk));
}

long
vm_disk_index(const char *target)
{
	long idx = 0;

	if (strlen(target) < 3 || !strchr("shv", target[0]) || target[1] != 'd')
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
	/*
	 * Plain read-only rather than auto-read-only: a readonly disk must
	 * never be reopened for writing behind the lease's back. Discards
	 * reach the file only if both layers pass them.
	 */
	for (json_object *o = proto; o; o = o == proto ? fmt : NULL) {
		json_object_object_add(o, "read-only", json_object_new_boolean(ro));
		json_object_object_add(o, "cache", cache_json(d->cache));
		if (!ro)
			json_object_object_add(o, "discard", json_object_new_string("unmap"));
	}
	*protop = proto;
	*fmtp = fmt;
}

static void
add_str(json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, json_object_new_string(value));
}

json_object *
vm_disk_device_json(const struct vm_disk *d, const char *bus)
{
	bool cdrom = d->device == VM_DEVICE_CDROM;
	long idx = vm_disk_index(d->target);
	json_object *o = json_object_new_object();
	char fmtname[32], filename[32], ctl[32];

	vm_disk_node_names(d->target, fmtname, filename);
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
		add_str(o, "bus", "scsi0.0");
		json_object_object_add(o, "scsi-id", json_object_new_int64(idx));
		json_object_object_add(o, "lun", json_object_new_int(0));
		break;
	}
	if (d->source)
		add_str(o, "drive", fmtname);
	add_str(o, "id", d->target);
	if (d->serial)
		add_str(o, "serial", d->serial);
	if (vm_disk_share_rw(d))
		json_object_object_add(o, "share-rw", json_object_new_boolean(true));
	if (d->source && !cdrom)
		add_str(o, "write-cache", vm_disk_write_cache(d) ? "on" : "off");
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

/* The controller of D's bus, before the first disk on it; q35 has its AHCI. */
static int
controller_argv(struct vm_argv *a, const struct vm_domain *dom, const struct vm_disk *d, bool *ahci,
		bool *scsi, struct vm_error *err)
{
	struct vm_argv_opt o = { 0 };

	if (d->bus == VM_BUS_SATA && !*ahci && !vm_domain_is_q35(dom)) {
		vm_argv_opt_add(&o, "ahci,id=sata0");
		if (vm_controller_address(dom, "sata"))
			vm_address_opt(&o, dom, vm_controller_address(dom, "sata"));
		if (vm_argv_opt_push(a, "-device", &o, err) < 0)
			return -1;
	}
	if (d->bus == VM_BUS_SCSI && !*scsi) {
		vm_argv_opt_add(&o, "virtio-scsi-pci,id=scsi0");
		if (vm_controller_address(dom, "scsi"))
			vm_address_opt(&o, dom, vm_controller_address(dom, "scsi"));
		if (vm_argv_opt_push(a, "-device", &o, err) < 0)
			return -1;
	}
	*ahci |= d->bus == VM_BUS_SATA;
	*scsi |= d->bus == VM_BUS_SCSI;
	return 0;
}

int
vm_disk_argv(struct vm_argv *a, const struct vm_devices_argv *env, struct vm_error *err)
{
	const struct vm_domain *dom = env->dom;
	bool ahci = false, scsi = false;
	unsigned fdset = 0;
	/* sata ports, scsi targets. The parser already refuses a target
	 * beyond them, with its file and line; the checks below guard used[]. */
	bool used[2][VM_SCSI_TARGETS] = { { false } };

	for (size_t i = 0; i < dom->ndisks; i++) {
		const struct vm_disk *d = &dom->disks[i];
		bool cdrom = d->device == VM_DEVICE_CDROM;
		long idx = vm_disk_index(d->target);
		struct vm_argv_opt o = { 0 };
		json_object *dev;

		/* node names must fit QEMU's 31 bytes; sata and scsi need an index */
		if (strlen(d->target) > 32 - sizeof("drive-") ||
		    (idx < 0 && d->bus != VM_BUS_VIRTIO))
			return vm_error_set(err, VM_EXIT_INVALID, "invalid disk target '%s'",
					    d->target);
		if (!d->source && !cdrom)
			return vm_error_set(err, VM_EXIT_INVALID, "disk '%s' has no source",
					    d->target);
		if (d->bus == VM_BUS_VIRTIO && cdrom)
			return vm_error_set(err, VM_EXIT_INVALID,
					    "cdrom '%s' cannot use bus 'virtio'", d->target);
		/* ide-hd needs write access, as libvirt also knows */
		if (d->bus == VM_BUS_SATA && d->readonly && !cdrom)
			return vm_error_set(err, VM_EXIT_INVALID,
					    "readonly sata disk '%s' is not supported by qemu",
					    d->target);
		if (d->bus == VM_BUS_SATA && (idx >= VM_SATA_PORTS || used[0][idx]))
			return vm_error_set(err, VM_EXIT_INVALID,
					    "sata disk '%s' has no free port (sda to sdf)",
					    d->target);
		if (d->bus == VM_BUS_SCSI && (idx >= VM_SCSI_TARGETS || used[1][idx]))
			return vm_error_set(err, VM_EXIT_INVALID,
					    "scsi disk '%s' has no free target", d->target);
		if (d->bus != VM_BUS_VIRTIO)
			used[d->bus == VM_BUS_SCSI][idx] = true;
		if (controller_argv(a, dom, d, &ahci, &scsi, err) < 0)
			return -1;
		if (d->source && env->images[i].n == 0)
			return vm_error_set(err, VM_EXIT_SYSTEM, "disk '%s' was not opened",
					    d->target);
		if (d->source &&
		    blockdev_argv(a, d, &env->images[i], env->placeholders, &fdset, err) < 0)
			return -1;
		dev = vm_disk_device_json(d, NULL);
		vm_address_json(dev, dom, &d->addr);
		if (d->bus == VM_BUS_SATA && vm_domain_is_q35(dom))
			ich9_port(dev, idx);
		vm_argv_opt_json(&o, dev);
		json_object_put(dev);
		if (vm_argv_opt_push(a, "-device", &o, err) < 0)
			return -1;
	}
	return 0;
}
