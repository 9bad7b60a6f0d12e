#include "txtpl.h"

#include <stdlib.h>
#include <string.h>

#include "mev_error.h"

typedef struct {
    size_t msg_offset; /* where the patched bytes start, relative to the message */
    uint8_t width;
    uint8_t account; /* 1: a static account key, checked against the others at signing */
} patch_point;

struct mev_tpl {
    mev_msg_info info;
    size_t wire_len;
    size_t msg_start; /* offset of the message inside wire */
    const mev_key *signers[MEV_MAX_SIGNERS];
    patch_point patches[MEV_MAX_PATCHES];
    unsigned npatches;
    size_t row_bytes;
    uint8_t wire[MEV_MAX_TX_BYTES]; /* signature count, zeroed signatures, message */
};

int mev_tpl_new(const uint8_t *msg, size_t len, mev_tpl **out)
{
    mev_tpl *t;
    mev_msg_info info;
    uint8_t count[3];
    size_t nc;
    int rc;

    *out = NULL;
    if (msg == NULL)
        return MEV_EINVAL;
    if (len > MEV_MAX_TX_BYTES)
        return MEV_ETOOBIG;
    if ((rc = mev_msg_parse(msg, len, &info)) != MEV_OK)
        return rc;
    if (info.num_required_signatures > MEV_MAX_SIGNERS)
        return MEV_ETOOBIG;
    nc = mev_compact_u16_write(info.num_required_signatures, count);
    if (nc + (size_t)info.num_required_signatures * MEV_SIG_BYTES + len > MEV_MAX_TX_BYTES)
        return MEV_ETOOBIG;
    t = calloc(1, sizeof *t);
    if (t == NULL)
        return MEV_ENOMEM;
    t->info = info;
    memcpy(t->wire, count, nc);
    t->msg_start = nc + (size_t)info.num_required_signatures * MEV_SIG_BYTES;
    memcpy(t->wire + t->msg_start, msg, len);
    t->wire_len = t->msg_start + len;
    *out = t;
    return MEV_OK;
}

void mev_tpl_free(mev_tpl *t)
{
    free(t);
}

const mev_msg_info *mev_tpl_info(const mev_tpl *t) { return &t->info; }
size_t mev_tpl_wire_len(const mev_tpl *t) { return t->wire_len; }
size_t mev_tpl_row_bytes(const mev_tpl *t) { return t->row_bytes; }

const uint8_t *mev_tpl_signer_pubkey(const mev_tpl *t, unsigned slot)
{
    if (slot >= t->info.num_required_signatures)
        return NULL;
    return t->wire + t->msg_start + t->info.keys_offset + (size_t)slot * 32;
}

int mev_tpl_set_signer(mev_tpl *t, const mev_key *key)
{
    int found = 0;
    for (unsigned i = 0; i < t->info.num_required_signatures; i++) {
        if (memcmp(mev_tpl_signer_pubkey(t, i), mev_key_pubkey(key), 32) == 0) {
            t->signers[i] = key; /* a key listed twice fills both slots */
            found = 1;
        }
    }
    return found ? MEV_OK : MEV_EKEY;
}

int mev_tpl_check_signers(const mev_tpl *t)
{
    for (unsigned i = 0; i < t->info.num_required_signatures; i++)
        if (t->signers[i] == NULL)
            return MEV_ESIGNER;
    return MEV_OK;
}

static int add_patch(mev_tpl *t, size_t msg_offset, uint8_t width, uint8_t account, unsigned *index)
{
    if (t->npatches == MEV_MAX_PATCHES)
        return MEV_EINVAL;
    for (unsigned i = 0; i < t->npatches; i++) {
        const patch_point *p = &t->patches[i];
        if (msg_offset < p->msg_offset + p->width && p->msg_offset < msg_offset + width)
            return MEV_EBOUNDS; /* overlapping patches would make the result order-dependent */
    }
    t->patches[t->npatches] = (patch_point){msg_offset, width, account};
    *index = t->npatches++;
    t->row_bytes += width;
    return MEV_OK;
}

int mev_tpl_add_blockhash_patch(mev_tpl *t, unsigned *index)
{
    return add_patch(t, t->info.blockhash_offset, 32, 0, index);
}

