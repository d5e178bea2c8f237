#include "firmware.h"
#include "devices.h"
#include "cleanup.h"
#include "exitcodes.h"
#include "fwdesc.h"

#include <errno.h>
#include <json-c/json.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Far above the fd sets of disks (one per file, numbered from 1) and
 * out of the way of those vm-attach asks QEMU for (the first free). */
#define FIRMWARE_FDSET 65536

static struct vm_firmware *
fw_of(struct vm_xmlcheck *x)
{
	return &vm_devices_ctx(x)->dom->fw;
}

int
vm_firmware_os_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_firmware *fw = fw_of(x);

	fw->efi = vm_devices_streq(vm_xmlcheck_attr(n, "firmware"), "efi");
	fw->line = (int)vm_xmlcheck_line(n);
	fw->code_fd = fw->nvram_fd = -1;
	return 0;
}

static enum vm_fwdesc_want
yes_no(const char *v)
{
	return !v ? VM_FWDESC_ANY : !strcmp(v, "yes") ? VM_FWDESC_YES : VM_FWDESC_NO;
}

static int
feature_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_firmware_parse *p = &vm_devices_ctx(x)->fw;
	enum vm_fwdesc_want w = yes_no(vm_xmlcheck_attr(n, "enabled"));

	if (!fw_of(x)->efi)
		return vm_xmlcheck_error(x, n, "firmware features need <os firmware='efi'>");
	if (!strcmp(vm_xmlcheck_attr(n, "name"), "secure-boot"))
		p->secure_boot = w;
	else
		p->enrolled_keys = w;
	return 0;
}

/* An absolute path, or NULL for none, from N's text into *DST. */
static int
optional_path(struct vm_xmlcheck *x, xmlNodePtr n, char **dst)
{
	cleanup_free char *s = NULL;

	if (vm_xmlcheck_text(x, n, &s) < 0)
		return -1;
	if (!*s)
		return 0;
	if (vm_devices_check_absolute(x, n, s) < 0)
		return -1;
	*dst = steal_ptr(s);
	return 0;
}

int
vm_firmware_loader_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_firmware_parse *p = &vm_devices_ctx(x)->fw;
	struct vm_firmware *fw = fw_of(x);

	p->loader_node = n;
	p->loader_secure = yes_no(vm_xmlcheck_attr(n, "secure"));
	fw->rom = vm_devices_streq(vm_xmlcheck_attr(n, "type"), "rom");
	if (!fw->rom && !vm_devices_streq(vm_xmlcheck_attr(n, "readonly"), "yes") &&
	    !(fw->efi && !vm_xmlcheck_attr(n, "readonly")))
		return vm_xmlcheck_error(x, n,
					 "a pflash loader without readonly='yes' holds its own variables, which is not supported: use readonly='yes' with <nvram>");
	if (fw->rom && p->loader_secure == VM_FWDESC_YES)
		return vm_xmlcheck_error(x, n, "secure='yes' needs type='pflash'");
	return optional_path(x, n, &fw->loader);
}

int
vm_firmware_nvram_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_firmware *fw = fw_of(x);
	const char *template = vm_xmlcheck_attr(n, "template");

	vm_devices_ctx(x)->fw.nvram_node = n;
	if (template) {
		if (vm_devices_check_absolute(x, n, template) < 0)
			return -1;
		if (!(fw->nvram_template = strdup(template)))
			return vm_xmlcheck_nomem(x);
	}
	return optional_path(x, n, &fw->nvram);
}

/* QEMU 7.2's machine that the alias NAME stands for: descriptors name full machines. */
static const char *
full_machine(const char *name)
{
	if (!name || !strcmp(name, "pc"))
		return "pc-i440fx-7.2";
	if (!strcmp(name, "q35"))
		return "pc-q35-7.2";
	return name;
}

/* What the domain asks of its firmware, in the descriptors' terms. */
static struct vm_fwdesc_query
query_of(const struct vm_domain_ctx *c)
{
	const struct vm_domain *dom = c->dom;

	return (struct vm_fwdesc_query){
		.arch = dom->arch ? dom->arch : "x86_64",
		.machine = full_machine(dom->machine),
		.rom = dom->fw.rom,
		.secure_boot = c->fw.secure_boot,
		.enrolled_keys = c->fw.enrolled_keys,
		.smm_off = dom->hw.smm == VM_SWITCH_OFF,
		.executable = dom->fw.loader,
		.nvram_template = dom->fw.nvram_template,
	};
}

