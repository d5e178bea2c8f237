#include "status.h"
#include "cleanup.h"
#include "exitcodes.h"
#include "rundir.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

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
cleanup_json_fn(json_object **o)
{
	json_object_put(*o);
}
#define cleanup_json __attribute__((cleanup(cleanup_json_fn)))

void
vm_status_disk_clear(struct vm_status_disk *d)
{
	for (size_t i = 0; i < d->nbacking; i++)
		vm_status_disk_clear(&d->backing[i]);
	free(d->backing);
	free(d->target);
	free(d->path);
	free(d->identity);
	d->backing = NULL;
	d->nbacking = 0;
	d->target = d->path = d->identity = NULL;
}

/* A deep copy of S into D; on failure D owns what was copied so far. */
static int
disk_copy(struct vm_status_disk *d, const struct vm_status_disk *s)
{
	*d = *s;
	d->target = s->target ? strdup(s->target) : NULL;
	d->path = s->path ? strdup(s->path) : NULL;
	d->identity = s->identity ? strdup(s->identity) : NULL;
	d->backing = NULL;
	d->nbacking = 0;
	if ((s->target && !d->target) || (s->path && !d->path) || (s->identity && !d->identity))
		return -1;
	if (s->nbacking && !(d->backing = calloc(s->nbacking, sizeof(*d->backing))))
		return -1;
	for (; d->nbacking < s->nbacking; d->nbacking++)
		if (disk_copy(&d->backing[d->nbacking], &s->backing[d->nbacking]) < 0) {
			d->nbacking++;
			return -1;
		}
	return 0;
}

void
vm_status_free(struct vm_status *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->ndisks; i++)
		vm_status_disk_clear(&st->disks[i]);
	free(st->disks);
	vm_status_disk_clear(&st->nvram);
	free(st->ifaces);
	free(st->displays);
	free(st);
}

int
vm_status_add_iface(struct vm_status *st, const struct vm_status_iface *i, struct vm_error *err)
{
	struct vm_status_iface *v = realloc(st->ifaces, (st->nifaces + 1) * sizeof(*v));

	if (!v)
		return vm_error_set(err, VM_EXIT_SYSTEM, "out of memory");
	st->ifaces = v;
	v[st->nifaces++] = *i;
	return 0;
}

int
vm_status_add_display(struct vm_status *st, const struct vm_status_display *d, struct vm_error *err)
{
	struct vm_status_display *v = realloc(st->displays, (st->ndisplays + 1) * sizeof(*v));

	if (!v)
		return vm_error_set(err, VM_EXIT_SYSTEM, "out of memory");
	st->displays = v;
	v[st->ndisplays++] = *d;
	return 0;
}

int
vm_status_add_disk(struct vm_status *st, const struct vm_status_disk *d, struct vm_error *err)
{
	struct vm_status_disk *disks, *n;

	disks = realloc(st->disks, (st->ndisks + 1) * sizeof(*disks));
	if (!disks)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot record disk '%s'",
				    d->target);
	st->disks = disks;
	n = &disks[st->ndisks];
	if (disk_copy(n, d) < 0 || !n->target) {
		vm_status_disk_clear(n);
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot record disk '%s'",
				    d->target);
	}
	st->ndisks++;
	return 0;
}

size_t
vm_status_disk_index(const struct vm_status *st, const char *target, size_t from)
{
	for (; from < st->ndisks; from++)
		if (strcmp(st->disks[from].target, target) == 0)
			break;
	return from;
}

void
vm_status_remove_disk(struct vm_status *st, size_t i)
{
	vm_status_disk_clear(&st->disks[i]);
	memmove(&st->disks[i], &st->disks[i + 1], (st->ndisks - i - 1) * sizeof(*st->disks));
	st->ndisks--;
}

size_t
vm_status_iface_index(const struct vm_status *st, const char *mac)
{
	size_t i = 0;

	while (i < st->nifaces && strcmp(st->ifaces[i].mac, mac) != 0)
		i++;
	return i;
}

void
vm_status_remove_iface(struct vm_status *st, size_t i)
{
	memmove(&st->ifaces[i], &st->ifaces[i + 1], (st->nifaces - i - 1) * sizeof(*st->ifaces));
	st->nifaces--;
}

#define S(v) json_object_new_string(v)

