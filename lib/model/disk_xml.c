/* The <disk> element, in a domain and alone (vm-attach); the rules are disk.c's. */
#include "devices.h"
#include "disk.h"
#include "cleanup.h"
#include "exitcodes.h"
#include "image.h"

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

static int
disk_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);
	struct vm_domain *dom = c->dom;
	struct vm_disk *d;

	if (dom && !(c->disk = VM_DEVICES_APPEND(x, dom->disks, dom->ndisks)))
		return -1;
	d = c->disk;
	d->type = vm_devices_streq(vm_xmlcheck_attr(n, "type"), "block") ? VM_DISK_BLOCK
									 : VM_DISK_FILE;
	d->device = vm_devices_streq(vm_xmlcheck_attr(n, "device"), "cdrom") ? VM_DEVICE_CDROM
									     : VM_DEVICE_DISK;
	d->format = VM_FORMAT_RAW;
	d->cache = VM_CACHE_DEFAULT;
	d->relabel = true;
	d->line = (int)vm_xmlcheck_line(n);
	if (dom)
		VM_ADDRESS_EXPECT(c, n, disks, dom->ndisks - 1, addr,
				  VM_ADDRESS_TAKES(VM_ADDRESS_PCI) |
					  VM_ADDRESS_TAKES(VM_ADDRESS_DRIVE));
	return 0;
}

static const char *const cache_names[] = {
	[VM_CACHE_NONE] = "none",
	[VM_CACHE_WRITEBACK] = "writeback",
	[VM_CACHE_WRITETHROUGH] = "writethrough",
	[VM_CACHE_DIRECTSYNC] = "directsync",
	[VM_CACHE_UNSAFE] = "unsafe",
};

static int
driver_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_disk *d = vm_devices_ctx(x)->disk;
	const char *cache = vm_xmlcheck_attr(n, "cache");

	if (vm_devices_streq(vm_xmlcheck_attr(n, "type"), "qcow2"))
		d->format = VM_FORMAT_QCOW2;
	for (size_t i = 0; cache && i < sizeof(cache_names) / sizeof(*cache_names); i++)
		if (vm_devices_streq(cache_names[i], cache))
			d->cache = i;
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

static int
serial_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	static const char ok[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.+-";
	struct vm_disk *d = vm_devices_ctx(x)->disk;
	cleanup_free char *s = NULL;

	if (vm_xmlcheck_text(x, n, &s) < 0)
		return -1;
	if (!*s || s[strspn(s, ok)] || strlen(s) > 64)
		return vm_xmlcheck_error(x, n,
					 "invalid serial '%s' (expected 1 to 64 letters, digits or '_.+-')",
					 s);
	free(d->serial);
	d->serial = steal_ptr(s);
	return 0;
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

static const struct vm_xmlcheck_attr disk_attrs[] = {
	{ "type", "file|block", VM_XMLCHECK_OPTIONAL },
	{ "device", "disk|cdrom", VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_attr driver_attrs[] = {
	{ "name", "qemu", VM_XMLCHECK_OPTIONAL },
	{ "type", "raw|qcow2", VM_XMLCHECK_OPTIONAL },
	{ "cache", "none|writeback|writethrough|directsync|unsafe", VM_XMLCHECK_OPTIONAL },
	/* vmkit passes a writable disk's discards to its file (disk.c) */
	{ "discard", "unmap", VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

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
	{ "bus", "virtio|sata|scsi", VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_attr seclabel_attrs[] = { { "model", "dac", VM_XMLCHECK_OPTIONAL },
							  { "relabel", "yes|no",
							    VM_XMLCHECK_REQUIRED },
							  { NULL } };

static const struct vm_xmlcheck_elem disk_children[] = {
	{ "driver", .attrs = driver_attrs, .begin = driver_begin },
	{ "source", .attrs = source_attrs, .begin = source_begin },
	{ "target", .attrs = target_attrs, .begin = target_begin },
	{ "readonly", .begin = readonly_begin },
	{ "shareable", .begin = shareable_begin },
	{ "serial", .content = VM_XMLCHECK_TEXT, .begin = serial_begin },
	{ "seclabel", .attrs = seclabel_attrs, .begin = seclabel_begin },
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

static void
clear(struct vm_domain *dom)
{
	for (size_t i = 0; i < dom->ndisks; i++)
		vm_disk_clear(&dom->disks[i]);
	free(dom->disks);
}

const struct vm_devices_class vm_disk_class = {
	.elems = elems,
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
