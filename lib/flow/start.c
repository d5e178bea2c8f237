#include "start.h"
#include "cleanup.h"
#include "exitcodes.h"
#include "hooks.h"
#include "nvram.h"
#include "holders.h"
#include "lock.h"
#include "controller.h"
#include "qemu_argv.h"
#include "spawn.h"
#include "qmp.h"
#include "disks.h"
#include "display.h"
#include "rundir.h"
#include "status.h"
#include "swtpm.h"
#include "taps.h"
#include "tune.h"

#include <errno.h>
#include <grp.h>
#include <json-c/json.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#define QMP_START_TIMEOUT_MS 30000
#define STARTUP_EXIT_WAIT_MS 2000
/* a dead child's (QEMU's, swtpm's) sanlock leases are freed by the daemon a moment later */
#define RETAKE_MS 5000
#define QEMU_PATH "PATH=/usr/sbin:/usr/bin:/sbin:/bin"

/* Set to the domain's directory: QEMU (with -no-user-config) needs none
 * of them, and that 0700 directory of root's is out of its reach, so
 * nothing is read from or left in a home of anyone's. */
static const char *const home_vars[] = {
	"HOME",		  "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME",
	"XDG_CACHE_HOME", "XDG_DATA_HOME",   "XDG_STATE_HOME",
};

#define NHOME (sizeof(home_vars) / sizeof(*home_vars))
#define NENV (2 + NHOME + 1)

struct start {
	const struct vm_conf *conf;
	const struct vm_paths *paths;
	struct vm_domain *dom;
	struct vm_disks_ctx ctx;
	struct vm_domlock *dl;
	struct vm_status st;
	struct vm_leaseset held;
	struct vm_image *images; /* each disk's open files, for QEMU */
	struct vm_nvram nvram;	 /* the firmware's files, for QEMU */
	bool nvram_labelled;	 /* the NVRAM may carry our label */
	struct vm_tapdev *taps;	 /* one per interface; no fd for a user one */
	struct vm_display_ctx display_ctx;
	struct vm_displays displays;
	size_t nlabelled; /* disks 0..n-1 may carry our label */
	bool change_id;	  /* not in session mode */
	bool own_uid;	  /* lease a uid of its own from user_range */
	gid_t *groups;
	size_t ngroups;
	pid_t pid;
	/* QEMU's child, forked before its leases when the driver ties them
	 * to a process (vm_lockmgr_registers); pid 0 otherwise */
	struct vm_spawn_early early;
	struct vm_spawn_hold hold;	 /* what it runs, in its copy of this */
	struct vm_spawn_early tpm_early; /* swtpm's, as QEMU's */
	struct vm_spawn_hold tpm_hold;
	int tpm_lease;		     /* fd of "tpm:UUID"; -1 for none */
	struct vm_lease *tpm_leased; /* "tpm:UUID" itself, in held; or NULL */
	bool tpm_taken;		     /* the TPM's state is this start's to give back */
	pid_t tpm_pid;		     /* swtpm, started before QEMU */
	off_t log_start;	     /* where QEMU's own output begins in qemu.log */
};

/* Why QEMU died before its monitor answered: its own last words, else how it ended. */
static int
startup_failure(struct start *s, struct vm_error *err)
{
	char tail[512];
	int ws = 0;

	cleanup_close int pidfd = pidfd_open(s->pid, 0);
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

	/* Our child, gone or about to be (it let go of its liveness lock);
	 * one that lingers is left to unwind's SIGKILL. Once reaped, unwind
	 * has no pid to kill. */
	if (pidfd >= 0)
		poll(&pfd, 1, STARTUP_EXIT_WAIT_MS);
	if (waitpid(s->pid, &ws, WNOHANG) == s->pid)
		s->pid = -1;
	/* SIGKILL came from outside: what the log says last (swtpm's parting
	 * line, say) is not why */
	if (s->pid < 0 && WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL)
		return vm_error_set(err, VM_EXIT_SYSTEM,
				    "qemu was killed by signal %d during start-up", WTERMSIG(ws));
	if (vm_rundir_log_tail(s->dl->dirfd, s->log_start, tail, sizeof(tail)))
		return vm_error_set(err, VM_EXIT_SYSTEM, "qemu exited during start-up: %s", tail);
	if (s->pid < 0 && WIFEXITED(ws))
		return vm_error_set(err, VM_EXIT_SYSTEM,
				    "qemu exited during start-up with status %d and wrote nothing",
				    WEXITSTATUS(ws));
	if (s->pid < 0 && WIFSIGNALED(ws))
		return vm_error_set(err, VM_EXIT_SYSTEM,
				    "qemu was killed by signal %d during start-up", WTERMSIG(ws));
	return vm_error_set(err, VM_EXIT_SYSTEM, "qemu exited during start-up (see %s)",
			    vm_rundir_log_name);
}

