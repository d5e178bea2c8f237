#include "graphics.h"
#include "devices.h"
#include "exitcodes.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Where libvirt's qemu.conf puts vnc_listen by default, and so vmkit. */
#define DEFAULT_ADDRESS "127.0.0.1"

static const char *const type_names[] = { [VM_GRAPHICS_VNC] = "vnc", [VM_GRAPHICS_SPICE] = "spice" };

const char *
vm_graphics_type_name(enum vm_graphics_type t)
{
	return type_names[t];
}

/* 127.0.0.0/8 and ::1 (also as ::ffff:127.x.y.z): what only this host reaches. */
static bool
loopback(const char *address)
{
	unsigned char a[16];
	static const unsigned char v6_loop[16] = { [15] = 1 };
	static const unsigned char v4_mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (inet_pton(AF_INET, address, a) == 1)
		return a[0] == 127;
	if (inet_pton(AF_INET6, address, a) != 1)
		return false;
	return !memcmp(a, v6_loop, 16) || (!memcmp(a, v4_mapped, 12) && a[12] == 127);
}

/* G listens on ADDRESS, of N, which must be numeric: a name would be resolved anew by QEMU. */
static int
set_address(struct vm_xmlcheck *x, xmlNodePtr n, struct vm_graphics *g, const char *address)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, address, a) != 1 && inet_pton(AF_INET6, address, a) != 1)
		return vm_xmlcheck_error(x, n,
					 "listen address '%s' is not a numeric IPv4 or IPv6 address",
					 address);
	g->listen = VM_GRAPHICS_ADDRESS;
	return vm_devices_set_str(x, &g->address, address);
}

/* passwdValidTo, libvirt's YYYY-MM-DDTHH:MM:SS in UTC: when QEMU stops taking the passwd. */
static int
valid_to(struct vm_xmlcheck *x, xmlNodePtr n, const char *passwd, struct vm_graphics *g)
{
	const char *s = vm_xmlcheck_attr(n, "passwdValidTo");
	struct tm tm = { 0 };
	const char *end;

	if (!s)
		return 0;
	if (!passwd)
		return vm_xmlcheck_error(x, n, "passwdValidTo needs a passwd");
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end || *end || (g->valid_to = timegm(&tm)) <= 0)
		return vm_xmlcheck_error(x, n,
					 "invalid passwdValidTo '%s' (expected YYYY-MM-DDTHH:MM:SS, in UTC)",
					 s);
	return 0;
}

static int
graphics_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);
	struct vm_domain *dom = c->dom;
	const char *listen = vm_xmlcheck_attr(n, "listen");
	const char *passwd = vm_xmlcheck_attr(n, "passwd");
	const char *keymap = vm_xmlcheck_attr(n, "keymap");
	enum vm_graphics_type type = vm_devices_streq(vm_xmlcheck_attr(n, "type"), "spice")
					     ? VM_GRAPHICS_SPICE
					     : VM_GRAPHICS_VNC;
	struct vm_graphics *g;

	for (size_t i = 0; i < dom->ngraphics; i++)
		if (dom->graphics[i].type == type)
			return vm_xmlcheck_error(x, n,
						 "a domain has one %s display, which line %d has",
						 type_names[type], dom->graphics[i].line);
	g = VM_DEVICES_APPEND(x, dom->graphics, dom->ngraphics);
	if (!g)
		return -1;
	c->graphics = g;
	c->graphics_listens = 0;
	g->type = type;
	g->line = (int)vm_xmlcheck_line(n);
	if (passwd && !*passwd)
		return vm_xmlcheck_error(x, n, "an empty passwd: remove it, or set one");
	if (valid_to(x, n, passwd, g) < 0)
		return -1;
	if ((passwd && vm_devices_set_str(x, &g->passwd, passwd) < 0) ||
	    (keymap && vm_devices_set_str(x, &g->keymap, keymap) < 0))
		return -1;
	return listen ? set_address(x, n, g, listen) : 0;
}

