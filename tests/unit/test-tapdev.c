/*
 * Unit tests for tap devices, as root, in a network namespace of their
 * own (and a mount namespace, for a sysfs that shows it): nothing here
 * touches the host's network. Each property is read back from the
 * kernel's side, in /sys/class/net, not through the module under test.
 */
#include "tapdev.h"
#include "exitcodes.h"
#include "tap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define BRIDGE "br0"
#define BRIDGE_MTU 1400
#define RACERS 2
#define RACE_TAPS 12

static const unsigned char guest_mac[VM_MAC_LEN] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static int
sys_read(const char *dev, const char *attr, char *buf, size_t len)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", dev, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return 0;
}

static unsigned long
sys_number(const char *dev, const char *attr)
{
	char buf[64];

	return sys_read(dev, attr, buf, sizeof(buf)) < 0 ? 0 : strtoul(buf, NULL, 0);
}

static int
exists(const char *dev)
{
	char buf[64];

	return sys_read(dev, "ifindex", buf, sizeof(buf)) == 0;
}

/* The bridge DEV is enslaved to, or "" */
static const char *
master(const char *dev)
{
	static char link[256];
	char path[128];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/net/%s/master", dev);
	n = readlink(path, link, sizeof(link) - 1);
	link[n < 0 ? 0 : n] = '\0';
	return strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
}

static int
count_entries(const char *dir, const char *prefix)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return n;
}

/* What a failure must leave as it found: the links and this process's fds. */
struct snapshot {
	int links, fds;
};

static struct snapshot
snap(void)
{
	return (struct snapshot){ count_entries("/sys/class/net", ""),
				  count_entries("/proc/self/fd", "") };
}

static int
same(struct snapshot a)
{
	struct snapshot b = snap();

	return a.links == b.links && a.fds == b.fds;
}

static int
ioctl_dev(unsigned long req, const char *name, int value)
{
	struct ifreq ifr = { .ifr_mtu = value };
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	rc = req == SIOCBRADDBR ? ioctl(sock, req, name) : ioctl(sock, req, &ifr);
	close(sock);
	return rc;
}

/*
 * A tap (or tun) that persists, as an admin makes for managed='no'; the
 * namespace takes it along when the test exits.
 */
static int
persistent(const char *name, short type, int persist)
{
	struct ifreq ifr = { .ifr_flags = type | IFF_NO_PI };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC), rc;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	rc = ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETPERSIST, persist) < 0 ? -1 : 0;
	close(fd);
	return rc;
}