/* Who QEMU runs as: a static <seclabel>, else user and group of vmkit.conf. */
static int
resolve_ids(struct start *s, const struct vm_paths *paths, struct vm_error *err)
{
	const struct vm_seclabel *sl = &s->dom->seclabel;
	struct vm_label_ctx *l = &s->ctx.label;
	char u[16], g[16];

	s->change_id = !paths->session;
	s->ctx.labels = s->change_id && s->conf->dynamic_ownership && sl->relabel;
	if (!s->change_id)
		return 0;
	if (sl->type == VM_SECLABEL_STATIC && sl->has_ids) {
		snprintf(u, sizeof(u), "+%u", sl->uid);
		snprintf(g, sizeof(g), "+%u", sl->gid);
		return vm_spawn_resolve_ids(u, g, &l->uid, &l->gid, &s->groups, &s->ngroups, err);
	}
	/* With user_range, uid and gid come from take_uid(); the groups stay
	 * those of user (and group), which is how QEMU reaches /dev/kvm. */
	s->own_uid = s->conf->user_range.last != 0;
	return vm_spawn_resolve_ids(s->conf->user, s->conf->group, &l->uid, &l->gid, &s->groups,
				    &s->ngroups, err);
}

/*
 * A uid of the domain's own from user_range, held by QEMU as the lease
 * "uid:N" so that no other domain, here or on a host sharing the
 * lockspace, runs as it while QEMU lives. The search starts at a place
 * given by the UUID, so a domain mostly gets the same uid again. The gid
 * is the uid: a gid shared by domains would let one QEMU read another's
 * memory (ptrace access needs uid and gid to match).
 */
static int
take_uid(struct start *s, struct vm_error *err)
{
	const struct vm_id_range *r = &s->conf->user_range;
	unsigned long long count = (unsigned long long)r->last - r->first + 1;
	char resource[32];
	uint32_t h;

	memcpy(&h, s->dom->uuid, sizeof(h));
	for (unsigned long long i = 0; i < count; i++) {
		unsigned uid = r->first + (h + i) % count;
		struct vm_lease *lease = NULL;
		int busy;

		/* an id this system names may own files or be a group's */
		if (getpwuid(uid) || getgrgid(uid))
			continue;
		snprintf(resource, sizeof(resource), VM_LEASE_UID_PREFIX "%u", uid);
		busy = vm_lease_try(s->ctx.lm, resource, &lease, err);
		if (busy < 0)
			return -1;
		if (busy)
			continue;
		if (vm_leaseset_add(&s->held, lease, err) < 0)
			return -1;
		s->ctx.label.uid = uid;
		s->ctx.label.gid = uid;
		return 0;
	}
	return vm_error_set(err, VM_EXIT_NO,
			    "no free uid in user_range %u-%u: each is held by a running domain (here or on a host sharing the lockspace) or names a user or group of this system",
			    r->first, r->last);
}

static bool
writable(const struct vm_disk *d)
{
	return !d->readonly && !d->shareable;
}

/*
 * One file listed as two disks, one of them written: its second lease
 * would conflict with the first and read as someone else's. Compared by
 * canonical path, before anything is taken.
 */
static int
check_duplicates(const struct vm_domain *dom, struct vm_error *err)
{
	char **canon = calloc(dom->ndisks + 1, sizeof(*canon));
	int r = 0;

	if (!canon)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot check the disks");
	for (size_t i = 0; i < dom->ndisks && r == 0; i++) {
		const struct vm_disk *d = &dom->disks[i];

		if (!d->source)
			continue;
		r = vm_paths_canonical(d->source, &canon[i], err);
		for (size_t j = 0; j < i && r == 0; j++) {
			if (!canon[j] || strcmp(canon[i], canon[j]) != 0 ||
			    (!writable(d) && !writable(&dom->disks[j])))
				continue;
			r = vm_error_set(err, VM_EXIT_INVALID,
					 "%s:%d: <disk>: '%s' is already disk '%s' (line %d); one file can be two disks only when all are read-only or shareable",
					 dom->file, d->line, canon[i], dom->disks[j].target,
					 dom->disks[j].line);
		}
	}
	for (size_t i = 0; i < dom->ndisks; i++)
		free(canon[i]);
	free(canon);
	return r;
}

