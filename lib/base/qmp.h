/*
 * QMP client on json-c. One connection, used synchronously: commands
 * are sent one at a time, and the next message that is not an event is
 * the reply; events that arrive meanwhile are queued and can be waited
 * for. After a command whose reply was not read (a timeout, a garbage or
 * over-long line, a command sent in part) the connection takes no more
 * commands: a late reply would pass for the next command's.
 *
 *	struct vm_qmp *qmp = NULL;
 *	if (vm_qmp_connect(dirfd, "qmp.sock", 5000, &qmp, &err) < 0) ...
 *	json_object *ret = NULL;
 *	if (vm_qmp_command(qmp, "query-status", NULL, 5000, &ret, &err) < 0) ...
 *	json_object_put(ret);
 *	vm_qmp_close(qmp);
 *
 * Timeouts are in milliseconds and cover the whole call. An error reply
 * from QEMU is VM_EXIT_SYSTEM with QEMU's "desc" in the message; a
 * closed socket or timeout is VM_EXIT_SYSTEM too.
 */
#ifndef VM_QMP_H
#define VM_QMP_H

#include <json-c/json.h>
#include "error.h"

struct vm_qmp;

/*
 * Connects to the socket NAME relative to DIRFD (so that long run
 * directories do not hit sun_path's limit), reads the greeting and
 * negotiates capabilities.
 */
int vm_qmp_connect(int dirfd, const char *name, int timeout_ms, struct vm_qmp **qmp,
		   struct vm_error *err);
/* Same over an already connected socket; takes ownership of FD. */
int vm_qmp_open_fd(int fd, int timeout_ms, struct vm_qmp **qmp, struct vm_error *err);
void vm_qmp_close(struct vm_qmp *qmp);

/*
 * Sends CMD with ARGS (borrowed, may be NULL) and waits for its reply.
 * On success *RET (if RET is not NULL) gets the "return" value, which the
 * caller puts.
 */
int vm_qmp_command(struct vm_qmp *qmp, const char *cmd, json_object *args, int timeout_ms,
		   json_object **ret, struct vm_error *err);

/* Like vm_qmp_command(), passing FD along with the message (SCM_RIGHTS). */
int vm_qmp_command_fd(struct vm_qmp *qmp, const char *cmd, json_object *args, int fd,
		      int timeout_ms, json_object **ret, struct vm_error *err);

/*
 * Waits for an event named EVENT (queued ones first). When MATCH_KEY is
 * not NULL, only an event whose data has MATCH_KEY == MATCH_VALUE (string)
 * counts. *DATA (if not NULL) gets the event's data. Returns 0, or -1
 * with VM_EXIT_NO on timeout and VM_EXIT_SYSTEM when the socket closes.
 */
int vm_qmp_wait_event(struct vm_qmp *qmp, const char *event, const char *match_key,
		      const char *match_value, int timeout_ms, json_object **data,
		      struct vm_error *err);

/*
 * Waits until QEMU closes the connection (it exits), up to TIMEOUT_MS.
 * 0 when closed, -1 with VM_EXIT_NO on timeout.
 */
int vm_qmp_wait_close(struct vm_qmp *qmp, int timeout_ms, struct vm_error *err);

/*
 * Parses one QMP message line into a json object; for the client and for
 * fuzzing. Returns NULL with ERR filled when it is not a JSON object.
 */
json_object *vm_qmp_parse_message(const char *buf, size_t len, struct vm_error *err);

/* A JSON object of KEY, VALUE pairs up to a NULL key; the values are taken. */
json_object *vm_qmp_json(const char *key, ...);
/* The member KEY of O if it is of TYPE (borrowed), else NULL. */
json_object *vm_qmp_typed(json_object *o, const char *key, json_type type);
/* The string member KEY of O, or "". */
const char *vm_qmp_member(json_object *o, const char *key);
/* The length of A, 0 when it is not an array. */
size_t vm_qmp_array_len(json_object *a);

#endif
