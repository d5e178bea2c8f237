/* Unit tests of the vmkit.conf parser (lib/base/conf.c). */
#include "conf.h"
#include "exitcodes.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool
starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static int
parse(struct vm_conf *conf, const char *text, struct vm_error *err)
{
	vm_error_clear(err);
	return vm_conf_parse(conf, text, strlen(text), "t.conf", err);
}

static void
test_defaults(void)
{
	struct vm_conf c;

	vm_conf_init(&c);
	ok(!strcmp(c.lock_manager, "file"), "lock_manager defaults to file");
	ok(!c.lock_space && !c.group && !c.emulator,
	   "lock_space, group and emulator default to NULL");
	if (geteuid() == 0)
		ok(c.user && !strcmp(c.user, "vmkit-qemu"), "user defaults to vmkit-qemu for root");
	else
		ok(!c.user, "user defaults to NULL (the caller) without root");
	ok(c.auto_disk_leases && c.require_lease_for_disks && c.dynamic_ownership &&
		   c.remember_owner && c.clear_emulator_capabilities && c.seccomp_sandbox,
	   "booleans default to 1");
	ok(c.metadata_lock_timeout == 10 && c.shutdown_timeout == 60,
	   "timeouts default to 10 and 60");
	ok(!strcmp(c.bridge_helper, "/usr/lib/qemu/qemu-bridge-helper"),
	   "bridge_helper defaults to QEMU's");
	vm_conf_free(&c);
}

static void
test_good(void)
{
	static const char text[] = "# a comment\n"
				   "\n"
				   "lock_manager = \"nop\"   # trailing comment\n"
				   "lock_space=\"/srv/leases\"\n"
				   "auto_disk_leases = 0\n"
				   "require_lease_for_disks = 0\n"
				   "\tuser = \"qemu \\\"x\\\\\"\n"
				   "group = \"kvm\"\r\n"
				   "user_range = \"200000-265535\"\n"
				   "dynamic_ownership = 0\n"
				   "remember_owner = 0\n"
				   "clear_emulator_capabilities = 1\n"
				   "emulator = \"/opt/qemu/bin/qemu-system-x86_64\"\n"
				   "bridge_helper = \"/opt/qemu/libexec/qemu-bridge-helper\"\n"
				   "metadata_lock_timeout = 0\n"
				   "shutdown_timeout = 86400\n"
				   "seccomp_sandbox = 0";
	struct vm_error err = VM_ERROR_INIT;
	struct vm_conf c;

	vm_conf_init(&c);
	ok(parse(&c, text, &err) == 0, "every key parses: %s", err.msg);
	ok(!strcmp(c.lock_manager, "nop"), "lock_manager is nop");
	ok(!strcmp(c.lock_space, "/srv/leases"), "lock_space is set");
	ok(!c.auto_disk_leases && !c.require_lease_for_disks && !c.dynamic_ownership &&
		   !c.remember_owner && !c.seccomp_sandbox,
	   "booleans are 0");
	ok(c.user && !strcmp(c.user, "qemu \"x\\"), "string escapes are read: [%s]", c.user);
	ok(!strcmp(c.group, "kvm"), "CRLF line ends are accepted");
	ok(c.user_range.first == 200000 && c.user_range.last == 265535, "user_range is read");
	ok(!strcmp(c.emulator, "/opt/qemu/bin/qemu-system-x86_64"), "emulator is set");
	ok(!strcmp(c.bridge_helper, "/opt/qemu/libexec/qemu-bridge-helper"),
	   "bridge_helper is set");
	ok(c.metadata_lock_timeout == 0 && c.shutdown_timeout == 86400,
	   "integer limits are accepted");
	vm_conf_free(&c);

	vm_conf_init(&c);
#ifdef HAVE_SANLOCK
	ok(parse(&c, "lock_manager = \"sanlock\"\nsanlock_host_id = 1\n", &err) == 0,
	   "sanlock with a host id is accepted: %s", err.msg);
#endif
	ok(parse(&c, "", &err) == 0, "an empty file is fine");
	ok(parse(&c, "user_range = \"1-4294967294\"\n", &err) == 0 && c.user_range.first == 1 &&
		   c.user_range.last == 4294967294u,
	   "user_range takes every uid but 0 and -1");
	ok(parse(&c, "user_range = \"7-7\"\n", &err) == 0 && c.user_range.first == 7 &&
		   c.user_range.last == 7,
	   "user_range may hold one uid");
	vm_conf_free(&c);
}

