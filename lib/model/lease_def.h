/*
 * The <lease> elements of a domain: libvirt's lock manager leases, each
 * a KEY in a LOCKSPACE held on a file at an offset. lock.h takes them;
 * this is only their definition, which QEMU never sees.
 */
#ifndef VM_LEASE_DEF_H
#define VM_LEASE_DEF_H

struct vm_lease_def {
	char *lockspace;
	char *key;
	char *path;
	unsigned long long offset;
};

#endif
