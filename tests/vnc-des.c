/*
 * The client's half of VNC authentication (RFB security type 2) for
 * tests/rfb-client.py, as Python's standard library has no DES:
 * "vnc-des PASSWD" reads the server's 16-byte challenge on stdin and
 * writes the 16-byte response on stdout: the challenge encrypted with
 * DES-ECB under a key of the passwd's first 8 bytes (zero-padded), each
 * byte's bits reversed, as RFB 3.8 (RFC 6143, 7.2.2) and QEMU do it.
 */
#include <nettle/des.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int
main(int argc, char **argv)
{
	uint8_t key[DES_KEY_SIZE] = { 0 }, challenge[16], response[16];
	struct des_ctx ctx;
	size_t n;

	if (argc != 2)
		return 2;
	n = strlen(argv[1]);
	for (size_t i = 0; i < DES_KEY_SIZE && i < n; i++)
		for (int b = 0; b < 8; b++)
			if ((uint8_t)argv[1][i] & 1 << b)
				key[i] |= 0x80 >> b;
	/* a weak key is still a key: the server uses it as it is */
	des_set_key(&ctx, key);
	if (fread(challenge, 1, sizeof(challenge), stdin) != sizeof(challenge))
		return 1;
	des_encrypt(&ctx, sizeof(challenge), response, challenge);
	return fwrite(response, 1, sizeof(response), stdout) == sizeof(response) ? 0 : 1;
}
