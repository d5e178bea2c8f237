/*
 * The network interfaces of a domain (<interface type='user'>): QEMU's
 * user-mode network, one -netdev and NIC each.
 */
#ifndef VM_NET_H
#define VM_NET_H

struct vm_iface {
	char *model; /* "virtio" (default), "e1000", "rtl8139" */
	char *mac;   /* NULL: QEMU picks */
};

#endif
