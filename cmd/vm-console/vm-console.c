/* vm-console: the terminal, or a script, on a serial port of a running domain. */
#include "cli.h"
#include "console.h"
#include "exitcodes.h"
#include "front.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IDLE_S 2
#define SERIAL_MAX 3

static void
usage(void)
{
	printf("Usage: %s [--serial N] [--escape CHAR] [--force] [--idle SECONDS]\n"
	       "                  [--timeout SECONDS] NAME\n\n"
	       "Attach to a serial port of the running domain NAME: a pty, or a unix\n"
	       "socket that QEMU listens on. On a terminal, in raw mode until the escape\n"
	       "character (^] unless -e says otherwise) or a signal; the terminal is\n"
	       "restored however the session ends. Without a terminal, standard input\n"
	       "goes to the guest as it is and the guest's output to standard output,\n"
	       "until input has ended and the guest has been quiet for --idle seconds.\n"
	       "One session at a time holds a console.\n\n"
	       "Options:\n"
	       "  -s, --serial N         the serial port, 0 to %d (default 0, the console)\n"
	       "  -e, --escape CHAR      the escape character: ^X or one character\n"
	       "  -f, --force            take the console from the session that has it\n"
	       "  -i, --idle SECONDS     without a terminal: the quiet time after input\n"
	       "                         ends (default %d)\n"
	       "  -t, --timeout SECONDS  end the session after SECONDS in any case\n"
	       "  -h, --help             show this help\n\n"
	       "Exit status: 0 the session ended (escape, signal, end of input, the\n"
	       "guest powered off), 1 not running, console in use or timed out, 2 usage,\n"
	       "3 no such serial port or not a pty or unix socket, 4 system failure.\n",
	       program_invocation_short_name, SERIAL_MAX, IDLE_S);
}

/* "^]" style (as virsh console) or one character. */
static unsigned char
parse_escape(const char *s)
{
	if (s[0] == '^' && s[1] == '?' && !s[2])
		return 0x7f;
	if (s[0] == '^' && s[1] >= '@' && s[1] <= '_' && !s[2])
		return s[1] & 0x1f;
	if (s[0] == '^' && s[1] >= 'a' && s[1] <= 'z' && !s[2])
		return s[1] & 0x1f;
	if (s[0] && !s[1])
		return s[0];
	vm_cli_usage_error("invalid escape character '%s': expected ^X or one character", s);
}

static void
report_end(const char *name, const struct vm_console_result *res)
{
	/* raw mode kept the cursor where the guest left it */
	fputs("\n", stderr);
	if (res->end == VM_CONSOLE_SIGNAL)
		fprintf(stderr, "%s: session ended by SIG%s\n", program_invocation_short_name,
			sigabbrev_np(res->signo));
	else if (res->end == VM_CONSOLE_CLOSED)
		fprintf(stderr,
			"%s: the console of domain '%s' closed: the guest powered off or QEMU exited\n",
			program_invocation_short_name, name);
}

/* The escape character as -e takes it. */
static void
escape_name(unsigned char e, char out[3])
{
	out[0] = e < 0x20 || e == 0x7f ? '^' : (char)e;
	out[1] = e < 0x20 ? (char)(e + '@') : e == 0x7f ? '?' : '\0';
	out[2] = '\0';
}

static int
session(struct vm_front *f, const char *name, const struct vm_console_opts *opts,
	struct vm_error *err)
{
	struct vm_console *c = NULL;
	struct vm_console_result res;
	char esc[3];
	bool tty;
	int r;

	if (vm_console_open(f->lm, &f->paths, name, opts, &c, err) < 0)
		return -1;
	tty = vm_console_tty(c);
	escape_name(opts->escape, esc);
	if (tty)
		fprintf(stderr,
			"Connected to serial port %u of domain '%s'\nEscape character is %s\n",
			opts->port, name, esc);
	r = vm_console_run(c, &res, err);
	vm_console_close(c);
	if (r == 0 && tty)
		report_end(name, &res);
	return r;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "serial", required_argument, NULL, 's' },
		{ "escape", required_argument, NULL, 'e' },
		{ "force", no_argument, NULL, 'f' },
		{ "idle", required_argument, NULL, 'i' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vm_console_opts o = {
		.escape = 0x1d, .idle_ms = IDLE_S * 1000, .timeout_ms = -1, .in = 0, .out = 1
	};
	struct vm_error err = VM_ERROR_INIT;
	struct vm_front f = { 0 };
	int c, r;

	vm_cli_init();
	while ((c = getopt_long(argc, argv, "s:e:fi:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			o.port = vm_cli_parse_uint("--serial", optarg, SERIAL_MAX);
			break;
		case 'e':
			o.escape = parse_escape(optarg);
			break;
		case 'f':
			o.force = true;
			break;
		case 'i':
			o.idle_ms = vm_cli_parse_uint("--idle", optarg, INT_MAX / 1000) * 1000;
			break;
		case 't':
			o.timeout_ms =
				vm_cli_parse_uint("--timeout", optarg, INT_MAX / 1000) * 1000;
			break;
		case 'h':
			usage();
			return VM_EXIT_OK;
		default:
			vm_cli_usage_error("invalid option");
		}
	}
	if (argc - optind != 1)
		vm_cli_usage_error(argc - optind ? "too many arguments" : "missing domain NAME");
	if ((r = vm_front_open(&f, VM_FRONT_LOCKS, &err)) == 0)
		r = session(&f, argv[optind], &o, &err);
	return vm_front_exit(&f, r, &err);
}
