/*
 * What attach.c, detach.c and media.c share: one vm-attach call on a
 * locked, running domain, the QMP commands it sends, and the status
 * records, leases and labels of the disks it adds and removes. Internal
 * to the library; the API is attach.h, detach.h and media.h.
 *
 *	struct vm_hotplug op = { .conf = conf, .opts = opts, .name = name };
 *	int r = vm_hotplug_begin(&op, paths, target, err);
 *
 *	if (r == 0)
 *		r = ...;
 *	vm_hotplug_end(&op);
 *
 * Functions taking ERR return -1 and fill it on failure.
 */
#ifndef VM_HOTPLUG_H
#define VM_HOTPLUG_H

#include <stdbool.h>
#include <stddef.h>
#include "attach.h"
#include "qmp.h"
#include "image.h"
#include "disks.h"
#include "rundir.h"
#include "status.h"
#include "error.h"

/* One vm-attach call on a locked, running domain. */
struct vm_hotplug {
	const struct vm_conf *conf;
	const struct vm_attach_opts *opts;
	const char *name;
	struct vm_domlock *dl;
	struct vm_status *st;
	struct vm_disks_ctx ctx;
	struct vm_qmp *qmp;
};

/*
 * Checks that TARGET (NULL: no disk) can name a disk, takes the domain lock, reads the
 * status of the running domain and connects to its QMP socket. The
 * caller sets conf, opts and name first, and calls vm_hotplug_end()
 * whatever this returns.
 */
int vm_hotplug_begin(struct vm_hotplug *op, const struct vm_paths *paths, const char *target,
		     struct vm_error *err);
void vm_hotplug_end(struct vm_hotplug *op);

/*
 * The bus for a new PCI device WHAT: a free pcie-root-port on q35, else
 * pci.0. On pc, hotplug into pci.0 needs ACPI: without it the bus has no
 * hotplug handler, and we say so rather than pass on QEMU's error after
 * the device's leases and labels were taken.
 */
int vm_hotplug_pci_bus(struct vm_hotplug *op, const char *what, char bus[16], struct vm_error *err);

/* QMP (the JSON helpers are qmp.h's) */

/* Sends CMD with ARGS, which it puts. */
int vm_hotplug_qmp(struct vm_hotplug *op, const char *cmd, json_object *args, json_object **ret,
		   struct vm_error *err);

/*
 * Unplugs the device ID (a WHAT: "disk", "interface") and waits for the
 * guest to let go of it (opts->timeout_s, then VM_EXIT_NO); *HAD tells
 * whether QEMU had it.
 */
int vm_hotplug_unplug(struct vm_hotplug *op, const char *id, const char *what, bool *had,
		      struct vm_error *err);

/* Which of the block nodes of TARGET exist: bit 0 the format node, bit 1 the protocol node. */
int vm_hotplug_block_nodes(struct vm_hotplug *op, const char *target, unsigned *nodes,
			   struct vm_error *err);
/* Deletes whatever block nodes of TARGET exist, backing files' too, each user first. */
int vm_hotplug_delete_nodes(struct vm_hotplug *op, const char *target, struct vm_error *err);
/*
 * Passes each file of D's chain IMG to QEMU (add-fd) and adds its two
 * nodes on "/dev/fdset/N", the last backing file first; *ADDED counts
 * the nodes that exist.
 */
int vm_hotplug_add_nodes(struct vm_hotplug *op, const struct vm_disk *d, const struct vm_image *img,
			 int *added, struct vm_error *err);

/* Leases and labels */

/*
 * Opens D's files into IMG (image.h), takes their leases and labels
 * them through their fds, with the record (last in the status, on root
 * port BUS or "") written first. On failure nothing is left but the
 * error; on success the caller closes IMG once QEMU has the files.
 */
int vm_hotplug_lease_and_label(struct vm_hotplug *op, const struct vm_disk *d, const char *bus,
			       struct vm_image *img, struct vm_leaseset *held,
			       struct vm_error *err);

/* Hands the leases in HELD (if any) to QEMU as the named fds "lease-TARGET"
 * (".K" for the K-th after it); the caller's copies still hold them until
 * vm_leaseset_release(). Under sanlock they are released here and taken
 * for QEMU's pid instead (vm_lease_hand_to): held by QEMU alone, they go
 * when it dies. */
int vm_hotplug_hand_over(struct vm_hotplug *op, const char *target, struct vm_leaseset *held,
			 bool *passed, struct vm_error *err);

/* Closes the named fds of TARGET's leases 0..N-1 in QEMU; 0 if it had the first. */
int vm_hotplug_close_leases(struct vm_hotplug *op, const char *target, size_t n,
			    struct vm_error *err);

/*
 * Takes QEMU's lease on RESOURCE (MODE) over into HELD, so that it stays
 * held while QEMU closes its fd, until HELD is released; HELD stays
 * empty when there is none to take (nop, QEMU gone).
 */
int vm_hotplug_take_lease(struct vm_hotplug *op, const char *resource, enum vm_lease_mode mode,
			  struct vm_leaseset *held, struct vm_error *err);

/*
 * Once QEMU no longer uses the disk of record I: takes its lease away
 * from QEMU and gives the disk back. A file that another record still
 * uses keeps its label for that one, and its lease in QEMU unless that
 * record is PENDING (SIZE_MAX for none): a medium being inserted, whose
 * lease vm-attach still holds and QEMU does not have yet.
 */
int vm_hotplug_release(struct vm_hotplug *op, size_t i, size_t pending, struct vm_error *err);

/*
 * Undoes the last record's QEMU side (NODES block nodes, the named
 * lease fd) and gives its disk back under the lease that HELD still
 * holds, taken back from QEMU's pid first when it was handed there.
 * When QEMU refuses a step, or no longer holds a handed lease (it died),
 * the disk stays recorded, and QEMU keeps what it holds, for a later
 * detach or vm-stop to finish.
 */
void vm_hotplug_unwind(struct vm_hotplug *op, const char *target, int nodes, bool passed,
		       struct vm_leaseset *held);

#endif