static int
enter_namespace(void)
{
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0) {
		printf("1..0 # SKIP cannot unshare a network namespace: %s\n", strerror(errno));
		return -1;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("sysfs", "/sys", "sysfs", 0, NULL) < 0) {
		printf("1..0 # SKIP cannot mount the namespace's sysfs: %s\n", strerror(errno));
		return -1;
	}
	if (ioctl_dev(SIOCBRADDBR, BRIDGE, 0) < 0 ||
	    ioctl_dev(SIOCSIFMTU, BRIDGE, BRIDGE_MTU) < 0) {
		printf("1..0 # SKIP cannot make a bridge: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static void
test_bridged(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_tapdev_config cfg = { .bridge = BRIDGE, .mac = guest_mac };
	struct vm_tapdev tap;
	char buf[64];

	ok(vm_tapdev_create(&tap, &cfg, &err) == 0, "a tap is made on a bridge: %s", err.msg);
	ok(strncmp(tap.name, "vmk", 3) == 0 && tap.queues == 1 && tap.fds[0] >= 0 &&
		   tap.fds[1] < 0 && tap.vhostfds[0] < 0,
	   "the kernel names it %s, one fd", tap.name);
	ok(sys_read(tap.name, "address", buf, sizeof(buf)) == 0 &&
		   strcmp(buf, "fe:54:00:12:34:56") == 0,
	   "its MAC is the guest's starting with fe: %s", buf);
	ok(sys_number(tap.name, "mtu") == BRIDGE_MTU, "its MTU is the bridge's");
	ok(strcmp(master(tap.name), BRIDGE) == 0, "it is a port of the bridge");
	ok(sys_number(tap.name, "flags") & IFF_UP, "it is up");
	ok((sys_number(tap.name, "tun_flags") &
	    (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE | IFF_PERSIST)) ==
		   (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR),
	   "it is a tap with vnet headers, neither persistent nor multiqueue");
	ok(fcntl(tap.fds[0], F_GETFD) == FD_CLOEXEC, "its fd is close-on-exec");
	snprintf(buf, sizeof(buf), "%s", tap.name);
	vm_tapdev_close(&tap);
	ok(!exists(buf) && tap.fds[0] == -1, "it is gone when its fd closes");

	cfg.mtu = 9000;
	ok(vm_tapdev_create(&tap, &cfg, &err) == 0 && sys_number(tap.name, "mtu") == 9000,
	   "a given MTU is set: %s", err.msg);
	vm_tapdev_close(&tap);

	cfg = (struct vm_tapdev_config){ .name = "guest0" };
	ok(vm_tapdev_create(&tap, &cfg, &err) == 0 && strcmp(tap.name, "guest0") == 0 &&
		   exists("guest0"),
	   "a given name is taken: %s", err.msg);
	ok(sys_number("guest0", "mtu") == 1500 && !*master("guest0") &&
		   (sys_number("guest0", "flags") & IFF_UP),
	   "without a bridge it is up, alone, with the kernel's MTU");
	vm_tapdev_close(&tap);
	ok(!exists("guest0"), "and gone when closed");
}

static void *
racer(void *arg)
{
	struct vm_tapdev *taps = arg;
	struct vm_tapdev_config cfg = { .bridge = BRIDGE };
	int i;

	for (i = 0; i < RACE_TAPS; i++)
		if (vm_tapdev_create(&taps[i], &cfg, NULL) < 0)
			taps[i].name[0] = '\0';
	return NULL;
}

static void
test_race(void)
{
	static struct vm_tapdev taps[RACERS][RACE_TAPS];
	pthread_t threads[RACERS];
	int i, j, made = 0, unique = 1, gone = 1;

	for (i = 0; i < RACERS; i++)
		pthread_create(&threads[i], NULL, racer, taps[i]);
	for (i = 0; i < RACERS; i++)
		pthread_join(threads[i], NULL);
	for (i = 0; i < RACERS * RACE_TAPS; i++) {
		const char *name = taps[i / RACE_TAPS][i % RACE_TAPS].name;

		made += *name && exists(name);
		for (j = 0; j < i; j++)
			if (*name && strcmp(name, taps[j / RACE_TAPS][j % RACE_TAPS].name) == 0)
				unique = 0;
	}
	ok(made == RACERS * RACE_TAPS && unique,
	   "%d taps made by %d threads at once all exist under distinct names", made, RACERS);
	for (i = 0; i < RACERS * RACE_TAPS; i++) {
		struct vm_tapdev *t = &taps[i / RACE_TAPS][i % RACE_TAPS];

		vm_tapdev_close(t);
		gone &= !exists(t->name);
	}
	ok(gone, "and all are gone when closed");
}

static void *
same_name(void *arg)
{
	struct vm_tapdev_config cfg = { .name = "race0" };
	struct vm_error err = VM_ERROR_INIT;
	struct vm_tapdev *tap = arg;

	if (vm_tapdev_create(tap, &cfg, &err) < 0 && err.code != VM_EXIT_INVALID)
		tap->queues = (unsigned int)-1;
	return NULL;
}

static void
test_race_same_name(void)
{
	static struct vm_tapdev taps[RACERS];
	pthread_t threads[RACERS];
	int round, i, won, one_each = 1;

	for (round = 0; round < RACE_TAPS; round++) {
		for (i = 0; i < RACERS; i++)
			pthread_create(&threads[i], NULL, same_name, &taps[i]);
		for (won = i = 0; i < RACERS; i++) {
			pthread_join(threads[i], NULL);
			won += taps[i].queues == 1;
			one_each &= taps[i].queues <= 1;
		}
		one_each &= won == 1;
		for (i = 0; i < RACERS; i++)
			vm_tapdev_close(&taps[i]);
	}
	ok(one_each && !exists("race0"),
	   "of %d threads making tap race0 at once, one gets it and the others exit 3, %d times",
	   RACERS, RACE_TAPS);
}

static void
test_multiqueue(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_tapdev_config cfg = { .bridge = BRIDGE, .queues = 4 };
	struct vm_tapdev tap;
	char dir[96], name[IFNAMSIZ];
	int i, all = 1;

	ok(vm_tapdev_create(&tap, &cfg, &err) == 0 && tap.queues == 4,
	   "a tap with 4 queues is made: %s", err.msg);
	for (i = 0; i < 4; i++)
		all &= tap.fds[i] >= 0;
	ok(all && tap.fds[4] < 0, "with 4 fds");
	snprintf(dir, sizeof(dir), "/sys/class/net/%s/queues", tap.name);
	ok(count_entries(dir, "tx-") == 4 && (sys_number(tap.name, "tun_flags") & IFF_MULTI_QUEUE),
	   "the kernel sees a multiqueue tap with 4 queues");
	snprintf(name, sizeof(name), "%s", tap.name);
	for (i = 0; i < 3; i++) {
		close(tap.fds[i]);
		tap.fds[i] = -1;
	}
	ok(exists(name), "it stays while one of its fds is open");
	vm_tapdev_close(&tap);
	ok(!exists(name), "and goes with the last");
}

/* vm_tapdev_open(NAME, QUEUES) fails with exit 3 and MSG, leaving nothing. */
static void
open_refused(const char *name, unsigned int queues, const char *msg, const char *why)
{
	struct vm_error err = VM_ERROR_INIT;
	struct snapshot before = snap();
	struct vm_tapdev tap;

	ok(vm_tapdev_open(&tap, name, queues, &err) < 0 && err.code == VM_EXIT_INVALID &&
		   strcmp(err.msg, msg) == 0 && same(before) && tap.fds[0] == -1,
	   "%s: %s", why, err.msg);
}

static void
test_open(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_tapdev tap;
	struct snapshot before;

	if (persistent("ext0", IFF_TAP, 1) < 0 || persistent("vnet7", IFF_TAP, 1) < 0 ||
	    persistent("tun0", IFF_TUN, 1) < 0 ||
	    persistent("mq0", IFF_TAP | IFF_MULTI_QUEUE, 1) < 0) {
		ok(0, "cannot make persistent taps: %s", strerror(errno));
		return;
	}
	before = snap();
	ok(vm_tapdev_open(&tap, "ext0", 1, &err) == 0 && tap.fds[0] >= 0 &&
		   strcmp(tap.name, "ext0") == 0,
	   "an existing tap is opened by name: %s", err.msg);
	vm_tapdev_close(&tap);
	ok(exists("ext0") && same(before), "and stays after, as it is not ours");
	ok(vm_tapdev_open(&tap, "vnet7", 1, &err) == 0, "a vnet name is fine for an existing tap");
	vm_tapdev_close(&tap);

	open_refused("nosuch", 1, "cannot open tap 'nosuch': No such device",
		     "a missing tap is invalid input");
	ok(!exists("nosuch"), "no tap nosuch was made");
	open_refused(BRIDGE, 1, "cannot open tap 'br0': it is not a tap device",
		     "an interface that is no tap is refused");
	open_refused("tun0", 1, "cannot open tap 'tun0': it is not a tap device",
		     "nor is a tun device");
	open_refused("mq0", 1, "cannot open tap 'mq0' with one queue: it is multiqueue",
		     "one queue of a multiqueue tap is refused");
	vm_error_clear(&err);
	ok(vm_tapdev_open(&tap, "mq0", 2, &err) == 0 && tap.queues == 2 && tap.fds[1] >= 0,
	   "two queues of it are taken: %s", err.msg);
	vm_tapdev_close(&tap);
	open_refused("ext0", 2, "cannot open tap 'ext0' with 2 queues: it is not multiqueue",
		     "queues for a tap made without them are refused");
}

struct bad {
	struct vm_tapdev_config cfg;
	const char *msg; /* the start of it */
	const char *why;
};

static void
test_bad_input(void)
{
	static const unsigned char multicast[VM_MAC_LEN] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	static const unsigned char zero[VM_MAC_LEN];
	static const struct bad bad[] = {
		{ { .bridge = "br9" },
		  "cannot add a tap to bridge 'br9': it does not exist",
		  "an unknown bridge" },
		{ { .bridge = "bridge-too-long" },
		  "cannot add a tap to bridge 'bridge-too-long': it does not exist",

		  "an unknown bridge of 15 characters" },
		{ { .bridge = "bridge-too-long0" },
		  "invalid bridge name 'bridge-too-long0': it must have 1 to 15 characters",
		  "a bridge name longer than IFNAMSIZ - 1" },
		{ { .bridge = "lo" },
		  "cannot add a tap to 'lo': it is not a bridge",
		  "a device that is not a bridge" },
		{ { .bridge = "ext0" },
		  "cannot add a tap to 'ext0': it is not a bridge",
		  "a tap for a bridge" },
		{ { .name = "tap-name-too-lo0" },
		  "invalid tap name 'tap-name-too-lo0': it must have 1 to 15 characters",
		  "a tap name longer than IFNAMSIZ - 1" },
		{ { .name = "" },
		  "invalid tap name '': it must have 1 to 15 characters",
		  "an empty tap name" },
		{ { .name = "." }, "invalid tap name '.'", "the tap name ." },
		{ { .name = "a%d" }, "invalid tap name 'a%d': it has a character", "a template" },
		{ { .name = "a b" }, "invalid tap name 'a b': it has a character", "a space" },
		{ { .name = "a/b" }, "invalid tap name 'a/b': it has a character", "a slash" },
		{ { .name = "a:b" }, "invalid tap name 'a:b': it has a character", "a colon" },
		{ { .name = "a,b" }, "invalid tap name 'a,b': it has a character", "a comma" },
		{ { .name = "t\xc3\xa9" },
		  "invalid tap name 't\xc3\xa9': it has a character",
		  "non-ASCII" },
		{ { .name = "vnet0" },
		  "invalid tap name 'vnet0': names starting with 'vnet' or 'vmk' are left for the kernel to choose",
		  "libvirt's vnet prefix" },
		{ { .name = "vmk3" },
		  "invalid tap name 'vmk3': names starting with",
		  "our vmk prefix" },
		{ { .name = BRIDGE },
		  "cannot create tap 'br0': a network interface of that name exists",
		  "the name of an existing interface" },
		{ { .name = "ext0" },
		  "cannot create tap 'ext0': a network interface of that name exists",
		  "the name of an existing tap with no fd attached" },
		{ { .bridge = BRIDGE, .mac = multicast },
		  "invalid MAC address '01:00:5e:00:00:01': it is multicast",
		  "a multicast MAC" },
		{ { .bridge = BRIDGE, .mac = zero },
		  "invalid MAC address '00:00:00:00:00:00': it is all zeros",
		  "an all-zero MAC" },
		{ { .bridge = BRIDGE, .mtu = 70000 },
		  "cannot set MTU 70000 of tap 'vmk",
		  "an MTU above the tap's maximum" },
		{ { .bridge = BRIDGE, .mtu = 60 },
		  "cannot set MTU 60 of tap 'vmk",
		  "an MTU below Ethernet's minimum" },
		{ { .bridge = BRIDGE, .mtu = 70000, .queues = 3 },
		  "cannot set MTU 70000 of tap 'vmk",
		  "a refused MTU for a tap with 3 queues" },
		{ { .queues = VM_TAPDEV_QUEUES_MAX + 1 },
		  "cannot make 257 tap queues: the kernel allows 256",
		  "too many queues" },
	};
	struct vm_tapdev tap;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vm_error err = VM_ERROR_INIT;
		struct snapshot before = snap();
		int rc = vm_tapdev_create(&tap, &bad[i].cfg, &err);

		ok(rc < 0 && err.code == VM_EXIT_INVALID &&
			   strncmp(err.msg, bad[i].msg, strlen(bad[i].msg)) == 0 && same(before) &&
			   tap.fds[0] == -1,
		   "%s is invalid input, nothing left behind: %s", bad[i].why, err.msg);
		if (rc == 0)
			vm_tapdev_close(&tap);
	}
}

static void
test_vhost(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_tapdev_config cfg = { .queues = 2 };
	struct vm_tapdev tap;
	struct snapshot before;
	int rc;

	if (vm_tapdev_create(&tap, &cfg, &err) < 0) {
		ok(0, "a tap for vhost: %s", err.msg);
		return;
	}
	before = snap();
	rc = vm_tapdev_open_vhost(&tap, &err);
	if (access("/dev/vhost-net", F_OK) < 0 && errno == ENOENT)
		ok(rc == 0 && tap.vhostfds[0] == -1 && same(before),
		   "without /dev/vhost-net, no vhost fd and no error");
	else
		ok(rc == 1 && tap.vhostfds[0] >= 0 && tap.vhostfds[1] >= 0 && tap.vhostfds[2] < 0,
		   "/dev/vhost-net is opened once a queue: %s", err.msg);
	vm_tapdev_close(&tap);
}

/* Reads OUT into BUF until it holds WANT (NULL: none), it ends, or 60 s pass. */
static int
read_until(int out, char *buf, size_t len, const char *want)
{
	size_t n = strlen(buf);
	struct pollfd p = { .fd = out, .events = POLLIN };
	ssize_t r;

	while (!(want && strstr(buf, want)) && n < len - 1 && poll(&p, 1, 60000) > 0) {
		r = read(out, buf + n, len - 1 - n);
		if (r <= 0)
			break;
		buf[n += r] = '\0';
	}
	return want && strstr(buf, want) ? 0 : -1;
}

static void
test_qemu(void)
{
	const char *qemu = getenv("QEMU") ? getenv("QEMU") : "/usr/bin/qemu-system-x86_64";
	struct vm_error err = VM_ERROR_INIT;
	struct vm_tapdev_config cfg = { .bridge = BRIDGE, .mac = guest_mac, .queues = 2 };
	struct vm_tapdev tap;
	char name[IFNAMSIZ], out[8192] = "";
	int in[2], res[2], status = -1, held;
	pid_t pid;

	if (access(qemu, X_OK) < 0) {
		printf("ok %d # SKIP no %s\n", ++tap_n, qemu);
		return;
	}
	if (vm_tapdev_create(&tap, &cfg, &err) < 0 || pipe2(in, O_CLOEXEC) < 0 ||
	    pipe2(res, O_CLOEXEC) < 0) {
		ok(0, "a tap and pipes for QEMU: %s", err.msg);
		return;
	}
	snprintf(name, sizeof(name), "%s", tap.name);
	pid = fork();
	if (pid == 0) {
		if (dup2(in[0], 0) < 0 || dup2(res[1], 1) < 0 || dup2(res[1], 2) < 0 ||
		    dup2(tap.fds[0], 3) < 0 || dup2(tap.fds[1], 4) < 0)
			_exit(127);
		execl(qemu, qemu, "-machine", "none", "-nodefaults", "-display", "none", "-monitor",
		      "stdio", "-netdev", "tap,id=n0,fds=3:4", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(res[1]);
	vm_tapdev_close(&tap);
	if (write(in[1], "info network\n", 13) != 13)
		out[0] = '\0';
	ok(read_until(res[0], out, sizeof(out), "type=tap,fd=4") == 0,
	   "QEMU takes both fds of a multiqueue tap with -netdev tap,fds=3:4");
	held = exists(name);
	ok(held, "the tap lives while QEMU holds it, after we closed ours");
	if (write(in[1], "quit\n", 5) != 5)
		kill(pid, SIGKILL);
	close(in[1]);
	read_until(res[0], out, sizeof(out), NULL);
	close(res[0]);
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0 && !exists(name),
	   "and goes when QEMU exits (status %d)", status);
	if (!held || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		printf("# QEMU said:\n# %s\n", out);
}

int
main(void)
{
	if (geteuid() != 0) {
		printf("1..0 # SKIP tap devices need root\n");
		return 0;
	}
	if (enter_namespace() < 0)
		return 0;
	test_bridged();
	test_race();
	test_race_same_name();
	test_multiqueue();
	test_open();
	test_bad_input();
	test_vhost();
	test_qemu();
	return tap_done();
}
