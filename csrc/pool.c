#include "pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "mev_error.h"
#include "proc.h"

#define MEV_POOL_MAX_THREADS 256

struct mev_pool {
    pthread_mutex_t run_lock; /* serialises whole batches */
    pthread_mutex_t lock;     /* guards the fields below it and the two condition variables */
    pthread_cond_t start;
    pthread_cond_t done;
    unsigned long generation; /* bumped per batch; workers wait for a change */
    int busy;                 /* workers still inside the current batch */
    int stopping;
    /* the current batch, read by workers after they see a new generation */
    mev_task_fn fn;
    void *ctx;
    size_t n;
    atomic_size_t next;
    atomic_int error;
    int nworkers;
    pid_t owner; /* the process whose threads these are */
    _Atomic int claimed_ids;     /* slots of `tids` taken by workers */
    _Atomic int started_workers; /* workers whose kernel id is stored */
    pid_t *tids;  /* per worker, for pinning */
    pthread_t workers[];
};

static void drain(mev_pool *p)
{
    for (;;) {
        if (atomic_load_explicit(&p->error, memory_order_relaxed) != 0)
            return;
        size_t i = atomic_fetch_add_explicit(&p->next, 1, memory_order_relaxed);
        if (i >= p->n)
            return;
        int rc = p->fn(p->ctx, i);
        if (rc != 0) {
            int expected = 0;
            atomic_compare_exchange_strong(&p->error, &expected, rc);
        }
    }
}

static void *worker_main(void *arg)
{
    mev_pool *p = arg;
    unsigned long seen = 0;

    p->tids[atomic_fetch_add(&p->claimed_ids, 1)] = mev_tid();
    atomic_fetch_add(&p->started_workers, 1); /* publishes the id stored above */

    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (p->generation == seen && !p->stopping)
            pthread_cond_wait(&p->start, &p->lock);
        if (p->stopping)
            break;
        seen = p->generation;
        pthread_mutex_unlock(&p->lock);
        drain(p);
        pthread_mutex_lock(&p->lock);
        if (--p->busy == 0)
            pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

int mev_pool_new(int nthreads, mev_pool **out)
{
    mev_pool *p;
    int started;

    *out = NULL;
    if (nthreads < 1 || nthreads > MEV_POOL_MAX_THREADS)
        return MEV_EINVAL;
    p = calloc(1, sizeof *p + (size_t)(nthreads - 1) * sizeof(pthread_t));
    if (p == NULL)
        return MEV_ENOMEM;
    p->tids = calloc((size_t)nthreads, sizeof *p->tids);
    if (p->tids == NULL) {
        free(p);
        return MEV_ENOMEM;
    }
    pthread_mutex_init(&p->run_lock, NULL);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->start, NULL);
    pthread_cond_init(&p->done, NULL);
    atomic_init(&p->next, 0);
    atomic_init(&p->error, 0);
    p->owner = mev_pid();
    for (started = 0; started < nthreads - 1; started++) {
        if (pthread_create(&p->workers[started], NULL, worker_main, p) != 0)
            break;
        p->nworkers = started + 1;
    }
    if (started < nthreads - 1) {
        mev_pool_free(p);
        return MEV_ETHREAD;
    }
    *out = p;
    return MEV_OK;
}

void mev_pool_free(mev_pool *p)
{
    if (p == NULL)
        return;
    if (p->owner != mev_pid()) { /* a forked child: no workers to join, locks in any state */
        free(p->tids);
        free(p);
        return;
    }
    pthread_mutex_lock(&p->lock);
    p->stopping = 1;
    pthread_cond_broadcast(&p->start);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->nworkers; i++)
        pthread_join(p->workers[i], NULL);
    pthread_cond_destroy(&p->done);
    pthread_cond_destroy(&p->start);
    pthread_mutex_destroy(&p->lock);
    pthread_mutex_destroy(&p->run_lock);
    free(p->tids);
    free(p);
}

int mev_pool_thread_ids(mev_pool *p, int *out, int cap)
{
    for (int i = 0; i < 100000 && atomic_load(&p->started_workers) < p->nworkers; i++)
        sched_yield(); /* just created: some workers have not run yet */
    int n = 0;
    if (atomic_load(&p->started_workers) == p->nworkers) /* else some ids may not be stored yet */
        for (int i = 0; i < p->nworkers && n < cap; i++)
            out[n++] = p->tids[i];
    return n;
}

int mev_pool_threads(const mev_pool *p)
{
    return p->nworkers + 1;
}

int mev_pool_run(mev_pool *p, mev_task_fn fn, void *ctx, size_t n)
{
    int rc;

    if (p == NULL || fn == NULL)
        return MEV_EINVAL;
    if (p->owner != mev_pid()) { /* a forked child: never wait on workers that do not exist */
        for (size_t i = 0; i < n; i++)
            if ((rc = fn(ctx, i)) != 0)
                return rc;
        return MEV_OK;
    }
    pthread_mutex_lock(&p->run_lock);
    pthread_mutex_lock(&p->lock);
    p->fn = fn;
    p->ctx = ctx;
    p->n = n;
    atomic_store(&p->next, 0);
    atomic_store(&p->error, 0);
    /* a batch too small to share is not worth waking anybody for */
    if (n > 1 && p->nworkers > 0) {
        p->busy = p->nworkers;
        p->generation++;
        pthread_cond_broadcast(&p->start);
    }
    pthread_mutex_unlock(&p->lock);

    drain(p);

    pthread_mutex_lock(&p->lock);
    while (p->busy > 0)
        pthread_cond_wait(&p->done, &p->lock);
    rc = atomic_load(&p->error);
    pthread_mutex_unlock(&p->lock);
    pthread_mutex_unlock(&p->run_lock);
    return rc;
}
