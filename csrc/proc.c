#include "proc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>

static _Atomic pid_t cached_pid;
static pthread_once_t registered = PTHREAD_ONCE_INIT;

static void refresh(void)
{
    atomic_store_explicit(&cached_pid, getpid(), memory_order_relaxed);
}

static void register_refresh(void)
{
    refresh();
    pthread_atfork(NULL, NULL, refresh);
}

pid_t mev_pid(void)
{
    pthread_once(&registered, register_refresh);
    return atomic_load_explicit(&cached_pid, memory_order_relaxed);
}

pid_t mev_tid(void)
{
    return (pid_t)syscall(SYS_gettid);
}
