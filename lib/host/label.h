/*
 * DAC ownership labels with the true owner remembered on the file.
 *
 * Callers hold the disk's content lease and its metadata lock, and an
 * fd of the file itself; these functions only read and write the
 * owner and xattrs of that fd (fchown, fsetxattr), never by path:
 *   trusted.vmkit.dac       "uid:gid" of the true owner
 *   trusted.vmkit.ref_dac   how many domains use the label (decimal)
 *   trusted.vmkit.boot_dac  boot id when the count was last written
 *   trusted.vmkit.user.UUID one per domain using the label
 * The per-domain entries make apply and restore idempotent, so a command
 * killed half-way and repeated cannot count a domain twice; ref_dac is
 * rewritten from them on every change. A stale boot id means every user
 * from before the reboot is gone: the recorded owner is still the true
 * one and the old entries are dropped.
 *
 * Where the file system refuses xattrs, the owner goes into a struct
 * vm_label_owner that the caller keeps (in the status file) and hands
 * back to the restore, and *NO_XATTR is set so the caller can say so.
 * PATH is the file's, for messages only.
 */
#ifndef VM_LABEL_H
#define VM_LABEL_H

#include <stdbool.h>
#include <sys/types.h>
#include "error.h"

struct vm_label_ctx {
	uid_t uid; /* QEMU's */
	gid_t gid;
	bool remember;	  /* remember_owner */
	const char *uuid; /* the domain's */
};

/* The true owner of a file that cannot hold xattrs, kept by the caller. */
struct vm_label_owner {
	bool known;
	unsigned uid, gid;
};

/*
 * Chowns FD to ctx uid:gid, remembering the owner first: on the file, or
 * where it has no xattrs in *OWNER (left alone when the file is QEMU's
 * already, whose label is never its true owner). *OWNER may be filled
 * even when the chown then fails.
 */
int vm_label_apply(const struct vm_label_ctx *ctx, const char *path, int fd,
		   struct vm_label_owner *owner, bool *no_xattr, struct vm_error *err);

/*
 * Drops this domain's use of the label; the last user restores the
 * remembered owner (from the file, else OWNER as vm_label_apply() left
 * it) and removes the xattrs. *RESTORED tells which.
 */
int vm_label_restore(const struct vm_label_ctx *ctx, const char *path, int fd,
		     const struct vm_label_owner *owner, bool *restored, struct vm_error *err);

/* Whether the domain of CTX is recorded on the open file FD as a user of its label. */
bool vm_label_used_by(const struct vm_label_ctx *ctx, int fd);

/*
 * Drops this domain's use of the label without touching the owner, for
 * a disk that someone else holds now: the remaining users' count stays
 * right, so the last of them restores the owner. A count that falls to
 * zero keeps the owner's record for the next restore. *LEFT gets the
 * number of users left (0 when nothing is recorded on the file).
 */
int vm_label_forget(const struct vm_label_ctx *ctx, const char *path, int fd, int *left,
		    struct vm_error *err);

#endif
