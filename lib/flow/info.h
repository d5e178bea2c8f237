/*
 * What runs, for vm-status. The state comes from the liveness lock and
 * QMP query-status, never from the pid file alone:
 *   running   QEMU alive, guest running
 *   paused    QEMU alive, guest paused (vm-start --paused, or stopped by QEMU)
 *   starting  QEMU alive, vm-start has not resumed it yet
 *   crashed   state left behind but QEMU is gone (run vm-stop to clean up);
 *             also a guest that panicked or hit an internal error
 *   unresponsive  QEMU alive but its monitor did not answer in time
 *   damaged   (listings only) status.json cannot be read; vm-status NAME
 *             reports why, and vm-stop --force NAME cleans it up
 * A QEMU that the lock manager powered off or paused because this host
 * lost its leases (on_lockfailure) has the reason that vm-lockfailure
 * recorded.
 */
#ifndef VM_INFO_H
#define VM_INFO_H

#include <stdbool.h>
#include <sys/types.h>
#include "paths.h"
#include "error.h"
#include "status.h"

struct vm_info {
	char name[65];
	const char *state;
	bool alive;
	pid_t pid; /* 0 when unknown */
	char uuid[37];
	unsigned uid;			/* QEMU's; with a record only */
	bool own_uid;			/* from user_range: isolated from other domains */
	struct vm_status_iface *ifaces; /* the tap interfaces; vm_info_clear() frees them */
	size_t nifaces;
	struct vm_status_display *displays; /* vm_info_clear() frees them */
	size_t ndisplays;
	char *dir;	  /* the domain's run directory, where a display's socket is */
	char reason[512]; /* why the lock manager ended or paused QEMU, or "" */
};

/* A domain without state is VM_EXIT_NO "domain 'NAME' is not running". */
int vm_info_get(const struct vm_paths *paths, const char *name, struct vm_info *info,
		struct vm_error *err);
/* Every domain with state, sorted by name; free each with vm_info_clear(), then LIST. */
int vm_info_list(const struct vm_paths *paths, struct vm_info **list, size_t *n,
		 struct vm_error *err);
void vm_info_clear(struct vm_info *info);

#endif
