#include "mac.h"
#include "exitcodes.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

static const unsigned char qemu_prefix[3] = { 0x52, 0x54, 0x00 };

static unsigned int
hex_value(char c)
{
	return isdigit((unsigned char)c) ? c - '0' : tolower((unsigned char)c) - 'a' + 10;
}

int
vm_mac_parse(const char *text, unsigned char mac[VM_MAC_LEN], struct vm_error *err)
{
	const char *p = text;
	int i;

	for (i = 0; i < VM_MAC_LEN; i++) {
		unsigned int v = 0;
		int n;

		for (n = 0; n < 2 && isxdigit((unsigned char)*p); n++, p++)
			v = v * 16 + hex_value(*p);
		if (n == 0 || *p != (i == VM_MAC_LEN - 1 ? '\0' : ':'))
			return vm_error_set(err, VM_EXIT_INVALID,
					    "invalid MAC address '%s': expected six hex octets such as 52:54:00:12:34:56",
					    text);
		mac[i] = v;
		p++;
	}
	return vm_mac_check(mac, err);
}

int
vm_mac_check(const unsigned char mac[VM_MAC_LEN], struct vm_error *err)
{
	static const unsigned char zero[VM_MAC_LEN];
	char text[VM_MAC_STRLEN];

	if (!(mac[0] & 1) && memcmp(mac, zero, VM_MAC_LEN) != 0)
		return 0;
	vm_mac_format(mac, text);
	return vm_error_set(err, VM_EXIT_INVALID, "invalid MAC address '%s': %s", text,
			    mac[0] & 1 ? "it is multicast" : "it is all zeros");
}

void
vm_mac_format(const unsigned char mac[VM_MAC_LEN], char text[VM_MAC_STRLEN])
{
	snprintf(text, VM_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
		 mac[3], mac[4], mac[5]);
}

int
vm_mac_generate(unsigned char mac[VM_MAC_LEN], struct vm_error *err)
{
	ssize_t n;

	memcpy(mac, qemu_prefix, sizeof(qemu_prefix));
	/* Three bytes never block once the pool is up, and never come short. */
	do
		n = getrandom(mac + 3, VM_MAC_LEN - 3, 0);
	while (n < 0 && errno == EINTR);
	if (n != VM_MAC_LEN - 3)
		return vm_error_sys(err, VM_EXIT_SYSTEM, n < 0 ? errno : EIO,
				    "cannot generate a MAC address");
	return 0;
}

void
vm_mac_host(const unsigned char guest[VM_MAC_LEN], unsigned char host[VM_MAC_LEN])
{
	memcpy(host, guest, VM_MAC_LEN);
	host[0] = guest[0] == 0xfe ? 0xfa : 0xfe;
}
