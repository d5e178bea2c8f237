/*
 * The serial ports of a domain (<serial>, and a <console> that restates
 * port 0): isa-serial devices COM1 to COM4 on a pty, a file or a unix
 * socket.
 */
#ifndef VM_SERIAL_H
#define VM_SERIAL_H

#include <stdbool.h>

/* isa-serial: COM1..COM4 */
#define VM_SERIAL_PORTS 4

/* Serial ports only: the parser folds a <console> into serial port 0. */
enum vm_chr_kind { VM_CHR_SERIAL };
enum vm_chr_type { VM_CHR_PTY, VM_CHR_FILE, VM_CHR_UNIX };

struct vm_chardev {
	enum vm_chr_kind kind;
	enum vm_chr_type type;
	char *path;  /* file and unix */
	bool listen; /* unix: <source mode='bind'> */
};

#endif
