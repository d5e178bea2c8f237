/*
 * libFuzzer harness for the QMP client's parsing. The input is used
 * twice:
 *  - as one message, through vm_qmp_parse_message();
 *  - as everything QEMU sends on the monitor socket, through the client
 *    itself: the greeting and the qmp_capabilities reply
 *    (vm_qmp_open_fd), a command's reply, events waited for with and
 *    without a data match, and the hang-up. The input is written to the
 *    other end of a socketpair, which is then shut down for writing, so
 *    no call ever waits.
 * Commands carry no id: the first message that is not an event answers
 * qmp_capabilities, the next one the query-status below.
 */
#include "qmp.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>

/* well below the socket buffer, so that the whole input fits in it */
#define MAX_STREAM 65536
#define TIMEOUT_MS 5000

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

static void
session(int fd)
{
	struct vm_error err = VM_ERROR_INIT;
	struct vm_qmp *qmp = NULL;
	json_object *v = NULL;

	if (vm_qmp_open_fd(fd, TIMEOUT_MS, &qmp, &err) < 0)
		return;
	if (vm_qmp_command(qmp, "query-status", NULL, TIMEOUT_MS, &v, &err) == 0)
		json_object_put(v);
	v = NULL;
	if (vm_qmp_wait_event(qmp, "DEVICE_DELETED", "device", "vmkit-dev1", TIMEOUT_MS, &v,
			      &err) == 0)
		json_object_put(v);
	v = NULL;
	if (vm_qmp_wait_event(qmp, "SHUTDOWN", NULL, NULL, TIMEOUT_MS, &v, &err) == 0)
		json_object_put(v);
	vm_qmp_wait_close(qmp, TIMEOUT_MS, &err);
	vm_qmp_close(qmp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm_error err = VM_ERROR_INIT;
	json_object *obj;
	size_t off = 0;
	int sv[2];

	obj = vm_qmp_parse_message((const char *)data, size, &err);
	if (obj ? !json_object_is_type(obj, json_type_object) : !err.msg[0])
		abort();
	json_object_put(obj);

	if (size > MAX_STREAM)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("fuzz-qmp: socketpair");
		abort();
	}
	while (off < size) {
		ssize_t n = write(sv[1], data + off, size - off);

		if (n < 0 && errno != EINTR) {
			perror("fuzz-qmp: write");
			abort();
		}
		off += n > 0 ? (size_t)n : 0;
	}
	shutdown(sv[1], SHUT_WR);
	session(sv[0]); /* closes sv[0] */
	close(sv[1]);
	return 0;
}
