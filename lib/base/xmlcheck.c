#include "xmlcheck.h"
#include "cleanup.h"
#include "exitcodes.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#define PARSE_OPTIONS                                                                              \
	(XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA |           \
	 XML_PARSE_BIG_LINES)

/* Keeps the first error: libxml2 goes on after some, and the last one misleads. */
static void
first_error(void *data, xmlErrorPtr e)
{
	xmlParserCtxtPtr ctxt = data;
	xmlError *first = ctxt->_private;

	if (first->code == XML_ERR_OK && e->level >= XML_ERR_ERROR)
		xmlCopyError(e, first);
}

static int
parse_error(const xmlError *e, const char *name, struct vm_error *err)
{
	char msg[512];
	size_t n;

	if (e->code == XML_ERR_NO_MEMORY)
		return vm_error_set(err, VM_EXIT_SYSTEM, "%s: cannot parse XML: out of memory",
				    name);
	snprintf(msg, sizeof(msg), "%s", e->message ? e->message : "unknown error");
	n = strlen(msg);
	while (n > 0 && isspace((unsigned char)msg[n - 1]))
		msg[--n] = '\0';
	/* libxml2 capitalises its messages; ours are lowercase */
	if (isupper((unsigned char)msg[0]) && islower((unsigned char)msg[1]))
		msg[0] = tolower((unsigned char)msg[0]);
	return vm_error_set(err, VM_EXIT_INVALID, "%s:%d: cannot parse XML: %s", name,
			    e->line > 0 ? e->line : 1, msg);
}

int
vm_xmlcheck_read(const char *buf, size_t len, const char *name, xmlDocPtr *doc,
		 struct vm_error *err)
{
	xmlError first = { 0 };
	xmlParserCtxtPtr ctxt;
	xmlDocPtr d;

	*doc = NULL;
	if (len > INT_MAX)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "%s: cannot parse XML: document too large", name);
	ctxt = xmlNewParserCtxt();
	if (!ctxt)
		return vm_error_set(err, VM_EXIT_SYSTEM, "out of memory");
	ctxt->sax->serror = first_error;
	ctxt->_private = &first;
	d = xmlCtxtReadMemory(ctxt, buf, (int)len, name, NULL, PARSE_OPTIONS);
	xmlFreeParserCtxt(ctxt);
	if (!d) {
		if (first.code == XML_ERR_OK)
			first.code = XML_ERR_INTERNAL_ERROR;
		parse_error(&first, name, err);
		xmlResetError(&first);
		return -1;
	}
	xmlResetError(&first);
	if (d->intSubset || d->extSubset) {
		xmlFreeDoc(d);
		return vm_error_set(err, VM_EXIT_INVALID,
				    "%s: cannot parse XML: DOCTYPE declarations are not supported",
				    name);
	}
	*doc = d;
	return 0;
}

long
vm_xmlcheck_line(xmlNodePtr n)
{
	long line = xmlGetLineNo(n);

	return line > 0 ? line : 0;
}

static void
qname(char *buf, size_t size, const xmlChar *name, xmlNsPtr ns)
{
	if (ns && ns->prefix)
		snprintf(buf, size, "%s:%s", (const char *)ns->prefix, (const char *)name);
	else
		snprintf(buf, size, "%s", (const char *)name);
}

int
vm_xmlcheck_error(struct vm_xmlcheck *x, xmlNodePtr n, const char *fmt, ...)
{
	char elem[128], msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	qname(elem, sizeof(elem), n->name, n->ns);
	return vm_error_set(x->err, VM_EXIT_INVALID, "%s:%ld: <%s>: %s", x->file,
			    vm_xmlcheck_line(n), elem, msg);
}

int
vm_xmlcheck_nomem(struct vm_xmlcheck *x)
{
	return vm_error_set(x->err, VM_EXIT_SYSTEM, "out of memory");
}

/* The text of an attribute; its tree holds one text node as no entity is ever kept */
static const char *
attr_text(xmlAttrPtr a)
{
	if (!a->children)
		return "";
	if (a->children->type != XML_TEXT_NODE || a->children->next)
		return NULL;
	return (const char *)a->children->content;
}

const char *
vm_xmlcheck_attr(xmlNodePtr n, const char *name)
{
	for (xmlAttrPtr a = n->properties; a; a = a->next)
		if (!a->ns && !strcmp((const char *)a->name, name))
			return attr_text(a);
	return NULL;
}

/* Whether S is one of the '|'-separated VALUES. */
static bool
in_list(const char *values, const char *s)
{
	size_t len = strlen(s);
	const char *p = values;

	for (;;) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);

		if (n == len && !strncmp(p, s, n))
			return true;
		if (!bar)
			return false;
		p = bar + 1;
	}
}

