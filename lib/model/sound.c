#include "sound.h"
#include "devices.h"
#include "exitcodes.h"

#include <stdlib.h>
#include <string.h>

#define AUDIO_MAX 8

static const char *const model_names[] = { "ich9", "ich6", "ac97", "usb" };
static const char *const codec_devices[] = { "hda-duplex", "hda-micro", "hda-output" };
static const char *const audio_names[] = { "none", "spice" };

static bool
hda(const struct vm_sound *s)
{
	return s->model == VM_SOUND_ICH9 || s->model == VM_SOUND_ICH6;
}

static int
sound_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);
	struct vm_domain *dom = c->dom;

	c->sound = VM_DEVICES_APPEND(x, dom->sounds, dom->nsounds);
	if (!c->sound)
		return -1;
	c->sound->model = vm_devices_index(model_names, 4, vm_xmlcheck_attr(n, "model"));
	c->sound->line = (int)vm_xmlcheck_line(n);
	VM_ADDRESS_EXPECT(c, n, sounds, dom->nsounds - 1, addr,
			  VM_ADDRESS_TAKES(c->sound->model == VM_SOUND_USB ? VM_ADDRESS_USB
									   : VM_ADDRESS_PCI));
	return 0;
}

static int
codec_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_sound *s = vm_devices_ctx(x)->sound;

	if (!hda(s))
		return vm_xmlcheck_error(x, n, "model '%s' has no codecs (ich6 and ich9 have)",
					 model_names[s->model]);
	if (s->ncodecs == VM_SOUND_CODECS_MAX)
		return vm_xmlcheck_error(x, n, "too many codecs (at most %d)", VM_SOUND_CODECS_MAX);
	s->codecs[s->ncodecs++] =
		vm_devices_index((const char *const[]){ "duplex", "micro", "output" }, 3,
				 vm_xmlcheck_attr(n, "type"));
	return 0;
}

static int
sound_audio_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	unsigned long long id;

	if (vm_xmlcheck_ull(x, n, "audio id", vm_xmlcheck_attr(n, "id"), 1, AUDIO_MAX, &id) < 0)
		return -1;
	vm_devices_ctx(x)->sound->audio = (unsigned)id;
	return 0;
}

static int
audio_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain *dom = vm_devices_ctx(x)->dom;
	unsigned long long id;
	struct vm_audio *a;

	if (vm_xmlcheck_ull(x, n, "audio id", vm_xmlcheck_attr(n, "id"), 1, AUDIO_MAX, &id) < 0)
		return -1;
	if (id != dom->naudios + 1)
		return vm_xmlcheck_error(x, n, "audio id %llu out of order (expected %zu)", id,
					 dom->naudios + 1);
	a = VM_DEVICES_APPEND(x, dom->audios, dom->naudios);
	if (!a)
		return -1;
	a->id = (unsigned)id;
	a->type = vm_devices_index(audio_names, 2, vm_xmlcheck_attr(n, "type"));
	a->line = (int)vm_xmlcheck_line(n);
	return 0;
}

/* Each sound device's backend exists; spice needs SPICE; USB sound needs USB. */
static int
sounds_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain *dom = vm_devices_ctx(x)->dom;

	(void)n;
	for (size_t i = 0; i < dom->naudios; i++)
		if (dom->audios[i].type == VM_AUDIO_SPICE && !vm_graphics_has_spice(dom))
			return vm_error_set(x->err, VM_EXIT_INVALID,
					    "%s:%d: <audio>: type 'spice' needs a <graphics type='spice'>",
					    x->file, dom->audios[i].line);
	for (size_t i = 0; i < dom->nsounds; i++) {
		struct vm_sound *s = &dom->sounds[i];

		if (s->audio > dom->naudios)
			return vm_error_set(x->err, VM_EXIT_INVALID,
					    "%s:%d: <sound>: no <audio id='%u'>", x->file, s->line,
					    s->audio);
		if (s->model == VM_SOUND_USB && !dom->usb)
			return vm_error_set(x->err, VM_EXIT_INVALID,
					    "%s:%d: <sound>: model 'usb' needs a USB controller, which <controller type='usb' model='none'/> turns off",
					    x->file, s->line);
		if (!s->audio)
			s->audio = 1;
	}
	return 0;
}

