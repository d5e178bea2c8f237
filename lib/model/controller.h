/*
 * The <controller> elements of a domain: which controllers vmkit
 * accepts (the disk, USB and virtio-serial ones come with the devices
 * that need them), the PCI controllers that give a domain its buses
 * (bus N is the controller of index N, QEMU's "pci.N"), and the
 * pcie-root-ports that a q35 machine keeps free for hotplug.
 */
#ifndef VM_CONTROLLER_H
#define VM_CONTROLLER_H

#include <stdbool.h>
#include "address.h"

struct vm_domain;

/* The most pcie-root-ports vm-start makes: 16 pcie.0 slots of 8, leaving
 * 13 slots for boot-time devices. A status record claiming more is damaged. */
#define VM_CONTROLLER_ROOT_PORTS_MAX 128
/* The highest index of a scsi controller: sdiv's, libvirt's 255 / 7 */
#define VM_CONTROLLER_SCSI_MAX 36
/* The highest index of a virtio-serial controller */
#define VM_CONTROLLER_SERIAL_MAX 31
/* The highest index of a USB controller: a second ich9 set, as virsh dumpxml may hold */
#define VM_CONTROLLER_USB_MAX 1
/* The most usb-hubs vmkit adds as libvirt does (28 more ports), so that a port path fits in 5
 * levels */
#define VM_USB_HUBS_MAX 4

/*
 * A USB controller's model (controller.c). The domain's (struct
 * vm_domain's usb) is the one of index 0, that owns bus usb.0, NONE for
 * model='none' or a machine without one; an ich9-ehci1 of index 1 owns
 * bus usb1.0. The ich9-uhci are companions of the ich9-ehci1 of their
 * index, sharing its ports.
 */
enum vm_usb {
	VM_USB_NONE,
	VM_USB_PIIX3_UHCI,
	VM_USB_QEMU_XHCI,
	VM_USB_NEC_XHCI,
	VM_USB_ICH9_EHCI1,
	VM_USB_ICH9_UHCI1,
	VM_USB_ICH9_UHCI2,
	VM_USB_ICH9_UHCI3,
};

/* Whether a USB model is one of the ich9 set, which share a slot (ehci function 7, uhci 0-2). */
#define VM_USB_ICH9(u) ((u) >= VM_USB_ICH9_EHCI1)

enum vm_controller_kind {
	VM_CONTROLLER_ROOT,	  /* pcie-root, pci-root: bus 0, no device */
	VM_CONTROLLER_ROOT_PORT,  /* pcie-root-port */
	VM_CONTROLLER_PCI_BRIDGE, /* pci-bridge */
	VM_CONTROLLER_PCIE_PCI,	  /* pcie-to-pci-bridge */
	VM_CONTROLLER_DMI_PCI,	  /* dmi-to-pci-bridge */
	VM_CONTROLLER_OTHER,	  /* usb, sata, scsi, virtio-serial */
};

struct vm_controller {
	enum vm_controller_kind kind;
	const char *type; /* the XML's type, a static string */
	unsigned index;	  /* written, or the next free one of its type */
	bool has_index;
	unsigned chassis, port; /* <target>; 0: libvirt's default */
	unsigned ports;		/* usb, virtio-serial: 'ports'; 0: QEMU's default */
	enum vm_usb usb;	/* type usb: its model */
	bool has_master;	/* ich9-uhci: <master startport> */
	unsigned startport;	/* ich9-uhci: written, or libvirt's default */
	struct vm_address addr; /* a PCI bus's own address */
	bool used;		/* a boot-time device sits on its bus */
	bool lsi;		/* type scsi: QEMU's lsi (libvirt's lsilogic), else virtio-scsi */
	int line;		/* of <controller>, for messages; 0: one libvirt adds */
};

/*
 * The index of the last PCI controller on q35 (pci.1..N exist; vm-attach
 * hotplugs into those of them that vm_controller_hotplug_port() says), else 0.
 */
unsigned vm_controller_root_ports(const struct vm_domain *dom);
/* Whether pci.INDEX of DOM is a pcie-root-port no boot-time device uses. */
bool vm_controller_hotplug_port(const struct vm_domain *dom, unsigned index);
/* The PCI address of DOM's controller of TYPE and index 0, or NULL when it has none. */
const struct vm_address *vm_controller_address(const struct vm_domain *dom, const char *type);
/* DOM's controller of TYPE and INDEX, or NULL. */
const struct vm_controller *vm_controller_find(const struct vm_domain *dom, const char *type,
					       unsigned index);
/*
 * The ports of DOM's USB bus INDEX as libvirt counts them: 2 of a
 * piix3-uhci, 6 of an ich9-ehci1 (its companions add none), an xhci's
 * 'ports' or 4; 0 when no controller owns that bus.
 */
unsigned vm_controller_usb_ports(const struct vm_domain *dom, unsigned index);
/* The highest index of DOM's PCI controllers, 0 without any but the root. */
unsigned vm_controller_last_pci(const struct vm_domain *dom);
/* DOM's PCI controller of INDEX, or NULL. */
const struct vm_controller *vm_controller_pci(const struct vm_domain *dom, unsigned index);

#endif
