#include "machine.h"
#include "devices.h"
#include "argv.h"
#include "cleanup.h"
#include "domain.h"
#include "exitcodes.h"
#include "hostmodel.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct vm_machine *
machine_of(struct vm_xmlcheck *x)
{
	return &vm_devices_ctx(x)->dom->hw;
}

/* state='on|off' (the table checked it), or ATTR's yes|no. */
static enum vm_switch
switch_of(xmlNodePtr n, const char *attr)
{
	const char *v = vm_xmlcheck_attr(n, attr);

	if (!v)
		return VM_SWITCH_DEFAULT;
	return !strcmp(v, "on") || !strcmp(v, "yes") ? VM_SWITCH_ON : VM_SWITCH_OFF;
}

/* <vcpu cpuset> */

static const char *
cpu_number(const char *p, unsigned *cpu)
{
	unsigned long v = 0;

	if (*p < '0' || *p > '9')
		return NULL;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((v = v * 10 + (*p - '0')) >= VM_MACHINE_CPUS)
			return NULL;
	*cpu = v;
	return p;
}

int
vm_machine_cpuset(struct vm_xmlcheck *x, xmlNodePtr n, const char *s, unsigned long long *set)
{
	const char *p = s;
	bool any = false;

	memset(set, 0, VM_MACHINE_CPUSET_WORDS * sizeof(*set));
	/* items in order, as libvirt reads them: N, N-M, or ^N to take one out */
	for (;;) {
		bool out = *p == '^';
		unsigned first, last;

		if (!(p = cpu_number(p + out, &first)))
			break;
		last = first;
		if (*p == '-' && !out && (!(p = cpu_number(p + 1, &last)) || last < first))
			break;
		for (unsigned c = first; c <= last; c++)
			if (out)
				set[c / 64] &= ~(1ULL << (c % 64));
			else
				set[c / 64] |= 1ULL << (c % 64);
		if (*p == '\0') {
			for (size_t i = 0; i < VM_MACHINE_CPUSET_WORDS; i++)
				any |= set[i] != 0;
			if (!any)
				return vm_xmlcheck_error(x, n, "cpuset '%s' leaves no CPU", s);
			return 0;
		}
		if (*p++ != ',')
			break;
	}
	return vm_xmlcheck_error(x, n,
				 "invalid cpuset '%s' (expected CPUs 0 to %d such as '0-3,^2,6')",
				 s, VM_MACHINE_CPUS - 1);
}

/*
 * <cpu>. host-model is libvirt's named model closest to QEMU's CPU
 * (hostmodel.h), resolved when vm-start runs (vm_machine_host_model).
 */

static bool
name_ok(const char *s, size_t max)
{
	static const char ok[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";

	return *s && strlen(s) < max && !s[strspn(s, ok)];
}

int
vm_machine_cpu_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain *dom = vm_devices_ctx(x)->dom;
	const char *mode = vm_xmlcheck_attr(n, "mode");
	const char *migratable = vm_xmlcheck_attr(n, "migratable");

	if (vm_devices_streq(vm_xmlcheck_attr(n, "match"), "minimum"))
		return vm_xmlcheck_error(x, n,
					 "match 'minimum' is libvirt's reckoning from the host's "
					 "CPU: use host-model");
	dom->cpu_host_model = vm_devices_streq(mode, "host-model");
	dom->hw.cpu_check_none = vm_devices_streq(vm_xmlcheck_attr(n, "check"), "none");
	dom->hw.cpu_line = vm_xmlcheck_line(n);
	if (migratable && !vm_devices_streq(mode, "host-passthrough"))
		return vm_xmlcheck_error(x, n,
					 "attribute 'migratable' is only for mode "
					 "'host-passthrough'");
	if (!vm_devices_streq(mode, "host-passthrough"))
		return 0;
	/* QEMU refuses -cpu host under TCG */
	if (!dom->kvm)
		return vm_xmlcheck_error(x, n, "mode 'host-passthrough' needs domain type 'kvm'");
	dom->cpu_host_passthrough = true;
	dom->hw.cpu_migratable_off = vm_devices_streq(migratable, "off");
	return 0;
}

static bool
blank(xmlNodePtr n)
{
	xmlChar *t = xmlNodeGetContent(n);
	bool b = !t || !t[strspn((const char *)t, " \t\n")];

	xmlFree(t);
	return b;
}

static int
cpu_model_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_machine *m = machine_of(x);
	cleanup_free char *s = NULL;

	const struct vm_domain *dom = vm_devices_ctx(x)->dom;

	if (dom->cpu_host_passthrough || dom->cpu_host_model) {
		/* old virt-install wrote <model fallback='allow'/> in host-model */
		if (dom->cpu_host_model && blank(n))
			return 0;
		return vm_xmlcheck_error(x, n, "mode '%s' has no model",
					 dom->cpu_host_model ? "host-model" : "host-passthrough");
	}
	if (vm_xmlcheck_text(x, n, &s) < 0)
		return -1;
	if (!name_ok(s, sizeof(m->cpu_model)))
		return vm_xmlcheck_error(x, n,
					 "invalid model '%s' (expected QEMU's name of a CPU model)",
					 s);
	strcpy(m->cpu_model, s);
	return 0;
}

