/*
 * Run directory layout and safe file helpers.
 *
 * The run directory is $VMKIT_RUNDIR if set, else /run/vmkit for root,
 * else $XDG_RUNTIME_DIR/vmkit ("session" mode). It and every directory
 * below it are created 0700 and must be owned by the caller with no
 * group or other access; anything else (a symlink, another owner, a
 * wider mode) is refused with VM_EXIT_SYSTEM. Every open below it uses
 * openat() with O_NOFOLLOW, so nothing there is followed through a
 * symlink.
 */
#ifndef VM_PATHS_H
#define VM_PATHS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "error.h"

struct vm_paths {
	char *rundir;
	int fd;	      /* O_PATH-less directory fd of rundir */
	bool session; /* not root: no ownership changes */
};

int vm_paths_open(struct vm_paths *paths, struct vm_error *err);

/*
 * Refuses, with CODE, the directory FD (named WHAT in messages) unless
 * the caller owns it and its mode has none of the bits in MASK.
 */
int vm_paths_check_dir(int fd, const char *what, mode_t mask, int code, struct vm_error *err);
void vm_paths_close(struct vm_paths *paths);

/*
 * Opens (and with CREATE makes) the private directory NAME below DIRFD.
 * Returns the fd, or -1; a missing directory without CREATE is
 * VM_EXIT_NO with errno ENOENT.
 */
int vm_paths_subdir(int dirfd, const char *name, bool create, struct vm_error *err);

/* Writes NAME below DIRFD atomically: temp file, fsync, rename; mode 0600. */
int vm_paths_write_atomic(int dirfd, const char *name, const void *buf, size_t len,
			  struct vm_error *err);

/*
 * Reads the regular file NAME below DIRFD (no symlinks), at most MAX
 * bytes. *BUF is NUL-terminated and freed by the caller. A missing file
 * is VM_EXIT_NO with errno ENOENT.
 */
int vm_paths_read(int dirfd, const char *name, size_t max, char **buf, size_t *len,
		  struct vm_error *err);

/*
 * Reads the file PATH the user named (vmkit.conf, a domain or <disk>
 * XML), at most MAX bytes; *BUF is NUL-terminated and freed by the
 * caller. Unlike vm_paths_read() it follows symlinks, as user input may,
 * and fails with VM_EXIT_INVALID. A fifo or other non-regular file is
 * refused without blocking. WHAT ("config ", "domain " or "") goes
 * before the quoted path in messages.
 */
int vm_paths_read_user(const char *path, const char *what, size_t max, char **buf, size_t *len,
		       struct vm_error *err);

/*
 * The file of a named domain: domains/NAME.xml in the directory of the
 * configuration file CONF_PATH, so SYSCONFDIR/vmkit/domains/NAME.xml
 * unless $VMKIT_CONF moves both. NULL when out of memory.
 */
char *vm_paths_domain_xml(const char *conf_path, const char *name);

/*
 * The autostart/ directory beside domains/: an entry NAME.xml (usually
 * a symlink to ../domains/NAME.xml; only its name is read) marks domain
 * NAME for vm-start --all. NULL when out of memory.
 */
char *vm_paths_autostart_dir(const char *conf_path);

/*
 * Resolves a disk path to the canonical absolute path (symlinks,
 * relative parts, "..") that names its lease. Fails with VM_EXIT_INVALID
 * when the path does not exist.
 */
int vm_paths_canonical(const char *path, char **canon, struct vm_error *err);

/*
 * Connects a new stream socket (O_CLOEXEC) to the unix socket that
 * PATHFD, an O_PATH fd of it, refers to, through its /proc/self/fd magic
 * link: the name is short whatever the socket's path, and no symlink is
 * followed after the caller checked the inode. connect() blocks while
 * the listener's backlog is full; TIMEOUT_MS (-1: forever) bounds that
 * wait, which then fails with EAGAIN. Returns the fd, or -1 with errno.
 */
int vm_paths_connect(int pathfd, int timeout_ms);

#endif
