#include "delta.h"

#include <string.h>

#include "mev_error.h"

typedef struct {
    const uint8_t *p, *end;
} rd;

static int varint(rd *r, uint64_t *v)
{
    uint64_t x = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end)
            return MEV_EMSG;
        uint8_t b = *r->p++;
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return MEV_OK;
        }
    }
    return MEV_EMSG;
}

/* Field numbers run from 1 to 2^29 - 1 (protobuf language guide, "Assigning Field Numbers");
 * the runtime refuses a message with any other. */
#define MAX_FIELD_NUMBER ((1u << 29) - 1)
/* How deep unknown groups may nest before the message is refused (the runtime's default
 * recursion limit is 100). */
#define MAX_GROUP_DEPTH 100

static int field(rd *r, uint32_t *num, uint32_t *wire)
{
    uint64_t key;
    if (varint(r, &key) != MEV_OK || (key >> 3) == 0 || (key >> 3) > MAX_FIELD_NUMBER)
        return MEV_EMSG;
    *num = (uint32_t)(key >> 3);
    *wire = (uint32_t)(key & 7);
    return MEV_OK;
}

static int bytes(rd *r, const uint8_t **b, size_t *n)
{
    uint64_t len;
    if (varint(r, &len) != MEV_OK || len > (uint64_t)(r->end - r->p))
        return MEV_EMSG;
    *b = r->p;
    *n = (size_t)len;
    r->p += len;
    return MEV_OK;
}

/* Steps over an unknown field as the runtime does. A group (wire type 3, proto2's) is skipped
 * up to the end-group tag (wire type 4) of the same field number, nested groups included; an end
 * tag anywhere else, or wire types 6 and 7, make the message invalid. */
static int skip(rd *r, uint32_t num, uint32_t wire, int depth)
{
    uint64_t v;
    const uint8_t *b;
    size_t n;
    switch (wire) {
    case 0: return varint(r, &v);
    case 1: if (r->end - r->p < 8) return MEV_EMSG; r->p += 8; return MEV_OK;
    case 2: return bytes(r, &b, &n);
    case 3:
        if (depth >= MAX_GROUP_DEPTH)
            return MEV_EMSG;
        for (;;) {
            uint32_t inner, inner_wire;
            if (field(r, &inner, &inner_wire) != MEV_OK)
                return MEV_EMSG; /* also: the input ended inside the group */
            if (inner_wire == 4)
                return inner == num ? MEV_OK : MEV_EMSG;
            if (skip(r, inner, inner_wire, depth + 1) != MEV_OK)
                return MEV_EMSG;
        }
    case 5: if (r->end - r->p < 4) return MEV_EMSG; r->p += 4; return MEV_OK;
    default: return MEV_EMSG; /* 4: an end of a group never started; 6, 7: no such wire type */
    }
}

static int account(rd *r, mev_delta *d)
{
    while (r->p < r->end) {
        uint32_t num, wire;
        uint64_t v;
        const uint8_t *b;
        size_t n;
        if (field(r, &num, &wire) != MEV_OK)
            return MEV_EMSG;
        if (wire == 2 && (num == 1 || num == 2 || num == 4 || num == 7)) {
            if (bytes(r, &b, &n) != MEV_OK)
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
            if (varint(r, &v) != MEV_OK)
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
        } else if (skip(r, num, wire, 0) != MEV_OK) {
            return MEV_EMSG;
        }
    }
    return d->pubkey && d->owner ? MEV_OK : MEV_EMSG; /* an update names its account */
}

static int slot(rd *r, mev_delta *d)
{
    while (r->p < r->end) {
        uint32_t num, wire;
        uint64_t v;
        size_t n;
        if (field(r, &num, &wire) != MEV_OK)
            return MEV_EMSG;
        if (wire == 0 && (num == 1 || num == 2 || num == 3 || num == 5)) {
            if (varint(r, &v) != MEV_OK)
                return MEV_EMSG;
            if (num == 1) d->slot = v;
            else if (num == 2) d->parent = v, d->has_parent = 1;
            else if (num == 3) {
                if (v > 6)
                    return MEV_EMSG;
                d->status = (int)v;
            } else d->sequence = v;
        } else if (wire == 2 && num == 4) {
            if (bytes(r, &d->dead_error, &n) != MEV_OK)
                return MEV_EMSG;
            d->dead_error_len = n;
        } else if (skip(r, num, wire, 0) != MEV_OK) {
            return MEV_EMSG;
        }
    }
    return MEV_OK;
}

int mev_delta_decode(const uint8_t *buf, size_t len, mev_delta *d)
{
    rd r = {buf, buf + len};
    memset(d, 0, sizeof *d);
    if (buf == NULL && len)
        return MEV_EINVAL;
    while (r.p < r.end) {
        uint32_t num, wire;
        const uint8_t *b;
        size_t n;
        if (field(&r, &num, &wire) != MEV_OK)
            return MEV_EMSG;
        if (wire == 2 && (num == 1 || num == 2)) {
            if (bytes(&r, &b, &n) != MEV_OK || d->kind)
                return MEV_EMSG; /* one event per message */
            rd inner = {b, b + n};
            d->kind = num == 1 ? MEV_DELTA_ACCOUNT : MEV_DELTA_SLOT;
            if ((num == 1 ? account(&inner, d) : slot(&inner, d)) != MEV_OK)
                return MEV_EMSG;
        } else if (skip(&r, num, wire, 0) != MEV_OK) {
            return MEV_EMSG;
        }
    }
    return d->kind ? MEV_OK : MEV_EMSG;
}
