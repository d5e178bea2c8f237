#include "status.h"
#include "cleanup.h"
#include "exitcodes.h"
#include "paths.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>

#define STATUS_FILE "status.xml"
#define STATUS_MAX (1 << 20)

static const char *const state_names[] = {
	[VM_RUN_STARTING] = "starting",
	[VM_RUN_RUNNING] = "running",
	[VM_RUN_STOPPING] = "stopping",
};

const char *
vm_status_state_name(enum vm_run_state s)
{
	return state_names[s];
}

static void
cleanup_xmldoc_fn(xmlDocPtr *doc)
{
	if (*doc)
		xmlFreeDoc(*doc);
}
#define cleanup_xmldoc __attribute__((cleanup(cleanup_xmldoc_fn)))

static void
disk_clear(struct vm_status_disk *d)
{
	free(d->target);
	free(d->path);
}

void
vm_status_free(struct vm_status *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->ndisks; i++)
		disk_clear(&st->disks[i]);
	free(st->disks);
	if (st->domain_doc)
		xmlFreeDoc(st->domain_doc);
	free(st);
}

int
vm_status_add_disk(struct vm_status *st, const struct vm_status_disk *d, struct vm_error *err)
{
	struct vm_status_disk *disks, *n;

	disks = realloc(st->disks, (st->ndisks + 1) * sizeof(*disks));
	if (!disks)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot record disk '%s'", d->target);
	st->disks = disks;
	n = &disks[st->ndisks];
	*n = *d;
	n->target = strdup(d->target);
	n->path = d->path ? strdup(d->path) : NULL;
	if (!n->target || (d->path && !n->path)) {
		disk_clear(n);
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot record disk '%s'", d->target);
	}
	st->ndisks++;
	return 0;
}

struct vm_status_disk *
vm_status_find_disk(struct vm_status *st, const char *target)
{
	for (size_t i = 0; i < st->ndisks; i++)
		if (strcmp(st->disks[i].target, target) == 0)
			return &st->disks[i];
	return NULL;
}

void
vm_status_remove_disk(struct vm_status *st, const char *target)
{
	struct vm_status_disk *d = vm_status_find_disk(st, target);
	size_t i;

	if (!d)
		return;
	i = d - st->disks;
	disk_clear(d);
	memmove(d, d + 1, (st->ndisks - i - 1) * sizeof(*d));
	st->ndisks--;
}

static void
set_prop_fmt(xmlNodePtr node, const char *name, const char *fmt, unsigned long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), fmt, v);
	xmlNewProp(node, BAD_CAST name, BAD_CAST buf);
}

int
vm_status_write(int dirfd, const struct vm_status *st, struct vm_error *err)
{
	cleanup_xmldoc xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr root, n, dom = NULL;
	xmlChar *buf = NULL;
	int len, r;

	root = xmlNewDocNode(doc, NULL, BAD_CAST "vmkit-status", NULL);
	xmlDocSetRootElement(doc, root);
	xmlNewProp(root, BAD_CAST "state", BAD_CAST state_names[st->state]);
	set_prop_fmt(root, "pid", "%lu", (unsigned long)st->pid);
	xmlNewProp(root, BAD_CAST "uuid", BAD_CAST st->uuid);
	for (size_t i = 0; i < st->ndisks; i++) {
		const struct vm_status_disk *d = &st->disks[i];

		n = xmlNewChild(root, NULL, BAD_CAST "disk", NULL);
		xmlNewProp(n, BAD_CAST "target", BAD_CAST d->target);
		if (d->path)
			xmlNewProp(n, BAD_CAST "path", BAD_CAST d->path);
		xmlNewProp(n, BAD_CAST "lease", BAD_CAST (!d->lease ? "none" :
			   d->mode == VM_LEASE_EXCLUSIVE ? "exclusive" : "shared"));
		xmlNewProp(n, BAD_CAST "label", BAD_CAST (d->labelled ? "applied" : "none"));
		if (d->has_owner) {
			char owner[32];
			snprintf(owner, sizeof(owner), "%u:%u", d->uid, d->gid);
			xmlNewProp(n, BAD_CAST "owner", BAD_CAST owner);
		}
	}
	if (st->dom && st->dom->doc)
		dom = xmlDocGetRootElement(st->dom->doc);
	else if (st->domain_doc)
		dom = xmlDocGetRootElement(st->domain_doc);
	if (dom)
		xmlAddChild(root, xmlDocCopyNode(dom, doc, 1));
	xmlDocDumpFormatMemoryEnc(doc, &buf, &len, "UTF-8", 1);
	if (!buf)
		return vm_error_set(err, VM_EXIT_SYSTEM, "cannot format the status file");
	r = vm_paths_write_atomic(dirfd, STATUS_FILE, buf, len, err);
	xmlFree(buf);
	return r;
}

