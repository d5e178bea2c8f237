/*
 * vm-attach --interface and --detach-interface: hotplug and unplug a NIC
 * on a tap in a running domain, as virsh attach-interface and
 * detach-interface do, over QMP.
 *
 *	struct vm_iface iface;	(vm_net_from_args() or vm_net_parse())
 *	r = vm_netplug_attach(&conf, &paths, "web", "--interface", &iface, &opts, &err);
 *	vm_net_clear(&iface);
 *	r = vm_netplug_detach(&conf, &paths, "web", "52:54:00:12:34:56", &opts, &err);
 *
 * Attach checks the interface (taps.h: session mode, its bridge, vhost),
 * takes its MAC lease (making a MAC when it has none) and records it in
 * status.json, makes its tap, hands lease and tap fds to QEMU as named
 * fds (QMP getfd: QEMU 7.2 closes add-fd fds once the last client
 * leaves), then netdev_add and device_add. Any failure undoes every step
 * in reverse: the device and netdev deleted, named fds closed, the tap
 * gone with its last fd, the lease released, the record removed.
 *
 * Detach unplugs the device with the MAC (waiting for the guest, as for
 * a disk), deletes its netdev (QEMU closes the tap's fds, and the
 * kernel removes the tap), takes the MAC lease over from QEMU and
 * releases it, and removes the record. It unplugs NICs vm-start made as
 * well as hotplugged ones.
 *
 * FILE names the interface's origin in messages. Exit codes as
 * attach.h's; a MAC held by another domain is VM_EXIT_NO naming it,
 * session mode VM_EXIT_INVALID.
 */
#ifndef VM_NETPLUG_H
#define VM_NETPLUG_H

#include "attach.h"
#include "net.h"

/* Hotplugs IFACE into the running domain NAME; a MAC it lacks is made and set in it. */
int vm_netplug_attach(const struct vm_conf *conf, const struct vm_paths *paths, const char *name,
		      const char *file, struct vm_iface *iface, const struct vm_attach_opts *opts,
		      struct vm_error *err);

/* Unplugs the NIC with MAC from the running domain NAME. */
int vm_netplug_detach(const struct vm_conf *conf, const struct vm_paths *paths, const char *name,
		      const char *mac, const struct vm_attach_opts *opts, struct vm_error *err);

#endif
