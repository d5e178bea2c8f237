/*
 * QMP client tests. A fake peer in a forked child stands in for QEMU
 * only for faults QEMU cannot produce on demand (garbage, split writes,
 * interleaved events, stale replies, hangs, hang-ups, fd checks); the
 * normal path runs against real QEMU when it is installed.
 */
#include "qmp.h"
#include "clock.h"
#include "exitcodes.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#define QEMU "/usr/bin/qemu-system-x86_64"
#define GREETING "{\"QMP\": {\"version\": {}, \"capabilities\": [\"oob\"]}}\r\n"

static char tmpdir[] = "/tmp/test-qmp.XXXXXX";

/* ---- the fake peer (runs in the child; reports by exit status) ---- */

static void
peer_send(int fd, const char *s)
{
	size_t len = strlen(s);

	while (len > 0) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

		if (n < 0)
			_exit(90);
		s += n;
		len -= n;
	}
}

/*
 * Reads one command line a byte at a time, so that any fd passed with it
 * is seen together with the byte it came with. *PASSED gets the fd and
 * *AT the offset of the byte that carried it.
 */
static json_object *
peer_read(int fd, int *passed, int *at)
{
	char line[65536];
	size_t n = 0;

	if (passed)
		*passed = -1;
	while (n < sizeof(line) - 1) {
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = { .iov_base = line + n, .iov_len = 1 };
		struct msghdr mh = { .msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = ctl.buf,
				     .msg_controllen = sizeof(ctl.buf) };
		struct cmsghdr *c;

		if (recvmsg(fd, &mh, 0) != 1)
			_exit(91);
		c = CMSG_FIRSTHDR(&mh);
		if (c && c->cmsg_type == SCM_RIGHTS && passed) {
			memcpy(passed, CMSG_DATA(c), sizeof(int));
			*at = n;
		}
		if (line[n++] == '\n')
			break;
	}
	line[n] = '\0';
	/* every byte costs QEMU: no "\/" escapes */
	if (strstr(line, "\\/"))
		_exit(97);
	return json_tokener_parse(line);
}

/*
 * Checks a request: command CMD, and no "id" (replies come in order, and
 * QEMU answers a request without one with a reply without one).
 */
static void
peer_check(json_object *req, const char *cmd)
{
	json_object *v;

	if (!req || !json_object_object_get_ex(req, "execute", &v) ||
	    strcmp(json_object_get_string(v), cmd) != 0)
		_exit(92);
	if (json_object_object_get_ex(req, "id", NULL))
		_exit(98);
}

/* Reads a command named CMD (see peer_check()). */
static void
peer_expect(int fd, const char *cmd)
{
	json_object *req = peer_read(fd, NULL, NULL);

	peer_check(req, cmd);
	json_object_put(req);
}

/* Waits for the client to hang up, so that its checks end first. */
static void
peer_drain(int fd)
{
	char buf[4096];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

/* Replies RET to the command just read, with no "id" as QEMU does. */
static void
peer_reply(int fd, const char *ret)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "{\"return\": %s}\r\n", ret);
	peer_send(fd, buf);
}

static void
peer_handshake(int fd)
{
	peer_send(fd, GREETING);
	peer_expect(fd, "qmp_capabilities");
	peer_reply(fd, "{}");
}

static pid_t
peer_start(void (*fn)(int), int *fd)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	pid = fork();
	if (pid < 0)
		abort();
	if (pid == 0) {
		close(sv[0]);
		fn(sv[1]);
		_exit(0);
	}
	close(sv[1]);
	*fd = sv[0];
	return pid;
}

static int
peer_status(pid_t pid)
{
	int st;

	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Opens a client on a fresh fake peer running FN. */
static struct vm_qmp *
client(void (*fn)(int), pid_t *pid)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_qmp *qmp = NULL;
	int fd;

	*pid = peer_start(fn, &fd);
	if (vm_qmp_open_fd(fd, 5000, &qmp, &err) < 0) {
		printf("# open: %s\n", err.msg);
		return NULL;
	}
	return qmp;
}

static bool
starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---- vm_qmp_parse_message ---- */

