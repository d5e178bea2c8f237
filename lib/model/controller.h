/*
 * The <controller> elements of a domain: which controllers vmkit
 * accepts (their own devices come with the disks that need them), and
 * the pcie-root-ports that a q35 machine keeps free for hotplug.
 */
#ifndef VM_CONTROLLER_H
#define VM_CONTROLLER_H

#include "domain.h"

/* The pcie-root-ports pci.1..N kept free for hotplug: 0 unless q35. */
unsigned vm_controller_root_ports(const struct vm_domain *dom);

#endif
