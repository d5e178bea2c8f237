#include "domain.h"
#include "devices.h"
#include "cleanup.h"
#include "exitcodes.h"
#include "paths.h"
#include "xmlcheck.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define DOMAIN_MAX_SIZE (16 << 20)
#define MEMORY_MIN_KIB 1024ULL
#define MEMORY_MAX_KIB (16ULL << 30)

static struct vm_domain *
dom_of(struct vm_xmlcheck *x)
{
	return vm_devices_ctx(x)->dom;
}

/* <domain> level elements */

static int
domain_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	const char *id = vm_xmlcheck_attr(n, "id");
	unsigned long long v;

	/* libvirt's number of a running domain (virsh dumpxml): not used */
	if (id && vm_xmlcheck_ull(x, n, "id", id, 0, INT_MAX, &v) < 0)
		return -1;
	dom_of(x)->kvm = vm_devices_streq(vm_xmlcheck_attr(n, "type"), "kvm");
	return 0;
}

/* libvirt's cgroup of the domain (virsh dumpxml writes /machine): not used */
static int
partition_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	cleanup_free char *path = NULL;

	if (vm_xmlcheck_text(x, n, &path) < 0)
		return -1;
	return vm_devices_check_absolute(x, n, path);
}

static int
name_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain *dom = dom_of(x);
	cleanup_free char *name = NULL;

	if (vm_xmlcheck_text(x, n, &name) < 0)
		return -1;
	if (vm_domain_check_name(name, x->err) < 0)
		return vm_error_prefix(x->err, "%s:%ld: <name>", x->file, vm_xmlcheck_line(n));
	dom->name = steal_ptr(name);
	vm_devices_ctx(x)->name_node = n;
	return 0;
}

static int
uuid_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	cleanup_free char *s = NULL;

	if (vm_xmlcheck_text(x, n, &s) < 0)
		return -1;
	if (uuid_parse(s, dom_of(x)->uuid) < 0)
		return vm_xmlcheck_error(x, n,
					 "invalid uuid '%s' (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
					 s);
	vm_devices_ctx(x)->uuid_node = n;
	return 0;
}

/*
 * Bytes per UNIT, with libvirt's meaning: b or bytes; k, M, G ... (also
 * KiB, MiB ...) are powers of 1024 and KB, MB ... powers of 1000; the
 * case does not matter. No unit is KiB.
 */
static int
unit_scale(const char *unit, unsigned long long *scale)
{
	static const char powers[] = "kmgtpe";
	const char *p;
	unsigned base;

	*scale = 1024;
	if (!unit || !*unit)
		return 0;
	*scale = 1;
	if (!strcasecmp(unit, "b") || !strcasecmp(unit, "byte") || !strcasecmp(unit, "bytes"))
		return 0;
	p = strchr(powers, tolower((unsigned char)unit[0]));
	if (!p)
		return -1;
	if (!unit[1] || !strcasecmp(unit + 1, "iB"))
		base = 1024;
	else if (!strcasecmp(unit + 1, "B"))
		base = 1000;
	else
		return -1;
	for (long i = p - powers; i >= 0; i--)
		*scale *= base;
	return 0;
}

int
vm_domain_size_kib(struct vm_xmlcheck *x, xmlNodePtr n, const char *s, unsigned long long *kib)
{
	const char *unit = vm_xmlcheck_attr(n, "unit");
	unsigned long long v, scale, bytes;

	if (unit_scale(unit, &scale) < 0)
		return vm_xmlcheck_error(x, n,
					 "unsupported unit '%s' (expected b, KB, KiB, MB, MiB, GB, GiB, TB or TiB)",
					 unit);
	if (vm_xmlcheck_ull(x, n, "size", s, 1, ULLONG_MAX, &v) < 0)
		return -1;
	/* QEMU takes a smaller guest and gives it 8 KiB, and wraps a larger
	 * size around to next to nothing; firmware needs 1 MiB. */
	if (__builtin_mul_overflow(v, scale, &bytes))
		bytes = ULLONG_MAX;
	*kib = bytes / 1024 + (bytes % 1024 != 0);
	if (*kib < MEMORY_MIN_KIB || *kib > MEMORY_MAX_KIB)
		return vm_xmlcheck_error(x, n, "size '%s' %s is outside 1 MiB to 16 TiB", s,
					 unit ? unit : "KiB");
	return 0;
}

