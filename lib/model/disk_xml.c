/* The <disk> element, in a domain and alone (vm-attach); the rules are disk.c's. */
#include "devices.h"
#include "disk.h"
#include "cleanup.h"
#include "exitcodes.h"
#include "image.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A rule of disk.c broken at N: its message gets N's file, line and name. */
static int
at(struct vm_xmlcheck *x, xmlNodePtr n, int r)
{
	if (r == 0 || x->err->code != VM_EXIT_INVALID)
		return r;
	return vm_error_prefix(x->err, "%s:%ld: <%s>", x->file, vm_xmlcheck_line(n),
			       (const char *)n->name);
}

static const char *const device_names[] = {
	[VM_DEVICE_DISK] = "disk",
	[VM_DEVICE_CDROM] = "cdrom",
	[VM_DEVICE_FLOPPY] = "floppy",
};

static int
disk_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);
	struct vm_domain *dom = c->dom;
	struct vm_disk *d;

	if (vm_devices_streq(vm_xmlcheck_attr(n, "device"), "lun"))
		return vm_xmlcheck_error(x, n,
					 "device 'lun' (SCSI commands passed to the host's device) is not supported: use device='disk'");
	if (dom && !(c->disk = VM_DEVICES_APPEND(x, dom->disks, dom->ndisks)))
		return -1;
	d = c->disk;
	d->type = vm_devices_streq(vm_xmlcheck_attr(n, "type"), "block") ? VM_DISK_BLOCK
									 : VM_DISK_FILE;
	d->device = vm_devices_index(device_names, 3, vm_xmlcheck_attr(n, "device"));
	d->format = VM_FORMAT_RAW;
	d->cache = VM_CACHE_DEFAULT;
	d->relabel = true;
	d->line = (int)vm_xmlcheck_line(n);
	if (dom)
		VM_ADDRESS_EXPECT(c, n, disks, dom->ndisks - 1, addr,
				  VM_ADDRESS_TAKES(VM_ADDRESS_PCI) |
					  VM_ADDRESS_TAKES(VM_ADDRESS_DRIVE) |
					  VM_ADDRESS_TAKES(VM_ADDRESS_USB));
	return 0;
}

static const char *const cache_names[] = {
	[VM_CACHE_NONE] = "none",
	[VM_CACHE_WRITEBACK] = "writeback",
	[VM_CACHE_WRITETHROUGH] = "writethrough",
	[VM_CACHE_DIRECTSYNC] = "directsync",
	[VM_CACHE_UNSAFE] = "unsafe",
};

/* <driver>'s values, indexed by their enum (0, "not given", has none) */
static const char *const io_names[] = { NULL, "native", "threads", "io_uring" };
static const char *const discard_names[] = { NULL, "unmap", "ignore" };
static const char *const zeroes_names[] = { NULL, "off", "on", "unmap" };
static const char *const policy_names[] = { NULL, "stop", "report", "ignore", "enospace" };

#define INDEX(names, n, attr)                                                                      \
	vm_devices_index(names, sizeof(names) / sizeof(*names), vm_xmlcheck_attr(n, attr))

static int
driver_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_disk *d = vm_devices_ctx(x)->disk;

	if (vm_devices_streq(vm_xmlcheck_attr(n, "type"), "qcow2"))
		d->format = VM_FORMAT_QCOW2;
	d->cache = INDEX(cache_names, n, "cache");
	d->io = INDEX(io_names, n, "io");
	d->discard = INDEX(discard_names, n, "discard");
	d->detect_zeroes = INDEX(zeroes_names, n, "detect_zeroes");
	d->error_policy = INDEX(policy_names, n, "error_policy");
	d->rerror_policy = INDEX(policy_names, n, "rerror_policy");
	d->copy_on_read = vm_devices_streq(vm_xmlcheck_attr(n, "copy_on_read"), "on");
	return 0;
}

