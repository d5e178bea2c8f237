/*
 * The panic notifier of a domain (<panic model='isa'>, libvirt's
 * default on x86): QEMU 7.2's pvpanic on the ISA bus at its usual port
 * 0x505, id panic0. A guest that reports a panic through it stops with
 * QEMU's default panic action.
 */
#include "devices.h"

static int
panic_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	(void)n;
	vm_devices_ctx(x)->dom->panic = true;
	return 0;
}

static int
panic_argv(struct vm_argv *a, const struct vm_devices_argv *d, struct vm_error *err)
{
	if (!d->dom->panic)
		return 0;
	return vm_argv_pushv(a, err, "-device", "pvpanic,id=panic0", NULL);
}

static const struct vm_xmlcheck_attr panic_attrs[] = { { "model", "isa", VM_XMLCHECK_OPTIONAL },
						       { NULL } };

static const struct vm_xmlcheck_elem panic_children[] = { VM_DEVICES_ALIAS,
							  VM_DEVICES_ADDRESS,
							  { NULL } };

static const struct vm_xmlcheck_elem elems[] = {
	{ "panic", .attrs = panic_attrs, .children = panic_children, .begin = panic_begin },
	{ NULL }
};

const struct vm_devices_class vm_panic_class = {
	.elems = elems,
	.argv = panic_argv,
};
