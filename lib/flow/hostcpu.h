/*
 * <cpu mode='host-model'>, resolved for vm-start: QEMU, run once with no
 * machine as the QEMU user, without privileges and under its sandbox,
 * says over QMP what CPU it offers (its 'max' model under TCG, 'host'
 * under KVM); libvirt's CPU map and its rule (hostmodel.h) make that a
 * named model with features, which replaces host-model in DOM. A domain
 * without host-model costs nothing.
 *
 * QEMU's answer is kept in the run directory DIRFD (-1: none), and used
 * again while the QEMU binary, the accelerator and, under KVM, the kernel
 * and the CPU's microcode are the same.
 */
#ifndef VM_HOSTCPU_H
#define VM_HOSTCPU_H

#include "conf.h"
#include "domain.h"
#include "error.h"

/* VM_EXIT_SYSTEM when QEMU or the CPU map fails. */
int vm_hostcpu_resolve(struct vm_domain *dom, const struct vm_conf *conf, int dirfd,
		       struct vm_error *err);

#endif
