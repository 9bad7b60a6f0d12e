/* Which process this is, cheaply: objects that own threads or shared-memory roles record the
 * pid that made them and compare on use, because a forked child inherits the objects but not the
 * threads, and must not act under its parent's identity. */
#ifndef MEV_PROC_H
#define MEV_PROC_H

#include <sys/types.h>

/* getpid() without a system call: cached, and refreshed in a child by a pthread_atfork handler. */
pid_t mev_pid(void);
/* The calling thread's kernel id (what sched_setaffinity and /proc/PID/task take). */
pid_t mev_tid(void);

#endif
