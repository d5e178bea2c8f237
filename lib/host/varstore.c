#include "varstore.h"
#include "cleanup.h"
#include "exitcodes.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* Copies IN into OUT and syncs it. */
static int
copy(int in, int out, const char *template, struct vm_error *err)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vm_error_sys(err, VM_EXIT_SYSTEM, errno,
					    "cannot read NVRAM template '%s'", template);
		for (ssize_t done = 0, w; done < n; done += w) {
			w = write(out, buf + done, n - done);
			if (w < 0 && errno == EINTR)
				w = 0;
			else if (w < 0)
				return vm_error_sys(err, VM_EXIT_SYSTEM, errno,
						    "cannot write the NVRAM copy of '%s'",
						    template);
		}
	}
	if (fsync(out) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno,
				    "cannot sync the NVRAM copy of '%s'", template);
	return 0;
}

/* Opens a fresh temporary file in DIRFD for BASE, its name in TMP. */
static int
open_temp(int dirfd, const char *base, char *tmp, size_t size, struct vm_error *err)
{
	for (int i = 0; i < 16; i++) {
		unsigned long long r = 0;
		int fd;

		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			r = (unsigned long long)getpid() << 16 | (unsigned)i;
		snprintf(tmp, size, ".%s.%016llx", base, r);
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd
				       : vm_error_sys(err, VM_EXIT_SYSTEM, errno,
						      "cannot make a file in the NVRAM directory");
	}
	return vm_error_set(err, VM_EXIT_SYSTEM, "cannot make a file in the NVRAM directory");
}

int
vm_varstore_make(const char *path, const char *template, bool *made, struct vm_error *err)
{
	cleanup_free char *d = strdup(path), *b = strdup(path);
	cleanup_close int dirfd = -1, in = -1, out = -1;
	char tmp[NAME_MAX + 1];
	const char *base;
	struct stat st;
	int r;

	*made = false;
	if (!d || !b)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot make NVRAM '%s'", path);
	base = basename(b);
	if (strlen(base) + 18 > NAME_MAX)
		return vm_error_set(err, VM_EXIT_INVALID, "NVRAM file name '%s' is too long", base);
	dirfd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return vm_error_sys(err, errno == ENOENT ? VM_EXIT_INVALID : VM_EXIT_SYSTEM, errno,
				    "cannot open the directory of NVRAM '%s'", path);
	if (fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	if (errno != ENOENT)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot access NVRAM '%s'", path);
	if (!template)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "NVRAM '%s' does not exist and no template makes it: add <nvram template='...'>",
				    path);
	in = open(template, O_RDONLY | O_CLOEXEC);
	if (in < 0 || fstat(in, &st) < 0)
		return vm_error_sys(err, errno == ENOENT ? VM_EXIT_INVALID : VM_EXIT_SYSTEM, errno,
				    "cannot open NVRAM template '%s'", template);
	if (!S_ISREG(st.st_mode))
		return vm_error_set(err, VM_EXIT_INVALID,
				    "NVRAM template '%s' is not a regular file", template);
	out = open_temp(dirfd, base, tmp, sizeof(tmp), err);
	if (out < 0)
		return -1;
	r = copy(in, out, template, err);
	/* EEXIST: a start racing this one made it first */
	if (r == 0 && linkat(dirfd, tmp, dirfd, base, 0) == 0)
		*made = true;
	else if (r == 0 && errno != EEXIST)
		r = vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot make NVRAM '%s'", path);
	unlinkat(dirfd, tmp, 0);
	if (r == 0)
		fsync(dirfd);
	return r;
}
