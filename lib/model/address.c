#include "address.h"
#include "devices.h"
#include "cleanup.h"
#include "exitcodes.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define SLOTS 32
#define FUNCTIONS 8
#define LPC_SLOT 0x1f	 /* q35's ICH9: LPC, SATA (function 2), SMBus */
#define PIIX3_SLOT 1	 /* pc's PIIX3: ISA, IDE, USB (function 2), ACPI */
#define AHCI_FUNCTION 2	 /* the SATA controller in q35's slot 0x1f */
#define UHCI_FUNCTION 2	 /* the USB controller in pc's slot 1 */
#define VIDEO_SLOT_Q35 1 /* where video.c puts the primary video */
#define VIDEO_SLOT_PC 2
#define USB_PORTS 15	     /* qemu-xhci's most */
#define ICH9_SOUND_SLOT 0x1b /* where q35's first ich9 sound card goes */

static const char *const type_names[] = {
	[VM_ADDRESS_PCI] = "pci",
	[VM_ADDRESS_DRIVE] = "drive",
	[VM_ADDRESS_VIRTIO_SERIAL] = "virtio-serial",
	[VM_ADDRESS_USB] = "usb",
	[VM_ADDRESS_ISA] = "isa",
};

#define NTYPES (sizeof(type_names) / sizeof(*type_names))

/* Which attributes each type has; domain only as 0, as libvirt writes it */
static const char *const type_attrs[] = {
	[VM_ADDRESS_PCI] = "domain bus slot function multifunction",
	[VM_ADDRESS_DRIVE] = "controller bus target unit",
	[VM_ADDRESS_VIRTIO_SERIAL] = "controller bus port",
	[VM_ADDRESS_USB] = "bus port",
	/* the one device with one, pvpanic, has an I/O port and no irq */
	[VM_ADDRESS_ISA] = "iobase",
};

const struct vm_xmlcheck_attr vm_address_attrs[] = {
	{ "type", "pci|drive|virtio-serial|usb|isa", VM_XMLCHECK_REQUIRED },
	{ "domain", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "bus", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "slot", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "function", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "multifunction", "on|off", VM_XMLCHECK_OPTIONAL },
	{ "controller", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "target", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "unit", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "port", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "iobase", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "irq", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

struct vm_address *
vm_address_of(struct vm_domain *dom, const struct vm_address_ref *r)
{
	char *base = (char *)dom;

	if (r->array != (size_t)-1)
		base = *(char **)(base + r->array) + r->i * r->size;
	return (struct vm_address *)(base + r->off);
}

/* Attribute NAME of N, decimal or 0x hexadecimal as libvirt reads it, up to MAX; absent: 0. */
int
vm_address_number(struct vm_xmlcheck *x, xmlNodePtr n, const char *name, unsigned max, unsigned *v)
{
	const char *s = vm_xmlcheck_attr(n, name);
	unsigned long long u;
	char *end;

	*v = 0;
	if (!s)
		return 0;
	errno = 0;
	u = isdigit((unsigned char)*s) ? strtoull(s, &end, 0) : ULLONG_MAX;
	if (!isdigit((unsigned char)*s) || *end || errno || u > max)
		return vm_xmlcheck_error(x, n, "invalid %s '%s' (expected an integer from 0 to %u)",
					 name, s, max);
	*v = (unsigned)u;
	return 0;
}

/* Refuses an attribute of N that its type does not have. */
static int
check_attrs(struct vm_xmlcheck *x, xmlNodePtr n, enum vm_address_type t)
{
	for (xmlAttrPtr p = n->properties; p; p = p->next) {
		const char *name = (const char *)p->name;
		const char *have = type_attrs[t];
		size_t len = strlen(name);
		bool ok = !strcmp(name, "type");

		for (const char *s = strstr(have, name); !ok && s; s = strstr(s + 1, name))
			ok = (s == have || s[-1] == ' ') && (s[len] == ' ' || !s[len]);
		if (!ok)
			return vm_xmlcheck_error(x, n, "an address of type '%s' has no '%s'",
						 type_names[t], name);
	}
	return 0;
}

int
vm_address_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);
	struct vm_address_ref *r = &c->addr_next;
	enum vm_address_type t = vm_devices_index(type_names, NTYPES, vm_xmlcheck_attr(n, "type"));
	struct vm_address a = { .type = t };
	unsigned dom;
	int e = 0;

	if (!c->doc)
		return vm_xmlcheck_error(x, n,
					 "vmkit assigns a hotplugged device's address itself: remove <address>");
	if (r->owner != n->parent || !r->takes)
		return vm_xmlcheck_error(x, n, "vmkit gives <%s> no address: remove <address>",
					 (const char *)n->parent->name);
	if (!(r->takes & VM_ADDRESS_TAKES(t)))
		return vm_xmlcheck_error(x, n, "<%s> takes no address of type '%s'",
					 (const char *)n->parent->name, type_names[t]);
	if (check_attrs(x, n, t) < 0)
		return -1;
	switch (t) {
	case VM_ADDRESS_PCI:
		e |= vm_address_number(x, n, "domain", 0xffff, &dom);
		if (!e && dom)
			return vm_xmlcheck_error(x, n, "PCI domain '%s' is not 0 (vmkit has one)",
						 vm_xmlcheck_attr(n, "domain"));
		e |= vm_address_number(x, n, "bus", 0xff, &a.bus);
		e |= vm_address_number(x, n, "slot", SLOTS - 1, &a.slot);
		e |= vm_address_number(x, n, "function", FUNCTIONS - 1, &a.function);
		a.multifunction = vm_devices_streq(vm_xmlcheck_attr(n, "multifunction"), "on");
		if (!e && !vm_xmlcheck_attr(n, "slot"))
			return vm_xmlcheck_error(x, n, "a PCI address needs a slot");
		break;
	case VM_ADDRESS_DRIVE:
		e |= vm_address_number(x, n, "controller", VM_CONTROLLER_SCSI_MAX, &a.controller);
		e |= vm_address_number(x, n, "bus", 0, &a.bus);
		e |= vm_address_number(x, n, "target", 0xff, &a.target);
		e |= vm_address_number(x, n, "unit", 0xffff, &a.unit);
		break;
	case VM_ADDRESS_VIRTIO_SERIAL:
		e |= vm_address_number(x, n, "controller", VM_CONTROLLER_SERIAL_MAX, &a.controller);
		e |= vm_address_number(x, n, "bus", 0, &a.bus);
		e |= vm_address_number(x, n, "port", 31, &a.port);
		if (!e && !a.port)
			return vm_xmlcheck_error(x, n,
						 "a virtio-serial address needs a port from 1");
		break;
	case VM_ADDRESS_USB:
		e |= vm_address_number(x, n, "bus", VM_CONTROLLER_USB_MAX, &a.bus);
		e |= vm_address_number(x, n, "port", USB_PORTS, &a.port);
		if (!e && !a.port)
			return vm_xmlcheck_error(x, n, "a USB address needs a port from 1");
		break;
	case VM_ADDRESS_ISA:
		e |= vm_address_number(x, n, "iobase", 0xffff, &a.iobase);
		if (!e && !vm_xmlcheck_attr(n, "iobase"))
			return vm_xmlcheck_error(x, n, "an ISA address needs an iobase");
		break;
	case VM_ADDRESS_NONE:
		break;
	}
	if (e)
		return -1;
	r->node = n;
	*vm_address_of(c->dom, r) = a;
	if (!VM_DEVICES_APPEND(x, c->addrs, c->naddrs))
		return -1;
	c->addrs[c->naddrs - 1] = *r;
	r->owner = NULL;
	return 0;
}

