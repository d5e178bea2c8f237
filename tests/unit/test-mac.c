/* Unit tests for MAC addresses: libvirt's syntax, unicast only, its generator. */
#include "mac.h"
#include "exitcodes.h"
#include "tap.h"

#include <string.h>

static int
parses(const char *text, const char *want)
{
	struct vm_error err = VM_ERROR_INIT;
	unsigned char mac[VM_MAC_LEN];
	char got[VM_MAC_STRLEN];

	if (vm_mac_parse(text, mac, &err) < 0)
		return 0;
	vm_mac_format(mac, got);
	return strcmp(got, want) == 0;
}

static int
refused(const char *text, const char *msg)
{
	struct vm_error err = VM_ERROR_INIT;
	unsigned char mac[VM_MAC_LEN];

	return vm_mac_parse(text, mac, &err) < 0 && err.code == VM_EXIT_INVALID &&
	       strcmp(err.msg, msg) == 0;
}

int
main(void)
{
	static const char *const malformed[] = {
		"",
		"52:54:00:12:34",
		"52:54:00:12:34:56:78",
		"52-54-00-12-34-56",
		"52:54:00:12:34:5g",
		"525:54:00:12:34:56",
		"52:54::12:34:56",
		"52:54:00:12:34:56:",
		" 52:54:00:12:34:56",
		"52:54:00:12:34:56\n",
	};
	struct vm_error err = VM_ERROR_INIT;
	unsigned char a[VM_MAC_LEN], b[VM_MAC_LEN], host[VM_MAC_LEN];
	char msg[200], text[VM_MAC_STRLEN];
	size_t i;
	int bad = 0;

	ok(parses("52:54:00:12:34:56", "52:54:00:12:34:56"), "a MAC is six hex octets");
	ok(parses("52:54:00:AB:cd:Ef", "52:54:00:ab:cd:ef"), "hex digits in either case");
	ok(parses("2:4:0:a:b:c", "02:04:00:0a:0b:0c"),
	   "an octet may have one digit, as in libvirt");
	for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		snprintf(msg, sizeof(msg),
			 "invalid MAC address '%s': expected six hex octets such as 52:54:00:12:34:56",
			 malformed[i]);
		if (!refused(malformed[i], msg)) {
			printf("# not refused as malformed: '%s'\n", malformed[i]);
			bad++;
		}
	}
	ok(!bad, "malformed text is invalid input naming it");
	ok(refused("01:00:5e:00:00:01", "invalid MAC address '01:00:5e:00:00:01': it is multicast"),
	   "a multicast MAC is refused");
	ok(refused("ff:ff:ff:ff:ff:ff", "invalid MAC address 'ff:ff:ff:ff:ff:ff': it is multicast"),
	   "the broadcast MAC is refused as multicast");
	ok(refused("00:00:00:00:00:00", "invalid MAC address '00:00:00:00:00:00': it is all zeros"),
	   "the all-zero MAC is refused");

	ok(vm_mac_generate(a, &err) == 0 && vm_mac_generate(b, &err) == 0, "MACs are generated");
	ok(a[0] == 0x52 && a[1] == 0x54 && a[2] == 0x00, "with libvirt's prefix 52:54:00");
	ok((a[0] & 2) && !(a[0] & 1) && vm_mac_check(a, &err) == 0,
	   "locally administered and unicast");
	ok(memcmp(a, b, VM_MAC_LEN) != 0, "and random (two differ)");

	vm_mac_parse("52:54:00:12:34:56", a, &err);
	vm_mac_host(a, host);
	vm_mac_format(host, text);
	ok(strcmp(text, "fe:54:00:12:34:56") == 0, "the host side of a tap starts with fe: %s",
	   text);
	vm_mac_parse("fe:54:00:12:34:56", a, &err);
	vm_mac_host(a, host);
	vm_mac_format(host, text);
	ok(strcmp(text, "fa:54:00:12:34:56") == 0, "or fa if the guest's does: %s", text);
	return tap_done();
}
