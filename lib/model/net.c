#include "net.h"
#include "devices.h"
#include "exitcodes.h"
#include "mac.h"
#include "tapdev.h"
#include "cleanup.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* QEMU's hostfwd= is one option per port: a bound on the command line's length. */
#define FWD_PORTS_MAX 1024

/* Beyond the kernel's 65535, and below IPv4's minimum of 68, no bridge takes it. */
#define MTU_MIN 68
#define MTU_MAX 65535

#define NTYPES 4
static const char *const type_names[NTYPES] = { "user", "bridge", "network", "ethernet" };

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
vm_net_locate(const struct vm_iface *i, const char *file, struct vm_error *err)
{
	if (i->line > 0)
		return vm_error_prefix(err, "%s:%d: <interface>", file, i->line);
	return vm_error_prefix(err, "%s", file);
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
	vm_error_set(err, VM_EXIT_INVALID,
		     "network '%s' is not mapped to a host bridge: vmkit has no libvirtd to own networks; set network.%s = \"BRIDGE\" in %s",
		     i->source, i->source, vm_conf_path());
	return vm_net_locate(i, file, err);
}

/* The rules */

static int
set_str(char **dst, const char *s, struct vm_error *err)
{
	char *copy = strdup(s);

	if (!copy)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot read an interface");
	free(*dst);
	*dst = copy;
	return 0;
}

int
vm_net_set_type(struct vm_iface *i, const char *type, struct vm_error *err)
{
	for (size_t t = 0; t < NTYPES; t++)
		if (!strcmp(type, type_names[t])) {
			i->type = t;
			return 0;
		}
	return vm_error_set(err, VM_EXIT_INVALID,
			    "unsupported type '%s' (expected user, bridge, network or ethernet)",
			    type);
}

int
vm_net_set_source(struct vm_iface *i, const char *bridge, const char *network, struct vm_error *err)
{
	if (i->type == VM_IFACE_BRIDGE && bridge && !network)
		return set_str(&i->source, bridge, err);
	if (i->type == VM_IFACE_NETWORK && network && !bridge)
		return set_str(&i->source, network, err);
	return vm_error_set(err, VM_EXIT_INVALID, "an interface of type '%s' has %s",
			    type_names[i->type],
			    i->type == VM_IFACE_BRIDGE	  ? "<source bridge='NAME'/>"
			    : i->type == VM_IFACE_NETWORK ? "<source network='NAME'/>"
							  : "no source");
}

int
vm_net_set_mac(struct vm_iface *i, const char *text, struct vm_error *err)
{
	unsigned char mac[VM_MAC_LEN];
	char norm[VM_MAC_STRLEN];

	if (vm_mac_parse(text, mac, err) < 0)
		return -1;
	vm_mac_format(mac, norm);
	return set_str(&i->mac, norm, err);
}

static const char *
model_device(const char *model)
{
	for (size_t k = 0; k < sizeof(models) / sizeof(*models); k++)
		if (!strcmp(models[k].type, model))
			return models[k].device;
	return NULL;
}

int
vm_net_set_model(struct vm_iface *i, const char *model, struct vm_error *err)
{
	if (!model_device(model))
		return vm_error_set(err, VM_EXIT_INVALID,
				    "unsupported interface model '%s' (expected virtio, e1000, e1000e, rtl8139 or vmxnet3)",
				    model);
	return set_str(&i->model, model, err);
}

int
vm_net_set_target(struct vm_iface *i, const char *dev, const char *managed, struct vm_error *err)
{
	if (i->type == VM_IFACE_USER)
		return vm_error_set(err, VM_EXIT_INVALID, "a user interface has no tap device");
	if (managed && i->type != VM_IFACE_ETHERNET)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "attribute 'managed' is only for type 'ethernet'");
	i->unmanaged = managed && !strcmp(managed, "no");
	/* As libvirt does: a name of the kernel's kind is chosen anew */
	if (!i->unmanaged && vm_tapdev_name_reserved(dev))
		return 0;
	return set_str(&i->target, dev, err);
}

int
vm_net_set_driver(struct vm_iface *i, const char *name, const char *queues, struct vm_error *err)
{
	char *end;
	unsigned long q;

	if (name)
		i->vhost = !strcmp(name, "vhost") ? VM_VHOST_ON : VM_VHOST_OFF;
	if (!queues)
		return 0;
	errno = 0;
	q = strtoul(queues, &end, 10);
	if (!*queues || *end || errno || q < 1 || q > VM_TAPDEV_QUEUES_MAX || queues[0] == '-')
		return vm_error_set(err, VM_EXIT_INVALID, "invalid queues '%s' (expected 1 to %d)",
				    queues, VM_TAPDEV_QUEUES_MAX);
	i->queues = q;
	return 0;
}

