/*
 * vm-stop's order of operations (DESIGN.md, "Lock leases"): take the
 * domain lock, power QEMU down (ACPI, or QMP quit, SIGTERM and SIGKILL
 * when forced), then give the disks back to their owners, free the
 * leases and remove the run state. A domain whose QEMU died is cleaned
 * up the same way.
 *
 *	struct vm_stop_opts so = { .timeout_s = conf.shutdown_timeout, .warn = vm_warn };
 *	enum vm_stop_result result;
 *	if (vm_stop_domain(&conf, &paths, "web", &so, &result, &err) < 0) ...
 *
 * Exit codes in ERR: VM_EXIT_NO for a domain that is not running or did
 * not power down in time (it is left running); VM_EXIT_SYSTEM for QEMU
 * or system failures.
 */
#ifndef VM_STOP_H
#define VM_STOP_H

#include <stdbool.h>
#include "conf.h"
#include "paths.h"
#include "error.h"

struct vm_stop_opts {
	bool force;
	int timeout_s; /* graceful wait; ignored with force */
	vm_warn_fn warn;
};

enum vm_stop_result {
	VM_STOP_DONE,	 /* QEMU was running and stopped */
	VM_STOP_CLEANED, /* QEMU had already died: state cleaned up */
};

int vm_stop_domain(const struct vm_conf *conf, const struct vm_paths *paths, const char *name,
		   const struct vm_stop_opts *opts, enum vm_stop_result *result,
		   struct vm_error *err);

#endif
