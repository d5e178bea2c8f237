#include "qmp.h"
#include "clock.h"
#include "cleanup.h"
#include "exitcodes.h"
#include "paths.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/stat.h>

#define CLOSED "qemu closed the monitor connection"
/* query-qmp-schema is a few hundred KiB; anything far larger is not QEMU */
#define MAX_LINE (32u << 20)
/* events nobody waits for (RTC_CHANGE...) must not pile up forever */
#define MAX_QUEUED_EVENTS 1024

struct vm_qmp {
	int fd;
	bool closed;
	char *buf; /* received, not yet parsed */
	size_t len, cap;
	json_object *events; /* array of queued event messages */
	/*
	 * Why the stream is out of step with our commands, or NULL: a reply
	 * not read (a timeout, a garbage or over-long line before it) would
	 * pass for the next command's, and a line sent in part would run
	 * into the next command's bytes.
	 */
	const char *out_of_step;
};

/* read_message() and await() results besides -1 */
enum { RD_MSG, RD_TIMEOUT, RD_CLOSED };

/* A deadline is an absolute vm_now_ms() value, or -1 for none. */
static long long
deadline(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : vm_now_ms() + timeout_ms;
}

static int
remaining(long long dl)
{
	long long left = dl - vm_now_ms();

	return dl < 0 ? -1 : left < 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
}

/* 1 when FD is ready for EVENTS, 0 on timeout, -1 with errno. */
static int
wait_fd(int fd, short events, long long dl)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	do
		r = poll(&p, 1, remaining(dl));
	while (r < 0 && errno == EINTR);
	return r;
}

json_object *
vm_qmp_parse_message(const char *buf, size_t len, struct vm_error *err)
{
	enum json_tokener_error jerr = json_tokener_error_size;
	json_tokener *tok = json_tokener_new();
	json_object *obj = NULL;

	/* json-c stops at a NUL; STRICT rejects any other trailing bytes */
	if (len > INT_MAX || memchr(buf, '\0', len)) {
		jerr = json_tokener_error_parse_unexpected;
	} else if (tok) {
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
		obj = json_tokener_parse_ex(tok, buf, (int)len);
		jerr = json_tokener_get_error(tok);
	}
	json_tokener_free(tok);
	if (jerr == json_tokener_success && !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		vm_error_set(err, VM_EXIT_SYSTEM, "invalid qmp message: not a json object");
		return NULL;
	}
	/* "continue" means that the tokener wanted more */
	if (jerr != json_tokener_success)
		vm_error_set(err, VM_EXIT_SYSTEM, "invalid qmp message: %s",
			     jerr == json_tokener_continue ? "truncated json"
							   : json_tokener_error_desc(jerr));
	return obj;
}

/* Reads the next message: RD_MSG with *MSG, RD_TIMEOUT, RD_CLOSED, or -1. */
static int
read_message(struct vm_qmp *qmp, long long dl, json_object **msg, struct vm_error *err)
{
	for (;;) {
		char *nl = memchr(qmp->buf, '\n', qmp->len), *p;
		ssize_t got;
		int r;

		if (nl) {
			size_t n = nl - qmp->buf;

			while (n && memchr(" \t\r", qmp->buf[n - 1], 3))
				n--;
			*msg = n ? vm_qmp_parse_message(qmp->buf, n, err) : NULL;
			qmp->len -= nl + 1 - qmp->buf;
			memmove(qmp->buf, nl + 1, qmp->len);
			if (n)
				return *msg ? RD_MSG : -1;
			continue;
		}
		if (qmp->closed)
			return RD_CLOSED; /* a partial last line is dropped */
		if (qmp->cap - qmp->len < 4096) {
			if (2 * qmp->cap > MAX_LINE)
				return vm_error_set(err, VM_EXIT_SYSTEM,
						    "qmp message longer than %u bytes", MAX_LINE);
			if (!(p = realloc(qmp->buf, 2 * qmp->cap)))
				return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM,
						    "cannot read qmp message");
			qmp->buf = p;
			qmp->cap *= 2;
		}
		r = wait_fd(qmp->fd, POLLIN, dl);
		if (r < 0)
			return vm_error_sys(err, VM_EXIT_SYSTEM, errno,
					    "cannot wait for qmp socket");
		if (r == 0)
			return RD_TIMEOUT;
		got = recv(qmp->fd, qmp->buf + qmp->len, qmp->cap - qmp->len, MSG_DONTWAIT);
		if (got > 0)
			qmp->len += got;
		/* ECONNRESET: QEMU exited without reading all we sent */
		else if (got == 0 || errno == ECONNRESET)
			qmp->closed = true;
		else if (errno != EINTR && errno != EAGAIN)
			return vm_error_sys(err, VM_EXIT_SYSTEM, errno,
					    "cannot read from qmp socket");
	}
}

