#include "devices.h"
#include "cleanup.h"
#include "exitcodes.h"
#include "status.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>

#define TEXT VM_XMLCHECK_TEXT

#define ADDRESS_SPEC { "address", .multi = true, \
	.reject = "vmkit assigns device addresses itself: remove <address>" }

static struct vm_domain_ctx *
ctx(struct vm_xmlcheck *x)
{
	return x->data;
}

/* Grows ARR of N elements of SIZE by one zeroed element. */
static void *
grow(struct vm_xmlcheck *x, void *arr, size_t n, size_t size)
{
	char *p = reallocarray(arr, n + 1, size);

	if (!p) {
		vm_xmlcheck_nomem(x);
		return NULL;
	}
	memset(p + n * size, 0, size);
	return p;
}

static int
set_str(struct vm_xmlcheck *x, char **dst, const char *s)
{
	char *copy = strdup(s);

	if (!copy)
		return vm_xmlcheck_nomem(x);
	free(*dst);
	*dst = copy;
	return 0;
}

static int
check_absolute(struct vm_xmlcheck *x, xmlNodePtr n, const char *path)
{
	if (path[0] != '/')
		return vm_xmlcheck_error(x, n, "'%s' is not an absolute path", path);
	return 0;
}

static bool
is(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* <emulator> */

static int
emulator_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	cleanup_free char *path = NULL;

	if (vm_xmlcheck_text(x, n, &path) < 0 || check_absolute(x, n, path) < 0)
		return -1;
	ctx(x)->dom->emulator = steal_ptr(path);
	return 0;
}

/* <disk> */

static int
disk_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = ctx(x);
	struct vm_domain *dom = c->dom;
	struct vm_disk *d;

	if (dom) {
		d = grow(x, dom->disks, dom->ndisks, sizeof(*d));
		if (!d)
			return -1;
		dom->disks = d;
		c->disk = &d[dom->ndisks++];
	}
	d = c->disk;
	d->type = is(vm_xmlcheck_attr(n, "type"), "block") ? VM_DISK_BLOCK : VM_DISK_FILE;
	d->device = is(vm_xmlcheck_attr(n, "device"), "cdrom") ? VM_DEVICE_CDROM : VM_DEVICE_DISK;
	d->format = VM_FORMAT_RAW;
	d->cache = VM_CACHE_DEFAULT;
	d->relabel = true;
	d->line = (int)vm_xmlcheck_line(n);
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
	struct vm_disk *d = ctx(x)->disk;
	const char *cache = vm_xmlcheck_attr(n, "cache");

	if (is(vm_xmlcheck_attr(n, "type"), "qcow2"))
		d->format = VM_FORMAT_QCOW2;
	for (size_t i = 0; cache && i < sizeof(cache_names) / sizeof(*cache_names); i++)
		if (is(cache_names[i], cache))
			d->cache = i;
	return 0;
}

static int
disk_source_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_disk *d = ctx(x)->disk;
	bool block = d->type == VM_DISK_BLOCK;
	const char *want = block ? "dev" : "file";
	const char *path = vm_xmlcheck_attr(n, want);
	struct stat st;

	if (vm_xmlcheck_attr(n, block ? "file" : "dev"))
		return vm_xmlcheck_error(x, n, "attribute '%s' does not fit a disk of type '%s'",
					 block ? "file" : "dev", block ? "block" : "file");
	if (!path)
		return vm_xmlcheck_error(x, n, "missing attribute '%s'", want);
	if (!*path)
		return vm_xmlcheck_error(x, n, "empty disk path");
	if (stat(path, &st) < 0)
		return vm_xmlcheck_error(x, n, "cannot access disk '%s': %s", path,
					 strerror(errno));
	if (block && !S_ISBLK(st.st_mode))
		return vm_xmlcheck_error(x, n, "disk '%s' is not a block device", path);
	if (!block && !S_ISREG(st.st_mode))
		return vm_xmlcheck_error(x, n, "disk '%s' is not a regular file", path);
	return set_str(x, &d->source, path);
}

