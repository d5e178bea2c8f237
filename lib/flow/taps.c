#include "taps.h"
#include "bridge_helper.h"
#include "exitcodes.h"
#include "mac.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

/* Tries for a MAC of our own before giving up: 2^24 of them make a clash rare. */
#define MAC_TRIES 16

/*
 * What session mode cannot have: a tap of its own making (ethernet), or
 * one the helper makes otherwise than I says.
 */
static int
check_session(const struct vm_conf *conf, const struct vm_iface *i, struct vm_error *err)
{
	if (i->type == VM_IFACE_ETHERNET)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "session mode cannot make or open a tap device (it needs root's CAP_NET_ADMIN); use a bridge through bridge_helper (vmkit.conf), <interface type='user'>, or run the domain as root");
	if (i->target)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "<target dev='%s'>: in session mode bridge_helper makes the tap and the kernel names it",
				    i->target);
	if (i->mtu)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "<mtu size='%u'>: in session mode bridge_helper makes the tap with its bridge's MTU",
				    i->mtu);
	if (vm_net_queues(i) > 1)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "<driver queues='%u'>: in session mode bridge_helper makes a tap of one queue",
				    vm_net_queues(i));
	return vm_bridge_helper_check(conf->bridge_helper, err);
}

int
vm_taps_check(const struct vm_conf *conf, bool session, const char *file, const struct vm_iface *i,
	      struct vm_error *err)
{
	if (!vm_net_has_tap(i))
		return 0;
	if (session && check_session(conf, i, err) < 0)
		return vm_net_locate(i, file, err);
	return vm_net_check_host(i, conf, file, err);
}

int
vm_taps_lease_mac(struct vm_lockmgr *lm, struct vm_iface *i, struct vm_leaseset *held,
		  struct vm_error *err)
{
	char resource[sizeof(VM_LEASE_MAC_PREFIX) + VM_MAC_STRLEN];
	bool generate = !i->mac;
	struct vm_lease *lease = NULL;
	unsigned char mac[VM_MAC_LEN];
	int busy = 1;

	if (generate && !(i->mac = malloc(VM_MAC_STRLEN)))
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot make a MAC address");
	for (int k = 0; busy && k < (generate ? MAC_TRIES : 1); k++) {
		if (generate) {
			if (vm_mac_generate(mac, err) < 0)
				return -1;
			vm_mac_format(mac, i->mac);
		}
		snprintf(resource, sizeof(resource), VM_LEASE_MAC_PREFIX "%s", i->mac);
		if (!vm_lockmgr_active(lm))
			return 0;
		busy = generate
			       ? vm_lease_try(lm, resource, &lease, err)
			       : vm_lease_acquire(lm, resource, VM_LEASE_EXCLUSIVE, 0, &lease, err);
		if (busy < 0)
			return -1;
	}
	if (busy)
		return vm_error_set(err, VM_EXIT_NO,
				    "no free MAC address in %d tries: each made was held by a running domain",
				    MAC_TRIES);
	return vm_leaseset_add(held, lease, err);
}

int
vm_taps_record(const struct vm_conf *conf, struct vm_lockmgr *lm, const char *file,
	       const struct vm_iface *i, struct vm_status_iface *rec, struct vm_error *err)
{
	const char *bridge;

	*rec = (struct vm_status_iface){ .lease = vm_lockmgr_active(lm) };
	if (vm_net_bridge(i, conf, file, &bridge, err) < 0)
		return -1;
	snprintf(rec->mac, sizeof(rec->mac), "%s", i->mac);
	snprintf(rec->bridge, sizeof(rec->bridge), "%s", bridge ? bridge : "");
	return 0;
}

int
vm_taps_make(const struct vm_conf *conf, bool session, const char *file, const struct vm_iface *i,
	     struct vm_tapdev *tap, struct vm_error *err)
{
	unsigned char mac[VM_MAC_LEN];
	struct vm_tapdev_config cfg = {
		.name = i->target, .mtu = i->mtu, .mac = mac, .queues = vm_net_queues(i)
	};
	int r;

	vm_tapdev_init(tap);
	/* the bridge by its whole name: the record's may be cut short */
	if (vm_mac_parse(i->mac, mac, err) < 0 ||
	    vm_net_bridge(i, conf, file, &cfg.bridge, err) < 0)
		return -1;
	if (session)
		r = vm_bridge_helper_make(conf->bridge_helper, cfg.bridge, tap, err);
	else if (i->unmanaged)
		r = vm_tapdev_open(tap, i->target, cfg.queues, err);
	else
		r = vm_tapdev_create(tap, &cfg, err);
	if (r == 0 && vm_net_wants_vhost(i)) {
		r = vm_tapdev_open_vhost(tap, err);
		/* gone since vm_taps_check(), or never there for a default */
		if (r == 0 && i->vhost == VM_VHOST_ON)
			r = vm_error_set(err, VM_EXIT_INVALID,
					 "<driver name='vhost'> asks for vhost-net, and this host has no /dev/vhost-net open to this user");
		r = r < 0 ? -1 : 0;
	}
	if (r == 0)
		return 0;
	vm_tapdev_close(tap);
	return vm_net_locate(i, file, err);
}