/*
 * Each tap interface's MAC, held by QEMU as a lease (taps.h), and
 * recorded with its bridge and device so that a conflict with this
 * domain names it and vm-attach can unplug it.
 */
static int
take_macs(struct start *s, struct vm_error *err)
{
	for (size_t i = 0; i < s->dom->nifaces; i++) {
		struct vm_iface *n = &s->dom->ifaces[i];
		struct vm_status_iface rec;

		if (!vm_net_has_tap(n))
			continue;
		if (vm_taps_lease_mac(s->ctx.lm, n, &s->held, err) < 0 ||
		    vm_taps_record(s->conf, s->ctx.lm, s->dom->file, n, &rec, err) < 0)
			return -1;
		snprintf(rec.id, sizeof(rec.id), "net%zu", i);
		if (vm_status_add_iface(&s->st, &rec, err) < 0)
			return -1;
		vm_hook("start:mac-leased");
	}
	return 0;
}

static int
hold_leases(void *arg, int *fd, char *msg, size_t size)
{
	struct start *s = arg;

	return vm_lockmgr_child_register(s->ctx.lm, s->dom->name, fd, msg, size);
}

static int
seal_leases(void *arg, int fd, char *msg, size_t size)
{
	struct start *s = arg;

	return vm_lockmgr_child_seal(s->ctx.lm, fd, true, msg, size);
}

/* swtpm's: it ends with QEMU, which is what the lock failure ends */
static int
hold_tpm(void *arg, int *fd, char *msg, size_t size)
{
	struct start *s = arg;

	return vm_lockmgr_child_register(s->ctx.lm, NULL, fd, msg, size);
}

static int
seal_tpm(void *arg, int fd, char *msg, size_t size)
{
	struct start *s = arg;

	return vm_lockmgr_child_seal(s->ctx.lm, fd, false, msg, size);
}

/*
 * QEMU's (or with QEMU false, swtpm's) child into E, forked and
 * registered before any of its leases is taken, when the driver ties
 * them to a process: each is taken once, for its pid, and is the
 * program's from the first. H is what it runs, in its copy of S.
 */
static int
fork_early(struct start *s, struct vm_spawn_early *e, struct vm_spawn_hold *h, bool qemu,
	   struct vm_error *err)
{
	if (!vm_lockmgr_registers(s->ctx.lm))
		return 0;
	*h = qemu ? (struct vm_spawn_hold){ hold_leases, seal_leases, s }
		  : (struct vm_spawn_hold){ hold_tpm, seal_tpm, s };
	return vm_spawn_early(h, e, err);
}

static int
take_leases(struct start *s, struct vm_error *err)
{
	char resource[64];
	struct vm_lease *lease = NULL;
	int r;

	if (check_duplicates(s->dom, err) < 0)
		return -1;
	snprintf(resource, sizeof(resource), VM_LEASE_UUID_PREFIX "%s", s->st.uuid);
	if (vm_lockmgr_active(s->ctx.lm)) {
		if (vm_lease_acquire(s->ctx.lm, resource, VM_LEASE_EXCLUSIVE, 0, &lease, err) < 0 ||
		    vm_leaseset_add(&s->held, lease, err) < 0)
			return -1;
	}
	if (s->own_uid && take_uid(s, err) < 0)
		return -1;
	if (take_macs(s, err) < 0)
		return -1;
	if (s->dom->ntpms) {
		/* swtpm's, not QEMU's: taken for a child of its own */
		if (fork_early(s, &s->tpm_early, &s->tpm_hold, false, err) < 0)
			return -1;
		vm_lockmgr_set_pid(s->ctx.lm, s->tpm_early.pid);
		r = vm_swtpm_lease(s->ctx.lm, s->st.uuid, &lease, err);
		vm_lockmgr_set_pid(s->ctx.lm, s->early.pid);
		if (r < 0)
			return -1;
		s->tpm_lease = lease ? vm_lease_fd(lease) : -1;
		s->tpm_leased = lease;
		if (lease && vm_leaseset_add(&s->held, lease, err) < 0)
			return -1;
		s->tpm_taken = true;
	}
	for (size_t i = 0; i < s->dom->nleases; i++) {
		const struct vm_lease_def *d = &s->dom->leases[i];

		if (vm_lease_acquire_byte(s->ctx.lm, d->path, d->offset, &lease, err) < 0 ||
		    vm_leaseset_add(&s->held, lease, err) < 0)
			return -1;
	}
	s->images = calloc(s->dom->ndisks, sizeof(*s->images));
	if (s->dom->ndisks && !s->images)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot open the disks");
	for (size_t i = 0; i < s->dom->ndisks; i++) {
		struct vm_status_disk rec;

		r = vm_disks_acquire(&s->ctx, &s->dom->disks[i], &s->images[i], &rec, &s->held,
				     err);

		if (r == 0)
			r = vm_status_add_disk(&s->st, &rec, err);
		vm_status_disk_clear(&rec);
		if (r < 0)
			return -1;
	}
	return vm_nvram_acquire(&s->ctx, s->conf->nvram_dir, s->dom, &s->nvram, &s->st.nvram,
				&s->held, err);
}