static int
target_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_disk *d = ctx(x)->disk;
	const char *dev = vm_xmlcheck_attr(n, "dev");
	const char *bus = vm_xmlcheck_attr(n, "bus");
	size_t len = strspn(dev, "abcdefghijklmnopqrstuvwxyz");
	bool vd = !strncmp(dev, "vd", 2);
	long idx;

	if (dev[len] || len < 3 || len > 8)
		return vm_xmlcheck_error(x, n, "invalid target dev '%s' (expected 3 to 8 letters a-z)",
					 dev);
	if (!vd && strncmp(dev, "sd", 2))
		return vm_xmlcheck_error(x, n,
					 "unsupported target dev '%s' (expected vd* for virtio, sd* for sata or scsi)",
					 dev);
	if (!bus)
		d->bus = vd ? VM_BUS_VIRTIO : VM_BUS_SCSI;
	else if (!strcmp(bus, "virtio"))
		d->bus = VM_BUS_VIRTIO;
	else
		d->bus = !strcmp(bus, "sata") ? VM_BUS_SATA : VM_BUS_SCSI;
	if (vd != (d->bus == VM_BUS_VIRTIO))
		return vm_xmlcheck_error(x, n, "target dev '%s' does not fit bus '%s' (expected %s*)",
					 dev, bus, vd ? "sd" : "vd");
	/* sd* numbers the sata port or scsi target, as in libvirt */
	idx = vm_disk_index(dev);
	if (d->bus == VM_BUS_SATA && idx >= VM_SATA_PORTS)
		return vm_xmlcheck_error(x, n, "target dev '%s' has no sata port (expected sda to sdf)",
					 dev);
	if (d->bus == VM_BUS_SCSI && idx >= VM_SCSI_TARGETS)
		return vm_xmlcheck_error(x, n,
					 "target dev '%s' has no scsi target (expected sda to sdiv)", dev);
	return set_str(x, &d->target, dev);
}

static int
readonly_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	ctx(x)->disk->readonly = true;
	return 0;
}

static int
shareable_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	ctx(x)->disk->shareable = true;
	return 0;
}

static int
disk_serial_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.+-";
	struct vm_disk *d = ctx(x)->disk;
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
disk_seclabel_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	ctx(x)->disk->relabel = !is(vm_xmlcheck_attr(n, "relabel"), "no");
	return 0;
}

static int
disk_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = ctx(x);
	struct vm_disk *d = c->disk;

	if (!d->target)
		return vm_xmlcheck_error(x, n, "missing <target>");
	if (d->device == VM_DEVICE_DISK && !d->source)
		return vm_xmlcheck_error(x, n, "missing <source> (only a cdrom may be empty)");
	if (d->device == VM_DEVICE_CDROM) {
		if (d->bus == VM_BUS_VIRTIO)
			return vm_xmlcheck_error(x, n, "a cdrom cannot be on bus 'virtio' (use sata or scsi)");
		d->readonly = true;
	} else if (d->readonly && d->bus == VM_BUS_SATA) {
		return vm_xmlcheck_error(x, n, "a readonly disk cannot be on bus 'sata' (use scsi or virtio)");
	}
	if (d->shareable && !d->readonly && d->format == VM_FORMAT_QCOW2)
		return vm_xmlcheck_error(x, n,
					 "a writable shareable disk cannot be qcow2: two writers would corrupt its metadata");
	for (size_t i = 0; c->dom && &c->dom->disks[i] != d; i++)
		if (!strcmp(c->dom->disks[i].target, d->target))
			return vm_xmlcheck_error(x, n, "duplicate target dev '%s' (first on line %d)",
						 d->target, c->dom->disks[i].line);
	return 0;
}

