/*
 * Domain -> QEMU command line: the machine's own arguments (emulator,
 * machine, memory, monitor, kernel, boot order), then each device
 * class's (devices.h), in the order of their table. Disks are
 * -blockdev/-device pairs named by their target dev (disk.h).
 */
#ifndef VM_QEMU_ARGV_H
#define VM_QEMU_ARGV_H

#include "argv.h"
#include "conf.h"
#include "domain.h"
#include "error.h"

struct vm_image;
struct vm_tapdev;

/*
 * Builds the argv for DOM. MONITOR_FD is the listening QMP socket QEMU
 * inherits (-1 prints "fd=N" placeholders as "<monitor>" for --print-argv,
 * and the image fds as "<NODE>"). AGENT_FD is the listening socket of
 * the guest agent's channel (channel.h), when DOM has it. IMAGES, one per disk of DOM, hold the
 * open files of each disk with a source (image.h), which QEMU inherits
 * and opens as /dev/fdset/N: no image is named by its path. TAPS, one
 * per interface of DOM, are the open taps of those that have one (net.h,
 * tapdev.h: their queues' fds and vhost fds), "<hostnetN>" with
 * MONITOR_FD -1; NULL when DOM has none. DISPLAYS, one per graphics of
 * DOM, are what vm-start made for each (graphics.h: its passwd's memfd,
 * the directory or port of a SPICE server); NULL likewise.
 */
/* QEMU's seccomp filter, with the sandbox of vmkit.conf */
#define VM_QEMU_SANDBOX "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"

/* The QEMU binary DOM runs: its <emulator>, else vmkit.conf's, else the arch's. */
const char *vm_qemu_emulator(const struct vm_domain *dom, const struct vm_conf *conf);

int vm_qemu_argv(const struct vm_domain *dom, const struct vm_conf *conf, int monitor_fd,
		 int agent_fd, const struct vm_image *images, const struct vm_tapdev *taps,
		 const struct vm_graphics_run *displays, struct vm_argv *argv,
		 struct vm_error *err);

/* The QEMU trace event that logs each shutdown request and its cause. */
#define VM_QEMU_SHUTDOWN_TRACE "qemu_system_shutdown_request"

#endif