static int
listen_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);
	struct vm_graphics *g = c->graphics;
	const char *type = vm_xmlcheck_attr(n, "type");
	const char *address = vm_xmlcheck_attr(n, "address");

	if (c->graphics_listens++)
		return vm_xmlcheck_error(x, n, "a display listens in one place only");
	if (!strcmp(type, "socket")) {
		if (address)
			return vm_xmlcheck_error(x, n, "a socket listen has no address");
		if (vm_xmlcheck_attr(n, "socket"))
			return vm_xmlcheck_error(x, n,
						 "vmkit puts the socket in the domain's run directory (vm-status shows it): remove attribute 'socket'");
		if (g->address)
			return vm_xmlcheck_error(x, n,
						 "<graphics listen='%s'> asks for an address, not a socket",
						 g->address);
		return 0;
	}
	if (vm_xmlcheck_attr(n, "socket"))
		return vm_xmlcheck_error(x, n, "an address listen has no socket");
	if (!address)
		address = g->address ? g->address : DEFAULT_ADDRESS;
	if (g->address && strcmp(g->address, address) != 0)
		return vm_xmlcheck_error(x, n,
					 "address '%s' differs from <graphics listen='%s'>: vmkit listens on one",
					 address, g->address);
	return set_address(x, n, g, address);
}

/*
 * The SPICE options of enum vm_graphics_spice_opt: the XML's element and
 * attribute, QEMU's option, and what each XML value becomes (to: NULL
 * for the value itself; a value that maps to NULL adds no option, as it
 * is QEMU's default).
 */
static const struct spice_opt {
	const char *elem, *attr, *what, *key;
	const char *from[2], *to[2];
} spice_opts[VM_GRAPHICS_SPICE_OPTS] = {
	[VM_GRAPHICS_IMAGE] = { "image", "compression", "image compression", "image-compression" },
	[VM_GRAPHICS_JPEG] = { "jpeg", "compression", "jpeg compression", "jpeg-wan-compression" },
	[VM_GRAPHICS_ZLIB] = { "zlib", "compression", "zlib compression",
			       "zlib-glz-wan-compression" },
	[VM_GRAPHICS_PLAYBACK] = { "playback", "compression", "playback compression",
				   "playback-compression" },
	[VM_GRAPHICS_STREAMING] = { "streaming", "mode", "video streaming", "streaming-video" },
	[VM_GRAPHICS_MOUSE] = { "mouse",
				"mode",
				"the mouse mode",
				"agent-mouse",
				{ "server", "client" },
				{ "off", "on" } },
	[VM_GRAPHICS_CLIPBOARD] = { "clipboard",
				    "copypaste",
				    "the clipboard",
				    "disable-copy-paste",
				    { "yes", "no" },
				    { NULL, "on" } },
	[VM_GRAPHICS_FILETRANSFER] = { "filetransfer",
				       "enable",
				       "file transfer",
				       "disable-agent-file-xfer",
				       { "yes", "no" },
				       { NULL, "on" } },
};

static int
spice_opt_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_graphics *g = vm_devices_ctx(x)->graphics;
	size_t i = 0;

	while (strcmp(spice_opts[i].elem, (const char *)n->name) != 0)
		i++;
	if (g->type != VM_GRAPHICS_SPICE)
		return vm_xmlcheck_error(x, n, "%s is SPICE's", spice_opts[i].what);
	return vm_devices_set_str(x, &g->spice[i], vm_xmlcheck_attr(n, spice_opts[i].attr));
}

/* SPICE's channels, as <channel name> spells them; bit I of plaintext. */
#define SPICE_CHANNELS "main|display|inputs|cursor|playback|record|smartcard|usbredir"
static const char *const spice_channels[] = { "main",	  "display", "inputs",	  "cursor",
					      "playback", "record",  "smartcard", "usbredir" };