static void
test_parse(void)
{
	static const char *bad[] = {
		"", "{", "[1]", "\"x\"", "{}x", "{}{}", "{\"a\":1,}", "garbage", "{\"a\":\"\xff\"}",
	};
	struct vm_error err = VM_ERROR_INIT;
	json_object *o;

	o = vm_qmp_parse_message("{\"return\": {}, \"id\": \"x\"}\r\n", 27, &err);
	ok(o && json_object_object_get_ex(o, "return", NULL), "parse: a reply with \\r\\n parses");
	json_object_put(o);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		vm_error_clear(&err);
		o = vm_qmp_parse_message(bad[i], strlen(bad[i]), &err);
		ok(!o && err.code == VM_EXIT_SYSTEM && starts(err.msg, "invalid qmp message"),
		   "parse: rejects '%s' (%s)", bad[i], err.msg);
	}
	vm_error_clear(&err);
	o = vm_qmp_parse_message("{}\0{}", 5, &err);
	ok(!o && starts(err.msg, "invalid qmp message"), "parse: rejects an embedded NUL");
	o = vm_qmp_parse_message("{\"a\"", 4, NULL);
	ok(!o, "parse: a NULL error object is allowed");
}

/* ---- faults ---- */

static void
peer_split(int fd)
{
	const char *buf = "\r\n{\"return\": {\"status\": \"running\", \"running\": true}}\r\n";

	peer_handshake(fd);
	peer_expect(fd, "query-status");
	for (size_t i = 0; buf[i]; i++) {
		char c[2] = { buf[i], 0 };

		peer_send(fd, c);
		if (i % 7 == 0)
			usleep(1000);
	}
}

static void
test_split(void)
{
	struct vm_error err = VM_ERROR_INIT;
	json_object *ret = NULL, *v;
	pid_t pid;
	struct vm_qmp *qmp = client(peer_split, &pid);
	int r = qmp ? vm_qmp_command(qmp, "query-status", NULL, 5000, &ret, &err) : -1;

	ok(r == 0 && json_object_object_get_ex(ret, "status", &v) &&
		   strcmp(json_object_get_string(v), "running") == 0,
	   "a reply split across many writes and a blank line is read whole (%s)", err.msg);
	json_object_put(ret);
	vm_qmp_close(qmp);
	ok(peer_status(pid) == 0, "split: the peer saw the commands it expected");
}

static void
peer_big(int fd)
{
	size_t n = 3 << 20;
	char *buf = malloc(n + 128);
	int len;

	peer_handshake(fd);
	peer_expect(fd, "query-qmp-schema");
	len = snprintf(buf, 128, "{\"return\": [\"");
	memset(buf + len, 'x', n);
	strcpy(buf + len + n, "\"]}\n");
	peer_send(fd, buf);
}

static void
test_big(void)
{
	struct vm_error err = VM_ERROR_INIT;
	json_object *ret = NULL;
	pid_t pid;
	struct vm_qmp *qmp = client(peer_big, &pid);
	int r = qmp ? vm_qmp_command(qmp, "query-qmp-schema", NULL, 5000, &ret, &err) : -1;

	ok(r == 0 && json_object_array_length(ret) == 1 &&
		   json_object_get_string_len(json_object_array_get_idx(ret, 0)) == 3 << 20,
	   "a 3 MiB reply is read whole (%s)", err.msg);
	json_object_put(ret);
	vm_qmp_close(qmp);
	peer_status(pid);
}

static void
peer_events(int fd)
{
	peer_handshake(fd);
	peer_expect(fd, "device_del");
	peer_send(fd, "{\"event\": \"DEVICE_DELETED\", \"data\": {\"device\": \"vdb\"}, "
		      "\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}}\r\n"
		      "{\"event\": \"DEVICE_DELETED\", \"data\": {\"device\": \"vdc\"}}\r\n"
		      "{\"event\": \"RESUME\"}\r\n");
	peer_reply(fd, "{}");
	peer_send(fd, "{\"event\": \"STOP\"}\r\n");
	peer_drain(fd);
}

