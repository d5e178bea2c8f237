#include "controller.h"
#include "devices.h"
#include "exitcodes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct controller {
	const char *type, *model; /* model NULL: no model attribute */
	const char *qemu;	  /* its <model name>: QEMU's device; NULL: none */
	unsigned first, last;	  /* of index */
	bool q35;		  /* only a q35 machine has it */
	bool pc;		  /* only a pc machine has it */
	enum vm_usb usb;	  /* type usb: which */
	enum vm_controller_kind kind;
	bool lsi; /* type scsi: QEMU's lsi, libvirt's lsilogic */
} controllers[] = {
	{ "pci", "pcie-root", NULL, 0, 0, true, false, VM_USB_NONE, VM_CONTROLLER_ROOT, false },
	{ "pci", "pci-root", NULL, 0, 0, false, true, VM_USB_NONE, VM_CONTROLLER_ROOT, false },
	{ "pci", "pcie-root-port", "pcie-root-port", 1, 255, true, false, VM_USB_NONE,
	  VM_CONTROLLER_ROOT_PORT, false },
	{ "pci", "pci-bridge", "pci-bridge", 1, 255, false, false, VM_USB_NONE,
	  VM_CONTROLLER_PCI_BRIDGE, false },
	{ "pci", "pcie-to-pci-bridge", "pcie-pci-bridge", 1, 255, true, false, VM_USB_NONE,
	  VM_CONTROLLER_PCIE_PCI, false },
	{ "pci", "dmi-to-pci-bridge", "i82801b11-bridge", 1, 255, true, false, VM_USB_NONE,
	  VM_CONTROLLER_DMI_PCI, false },
	{ "usb", "none", NULL, 0, 0, false, false, VM_USB_NONE, VM_CONTROLLER_OTHER, false },
	{ "usb", "piix3-uhci", NULL, 0, 0, false, false, VM_USB_PIIX3_UHCI, VM_CONTROLLER_OTHER,
	  false },
	{ "usb", "qemu-xhci", NULL, 0, 0, false, false, VM_USB_QEMU_XHCI, VM_CONTROLLER_OTHER,
	  false },
	{ "usb", "nec-xhci", NULL, 0, 0, false, false, VM_USB_NEC_XHCI, VM_CONTROLLER_OTHER,
	  false },
	/* the USB2 sets virt-install wrote: ehci and its uhci companions, of one index each */
	{ "usb", "ich9-ehci1", NULL, 0, VM_CONTROLLER_USB_MAX, false, false, VM_USB_ICH9_EHCI1,
	  VM_CONTROLLER_OTHER, false },
	{ "usb", "ich9-uhci1", NULL, 0, VM_CONTROLLER_USB_MAX, false, false, VM_USB_ICH9_UHCI1,
	  VM_CONTROLLER_OTHER, false },
	{ "usb", "ich9-uhci2", NULL, 0, VM_CONTROLLER_USB_MAX, false, false, VM_USB_ICH9_UHCI2,
	  VM_CONTROLLER_OTHER, false },
	{ "usb", "ich9-uhci3", NULL, 0, VM_CONTROLLER_USB_MAX, false, false, VM_USB_ICH9_UHCI3,
	  VM_CONTROLLER_OTHER, false },
	{ "sata", NULL, NULL, 0, 0, false, false, VM_USB_NONE, VM_CONTROLLER_OTHER, false },
	{ "scsi", "virtio-scsi", NULL, 0, VM_CONTROLLER_SCSI_MAX, false, false, VM_USB_NONE,
	  VM_CONTROLLER_OTHER, false },
	/* libvirt 9.0's default on x86 */
	{ "scsi", "lsilogic", NULL, 0, VM_CONTROLLER_SCSI_MAX, false, false, VM_USB_NONE,
	  VM_CONTROLLER_OTHER, true },
	{ "scsi", NULL, NULL, 0, VM_CONTROLLER_SCSI_MAX, false, false, VM_USB_NONE,
	  VM_CONTROLLER_OTHER, true },
	{ "virtio-serial", NULL, NULL, 0, VM_CONTROLLER_SERIAL_MAX, false, false, VM_USB_NONE,
	  VM_CONTROLLER_OTHER, false },
};

