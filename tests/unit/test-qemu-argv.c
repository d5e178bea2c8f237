/*
 * Domain -> QEMU argv tests. Domains are built by hand so that these
 * tests do not depend on the XML parser. When QEMU is installed, the
 * generated command lines are also started for real (paused, TCG) and
 * checked over QMP, since only QEMU can say that a device line is right.
 */
#include "qemu_argv.h"
#include "disk.h"
#include "image.h"
#include "tapdev.h"
#include "cleanup.h"
#include "qmp.h"
#include "exitcodes.h"
#include "tap.h"

#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#define QEMU "/usr/bin/qemu-system-x86_64"
#define S(x) ((char *)(x))

static char tmpdir[] = "/tmp/test-qemu-argv.XXXXXX";
static struct vm_conf conf;

static void
dom_init(struct vm_domain *dom)
{
	memset(dom, 0, sizeof(*dom));
	dom->name = S("demo");
	uuid_parse("c7a5fdbd-cdaf-9455-926a-d65c16db1809", dom->uuid);
	dom->memory_kib = 131072;
	dom->vcpus = 1;
	dom->arch = S("x86_64");
	dom->acpi = true;
}

/* N pcie-root-ports pci.1..N in CTL, as functions of pcie.0 from slot 2, as the parser gives them. */
static void
root_ports(struct vm_domain *dom, struct vm_controller *ctl, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		ctl[i] = (struct vm_controller){
			.kind = VM_CONTROLLER_ROOT_PORT,
			.type = "pci",
			.index = i + 1,
			.addr = { .type = VM_ADDRESS_PCI,
				  .slot = 2 + i / 8,
				  .function = i % 8,
				  .multifunction = i % 8 == 0 && i + 1 < n },
		};
	dom->controllers = ctl;
	dom->ncontrollers = n;
}

/* DOM's one USB controller, of model U and index 0, in CTL, as the parser gives it. */
static void
usb_controller(struct vm_domain *dom, struct vm_controller *ctl, enum vm_usb u)
{
	*ctl = (struct vm_controller){ .kind = VM_CONTROLLER_OTHER, .type = "usb", .usb = u };
	dom->controllers = ctl;
	dom->ncontrollers = 1;
	dom->usb = u;
}

/* The files of the disks of the last build(), one chain per disk. */
static struct vm_image images[16];
static size_t nimages;

static void
close_images(void)
{
	for (size_t i = 0; i < nimages; i++)
		vm_image_close(&images[i]);
	nimages = 0;
}

/* A one-file chain that was never opened, as --print-argv shows it. */
static void
fake_image(const struct vm_disk *d, struct vm_image *img)
{
	img->v = calloc(1, sizeof(*img->v));
	img->n = 1;
	img->v[0] =
		(struct vm_image_layer){ .path = strdup(d->source),
					 .fd = -1,
					 .block = d->type == VM_DISK_BLOCK,
					 .format = d->format == VM_FORMAT_QCOW2 ? VM_IMAGE_QCOW2
										: VM_IMAGE_RAW };
}

/* With a monitor, QEMU runs for real on the files; without, they need not exist. */
static struct vm_argv
build(const struct vm_domain *dom, int monitor_fd, struct vm_error *err)
{
	struct vm_argv a = { 0 };

	vm_error_clear(err);
	close_images();
	nimages = dom->ndisks;
	for (size_t i = 0; i < dom->ndisks; i++) {
		memset(&images[i], 0, sizeof(images[i]));
		if (!dom->disks[i].source)
			continue;
		if (monitor_fd < 0)
			fake_image(&dom->disks[i], &images[i]);
		else if (vm_disk_image_open(&dom->disks[i], false, &images[i], err) < 0)
			return a;
	}
	if (vm_qemu_argv(dom, &conf, monitor_fd, -1, images, NULL, NULL, &a, err) < 0)
		a.n = 0;
	return a;
}

/* Index of the word WORD that follows FLAG, or -1. */
static long
find(const struct vm_argv *a, const char *flag, const char *word)
{
	for (size_t i = 0; i + 1 < a->n; i++)
		if (strcmp(a->v[i], flag) == 0 && strcmp(a->v[i + 1], word) == 0)
			return i + 1;
	return -1;
}

static bool
has(const struct vm_argv *a, const char *flag, const char *word)
{
	return find(a, flag, word) >= 0;
}

/* How many FLAGs are followed by a word starting with PREFIX ("": any or none). */
static size_t
count(const struct vm_argv *a, const char *flag, const char *prefix)
{
	size_t n = 0;

	for (size_t i = 0; i < a->n; i++)
		n += strcmp(a->v[i], flag) == 0 &&
		     (!*prefix ||
		      (i + 1 < a->n && strncmp(a->v[i + 1], prefix, strlen(prefix)) == 0));
	return n;
}

/* Index of the first word containing NEEDLE, or a.n. */
static size_t
pos(const struct vm_argv *a, const char *needle)
{
	size_t i = 0;

	while (i < a->n && !strstr(a->v[i], needle))
		i++;
	return i;
}

/* The -blockdev whose node-name is NODE, parsed. */
static json_object *
blockdev(const struct vm_argv *a, const char *node)
{
	for (size_t i = 0; i + 1 < a->n; i++) {
		json_object *o, *v;

		if (strcmp(a->v[i], "-blockdev") != 0)
			continue;
		o = json_tokener_parse(a->v[i + 1]);
		if (json_object_object_get_ex(o, "node-name", &v) &&
		    strcmp(json_object_get_string(v), node) == 0)
			return o;
		json_object_put(o);
	}
	return NULL;
}

/* The value at PATH ("cache.direct") of O as a string, "" when absent. */
static const char *
jget(json_object *o, const char *path)
{
	char key[64];
	const char *dot = strchr(path, '.');
	json_object *v;

	snprintf(key, sizeof(key), "%.*s", dot ? (int)(dot - path) : (int)strlen(path), path);
	if (!json_object_object_get_ex(o, key, &v))
		return "";
	return dot ? jget(v, dot + 1) : json_object_get_string(v);
}

/* Whether O has the member KEY, set to null. */
static bool
is_null(json_object *o, const char *key)
{
	json_object *v = NULL;

	return json_object_object_get_ex(o, key, &v) && !v;
}

/* A qcow2 disk over a qcow2 file over a raw block device, none opened. */
/*
 * libvirt's disk buses and <driver> options. The expected words are
 * what libvirt 9.0's "virsh domxml-to-native qemu-argv" gives for the
 * same XML on a pc machine (its node names and ids aside).
 */
static void
test_disk_options(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_disk disks[6];
	struct vm_domain dom;
	struct vm_argv a;
	json_object *o;

	dom_init(&dom);
	memset(disks, 0, sizeof(disks));
	dom.disks = disks;
	disks[0] = (struct vm_disk){ .source = S("/img/a.img"),
				     .target = S("hda"),
				     .bus = VM_BUS_IDE,
				     .cache = VM_CACHE_NONE,
				     .io = VM_IO_NATIVE,
				     .discard = VM_DISCARD_UNMAP,
				     .detect_zeroes = VM_ZEROES_UNMAP,
				     .error_policy = VM_POLICY_STOP,
				     .rerror_policy = VM_POLICY_REPORT,
				     .copy_on_read = true,
				     .wwn = 0x5000c50015ea71acULL,
				     .serial = S("S1"),
				     .logical_block_size = 512,
				     .physical_block_size = 4096 };
	disks[1] = (struct vm_disk){ .source = S("/img/d.img"),
				     .target = S("hdc"),
				     .bus = VM_BUS_IDE,
				     .discard = VM_DISCARD_IGNORE,
				     .detect_zeroes = VM_ZEROES_UNMAP };
	disks[2] = (struct vm_disk){
		.target = S("hdd"), .bus = VM_BUS_IDE, .device = VM_DEVICE_CDROM, .readonly = true
	};
	disks[3] = (struct vm_disk){ .source = S("/img/b.img"),
				     .target = S("sdb"),
				     .bus = VM_BUS_SCSI,
				     .io = VM_IO_THREADS,
				     .error_policy = VM_POLICY_ENOSPACE,
				     .vendor = S("ACME"),
				     .product = S("Disk1"),
				     .wwn = 0x5000c50015ea71adULL };
	disks[4] = (struct vm_disk){ .source = S("/img/c.img"),
				     .target = S("sdc"),
				     .bus = VM_BUS_USB,
				     .addr = { .type = VM_ADDRESS_USB, .port = 1 },
				     .io = VM_IO_URING,
				     .error_policy = VM_POLICY_IGNORE };
	disks[5] = (struct vm_disk){ .source = S("/img/f.img"),
				     .target = S("fdb"),
				     .bus = VM_BUS_FDC,
				     .device = VM_DEVICE_FLOPPY };
	dom.ndisks = 6;
	a = build(&dom, -1, &err);
	ok(has(&a, "-device",
	       "ide-hd,bus=ide.0,unit=0,drive=cor-hda,id=hda,serial=S1,logical_block_size=512,"
	       "physical_block_size=4096,wwn=5764824127192592812,werror=stop,rerror=report,"
	       "write-cache=on"),
	   "ide: hda is channel 0 unit 0, with libvirt's device options (%s)", err.msg);
	o = blockdev(&a, "file-hda");
	ok(o && !strcmp(jget(o, "aio"), "native") && !strcmp(jget(o, "discard"), "unmap") &&
		   !strcmp(jget(o, "cache.direct"), "true"),
	   "io='native': aio on the protocol node");
	json_object_put(o);
	o = blockdev(&a, "drive-hda");
	ok(o && !strcmp(jget(o, "detect-zeroes"), "unmap") && !strcmp(jget(o, "discard"), "unmap"),
	   "detect_zeroes='unmap' with discards passed");
	json_object_put(o);
	o = blockdev(&a, "cor-hda");
	ok(o && !strcmp(jget(o, "driver"), "copy-on-read") &&
		   !strcmp(jget(o, "file"), "drive-hda") && !strcmp(jget(o, "discard"), "unmap"),
	   "copy_on_read: a filter over the format node, which the device reads");
	json_object_put(o);
	o = blockdev(&a, "drive-hdc");
	ok(o && !strcmp(jget(o, "discard"), "ignore") && !strcmp(jget(o, "detect-zeroes"), "on"),
	   "discard='ignore' stops discards at the format node; detect_zeroes='unmap' is then 'on'");
	json_object_put(o);
	o = blockdev(&a, "file-hdc");
	ok(o && !strcmp(jget(o, "discard"), "unmap") && !strcmp(jget(o, "aio"), ""),
	   "the protocol node passes discards as libvirt's does; no io, no aio");
	json_object_put(o);
	ok(has(&a, "-device", "ide-hd,bus=ide.1,unit=0,drive=drive-hdc,id=hdc,write-cache=on") &&
		   has(&a, "-device", "ide-cd,bus=ide.1,unit=1,id=hdd"),
	   "ide: hdc and hdd are channel 1's two units");
	ok(has(&a, "-device",
	       "scsi-hd,bus=scsi0.0,channel=0,scsi-id=0,lun=1,device_id=drive-scsi0-0-0-1,"
	       "drive=drive-sdb,id=sdb,wwn=5764824127192592813,vendor=ACME,product=Disk1,"
	       "werror=enospc,write-cache=on"),
	   "scsi: wwn, vendor, product; enospace is werror only");
	o = blockdev(&a, "file-sdb");
	ok(o && !strcmp(jget(o, "aio"), "threads"), "io='threads'");
	json_object_put(o);
	ok(has(&a, "-device",
	       "usb-storage,removable=off,drive=drive-sdc,id=sdc,werror=ignore,"
	       "rerror=ignore,write-cache=on,bus=usb.0,port=1"),
	   "usb: usb-storage at its port of the usb controller; error_policy stands for reads too");
	o = blockdev(&a, "file-sdc");
	ok(o && !strcmp(jget(o, "aio"), "io_uring"), "io='io_uring'");
	json_object_put(o);
	ok(has(&a, "-device", "floppy,unit=1,drive=drive-fdb,id=fdb,write-cache=on") &&
		   count(&a, "-device", "isa-fdc") == 0,
	   "fdc: fdb is drive 1 of a pc's own isa-fdc");
	ok(count(&a, "-device", "ahci") == 0 && count(&a, "-device", "virtio-scsi-pci") == 1,
	   "ide needs no controller of vmkit's");
	vm_argv_free(&a);

	dom.machine = S("q35");
	dom.disks = &disks[5];
	dom.ndisks = 1;
	a = build(&dom, -1, &err);
	ok(has(&a, "-device", "isa-fdc") &&
		   find(&a, "-device", "isa-fdc") <
			   find(&a, "-device",
				"floppy,unit=1,drive=drive-fdb,id=fdb,write-cache=on"),
	   "fdc: q35 gets an isa-fdc before its floppies, as libvirt gives it (%s)", err.msg);
	vm_argv_free(&a);
	dom.machine = NULL;

	/* used[] of each numbered bus */
	disks[1].target = S("hda");
	dom.disks = disks;
	dom.ndisks = 2;
	a = build(&dom, -1, &err);
	ok(a.n == 0 && err.code == VM_EXIT_INVALID &&
		   !strcmp(err.msg, "ide disk 'hda' has no free unit"),
	   "ide: two disks on one unit are invalid (%s)", err.msg);
	vm_argv_free(&a);
	close_images();
}