/* [UID, GID] */
static json_object *
id_pair(unsigned uid, unsigned gid)
{
	json_object *a = json_object_new_array();

	json_object_array_add(a, json_object_new_int64(uid));
	json_object_array_add(a, json_object_new_int64(gid));
	return a;
}

static json_object *
disk_json(const struct vm_status_disk *d)
{
	json_object *o = json_object_new_object();

	if (d->target)
		json_object_object_add(o, "target", S(d->target));
	if (d->path)
		json_object_object_add(o, "path", S(d->path));
	if (d->identity)
		json_object_object_add(o, "identity", S(d->identity));
	json_object_object_add(o, "lease",
			       S(!d->lease				? "none"
				 : d->mode == VM_STATUS_LEASE_EXCLUSIVE ? "exclusive"
									: "shared"));
	json_object_object_add(o, "label", S(d->labelled ? "applied" : "none"));
	if (d->has_owner)
		json_object_object_add(o, "owner", id_pair(d->uid, d->gid));
	if (d->bus[0])
		json_object_object_add(o, "bus", S(d->bus));
	if (d->has_id) {
		json_object *a = json_object_new_array();

		json_object_array_add(a, json_object_new_uint64(d->dev));
		json_object_array_add(a, json_object_new_uint64(d->ino));
		json_object_object_add(o, "file", a);
	}
	if (d->nbacking) {
		json_object *a = json_object_new_array();

		for (size_t i = 0; i < d->nbacking; i++)
			json_object_array_add(a, disk_json(&d->backing[i]));
		json_object_object_add(o, "backing", a);
	}
	return o;
}

static json_object *
iface_json(const struct vm_status_iface *i)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "mac", S(i->mac));
	json_object_object_add(o, "lease", json_object_new_boolean(i->lease));
	if (i->tap[0])
		json_object_object_add(o, "tap", S(i->tap));
	if (i->bridge[0])
		json_object_object_add(o, "bridge", S(i->bridge));
	if (i->id[0])
		json_object_object_add(o, "device", S(i->id));
	if (i->bus[0])
		json_object_object_add(o, "bus", S(i->bus));
	return o;
}

static json_object *
display_json(const struct vm_status_display *d)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "type", S(d->type));
	if (d->socket[0])
		json_object_object_add(o, "socket", S(d->socket));
	if (!d->address[0])
		return o;
	json_object_object_add(o, "address", S(d->address));
	json_object_object_add(o, "port", json_object_new_int64(d->port));
	json_object_object_add(o, "lease", json_object_new_boolean(d->lease));
	return o;
}

static void
add_busy_port(json_object *machine, unsigned i)
{
	json_object *a;

	if (!json_object_object_get_ex(machine, "busy_ports", &a)) {
		a = json_object_new_array();
		json_object_object_add(machine, "busy_ports", a);
	}
	json_object_array_add(a, json_object_new_int64(i));
}

int
vm_status_write(int dirfd, const struct vm_status *st, struct vm_error *err)
{
	cleanup_json json_object *root = json_object_new_object();
	json_object *machine = json_object_new_object(), *disks = json_object_new_array();
	const char *text;
	size_t len;

	json_object_object_add(root, "state", S(state_names[st->state]));
	json_object_object_add(root, "pid", json_object_new_int64(st->pid));
	json_object_object_add(root, "uuid", S(st->uuid));
	json_object_object_add(machine, "root_ports", json_object_new_int64(st->root_ports));
	for (unsigned i = 1; i <= st->root_ports; i++)
		if (st->busy_ports[i])
			add_busy_port(machine, i);
	json_object_object_add(machine, "acpi", json_object_new_boolean(st->acpi));
	json_object_object_add(machine, "relabel", json_object_new_boolean(st->relabel));
	json_object_object_add(root, "machine", machine);
	json_object_object_add(root, "user", id_pair(st->uid, st->gid));
	json_object_object_add(root, "own_uid", json_object_new_boolean(st->own_uid));
	if (st->scsi_bus[0])
		json_object_object_add(root, "scsi_bus", S(st->scsi_bus));
	for (size_t i = 0; i < st->ndisks; i++)
		json_object_array_add(disks, disk_json(&st->disks[i]));
	json_object_object_add(root, "disks", disks);
	if (st->nvram.target)
		json_object_object_add(root, "nvram", disk_json(&st->nvram));
	if (st->nifaces) {
		json_object *ifaces = json_object_new_array();

		for (size_t i = 0; i < st->nifaces; i++)
			json_object_array_add(ifaces, iface_json(&st->ifaces[i]));
		json_object_object_add(root, "interfaces", ifaces);
	}
	if (st->tpm) {
		json_object *tpm = json_object_new_object();

		json_object_object_add(tpm, "pid", json_object_new_int64(st->tpm_pid));
		json_object_object_add(tpm, "persistent",
				       json_object_new_boolean(st->tpm_persistent));
		if (st->tpm_model[0])
			json_object_object_add(tpm, "model", json_object_new_string(st->tpm_model));
		json_object_object_add(root, "tpm", tpm);
	}
	if (st->ndisplays) {
		json_object *displays = json_object_new_array();

		for (size_t i = 0; i < st->ndisplays; i++)
			json_object_array_add(displays, display_json(&st->displays[i]));
		json_object_object_add(root, "displays", displays);
	}
	text = json_object_to_json_string_length(root,
						 JSON_C_TO_STRING_PRETTY |
							 JSON_C_TO_STRING_NOSLASHESCAPE,
						 &len);
	if (!text)
		return vm_error_set(err, VM_EXIT_SYSTEM, "cannot format the status file");
	return vm_rundir_write_status(dirfd, text, len, err);
}

