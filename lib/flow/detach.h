/*
 * vm-attach --detach: unplugs a disk from a running domain and gives it
 * back as vm-stop would (attach.h has the rules that every vm-attach
 * call follows, and its exit codes).
 */
#ifndef VM_DETACH_H
#define VM_DETACH_H

#include "attach.h"
#include "conf.h"
#include "paths.h"
#include "error.h"

/*
 * Unplugs the disk TARGET: device_del, then waits up to opts->timeout_s
 * for the guest to let go (VM_EXIT_NO if it does not; the disk then
 * stays attached, with its lease and label), deletes the block nodes,
 * drops QEMU's lease and gives the disk back. Also finishes a detach or
 * an attach that was interrupted.
 */
int vm_detach_disk(const struct vm_conf *conf, const struct vm_paths *paths, const char *name,
		   const char *target, const struct vm_attach_opts *opts, struct vm_error *err);

#endif
