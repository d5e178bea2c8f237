/*
 * vm-attach's modes that need libxml2: NAME FILE.xml (a <disk> or an
 * <interface>), and --interface and --detach-interface, whose rules and
 * QEMU arguments are those of the domain XML's <interface> (net.c, which
 * links libxml2). vm-attach itself does not link libxml2, whose ICU and
 * libstdc++ would add some 2 ms to every disk hotplug; for these modes
 * it runs vm-attach-xml, the same command built with the XML reader,
 * which does the whole call.
 */
#ifndef VM_DISK_XML_H
#define VM_DISK_XML_H

#include "attach.h"
#include "front.h"
#include "error.h"

/* What the options ask of vm-attach-xml: FILE, or SPEC (with MAC, MODEL), or DETACH_MAC. */
struct vm_xml_request {
	const char *name;
	const char *file;
	const char *spec, *mac, *model; /* --interface, --mac, --model */
	const char *detach_mac;		/* --detach-interface */
	const struct vm_attach_opts *opts;
};

/*
 * In vm-attach, runs vm-attach-xml with ARGV and returns only if it
 * cannot. In vm-attach-xml, reads the device RQ names before anything is
 * opened, then opens F and attaches or detaches it.
 */
int vm_disk_xml_run(char **argv, const struct vm_xml_request *rq, struct vm_front *f,
		    struct vm_error *err);

#endif
