#include "channel.h"
#include "devices.h"
#include "exitcodes.h"

#include <stdlib.h>
#include <string.h>

static int
channel_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);

	c->channel_spicevmc = vm_devices_streq(vm_xmlcheck_attr(n, "type"), "spicevmc");
	if (c->channel_spicevmc) {
		if (c->dom->channel.spice_line)
			return vm_xmlcheck_error(x, n,
						 "a domain has one SPICE agent channel, which line %d has",
						 c->dom->channel.spice_line);
		c->dom->channel.spice_line = (int)vm_xmlcheck_line(n);
		c->channel_target = false;
		return 0;
	}
	if (vm_devices_ctx(x)->dom->channel.agent)
		return vm_xmlcheck_error(x, n, "a domain has one guest agent channel");
	vm_devices_ctx(x)->dom->channel.agent = true;
	vm_devices_ctx(x)->channel_target = false;
	VM_ADDRESS_EXPECT_ONE(vm_devices_ctx(x), n, channel.addr,
			      VM_ADDRESS_TAKES(VM_ADDRESS_VIRTIO_SERIAL));
	return 0;
}

static int
target_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);
	const char *name = vm_xmlcheck_attr(n, "name");
	const char *want = c->channel_spicevmc ? VM_CHANNEL_SPICE : VM_CHANNEL_AGENT;

	if (!vm_devices_streq(name, want))
		return vm_xmlcheck_error(x, n, "a channel of type '%s' is named '%s', not '%s'",
					 c->channel_spicevmc ? "spicevmc" : "unix", want, name);
	c->channel_target = true;
	return 0;
}

static int
source_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	const char *path = vm_xmlcheck_attr(n, "path");
	const char *name = path ? strrchr(path, '/') : NULL;

	if (vm_devices_ctx(x)->channel_spicevmc)
		return vm_xmlcheck_error(x, n,
					 "a spicevmc channel has no source: QEMU's SPICE server is its end");
	if (!path)
		return 0;
	if (path[0] != '/' || !name[1] || strlen(name + 1) > VM_CHANNEL_NAME_MAX ||
	    !strcmp(name, "/.") || !strcmp(name, "/.."))
		return vm_xmlcheck_error(x, n,
					 "invalid path '%s' (expected an absolute path whose last name has 1 to %d characters)",
					 path, VM_CHANNEL_NAME_MAX);
	return vm_devices_set_str(x, &vm_devices_ctx(x)->dom->channel.path, path);
}

static int
channel_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	if (!vm_devices_ctx(x)->channel_target)
		return vm_xmlcheck_error(x, n, "missing <target type='virtio' name='%s'/>",
					 vm_devices_ctx(x)->channel_spicevmc ? VM_CHANNEL_SPICE
									     : VM_CHANNEL_AGENT);
	return 0;
}

static int
channels_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	const struct vm_domain *dom = vm_devices_ctx(x)->dom;

	(void)n;
	if (dom->channel.spice_line && !vm_graphics_has_spice(dom))
		return vm_error_set(x->err, VM_EXIT_INVALID,
				    "%s:%d: <channel>: type 'spicevmc' needs a <graphics type='spice'>: the SPICE server is the agent's other end",
				    x->file, dom->channel.spice_line);
	return 0;
}

/* The guest agent's port, on the socket vm-start bound. */
static int
agent_argv(struct vm_argv *a, const struct vm_devices_argv *d, struct vm_error *err)
{
	struct vm_argv_opt o = { 0 };

	if (d->placeholders)
		vm_argv_opt_add(&o, "socket,id=charchannel0,fd=<channel0>,server=on,wait=off");
	else
		vm_argv_opt_add(&o, "socket,id=charchannel0,fd=%d,server=on,wait=off", d->agent_fd);
	if (vm_argv_opt_push(a, "-chardev", &o, err) < 0)
		return -1;
	/* port 0 is a console's, and libvirt gives the first channel port 1 */
	vm_argv_opt_add(&o,
			"virtserialport,bus=virtio-serial%u.0,nr=%u,chardev=charchannel0,id=channel0,name=" VM_CHANNEL_AGENT,
			d->dom->channel.addr.controller,
			d->dom->channel.addr.type ? d->dom->channel.addr.port : 1);
	return vm_argv_opt_push(a, "-device", &o, err);
}