/* Refuses a PATH (WHAT, from N) that is not a regular file. */
static int
check_file(struct vm_xmlcheck *x, xmlNodePtr n, const char *what, const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return vm_xmlcheck_error(x, n, "cannot access %s '%s': %s", what, path,
					 strerror(errno));
	if (!S_ISREG(st.st_mode))
		return vm_xmlcheck_error(x, n, "%s '%s' is not a regular file", what, path);
	return 0;
}

/* The descriptor's words for what firmware='efi' asked, for the refusal. */
static void
describe_query(const struct vm_fwdesc_query *q, char *buf, size_t size)
{
	static const char *const w[] = { "", " with", " without" };

	snprintf(buf, size, "uefi for %s on %s%s%s%s%s%s%s%s%s", q->arch, q->machine,
		 w[q->secure_boot], q->secure_boot ? " secure-boot" : "", w[q->enrolled_keys],
		 q->enrolled_keys ? " enrolled-keys" : "", q->smm_off ? " without SMM" : "",
		 q->executable ? ", code " : "", q->executable ? q->executable : "",
		 q->nvram_template ? ", template given" : "");
}

/* firmware='efi': the first descriptor that fits, as libvirt picks it. */
static int
resolve_efi(struct vm_xmlcheck *x, xmlNodePtr os)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);
	struct vm_domain *dom = c->dom;
	struct vm_firmware *fw = &dom->fw;
	struct vm_fwdesc_query q = query_of(c);
	struct vm_error why = VM_ERROR_INIT;
	struct vm_fwdesc d;
	char asked[PATH_MAX + 160];

	if (c->fw.loader_secure != VM_FWDESC_ANY) {
		if (q.secure_boot != VM_FWDESC_ANY && q.secure_boot != c->fw.loader_secure)
			return vm_xmlcheck_error(x, c->fw.loader_node,
						 "secure='%s' contradicts the secure-boot <feature>",
						 c->fw.loader_secure == VM_FWDESC_YES ? "yes"
										      : "no");
		q.secure_boot = c->fw.loader_secure;
	}
	if (vm_fwdesc_find(&q, &d, &why) < 0) {
		describe_query(&q, asked, sizeof(asked));
		if (why.code != VM_EXIT_INVALID)
			return vm_error_set(x->err, why.code, "%s", why.msg);
		return vm_xmlcheck_error(x, os, "firmware='efi' (%s): %s", asked, why.msg);
	}
	if ((!fw->loader && !(fw->loader = strdup(d.executable))) ||
	    (!fw->rom && !fw->nvram_template && !(fw->nvram_template = strdup(d.nvram_template))))
		return vm_xmlcheck_nomem(x);
	if (d.requires_smm) {
		dom->hw.smm = VM_SWITCH_ON;
		fw->secure = true;
	}
	return 0;
}

/* A legacy <loader>: its template, when not given, from the descriptor naming its code. */
static int
resolve_loader(struct vm_xmlcheck *x)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);
	struct vm_domain *dom = c->dom;
	struct vm_firmware *fw = &dom->fw;
	/* any features: the code is named */
	struct vm_fwdesc_query q = query_of(c);
	struct vm_error ignored = VM_ERROR_INIT;
	struct vm_fwdesc d;

	if (!fw->loader)
		return vm_xmlcheck_error(x, c->fw.loader_node,
					 "missing the path of the firmware (or use <os firmware='efi'>)");
	fw->secure = c->fw.loader_secure == VM_FWDESC_YES;
	if (fw->secure && dom->hw.smm != VM_SWITCH_ON)
		return vm_xmlcheck_error(x, c->fw.loader_node,
					 "secure='yes' needs <features><smm state='on'/></features>");
	q.smm_off = false;
	if (fw->rom || fw->nvram_template || vm_fwdesc_find(&q, &d, &ignored) < 0)
		return 0;
	if (!(fw->nvram_template = strdup(d.nvram_template)))
		return vm_xmlcheck_nomem(x);
	return 0;
}

