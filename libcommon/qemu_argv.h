/*
 * Domain -> QEMU command line. Disks become -blockdev/-device pairs with
 * names derived from the target dev, so hotplug and detach can address
 * them: format node "drive-DEV", protocol node "file-DEV", device id DEV.
 */
#ifndef VM_QEMU_ARGV_H
#define VM_QEMU_ARGV_H

#include <json-c/json.h>
#include "conf.h"
#include "domain.h"
#include "error.h"

struct vm_argv {
	char **v;
	size_t n, cap;
};

/*
 * Builds the argv for DOM. MONITOR_FD is the listening QMP socket QEMU
 * inherits (-1 prints "fd=N" placeholders as "<monitor>" for --print-argv).
 */
int vm_qemu_argv(const struct vm_domain *dom, const struct vm_conf *conf,
		 int monitor_fd, struct vm_argv *argv, struct vm_error *err);
void vm_argv_free(struct vm_argv *argv);
/* The pcie-root-ports pci.1..N kept free for hotplug: 0 unless q35. */
unsigned vm_qemu_root_ports(const struct vm_domain *dom);
/* Shell-quoted, space-separated; the caller frees. */
char *vm_argv_join(const struct vm_argv *argv);

/* Device properties that boot disks and hotplugged disks share. */
bool vm_disk_share_rw(const struct vm_disk *d);
bool vm_disk_write_cache(const struct vm_disk *d);

/* Node and device names of a disk target. */
void vm_disk_node_names(const char *target, char fmt[32], char file[32]);

/*
 * The -blockdev (and blockdev-add) arguments of disk D, which has a
 * source: the protocol node "file-DEV" and the format node "drive-DEV"
 * on it. The caller puts both.
 */
void vm_disk_blockdev_json(const struct vm_disk *d, json_object **proto, json_object **fmt);

/* libvirt's disk numbering: sda 0, sdz 25, sdaa 26; -1 if not a name. */
long vm_disk_index(const char *target);

#endif
