#include "serial.h"
#include "devices.h"
#include "exitcodes.h"

#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#define SERIAL_PORTS VM_SERIAL_PORTS

static const char *const chr_types[] = {
	[VM_CHR_PTY] = "pty",
	[VM_CHR_FILE] = "file",
	[VM_CHR_UNIX] = "unix",
};

static enum vm_chr_type
chr_type(xmlNodePtr n)
{
	const char *type = vm_xmlcheck_attr(n, "type");

	if (vm_devices_streq(type, "file"))
		return VM_CHR_FILE;
	return vm_devices_streq(type, "unix") ? VM_CHR_UNIX : VM_CHR_PTY;
}

static int
serial_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);
	struct vm_domain *dom = c->dom;

	if (c->nserials == SERIAL_PORTS)
		return vm_xmlcheck_error(x, n, "too many serial ports (at most %d)", SERIAL_PORTS);
	c->chr = VM_DEVICES_APPEND(x, dom->chardevs, dom->nchardevs);
	if (!c->chr)
		return -1;
	c->chr->kind = VM_CHR_SERIAL;
	c->chr->type = chr_type(n);
	c->nserials++;
	return 0;
}

static int
console_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);

	c->console.kind = VM_CHR_SERIAL;
	c->console.type = chr_type(n);
	c->console_node = n;
	c->chr = &c->console;
	return 0;
}

static int
source_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_chardev *chr = vm_devices_ctx(x)->chr;
	const char *path = vm_xmlcheck_attr(n, "path");
	const char *mode = vm_xmlcheck_attr(n, "mode");

	/* virsh dumpxml of a running domain names the pty QEMU made: not used */
	if (chr->type == VM_CHR_PTY && path && !mode && !strncmp(path, "/dev/pts/", 9))
		return 0;
	if (chr->type == VM_CHR_PTY)
		return vm_xmlcheck_error(x, n, "a pty has no source");
	if (!path)
		return vm_xmlcheck_error(x, n, "missing attribute 'path'");
	if (vm_devices_check_absolute(x, n, path) < 0)
		return -1;
	if (mode && chr->type != VM_CHR_UNIX)
		return vm_xmlcheck_error(x, n, "attribute 'mode' is only for type 'unix'");
	if (chr->type == VM_CHR_UNIX && strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return vm_xmlcheck_error(x, n,
					 "unix socket path '%s' is too long (at most %zu bytes)",
					 path, sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
	chr->listen = vm_devices_streq(mode, "bind");
	return vm_devices_set_str(x, &chr->path, path);
}

static int
target_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	const char *port = vm_xmlcheck_attr(n, "port");
	unsigned long long want = vm_devices_ctx(x)->nserials - 1, p;

	if (!port)
		return 0;
	if (vm_xmlcheck_ull(x, n, "port", port, 0, SERIAL_PORTS - 1, &p) < 0)
		return -1;
	if (p != want)
		return vm_xmlcheck_error(x, n, "serial port %llu out of order (expected port %llu)",
					 p, want);
	return 0;
}

static int
chr_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_chardev *chr = vm_devices_ctx(x)->chr;

	if (chr->type != VM_CHR_PTY && !chr->path)
		return vm_xmlcheck_error(x, n, "type '%s' needs <source path='...'/>",
					 chr_types[chr->type]);
	return 0;
}

/*
 * A <console> with a serial target is serial port 0 (libvirt's meaning):
 * a restatement of the first <serial>, or that port when there is none.
 */
static int
console_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);
	struct vm_domain *dom = c->dom;
	struct vm_chardev *con = &c->console;
	struct vm_chardev *first = dom->chardevs;
	struct vm_chardev *chr;

	if (!c->console_node)
		return 0;
	if (c->nserials == 0) {
		chr = VM_DEVICES_APPEND(x, dom->chardevs, dom->nchardevs);
		if (!chr)
			return -1;
		*chr = *con;
		con->path = NULL;
		return 0;
	}
	if (first->type != con->type || first->listen != con->listen ||
	    !(vm_devices_streq(first->path, con->path) || (!first->path && !con->path)))
		return vm_xmlcheck_error(x, c->console_node,
					 "the console must restate <serial> port 0 (vmkit has no other console)");
	return 0;
}

