#include "ofd.h"
#include "clock.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

static void
on_alarm(int sig)
{
}

int
vm_ofd_lock(int fd, struct flock *fl, int wait_ms)
{
	struct sigaction sa = { .sa_handler = on_alarm }, old_sa;
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGALRM };
	struct itimerspec its = { 0 };
	sigset_t alrm, old_mask;
	long long deadline;
	timer_t timer;
	int r, e;

	/* Mostly the lock is free: no timer for that. */
	r = fcntl(fd, F_OFD_SETLK, fl);
	if (r < 0 && errno == EACCES)
		errno = EAGAIN;
	if (wait_ms == 0 || r == 0 || errno != EAGAIN)
		return r;
	if (wait_ms < 0) {
		while ((r = fcntl(fd, F_OFD_SETLKW, fl)) < 0 && errno == EINTR)
			;
		return r;
	}
	deadline = vm_now_ms() + wait_ms;
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) < 0) {
		/* Its EAGAIN (no resources) must not read as a conflict. */
		if (errno == EAGAIN)
			errno = ENOMEM;
		return -1;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old_sa);
	/* A caller that blocks SIGALRM would otherwise sleep forever. */
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	pthread_sigmask(SIG_UNBLOCK, &alrm, &old_mask);
	its.it_value.tv_sec = wait_ms / 1000;
	its.it_value.tv_nsec = (wait_ms % 1000) * 1000000L;
	its.it_interval.tv_nsec = 10 * 1000000L;
	timer_settime(timer, 0, &its, NULL);
	for (;;) {
		r = fcntl(fd, F_OFD_SETLKW, fl);
		if (r == 0 || errno != EINTR)
			break;
		if (vm_now_ms() >= deadline) {
			errno = EAGAIN;
			break;
		}
	}
	e = errno;
	timer_delete(timer);
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	sigaction(SIGALRM, &old_sa, NULL);
	errno = e;
	return r;
}