static void
test_throttle(void)
{
	struct vm_disk d = { .target = S("vdb") };
	json_object *o;

	d.iotune[VM_IOTUNE_TOTAL_BYTES] = 1000000;
	d.iotune[VM_IOTUNE_READ_IOPS] = 100;
	d.iotune[VM_IOTUNE_READ_IOPS_MAX] = 400;
	d.iotune[VM_IOTUNE_READ_IOPS_MAX_LENGTH] = 5;
	d.iotune_group = S("g1");
	ok(vm_disk_has_iotune(&d), "a disk with limits has iotune");
	o = vm_disk_throttle_json(&d);
	ok(!strcmp(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
		   "{\"id\":\"vdb\",\"bps\":1000000,\"bps_rd\":0,\"bps_wr\":0,\"iops\":0,"
		   "\"iops_rd\":100,\"iops_wr\":0,\"iops_rd_max\":400,"
		   "\"iops_rd_max_length\":5,\"group\":\"g1\"}"),
	   "block_set_io_throttle: the device, the six averages, what else is set, the group: %s",
	   json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	memset(d.iotune, 0, sizeof(d.iotune));
	d.iotune_group = NULL;
	ok(!vm_disk_has_iotune(&d), "a disk without limits or group has none");
}

static void
test_chain(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_disk disk = { .source = S("/img/top.qcow2"),
				.target = S("vda"),
				.format = VM_FORMAT_QCOW2 };
	struct vm_image_layer layers[3] = {
		{ .path = S("/img/top.qcow2"), .fd = -1, .format = VM_IMAGE_QCOW2 },
		{ .path = S("/img/mid.qcow2"), .fd = -1, .format = VM_IMAGE_QCOW2 },
		{ .path = S("/dev/sdz"), .fd = -1, .format = VM_IMAGE_RAW, .block = true },
	};
	struct vm_image img = { .v = layers, .n = 3 };
	struct vm_domain dom;
	struct vm_argv a = { 0 };
	json_object *o;

	dom_init(&dom);
	dom.disks = &disk;
	dom.ndisks = 1;
	if (vm_qemu_argv(&dom, &conf, -1, -1, &img, NULL, NULL, &a, &err) < 0)
		a.n = 0;
	ok(pos(&a, "\"bf2-vda\"") < pos(&a, "\"b2-vda\"") &&
		   pos(&a, "\"b2-vda\"") < pos(&a, "\"bf1-vda\"") &&
		   pos(&a, "\"b1-vda\"") < pos(&a, "\"file-vda\"") &&
		   pos(&a, "\"drive-vda\"") < pos(&a, "drive=drive-vda") && pos(&a, "drive=") < a.n,
	   "chain: each file's nodes before the nodes that use them (%s)", err.msg);
	ok(has(&a, "-add-fd", "fd=<bf2-vda>,set=1,opaque=bf2-vda") &&
		   has(&a, "-add-fd", "fd=<file-vda>,set=3,opaque=file-vda"),
	   "chain: one fd set per file");
	o = blockdev(&a, "drive-vda");
	ok(o && strcmp(jget(o, "backing"), "b1-vda") == 0 &&
		   strcmp(jget(o, "read-only"), "false") == 0,
	   "chain: the disk's format node names its backing node");
	json_object_put(o);
	o = blockdev(&a, "b1-vda");
	ok(o && strcmp(jget(o, "driver"), "qcow2") == 0 &&
		   strcmp(jget(o, "backing"), "b2-vda") == 0 &&
		   strcmp(jget(o, "read-only"), "true") == 0 && !*jget(o, "discard"),
	   "chain: a backing file is read-only, with its own backing named");
	json_object_put(o);
	o = blockdev(&a, "b2-vda");
	ok(o && strcmp(jget(o, "driver"), "raw") == 0 &&
		   !json_object_object_get_ex(o, "backing", NULL),
	   "chain: the raw bottom file has no backing option");
	json_object_put(o);
	o = blockdev(&a, "bf2-vda");
	ok(o && strcmp(jget(o, "driver"), "host_device") == 0 &&
		   strcmp(jget(o, "filename"), "/dev/fdset/1") == 0 &&
		   strcmp(jget(o, "read-only"), "true") == 0,
	   "chain: a block device at the bottom is a read-only host_device");
	json_object_put(o);
	ok(count(&a, "-blockdev", "") == 6 && count(&a, "-add-fd", "") == 3,
	   "chain: six nodes on three fds");
	vm_argv_free(&a);
}

static void
test_base(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_domain dom;
	struct vm_argv a;

	dom_init(&dom);
	a = build(&dom, -1, &err);
	ok(a.n > 0 && strcmp(a.v[0], "/usr/bin/qemu-system-x86_64") == 0 && a.v[a.n] == NULL,
	   "base: emulator first, argv NULL-terminated (%s)", err.msg);
	ok(has(&a, "-name", "guest=demo,debug-threads=on"), "base: -name guest=NAME");
	ok(has(&a, "-uuid", "c7a5fdbd-cdaf-9455-926a-d65c16db1809"), "base: -uuid");
	ok(count(&a, "-S", "") + count(&a, "-nodefaults", "") + count(&a, "-no-user-config", "") ==
		   3,
	   "base: -S -nodefaults -no-user-config");
	ok(has(&a, "-display", "none") && has(&a, "-msg", "timestamp=on"),
	   "base: -display none, -msg");
	ok(has(&a, "-machine", "pc,accel=tcg,acpi=on"),
	   "base: default machine pc with tcg and acpi");
	ok(count(&a, "-cpu", "") == 0, "base: no -cpu without host-passthrough");
	ok(has(&a, "-m", "size=131072k") && has(&a, "-smp", "1,sockets=1,cores=1,threads=1"),
	   "base: -m in exact KiB, -smp with libvirt's default topology");
	ok(has(&a, "-chardev", "socket,id=charmonitor,fd=<monitor>,server=on,wait=off") &&
		   has(&a, "-mon", "chardev=charmonitor,id=monitor,mode=control"),
	   "base: monitor fd -1 prints <monitor>");
	ok(count(&a, "-sandbox", "") == 0 && count(&a, "-kernel", "") == 0 &&
		   count(&a, "-no-shutdown", "") == 0 && count(&a, "-device", "") == 0,
	   "base: nothing that was not asked for");
	ok(has(&a, "-boot", "strict=on"), "base: -boot strict=on, as libvirt's");
	vm_argv_free(&a);

	conf.seccomp_sandbox = true;
	dom.kvm = true;
	dom.cpu_host_passthrough = true;
	dom.acpi = false;
	dom.vcpus = 4;
	dom.memory_kib = 1048577;
	dom.on_poweroff = VM_POWEROFF_PRESERVE;
	dom.kernel = S("/boot/vmlinuz,x");
	dom.initrd = S("/boot/initrd");
	dom.cmdline = S("console=ttyS0,115200 root=/dev/vda");
	strcpy(dom.boot, "dc");
	dom.name = S("we,ird");
	a = build(&dom, 7, &err);
	ok(has(&a, "-machine", "pc,accel=kvm,acpi=off") && has(&a, "-cpu", "host"),
	   "kvm: accel=kvm, acpi=off, -cpu host");
	ok(has(&a, "-m", "size=1048577k") && has(&a, "-smp", "4,sockets=4,cores=1,threads=1"),
	   "kvm: odd KiB kept exactly");
	ok(has(&a, "-chardev", "socket,id=charmonitor,fd=7,server=on,wait=off"),
	   "monitor fd is passed");
	ok(has(&a, "-sandbox",
	       "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"),
	   "seccomp_sandbox adds -sandbox");
	ok(has(&a, "-kernel", "/boot/vmlinuz,x") && has(&a, "-initrd", "/boot/initrd") &&
		   has(&a, "-append", "console=ttyS0,115200 root=/dev/vda"),
	   "-kernel/-initrd/-append take their argument verbatim");
	ok(has(&a, "-boot", "strict=on") && count(&a, "-no-shutdown", "") == 1,
	   "<os><boot dev> is the devices' bootindex, not -boot order; -no-shutdown for on_poweroff preserve");
	ok(has(&a, "-name", "guest=we,,ird,debug-threads=on"), "the name's commas are doubled");
	vm_argv_free(&a);
	conf.seccomp_sandbox = false;

	dom.kvm = false;
	a = build(&dom, -1, &err);
	ok(a.n == 0 && err.code == VM_EXIT_INVALID, "host-passthrough without kvm is invalid (%s)",
	   err.msg);
	dom.cpu_host_passthrough = false;

	dom.arch = S("i686");
	a = build(&dom, -1, &err);
	ok(a.n && strcmp(a.v[0], "/usr/bin/qemu-system-i386") == 0, "i686 uses qemu-system-i386");
	vm_argv_free(&a);
	conf.emulator = S("/opt/qemu/bin/qemu");
	a = build(&dom, -1, &err);
	ok(a.n && strcmp(a.v[0], "/opt/qemu/bin/qemu") == 0, "vmkit.conf's emulator comes next");
	vm_argv_free(&a);
	dom.emulator = S("/usr/local/bin/qemu-system-x86_64");
	a = build(&dom, -1, &err);
	ok(a.n && strcmp(a.v[0], dom.emulator) == 0, "the domain's emulator wins");
	vm_argv_free(&a);
	conf.emulator = NULL;
}

static void
test_q35(void)
{
	struct vm_controller ctl[9];
	struct vm_error err = VM_ERROR_INIT;
	struct vm_domain dom;
	struct vm_argv a;

	dom_init(&dom);
	a = build(&dom, -1, &err);
	ok(count(&a, "-device", "pcie-root-port") == 0, "pc: no pcie-root-port");
	vm_argv_free(&a);
	dom.machine = S("q35");
	root_ports(&dom, ctl, 4);
	a = build(&dom, -1, &err);
	ok(has(&a, "-machine", "q35,accel=tcg,acpi=on") &&
		   count(&a, "-device", "pcie-root-port") == 4 &&
		   has(&a, "-device",
		       "pcie-root-port,id=pci.1,chassis=1,port=0x10,bus=pcie.0,addr=0x2.0x0,"
		       "multifunction=on") &&
		   has(&a, "-device",
		       "pcie-root-port,id=pci.4,chassis=4,port=0x13,bus=pcie.0,addr=0x2.0x3"),
	   "q35: each root port with libvirt's chassis (its index) and port (its slot and function)");
	vm_argv_free(&a);
	dom.machine = S("pc-q35-7.2");
	root_ports(&dom, ctl, 1);
	a = build(&dom, -1, &err);
	ok(count(&a, "-device", "pcie-root-port") == 1 &&
		   has(&a, "-device",
		       "pcie-root-port,id=pci.1,chassis=1,port=0x10,bus=pcie.0,addr=0x2.0x0"),
	   "pc-q35-7.2: one root port is not multifunction");
	vm_argv_free(&a);
	ctl[0].chassis = 7;
	ctl[0].port = 0x20;
	a = build(&dom, -1, &err);
	ok(has(&a, "-device",
	       "pcie-root-port,id=pci.1,chassis=7,port=0x20,bus=pcie.0,addr=0x2.0x0"),
	   "a root port's <target chassis port> as written");
	vm_argv_free(&a);
	root_ports(&dom, ctl, 9);
	a = build(&dom, -1, &err);
	ok(count(&a, "-device", "pcie-root-port") == 9 &&
		   has(&a, "-device",
		       "pcie-root-port,id=pci.8,chassis=8,port=0x17,bus=pcie.0,addr=0x2.0x7") &&
		   has(&a, "-device",
		       "pcie-root-port,id=pci.9,chassis=9,port=0x18,bus=pcie.0,addr=0x3.0x0"),
	   "the ninth root port opens slot 3");
	vm_argv_free(&a);
	dom.ncontrollers = 0;
	dom.machine = S("pc-i440fx-7.2,x");
	a = build(&dom, -1, &err);
	ok(has(&a, "-machine", "pc-i440fx-7.2,,x,accel=tcg,acpi=on") &&
		   count(&a, "-device", "pcie-root-port") == 0,
	   "the machine type's commas are doubled");
	vm_argv_free(&a);
}

static void
test_disks(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_disk disks[8];
	struct vm_domain dom;
	struct vm_argv a;
	json_object *o;

	dom_init(&dom);
	memset(disks, 0, sizeof(disks));
	dom.disks = disks;
	disks[0] = (struct vm_disk){ .source = S("/var/lib/a,b.img"), .target = S("vda") };
	disks[1] = (struct vm_disk){ .source = S("/img/b.qcow2"),
				     .target = S("vdb"),
				     .format = VM_FORMAT_QCOW2,
				     .readonly = true,
				     .serial = S("ser,1") };
	disks[2] = (struct vm_disk){ .source = S("/dev/sdz"),
				     .target = S("vdc"),
				     .type = VM_DISK_BLOCK,
				     .shareable = true };
	dom.ndisks = 3;
	a = build(&dom, -1, &err);
	ok(has(&a, "-add-fd", "fd=<file-vda>,set=1,opaque=file-vda") &&
		   has(&a, "-add-fd", "fd=<file-vdc>,set=3,opaque=file-vdc"),
	   "each file is passed as an fd in a set of its own");
	ok(pos(&a, "fd=<file-vda>") < pos(&a, "\"node-name\":\"file-vda\""),
	   "the fd set comes before the node that opens it");
	o = blockdev(&a, "file-vda");
	ok(o && strcmp(jget(o, "driver"), "file") == 0 &&
		   strcmp(jget(o, "filename"), "/dev/fdset/1") == 0 &&
		   strcmp(jget(o, "read-only"), "false") == 0 &&
		   strcmp(jget(o, "discard"), "unmap") == 0 &&
		   strcmp(jget(o, "cache.direct"), "false") == 0 &&
		   strcmp(jget(o, "cache.no-flush"), "false") == 0 && !*jget(o, "auto-read-only"),
	   "virtio raw: protocol node (%s)", json_object_to_json_string(o));
	json_object_put(o);
	o = blockdev(&a, "drive-vda");
	ok(o && strcmp(jget(o, "driver"), "raw") == 0 && strcmp(jget(o, "file"), "file-vda") == 0 &&
		   strcmp(jget(o, "read-only"), "false") == 0,
	   "virtio raw: format node on it");
	json_object_put(o);
	ok(has(&a, "-device", "virtio-blk-pci,drive=drive-vda,id=vda,write-cache=on"),
	   "virtio raw: the device");
	ok(pos(&a, "\"node-name\":\"file-vda\"") < pos(&a, "\"node-name\":\"drive-vda\"") &&
		   pos(&a, "\"node-name\":\"drive-vda\"") < pos(&a, "drive=drive-vda"),
	   "virtio raw: protocol node, format node, then the device");
	o = blockdev(&a, "file-vdb");
	ok(o && strcmp(jget(o, "read-only"), "true") == 0 && !*jget(o, "discard"),
	   "readonly: protocol node read-only, no discard");
	json_object_put(o);
	o = blockdev(&a, "drive-vdb");
	ok(o && strcmp(jget(o, "driver"), "qcow2") == 0 &&
		   strcmp(jget(o, "read-only"), "true") == 0 && is_null(o, "backing"),
	   "qcow2: format node read-only, with no backing file to open by name");
	json_object_put(o);
	ok(has(&a, "-device",
	       "virtio-blk-pci,drive=drive-vdb,id=vdb,serial=ser,,1,share-rw=on,write-cache=on"),
	   "serial with a comma is escaped");
	o = blockdev(&a, "file-vdc");
	ok(o && strcmp(jget(o, "driver"), "host_device") == 0, "block disk: host_device");
	json_object_put(o);
	ok(has(&a, "-device", "virtio-blk-pci,drive=drive-vdc,id=vdc,share-rw=on,write-cache=on"),
	   "shareable raw: share-rw=on");
	vm_argv_free(&a);

	disks[2].format = VM_FORMAT_QCOW2;
	a = build(&dom, -1, &err);
	ok(has(&a, "-device", "virtio-blk-pci,drive=drive-vdc,id=vdc,write-cache=on"),
	   "shareable qcow2: no share-rw");
	vm_argv_free(&a);

	/* libvirt's cache modes */
	{
		static const struct {
			enum vm_cache cache;
			const char *direct, *noflush, *wc;
		} modes[] = {
			{ VM_CACHE_DEFAULT, "false", "false", "on" },
			{ VM_CACHE_WRITEBACK, "false", "false", "on" },
			{ VM_CACHE_NONE, "true", "false", "on" },
			{ VM_CACHE_WRITETHROUGH, "false", "false", "off" },
			{ VM_CACHE_DIRECTSYNC, "true", "false", "off" },
			{ VM_CACHE_UNSAFE, "false", "true", "on" },
		};

		dom.ndisks = 1;
		for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
			char dev[128];
			json_object *p, *f;

			disks[0].cache = modes[i].cache;
			a = build(&dom, -1, &err);
			p = blockdev(&a, "file-vda");
			f = blockdev(&a, "drive-vda");
			snprintf(dev, sizeof(dev),
				 "virtio-blk-pci,drive=drive-vda,id=vda,write-cache=%s",
				 modes[i].wc);
			ok(strcmp(jget(p, "cache.direct"), modes[i].direct) == 0 &&
				   strcmp(jget(f, "cache.direct"), modes[i].direct) == 0 &&
				   strcmp(jget(p, "cache.no-flush"), modes[i].noflush) == 0 &&
				   strcmp(jget(f, "cache.no-flush"), modes[i].noflush) == 0 &&
				   has(&a, "-device", dev),
			   "cache mode %d: direct=%s no-flush=%s write-cache=%s",
			   (int)modes[i].cache, modes[i].direct, modes[i].noflush, modes[i].wc);
			json_object_put(p);
			json_object_put(f);
			vm_argv_free(&a);
		}
		disks[0].cache = VM_CACHE_DEFAULT;
	}

	/* sata */
	disks[0] = (struct vm_disk){ .source = S("/img/a.img"),
				     .target = S("sda"),
				     .bus = VM_BUS_SATA };
	disks[1] = (struct vm_disk){
		.target = S("sdb"), .bus = VM_BUS_SATA, .device = VM_DEVICE_CDROM, .readonly = true
	};
	disks[2] = (struct vm_disk){ .source = S("/img/x.iso"),
				     .target = S("sdf"),
				     .bus = VM_BUS_SATA,
				     .device = VM_DEVICE_CDROM,
				     .readonly = true };
	dom.ndisks = 3;
	a = build(&dom, -1, &err);
	ok(count(&a, "-device", "ahci") == 1 && has(&a, "-device", "ahci,id=sata0") &&
		   find(&a, "-device", "ahci,id=sata0") <
			   find(&a, "-device", "ide-cd,bus=sata0.1,id=sdb"),
	   "sata: one ahci controller before its disks (%s)", err.msg);
	ok(has(&a, "-device", "ide-hd,bus=sata0.0,drive=drive-sda,id=sda,write-cache=on"),
	   "sata: sda is port 0");
	ok(has(&a, "-device", "ide-cd,bus=sata0.1,id=sdb") && !blockdev(&a, "file-sdb") &&
		   !blockdev(&a, "drive-sdb"),
	   "sata: an empty cdrom has no drive and no nodes");
	ok(has(&a, "-device", "ide-cd,bus=sata0.5,drive=drive-sdf,id=sdf,share-rw=on"),
	   "sata: a cdrom with media on port 5");
	vm_argv_free(&a);
	disks[2].target = S("sdg");
	a = build(&dom, -1, &err);
	ok(a.n == 0 && err.code == VM_EXIT_INVALID &&
		   strcmp(err.msg, "sata disk 'sdg' has no free port (sda to sdf)") == 0,
	   "sata: sdg is beyond the 6 ports (%s)", err.msg);
	disks[2].target = S("hda");
	a = build(&dom, -1, &err);
	ok(a.n == 0 && err.code == VM_EXIT_INVALID, "sata: two disks on one port are invalid (%s)",
	   err.msg);
	disks[2].target = S("sdc");
	disks[2].device = VM_DEVICE_DISK;
	a = build(&dom, -1, &err);
	ok(a.n == 0 && err.code == VM_EXIT_INVALID, "sata: a readonly disk is invalid (%s)",
	   err.msg);

	/* scsi */
	disks[0] = (struct vm_disk){ .source = S("/img/a.qcow2"),
				     .target = S("sda"),
				     .bus = VM_BUS_SCSI,
				     .format = VM_FORMAT_QCOW2 };
	disks[1] = (struct vm_disk){
		.target = S("sdc"), .bus = VM_BUS_SCSI, .device = VM_DEVICE_CDROM, .readonly = true
	};
	disks[2] = (struct vm_disk){ .source = S("/img/b.img"),
				     .target = S("sdb"),
				     .bus = VM_BUS_SATA };
	a = build(&dom, -1, &err);
	ok(count(&a, "-device", "virtio-scsi-pci") == 1 &&
		   has(&a, "-device", "virtio-scsi-pci,id=scsi0"),
	   "scsi: one virtio-scsi controller (%s)", err.msg);
	ok(has(&a, "-device",
	       "scsi-hd,bus=scsi0.0,channel=0,scsi-id=0,lun=0,device_id=drive-scsi0-0-0-0,"
	       "drive=drive-sda,id=sda,write-cache=on"),
	   "scsi: sda is target 0 lun 0, libvirt's VPD device id");
	ok(has(&a, "-device",
	       "scsi-cd,bus=scsi0.0,channel=0,scsi-id=0,lun=2,device_id=drive-scsi0-0-0-2,id=sdc"),
	   "scsi: an empty cdrom sdc is lun 2 of target 0, as libvirt puts it");
	ok(has(&a, "-device", "ide-hd,bus=sata0.1,drive=drive-sdb,id=sdb,write-cache=on"),
	   "scsi and sata mix");
	vm_argv_free(&a);

	disks[0] = (struct vm_disk){ .source = S("/img/x.iso"),
				     .target = S("vda"),
				     .device = VM_DEVICE_CDROM,
				     .readonly = true };
	dom.ndisks = 1;
	a = build(&dom, -1, &err);
	ok(a.n == 0 && err.code == VM_EXIT_INVALID, "a virtio cdrom is invalid (%s)", err.msg);
	disks[0] = (struct vm_disk){ .source = S("/dev/sr0"),
				     .target = S("sda"),
				     .type = VM_DISK_BLOCK,
				     .device = VM_DEVICE_CDROM,
				     .readonly = true,
				     .bus = VM_BUS_SCSI };
	a = build(&dom, -1, &err);
	o = blockdev(&a, "file-sda");
	ok(o && strcmp(jget(o, "driver"), "host_cdrom") == 0, "a block cdrom uses host_cdrom");
	json_object_put(o);
	vm_argv_free(&a);
	disks[0].target = S("sdabcdefghijklmnopqrstuvwxy");
	a = build(&dom, -1, &err);
	ok(a.n == 0 && err.code == VM_EXIT_INVALID, "a target too long for a node name is invalid");
	disks[0].target = S("cdrom");
	a = build(&dom, -1, &err);
	ok(a.n == 0 && err.code == VM_EXIT_INVALID &&
		   strcmp(err.msg, "invalid disk target 'cdrom'") == 0,
	   "scsi needs a target that numbers the disk (%s)", err.msg);
	disks[0] = (struct vm_disk){ .source = S("/img/a.img"), .target = S("data") };
	a = build(&dom, -1, &err);
	ok(has(&a, "-device", "virtio-blk-pci,drive=drive-data,id=data,write-cache=on"),
	   "virtio takes any target name");
	vm_argv_free(&a);
}

