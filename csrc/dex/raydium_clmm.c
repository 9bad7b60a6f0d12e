#include "raydium_clmm.h"

#include <string.h>

#include "../mev_error.h"
#include "clmm.h"
#include "le.h"

typedef mev_u128 u128;
typedef mev_u256 u256;

/* Anchor discriminators: sha256("account:PoolState" / "account:AmmConfig" / "account:TickArrayState"
 * / "account:TickArrayBitmapExtension")[:8] */
static const uint8_t POOL_DISC[8] = {0xf7, 0xed, 0xe3, 0xf5, 0xd7, 0xc3, 0xde, 0x46};
static const uint8_t CONFIG_DISC[8] = {0xda, 0xf4, 0x21, 0x68, 0xcb, 0xcb, 0x2b, 0x6f};
static const uint8_t TICKS_DISC[8] = {0xc0, 0x9b, 0x55, 0xcd, 0x31, 0xf9, 0x81, 0x2a};
static const uint8_t EXTENSION_DISC[8] = {0x3c, 0x96, 0x24, 0xdb, 0x61, 0x80, 0x8b, 0x99};

#define FEE_DENOMINATOR 1000000u        /* states/config.rs FEE_RATE_DENOMINATOR_VALUE */
#define MAX_FEE_RATE 100000u            /* states/pool_fee.rs MAX_FEE_RATE_NUMERATOR */
#define VOLATILITY_SCALE 10000u         /* VOLATILITY_ACCUMULATOR_SCALE */
#define REDUCTION_DENOMINATOR 10000u    /* REDUCTION_FACTOR_DENOMINATOR */
#define FEE_CONTROL_DENOMINATOR 100000u /* DYNAMIC_FEE_CONTROL_DENOMINATOR */
#define TICK_LEN 168
#define BITMAP_ARRAYS 512               /* tick arrays per bitmap of 512 bits */
#define SWAP_DISABLED (1u << 4)         /* PoolStatusBitIndex::Swap */
#define REWARD_INFOS 397                /* 3 RewardInfo of 169 bytes, reward_state u8 first */
#define REWARD_INFO_LEN 169
#define DYNAMIC_FEE 1096

/* the pool's fields a swap writes, and the ones it reads */
enum { POOL_LIQUIDITY = 237, POOL_SQRT_PRICE = 253, POOL_TICK = 269, POOL_FEE_GROWTH_0 = 277, POOL_FEE_GROWTH_1 = 293,
       POOL_PROTOCOL_FEES_0 = 309, POOL_PROTOCOL_FEES_1 = 317, POOL_BITMAP = 904, POOL_FUND_FEES_0 = 1064,
       POOL_FUND_FEES_1 = 1072 };
/* a tick's fields (TickState, 168 bytes) from its start */
enum { TICK_LIQUIDITY_NET = 4, TICK_LIQUIDITY_GROSS = 20, TICK_FEE_GROWTH_OUTSIDE_0 = 36, TICK_FEE_GROWTH_OUTSIDE_1 = 52,
       TICK_ORDER_PHASE = 116, TICK_ORDERS_AMOUNT = 124, TICK_PART_FILLED = 132, TICK_UNFILLED_RATIO = 140 };
#define TICKS_AT 44
#define INITIALIZED_COUNT (TICKS_AT + TICK_LEN * MEV_RCL_TICKS)
#define EXTENSION_POSITIVE 40
#define EXTENSION_NEGATIVE 936

int mev_rcl_pool_decode(const uint8_t *d, size_t len, mev_rcl_pool *p)
{
    if (d == NULL || p == NULL)
        return MEV_EINVAL;
    if (len != MEV_RCL_POOL_LEN || memcmp(d, POOL_DISC, 8) != 0)
        return MEV_ELAYOUT;
    memset(p, 0, sizeof *p);
    p->bump = d[8];
    memcpy(p->amm_config, d + 9, 32);
    memcpy(p->owner, d + 41, 32);
    memcpy(p->mint_0, d + 73, 32);
    memcpy(p->mint_1, d + 105, 32);
    memcpy(p->vault_0, d + 137, 32);
    memcpy(p->vault_1, d + 169, 32);
    memcpy(p->observation, d + 201, 32);
    p->decimals_0 = d[233];
    p->decimals_1 = d[234];
    p->tick_spacing = mev_le16(d + 235);
    p->liquidity = mev_le128(d + POOL_LIQUIDITY);
    p->sqrt_price = mev_le128(d + POOL_SQRT_PRICE);
    p->tick_current = (int32_t)mev_le32(d + POOL_TICK);
    p->fee_growth_0 = mev_le128(d + POOL_FEE_GROWTH_0);
    p->fee_growth_1 = mev_le128(d + POOL_FEE_GROWTH_1);
    p->protocol_fees_0 = mev_le64(d + POOL_PROTOCOL_FEES_0);
    p->protocol_fees_1 = mev_le64(d + POOL_PROTOCOL_FEES_1);
    p->status = d[389];
    p->fee_on = d[390];
    for (int i = 0; i < 3; i++)
        p->rewards_initialized |= d[REWARD_INFOS + REWARD_INFO_LEN * i] != 0;
    for (int i = 0; i < 16; i++)
        p->tick_array_bitmap[i] = mev_le64(d + POOL_BITMAP + 8 * i);
    p->fund_fees_0 = mev_le64(d + POOL_FUND_FEES_0);
    p->fund_fees_1 = mev_le64(d + POOL_FUND_FEES_1);
    p->open_time = mev_le64(d + 1080);
    p->recent_epoch = mev_le64(d + 1088);
    const uint8_t *f = d + DYNAMIC_FEE;
    mev_rcl_dynamic_fee *fee = &p->dynamic_fee;
    fee->filter_period = mev_le16(f);
    fee->decay_period = mev_le16(f + 2);
    fee->reduction_factor = mev_le16(f + 4);
    fee->dynamic_fee_control = mev_le32(f + 6);
    fee->max_volatility_accumulator = mev_le32(f + 10);
    fee->tick_spacing_index_reference = (int32_t)mev_le32(f + 14);
    fee->volatility_reference = mev_le32(f + 18);
    fee->volatility_accumulator = mev_le32(f + 22);
    fee->last_update_timestamp = mev_le64(f + 26);
    for (int i = 0; i < 80; i++) /* DynamicFeeInfo::default() is all zero: the pool has none */
        p->has_dynamic_fee |= f[i] != 0;
    if (p->tick_spacing == 0)
        return MEV_ELAYOUT;
    return MEV_OK;
}

