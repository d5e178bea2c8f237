/*
 * The guest's memory beyond its size: <memoryBacking> and <currentMemory>.
 *
 * A memfd source, shared access or hugepages make the guest's RAM a
 * memory-backend-memfd named pc.ram, as libvirt 9.0 names it, so that
 * the guest sees the same RAM block. libvirt backs shared anonymous
 * memory and hugepages with a file of its own directory or hugetlbfs
 * mount; a memfd (with hugetlb) gives the guest the same memory without
 * either. Hugepages are checked against the host's free pages of that
 * size when the file is read, so that --check says what start would.
 *
 * <currentMemory> below <memory> is the balloon's target, set through
 * QMP before the guest runs (lib/flow/tune.c); without a virtio balloon
 * nothing could hold the guest at it, so it is refused.
 */
#include "devices.h"
#include "machine.h"

#include <stdio.h>
#include <string.h>

#define HUGEPAGES_DIR "/sys/kernel/mm/hugepages"

static struct vm_machine *
machine_of(struct vm_xmlcheck *x)
{
	return &vm_devices_ctx(x)->dom->hw;
}

static int
source_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	const char *type = vm_xmlcheck_attr(n, "type");

	if (!strcmp(type, "file"))
		return vm_xmlcheck_error(x, n,
					 "type 'file': vmkit keeps no memory files; use type "
					 "'memfd', which gives the guest the same memory");
	machine_of(x)->mem_memfd = !strcmp(type, "memfd");
	return 0;
}

static int
access_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	machine_of(x)->mem_shared = !strcmp(vm_xmlcheck_attr(n, "mode"), "shared");
	return 0;
}

static int
nosharepages_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	machine_of(x)->nosharepages = true;
	return 0;
}

/* The host's default hugepage size in KiB (/proc/meminfo), 0 when it has none. */
static unsigned long long
default_hugepage_kib(void)
{
	unsigned long long kib = 0;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Hugepagesize: %llu kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static int
hugepages_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	/* a <page> says its size; else the host's default, read at the end */
	machine_of(x)->hugepage_kib = 1;
	vm_devices_ctx(x)->hugepages_node = n;
	return 0;
}

static int
page_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_machine *m = machine_of(x);
	const char *unit = vm_xmlcheck_attr(n, "unit");
	unsigned long long size, scale = 1;

	if (xmlPreviousElementSibling(n))
		return vm_xmlcheck_error(x, n,
					 "a second <page>: vmkit backs the guest with one page size");
	if (vm_xmlcheck_ull(x, n, "size", vm_xmlcheck_attr(n, "size"), 1, 1ULL << 32, &size) < 0)
		return -1;
	if (vm_devices_streq(unit, "M") || vm_devices_streq(unit, "MiB"))
		scale = 1024;
	else if (vm_devices_streq(unit, "G") || vm_devices_streq(unit, "GiB"))
		scale = 1024 * 1024;
	m->hugepage_kib = size * scale;
	return 0;
}

/* The free pages of SIZE KiB, or -1 when the host has no such size. */
static long long
free_hugepages(unsigned long long kib)
{
	char path[96];
	long long pages = -1;
	FILE *f;

	snprintf(path, sizeof(path), HUGEPAGES_DIR "/hugepages-%llukB/free_hugepages", kib);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &pages) != 1)
		pages = -1;
	fclose(f);
	return pages;
}

static int
hugepages_end(struct vm_xmlcheck *x, xmlNodePtr n, struct vm_domain *dom)
{
	struct vm_machine *m = &dom->hw;
	unsigned long long need;
	long long pages;

	if (m->hugepage_kib == 1 && !(m->hugepage_kib = default_hugepage_kib()))
		return vm_xmlcheck_error(x, n, "this host has no hugepages");
	need = (dom->memory_kib + m->hugepage_kib - 1) / m->hugepage_kib;
	pages = free_hugepages(m->hugepage_kib);
	if (pages < 0)
		return vm_xmlcheck_error(x, n,
					 "this host has no pages of %llu KiB "
					 "(" HUGEPAGES_DIR " lists the sizes it has)",
					 m->hugepage_kib);
	if ((unsigned long long)pages < need)
		return vm_xmlcheck_error(x, n,
					 "the guest needs %llu pages of %llu KiB and "
					 "the host has %lld free (raise " HUGEPAGES_DIR
					 "/hugepages-%llukB/nr_hugepages, or remove <hugepages>)",
					 need, m->hugepage_kib, pages, m->hugepage_kib);
	return 0;
}

int
vm_memory_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);
	struct vm_domain *dom = c->dom;

	if (c->hugepages_node && hugepages_end(x, c->hugepages_node, dom) < 0)
		return -1;
	if (!c->current_node || c->current_kib == dom->memory_kib)
		return 0;
	if (c->current_kib > dom->memory_kib)
		return vm_xmlcheck_error(x, c->current_node, "%llu KiB is more than <memory>",
					 c->current_kib);
	if (!dom->memballoon.virtio)
		return vm_xmlcheck_error(x, c->current_node,
					 "below <memory> needs a <memballoon model='virtio'> to "
					 "hold the guest there, not model 'none'; or make it <memory>");
	dom->hw.balloon_kib = c->current_kib;
	return 0;
}

static const struct vm_xmlcheck_attr source_attrs[] = {
	{ "type", "anonymous|memfd|file", VM_XMLCHECK_REQUIRED }, { NULL }
};

static const struct vm_xmlcheck_attr access_attrs[] = {
	{ "mode", "shared|private", VM_XMLCHECK_REQUIRED }, { NULL }
};

static const struct vm_xmlcheck_attr page_attrs[] = {
	{ "size", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_REQUIRED },
	{ "unit", "KiB|k|K|M|MiB|G|GiB", VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_elem hugepages_children[] = {
	{ "page", .attrs = page_attrs, .multi = true, .begin = page_begin }, { NULL }
};

const struct vm_xmlcheck_elem vm_memory_backing_children[] = {
	{ "hugepages", .children = hugepages_children, .begin = hugepages_begin },
	{ "source", .attrs = source_attrs, .begin = source_begin },
	{ "access", .attrs = access_attrs, .begin = access_begin },
	{ "nosharepages", .content = VM_XMLCHECK_EMPTY, .begin = nosharepages_begin },
	{ "locked", .content = VM_XMLCHECK_EMPTY,
	  .reject = "QEMU runs without CAP_IPC_LOCK and cannot lock the guest's memory: remove "
		    "<locked/>" },
	{ NULL }
};