static int
cpu_feature_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_machine *m = machine_of(x);
	const char *name = vm_xmlcheck_attr(n, "name");
	const char *policy = vm_xmlcheck_attr(n, "policy");

	if (!name_ok(name, sizeof(m->cpu_features[0].name)))
		return vm_xmlcheck_error(x, n, "invalid feature name '%s'", name);
	/*
	 * libvirt 9.0 turns an optional feature on where the host (or TCG)
	 * has it and off elsewhere; QEMU's ",NAME=on" does the same, as it
	 * drops a feature the accelerator lacks with a warning.
	 */
	if (m->ncpu_features == VM_MACHINE_CPU_FEATURES)
		return vm_xmlcheck_error(x, n, "more than %d CPU features",
					 VM_MACHINE_CPU_FEATURES);
	strcpy(m->cpu_features[m->ncpu_features].name, name);
	m->cpu_features[m->ncpu_features].must = !strcmp(policy, "require");
	m->cpu_features[m->ncpu_features].forbid = !strcmp(policy, "forbid");
	m->cpu_features[m->ncpu_features].optional = !strcmp(policy, "optional");
	m->cpu_features[m->ncpu_features++].on = !strcmp(policy, "require") ||
						 !strcmp(policy, "force") ||
						 !strcmp(policy, "optional");
	return 0;
}

static int
topology_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	static const char *const names[] = { "sockets", "dies", "cores", "threads" };
	struct vm_machine *m = machine_of(x);
	unsigned *fields[] = { &m->sockets, &m->dies, &m->cores, &m->threads };
	unsigned long long v;

	for (size_t i = 0; i < 4; i++) {
		const char *s = vm_xmlcheck_attr(n, names[i]);

		if (!s)
			v = 1;
		else if (vm_xmlcheck_ull(x, n, names[i], s, 1, 255, &v) < 0)
			return -1;
		*fields[i] = v;
	}
	return 0;
}

int
vm_machine_cpu_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	const struct vm_domain *dom = vm_devices_ctx(x)->dom;
	const struct vm_machine *m = &dom->hw;

	if (m->ncpu_features && !m->cpu_model[0] && !dom->cpu_host_passthrough &&
	    !dom->cpu_host_model)
		return vm_xmlcheck_error(x, n, "a <feature> needs a <model>");
	return 0;
}

/* One cell, as libvirt gives QEMU a guest NUMA node with its own memory backend. */
static int
cell_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_machine *m = machine_of(x);
	unsigned long long id;

	if (xmlPreviousElementSibling(n))
		return vm_xmlcheck_error(x, n,
					 "a second <cell>: vmkit gives the guest one NUMA node; "
					 "make it one cell of every vcpu and all memory");
	if (vm_xmlcheck_ull(x, n, "id", vm_xmlcheck_attr(n, "id"), 0, 0, &id) < 0 ||
	    vm_machine_cpuset(x, n, vm_xmlcheck_attr(n, "cpus"), m->numa_cpus) < 0 ||
	    vm_domain_size_kib(x, n, vm_xmlcheck_attr(n, "memory"), &m->numa_kib) < 0)
		return -1;
	m->numa = true;
	m->numa_shared = vm_devices_streq(vm_xmlcheck_attr(n, "memAccess"), "shared");
	return 0;
}

static int
numa_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	return machine_of(x)->numa ? 0 : vm_xmlcheck_error(x, n, "missing <cell>");
}

