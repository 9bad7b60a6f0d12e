#include "pb.h"

#include <string.h>

typedef struct {
    uint8_t *p, *end;
    int overflow;
} out;

static void put_byte(out *o, uint8_t b)
{
    if (o->p < o->end)
        *o->p++ = b;
    else
        o->overflow = 1;
}

static void put_varint(out *o, uint64_t v)
{
    while (v >= 0x80) {
        put_byte(o, (uint8_t)(v | 0x80));
        v >>= 7;
    }
    put_byte(o, (uint8_t)v);
}

static size_t varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static void put_bytes(out *o, const uint8_t *b, size_t n)
{
    if ((size_t)(o->end - o->p) < n) {
        o->overflow = 1;
        return;
    }
    memcpy(o->p, b, n);
    o->p += n;
}

/* field numbers and wire types: 0 varint, 2 length-delimited */
static void tag(out *o, unsigned field, unsigned wire) { put_varint(o, (uint64_t)field << 3 | wire); }

static void field_varint(out *o, unsigned field, uint64_t v)
{
    if (v) {
        tag(o, field, 0);
        put_varint(o, v);
    }
}

static void field_bytes(out *o, unsigned field, const uint8_t *b, size_t n)
{
    if (n) {
        tag(o, field, 2);
        put_varint(o, n);
        put_bytes(o, b, n);
    }
}

static size_t bytes_field_len(unsigned field, size_t n)
{
    return n ? varint_len((uint64_t)field << 3) + varint_len(n) + n : 0;
}

static size_t varint_field_len(unsigned field, uint64_t v)
{
    return v ? varint_len((uint64_t)field << 3) + varint_len(v) : 0;
}

static size_t account_len(const mevgk_account *a)
{
    return bytes_field_len(1, 32) + bytes_field_len(2, 32) + varint_field_len(3, a->lamports) +
           bytes_field_len(4, a->data_len) + varint_field_len(5, a->slot) +
           varint_field_len(6, a->write_version) + bytes_field_len(7, a->txn_signature ? 64 : 0) +
           varint_field_len(8, a->is_startup != 0) + varint_field_len(9, a->sequence) +
           varint_field_len(10, a->executable != 0) + varint_field_len(11, a->rent_epoch);
}

size_t mevgk_account_event_max(size_t data_len)
{
    /* every field at its widest: 10-byte varints, 64-byte signature */
    return 2 + 10 + 2 * (2 + 32) + 5 * (1 + 10) + 2 + 10 + data_len + (2 + 64) + 2 * 2 + 11;
}

long mevgk_encode_account_event(const mevgk_account *a, uint8_t *buf, size_t cap)
{
    out o = {buf, buf + cap, 0};
    tag(&o, 1, 2);
    put_varint(&o, account_len(a));
    field_bytes(&o, 1, a->pubkey, 32);
    field_bytes(&o, 2, a->owner, 32);
    field_varint(&o, 3, a->lamports);
    field_bytes(&o, 4, a->data, a->data_len);
    field_varint(&o, 5, a->slot);
    field_varint(&o, 6, a->write_version);
    if (a->txn_signature)
        field_bytes(&o, 7, a->txn_signature, 64);
    field_varint(&o, 8, a->is_startup != 0);
    field_varint(&o, 9, a->sequence);
    field_varint(&o, 10, a->executable != 0);
    field_varint(&o, 11, a->rent_epoch);
    return o.overflow ? MEVGK_ENOSPC : (long)(o.p - buf);
}

long mevgk_encode_slot_event(const mevgk_slot *s, uint8_t *buf, size_t cap)
{
    out o = {buf, buf + cap, 0};
    size_t err_len = s->dead_error ? strlen(s->dead_error) : 0;
    size_t len = varint_field_len(1, s->slot) +
                 (s->has_parent ? varint_len(2 << 3) + varint_len(s->parent) : 0) +
                 varint_field_len(3, (uint64_t)s->status) + bytes_field_len(4, err_len) +
                 varint_field_len(5, s->sequence);
    tag(&o, 2, 2);
    put_varint(&o, len);
    field_varint(&o, 1, s->slot);
    if (s->has_parent) { /* optional: written even when 0, so presence survives */
        tag(&o, 2, 0);
        put_varint(&o, s->parent);
    }
    field_varint(&o, 3, (uint64_t)s->status);
    field_bytes(&o, 4, (const uint8_t *)s->dead_error, err_len);
    field_varint(&o, 5, s->sequence);
    return o.overflow ? MEVGK_ENOSPC : (long)(o.p - buf);
}
