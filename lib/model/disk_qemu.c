#include "disk_qemu.h"

#include <stdio.h>
#include <string.h>

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

	json_object_object_add(c, "direct", json_object_new_boolean(
		cache == VM_CACHE_NONE || cache == VM_CACHE_DIRECTSYNC));
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
	json_object_object_add(fmt, "driver", json_object_new_string(
		l->format == VM_FORMAT_QCOW2 ? "qcow2" : "raw"));
	json_object_object_add(fmt, "node-name", json_object_new_string(fmtname));
	json_object_object_add(fmt, "file", json_object_new_string(filenode));
	if (l->format == VM_FORMAT_QCOW2) {
		vm_disk_layer_names(d->target, k + 1, below, belowfile);
		json_object_object_add(fmt, "backing", k + 1 < img->n ?
				       json_object_new_string(below) : NULL);
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
