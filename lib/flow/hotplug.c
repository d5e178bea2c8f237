#include "hotplug.h"
#include "cleanup.h"
#include "exitcodes.h"
#include "hooks.h"
#include "image.h"
#include "holders.h"
#include "lock.h"
#include "disk.h"
#include "qmp.h"
#include "disks.h"
#include "rundir.h"
#include "status.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define QMP_TIMEOUT_MS 10000
/* QMP arguments are mostly strings */
#define S(s) json_object_new_string(s)

/* QMP */

int
vm_hotplug_qmp(struct vm_hotplug *op, const char *cmd, json_object *a, json_object **ret,
	       struct vm_error *err)
{
	int r = vm_qmp_command(op->qmp, cmd, a, QMP_TIMEOUT_MS, ret, err);

	json_object_put(a);
	return r;
}

/* Where a new device goes */

/*
 * The first pcie-root-port (id "pci.N", made by vm-start) that nothing
 * recorded uses: a hotplugged disk's or NIC's record names its port from
 * before device_add until its device is gone, and so does a hotplugged scsi0.
 * A port that a boot-time device has by its <address> is busy from the start. Asking QEMU instead
 * would cost two QMP round trips, and QEMU reads commands one byte at a time.
 */
static int
free_root_port(struct vm_hotplug *op, const char *target, char bus[16], struct vm_error *err)
{
	for (unsigned n = 1; n <= op->st->root_ports; n++) {
		char id[16];
		bool used;

		snprintf(id, sizeof(id), "pci.%u", n);
		used = op->st->busy_ports[n] || strcmp(op->st->scsi_bus, id) == 0;
		for (size_t i = 0; !used && i < op->st->ndisks; i++)
			used = strcmp(op->st->disks[i].bus, id) == 0;
		for (size_t i = 0; !used && i < op->st->nifaces; i++)
			used = strcmp(op->st->ifaces[i].bus, id) == 0;
		if (!used) {
			strcpy(bus, id);
			return 0;
		}
	}
	return vm_error_set(err, VM_EXIT_NO,
			    "no free pcie-root-port in domain '%s' for '%s' (reserve more with <controller type='pci' model='pcie-root-port'/> and restart it)",
			    op->name, target);
}

int
vm_hotplug_pci_bus(struct vm_hotplug *op, const char *target, char bus[16], struct vm_error *err)
{
	if (op->st->root_ports > 0)
		return free_root_port(op, target, bus, err);
	snprintf(bus, 16, "pci.0");
	if (!op->st->acpi)
		return vm_error_set(err, VM_EXIT_NO,
				    "domain '%s' cannot hotplug '%s' into pci.0: its machine 'pc' needs <features><acpi/></features>",
				    op->name, target);
	return 0;
}

int
vm_hotplug_unplug(struct vm_hotplug *op, const char *target, const char *what, bool *had,
		  struct vm_error *err)
{
	int timeout = op->opts->timeout_s;

	*had = true;
	if (vm_hotplug_qmp(op, "device_del", vm_qmp_json("id", S(target), NULL), NULL, err) < 0) {
		/* no device of that id: the one round trip that asks */
		if (!strstr(err->msg, ": qemu: DeviceNotFound: "))
			return -1;
		vm_error_clear(err);
		*had = false;
		return 0;
	}
	/* SCSI devices go at once; PCI ones wait for the guest (ACPI or PCIe hotplug) */
	if (vm_qmp_wait_event(op->qmp, "DEVICE_DELETED", "device", target, timeout * 1000, NULL,
			      err) < 0) {
		if (err->code == VM_EXIT_NO)
			return vm_error_set(err, VM_EXIT_NO,
					    "the guest of domain '%s' did not release %s '%s' within %d s; it stays attached",
					    op->name, what, target, timeout);
		return -1;
	}
	vm_hook("attach:unplugged");
	return 0;
}

/* Block nodes */

int
vm_hotplug_block_nodes(struct vm_hotplug *op, const char *target, unsigned *nodes,
		       struct vm_error *err)
{
	json_object *ret = NULL;
	char fmtname[32], filename[32];

	*nodes = 0;
	vm_disk_node_names(target, fmtname, filename);
	if (vm_hotplug_qmp(op, "query-named-block-nodes",
			   vm_qmp_json("flat", json_object_new_boolean(true), NULL), &ret, err) < 0)
		return -1;
	for (size_t i = 0; i < vm_qmp_array_len(ret); i++) {
		const char *n = vm_qmp_member(json_object_array_get_idx(ret, i), "node-name");

		if (strcmp(n, fmtname) == 0)
			*nodes |= 1;
		else if (strcmp(n, filename) == 0)
			*nodes |= 2;
	}
	json_object_put(ret);
	return 0;
}