static void
test_events(void)
{
	struct vm_error err = VM_ERROR_INIT;
	json_object *data = NULL, *v;
	pid_t pid;
	struct vm_qmp *qmp = client(peer_events, &pid);
	long long t0;
	int r;

	r = qmp ? vm_qmp_command(qmp, "device_del", NULL, 5000, NULL, &err) : -1;
	ok(r == 0, "events before the reply do not hide it (%s)", err.msg);
	r = vm_qmp_wait_event(qmp, "DEVICE_DELETED", "device", "vdc", 0, &data, &err);
	ok(r == 0 && json_object_object_get_ex(data, "device", &v) &&
		   strcmp(json_object_get_string(v), "vdc") == 0,
	   "a queued event is found by its data, skipping an earlier one (%s)", err.msg);
	json_object_put(data);
	r = vm_qmp_wait_event(qmp, "DEVICE_DELETED", NULL, NULL, 0, &data, &err);
	ok(r == 0 && json_object_object_get_ex(data, "device", &v) &&
		   strcmp(json_object_get_string(v), "vdb") == 0,
	   "the other queued event is still there");
	json_object_put(data);
	r = vm_qmp_wait_event(qmp, "RESUME", NULL, NULL, 0, &data, &err);
	ok(r == 0 && data == NULL, "an event without data gives NULL data");
	r = vm_qmp_wait_event(qmp, "STOP", NULL, NULL, 5000, NULL, &err);
	ok(r == 0, "an event after the reply is read from the socket (%s)", err.msg);
	t0 = vm_now_ms();
	r = vm_qmp_wait_event(qmp, "DEVICE_DELETED", "device", "vdb", 200, NULL, &err);
	ok(r < 0 && err.code == VM_EXIT_NO && vm_now_ms() - t0 >= 200 &&
		   strcmp(err.msg, "timed out waiting for qemu event 'DEVICE_DELETED'") == 0,
	   "a consumed event is gone: waiting for it times out with exit 1 (%s)", err.msg);
	vm_qmp_close(qmp);
	peer_status(pid);
}

static void
peer_stale(int fd)
{
	char c;

	peer_handshake(fd);
	peer_expect(fd, "query-status");
	/* no reply: the client gives up, and must send nothing more */
	_exit(read(fd, &c, 1) == 0 ? 0 : 93);
}

static void
test_stale(void)
{
	struct vm_error err = VM_ERROR_INIT;
	pid_t pid;
	struct vm_qmp *qmp = client(peer_stale, &pid);
	int r;

	r = qmp ? vm_qmp_command(qmp, "query-status", NULL, 100, NULL, &err) : 0;
	ok(r < 0 && err.code == VM_EXIT_SYSTEM &&
		   strcmp(err.msg, "timed out waiting for qemu to answer 'query-status'") == 0,
	   "a command times out with exit 4 (%s)", err.msg);
	vm_error_clear(&err);
	r = vm_qmp_command(qmp, "query-name", NULL, 5000, NULL, &err);
	ok(r < 0 && err.code == VM_EXIT_SYSTEM &&
		   strcmp(err.msg,
			  "cannot send 'query-name' to qemu: an earlier command timed out") == 0,
	   "after a timeout no command is sent, so a late reply cannot pass for its own (%s)",
	   err.msg);
	vm_qmp_close(qmp);
	ok(peer_status(pid) == 0, "the peer saw nothing after the timed-out command");
}

static void
peer_error(int fd)
{
	peer_handshake(fd);
	peer_expect(fd, "device_del");
	peer_send(fd, "{\"error\": {\"class\": \"DeviceNotFound\", "
		      "\"desc\": \"Device 'vdz' not found\"}}\r\n");
	peer_expect(fd, "query-status");
	peer_reply(fd, "{}");
	peer_drain(fd);
}

static void
test_error(void)
{
	struct vm_error err = VM_ERROR_INIT;
	json_object *args = json_object_new_object();
	json_object *ret = (json_object *)&err; /* must be reset */
	pid_t pid;
	struct vm_qmp *qmp = client(peer_error, &pid);
	int r;

	json_object_object_add(args, "id", json_object_new_string("vdz"));
	r = qmp ? vm_qmp_command(qmp, "device_del", args, 5000, &ret, &err) : 0;
	ok(r < 0 && err.code == VM_EXIT_SYSTEM && ret == NULL &&
		   strcmp(err.msg,
			  "'device_del' failed: qemu: DeviceNotFound: Device 'vdz' not found") == 0,
	   "an error reply is exit 4 naming the command, class and desc (%s)", err.msg);
	ok(json_object_get_string(json_object_object_get(args, "id")) != NULL,
	   "the arguments stay the caller's");
	json_object_put(args);
	ok(vm_qmp_command(qmp, "query-status", NULL, 5000, NULL, &err) == 0,
	   "the connection is still usable after an error reply");
	vm_qmp_close(qmp);
	peer_status(pid);
}

