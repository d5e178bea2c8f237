#include "qemu_argv.h"
#include "cleanup.h"
#include "exitcodes.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#define SERIAL_PORTS 4		/* isa-serial: COM1..COM4 */
#define ROOT_PORT_SLOT 2	/* first pcie.0 slot for pcie-root-ports */

/*
 * One "-device"/"-chardev"/"-netdev" value, built in a memstream. A
 * failed allocation sticks and is reported by opt_push().
 */
struct opt {
	FILE *f;
	char *buf;
	size_t len;
	bool failed;
};

static FILE *
opt_file(struct opt *o)
{
	if (!o->f && !o->failed && !(o->f = open_memstream(&o->buf, &o->len)))
		o->failed = true;
	return o->f;
}

static void __attribute__((format(printf, 2, 3)))
opt_add(struct opt *o, const char *fmt, ...)
{
	FILE *f = opt_file(o);
	va_list ap;

	if (!f)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
}

/*
 * Appends VALUE. QEMU splits options at commas and reads ",," as a
 * literal comma, so every user-supplied value goes through here.
 */
static void
opt_esc(struct opt *o, const char *value)
{
	FILE *f = opt_file(o);

	for (; f && *value; value++) {
		if (*value == ',')
			fputc(',', f);
		fputc(*value, f);
	}
}

/* Appends ",KEY=VALUE". */
static void
opt_val(struct opt *o, const char *key, const char *value)
{
	opt_add(o, ",%s=", key);
	opt_esc(o, value);
}