int
vm_net_finish(struct vm_iface *i, struct vm_error *err)
{
	bool virtio = !i->model || !strcmp(i->model, "virtio");

	if ((i->type == VM_IFACE_BRIDGE || i->type == VM_IFACE_NETWORK) && !i->source)
		return vm_error_set(err, VM_EXIT_INVALID, "type '%s' needs <source %s='NAME'/>",
				    type_names[i->type], type_names[i->type]);
	if (i->unmanaged && !i->target)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "managed='no' needs <target dev='NAME'/>, the tap to open");
	if (i->mtu && i->unmanaged)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "an existing tap (managed='no') keeps its own mtu");
	if (i->mtu && i->type == VM_IFACE_USER)
		return vm_error_set(err, VM_EXIT_INVALID, "a user interface has no mtu to set");
	/* QEMU's other NICs have one queue; slirp has one */
	if (i->queues > 1 && (!virtio || i->type == VM_IFACE_USER))
		return vm_error_set(err, VM_EXIT_INVALID,
				    "queues='%u' needs a virtio interface on a tap (model '%s', type '%s')",
				    i->queues, virtio ? "virtio" : i->model, type_names[i->type]);
	if (i->vhost == VM_VHOST_ON && (!virtio || i->type == VM_IFACE_USER))
		return vm_error_set(err, VM_EXIT_INVALID,
				    "<driver name='vhost'> needs a virtio interface on a tap (model '%s', type '%s')",
				    virtio ? "virtio" : i->model, type_names[i->type]);
	return i->model ? 0 : set_str(&i->model, "virtio", err);
}

bool
vm_net_wants_vhost(const struct vm_iface *i)
{
	if (!vm_net_has_tap(i) || i->vhost == VM_VHOST_OFF)
		return false;
	return i->vhost == VM_VHOST_ON ||
	       (!strcmp(i->model, "virtio") && vm_tapdev_vhost_present());
}

unsigned
vm_net_queues(const struct vm_iface *i)
{
	return i->queues ? i->queues : 1;
}

int
vm_net_check_host(const struct vm_iface *i, const struct vm_conf *conf, const char *file,
		  struct vm_error *err)
{
	const char *bridge;

	if (vm_net_bridge(i, conf, file, &bridge, err) < 0)
		return -1;
	if (i->vhost != VM_VHOST_ON || vm_tapdev_vhost_present())
		return 0;
	vm_error_set(err, VM_EXIT_INVALID,
		     "<driver name='vhost'> asks for vhost-net, and this host has no /dev/vhost-net (load the vhost_net module, or remove name='vhost')");
	return vm_net_locate(i, file, err);
}

int
vm_net_from_args(struct vm_iface *i, const char *spec, const char *mac, const char *model,
		 struct vm_error *err)
{
	const char *colon = strchr(spec, ':');
	char type[16];

	memset(i, 0, sizeof(*i));
	if (!colon || !colon[1] || colon - spec >= (long)sizeof(type)) {
		vm_error_set(err, VM_EXIT_INVALID,
			     "invalid interface '%s' (expected bridge:BRIDGE, network:NAME or ethernet:TAP)",
			     spec);
		goto fail;
	}
	snprintf(type, sizeof(type), "%.*s", (int)(colon - spec), spec);
	if (vm_net_set_type(i, type, err) < 0)
		goto fail;
	if (i->type == VM_IFACE_USER) {
		vm_error_set(err, VM_EXIT_INVALID,
			     "invalid interface '%s': vm-attach plugs in taps (bridge, network or ethernet)",
			     spec);
		goto fail;
	}
	if ((i->type == VM_IFACE_ETHERNET
		     ? vm_net_set_target(i, colon + 1, NULL, err)
		     : vm_net_set_source(i, i->type == VM_IFACE_BRIDGE ? colon + 1 : NULL,
					 i->type == VM_IFACE_NETWORK ? colon + 1 : NULL, err)) <
		    0 ||
	    (mac && vm_net_set_mac(i, mac, err) < 0) ||
	    (model && vm_net_set_model(i, model, err) < 0) || vm_net_finish(i, err) < 0)
		goto fail;
	return 0;

fail:
	vm_net_clear(i);
	return -1;
}

void
vm_net_clear(struct vm_iface *i)
{
	free(i->model);
	free(i->mac);
	free(i->source);
	free(i->target);
	free(i->rom_file);
	for (size_t k = 0; k < i->nfwds; k++)
		free(i->fwds[k].address);
	free(i->fwds);
	memset(i, 0, sizeof(*i));
}

/* The XML */

/* A rule's error at element N, with its file and line. */
static int
rule(struct vm_xmlcheck *x, xmlNodePtr n, int r, struct vm_error *why)
{
	if (r == 0)
		return 0;
	if (why->code != VM_EXIT_INVALID) {
		*x->err = *why;
		return -1;
	}
	return vm_xmlcheck_error(x, n, "%s", why->msg);
}

