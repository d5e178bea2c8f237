#include "net.h"
#include "devices.h"
#include "exitcodes.h"
#include "mac.h"
#include "tapdev.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* QEMU's hostfwd= is one option per port: a bound on the command line's length. */
#define FWD_PORTS_MAX 1024

/* Beyond the kernel's 65535, and below IPv4's minimum of 68, no bridge takes it. */
#define MTU_MIN 68
#define MTU_MAX 65535

static const char *const type_names[] = { "user", "bridge", "network", "ethernet" };

/* <model type> and QEMU's device for it. */
static const struct {
	const char *type, *device;
} models[] = {
	{ "virtio", "virtio-net-pci" }, { "e1000", "e1000" },	  { "e1000e", "e1000e" },
	{ "rtl8139", "rtl8139" },	{ "vmxnet3", "vmxnet3" },
};

bool
vm_net_has_tap(const struct vm_iface *i)
{
	return i->type != VM_IFACE_USER;
}

int
vm_net_bridge(const struct vm_iface *i, const struct vm_conf *conf, const char *file,
	      const char **bridge, struct vm_error *err)
{
	*bridge = NULL;
	if (i->type == VM_IFACE_BRIDGE)
		*bridge = i->source;
	if (i->type != VM_IFACE_NETWORK)
		return 0;
	*bridge = vm_conf_network(conf, i->source);
	if (*bridge)
		return 0;
	return vm_error_set(err, VM_EXIT_INVALID,
			    "%s:%d: <interface>: network '%s' is not mapped to a host bridge: vmkit has no libvirtd to own networks; set network.%s = \"BRIDGE\" in %s",
			    file, i->line, i->source, i->source, vm_conf_path());
}

static int
iface_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);
	struct vm_domain *dom = c->dom;
	const char *type = vm_xmlcheck_attr(n, "type");

	c->iface = VM_DEVICES_APPEND(x, dom->ifaces, dom->nifaces);
	if (!c->iface)
		return -1;
	for (size_t t = 0; t < sizeof(type_names) / sizeof(*type_names); t++)
		if (!strcmp(type, type_names[t]))
			c->iface->type = t;
	c->iface->line = (int)vm_xmlcheck_line(n);
	return 0;
}

static int
model_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	return vm_devices_set_str(x, &vm_devices_ctx(x)->iface->model, vm_xmlcheck_attr(n, "type"));
}

static int
mac_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_error why = VM_ERROR_INIT;
	unsigned char mac[VM_MAC_LEN];
	char text[VM_MAC_STRLEN];

	if (vm_mac_parse(vm_xmlcheck_attr(n, "address"), mac, &why) < 0)
		return vm_xmlcheck_error(x, n, "%s", why.msg);
	vm_mac_format(mac, text);
	return vm_devices_set_str(x, &vm_devices_ctx(x)->iface->mac, text);
}

static int
source_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_iface *i = vm_devices_ctx(x)->iface;
	const char *bridge = vm_xmlcheck_attr(n, "bridge");
	const char *network = vm_xmlcheck_attr(n, "network");

	if (vm_xmlcheck_attr(n, "portgroup"))
		return vm_xmlcheck_error(x, n,
					 "portgroup is a libvirt network's, which vmkit does not have: remove it");
	if (i->type == VM_IFACE_BRIDGE && bridge && !network)
		return vm_devices_set_str(x, &i->source, bridge);
	if (i->type == VM_IFACE_NETWORK && network && !bridge)
		return vm_devices_set_str(x, &i->source, network);
	return vm_xmlcheck_error(x, n, "an interface of type '%s' has %s", type_names[i->type],
				 i->type == VM_IFACE_BRIDGE    ? "<source bridge='NAME'/>"
				 : i->type == VM_IFACE_NETWORK ? "<source network='NAME'/>"
							       : "no source");
}

static int
target_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_iface *i = vm_devices_ctx(x)->iface;
	const char *dev = vm_xmlcheck_attr(n, "dev");
	const char *managed = vm_xmlcheck_attr(n, "managed");

	if (i->type == VM_IFACE_USER)
		return vm_xmlcheck_error(x, n, "a user interface has no tap device");
	if (managed && i->type != VM_IFACE_ETHERNET)
		return vm_xmlcheck_error(x, n, "attribute 'managed' is only for type 'ethernet'");
	i->unmanaged = vm_devices_streq(managed, "no");
	/* As libvirt does: a name of the kernel's kind is chosen anew */
	if (!i->unmanaged && vm_tapdev_name_reserved(dev))
		return 0;
	return vm_devices_set_str(x, &i->target, dev);
}