int mev_tpl_add_ix_patch(mev_tpl *t, uint16_t ix, uint16_t data_offset, uint8_t width,
                         unsigned *index)
{
    size_t off;
    uint16_t dlen;
    int rc;

    if (width != 1 && width != 2 && width != 4 && width != 8)
        return MEV_EINVAL;
    if (ix >= t->info.num_instructions)
        return MEV_EBOUNDS;
    rc = mev_msg_ix_data(t->wire + t->msg_start, t->wire_len - t->msg_start, ix, &off, &dlen);
    if (rc != MEV_OK)
        return rc;
    if ((size_t)data_offset + width > dlen)
        return MEV_EBOUNDS;
    return add_patch(t, off + data_offset, width, 0, index);
}

int mev_tpl_add_account_patch(mev_tpl *t, uint16_t key_index, unsigned *index)
{
    if (key_index >= t->info.num_static_keys)
        return MEV_EBOUNDS;
    if (key_index < t->info.num_required_signatures)
        return MEV_EINVAL;
    return add_patch(t, t->info.keys_offset + (size_t)key_index * 32, 32, 1, index);
}

/* A patched key must stay unique among the static keys: a message naming one account twice is
 * rejected by the runtime (AccountLoadedTwice), which would cost the attempt. */
static int check_unique_keys(const mev_tpl *t, const uint8_t *msg)
{
    const uint8_t *keys = msg + t->info.keys_offset;
    for (unsigned i = 0; i < t->npatches; i++) {
        if (!t->patches[i].account)
            continue;
        const uint8_t *k = msg + t->patches[i].msg_offset;
        for (unsigned j = 0; j < t->info.num_static_keys; j++)
            if (keys + (size_t)j * 32 != k && memcmp(keys + (size_t)j * 32, k, 32) == 0)
                return MEV_EDUPKEY;
    }
    return MEV_OK;
}

int mev_tpl_patch_layout(const mev_tpl *t, unsigned i, size_t *row_offset, uint8_t *width)
{
    size_t off = 0;
    if (i >= t->npatches)
        return MEV_EINVAL;
    for (unsigned j = 0; j < i; j++)
        off += t->patches[j].width;
    *row_offset = off;
    *width = t->patches[i].width;
    return MEV_OK;
}

void mev_tpl_default_row(const mev_tpl *t, uint8_t *row)
{
    for (unsigned i = 0; i < t->npatches; i++) {
        memcpy(row, t->wire + t->msg_start + t->patches[i].msg_offset, t->patches[i].width);
        row += t->patches[i].width;
    }
}

int mev_tpl_sign(const mev_tpl *t, const uint8_t *row, uint8_t *out)
{
    uint8_t *msg = out + t->msg_start;
    size_t msg_len = t->wire_len - t->msg_start;
    uint8_t *sigs = msg - (size_t)t->info.num_required_signatures * MEV_SIG_BYTES;
    int rc;

    if ((rc = mev_tpl_check_signers(t)) != MEV_OK)
        return rc;
    memcpy(out, t->wire, t->wire_len);
    if (row != NULL) {
        for (unsigned i = 0; i < t->npatches; i++) {
            memcpy(msg + t->patches[i].msg_offset, row, t->patches[i].width);
            row += t->patches[i].width;
        }
        if ((rc = check_unique_keys(t, msg)) != MEV_OK)
            return rc;
    }
    for (unsigned i = 0; i < t->info.num_required_signatures; i++) {
        rc = mev_sign(t->signers[i], msg, msg_len, sigs + (size_t)i * MEV_SIG_BYTES);
        if (rc != MEV_OK)
            return rc;
    }
    return MEV_OK;
}

typedef struct {
    const mev_tpl *tpl;
    const uint8_t *rows;
    uint8_t *const *outs;
} batch;

static int sign_one(void *ctx, size_t i)
{
    const batch *b = ctx;
    const uint8_t *row = b->rows ? b->rows + i * b->tpl->row_bytes : NULL;
    return mev_tpl_sign(b->tpl, row, b->outs[i]);
}

#define MEV_TPL_PARALLEL_MIN 8

int mev_tpl_sign_many(const mev_tpl *t, const uint8_t *rows, size_t n, uint8_t *const *outs,
                      mev_pool *pool)
{
    batch b = {t, rows, outs};
    int rc;

    if ((rc = mev_tpl_check_signers(t)) != MEV_OK)
        return rc;
    /* waking the pool's threads costs more than a few signatures (~35 µs for 3 on a VM, against
     * ~50 µs signed here; the engine's tip variants are 2-3): small batches stay on this thread */
    if (pool == NULL || n < MEV_TPL_PARALLEL_MIN) {
        for (size_t i = 0; i < n; i++)
            if ((rc = sign_one(&b, i)) != MEV_OK)
                return rc;
        return MEV_OK;
    }
    return mev_pool_run(pool, sign_one, &b, n);
}