static void
peer_garbage(int fd)
{
	peer_handshake(fd);
	peer_expect(fd, "query-status");
	peer_send(fd, "Segmentation fault\r\n");
	peer_drain(fd);
}

static void
test_garbage(void)
{
	struct vm_error err = VM_ERROR_INIT;
	pid_t pid;
	struct vm_qmp *qmp = client(peer_garbage, &pid);
	int r = qmp ? vm_qmp_command(qmp, "query-status", NULL, 5000, NULL, &err) : 0;

	ok(r < 0 && err.code == VM_EXIT_SYSTEM && starts(err.msg, "invalid qmp message: "),
	   "a garbage line fails the command with exit 4 (%s)", err.msg);
	vm_qmp_close(qmp);
	peer_status(pid);
}

/* A garbage line, then the reply: the command failed, and the reply must not pass for the next
 * one's. */
static void
peer_garbage_reply(int fd)
{
	char c;

	peer_handshake(fd);
	peer_expect(fd, "query-status");
	peer_send(fd, "Segmentation fault\r\n{\"return\": {\"status\": \"running\"}}\r\n");
	_exit(read(fd, &c, 1) == 0 ? 0 : 93);
}

static void
test_garbage_reply(void)
{
	struct vm_error err = VM_ERROR_INIT;
	json_object *ret = NULL;
	pid_t pid;
	struct vm_qmp *qmp = client(peer_garbage_reply, &pid);
	int r = qmp ? vm_qmp_command(qmp, "query-status", NULL, 5000, NULL, &err) : 0;

	ok(r < 0 && err.code == VM_EXIT_SYSTEM && starts(err.msg, "invalid qmp message: "),
	   "a garbage line before the reply fails the command (%s)", err.msg);
	vm_error_clear(&err);
	r = vm_qmp_command(qmp, "query-name", NULL, 5000, &ret, &err);
	ok(r < 0 && ret == NULL && err.code == VM_EXIT_SYSTEM &&
		   strcmp(err.msg,
			  "cannot send 'query-name' to qemu: the reply to an earlier command was not read") ==
			   0,
	   "after a garbage line no command is sent, so the reply behind it cannot pass for its own (%s)",
	   err.msg);
	vm_qmp_close(qmp);
	ok(peer_status(pid) == 0, "the peer saw nothing after the command answered with garbage");
}

/* A request as sent: no "id", and a "/" as it is (peer_read() checks). */
static void
peer_request(int fd)
{
	json_object *req, *a, *v;

	peer_handshake(fd);
	req = peer_read(fd, NULL, NULL);
	peer_check(req, "blockdev-add");
	if (!json_object_object_get_ex(req, "arguments", &a) ||
	    !json_object_object_get_ex(a, "filename", &v) ||
	    strcmp(json_object_get_string(v), "/run/vmkit/a.img") != 0)
		_exit(99);
	json_object_put(req);
	peer_reply(fd, "{}");
	peer_drain(fd);
}

static void
test_request(void)
{
	struct vm_error err = VM_ERROR_INIT;
	json_object *args = json_object_new_object();
	pid_t pid;
	struct vm_qmp *qmp = client(peer_request, &pid);
	int r;

	json_object_object_add(args, "filename", json_object_new_string("/run/vmkit/a.img"));
	r = qmp ? vm_qmp_command(qmp, "blockdev-add", args, 5000, NULL, &err) : -1;
	ok(r == 0, "a command with a path in its arguments is answered (%s)", err.msg);
	json_object_put(args);
	vm_qmp_close(qmp);
	ok(peer_status(pid) == 0, "requests carry no \"id\" and no \"\\/\"");
}

static void
peer_hangup(int fd)
{
	peer_handshake(fd);
	peer_expect(fd, "quit");
	peer_send(fd, "{\"event\": \"SHUTDOWN\", \"data\": {\"guest\": false}}\r\n{\"retu");
}

