/*
 * A domain's firmware variable store (its NVRAM file), made from the
 * firmware's template on the domain's first start.
 *
 * vm_varstore_make() copies the template into a file of its own name in
 * the NVRAM's directory (O_EXCL, mode 0600, root's), syncs it and links
 * it into place, so that the path names either nothing or a whole copy,
 * whatever crashes; of two starts racing, one links and the other finds
 * the file made. An existing file is kept as it is: it holds the
 * guest's variables. The directory must exist (VM_EXIT_INVALID); a
 * missing file with no template is VM_EXIT_INVALID too. Nothing is left
 * behind on failure.
 *
 *	bool made;
 *	if (vm_varstore_make("/var/lib/vmkit/nvram/web_VARS.fd", template, &made, &err) < 0) ...
 */
#ifndef VM_VARSTORE_H
#define VM_VARSTORE_H

#include <stdbool.h>
#include "error.h"

int vm_varstore_make(const char *path, const char *template, bool *made, struct vm_error *err);

#endif