static int
source_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_disk *d = vm_devices_ctx(x)->disk;
	bool block = d->type == VM_DISK_BLOCK;
	const char *want = block ? "dev" : "file";
	const char *path = vm_xmlcheck_attr(n, want);

	if (vm_xmlcheck_attr(n, block ? "file" : "dev"))
		return vm_xmlcheck_error(x, n, "attribute '%s' does not fit a disk of type '%s'",
					 block ? "file" : "dev", block ? "block" : "file");
	if (!path)
		return vm_xmlcheck_error(x, n, "missing attribute '%s'", want);
	return at(x, n, vm_disk_set_source(d, path, false, x->err));
}

static int
target_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	return at(x, n,
		  vm_disk_set_target(vm_devices_ctx(x)->disk, vm_xmlcheck_attr(n, "dev"),
				     vm_xmlcheck_attr(n, "bus"), x->err));
}

static int
readonly_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	vm_devices_ctx(x)->disk->readonly = true;
	return 0;
}

static int
shareable_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	vm_devices_ctx(x)->disk->shareable = true;
	return 0;
}

#define WORD_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

/* N's text, 1 to 64 letters, digits or PUNCT, in *DST: <serial>, <group_name> */
static int
set_word(struct vm_xmlcheck *x, xmlNodePtr n, const char *punct, char **dst)
{
	char ok[sizeof(WORD_CHARS) + 8];
	cleanup_free char *s = NULL;

	snprintf(ok, sizeof(ok), "%s%s", WORD_CHARS, punct);
	if (vm_xmlcheck_text(x, n, &s) < 0)
		return -1;
	if (!*s || s[strspn(s, ok)] || strlen(s) > 64)
		return vm_xmlcheck_error(x, n,
					 "invalid %s '%s' (expected 1 to 64 letters, digits or '%s')",
					 (const char *)n->name, s, punct);
	free(*dst);
	*dst = steal_ptr(s);
	return 0;
}

static int
serial_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	return set_word(x, n, "_.+-", &vm_devices_ctx(x)->disk->serial);
}

/* <wwn>, <vendor> and <product>: text checked by disk.c */
static int
text_rule(struct vm_xmlcheck *x, xmlNodePtr n,
	  int (*set)(struct vm_disk *, const char *, struct vm_error *))
{
	cleanup_free char *s = NULL;

	if (vm_xmlcheck_text(x, n, &s) < 0)
		return -1;
	return at(x, n, set(vm_devices_ctx(x)->disk, s, x->err));
}

static int
wwn_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	return text_rule(x, n, vm_disk_set_wwn);
}

static int
vendor_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	return text_rule(x, n, vm_disk_set_vendor);
}

static int
product_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	return text_rule(x, n, vm_disk_set_product);
}

/* What QEMU's devices take: a power of two from 512 bytes to 2 MiB */
static int
block_size(struct vm_xmlcheck *x, xmlNodePtr n, const char *name, unsigned *v)
{
	const char *s = vm_xmlcheck_attr(n, name);
	unsigned long long size;

	if (!s)
		return 0;
	if (vm_xmlcheck_ull(x, n, name, s, 512, 2 << 20, &size) < 0)
		return -1;
	if (size & (size - 1))
		return vm_xmlcheck_error(x, n, "invalid %s '%s' (expected a power of two)", name,
					 s);
	*v = (unsigned)size;
	return 0;
}

static int
blockio_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_disk *d = vm_devices_ctx(x)->disk;

	if (block_size(x, n, "logical_block_size", &d->logical_block_size) < 0 ||
	    block_size(x, n, "physical_block_size", &d->physical_block_size) < 0)
		return -1;
	if (d->physical_block_size && d->logical_block_size > d->physical_block_size)
		return vm_xmlcheck_error(x, n,
					 "physical_block_size is smaller than logical_block_size");
	return 0;
}

static int
iotune_limit_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_disk *d = vm_devices_ctx(x)->disk;
	cleanup_free char *s = NULL;
	size_t i;

	for (i = 0; i < VM_IOTUNE_N; i++)
		if (!strcmp(vm_disk_iotune_names[i], (const char *)n->name))
			break;
	if (vm_xmlcheck_text(x, n, &s) < 0)
		return -1;
	/* QEMU's THROTTLE_VALUE_MAX */
	return vm_xmlcheck_ull(x, n, (const char *)n->name, s, 0, 1000000000000000ULL,
			       &d->iotune[i]);
}