/* QEMU's whole environment: nothing of the caller's (secrets, LD_*, locale). */
static int
qemu_env(const struct start *s, char *env[NENV], struct vm_error *err)
{
	int bad = 0;

	env[0] = strdup(QEMU_PATH);
	env[1] = strdup("LC_ALL=C");
	for (size_t i = 0; i < NHOME; i++)
		if (asprintf(&env[2 + i], "%s=%s/domains/%s", home_vars[i], s->paths->rundir,
			     s->dom->name) < 0)
			env[2 + i] = NULL;
	env[NENV - 1] = NULL;
	for (size_t i = 0; i < NENV - 1; i++)
		bad |= !env[i];
	return bad ? vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot start qemu") : 0;
}

static void
qemu_env_free(char *env[NENV])
{
	for (size_t i = 0; i < NENV; i++)
		free(env[i]);
}

/*
 * The tap of each interface that has one (taps.h). Its name goes in the
 * status record take_macs() made.
 */
static int
make_taps(struct start *s, struct vm_error *err)
{
	size_t rec = 0;

	s->taps = calloc(s->dom->nifaces, sizeof(*s->taps));
	if (s->dom->nifaces && !s->taps)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot make the taps");
	for (size_t i = 0; i < s->dom->nifaces; i++)
		vm_tapdev_init(&s->taps[i]);
	for (size_t i = 0; i < s->dom->nifaces; i++) {
		const struct vm_iface *n = &s->dom->ifaces[i];

		if (!vm_net_has_tap(n))
			continue;
		if (vm_taps_make(s->conf, !s->change_id, s->dom->file, n, &s->taps[i], err) < 0)
			return -1;
		snprintf(s->st.ifaces[rec++].tap, sizeof(s->st.ifaces[0].tap), "%s",
			 s->taps[i].name);
		vm_hook("start:tap-made");
	}
	return 0;
}

/* Where each display listens, made before QEMU runs, for the uid QEMU runs as. */
static int
open_displays(struct start *s, struct vm_error *err)
{
	s->display_ctx = (struct vm_display_ctx){
		.lm = s->ctx.lm,
		.dirfd = s->dl->dirfd,
		.change_id = s->change_id,
		.uid = s->ctx.label.uid,
		.gid = s->ctx.label.gid,
		.held = &s->held,
		.st = &s->st,
	};
	return vm_display_open(&s->display_ctx, s->dom, &s->displays, err);
}

/*
 * swtpm for the domain's TPM, as QEMU's uid, before QEMU: recorded for
 * vm-stop. It holds the state's lease: by fd, or, for a driver that ties
 * leases to a process, taken for its child, forked as QEMU's is.
 */
static int
start_swtpm(struct start *s, struct vm_error *err)
{
	struct vm_swtpm_ctx c = {
		.uuid = s->st.uuid,
		.uid = s->ctx.label.uid,
		.gid = s->ctx.label.gid,
		.lease_fd = s->tpm_lease,
		.early = s->tpm_early.pid ? &s->tpm_early : NULL,
	};
	cleanup_close int log = -1;

	if (!s->dom->ntpms)
		return 0;
	log = vm_rundir_log_open(s->dl, err);
	c.log_fd = log;
	if (log < 0 || vm_swtpm_make_state(&c, s->dom, err) < 0 ||
	    vm_swtpm_start(&c, s->dom, &s->tpm_pid, err) < 0)
		return -1;
	if (s->tpm_leased && s->tpm_early.exec)
		vm_lease_keep(s->tpm_leased);
	s->st.tpm_pid = s->tpm_pid;
	if (vm_status_write(s->dl->dirfd, &s->st, err) < 0)
		return -1;
	vm_hook("start:swtpm");
	return 0;
}

/* QEMU has its own copies once it runs: the kernel keeps each tap while QEMU's is open. */
static void
close_taps(struct start *s)
{
	for (size_t i = 0; s->taps && i < s->dom->nifaces; i++)
		vm_tapdev_close(&s->taps[i]);
	free(s->taps);
	s->taps = NULL;
}