static int
memory_kib(struct vm_xmlcheck *x, xmlNodePtr n, unsigned long long *kib)
{
	cleanup_free char *s = NULL;

	if (vm_xmlcheck_text(x, n, &s) < 0)
		return -1;
	return vm_domain_size_kib(x, n, s, kib);
}

static int
memory_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	vm_devices_ctx(x)->memory_node = n;
	return memory_kib(x, n, &dom_of(x)->memory_kib);
}

static int
current_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	vm_devices_ctx(x)->current_node = n;
	return memory_kib(x, n, &vm_devices_ctx(x)->current_kib);
}

static int
vcpu_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	const char *current = vm_xmlcheck_attr(n, "current");
	const char *cpuset = vm_xmlcheck_attr(n, "cpuset");
	cleanup_free char *s = NULL;
	unsigned long long v, cur;

	if (vm_xmlcheck_text(x, n, &s) < 0 ||
	    vm_xmlcheck_ull(x, n, "vcpu count", s, 1, 255, &v) < 0 ||
	    (current && vm_xmlcheck_ull(x, n, "current", current, 1, 255, &cur) < 0))
		return -1;
	if (cpuset && vm_machine_cpuset(x, n, cpuset, dom_of(x)->hw.cpuset) < 0)
		return -1;
	dom_of(x)->hw.pinned = cpuset != NULL;
	if (current && cur > v)
		return vm_xmlcheck_error(x, n, "current '%llu' is more than the %llu vcpus", cur,
					 v);
	dom_of(x)->vcpus = v;
	/* the others are there to be hotplugged (QEMU's maxcpus) */
	dom_of(x)->hw.vcpus_current = current && cur < v ? cur : 0;
	return 0;
}

static int
os_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	vm_devices_ctx(x)->os_node = n;
	return vm_firmware_os_begin(x, n);
}

static int
os_type_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	static const char ok[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
	struct vm_domain *dom = dom_of(x);
	const char *arch = vm_xmlcheck_attr(n, "arch");
	const char *machine = vm_xmlcheck_attr(n, "machine");

	vm_devices_ctx(x)->has_type = true;
	if (machine && (!*machine || machine[strspn(machine, ok)]))
		return vm_xmlcheck_error(x, n,
					 "invalid machine '%s' (expected letters, digits or '._-')",
					 machine);
	if (!(dom->arch = strdup(arch ? arch : "x86_64")))
		return vm_xmlcheck_nomem(x);
	if (machine && !(dom->machine = strdup(machine)))
		return vm_xmlcheck_nomem(x);
	return 0;
}

static int
kernel_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	return vm_devices_text(x, n, &dom_of(x)->kernel);
}

static int
initrd_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	return vm_devices_text(x, n, &dom_of(x)->initrd);
}

static int
cmdline_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	return vm_devices_text(x, n, &dom_of(x)->cmdline);
}

static int
boot_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	static const char *const devs[] = { "hd", "cdrom", "network", "fd" };
	static const char letters[] = "cdna";
	struct vm_domain *dom = dom_of(x);
	const char *dev = vm_xmlcheck_attr(n, "dev");
	size_t i = 0, len = strlen(dom->boot);

	while (strcmp(devs[i], dev))
		i++;
	if (strchr(dom->boot, letters[i]))
		return vm_xmlcheck_error(x, n, "duplicate boot device '%s'", dev);
	dom->boot[len] = letters[i];
	return 0;
}

/* The first disk of DEVICE in libvirt's order, or NULL. */
static struct vm_disk *
first_disk(struct vm_domain *dom, enum vm_disk_device device)
{
	struct vm_disk *first = NULL;

	for (size_t i = 0; i < dom->ndisks; i++)
		if (dom->disks[i].device == device &&
		    (!first || vm_disk_rank(dom, &dom->disks[i]) < vm_disk_rank(dom, first)))
			first = &dom->disks[i];
	return first;
}

/*
 * The boot order as libvirt 9.0 gives it to QEMU: devices' bootindex
 * only. <os><boot dev> N gives the first device of its kind bootindex
 * N, and a domain without any boot order boots from its first disk.
 */
