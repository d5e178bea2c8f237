/* vm-attach: hands FILE.xml, --interface and --detach-interface to vm-attach-xml. */
#include "disk_xml.h"
#include "exitcodes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
vm_disk_xml_run(char **argv, const struct vm_xml_request *rq, struct vm_front *f,
		struct vm_error *err)
{
	/* a build tree's tests point this at the build tree */
	const char *dir = getenv("VMKIT_LIBEXECDIR");
	char path[4096];

	if (snprintf(path, sizeof(path), "%s/vm-attach-xml", dir && *dir ? dir : PKGLIBEXECDIR) >=
	    (int)sizeof(path))
		errno = ENAMETOOLONG;
	else
		execv(path, argv);
	if (rq->file)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot run '%s' to read '%s'",
				    path, rq->file);
	return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot run '%s'", path);
}
