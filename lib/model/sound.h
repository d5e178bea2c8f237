/*
 * The sound devices of a domain (<sound>) and the audio backends they
 * play to (<audio>), as libvirt maps them to QEMU 7.2's. No host audio
 * server is assumed: a backend is "none" (the guest plays to nothing)
 * or, with a SPICE display, "spice" (to the SPICE client). A sound
 * device without <audio> plays to the first one, or, when the domain has
 * none, to the one libvirt would add: spice with a SPICE display, else
 * none.
 */
#ifndef VM_SOUND_H
#define VM_SOUND_H

#include "address.h"

enum vm_sound_model { VM_SOUND_ICH9, VM_SOUND_ICH6, VM_SOUND_AC97, VM_SOUND_USB };
enum vm_sound_codec { VM_CODEC_DUPLEX, VM_CODEC_MICRO, VM_CODEC_OUTPUT };
enum vm_audio_type { VM_AUDIO_NONE, VM_AUDIO_SPICE };

#define VM_SOUND_CODECS_MAX 4 /* an HDA controller's codec addresses vmkit gives */

struct vm_sound {
	enum vm_sound_model model;
	enum vm_sound_codec codecs[VM_SOUND_CODECS_MAX]; /* HDA only; none: one duplex */
	unsigned ncodecs;
	unsigned audio; /* the <audio id> it plays to */
	int line;	/* of <sound>, for messages */
	/* its <address> (address.h); type NONE: none written */
	struct vm_address addr;
};

struct vm_audio {
	unsigned id; /* 1, 2, ... in document order, as libvirt requires */
	enum vm_audio_type type;
	int line;
};

#endif