/* The backend a sound device plays to: its <audio>, or the one libvirt would add. */
static enum vm_audio_type
backend(const struct vm_domain *dom, unsigned id)
{
	if (id <= dom->naudios)
		return dom->audios[id - 1].type;
	return vm_graphics_has_spice(dom) ? VM_AUDIO_SPICE : VM_AUDIO_NONE;
}

static int
sound_argv(struct vm_argv *a, const struct vm_devices_argv *d, struct vm_error *err)
{
	const struct vm_domain *dom = d->dom;
	size_t naudio = dom->naudios ? dom->naudios : dom->nsounds ? 1 : 0;

	for (size_t i = 0; i < naudio; i++) {
		struct vm_argv_opt o = { 0 };

		vm_argv_opt_add(&o, "%s,id=audio%zu", audio_names[backend(dom, i + 1)], i + 1);
		if (vm_argv_opt_push(a, "-audiodev", &o, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < dom->nsounds; i++) {
		const struct vm_sound *s = &dom->sounds[i];
		struct vm_argv_opt o = { 0 };
		unsigned ncodecs = s->ncodecs ? s->ncodecs : 1;

		if (s->model == VM_SOUND_ICH9)
			vm_argv_opt_add(&o, "ich9-intel-hda,id=sound%zu", i);
		else if (s->model == VM_SOUND_ICH6)
			vm_argv_opt_add(&o, "intel-hda,id=sound%zu", i);
		else
			vm_argv_opt_add(&o, "%s,id=sound%zu,audiodev=audio%u",
					s->model == VM_SOUND_AC97 ? "AC97" : "usb-audio", i,
					s->audio);
		/* address.c's, as libvirt's: the first ich9 of a q35 in the chipset's 0x1b */
		vm_address_opt(&o, dom, &s->addr);
		if (vm_argv_opt_push(a, "-device", &o, err) < 0)
			return -1;
		for (unsigned k = 0; hda(s) && k < ncodecs; k++) {
			vm_argv_opt_add(&o,
					"%s,id=sound%zu-codec%u,bus=sound%zu.0,cad=%u,audiodev=audio%u",
					codec_devices[s->ncodecs ? s->codecs[k] : VM_CODEC_DUPLEX],
					i, k, i, k, s->audio);
			if (vm_argv_opt_push(a, "-device", &o, err) < 0)
				return -1;
		}
	}
	return 0;
}

static void
sound_clear(struct vm_domain *dom)
{
	free(dom->sounds);
	free(dom->audios);
}

static const struct vm_xmlcheck_attr sound_attrs[] = {
	{ "model", "ich9|ich6|ac97|usb", VM_XMLCHECK_REQUIRED }, { NULL }
};

static const struct vm_xmlcheck_attr codec_attrs[] = {
	{ "type", "duplex|micro|output", VM_XMLCHECK_REQUIRED }, { NULL }
};

static const struct vm_xmlcheck_attr sound_audio_attrs[] = {
	{ "id", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_REQUIRED }, { NULL }
};

static const struct vm_xmlcheck_elem sound_children[] = {
	{ "codec", .attrs = codec_attrs, .multi = true, .begin = codec_begin },
	{ "audio", .attrs = sound_audio_attrs, .begin = sound_audio_begin },
	VM_DEVICES_ALIAS,
	VM_DEVICES_ADDRESS,
	{ NULL }
};

static const struct vm_xmlcheck_attr audio_attrs[] = {
	{ "id", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_REQUIRED },
	{ "type", "none|spice", VM_XMLCHECK_REQUIRED },
	{ NULL }
};

static const struct vm_xmlcheck_elem elems[] = {
	{ "sound", .attrs = sound_attrs, .children = sound_children, .multi = true,
	  .begin = sound_begin },
	{ "audio", .attrs = audio_attrs, .multi = true, .begin = audio_begin },
	{ NULL }
};

const struct vm_devices_class vm_sound_class = {
	.elems = elems,
	.end = sounds_end,
	.argv = sound_argv,
	.clear = sound_clear,
};
