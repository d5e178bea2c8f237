#include "tapdev.h"
#include "cleanup.h"
#include "exitcodes.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/if_ether.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define TUN_PATH "/dev/net/tun"
#define VHOST_PATH "/dev/vhost-net"
#define TAP_FLAGS (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR)

static const char *const reserved_prefixes[] = { "vnet", "vmk" };

bool
vm_tapdev_name_reserved(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(reserved_prefixes) / sizeof(reserved_prefixes[0]); i++)
		if (strncmp(name, reserved_prefixes[i], strlen(reserved_prefixes[i])) == 0)
			return true;
	return false;
}

/* What dev_valid_name() refuses, and what would be rewritten on the way. */
static int
check_name(const char *what, const char *name, struct vm_error *err)
{
	const char *p;

	if (!*name || strlen(name) >= IFNAMSIZ)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "invalid %s name '%s': it must have 1 to %d characters", what,
				    name, IFNAMSIZ - 1);
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return vm_error_set(err, VM_EXIT_INVALID, "invalid %s name '%s'", what, name);
	for (p = name; *p; p++)
		if (*p <= ' ' || *p > '~' || strchr("/:%,", *p))
			return vm_error_set(err, VM_EXIT_INVALID,
					    "invalid %s name '%s': it has a character that is not printable ASCII, or is a space, '/', ':', '%%' or ','",
					    what, name);
	return 0;
}

void
vm_tapdev_init(struct vm_tapdev *tap)
{
	unsigned int i;

	memset(tap->name, 0, sizeof(tap->name));
	tap->queues = 0;
	for (i = 0; i < VM_TAPDEV_QUEUES_MAX; i++)
		tap->fds[i] = tap->vhostfds[i] = -1;
}

void
vm_tapdev_close(struct vm_tapdev *tap)
{
	unsigned int i;

	for (i = 0; i < VM_TAPDEV_QUEUES_MAX; i++) {
		if (tap->fds[i] >= 0)
			close(tap->fds[i]);
		if (tap->vhostfds[i] >= 0)
			close(tap->vhostfds[i]);
		tap->fds[i] = tap->vhostfds[i] = -1;
	}
	tap->queues = 0;
}

static unsigned int
queue_count(unsigned int queues, struct vm_error *err)
{
	if (queues > VM_TAPDEV_QUEUES_MAX) {
		vm_error_set(err, VM_EXIT_INVALID,
			     "cannot make %u tap queues: the kernel allows %d", queues,
			     VM_TAPDEV_QUEUES_MAX);
		return 0;
	}
	return queues ? queues : 1;
}

/* One fd attached to the tap NAME (or made from it) with FLAGS. */
static int
attach(const char *name, short flags, char *got, int *errnum)
{
	struct ifreq ifr = { .ifr_flags = flags };
	cleanup_close int fd = open(TUN_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		*errnum = errno;
		return -1;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		*errnum = errno;
		return -1;
	}
	if (got)
		snprintf(got, IFNAMSIZ, "%s", ifr.ifr_name);
	return steal_fd(fd);
}

/* The other queues of TAP, whose first fd is open; on failure, all closed. */
static int
attach_queues(struct vm_tapdev *tap, unsigned int queues, struct vm_error *err)
{
	int errnum = 0;

	for (tap->queues = 1; tap->queues < queues; tap->queues++) {
		tap->fds[tap->queues] =
			attach(tap->name, TAP_FLAGS | IFF_MULTI_QUEUE, NULL, &errnum);
		if (tap->fds[tap->queues] < 0) {
			vm_error_sys(err, VM_EXIT_SYSTEM, errnum,
				     "cannot attach queue %u of tap '%s'", tap->queues, tap->name);
			vm_tapdev_close(tap);
			return -1;
		}
	}
	return 0;
}

static int
ifreq_ioctl(int sock, unsigned long req, struct ifreq *ifr, const char *name)
{
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", name);
	return ioctl(sock, req, ifr);
}

/* EINVAL and ERANGE are the kernel saying the value is out of its range. */
static int
bad_value(int errnum)
{
	return errnum == EINVAL || errnum == ERANGE ? VM_EXIT_INVALID : VM_EXIT_SYSTEM;
}