#define NCONTROLLERS (sizeof(controllers) / sizeof(*controllers))

/* QEMU's device for each USB controller; its id and bus are libvirt's (vm_address_usb_bus()). */
static const char *const usb_devices[] = {
	[VM_USB_PIIX3_UHCI] = "piix3-usb-uhci", [VM_USB_QEMU_XHCI] = "qemu-xhci",
	[VM_USB_NEC_XHCI] = "nec-usb-xhci",	[VM_USB_ICH9_EHCI1] = "ich9-usb-ehci1",
	[VM_USB_ICH9_UHCI1] = "ich9-usb-uhci1", [VM_USB_ICH9_UHCI2] = "ich9-usb-uhci2",
	[VM_USB_ICH9_UHCI3] = "ich9-usb-uhci3",
};

/* Whether USB model U is a companion (ich9-uhci), which has no bus of its own. */
static bool
companion(enum vm_usb u)
{
	return u >= VM_USB_ICH9_UHCI1;
}

/* The model attribute of USB model U. */
static const char *
usb_model(enum vm_usb u)
{
	for (size_t j = 0; j < NCONTROLLERS; j++)
		if (!strcmp(controllers[j].type, "usb") && controllers[j].usb == u)
			return controllers[j].model;
	return NULL;
}

/* The controller C of type TYPE in the document: its index, written or libvirt's next free one. */
static int
controller_index(struct vm_xmlcheck *x, xmlNodePtr n, const struct controller *k,
		 struct vm_controller *ctl)
{
	struct vm_domain *dom = vm_devices_ctx(x)->dom;
	const char *index = vm_xmlcheck_attr(n, "index");
	unsigned long long i = k->first;

	if (index && vm_xmlcheck_ull(x, n, "index", index, k->first, k->last, &i) < 0)
		return -1;
	for (size_t j = 0; j < dom->ncontrollers; j++) {
		const struct vm_controller *o = &dom->controllers[j];

		if (o->index != i || !vm_devices_streq(o->type, k->type))
			continue;
		/* the ich9 set shares its index, one of each model */
		if (VM_USB_ICH9(k->usb) && VM_USB_ICH9(o->usb) && k->usb != o->usb)
			continue;
		if (index)
			return vm_xmlcheck_error(x, n, "a %s controller of index %llu comes before",
						 k->type, i);
		/* libvirt's next free index: look again from the start */
		i++;
		j = (size_t)-1;
	}
	if (i > k->last)
		return vm_xmlcheck_error(x, n, "too many %s controllers", k->type);
	ctl->index = (unsigned)i;
	ctl->has_index = index;
	return 0;
}

