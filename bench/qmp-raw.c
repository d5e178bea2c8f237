/*
 * The baseline of bench_attach.py: the QMP commands of a vm-attach
 * hotplug or unplug of vdc on bus pci.1, sent by the least a client can
 * be. Fixed JSON built with snprintf, newline-delimited replies, event
 * lines skipped, an "error" reply fatal. libc only.
 *
 *	qmp-raw attach SOCK LEASEFILE PROTO-JSON FORMAT-JSON
 *	qmp-raw detach SOCK
 *
 * And the baseline of bench.py's vm-start rows: QEMU exec'd as USER
 * with ARGV (vm-start --print-argv's words, its "<monitor>" replaced by
 * a listening socket made here, as vm-start makes one), then
 * capabilities and "cont"; prints QEMU's pid once it runs.
 *
 *	qmp-raw start SOCK USER ARGV...
 */
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int sock;
static char buf[1 << 16];
static size_t len;
static int deleted; /* DEVICE_DELETED of vdc was seen */

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

/* Forks QEMU as USER with ARGV, its monitor listening on SA; returns its pid. */
static pid_t
start(const struct sockaddr_un *sa, const char *user, char **argv)
{
	struct passwd *pw = getpwnam(user);
	char fdarg[64];
	int mon = socket(AF_UNIX, SOCK_STREAM, 0);
	pid_t pid;

	unlink(sa->sun_path);
	if (!pw || mon < 0 || bind(mon, (const struct sockaddr *)sa, sizeof(*sa)) < 0 ||
	    listen(mon, 8) < 0)
		die("cannot make the monitor socket");
	for (char **w = argv; *w; w++) {
		char *at = strstr(*w, "<monitor>");

		if (at) {
			snprintf(fdarg, sizeof(fdarg), "%.*s%d%s", (int)(at - *w), *w, mon,
				 at + strlen("<monitor>"));
			*w = fdarg;
		}
	}
	pid = fork();
	if (pid < 0)
		die("cannot fork");
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0 ||
		    setsid() < 0 || initgroups(user, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
		    setuid(pw->pw_uid) < 0)
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	close(mon);
	return pid;
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int attach = argc == 6 && strcmp(argv[1], "attach") == 0;
	int boot = argc > 4 && strcmp(argv[1], "start") == 0;
	pid_t pid = 0;

	if (!attach && !boot && !(argc == 3 && strcmp(argv[1], "detach") == 0))
		die("usage: qmp-raw attach SOCK LEASEFILE PROTO-JSON FORMAT-JSON | qmp-raw detach SOCK"
		    " | qmp-raw start SOCK USER ARGV...");
	if (strlen(argv[2]) >= sizeof(sa.sun_path))
		die("socket path too long");
	strcpy(sa.sun_path, argv[2]);
	if (boot)
		pid = start(&sa, argv[3], argv + 4);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("cannot connect");
	line(); /* greeting */
	cmd(-1, "{\"execute\":\"qmp_capabilities\"}", NULL);
	if (boot) {
		cmd(-1, "{\"execute\":\"cont\"}", NULL);
		printf("%d\n", (int)pid);
	} else if (attach) {
		int fd = open(argv[3], O_RDWR | O_CLOEXEC);

		if (fd < 0)
			die("cannot open the lease file");
		cmd(fd, "{\"execute\":\"getfd\",\"arguments\":{\"fdname\":\"lease-vdc\"}}", NULL);
		close(fd);
		/* the node JSON that vm-start --print-argv gives for the same disk */
		cmd(-1, "{\"execute\":\"blockdev-add\",\"arguments\":%s}", argv[4]);
		cmd(-1, "{\"execute\":\"blockdev-add\",\"arguments\":%s}", argv[5]);
		cmd(-1,
		    "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"virtio-blk-pci\","
		    "\"drive\":\"drive-vdc\",\"id\":\"vdc\",\"bus\":\"pci.1\",\"write-cache\":\"on\"}}",
		    NULL);
	} else {
		cmd(-1, "{\"execute\":\"device_del\",\"arguments\":{\"id\":\"vdc\"}}", NULL);
		while (!deleted)
			deleted = is_deleted(line());
		cmd(-1,
		    "{\"execute\":\"blockdev-del\",\"arguments\":{\"node-name\":\"drive-vdc\"}}",
		    NULL);
		cmd(-1, "{\"execute\":\"blockdev-del\",\"arguments\":{\"node-name\":\"file-vdc\"}}",
		    NULL);
		cmd(-1, "{\"execute\":\"closefd\",\"arguments\":{\"fdname\":\"lease-vdc\"}}", NULL);
	}
	return 0;
}
