/*
 * The main() template shared by the commands (util-linux style):
 * --help prints usage on stdout and exits 0; a usage error prints a hint
 * on stderr and exits 2; stdout is checked at exit so that a full disk
 * or closed pipe is an error, not silent data loss.
 */
#ifndef VM_CLI_H
#define VM_CLI_H

/* Registers the stdout check; call first in main(). */
void vm_cli_init(void);
/* "PROG: MSG\nTry 'PROG --help' for more information." and exit 2. */
void vm_cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Parses a non-negative integer option; usage error when it is not one. */
int vm_cli_parse_uint(const char *opt, const char *arg, int max);

#endif
