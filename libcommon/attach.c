#include "attach.h"
#include "cleanup.h"
#include "exitcodes.h"
#include "hooks.h"
#include "lock.h"
#include "qemu_argv.h"
#include "qmp.h"
#include "run_disks.h"
#include "state.h"
#include "status.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <unistd.h>

#define QMP_SOCK "qmp.sock"
#define QMP_TIMEOUT_MS 10000
#define DISK_XML_MAX (64 * 1024)
#define SCSI_TARGETS 256	/* as in qemu_argv.c: virtio-scsi's max_target is 255 */
#define SCSI_CONTROLLER "scsi0"

/* One vm-attach call on a locked, running domain. */
struct op {
	const struct vm_conf *conf;
	const struct vm_attach_opts *opts;
	const char *name;
	struct vm_domlock *dl;
	struct vm_status *st;
	struct vm_disk_ctx ctx;
	struct vm_qmp *qmp;
};

/* Disks from the command line and from <disk> files */

int
vm_attach_disk_from_args(const struct vm_attach_args *a, struct vm_disk *d,
			 struct vm_error *err)
{
	const char *t = a->target;
	size_t len = strspn(t, "abcdefghijklmnopqrstuvwxyz");
	bool vd = strncmp(t, "vd", 2) == 0;
	struct stat st;

	memset(d, 0, sizeof(*d));
	if (t[len] || len < 3 || len > 8 || (!vd && strncmp(t, "sd", 2) != 0))
		return vm_error_set(err, VM_EXIT_INVALID,
				    "invalid target '%s' (expected 3 to 8 letters a-z: vd* for virtio, sd* for scsi or sata)",
				    t);
	if (!a->bus)
		d->bus = vd ? VM_BUS_VIRTIO : VM_BUS_SCSI;
	else if (strcmp(a->bus, "virtio") == 0)
		d->bus = VM_BUS_VIRTIO;
	else if (strcmp(a->bus, "scsi") == 0)
		d->bus = VM_BUS_SCSI;
	else if (strcmp(a->bus, "sata") == 0)
		d->bus = VM_BUS_SATA;
	else
		return vm_error_set(err, VM_EXIT_INVALID,
				    "invalid bus '%s' (expected virtio, scsi or sata)", a->bus);
	if (vd != (d->bus == VM_BUS_VIRTIO))
		return vm_error_set(err, VM_EXIT_INVALID, "target '%s' does not fit bus '%s' (expected %s*)",
				    t, a->bus, vd ? "sd" : "vd");
	if (!a->format || strcmp(a->format, "raw") == 0)
		d->format = VM_FORMAT_RAW;
	else if (strcmp(a->format, "qcow2") == 0)
		d->format = VM_FORMAT_QCOW2;
	else
		return vm_error_set(err, VM_EXIT_INVALID, "invalid format '%s' (expected raw or qcow2)",
				    a->format);
	d->device = a->cdrom ? VM_DEVICE_CDROM : VM_DEVICE_DISK;
	if (a->cdrom && d->bus == VM_BUS_VIRTIO)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "cdrom '%s' cannot be on bus 'virtio' (use scsi)", t);
	if (stat(a->path, &st) < 0)
		return vm_error_sys(err, VM_EXIT_INVALID, errno, "cannot access disk '%s'", a->path);
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return vm_error_set(err, VM_EXIT_INVALID,
				    "disk '%s' is not a regular file or a block device", a->path);
	d->type = S_ISBLK(st.st_mode) ? VM_DISK_BLOCK : VM_DISK_FILE;
	d->readonly = a->readonly || a->cdrom;
	d->shareable = a->shareable;
	if (d->shareable && !d->readonly && d->format == VM_FORMAT_QCOW2)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "disk '%s' cannot be shareable and qcow2: two writers would corrupt its metadata",
				    a->path);
	d->cache = VM_CACHE_DEFAULT;
	d->relabel = true;
	d->source = strdup(a->path);
	d->target = strdup(t);
	if (!d->source || !d->target) {
		vm_disk_clear(d);
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot read disk '%s'", a->path);
	}
	return 0;
}

