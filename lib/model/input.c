#include "input.h"
#include "devices.h"
#include "exitcodes.h"

#include <stdlib.h>
#include <string.h>

static const char *const type_names[] = { "tablet", "mouse", "keyboard" };
static const char *const bus_names[] = { "ps2", "usb", "virtio" };

/* QEMU's device for each type on USB and on virtio; PS/2 ones are the machine's own. */
static const char *const usb_devices[] = { "usb-tablet", "usb-mouse", "usb-kbd" };
static const char *const virtio_devices[] = { "virtio-tablet-pci", "virtio-mouse-pci",
					      "virtio-keyboard-pci" };

/* libvirt's default bus on x86: PS/2 for a mouse or keyboard, USB for a tablet. */
static int
input_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain *dom = vm_devices_ctx(x)->dom;
	const char *bus = vm_xmlcheck_attr(n, "bus");
	struct vm_input *in = VM_DEVICES_APPEND(x, dom->inputs, dom->ninputs);

	if (!in)
		return -1;
	in->type = vm_devices_index(type_names, 3, vm_xmlcheck_attr(n, "type"));
	in->bus = bus				? vm_devices_index(bus_names, 3, bus)
		  : in->type == VM_INPUT_TABLET ? VM_INPUT_USB
						: VM_INPUT_PS2;
	in->line = (int)vm_xmlcheck_line(n);
	VM_ADDRESS_EXPECT(vm_devices_ctx(x), n, inputs, dom->ninputs - 1, addr,
			  in->bus == VM_INPUT_USB      ? VM_ADDRESS_TAKES(VM_ADDRESS_USB)
			  : in->bus == VM_INPUT_VIRTIO ? VM_ADDRESS_TAKES(VM_ADDRESS_PCI)
						       : 0);
	if (in->type == VM_INPUT_TABLET && in->bus == VM_INPUT_PS2)
		return vm_xmlcheck_error(x, n, "a tablet is on bus 'usb' or 'virtio', not 'ps2'");
	return 0;
}

static int
inputs_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	const struct vm_domain *dom = vm_devices_ctx(x)->dom;

	(void)n;
	for (size_t i = 0; i < dom->ninputs; i++)
		if (dom->inputs[i].bus == VM_INPUT_USB && !dom->usb)
			return vm_error_set(x->err, VM_EXIT_INVALID,
					    "%s:%d: <input>: a USB %s needs a USB controller, which <controller type='usb' model='none'/> turns off",
					    x->file, dom->inputs[i].line,
					    type_names[dom->inputs[i].type]);
	return 0;
}

static int
input_argv(struct vm_argv *a, const struct vm_devices_argv *d, struct vm_error *err)
{
	const struct vm_domain *dom = d->dom;

	for (size_t i = 0; i < dom->ninputs; i++) {
		const struct vm_input *in = &dom->inputs[i];
		struct vm_argv_opt o = { 0 };

		if (in->bus == VM_INPUT_PS2)
			continue;
		if (in->bus == VM_INPUT_USB)
			vm_argv_opt_add(&o, "%s,id=input%zu", usb_devices[in->type], i);
		else
			vm_argv_opt_add(&o, "%s,id=input%zu", virtio_devices[in->type], i);
		vm_address_opt(&o, dom, &in->addr);
		if (vm_argv_opt_push(a, "-device", &o, err) < 0)
			return -1;
	}
	return 0;
}

static void
input_clear(struct vm_domain *dom)
{
	free(dom->inputs);
}

static const struct vm_xmlcheck_attr input_attrs[] = {
	{ "type", "tablet|mouse|keyboard", VM_XMLCHECK_REQUIRED },
	{ "bus", "ps2|usb|virtio", VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_elem input_children[] = { VM_DEVICES_ALIAS,
							  VM_DEVICES_ADDRESS,
							  { NULL } };

static const struct vm_xmlcheck_elem elems[] = { { "input", .attrs = input_attrs,
						   .children = input_children, .multi = true,
						   .begin = input_begin },
						 { NULL } };

const struct vm_devices_class vm_input_class = {
	.elems = elems,
	.end = inputs_end,
	.argv = input_argv,
	.clear = input_clear,
};
