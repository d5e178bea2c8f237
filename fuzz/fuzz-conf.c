/*
 * libFuzzer harness for the vmkit.conf parser: the input is parsed over
 * the defaults, as vm_conf_load() does with the file's bytes.
 */
#include "conf.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_conf conf;
	int r;

	vm_conf_init(&conf);
	r = vm_conf_parse(&conf, (const char *)data, size, "fuzz.conf", &err);
	if (r < 0 && !err.msg[0])
		abort();
	/* what a successful parse promises its callers */
	if (r == 0 &&
	    (!conf.lock_manager || conf.shutdown_timeout < 1 || conf.metadata_lock_timeout < 0 ||
	     !conf.clear_emulator_capabilities || (conf.emulator && conf.emulator[0] != '/') ||
	     (conf.lock_space && conf.lock_space[0] != '/')))
		abort();
	vm_conf_free(&conf);
	return 0;
}
