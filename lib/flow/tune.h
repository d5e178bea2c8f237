/*
 * What vm-start sets in a started QEMU before the guest runs, as libvirt
 * does after it spawns QEMU: each vcpu thread's host CPUs (<cputune>
 * <vcpupin>, else <vcpu cpuset>; lib/model/cputune.c), and the balloon's
 * target (<currentMemory> below <memory>; lib/model/memory.c).
 *
 *	if (vm_tune_apply(dom, qmp, timeout_ms, &err) < 0) ...
 *
 * QEMU reports its vcpu threads (query-cpus-fast); vm-start, root or the
 * user QEMU runs as, sets their affinity with sched_setaffinity, which
 * QEMU's own sandbox would refuse it. A failure is VM_EXIT_SYSTEM.
 */
#ifndef VM_TUNE_H
#define VM_TUNE_H

#include <sched.h>
#include <stdbool.h>
#include "domain.h"
#include "error.h"
#include "qmp.h"

int vm_tune_apply(const struct vm_domain *dom, struct vm_qmp *qmp, int timeout_ms,
		  struct vm_error *err);
/* The host CPUs QEMU's process starts on: <emulatorpin>, else <vcpu cpuset>; false for any. */
bool vm_tune_emulator_cpus(const struct vm_domain *dom, cpu_set_t *cpus);

#endif