static int
iotune_group_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	return set_word(x, n, "_.-", &vm_devices_ctx(x)->disk->iotune_group);
}

static int
seclabel_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	vm_devices_ctx(x)->disk->relabel = !vm_devices_streq(vm_xmlcheck_attr(n, "relabel"), "no");
	return 0;
}

/*
 * <backingStore> nests one in another, so the backing file a node
 * belongs to is numbered by the <backingStore> elements around it.
 */
static struct vm_disk_backing *
backing_of(struct vm_xmlcheck *x, xmlNodePtr n)
{
	size_t depth = 0;

	for (xmlNodePtr p = n; p && !strcmp((const char *)p->name, "backingStore"); p = p->parent)
		depth++;
	return &vm_devices_ctx(x)->disk->backing[depth - 1];
}

static int
backing_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_disk *d = vm_devices_ctx(x)->disk;
	struct vm_disk_backing *b;

	/* libvirt's mark of a chain's end: no further backing file */
	if (!n->properties && !xmlFirstElementChild(n)) {
		d->backing_end = (int)vm_xmlcheck_line(n);
		return 0;
	}
	if (d->nbacking == VM_IMAGE_BACKING_MAX)
		return vm_xmlcheck_error(x, n, "more than %d backing files", VM_IMAGE_BACKING_MAX);
	if (!(b = VM_DEVICES_APPEND(x, d->backing, d->nbacking)))
		return -1;
	b->block = vm_devices_streq(vm_xmlcheck_attr(n, "type"), "block");
	b->format = VM_FORMAT_RAW;
	b->line = (int)vm_xmlcheck_line(n);
	return 0;
}

static int
backing_format_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	if (vm_devices_streq(vm_xmlcheck_attr(n, "type"), "qcow2"))
		backing_of(x, n->parent)->format = VM_FORMAT_QCOW2;
	return 0;
}

static int
backing_source_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_disk_backing *b = backing_of(x, n->parent);
	const char *want = b->block ? "dev" : "file";
	const char *path = vm_xmlcheck_attr(n, want);

	if (vm_xmlcheck_attr(n, b->block ? "file" : "dev"))
		return vm_xmlcheck_error(x, n, "attribute '%s' does not fit type '%s'",
					 b->block ? "file" : "dev", b->block ? "block" : "file");
	if (!path || !*path)
		return vm_xmlcheck_error(x, n, "missing attribute '%s'", want);
	return vm_devices_set_str(x, &b->source, path);
}

static int
backing_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_disk_backing *b;

	if (!n->properties && !xmlFirstElementChild(n))
		return 0;
	b = backing_of(x, n);
	if (!b->source)
		return vm_xmlcheck_error(x, n, "missing <source>");
	/* vmkit never probes a format: libvirt always writes it */
	for (xmlNodePtr k = xmlFirstElementChild(n); k; k = xmlNextElementSibling(k))
		if (!strcmp((const char *)k->name, "format"))
			return 0;
	return vm_xmlcheck_error(x, n, "missing <format>");
}

static int
disk_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);
	struct vm_disk *d = c->disk;

	if (!d->target)
		return vm_xmlcheck_error(x, n, "missing <target>");
	if (d->device == VM_DEVICE_DISK && !d->source)
		return vm_xmlcheck_error(x, n, "missing <source> (only a cdrom may be empty)");
	if (at(x, n, vm_disk_finish(d, x->err)) < 0)
		return -1;
	for (size_t i = 0; c->dom && &c->dom->disks[i] != d; i++)
		if (vm_devices_streq(c->dom->disks[i].target, d->target))
			return vm_xmlcheck_error(x, n,
						 "duplicate target dev '%s' (first on line %d)",
						 d->target, c->dom->disks[i].line);
	return 0;
}