static const struct vm_xmlcheck_attr cell_attrs[] = {
	{ "id", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_REQUIRED },
	{ "cpus", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_REQUIRED },
	{ "memory", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_REQUIRED },
	{ "unit", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "memAccess", "shared|private", VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_elem numa_children[] = {
	{ "cell", .attrs = cell_attrs, .multi = true, .begin = cell_begin }, { NULL }
};

static const struct vm_xmlcheck_attr cpu_model_attrs[] = {
	{ "fallback", "allow|forbid", VM_XMLCHECK_OPTIONAL }, { NULL }
};

static const struct vm_xmlcheck_attr cpu_feature_attrs[] = {
	{ "policy", "force|require|optional|disable|forbid", VM_XMLCHECK_REQUIRED },
	{ "name", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_REQUIRED },
	{ NULL }
};

static const struct vm_xmlcheck_attr topology_attrs[] = {
	{ "sockets", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "dies", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "cores", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "threads", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

const struct vm_xmlcheck_attr vm_machine_cpu_attrs[] = {
	{ "mode", "custom|host-model|host-passthrough", VM_XMLCHECK_OPTIONAL },
	{ "match", "exact|strict|minimum", VM_XMLCHECK_OPTIONAL },
	{ "check", "none|partial|full", VM_XMLCHECK_OPTIONAL },
	{ "migratable", "on|off", VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

const struct vm_xmlcheck_elem vm_machine_cpu_children[] = {
	{ "model", .attrs = cpu_model_attrs, .content = VM_XMLCHECK_TEXT,
	  .begin = cpu_model_begin },
	{ "vendor", .content = VM_XMLCHECK_TEXT },
	{ "feature", .attrs = cpu_feature_attrs, .multi = true, .begin = cpu_feature_begin },
	{ "topology", .attrs = topology_attrs, .begin = topology_begin },
	{ "numa", .children = numa_children, .end = numa_end },
	{ NULL }
};

/* <clock> and <timer> */

int
vm_machine_clock_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_machine *m = machine_of(x);
	const char *offset = vm_xmlcheck_attr(n, "offset");
	const char *adjustment = vm_xmlcheck_attr(n, "adjustment");
	const char *basis = vm_xmlcheck_attr(n, "basis");
	char *end;

	if (!strcmp(offset, "utc"))
		m->offset = VM_CLOCK_UTC;
	else if (!strcmp(offset, "localtime"))
		m->offset = VM_CLOCK_LOCALTIME;
	else
		m->offset = VM_CLOCK_VARIABLE;
	if (m->offset != VM_CLOCK_VARIABLE && (adjustment || basis))
		return vm_xmlcheck_error(x, n, "attribute '%s' is only for offset 'variable'",
					 adjustment ? "adjustment" : "basis");
	m->basis_localtime = vm_devices_streq(basis, "localtime");
	if (!adjustment)
		return 0;
	errno = 0;
	m->adjustment = strtoll(adjustment, &end, 10);
	/* a century either way is more than any guest clock needs, and time_t cannot overflow */
	if (!*adjustment || *end || errno || llabs(m->adjustment) > 100LL * 366 * 86400)
		return vm_xmlcheck_error(x, n,
					 "invalid adjustment '%s' (expected seconds, at most a century)",
					 adjustment);
	return 0;
}

/*
 * What each timer takes: the attributes libvirt 9.0 accepts for it. An
 * hpet's tickpolicy and a tsc's tickpolicy and mode are accepted and give
 * QEMU nothing, as libvirt gives it nothing for them (mode is Xen's).
 */
static const struct timer {
	const char *name;
	bool present, tickpolicy, track, frequency, mode;
} timers[] = {
	{ "rtc", false, true, true, false, false },
	{ "pit", false, true, false, false, false },
	{ "hpet", true, true, false, false, false },
	{ "kvmclock", true, false, false, false, false },
	{ "hypervclock", true, false, false, false, false },
	{ "tsc", false, true, false, true, true },
};

static int
timer_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	static const char *const attrs[] = { "present", "tickpolicy", "track", "frequency",
					     "mode" };
	struct vm_machine *m = machine_of(x);
	const char *name = vm_xmlcheck_attr(n, "name");
	const char *policy = vm_xmlcheck_attr(n, "tickpolicy");
	const char *track = vm_xmlcheck_attr(n, "track");
	const char *freq = vm_xmlcheck_attr(n, "frequency");
	const struct timer *t = timers;
	unsigned long long hz;

	while (strcmp(t->name, name))
		t++;
	/* each timer once: libvirt keeps the last of two, which hides a mistake */
	for (xmlNodePtr p = xmlPreviousElementSibling(n); p; p = xmlPreviousElementSibling(p))
		if (vm_devices_streq(vm_xmlcheck_attr(p, "name"), name))
			return vm_xmlcheck_error(x, n, "duplicate timer '%s' (first on line %ld)",
						 name, vm_xmlcheck_line(p));
	for (size_t i = 0; i < 5; i++) {
		bool takes =
			(bool[]){ t->present, t->tickpolicy, t->track, t->frequency, t->mode }[i];

		if (takes || !vm_xmlcheck_attr(n, attrs[i]))
			continue;
		/* libvirt 9.0 takes present for any timer, and gives QEMU nothing for
		 * rtc's, pit's or tsc's: QEMU's PC machines always have them */
		if (i > 0)
			return vm_xmlcheck_error(x, n, "timer '%s' takes no %s", name, attrs[i]);
	}
	if (xmlFirstElementChild(n) && !vm_devices_streq(policy, "catchup"))
		return vm_xmlcheck_error(x, n, "timer '%s': <catchup> needs tickpolicy='catchup'",
					 name);
	/* libvirt's merge, and the timer tracking the host's boot, have no QEMU counterpart */
	if ((vm_devices_streq(policy, "merge") && (!strcmp(name, "rtc") || !strcmp(name, "pit"))) ||
	    (vm_devices_streq(policy, "discard") && !strcmp(name, "rtc")))
		return vm_xmlcheck_error(x, n, "timer '%s': QEMU has no tickpolicy '%s'", name,
					 policy);
	if (vm_devices_streq(track, "boot"))
		return vm_xmlcheck_error(x, n, "timer 'rtc': QEMU has no track 'boot'");
	if (!strcmp(name, "rtc")) {
		m->rtc_catchup = vm_devices_streq(policy, "catchup");
		m->rtc_track = !track			 ? VM_RTC_TRACK_DEFAULT
			       : !strcmp(track, "guest") ? VM_RTC_TRACK_GUEST
			       : !strcmp(track, "wall")	 ? VM_RTC_TRACK_WALL
							 : VM_RTC_TRACK_REALTIME;
	} else if (!strcmp(name, "pit")) {
		/* libvirt: without a tickpolicy, delay */
		m->pit = !policy || !strcmp(policy, "delay") ? VM_PIT_DELAY
			 : !strcmp(policy, "catchup")	     ? VM_PIT_CATCHUP
							     : VM_PIT_DISCARD;
	} else if (!strcmp(name, "hpet")) {
		m->hpet = switch_of(n, "present");
	} else if (!strcmp(name, "kvmclock")) {
		m->kvmclock = switch_of(n, "present");
	} else if (!strcmp(name, "hypervclock")) {
		m->hypervclock = switch_of(n, "present") == VM_SWITCH_ON;
	} else if (freq) {
		if (vm_xmlcheck_ull(x, n, "frequency", freq, 1, ULLONG_MAX, &hz) < 0)
			return -1;
		m->tsc_frequency = hz;
	}
	return 0;
}

const struct vm_xmlcheck_attr vm_machine_clock_attrs[] = {
	{ "offset", "utc|localtime|variable", VM_XMLCHECK_REQUIRED },
	{ "adjustment", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "basis", "utc|localtime", VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_attr timer_attrs[] = {
	{ "name", "rtc|pit|hpet|kvmclock|hypervclock|tsc", VM_XMLCHECK_REQUIRED },
	{ "present", "yes|no", VM_XMLCHECK_OPTIONAL },
	{ "tickpolicy", "delay|catchup|merge|discard", VM_XMLCHECK_OPTIONAL },
	{ "track", "boot|guest|wall|realtime", VM_XMLCHECK_OPTIONAL },
	{ "frequency", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "mode", "auto|native|emulate|paravirt|smpsafe", VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

/* libvirt's knobs of its catchup, which it gives QEMU nothing for */
static const struct vm_xmlcheck_attr catchup_attrs[] = {
	{ "threshold", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "slew", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ "limit", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

static int
catchup_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	static const char *const names[] = { "threshold", "slew", "limit" };
	unsigned long long v;

	for (size_t i = 0; i < 3; i++) {
		const char *s = vm_xmlcheck_attr(n, names[i]);

		if (s && vm_xmlcheck_ull(x, n, names[i], s, 0, UINT_MAX, &v) < 0)
			return -1;
	}
	return 0;
}

static const struct vm_xmlcheck_elem timer_children[] = {
	{ "catchup", .attrs = catchup_attrs, .begin = catchup_begin }, { NULL }
};

const struct vm_xmlcheck_elem vm_machine_clock_children[] = {
	{ "timer", .attrs = timer_attrs, .children = timer_children, .multi = true,
	  .begin = timer_begin },
	{ NULL }
};

/* <features> */

static int
acpi_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	vm_devices_ctx(x)->dom->acpi = true;
	return 0;
}

static int
ioapic_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	machine_of(x)->ioapic =
		!strcmp(vm_xmlcheck_attr(n, "driver"), "kvm") ? VM_IOAPIC_KVM : VM_IOAPIC_QEMU;
	return 0;
}

/* The elements that are one on/off of struct vm_machine, and the attribute that says it. */
static const struct switch_elem {
	const char *name, *attr;
	size_t offset;
	bool flag; /* a bool that on sets, else an enum vm_switch */
} switches[] = {
	{ "apic", "eoi", offsetof(struct vm_machine, apic_eoi), false },
	{ "vmport", "state", offsetof(struct vm_machine, vmport), false },
	{ "smm", "state", offsetof(struct vm_machine, smm), false },
	{ "pmu", "state", offsetof(struct vm_machine, pmu), false },
	{ "vmcoreinfo", "state", offsetof(struct vm_machine, vmcoreinfo), true },
	{ "direct", "state", offsetof(struct vm_machine, hv_stimer_direct), true },
	{ "hidden", "state", offsetof(struct vm_machine, kvm_hidden), true },
	{ "hint-dedicated", "state", offsetof(struct vm_machine, kvm_dedicated), true },
	{ "suspend-to-mem", "enabled", offsetof(struct vm_machine, suspend_mem), false },
	{ "suspend-to-disk", "enabled", offsetof(struct vm_machine, suspend_disk), false },
};

static int
switch_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	const struct switch_elem *e = switches;
	char *field;

	while (strcmp(e->name, (const char *)n->name))
		e++;
	field = (char *)machine_of(x) + e->offset;
	if (e->flag)
		*(bool *)field = switch_of(n, e->attr) == VM_SWITCH_ON;
	else
		*(enum vm_switch *)field = switch_of(n, e->attr);
	return 0;
}

/* libvirt's element names, in enum vm_hyperv's order; QEMU's property is "hv-NAME". */
static const char *const hv_names[VM_HV_COUNT] = {
	[VM_HV_RELAXED] = "relaxed",
	[VM_HV_VAPIC] = "vapic",
	[VM_HV_VPINDEX] = "vpindex",
	[VM_HV_RUNTIME] = "runtime",
	[VM_HV_SYNIC] = "synic",
	[VM_HV_STIMER] = "stimer",
	[VM_HV_RESET] = "reset",
	[VM_HV_FREQUENCIES] = "frequencies",
	[VM_HV_REENLIGHTENMENT] = "reenlightenment",
	[VM_HV_TLBFLUSH] = "tlbflush",
	[VM_HV_IPI] = "ipi",
	[VM_HV_EVMCS] = "evmcs",
	[VM_HV_AVIC] = "avic",
};

static int
hyperv_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_machine *m = machine_of(x);

	m->hyperv = true;
	m->hv_passthrough = vm_devices_streq(vm_xmlcheck_attr(n, "mode"), "passthrough");
	return 0;
}

static int
hv_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	size_t i = 0;

	while (strcmp(hv_names[i], (const char *)n->name))
		i++;
	if (switch_of(n, "state") != VM_SWITCH_ON)
		return 0;
	/* QEMU 7.2 under TCG: "kernel doesn't allow setting HyperV VP_INDEX" */
	if (i == VM_HV_VPINDEX && !vm_devices_ctx(x)->dom->kvm)
		return vm_xmlcheck_error(x, n,
					 "needs domain type 'kvm': QEMU cannot set it under TCG");
	machine_of(x)->hv_on |= 1u << i;
	return 0;
}

static int
spinlocks_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	const char *retries = vm_xmlcheck_attr(n, "retries");
	unsigned long long v;

	if (switch_of(n, "state") != VM_SWITCH_ON) {
		if (retries)
			return vm_xmlcheck_error(x, n, "attribute 'retries' needs state 'on'");
		return 0;
	}
	if (!retries)
		return vm_xmlcheck_error(x, n, "state 'on' needs attribute 'retries'");
	/* libvirt's bounds: fewer than 4095 retries Windows reads as none */
	if (vm_xmlcheck_ull(x, n, "retries", retries, 4095, UINT_MAX, &v) < 0)
		return -1;
	machine_of(x)->hv_spinlocks = v;
	return 0;
}

static int
vendor_id_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	const char *value = vm_xmlcheck_attr(n, "value");
	bool ok = value && *value && strlen(value) <= 12;

	if (switch_of(n, "state") != VM_SWITCH_ON) {
		if (value)
			return vm_xmlcheck_error(x, n, "attribute 'value' needs state 'on'");
		return 0;
	}
	/* libvirt's rule; a comma would end QEMU's property */
	for (const char *p = value; ok && *p; p++)
		ok = *p >= ' ' && *p <= '~' && *p != ',';
	if (!ok)
		return vm_xmlcheck_error(x, n,
					 "invalid value '%s' (expected 1 to 12 printable characters, "
					 "no comma)",
					 value ? value : "");
	strcpy(machine_of(x)->hv_vendor_id, value);
	return 0;
}

static const struct vm_xmlcheck_attr state_attrs[] = { { "state", "on|off", VM_XMLCHECK_REQUIRED },
						       { NULL } };
static const struct vm_xmlcheck_attr apic_attrs[] = { { "eoi", "on|off", VM_XMLCHECK_OPTIONAL },
						      { NULL } };
static const struct vm_xmlcheck_attr ioapic_attrs[] = {
	{ "driver", "kvm|qemu", VM_XMLCHECK_REQUIRED }, { NULL }
};
static const struct vm_xmlcheck_attr hyperv_attrs[] = {
	{ "mode", "custom|passthrough", VM_XMLCHECK_OPTIONAL }, { NULL }
};
static const struct vm_xmlcheck_attr spinlocks_attrs[] = {
	{ "state", "on|off", VM_XMLCHECK_REQUIRED },
	{ "retries", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ NULL }
};
static const struct vm_xmlcheck_attr vendor_id_attrs[] = {
	{ "state", "on|off", VM_XMLCHECK_REQUIRED },
	{ "value", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ NULL }
};

static const struct vm_xmlcheck_elem stimer_children[] = {
	{ "direct", .attrs = state_attrs, .begin = switch_begin }, { NULL }
};

#define HV(NAME)                                                                                   \
	{                                                                                          \
		NAME, .attrs = state_attrs, .begin = hv_begin                                      \
	}

static const struct vm_xmlcheck_elem hyperv_children[] = {
	HV("relaxed"),
	HV("vapic"),
	{ "spinlocks", .attrs = spinlocks_attrs, .begin = spinlocks_begin },
	HV("vpindex"),
	HV("runtime"),
	HV("synic"),
	{ "stimer", .attrs = state_attrs, .children = stimer_children, .begin = hv_begin },
	HV("reset"),
	{ "vendor_id", .attrs = vendor_id_attrs, .begin = vendor_id_begin },
	HV("frequencies"),
	HV("reenlightenment"),
	HV("tlbflush"),
	HV("ipi"),
	HV("evmcs"),
	HV("avic"),
	{ NULL }
};

static const struct vm_xmlcheck_elem kvm_children[] = {
	{ "hidden", .attrs = state_attrs, .begin = switch_begin },
	{ "hint-dedicated", .attrs = state_attrs, .begin = switch_begin },
	{ NULL }
};

const struct vm_xmlcheck_elem vm_machine_features_children[] = {
	{ "acpi", .begin = acpi_begin },
	{ "apic", .attrs = apic_attrs, .begin = switch_begin },
	{ "pae", .content = VM_XMLCHECK_EMPTY },
	{ "vmport", .attrs = state_attrs, .begin = switch_begin },
	{ "hyperv", .attrs = hyperv_attrs, .children = hyperv_children, .begin = hyperv_begin },
	{ "kvm", .children = kvm_children },
	{ "smm", .attrs = state_attrs, .begin = switch_begin },
	{ "ioapic", .attrs = ioapic_attrs, .begin = ioapic_begin },
	{ "pmu", .attrs = state_attrs, .begin = switch_begin },
	{ "vmcoreinfo", .attrs = state_attrs, .begin = switch_begin },
	{ NULL }
};

/* <pm> */

static const struct vm_xmlcheck_attr enabled_attrs[] = {
	{ "enabled", "yes|no", VM_XMLCHECK_REQUIRED }, { NULL }
};

const struct vm_xmlcheck_elem vm_machine_pm_children[] = {
	{ "suspend-to-mem", .attrs = enabled_attrs, .begin = switch_begin },
	{ "suspend-to-disk", .attrs = enabled_attrs, .begin = switch_begin },
	{ NULL }
};

/*
 * Lifecycle. libvirt's daemon carries out some actions itself when QEMU
 * reports the event; vmkit has no daemon, so only what QEMU does alone
 * is honoured: -no-shutdown, -no-reboot and -action panic=pause.
 */

static int
lifecycle(struct vm_xmlcheck *x, xmlNodePtr n, const char *const *ok, char **value)
{
	if (vm_xmlcheck_text(x, n, value) < 0)
		return -1;
	for (; *ok; ok++)
		if (!strcmp(*ok, *value))
			return 0;
	return vm_xmlcheck_error(x, n,
				 "unsupported value '%s': QEMU cannot do it alone, and vmkit has "
				 "no daemon to do it",
				 *value);
}

int
vm_machine_on_poweroff_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	static const char *const ok[] = { "destroy", "preserve", NULL };
	cleanup_free char *s = NULL;

	if (lifecycle(x, n, ok, &s) < 0)
		return -1;
	vm_devices_ctx(x)->dom->on_poweroff =
		!strcmp(s, "preserve") ? VM_POWEROFF_PRESERVE : VM_POWEROFF_DESTROY;
	return 0;
}

int
vm_machine_on_reboot_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	static const char *const ok[] = { "restart", "destroy", NULL };
	cleanup_free char *s = NULL;

	if (lifecycle(x, n, ok, &s) < 0)
		return -1;
	machine_of(x)->no_reboot = !strcmp(s, "destroy");
	return 0;
}