static void
test_networks(void)
{
	static const char text[] = "network.default = \"br0\"\nnetwork.lab-2 = \"br1\"\n";
	struct vm_error err = VM_ERROR_INIT;
	struct vm_conf c;

	vm_conf_init(&c);
	ok(vm_conf_parse(&c, text, sizeof(text) - 1, "t.conf", &err) == 0, "network keys: %s",
	   err.msg);
	ok(c.nnetworks == 2 && !strcmp(vm_conf_network(&c, "default"), "br0") &&
		   !strcmp(vm_conf_network(&c, "lab-2"), "br1") && !vm_conf_network(&c, "other"),
	   "each network maps to its bridge, and no other is mapped");
	vm_conf_free(&c);
}

static void
test_sanlock(void)
{
	static const char text[] = "sanlock_host_id = 2000\n"
				   "sanlock_lockspace = \"lab-1.a_b\"\n"
				   "sanlock_lease_dir = \"/srv/sanlock\"\n"
				   "sanlock_io_timeout = 1\n"
				   "sanlock_run_dir = \"/tmp/run1\"\n"
				   "on_lockfailure = \"pause\"\n";
	struct vm_error err = VM_ERROR_INIT;
	struct vm_conf c;

	vm_conf_init(&c);
	ok(!strcmp(c.sanlock_lockspace, "__VMKIT__") &&
		   !strcmp(c.sanlock_lease_dir, "/var/lib/vmkit/sanlock") &&
		   c.sanlock_io_timeout == 10 && !c.sanlock_run_dir && !c.sanlock_host_id &&
		   !strcmp(c.on_lockfailure, "poweroff"),
	   "the sanlock keys' defaults");
	ok(parse(&c, text, &err) == 0, "the sanlock keys parse: %s", err.msg);
	ok(c.sanlock_host_id == 2000 && !strcmp(c.sanlock_lockspace, "lab-1.a_b") &&
		   !strcmp(c.sanlock_lease_dir, "/srv/sanlock") && c.sanlock_io_timeout == 1 &&
		   !strcmp(c.sanlock_run_dir, "/tmp/run1") && !strcmp(c.on_lockfailure, "pause"),
	   "and each takes its value");
	vm_conf_free(&c);
}