static int
controller_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);
	struct vm_domain *dom = c->dom;
	const char *type = vm_xmlcheck_attr(n, "type");
	const char *model = vm_xmlcheck_attr(n, "model");
	const char *ports = vm_xmlcheck_attr(n, "ports");
	const struct controller *k = NULL;
	struct vm_controller *ctl, one = { 0 };
	unsigned long long p;

	for (size_t j = 0; j < NCONTROLLERS; j++)
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
	/* libvirt's default number of ports: QEMU's; libvirt gives QEMU 7.2 'ports' of xhci only */
	if (ports && k->usb != VM_USB_QEMU_XHCI && k->usb != VM_USB_NEC_XHCI &&
	    !vm_devices_streq(type, "virtio-serial"))
		return model ? vm_xmlcheck_error(x, n, "controller model '%s' has no 'ports'",
						 model)
			     : vm_xmlcheck_error(x, n, "controller type '%s' has no 'ports'", type);
	if (ports && vm_xmlcheck_ull(x, n, "ports", ports, 1, k->usb ? 15 : 31, &p) < 0)
		return -1;
	if (controller_index(x, n, k, &one) < 0)
		return -1;
	if (!(ctl = VM_DEVICES_APPEND(x, dom->controllers, dom->ncontrollers)))
		return -1;
	*ctl = one;
	ctl->kind = k->kind;
	ctl->type = k->type;
	ctl->ports = ports ? (unsigned)p : 0;
	ctl->usb = k->usb;
	ctl->line = (int)vm_xmlcheck_line(n);
	if (k->q35 && !c->q35_node)
		c->q35_node = n;
	if (k->pc && !c->pc_node)
		c->pc_node = n;
	if (ctl->kind == VM_CONTROLLER_ROOT_PORT && ctl->index > VM_CONTROLLER_ROOT_PORTS_MAX)
		return vm_xmlcheck_error(x, n, "too many pcie-root-port controllers (at most %d)",
					 VM_CONTROLLER_ROOT_PORTS_MAX);
	if (vm_devices_streq(type, "usb") && !companion(k->usb) && ctl->index == 0)
		dom->usb = k->usb;
	if (vm_devices_streq(type, "virtio-serial") && ctl->index == 0)
		dom->channel.virtio_serial = true;
	ctl->lsi = k->lsi;
	c->controller_model = k->qemu;
	c->controller = ctl;
	if (k->kind != VM_CONTROLLER_ROOT && !vm_devices_streq(model, "none"))
		VM_ADDRESS_EXPECT(c, n, controllers, dom->ncontrollers - 1, addr,
				  VM_ADDRESS_TAKES(VM_ADDRESS_PCI));
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

/* libvirt writes chassis and port of a root port, and chassisNr of a pci-bridge, which is its index
 */
static int
target_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_controller *ctl = vm_devices_ctx(x)->controller;
	const char *chassis = vm_xmlcheck_attr(n, "chassis");
	const char *port = vm_xmlcheck_attr(n, "port");
	const char *nr = vm_xmlcheck_attr(n, "chassisNr");
	unsigned v;

	if (ctl->kind != VM_CONTROLLER_ROOT_PORT && (chassis || port))
		return vm_xmlcheck_error(x, n, "only a pcie-root-port has '%s'",
					 chassis ? "chassis" : "port");
	if (nr && ctl->kind != VM_CONTROLLER_PCI_BRIDGE)
		return vm_xmlcheck_error(x, n, "only a pci-bridge has 'chassisNr'");
	if (vm_address_number(x, n, "chassisNr", 255, &v) < 0)
		return -1;
	if (nr && v != ctl->index)
		return vm_xmlcheck_error(x, n, "chassisNr='%s' is not the index (%u)", nr,
					 ctl->index);
	if (vm_address_number(x, n, "chassis", 255, &ctl->chassis) < 0 ||
	    vm_address_number(x, n, "port", 255, &ctl->port) < 0)
		return -1;
	return 0;
}

/*
 * An ich9-uhci's <master startport>: the first of the ich9-ehci1's six
 * ports that its two serve; QEMU refuses one beyond 4.
 */
static int
master_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_controller *ctl = vm_devices_ctx(x)->controller;

	if (!companion(ctl->usb))
		return vm_xmlcheck_error(x, n, "only an ich9-uhci controller has <master>");
	ctl->has_master = true;
	return vm_address_number(x, n, "startport", 4, &ctl->startport);
}

/* A companion without <master>: libvirt's, uhci1 from port 0, uhci2 from 2, uhci3 from 4. */
static int
controller_elem_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_controller *ctl = vm_devices_ctx(x)->controller;

	(void)n;
	if (companion(ctl->usb) && !ctl->has_master)
		ctl->startport = 2 * (ctl->usb - VM_USB_ICH9_UHCI1);
	return 0;
}

/*
 * Appends a controller of TYPE and INDEX unless DOM has one, last as
 * libvirt appends it (so in libvirt's order of PCI placement); a scsi
 * one is libvirt's default, an lsi.
 */
