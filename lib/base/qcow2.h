/*
 * The few facts of a qcow2 header that decide which files QEMU would
 * open (QEMU's docs/interop/qcow2.txt): the backing file name, the
 * backing format it recorded, and whether an external data file holds
 * the guest's clusters. vmkit reads them itself so that it can lease,
 * label and pass every file of a chain, and QEMU opens none by name.
 *
 * The parser works on the bytes read from the start of the image and
 * trusts none of them: every offset and length is checked against LEN,
 * so a truncated or hostile header is an error, never a read out of
 * bounds.
 *
 *	unsigned char buf[VM_QCOW2_READ_MAX]; read up to that much from offset 0
 *	struct vm_qcow2 q;
 *	if (vm_qcow2_parse(buf, n, &q, &why) < 0) ... why says what is wrong
 */
#ifndef VM_QCOW2_H
#define VM_QCOW2_H

#include <stdbool.h>
#include <stddef.h>

/* The backing file name lies in the first cluster (at most 2 MiB, QEMU's
 * limit) and is at most 1023 bytes long. */
#define VM_QCOW2_NAME_MAX 1023
#define VM_QCOW2_READ_MAX ((2u << 20) + VM_QCOW2_NAME_MAX)

struct vm_qcow2 {
	char backing[VM_QCOW2_NAME_MAX + 1];	    /* "" without a backing file */
	char backing_fmt[VM_QCOW2_NAME_MAX + 1];    /* "" when not recorded */
	bool data_file;				    /* guest clusters live in an external file */
	char data_file_name[VM_QCOW2_NAME_MAX + 1]; /* "" when not recorded */
};

/* How many bytes from the start of the image vm_qcow2_parse() needs,
 * judged from the first HEAD_LEN bytes: the first cluster and a name
 * after it, at most VM_QCOW2_READ_MAX. 0 when HEAD is no qcow2 header. */
size_t vm_qcow2_need(const unsigned char *head, size_t head_len);

/* 0 and Q filled, or -1 with *WHY a static description of the fault. */
int vm_qcow2_parse(const unsigned char *buf, size_t len, struct vm_qcow2 *q, const char **why);

#endif
