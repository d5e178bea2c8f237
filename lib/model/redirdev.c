#include "redirdev.h"
#include "devices.h"
#include "exitcodes.h"

#include <ctype.h>
#include <stdlib.h>

static int
redirdev_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain *dom = vm_devices_ctx(x)->dom;
	struct vm_redirdev *r = VM_DEVICES_APPEND(x, dom->redirdevs, dom->nredirdevs);

	if (!r)
		return -1;
	r->line = (int)vm_xmlcheck_line(n);
	VM_ADDRESS_EXPECT(vm_devices_ctx(x), n, redirdevs, dom->nredirdevs - 1, addr,
			  VM_ADDRESS_TAKES(VM_ADDRESS_USB));
	return 0;
}

static int
redirfilter_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	vm_devices_ctx(x)->dom->redirfilter_line = (int)vm_xmlcheck_line(n);
	return 0;
}

/* A number of a rule as libvirt reads it (C's 0x and 0 prefixes), or -1 for any. */
static int
rule_number(struct vm_xmlcheck *x, xmlNodePtr n, const char *what, unsigned long max, int *v)
{
	const char *s = vm_xmlcheck_attr(n, what);
	char *end;
	unsigned long u;

	*v = VM_REDIRDEV_ANY;
	if (!s || !strcmp(s, "-1"))
		return 0;
	u = strtoul(s, &end, 0);
	if (!isxdigit((unsigned char)*s) || *end || u > max)
		return vm_xmlcheck_error(x, n,
					 "invalid %s '%s' (expected a number from 0 to %#lx, or -1)",
					 what, s, max);
	*v = (int)u;
	return 0;
}

/*
 * bcdDevice as libvirt reads it: "MAJOR.MINOR", one or two decimal
 * digits each, a one-digit minor being tenths ("2.5" is 0x0250).
 */
static int
rule_version(struct vm_xmlcheck *x, xmlNodePtr n, int *v)
{
	const char *s = vm_xmlcheck_attr(n, "version");
	int digits[4] = { 0 }, major = 0, minor = 0;
	const char *p = s;

	*v = VM_REDIRDEV_ANY;
	if (!s || !strcmp(s, "-1"))
		return 0;
	while (isdigit((unsigned char)*p) && major < 2)
		digits[major++] = *p++ - '0';
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p) && minor < 2; minor++)
			digits[2 + minor] = *p++ - '0';
	if (!major || !minor || *p)
		return vm_xmlcheck_error(x, n,
					 "invalid version '%s' (expected MAJOR.MINOR, as 2.0, or -1)",
					 s);
	if (major == 1)
		digits[1] = digits[0], digits[0] = 0;
	*v = digits[0] << 12 | digits[1] << 8 | digits[2] << 4 | digits[3];
	return 0;
}

static int
usbdev_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain *dom = vm_devices_ctx(x)->dom;
	struct vm_usbdev_rule *r = VM_DEVICES_APPEND(x, dom->redirfilter, dom->nredirfilter);

	if (!r)
		return -1;
	r->allow = vm_devices_streq(vm_xmlcheck_attr(n, "allow"), "yes");
	if (rule_number(x, n, "class", 0xff, &r->usb_class) < 0 ||
	    rule_number(x, n, "vendor", 0xffff, &r->vendor) < 0 ||
	    rule_number(x, n, "product", 0xffff, &r->product) < 0)
		return -1;
	return rule_version(x, n, &r->version);
}

