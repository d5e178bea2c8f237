#include "netplug.h"
#include "hotplug.h"
#include "taps.h"
#include "exitcodes.h"
#include "mac.h"
#include "qmp.h"
#include "rundir.h"
#include "status.h"

#include <stdio.h>
#include <string.h>

#define QMP_TIMEOUT_MS 10000
/* QMP arguments are mostly strings */
#define S(s) json_object_new_string(s)

/* How far an attach got, for its undo. */
struct plug {
	struct vm_status_iface rec;
	struct vm_tapdev tap;
	struct vm_leaseset held;
	char netdev[40];
	bool session; /* the tap is bridge_helper's to make */
	bool recorded, lease_passed, netdev_added, device_added;
	unsigned fds_passed; /* tap fds (then vhost fds) QEMU has by name */
};

/* The named fd of QEMU for fd K of the tap of device ID (vhost fds after its queues). */
static void
fd_name(const char *id, unsigned k, char name[48])
{
	snprintf(name, 48, "%s-fd%u", id, k);
}

/* Gives QEMU the tap's fds (and vhost fds) by name; NAMES gets "a:b" of each kind. */
static int
pass_fds(struct vm_hotplug *op, struct plug *p, char *fds, char *vhostfds, size_t size,
	 struct vm_error *err)
{
	unsigned q = p->tap.queues;

	fds[0] = vhostfds[0] = '\0';
	for (unsigned k = 0; k < 2 * q; k++) {
		int fd = k < q ? p->tap.fds[k] : p->tap.vhostfds[k - q];
		char *list = k < q ? fds : vhostfds;
		char name[48];
		json_object *a;
		int r;

		if (fd < 0)
			break;
		fd_name(p->rec.id, k, name);
		a = vm_qmp_json("fdname", S(name), NULL);
		r = vm_qmp_command_fd(op->qmp, "getfd", a, fd, QMP_TIMEOUT_MS, NULL, err);
		json_object_put(a);
		if (r < 0)
			return -1;
		p->fds_passed++;
		snprintf(list + strlen(list), size - strlen(list), "%s%s", *list ? ":" : "", name);
	}
	return 0;
}

/* <link state='down'>: only set_link says it, once the device exists. */
static int
set_link(struct vm_hotplug *op, const struct vm_iface *iface, const char *id, struct vm_error *err)
{
	if (!iface->link_down)
		return 0;
	return vm_hotplug_qmp(op, "set_link",
			      vm_qmp_json("name", S(id), "up", json_object_new_boolean(false),
					  NULL),
			      NULL, err);
}

/* Undoes what P shows was done, newest first; ERR already holds the cause. */
static void
undo(struct vm_hotplug *op, struct plug *p)
{
	struct vm_error ignored = VM_ERROR_INIT;
	bool had;
	char name[48];

	if (p->device_added && vm_hotplug_unplug(op, p->rec.id, "interface", &had, &ignored) < 0) {
		op->opts->warn("interface '%s' stays in domain '%s': %s; 'vm-attach %s --detach-interface %s' removes it",
			       p->rec.mac, op->name, ignored.msg, op->name, p->rec.mac);
		/* QEMU keeps its MAC lease (under sanlock, one taken for its pid) */
		vm_leaseset_keep(&p->held);
		vm_leaseset_release(&p->held);
		vm_tapdev_close(&p->tap);
		return;
	}
	if (p->netdev_added)
		vm_hotplug_qmp(op, "netdev_del", vm_qmp_json("id", S(p->netdev), NULL), NULL,
			       &ignored);
	/* netdev_add took those it used; the others are still named */
	for (unsigned k = 0; k < p->fds_passed; k++) {
		fd_name(p->rec.id, k, name);
		vm_hotplug_qmp(op, "closefd", vm_qmp_json("fdname", S(name), NULL), NULL, &ignored);
	}
	if (p->lease_passed)
		vm_hotplug_close_leases(op, p->rec.id, 1, &ignored);
	vm_tapdev_close(&p->tap);
	vm_leaseset_release(&p->held);
	if (p->recorded) {
		vm_status_remove_iface(op->st, op->st->nifaces - 1);
		vm_status_write(op->dl->dirfd, op->st, &ignored);
	}
}

static int
attach_locked(struct vm_hotplug *op, const char *file, struct vm_iface *iface, struct plug *p,
	      struct vm_error *err)
{
	char fds[VM_TAPDEV_QUEUES_MAX * 16], vhostfds[VM_TAPDEV_QUEUES_MAX * 16];
	char hex[VM_MAC_STRLEN], *h = hex;
	struct vm_status_iface *rec;
	int r;

