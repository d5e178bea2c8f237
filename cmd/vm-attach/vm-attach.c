/* vm-attach: hotplug or unplug a disk or NIC, or change a cdrom's medium, in a running domain. */
#include "attach.h"
#include "cli.h"
#include "detach.h"
#include "disk_xml.h"
#include "exitcodes.h"
#include "front.h"
#include "media.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#define DETACH_TIMEOUT_S 10

static void
usage(void)
{
	printf("Usage: %s NAME --disk PATH --target DEV [--bus virtio|scsi|sata]\n"
	       "                 [--format raw|qcow2] [--readonly] [--shareable] [--cdrom]\n"
	       "       %s NAME DEVICE.xml\n"
	       "       %s NAME --detach DEV [--timeout SECONDS]\n"
	       "       %s NAME --eject DEV\n"
	       "       %s NAME --insert DEV PATH [--format raw|qcow2]\n"
	       "       %s NAME --interface TYPE:SOURCE [--mac MAC] [--model MODEL]\n"
	       "       %s NAME --detach-interface MAC [--timeout SECONDS]\n\n"
	       "Hotplug a disk or a NIC into the running domain NAME, unplug one, or\n"
	       "change the medium of a cdrom. Disks are leased and labelled as at start\n"
	       "and given back as at stop; a NIC's MAC is leased and its tap made as at\n"
	       "start. DEVICE.xml holds one libvirt <disk> or <interface> element.\n\n"
	       "Options:\n"
	       "  -d, --disk PATH        the disk image or block device to attach\n"
	       "  -T, --target DEV       its name in the guest: vd* (virtio) or sd* (scsi)\n"
	       "  -b, --bus BUS          virtio, scsi or sata (default: from the target)\n"
	       "  -f, --format FORMAT    raw (default) or qcow2\n"
	       "  -r, --readonly         attach read-only, with a shared lease\n"
	       "  -s, --shareable        several domains may write it (raw only)\n"
	       "  -c, --cdrom            attach a cdrom drive holding PATH\n"
	       "  -D, --detach DEV       unplug the disk DEV and give it back\n"
	       "  -e, --eject DEV        remove the medium of the cdrom DEV\n"
	       "  -i, --insert DEV       put PATH into the cdrom DEV\n"
	       "  -I, --interface TYPE:SOURCE\n"
	       "                         plug in a NIC on a tap: bridge:BRIDGE, network:NAME\n"
	       "                         (mapped in vmkit.conf) or ethernet:TAP (a new tap)\n"
	       "  -m, --mac MAC          its MAC (default: a free 52:54:00 one)\n"
	       "  -M, --model MODEL      virtio (default), e1000, e1000e, rtl8139, vmxnet3\n"
	       "  -R, --detach-interface MAC\n"
	       "                         unplug the NIC with MAC and free its MAC lease\n"
	       "  -t, --timeout SECONDS  how long a detach waits for the guest (default %d)\n"
	       "  -h, --help             show this help\n\n"
	       "Exit status: 0 done, 1 not running, disk or MAC in use, unknown or busy\n"
	       "target or MAC, no free pcie-root-port, pc without <acpi/> or unplug timed\n"
	       "out, 2 usage, 3 invalid input (or a NIC in session mode), 4 system or QEMU\n"
	       "failure.\n",
	       program_invocation_short_name, program_invocation_short_name,
	       program_invocation_short_name, program_invocation_short_name,
	       program_invocation_short_name, program_invocation_short_name,
	       program_invocation_short_name, DETACH_TIMEOUT_S);
}

enum mode { NONE, DISK, XML, DETACH, EJECT, INSERT, IFACE, DETACH_IFACE };

struct cmdline {
	enum mode mode;
	const char *name;
	const char *dev; /* --detach, --eject, --insert */
	const char *xml;
	struct vm_attach_args disk;
	bool disk_opts;		 /* options that only --disk takes */
	const char *mac, *model; /* --interface's */
	bool timeout;		 /* --timeout given */
	struct vm_attach_opts opts;
};

static void
set_mode(struct cmdline *c, enum mode m, const char *dev)
{
	if (c->mode != NONE)
		vm_cli_usage_error(
			"--disk, --detach, --eject, --insert, --interface and --detach-interface exclude each other");
	c->mode = m;
	c->dev = dev;
}

