/*
 * The panic notifier of a domain (<panic model='isa'>, libvirt's
 * default on x86): QEMU 7.2's pvpanic on the ISA bus, id panic0, at the
 * I/O port of its <address type='isa' iobase>, else QEMU's 0x505. A
 * guest that reports a panic through it stops as <on_crash> says.
 */
#include "devices.h"

static int
panic_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	vm_devices_ctx(x)->dom->panic = true;
	VM_ADDRESS_EXPECT_ONE(vm_devices_ctx(x), n, panic_addr, VM_ADDRESS_TAKES(VM_ADDRESS_ISA));
	return 0;
}

static int
panic_argv(struct vm_argv *a, const struct vm_devices_argv *d, struct vm_error *err)
{
	struct vm_argv_opt o = { 0 };

	if (!d->dom->panic)
		return 0;
	vm_argv_opt_add(&o, "pvpanic,id=panic0");
	if (d->dom->panic_addr.type == VM_ADDRESS_ISA)
		vm_argv_opt_add(&o, ",ioport=%u", d->dom->panic_addr.iobase);
	return vm_argv_opt_push(a, "-device", &o, err);
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