static int
implicit(struct vm_xmlcheck *x, struct vm_domain *dom, const char *type, unsigned index)
{
	struct vm_controller *ctl;

	if (vm_controller_find(dom, type, index))
		return 0;
	if (!(ctl = VM_DEVICES_APPEND(x, dom->controllers, dom->ncontrollers)))
		return -1;
	/* libvirt adds it with its index (virDomainDefMaybeAddController) */
	*ctl = (struct vm_controller){ .kind = VM_CONTROLLER_OTHER,
				       .type = type,
				       .index = index,
				       .has_index = true,
				       .lsi = !strcmp(type, "scsi") };
	return 0;
}

/*
 * The controllers the devices need and the file does not have, in
 * libvirt's order (virDomainDefAddImplicitControllers): the USB
 * controller every pc and q35 domain has unless it says model='none'
 * (libvirt adds it first), then by type, scsi before sata: each scsi
 * controller up to the last a scsi disk needs (vm_disk_scsi_address()),
 * in index order, then the sata one, then the virtio-serial of the
 * guest agent (the one its address names) and of the SPICE agent.
 */
static int
implicit_controllers(struct vm_xmlcheck *x, struct vm_domain *dom)
{
	bool q35 = vm_domain_is_q35(dom), scsi = false, sata = false;
	unsigned last = 0;

	if (!vm_controller_address(dom, "usb") && (q35 || vm_domain_is_pc(dom))) {
		if (implicit(x, dom, "usb", 0) < 0)
			return -1;
		dom->usb = q35 ? VM_USB_QEMU_XHCI : VM_USB_PIIX3_UHCI;
		dom->controllers[dom->ncontrollers - 1].usb = dom->usb;
	}
	for (size_t i = 0; i < dom->ndisks; i++) {
		struct vm_address a;

		sata |= dom->disks[i].bus == VM_BUS_SATA;
		if (dom->disks[i].bus != VM_BUS_SCSI)
			continue;
		vm_disk_scsi_address(&dom->disks[i], &a);
		if (!scsi || a.controller > last)
			last = a.controller;
		scsi = true;
	}
	for (unsigned c = 0; scsi && c <= last; c++)
		if (implicit(x, dom, "scsi", c) < 0)
			return -1;
	if (sata && implicit(x, dom, "sata", 0) < 0)
		return -1;
	/* the guest agent's on the controller of its address, the SPICE agent's on 0 */
	if (dom->channel.agent &&
	    implicit(x, dom, "virtio-serial",
		     dom->channel.addr.type ? dom->channel.addr.controller : 0) < 0)
		return -1;
	return dom->channel.spice_line ? implicit(x, dom, "virtio-serial", 0) : 0;
}

/* DOM's USB controller of INDEX and model U, or NULL. */
static const struct vm_controller *
find_usb(const struct vm_domain *dom, unsigned index, enum vm_usb u)
{
	for (size_t i = 0; i < dom->ncontrollers; i++)
		if (vm_devices_streq(dom->controllers[i].type, "usb") &&
		    dom->controllers[i].index == index && dom->controllers[i].usb == u)
			return &dom->controllers[i];
	return NULL;
}

/*
 * A companion's masterbus, the ehci of its index, must exist; libvirt
 * refuses any other USB controller beside one of model='none'.
 */
static int
check_usb(struct vm_xmlcheck *x, const struct vm_domain *dom)
{
	const struct vm_controller *none = find_usb(dom, 0, VM_USB_NONE);

	for (size_t i = 0; i < dom->ncontrollers; i++) {
		const struct vm_controller *ctl = &dom->controllers[i];

		if (!vm_devices_streq(ctl->type, "usb") || ctl == none)
			continue;
		if (none)
			return vm_error_set(x->err, VM_EXIT_INVALID,
					    "%s:%d: <controller>: model '%s' is a USB controller, which the <controller type='usb' model='none'/> on line %d turns off",
					    x->file, ctl->line, usb_model(ctl->usb), none->line);
		if (companion(ctl->usb) && !find_usb(dom, ctl->index, VM_USB_ICH9_EHCI1))
			return vm_error_set(x->err, VM_EXIT_INVALID,
					    "%s:%d: <controller>: model '%s' needs a <controller type='usb' model='ich9-ehci1'> of its index",
					    x->file, ctl->line, usb_model(ctl->usb));
	}
	return 0;
}

