#include "stop.h"
#include "cleanup.h"
#include "exitcodes.h"
#include "hooks.h"
#include "image.h"
#include "holders.h"
#include "lock.h"
#include "qmp.h"
#include "disks.h"
#include "rundir.h"
#include "status.h"
#include "swtpm.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define QMP_TIMEOUT_MS 5000
#define QUIT_WAIT_MS 3000
#define TERM_WAIT_MS 5000
/* swtpm exits as soon as QEMU's end of its channel closes */
#define SWTPM_WAIT_MS 5000

static int
qmp_send(struct vm_domlock *dl, const char *cmd, struct vm_error *err)
{
	struct vm_qmp *qmp = NULL;
	int r;

	if (vm_rundir_qmp_connect(dl->dirfd, QMP_TIMEOUT_MS, &qmp, err) < 0)
		return -1;
	r = vm_qmp_command(qmp, cmd, NULL, QMP_TIMEOUT_MS, NULL, err);
	vm_qmp_close(qmp);
	return r;
}

/*
 * The guest powered off and QEMU stays (on_poweroff preserve): a power-down
 * request would wait for nothing, and the guest is down already.
 */
static bool
guest_off(struct vm_domlock *dl)
{
	struct vm_error ignored = VM_ERROR_INIT;
	struct vm_qmp *qmp = NULL;
	json_object *ret = NULL, *status;
	bool off = false;

	if (vm_rundir_qmp_connect(dl->dirfd, QMP_TIMEOUT_MS, &qmp, &ignored) < 0)
		return false;
	if (vm_qmp_command(qmp, "query-status", NULL, QMP_TIMEOUT_MS, &ret, &ignored) == 0 &&
	    json_object_object_get_ex(ret, "status", &status))
		off = strcmp(json_object_get_string(status), "shutdown") == 0;
	json_object_put(ret);
	vm_qmp_close(qmp);
	return off;
}

/* quit over QMP for a guest that is down already */
static int
quit_off(struct vm_domlock *dl, int pidfd, struct vm_error *err)
{
	if (qmp_send(dl, "quit", err) < 0 || vm_rundir_wait_exit(dl, pidfd, QUIT_WAIT_MS, err) < 0)
		return vm_error_prefix(err, "cannot end the qemu of powered-off domain '%s'",
				       dl->name);
	return 0;
}

/* The pidfd names exactly the QEMU we verified, whatever pids do since. */
static int
signal_qemu(int pidfd, int sig)
{
	return pidfd >= 0 ? (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) : -1;
}

/* quit over QMP, then SIGTERM, then SIGKILL; each gets its time to work. */
static int
force_stop(struct vm_domlock *dl, int pidfd, struct vm_error *err)
{
	struct vm_error ignored = VM_ERROR_INIT;

	if (qmp_send(dl, "quit", &ignored) == 0 &&
	    vm_rundir_wait_exit(dl, pidfd, QUIT_WAIT_MS, &ignored) == 0)
		return 0;
	if (pidfd < 0)
		return vm_error_set(err, VM_EXIT_SYSTEM,
				    "cannot find the qemu of domain '%s': no process holds its liveness file",
				    dl->name);
	/* A stopped QEMU (SIGSTOP) handles SIGTERM only once continued. */
	if (signal_qemu(pidfd, SIGTERM) == 0 && signal_qemu(pidfd, SIGCONT) == 0 &&
	    vm_rundir_wait_exit(dl, pidfd, TERM_WAIT_MS, &ignored) == 0)
		return 0;
	signal_qemu(pidfd, SIGKILL);
	if (vm_rundir_wait_exit(dl, pidfd, TERM_WAIT_MS, err) < 0)
		return vm_error_set(err, VM_EXIT_SYSTEM, "qemu of domain '%s' survived SIGKILL",
				    dl->name);
	return 0;
}

static int
stop_qemu(struct vm_domlock *dl, const struct vm_stop_opts *opts, struct vm_error *err)
{
	cleanup_close int pidfd = vm_rundir_qemu_pidfd(dl->dirfd);

	if (opts->force)
		return force_stop(dl, pidfd, err);
	if (guest_off(dl))
		return quit_off(dl, pidfd, err);
	if (qmp_send(dl, "system_powerdown", err) < 0)
		return vm_error_prefix(err, "cannot ask domain '%s' to power down", dl->name);
	if (vm_rundir_wait_exit(dl, pidfd, opts->timeout_s * 1000, err) < 0) {
		if (err->code == VM_EXIT_NO && guest_off(dl)) {
			vm_error_clear(err);
			return quit_off(dl, pidfd, err);
		}
		if (err->code == VM_EXIT_NO)
			return vm_error_set(err, VM_EXIT_NO,
					    "domain '%s' did not power down within %d s; it is still running (use --force)",
					    dl->name, opts->timeout_s);
		return -1;
	}
	return 0;
}