int
vm_attach_disk_load(const char *file, struct vm_disk *disk, struct vm_error *err)
{
	cleanup_close int fd = open(file, O_RDONLY | O_CLOEXEC);
	cleanup_free char *buf = malloc(DISK_XML_MAX + 1);
	size_t len = 0;
	ssize_t n;

	memset(disk, 0, sizeof(*disk));
	if (fd < 0)
		return vm_error_sys(err, VM_EXIT_INVALID, errno, "cannot open '%s'", file);
	if (!buf)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot read '%s'", file);
	while (len <= DISK_XML_MAX && (n = read(fd, buf + len, DISK_XML_MAX + 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vm_error_sys(err, VM_EXIT_INVALID, errno, "cannot read '%s'", file);
		len += n;
	}
	if (len > DISK_XML_MAX)
		return vm_error_set(err, VM_EXIT_INVALID, "cannot read '%s': larger than %d bytes",
				    file, DISK_XML_MAX);
	return vm_disk_parse(buf, len, file, disk, err);
}

/* QMP */

/* A JSON object of KEY, VALUE pairs up to a NULL key; the values are taken. */
static json_object *
args(const char *key, ...)
{
	json_object *o = json_object_new_object();
	va_list ap;

	va_start(ap, key);
	for (; key; key = va_arg(ap, const char *))
		json_object_object_add(o, key, va_arg(ap, json_object *));
	va_end(ap);
	return o;
}

#define S(s) json_object_new_string(s)

/* Sends CMD with ARGS, which it puts. */
static int
qmp(struct op *op, const char *cmd, json_object *a, json_object **ret, struct vm_error *err)
{
	int r = vm_qmp_command(op->qmp, cmd, a, QMP_TIMEOUT_MS, ret, err);

	json_object_put(a);
	return r;
}

/* The string member KEY of O, or "" */
static const char *
member(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return "";
	return json_object_get_string(v);
}

static size_t
array_len(json_object *a)
{
	return json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

/* Whether QEMU has a device with id ID: every device with an id is a
 * child of /machine/peripheral. */
static int
has_device(struct op *op, const char *id, bool *has, struct vm_error *err)
{
	json_object *ret = NULL;

	*has = false;
	if (qmp(op, "qom-list", args("path", S("/machine/peripheral"), NULL), &ret, err) < 0)
		return -1;
	for (size_t i = 0; i < array_len(ret); i++)
		if (strcmp(member(json_object_array_get_idx(ret, i), "name"), id) == 0)
			*has = true;
	json_object_put(ret);
	return 0;
}

/* Which of the block nodes of TARGET exist: bit 0 the format node, bit 1 the protocol node. */
static int
block_nodes(struct op *op, const char *target, unsigned *nodes, struct vm_error *err)
{
	json_object *ret = NULL;
	char fmtname[32], filename[32];

	*nodes = 0;
	vm_disk_node_names(target, fmtname, filename);
	if (qmp(op, "query-named-block-nodes", args("flat", json_object_new_boolean(true), NULL),
		&ret, err) < 0)
		return -1;
	for (size_t i = 0; i < array_len(ret); i++) {
		const char *n = member(json_object_array_get_idx(ret, i), "node-name");

		if (strcmp(n, fmtname) == 0)
			*nodes |= 1;
		else if (strcmp(n, filename) == 0)
			*nodes |= 2;
	}
	json_object_put(ret);
	return 0;
}

/* Deletes whatever block nodes of TARGET exist, the format node first. */
static int
delete_nodes(struct op *op, const char *target, struct vm_error *err)
{
	char fmtname[32], filename[32];
	unsigned nodes;

	vm_disk_node_names(target, fmtname, filename);
	if (block_nodes(op, target, &nodes, err) < 0 ||
	    ((nodes & 1) && qmp(op, "blockdev-del", args("node-name", S(fmtname), NULL), NULL, err) < 0) ||
	    ((nodes & 2) && qmp(op, "blockdev-del", args("node-name", S(filename), NULL), NULL, err) < 0))
		return vm_error_prefix(err, "cannot remove the block nodes of '%s'", target);
	return 0;
}

/*
 * Deletes both block nodes of TARGET, where they are expected to exist;
 * if QEMU refuses, deletes whichever exist.
 */
static int
delete_both_nodes(struct op *op, const char *target, struct vm_error *err)
{
	char fmtname[32], filename[32];

	vm_disk_node_names(target, fmtname, filename);
	if (qmp(op, "blockdev-del", args("node-name", S(fmtname), NULL), NULL, err) == 0 &&
	    qmp(op, "blockdev-del", args("node-name", S(filename), NULL), NULL, err) == 0)
		return 0;
	vm_error_clear(err);
	return delete_nodes(op, target, err);
}

/*
 * The query-block entry of the drive TARGET (the caller puts *DRIVE), or
 * NULL. Drives of devices with an id are named by it, virtio-blk's by
 * its backend.
 */
static int
find_drive(struct op *op, const char *target, json_object **drive, struct vm_error *err)
{
	json_object *ret = NULL;
	char vpath[64];

	*drive = NULL;
	snprintf(vpath, sizeof(vpath), "/machine/peripheral/%s/virtio-backend", target);
	if (qmp(op, "query-block", NULL, &ret, err) < 0)
		return -1;
	for (size_t i = 0; i < array_len(ret) && !*drive; i++) {
		json_object *b = json_object_array_get_idx(ret, i);
		const char *qdev = member(b, "qdev");

		if (strcmp(qdev, target) == 0 || strcmp(qdev, vpath) == 0)
			*drive = json_object_get(b);
	}
	json_object_put(ret);
	return 0;
}

/* The cdrom drive TARGET; *LOADED tells whether it has a medium. */
static int
find_cdrom(struct op *op, const char *target, bool *loaded, struct vm_error *err)
{
	json_object *drive = NULL, *v = NULL;
	bool removable;

	if (find_drive(op, target, &drive, err) < 0)
		return -1;
	if (!drive)
		return vm_error_set(err, VM_EXIT_NO, "domain '%s' has no cdrom '%s'", op->name, target);
	removable = json_object_object_get_ex(drive, "removable", &v) && json_object_get_boolean(v);
	*loaded = json_object_object_get_ex(drive, "inserted", NULL);
	json_object_put(drive);
	if (!removable)
		return vm_error_set(err, VM_EXIT_INVALID, "disk '%s' of domain '%s' is not a cdrom",
				    target, op->name);
	return 0;
}

/* The element child NAME of N, or NULL. */
static xmlNodePtr
child(xmlNodePtr n, const char *name)
{
	for (n = n ? n->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, BAD_CAST name) == 0)
			return n;
	return NULL;
}

/*
 * What QEMU was started with, from the domain in the status file, as
 * qemu_argv.c made its command line: the machine is q35 when its name
 * says so, and ACPI (which pc's pci.0 hotplug needs) is on with
 * <features><acpi/>.
 */
static bool
machine_is_q35(const struct op *op)
{
	xmlNodePtr root = op->st->domain_doc ? xmlDocGetRootElement(op->st->domain_doc) : NULL;
	xmlChar *m = xmlGetProp(child(child(root, "os"), "type"), BAD_CAST "machine");
	bool q35 = m && (xmlStrncmp(m, BAD_CAST "q35", 3) == 0 ||
			 xmlStrncmp(m, BAD_CAST "pc-q35", 6) == 0);

	xmlFree(m);
	return q35;
}

static bool
has_acpi(const struct op *op)
{
	xmlNodePtr root = op->st->domain_doc ? xmlDocGetRootElement(op->st->domain_doc) : NULL;

	return child(child(root, "features"), "acpi") != NULL;
}

/*
 * The first pcie-root-port (id "pci.N", made by vm-start) that has
 * nothing plugged in. A port whose device the guest has not yet
 * released still counts as used.
 */
static int
free_root_port(struct op *op, const char *target, char bus[32], struct vm_error *err)
{
	json_object *ret = NULL;
	long best = -1;

	if (qmp(op, "query-pci", NULL, &ret, err) < 0)
		return -1;
	for (size_t b = 0; b < array_len(ret); b++) {
		json_object *devs = json_object_object_get(json_object_array_get_idx(ret, b), "devices");

		for (size_t i = 0; i < array_len(devs); i++) {
			json_object *d = json_object_array_get_idx(devs, i), *br = NULL;
			const char *id = member(d, "qdev_id");
			char *end;
			long n;

			if (strncmp(id, "pci.", 4) != 0 ||
			    !json_object_object_get_ex(d, "pci_bridge", &br) ||
			    array_len(json_object_object_get(br, "devices")) > 0)
				continue;
			n = strtol(id + 4, &end, 10);
			if (!*end && n > 0 && (best < 0 || n < best))
				best = n;
		}
	}
	json_object_put(ret);
	if (best < 0)
		return vm_error_set(err, VM_EXIT_NO,
				    "no free pcie-root-port in domain '%s' for '%s' (reserve more with <controller type='pci' model='pcie-root-port'/> and restart it)",
				    op->name, target);
	snprintf(bus, 32, "pci.%ld", best);
	return 0;
}

/*
 * The bus for a new PCI device. On pc, hotplug into pci.0 needs ACPI:
 * without it the bus has no hotplug handler, and we say so rather than
 * pass on QEMU's error after the disk was already labelled.
 */
static int
pci_bus(struct op *op, const char *target, char bus[32], struct vm_error *err)
{
	if (machine_is_q35(op))
		return free_root_port(op, target, bus, err);
	snprintf(bus, 32, "pci.0");
	if (!has_acpi(op))
		return vm_error_set(err, VM_EXIT_NO,
				    "domain '%s' cannot hotplug '%s' into pci.0: its machine 'pc' needs <features><acpi/></features>",
				    op->name, target);
	return 0;
}

/* Mirrors the -device of qemu_argv.c for a disk on BUS. */
static json_object *
device_json(const struct vm_disk *d, const char *bus)
{
	bool cdrom = d->device == VM_DEVICE_CDROM;
	bool wc = d->cache != VM_CACHE_WRITETHROUGH && d->cache != VM_CACHE_DIRECTSYNC;
	char fmtname[32], filename[32];
	json_object *o;

	vm_disk_node_names(d->target, fmtname, filename);
	if (d->bus == VM_BUS_VIRTIO)
		o = args("driver", S("virtio-blk-pci"), "bus", S(bus), NULL);
	else
		o = args("driver", S(cdrom ? "scsi-cd" : "scsi-hd"), "bus", S(SCSI_CONTROLLER ".0"),
			 "scsi-id", json_object_new_int64(vm_disk_index(d->target)),
			 "lun", json_object_new_int(0), NULL);
	if (d->source)
		json_object_object_add(o, "drive", S(fmtname));
	json_object_object_add(o, "id", S(d->target));
	if (d->serial)
		json_object_object_add(o, "serial", S(d->serial));
	if (d->source && d->shareable && d->format == VM_FORMAT_RAW)
		json_object_object_add(o, "share-rw", json_object_new_boolean(true));
	if (d->source && !cdrom)
		json_object_object_add(o, "write-cache", S(wc ? "on" : "off"));
	return o;
}

/* blockdev-add of both nodes of D; *ADDED counts those that exist. */
static int
add_nodes(struct op *op, const struct vm_disk *d, int *added, struct vm_error *err)
{
	json_object *proto, *fmt;

	vm_disk_blockdev_json(d, &proto, &fmt);
	if (qmp(op, "blockdev-add", proto, NULL, err) < 0) {
		json_object_put(fmt);
		return -1;
	}
	(*added)++;
	if (qmp(op, "blockdev-add", fmt, NULL, err) < 0)
		return -1;
	(*added)++;
	return 0;
}

/*
 * Hands a lease to QEMU as the named fd "lease-TARGET". getfd, not
 * add-fd: QEMU 7.2 closes fdset fds it has not dup'ed once the last QMP
 * client disconnects, while named fds stay until closefd or exit.
 */
static int
pass_lease(struct op *op, const char *target, int fd, struct vm_error *err)
{
	char name[48];
	json_object *a;
	int r;

	snprintf(name, sizeof(name), "lease-%s", target);
	a = args("fdname", S(name), NULL);
	r = vm_qmp_command_fd(op->qmp, "getfd", a, fd, QMP_TIMEOUT_MS, NULL, err);
	json_object_put(a);
	return r;
}

static int
close_lease(struct op *op, const char *target, struct vm_error *err)
{
	char name[48];

	snprintf(name, sizeof(name), "lease-%s", target);
	return qmp(op, "closefd", args("fdname", S(name), NULL), NULL, err);
}

/*
 * A disk given to QEMU at start-up holds its lease through an fd QEMU
 * inherited, which no QMP command can close. The lock belongs to the
 * open file description, so a copy of QEMU's fd taken with
 * pidfd_getfd() unlocks it for QEMU too; QEMU keeps an fd without a
 * lock. Only the file lock driver has such fds.
 */
static int
drop_inherited_lease(struct op *op, const char *resource, struct vm_error *err)
{
	struct flock unlock = { .l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };
	const char *space = vm_lockmgr_space(op->ctx.lm);
	cleanup_free char *lease = NULL;
	cleanup_close int pidfd = -1;
	char hash[65], dir[64];
	struct dirent *e;
	struct stat want, st;
	pid_t pid;
	DIR *d;
	int r = 0;

	if (!space || (pid = vm_state_qemu_pid(op->dl->dirfd)) <= 0)
		return 0;
	vm_lease_hash(resource, hash);
	if (asprintf(&lease, "%s/%s", space, hash) < 0) {
		lease = NULL;
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot drop qemu's lease on '%s'", resource);
	}
	if (stat(lease, &want) < 0)
		return errno == ENOENT ? 0 : vm_error_sys(err, VM_EXIT_SYSTEM, errno,
							  "cannot drop qemu's lease on '%s'", resource);
	pidfd = pidfd_open(pid, 0);
	if (pidfd < 0)
		return errno == ESRCH ? 0 : vm_error_sys(err, VM_EXIT_SYSTEM, errno,
							 "cannot drop qemu's lease on '%s'", resource);
	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	if (!d)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot drop qemu's lease on '%s'", resource);
	while (r == 0 && (e = readdir(d))) {
		int fd;

		if (e->d_name[0] == '.' || fstatat(dirfd(d), e->d_name, &st, 0) < 0 ||
		    st.st_dev != want.st_dev || st.st_ino != want.st_ino)
			continue;
		/* only the fds on the lease file are copied out of QEMU */
		fd = pidfd_getfd(pidfd, atoi(e->d_name), 0);
		if (fd < 0) {
			/* closed meanwhile, or QEMU has exited and its lease with it */
			if (errno != EBADF && errno != ESRCH)
				r = vm_error_sys(err, VM_EXIT_SYSTEM, errno,
						 "cannot drop qemu's lease on '%s'", resource);
			continue;
		}
		if (fstat(fd, &st) == 0 && st.st_dev == want.st_dev && st.st_ino == want.st_ino &&
		    fcntl(fd, F_OFD_SETLK, &unlock) < 0)
			r = vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot drop qemu's lease on '%s'",
					 resource);
		close(fd);
	}
	closedir(d);
	return r;
}

/* Another record than I names the same file (one ISO in two drives). */
static bool
path_shared(const struct vm_status *st, size_t i)
{
	for (size_t j = 0; j < st->ndisks; j++)
		if (j != i && st->disks[i].path && st->disks[j].path &&
		    strcmp(st->disks[i].path, st->disks[j].path) == 0)
			return true;
	return false;
}

/*
 * Once QEMU no longer uses the disk of record I: takes its lease away
 * from QEMU and gives the disk back. A file that another record still
 * uses keeps its lease and label for that one.
 */
static int
release(struct op *op, size_t i, struct vm_error *err)
{
	const struct vm_status_disk *rec = &op->st->disks[i];
	struct vm_error ignored = VM_ERROR_INIT;
	bool shared = path_shared(op->st, i);

	if (!rec->path)
		return 0;
	/* no named fd: the lease came with QEMU's start */
	if (close_lease(op, rec->target, &ignored) < 0 && rec->lease && !shared &&
	    drop_inherited_lease(op, rec->path, err) < 0)
		return -1;
	vm_hook("attach:lease-dropped");
	if (shared)
		return 0;
	if (vm_disk_giveback(&op->ctx, rec, err) < 0)
		return -1;
	vm_hook("attach:given-back");
	return 0;
}

static void
drop_record(struct vm_status *st, size_t i)
{
	free(st->disks[i].target);
	free(st->disks[i].path);
	memmove(&st->disks[i], &st->disks[i + 1], (st->ndisks - i - 1) * sizeof(*st->disks));
	st->ndisks--;
}

static int
record_index(const struct vm_status *st, const char *target, size_t *i)
{
	for (*i = 0; *i < st->ndisks; (*i)++)
		if (strcmp(st->disks[*i].target, target) == 0)
			return 0;
	return -1;
}

/*
 * Takes the lease of D and labels it, with the record (last in the
 * status) written first. On failure nothing is left but the error.
 */
static int
lease_and_label(struct op *op, const struct vm_disk *d, struct vm_leaseset *held,
		struct vm_error *err)
{
	struct vm_error ignored = VM_ERROR_INIT;
	struct vm_status_disk rec;
	int r;

	r = vm_disk_acquire(&op->ctx, d, &rec, held, err);
	if (r == 0)
		r = vm_status_add_disk(op->st, &rec, err);
	free(rec.path);
	if (r < 0) {
		vm_leaseset_release(held);
		return -1;
	}
	vm_hook("attach:leased");
	if (vm_status_write(op->dl->dirfd, op->st, err) < 0)
		goto fail;
	vm_hook("attach:intent");
	if (vm_disk_label(&op->ctx, &op->st->disks[op->st->ndisks - 1], err) < 0)
		goto fail;
	/* owners kept here for file systems without xattrs */
	if (op->st->disks[op->st->ndisks - 1].has_owner &&
	    vm_status_write(op->dl->dirfd, op->st, err) < 0)
		goto fail;
	vm_hook("attach:labelled");
	return 0;

fail:
	vm_leaseset_release(held);
	vm_disk_giveback(&op->ctx, &op->st->disks[op->st->ndisks - 1], &ignored);
	drop_record(op->st, op->st->ndisks - 1);
	vm_status_write(op->dl->dirfd, op->st, &ignored);
	return -1;
}

/* Hands the lease in HELD (if any) to QEMU and lets go of ours. */
static int
hand_over(struct op *op, const char *target, struct vm_leaseset *held, bool *passed,
	  struct vm_error *err)
{
	int r = 0;

	*passed = false;
	if (held->n > 0 && vm_lease_fd(held->v[0]) >= 0) {
		r = pass_lease(op, target, vm_lease_fd(held->v[0]), err);
		*passed = r == 0;
	}
	vm_leaseset_release(held);
	if (*passed)
		vm_hook("attach:lease-passed");
	return r;
}

/*
 * Undoes the last record's QEMU side (NODES block nodes, the named
 * lease fd) and gives its disk back. When QEMU refuses a step the disk
 * stays recorded, for a later detach or vm-stop to finish.
 */
static void
unwind(struct op *op, const char *target, int nodes, bool passed)
{
	struct vm_error ignored = VM_ERROR_INIT;
	size_t last = op->st->ndisks - 1;
	bool clean = true;

	if (nodes > 0 && delete_nodes(op, target, &ignored) < 0)
		clean = false;
	if (clean && passed && close_lease(op, target, &ignored) < 0)
		clean = false;
	if (!clean) {
		op->opts->warn("disk '%s' stays recorded in domain '%s'; 'vm-attach %s --detach %s' or vm-stop cleans it up",
			       target, op->name, op->name, target);
		return;
	}
	if (!path_shared(op->st, last))
		vm_disk_giveback(&op->ctx, &op->st->disks[last], &ignored);
	drop_record(op->st, last);
	vm_status_write(op->dl->dirfd, op->st, &ignored);
}

/* Attach */

static int
check_hotplug(struct op *op, const struct vm_disk *d, struct vm_error *err)
{
	if (d->bus == VM_BUS_SATA)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "cannot hotplug '%s' on bus 'sata': qemu's ahci controller does not support hotplug (use scsi or virtio)",
				    d->target);
	if (d->bus == VM_BUS_SCSI &&
	    (vm_disk_index(d->target) < 0 || vm_disk_index(d->target) >= SCSI_TARGETS))
		return vm_error_set(err, VM_EXIT_INVALID, "scsi disk '%s' has no free target",
				    d->target);
	return 0;
}