static const struct bad {
	const char *text, *msg;
} bads[] = {
	{ "nosuch = 1\n", "t.conf:1: nosuch: unknown key" },
	{ "network. = \"br0\"\n", "t.conf:1: network.: expected network.NAME" },
	{ "network.default = 1\n",
	  "t.conf:1: network.default: expected a \"string\", the name of a host bridge" },
	{ "network.default = \"\"\n", "t.conf:1: network.default: empty string" },
	{ "network.a = \"br0\"\nnetwork.a = \"br1\"\n", "t.conf:2: network.a: duplicate key" },
	{ "\n\nuser = \"a\"\nuser = \"b\"\n",
	  "t.conf:4: user: duplicate key (first set on line 3)" },
	{ "lock_manager = \"lockd\"\n",
	  "t.conf:1: lock_manager: unsupported value 'lockd' (expected file, nop or sanlock)" },
	{ "lock_manager = file\n", "t.conf:1: lock_manager: invalid value 'file'" },
	{ "lock_manager = 1\n", "t.conf:1: lock_manager: expected a \"string\"" },
	{ "lock_space = \"leases\"\n", "t.conf:1: lock_space: 'leases' is not an absolute path" },
	{ "emulator = \"qemu\"\n", "t.conf:1: emulator: 'qemu' is not an absolute path" },
	{ "user = \"\"\n", "t.conf:1: user: empty string" },
	{ "group = [ \"a\" ]\n", "t.conf:1: group: expected a \"string\"" },
	{ "user_range = 200000\n",
	  "t.conf:1: user_range: expected a \"string\" such as \"200000-265535\"" },
	{ "user_range = \"0-10\"\n",
	  "t.conf:1: user_range: invalid range '0-10' (expected \"FIRST-LAST\", uids above 0)" },
	{ "user_range = \"10-9\"\n",
	  "t.conf:1: user_range: invalid range '10-9' (expected \"FIRST-LAST\", uids above 0)" },
	{ "user_range = \"10-4294967295\"\n",
	  "t.conf:1: user_range: invalid range '10-4294967295' (expected \"FIRST-LAST\", uids above 0)" },
	{ "user_range = \"-5-10\"\n",
	  "t.conf:1: user_range: invalid range '-5-10' (expected \"FIRST-LAST\", uids above 0)" },
	{ "user_range = \"5-+10\"\n",
	  "t.conf:1: user_range: invalid range '5-+10' (expected \"FIRST-LAST\", uids above 0)" },
	{ "user_range = \"5-10 \"\n",
	  "t.conf:1: user_range: invalid range '5-10 ' (expected \"FIRST-LAST\", uids above 0)" },
	{ "auto_disk_leases = 2\n", "t.conf:1: auto_disk_leases: expected 0 or 1" },
	{ "dynamic_ownership = \"yes\"\n", "t.conf:1: dynamic_ownership: expected 0 or 1" },
	{ "seccomp_sandbox = -1\n", "t.conf:1: seccomp_sandbox: expected 0 or 1" },
	{ "clear_emulator_capabilities = 0\n",
	  "t.conf:1: clear_emulator_capabilities: must be 1: vmkit never runs QEMU with capabilities" },
	{ "metadata_lock_timeout = 3601\n",
	  "t.conf:1: metadata_lock_timeout: expected an integer from 0 to 3600" },
	{ "shutdown_timeout = 0\n",
	  "t.conf:1: shutdown_timeout: expected an integer from 1 to 86400" },
	{ "shutdown_timeout = 99999999999999999999999\n",
	  "t.conf:1: shutdown_timeout: expected an integer from 1 to 86400" },
	{ "shutdown_timeout = 10s\n", "t.conf:1: shutdown_timeout: invalid value '10s'" },
	{ "shutdown_timeout = [\n \"a\",\n \"b\" ]\n",
	  "t.conf:1: shutdown_timeout: expected an integer from 1 to 86400" },
	{ "shutdown_timeout =\n", "t.conf:1: shutdown_timeout: missing value" },
	{ "shutdown_timeout 5\n", "t.conf:1: shutdown_timeout: expected '=' after the key" },
	{ "shutdown_timeout = 5 6\n",
	  "t.conf:1: shutdown_timeout: unexpected text after the value" },
	{ "\n= 5\n", "t.conf:2: expected a key" },
	{ "user = \"abc\n", "t.conf:1: user: unterminated string" },
	{ "user = \"a\\n\"\n", "t.conf:1: user: invalid escape in a string" },
	{ "user = [ \"a\", \n\n", "t.conf:3: user: unterminated list" },
	{ "user = [ 1 ]\n", "t.conf:1: user: expected a \"string\" in the list" },
	{ "user = [ \"a\" \"b\" ]\n", "t.conf:1: user: expected ',' or ']' in the list" },
	{ "sanlock_host_id = 0\n",
	  "t.conf:1: sanlock_host_id: expected an integer from 1 to 2000" },
	{ "sanlock_host_id = 2001\n",
	  "t.conf:1: sanlock_host_id: expected an integer from 1 to 2000" },
	{ "sanlock_lockspace = \"a:b\"\n",
	  "t.conf:1: sanlock_lockspace: invalid name 'a:b' (up to 47 letters, digits, '_', '-' and '.')" },
	{ "sanlock_lockspace = \"123456789012345678901234567890123456789012345678\"\n",
	  "t.conf:1: sanlock_lockspace: invalid name '1234567890" },
	{ "sanlock_lease_dir = \"leases\"\n",
	  "t.conf:1: sanlock_lease_dir: 'leases' is not an absolute path" },
	{ "sanlock_run_dir = \"run\"\n",
	  "t.conf:1: sanlock_run_dir: 'run' is not an absolute path" },
	{ "sanlock_io_timeout = 0\n",
	  "t.conf:1: sanlock_io_timeout: expected an integer from 1 to 300" },
	{ "on_lockfailure = \"ignore\"\n",
	  "t.conf:1: on_lockfailure: unsupported value 'ignore' (expected poweroff or pause)" },
#ifdef HAVE_SANLOCK
	{ "\nlock_manager = \"sanlock\"\n",
	  "t.conf:2: lock_manager: \"sanlock\" needs sanlock_host_id, this host's id in the lockspace (1 to 2000, unique per host)" },
#else
	{ "\nlock_manager = \"sanlock\"\nsanlock_host_id = 1\n",
	  "t.conf:2: lock_manager: this vmkit was built without the sanlock driver: install libsanlock-dev and build it again" },
#endif
};

