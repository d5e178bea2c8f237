#include "hooks.h"

#ifdef VM_TEST_HOOKS
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
vm_hook(const char *step)
{
	const char *want = getenv("VMKIT_TEST_STOP_AT");
	const char *file = getenv("VMKIT_TEST_STOP_FILE");
	char buf[32];
	int fd, n;

	if (!want || strcmp(want, step) != 0 || !file)
		return;
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0) {
		n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
		if (write(fd, buf, n) != n)
			_exit(99);
		close(fd);
	}
	raise(SIGSTOP);
}
#endif