static void
test_hangup(void)
{
	struct vm_error err = VM_ERROR_INIT;
	pid_t pid;
	struct vm_qmp *qmp = client(peer_hangup, &pid);
	int r = qmp ? vm_qmp_command(qmp, "quit", NULL, 5000, NULL, &err) : 0;

	ok(r < 0 && err.code == VM_EXIT_SYSTEM &&
		   strcmp(err.msg, "qemu closed the monitor connection") == 0,
	   "the peer closing mid-reply fails the command with exit 4 (%s)", err.msg);
	vm_error_clear(&err);
	r = vm_qmp_command(qmp, "query-status", NULL, 5000, NULL, &err);
	ok(r < 0 && strcmp(err.msg, "qemu closed the monitor connection") == 0,
	   "later commands fail at once the same way");
	ok(vm_qmp_wait_close(qmp, 0, &err) == 0, "wait_close on a closed connection returns 0");
	ok(vm_qmp_wait_event(qmp, "SHUTDOWN", NULL, NULL, 0, NULL, &err) == 0,
	   "the event read before the hang-up is still queued");
	r = vm_qmp_wait_event(qmp, "SHUTDOWN", NULL, NULL, 1000, NULL, &err);
	ok(r < 0 && err.code == VM_EXIT_SYSTEM,
	   "waiting for an event on a closed connection is exit 4");
	vm_qmp_close(qmp);
	ok(peer_status(pid) == 0, "hang-up: the peer saw the commands it expected");
}

static void
peer_silent(int fd)
{
	peer_handshake(fd);
	peer_drain(fd);
}

static void
peer_mute(int fd)
{
	peer_drain(fd);
}

static void
test_timeouts(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_qmp *qmp = NULL;
	long long t0;
	pid_t pid;
	int fd, r;

	qmp = client(peer_silent, &pid);
	t0 = vm_now_ms();
	r = qmp ? vm_qmp_command(qmp, "query-status", NULL, 300, NULL, &err) : 0;
	t0 = vm_now_ms() - t0;
	ok(r < 0 && err.code == VM_EXIT_SYSTEM && t0 >= 300 && t0 < 1500,
	   "a silent peer: the command times out after %lld ms with exit 4", t0);
	t0 = vm_now_ms();
	r = vm_qmp_wait_close(qmp, 200, &err);
	ok(r < 0 && err.code == VM_EXIT_NO && vm_now_ms() - t0 >= 200,
	   "a silent peer: wait_close times out with exit 1 (%s)", err.msg);
	vm_qmp_close(qmp);
	peer_status(pid);

	pid = peer_start(peer_mute, &fd);
	r = vm_qmp_open_fd(fd, 200, &qmp, &err);
	ok(r < 0 && err.code == VM_EXIT_SYSTEM &&
		   strcmp(err.msg, "timed out waiting for the qmp greeting") == 0,
	   "no greeting: open times out with exit 4 (%s)", err.msg);
	peer_status(pid);
}

static void
peer_fd(int fd)
{
	json_object *req = NULL;
	int passed = -1, at = -1;
	struct stat st;

	peer_handshake(fd);
	req = peer_read(fd, &passed, &at);
	peer_check(req, "getfd");
	if (passed < 0 || at != 0 || fstat(passed, &st) < 0 || !S_ISFIFO(st.st_mode))
		_exit(94); /* no fd, or not with the command's first byte */
	if (write(passed, "lease", 5) != 5)
		_exit(95);
	peer_send(fd, "{\"return\": {}}\n");
	/* the next command must come without an fd */
	json_object_put(req);
	req = peer_read(fd, &passed, &at);
	if (passed >= 0)
		_exit(96);
	peer_check(req, "query-status");
	peer_send(fd, "{\"return\": {}}\n");
	json_object_put(req);
}

static void
test_fd(void)
{
	struct vm_error err = VM_ERROR_INIT;
	json_object *args = json_object_new_object();
	pid_t pid;
	struct vm_qmp *qmp = client(peer_fd, &pid);
	char buf[8] = "";
	int p[2], r;

	if (pipe(p) < 0)
		abort();
	json_object_object_add(args, "fdname", json_object_new_string("lease-vda"));
	r = qmp ? vm_qmp_command_fd(qmp, "getfd", args, p[1], 5000, NULL, &err) : -1;
	ok(r == 0, "getfd with an fd succeeds (%s)", err.msg);
	close(p[1]);
	ok(read(p[0], buf, sizeof(buf)) == 5 && memcmp(buf, "lease", 5) == 0,
	   "the peer wrote through the passed fd");
	ok(vm_qmp_command(qmp, "query-status", NULL, 5000, NULL, &err) == 0,
	   "a following command carries no fd");
	close(p[0]);
	json_object_put(args);
	vm_qmp_close(qmp);
	ok(peer_status(pid) == 0, "fd: the peer got the fd with the command's first byte");
}