static int
boot_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain *dom = dom_of(x);
	const char *order = dom->boot[0] ? dom->boot : "c";
	bool any = false;

	for (size_t i = 0; i < dom->ndisks; i++) {
		const struct vm_disk *d = &dom->disks[i];

		if (d->boot_order && dom->boot[0])
			return vm_error_set(x->err, VM_EXIT_INVALID,
					    "%s:%d: <disk>: <boot order> cannot be used with <os><boot dev>",
					    x->file, d->line);
		for (size_t j = 0; d->boot_order && j < dom->nifaces; j++)
			if (dom->ifaces[j].boot_order == d->boot_order)
				return vm_error_set(x->err, VM_EXIT_INVALID,
						    "%s:%d: <disk>: boot order %u is already the interface's of line %d",
						    x->file, d->line, d->boot_order,
						    dom->ifaces[j].line);
		for (size_t j = 0; d->boot_order && j < i; j++)
			if (dom->disks[j].boot_order == d->boot_order)
				return vm_error_set(x->err, VM_EXIT_INVALID,
						    "%s:%d: <disk>: boot order %u is already the disk's of line %d",
						    x->file, d->line, d->boot_order,
						    dom->disks[j].line);
		any |= d->boot_order != 0;
	}
	for (size_t j = 0; j < dom->nifaces; j++)
		any |= dom->ifaces[j].boot_order != 0;
	if (any)
		return 0;
	for (unsigned i = 0; i < sizeof(dom->boot) && order[i]; i++) {
		struct vm_disk *d = NULL;

		switch (order[i]) {
		case 'c':
			d = first_disk(dom, VM_DEVICE_DISK);
			break;
		case 'd':
			d = first_disk(dom, VM_DEVICE_CDROM);
			break;
		case 'a':
			d = first_disk(dom, VM_DEVICE_FLOPPY);
			break;
		case 'n':
			if (dom->nifaces)
				dom->ifaces[0].boot_order = i + 1;
			break;
		}
		if (d)
			d->boot_order = i + 1;
	}
	return 0;
}

static int
os_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain *dom = dom_of(x);

	if (!vm_devices_ctx(x)->has_type)
		return vm_xmlcheck_error(x, n, "missing <type>");
	if (!dom->kernel && (dom->initrd || dom->cmdline))
		return vm_xmlcheck_error(x, n, "<%s> needs <kernel>",
					 dom->initrd ? "initrd" : "cmdline");
	return 0;
}

/* <seclabel> */

/* Whether the <seclabel> N is one of a mandatory access control model, not DAC. */
static bool
mac_model(xmlNodePtr n)
{
	const char *model = vm_xmlcheck_attr(n, "model");

	return vm_devices_streq(model, "apparmor") || vm_devices_streq(model, "selinux");
}

static int
seclabel_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_seclabel *sl = &dom_of(x)->seclabel;
	struct vm_domain_ctx *c = vm_devices_ctx(x);
	const char *type = vm_xmlcheck_attr(n, "type");
	const char *model = vm_xmlcheck_attr(n, "model");
	const char *relabel = vm_xmlcheck_attr(n, "relabel");

	/*
	 * The profile or context libvirt made for a running domain (virsh
	 * dumpxml) is not used: vmkit confines QEMU by other means, and a
	 * label that a person chose cannot be kept.
	 */
	if (mac_model(n)) {
		if (strcmp(type, "dynamic"))
			return vm_xmlcheck_error(x, n,
						 "model '%s': vmkit confines QEMU with seccomp, no "
						 "capabilities and a uid of its own, and keeps no %s label",
						 model, model);
		return 0;
	}
	if (c->seclabel_node)
		return vm_xmlcheck_error(x, n, "a second DAC <seclabel> (first on line %ld)",
					 vm_xmlcheck_line(c->seclabel_node));
	c->seclabel_node = n;
	if (!strcmp(type, "none")) {
		if (vm_devices_streq(relabel, "yes"))
			return vm_xmlcheck_error(x, n, "type 'none' cannot relabel");
		sl->type = VM_SECLABEL_NONE;
		sl->relabel = false;
		return 0;
	}
	if (!vm_devices_streq(model, "dac") && (model || !strcmp(type, "static")))
		return vm_xmlcheck_error(x, n, "type '%s' needs model 'dac'", type);
	if (!strcmp(type, "dynamic")) {
		if (vm_devices_streq(relabel, "no"))
			return vm_xmlcheck_error(x, n, "type 'dynamic' always relabels");
		sl->type = VM_SECLABEL_DYNAMIC;
		sl->relabel = true;
		return 0;
	}
	/* libvirt's default for a static label is not to relabel */
	sl->type = VM_SECLABEL_STATIC;
	sl->relabel = vm_devices_streq(relabel, "yes");
	return 0;
}