/* Checks once the whole domain is read */

/* Whether N is <controller type='TYPE'>. */
static bool
is_controller(xmlNodePtr n, const char *type)
{
	return !strcmp((const char *)n->name, "controller") &&
	       vm_devices_streq(vm_xmlcheck_attr(n, "type"), type);
}

/* Refuses the PCI address of R where the machine has its own devices or no bus. */
static int
check_bus(struct vm_xmlcheck *x, struct vm_domain *dom, const struct vm_address_ref *r,
	  const struct vm_address *a)
{
	bool q35 = vm_domain_is_q35(dom);
	const char *model = vm_xmlcheck_attr(r->owner, "model");
	struct vm_controller *ctl;

	if (a->bus == 0) {
		if (a->slot == 0)
			return vm_xmlcheck_error(x, r->node, "slot 0 of %s is the host bridge's",
						 q35 ? "pcie.0" : "pci.0");
		if (q35 && a->slot == LPC_SLOT &&
		    !(a->function == AHCI_FUNCTION && is_controller(r->owner, "sata")))
			return vm_xmlcheck_error(x, r->node,
						 "slot 0x1f of pcie.0 is the ICH9's (only <controller type='sata'> as its function 2)");
		if (q35 && is_controller(r->owner, "sata") &&
		    (a->slot != LPC_SLOT || a->function != AHCI_FUNCTION))
			return vm_xmlcheck_error(x, r->node,
						 "q35's sata controller is at slot 0x1f function 2");
		if (!q35 && a->slot == PIIX3_SLOT &&
		    !(a->function == UHCI_FUNCTION && is_controller(r->owner, "usb")))
			return vm_xmlcheck_error(x, r->node,
						 "slot 1 of pci.0 is the PIIX3's (only a usb controller as its function 2)");
		if (vm_devices_streq(model, "pci-bridge") && q35)
			return vm_xmlcheck_error(x, r->node,
						 "a pci-bridge sits on a pcie-to-pci-bridge or dmi-to-pci-bridge, not on pcie.0");
		return 0;
	}
	ctl = (struct vm_controller *)vm_controller_pci(dom, a->bus);
	if (!ctl || ctl->kind == VM_CONTROLLER_ROOT)
		return vm_xmlcheck_error(x, r->node, "no PCI controller has index %u (bus 0x%02x)",
					 a->bus, a->bus);
	if (vm_devices_streq(model, "pcie-root-port"))
		return vm_xmlcheck_error(x, r->node,
					 "a pcie-root-port sits on pcie.0, not on bus %u", a->bus);
	if (ctl->kind == VM_CONTROLLER_ROOT_PORT && a->slot != 0)
		return vm_xmlcheck_error(x, r->node,
					 "a pcie-root-port (bus %u) has slot 0 only, not %u",
					 a->bus, a->slot);
	if (ctl->kind != VM_CONTROLLER_ROOT_PORT && a->slot == 0)
		return vm_xmlcheck_error(x, r->node, "slot 0 of a PCI bridge (bus %u) is not free",
					 a->bus);
	if (ctl->kind == VM_CONTROLLER_DMI_PCI && !vm_devices_streq(model, "pci-bridge"))
		return vm_xmlcheck_error(x, r->node,
					 "a dmi-to-pci-bridge (bus %u) takes pci-bridges only",
					 a->bus);
	ctl->used = true;
	return 0;
}