/* N's attribute NAME, milliseconds as SeaBIOS takes them (16 bits), into *MS; -1 when ANY_NEVER. */
static int
milliseconds(struct vm_xmlcheck *x, xmlNodePtr n, const char *name, bool any_never, long *ms)
{
	const char *s = vm_xmlcheck_attr(n, name);
	unsigned long long v;

	if (any_never && !strcmp(s, "-1")) {
		*ms = -1;
		return 0;
	}
	if (vm_xmlcheck_ull(x, n, name, s, 0, 65535, &v) < 0)
		return -1;
	*ms = (long)v;
	return 0;
}

int
vm_firmware_bootmenu_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_firmware *fw = fw_of(x);

	fw->has_bootmenu = true;
	fw->bootmenu = !strcmp(vm_xmlcheck_attr(n, "enable"), "yes");
	fw->has_bootmenu_timeout = vm_xmlcheck_attr(n, "timeout") != NULL;
	if (!fw->has_bootmenu_timeout)
		return 0;
	if (!fw->bootmenu)
		return vm_xmlcheck_error(x, n, "timeout needs enable='yes'");
	return milliseconds(x, n, "timeout", false, &fw->bootmenu_timeout);
}

int
vm_firmware_bios_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_firmware *fw = fw_of(x);

	fw->has_reboot_timeout = vm_xmlcheck_attr(n, "rebootTimeout") != NULL;
	if (fw->has_reboot_timeout &&
	    milliseconds(x, n, "rebootTimeout", true, &fw->reboot_timeout) < 0)
		return -1;
	fw->useserial = vm_devices_streq(vm_xmlcheck_attr(n, "useserial"), "yes");
	return 0;
}

int
vm_firmware_smbios_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	const char *mode = vm_xmlcheck_attr(n, "mode");

	if (!strcmp(mode, "host"))
		return vm_xmlcheck_error(x, n,
					 "mode='host' is not supported: it copies the host's own SMBIOS tables; give them in <sysinfo type='smbios'> with mode='sysinfo'");
	/* 'emulate' is QEMU's own tables, as without the element */
	fw_of(x)->smbios = !strcmp(mode, "sysinfo");
	vm_devices_ctx(x)->fw.smbios_node = n;
	return 0;
}

/* <sysinfo type='smbios'>: its tables and their fields, in libvirt's order */

static const char *const smbios_tables[VM_FIRMWARE_SMBIOS_TABLES] = { "bios", "system", "baseBoard",
								      "chassis" };
static const char *const smbios_fields[VM_FIRMWARE_SMBIOS_TABLES][VM_FIRMWARE_SMBIOS_FIELDS] = {
	{ "vendor", "version", "date", "release" },
	{ "manufacturer", "product", "version", "serial", "uuid", "sku", "family" },
	{ "manufacturer", "product", "version", "serial", "asset", "location" },
	{ "manufacturer", "version", "serial", "asset", "sku" },
};

int
vm_firmware_sysinfo_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_firmware_parse *p = &vm_devices_ctx(x)->fw;

	if (p->sysinfo_node)
		return vm_xmlcheck_error(x, n, "a second <sysinfo> (first on line %ld)",
					 vm_xmlcheck_line(p->sysinfo_node));
	p->sysinfo_node = n;
	return 0;
}

static int
entry_begin(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_firmware *fw = fw_of(x);
	const char *table = (const char *)n->parent->name, *name = vm_xmlcheck_attr(n, "name");
	cleanup_free char *value = NULL;
	unsigned t = 0, f = 0;
	char **slot;

	if (vm_xmlcheck_text(x, n, &value) < 0)
		return -1;
	if (!strcmp(table, "oemStrings")) {
		if (name)
			return vm_xmlcheck_error(x, n, "an <oemStrings> entry has no name");
		slot = VM_DEVICES_APPEND(x, fw->oem_strings, fw->noem_strings);
		if (!slot)
			return -1;
		*slot = steal_ptr(value);
		return 0;
	}
	while (strcmp(smbios_tables[t], table))
		t++;
	while (f < VM_FIRMWARE_SMBIOS_FIELDS && smbios_fields[t][f] &&
	       !vm_devices_streq(smbios_fields[t][f], name))
		f++;
	if (!name || f == VM_FIRMWARE_SMBIOS_FIELDS || !smbios_fields[t][f])
		return vm_xmlcheck_error(x, n, "unsupported name '%s' in <%s>", name ? name : "",
					 table);
	if (fw->smbios_fields[t][f])
		return vm_xmlcheck_error(x, n, "a second entry '%s'", name);
	fw->smbios_fields[t][f] = steal_ptr(value);
	return 0;
}