/*
 * The machine may come after <devices>, and without q35 a PCIe
 * controller would be dropped. The root ports and bridges libvirt adds
 * are address.c's to add, with the devices that need them.
 */
static int
controller_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);
	struct vm_domain *dom = c->dom;
	bool ports = false;

	if (c->q35_node && !vm_domain_is_q35(dom))
		return vm_xmlcheck_error(x, c->q35_node,
					 "model '%s' needs a q35 machine (<type machine='q35'>)",
					 vm_xmlcheck_attr(c->q35_node, "model"));
	if (c->pc_node && vm_domain_is_q35(dom))
		return vm_xmlcheck_error(x, c->pc_node, "model 'pci-root' needs a pc machine");
	if (check_usb(x, dom) < 0)
		return -1;
	if (implicit_controllers(x, dom) < 0)
		return -1;
	if (!vm_domain_is_q35(dom))
		return 0;
	for (size_t i = 0; i < dom->ncontrollers; i++)
		ports |= dom->controllers[i].kind == VM_CONTROLLER_ROOT_PORT;
	c->root_ports_written = ports;
	return 0;
}

/*
 * The USB controllers, after the PCI controllers so that they find a
 * free slot as boot-time devices do, by index, each companion after the
 * ehci whose bus it joins; piix3-uhci on pc where libvirt puts it, as
 * function 2 of the PIIX3 in slot 1.
 */
static int
usb_argv(struct vm_argv *a, const struct vm_domain *dom, struct vm_error *err)
{
	for (unsigned index = 0; index <= VM_CONTROLLER_USB_MAX; index++) {
		char id[16];

		vm_address_usb_id(index, id);
		for (size_t i = 0; i < dom->ncontrollers; i++) {
			const struct vm_controller *ctl = &dom->controllers[i];
			struct vm_argv_opt o = { 0 };

			if (!vm_devices_streq(ctl->type, "usb") || ctl->index != index ||
			    ctl->usb == VM_USB_NONE || companion(ctl->usb))
				continue;
			vm_argv_opt_add(&o, "%s,id=%s", usb_devices[ctl->usb], id);
			if (ctl->ports)
				vm_argv_opt_add(&o, ",p2=%u,p3=%u", ctl->ports, ctl->ports);
			if (ctl->addr.type == VM_ADDRESS_PCI)
				vm_address_opt(&o, dom, &ctl->addr);
			else if (ctl->usb == VM_USB_PIIX3_UHCI && !vm_domain_is_q35(dom))
				vm_argv_opt_add(&o, ",bus=pci.0,addr=0x1.0x2");
			if (vm_argv_opt_push(a, "-device", &o, err) < 0)
				return -1;
		}
		/* the companions, with no id as libvirt's */
		for (size_t i = 0; i < dom->ncontrollers; i++) {
			const struct vm_controller *ctl = &dom->controllers[i];
			struct vm_argv_opt u = { 0 };

			if (!vm_devices_streq(ctl->type, "usb") || ctl->index != index ||
			    !companion(ctl->usb))
				continue;
			vm_argv_opt_add(&u, "%s,masterbus=%s.0,firstport=%u", usb_devices[ctl->usb],
					id, ctl->startport);
			vm_address_opt(&u, dom, &ctl->addr);
			if (vm_argv_opt_push(a, "-device", &u, err) < 0)
				return -1;
		}
	}
	/* the usb-hubs libvirt adds (address.c), each after the one it sits on */
	for (unsigned i = 0; i < dom->nusb_hubs; i++) {
		struct vm_argv_opt o = { 0 };

		vm_argv_opt_add(&o, "usb-hub,id=hub%u", i);
		vm_address_opt(&o, dom, &dom->usb_hubs[i]);
		if (vm_argv_opt_push(a, "-device", &o, err) < 0)
			return -1;
	}
	return 0;
}

