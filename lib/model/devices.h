/*
 * Private to lib/model: the device classes of a domain and the table
 * that drives them. A class owns its elements of <devices> (their
 * xmlcheck.h tables and handlers), its checks that need the whole
 * domain, its QEMU arguments and its part of struct vm_domain. The
 * parser (domain.c) and the command line (qemu_argv.c) walk the table.
 *
 * To add a class: a file NOUN.c (NOUN.h for its model, included by
 * domain.h) that defines vm_NOUN_class, its extern below and its entry
 * in the table of devices.c. Parser state a class needs goes in struct
 * vm_domain_ctx.
 */
#ifndef VM_DEVICES_H
#define VM_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include "argv.h"
#include "domain.h"
#include "fwdesc.h"
#include "xmlcheck.h"

struct vm_image;
struct vm_tapdev;

/*
 * Where a device's struct vm_address lives in the domain: in the array
 * at offset ARRAY of struct vm_domain (SIZE bytes an element), element
 * I, at offset OFF; ARRAY (size_t)-1: at OFF of struct vm_domain itself.
 * Offsets, as the arrays move while the file is read.
 */
struct vm_address_ref {
	size_t array, i, size, off;
	unsigned takes;	  /* VM_ADDRESS_TAKES() of the kinds it can have */
	xmlNodePtr owner; /* the device's element */
	xmlNodePtr node;  /* its <address> */
};

/* What the <os> firmware elements said (firmware.c), resolved at the end. */
struct vm_firmware_parse {
	xmlNodePtr loader_node, nvram_node, smbios_node, sysinfo_node;
	enum vm_fwdesc_want secure_boot, enrolled_keys, loader_secure;
};

struct vm_domain_ctx {
	struct vm_domain *dom;	      /* NULL while reading a lone <disk> */
	const struct vm_conf *conf;   /* vm_domain_load's, or NULL */
	struct vm_disk *disk;	      /* the <disk> being read */
	struct vm_chardev *chr;	      /* the <serial> or <console> being read */
	struct vm_iface *iface;	      /* the <interface> being read */
	struct vm_lease_def *lease;   /* the <lease> being read */
	struct vm_graphics *graphics; /* the <graphics> being read */
	unsigned graphics_listens;    /* its <listen> children so far */
	struct vm_video *video;	      /* the <video> being read */
	bool video_model;	      /* it has its <model> */
	struct vm_sound *sound;	      /* the <sound> being read */
	struct vm_rng *rng;	      /* the <rng> being read */
	bool rng_backend;	      /* it has its <backend> */
	bool channel_target;	      /* the <channel> being read has its <target> */
	bool channel_spicevmc;	      /* ... and is the SPICE agent's */
	struct vm_tpm *tpm;	      /* the <tpm> being read */
	bool tpm_backend;	      /* it has its <backend> */
	bool memballoon;	      /* a <memballoon> was read */
	const char *controller_model; /* of the <controller> being read */
	xmlNodePtr q35_node;	      /* the first controller only q35 has */

	/* the addresses (address.h) and the controllers */
	struct vm_controller *controller; /* the <controller> being read */
	xmlNodePtr pc_node;		  /* the first controller only pc has */
	bool root_ports_written;	  /* a <controller model='pcie-root-port'> */
	struct vm_address_ref *addrs;	  /* every <address> read, for vm_address_class */
	size_t naddrs;
	struct vm_address_ref addr_next; /* where the <address> of the device being read goes */

	unsigned nserials;
	struct vm_chardev console; /* a <console>, resolved at the end */
	xmlNodePtr console_node;
	/* <domain> level */
	xmlDocPtr doc;
	xmlNodePtr name_node, uuid_node, memory_node, os_node;
	unsigned long long current_kib;
	xmlNodePtr current_node;
	xmlNodePtr hugepages_node;
	bool has_type;		  /* <os><type> */
	xmlNodePtr seclabel_node; /* the DAC (or none) <seclabel> */
	size_t nboot;
	struct vm_firmware_parse fw;
};

/* What a class's arguments are built from. */
struct vm_devices_argv {
	const struct vm_domain *dom;
	const struct vm_image *images;		/* one per disk of DOM (vm_qemu_argv()) */
	const struct vm_tapdev *taps;		/* one per interface of DOM, no fd for user */
	const struct vm_graphics_run *displays; /* one per graphics of DOM */
	int agent_fd;				/* the guest agent's listening socket */
	bool placeholders;			/* --print-argv: no fds, "<NODE>" instead */
};

struct vm_devices_class {
	/* Its children of <devices>, ended by { NULL }. */
	const struct vm_xmlcheck_elem *elems;
	/* Checks that need the whole domain; N is the <domain>. NULL: none. */
	int (*end)(struct vm_xmlcheck *x, xmlNodePtr n);
	/* Pushes its QEMU arguments. NULL: none. */
	int (*argv)(struct vm_argv *a, const struct vm_devices_argv *d, struct vm_error *err);
	/* Frees its part of DOM. NULL: nothing to free. */
	void (*clear)(struct vm_domain *dom);
};