/* What <sysinfo> and <smbios> need of each other and of the domain. */
static int
check_smbios(struct vm_xmlcheck *x)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);
	struct vm_firmware *fw = &c->dom->fw;
	const char *uuid = fw->smbios_fields[1][4];
	uuid_t u;

	if (fw->smbios && !c->fw.sysinfo_node)
		return vm_xmlcheck_error(x, c->fw.smbios_node,
					 "mode='sysinfo' needs <sysinfo type='smbios'>");
	if (c->fw.sysinfo_node && !fw->smbios)
		return vm_xmlcheck_error(x, c->fw.sysinfo_node,
					 "QEMU is given it only with <os><smbios mode='sysinfo'/></os>");
	if (uuid && (uuid_parse(uuid, u) < 0 || (c->uuid_node && uuid_compare(u, c->dom->uuid))))
		return vm_xmlcheck_error(x, c->fw.sysinfo_node,
					 "the system uuid '%s' is not the domain's <uuid>", uuid);
	if (uuid && !c->uuid_node)
		return vm_xmlcheck_error(x, c->fw.sysinfo_node,
					 "a system uuid needs the domain's <uuid>, the same");
	return 0;
}

int
vm_firmware_end(struct vm_xmlcheck *x, xmlNodePtr n)
{
	struct vm_domain_ctx *c = vm_devices_ctx(x);
	struct vm_firmware *fw = &c->dom->fw;
	xmlNodePtr nv = c->fw.nvram_node;
	xmlNodePtr os = c->os_node ? c->os_node : n;

	if (check_smbios(x) < 0)
		return -1;
	if (fw->useserial && (fw->efi || c->fw.loader_node))
		return vm_xmlcheck_error(x, os,
					 "<bios useserial='yes'> is SeaBIOS's serial console; UEFI firmware has its own on the serial port");
	if (fw->useserial && !c->nserials)
		return vm_xmlcheck_error(x, os, "<bios useserial='yes'> needs a <serial>");
	if (fw->efi && !c->dom->acpi)
		return vm_xmlcheck_error(x, os,
					 "firmware='efi' needs <features><acpi/></features>: UEFI on x86 needs ACPI (libvirt refuses it too)");
	if (!fw->efi && !c->fw.loader_node) {
		if (nv)
			return vm_xmlcheck_error(x, nv,
						 "<nvram> needs <loader type='pflash'> or <os firmware='efi'>");
		return 0;
	}
	/* a template that is not there says more than no descriptor naming it */
	if (fw->nvram_template && check_file(x, nv, "NVRAM template", fw->nvram_template) < 0)
		return -1;
	if ((fw->efi ? resolve_efi(x, os) : resolve_loader(x)) < 0)
		return -1;
	fw->pflash = !fw->rom;
	if (fw->rom && nv)
		return vm_xmlcheck_error(x, nv, "a type='rom' loader keeps no variables");
	if (fw->secure && !vm_domain_is_q35(c->dom))
		return vm_xmlcheck_error(x, os, "secure boot needs a q35 machine");
	if (check_file(x, c->fw.loader_node ? c->fw.loader_node : os, "firmware", fw->loader) < 0)
		return -1;
	if (fw->nvram_template &&
	    check_file(x, nv ? nv : os, "NVRAM template", fw->nvram_template) < 0)
		return -1;
	if (fw->nvram) {
		cleanup_free char *dir = strdup(fw->nvram);
		struct stat st;

		if (!dir)
			return vm_xmlcheck_nomem(x);
		if (stat(dirname(dir), &st) < 0 || !S_ISDIR(st.st_mode))
			return vm_xmlcheck_error(x, nv,
						 "the directory of NVRAM '%s' does not exist",
						 fw->nvram);
	}
	return 0;
}

/* QEMU's arguments */

