/* A protobuf wire-format reader for the decoders (delta.c, yellowstone.c): varints, keys,
 * length-delimited fields and skipping unknown fields exactly as the protobuf runtime accepts or
 * refuses them. Byte fields point into the input; nothing is allocated. */
#ifndef MEV_PBREAD_H
#define MEV_PBREAD_H

#include <stddef.h>
#include <stdint.h>

#include "mev_error.h"

typedef struct {
    const uint8_t *p, *end;
} pb_rd;

static inline int pb_varint(pb_rd *r, uint64_t *v)
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

static inline int pb_field(pb_rd *r, uint32_t *num, uint32_t *wire)
{
    uint64_t key;
    if (pb_varint(r, &key) != MEV_OK || (key >> 3) == 0 || (key >> 3) > MAX_FIELD_NUMBER)
        return MEV_EMSG;
    *num = (uint32_t)(key >> 3);
    *wire = (uint32_t)(key & 7);
    return MEV_OK;
}

static inline int pb_bytes(pb_rd *r, const uint8_t **b, size_t *n)
{
    uint64_t len;
    if (pb_varint(r, &len) != MEV_OK || len > (uint64_t)(r->end - r->p))
        return MEV_EMSG;
    *b = r->p;
    *n = (size_t)len;
    r->p += len;
    return MEV_OK;
}

/* Steps over an unknown field as the runtime does. A group (wire type 3, proto2's) is skipped
 * up to the end-group tag (wire type 4) of the same field number, nested groups included; an end
 * tag anywhere else, or wire types 6 and 7, make the message invalid. */
static inline int pb_skip(pb_rd *r, uint32_t num, uint32_t wire, int depth)
{
    uint64_t v;
    const uint8_t *b;
    size_t n;
    switch (wire) {
    case 0: return pb_varint(r, &v);
    case 1: if (r->end - r->p < 8) return MEV_EMSG; r->p += 8; return MEV_OK;
    case 2: return pb_bytes(r, &b, &n);
    case 3:
        if (depth >= MAX_GROUP_DEPTH)
            return MEV_EMSG;
        for (;;) {
            uint32_t inner, inner_wire;
            if (pb_field(r, &inner, &inner_wire) != MEV_OK)
                return MEV_EMSG; /* also: the input ended inside the group */
            if (inner_wire == 4)
                return inner == num ? MEV_OK : MEV_EMSG;
            if (pb_skip(r, inner, inner_wire, depth + 1) != MEV_OK)
                return MEV_EMSG;
        }
    case 5: if (r->end - r->p < 4) return MEV_EMSG; r->p += 4; return MEV_OK;
    default: return MEV_EMSG; /* 4: an end of a group never started; 6, 7: no such wire type */
    }
}

#endif
