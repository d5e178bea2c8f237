#include "tpm.h"
#include "devices.h"
#include "exitcodes.h"

#include <stdlib.h>

static const char *const model_names[] = { "tpm-tis", "tpm-crb" };

const char *
vm_tpm_model_name(enum vm_tpm_model m)
{
	return model_names[m];
}

static int
tpm_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);
	struct vm_domain *dom = c->dom;
	const char *model = vm_xmlcheck_attr(n, "model");

	if (dom->ntpms)
		return vm_xmlcheck_error(x, n, "a domain has one TPM (line %d has the first)",
					 dom->tpms[0].line);
	c->tpm = VM_DEVICES_APPEND(x, dom->tpms, dom->ntpms);
	if (!c->tpm)
		return -1;
	c->tpm->model = model ? vm_devices_index(model_names, 2, model) : VM_TPM_TIS;
	c->tpm->fd = -1;
	c->tpm->line = (int)vm_xmlcheck_line(n);
	c->tpm_backend = false;
	return 0;
}

static int
backend_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);
	const char *version = vm_xmlcheck_attr(n, "version");

	if (vm_devices_streq(vm_xmlcheck_attr(n, "type"), "passthrough"))
		return vm_xmlcheck_error(x, n,
					 "type='passthrough' (the host's own TPM) is not supported: use type='emulator'");
	if (vm_devices_streq(version, "1.2"))
		return vm_xmlcheck_error(x, n,
					 "version='1.2' is not supported: swtpm emulates version='2.0'");
	c->tpm_backend = true;
	c->tpm->persistent = vm_devices_streq(vm_xmlcheck_attr(n, "persistent_state"), "yes");
	return 0;
}

static int
tpm_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	if (!vm_devices_ctx(x)->tpm_backend)
		return vm_xmlcheck_error(x, n, "missing <backend type='emulator' version='2.0'/>");
	return 0;
}

static int
tpm_argv(struct vm_argv *a, const struct vm_devices_argv *d, struct vm_error *err)
{
	const struct vm_domain *dom = d->dom;

	for (size_t i = 0; i < dom->ntpms; i++) {
		const struct vm_tpm *t = &dom->tpms[i];
		struct vm_argv_opt o = { 0 };

		if (d->placeholders)
			vm_argv_opt_add(&o, "socket,id=chrtpm%zu,fd=<tpm%zu>", i, i);
		else
			vm_argv_opt_add(&o, "socket,id=chrtpm%zu,fd=%d", i, t->fd);
		if (vm_argv_opt_push(a, "-chardev", &o, err) < 0)
			return -1;
		vm_argv_opt_add(&o, "emulator,id=tpm%zu,chardev=chrtpm%zu", i, i);
		if (vm_argv_opt_push(a, "-tpmdev", &o, err) < 0)
			return -1;
		vm_argv_opt_add(&o, "%s,tpmdev=tpm%zu,id=tpmdev%zu", model_names[t->model], i, i);
		if (vm_argv_opt_push(a, "-device", &o, err) < 0)
			return -1;
	}
	return 0;
}

static void
tpm_clear(struct vm_domain *dom)
{
	free(dom->tpms);
}

static const struct vm_xmlcheck_attr tpm_attrs[] = {
	{ "model", "tpm-tis|tpm-crb", VM_XMLCHECK_OPTIONAL },
	{ NULL },
};

static const struct vm_xmlcheck_attr backend_attrs[] = {
	{ "type", "emulator|passthrough", VM_XMLCHECK_REQUIRED },
	{ "version", "2.0|1.2", VM_XMLCHECK_OPTIONAL },
	{ "persistent_state", "yes|no", VM_XMLCHECK_OPTIONAL },
	{ NULL },
};

static const struct vm_xmlcheck_elem tpm_children[] = {
	{ "backend", .attrs = backend_attrs, .begin = backend_begin },
	VM_DEVICES_ADDRESS,
	{ NULL },
};

static const struct vm_xmlcheck_elem elems[] = {
	{ "tpm", .attrs = tpm_attrs, .children = tpm_children, .multi = true, .begin = tpm_begin,
	  .end = tpm_end },
	{ NULL },
};

const struct vm_devices_class vm_tpm_class = {
	.elems = elems,
	.argv = tpm_argv,
	.clear = tpm_clear,
};