static const struct vm_xmlcheck_attr disk_attrs[] = {
	{ "type", "file|block", OPTIONAL },
	{ "device", "disk|cdrom", OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_attr driver_attrs[] = {
	{ "name", "qemu", OPTIONAL },
	{ "type", "raw|qcow2", OPTIONAL },
	{ "cache", "none|writeback|writethrough|directsync|unsafe", OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_attr disk_source_attrs[] = {
	{ "file", ANY, OPTIONAL },
	{ "dev", ANY, OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_attr target_attrs[] = {
	{ "dev", ANY, REQUIRED },
	{ "bus", "virtio|sata|scsi", OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_attr disk_seclabel_attrs[] = {
	{ "model", "dac", OPTIONAL },
	{ "relabel", "yes|no", REQUIRED },
	{ NULL }
};

static const struct vm_xmlcheck_elem disk_children[] = {
	{ "driver", .attrs = driver_attrs, .begin = driver_begin },
	{ "source", .attrs = disk_source_attrs, .begin = disk_source_begin },
	{ "target", .attrs = target_attrs, .begin = target_begin },
	{ "readonly", .begin = readonly_begin },
	{ "shareable", .begin = shareable_begin },
	{ "serial", .content = TEXT, .begin = disk_serial_begin },
	{ "seclabel", .attrs = disk_seclabel_attrs, .begin = disk_seclabel_begin },
	ADDRESS_SPEC,
	{ NULL }
};

#define DISK_SPEC { "disk", .attrs = disk_attrs, .children = disk_children, .multi = true, \
	.begin = disk_begin, .end = disk_end }

/* <interface> */

static int
iface_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = ctx(x);
	struct vm_domain *dom = c->dom;
	struct vm_iface *i = grow(x, dom->ifaces, dom->nifaces, sizeof(*i));

	if (!i)
		return -1;
	dom->ifaces = i;
	c->iface = &i[dom->nifaces++];
	return 0;
}

static int
model_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	return set_str(x, &ctx(x)->iface->model, vm_xmlcheck_attr(n, "type"));
}

static bool
valid_mac(const char *s)
{
	for (int i = 0; i < 6; i++, s += 3) {
		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]))
			return false;
		if (s[2] != (i < 5 ? ':' : '\0'))
			return false;
	}
	return true;
}

static int
mac_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	const char *mac = vm_xmlcheck_attr(n, "address");

	if (!valid_mac(mac))
		return vm_xmlcheck_error(x, n, "invalid mac address '%s' (expected xx:xx:xx:xx:xx:xx)",
					 mac);
	if (strtoul(mac, NULL, 16) & 1)
		return vm_xmlcheck_error(x, n, "mac address '%s' is a multicast address", mac);
	return set_str(x, &ctx(x)->iface->mac, mac);
}

static int
iface_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_iface *i = ctx(x)->iface;

	return i->model ? 0 : set_str(x, &i->model, "virtio");
}

static const struct vm_xmlcheck_attr iface_attrs[] = {
	{ "type", "user", REQUIRED },
	{ NULL }
};

static const struct vm_xmlcheck_attr model_attrs[] = {
	{ "type", "virtio|e1000|rtl8139", REQUIRED },
	{ NULL }
};

static const struct vm_xmlcheck_attr mac_attrs[] = {
	{ "address", ANY, REQUIRED },
	{ NULL }
};

static const struct vm_xmlcheck_elem iface_children[] = {
	{ "model", .attrs = model_attrs, .begin = model_begin },
	{ "mac", .attrs = mac_attrs, .begin = mac_begin },
	ADDRESS_SPEC,
	{ NULL }
};

/* <serial> and <console> */

static const char *const chr_types[] = {
	[VM_CHR_PTY] = "pty",
	[VM_CHR_FILE] = "file",
	[VM_CHR_UNIX] = "unix",
};

static enum vm_chr_type
chr_type(xmlNodePtr n)
{
	const char *type = vm_xmlcheck_attr(n, "type");

	if (is(type, "file"))
		return VM_CHR_FILE;
	return is(type, "unix") ? VM_CHR_UNIX : VM_CHR_PTY;
}

