/*
 * Stands in for QEMU as vmkit.conf's emulator: writes every fd it
 * inherited, with its target and its open flags, to stderr (qemu.log),
 * then execs the real QEMU (QEMU_BINARY) with the same arguments. Its
 * own fds (the /proc listings) are close-on-exec and left out, so what
 * it reports is exactly the set QEMU gets.
 *
 * Lines: "fd-report: FD FLAGS(octal) TARGET".
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned
fd_flags(int fd)
{
	char path[64], line[256];
	unsigned flags = ~0U;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return flags;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "flags: %o", &flags) == 1)
			break;
	fclose(f);
	return flags;
}

int
main(int argc, char **argv)
{
	char path[64], target[PATH_MAX];
	int fds[1024], n = 0, self;
	struct dirent *de;
	DIR *d;
	ssize_t len;

	d = opendir("/proc/self/fd");
	if (!d)
		return 125;
	self = dirfd(d);
	while ((de = readdir(d)) && n < 1024)
		if (de->d_name[0] != '.' && atoi(de->d_name) != self)
			fds[n++] = atoi(de->d_name);
	closedir(d);
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[i]);
		len = readlink(path, target, sizeof(target) - 1);
		target[len < 0 ? 0 : len] = '\0';
		dprintf(2, "fd-report: %d %o %s\n", fds[i], fd_flags(fds[i]), target);
	}
	argv[0] = QEMU_BINARY;
	execv(argv[0], argv);
	perror("fd-report: cannot execute " QEMU_BINARY);
	return 126;
}