/* "a|b|c" as "a, b or c". */
static const char *
expected(const char *values, char *buf, size_t size)
{
	const char *last = strrchr(values, '|');
	size_t n = 0;

	buf[0] = '\0';
	for (const char *p = values; *p && n + 4 < size; p++) {
		if (*p != '|') {
			buf[n++] = *p;
		} else if (p == last) {
			n += snprintf(buf + n, size - n, " or ");
		} else {
			buf[n++] = ',';
			buf[n++] = ' ';
		}
		if (n >= size)
			n = size - 1;
		buf[n] = '\0';
	}
	return buf;
}

static const struct vm_xmlcheck_attr *
find_attr(const struct vm_xmlcheck_attr *attrs, xmlAttrPtr a)
{
	if (!attrs || a->ns)
		return NULL;
	for (; attrs->name; attrs++)
		if (!strcmp(attrs->name, (const char *)a->name))
			return attrs;
	return NULL;
}

/*
 * One walk's refusals, their messages one a line in document order: the
 * whole list fits in the message of a struct vm_error, less room for a
 * last line that counts what did not fit.
 */
struct walk {
	struct vm_xmlcheck *x;
	char list[sizeof(((struct vm_error *)0)->msg) - 64];
	size_t len;
	unsigned n, shown;
};

/*
 * Records the refusal in x->err and returns 1, so that the walk goes on
 * with the next element; returns -1 for any other failure (out of
 * memory), which ends the walk.
 */
static int
refuse(struct walk *w)
{
	struct vm_error *err = w->x->err;
	size_t len;

	if (!err || err->code != VM_EXIT_INVALID)
		return -1;
	len = strlen(err->msg);
	if (w->n == w->shown && w->len + len + 2 <= sizeof(w->list)) {
		w->len += snprintf(w->list + w->len, sizeof(w->list) - w->len, "%s%s",
				   w->len ? "\n" : "", err->msg);
		w->shown++;
	}
	w->n++;
	vm_error_clear(err);
	return 1;
}

/* Every attribute of N that SPEC refuses, and every one it misses: 1 when any, -1 on failure. */
static int
check_attrs(struct walk *w, xmlNodePtr n, const struct vm_xmlcheck_elem *spec)
{
	struct vm_xmlcheck *x = w->x;
	char name[128], exp[256];
	int refused = 0;

	for (xmlAttrPtr a = n->properties; a; a = a->next) {
		const struct vm_xmlcheck_attr *as = find_attr(spec->attrs, a);
		const char *v = attr_text(a);

		qname(name, sizeof(name), a->name, a->ns);
		if (!as)
			vm_xmlcheck_error(x, n, "unsupported attribute '%s'", name);
		else if (!v)
			vm_xmlcheck_error(x, n,
					  "attribute '%s': entity references are not supported",
					  name);
		else if (as->values && !in_list(as->values, v))
			vm_xmlcheck_error(x, n, "unsupported %s '%s' (expected %s)", name, v,
					  expected(as->values, exp, sizeof(exp)));
		else
			continue;
		if ((refused = refuse(w)) < 0)
			return -1;
	}
	for (const struct vm_xmlcheck_attr *as = spec->attrs; as && as->name; as++) {
		if (!as->required || vm_xmlcheck_attr(n, as->name))
			continue;
		vm_xmlcheck_error(x, n, "missing attribute '%s'", as->name);
		if ((refused = refuse(w)) < 0)
			return -1;
	}
	return refused;
}

static bool
blank(const xmlChar *s)
{
	for (; s && *s; s++)
		if (!isspace(*s))
			return false;
	return true;
}

