/*
 * A tap on a bridge for a caller without CAP_NET_ADMIN, made by QEMU's
 * setuid-root qemu-bridge-helper (vmkit.conf's bridge_helper):
 *
 *	if (vm_bridge_helper_check(conf->bridge_helper, &err) < 0)	(before anything is made)
 *		return -1;
 *	if (vm_bridge_helper_make(conf->bridge_helper, "br0", &tap, &err) < 0)
 *		return -1;
 *	... pass tap.fds[0] to QEMU (-netdev tap,fd=N), then vm_tapdev_close(&tap)
 *
 * The helper is run here, not by QEMU (-netdev bridge): QEMU's seccomp
 * sandbox forbids it to spawn anything. It gets an empty environment,
 * /dev/null for stdin and stdout, and one end of a socket pair as fd 3
 * (--fd=3), over which it sends the tap's fd (SCM_RIGHTS) before it
 * exits; it allows only the bridges /etc/qemu/bridge.conf names. The tap
 * is like one of tapdev.h's: non-persistent, so it lives while QEMU holds
 * its fd, with IFF_VNET_HDR (--use-vnet), one queue, the bridge's MTU, a
 * name the kernel picks, and a MAC of the helper's choosing, which the
 * caller cannot change.
 *
 * "Configured" is judged from what can be seen without running it: the
 * helper is a regular file owned by root, setuid, executable by the
 * caller, on a file system that honours setuid. What bridge.conf allows
 * only the helper knows (the file may be private to root): its refusal
 * comes from vm_bridge_helper_make().
 *
 * Errors: VM_EXIT_INVALID for a helper that is not configured, naming
 * the bridge_helper key and what to do, and for the helper's refusal,
 * with its message and the bridge; VM_EXIT_SYSTEM for the rest. On
 * failure no fd is open and the helper has left no tap.
 */
#ifndef VM_BRIDGE_HELPER_H
#define VM_BRIDGE_HELPER_H

#include "error.h"
#include "tapdev.h"

/* Whether HELPER can make a tap for this caller, as said above. */
int vm_bridge_helper_check(const char *helper, struct vm_error *err);

/* Has HELPER make a tap on BRIDGE into *TAP: its one fd and its name. */
int vm_bridge_helper_make(const char *helper, const char *bridge, struct vm_tapdev *tap,
			  struct vm_error *err);

#endif
