/* A small persistent pthread pool for data-parallel batches: the caller works too, so a pool of
 * n threads starts n - 1 workers. One batch runs at a time; concurrent callers queue on a mutex.
 * In a forked child the workers do not exist (and the parent may have held the locks at the
 * fork): there a batch runs on the caller's thread alone and free() only releases the memory. */
#ifndef MEV_POOL_H
#define MEV_POOL_H

#include <stddef.h>

typedef struct mev_pool mev_pool;

/* Called once per item index, from any thread of the pool. Returns 0 or an error code; the first
 * error stops further items and is returned by mev_pool_run. */
typedef int (*mev_task_fn)(void *ctx, size_t index);

int mev_pool_new(int nthreads, mev_pool **out);
void mev_pool_free(mev_pool *pool); /* joins every worker (in the process that made it) */
int mev_pool_threads(const mev_pool *pool);
/* The workers' kernel ids (up to cap), to pin them (mevlib.affinity); returns how many. */
int mev_pool_thread_ids(mev_pool *pool, int *out, int cap);
int mev_pool_run(mev_pool *pool, mev_task_fn fn, void *ctx, size_t n);

#endif