int
vm_machine_on_crash_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	static const char *const ok[] = { "destroy", "preserve", NULL };
	cleanup_free char *s = NULL;

	if (lifecycle(x, n, ok, &s) < 0)
		return -1;
	machine_of(x)->crash_preserve = !strcmp(s, "preserve");
	return 0;
}

/* The checks that need the whole domain; N is the <domain>. */
int
vm_machine_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	const struct vm_domain *dom = vm_devices_ctx(x)->dom;
	const struct vm_machine *m = &dom->hw;

	if (m->sockets && m->sockets * m->dies * m->cores * m->threads != dom->vcpus)
		return vm_xmlcheck_error(x, n,
					 "<topology> of %u sockets, %u dies, %u cores and %u threads "
					 "does not make the %u vcpus",
					 m->sockets, m->dies, m->cores, m->threads, dom->vcpus);
	if (m->numa && m->numa_kib != dom->memory_kib)
		return vm_xmlcheck_error(x, n, "the <cell> has %llu KiB of the %llu of <memory>",
					 m->numa_kib, dom->memory_kib);
	for (unsigned c = 0; m->numa && c < VM_MACHINE_CPUS; c++)
		if (!(m->numa_cpus[c / 64] & (1ULL << (c % 64))) != (c >= dom->vcpus))
			return vm_xmlcheck_error(x, n,
						 "the <cell>'s cpus must be every vcpu, 0 to %u",
						 dom->vcpus - 1);
	/* with -no-shutdown, QEMU stops rather than ends on the shutdown that -no-reboot makes */
	if (dom->hw.no_reboot && dom->on_poweroff == VM_POWEROFF_PRESERVE)
		return vm_xmlcheck_error(x, n,
					 "on_reboot 'destroy' with on_poweroff 'preserve': QEMU "
					 "would keep a guest that reboots");
	return 0;
}

