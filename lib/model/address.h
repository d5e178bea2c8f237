/*
 * A device's <address>, with libvirt's meaning: where the guest finds
 * the device, kept so that a domain brought over from libvirt keeps its
 * PCI slots (and so its NIC names and Windows' bindings).
 *
 * A device's begin handler says which kinds of address it can take with
 * VM_ADDRESS_EXPECT (devices.h); the <address> child then fills its
 * struct vm_address. Once the whole domain is read, vm_address_class
 * (last in the class table) checks them together: a PCI bus must be
 * pcie.0/pci.0 or a PCI controller's index, two devices cannot share a
 * slot and function, slot 0 of the root bus is the host bridge, and a
 * root port takes one device, in slot 0. Each problem is refused with
 * the file and line of the <address>.
 *
 * A device without a PCI address gets the one libvirt 9.0 would give it,
 * with the root ports and bridges libvirt would add for it; argv
 * functions add what vm_address_opt() / vm_address_json() give.
 */
#ifndef VM_ADDRESS_H
#define VM_ADDRESS_H

#include <stdbool.h>
#include <json-c/json.h>

enum vm_address_type {
	VM_ADDRESS_NONE,
	VM_ADDRESS_PCI,
	VM_ADDRESS_DRIVE,
	VM_ADDRESS_VIRTIO_SERIAL,
	VM_ADDRESS_USB,
	VM_ADDRESS_ISA,
};

/* The kinds of address a device takes, for VM_ADDRESS_EXPECT */
#define VM_ADDRESS_TAKES(t) (1u << (t))

struct vm_address {
	enum vm_address_type type; /* NONE: absent */
	unsigned bus;		   /* pci, drive, virtio-serial, usb */
	unsigned slot, function;   /* pci */
	bool multifunction;	   /* pci */
	unsigned controller;	   /* drive, virtio-serial */
	unsigned target, unit;	   /* drive */
	unsigned port;		   /* virtio-serial; usb: a path, a hex digit a hub (0x12: 1.2) */
	unsigned iobase;	   /* isa */
};

struct vm_domain;
struct vm_argv_opt;

/*
 * ",bus=pci.N,addr=0xS.0xF[,multifunction=on]" for a PCI address A of
 * DOM, ",bus=usbN.0,port=P" for a USB one; nothing else.
 */
void vm_address_opt(struct vm_argv_opt *o, const struct vm_domain *dom, const struct vm_address *a);
/* The same as members "bus", "addr", "multifunction" ("bus", "port") of the JSON device O. */
void vm_address_json(json_object *o, const struct vm_domain *dom, const struct vm_address *a);
/* QEMU's name of PCI bus INDEX of DOM: "pcie.0" or "pci.0" for 0, else "pci.INDEX". */
void vm_address_bus_name(const struct vm_domain *dom, unsigned index, char buf[16]);
/* libvirt's id of USB controller INDEX, whose bus is "ID.0": "usb" for 0, else "usbINDEX". */
void vm_address_usb_id(unsigned index, char buf[16]);

#endif
