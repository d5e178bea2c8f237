#include "swtpm.h"
#include "cleanup.h"
#include "exitcodes.h"
#include "spawn.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#define SWTPM_ENV_PATH "PATH=/usr/sbin:/usr/bin:/sbin:/bin"
#define SWTPM_SETUP_PATH "/usr/bin/swtpm_setup"
#define SWTPM_LOCALCA_PATH "/usr/bin/swtpm_localca"
/* What swtpm writes once a TPM 2.0 is made: its permanent state. */
#define PERMALL "tpm2-00.permall"
/* swtpm_setup's configuration and its local CA's, while it runs; the CA's own directory. */
#define SETUP_CONF "swtpm_setup.conf"
#define LOCALCA_CONF "swtpm-localca.conf"
#define LOCALCA_DIR "localca"
/* Making the CA and the EKs' keys takes a few seconds; one that hangs is ended. */
#define SETUP_TIMEOUT_MS 120000

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

/*
 * How deep a TPM state directory may go: swtpm writes files only, and
 * swtpm_setup's local CA one directory of them. What QEMU's uid made
 * deeper is refused, not walked without end.
 */
#define STATE_DEPTH_MAX 4

/*
 * Calls FN on each entry of the directory DIRFD (a directory entry after
 * its own contents), never through a symlink: what QEMU's uid made in
 * its state is walked as it is, and a symlink is an entry like a file.
 */
static int
walk_state(int dirfd, int depth, int (*fn)(int dirfd, const char *name, bool dir, void *arg),
	   void *arg, struct vm_error *err)
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
	rewinddir(d);
	while (r == 0 && (e = readdir(d))) {
		cleanup_close int sub = -1;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0 && depth == STATE_DEPTH_MAX)
			r = vm_error_set(err, VM_EXIT_SYSTEM,
					 "TPM state '%s' is more than %d directories deep",
					 e->d_name, STATE_DEPTH_MAX);
		else if (sub >= 0)
			r = walk_state(sub, depth + 1, fn, arg, err);
		if (r == 0)
			r = fn(dirfd, e->d_name, sub >= 0, arg);
	}
	closedir(d);
	return r;
}

struct owner {
	uid_t uid;
	gid_t gid;
	struct vm_error *err;
};

static int
chown_entry(int dirfd, const char *name, bool dir, void *arg)
{
	const struct owner *o = arg;

	(void)dir;
	if (fchownat(dirfd, name, o->uid, o->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return vm_error_sys(o->err, VM_EXIT_SYSTEM, errno,
				    "cannot change the owner of TPM state '%s'", name);
	return 0;
}

/* The state directory and all in it to UID:GID. */
static int
chown_state(int dirfd, uid_t uid, gid_t gid, struct vm_error *err)
{
	struct owner o = { uid, gid, err };

	if (walk_state(dirfd, 1, chown_entry, &o, err) < 0)
		return -1;
	if (fchown(dirfd, uid, gid) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno,
				    "cannot change the owner of the TPM state");
	return 0;
}

static int
remove_entry(int dirfd, const char *name, bool dir, void *arg)
{
	if (unlinkat(dirfd, name, dir ? AT_REMOVEDIR : 0) < 0)
		return vm_error_sys(arg, VM_EXIT_SYSTEM, errno, "cannot remove TPM state '%s'",
				    name);
	return 0;
}

/* Removes the state directory UUID below BASE and all in it. */
static int
remove_state(int base, int dirfd, const char *uuid, struct vm_error *err)
{
	if (walk_state(dirfd, 1, remove_entry, err, err) < 0)
		return -1;
	if (unlinkat(base, uuid, AT_REMOVEDIR) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno,
				    "cannot remove the TPM state directory " VM_SWTPM_STATE_DIR
				    "/%s",
				    uuid);
	return 0;
}

/* Writes TEXT as NAME in the directory DIRFD, which is root's while it is written. */
static int
write_conf(int dirfd, const char *name, const char *text, struct vm_error *err)
{
	cleanup_close int fd = -1;
	size_t n = strlen(text);

	if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot replace '%s'", name);
	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, n) != (ssize_t)n)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot write '%s'", name);
	return 0;
}