/* Member KEY of O if it has type T, else NULL. */
static json_object *
member(json_object *o, const char *key, json_type t)
{
	json_object *v = NULL;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, t) ? v : NULL;
}

static const char *
string(json_object *o, const char *key)
{
	json_object *v = member(o, key, json_type_string);

	return v ? json_object_get_string(v) : NULL;
}

/* Copies string KEY (optional) into BUF of SIZE; -1 if it does not fit. */
static int
copy_string(json_object *o, const char *key, char *buf, size_t size)
{
	const char *v = string(o, key);

	if (!v)
		return json_object_object_get_ex(o, key, NULL) ? -1 : 0;
	if (strlen(v) >= size)
		return -1;
	strcpy(buf, v);
	return 0;
}

static int
uint_of(json_object *v, unsigned *out)
{
	int64_t n;

	if (!json_object_is_type(v, json_type_int))
		return -1;
	n = json_object_get_int64(v);
	if (n < 0 || n > UINT32_MAX)
		return -1;
	*out = n;
	return 0;
}

static int
parse_id_pair(json_object *a, unsigned *uid, unsigned *gid)
{
	return json_object_is_type(a, json_type_array) && json_object_array_length(a) == 2 &&
			       uint_of(json_object_array_get_idx(a, 0), uid) == 0 &&
			       uint_of(json_object_array_get_idx(a, 1), gid) == 0
		       ? 0
		       : -1;
}

static int
parse_id(json_object *a, struct vm_status_disk *d)
{
	json_object *dev, *ino;

	if (!json_object_is_type(a, json_type_array) || json_object_array_length(a) != 2)
		return -1;
	dev = json_object_array_get_idx(a, 0);
	ino = json_object_array_get_idx(a, 1);
	if (!json_object_is_type(dev, json_type_int) || !json_object_is_type(ino, json_type_int) ||
	    json_object_get_int64(dev) < 0 || json_object_get_int64(ino) < 0)
		return -1;
	d->dev = json_object_get_uint64(dev);
	d->ino = json_object_get_uint64(ino);
	d->has_id = true;
	return 0;
}