/* What a QEMU's leases say of its domain, when its status cannot. */
struct held_by_qemu {
	struct vm_status st; /* its uuid and disks */
};

/* Keeps the leases QEMU holds; their resources hash to their names (lockmgr.c). */
static int
keep_held(const struct vm_lease_info *info, void *arg)
{
	struct held_by_qemu *h = arg;
	struct vm_status_disk rec = { .target = "", .lease = true };

	if (!info->resource || info->state == VM_LEASE_FREE)
		return 0;
	if (strncmp(info->resource, VM_LEASE_UUID_PREFIX, strlen(VM_LEASE_UUID_PREFIX)) == 0) {
		snprintf(h->st.uuid, sizeof(h->st.uuid), "%s",
			 info->resource + strlen(VM_LEASE_UUID_PREFIX));
		return 0;
	}
	/* QEMU inherits its TPM's lease by fd, which names the same uuid */
	if (strncmp(info->resource, VM_LEASE_TPM_PREFIX, strlen(VM_LEASE_TPM_PREFIX)) == 0) {
		h->st.tpm = true;
		return 0;
	}
	/* a disk is leased by its path and by its identity: the path will do */
	if (info->resource[0] != '/')
		return 0;
	rec.path = info->resource;
	rec.mode = info->state == VM_LEASE_HELD_SHARED ? VM_STATUS_LEASE_SHARED
						       : VM_STATUS_LEASE_EXCLUSIVE;
	return vm_status_add_disk(&h->st, &rec, NULL);
}

/*
 * The disks a live QEMU holds leases on, and its domain's uuid, read
 * from the lockspace while QEMU still holds them. Only a disk that this
 * uuid is recorded as using (its trusted.vmkit.user entry) is labelled.
 */
static void
learn_from_qemu(struct vm_disks_ctx *ctx, struct vm_domlock *dl, struct held_by_qemu *h)
{
	struct vm_error ignored = VM_ERROR_INIT;
	pid_t pid = vm_rundir_qemu_pid(dl->dirfd);

	if (pid <= 0 || vm_lockmgr_inquire(ctx->lm, pid, keep_held, h, &ignored) < 0 ||
	    !h->st.uuid[0])
		return;
	/* under sanlock swtpm holds the TPM's lease itself, not QEMU */
	if (!h->st.tpm && vm_swtpm_find(h->st.uuid) > 0)
		h->st.tpm = true;
	ctx->label.uuid = h->st.uuid;
	for (size_t i = 0; i < h->st.ndisks && ctx->labels; i++) {
		int fd = vm_image_reopen(h->st.disks[i].path, false, 0, 0, &ignored);

		h->st.disks[i].labelled = fd >= 0 && vm_label_used_by(&ctx->label, fd);
		if (fd >= 0)
			close(fd);
	}
}

/*
 * Someone else damaged or replaced status.json (vmkit only renames whole
 * files into place). Stop QEMU and set the record aside for the admin.
 * The disks it named are known from the leases QEMU holds, while it
 * lives; those are given back.
 */
static int
discard_damaged(const struct vm_conf *conf, const struct vm_paths *paths, struct vm_domlock *dl,
		const struct vm_stop_opts *opts, enum vm_stop_result *result, struct vm_error *err)
{
	struct vm_disks_ctx ctx = {
		.conf = conf,
		.warn = opts->warn,
		.labels = !paths->session && conf->dynamic_ownership,
		.label.remember = conf->remember_owner,
	};
	struct held_by_qemu h = { 0 };
	const char *kept;
	int r = -1;

	opts->warn("%s", err->msg);
	vm_error_clear(err);
	*result = VM_STOP_CLEANED;
	if (vm_lockmgr_open(conf, paths, &ctx.lm, err) < 0 ||
	    vm_lockmgr_set_owner(ctx.lm, dl->name, err) < 0)
		goto out;
	vm_lockmgr_set_holders(ctx.lm, vm_holders_load);
	if (vm_rundir_alive(dl->dirfd)) {
		learn_from_qemu(&ctx, dl, &h);
		if (stop_qemu(dl, opts, err) < 0)
			goto out;
		*result = VM_STOP_DONE;
	}
	for (size_t i = 0; i < h.st.ndisks; i++)
		if (vm_disks_giveback(&ctx, &h.st.disks[i], 0, err) < 0)
			goto out;
	/* Whether the state was to be kept is the record's: keep it, given back to root. */
	if (h.st.tpm && vm_swtpm_giveback(ctx.lm, h.st.uuid, vm_swtpm_find(h.st.uuid), true, true,
					  SWTPM_WAIT_MS, err) < 0)
		goto out;
	if (h.st.tpm)
		opts->warn("kept the TPM state " VM_SWTPM_STATE_DIR
			   "/%s, given back to root: remove it unless the domain's <tpm> has persistent_state='yes'",
			   h.st.uuid);
	if (vm_rundir_quarantine_status(dl, &kept, err) < 0)
		goto out;
	if (h.st.ndisks)
		opts->warn("kept it as %s; gave back the %zu disks that its qemu held", kept,
			   h.st.ndisks);
	else
		opts->warn("kept it as %s; the owners of the disks of domain '%s' were not restored, nor its TPM state's if it has one (chown -R root: " VM_SWTPM_STATE_DIR
			   "/UUID, the domain's uuid)",
			   kept, dl->name);
	r = vm_rundir_remove_runtime(dl, err);
out:
	for (size_t i = 0; i < h.st.ndisks; i++) {
		free(h.st.disks[i].target);
		free(h.st.disks[i].path);
	}
	free(h.st.disks);
	vm_lockmgr_close(ctx.lm);
	return r;
}