static void
test_bad(void)
{
	struct vm_error err = VM_ERROR_INIT;

	for (size_t i = 0; i < sizeof(bads) / sizeof(*bads); i++) {
		struct vm_conf c;
		int r;

		vm_conf_init(&c);
		r = parse(&c, bads[i].text, &err);
		ok(r == -1 && err.code == VM_EXIT_INVALID && starts(err.msg, bads[i].msg),
		   "rejected with \"%s\": got %d \"%s\"", bads[i].msg, err.code, err.msg);
		vm_conf_free(&c);
	}
	{
		struct vm_conf c;
		static const char text[] = "user = \"a\"\n\0\n";

		vm_conf_init(&c);
		ok(vm_conf_parse(&c, text, sizeof(text) - 1, "t.conf", &err) == -1 &&
			   err.code == VM_EXIT_INVALID &&
			   !strcmp(err.msg, "t.conf:2: unexpected NUL byte"),
		   "a NUL byte is rejected: %s", err.msg);
		vm_conf_free(&c);
	}
}

static void
test_path_and_load(void)
{
	struct vm_error err = VM_ERROR_INIT;
	char dir[] = "/tmp/test-conf.XXXXXX";
	char path[64], missing[64], fifo[64];
	struct vm_conf c;
	FILE *f;

	unsetenv("VMKIT_CONF");
	ok(!strcmp(vm_conf_path(), SYSCONFDIR "/vmkit/vmkit.conf"), "the default path is %s",
	   vm_conf_path());
	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/vmkit.conf", dir);
	snprintf(missing, sizeof(missing), "%s/missing.conf", dir);
	snprintf(fifo, sizeof(fifo), "%s/fifo.conf", dir);
	f = fopen(path, "w");
	fputs("shutdown_timeout = 5\nbad = 1\n", f);
	fclose(f);

	vm_conf_init(&c);
	ok(vm_conf_load(&c, missing, &err) == 0, "a missing file is fine without $VMKIT_CONF");
	setenv("VMKIT_CONF", missing, 1);
	ok(!strcmp(vm_conf_path(), missing), "$VMKIT_CONF names the path");
	ok(vm_conf_load(&c, vm_conf_path(), &err) == -1 && err.code == VM_EXIT_INVALID &&
		   starts(err.msg, "cannot open config '") &&
		   strstr(err.msg, "No such file or directory"),
	   "a missing file named by $VMKIT_CONF is an error: %s", err.msg);
	setenv("VMKIT_CONF", path, 1);
	ok(vm_conf_load(&c, vm_conf_path(), &err) == -1 && err.code == VM_EXIT_INVALID &&
		   starts(err.msg, path) && strstr(err.msg, ":2: bad: unknown key"),
	   "load reports the file and line: %s", err.msg);
	ok(vm_conf_load(&c, dir, &err) == -1 && err.code == VM_EXIT_INVALID,
	   "a directory is refused: %s", err.msg);
	vm_error_clear(&err);
	setenv("VMKIT_CONF", fifo, 1);
	alarm(10); /* a regression blocks in open(): fail instead of hanging */
	ok(mkfifo(fifo, 0600) == 0 && vm_conf_load(&c, vm_conf_path(), &err) == -1 &&
		   err.code == VM_EXIT_INVALID && starts(err.msg, "cannot read config '") &&
		   strstr(err.msg, "/fifo.conf': not a regular file"),
	   "a fifo config is refused without waiting: %s", err.msg);
	alarm(0);
	unlink(fifo);
	unsetenv("VMKIT_CONF");
	vm_conf_free(&c);
	unlink(path);
	rmdir(dir);
}

/* The example parses as it is, and with every setting uncommented. */
static void
test_example(void)
{
	const char *srcdir = getenv("VMKIT_SRCDIR");
	struct vm_error err = VM_ERROR_INIT;
	char path[4096], buf[16384], out[16384];
	size_t len, n = 0;
	struct vm_conf c;
	FILE *f;

	snprintf(path, sizeof(path), "%s/examples/vmkit.conf", srcdir ? srcdir : ".");
	f = fopen(path, "r");
	if (!f) {
		ok(0, "cannot open %s", path);
		return;
	}
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	vm_conf_init(&c);
	ok(vm_conf_load(&c, path, &err) == 0, "examples/vmkit.conf parses: %s", err.msg);
	vm_conf_free(&c);

	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		n += snprintf(out + n, sizeof(out) - n, "%s\n",
			      line[0] == '#' && line[1] != ' ' && line[1] ? line + 1 : line);
	vm_conf_init(&c);
	ok(vm_conf_parse(&c, out, n, "example", &err) == 0,
	   "examples/vmkit.conf parses with every setting uncommented: %s", err.msg);
	ok(c.group && c.lock_space && c.emulator, "and sets every string key");
	vm_conf_free(&c);
}

int
main(void)
{
	test_defaults();
	test_networks();
	test_sanlock();
	test_good();
	test_bad();
	test_path_and_load();
	test_example();
	return tap_done();
}
