/*
 * The watchdog of a domain (<watchdog>), as libvirt maps it to QEMU 7.2:
 * model 'i6300esb' is a PCI device watchdog0 in the next free slot in
 * libvirt's order (after the balloon and rng devices); 'itco' is the
 * TCO timer of a q35's ICH9, which QEMU has anyway but which only
 * resets the machine once its no-reboot strap is off. What the guest's
 * missed deadline does is QEMU's "-action watchdog=": libvirt's
 * 'dump', a core dump libvirt writes itself, vmkit does not offer.
 */
#ifndef VM_WATCHDOG_H
#define VM_WATCHDOG_H

#include "address.h"

enum vm_watchdog_model { VM_WATCHDOG_NONE, VM_WATCHDOG_I6300ESB, VM_WATCHDOG_ITCO };

struct vm_watchdog {
	enum vm_watchdog_model model;
	const char *action; /* QEMU's name for it: a static string */
	int line;	    /* of <watchdog>, for messages */
	/* its <address> (address.h); type NONE: none written */
	struct vm_address addr;
};

#endif
