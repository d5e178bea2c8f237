/* vm-attach-xml: reads the <disk> file itself. */
#include "attach.h"
#include "disk_xml.h"

int
vm_attach_disk_xml(char **argv, const char *file, struct vm_disk *disk, struct vm_error *err)
{
	return vm_attach_disk_load(file, disk, err);
}