/* N taps, the K-th with the one fd FDS[K], or none when it is -1. */
static void
one_queue_taps(struct vm_tapdev *taps, const int *fds, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		vm_tapdev_init(&taps[k]);
		taps[k].fds[0] = fds[k];
		taps[k].queues = fds[k] >= 0;
	}
}

/* Tap interfaces: the fd vm-start made, or a placeholder for --print-argv. */
static void
test_taps(struct vm_domain *dom)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_iface ifaces[3] = {
		{ .type = VM_IFACE_BRIDGE,
		  .model = S("virtio"),
		  .mac = S("52:54:00:00:00:01"),
		  .mtu = 9000 },
		{ .type = VM_IFACE_USER, .model = S("e1000e") },
		{ .type = VM_IFACE_ETHERNET, .model = S("vmxnet3"), .mtu = 1400 },
	};
	struct vm_tapdev taps[3];
	struct vm_conf conf;
	struct vm_argv a = { 0 };

	vm_conf_init(&conf);
	one_queue_taps(taps, (const int[]){ 41, -1, 43 }, 3);
	dom->ifaces = ifaces;
	dom->nifaces = 3;
	ok(vm_qemu_argv(dom, &conf, 7, -1, NULL, taps, NULL, &a, &err) == 0, "taps: %s", err.msg);
	ok(has(&a, "-netdev", "tap,id=hostnet0,fd=41") &&
		   has(&a, "-device",
		       "virtio-net-pci,netdev=hostnet0,id=net0,mac=52:54:00:00:00:01,host_mtu=9000"),
	   "tap: the fd vm-start passes, and virtio told the mtu");
	ok(has(&a, "-netdev", "user,id=hostnet1") &&
		   has(&a, "-device", "e1000e,netdev=hostnet1,id=net1"),
	   "tap: a user interface among them keeps its own");
	ok(has(&a, "-netdev", "tap,id=hostnet2,fd=43") &&
		   has(&a, "-device", "vmxnet3,netdev=hostnet2,id=net2"),
	   "tap: vmxnet3, whose mtu is the tap's alone");
	vm_argv_free(&a);
	ok(vm_qemu_argv(dom, &conf, -1, -1, NULL, NULL, NULL, &a, &err) == 0 &&
		   has(&a, "-netdev", "tap,id=hostnet0,fd=<hostnet0>") &&
		   has(&a, "-netdev", "tap,id=hostnet2,fd=<hostnet2>"),
	   "tap: --print-argv shows placeholders: %s", err.msg);
	vm_argv_free(&a);

	/* as libvirt: one fd a queue, vectors for each rx and tx queue, config and control */
	ifaces[0].queues = 3;
	ifaces[0].vhost = VM_VHOST_ON;
	ifaces[0].mtu = 0;
	taps[0].queues = 3;
	taps[0].fds[1] = 51;
	taps[0].fds[2] = 52;
	taps[0].vhostfds[0] = 60;
	taps[0].vhostfds[1] = 61;
	taps[0].vhostfds[2] = 62;
	ok(vm_qemu_argv(dom, &conf, 7, -1, NULL, taps, NULL, &a, &err) == 0 &&
		   has(&a, "-netdev", "tap,id=hostnet0,fds=41:51:52,vhost=on,vhostfds=60:61:62") &&
		   has(&a, "-device",
		       "virtio-net-pci,netdev=hostnet0,id=net0,mac=52:54:00:00:00:01,mq=on,vectors=8"),
	   "multiqueue: fds=, vhostfds= and vectors=2N+2: %s", err.msg);
	vm_argv_free(&a);
	ok(vm_qemu_argv(dom, &conf, -1, -1, NULL, NULL, NULL, &a, &err) == 0 &&
		   has(&a, "-netdev",
		       "tap,id=hostnet0,fds=<hostnet0.0>:<hostnet0.1>:<hostnet0.2>,vhost=on,"
		       "vhostfds=<vhost-hostnet0.0>:<vhost-hostnet0.1>:<vhost-hostnet0.2>"),
	   "multiqueue with vhost asked for: --print-argv placeholders: %s", err.msg);
	vm_argv_free(&a);
	ifaces[0].queues = 0;
	taps[0].queues = 1;
	taps[0].fds[1] = taps[0].fds[2] = -1;
	taps[0].vhostfds[1] = taps[0].vhostfds[2] = -1;
	ok(vm_qemu_argv(dom, &conf, 7, -1, NULL, taps, NULL, &a, &err) == 0 &&
		   has(&a, "-netdev", "tap,id=hostnet0,fd=41,vhost=on,vhostfd=60") &&
		   has(&a, "-device",
		       "virtio-net-pci,netdev=hostnet0,id=net0,mac=52:54:00:00:00:01"),
	   "one queue: fd= and vhostfd=, no mq: %s", err.msg);
	vm_argv_free(&a);
	ifaces[0].vhost = VM_VHOST_OFF;
	taps[0].vhostfds[0] = -1;
	ok(vm_qemu_argv(dom, &conf, 7, -1, NULL, taps, NULL, &a, &err) == 0 &&
		   has(&a, "-netdev", "tap,id=hostnet0,fd=41"),
	   "no vhost fd: no vhost: %s", err.msg);
	vm_argv_free(&a);
	dom->nifaces = 0;
	vm_conf_free(&conf);
}

