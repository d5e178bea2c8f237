/*
 * The TPM of a domain (<tpm>): a TPM 2.0 emulated by swtpm, on QEMU
 * 7.2's tpm-crb or tpm-tis (libvirt's default on x86), at most one.
 * Only <backend type='emulator' version='2.0'> is honoured: a host TPM
 * (passthrough) and TPM 1.2 are refused by name. persistent_state='yes'
 * keeps the TPM's state after the domain stops (lib/flow/tpm.h).
 *
 * FD is what vm-start sets before it builds the command line: QEMU's
 * end of the socket pair that is swtpm's control channel, -1 until then
 * (the command line names it "<tpm0>" for --print-argv).
 */
#ifndef VM_TPM_H
#define VM_TPM_H

#include <stdbool.h>

enum vm_tpm_model { VM_TPM_TIS, VM_TPM_CRB };

struct vm_tpm {
	enum vm_tpm_model model;
	bool persistent; /* <backend persistent_state='yes'> */
	int fd;
	int line; /* of <tpm>, for messages */
};

/* QEMU's name of the model, as the XML spells it ("tpm-crb"). */
const char *vm_tpm_model_name(enum vm_tpm_model m);

#endif