/*
 * A target is in use while it has a record. Every disk device and block
 * node QEMU has came from vmkit, which records a disk (at start, or
 * before its hotplug) until its device and nodes are gone; should QEMU
 * have one all the same, blockdev-add or device_add fails and the
 * attach is undone.
 */
static int
check_target_free(struct op *op, const char *target, struct vm_error *err)
{
	if (vm_status_find_disk(op->st, target))
		return vm_error_set(err, VM_EXIT_NO, "target '%s' is already in use in domain '%s'",
				    target, op->name);
	return 0;
}

static int
attach_locked(struct op *op, const struct vm_disk *d, struct vm_error *err)
{
	struct vm_leaseset held = { 0 };
	char bus[32] = "", ctlbus[32] = "";
	bool scsi_ctl = true, passed = false;
	int nodes = 0;

	if (check_hotplug(op, d, err) < 0 || check_target_free(op, d->target, err) < 0)
		return -1;
	if (d->bus == VM_BUS_SCSI && has_device(op, SCSI_CONTROLLER, &scsi_ctl, err) < 0)
		return -1;
	if ((d->bus == VM_BUS_VIRTIO && pci_bus(op, d->target, bus, err) < 0) ||
	    (!scsi_ctl && pci_bus(op, d->target, ctlbus, err) < 0))
		return -1;
	if (lease_and_label(op, d, &held, err) < 0)
		return -1;
	/* like libvirt, a scsi controller comes when needed and stays */
	if (!scsi_ctl && qmp(op, "device_add", args("driver", S("virtio-scsi-pci"),
			     "id", S(SCSI_CONTROLLER), "bus", S(ctlbus), NULL), NULL, err) < 0)
		goto fail;
	if (hand_over(op, d->target, &held, &passed, err) < 0)
		goto fail;
	if (d->source && add_nodes(op, d, &nodes, err) < 0)
		goto fail;
	vm_hook("attach:blockdev-added");
	if (qmp(op, "device_add", device_json(d, bus), NULL, err) < 0)
		goto fail;
	vm_hook("attach:device-added");
	vm_state_log(op->dl->dirfd, "attached '%s' to domain '%s' as '%s'",
		     d->source ? d->source : "an empty cdrom", op->name, d->target);
	return 0;

fail:
	vm_leaseset_release(&held);
	unwind(op, d->target, nodes, passed);
	return vm_error_prefix(err, "cannot attach '%s' to domain '%s'", d->target, op->name);
}