void
vm_firmware_opts(const struct vm_domain *dom, struct vm_argv_opt *o)
{
	if (dom->fw.pflash)
		vm_argv_opt_add(o, ",pflash0=pflash0,pflash1=pflash1");
	/* SeaBIOS then writes to the serial port */
	if (dom->fw.useserial)
		vm_argv_opt_add(o, ",graphics=off");
}

/* pflashN over FD, inherited as fd set FIRMWARE_FDSET + N. */
static int
pflash_argv(struct vm_argv *a, unsigned i, int fd, bool readonly, bool placeholders,
	    struct vm_error *err)
{
	struct vm_argv_opt o = { 0 };
	char node[16], file[24], fdset[32];
	json_object *proto = json_object_new_object(), *fmt = json_object_new_object();

	snprintf(node, sizeof(node), "pflash%u", i);
	snprintf(file, sizeof(file), "pflash%u-file", i);
	snprintf(fdset, sizeof(fdset), "/dev/fdset/%u", FIRMWARE_FDSET + i);
	if (placeholders)
		vm_argv_opt_add(&o, "fd=<%s>", node);
	else
		vm_argv_opt_add(&o, "fd=%d", fd);
	vm_argv_opt_add(&o, ",set=%u,opaque=%s", FIRMWARE_FDSET + i, file);
	json_object_object_add(proto, "driver", json_object_new_string("file"));
	json_object_object_add(proto, "filename", json_object_new_string(fdset));
	json_object_object_add(proto, "node-name", json_object_new_string(file));
	json_object_object_add(proto, "read-only", json_object_new_boolean(readonly));
	json_object_object_add(fmt, "node-name", json_object_new_string(node));
	json_object_object_add(fmt, "read-only", json_object_new_boolean(readonly));
	json_object_object_add(fmt, "driver", json_object_new_string("raw"));
	json_object_object_add(fmt, "file", json_object_new_string(file));
	if (vm_argv_opt_push(a, "-add-fd", &o, err) < 0 ||
	    vm_argv_push_json(a, "-blockdev", proto, err) < 0) {
		json_object_put(fmt);
		return -1;
	}
	return vm_argv_push_json(a, "-blockdev", fmt, err);
}

void
vm_firmware_boot_opts(const struct vm_domain *dom, struct vm_argv_opt *o)
{
	const struct vm_firmware *fw = &dom->fw;

	if (fw->has_bootmenu)
		vm_argv_opt_add(o, "menu=%s,", fw->bootmenu ? "on" : "off");
	if (fw->has_reboot_timeout)
		vm_argv_opt_add(o, "reboot-timeout=%ld,", fw->reboot_timeout);
	if (fw->has_bootmenu_timeout)
		vm_argv_opt_add(o, "splash-time=%ld,", fw->bootmenu_timeout);
}

/* -smbios type=T with each field of table T, when it has any. */
static int
smbios_argv(struct vm_argv *a, const struct vm_firmware *fw, unsigned t, struct vm_error *err)
{
	struct vm_argv_opt o = { 0 };
	unsigned f = 0;

	while (f < VM_FIRMWARE_SMBIOS_FIELDS && !fw->smbios_fields[t][f])
		f++;
	if (f == VM_FIRMWARE_SMBIOS_FIELDS)
		return 0;
	/* libvirt names the maker of a board or chassis even when it has none */
	if (t >= 2)
		f = 0;
	vm_argv_opt_add(&o, "type=%u", t);
	for (; f < VM_FIRMWARE_SMBIOS_FIELDS; f++)
		if (fw->smbios_fields[t][f] || (t >= 2 && f == 0))
			vm_argv_opt_val(&o, smbios_fields[t][f],
					fw->smbios_fields[t][f] ? fw->smbios_fields[t][f] : "");
	return vm_argv_opt_push(a, "-smbios", &o, err);
}

static int
sysinfo_argv(struct vm_argv *a, const struct vm_firmware *fw, struct vm_error *err)
{
	struct vm_argv_opt o = { 0 };

	for (unsigned t = 0; t < VM_FIRMWARE_SMBIOS_TABLES; t++)
		if (smbios_argv(a, fw, t, err) < 0)
			return -1;
	if (!fw->noem_strings)
		return 0;
	vm_argv_opt_add(&o, "type=11");
	for (size_t i = 0; i < fw->noem_strings; i++)
		vm_argv_opt_val(&o, "value", fw->oem_strings[i]);
	return vm_argv_opt_push(a, "-smbios", &o, err);
}

