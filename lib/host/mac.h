/*
 * Ethernet MAC addresses of guest NICs, as libvirt reads and makes them.
 *
 *	unsigned char mac[VM_MAC_LEN];
 *	if (vm_mac_parse("52:54:00:12:34:56", mac, &err) < 0)
 *		return -1;
 *
 * A guest's MAC must be unicast and not all zeros: a multicast source
 * address is dropped by every switch, and 00:00:00:00:00:00 means "none"
 * to the kernel. Both are refused with VM_EXIT_INVALID, as is any text
 * that is not six hex octets separated by colons (an octet may have one
 * digit, as libvirt accepts it).
 *
 * A generated MAC is libvirt's: the QEMU/KVM prefix 52:54:00, which has
 * the locally administered bit set, and three random bytes from
 * getrandom(2). Its uniqueness among running domains is not this
 * module's business: that is the MAC lease (issue 13).
 *
 * The host side of a tap takes the guest's MAC with its first byte
 * changed to fe (fa if the guest's is fe already), as libvirt does: a
 * Linux bridge takes the lowest MAC among its ports as its own, and a
 * tap that starts with fe is never the lowest, so the bridge's address
 * does not change as guests come and go; and the host side never
 * answers for the guest's address.
 */
#ifndef VM_MAC_H
#define VM_MAC_H

#include "error.h"

#define VM_MAC_LEN 6
#define VM_MAC_STRLEN 18 /* "52:54:00:12:34:56" and its NUL */

/* Reads TEXT into MAC; VM_EXIT_INVALID with TEXT named if it is bad. */
int vm_mac_parse(const char *text, unsigned char mac[VM_MAC_LEN], struct vm_error *err);

/* VM_EXIT_INVALID if MAC is multicast or all zeros. */
int vm_mac_check(const unsigned char mac[VM_MAC_LEN], struct vm_error *err);

/* Lower-case, two digits an octet: the form libvirt writes. */
void vm_mac_format(const unsigned char mac[VM_MAC_LEN], char text[VM_MAC_STRLEN]);

/* 52:54:00 and three random bytes; VM_EXIT_SYSTEM if getrandom fails. */
int vm_mac_generate(unsigned char mac[VM_MAC_LEN], struct vm_error *err);

/* The MAC the host side of a tap takes for a guest using GUEST. */
void vm_mac_host(const unsigned char guest[VM_MAC_LEN], unsigned char host[VM_MAC_LEN]);

#endif