/*
 * A scsi disk's written address must fit its controller's model, as
 * QEMU numbers its devices: an lsi has targets 0 to 7 of one lun, which
 * libvirt writes as target 0 and the unit; a virtio-scsi has targets 0
 * to 255 of luns 0 to 16383. No other scsi disk may have the address,
 * written or libvirt's (vm_disk_scsi_address()).
 */
static int
check_scsi(struct vm_xmlcheck *x, struct vm_domain *dom, const struct vm_address_ref *r,
	   const struct vm_address *a)
{
	const struct vm_disk *d = &dom->disks[r->i];
	const struct vm_controller *ctl = vm_controller_find(dom, "scsi", a->controller);

	if (ctl && ctl->lsi && a->target != 0)
		return vm_xmlcheck_error(x, r->node,
					 "scsi disk '%s': target='%u' on controller %u, an lsi, whose disks are target 0 and a unit from 0 to %d",
					 d->target, a->target, a->controller, VM_SCSI_LSI_MAX_ID);
	if (ctl && ctl->lsi && a->unit > VM_SCSI_LSI_MAX_ID)
		return vm_xmlcheck_error(x, r->node,
					 "scsi disk '%s': unit='%u' on controller %u, an lsi, whose units go from 0 to %d",
					 d->target, a->unit, a->controller, VM_SCSI_LSI_MAX_ID);
	if (a->unit > VM_SCSI_VIRTIO_MAX_LUN)
		return vm_xmlcheck_error(x, r->node,
					 "scsi disk '%s': unit='%u' on controller %u, a virtio-scsi, whose units go from 0 to %d",
					 d->target, a->unit, a->controller, VM_SCSI_VIRTIO_MAX_LUN);
	for (size_t i = 0; i < dom->ndisks; i++) {
		struct vm_address b;

		if (i == r->i || dom->disks[i].bus != VM_BUS_SCSI)
			continue;
		vm_disk_scsi_address(&dom->disks[i], &b);
		if (b.controller == a->controller && b.bus == a->bus && b.target == a->target &&
		    b.unit == a->unit)
			return vm_xmlcheck_error(x, r->node,
						 "scsi disk '%s': controller %u target %u unit %u is scsi disk '%s''s on line %d",
						 d->target, a->controller, a->target, a->unit,
						 dom->disks[i].target, dom->disks[i].line);
	}
	return 0;
}

/*
 * A disk's address must fit its bus: a PCI one on virtio, a USB one on
 * usb, a drive one on sata and scsi, at the port (sata) that its name
 * gives it, which is where vmkit puts it, or anywhere its scsi
 * controller has (check_scsi()).
 */
static int
check_disk(struct vm_xmlcheck *x, struct vm_domain *dom, const struct vm_address_ref *r,
	   const struct vm_address *a)
{
	const struct vm_disk *d = &dom->disks[r->i];
	long idx = vm_disk_index(d->target);

	if ((d->bus == VM_BUS_VIRTIO) != (a->type == VM_ADDRESS_PCI) ||
	    (d->bus == VM_BUS_USB) != (a->type == VM_ADDRESS_USB))
		return vm_xmlcheck_error(x, r->node,
					 "a disk on bus '%s' takes no address of type '%s'",
					 vm_disk_bus_name(d->bus), type_names[a->type]);
	if (d->bus == VM_BUS_SATA && (a->controller != 0 || a->unit != idx))
		return vm_xmlcheck_error(x, r->node,
					 "sata disk '%s' is on port %ld: controller='0' unit='%ld'",
					 d->target, idx, idx);
	return d->bus == VM_BUS_SCSI ? check_scsi(x, dom, r, a) : 0;
}

/* Refuses a USB address A whose bus or port the USB controllers do not have, as libvirt does. */
static int
check_usb(struct vm_xmlcheck *x, struct vm_domain *dom, const struct vm_address_ref *r,
	  const struct vm_address *a)
{
	unsigned ports = vm_controller_usb_ports(dom, a->bus);

	if (!ports)
		return vm_xmlcheck_error(x, r->node, "no USB controller has index %u (bus %u)",
					 a->bus, a->bus);
	if (a->port > ports)
		return vm_xmlcheck_error(x, r->node,
					 "USB bus %u has ports 1 to %u, not %u (libvirt adds no port)",
					 a->bus, ports, a->port);
	return 0;
}

/* Refuses R's PCI address when an earlier one has its slot and function. */
static int
check_unique(struct vm_xmlcheck *x, struct vm_domain *dom, size_t k)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);
	const struct vm_address *a = vm_address_of(dom, &c->addrs[k]);

	for (size_t i = 0; i < k; i++) {
		const struct vm_address *b = vm_address_of(dom, &c->addrs[i]);

		if (b->type == VM_ADDRESS_PCI && b->bus == a->bus && b->slot == a->slot &&
		    b->function == a->function)
			return vm_xmlcheck_error(x, c->addrs[k].node,
						 "bus %u slot %u function %u is taken by <%s> on line %ld",
						 a->bus, a->slot, a->function,
						 (const char *)c->addrs[i].owner->name,
						 vm_xmlcheck_line(c->addrs[i].node));
		if (b->type == VM_ADDRESS_USB && a->type == VM_ADDRESS_USB && a->bus == b->bus &&
		    a->port == b->port)
			return vm_xmlcheck_error(x, c->addrs[k].node,
						 "USB port %u of bus %u is taken by <%s> on line %ld",
						 a->port, a->bus,
						 (const char *)c->addrs[i].owner->name,
						 vm_xmlcheck_line(c->addrs[i].node));
	}
	return 0;
}

