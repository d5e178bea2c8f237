#include "qemu_argv.h"
#include "devices.h"
#include "cleanup.h"
#include "exitcodes.h"

#include <stdio.h>
#include <string.h>

const char *
vm_qemu_emulator(const struct vm_domain *dom, const struct vm_conf *conf)
{
	return dom->emulator				     ? dom->emulator
	       : conf && conf->emulator			     ? conf->emulator
	       : dom->arch && strcmp(dom->arch, "i686") == 0 ? "/usr/bin/qemu-system-i386"
							     : "/usr/bin/qemu-system-x86_64";
}

static int
base_args(struct vm_argv *a, const struct vm_domain *dom, const struct vm_conf *conf,
	  int monitor_fd, struct vm_error *err)
{
	const char *emu = vm_qemu_emulator(dom, conf);
	char uuid[UUID_STR_LEN], mem[32], smp[96];
	struct vm_argv_opt o = { 0 };

	if (dom->cpu_host_passthrough && !dom->kvm)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "cpu mode 'host-passthrough' needs domain type 'kvm'");
	uuid_unparse_lower(dom->uuid, uuid);
	vm_argv_opt_add(&o, "guest=");
	vm_argv_opt_esc(&o, dom->name);
	vm_argv_opt_add(&o, ",debug-threads=on");
	if (vm_argv_pushv(a, err, emu, NULL) < 0 || vm_argv_opt_push(a, "-name", &o, err) < 0 ||
	    vm_argv_pushv(a, err, "-uuid", uuid, "-S", "-nodefaults", "-no-user-config", "-display",
			  "none", "-msg", "timestamp=on", NULL) < 0)
		return -1;
	vm_argv_opt_esc(&o, dom->machine ? dom->machine : "pc");
	vm_argv_opt_add(&o, ",accel=%s", dom->kvm ? "kvm" : "tcg");
	vm_machine_opts(dom, &o);
	vm_firmware_opts(dom, &o);
	vm_argv_opt_add(&o, ",acpi=%s", dom->acpi ? "on" : "off");
	if (vm_argv_opt_push(a, "-machine", &o, err) < 0 ||
	    vm_firmware_argv(dom, a, monitor_fd < 0, err) < 0)
		return -1;
	if (vm_machine_cpu_argv(dom, a, err) < 0)
		return -1;
	/* "k": the exact KiB count, where "M" would round */
	snprintf(mem, sizeof(mem), "size=%lluk", dom->memory_kib);
	vm_machine_smp(dom, smp, sizeof(smp));
	if (vm_argv_pushv(a, err, "-m", mem, "-smp", smp, NULL) < 0)
		return -1;
	if (conf && conf->seccomp_sandbox &&
	    vm_argv_pushv(a, err, "-sandbox", VM_QEMU_SANDBOX, NULL) < 0)
		return -1;
	if (monitor_fd >= 0)
		vm_argv_opt_add(&o, "socket,id=charmonitor,fd=%d,server=on,wait=off", monitor_fd);
	else
		vm_argv_opt_add(&o, "socket,id=charmonitor,fd=<monitor>,server=on,wait=off");
	if (vm_argv_opt_push(a, "-chardev", &o, err) < 0 ||
	    vm_argv_pushv(a, err, "-mon", "chardev=charmonitor,id=monitor,mode=control", NULL) < 0)
		return -1;
	/* -kernel and friends take the whole argument: no comma escaping */
	if ((dom->kernel && vm_argv_pushv(a, err, "-kernel", dom->kernel, NULL) < 0) ||
	    (dom->initrd && vm_argv_pushv(a, err, "-initrd", dom->initrd, NULL) < 0) ||
	    (dom->cmdline && vm_argv_pushv(a, err, "-append", dom->cmdline, NULL) < 0))
		return -1;
	/* the boot order is the devices' bootindex (domain.c), strict as libvirt's */
	vm_firmware_boot_opts(dom, &o);
	vm_argv_opt_add(&o, "strict=on");
	if (vm_argv_opt_push(a, "-boot", &o, err) < 0)
		return -1;
	if ((dom->on_poweroff == VM_POWEROFF_PRESERVE &&
	     vm_argv_pushv(a, err, "-no-shutdown", NULL) < 0) ||
	    vm_machine_argv(dom, a, err) < 0)
		return -1;
	/* QEMU says why it shuts down in qemu.log, so that once it is gone a
	 * guest power-off can be told from a crash (vm_rundir_powered_off). */
	return vm_argv_pushv(a, err, "-trace", "enable=" VM_QEMU_SHUTDOWN_TRACE, NULL);
}

int
vm_qemu_argv(const struct vm_domain *dom, const struct vm_conf *conf, int monitor_fd, int agent_fd,
	     const struct vm_image *images, const struct vm_tapdev *taps,
	     const struct vm_graphics_run *displays, struct vm_argv *argv, struct vm_error *err)
{
	struct vm_devices_argv d = { dom, images, taps, displays, agent_fd, monitor_fd < 0 };
	struct vm_argv a = { 0 };

	if (base_args(&a, dom, conf, monitor_fd, err) < 0 || vm_devices_argv(&a, &d, err) < 0) {
		vm_argv_free(&a);
		return -1;
	}
	*argv = a;
	return 0;
}