static void
parse(int argc, char **argv, struct cmdline *c)
{
	static const struct option opts[] = {
		{ "disk", required_argument, NULL, 'd' },
		{ "target", required_argument, NULL, 'T' },
		{ "bus", required_argument, NULL, 'b' },
		{ "format", required_argument, NULL, 'f' },
		{ "readonly", no_argument, NULL, 'r' },
		{ "shareable", no_argument, NULL, 's' },
		{ "cdrom", no_argument, NULL, 'c' },
		{ "detach", required_argument, NULL, 'D' },
		{ "eject", required_argument, NULL, 'e' },
		{ "insert", required_argument, NULL, 'i' },
		{ "interface", required_argument, NULL, 'I' },
		{ "mac", required_argument, NULL, 'm' },
		{ "model", required_argument, NULL, 'M' },
		{ "detach-interface", required_argument, NULL, 'R' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int o, npos;

	while ((o = getopt_long(argc, argv, "d:T:b:f:rscD:e:i:I:m:M:R:t:h", opts, NULL)) != -1) {
		switch (o) {
		case 'd':
			set_mode(c, DISK, NULL);
			c->disk.path = optarg;
			break;
		case 'T':
			c->disk.target = optarg;
			c->disk_opts = true;
			break;
		case 'b':
			c->disk.bus = optarg;
			c->disk_opts = true;
			break;
		case 'f':
			c->disk.format = optarg;
			break;
		case 'r':
			c->disk.readonly = c->disk_opts = true;
			break;
		case 's':
			c->disk.shareable = c->disk_opts = true;
			break;
		case 'c':
			c->disk.cdrom = c->disk_opts = true;
			break;
		case 'D':
			set_mode(c, DETACH, optarg);
			break;
		case 'e':
			set_mode(c, EJECT, optarg);
			break;
		case 'i':
			set_mode(c, INSERT, optarg);
			break;
		case 'I':
			set_mode(c, IFACE, optarg);
			break;
		case 'm':
			c->mac = optarg;
			break;
		case 'M':
			c->model = optarg;
			break;
		case 'R':
			set_mode(c, DETACH_IFACE, optarg);
			break;
		case 't':
			c->opts.timeout_s = vm_cli_parse_uint("--timeout", optarg, 3600);
			c->timeout = true;
			break;
		case 'h':
			usage();
			exit(VM_EXIT_OK);
		default:
			vm_cli_usage_error("invalid option");
		}
	}
	npos = argc - optind;
	if (npos == 0)
		vm_cli_usage_error("missing NAME");
	c->name = argv[optind];
	if (c->mode == NONE && npos == 2) {
		c->mode = XML;
		c->xml = argv[optind + 1];
	}
	if (c->mode == NONE)
		vm_cli_usage_error(
			npos == 1
				? "missing --disk, DEVICE.xml, --detach, --eject, --insert, --interface or --detach-interface"
				: "too many arguments");
	if (c->mode == INSERT && npos == 1)
		vm_cli_usage_error("missing PATH for --insert");
	if (npos > (c->mode == INSERT || c->mode == XML ? 2 : 1))
		vm_cli_usage_error("too many arguments");
	if (c->mode == DISK && !c->disk.target)
		vm_cli_usage_error("--disk needs --target");
	if (c->mode != DISK && c->disk_opts)
		vm_cli_usage_error(
			"--target, --bus, --readonly, --shareable and --cdrom go with --disk");
	if (c->disk.format && c->mode != DISK && c->mode != INSERT)
		vm_cli_usage_error("--format goes with --disk or --insert");
	if (c->timeout && c->mode != DETACH && c->mode != DETACH_IFACE)
		vm_cli_usage_error("--timeout goes with --detach or --detach-interface");
	if ((c->mac || c->model) && c->mode != IFACE)
		vm_cli_usage_error("--mac and --model go with --interface");
	if (c->mode == INSERT) {
		c->disk.target = c->dev;
		c->disk.path = argv[optind + 1];
		c->disk.cdrom = true;
	}
}

/* The disk that --disk or --insert describe, read before anything is opened. */
static int
read_disk(struct cmdline *c, struct vm_disk *disk, struct vm_error *err)
{
	if (c->mode == DISK || c->mode == INSERT)
		return vm_attach_disk_from_args(&c->disk, disk, err);
	return 0;
}

/* What only vm-attach-xml does (disk_xml.h). */
static int
run_xml(const struct cmdline *c, char **argv, struct vm_front *f, struct vm_error *err)
{
	struct vm_xml_request rq = {
		.name = c->name,
		.file = c->xml,
		.spec = c->mode == IFACE ? c->dev : NULL,
		.mac = c->mac,
		.model = c->model,
		.detach_mac = c->mode == DETACH_IFACE ? c->dev : NULL,
		.opts = &c->opts,
	};

	return vm_disk_xml_run(argv, &rq, f, err);
}

static int
run(const struct cmdline *c, const struct vm_front *f, const struct vm_disk *disk,
    struct vm_error *err)
{
	switch (c->mode) {
	case DETACH:
		return vm_detach_disk(&f->conf, &f->paths, c->name, c->dev, &c->opts, err);
	case EJECT:
		return vm_media_eject(&f->conf, &f->paths, c->name, c->dev, &c->opts, err);
	case INSERT:
		return vm_media_insert(&f->conf, &f->paths, c->name, disk, &c->opts, err);
	default:
		return vm_attach_disk(&f->conf, &f->paths, c->name, disk, &c->opts, err);
	}
}

int
main(int argc, char **argv)
{
	struct vm_error err = VM_ERROR_INIT;
	struct cmdline c = { .opts = { .timeout_s = DETACH_TIMEOUT_S, .warn = vm_warn } };
	struct vm_front f = { 0 };
	struct vm_disk disk = { 0 };
	int r;

	vm_cli_init();
	parse(argc, argv, &c);
	if (c.mode == XML || c.mode == IFACE || c.mode == DETACH_IFACE)
		return vm_front_exit(&f, run_xml(&c, argv, &f, &err), &err);
	r = read_disk(&c, &disk, &err);
	if (r == 0)
		r = vm_front_open(&f, VM_FRONT_CONF | VM_FRONT_PATHS, &err);
	if (r == 0)
		r = run(&c, &f, &disk, &err);
	vm_disk_clear(&disk);
	return vm_front_exit(&f, r, &err);
}