static int
mtu_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	unsigned long long v;

	if (vm_xmlcheck_ull(x, n, "mtu size", vm_xmlcheck_attr(n, "size"), MTU_MIN, MTU_MAX, &v) <
	    0)
		return -1;
	vm_devices_ctx(x)->iface->mtu = v;
	return 0;
}

static int
link_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	vm_devices_ctx(x)->iface->link_down =
		vm_devices_streq(vm_xmlcheck_attr(n, "state"), "down");
	return 0;
}

static int
boot_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	const struct vm_domain *dom = vm_devices_ctx(x)->dom;
	struct vm_iface *i = vm_devices_ctx(x)->iface;
	unsigned long long v;

	if (vm_xmlcheck_ull(x, n, "boot order", vm_xmlcheck_attr(n, "order"), 1, INT_MAX, &v) < 0)
		return -1;
	for (const struct vm_iface *o = dom->ifaces; o < i; o++)
		if (o->boot_order == v)
			return vm_xmlcheck_error(x, n,
						 "boot order %llu is already the interface's of line %d",
						 v, o->line);
	i->boot_order = v;
	return 0;
}

static int
rom_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_iface *i = vm_devices_ctx(x)->iface;
	const char *bar = vm_xmlcheck_attr(n, "bar");
	const char *file = vm_xmlcheck_attr(n, "file");

	/* As libvirt: a ROM that is not there has nothing to tune */
	i->rom_disabled = vm_devices_streq(vm_xmlcheck_attr(n, "enabled"), "no");
	if (i->rom_disabled && (bar || file))
		return vm_xmlcheck_error(x, n,
					 "enabled='no' takes no bar or file: there is no ROM");
	if (bar)
		i->rom_bar = !strcmp(bar, "on") ? VM_ROM_BAR_ON : VM_ROM_BAR_OFF;
	if (file && vm_devices_check_absolute(x, n, file) < 0)
		return -1;
	return file ? vm_devices_set_str(x, &i->rom_file, file) : 0;
}

static int
port_forward_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	const char *address = vm_xmlcheck_attr(n, "address");
	struct in_addr in;

	if (vm_devices_ctx(x)->iface->type != VM_IFACE_USER)
		return vm_xmlcheck_error(x, n,
					 "only a user interface forwards ports: a tap's guest is reachable on its network");
	if (address && inet_pton(AF_INET, address, &in) != 1)
		return vm_xmlcheck_error(x, n, "invalid address '%s': expected an IPv4 address",
					 address);
	if (!xmlChildElementCount(n))
		return vm_xmlcheck_error(x, n, "no <range start='PORT'/>: nothing to forward");
	return 0;
}

/* N is a <range> of a <portForward>, whose protocol and address it takes. */
static int
range_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_iface *i = vm_devices_ctx(x)->iface;
	const char *address = vm_xmlcheck_attr(n->parent, "address");
	const char *end = vm_xmlcheck_attr(n, "end"), *to = vm_xmlcheck_attr(n, "to");
	unsigned long long s, e, t;
	struct vm_portfwd *f;

	if (vm_xmlcheck_ull(x, n, "port", vm_xmlcheck_attr(n, "start"), 1, 65535, &s) < 0 ||
	    vm_xmlcheck_ull(x, n, "port", end ? end : vm_xmlcheck_attr(n, "start"), s, 65535, &e) <
		    0 ||
	    vm_xmlcheck_ull(x, n, "port", to ? to : vm_xmlcheck_attr(n, "start"), 1,
			    65535 - (e - s), &t) < 0)
		return -1;
	if (e - s >= FWD_PORTS_MAX)
		return vm_xmlcheck_error(x, n, "a range of %llu ports: at most %d are forwarded",
					 e - s + 1, FWD_PORTS_MAX);
	f = VM_DEVICES_APPEND(x, i->fwds, i->nfwds);
	if (!f)
		return -1;
	*f = (struct vm_portfwd){ .udp = vm_devices_streq(vm_xmlcheck_attr(n->parent, "proto"),
							  "udp"),
				  .start = s,
				  .end = e,
				  .to = t };
	return address ? vm_devices_set_str(x, &f->address, address) : 0;
}

static int
driver_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	const char *queues = vm_xmlcheck_attr(n, "queues");

	if (queues && strcmp(queues, "1") != 0)
		return vm_xmlcheck_error(x, n,
					 "queues='%s': multiqueue interfaces are not supported yet",
					 queues);
	return 0;
}

