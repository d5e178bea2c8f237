/*
 * Error object. Library calls return -1 and fill a struct vm_error with
 * an exit code (exitcodes.h) and a message; only main() prints it.
 * Messages follow git's rules: lowercase, no final full stop, the failed
 * action first, the subject quoted.
 *
 *	struct vm_error err = VM_ERROR_INIT;
 *	if (vm_conf_load(&conf, path, &err) < 0)
 *		return vm_error_report(&err);
 *
 * vm_error_set() and vm_error_sys() always return -1 so that callers can
 * write "return vm_error_set(err, ...)". A NULL err is allowed and makes
 * them no-ops apart from the return value.
 */
#ifndef VM_ERROR_H
#define VM_ERROR_H

#include <stdarg.h>

struct vm_error {
	int code;
	char msg[16384]; /* room for a list of refusals, one a line (xmlcheck.h) */
};

#define VM_ERROR_INIT                                                                              \
	{                                                                                          \
		0, ""                                                                              \
	}

int vm_error_set(struct vm_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Like vm_error_set(), appending ": strerror(errnum)". */
int vm_error_sys(struct vm_error *err, int code, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Prepends "context: " to the message; keeps the code. */
int vm_error_prefix(struct vm_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void vm_error_clear(struct vm_error *err);

/* Prints "PROG: msg" to stderr and returns err->code (4 if unset). */
int vm_error_report(const struct vm_error *err);

/* Warnings go to stderr as "PROG: warning: msg"; commands only. */
void vm_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* How a workflow warns without failing: a command passes vm_warn. */
typedef void (*vm_warn_fn)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