	/* ours until handed to QEMU below, once recorded (vm_lease_hand_to) */
	r = vm_taps_lease_mac(op->ctx.lm, iface, &p->held, err);
	if (r < 0 || vm_taps_record(op->conf, op->ctx.lm, file, iface, &p->rec, err) < 0)
		return -1;
	/* ids QEMU takes: letters, digits, '-'; the MAC makes them unique */
	for (const char *c = iface->mac; *c; c++)
		if (*c != ':')
			*h++ = *c;
	*h = '\0';
	snprintf(p->rec.id, sizeof(p->rec.id), "net-%s", hex);
	snprintf(p->netdev, sizeof(p->netdev), "host%s", p->rec.id);
	if (vm_hotplug_pci_bus(op, p->rec.id, p->rec.bus, err) < 0 ||
	    vm_status_add_iface(op->st, &p->rec, err) < 0)
		return -1;
	p->recorded = true;
	rec = &op->st->ifaces[op->st->nifaces - 1];
	if (vm_status_write(op->dl->dirfd, op->st, err) < 0 ||
	    vm_taps_make(op->conf, p->session, file, iface, &p->tap, err) < 0)
		return -1;
	snprintf(rec->tap, sizeof(rec->tap), "%s", p->tap.name);
	if (vm_hotplug_hand_over(op, p->rec.id, &p->held, &p->lease_passed, err) < 0 ||
	    pass_fds(op, p, fds, vhostfds, sizeof(fds), err) < 0)
		return -1;
	if (vm_hotplug_qmp(op, "netdev_add",
			   vm_net_netdev_json(iface, p->netdev, fds, *vhostfds ? vhostfds : NULL),
			   NULL, err) < 0)
		return -1;
	p->netdev_added = true;
	if (vm_hotplug_qmp(op, "device_add",
			   vm_net_device_json(iface, p->rec.id, p->netdev,
					      p->rec.bus[0] ? p->rec.bus : NULL),
			   NULL, err) < 0)
		return -1;
	p->device_added = true;
	if (set_link(op, iface, p->rec.id, err) < 0 ||
	    vm_status_write(op->dl->dirfd, op->st, err) < 0)
		return -1;
	vm_rundir_log(op->dl->dirfd, "attached interface %s (tap '%s') to domain '%s'", iface->mac,
		      p->tap.name, op->name);
	return 0;
}

int
vm_netplug_attach(const struct vm_conf *conf, const struct vm_paths *paths, const char *name,
		  const char *file, struct vm_iface *iface, const struct vm_attach_opts *opts,
		  struct vm_error *err)
{
	struct vm_hotplug op = { .conf = conf, .opts = opts, .name = name };
	struct plug p = { .session = paths->session };
	int r;

	vm_tapdev_init(&p.tap);
	/* refused before the domain is even looked at: nothing here could help */
	if (vm_taps_check(conf, paths->session, file, iface, err) < 0)
		return -1;
	r = vm_hotplug_begin(&op, paths, NULL, err);
	if (r == 0) {
		r = attach_locked(&op, file, iface, &p, err);
		if (r < 0) {
			undo(&op, &p);
			vm_error_prefix(err, "cannot attach an interface to domain '%s'", name);
		}
	}
	/* QEMU has its own copies now */
	vm_tapdev_close(&p.tap);
	vm_leaseset_release(&p.held);
	vm_hotplug_end(&op);
	return r;
}

/* Lets go of the MAC lease of record REC: QEMU's, taken over and released (hotplug.h). */
static int
release_mac(struct vm_hotplug *op, const struct vm_status_iface *rec, struct vm_error *err)
{
	struct vm_error ignored = VM_ERROR_INIT;
	struct vm_leaseset held = { 0 };
	char resource[sizeof(VM_LEASE_MAC_PREFIX) + sizeof(rec->mac)];

	if (!rec->lease)
		return 0;
	snprintf(resource, sizeof(resource), VM_LEASE_MAC_PREFIX "%s", rec->mac);
	if (vm_hotplug_take_lease(op, resource, VM_LEASE_EXCLUSIVE, &held, err) < 0)
		return -1;
	/* a NIC vm-start made has the lease inherited, with no name to close */
	vm_hotplug_close_leases(op, rec->id, 1, &ignored);
	vm_leaseset_release(&held);
	return 0;
}

static int
detach_locked(struct vm_hotplug *op, const char *mac, struct vm_error *err)
{
	size_t i = vm_status_iface_index(op->st, mac);
	struct vm_error ignored = VM_ERROR_INIT;
	const struct vm_status_iface *rec;
	char netdev[40], name[48];
	bool had;

	if (i == op->st->nifaces)
		return vm_error_set(err, VM_EXIT_NO, "domain '%s' has no interface with MAC %s",
				    op->name, mac);
	rec = &op->st->ifaces[i];
	if (!rec->id[0])
		return vm_error_set(err, VM_EXIT_NO,
				    "domain '%s' was started by a vmkit that did not record the device of interface %s; it stays until the domain stops",
				    op->name, mac);
	if (vm_hotplug_unplug(op, rec->id, "interface", &had, err) < 0)
		return err->code == VM_EXIT_NO
			       ? -1
			       : vm_error_prefix(err, "cannot detach interface %s from domain '%s'",
						 mac, op->name);
	snprintf(netdev, sizeof(netdev), "host%s", rec->id);
	/* none when an attach was cut short before netdev_add, which leaves the tap's fds named */
	vm_hotplug_qmp(op, "netdev_del", vm_qmp_json("id", S(netdev), NULL), NULL, &ignored);
	for (unsigned k = 0; k < 2 * VM_TAPDEV_QUEUES_MAX; k++) {
		fd_name(rec->id, k, name);
		if (vm_hotplug_qmp(op, "closefd", vm_qmp_json("fdname", S(name), NULL), NULL,
				   &ignored) < 0)
			break;
	}
	if (release_mac(op, rec, err) < 0)
		return -1;
	vm_rundir_log(op->dl->dirfd, "detached interface %s (tap '%s') from domain '%s'", mac,
		      rec->tap, op->name);
	vm_status_remove_iface(op->st, i);
	return vm_status_write(op->dl->dirfd, op->st, err);
}

int
vm_netplug_detach(const struct vm_conf *conf, const struct vm_paths *paths, const char *name,
		  const char *mac, const struct vm_attach_opts *opts, struct vm_error *err)
{
	struct vm_hotplug op = { .conf = conf, .opts = opts, .name = name };
	unsigned char bytes[VM_MAC_LEN];
	char text[VM_MAC_STRLEN];
	int r;

	if (vm_mac_parse(mac, bytes, err) < 0)
		return -1;
	vm_mac_format(bytes, text);
	r = vm_hotplug_begin(&op, paths, NULL, err);
	if (r == 0)
		r = detach_locked(&op, text, err);
	vm_hotplug_end(&op);
	return r;
}
