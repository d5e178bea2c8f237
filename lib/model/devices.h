/*
 * Private to domain.c and domain_devices.c: the <devices> part of the
 * domain XML checker (xmlcheck.h) and the state its handlers share.
 */
#ifndef VM_DOMAIN_DEVICES_H
#define VM_DOMAIN_DEVICES_H

#include "domain.h"
#include "xmlcheck.h"

/* Attribute tables read { "name", ANY or "a|b", OPTIONAL or REQUIRED } */
#define ANY NULL
#define OPTIONAL false
#define REQUIRED true

struct vm_domain_ctx {
	struct vm_domain *dom;		/* NULL while reading a lone <disk> */
	struct vm_disk *disk;		/* the <disk> being read */
	struct vm_chardev *chr;		/* the <serial> or <console> being read */
	struct vm_iface *iface;		/* the <interface> being read */
	struct vm_lease_def *lease;	/* the <lease> being read */
	const char *controller_model;	/* of the <controller> being read */
	xmlNodePtr q35_node;		/* the first controller only q35 has */
	unsigned nserials;
	struct vm_chardev console;	/* a <console>, resolved at the end */
	xmlNodePtr console_node;
	/* <domain> level */
	xmlNodePtr name_node, uuid_node, memory_node, os_node;
	unsigned long long current_kib;
	xmlNodePtr current_node;
	bool has_type;			/* <os><type> */
	size_t nboot;
};

/* The children of <devices>. */
extern const struct vm_xmlcheck_elem vm_domain_devices_children[];

/* Checks that need the whole domain; N is the <domain>. */
int vm_domain_devices_end(struct vm_xmlcheck *x, xmlNodePtr n);

#endif
