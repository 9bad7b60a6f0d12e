#include "delta.h"

#include <string.h>

#include "mev_error.h"
#include "pbread.h"

static int account(pb_rd *r, mev_delta *d)
{
    while (r->p < r->end) {
        uint32_t num, wire;
        uint64_t v;
        const uint8_t *b;
        size_t n;
        if (pb_field(r, &num, &wire) != MEV_OK)
            return MEV_EMSG;
        if (wire == 2 && (num == 1 || num == 2 || num == 4 || num == 7)) {
            if (pb_bytes(r, &b, &n) != MEV_OK)
                return MEV_EMSG;
            if ((num == 1 || num == 2) && n != 32)
                return MEV_EMSG;
            if (num == 7 && n != 64 && n != 0)
                return MEV_EMSG;
            if (num == 1) d->pubkey = b;
            else if (num == 2) d->owner = b;
            else if (num == 4) d->data = b, d->data_len = n;
            else d->signature = n ? b : NULL;
        } else if (wire == 0 && num >= 3 && num <= 11 && num != 4 && num != 7) {
            if (pb_varint(r, &v) != MEV_OK)
                return MEV_EMSG;
            switch (num) {
            case 3: d->lamports = v; break;
            case 5: d->slot = v; break;
            case 6: d->write_version = v; break;
            case 8: d->is_startup = v != 0; break;
            case 9: d->sequence = v; break;
            case 10: d->executable = v != 0; break;
            default: d->rent_epoch = v; break;
            }
        } else if (pb_skip(r, num, wire, 0) != MEV_OK) {
            return MEV_EMSG;
        }
    }
    return d->pubkey && d->owner ? MEV_OK : MEV_EMSG; /* an update names its account */
}

static int slot(pb_rd *r, mev_delta *d)
{
    while (r->p < r->end) {
        uint32_t num, wire;
        uint64_t v;
        size_t n;
        if (pb_field(r, &num, &wire) != MEV_OK)
            return MEV_EMSG;
        if (wire == 0 && (num == 1 || num == 2 || num == 3 || num == 5)) {
            if (pb_varint(r, &v) != MEV_OK)
                return MEV_EMSG;
            if (num == 1) d->slot = v;
            else if (num == 2) d->parent = v, d->has_parent = 1;
            else if (num == 3) {
                if (v > 6)
                    return MEV_EMSG;
                d->status = (int)v;
            } else d->sequence = v;
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

int mev_delta_decode(const uint8_t *buf, size_t len, mev_delta *d)
{
    pb_rd r = {buf, buf + len};
    memset(d, 0, sizeof *d);
    if (buf == NULL && len)
        return MEV_EINVAL;
    while (r.p < r.end) {
        uint32_t num, wire;
        const uint8_t *b;
        size_t n;
        if (pb_field(&r, &num, &wire) != MEV_OK)
            return MEV_EMSG;
        if (wire == 2 && (num == 1 || num == 2)) {
            if (pb_bytes(&r, &b, &n) != MEV_OK || d->kind)
                return MEV_EMSG; /* one event per message */
            pb_rd inner = {b, b + n};
            d->kind = num == 1 ? MEV_DELTA_ACCOUNT : MEV_DELTA_SLOT;
            if ((num == 1 ? account(&inner, d) : slot(&inner, d)) != MEV_OK)
                return MEV_EMSG;
        } else if (pb_skip(&r, num, wire, 0) != MEV_OK) {
            return MEV_EMSG;
        }
    }
    return d->kind ? MEV_OK : MEV_EMSG;
}
