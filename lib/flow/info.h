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
 *
 * A domain whose QEMU answers also lists its serial ports, from
 * query-chardev (QEMU's charserialN), with the vm-console session that
 * holds each (rundir.h's record, while that process runs).
 */
#ifndef VM_INFO_H
#define VM_INFO_H

#include <stdbool.h>
#include <json-c/json.h>
#include <sys/types.h>
#include "paths.h"
#include "error.h"
#include "status.h"

/* A serial port (0 is <console>): where vm-console reaches it, and who has it. */
struct vm_info_console {
	unsigned port;
	const char *type; /* "pty", "unix", "file" or "other", as QEMU says */
	char *path;	  /* the pty, or the socket; NULL for the others */
	pid_t session;	  /* the vm-console session that holds it; 0: none */
};

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
	char *dir; /* the domain's run directory, where a display's socket is */
	/* its serial ports, while QEMU runs and answers; vm_info_clear() frees them */
	struct vm_info_console *consoles;
	size_t nconsoles;
	bool tpm;	     /* the domain has a TPM: */
	char tpm_model[8];   /* "tpm-crb", "tpm-tis" ("" in a record from before) */
	pid_t tpm_pid;	     /* swtpm, 0 when unknown */
	bool tpm_persistent; /* its state outlives the domain */
	char tpm_state[64];  /* its state directory */
	char reason[512];    /* why the lock manager ended or paused QEMU, or "" */
};

/* A domain without state is VM_EXIT_NO "domain 'NAME' is not running". */
int vm_info_get(const struct vm_paths *paths, const char *name, struct vm_info *info,
		struct vm_error *err);
/* Every domain with state, sorted by name; free each with vm_info_clear(), then LIST. */
int vm_info_list(const struct vm_paths *paths, struct vm_info **list, size_t *n,
		 struct vm_error *err);
void vm_info_clear(struct vm_info *info);
/*
 * INFO as vm-status --json prints it (vm-status(1)): its name, state,
 * pid, uuid, uid, interfaces, displays, serial ports and TPM.
 */
json_object *vm_info_json(const struct vm_info *info);

#endif
