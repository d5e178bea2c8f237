/*
 * The nop lease driver: locks nothing, for hosts where another layer
 * guards the disks. See lock.h.
 */
#include "lock_driver.h"
#include "exitcodes.h"

#include <errno.h>
#include <fcntl.h>

static int
nop_acquire(struct vm_lockmgr *lm, struct vm_lease *lease, int wait_ms, struct vm_error *err)
{
	return 0;
}

static int
nop_acquire_byte(struct vm_lockmgr *lm, struct vm_lease *lease, const char *path,
		 unsigned long long offset, struct vm_error *err)
{
	return 0;
}

/* An fd of /dev/null, so that callers unlock by close() with either driver. */
static int
nop_meta_lock(struct vm_lockmgr *lm, const char *resource, int wait_ms, int *fd,
	      struct vm_error *err)
{
	*fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot open '/dev/null'");
	return 0;
}

static int
nop_probe(struct vm_lockmgr *lm, const char *resource, enum vm_lease_state *state,
	  struct vm_error *err)
{
	*state = VM_LEASE_FREE;
	return 0;
}

static int
nop_scan(struct vm_lockmgr *lm, vm_lock_scan_fn *fn, void *arg, struct vm_error *err)
{
	return 0;
}

const struct vm_lock_driver vm_lock_nop = {
	.active = false,
	.acquire = nop_acquire,
	.acquire_byte = nop_acquire_byte,
	.meta_lock = nop_meta_lock,
	.probe = nop_probe,
	.scan = nop_scan,
};
