/*
 * QEMU's threads: <cputune> with <vcpupin> and <emulatorpin>, and
 * <iothreads>.
 *
 * As in libvirt, <emulatorpin> (else <vcpu cpuset>) is where QEMU's
 * process runs, set before exec (lib/flow/spawn.c), and each vcpu thread
 * runs on its <vcpupin> (else <vcpu cpuset>, else any CPU), set after
 * start from the thread ids QEMU reports (lib/flow/tune.c). The cgroup
 * limits of <cputune> (shares, period, quota ...) are refused: vmkit
 * makes no cgroups.
 */
#include "devices.h"
#include "machine.h"

#include <stdlib.h>

static struct vm_machine *
machine_of(struct vm_xmlcheck *x)
{
	return &vm_devices_ctx(x)->dom->hw;
}

static int
vcpupin_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_machine *m = machine_of(x);
	struct vm_vcpupin *p;
	unsigned long long vcpu;

	if (vm_xmlcheck_ull(x, n, "vcpu", vm_xmlcheck_attr(n, "vcpu"), 0, 254, &vcpu) < 0)
		return -1;
	for (size_t i = 0; i < m->nvcpupins; i++)
		if (m->vcpupins[i].vcpu == vcpu)
			return vm_xmlcheck_error(x, n, "vcpu %llu is pinned twice", vcpu);
	p = VM_DEVICES_APPEND(x, m->vcpupins, m->nvcpupins);
	if (!p)
		return -1;
	p->vcpu = vcpu;
	return vm_machine_cpuset(x, n, vm_xmlcheck_attr(n, "cpuset"), p->cpus);
}

static int
emulatorpin_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_machine *m = machine_of(x);

	m->emulator_pinned = true;
	return vm_machine_cpuset(x, n, vm_xmlcheck_attr(n, "cpuset"), m->emulatorpin);
}

int
vm_cputune_iothreads_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	char *s = NULL;
	unsigned long long v;
	int r;

	if (vm_xmlcheck_text(x, n, &s) < 0)
		return -1;
	/* libvirt's own bound is the int; more threads than this no guest has use for */
	r = vm_xmlcheck_ull(x, n, "iothreads", s, 0, 64, &v);
	free(s);
	if (r < 0)
		return -1;
	machine_of(x)->iothreads = v;
	return 0;
}

/* Checks that need the vcpu count; N is the <domain>. */
int
vm_cputune_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	const struct vm_domain *dom = vm_devices_ctx(x)->dom;

	for (size_t i = 0; i < dom->hw.nvcpupins; i++)
		if (dom->hw.vcpupins[i].vcpu >= dom->vcpus)
			return vm_xmlcheck_error(x, n,
						 "<vcpupin> of vcpu %u: the domain has %u vcpus",
						 dom->hw.vcpupins[i].vcpu, dom->vcpus);
	return 0;
}

#define CGROUP(NAME)                                                                               \
	{                                                                                          \
		NAME, .content = VM_XMLCHECK_ANY,                                                  \
		      .reject =                                                                    \
			      "a cgroup limit of libvirt's; vmkit makes no cgroups: run vm-start " \
			      "under systemd-run -p CPUQuota=... (or CPUWeight=) instead"          \
	}

static const struct vm_xmlcheck_attr vcpupin_attrs[] = {
	{ "vcpu", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_REQUIRED },
	{ "cpuset", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_REQUIRED },
	{ NULL }
};

static const struct vm_xmlcheck_attr emulatorpin_attrs[] = {
	{ "cpuset", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_REQUIRED }, { NULL }
};

const struct vm_xmlcheck_elem vm_cputune_children[] = {
	{ "vcpupin", .attrs = vcpupin_attrs, .multi = true, .begin = vcpupin_begin },
	{ "emulatorpin", .attrs = emulatorpin_attrs, .begin = emulatorpin_begin },
	CGROUP("shares"),
	CGROUP("period"),
	CGROUP("quota"),
	CGROUP("global_period"),
	CGROUP("global_quota"),
	CGROUP("emulator_period"),
	CGROUP("emulator_quota"),
	CGROUP("iothread_period"),
	CGROUP("iothread_quota"),
	{ NULL }
};
