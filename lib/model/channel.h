/*
 * The guest agent's channel (<channel type='unix'> with <target
 * type='virtio' name='org.qemu.guest_agent.0'/>), as libvirt maps it to
 * QEMU 7.2: a virtserialport channel0 on a virtio-serial-pci
 * virtio-serial0 (the controller, written or libvirt's implicit one,
 * which takes its PCI slot with the controllers, before disks), fed by a
 * socket chardev
 * charchannel0. The socket is org.qemu.guest_agent.0 in the domain's run
 * directory (rundir.h): vm-start binds it, mode 0600 and the caller's,
 * and QEMU inherits it listening, as it does its monitor. A <source
 * path> of its own is rejected: libvirt's is a path of its own run
 * directory.
 *
 * The SPICE agent's channel (<channel type='spicevmc'> with <target
 * type='virtio' name='com.redhat.spice.0'/>) is a virtserialport on the
 * same bus, after the guest agent's, fed by a spicevmc chardev named
 * vdagent that QEMU's SPICE server carries: it needs a <graphics
 * type='spice'>.
 */
#ifndef VM_CHANNEL_H
#define VM_CHANNEL_H

#include <stdbool.h>

/* The name of the agent's port, which the guest agent opens. */
#define VM_CHANNEL_AGENT "org.qemu.guest_agent.0"
/* The name of the SPICE agent's port (spice-vdagent). */
#define VM_CHANNEL_SPICE "com.redhat.spice.0"

struct vm_channel {
	bool agent;	    /* the domain has the guest agent's channel */
	bool virtio_serial; /* <controller type='virtio-serial' index='0'/> (controller.c) */
	int spice_line;	    /* of <channel type='spicevmc'>, 0 without one */
};

#endif
