/* Account filters, Yellowstone-style: within one kind the values are OR-ed (any owner in the
 * list), across kinds AND-ed (owner AND data size AND memcmp); a kind left empty does not
 * constrain. A filter set matches when any of its filters does. Built at config load (the only
 * allocation); matching allocates nothing and takes no lock. */
#ifndef MEVGK_FILTER_H
#define MEVGK_FILTER_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    size_t offset;
    size_t len;
    uint8_t bytes[128];
} mevgk_memcmp;

typedef struct {
    uint8_t (*owners)[32];   /* sorted */
    size_t n_owners;
    uint8_t (*accounts)[32]; /* sorted */
    size_t n_accounts;
    uint64_t *sizes;
    size_t n_sizes;
    mevgk_memcmp *memcmps;
    size_t n_memcmps;
} mevgk_filter;

/* Sorts the key lists so matching can binary-search them. */
void mevgk_filter_finalize(mevgk_filter *f);
int mevgk_filter_match(const mevgk_filter *f, const uint8_t pubkey[32], const uint8_t owner[32],
                       const uint8_t *data, size_t data_len);
int mevgk_filters_match(const mevgk_filter *fs, size_t n, const uint8_t pubkey[32],
                        const uint8_t owner[32], const uint8_t *data, size_t data_len);
void mevgk_filter_release(mevgk_filter *f);

#endif
