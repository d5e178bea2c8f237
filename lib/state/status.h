/*
 * A domain's run state, as a struct vm_status and as the JSON text of
 * its run directory's status file. This module encodes and decodes; the
 * file is rundir.h's, rewritten atomically (temp, fsync, rename) after
 * each step so that a crash leaves either the old state or the new one,
 * and vm-stop alone can finish the cleanup.
 *
 *   {"state": "starting|running|stopping", "pid": N, "uuid": "...",
 *    "machine": {"root_ports": N, "acpi": B, "relabel": B,
 *                "busy_ports": [N, ...]},  (pci.N that are no free root port)
 *    "user": [UID, GID],                  (what QEMU runs as)
 *    "own_uid": B,                        (UID is this domain's, from user_range)
 *    "scsi_bus": "pci.N",                 (a hotplugged scsi0's port)
 *    "disks": [{"target": "vda", "path": "/canonical",
 *               "identity": "inode:MAJ:MIN:INO",  (when leased; see disk_identity.h)
 *               "lease": "exclusive|shared|none", "label": "applied|none",
 *               "owner": [UID, GID], "bus": "pci.N", "file": [DEV, INO],
 *               "backing": [{"path": ..., "lease": "shared|none", "label": ...,
 *                            "owner": ..., "file": ...}, ...]}, ...],
 *    "nvram": {"target": "nvram", ...},   (the firmware's variables, leased and
 *                                         labelled as a disk; see firmware.h)
 *    "interfaces": [{"mac": "52:54:00:..", "lease": B,   (held as "mac:MAC")
 *                    "tap": "vmk0", "bridge": "br0",      (tap, bridge: when any)
 *                    "device": "net0", "bus": "pci.N"}, ...],  (QEMU's id; a hotplugged one's port)
 *    "displays": [{"type": "vnc|spice", "socket": "vnc.sock"}   (in the run directory)
 *                 or {"type": "vnc", "address": "127.0.0.1", "port": N,
 *                     "lease": B}, ...],                        (held as "port:N")
 *    "tpm": {"pid": N, "persistent": B, "model": "tpm-crb|tpm-tis"}}  (swtpm's pid)
 *
 * JSON rather than XML so that the commands that only read it (vm-stop,
 * vm-status, vm-lock, vm-attach) need not load libxml2, whose ICU and
 * libstdc++ cost some 2 ms of start-up on every run. "machine" holds what
 * vm-attach needs to know of the domain.
 *
 * The domain XML as started is not in here but in its own file of the
 * run directory (rundir.h): the status is read by every lease conflict
 * and listing, and rewritten at each step, while the XML (up to 16 MiB)
 * is written once. A status longer than the run directory reads back is
 * refused when written, so that whatever a command records, every
 * command can read.
 *
 * Writing "starting" with its disks is the intent that comes before any
 * change outside the run directory. While a cdrom's medium is changed,
 * its target has two records, the old medium's and the new one's.
 */
#ifndef VM_STATUS_H
#define VM_STATUS_H

#include <stdbool.h>
#include <sys/types.h>
#include "controller.h"
#include "error.h"

enum vm_run_state { VM_RUN_STARTING, VM_RUN_RUNNING, VM_RUN_STOPPING };
/* The mode a content lease was taken in, as recorded; the workflows
 * convert it to the lock manager's (vm_disks_lease_mode()). */
enum vm_status_lease { VM_STATUS_LEASE_SHARED, VM_STATUS_LEASE_EXCLUSIVE };

struct vm_status_disk {
	char *target;
	char *path; /* canonical; NULL for an empty cdrom */
	/* the identity lease taken with the path's, in the same mode;
	 * NULL when none was (nop, a record written before there were any) */
	char *identity;
	bool lease; /* a content lease was taken */
	enum vm_status_lease mode;
	/* "applied": labelled, or to be labelled. A kill between a chown and
	 * the next write leaves no finer record, so vm-stop restores all. */
	bool labelled;
	bool has_owner; /* owner recorded here (no xattrs) */
	unsigned uid, gid;
	char bus[16]; /* the root port of a hotplugged PCI disk, or "" */
	/* The (st_dev, st_ino) of the file that was opened and labelled, so
	 * that a give-back by path never touches another file. */
	bool has_id;
	unsigned long long dev, ino;
	/* Its backing files, top first, as records of their own (no target,
	 * no bus, none of their own): each leased and labelled like it. */
	struct vm_status_disk *backing;
	size_t nbacking;
};

