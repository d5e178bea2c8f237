/* A disk from a libvirt <disk> file: the one part of vm-attach that needs libxml2. */
#include "attach.h"
#include "cleanup.h"
#include "exitcodes.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DISK_XML_MAX (64 * 1024)

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