int
vm_hotplug_delete_nodes(struct vm_hotplug *op, const char *target, struct vm_error *err)
{
	json_object *ret = NULL;
	/* a copy_on_read filter first, then each file's two nodes */
	char names[1 + 2 * (VM_IMAGE_BACKING_MAX + 1)][32];
	bool have[1 + 2 * (VM_IMAGE_BACKING_MAX + 1)] = { false };
	size_t n = sizeof(names) / sizeof(names[0]);

	vm_disk_cor_name(target, names[0]);
	for (size_t k = 0; k < n / 2; k++)
		vm_disk_layer_names(target, k, names[1 + 2 * k], names[2 + 2 * k]);
	if (vm_hotplug_qmp(op, "query-named-block-nodes",
			   vm_qmp_json("flat", json_object_new_boolean(true), NULL), &ret, err) < 0)
		return vm_error_prefix(err, "cannot remove the block nodes of '%s'", target);
	for (size_t i = 0; i < vm_qmp_array_len(ret); i++) {
		const char *node = vm_qmp_member(json_object_array_get_idx(ret, i), "node-name");

		for (size_t j = 0; j < n; j++)
			have[j] |= strcmp(node, names[j]) == 0;
	}
	json_object_put(ret);
	/* users before what they use: format node, its file, then the next file down */
	for (size_t j = 0; j < n; j++)
		if (have[j] &&
		    vm_hotplug_qmp(op, "blockdev-del", vm_qmp_json("node-name", S(names[j]), NULL),
				   NULL, err) < 0)
			return vm_error_prefix(err, "cannot remove the block nodes of '%s'",
					       target);
	return 0;
}

/*
 * Gives QEMU the fd of file K of IMG in a new fd set (QEMU picks its
 * number) and returns the "/dev/fdset/N" that opens it. QEMU 7.2 closes
 * the fds of a set that nothing has opened when the last QMP client
 * leaves, but keeps a set while a node holds a dup of it; the node is
 * added before we leave.
 */
static int
pass_image(struct vm_hotplug *op, const char *filenode, int fd, char filename[32],
	   struct vm_error *err)
{
	json_object *a = vm_qmp_json("opaque", S(filenode), NULL), *ret = NULL, *id = NULL;
	int r = vm_qmp_command_fd(op->qmp, "add-fd", a, fd, QMP_TIMEOUT_MS, &ret, err);

	json_object_put(a);
	if (r == 0 && (!json_object_object_get_ex(ret, "fdset-id", &id) ||
		       !json_object_is_type(id, json_type_int)))
		r = vm_error_set(err, VM_EXIT_SYSTEM, "qemu's reply to 'add-fd' has no fdset-id");
	if (r == 0)
		snprintf(filename, 32, "/dev/fdset/%lld", (long long)json_object_get_int64(id));
	json_object_put(ret);
	return r;
}

int
vm_hotplug_add_nodes(struct vm_hotplug *op, const struct vm_disk *d, const struct vm_image *img,
		     int *added, struct vm_error *err)
{
	for (size_t k = img->n; k-- > 0;) {
		char fmtname[32], filenode[32], filename[32];
		json_object *proto, *fmt;

		vm_disk_layer_names(d->target, k, fmtname, filenode);
		if (pass_image(op, filenode, img->v[k].fd, filename, err) < 0)
			return -1;
		vm_disk_blockdev_json(d, img, k, filename, &proto, &fmt);
		if (vm_hotplug_qmp(op, "blockdev-add", proto, NULL, err) < 0) {
			json_object_put(fmt);
			return -1;
		}
		(*added)++;
		if (vm_hotplug_qmp(op, "blockdev-add", fmt, NULL, err) < 0)
			return -1;
		(*added)++;
	}
	if (d->copy_on_read &&
	    vm_hotplug_qmp(op, "blockdev-add", vm_disk_cor_json(d), NULL, err) < 0)
		return -1;
	*added += d->copy_on_read;
	return 0;
}

/* Leases, labels and status records */

/* The name of the fd that holds lease K of TARGET in QEMU. */
static void
lease_name(const char *target, size_t k, char name[48])
{
	if (k == 0)
		snprintf(name, 48, "lease-%s", target);
	else
		snprintf(name, 48, "lease-%s.%zu", target, k);
}

