#include "net.h"
#include "devices.h"
#include "exitcodes.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int
iface_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);
	struct vm_domain *dom = c->dom;

	c->iface = VM_DEVICES_APPEND(x, dom->ifaces, dom->nifaces);
	return c->iface ? 0 : -1;
}

static int
model_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	return vm_devices_set_str(x, &vm_devices_ctx(x)->iface->model, vm_xmlcheck_attr(n, "type"));
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
		return vm_xmlcheck_error(x, n,
					 "invalid mac address '%s' (expected xx:xx:xx:xx:xx:xx)",
					 mac);
	if (strtoul(mac, NULL, 16) & 1)
		return vm_xmlcheck_error(x, n, "mac address '%s' is a multicast address", mac);
	return vm_devices_set_str(x, &vm_devices_ctx(x)->iface->mac, mac);
}

static int
iface_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_iface *i = vm_devices_ctx(x)->iface;

	return i->model ? 0 : vm_devices_set_str(x, &i->model, "virtio");
}

static int
net_argv(struct vm_argv *a, const struct vm_devices_argv *d, struct vm_error *err)
{
	const struct vm_domain *dom = d->dom;

	for (size_t i = 0; i < dom->nifaces; i++) {
		const struct vm_iface *n = &dom->ifaces[i];
		const char *model = n->model ? n->model : "virtio";
		struct vm_argv_opt o = { 0 };

		if (strcmp(model, "virtio") == 0)
			model = "virtio-net-pci";
		else if (strcmp(model, "e1000") != 0 && strcmp(model, "rtl8139") != 0)
			return vm_error_set(err, VM_EXIT_INVALID,
					    "unsupported interface model '%s'", model);
		vm_argv_opt_add(&o, "user,id=hostnet%zu", i);
		if (vm_argv_opt_push(a, "-netdev", &o, err) < 0)
			return -1;
		vm_argv_opt_add(&o, "%s,netdev=hostnet%zu,id=net%zu", model, i, i);
		if (n->mac)
			vm_argv_opt_val(&o, "mac", n->mac);
		if (vm_argv_opt_push(a, "-device", &o, err) < 0)
			return -1;
	}
	return 0;
}

static void
net_clear(struct vm_domain *dom)
{
	for (size_t i = 0; i < dom->nifaces; i++) {
		free(dom->ifaces[i].model);
		free(dom->ifaces[i].mac);
	}
	free(dom->ifaces);
}

static const struct vm_xmlcheck_attr iface_attrs[] = { { "type", "user", VM_XMLCHECK_REQUIRED },
						       { NULL } };

static const struct vm_xmlcheck_attr model_attrs[] = {
	{ "type", "virtio|e1000|rtl8139", VM_XMLCHECK_REQUIRED }, { NULL }
};

static const struct vm_xmlcheck_attr mac_attrs[] = {
	{ "address", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_REQUIRED }, { NULL }
};

static const struct vm_xmlcheck_elem iface_children[] = {
	{ "model", .attrs = model_attrs, .begin = model_begin },
	{ "mac", .attrs = mac_attrs, .begin = mac_begin },
	VM_DEVICES_ADDRESS,
	{ NULL }
};

static const struct vm_xmlcheck_elem elems[] = { { "interface", .attrs = iface_attrs,
						   .children = iface_children, .multi = true,
						   .begin = iface_begin, .end = iface_end },
						 { NULL } };

const struct vm_devices_class vm_net_class = {
	.elems = elems,
	.argv = net_argv,
	.clear = net_clear,
};