/* A PCI controller's device, as libvirt 9.0 writes it for QEMU 7.2. */
static int
pci_argv(struct vm_argv *a, const struct vm_domain *dom, const struct vm_controller *ctl,
	 struct vm_error *err)
{
	const struct vm_address *p = &ctl->addr;
	struct vm_argv_opt o = { 0 };

	switch (ctl->kind) {
	case VM_CONTROLLER_ROOT_PORT:
		/* libvirt's defaults: the port is the slot and function, the chassis the index */
		vm_argv_opt_add(&o, "pcie-root-port,id=pci.%u,chassis=%u,port=0x%x", ctl->index,
				ctl->chassis ? ctl->chassis : ctl->index,
				ctl->port ? ctl->port : p->slot << 3 | p->function);
		break;
	case VM_CONTROLLER_PCI_BRIDGE:
		vm_argv_opt_add(&o, "pci-bridge,id=pci.%u,chassis_nr=%u", ctl->index, ctl->index);
		break;
	case VM_CONTROLLER_PCIE_PCI:
		vm_argv_opt_add(&o, "pcie-pci-bridge,id=pci.%u", ctl->index);
		break;
	case VM_CONTROLLER_DMI_PCI:
		vm_argv_opt_add(&o, "i82801b11-bridge,id=pci.%u", ctl->index);
		break;
	default:
		return 0;
	}
	vm_address_opt(&o, dom, p);
	return vm_argv_opt_push(a, "-device", &o, err);
}

/* The PCI controllers in the order of their index, as their buses must exist before use */
static int
controller_argv(struct vm_argv *a, const struct vm_devices_argv *d, struct vm_error *err)
{
	const struct vm_domain *dom = d->dom;

	/*
	 * QEMU 7.2 hotplugs through ACPI on q35 by default, which a guest
	 * without ACPI cannot answer: use native PCIe hotplug then. A port
	 * whose slot the guest never powered on (firmware only) also lets
	 * its device go at once on unplug.
	 */
	if (vm_domain_is_q35(dom) && !dom->acpi &&
	    vm_argv_pushv(a, err, "-global", "ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off",
			  NULL) < 0)
		return -1;
	for (unsigned i = 1; i <= vm_controller_last_pci(dom); i++) {
		const struct vm_controller *ctl = vm_controller_pci(dom, i);

		if (ctl && pci_argv(a, dom, ctl, err) < 0)
			return -1;
	}
	return usb_argv(a, dom, err);
}

static void
controller_clear(struct vm_domain *dom)
{
	free(dom->controllers);
}

static const struct vm_xmlcheck_attr controller_attrs[] = {
	{ "type", "pci|usb|sata|scsi|virtio-serial", VM_XMLCHECK_REQUIRED },
	{ "model", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "index", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "ports", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_attr master_attrs[] = {
	{ "startport", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_REQUIRED }, { NULL }
};

static const struct vm_xmlcheck_attr model_attrs[] = {
	{ "name", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_REQUIRED }, { NULL }
};

static const struct vm_xmlcheck_attr target_attrs[] = {
	{ "chassis", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "port", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "chassisNr", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_elem controller_children[] = {
	{ "model", .attrs = model_attrs, .begin = model_begin },
	{ "target", .attrs = target_attrs, .begin = target_begin },
	{ "master", .attrs = master_attrs, .begin = master_begin },
	VM_DEVICES_ALIAS,
	VM_DEVICES_ADDRESS,
	{ NULL }
};

static const struct vm_xmlcheck_elem elems[] = {
	{ "controller", .attrs = controller_attrs, .children = controller_children, .multi = true,
	  .begin = controller_begin, .end = controller_elem_end },
	{ NULL }
};

const struct vm_devices_class vm_controller_class = {
	.elems = elems,
	.end = controller_end,
	.argv = controller_argv,
	.clear = controller_clear,
};
