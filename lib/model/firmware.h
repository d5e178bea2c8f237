/*
 * The firmware of a domain: <os firmware='efi'>, <loader>, <nvram> and
 * <firmware><feature>, as libvirt 9.0 reads them.
 *
 * firmware='efi' is resolved at parse time through QEMU's firmware
 * descriptors (fwdesc.h) as libvirt resolves it: the first descriptor
 * that fits the machine, the <feature>s, <loader secure> and <smm>. A
 * descriptor that requires SMM turns it on unless the domain turned it
 * off, and makes the loader secure (libvirt does both). Without
 * firmware='efi', <loader type='pflash'> names the code itself and
 * <nvram template> its template (else the descriptor naming that code
 * gives it). A secure loader needs SMM on and a q35 machine.
 *
 * <bootmenu>, <bios rebootTimeout> and <bios useserial> (SeaBIOS only)
 * are -boot's options and -machine graphics=off as libvirt 9.0 gives them;
 * <smbios mode='sysinfo'> with <sysinfo type='smbios'> is -smbios
 * type=0, 1, 2, 3 and 11. mode='emulate' restates QEMU's default;
 * mode='host' (libvirt copies the host's tables) is refused.
 *
 * The code is pflash0 (read-only) and the variables pflash1, each a
 * raw -blockdev over an fd QEMU inherits, named on -machine as libvirt
 * 9.0 does; a type='rom' loader is -bios. The variables file is the
 * domain's own (NVRAM, default NVRAM_DIR/NAME_VARS.fd of vmkit.conf):
 * vm-start makes it from the template on first start and leases and
 * labels it like a disk (lib/flow/firmware.h).
 *
 * Parsing checks that the code and template are regular files and that
 * the directory of an explicit <nvram> exists; nothing is made.
 * CODE_FD and NVRAM_FD are what vm-start sets before it builds the
 * command line, -1 until then ("<pflash0>", "<pflash1>" for --print-argv).
 */
#ifndef VM_FIRMWARE_H
#define VM_FIRMWARE_H

#include <stdbool.h>
#include <stddef.h>

/* The SMBIOS tables <sysinfo type='smbios'> fills: 0 bios, 1 system, 2 baseBoard, 3 chassis. */
#define VM_FIRMWARE_SMBIOS_TABLES 4
#define VM_FIRMWARE_SMBIOS_FIELDS 7

struct vm_firmware {
	bool efi;     /* <os firmware='efi'> */
	bool pflash;  /* code in pflash0 and variables in pflash1 */
	bool rom;     /* <loader type='rom'>: -bios */
	bool secure;  /* resolved: SMM-only flash writes (cfi.pflash01 secure=on) */
	char *loader; /* the code */
	char *nvram;  /* the variables, as written; NULL: the default path */
	char *nvram_template;
	int code_fd, nvram_fd;
	int line; /* of <os>, for messages */
	/* <bootmenu enable timeout>: -boot menu, splash-time */
	bool has_bootmenu, bootmenu, has_bootmenu_timeout;
	long bootmenu_timeout; /* ms */
	/* <bios rebootTimeout useserial> */
	bool has_reboot_timeout;
	long reboot_timeout; /* ms, -1: never */
	bool useserial;	     /* SeaBIOS's console on the serial port */
	/* <smbios mode='sysinfo'>: each table's fields as libvirt orders them, NULL: none */
	bool smbios;
	char *smbios_fields[VM_FIRMWARE_SMBIOS_TABLES][VM_FIRMWARE_SMBIOS_FIELDS];
	char **oem_strings; /* <oemStrings>: table 11 */
	size_t noem_strings;
};

struct vm_domain;
struct vm_argv;
struct vm_argv_opt;
struct vm_error;

/* Appends ",pflash0=...,pflash1=..." and graphics=off to the value of -machine. */
void vm_firmware_opts(const struct vm_domain *dom, struct vm_argv_opt *o);
/* Appends -boot's menu, reboot-timeout and splash-time, each with a "," after it. */
void vm_firmware_boot_opts(const struct vm_domain *dom, struct vm_argv_opt *o);
/* Pushes -smbios, the pflash -add-fd/-blockdev pairs and -global ...secure, or -bios. */
int vm_firmware_argv(const struct vm_domain *dom, struct vm_argv *a, bool placeholders,
		     struct vm_error *err);
void vm_firmware_clear(struct vm_firmware *fw);

#endif