/* Whether DOM has a primary video that video.c puts in its slot of bus 0. */
static bool
fixed_video(const struct vm_domain *dom)
{
	for (size_t i = 0; i < dom->nvideos; i++)
		if (dom->videos[i].primary && !dom->videos[i].addr.type &&
		    dom->videos[i].model != VM_VIDEO_RAMFB && dom->videos[i].model != VM_VIDEO_NONE)
			return true;
	return false;
}

/* Whether slot SLOT of bus 0 is free: no address there, nor a device vmkit puts there. */
static bool
slot_free(struct vm_xmlcheck *x, struct vm_domain *dom, unsigned slot)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);
	bool q35 = vm_domain_is_q35(dom);

	if (q35 && (slot == LPC_SLOT || (slot == VIDEO_SLOT_Q35 && fixed_video(dom))))
		return false;
	if (!q35 && (slot == PIIX3_SLOT || (slot == VIDEO_SLOT_PC && fixed_video(dom))))
		return false;
	for (size_t i = 0; i < c->naddrs; i++) {
		const struct vm_address *b = vm_address_of(dom, &c->addrs[i]);

		if (b->type == VM_ADDRESS_PCI && b->bus == 0 && b->slot == slot)
			return false;
	}
	for (size_t i = 0; i < dom->ncontrollers; i++) {
		const struct vm_address *b = &dom->controllers[i].addr;

		if (b->type == VM_ADDRESS_PCI && b->bus == 0 && b->slot == slot)
			return false;
	}
	/* the ich9 that place_chipset() put in 0x1b */
	for (size_t i = 0; i < dom->nsounds; i++) {
		const struct vm_address *b = &dom->sounds[i].addr;

		if (b->type == VM_ADDRESS_PCI && b->bus == 0 && b->slot == slot)
			return false;
	}
	return true;
}

/*
 * Root ports without an address, packed as libvirt packs them: the eight
 * functions of the first free slots of pcie.0, function 0 with
 * multifunction=on when more follow in its slot.
 */
static int
assign_root_ports(struct vm_xmlcheck *x, xmlNodePtr n, struct vm_domain *dom)
{
	unsigned slot = 0, function = FUNCTIONS;
	struct vm_address *first = NULL;

	for (unsigned index = 1; index <= VM_CONTROLLER_ROOT_PORTS_MAX; index++) {
		struct vm_controller *ctl = (struct vm_controller *)vm_controller_pci(dom, index);

		if (!ctl || ctl->kind != VM_CONTROLLER_ROOT_PORT || ctl->addr.type)
			continue;
		if (function == FUNCTIONS) {
			do
				slot++;
			while (slot < SLOTS && !slot_free(x, dom, slot));
			if (slot == SLOTS)
				return vm_xmlcheck_error(x, n,
							 "no free slot of pcie.0 for pcie-root-port %u",
							 index);
			function = 0;
			first = NULL;
		}
		if (first)
			first->multifunction = true;
		ctl->addr = (struct vm_address){ .type = VM_ADDRESS_PCI,
						 .slot = slot,
						 .function = function++ };
		if (ctl->addr.function == 0)
			first = &ctl->addr;
	}
	return 0;
}

/*
 * Where the devices without an address go, as libvirt 9.0 places them
 * (qemuDomainAssignDevicePCISlots): on pc the next free slot of pci.0,
 * from slot 2. On q35 each PCIe device takes the free root port of the
 * lowest index, and a new root port when none is free; a conventional
 * PCI device takes the next free slot of a pcie-to-pci-bridge, and a new
 * bridge, on a new root port, when none has one.
 *
 * libvirt counts the buses in a first pass, adds the controllers, then
 * places again from scratch with the bridges first: so a bridge added
 * for a later device takes the first free root port. A q35 file without
 * root ports gets one more, free for hotplug, when it got any.
 */
struct place {
	struct vm_xmlcheck *x;
	xmlNodePtr n;
	struct vm_domain *dom;
	bool q35;
	unsigned slot;		   /* pc: the last slot given */
	struct vm_address **given; /* what this pass gave (devices) */
	size_t ngiven;
};

/* Appends a PCI controller of KIND with the next index, used: its index, or 0 when out of memory. */
static unsigned
add_pci(struct place *p, enum vm_controller_kind kind)
{
	struct vm_domain *dom = p->dom;
	unsigned index = vm_controller_last_pci(dom) + 1;
	struct vm_controller *ctl;

	if (!(ctl = VM_DEVICES_APPEND(p->x, dom->controllers, dom->ncontrollers)))
		return 0;
	*ctl = (struct vm_controller){ .kind = kind, .type = "pci", .index = index, .used = true };
	return index;
}