static int
redirdev_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	const struct vm_domain *dom = vm_devices_ctx(x)->dom;
	int line = dom->nredirdevs ? dom->redirdevs[0].line : 0;

	(void)n;
	if (dom->redirfilter_line && !dom->nredirdevs)
		return vm_error_set(x->err, VM_EXIT_INVALID,
				    "%s:%d: <redirfilter>: there is no <redirdev> to filter",
				    x->file, dom->redirfilter_line);
	if (line && !vm_graphics_has_spice(dom))
		return vm_error_set(x->err, VM_EXIT_INVALID,
				    "%s:%d: <redirdev>: type 'spicevmc' needs a <graphics type='spice'>: the SPICE client is what redirects the devices",
				    x->file, line);
	if (line && !dom->usb)
		return vm_error_set(x->err, VM_EXIT_INVALID,
				    "%s:%d: <redirdev>: a USB redirection needs a USB controller, which <controller type='usb' model='none'/> turns off",
				    x->file, line);
	return 0;
}

/* One field of a rule, as libvirt formats it. */
static void
rule_field(struct vm_argv_opt *o, const char *fmt, int v)
{
	if (v == VM_REDIRDEV_ANY)
		vm_argv_opt_add(o, "-1:");
	else
		vm_argv_opt_add(o, fmt, v);
}

static void
filter_opt(struct vm_argv_opt *o, const struct vm_domain *dom)
{
	if (!dom->nredirfilter)
		return;
	vm_argv_opt_add(o, ",filter=");
	for (size_t i = 0; i < dom->nredirfilter; i++) {
		const struct vm_usbdev_rule *r = &dom->redirfilter[i];

		rule_field(o, "0x%02X:", r->usb_class);
		rule_field(o, "0x%04X:", r->vendor);
		rule_field(o, "0x%04X:", r->product);
		rule_field(o, "0x%04X:", r->version);
		vm_argv_opt_add(o, i + 1 < dom->nredirfilter ? "%d|" : "%d", r->allow);
	}
}

static int
redirdev_argv(struct vm_argv *a, const struct vm_devices_argv *d, struct vm_error *err)
{
	const struct vm_domain *dom = d->dom;

	for (size_t i = 0; i < dom->nredirdevs; i++) {
		struct vm_argv_opt o = { 0 };

		vm_argv_opt_add(&o, "spicevmc,id=charredir%zu,name=usbredir", i);
		if (vm_argv_opt_push(a, "-chardev", &o, err) < 0)
			return -1;
		vm_argv_opt_add(&o, "usb-redir,chardev=charredir%zu,id=redir%zu", i, i);
		filter_opt(&o, dom);
		vm_address_opt(&o, dom, &dom->redirdevs[i].addr);
		if (vm_argv_opt_push(a, "-device", &o, err) < 0)
			return -1;
	}
	return 0;
}

static void
redirdev_clear(struct vm_domain *dom)
{
	free(dom->redirdevs);
	free(dom->redirfilter);
}

static const struct vm_xmlcheck_attr redirdev_attrs[] = { { "bus", "usb", VM_XMLCHECK_OPTIONAL },
							  { "type", "spicevmc",
							    VM_XMLCHECK_REQUIRED },
							  { NULL } };

static const struct vm_xmlcheck_elem redirdev_children[] = { VM_DEVICES_ALIAS,
							     VM_DEVICES_ADDRESS,
							     { NULL } };

static const struct vm_xmlcheck_attr usbdev_attrs[] = {
	{ "class", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "vendor", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "product", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "version", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "allow", "yes|no", VM_XMLCHECK_REQUIRED },
	{ NULL }
};

static const struct vm_xmlcheck_elem redirfilter_children[] = {
	{ "usbdev", .attrs = usbdev_attrs, .multi = true, .begin = usbdev_begin }, { NULL }
};

static const struct vm_xmlcheck_elem elems[] = {
	{ "redirdev", .attrs = redirdev_attrs, .children = redirdev_children, .multi = true,
	  .begin = redirdev_begin },
	{ "redirfilter", .children = redirfilter_children, .begin = redirfilter_begin },
	{ NULL }
};

const struct vm_devices_class vm_redirdev_class = {
	.elems = elems,
	.end = redirdev_end,
	.argv = redirdev_argv,
	.clear = redirdev_clear,
};