static int
serial_argv(struct vm_argv *a, const struct vm_devices_argv *d, struct vm_error *err)
{
	const struct vm_domain *dom = d->dom;

	/* the parser has folded a <console> into serial port 0 */
	for (size_t port = 0; port < dom->nchardevs; port++) {
		const struct vm_chardev *c = &dom->chardevs[port];
		struct vm_argv_opt o = { 0 };

		if (port >= SERIAL_PORTS)
			return vm_error_set(err, VM_EXIT_INVALID,
					    "too many serial ports (at most %d)", SERIAL_PORTS);
		if (c->type == VM_CHR_PTY) {
			vm_argv_opt_add(&o, "pty,id=charserial%zu", port);
		} else if (!c->path) {
			return vm_error_set(err, VM_EXIT_INVALID, "serial port %zu has no path",
					    port);
		} else {
			vm_argv_opt_add(&o, "%s,id=charserial%zu",
					c->type == VM_CHR_FILE ? "file" : "socket", port);
			vm_argv_opt_val(&o, "path", c->path);
			/* QEMU refuses "wait" on a connecting socket */
			if (c->type == VM_CHR_UNIX)
				vm_argv_opt_add(&o,
						c->listen ? ",server=on,wait=off" : ",server=off");
		}
		if (vm_argv_opt_push(a, "-chardev", &o, err) < 0)
			return -1;
		vm_argv_opt_add(&o, "isa-serial,chardev=charserial%zu,id=serial%zu", port, port);
		if (vm_argv_opt_push(a, "-device", &o, err) < 0)
			return -1;
	}
	return 0;
}

static void
serial_clear(struct vm_domain *dom)
{
	for (size_t i = 0; i < dom->nchardevs; i++)
		free(dom->chardevs[i].path);
	free(dom->chardevs);
}

/* tty: the pty of a running domain, as virsh dumpxml writes it, not used */
static const struct vm_xmlcheck_attr chr_attrs[] = {
	{ "type", "pty|file|unix", VM_XMLCHECK_OPTIONAL },
	{ "tty", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_attr source_attrs[] = {
	{ "path", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "mode", "bind|connect", VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_attr target_attrs[] = {
	{ "type", "isa-serial", VM_XMLCHECK_OPTIONAL },
	{ "port", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_attr model_attrs[] = {
	{ "name", "isa-serial", VM_XMLCHECK_REQUIRED }, { NULL }
};

static const struct vm_xmlcheck_elem target_children[] = { { "model", .attrs = model_attrs },
							   { NULL } };

static const struct vm_xmlcheck_elem serial_children[] = {
	{ "source", .attrs = source_attrs, .begin = source_begin },
	{ "target", .attrs = target_attrs, .children = target_children, .begin = target_begin },
	VM_DEVICES_ALIAS,
	{ NULL }
};

static const struct vm_xmlcheck_attr console_target_attrs[] = {
	{ "type", "serial", VM_XMLCHECK_OPTIONAL }, { "port", "0", VM_XMLCHECK_OPTIONAL }, { NULL }
};

static const struct vm_xmlcheck_elem console_children[] = {
	{ "source", .attrs = source_attrs, .begin = source_begin },
	{ "target", .attrs = console_target_attrs },
	VM_DEVICES_ALIAS,
	{ NULL }
};

static const struct vm_xmlcheck_elem elems[] = {
	{ "serial", .attrs = chr_attrs, .children = serial_children, .multi = true,
	  .begin = serial_begin, .end = chr_end },
	{ "console", .attrs = chr_attrs, .children = console_children, .begin = console_begin,
	  .end = chr_end },
	{ NULL }
};

const struct vm_devices_class vm_serial_class = {
	.elems = elems,
	.end = console_end,
	.argv = serial_argv,
	.clear = serial_clear,
};