static int
iface_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	const struct vm_domain *dom = vm_devices_ctx(x)->dom;
	struct vm_iface *i = vm_devices_ctx(x)->iface;

	if ((i->type == VM_IFACE_BRIDGE || i->type == VM_IFACE_NETWORK) && !i->source)
		return vm_xmlcheck_error(x, n, "type '%s' needs <source %s='NAME'/>",
					 type_names[i->type], type_names[i->type]);
	if (i->unmanaged && !i->target)
		return vm_xmlcheck_error(x, n,
					 "managed='no' needs <target dev='NAME'/>, the tap to open");
	if (i->mtu && i->unmanaged)
		return vm_xmlcheck_error(x, n, "an existing tap (managed='no') keeps its own mtu");
	if (i->mtu && i->type == VM_IFACE_USER)
		return vm_xmlcheck_error(x, n, "a user interface has no mtu to set");
	for (const struct vm_iface *o = dom->ifaces; i->mac && o < i; o++)
		if (vm_devices_streq(o->mac, i->mac))
			return vm_xmlcheck_error(x, n,
						 "mac address '%s' is already the interface's of line %d",
						 i->mac, o->line);
	return i->model ? 0 : vm_devices_set_str(x, &i->model, "virtio");
}

/* libvirt's rule: <os><boot dev> or per-device <boot order>, not both. */
static int
net_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	const struct vm_domain *dom = vm_devices_ctx(x)->dom;

	for (size_t i = 0; dom->boot[0] && i < dom->nifaces; i++)
		if (dom->ifaces[i].boot_order)
			return vm_xmlcheck_error(x, n,
						 "the interface of line %d has <boot order>, which cannot be used with <os><boot dev>",
						 dom->ifaces[i].line);
	return 0;
}

/* Each forwarded port of N: one hostfwd= each, as QEMU takes them. */
static void
add_hostfwds(struct vm_argv_opt *o, const struct vm_iface *n)
{
	for (size_t k = 0; k < n->nfwds; k++) {
		const struct vm_portfwd *f = &n->fwds[k];

		for (unsigned p = f->start; p <= f->end; p++)
			vm_argv_opt_add(o, ",hostfwd=%s:%s:%u-:%u", f->udp ? "udp" : "tcp",
					f->address ? f->address : "", p, f->to + (p - f->start));
	}
}

static const char *
model_device(const char *model)
{
	for (size_t k = 0; k < sizeof(models) / sizeof(*models); k++)
		if (!strcmp(models[k].type, model))
			return models[k].device;
	return NULL;
}

static int
net_argv(struct vm_argv *a, const struct vm_devices_argv *d, struct vm_error *err)
{
	const struct vm_domain *dom = d->dom;

	for (size_t i = 0; i < dom->nifaces; i++) {
		const struct vm_iface *n = &dom->ifaces[i];
		const char *model = model_device(n->model ? n->model : "virtio");
		struct vm_argv_opt o = { 0 };

		if (!model)
			return vm_error_set(err, VM_EXIT_INVALID,
					    "unsupported interface model '%s'", n->model);
		if (!vm_net_has_tap(n)) {
			vm_argv_opt_add(&o, "user,id=hostnet%zu", i);
			add_hostfwds(&o, n);
		} else if (d->placeholders || !d->tapfds)
			vm_argv_opt_add(&o, "tap,id=hostnet%zu,fd=<hostnet%zu>", i, i);
		else
			vm_argv_opt_add(&o, "tap,id=hostnet%zu,fd=%d", i, d->tapfds[i]);
		if (vm_argv_opt_push(a, "-netdev", &o, err) < 0)
			return -1;
		vm_argv_opt_add(&o, "%s,netdev=hostnet%zu,id=net%zu", model, i, i);
		if (n->mac)
			vm_argv_opt_val(&o, "mac", n->mac);
		/* what the guest's virtio driver sets its own MTU to */
		if (n->mtu && !strcmp(model, "virtio-net-pci"))
			vm_argv_opt_add(&o, ",host_mtu=%u", n->mtu);
		if (n->boot_order)
			vm_argv_opt_add(&o, ",bootindex=%u", n->boot_order);
		if (n->rom_bar != VM_ROM_BAR_DEFAULT)
			vm_argv_opt_add(&o, ",rombar=%d", n->rom_bar == VM_ROM_BAR_ON);
		if (n->rom_disabled)
			vm_argv_opt_add(&o, ",romfile=");
		else if (n->rom_file)
			vm_argv_opt_val(&o, "romfile", n->rom_file);
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
		free(dom->ifaces[i].source);
		free(dom->ifaces[i].target);
		free(dom->ifaces[i].rom_file);
		for (size_t k = 0; k < dom->ifaces[i].nfwds; k++)
			free(dom->ifaces[i].fwds[k].address);
		free(dom->ifaces[i].fwds);
	}
	free(dom->ifaces);
}