/* The SPICE agent's port, after the guest agent's as libvirt numbers them in virt-install's XML. */
static int
spice_argv(struct vm_argv *a, const struct vm_domain *dom, struct vm_error *err)
{
	struct vm_argv_opt o = { 0 };
	unsigned i = dom->channel.agent;
	/* the next port of controller 0: after the guest agent's when it is there */
	unsigned nr = dom->channel.agent && dom->channel.addr.controller == 0 ? i + 1 : 1;

	vm_argv_opt_add(&o, "spicevmc,id=charchannel%u,name=vdagent", i);
	if (vm_argv_opt_push(a, "-chardev", &o, err) < 0)
		return -1;
	vm_argv_opt_add(&o,
			"virtserialport,bus=virtio-serial0.0,nr=%u,chardev=charchannel%u,id=channel%u,name=" VM_CHANNEL_SPICE,
			nr, i, i);
	return vm_argv_opt_push(a, "-device", &o, err);
}

static int
channel_argv(struct vm_argv *a, const struct vm_devices_argv *d, struct vm_error *err)
{
	const struct vm_domain *dom = d->dom;

	/* a domain not from the XML (no controllers) has virtio-serial0 if it needs one */
	if (!vm_controller_find(dom, "virtio-serial", 0) &&
	    (dom->channel.agent || dom->channel.virtio_serial || dom->channel.spice_line) &&
	    vm_argv_pushv(a, err, "-device", "virtio-serial-pci,id=virtio-serial0", NULL) < 0)
		return -1;
	/* each virtio-serial controller, written or implicit (controller.c) */
	for (size_t i = 0; i < d->dom->ncontrollers; i++) {
		const struct vm_controller *ctl = &d->dom->controllers[i];
		struct vm_argv_opt o = { 0 };

		if (!vm_devices_streq(ctl->type, "virtio-serial"))
			continue;
		vm_argv_opt_add(&o, "virtio-serial-pci,id=virtio-serial%u", ctl->index);
		if (ctl->ports)
			vm_argv_opt_add(&o, ",max_ports=%u", ctl->ports);
		vm_address_opt(&o, d->dom, &ctl->addr);
		if (vm_argv_opt_push(a, "-device", &o, err) < 0)
			return -1;
	}
	if (d->dom->channel.agent && agent_argv(a, d, err) < 0)
		return -1;
	return d->dom->channel.spice_line ? spice_argv(a, d->dom, err) : 0;
}

static const struct vm_xmlcheck_attr channel_attrs[] = {
	{ "type", "unix|spicevmc", VM_XMLCHECK_REQUIRED }, { NULL }
};

static const struct vm_xmlcheck_attr source_attrs[] = { { "mode", "bind", VM_XMLCHECK_OPTIONAL },
							{ "path", VM_XMLCHECK_ANY_VALUE,
							  VM_XMLCHECK_OPTIONAL },
							{ NULL } };

/* state is what libvirt reports of a running guest's agent: runtime output. */
static const struct vm_xmlcheck_attr target_attrs[] = {
	{ "type", "virtio", VM_XMLCHECK_REQUIRED },
	{ "name", VM_CHANNEL_AGENT "|" VM_CHANNEL_SPICE, VM_XMLCHECK_REQUIRED },
	{ "state", "connected|disconnected", VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_elem channel_children[] = {
	{ "source", .attrs = source_attrs, .begin = source_begin },
	{ "target", .attrs = target_attrs, .begin = target_begin },
	VM_DEVICES_ALIAS,
	VM_DEVICES_ADDRESS,
	{ NULL }
};

static const struct vm_xmlcheck_elem elems[] = { { "channel", .attrs = channel_attrs,
						   .children = channel_children, .multi = true,
						   .begin = channel_begin, .end = channel_end },
						 { NULL } };

static void
clear(struct vm_domain *dom)
{
	free(dom->channel.path);
}

const struct vm_devices_class vm_channel_class = {
	.elems = elems,
	.end = channels_end,
	.argv = channel_argv,
	.clear = clear,
};
