/*
 * The <controller> elements of a domain: which controllers vmkit
 * accepts (their own devices come with the disks that need them), and
 * the pcie-root-ports that a q35 machine keeps free for hotplug.
 */
#ifndef VM_CONTROLLER_H
#define VM_CONTROLLER_H

#include "domain.h"

/* The most pcie-root-ports vm-start makes: 16 pcie.0 slots of 8, leaving
 * 13 slots for boot-time devices. A status record claiming more is damaged. */
#define VM_CONTROLLER_ROOT_PORTS_MAX 128

/* The pcie-root-ports pci.1..N kept free for hotplug: 0 unless q35. */
unsigned vm_controller_root_ports(const struct vm_domain *dom);

#endif