/* Without TLS every channel is plaintext: 'insecure' says so to QEMU, as libvirt does. */
static int
channel_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_graphics *g = vm_devices_ctx(x)->graphics;
	const char *name = vm_xmlcheck_attr(n, "name");
	const char *mode = vm_xmlcheck_attr(n, "mode");
	size_t i = 0;

	if (g->type != VM_GRAPHICS_SPICE)
		return vm_xmlcheck_error(x, n, "channel modes are SPICE's");
	if (vm_devices_streq(mode, "secure"))
		return vm_xmlcheck_error(x, n,
					 "a secure channel needs SPICE's TLS, which vmkit does not configure: use mode='insecure' or 'any'");
	while (strcmp(spice_channels[i], name) != 0)
		i++;
	if (vm_devices_streq(mode, "insecure"))
		g->plaintext |= 1u << i;
	return 0;
}

static int
gl_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	if (vm_devices_ctx(x)->graphics->type != VM_GRAPHICS_SPICE)
		return vm_xmlcheck_error(x, n, "OpenGL is SPICE's");
	if (vm_devices_streq(vm_xmlcheck_attr(n, "enable"), "yes"))
		return vm_xmlcheck_error(x, n,
					 "unsupported enable 'yes': vmkit gives QEMU no host GPU to render on");
	return 0;
}

/* SPICE's options, in libvirt's order. */
static void
spice_opts_add(struct vm_argv_opt *o, const struct vm_graphics *g, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		const struct spice_opt *s = &spice_opts[i];
		const char *v = g->spice[i];

		if (v && s->from[0])
			v = s->to[strcmp(v, s->from[0]) != 0];
		if (v)
			vm_argv_opt_val(o, s->key, v);
	}
}

bool
vm_graphics_has_spice(const struct vm_domain *dom)
{
	for (size_t i = 0; i < dom->ngraphics; i++)
		if (dom->graphics[i].type == VM_GRAPHICS_SPICE)
			return true;
	return false;
}

/* libvirt's rules: port='-1' or autoport='yes' pick a port, and so does no port at all. */
static int
graphics_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_graphics *g = vm_devices_ctx(x)->graphics;
	const char *port = vm_xmlcheck_attr(n, "port");
	bool autoport = vm_devices_streq(vm_xmlcheck_attr(n, "autoport"), "yes");
	unsigned long long p = 0;

	if (g->type != VM_GRAPHICS_SPICE && vm_xmlcheck_attr(n, "tlsPort"))
		return vm_xmlcheck_error(x, n, "unsupported attribute 'tlsPort': VNC has none");
	if (port && strcmp(port, "-1") != 0 && !autoport &&
	    vm_xmlcheck_ull(x, n, "port", port, VM_GRAPHICS_PORT_MIN, VM_GRAPHICS_PORT_MAX, &p) < 0)
		return -1;
	if (g->listen == VM_GRAPHICS_SOCKET) {
		if (p)
			return vm_xmlcheck_error(x, n,
						 "port %llu needs <listen type='address' address='127.0.0.1'/>: without it vmkit listens on a unix socket",
						 p);
		return 0;
	}
	g->port = (int)p;
	if (!g->passwd && !loopback(g->address))
		return vm_xmlcheck_error(x, n,
					 "listening on '%s', which is not loopback, needs a passwd: anyone who reaches the port would have the guest's console",
					 g->address);
	return 0;
}

/* libvirt adds a video device of its choosing; vmkit asks for it to be said. */
static int
graphics_domain_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	const struct vm_domain *dom = vm_devices_ctx(x)->dom;

	(void)n;
	if (dom->ngraphics && !dom->nvideos)
		return vm_error_set(x->err, VM_EXIT_INVALID,
				    "%s:%d: <graphics>: a display needs a video device to show: add <video><model type='vga'/></video>",
				    x->file, dom->graphics[0].line);
	for (size_t i = 1; i < dom->ngraphics; i++) {
		const struct vm_graphics *g = &dom->graphics[i], *f = &dom->graphics[0];

		if (g->keymap && f->keymap && strcmp(g->keymap, f->keymap) != 0)
			return vm_error_set(x->err, VM_EXIT_INVALID,
					    "%s:%d: <graphics>: keymap '%s' differs from line %d's '%s': the machine has one keyboard layout",
					    x->file, g->line, g->keymap, f->line, f->keymap);
	}
	return 0;
}

