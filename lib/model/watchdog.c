#include "watchdog.h"
#include "devices.h"
#include "exitcodes.h"

/* libvirt's actions, which QEMU's -action watchdog= spells the same. */
static const char *const actions[] = { "reset", "shutdown", "poweroff",
				       "pause", "none",	    "inject-nmi" };

static int
watchdog_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_watchdog *w = &vm_devices_ctx(x)->dom->watchdog;
	const char *action = vm_xmlcheck_attr(n, "action");

	w->model = vm_devices_streq(vm_xmlcheck_attr(n, "model"), "itco") ? VM_WATCHDOG_ITCO
									  : VM_WATCHDOG_I6300ESB;
	w->action = actions[action ? vm_devices_index(actions, 6, action) : 0];
	w->line = (int)vm_xmlcheck_line(n);
	/* itco is part of q35's ICH9 */
	VM_ADDRESS_EXPECT_ONE(vm_devices_ctx(x), n, watchdog.addr,
			      w->model == VM_WATCHDOG_ITCO ? 0 : VM_ADDRESS_TAKES(VM_ADDRESS_PCI));
	return 0;
}

/* The machine may come after <devices>. */
static int
watchdog_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	const struct vm_domain *dom = vm_devices_ctx(x)->dom;

	(void)n;
	if (dom->watchdog.model == VM_WATCHDOG_ITCO && !vm_domain_is_q35(dom))
		return vm_error_set(x->err, VM_EXIT_INVALID,
				    "%s:%d: <watchdog>: model 'itco' is part of a q35 machine (<type machine='q35'>); a pc has 'i6300esb'",
				    x->file, dom->watchdog.line);
	return 0;
}

static int
watchdog_argv(struct vm_argv *a, const struct vm_devices_argv *d, struct vm_error *err)
{
	const struct vm_watchdog *w = &d->dom->watchdog;
	struct vm_argv_opt o = { 0 };

	if (w->model == VM_WATCHDOG_NONE)
		return 0;
	if (w->model == VM_WATCHDOG_I6300ESB) {
		vm_argv_opt_add(&o, "i6300esb,id=watchdog0");
		vm_address_opt(&o, d->dom, &w->addr);
		if (vm_argv_opt_push(a, "-device", &o, err) < 0)
			return -1;
	} else if (vm_argv_pushv(a, err, "-global", "ICH9-LPC.noreboot=off", NULL) < 0) {
		return -1;
	}
	vm_argv_opt_add(&o, "watchdog=%s", w->action);
	return vm_argv_opt_push(a, "-action", &o, err);
}

static const struct vm_xmlcheck_attr watchdog_attrs[] = {
	{ "model", "i6300esb|itco", VM_XMLCHECK_REQUIRED },
	{ "action", "reset|shutdown|poweroff|pause|none|inject-nmi", VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_elem watchdog_children[] = { VM_DEVICES_ALIAS,
							     VM_DEVICES_ADDRESS,
							     { NULL } };

static const struct vm_xmlcheck_elem elems[] = { { "watchdog", .attrs = watchdog_attrs,
						   .children = watchdog_children,
						   .begin = watchdog_begin },
						 { NULL } };

const struct vm_devices_class vm_watchdog_class = {
	.elems = elems,
	.end = watchdog_end,
	.argv = watchdog_argv,
};
