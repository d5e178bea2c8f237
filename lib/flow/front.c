#include "front.h"
#include "holders.h"

#include <string.h>

int
vm_front_open(struct vm_front *f, unsigned parts, struct vm_error *err)
{
	if (parts & VM_FRONT_LOCKS)
		parts |= VM_FRONT_CONF | VM_FRONT_PATHS;
	parts &= ~f->opened;
	if (parts & VM_FRONT_CONF) {
		vm_conf_init(&f->conf);
		f->opened |= VM_FRONT_CONF;
		if (vm_conf_load(&f->conf, vm_conf_path(), err) < 0)
			return -1;
	}
	if (parts & VM_FRONT_PATHS) {
		if (vm_paths_open(&f->paths, err) < 0) {
			vm_paths_close(&f->paths);
			return -1;
		}
		f->opened |= VM_FRONT_PATHS;
	}
	if (parts & VM_FRONT_LOCKS) {
		if (vm_lockmgr_open(&f->conf, &f->paths, &f->lm, err) < 0)
			return -1;
		vm_lockmgr_set_holders(f->lm, vm_holders_load);
		f->opened |= VM_FRONT_LOCKS;
	}
	return 0;
}

void
vm_front_close(struct vm_front *f)
{
	if (f->opened & VM_FRONT_LOCKS)
		vm_lockmgr_close(f->lm);
	if (f->opened & VM_FRONT_PATHS)
		vm_paths_close(&f->paths);
	if (f->opened & VM_FRONT_CONF)
		vm_conf_free(&f->conf);
	memset(f, 0, sizeof(*f));
}

int
vm_front_exit(struct vm_front *f, int r, const struct vm_error *err)
{
	vm_front_close(f);
	return r < 0 ? vm_error_report(err) : r;
}
