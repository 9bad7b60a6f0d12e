/* Little-endian reads and writes of account fields (Solana's layouts are little-endian, unaligned). */
#ifndef MEV_DEX_LE_H
#define MEV_DEX_LE_H

#include <stdint.h>

static inline uint16_t mev_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static inline uint32_t mev_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t mev_le64(const uint8_t *p) { return (uint64_t)mev_le32(p) | (uint64_t)mev_le32(p + 4) << 32; }

static inline unsigned __int128 mev_le128(const uint8_t *p)
{
    return (unsigned __int128)mev_le64(p) | (unsigned __int128)mev_le64(p + 8) << 64;
}

static inline void mev_put_le(uint8_t *p, unsigned __int128 v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> 8 * i);
}

#endif
