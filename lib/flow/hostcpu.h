/*
 * <cpu mode='host-model'>, resolved for vm-start: QEMU, run once with no
 * machine as the QEMU user, without privileges and under its sandbox,
 * says over QMP what CPU it offers (its 'max' model under TCG, 'host'
 * under KVM); libvirt's CPU map and its rule (hostmodel.h) make that a
 * named model with features, which replaces host-model in DOM. A domain
 * without host-model costs nothing.
 */
#ifndef VM_HOSTCPU_H
#define VM_HOSTCPU_H

#include "conf.h"
#include "domain.h"
#include "error.h"

/* VM_EXIT_SYSTEM when QEMU or the CPU map fails. */
int vm_hostcpu_resolve(struct vm_domain *dom, const struct vm_conf *conf, struct vm_error *err);

#endif