/* SPICE's server binds its own socket: in the directory vm-start gave QEMU, or on a port it leased.
 */
static void
spice_listen(struct vm_argv_opt *o, const struct vm_graphics *g, size_t i,
	     const struct vm_graphics_run *run)
{
	if (g->listen == VM_GRAPHICS_SOCKET && run) {
		vm_argv_opt_add(o, "unix=on,addr=/proc/self/fd/%d/", run->dirfd);
		vm_argv_opt_esc(o, run->socket);
	} else if (g->listen == VM_GRAPHICS_SOCKET) {
		vm_argv_opt_add(o, "unix=on,addr=/proc/self/fd/<graphics%zu-dir>/<socket>", i);
	} else {
		if (run)
			vm_argv_opt_add(o, "port=%u", run->port);
		else
			vm_argv_opt_add(o, "port=<graphics%zu-port>", i);
		vm_argv_opt_val(o, "addr", g->address);
	}
	spice_opts_add(o, g, VM_GRAPHICS_MOUSE, VM_GRAPHICS_MOUSE + 1);
	vm_argv_opt_add(o,
			g->passwd ? ",password-secret=graphics%zu-secret" : ",disable-ticketing=on",
			i);
	spice_opts_add(o, g, VM_GRAPHICS_IMAGE, VM_GRAPHICS_MOUSE);
	spice_opts_add(o, g, VM_GRAPHICS_CLIPBOARD, VM_GRAPHICS_SPICE_OPTS);
	for (size_t c = 0; c < sizeof(spice_channels) / sizeof(*spice_channels); c++)
		if (g->plaintext & 1u << c)
			vm_argv_opt_add(o, ",plaintext-channel=%s", spice_channels[c]);
}

static int
graphics_argv(struct vm_argv *a, const struct vm_devices_argv *d, struct vm_error *err)
{
	const struct vm_domain *dom = d->dom;

	for (size_t i = 0; i < dom->ngraphics; i++) {
		const struct vm_graphics *g = &dom->graphics[i];
		const struct vm_graphics_run *run = d->placeholders ? NULL
						    : d->displays   ? &d->displays[i]
								    : NULL;
		struct vm_argv_opt o = { 0 };

		if (g->passwd) {
			if (run)
				vm_argv_opt_add(&o,
						"secret,id=graphics%zu-secret,format=raw,file=/proc/self/fd/%d",
						i, run->passwd_fd);
			else
				vm_argv_opt_add(&o,
						"secret,id=graphics%zu-secret,format=raw,file=/proc/self/fd/<graphics%zu-secret>",
						i, i);
			if (vm_argv_opt_push(a, "-object", &o, err) < 0)
				return -1;
		}
		if (g->type == VM_GRAPHICS_SPICE) {
			spice_listen(&o, g, i, run);
			if (vm_argv_opt_push(a, "-spice", &o, err) < 0)
				return -1;
		} else {
			/* vm-start hands QEMU the listening socket over QMP (display-update) */
			vm_argv_opt_add(&o, "none");
			if (g->passwd)
				vm_argv_opt_add(&o, ",password-secret=graphics%zu-secret", i);
			if (vm_argv_opt_push(a, "-vnc", &o, err) < 0)
				return -1;
		}
	}
	/* one keyboard layout for the machine, as libvirt passes it */
	for (size_t i = 0; i < dom->ngraphics; i++)
		if (dom->graphics[i].keymap)
			return vm_argv_pushv(a, err, "-k", dom->graphics[i].keymap, NULL);
	return 0;
}

static void
graphics_clear(struct vm_domain *dom)
{
	for (size_t i = 0; i < dom->ngraphics; i++) {
		free(dom->graphics[i].address);
		free(dom->graphics[i].passwd);
		free(dom->graphics[i].keymap);
		for (size_t j = 0; j < VM_GRAPHICS_SPICE_OPTS; j++)
			free(dom->graphics[i].spice[j]);
	}
	free(dom->graphics);
}

