/*
 * vmkit.conf: "key = value" lines, '#' comments, values are integers,
 * double-quoted strings (with \" and \\ escapes) or lists of strings in
 * [ "a", "b" ]. Keys follow qemu.conf's spelling. An unknown key, a value
 * of the wrong type or out of range is an error (VM_EXIT_INVALID) naming
 * the file, line and key: "FILE:LINE: KEY: message". So is
 * lock_manager = "sanlock" in a build without the sanlock driver, or
 * without sanlock_host_id.
 *
 *	struct vm_conf conf;
 *	vm_conf_init(&conf);
 *	if (vm_conf_load(&conf, vm_conf_path(), &err) < 0) ...
 *	...
 *	vm_conf_free(&conf);
 */
#ifndef VM_CONF_H
#define VM_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include "error.h"

/* A libvirt network's name and the host bridge it stands for. */
struct vm_conf_network {
	char *name;
	char *bridge;
};

/* A range of ids, FIRST to LAST inclusive; LAST 0 when not set. */
struct vm_id_range {
	unsigned first, last;
};

#define VM_CONF_BRIDGE_HELPER "/usr/lib/qemu/qemu-bridge-helper"
#define VM_CONF_SANLOCK_LEASE_DIR "/var/lib/vmkit/sanlock"
#define VM_CONF_NVRAM_DIR "/var/lib/vmkit/nvram"
/* The longest sanlock name (lockspace or resource): SANLK_NAME_LEN less
 * a NUL, spelt here as conf.c includes no sanlock header. */
#define VM_CONF_SANLOCK_NAME_MAX 47

struct vm_conf {
	char *lock_manager;		  /* "file" (default), "nop", "sanlock" */
	char *lock_space;		  /* NULL: RUNDIR/leases */
	bool auto_disk_leases;		  /* default true */
	bool require_lease_for_disks;	  /* default true */
	char *user;			  /* QEMU's user; NULL: default below */
	char *group;			  /* QEMU's group; NULL: user's primary group */
	struct vm_id_range user_range;	  /* "FIRST-LAST": a uid of its own per domain */
	bool dynamic_ownership;		  /* default true */
	bool remember_owner;		  /* default true */
	bool clear_emulator_capabilities; /* default true; only 1 is accepted */
	char *emulator;			  /* NULL: /usr/bin/qemu-system-x86_64 */
	int metadata_lock_timeout;	  /* seconds, default 10, 0..3600 */
	int shutdown_timeout;		  /* seconds, default 60, 1..86400 */
	bool seccomp_sandbox;		  /* default true */
	char *bridge_helper;		  /* session mode's taps; default VM_CONF_BRIDGE_HELPER */
	/* lock_manager = "sanlock" (lock.h): this host in the lockspace */
	int sanlock_host_id;	 /* 1..2000, required with sanlock; 0: unset */
	char *sanlock_lockspace; /* default "__VMKIT__" */
	char *sanlock_lease_dir; /* default VM_CONF_SANLOCK_LEASE_DIR */
	int sanlock_io_timeout;	 /* seconds, default 10, 1..300 */
	char *sanlock_run_dir;	 /* the daemon's socket; NULL: sanlock's default */
	char *on_lockfailure;	 /* "poweroff" (default) or "pause" */
	char *nvram_dir;	 /* each domain's firmware variables; default VM_CONF_NVRAM_DIR */
	/* network.NAME = "BRIDGE": vmkit has no libvirtd to own networks */
	struct vm_conf_network *networks;
	size_t nnetworks;
};

/* Defaults: user "vmkit-qemu" for root, the caller otherwise. */
void vm_conf_init(struct vm_conf *conf);
void vm_conf_free(struct vm_conf *conf);

/*
 * The config path: $VMKIT_CONF, else SYSCONFDIR/vmkit/vmkit.conf.
 */
const char *vm_conf_path(void);

/*
 * Loads PATH over the defaults already in CONF. A missing file is not an
 * error unless it was named by $VMKIT_CONF.
 */
int vm_conf_load(struct vm_conf *conf, const char *path, struct vm_error *err);

/* The bridge that network.NAME maps NAME to, or NULL. */
const char *vm_conf_network(const struct vm_conf *conf, const char *name);

/* Parses a buffer; NAME is used in messages. For load and for fuzzing. */
int vm_conf_parse(struct vm_conf *conf, const char *buf, size_t len, const char *name,
		  struct vm_error *err);

#endif
