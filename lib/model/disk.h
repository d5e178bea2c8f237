/*
 * A disk of a domain: its model, the rules it must follow, and how QEMU
 * sees it, for vm-start's command line and vm-attach's hotplug alike.
 * The rules are one validator for the domain XML's <disk> (disk_xml.c
 * puts "FILE:LINE: <element>" before their messages) and vm-attach's
 * command line; they fail with VM_EXIT_INVALID.
 *
 *	struct vm_disk d = { 0 };
 *	if (vm_disk_set_target(&d, "sdb", "scsi", err) < 0 ||
 *	    vm_disk_set_source(&d, path, true, err) < 0 || vm_disk_finish(&d, err) < 0) ...
 *	vm_disk_clear(&d);
 *
 * QEMU names a disk by its target dev: format node "drive-DEV",
 * protocol node "file-DEV", device id DEV, so that hotplug and detach
 * can address it. This file needs no libxml2: vm-attach links it.
 */
#ifndef VM_DISK_H
#define VM_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>
#include "error.h"
#include "address.h"

#define VM_SATA_PORTS 6	    /* QEMU's ahci device: sda to sdf */
#define VM_SCSI_TARGETS 256 /* the scsi disks' names: sda to sdiv */
/* libvirt's units of a scsi controller: sda to sdg on controller 0, sdh to sdn on 1, ... */
#define VM_SCSI_UNITS 7
#define VM_SCSI_LSI_MAX_ID 7	      /* QEMU's lsi: scsi-id 0 to 7, lun 0 only */
#define VM_SCSI_VIRTIO_MAX_TARGET 255 /* QEMU's virtio-scsi: scsi-id */
#define VM_SCSI_VIRTIO_MAX_LUN 16383  /* and lun */
#define VM_IDE_UNITS 4		      /* piix3's two channels of two: hda to hdd */
#define VM_FDC_DRIVES 2		      /* isa-fdc's drives A and B: fda, fdb */

enum vm_disk_type { VM_DISK_FILE, VM_DISK_BLOCK };
enum vm_disk_device { VM_DEVICE_DISK, VM_DEVICE_CDROM, VM_DEVICE_FLOPPY };
enum vm_disk_format { VM_FORMAT_RAW, VM_FORMAT_QCOW2 };
/* ide: a pc machine's piix3 channels (hda to hdd); fdc: its floppy drives (fda, fdb) */
enum vm_disk_bus { VM_BUS_VIRTIO, VM_BUS_SATA, VM_BUS_SCSI, VM_BUS_IDE, VM_BUS_USB, VM_BUS_FDC };
enum vm_cache {
	VM_CACHE_DEFAULT,
	VM_CACHE_NONE,
	VM_CACHE_WRITEBACK,
	VM_CACHE_WRITETHROUGH,
	VM_CACHE_DIRECTSYNC,
	VM_CACHE_UNSAFE
};
/* <driver>'s attributes; 0 is "not given" for each, which keeps QEMU's (or vmkit's) default */
enum vm_disk_io { VM_IO_DEFAULT, VM_IO_NATIVE, VM_IO_THREADS, VM_IO_URING };
enum vm_disk_discard { VM_DISCARD_DEFAULT, VM_DISCARD_UNMAP, VM_DISCARD_IGNORE };
enum vm_disk_zeroes { VM_ZEROES_DEFAULT, VM_ZEROES_OFF, VM_ZEROES_ON, VM_ZEROES_UNMAP };
enum vm_disk_policy {
	VM_POLICY_DEFAULT,
	VM_POLICY_STOP,
	VM_POLICY_REPORT,
	VM_POLICY_IGNORE,
	VM_POLICY_ENOSPACE
};

/*
 * <iotune>'s limits, in the order of block_set_io_throttle's arguments
 * (vm_disk_throttle_json); 0 is no limit.
 */