/* ---- vm_qmp_connect ---- */

static void
test_connect(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = "qmp.sock" };
	struct vm_qmp *qmp = NULL;
	char deep[512];
	size_t len;
	int cwd = open(".", O_PATH), lfd, dirfd, fd, r, n, pending[64];
	long long t0;
	pid_t pid;

	/* a directory far beyond sun_path's 108 bytes */
	snprintf(deep, sizeof(deep), "%s/%0100d", tmpdir, 0);
	mkdir(deep, 0700);
	strcat(deep, "/");
	len = strlen(deep);
	memset(deep + len, 'd', 100);
	deep[len + 100] = '\0';
	mkdir(deep, 0700);
	dirfd = open(deep, O_PATH | O_DIRECTORY);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (dirfd < 0 || lfd < 0 || fchdir(dirfd) < 0 ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 4) < 0 ||
	    fchdir(cwd) < 0)
		abort();
	pid = fork();
	if (pid == 0) {
		fd = accept(lfd, NULL, NULL);
		peer_handshake(fd);
		peer_drain(fd);
		_exit(0);
	}
	r = vm_qmp_connect(dirfd, "qmp.sock", 5000, &qmp, &err);
	ok(r == 0, "connect: a socket %zu bytes deep is reached through dirfd (%s)", strlen(deep),
	   err.msg);
	vm_qmp_close(qmp);
	peer_status(pid);

	r = vm_qmp_connect(dirfd, "missing.sock", 1000, &qmp, &err);
	ok(r < 0 && err.code == VM_EXIT_SYSTEM &&
		   strcmp(err.msg,
			  "cannot open qmp socket 'missing.sock': No such file or directory") == 0,
	   "connect: a missing socket is exit 4 (%s)", err.msg);
	symlinkat("qmp.sock", dirfd, "link.sock");
	r = vm_qmp_connect(dirfd, "link.sock", 1000, &qmp, &err);
	ok(r < 0 && strcmp(err.msg, "qmp socket 'link.sock' is not a socket") == 0,
	   "connect: a symlink is not followed (%s)", err.msg);
	close(openat(dirfd, "file", O_CREAT | O_WRONLY, 0600));
	r = vm_qmp_connect(dirfd, "file", 1000, &qmp, &err);
	ok(r < 0 && strcmp(err.msg, "qmp socket 'file' is not a socket") == 0,
	   "connect: a regular file is refused (%s)", err.msg);
	/* nobody accepts: fill the backlog, then connect() itself must time out */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/qmp.sock", dirfd);
	for (n = 0; n < 63; n++) {
		pending[n] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (connect(pending[n], (struct sockaddr *)&sa, sizeof(sa)) < 0)
			break;
	}
	t0 = vm_now_ms();
	r = vm_qmp_connect(dirfd, "qmp.sock", 300, &qmp, &err);
	t0 = vm_now_ms() - t0;
	ok(r < 0 && err.code == VM_EXIT_SYSTEM && t0 >= 250 && t0 < 2000 &&
		   strcmp(err.msg, "timed out connecting to qmp socket 'qmp.sock'") == 0,
	   "connect: a full backlog times out after %lld ms (%s)", t0, err.msg);
	while (n >= 0)
		close(pending[n--]);
	close(lfd);
	r = vm_qmp_connect(dirfd, "qmp.sock", 1000, &qmp, &err);
	ok(r < 0 && starts(err.msg, "cannot connect to qmp socket 'qmp.sock': Connection refused"),
	   "connect: a socket nobody listens on is refused (%s)", err.msg);
	close(dirfd);
	close(cwd);
}

/* ---- real QEMU ---- */

static bool
qemu_holds(pid_t pid, const char *path)
{
	char dir[64], link[80], target[4096];
	bool found = false;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	for (int i = 0; i < 1024 && !found; i++) {
		ssize_t n;

		snprintf(link, sizeof(link), "%s/%d", dir, i);
		n = readlink(link, target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = '\0';
			found = strcmp(target, path) == 0;
		}
	}
	return found;
}

