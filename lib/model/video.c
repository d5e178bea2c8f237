#include "video.h"
#include "devices.h"
#include "exitcodes.h"

#include <stdlib.h>
#include <string.h>

#define KIB_PER_MIB 1024
#define SIZE_MAX_KIB (1024 * 1024) /* 1 GiB: more than any of these devices maps */
#define HEADS_MAX 16

/*
 * Each model: its name in the XML, QEMU's device as the primary video
 * and as a further one (NULL: it cannot be one), its default sizes in
 * KiB (0: the model has no such size), and whether it has heads.
 */
static const struct model {
	const char *name, *primary, *secondary;
	unsigned ram, vram, vgamem;
	bool heads, pci;
} models[] = {
	[VM_VIDEO_VGA] = { "vga", "VGA", NULL, 0, 16384, 0, false, true },
	[VM_VIDEO_CIRRUS] = { "cirrus", "cirrus-vga", NULL, 0, 0, 0, false, true },
	[VM_VIDEO_QXL] = { "qxl", "qxl-vga", "qxl", 65536, 65536, 16384, true, true },
	[VM_VIDEO_VIRTIO] = { "virtio", "virtio-vga", "virtio-gpu-pci", 0, 0, 0, true, true },
	[VM_VIDEO_BOCHS] = { "bochs", "bochs-display", NULL, 0, 16384, 0, false, true },
	[VM_VIDEO_RAMFB] = { "ramfb", "ramfb", NULL, 0, 0, 0, false, false },
	[VM_VIDEO_NONE] = { "none", NULL, NULL, 0, 0, 0, false, false },
};

#define NMODELS (sizeof(models) / sizeof(*models))

/* cirrus has 16 MiB, which libvirt writes and does not pass on: only that is a restatement */
#define CIRRUS_VRAM 16384

static int
video_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);
	struct vm_domain *dom = c->dom;

	c->video = VM_DEVICES_APPEND(x, dom->videos, dom->nvideos);
	if (!c->video)
		return -1;
	c->video->line = (int)vm_xmlcheck_line(n);
	VM_ADDRESS_EXPECT(c, n, videos, dom->nvideos - 1, addr, VM_ADDRESS_TAKES(VM_ADDRESS_PCI));
	c->video_model = false;
	return 0;
}

/* A size attribute NAME of N in KiB, whole MiB, into *V; absent keeps the default. */
static int
size_attr(struct vm_xmlcheck *x, xmlNodePtr n, const char *name, unsigned def, unsigned *v)
{
	const char *s = vm_xmlcheck_attr(n, name);
	unsigned long long kib;

	*v = def;
	if (!s)
		return 0;
	if (!def)
		return vm_xmlcheck_error(x, n, "model '%s' has no '%s'",
					 vm_xmlcheck_attr(n, "type"), name);
	if (vm_xmlcheck_ull(x, n, name, s, KIB_PER_MIB, SIZE_MAX_KIB, &kib) < 0)
		return -1;
	if (kib % KIB_PER_MIB)
		return vm_xmlcheck_error(x, n, "%s='%s' is not a whole number of MiB (in KiB)",
					 name, s);
	*v = (unsigned)kib;
	return 0;
}

static int
model_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);
	struct vm_video *v = c->video;
	const char *type = vm_xmlcheck_attr(n, "type");
	const char *heads = vm_xmlcheck_attr(n, "heads");
	const char *vram = vm_xmlcheck_attr(n, "vram");
	const struct model *m;
	unsigned long long h = 1;

	c->video_model = true;
	for (size_t k = 0; k < NMODELS; k++)
		if (!strcmp(type, models[k].name))
			v->model = k;
	m = &models[v->model];
	v->primary = vm_devices_streq(vm_xmlcheck_attr(n, "primary"), "yes");
	if (v->model == VM_VIDEO_CIRRUS && vram) {
		if (strcmp(vram, "16384") != 0)
			return vm_xmlcheck_error(x, n, "cirrus has 16384 KiB of vram, not '%s'",
						 vram);
		vram = NULL;
	}
	if (size_attr(x, n, "ram", m->ram, &v->ram) < 0 ||
	    (vram && size_attr(x, n, "vram", m->vram, &v->vram) < 0) ||
	    size_attr(x, n, "vgamem", m->vgamem, &v->vgamem) < 0)
		return -1;
	if (!vram)
		v->vram = m->vram;
	if (heads && vm_xmlcheck_ull(x, n, "heads", heads, 1, HEADS_MAX, &h) < 0)
		return -1;
	if (h != 1 && !m->heads)
		return vm_xmlcheck_error(x, n, "model '%s' has one head", type);
	v->heads = (unsigned)h;
	return 0;
}

