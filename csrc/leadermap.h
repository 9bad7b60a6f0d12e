/* A hash map from 32-byte keys (leader identities) to fixed-size values, for per-leader state.
 *
 * Open addressing with linear probing. When it passes half full it allocates a table twice the
 * size and moves entries a few per operation, so no single call pays for a whole rehash. Values
 * are zero-initialised on insert and stay at a stable address until the next insert. */
#ifndef MEV_LEADERMAP_H
#define MEV_LEADERMAP_H

#include <stddef.h>
#include <stdint.h>

#define MEV_KEY_BYTES 32

typedef struct mev_leadermap mev_leadermap;

int mev_leadermap_new(size_t value_size, size_t initial_capacity, mev_leadermap **out);
void mev_leadermap_free(mev_leadermap *m);

/* The value for key, or NULL if absent. */
void *mev_leadermap_find(mev_leadermap *m, const uint8_t key[MEV_KEY_BYTES]);
/* The value for key, inserted zeroed if absent (*created = 1). NULL only when memory runs out. */
void *mev_leadermap_upsert(mev_leadermap *m, const uint8_t key[MEV_KEY_BYTES], int *created);
size_t mev_leadermap_count(const mev_leadermap *m);

/* Visits every entry (any order). Stop early by returning non-zero from fn. */
typedef int (*mev_leadermap_visit)(void *ctx, const uint8_t *key, void *value);
int mev_leadermap_each(mev_leadermap *m, mev_leadermap_visit fn, void *ctx);

#endif