/* Ends the value and returns it (the caller frees), or NULL; resets O. */
static char *
opt_end(struct opt *o)
{
	bool bad = o->failed || !o->f || ferror(o->f);
	char *buf;

	if (o->f && fclose(o->f) != 0)
		bad = true;
	buf = o->buf;	/* valid only after fclose() */
	*o = (struct opt){ 0 };
	if (bad) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int
push(struct vm_argv *a, const char *s, struct vm_error *err)
{
	if (a->n + 2 > a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 64;
		char **v = realloc(a->v, cap * sizeof(*v));

		if (!v)
			return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot build qemu command line");
		a->v = v;
		a->cap = cap;
	}
	if (!(a->v[a->n] = strdup(s)))
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot build qemu command line");
	a->v[++a->n] = NULL;	/* always ready for execv() */
	return 0;
}

/* Pushes the words up to NULL. */
static int
pushv(struct vm_argv *a, struct vm_error *err, ...)
{
	const char *s;
	va_list ap;
	int r = 0;

	va_start(ap, err);
	while (r == 0 && (s = va_arg(ap, const char *)))
		r = push(a, s, err);
	va_end(ap);
	return r;
}

static int
opt_push(struct vm_argv *a, const char *flag, struct opt *o, struct vm_error *err)
{
	cleanup_free char *buf = opt_end(o);

	if (!buf)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot build qemu command line");
	return pushv(a, err, flag, buf, NULL);
}

static int
push_json(struct vm_argv *a, const char *flag, json_object *obj, struct vm_error *err)
{
	const char *s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
	int r = s ? pushv(a, err, flag, s, NULL) :
		    vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot build qemu command line");

	json_object_put(obj);
	return r;
}

/*
 * Each file of the chain, from the last backing file up, as an fd QEMU
 * inherited (-add-fd, one fd set per file) under its protocol and
 * format nodes. Without a monitor fd (--print-argv) the fds show as
 * "<NODE>".
 */
static int
disk_blockdevs(struct vm_argv *a, const struct vm_disk *d, const struct vm_image *img,
	       bool placeholders, unsigned *fdset, struct vm_error *err)
{
	for (size_t k = img->n; k-- > 0;) {
		char fmtname[32], filenode[32], filename[32];
		json_object *proto, *fmt;
		struct opt o = { 0 };

		vm_disk_layer_names(d->target, k, fmtname, filenode);
		if (placeholders)
			opt_add(&o, "fd=<%s>", filenode);
		else
			opt_add(&o, "fd=%d", img->v[k].fd);
		opt_add(&o, ",set=%u,opaque=%s", ++*fdset, filenode);
		if (opt_push(a, "-add-fd", &o, err) < 0)
			return -1;
		snprintf(filename, sizeof(filename), "/dev/fdset/%u", *fdset);
		vm_disk_blockdev_json(d, img, k, filename, &proto, &fmt);
		if (push_json(a, "-blockdev", proto, err) < 0) {
			json_object_put(fmt);
			return -1;
		}
		if (push_json(a, "-blockdev", fmt, err) < 0)
			return -1;
	}
	return 0;
}

static int
disk_args(struct vm_argv *a, const struct vm_domain *dom, const struct vm_image *images,
	  bool placeholders, struct vm_error *err)
{
	bool ahci = false, scsi = false;
	unsigned fdset = 0;
	/* sata ports, scsi targets. The parser already refuses a target
	 * beyond them, with its file and line; the checks below guard used[]. */
	bool used[2][VM_SCSI_TARGETS] = { { false } };

	for (size_t i = 0; i < dom->ndisks; i++) {
		const struct vm_disk *d = &dom->disks[i];
		bool cdrom = d->device == VM_DEVICE_CDROM;
		long idx = vm_disk_index(d->target);
		bool wc = vm_disk_write_cache(d);
		char fmtname[32], filename[32];
		struct opt o = { 0 };

		/* node names must fit QEMU's 31 bytes; sata and scsi need an index */
		if (strlen(d->target) > sizeof(fmtname) - sizeof("drive-") ||
		    (idx < 0 && d->bus != VM_BUS_VIRTIO))
			return vm_error_set(err, VM_EXIT_INVALID, "invalid disk target '%s'", d->target);
		if (!d->source && !cdrom)
			return vm_error_set(err, VM_EXIT_INVALID, "disk '%s' has no source", d->target);
		vm_disk_node_names(d->target, fmtname, filename);
		switch (d->bus) {
		case VM_BUS_VIRTIO:
			if (cdrom)
				return vm_error_set(err, VM_EXIT_INVALID,
						    "cdrom '%s' cannot use bus 'virtio'", d->target);
			opt_add(&o, "virtio-blk-pci");
			break;
		case VM_BUS_SATA:
			/* ide-hd needs write access, as libvirt also knows */
			if (d->readonly && !cdrom)
				return vm_error_set(err, VM_EXIT_INVALID,
						    "readonly sata disk '%s' is not supported by qemu",
						    d->target);
			if (idx >= VM_SATA_PORTS || used[0][idx])
				return vm_error_set(err, VM_EXIT_INVALID,
						    "sata disk '%s' has no free port (sda to sdf)",
						    d->target);
			if (!ahci && pushv(a, err, "-device", "ahci,id=sata0", NULL) < 0)
				return -1;
			ahci = true;
			opt_add(&o, "%s,bus=sata0.%ld", cdrom ? "ide-cd" : "ide-hd", idx);
			break;
		case VM_BUS_SCSI:
			if (idx >= VM_SCSI_TARGETS || used[1][idx])
				return vm_error_set(err, VM_EXIT_INVALID,
						    "scsi disk '%s' has no free target", d->target);
			if (!scsi && pushv(a, err, "-device", "virtio-scsi-pci,id=scsi0", NULL) < 0)
				return -1;
			scsi = true;
			opt_add(&o, "%s,bus=scsi0.0,scsi-id=%ld,lun=0", cdrom ? "scsi-cd" : "scsi-hd",
				idx);
			break;
		}
		if (d->bus != VM_BUS_VIRTIO)
			used[d->bus == VM_BUS_SCSI][idx] = true;
		if (d->source && images[i].n == 0) {
			free(opt_end(&o));
			return vm_error_set(err, VM_EXIT_SYSTEM, "disk '%s' was not opened", d->target);
		}
		if (d->source) {
			if (disk_blockdevs(a, d, &images[i], placeholders, &fdset, err) < 0) {
				free(opt_end(&o));
				return -1;
			}
			opt_add(&o, ",drive=%s", fmtname);
		}
		opt_add(&o, ",id=%s", d->target);
		if (d->serial)
			opt_val(&o, "serial", d->serial);
		if (vm_disk_share_rw(d))
			opt_add(&o, ",share-rw=on");
		if (d->source && !cdrom)
			opt_add(&o, ",write-cache=%s", wc ? "on" : "off");
		if (opt_push(a, "-device", &o, err) < 0)
			return -1;
	}
	return 0;
}

static int
iface_args(struct vm_argv *a, const struct vm_domain *dom, struct vm_error *err)
{
	for (size_t i = 0; i < dom->nifaces; i++) {
		const struct vm_iface *n = &dom->ifaces[i];
		const char *model = n->model ? n->model : "virtio";
		struct opt o = { 0 };

		if (strcmp(model, "virtio") == 0)
			model = "virtio-net-pci";
		else if (strcmp(model, "e1000") != 0 && strcmp(model, "rtl8139") != 0)
			return vm_error_set(err, VM_EXIT_INVALID, "unsupported interface model '%s'",
					    model);
		opt_add(&o, "user,id=hostnet%zu", i);
		if (opt_push(a, "-netdev", &o, err) < 0)
			return -1;
		opt_add(&o, "%s,netdev=hostnet%zu,id=net%zu", model, i, i);
		if (n->mac)
			opt_val(&o, "mac", n->mac);
		if (opt_push(a, "-device", &o, err) < 0)
			return -1;
	}
	return 0;
}

static int
chardev_args(struct vm_argv *a, const struct vm_domain *dom, struct vm_error *err)
{
	/* the parser has folded a <console> into serial port 0 */
	for (size_t port = 0; port < dom->nchardevs; port++) {
		const struct vm_chardev *c = &dom->chardevs[port];
		struct opt o = { 0 };

		if (port >= SERIAL_PORTS)
			return vm_error_set(err, VM_EXIT_INVALID, "too many serial ports (at most %d)",
					    SERIAL_PORTS);
		if (c->type == VM_CHR_PTY) {
			opt_add(&o, "pty,id=charserial%zu", port);
		} else if (!c->path) {
			return vm_error_set(err, VM_EXIT_INVALID, "serial port %zu has no path", port);
		} else {
			opt_add(&o, "%s,id=charserial%zu", c->type == VM_CHR_FILE ? "file" : "socket",
				port);
			opt_val(&o, "path", c->path);
			/* QEMU refuses "wait" on a connecting socket */
			if (c->type == VM_CHR_UNIX)
				opt_add(&o, c->listen ? ",server=on,wait=off" : ",server=off");
		}
		if (opt_push(a, "-chardev", &o, err) < 0)
			return -1;
		opt_add(&o, "isa-serial,chardev=charserial%zu,id=serial%zu", port, port);
		if (opt_push(a, "-device", &o, err) < 0)
			return -1;
	}
	return 0;
}

/*
 * Boot-time devices stay on pcie.0, where QEMU gives them free slots in
 * order; the root ports are there for hotplug. Like libvirt, we pack
 * eight root ports into each slot as functions of a multifunction
 * device, from ROOT_PORT_SLOT on, and emit them before any other device
 * so that their slots are still free.
 */
unsigned
vm_qemu_root_ports(const struct vm_domain *dom)
{
	return !vm_domain_is_q35(dom) ? 0 : dom->pcie_root_ports ? dom->pcie_root_ports : 4;
}

static int
root_port_args(struct vm_argv *a, const struct vm_domain *dom, struct vm_error *err)
{
	unsigned n = vm_qemu_root_ports(dom);

	/*
	 * QEMU 7.2 hotplugs through ACPI on q35 by default, which a guest
	 * without ACPI cannot answer: use native PCIe hotplug then. A port
	 * whose slot the guest never powered on (firmware only) also lets
	 * its device go at once on unplug.
	 */
	if (!dom->acpi &&
	    pushv(a, err, "-global", "ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off", NULL) < 0)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		struct opt o = { 0 };

		opt_add(&o, "pcie-root-port,id=pci.%u,bus=pcie.0,chassis=%u,port=0x%x,addr=0x%x.0x%x%s",
			i + 1, i + 1, 0x10 + i, ROOT_PORT_SLOT + i / 8, i % 8,
			i % 8 == 0 && i + 1 < n ? ",multifunction=on" : "");
		if (opt_push(a, "-device", &o, err) < 0)
			return -1;
	}
	return 0;
}