/* <boot order>, <rom> and a user interface's <portForward>. */
static void
test_net_options(struct vm_domain *dom)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_portfwd fwds[2] = {
		{ .address = S("127.0.0.1"), .start = 8080, .end = 8082, .to = 80 },
		{ .udp = true, .start = 53, .end = 53, .to = 5353 },
	};
	struct vm_iface ifaces[3] = {
		{ .type = VM_IFACE_USER,
		  .model = S("virtio"),
		  .boot_order = 2,
		  .rom_bar = VM_ROM_BAR_OFF,
		  .rom_file = S("/r/pxe,1.rom"),
		  .fwds = fwds,
		  .nfwds = 2 },
		{ .type = VM_IFACE_USER, .model = S("e1000"), .rom_disabled = true },
		{ .type = VM_IFACE_BRIDGE,
		  .model = S("virtio"),
		  .boot_order = 1,
		  .rom_bar = VM_ROM_BAR_ON },
	};
	struct vm_tapdev taps[3];
	struct vm_conf conf;
	struct vm_argv a = { 0 };

	vm_conf_init(&conf);
	one_queue_taps(taps, (const int[]){ -1, -1, 42 }, 3);
	dom->ifaces = ifaces;
	dom->nifaces = 3;
	ok(vm_qemu_argv(dom, &conf, 7, -1, NULL, taps, NULL, &a, &err) == 0, "net options: %s",
	   err.msg);
	ok(has(&a, "-netdev",
	       "user,id=hostnet0,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=tcp:127.0.0.1:8081-:81,"
	       "hostfwd=tcp:127.0.0.1:8082-:82,hostfwd=udp::53-:5353"),
	   "portForward: one hostfwd per port of a range, its guest ports following; no address binds all");
	ok(has(&a, "-device",
	       "virtio-net-pci,netdev=hostnet0,id=net0,bootindex=2,rombar=0,romfile=/r/pxe,,1.rom"),
	   "boot order is bootindex, bar='off' rombar=0, the rom file escaped");
	ok(has(&a, "-device", "e1000,netdev=hostnet1,id=net1,romfile="),
	   "enabled='no' is an empty romfile: no ROM");
	ok(has(&a, "-netdev", "tap,id=hostnet2,fd=42") &&
		   has(&a, "-device",
		       "virtio-net-pci,netdev=hostnet2,id=net2,bootindex=1,rombar=1"),
	   "a tap interface takes boot order and rom alike");
	vm_argv_free(&a);
	dom->nifaces = 0;
	vm_conf_free(&conf);
}

/* VNC on a socket handed over QMP, its passwd from a memfd; video devices where libvirt puts them. */
static void
test_displays(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_graphics g = { .type = VM_GRAPHICS_VNC,
				 .listen = VM_GRAPHICS_ADDRESS,
				 .address = S("127.0.0.1"),
				 .passwd = S("pw"),
				 .keymap = S("de") };
	struct vm_video v[2] = {
		{ .model = VM_VIDEO_QXL,
		  .ram = 65536,
		  .vram = 65536,
		  .vgamem = 16384,
		  .heads = 1,
		  .primary = true },
		{ .model = VM_VIDEO_VIRTIO, .heads = 2 },
	};
	struct vm_graphics spice[2] = {
		{ .type = VM_GRAPHICS_SPICE,
		  .spice = { [VM_GRAPHICS_IMAGE] = S("off"),
			     [VM_GRAPHICS_MOUSE] = S("client"),
			     [VM_GRAPHICS_CLIPBOARD] = S("no"),
			     [VM_GRAPHICS_FILETRANSFER] = S("yes"),
			     [VM_GRAPHICS_STREAMING] = S("filter") },
		  .keymap = S("fr") },
		{ .type = VM_GRAPHICS_VNC, .keymap = S("fr") },
	};
	struct vm_graphics_run runs[2] = { { .passwd_fd = -1, .dirfd = 12, .socket = "s,1.sock" },
					   { .passwd_fd = -1, .dirfd = -1 } };
	const struct vm_graphics_run displays[1] = { { .passwd_fd = 9, .dirfd = -1 } };
	struct vm_domain dom;
	struct vm_argv a = { 0 };

	dom_init(&dom);
	dom.graphics = &g;
	dom.ngraphics = 1;
	dom.videos = v;
	dom.nvideos = 2;
	ok(vm_qemu_argv(&dom, &conf, 7, -1, NULL, NULL, displays, &a, &err) == 0, "displays: %s",
	   err.msg);
	ok(has(&a, "-object", "secret,id=graphics0-secret,format=raw,file=/proc/self/fd/9") &&
		   has(&a, "-vnc", "none,password-secret=graphics0-secret") && has(&a, "-k", "de"),
	   "vnc: no address on the command line, the passwd a secret read from its fd");
	ok(has(&a, "-device",
	       "qxl-vga,id=video0,ram_size=67108864,vram_size=67108864,vgamem_mb=16,max_outputs=1,bus=pci.0,addr=0x2") &&
		   has(&a, "-device", "virtio-gpu-pci,id=video1,max_outputs=2"),
	   "video: the primary qxl-vga in slot 2 of pc, a further virtio GPU where QEMU puts it");
	ok(count(&a, "-device", "") == 2 && count(&a, "-vnc", "") == 1,
	   "displays: two video devices and one VNC server");
	vm_argv_free(&a);
	ok(vm_qemu_argv(&dom, &conf, -1, -1, NULL, NULL, NULL, &a, &err) == 0 &&
		   has(&a, "-object",
		       "secret,id=graphics0-secret,format=raw,file=/proc/self/fd/<graphics0-secret>"),
	   "vnc: --print-argv shows the passwd's fd as a placeholder, never the passwd: %s",
	   err.msg);
	for (size_t i = 0; i < a.n; i++)
		if (strstr(a.v[i], "pw,") || !strcmp(a.v[i], "pw"))
			ok(0, "vnc: the passwd is on the command line: %s", a.v[i]);
	vm_argv_free(&a);
	dom.graphics = spice;
	dom.ngraphics = 2;
	ok(vm_qemu_argv(&dom, &conf, 7, -1, NULL, NULL, runs, &a, &err) == 0 &&
		   has(&a, "-spice",
		       "unix=on,addr=/proc/self/fd/12/s,,1.sock,agent-mouse=on,disable-ticketing=on,image-compression=off,streaming-video=filter,disable-copy-paste=on") &&
		   has(&a, "-vnc", "none") && count(&a, "-k", "") == 1 && has(&a, "-k", "fr"),
	   "spice: bound by QEMU in the directory it inherits, no ticket without a passwd, its options in libvirt's order (none for QEMU's default); one -k: %s",
	   err.msg);
	vm_argv_free(&a);
	spice[0] = (struct vm_graphics){ .type = VM_GRAPHICS_SPICE,
					 .listen = VM_GRAPHICS_ADDRESS,
					 .address = S("::1"),
					 .passwd = S("pw") };
	runs[0] = (struct vm_graphics_run){ .passwd_fd = 10, .dirfd = -1, .port = 5902 };
	dom.ngraphics = 1;
	ok(vm_qemu_argv(&dom, &conf, 7, -1, NULL, NULL, runs, &a, &err) == 0 &&
		   has(&a, "-object",
		       "secret,id=graphics0-secret,format=raw,file=/proc/self/fd/10") &&
		   has(&a, "-spice", "port=5902,addr=::1,password-secret=graphics0-secret"),
	   "spice: on the port vm-start leased, its passwd a secret: %s", err.msg);
	vm_argv_free(&a);
	ok(vm_qemu_argv(&dom, &conf, -1, -1, NULL, NULL, NULL, &a, &err) == 0 &&
		   has(&a, "-spice",
		       "port=<graphics0-port>,addr=::1,password-secret=graphics0-secret"),
	   "spice: --print-argv shows the port to be leased as a placeholder: %s", err.msg);
	vm_argv_free(&a);
	dom.graphics = &g;
	g.passwd = NULL;
	g.keymap = NULL;
	dom.machine = S("q35");
	v[0] = (struct vm_video){
		.model = VM_VIDEO_VGA, .vram = 32768, .heads = 1, .primary = true
	};
	v[1] = (struct vm_video){
		.model = VM_VIDEO_QXL, .ram = 65536, .vram = 32768, .vgamem = 16384, .heads = 1
	};
	ok(vm_qemu_argv(&dom, &conf, -1, -1, NULL, NULL, NULL, &a, &err) == 0 &&
		   has(&a, "-vnc", "none") && count(&a, "-object", "") == 0 &&
		   count(&a, "-k", "") == 0 &&
		   has(&a, "-device", "VGA,id=video0,vgamem_mb=32,bus=pcie.0,addr=0x1") &&
		   has(&a, "-device",
		       "qxl,id=video1,ram_size=67108864,vram_size=33554432,vgamem_mb=16,max_outputs=1"),
	   "video: vga's vram is its vgamem, in slot 1 of q35; a further qxl is 'qxl': %s",
	   err.msg);
	vm_argv_free(&a);
	dom.machine = NULL;
	dom.ngraphics = 0;
	dom.nvideos = 1;
	v[0] = (struct vm_video){
		.model = VM_VIDEO_BOCHS, .vram = 16384, .heads = 1, .primary = true
	};
	ok(vm_qemu_argv(&dom, &conf, -1, -1, NULL, NULL, NULL, &a, &err) == 0 &&
		   has(&a, "-device", "bochs-display,id=video0,vgamem=16384k,bus=pci.0,addr=0x2") &&
		   count(&a, "-vnc", "") == 0,
	   "video: bochs-display, its vram as vgamem; no display without <graphics>");
	vm_argv_free(&a);
	v[0] = (struct vm_video){ .model = VM_VIDEO_CIRRUS, .heads = 1, .primary = true };
	ok(vm_qemu_argv(&dom, &conf, -1, -1, NULL, NULL, NULL, &a, &err) == 0 &&
		   has(&a, "-device", "cirrus-vga,id=video0,bus=pci.0,addr=0x2"),
	   "video: cirrus-vga");
	vm_argv_free(&a);
	v[0] = (struct vm_video){ .model = VM_VIDEO_RAMFB, .heads = 1, .primary = true };
	ok(vm_qemu_argv(&dom, &conf, -1, -1, NULL, NULL, NULL, &a, &err) == 0 &&
		   has(&a, "-device", "ramfb,id=video0"),
	   "video: ramfb, a system device with no PCI slot");
	vm_argv_free(&a);
	v[0] = (struct vm_video){ .model = VM_VIDEO_VIRTIO, .heads = 1, .primary = true };
	ok(vm_qemu_argv(&dom, &conf, -1, -1, NULL, NULL, NULL, &a, &err) == 0 &&
		   has(&a, "-device", "virtio-vga,id=video0,max_outputs=1,bus=pci.0,addr=0x2"),
	   "video: a primary virtio is virtio-vga");
	vm_argv_free(&a);
	v[0] = (struct vm_video){ .model = VM_VIDEO_NONE, .primary = true };
	ok(vm_qemu_argv(&dom, &conf, -1, -1, NULL, NULL, NULL, &a, &err) == 0 &&
		   count(&a, "-device", "") == 0,
	   "video: none is no device");
	vm_argv_free(&a);
}

