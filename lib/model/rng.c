#include "rng.h"
#include "devices.h"
#include "cleanup.h"

#include <limits.h>
#include <stdlib.h>

static const char *const sources[] = { "/dev/urandom", "/dev/random" };

static int
rng_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);

	c->rng = VM_DEVICES_APPEND(x, c->dom->rngs, c->dom->nrngs);
	c->rng_backend = false;
	if (!c->rng)
		return -1;
	VM_ADDRESS_EXPECT(c, n, rngs, c->dom->nrngs - 1, addr, VM_ADDRESS_TAKES(VM_ADDRESS_PCI));
	return 0;
}

static int
backend_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);
	cleanup_free char *path = NULL;

	if (vm_xmlcheck_text(x, n, &path) < 0)
		return -1;
	c->rng->source = sources[vm_devices_index(sources, 2, path)];
	c->rng_backend = true;
	return 0;
}

static int
rate_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_rng *r = vm_devices_ctx(x)->rng;
	const char *period = vm_xmlcheck_attr(n, "period");
	unsigned long long v;

	if (vm_xmlcheck_ull(x, n, "bytes", vm_xmlcheck_attr(n, "bytes"), 1, INT_MAX, &v) < 0)
		return -1;
	r->rate_bytes = (unsigned)v;
	if (period && vm_xmlcheck_ull(x, n, "period", period, 1, INT_MAX, &v) < 0)
		return -1;
	r->rate_period = period ? (unsigned)v : 0;
	return 0;
}

static int
rng_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	if (!vm_devices_ctx(x)->rng_backend)
		return vm_xmlcheck_error(x, n,
					 "missing <backend model='random'>/dev/urandom</backend>");
	return 0;
}

static int
rng_argv(struct vm_argv *a, const struct vm_devices_argv *d, struct vm_error *err)
{
	const struct vm_domain *dom = d->dom;

	for (size_t i = 0; i < dom->nrngs; i++) {
		const struct vm_rng *r = &dom->rngs[i];
		struct vm_argv_opt o = { 0 };

		vm_argv_opt_add(&o, "rng-random,id=objrng%zu,filename=%s", i, r->source);
		if (vm_argv_opt_push(a, "-object", &o, err) < 0)
			return -1;
		vm_argv_opt_add(&o, "virtio-rng-pci,rng=objrng%zu,id=rng%zu", i, i);
		if (r->rate_bytes)
			vm_argv_opt_add(&o, ",max-bytes=%u,period=%u", r->rate_bytes,
					r->rate_period ? r->rate_period : 1000);
		vm_address_opt(&o, dom, &r->addr);
		if (vm_argv_opt_push(a, "-device", &o, err) < 0)
			return -1;
	}
	return 0;
}

static void
rng_clear(struct vm_domain *dom)
{
	free(dom->rngs);
}

static const struct vm_xmlcheck_attr rng_attrs[] = { { "model", "virtio", VM_XMLCHECK_REQUIRED },
						     { NULL } };

static const struct vm_xmlcheck_attr backend_attrs[] = {
	{ "model", "random", VM_XMLCHECK_REQUIRED }, { NULL }
};

static const struct vm_xmlcheck_attr rate_attrs[] = {
	{ "bytes", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_REQUIRED },
	{ "period", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_elem rng_children[] = {
	{ "backend", .attrs = backend_attrs, .content = VM_XMLCHECK_TEXT,
	  .values = "/dev/urandom|/dev/random", .begin = backend_begin },
	{ "rate", .attrs = rate_attrs, .begin = rate_begin },
	VM_DEVICES_ALIAS,
	VM_DEVICES_ADDRESS,
	{ NULL }
};

static const struct vm_xmlcheck_elem elems[] = { { "rng", .attrs = rng_attrs,
						   .children = rng_children, .multi = true,
						   .begin = rng_begin, .end = rng_end },
						 { NULL } };

const struct vm_devices_class vm_rng_class = {
	.elems = elems,
	.argv = rng_argv,
	.clear = rng_clear,
};
