/* The QEMU side of address.h, apart from the XML so that commands without libxml2 link it */
#include "address.h"
#include "argv.h"
#include "domain.h"

#include <stdio.h>

void
vm_address_bus_name(const struct vm_domain *dom, unsigned index, char buf[16])
{
	if (index)
		snprintf(buf, 16, "pci.%u", index);
	else
		snprintf(buf, 16, "%s", vm_domain_is_q35(dom) ? "pcie.0" : "pci.0");
}

void
vm_address_usb_id(unsigned index, char buf[16])
{
	if (index)
		snprintf(buf, 16, "usb%u", index);
	else
		snprintf(buf, 16, "usb");
}

/* QEMU's name of USB port path PORT: its hex digits in decimal joined by '.', "1.12" for 0x1c. */
static void
usb_port(unsigned port, char buf[16])
{
	int n = 0;

	for (int shift = 28; shift >= 0; shift -= 4)
		if (port >> shift)
			n += snprintf(buf + n, (size_t)(16 - n), n ? ".%u" : "%u",
				      (port >> shift) & 0xf);
}

void
vm_address_opt(struct vm_argv_opt *o, const struct vm_domain *dom, const struct vm_address *a)
{
	char bus[16];

	if (a->type == VM_ADDRESS_USB) {
		char port[16];

		vm_address_usb_id(a->bus, bus);
		usb_port(a->port, port);
		vm_argv_opt_add(o, ",bus=%s.0,port=%s", bus, port);
	}
	if (a->type != VM_ADDRESS_PCI)
		return;
	vm_address_bus_name(dom, a->bus, bus);
	vm_argv_opt_add(o, ",bus=%s,addr=0x%x.0x%x%s", bus, a->slot, a->function,
			a->multifunction ? ",multifunction=on" : "");
}

void
vm_address_json(json_object *o, const struct vm_domain *dom, const struct vm_address *a)
{
	char bus[20], addr[16]; /* bus: an id of 16 and ".0" */

	if (a->type == VM_ADDRESS_USB) {
		char id[16];

		vm_address_usb_id(a->bus, id);
		snprintf(bus, sizeof(bus), "%s.0", id);
		usb_port(a->port, addr);
		json_object_object_add(o, "bus", json_object_new_string(bus));
		json_object_object_add(o, "port", json_object_new_string(addr));
	}
	if (a->type != VM_ADDRESS_PCI)
		return;
	vm_address_bus_name(dom, a->bus, bus);
	snprintf(addr, sizeof(addr), "0x%x.0x%x", a->slot, a->function);
	json_object_object_add(o, "bus", json_object_new_string(bus));
	json_object_object_add(o, "addr", json_object_new_string(addr));
	if (a->multifunction)
		json_object_object_add(o, "multifunction", json_object_new_boolean(true));
}