/* QEMU has its own copies once it runs. */
static void
close_images(struct start *s)
{
	for (size_t i = 0; s->images && i < s->dom->ndisks; i++)
		vm_image_close(&s->images[i]);
	free(s->images);
	s->images = NULL;
}

/* The image fds after the others of KEEP (N of them), which has room. */
static void
keep_images(const struct start *s, int *keep, size_t *n)
{
	for (size_t i = 0; i < s->dom->ndisks; i++)
		for (size_t k = 0; k < s->images[i].n; k++)
			keep[(*n)++] = s->images[i].v[k].fd;
}

static size_t
count_images(const struct start *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->dom->ndisks; i++)
		n += s->images[i].n;
	return n;
}

/* Room for each tap's queue fds and vhost fds. */
static size_t
count_taps(const struct start *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->dom->nifaces; i++)
		n += 2 * s->taps[i].queues;
	return n;
}

/* The tap fds after the others of KEEP (N of them), which has room. */
static void
keep_taps(const struct start *s, int *keep, size_t *n)
{
	for (size_t i = 0; i < s->dom->nifaces; i++)
		for (unsigned k = 0; k < s->taps[i].queues; k++) {
			if (s->taps[i].fds[k] >= 0)
				keep[(*n)++] = s->taps[i].fds[k];
			if (s->taps[i].vhostfds[k] >= 0)
				keep[(*n)++] = s->taps[i].vhostfds[k];
		}
}

/*
 * Spawns QEMU with the leases: by fd, or, for a driver that ties them to
 * a process, through its child forked before they were taken for it,
 * which keeps them.
 */
static int
spawn_leased(struct start *s, struct vm_spawn *sp, struct vm_error *err)
{
	if (!s->early.pid)
		return vm_spawn_qemu(sp, &s->pid, err);
	if (vm_spawn_early_exec(&s->early, sp, &s->pid, err) < 0)
		return -1;
	for (size_t i = 0; i < s->held.n; i++)
		if (vm_lease_pid(s->held.v[i]) == s->pid)
			vm_lease_keep(s->held.v[i]);
	vm_lockmgr_set_pid(s->ctx.lm, 0);
	return 0;
}

static int
spawn(struct start *s, struct vm_error *err)
{
	char *env[NENV] = { NULL };
	cleanup_close int mon = -1;
	cleanup_close int agent = -1;
	cleanup_close int alive = -1;
	cleanup_close int log = -1;
	cleanup_free int *keep = NULL;
	struct vm_argv argv = { 0 };
	struct vm_spawn sp = {
		.dirfd = s->dl->dirfd,
		.change_id = s->change_id,
		.uid = s->ctx.label.uid,
		.gid = s->ctx.label.gid,
		.groups = s->groups,
		.ngroups = s->ngroups,
	};
	size_t nkeep = 0;
	cpu_set_t cpus;
	int r;

	if (vm_tune_emulator_cpus(s->dom, &cpus))
		sp.affinity = &cpus;
	mon = vm_rundir_qmp_listen(s->dl->dirfd, err);
	if (mon < 0)
		return -1;
	if (s->dom->channel.agent) {
		agent = s->dom->channel.path
				? vm_rundir_agent_listen_path(s->dl->dirfd, s->dom->channel.path,
							      err)
				: vm_rundir_agent_listen(s->dl->dirfd, err);
		if (agent < 0)
			return -1;
	}
	alive = vm_rundir_liveness_fd(s->dl, err);
	if (alive < 0)
		return -1;
	log = vm_rundir_log_open(s->dl, err);
	if (log < 0)
		return -1;
	if (qemu_env(s, env, err) < 0 || vm_qemu_argv(s->dom, s->conf, mon, agent, s->images,
						      s->taps, s->displays.runs, &argv, err) < 0) {
		qemu_env_free(env);
		return -1;
	}
	keep = vm_leaseset_fds(&s->held,
			       3 + count_images(s) + count_taps(s) + 2 * s->displays.n + 2, &nkeep);
	if (!keep) {
		qemu_env_free(env);
		vm_argv_free(&argv);
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot start qemu");
	}
	keep[nkeep++] = mon;
	keep[nkeep++] = alive;
	if (agent >= 0)
		keep[nkeep++] = agent;
	keep_images(s, keep, &nkeep);
	keep_taps(s, keep, &nkeep);
	vm_display_keep(&s->displays, keep, &nkeep);
	if (s->dom->ntpms)
		keep[nkeep++] = s->dom->tpms[0].fd;
	if (s->dom->fw.pflash) {
		keep[nkeep++] = s->dom->fw.code_fd;
		keep[nkeep++] = s->dom->fw.nvram_fd;
	}
	sp.argv = argv.v;
	sp.envp = env;
	sp.log_fd = log;
	sp.keep = keep;
	sp.nkeep = nkeep;
	vm_rundir_log(s->dl->dirfd, "starting domain '%s'", s->dom->name);
	s->log_start = lseek(log, 0, SEEK_END);
	r = spawn_leased(s, &sp, err);
	qemu_env_free(env);
	vm_argv_free(&argv);
	return r;
}