static int
on_root_port(struct place *p, struct vm_address *a)
{
	struct vm_domain *dom = p->dom;
	unsigned last = vm_controller_last_pci(dom);
	struct vm_controller *ctl;
	unsigned index;

	for (unsigned i = 1; i <= last; i++) {
		ctl = (struct vm_controller *)vm_controller_pci(dom, i);
		if (ctl && ctl->kind == VM_CONTROLLER_ROOT_PORT && !ctl->used) {
			ctl->used = true;
			*a = (struct vm_address){ .type = VM_ADDRESS_PCI, .bus = i };
			return 0;
		}
	}
	if (last >= VM_CONTROLLER_ROOT_PORTS_MAX)
		return vm_xmlcheck_error(p->x, p->n,
					 "too many pcie-root-port controllers (at most %d)",
					 VM_CONTROLLER_ROOT_PORTS_MAX);
	if (!(index = add_pci(p, VM_CONTROLLER_ROOT_PORT)))
		return -1;
	*a = (struct vm_address){ .type = VM_ADDRESS_PCI, .bus = index };
	return 0;
}

/* Whether slot SLOT of bus BUS has a device: written, or placed in this pass. */
static bool
bridge_slot_taken(struct place *p, unsigned bus, unsigned slot)
{
	struct vm_domain_ctx *c = vm_devices_ctx(p->x);

	for (size_t i = 0; i < c->naddrs; i++) {
		const struct vm_address *b = vm_address_of(p->dom, &c->addrs[i]);

		if (b->type == VM_ADDRESS_PCI && b->bus == bus && b->slot == slot)
			return true;
	}
	for (size_t i = 0; i < p->ngiven; i++)
		if (p->given[i]->bus == bus && p->given[i]->slot == slot)
			return true;
	/* placed controllers (lsi), which p->given does not hold */
	for (size_t i = 0; i < p->dom->ncontrollers; i++) {
		const struct vm_address *b = &p->dom->controllers[i].addr;

		if (b->type == VM_ADDRESS_PCI && b->bus == bus && b->slot == slot)
			return true;
	}
	return false;
}

/* A conventional PCI device of q35: the first free slot of a pcie-to-pci-bridge. */
static int
on_bridge(struct place *p, struct vm_address *a)
{
	unsigned last = vm_controller_last_pci(p->dom), index;

	for (unsigned i = 1; i <= last; i++) {
		const struct vm_controller *ctl = vm_controller_pci(p->dom, i);

		if (!ctl || ctl->kind != VM_CONTROLLER_PCIE_PCI)
			continue;
		for (unsigned slot = 1; slot < SLOTS; slot++)
			if (!bridge_slot_taken(p, i, slot)) {
				*a = (struct vm_address){ .type = VM_ADDRESS_PCI,
							  .bus = i,
							  .slot = slot };
				return 0;
			}
	}
	if (last + 2 > VM_CONTROLLER_ROOT_PORTS_MAX)
		return vm_xmlcheck_error(p->x, p->n, "too many PCI controllers (at most %d)",
					 VM_CONTROLLER_ROOT_PORTS_MAX);
	/* its root port, then the bridge */
	if (!add_pci(p, VM_CONTROLLER_ROOT_PORT) || !(index = add_pci(p, VM_CONTROLLER_PCIE_PCI)))
		return -1;
	*a = (struct vm_address){ .type = VM_ADDRESS_PCI, .bus = index, .slot = 1 };
	return 0;
}

/* Places A, unless it has its address; PCIE: the device is PCI Express. */
static int
place(struct place *p, struct vm_address *a, bool pcie)
{
	struct vm_address **given;

	if (a->type)
		return 0;
	if (p->q35 && (pcie ? on_root_port(p, a) : on_bridge(p, a)) < 0)
		return -1;
	if (!p->q35) {
		do
			p->slot++;
		while (p->slot < SLOTS && !slot_free(p->x, p->dom, p->slot));
		if (p->slot == SLOTS)
			return vm_xmlcheck_error(p->x, p->n,
						 "no free slot of pci.0 for every device");
		*a = (struct vm_address){ .type = VM_ADDRESS_PCI, .slot = p->slot };
	}
	if (!(given = VM_DEVICES_APPEND(p->x, p->given, p->ngiven)))
		return -1;
	*given = a;
	return 0;
}

/*
 * The ich9 USB set at controller I: the slot of the first of its index
 * that has an address (written, or placed before), else a slot of its
 * own, conventional PCI; the ehci at function 7, the uhci at 0 to 2, the
 * uhci1 multifunction (qemuDomainAssignDevicePCISlots).
 */
static int
place_ich9(struct place *p, size_t i, struct vm_address *a)
{
	/* copies: place() may add a bridge, which moves dom->controllers */
	enum vm_usb usb = p->dom->controllers[i].usb;
	unsigned index = p->dom->controllers[i].index;
	bool with = false;

	for (size_t j = 0; j < p->dom->ncontrollers && !with; j++) {
		const struct vm_controller *o = &p->dom->controllers[j];

		with = !strcmp(o->type, "usb") && VM_USB_ICH9(o->usb) && o->index == index &&
		       o->addr.type == VM_ADDRESS_PCI;
		if (with)
			*a = o->addr;
	}
	if (!with) {
		if (place(p, a, false) < 0)
			return -1;
		p->ngiven--;
	}
	a->function = usb == VM_USB_ICH9_EHCI1 ? 7 : usb - VM_USB_ICH9_UHCI1;
	a->multifunction = usb == VM_USB_ICH9_UHCI1;
	return 0;
}

/*
 * The order libvirt places DOM's controllers in, that of its list: the
 * file's as libvirt inserts each (virDomainControllerInsertPreAlloced),
 * after the last of its type read before it, or, with an index, before
 * those of its type and a higher index (and one without <master> before
 * those of its index with one); then those libvirt adds, in vmkit's
 * order (controller.c). A malloc'd array of indexes of
 * dom->controllers, or NULL.
 */
