/*
 * The displays of a domain (<graphics>): QEMU's VNC and SPICE servers,
 * on a unix socket in the domain's run directory unless the XML asks for
 * a TCP address. The model only checks what the XML says. For VNC,
 * vm-start binds the listening socket itself (so that its owner, mode
 * and port are vmkit's choice, not QEMU's) and hands it to QEMU over QMP
 * before the guest runs: QEMU starts with "-vnc none". SPICE's server
 * binds its own socket, so vm-start gives QEMU a directory of its own to
 * bind it in (an inherited fd, reached as /proc/self/fd/N), or a port it
 * has leased and found free. A password goes in a secret object read
 * from an inherited memfd: never on the command line.
 *
 * A SPICE display's <image>, <jpeg>, <zlib>, <playback>, <streaming>,
 * <mouse>, <clipboard> and <filetransfer> become options of -spice as
 * libvirt maps them; <gl enable='no'> is QEMU's default; <gl
 * enable='yes'> (a host GPU's render node) and <channel> (TLS) are
 * refused by name.
 *
 * A listen address that is not loopback needs a passwd: a VNC server
 * open to a network without one is anyone's console.
 */
#ifndef VM_GRAPHICS_H
#define VM_GRAPHICS_H

#include <stdbool.h>

/* The lowest port of a VNC display (display :0), and where autoport starts. */
#define VM_GRAPHICS_PORT_MIN 5900
#define VM_GRAPHICS_PORT_MAX 65535

enum vm_graphics_type { VM_GRAPHICS_VNC, VM_GRAPHICS_SPICE };
enum vm_graphics_listen { VM_GRAPHICS_SOCKET, VM_GRAPHICS_ADDRESS };

/* The children of a SPICE <graphics> that set an option of -spice, as libvirt maps them. */
enum vm_graphics_spice_opt {
	VM_GRAPHICS_IMAGE,	  /* <image compression> */
	VM_GRAPHICS_JPEG,	  /* <jpeg compression> */
	VM_GRAPHICS_ZLIB,	  /* <zlib compression> */
	VM_GRAPHICS_PLAYBACK,	  /* <playback compression> */
	VM_GRAPHICS_STREAMING,	  /* <streaming mode> */
	VM_GRAPHICS_MOUSE,	  /* <mouse mode> */
	VM_GRAPHICS_CLIPBOARD,	  /* <clipboard copypaste> */
	VM_GRAPHICS_FILETRANSFER, /* <filetransfer enable> */
	VM_GRAPHICS_SPICE_OPTS
};

struct vm_graphics {
	enum vm_graphics_type type;
	enum vm_graphics_listen listen;
	char *address;			     /* ADDRESS: a numeric IPv4 or IPv6 address */
	int port;			     /* ADDRESS: the fixed port, 0 for autoport */
	char *passwd;			     /* NULL: none */
	long long valid_to;		     /* passwdValidTo in seconds since the epoch, or 0 */
	char *keymap;			     /* NULL: QEMU's (en-us) */
	char *spice[VM_GRAPHICS_SPICE_OPTS]; /* SPICE: each option's XML value, NULL for QEMU's */
	unsigned plaintext;		     /* SPICE: <channel mode='insecure'>s, by bit of name */
	int line;			     /* of <graphics>, for messages */
};

struct vm_domain;

/* Whether DOM has a SPICE display, which spicevmc devices and SPICE audio need. */
bool vm_graphics_has_spice(const struct vm_domain *dom);

/* The type's name as the XML spells it ("vnc"). */
const char *vm_graphics_type_name(enum vm_graphics_type t);

/* What vm-start made for a display, which its QEMU arguments name. */
struct vm_graphics_run {
	int passwd_fd;	    /* a memfd holding the passwd; -1 without one */
	int dirfd;	    /* SPICE on a socket: the directory QEMU binds it in */
	const char *socket; /* ... and the socket's name in it */
	unsigned port;	    /* SPICE on an address: the port leased for it */
};

#endif
