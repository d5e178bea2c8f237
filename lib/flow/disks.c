#include "disks.h"
#include "cleanup.h"
#include "disk.h"
#include "disk_identity.h"
#include "exitcodes.h"
#include "paths.h"
#include "qmp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The record of layer L of IMG, under the top record TOP. */
static void
layer_rec(const struct vm_status_disk *top, const struct vm_image_layer *l,
	  struct vm_status_disk *rec)
{
	rec->labelled = top->labelled;
	rec->has_id = true;
	rec->dev = l->dev;
	rec->ino = l->ino;
}

enum vm_lease_mode
vm_disks_lease_mode(const struct vm_status_disk *rec)
{
	return rec->mode == VM_STATUS_LEASE_EXCLUSIVE ? VM_LEASE_EXCLUSIVE : VM_LEASE_SHARED;
}

int
vm_disks_acquire(const struct vm_disks_ctx *ctx, const struct vm_disk *disk, struct vm_image *img,
		 struct vm_status_disk *rec, struct vm_leaseset *held, struct vm_error *err)
{
	bool leases = ctx->conf->auto_disk_leases && vm_lockmgr_active(ctx->lm);

	memset(rec, 0, sizeof(*rec));
	memset(img, 0, sizeof(*img));
	if (!(rec->target = strdup(disk->target)))
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot record disk '%s'",
				    disk->target);
	if (!disk->source)
		return 0;
	if (vm_disk_image_open(disk, false, img, err) < 0)
		return -1;
	if (!(rec->path = strdup(img->v[0].path)) ||
	    (img->n > 1 && !(rec->backing = calloc(img->n - 1, sizeof(*rec->backing)))))
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot record disk '%s'",
				    disk->target);
	rec->labelled = ctx->labels && disk->relabel;
	rec->mode = disk->readonly || disk->shareable ? VM_STATUS_LEASE_SHARED
						      : VM_STATUS_LEASE_EXCLUSIVE;
	layer_rec(rec, &img->v[0], rec);
	for (; rec->nbacking + 1 < img->n; rec->nbacking++) {
		struct vm_status_disk *b = &rec->backing[rec->nbacking];

		layer_rec(rec, &img->v[rec->nbacking + 1], b);
		b->mode = VM_STATUS_LEASE_SHARED;
		if (!(b->path = strdup(img->v[rec->nbacking + 1].path)))
			return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot record disk '%s'",
					    disk->target);
	}
	if (!leases)
		return 0;
	for (size_t i = 0; i < img->n; i++) {
		struct vm_status_disk *r = i ? &rec->backing[i - 1] : rec;
		struct vm_lease *lease = NULL;

		if (vm_lease_acquire(ctx->lm, r->path, vm_disks_lease_mode(r), 0, &lease, err) <
			    0 ||
		    vm_leaseset_add(held, lease, err) < 0)
			return -1;
		r->lease = true;
		/* and, in the same mode, the lease of what the file is */
		lease = NULL;
		if (vm_disk_identity(img->v[i].fd, &r->identity, err) < 0)
			return -1;
		if (r->identity &&
		    (vm_lease_acquire_named(ctx->lm, r->identity, r->path, vm_disks_lease_mode(r),
					    0, &lease, err) < 0 ||
		     vm_leaseset_add(held, lease, err) < 0))
			return -1;
	}
	return 0;
}

/*
 * The metadata locks of PATH and, when known, of its IDENTITY, in that
 * order: labels change under both, so that two names of one file wait
 * for each other. The caller closes *META and *META_ID, which stay -1
 * when not taken.
 */
static int
meta_lock(const struct vm_disks_ctx *ctx, const char *path, const char *identity, int *meta,
	  int *meta_id, struct vm_error *err)
{
	*meta = vm_lease_meta_lock(ctx->lm, path, err);
	if (*meta == -1)
		return -1;
	if (identity && (*meta_id = vm_lease_meta_lock(ctx->lm, identity, err)) == -1)
		return -1;
	return 0;
}

