#include "hostcpu.h"
#include "cleanup.h"
#include "cpumap.h"
#include "exitcodes.h"
#include "hostmodel.h"
#include "machine.h"
#include "paths.h"
#include "qemu_argv.h"
#include "qmp.h"
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

/* QEMU answers in about 0.1 s here; a loaded host gets far more */
#define PROBE_TIMEOUT_MS 30000

static int
ask(struct vm_qmp *qmp, bool kvm, json_object **expansion, json_object **definitions,
    struct vm_error *err)
{
	json_object *args =
		vm_qmp_json("type", json_object_new_string("full"), "model",
			    vm_qmp_json("name", json_object_new_string(kvm ? "host" : "max"), NULL),
			    NULL);
	int r = args ? 0 : vm_error_set(err, VM_EXIT_SYSTEM, "out of memory");

	if (r == 0)
		r = vm_qmp_command(qmp, "query-cpu-model-expansion", args, PROBE_TIMEOUT_MS,
				   expansion, err);
	json_object_put(args);
	if (r == 0)
		r = vm_qmp_command(qmp, "query-cpu-definitions", NULL, PROBE_TIMEOUT_MS,
				   definitions, err);
	return r;
}

/* QEMU's last line in LOG, for a probe that failed; "" if it wrote none */
static void
last_words(int log, char *buf, size_t size)
{
	char text[4096], *end, *line;
	ssize_t n = pread(log, text, sizeof(text) - 1, 0);

	buf[0] = '\0';
	if (n <= 0)
		return;
	text[n] = '\0';
	for (end = text + n; end > text && end[-1] == '\n'; end--)
		*(end - 1) = '\0';
	line = strrchr(text, '\n');
	snprintf(buf, size, "%.*s", (int)size - 1, line ? line + 1 : text);
}

static int
probe(const struct vm_domain *dom, const struct vm_conf *conf, json_object **expansion,
      json_object **definitions, struct vm_error *err)
{
	char *env[] = { "PATH=/usr/bin:/bin", "LC_ALL=C", NULL };
	cleanup_free gid_t *groups = NULL;
	cleanup_close int log = memfd_create("vmkit-cpu-probe", MFD_CLOEXEC);
	struct vm_qmp *qmp = NULL;
	char chardev[64], said[256];
	int sv[2], keep, ws, r;
	pid_t pid;
	struct vm_spawn sp = {
		.envp = env,
		.dirfd = -1,
		.log_fd = log,
		.keep = &keep,
		.nkeep = 1,
		.change_id = geteuid() == 0,
	};

	if (log < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot make QEMU's log");
	if (sp.change_id && vm_spawn_resolve_ids(conf->user, conf->group, &sp.uid, &sp.gid, &groups,
						 &sp.ngroups, err) < 0)
		return -1;
	sp.groups = groups;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot make a socket pair");
	keep = sv[1];
	snprintf(chardev, sizeof(chardev), "socket,id=probe,fd=%d", keep);
	char *argv[] = { (char *)vm_qemu_emulator(dom, conf),
			 "-machine",
			 "none",
			 "-accel",
			 dom->kvm ? "kvm" : "tcg",
			 "-S",
			 "-nodefaults",
			 "-no-user-config",
			 "-display",
			 "none",
			 "-chardev",
			 chardev,
			 "-mon",
			 "chardev=probe,mode=control",
			 "-sandbox",
			 VM_QEMU_SANDBOX,
			 NULL };
	/* -sandbox and its value come last */
	if (!conf->seccomp_sandbox)
		argv[sizeof(argv) / sizeof(*argv) - 3] = NULL;
	sp.argv = argv;
	r = vm_spawn_qemu(&sp, &pid, err);
	close(sv[1]);
	if (r < 0) {
		close(sv[0]);
		return -1;
	}
	r = vm_qmp_open_fd(sv[0], PROBE_TIMEOUT_MS, &qmp, err);
	if (r == 0)
		r = ask(qmp, dom->kvm, expansion, definitions, err);
	vm_qmp_close(qmp);
	/* no "quit": its answer would cost a round trip */
	kill(-pid, SIGKILL);
	waitpid(pid, &ws, 0);
	last_words(log, said, sizeof(said));
	if (r < 0 && said[0])
		vm_error_prefix(err, "QEMU said '%s'", said);
	return r;
}

/*
 * What QEMU's answer depends on: its binary (path and inode, size, times)
 * and the accelerator; under KVM also the kernel and the CPU's microcode.
 * Run directories do not outlive a boot.
 */
static int
cache_key(const struct vm_domain *dom, const struct vm_conf *conf, char *key, size_t size)
{
	const char *emu = vm_qemu_emulator(dom, conf);
	char microcode[64] = "";
	struct utsname u;
	struct stat st;
	FILE *f;

	if (stat(emu, &st) < 0 || uname(&u) < 0)
		return -1;
	if (dom->kvm && (f = fopen("/proc/cpuinfo", "re"))) {
		char line[256];

		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "microcode", 9)) {
				snprintf(microcode, sizeof(microcode), "%s",
					 line + strcspn(line, ":"));
				break;
			}
		fclose(f);
	}
	snprintf(key, size, "%s %ju %ju %jd %jd.%09ld %jd.%09ld %s %s %s", emu,
		 (uintmax_t)st.st_dev, (uintmax_t)st.st_ino, (intmax_t)st.st_size,
		 (intmax_t)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, (intmax_t)st.st_ctim.tv_sec,
		 st.st_ctim.tv_nsec, dom->kvm ? "kvm" : "tcg", u.release, microcode);
	return 0;
}

