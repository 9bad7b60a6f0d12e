#include "message.h"

#include "mev_error.h"

int mev_compact_u16_read(const uint8_t *buf, size_t len, size_t *pos, uint16_t *value)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < 3; i++) {
        if (*pos >= len)
            return MEV_EMSG;
        uint8_t b = buf[(*pos)++];
        v |= (uint32_t)(b & 0x7f) << (7 * i);
        if ((b & 0x80) == 0) {
            /* a zero final byte after the first means a longer-than-needed encoding */
            if (i > 0 && b == 0)
                return MEV_EMSG;
            if (v > 0xffff)
                return MEV_EMSG;
            *value = (uint16_t)v;
            return MEV_OK;
        }
        if (i == 2)
            return MEV_EMSG; /* the third byte may not continue */
    }
    return MEV_EMSG;
}

size_t mev_compact_u16_write(uint16_t value, uint8_t out[3])
{
    size_t n = 0;
    do {
        uint8_t b = value & 0x7f;
        value >>= 7;
        out[n++] = value ? (uint8_t)(b | 0x80) : b;
    } while (value);
    return n;
}

static int skip(size_t len, size_t *pos, size_t n)
{
    if (n > len - *pos)
        return MEV_EMSG;
    *pos += n;
    return MEV_OK;
}

/* Walks one instruction; checks indices against the account count when total_keys is non-zero. */
static int walk_ix(const uint8_t *m, size_t len, size_t *pos, uint16_t program_limit,
                   uint16_t total_keys, size_t *data_off, uint16_t *data_len)
{
    uint16_t n;
    if (*pos >= len)
        return MEV_EMSG;
    uint8_t program = m[(*pos)++];
    /* the program must be a static key; the fee payer (key 0) is never one */
    if (program_limit && (program == 0 || program >= program_limit))
        return MEV_EMSG;
    if (mev_compact_u16_read(m, len, pos, &n) != MEV_OK)
        return MEV_EMSG;
    if (n > len - *pos)
        return MEV_EMSG;
    for (uint16_t i = 0; i < n; i++)
        if (total_keys && m[*pos + i] >= total_keys)
            return MEV_EMSG;
    *pos += n;
    if (mev_compact_u16_read(m, len, pos, &n) != MEV_OK)
        return MEV_EMSG;
    *data_off = *pos;
    *data_len = n;
    return skip(len, pos, n);
}

static int parse_prefix(const uint8_t *m, size_t len, mev_msg_info *info, size_t *pos)
{
    *pos = 0;
    if (len < 4)
        return MEV_EMSG;
    info->version = MEV_VERSION_LEGACY;
    if (m[0] & 0x80) {
        if ((m[0] & 0x7f) != 0)
            return MEV_EMSG; /* only v0 exists */
        info->version = 0;
        *pos = 1;
    }
    if (skip(len, pos, 3) != MEV_OK)
        return MEV_EMSG;
    info->num_required_signatures = m[*pos - 3];
    info->num_readonly_signed = m[*pos - 2];
    info->num_readonly_unsigned = m[*pos - 1];
    if (mev_compact_u16_read(m, len, pos, &info->num_static_keys) != MEV_OK)
        return MEV_EMSG;
    info->keys_offset = *pos;
    if (skip(len, pos, (size_t)info->num_static_keys * 32) != MEV_OK)
        return MEV_EMSG;
    info->blockhash_offset = *pos;
    if (skip(len, pos, 32) != MEV_OK)
        return MEV_EMSG;
    return mev_compact_u16_read(m, len, pos, &info->num_instructions);
}

int mev_msg_parse(const uint8_t *m, size_t len, mev_msg_info *info)
{
    size_t pos, ix_start, off;
    uint16_t dlen;

    if (m == NULL || info == NULL)
        return MEV_EINVAL;
    if (parse_prefix(m, len, info, &pos) != MEV_OK)
        return MEV_EMSG;
    if (info->num_required_signatures == 0 ||
        info->num_readonly_signed >= info->num_required_signatures ||
        (unsigned)info->num_required_signatures + info->num_readonly_unsigned >
            info->num_static_keys)
        return MEV_EMSG;

    /* Lookups follow the instructions, but instruction indices are checked against the total
     * including loaded keys: walk the instructions once to find the lookups, then again. */
    ix_start = pos;
    for (uint16_t i = 0; i < info->num_instructions; i++)
        if (walk_ix(m, len, &pos, 0, 0, &off, &dlen) != MEV_OK)
            return MEV_EMSG;
    info->num_lookups = 0;
    info->num_loaded_keys = 0;
    if (info->version == 0) {
        uint32_t loaded = 0;
        if (mev_compact_u16_read(m, len, &pos, &info->num_lookups) != MEV_OK)
            return MEV_EMSG;
        for (uint16_t t = 0; t < info->num_lookups; t++) {
            uint16_t nw, nr;
            if (skip(len, &pos, 32) != MEV_OK ||
                mev_compact_u16_read(m, len, &pos, &nw) != MEV_OK || skip(len, &pos, nw) != MEV_OK ||
                mev_compact_u16_read(m, len, &pos, &nr) != MEV_OK || skip(len, &pos, nr) != MEV_OK)
                return MEV_EMSG;
            if (nw + nr == 0)
                return MEV_EMSG; /* an empty lookup is rejected by the runtime */
            loaded += (uint32_t)nw + nr;
        }
        if (loaded + info->num_static_keys > 256)
            return MEV_EMSG; /* account indices are u8 */
        info->num_loaded_keys = (uint16_t)loaded;
    }
    if (pos != len)
        return MEV_EMSG; /* trailing bytes */
    if (info->num_static_keys + (unsigned)info->num_loaded_keys > 256)
        return MEV_EMSG;

    pos = ix_start;
    uint16_t total = (uint16_t)(info->num_static_keys + info->num_loaded_keys);
    for (uint16_t i = 0; i < info->num_instructions; i++)
        if (walk_ix(m, len, &pos, info->num_static_keys, total, &off, &dlen) != MEV_OK)
            return MEV_EMSG;
    return MEV_OK;
}

int mev_msg_ix_data(const uint8_t *m, size_t len, uint16_t ix, size_t *data_offset,
                    uint16_t *data_len)
{
    mev_msg_info info;
    size_t pos;

    if (parse_prefix(m, len, &info, &pos) != MEV_OK)
        return MEV_EMSG;
    if (ix >= info.num_instructions)
        return MEV_EINVAL;
    for (uint16_t i = 0;; i++) {
        if (walk_ix(m, len, &pos, 0, 0, data_offset, data_len) != MEV_OK)
            return MEV_EMSG;
        if (i == ix)
            return MEV_OK;
    }
}
