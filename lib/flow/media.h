/*
 * vm-attach --eject and --insert: the medium of a cdrom drive in a
 * running domain, leased and labelled while inserted, given back when
 * removed (attach.h has the rules that every vm-attach call follows,
 * and its exit codes).
 */
#ifndef VM_MEDIA_H
#define VM_MEDIA_H

#include "attach.h"
#include "conf.h"
#include "paths.h"
#include "error.h"

/* Removes the medium of the cdrom TARGET and gives it back. An empty
 * drive is not an error. */
int vm_media_eject(const struct vm_conf *conf, const struct vm_paths *paths, const char *name,
		   const char *target, const struct vm_attach_opts *opts, struct vm_error *err);

/*
 * Inserts MEDIUM (a cdrom disk, as from vm_attach_disk_from_args()) into
 * the drive MEDIUM->target. The new medium is leased and labelled first;
 * a medium already in the drive is then ejected and given back.
 */
int vm_media_insert(const struct vm_conf *conf, const struct vm_paths *paths, const char *name,
		    const struct vm_disk *medium, const struct vm_attach_opts *opts,
		    struct vm_error *err);

#endif