int mev_rcl_config_decode(const uint8_t *d, size_t len, mev_rcl_config *c)
{
    if (d == NULL || c == NULL)
        return MEV_EINVAL;
    if (len != MEV_RCL_CONFIG_LEN || memcmp(d, CONFIG_DISC, 8) != 0)
        return MEV_ELAYOUT;
    c->index = mev_le16(d + 9);
    c->protocol_fee_rate = mev_le32(d + 43);
    c->trade_fee_rate = mev_le32(d + 47);
    c->tick_spacing = mev_le16(d + 51);
    c->fund_fee_rate = mev_le32(d + 53);
    /* the program's fee arithmetic assumes rates below the denominator */
    if (c->trade_fee_rate >= FEE_DENOMINATOR || c->protocol_fee_rate > FEE_DENOMINATOR ||
        c->fund_fee_rate > FEE_DENOMINATOR)
        return MEV_ELAYOUT;
    return MEV_OK;
}

int mev_rcl_ticks_decode(const uint8_t *d, size_t len, mev_rcl_ticks *t)
{
    if (d == NULL || t == NULL)
        return MEV_EINVAL;
    if (len != MEV_RCL_TICK_ARRAY_LEN || memcmp(d, TICKS_DISC, 8) != 0)
        return MEV_ELAYOUT;
    memcpy(t->pool, d + 8, 32);
    t->start = (int32_t)mev_le32(d + 40);
    for (int i = 0; i < MEV_RCL_TICKS; i++) {
        const uint8_t *k = d + TICKS_AT + TICK_LEN * i;
        t->tick[i] = (int32_t)mev_le32(k);
        t->liquidity_net[i] = (__int128)mev_le128(k + TICK_LIQUIDITY_NET);
        t->liquidity_gross[i] = mev_le128(k + TICK_LIQUIDITY_GROSS);
        t->fee_growth_outside_0[i] = mev_le128(k + TICK_FEE_GROWTH_OUTSIDE_0);
        t->fee_growth_outside_1[i] = mev_le128(k + TICK_FEE_GROWTH_OUTSIDE_1);
        t->order_phase[i] = mev_le64(k + TICK_ORDER_PHASE);
        t->orders_amount[i] = mev_le64(k + TICK_ORDERS_AMOUNT);
        t->part_filled_remaining[i] = mev_le64(k + TICK_PART_FILLED);
        t->unfilled_ratio[i] = mev_le128(k + TICK_UNFILLED_RATIO);
    }
    t->initialized_count = d[INITIALIZED_COUNT];
    return MEV_OK;
}

int mev_rcl_pool_store(const mev_rcl_pool *p, uint8_t *d, size_t len)
{
    if (p == NULL || d == NULL)
        return MEV_EINVAL;
    if (len != MEV_RCL_POOL_LEN || memcmp(d, POOL_DISC, 8) != 0)
        return MEV_ELAYOUT;
    mev_put_le(d + POOL_LIQUIDITY, p->liquidity, 16);
    mev_put_le(d + POOL_SQRT_PRICE, p->sqrt_price, 16);
    mev_put_le(d + POOL_TICK, (uint32_t)p->tick_current, 4);
    mev_put_le(d + POOL_FEE_GROWTH_0, p->fee_growth_0, 16);
    mev_put_le(d + POOL_FEE_GROWTH_1, p->fee_growth_1, 16);
    mev_put_le(d + POOL_PROTOCOL_FEES_0, p->protocol_fees_0, 8);
    mev_put_le(d + POOL_PROTOCOL_FEES_1, p->protocol_fees_1, 8);
    for (int i = 0; i < 16; i++)
        mev_put_le(d + POOL_BITMAP + 8 * i, p->tick_array_bitmap[i], 8);
    mev_put_le(d + POOL_FUND_FEES_0, p->fund_fees_0, 8);
    mev_put_le(d + POOL_FUND_FEES_1, p->fund_fees_1, 8);
    if (p->has_dynamic_fee) {
        const mev_rcl_dynamic_fee *fee = &p->dynamic_fee;
        uint8_t *f = d + DYNAMIC_FEE;
        mev_put_le(f + 14, (uint32_t)fee->tick_spacing_index_reference, 4);
        mev_put_le(f + 18, fee->volatility_reference, 4);
        mev_put_le(f + 22, fee->volatility_accumulator, 4);
        mev_put_le(f + 26, fee->last_update_timestamp, 8);
    }
    return MEV_OK;
}

int mev_rcl_ticks_store(const mev_rcl_ticks *t, uint8_t *d, size_t len)
{
    if (t == NULL || d == NULL)
        return MEV_EINVAL;
    if (len != MEV_RCL_TICK_ARRAY_LEN || memcmp(d, TICKS_DISC, 8) != 0)
        return MEV_ELAYOUT;
    for (int i = 0; i < MEV_RCL_TICKS; i++) {
        uint8_t *k = d + TICKS_AT + TICK_LEN * i;
        mev_put_le(k + TICK_FEE_GROWTH_OUTSIDE_0, t->fee_growth_outside_0[i], 16);
        mev_put_le(k + TICK_FEE_GROWTH_OUTSIDE_1, t->fee_growth_outside_1[i], 16);
        mev_put_le(k + TICK_ORDER_PHASE, t->order_phase[i], 8);
        mev_put_le(k + TICK_ORDERS_AMOUNT, t->orders_amount[i], 8);
        mev_put_le(k + TICK_PART_FILLED, t->part_filled_remaining[i], 8);
        mev_put_le(k + TICK_UNFILLED_RATIO, t->unfilled_ratio[i], 16);
    }
    d[INITIALIZED_COUNT] = t->initialized_count;
    return MEV_OK;
}

int mev_rcl_bitmap_extension_decode(const uint8_t *d, size_t len, mev_rcl_bitmap_extension *e)
{
    if (d == NULL || e == NULL)
        return MEV_EINVAL;
    if (len != MEV_RCL_BITMAP_EXTENSION_LEN || memcmp(d, EXTENSION_DISC, 8) != 0)
        return MEV_ELAYOUT;
    memcpy(e->pool, d + 8, 32);
    for (int b = 0; b < 14; b++)
        for (int w = 0; w < 8; w++) {
            e->positive[b][w] = mev_le64(d + EXTENSION_POSITIVE + 64 * b + 8 * w);
            e->negative[b][w] = mev_le64(d + EXTENSION_NEGATIVE + 64 * b + 8 * w);
        }
    return MEV_OK;
}