/*
 * Whether NAME's driver is DRIVER on BUS (NULL: any), as ethtool names
 * them: "bridge", or "tun" on "tap" for a tap. One ioctl, that needs no
 * privilege nor a sysfs of the right network namespace; a device with
 * no driver information (lo) is neither.
 */
static int
driver_is(int sock, const char *name, const char *driver, const char *bus)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { .ifr_data = (void *)&info };

	if (ifreq_ioctl(sock, SIOCETHTOOL, &ifr, name) < 0)
		return errno == EOPNOTSUPP ? 0 : -1;
	return strcmp(info.driver, driver) == 0 && (!bus || strcmp(info.bus_info, bus) == 0);
}

/* BRIDGE is one, and *MTU its MTU if not set already. */
static int
check_bridge(int sock, const char *bridge, unsigned int *mtu, struct vm_error *err)
{
	struct ifreq ifr = { 0 };
	int is = driver_is(sock, bridge, "bridge", NULL);

	if (is < 0 && errno == ENODEV)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "cannot add a tap to bridge '%s': it does not exist", bridge);
	if (is < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot query bridge '%s'", bridge);
	if (!is)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "cannot add a tap to '%s': it is not a bridge", bridge);
	if (*mtu)
		return 0;
	if (ifreq_ioctl(sock, SIOCGIFMTU, &ifr, bridge) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno,
				    "cannot read the MTU of bridge '%s'", bridge);
	*mtu = ifr.ifr_mtu;
	return 0;
}

static int
configure(int sock, const struct vm_tapdev *tap, const struct vm_tapdev_config *cfg,
	  unsigned int mtu, struct vm_error *err)
{
	struct ifreq ifr = { 0 };
	char text[VM_MAC_STRLEN];

	if (cfg->mac) {
		ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
		vm_mac_host(cfg->mac, (unsigned char *)ifr.ifr_hwaddr.sa_data);
		if (ifreq_ioctl(sock, SIOCSIFHWADDR, &ifr, tap->name) < 0) {
			vm_mac_format((unsigned char *)ifr.ifr_hwaddr.sa_data, text);
			return vm_error_sys(err, VM_EXIT_SYSTEM, errno,
					    "cannot set MAC address %s of tap '%s'", text,
					    tap->name);
		}
	}
	/* a new tap has Ethernet's MTU: setting it again would be a wasted ioctl */
	if (mtu && mtu != ETH_DATA_LEN) {
		ifr.ifr_mtu = mtu;
		if (ifreq_ioctl(sock, SIOCSIFMTU, &ifr, tap->name) < 0)
			return vm_error_sys(err, bad_value(errno), errno,
					    "cannot set MTU %u of tap '%s'", mtu, tap->name);
	}
	if (cfg->bridge) {
		if (ifreq_ioctl(sock, SIOCGIFINDEX, &ifr, tap->name) < 0)
			return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot find tap '%s'",
					    tap->name);
		if (ifreq_ioctl(sock, SIOCBRADDIF, &ifr, cfg->bridge) < 0)
			return vm_error_sys(err, VM_EXIT_SYSTEM, errno,
					    "cannot add tap '%s' to bridge '%s'", tap->name,
					    cfg->bridge);
	}
	if (ifreq_ioctl(sock, SIOCGIFFLAGS, &ifr, tap->name) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot read the flags of tap '%s'",
				    tap->name);
	ifr.ifr_flags |= IFF_UP;
	if (ifreq_ioctl(sock, SIOCSIFFLAGS, &ifr, tap->name) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot bring up tap '%s'",
				    tap->name);
	return 0;
}

