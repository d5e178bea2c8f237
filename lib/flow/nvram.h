/*
 * The firmware files of a domain with pflash firmware (firmware.h) as
 * vm-start takes them. The code is opened read-only and handed to QEMU
 * by fd; it is the firmware package's, and neither leased nor labelled.
 * The variables file (NVRAM) is made from its template on first start
 * (varstore.h; the default NVRAM_DIR/NAME_VARS.fd of vmkit.conf, whose
 * directory is made) and is then a disk in all but its device: opened
 * once and handed to QEMU by fd, its content and identity leases taken
 * exclusively (a second domain naming it is refused, naming the holder),
 * recorded as the status's "nvram" (target "nvram"), labelled for QEMU
 * and given back at stop, after a crash by vm-stop, as disks are
 * (disks.h).
 *
 *	struct vm_nvram nv;
 *	vm_nvram_acquire(&ctx, conf->nvram_dir, dom, &nv, &st.nvram, &held, &err);
 *	... vm_disks_label(&ctx, &st.nvram, &nv.vars, &err) ...
 *	... spawn QEMU (dom->fw's fds) ...
 *	vm_nvram_close(&nv, dom);
 */
#ifndef VM_NVRAM_H
#define VM_NVRAM_H

#include "disks.h"

struct vm_nvram {
	struct vm_image code, vars;
};

/*
 * Opens DOM's firmware files into NV and sets dom->fw's fds, taking the
 * NVRAM's leases into HELD and filling its record REC (nothing for a
 * domain without pflash firmware). On failure the caller releases HELD,
 * closes NV and clears REC.
 */
int vm_nvram_acquire(const struct vm_disks_ctx *ctx, const char *nvram_dir, struct vm_domain *dom,
		     struct vm_nvram *nv, struct vm_status_disk *rec, struct vm_leaseset *held,
		     struct vm_error *err);
/* Closes NV, once QEMU has its own copies of the fds. */
void vm_nvram_close(struct vm_nvram *nv, struct vm_domain *dom);

#endif