/* Detach */

/* Unplugs the device TARGET; *HAD tells whether QEMU had it. */
static int
unplug(struct op *op, const char *target, bool *had, struct vm_error *err)
{
	int timeout = op->opts->timeout_s;

	*had = true;
	if (qmp(op, "device_del", args("id", S(target), NULL), NULL, err) < 0) {
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
					    "the guest of domain '%s' did not release disk '%s' within %d s; it stays attached",
					    op->name, target, timeout);
		return -1;
	}
	vm_hook("attach:unplugged");
	return 0;
}

static int
detach_locked(struct op *op, const char *target, struct vm_error *err)
{
	unsigned nodes = 0;
	bool had;
	size_t i;
	bool recorded = record_index(op->st, target, &i) == 0;

	if (unplug(op, target, &had, err) < 0)
		return err->code == VM_EXIT_NO ? -1 :
		       vm_error_prefix(err, "cannot detach '%s' from domain '%s'", target, op->name);
	if (!recorded && !had && block_nodes(op, target, &nodes, err) < 0)
		return -1;
	if (!recorded && !had && !nodes)
		return vm_error_set(err, VM_EXIT_NO, "domain '%s' has no disk '%s'", op->name, target);
	/* a recorded disk with a file has both nodes, unless an attach was cut short */
	if (recorded && op->st->disks[i].path ? delete_both_nodes(op, target, err) < 0 :
	    delete_nodes(op, target, err) < 0)
		return -1;
	vm_hook("attach:blockdev-deleted");
	if (recorded) {
		if (release(op, i, err) < 0)
			return -1;
		vm_status_remove_disk(op->st, target);
		if (vm_status_write(op->dl->dirfd, op->st, err) < 0)
			return -1;
		vm_hook("attach:forgotten");
	}
	vm_state_log(op->dl->dirfd, "detached '%s' from domain '%s'", target, op->name);
	return 0;
}

