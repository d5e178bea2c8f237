/*
 * How QEMU sees one disk, for the command line of vm-start and for
 * vm-attach's hotplug alike: node names, blockdev arguments and shared
 * device properties.
 */
#ifndef VM_DISK_QEMU_H
#define VM_DISK_QEMU_H

#include <json-c/json.h>
#include "domain.h"
#include "image.h"

/* Device properties that boot disks and hotplugged disks share. */
bool vm_disk_share_rw(const struct vm_disk *d);
bool vm_disk_write_cache(const struct vm_disk *d);

/* Node and device names of a disk target: its own file's nodes. */
void vm_disk_node_names(const char *target, char fmt[32], char file[32]);
/* The nodes of file K of the chain: K 0 as above, then "bK-DEV" and
 * "bfK-DEV" for its backing files, which fits QEMU's 31 bytes. */
void vm_disk_layer_names(const char *target, size_t k, char fmt[32], char file[32]);

/*
 * The -blockdev (and blockdev-add) arguments of file K of disk D, whose
 * files IMG holds: the protocol node on FILENAME (a "/dev/fdset/N" that
 * holds the fd of IMG->v[K]) and the format node on it. A qcow2 node
 * gets "backing" explicitly, the next file's format node or null on the
 * last, so that QEMU opens no file by name; a backing node must exist
 * before its user, so add them from the last file to the first. The
 * caller puts both.
 */
void vm_disk_blockdev_json(const struct vm_disk *d, const struct vm_image *img, size_t k,
			   const char *filename, json_object **proto, json_object **fmt);

#endif