/*
 * The ich9 USB2 set as libvirt 9.0 gives it to QEMU 7.2: the ehci owns
 * usb.0, the uhci companions (no id) join it at their first port; nec-xhci
 * with its ports.
 */
static void
test_usb2(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_input in = { .type = VM_INPUT_TABLET, .bus = VM_INPUT_USB };
	struct vm_controller c[4] = {
		{ .type = "usb", .usb = VM_USB_ICH9_UHCI1, .has_master = true, .startport = 0 },
		{ .type = "usb", .usb = VM_USB_ICH9_EHCI1 },
		{ .type = "usb", .usb = VM_USB_ICH9_UHCI2, .has_master = true, .startport = 2 },
		{ .type = "usb", .usb = VM_USB_ICH9_UHCI3, .has_master = true, .startport = 4 },
	};
	struct vm_domain dom;
	struct vm_argv a = { 0 };

	for (unsigned i = 0; i < 4; i++)
		c[i].addr = (struct vm_address){ .type = VM_ADDRESS_PCI,
						 .slot = 0x1d,
						 .function = i == 1 ? 7
							     : i    ? i - 1
								    : 0,
						 .multifunction = i == 0 };
	in.addr = (struct vm_address){ .type = VM_ADDRESS_USB, .port = 1 };
	dom_init(&dom);
	dom.machine = S("q35");
	dom.inputs = &in;
	dom.ninputs = 1;
	dom.controllers = c;
	dom.ncontrollers = 4;
	dom.usb = VM_USB_ICH9_EHCI1;
	ok(vm_qemu_argv(&dom, &conf, -1, -1, NULL, NULL, NULL, &a, &err) == 0 &&
		   has(&a, "-device", "ich9-usb-ehci1,id=usb,bus=pcie.0,addr=0x1d.0x7") &&
		   has(&a, "-device",
		       "ich9-usb-uhci1,masterbus=usb.0,firstport=0,bus=pcie.0,addr=0x1d.0x0,multifunction=on") &&
		   has(&a, "-device",
		       "ich9-usb-uhci2,masterbus=usb.0,firstport=2,bus=pcie.0,addr=0x1d.0x1") &&
		   has(&a, "-device",
		       "ich9-usb-uhci3,masterbus=usb.0,firstport=4,bus=pcie.0,addr=0x1d.0x2") &&
		   has(&a, "-device", "usb-tablet,id=input0,bus=usb.0,port=1") &&
		   count(&a, "-device", "") == 5,
	   "usb2: ich9-ehci1 and its companions at 00:1d, the tablet on usb.0: %s", err.msg);
	ok(find(&a, "-device", "ich9-usb-ehci1,id=usb,bus=pcie.0,addr=0x1d.0x7") <
			   find(&a, "-device",
				"ich9-usb-uhci1,masterbus=usb.0,firstport=0,bus=pcie.0,addr=0x1d.0x0,multifunction=on") &&
		   find(&a, "-device", "usb-tablet,id=input0,bus=usb.0,port=1") >
			   find(&a, "-device",
				"ich9-usb-uhci3,masterbus=usb.0,firstport=4,bus=pcie.0,addr=0x1d.0x2"),
	   "usb2: the ehci before its companions, written before it, and the devices after all");
	vm_argv_free(&a);
	c[0] = (struct vm_controller){ .type = "usb",
				       .usb = VM_USB_NEC_XHCI,
				       .ports = 8,
				       .addr = { .type = VM_ADDRESS_PCI, .bus = 0, .slot = 3 } };
	dom.ncontrollers = 1;
	dom.usb = VM_USB_NEC_XHCI;
	ok(vm_qemu_argv(&dom, &conf, -1, -1, NULL, NULL, NULL, &a, &err) == 0 &&
		   has(&a, "-device", "nec-usb-xhci,id=usb,p2=8,p3=8,bus=pcie.0,addr=0x3.0x0") &&
		   count(&a, "-device", "") == 2,
	   "usb: nec-xhci with its ports: %s", err.msg);
	vm_argv_free(&a);
}

/* USB and virtio inputs as libvirt makes them; PS/2 ones are the machine's own. */
static void
test_inputs(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_input in[4] = {
		{ .type = VM_INPUT_TABLET,
		  .bus = VM_INPUT_USB,
		  .addr = { .type = VM_ADDRESS_USB, .port = 1 } },
		{ .type = VM_INPUT_MOUSE, .bus = VM_INPUT_PS2 },
		{ .type = VM_INPUT_KEYBOARD, .bus = VM_INPUT_VIRTIO },
		{ .type = VM_INPUT_KEYBOARD,
		  .bus = VM_INPUT_USB,
		  .addr = { .type = VM_ADDRESS_USB, .port = 2 } },
	};
	struct vm_controller ctl;
	struct vm_domain dom;
	struct vm_argv a = { 0 };

	dom_init(&dom);
	dom.inputs = in;
	dom.ninputs = 4;
	usb_controller(&dom, &ctl, VM_USB_PIIX3_UHCI);
	ok(vm_qemu_argv(&dom, &conf, -1, -1, NULL, NULL, NULL, &a, &err) == 0 &&
		   has(&a, "-device", "piix3-usb-uhci,id=usb,bus=pci.0,addr=0x1.0x2") &&
		   has(&a, "-device", "usb-tablet,id=input0,bus=usb.0,port=1") &&
		   has(&a, "-device", "virtio-keyboard-pci,id=input2") &&
		   has(&a, "-device", "usb-kbd,id=input3,bus=usb.0,port=2") &&
		   count(&a, "-device", "") == 4,
	   "inputs: piix3-uhci where libvirt puts it on pc, USB and virtio inputs, PS/2 none: %s",
	   err.msg);
	ok(find(&a, "-device", "piix3-usb-uhci,id=usb,bus=pci.0,addr=0x1.0x2") <
		   find(&a, "-device", "usb-tablet,id=input0,bus=usb.0,port=1"),
	   "inputs: the USB controller comes before the devices on its bus");
	vm_argv_free(&a);
	usb_controller(&dom, &ctl, VM_USB_QEMU_XHCI);
	dom.machine = S("q35");
	in[0].type = VM_INPUT_MOUSE;
	ok(vm_qemu_argv(&dom, &conf, -1, -1, NULL, NULL, NULL, &a, &err) == 0 &&
		   has(&a, "-device", "qemu-xhci,id=usb") &&
		   has(&a, "-device", "usb-mouse,id=input0,bus=usb.0,port=1"),
	   "inputs: qemu-xhci finds its own slot on q35, as boot-time devices do: %s", err.msg);
	vm_argv_free(&a);
}

/* The TPM: swtpm's control channel is an fd QEMU inherits. */
static void
test_tpm(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_tpm tpm = { .model = VM_TPM_CRB, .fd = 9 };
	struct vm_domain dom;
	struct vm_argv a = { 0 };

	dom_init(&dom);
	dom.tpms = &tpm;
	dom.ntpms = 1;
	ok(vm_qemu_argv(&dom, &conf, 7, -1, NULL, NULL, NULL, &a, &err) == 0 &&
		   has(&a, "-chardev", "socket,id=chrtpm0,fd=9") &&
		   has(&a, "-tpmdev", "emulator,id=tpm0,chardev=chrtpm0") &&
		   has(&a, "-device", "tpm-crb,tpmdev=tpm0,id=tpmdev0"),
	   "tpm-crb on an emulator backend over fd 9: %s", err.msg);
	vm_argv_free(&a);
	tpm.model = VM_TPM_TIS;
	ok(vm_qemu_argv(&dom, &conf, -1, -1, NULL, NULL, NULL, &a, &err) == 0 &&
		   has(&a, "-chardev", "socket,id=chrtpm0,fd=<tpm0>") &&
		   has(&a, "-device", "tpm-tis,tpmdev=tpm0,id=tpmdev0"),
	   "tpm-tis, with a placeholder for --print-argv: %s", err.msg);
	vm_argv_free(&a);
}

/* USB redirection and the SPICE agent's channel, as libvirt 9.0 maps virt-install's XML. */
static void
test_spicevmc(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_redirdev redir[2] = { { .addr = { .type = VM_ADDRESS_USB, .port = 1 } },
					{ .addr = { .type = VM_ADDRESS_USB, .port = 2 } } };
	struct vm_controller ctl;
	struct vm_usbdev_rule rules[2] = {
		{ .usb_class = 8,
		  .vendor = 0x1234,
		  .product = 0xbeef,
		  .version = 0x0200,
		  .allow = true },
		{ VM_REDIRDEV_ANY, VM_REDIRDEV_ANY, VM_REDIRDEV_ANY, VM_REDIRDEV_ANY, false },
	};
	struct vm_domain dom;
	struct vm_argv a = { 0 };

	dom_init(&dom);
	usb_controller(&dom, &ctl, VM_USB_QEMU_XHCI);
	dom.redirdevs = redir;
	dom.nredirdevs = 2;
	dom.channel.agent = true;
	dom.channel.spice_line = 9;
	ok(vm_qemu_argv(&dom, &conf, 7, 8, NULL, NULL, NULL, &a, &err) == 0 &&
		   has(&a, "-chardev", "spicevmc,id=charredir0,name=usbredir") &&
		   has(&a, "-device", "usb-redir,chardev=charredir0,id=redir0,bus=usb.0,port=1") &&
		   has(&a, "-chardev", "spicevmc,id=charredir1,name=usbredir") &&
		   has(&a, "-device", "usb-redir,chardev=charredir1,id=redir1,bus=usb.0,port=2") &&
		   has(&a, "-chardev", "spicevmc,id=charchannel1,name=vdagent") &&
		   has(&a, "-device",
		       "virtserialport,bus=virtio-serial0.0,nr=2,chardev=charchannel1,id=channel1,name=com.redhat.spice.0") &&
		   find(&a, "-device", "qemu-xhci,id=usb") <
			   find(&a, "-device",
				"usb-redir,chardev=charredir0,id=redir0,bus=usb.0,port=1"),
	   "spicevmc: two usb-redir on usb.0 at their ports, the SPICE agent's port after the guest agent's: %s",
	   err.msg);
	vm_argv_free(&a);
	dom.channel.agent = false;
	dom.redirfilter = rules;
	dom.nredirfilter = 2;
	ok(vm_qemu_argv(&dom, &conf, 7, -1, NULL, NULL, NULL, &a, &err) == 0 &&
		   has(&a, "-device",
		       "usb-redir,chardev=charredir1,id=redir1,filter=0x08:0x1234:0xBEEF:0x0200:1|-1:-1:-1:-1:0,bus=usb.0,port=2") &&
		   has(&a, "-chardev", "spicevmc,id=charchannel0,name=vdagent") &&
		   has(&a, "-device",
		       "virtserialport,bus=virtio-serial0.0,nr=1,chardev=charchannel0,id=channel0,name=com.redhat.spice.0"),
	   "spicevmc: the redirfilter as libvirt's filter on each redirdev; the SPICE agent's port alone is channel0: %s",
	   err.msg);
	vm_argv_free(&a);
}

/* Sound devices and their audio backends as libvirt makes them. */
static void
test_sounds(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_sound snd[3] = {
		/* address.c's: q35's first ich9 in the chipset's slot */
		{ .model = VM_SOUND_ICH9,
		  .codecs = { VM_CODEC_MICRO, VM_CODEC_OUTPUT },
		  .ncodecs = 2,
		  .audio = 1,
		  .addr = { .type = VM_ADDRESS_PCI, .slot = 0x1b } },
		{ .model = VM_SOUND_AC97, .audio = 2 },
		{ .model = VM_SOUND_ICH6, .audio = 1 },
	};
	struct vm_audio au[2] = { { .id = 1, .type = VM_AUDIO_NONE },
				  { .id = 2, .type = VM_AUDIO_NONE } };
	struct vm_domain dom;
	struct vm_argv a = { 0 };

	dom_init(&dom);
	dom.machine = S("q35");
	dom.sounds = snd;
	dom.nsounds = 3;
	dom.audios = au;
	dom.naudios = 2;
	ok(vm_qemu_argv(&dom, &conf, -1, -1, NULL, NULL, NULL, &a, &err) == 0 &&
		   has(&a, "-audiodev", "none,id=audio1") &&
		   has(&a, "-audiodev", "none,id=audio2") &&
		   has(&a, "-device", "ich9-intel-hda,id=sound0,bus=pcie.0,addr=0x1b.0x0") &&
		   has(&a, "-device",
		       "hda-micro,id=sound0-codec0,bus=sound0.0,cad=0,audiodev=audio1") &&
		   has(&a, "-device",
		       "hda-output,id=sound0-codec1,bus=sound0.0,cad=1,audiodev=audio1") &&
		   has(&a, "-device", "AC97,id=sound1,audiodev=audio2") &&
		   has(&a, "-device", "intel-hda,id=sound2") &&
		   has(&a, "-device",
		       "hda-duplex,id=sound2-codec0,bus=sound2.0,cad=0,audiodev=audio1"),
	   "sound: ich9 in slot 0x1b of q35, its codecs, ac97, ich6 with a duplex codec: %s",
	   err.msg);
	ok(find(&a, "-audiodev", "none,id=audio2") < find(&a, "-device", "intel-hda,id=sound2"),
	   "sound: the backends come before the devices that play to them");
	vm_argv_free(&a);
	dom.naudios = 0;
	dom.nsounds = 1;
	snd[0] = (struct vm_sound){ .model = VM_SOUND_USB,
				    .audio = 1,
				    .addr = { .type = VM_ADDRESS_USB, .port = 1 } };
	ok(vm_qemu_argv(&dom, &conf, -1, -1, NULL, NULL, NULL, &a, &err) == 0 &&
		   has(&a, "-audiodev", "none,id=audio1") &&
		   has(&a, "-device", "usb-audio,id=sound0,audiodev=audio1,bus=usb.0,port=1"),
	   "sound: without <audio>, the none backend libvirt adds without SPICE: %s", err.msg);
	vm_argv_free(&a);
}