static bool
event_matches(json_object *msg, const char *event, const char *key, const char *value)
{
	json_object *name, *data, *v;

	if (!json_object_object_get_ex(msg, "event", &name) ||
	    !json_object_is_type(name, json_type_string) ||
	    strcmp(json_object_get_string(name), event) != 0)
		return false;
	return !key || (json_object_object_get_ex(msg, "data", &data) &&
			json_object_object_get_ex(data, key, &v) &&
			json_object_is_type(v, json_type_string) &&
			strcmp(json_object_get_string(v), value) == 0);
}

/*
 * Reads until a command's reply (REPLY), or EVENT matching KEY/VALUE,
 * arrives; with neither, until the connection closes. Other events are
 * queued. QEMU answers commands in order, so the first message that is
 * not an event is the reply to the one command in flight.
 */
static int
await(struct vm_qmp *qmp, long long dl, bool reply, const char *event, const char *key,
      const char *value, json_object **out, struct vm_error *err)
{
	for (;;) {
		json_object *msg = NULL;
		int r = read_message(qmp, dl, &msg, err);
		bool is_event;

		if (r != RD_MSG)
			return r;
		is_event = json_object_object_get_ex(msg, "event", NULL);
		if (event ? event_matches(msg, event, key, value) : reply && !is_event) {
			*out = msg;
			return RD_MSG;
		}
		if (!is_event)
			json_object_put(msg);
		else if (json_object_array_add(qmp->events, msg) == 0 &&
			 json_object_array_length(qmp->events) > MAX_QUEUED_EVENTS)
			json_object_array_del_idx(qmp->events, 0, 1);
	}
}

/* Sends LINE; FD (if >= 0) rides on the first sendmsg, with its first bytes. */
static int
send_line(struct vm_qmp *qmp, const char *cmd, char *line, int fd, long long dl,
	  struct vm_error *err)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl = { 0 };
	struct iovec iov = { .iov_base = line, .iov_len = strlen(line) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	/* QEMU's getfd takes the fd that arrived with the command's bytes */
	if (fd >= 0) {
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	while (iov.iov_len > 0) {
		int r = wait_fd(qmp->fd, POLLOUT, dl);
		ssize_t n;

		if (r < 0)
			return vm_error_sys(err, VM_EXIT_SYSTEM, errno,
					    "cannot wait for qmp socket");
		if (r == 0)
			return vm_error_set(err, VM_EXIT_SYSTEM, "timed out sending '%s' to qemu",
					    cmd);
		n = sendmsg(qmp->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n >= 0) {
			iov.iov_base = (char *)iov.iov_base + n;
			iov.iov_len -= n;
			mh.msg_control = NULL;
			mh.msg_controllen = 0;
		} else if (errno == EPIPE || errno == ECONNRESET) {
			qmp->closed = true;
			return vm_error_set(err, VM_EXIT_SYSTEM, CLOSED);
		} else if (errno != EINTR && errno != EAGAIN) {
			return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot send '%s' to qemu",
					    cmd);
		}
	}
	return 0;
}

