#include "nvram.h"
#include "cleanup.h"
#include "exitcodes.h"
#include "varstore.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* NVRAM_DIR/NAME_VARS.fd, as libvirt names it in its own directory; the directory is made. */
static int
default_path(const char *nvram_dir, const char *name, char **path, struct vm_error *err)
{
	cleanup_free char *parent = strdup(nvram_dir);

	if (!parent || asprintf(path, "%s/%s_VARS.fd", nvram_dir, name) < 0) {
		*path = NULL;
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot name the NVRAM");
	}
	/* /var/lib/vmkit and its nvram, as the TPM states' directory is made */
	if ((mkdir(dirname(parent), 0755) < 0 && errno != EEXIST) ||
	    (mkdir(nvram_dir, 0711) < 0 && errno != EEXIST))
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot make NVRAM directory '%s'",
				    nvram_dir);
	return 0;
}

int
vm_nvram_acquire(const struct vm_disks_ctx *ctx, const char *nvram_dir, struct vm_domain *dom,
		 struct vm_nvram *nv, struct vm_status_disk *rec, struct vm_leaseset *held,
		 struct vm_error *err)
{
	struct vm_firmware *fw = &dom->fw;
	struct vm_image_spec code = { .source = fw->loader, .format = VM_IMAGE_RAW };
	cleanup_free char *path = NULL;
	struct vm_disk vars = {
		.type = VM_DISK_FILE,
		.device = VM_DEVICE_DISK,
		.format = VM_FORMAT_RAW,
		.target = "nvram",
		.relabel = true,
		.line = fw->line,
	};
	bool made;

	memset(nv, 0, sizeof(*nv));
	if (!fw->pflash)
		return 0;
	if (!fw->nvram && default_path(nvram_dir, dom->name, &path, err) < 0)
		return -1;
	vars.source = fw->nvram ? fw->nvram : path;
	if (vm_varstore_make(vars.source, fw->nvram_template, &made, err) < 0)
		return vm_error_prefix(err, "%s:%d: <os>", dom->file, fw->line);
	if (vm_image_open(&code, &nv->code, err) < 0)
		return vm_error_prefix(err, "firmware");
	if (vm_disks_acquire(ctx, &vars, &nv->vars, rec, held, err) < 0)
		return -1;
	fw->code_fd = nv->code.v[0].fd;
	fw->nvram_fd = nv->vars.v[0].fd;
	return 0;
}

void
vm_nvram_close(struct vm_nvram *nv, struct vm_domain *dom)
{
	vm_image_close(&nv->code);
	vm_image_close(&nv->vars);
	dom->fw.code_fd = dom->fw.nvram_fd = -1;
}
