/*
 * The memory balloon of a domain (<memballoon>), as libvirt maps it to
 * QEMU 7.2: model 'virtio' is a virtio-balloon-pci with id balloon0 that
 * takes the next free PCI slot in libvirt's order (after disks and
 * interfaces, before rng and watchdog devices); 'none' is no balloon.
 * A pc or q35 domain without the element has a virtio one, as libvirt
 * adds it. <stats period> is QEMU's guest-stats-polling-interval,
 * set on the device so that it holds from the start.
 */
#ifndef VM_MEMBALLOON_H
#define VM_MEMBALLOON_H

#include <stdbool.h>
#include "address.h"

struct vm_memballoon {
	bool virtio;
	bool autodeflate;      /* deflate-on-oom */
	bool free_pages;       /* free-page-reporting */
	unsigned stats_period; /* seconds; 0: no statistics */
	/* its <address> (address.h); type NONE: none written */
	struct vm_address addr;
};

#endif