int
vm_tapdev_create(struct vm_tapdev *tap, const struct vm_tapdev_config *cfg, struct vm_error *err)
{
	cleanup_close int sock = -1;
	unsigned int queues, mtu = cfg->mtu;
	short flags = TAP_FLAGS;
	int errnum = 0;

	vm_tapdev_init(tap);
	if (!(queues = queue_count(cfg->queues, err)))
		return -1;
	if (cfg->name) {
		if (check_name("tap", cfg->name, err) < 0)
			return -1;
		if (vm_tapdev_name_reserved(cfg->name))
			return vm_error_set(err, VM_EXIT_INVALID,
					    "invalid tap name '%s': names starting with 'vnet' or 'vmk' are left for the kernel to choose",
					    cfg->name);
		flags |= IFF_TUN_EXCL;
	}
	if (cfg->bridge && check_name("bridge", cfg->bridge, err) < 0)
		return -1;
	if (cfg->mac && vm_mac_check(cfg->mac, err) < 0)
		return -1;
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot open a socket");
	if (cfg->bridge && check_bridge(sock, cfg->bridge, &mtu, err) < 0)
		return -1;
	if (queues > 1)
		flags |= IFF_MULTI_QUEUE;

	tap->fds[0] = attach(cfg->name ? cfg->name : "vmk%d", flags, tap->name, &errnum);
	if (tap->fds[0] < 0) {
		if (errnum == EBUSY && cfg->name)
			return vm_error_set(err, VM_EXIT_INVALID,
					    "cannot create tap '%s': a network interface of that name exists",
					    cfg->name);
		return vm_error_sys(err, VM_EXIT_SYSTEM, errnum, "cannot create tap '%s'",
				    cfg->name ? cfg->name : "vmk%d");
	}
	if (attach_queues(tap, queues, err) < 0)
		return -1;
	if (configure(sock, tap, cfg, mtu, err) < 0) {
		vm_tapdev_close(tap);
		return -1;
	}
	return 0;
}

int
vm_tapdev_open(struct vm_tapdev *tap, const char *name, unsigned int queues, struct vm_error *err)
{
	cleanup_close int sock = -1;
	struct ifreq ifr = { 0 };
	short flags = TAP_FLAGS;
	int errnum = 0, ifindex, is;

	vm_tapdev_init(tap);
	if (!(queues = queue_count(queues, err)) || check_name("tap", name, err) < 0)
		return -1;
	if (queues > 1)
		flags |= IFF_MULTI_QUEUE;
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot open a socket");
	/* TUNSETIFF makes a tap of a name that does not exist: look first. */
	if (ifreq_ioctl(sock, SIOCGIFINDEX, &ifr, name) < 0)
		return vm_error_sys(err, errno == ENODEV ? VM_EXIT_INVALID : VM_EXIT_SYSTEM, errno,
				    "cannot open tap '%s'", name);
	ifindex = ifr.ifr_ifindex;
	is = driver_is(sock, name, "tun", "tap");
	if (is < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot query tap '%s'", name);
	if (!is)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "cannot open tap '%s': it is not a tap device", name);
	snprintf(tap->name, sizeof(tap->name), "%s", name);
	tap->fds[0] = attach(name, flags, NULL, &errnum);
	if (tap->fds[0] < 0) {
		/* The one check left that gives EINVAL: IFF_MULTI_QUEUE must match. */
		if (errnum == EINVAL && queues > 1)
			return vm_error_set(err, VM_EXIT_INVALID,
					    "cannot open tap '%s' with %u queues: it is not multiqueue",
					    name, queues);
		if (errnum == EINVAL)
			return vm_error_set(err, VM_EXIT_INVALID,
					    "cannot open tap '%s' with one queue: it is multiqueue",
					    name);
		return vm_error_sys(err, VM_EXIT_SYSTEM, errnum, "cannot open tap '%s'", name);
	}
	/* Gone in between, and made anew by TUNSETIFF: not the one asked for. */
	if (ifreq_ioctl(sock, SIOCGIFINDEX, &ifr, name) < 0 || ifr.ifr_ifindex != ifindex) {
		vm_tapdev_close(tap);
		return vm_error_set(err, VM_EXIT_INVALID, "cannot open tap '%s': it was removed",
				    name);
	}
	return attach_queues(tap, queues, err);
}

bool
vm_tapdev_vhost_present(void)
{
	return access(VHOST_PATH, F_OK) == 0;
}

int
vm_tapdev_open_vhost(struct vm_tapdev *tap, struct vm_error *err)
{
	unsigned int i;

	for (i = 0; i < tap->queues; i++) {
		tap->vhostfds[i] = open(VHOST_PATH, O_RDWR | O_CLOEXEC);
		if (tap->vhostfds[i] >= 0)
			continue;
		/* a user's session may find it private to root, as for having none */
		if (i == 0 && (errno == ENOENT || errno == EACCES))
			return 0;
		vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot open '%s'", VHOST_PATH);
		while (i-- > 0) {
			close(tap->vhostfds[i]);
			tap->vhostfds[i] = -1;
		}
		return -1;
	}
	return 1;
}