/* A backing record (LAYER) has no target, bus or backing of its own. */
static int
parse_disk(json_object *o, struct vm_status_disk *d, bool layer)
{
	const char *lease = string(o, "lease"), *label = string(o, "label");
	json_object *owner = NULL, *id = NULL, *backing = NULL;

	if (!json_object_is_type(o, json_type_object) || !lease || !label ||
	    !string(o, "target") != layer)
		return -1;
	d->target = layer ? NULL : strdup(string(o, "target"));
	d->path = string(o, "path") ? strdup(string(o, "path")) : NULL;
	d->identity = string(o, "identity") ? strdup(string(o, "identity")) : NULL;
	if ((!layer && !d->target) || (string(o, "path") && !d->path) ||
	    (string(o, "identity") && !d->identity) ||
	    (json_object_object_get_ex(o, "identity", NULL) && !string(o, "identity")))
		return -1;
	if (strcmp(lease, "exclusive") == 0)
		d->lease = true, d->mode = VM_STATUS_LEASE_EXCLUSIVE;
	else if (strcmp(lease, "shared") == 0)
		d->lease = true, d->mode = VM_STATUS_LEASE_SHARED;
	else if (strcmp(lease, "none") != 0)
		return -1;
	if (strcmp(label, "applied") == 0)
		d->labelled = true;
	else if (strcmp(label, "none") != 0)
		return -1;
	if (json_object_object_get_ex(o, "owner", &owner)) {
		if (parse_id_pair(owner, &d->uid, &d->gid) < 0)
			return -1;
		d->has_owner = true;
	}
	if (copy_string(o, "bus", d->bus, sizeof(d->bus)) < 0)
		return -1;
	if (json_object_object_get_ex(o, "file", &id) && parse_id(id, d) < 0)
		return -1;
	if (json_object_object_get_ex(o, "backing", &backing)) {
		size_t n = json_object_is_type(backing, json_type_array)
				   ? json_object_array_length(backing)
				   : 0;

		if (layer || !n || !d->path || !(d->backing = calloc(n, sizeof(*d->backing))))
			return -1;
		for (; d->nbacking < n; d->nbacking++)
			if (parse_disk(json_object_array_get_idx(backing, d->nbacking),
				       &d->backing[d->nbacking], true) < 0) {
				d->nbacking++;
				return -1;
			}
	}
	if (layer && (!d->path || d->bus[0]))
		return -1;
	return ((d->lease || d->labelled) && !d->path) || (d->identity && !d->lease) ? -1 : 0;
}

static int
parse_machine(json_object *m, struct vm_status *st)
{
	json_object *acpi = member(m, "acpi", json_type_boolean);
	json_object *relabel = member(m, "relabel", json_type_boolean);
	json_object *ports = NULL, *busy;

	if (!acpi || !relabel || !json_object_object_get_ex(m, "root_ports", &ports) ||
	    uint_of(ports, &st->root_ports) < 0 || st->root_ports > VM_CONTROLLER_ROOT_PORTS_MAX)
		return -1;
	st->acpi = json_object_get_boolean(acpi);
	st->relabel = json_object_get_boolean(relabel);
	/* absent in a record without busy ports */
	busy = member(m, "busy_ports", json_type_array);
	for (size_t i = 0; busy && i < json_object_array_length(busy); i++) {
		unsigned n;

		if (uint_of(json_object_array_get_idx(busy, i), &n) < 0 || n == 0 ||
		    n > st->root_ports)
			return -1;
		st->busy_ports[n] = true;
	}
	return 0;
}

/* Absent in a record of a domain without taps. */
static int
parse_ifaces(json_object *a, struct vm_status *st)
{
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		json_object *o = json_object_array_get_idx(a, i);
		struct vm_status_iface f = { 0 };

		if (!json_object_is_type(o, json_type_object) || !string(o, "mac") ||
		    copy_string(o, "mac", f.mac, sizeof(f.mac)) < 0 ||
		    copy_string(o, "tap", f.tap, sizeof(f.tap)) < 0 ||
		    copy_string(o, "bridge", f.bridge, sizeof(f.bridge)) < 0 ||
		    copy_string(o, "device", f.id, sizeof(f.id)) < 0 ||
		    copy_string(o, "bus", f.bus, sizeof(f.bus)) < 0)
			return -1;
		f.lease = json_object_get_boolean(member(o, "lease", json_type_boolean));
		if (vm_status_add_iface(st, &f, NULL) < 0)
			return -1;
	}
	return 0;
}

/* Absent in a record of a domain without a TPM. */
static int
parse_tpm(json_object *o, struct vm_status *st)
{
	json_object *pid = member(o, "pid", json_type_int);

	if (!o)
		return 0;
	/* 0: vm-start had not started swtpm yet */
	if (!pid || json_object_get_int64(pid) < 0 || json_object_get_int64(pid) > INT32_MAX)
		return -1;
	st->tpm = true;
	st->tpm_pid = json_object_get_int64(pid);
	st->tpm_persistent = json_object_get_boolean(member(o, "persistent", json_type_boolean));
	return copy_string(o, "model", st->tpm_model, sizeof(st->tpm_model));
}

