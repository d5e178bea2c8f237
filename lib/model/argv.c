#include "argv.h"
#include "cleanup.h"
#include "exitcodes.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static FILE *
opt_file(struct vm_argv_opt *o)
{
	if (!o->f && !o->failed && !(o->f = open_memstream(&o->buf, &o->len)))
		o->failed = true;
	return o->f;
}

void
vm_argv_opt_add(struct vm_argv_opt *o, const char *fmt, ...)
{
	FILE *f = opt_file(o);
	va_list ap;

	if (!f)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
}

void
vm_argv_opt_esc(struct vm_argv_opt *o, const char *value)
{
	FILE *f = opt_file(o);

	for (; f && *value; value++) {
		if (*value == ',')
			fputc(',', f);
		fputc(*value, f);
	}
}

void
vm_argv_opt_val(struct vm_argv_opt *o, const char *key, const char *value)
{
	vm_argv_opt_add(o, ",%s=", key);
	vm_argv_opt_esc(o, value);
}

void
vm_argv_opt_json(struct vm_argv_opt *o, json_object *obj)
{
	bool first = true;

	json_object_object_foreach(obj, key, v)
	{
		if (!first)
			vm_argv_opt_add(o, ",%s=", key);
		first = false;
		if (json_object_is_type(v, json_type_boolean))
			vm_argv_opt_add(o, "%s", json_object_get_boolean(v) ? "on" : "off");
		else if (json_object_is_type(v, json_type_int))
			vm_argv_opt_add(o, "%lld", (long long)json_object_get_int64(v));
		else
			vm_argv_opt_esc(o, json_object_get_string(v));
	}
}

char *
vm_argv_opt_end(struct vm_argv_opt *o)
{
	bool bad = o->failed || !o->f || ferror(o->f);
	char *buf;

	if (o->f && fclose(o->f) != 0)
		bad = true;
	buf = o->buf; /* valid only after fclose() */
	*o = (struct vm_argv_opt){ 0 };
	if (bad) {
		free(buf);
		return NULL;
	}
	return buf;
}

int
vm_argv_push(struct vm_argv *a, const char *s, struct vm_error *err)
{
	if (a->n + 2 > a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 64;
		char **v = realloc(a->v, cap * sizeof(*v));

		if (!v)
			return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM,
					    "cannot build qemu command line");
		a->v = v;
		a->cap = cap;
	}
	if (!(a->v[a->n] = strdup(s)))
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot build qemu command line");
	a->v[++a->n] = NULL; /* always ready for execv() */
	return 0;
}

int
vm_argv_pushv(struct vm_argv *a, struct vm_error *err, ...)
{
	const char *s;
	va_list ap;
	int r = 0;

	va_start(ap, err);
	while (r == 0 && (s = va_arg(ap, const char *)))
		r = vm_argv_push(a, s, err);
	va_end(ap);
	return r;
}

int
vm_argv_opt_push(struct vm_argv *a, const char *flag, struct vm_argv_opt *o, struct vm_error *err)
{
	cleanup_free char *buf = vm_argv_opt_end(o);

	if (!buf)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot build qemu command line");
	return vm_argv_pushv(a, err, flag, buf, NULL);
}

int
vm_argv_push_json(struct vm_argv *a, const char *flag, json_object *obj, struct vm_error *err)
{
	const char *s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
								    JSON_C_TO_STRING_NOSLASHESCAPE);
	int r = s ? vm_argv_pushv(a, err, flag, s, NULL)
		  : vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot build qemu command line");

	json_object_put(obj);
	return r;
}

void
vm_argv_free(struct vm_argv *argv)
{
	for (size_t i = 0; i < argv->n; i++)
		free(argv->v[i]);
	free(argv->v);
	argv->v = NULL;
	argv->n = argv->cap = 0;
}

char *
vm_argv_join(const struct vm_argv *argv)
{
	struct vm_argv_opt o = { 0 };

	opt_file(&o);
	for (size_t i = 0; i < argv->n; i++) {
		vm_argv_opt_add(&o, i ? " '" : "'");
		for (const char *p = argv->v[i]; o.f && *p; p++) {
			if (*p == '\'')
				fputs("'\\''", o.f);
			else
				fputc(*p, o.f);
		}
		vm_argv_opt_add(&o, "'");
	}
	return vm_argv_opt_end(&o);
}