enum vm_iotune {
	VM_IOTUNE_TOTAL_BYTES,
	VM_IOTUNE_READ_BYTES,
	VM_IOTUNE_WRITE_BYTES,
	VM_IOTUNE_TOTAL_IOPS,
	VM_IOTUNE_READ_IOPS,
	VM_IOTUNE_WRITE_IOPS,
	VM_IOTUNE_TOTAL_BYTES_MAX,
	VM_IOTUNE_READ_BYTES_MAX,
	VM_IOTUNE_WRITE_BYTES_MAX,
	VM_IOTUNE_TOTAL_IOPS_MAX,
	VM_IOTUNE_READ_IOPS_MAX,
	VM_IOTUNE_WRITE_IOPS_MAX,
	VM_IOTUNE_TOTAL_BYTES_MAX_LENGTH,
	VM_IOTUNE_READ_BYTES_MAX_LENGTH,
	VM_IOTUNE_WRITE_BYTES_MAX_LENGTH,
	VM_IOTUNE_TOTAL_IOPS_MAX_LENGTH,
	VM_IOTUNE_READ_IOPS_MAX_LENGTH,
	VM_IOTUNE_WRITE_IOPS_MAX_LENGTH,
	VM_IOTUNE_SIZE_IOPS,
	VM_IOTUNE_N
};
/* libvirt's element names of the limits: "total_bytes_sec" ... "size_iops_sec" */
extern const char *const vm_disk_iotune_names[VM_IOTUNE_N];

/*
 * A backing file as <backingStore> states it, which virsh dumpxml writes
 * for a running domain: vmkit opens the chain that the image headers
 * name, and only checks that this one is the same (vm_disk_image_open).
 */
struct vm_disk_backing {
	char *source; /* as written */
	bool block;
	enum vm_disk_format format;
	int line; /* of its <backingStore> */
};

struct vm_disk {
	enum vm_disk_type type;
	enum vm_disk_device device;
	enum vm_disk_format format;
	enum vm_cache cache;
	char *source; /* as written; NULL for an empty cdrom */
	char *target; /* "vda", "sda" ... validated [a-z]+ */
	enum vm_disk_bus bus;
	bool readonly; /* cdroms are always readonly */
	bool shareable;
	bool relabel;	     /* false with <seclabel relabel='no'/> in the disk */
	unsigned boot_order; /* <boot order>, or libvirt's from <os><boot dev>: bootindex; 0: none */
	char *serial;
	enum vm_disk_io io;
	enum vm_disk_discard discard;
	enum vm_disk_zeroes detect_zeroes;
	enum vm_disk_policy error_policy, rerror_policy;
	bool copy_on_read;
	unsigned long long wwn;				  /* 0: none */
	char *vendor, *product;				  /* scsi only */
	unsigned logical_block_size, physical_block_size; /* 0: QEMU's */
	unsigned long long iotune[VM_IOTUNE_N];
	char *iotune_group;		 /* NULL: the disk's own limits */
	int line;			 /* line of <disk>, for messages */
	struct vm_disk_backing *backing; /* stated by <backingStore>, in chain order */
	size_t nbacking;
	int backing_end; /* line of an empty <backingStore/> that ends the chain, else 0 */
	/* its <address> (address.h); type NONE: none written */
	struct vm_address addr;
};

struct vm_image;
struct vm_argv;
struct vm_devices_argv;

/* The rules */

/*
 * Sets D's target to DEV (vd*, sd*, hd* or fd*, 3 to 8 letters) and its
 * bus to BUS ("virtio", "sata", "scsi", "ide", "usb" or "fdc"; NULL:
 * virtio for vd*, scsi for sd*, ide for hd*, fdc for fd*). An sd*
 * target numbers the sata port or scsi target, hd* the ide channel and
 * unit, fd* the floppy drive, as in libvirt.
 */
int vm_disk_set_target(struct vm_disk *d, const char *dev, const char *bus, struct vm_error *err);
/*
 * Sets D's source to PATH, which must exist: a block device if D's type
 * is VM_DISK_BLOCK, else a regular file; with ANY_TYPE, either, which
 * sets D's type.
 */
int vm_disk_set_source(struct vm_disk *d, const char *path, bool any_type, struct vm_error *err);
/*
 * Sets D's wwn from the 16 hex digits S, D's vendor (at most 8
 * characters) or product (at most 16): what SCSI INQUIRY carries.
 */
int vm_disk_set_wwn(struct vm_disk *d, const char *s, struct vm_error *err);
int vm_disk_set_vendor(struct vm_disk *d, const char *s, struct vm_error *err);
int vm_disk_set_product(struct vm_disk *d, const char *s, struct vm_error *err);
/*
 * The rules between D's parts once they are all set; makes a cdrom
 * readonly. Those that need the machine (ide on q35) are the domain's.
 */
int vm_disk_finish(struct vm_disk *d, struct vm_error *err);

