#include "info.h"
#include "cleanup.h"
#include "console.h"
#include "domain.h"
#include "exitcodes.h"
#include "qmp.h"
#include "rundir.h"
#include "status.h"
#include "swtpm.h"

#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define QUERY_TIMEOUT_MS 2000

static const char *const kind_names[] = {
	[VM_CONSOLE_PTY] = "pty",	    [VM_CONSOLE_UNIX] = "unix",
	[VM_CONSOLE_UNIX_CONNECT] = "unix", [VM_CONSOLE_FILE] = "file",
	[VM_CONSOLE_OTHER] = "other",
};

/* Serial port N's chardev is "charserialN" (serial.c); the others are not consoles. */
static void
add_console(struct vm_info *info, int dirfd, json_object *chardev)
{
	const char *label = vm_qmp_member(chardev, "label");
	cleanup_free char *filename = strdup(vm_qmp_member(chardev, "filename"));
	struct vm_info_console *c, *v;
	char *path, *end;
	unsigned long port;

	if (!filename || strncmp(label, "charserial", strlen("charserial")) != 0)
		return;
	port = strtoul(label + strlen("charserial"), &end, 10);
	if (*end || port >= VM_SERIAL_PORTS)
		return;
	v = realloc(info->consoles, (info->nconsoles + 1) * sizeof(*v));
	if (!v)
		return;
	info->consoles = v;
	c = &v[info->nconsoles];
	c->port = (unsigned)port;
	c->type = kind_names[vm_console_port_kind(filename, &path)];
	c->path = path ? strdup(path) : NULL;
	c->session = vm_rundir_console_session(dirfd, c->port);
	info->nconsoles++;
}

static int
by_port(const void *a, const void *b)
{
	return (int)((const struct vm_info_console *)a)->port -
	       (int)((const struct vm_info_console *)b)->port;
}

/* The state as QEMU says it, and its serial ports in order: best effort, for showing. */
static const char *
query_qemu(int dirfd, enum vm_run_state recorded, struct vm_info *info)
{
	struct vm_qmp *qmp = NULL;
	json_object *ret = NULL, *status;
	const char *s, *state = "unresponsive";

	if (vm_rundir_qmp_connect(dirfd, QUERY_TIMEOUT_MS, &qmp, NULL) < 0)
		return state;
	if (vm_qmp_command(qmp, "query-status", NULL, QUERY_TIMEOUT_MS, &ret, NULL) == 0 &&
	    json_object_object_get_ex(ret, "status", &status)) {
		s = json_object_get_string(status);
		if (strcmp(s, "running") == 0)
			state = "running";
		else if (strcmp(s, "shutdown") == 0)
			state = "shutoff"; /* on_poweroff preserve */
		else if (strcmp(s, "internal-error") == 0 || strcmp(s, "guest-panicked") == 0)
			state = "crashed";
		else if (recorded == VM_RUN_STARTING)
			state = "starting";
		else
			state = "paused";
	}
	json_object_put(ret);
	ret = NULL;
	if (vm_qmp_command(qmp, "query-chardev", NULL, QUERY_TIMEOUT_MS, &ret, NULL) == 0)
		for (size_t i = 0; i < vm_qmp_array_len(ret); i++)
			add_console(info, dirfd, json_object_array_get_idx(ret, i));
	if (info->nconsoles > 1)
		qsort(info->consoles, info->nconsoles, sizeof(*info->consoles), by_port);
	json_object_put(ret);
	vm_qmp_close(qmp);
	return state;
}

int
vm_info_get(const struct vm_paths *paths, const char *name, struct vm_info *info,
	    struct vm_error *err)
{
	cleanup_close int dirfd = vm_rundir_open(paths, name, err);
	struct vm_status *st = NULL;

	if (dirfd < 0)
		return -1;
	memset(info, 0, sizeof(*info));
	snprintf(info->name, sizeof(info->name), "%s", name);
	if (vm_status_read(dirfd, &st, err) < 0) {
		if (err && err->code == VM_EXIT_NO)
			return vm_error_set(err, VM_EXIT_NO, "domain '%s' is not running", name);
		return vm_error_prefix(err, "domain '%s'", name);
	}
	snprintf(info->uuid, sizeof(info->uuid), "%s", st->uuid);
	info->uid = st->uid;
	info->own_uid = st->own_uid;
	info->ifaces = steal_ptr(st->ifaces);
	info->nifaces = st->nifaces;
	st->nifaces = 0;
	info->displays = steal_ptr(st->displays);
	info->ndisplays = st->ndisplays;
	st->ndisplays = 0;
	info->tpm = st->tpm;
	if (st->tpm) {
		snprintf(info->tpm_model, sizeof(info->tpm_model), "%s", st->tpm_model);
		info->tpm_pid = st->tpm_pid;
		info->tpm_persistent = st->tpm_persistent;
		snprintf(info->tpm_state, sizeof(info->tpm_state), VM_SWTPM_STATE_DIR "/%s",
			 st->uuid);
	}
	if (info->ndisplays &&
	    asprintf(&info->dir, "%s/domains/%s", paths->rundir, info->name) < 0) {
		info->dir = NULL;
		vm_status_free(st);
		vm_info_clear(info);
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot show domain '%s'", name);
	}
	info->alive = vm_rundir_alive(dirfd);
	if (info->alive) {
		info->pid = vm_rundir_qemu_pid(dirfd);
		info->state = query_qemu(dirfd, st->state, info);
	} else
		info->state = vm_rundir_powered_off(dirfd) ? "shutoff" : "crashed";
	vm_rundir_lockfailure(dirfd, info->reason, sizeof(info->reason));
	vm_status_free(st);
	return 0;
}