static char *
prop(xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST name);
	char *s = v ? strdup((char *)v) : NULL;

	xmlFree(v);
	return s;
}

static int
parse_disk(xmlNodePtr n, struct vm_status_disk *d)
{
	cleanup_free char *lease = prop(n, "lease");
	cleanup_free char *label = prop(n, "label");
	cleanup_free char *owner = prop(n, "owner");

	d->target = prop(n, "target");
	d->path = prop(n, "path");
	if (!d->target || !lease || !label)
		return -1;
	if (strcmp(lease, "exclusive") == 0)
		d->lease = true, d->mode = VM_LEASE_EXCLUSIVE;
	else if (strcmp(lease, "shared") == 0)
		d->lease = true, d->mode = VM_LEASE_SHARED;
	else if (strcmp(lease, "none") != 0)
		return -1;
	if (strcmp(label, "applied") == 0)
		d->labelled = true;
	else if (strcmp(label, "none") != 0)
		return -1;
	if (owner) {
		char end;
		if (sscanf(owner, "%u:%u%c", &d->uid, &d->gid, &end) != 2)
			return -1;
		d->has_owner = true;
	}
	return (d->lease || d->labelled) && !d->path ? -1 : 0;
}

static int
parse_root(xmlNodePtr root, struct vm_status *st)
{
	cleanup_free char *state = prop(root, "state");
	cleanup_free char *pid = prop(root, "pid");
	cleanup_free char *uuid = prop(root, "uuid");
	size_t i;
	char *end;

	if (!root || xmlStrcmp(root->name, BAD_CAST "vmkit-status") || !state || !pid || !uuid)
		return -1;
	for (i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++)
		if (strcmp(state, state_names[i]) == 0)
			break;
	if (i == sizeof(state_names) / sizeof(state_names[0]))
		return -1;
	st->state = i;
	st->pid = strtol(pid, &end, 10);
	if (*end || st->pid < 0 || strlen(uuid) >= sizeof(st->uuid))
		return -1;
	strcpy(st->uuid, uuid);
	for (xmlNodePtr n = root->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (xmlStrcmp(n->name, BAD_CAST "disk") == 0) {
			struct vm_status_disk d = { 0 };
			int r = parse_disk(n, &d) < 0 ? -1 : vm_status_add_disk(st, &d, NULL);

			disk_clear(&d);
			if (r < 0)
				return -1;
		} else if (xmlStrcmp(n->name, BAD_CAST "domain") == 0 && !st->domain_doc) {
			st->domain_doc = xmlNewDoc(BAD_CAST "1.0");
			if (!st->domain_doc)
				return -1;
			xmlDocSetRootElement(st->domain_doc, xmlDocCopyNode(n, st->domain_doc, 1));
		} else
			return -1;
	}
	return 0;
}

int
vm_status_read(int dirfd, struct vm_status **out, struct vm_error *err)
{
	cleanup_free char *buf = NULL;
	cleanup_xmldoc xmlDocPtr doc = NULL;
	struct vm_status *st;
	size_t len;

	if (vm_paths_read(dirfd, STATUS_FILE, STATUS_MAX, &buf, &len, err) < 0)
		return -1;
	doc = xmlReadMemory(buf, len, STATUS_FILE, NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	st = calloc(1, sizeof(*st));
	if (!st)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot read '%s'", STATUS_FILE);
	if (!doc || parse_root(xmlDocGetRootElement(doc), st) < 0) {
		vm_status_free(st);
		return vm_error_set(err, VM_EXIT_SYSTEM, "status file '%s' is damaged", STATUS_FILE);
	}
	*out = st;
	return 0;
}

int
vm_status_remove(int dirfd, struct vm_error *err)
{
	if (unlinkat(dirfd, STATUS_FILE, 0) < 0 && errno != ENOENT)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot remove '%s'", STATUS_FILE);
	return 0;
}