/* Labels one file of a disk through its open fd, under its metadata lock. */
static int
label_one(const struct vm_disks_ctx *ctx, struct vm_status_disk *rec, int fd, struct vm_error *err)
{
	cleanup_close int meta = -1, meta_id = -1;
	struct vm_label_owner owner = { 0 };
	bool no_xattr;
	int r;

	if (!rec->labelled)
		return 0;
	if (meta_lock(ctx, rec->path, rec->identity, &meta, &meta_id, err) < 0)
		return -1;
	r = vm_label_apply(&ctx->label, rec->path, fd, &owner, &no_xattr, err);
	/* kept even when the chown failed: the give-back restores it */
	if (owner.known) {
		rec->has_owner = true;
		rec->uid = owner.uid;
		rec->gid = owner.gid;
	}
	if (r < 0)
		return -1;
	if (no_xattr)
		ctx->warn("'%s' cannot hold xattrs; its owner is kept in the status file",
			  rec->path);
	return 0;
}

int
vm_disks_label(const struct vm_disks_ctx *ctx, struct vm_status_disk *rec,
	       const struct vm_image *img, struct vm_error *err)
{
	if (!rec->path)
		return 0;
	if (label_one(ctx, rec, img->v[0].fd, err) < 0)
		return -1;
	for (size_t i = 0; i < rec->nbacking && i + 1 < img->n; i++)
		if (label_one(ctx, &rec->backing[i], img->v[i + 1].fd, err) < 0)
			return -1;
	return 0;
}

/*
 * Takes the metadata locks of REC's file (path and IDENTITY) into META
 * and META_ID and opens the file again by its path, which someone may
 * have pointed elsewhere since: *FD is the very file that was labelled,
 * or -1 when it is gone or replaced (*GONE then says so).
 */
static int
reopen_locked(const struct vm_disks_ctx *ctx, const struct vm_status_disk *rec,
	      const char *identity, int *meta, int *meta_id, int *fd, struct vm_error *gone,
	      struct vm_error *err)
{
	if (meta_lock(ctx, rec->path, identity, meta, meta_id, err) < 0)
		return -1;
	*fd = vm_image_reopen(rec->path, rec->has_id, rec->dev, rec->ino, gone);
	if (*fd < 0 && gone->code != VM_EXIT_NO)
		return vm_error_set(err, gone->code, "%s", gone->msg);
	return 0;
}

/* Restores the label of REC; the caller holds its content lease. */
static int
restore(const struct vm_disks_ctx *ctx, const struct vm_status_disk *rec, const char *identity,
	struct vm_error *err)
{
	struct vm_error gone = VM_ERROR_INIT;
	cleanup_close int meta = -1, meta_id = -1, fd = -1;
	struct vm_label_owner owner = { rec->has_owner, rec->uid, rec->gid };
	bool restored;

	if (!rec->labelled)
		return 0;
	if (reopen_locked(ctx, rec, identity, &meta, &meta_id, &fd, &gone, err) < 0)
		return -1;
	if (fd < 0) {
		ctx->warn("%s; leaving its owner as it is", gone.msg);
		return 0;
	}
	return vm_label_restore(&ctx->label, rec->path, fd, &owner, &restored, err);
}

/*
 * The file of REC is someone else's now: only this domain's use of the
 * label goes, so that the stop of the last user still restores the owner.
 */
static int
forget(const struct vm_disks_ctx *ctx, const struct vm_status_disk *rec, const char *identity,
       struct vm_error *err)
{
	struct vm_error gone = VM_ERROR_INIT;
	cleanup_close int meta = -1, meta_id = -1, fd = -1;
	int left;

	if (!ctx->label.remember || rec->has_owner)
		return 0;
	if (reopen_locked(ctx, rec, identity, &meta, &meta_id, &fd, &gone, err) < 0)
		return -1;
	if (fd < 0)
		return 0;
	if (vm_label_forget(&ctx->label, rec->path, fd, &left, err) < 0)
		return -1;
	if (left == 0)
		ctx->warn("no domain uses the label of '%s' any more; its owner is recorded on it for the next stop of a domain using it",
			  rec->path);
	return 0;
}

/*
 * Without a count of users on the file (remember_owner = 0, or the owner
 * kept in status.json) a restore cannot tell whether another domain
 * still uses a shared disk, so it needs the disk to itself.
 */
static enum vm_lease_mode
restore_mode(const struct vm_disks_ctx *ctx, const struct vm_status_disk *rec)
{
	if (rec->labelled && (!ctx->label.remember || rec->has_owner))
		return VM_LEASE_EXCLUSIVE;
	return vm_disks_lease_mode(rec);
}