/* Media change */

/* Removes the medium of the drive TARGET, gives back the one of record I (if any) and forgets it. */
static int
remove_medium(struct op *op, const char *target, bool loaded, const size_t *i,
	      struct vm_error *err)
{
	if (loaded &&
	    (qmp(op, "blockdev-open-tray", args("id", S(target), "force", json_object_new_boolean(true),
						 NULL), NULL, err) < 0 ||
	     qmp(op, "blockdev-remove-medium", args("id", S(target), NULL), NULL, err) < 0))
		return -1;
	vm_hook("attach:medium-removed");
	if (delete_nodes(op, target, err) < 0)
		return -1;
	vm_hook("attach:blockdev-deleted");
	if (i && release(op, *i, err) < 0)
		return -1;
	return 0;
}

static int
eject_locked(struct op *op, const char *target, struct vm_error *err)
{
	struct vm_status_disk *rec;
	bool loaded;
	size_t i;
	bool recorded = record_index(op->st, target, &i) == 0;

	if (find_cdrom(op, target, &loaded, err) < 0 ||
	    remove_medium(op, target, loaded, recorded ? &i : NULL, err) < 0)
		return -1;
	if (!recorded || !op->st->disks[i].path)
		return 0;
	rec = &op->st->disks[i];
	free(rec->path);
	*rec = (struct vm_status_disk){ .target = rec->target };
	if (vm_status_write(op->dl->dirfd, op->st, err) < 0)
		return -1;
	vm_hook("attach:forgotten");
	vm_state_log(op->dl->dirfd, "ejected the medium of '%s' in domain '%s'", target, op->name);
	return 0;
}

