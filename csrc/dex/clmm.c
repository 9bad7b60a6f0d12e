#include "clmm.h"

#include "../mev_error.h"
#include "wide.h"

typedef mev_u128 u128;
typedef mev_u256 u256;

/* --- ticks ------------------------------------------------------------------------------------- */
#define U128(hi, lo) (((u128)(hi) << 64) | (u128)(lo))
/* √1.0001^(2^k) × 2^96, k = 1..18, for positive ticks; a tick's odd bit starts the product */
static const u128 POS_ODD = U128(0x1000346d6ull, 0xff11672ae55ad00full), POS_EVEN = U128(0x100000000ull, 0x0000000000000000ull);
static const u128 POS[18] = {
    U128(0x100068db8ull, 0xbac710cb295e9e1bull), U128(0x1000d1b9cull, 0x68abe5f76b30fb75ull),
    U128(0x1001a37e4ull, 0xa234cb0830516e51ull), U128(0x100347278ull, 0xab0e92ada25ab460ull),
    U128(0x10068efb0ull, 0x0a525480a5d7fdc2ull), U128(0x100d20a63ull, 0xb4173839df9daaa5ull),
    U128(0x101a4c11cull, 0x742dd7729738df5eull), U128(0x1034c35c3ull, 0x1f64cfa6dc0d6de4ull),
    U128(0x106a34b78ull, 0xc8aaffbf81bed5a3ull), U128(0x10d72a6a4ull, 0x6ccd8bce9ae771b1ull),
    U128(0x11b9a258eull, 0x63928596dc757faaull), U128(0x13a2e2bdaull, 0x04f8379f3cd17be5ull),
    U128(0x181954be6ull, 0x9e0da8fe77f2ab42ull), U128(0x244c2655dull, 0x185a029080252877ull),
    U128(0x525816eebull, 0x9f935b1c616779e8ull), U128(0x1a7c8d00b5ull, 0x51684ff4d31ae065ull),
    U128(0x2bd893d0b2dull, 0xf7c97884590c66cdull), U128(0x78278e1e19e44ull, 0x8cf8b95d2152dccfull),
};
/* 1 / √1.0001^(2^k) × 2^64, k = 1..18, for negative ticks */
static const u128 NEG_ODD = 18445821805675392311ull, NEG_EVEN = (u128)1 << 64;
static const uint64_t NEG[18] = {
    18444899583751176498ull, 18443055278223354162ull, 18439367220385604838ull,
    18431993317065449817ull, 18417254355718160513ull, 18387811781193591352ull,
    18329067761203520168ull, 18212142134806087854ull, 17980523815641551639ull,
    17526086738831147013ull, 16651378430235024244ull, 15030750278693429944ull,
    12247334978882834399ull, 8131365268884726200ull, 3584323654723342297ull,
    696457651847595233ull, 26294789957452057ull, 37481735321082ull,
};

int mev_clmm_sqrt_price_at_tick(int32_t tick, u128 *out)
{
    if (tick < MEV_CLMM_MIN_TICK || tick > MEV_CLMM_MAX_TICK)
        return MEV_EINVAL;
    if (tick >= 0) {
        u128 ratio = (tick & 1) ? POS_ODD : POS_EVEN;
        for (int k = 1; k < 19; k++)
            if (tick & (1 << k)) {
                u256 m = mev_shr_256(mev_mul_128(ratio, POS[k - 1]), 96); /* fits 128 bits below MAX_TICK */
                ratio = m.lo;
            }
        *out = ratio >> 32;
    } else {
        int32_t abs = -tick;
        u128 ratio = (abs & 1) ? NEG_ODD : NEG_EVEN;
        for (int k = 1; k < 19; k++)
            if (abs & (1 << k))
                ratio = (ratio * NEG[k - 1]) >> 64;
        *out = ratio;
    }
    return MEV_OK;
}

/* log_√1.0001(2) in Q32, and the estimate's error margins in Q64 (0.01, and 2^-14 / log2(b) + 0.01) */
#define LOG_B_2_X32 ((__int128)59543866431248ll)
#define LOG_PRECISION 14
#define MARGIN_LOWER_X64 ((__int128)184467440737095516ll)
#define MARGIN_UPPER_X64 ((__int128)U128(0, 15793534762490258745ull))

void mev_clmm_tick_candidates(u128 sqrt_price, int precision, int32_t *low, int32_t *high)
{
    unsigned msb = mev_bits_128(sqrt_price) - 1;
    __int128 log2_x32 = ((__int128)msb - 64) * ((__int128)1 << 32);
    /* the fraction: square r (its top bit at 63) and take a bit each time it passes 2 */
    u128 r = msb >= 64 ? sqrt_price >> (msb - 63) : sqrt_price << (63 - msb);
    __int128 fraction_x64 = 0, bit = (__int128)1 << 63;
    for (int i = 0; i < precision; i++, bit >>= 1) {
        r *= r;
        unsigned above = (unsigned)(r >> 127);
        r >>= 63 + above;
        fraction_x64 += above ? bit : 0;
    }
    __int128 log_b_x64 = (log2_x32 + (fraction_x64 >> 32)) * LOG_B_2_X32;
    *low = (int32_t)((log_b_x64 - MARGIN_LOWER_X64) >> 64);
    *high = (int32_t)((log_b_x64 + MARGIN_UPPER_X64) >> 64);
}

