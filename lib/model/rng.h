/*
 * The random number generators of a domain (<rng model='virtio'>), as
 * libvirt maps them to QEMU 7.2: an rng-random object objrngN reading
 * the host's /dev/urandom or /dev/random, and a virtio-rng-pci rngN fed
 * by it, in the next free PCI slot in libvirt's order (after the
 * balloon). QEMU opens the file by name: both are world-readable
 * character devices, so the unprivileged QEMU user may, and opening a
 * file is not among what QEMU's seccomp sandbox denies.
 */
#ifndef VM_RNG_H
#define VM_RNG_H

#include "address.h"

struct vm_rng {
	const char *source;   /* "/dev/urandom" or "/dev/random": static strings */
	unsigned rate_bytes;  /* <rate bytes>; 0: no limit */
	unsigned rate_period; /* <rate period> in ms; 0: QEMU's default */
	/* its <address> (address.h); type NONE: none written */
	struct vm_address addr;
};

#endif