/* An interface with a tap; the tap dies with QEMU, so this is for showing
 * and for naming the holder of its MAC lease. */
struct vm_status_iface {
	char mac[18];
	bool lease;	 /* "mac:MAC" is leased */
	char tap[16];	 /* "" until made */
	char bridge[16]; /* "" for none */
	char id[32];	 /* QEMU's device id; its netdev is "host" and this */
	char bus[16];	 /* the root port of a hotplugged NIC, or "" */
};

/* A display and where it listens: a socket of the run directory, or an address and port. */
struct vm_status_display {
	char type[8];	  /* "vnc" */
	char socket[32];  /* its path in the run directory, or "" */
	char address[46]; /* numeric IPv4 or IPv6, or "" */
	unsigned port;	  /* with an address */
	bool lease;	  /* "port:N" is leased */
};

struct vm_status {
	enum vm_run_state state;
	pid_t pid;
	char uuid[37];
	struct vm_status_disk *disks;
	size_t ndisks;
	struct vm_status_disk nvram; /* target NULL: no pflash firmware */
	unsigned root_ports;	     /* q35: hotplug goes to pci.1..root_ports; 0 on pc */
	bool acpi;		     /* pc's pci.0 hotplug needs it */
	bool relabel;		     /* the domain's <seclabel> lets vmkit relabel */
	unsigned uid, gid;	     /* QEMU's user and group */
	bool own_uid;		     /* leased from user_range: no other domain has it */
	char scsi_bus[16];	     /* the root port of a hotplugged scsi0, or "" */
	/* pci.N that hotplug skips: a boot-time device's root port, a bridge */
	bool busy_ports[VM_CONTROLLER_ROOT_PORTS_MAX + 1];
	struct vm_status_iface *ifaces;
	size_t nifaces;
	struct vm_status_display *displays;
	size_t ndisplays;
	bool tpm;	     /* the domain has a <tpm>: swtpm, "tpm:UUID" */
	bool tpm_persistent; /* its state stays after the domain stops */
	pid_t tpm_pid;	     /* swtpm's, which vm-start started; 0 before */
	char tpm_model[8];   /* "tpm-crb" or "tpm-tis"; "" in a record from before */
};

/* Appends a copy of D. */
int vm_status_add_display(struct vm_status *st, const struct vm_status_display *d,
			  struct vm_error *err);

/* Appends a copy of I. */
int vm_status_add_iface(struct vm_status *st, const struct vm_status_iface *i,
			struct vm_error *err);

/* The index of the interface with MAC, or nifaces. */
size_t vm_status_iface_index(const struct vm_status *st, const char *mac);
/* Removes interface record I, moving the later ones down. */
void vm_status_remove_iface(struct vm_status *st, size_t i);

/* Appends a disk record; the strings and backing records are copied. */
int vm_status_add_disk(struct vm_status *st, const struct vm_status_disk *d, struct vm_error *err);
/*
 * The index of the first record of TARGET at or after FROM, or ndisks.
 * Every record of a target:
 *
 *	for (i = vm_status_disk_index(st, t, 0); i < st->ndisks;
 *	     i = vm_status_disk_index(st, t, i + 1))
 */
size_t vm_status_disk_index(const struct vm_status *st, const char *target, size_t from);
/* Frees what a record owns (vm_status_add_disk() copied it). */
void vm_status_disk_clear(struct vm_status_disk *d);
/* Removes record I, moving the later ones down. */
void vm_status_remove_disk(struct vm_status *st, size_t i);

/*
 * Writes ST as the status file of the run directory DIRFD. A status that
 * would not fit in what vm_status_read() takes is VM_EXIT_INVALID, and
 * the file is left as it was. vm_rundir_remove_status() removes it.
 */
int vm_status_write(int dirfd, const struct vm_status *st, struct vm_error *err);
/* Missing file: VM_EXIT_NO, errno ENOENT. Garbage: VM_EXIT_SYSTEM naming
 * the file. The result is calloc'ed; free it with vm_status_free(). */
int vm_status_read(int dirfd, struct vm_status **st, struct vm_error *err);
void vm_status_free(struct vm_status *st);
const char *vm_status_state_name(enum vm_run_state s);

#endif
