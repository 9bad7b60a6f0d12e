#include "yellowstone.h"

#include <string.h>

#include "mev_error.h"
#include "pbread.h"

/* geyser.proto SlotStatus -> the plugin's numbering (delta.h, mevlib.feed): PROCESSED,
 * CONFIRMED, FINALIZED, FIRST_SHRED_RECEIVED, COMPLETED, CREATED_BANK, DEAD */
static const int SLOT_STATUS[] = {0, 2, 1, 3, 4, 5, 6};

/* SubscribeUpdateAccountInfo: 1 pubkey, 2 lamports, 3 owner, 4 executable, 5 rent_epoch,
 * 6 data, 7 write_version, 8 txn_signature */
static int account_info(pb_rd *r, mev_delta *d)
{
    while (r->p < r->end) {
        uint32_t num, wire;
        uint64_t v;
        const uint8_t *b;
        size_t n;
        if (pb_field(r, &num, &wire) != MEV_OK)
            return MEV_EMSG;
        if (wire == 2 && (num == 1 || num == 3 || num == 6 || num == 8)) {
            if (pb_bytes(r, &b, &n) != MEV_OK)
                return MEV_EMSG;
            if ((num == 1 || num == 3) && n != 32)
                return MEV_EMSG;
            if (num == 8 && n != 64 && n != 0)
                return MEV_EMSG;
            if (num == 1) d->pubkey = b;
            else if (num == 3) d->owner = b;
            else if (num == 6) d->data = b, d->data_len = n;
            else d->signature = n ? b : NULL;
        } else if (wire == 0 && (num == 2 || num == 4 || num == 5 || num == 7)) {
            if (pb_varint(r, &v) != MEV_OK)
                return MEV_EMSG;
            if (num == 2) d->lamports = v;
            else if (num == 4) d->executable = v != 0;
            else if (num == 5) d->rent_epoch = v;
            else d->write_version = v;
        } else if (pb_skip(r, num, wire, 0) != MEV_OK) {
            return MEV_EMSG;
        }
    }
    return d->pubkey && d->owner ? MEV_OK : MEV_EMSG;
}

/* SubscribeUpdateAccount: 1 account, 2 slot, 3 is_startup */
static int account(pb_rd *r, mev_delta *d)
{
    int have_info = 0;
    d->kind = MEV_DELTA_ACCOUNT;
    while (r->p < r->end) {
        uint32_t num, wire;
        uint64_t v;
        const uint8_t *b;
        size_t n;
        if (pb_field(r, &num, &wire) != MEV_OK)
            return MEV_EMSG;
        if (wire == 2 && num == 1) {
            if (pb_bytes(r, &b, &n) != MEV_OK || have_info)
                return MEV_EMSG;
            pb_rd inner = {b, b + n};
            if (account_info(&inner, d) != MEV_OK)
                return MEV_EMSG;
            have_info = 1;
        } else if (wire == 0 && (num == 2 || num == 3)) {
            if (pb_varint(r, &v) != MEV_OK)
                return MEV_EMSG;
            if (num == 2) d->slot = v;
            else d->is_startup = v != 0;
        } else if (pb_skip(r, num, wire, 0) != MEV_OK) {
            return MEV_EMSG;
        }
    }
    return have_info ? MEV_OK : MEV_EMSG;
}

/* SubscribeUpdateSlot: 1 slot, 2 parent, 3 status, 4 dead_error */
static int slot(pb_rd *r, mev_delta *d)
{
    d->kind = MEV_DELTA_SLOT;
    while (r->p < r->end) {
        uint32_t num, wire;
        uint64_t v;
        size_t n;
        if (pb_field(r, &num, &wire) != MEV_OK)
            return MEV_EMSG;
        if (wire == 0 && num >= 1 && num <= 3) {
            if (pb_varint(r, &v) != MEV_OK)
                return MEV_EMSG;
            if (num == 1) d->slot = v;
            else if (num == 2) d->parent = v, d->has_parent = 1;
            else {
                if (v >= sizeof SLOT_STATUS / sizeof SLOT_STATUS[0])
                    return MEV_EMSG;
                d->status = SLOT_STATUS[v];
            }
        } else if (wire == 2 && num == 4) {
            if (pb_bytes(r, &d->dead_error, &n) != MEV_OK)
                return MEV_EMSG;
            d->dead_error_len = n;
        } else if (pb_skip(r, num, wire, 0) != MEV_OK) {
            return MEV_EMSG;
        }
    }
    return MEV_OK;
}

/* solana.storage Message: 2 account_keys (repeated, 32 bytes each); the rest skipped */
static int message(pb_rd *r, mev_ys_update *u)
{
    while (r->p < r->end) {
        uint32_t num, wire;
        const uint8_t *b;
        size_t n;
        if (pb_field(r, &num, &wire) != MEV_OK)
            return MEV_EMSG;
        if (wire == 2 && num == 2) {
            if (pb_bytes(r, &b, &n) != MEV_OK || n != 32 || u->nkeys == MEV_YS_MAX_KEYS)
                return MEV_EMSG;
            u->keys[u->nkeys++] = b;
        } else if (pb_skip(r, num, wire, 0) != MEV_OK) {
            return MEV_EMSG;
        }
    }
    return MEV_OK;
}