/* QEMU's arguments */

static const char *
on_off(enum vm_switch v)
{
	return v == VM_SWITCH_ON ? "on" : "off";
}

void
vm_machine_opts(const struct vm_domain *dom, struct vm_argv_opt *o)
{
	const struct vm_machine *m = &dom->hw;

	if (m->vmport)
		vm_argv_opt_add(o, ",vmport=%s", on_off(m->vmport));
	if (m->smm)
		vm_argv_opt_add(o, ",smm=%s", on_off(m->smm));
	if (m->ioapic)
		vm_argv_opt_add(o, ",kernel_irqchip=%s",
				m->ioapic == VM_IOAPIC_QEMU ? "split" : "on");
	if (m->hpet)
		vm_argv_opt_add(o, ",hpet=%s", on_off(m->hpet));
	if (m->nosharepages)
		vm_argv_opt_add(o, ",mem-merge=off");
	/* a NUMA node's backend is the node's, not the machine's */
	if ((m->mem_memfd || m->mem_shared || m->hugepage_kib) && !m->numa)
		vm_argv_opt_add(o, ",memory-backend=pc.ram");
}

/* The guest's RAM as memory.c's header says, and the iothreads. */
static int
memory_argv(const struct vm_domain *dom, struct vm_argv *a, struct vm_error *err)
{
	const struct vm_machine *m = &dom->hw;
	struct vm_argv_opt o = { 0 };

	bool memfd = m->mem_memfd || m->mem_shared || m->numa_shared || m->hugepage_kib;

	if (memfd || m->numa) {
		vm_argv_opt_add(&o, "memory-backend-%s,id=%s", memfd ? "memfd" : "ram",
				m->numa ? "ram-node0" : "pc.ram");
		if (m->mem_shared || m->numa_shared)
			vm_argv_opt_add(&o, ",share=on");
		if (m->hugepage_kib)
			vm_argv_opt_add(&o, ",hugetlb=on,hugetlbsize=%llu,prealloc=on",
					m->hugepage_kib * 1024);
		/* the RAM block keeps the name it has without a backend */
		if (!m->numa)
			vm_argv_opt_add(&o, ",x-use-canonical-path-for-ramblock-id=off");
		vm_argv_opt_add(&o, ",size=%lluk", dom->memory_kib);
		if (vm_argv_opt_push(a, "-object", &o, err) < 0)
			return -1;
	}
	if (m->numa) {
		vm_argv_opt_add(&o, "node,nodeid=0,cpus=0");
		if (dom->vcpus > 1)
			vm_argv_opt_add(&o, "-%u", dom->vcpus - 1);
		vm_argv_opt_add(&o, ",memdev=ram-node0");
		if (vm_argv_opt_push(a, "-numa", &o, err) < 0)
			return -1;
	}
	for (unsigned i = 1; i <= m->iothreads; i++) {
		vm_argv_opt_add(&o, "iothread,id=iothread%u", i);
		if (vm_argv_opt_push(a, "-object", &o, err) < 0)
			return -1;
	}
	return 0;
}