/* <link state='down'>: QEMU has no option for it, only set_link, before the guest runs. */
static int
set_links(struct start *s, struct vm_qmp *qmp, struct vm_error *err)
{
	for (size_t i = 0; i < s->dom->nifaces; i++) {
		json_object *args;
		char id[32];
		int r;

		if (!s->dom->ifaces[i].link_down)
			continue;
		snprintf(id, sizeof(id), "net%zu", i);
		args = json_object_new_object();
		json_object_object_add(args, "name", json_object_new_string(id));
		json_object_object_add(args, "up", json_object_new_boolean(false));
		r = vm_qmp_command(qmp, "set_link", args, QMP_START_TIMEOUT_MS, NULL, err);
		json_object_put(args);
		if (r < 0)
			return -1;
	}
	return 0;
}

static int
handshake(struct start *s, bool paused, struct vm_error *err)
{
	struct vm_qmp *qmp = NULL;
	int r;

	if (vm_rundir_qmp_connect(s->dl->dirfd, QMP_START_TIMEOUT_MS, &qmp, err) < 0)
		return -1;
	r = set_links(s, qmp, err);
	if (r == 0)
		r = vm_disks_throttle(s->dom, qmp, QMP_START_TIMEOUT_MS, err);
	if (r == 0)
		r = vm_display_hand_over(&s->display_ctx, s->dom, &s->displays, qmp,
					 QMP_START_TIMEOUT_MS, err);
	if (r == 0)
		r = vm_tune_apply(s->dom, qmp, QMP_START_TIMEOUT_MS, err);
	if (r == 0 && !paused)
		r = vm_qmp_command(qmp, "cont", NULL, QMP_START_TIMEOUT_MS, NULL, err);
	vm_qmp_close(qmp);
	return r;
}

static void
giveback(struct start *s, const struct vm_status_disk *rec, bool lost)
{
	struct vm_error ignored = VM_ERROR_INIT;

	if (lost)
		vm_disks_giveback(&s->ctx, rec, RETAKE_MS, &ignored);
	else
		vm_disks_giveback_held(&s->ctx, rec, &s->held, &ignored);
}