/* Waits up to SETUP_TIMEOUT_MS for swtpm_setup PID, its session killed after that. */
static int
wait_setup(pid_t pid, struct vm_error *err)
{
	cleanup_close int pidfd = pidfd_open(pid, 0);
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	int ws = 0;

	if (pidfd >= 0 && poll(&p, 1, SETUP_TIMEOUT_MS) == 0)
		kill(-pid, SIGKILL);
	if (waitpid(pid, &ws, 0) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot wait for swtpm_setup");
	if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
		return 0;
	if (WIFEXITED(ws))
		return vm_error_set(err, VM_EXIT_SYSTEM,
				    "cannot manufacture the TPM: swtpm_setup exited with status %d (the domain's log has its output)",
				    WEXITSTATUS(ws));
	return vm_error_set(err, VM_EXIT_SYSTEM,
			    "cannot manufacture the TPM: swtpm_setup was killed by signal %d%s",
			    WTERMSIG(ws), WTERMSIG(ws) == SIGKILL ? " (timed out?)" : "");
}

/*
 * Manufactures a TPM 2.0 in the state directory DIRFD, as libvirt does:
 * swtpm_setup makes its EKs (RSA and ECC) with their certificates and a
 * platform certificate, signed by a local CA of this TPM's own (in
 * LOCALCA_DIR: QEMU's uid may be one that other domains share, so no
 * CA that signs for all of them is in its reach), and locks the NVRAM.
 * It runs as swtpm will: QEMU's uid, no capabilities, the lease kept.
 */
static int
manufacture(const struct vm_swtpm_ctx *c, const char *name, int dirfd, struct vm_error *err)
{
	char dir[sizeof(VM_SWTPM_STATE_DIR) + 40], setup_conf[sizeof(dir) + 32];
	char vmid[128], tmpdir[sizeof(dir) + 8];
	cleanup_free char *localca = NULL, *setup = NULL;
	char *argv[] = { SWTPM_SETUP_PATH,
			 "--tpm2",
			 "--tpm-state",
			 dir,
			 "--vmid",
			 vmid,
			 "--config",
			 setup_conf,
			 "--createek",
			 "--create-ek-cert",
			 "--create-platform-cert",
			 "--lock-nvram",
			 "--not-overwrite",
			 NULL };
	char *envp[] = { SWTPM_ENV_PATH, "LC_ALL=C", tmpdir, NULL };
	struct vm_spawn sp = {
		.argv = argv,
		.envp = envp,
		.dirfd = -1,
		.log_fd = c->log_fd,
		.keep = &c->lease_fd,
		.nkeep = c->lease_fd >= 0,
		.change_id = true,
		.uid = c->uid,
		.gid = c->gid,
	};
	pid_t pid;
	int r;

	snprintf(dir, sizeof(dir), VM_SWTPM_STATE_DIR "/%s", c->uuid);
	snprintf(setup_conf, sizeof(setup_conf), "%s/" SETUP_CONF, dir);
	snprintf(tmpdir, sizeof(tmpdir), "TMPDIR=%s", dir);
	snprintf(vmid, sizeof(vmid), "%s:%s", name, c->uuid);
	if (asprintf(&localca,
		     "statedir = %1$s/" LOCALCA_DIR "\n"
		     "signingkey = %1$s/" LOCALCA_DIR "/signkey.pem\n"
		     "issuercert = %1$s/" LOCALCA_DIR "/issuercert.pem\n"
		     "certserial = %1$s/" LOCALCA_DIR "/certserial\n",
		     dir) < 0 ||
	    asprintf(&setup,
		     "create_certs_tool = " SWTPM_LOCALCA_PATH "\n"
		     "create_certs_tool_config = %s/" LOCALCA_CONF "\n"
		     "create_certs_tool_options = /etc/swtpm-localca.options\n",
		     dir) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot manufacture the TPM");
	/* root's while vmkit writes in it, then all of it QEMU's uid's */
	if (fchown(dirfd, 0, 0) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno,
				    "cannot change the owner of the TPM state");
	if (write_conf(dirfd, SETUP_CONF, setup, err) < 0 ||
	    write_conf(dirfd, LOCALCA_CONF, localca, err) < 0 ||
	    chown_state(dirfd, c->uid, c->gid, err) < 0 || vm_spawn_qemu(&sp, &pid, err) < 0)
		return -1;
	r = wait_setup(pid, err);
	unlinkat(dirfd, SETUP_CONF, 0);
	unlinkat(dirfd, LOCALCA_CONF, 0);
	return r;
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
	return c->early ? vm_spawn_early_exec(c->early, &sp, pid, err)
			: vm_spawn_qemu(&sp, pid, err);
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
vm_swtpm_make_state(const struct vm_swtpm_ctx *c, const struct vm_domain *dom, struct vm_error *err)
{
	cleanup_close int base = -1;
	cleanup_close int dir = -1;

	if (!dom->ntpms)
		return 0;
	base = open_base(true, err);
	if (base < 0)
		return -1;
	dir = open_dir(base, c->uuid, 0700, err);
	if (dir < 0)
		return -1;
	if (faccessat(dir, PERMALL, F_OK, AT_SYMLINK_NOFOLLOW) < 0 &&
	    manufacture(c, dom->name, dir, err) < 0)
		return -1;
	return chown_state(dir, c->uid, c->gid, err);
}

int
vm_swtpm_start(const struct vm_swtpm_ctx *c, struct vm_domain *dom, pid_t *pid,
	       struct vm_error *err)
{
	int sv[2];

	if (!dom->ntpms)
		return 0;
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

pid_t
vm_swtpm_find(const char *uuid)
{
	char want[sizeof(VM_SWTPM_STATE_DIR) + 64], path[32], cmdline[512];
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;

	snprintf(want, sizeof(want), "dir=" VM_SWTPM_STATE_DIR "/%s,", uuid);
	while (d && !found && (e = readdir(d))) {
		pid_t pid = (pid_t)atoi(e->d_name);
		ssize_t n;
		int fd;

		if (pid <= 0 || !is_swtpm(pid))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		n = fd < 0 ? -1 : read(fd, cmdline, sizeof(cmdline) - 1);
		if (fd >= 0)
			close(fd);
		if (n > 0)
			cmdline[n] = '\0';
		/* its arguments, NUL-separated: --tpmstate's is one of them */
		for (ssize_t i = 0; i < n && !found; i += (ssize_t)strlen(cmdline + i) + 1)
			if (!strncmp(cmdline + i, want, strlen(want)))
				found = pid;
	}
	if (d)
		closedir(d);
	return found;
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
		/* no swtpm of ours: the lease's error names who holds it */
		if (pid <= 0)
			return -1;
		if (!force || !is_swtpm(pid))
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