/* Absent in a record of a domain without displays. */
static int
parse_displays(json_object *a, struct vm_status *st)
{
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		json_object *o = json_object_array_get_idx(a, i);
		json_object *port = NULL;
		struct vm_status_display d = { 0 };

		if (!json_object_is_type(o, json_type_object) || !string(o, "type") ||
		    copy_string(o, "type", d.type, sizeof(d.type)) < 0 ||
		    copy_string(o, "socket", d.socket, sizeof(d.socket)) < 0 ||
		    copy_string(o, "address", d.address, sizeof(d.address)) < 0)
			return -1;
		if (d.address[0] && (!json_object_object_get_ex(o, "port", &port) ||
				     uint_of(port, &d.port) < 0 || d.port > 65535))
			return -1;
		d.lease = json_object_get_boolean(member(o, "lease", json_type_boolean));
		if (vm_status_add_display(st, &d, NULL) < 0)
			return -1;
	}
	return 0;
}

static int
parse_root(json_object *root, struct vm_status *st)
{
	const char *state = string(root, "state"), *uuid = string(root, "uuid");
	json_object *pid = member(root, "pid", json_type_int);
	json_object *machine = member(root, "machine", json_type_object);
	json_object *disks = member(root, "disks", json_type_array);
	size_t i;

	if (!state || !uuid || !pid || !machine || !disks || parse_machine(machine, st) < 0 ||
	    parse_id_pair(member(root, "user", json_type_array), &st->uid, &st->gid) < 0)
		return -1;
	for (i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++)
		if (strcmp(state, state_names[i]) == 0)
			break;
	if (i == sizeof(state_names) / sizeof(state_names[0]))
		return -1;
	st->state = i;
	if (json_object_get_int64(pid) < 0 || json_object_get_int64(pid) > INT32_MAX ||
	    strlen(uuid) >= sizeof(st->uuid))
		return -1;
	st->pid = json_object_get_int64(pid);
	strcpy(st->uuid, uuid);
	/* absent in a record from before user_range: a shared uid */
	st->own_uid = json_object_get_boolean(member(root, "own_uid", json_type_boolean));
	if (copy_string(root, "scsi_bus", st->scsi_bus, sizeof(st->scsi_bus)) < 0)
		return -1;
	for (i = 0; i < json_object_array_length(disks); i++) {
		struct vm_status_disk d = { 0 };
		int r = parse_disk(json_object_array_get_idx(disks, i), &d, false) < 0
				? -1
				: vm_status_add_disk(st, &d, NULL);

		vm_status_disk_clear(&d);
		if (r < 0)
			return -1;
	}
	/* absent in a record of a domain without pflash firmware */
	if (json_object_object_get_ex(root, "nvram", NULL) &&
	    parse_disk(member(root, "nvram", json_type_object), &st->nvram, false) < 0)
		return -1;
	if (parse_ifaces(member(root, "interfaces", json_type_array), st) < 0)
		return -1;
	if (parse_tpm(member(root, "tpm", json_type_object), st) < 0)
		return -1;
	return parse_displays(member(root, "displays", json_type_array), st);
}

/* vm_rundir_decode_fn: the text of a status file into a struct vm_status **ARG. */
static int
decode(const char *buf, size_t len, void *arg)
{
	cleanup_json json_object *root = NULL;
	struct vm_status **out = arg;
	json_tokener *tok;
	struct vm_status *st;

	tok = json_tokener_new();
	if (tok) {
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
		root = json_tokener_parse_ex(tok, buf, (int)len);
		if (json_tokener_get_error(tok) != json_tokener_success ||
		    strspn(buf + json_tokener_get_parse_end(tok), " \t\r\n") !=
			    len - json_tokener_get_parse_end(tok)) {
			json_object_put(root);
			root = NULL;
		}
		json_tokener_free(tok);
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	if (!json_object_is_type(root, json_type_object) || memchr(buf, '\0', len) ||
	    parse_root(root, st) < 0) {
		vm_status_free(st);
		return -1;
	}
	*out = st;
	return 0;
}

int
vm_status_read(int dirfd, struct vm_status **out, struct vm_error *err)
{
	return vm_rundir_read_status(dirfd, decode, out, err);
}
