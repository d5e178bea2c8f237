/*
 * libFuzzer harness for the qcow2 header parser, which reads headers of
 * images any user may have written. The input is the start of an image.
 * An accepted header must give NUL-terminated names of bounded length;
 * a refused one must say why.
 */
#include "qcow2.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = NULL;
	struct vm_qcow2 q;

	if (vm_qcow2_parse(data, size, &q, &why) < 0) {
		if (!why)
			abort();
		return 0;
	}
	if (strlen(q.backing) > VM_QCOW2_NAME_MAX || strlen(q.backing_fmt) > VM_QCOW2_NAME_MAX ||
	    strlen(q.data_file_name) > VM_QCOW2_NAME_MAX)
		abort();
	(void)vm_qcow2_need(data, size);
	return 0;
}