/* Undoes a start that got as far as S shows; ERR already holds the cause. */
static void
unwind(struct start *s)
{
	struct vm_error ignored = VM_ERROR_INIT, tpm_err = VM_ERROR_INIT;
	bool registers = vm_lockmgr_registers(s->ctx.lm);
	/* Under a driver that ties leases to QEMU's (or swtpm's) child
	 * (sanlock), they went with the child once it died, or is killed
	 * below; a child that lingers after a failed exec still holds them. */
	bool lost = registers && (s->early.exec || s->early.pid <= 0);
	bool tpm_lost = registers && (s->tpm_early.exec || s->tpm_early.pid <= 0);

	/* what is taken again here is this command's own */
	vm_lockmgr_set_pid(s->ctx.lm, 0);
	if (s->pid > 0) {
		/* Our own child: reaping it means every file it held is closed. */
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	if (s->tpm_pid > 0) {
		kill(s->tpm_pid, SIGKILL);
		waitpid(s->tpm_pid, NULL, 0);
	}
	/* the lease is ours (in held, or a lingering early child's) until
	 * released below, or, lost with its child, taken again now */
	if (s->tpm_taken && vm_swtpm_giveback(tpm_lost ? s->ctx.lm : NULL, s->st.uuid, 0,
					      s->st.tpm_persistent, false, RETAKE_MS, &tpm_err) < 0)
		s->ctx.warn("%s; leaving the TPM state as it is", tpm_err.msg);
	vm_swtpm_close(s->dom);
	/* Our copies of the leases QEMU inherited still hold them, unless
	 * they were lost with QEMU's child: then each disk's is taken again
	 * before its owner is given back, and the owner is left to whoever
	 * took the disk in between. Only these disks: with remember_owner = 0
	 * a giveback chowns to root. */
	if (lost)
		vm_leaseset_release(&s->held);
	for (size_t i = 0; i < s->nlabelled; i++)
		giveback(s, &s->st.disks[i], lost);
	if (s->nvram_labelled)
		giveback(s, &s->st.nvram, lost);
	vm_leaseset_release(&s->held);
	close_images(s);
	vm_nvram_close(&s->nvram, s->dom);
	close_taps(s);
	vm_display_close(&s->displays);
	vm_rundir_remove_runtime(s->dl, &ignored);
	vm_rundir_remove_status(s->dl->dirfd, &ignored);
}

/* What vm-attach needs to know of the domain and its QEMU, and the domain itself as text. */
static int
describe_machine(struct start *s, struct vm_error *err)
{
	s->st.root_ports = vm_controller_root_ports(s->dom);
	for (unsigned i = 1; i <= s->st.root_ports; i++)
		s->st.busy_ports[i] = !vm_controller_hotplug_port(s->dom, i);
	s->st.acpi = s->dom->acpi;
	s->st.relabel = s->dom->seclabel.relabel;
	/* in session mode QEMU keeps the caller's ids, which label.uid never holds */
	s->st.uid = s->change_id ? s->ctx.label.uid : geteuid();
	s->st.gid = s->change_id ? s->ctx.label.gid : getegid();
	s->st.own_uid = s->own_uid;
	/* before its state is touched: vm-stop gives back what a killed start left */
	s->st.tpm = s->dom->ntpms > 0;
	s->st.tpm_persistent = s->st.tpm && s->dom->tpms[0].persistent;
	if (s->st.tpm)
		snprintf(s->st.tpm_model, sizeof(s->st.tpm_model), "%s",
			 vm_tpm_model_name(s->dom->tpms[0].model));
	return vm_rundir_write_domain(s->dl, s->dom->xml, s->dom->xml_len, err);
}

static int
start_locked(struct start *s, bool paused, struct vm_error *err)
{
	struct vm_status *old = NULL;
	bool owners_here = false;
	int r;

	if (vm_rundir_alive(s->dl->dirfd))
		return vm_error_set(err, VM_EXIT_NO, "domain '%s' is already running",
				    s->dom->name);
	r = vm_status_read(s->dl->dirfd, &old, NULL);
	vm_status_free(old);
	if (r == 0 || errno != ENOENT)
		return vm_error_set(err, VM_EXIT_NO,
				    "domain '%s' was not cleaned up after it stopped; run 'vm-stop %s' first",
				    s->dom->name, s->dom->name);
	if (fork_early(s, &s->early, &s->hold, true, err) < 0)
		goto fail;
	vm_lockmgr_set_pid(s->ctx.lm, s->early.pid);
	if (take_leases(s, err) < 0)
		goto fail;
	vm_hook("start:leased");
	s->st.state = VM_RUN_STARTING;
	if (describe_machine(s, err) < 0)
		goto fail;
	if (vm_status_write(s->dl->dirfd, &s->st, err) < 0)
		goto fail;
	vm_hook("start:intent");
	for (size_t i = 0; i < s->st.ndisks; i++) {
		/* A failed apply that remembers owners may have left xattrs to
		 * drop; one that does not only chowns, so it changed nothing. */
		if (vm_disks_label(&s->ctx, &s->st.disks[i], &s->images[i], err) < 0) {
			s->nlabelled = i + s->ctx.label.remember;
			goto fail;
		}
		s->nlabelled = i + 1;
		owners_here |= s->st.disks[i].has_owner;
		vm_hook("start:disk-labelled");
	}
	if (s->st.nvram.path) {
		/* as a disk's: what a failed apply may leave to undo */
		if (vm_disks_label(&s->ctx, &s->st.nvram, &s->nvram.vars, err) < 0) {
			s->nvram_labelled = s->ctx.label.remember;
			goto fail;
		}
		s->nvram_labelled = true;
		owners_here |= s->st.nvram.has_owner;
		vm_hook("start:nvram-labelled");
	}
	/* Owners kept here for file systems without xattrs. */
	if (owners_here && vm_status_write(s->dl->dirfd, &s->st, err) < 0)
		goto fail;
	vm_hook("start:labelled");
	if (make_taps(s, err) < 0 || open_displays(s, err) < 0 || start_swtpm(s, err) < 0 ||
	    spawn(s, err) < 0)
		goto fail;
	vm_hook("start:taps-passed");
	/* QEMU has its own copies of the image and tap fds now */
	close_images(s);
	vm_nvram_close(&s->nvram, s->dom);
	close_taps(s);
	vm_swtpm_close(s->dom);
	s->st.pid = s->pid;
	if (vm_status_write(s->dl->dirfd, &s->st, err) < 0)
		goto fail;
	vm_hook("start:spawned");
	if (handshake(s, paused, err) < 0) {
		if (!vm_rundir_alive(s->dl->dirfd))
			startup_failure(s, err);
		goto fail;
	}
	/* QEMU has its own copies of the display sockets and passwds now */
	vm_display_close(&s->displays);
	vm_hook("start:resumed");
	s->st.state = VM_RUN_RUNNING;
	if (vm_status_write(s->dl->dirfd, &s->st, err) < 0)
		goto fail;
	vm_rundir_log(s->dl->dirfd, "domain '%s' is running, pid %d", s->dom->name, (int)s->pid);
	return 0;

fail:
	unwind(s);
	return -1;
}

/* What a tap interface needs that this start cannot give, refused before anything is done. */
static int
check_ifaces(const struct start *s, struct vm_error *err)
{
	for (size_t i = 0; i < s->dom->nifaces; i++)
		if (vm_taps_check(s->conf, !s->change_id, s->dom->file, &s->dom->ifaces[i], err) <
		    0)
			return -1;
	return 0;
}

/* A host that has not joined its lockspace (sanlock) takes no lease. */
static int
check_joined(const struct vm_conf *conf, struct vm_lockmgr *lm, struct vm_error *err)
{
	bool joined;

	if (vm_lockmgr_joined(lm, &joined, err) < 0)
		return -1;
	if (!joined)
		return vm_error_set(err, VM_EXIT_SYSTEM,
				    "this host (id %d) has not joined sanlock lockspace '%s': run 'vm-lock join' first",
				    conf->sanlock_host_id, conf->sanlock_lockspace);
	return 0;
}

int
vm_start_domain(const struct vm_conf *conf, const struct vm_paths *paths, struct vm_domain *dom,
		bool paused, vm_warn_fn warn, struct vm_error *err)
{
	struct start s = {
		.conf = conf,
		.paths = paths,
		.dom = dom,
		.ctx = { .conf = conf, .warn = warn },
		.tpm_lease = -1,
		.early = { .ctl = -1 },
		.tpm_early = { .ctl = -1 },
	};
	int r = -1;

	uuid_unparse_lower(dom->uuid, s.st.uuid);
	s.ctx.label.uuid = s.st.uuid;
	s.ctx.label.remember = conf->remember_owner;
	if (resolve_ids(&s, paths, err) < 0 || vm_lockmgr_open(conf, paths, &s.ctx.lm, err) < 0 ||
	    vm_lockmgr_set_owner(s.ctx.lm, dom->name, err) < 0)
		goto out;
	vm_lockmgr_set_holders(s.ctx.lm, vm_holders_load);
	if (check_ifaces(&s, err) < 0 || check_joined(conf, s.ctx.lm, err) < 0)
		goto out;
	if (dom->ntpms && !s.change_id) {
		vm_error_set(err, VM_EXIT_INVALID,
			     "%s:%d: <tpm>: session mode has no TPM (its state lives in " VM_SWTPM_STATE_DIR
			     ", root's); start the domain as root",
			     dom->file, dom->tpms[0].line);
		goto out;
	}
	if (s.own_uid && !vm_lockmgr_active(s.ctx.lm)) {
		vm_error_set(err, VM_EXIT_INVALID,
			     "user_range needs a lock manager: with lock_manager = \"nop\" nothing keeps two domains off one uid");
		goto out;
	}
	if (!conf->auto_disk_leases && conf->require_lease_for_disks &&
	    vm_lockmgr_active(s.ctx.lm) && dom->ndisks > 0 && dom->nleases == 0) {
		vm_error_set(err, VM_EXIT_INVALID,
			     "domain '%s' has disks but no <lease>, and vmkit.conf sets auto_disk_leases = 0 with require_lease_for_disks = 1",
			     dom->name);
		goto out;
	}
	if (vm_rundir_lock(paths, dom->name, true, -1, &s.dl, err) == 0) {
		vm_hook("start:locked");
		r = start_locked(&s, paused, err);
		vm_rundir_unlock(s.dl);
	}
out:
	vm_leaseset_release(&s.held);
	vm_spawn_early_end(&s.early);
	vm_spawn_early_end(&s.tpm_early);
	close_images(&s);
	vm_nvram_close(&s.nvram, dom);
	vm_status_disk_clear(&s.st.nvram);
	close_taps(&s);
	vm_display_close(&s.displays);
	vm_swtpm_close(dom);
	free(s.st.ifaces);
	free(s.st.displays);
	for (size_t i = 0; i < s.st.ndisks; i++)
		vm_status_disk_clear(&s.st.disks[i]);
	free(s.st.disks);
	free(s.groups);
	vm_lockmgr_close(s.ctx.lm);
	return r;
}
