/*
 * The order of operations of vm-start and vm-stop (DESIGN.md, "Lock
 * leases"), so that each command's main() stays a few calls long.
 * Every step that changes something outside memory is a named hook
 * (hooks.h) and is undone in reverse when a later step fails.
 */
#ifndef VM_DOMAIN_RUN_H
#define VM_DOMAIN_RUN_H

#include <stdbool.h>
#include "conf.h"
#include "domain.h"
#include "paths.h"
#include "error.h"

/* Warnings that must reach the user without failing the command. */
typedef void (*vm_warn_fn)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int vm_run_start(const struct vm_conf *conf, const struct vm_paths *paths,
		 struct vm_domain *dom, bool paused, vm_warn_fn warn, struct vm_error *err);

struct vm_stop_opts {
	bool force;
	int timeout_s;		/* graceful wait; ignored with force */
	vm_warn_fn warn;
};

enum vm_stop_result {
	VM_STOPPED,		/* QEMU was running and stopped */
	VM_STOP_CLEANED,	/* QEMU had already died: state cleaned up */
};

int vm_run_stop(const struct vm_conf *conf, const struct vm_paths *paths,
		const char *name, const struct vm_stop_opts *opts,
		enum vm_stop_result *result, struct vm_error *err);

#endif
