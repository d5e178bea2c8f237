/*
 * The network interfaces of a domain: QEMU's user-mode network
 * (<interface type='user'>), or a tap device on the host, which vm-start
 * makes (or, for type='ethernet' managed='no', opens) and hands to QEMU
 * as an fd (-netdev tap,fd=N): type='bridge' enslaves it to a host
 * bridge, type='network' to the bridge vmkit.conf maps the network to
 * (network.NAME, conf.h), type='ethernet' to nothing.
 *
 * The model only checks what the XML says; vm_net_bridge() resolves a
 * network, and the MAC a tap interface lacks is vm-start's to generate.
 */
#ifndef VM_NET_H
#define VM_NET_H

#include <stdbool.h>
#include "conf.h"
#include "error.h"

enum vm_iface_type { VM_IFACE_USER, VM_IFACE_BRIDGE, VM_IFACE_NETWORK, VM_IFACE_ETHERNET };

/*
 * A <portForward> range of a user interface: host ports START to END on
 * ADDRESS (NULL: every address) to guest ports TO to TO + END - START.
 */
struct vm_portfwd {
	bool udp;
	char *address;
	unsigned start, end, to;
};

struct vm_iface {
	enum vm_iface_type type;
	char *model;	/* "virtio" (default), "e1000", "e1000e", "rtl8139", "vmxnet3" */
	char *mac;	/* lower-case; NULL: QEMU's (user) or vm-start's to make */
	char *source;	/* the bridge (bridge) or network (network) name */
	char *target;	/* the tap's name; NULL: the kernel picks vmkN */
	bool unmanaged; /* ethernet managed='no': an existing tap, opened by name */
	unsigned mtu;	/* 0: the bridge's */
	bool link_down;
	unsigned boot_order; /* <boot order>, QEMU's bootindex; 0: none */
	enum vm_rom_bar { VM_ROM_BAR_DEFAULT, VM_ROM_BAR_ON, VM_ROM_BAR_OFF } rom_bar;
	char *rom_file;	   /* <rom file>; NULL: QEMU's own */
	bool rom_disabled; /* <rom enabled='no'>: no option ROM at all */
	struct vm_portfwd *fwds;
	size_t nfwds;
	int line; /* of <interface>, for messages */
};

/* Whether I is backed by a tap device (every type but user). */
bool vm_net_has_tap(const struct vm_iface *i);

/*
 * The bridge I's tap joins, in *BRIDGE: its source for a bridge, the
 * mapped bridge for a network (VM_EXIT_INVALID naming the network.NAME
 * key to set when there is none), NULL for ethernet. FILE is the
 * domain's, for messages.
 */
int vm_net_bridge(const struct vm_iface *i, const struct vm_conf *conf, const char *file,
		  const char **bridge, struct vm_error *err);

#endif