static int
command(struct vm_qmp *qmp, const char *cmd, json_object *args, int fd, long long dl,
	json_object **ret, struct vm_error *err)
{
	json_object *req = json_object_new_object(), *msg = NULL, *v, *cls, *desc;
	cleanup_free char *line = NULL;
	int r;

	if (ret)
		*ret = NULL;
	/*
	 * QEMU 7.2 reads the monitor one byte per main loop turn, some 4 us
	 * each here, so every byte sent costs: no "id" (replies come in
	 * order), no "\/".
	 */
	json_object_object_add(req, "execute", json_object_new_string(cmd));
	if (args)
		json_object_object_add(req, "arguments", json_object_get(args));
	r = asprintf(&line, "%s\n",
		     json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(req);
	if (r < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot send '%s' to qemu", cmd);
	if (qmp->closed)
		return vm_error_set(err, VM_EXIT_SYSTEM, CLOSED);
	if (qmp->out_of_step)
		return vm_error_set(err, VM_EXIT_SYSTEM, "cannot send '%s' to qemu: %s", cmd,
				    qmp->out_of_step);
	if (send_line(qmp, cmd, line, fd, dl, err) < 0) {
		qmp->out_of_step = "an earlier command was not sent whole";
		return -1;
	}
	r = await(qmp, dl, true, NULL, NULL, NULL, &msg, err);
	/* whatever ended the wait, the reply may still come */
	if (r != RD_MSG)
		qmp->out_of_step = r == RD_TIMEOUT ? "an earlier command timed out"
						   : "the reply to an earlier command was not read";
	if (r == RD_TIMEOUT)
		return vm_error_set(err, VM_EXIT_SYSTEM,
				    "timed out waiting for qemu to answer '%s'", cmd);
	if (r == RD_CLOSED)
		return vm_error_set(err, VM_EXIT_SYSTEM, CLOSED);
	if (r < 0)
		return -1;
	r = -1;
	if (json_object_object_get_ex(msg, "return", &v)) {
		if (ret)
			*ret = json_object_get(v);
		r = 0;
	} else if (json_object_object_get_ex(msg, "error", &v)) {
		cls = json_object_object_get(v, "class");
		desc = json_object_object_get(v, "desc");
		vm_error_set(err, VM_EXIT_SYSTEM, "'%s' failed: qemu: %s: %s", cmd,
			     json_object_get_string(cls) ?: "GenericError",
			     json_object_get_string(desc) ?: "no description");
	} else {
		vm_error_set(err, VM_EXIT_SYSTEM, "invalid qmp reply to '%s'", cmd);
	}
	json_object_put(msg);
	return r;
}

int
vm_qmp_command(struct vm_qmp *qmp, const char *cmd, json_object *args, int timeout_ms,
	       json_object **ret, struct vm_error *err)
{
	return command(qmp, cmd, args, -1, deadline(timeout_ms), ret, err);
}

int
vm_qmp_command_fd(struct vm_qmp *qmp, const char *cmd, json_object *args, int fd, int timeout_ms,
		  json_object **ret, struct vm_error *err)
{
	return command(qmp, cmd, args, fd, deadline(timeout_ms), ret, err);
}

int
vm_qmp_open_fd(int fd, int timeout_ms, struct vm_qmp **qmpp, struct vm_error *err)
{
	struct vm_qmp *qmp = calloc(1, sizeof(*qmp));
	json_object *greeting = NULL;
	long long dl = deadline(timeout_ms);
	int r = -1;

	if (!qmp) {
		close(fd);
		return vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot connect to qemu");
	}
	qmp->fd = fd;
	qmp->buf = malloc(qmp->cap = 8192);
	qmp->events = json_object_new_array();
	if (!qmp->buf || !qmp->events)
		vm_error_sys(err, VM_EXIT_SYSTEM, ENOMEM, "cannot connect to qemu");
	else
		r = read_message(qmp, dl, &greeting, err);
	if (r == RD_TIMEOUT)
		vm_error_set(err, VM_EXIT_SYSTEM, "timed out waiting for the qmp greeting");
	else if (r == RD_CLOSED)
		vm_error_set(err, VM_EXIT_SYSTEM, CLOSED);
	else if (r == RD_MSG && !json_object_object_get_ex(greeting, "QMP", NULL))
		vm_error_set(err, VM_EXIT_SYSTEM, "invalid qmp greeting: no \"QMP\" member");
	else if (r == RD_MSG)
		r = command(qmp, "qmp_capabilities", NULL, -1, dl, NULL, err) < 0 ? -1 : 0;
	json_object_put(greeting);
	if (r != 0) {
		vm_qmp_close(qmp);
		return -1;
	}
	*qmpp = qmp;
	return 0;
}

int
vm_qmp_connect(int dirfd, const char *name, int timeout_ms, struct vm_qmp **qmp,
	       struct vm_error *err)
{
	long long dl = deadline(timeout_ms);
	cleanup_close int path = -1;
	struct stat st;
	int fd;

	/*
	 * sun_path holds 108 bytes, less than a run directory may need. So
	 * we open the socket inode itself with O_PATH (not following a
	 * symlink) and connect through its /proc/self/fd magic link, whose
	 * name is always short. Unlike fchdir(), this changes no
	 * process-wide state, so it is safe with threads.
	 */
	path = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (path < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot open qmp socket '%s'",
				    name);
	if (fstat(path, &st) < 0 || !S_ISSOCK(st.st_mode))
		return vm_error_set(err, VM_EXIT_SYSTEM, "qmp socket '%s' is not a socket", name);
	/* QEMU serves one client at a time: the backlog may be full. Later
	 * I/O is poll() with MSG_DONTWAIT. */
	fd = vm_paths_connect(path, timeout_ms);
	if (fd < 0 && errno == EAGAIN)
		return vm_error_set(err, VM_EXIT_SYSTEM, "timed out connecting to qmp socket '%s'",
				    name);
	if (fd < 0)
		return vm_error_sys(err, VM_EXIT_SYSTEM, errno, "cannot connect to qmp socket '%s'",
				    name);
	return vm_qmp_open_fd(fd, remaining(dl), qmp, err);
}

int
vm_qmp_wait_event(struct vm_qmp *qmp, const char *event, const char *match_key,
		  const char *match_value, int timeout_ms, json_object **data, struct vm_error *err)
{
	json_object *msg = NULL, *d = NULL;
	int r = RD_MSG;

	if (data)
		*data = NULL;
	for (size_t i = 0; !msg && i < json_object_array_length(qmp->events); i++) {
		if (event_matches(json_object_array_get_idx(qmp->events, i), event, match_key,
				  match_value)) {
			msg = json_object_get(json_object_array_get_idx(qmp->events, i));
			json_object_array_del_idx(qmp->events, i, 1);
		}
	}
	if (!msg)
		r = await(qmp, deadline(timeout_ms), false, event, match_key, match_value, &msg,
			  err);
	if (r == RD_TIMEOUT)
		return vm_error_set(err, VM_EXIT_NO, "timed out waiting for qemu event '%s'",
				    event);
	if (r == RD_CLOSED)
		return vm_error_set(err, VM_EXIT_SYSTEM, CLOSED);
	if (r < 0)
		return -1;
	if (data && json_object_object_get_ex(msg, "data", &d))
		*data = json_object_get(d);
	json_object_put(msg);
	return 0;
}

int
vm_qmp_wait_close(struct vm_qmp *qmp, int timeout_ms, struct vm_error *err)
{
	int r = await(qmp, deadline(timeout_ms), false, NULL, NULL, NULL, NULL, err);

	if (r == RD_TIMEOUT)
		return vm_error_set(err, VM_EXIT_NO,
				    "timed out waiting for qemu to close the monitor connection");
	return r == RD_CLOSED ? 0 : -1;
}

void
vm_qmp_close(struct vm_qmp *qmp)
{
	if (!qmp)
		return;
	close(qmp->fd);
	json_object_put(qmp->events);
	free(qmp->buf);
	free(qmp);
}

/* Building and reading messages */

json_object *
vm_qmp_json(const char *key, ...)
{
	json_object *o = json_object_new_object();
	va_list ap;

	va_start(ap, key);
	for (; key; key = va_arg(ap, const char *))
		json_object_object_add(o, key, va_arg(ap, json_object *));
	va_end(ap);
	return o;
}

json_object *
vm_qmp_typed(json_object *o, const char *key, json_type type)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

const char *
vm_qmp_member(json_object *o, const char *key)
{
	json_object *v = vm_qmp_typed(o, key, json_type_string);

	return v ? json_object_get_string(v) : "";
}

size_t
vm_qmp_array_len(json_object *a)
{
	return json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}