int mev_rcl_bitmap_extension_store(const mev_rcl_bitmap_extension *e, uint8_t *d, size_t len)
{
    if (e == NULL || d == NULL)
        return MEV_EINVAL;
    if (len != MEV_RCL_BITMAP_EXTENSION_LEN || memcmp(d, EXTENSION_DISC, 8) != 0)
        return MEV_ELAYOUT;
    for (int b = 0; b < 14; b++)
        for (int w = 0; w < 8; w++) {
            mev_put_le(d + EXTENSION_POSITIVE + 64 * b + 8 * w, e->positive[b][w], 8);
            mev_put_le(d + EXTENSION_NEGATIVE + 64 * b + 8 * w, e->negative[b][w], 8);
        }
    return MEV_OK;
}

/* --- ticks and prices (libraries/tick_math.rs) ------------------------------------------------- */
/* 1 / √1.0001^(2^k) in Q64, k = 0..18: the product over a tick's bits, inverted for positive ticks */
static const uint64_t INV_ROOT[19] = {
    0xfffcb933bd6fb800ull, 0xfff97272373d4000ull, 0xfff2e50f5f657000ull, 0xffe5caca7e10f000ull,
    0xffcb9843d60f7000ull, 0xff973b41fa98e800ull, 0xff2ea16466c9b000ull, 0xfe5dee046a9a3800ull,
    0xfcbe86c7900bb000ull, 0xf987a7253ac65800ull, 0xf3392b0822bb6000ull, 0xe7159475a2caf000ull,
    0xd097f3bdfd2f2000ull, 0xa9f746462d9f8000ull, 0x70d869a156f31c00ull, 0x31be135f97ed3200ull,
    0x9aa508b5b85a500ull,  0x5d6af8dedc582cull,   0x2216e584f5faull,
};

int mev_rcl_sqrt_price_at_tick(int32_t tick, u128 *out)
{
    if (tick < MEV_RCL_MIN_TICK || tick > MEV_RCL_MAX_TICK)
        return MEV_EINVAL;
    uint32_t abs = tick < 0 ? (uint32_t)-tick : (uint32_t)tick;
    u128 ratio = (abs & 1) ? INV_ROOT[0] : (u128)1 << 64;
    for (int k = 1; k < 19; k++)
        if (abs & (1u << k))
            ratio = (ratio * INV_ROOT[k]) >> 64;
    if (tick > 0)
        ratio = ~(u128)0 / ratio;
    *out = ratio;
    return MEV_OK;
}

#define LOG_PRECISION 16 /* bits of log2 (tick_math.rs BIT_PRECISION); Whirlpool takes 14 */

int mev_rcl_tick_at_sqrt_price(u128 sqrt_price, int32_t *tick)
{
    if (sqrt_price < MEV_RCL_MIN_SQRT_PRICE || sqrt_price >= MEV_RCL_MAX_SQRT_PRICE)
        return MEV_EINVAL;
    int32_t low, high;
    mev_clmm_tick_candidates(sqrt_price, LOG_PRECISION, &low, &high);
    if (low == high) {
        *tick = low;
        return MEV_OK;
    }
    u128 at_high;
    if (mev_rcl_sqrt_price_at_tick(high, &at_high) != MEV_OK)
        return MEV_EINVAL;
    *tick = at_high <= sqrt_price ? high : low;
    return MEV_OK;
}

/* token 0 per token 1 price in Q64 from a sqrt price, rounded down or up (get_price_from_sqrt_price) */
static int price_of(u128 sqrt_price, int round_up, u128 *price)
{
    u256 p = mev_mul_128(sqrt_price, sqrt_price);
    if (round_up)
        p = mev_add_256(p, mev_u256_of(((u128)1 << 64) - 1));
    p = mev_shr_256(p, 64);
    if (p.hi)
        return MEV_EOVERFLOW;
    *price = p.lo;
    return MEV_OK;
}

/* --- token amounts (libraries/liquidity_math.rs, sqrt_price_math.rs) --------------------------- */
/* get_delta_amounts_for_swap: what moving between the two prices takes in and gives out.
 * MEV_ERANGE for the program's MaxTokenOverflow (either amount past u64), which compute_swap
 * answers by pricing from the amount instead. */
static int amounts_for_swap(u128 a, u128 b, u128 liquidity, int zero_for_one, uint64_t *in, uint64_t *out)
{
    if (a > b) {
        u128 t = a;
        a = b;
        b = t;
    }
    if (a == 0)
        return MEV_EINVAL;
    u256 amount_1_x64 = mev_mul_128(liquidity, b - a), product = mev_mul_128(a, b), q0;
    u256 shifted = mev_u256_of((u128)1 << 64);
    /* token 0: amount_1_x64 × 2^64 / (a × b); token 1: amount_1_x64 / 2^64 */
    int rc = mev_mul_div_256(amount_1_x64, shifted, product, zero_for_one, &q0);
    if (rc == MEV_EOVERFLOW)
        return MEV_EOVERFLOW;
    u256 q1 = mev_shr_256(amount_1_x64, 64);
    if (!zero_for_one && (uint64_t)amount_1_x64.lo) /* rounded up: + (2^64 − 1) before the shift */
        q1 = mev_add_256(q1, mev_u256_of(1));
    uint64_t amount_0, amount_1;
    if (!mev_u256_to_u64(q0, &amount_0) || !mev_u256_to_u64(q1, &amount_1))
        return MEV_ERANGE;
    *in = zero_for_one ? amount_0 : amount_1;
    *out = zero_for_one ? amount_1 : amount_0;
    return MEV_OK;
}

/* get_next_sqrt_price_from_input / _output */
static int next_sqrt_price(u128 price, u128 liquidity, uint64_t amount, int zero_for_one, int input, u128 *next)
{
    if (price < MEV_RCL_MIN_SQRT_PRICE || price >= MEV_RCL_MAX_SQRT_PRICE || liquidity == 0)
        return MEV_EINVAL;
    if (amount == 0) {
        *next = price;
        return MEV_OK;
    }
    if (zero_for_one == input) { /* token 0 moves: ceil(L·2^64 · P / (L·2^64 ± amount · P)) */
        u256 numerator = {liquidity >> 64, liquidity << 64}, product = mev_mul_128(amount, price), denominator, q;
        if (input) {
            denominator = mev_add_256(numerator, product);
        } else {
            if (mev_cmp_256(numerator, product) <= 0)
                return MEV_EOVERFLOW;
            denominator = mev_sub_256(numerator, product);
        }
        int rc = mev_mul_div_256(numerator, mev_u256_of(price), denominator, 1, &q);
        if (rc != MEV_OK)
            return rc;
        if (q.hi)
            return MEV_EOVERFLOW;
        *next = q.lo;
        return MEV_OK;
    }
    u128 shifted = (u128)amount << 64, delta = shifted / liquidity; /* token 1 moves */
    if (input) {
        if (delta > ~(u128)0 - price)
            return MEV_EOVERFLOW;
        *next = price + delta;
    } else {
        delta += shifted % liquidity != 0;
        if (delta > price)
            return MEV_EOVERFLOW;
        *next = price - delta;
    }
    return MEV_OK;
}

