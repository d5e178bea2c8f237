#include "error.h"
#include "exitcodes.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int
vm_error_set(struct vm_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int
vm_error_sys(struct vm_error *err, int code, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t len;

	if (!err)
		return -1;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	len = strlen(err->msg);
	snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", strerror(errnum));
	return -1;
}

int
vm_error_prefix(struct vm_error *err, const char *fmt, ...)
{
	char buf[2 * sizeof(err->msg)];
	va_list ap;
	int n;

	if (!err)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(err->msg))
		n = sizeof(err->msg) - 1;
	snprintf(buf + n, sizeof(buf) - n, ": %s", err->msg);
	snprintf(err->msg, sizeof(err->msg), "%.*s", (int)sizeof(err->msg) - 1, buf);
	return -1;
}

void
vm_error_clear(struct vm_error *err)
{
	err->code = 0;
	err->msg[0] = '\0';
}

int
vm_error_report(const struct vm_error *err)
{
	const char *p = err->msg[0] ? err->msg : "unknown error";

	/* each line of a list (of refusals) names the program, as one line would */
	do {
		size_t len = strcspn(p, "\n");

		fprintf(stderr, "%s: %.*s\n", program_invocation_short_name, (int)len, p);
		p += len + (p[len] == '\n');
	} while (*p);
	return err->code ? err->code : VM_EXIT_SYSTEM;
}

/* One fprintf, so one write: vm-stop --all's children warn at once. */
void
vm_warn(const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: warning: %s\n", program_invocation_short_name, msg);
}