static int
giveback_one(const struct vm_disks_ctx *ctx, const struct vm_status_disk *rec, int wait_ms,
	     struct vm_error *err)
{
	struct vm_lease *lease = NULL, *id_lease = NULL;
	struct vm_error lerr = VM_ERROR_INIT;
	enum vm_lease_mode mode = restore_mode(ctx, rec);
	cleanup_free char *found = NULL;
	const char *identity = rec->identity;
	int r;

	if (!rec->path || (!rec->lease && !rec->labelled))
		return 0;
	/* A record from before identity leases, or of a disk that took no
	 * lease: the file the path names now is the best guess. */
	if (!identity && rec->labelled && vm_lockmgr_active(ctx->lm) &&
	    vm_disk_identity_path(rec->path, &found, NULL) == 0)
		identity = found;
	if (rec->lease || vm_lockmgr_active(ctx->lm)) {
		/* the recorded identity, whatever the path names now */
		if (vm_lease_acquire(ctx->lm, rec->path, mode, wait_ms, &lease, &lerr) < 0 ||
		    (identity && vm_lease_acquire_named(ctx->lm, identity, rec->path, mode, wait_ms,
							&id_lease, &lerr) < 0)) {
			vm_lease_release(lease);
			if (lerr.code != VM_EXIT_NO)
				return vm_error_set(err, lerr.code, "%s", lerr.msg);
			if (!rec->labelled)
				return 0;
			ctx->warn("%s; leaving its owner as it is", lerr.msg);
			return forget(ctx, rec, identity, err);
		}
	}
	r = restore(ctx, rec, identity, err);
	vm_lease_release(id_lease);
	vm_lease_release(lease);
	return r;
}

int
vm_disks_giveback(const struct vm_disks_ctx *ctx, const struct vm_status_disk *rec, int wait_ms,
		  struct vm_error *err)
{
	if (giveback_one(ctx, rec, wait_ms, err) < 0)
		return -1;
	for (size_t i = 0; i < rec->nbacking; i++)
		if (giveback_one(ctx, &rec->backing[i], wait_ms, err) < 0)
			return -1;
	return 0;
}

static int
giveback_held_one(const struct vm_disks_ctx *ctx, const struct vm_status_disk *rec,
		  const struct vm_leaseset *held, struct vm_error *err)
{
	struct vm_error lerr = VM_ERROR_INIT;
	bool found = false;

	for (size_t i = 0; rec->lease && i < held->n; i++) {
		const char *res = vm_lease_resource(held->v[i]);

		/* the path's lease and the identity's, both in that mode */
		if (strcmp(res, rec->path) != 0 &&
		    !(rec->identity && strcmp(res, rec->identity) == 0))
			continue;
		found = true;
		if (restore_mode(ctx, rec) != VM_LEASE_EXCLUSIVE ||
		    vm_lease_upgrade(ctx->lm, held->v[i], &lerr) == 0)
			continue;
		if (lerr.code != VM_EXIT_NO)
			return vm_error_set(err, lerr.code, "%s", lerr.msg);
		ctx->warn("%s; leaving its owner as it is", lerr.msg);
		return 0;
	}
	if (!found)
		return giveback_one(ctx, rec, 0, err);
	return restore(ctx, rec, rec->identity, err);
}

int
vm_disks_giveback_held(const struct vm_disks_ctx *ctx, const struct vm_status_disk *rec,
		       const struct vm_leaseset *held, struct vm_error *err)
{
	if (!rec->path)
		return 0;
	if (giveback_held_one(ctx, rec, held, err) < 0)
		return -1;
	for (size_t i = 0; i < rec->nbacking; i++)
		if (giveback_held_one(ctx, &rec->backing[i], held, err) < 0)
			return -1;
	return 0;
}

int
vm_disks_throttle(const struct vm_domain *dom, struct vm_qmp *qmp, int timeout_ms,
		  struct vm_error *err)
{
	for (size_t i = 0; i < dom->ndisks; i++) {
		const struct vm_disk *d = &dom->disks[i];
		json_object *args;
		int r;

		if (!d->source || !vm_disk_has_iotune(d))
			continue;
		args = vm_disk_throttle_json(d);
		r = vm_qmp_command(qmp, "block_set_io_throttle", args, timeout_ms, NULL, err);
		json_object_put(args);
		if (r < 0)
			return vm_error_prefix(err, "cannot set the <iotune> of disk '%s'",
					       d->target);
	}
	return 0;
}