static int
serial_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = ctx(x);
	struct vm_domain *dom = c->dom;
	struct vm_chardev *chr;

	if (c->nserials == 4)
		return vm_xmlcheck_error(x, n, "too many serial ports (at most 4)");
	chr = grow(x, dom->chardevs, dom->nchardevs, sizeof(*chr));
	if (!chr)
		return -1;
	dom->chardevs = chr;
	c->chr = &chr[dom->nchardevs++];
	c->chr->kind = VM_CHR_SERIAL;
	c->chr->type = chr_type(n);
	c->nserials++;
	return 0;
}

static int
console_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = ctx(x);

	c->console.kind = VM_CHR_SERIAL;
	c->console.type = chr_type(n);
	c->console_node = n;
	c->chr = &c->console;
	return 0;
}

static int
chr_source_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_chardev *chr = ctx(x)->chr;
	const char *path = vm_xmlcheck_attr(n, "path");
	const char *mode = vm_xmlcheck_attr(n, "mode");

	if (chr->type == VM_CHR_PTY)
		return vm_xmlcheck_error(x, n, "a pty has no source");
	if (!path)
		return vm_xmlcheck_error(x, n, "missing attribute 'path'");
	if (check_absolute(x, n, path) < 0)
		return -1;
	if (mode && chr->type != VM_CHR_UNIX)
		return vm_xmlcheck_error(x, n, "attribute 'mode' is only for type 'unix'");
	if (chr->type == VM_CHR_UNIX && strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return vm_xmlcheck_error(x, n, "unix socket path '%s' is too long (at most %zu bytes)",
					 path, sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
	chr->listen = is(mode, "bind");
	return set_str(x, &chr->path, path);
}

static int
serial_target_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	const char *port = vm_xmlcheck_attr(n, "port");
	unsigned long long want = ctx(x)->nserials - 1, p;

	if (!port)
		return 0;
	if (vm_xmlcheck_ull(x, n, "port", port, 0, 3, &p) < 0)
		return -1;
	if (p != want)
		return vm_xmlcheck_error(x, n, "serial port %llu out of order (expected port %llu)",
					 p, want);
	return 0;
}

static int
chr_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_chardev *chr = ctx(x)->chr;

	if (chr->type != VM_CHR_PTY && !chr->path)
		return vm_xmlcheck_error(x, n, "type '%s' needs <source path='...'/>",
					 chr_types[chr->type]);
	return 0;
}