#define CACHE_MAX (1 << 20)

static const char *
cache_name(const struct vm_domain *dom)
{
	return dom->kvm ? "qemu-cpu-kvm.json" : "qemu-cpu-tcg.json";
}

/* QEMU's last answer from the run directory, if it was for KEY */
static bool
cache_read(int dirfd, const struct vm_domain *dom, const char *key, json_object **expansion,
	   json_object **definitions)
{
	cleanup_free char *text = NULL;
	json_object *o, *k, *e, *d;
	size_t len;
	bool hit;

	if (dirfd < 0 || vm_paths_read(dirfd, cache_name(dom), CACHE_MAX, &text, &len, NULL) < 0 ||
	    !(o = json_tokener_parse(text)))
		return false;
	hit = json_object_object_get_ex(o, "key", &k) && !strcmp(json_object_get_string(k), key) &&
	      json_object_object_get_ex(o, "expansion", &e) &&
	      json_object_object_get_ex(o, "definitions", &d);
	if (hit) {
		*expansion = json_object_get(e);
		*definitions = json_object_get(d);
	}
	json_object_put(o);
	return hit;
}

/* A cache that cannot be written costs the next start a probe, nothing more. */
static void
cache_write(int dirfd, const struct vm_domain *dom, const char *key, json_object *expansion,
	    json_object *definitions)
{
	json_object *o = json_object_new_object();
	const char *text;

	if (dirfd < 0 || !o)
		goto out;
	json_object_object_add(o, "key", json_object_new_string(key));
	json_object_object_add(o, "expansion", json_object_get(expansion));
	json_object_object_add(o, "definitions", json_object_get(definitions));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	if (text)
		vm_paths_write_atomic(dirfd, cache_name(dom), text, strlen(text), NULL);
out:
	json_object_put(o);
}

int
vm_hostcpu_resolve(struct vm_domain *dom, const struct vm_conf *conf, int dirfd,
		   struct vm_error *err)
{
	json_object *expansion = NULL, *definitions = NULL;
	struct vm_cpumap *map = NULL;
	struct vm_hostmodel *hm = NULL;
	char key[PATH_MAX + 256];
	bool keyed;
	int r;

	if (!dom->cpu_host_model)
		return 0;
	keyed = cache_key(dom, conf, key, sizeof(key)) == 0;
	r = vm_cpumap_load(VM_CPUMAP_DIR, &map, err);
	if (r == 0 && !(keyed && cache_read(dirfd, dom, key, &expansion, &definitions))) {
		r = probe(dom, conf, &expansion, &definitions, err);
		if (r < 0)
			vm_error_prefix(err, "host-model: cannot ask QEMU for its CPU");
		else if (keyed)
			cache_write(dirfd, dom, key, expansion, definitions);
	}
	if (r == 0 && !(hm = malloc(sizeof(*hm))))
		r = vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "host-model");
	if (r == 0)
		r = vm_hostmodel_decode(map, expansion, definitions, hm, err);
	if (r == 0)
		r = vm_machine_host_model(dom, map, hm, err);
	free(hm);
	json_object_put(expansion);
	json_object_put(definitions);
	vm_cpumap_free(map);
	return r;
}
