/*
 * The input devices of a domain (<input>): a tablet, mouse or keyboard
 * on USB or virtio, as libvirt maps them to QEMU 7.2's devices; the
 * PS/2 mouse and keyboard every pc has are restatements. A USB input
 * needs the domain's USB controller (<controller type='usb'>,
 * controller.c), on whose bus usb.0 it sits unless its <address> names
 * another, at the port libvirt would give it (address.c).
 */
#ifndef VM_INPUT_H
#define VM_INPUT_H

#include "address.h"

enum vm_input_type { VM_INPUT_TABLET, VM_INPUT_MOUSE, VM_INPUT_KEYBOARD };
enum vm_input_bus { VM_INPUT_PS2, VM_INPUT_USB, VM_INPUT_VIRTIO };

struct vm_input {
	enum vm_input_type type;
	enum vm_input_bus bus;
	int line; /* of <input>, for messages */
	/* its <address> (address.h); type NONE: none written */
	struct vm_address addr;
};

#endif