/* QEMU 7.2's keymaps (/usr/share/qemu/keymaps). */
#define KEYMAPS                                                                                    \
	"ar|bepo|cz|da|de|de-ch|en-gb|en-us|es|et|fi|fo|fr|fr-be|fr-ca|fr-ch|hr|hu|is|it|ja|lt|"   \
	"lv|mk|nl|no|pl|pt|pt-br|ru|sl|sv|th|tr"

static const struct vm_xmlcheck_attr graphics_attrs[] = {
	{ "type", "vnc|spice", VM_XMLCHECK_REQUIRED },
	{ "port", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "autoport", "yes|no", VM_XMLCHECK_OPTIONAL },
	{ "listen", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "passwd", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "passwdValidTo", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "keymap", KEYMAPS, VM_XMLCHECK_OPTIONAL },
	/* what libvirt writes where qemu.conf has no spice_tls: no TLS port */
	{ "tlsPort", "-1", VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_attr listen_attrs[] = {
	{ "type", "address|socket", VM_XMLCHECK_REQUIRED },
	{ "address", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "socket", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

/* QEMU 7.2's values of each SPICE option, as libvirt spells them. */
static const struct vm_xmlcheck_attr image_attrs[] = {
	{ "compression", "auto_glz|auto_lz|quic|glz|lz|off", VM_XMLCHECK_REQUIRED }, { NULL }
};
static const struct vm_xmlcheck_attr wan_attrs[] = {
	{ "compression", "auto|never|always", VM_XMLCHECK_REQUIRED }, { NULL }
};
static const struct vm_xmlcheck_attr playback_attrs[] = {
	{ "compression", "on|off", VM_XMLCHECK_REQUIRED }, { NULL }
};
static const struct vm_xmlcheck_attr streaming_attrs[] = {
	{ "mode", "filter|all|off", VM_XMLCHECK_REQUIRED }, { NULL }
};
static const struct vm_xmlcheck_attr mouse_attrs[] = {
	{ "mode", "server|client", VM_XMLCHECK_REQUIRED }, { NULL }
};
static const struct vm_xmlcheck_attr clipboard_attrs[] = {
	{ "copypaste", "yes|no", VM_XMLCHECK_REQUIRED }, { NULL }
};
static const struct vm_xmlcheck_attr enable_attrs[] = {
	{ "enable", "yes|no", VM_XMLCHECK_REQUIRED }, { NULL }
};

static const struct vm_xmlcheck_attr channel_attrs[] = {
	{ "name", SPICE_CHANNELS, VM_XMLCHECK_REQUIRED },
	{ "mode", "secure|insecure|any", VM_XMLCHECK_REQUIRED },
	{ NULL }
};

static const struct vm_xmlcheck_elem graphics_children[] = {
	{ "listen", .attrs = listen_attrs, .multi = true, .begin = listen_begin },
	{ "image", .attrs = image_attrs, .begin = spice_opt_begin },
	{ "jpeg", .attrs = wan_attrs, .begin = spice_opt_begin },
	{ "zlib", .attrs = wan_attrs, .begin = spice_opt_begin },
	{ "playback", .attrs = playback_attrs, .begin = spice_opt_begin },
	{ "streaming", .attrs = streaming_attrs, .begin = spice_opt_begin },
	{ "mouse", .attrs = mouse_attrs, .begin = spice_opt_begin },
	{ "clipboard", .attrs = clipboard_attrs, .begin = spice_opt_begin },
	{ "filetransfer", .attrs = enable_attrs, .begin = spice_opt_begin },
	{ "gl", .attrs = enable_attrs, .begin = gl_begin },
	{ "channel", .attrs = channel_attrs, .multi = true, .begin = channel_begin },
	{ NULL }
};

static const struct vm_xmlcheck_elem elems[] = { { "graphics", .attrs = graphics_attrs,
						   .children = graphics_children, .multi = true,
						   .begin = graphics_begin, .end = graphics_end },
						 { NULL } };

const struct vm_devices_class vm_graphics_class = {
	.elems = elems,
	.end = graphics_domain_end,
	.argv = graphics_argv,
	.clear = graphics_clear,
};