/* The CPU properties of DOM, in libvirt's order, each starting with ','. */
static void
cpu_props(const struct vm_machine *m, struct vm_argv_opt *o)
{
	for (unsigned i = 0; i < m->ncpu_features; i++)
		vm_argv_opt_add(o, ",%s=%s", m->cpu_features[i].name,
				m->cpu_features[i].on ? "on" : "off");
	if (m->kvmclock)
		vm_argv_opt_add(o, ",kvmclock=%s", on_off(m->kvmclock));
	if (m->hypervclock)
		vm_argv_opt_add(o, ",hv-time=on");
	if (m->tsc_frequency)
		vm_argv_opt_add(o, ",tsc-frequency=%llu", m->tsc_frequency);
	if (m->apic_eoi)
		vm_argv_opt_add(o, ",kvm-pv-eoi=%s", on_off(m->apic_eoi));
	if (m->hv_passthrough)
		vm_argv_opt_add(o, ",hv-passthrough=on");
	for (size_t i = 0; i < VM_HV_COUNT; i++) {
		if (m->hv_on & (1u << i))
			vm_argv_opt_add(o, ",hv-%s=on", hv_names[i]);
		if (i == VM_HV_VAPIC && m->hv_spinlocks)
			vm_argv_opt_add(o, ",hv-spinlocks=0x%x", m->hv_spinlocks);
		if (i == VM_HV_STIMER && (m->hv_on & (1u << i)) && m->hv_stimer_direct)
			vm_argv_opt_add(o, ",hv-stimer-direct=on");
		if (i == VM_HV_RESET && m->hv_vendor_id[0])
			/* -cpu reads no ",,": vendor_id_begin let no comma in */
			vm_argv_opt_add(o, ",hv-vendor-id=%s", m->hv_vendor_id);
	}
	if (m->kvm_hidden)
		vm_argv_opt_add(o, ",kvm=off");
	if (m->kvm_dedicated)
		vm_argv_opt_add(o, ",kvm-hint-dedicated=on");
	if (m->pmu)
		vm_argv_opt_add(o, ",pmu=%s", on_off(m->pmu));
}

