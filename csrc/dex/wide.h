/* Unsigned integers wider than 128 bits for the concentrated-liquidity programs' U256 / U512
 * arithmetic: a 256-bit value as two 128-bit halves, with the few operations the quote math needs,
 * and a division over 64-bit limbs (Knuth's algorithm D, TAOCP vol. 2 §4.3.1) for numerators up
 * to 512 bits. */
#ifndef MEV_DEX_WIDE_H
#define MEV_DEX_WIDE_H

#include <stddef.h>
#include <stdint.h>

#include "../mev_error.h"

typedef unsigned __int128 mev_u128;

typedef struct {
    mev_u128 hi, lo;
} mev_u256;

static inline mev_u256 mev_u256_of(mev_u128 lo)
{
    mev_u256 r = {0, lo};
    return r;
}

static inline mev_u256 mev_mul_128(mev_u128 a, mev_u128 b)
{
    mev_u128 a0 = (uint64_t)a, a1 = a >> 64, b0 = (uint64_t)b, b1 = b >> 64;
    mev_u128 p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    mev_u128 mid = (p00 >> 64) + (uint64_t)p01 + (uint64_t)p10;
    mev_u256 r = {p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64), (mid << 64) | (uint64_t)p00};
    return r;
}

static inline int mev_cmp_256(mev_u256 a, mev_u256 b)
{
    return a.hi != b.hi ? (a.hi > b.hi ? 1 : -1) : (a.lo > b.lo) - (a.lo < b.lo);
}

static inline int mev_is_zero_256(mev_u256 a) { return a.hi == 0 && a.lo == 0; }

static inline mev_u256 mev_sub_256(mev_u256 a, mev_u256 b)
{
    mev_u256 r = {a.hi - b.hi - (a.lo < b.lo), a.lo - b.lo};
    return r;
}

/* wraps past 2^256; callers check with mev_add_256_overflows where it matters */
static inline mev_u256 mev_add_256(mev_u256 a, mev_u256 b)
{
    mev_u256 r = {a.hi + b.hi, a.lo + b.lo};
    r.hi += r.lo < a.lo;
    return r;
}

static inline mev_u256 mev_shl_256(mev_u256 a, unsigned k) /* k < 256 */
{
    if (k == 0)
        return a;
    if (k >= 128) {
        mev_u256 r = {a.lo << (k - 128), 0};
        return r;
    }
    mev_u256 r = {(a.hi << k) | (a.lo >> (128 - k)), a.lo << k};
    return r;
}

static inline mev_u256 mev_shr_256(mev_u256 a, unsigned k) /* k < 256 */
{
    if (k == 0)
        return a;
    if (k >= 128) {
        mev_u256 r = {0, a.hi >> (k - 128)};
        return r;
    }
    mev_u256 r = {a.hi >> k, (a.lo >> k) | (a.hi << (128 - k))};
    return r;
}

static inline unsigned mev_bits_128(mev_u128 x)
{
    uint64_t hi = (uint64_t)(x >> 64);
    return hi ? 128 - (unsigned)__builtin_clzll(hi) : (uint64_t)x ? 64 - (unsigned)__builtin_clzll((uint64_t)x) : 0;
}

static inline unsigned mev_bits_256(mev_u256 a) { return a.hi ? 128 + mev_bits_128(a.hi) : mev_bits_128(a.lo); }

/* a × num / den over a 128-bit product, rounded down or up: MEV_EOVERFLOW past u64 (the programs'
 * u64 mul_div_floor / mul_div_ceil); den not zero */
static inline int mev_mul_div_64(uint64_t a, uint64_t num, uint64_t den, int round_up, uint64_t *out)
{
    mev_u128 p = (mev_u128)a * num, q = p / den + (round_up && p % den != 0);
    if (q > UINT64_MAX)
        return MEV_EOVERFLOW;
    *out = (uint64_t)q;
    return MEV_OK;
}

/* 1 and *out when v fits u64, else 0 */
static inline int mev_u256_to_u64(mev_u256 v, uint64_t *out)
{
    if (v.hi || v.lo > UINT64_MAX)
        return 0;
    *out = (uint64_t)v.lo;
    return 1;
}

/* u (m limbs, least significant first) divided by v (n limbs): q gets m limbs, r gets n limbs.
 * m ≤ 8, n ≤ 4; MEV_EINVAL for a zero divisor. */
int mev_wide_divmod(const uint64_t *u, size_t m, const uint64_t *v, size_t n, uint64_t *q, uint64_t *r);

/* n / d and n % d; d not zero */
void mev_divmod_256(mev_u256 n, mev_u256 d, mev_u256 *q, mev_u256 *r);

/* a × b / d over the full 512-bit product, rounded down or up: MEV_EOVERFLOW when the quotient
 * passes 256 bits, MEV_EINVAL for d = 0 (the programs' U256 mul_div_floor / mul_div_ceil). */
int mev_mul_div_256(mev_u256 a, mev_u256 b, mev_u256 d, int round_up, mev_u256 *out);

#endif