extern const struct vm_devices_class vm_controller_class;
extern const struct vm_devices_class vm_disk_class;
extern const struct vm_devices_class vm_net_class;
extern const struct vm_devices_class vm_serial_class;
extern const struct vm_devices_class vm_lease_def_class;
extern const struct vm_devices_class vm_graphics_class;
extern const struct vm_devices_class vm_video_class;
extern const struct vm_devices_class vm_input_class;
extern const struct vm_devices_class vm_sound_class;
extern const struct vm_devices_class vm_memballoon_class;
extern const struct vm_devices_class vm_rng_class;
extern const struct vm_devices_class vm_watchdog_class;
extern const struct vm_devices_class vm_panic_class;
extern const struct vm_devices_class vm_channel_class;
extern const struct vm_devices_class vm_tpm_class;
extern const struct vm_devices_class vm_address_class;
extern const struct vm_devices_class vm_redirdev_class;

/*
 * The children of <devices>: each class's elements, gathered once by
 * vm_devices_init(), which vm_domain_parse() calls before it walks.
 */
extern struct vm_xmlcheck_elem vm_devices_children[];
int vm_devices_init(struct vm_error *err);
/* Each class's end(), in table order. */
int vm_devices_end(struct vm_xmlcheck *x, xmlNodePtr n);
/* Each class's arguments, in table order. */
int vm_devices_argv(struct vm_argv *a, const struct vm_devices_argv *d, struct vm_error *err);
/* Each class's clear(). */
void vm_devices_clear(struct vm_domain *dom);

/* The <domain> level elements of machine.h, for domain.c's table. */
extern const struct vm_xmlcheck_attr vm_machine_clock_attrs[];
extern const struct vm_xmlcheck_elem vm_machine_clock_children[];
int vm_machine_clock_begin(struct vm_xmlcheck *x, xmlNodePtr n);
extern const struct vm_xmlcheck_elem vm_machine_features_children[];
extern const struct vm_xmlcheck_elem vm_machine_pm_children[];
int vm_machine_on_poweroff_begin(struct vm_xmlcheck *x, xmlNodePtr n);
int vm_machine_on_reboot_begin(struct vm_xmlcheck *x, xmlNodePtr n);
int vm_machine_on_crash_begin(struct vm_xmlcheck *x, xmlNodePtr n);
int vm_machine_end(struct vm_xmlcheck *x, xmlNodePtr n);
extern const struct vm_xmlcheck_attr vm_machine_cpu_attrs[];
extern const struct vm_xmlcheck_elem vm_machine_cpu_children[];
int vm_machine_cpu_begin(struct vm_xmlcheck *x, xmlNodePtr n);
int vm_machine_cpu_end(struct vm_xmlcheck *x, xmlNodePtr n);
/* Parses the cpuset S of N ("0-3,^2,6", libvirt's syntax) into SET (VM_MACHINE_CPUSET_WORDS). */
int vm_machine_cpuset(struct vm_xmlcheck *x, xmlNodePtr n, const char *s, unsigned long long *set);
/* The size S of N in KiB, in the unit of N's attribute unit, as <memory> takes it. */
int vm_domain_size_kib(struct vm_xmlcheck *x, xmlNodePtr n, const char *s, unsigned long long *kib);
/* <memoryBacking> (memory.c) */
extern const struct vm_xmlcheck_elem vm_memory_backing_children[];
int vm_memory_end(struct vm_xmlcheck *x, xmlNodePtr n);
/* <cputune> and <iothreads> (cputune.c) */
extern const struct vm_xmlcheck_elem vm_cputune_children[];
int vm_cputune_iothreads_begin(struct vm_xmlcheck *x, xmlNodePtr n);
int vm_cputune_end(struct vm_xmlcheck *x, xmlNodePtr n);

/* The firmware elements of <os> (firmware.h), for domain.c's table. */
extern const struct vm_xmlcheck_attr vm_firmware_loader_attrs[];
extern const struct vm_xmlcheck_attr vm_firmware_nvram_attrs[];
extern const struct vm_xmlcheck_elem vm_firmware_children[];
int vm_firmware_os_begin(struct vm_xmlcheck *x, xmlNodePtr n);
int vm_firmware_loader_begin(struct vm_xmlcheck *x, xmlNodePtr n);
int vm_firmware_nvram_begin(struct vm_xmlcheck *x, xmlNodePtr n);
extern const struct vm_xmlcheck_attr vm_firmware_bootmenu_attrs[];
extern const struct vm_xmlcheck_attr vm_firmware_bios_attrs[];
extern const struct vm_xmlcheck_attr vm_firmware_smbios_attrs[];
extern const struct vm_xmlcheck_attr vm_firmware_sysinfo_attrs[];
extern const struct vm_xmlcheck_elem vm_firmware_sysinfo_children[];
int vm_firmware_bootmenu_begin(struct vm_xmlcheck *x, xmlNodePtr n);
int vm_firmware_bios_begin(struct vm_xmlcheck *x, xmlNodePtr n);
int vm_firmware_smbios_begin(struct vm_xmlcheck *x, xmlNodePtr n);
int vm_firmware_sysinfo_begin(struct vm_xmlcheck *x, xmlNodePtr n);
/* Resolves the firmware once the whole <domain> is read; N is the <domain>. */
int vm_firmware_end(struct vm_xmlcheck *x, xmlNodePtr n);

