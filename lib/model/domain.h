/*
 * Domain model and libvirt domain XML parser/validator (libxml2).
 *
 * Every element and attribute is either honoured, accepted as a
 * restatement of what vmkit does anyway (its value is checked), or
 * rejected with VM_EXIT_INVALID and a message naming the file, line and
 * element: "FILE:LINE: <element>: message". Nothing is ignored.
 * Parsing has no side effects: it does not touch disks or run state
 * (it only checks that named files exist and what type they are).
 *
 *	struct vm_domain *dom = NULL;
 *	if (vm_domain_load(path, &dom, &err) < 0) ...
 *	vm_domain_free(dom);
 */
#ifndef VM_DOMAIN_H
#define VM_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <uuid/uuid.h>
#include <libxml/tree.h>
#include "error.h"

#define VM_NAME_MAX 64
#define VM_SATA_PORTS 6		/* QEMU's ahci device: sda to sdf */
#define VM_SCSI_TARGETS 256	/* virtio-scsi's max_target is 255: sda to sdiv */

enum vm_disk_type { VM_DISK_FILE, VM_DISK_BLOCK };
enum vm_disk_device { VM_DEVICE_DISK, VM_DEVICE_CDROM };
enum vm_disk_format { VM_FORMAT_RAW, VM_FORMAT_QCOW2 };
enum vm_disk_bus { VM_BUS_VIRTIO, VM_BUS_SATA, VM_BUS_SCSI };
enum vm_cache {
	VM_CACHE_DEFAULT, VM_CACHE_NONE, VM_CACHE_WRITEBACK,
	VM_CACHE_WRITETHROUGH, VM_CACHE_DIRECTSYNC, VM_CACHE_UNSAFE
};

struct vm_disk {
	enum vm_disk_type type;
	enum vm_disk_device device;
	enum vm_disk_format format;
	enum vm_cache cache;
	char *source;	/* as written; NULL for an empty cdrom */
	char *target;	/* "vda", "sda" ... validated [a-z]+ */
	enum vm_disk_bus bus;
	bool readonly;	/* cdroms are always readonly */
	bool shareable;
	bool relabel;	/* false with <seclabel relabel='no'/> in the disk */
	char *serial;
	int line;	/* line of <disk>, for messages */
};

/* Serial ports only: the parser folds a <console> into serial port 0. */
enum vm_chr_kind { VM_CHR_SERIAL };
enum vm_chr_type { VM_CHR_PTY, VM_CHR_FILE, VM_CHR_UNIX };

struct vm_chardev {
	enum vm_chr_kind kind;
	enum vm_chr_type type;
	char *path;	/* file and unix */
	bool listen;	/* unix: <source mode='bind'> */
};

struct vm_iface {
	char *model;	/* "virtio" (default), "e1000", "rtl8139" */
	char *mac;	/* NULL: QEMU picks */
};

struct vm_lease_def {
	char *lockspace;
	char *key;
	char *path;
	unsigned long long offset;
};

enum vm_seclabel_type { VM_SECLABEL_DYNAMIC, VM_SECLABEL_NONE, VM_SECLABEL_STATIC };

struct vm_seclabel {
	enum vm_seclabel_type type;	/* DYNAMIC when absent */
	bool has_ids;			/* static <label>+UID:+GID</label> */
	bool relabel;			/* false: never change disk ownership
					   (type none, or static without relabel='yes') */
	unsigned uid, gid;
};

enum vm_on_poweroff { VM_POWEROFF_DESTROY, VM_POWEROFF_PRESERVE };

struct vm_domain {
	char *file;		/* path it was read from */
	char *name;		/* validated: [A-Za-z0-9_.+-], no leading '.' or '-', <= VM_NAME_MAX */
	uuid_t uuid;		/* generated with libuuid when absent */
	bool kvm;		/* type='kvm' (else 'qemu', TCG) */
	unsigned long long memory_kib;
	unsigned vcpus;
	char *arch;		/* "x86_64" or "i686" */
	char *machine;		/* NULL: QEMU's default */
	char *kernel, *initrd, *cmdline;
	char boot[5];		/* QEMU -boot order letters, "" when absent */
	bool acpi;
	bool cpu_host_passthrough;
	enum vm_on_poweroff on_poweroff;
	char *emulator;		/* NULL: from vmkit.conf */
	unsigned pcie_root_ports;	/* explicit pcie-root-port controllers */
	struct vm_disk *disks;
	size_t ndisks;
	struct vm_iface *ifaces;
	size_t nifaces;
	struct vm_chardev *chardevs;
	size_t nchardevs;
	struct vm_lease_def *leases;
	size_t nleases;
	struct vm_seclabel seclabel;
	xmlDocPtr doc;		/* the parsed document, kept for status.json */
};

/* Reads and validates a domain XML file. */
int vm_domain_load(const char *path, struct vm_domain **dom, struct vm_error *err);
/* Same from memory; NAME is used in messages. For fuzzing and tests. */
int vm_domain_parse(const char *buf, size_t len, const char *name,
		    struct vm_domain **dom, struct vm_error *err);
/* Parses a lone <disk> element, as vm-attach takes it. */
int vm_disk_parse(const char *buf, size_t len, const char *name,
		  struct vm_disk *disk, struct vm_error *err);
void vm_disk_clear(struct vm_disk *disk);
void vm_domain_free(struct vm_domain *dom);

/* libvirt's disk numbering: sda 0, sdz 25, sdaa 26; -1 if not a name. */
long vm_disk_index(const char *target);
/* Whether the machine is a q35 (PCIe) one. */
bool vm_domain_is_q35(const struct vm_domain *dom);

/* 0 when NAME is a valid domain name, else -1 with VM_EXIT_INVALID. */
int vm_domain_check_name(const char *name, struct vm_error *err);

#endif
