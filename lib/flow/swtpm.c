#include "swtpm.h"
#include "cleanup.h"
#include "exitcodes.h"
#include "spawn.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define SWTPM_ENV_PATH "PATH=/usr/sbin:/usr/bin:/sbin:/bin"

/*
 * Opens, making it with MODE if missing, the directory NAME below AT;
 * never through a symlink. A state directory made before keeps its mode.
 */
static int
open_dir(int at, const char *name, mode_t mode, struct vm_error *err)
{
	int fd;

	if (mkdirat(at, name, mode) < 0 && errno != EEXIST)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot make '%s'", name);
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot open directory '%s'", name);
	return fd;
}

/* The directory of the TPM states, made with /var/lib/vmkit: QEMU's uid only passes through. */
static int
open_base(bool create, struct vm_error *err)
{
	cleanup_close int lib = open("/var/lib", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_close int vmkit = -1;

	if (lib < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot open '/var/lib'");
	if (!create)
		return openat(lib, "vmkit/swtpm", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	vmkit = open_dir(lib, "vmkit", 0755, err);
	if (vmkit < 0)
		return -1;
	return open_dir(vmkit, "swtpm", 0711, err);
}

/* The state directory and the files in it (swtpm makes no subdirectories) to UID:GID. */
static int
chown_state(int dirfd, uid_t uid, gid_t gid, struct vm_error *err)
{
	int fd = dup(dirfd);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *e;
	int r = 0;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot read the TPM state");
	}
	while (r == 0 && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fchownat(dirfd, e->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
			r = vm_error_sys(err, VM_EXIT_SYSTEM, errno,
					 "cannot change the owner of TPM state '%s'", e->d_name);
	}
	closedir(d);
	if (r == 0 && fchown(dirfd, uid, gid) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno,
				    "cannot change the owner of the TPM state");
	return r;
}

/* Removes the state directory UUID below BASE and its files. */
static int
remove_state(int base, int dirfd, const char *uuid, struct vm_error *err)
{
	int fd = dup(dirfd);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *e;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot read the TPM state");
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    unlinkat(dirfd, e->d_name, 0) < 0) {
			closedir(d);
			return vm_error_sys(err, VM_EXIT_SYSTEM, errno,
					    "cannot remove TPM state '%s'", e->d_name);
		}
	closedir(d);
	if (unlinkat(base, uuid, AT_REMOVEDIR) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno,
				    "cannot remove the TPM state directory " VM_SWTPM_STATE_DIR
				    "/%s",
				    uuid);
	return 0;
}

/* swtpm, as QEMU would run, on the control channel CTRL, keeping the lease. */
static int
spawn_swtpm(const struct vm_swtpm_ctx *c, int ctrl, pid_t *pid, struct vm_error *err)
{
	char state[sizeof(VM_SWTPM_STATE_DIR) + 64], chan[64];
	char *argv[] = { VM_SWTPM_PATH, "socket", "--tpm2",	 "--tpmstate", state,
			 "--ctrl",	chan,	  "--terminate", NULL };
	char *envp[] = { SWTPM_ENV_PATH, "LC_ALL=C", NULL };
	int keep[] = { ctrl, c->lease_fd };
	struct vm_spawn sp = {
		.argv = argv,
		.envp = envp,
		.dirfd = -1,
		.log_fd = c->log_fd,
		.keep = keep,
		.nkeep = c->lease_fd >= 0 ? 2 : 1,
		.change_id = true,
		.uid = c->uid,
		.gid = c->gid,
	};

	snprintf(state, sizeof(state), "dir=" VM_SWTPM_STATE_DIR "/%s,mode=0600", c->uuid);
	snprintf(chan, sizeof(chan), "type=unixio,clientfd=%d", ctrl);
	return vm_spawn_qemu(&sp, pid, err);
}

int
vm_swtpm_lease(struct vm_lockmgr *lm, const char *uuid, struct vm_lease **lease,
	       struct vm_error *err)
{
	char resource[sizeof(VM_LEASE_TPM_PREFIX) + 37];

	*lease = NULL;
	snprintf(resource, sizeof(resource), VM_LEASE_TPM_PREFIX "%s", uuid);
	if (!vm_lockmgr_active(lm))
		return 0;
	return vm_lease_acquire(lm, resource, VM_LEASE_EXCLUSIVE, 0, lease, err);
}

int
vm_swtpm_start(const struct vm_swtpm_ctx *c, struct vm_domain *dom, pid_t *pid,
	       struct vm_error *err)
{
	cleanup_close int base = -1;
	cleanup_close int dir = -1;
	int sv[2];

	if (!dom->ntpms)
		return 0;
	base = open_base(true, err);
	if (base < 0)
		return -1;
	dir = open_dir(base, c->uuid, 0700, err);
	if (dir < 0 || chown_state(dir, c->uid, c->gid, err) < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot make swtpm's channel");
	dom->tpms[0].fd = sv[1];
	if (spawn_swtpm(c, sv[0], pid, err) < 0) {
		close(sv[0]);
		return -1;
	}
	close(sv[0]);
	return 0;
}

void
vm_swtpm_close(struct vm_domain *dom)
{
	if (dom->ntpms && dom->tpms[0].fd >= 0) {
		close(dom->tpms[0].fd);
		dom->tpms[0].fd = -1;
	}
}

/* Whether PID is still a swtpm: a pid may be reused once it exited. */
static bool
is_swtpm(pid_t pid)
{
	char path[32], comm[16] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	return !strcmp(comm, "swtpm\n");
}

int
vm_swtpm_giveback(struct vm_lockmgr *lm, const char *uuid, pid_t pid, bool persistent, bool force,
		  int wait_ms, struct vm_error *err)
{
	char resource[sizeof(VM_LEASE_TPM_PREFIX) + 37];
	struct vm_lease *lease = NULL;
	cleanup_close int base = -1;
	cleanup_close int dir = -1;
	int r;

	snprintf(resource, sizeof(resource), VM_LEASE_TPM_PREFIX "%s", uuid);
	if (lm && vm_lockmgr_active(lm) &&
	    vm_lease_acquire(lm, resource, VM_LEASE_EXCLUSIVE, wait_ms, &lease, err) < 0) {
		if (!force || pid <= 0 || !is_swtpm(pid))
			return vm_error_prefix(err, "swtpm (pid %d) still holds the TPM state",
					       (int)pid);
		kill(pid, SIGKILL);
		if (vm_lease_acquire(lm, resource, VM_LEASE_EXCLUSIVE, wait_ms, &lease, err) < 0)
			return -1;
	}
	base = open_base(false, err);
	if (base < 0 && errno == ENOENT) {
		vm_lease_release(lease);
		return 0;
	}
	dir = base < 0 ? -1 : openat(base, uuid, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0) {
		vm_lease_release(lease);
		return errno == ENOENT
			       ? 0
			       : vm_error_sys(err, VM_EXIT_SYSTEM, errno,
					      "cannot open the TPM state " VM_SWTPM_STATE_DIR "/%s",
					      uuid);
	}
	r = persistent ? chown_state(dir, 0, 0, err) : remove_state(base, dir, uuid, err);
	vm_lease_release(lease);
	return r;
}
