/*
 * The guest agent's channel (<channel type='unix'> with <target
 * type='virtio' name='org.qemu.guest_agent.0'/>), as libvirt maps it to
 * QEMU 7.2: a virtserialport channel0 on a virtio-serial-pci
 * virtio-serial0 (the controller, written or libvirt's implicit one,
 * which takes its PCI slot with the controllers, before disks), fed by a
 * socket chardev
 * charchannel0. The socket is org.qemu.guest_agent.0 in the domain's run
 * directory (rundir.h), or the <source path> given: vm-start binds it,
 * mode 0600 and the caller's, and QEMU inherits it listening, as it does
 * its monitor. Here a path is only checked for its form (absolute, a
 * name that a socket address holds); its directory is vm-start's to
 * check, when it binds.
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
#include "address.h"

/* The name of the agent's port, which the guest agent opens. */
#define VM_CHANNEL_AGENT "org.qemu.guest_agent.0"
/* The longest name of a <source path>'s socket: bound as /proc/self/fd/N/NAME (rundir.h). */
#define VM_CHANNEL_NAME_MAX 80
/* The name of the SPICE agent's port (spice-vdagent). */
#define VM_CHANNEL_SPICE "com.redhat.spice.0"

struct vm_channel {
	bool agent;	    /* the domain has the guest agent's channel */
	bool virtio_serial; /* <controller type='virtio-serial' index='0'/> (controller.c) */
	char *path;	    /* the agent's <source path>; NULL: the run directory's */
	/* the agent's port: type NONE (port 1) or VIRTIO_SERIAL */
	struct vm_address addr;
	int spice_line; /* of <channel type='spicevmc'>, 0 without one */
};

#endif