/*
 * Hands a lease to QEMU as the named fd "lease-TARGET" (".K" for the
 * K-th after it: the leases of vm_disks_acquire(), in its order). getfd,
 * not add-fd: QEMU 7.2 closes fdset fds it has not dup'ed once the last
 * QMP client disconnects, while named fds stay until closefd or exit.
 */
static int
pass_lease(struct vm_hotplug *op, const char *target, size_t k, int fd, struct vm_error *err)
{
	char name[48];
	json_object *a;
	int r;

	lease_name(target, k, name);
	a = vm_qmp_json("fdname", S(name), NULL);
	r = vm_qmp_command_fd(op->qmp, "getfd", a, fd, QMP_TIMEOUT_MS, NULL, err);
	json_object_put(a);
	return r;
}

/* How many leases vm_disks_acquire() took for REC: a path and an
 * identity lease per file. */
static size_t
lease_count(const struct vm_status_disk *rec)
{
	size_t n = 0;

	for (size_t k = 0; k <= rec->nbacking; k++) {
		const struct vm_status_disk *f = k ? &rec->backing[k - 1] : rec;

		n += f->lease + (f->identity != NULL);
	}
	return n;
}

int
vm_hotplug_close_leases(struct vm_hotplug *op, const char *target, size_t n, struct vm_error *err)
{
	struct vm_error ignored = VM_ERROR_INIT;
	char name[48];

	/* they were passed together: without the first, there are none */
	for (size_t k = 0; k < n; k++) {
		lease_name(target, k, name);
		if (vm_hotplug_qmp(op, "closefd", vm_qmp_json("fdname", S(name), NULL), NULL,
				   k ? &ignored : err) < 0 &&
		    k == 0)
			return -1;
	}
	return 0;
}

static int
hold(struct vm_lease *lease, void *arg, struct vm_error *err)
{
	return vm_leaseset_add(arg, lease, err);
}

/*
 * QEMU's lease on RESOURCE, taken over into HELD: with the file driver
 * the lock belongs to the open file description, so ours is QEMU's, and
 * it stays held once QEMU closes its fd (a named one, by closefd) until
 * we release it after the give-back; for a disk QEMU got at start-up,
 * whose inherited fd no QMP command can close, releasing unlocks it for
 * QEMU too, which keeps an fd without a lock. With none to take over
 * (nop, or QEMU gone) HELD stays empty.
 */
int
vm_hotplug_take_lease(struct vm_hotplug *op, const char *resource, enum vm_lease_mode mode,
		      struct vm_leaseset *held, struct vm_error *err)
{
	pid_t pid = vm_rundir_qemu_pid(op->dl->dirfd);

	if (pid <= 0)
		return 0;
	return vm_lease_take_over(op->ctx.lm, resource, mode, pid, hold, held, err);
}

/* Whether record R or one of its backing files is the file PATH, or
 * the file IDENTITY names (the same file by another name). */
static bool
rec_uses(const struct vm_status_disk *r, const char *path, const char *identity)
{
	for (size_t k = 0; k <= r->nbacking; k++) {
		const struct vm_status_disk *f = k ? &r->backing[k - 1] : r;

		if ((f->path && strcmp(f->path, path) == 0) ||
		    (identity && f->identity && strcmp(f->identity, identity) == 0))
			return true;
	}
	return false;
}

/*
 * Another record than I and SKIP uses a file of record I (one ISO in
 * two drives, by one name or two; one base image under two overlays).
 */
static bool
used(const struct vm_status *st, size_t i, size_t skip)
{
	const struct vm_status_disk *r = &st->disks[i];

	for (size_t j = 0; j < st->ndisks; j++) {
		if (j == i || j == skip || !r->path)
			continue;
		for (size_t k = 0; k <= r->nbacking; k++) {
			const struct vm_status_disk *f = k ? &r->backing[k - 1] : r;

			if (rec_uses(&st->disks[j], f->path, f->identity))
				return true;
		}
	}
	return false;
}

