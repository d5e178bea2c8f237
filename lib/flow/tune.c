#include "tune.h"
#include "exitcodes.h"

#include <errno.h>
#include <sched.h>
#include <string.h>

static void
to_cpu_set(const unsigned long long *set, cpu_set_t *cpus)
{
	CPU_ZERO(cpus);
	for (int c = 0; c < VM_MACHINE_CPUS; c++)
		if (set[c / 64] & (1ULL << (c % 64)))
			CPU_SET(c, cpus);
}

bool
vm_tune_emulator_cpus(const struct vm_domain *dom, cpu_set_t *cpus)
{
	const struct vm_machine *m = &dom->hw;

	if (!m->emulator_pinned && !m->pinned)
		return false;
	to_cpu_set(m->emulator_pinned ? m->emulatorpin : m->cpuset, cpus);
	return true;
}

/* VCPU's host CPUs: its <vcpupin>, else <vcpu cpuset>, else all. */
static void
vcpu_cpus(const struct vm_machine *m, unsigned vcpu, cpu_set_t *cpus)
{
	for (size_t i = 0; i < m->nvcpupins; i++)
		if (m->vcpupins[i].vcpu == vcpu)
			return to_cpu_set(m->vcpupins[i].cpus, cpus);
	if (m->pinned)
		return to_cpu_set(m->cpuset, cpus);
	/* the kernel keeps the CPUs there are of these */
	memset(cpus, 0xff, sizeof(*cpus));
}

static int
pin_vcpus(const struct vm_domain *dom, struct vm_qmp *qmp, int timeout_ms, struct vm_error *err)
{
	json_object *ret = NULL;
	int r = 0;

	if (vm_qmp_command(qmp, "query-cpus-fast", NULL, timeout_ms, &ret, err) < 0)
		return -1;
	for (size_t i = 0; r == 0 && i < vm_qmp_array_len(ret); i++) {
		json_object *cpu = json_object_array_get_idx(ret, i), *idx, *tid;
		cpu_set_t cpus;

		if (!json_object_object_get_ex(cpu, "cpu-index", &idx) ||
		    !json_object_object_get_ex(cpu, "thread-id", &tid)) {
			r = vm_error_set(err, VM_EXIT_SYSTEM,
					 "QEMU's query-cpus-fast gave a vcpu without its thread");
			break;
		}
		vcpu_cpus(&dom->hw, json_object_get_int(idx), &cpus);
		if (sched_setaffinity(json_object_get_int(tid), sizeof(cpus), &cpus) < 0)
			r = vm_error_sys(err, VM_EXIT_SYSTEM, errno,
					 "cannot pin the thread of vcpu %d",
					 json_object_get_int(idx));
	}
	json_object_put(ret);
	return r;
}

int
vm_tune_apply(const struct vm_domain *dom, struct vm_qmp *qmp, int timeout_ms, struct vm_error *err)
{
	json_object *args;
	int r;

	/* without <cputune>, the vcpu threads keep the process's CPUs, <vcpu cpuset>'s */
	if ((dom->hw.nvcpupins || dom->hw.emulator_pinned) &&
	    pin_vcpus(dom, qmp, timeout_ms, err) < 0)
		return -1;
	if (!dom->hw.balloon_kib)
		return 0;
	args = vm_qmp_json("value", json_object_new_int64(dom->hw.balloon_kib * 1024), NULL);
	r = vm_qmp_command(qmp, "balloon", args, timeout_ms, NULL, err);
	json_object_put(args);
	if (r < 0)
		return vm_error_prefix(err, "cannot set the balloon to <currentMemory>");
	return 0;
}
