/*
 * Tap devices for guest NICs, made by root and handed to an unprivileged
 * QEMU as open fds (-netdev tap,fd=N, or fds=N:M... for queues).
 *
 *	struct vm_tapdev tap;
 *	struct vm_tapdev_config cfg = { .bridge = "br0", .mac = guest_mac };
 *	if (vm_tapdev_create(&tap, &cfg, &err) < 0)
 *		return -1;
 *	... pass tap.fds[0 .. tap.queues - 1] to QEMU, then
 *	vm_tapdev_close(&tap);
 *
 * A tap made here is never persistent (no TUNSETPERSIST): the kernel
 * unregisters it as the last fd attached to it closes, and an fd is
 * closed when its process dies, however it dies. So a tap lives exactly
 * as long as the QEMU holding its fds (once vm-start has closed its own
 * copies), a crashed QEMU leaves no tap behind, and every failure here
 * undoes itself by closing what it opened: no error path leaves a tap or
 * an fd. No owner is set either: a tap without owner or group lets the
 * holder of its fd use every ioctl QEMU needs (offloads, TUNSETQUEUE)
 * without CAP_NET_ADMIN, and lets no one else attach to it.
 *
 * Every fd is opened O_CLOEXEC; the spawner passes the ones QEMU gets.
 * Flags are IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, what QEMU's own tap
 * backend asks for and what it probes on fd= (TUNGETIFF) to use virtio
 * offloads; QEMU adds and strips the header for NIC models that have
 * none, so every model works on it. With more than one queue,
 * IFF_MULTI_QUEUE and one fd each (-netdev tap,fds=N:M,vhostfds=...).
 *
 * Names. Without a name the kernel picks "vmkN": TUNSETIFF with the
 * template "vmk%d" allocates the lowest free N and registers the device
 * within one hold of the RTNL lock, so two starts at once never get the
 * same name, and there is no window in which a name is chosen but not
 * yet taken. A given name (<target dev>) is created with IFF_TUN_EXCL,
 * which fails if the name exists rather than attaching to that device:
 * the check and the creation are again one step under the lock. Given
 * names are refused when the kernel would refuse or rewrite them (empty,
 * longer than IFNAMSIZ - 1, ".", "..", '/', ':', whitespace, '%' which
 * makes a template, ',' which QEMU's option syntax splits on, anything
 * outside printable ASCII), and, as libvirt reserves "vnet" for names it
 * generates, names starting with "vnet" or "vmk" are refused for a tap
 * made here (vm_tapdev_name_reserved() lets the domain model blank them
 * out as libvirt does); vm_tapdev_open() takes them, as libvirt does for
 * managed='no'.
 *
 * Errors: VM_EXIT_INVALID for what the caller can fix (a bad or taken
 * name, an unknown bridge or one that is not a bridge, a multicast or
 * all-zero MAC, an MTU the device refuses, a tap that does not exist
 * for vm_tapdev_open()), VM_EXIT_SYSTEM for the rest.
 */
#ifndef VM_TAPDEV_H
#define VM_TAPDEV_H

#include "error.h"
#include "mac.h"

#include <net/if.h>
#include <stdbool.h>

/* The kernel's MAX_TAP_QUEUES. */
#define VM_TAPDEV_QUEUES_MAX 256

struct vm_tapdev {
	char name[IFNAMSIZ];
	unsigned int queues;		    /* fds in use: 1 or more */
	int fds[VM_TAPDEV_QUEUES_MAX];	    /* -1 past queues */
	int vhostfds[VM_TAPDEV_QUEUES_MAX]; /* -1 without vhost */
};

struct vm_tapdev_config {
	const char *name;	  /* NULL: "vmkN", chosen by the kernel */
	const char *bridge;	  /* NULL: enslaved to nothing */
	const unsigned char *mac; /* the guest's (see mac.h); NULL: random */
	unsigned int mtu;	  /* 0: the bridge's, or the kernel's 1500 */
	unsigned int queues;	  /* 0 or 1: one fd, not multiqueue */
};

/*
 * Creates a tap as CFG says, sets its MAC (vm_mac_host() of CFG->mac)
 * and MTU, enslaves it to CFG->bridge and brings it up. *TAP is filled
 * on success, and on failure left with no fd open (vm_tapdev_close() is
 * harmless on it either way).
 */
int vm_tapdev_create(struct vm_tapdev *tap, const struct vm_tapdev_config *cfg,
		     struct vm_error *err);

/*
 * Attaches QUEUES fds (0 means 1) to the existing tap NAME, changing
 * nothing of it (managed='no'). VM_EXIT_INVALID if NAME does not exist,
 * is not a tap, or differs in being multiqueue.
 */
int vm_tapdev_open(struct vm_tapdev *tap, const char *name, unsigned int queues,
		   struct vm_error *err);

/*
 * Opens /dev/vhost-net once a queue, into TAP->vhostfds: 1 when done,
 * 0 (and no fd) when the host has no /dev/vhost-net or it is not open to
 * this user, -1 on any other failure, with nothing left open. Whether
 * vhost was required is the caller's to judge.
 */
int vm_tapdev_open_vhost(struct vm_tapdev *tap, struct vm_error *err);

/* Whether the host has /dev/vhost-net (vm_tapdev_open_vhost() may still fail). */
bool vm_tapdev_vhost_present(void);

/* An empty TAP, with no fd: for one that vm_tapdev_create() or _open() may never fill. */
void vm_tapdev_init(struct vm_tapdev *tap);

/* Closes every fd of TAP; the kernel removes the tap if they were the last. */
void vm_tapdev_close(struct vm_tapdev *tap);

/* Whether NAME starts with a prefix kept for names the kernel chooses. */
bool vm_tapdev_name_reserved(const char *name);

#endif