int
vm_hotplug_release(struct vm_hotplug *op, size_t i, size_t pending, struct vm_error *err)
{
	const struct vm_status_disk *rec = &op->st->disks[i];
	struct vm_error ignored = VM_ERROR_INIT;
	struct vm_leaseset held = { 0 };
	/* the label is the domain's, whichever record uses it */
	bool labelled = used(op->st, i, SIZE_MAX);
	/* a lease file in QEMU that another record's lease is on too (the
	 * pending record's is still ours): taking it over would unlock both */
	bool leased = used(op->st, i, pending);
	int r = 0;

	if (!rec->path)
		return 0;
	/* the leases pass to us before QEMU lets go of them */
	for (size_t k = 0; !leased && k <= rec->nbacking; k++) {
		const struct vm_status_disk *f = k ? &rec->backing[k - 1] : rec;
		enum vm_lease_mode mode = vm_disks_lease_mode(f);

		if (f->lease && (vm_hotplug_take_lease(op, f->path, mode, &held, err) < 0 ||
				 (f->identity &&
				  vm_hotplug_take_lease(op, f->identity, mode, &held, err) < 0))) {
			vm_leaseset_release(&held);
			return -1;
		}
	}
	/* no named fd: the leases came with QEMU's start */
	vm_hotplug_close_leases(op, rec->target, lease_count(rec), &ignored);
	vm_hook("attach:lease-dropped");
	if (!labelled) {
		r = vm_disks_giveback_held(&op->ctx, rec, &held, err);
		if (r == 0)
			vm_hook("attach:given-back");
	}
	vm_leaseset_release(&held);
	return r;
}

int
vm_hotplug_lease_and_label(struct vm_hotplug *op, const struct vm_disk *d, const char *bus,
			   struct vm_image *img, struct vm_leaseset *held, struct vm_error *err)
{
	struct vm_error ignored = VM_ERROR_INIT;
	struct vm_status_disk rec;
	int r;

	/* ours until vm_hotplug_hand_over(), after the record is written:
	 * killed before, we leave no lease that nothing records */
	r = vm_disks_acquire(&op->ctx, d, img, &rec, held, err);
	snprintf(rec.bus, sizeof(rec.bus), "%s", bus);
	if (r == 0)
		r = vm_status_add_disk(op->st, &rec, err);
	vm_status_disk_clear(&rec);
	if (r < 0) {
		vm_leaseset_release(held);
		vm_image_close(img);
		return -1;
	}
	vm_hook("attach:leased");
	if (vm_status_write(op->dl->dirfd, op->st, err) < 0)
		goto fail;
	vm_hook("attach:intent");
	if (vm_disks_label(&op->ctx, &op->st->disks[op->st->ndisks - 1], img, err) < 0)
		goto fail;
	/* owners kept here for file systems without xattrs */
	if (op->st->disks[op->st->ndisks - 1].has_owner &&
	    vm_status_write(op->dl->dirfd, op->st, err) < 0)
		goto fail;
	vm_hook("attach:labelled");
	return 0;

fail:
	vm_disks_giveback_held(&op->ctx, &op->st->disks[op->st->ndisks - 1], held, &ignored);
	vm_leaseset_release(held);
	vm_image_close(img);
	vm_status_remove_disk(op->st, op->st->ndisks - 1);
	vm_status_write(op->dl->dirfd, op->st, &ignored);
	return -1;
}

/*
 * The file driver's leases go to QEMU as named fds; sanlock's, which
 * belong to a registered process, are released here and taken for
 * QEMU's pid (vm_lease_hand_to).
 */
int
vm_hotplug_hand_over(struct vm_hotplug *op, const char *target, struct vm_leaseset *held,
		     bool *passed, struct vm_error *err)
{
	int r = 0;

	*passed = false;
	for (size_t k = 0; r == 0 && k < held->n; k++) {
		if (vm_lease_fd(held->v[k]) < 0) {
			r = vm_lease_hand_to(op->ctx.lm, held->v[k], op->st->pid, err);
			*passed |= r == 0;
			if (r > 0)
				r = 0;
			continue;
		}
		r = pass_lease(op, target, k, vm_lease_fd(held->v[k]), err);
		*passed |= r == 0;
	}
	if (*passed)
		vm_hook("attach:lease-passed");
	return r;
}

/* Whether HELD has a lease handed to QEMU's pid (vm_lease_hand_to). */
static bool
handed(const struct vm_leaseset *held)
{
	for (size_t k = 0; k < held->n; k++)
		if (vm_lease_pid(held->v[k]) && vm_lease_fd(held->v[k]) < 0)
			return true;
	return false;
}

/*
 * The leases of HELD that were handed to QEMU's pid, taken back, each
 * in place of its handed one: -1 when one cannot be (QEMU died, and
 * its leases went with it, or another host took one in between).
 */
