/*
 * vm-attach: hotplug and unplug disks (this header and detach.h) and
 * change cdrom media (media.h) in a running domain, over QMP, with
 * leases and labels handled as at start and stop (DESIGN.md, "Lock
 * leases").
 *
 *	struct vm_disk disk;
 *	if (vm_attach_disk_from_args(&args, &disk, &err) < 0) ...
 *	r = vm_attach_disk(&conf, &paths, "web", &disk, &opts, &err);
 *	vm_disk_clear(&disk);
 *
 * Every call of the three takes the domain lock first and fails with
 * VM_EXIT_NO when QEMU is not alive. A hotplugged disk's lease goes to
 * QEMU as the named fd "lease-DEV" (QMP getfd), which QEMU keeps until
 * closefd or its exit; add-fd is not used because QEMU 7.2 closes fdset
 * fds when the last QMP client disconnects. The disk is recorded in status.json before
 * it is labelled, so that vm-stop can give it back after a kill at any
 * point, and a failure undoes every step in reverse.
 *
 * Exit codes in ERR: VM_EXIT_NO for a disk in use elsewhere, an unknown
 * or busy target, no free pcie-root-port, a guest that did not release
 * an unplugged disk in time; VM_EXIT_INVALID for a disk that is invalid
 * or cannot be hotplugged (sata); VM_EXIT_SYSTEM for QEMU or system
 * failures.
 */
#ifndef VM_ATTACH_H
#define VM_ATTACH_H

#include <stdbool.h>
#include "conf.h"
#include "domain.h"
#include "paths.h"
#include "error.h"

struct vm_attach_opts {
	int timeout_s; /* how long a detach waits for the guest */
	vm_warn_fn warn;
};

/* A disk as vm-attach's options describe it; NULL strings are unset. */
struct vm_attach_args {
	const char *path;
	const char *target;
	const char *bus;    /* "virtio", "scsi" or "sata"; NULL: from the target */
	const char *format; /* "raw" (default) or "qcow2" */
	bool readonly, shareable, cdrom;
};

/*
 * Fills DISK from ARGS with the rules of the domain XML's <disk>; the
 * caller clears it with vm_disk_clear(). Invalid input is VM_EXIT_INVALID.
 */
int vm_attach_disk_from_args(const struct vm_attach_args *args, struct vm_disk *disk,
			     struct vm_error *err);

/* Hotplugs DISK into the running domain NAME. */
int vm_attach_disk(const struct vm_conf *conf, const struct vm_paths *paths, const char *name,
		   const struct vm_disk *disk, const struct vm_attach_opts *opts,
		   struct vm_error *err);

#endif
