#include "lease_def.h"
#include "devices.h"

#include <limits.h>
#include <stdlib.h>

static int
lease_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);
	struct vm_domain *dom = c->dom;

	c->lease = VM_DEVICES_APPEND(x, dom->leases, dom->nleases);
	return c->lease ? 0 : -1;
}

static int
lockspace_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	return vm_devices_text(x, n, &vm_devices_ctx(x)->lease->lockspace);
}

static int
key_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	return vm_devices_text(x, n, &vm_devices_ctx(x)->lease->key);
}

static int
target_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_lease_def *l = vm_devices_ctx(x)->lease;
	const char *path = vm_xmlcheck_attr(n, "path");
	const char *offset = vm_xmlcheck_attr(n, "offset");

	if (vm_devices_check_absolute(x, n, path) < 0)
		return -1;
	if (offset && vm_xmlcheck_ull(x, n, "offset", offset, 0, ULLONG_MAX, &l->offset) < 0)
		return -1;
	return vm_devices_set_str(x, &l->path, path);
}

static int
lease_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_lease_def *l = vm_devices_ctx(x)->lease;

	if (!l->key)
		return vm_xmlcheck_error(x, n, "missing <key>");
	if (!l->path)
		return vm_xmlcheck_error(x, n, "missing <target>");
	return 0;
}

static void
lease_clear(struct vm_domain *dom)
{
	for (size_t i = 0; i < dom->nleases; i++) {
		free(dom->leases[i].lockspace);
		free(dom->leases[i].key);
		free(dom->leases[i].path);
	}
	free(dom->leases);
}

static const struct vm_xmlcheck_attr target_attrs[] = {
	{ "path", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_REQUIRED },
	{ "offset", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_elem lease_children[] = {
	{ "lockspace", .content = VM_XMLCHECK_TEXT, .begin = lockspace_begin },
	{ "key", .content = VM_XMLCHECK_TEXT, .begin = key_begin },
	{ "target", .attrs = target_attrs, .begin = target_begin },
	{ NULL }
};

static const struct vm_xmlcheck_elem elems[] = { { "lease", .children = lease_children,
						   .multi = true, .begin = lease_begin,
						   .end = lease_end },
						 { NULL } };

const struct vm_devices_class vm_lease_def_class = {
	.elems = elems,
	.clear = lease_clear,
};
