#include "memballoon.h"
#include "devices.h"

#include <limits.h>

static int
memballoon_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_memballoon *b = &vm_devices_ctx(x)->dom->memballoon;
	const char *autodeflate = vm_xmlcheck_attr(n, "autodeflate");
	const char *free_pages = vm_xmlcheck_attr(n, "freePageReporting");

	vm_devices_ctx(x)->memballoon = true;
	b->virtio = vm_devices_streq(vm_xmlcheck_attr(n, "model"), "virtio");
	b->autodeflate = vm_devices_streq(autodeflate, "on");
	b->free_pages = vm_devices_streq(free_pages, "on");
	VM_ADDRESS_EXPECT_ONE(vm_devices_ctx(x), n, memballoon.addr,
			      b->virtio ? VM_ADDRESS_TAKES(VM_ADDRESS_PCI) : 0);
	if (!b->virtio && (autodeflate || free_pages))
		return vm_xmlcheck_error(x, n, "model 'none' has no '%s'",
					 autodeflate ? "autodeflate" : "freePageReporting");
	return 0;
}

static int
stats_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_memballoon *b = &vm_devices_ctx(x)->dom->memballoon;
	unsigned long long period;

	if (!b->virtio)
		return vm_xmlcheck_error(x, n, "model 'none' has no statistics");
	if (vm_xmlcheck_ull(x, n, "period", vm_xmlcheck_attr(n, "period"), 0, INT_MAX, &period) < 0)
		return -1;
	b->stats_period = (unsigned)period;
	return 0;
}

/* libvirt gives a pc or q35 domain without <memballoon> a virtio one. */
static int
memballoon_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain *dom = vm_devices_ctx(x)->dom;

	if (!vm_devices_ctx(x)->memballoon && (vm_domain_is_q35(dom) || vm_domain_is_pc(dom)))
		dom->memballoon.virtio = true;
	return 0;
}

static int
memballoon_argv(struct vm_argv *a, const struct vm_devices_argv *d, struct vm_error *err)
{
	const struct vm_memballoon *b = &d->dom->memballoon;
	struct vm_argv_opt o = { 0 };

	if (!b->virtio)
		return 0;
	vm_argv_opt_add(&o, "virtio-balloon-pci,id=balloon0");
	if (b->autodeflate)
		vm_argv_opt_add(&o, ",deflate-on-oom=on");
	if (b->free_pages)
		vm_argv_opt_add(&o, ",free-page-reporting=on");
	if (b->stats_period)
		vm_argv_opt_add(&o, ",guest-stats-polling-interval=%u", b->stats_period);
	vm_address_opt(&o, d->dom, &b->addr);
	return vm_argv_opt_push(a, "-device", &o, err);
}

static const struct vm_xmlcheck_attr memballoon_attrs[] = {
	{ "model", "virtio|none", VM_XMLCHECK_REQUIRED },
	{ "autodeflate", "on|off", VM_XMLCHECK_OPTIONAL },
	{ "freePageReporting", "on|off", VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_attr stats_attrs[] = {
	{ "period", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_REQUIRED }, { NULL }
};

static const struct vm_xmlcheck_elem memballoon_children[] = { { "stats", .attrs = stats_attrs,
								 .begin = stats_begin },
							       VM_DEVICES_ALIAS,
							       VM_DEVICES_ADDRESS,
							       { NULL } };

static const struct vm_xmlcheck_elem elems[] = { { "memballoon", .attrs = memballoon_attrs,
						   .children = memballoon_children,
						   .begin = memballoon_begin },
						 { NULL } };

const struct vm_devices_class vm_memballoon_class = {
	.elems = elems,
	.end = memballoon_end,
	.argv = memballoon_argv,
};
