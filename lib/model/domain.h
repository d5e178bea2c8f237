/*
 * Domain model and libvirt domain XML parser/validator (libxml2, which
 * this header does not need: commands built without it include it).
 * Each device class has its own file and header (devices.h).
 *
 * Every element and attribute is either honoured, accepted as a
 * restatement of what vmkit does anyway (its value is checked), or
 * rejected with VM_EXIT_INVALID and a message naming the file, line and
 * element: "FILE:LINE: <element>: message". Nothing is ignored.
 * Parsing has no side effects: it does not touch disks or run state
 * (it only checks that named files exist and what type they are).
 *
 *	struct vm_domain *dom = NULL;
 *	if (vm_domain_load(path, conf, &dom, &err) < 0) ...
 *
 * With a CONF, what the file needs of vmkit.conf (the bridge of each
 * libvirt network it names) is checked with the rest, so that one run
 * lists every problem; without one (NULL), the file alone.
 *	vm_domain_free(dom);
 */
#ifndef VM_DOMAIN_H
#define VM_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <uuid/uuid.h>
#include "channel.h"
#include "controller.h"
#include "disk.h"
#include "error.h"
#include "firmware.h"
#include "graphics.h"
#include "input.h"
#include "lease_def.h"
#include "machine.h"
#include "memballoon.h"
#include "net.h"
#include "redirdev.h"
#include "rng.h"
#include "serial.h"
#include "sound.h"
#include "tpm.h"
#include "video.h"
#include "watchdog.h"

#define VM_NAME_MAX 64

enum vm_seclabel_type { VM_SECLABEL_DYNAMIC, VM_SECLABEL_NONE, VM_SECLABEL_STATIC };

struct vm_seclabel {
	enum vm_seclabel_type type; /* DYNAMIC when absent */
	bool has_ids;		    /* static <label>+UID:+GID</label> */
	bool relabel;		    /* false: never change disk ownership
				       (type none, or static without relabel='yes') */
	unsigned uid, gid;
};

enum vm_on_poweroff { VM_POWEROFF_DESTROY, VM_POWEROFF_PRESERVE };

struct vm_domain {
	char *file;  /* path it was read from */
	char *name;  /* validated: [A-Za-z0-9_.+-], no leading '.' or '-', <= VM_NAME_MAX */
	uuid_t uuid; /* generated with libuuid when absent */
	bool kvm;    /* type='kvm' (else 'qemu', TCG) */
	unsigned long long memory_kib;
	unsigned vcpus;
	char *arch;    /* "x86_64" or "i686" */
	char *machine; /* NULL: QEMU's default */
	char *kernel, *initrd, *cmdline;
	char boot[5]; /* QEMU -boot order letters, "" when absent */
	bool acpi;
	bool cpu_host_passthrough;
	bool cpu_host_model; /* until vm_machine_host_model makes it a model */
	enum vm_on_poweroff on_poweroff;
	char *emulator;			   /* NULL: from vmkit.conf */
	struct vm_controller *controllers; /* in document order, then those vmkit adds */
	size_t ncontrollers;
	enum vm_usb usb;
	/* the usb-hubs libvirt adds for USB devices beyond the controllers' ports (address.c) */
	struct vm_address usb_hubs[VM_USB_HUBS_MAX];
	unsigned nusb_hubs;
	struct vm_disk *disks;
	size_t ndisks;
	struct vm_iface *ifaces;
	size_t nifaces;
	struct vm_chardev *chardevs;
	size_t nchardevs;
	struct vm_lease_def *leases;
	size_t nleases;
	struct vm_graphics *graphics;
	size_t ngraphics;
	struct vm_video *videos;
	size_t nvideos;
	struct vm_input *inputs;
	size_t ninputs;
	struct vm_sound *sounds;
	size_t nsounds;
	struct vm_audio *audios;
	size_t naudios;
	struct vm_memballoon memballoon;
	struct vm_rng *rngs;
	size_t nrngs;
	struct vm_watchdog watchdog;
	bool panic;		      /* <panic model='isa'> (panic.c) */
	struct vm_address panic_addr; /* its ISA port, or none: QEMU's 0x505 */
	struct vm_channel channel;
	struct vm_tpm *tpms; /* at most one */
	size_t ntpms;
	struct vm_redirdev *redirdevs; /* redirdev.c */
	size_t nredirdevs;
	struct vm_usbdev_rule *redirfilter; /* its rules, in order */
	size_t nredirfilter;
	int redirfilter_line; /* of <redirfilter>, 0 without one */
	struct vm_seclabel seclabel;
	struct vm_machine hw;  /* clock, features, pm, lifecycle */
	struct vm_firmware fw; /* <loader>, <nvram>, firmware='efi' */
	char *xml;	       /* the document re-serialized in UTF-8, with any generated
				  <uuid>: status.json keeps it */
	size_t xml_len;
};

struct vm_conf;

/* Reads and validates a domain XML file, against CONF when not NULL. */
int vm_domain_load(const char *path, const struct vm_conf *conf, struct vm_domain **dom,
		   struct vm_error *err);
/* Same from memory; NAME is used in messages. For fuzzing and tests. */
int vm_domain_parse(const char *buf, size_t len, const char *name, struct vm_domain **dom,
		    struct vm_error *err);
void vm_domain_free(struct vm_domain *dom);

/* Whether the machine is a q35 (PCIe) one. */
bool vm_domain_is_q35(const struct vm_domain *dom);
/* Whether it is an i440fx pc, QEMU's default machine (no machine=). */
bool vm_domain_is_pc(const struct vm_domain *dom);

/* 0 when NAME is a valid domain name, else -1 with VM_EXIT_INVALID. */
int vm_domain_check_name(const char *name, struct vm_error *err);

#endif
