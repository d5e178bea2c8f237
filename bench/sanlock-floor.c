/*
 * The floor of vm-start's sanlock cost: register with the daemon
 * (SANLOCK_RUN_DIR), acquire the given leases exclusively, at most
 * SANLK_MAX_RESOURCES per call on the one connection as QEMU holds
 * them, then release them. Prints the milliseconds from register to the
 * last acquire.
 *
 * Usage: sanlock-floor LOCKSPACE LEASE_DIR ID...
 * where each ID names a lease file (64 hex digits) whose resource is
 * its first 40 digits, as vmkit's sanlock driver names them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sanlock.h>
#include <sanlock_resource.h>

struct res {
	struct sanlk_resource r;
	struct sanlk_disk d;
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int
main(int argc, char **argv)
{
	int n = argc - 3, sock, rv = 0;
	struct res *x;
	struct sanlk_resource **v;
	double t0, t1;

	if (n < 1) {
		fprintf(stderr, "usage: sanlock-floor LOCKSPACE LEASE_DIR ID...\n");
		return 2;
	}
	x = calloc(n, sizeof(*x));
	v = calloc(n, sizeof(*v));
	if (!x || !v)
		return 1;
	for (int i = 0; i < n; i++) {
		snprintf(x[i].r.lockspace_name, SANLK_NAME_LEN, "%s", argv[1]);
		snprintf(x[i].r.name, SANLK_NAME_LEN, "%.40s", argv[3 + i]);
		snprintf(x[i].d.path, SANLK_PATH_LEN, "%s/%s", argv[2], argv[3 + i]);
		x[i].r.num_disks = 1;
		v[i] = &x[i].r;
	}
	t0 = now_ms();
	sock = sanlock_register();
	if (sock < 0) {
		fprintf(stderr, "sanlock_register: %d\n", sock);
		return 1;
	}
	for (int i = 0; i < n && rv == 0; i += SANLK_MAX_RESOURCES)
		rv = sanlock_acquire(sock, -1, 0,
				     n - i < SANLK_MAX_RESOURCES ? n - i : SANLK_MAX_RESOURCES,
				     v + i, NULL);
	t1 = now_ms();
	if (rv < 0) {
		fprintf(stderr, "sanlock_acquire: %d\n", rv);
		return 1;
	}
	sanlock_release(sock, -1, SANLK_REL_ALL, 0, NULL);
	printf("%.3f\n", t1 - t0);
	return 0;
}
