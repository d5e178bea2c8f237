/*
 * libFuzzer harness for the domain XML parser: the input is parsed as a
 * whole <domain> (vm_domain_parse) and as a lone <disk> (vm_disk_parse),
 * as vm-start and vm-attach read them.
 *
 * The parser stat()s disk sources, which are relative to the current
 * directory in the seed corpus (disk.img, data.img, cd.iso, disk.qcow2).
 * The harness creates them in a scratch directory, removed at exit, and
 * works there only while it parses: libFuzzer's own relative paths
 * (corpus, artifacts) keep their meaning, except for an artifact
 * written on a crash inside the parser, so run it with an absolute
 * -artifact_prefix (fuzz/run.sh does).
 */
#include "domain.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>

static const char *const files[] = { "disk.img", "data.img", "cd.iso", "disk.qcow2" };
static char dir[] = "/tmp/vmkit-fuzz-domain.XXXXXX";
static int home = -1, scratch = -1;

/* libxml2 reports through our handler; this catches what it prints anyway */
static void
quiet(void *ctx, const char *fmt, ...)
{
}

static void
cleanup(void)
{
	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++)
		unlinkat(scratch, files[i], 0);
	rmdir(dir);
}

static void
enter(int fd)
{
	if (fchdir(fd) < 0) {
		perror("fuzz-domain: fchdir");
		abort();
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	xmlInitParser();
	xmlSetGenericErrorFunc(NULL, quiet);
	home = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (home < 0 || !mkdtemp(dir) ||
	    (scratch = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		perror("fuzz-domain: cannot create a scratch directory");
		exit(1);
	}
	atexit(cleanup);
	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
		int fd = openat(scratch, files[i], O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

		if (fd < 0) {
			perror("fuzz-domain: cannot create a disk file");
			exit(1);
		}
		close(fd);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_domain *dom = NULL;
	struct vm_disk disk;

	enter(scratch);
	if (vm_domain_parse((const char *)data, size, "fuzz.xml", &dom, &err) == 0) {
		/* what vm-start and vm-status read back from a parsed domain */
		if (!dom || !dom->name || !dom->xml || dom->vcpus == 0)
			abort();
		vm_domain_free(dom);
	} else if (dom || !err.msg[0]) {
		abort();
	}
	vm_error_clear(&err);
	if (vm_disk_parse((const char *)data, size, "fuzz.xml", &disk, &err) == 0) {
		if (!disk.target)
			abort();
		vm_disk_clear(&disk);
	} else if (!err.msg[0]) {
		abort();
	}
	enter(home);
	return 0;
}
