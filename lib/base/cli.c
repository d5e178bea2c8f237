#include "cli.h"
#include "exitcodes.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
close_stdout(void)
{
	int failed = ferror(stdout);

	if (fclose(stdout) != 0 && errno != EBADF)
		failed = 1;
	if (failed) {
		fprintf(stderr, "%s: write error on standard output\n",
			program_invocation_short_name);
		_exit(VM_EXIT_SYSTEM);
	}
}

void
vm_cli_init(void)
{
	atexit(close_stdout);
}

void
vm_cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", program_invocation_short_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", program_invocation_short_name);
	exit(VM_EXIT_USAGE);
}

int
vm_cli_parse_uint(const char *opt, const char *arg, int max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 0 || v > max)
		vm_cli_usage_error("invalid %s '%s': expected 0..%d", opt, arg, max);
	return (int)v;
}