static size_t *
placing_order(const struct vm_domain *dom)
{
	size_t n = dom->ncontrollers, written = 0;
	size_t *order = calloc(n + 1, sizeof(*order));

	for (size_t i = 0; order && i < n; i++) {
		const struct vm_controller *c = &dom->controllers[i];
		size_t at = written;

		if (!c->line) {
			order[i] = i;
			continue;
		}
		for (size_t j = written; j-- > 0;) {
			const struct vm_controller *o = &dom->controllers[order[j]];

			if (strcmp(o->type, c->type))
				continue;
			if (c->has_index &&
			    (o->index > c->index ||
			     (o->index == c->index && o->has_master && !c->has_master)))
				at = j;
			else if (at == written) {
				at = j + 1;
				break;
			}
		}
		memmove(order + at + 1, order + at, (written - at) * sizeof(*order));
		order[at] = i;
		written++;
	}
	return order;
}

/*
 * The controllers libvirt places with the devices: not PCI ones, nor those
 * the chipset has. A new root port may move dom->controllers: each is
 * placed as a copy, on a root port (q35) or pci.0, so not in p->given.
 */
static int
place_controllers(struct place *p)
{
	size_t n = p->dom->ncontrollers;
	cleanup_free size_t *order = placing_order(p->dom);

	if (!order)
		return vm_xmlcheck_nomem(p->x);
	for (size_t k = 0; k < n; k++) {
		size_t i = order[k];
		const char *type = p->dom->controllers[i].type;
		struct vm_address addr = p->dom->controllers[i].addr;
		enum vm_usb usb = !strcmp(type, "usb") ? p->dom->controllers[i].usb : VM_USB_NONE;

		if (!strcmp(type, "pci") || (!strcmp(type, "usb") && usb == VM_USB_NONE) ||
		    usb == VM_USB_PIIX3_UHCI || (p->q35 && !strcmp(type, "sata")) || addr.type)
			continue;
		if (VM_USB_ICH9(usb)) {
			if (place_ich9(p, i, &addr) < 0)
				return -1;
			p->dom->controllers[i].addr = addr;
			continue;
		}
		/* sata and lsi are conventional PCI */
		if (place(p, &addr, strcmp(type, "sata") && !p->dom->controllers[i].lsi) < 0)
			return -1;
		p->ngiven--;
		p->dom->controllers[i].addr = addr;
	}
	return 0;
}

/* The bridges libvirt places before the devices: on the free root port of the lowest index. */
static int
place_bridges(struct place *p)
{
	for (unsigned i = 1; i <= vm_controller_last_pci(p->dom); i++) {
		const struct vm_controller *ctl = vm_controller_pci(p->dom, i);
		struct vm_address addr;

		if (!ctl || ctl->kind != VM_CONTROLLER_PCIE_PCI || ctl->addr.type)
			continue;
		addr = ctl->addr;
		if (on_root_port(p, &addr) < 0)
			return -1;
		((struct vm_controller *)vm_controller_pci(p->dom, i))->addr = addr;
	}
	return 0;
}

static int
by_target(const void *a, const void *b)
{
	long x = vm_disk_index((*(struct vm_disk *const *)a)->target);
	long y = vm_disk_index((*(struct vm_disk *const *)b)->target);

	return (x > y) - (x < y);
}

static int
assign_pass(struct place *p)
{
	struct vm_domain *dom = p->dom;
	cleanup_free struct vm_disk **virtio = calloc(dom->ndisks + 1, sizeof(*virtio));
	size_t n = 0;
	int r = 0;

	if (!virtio)
		return vm_xmlcheck_nomem(p->x);

	for (size_t i = 0; r == 0 && i < dom->nifaces; i++) {
		const char *m = dom->ifaces[i].model ? dom->ifaces[i].model : "virtio";

		r = place(p, &dom->ifaces[i].addr, !strcmp(m, "virtio") || !strcmp(m, "e1000e"));
	}
	/* ich9 too is conventional PCI: on q35 all but the one in 0x1b are on a bridge */
	for (size_t i = 0; r == 0 && i < dom->nsounds; i++)
		if (dom->sounds[i].model != VM_SOUND_USB)
			r = place(p, &dom->sounds[i].addr, false);
	if (r == 0)
		r = place_controllers(p);
	/* virtio disks in libvirt's order, by target whatever the file's order */
	for (size_t i = 0; i < dom->ndisks; i++)
		if (dom->disks[i].bus == VM_BUS_VIRTIO)
			virtio[n++] = &dom->disks[i];
	qsort(virtio, n, sizeof(*virtio), by_target);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = place(p, &virtio[i]->addr, true);
	if (r == 0 && dom->memballoon.virtio)
		r = place(p, &dom->memballoon.addr, true);
	for (size_t i = 0; r == 0 && i < dom->nrngs; i++)
		r = place(p, &dom->rngs[i].addr, true);
	if (r == 0 && dom->watchdog.model == VM_WATCHDOG_I6300ESB)
		r = place(p, &dom->watchdog.addr, false);
	for (size_t i = 0; r == 0 && i < dom->nvideos; i++)
		if (!dom->videos[i].primary)
			r = place(p, &dom->videos[i].addr, dom->videos[i].model == VM_VIDEO_VIRTIO);
	for (size_t i = 0; r == 0 && i < dom->ninputs; i++)
		if (dom->inputs[i].bus == VM_INPUT_VIRTIO)
			r = place(p, &dom->inputs[i].addr, true);
	return r;
}

