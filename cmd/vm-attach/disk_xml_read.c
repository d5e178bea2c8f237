/* vm-attach-xml: reads a <disk> or <interface> file itself, as virsh attach-device would. */
#include "cleanup.h"
#include "disk_xml.h"
#include "exitcodes.h"
#include "netplug.h"
#include "paths.h"
#include "xmlcheck.h"

#include <string.h>

#define DISK_XML_MAX (64 * 1024)

/* The root element of BUF is <interface>: the rules of that element's own parser say the rest. */
static bool
is_interface(const char *buf, size_t len, const char *file)
{
	struct vm_error ignored = VM_ERROR_INIT;
	xmlDocPtr doc;
	xmlNodePtr root;
	bool r;

	if (vm_xmlcheck_read(buf, len, file, &doc, &ignored) < 0)
		return false;
	root = xmlDocGetRootElement(doc);
	r = root && !root->ns && !strcmp((const char *)root->name, "interface");
	xmlFreeDoc(doc);
	return r;
}

/* The device of RQ: from the file, or the options. */
static int
read_device(const struct vm_xml_request *rq, struct vm_disk *disk, struct vm_iface *iface,
	    bool *is_iface, struct vm_error *err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;

	*is_iface = !rq->file;
	if (rq->detach_mac)
		return 0;
	if (!rq->file)
		return vm_net_from_args(iface, rq->spec, rq->mac, rq->model, err);
	if (vm_paths_read_user(rq->file, "", DISK_XML_MAX, &buf, &len, err) < 0)
		return -1;
	*is_iface = is_interface(buf, len, rq->file);
	if (*is_iface)
		return vm_net_parse(buf, len, rq->file, iface, err);
	return vm_disk_parse(buf, len, rq->file, disk, err);
}

int
vm_disk_xml_run(char **argv, const struct vm_xml_request *rq, struct vm_front *f,
		struct vm_error *err)
{
	struct vm_disk disk = { 0 };
	struct vm_iface iface = { 0 };
	bool is_iface;
	int r = read_device(rq, &disk, &iface, &is_iface, err);

	if (r == 0)
		r = vm_front_open(f, VM_FRONT_CONF | VM_FRONT_PATHS, err);
	if (r == 0 && rq->detach_mac)
		r = vm_netplug_detach(&f->conf, &f->paths, rq->name, rq->detach_mac, rq->opts, err);
	else if (r == 0 && is_iface)
		r = vm_netplug_attach(&f->conf, &f->paths, rq->name,
				      rq->file ? rq->file : "--interface", &iface, rq->opts, err);
	else if (r == 0)
		r = vm_attach_disk(&f->conf, &f->paths, rq->name, &disk, rq->opts, err);
	vm_disk_clear(&disk);
	vm_net_clear(&iface);
	return r;
}