/* lun: in the list so that disk_begin refuses it with its reason */
static const struct vm_xmlcheck_attr disk_attrs[] = {
	{ "type", "file|block", VM_XMLCHECK_OPTIONAL },
	{ "device", "disk|cdrom|floppy|lun", VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_attr driver_attrs[] = {
	{ "name", "qemu", VM_XMLCHECK_OPTIONAL },
	{ "type", "raw|qcow2", VM_XMLCHECK_OPTIONAL },
	{ "cache", "none|writeback|writethrough|directsync|unsafe", VM_XMLCHECK_OPTIONAL },
	{ "io", "native|threads|io_uring", VM_XMLCHECK_OPTIONAL },
	/* without it, vmkit passes a writable disk's discards to its file (disk.c) */
	{ "discard", "unmap|ignore", VM_XMLCHECK_OPTIONAL },
	{ "detect_zeroes", "off|on|unmap", VM_XMLCHECK_OPTIONAL },
	{ "error_policy", "stop|report|ignore|enospace", VM_XMLCHECK_OPTIONAL },
	{ "rerror_policy", "stop|report|ignore", VM_XMLCHECK_OPTIONAL },
	{ "copy_on_read", "on|off", VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_attr blockio_attrs[] = {
	{ "logical_block_size", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "physical_block_size", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

#define LIMIT(name)                                                                                \
	{                                                                                          \
		name, .content = VM_XMLCHECK_TEXT, .begin = iotune_limit_begin                     \
	}
static const struct vm_xmlcheck_elem iotune_children[] = {
	LIMIT("total_bytes_sec"),
	LIMIT("read_bytes_sec"),
	LIMIT("write_bytes_sec"),
	LIMIT("total_iops_sec"),
	LIMIT("read_iops_sec"),
	LIMIT("write_iops_sec"),
	LIMIT("total_bytes_sec_max"),
	LIMIT("read_bytes_sec_max"),
	LIMIT("write_bytes_sec_max"),
	LIMIT("total_iops_sec_max"),
	LIMIT("read_iops_sec_max"),
	LIMIT("write_iops_sec_max"),
	LIMIT("total_bytes_sec_max_length"),
	LIMIT("read_bytes_sec_max_length"),
	LIMIT("write_bytes_sec_max_length"),
	LIMIT("total_iops_sec_max_length"),
	LIMIT("read_iops_sec_max_length"),
	LIMIT("write_iops_sec_max_length"),
	LIMIT("size_iops_sec"),
	{ "group_name", .content = VM_XMLCHECK_TEXT, .begin = iotune_group_begin },
	{ NULL }
};
#undef LIMIT

/* index: libvirt's number for the file in a running domain, not used */
static const struct vm_xmlcheck_attr source_attrs[] = {
	{ "file", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "dev", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "index", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_attr backing_attrs[] = {
	{ "type", "file|block", VM_XMLCHECK_OPTIONAL },
	{ "index", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_attr backing_format_attrs[] = {
	{ "type", "raw|qcow2", VM_XMLCHECK_REQUIRED }, { NULL }
};

static const struct vm_xmlcheck_elem backing_children[] = {
	{ "format", .attrs = backing_format_attrs, .begin = backing_format_begin },
	{ "source", .attrs = source_attrs, .begin = backing_source_begin },
	{ "backingStore", .attrs = backing_attrs, .children = backing_children,
	  .begin = backing_begin, .end = backing_end },
	{ NULL }
};

static const struct vm_xmlcheck_attr target_attrs[] = {
	{ "dev", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_REQUIRED },
	{ "bus", "virtio|sata|scsi|ide|usb|fdc", VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_attr seclabel_attrs[] = { { "model", "dac", VM_XMLCHECK_OPTIONAL },
							  { "relabel", "yes|no",
							    VM_XMLCHECK_REQUIRED },
							  { NULL } };

long
vm_disk_rank(const struct vm_domain *dom, const struct vm_disk *d)
{
	size_t bus = 0;

	while (dom->disks[bus].bus != d->bus)
		bus++;
	return (long)bus << 32 | vm_disk_index(d->target);
}

static int
boot_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);
	unsigned long long v;

	if (!c->dom)
		return vm_xmlcheck_error(x, n,
					 "vmkit gives a hotplugged disk no boot order: remove <boot>");
	if (vm_xmlcheck_ull(x, n, "boot order", vm_xmlcheck_attr(n, "order"), 1, INT_MAX, &v) < 0)
		return -1;
	c->disk->boot_order = (unsigned)v;
	return 0;
}

static const struct vm_xmlcheck_attr boot_attrs[] = {
	{ "order", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_REQUIRED }, { NULL }
};

static const struct vm_xmlcheck_elem disk_children[] = {
	{ "boot", .attrs = boot_attrs, .begin = boot_begin },
	{ "driver", .attrs = driver_attrs, .begin = driver_begin },
	{ "source", .attrs = source_attrs, .begin = source_begin },
	{ "target", .attrs = target_attrs, .begin = target_begin },
	{ "readonly", .begin = readonly_begin },
	{ "shareable", .begin = shareable_begin },
	{ "serial", .content = VM_XMLCHECK_TEXT, .begin = serial_begin },
	{ "seclabel", .attrs = seclabel_attrs, .begin = seclabel_begin },
	{ "wwn", .content = VM_XMLCHECK_TEXT, .begin = wwn_begin },
	{ "vendor", .content = VM_XMLCHECK_TEXT, .begin = vendor_begin },
	{ "product", .content = VM_XMLCHECK_TEXT, .begin = product_begin },
	{ "blockio", .attrs = blockio_attrs, .begin = blockio_begin },
	{ "iotune", .children = iotune_children },
	{ "transient", .content = VM_XMLCHECK_ANY,
	  .reject =
		  "transient disks are not supported: give the guest a qcow2 overlay of the image (qemu-img create -b) and delete it after" },
	{ "geometry", .content = VM_XMLCHECK_ANY,
	  .reject =
		  "a disk geometry is not supported: guests get QEMU's, from the disk's size; remove <geometry>" },
	{ "backingStore", .attrs = backing_attrs, .children = backing_children,
	  .begin = backing_begin, .end = backing_end },
	VM_DEVICES_ALIAS,
	VM_DEVICES_ADDRESS,
	{ NULL }
};

static const struct vm_xmlcheck_elem elems[] = { { "disk", .attrs = disk_attrs,
						   .children = disk_children, .multi = true,
						   .begin = disk_begin, .end = disk_end },
						 { NULL } };

/*
 * The machine may come after <devices>. A pc machine has piix3's ide
 * channels and an isa-fdc; q35 has neither, and vmkit adds an isa-fdc
 * there as libvirt does, but no ide controller, which libvirt refuses too.
 */
static int
disks_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	const struct vm_domain *dom = vm_devices_ctx(x)->dom;
	bool q35 = vm_domain_is_q35(dom);

	(void)n;
	for (size_t i = 0; i < dom->ndisks; i++) {
		const struct vm_disk *d = &dom->disks[i];

		if (d->bus == VM_BUS_IDE && !vm_domain_is_pc(dom))
			return vm_error_set(x->err, VM_EXIT_INVALID,
					    "%s:%d: <disk>: bus 'ide' needs a pc machine, not '%s' (use bus 'sata')",
					    x->file, d->line, dom->machine);
		if (d->bus == VM_BUS_FDC && !vm_domain_is_pc(dom) && !q35)
			return vm_error_set(x->err, VM_EXIT_INVALID,
					    "%s:%d: <disk>: bus 'fdc' needs a pc or q35 machine, not '%s'",
					    x->file, d->line, dom->machine);
		if (d->bus == VM_BUS_USB && !dom->usb)
			return vm_error_set(x->err, VM_EXIT_INVALID,
					    "%s:%d: <disk>: bus 'usb' needs a USB controller, which <controller type='usb' model='none'/> turns off",
					    x->file, d->line);
	}
	return 0;
}

static void
clear(struct vm_domain *dom)
{
	for (size_t i = 0; i < dom->ndisks; i++)
		vm_disk_clear(&dom->disks[i]);
	free(dom->disks);
}

const struct vm_devices_class vm_disk_class = {
	.elems = elems,
	.end = disks_end,
	.argv = vm_disk_argv,
	.clear = clear,
};

int
vm_disk_parse(const char *buf, size_t len, const char *name, struct vm_disk *disk,
	      struct vm_error *err)
{
	struct vm_domain_ctx c = { .disk = disk };
	int r;

	memset(disk, 0, sizeof(*disk));
	r = vm_devices_parse_one(buf, len, name, &elems[0], &c, err);
	if (r < 0)
		vm_disk_clear(disk);
	return r;
}