/* "virtio", "sata" ... as <target bus> spells BUS. */
const char *vm_disk_bus_name(enum vm_disk_bus bus);
/* Whether D has <iotune> limits or a group. */
bool vm_disk_has_iotune(const struct vm_disk *d);

/* Parses a lone <disk> element, as vm-attach takes it (disk_xml.c: libxml2). */
int vm_disk_parse(const char *buf, size_t len, const char *name, struct vm_disk *disk,
		  struct vm_error *err);
void vm_disk_clear(struct vm_disk *disk);
/* libvirt's disk numbering: sda 0, sdz 25, sdaa 26; -1 if not a name. */
long vm_disk_index(const char *target);

/*
 * Opens the files of disk D, which has a source (image.h): its own file
 * read-write unless it is read-only (or a cdrom), or INSPECT asks for
 * read-only throughout (vm-start --print-argv). A chain that D's
 * <backingStore> states and the images do not have is VM_EXIT_INVALID.
 */
int vm_disk_image_open(const struct vm_disk *d, bool inspect, struct vm_image *img,
		       struct vm_error *err);

/* QEMU */

/* Device properties that boot disks and hotplugged disks share. */
bool vm_disk_share_rw(const struct vm_disk *d);
bool vm_disk_write_cache(const struct vm_disk *d);

/* Node and device names of a disk target: its own file's nodes. */
void vm_disk_node_names(const char *target, char fmt[32], char file[32]);
/* The nodes of file K of the chain: K 0 as above, then "bK-DEV" and
 * "bfK-DEV" for its backing files, which fits QEMU's 31 bytes. */
void vm_disk_layer_names(const char *target, size_t k, char fmt[32], char file[32]);

/*
 * The -blockdev (and blockdev-add) arguments of file K of disk D, whose
 * files IMG holds: the protocol node on FILENAME (a "/dev/fdset/N" that
 * holds the fd of IMG->v[K]) and the format node on it. A qcow2 node
 * gets "backing" explicitly, the next file's format node or null on the
 * last, so that QEMU opens no file by name; a backing node must exist
 * before its user, so add them from the last file to the first. The
 * caller puts both.
 */
void vm_disk_blockdev_json(const struct vm_disk *d, const struct vm_image *img, size_t k,
			   const char *filename, json_object **proto, json_object **fmt);
/*
 * The drive address of scsi disk D: its <address> when written, else
 * libvirt 9.0's for its name: sdX of index N (sda 0) is on controller
 * N / 7, bus 0, target 0, unit N % 7, whatever the controller's model.
 */
void vm_disk_scsi_address(const struct vm_disk *d, struct vm_address *a);
/*
 * The device_add arguments of D. A virtio disk goes on BUS, the
 * "pci.N" of a root port (NULL: QEMU picks a slot); a sata disk on the
 * controller vm-start names "sata0"; a scsi disk on "scsiC.0", C the
 * controller of vm_disk_scsi_address(), as libvirt 9.0 gives it: on an
 * lsi (LSI true) scsi-id is the unit, else channel, scsi-id and lun
 * are bus, target and unit; it has libvirt's device_id (the serial,
 * else "drive-" and libvirt's alias), its VPD device id.
 * vm-start's -device is the same object (vm_argv_opt_json()). The
 * caller puts it.
 */
json_object *vm_disk_device_json(const struct vm_disk *d, const char *bus, bool lsi);

/*
 * With copy_on_read, the device's node is a copy-on-read filter
 * "cor-DEV" over the format node: its blockdev-add arguments (NULL
 * without copy_on_read), added after the chain's nodes.
 */
json_object *vm_disk_cor_json(const struct vm_disk *d);
void vm_disk_cor_name(const char *target, char name[32]);
/* The node D's device reads from: "cor-DEV" or "drive-DEV". */
void vm_disk_top_node(const struct vm_disk *d, char name[32]);
/*
 * The block_set_io_throttle arguments of D's <iotune>, on its device
 * (as libvirt 9.0 does: -blockdev has no throttling of its own but a
 * filter node, which would change the nodes hotplug and detach know).
 * QEMU applies them to the device's BlockBackend, so they stay across
 * a media change and go with the device.
 */
json_object *vm_disk_throttle_json(const struct vm_disk *d);

/* The -add-fd, -blockdev and -device arguments of every disk (devices.h). */
int vm_disk_argv(struct vm_argv *a, const struct vm_devices_argv *d, struct vm_error *err);

#endif