static const struct vm_xmlcheck_attr chr_attrs[] = {
	{ "type", "pty|file|unix", OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_attr chr_source_attrs[] = {
	{ "path", ANY, OPTIONAL },
	{ "mode", "bind|connect", OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_attr serial_target_attrs[] = {
	{ "type", "isa-serial", OPTIONAL },
	{ "port", ANY, OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_attr serial_model_attrs[] = {
	{ "name", "isa-serial", REQUIRED },
	{ NULL }
};

static const struct vm_xmlcheck_elem serial_target_children[] = {
	{ "model", .attrs = serial_model_attrs },
	{ NULL }
};

static const struct vm_xmlcheck_elem serial_children[] = {
	{ "source", .attrs = chr_source_attrs, .begin = chr_source_begin },
	{ "target", .attrs = serial_target_attrs, .children = serial_target_children,
	  .begin = serial_target_begin },
	{ NULL }
};

static const struct vm_xmlcheck_attr console_target_attrs[] = {
	{ "type", "serial", OPTIONAL },
	{ "port", "0", OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_elem console_children[] = {
	{ "source", .attrs = chr_source_attrs, .begin = chr_source_begin },
	{ "target", .attrs = console_target_attrs },
	{ NULL }
};

/*
 * A <console> with a serial target is serial port 0 (libvirt's meaning):
 * a restatement of the first <serial>, or that port when there is none.
 */
static int
console_end(struct vm_xmlcheck *x)
{
	struct vm_domain_ctx *c = ctx(x);
	struct vm_domain *dom = c->dom;
	struct vm_chardev *con = &c->console;
	struct vm_chardev *first = dom->chardevs;
	struct vm_chardev *chr;

	if (!c->console_node)
		return 0;
	if (c->nserials == 0) {
		chr = grow(x, dom->chardevs, dom->nchardevs, sizeof(*chr));
		if (!chr)
			return -1;
		dom->chardevs = chr;
		chr[dom->nchardevs++] = *con;
		con->path = NULL;
		return 0;
	}
	if (first->type != con->type || first->listen != con->listen ||
	    !(is(first->path, con->path) || (!first->path && !con->path)))
		return vm_xmlcheck_error(x, c->console_node,
					 "the console must restate <serial> port 0 (vmkit has no other console)");
	return 0;
}

/* <controller> */

static const struct controller {
	const char *type, *model;	/* model NULL: no model attribute */
	unsigned first, last;		/* of index */
	bool q35;			/* only a q35 machine has it */
} controllers[] = {
	{ "pci", "pcie-root", 0, 0, true },
	{ "pci", "pcie-root-port", 1, 255, true },
	{ "usb", "none", 0, 0, false },
	{ "sata", NULL, 0, 0, false },
	{ "scsi", "virtio-scsi", 0, 0, false },
};

static int
controller_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = ctx(x);
	const char *type = vm_xmlcheck_attr(n, "type");
	const char *model = vm_xmlcheck_attr(n, "model");
	const char *index = vm_xmlcheck_attr(n, "index");
	const struct controller *k = NULL;
	unsigned long long i;

	for (size_t j = 0; j < sizeof(controllers) / sizeof(*controllers); j++)
		if (is(controllers[j].type, type) &&
		    (is(controllers[j].model, model) || (!controllers[j].model && !model)))
			k = &controllers[j];
	if (!k && model)
		return vm_xmlcheck_error(x, n, "unsupported controller type '%s' model '%s'", type,
					 model);
	if (!k)
		return vm_xmlcheck_error(x, n, "unsupported controller type '%s' without a model",
					 type);
	if (index && vm_xmlcheck_ull(x, n, "index", index, k->first, k->last, &i) < 0)
		return -1;
	if (k->q35 && !c->q35_node)
		c->q35_node = n;
	if (is(model, "pcie-root-port") && c->dom->pcie_root_ports++ == VM_ROOT_PORTS_MAX)
		return vm_xmlcheck_error(x, n, "too many pcie-root-port controllers (at most %d)",
					 VM_ROOT_PORTS_MAX);
	c->controller_model = k->model;
	return 0;
}

static int
controller_model_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	const char *want = ctx(x)->controller_model;
	const char *name = vm_xmlcheck_attr(n, "name");

	if (!is(name, want))
		return vm_xmlcheck_error(x, n, "unsupported name '%s' (expected %s)", name,
					 want ? want : "no <model>");
	return 0;
}

static const struct vm_xmlcheck_attr controller_attrs[] = {
	{ "type", "pci|usb|sata|scsi", REQUIRED },
	{ "model", ANY, OPTIONAL },
	{ "index", ANY, OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_attr controller_model_attrs[] = {
	{ "name", ANY, REQUIRED },
	{ NULL }
};

static const struct vm_xmlcheck_elem controller_children[] = {
	{ "model", .attrs = controller_model_attrs, .begin = controller_model_begin },
	ADDRESS_SPEC,
	{ NULL }
};

/*
 * Checks that need the whole domain: the machine may come after
 * <devices>, and without q35 a PCIe controller would be dropped.
 */
int
vm_domain_devices_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = ctx(x);

	if (c->q35_node && !vm_domain_is_q35(c->dom))
		return vm_xmlcheck_error(x, c->q35_node,
					 "model '%s' needs a q35 machine (<type machine='q35'>)",
					 vm_xmlcheck_attr(c->q35_node, "model"));
	return console_end(x);
}

/* <lease> */

static int
lease_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = ctx(x);
	struct vm_domain *dom = c->dom;
	struct vm_lease_def *l = grow(x, dom->leases, dom->nleases, sizeof(*l));

	if (!l)
		return -1;
	dom->leases = l;
	c->lease = &l[dom->nleases++];
	return 0;
}

static int
lease_text(struct vm_xmlcheck *x, xmlNodePtr n, char **dst)
{
	cleanup_free char *s = NULL;

	if (vm_xmlcheck_text(x, n, &s) < 0)
		return -1;
	if (!*s)
		return vm_xmlcheck_error(x, n, "empty value");
	*dst = steal_ptr(s);
	return 0;
}

static int
lockspace_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	return lease_text(x, n, &ctx(x)->lease->lockspace);
}

static int
key_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	return lease_text(x, n, &ctx(x)->lease->key);
}

static int
lease_target_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_lease_def *l = ctx(x)->lease;
	const char *path = vm_xmlcheck_attr(n, "path");
	const char *offset = vm_xmlcheck_attr(n, "offset");

	if (check_absolute(x, n, path) < 0)
		return -1;
	if (offset && vm_xmlcheck_ull(x, n, "offset", offset, 0, ULLONG_MAX, &l->offset) < 0)
		return -1;
	return set_str(x, &l->path, path);
}

static int
lease_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_lease_def *l = ctx(x)->lease;

	if (!l->key)
		return vm_xmlcheck_error(x, n, "missing <key>");
	if (!l->path)
		return vm_xmlcheck_error(x, n, "missing <target>");
	return 0;
}

static const struct vm_xmlcheck_attr lease_target_attrs[] = {
	{ "path", ANY, REQUIRED },
	{ "offset", ANY, OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_elem lease_children[] = {
	{ "lockspace", .content = TEXT, .begin = lockspace_begin },
	{ "key", .content = TEXT, .begin = key_begin },
	{ "target", .attrs = lease_target_attrs, .begin = lease_target_begin },
	{ NULL }
};

/* <devices> */

static const struct vm_xmlcheck_attr memballoon_attrs[] = {
	{ "model", "none", REQUIRED },
	{ NULL }
};

static const struct vm_xmlcheck_attr input_attrs[] = {
	{ "type", "mouse|keyboard", REQUIRED },
	{ "bus", "ps2", OPTIONAL },
	{ NULL }
};

const struct vm_xmlcheck_elem vm_domain_devices_children[] = {
	{ "emulator", .content = TEXT, .begin = emulator_begin },
	DISK_SPEC,
	{ "interface", .attrs = iface_attrs, .children = iface_children, .multi = true,
	  .begin = iface_begin, .end = iface_end },
	{ "serial", .attrs = chr_attrs, .children = serial_children, .multi = true,
	  .begin = serial_begin, .end = chr_end },
	{ "console", .attrs = chr_attrs, .children = console_children,
	  .begin = console_begin, .end = chr_end },
	{ "controller", .attrs = controller_attrs, .children = controller_children, .multi = true,
	  .begin = controller_begin },
	{ "memballoon", .attrs = memballoon_attrs },
	{ "input", .attrs = input_attrs, .multi = true },
	{ "lease", .children = lease_children, .multi = true,
	  .begin = lease_begin, .end = lease_end },
	{ "graphics", .multi = true,
	  .reject = "vmkit runs guests without a display: use a <serial> console" },
	{ "video", .multi = true,
	  .reject = "vmkit runs guests without a display: use a <serial> console" },
	{ NULL }
};

/* A lone <disk>, as vm-attach takes it */

int
vm_disk_parse(const char *buf, size_t len, const char *name, struct vm_disk *disk,
	      struct vm_error *err)
{
	static const struct vm_xmlcheck_elem spec = DISK_SPEC;
	struct vm_domain_ctx c = { .disk = disk };
	struct vm_xmlcheck x = { name, err, &c };
	xmlDocPtr doc;
	xmlNodePtr root;
	int r;

	memset(disk, 0, sizeof(*disk));
	if (vm_xmlcheck_read(buf, len, name, &doc, err) < 0)
		return -1;
	root = xmlDocGetRootElement(doc);
	if (!root || root->ns || strcmp((const char *)root->name, "disk"))
		r = vm_error_set(err, VM_EXIT_INVALID, "%s: expected a <disk> element", name);
	else
		r = vm_xmlcheck_walk(&x, root, &spec);
	xmlFreeDoc(doc);
	if (r < 0)
		vm_disk_clear(disk);
	return r;
}
