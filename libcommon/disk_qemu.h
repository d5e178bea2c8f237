/*
 * How QEMU sees one disk, for the command line of vm-start and for
 * vm-attach's hotplug alike: node names, blockdev arguments and shared
 * device properties.
 */
#ifndef VM_DISK_QEMU_H
#define VM_DISK_QEMU_H

#include <json-c/json.h>
#include "domain.h"

/* Device properties that boot disks and hotplugged disks share. */
bool vm_disk_share_rw(const struct vm_disk *d);
bool vm_disk_write_cache(const struct vm_disk *d);

/* Node and device names of a disk target. */
void vm_disk_node_names(const char *target, char fmt[32], char file[32]);

/*
 * The -blockdev (and blockdev-add) arguments of disk D, which has a
 * source: the protocol node "file-DEV" and the format node "drive-DEV"
 * on it. The caller puts both.
 */
void vm_disk_blockdev_json(const struct vm_disk *d, json_object **proto, json_object **fmt);

#endif