int
vm_firmware_argv(const struct vm_domain *dom, struct vm_argv *a, bool placeholders,
		 struct vm_error *err)
{
	const struct vm_firmware *fw = &dom->fw;

	if (fw->smbios && sysinfo_argv(a, fw, err) < 0)
		return -1;

	/* QEMU reads a ROM once, at start-up: its uid needs to read it */
	if (fw->rom)
		return vm_argv_pushv(a, err, "-bios", fw->loader, NULL);
	if (!fw->pflash)
		return 0;
	if (!placeholders && (fw->code_fd < 0 || fw->nvram_fd < 0))
		return vm_error_set(err, VM_EXIT_SYSTEM, "the firmware files were not opened");
	if (pflash_argv(a, 0, fw->code_fd, true, placeholders, err) < 0 ||
	    pflash_argv(a, 1, fw->nvram_fd, false, placeholders, err) < 0)
		return -1;
	if (fw->secure && vm_argv_pushv(a, err, "-global",
					"driver=cfi.pflash01,property=secure,value=on", NULL) < 0)
		return -1;
	return 0;
}

void
vm_firmware_clear(struct vm_firmware *fw)
{
	free(fw->loader);
	free(fw->nvram);
	free(fw->nvram_template);
	for (unsigned t = 0; t < VM_FIRMWARE_SMBIOS_TABLES; t++)
		for (unsigned f = 0; f < VM_FIRMWARE_SMBIOS_FIELDS; f++)
			free(fw->smbios_fields[t][f]);
	for (size_t i = 0; i < fw->noem_strings; i++)
		free(fw->oem_strings[i]);
	free(fw->oem_strings);
}

const struct vm_xmlcheck_attr vm_firmware_loader_attrs[] = {
	{ "readonly", "yes|no", VM_XMLCHECK_OPTIONAL },
	{ "type", "rom|pflash", VM_XMLCHECK_OPTIONAL },
	{ "secure", "yes|no", VM_XMLCHECK_OPTIONAL },
	{ NULL },
};

const struct vm_xmlcheck_attr vm_firmware_nvram_attrs[] = {
	{ "template", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ NULL },
};

static const struct vm_xmlcheck_attr feature_attrs[] = {
	{ "enabled", "yes|no", VM_XMLCHECK_REQUIRED },
	{ "name", "secure-boot|enrolled-keys", VM_XMLCHECK_REQUIRED },
	{ NULL },
};

const struct vm_xmlcheck_elem vm_firmware_children[] = {
	{ "feature", .attrs = feature_attrs, .multi = true, .begin = feature_begin },
	{ NULL },
};

const struct vm_xmlcheck_attr vm_firmware_bootmenu_attrs[] = {
	{ "enable", "yes|no", VM_XMLCHECK_REQUIRED },
	{ "timeout", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ NULL },
};

const struct vm_xmlcheck_attr vm_firmware_bios_attrs[] = {
	{ "useserial", "yes|no", VM_XMLCHECK_OPTIONAL },
	{ "rebootTimeout", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ NULL },
};

const struct vm_xmlcheck_attr vm_firmware_smbios_attrs[] = {
	{ "mode", "sysinfo|emulate|host", VM_XMLCHECK_REQUIRED },
	{ NULL },
};

const struct vm_xmlcheck_attr vm_firmware_sysinfo_attrs[] = {
	{ "type", "smbios", VM_XMLCHECK_REQUIRED },
	{ NULL },
};

static const struct vm_xmlcheck_attr entry_attrs[] = {
	{ "name", VM_XMLCHECK_ANY_VALUE, VM_XMLCHECK_OPTIONAL },
	{ NULL },
};

static const struct vm_xmlcheck_elem entries[] = {
	{ "entry", .attrs = entry_attrs, .content = VM_XMLCHECK_TEXT, .multi = true,
	  .begin = entry_begin },
	{ NULL },
};

const struct vm_xmlcheck_elem vm_firmware_sysinfo_children[] = {
	{ "bios", .children = entries },       { "system", .children = entries },
	{ "baseBoard", .children = entries },  { "chassis", .children = entries },
	{ "oemStrings", .children = entries }, { NULL },
};
