/* Holders of leases, named from the local domains' status files; private
 * to the lock manager (lock.c, lock_query.c). */
#ifndef VM_LOCK_HOLDERS_H
#define VM_LOCK_HOLDERS_H

#include "lock_driver.h"

struct holder {
	char *name;
	char *resource;
	int rank;	/* 2: its QEMU is alive; 1: a command is starting or stopping it */
};

struct holders {
	struct holder *v;
	size_t n;
};

/* Fills H from every domain but the manager's owner; best effort. */
void holders_load(struct vm_lockmgr *lm, struct holders *h);
/* The names of the best-ranked domains that list RESOURCE; strdup'ed. */
int holders_find(const struct holders *h, const char *resource, char ***names, size_t *n);
void holders_free(struct holders *h);

#endif
