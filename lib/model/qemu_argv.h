/*
 * Domain -> QEMU command line. Disks become -blockdev/-device pairs with
 * names derived from the target dev, so hotplug and detach can address
 * them: format node "drive-DEV", protocol node "file-DEV", device id DEV.
 */
#ifndef VM_QEMU_ARGV_H
#define VM_QEMU_ARGV_H

#include <json-c/json.h>
#include "conf.h"
#include "disk_qemu.h"
#include "domain.h"
#include "error.h"

struct vm_argv {
	char **v;
	size_t n, cap;
};

/*
 * Builds the argv for DOM. MONITOR_FD is the listening QMP socket QEMU
 * inherits (-1 prints "fd=N" placeholders as "<monitor>" for --print-argv,
 * and the image fds as "<NODE>"). IMAGES, one per disk of DOM, hold the
 * open files of each disk with a source (image.h), which QEMU inherits
 * and opens as /dev/fdset/N: no image is named by its path.
 */
int vm_qemu_argv(const struct vm_domain *dom, const struct vm_conf *conf,
		 int monitor_fd, const struct vm_image *images, struct vm_argv *argv,
		 struct vm_error *err);
void vm_argv_free(struct vm_argv *argv);
/* The pcie-root-ports pci.1..N kept free for hotplug: 0 unless q35. */
unsigned vm_qemu_root_ports(const struct vm_domain *dom);
/* Shell-quoted, space-separated; the caller frees. */
char *vm_argv_join(const struct vm_argv *argv);

/* The QEMU trace event that logs each shutdown request and its cause. */
#define VM_QEMU_SHUTDOWN_TRACE "qemu_system_shutdown_request"

#endif
