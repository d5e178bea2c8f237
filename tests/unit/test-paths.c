/* Unit tests for the run directory helpers: private dirs, no symlinks. */
#include "paths.h"
#include "exitcodes.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[] = "/tmp/vmkit-test-paths.XXXXXX";

static void
test_rundir(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_paths p;
	char dir[256];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/run", base);
	setenv("VMKIT_RUNDIR", dir, 1);
	ok(vm_paths_open(&p, &err) == 0, "creates the run directory");
	ok(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700, "the run directory is 0700");
	vm_paths_close(&p);

	chmod(dir, 0755);
	ok(vm_paths_open(&p, &err) < 0 && err.code == VM_EXIT_INVALID &&
		   strstr(err.msg, "mode 0755 allows group or other access"),
	   "refuses a wider mode: %s", err.msg);
	chmod(dir, 0730);
	ok(vm_paths_open(&p, &err) < 0 && err.code == VM_EXIT_INVALID &&
		   strstr(err.msg, "mode 0730 lets group or others write in it"),
	   "refuses a group-writable mode: %s", err.msg);
	chmod(dir, 0700);

	snprintf(dir, sizeof(dir), "%s/link", base);
	symlink("run", dir);
	setenv("VMKIT_RUNDIR", dir, 1);
	ok(vm_paths_open(&p, &err) < 0 && err.code == VM_EXIT_INVALID &&
		   strstr(err.msg, "not a directory (a symlink?)"),
	   "refuses a symlinked run directory: %s", err.msg);

	setenv("VMKIT_RUNDIR", "relative/dir", 1);
	ok(vm_paths_open(&p, &err) < 0 && err.code == VM_EXIT_INVALID,
	   "refuses a relative run directory");
}

/* A reader never sees a half-written file: a write puts a new inode in
 * place, and a reader that opened the old one keeps reading old bytes. */
static void
test_replace(int dfd)
{
	struct vm_error err = VM_ERROR_INIT;
	struct stat before, after;
	char old[16] = "";
	int rd = openat(dfd, "f", O_RDONLY);

	fstat(rd, &before);
	ok(vm_paths_write_atomic(dfd, "f", "a new text", 10, &err) == 0,
	   "writes over an existing file");
	ok(pread(rd, old, sizeof(old) - 1, 0) == 5 && strcmp(old, "hello") == 0,
	   "a reader that opened it before still reads the old bytes ('%s')", old);
	ok(fstatat(dfd, "f", &after, 0) == 0 && after.st_ino != before.st_ino &&
		   after.st_size == 10,
	   "the name now has another inode with the new bytes");
	close(rd);
	ok(vm_paths_write_atomic(dfd, "f", "hello", 5, &err) == 0, "writes the old text back");
}

static void
test_files(void)
{
	struct vm_error err = VM_ERROR_INIT;
	char *buf = NULL;
	size_t len;
	struct stat st;
	int dfd = open(base, O_RDONLY | O_DIRECTORY);

	ok(vm_paths_write_atomic(dfd, "f", "hello", 5, &err) == 0, "writes a file atomically");
	ok(fstatat(dfd, "f", &st, 0) == 0 && (st.st_mode & 0777) == 0600, "the file is 0600");
	ok(vm_paths_read(dfd, "f", 100, &buf, &len, &err) == 0 && len == 5 && !strcmp(buf, "hello"),
	   "reads it back");
	free(buf);
	ok(vm_paths_read(dfd, "f", 3, &buf, &len, &err) < 0, "refuses a file above the size limit");
	test_replace(dfd);

	symlinkat("/etc/hostname", dfd, "s");
	ok(vm_paths_read(dfd, "s", 100, &buf, &len, &err) < 0 && strstr(err.msg, "it is a symlink"),
	   "refuses to read through a symlink: %s", err.msg);
	ok(vm_paths_write_atomic(dfd, "s", "x", 1, &err) == 0 &&
		   fstatat(dfd, "s", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode),
	   "writing replaces a planted symlink instead of following it");

	symlinkat("/etc/hostname", dfd, ".t.tmp");
	ok(vm_paths_write_atomic(dfd, "t", "y", 1, &err) == 0,
	   "a planted temp-file symlink is removed");

	ok(vm_paths_read(dfd, "missing", 100, &buf, &len, &err) < 0 && err.code == VM_EXIT_NO &&
		   errno == ENOENT,
	   "a missing file is a plain no with ENOENT");
	ok(vm_paths_subdir(dfd, "d", true, &err) >= 0, "creates a private subdirectory");
	symlinkat("d", dfd, "dl");
	ok(vm_paths_subdir(dfd, "dl", false, &err) < 0 && err.code == VM_EXIT_SYSTEM,
	   "refuses a symlinked subdirectory, as a hostile entry (exit 4)");
	close(dfd);
}

static void
test_canonical(void)
{
	struct vm_error err = VM_ERROR_INIT;
	char *a = NULL, *b = NULL, path[300];

	snprintf(path, sizeof(path), "%s/d/../f", base);
	ok(vm_paths_canonical(path, &a, &err) == 0, "canonicalises a path with '..'");
	snprintf(path, sizeof(path), "%s/f", base);
	ok(a && !strcmp(a, path), "to the plain path");
	snprintf(path, sizeof(path), "%s/sl", base);
	symlink("f", path);
	ok(vm_paths_canonical(path, &b, &err) == 0 && !strcmp(a, b),
	   "a symlink names the same file");
	free(b);
	b = NULL;
	ok(vm_paths_canonical("/nonexistent/x", &b, &err) < 0 && err.code == VM_EXIT_INVALID,
	   "a missing disk is invalid input");
	free(a);
}

static void
test_domain_xml(void)
{
	static const char *const cases[][2] = {
		{ "/etc/vmkit/vmkit.conf", "/etc/vmkit/domains/web.xml" },
		{ "/vmkit.conf", "/domains/web.xml" },
		{ "vmkit.conf", "./domains/web.xml" },
		{ "conf/x.conf", "conf/domains/web.xml" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = vm_paths_domain_xml(cases[i][0], "web");

		ok(got && !strcmp(got, cases[i][1]), "domain 'web' with config %s is %s (got %s)",
		   cases[i][0], cases[i][1], got ? got : "NULL");
		free(got);
	}
}

int
main(void)
{
	char cmd[100];

	if (!mkdtemp(base))
		return 1;
	test_rundir();
	test_files();
	test_canonical();
	test_domain_xml();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	if (system(cmd) != 0)
		printf("# cannot remove %s\n", base);
	return tap_done();
}