static int
video_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	if (!vm_devices_ctx(x)->video_model)
		return vm_xmlcheck_error(x, n, "missing <model type='...'/>");
	return 0;
}

/* The primary video goes first, as libvirt orders them; the others must be able to follow. */
static int
videos_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain *dom = vm_devices_ctx(x)->dom;
	struct vm_video *v = dom->videos;
	size_t primary = 0, nprimary = 0;

	(void)n;
	for (size_t i = 0; i < dom->nvideos; i++) {
		if (v[i].model == VM_VIDEO_NONE && dom->nvideos > 1)
			return vm_error_set(x->err, VM_EXIT_INVALID,
					    "%s:%d: <video>: model 'none' is the only video of a domain",
					    x->file, v[i].line);
		if (v[i].primary && nprimary++)
			return vm_error_set(x->err, VM_EXIT_INVALID,
					    "%s:%d: <video>: only one video is primary='yes'",
					    x->file, v[i].line);
		if (v[i].primary)
			primary = i;
	}
	if (primary) {
		struct vm_video p = v[primary];

		memmove(&v[1], &v[0], primary * sizeof(*v));
		v[0] = p;
	}
	for (size_t i = 0; i < dom->nvideos; i++) {
		v[i].primary = i == 0;
		if (i && !models[v[i].model].secondary)
			return vm_error_set(x->err, VM_EXIT_INVALID,
					    "%s:%d: <video>: model '%s' can only be the primary video (a further one is qxl or virtio)",
					    x->file, v[i].line, models[v[i].model].name);
	}
	return 0;
}

static int
video_argv(struct vm_argv *a, const struct vm_devices_argv *d, struct vm_error *err)
{
	const struct vm_domain *dom = d->dom;

	for (size_t i = 0; i < dom->nvideos; i++) {
		const struct vm_video *v = &dom->videos[i];
		const struct model *m = &models[v->model];
		struct vm_argv_opt o = { 0 };

		if (v->model == VM_VIDEO_NONE)
			continue;
		vm_argv_opt_add(&o, "%s,id=video%zu", v->primary ? m->primary : m->secondary, i);
		if (v->model == VM_VIDEO_VGA)
			vm_argv_opt_add(&o, ",vgamem_mb=%u", v->vram / KIB_PER_MIB);
		if (v->model == VM_VIDEO_QXL)
			vm_argv_opt_add(&o, ",ram_size=%llu,vram_size=%llu,vgamem_mb=%u",
					v->ram * 1024ULL, v->vram * 1024ULL,
					v->vgamem / KIB_PER_MIB);
		if (v->model == VM_VIDEO_BOCHS)
			vm_argv_opt_add(&o, ",vgamem=%uk", v->vram);
		if (m->heads)
			vm_argv_opt_add(&o, ",max_outputs=%u", v->heads);
		/* where libvirt puts the primary video: before any other device takes it */
		if (v->addr.type)
			vm_address_opt(&o, dom, &v->addr);
		else if (v->primary && m->pci)
			vm_argv_opt_add(&o, vm_domain_is_q35(dom) ? ",bus=pcie.0,addr=0x1"
								  : ",bus=pci.0,addr=0x2");
		if (vm_argv_opt_push(a, "-device", &o, err) < 0)
			return -1;
	}
	return 0;
}

static void
video_clear(struct vm_domain *dom)
{
	free(dom->videos);
}

static const struct vm_xmlcheck_attr model_attrs[] = {
	{ "type", "vga|cirrus|qxl|virtio|bochs|ramfb|none", VM_XMLCHECK_REQUIRED },
	{ "ram", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "vram", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "vgamem", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "heads", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "primary", "yes|no", VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_attr acceleration_attrs[] = {
	{ "accel3d", "no", VM_XMLCHECK_OPTIONAL },
	{ "accel2d", "no", VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_elem model_children[] = {
	{ "acceleration", .attrs = acceleration_attrs }, { NULL }
};

static const struct vm_xmlcheck_elem video_children[] = {
	{ "model", .attrs = model_attrs, .children = model_children, .begin = model_begin },
	VM_DEVICES_ALIAS,
	VM_DEVICES_ADDRESS,
	{ NULL }
};

static const struct vm_xmlcheck_elem elems[] = { { "video", .children = video_children,
						   .multi = true, .begin = video_begin,
						   .end = video_end },
						 { NULL } };

const struct vm_devices_class vm_video_class = {
	.elems = elems,
	.end = videos_end,
	.argv = video_argv,
	.clear = video_clear,
};