/* What the handlers of several classes share. */

static inline struct vm_domain_ctx *
vm_devices_ctx(struct vm_xmlcheck *x)
{
	return x->data;
}

static inline bool
vm_devices_streq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* The index of S among the N NAMES (an attribute xmlcheck.h has checked), else 0. */
unsigned vm_devices_index(const char *const *names, size_t n, const char *s);
/*
 * Parses BUF (from the file NAME), whose root must be the element ELEM
 * alone, as vm-attach takes a device: ELEM's handlers fill C.
 */
int vm_devices_parse_one(const char *buf, size_t len, const char *name,
			 const struct vm_xmlcheck_elem *elem, struct vm_domain_ctx *c,
			 struct vm_error *err);
/* Grows ARR of N elements of SIZE by one zeroed element; NULL when out of memory. */
void *vm_devices_grow(struct vm_xmlcheck *x, void *arr, size_t n, size_t size);
/* Appends a zeroed element to the array ARR of N elements: the new one, or NULL. */
#define VM_DEVICES_APPEND(x, arr, n)                                                               \
	__extension__({                                                                            \
		typeof(arr) p_ = vm_devices_grow(x, arr, n, sizeof(*(arr)));                       \
		p_ ? ((arr) = p_, &p_[(n)++]) : NULL;                                              \
	})
/* Replaces *DST with a copy of S. */
int vm_devices_set_str(struct vm_xmlcheck *x, char **dst, const char *s);
/* N's text, not empty, into *DST. */
int vm_devices_text(struct vm_xmlcheck *x, xmlNodePtr n, char **dst);
/* Rejects a PATH of N that is not absolute. */
int vm_devices_check_absolute(struct vm_xmlcheck *x, xmlNodePtr n, const char *path);

/*
 * A device's <alias name='...'/>, which virsh dumpxml writes for a
 * running domain (libvirt's QEMU id): accepted, not used, as vmkit names
 * QEMU's devices itself.
 */
extern const struct vm_xmlcheck_attr vm_devices_alias_attrs[];
#define VM_DEVICES_ALIAS                                                                           \
	{                                                                                          \
		"alias", .attrs = vm_devices_alias_attrs                                           \
	}

/*
 * The rank of disk D of DOM in libvirt's order of disks, which gives
 * them their slots and boot order: buses in the order they first come,
 * then each bus's targets in order.
 */
long vm_disk_rank(const struct vm_domain *dom, const struct vm_disk *d);

/*
 * The <address> a device may have (address.h). Its begin handler
 * (the element N) says where it goes and which kinds it takes with
 * VM_ADDRESS_EXPECT(c, n, FIELD, I, MEMBER, TAKES): element I of DOM's
 * array FIELD, its struct vm_address MEMBER; VM_ADDRESS_EXPECT_ONE for
 * a device that is a member of struct vm_domain itself. A device that
 * does not (or a lone device of vm-attach) refuses its <address>.
 */
extern const struct vm_xmlcheck_attr vm_address_attrs[];
int vm_address_begin(struct vm_xmlcheck *x, xmlNodePtr n);
#define VM_DEVICES_ADDRESS                                                                         \
	{                                                                                          \
		"address", .attrs = vm_address_attrs, .begin = vm_address_begin                    \
	}
#define VM_ADDRESS_EXPECT(c, n, field, i, member, kinds)                                           \
	((c)->addr_next = (struct vm_address_ref){                                                 \
		 offsetof(struct vm_domain, field), (i), sizeof(*(c)->dom->field),                 \
		 offsetof(typeof(*(c)->dom->field), member), (kinds), (n), NULL })
#define VM_ADDRESS_EXPECT_ONE(c, n, member, kinds)                                                 \
	((c)->addr_next = (struct vm_address_ref){                                                 \
		 (size_t)-1, 0, 0, offsetof(struct vm_domain, member), (kinds), (n), NULL })
/* Attribute NAME of N, decimal or 0x hexadecimal as libvirt reads it, up to MAX; absent: 0. */
int vm_address_number(struct vm_xmlcheck *x, xmlNodePtr n, const char *name, unsigned max,
		      unsigned *v);
/* The struct vm_address R points at in DOM. */
struct vm_address *vm_address_of(struct vm_domain *dom, const struct vm_address_ref *r);

#endif
