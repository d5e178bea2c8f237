/*
 * QEMU's firmware descriptors (QEMU's docs/interop/firmware.json): the
 * JSON files that firmware packages install, Debian's ovmf among them,
 * to say what each firmware image is, what it needs and what it does.
 * libvirt picks the firmware of <os firmware='efi'> from them; so does
 * vmkit, the same way.
 *
 * The descriptors are read from VM_FWDESC_DIRS and, for a caller other
 * than root, $XDG_CONFIG_HOME/qemu/firmware (else ~/.config/qemu/firmware).
 * A file name in a later directory hides the same name in an earlier one,
 * and an empty file hides it without replacing it. The rest are tried in
 * the order of their file names: the first whose interface is uefi, whose
 * targets name ARCH with a machine pattern that MACHINE matches, whose
 * mapping is a split flash (code and variables apart) or memory (a ROM,
 * with ROM set) in raw format, and whose features agree with the query
 * is the one. A descriptor that cannot be read or parsed is skipped as
 * libvirt skips it: it names no firmware.
 *
 *	struct vm_fwdesc_query q = { .arch = "x86_64", .machine = "pc-q35-7.2",
 *				     .secure_boot = VM_FWDESC_YES, .smm = true };
 *	struct vm_fwdesc d;
 *	if (vm_fwdesc_find(&q, &d, &err) < 0) ...   (VM_EXIT_INVALID: none matches)
 */
#ifndef VM_FWDESC_H
#define VM_FWDESC_H

#include <limits.h>
#include <stdbool.h>
#include "error.h"

#define VM_FWDESC_DIRS "/usr/share/qemu/firmware", "/etc/qemu/firmware"

/* A feature the domain asks for, forbids, or leaves to the descriptor. */
enum vm_fwdesc_want { VM_FWDESC_ANY, VM_FWDESC_YES, VM_FWDESC_NO };

struct vm_fwdesc_query {
	const char *arch;    /* "x86_64" */
	const char *machine; /* QEMU's full machine name: "pc-q35-7.2" */
	bool rom;	     /* a ROM (mapping "memory"), else split flash */
	enum vm_fwdesc_want secure_boot, enrolled_keys;
	bool smm_off;		    /* the domain turned SMM off: no requires-smm */
	const char *executable;	    /* the code must be this file; NULL: any */
	const char *nvram_template; /* the template must be this file; NULL: any */
};

struct vm_fwdesc {
	char path[PATH_MAX];		/* the descriptor */
	char executable[PATH_MAX];	/* the firmware code */
	char nvram_template[PATH_MAX];	/* "" for a ROM */
	bool secure_boot, requires_smm; /* its features */
};

/* The first descriptor that fits Q into *D; VM_EXIT_INVALID when none does. */
int vm_fwdesc_find(const struct vm_fwdesc_query *q, struct vm_fwdesc *d, struct vm_error *err);

#endif
