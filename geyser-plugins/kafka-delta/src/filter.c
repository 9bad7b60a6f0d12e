#include "filter.h"

#include <stdlib.h>
#include <string.h>

static int cmp_key(const void *a, const void *b)
{
    return memcmp(a, b, 32);
}

void mevgk_filter_finalize(mevgk_filter *f)
{
    if (f->n_owners > 1)
        qsort(f->owners, f->n_owners, 32, cmp_key);
    if (f->n_accounts > 1)
        qsort(f->accounts, f->n_accounts, 32, cmp_key);
}

static int in_keys(uint8_t (*keys)[32], size_t n, const uint8_t key[32])
{
    return bsearch(key, keys, n, 32, cmp_key) != NULL;
}

int mevgk_filter_match(const mevgk_filter *f, const uint8_t pubkey[32], const uint8_t owner[32],
                       const uint8_t *data, size_t data_len)
{
    if (f->n_owners && !in_keys(f->owners, f->n_owners, owner))
        return 0;
    if (f->n_accounts && !in_keys(f->accounts, f->n_accounts, pubkey))
        return 0;
    if (f->n_sizes) {
        size_t i = 0;
        while (i < f->n_sizes && f->sizes[i] != data_len)
            i++;
        if (i == f->n_sizes)
            return 0;
    }
    if (f->n_memcmps) {
        size_t i = 0;
        for (; i < f->n_memcmps; i++) {
            const mevgk_memcmp *m = &f->memcmps[i];
            if (m->offset <= data_len && m->len <= data_len - m->offset &&
                memcmp(data + m->offset, m->bytes, m->len) == 0)
                break;
        }
        if (i == f->n_memcmps)
            return 0;
    }
    return 1;
}

int mevgk_filters_match(const mevgk_filter *fs, size_t n, const uint8_t pubkey[32],
                        const uint8_t owner[32], const uint8_t *data, size_t data_len)
{
    for (size_t i = 0; i < n; i++)
        if (mevgk_filter_match(&fs[i], pubkey, owner, data, data_len))
            return 1;
    return 0;
}

void mevgk_filter_release(mevgk_filter *f)
{
    free(f->owners);
    free(f->accounts);
    free(f->sizes);
    free(f->memcmps);
    memset(f, 0, sizeof *f);
}