/* q35: the first pass, which only adds the buses libvirt would add. */
static int
add_buses(struct place *p)
{
	struct vm_domain *dom = p->dom;
	size_t before = dom->ncontrollers;
	cleanup_free struct vm_controller *saved = NULL;

	if (before && !(saved = malloc(before * sizeof(*saved))))
		return vm_xmlcheck_nomem(p->x);
	if (before)
		memcpy(saved, dom->controllers, before * sizeof(*saved));
	if (assign_pass(p) < 0)
		return -1;
	for (size_t i = 0; i < p->ngiven; i++)
		*p->given[i] = (struct vm_address){ 0 };
	p->ngiven = 0;
	for (size_t i = 0; i < dom->ncontrollers; i++) {
		dom->controllers[i].used = i < before && saved[i].used;
		if (i < before)
			dom->controllers[i].addr = saved[i].addr;
	}
	/* the spare only where the pass added buses: a file whose devices all
	 * sit on pcie.0 gets none from libvirt */
	if (!vm_devices_ctx(p->x)->root_ports_written && dom->ncontrollers > before) {
		if (!add_pci(p, VM_CONTROLLER_ROOT_PORT))
			return -1;
		dom->controllers[dom->ncontrollers - 1].used = false;
	}
	return place_bridges(p);
}

/*
 * q35: the devices without an address that go where the ICH9 chipset has
 * them, when that slot is free (qemuDomainValidateDevicePCISlotsQ35): an
 * ich9-uhci1 in 00:1d.0, or else 00:1a.0 (the rest of its set follows
 * it), then the first ich9 sound card in 00:1b.0. The others are placed
 * as any device, the ich9-uhci1 in libvirt's order (placing_order()).
 */
static int
place_chipset(struct vm_xmlcheck *x, struct vm_domain *dom)
{
	static const unsigned slots[] = { 0x1d, 0x1a };
	cleanup_free size_t *order = placing_order(dom);

	if (!order)
		return vm_xmlcheck_nomem(x);
	for (size_t i = 0; i < dom->ncontrollers; i++) {
		struct vm_controller *ctl = &dom->controllers[order[i]];

		if (strcmp(ctl->type, "usb") || ctl->usb != VM_USB_ICH9_UHCI1 || ctl->addr.type)
			continue;
		for (size_t k = 0; k < 2 && !ctl->addr.type; k++)
			if (slot_free(x, dom, slots[k]))
				ctl->addr = (struct vm_address){ .type = VM_ADDRESS_PCI,
								 .slot = slots[k],
								 .multifunction = true };
	}
	if (!slot_free(x, dom, ICH9_SOUND_SLOT))
		return 0;
	for (size_t i = 0; i < dom->nsounds; i++)
		if (dom->sounds[i].model == VM_SOUND_ICH9 && !dom->sounds[i].addr.type) {
			dom->sounds[i].addr = (struct vm_address){ .type = VM_ADDRESS_PCI,
								   .slot = ICH9_SOUND_SLOT };
			return 0;
		}
	return 0;
}

static int
assign(struct vm_xmlcheck *x, xmlNodePtr n, struct vm_domain *dom)
{
	struct place p = { x, n, dom, vm_domain_is_q35(dom), PIIX3_SLOT, NULL, 0 };
	int r;

	r = p.q35 ? place_chipset(x, dom) : 0;
	if (r == 0 && p.q35)
		r = add_buses(&p);

	if (r == 0)
		r = assign_pass(&p);
	free(p.given);
	return r;
}

/* A USB device: its address, the line of its element and the element's name, for messages. */
struct usb_device {
	struct vm_address *addr;
	int line;
	const char *what;
};

/*
 * DOM's USB devices in libvirt's order of ports
 * (virDomainUSBDeviceDefForeach): disks, inputs, sounds, redirdevs.
 * Returns their number, or -1.
 */
static long
usb_devices(struct vm_xmlcheck *x, struct vm_domain *dom, struct usb_device **out)
{
	size_t max = dom->ndisks + dom->ninputs + dom->nsounds + dom->nredirdevs, n = 0;
	struct usb_device *d = calloc(max + 1, sizeof(*d));

	if (!d)
		return vm_xmlcheck_nomem(x);
	for (size_t i = 0; i < dom->ndisks; i++)
		if (dom->disks[i].bus == VM_BUS_USB)
			d[n++] = (struct usb_device){ &dom->disks[i].addr, dom->disks[i].line,
						      "disk" };
	for (size_t i = 0; i < dom->ninputs; i++)
		if (dom->inputs[i].bus == VM_INPUT_USB)
			d[n++] = (struct usb_device){ &dom->inputs[i].addr, dom->inputs[i].line,
						      "input" };
	for (size_t i = 0; i < dom->nsounds; i++)
		if (dom->sounds[i].model == VM_SOUND_USB)
			d[n++] = (struct usb_device){ &dom->sounds[i].addr, dom->sounds[i].line,
						      "sound" };
	for (size_t i = 0; i < dom->nredirdevs; i++)
		d[n++] = (struct usb_device){ &dom->redirdevs[i].addr, dom->redirdevs[i].line,
					      "redirdev" };
	*out = d;
	return (long)n;
}

