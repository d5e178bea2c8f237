/*
 * vm-start's order of operations (DESIGN.md, "Lock leases"): resolve
 * QEMU's ids, take the domain lock, the disks' leases and labels, spawn
 * QEMU with the lease fds, hand-shake over QMP, resume. Every step that
 * changes something outside memory is a named hook (hooks.h) and is
 * undone in reverse when a later step fails.
 *
 *	if (vm_start_domain(&conf, &paths, dom, false, vm_warn, &err) < 0)
 *		return vm_error_report(&err);
 *
 * Exit codes in ERR: VM_EXIT_NO for a domain already running, a disk in
 * use or no free uid of user_range; VM_EXIT_INVALID for what the domain
 * or the configuration asks that cannot be done; VM_EXIT_SYSTEM for QEMU
 * or system failures.
 */
#ifndef VM_START_H
#define VM_START_H

#include <stdbool.h>
#include "conf.h"
#include "domain.h"
#include "paths.h"
#include "error.h"

/* Starts DOM, left paused when PAUSED; WARN gets what must not fail it. */
int vm_start_domain(const struct vm_conf *conf, const struct vm_paths *paths, struct vm_domain *dom,
		    bool paused, vm_warn_fn warn, struct vm_error *err);

#endif