/* "+N" followed by END, N a valid uid or gid. */
static const char *
parse_id(const char *s, char end, unsigned *id)
{
	unsigned long long v = 0;

	if (*s++ != '+' || !isdigit((unsigned char)*s))
		return NULL;
	for (; isdigit((unsigned char)*s); s++) {
		v = v * 10 + (*s - '0');
		if (v >= (unsigned)-1)
			return NULL;
	}
	if (*s != end)
		return NULL;
	*id = v;
	return s + 1;
}

/* Parses N's "+UID:+GID" into *UID and *GID. */
static int
label_ids(struct vm_xmlcheck *x, xmlNodePtr n, unsigned *uid, unsigned *gid)
{
	cleanup_free char *s = NULL;
	const char *p;

	if (vm_xmlcheck_text(x, n, &s) < 0)
		return -1;
	p = parse_id(s, ':', uid);
	if (!p || !parse_id(p, '\0', gid))
		return vm_xmlcheck_error(x, n, "invalid label '%s' (expected +UID:+GID)", s);
	return 0;
}

/*
 * The label of a dynamic seclabel, and any <imagelabel>, are what
 * libvirt chose for a running domain (virsh dumpxml): vmkit chooses its
 * own, so they are checked for their form and not used.
 */
static int
imagelabel_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	unsigned uid, gid;

	if (mac_model(n->parent))
		return 0;
	if (dom_of(x)->seclabel.type == VM_SECLABEL_NONE)
		return vm_xmlcheck_error(x, n, "a seclabel of type 'none' has no label");
	return label_ids(x, n, &uid, &gid);
}

static int
label_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_seclabel *sl = &dom_of(x)->seclabel;

	if (mac_model(n->parent) || sl->type != VM_SECLABEL_STATIC)
		return imagelabel_begin(x, n);
	if (label_ids(x, n, &sl->uid, &sl->gid) < 0)
		return -1;
	/* group 0 opens root's group-readable files (/etc/shadow-, disks) */
	if (sl->uid == 0 || sl->gid == 0)
		return vm_xmlcheck_error(x, n, "label '+%u:+%u': QEMU never runs as uid 0 or gid 0",
					 sl->uid, sl->gid);
	sl->has_ids = true;
	return 0;
}

static int
seclabel_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_seclabel *sl = &dom_of(x)->seclabel;

	if (!mac_model(n) && sl->type == VM_SECLABEL_STATIC && !sl->has_ids)
		return vm_xmlcheck_error(x, n, "missing <label>");
	return 0;
}

/* Records a generated UUID in the document too, so that status.json keeps it. */
static int
add_uuid(struct vm_xmlcheck *x, struct vm_domain *dom)
{
	xmlDocPtr doc = vm_devices_ctx(x)->doc;
	xmlNodePtr name = vm_devices_ctx(x)->name_node;
	xmlNodePtr node, indent;
	char s[37];

	uuid_generate(dom->uuid);
	uuid_unparse_lower(dom->uuid, s);
	node = xmlNewDocNode(doc, NULL, BAD_CAST "uuid", BAD_CAST s);
	if (!node)
		return vm_xmlcheck_nomem(x);
	xmlAddNextSibling(name, node);
	if (name->prev && name->prev->type == XML_TEXT_NODE) {
		indent = xmlNewDocText(doc, name->prev->content);
		if (indent)
			xmlAddPrevSibling(node, indent);
	}
	return 0;
}

static int
domain_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);
	struct vm_domain *dom = c->dom;

	if (!dom->name)
		return vm_xmlcheck_error(x, n, "missing <name>");
	if (!c->memory_node)
		return vm_xmlcheck_error(x, n, "missing <memory>");
	if (!c->os_node)
		return vm_xmlcheck_error(x, n, "missing <os>");
	if (!dom->vcpus)
		dom->vcpus = 1;
	if (vm_firmware_end(x, n) < 0 || vm_machine_end(x, n) < 0 || vm_devices_end(x, n) < 0 ||
	    boot_end(x, n) < 0 || vm_memory_end(x, n) < 0 || vm_cputune_end(x, n) < 0)
		return -1;
	return c->uuid_node ? 0 : add_uuid(x, dom);
}