static int
insert_locked(struct op *op, const struct vm_disk *d, struct vm_error *err)
{
	struct vm_leaseset held = { 0 };
	const char *target = d->target;
	char fmtname[32], filename[32];
	bool loaded, passed = false;
	int nodes = 0;
	size_t old;
	bool recorded = record_index(op->st, target, &old) == 0;

	vm_disk_node_names(target, fmtname, filename);
	if (find_cdrom(op, target, &loaded, err) < 0)
		return -1;
	/* the new medium is leased and labelled while the old one is still in */
	if (lease_and_label(op, d, &held, err) < 0)
		return -1;
	if (loaded || recorded) {
		if (remove_medium(op, target, loaded, recorded ? &old : NULL, err) < 0)
			goto fail;
		if (recorded)
			drop_record(op->st, old);
		if (vm_status_write(op->dl->dirfd, op->st, err) < 0)
			goto fail;
		vm_hook("attach:forgotten");
	}
	if (hand_over(op, target, &held, &passed, err) < 0 || add_nodes(op, d, &nodes, err) < 0)
		goto fail;
	vm_hook("attach:blockdev-added");
	if (qmp(op, "blockdev-open-tray", args("id", S(target), "force", json_object_new_boolean(true),
					       NULL), NULL, err) < 0 ||
	    qmp(op, "blockdev-insert-medium", args("id", S(target), "node-name", S(fmtname), NULL), NULL, err) < 0)
		goto fail;
	vm_hook("attach:medium-inserted");
	if (qmp(op, "blockdev-close-tray", args("id", S(target), NULL), NULL, err) < 0)
		goto fail;
	vm_state_log(op->dl->dirfd, "inserted '%s' into '%s' of domain '%s'", d->source, target,
		     op->name);
	return 0;

fail:
	vm_leaseset_release(&held);
	unwind(op, target, nodes, passed);
	return vm_error_prefix(err, "cannot insert '%s' into '%s'", d->source, target);
}