/* The balloon, rngs, watchdog and pvpanic as libvirt makes them, in libvirt's slot order. */
static void
test_balloon_rng_watchdog_panic(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_rng rngs[2] = { { .source = "/dev/urandom" },
				  { .source = "/dev/random", .rate_bytes = 1024 } };
	struct vm_disk disk = { .source = S("/x.img"), .target = S("vda") };
	const char *blk = "virtio-blk-pci,drive=drive-vda,id=vda,write-cache=on";
	const char *balloon = "virtio-balloon-pci,id=balloon0,free-page-reporting=on,"
			      "guest-stats-polling-interval=10";
	const char *rng0 = "virtio-rng-pci,rng=objrng0,id=rng0";
	const char *rng1 = "virtio-rng-pci,rng=objrng1,id=rng1,max-bytes=1024,period=1000";
	struct vm_domain dom;
	struct vm_argv a = { 0 };

	dom_init(&dom);
	dom.disks = &disk;
	dom.ndisks = 1;
	dom.memballoon =
		(struct vm_memballoon){ .virtio = true, .free_pages = true, .stats_period = 10 };
	dom.rngs = rngs;
	dom.nrngs = 2;
	dom.watchdog = (struct vm_watchdog){ .model = VM_WATCHDOG_I6300ESB, .action = "poweroff" };
	dom.panic = true;
	a = build(&dom, -1, &err);
	ok(has(&a, "-device", balloon) &&
		   has(&a, "-object", "rng-random,id=objrng0,filename=/dev/urandom") &&
		   has(&a, "-device", rng0) &&
		   has(&a, "-object", "rng-random,id=objrng1,filename=/dev/random") &&
		   has(&a, "-device", rng1) && has(&a, "-device", "i6300esb,id=watchdog0") &&
		   has(&a, "-action", "watchdog=poweroff") &&
		   has(&a, "-device", "pvpanic,id=panic0"),
	   "balloon with statistics, rngs with and without a rate, i6300esb and its action, pvpanic: %s",
	   err.msg);
	ok(has(&a, "-device", blk) && find(&a, "-device", blk) < find(&a, "-device", balloon) &&
		   find(&a, "-device", balloon) < find(&a, "-device", rng0) &&
		   find(&a, "-device", rng1) < find(&a, "-device", "i6300esb,id=watchdog0"),
	   "disks, then the balloon, the rngs and the watchdog: the order of libvirt's slots");
	vm_argv_free(&a);
	dom.panic_addr = (struct vm_address){ .type = VM_ADDRESS_ISA, .iobase = 0x506 };
	a = build(&dom, -1, &err);
	ok(has(&a, "-device", "pvpanic,id=panic0,ioport=1286"),
	   "pvpanic at its <address type='isa' iobase='0x506'>, as libvirt 9.0 gives it: %s",
	   err.msg);
	vm_argv_free(&a);
	dom.ndisks = 0;
	dom.memballoon = (struct vm_memballoon){ 0 };
	dom.nrngs = 0;
	dom.panic = false;
	dom.panic_addr = (struct vm_address){ 0 };
	dom.machine = S("q35");
	dom.watchdog = (struct vm_watchdog){ .model = VM_WATCHDOG_ITCO, .action = "reset" };
	a = build(&dom, -1, &err);
	ok(has(&a, "-global", "ICH9-LPC.noreboot=off") && has(&a, "-action", "watchdog=reset") &&
		   find(&a, "-device", "i6300esb,id=watchdog0") < 0 &&
		   find(&a, "-device", "pvpanic,id=panic0") < 0,
	   "itco: the q35's own TCO with its no-reboot strap off, no device: %s", err.msg);
	vm_argv_free(&a);
}

/* The guest agent: libvirt's implicit virtio-serial controller, with the controllers. */
/*
 * libvirt 9.0's SCSI addresses and controllers: sdX of index N on
 * controller N / 7, target 0, unit N % 7; an lsi takes the unit as its
 * scsi-id, a virtio-scsi as the lun; each disk has libvirt's VPD
 * device_id, its serial when it has one. What libvirt gives for the
 * same XML: tests/fixtures/oracle/pc-two-controllers and others.
 */
static void
test_scsi_addresses(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_controller ctl[4];
	struct vm_disk disks[4];
	struct vm_domain dom;
	struct vm_argv a;

	dom_init(&dom);
	memset(disks, 0, sizeof(disks));
	ctl[0] = (struct vm_controller){ .kind = VM_CONTROLLER_OTHER,
					 .type = "scsi",
					 .lsi = true,
					 .addr = { .type = VM_ADDRESS_PCI, .slot = 3 } };
	ctl[1] = (struct vm_controller){ .kind = VM_CONTROLLER_OTHER,
					 .type = "scsi",
					 .index = 1,
					 .addr = { .type = VM_ADDRESS_PCI, .slot = 4 } };
	ctl[2] = (struct vm_controller){ .kind = VM_CONTROLLER_OTHER,
					 .type = "virtio-serial",
					 .addr = { .type = VM_ADDRESS_PCI, .slot = 5 } };
	ctl[3] = (struct vm_controller){ .kind = VM_CONTROLLER_OTHER,
					 .type = "virtio-serial",
					 .index = 1,
					 .ports = 8,
					 .addr = { .type = VM_ADDRESS_PCI, .slot = 6 } };
	dom.controllers = ctl;
	dom.ncontrollers = 4;
	dom.disks = disks;
	disks[0] = (struct vm_disk){ .source = S("/img/a.img"),
				     .target = S("sda"),
				     .bus = VM_BUS_SCSI };
	disks[1] = (struct vm_disk){ .target = S("sdc"),
				     .bus = VM_BUS_SCSI,
				     .device = VM_DEVICE_CDROM,
				     .readonly = true,
				     .serial = S("cd-1") };
	disks[2] = (struct vm_disk){ .source = S("/img/h.img"),
				     .target = S("sdh"),
				     .bus = VM_BUS_SCSI };
	disks[3] = (struct vm_disk){
		.source = S("/img/i.img"),
		.target = S("sdi"),
		.bus = VM_BUS_SCSI,
		.addr = { .type = VM_ADDRESS_DRIVE, .controller = 1, .target = 4, .unit = 9 }
	};
	dom.ndisks = 4;
	a = build(&dom, -1, &err);
	ok(has(&a, "-device", "lsi,id=scsi0,bus=pci.0,addr=0x3.0x0") &&
		   has(&a, "-device", "virtio-scsi-pci,id=scsi1,bus=pci.0,addr=0x4.0x0") &&
		   find(&a, "-device", "virtio-scsi-pci,id=scsi1,bus=pci.0,addr=0x4.0x0") <
			   (long)pos(&a, "scsi-hd,bus=scsi0.0"),
	   "scsi: each controller, lsi or virtio-scsi, scsiN by its index, before the disks (%s)",
	   err.msg);
	ok(has(&a, "-device",
	       "scsi-hd,bus=scsi0.0,scsi-id=0,device_id=drive-scsi0-0-0,drive=drive-sda,id=sda,"
	       "write-cache=on"),
	   "scsi: sda on an lsi is scsi-id 0 with no lun, device_id drive-scsi0-0-0");
	ok(has(&a, "-device", "scsi-cd,bus=scsi0.0,scsi-id=2,device_id=cd-1,id=sdc,serial=cd-1"),
	   "scsi: an lsi's sdc is scsi-id 2; with a serial, the serial is the device_id");
	ok(has(&a, "-device",
	       "scsi-hd,bus=scsi1.0,channel=0,scsi-id=0,lun=0,device_id=drive-scsi1-0-0-0,"
	       "drive=drive-sdh,id=sdh,write-cache=on"),
	   "scsi: sdh is unit 0 of controller 1, a virtio-scsi: lun 0 of target 0");
	ok(has(&a, "-device",
	       "scsi-hd,bus=scsi1.0,channel=0,scsi-id=4,lun=9,device_id=drive-scsi1-0-4-9,"
	       "drive=drive-sdi,id=sdi,write-cache=on"),
	   "scsi: a written address, controller 1 target 4 unit 9, as written");
	ok(has(&a, "-device", "virtio-serial-pci,id=virtio-serial0,bus=pci.0,addr=0x5.0x0") &&
		   has(&a, "-device",
		       "virtio-serial-pci,id=virtio-serial1,max_ports=8,bus=pci.0,addr=0x6.0x0"),
	   "virtio-serial: each controller by its index, with its own ports");
	vm_argv_free(&a);
	close_images();
	dom.ndisks = 0;
	dom.ngraphics = 0;
	dom.channel = (struct vm_channel){
		.agent = true,
		.spice_line = 9,
		.addr = { .type = VM_ADDRESS_VIRTIO_SERIAL, .controller = 1, .port = 2 }
	};
	a = build(&dom, -1, &err);
	ok(has(&a, "-device",
	       "virtserialport,bus=virtio-serial1.0,nr=2,chardev=charchannel0,id=channel0,"
	       "name=org.qemu.guest_agent.0") &&
		   has(&a, "-device",
		       "virtserialport,bus=virtio-serial0.0,nr=1,chardev=charchannel1,id=channel1,"
		       "name=com.redhat.spice.0"),
	   "virtio-serial: the guest agent at its address on controller 1, the SPICE agent port 1 of "
	   "controller 0 (%s)",
	   err.msg);
	vm_argv_free(&a);
}

static void
test_agent(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_disk disk = { .source = S("/x.img"), .target = S("vda") };
	const char *port = "virtserialport,bus=virtio-serial0.0,nr=1,chardev=charchannel0,"
			   "id=channel0,name=org.qemu.guest_agent.0";
	struct vm_domain dom;
	struct vm_argv a = { 0 };

	dom_init(&dom);
	dom.disks = &disk;
	dom.ndisks = 1;
	dom.channel.agent = true;
	nimages = 1;
	fake_image(&disk, &images[0]);
	ok(vm_qemu_argv(&dom, &conf, 7, 9, images, NULL, NULL, &a, &err) == 0 &&
		   has(&a, "-chardev", "socket,id=charchannel0,fd=9,server=on,wait=off") &&
		   has(&a, "-device", port) &&
		   find(&a, "-device", "virtio-serial-pci,id=virtio-serial0") <
			   find(&a, "-device", port) &&
		   find(&a, "-device", "virtio-serial-pci,id=virtio-serial0") <
			   find(&a, "-device",
				"virtio-blk-pci,drive=drive-vda,id=vda,write-cache=on"),
	   "agent: its port on the socket QEMU inherits, the controller before disks: %s", err.msg);
	vm_argv_free(&a);
	close_images();
	dom.ndisks = 0;
	ok(vm_qemu_argv(&dom, &conf, -1, -1, NULL, NULL, NULL, &a, &err) == 0 &&
		   has(&a, "-chardev", "socket,id=charchannel0,fd=<channel0>,server=on,wait=off"),
	   "agent: --print-argv shows where its socket goes: %s", err.msg);
	vm_argv_free(&a);
	dom.channel = (struct vm_channel){ .virtio_serial = true };
	ok(vm_qemu_argv(&dom, &conf, -1, -1, NULL, NULL, NULL, &a, &err) == 0 &&
		   has(&a, "-device", "virtio-serial-pci,id=virtio-serial0") &&
		   find(&a, "-chardev", "socket,id=charchannel0,fd=<channel0>,server=on,wait=off") <
			   0,
	   "agent: a virtio-serial controller alone, as written: %s", err.msg);
	vm_argv_free(&a);
}