/* Adds NAME to LIST, which holds SIZE bytes, after a comma unless it is first. */
static void
list_add(char *list, size_t size, const char *name)
{
	size_t len = strlen(list);

	snprintf(list + len, size - len, "%s%s", len ? ", " : "", name);
}

/* The domain's own features, checked against QEMU's CPU as libvirt checks them. */
static int
host_model_check(const struct vm_domain *dom, const struct vm_machine *own,
		 const struct vm_cpumap *map, const struct vm_hostmodel *hm, struct vm_error *err)
{
	uint64_t has_forbidden[VM_CPUMAP_WORDS] = { 0 }, lacks_required[VM_CPUMAP_WORDS] = { 0 };
	char missing[512] = "", forbidden[512] = "";

	if (own->cpu_check_none)
		return 0;
	for (unsigned j = 0; j < own->ncpu_features; j++) {
		int f = vm_cpumap_find(map, own->cpu_features[j].name);

		if (f >= 0 && own->cpu_features[j].forbid && vm_cpumap_has(hm->cpu, f))
			vm_cpumap_add(has_forbidden, f);
		if (f >= 0 && own->cpu_features[j].must && !vm_cpumap_has(hm->cpu, f))
			vm_cpumap_add(lacks_required, f);
	}
	/* named in the map's order, as libvirt names them */
	for (size_t i = 0; i < map->nfeatures; i++) {
		if (vm_cpumap_has(has_forbidden, i))
			list_add(forbidden, sizeof(forbidden), map->features[i].name);
		if (vm_cpumap_has(lacks_required, i))
			list_add(missing, sizeof(missing), map->features[i].name);
	}
	if (forbidden[0])
		return vm_error_set(err, VM_EXIT_INVALID,
				    "%s:%ld: <cpu>: QEMU's CPU has forbidden features: %s "
				    "(check='none' does not look)",
				    dom->file, own->cpu_line, forbidden);
	if (missing[0])
		return vm_error_set(err, VM_EXIT_INVALID,
				    "%s:%ld: <cpu>: QEMU's CPU does not provide required "
				    "features: %s (check='none' does not look)",
				    dom->file, own->cpu_line, missing);
	return 0;
}

int
vm_machine_host_model(struct vm_domain *dom, const struct vm_cpumap *map,
		      const struct vm_hostmodel *hm, struct vm_error *err)
{
	struct vm_machine *m = &dom->hw;
	struct vm_machine own = *m;
	size_t i;

	if (host_model_check(dom, &own, map, hm, err) < 0)
		return -1;
	if (hm->nfeatures > VM_MACHINE_CPU_FEATURES)
		return vm_error_set(err, VM_EXIT_SYSTEM, "host-model: more than %d CPU features",
				    VM_MACHINE_CPU_FEATURES);
	snprintf(m->cpu_model, sizeof(m->cpu_model), "%s", hm->model);
	memset(m->cpu_features, 0, sizeof(m->cpu_features));
	for (i = 0; i < hm->nfeatures; i++) {
		snprintf(m->cpu_features[i].name, sizeof(m->cpu_features[i].name), "%s",
			 hm->features[i].name);
		m->cpu_features[i].on = hm->features[i].on;
	}
	m->ncpu_features = i;
	for (i = 0; i < own.ncpu_features; i++) {
		char name[VM_CPUMAP_NAME];
		int f = vm_cpumap_find(map, own.cpu_features[i].name);
		unsigned j = 0;

		vm_hostmodel_qemu_name(own.cpu_features[i].name, name);
		while (j < m->ncpu_features && strcmp(m->cpu_features[j].name, name))
			j++;
		if (j == VM_MACHINE_CPU_FEATURES)
			return vm_error_set(err, VM_EXIT_SYSTEM,
					    "host-model: more than %d CPU features",
					    VM_MACHINE_CPU_FEATURES);
		if (j == m->ncpu_features)
			snprintf(m->cpu_features[m->ncpu_features++].name,
				 sizeof(m->cpu_features[0].name), "%s", name);
		/* optional: on where QEMU's CPU has it */
		m->cpu_features[j].on =
			own.cpu_features[i].on &&
			(!own.cpu_features[i].optional || (f >= 0 && vm_cpumap_has(hm->cpu, f)));
	}
	dom->cpu_host_model = false;
	return 0;
}