/* solana.storage Transaction: 1 signatures, 2 message */
static int transaction(pb_rd *r, mev_ys_update *u)
{
    while (r->p < r->end) {
        uint32_t num, wire;
        const uint8_t *b;
        size_t n;
        if (pb_field(r, &num, &wire) != MEV_OK)
            return MEV_EMSG;
        if (wire == 2 && num == 2) {
            if (pb_bytes(r, &b, &n) != MEV_OK)
                return MEV_EMSG;
            pb_rd inner = {b, b + n};
            u->nkeys = 0; /* a repeated message field: the last one counts */
            if (message(&inner, u) != MEV_OK)
                return MEV_EMSG;
        } else if (pb_skip(r, num, wire, 0) != MEV_OK) {
            return MEV_EMSG;
        }
    }
    return MEV_OK;
}

/* One-field wrapper messages: field 1, a varint (BlockHeight, UnixTimestamp) or bytes
 * (TransactionError). Absent, the value is 0 or empty. */
static int wrapped_varint(const uint8_t *b, size_t n, uint64_t *v)
{
    pb_rd r = {b, b + n};
    *v = 0;
    while (r.p < r.end) {
        uint32_t num, wire;
        if (pb_field(&r, &num, &wire) != MEV_OK)
            return MEV_EMSG;
        if (wire == 0 && num == 1) {
            if (pb_varint(&r, v) != MEV_OK)
                return MEV_EMSG;
        } else if (pb_skip(&r, num, wire, 0) != MEV_OK) {
            return MEV_EMSG;
        }
    }
    return MEV_OK;
}

static int wrapped_bytes(const uint8_t *b, size_t n, const uint8_t **out, size_t *out_len)
{
    pb_rd r = {b, b + n};
    *out = b, *out_len = 0;
    while (r.p < r.end) {
        uint32_t num, wire;
        if (pb_field(&r, &num, &wire) != MEV_OK)
            return MEV_EMSG;
        if (wire == 2 && num == 1) {
            if (pb_bytes(&r, out, out_len) != MEV_OK)
                return MEV_EMSG;
        } else if (pb_skip(&r, num, wire, 0) != MEV_OK) {
            return MEV_EMSG;
        }
    }
    return MEV_OK;
}

/* TransactionStatusMeta: 1 err (TransactionError: 1 err, bincode), 2 fee */
static int meta(pb_rd *r, mev_ys_update *u)
{
    while (r->p < r->end) {
        uint32_t num, wire;
        uint64_t v;
        const uint8_t *b;
        size_t n;
        if (pb_field(r, &num, &wire) != MEV_OK)
            return MEV_EMSG;
        if (wire == 2 && num == 1) {
            /* a present TransactionError, even empty, means the transaction failed */
            if (pb_bytes(r, &b, &n) != MEV_OK || wrapped_bytes(b, n, &u->err, &u->err_len) != MEV_OK)
                return MEV_EMSG;
        } else if (wire == 0 && num == 2) {
            if (pb_varint(r, &v) != MEV_OK)
                return MEV_EMSG;
            u->fee = v;
        } else if (pb_skip(r, num, wire, 0) != MEV_OK) {
            return MEV_EMSG;
        }
    }
    return MEV_OK;
}

/* SubscribeUpdateTransactionInfo: 1 signature, 2 is_vote, 3 transaction, 4 meta, 5 index */
static int transaction_info(pb_rd *r, mev_ys_update *u)
{
    while (r->p < r->end) {
        uint32_t num, wire;
        uint64_t v;
        const uint8_t *b;
        size_t n;
        if (pb_field(r, &num, &wire) != MEV_OK)
            return MEV_EMSG;
        if (wire == 2 && (num == 1 || num == 3 || num == 4)) {
            if (pb_bytes(r, &b, &n) != MEV_OK)
                return MEV_EMSG;
            pb_rd inner = {b, b + n};
            if (num == 1) {
                if (n != 64)
                    return MEV_EMSG;
                u->signature = b;
            } else if (num == 3) {
                u->transaction = b, u->transaction_len = n;
                if (transaction(&inner, u) != MEV_OK)
                    return MEV_EMSG;
            } else if (meta(&inner, u) != MEV_OK) {
                return MEV_EMSG;
            }
        } else if (wire == 0 && (num == 2 || num == 5)) {
            if (pb_varint(r, &v) != MEV_OK)
                return MEV_EMSG;
            if (num == 2) u->is_vote = v != 0;
            else u->index = v;
        } else if (pb_skip(r, num, wire, 0) != MEV_OK) {
            return MEV_EMSG;
        }
    }
    return MEV_OK;
}

