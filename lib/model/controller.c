#include "controller.h"
#include "devices.h"

#include <stdio.h>

#define ROOT_PORT_SLOT 2 /* first pcie.0 slot for pcie-root-ports */

static const struct controller {
	const char *type, *model; /* model NULL: no model attribute */
	unsigned first, last;	  /* of index */
	bool q35;		  /* only a q35 machine has it */
	enum vm_usb usb;	  /* type usb: which */
} controllers[] = {
	{ "pci", "pcie-root", 0, 0, true, VM_USB_NONE },
	{ "pci", "pcie-root-port", 1, 255, true, VM_USB_NONE },
	{ "usb", "none", 0, 0, false, VM_USB_NONE },
	{ "usb", "piix3-uhci", 0, 0, false, VM_USB_PIIX3_UHCI },
	{ "usb", "qemu-xhci", 0, 0, false, VM_USB_QEMU_XHCI },
	{ "sata", NULL, 0, 0, false, VM_USB_NONE },
	{ "scsi", "virtio-scsi", 0, 0, false, VM_USB_NONE },
};

/* QEMU's device for each USB controller, its id "usb" and so its bus "usb.0", as libvirt's. */
static const char *const usb_devices[] = {
	[VM_USB_PIIX3_UHCI] = "piix3-usb-uhci",
	[VM_USB_QEMU_XHCI] = "qemu-xhci",
};

static int
controller_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);
	const char *type = vm_xmlcheck_attr(n, "type");
	const char *model = vm_xmlcheck_attr(n, "model");
	const char *index = vm_xmlcheck_attr(n, "index");
	const struct controller *k = NULL;
	unsigned long long i;

	for (size_t j = 0; j < sizeof(controllers) / sizeof(*controllers); j++)
		if (vm_devices_streq(controllers[j].type, type) &&
		    (vm_devices_streq(controllers[j].model, model) ||
		     (!controllers[j].model && !model)))
			k = &controllers[j];
	if (!k && model)
		return vm_xmlcheck_error(x, n, "unsupported controller type '%s' model '%s'", type,
					 model);
	if (!k)
		return vm_xmlcheck_error(x, n, "unsupported controller type '%s' without a model",
					 type);
	if (index && vm_xmlcheck_ull(x, n, "index", index, k->first, k->last, &i) < 0)
		return -1;
	if (k->q35 && !c->q35_node)
		c->q35_node = n;
	if (vm_devices_streq(model, "pcie-root-port") &&
	    c->dom->pcie_root_ports++ == VM_CONTROLLER_ROOT_PORTS_MAX)
		return vm_xmlcheck_error(x, n, "too many pcie-root-port controllers (at most %d)",
					 VM_CONTROLLER_ROOT_PORTS_MAX);
	if (vm_devices_streq(type, "usb"))
		c->dom->usb = k->usb;
	c->controller_model = k->model;
	return 0;
}

static int
model_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	const char *want = vm_devices_ctx(x)->controller_model;
	const char *name = vm_xmlcheck_attr(n, "name");

	if (!vm_devices_streq(name, want))
		return vm_xmlcheck_error(x, n, "unsupported name '%s' (expected %s)", name,
					 want ? want : "no <model>");
	return 0;
}

/* The machine may come after <devices>, and without q35 a PCIe controller would be dropped. */
static int
controller_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);

	if (c->q35_node && !vm_domain_is_q35(c->dom))
		return vm_xmlcheck_error(x, c->q35_node,
					 "model '%s' needs a q35 machine (<type machine='q35'>)",
					 vm_xmlcheck_attr(c->q35_node, "model"));
	return 0;
}

/*
 * Boot-time devices stay on pcie.0, where QEMU gives them free slots in
 * order; the root ports are there for hotplug. Like libvirt, we pack
 * eight root ports into each slot as functions of a multifunction
 * device, from ROOT_PORT_SLOT on, and emit them before any other device
 * so that their slots are still free.
 */
unsigned
vm_controller_root_ports(const struct vm_domain *dom)
{
	return !vm_domain_is_q35(dom) ? 0 : dom->pcie_root_ports ? dom->pcie_root_ports : 4;
}

/*
 * The USB controller, after the root ports so that it finds a free slot
 * of pcie.0 as boot-time devices do; piix3-uhci on pc where libvirt puts
 * it, as function 2 of the PIIX3 in slot 1.
 */
static int
usb_argv(struct vm_argv *a, const struct vm_domain *dom, struct vm_error *err)
{
	struct vm_argv_opt o = { 0 };

	if (dom->usb == VM_USB_NONE)
		return 0;
	vm_argv_opt_add(&o, "%s,id=usb", usb_devices[dom->usb]);
	if (dom->usb == VM_USB_PIIX3_UHCI && !vm_domain_is_q35(dom))
		vm_argv_opt_add(&o, ",bus=pci.0,addr=0x1.0x2");
	return vm_argv_opt_push(a, "-device", &o, err);
}

static int
controller_argv(struct vm_argv *a, const struct vm_devices_argv *d, struct vm_error *err)
{
	unsigned n = vm_controller_root_ports(d->dom);

	if (!vm_domain_is_q35(d->dom))
		return usb_argv(a, d->dom, err);
	/*
	 * QEMU 7.2 hotplugs through ACPI on q35 by default, which a guest
	 * without ACPI cannot answer: use native PCIe hotplug then. A port
	 * whose slot the guest never powered on (firmware only) also lets
	 * its device go at once on unplug.
	 */
	if (!d->dom->acpi &&
	    vm_argv_pushv(a, err, "-global", "ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off",
			  NULL) < 0)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		struct vm_argv_opt o = { 0 };

		vm_argv_opt_add(&o,
				"pcie-root-port,id=pci.%u,bus=pcie.0,chassis=%u,port=0x%x,addr=0x%x.0x%x%s",
				i + 1, i + 1, 0x10 + i, ROOT_PORT_SLOT + i / 8, i % 8,
				i % 8 == 0 && i + 1 < n ? ",multifunction=on" : "");
		if (vm_argv_opt_push(a, "-device", &o, err) < 0)
			return -1;
	}
	return usb_argv(a, d->dom, err);
}

static const struct vm_xmlcheck_attr controller_attrs[] = {
	{ "type", "pci|usb|sata|scsi", VM_XMLCHECK_REQUIRED },
	{ "model", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "index", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_attr model_attrs[] = {
	{ "name", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_REQUIRED }, { NULL }
};

static const struct vm_xmlcheck_elem controller_children[] = { { "model", .attrs = model_attrs,
								 .begin = model_begin },
							       VM_DEVICES_ALIAS,
							       VM_DEVICES_ADDRESS,
							       { NULL } };

static const struct vm_xmlcheck_elem elems[] = { { "controller", .attrs = controller_attrs,
						   .children = controller_children, .multi = true,
						   .begin = controller_begin },
						 { NULL } };

const struct vm_devices_class vm_controller_class = {
	.elems = elems,
	.end = controller_end,
	.argv = controller_argv,
};