int
vm_xmlcheck_text(struct vm_xmlcheck *x, xmlNodePtr n, char **text)
{
	xmlChar *content = xmlNodeGetContent(n);
	const char *s = (const char *)content;
	size_t len;

	*text = NULL;
	if (!content)
		s = "";
	while (isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	*text = strndup(s, len);
	xmlFree(content);
	if (!*text)
		return vm_xmlcheck_nomem(x);
	return 0;
}

static int
check_text(struct vm_xmlcheck *x, xmlNodePtr n, const struct vm_xmlcheck_elem *spec)
{
	cleanup_free char *text = NULL;
	char exp[256];

	if (!spec->values)
		return 0;
	if (vm_xmlcheck_text(x, n, &text) < 0)
		return -1;
	if (!in_list(spec->values, text))
		return vm_xmlcheck_error(x, n, "unsupported value '%s' (expected %s)", text,
					 expected(spec->values, exp, sizeof(exp)));
	return 0;
}

static const struct vm_xmlcheck_elem *
find_child(const struct vm_xmlcheck_elem *children, xmlNodePtr k, size_t *index)
{
	if (!children || k->ns)
		return NULL;
	for (size_t i = 0; children[i].name; i++) {
		if (!strcmp(children[i].name, (const char *)k->name)) {
			*index = i;
			return &children[i];
		}
	}
	return NULL;
}

static int walk(struct walk *w, xmlNodePtr n, const struct vm_xmlcheck_elem *spec);

/* N's children, each walked even after another was refused: 1 when any was, -1 on failure. */
static int
walk_children(struct walk *w, xmlNodePtr n, const struct vm_xmlcheck_elem *spec)
{
	struct vm_xmlcheck *x = w->x;
	uint64_t seen = 0;
	int refused = 0, r;

	for (xmlNodePtr k = n->children; k; k = k->next) {
		const struct vm_xmlcheck_elem *cs;
		size_t i = 0;

		switch (k->type) {
		case XML_ELEMENT_NODE:
			cs = find_child(spec->children, k, &i);
			if (!cs) {
				vm_xmlcheck_error(x, k, "unsupported element");
				r = refuse(w);
			} else if (!cs->multi && i < 64 && (seen & (UINT64_C(1) << i))) {
				vm_xmlcheck_error(x, k, "duplicate element");
				r = refuse(w);
			} else {
				if (i < 64)
					seen |= UINT64_C(1) << i;
				r = walk(w, k, cs);
			}
			break;
		case XML_TEXT_NODE:
		case XML_CDATA_SECTION_NODE:
			r = 0;
			if (spec->content != VM_XMLCHECK_TEXT && !blank(k->content)) {
				vm_xmlcheck_error(x, n, "unexpected text");
				r = refuse(w);
			}
			break;
		case XML_COMMENT_NODE:
			r = 0;
			break;
		default:
			vm_xmlcheck_error(x, n, "unsupported XML node (type %d)", (int)k->type);
			r = refuse(w);
		}
		if (r < 0)
			return -1;
		refused |= r;
	}
	return refused;
}

/*
 * 0 when N and its subtree are accepted, 1 when something was refused,
 * -1 on failure. A refused element's handlers do not run and its
 * children are not walked; end() runs only over a subtree without
 * refusals, as its checks would stumble over what was left out.
 */
static int
walk(struct walk *w, xmlNodePtr n, const struct vm_xmlcheck_elem *spec)
{
	struct vm_xmlcheck *x = w->x;
	int r;

	if (spec->reject) {
		vm_xmlcheck_error(x, n, "unsupported element: %s", spec->reject);
		return refuse(w);
	}
	if ((r = check_attrs(w, n, spec)) != 0)
		return r;
	if ((spec->content == VM_XMLCHECK_TEXT && check_text(x, n, spec) < 0) ||
	    (spec->begin && spec->begin(x, n) < 0))
		return refuse(w);
	if (spec->content != VM_XMLCHECK_ANY && (r = walk_children(w, n, spec)) != 0)
		return r;
	if (spec->end && spec->end(x, n) < 0)
		return refuse(w);
	return 0;
}

int
vm_xmlcheck_walk(struct vm_xmlcheck *x, xmlNodePtr n, const struct vm_xmlcheck_elem *spec)
{
	struct walk w = { .x = x };
	int r = walk(&w, n, spec);

	if (r <= 0)
		return r;
	if (w.shown < w.n)
		return vm_error_set(x->err, VM_EXIT_INVALID, "%s\n%s: %u more problems not shown",
				    w.list, x->file, w.n - w.shown);
	return vm_error_set(x->err, VM_EXIT_INVALID, "%s", w.list);
}

int
vm_xmlcheck_ull(struct vm_xmlcheck *x, xmlNodePtr n, const char *what, const char *s,
		unsigned long long min, unsigned long long max, unsigned long long *v)
{
	char *end;

	errno = 0;
	if (isdigit((unsigned char)*s))
		*v = strtoull(s, &end, 10);
	if (!isdigit((unsigned char)*s) || *end || errno || *v < min || *v > max) {
		if (max == ULLONG_MAX)
			return vm_xmlcheck_error(x, n,
						 "invalid %s '%s' (expected an integer from %llu)",
						 what, s, min);
		return vm_xmlcheck_error(x, n,
					 "invalid %s '%s' (expected an integer from %llu to %llu)",
					 what, s, min, max);
	}
	return 0;
}
