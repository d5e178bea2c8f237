/*
 * Exit codes shared by every vmkit command. Scripts branch on these, so
 * they are part of the interface and documented in every man page.
 */
#ifndef VM_EXITCODES_H
#define VM_EXITCODES_H

#define VM_EXIT_OK 0	  /* done */
#define VM_EXIT_NO 1	  /* a plain "no": lease held, not running, timed out */
#define VM_EXIT_USAGE 2	  /* bad command line */
#define VM_EXIT_INVALID 3 /* invalid input: domain XML, config, path, name */
#define VM_EXIT_SYSTEM 4  /* system or QEMU failure */

#endif