static int
take_back_handed(struct vm_hotplug *op, struct vm_leaseset *held, struct vm_error *err)
{
	for (size_t k = 0; k < held->n; k++) {
		struct vm_lease *l = held->v[k];
		struct vm_leaseset one = { 0 };

		if (!vm_lease_pid(l) || vm_lease_fd(l) >= 0)
			continue;
		if (vm_lease_take_over(op->ctx.lm, vm_lease_resource(l), vm_lease_mode(l),
				       vm_lease_pid(l), hold, &one, err) < 0)
			return -1;
		if (one.n != 1) {
			vm_leaseset_release(&one);
			return vm_error_set(err, VM_EXIT_NO,
					    "qemu no longer holds the lease of '%s'",
					    vm_lease_resource(l));
		}
		/* QEMU's no more: nothing to let go of for it */
		vm_lease_keep(l);
		vm_lease_release(l);
		held->v[k] = one.v[0];
		free(one.v);
	}
	return 0;
}

void
vm_hotplug_unwind(struct vm_hotplug *op, const char *target, int nodes, bool passed,
		  struct vm_leaseset *held)
{
	struct vm_error ignored = VM_ERROR_INIT;
	size_t last = op->st->ndisks - 1;
	bool clean = true;

	if (nodes > 0 && vm_hotplug_delete_nodes(op, target, &ignored) < 0)
		clean = false;
	/* a lease lost in its hand-over (sanlock: taken elsewhere, and not
	 * back) may be another's now: the disk stays as it is, recorded */
	for (size_t k = 0; k < held->n; k++)
		clean &= vm_lease_held(held->v[k]);
	if (clean && passed && handed(held))
		clean = take_back_handed(op, held, &ignored) == 0;
	else if (clean && passed)
		clean = vm_hotplug_close_leases(op, target, lease_count(&op->st->disks[last]),
						&ignored) == 0;
	if (!clean) {
		/* QEMU may still have the disk: what it holds stays its own */
		vm_leaseset_keep(held);
		op->opts->warn("disk '%s' stays recorded in domain '%s'; 'vm-attach %s --detach %s' or vm-stop cleans it up",
			       target, op->name, op->name, target);
		return;
	}
	if (!used(op->st, last, SIZE_MAX))
		vm_disks_giveback_held(&op->ctx, &op->st->disks[last], held, &ignored);
	vm_status_remove_disk(op->st, last);
	vm_status_write(op->dl->dirfd, op->st, &ignored);
}

/* The frame of every call */

int
vm_hotplug_begin(struct vm_hotplug *op, const struct vm_paths *paths, const char *target,
		 struct vm_error *err)
{
	struct vm_label_ctx *l = &op->ctx.label;
	size_t len = target ? strspn(target, "abcdefghijklmnopqrstuvwxyz") : 1;

	/* device ids of other kinds (pci.1, scsi0, net0) are never disks */
	if (target && (target[len] || len == 0 || len > 25))
		return vm_error_set(err, VM_EXIT_INVALID, "invalid target '%s'", target);
	if (vm_rundir_lock(paths, op->name, false, -1, &op->dl, err) < 0)
		return -1;
	vm_hook("attach:locked");
	if (!vm_rundir_alive(op->dl->dirfd))
		return vm_error_set(err, VM_EXIT_NO, "domain '%s' is not running", op->name);
	if (vm_status_read(op->dl->dirfd, &op->st, err) < 0)
		return vm_error_prefix(err, "domain '%s'", op->name);
	if (op->st->state != VM_RUN_RUNNING)
		return vm_error_set(err, VM_EXIT_NO, "domain '%s' is not running (it is %s)",
				    op->name, vm_status_state_name(op->st->state));
	op->ctx.conf = op->conf;
	op->ctx.warn = op->opts->warn;
	op->ctx.labels = !paths->session && op->conf->dynamic_ownership && op->st->relabel;
	l->uuid = op->st->uuid;
	l->remember = op->conf->remember_owner;
	l->uid = op->st->uid;
	l->gid = op->st->gid;
	if (vm_lockmgr_open(op->conf, paths, &op->ctx.lm, err) < 0)
		return -1;
	vm_lockmgr_set_holders(op->ctx.lm, vm_holders_load);
	return vm_rundir_qmp_connect(op->dl->dirfd, QMP_TIMEOUT_MS, &op->qmp, err);
}

void
vm_hotplug_end(struct vm_hotplug *op)
{
	vm_qmp_close(op->qmp);
	vm_lockmgr_close(op->ctx.lm);
	vm_status_free(op->st);
	if (op->dl)
		vm_rundir_unlock(op->dl);
}