/*
 * -cpu: the host's CPU for host-passthrough; else QEMU's default model,
 * named only when properties follow, as libvirt does.
 */
int
vm_machine_cpu_argv(const struct vm_domain *dom, struct vm_argv *a, struct vm_error *err)
{
	struct vm_argv_opt props = { 0 }, o = { 0 };
	cleanup_free char *p = NULL;

	if (dom->cpu_host_model)
		return vm_error_set(err, VM_EXIT_SYSTEM, "host-model was not resolved");
	cpu_props(&dom->hw, &props);
	if (!props.f && !dom->cpu_host_passthrough && !dom->hw.cpu_model[0])
		return 0;
	if (props.f && !(p = vm_argv_opt_end(&props)))
		return vm_error_set(err, VM_EXIT_SYSTEM, "out of memory");
	vm_argv_opt_add(&o, "%s",
			dom->cpu_host_passthrough		  ? "host"
			: dom->hw.cpu_model[0]			  ? dom->hw.cpu_model
			: dom->arch && !strcmp(dom->arch, "i686") ? "qemu32"
								  : "qemu64");
	vm_argv_opt_add(&o, "%s%s", dom->hw.cpu_migratable_off ? ",migratable=off" : "",
			p ? p : "");
	return vm_argv_opt_push(a, "-cpu", &o, err);
}

/* -rtc's base: a variable offset is a start time, reckoned now as libvirt does. */
static void
rtc_base(const struct vm_machine *m, struct vm_argv_opt *o)
{
	time_t now = time(NULL) + m->adjustment;
	struct tm tm;
	char base[32];

	if (m->offset != VM_CLOCK_VARIABLE) {
		vm_argv_opt_add(o, "base=%s", m->offset == VM_CLOCK_UTC ? "utc" : "localtime");
		return;
	}
	if (m->basis_localtime && localtime_r(&now, &tm))
		now += tm.tm_gmtoff;
	gmtime_r(&now, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	vm_argv_opt_add(o, "base=%s", base);
}

void
vm_machine_smp(const struct vm_domain *dom, char *buf, size_t size)
{
	const struct vm_machine *m = &dom->hw;
	unsigned n = dom->vcpus ? dom->vcpus : 1;
	int len = snprintf(buf, size, "%u", m->vcpus_current ? m->vcpus_current : n);

	if (m->vcpus_current)
		len += snprintf(buf + len, size - len, ",maxcpus=%u", n);
	/* libvirt's default: each vcpu a socket (QEMU 7.2's would be cores) */
	if (!m->sockets)
		snprintf(buf + len, size - len, ",sockets=%u,cores=1,threads=1", n);
	else
		snprintf(buf + len, size - len, ",sockets=%u,dies=%u,cores=%u,threads=%u",
			 m->sockets, m->dies, m->cores, m->threads);
}

int
vm_machine_argv(const struct vm_domain *dom, struct vm_argv *a, struct vm_error *err)
{
	static const char *const tracks[] = { [VM_RTC_TRACK_GUEST] = ",clock=vm",
					      [VM_RTC_TRACK_WALL] = ",clock=host",
					      [VM_RTC_TRACK_REALTIME] = ",clock=rt" };
	const struct vm_machine *m = &dom->hw;
	const char *pm = vm_domain_is_q35(dom) ? "ICH9-LPC" : "PIIX4_PM";
	struct vm_argv_opt o = { 0 };

	if (memory_argv(dom, a, err) < 0)
		return -1;
	if (m->offset) {
		rtc_base(m, &o);
		if (m->rtc_track)
			vm_argv_opt_add(&o, "%s", tracks[m->rtc_track]);
		if (m->rtc_catchup)
			vm_argv_opt_add(&o, ",driftfix=slew");
		if (vm_argv_opt_push(a, "-rtc", &o, err) < 0)
			return -1;
	}
	/* catchup is the in-kernel PIT's own policy */
	if ((m->pit == VM_PIT_DELAY || m->pit == VM_PIT_DISCARD) &&
	    vm_argv_pushv(a, err, "-global",
			  m->pit == VM_PIT_DELAY ? "kvm-pit.lost_tick_policy=delay"
						 : "kvm-pit.lost_tick_policy=discard",
			  NULL) < 0)
		return -1;
	if (m->no_reboot && vm_argv_pushv(a, err, "-no-reboot", NULL) < 0)
		return -1;
	if (m->crash_preserve && vm_argv_pushv(a, err, "-action", "panic=pause", NULL) < 0)
		return -1;
	if (m->suspend_mem) {
		vm_argv_opt_add(&o, "%s.disable_s3=%d", pm, m->suspend_mem == VM_SWITCH_OFF);
		if (vm_argv_opt_push(a, "-global", &o, err) < 0)
			return -1;
	}
	if (m->suspend_disk) {
		vm_argv_opt_add(&o, "%s.disable_s4=%d", pm, m->suspend_disk == VM_SWITCH_OFF);
		if (vm_argv_opt_push(a, "-global", &o, err) < 0)
			return -1;
	}
	if (m->vmcoreinfo && vm_argv_pushv(a, err, "-device", "vmcoreinfo", NULL) < 0)
		return -1;
	return 0;
}
