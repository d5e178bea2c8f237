/*
 * Scope-bound cleanup, crun style. Initialise at the declaration and
 * hand ownership on with steal_ptr()/steal_fd().
 */
#ifndef VM_CLEANUP_H
#define VM_CLEANUP_H

#include <stdlib.h>
#include <unistd.h>
#include <errno.h>

static inline void
cleanup_free_fn(void *p)
{
	free(*(void **)p);
}

static inline void
cleanup_close_fn(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

#define cleanup_free __attribute__((cleanup(cleanup_free_fn)))
#define cleanup_close __attribute__((cleanup(cleanup_close_fn)))

#define steal_ptr(p)                                                                               \
	({                                                                                         \
		__typeof__(p) _tmp = (p);                                                          \
		(p) = NULL;                                                                        \
		_tmp;                                                                              \
	})
#define steal_fd(fd)                                                                               \
	({                                                                                         \
		int _tmp = (fd);                                                                   \
		(fd) = -1;                                                                         \
		_tmp;                                                                              \
	})

#endif