static void
test_nets_and_serials(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_iface ifaces[4];
	struct vm_chardev chr[5];
	struct vm_domain dom;
	struct vm_argv a;

	dom_init(&dom);
	ifaces[0] = (struct vm_iface){ 0 };
	ifaces[1] = (struct vm_iface){ .model = S("e1000"), .mac = S("52:54:00:12:34:56") };
	ifaces[2] = (struct vm_iface){ .model = S("rtl8139") };
	dom.ifaces = ifaces;
	dom.nifaces = 3;
	a = build(&dom, -1, &err);
	ok(has(&a, "-netdev", "user,id=hostnet0") &&
		   has(&a, "-device", "virtio-net-pci,netdev=hostnet0,id=net0"),
	   "net: virtio by default");
	ok(has(&a, "-netdev", "user,id=hostnet1") &&
		   has(&a, "-device", "e1000,netdev=hostnet1,id=net1,mac=52:54:00:12:34:56"),
	   "net: e1000 with mac");
	ok(has(&a, "-device", "rtl8139,netdev=hostnet2,id=net2"), "net: rtl8139");
	vm_argv_free(&a);
	ifaces[0].model = S("ne2k_pci");
	a = build(&dom, -1, &err);
	ok(a.n == 0 && err.code == VM_EXIT_INVALID, "net: an unknown model is invalid (%s)",
	   err.msg);
	dom.nifaces = 0;
	test_taps(&dom);
	test_net_options(&dom);

	chr[0] = (struct vm_chardev){ .kind = VM_CHR_SERIAL, .type = VM_CHR_PTY };
	chr[1] = (struct vm_chardev){ .kind = VM_CHR_SERIAL,
				      .type = VM_CHR_FILE,
				      .path = S("/log/a,b") };
	chr[2] = (struct vm_chardev){
		.kind = VM_CHR_SERIAL, .type = VM_CHR_UNIX, .path = S("/run/s"), .listen = true
	};
	chr[3] = (struct vm_chardev){ .kind = VM_CHR_SERIAL,
				      .type = VM_CHR_UNIX,
				      .path = S("/run/c") };
	chr[4] = (struct vm_chardev){ .kind = VM_CHR_SERIAL, .type = VM_CHR_PTY };
	dom.chardevs = chr;
	dom.nchardevs = 4;
	a = build(&dom, -1, &err);
	ok(has(&a, "-chardev", "pty,id=charserial0") &&
		   has(&a, "-device", "isa-serial,chardev=charserial0,id=serial0"),
	   "serial: pty (%s)", err.msg);
	ok(has(&a, "-chardev", "file,id=charserial1,path=/log/a,,b"), "serial: file path escaped");
	ok(has(&a, "-chardev", "socket,id=charserial2,path=/run/s,server=on,wait=off") &&
		   has(&a, "-chardev", "socket,id=charserial3,path=/run/c,server=off"),
	   "serial: unix listening and connecting");
	vm_argv_free(&a);
	dom.nchardevs = 5;
	a = build(&dom, -1, &err);
	ok(a.n == 0 && err.code == VM_EXIT_INVALID, "serial: a fifth port is invalid (%s)",
	   err.msg);
}

static void
test_join(void)
{
	char *v[] = { S("qemu"), S("-append"), S("it's a b"), S(""), NULL };
	struct vm_argv a = { .v = v, .n = 4 };
	char *s = vm_argv_join(&a);
	char fmt[32], file[32];

	ok(s && strcmp(s, "'qemu' '-append' 'it'\\''s a b' ''") == 0, "join: every word quoted: %s",
	   s);
	free(s);
	vm_disk_node_names("vdb", fmt, file);
	ok(strcmp(fmt, "drive-vdb") == 0 && strcmp(file, "file-vdb") == 0, "node names of vdb");
}

/* ---- real QEMU ---- */

static void
make_file(const char *name, const char *qemu_img_fmt)
{
	char path[256], cmd[512];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if (qemu_img_fmt)
		snprintf(cmd, sizeof(cmd), "qemu-img create -q -f %s '%s' 64M", qemu_img_fmt, path);
	else
		snprintf(cmd, sizeof(cmd), "truncate -s 1M '%s'", path);
	if (system(cmd) != 0)
		printf("# cannot create %s\n", path);
}

static char *
tpath(const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", tmpdir, name) < 0)
		abort();
	return p;
}

static int
listen_at(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0)
		abort();
	return fd;
}

static void
show_log(const char *log)
{
	char line[512];
	FILE *f = fopen(log, "r");

	while (f && fgets(line, sizeof(line), f))
		printf("# qemu: %s", line);
	if (f)
		fclose(f);
}

/* Hotplugs a virtio disk "vdz" on BUS, the way vm-attach will. */
static int
hotplug(struct vm_qmp *qmp, const char *bus, struct vm_error *err)
{
	cleanup_free char *img = tpath("hot.img");
	char cmd[3][512];
	int r = 0;

	snprintf(cmd[0], sizeof(cmd[0]),
		 "{\"driver\": \"file\", \"filename\": \"%s\", "
		 "\"node-name\": \"file-vdz\"}",
		 img);
	snprintf(cmd[1], sizeof(cmd[1]),
		 "{\"driver\": \"raw\", \"file\": \"file-vdz\", "
		 "\"node-name\": \"drive-vdz\"}");
	snprintf(cmd[2], sizeof(cmd[2]),
		 "{\"driver\": \"virtio-blk-pci\", \"id\": \"vdz\", "
		 "\"drive\": \"drive-vdz\", \"bus\": \"%s\"}",
		 bus);
	for (int i = 0; i < 3 && r == 0; i++) {
		json_object *args = json_tokener_parse(cmd[i]);

		r = vm_qmp_command(qmp, i < 2 ? "blockdev-add" : "device_add", args, 10000, NULL,
				   err);
		json_object_put(args);
	}
	return r;
}

/* Starts DOM paused, checks the devices exist, hotplugs onto BUS, quits. */
static void
run_qemu(const char *what, const struct vm_domain *dom, const char *const *ids, size_t nids,
	 const char *bus)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_qmp *qmp = NULL;
	cleanup_free char *mon = tpath("qmp.sock");
	cleanup_free char *log = tpath("qemu.log");
	cleanup_free char *line = NULL;
	int lfd = listen_at(mon), dirfd, st, r;
	struct vm_argv a = build(dom, lfd, &err);
	json_object *ret = NULL;
	pid_t pid;

	if (a.n == 0) {
		ok(0, "%s: argv (%s)", what, err.msg);
		return;
	}
	line = vm_argv_join(&a);
	pid = fork();
	if (pid == 0) {
		int out = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(out, 1);
		dup2(out, 2);
		for (size_t i = 0; i < nimages; i++)
			for (size_t k = 0; k < images[i].n; k++)
				fcntl(images[i].v[k].fd, F_SETFD, 0);
		execv(a.v[0], a.v);
		_exit(127);
	}
	close(lfd);
	close_images();
	vm_argv_free(&a);
	dirfd = open(tmpdir, O_PATH | O_DIRECTORY);
	r = vm_qmp_connect(dirfd, "qmp.sock", 20000, &qmp, &err);
	if (r == 0)
		r = vm_qmp_command(qmp, "query-status", NULL, 10000, &ret, &err);
	ok(r == 0 && strstr(json_object_get_string(ret), "prelaunch"), "%s: qemu starts (%s)", what,
	   err.msg);
	if (r < 0) {
		printf("# %s\n", line);
		show_log(log);
	}
	json_object_put(ret);
	for (size_t i = 0; r == 0 && i < nids; i++) {
		json_object *args = json_object_new_object();
		char path[128];

		snprintf(path, sizeof(path), "/machine/peripheral/%s", ids[i]);
		json_object_object_add(args, "path", json_object_new_string(path));
		json_object_object_add(args, "property", json_object_new_string("type"));
		r = vm_qmp_command(qmp, "qom-get", args, 10000, &ret, &err);
		ok(r == 0, "%s: device '%s' is a %s (%s)", what, ids[i],
		   r ? "?" : json_object_get_string(ret), err.msg);
		json_object_put(ret);
		json_object_put(args);
	}
	if (r == 0 && bus) {
		r = hotplug(qmp, bus, &err);
		ok(r == 0, "%s: a disk can be hotplugged on '%s' (%s)", what, bus, err.msg);
	}
	if (qmp && vm_qmp_command(qmp, "quit", NULL, 10000, NULL, &err) == 0)
		vm_qmp_wait_close(qmp, 10000, &err);
	vm_qmp_close(qmp);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	close(dirfd);
}

static void
test_real_qemu(void)
{
	struct vm_controller ctl[27];
	static const char *const ids[] = {
		"vda",	   "vdb",     "vdc",	 "sda",	     "sdb",  "sdc",  "sdd",	  "sde",
		"sdf",	   "sdg",     "sata0",	 "scsi0",    "net0", "net1", "net2",	  "serial0",
		"serial1", "serial2", "serial3", "balloon0", "rng0", "rng1", "watchdog0", "panic0",
	};
	/* q35's sata disks are on the ICH9's own AHCI, as libvirt puts them: no sata0 */
	static const char *const q35_ids[] = {
		"vda",	   "vdb",     "vdc",	  "sda",  "sdb",  "sdc",       "sdd",	  "sde",
		"sdf",	   "sdg",     "scsi0",	  "net0", "net1", "net2",      "serial0", "serial1",
		"serial2", "serial3", "balloon0", "rng0", "rng1", "watchdog0", "panic0",
	};
	struct vm_rng rngs[2] = { { .source = "/dev/urandom", .rate_bytes = 4096 },
				  { .source = "/dev/random" } };
	struct vm_disk disks[10];
	struct vm_iface ifaces[3] = { { 0 }, { .model = S("e1000") }, { .model = S("rtl8139") } };
	struct vm_chardev chr[4];
	cleanup_free char *raw = tpath("disk,1.img"), *qcow = tpath("disk.qcow2");
	cleanup_free char *qcow2 = tpath("disk2.qcow2");
	cleanup_free char *iso = tpath("cd.iso"), *flog = tpath("serial,1.log");
	cleanup_free char *ssock = tpath("s.sock"), *csock = tpath("c.sock");
	struct vm_domain dom;
	int cfd;

	if (access(QEMU, X_OK) != 0) {
		printf("ok %d # SKIP %s is not installed\n", ++tap_n, QEMU);
		return;
	}
	make_file("disk,1.img", NULL);
	make_file("disk.qcow2", "qcow2");
	make_file("disk2.qcow2", "qcow2");
	make_file("cd.iso", NULL);
	make_file("hot.img", NULL);
	cfd = listen_at(csock);
	dom_init(&dom);
	disks[0] = (struct vm_disk){ .source = raw,
				     .target = S("vda"),
				     .shareable = true,
				     .serial = S("a,b"),
				     .cache = VM_CACHE_NONE };
	disks[1] = (struct vm_disk){ .source = qcow,
				     .target = S("vdb"),
				     .format = VM_FORMAT_QCOW2,
				     .cache = VM_CACHE_UNSAFE };
	disks[2] = (struct vm_disk){ .source = raw,
				     .target = S("vdc"),
				     .readonly = true,
				     .shareable = true,
				     .cache = VM_CACHE_DIRECTSYNC };
	disks[3] = (struct vm_disk){ .source = raw,
				     .target = S("sda"),
				     .bus = VM_BUS_SATA,
				     .shareable = true,
				     .cache = VM_CACHE_WRITETHROUGH };
	disks[4] = (struct vm_disk){
		.target = S("sdb"), .bus = VM_BUS_SATA, .device = VM_DEVICE_CDROM, .readonly = true
	};
	disks[5] = (struct vm_disk){ .source = iso,
				     .target = S("sdc"),
				     .bus = VM_BUS_SATA,
				     .device = VM_DEVICE_CDROM,
				     .readonly = true };
	disks[6] = (struct vm_disk){ .source = qcow2,
				     .target = S("sdd"),
				     .bus = VM_BUS_SCSI,
				     .format = VM_FORMAT_QCOW2,
				     .readonly = true,
				     .serial = S("s,2") };
	disks[7] = (struct vm_disk){
		.target = S("sde"), .bus = VM_BUS_SCSI, .device = VM_DEVICE_CDROM, .readonly = true
	};
	disks[8] = (struct vm_disk){ .source = iso,
				     .target = S("sdf"),
				     .bus = VM_BUS_SCSI,
				     .device = VM_DEVICE_CDROM,
				     .readonly = true };
	disks[9] = (struct vm_disk){
		.source = raw, .target = S("sdg"), .bus = VM_BUS_SCSI, .shareable = true
	};
	chr[0] = (struct vm_chardev){ .kind = VM_CHR_SERIAL, .type = VM_CHR_PTY };
	chr[1] = (struct vm_chardev){ .kind = VM_CHR_SERIAL, .type = VM_CHR_FILE, .path = flog };
	chr[2] = (struct vm_chardev){
		.kind = VM_CHR_SERIAL, .type = VM_CHR_UNIX, .path = ssock, .listen = true
	};
	chr[3] = (struct vm_chardev){ .kind = VM_CHR_SERIAL, .type = VM_CHR_UNIX, .path = csock };
	dom.disks = disks;
	dom.ndisks = 10;
	dom.ifaces = ifaces;
	dom.nifaces = 3;
	dom.chardevs = chr;
	dom.nchardevs = 4;
	dom.memballoon = (struct vm_memballoon){ .virtio = true, .stats_period = 5 };
	dom.rngs = rngs;
	dom.nrngs = 2;
	dom.watchdog = (struct vm_watchdog){ .model = VM_WATCHDOG_I6300ESB, .action = "pause" };
	dom.panic = true;
	conf.seccomp_sandbox = true;
	run_qemu("pc", &dom, ids, sizeof(ids) / sizeof(ids[0]), "pci.0");
	dom.machine = S("q35");
	root_ports(&dom, ctl, 4);
	run_qemu("q35", &dom, q35_ids, sizeof(q35_ids) / sizeof(q35_ids[0]), "pci.4");
	dom.machine = S("pc-q35-7.2");
	root_ports(&dom, ctl, 27);
	dom.acpi = false;
	dom.on_poweroff = VM_POWEROFF_PRESERVE;
	strcpy(dom.boot, "dc");
	run_qemu("pc-q35-7.2 with 27 root ports", &dom, (const char *const[]){ "pci.27", "sdg" }, 2,
		 "pci.27");
	if (access("/usr/bin/qemu-system-i386", X_OK) == 0) {
		dom_init(&dom);
		dom.arch = S("i686");
		dom.disks = disks;
		dom.ndisks = 2;
		run_qemu("i686", &dom, (const char *const[]){ "vda", "vdb" }, 2, NULL);
	}
	close(cfd);
}

