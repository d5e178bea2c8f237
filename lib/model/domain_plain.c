/* The parts of the domain model that need no XML parser, for the commands that do not load it. */
#include "domain.h"
#include "exitcodes.h"

#include <stdlib.h>
#include <string.h>

int
vm_domain_check_name(const char *name, struct vm_error *err)
{
	static const char ok[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.+-";
	size_t len = strlen(name);

	if (len == 0 || len > VM_NAME_MAX)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "invalid domain name '%s': it must have 1 to %d characters",
				    name, VM_NAME_MAX);
	if (name[0] == '.' || name[0] == '-')
		return vm_error_set(err, VM_EXIT_INVALID,
				    "invalid domain name '%s': it must not start with '.' or '-'",
				    name);
	if (name[strspn(name, ok)])
		return vm_error_set(err, VM_EXIT_INVALID,
				    "invalid domain name '%s': only letters, digits and '_.+-' are allowed",
				    name);
	return 0;
}

bool
vm_domain_is_q35(const struct vm_domain *dom)
{
	return dom->machine &&
	       (strncmp(dom->machine, "q35", 3) == 0 || strncmp(dom->machine, "pc-q35", 6) == 0);
}

bool
vm_domain_is_pc(const struct vm_domain *dom)
{
	return !dom->machine || !strcmp(dom->machine, "pc") ||
	       !strncmp(dom->machine, "pc-i440fx-", 10);
}
