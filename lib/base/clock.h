/* Monotonic milliseconds, for deadlines that wall-clock jumps cannot move. */
#ifndef VM_CLOCK_H
#define VM_CLOCK_H

#include <time.h>

static inline long long
vm_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

#endif