static void
test_real_qemu(void)
{
	struct vm_error err = VM_ERROR_INIT;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vm_qmp *qmp = NULL;
	json_object *ret = NULL, *args, *v;
	char lease[256], chardev[128], log[256];
	int lfd, dirfd, leasefd, st, r;
	pid_t pid;

	if (access(QEMU, X_OK) != 0) {
		printf("ok %d # SKIP %s is not installed\n", ++tap_n, QEMU);
		return;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/qmp.sock", tmpdir);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0); /* inherited by QEMU */
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 1) < 0)
		abort();
	snprintf(chardev, sizeof(chardev), "socket,id=mon,fd=%d,server=on,wait=off", lfd);
	snprintf(log, sizeof(log), "%s/qemu.log", tmpdir);
	pid = fork();
	if (pid == 0) {
		int out = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(out, 1);
		dup2(out, 2);
		execl(QEMU, QEMU, "-S", "-nodefaults", "-display", "none", "-machine", "none",
		      "-chardev", chardev, "-mon", "chardev=mon,mode=control", (char *)NULL);
		_exit(127);
	}
	close(lfd);
	dirfd = open(tmpdir, O_PATH | O_DIRECTORY);
	vm_error_clear(&err);
	r = vm_qmp_connect(dirfd, "qmp.sock", 10000, &qmp, &err);
	ok(r == 0, "qemu: connect and negotiate capabilities (%s)", err.msg);
	if (r < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return;
	}
	vm_error_clear(&err);
	r = vm_qmp_command(qmp, "query-status", NULL, 5000, &ret, &err);
	ok(r == 0 && json_object_object_get_ex(ret, "status", &v) &&
		   strcmp(json_object_get_string(v), "prelaunch") == 0,
	   "qemu: query-status says prelaunch (%s)", r ? err.msg : json_object_get_string(ret));
	json_object_put(ret);

	snprintf(lease, sizeof(lease), "%s/lease", tmpdir);
	leasefd = open(lease, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	args = json_object_new_object();
	json_object_object_add(args, "fdname", json_object_new_string("lease0"));
	vm_error_clear(&err);
	r = vm_qmp_command_fd(qmp, "getfd", args, leasefd, 5000, NULL, &err);
	close(leasefd);
	ok(r == 0 && qemu_holds(pid, lease), "qemu: getfd hands qemu the fd (%s)", err.msg);
	vm_error_clear(&err);
	r = vm_qmp_command(qmp, "closefd", args, 5000, NULL, &err);
	ok(r == 0 && !qemu_holds(pid, lease), "qemu: closefd drops it (%s)", err.msg);
	vm_error_clear(&err);
	r = vm_qmp_command(qmp, "closefd", args, 5000, NULL, &err);
	ok(r < 0 && err.code == VM_EXIT_SYSTEM &&
		   starts(err.msg, "'closefd' failed: qemu: GenericError: "),
	   "qemu: an error reply names the command and class (%s)", err.msg);
	json_object_put(args);

	vm_error_clear(&err);
	r = vm_qmp_command(qmp, "quit", NULL, 5000, NULL, &err);
	ok(r == 0, "qemu: quit is answered (%s)", err.msg);
	vm_error_clear(&err);
	r = vm_qmp_wait_event(qmp, "SHUTDOWN", "reason", "host-qmp-quit", 5000, NULL, &err);
	ok(r == 0, "qemu: the SHUTDOWN event arrives (%s)", err.msg);
	vm_error_clear(&err);
	r = vm_qmp_wait_close(qmp, 5000, &err);
	ok(r == 0, "qemu: wait_close returns 0 when qemu exits (%s)", err.msg);
	vm_qmp_close(qmp);
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "qemu: exited with 0");
	close(dirfd);
}

static void
cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# cannot remove %s\n", tmpdir);
}

int
main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0); /* children must not repeat buffered output */
	if (!mkdtemp(tmpdir))
		abort();
	test_parse();
	test_split();
	test_big();
	test_events();
	test_stale();
	test_error();
	test_garbage();
	test_garbage_reply();
	test_request();
	test_hangup();
	test_timeouts();
	test_fd();
	test_connect();
	test_real_qemu();
	cleanup();
	return tap_done();
}