/* The machine's clock, timers, features, pm and lifecycle as libvirt 9.0 gives them to QEMU. */
static void
machine_all(struct vm_domain *dom)
{
	struct vm_machine *m = &dom->hw;

	m->vcpus_current = 2;
	dom->vcpus = 4;
	m->apic_eoi = VM_SWITCH_ON;
	m->vmport = VM_SWITCH_OFF;
	m->smm = VM_SWITCH_ON;
	m->ioapic = VM_IOAPIC_QEMU;
	m->pmu = VM_SWITCH_OFF;
	m->vmcoreinfo = true;
	m->hyperv = true;
	m->hv_on = 1u << VM_HV_RELAXED | 1u << VM_HV_STIMER | 1u << VM_HV_AVIC;
	m->hv_stimer_direct = true;
	m->hv_spinlocks = 8191;
	strcpy(m->hv_vendor_id, "KVMKVMKVM");
	m->kvm_hidden = true;
	m->kvm_dedicated = true;
	m->offset = VM_CLOCK_UTC;
	m->rtc_catchup = true;
	m->rtc_track = VM_RTC_TRACK_WALL;
	m->pit = VM_PIT_DELAY;
	m->hpet = VM_SWITCH_OFF;
	m->kvmclock = VM_SWITCH_OFF;
	m->hypervclock = true;
	m->tsc_frequency = 2000000000ULL;
	m->suspend_mem = VM_SWITCH_OFF;
	m->suspend_disk = VM_SWITCH_ON;
	m->no_reboot = true;
	m->crash_preserve = true;
}

static void
test_machine(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_domain dom;
	struct vm_argv a;
	char want[64], base[64];
	time_t t;

	dom_init(&dom);
	dom.kvm = true;
	machine_all(&dom);
	a = build(&dom, -1, &err);
	ok(has(&a, "-machine",
	       "pc,accel=kvm,vmport=off,smm=on,kernel_irqchip=split,hpet=off,acpi=on"),
	   "machine: vmport, smm, ioapic and hpet are -machine properties (%s)", err.msg);
	ok(has(&a, "-cpu",
	       "qemu64,kvmclock=off,hv-time=on,tsc-frequency=2000000000,kvm-pv-eoi=on,"
	       "hv-relaxed=on,hv-spinlocks=0x1fff,hv-stimer=on,hv-stimer-direct=on,"
	       "hv-vendor-id=KVMKVMKVM,hv-avic=on,kvm=off,kvm-hint-dedicated=on,pmu=off"),
	   "machine: timers and features are properties of QEMU's default CPU model");
	ok(has(&a, "-smp", "2,maxcpus=4,sockets=4,cores=1,threads=1"),
	   "machine: 2 of 4 vcpus online");
	ok(has(&a, "-rtc", "base=utc,clock=host,driftfix=slew") &&
		   has(&a, "-global", "kvm-pit.lost_tick_policy=delay") &&
		   count(&a, "-no-hpet", "") == 0,
	   "machine: -rtc with the rtc timer, the pit's policy");
	ok(has(&a, "-no-reboot", "-action") && has(&a, "-action", "panic=pause"),
	   "machine: on_reboot destroy and on_crash preserve");
	ok(has(&a, "-global", "PIIX4_PM.disable_s3=1") &&
		   has(&a, "-global", "PIIX4_PM.disable_s4=0"),
	   "machine: pm on a pc machine");
	ok(has(&a, "-device", "vmcoreinfo"), "machine: vmcoreinfo device");
	vm_argv_free(&a);

	dom.cpu_host_passthrough = true;
	dom.machine = S("q35");
	dom.hw.hv_passthrough = true;
	dom.hw.pit = VM_PIT_CATCHUP;
	dom.hw.offset = VM_CLOCK_LOCALTIME;
	dom.hw.rtc_track = VM_RTC_TRACK_DEFAULT;
	dom.hw.rtc_catchup = false;
	a = build(&dom, -1, &err);
	ok(has(&a, "-cpu",
	       "host,kvmclock=off,hv-time=on,tsc-frequency=2000000000,kvm-pv-eoi=on,"
	       "hv-passthrough=on,hv-relaxed=on,hv-spinlocks=0x1fff,hv-stimer=on,"
	       "hv-stimer-direct=on,hv-vendor-id=KVMKVMKVM,hv-avic=on,kvm=off,"
	       "kvm-hint-dedicated=on,pmu=off"),
	   "host-passthrough: -cpu host with the same properties, hv-passthrough first");
	ok(has(&a, "-rtc", "base=localtime") && count(&a, "-global", "kvm-pit") == 0,
	   "localtime, and the in-kernel pit's own catchup policy");
	ok(has(&a, "-global", "ICH9-LPC.disable_s3=1") &&
		   has(&a, "-global", "ICH9-LPC.disable_s4=0"),
	   "pm on a q35 machine");
	vm_argv_free(&a);

	/* a variable clock starts where the adjustment puts it, now */
	dom_init(&dom);
	dom.hw.offset = VM_CLOCK_VARIABLE;
	dom.hw.adjustment = -86400;
	t = time(NULL) - 86400;
	strftime(want, sizeof(want), "base=%Y-%m-%dT%H:%M", gmtime(&t));
	a = build(&dom, -1, &err);
	snprintf(base, sizeof(base), "%s", pos(&a, "base=") < a.n ? a.v[pos(&a, "base=")] : "");
	ok(!strncmp(base, want, strlen(want)) &&
		   strlen(base) == strlen("base=2026-12-05T23:00:00") && count(&a, "-cpu", "") == 0,
	   "variable: a day back from utc: %s (%s), and no -cpu for no property", base, want);
	vm_argv_free(&a);
	strcpy(dom.hw.cpu_model, "Haswell-noTSX");
	strcpy(dom.hw.cpu_features[0].name, "ssbd");
	dom.hw.cpu_features[0].on = true;
	strcpy(dom.hw.cpu_features[1].name, "hle");
	dom.hw.ncpu_features = 2;
	dom.hw.sockets = 1;
	dom.hw.dies = 2;
	dom.hw.cores = 2;
	dom.hw.threads = 1;
	dom.vcpus = 4;
	a = build(&dom, -1, &err);
	ok(has(&a, "-cpu", "Haswell-noTSX,ssbd=on,hle=off") &&
		   has(&a, "-smp", "4,sockets=1,dies=2,cores=2,threads=1"),
	   "custom: the model with its features first; the topology");
	vm_argv_free(&a);
	dom.hw.dies = 1;
	dom.hw.cores = 4;
	a = build(&dom, -1, &err);
	ok(has(&a, "-smp", "4,sockets=1,dies=1,cores=4,threads=1"),
	   "custom: one die is said, as libvirt 9.0 says it");
	vm_argv_free(&a);
	dom.hw.cpu_model[0] = '\0';
	dom.hw.ncpu_features = 0;
	dom.hw.sockets = 0;
	dom.vcpus = 1;
	dom.kvm = true;
	dom.cpu_host_passthrough = true;
	dom.hw.cpu_migratable_off = true;
	a = build(&dom, -1, &err);
	ok(has(&a, "-cpu", "host,migratable=off"), "host-passthrough migratable='off'");
	vm_argv_free(&a);
	dom.kvm = false;
	dom.cpu_host_passthrough = false;
	dom.hw.cpu_migratable_off = false;
	dom.arch = S("i686");
	dom.hw.kvmclock = VM_SWITCH_ON;
	a = build(&dom, -1, &err);
	ok(has(&a, "-cpu", "qemu32,kvmclock=on"), "i686: qemu32 carries the properties");
	vm_argv_free(&a);
	/* libvirt 9.0's, checked with virsh domxml-to-native */
	dom_init(&dom);
	dom.hw.mem_memfd = true;
	dom.hw.mem_shared = true;
	dom.hw.nosharepages = true;
	dom.hw.iothreads = 2;
	a = build(&dom, -1, &err);
	ok(has(&a, "-machine", "pc,accel=tcg,mem-merge=off,memory-backend=pc.ram,acpi=on") &&
		   has(&a, "-object",
		       "memory-backend-memfd,id=pc.ram,share=on,"
		       "x-use-canonical-path-for-ramblock-id=off,size=131072k") &&
		   has(&a, "-object", "iothread,id=iothread1") &&
		   has(&a, "-object", "iothread,id=iothread2") && count(&a, "-object", "") == 3,
	   "memory: a shared memfd named pc.ram, as -m; nosharepages; two iothreads");
	vm_argv_free(&a);
	dom.hw.mem_shared = false;
	dom.hw.nosharepages = false;
	dom.hw.iothreads = 0;
	dom.hw.hugepage_kib = 2048;
	a = build(&dom, -1, &err);
	ok(has(&a, "-object",
	       "memory-backend-memfd,id=pc.ram,hugetlb=on,hugetlbsize=2097152,prealloc=on,"
	       "x-use-canonical-path-for-ramblock-id=off,size=131072k"),
	   "memory: hugepages of 2 MiB, preallocated");
	vm_argv_free(&a);
	dom.hw.hugepage_kib = 0;
	dom.hw.mem_memfd = false;
	dom.hw.numa = true;
	dom.vcpus = 2;
	a = build(&dom, -1, &err);
	ok(has(&a, "-machine", "pc,accel=tcg,acpi=on") &&
		   has(&a, "-object", "memory-backend-ram,id=ram-node0,size=131072k") &&
		   has(&a, "-numa", "node,nodeid=0,cpus=0-1,memdev=ram-node0"),
	   "numa: one node of both vcpus on its own backend, none for the machine");
	vm_argv_free(&a);
	dom.hw.numa_shared = true;
	dom.vcpus = 1;
	a = build(&dom, -1, &err);
	ok(has(&a, "-object", "memory-backend-memfd,id=ram-node0,share=on,size=131072k") &&
		   has(&a, "-numa", "node,nodeid=0,cpus=0,memdev=ram-node0"),
	   "numa: memAccess shared is a shared memfd");
	vm_argv_free(&a);
}

/*
 * The same under TCG, started for real: QEMU 7.2 takes every property
 * without KVM (kvm-hint-dedicated with a warning) but hv-vpindex, which
 * the parser refuses for type 'qemu'.
 */
static void
test_machine_real(void)
{
	struct vm_domain dom;

	if (access(QEMU, X_OK) != 0) {
		printf("ok %d # SKIP %s is not installed\n", ++tap_n, QEMU);
		return;
	}
	dom_init(&dom);
	machine_all(&dom);
	run_qemu("pc with every machine property", &dom, NULL, 0, NULL);
	dom.machine = S("q35");
	dom.hw.hv_passthrough = true;
	dom.hw.offset = VM_CLOCK_VARIABLE;
	dom.hw.adjustment = 3600;
	dom.hw.basis_localtime = true;
	strcpy(dom.hw.cpu_model, "Westmere");
	strcpy(dom.hw.cpu_features[0].name, "pcid");
	strcpy(dom.hw.cpu_features[1].name, "aes");
	dom.hw.cpu_features[1].on = true;
	dom.hw.ncpu_features = 2;
	dom.hw.sockets = 1;
	dom.hw.dies = 2;
	dom.hw.cores = 1;
	dom.hw.threads = 2;
	dom.hw.mem_memfd = true;
	dom.hw.mem_shared = true;
	dom.hw.nosharepages = true;
	dom.hw.iothreads = 1;
	dom.hw.numa = true;
	run_qemu("q35 with every machine property, a custom CPU, a NUMA node on a shared memfd and "
		 "an iothread",
		 &dom, NULL, 0, NULL);
}

int
main(void)
{
	char cmd[128];

	setvbuf(stdout, NULL, _IONBF, 0);
	if (!mkdtemp(tmpdir))
		abort();
	test_base();
	test_q35();
	test_disks();
	test_disk_options();
	test_throttle();
	test_chain();
	test_nets_and_serials();
	test_displays();
	test_inputs();
	test_usb2();
	test_sounds();
	test_balloon_rng_watchdog_panic();
	test_agent();
	test_scsi_addresses();
	test_tpm();
	test_spicevmc();
	test_join();
	test_real_qemu();
	test_machine();
	test_machine_real();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# cannot remove %s\n", tmpdir);
	return tap_done();
}