void
vm_info_clear(struct vm_info *info)
{
	free(info->ifaces);
	info->ifaces = NULL;
	info->nifaces = 0;
	free(info->displays);
	info->displays = NULL;
	info->ndisplays = 0;
	free(info->dir);
	info->dir = NULL;
	for (size_t i = 0; i < info->nconsoles; i++)
		free(info->consoles[i].path);
	free(info->consoles);
	info->consoles = NULL;
	info->nconsoles = 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct vm_info *)a)->name, ((const struct vm_info *)b)->name);
}

int
vm_info_list(const struct vm_paths *paths, struct vm_info **list, size_t *n, struct vm_error *err)
{
	int dfd = vm_rundir_open_all(paths, err);
	struct vm_info *v = NULL, *nv;
	struct dirent *de;
	DIR *d;

	*list = NULL;
	*n = 0;
	if (dfd < 0)
		return errno == ENOENT ? 0 : -1;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot list domains");
	}
	while ((de = readdir(d))) {
		struct vm_info info;
		struct vm_error e = VM_ERROR_INIT;

		if (vm_domain_check_name(de->d_name, NULL) < 0)
			continue;
		if (vm_info_get(paths, de->d_name, &info, &e) < 0) {
			if (e.code == VM_EXIT_NO)
				continue;
			/* A listing must not hide a domain whose record is bad. */
			memset(&info, 0, sizeof(info));
			snprintf(info.name, sizeof(info.name), "%.64s", de->d_name);
			info.state = "damaged";
		}
		nv = realloc(v, (*n + 1) * sizeof(*v));
		if (!nv) {
			vm_info_clear(&info);
			closedir(d);
			for (size_t i = 0; i < *n; i++)
				vm_info_clear(&v[i]);
			free(v);
			return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot list domains");
		}
		v = nv;
		v[(*n)++] = info;
	}
	closedir(d);
	if (*n > 1)
		qsort(v, *n, sizeof(*v), by_name);
	*list = v;
	return 0;
}

/* Where each display listens: what vncviewer and remote-viewer are given. */
static json_object *
displays_json(const struct vm_info *i)
{
	json_object *a = json_object_new_array();

	for (size_t k = 0; k < i->ndisplays; k++) {
		const struct vm_status_display *d = &i->displays[k];
		json_object *e = json_object_new_object();
		char path[PATH_MAX];

		json_object_object_add(e, "type", json_object_new_string(d->type));
		if (d->socket[0]) {
			snprintf(path, sizeof(path), "%s/%s", i->dir, d->socket);
			json_object_object_add(e, "socket", json_object_new_string(path));
		} else {
			json_object_object_add(e, "address", json_object_new_string(d->address));
			json_object_object_add(e, "port", json_object_new_int(d->port));
		}
		json_object_array_add(a, e);
	}
	return a;
}

/* Each serial port, and the TPM: what vm-console and people look for. */
static void
devices_json(json_object *o, const struct vm_info *i)
{
	json_object *a = i->nconsoles ? json_object_new_array() : NULL, *t;

	for (size_t k = 0; k < i->nconsoles; k++) {
		const struct vm_info_console *c = &i->consoles[k];
		json_object *e = json_object_new_object();

		json_object_object_add(e, "port", json_object_new_int(c->port));
		json_object_object_add(e, "type", json_object_new_string(c->type));
		if (c->path)
			json_object_object_add(e, "path", json_object_new_string(c->path));
		json_object_object_add(e, "session",
				       c->session ? json_object_new_int(c->session) : NULL);
		json_object_array_add(a, e);
	}
	if (a)
		json_object_object_add(o, "consoles", a);
	if (!i->tpm)
		return;
	t = json_object_new_object();
	json_object_object_add(t, "model",
			       i->tpm_model[0] ? json_object_new_string(i->tpm_model) : NULL);
	json_object_object_add(t, "swtpm_pid", i->tpm_pid ? json_object_new_int(i->tpm_pid) : NULL);
	json_object_object_add(t, "state", json_object_new_string(i->tpm_state));
	json_object_object_add(t, "persistent", json_object_new_boolean(i->tpm_persistent));
	json_object_object_add(o, "tpm", t);
}

json_object *
vm_info_json(const struct vm_info *i)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(i->name));
	json_object_object_add(o, "state", json_object_new_string(i->state));
	json_object_object_add(o, "pid", i->pid ? json_object_new_int(i->pid) : NULL);
	json_object_object_add(o, "uuid", json_object_new_string(i->uuid));
	json_object_object_add(o, "uid", i->alive ? json_object_new_int64(i->uid) : NULL);
	json_object_object_add(o, "isolated", json_object_new_boolean(i->own_uid));
	if (i->nifaces) {
		json_object *a = json_object_new_array();

		for (size_t k = 0; k < i->nifaces; k++) {
			const struct vm_status_iface *f = &i->ifaces[k];
			json_object *e = json_object_new_object();

			json_object_object_add(e, "mac", json_object_new_string(f->mac));
			json_object_object_add(e, "tap",
					       f->tap[0] ? json_object_new_string(f->tap) : NULL);
			json_object_object_add(e, "bridge",
					       f->bridge[0] ? json_object_new_string(f->bridge)
							    : NULL);
			json_object_array_add(a, e);
		}
		json_object_object_add(o, "interfaces", a);
	}
	if (i->ndisplays)
		json_object_object_add(o, "displays", displays_json(i));
	devices_json(o, i);
	if (i->reason[0])
		json_object_object_add(o, "reason", json_object_new_string(i->reason));
	return o;
}
