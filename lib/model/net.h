/*
 * The network interfaces of a domain: QEMU's user-mode network
 * (<interface type='user'>), or a tap device on the host, which vm-start
 * makes (or, for type='ethernet' managed='no', opens) and hands to QEMU
 * as an fd (-netdev tap,fd=N): type='bridge' enslaves it to a host
 * bridge, type='network' to the bridge vmkit.conf maps the network to
 * (network.NAME, conf.h), type='ethernet' to nothing.
 *
 * The model only checks what the XML says; vm_net_bridge() resolves a
 * network, and the MAC a tap interface lacks is vm-start's (or
 * vm-attach's) to generate. The rules below are one validator for the
 * domain XML's <interface>, a lone <interface> that vm-attach reads,
 * and vm-attach --interface; they fail with VM_EXIT_INVALID, and the
 * XML's handlers put "FILE:LINE: <element>" before their messages.
 *
 * <driver queues='N'> gives a virtio NIC N queues: a multiqueue tap with
 * N fds, and vectors=2N+2 on the device, as libvirt sets them.
 * <driver name='vhost'> asks for vhost-net, <driver name='qemu'> refuses
 * it; without either, a virtio NIC on a tap uses vhost where the host
 * has /dev/vhost-net. Asked for where it is absent, it is refused
 * (VM_EXIT_INVALID, vm_net_check_host()).
 */
#ifndef VM_NET_H
#define VM_NET_H

#include <stdbool.h>
#include <json-c/json.h>
#include "conf.h"
#include "error.h"
#include "address.h"

enum vm_iface_type { VM_IFACE_USER, VM_IFACE_BRIDGE, VM_IFACE_NETWORK, VM_IFACE_ETHERNET };
enum vm_iface_vhost { VM_VHOST_AUTO, VM_VHOST_ON, VM_VHOST_OFF };

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
	unsigned queues; /* <driver queues>; 0 or 1: one */
	enum vm_iface_vhost vhost;
	unsigned boot_order; /* <boot order>, QEMU's bootindex; 0: none */
	enum vm_rom_bar { VM_ROM_BAR_DEFAULT, VM_ROM_BAR_ON, VM_ROM_BAR_OFF } rom_bar;
	char *rom_file;	   /* <rom file>; NULL: QEMU's own */
	bool rom_disabled; /* <rom enabled='no'>: no option ROM at all */
	struct vm_portfwd *fwds;
	size_t nfwds;
	int line; /* of <interface>, for messages */
	/* its <address> (address.h); type NONE: none written */
	struct vm_address addr;
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

/*
 * Puts where I is before ERR's message, and returns -1: "FILE:LINE:
 * <interface>" for one read from XML, "FILE" for one from vm-attach's
 * options (line 0), where FILE says which.
 */
int vm_net_locate(const struct vm_iface *i, const char *file, struct vm_error *err);

/* The rules, in the order the XML reads them */

/* Sets I's type from its name ("user", "bridge", "network", "ethernet"). */
int vm_net_set_type(struct vm_iface *i, const char *type, struct vm_error *err);
/* Sets I's source: a BRIDGE for type bridge, a NETWORK for type network, neither else. */
int vm_net_set_source(struct vm_iface *i, const char *bridge, const char *network,
		      struct vm_error *err);
/* Sets I's MAC from TEXT, unicast and not all zeros, as libvirt writes it. */
int vm_net_set_mac(struct vm_iface *i, const char *text, struct vm_error *err);
/* Sets I's model: virtio, e1000, e1000e, rtl8139 or vmxnet3. */
int vm_net_set_model(struct vm_iface *i, const char *model, struct vm_error *err);
/* Sets I's tap name DEV; MANAGED "no" (ethernet only) opens an existing one. */
int vm_net_set_target(struct vm_iface *i, const char *dev, const char *managed,
		      struct vm_error *err);
/* <driver name='qemu|vhost' queues='N'>, either NULL when absent. */
int vm_net_set_driver(struct vm_iface *i, const char *name, const char *queues,
		      struct vm_error *err);
/* The rules between I's parts once all are set; defaults the model to virtio. */
int vm_net_finish(struct vm_iface *i, struct vm_error *err);

/*
 * What the host must have for I, checked before anything is made: a
 * bridge for a network (vm_net_bridge()), /dev/vhost-net for vhost
 * asked for. FILE names I's file in messages.
 */
int vm_net_check_host(const struct vm_iface *i, const struct vm_conf *conf, const char *file,
		      struct vm_error *err);
/* Whether I's tap gets vhost-net fds: asked for, or by default where the host has it. */
bool vm_net_wants_vhost(const struct vm_iface *i);
/* How many queues (and fds) I's tap has: 1 or more. */
unsigned vm_net_queues(const struct vm_iface *i);

/*
 * vm-attach --interface: I from SPEC ("bridge:BR", "network:NAME" or
 * "ethernet:TAP", TAP made by vm-attach), MAC and MODEL (NULL: unset),
 * by the rules above. The caller clears I with vm_net_clear().
 */
int vm_net_from_args(struct vm_iface *i, const char *spec, const char *mac, const char *model,
		     struct vm_error *err);
/* Parses a lone <interface> element, as vm-attach takes it. */
int vm_net_parse(const char *buf, size_t len, const char *name, struct vm_iface *i,
		 struct vm_error *err);
void vm_net_clear(struct vm_iface *i);

/* QEMU's view */

/*
 * The netdev of I with id ID, as -netdev and netdev_add take it: user,
 * or a tap whose fds FDS are separated by ':' (numbers on the command
 * line, getfd names in hotplug), and vhost-net fds VHOSTFDS (NULL: no vhost).
 */
json_object *vm_net_netdev_json(const struct vm_iface *i, const char *id, const char *fds,
				const char *vhostfds);
/* The device of I with id ID on NETDEV, on the PCI bus BUS (NULL: QEMU's choice). */
json_object *vm_net_device_json(const struct vm_iface *i, const char *id, const char *netdev,
				const char *bus);

#endif