typedef struct {
    u128 price;
    uint64_t in, out, fee;
} step;

/* libraries/swap_math.rs compute_swap */
static int compute_swap(u128 current, u128 target, u128 liquidity, uint64_t remaining, uint32_t fee_rate, int exact_in,
                        int zero_for_one, int fee_on_input, step *s)
{
    uint64_t priced = remaining; /* the amount that moves the price */
    int rc;
    if (exact_in && fee_on_input)
        rc = mev_mul_div_64(remaining, FEE_DENOMINATOR - fee_rate, FEE_DENOMINATOR, 0, &priced);
    else if (!exact_in && !fee_on_input)
        rc = mev_mul_div_64(remaining, FEE_DENOMINATOR, FEE_DENOMINATOR - fee_rate, 1, &priced);
    else
        rc = MEV_OK;
    if (rc != MEV_OK)
        return rc;
    uint64_t in_at_target, out_at_target;
    rc = amounts_for_swap(target, current, liquidity, zero_for_one, &in_at_target, &out_at_target);
    if (rc != MEV_OK && rc != MEV_ERANGE)
        return rc;
    if (rc == MEV_OK && priced >= (exact_in ? in_at_target : out_at_target)) {
        s->price = target;
        s->in = in_at_target;
        s->out = out_at_target;
    } else {
        if ((rc = next_sqrt_price(current, liquidity, priced, zero_for_one, exact_in, &s->price)) != MEV_OK)
            return rc;
        rc = amounts_for_swap(s->price, current, liquidity, zero_for_one, &s->in, &s->out);
        if (rc != MEV_OK)
            return rc == MEV_ERANGE ? MEV_EOVERFLOW : rc;
    }
    if (zero_for_one ? s->price < target : target < s->price)
        return MEV_EINVAL;
    if (exact_in) {
        if (fee_on_input) {
            if (s->price != target) {
                if (remaining < s->in)
                    return MEV_EOVERFLOW;
                s->fee = remaining - s->in;
            } else if ((rc = mev_mul_div_64(s->in, fee_rate, FEE_DENOMINATOR - fee_rate, 1, &s->fee)) != MEV_OK) {
                return rc;
            }
        } else {
            if ((rc = mev_mul_div_64(s->out, fee_rate, FEE_DENOMINATOR, 1, &s->fee)) != MEV_OK)
                return rc;
            s->out -= s->fee; /* fee ≤ out: the rate is below the denominator */
            if (s->price != target)
                s->in = remaining;
        }
    } else if (fee_on_input) {
        if (s->out > remaining)
            s->out = remaining;
        if ((rc = mev_mul_div_64(s->in, fee_rate, FEE_DENOMINATOR - fee_rate, 1, &s->fee)) != MEV_OK)
            return rc;
    } else {
        if ((rc = mev_mul_div_64(s->out, fee_rate, FEE_DENOMINATOR, 1, &s->fee)) != MEV_OK)
            return rc;
        uint64_t net = s->out - s->fee;
        if (net > remaining) {
            s->fee = s->out - remaining;
            s->out = remaining;
        } else {
            s->out = net;
        }
    }
    return MEV_OK;
}

/* --- tick arrays and the bitmaps that mark them (tick_array_bit_map.rs, tickarray_bitmap_extension.rs) */
int32_t mev_rcl_array_start(int32_t tick, uint16_t tick_spacing)
{
    int32_t span = MEV_RCL_TICKS * (int32_t)tick_spacing;
    return mev_floor_div(tick, span) * span;
}

/* The bitmap word holding the bit of the tick array starting at `start` (the pool's, or the
 * extension's): 1 with *word and *bit, 0 past the extension's range, MEV_EINVAL when the
 * extension is needed and not given. */
static int array_bit(const mev_rcl_pool *pool, const mev_rcl_bitmap_extension *ext, int32_t start,
                     const uint64_t **word, int *bit)
{
    int32_t span = MEV_RCL_TICKS * (int32_t)pool->tick_spacing, boundary = span * BITMAP_ARRAYS;
    if (start >= -boundary && start < boundary) {
        int32_t b = start / span + BITMAP_ARRAYS; /* starts are multiples of span */
        *word = &pool->tick_array_bitmap[b / 64];
        *bit = b % 64;
        return 1;
    }
    if (ext == NULL)
        return MEV_EINVAL;
    int32_t abs = start < 0 ? -start : start;
    int32_t which = abs / boundary - 1, m = abs % boundary, offset = m / span;
    if (start < 0 && m == 0)
        which--;
    if (start < 0 && m != 0)
        offset = BITMAP_ARRAYS - offset;
    if (which < 0 || which >= 14)
        return 0;
    *word = &(start < 0 ? ext->negative[which] : ext->positive[which])[offset / 64];
    *bit = offset % 64;
    return 1;
}

int mev_rcl_array_initialized(const mev_rcl_pool *pool, const mev_rcl_bitmap_extension *ext, int32_t start)
{
    const uint64_t *word;
    int bit, rc = array_bit(pool, ext, start, &word, &bit);
    return rc == 1 ? (int)((*word >> bit) & 1) : rc;
}

/* The next initialized tick array after `start` in the swap's direction: 1 and *next, 0 when
 * there is none, MEV_EINVAL when the search needs the extension and it was not given. */
static int next_array(const mev_rcl_pool *pool, const mev_rcl_bitmap_extension *ext, int32_t start, int zero_for_one,
                      int32_t *next)
{
    int32_t span = MEV_RCL_TICKS * (int32_t)pool->tick_spacing;
    int32_t lowest = mev_rcl_array_start(MEV_RCL_MIN_TICK, pool->tick_spacing);
    int32_t highest = mev_rcl_array_start(MEV_RCL_MAX_TICK, pool->tick_spacing);
    for (int32_t s = start + (zero_for_one ? -span : span); s >= lowest && s <= highest; s += zero_for_one ? -span : span) {
        int init = mev_rcl_array_initialized(pool, ext, s);
        if (init < 0)
            return init;
        if (init) {
            *next = s;
            return 1;
        }
    }
    return 0;
}

