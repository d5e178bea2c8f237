#include "channel.h"
#include "devices.h"

#include <stdlib.h>
#include <string.h>

static int
channel_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
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
	(void)n;
	vm_devices_ctx(x)->channel_target = true;
	return 0;
}

static int
source_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	const char *path = vm_xmlcheck_attr(n, "path");
	const char *name = path ? strrchr(path, '/') : NULL;

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
		return vm_xmlcheck_error(x, n,
					 "missing <target type='virtio' name='" VM_CHANNEL_AGENT
					 "'/>");
	return 0;
}

static int
channel_argv(struct vm_argv *a, const struct vm_devices_argv *d, struct vm_error *err)
{
	struct vm_argv_opt o = { 0 };

	if (!d->dom->channel.agent && !d->dom->channel.virtio_serial)
		return 0;
	vm_argv_opt_add(&o, "virtio-serial-pci,id=virtio-serial0");
	for (size_t i = 0; i < d->dom->ncontrollers; i++)
		if (vm_devices_streq(d->dom->controllers[i].type, "virtio-serial") &&
		    d->dom->controllers[i].ports)
			vm_argv_opt_add(&o, ",max_ports=%u", d->dom->controllers[i].ports);
	if (vm_controller_address(d->dom, "virtio-serial"))
		vm_address_opt(&o, d->dom, vm_controller_address(d->dom, "virtio-serial"));
	if (vm_argv_opt_push(a, "-device", &o, err) < 0)
		return -1;
	if (!d->dom->channel.agent)
		return 0;
	if (d->placeholders)
		vm_argv_opt_add(&o, "socket,id=charchannel0,fd=<channel0>,server=on,wait=off");
	else
		vm_argv_opt_add(&o, "socket,id=charchannel0,fd=%d,server=on,wait=off", d->agent_fd);
	if (vm_argv_opt_push(a, "-chardev", &o, err) < 0)
		return -1;
	/* port 0 is a console's, and libvirt gives the first channel port 1 */
	vm_argv_opt_add(&o,
			"virtserialport,bus=virtio-serial0.0,nr=%u,chardev=charchannel0,id=channel0,name=" VM_CHANNEL_AGENT,
			d->dom->channel.addr.type ? d->dom->channel.addr.port : 1);
	return vm_argv_opt_push(a, "-device", &o, err);
}

static const struct vm_xmlcheck_attr channel_attrs[] = { { "type", "unix", VM_XMLCHECK_REQUIRED },
							 { NULL } };

static const struct vm_xmlcheck_attr source_attrs[] = { { "mode", "bind", VM_XMLCHECK_OPTIONAL },
							{ "path", VM_XMLCHECK_ANY_VALUE,
							  VM_XMLCHECK_OPTIONAL },
							{ NULL } };

/* state is what libvirt reports of a running guest's agent: runtime output. */
static const struct vm_xmlcheck_attr target_attrs[] = {
	{ "type", "virtio", VM_XMLCHECK_REQUIRED },
	{ "name", VM_CHANNEL_AGENT, VM_XMLCHECK_REQUIRED },
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
	.argv = channel_argv,
	.clear = clear,
};