/* Whether DOM has a hub on port PORT of bus BUS. */
static bool
usb_hub_at(const struct vm_domain *dom, unsigned bus, unsigned port)
{
	for (unsigned i = 0; i < dom->nusb_hubs; i++)
		if (dom->usb_hubs[i].bus == bus && dom->usb_hubs[i].port == port)
			return true;
	return false;
}

/* Whether one of the N USB devices D, or a hub of DOM, has port PORT of bus BUS. */
static bool
usb_port_taken(const struct vm_domain *dom, const struct usb_device *d, size_t n, unsigned bus,
	       unsigned port)
{
	for (size_t i = 0; i < n; i++)
		if (d[i].addr->type == VM_ADDRESS_USB && d[i].addr->bus == bus &&
		    d[i].addr->port == port)
			return true;
	return usb_hub_at(dom, bus, port);
}

/*
 * The first free port of bus BUS below the hub at port path HUB (0: the
 * controller, with NPORTS), as libvirt looks (virDomainUSBAddressFindFreePort):
 * the hub's own ports, then those of the hubs on them, in port order; 0
 * when none is free. A hub has 8 ports.
 */
static unsigned
usb_free_port(const struct vm_domain *dom, const struct usb_device *d, size_t n, unsigned bus,
	      unsigned hub, unsigned nports)
{
	for (unsigned k = 1; k <= nports; k++)
		if (!usb_port_taken(dom, d, n, bus, hub << 4 | k))
			return hub << 4 | k;
	for (unsigned k = 1; k <= nports; k++) {
		unsigned port = 0;

		if (usb_hub_at(dom, bus, hub << 4 | k))
			port = usb_free_port(dom, d, n, bus, hub << 4 | k, 8);
		if (port)
			return port;
	}
	return 0;
}

/* Gives A the first free USB port of the first bus with one; false when none is free. */
static bool
usb_place(const struct vm_domain *dom, const struct usb_device *d, size_t n, struct vm_address *a)
{
	for (unsigned bus = 0; bus <= VM_CONTROLLER_USB_MAX; bus++) {
		unsigned port = usb_free_port(dom, d, n, bus, 0, vm_controller_usb_ports(dom, bus));

		if (port) {
			*a = (struct vm_address){ .type = VM_ADDRESS_USB,
						  .bus = bus,
						  .port = port };
			return true;
		}
	}
	return false;
}

/*
 * The USB devices without an address, as libvirt gives their ports
 * (qemuDomainAssignUSBAddresses): the written ones are kept; with more
 * devices than the controllers have ports, libvirt adds the usb-hubs of
 * 8 ports that make room for them and one more, each on the first free
 * port; then each device in libvirt's order takes the first free port.
 */
static int
assign_usb(struct vm_xmlcheck *x, struct vm_domain *dom)
{
	cleanup_free struct usb_device *d = NULL;
	long n = usb_devices(x, dom, &d);
	unsigned total = 0, hubs = 0;

	if (n < 0)
		return -1;
	for (unsigned bus = 0; bus <= VM_CONTROLLER_USB_MAX; bus++)
		total += vm_controller_usb_ports(dom, bus);
	if (n > (long)total)
		hubs = (unsigned)(n - (long)total + 1 + 6) / 7;
	if (hubs > VM_USB_HUBS_MAX)
		return vm_error_set(x->err, VM_EXIT_INVALID,
				    "%s:%d: <%s>: %ld USB devices, and %u ports on the USB controllers: libvirt would add %u usb-hubs, vmkit at most %d: give a qemu-xhci more ports (ports='N', up to 15)",
				    x->file, d[0].line, d[0].what, n, total, hubs, VM_USB_HUBS_MAX);
	dom->nusb_hubs = 0;
	for (unsigned i = 0; i < hubs; i++) {
		struct vm_address a;

		if (!usb_place(dom, d, (size_t)n, &a))
			return vm_error_set(x->err, VM_EXIT_INVALID,
					    "%s:%d: <%s>: no free USB port for the usb-hub libvirt would add",
					    x->file, d[0].line, d[0].what);
		dom->usb_hubs[dom->nusb_hubs++] = a;
	}
	for (long i = 0; i < n; i++)
		if (!d[i].addr->type && !usb_place(dom, d, (size_t)n, d[i].addr))
			return vm_error_set(x->err, VM_EXIT_INVALID,
					    "%s:%d: <%s>: no free USB port", x->file, d[i].line,
					    d[i].what);
	return 0;
}

static int
address_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);
	struct vm_domain *dom = c->dom;

	for (size_t k = 0; k < c->naddrs; k++) {
		const struct vm_address *a = vm_address_of(dom, &c->addrs[k]);

		if ((a->type == VM_ADDRESS_PCI && check_bus(x, dom, &c->addrs[k], a) < 0) ||
		    (a->type == VM_ADDRESS_USB && check_usb(x, dom, &c->addrs[k], a) < 0) ||
		    (c->addrs[k].array == offsetof(struct vm_domain, disks) &&
		     check_disk(x, dom, &c->addrs[k], a) < 0) ||
		    check_unique(x, dom, k) < 0)
			return -1;
	}
	if (assign(x, n, dom) < 0 || assign_usb(x, dom) < 0)
		return -1;
	return vm_domain_is_q35(dom) ? assign_root_ports(x, n, dom) : 0;
}

const struct vm_devices_class vm_address_class = {
	.elems = (const struct vm_xmlcheck_elem[]){ { NULL } },
	.end = address_end,
};
