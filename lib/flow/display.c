#include "display.h"
#include "cleanup.h"
#include "exitcodes.h"
#include "rundir.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

/* The fd name QEMU's monitor knows a socket by, between getfd and display-update. */
#define FD_NAME "vmkit-display"

/* A TCP socket bound to ADDRESS:PORT and listening; -1 with errno. */
static int
tcp_listen(const char *address, unsigned port)
{
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(port) };
	bool v4 = inet_pton(AF_INET, address, &in.sin_addr) == 1;
	int one = 1, e;
	int fd;

	if (!v4 && inet_pton(AF_INET6, address, &in6.sin6_addr) != 1) {
		errno = EINVAL;
		return -1;
	}
	fd = socket(v4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* as QEMU does: a port left in TIME_WAIT by the last run is free */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (v4 ? bind(fd, (struct sockaddr *)&in, sizeof(in))
		: bind(fd, (struct sockaddr *)&in6, sizeof(in6))) < 0 ||
	    listen(fd, 8) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/*
 * Port P for G: its lease (unless the lock manager is nop), then the
 * bind, into *FD. 1 when either is taken and autoport should go on; for
 * a fixed port, that is the error.
 */
static int
take_port(const struct vm_graphics *g, const char *file, unsigned p, struct vm_lockmgr *lm,
	  struct vm_leaseset *held, int *fd, struct vm_error *err)
{
	char resource[sizeof(VM_LEASE_PORT_PREFIX) + 8];
	struct vm_lease *lease = NULL;
	int busy, e;

	snprintf(resource, sizeof(resource), VM_LEASE_PORT_PREFIX "%u", p);
	if (vm_lockmgr_active(lm)) {
		busy = g->port ? vm_lease_acquire(lm, resource, VM_LEASE_EXCLUSIVE, 0, &lease, err)
			       : vm_lease_try(lm, resource, &lease, err);
		if (busy != 0)
			return busy;
	}
	*fd = tcp_listen(g->address, p);
	if (*fd >= 0)
		return lease ? vm_leaseset_add(held, lease, err) : 0;
	e = errno;
	vm_lease_release(lease);
	if (e == EADDRINUSE && !g->port)
		return 1;
	return vm_error_sys(err, e == EADDRINUSE ? VM_EXIT_NO : VM_EXIT_SYSTEM, e,
			    "%s:%d: <graphics>: cannot listen on %s port %u", file, g->line,
			    g->address, p);
}

static int
listen_address(const struct vm_display_ctx *c, const struct vm_graphics *g, const char *file,
	       struct vm_status_display *rec, int *fd, struct vm_error *err)
{
	unsigned first = g->port ? (unsigned)g->port : VM_GRAPHICS_PORT_MIN;
	unsigned last = g->port ? (unsigned)g->port : VM_GRAPHICS_PORT_MAX;

	for (unsigned p = first; p <= last; p++) {
		int r = take_port(g, file, p, c->lm, c->held, fd, err);

		if (r < 0)
			return -1;
		if (r > 0)
			continue;
		snprintf(rec->address, sizeof(rec->address), "%s", g->address);
		rec->port = p;
		rec->lease = vm_lockmgr_active(c->lm);
		return 0;
	}
	return vm_error_set(err, VM_EXIT_NO,
			    "%s:%d: <graphics>: no free port on %s from %d to %d for autoport",
			    file, g->line, g->address, VM_GRAPHICS_PORT_MIN, VM_GRAPHICS_PORT_MAX);
}

/* The passwd in a sealed memfd: QEMU reads it through /proc/self/fd, and nothing writes it. */
static int
passwd_memfd(const char *passwd, struct vm_error *err)
{
	cleanup_close int fd = memfd_create("vmkit-passwd", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	size_t len = strlen(passwd);

	if (fd < 0 || write(fd, passwd, len) != (ssize_t)len ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno ? errno : EIO,
				    "cannot hold the display's passwd for qemu");
	return steal_fd(fd);
}

/*
 * Where display I listens. A SPICE server binds its own port: the one
 * found free here is closed again, leaving the lease to keep other
 * domains off it.
 */
static int
open_one(const struct vm_display_ctx *c, const struct vm_domain *dom, struct vm_displays *d,
	 size_t i, struct vm_status_display *rec, struct vm_error *err)
{
	const struct vm_graphics *g = &dom->graphics[i];
	struct vm_graphics_run *run = &d->runs[i];

	if (g->type == VM_GRAPHICS_VNC && g->listen == VM_GRAPHICS_SOCKET) {
		d->listen_fds[i] = vm_rundir_vnc_listen(c->dirfd, err);
		snprintf(rec->socket, sizeof(rec->socket), "%s", vm_rundir_vnc_name);
		return d->listen_fds[i] < 0 ? -1 : 0;
	}
	if (g->listen == VM_GRAPHICS_SOCKET) {
		run->dirfd = vm_rundir_spice_dir(c->dirfd, c->change_id, c->uid, c->gid, err);
		run->socket = vm_rundir_spice_sock;
		snprintf(rec->socket, sizeof(rec->socket), "%s", vm_rundir_spice_path);
		return run->dirfd < 0 ? -1 : 0;
	}
	if (listen_address(c, g, dom->file, rec, &d->listen_fds[i], err) < 0)
		return -1;
	run->port = rec->port;
	if (g->type == VM_GRAPHICS_SPICE) {
		close(d->listen_fds[i]);
		d->listen_fds[i] = -1;
	}
	return 0;
}

int
vm_display_open(const struct vm_display_ctx *c, const struct vm_domain *dom, struct vm_displays *d,
		struct vm_error *err)
{
	d->listen_fds = malloc(dom->ngraphics * sizeof(*d->listen_fds));
	d->runs = malloc(dom->ngraphics * sizeof(*d->runs));
	if (dom->ngraphics && (!d->listen_fds || !d->runs))
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot open the displays");
	for (size_t i = 0; i < dom->ngraphics; i++) {
		const struct vm_graphics *g = &dom->graphics[i];
		struct vm_status_display rec = { 0 };

		d->listen_fds[i] = -1;
		d->runs[i] = (struct vm_graphics_run){ .passwd_fd = -1, .dirfd = -1 };
		d->n = i + 1;
		snprintf(rec.type, sizeof(rec.type), "%s", vm_graphics_type_name(g->type));
		if (open_one(c, dom, d, i, &rec, err) < 0)
			return -1;
		if (g->passwd) {
			d->runs[i].passwd_fd = passwd_memfd(g->passwd, err);
			if (d->runs[i].passwd_fd < 0)
				return -1;
		}
		if (vm_status_add_display(c->st, &rec, err) < 0)
			return -1;
	}
	return 0;
}

/* QEMU listens on the VNC socket vm-start made: given over the monitor by name. */
static int
hand_vnc(const struct vm_graphics *g, int fd, struct vm_qmp *qmp, int timeout_ms,
	 struct vm_error *err)
{
	json_object *addr = vm_qmp_json("type", json_object_new_string("fd"), "str",
					json_object_new_string(FD_NAME), NULL);
	json_object *addrs = json_object_new_array();
	json_object *getfd = vm_qmp_json("fdname", json_object_new_string(FD_NAME), NULL);
	json_object *update;
	int r;

	json_object_array_add(addrs, addr);
	update = vm_qmp_json("type", json_object_new_string(vm_graphics_type_name(g->type)),
			     "addresses", addrs, NULL);
	r = vm_qmp_command_fd(qmp, "getfd", getfd, fd, timeout_ms, NULL, err);
	if (r == 0)
		r = vm_qmp_command(qmp, "display-update", update, timeout_ms, NULL, err);
	json_object_put(getfd);
	json_object_put(update);
	return r;
}

/* passwdValidTo: QEMU takes the passwd until then (an absolute time in seconds). */
static int
expire(const struct vm_graphics *g, struct vm_qmp *qmp, int timeout_ms, struct vm_error *err)
{
	char when[24];
	json_object *args;
	int r;

	snprintf(when, sizeof(when), "%lld", g->valid_to);
	args = vm_qmp_json("protocol", json_object_new_string(vm_graphics_type_name(g->type)),
			   "time", json_object_new_string(when), NULL);
	r = vm_qmp_command(qmp, "expire_password", args, timeout_ms, NULL, err);
	json_object_put(args);
	return r;
}

int
vm_display_hand_over(const struct vm_display_ctx *c, const struct vm_domain *dom,
		     const struct vm_displays *d, struct vm_qmp *qmp, int timeout_ms,
		     struct vm_error *err)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct vm_graphics *g = &dom->graphics[i];
		int r = 0;

		if (g->type == VM_GRAPHICS_VNC)
			r = hand_vnc(g, d->listen_fds[i], qmp, timeout_ms, err);
		else if (d->runs[i].dirfd >= 0)
			/* QEMU has bound it: its server is up before its monitor answers */
			r = vm_rundir_spice_claim(d->runs[i].dirfd,
						  c->change_id ? c->uid : geteuid(), err);
		if (r == 0 && g->valid_to)
			r = expire(g, qmp, timeout_ms, err);
		if (r < 0)
			return vm_error_prefix(err, "cannot hand the %s display to qemu",
					       vm_graphics_type_name(g->type));
	}
	return 0;
}

void
vm_display_keep(const struct vm_displays *d, int *keep, size_t *n)
{
	for (size_t i = 0; i < d->n; i++) {
		if (d->runs[i].passwd_fd >= 0)
			keep[(*n)++] = d->runs[i].passwd_fd;
		if (d->runs[i].dirfd >= 0)
			keep[(*n)++] = d->runs[i].dirfd;
	}
}

void
vm_display_close(struct vm_displays *d)
{
	for (size_t i = 0; i < d->n; i++) {
		if (d->listen_fds[i] >= 0)
			close(d->listen_fds[i]);
		if (d->runs[i].passwd_fd >= 0)
			close(d->runs[i].passwd_fd);
		if (d->runs[i].dirfd >= 0)
			close(d->runs[i].dirfd);
	}
	free(d->listen_fds);
	free(d->runs);
	*d = (struct vm_displays){ 0 };
}