static const struct vm_xmlcheck_attr domain_attrs[] = {
	{ "type", "kvm|qemu", VM_XMLCHECK_REQUIRED },
	{ "id", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_elem resource_children[] = {
	{ "partition", .content = VM_XMLCHECK_TEXT, .begin = partition_begin }, { NULL }
};

static const struct vm_xmlcheck_attr memory_attrs[] = {
	{ "unit", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL }, { NULL }
};

static const struct vm_xmlcheck_attr vcpu_attrs[] = {
	{ "placement", "static", VM_XMLCHECK_OPTIONAL },
	{ "current", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "cpuset", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_attr os_type_attrs[] = {
	{ "arch", "x86_64|i686", VM_XMLCHECK_OPTIONAL },
	{ "machine", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_attr boot_attrs[] = {
	{ "dev", "hd|cdrom|network|fd", VM_XMLCHECK_REQUIRED }, { NULL }
};

static const struct vm_xmlcheck_elem os_children[] = {
	{ "type", .attrs = os_type_attrs, .content = VM_XMLCHECK_TEXT, .values = "hvm",
	  .begin = os_type_begin },
	{ "kernel", .content = VM_XMLCHECK_TEXT, .begin = kernel_begin },
	{ "initrd", .content = VM_XMLCHECK_TEXT, .begin = initrd_begin },
	{ "cmdline", .content = VM_XMLCHECK_TEXT, .begin = cmdline_begin },
	{ "boot", .attrs = boot_attrs, .multi = true, .begin = boot_begin },
	{ "loader", .attrs = vm_firmware_loader_attrs, .content = VM_XMLCHECK_TEXT,
	  .begin = vm_firmware_loader_begin },
	{ "nvram", .attrs = vm_firmware_nvram_attrs, .content = VM_XMLCHECK_TEXT,
	  .begin = vm_firmware_nvram_begin },
	{ "firmware", .children = vm_firmware_children },
	{ "bootmenu", .attrs = vm_firmware_bootmenu_attrs, .begin = vm_firmware_bootmenu_begin },
	{ "bios", .attrs = vm_firmware_bios_attrs, .begin = vm_firmware_bios_begin },
	{ "smbios", .attrs = vm_firmware_smbios_attrs, .begin = vm_firmware_smbios_begin },
	{ NULL }
};

static const struct vm_xmlcheck_attr os_attrs[] = {
	{ "firmware", "efi|bios", VM_XMLCHECK_OPTIONAL }, { NULL }
};

static const struct vm_xmlcheck_attr seclabel_attrs[] = {
	{ "type", "none|dynamic|static", VM_XMLCHECK_REQUIRED },
	{ "model", "dac|none|apparmor|selinux", VM_XMLCHECK_OPTIONAL },
	{ "relabel", "yes|no", VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_elem seclabel_children[] = {
	{ "label", .content = VM_XMLCHECK_TEXT, .begin = label_begin },
	{ "imagelabel", .content = VM_XMLCHECK_TEXT, .begin = imagelabel_begin },
	{ NULL }
};

static const struct vm_xmlcheck_elem domain_children[] = {
	{ "name", .content = VM_XMLCHECK_TEXT, .begin = name_begin },
	{ "uuid", .content = VM_XMLCHECK_TEXT, .begin = uuid_begin },
	{ "title", .content = VM_XMLCHECK_TEXT },
	{ "description", .content = VM_XMLCHECK_TEXT },
	{ "metadata", .content = VM_XMLCHECK_ANY },
	{ "memory", .attrs = memory_attrs, .content = VM_XMLCHECK_TEXT, .begin = memory_begin },
	{ "currentMemory", .attrs = memory_attrs, .content = VM_XMLCHECK_TEXT,
	  .begin = current_begin },
	{ "vcpu", .attrs = vcpu_attrs, .content = VM_XMLCHECK_TEXT, .begin = vcpu_begin },
	{ "memoryBacking", .children = vm_memory_backing_children },
	{ "numatune", .content = VM_XMLCHECK_ANY,
	  .reject = "vmkit places no guest memory on host NUMA nodes: remove it, and run "
		    "vm-start under numactl --membind=NODES, whose policy QEMU inherits" },
	{ "iothreads", .content = VM_XMLCHECK_TEXT, .begin = vm_cputune_iothreads_begin },
	{ "cputune", .children = vm_cputune_children },
	{ "sysinfo", .attrs = vm_firmware_sysinfo_attrs, .children = vm_firmware_sysinfo_children,
	  .multi = true, .begin = vm_firmware_sysinfo_begin },
	{ "os", .attrs = os_attrs, .children = os_children, .begin = os_begin, .end = os_end },
	{ "features", .children = vm_machine_features_children },
	{ "cpu", .attrs = vm_machine_cpu_attrs, .children = vm_machine_cpu_children,
	  .begin = vm_machine_cpu_begin, .end = vm_machine_cpu_end },
	{ "on_poweroff", .content = VM_XMLCHECK_TEXT,
	  .values = "destroy|restart|preserve|rename-restart",
	  .begin = vm_machine_on_poweroff_begin },
	{ "on_reboot", .content = VM_XMLCHECK_TEXT,
	  .values = "destroy|restart|preserve|rename-restart",
	  .begin = vm_machine_on_reboot_begin },
	{ "on_crash", .content = VM_XMLCHECK_TEXT,
	  .values = "destroy|restart|preserve|rename-restart|coredump-destroy|coredump-restart",
	  .begin = vm_machine_on_crash_begin },
	{ "pm", .children = vm_machine_pm_children },
	{ "clock", .attrs = vm_machine_clock_attrs, .children = vm_machine_clock_children,
	  .begin = vm_machine_clock_begin },
	{ "resource", .children = resource_children },
	{ "devices", .children = vm_devices_children },
	{ "seclabel", .attrs = seclabel_attrs, .children = seclabel_children, .multi = true,
	  .begin = seclabel_begin, .end = seclabel_end },
	{ NULL }
};

static const struct vm_xmlcheck_elem domain_spec = { "domain", .attrs = domain_attrs,
						     .children = domain_children,
						     .begin = domain_begin, .end = domain_end };

/* The API */

/* Keeps the document, generated <uuid> included, as text: vm-start records it. */
static int
keep_text(struct vm_xmlcheck *x, xmlDocPtr doc, struct vm_domain *dom)
{
	xmlChar *xml = NULL;
	int len = 0;

	xmlDocDumpMemoryEnc(doc, &xml, &len, "UTF-8");
	if (xml && len >= 0)
		dom->xml = strndup((const char *)xml, len);
	xmlFree(xml);
	if (!dom->xml)
		return vm_xmlcheck_nomem(x);
	dom->xml_len = len;
	return 0;
}

static int
parse(const char *buf, size_t len, const char *name, const struct vm_conf *conf,
      struct vm_domain **domp, struct vm_error *err)
{
	struct vm_domain_ctx c = { .conf = conf };
	struct vm_xmlcheck x = { name, err, &c };
	struct vm_domain *dom;
	xmlNodePtr node;
	int r;

	*domp = NULL;
	if (vm_devices_init(err) < 0 || vm_xmlcheck_read(buf, len, name, &c.doc, err) < 0)
		return -1;
	node = xmlDocGetRootElement(c.doc);
	dom = calloc(1, sizeof(*dom));
	if (!dom) {
		xmlFreeDoc(c.doc);
		return vm_error_set(err, VM_EXIT_SYSTEM, "out of memory");
	}
	dom->seclabel.type = VM_SECLABEL_DYNAMIC;
	dom->seclabel.relabel = true;
	c.dom = dom;
	if (!(dom->file = strdup(name)))
		r = vm_xmlcheck_nomem(&x);
	else if (!node || node->ns || strcmp((const char *)node->name, "domain"))
		r = vm_error_set(err, VM_EXIT_INVALID, "%s: expected a <domain> element", name);
	else
		r = vm_xmlcheck_walk(&x, node, &domain_spec);
	if (r == 0)
		r = keep_text(&x, c.doc, dom);
	free(c.console.path);
	free(c.addrs);
	xmlFreeDoc(c.doc);
	if (r < 0) {
		vm_domain_free(dom);
		return -1;
	}
	*domp = dom;
	return 0;
}

int
vm_domain_parse(const char *buf, size_t len, const char *name, struct vm_domain **domp,
		struct vm_error *err)
{
	return parse(buf, len, name, NULL, domp, err);
}

int
vm_domain_load(const char *path, const struct vm_conf *conf, struct vm_domain **dom,
	       struct vm_error *err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;

	*dom = NULL;
	if (vm_paths_read_user(path, "domain ", DOMAIN_MAX_SIZE, &buf, &len, err) < 0)
		return -1;
	return parse(buf, len, path, conf, dom, err);
}

void
vm_domain_free(struct vm_domain *dom)
{
	if (!dom)
		return;
	free(dom->file);
	free(dom->name);
	free(dom->arch);
	free(dom->machine);
	free(dom->kernel);
	free(dom->initrd);
	free(dom->cmdline);
	free(dom->emulator);
	free(dom->hw.vcpupins);
	vm_firmware_clear(&dom->fw);
	vm_devices_clear(dom);
	free(dom->xml);
	free(dom);
}