/* The frame of every call */

/* Whether the domain's <seclabel> lets vmkit relabel disks (as domain.c reads it). */
static bool
seclabel_relabels(xmlDocPtr doc)
{
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;

	for (xmlNodePtr n = root ? root->children : NULL; n; n = n->next) {
		xmlChar *type, *relabel;
		bool r = true;

		if (n->type != XML_ELEMENT_NODE || xmlStrcmp(n->name, BAD_CAST "seclabel") != 0)
			continue;
		type = xmlGetProp(n, BAD_CAST "type");
		relabel = xmlGetProp(n, BAD_CAST "relabel");
		if (type && xmlStrcmp(type, BAD_CAST "none") == 0)
			r = false;
		else if (type && xmlStrcmp(type, BAD_CAST "static") == 0)
			r = relabel && xmlStrcmp(relabel, BAD_CAST "yes") == 0;
		xmlFree(type);
		xmlFree(relabel);
		return r;
	}
	return true;
}

/* Who QEMU runs as, from the kernel: vmkit.conf may have changed since it started. */
static int
qemu_ids(struct op *op, uid_t *uid, gid_t *gid, struct vm_error *err)
{
	pid_t pid = vm_state_qemu_pid(op->dl->dirfd);
	unsigned u[2] = { 0 }, g[2] = { 0 };
	int found = 0;
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = pid > 0 ? fopen(path, "re") : NULL;
	while (f && fgets(line, sizeof(line), f)) {
		found += sscanf(line, "Uid: %u %u", &u[0], &u[1]) == 2;
		found += sscanf(line, "Gid: %u %u", &g[0], &g[1]) == 2;
	}
	if (f)
		fclose(f);
	if (found != 2)
		return vm_error_set(err, VM_EXIT_SYSTEM, "cannot tell which user qemu of domain '%s' runs as",
				    op->name);
	*uid = u[1];
	*gid = g[1];
	return 0;
}

