/*
 * The front of every command: what main() opens before it calls its one
 * workflow, and how the outcome becomes the exit status (exitcodes.h).
 *
 *	struct vm_front f = { 0 };
 *	struct vm_error err = VM_ERROR_INIT;
 *	int r = vm_front_open(&f, VM_FRONT_CONF | VM_FRONT_PATHS, &err);
 *
 *	if (r == 0)
 *		r = vm_stop_domain(&f.conf, &f.paths, name, &opts, &result, &err);
 *	return vm_front_exit(&f, r, &err);
 *
 * The parts open in one order, the configuration, the run directory,
 * the lock manager, so that every command fails alike on the first one
 * that is wrong. A part already open is not opened again: a command may
 * read its input between two calls (vm-start reads the domain before it
 * creates the run directory, so that invalid XML leaves nothing behind).
 */
#ifndef VM_FRONT_H
#define VM_FRONT_H

#include "conf.h"
#include "lock.h"
#include "paths.h"
#include "error.h"

enum vm_front_part {
	VM_FRONT_CONF = 1,  /* vmkit.conf, at vm_conf_path() */
	VM_FRONT_PATHS = 2, /* the run directory */
	VM_FRONT_LOCKS = 4, /* the lock manager; opens the other two first */
};

struct vm_front {
	struct vm_conf conf;
	struct vm_paths paths;
	struct vm_lockmgr *lm;
	unsigned opened; /* the vm_front_part bits */
};

/* Opens the PARTS of F (vm_front_part bits) that are not open yet; F
 * starts zeroed. */
int vm_front_open(struct vm_front *f, unsigned parts, struct vm_error *err);
/* Closes whatever F has open, after a failed open too. */
void vm_front_close(struct vm_front *f);
/*
 * Closes F and returns main()'s exit status: R when the workflow
 * returned R >= 0, else ERR's code, with ERR reported on stderr.
 */
int vm_front_exit(struct vm_front *f, int r, const struct vm_error *err);

#endif
