#include "leadermap.h"

#include <stdlib.h>
#include <string.h>

#include "mev_error.h"

#define MIGRATE_PER_OP 8

typedef struct {
    uint8_t *slots; /* capacity entries of: used byte, key, value (padded to 8) */
    size_t capacity; /* a power of two */
    size_t count;
} table;

struct mev_leadermap {
    size_t value_size;
    size_t entry_size;
    table cur;
    table old;        /* being drained into cur after a grow; capacity 0 when none */
    size_t old_next;  /* next old slot to migrate */
};

static uint64_t hash_key(const uint8_t *k)
{
    /* keys are public keys: already uniform, so mixing two words is plenty */
    uint64_t a, b;
    memcpy(&a, k, 8);
    memcpy(&b, k + 8, 8);
    uint64_t h = a ^ (b * 0x9e3779b97f4a7c15ULL);
    h ^= h >> 29;
    return h * 0xbf58476d1ce4e5b9ULL;
}

static uint8_t *entry(const mev_leadermap *m, const table *t, size_t i)
{
    return t->slots + i * m->entry_size;
}

static int table_init(table *t, size_t capacity, size_t entry_size)
{
    t->slots = calloc(capacity, entry_size);
    t->capacity = capacity;
    t->count = 0;
    return t->slots ? MEV_OK : MEV_ENOMEM;
}

int mev_leadermap_new(size_t value_size, size_t initial_capacity, mev_leadermap **out)
{
    mev_leadermap *m;
    size_t cap = 16;

    *out = NULL;
    if (value_size == 0 || value_size > 4096)
        return MEV_EINVAL;
    while (cap < initial_capacity * 2 && cap < ((size_t)1 << 30))
        cap <<= 1;
    m = calloc(1, sizeof *m);
    if (m == NULL)
        return MEV_ENOMEM;
    m->value_size = value_size;
    m->entry_size = (8 + MEV_KEY_BYTES + value_size + 7) / 8 * 8;
    if (table_init(&m->cur, cap, m->entry_size) != MEV_OK) {
        free(m);
        return MEV_ENOMEM;
    }
    *out = m;
    return MEV_OK;
}

void mev_leadermap_free(mev_leadermap *m)
{
    if (m == NULL)
        return;
    free(m->cur.slots);
    free(m->old.slots);
    free(m);
}

/* Slot index of key in t, or of the empty slot where it would go. */
static size_t probe(const mev_leadermap *m, const table *t, const uint8_t *key, int *found)
{
    size_t mask = t->capacity - 1, i = hash_key(key) & mask;
    for (;;) {
        uint8_t *e = entry(m, t, i);
        if (!e[0]) {
            *found = 0;
            return i;
        }
        if (memcmp(e + 8, key, MEV_KEY_BYTES) == 0) {
            *found = 1;
            return i;
        }
        i = (i + 1) & mask;
    }
}

static void migrate_some(mev_leadermap *m)
{
    for (int n = 0; n < MIGRATE_PER_OP && m->old.capacity; n++) {
        if (m->old_next == m->old.capacity) {
            free(m->old.slots);
            memset(&m->old, 0, sizeof m->old);
            return;
        }
        uint8_t *e = entry(m, &m->old, m->old_next++);
        if (!e[0])
            continue;
        int found;
        size_t i = probe(m, &m->cur, e + 8, &found);
        if (!found) {
            memcpy(entry(m, &m->cur, i), e, m->entry_size);
            m->cur.count++;
        }
        /* an old entry whose key is already in cur was updated after the grow: cur wins */
    }
}

void *mev_leadermap_find(mev_leadermap *m, const uint8_t key[MEV_KEY_BYTES])
{
    int found;
    size_t i = probe(m, &m->cur, key, &found);
    if (found)
        return entry(m, &m->cur, i) + 8 + MEV_KEY_BYTES;
    if (m->old.capacity) {
        i = probe(m, &m->old, key, &found);
        if (found)
            return entry(m, &m->old, i) + 8 + MEV_KEY_BYTES;
    }
    return NULL;
}

void *mev_leadermap_upsert(mev_leadermap *m, const uint8_t key[MEV_KEY_BYTES], int *created)
{
    int found;
    size_t i;

    *created = 0;
    migrate_some(m);
    i = probe(m, &m->cur, key, &found);
    if (found)
        return entry(m, &m->cur, i) + 8 + MEV_KEY_BYTES;
    /* absent from cur: take the old table's copy if it has one, so state is never lost */
    const uint8_t *old_value = NULL;
    if (m->old.capacity) {
        size_t j = probe(m, &m->old, key, &found);
        if (found)
            old_value = entry(m, &m->old, j) + 8 + MEV_KEY_BYTES;
    }
    if ((m->cur.count + 1) * 2 > m->cur.capacity) {
        if (m->old.capacity) {
            /* still draining: finish it first (rare: needs doubling twice in a row) */
            while (m->old.capacity)
                migrate_some(m);
            return mev_leadermap_upsert(m, key, created);
        }
        table bigger;
        if (table_init(&bigger, m->cur.capacity * 2, m->entry_size) != MEV_OK)
            return NULL;
        m->old = m->cur;
        m->old_next = 0;
        m->cur = bigger;
        return mev_leadermap_upsert(m, key, created);
    }
    uint8_t *e = entry(m, &m->cur, i);
    e[0] = 1;
    memcpy(e + 8, key, MEV_KEY_BYTES);
    if (old_value)
        memcpy(e + 8 + MEV_KEY_BYTES, old_value, m->value_size);
    else
        *created = 1;
    m->cur.count++;
    return e + 8 + MEV_KEY_BYTES;
}

size_t mev_leadermap_count(const mev_leadermap *m)
{
    size_t n = m->cur.count;
    /* entries not yet migrated that are not shadowed by cur */
    for (size_t i = m->old_next; i < m->old.capacity; i++) {
        const uint8_t *e = m->old.slots + i * m->entry_size;
        int found;
        if (e[0]) {
            probe(m, &m->cur, e + 8, &found);
            n += !found;
        }
    }
    return n;
}

int mev_leadermap_each(mev_leadermap *m, mev_leadermap_visit fn, void *ctx)
{
    while (m->old.capacity) /* a full walk settles any pending migration first */
        migrate_some(m);
    for (size_t i = 0; i < m->cur.capacity; i++) {
        uint8_t *e = entry(m, &m->cur, i);
        if (e[0]) {
            int rc = fn(ctx, e + 8, e + 8 + MEV_KEY_BYTES);
            if (rc)
                return rc;
        }
    }
    return MEV_OK;
}