static int
iface_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);
	struct vm_domain *dom = c->dom;
	struct vm_error why = VM_ERROR_INIT;

	c->iface = VM_DEVICES_APPEND(x, dom->ifaces, dom->nifaces);
	if (!c->iface)
		return -1;
	c->iface->line = (int)vm_xmlcheck_line(n);
	VM_ADDRESS_EXPECT(c, n, ifaces, dom->nifaces - 1, addr, VM_ADDRESS_TAKES(VM_ADDRESS_PCI));
	return rule(x, n, vm_net_set_type(c->iface, vm_xmlcheck_attr(n, "type"), &why), &why);
}

static int
model_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_error why = VM_ERROR_INIT;

	return rule(x, n,
		    vm_net_set_model(vm_devices_ctx(x)->iface, vm_xmlcheck_attr(n, "type"), &why),
		    &why);
}

static int
mac_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_error why = VM_ERROR_INIT;

	return rule(x, n,
		    vm_net_set_mac(vm_devices_ctx(x)->iface, vm_xmlcheck_attr(n, "address"), &why),
		    &why);
}

static int
source_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_error why = VM_ERROR_INIT;
	const char *network = vm_xmlcheck_attr(n, "network");
	/* virsh dumpxml names the bridge a network resolved to: vmkit.conf's network.NAME decides */
	const char *bridge = network ? NULL : vm_xmlcheck_attr(n, "bridge");

	if (vm_xmlcheck_attr(n, "portgroup"))
		return vm_xmlcheck_error(x, n,
					 "portgroup is a libvirt network's, which vmkit does not have: remove it");
	return rule(x, n, vm_net_set_source(vm_devices_ctx(x)->iface, bridge, network, &why), &why);
}

static int
target_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_error why = VM_ERROR_INIT;

	return rule(x, n,
		    vm_net_set_target(vm_devices_ctx(x)->iface, vm_xmlcheck_attr(n, "dev"),
				      vm_xmlcheck_attr(n, "managed"), &why),
		    &why);
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
	struct vm_error why = VM_ERROR_INIT;

	return rule(x, n,
		    vm_net_set_driver(vm_devices_ctx(x)->iface, vm_xmlcheck_attr(n, "name"),
				      vm_xmlcheck_attr(n, "queues"), &why),
		    &why);
}

static int
iface_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	const struct vm_domain_ctx *c = vm_devices_ctx(x);
	struct vm_iface *i = c->iface;
	struct vm_error why = VM_ERROR_INIT;
	const char *bridge;

	for (const struct vm_iface *o = c->dom->ifaces; i->mac && o < i; o++)
		if (vm_devices_streq(o->mac, i->mac))
			return vm_xmlcheck_error(x, n,
						 "mac address '%s' is already the interface's of line %d",
						 i->mac, o->line);
	if (rule(x, n, vm_net_finish(i, &why), &why) < 0)
		return -1;
	/* the network's bridge is vmkit.conf's: missing, it is one more problem of the file */
	return c->conf ? vm_net_bridge(i, c->conf, x->file, &bridge, x->err) : 0;
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

/* QEMU's view */

static void
add_str(json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, json_object_new_string(value));
}

json_object *
vm_net_netdev_json(const struct vm_iface *i, const char *id, const char *fds, const char *vhostfds)
{
	bool multi = vm_net_queues(i) > 1;
	json_object *o = json_object_new_object();

	add_str(o, "type", vm_net_has_tap(i) ? "tap" : "user");
	add_str(o, "id", id);
	if (!vm_net_has_tap(i))
		return o;
	add_str(o, multi ? "fds" : "fd", fds);
	if (vhostfds) {
		json_object_object_add(o, "vhost", json_object_new_boolean(true));
		add_str(o, multi ? "vhostfds" : "vhostfd", vhostfds);
	}
	return o;
}

json_object *
vm_net_device_json(const struct vm_iface *i, const char *id, const char *netdev, const char *bus)
{
	const char *device = model_device(i->model ? i->model : "virtio");
	bool virtio = !strcmp(device, "virtio-net-pci");
	json_object *o = json_object_new_object();

	add_str(o, "driver", device);
	add_str(o, "netdev", netdev);
	add_str(o, "id", id);
	if (bus)
		add_str(o, "bus", bus);
	if (i->mac)
		add_str(o, "mac", i->mac);
	/* what the guest's virtio driver sets its own MTU to */
	if (i->mtu && virtio)
		json_object_object_add(o, "host_mtu", json_object_new_int64(i->mtu));
	/* as libvirt: a vector for each rx and tx queue, one for config, one for control */
	if (vm_net_queues(i) > 1) {
		json_object_object_add(o, "mq", json_object_new_boolean(true));
		json_object_object_add(o, "vectors", json_object_new_int64(2 * i->queues + 2));
	}
	if (i->boot_order)
		json_object_object_add(o, "bootindex", json_object_new_int64(i->boot_order));
	if (i->rom_bar != VM_ROM_BAR_DEFAULT)
		json_object_object_add(o, "rombar",
				       json_object_new_int64(i->rom_bar == VM_ROM_BAR_ON));
	/* an empty romfile is no ROM */
	if (i->rom_disabled || i->rom_file)
		add_str(o, "romfile", i->rom_disabled ? "" : i->rom_file);
	return o;
}