/* SubscribeUpdateTransaction: 1 transaction (the info), 2 slot */
static int transaction_update(pb_rd *r, mev_ys_update *u)
{
    while (r->p < r->end) {
        uint32_t num, wire;
        uint64_t v;
        const uint8_t *b;
        size_t n;
        if (pb_field(r, &num, &wire) != MEV_OK)
            return MEV_EMSG;
        if (wire == 2 && num == 1) {
            if (pb_bytes(r, &b, &n) != MEV_OK)
                return MEV_EMSG;
            pb_rd info = {b, b + n};
            if (transaction_info(&info, u) != MEV_OK)
                return MEV_EMSG;
        } else if (wire == 0 && num == 2) {
            if (pb_varint(r, &v) != MEV_OK)
                return MEV_EMSG;
            u->delta.slot = v;
        } else if (pb_skip(r, num, wire, 0) != MEV_OK) {
            return MEV_EMSG;
        }
    }
    return u->signature ? MEV_OK : MEV_EMSG;
}

/* SubscribePong: 1 id */
static int pong(pb_rd *r, mev_ys_update *u)
{
    while (r->p < r->end) {
        uint32_t num, wire;
        uint64_t v;
        if (pb_field(r, &num, &wire) != MEV_OK)
            return MEV_EMSG;
        if (wire == 0 && num == 1) {
            if (pb_varint(r, &v) != MEV_OK)
                return MEV_EMSG;
            u->pong_id = (int32_t)(uint32_t)v; /* int32: negative values travel sign-extended */
        } else if (pb_skip(r, num, wire, 0) != MEV_OK) {
            return MEV_EMSG;
        }
    }
    return MEV_OK;
}

/* SubscribeUpdateBlockMeta: 1 slot, 2 blockhash, 4 block_time, 5 block_height, 6 parent_slot,
 * 7 parent_blockhash, 8 executed_transaction_count */
static int block_meta(pb_rd *r, mev_ys_update *u)
{
    while (r->p < r->end) {
        uint32_t num, wire;
        uint64_t v;
        const uint8_t *b;
        size_t n;
        if (pb_field(r, &num, &wire) != MEV_OK)
            return MEV_EMSG;
        if (wire == 0 && (num == 1 || num == 6 || num == 8)) {
            if (pb_varint(r, &v) != MEV_OK)
                return MEV_EMSG;
            if (num == 1) u->delta.slot = v;
            else if (num == 6) u->parent_slot = v;
            else u->executed_transaction_count = v;
        } else if (wire == 2 && (num == 2 || num == 4 || num == 5 || num == 7)) {
            if (pb_bytes(r, &b, &n) != MEV_OK)
                return MEV_EMSG;
            if (num == 2) u->blockhash = b, u->blockhash_len = n;
            else if (num == 7) u->parent_blockhash = b, u->parent_blockhash_len = n;
            else {
                if (wrapped_varint(b, n, &v) != MEV_OK)
                    return MEV_EMSG;
                if (num == 4) u->block_time = (int64_t)v, u->has_block_time = 1;
                else u->block_height = v, u->has_block_height = 1;
            }
        } else if (pb_skip(r, num, wire, 0) != MEV_OK) {
            return MEV_EMSG;
        }
    }
    return MEV_OK;
}

int mev_ys_decode(const uint8_t *buf, size_t len, mev_ys_update *u)
{
    pb_rd r = {buf, buf + len};
    memset(u, 0, sizeof *u);
    if (buf == NULL && len)
        return MEV_EINVAL;
    while (r.p < r.end) {
        uint32_t num, wire;
        const uint8_t *b;
        size_t n;
        if (pb_field(&r, &num, &wire) != MEV_OK)
            return MEV_EMSG;
        /* the update_oneof: 2 account, 3 slot, 4 transaction, 6 ping, 7 block_meta, 9 pong;
         * 5, 8, 10, 12 other kinds. One per message. */
        int kind = 0;
        if (wire == 2) {
            switch (num) {
            case 2: kind = MEV_YS_ACCOUNT; break;
            case 3: kind = MEV_YS_SLOT; break;
            case 4: kind = MEV_YS_TRANSACTION; break;
            case 6: kind = MEV_YS_PING; break;
            case 7: kind = MEV_YS_BLOCK_META; break;
            case 9: kind = MEV_YS_PONG; break;
            case 5: case 8: case 10: case 12: kind = MEV_YS_OTHER; break;
            default: break;
            }
        }
        if (!kind) {
            if (pb_skip(&r, num, wire, 0) != MEV_OK)
                return MEV_EMSG;
            continue;
        }
        if (pb_bytes(&r, &b, &n) != MEV_OK || u->kind)
            return MEV_EMSG;
        pb_rd inner = {b, b + n};
        u->kind = kind;
        int rc = MEV_OK;
        switch (kind) {
        case MEV_YS_ACCOUNT: rc = account(&inner, &u->delta); break;
        case MEV_YS_SLOT: rc = slot(&inner, &u->delta); break;
        case MEV_YS_TRANSACTION: rc = transaction_update(&inner, u); break;
        case MEV_YS_PONG: rc = pong(&inner, u); break;
        case MEV_YS_BLOCK_META: rc = block_meta(&inner, u); break;
        default: break; /* ping and the kinds not read: their bytes were length-checked */
        }
        if (rc != MEV_OK)
            return MEV_EMSG;
    }
    return u->kind ? MEV_OK : MEV_EMSG;
}