static int
base_args(struct vm_argv *a, const struct vm_domain *dom, const struct vm_conf *conf,
	  int monitor_fd, struct vm_error *err)
{
	const char *emu = dom->emulator ? dom->emulator : conf && conf->emulator ? conf->emulator :
			  dom->arch && strcmp(dom->arch, "i686") == 0 ?
			  "/usr/bin/qemu-system-i386" : "/usr/bin/qemu-system-x86_64";
	char uuid[UUID_STR_LEN], mem[32], smp[16];
	struct opt o = { 0 };

	if (dom->cpu_host_passthrough && !dom->kvm)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "cpu mode 'host-passthrough' needs domain type 'kvm'");
	uuid_unparse_lower(dom->uuid, uuid);
	opt_add(&o, "guest=");
	opt_esc(&o, dom->name);
	opt_add(&o, ",debug-threads=on");
	if (pushv(a, err, emu, NULL) < 0 || opt_push(a, "-name", &o, err) < 0 ||
	    pushv(a, err, "-uuid", uuid, "-S", "-nodefaults", "-no-user-config",
		  "-display", "none", "-msg", "timestamp=on", NULL) < 0)
		return -1;
	opt_esc(&o, dom->machine ? dom->machine : "pc");
	opt_add(&o, ",accel=%s,acpi=%s", dom->kvm ? "kvm" : "tcg", dom->acpi ? "on" : "off");
	if (opt_push(a, "-machine", &o, err) < 0)
		return -1;
	if (dom->cpu_host_passthrough && pushv(a, err, "-cpu", "host", NULL) < 0)
		return -1;
	/* "k": the exact KiB count, where "M" would round */
	snprintf(mem, sizeof(mem), "size=%lluk", dom->memory_kib);
	snprintf(smp, sizeof(smp), "%u", dom->vcpus ? dom->vcpus : 1);
	if (pushv(a, err, "-m", mem, "-smp", smp, NULL) < 0)
		return -1;
	if (conf && conf->seccomp_sandbox &&
	    pushv(a, err, "-sandbox",
		  "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny",
		  NULL) < 0)
		return -1;
	if (monitor_fd >= 0)
		opt_add(&o, "socket,id=charmonitor,fd=%d,server=on,wait=off", monitor_fd);
	else
		opt_add(&o, "socket,id=charmonitor,fd=<monitor>,server=on,wait=off");
	if (opt_push(a, "-chardev", &o, err) < 0 ||
	    pushv(a, err, "-mon", "chardev=charmonitor,id=monitor,mode=control", NULL) < 0)
		return -1;
	/* -kernel and friends take the whole argument: no comma escaping */
	if ((dom->kernel && pushv(a, err, "-kernel", dom->kernel, NULL) < 0) ||
	    (dom->initrd && pushv(a, err, "-initrd", dom->initrd, NULL) < 0) ||
	    (dom->cmdline && pushv(a, err, "-append", dom->cmdline, NULL) < 0))
		return -1;
	if (dom->boot[0]) {
		opt_add(&o, "order=%.*s", (int)sizeof(dom->boot), dom->boot);
		if (opt_push(a, "-boot", &o, err) < 0)
			return -1;
	}
	if (dom->on_poweroff == VM_POWEROFF_PRESERVE && pushv(a, err, "-no-shutdown", NULL) < 0)
		return -1;
	/* QEMU says why it shuts down in qemu.log, so that once it is gone a
	 * guest power-off can be told from a crash (vm_rundir_powered_off). */
	return pushv(a, err, "-trace", "enable=" VM_QEMU_SHUTDOWN_TRACE, NULL);
}

int
vm_qemu_argv(const struct vm_domain *dom, const struct vm_conf *conf, int monitor_fd,
	     const struct vm_image *images, struct vm_argv *argv, struct vm_error *err)
{
	struct vm_argv a = { 0 };

	if (base_args(&a, dom, conf, monitor_fd, err) < 0 ||
	    (vm_domain_is_q35(dom) && root_port_args(&a, dom, err) < 0) ||
	    disk_args(&a, dom, images, monitor_fd < 0, err) < 0 || iface_args(&a, dom, err) < 0 ||
	    chardev_args(&a, dom, err) < 0) {
		vm_argv_free(&a);
		return -1;
	}
	*argv = a;
	return 0;
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
	struct opt o = { 0 };

	opt_file(&o);
	for (size_t i = 0; i < argv->n; i++) {
		opt_add(&o, i ? " '" : "'");
		for (const char *p = argv->v[i]; o.f && *p; p++) {
			if (*p == '\'')
				fputs("'\\''", o.f);
			else
				fputc(*p, o.f);
		}
		opt_add(&o, "'");
	}
	return opt_end(&o);
}
