/*
 * The tap of one interface and the lease on its MAC: what vm-start does
 * for each tap interface of a domain, and vm-attach for the one it plugs
 * in, in this order:
 *
 *	if (vm_taps_check(conf, session, file, iface, err) < 0) ...	(nothing done yet)
 *	if (vm_taps_lease_mac(lm, iface, &held, err) < 0) ...
 *	vm_taps_record(conf, lm, file, iface, &rec, err);	(for status.json)
 *	if (vm_taps_make(conf, session, file, iface, &tap, err) < 0) ...
 *	... QEMU gets tap.fds[] and tap.vhostfds[], then vm_tapdev_close(&tap)
 *
 * The MAC lease "mac:MAC" goes to QEMU with the other leases of HELD, so
 * that no two running domains, here or on a host sharing the lockspace,
 * put one MAC on a network; a MAC the interface lacks is made here. The
 * tap is non-persistent (tapdev.h): it lives while QEMU holds its fds.
 * In session mode (SESSION: not root) only a bridge or network interface
 * gets a tap, made by vmkit.conf's bridge_helper (bridge_helper.h), with
 * one queue, the bridge's MTU and a name of the kernel's.
 *
 * FILE names the domain's file (or the lone <interface>'s) in messages,
 * which carry the interface's line. Errors: VM_EXIT_INVALID for what the
 * caller can fix (an interface session mode cannot have, bridge_helper
 * not configured or refusing the bridge, an unmapped network, vhost asked for and
 * absent, an unknown bridge), VM_EXIT_NO for a MAC held elsewhere,
 * VM_EXIT_SYSTEM for the rest.
 */
#ifndef VM_TAPS_H
#define VM_TAPS_H

#include <stdbool.h>
#include "conf.h"
#include "lock.h"
#include "net.h"
#include "status.h"
#include "tapdev.h"
#include "leaseset.h"
#include "error.h"

/* What I needs that this command (SESSION: not root) or this host cannot give. */
int vm_taps_check(const struct vm_conf *conf, bool session, const char *file,
		  const struct vm_iface *i, struct vm_error *err);

/*
 * Leases I's MAC into HELD; one I lacks is made, and made anew while
 * another domain holds it, as libvirt picks a free one. With the nop
 * manager the MAC is made and nothing is leased.
 */
int vm_taps_lease_mac(struct vm_lockmgr *lm, struct vm_iface *i, struct vm_leaseset *held,
		      struct vm_error *err);

/* I's status record, without its tap name (REC->tap "") and device id. */
int vm_taps_record(const struct vm_conf *conf, struct vm_lockmgr *lm, const char *file,
		   const struct vm_iface *i, struct vm_status_iface *rec, struct vm_error *err);

/*
 * Makes I's tap (or opens it: managed='no'; or has bridge_helper make it:
 * SESSION) with its queues, on its bridge, and opens its vhost-net fds
 * when it wants them (net.h). On failure TAP has no fd open.
 */
int vm_taps_make(const struct vm_conf *conf, bool session, const char *file,
		 const struct vm_iface *i, struct vm_tapdev *tap, struct vm_error *err);

#endif
