/*
 * The video devices of a domain (<video>), as libvirt maps them to
 * QEMU 7.2's: the primary one (the first, or the one with
 * primary='yes') is VGA-compatible and sits where libvirt puts it,
 * slot 2 of pci.0 on pc and slot 1 of pcie.0 on q35; more are qxl or
 * virtio GPUs. Sizes are in KiB as in the XML, with libvirt's defaults
 * filled in.
 */
#ifndef VM_VIDEO_H
#define VM_VIDEO_H

#include <stdbool.h>
#include "address.h"

enum vm_video_model {
	VM_VIDEO_VGA,
	VM_VIDEO_CIRRUS,
	VM_VIDEO_QXL,
	VM_VIDEO_VIRTIO,
	VM_VIDEO_BOCHS,
	VM_VIDEO_RAMFB,
	VM_VIDEO_NONE,
};

struct vm_video {
	enum vm_video_model model;
	unsigned ram, vram, vgamem; /* KiB; 0 where the model has none */
	unsigned heads;
	bool primary; /* the first of the domain's videos once parsed */
	int line;     /* of <video>, for messages */
	/* its <address> (address.h); type NONE: none written */
	struct vm_address addr;
};

#endif
