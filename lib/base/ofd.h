/*
 * OFD locks with a bounded wait, shared by the domain lock and the lease
 * driver. OFD locks belong to the open file description, so they pass
 * across fork/exec and die with the last holder.
 */
#ifndef VM_OFD_H
#define VM_OFD_H

#include <fcntl.h>

/*
 * Takes the lock FL on FD, waiting up to WAIT_MS (0: not at all, -1:
 * forever). The wait sleeps in F_OFD_SETLKW; a SIGALRM handler installed
 * without SA_RESTART makes it fail with EINTR at the deadline. The timer
 * goes on firing every 10 ms after the deadline, so a signal that lands
 * just before fcntl() starts to sleep cannot leave it asleep for good.
 * A timeout or conflict fails with EAGAIN.
 */
int vm_ofd_lock(int fd, struct flock *fl, int wait_ms);

#endif
