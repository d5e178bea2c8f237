/*
 * Table-driven XML checker. A tree of struct vm_xmlcheck_elem says which
 * attributes (and values), children and text each element may have.
 * vm_xmlcheck_walk() refuses anything else with "FILE:LINE: <element>:
 * message", and calls the handlers of each element in document order:
 * begin() once the element's attributes and text are checked, end() once
 * its children are walked.
 *
 * A refusal does not end the walk, so that one run lists every problem
 * of a file: a refused element (an attribute, its text, or a handler
 * that fails with VM_EXIT_INVALID) is left out with its subtree, and the
 * walk goes on with its next sibling. end() runs only when nothing in the
 * element's subtree was refused, so checks that need the whole of it
 * never see a part. The walk then fails with VM_EXIT_INVALID and every
 * refusal in the message, one a line in document order. Any other
 * failure of a handler (out of memory) ends the walk at once.
 *
 *	static const struct vm_xmlcheck_attr clock_attrs[] = {
 *		{ "offset", "utc", VM_XMLCHECK_REQUIRED },
 *		{ NULL }
 *	};
 *	static const struct vm_xmlcheck_elem root_children[] = {
 *		{ "clock", .attrs = clock_attrs },
 *		{ "disk", .attrs = disk_attrs, .children = disk_children,
 *		  .multi = true, .begin = disk_begin },
 *		{ NULL }
 *	};
 *
 * Handlers find their own state in x->data.
 */
#ifndef VM_XMLCHECK_H
#define VM_XMLCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <libxml/tree.h>
#include "error.h"

enum vm_xmlcheck_content {
	VM_XMLCHECK_EMPTY, /* child elements only, no text */
	VM_XMLCHECK_TEXT,  /* text only, no child elements */
	VM_XMLCHECK_ANY,   /* anything; the content is not walked */
};

struct vm_xmlcheck_attr {
	const char *name;
	const char *values; /* "a|b": the accepted values; NULL: any */
	bool required;
};

/* So that tables read { "name", VM_XMLCHECK_ANY_VALUE or "a|b", VM_XMLCHECK_OPTIONAL } */
#define VM_XMLCHECK_ANY_VALUE NULL
#define VM_XMLCHECK_OPTIONAL false
#define VM_XMLCHECK_REQUIRED true

struct vm_xmlcheck;

struct vm_xmlcheck_elem {
	const char *name;
	const struct vm_xmlcheck_attr *attrs;	 /* ended by { NULL }; NULL: none */
	const struct vm_xmlcheck_elem *children; /* ended by { NULL }; NULL: none */
	enum vm_xmlcheck_content content;
	const char *values; /* TEXT: "a|b", the accepted (trimmed) text */
	bool multi;	    /* may appear more than once in its parent */
	const char *reject; /* set: always rejected, with this reason */
	int (*begin)(struct vm_xmlcheck *x, xmlNodePtr n);
	int (*end)(struct vm_xmlcheck *x, xmlNodePtr n);
};

struct vm_xmlcheck {
	const char *file; /* for messages */
	struct vm_error *err;
	void *data; /* the handlers' state */
};

/*
 * Parses BUF without network access, entity expansion or DTDs. Errors
 * are "NAME:LINE: cannot parse XML: ..." with VM_EXIT_INVALID.
 */
int vm_xmlcheck_read(const char *buf, size_t len, const char *name, xmlDocPtr *doc,
		     struct vm_error *err);

/*
 * Checks N against SPEC (whose name must be N's) and walks its children;
 * -1 when anything was refused. Handlers report through x->err as
 * ever: the walk collects what they set.
 */
int vm_xmlcheck_walk(struct vm_xmlcheck *x, xmlNodePtr n, const struct vm_xmlcheck_elem *spec);

/* Sets "FILE:LINE: <N>: message" with VM_EXIT_INVALID; returns -1. */
int vm_xmlcheck_error(struct vm_xmlcheck *x, xmlNodePtr n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "out of memory", VM_EXIT_SYSTEM; returns -1. */
int vm_xmlcheck_nomem(struct vm_xmlcheck *x);

/* The value of N's attribute NAME, or NULL. Valid while the tree lives. */
const char *vm_xmlcheck_attr(xmlNodePtr n, const char *name);

/* N's text without leading and trailing white space, in *TEXT (freed by the caller). */
int vm_xmlcheck_text(struct vm_xmlcheck *x, xmlNodePtr n, char **text);

/*
 * Parses the decimal S (from N, WHAT names it in messages) into *V,
 * requiring MIN <= *V <= MAX.
 */
int vm_xmlcheck_ull(struct vm_xmlcheck *x, xmlNodePtr n, const char *what, const char *s,
		    unsigned long long min, unsigned long long max, unsigned long long *v);

/* Line of N for messages. */
long vm_xmlcheck_line(xmlNodePtr n);

#endif