static int
stop_locked(const struct vm_conf *conf, const struct vm_paths *paths, struct vm_domlock *dl,
	    const struct vm_stop_opts *opts, enum vm_stop_result *result, struct vm_error *err)
{
	struct vm_disks_ctx ctx = { .conf = conf, .warn = opts->warn };
	struct vm_status *st = NULL;
	int r = -1;

	if (vm_status_read(dl->dirfd, &st, err) < 0) {
		if (errno == ENOENT && err->code == VM_EXIT_NO && !vm_rundir_alive(dl->dirfd))
			return vm_error_set(err, VM_EXIT_NO, "domain '%s' is not running",
					    dl->name);
		if (err->code == VM_EXIT_SYSTEM && opts->force)
			return discard_damaged(conf, paths, dl, opts, result, err);
		if (err->code == VM_EXIT_SYSTEM) {
			char cause[sizeof(err->msg)];

			memcpy(cause, err->msg, sizeof(cause));
			return vm_error_set(err, VM_EXIT_SYSTEM,
					    "domain '%s': %s ('vm-stop --force %s' stops it without its record)",
					    dl->name, cause, dl->name);
		}
		return vm_error_prefix(err, "domain '%s'", dl->name);
	}
	if (vm_rundir_alive(dl->dirfd)) {
		if (stop_qemu(dl, opts, err) < 0)
			goto out;
		*result = VM_STOP_DONE;
	} else
		*result = VM_STOP_CLEANED;
	vm_hook("stop:qemu-gone");
	if (vm_lockmgr_open(conf, paths, &ctx.lm, err) < 0 ||
	    vm_lockmgr_set_owner(ctx.lm, dl->name, err) < 0)
		goto out;
	vm_lockmgr_set_holders(ctx.lm, vm_holders_load);
	ctx.label.uuid = st->uuid;
	ctx.label.remember = conf->remember_owner;
	for (size_t i = 0; i < st->ndisks; i++) {
		if (vm_disks_giveback(&ctx, &st->disks[i], 0, err) < 0)
			goto out;
		vm_hook("stop:disk-returned");
	}
	if (vm_disks_giveback(&ctx, &st->nvram, 0, err) < 0)
		goto out;
	if (st->tpm && vm_swtpm_giveback(ctx.lm, st->uuid, st->tpm_pid, st->tpm_persistent,
					 opts->force, SWTPM_WAIT_MS, err) < 0)
		goto out;
	if (vm_rundir_remove_runtime(dl, err) < 0)
		goto out;
	vm_hook("stop:runtime-removed");
	/* Last: while status.json exists the domain is not cleaned up. */
	if (vm_rundir_remove_status(dl->dirfd, err) < 0)
		goto out;
	vm_rundir_log(dl->dirfd, "domain '%s' stopped", dl->name);
	r = 0;
out:
	vm_lockmgr_close(ctx.lm);
	vm_status_free(st);
	return r;
}

int
vm_stop_domain(const struct vm_conf *conf, const struct vm_paths *paths, const char *name,
	       const struct vm_stop_opts *opts, enum vm_stop_result *result, struct vm_error *err)
{
	struct vm_domlock *dl = NULL;
	int r;

	if (vm_rundir_lock(paths, name, false, -1, &dl, err) < 0)
		return -1;
	vm_hook("stop:locked");
	r = stop_locked(conf, paths, dl, opts, result, err);
	vm_rundir_unlock(dl);
	return r;
}
