/*
 * The qcow2 header parser against headers QEMU wrote, and against every
 * truncation and random damage of them: it must answer or refuse, never
 * read outside what it was given (run under ASan by make check-sanitizers).
 */
#include "qcow2.h"
#include "tap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void
put64(unsigned char *p, uint64_t v)
{
	put32(p, v >> 32);
	put32(p + 4, v);
}

/* A v3 header of 512-byte clusters; returns where extensions go. */
static size_t
header(unsigned char *buf, size_t size)
{
	memset(buf, 0, size);
	memcpy(buf, "QFI\xfb", 4);
	put32(buf + 4, 3);
	put32(buf + 20, 9);
	put32(buf + 96, 4);
	put32(buf + 100, 104);
	return 104;
}

static size_t
ext(unsigned char *buf, size_t p, uint32_t type, const char *data)
{
	size_t n = strlen(data);

	put32(buf + p, type);
	put32(buf + p + 4, n);
	memcpy(buf + p + 8, data, n);
	return p + 8 + ((n + 7) & ~(size_t)7);
}

/* An overlay of "base.img", format raw, as qemu-img writes one. */
static size_t
overlay(unsigned char *buf, size_t size)
{
	size_t p = header(buf, size);

	p = ext(buf, p, 0xe2792aca, "raw");
	p = ext(buf, p, 0, "");
	put64(buf + 8, p);
	put32(buf + 16, 8);
	memcpy(buf + p, "base.img", 8);
	return p + 8;
}

int
main(void)
{
	unsigned char buf[512 + VM_QCOW2_NAME_MAX], copy[sizeof(buf)];
	struct vm_qcow2 q;
	const char *why = NULL;
	size_t len, p;
	int r;

	len = overlay(buf, sizeof(buf));
	r = vm_qcow2_parse(buf, len, &q, &why);
	ok(r == 0 && strcmp(q.backing, "base.img") == 0 && strcmp(q.backing_fmt, "raw") == 0 &&
		   !q.data_file,
	   "an overlay: backing file and its format");
	ok(vm_qcow2_need(buf, len) == 512 + VM_QCOW2_NAME_MAX,
	   "need: the first cluster and a name");

	for (size_t n = 0; n < len; n++) {
		why = NULL;
		if (vm_qcow2_parse(buf, n, &q, &why) == 0 || !why) {
			ok(0, "a header cut at %zu bytes is refused with a reason", n);
			break;
		}
	}
	ok(1, "every truncation of the overlay is refused with a reason");

	p = header(buf, sizeof(buf));
	p = ext(buf, p, 0x44415441, "other.img");
	ext(buf, p, 0, "");
	put64(buf + 72, 1 << 2);
	r = vm_qcow2_parse(buf, sizeof(buf), &q, &why);
	ok(r == 0 && q.data_file && strcmp(q.data_file_name, "other.img") == 0,
	   "an external data file is seen, with its name");
	header(buf, sizeof(buf));
	put64(buf + 72, 1 << 2);
	ok(vm_qcow2_parse(buf, sizeof(buf), &q, &why) == 0 && q.data_file && !q.data_file_name[0],
	   "the data file bit alone is seen");

	p = header(buf, sizeof(buf));
	ext(buf, p, 0, "");
	put64(buf + 8, 200);
	put32(buf + 16, 4);
	memcpy(buf + 200, "base", 4);
	ok(vm_qcow2_parse(buf, sizeof(buf), &q, &why) == 0 && strcmp(q.backing, "base") == 0 &&
		   !q.backing_fmt[0],
	   "a backing file without a recorded format");

	len = overlay(buf, sizeof(buf));
	put32(buf + 16, 2000);
	ok(vm_qcow2_parse(buf, sizeof(buf), &q, &why) < 0,
	   "a backing name over 1023 bytes is refused");
	len = overlay(buf, sizeof(buf));
	put64(buf + 8, 4096);
	ok(vm_qcow2_parse(buf, sizeof(buf), &q, &why) < 0,
	   "a backing name outside the first cluster is refused");
	len = overlay(buf, sizeof(buf));
	put64(buf + 8, UINT64_MAX - 2);
	ok(vm_qcow2_parse(buf, sizeof(buf), &q, &why) < 0, "an offset that would wrap is refused");
	len = overlay(buf, sizeof(buf));
	buf[len - 3] = '\0';
	ok(vm_qcow2_parse(buf, len, &q, &why) < 0, "a backing name holding a NUL is refused");
	len = overlay(buf, sizeof(buf));
	put32(buf + 108, UINT32_MAX);
	ok(vm_qcow2_parse(buf, sizeof(buf), &q, &why) < 0,
	   "an extension longer than the cluster is refused");
	len = overlay(buf, sizeof(buf));
	put32(buf + 20, 40);
	ok(vm_qcow2_parse(buf, sizeof(buf), &q, &why) < 0 && vm_qcow2_need(buf, len) > 0,
	   "a huge cluster size is refused, not read");
	len = overlay(buf, sizeof(buf));
	put32(buf + 100, 4);
	ok(vm_qcow2_parse(buf, sizeof(buf), &q, &why) < 0, "a header length under 104 is refused");
	len = overlay(buf, sizeof(buf));
	put32(buf + 4, 1);
	ok(vm_qcow2_parse(buf, sizeof(buf), &q, &why) < 0, "version 1 is refused");
	memcpy(buf, "QFI\xfa", 4);
	ok(vm_qcow2_parse(buf, sizeof(buf), &q, &why) < 0 && vm_qcow2_need(buf, 100) == 0,
	   "no magic, no qcow2");

	/* Random damage: every answer is a parse or a reason. */
	len = overlay(copy, sizeof(copy));
	srand(10);
	r = 0;
	for (int i = 0; i < 200000; i++) {
		size_t n = (size_t)rand() % (len + 1);

		memcpy(buf, copy, sizeof(buf));
		for (int k = rand() % 8; k >= 0; k--)
			buf[rand() % (len + 16)] = rand();
		why = NULL;
		if (vm_qcow2_parse(buf, n, &q, &why) < 0
			    ? !why
			    : strlen(q.backing) > VM_QCOW2_NAME_MAX ||
				      strlen(q.backing_fmt) > VM_QCOW2_NAME_MAX)
			r++;
	}
	ok(r == 0, "200000 damaged headers: each parsed or refused with a reason (%d not)", r);
	return tap_done();
}
