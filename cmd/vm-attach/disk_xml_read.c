/* vm-attach-xml: reads the <disk> file itself, as virsh attach-device would. */
#include "cleanup.h"
#include "disk_xml.h"
#include "paths.h"

#include <string.h>

#define DISK_XML_MAX (64 * 1024)

int
vm_disk_xml_read(char **argv, const char *file, struct vm_disk *disk, struct vm_error *err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;

	memset(disk, 0, sizeof(*disk));
	if (vm_paths_read_user(file, "", DISK_XML_MAX, &buf, &len, err) < 0)
		return -1;
	return vm_disk_parse(buf, len, file, disk, err);
}
