#include "qcow2.h"

#include <stdint.h>
#include <string.h>

#define MAGIC 0x514649fbu /* "QFI\xfb" */
#define V2_HEADER 72
#define V3_HEADER_MIN 104
#define CLUSTER_BITS_MIN 9
#define CLUSTER_BITS_MAX 21 /* QEMU opens no larger clusters */
#define INCOMPAT_DATA_FILE (1ull << 2)
#define EXT_END 0x00000000u
#define EXT_BACKING_FMT 0xe2792acau
#define EXT_DATA_FILE 0x44415441u

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t
be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* A name stored without its NUL; one holding a NUL is refused, since
 * QEMU would read a different name than the one we lease. */
static int
copy_name(char *out, const unsigned char *p, size_t n, const char **why)
{
	if (n > VM_QCOW2_NAME_MAX || memchr(p, '\0', n)) {
		*why = "a file name in its header is too long or holds a NUL";
		return -1;
	}
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

size_t
vm_qcow2_need(const unsigned char *head, size_t head_len)
{
	uint32_t bits;

	if (head_len < V2_HEADER || be32(head) != MAGIC)
		return 0;
	bits = be32(head + 20);
	if (bits < CLUSTER_BITS_MIN || bits > CLUSTER_BITS_MAX)
		return V2_HEADER; /* enough for the parser to refuse it */
	return ((size_t)1 << bits) + VM_QCOW2_NAME_MAX;
}

int
vm_qcow2_parse(const unsigned char *buf, size_t len, struct vm_qcow2 *q, const char **why)
{
	uint64_t boff = 0, incompat = 0, cluster;
	uint32_t version, bsize = 0, bits, hlen = V2_HEADER;
	size_t p, end;

	memset(q, 0, sizeof(*q));
	if (len < V2_HEADER || be32(buf) != MAGIC) {
		*why = "it is not a qcow2 image (no qcow2 header)";
		return -1;
	}
	version = be32(buf + 4);
	bits = be32(buf + 20);
	if (version != 2 && version != 3) {
		*why = "its qcow2 version is neither 2 nor 3";
		return -1;
	}
	if (bits < CLUSTER_BITS_MIN || bits > CLUSTER_BITS_MAX) {
		*why = "its qcow2 cluster size is out of range";
		return -1;
	}
	cluster = (uint64_t)1 << bits;
	if (version == 3) {
		if (len < V3_HEADER_MIN) {
			*why = "its qcow2 header is truncated";
			return -1;
		}
		incompat = be64(buf + 72);
		hlen = be32(buf + 100);
		if (hlen < V3_HEADER_MIN || hlen % 8 || hlen > cluster) {
			*why = "its qcow2 header length is invalid";
			return -1;
		}
	}
	q->data_file = incompat & INCOMPAT_DATA_FILE;
	boff = be64(buf + 8);
	if (boff) {
		bsize = be32(buf + 16);
		if (boff > cluster || bsize > VM_QCOW2_NAME_MAX || boff < hlen) {
			*why = "its backing file name lies outside the first cluster";
			return -1;
		}
		if (boff + bsize > len) {
			*why = "its qcow2 header is truncated";
			return -1;
		}
		if (bsize == 0) {
			*why = "its backing file name is empty";
			return -1;
		}
		if (copy_name(q->backing, buf + boff, bsize, why) < 0)
			return -1;
	}
	/* Extensions run from the header to the backing file name, or to
	 * the end of the first cluster, or to an end marker. */
	end = boff ? boff : cluster;
	for (p = hlen; p < end;) {
		uint32_t type, elen;

		if (end - p < 8 || p + 8 > len) {
			*why = "its qcow2 header extensions are truncated";
			return -1;
		}
		type = be32(buf + p);
		elen = be32(buf + p + 4);
		p += 8;
		if (type == EXT_END)
			break;
		if (elen > end - p || elen > len - p) {
			*why = "a qcow2 header extension runs past the first cluster";
			return -1;
		}
		if (type == EXT_BACKING_FMT && copy_name(q->backing_fmt, buf + p, elen, why) < 0)
			return -1;
		if (type == EXT_DATA_FILE) {
			if (copy_name(q->data_file_name, buf + p, elen, why) < 0)
				return -1;
			q->data_file = true;
		}
		/* padded to a multiple of 8 */
		p += elen + ((8 - elen % 8) % 8);
	}
	return 0;
}
