/* The parts of the domain model that need no XML parser, for the commands that do not load it. */
#include "domain.h"
#include "exitcodes.h"

#include <stdlib.h>
#include <string.h>

int
vm_domain_check_name(const char *name, struct vm_error *err)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.+-";
	size_t len = strlen(name);

	if (len == 0 || len > VM_NAME_MAX)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "invalid domain name '%s': it must have 1 to %d characters", name,
				    VM_NAME_MAX);
	if (name[0] == '.' || name[0] == '-')
		return vm_error_set(err, VM_EXIT_INVALID,
				    "invalid domain name '%s': it must not start with '.' or '-'", name);
	if (name[strspn(name, ok)])
		return vm_error_set(err, VM_EXIT_INVALID,
				    "invalid domain name '%s': only letters, digits and '_.+-' are allowed",
				    name);
	return 0;
}

void
vm_disk_clear(struct vm_disk *disk)
{
	free(disk->source);
	free(disk->target);
	free(disk->serial);
	memset(disk, 0, sizeof(*disk));
}

long
vm_disk_index(const char *target)
{
	long idx = 0;

	if (strlen(target) < 3 || !strchr("shv", target[0]) || target[1] != 'd')
		return -1;
	for (const char *p = target + 2; *p; p++) {
		if (*p < 'a' || *p > 'z' || idx > 1000000)
			return -1;
		idx = (idx + (p != target + 2)) * 26 + (*p - 'a');
	}
	return idx;
}

bool
vm_domain_is_q35(const struct vm_domain *dom)
{
	return dom->machine && (strncmp(dom->machine, "q35", 3) == 0 ||
				strncmp(dom->machine, "pc-q35", 6) == 0);
}