static int
op_begin(struct op *op, const struct vm_paths *paths, struct vm_error *err)
{
	struct vm_label_ctx *l = &op->ctx.label;

	if (vm_state_lock(paths, op->name, false, -1, &op->dl, err) < 0)
		return -1;
	vm_hook("attach:locked");
	if (!vm_state_alive(op->dl->dirfd))
		return vm_error_set(err, VM_EXIT_NO, "domain '%s' is not running", op->name);
	if (vm_status_read(op->dl->dirfd, &op->st, err) < 0)
		return vm_error_prefix(err, "domain '%s'", op->name);
	if (op->st->state != VM_RUN_RUNNING)
		return vm_error_set(err, VM_EXIT_NO, "domain '%s' is not running (it is %s)", op->name,
				    vm_status_state_name(op->st->state));
	op->ctx.conf = op->conf;
	op->ctx.warn = op->opts->warn;
	op->ctx.labels = !paths->session && op->conf->dynamic_ownership &&
			 seclabel_relabels(op->st->domain_doc);
	l->uuid = op->st->uuid;
	l->remember = op->conf->remember_owner;
	if (op->ctx.labels && qemu_ids(op, &l->uid, &l->gid, err) < 0)
		return -1;
	if (vm_lockmgr_open(op->conf, paths, &op->ctx.lm, err) < 0)
		return -1;
	return vm_qmp_connect(op->dl->dirfd, QMP_SOCK, QMP_TIMEOUT_MS, &op->qmp, err);
}

static void
op_end(struct op *op)
{
	vm_qmp_close(op->qmp);
	vm_lockmgr_close(op->ctx.lm);
	vm_status_free(op->st);
	if (op->dl)
		vm_state_unlock(op->dl);
}

enum action { ATTACH, DETACH, EJECT, INSERT };

static int
run(enum action action, const struct vm_conf *conf, const struct vm_paths *paths,
    const char *name, const char *target, const struct vm_disk *disk,
    const struct vm_attach_opts *opts, struct vm_error *err)
{
	struct op op = { .conf = conf, .opts = opts, .name = name };
	size_t len = strspn(target, "abcdefghijklmnopqrstuvwxyz");
	int r;

	/* device ids of other kinds (pci.1, scsi0) are never disks */
	if (target[len] || len == 0 || len > 25)
		return vm_error_set(err, VM_EXIT_INVALID, "invalid target '%s'", target);
	r = op_begin(&op, paths, err);

	if (r == 0) {
		switch (action) {
		case ATTACH:
			r = attach_locked(&op, disk, err);
			break;
		case DETACH:
			r = detach_locked(&op, target, err);
			break;
		case EJECT:
			r = eject_locked(&op, target, err);
			break;
		case INSERT:
			r = insert_locked(&op, disk, err);
			break;
		}
	}
	op_end(&op);
	return r;
}

int
vm_attach_disk(const struct vm_conf *conf, const struct vm_paths *paths, const char *name,
	       const struct vm_disk *disk, const struct vm_attach_opts *opts,
	       struct vm_error *err)
{
	return run(ATTACH, conf, paths, name, disk->target, disk, opts, err);
}

int
vm_attach_detach(const struct vm_conf *conf, const struct vm_paths *paths, const char *name,
		 const char *target, const struct vm_attach_opts *opts, struct vm_error *err)
{
	return run(DETACH, conf, paths, name, target, NULL, opts, err);
}

int
vm_attach_eject(const struct vm_conf *conf, const struct vm_paths *paths, const char *name,
		const char *target, const struct vm_attach_opts *opts, struct vm_error *err)
{
	return run(EJECT, conf, paths, name, target, NULL, opts, err);
}

int
vm_attach_insert(const struct vm_conf *conf, const struct vm_paths *paths, const char *name,
		 const struct vm_disk *medium, const struct vm_attach_opts *opts,
		 struct vm_error *err)
{
	return run(INSERT, conf, paths, name, medium->target, medium, opts, err);
}