/* --- the swap (instructions/swap.rs swap_internal) --------------------------------------------- */
#define MAX_TOUCHED 64 /* ticks whose limit orders a swap fills, kept aside from the read-only arrays */

typedef struct { /* a tick's limit-order cohort state */
    uint64_t orders, part, phase;
    u128 ratio;
} order_state;

typedef struct {
    const mev_rcl_ticks *array;
    int index;
    order_state o;
} touched;

typedef struct {
    const mev_rcl_ticks *const *arrays;
    size_t n;
    touched t[MAX_TOUCHED];
    int n_touched;
} book;

static touched *find_touched(book *b, const mev_rcl_ticks *a, int i)
{
    for (int k = 0; k < b->n_touched; k++)
        if (b->t[k].array == a && b->t[k].index == i)
            return &b->t[k];
    return NULL;
}

static order_state orders_at(book *b, const mev_rcl_ticks *a, int i)
{
    touched *t = find_touched(b, a, i);
    if (t != NULL)
        return t->o;
    order_state o = {a->orders_amount[i], a->part_filled_remaining[i], a->order_phase[i], a->unfilled_ratio[i]};
    return o;
}

static int has_orders(book *b, const mev_rcl_ticks *a, int i)
{
    order_state o = orders_at(b, a, i);
    return o.orders > 0 || o.part > 0;
}

static int tick_initialized(book *b, const mev_rcl_ticks *a, int i)
{
    return a->liquidity_gross[i] > 0 || has_orders(b, a, i);
}

static const mev_rcl_ticks *array_at(book *b, int32_t start)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->arrays[i] != NULL && b->arrays[i]->start == start)
            return b->arrays[i];
    return NULL;
}

static int32_t spacing_index(int32_t tick, int32_t spacing)
{
    return tick % spacing == 0 || tick >= 0 ? tick / spacing : tick / spacing - 1;
}

typedef struct {
    uint64_t remaining, calculated, lp_fee, protocol_fee, fund_fee;
    u128 price, liquidity, price_next, fee_growth;
    int32_t tick, tick_next, spacing_index;
    mev_rcl_dynamic_fee fee;
    int dynamic, track_growth; /* track_growth: an applied swap (a quote skips the division a step) */
} swap_state;

static void update_volatility(swap_state *s)
{
    if (!s->dynamic)
        return;
    int64_t delta = (int64_t)s->fee.tick_spacing_index_reference - s->spacing_index;
    uint64_t v = (uint64_t)s->fee.volatility_reference + (uint64_t)(delta < 0 ? -delta : delta) * VOLATILITY_SCALE;
    s->fee.volatility_accumulator = (uint32_t)(v < s->fee.max_volatility_accumulator ? v : s->fee.max_volatility_accumulator);
}

static int total_fee_rate(const swap_state *s, uint32_t base, uint16_t spacing, uint32_t *rate)
{
    if (!s->dynamic) {
        *rate = base;
        return MEV_OK;
    }
    uint64_t crossed = (uint64_t)s->fee.volatility_accumulator * spacing;
    if (crossed > UINT32_MAX)
        return MEV_EOVERFLOW; /* the program multiplies in u32 */
    u128 squared = (u128)crossed * crossed, denominator = (u128)FEE_CONTROL_DENOMINATOR * VOLATILITY_SCALE * VOLATILITY_SCALE;
    u256 dynamic;
    mev_mul_div_256(mev_u256_of(s->fee.dynamic_fee_control), mev_u256_of(squared), mev_u256_of(denominator), 1, &dynamic);
    uint64_t d = dynamic.hi || dynamic.lo > MAX_FEE_RATE ? MAX_FEE_RATE : (uint64_t)dynamic.lo;
    uint64_t total = (uint64_t)base + d;
    *rate = (uint32_t)(total < MAX_FEE_RATE ? total : MAX_FEE_RATE);
    return MEV_OK;
}

static int apply_amounts(swap_state *s, uint64_t in, uint64_t out, uint64_t fee, int exact_in, int fee_on_input,
                         const mev_rcl_config *c)
{
    uint64_t consumed = in;
    if (fee_on_input && __builtin_add_overflow(in, fee, &consumed))
        return MEV_EOVERFLOW;
    uint64_t used = exact_in ? consumed : out, got = exact_in ? out : consumed;
    if (used > s->remaining || __builtin_add_overflow(s->calculated, got, &s->calculated))
        return MEV_EOVERFLOW;
    s->remaining -= used;
    uint64_t protocol = (uint64_t)((u128)fee * c->protocol_fee_rate / FEE_DENOMINATOR);
    uint64_t fund = (uint64_t)((u128)fee * c->fund_fee_rate / FEE_DENOMINATOR);
    if (protocol + fund > fee || __builtin_add_overflow(s->protocol_fee, protocol, &s->protocol_fee) ||
        __builtin_add_overflow(s->fund_fee, fund, &s->fund_fee))
        return MEV_EOVERFLOW;
    uint64_t lp = fee - protocol - fund, *to = s->liquidity > 0 ? &s->lp_fee : &s->protocol_fee;
    if (__builtin_add_overflow(*to, lp, to))
        return MEV_EOVERFLOW;
    if (s->track_growth && s->liquidity > 0) /* spilt_fees: floor(lp · 2^64 / liquidity), wrapping */
        s->fee_growth += ((u128)lp << 64) / s->liquidity;
    return MEV_OK;
}

