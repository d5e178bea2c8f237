/*
 * A QEMU command line being built: words pushed one by one, and option
 * values ("-device virtio-blk-pci,drive=...") built in a struct
 * vm_argv_opt. Device classes (devices.h) and the machine arguments
 * (qemu_argv.h) push onto the same struct vm_argv.
 *
 *	struct vm_argv_opt o = { 0 };
 *	vm_argv_opt_add(&o, "isa-serial,id=serial%zu", port);
 *	vm_argv_opt_val(&o, "path", user_supplied);
 *	if (vm_argv_opt_push(a, "-device", &o, err) < 0) ...
 *
 * An allocation failure in vm_argv_opt_*() sticks and is reported by
 * vm_argv_opt_push(); the push functions return -1 and fill ERR.
 */
#ifndef VM_ARGV_H
#define VM_ARGV_H

#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>
#include "error.h"

struct vm_argv {
	char **v; /* NULL-terminated, ready for execv() */
	size_t n, cap;
};

struct vm_argv_opt {
	FILE *f;
	char *buf;
	size_t len;
	bool failed;
};

/* Appends printf-style text as it is: for what vmkit itself spells. */
void vm_argv_opt_add(struct vm_argv_opt *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * Appends VALUE. QEMU splits options at commas and reads ",," as a
 * literal comma, so every user-supplied value goes through here.
 */
void vm_argv_opt_esc(struct vm_argv_opt *o, const char *value);
/* Appends ",KEY=VALUE", VALUE escaped. */
void vm_argv_opt_val(struct vm_argv_opt *o, const char *key, const char *value);
/*
 * Appends the members of OBJ as QEMU's -device reads them: the first
 * member's value alone (the driver), then ",KEY=VALUE" for the others,
 * strings escaped, booleans "on" or "off", integers in decimal.
 */
void vm_argv_opt_json(struct vm_argv_opt *o, json_object *obj);
/* Ends the value and returns it (the caller frees), or NULL; resets O. */
char *vm_argv_opt_end(struct vm_argv_opt *o);

/* Pushes S. */
int vm_argv_push(struct vm_argv *a, const char *s, struct vm_error *err);
/* Pushes the words up to NULL. */
int vm_argv_pushv(struct vm_argv *a, struct vm_error *err, ...);
/* Pushes FLAG and the value O holds, and resets O. */
int vm_argv_opt_push(struct vm_argv *a, const char *flag, struct vm_argv_opt *o,
		     struct vm_error *err);
/* Pushes FLAG and OBJ as plain JSON (-blockdev's form), and puts OBJ. */
int vm_argv_push_json(struct vm_argv *a, const char *flag, json_object *obj, struct vm_error *err);

void vm_argv_free(struct vm_argv *argv);
/* Shell-quoted, space-separated; the caller frees. */
char *vm_argv_join(const struct vm_argv *argv);

#endif
