/* What controller.h tells of a parsed domain, apart from the XML so that commands without libxml2
 * link it */
#include "controller.h"
#include "domain.h"

#include <string.h>

static bool
is_pci(const struct vm_controller *ctl)
{
	return !strcmp(ctl->type, "pci");
}

const struct vm_controller *
vm_controller_pci(const struct vm_domain *dom, unsigned index)
{
	for (size_t i = 0; i < dom->ncontrollers; i++)
		if (is_pci(&dom->controllers[i]) && dom->controllers[i].index == index)
			return &dom->controllers[i];
	return NULL;
}

const struct vm_controller *
vm_controller_find(const struct vm_domain *dom, const char *type, unsigned index)
{
	for (size_t i = 0; i < dom->ncontrollers; i++)
		if (!strcmp(dom->controllers[i].type, type) && dom->controllers[i].index == index)
			return &dom->controllers[i];
	return NULL;
}

const struct vm_address *
vm_controller_address(const struct vm_domain *dom, const char *type)
{
	const struct vm_controller *ctl = vm_controller_find(dom, type, 0);

	return ctl ? &ctl->addr : NULL;
}

unsigned
vm_controller_usb_ports(const struct vm_domain *dom, unsigned index)
{
	for (size_t i = 0; i < dom->ncontrollers; i++) {
		const struct vm_controller *ctl = &dom->controllers[i];

		if (strcmp(ctl->type, "usb") || ctl->index != index)
			continue;
		switch (ctl->usb) {
		case VM_USB_PIIX3_UHCI:
			return 2;
		case VM_USB_ICH9_EHCI1:
			return 6;
		case VM_USB_QEMU_XHCI:
		case VM_USB_NEC_XHCI:
			return ctl->ports ? ctl->ports : 4;
		default:
			break;
		}
	}
	return 0;
}

unsigned
vm_controller_last_pci(const struct vm_domain *dom)
{
	unsigned last = 0;

	for (size_t i = 0; i < dom->ncontrollers; i++)
		if (is_pci(&dom->controllers[i]) && dom->controllers[i].index > last)
			last = dom->controllers[i].index;
	return last;
}

unsigned
vm_controller_root_ports(const struct vm_domain *dom)
{
	return vm_domain_is_q35(dom) ? vm_controller_last_pci(dom) : 0;
}

bool
vm_controller_hotplug_port(const struct vm_domain *dom, unsigned index)
{
	const struct vm_controller *ctl = vm_controller_pci(dom, index);

	return ctl && ctl->kind == VM_CONTROLLER_ROOT_PORT && !ctl->used;
}