int mev_clmm_tick_at_sqrt_price(u128 sqrt_price, int32_t *tick)
{
    if (sqrt_price < MEV_CLMM_MIN_SQRT_PRICE || sqrt_price > MEV_CLMM_MAX_SQRT_PRICE)
        return MEV_EINVAL;
    int32_t low, high;
    mev_clmm_tick_candidates(sqrt_price, LOG_PRECISION, &low, &high);
    if (low == high) {
        *tick = low;
        return MEV_OK;
    }
    u128 at_high;
    mev_clmm_sqrt_price_at_tick(high, &at_high);
    *tick = at_high <= sqrt_price ? high : low;
    return MEV_OK;
}

/* --- token amounts and prices ------------------------------------------------------------------ */
static void order(u128 *lower, u128 *upper)
{
    if (*lower > *upper) {
        u128 t = *lower;
        *lower = *upper;
        *upper = t;
    }
}

int mev_clmm_amount_delta_a(u128 p0, u128 p1, u128 liquidity, int round_up, uint64_t *amount)
{
    order(&p0, &p1);
    u256 product = mev_mul_128(liquidity, p1 - p0);
    if (product.hi >> 64)
        return MEV_EOVERFLOW; /* the shift by 64 below would lose bits */
    u256 numerator = mev_shl_256(product, 64), denominator = mev_mul_128(p1, p0), q, r;
    if (mev_is_zero_256(denominator))
        return MEV_EINVAL;
    mev_divmod_256(numerator, denominator, &q, &r);
    if (round_up && !mev_is_zero_256(r))
        q = mev_add_256(q, (u256){0, 1});
    if (q.hi || q.lo > UINT64_MAX)
        return MEV_EOVERFLOW;
    *amount = (uint64_t)q.lo;
    return MEV_OK;
}

int mev_clmm_amount_delta_b(u128 p0, u128 p1, u128 liquidity, int round_up, uint64_t *amount)
{
    order(&p0, &p1);
    u256 product = mev_mul_128(liquidity, p1 - p0), q = mev_shr_256(product, 64);
    if (round_up && (uint64_t)product.lo)
        q = mev_add_256(q, (u256){0, 1});
    if (q.hi || q.lo > UINT64_MAX)
        return MEV_EOVERFLOW;
    *amount = (uint64_t)q.lo;
    return MEV_OK;
}

int mev_clmm_next_sqrt_price_from_a(u128 sqrt_price, u128 liquidity, uint64_t amount, int input, u128 *next)
{
    if (amount == 0) {
        *next = sqrt_price;
        return MEV_OK;
    }
    u256 product = mev_mul_128(sqrt_price, amount), numerator = mev_mul_128(liquidity, sqrt_price);
    if (numerator.hi >> 64)
        return MEV_EOVERFLOW;
    numerator = mev_shl_256(numerator, 64);
    u256 shifted = {liquidity >> 64, liquidity << 64};
    if (!input && mev_cmp_256(shifted, product) <= 0)
        return MEV_EINVAL; /* more token A out than the liquidity holds (the program's DivideByZero) */
    u256 denominator = input ? mev_add_256(shifted, product) : mev_sub_256(shifted, product), q, r;
    mev_divmod_256(numerator, denominator, &q, &r);
    if (!mev_is_zero_256(r))
        q = mev_add_256(q, (u256){0, 1});
    if (q.hi || q.lo < MEV_CLMM_MIN_SQRT_PRICE || q.lo > MEV_CLMM_MAX_SQRT_PRICE)
        return MEV_EINVAL;
    *next = q.lo;
    return MEV_OK;
}

int mev_clmm_next_sqrt_price_from_b(u128 sqrt_price, u128 liquidity, uint64_t amount, int input, u128 *next)
{
    if (amount == 0) {
        *next = sqrt_price;
        return MEV_OK;
    }
    if (liquidity == 0)
        return MEV_EINVAL;
    u128 shifted = (u128)amount << 64, delta = shifted / liquidity;
    if (!input && shifted % liquidity)
        delta++;
    if (input ? delta > MEV_CLMM_MAX_SQRT_PRICE - sqrt_price || sqrt_price > MEV_CLMM_MAX_SQRT_PRICE
              : delta > sqrt_price)
        return MEV_EINVAL;
    u128 result = input ? sqrt_price + delta : sqrt_price - delta;
    if (result < MEV_CLMM_MIN_SQRT_PRICE || result > MEV_CLMM_MAX_SQRT_PRICE)
        return MEV_EINVAL;
    *next = result;
    return MEV_OK;
}