/* FDS joined by ':', or "<NAME.K>" placeholders for --print-argv; NULL when out of memory. */
static char *
fd_list(const int *fds, unsigned n, const char *name, const char *what)
{
	struct vm_argv_opt o = { 0 };

	for (unsigned k = 0; k < n; k++) {
		if (k)
			vm_argv_opt_add(&o, ":");
		if (!fds)
			vm_argv_opt_add(&o, n > 1 ? "<%s%s.%u>" : "<%s%s>", what, name, k);
		else
			vm_argv_opt_add(&o, "%d", fds[k]);
	}
	return vm_argv_opt_end(&o);
}

/* OBJ as FLAG's value, then the port forwards of FWD (QEMU's hostfwd= repeats a key). */
static int
push_json(struct vm_argv *a, const char *flag, json_object *obj, const struct vm_iface *fwd,
	  struct vm_error *err)
{
	struct vm_argv_opt o = { 0 };

	vm_argv_opt_json(&o, obj);
	json_object_put(obj);
	if (fwd)
		add_hostfwds(&o, fwd);
	return vm_argv_opt_push(a, flag, &o, err);
}

/* The NIC's device at vm-start: where its <address> puts it */
static json_object *
device_json(const struct vm_domain *dom, const struct vm_iface *n, const char *id,
	    const char *netdev)
{
	json_object *o = vm_net_device_json(n, id, netdev, NULL);

	if (o)
		vm_address_json(o, dom, &n->addr);
	return o;
}

static int
net_argv(struct vm_argv *a, const struct vm_devices_argv *d, struct vm_error *err)
{
	const struct vm_domain *dom = d->dom;

	for (size_t k = 0; k < dom->nifaces; k++) {
		const struct vm_iface *n = &dom->ifaces[k];
		const struct vm_tapdev *tap = d->placeholders || !d->taps ? NULL : &d->taps[k];
		bool vhost = tap ? tap->vhostfds[0] >= 0 : vm_net_wants_vhost(n);
		char netdev[32], id[32];
		cleanup_free char *fds = NULL, *vhostfds = NULL;

		if (!model_device(n->model ? n->model : "virtio"))
			return vm_error_set(err, VM_EXIT_INVALID,
					    "unsupported interface model '%s'", n->model);
		snprintf(netdev, sizeof(netdev), "hostnet%zu", k);
		snprintf(id, sizeof(id), "net%zu", k);
		fds = fd_list(tap ? tap->fds : NULL, vm_net_queues(n), netdev, "");
		if (vhost)
			vhostfds = fd_list(tap ? tap->vhostfds : NULL, vm_net_queues(n), netdev,
					   "vhost-");
		if (!fds || (vhost && !vhostfds))
			return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot build the argv");
		if (push_json(a, "-netdev", vm_net_netdev_json(n, netdev, fds, vhostfds), n, err) <
			    0 ||
		    push_json(a, "-device", device_json(dom, n, id, netdev), NULL, err) < 0)
			return -1;
	}
	return 0;
}

static void
net_clear(struct vm_domain *dom)
{
	for (size_t i = 0; i < dom->nifaces; i++)
		vm_net_clear(&dom->ifaces[i]);
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
	{ "portid", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL }, /* libvirtd's port: not used */
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

static const struct vm_xmlcheck_attr driver_attrs[] = {
	{ "name", "qemu|vhost", VM_XMLCHECK_OPTIONAL },
	{ "queues", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

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
	VM_DEVICES_ALIAS,
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

int
vm_net_parse(const char *buf, size_t len, const char *name, struct vm_iface *i,
	     struct vm_error *err)
{
	struct vm_domain dom = { 0 };
	struct vm_domain_ctx c = { .dom = &dom };
	int r = vm_devices_parse_one(buf, len, name, &elems[0], &c, err);

	memset(i, 0, sizeof(*i));
	/* a walk that succeeded began one <interface> */
	if (r == 0) {
		*i = dom.ifaces[0];
		free(dom.ifaces);
	} else {
		net_clear(&dom);
	}
	return r;
}
