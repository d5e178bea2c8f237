/*
 * libFuzzer harness for status.json, which every command reads from the
 * run directory. The input is the file. A record that vm_status_read()
 * accepts must survive the way the commands use it: written back, read
 * again, and written once more to the same bytes, also after a disk
 * record is removed. A rejected one must say why. The scratch
 * directories are on /dev/shm when it exists, so that the fsync of each
 * write costs nothing.
 */
#include "status.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int dirs[3]; /* the input, its first rewrite, the second */
static char names[3][64];

_Noreturn static void
fail(const char *what)
{
	fprintf(stderr, "fuzz-status: %s\n", what);
	abort();
}

static void
remove_dirs(void)
{
	for (int i = 0; i < 3; i++) {
		unlinkat(dirs[i], "status.json", 0);
		rmdir(names[i]);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	for (int i = 0; i < 3; i++) {
		snprintf(names[i], sizeof(names[i]), "%s/vmkit-fuzz-status.XXXXXX", base);
		if (!mkdtemp(names[i]) ||
		    (dirs[i] = open(names[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
			fail("cannot make a scratch directory");
	}
	atexit(remove_dirs);
	return 0;
}

static void
put_input(const uint8_t *data, size_t size)
{
	int fd = openat(dirs[0], "status.json", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || write(fd, data, size) != (ssize_t)size || close(fd) < 0)
		fail("cannot write the input");
}

/* The bytes of status.json in DIR; malloc'ed, NUL-terminated. */
static char *
slurp(int dir, size_t *len)
{
	int fd = openat(dir, "status.json", O_RDONLY | O_CLOEXEC);
	char *buf = malloc(1 << 20);
	ssize_t n;

	if (fd < 0 || !buf || (n = read(fd, buf, (1 << 20) - 1)) < 0)
		fail("cannot read a rewrite");
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Writes ST to dirs[1], reads it back, writes that to dirs[2]: same bytes. */
static void
round_trip(const struct vm_status *st)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_status *again = NULL;
	size_t la, lb;
	char *a, *b;

	if (vm_status_write(dirs[1], st, &err) < 0)
		fail(err.msg);
	if (vm_status_read(dirs[1], &again, &err) < 0)
		fail("an accepted record does not read back");
	if (vm_status_write(dirs[2], again, &err) < 0)
		fail(err.msg);
	a = slurp(dirs[1], &la);
	b = slurp(dirs[2], &lb);
	if (la != lb || memcmp(a, b, la) != 0)
		fail("a record changes when it is written again");
	free(a);
	free(b);
	vm_status_free(again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_status *st = NULL;

	put_input(data, size);
	if (vm_status_read(dirs[0], &st, &err) < 0) {
		if (!err.msg[0] || !err.code)
			fail("a rejected record without a message");
		return 0;
	}
	round_trip(st);
	if (st->ndisks) {
		size_t n = st->ndisks;

		if (vm_status_disk_index(st, st->disks[n - 1].target, 0) >= n)
			fail("a disk record is not found by its target");
		vm_status_remove_disk(st, 0);
		if (st->ndisks != n - 1)
			fail("removing a disk record did not remove one");
		round_trip(st);
	}
	vm_status_free(st);
	return 0;
}