static const struct vm_xmlcheck_attr iface_attrs[] = {
	{ "type", "user|bridge|network|ethernet", VM_XMLCHECK_REQUIRED }, { NULL }
};

static const struct vm_xmlcheck_attr model_attrs[] = {
	{ "type", "virtio|e1000|e1000e|rtl8139|vmxnet3", VM_XMLCHECK_REQUIRED }, { NULL }
};

static const struct vm_xmlcheck_attr mac_attrs[] = {
	{ "address", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_REQUIRED }, { NULL }
};

static const struct vm_xmlcheck_attr source_attrs[] = {
	{ "bridge", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "network", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "portgroup", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_attr target_attrs[] = {
	{ "dev", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_REQUIRED },
	{ "managed", "yes|no", VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_attr mtu_attrs[] = {
	{ "size", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_REQUIRED }, { NULL }
};

static const struct vm_xmlcheck_attr link_attrs[] = { { "state", "up|down", VM_XMLCHECK_REQUIRED },
						      { NULL } };

static const struct vm_xmlcheck_attr driver_attrs[] = { { "name", "qemu", VM_XMLCHECK_OPTIONAL },
							{ "queues", VM_XMLCHECK_ANY_VALUE,
							  VM_XMLCHECK_OPTIONAL },
							{ NULL } };

static const struct vm_xmlcheck_attr boot_attrs[] = {
	{ "order", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_REQUIRED }, { NULL }
};

static const struct vm_xmlcheck_attr rom_attrs[] = { { "bar", "on|off", VM_XMLCHECK_OPTIONAL },
						     { "file", VM_XMLCHECK_ANY_VALUE,
						       VM_XMLCHECK_OPTIONAL },
						     { "enabled", "yes|no", VM_XMLCHECK_OPTIONAL },
						     { NULL } };

static const struct vm_xmlcheck_attr port_forward_attrs[] = {
	{ "proto", "tcp|udp", VM_XMLCHECK_REQUIRED },
	{ "address", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_attr range_attrs[] = {
	{ "start", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_REQUIRED },
	{ "end", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "to", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_elem port_forward_children[] = {
	{ "range", .attrs = range_attrs, .multi = true, .begin = range_begin }, { NULL }
};

static const struct vm_xmlcheck_elem iface_children[] = {
	{ "model", .attrs = model_attrs, .begin = model_begin },
	{ "mac", .attrs = mac_attrs, .begin = mac_begin },
	{ "source", .attrs = source_attrs, .begin = source_begin },
	{ "target", .attrs = target_attrs, .begin = target_begin },
	{ "mtu", .attrs = mtu_attrs, .begin = mtu_begin },
	{ "link", .attrs = link_attrs, .begin = link_begin },
	{ "driver", .attrs = driver_attrs, .begin = driver_begin },
	{ "boot", .attrs = boot_attrs, .begin = boot_begin },
	{ "rom", .attrs = rom_attrs, .begin = rom_begin },
	{ "portForward", .attrs = port_forward_attrs, .children = port_forward_children,
	  .multi = true, .begin = port_forward_begin },
	{ "virtualport", .content = VM_XMLCHECK_ANY,
	  .reject =
		  "virtual ports (Open vSwitch, 802.1Qbh) are not supported: use a Linux bridge" },
	{ "bandwidth", .content = VM_XMLCHECK_ANY, .reject = "bandwidth limits are not supported" },
	{ "filterref", .content = VM_XMLCHECK_ANY,
	  .reject = "network filters are libvirt's (nwfilter), which vmkit does not have" },
	VM_DEVICES_ADDRESS,
	{ NULL }
};

static const struct vm_xmlcheck_elem elems[] = { { "interface", .attrs = iface_attrs,
						   .children = iface_children, .multi = true,
						   .begin = iface_begin, .end = iface_end },
						 { NULL } };

const struct vm_devices_class vm_net_class = {
	.elems = elems,
	.end = net_end,
	.argv = net_argv,
	.clear = net_clear,
};
