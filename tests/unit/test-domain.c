/*
 * Unit tests of the domain XML parser (lib/model/domain.c). Runs in a
 * scratch directory holding the disk files that the fixtures name
 * (disk.img, data.img, cd.iso, disk.qcow2), and reads
 * $VMKIT_SRCDIR/tests/fixtures/domains: every good-*.xml must parse and
 * every bad-*.xml must fail with the message on its first line,
 * "<!-- expect: LINE: <element>: message -->".
 */
#include "domain.h"
#include "exitcodes.h"
#include "tap.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char fixtures[PATH_MAX];

static bool
starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static void
touch(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f)
		fclose(f);
}

static char *
slurp(const char *path)
{
	static char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* A domain with TOP (line 5) and DEVICES (line 7) filled in. */
static int
parse_with(const char *top, const char *devices, struct vm_domain **dom, struct vm_error *err)
{
	char buf[8192];

	snprintf(buf, sizeof(buf),
		 "<domain type='kvm'>\n"
		 "  <name>t</name>\n"
		 "  <memory>1024</memory>\n"
		 "  <os><type>hvm</type></os>\n"
		 "%s\n"
		 "  <devices>\n"
		 "%s\n"
		 "  </devices>\n"
		 "</domain>\n",
		 top, devices);
	vm_error_clear(err);
	return vm_domain_parse(buf, strlen(buf), "t.xml", dom, err);
}

static int
parse_text(const char *text, struct vm_domain **dom, struct vm_error *err)
{
	vm_error_clear(err);
	return vm_domain_parse(text, strlen(text), "t.xml", dom, err);
}

static void
test_fixtures(void)
{
	struct dirent **names;
	int n = scandir(fixtures, &names, NULL, alphasort);

	ok(n > 2, "fixtures found in %s", fixtures);
	for (int i = 0; i < n; i++) {
		struct vm_error err = VM_ERROR_INIT;
		struct vm_domain *dom = NULL;
		const char *name = names[i]->d_name;
		char path[PATH_MAX + 256], want[PATH_MAX + 1024];
		const char *text, *expect, *end;

		snprintf(path, sizeof(path), "%s/%s", fixtures, name);
		if (starts(name, "good-")) {
			ok(vm_domain_load(path, NULL, &dom, &err) == 0, "%s parses: %s", name,
			   err.msg);
		} else if (starts(name, "bad-")) {
			text = slurp(path);
			expect = text ? strstr(text, "<!-- expect: ") : NULL;
			end = expect ? strstr(expect, " -->") : NULL;
			if (!end) {
				ok(0, "%s says what it expects", name);
				free(names[i]);
				continue;
			}
			expect += strlen("<!-- expect: ");
			snprintf(want, sizeof(want), "%s:%s%.*s", path,
				 expect[0] >= '0' && expect[0] <= '9' ? "" : " ",
				 (int)(end - expect), expect);
			ok(vm_domain_load(path, NULL, &dom, &err) == -1 &&
				   err.code == VM_EXIT_INVALID && starts(err.msg, want) && !dom,
			   "%s is rejected: %s", name, err.msg);
		}
		vm_domain_free(dom);
		free(names[i]);
	}
	free(names);
}

static void
test_full(void)
{
	char path[PATH_MAX + 64], uuid[37];
	struct vm_error err = VM_ERROR_INIT;
	struct vm_domain *d = NULL;

	snprintf(path, sizeof(path), "%s/good-full.xml", fixtures);
	if (vm_domain_load(path, NULL, &d, &err) < 0) {
		ok(0, "good-full.xml: %s", err.msg);
		return;
	}
	uuid_unparse_lower(d->uuid, uuid);
	ok(!strcmp(d->name, "full") && !strcmp(d->file, path), "name and file");
	ok(!strcmp(uuid, "4d3e2a5c-1f0b-4c8e-9a7d-6b5e4f3c2d1a"), "uuid %s", uuid);
	ok(d->kvm && d->memory_kib == 1048576 && d->vcpus == 2, "kvm, memory and vcpus");
	ok(!strcmp(d->arch, "x86_64") && !strcmp(d->machine, "q35"), "arch and machine");
	ok(!strcmp(d->boot, "cd"), "boot order 'cd': '%s'", d->boot);
	ok(d->acpi && d->cpu_host_passthrough && d->on_poweroff == VM_POWEROFF_DESTROY,
	   "acpi, host-passthrough, destroy on poweroff");
	ok(!strcmp(d->emulator, "/usr/bin/qemu-system-x86_64"), "emulator");
	ok(d->ndisks == 4, "4 disks");
	if (d->ndisks == 4) {
		struct vm_disk *k = d->disks;

		ok(k[0].type == VM_DISK_FILE && k[0].device == VM_DEVICE_DISK &&
			   k[0].format == VM_FORMAT_QCOW2 && k[0].cache == VM_CACHE_NONE &&
			   !strcmp(k[0].source, "disk.qcow2") && !strcmp(k[0].target, "vda") &&
			   k[0].bus == VM_BUS_VIRTIO && !k[0].readonly && !k[0].shareable &&
			   k[0].relabel && !strcmp(k[0].serial, "root-disk") && k[0].line == 32,
		   "disk 0 is a qcow2 virtio disk");
		ok(k[1].format == VM_FORMAT_RAW && k[1].bus == VM_BUS_SCSI && k[1].shareable &&
			   !k[1].relabel && k[1].cache == VM_CACHE_DEFAULT && !k[1].serial,
		   "disk 1 is a shareable scsi disk without relabelling");
		ok(k[2].device == VM_DEVICE_CDROM && k[2].bus == VM_BUS_SATA && k[2].readonly &&
			   !strcmp(k[2].source, "cd.iso"),
		   "disk 2 is a sata cdrom");
		ok(k[3].device == VM_DEVICE_CDROM && !k[3].source && k[3].readonly,
		   "disk 3 is an empty cdrom, readonly");
	}
	ok(vm_controller_root_ports(d) == 3 && d->ifaces[0].addr.bus == 1 &&
		   vm_controller_address(d, "scsi")->bus == 2 && d->disks[0].addr.bus == 3 &&
		   !vm_controller_hotplug_port(d, 3),
	   "2 pcie root ports and one more, as libvirt: the NIC on pci.1, scsi0 on pci.2, vda on pci.3");
	ok(d->nifaces == 1 && !strcmp(d->ifaces[0].model, "virtio") &&
		   !strcmp(d->ifaces[0].mac, "52:54:00:6b:3c:58"),
	   "a user interface");
	ok(d->nchardevs == 1 && d->chardevs[0].kind == VM_CHR_SERIAL &&
		   d->chardevs[0].type == VM_CHR_PTY,
	   "one pty serial: the console restates it");
	ok(d->nleases == 0, "no leases");
	ok(d->seclabel.type == VM_SECLABEL_DYNAMIC && d->seclabel.relabel && !d->seclabel.has_ids,
	   "dynamic dac seclabel");
	ok(d->xml && strlen(d->xml) == d->xml_len && strstr(d->xml, "<domain type=\"kvm\">"),
	   "the document is kept as text");
	vm_domain_free(d);
}

static void
test_kernel(void)
{
	char path[PATH_MAX + 64];
	struct vm_error err = VM_ERROR_INIT;
	struct vm_domain *d = NULL;

	snprintf(path, sizeof(path), "%s/good-kernel.xml", fixtures);
	if (vm_domain_load(path, NULL, &d, &err) < 0) {
		ok(0, "good-kernel.xml: %s", err.msg);
		return;
	}
	ok(!strcmp(d->name, "kernel-boot_1.0+x"), "name with '_.+-'");
	ok(!strcmp(d->arch, "i686") && !d->machine && !d->acpi && !d->cpu_host_passthrough,
	   "i686, default machine, no acpi");
	ok(d->memory_kib == 1024 * 1024 && d->vcpus == 1, "1 GiB and 1 vcpu");
	ok(!strcmp(d->kernel, "vmlinuz") && !strcmp(d->initrd, "initrd.img") &&
		   !strcmp(d->cmdline, "console=ttyS0 root=/dev/vda  quiet") && !d->boot[0],
	   "kernel, initrd and cmdline, no boot order");
	ok(d->on_poweroff == VM_POWEROFF_PRESERVE, "preserve on poweroff");
	ok(d->ndisks == 1 && d->disks[0].type == VM_DISK_FILE && d->disks[0].bus == VM_BUS_VIRTIO &&
		   d->disks[0].format == VM_FORMAT_RAW,
	   "disk type, format and bus default as in libvirt");
	ok(d->nchardevs == 2 && d->chardevs[0].type == VM_CHR_FILE &&
		   !strcmp(d->chardevs[0].path, "/tmp/vmkit-console.log") &&
		   d->chardevs[1].type == VM_CHR_UNIX && d->chardevs[1].listen &&
		   !strcmp(d->chardevs[1].path, "/tmp/vmkit-serial1.sock"),
	   "a file serial and a listening unix serial");
	ok(d->nleases == 1 && !strcmp(d->leases[0].lockspace, "cluster") &&
		   !strcmp(d->leases[0].key, "kernel-boot") &&
		   !strcmp(d->leases[0].path, "/srv/leases/kernel-boot") &&
		   d->leases[0].offset == 1048576,
	   "a lease");
	ok(d->seclabel.type == VM_SECLABEL_STATIC && d->seclabel.has_ids &&
		   d->seclabel.uid == 107 && d->seclabel.gid == 108 && d->seclabel.relabel,
	   "static seclabel +107:+108");
	vm_domain_free(d);
}

static void
test_memory(void)
{
	static const struct {
		const char *unit;
		const char *value;
		unsigned long long kib;
	} cases[] = {
		{ NULL, "1024", 1024 },	  { "b", "1048577", 1025 }, { "bytes", "2098176", 2049 },
		{ "KB", "2048", 2000 },	  { "k", "1031", 1031 },    { "KiB", "1031", 1031 },
		{ "MB", "2", 1954 },	  { "M", "2", 2048 },	    { "MiB", "2", 2048 },
		{ "GB", "1", 976563 },	  { "G", "1", 1048576 },    { "GiB", "1", 1048576 },
		{ "TB", "1", 976562500 }, { "T", "1", 1073741824 }, { "TiB", "1", 1073741824 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct vm_error err = VM_ERROR_INIT;
		struct vm_domain *d = NULL;
		char unit[64] = "", xml[512];

		if (cases[i].unit)
			snprintf(unit, sizeof(unit), " unit='%s'", cases[i].unit);
		snprintf(xml, sizeof(xml),
			 "<domain type='kvm'><name>m</name><memory%s>%s</memory>"
			 "<currentMemory%s>%s</currentMemory><os><type>hvm</type></os></domain>",
			 unit, cases[i].value, unit, cases[i].value);
		ok(parse_text(xml, &d, &err) == 0 && d->memory_kib == cases[i].kib,
		   "%s %s is %llu KiB: %llu %s", cases[i].value, cases[i].unit ? cases[i].unit : "",
		   cases[i].kib, d ? d->memory_kib : 0, err.msg);
		vm_domain_free(d);
	}
}

static void
test_defaults(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_domain *d = NULL, *again = NULL;
	char a[37], b[37];

	ok(parse_with("", "", &d, &err) == 0, "a minimal domain parses: %s", err.msg);
	if (!d)
		return;
	ok(!d->kvm == 0 && d->vcpus == 1 && !strcmp(d->arch, "x86_64") && !d->emulator &&
		   d->on_poweroff == VM_POWEROFF_DESTROY &&
		   d->seclabel.type == VM_SECLABEL_DYNAMIC && d->seclabel.relabel &&
		   !uuid_is_null(d->uuid),
	   "defaults: 1 vcpu, x86_64, destroy, dynamic seclabel, a generated uuid");
	ok(d->xml && parse_text(d->xml, &again, &err) == 0,
	   "the document with its generated uuid parses again: %s", err.msg);
	uuid_unparse(d->uuid, a);
	if (again)
		uuid_unparse(again->uuid, b);
	ok(again && !uuid_compare(d->uuid, again->uuid), "and keeps the uuid %s", a);
	ok(d->xml && strstr(d->xml, "<name>t</name>\n  <uuid>"),
	   "the uuid follows the name in the document");
	vm_domain_free(again);
	vm_domain_free(d);
}

/* The root must be a <domain>, which keeps its document. */
static void
test_root(void)
{
	static const char domain[] = "<domain type='qemu'>\n"
				     "  <name>s</name>\n"
				     "  <uuid>00000000-0000-0000-0000-000000000001</uuid>\n"
				     "  <memory>1024</memory><os><type>hvm</type></os>\n"
				     "</domain>\n";
	static const char wrapped[] = "<vmkit pid='1'>\n"
				      "  <domain type='qemu'>\n"
				      "    <name>s</name>\n"
				      "    <memory>1024</memory><os><type>hvm</type></os>\n"
				      "  </domain>\n"
				      "</vmkit>\n";
	struct vm_error err = VM_ERROR_INIT;
	struct vm_domain *d = NULL;

	ok(parse_text(domain, &d, &err) == 0 && d->xml &&
		   strstr(d->xml, "\n<domain type=\"qemu\">") && !strcmp(d->name, "s"),
	   "vm_domain_parse reads a <domain> and keeps its document: %s", err.msg);
	vm_domain_free(d);
	ok(parse_text(wrapped, &d, &err) == -1 && !d && err.code == VM_EXIT_INVALID &&
		   !strcmp(err.msg, "t.xml: expected a <domain> element"),
	   "a <domain> inside another element is not one: %s", err.msg);
}

static void
test_chardevs(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_domain *d = NULL;

	ok(parse_with("",
		      "<console type='unix'><source mode='connect' path='/run/c.sock'/></console>",
		      &d, &err) == 0 &&
		   d->nchardevs == 1 && d->chardevs[0].kind == VM_CHR_SERIAL &&
		   d->chardevs[0].type == VM_CHR_UNIX && !d->chardevs[0].listen,
	   "a console without a serial becomes serial port 0: %s", err.msg);
	vm_domain_free(d);
	ok(parse_with("",
		      "<serial/><serial type='pty'><target port='1'/></serial><serial/><serial/>",
		      &d, &err) == 0 &&
		   d->nchardevs == 4,
	   "four serial ports, type pty by default: %s", err.msg);
	vm_domain_free(d);
}

/* Limits of QEMU's devices, refused with the file and line before vm-start changes anything. */
/* Addresses on q35, whose pcie.0 has the ICH9 and whose root ports take one device. */
static void
test_q35_addresses(void)
{
	static const struct {
		const char *devices, *msg;
	} cases[] = {
		{ "<memballoon model='virtio'><address type='pci' slot='0x1f' function='3'/></memballoon>",
		  "t.xml:7: <address>: slot 0x1f of pcie.0 is the ICH9's" },
		{ "<controller type='sata' index='0'><address type='pci' slot='0x1e'/></controller>",
		  "t.xml:7: <address>: q35's sata controller is at slot 0x1f function 2" },
		{ "<controller type='pci' index='1' model='pcie-root-port'/>\n"
		  "<memballoon model='virtio'><address type='pci' bus='1' slot='1'/></memballoon>",
		  "t.xml:8: <address>: a pcie-root-port (bus 1) has slot 0 only, not 1" },
		{ "<controller type='pci' index='1' model='pcie-root-port'/>\n"
		  "<controller type='pci' index='2' model='pcie-root-port'><address type='pci' bus='1' slot='0'/></controller>",
		  "t.xml:8: <address>: a pcie-root-port sits on pcie.0, not on bus 1" },
		{ "<controller type='pci' index='1' model='dmi-to-pci-bridge'/>\n"
		  "<memballoon model='virtio'><address type='pci' bus='1' slot='1'/></memballoon>",
		  "t.xml:8: <address>: a dmi-to-pci-bridge (bus 1) takes pci-bridges only" },
		{ "<controller type='pci' index='1' model='pci-bridge'><address type='pci' slot='5'/></controller>",
		  "t.xml:7: <address>: a pci-bridge sits on a pcie-to-pci-bridge or dmi-to-pci-bridge" },
		{ "<controller type='pci' index='1' model='pcie-root-port'/>\n"
		  "<controller type='pci' index='1' model='pcie-root-port'/>",
		  "t.xml:8: <controller>: a pci controller of index 1 comes before" },
		{ "<watchdog model='itco'><address type='pci' slot='5'/></watchdog>",
		  "t.xml:7: <address>: vmkit gives <watchdog> no address: remove <address>" },
	};
	struct vm_error err = VM_ERROR_INIT;
	struct vm_domain *d = NULL;
	char xml[2048];

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		snprintf(xml, sizeof(xml),
			 "<domain type='kvm'>\n<name>t</name>\n<memory>1024</memory>\n"
			 "<os><type machine='q35'>hvm</type></os>\n\n<devices>\n%s\n</devices>\n"
			 "</domain>\n",
			 cases[i].devices);
		ok(parse_text(xml, &d, &err) == -1 && err.code == VM_EXIT_INVALID &&
			   starts(err.msg, cases[i].msg),
		   "q35: rejected with \"%s\": got \"%s\"", cases[i].msg, err.msg);
		vm_domain_free(d);
		d = NULL;
	}
	snprintf(xml, sizeof(xml),
		 "<domain type='kvm'>\n<name>t</name>\n<memory>1024</memory>\n"
		 "<os><type machine='q35'>hvm</type></os>\n<devices>\n"
		 "<controller type='pci' model='pcie-root-port'/>\n"
		 "<controller type='pci' model='pcie-root-port'/>\n"
		 "<controller type='usb' model='none'/>\n"
		 "<memballoon model='virtio'><address type='pci' bus='0x01' slot='0'/></memballoon>\n"
		 "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>\n"
		 "</devices>\n</domain>\n");
	ok(parse_text(xml, &d, &err) == 0 && d->rngs[0].addr.bus == 2 &&
		   !vm_controller_hotplug_port(d, 1) && !vm_controller_hotplug_port(d, 2) &&
		   vm_controller_pci(d, 2)->addr.slot == 1 &&
		   vm_controller_pci(d, 2)->addr.function == 1 &&
		   vm_controller_pci(d, 1)->addr.multifunction,
	   "q35: root ports packed in slot 1, the rng on the free one, neither free for hotplug: %s",
	   err.msg);
	vm_domain_free(d);
	d = NULL;
	snprintf(xml, sizeof(xml),
		 "<domain type='kvm'>\n<name>t</name>\n<memory>1024</memory>\n"
		 "<os><type machine='q35'>hvm</type></os>\n<devices>\n"
		 "<interface type='user'><model type='e1000'/></interface>\n"
		 "</devices>\n</domain>\n");
	ok(parse_text(xml, &d, &err) == 0 && vm_controller_last_pci(d) == 5 &&
		   vm_controller_pci(d, 2)->kind == VM_CONTROLLER_PCIE_PCI &&
		   vm_controller_pci(d, 2)->addr.bus == 1 && d->ifaces[0].addr.bus == 2 &&
		   d->ifaces[0].addr.slot == 1 && vm_controller_pci(d, 3)->used &&
		   vm_controller_pci(d, 4)->used && vm_controller_hotplug_port(d, 5) &&
		   !vm_controller_hotplug_port(d, 1),
	   "q35 without root ports: libvirt's, an e1000 on a pcie-to-pci-bridge, one port free: %s",
	   err.msg);
	vm_domain_free(d);
}

/*
 * libvirt 9.0's SCSI addresses: what virsh dumpxml writes is accepted,
 * a disk beyond a controller's 7 units gets libvirt's next controller,
 * and controllers without an index are numbered 0, 1, ... by type.
 */
static void
test_scsi_addresses(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_domain *d = NULL;
	struct vm_address a;

	ok(parse_with("",
		      "<controller type='scsi' index='0' model='virtio-scsi'/>"
		      "<disk><source file='disk.img'/><target dev='sda' bus='scsi'/>"
		      "<address type='drive' controller='0' bus='0' target='0' unit='0'/></disk>"
		      "<disk><source file='disk.img'/><target dev='sdb' bus='scsi'/>"
		      "<address type='drive' controller='0' bus='0' target='0' unit='1'/></disk>"
		      "<disk><source file='disk.img'/><target dev='sdc' bus='scsi'/></disk>",
		      &d, &err) == 0,
	   "virsh dumpxml's addresses of two virtio-scsi disks, target 0 units 0 and 1: %s",
	   err.msg);
	if (d) {
		vm_disk_scsi_address(&d->disks[2], &a);
		ok(a.controller == 0 && a.bus == 0 && a.target == 0 && a.unit == 2,
		   "sdc without an address is unit 2 of target 0");
	}
	vm_domain_free(d);
	d = NULL;
	ok(parse_with("",
		      "<controller type='scsi' model='virtio-scsi'/>"
		      "<disk><source file='disk.img'/><target dev='sdo' bus='scsi'/></disk>",
		      &d, &err) == 0 &&
		   d->ncontrollers == 4 && vm_controller_find(d, "scsi", 0) &&
		   !vm_controller_find(d, "scsi", 0)->lsi &&
		   vm_controller_find(d, "scsi", 1)->lsi && vm_controller_find(d, "scsi", 2)->lsi &&
		   !vm_controller_find(d, "scsi", 3),
	   "sdo is unit 0 of controller 2: libvirt adds lsi controllers 1 and 2 after the usb one: %s",
	   err.msg);
	if (d)
		ok(!strcmp(d->controllers[1].type, "usb") && d->controllers[2].index == 1 &&
			   d->controllers[3].index == 2,
		   "in libvirt's order: written, usb, then the scsi ones");
	vm_domain_free(d);
	d = NULL;
	ok(parse_with("",
		      "<controller type='scsi' model='virtio-scsi'/>"
		      "<controller type='scsi'/>"
		      "<controller type='virtio-serial'/>"
		      "<controller type='virtio-serial' ports='4'/>",
		      &d, &err) == 0 &&
		   !vm_controller_find(d, "scsi", 0)->lsi &&
		   vm_controller_find(d, "scsi", 1)->lsi &&
		   vm_controller_find(d, "virtio-serial", 1) &&
		   vm_controller_find(d, "virtio-serial", 1)->ports == 4,
	   "two scsi and two virtio-serial controllers without an index are 0 and 1: %s", err.msg);
	vm_domain_free(d);
	d = NULL;
	ok(parse_with("",
		      "<controller type='scsi' index='1'/>"
		      "<controller type='scsi' model='virtio-scsi'/>"
		      "<controller type='scsi' model='virtio-scsi'/>",
		      &d, &err) == 0 &&
		   vm_controller_find(d, "scsi", 1)->lsi &&
		   !vm_controller_find(d, "scsi", 0)->lsi && !vm_controller_find(d, "scsi", 2)->lsi,
	   "an unindexed controller takes the first free index: %s", err.msg);
	vm_domain_free(d);
}

static void
test_limits(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_domain *d = NULL;
	struct vm_disk disk;
	char path[200], xml[8192], devices[8192] = "";
	size_t len;

	ok(parse_with("",
		      "<disk><source file='disk.img'/><target dev='sdf' bus='sata'/></disk>"
		      "<controller type='scsi' model='virtio-scsi'/>"
		      "<disk><source file='disk.img'/><target dev='sdg'/></disk>",
		      &d, &err) == 0 &&
		   d->disks[1].addr.type == VM_ADDRESS_NONE && !vm_controller_find(d, "scsi", 1),
	   "sata sdf is the last port, scsi sdg the last unit of controller 0: %s", err.msg);
	vm_domain_free(d);
	d = NULL;
	ok(parse_with("", "<disk><source file='disk.img'/><target dev='sdh'/></disk>", &d, &err) ==
			   0 &&
		   vm_controller_find(d, "scsi", 0) && vm_controller_find(d, "scsi", 0)->lsi &&
		   vm_controller_find(d, "scsi", 1) && vm_controller_find(d, "scsi", 1)->lsi &&
		   !vm_controller_find(d, "scsi", 2),
	   "sdh is unit 0 of scsi controller 1: libvirt adds lsi controllers 0 and 1: %s", err.msg);
	vm_domain_free(d);
	snprintf(xml, sizeof(xml), "<disk><target dev='sdg' bus='sata'/></disk>");
	ok(vm_disk_parse(xml, strlen(xml), "d.xml", &disk, &err) == -1 &&
		   err.code == VM_EXIT_INVALID &&
		   !strcmp(err.msg,
			   "d.xml:1: <target>: target dev 'sdg' has no sata port (expected sda to sdf)"),
	   "a lone <disk> has the same limits: %s", err.msg);

	/* sun_path holds 107 bytes and the NUL */
	memset(path, 'a', sizeof(path));
	path[0] = '/';
	path[107] = '\0';
	snprintf(xml, sizeof(xml), "<serial type='unix'><source path='%s'/></serial>", path);
	ok(parse_with("", xml, &d, &err) == 0, "a unix socket path of 107 bytes: %s", err.msg);
	vm_domain_free(d);
	path[107] = 'a';
	path[108] = '\0';
	snprintf(xml, sizeof(xml), "<serial type='unix'><source path='%s'/></serial>", path);
	ok(parse_with("", xml, &d, &err) == -1 && err.code == VM_EXIT_INVALID &&
		   starts(err.msg, "t.xml:7: <source>: unix socket path '/aaa") &&
		   strstr(err.msg, "' is too long (at most 107 bytes)"),
	   "a unix socket path of 108 bytes is too long: %s", err.msg);
	snprintf(xml, sizeof(xml), "<console type='unix'><source path='%s'/></console>", path);
	ok(parse_with("", xml, &d, &err) == -1 &&
		   starts(err.msg, "t.xml:7: <source>: unix socket path '/aaa"),
	   "in a console too: %s", err.msg);
	snprintf(xml, sizeof(xml), "<serial type='file'><source path='%s'/></serial>", path);
	ok(parse_with("", xml, &d, &err) == 0, "a file path may be longer: %s", err.msg);
	vm_domain_free(d);

	/* one controller a line, from line 6: the 129th is on line 134 */
	for (int i = 0; i < 129; i++) {
		len = strlen(devices);
		snprintf(devices + len, sizeof(devices) - len,
			 "<controller type='pci' model='pcie-root-port'/>\n");
	}
	snprintf(xml, sizeof(xml),
		 "<domain type='kvm'>\n<name>t</name>\n<memory>1024</memory>\n"
		 "<os><type machine='pc-q35-7.2'>hvm</type></os>\n<devices>\n%s</devices>\n</domain>\n",
		 devices);
	ok(parse_text(xml, &d, &err) == -1 && err.code == VM_EXIT_INVALID &&
		   !strcmp(err.msg,
			   "t.xml:134: <controller>: too many pcie-root-port controllers (at most 128)"),
	   "129 pcie-root-ports are too many: %s", err.msg);
	devices[strlen(devices) - strlen("<controller type='pci' model='pcie-root-port'/>\n")] =
		'\0';
	snprintf(xml, sizeof(xml),
		 "<domain type='kvm'>\n<name>t</name>\n<memory>1024</memory>\n"
		 "<devices>\n%s</devices>\n<os><type machine='q35'>hvm</type></os>\n</domain>\n",
		 devices);
	ok(parse_text(xml, &d, &err) == 0 && vm_controller_root_ports(d) == 128,
	   "128 are not, and <os> may come after <devices>: %s", err.msg);
	vm_domain_free(d);
}

static void
test_block(void)
{
	static const char *const devs[] = { "/dev/loop0", "/dev/vda", "/dev/sda", "/dev/nvme0n1",
					    "/dev/zram0" };
	struct vm_error err = VM_ERROR_INIT;
	struct vm_disk disk;
	struct stat st;
	char xml[256];

	for (size_t i = 0; i < sizeof(devs) / sizeof(*devs); i++) {
		if (stat(devs[i], &st) < 0 || !S_ISBLK(st.st_mode))
			continue;
		snprintf(xml, sizeof(xml),
			 "<disk type='block'><source dev='%s'/><target dev='sdb' bus='sata'/></disk>",
			 devs[i]);
		ok(vm_disk_parse(xml, strlen(xml), "d.xml", &disk, &err) == 0 &&
			   disk.type == VM_DISK_BLOCK && !strcmp(disk.source, devs[i]),
		   "a block disk on %s: %s", devs[i], err.msg);
		vm_disk_clear(&disk);
		snprintf(xml, sizeof(xml),
			 "<disk type='file'>\n<source file='%s'/><target dev='vdb'/></disk>",
			 devs[i]);
		ok(vm_disk_parse(xml, strlen(xml), "d.xml", &disk, &err) == -1 &&
			   err.code == VM_EXIT_INVALID &&
			   strstr(err.msg, "d.xml:2: <source>: disk '") &&
			   strstr(err.msg, "' is not a regular file"),
		   "type 'file' wants a regular file: %s", err.msg);
		return;
	}
	printf("ok %d # SKIP no block device to test type='block' with\n", ++tap_n);
}

static void
test_disk_parse(void)
{
	static const char good[] = "<disk type='file' device='cdrom'>\n"
				   "  <driver name='qemu' type='raw' cache='writethrough'/>\n"
				   "  <source file='cd.iso'/>\n"
				   "  <target dev='sdb' bus='scsi'/>\n"
				   "</disk>\n";
	static const char empty[] = "<disk device='cdrom'><target dev='sdb'/></disk>";
	static const char dom[] = "<domain type='kvm'/>";
	static const char bad[] =
		"<disk>\n<source file='disk.img'/><target dev='vdb'/><boot order='1'/></disk>";
	struct vm_error err = VM_ERROR_INIT;
	struct vm_disk disk;

	ok(vm_disk_parse(good, sizeof(good) - 1, "d.xml", &disk, &err) == 0 &&
		   disk.device == VM_DEVICE_CDROM && disk.readonly && disk.bus == VM_BUS_SCSI &&
		   disk.cache == VM_CACHE_WRITETHROUGH && !strcmp(disk.source, "cd.iso") &&
		   disk.line == 1,
	   "vm_disk_parse reads a cdrom: %s", err.msg);
	vm_disk_clear(&disk);
	ok(vm_disk_parse(empty, sizeof(empty) - 1, "d.xml", &disk, &err) == 0 && !disk.source &&
		   disk.bus == VM_BUS_SCSI,
	   "vm_disk_parse reads an empty cdrom: %s", err.msg);
	vm_disk_clear(&disk);
	ok(vm_disk_parse(dom, sizeof(dom) - 1, "d.xml", &disk, &err) == -1 &&
		   err.code == VM_EXIT_INVALID &&
		   !strcmp(err.msg, "d.xml: expected a <disk> element"),
	   "vm_disk_parse wants a <disk>: %s", err.msg);
	ok(vm_disk_parse(bad, sizeof(bad) - 1, "d.xml", &disk, &err) == -1 &&
		   err.code == VM_EXIT_INVALID &&
		   !strcmp(err.msg,
			   "d.xml:2: <boot>: vmkit gives a hotplugged disk no boot order: remove <boot>") &&
		   !disk.source && !disk.target,
	   "vm_disk_parse rejects what a domain's disk does: %s", err.msg);
}

/* The rules of disk.c, as vm-attach's command line meets them: no file or line. */
static void
test_disk_rules(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_disk d = { 0 };

	ok(vm_disk_set_target(&d, "sdb", NULL, &err) == 0 && d.bus == VM_BUS_SCSI &&
		   !strcmp(d.target, "sdb"),
	   "sd* is scsi by default: %s", err.msg);
	ok(vm_disk_set_target(&d, "hdd", NULL, &err) == 0 && d.bus == VM_BUS_IDE,
	   "hd* is ide by default: %s", err.msg);
	ok(vm_disk_set_target(&d, "hde", NULL, &err) == -1 && err.code == VM_EXIT_INVALID &&
		   !strcmp(err.msg, "target dev 'hde' has no ide unit (expected hda to hdd)"),
	   "ide has two channels of two units: %s", err.msg);
	ok(vm_disk_set_target(&d, "fdb", NULL, &err) == 0 && d.bus == VM_BUS_FDC,
	   "fd* is fdc by default: %s", err.msg);
	ok(vm_disk_set_target(&d, "fdc", NULL, &err) == -1 &&
		   !strcmp(err.msg, "target dev 'fdc' has no floppy drive (expected fda or fdb)"),
	   "fdc has two drives: %s", err.msg);
	ok(vm_disk_set_target(&d, "sdj", "usb", &err) == 0 && d.bus == VM_BUS_USB, "sd* on usb: %s",
	   err.msg);
	ok(vm_disk_set_target(&d, "xda", NULL, &err) == -1 && err.code == VM_EXIT_INVALID &&
		   !strcmp(err.msg,
			   "unsupported target dev 'xda' (expected vd* for virtio, sd* for sata, scsi or usb, hd* for ide, fd* for fdc)"),
	   "xd* is refused: %s", err.msg);
	ok(vm_disk_set_target(&d, "vdb", "xen", &err) == -1 &&
		   !strcmp(err.msg,
			   "invalid bus 'xen' (expected virtio, scsi, sata, ide, usb or fdc)"),
	   "an unknown bus is refused: %s", err.msg);
	ok(vm_disk_set_target(&d, "sdg", "sata", &err) == -1 &&
		   !strcmp(err.msg, "target dev 'sdg' has no sata port (expected sda to sdf)"),
	   "sata has 6 ports: %s", err.msg);
	ok(vm_disk_set_target(&d, "sdb", "sata", &err) == 0 && d.bus == VM_BUS_SATA, "sdb on sata");
	d.readonly = true;
	ok(vm_disk_finish(&d, &err) == -1 &&
		   !strcmp(err.msg, "a readonly disk cannot be on bus 'sata' (use scsi or virtio)"),
	   "a readonly disk on sata is refused: %s", err.msg);
	d.device = VM_DEVICE_CDROM;
	d.readonly = false;
	ok(vm_disk_finish(&d, &err) == 0 && d.readonly, "a cdrom on sata is made readonly: %s",
	   err.msg);
	ok(vm_disk_set_source(&d, "cd.iso", true, &err) == 0 && d.type == VM_DISK_FILE &&
		   !strcmp(d.source, "cd.iso"),
	   "a regular file is a file disk: %s", err.msg);
	ok(vm_disk_set_source(&d, ".", true, &err) == -1 &&
		   !strcmp(err.msg, "disk '.' is not a regular file or a block device"),
	   "a directory is no disk: %s", err.msg);
	vm_disk_clear(&d);
}

static void
test_names(void)
{
	static const char *const good[] = { "a", "A-9_x.y+z", "x-" };
	static const struct {
		const char *name, *msg;
	} bad[] = {
		{ "", "invalid domain name '': it must have 1 to 64 characters" },
		{ "a234567890123456789012345678901234567890123456789012345678901234x",
		  "invalid domain name 'a2" },
		{ ".a", "invalid domain name '.a': it must not start with '.' or '-'" },
		{ "-a", "invalid domain name '-a': it must not start with '.' or '-'" },
		{ "a b", "invalid domain name 'a b': only letters, digits and '_.+-' are allowed" },
		{ "a/b", "invalid domain name 'a/b': only letters" },
		{ "caf\xc3\xa9", "invalid domain name 'caf" },
	};
	struct vm_error err = VM_ERROR_INIT;

	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
		ok(vm_domain_check_name(good[i], &err) == 0, "name '%s' is valid", good[i]);
	ok(vm_domain_check_name("a234567890123456789012345678901234567890123456789012345678901234",
				&err) == 0,
	   "a name of 64 characters is valid");
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		ok(vm_domain_check_name(bad[i].name, &err) == -1 && err.code == VM_EXIT_INVALID &&
			   starts(err.msg, bad[i].msg),
		   "name '%s' is invalid: %s", bad[i].name, err.msg);
}

/* Top-level snippets land on line 5, device snippets on line 7. */
/* Ten USB tablets, for more USB devices than the hubs vmkit adds have ports */
#define USB_TABLETS_10                                                                             \
	"<input type='tablet' bus='usb'/><input type='tablet' bus='usb'/>"                         \
	"<input type='tablet' bus='usb'/><input type='tablet' bus='usb'/>"                         \
	"<input type='tablet' bus='usb'/><input type='tablet' bus='usb'/>"                         \
	"<input type='tablet' bus='usb'/><input type='tablet' bus='usb'/>"                         \
	"<input type='tablet' bus='usb'/><input type='tablet' bus='usb'/>"

static const struct bad {
	const char *top, *devices, *msg;
} bads[] = {
	{ "<vcpu>0</vcpu>", "",
	  "t.xml:5: <vcpu>: invalid vcpu count '0' (expected an integer from 1 to 255)" },
	{ "<vcpu>256</vcpu>", "", "t.xml:5: <vcpu>: invalid vcpu count '256'" },
	{ "<vcpu>two</vcpu>", "", "t.xml:5: <vcpu>: invalid vcpu count 'two'" },
	{ "<vcpu placement='auto'>2</vcpu>", "",
	  "t.xml:5: <vcpu>: unsupported placement 'auto' (expected static)" },
	{ "<vcpu placement='auto'>2</vcpu>", "",
	  "t.xml:5: <vcpu>: unsupported placement 'auto' (expected static)" },
	{ "<uuid>not-a-uuid</uuid>", "", "t.xml:5: <uuid>: invalid uuid 'not-a-uuid'" },
	{ "<title><b>x</b></title>", "", "t.xml:5: <b>: unsupported element" },
	{ "<currentMemory unit='pages'>1</currentMemory>", "",
	  "t.xml:5: <currentMemory>: unsupported unit 'pages'" },
	{ "<currentMemory>0</currentMemory>", "", "t.xml:5: <currentMemory>: invalid size '0'" },
	{ "<currentMemory unit='EiB'>99999</currentMemory>", "",
	  "t.xml:5: <currentMemory>: size '99999' EiB is outside 1 MiB to 16 TiB" },
	{ "<currentMemory>-1</currentMemory>", "", "t.xml:5: <currentMemory>: invalid size '-1'" },
	{ "<currentMemory dumpCore='on'>1024</currentMemory>", "",
	  "t.xml:5: <currentMemory>: unsupported attribute 'dumpCore'" },
	{ "<maxMemory slots='16'>4096</maxMemory>", "",
	  "t.xml:5: <maxMemory>: unsupported element" },
	{ "<on_poweroff>restart</on_poweroff>", "",
	  "t.xml:5: <on_poweroff>: unsupported value 'restart': QEMU cannot do it alone" },
	{ "<on_crash>coredump-destroy</on_crash>", "",
	  "t.xml:5: <on_crash>: unsupported value 'coredump-destroy': QEMU cannot do it alone" },
	{ "<clock/>", "", "t.xml:5: <clock>: missing attribute 'offset'" },
	{ "<cpu mode='host-passthrough'><topology sockets='2'/></cpu>", "",
	  "t.xml:1: <domain>: <topology> of 2 sockets, 1 dies, 1 cores and 1 threads does not make "
	  "the 1 vcpus" },
	{ "<vcpu>4</vcpu><cpu><topology sockets='2' cores='2' threads='2'/></cpu>", "",
	  "t.xml:1: <domain>: <topology> of 2 sockets, 1 dies, 2 cores and 2 threads does not make "
	  "the 4 vcpus" },
	{ "<cpu><topology sockets='0'/></cpu>", "", "t.xml:5: <topology>: invalid sockets '0'" },
	{ "<cpu><topology clusters='1'/></cpu>", "",
	  "t.xml:5: <topology>: unsupported attribute 'clusters'" },
	{ "<cpu mode='host-passthrough' check='strict'/>", "",
	  "t.xml:5: <cpu>: unsupported check 'strict' (expected none, partial or full)" },
	{ "<cpu mode='custom' migratable='off'><model>qemu64</model></cpu>", "",
	  "t.xml:5: <cpu>: attribute 'migratable' is only for mode 'host-passthrough'" },
	{ "<cpu mode='maximum'/>", "",
	  "t.xml:5: <cpu>: unsupported mode 'maximum' (expected custom, host-model or host-passthrough)" },
	{ "<cpu><feature policy='require' name='ssbd'/></cpu>", "",
	  "t.xml:5: <cpu>: a <feature> needs a <model>" },
	{ "<cpu><model>Sky lake</model></cpu>", "",
	  "t.xml:5: <model>: invalid model 'Sky lake' (expected QEMU's name of a CPU model)" },
	{ "<cpu><model>qemu64</model><feature policy='want' name='ssbd'/></cpu>", "",
	  "t.xml:5: <feature>: unsupported policy 'want'" },
	{ "<cpu><model>qemu64</model><feature policy='require' name='a,b'/></cpu>", "",
	  "t.xml:5: <feature>: invalid feature name 'a,b'" },
	{ "<cpu mode='host-passthrough'><model>qemu64</model></cpu>", "",
	  "t.xml:5: <model>: mode 'host-passthrough' has no model" },
	{ "<cpu><numa/></cpu>", "", "t.xml:5: <numa>: missing <cell>" },
	{ "<cpu><cache mode='passthrough'/></cpu>", "", "t.xml:5: <cache>: unsupported element" },
	{ "", "<disk><source file='disk.img'/><target dev='sda' bus='sata'/><readonly/></disk>",
	  "t.xml:7: <disk>: a readonly disk cannot be on bus 'sata' (use scsi or virtio)" },
	{ "<features><apic eoi='maybe'/></features>", "",
	  "t.xml:5: <apic>: unsupported eoi 'maybe' (expected on or off)" },
	{ "<pm><suspend-to-mem/></pm>", "",
	  "t.xml:5: <suspend-to-mem>: missing attribute 'enabled'" },
	{ "<pm><suspend-to-ram enabled='no'/></pm>", "",
	  "t.xml:5: <suspend-to-ram>: unsupported element" },
	{ "<on_reboot>destroy</on_reboot><on_poweroff>preserve</on_poweroff>", "",
	  "t.xml:1: <domain>: on_reboot 'destroy' with on_poweroff 'preserve': QEMU would keep" },
	{ "<on_reboot>rename-restart</on_reboot>", "",
	  "t.xml:5: <on_reboot>: unsupported value 'rename-restart': QEMU cannot do it alone" },
	{ "<on_crash>restart</on_crash>", "",
	  "t.xml:5: <on_crash>: unsupported value 'restart': QEMU cannot do it alone" },
	{ "<vcpu current='3'>2</vcpu>", "",
	  "t.xml:5: <vcpu>: current '3' is more than the 2 vcpus" },
	{ "<vcpu current='0'>2</vcpu>", "", "t.xml:5: <vcpu>: invalid current '0'" },
	{ "<vcpu cpuset='1-'>2</vcpu>", "",
	  "t.xml:5: <vcpu>: invalid cpuset '1-' (expected CPUs 0 to 1023 such as '0-3,^2,6')" },
	{ "<vcpu cpuset='3-1'>2</vcpu>", "", "t.xml:5: <vcpu>: invalid cpuset '3-1'" },
	{ "<vcpu cpuset='1024'>2</vcpu>", "", "t.xml:5: <vcpu>: invalid cpuset '1024'" },
	{ "<vcpu cpuset='0,'>2</vcpu>", "", "t.xml:5: <vcpu>: invalid cpuset '0,'" },
	{ "<vcpu cpuset='^1-2'>2</vcpu>", "", "t.xml:5: <vcpu>: invalid cpuset '^1-2'" },
	{ "<vcpu cpuset='0,^0'>2</vcpu>", "", "t.xml:5: <vcpu>: cpuset '0,^0' leaves no CPU" },
	{ "<clock offset='utc' adjustment='10'/>", "",
	  "t.xml:5: <clock>: attribute 'adjustment' is only for offset 'variable'" },
	{ "<clock offset='variable' adjustment='1e3'/>", "",
	  "t.xml:5: <clock>: invalid adjustment '1e3' (expected seconds, at most a century)" },
	{ "<clock offset='variable' adjustment='-3200000000'/>", "",
	  "t.xml:5: <clock>: invalid adjustment" },
	{ "<clock offset='utc'><timer name='platform'/></clock>", "",
	  "t.xml:5: <timer>: unsupported name 'platform' (expected rtc, pit, hpet, kvmclock, hypervclock or tsc)" },
	{ "<clock offset='utc'><timer name='hpet' tickpolicy='delay'><catchup slew='1'/></timer></clock>",
	  "", "t.xml:5: <timer>: timer 'hpet': <catchup> needs tickpolicy='catchup'" },
	{ "<clock offset='utc'><timer name='rtc' tickpolicy='catchup'><catchup limit='-1'/></timer></clock>",
	  "", "t.xml:5: <catchup>: invalid limit '-1'" },
	{ "<memoryBacking><source type='file'/></memoryBacking>", "",
	  "t.xml:5: <source>: type 'file': vmkit keeps no memory files; use type 'memfd'" },
	{ "<memoryBacking><locked/></memoryBacking>", "",
	  "t.xml:5: <locked>: unsupported element: QEMU runs without CAP_IPC_LOCK" },
	{ "<memoryBacking><hugepages><page size='2048' nodeset='0'/></hugepages></memoryBacking>",
	  "", "t.xml:5: <page>: unsupported attribute 'nodeset'" },
	{ "<memoryBacking><hugepages><page size='2048'/><page size='1' unit='G'/></hugepages>"
	  "</memoryBacking>",
	  "", "t.xml:5: <page>: a second <page>: vmkit backs the guest with one page size" },
	{ "<memoryBacking><hugepages><page size='3'/></hugepages></memoryBacking>", "",
	  "t.xml:5: <hugepages>: this host has no pages of 3 KiB (/sys/kernel/mm/hugepages lists" },
	{ "<currentMemory>1025</currentMemory>", "",
	  "t.xml:5: <currentMemory>: 1025 KiB is more than <memory>" },
	{ "<cputune><vcpupin vcpu='1' cpuset='0'/></cputune>", "",
	  "t.xml:1: <domain>: <vcpupin> of vcpu 1: the domain has 1 vcpus" },
	{ "<cputune><vcpupin vcpu='0' cpuset='0'/><vcpupin vcpu='0' cpuset='1'/></cputune>", "",
	  "t.xml:5: <vcpupin>: vcpu 0 is pinned twice" },
	{ "<cputune><emulatorpin cpuset='1-0'/></cputune>", "",
	  "t.xml:5: <emulatorpin>: invalid cpuset '1-0'" },
	{ "<cputune><shares>2048</shares></cputune>", "",
	  "t.xml:5: <shares>: unsupported element: a cgroup limit of libvirt's; vmkit makes no "
	  "cgroups: run vm-start under systemd-run" },
	{ "<cputune><iothreadpin iothread='1' cpuset='0'/></cputune>", "",
	  "t.xml:5: <iothreadpin>: unsupported element" },
	{ "<iothreads>65</iothreads>", "", "t.xml:5: <iothreads>: invalid iothreads '65'" },
	{ "<numatune><memory mode='strict' nodeset='0'/></numatune>", "",
	  "t.xml:5: <numatune>: unsupported element: vmkit places no guest memory on host NUMA "
	  "nodes: remove it, and run vm-start under numactl --membind=NODES" },
	{ "<cpu><numa><cell id='0' cpus='0' memory='1024'/><cell id='1' cpus='0' memory='1'/>"
	  "</numa></cpu>",
	  "", "t.xml:5: <cell>: a second <cell>: vmkit gives the guest one NUMA node" },
	{ "<cpu><numa><cell id='1' cpus='0' memory='1024'/></numa></cpu>", "",
	  "t.xml:5: <cell>: invalid id '1'" },
	{ "<cpu><numa><cell id='0' cpus='0' memory='1' unit='GiB'/></numa></cpu>", "",
	  "t.xml:1: <domain>: the <cell> has 1048576 KiB of the 1024 of <memory>" },
	{ "<vcpu>2</vcpu><cpu><numa><cell id='0' cpus='1' memory='1024'/></numa></cpu>", "",
	  "t.xml:1: <domain>: the <cell>'s cpus must be every vcpu, 0 to 1" },
	{ "<cpu><numa><cell id='0' cpus='0' memory='1024'><distances/></cell></numa></cpu>", "",
	  "t.xml:5: <distances>: unsupported element" },
	{ "<clock offset='utc'><timer name='kvmclock' tickpolicy='delay'/></clock>", "",
	  "t.xml:5: <timer>: timer 'kvmclock' takes no tickpolicy" },
	{ "<clock offset='utc'><timer name='hpet' mode='auto'/></clock>", "",
	  "t.xml:5: <timer>: timer 'hpet' takes no mode" },
	{ "<clock offset='utc'><timer name='rtc' mode='native'/></clock>", "",
	  "t.xml:5: <timer>: timer 'rtc' takes no mode" },
	{ "<clock offset='utc'><timer name='hpet' frequency='100'/></clock>", "",
	  "t.xml:5: <timer>: timer 'hpet' takes no frequency" },
	{ "<clock offset='utc'><timer name='tsc' track='guest'/></clock>", "",
	  "t.xml:5: <timer>: timer 'tsc' takes no track" },
	{ "<clock offset='utc'><timer name='pit' tickpolicy='merge'/></clock>", "",
	  "t.xml:5: <timer>: timer 'pit': QEMU has no tickpolicy 'merge'" },
	{ "<clock offset='utc'><timer name='tsc' mode='bogus'/></clock>", "",
	  "t.xml:5: <timer>: unsupported mode 'bogus'" },
	{ "<clock offset='utc'><timer name='rtc' track='boot'/></clock>", "",
	  "t.xml:5: <timer>: timer 'rtc': QEMU has no track 'boot'" },
	{ "<clock offset='utc'><timer name='rtc' tickpolicy='discard'/></clock>", "",
	  "t.xml:5: <timer>: timer 'rtc': QEMU has no tickpolicy 'discard'" },
	{ "<clock offset='utc'><timer name='tsc' frequency='0'/></clock>", "",
	  "t.xml:5: <timer>: invalid frequency '0'" },
	{ "<clock offset='utc'><timer name='pit'/>\n<timer name='pit' tickpolicy='delay'/></clock>",
	  "", "t.xml:6: <timer>: duplicate timer 'pit' (first on line 5)" },
	{ "<features><hyperv><spinlocks state='on'/></hyperv></features>", "",
	  "t.xml:5: <spinlocks>: state 'on' needs attribute 'retries'" },
	{ "<features><hyperv><spinlocks state='on' retries='4094'/></hyperv></features>", "",
	  "t.xml:5: <spinlocks>: invalid retries '4094' (expected an integer from 4095" },
	{ "<features><hyperv><vendor_id state='on' value='0123456789abc'/></hyperv></features>", "",
	  "t.xml:5: <vendor_id>: invalid value '0123456789abc' (expected 1 to 12 printable "
	  "characters, no comma)" },
	{ "<features><hyperv><vendor_id state='on' value='a,b'/></hyperv></features>", "",
	  "t.xml:5: <vendor_id>: invalid value 'a,b' (expected 1 to 12 printable" },
	{ "<cpu match='minimum'><model>qemu64</model></cpu>", "",
	  "t.xml:5: <cpu>: match 'minimum' is libvirt's reckoning from the host's CPU: use "
	  "host-model" },
	{ "<features><hyperv><tlbflush state='on'><direct state='on'/></tlbflush></hyperv></features>",
	  "", "t.xml:5: <direct>: unsupported element" },
	{ "<features><kvm><poll-control state='on'/></kvm></features>", "",
	  "t.xml:5: <poll-control>: unsupported element" },
	{ "<features><smm state='on'><tseg unit='MiB'>48</tseg></smm></features>", "",
	  "t.xml:5: <tseg>: unsupported element" },
	{ "<features><ioapic driver='xen'/></features>", "",
	  "t.xml:5: <ioapic>: unsupported driver 'xen' (expected kvm or qemu)" },
	{ "<seclabel type='none' relabel='yes'/>", "",
	  "t.xml:5: <seclabel>: type 'none' cannot relabel" },
	{ "<seclabel type='dynamic' relabel='no'/>", "",
	  "t.xml:5: <seclabel>: type 'dynamic' always relabels" },
	{ "<seclabel type='static'><label>+1:+1</label></seclabel>", "",
	  "t.xml:5: <seclabel>: type 'static' needs model 'dac'" },
	{ "<seclabel type='dynamic' model='dac'/><seclabel type='none'/>", "",
	  "t.xml:5: <seclabel>: a second DAC <seclabel> (first on line 5)" },
	{ "<seclabel type='dynamic' model='none'/>", "",
	  "t.xml:5: <seclabel>: type 'dynamic' needs model 'dac'" },
	{ "<seclabel type='static' model='dac'/>", "", "t.xml:5: <seclabel>: missing <label>" },
	{ "<seclabel type='dynamic'><label>+1:+x</label></seclabel>", "",
	  "t.xml:5: <label>: invalid label '+1:+x' (expected +UID:+GID)" },
	{ "<seclabel type='none'><label>+1:+1</label></seclabel>", "",
	  "t.xml:5: <label>: a seclabel of type 'none' has no label" },
	{ "<seclabel type='dynamic' model='dac'><imagelabel>qemu</imagelabel></seclabel>", "",
	  "t.xml:5: <imagelabel>: invalid label 'qemu' (expected +UID:+GID)" },
	{ "<resource><partition>machine</partition></resource>", "",
	  "t.xml:5: <partition>: 'machine' is not an absolute path" },
	{ "<resource><partition>/machine</partition><fibrechannel appid='x'/></resource>", "",
	  "t.xml:5: <fibrechannel>: unsupported element" },
	{ "", "<disk><source file='disk.qcow2'/><target dev='vda'/><alias/></disk>",
	  "t.xml:7: <alias>: missing attribute 'name'" },
	{ "",
	  "<disk><driver type='qcow2'/><source file='disk.qcow2'/><target dev='vda'/>"
	  "<backingStore type='file'><source file='base.qcow2'/></backingStore></disk>",
	  "t.xml:7: <backingStore>: missing <format>" },
	{ "",
	  "<disk><driver type='qcow2'/><source file='disk.qcow2'/><target dev='vda'/>"
	  "<backingStore type='block'><format type='raw'/><source file='base.img'/>"
	  "</backingStore></disk>",
	  "t.xml:7: <source>: attribute 'file' does not fit type 'block'" },
	{ "",
	  "<disk><driver type='qcow2'/><source file='disk.qcow2'/><target dev='vda'/>"
	  "<backingStore><format type='vmdk'/><source file='b.vmdk'/></backingStore></disk>",
	  "t.xml:7: <format>: unsupported type 'vmdk' (expected raw or qcow2)" },
	{ "", "<serial type='pty'><source path='/dev/pts/3' mode='bind'/></serial>",
	  "t.xml:7: <source>: a pty has no source" },
	{ "<seclabel type='static' model='dac'><label>+1:+x</label></seclabel>", "",
	  "t.xml:5: <label>: invalid label '+1:+x'" },
	{ "<seclabel type='static' model='dac'><label>+1:+4294967295</label></seclabel>", "",
	  "t.xml:5: <label>: invalid label" },
	{ "<seclabel type='none'><imagelabel>+1:+1</imagelabel></seclabel>", "",
	  "t.xml:5: <imagelabel>: a seclabel of type 'none' has no label" },
	{ "<?pi data?>", "", "t.xml:1: <domain>: unsupported XML node" },
	{ "<name>u</name>", "", "t.xml:5: <name>: duplicate element" },
	{ "", "<disk type='network'/>",
	  "t.xml:7: <disk>: unsupported type 'network' (expected file or block)" },
	{ "", "<disk device='lun'/>",
	  "t.xml:7: <disk>: device 'lun' (SCSI commands passed to the host's device) is not supported: use device='disk'" },
	{ "", "<disk device='floppy'><source file='disk.img'/><target dev='vdb'/></disk>",
	  "t.xml:7: <disk>: a floppy must be on bus 'fdc', not 'virtio'" },
	{ "", "<disk><source file='disk.img'/><target dev='fda'/></disk>",
	  "t.xml:7: <disk>: bus 'fdc' takes only device 'floppy'" },
	{ "",
	  "<disk device='floppy'><source file='disk.img'/><target dev='fda'/><serial>x</serial></disk>",
	  "t.xml:7: <disk>: qemu's floppy has no <serial>" },
	{ "",
	  "<disk device='floppy'><driver error_policy='stop'/><source file='disk.img'/><target dev='fda'/></disk>",
	  "t.xml:7: <disk>: qemu's floppy has no error_policy or rerror_policy" },
	{ "", "<disk device='cdrom'><target dev='sdb' bus='usb'/></disk>",
	  "t.xml:7: <disk>: a cdrom cannot be on bus 'usb' (use sata, scsi or ide)" },
	{ "",
	  "<controller type='usb' model='none'/><disk><source file='disk.img'/><target dev='sdb' bus='usb'/></disk>",
	  "t.xml:7: <disk>: bus 'usb' needs a USB controller, which <controller type='usb' model='none'/> turns off" },
	{ "", "<disk><source file='disk.img'/><target dev='hda'/><readonly/></disk>",
	  "t.xml:7: <disk>: a readonly disk cannot be on bus 'ide' (use scsi or virtio)" },
	{ "", "<disk><driver io='native'/><source file='disk.img'/><target dev='vdb'/></disk>",
	  "t.xml:7: <disk>: io='native' needs cache='none' or cache='directsync'" },
	{ "", "<disk><driver io='aio'/></disk>",
	  "t.xml:7: <driver>: unsupported io 'aio' (expected native, threads or io_uring)" },
	{ "", "<disk><driver rerror_policy='enospace'/></disk>",
	  "t.xml:7: <driver>: unsupported rerror_policy 'enospace' (expected stop, report or ignore)" },
	{ "", "<disk device='cdrom'><driver copy_on_read='on'/><target dev='sdb'/></disk>",
	  "t.xml:7: <disk>: copy_on_read needs a writable disk, not a removable medium" },
	{ "",
	  "<disk><source file='disk.img'/><target dev='vdb'/><wwn>5000c50015ea71ac</wwn></disk>",
	  "t.xml:7: <disk>: <wwn> needs bus 'scsi', 'sata' or 'ide', not 'virtio'" },
	{ "", "<disk><wwn>5000c50015ea71a</wwn></disk>",
	  "t.xml:7: <wwn>: invalid wwn '5000c50015ea71a' (expected 16 hex digits, the first 0 to 7)" },
	{ "", "<disk><wwn>8000c50015ea71ac</wwn></disk>",
	  "t.xml:7: <wwn>: invalid wwn '8000c50015ea71ac' (expected 16 hex digits, the first 0 to 7)" },
	{ "", "<disk><source file='disk.img'/><target dev='hda'/><vendor>X</vendor></disk>",
	  "t.xml:7: <disk>: <vendor> needs bus 'scsi', not 'ide'" },
	{ "", "<disk><vendor>ABCDEFGHI</vendor></disk>",
	  "t.xml:7: <vendor>: invalid vendor 'ABCDEFGHI' (expected 1 to 8 printable ASCII characters)" },
	{ "", "<disk><product>ABCDEFGHIJKLMNOPQ</product></disk>",
	  "t.xml:7: <product>: invalid product 'ABCDEFGHIJKLMNOPQ' (expected 1 to 16 printable ASCII characters)" },
	{ "", "<disk><blockio logical_block_size='1000'/></disk>",
	  "t.xml:7: <blockio>: invalid logical_block_size '1000' (expected a power of two)" },
	{ "", "<disk><blockio logical_block_size='4096' physical_block_size='512'/></disk>",
	  "t.xml:7: <blockio>: physical_block_size is smaller than logical_block_size" },
	{ "",
	  "<disk><source file='disk.img'/><target dev='vdb'/><iotune><total_bytes_sec>1</total_bytes_sec><read_bytes_sec>1</read_bytes_sec></iotune></disk>",
	  "t.xml:7: <disk>: <iotune>: total_bytes_sec cannot be set with read_bytes_sec or write_bytes_sec" },
	{ "",
	  "<disk><source file='disk.img'/><target dev='vdb'/><iotune><write_iops_sec_max>1</write_iops_sec_max></iotune></disk>",
	  "t.xml:7: <disk>: <iotune>: write_iops_sec_max needs write_iops_sec" },
	{ "",
	  "<disk><source file='disk.img'/><target dev='vdb'/><iotune><size_iops_sec>1</size_iops_sec></iotune></disk>",
	  "t.xml:7: <disk>: <iotune>: size_iops_sec needs an iops limit" },
	{ "", "<disk><iotune><group_name>a b</group_name></iotune></disk>",
	  "t.xml:7: <group_name>: invalid group_name 'a b' (expected 1 to 64 letters, digits or '_.-')" },
	{ "", "<disk><iotune><total_iops_sec>x</total_iops_sec></iotune></disk>",
	  "t.xml:7: <total_iops_sec>: " },
	{ "", "<disk><transient/></disk>",
	  "t.xml:7: <transient>: unsupported element: transient disks are not supported" },
	{ "", "<disk><geometry cyls='1' heads='1' secs='1'/></disk>",
	  "t.xml:7: <geometry>: unsupported element: a disk geometry is not supported" },
	{ "", "<disk><driver name='tap'/></disk>",
	  "t.xml:7: <driver>: unsupported name 'tap' (expected qemu)" },
	{ "", "<disk><driver type='vmdk'/></disk>",
	  "t.xml:7: <driver>: unsupported type 'vmdk' (expected raw or qcow2)" },
	{ "", "<disk><driver cache='default'/></disk>",
	  "t.xml:7: <driver>: unsupported cache 'default' (expected none, writeback, writethrough, directsync or unsafe)" },
	{ "", "<disk><driver queues='2'/></disk>",
	  "t.xml:7: <driver>: unsupported attribute 'queues'" },
	{ "", "<disk><source file=''/></disk>", "t.xml:7: <source>: empty disk path" },
	{ "", "<disk><source/></disk>", "t.xml:7: <source>: missing attribute 'file'" },
	{ "", "<disk type='block'><source file='disk.img'/></disk>",
	  "t.xml:7: <source>: attribute 'file' does not fit a disk of type 'block'" },
	{ "", "<disk><source file='.'/></disk>",
	  "t.xml:7: <source>: disk '.' is not a regular file" },
	{ "", "<disk><source file='disk.img' startupPolicy='optional'/></disk>",
	  "t.xml:7: <source>: unsupported attribute 'startupPolicy'" },
	{ "", "<disk><target dev='vd'/></disk>",
	  "t.xml:7: <target>: invalid target dev 'vd' (expected 3 to 8 letters a-z)" },
	{ "", "<disk><target dev='vda1'/></disk>", "t.xml:7: <target>: invalid target dev 'vda1'" },
	{ "", "<disk><target dev='vdabcdefg'/></disk>",
	  "t.xml:7: <target>: invalid target dev 'vdabcdefg'" },
	{ "", "<disk><target dev='xvda'/></disk>",
	  "t.xml:7: <target>: unsupported target dev 'xvda' (expected vd* for virtio, sd* for sata, scsi or usb, hd* for ide, fd* for fdc)" },
	{ "", "<disk><target dev='sda' bus='virtio'/></disk>",
	  "t.xml:7: <target>: target dev 'sda' does not fit bus 'virtio' (expected vd*)" },
	{ "", "<disk><target/></disk>", "t.xml:7: <target>: missing attribute 'dev'" },
	{ "", "<disk><source file='disk.img'/><target dev='sdg' bus='sata'/></disk>",
	  "t.xml:7: <target>: target dev 'sdg' has no sata port (expected sda to sdf)" },
	{ "", "<disk><source file='disk.img'/><target dev='sdaa' bus='sata'/></disk>",
	  "t.xml:7: <target>: target dev 'sdaa' has no sata port" },
	{ "", "<disk><source file='disk.img'/><target dev='sdiw'/></disk>",
	  "t.xml:7: <target>: target dev 'sdiw' has no scsi target (expected sda to sdiv)" },
	{ "", "<disk><source file='disk.img'/><target dev='sdzz' bus='scsi'/></disk>",
	  "t.xml:7: <target>: target dev 'sdzz' has no scsi target" },
	{ "", "<disk><serial>a,b</serial></disk>", "t.xml:7: <serial>: invalid serial 'a,b'" },
	{ "", "<disk><seclabel relabel='no' model='selinux'/></disk>",
	  "t.xml:7: <seclabel>: unsupported model 'selinux' (expected dac)" },
	{ "", "<disk><seclabel model='dac'/></disk>",
	  "t.xml:7: <seclabel>: missing attribute 'relabel'" },
	{ "", "<disk><seclabel relabel='no'><label>+1:+1</label></seclabel></disk>",
	  "t.xml:7: <label>: unsupported element" },
	{ "",
	  "<disk><source file='disk.img'/><target dev='vda'/><boot order='1'/></disk>"
	  "<disk><source file='disk.img'/><target dev='vdb'/><boot order='1'/></disk>",
	  "t.xml:7: <disk>: boot order 1 is already the disk's of line 7" },
	{ "",
	  "<interface type='user'><boot order='2'/></interface>"
	  "<disk><source file='disk.img'/><target dev='vda'/><boot order='2'/></disk>",
	  "t.xml:7: <disk>: boot order 2 is already the interface's of line 7" },
	{ "", "<disk>\n<source file='disk.img'/><target dev='vda'/>text</disk>",
	  "t.xml:7: <disk>: unexpected text" },
	{ "", "<disk><readonly/><readonly/></disk>", "t.xml:7: <readonly>: duplicate element" },
	{ "", "<disk><readonly x='1'/></disk>", "t.xml:7: <readonly>: unsupported attribute 'x'" },
	{ "", "<interface type='user'><mac address='01:00:5e:00:00:01'/></interface>",
	  "t.xml:7: <mac>: invalid MAC address '01:00:5e:00:00:01': it is multicast" },
	{ "", "<interface type='user'><mac address='00:00:00:00:00:00'/></interface>",
	  "t.xml:7: <mac>: invalid MAC address '00:00:00:00:00:00': it is all zeros" },
	{ "", "<interface type='user'><mac address='52:54:00:00:00:00:00'/></interface>",
	  "t.xml:7: <mac>: invalid MAC address '52:54:00:00:00:00:00': expected six hex octets" },
	{ "", "<interface type='user'><model type='ne2k_pci'/></interface>",
	  "t.xml:7: <model>: unsupported type 'ne2k_pci' (expected virtio, e1000, e1000e, rtl8139 or vmxnet3)" },
	{ "",
	  "<interface type='user'><mac address='52:54:00:00:00:01'/></interface>\n"
	  "<interface type='bridge'><source bridge='b'/><mac address='52:54:00:00:00:01'/></interface>",
	  "t.xml:8: <interface>: mac address '52:54:00:00:00:01' is already the interface's of line 7" },
	{ "", "<interface type='direct'/>",
	  "t.xml:7: <interface>: unsupported type 'direct' (expected user, bridge, network or ethernet)" },
	{ "", "<interface type='bridge'/>",
	  "t.xml:7: <interface>: type 'bridge' needs <source bridge='NAME'/>" },
	{ "", "<interface type='network'/>",
	  "t.xml:7: <interface>: type 'network' needs <source network='NAME'/>" },
	{ "", "<interface type='bridge'><source network='default'/></interface>",
	  "t.xml:7: <source>: an interface of type 'bridge' has <source bridge='NAME'/>" },
	{ "", "<interface type='ethernet'><source bridge='br0'/></interface>",
	  "t.xml:7: <source>: an interface of type 'ethernet' has no source" },
	{ "", "<interface type='network'><source network='default' portgroup='a'/></interface>",
	  "t.xml:7: <source>: portgroup is a libvirt network's" },
	{ "",
	  "<interface type='bridge'><source bridge='br0'/><virtualport type='openvswitch'/></interface>",
	  "t.xml:7: <virtualport>: unsupported element: virtual ports" },
	{ "", "<interface type='bridge'><source bridge='br0'/><bandwidth/></interface>",
	  "t.xml:7: <bandwidth>: unsupported element: bandwidth limits are not supported" },
	{ "", "<interface type='bridge'><source bridge='br0'/><filterref filter='x'/></interface>",
	  "t.xml:7: <filterref>: unsupported element: network filters" },
	{ "", "<interface type='bridge'><source bridge='br0'/><driver queues='0'/></interface>",
	  "t.xml:7: <driver>: invalid queues '0' (expected 1 to 256)" },
	{ "", "<interface type='bridge'><source bridge='br0'/><driver queues='257'/></interface>",
	  "t.xml:7: <driver>: invalid queues '257' (expected 1 to 256)" },
	{ "",
	  "<interface type='bridge'><source bridge='br0'/><model type='e1000'/><driver queues='2'/></interface>",
	  "t.xml:7: <interface>: queues='2' needs a virtio interface on a tap (model 'e1000', type 'bridge')" },
	{ "", "<interface type='user'><driver queues='2'/></interface>",
	  "t.xml:7: <interface>: queues='2' needs a virtio interface on a tap (model 'virtio', type 'user')" },
	{ "",
	  "<interface type='bridge'><source bridge='br0'/><model type='rtl8139'/><driver name='vhost'/></interface>",
	  "t.xml:7: <interface>: <driver name='vhost'> needs a virtio interface on a tap" },
	{ "", "<interface type='bridge'><source bridge='br0'/><driver name='vfio'/></interface>",
	  "t.xml:7: <driver>: unsupported name 'vfio'" },
	{ "", "<interface type='bridge'><source bridge='br0'/><mtu size='67'/></interface>",
	  "t.xml:7: <mtu>: " },
	{ "", "<interface type='bridge'><source bridge='br0'/><mtu size='65536'/></interface>",
	  "t.xml:7: <mtu>: " },
	{ "", "<interface type='bridge'><source bridge='br0'/><link state='off'/></interface>",
	  "t.xml:7: <link>: unsupported state 'off' (expected up or down)" },
	{ "", "<interface type='user'><target dev='tap0'/></interface>",
	  "t.xml:7: <target>: a user interface has no tap device" },
	{ "", "<interface type='user'><mtu size='1400'/></interface>",
	  "t.xml:7: <interface>: a user interface has no mtu to set" },
	{ "",
	  "<interface type='bridge'><source bridge='br0'/><target dev='t0' managed='no'/></interface>",
	  "t.xml:7: <target>: attribute 'managed' is only for type 'ethernet'" },
	{ "",
	  "<interface type='ethernet'><target dev='vnet0' managed='no'/><mtu size='1400'/></interface>",
	  "t.xml:7: <interface>: an existing tap (managed='no') keeps its own mtu" },
	{ "", "<interface type='user'><boot order='0'/></interface>",
	  "t.xml:7: <boot>: invalid boot order '0'" },
	{ "", "<interface type='user'><boot/></interface>",
	  "t.xml:7: <boot>: missing attribute 'order'" },
	{ "",
	  "<interface type='user'><boot order='2'/></interface>\n"
	  "<interface type='user'><boot order='2'/></interface>",
	  "t.xml:8: <boot>: boot order 2 is already the interface's of line 7" },
	{ "", "<interface type='user'><rom enabled='no' bar='off'/></interface>",
	  "t.xml:7: <rom>: enabled='no' takes no bar or file: there is no ROM" },
	{ "", "<interface type='user'><rom file='pxe.rom'/></interface>",
	  "t.xml:7: <rom>: 'pxe.rom' is not an absolute path" },
	{ "", "<interface type='user'><rom bar='maybe'/></interface>",
	  "t.xml:7: <rom>: unsupported bar 'maybe' (expected on or off)" },
	{ "",
	  "<interface type='bridge'><source bridge='br0'/><portForward proto='tcp'><range start='22'/></portForward></interface>",
	  "t.xml:7: <portForward>: only a user interface forwards ports" },
	{ "",
	  "<interface type='user'><portForward proto='tcp' address='::1'><range start='22'/></portForward></interface>",
	  "t.xml:7: <portForward>: invalid address '::1': expected an IPv4 address" },
	{ "", "<interface type='user'><portForward proto='tcp'/></interface>",
	  "t.xml:7: <portForward>: no <range start='PORT'/>: nothing to forward" },
	{ "",
	  "<interface type='user'><portForward proto='sctp'><range start='22'/></portForward></interface>",
	  "t.xml:7: <portForward>: unsupported proto 'sctp' (expected tcp or udp)" },
	{ "",
	  "<interface type='user'><portForward proto='tcp' dev='eth0'><range start='22'/></portForward></interface>",
	  "t.xml:7: <portForward>: unsupported attribute 'dev'" },
	{ "",
	  "<interface type='user'><portForward proto='tcp'><range start='0'/></portForward></interface>",
	  "t.xml:7: <range>: invalid port '0'" },
	{ "",
	  "<interface type='user'><portForward proto='tcp'><range start='30' end='20'/></portForward></interface>",
	  "t.xml:7: <range>: invalid port '20'" },
	{ "",
	  "<interface type='user'><portForward proto='tcp'><range start='100' end='110' to='65530'/></portForward></interface>",
	  "t.xml:7: <range>: invalid port '65530'" },
	{ "",
	  "<interface type='user'><portForward proto='tcp'><range start='1000' end='2024'/></portForward></interface>",
	  "t.xml:7: <range>: a range of 1025 ports: at most 1024 are forwarded" },
	{ "",
	  "<interface type='user'><portForward proto='tcp'><range start='22' exclude='yes'/></portForward></interface>",
	  "t.xml:7: <range>: unsupported attribute 'exclude'" },
	{ "", "<interface/>", "t.xml:7: <interface>: missing attribute 'type'" },
	{ "", "<serial type='tcp'/>",
	  "t.xml:7: <serial>: unsupported type 'tcp' (expected pty, file or unix)" },
	{ "", "<serial type='pty'><source path='/tmp/pty'/></serial>",
	  "t.xml:7: <source>: a pty has no source" },
	{ "", "<serial type='file'/>",
	  "t.xml:7: <serial>: type 'file' needs <source path='...'/>" },
	{ "", "<serial type='unix'><source mode='bind'/></serial>",
	  "t.xml:7: <source>: missing attribute 'path'" },
	{ "", "<serial type='file'><source path='/tmp/x' mode='bind'/></serial>",
	  "t.xml:7: <source>: attribute 'mode' is only for type 'unix'" },
	{ "", "<serial type='file'><source path='/tmp/x' append='on'/></serial>",
	  "t.xml:7: <source>: unsupported attribute 'append'" },
	{ "", "<serial><target port='4'/></serial>",
	  "t.xml:7: <target>: invalid port '4' (expected an integer from 0 to 3)" },
	{ "", "<serial><target port='1'/></serial>",
	  "t.xml:7: <target>: serial port 1 out of order (expected port 0)" },
	{ "", "<serial><target type='pci-serial'/></serial>",
	  "t.xml:7: <target>: unsupported type 'pci-serial' (expected isa-serial)" },
	{ "", "<serial/><serial/><serial/><serial/><serial/>",
	  "t.xml:7: <serial>: too many serial ports (at most 4)" },
	{ "", "<serial><log file='/tmp/log'/></serial>", "t.xml:7: <log>: unsupported element" },
	{ "", "<console/><console/>", "t.xml:7: <console>: duplicate element" },
	{ "", "<console><target port='1'/></console>",
	  "t.xml:7: <target>: unsupported port '1' (expected 0)" },
	{ "",
	  "<serial type='unix'><source path='/a'/></serial><console type='unix'><source path='/b'/></console>",
	  "t.xml:7: <console>: the console must restate <serial> port 0" },
	{ "", "<controller type='pci' index='1' model='pcie-root'/>",
	  "t.xml:7: <controller>: invalid index '1' (expected an integer from 0 to 0)" },
	{ "", "<controller type='pci' index='0' model='pcie-root-port'/>",
	  "t.xml:7: <controller>: invalid index '0' (expected an integer from 1 to 255)" },
	{ "", "<controller type='pci' model='pcie-to-pci-bridge'/>",
	  "t.xml:7: <controller>: model 'pcie-to-pci-bridge' needs a q35 machine" },
	{ "", "<controller type='pci'/>",
	  "t.xml:7: <controller>: unsupported controller type 'pci' without a model" },
	{ "", "<controller type='sata' index='1'/>", "t.xml:7: <controller>: invalid index '1'" },
	{ "", "<controller type='scsi' model='buslogic'/>",
	  "t.xml:7: <controller>: unsupported controller type 'scsi' model 'buslogic'" },
	{ "",
	  "<controller type='scsi'/><disk><source file='disk.img'/><target dev='sda'/>"
	  "<address type='drive' controller='0' bus='0' target='1' unit='0'/></disk>",
	  "t.xml:7: <address>: scsi disk 'sda': target='1' on controller 0, an lsi, whose disks are target 0 and a unit from 0 to 7" },
	{ "",
	  "<disk><source file='disk.img'/><target dev='sda'/>"
	  "<address type='drive' controller='0' bus='0' target='0' unit='8'/></disk>",
	  "t.xml:7: <address>: scsi disk 'sda': unit='8' on controller 0, an lsi, whose units go from 0 to 7" },
	{ "",
	  "<controller type='scsi' model='virtio-scsi'/><disk><source file='disk.img'/><target dev='sda'/>"
	  "<address type='drive' controller='0' bus='0' target='0' unit='16384'/></disk>",
	  "t.xml:7: <address>: scsi disk 'sda': unit='16384' on controller 0, a virtio-scsi, whose units go from 0 to 16383" },
	{ "",
	  "<controller type='scsi' model='virtio-scsi'/><disk><source file='disk.img'/><target dev='sda'/>"
	  "<address type='drive' controller='0' bus='0' target='256' unit='0'/></disk>",
	  "t.xml:7: <address>: invalid target '256' (expected an integer from 0 to 255)" },
	{ "",
	  "<controller type='scsi' model='virtio-scsi'/><disk><source file='disk.img'/><target dev='sda'/>"
	  "<address type='drive' controller='0' bus='1' target='0' unit='0'/></disk>",
	  "t.xml:7: <address>: invalid bus '1' (expected an integer from 0 to 0)" },
	{ "",
	  "<controller type='scsi' model='virtio-scsi'/><disk><source file='disk.img'/><target dev='sda'/>"
	  "<address type='drive' controller='37' bus='0' target='0' unit='0'/></disk>",
	  "t.xml:7: <address>: invalid controller '37' (expected an integer from 0 to 36)" },
	{ "",
	  "<controller type='scsi' model='virtio-scsi'/>"
	  "<disk><source file='disk.img'/><target dev='sda'/>"
	  "<address type='drive' controller='0' bus='0' target='0' unit='1'/></disk>"
	  "<disk><source file='disk.img'/><target dev='sdb'/></disk>",
	  "t.xml:7: <address>: scsi disk 'sda': controller 0 target 0 unit 1 is scsi disk 'sdb''s on line 7" },
	{ "", "<controller type='scsi' index='37'/>",
	  "t.xml:7: <controller>: invalid index '37' (expected an integer from 0 to 36)" },
	{ "",
	  "<controller type='pci' index='1' model='pcie-root-port'><model name='ioh3420'/></controller>",
	  "t.xml:7: <model>: unsupported name 'ioh3420' (expected pcie-root-port)" },
	{ "",
	  "<controller type='pci' index='1' model='pci-bridge'><target chassis='1'/></controller>",
	  "t.xml:7: <target>: only a pcie-root-port has 'chassis'" },
	{ "",
	  "<controller type='pci' index='1' model='pci-bridge'><target chassisNr='2'/></controller>",
	  "t.xml:7: <target>: chassisNr='2' is not the index (1)" },
	{ "", "<controller type='sata' ports='4'/>",
	  "t.xml:7: <controller>: controller type 'sata' has no 'ports'" },
	{ "", "<controller type='sata'><driver queues='2'/></controller>",
	  "t.xml:7: <driver>: unsupported element" },
	{ "", "<controller type='pci' model='pcie-root-port'/>",
	  "t.xml:7: <controller>: model 'pcie-root-port' needs a q35 machine (<type machine='q35'>)" },
	{ "", "<controller type='pci' index='0' model='pcie-root'/>",
	  "t.xml:7: <controller>: model 'pcie-root' needs a q35 machine" },
	{ "", "<memballoon/>", "t.xml:7: <memballoon>: missing attribute 'model'" },
	{ "", "<memballoon model='none'><stats period='10'/></memballoon>",
	  "t.xml:7: <stats>: model 'none' has no statistics" },
	{ "", "<memballoon model='xen'/>",
	  "t.xml:7: <memballoon>: unsupported model 'xen' (expected virtio or none)" },
	{ "", "<memballoon model='virtio' deflate='on'/>",
	  "t.xml:7: <memballoon>: unsupported attribute 'deflate'" },
	{ "", "<memballoon model='none' autodeflate='on'/>",
	  "t.xml:7: <memballoon>: model 'none' has no 'autodeflate'" },
	{ "", "<memballoon model='virtio'><stats period='-1'/></memballoon>",
	  "t.xml:7: <stats>: invalid period '-1'" },
	{ "", "<memballoon model='virtio'><stats/></memballoon>",
	  "t.xml:7: <stats>: missing attribute 'period'" },
	{ "", "<memballoon model='virtio'><driver iommu='on'/></memballoon>",
	  "t.xml:7: <driver>: unsupported element" },
	{ "", "<memballoon model='virtio'/><memballoon model='none'/>",
	  "t.xml:7: <memballoon>: duplicate element" },
	{ "", "<memballoon model='virtio'><address type='pci' slot='1'/></memballoon>",
	  "t.xml:7: <address>: slot 1 of pci.0 is the PIIX3's" },
	{ "",
	  "<disk device='cdrom'><target dev='sdb' bus='sata'/><address type='drive' unit='0'/></disk>",
	  "t.xml:7: <address>: sata disk 'sdb' is on port 1: controller='0' unit='1'" },
	{ "",
	  "<disk device='cdrom'><target dev='sdb' bus='sata'/><address type='drive' controller='1' unit='1'/></disk>",
	  "t.xml:7: <address>: sata disk 'sdb' is on port 1: controller='0' unit='1'" },
	{ "",
	  "<disk device='cdrom'><target dev='sdb' bus='sata'/><address type='pci' slot='5'/></disk>",
	  "t.xml:7: <address>: a disk on bus 'sata' takes no address of type 'pci'" },
	{ "",
	  "<disk><source file='disk.img'/><target dev='sdb' bus='usb'/><address type='pci' slot='5'/></disk>",
	  "t.xml:7: <address>: a disk on bus 'usb' takes no address of type 'pci'" },
	{ "",
	  "<disk device='cdrom'><target dev='sdb' bus='sata'/><address type='usb' port='1'/></disk>",
	  "t.xml:7: <address>: a disk on bus 'sata' takes no address of type 'usb'" },
	{ "",
	  "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/><address type='virtio-serial' port='0'/></channel>",
	  "t.xml:7: <address>: a virtio-serial address needs a port from 1" },
	{ "", "<memballoon model='virtio'><address type='pci' slot='0'/></memballoon>",
	  "t.xml:7: <address>: slot 0 of pci.0 is the host bridge's" },
	{ "", "<memballoon model='virtio'><address type='pci' domain='1' slot='5'/></memballoon>",
	  "t.xml:7: <address>: PCI domain '1' is not 0 (vmkit has one)" },
	{ "", "<memballoon model='virtio'><address type='pci' slot='5' unit='1'/></memballoon>",
	  "t.xml:7: <address>: an address of type 'pci' has no 'unit'" },
	{ "", "<memballoon model='virtio'><address type='pci' slot='0x20'/></memballoon>",
	  "t.xml:7: <address>: invalid slot '0x20' (expected an integer from 0 to 31)" },
	{ "", "<memballoon model='virtio'><address type='pci' bus='3' slot='1'/></memballoon>",
	  "t.xml:7: <address>: no PCI controller has index 3 (bus 0x03)" },
	{ "", "<memballoon model='virtio'><address type='drive' unit='1'/></memballoon>",
	  "t.xml:7: <address>: <memballoon> takes no address of type 'drive'" },
	{ "",
	  "<memballoon model='virtio'><address type='pci' slot='5'/></memballoon>\n"
	  "<rng model='virtio'><backend model='random'>/dev/urandom</backend><address type='pci' slot='0x05'/></rng>",
	  "t.xml:8: <address>: bus 0 slot 5 function 0 is taken by <memballoon> on line 7" },
	{ "",
	  "<controller type='pci' index='1' model='pci-bridge'><address type='pci' slot='3'/></controller>\n"
	  "<memballoon model='virtio'><address type='pci' bus='1' slot='0'/></memballoon>",
	  "t.xml:8: <address>: slot 0 of a PCI bridge (bus 1) is not free" },
	{ "", "<rng model='virtio'/>",
	  "t.xml:7: <rng>: missing <backend model='random'>/dev/urandom</backend>" },
	{ "",
	  "<rng model='virtio-non-transitional'><backend model='random'>/dev/urandom</backend></rng>",
	  "t.xml:7: <rng>: unsupported model 'virtio-non-transitional' (expected virtio)" },
	{ "", "<rng model='virtio'><backend model='random' type='tcp'/></rng>",
	  "t.xml:7: <backend>: unsupported attribute 'type'" },
	{ "", "<rng model='virtio'><backend model='egd'>/dev/urandom</backend></rng>",
	  "t.xml:7: <backend>: unsupported model 'egd' (expected random)" },
	{ "", "<rng model='virtio'><backend model='random'>/dev/hwrng</backend></rng>",
	  "t.xml:7: <backend>: unsupported value '/dev/hwrng'" },
	{ "",
	  "<rng model='virtio'><backend model='random'>/dev/random</backend><rate period='1000'/></rng>",
	  "t.xml:7: <rate>: missing attribute 'bytes'" },
	{ "",
	  "<rng model='virtio'><backend model='random'>/dev/random</backend><rate bytes='0'/></rng>",
	  "t.xml:7: <rate>: invalid bytes '0'" },
	{ "", "<watchdog model='ib700'/>",
	  "t.xml:7: <watchdog>: unsupported model 'ib700' (expected i6300esb or itco)" },
	{ "", "<watchdog model='i6300esb' action='dump'/>",
	  "t.xml:7: <watchdog>: unsupported action 'dump'" },
	{ "", "<watchdog model='itco'/>",
	  "t.xml:7: <watchdog>: model 'itco' is part of a q35 machine (<type machine='q35'>); a pc has 'i6300esb'" },
	{ "", "<watchdog model='i6300esb'/><watchdog model='i6300esb'/>",
	  "t.xml:7: <watchdog>: duplicate element" },
	{ "", "<panic model='hyperv'/>",
	  "t.xml:7: <panic>: unsupported model 'hyperv' (expected isa)" },
	{ "", "<panic model='isa'><address type='isa' iobase='0x506' irq='5'/></panic>",
	  "t.xml:7: <address>: an address of type 'isa' has no 'irq'" },
	{ "", "<panic model='isa'><address type='isa'/></panic>",
	  "t.xml:7: <address>: an ISA address needs an iobase" },
	{ "", "<panic model='isa'><address type='isa' iobase='0x10000'/></panic>",
	  "t.xml:7: <address>: invalid iobase '0x10000' (expected an integer from 0 to 65535)" },
	{ "", "<panic model='isa'><address type='pci' slot='0x5'/></panic>",
	  "t.xml:7: <address>: <panic> takes no address of type 'pci'" },
	{ "", "<watchdog model='i6300esb'><address type='isa' iobase='0x505'/></watchdog>",
	  "t.xml:7: <address>: <watchdog> takes no address of type 'isa'" },
	{ "", "<controller type='usb' model='none'/><input type='keyboard' bus='usb'/>",
	  "t.xml:7: <input>: a USB keyboard needs a USB controller, which <controller type='usb' model='none'/> turns off" },
	{ "", "<controller type='usb' model='none'/><input type='tablet'/>",
	  "t.xml:7: <input>: a USB tablet needs a USB controller" },
	{ "", "<tpm model='tpm-crb'><backend type='passthrough'/></tpm>",
	  "t.xml:7: <backend>: type='passthrough' (the host's own TPM) is not supported: use type='emulator'" },
	{ "", "<tpm><backend type='emulator' version='1.2'/></tpm>",
	  "t.xml:7: <backend>: version='1.2' is not supported: swtpm emulates version='2.0'" },
	{ "", "<tpm model='tpm-spapr'><backend type='emulator'/></tpm>",
	  "t.xml:7: <tpm>: unsupported model 'tpm-spapr'" },
	{ "", "<tpm/>", "t.xml:7: <tpm>: missing <backend type='emulator' version='2.0'/>" },
	{ "", "<tpm><backend type='emulator'><encryption secret='x'/></backend></tpm>",
	  "t.xml:7: <encryption>: unsupported element" },
	{ "", "<tpm><backend type='emulator'/></tpm>\n<tpm><backend type='emulator'/></tpm>",
	  "t.xml:8: <tpm>: a domain has one TPM (line 7 has the first)" },
	{ "", "<sound model='sb16'/>", "t.xml:7: <sound>: unsupported model 'sb16'" },
	{ "", "<sound model='ac97'><codec type='duplex'/></sound>",
	  "t.xml:7: <codec>: model 'ac97' has no codecs (ich6 and ich9 have)" },
	{ "",
	  "<sound model='ich9'><codec type='duplex'/><codec type='duplex'/><codec type='micro'/>"
	  "<codec type='output'/><codec type='output'/></sound>",
	  "t.xml:7: <codec>: too many codecs (at most 4)" },
	{ "", "<sound model='ich9'><audio id='2'/></sound><audio id='1' type='none'/>",
	  "t.xml:7: <sound>: no <audio id='2'>" },
	{ "", "<audio id='1' type='pulseaudio'/>",
	  "t.xml:7: <audio>: unsupported type 'pulseaudio'" },
	{ "", "<audio id='2' type='none'/>",
	  "t.xml:7: <audio>: audio id 2 out of order (expected 1)" },
	{ "", "<audio id='1' type='spice'/>",
	  "t.xml:7: <audio>: type 'spice' needs a <graphics type='spice'>" },
	{ "", "<controller type='usb' model='none'/><sound model='usb'/>",
	  "t.xml:7: <sound>: model 'usb' needs a USB controller, which <controller type='usb' model='none'/> turns off" },
	{ "", "<audio id='1' type='none'><input mixingEngine='no'/></audio>",
	  "t.xml:7: <input>: unsupported element" },
	{ "", "<input type='tablet' bus='ps2'/>",
	  "t.xml:7: <input>: a tablet is on bus 'usb' or 'virtio', not 'ps2'" },
	{ "", "<input type='passthrough' bus='virtio'/>",
	  "t.xml:7: <input>: unsupported type 'passthrough' (expected tablet, mouse or keyboard)" },
	{ "", "<input type='mouse' bus='xen'/>",
	  "t.xml:7: <input>: unsupported bus 'xen' (expected ps2, usb or virtio)" },
	{ "", "<controller type='usb' model='ehci'/>",
	  "t.xml:7: <controller>: unsupported controller type 'usb' model 'ehci'" },
	{ "", "<controller type='usb' model='ich9-uhci2'><master startport='2'/></controller>",
	  "t.xml:7: <controller>: model 'ich9-uhci2' needs a <controller type='usb' model='ich9-ehci1'> of its index" },
	{ "", "<controller type='usb' model='ich9-ehci1' ports='4'/>",
	  "t.xml:7: <controller>: controller model 'ich9-ehci1' has no 'ports'" },
	{ "", "<controller type='usb' model='nec-xhci'><master startport='0'/></controller>",
	  "t.xml:7: <master>: only an ich9-uhci controller has <master>" },
	{ "",
	  "<controller type='usb' model='ich9-ehci1'/>\n"
	  "<controller type='usb' model='ich9-uhci1'><master startport='5'/></controller>",
	  "t.xml:8: <master>: invalid startport '5' (expected an integer from 0 to 4)" },
	{ "",
	  "<controller type='usb' index='0' model='ich9-ehci1'/>\n"
	  "<controller type='usb' index='0' model='ich9-ehci1'/>",
	  "t.xml:8: <controller>: a usb controller of index 0 comes before" },
	{ "", "<controller type='usb' index='2' model='ich9-ehci1'/>",
	  "t.xml:7: <controller>: invalid index '2'" },
	{ "",
	  "<controller type='usb' model='qemu-xhci'/><input type='tablet'><address type='usb' bus='0' port='0'/></input>",
	  "t.xml:7: <address>: a USB address needs a port from 1" },
	{ "",
	  "<controller type='usb' model='qemu-xhci'/><input type='tablet'><address type='usb' port='1'/></input>\n"
	  "<input type='mouse' bus='usb'><address type='usb' port='1'/></input>",
	  "t.xml:8: <address>: USB port 1 of bus 0 is taken by <input> on line 7" },
	{ "",
	  "<controller type='usb' index='0' model='ich9-ehci1'/>\n"
	  "<controller type='usb' index='1' model='ich9-uhci1'/>",
	  "t.xml:8: <controller>: model 'ich9-uhci1' needs a <controller type='usb' model='ich9-ehci1'> of its index" },
	{ "",
	  "<controller type='usb' model='none'/>\n"
	  "<controller type='usb' index='1' model='ich9-ehci1'/>",
	  "t.xml:8: <controller>: model 'ich9-ehci1' is a USB controller, which the <controller type='usb' model='none'/> on line 7 turns off" },
	{ "", "<input type='tablet' bus='usb'><address type='usb' bus='1' port='1'/></input>",
	  "t.xml:7: <address>: no USB controller has index 1 (bus 1)" },
	{ "", "<input type='tablet' bus='usb'><address type='usb' port='3'/></input>",
	  "t.xml:7: <address>: USB bus 0 has ports 1 to 2, not 3" },
	{ "", USB_TABLETS_10 USB_TABLETS_10 USB_TABLETS_10,
	  "t.xml:7: <input>: 30 USB devices, and 2 ports on the USB controllers: libvirt would add 5 usb-hubs, vmkit at most 4" },
	{ "", "<lease><target path='/a'/></lease>", "t.xml:7: <lease>: missing <key>" },
	{ "", "<lease><key>k</key></lease>", "t.xml:7: <lease>: missing <target>" },
	{ "", "<lease><key></key></lease>", "t.xml:7: <key>: empty value" },
	{ "", "<lease><key>k</key><target path='/a' offset='x'/></lease>",
	  "t.xml:7: <target>: invalid offset 'x' (expected an integer from 0)" },
	{ "", "<emulator></emulator>", "t.xml:7: <emulator>: '' is not an absolute path" },
	{ "", "<graphics type='sdl'/>",
	  "t.xml:7: <graphics>: unsupported type 'sdl' (expected vnc or spice)" },
	{ "", "<video><model type='vga'/></video><graphics type='spice'/><graphics type='spice'/>",
	  "t.xml:7: <graphics>: a domain has one spice display, which line 7 has" },
	{ "",
	  "<video><model type='vga'/></video><graphics type='vnc'><image compression='off'/></graphics>",
	  "t.xml:7: <image>: image compression is SPICE's" },
	{ "",
	  "<video><model type='vga'/></video><graphics type='vnc'><clipboard copypaste='no'/></graphics>",
	  "t.xml:7: <clipboard>: the clipboard is SPICE's" },
	{ "",
	  "<video><model type='vga'/></video><graphics type='spice'><streaming mode='smart'/></graphics>",
	  "t.xml:7: <streaming>: unsupported mode 'smart' (expected filter, all or off)" },
	{ "",
	  "<video><model type='vga'/></video><graphics type='spice'><gl enable='yes'/></graphics>",
	  "t.xml:7: <gl>: unsupported enable 'yes': vmkit gives QEMU no host GPU to render on" },
	{ "",
	  "<video><model type='vga'/></video><graphics type='spice'><gl enable='no' rendernode='/dev/dri/renderD128'/></graphics>",
	  "t.xml:7: <gl>: unsupported attribute 'rendernode'" },
	{ "",
	  "<video><model type='vga'/></video><graphics type='spice'><mouse mode='client'/><mouse mode='server'/></graphics>",
	  "t.xml:7: <mouse>: duplicate element" },
	{ "",
	  "<video><model type='vga'/></video><graphics type='spice'><image compression='zip'/></graphics>",
	  "t.xml:7: <image>: unsupported compression 'zip'" },
	{ "",
	  "<video><model type='vga'/></video><graphics type='spice'><channel name='main' mode='secure'/></graphics>",
	  "t.xml:7: <channel>: a secure channel needs SPICE's TLS, which vmkit does not configure: use mode='insecure' or 'any'" },
	{ "",
	  "<video><model type='vga'/></video><graphics type='vnc'><channel name='main' mode='insecure'/></graphics>",
	  "t.xml:7: <channel>: channel modes are SPICE's" },
	{ "",
	  "<video><model type='vga'/></video><graphics type='spice'><listen type='address' address='10.0.0.1'/></graphics>",
	  "t.xml:7: <graphics>: listening on '10.0.0.1', which is not loopback, needs a passwd" },
	{ "",
	  "<video><model type='vga'/></video><graphics type='vnc' keymap='de'/>\n<graphics type='spice' keymap='fr'/>",
	  "t.xml:8: <graphics>: keymap 'fr' differs from line 7's 'de': the machine has one keyboard layout" },
	{ "", "<graphics type='vnc' websocket='5700'/>",
	  "t.xml:7: <graphics>: unsupported attribute 'websocket'" },
	{ "", "<graphics type='vnc' passwdValidTo='2030-01-01T00:00:00'/>",
	  "t.xml:7: <graphics>: passwdValidTo needs a passwd" },
	{ "", "<graphics type='vnc' passwd='p' passwdValidTo='2030-01-01 00:00:00'/>",
	  "t.xml:7: <graphics>: invalid passwdValidTo '2030-01-01 00:00:00' (expected YYYY-MM-DDTHH:MM:SS, in UTC)" },
	{ "", "<graphics type='vnc' keymap='xx'/>",
	  "t.xml:7: <graphics>: unsupported keymap 'xx'" },
	{ "", "<graphics type='vnc' passwd=''/>", "t.xml:7: <graphics>: an empty passwd" },
	{ "", "<graphics type='vnc'/>",
	  "t.xml:7: <graphics>: a display needs a video device to show: add <video><model type='vga'/></video>" },
	{ "", "<video><model type='vga'/></video><graphics type='vnc'/><graphics type='vnc'/>",
	  "t.xml:7: <graphics>: a domain has one vnc display, which line 7 has" },
	{ "",
	  "<video><model type='vga'/></video><graphics type='vnc'><listen type='address' address='0.0.0.0'/></graphics>",
	  "t.xml:7: <graphics>: listening on '0.0.0.0', which is not loopback, needs a passwd" },
	{ "",
	  "<video><model type='vga'/></video><graphics type='vnc' listen='192.168.1.1' port='5901' autoport='no'/>",
	  "t.xml:7: <graphics>: listening on '192.168.1.1', which is not loopback, needs a passwd" },
	{ "",
	  "<video><model type='vga'/></video><graphics type='vnc'><listen type='address' address='::'/></graphics>",
	  "t.xml:7: <graphics>: listening on '::', which is not loopback, needs a passwd" },
	{ "", "<video><model type='vga'/></video><graphics type='vnc' port='5901'/>",
	  "t.xml:7: <graphics>: port 5901 needs <listen type='address' address='127.0.0.1'/>" },
	{ "",
	  "<video><model type='vga'/></video><graphics type='vnc' port='80'><listen type='address'/></graphics>",
	  "t.xml:7: <graphics>: invalid port '80'" },
	{ "",
	  "<video><model type='vga'/></video><graphics type='vnc'><listen type='address' address='localhost'/></graphics>",
	  "t.xml:7: <listen>: listen address 'localhost' is not a numeric IPv4 or IPv6 address" },
	{ "",
	  "<video><model type='vga'/></video><graphics type='vnc'><listen type='network' network='default'/></graphics>",
	  "t.xml:7: <listen>: unsupported type 'network' (expected address or socket)" },
	{ "",
	  "<video><model type='vga'/></video><graphics type='vnc'><listen type='socket' socket='/tmp/v.sock'/></graphics>",
	  "t.xml:7: <listen>: vmkit puts the socket in the domain's run directory" },
	{ "",
	  "<video><model type='vga'/></video><graphics type='vnc' listen='127.0.0.1'><listen type='socket'/></graphics>",
	  "t.xml:7: <listen>: <graphics listen='127.0.0.1'> asks for an address, not a socket" },
	{ "",
	  "<video><model type='vga'/></video><graphics type='vnc' listen='127.0.0.1'><listen type='address' address='::1'/></graphics>",
	  "t.xml:7: <listen>: address '::1' differs from <graphics listen='127.0.0.1'>" },
	{ "",
	  "<video><model type='vga'/></video><graphics type='vnc'><listen type='socket'/><listen type='address'/></graphics>",
	  "t.xml:7: <listen>: a display listens in one place only" },
	{ "", "<video/>", "t.xml:7: <video>: missing <model type='...'/>" },
	{ "", "<video><model type='vmvga'/></video>",
	  "t.xml:7: <model>: unsupported type 'vmvga'" },
	{ "", "<video><model type='vga' ram='65536'/></video>",
	  "t.xml:7: <model>: model 'vga' has no 'ram'" },
	{ "", "<video><model type='virtio' vram='16384'/></video>",
	  "t.xml:7: <model>: model 'virtio' has no 'vram'" },
	{ "", "<video><model type='vga' heads='2'/></video>",
	  "t.xml:7: <model>: model 'vga' has one head" },
	{ "", "<video><model type='qxl' heads='17'/></video>",
	  "t.xml:7: <model>: invalid heads '17' (expected an integer from 1 to 16)" },
	{ "", "<video><model type='qxl' vram='1000'/></video>",
	  "t.xml:7: <model>: invalid vram '1000'" },
	{ "", "<video><model type='qxl' vgamem='1536'/></video>",
	  "t.xml:7: <model>: vgamem='1536' is not a whole number of MiB (in KiB)" },
	{ "", "<video><model type='cirrus' vram='8192'/></video>",
	  "t.xml:7: <model>: cirrus has 16384 KiB of vram, not '8192'" },
	{ "", "<video><model type='vga'><acceleration accel3d='yes'/></model></video>",
	  "t.xml:7: <acceleration>: unsupported accel3d 'yes' (expected no)" },
	{ "", "<video><driver name='qemu'/><model type='vga'/></video>",
	  "t.xml:7: <driver>: unsupported element" },
	{ "", "<video><model type='vga'/><address type='pci'/></video>",
	  "t.xml:7: <address>: a PCI address needs a slot" },
	{ "", "<video><model type='vga'/></video><video><model type='cirrus'/></video>",
	  "t.xml:7: <video>: model 'cirrus' can only be the primary video (a further one is qxl or virtio)" },
	{ "",
	  "<video><model type='qxl' primary='yes'/></video><video><model type='vga' primary='yes'/></video>",
	  "t.xml:7: <video>: only one video is primary='yes'" },
	{ "", "<video><model type='none'/></video><video><model type='qxl'/></video>",
	  "t.xml:7: <video>: model 'none' is the only video of a domain" },
	{ "", "<hostdev mode='subsystem' type='pci'/>", "t.xml:7: <hostdev>: unsupported element" },
	{ "", "<channel type='unix'/>",
	  "t.xml:7: <channel>: missing <target type='virtio' name='org.qemu.guest_agent.0'/>" },
	{ "",
	  "<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>",
	  "t.xml:7: <channel>: type 'spicevmc' needs a <graphics type='spice'>: the SPICE server is the agent's other end" },
	{ "",
	  "<video><model type='qxl'/></video><graphics type='spice'/><channel type='spicevmc'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>",
	  "t.xml:7: <target>: a channel of type 'spicevmc' is named 'com.redhat.spice.0', not 'org.qemu.guest_agent.0'" },
	{ "",
	  "<video><model type='qxl'/></video><graphics type='spice'/><channel type='spicevmc'><source mode='bind'/><target type='virtio' name='com.redhat.spice.0'/></channel>",
	  "t.xml:7: <source>: a spicevmc channel has no source: QEMU's SPICE server is its end" },
	{ "",
	  "<video><model type='qxl'/></video><graphics type='spice'/><channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>\n"
	  "<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>",
	  "t.xml:8: <channel>: a domain has one SPICE agent channel, which line 7 has" },
	{ "", "<channel type='spicevmc'/>",
	  "t.xml:7: <channel>: missing <target type='virtio' name='com.redhat.spice.0'/>" },
	{ "", "<channel type='pty'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>",
	  "t.xml:7: <channel>: unsupported type 'pty' (expected unix or spicevmc)" },
	{ "", "<controller type='usb' model='qemu-xhci'/><redirdev bus='usb' type='spicevmc'/>",
	  "t.xml:7: <redirdev>: type 'spicevmc' needs a <graphics type='spice'>: the SPICE client is what redirects the devices" },
	{ "",
	  "<controller type='usb' model='none'/><video><model type='qxl'/></video><graphics type='spice'/><redirdev bus='usb' type='spicevmc'/>",
	  "t.xml:7: <redirdev>: a USB redirection needs a USB controller, which <controller type='usb' model='none'/> turns off" },
	{ "",
	  "<redirdev bus='usb' type='tcp'><source mode='connect' host='localhost' service='4000'/></redirdev>",
	  "t.xml:7: <redirdev>: unsupported type 'tcp' (expected spicevmc)" },
	{ "", "<redirfilter><usbdev allow='no'/></redirfilter>",
	  "t.xml:7: <redirfilter>: there is no <redirdev> to filter" },
	{ "", "<redirfilter><usbdev class='0x100' allow='no'/></redirfilter>",
	  "t.xml:7: <usbdev>: invalid class '0x100' (expected a number from 0 to 0xff, or -1)" },
	{ "", "<redirfilter><usbdev vendor='abc' allow='no'/></redirfilter>",
	  "t.xml:7: <usbdev>: invalid vendor 'abc' (expected a number from 0 to 0xffff, or -1)" },
	{ "", "<redirfilter><usbdev version='2' allow='no'/></redirfilter>",
	  "t.xml:7: <usbdev>: invalid version '2' (expected MAJOR.MINOR, as 2.0, or -1)" },
	{ "", "<redirfilter><usbdev version='2.567' allow='no'/></redirfilter>",
	  "t.xml:7: <usbdev>: invalid version '2.567' (expected MAJOR.MINOR, as 2.0, or -1)" },
	{ "", "<redirfilter><usbdev/></redirfilter>",
	  "t.xml:7: <usbdev>: missing attribute 'allow'" },
	{ "", "<smartcard mode='passthrough' type='spicevmc'/>",
	  "t.xml:7: <smartcard>: unsupported element" },
	{ "", "<channel type='unix'><target type='virtio' name='org.example.0'/></channel>",
	  "t.xml:7: <target>: unsupported name 'org.example.0' (expected org.qemu.guest_agent.0 or com.redhat.spice.0)" },
	{ "",
	  "<channel type='unix'><target type='guestfwd' name='org.qemu.guest_agent.0'/></channel>",
	  "t.xml:7: <target>: unsupported type 'guestfwd' (expected virtio)" },
	{ "",
	  "<channel type='unix'><source mode='bind' path='qemu/channel/target/a'/>"
	  "<target type='virtio' name='org.qemu.guest_agent.0'/></channel>",
	  "t.xml:7: <source>: invalid path 'qemu/channel/target/a' (expected an absolute path whose last name has 1 to 80 characters)" },
	{ "",
	  "<channel type='unix'><source mode='bind' path='/run/agent/'/>"
	  "<target type='virtio' name='org.qemu.guest_agent.0'/></channel>",
	  "t.xml:7: <source>: invalid path '/run/agent/' (expected an absolute path whose last name has 1 to 80 characters)" },
	{ "",
	  "<channel type='unix'><source mode='connect'/><target type='virtio' name='org.qemu.guest_agent.0'/></channel>",
	  "t.xml:7: <source>: unsupported mode 'connect' (expected bind)" },
	{ "",
	  "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/><address type='virtio-serial' controller='0' bus='1' port='1'/></channel>",
	  "t.xml:7: <address>: invalid bus '1' (expected an integer from 0 to 0)" },
	{ "",
	  "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>"
	  "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>",
	  "t.xml:7: <channel>: a domain has one guest agent channel" },
	{ "", "<controller type='virtio-serial' index='32'/>",
	  "t.xml:7: <controller>: invalid index '32' (expected an integer from 0 to 31)" },
	{ "",
	  "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/><address type='virtio-serial' controller='32' bus='0' port='1'/></channel>",
	  "t.xml:7: <address>: invalid controller '32' (expected an integer from 0 to 31)" },
};

static const struct bad_doc {
	const char *xml, *msg;
} bad_docs[] = {
	{ "", "t.xml:1: cannot parse XML: document is empty" },
	{ "<domain type='qemu'><name>x</name><memory>1024</memory><os><type>hvm</type></os>\n"
	  "<features><hyperv><vpindex state='on'/></hyperv></features></domain>",
	  "t.xml:2: <vpindex>: needs domain type 'kvm': QEMU cannot set it under TCG" },
	{ "<domain type='kvm'>\n<name>x</name>\n", "t.xml:3: cannot parse XML: " },
	{ "<domain type='kvm'><name>x</name><memory>1024</memory></domain>",
	  "t.xml:1: <domain>: missing <os>" },
	{ "<domain type='kvm'><memory>1024</memory><os><type>hvm</type></os></domain>",
	  "t.xml:1: <domain>: missing <name>" },
	{ "<domain><name>x</name></domain>", "t.xml:1: <domain>: missing attribute 'type'" },
	{ "<domain type='kvm'><name>x</name><memory>1024</memory><os/></domain>",
	  "t.xml:1: <os>: missing <type>" },
	{ "<domain type='kvm'><name>x</name><memory>1024</memory>\n<os><type>xen</type></os></domain>",
	  "t.xml:2: <type>: unsupported value 'xen' (expected hvm)" },
	{ "<domain type='kvm'><name>x</name><memory>1024</memory>\n<os><type arch='aarch64'>hvm</type></os></domain>",
	  "t.xml:2: <type>: unsupported arch 'aarch64' (expected x86_64 or i686)" },
	{ "<domain type='kvm'><name>x</name><memory>1024</memory>\n<os><type machine='pc q35'>hvm</type></os></domain>",
	  "t.xml:2: <type>: invalid machine 'pc q35'" },
	{ "<domain type='kvm'><name>x</name><memory>1024</memory><os><type machine='pc-i440fx-7.2'>hvm</type></os>\n<devices><controller type='pci' model='pcie-root-port'/></devices></domain>",
	  "t.xml:2: <controller>: model 'pcie-root-port' needs a q35 machine" },
	{ "<domain type='kvm'><name>x</name><memory>1024</memory>\n<os><type>hvm</type><initrd>i</initrd></os></domain>",
	  "t.xml:2: <os>: <initrd> needs <kernel>" },
	{ "<domain type='kvm'><name>x</name><memory>1024</memory>\n<os><type>hvm</type><cmdline>c</cmdline></os></domain>",
	  "t.xml:2: <os>: <cmdline> needs <kernel>" },
	{ "<domain type='kvm'><name>x</name><memory>1024</memory>\n<os><type>hvm</type><kernel> </kernel></os></domain>",
	  "t.xml:2: <kernel>: empty value" },
	{ "<domain type='kvm'><name>x</name><memory>1024</memory>\n<os><type>hvm</type><boot dev='hd'/><boot dev='hd'/></os></domain>",
	  "t.xml:2: <boot>: duplicate boot device 'hd'" },
	{ "<domain type='kvm'><name>x</name><memory>1024</memory>\n<os><type>hvm</type><boot dev='usb'/></os></domain>",
	  "t.xml:2: <boot>: unsupported dev 'usb' (expected hd, cdrom, network or fd)" },
	{ "<domain type='kvm'><name>x</name><memory>1024</memory><os><type>hvm</type><boot dev='network'/></os>\n"
	  "<devices><interface type='user'><boot order='1'/></interface></devices></domain>",
	  "t.xml:1: <domain>: the interface of line 2 has <boot order>, which cannot be used with <os><boot dev>" },
	{ "<domain type='kvm'><name>x</name><memory>1024</memory><os><type>hvm</type><boot dev='hd'/></os>\n"
	  "<devices><disk><source file='disk.img'/><target dev='vda'/><boot order='1'/></disk></devices></domain>",
	  "t.xml:2: <disk>: <boot order> cannot be used with <os><boot dev>" },
	{ "<domain type='kvm'><name>x</name><memory>1024</memory>\n<os firmware='efi'><type>hvm</type>"
	  "<firmware><feature enabled='yes' name='secure-boot'/></firmware></os><features><acpi/></features></domain>",
	  "t.xml:2: <os>: firmware='efi' (uefi for x86_64 on pc-i440fx-7.2 with secure-boot): no firmware descriptor in" },
	{ "<domain type='kvm'><name>x</name><memory>1024</memory>\n<os><type>hvm</type><loader readonly='yes' type='pflash'>/x</loader></os></domain>",
	  "t.xml:2: <loader>: cannot access firmware '/x': No such file or directory" },
	{ "<domain type='kvm'><name>x</name><memory>1024</memory>\n<os><type>hvm</type><firmware><feature enabled='yes' name='secure-boot'/></firmware></os></domain>",
	  "t.xml:2: <feature>: firmware features need <os firmware='efi'>" },
	{ "<domain type='kvm'><name>x</name><memory>1024</memory>\n<os firmware='efi'><type>hvm</type></os></domain>",
	  "t.xml:2: <os>: firmware='efi' needs <features><acpi/></features>" },
	{ "<domain type='kvm'><name>x</name><memory>1024</memory>\n<os><type>hvm</type><bios useserial='yes'/></os></domain>",
	  "t.xml:2: <os>: <bios useserial='yes'> needs a <serial>" },
	{ "<domain type='kvm'><name>x</name><memory>1024</memory><os><type>hvm</type>\n<smbios mode='host'/></os></domain>",
	  "t.xml:2: <smbios>: mode='host' is not supported" },
	{ "<domain type='kvm'><name>x</name><memory>1024</memory><os><type>hvm</type>\n<smbios mode='sysinfo'/></os></domain>",
	  "t.xml:2: <smbios>: mode='sysinfo' needs <sysinfo type='smbios'>" },
	{ "<domain type='kvm'><name>x</name><memory>1024</memory>\n<sysinfo type='smbios'><bios><entry name='vendor'>v</entry></bios></sysinfo><os><type>hvm</type></os></domain>",
	  "t.xml:2: <sysinfo>: QEMU is given it only with <os><smbios mode='sysinfo'/></os>" },
	{ "<domain type='kvm'><name>x</name><memory>1024</memory><sysinfo type='smbios'><bios>\n<entry name='serial'>v</entry></bios></sysinfo><os><type>hvm</type><smbios mode='sysinfo'/></os></domain>",
	  "t.xml:2: <entry>: unsupported name 'serial' in <bios>" },
	{ "<domain type='kvm'><name>x</name><memory>1024</memory><os><type>hvm</type>\n<bootmenu enable='no' timeout='3'/></os></domain>",
	  "t.xml:2: <bootmenu>: timeout needs enable='yes'" },
	{ "<domain type='kvm'><name>x</name><uuid>c7a5fdbd-cdaf-9455-926a-d65c16db1809</uuid><memory>1024</memory>\n<sysinfo type='smbios'><system><entry name='uuid'>c7a5fdbd-cdaf-9455-926a-d65c16db1800</entry></system></sysinfo><os><type>hvm</type><smbios mode='sysinfo'/></os></domain>",
	  "t.xml:2: <sysinfo>: the system uuid 'c7a5fdbd-cdaf-9455-926a-d65c16db1800' is not the domain's <uuid>" },
	{ "<domain type='qemu'><name>x</name><memory>1024</memory>\n<cpu mode='host-passthrough'/></domain>",
	  "t.xml:2: <cpu>: mode 'host-passthrough' needs domain type 'kvm'" },
	{ "<domain type='kvm'><name> </name></domain>",
	  "t.xml:1: <name>: invalid domain name '': it must have 1 to 64 characters" },
	{ "<domain type='kvm' xmlns:x='urn:x' x:a='1'/>",
	  "t.xml:1: <domain>: unsupported attribute 'x:a'" },
	{ "<domain xmlns='urn:x' type='kvm'/>", "t.xml: expected a <domain> element" },
	{ "<domain type='kvm'><x:name xmlns:x='urn:x'>a</x:name></domain>",
	  "t.xml:1: <x:name>: unsupported element" },
};

static void
test_interfaces(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_domain *d = NULL;
	const struct vm_iface *i;

	ok(parse_with("",
		      "<interface type='bridge'><source bridge='br0'/><mac address='52:54:0:AB:c:1'/>"
		      "<model type='e1000e'/><mtu size='9000'/><link state='down'/>"
		      "<target dev='tap-a'/><driver name='qemu' queues='1'/></interface>\n"
		      "<interface type='network'><source network='default'/>"
		      "<target dev='vnet7'/><model type='vmxnet3'/></interface>\n"
		      "<interface type='ethernet'><target dev='vnet3' managed='no'/></interface>\n"
		      "<interface type='ethernet'/>",
		      &d, &err) == 0 &&
		   d->nifaces == 4,
	   "bridge, network and ethernet interfaces parse: %s", err.msg);
	if (!d)
		return;
	i = &d->ifaces[0];
	ok(i->type == VM_IFACE_BRIDGE && !strcmp(i->source, "br0") &&
		   !strcmp(i->mac, "52:54:00:ab:0c:01") && !strcmp(i->model, "e1000e") &&
		   i->mtu == 9000 && i->link_down && !strcmp(i->target, "tap-a") && !i->unmanaged &&
		   i->line == 7 && vm_net_has_tap(i),
	   "a bridge interface: its mac in libvirt's form, mtu, link, target");
	i = &d->ifaces[1];
	ok(i->type == VM_IFACE_NETWORK && !strcmp(i->source, "default") && !i->target && !i->mac &&
		   !i->link_down && !strcmp(i->model, "vmxnet3"),
	   "a network interface: a vnet name is the kernel's to choose, as libvirt does");
	i = &d->ifaces[2];
	ok(i->type == VM_IFACE_ETHERNET && i->unmanaged && !strcmp(i->target, "vnet3") &&
		   !i->source && !strcmp(i->model, "virtio"),
	   "an existing tap (managed='no') keeps its vnet name");
	i = &d->ifaces[3];
	ok(i->type == VM_IFACE_ETHERNET && !i->unmanaged && !i->target && vm_net_has_tap(i),
	   "an ethernet interface with nothing: a new tap on no bridge");
	vm_domain_free(d);
	d = NULL;
	ok(parse_with("",
		      "<interface type='user'><boot order='3'/><rom bar='off' file='/r/pxe,1.rom'/>"
		      "<portForward proto='tcp' address='127.0.0.1'><range start='2222' to='22'/>"
		      "<range start='8080' end='8081'/></portForward>"
		      "<portForward proto='udp'><range start='53'/></portForward></interface>\n"
		      "<interface type='user'><rom enabled='no'/></interface>",
		      &d, &err) == 0,
	   "boot order, rom and port forwards parse: %s", err.msg);
	if (!d)
		return;
	i = &d->ifaces[0];
	ok(i->boot_order == 3 && i->rom_bar == VM_ROM_BAR_OFF &&
		   !strcmp(i->rom_file, "/r/pxe,1.rom") && !i->rom_disabled && i->nfwds == 3 &&
		   !i->fwds[0].udp && !strcmp(i->fwds[0].address, "127.0.0.1") &&
		   i->fwds[0].start == 2222 && i->fwds[0].end == 2222 && i->fwds[0].to == 22 &&
		   i->fwds[1].start == 8080 && i->fwds[1].end == 8081 && i->fwds[1].to == 8080 &&
		   i->fwds[2].udp && !i->fwds[2].address && i->fwds[2].to == 53,
	   "an interface's boot order, rom and port forwards: a range's address and protocol are its <portForward>'s, its guest port its start's by default");
	i = &d->ifaces[1];
	ok(i->rom_disabled && !i->rom_file && i->rom_bar == VM_ROM_BAR_DEFAULT && !i->boot_order,
	   "<rom enabled='no'>");
	vm_domain_free(d);
	d = NULL;
	ok(parse_with("",
		      "<interface type='ethernet'><target dev='t' managed='no'/><target dev='u'/></interface>",
		      &d, &err) == -1 &&
		   starts(err.msg, "t.xml:7: <target>: duplicate element"),
	   "one target: %s", err.msg);
	ok(parse_with("",
		      "<interface type='ethernet'><target dev='vmk1' managed='no'/></interface>\n"
		      "<interface type='ethernet'>\n<target dev='x' managed='no'/>"
		      "</interface><interface type='ethernet'>\n<target dev='vnet1' managed='yes'/></interface>",
		      &d, &err) == 0 &&
		   !strcmp(d->ifaces[0].target, "vmk1") && !d->ifaces[2].target,
	   "managed='yes' with a reserved name leaves the choice to the kernel: %s", err.msg);
	vm_domain_free(d);
	d = NULL;
	ok(parse_with("", "<interface type='ethernet'><target dev='x' managed='no'/>\n</interface>",
		      &d, &err) == 0,
	   "managed='no' with a target: %s", err.msg);
	vm_domain_free(d);
	d = NULL;
	ok(parse_with("",
		      "<interface type='ethernet'>\n<target dev='vnet1' managed='no'/>\n</interface>",
		      &d, &err) == 0,
	   "managed='no' opens a vnet name: %s", err.msg);
	vm_domain_free(d);
	d = NULL;
	ok(parse_with("",
		      "<interface type='ethernet'><target dev='vmk0'/><mac address='52:54:00:00:00:01'/></interface>",
		      &d, &err) == 0 &&
		   !d->ifaces[0].target,
	   "a reserved name without managed='no' is dropped: %s", err.msg);
	vm_domain_free(d);
}

/* The rules behind vm-attach --interface and a lone <interface>: the domain XML's. */
static void
test_interface_rules(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_iface i;
	static const char lone[] = "<interface type='bridge'>\n<source bridge='br0'/>"
				   "<driver name='vhost' queues='4'/></interface>";
	static const char bad[] = "<interface type='network'>\n<mac address='01:00:00:00:00:01'/>"
				  "</interface>";

	ok(vm_net_from_args(&i, "bridge:br0", "52:54:00:AA:0:1", "e1000e", &err) == 0 &&
		   i.type == VM_IFACE_BRIDGE && !strcmp(i.source, "br0") &&
		   !strcmp(i.mac, "52:54:00:aa:00:01") && !strcmp(i.model, "e1000e"),
	   "--interface bridge:br0 with a mac and model: %s", err.msg);
	vm_net_clear(&i);
	ok(vm_net_from_args(&i, "network:default", NULL, NULL, &err) == 0 &&
		   i.type == VM_IFACE_NETWORK && !strcmp(i.source, "default") && !i.mac &&
		   !strcmp(i.model, "virtio"),
	   "--interface network:default is virtio with a MAC to make: %s", err.msg);
	vm_net_clear(&i);
	ok(vm_net_from_args(&i, "ethernet:tap-x", NULL, NULL, &err) == 0 &&
		   i.type == VM_IFACE_ETHERNET && !strcmp(i.target, "tap-x") && !i.unmanaged,
	   "--interface ethernet:NAME names the tap to make: %s", err.msg);
	vm_net_clear(&i);
	ok(vm_net_from_args(&i, "bridge:br0", "ff:ff:ff:ff:ff:ff", NULL, &err) == -1 &&
		   err.code == VM_EXIT_INVALID &&
		   !strcmp(err.msg, "invalid MAC address 'ff:ff:ff:ff:ff:ff': it is multicast"),
	   "--mac: a multicast MAC is the XML's error: %s", err.msg);
	ok(vm_net_from_args(&i, "bridge:br0", NULL, "ne2k_pci", &err) == -1 &&
		   err.code == VM_EXIT_INVALID &&
		   starts(err.msg, "unsupported interface model 'ne2k_pci' (expected virtio"),
	   "--model: %s", err.msg);
	ok(vm_net_from_args(&i, "direct:eth0", NULL, NULL, &err) == -1 &&
		   err.code == VM_EXIT_INVALID &&
		   !strcmp(err.msg,
			   "unsupported type 'direct' (expected user, bridge, network or ethernet)"),
	   "an unknown type: %s", err.msg);
	ok(vm_net_from_args(&i, "user:x", NULL, NULL, &err) == -1 && err.code == VM_EXIT_INVALID &&
		   strstr(err.msg, "vm-attach plugs in taps"),
	   "user is not hotplugged: %s", err.msg);
	ok(vm_net_from_args(&i, "br0", NULL, NULL, &err) == -1 && err.code == VM_EXIT_INVALID &&
		   starts(err.msg, "invalid interface 'br0' (expected bridge:BRIDGE"),
	   "no type: %s", err.msg);
	ok(vm_net_parse(lone, sizeof(lone) - 1, "n.xml", &i, &err) == 0 &&
		   i.type == VM_IFACE_BRIDGE && i.queues == 4 && i.vhost == VM_VHOST_ON &&
		   i.line == 1 && !strcmp(i.model, "virtio"),
	   "a lone <interface> with queues and vhost: %s", err.msg);
	ok(vm_net_queues(&i) == 4 && vm_net_wants_vhost(&i), "four queues, vhost asked for");
	vm_net_clear(&i);
	ok(vm_net_parse(bad, sizeof(bad) - 1, "n.xml", &i, &err) == -1 &&
		   err.code == VM_EXIT_INVALID &&
		   !strcmp(err.msg,
			   "n.xml:2: <mac>: invalid MAC address '01:00:00:00:00:01': it is multicast"),
	   "a lone <interface> has the domain's rules, with file and line: %s", err.msg);
	ok(vm_net_parse("<disk/>", 7, "n.xml", &i, &err) == -1 && err.code == VM_EXIT_INVALID &&
		   !strcmp(err.msg, "n.xml: expected an <interface> element"),
	   "a lone element that is not an interface: %s", err.msg);
}

/* vhost asked for where /dev/vhost-net is absent; the default takes it only where it is. */
static void
test_vhost(void)
{
	struct vm_conf conf;
	struct vm_error err = VM_ERROR_INIT;
	struct vm_iface on = { .type = VM_IFACE_BRIDGE,
			       .source = "br0",
			       .model = "virtio",
			       .vhost = VM_VHOST_ON,
			       .line = 9 };
	struct vm_iface dflt = { .type = VM_IFACE_BRIDGE, .source = "br0", .model = "virtio" };
	struct vm_iface off = dflt;
	bool present = access("/dev/vhost-net", F_OK) == 0;

	off.vhost = VM_VHOST_OFF;
	vm_conf_init(&conf);
	ok(vm_net_wants_vhost(&dflt) == present && !vm_net_wants_vhost(&off),
	   "vhost by default exactly where /dev/vhost-net exists (%s here); never with name='qemu'",
	   present ? "it does" : "it does not");
	if (present) {
		ok(vm_net_check_host(&on, &conf, "d.xml", &err) == 0,
		   "vhost asked for and present");
	} else {
		ok(vm_net_check_host(&on, &conf, "d.xml", &err) == -1 &&
			   err.code == VM_EXIT_INVALID &&
			   starts(err.msg,
				  "d.xml:9: <interface>: <driver name='vhost'> asks for vhost-net, and this host has no /dev/vhost-net"),
		   "vhost asked for where it is absent is refused: %s", err.msg);
	}
	vm_conf_free(&conf);
}

static void
test_networks(void)
{
	struct vm_conf conf;
	struct vm_error err = VM_ERROR_INIT;
	struct vm_iface bridge = { .type = VM_IFACE_BRIDGE, .source = "br1", .line = 3 };
	struct vm_iface net = { .type = VM_IFACE_NETWORK, .source = "default", .line = 4 };
	struct vm_iface other = { .type = VM_IFACE_NETWORK, .source = "lab", .line = 5 };
	struct vm_iface eth = { .type = VM_IFACE_ETHERNET };
	static const char text[] = "network.default = \"br0\"\n";
	const char *b = "x";

	vm_conf_init(&conf);
	ok(vm_conf_parse(&conf, text, sizeof(text) - 1, "c", &err) == 0, "network.NAME: %s",
	   err.msg);
	ok(vm_net_bridge(&bridge, &conf, "d.xml", &b, &err) == 0 && !strcmp(b, "br1"),
	   "a bridge interface's bridge is its source");
	ok(vm_net_bridge(&net, &conf, "d.xml", &b, &err) == 0 && !strcmp(b, "br0"),
	   "a network maps to its bridge");
	ok(vm_net_bridge(&eth, &conf, "d.xml", &b, &err) == 0 && !b, "ethernet joins no bridge");
	ok(vm_net_bridge(&other, &conf, "d.xml", &b, &err) == -1 && err.code == VM_EXIT_INVALID &&
		   starts(err.msg,
			  "d.xml:5: <interface>: network 'lab' is not mapped to a host bridge") &&
		   strstr(err.msg, "set network.lab = \"BRIDGE\" in "),
	   "an unmapped network names the key to set: %s", err.msg);
	vm_conf_free(&conf);
}

static void
test_displays(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_domain *d = NULL;
	const struct vm_graphics *g;
	const struct vm_video *v;

	ok(parse_with("", "<video><model type='vga'/></video>\n<graphics type='vnc'/>", &d, &err) ==
			   0 &&
		   d->ngraphics == 1,
	   "a VNC display: %s", err.msg);
	if (!d)
		return;
	g = &d->graphics[0];
	ok(g->type == VM_GRAPHICS_VNC && g->listen == VM_GRAPHICS_SOCKET && !g->address &&
		   !g->port && !g->passwd && !g->keymap && g->line == 8,
	   "without <listen>, a VNC display is a unix socket");
	v = &d->videos[0];
	ok(d->nvideos == 1 && v->model == VM_VIDEO_VGA && v->vram == 16384 && v->heads == 1 &&
		   v->primary,
	   "a vga gets libvirt's 16 MiB of vram and is the primary video");
	vm_domain_free(d);
	d = NULL;
	ok(parse_with("",
		      "<video><model type='vga'/></video>\n"
		      "<graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1' keymap='de' passwd='pw'>"
		      "<listen type='address' address='127.0.0.1'/></graphics>",
		      &d, &err) == 0 &&
		   d->graphics[0].listen == VM_GRAPHICS_ADDRESS &&
		   !strcmp(d->graphics[0].address, "127.0.0.1") && d->graphics[0].port == 0 &&
		   !strcmp(d->graphics[0].keymap, "de") && !strcmp(d->graphics[0].passwd, "pw"),
	   "virt-install's VNC: loopback, autoport, keymap and passwd: %s", err.msg);
	vm_domain_free(d);
	d = NULL;
	ok(parse_with("",
		      "<video><model type='vga'/></video>\n"
		      "<graphics type='vnc' port='5905' autoport='no'><listen type='address'/></graphics>",
		      &d, &err) == 0 &&
		   !strcmp(d->graphics[0].address, "127.0.0.1") && d->graphics[0].port == 5905,
	   "a fixed port, on loopback when <listen> has no address: %s", err.msg);
	vm_domain_free(d);
	d = NULL;
	ok(parse_with("",
		      "<video><model type='vga'/></video>\n"
		      "<graphics type='vnc' port='5905' autoport='yes'><listen type='address' address='::1'/></graphics>",
		      &d, &err) == 0 &&
		   !strcmp(d->graphics[0].address, "::1") && d->graphics[0].port == 0,
	   "autoport='yes' picks a port whatever port says, as libvirt: %s", err.msg);
	vm_domain_free(d);
	d = NULL;
	ok(parse_with("",
		      "<video><model type='qxl'/></video>\n"
		      "<graphics type='spice' autoport='yes'><listen type='address'/><image compression='off'/></graphics>\n"
		      "<graphics type='vnc' keymap='fr'/>",
		      &d, &err) == 0 &&
		   d->ngraphics == 2 && d->graphics[0].type == VM_GRAPHICS_SPICE &&
		   d->graphics[0].listen == VM_GRAPHICS_ADDRESS &&
		   !strcmp(d->graphics[0].address, "127.0.0.1") && !d->graphics[0].port &&
		   !strcmp(d->graphics[0].spice[VM_GRAPHICS_IMAGE], "off") &&
		   d->graphics[1].type == VM_GRAPHICS_VNC &&
		   d->graphics[1].listen == VM_GRAPHICS_SOCKET,
	   "virt-install's SPICE, and a VNC display beside it: %s", err.msg);
	vm_domain_free(d);
	d = NULL;
	ok(parse_with("",
		      "<video><model type='qxl' ram='131072' vgamem='32768' heads='2'/></video>\n"
		      "<graphics type='vnc' passwd='pw'><listen type='address' address='0.0.0.0'/></graphics>\n"
		      "<video><model type='virtio' heads='4' primary='yes'/></video>",
		      &d, &err) == 0 &&
		   !strcmp(d->graphics[0].address, "0.0.0.0"),
	   "any address with a passwd; qxl and virtio as further videos: %s", err.msg);
	if (!d)
		return;
	v = d->videos;
	ok(d->nvideos == 2 && v[0].model == VM_VIDEO_VIRTIO && v[0].primary && v[0].heads == 4 &&
		   v[0].line == 9 && v[1].model == VM_VIDEO_QXL && !v[1].primary &&
		   v[1].ram == 131072 && v[1].vram == 65536 && v[1].vgamem == 32768 &&
		   v[1].heads == 2,
	   "the primary='yes' video goes first; qxl keeps libvirt's defaults where none is said");
	vm_domain_free(d);
}

static void
test_inputs(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_domain *d = NULL;
	const struct vm_input *in;

	ok(parse_with("",
		      "<controller type='usb' index='0' model='qemu-xhci'/>\n"
		      "<input type='tablet'/><input type='mouse'/><input type='keyboard' bus='virtio'/>"
		      "<input type='keyboard' bus='usb'/>",
		      &d, &err) == 0 &&
		   d->ninputs == 4 && d->usb == VM_USB_QEMU_XHCI,
	   "inputs on usb, ps2 and virtio, with a USB controller: %s", err.msg);
	if (!d)
		return;
	in = d->inputs;
	ok(in[0].type == VM_INPUT_TABLET && in[0].bus == VM_INPUT_USB &&
		   in[1].type == VM_INPUT_MOUSE && in[1].bus == VM_INPUT_PS2 &&
		   in[2].type == VM_INPUT_KEYBOARD && in[2].bus == VM_INPUT_VIRTIO &&
		   in[3].bus == VM_INPUT_USB && in[0].line == 8,
	   "libvirt's default buses: usb for a tablet, ps2 for a mouse or keyboard");
	vm_domain_free(d);
	d = NULL;
	ok(parse_with("",
		      "<controller type='usb' model='piix3-uhci'/><input type='tablet' bus='virtio'/>",
		      &d, &err) == 0 &&
		   d->usb == VM_USB_PIIX3_UHCI && d->inputs[0].bus == VM_INPUT_VIRTIO,
	   "piix3-uhci, and a virtio tablet: %s", err.msg);
	vm_domain_free(d);
	d = NULL;
	ok(parse_with("",
		      "<controller type='usb' model='nec-xhci' ports='8'/><input type='tablet'/>",
		      &d, &err) == 0 &&
		   d->usb == VM_USB_NEC_XHCI && d->controllers[0].ports == 8 &&
		   d->inputs[0].addr.type == VM_ADDRESS_USB && d->inputs[0].addr.port == 1,
	   "nec-xhci with its ports, and a tablet on its port 1: %s", err.msg);
	vm_domain_free(d);
}

/* The ich9 USB2 set: one slot, ehci at function 7, uhci at 0 to 2 (1d on q35), as libvirt 9.0 */
static void
test_usb2(void)
{
	static const char *const set =
		"<controller type='usb' index='0' model='ich9-uhci2'><master startport='2'/></controller>\n"
		"<controller type='usb' index='0' model='ich9-ehci1'/>\n"
		"<controller type='usb' model='ich9-uhci1'><master startport='0'/></controller>\n"
		"<controller type='usb' index='0' model='ich9-uhci3'><master startport='4'/></controller>\n"
		"<interface type='user'/><input type='tablet' bus='usb'/>";
	struct vm_error err = VM_ERROR_INIT;
	struct vm_domain *d = NULL;
	const struct vm_controller *c;
	char xml[2048];

	for (int q35 = 0; q35 <= 1; q35++) {
		snprintf(xml, sizeof(xml),
			 "<domain type='kvm'>\n<name>t</name>\n<memory>1024</memory>\n"
			 "<os><type machine='%s'>hvm</type></os>\n<devices>\n%s\n</devices>\n"
			 "</domain>\n",
			 q35 ? "q35" : "pc", set);
		d = NULL;
		bool parsed = parse_text(xml, &d, &err) == 0 && d->usb == VM_USB_ICH9_EHCI1 &&
			      d->ncontrollers >= 4;

		ok(parsed, "%s: the ich9 set in any order, of one index, is accepted: %s",
		   q35 ? "q35" : "pc", err.msg);
		if (!parsed) {
			vm_domain_free(d);
			continue;
		}
		c = d->controllers;
		/* pc: after the interface (slot 2), as libvirt; q35: the chipset's slot */
		ok(c[0].usb == VM_USB_ICH9_UHCI2 && c[1].usb == VM_USB_ICH9_EHCI1 &&
			   c[2].usb == VM_USB_ICH9_UHCI1 && c[3].startport == 4 &&
			   c[0].addr.slot == (q35 ? 0x1d : 3) && c[0].addr.function == 1 &&
			   c[1].addr.slot == c[0].addr.slot && c[1].addr.function == 7 &&
			   c[2].addr.slot == c[0].addr.slot && c[2].addr.function == 0 &&
			   c[3].addr.slot == c[0].addr.slot && c[3].addr.function == 2 &&
			   c[2].addr.multifunction && !c[0].addr.multifunction &&
			   !c[1].addr.multifunction && c[0].addr.bus == 0 &&
			   d->inputs[0].addr.port == 1,
		   "%s: ehci at function 7 of slot %#x, uhci1-3 at 0-2, uhci1 multifunction",
		   q35 ? "q35" : "pc", q35 ? 0x1d : 3);
		vm_domain_free(d);
	}
	/* q35 with something in 00:1d: 00:1a */
	snprintf(xml, sizeof(xml),
		 "<domain type='kvm'>\n<name>t</name>\n<memory>1024</memory>\n"
		 "<os><type machine='q35'>hvm</type></os>\n<devices>\n%s\n"
		 "<memballoon model='virtio'><address type='pci' slot='0x1d'/></memballoon>\n"
		 "</devices>\n</domain>\n",
		 set);
	d = NULL;
	ok(parse_text(xml, &d, &err) == 0 && d->controllers[1].addr.slot == 0x1a &&
		   d->controllers[1].addr.function == 7,
	   "q35: the ich9 set in 00:1a when 00:1d is taken: %s", err.msg);
	vm_domain_free(d);
	/* q35, an ehci alone: conventional PCI, on the pcie-to-pci-bridge */
	d = NULL;
	ok(parse_text("<domain type='kvm'>\n<name>t</name>\n<memory>1024</memory>\n"
		      "<os><type machine='q35'>hvm</type></os>\n<devices>\n"
		      "<controller type='usb' model='ich9-ehci1'/>\n</devices>\n</domain>\n",
		      &d, &err) == 0 &&
		   d->controllers[0].addr.bus == 2 && d->controllers[0].addr.slot == 1 &&
		   d->controllers[0].addr.function == 7 &&
		   vm_controller_pci(d, 2)->kind == VM_CONTROLLER_PCIE_PCI,
	   "q35: an ich9-ehci1 alone is at function 7 of a pcie-to-pci-bridge slot: %s", err.msg);
	vm_domain_free(d);
	/* without <master>, libvirt's ports: 0, 2, 4 */
	d = NULL;
	ok(parse_with("",
		      "<controller type='usb' model='ich9-ehci1'/>\n"
		      "<controller type='usb' model='ich9-uhci3'/><controller type='usb' model='ich9-uhci2'/>",
		      &d, &err) == 0 &&
		   d->controllers[1].startport == 4 && d->controllers[2].startport == 2 &&
		   d->controllers[1].addr.slot == d->controllers[0].addr.slot &&
		   d->controllers[1].addr.function == 2,
	   "ich9-uhci without <master> serve libvirt's ports (uhci3 from 4, uhci2 from 2): %s",
	   err.msg);
	vm_domain_free(d);
	/* a second set, first in the file: the slot after the first set's, bus usb1.0 */
	d = NULL;
	ok(parse_with("",
		      "<controller type='usb' index='1' model='ich9-ehci1'/>\n"
		      "<controller type='usb' index='1' model='ich9-uhci1'/>\n"
		      "<controller type='usb' index='0' model='ich9-ehci1'/>\n"
		      "<input type='tablet' bus='usb'><address type='usb' bus='1' port='1'/></input>\n"
		      "<input type='keyboard' bus='usb'><address type='usb' bus='0' port='1'/></input>\n"
		      "<input type='mouse' bus='usb'/>",
		      &d, &err) == 0 &&
		   d->usb == VM_USB_ICH9_EHCI1 && d->controllers[2].addr.slot == 2 &&
		   d->controllers[0].addr.slot == 3 && d->controllers[1].addr.slot == 3 &&
		   d->inputs[0].addr.bus == 1 && d->inputs[1].addr.bus == 0 &&
		   d->inputs[2].addr.bus == 0 && d->inputs[2].addr.port == 2,
	   "a second ich9 set: after the first, whatever the file's order; port 1 of each bus: %s",
	   err.msg);
	vm_domain_free(d); /* three USB devices on a piix3-uhci's two ports: libvirt's hub on port
			      1, then 2, 1.1, 1.2 */
	d = NULL;
	ok(parse_with("",
		      "<input type='tablet' bus='usb'/><input type='mouse' bus='usb'/>\n"
		      "<input type='keyboard' bus='usb'/>",
		      &d, &err) == 0 &&
		   d->nusb_hubs == 1 && d->usb_hubs[0].port == 1 && d->inputs[0].addr.port == 2 &&
		   d->inputs[1].addr.port == 0x11 && d->inputs[2].addr.port == 0x12,
	   "a usb-hub where the controller's ports are too few, as libvirt adds it: %s", err.msg);
	vm_domain_free(d);
}

static void
test_balloon_rng_watchdog_panic(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_domain *d = NULL;

	ok(parse_with("",
		      "<memballoon model='virtio' autodeflate='on'><stats period='5'/></memballoon>\n"
		      "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>\n"
		      "<rng model='virtio'><rate bytes='1024' period='2000'/>"
		      "<backend model='random'>/dev/random</backend></rng>\n"
		      "<watchdog model='i6300esb' action='poweroff'/><panic model='isa'/>",
		      &d, &err) == 0,
	   "a virtio balloon with statistics, two rngs, an i6300esb and a pvpanic: %s", err.msg);
	if (!d)
		return;
	ok(d->memballoon.virtio && d->memballoon.autodeflate && !d->memballoon.free_pages &&
		   d->memballoon.stats_period == 5,
	   "the balloon's model, autodeflate and statistics period");
	ok(d->nrngs == 2 && !strcmp(d->rngs[0].source, "/dev/urandom") &&
		   d->rngs[0].rate_bytes == 0 && !strcmp(d->rngs[1].source, "/dev/random") &&
		   d->rngs[1].rate_bytes == 1024 && d->rngs[1].rate_period == 2000,
	   "each rng's source and rate");
	ok(d->watchdog.model == VM_WATCHDOG_I6300ESB && !strcmp(d->watchdog.action, "poweroff") &&
		   d->watchdog.line == 10 && d->panic,
	   "the watchdog, its action and line, and the panic device");
	vm_domain_free(d);
	d = NULL;
	ok(parse_with("", "<memballoon model='none'/><panic/>", &d, &err) == 0 &&
		   !d->memballoon.virtio && d->panic && d->watchdog.model == VM_WATCHDOG_NONE &&
		   d->panic_addr.type == VM_ADDRESS_NONE,
	   "memballoon 'none' is no balloon; <panic> without a model is libvirt's isa: %s",
	   err.msg);
	vm_domain_free(d);
	d = NULL;
	ok(parse_with("", "<panic model='isa'><address type='isa' iobase='0x506'/></panic>", &d,
		      &err) == 0 &&
		   d->panic && d->panic_addr.type == VM_ADDRESS_ISA &&
		   d->panic_addr.iobase == 0x506,
	   "<panic>'s ISA address, as dumpxml writes it: %s", err.msg);
	vm_domain_free(d);
	d = NULL;
	ok(parse_text("<domain type='kvm'><name>t</name><memory>1024</memory>"
		      "<os><type machine='q35'>hvm</type></os>"
		      "<devices><watchdog model='itco'/></devices></domain>",
		      &d, &err) == 0 &&
		   d->watchdog.model == VM_WATCHDOG_ITCO && !strcmp(d->watchdog.action, "reset"),
	   "itco on a q35, with libvirt's default action reset: %s", err.msg);
	vm_domain_free(d);
	d = NULL;
	ok(parse_with("",
		      "<controller type='virtio-serial' index='0'/>"
		      "<channel type='unix'><source mode='bind'/>"
		      "<target type='virtio' name='org.qemu.guest_agent.0' state='disconnected'/>"
		      "</channel>",
		      &d, &err) == 0 &&
		   d->channel.agent && d->channel.virtio_serial && !d->channel.path,
	   "the guest agent's channel, without a path, on a virtio-serial controller: %s", err.msg);
	vm_domain_free(d);
	d = NULL;
	ok(parse_with("",
		      "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/>"
		      "<address type='virtio-serial' controller='2' bus='0' port='3'/></channel>",
		      &d, &err) == 0 &&
		   vm_controller_find(d, "virtio-serial", 2) &&
		   !vm_controller_find(d, "virtio-serial", 0),
	   "the guest agent's channel on controller 2: libvirt adds that one alone: %s", err.msg);
	vm_domain_free(d);
}

static void
test_sounds(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_domain *d = NULL;

	ok(parse_with("",
		      "<sound model='ich9'><codec type='micro'/><codec type='output'/><audio id='2'/></sound>\n"
		      "<sound model='ac97'/><audio id='1' type='none'/><audio id='2' type='none'/>",
		      &d, &err) == 0 &&
		   d->nsounds == 2 && d->naudios == 2,
	   "sound devices and the audio backends they play to: %s", err.msg);
	if (!d)
		return;
	ok(d->sounds[0].model == VM_SOUND_ICH9 && d->sounds[0].ncodecs == 2 &&
		   d->sounds[0].codecs[0] == VM_CODEC_MICRO &&
		   d->sounds[0].codecs[1] == VM_CODEC_OUTPUT && d->sounds[0].audio == 2 &&
		   d->sounds[1].model == VM_SOUND_AC97 && d->sounds[1].audio == 1 &&
		   d->audios[1].id == 2 && d->audios[1].type == VM_AUDIO_NONE,
	   "codecs in order; a sound without <audio> plays to the first");
	vm_domain_free(d);
	d = NULL;
	ok(parse_with("",
		      "<video><model type='qxl'/></video><graphics type='spice'/>\n"
		      "<sound model='ich6'/><audio id='1' type='spice'/>",
		      &d, &err) == 0 &&
		   d->audios[0].type == VM_AUDIO_SPICE && d->sounds[0].audio == 1,
	   "spice audio with a SPICE display: %s", err.msg);
	vm_domain_free(d);
	d = NULL;
	ok(parse_with("",
		      "<controller type='usb' model='qemu-xhci'/><video><model type='qxl'/></video>\n"
		      "<graphics type='spice'><mouse mode='client'/><gl enable='no'/><filetransfer enable='no'/></graphics>\n"
		      "<redirdev bus='usb' type='spicevmc'/><redirdev type='spicevmc'/>\n"
		      "<redirfilter><usbdev class='0x08' vendor='0x1234' product='0xbeef' version='2.5' allow='yes'/>"
		      "<usbdev class='010' version='10.01' allow='no'/><usbdev allow='no'/></redirfilter>\n"
		      "<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>",
		      &d, &err) == 0 &&
		   d->nredirdevs == 2 && d->redirdevs[1].line == 9 && d->nredirfilter == 3 &&
		   d->redirfilter[0].usb_class == 8 && d->redirfilter[0].vendor == 0x1234 &&
		   d->redirfilter[0].product == 0xbeef && d->redirfilter[0].version == 0x0250 &&
		   d->redirfilter[0].allow && d->redirfilter[1].usb_class == 8 &&
		   d->redirfilter[1].version == 0x1001 && !d->redirfilter[1].allow &&
		   d->redirfilter[2].vendor == VM_REDIRDEV_ANY &&
		   d->redirfilter[2].version == VM_REDIRDEV_ANY && d->channel.spice_line == 11 &&
		   !strcmp(d->graphics[0].spice[VM_GRAPHICS_MOUSE], "client") &&
		   !strcmp(d->graphics[0].spice[VM_GRAPHICS_FILETRANSFER], "no"),
	   "USB redirection, its filter read as libvirt reads it, and the SPICE agent's channel: %s",
	   err.msg);
	vm_domain_free(d);
	/* ich9 is conventional PCI; only q35's first ich9 without an address takes the chipset's
	 * 0x1b */
	d = NULL;
	ok(parse_text("<domain type='kvm'>\n<name>t</name>\n<memory>1024</memory>\n"
		      "<os><type machine='q35'>hvm</type></os>\n<devices>\n"
		      "<controller type='usb' model='none'/><memballoon model='none'/>\n"
		      "<sound model='ich9'/><sound model='ich9'/>\n</devices>\n</domain>\n",
		      &d, &err) == 0 &&
		   d->sounds[0].addr.type == VM_ADDRESS_PCI && d->sounds[0].addr.bus == 0 &&
		   d->sounds[0].addr.slot == 0x1b && d->sounds[1].addr.bus == 2 &&
		   d->sounds[1].addr.slot == 1 &&
		   vm_controller_pci(d, 2)->kind == VM_CONTROLLER_PCIE_PCI &&
		   vm_controller_pci(d, 2)->addr.bus == 1,
	   "q35: a second ich9 is on a pcie-to-pci-bridge, on the first root port: %s", err.msg);
	vm_domain_free(d);
	d = NULL;
	ok(parse_text("<domain type='kvm'>\n<name>t</name>\n<memory>1024</memory>\n"
		      "<os><type machine='q35'>hvm</type></os>\n<devices>\n"
		      "<controller type='usb' model='none'/>\n"
		      "<memballoon model='virtio'><address type='pci' slot='0x1b'/></memballoon>\n"
		      "<sound model='ich9'/>\n</devices>\n</domain>\n",
		      &d, &err) == 0 &&
		   d->sounds[0].addr.bus == 2 && d->sounds[0].addr.slot == 1,
	   "q35: an ich9 whose 0x1b is taken is on a pcie-to-pci-bridge: %s", err.msg);
	vm_domain_free(d);
}

static void
test_tpm(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_domain *d = NULL;

	ok(parse_with("",
		      "<tpm model='tpm-crb'><backend type='emulator' version='2.0' persistent_state='yes'/></tpm>",
		      &d, &err) == 0 &&
		   d->ntpms == 1 && d->tpms[0].model == VM_TPM_CRB && d->tpms[0].persistent &&
		   d->tpms[0].fd == -1 && d->tpms[0].line == 7,
	   "tpm-crb with persistent state: %s", err.msg);
	vm_domain_free(d);
	d = NULL;
	ok(parse_with("", "<tpm><backend type='emulator'/></tpm>", &d, &err) == 0 &&
		   d->ntpms == 1 && d->tpms[0].model == VM_TPM_TIS && !d->tpms[0].persistent,
	   "tpm-tis and transient state by default: %s", err.msg);
	vm_domain_free(d);
}

/* libvirt's disk options, read into the model (their QEMU side: test-qemu-argv). */
static void
test_disk_options(void)
{
	static const char devs[] =
		"<controller type='usb' model='qemu-xhci'/>"
		"<disk><driver name='qemu' type='raw' cache='none' io='native' discard='ignore' "
		"detect_zeroes='unmap' error_policy='enospace' rerror_policy='stop' "
		"copy_on_read='on'/><source file='disk.img'/><target dev='hda' bus='ide'/>"
		"<wwn>0x5000c50015ea71ac</wwn><blockio logical_block_size='512' "
		"physical_block_size='4096'/><iotune><total_bytes_sec>1000</total_bytes_sec>"
		"<read_iops_sec>10</read_iops_sec><read_iops_sec_max>20</read_iops_sec_max>"
		"<read_iops_sec_max_length>3</read_iops_sec_max_length>"
		"<size_iops_sec>4096</size_iops_sec><group_name>g1</group_name></iotune></disk>"
		"<disk><source file='disk.img'/><target dev='sdb' bus='scsi'/>"
		"<vendor>ACME</vendor><product>Disk 1</product></disk>"
		"<disk><source file='disk.img'/><target dev='sdc' bus='usb'/><shareable/></disk>"
		"<disk device='floppy'><source file='disk.img'/><target dev='fdb'/></disk>";
	struct vm_error err = VM_ERROR_INIT;
	struct vm_domain *d = NULL;

	ok(parse_with("", devs, &d, &err) == 0 && d->ndisks == 4, "every option is read: %s",
	   err.msg);
	if (!d)
		return;
	ok(d->disks[0].bus == VM_BUS_IDE && d->disks[0].io == VM_IO_NATIVE &&
		   d->disks[0].discard == VM_DISCARD_IGNORE &&
		   d->disks[0].detect_zeroes == VM_ZEROES_UNMAP &&
		   d->disks[0].error_policy == VM_POLICY_ENOSPACE &&
		   d->disks[0].rerror_policy == VM_POLICY_STOP && d->disks[0].copy_on_read &&
		   d->disks[0].wwn == 0x5000c50015ea71acULL &&
		   d->disks[0].logical_block_size == 512 && d->disks[0].physical_block_size == 4096,
	   "hda: <driver>, <wwn> and <blockio>");
	ok(d->disks[0].iotune[VM_IOTUNE_TOTAL_BYTES] == 1000 &&
		   d->disks[0].iotune[VM_IOTUNE_READ_IOPS] == 10 &&
		   d->disks[0].iotune[VM_IOTUNE_READ_IOPS_MAX] == 20 &&
		   d->disks[0].iotune[VM_IOTUNE_READ_IOPS_MAX_LENGTH] == 3 &&
		   d->disks[0].iotune[VM_IOTUNE_SIZE_IOPS] == 4096 &&
		   d->disks[0].iotune[VM_IOTUNE_WRITE_BYTES] == 0 &&
		   !strcmp(d->disks[0].iotune_group, "g1"),
	   "hda: <iotune>");
	ok(!strcmp(d->disks[1].vendor, "ACME") && !strcmp(d->disks[1].product, "Disk 1"),
	   "sdb: <vendor> and <product>");
	ok(d->disks[2].bus == VM_BUS_USB && d->disks[3].bus == VM_BUS_FDC &&
		   d->disks[3].device == VM_DEVICE_FLOPPY && !d->disks[3].readonly,
	   "sdc on usb, fdb a writable floppy");
	vm_domain_free(d);
}

static void
test_bad(void)
{
	for (size_t i = 0; i < sizeof(bads) / sizeof(*bads); i++) {
		struct vm_error err = VM_ERROR_INIT;
		struct vm_domain *d = NULL;

		ok(parse_with(bads[i].top, bads[i].devices, &d, &err) == -1 && !d &&
			   err.code == VM_EXIT_INVALID && starts(err.msg, bads[i].msg),
		   "rejected with \"%s\": got %d \"%s\"", bads[i].msg, err.code, err.msg);
	}
	for (size_t i = 0; i < sizeof(bad_docs) / sizeof(*bad_docs); i++) {
		struct vm_error err = VM_ERROR_INIT;
		struct vm_domain *d = NULL;

		ok(parse_text(bad_docs[i].xml, &d, &err) == -1 && !d &&
			   err.code == VM_EXIT_INVALID && starts(err.msg, bad_docs[i].msg),
		   "rejected with \"%s\": got %d \"%s\"", bad_docs[i].msg, err.code, err.msg);
	}
}

/* Clock, timers, features, pm, lifecycle and vcpus as virt-install and dumpxml write them. */
static void
test_machine(void)
{
	static const char top[] =
		"<vcpu placement='static' current='2'>4</vcpu>\n"
		"<features><acpi/><apic eoi='on'/><pae/><vmport state='off'/>\n"
		"  <hyperv mode='custom'><relaxed state='on'/><vapic state='off'/>\n"
		"    <spinlocks state='on' retries='8191'/><vpindex state='on'/>\n"
		"    <stimer state='on'><direct state='on'/></stimer>\n"
		"    <vendor_id state='on' value='KVMKVMKVM'/><avic state='on'/></hyperv>\n"
		"  <kvm><hidden state='on'/><hint-dedicated state='on'/></kvm>\n"
		"  <smm state='on'/><ioapic driver='qemu'/><pmu state='off'/>\n"
		"  <vmcoreinfo state='on'/></features>\n"
		"<clock offset='variable' adjustment='-3600' basis='localtime'>\n"
		"  <timer name='rtc' tickpolicy='catchup' track='guest'/>\n"
		"  <timer name='pit' tickpolicy='discard'/><timer name='hpet' present='no'/>\n"
		"  <timer name='kvmclock' present='yes'/><timer name='hypervclock' present='yes'/>\n"
		"  <timer name='tsc' frequency='2000000000'/></clock>\n"
		"<pm><suspend-to-mem enabled='no'/><suspend-to-disk enabled='yes'/></pm>\n"
		"<on_poweroff>destroy</on_poweroff><on_reboot>destroy</on_reboot>\n"
		"<on_crash>preserve</on_crash>";
	struct vm_error err = VM_ERROR_INIT;
	struct vm_domain *d = NULL;
	const struct vm_machine *m;

	if (parse_with(top, "", &d, &err) < 0) {
		ok(0, "clock, features, pm and lifecycle parse: %s", err.msg);
		return;
	}
	m = &d->hw;
	ok(d->vcpus == 4 && m->vcpus_current == 2, "4 vcpus, 2 of them online");
	ok(d->acpi && m->apic_eoi == VM_SWITCH_ON && m->vmport == VM_SWITCH_OFF &&
		   m->smm == VM_SWITCH_ON && m->ioapic == VM_IOAPIC_QEMU &&
		   m->pmu == VM_SWITCH_OFF && m->vmcoreinfo,
	   "acpi, apic eoi, vmport, smm, ioapic, pmu, vmcoreinfo");
	ok(m->hyperv && !m->hv_passthrough &&
		   m->hv_on == (1u << VM_HV_RELAXED | 1u << VM_HV_VPINDEX | 1u << VM_HV_STIMER |
				1u << VM_HV_AVIC) &&
		   m->hv_stimer_direct && m->hv_spinlocks == 8191 &&
		   !strcmp(m->hv_vendor_id, "KVMKVMKVM"),
	   "hyperv: the enlightenments that are on, spinlocks, vendor_id, stimer direct");
	ok(m->kvm_hidden && m->kvm_dedicated, "kvm hidden and hint-dedicated");
	ok(m->offset == VM_CLOCK_VARIABLE && m->adjustment == -3600 && m->basis_localtime,
	   "variable clock, an hour back from local time");
	ok(m->rtc_catchup && m->rtc_track == VM_RTC_TRACK_GUEST && m->pit == VM_PIT_DISCARD &&
		   m->hpet == VM_SWITCH_OFF && m->kvmclock == VM_SWITCH_ON && m->hypervclock &&
		   m->tsc_frequency == 2000000000ULL,
	   "timers");
	ok(m->suspend_mem == VM_SWITCH_OFF && m->suspend_disk == VM_SWITCH_ON, "pm");
	ok(m->no_reboot && m->crash_preserve && d->on_poweroff == VM_POWEROFF_DESTROY,
	   "on_reboot destroy, on_crash preserve");
	vm_domain_free(d);
	/* libvirt 9.0 accepts these and gives QEMU nothing for them */
	for (size_t i = 0; i < 7; i++) {
		static const char *const timers[][2] = {
			{ "<timer name='hpet' present='no' tickpolicy='catchup'/>",
			  "<timer name='hpet' present='no'/>" },
			{ "<timer name='rtc' present='no'/>", "" },
			{ "<timer name='tsc' present='no'/>", "" },
			{ "<timer name='pit' present='no'/>", "<timer name='pit'/>" },
			{ "<timer name='rtc' tickpolicy='catchup'>"
			  "<catchup threshold='123' slew='120' limit='10000'/></timer>",
			  "<timer name='rtc' tickpolicy='catchup'/>" },
			{ "<timer name='hpet' tickpolicy='merge'/>", "" },
			{ "<timer name='tsc' mode='native' tickpolicy='discard' frequency='100'/>",
			  "<timer name='tsc' frequency='100'/>" },
		};
		struct vm_domain *plain = NULL;
		char with[256], without[256];

		snprintf(with, sizeof(with), "<clock offset='utc'>%s</clock>", timers[i][0]);
		snprintf(without, sizeof(without), "<clock offset='utc'>%s</clock>", timers[i][1]);
		d = NULL;
		ok(parse_with(with, "", &d, &err) == 0 &&
			   parse_with(without, "", &plain, &err) == 0 &&
			   !memcmp(&d->hw, &plain->hw, sizeof(d->hw)),
		   "%s is accepted, the same machine as %s: %s", timers[i][0],
		   *timers[i][1] ? timers[i][1] : "no timer", err.msg);
		vm_domain_free(d);
		vm_domain_free(plain);
	}
	d = NULL;
	ok(parse_with("<clock offset='utc'><timer name='pit'/></clock>", "", &d, &err) == 0 &&
		   d->hw.pit == VM_PIT_DELAY && d->hw.offset == VM_CLOCK_UTC,
	   "a pit timer without a tickpolicy delays, as in libvirt: %s", err.msg);
	vm_domain_free(d);
	ok(parse_with("<vcpu current='2'>2</vcpu>", "", &d, &err) == 0 && d->hw.vcpus_current == 0,
	   "current equal to the count is all of them: %s", err.msg);
	vm_domain_free(d);
	ok(parse_with("<vcpu>4</vcpu><cpu mode='custom' match='exact' check='partial'>\n"
		      "<model fallback='allow'>Skylake-Client-IBRS</model><vendor>Intel</vendor>\n"
		      "<topology sockets='1' dies='1' cores='2' threads='2'/>\n"
		      "<feature policy='require' name='ssbd'/><feature policy='optional' name='x'/>\n"
		      "<feature policy='disable' name='hle'/><feature policy='forbid' name='rtm'/>"
		      "</cpu>",
		      "", &d, &err) == 0 &&
		   !strcmp(d->hw.cpu_model, "Skylake-Client-IBRS") && d->hw.ncpu_features == 4 &&
		   !strcmp(d->hw.cpu_features[0].name, "ssbd") && d->hw.cpu_features[0].on &&
		   !strcmp(d->hw.cpu_features[1].name, "x") && d->hw.cpu_features[1].on &&
		   !strcmp(d->hw.cpu_features[3].name, "rtm") && !d->hw.cpu_features[3].on &&
		   d->hw.sockets == 1 && d->hw.dies == 1 && d->hw.cores == 2 && d->hw.threads == 2,
	   "a custom CPU: model, features (an optional one on, as libvirt where the host has it), "
	   "topology: %s",
	   err.msg);
	vm_domain_free(d);
	ok(parse_text("<domain type='qemu'><name>t</name><memory>2048</memory>\n"
		      "<os><type>hvm</type></os><vcpu cpuset='1'>2</vcpu>\n"
		      "<currentMemory>1025</currentMemory>\n"
		      "<memoryBacking><source type='memfd'/><access mode='shared'/>"
		      "<nosharepages/></memoryBacking>\n"
		      "<iothreads>2</iothreads><cputune><vcpupin vcpu='1' cpuset='0,2'/>"
		      "<emulatorpin cpuset='3'/></cputune>\n"
		      "<devices><memballoon model='virtio'/></devices></domain>",
		      &d, &err) == 0 &&
		   d->hw.balloon_kib == 1025 && d->hw.mem_memfd && d->hw.mem_shared &&
		   d->hw.nosharepages && !d->hw.hugepage_kib && d->hw.iothreads == 2 &&
		   d->hw.nvcpupins == 1 && d->hw.vcpupins[0].vcpu == 1 &&
		   d->hw.vcpupins[0].cpus[0] == 5 && d->hw.emulator_pinned &&
		   d->hw.emulatorpin[0] == 8 && d->hw.pinned && d->hw.cpuset[0] == 2,
	   "memfd, shared, nosharepages, iothreads, vcpupin, emulatorpin and a balloon target: %s",
	   err.msg);
	vm_domain_free(d);
	ok(parse_with("<vcpu>3</vcpu><cpu><numa><cell id='0' cpus='0-2' memory='1' unit='MiB' "
		      "memAccess='shared'/></numa></cpu>",
		      "", &d, &err) == 0 &&
		   d->hw.numa && d->hw.numa_shared && d->hw.numa_kib == 1024 &&
		   d->hw.numa_cpus[0] == 7,
	   "one NUMA cell of every vcpu and all memory: %s", err.msg);
	vm_domain_free(d);
	ok(parse_with("<cpu match='strict'><model>qemu64</model></cpu>\n"
		      "<clock offset='utc'><timer name='pit' present='yes'/>"
		      "<timer name='tsc' present='yes'/></clock>\n"
		      "<features><hyperv><vendor_id state='on' value='KVM Hv'/></hyperv></features>",
		      "", &d, &err) == 0 &&
		   !strcmp(d->hw.hv_vendor_id, "KVM Hv") && d->hw.pit == VM_PIT_DELAY,
	   "match 'strict', present 'yes' of any timer and a vendor_id with a space, as libvirt "
	   "takes them: %s",
	   err.msg);
	vm_domain_free(d);
	ok(parse_with("<vcpu cpuset='0-3,^2,6,1023'>2</vcpu>", "", &d, &err) == 0 && d->hw.pinned &&
		   d->hw.cpuset[0] == (1u << 0 | 1u << 1 | 1u << 3 | 1u << 6) &&
		   d->hw.cpuset[15] == 1ULL << 63,
	   "cpuset '0-3,^2,6,1023': CPUs 0, 1, 3, 6 and 1023: %s", err.msg);
	vm_domain_free(d);
}

/* What virsh dumpxml writes about a running domain is accepted, and only the chain is kept. */
static void
test_runtime_output(void)
{
	static const char xml[] =
		"<domain type='kvm' id='7'>\n"
		"  <name>t</name>\n"
		"  <memory>1024</memory>\n"
		"  <resource><partition>/machine</partition></resource>\n"
		"  <os><type>hvm</type></os>\n"
		"  <devices>\n"
		"    <disk type='file' device='disk'>\n"
		"      <driver name='qemu' type='qcow2'/>\n"
		"      <source file='disk.qcow2' index='3'/>\n"
		"      <backingStore type='file' index='4'>\n"
		"        <format type='qcow2'/>\n"
		"        <source file='data.img'/>\n"
		"        <backingStore type='block' index='5'>\n"
		"          <format type='raw'/>\n"
		"          <source dev='/dev/null'/>\n"
		"          <backingStore/>\n"
		"        </backingStore>\n"
		"      </backingStore>\n"
		"      <target dev='vda' bus='virtio'/>\n"
		"      <alias name='virtio-disk0'/>\n"
		"    </disk>\n"
		"    <disk type='file' device='disk'><source file='disk.img' index='1'/>\n"
		"      <backingStore/><target dev='vdb'/><alias name='virtio-disk1'/></disk>\n"
		"    <controller type='sata' index='0'><alias name='ide'/></controller>\n"
		"    <serial type='pty'><source path='/dev/pts/3'/>\n"
		"      <target type='isa-serial' port='0'><model name='isa-serial'/></target>\n"
		"      <alias name='serial0'/></serial>\n"
		"    <console type='pty' tty='/dev/pts/3'><source path='/dev/pts/3'/>\n"
		"      <target type='serial' port='0'/><alias name='serial0'/></console>\n"
		"    <input type='mouse' bus='ps2'><alias name='input0'/></input>\n"
		"  </devices>\n"
		"  <seclabel type='dynamic' model='apparmor' relabel='yes'>\n"
		"    <label>libvirt-x</label><imagelabel>libvirt-x</imagelabel>\n"
		"  </seclabel>\n"
		"  <seclabel type='dynamic' model='dac' relabel='yes'>\n"
		"    <label>+64055:+994</label><imagelabel>+64055:+994</imagelabel>\n"
		"  </seclabel>\n"
		"</domain>\n";
	struct vm_error err = VM_ERROR_INIT;
	struct vm_domain *d = NULL;
	const struct vm_disk *k;

	if (parse_text(xml, &d, &err) < 0) {
		ok(0, "a running domain's XML parses: %s", err.msg);
		return;
	}
	k = &d->disks[0];
	ok(d->ndisks == 2 && k->nbacking == 2 && k->backing_end == 16,
	   "two backing files, and the chain's end on line 16");
	ok(!strcmp(k->backing[0].source, "data.img") && !k->backing[0].block &&
		   k->backing[0].format == VM_FORMAT_QCOW2 && k->backing[0].line == 10,
	   "the first: a qcow2 file, line 10");
	ok(!strcmp(k->backing[1].source, "/dev/null") && k->backing[1].block &&
		   k->backing[1].format == VM_FORMAT_RAW && k->backing[1].line == 13,
	   "the second: a raw block device, line 13");
	ok(d->disks[1].nbacking == 0 && d->disks[1].backing_end == 23,
	   "a disk without backing files ends its chain at once");
	ok(d->seclabel.type == VM_SECLABEL_DYNAMIC && !d->seclabel.has_ids,
	   "libvirt's dynamic label is not used");
	ok(d->nchardevs == 1 && d->chardevs[0].type == VM_CHR_PTY && !d->chardevs[0].path,
	   "the pty's path is not used");
	vm_domain_free(d);
}

/* One run lists every refusal, each with its line; a refused element's subtree is not walked. */
static void
test_every_problem(void)
{
	static const char xml[] =
		"<domain type='kvm'>\n"
		"  <name>t</name>\n"
		"  <memory unit='parsecs'>1024</memory>\n"
		"  <vcpu sockets='1' cores='2'>1</vcpu>\n"
		"  <os><type>hvm</type></os>\n"
		"  <frobnicate/>\n"
		"  <devices>\n"
		"    <disk device='lun'><target dev='sda' bus='usb'/></disk>\n"
		"    <disk><source file='disk.img'/><target dev='vda'/><blockiotune/></disk>\n"
		"    <hostdev/>\n"
		"  </devices>\n"
		"  <name>u</name>\n"
		"</domain>\n";
	static const char want[] =
		"t.xml:3: <memory>: unsupported unit 'parsecs' (expected b, KB, KiB, MB, MiB, GB, "
		"GiB, TB or TiB)\n"
		"t.xml:4: <vcpu>: unsupported attribute 'sockets'\n"
		"t.xml:4: <vcpu>: unsupported attribute 'cores'\n"
		"t.xml:6: <frobnicate>: unsupported element\n"
		"t.xml:8: <disk>: device 'lun' (SCSI commands passed to the host's device) is not supported: use device='disk'\n"
		"t.xml:9: <blockiotune>: unsupported element\n"
		"t.xml:10: <hostdev>: unsupported element\n"
		"t.xml:12: <name>: duplicate element";
	struct vm_error err = VM_ERROR_INIT;
	struct vm_domain *d = NULL;
	char many[65536], *p = many;
	const char *last;

	ok(parse_text(xml, &d, &err) == -1 && !d && err.code == VM_EXIT_INVALID &&
		   !strcmp(err.msg, want),
	   "eight problems, one a line, in document order:\n%s", err.msg);

	p += sprintf(p, "<domain type='kvm'>\n<name>t</name>\n");
	for (int i = 0; i < 1000; i++)
		p += sprintf(p, "<bogus%d/>\n", i);
	sprintf(p, "</domain>\n");
	ok(parse_text(many, &d, &err) == -1 && err.code == VM_EXIT_INVALID &&
		   starts(err.msg, "t.xml:3: <bogus0>: unsupported element\nt.xml:4: <bogus1>: "),
	   "1000 problems: the list starts with the first");
	last = strrchr(err.msg, '\n');
	ok(last && strlen(err.msg) < sizeof(err.msg) - 1 &&
		   strstr(last, " more problems not shown") && starts(last, "\nt.xml: "),
	   "and ends by counting those that did not fit:%s", last ? last : "");
}

static void
test_load_errors(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_domain *d = NULL;

	ok(vm_domain_load("no-such.xml", NULL, &d, &err) == -1 && err.code == VM_EXIT_INVALID &&
		   !strcmp(err.msg, "cannot open domain 'no-such.xml': No such file or directory"),
	   "a missing file: %s", err.msg);
	ok(vm_domain_load(".", NULL, &d, &err) == -1 && err.code == VM_EXIT_INVALID &&
		   !strcmp(err.msg, "cannot read domain '.': not a regular file"),
	   "a directory: %s", err.msg);
	vm_error_clear(&err);
	ok(mkfifo("fifo.xml", 0600) == 0 && vm_domain_load("fifo.xml", NULL, &d, &err) == -1 &&
		   err.code == VM_EXIT_INVALID &&
		   !strcmp(err.msg, "cannot read domain 'fifo.xml': not a regular file"),
	   "a fifo is refused without waiting for a writer: %s", err.msg);
	unlink("fifo.xml");
}

int
main(void)
{
	const char *srcdir = getenv("VMKIT_SRCDIR");
	char cwd[PATH_MAX / 2], dir[] = "/tmp/test-domain.XXXXXX";

	if (!srcdir || srcdir[0] != '/') {
		if (!getcwd(cwd, sizeof(cwd)))
			return 99;
		snprintf(fixtures, sizeof(fixtures), "%s/%s/tests/fixtures/domains", cwd,
			 srcdir ? srcdir : ".");
	} else {
		snprintf(fixtures, sizeof(fixtures), "%s/tests/fixtures/domains", srcdir);
	}
	if (!mkdtemp(dir) || chdir(dir) < 0)
		return 99;
	touch("disk.img");
	touch("data.img");
	touch("cd.iso");
	touch("disk.qcow2");

	test_fixtures();
	test_full();
	test_kernel();
	test_memory();
	test_defaults();
	test_root();
	test_chardevs();
	test_limits();
	test_scsi_addresses();
	test_q35_addresses();
	test_block();
	test_disk_parse();
	test_disk_rules();
	test_names();
	test_interfaces();
	test_networks();
	test_displays();
	test_inputs();
	test_usb2();
	test_sounds();
	test_tpm();
	test_interface_rules();
	test_vhost();
	test_balloon_rng_watchdog_panic();
	test_disk_options();
	test_bad();
	test_load_errors();
	test_every_problem();
	test_runtime_output();
	test_machine();

	unlink("disk.img");
	unlink("data.img");
	unlink("cd.iso");
	unlink("disk.qcow2");
	if (chdir("/") == 0)
		rmdir(dir);
	return tap_done();
}