/* TickState::match_limit_order_with_sqrt_price: fill resting orders at the tick's price */
static int match_orders(book *b, const mev_rcl_ticks *a, int i, uint64_t amount, int zero_for_one, int exact_in,
                        uint32_t fee_rate, int fee_on_input, u128 sqrt_price, uint64_t *in, uint64_t *out, uint64_t *fee)
{
    order_state o = orders_at(b, a, i);
    *in = *out = *fee = 0;
    if (amount == 0 || (o.orders == 0 && o.part == 0))
        return MEV_OK;
    uint64_t unfilled;
    if (__builtin_add_overflow(o.orders, o.part, &unfilled))
        return MEV_EOVERFLOW;
    u128 price; /* token 0's price in token 1, Q64, rounded in the orders' favour */
    int rc = price_of(sqrt_price, !zero_for_one, &price);
    if (rc != MEV_OK)
        return rc;
    u256 q64 = mev_u256_of((u128)1 << 64), p = mev_u256_of(price), r;
    if (exact_in) {
        if (fee_on_input) {
            if ((rc = mev_mul_div_64(amount, fee_rate, FEE_DENOMINATOR, 1, fee)) != MEV_OK)
                return rc;
            *in = amount - *fee;
        } else {
            *in = amount;
        }
        /* get_limit_order_output_with_price */
        if ((rc = mev_mul_div_256(mev_u256_of(*in), zero_for_one ? p : q64, zero_for_one ? q64 : p, 0, &r)) != MEV_OK)
            return MEV_EOVERFLOW;
        if (r.hi || r.lo > unfilled) {
            *out = unfilled;
            /* get_limit_order_input_with_price, its direction flipped as the program passes it */
            if ((rc = mev_mul_div_256(mev_u256_of(unfilled), zero_for_one ? q64 : p, zero_for_one ? p : q64, 1, &r)) != MEV_OK ||
                !mev_u256_to_u64(r, in))
                return MEV_EOVERFLOW;
            if (fee_on_input && (rc = mev_mul_div_64(*in, fee_rate, FEE_DENOMINATOR - fee_rate, 1, fee)) != MEV_OK)
                return rc;
        } else {
            *out = (uint64_t)r.lo;
        }
    } else {
        uint64_t net = amount < unfilled ? amount : unfilled;
        if (fee_on_input) {
            *out = net;
        } else {
            if ((rc = mev_mul_div_64(net, FEE_DENOMINATOR, FEE_DENOMINATOR - fee_rate, 1, out)) != MEV_OK)
                return rc;
            if (*out > unfilled)
                *out = unfilled;
        }
        if ((rc = mev_mul_div_256(mev_u256_of(*out), zero_for_one ? q64 : p, zero_for_one ? p : q64, 1, &r)) != MEV_OK ||
            !mev_u256_to_u64(r, in))
            return MEV_EOVERFLOW;
        if (fee_on_input && (rc = mev_mul_div_64(*in, fee_rate, FEE_DENOMINATOR - fee_rate, 1, fee)) != MEV_OK)
            return rc;
    }
    /* consume the part-filled cohort first (its unfilled ratio scaled down), then open a new phase
     * on the never-matched orders */
    uint64_t from_part = o.part < *out ? o.part : *out, rest = *out - from_part;
    if (from_part > 0) {
        if (mev_mul_div_256(mev_u256_of(o.ratio), mev_u256_of(o.part - from_part), mev_u256_of(o.part), 0, &r) != MEV_OK)
            return MEV_EOVERFLOW;
        o.ratio = r.lo; /* no more than the ratio before */
        o.part -= from_part;
    }
    if (rest > 0) {
        if (o.part != 0 || o.orders < rest)
            return MEV_EINVAL; /* InvalidLimitOrderAmount */
        o.phase += o.phase < UINT64_MAX;
        if (mev_mul_div_256(q64, mev_u256_of(o.orders - rest), mev_u256_of(o.orders), 0, &r) != MEV_OK)
            return MEV_EOVERFLOW;
        o.ratio = r.lo;
        o.part = o.orders - rest;
        o.orders = 0;
    }
    touched *t = find_touched(b, a, i);
    if (t == NULL) {
        if (b->n_touched == MAX_TOUCHED)
            return MEV_ERANGE;
        t = &b->t[b->n_touched++];
        t->array = a;
        t->index = i;
    }
    t->o = o;
    if (!fee_on_input) {
        if ((rc = mev_mul_div_64(*out, fee_rate, FEE_DENOMINATOR, 1, fee)) != MEV_OK)
            return rc;
        *out -= *fee;
    }
    return MEV_OK;
}

/* TickArrayState::next_initialized_tick: at or below the current tick selling token 0, above it
 * buying; -1 when the current tick is not in this array or none is initialized */
static int next_in_array(book *b, const mev_rcl_ticks *a, int32_t tick, int32_t spacing, int zero_for_one)
{
    if (mev_rcl_array_start(tick, (uint16_t)spacing) != a->start)
        return -1;
    int32_t offset = (tick - a->start) / spacing;
    if (zero_for_one) {
        for (int i = offset; i >= 0; i--)
            if (tick_initialized(b, a, i))
                return i;
    } else {
        for (int i = offset + 1; i < MEV_RCL_TICKS; i++)
            if (tick_initialized(b, a, i))
                return i;
    }
    return -1;
}

static int first_in_array(book *b, const mev_rcl_ticks *a, int zero_for_one)
{
    for (int k = 0; k < MEV_RCL_TICKS; k++) {
        int i = zero_for_one ? MEV_RCL_TICKS - 1 - k : k;
        if (tick_initialized(b, a, i))
            return i;
    }
    return -1;
}

/* what mev_rcl_swap_apply writes to: the same pool and extension the swap reads, and the arrays
 * given (mutable there) */
typedef struct {
    mev_rcl_pool *pool;
    mev_rcl_bitmap_extension *ext;
} commit_to;

static int commit(const commit_to *c, const book *b, const swap_state *s, int fee_on_token0);

