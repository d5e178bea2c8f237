#include "disk_identity.h"
#include "cleanup.h"
#include "exitcodes.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <linux/major.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

/* The lock manager keeps the leases of these in the host's own
 * lockspace (vm_lease_local() in lock.h spells them too). */
#define INODE_PREFIX "inode:"
#define BLOCKDEV_PREFIX "blockdev:"

/* The first line of /sys/dev/block/MAJ:MIN/ATTR, or "" when it has none. */
static void
sysfs_attr(dev_t dev, const char *attr, char *buf, size_t size)
{
	char path[128];
	cleanup_close int fd = -1;
	ssize_t n;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/%s", major(dev), minor(dev), attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (n = read(fd, buf, size - 1)) <= 0)
		return;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

/* A WWID goes into lease files and listings: printable, one line. */
static bool
printable(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s > '~')
			return false;
	return true;
}

/*
 * The WWID of DEV's whole disk into BUF, or "": SCSI keeps it under
 * device/, NVMe beside the disk. *PART is DEV's partition number, 0 for
 * a whole disk, and *DISK the whole disk.
 */
static void
disk_wwid(dev_t dev, dev_t *disk, unsigned *part, char *buf, size_t size)
{
	char attr[64];
	unsigned maj, min;

	*disk = dev;
	sysfs_attr(dev, "partition", attr, sizeof(attr));
	if (sscanf(attr, "%u", part) != 1)
		*part = 0;
	if (*part) {
		sysfs_attr(dev, "../dev", attr, sizeof(attr));
		if (sscanf(attr, "%u:%u", &maj, &min) == 2)
			*disk = makedev(maj, min);
	}
	sysfs_attr(*disk, "wwid", buf, size);
	if (!buf[0])
		sysfs_attr(*disk, "device/wwid", buf, size);
	/* t10 WWIDs pad with spaces; a resource is one word */
	while (*buf && buf[strlen(buf) - 1] == ' ')
		buf[strlen(buf) - 1] = '\0';
	for (char *c = buf; *c; c++)
		if (*c == ' ')
			*c = '_';
}

static int
inode_identity(dev_t dev, unsigned long long ino, char **out)
{
	return asprintf(out, INODE_PREFIX "%u:%u:%llu", major(dev), minor(dev), ino);
}

static int
block_identity(int fd, dev_t dev, char **out)
{
	struct loop_info64 li;
	char id[256];
	unsigned part;
	dev_t disk;

	disk_wwid(dev, &disk, &part, id, sizeof(id));
	/* LOOP_GET_STATUS64 answers for a partition too, with the whole
	 * device's file; a loop device with no file is a plain device. */
	if (major(disk) == LOOP_MAJOR && ioctl(fd, LOOP_GET_STATUS64, &li) == 0) {
		if (li.lo_rdevice)
			return block_identity(-1, li.lo_rdevice, out);
		return inode_identity(li.lo_device, li.lo_inode, out);
	}
	if (!printable(id))
		return asprintf(out, BLOCKDEV_PREFIX "%u:%u", major(dev), minor(dev));
	if (part)
		return asprintf(out, "wwid:%s:part%u", id, part);
	return asprintf(out, "wwid:%s", id);
}

int
vm_disk_identity(int fd, char **resource, struct vm_error *err)
{
	struct stat st;
	int r = 0;

	*resource = NULL;
	if (fstat(fd, &st) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot stat a disk");
	if (S_ISREG(st.st_mode))
		r = inode_identity(st.st_dev, st.st_ino, resource);
	else if (S_ISBLK(st.st_mode))
		r = block_identity(fd, st.st_rdev, resource);
	if (r < 0) {
		*resource = NULL;
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot name a disk");
	}
	return 0;
}

int
vm_disk_identity_path(const char *path, char **resource, struct vm_error *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	*resource = NULL;
	/* one who may not read the file may still ask about its lease; only a
	 * loop device needs more than fstat(), and such a one cannot use it */
	if (fd < 0 && errno == EACCES)
		fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		bool gone = errno == ENOENT || errno == ENOTDIR || errno == ELOOP || errno == ENXIO;

		return vm_error_sys(err, gone ? VM_EXIT_INVALID : VM_EXIT_SYSTEM, errno,
				    "cannot open disk '%s'", path);
	}
	return vm_disk_identity(fd, resource, err);
}
