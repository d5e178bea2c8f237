/*
 * Disk leases and labels for a running domain: taken before QEMU starts
 * (or a disk is hotplugged) and given back only after QEMU has let go.
 */
#ifndef VM_DISKS_H
#define VM_DISKS_H

#include "conf.h"
#include "domain.h"
#include "image.h"
#include "label.h"
#include "leaseset.h"
#include "lock.h"
#include "status.h"
#include "error.h"

struct vm_qmp;

/*
 * Sets the <iotune> limits of DOM's disks on their devices in QEMU
 * (vm_disk_throttle_json()), before the guest runs. An empty cdrom has
 * no medium to limit and is left out, as libvirt does.
 */
int vm_disks_throttle(const struct vm_domain *dom, struct vm_qmp *qmp, int timeout_ms,
		      struct vm_error *err);

/* The lock manager's mode of the lease that record REC says was taken. */
enum vm_lease_mode vm_disks_lease_mode(const struct vm_status_disk *rec);

struct vm_disks_ctx {
	struct vm_lockmgr *lm;
	const struct vm_conf *conf;
	struct vm_label_ctx label;
	bool labels; /* dynamic ownership applies to this domain */
	vm_warn_fn warn;
};

/*
 * Opens DISK's files into IMG (image.h: its own and its backing chain,
 * each once, checked), and takes the content lease of each without
 * waiting: shared for the backing files, and for the disk's own file
 * when it is readonly or shareable; then, in the same mode, the lease
 * of what each file is (its identity, see disk_identity.h). Fills the
 * status record REC, which owns its strings (vm_status_disk_clear()),
 * with every file, its identity, and whether it is to be labelled. A disk with no source
 * (empty cdrom) opens and takes nothing. On failure the caller releases
 * HELD and closes IMG.
 */
int vm_disks_acquire(const struct vm_disks_ctx *ctx, const struct vm_disk *disk,
		     struct vm_image *img, struct vm_status_disk *rec, struct vm_leaseset *held,
		     struct vm_error *err);

/* Labels the files of REC for QEMU, each through its fd in IMG, under
 * the metadata locks of its path and its identity. */
int vm_disks_label(const struct vm_disks_ctx *ctx, struct vm_status_disk *rec,
		   const struct vm_image *img, struct vm_error *err);

/*
 * Gives back the files of REC (its own, then its backing files) once
 * QEMU no longer uses them: takes each content lease again without
 * waiting, that of its path and that of its recorded identity, opens
 * the file again without following symlinks and checks it is the one
 * recorded, restores the label through that fd under the metadata
 * locks, releases. A restore that is not reference-counted
 * takes the lease exclusively, even for a shared disk. A file in use
 * elsewhere, gone, or replaced keeps its owner and gets a warning.
 * Each lease is waited for up to WAIT_MS: an unwind's QEMU child that
 * held it has just died, and the lock daemon may not have seen it yet.
 * Returns -1 only on a system error.
 */
int vm_disks_giveback(const struct vm_disks_ctx *ctx, const struct vm_status_disk *rec, int wait_ms,
		      struct vm_error *err);

/*
 * As vm_disks_giveback(), for a command that still holds the disk's
 * content lease in HELD (an unwind before or after QEMU died): the
 * label is restored under that lease, which is never let go in between.
 * A restore that is not reference-counted turns a shared lease
 * exclusive in place first, and leaves the label when it cannot.
 */
int vm_disks_giveback_held(const struct vm_disks_ctx *ctx, const struct vm_status_disk *rec,
			   const struct vm_leaseset *held, struct vm_error *err);

#endif