static int swap(const mev_rcl_pool *pool, const mev_rcl_config *config, const mev_rcl_bitmap_extension *ext,
                const mev_rcl_ticks *const *arrays, size_t n_arrays, uint64_t amount, int zero_for_one, int exact_in,
                u128 limit, uint64_t now, mev_rcl_swap *q, const commit_to *to)
{
    if (pool == NULL || config == NULL || q == NULL || (arrays == NULL && n_arrays > 0))
        return MEV_EINVAL;
    memset(q, 0, sizeof *q);
    q->missing_array = MEV_RCL_NO_ARRAY;
    if (amount == 0 || (pool->status & SWAP_DISABLED) || pool->tick_spacing == 0)
        return MEV_EINVAL;
    int full_fill = limit == 0;
    if (full_fill)
        limit = zero_for_one ? MEV_RCL_MIN_SQRT_PRICE + 1 : MEV_RCL_MAX_SQRT_PRICE - 1;
    if (zero_for_one ? !(limit < pool->sqrt_price && limit > MEV_RCL_MIN_SQRT_PRICE)
                     : !(limit > pool->sqrt_price && limit < MEV_RCL_MAX_SQRT_PRICE))
        return MEV_EINVAL;
    if (now <= pool->open_time)
        return MEV_EINVAL; /* swap_v2: not open yet */
    int32_t spacing = pool->tick_spacing;
    if (pool->tick_current < MEV_RCL_MIN_TICK || pool->tick_current > MEV_RCL_MAX_TICK)
        return MEV_EINVAL;

    book b = {.arrays = arrays, .n = n_arrays, .n_touched = 0};
    int32_t current_start = mev_rcl_array_start(pool->tick_current, pool->tick_spacing);
    int init = mev_rcl_array_initialized(pool, ext, current_start), rc;
    if (init < 0)
        return init;
    int first_contains_tick = init;
    if (!init && (rc = next_array(pool, ext, current_start, zero_for_one, &current_start)) != 1)
        return rc < 0 ? rc : MEV_EINVAL;
    const mev_rcl_ticks *array = array_at(&b, current_start);
    if (array == NULL) {
        q->missing_array = current_start;
        return MEV_EINVAL;
    }

    int fee_on_input = pool->fee_on == 1 ? zero_for_one : pool->fee_on == 2 ? !zero_for_one : 1;
    int fee_on_token0 = pool->fee_on == 1 ? 1 : pool->fee_on == 2 ? 0 : zero_for_one; /* is_fee_on_token0 */
    swap_state s = {.remaining = amount, .price = pool->sqrt_price, .tick = pool->tick_current,
                    .liquidity = pool->liquidity, .fee = pool->dynamic_fee, .dynamic = pool->has_dynamic_fee,
                    .fee_growth = fee_on_token0 ? pool->fee_growth_0 : pool->fee_growth_1, .track_growth = to != NULL};
    if (s.dynamic) { /* DynamicFeeInfo::update_reference */
        s.spacing_index = spacing_index(s.tick, spacing);
        uint64_t since = now > s.fee.last_update_timestamp ? now - s.fee.last_update_timestamp : 0;
        if (since >= s.fee.filter_period) {
            s.fee.tick_spacing_index_reference = s.spacing_index;
            s.fee.volatility_reference = since < s.fee.decay_period
                ? (uint32_t)((uint64_t)s.fee.volatility_accumulator * s.fee.reduction_factor / REDUCTION_DENOMINATOR)
                : 0;
            s.fee.last_update_timestamp = now;
        }
    }

    while (s.remaining != 0 && s.price != limit) {
        int i = next_in_array(&b, array, s.tick, spacing, zero_for_one);
        if (i < 0 && !first_contains_tick) {
            first_contains_tick = 1;
            i = first_in_array(&b, array, zero_for_one);
        } else if (i < 0) {
            int32_t next_start;
            if ((rc = next_array(pool, ext, current_start, zero_for_one, &next_start)) != 1)
                return rc < 0 ? rc : MEV_EINVAL; /* LiquidityInsufficient */
            current_start = next_start;
            if ((array = array_at(&b, current_start)) == NULL) {
                q->missing_array = current_start;
                return MEV_EINVAL;
            }
            i = first_in_array(&b, array, zero_for_one);
        }
        if (i < 0)
            return MEV_EINVAL; /* an array the bitmap marks has no initialized tick */

        /* get_target_price_based_on_next_tick */
        s.tick_next = array->tick[i];
        if (s.tick_next < MEV_RCL_MIN_TICK)
            s.tick_next = MEV_RCL_MIN_TICK;
        else if (s.tick_next > MEV_RCL_MAX_TICK)
            s.tick_next = MEV_RCL_MAX_TICK;
        mev_rcl_sqrt_price_at_tick(s.tick_next, &s.price_next);
        u128 target = (zero_for_one ? s.price_next < limit : s.price_next > limit) ? limit : s.price_next;
        if (zero_for_one ? !(s.tick >= s.tick_next && s.price >= s.price_next && s.price >= target)
                         : !(s.tick_next > s.tick && s.price_next >= s.price && target >= s.price))
            return MEV_EINVAL;

        u128 liquidity_next = s.liquidity;
        for (;;) {
            update_volatility(&s);
            uint32_t fee_rate;
            if ((rc = total_fee_rate(&s, config->trade_fee_rate, pool->tick_spacing, &fee_rate)) != MEV_OK)
                return rc;
            /* get_spacing_bounded_price: a dynamic-fee pool steps one tick spacing at a time */
            int skipped = 1, bounded_at_tick = 0;
            int32_t bounded_tick = 0;
            u128 bounded = target;
            if (s.dynamic && s.liquidity != 0 && s.fee.volatility_accumulator != s.fee.max_volatility_accumulator) {
                skipped = 0;
                int64_t t = zero_for_one ? (int64_t)s.spacing_index * spacing : ((int64_t)s.spacing_index + 1) * spacing;
                bounded_tick = (int32_t)(t < MEV_RCL_MIN_TICK ? MEV_RCL_MIN_TICK : t > MEV_RCL_MAX_TICK ? MEV_RCL_MAX_TICK : t);
                u128 at;
                mev_rcl_sqrt_price_at_tick(bounded_tick, &at);
                if (zero_for_one ? target <= at : target >= at) {
                    bounded = at;
                    bounded_at_tick = 1;
                }
            }
            step st = {bounded, 0, 0, 0};
            if (s.price != bounded) {
                if ((rc = compute_swap(s.price, bounded, s.liquidity, s.remaining, fee_rate, exact_in, zero_for_one,
                                       fee_on_input, &st)) != MEV_OK)
                    return rc;
                if ((rc = apply_amounts(&s, st.in, st.out, st.fee, exact_in, fee_on_input, config)) != MEV_OK)
                    return rc;
                q->steps++;
            }
            order_state before = orders_at(&b, array, i), after;
            if (s.price_next == st.price) {
                uint64_t lin, lout, lfee;
                if ((rc = match_orders(&b, array, i, s.remaining, zero_for_one, exact_in, fee_rate, fee_on_input,
                                       s.price_next, &lin, &lout, &lfee)) != MEV_OK)
                    return rc;
                if (lin || lout || lfee) {
                    if ((rc = apply_amounts(&s, lin, lout, lfee, exact_in, fee_on_input, config)) != MEV_OK)
                        return rc;
                    q->limit_order_in += lin + (fee_on_input ? lfee : 0);
                    q->limit_order_out += lout;
                }
                int resting = has_orders(&b, array, i);
                if (array->liquidity_gross[i] > 0 && !resting) { /* cross the tick: liquidity_math::add_delta */
                    if (to != NULL) { /* TickState::cross: fee growth outside flips against the global */
                        mev_rcl_ticks *m = (mev_rcl_ticks *)array; /* one of apply's mutable arrays */
                        m->fee_growth_outside_0[i] = (fee_on_token0 ? s.fee_growth : pool->fee_growth_0) -
                                                     m->fee_growth_outside_0[i];
                        m->fee_growth_outside_1[i] = (fee_on_token0 ? pool->fee_growth_1 : s.fee_growth) -
                                                     m->fee_growth_outside_1[i];
                    }
                    __int128 net = zero_for_one ? -array->liquidity_net[i] : array->liquidity_net[i];
                    if (net < 0) {
                        u128 d = (u128)(-(net + 1)) + 1;
                        if (d > s.liquidity)
                            return MEV_EINVAL; /* the subtraction underflows */
                        liquidity_next = s.liquidity - d;
                    } else {
                        if ((u128)net > ~(u128)0 - s.liquidity)
                            return MEV_EOVERFLOW;
                        liquidity_next = s.liquidity + (u128)net;
                    }
                }
                s.tick = (zero_for_one && !resting) || (!zero_for_one && resting) ? s.tick_next - 1 : s.tick_next;
            } else if (s.price != st.price) {
                if (bounded_at_tick && st.price == bounded)
                    s.tick = bounded_tick;
                else if ((rc = mev_rcl_tick_at_sqrt_price(st.price, &s.tick)) != MEV_OK)
                    return rc;
            }
            s.price = st.price;
            if (s.dynamic) { /* update_dynamic_fee_index */
                if (skipped) {
                    int32_t t = s.price == s.price_next ? s.tick_next : s.tick;
                    int32_t index = spacing_index(t, spacing);
                    if (!zero_for_one && t % spacing == 0)
                        index--;
                    s.spacing_index = index;
                    if (s.fee.volatility_accumulator != s.fee.max_volatility_accumulator)
                        update_volatility(&s);
                }
                s.spacing_index += zero_for_one ? -1 : 1;
            }
            if (s.remaining == 0 || s.price == target) {
                after = orders_at(&b, array, i);
                if (s.remaining != 0 && after.orders + after.part != before.orders + before.part &&
                    after.orders + after.part != 0)
                    return MEV_EINVAL;
                break;
            }
        }
        s.liquidity = liquidity_next;
    }

    uint64_t consumed = amount - s.remaining;
    q->amount_in = exact_in ? consumed : s.calculated;
    q->amount_out = exact_in ? s.calculated : consumed;
    q->fee = s.lp_fee + s.protocol_fee + s.fund_fee;
    q->protocol_fee = s.protocol_fee;
    q->fund_fee = s.fund_fee;
    q->sqrt_price = s.price;
    q->liquidity = s.liquidity;
    q->fee_growth = to != NULL ? s.fee_growth : 0;
    q->tick = s.tick;
    q->fee_on_input = (uint8_t)fee_on_input;
    /* swap_v2: both sides move, and without a limit the whole amount fills */
    if (q->amount_in == 0 || q->amount_out == 0 || (full_fill && s.remaining != 0))
        return MEV_EINVAL;
    return to != NULL ? commit(to, &b, &s, fee_on_token0) : MEV_OK;
}

