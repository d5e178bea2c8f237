/*
 * What a disk is, whatever name it was given: the resource of its
 * identity lease, taken beside the lease of its canonical path so that
 * hard links, loop devices and /proc/self/fd names of one file meet.
 *
 *	regular file			inode:MAJ:MIN:INO   its st_dev and st_ino
 *	loop device, or a partition	the inode: of its backing file, whole
 *	  of one
 *	block device the kernel		wwid:WWID, or wwid:WWID:partN for
 *	  knows a WWID of		  partition N of it
 *	other block device		blockdev:MAJ:MIN
 *
 * A loop device, and each of its partitions, is named by the whole file
 * behind it whatever its offset, so two loop devices over disjoint parts
 * of one file conflict too: a lease is one name, not a byte range, and
 * the safe side of that is a refusal. A WWID (SCSI VPD page 0x83, NVMe
 * EUI/NGUID) names one LUN on every path and every host; a serial
 * number is not used, as nothing makes it unique (virtio disks have the
 * one their host chose). A whole disk and its partitions stay distinct
 * disks, as they are by path, and so do a device-mapper device and the
 * devices below it.
 *
 * inode: and blockdev: mean something on this host only, so their
 * leases live in the host's own lockspace (vm_lease_local() in lock.h);
 * wwid: leases go to the configured one, which hosts may share.
 */
#ifndef VM_DISK_IDENTITY_H
#define VM_DISK_IDENTITY_H

#include "error.h"
#include <stdbool.h>

/*
 * The identity of the file open on FD: *RESOURCE is malloc'ed, or NULL
 * for a file that is neither a regular file nor a block device (it has
 * no identity lease).
 */
int vm_disk_identity(int fd, char **resource, struct vm_error *err);

/*
 * The same for PATH, opened read-only for the purpose (O_NONBLOCK, so
 * that a device does not wait), or with O_PATH by one who may not read
 * it; VM_EXIT_INVALID when the path names nothing.
 */
int vm_disk_identity_path(const char *path, char **resource, struct vm_error *err);

#endif
