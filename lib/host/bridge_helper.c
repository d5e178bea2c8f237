#include "bridge_helper.h"
#include "cleanup.h"
#include "exitcodes.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

/* The helper's fd number for its end of the socket pair. */
#define HELPER_FD 3
/* What of the helper's stderr goes into a message. */
#define MESSAGE_MAX 512

#define WHAT_TO_DO                                                                                 \
	"as root, make it setuid (dpkg-statoverride --update --add root root 4755 %s) and "        \
	"allow the bridge in /etc/qemu/bridge.conf, point bridge_helper in vmkit.conf at one "     \
	"that is, or run the domain as root"

int
vm_bridge_helper_check(const char *helper, struct vm_error *err)
{
	struct statvfs fs;
	struct stat st;

	if (stat(helper, &st) < 0)
		return vm_error_sys(err, errno == ENOENT ? VM_EXIT_INVALID : VM_EXIT_SYSTEM, errno,
				    "session mode makes taps with bridge_helper '%s' (vmkit.conf), and cannot use it",
				    helper);
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || !(st.st_mode & S_ISUID))
		return vm_error_set(err, VM_EXIT_INVALID,
				    "session mode makes taps with bridge_helper '%s' (vmkit.conf), and it is not setuid root: " WHAT_TO_DO,
				    helper, helper);
	if (statvfs(helper, &fs) == 0 && (fs.f_flag & ST_NOSUID))
		return vm_error_set(err, VM_EXIT_INVALID,
				    "session mode makes taps with bridge_helper '%s' (vmkit.conf), and its file system is mounted nosuid",
				    helper);
	if (access(helper, X_OK) < 0)
		return vm_error_sys(err, VM_EXIT_INVALID, errno,
				    "session mode makes taps with bridge_helper '%s' (vmkit.conf), and this user cannot run it",
				    helper);
	return 0;
}

/*
 * The child: SOCK as fd 3, ERRFD as stderr, /dev/null for the rest, no
 * other fd and no environment. Both are first moved above the numbers
 * they go to, so that no dup2() overwrites the other.
 */
static void __attribute__((noreturn))
exec_helper(const char *helper, const char *bridge, int sock, int errfd)
{
	char br[sizeof("--br=") + IFNAMSIZ], fdarg[32];
	char *argv[] = { (char *)helper, "--use-vnet", br, fdarg, NULL };
	char *envp[] = { NULL };
	int s = fcntl(sock, F_DUPFD, 10), e = fcntl(errfd, F_DUPFD, 10);
	int null = open("/dev/null", O_RDWR);
	sigset_t none;

	sigemptyset(&none);
	snprintf(br, sizeof(br), "--br=%s", bridge);
	snprintf(fdarg, sizeof(fdarg), "--fd=%d", HELPER_FD);
	if (s < 0 || e < 0 || null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
	    dup2(e, 2) < 0 || dup2(s, HELPER_FD) < 0)
		_exit(127);
	close_range(HELPER_FD + 1, ~0U, 0);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(helper, argv, envp);
	dprintf(2, "cannot run it: %s", strerror(errno));
	_exit(127);
}

/* What the helper said, on one line, into BUF; it has exited when this returns. */
static void
read_message(int fd, char *buf, size_t size)
{
	char sink[256];
	size_t len = 0;
	ssize_t n;

	while ((n = read(fd, len < size - 1 ? buf + len : sink,
			 len < size - 1 ? size - 1 - len : sizeof(sink))) != 0) {
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && len < size - 1)
			len += n;
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		len--;
	buf[len] = '\0';
	for (char *p = buf; *p; p++)
		if (*p == '\n')
			*p = ' ';
}

/* The fd sent over SOCK, or -1 when none came. */
static int
receive_fd(int sock)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) <= 0)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	return fd;
}

/* Runs the helper and waits for it: its exit status, or -1 with ERR set. */
static int
run(const char *helper, const char *bridge, int sock, char *message, struct vm_error *err)
{
	int pipefd[2], status;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot make a pipe");
	pid = fork();
	if (pid == 0)
		exec_helper(helper, bridge, sock, pipefd[1]);
	close(pipefd[1]);
	if (pid < 0) {
		close(pipefd[0]);
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot run bridge_helper '%s'",
				    helper);
	}
	read_message(pipefd[0], message, MESSAGE_MAX);
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return vm_error_sys(err, VM_EXIT_SYSTEM, errno,
					    "cannot wait for bridge_helper '%s'", helper);
	return status;
}

int
vm_bridge_helper_make(const char *helper, const char *bridge, struct vm_tapdev *tap,
		      struct vm_error *err)
{
	char message[MESSAGE_MAX] = "";
	struct ifreq ifr = { 0 };
	int pair[2], status;

	vm_tapdev_init(tap);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot make a socket pair");
	status = run(helper, bridge, pair[1], message, err);
	close(pair[1]);
	if (status == 0)
		tap->fds[0] = receive_fd(pair[0]);
	close(pair[0]);
	if (status < 0)
		return -1;
	if (status != 0)
		return vm_error_set(err, VM_EXIT_INVALID,
				    "bridge_helper '%s' made no tap on bridge '%s' (%s %d): %s",
				    helper, bridge, WIFEXITED(status) ? "exit" : "signal",
				    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
				    *message ? message : "it said nothing");
	if (tap->fds[0] < 0)
		return vm_error_set(err, VM_EXIT_SYSTEM,
				    "bridge_helper '%s' sent no tap for bridge '%s'", helper,
				    bridge);
	tap->queues = 1;
	/* TUNGETIFF needs no privilege: the name the kernel gave the helper's tap */
	if (ioctl(tap->fds[0], TUNGETIFF, &ifr) < 0) {
		vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot read the name of the tap on '%s'",
			     bridge);
		vm_tapdev_close(tap);
		return -1;
	}
	snprintf(tap->name, sizeof(tap->name), "%s", ifr.ifr_name);
	return 0;
}
