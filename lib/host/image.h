/*
 * A disk's files, opened once by vmkit and passed to QEMU by fd, so
 * that what was leased and labelled is exactly what QEMU uses.
 *
 * vm_image_open() resolves the disk's source to its canonical path (in
 * the caller's working directory, so a relative path or /proc/self/fd/N
 * names what the caller sees), following only symlinks that root or the
 * caller owns (another user's symlink could point the path at any file,
 * VM_EXIT_INVALID), opens that path without following any
 * symlink (openat2 RESOLVE_NO_SYMLINKS: the canonical path has none, so
 * one met now means a component was swapped since), checks the file's
 * type and that the path still names the same (st_dev, st_ino), and for
 * a qcow2 image reads its header from that fd and opens the backing
 * chain the same way: each backing name relative to the directory of
 * the layer naming it, read-only, at most VM_IMAGE_BACKING_MAX deep,
 * with its format recorded in the header (never probed). A protocol or
 * json: backing name, an unrecorded or unknown backing format, an
 * external data file, a chain that loops or is too deep are refused
 * with VM_EXIT_INVALID; a swapped path component with VM_EXIT_NO.
 *
 * All fds are O_CLOEXEC; vm-start clears the flag for QEMU in its child.
 */
#ifndef VM_IMAGE_H
#define VM_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "error.h"

/* Backing files under a disk's own image, as libvirt's default allows
 * far more than any sane chain uses and each one costs fds and leases. */
#define VM_IMAGE_BACKING_MAX 16

enum vm_image_format { VM_IMAGE_RAW, VM_IMAGE_QCOW2 };

/* What to open: a disk's source as its model describes it (disk.h
 * makes one from a struct vm_disk). */
struct vm_image_spec {
	const char *source; /* as written */
	bool block;	    /* a block device, else a regular file */
	bool writable;	    /* the disk's own file O_RDWR, else O_RDONLY */
	enum vm_image_format format;
};

struct vm_image_layer {
	char *path; /* canonical */
	int fd;
	dev_t dev;
	ino_t ino;
	bool block; /* a block device, else a regular file */
	enum vm_image_format format;
};

/* Layer 0 is the disk's own file, then its backing files in order. */
struct vm_image {
	struct vm_image_layer *v;
	size_t n;
};

/* Opens the chain of SPEC; backing files are always read-only. Free
 * with vm_image_close(). */
int vm_image_open(const struct vm_image_spec *spec, struct vm_image *img, struct vm_error *err);
void vm_image_close(struct vm_image *img);

/*
 * Opens the canonical PATH again, read-only and without following
 * symlinks, for giving a file back, and checks that it is still the
 * file (DEV, INO) when HAS_ID. Another file there, or none, is
 * VM_EXIT_NO with a message naming PATH.
 */
int vm_image_reopen(const char *path, bool has_id, dev_t dev, ino_t ino, struct vm_error *err);

#endif