/* the limit orders filled, then the pool (update_after_swap) */
static int commit(const commit_to *c, const book *b, const swap_state *s, int fee_on_token0)
{
    mev_rcl_pool *p = c->pool;
    uint64_t *protocol = fee_on_token0 ? &p->protocol_fees_0 : &p->protocol_fees_1,
             *fund = fee_on_token0 ? &p->fund_fees_0 : &p->fund_fees_1, protocol_after, fund_after;
    if (__builtin_add_overflow(*protocol, s->protocol_fee, &protocol_after) ||
        __builtin_add_overflow(*fund, s->fund_fee, &fund_after))
        return MEV_EOVERFLOW;
    for (int k = 0; k < b->n_touched; k++) {
        const touched *t = &b->t[k];
        mev_rcl_ticks *m = (mev_rcl_ticks *)t->array;
        int i = t->index;
        int was = m->orders_amount[i] > 0 || m->part_filled_remaining[i] > 0 || m->liquidity_gross[i] > 0;
        m->orders_amount[i] = t->o.orders;
        m->part_filled_remaining[i] = t->o.part;
        m->order_phase[i] = t->o.phase;
        m->unfilled_ratio[i] = t->o.ratio;
        if (was && t->o.orders == 0 && t->o.part == 0 && m->liquidity_gross[i] == 0) {
            if (m->initialized_count == 0)
                return MEV_EOVERFLOW; /* update_initialized_tick_count's checked_sub */
            if (--m->initialized_count == 0) { /* flip_tick_array_bit */
                const uint64_t *word;
                int bit;
                if (array_bit(p, c->ext, m->start, &word, &bit) != 1)
                    return MEV_EINVAL;
                *(uint64_t *)word ^= (uint64_t)1 << bit; /* in apply's mutable pool or extension */
            }
        }
    }
    p->tick_current = s->tick;
    p->sqrt_price = s->price;
    p->liquidity = s->liquidity;
    if (s->lp_fee > 0)
        *(fee_on_token0 ? &p->fee_growth_0 : &p->fee_growth_1) = s->fee_growth;
    *protocol = protocol_after;
    *fund = fund_after;
    if (p->has_dynamic_fee) {
        p->dynamic_fee.last_update_timestamp = s->fee.last_update_timestamp;
        p->dynamic_fee.volatility_reference = s->fee.volatility_reference;
        p->dynamic_fee.tick_spacing_index_reference = s->fee.tick_spacing_index_reference;
        p->dynamic_fee.volatility_accumulator = s->fee.volatility_accumulator;
    }
    return MEV_OK;
}

int mev_rcl_quote(const mev_rcl_pool *pool, const mev_rcl_config *config, const mev_rcl_bitmap_extension *ext,
                  const mev_rcl_ticks *const *arrays, size_t n_arrays, uint64_t amount, int zero_for_one,
                  int exact_in, u128 limit, uint64_t now, mev_rcl_swap *q)
{
    return swap(pool, config, ext, arrays, n_arrays, amount, zero_for_one, exact_in, limit, now, q, NULL);
}

int mev_rcl_swap_apply(mev_rcl_pool *pool, const mev_rcl_config *config, mev_rcl_bitmap_extension *ext,
                       mev_rcl_ticks *const *arrays, size_t n_arrays, uint64_t amount, int zero_for_one,
                       int exact_in, u128 limit, uint64_t now, mev_rcl_swap *q)
{
    if (pool != NULL && pool->rewards_initialized && q != NULL) {
        memset(q, 0, sizeof *q);
        q->missing_array = MEV_RCL_NO_ARRAY;
        return MEV_EINVAL;
    }
    commit_to to = {pool, ext};
    return swap(pool, config, ext, (const mev_rcl_ticks *const *)arrays, n_arrays, amount, zero_for_one, exact_in, limit,
                now, q, &to);
}
