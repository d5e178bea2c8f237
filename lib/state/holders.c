/*
 * Who holds a lease, as far as this host can tell: the local domains'
 * status files. See holders.h.
 */
#include "holders.h"
#include "cleanup.h"
#include "exitcodes.h"
#include "rundir.h"
#include "serial.h"
#include "status.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The resources a status lists, in status order (see holders.h). */
struct resources {
	char **v;
	size_t n;
	bool nomem;
};

static void
resources_add(struct resources *rs, const char *resource)
{
	char **v = realloc(rs->v, (rs->n + 1) * sizeof(*v));

	if (v)
		rs->v = v;
	if (!v || !(v[rs->n] = strdup(resource))) {
		rs->nomem = true;
		return;
	}
	rs->n++;
}

static void
resources_free(struct resources *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		free(rs->v[i]);
	free(rs->v);
}

static void
status_resources(const struct vm_status *st, struct resources *rs)
{
	char uuid[sizeof(VM_LEASE_UUID_PREFIX) + sizeof(st->uuid)];

	/* each disk's own file, then its backing files, each by path and
	 * identity; the NVRAM (at ndisks) as one more disk */
	for (size_t i = 0; i <= st->ndisks; i++) {
		const struct vm_status_disk *d = i < st->ndisks ? &st->disks[i] : &st->nvram;

		for (size_t k = 0; k <= d->nbacking; k++) {
			const struct vm_status_disk *f = k ? &d->backing[k - 1] : d;

			if (!f->lease || !f->path)
				continue;
			resources_add(rs, f->path);
			if (f->identity)
				resources_add(rs, f->identity);
		}
	}
	if (st->uuid[0]) {
		snprintf(uuid, sizeof(uuid), VM_LEASE_UUID_PREFIX "%s", st->uuid);
		resources_add(rs, uuid);
	}
	if (st->tpm) {
		char tpm[sizeof(VM_LEASE_TPM_PREFIX) + sizeof(st->uuid)];

		snprintf(tpm, sizeof(tpm), VM_LEASE_TPM_PREFIX "%s", st->uuid);
		resources_add(rs, tpm);
	}
	for (size_t i = 0; i < st->nifaces; i++) {
		char mac[sizeof(VM_LEASE_MAC_PREFIX) + sizeof(st->ifaces[i].mac)];

		if (!st->ifaces[i].lease)
			continue;
		snprintf(mac, sizeof(mac), VM_LEASE_MAC_PREFIX "%s", st->ifaces[i].mac);
		resources_add(rs, mac);
	}
	for (size_t i = 0; i < st->ndisplays; i++) {
		char port[sizeof(VM_LEASE_PORT_PREFIX) + 8];

		if (!st->displays[i].lease)
			continue;
		snprintf(port, sizeof(port), VM_LEASE_PORT_PREFIX "%u", st->displays[i].port);
		resources_add(rs, port);
	}
}

static void
claims_add(struct vm_lease_holder **v, size_t *n, const char *name, const char *resource, int rank)
{
	struct vm_lease_holder *nv = realloc(*v, (*n + 1) * sizeof(*nv));
	struct vm_lease_holder *e;

	if (!nv)
		return;
	*v = nv;
	e = &nv[*n];
	e->name = strdup(name);
	e->resource = strdup(resource);
	e->rank = rank;
	if (!e->name || !e->resource) {
		free(e->name);
		free(e->resource);
		return;
	}
	(*n)++;
}

/*
 * A console's lease is a vm-console session's, not its domain's: named
 * "vm-console:PID@NAME", for as long as that session runs.
 */
static void
console_claims(struct vm_lease_holder **v, size_t *n, int dirfd, const char *name, const char *uuid)
{
	for (unsigned port = 0; port < VM_SERIAL_PORTS; port++) {
		pid_t pid = vm_rundir_console_session(dirfd, port);
		char resource[sizeof(VM_LEASE_CONSOLE_PREFIX) + 48], holder[300];

		if (!pid)
			continue;
		snprintf(resource, sizeof(resource), VM_LEASE_CONSOLE_PREFIX "%s:%u", uuid, port);
		snprintf(holder, sizeof(holder), "vm-console:%d@%s", (int)pid, name);
		claims_add(v, n, holder, resource, 2);
	}
}

/*
 * Best effort: the holder only makes a message more helpful, so a
 * status file that cannot be read names nobody. A domain whose QEMU is
 * dead and that no command is working on holds nothing, whatever its
 * stale status file says.
 */
void
vm_holders_load(const struct vm_paths *paths, struct vm_lease_holder **v, size_t *n)
{
	int dfd = vm_rundir_open_all(paths, NULL);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	struct dirent *de;

	*v = NULL;
	*n = 0;
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return;
	}
	while ((de = readdir(d))) {
		cleanup_close int dirfd = -1;
		struct vm_status *st = NULL;
		struct resources rs = { 0 };
		int rank;

		if (de->d_name[0] == '.')
			continue;
		dirfd = vm_paths_subdir(dfd, de->d_name, false, NULL);
		if (dirfd < 0 || vm_status_read(dirfd, &st, NULL) < 0)
			continue;
		rank = vm_rundir_alive(dirfd)				      ? 2
		       : st->state != VM_RUN_RUNNING && vm_rundir_busy(dirfd) ? 1
									      : 0;
		if (rank > 0)
			status_resources(st, &rs);
		for (size_t i = 0; i < rs.n; i++)
			claims_add(v, n, de->d_name, rs.v[i], rank);
		if (rank == 2)
			console_claims(v, n, dirfd, de->d_name, st->uuid);
		resources_free(&rs);
		vm_status_free(st);
	}
	closedir(d);
}

int
vm_holders_query_domain(struct vm_lockmgr *lm, const char *name, vm_lease_info_fn *fn, void *arg,
			struct vm_error *err)
{
	struct vm_error e = VM_ERROR_INIT;
	cleanup_close int dirfd = -1;
	struct vm_status *st = NULL;
	struct resources rs = { 0 };
	int r;

	dirfd = vm_rundir_open(vm_lockmgr_paths(lm), name, &e);
	if (dirfd >= 0 && vm_status_read(dirfd, &st, &e) < 0 && e.code != VM_EXIT_NO)
		vm_error_prefix(&e, "domain '%s'", name);
	if (!st) {
		/* No run state: the domain holds nothing. */
		if (e.code == VM_EXIT_NO)
			return 0;
		if (err)
			*err = e;
		return -1;
	}
	status_resources(st, &rs);
	vm_status_free(st);
	if (rs.nomem)
		r = vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot list the leases of '%s'",
				 name);
	else
		r = vm_lockmgr_query_each(lm, (const char *const *)rs.v, rs.n, fn, arg, err);
	resources_free(&rs);
	return r;
}
