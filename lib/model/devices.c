#include "devices.h"
#include "cleanup.h"
#include "exitcodes.h"

#include <stdlib.h>
#include <string.h>

/* The device classes, in the order of their QEMU arguments and end checks:
 * the primary video first, as it takes the PCI slot libvirt gives it; the
 * virtio-serial controller with the controllers; the balloon, rng and
 * watchdog in the order libvirt gives them slots; USB redirection after
 * the USB inputs, so that QEMU gives them USB ports in libvirt's order;
 * the addresses last, to check them with every device known. */
static const struct vm_devices_class *const classes[] = {
	&vm_video_class,      &vm_graphics_class, &vm_controller_class, &vm_channel_class,
	&vm_disk_class,	      &vm_net_class,	  &vm_serial_class,	&vm_lease_def_class,
	&vm_memballoon_class, &vm_rng_class,	  &vm_watchdog_class,	&vm_panic_class,
	&vm_input_class,      &vm_redirdev_class, &vm_sound_class,	&vm_tpm_class,
	&vm_address_class,
};

#define NCLASSES (sizeof(classes) / sizeof(*classes))

/* <emulator>: not a device, and not a class of its own. */

static int
emulator_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	cleanup_free char *path = NULL;

	if (vm_xmlcheck_text(x, n, &path) < 0 || vm_devices_check_absolute(x, n, path) < 0)
		return -1;
	vm_devices_ctx(x)->dom->emulator = steal_ptr(path);
	return 0;
}

const struct vm_xmlcheck_attr vm_devices_alias_attrs[] = {
	{ "name", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_REQUIRED }, { NULL }
};

static const struct vm_xmlcheck_elem others[] = {
	{ "emulator", .content = VM_XMLCHECK_TEXT, .begin = emulator_begin }, { NULL }
};

/* Room for the elements of every class and the others. */
#define CHILDREN_MAX 32

struct vm_xmlcheck_elem vm_devices_children[CHILDREN_MAX + 1];

static int
gather(size_t *n, const struct vm_xmlcheck_elem *elems, struct vm_error *err)
{
	for (; elems->name; elems++) {
		if (*n == CHILDREN_MAX)
			return vm_error_set(err, VM_EXIT_SYSTEM,
					    "more than %d children of <devices>", CHILDREN_MAX);
		vm_devices_children[(*n)++] = *elems;
	}
	return 0;
}

int
vm_devices_init(struct vm_error *err)
{
	size_t n = 0;

	if (vm_devices_children[0].name)
		return 0;
	for (size_t i = 0; i < NCLASSES; i++)
		if (gather(&n, classes[i]->elems, err) < 0)
			return -1;
	if (gather(&n, others, err) < 0)
		return -1;
	vm_devices_children[n] = (struct vm_xmlcheck_elem){ NULL };
	return 0;
}

int
vm_devices_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	for (size_t i = 0; i < NCLASSES; i++)
		if (classes[i]->end && classes[i]->end(x, n) < 0)
			return -1;
	return 0;
}

int
vm_devices_argv(struct vm_argv *a, const struct vm_devices_argv *d, struct vm_error *err)
{
	for (size_t i = 0; i < NCLASSES; i++)
		if (classes[i]->argv && classes[i]->argv(a, d, err) < 0)
			return -1;
	return 0;
}

void
vm_devices_clear(struct vm_domain *dom)
{
	for (size_t i = 0; i < NCLASSES; i++)
		if (classes[i]->clear)
			classes[i]->clear(dom);
}

/* What the handlers of several classes share */

unsigned
vm_devices_index(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (vm_devices_streq(names[i], s))
			return i;
	return 0;
}

int
vm_devices_parse_one(const char *buf, size_t len, const char *name,
		     const struct vm_xmlcheck_elem *elem, struct vm_domain_ctx *c,
		     struct vm_error *err)
{
	struct vm_xmlcheck x = { name, err, c };
	xmlDocPtr doc;
	xmlNodePtr root;
	int r;

	if (vm_xmlcheck_read(buf, len, name, &doc, err) < 0)
		return -1;
	root = xmlDocGetRootElement(doc);
	if (!root || root->ns || strcmp((const char *)root->name, elem->name))
		r = vm_error_set(err, VM_EXIT_INVALID, "%s: expected %s <%s> element", name,
				 strchr("aeiou", elem->name[0]) ? "an" : "a", elem->name);
	else
		r = vm_xmlcheck_walk(&x, root, elem);
	xmlFreeDoc(doc);
	return r;
}

void *
vm_devices_grow(struct vm_xmlcheck *x, void *arr, size_t n, size_t size)
{
	char *p = reallocarray(arr, n + 1, size);

	if (!p) {
		vm_xmlcheck_nomem(x);
		return NULL;
	}
	memset(p + n * size, 0, size);
	return p;
}

int
vm_devices_set_str(struct vm_xmlcheck *x, char **dst, const char *s)
{
	char *copy = strdup(s);

	if (!copy)
		return vm_xmlcheck_nomem(x);
	free(*dst);
	*dst = copy;
	return 0;
}

int
vm_devices_text(struct vm_xmlcheck *x, xmlNodePtr n, char **dst)
{
	cleanup_free char *s = NULL;

	if (vm_xmlcheck_text(x, n, &s) < 0)
		return -1;
	if (!*s)
		return vm_xmlcheck_error(x, n, "empty value");
	free(*dst);
	*dst = steal_ptr(s);
	return 0;
}

int
vm_devices_check_absolute(struct vm_xmlcheck *x, xmlNodePtr n, const char *path)
{
	if (path[0] != '/')
		return vm_xmlcheck_error(x, n, "'%s' is not an absolute path", path);
	return 0;
}
