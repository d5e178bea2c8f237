/*
 * The baseline of bench_attach.py: the QMP commands of a vm-attach
 * hotplug or unplug of vdc on bus pci.1, sent by the least a client can
 * be. Fixed JSON built with snprintf, newline-delimited replies, event
 * lines skipped, an "error" reply fatal. libc only.
 *
 *	qmp-raw attach SOCK LEASEFILE PROTO-JSON FORMAT-JSON
 *	qmp-raw detach SOCK
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int sock;
static char buf[1 << 16];
static size_t len;
static int deleted;	/* DEVICE_DELETED of vdc was seen */

static void
die(const char *what)
{
	fprintf(stderr, "qmp-raw: %s\n", what);
	exit(1);
}

/* The next line from QEMU, NUL-terminated in place; valid until the next call. */
static char *
line(void)
{
	static size_t used;
	char *nl;
	ssize_t n;

	if (used) {
		memmove(buf, buf + used, len - used);
		len -= used;
		used = 0;
	}
	while (!(nl = memchr(buf, '\n', len))) {
		if (len == sizeof(buf) - 1)
			die("reply too long");
		n = read(sock, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			die("connection closed");
		len += n;
	}
	*nl = '\0';
	used = nl + 1 - buf;
	return buf;
}

/* Whether L is the DEVICE_DELETED event of vdc (not of its virtio backend). */
static int
is_deleted(const char *l)
{
	return strstr(l, "\"DEVICE_DELETED\"") && strstr(l, "\"device\": \"vdc\"");
}

/* The next line that is not an event. */
static char *
reply(void)
{
	for (;;) {
		char *l = line();

		if (!strstr(l, "\"event\"")) {
			if (strstr(l, "\"error\""))
				die(l);
			return l;
		}
		deleted |= is_deleted(l);
	}
}

/* Sends the JSON of FMT (with FD over SCM_RIGHTS when >= 0) and waits for its reply. */
static void
cmd(int fd, const char *fmt, const char *arg)
{
	char msg[4096];
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} c;
	struct iovec iov = { msg, 0 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	iov.iov_len = snprintf(msg, sizeof(msg), fmt, arg);
	if (iov.iov_len >= sizeof(msg))
		die("command too long");
	if (fd >= 0) {
		memset(&c, 0, sizeof(c));
		mh.msg_control = c.b;
		mh.msg_controllen = sizeof(c.b);
		c.h.cmsg_level = SOL_SOCKET;
		c.h.cmsg_type = SCM_RIGHTS;
		c.h.cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(&c.h), &fd, sizeof(int));
	}
	if (sendmsg(sock, &mh, MSG_NOSIGNAL) != (ssize_t)iov.iov_len)
		die("cannot send");
	reply();
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int attach = argc == 6 && strcmp(argv[1], "attach") == 0;

	if (!attach && !(argc == 3 && strcmp(argv[1], "detach") == 0))
		die("usage: qmp-raw attach SOCK LEASEFILE PROTO-JSON FORMAT-JSON | qmp-raw detach SOCK");
	if (strlen(argv[2]) >= sizeof(sa.sun_path))
		die("socket path too long");
	strcpy(sa.sun_path, argv[2]);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("cannot connect");
	line();	/* greeting */
	cmd(-1, "{\"execute\":\"qmp_capabilities\"}", NULL);
	if (attach) {
		int fd = open(argv[3], O_RDWR | O_CLOEXEC);

		if (fd < 0)
			die("cannot open the lease file");
		cmd(fd, "{\"execute\":\"getfd\",\"arguments\":{\"fdname\":\"lease-vdc\"}}", NULL);
		close(fd);
		/* the node JSON that vm-start --print-argv gives for the same disk */
		cmd(-1, "{\"execute\":\"blockdev-add\",\"arguments\":%s}", argv[4]);
		cmd(-1, "{\"execute\":\"blockdev-add\",\"arguments\":%s}", argv[5]);
		cmd(-1, "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"virtio-blk-pci\","
		    "\"drive\":\"drive-vdc\",\"id\":\"vdc\",\"bus\":\"pci.1\",\"write-cache\":\"on\"}}",
		    NULL);
	} else {
		cmd(-1, "{\"execute\":\"device_del\",\"arguments\":{\"id\":\"vdc\"}}", NULL);
		while (!deleted)
			deleted = is_deleted(line());
		cmd(-1, "{\"execute\":\"blockdev-del\",\"arguments\":{\"node-name\":\"drive-vdc\"}}", NULL);
		cmd(-1, "{\"execute\":\"blockdev-del\",\"arguments\":{\"node-name\":\"file-vdc\"}}", NULL);
		cmd(-1, "{\"execute\":\"closefd\",\"arguments\":{\"fdname\":\"lease-vdc\"}}", NULL);
	}
	return 0;
}
