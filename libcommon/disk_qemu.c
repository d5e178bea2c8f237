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
	snprintf(fmt, 32, "drive-%s", target);
	snprintf(file, 32, "file-%s", target);
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
vm_disk_blockdev_json(const struct vm_disk *d, json_object **protop, json_object **fmtp)
{
	json_object *proto = json_object_new_object();
	json_object *fmt = json_object_new_object();
	char fmtname[32], filename[32];
	const char *driver = "file";
	bool ro = d->readonly || d->device == VM_DEVICE_CDROM;

	vm_disk_node_names(d->target, fmtname, filename);
	if (d->type == VM_DISK_BLOCK)
		driver = d->device == VM_DEVICE_CDROM ? "host_cdrom" : "host_device";
	json_object_object_add(proto, "driver", json_object_new_string(driver));
	json_object_object_add(proto, "filename", json_object_new_string(d->source));
	json_object_object_add(proto, "node-name", json_object_new_string(filename));
	json_object_object_add(fmt, "driver", json_object_new_string(
		d->format == VM_FORMAT_QCOW2 ? "qcow2" : "raw"));
	json_object_object_add(fmt, "node-name", json_object_new_string(fmtname));
	json_object_object_add(fmt, "file", json_object_new_string(filename));
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
