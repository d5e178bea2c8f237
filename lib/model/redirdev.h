/*
 * USB redirection from a SPICE client (<redirdev bus='usb'
 * type='spicevmc'>), as libvirt maps it to QEMU 7.2: a usb-redir device
 * redirN on a USB port libvirt would give it (address.c), fed by a spicevmc chardev
 * charredirN named usbredir, which QEMU's SPICE server carries. So a
 * redirdev needs a <graphics type='spice'> and a USB controller; other
 * types (tcp, unix) are refused by name.
 *
 * <redirfilter> lists which USB devices a client may redirect: each
 * <usbdev> is a rule of QEMU's usb-redir filter property, "class:
 * vendor:product:version:allow" with -1 for any, joined by '|' in
 * order, the first match deciding. It applies to every redirdev, and
 * a filter without a redirdev is refused (it would filter nothing).
 */
#ifndef VM_REDIRDEV_H
#define VM_REDIRDEV_H

#include <stdbool.h>
#include "address.h"

/* A field of a rule that the XML leaves out: it matches any value. */
#define VM_REDIRDEV_ANY (-1)

struct vm_redirdev {
	int line; /* of <redirdev>, for messages */
	/* its <address> (address.h); type NONE: none written */
	struct vm_address addr;
};

struct vm_usbdev_rule {
	int usb_class, vendor, product; /* VM_REDIRDEV_ANY or the number */
	int version;			/* bcdDevice: "2.10" is 0x0210 */
	bool allow;
};

#endif
