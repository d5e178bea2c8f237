#include "info.h"
#include "cleanup.h"
#include "domain.h"
#include "exitcodes.h"
#include "qmp.h"
#include "rundir.h"
#include "status.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define QUERY_TIMEOUT_MS 2000

static const char *
qmp_state(int dirfd, enum vm_run_state recorded)
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
		info->state = qmp_state(dirfd, st->state);
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
