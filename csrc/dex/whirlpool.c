#include "whirlpool.h"

#include <string.h>

#include "../mev_error.h"
#include "le.h"

typedef mev_u128 u128;
typedef mev_u256 u256;

/* Anchor discriminators: sha256("account:Whirlpool" / "account:TickArray" / "account:DynamicTickArray")[:8] */
static const uint8_t POOL_DISC[8] = {63, 149, 209, 12, 225, 128, 99, 9};
static const uint8_t FIXED_DISC[8] = {69, 97, 189, 190, 110, 7, 66, 187};
static const uint8_t DYNAMIC_DISC[8] = {17, 216, 246, 142, 225, 199, 218, 56};
static const uint8_t ORACLE_DISC[8] = {139, 194, 131, 179, 140, 179, 229, 244}; /* "account:Oracle" */
#define FEE_DENOMINATOR 1000000u
#define FIXED_LEN 9988
#define TICK_LEN 113 /* a fixed array's tick: the bool, then the dynamic tick's 112 bytes */
#define REWARD_INFOS 269 /* 3 WhirlpoolRewardInfo of 128 bytes: mint, vault, authority, emissions, growth */
#define REWARD_LEN 128
#define PROTOCOL_FEE_DENOMINATOR 10000u /* PROTOCOL_FEE_RATE_MUL_VALUE */
/* a tick's fields after its initialized bool (a dynamic array's tick is these 112 bytes) */
enum { TICK_NET = 0, TICK_FEE_GROWTH_OUTSIDE_A = 32, TICK_FEE_GROWTH_OUTSIDE_B = 48, TICK_REWARDS_OUTSIDE = 64 };

static int is_zero_key(const uint8_t *k)
{
    for (int i = 0; i < 32; i++)
        if (k[i])
            return 0;
    return 1;
}

int mev_wp_pool_decode(const uint8_t *d, size_t len, mev_wp_pool *p)
{
    if (d == NULL || p == NULL)
        return MEV_EINVAL;
    if (len != MEV_WP_POOL_LEN || memcmp(d, POOL_DISC, 8) != 0)
        return MEV_ELAYOUT;
    memcpy(p->config, d + 8, 32);
    p->bump = d[40];
    p->tick_spacing = mev_le16(d + 41);
    p->fee_tier_index = mev_le16(d + 43);
    p->fee_rate = mev_le16(d + 45);
    p->protocol_fee_rate = mev_le16(d + 47);
    p->liquidity = mev_le128(d + 49);
    p->sqrt_price = mev_le128(d + 65);
    p->tick_current = (int32_t)mev_le32(d + 81);
    p->protocol_fee_owed_a = mev_le64(d + 85);
    p->protocol_fee_owed_b = mev_le64(d + 93);
    memcpy(p->mint_a, d + 101, 32);
    memcpy(p->vault_a, d + 133, 32);
    p->fee_growth_a = mev_le128(d + 165);
    memcpy(p->mint_b, d + 181, 32);
    memcpy(p->vault_b, d + 213, 32);
    p->fee_growth_b = mev_le128(d + 245);
    p->reward_last_updated = mev_le64(d + 261);
    for (int i = 0; i < MEV_WP_REWARDS; i++) {
        const uint8_t *r = d + REWARD_INFOS + REWARD_LEN * i;
        p->reward_initialized[i] = !is_zero_key(r); /* WhirlpoolRewardInfo::initialized: a mint set */
        p->reward_emissions[i] = mev_le128(r + 96);
        p->reward_growth[i] = mev_le128(r + 112);
    }
    if (p->tick_spacing == 0)
        return MEV_ELAYOUT;
    return MEV_OK;
}

int mev_wp_pool_store(const mev_wp_pool *p, uint8_t *d, size_t len)
{
    if (d == NULL || p == NULL)
        return MEV_EINVAL;
    if (len != MEV_WP_POOL_LEN || memcmp(d, POOL_DISC, 8) != 0)
        return MEV_ELAYOUT;
    mev_put_le(d + 49, p->liquidity, 16);
    mev_put_le(d + 65, p->sqrt_price, 16);
    mev_put_le(d + 81, (uint32_t)p->tick_current, 4);
    mev_put_le(d + 85, p->protocol_fee_owed_a, 8);
    mev_put_le(d + 93, p->protocol_fee_owed_b, 8);
    mev_put_le(d + 165, p->fee_growth_a, 16);
    mev_put_le(d + 245, p->fee_growth_b, 16);
    mev_put_le(d + 261, p->reward_last_updated, 8);
    for (int i = 0; i < MEV_WP_REWARDS; i++)
        mev_put_le(d + REWARD_INFOS + REWARD_LEN * i + 112, p->reward_growth[i], 16);
    return MEV_OK;
}

int mev_wp_oracle_decode(const uint8_t *d, size_t len, mev_wp_oracle *o)
{
    if (d == NULL || o == NULL)
        return MEV_EINVAL;
    if (len != MEV_WP_ORACLE_LEN || memcmp(d, ORACLE_DISC, 8) != 0)
        return MEV_ELAYOUT;
    memcpy(o->whirlpool, d + 8, 32);
    o->trade_enable_timestamp = mev_le64(d + 40);
    o->filter_period = mev_le16(d + 48);
    o->decay_period = mev_le16(d + 50);
    o->reduction_factor = mev_le16(d + 52);
    o->adaptive_fee_control_factor = mev_le32(d + 54);
    o->max_volatility_accumulator = mev_le32(d + 58);
    o->tick_group_size = mev_le16(d + 62);
    o->major_swap_threshold_ticks = mev_le16(d + 64);
    o->last_reference_update_timestamp = mev_le64(d + 82);
    o->last_major_swap_timestamp = mev_le64(d + 90);
    o->volatility_reference = mev_le32(d + 98);
    o->tick_group_index_reference = (int32_t)mev_le32(d + 102);
    o->volatility_accumulator = mev_le32(d + 106);
    /* what AdaptiveFeeConstants::validate_constants lets the program store */
    if (o->tick_group_size == 0 || (uint64_t)o->max_volatility_accumulator * o->tick_group_size > UINT32_MAX ||
        o->volatility_reference > o->max_volatility_accumulator)
        return MEV_ELAYOUT;
    return MEV_OK;
}

int mev_wp_oracle_store(const mev_wp_oracle *o, uint8_t *d, size_t len)
{
    if (d == NULL || o == NULL)
        return MEV_EINVAL;
    if (len != MEV_WP_ORACLE_LEN || memcmp(d, ORACLE_DISC, 8) != 0)
        return MEV_ELAYOUT;
    mev_put_le(d + 82, o->last_reference_update_timestamp, 8);
    mev_put_le(d + 90, o->last_major_swap_timestamp, 8);
    mev_put_le(d + 98, o->volatility_reference, 4);
    mev_put_le(d + 102, (uint32_t)o->tick_group_index_reference, 4);
    mev_put_le(d + 106, o->volatility_accumulator, 4);
    return MEV_OK;
}

/* a tick's growths, from or into the 112 bytes after its initialized bool */
static void tick_growths_read(mev_wp_ticks *t, int i, const uint8_t *k)
{
    t->fee_growth_outside_a[i] = mev_le128(k + TICK_FEE_GROWTH_OUTSIDE_A);
    t->fee_growth_outside_b[i] = mev_le128(k + TICK_FEE_GROWTH_OUTSIDE_B);
    for (int r = 0; r < MEV_WP_REWARDS; r++)
        t->reward_growths_outside[i][r] = mev_le128(k + TICK_REWARDS_OUTSIDE + 16 * r);
}

static void tick_growths_write(const mev_wp_ticks *t, int i, uint8_t *k)
{
    mev_put_le(k + TICK_FEE_GROWTH_OUTSIDE_A, t->fee_growth_outside_a[i], 16);
    mev_put_le(k + TICK_FEE_GROWTH_OUTSIDE_B, t->fee_growth_outside_b[i], 16);
    for (int r = 0; r < MEV_WP_REWARDS; r++)
        mev_put_le(k + TICK_REWARDS_OUTSIDE + 16 * r, t->reward_growths_outside[i][r], 16);
}

int mev_wp_ticks_store(const mev_wp_ticks *t, uint8_t *d, size_t len)
{
    if (d == NULL || t == NULL)
        return MEV_EINVAL;
    /* the bytes must be the same kind of array with the same ticks set: checked whole, then written */
    if (len < 8 || memcmp(d, t->dynamic ? DYNAMIC_DISC : FIXED_DISC, 8) != 0 || (!t->dynamic && len != FIXED_LEN))
        return MEV_ELAYOUT;
    for (int pass = 0; pass < 2; pass++) {
        size_t at = 60;
        for (int i = 0; i < MEV_WP_TICKS; i++) {
            size_t tick = t->dynamic ? at : 12 + (size_t)TICK_LEN * i; /* its initialized byte */
            if (pass == 0 && (tick >= len || d[tick] != t->initialized[i] ||
                              tick + 1 + (d[tick] || !t->dynamic ? 112 : 0) > len))
                return MEV_ELAYOUT;
            if (pass == 1 && (!t->dynamic || d[tick]))
                tick_growths_write(t, i, d + tick + 1);
            at += 1 + (d[tick] ? 112 : 0);
        }
    }
    return MEV_OK;
}

int mev_wp_ticks_decode(const uint8_t *d, size_t len, mev_wp_ticks *t)
{
    if (d == NULL || t == NULL)
        return MEV_EINVAL;
    if (len < 8)
        return MEV_ELAYOUT;
    memset(t, 0, sizeof *t);
    if (memcmp(d, FIXED_DISC, 8) == 0) {
        if (len != FIXED_LEN)
            return MEV_ELAYOUT;
        t->start = (int32_t)mev_le32(d + 8);
        for (int i = 0; i < MEV_WP_TICKS; i++) {
            const uint8_t *tick = d + 12 + TICK_LEN * i;
            if (tick[0] > 1)
                return MEV_ELAYOUT;
            t->initialized[i] = tick[0];
            t->liquidity_net[i] = (__int128)mev_le128(tick + 1);
            tick_growths_read(t, i, tick + 1);
        }
        memcpy(t->whirlpool, d + 12 + TICK_LEN * MEV_WP_TICKS, 32);
        return MEV_OK;
    }
    if (memcmp(d, DYNAMIC_DISC, 8) != 0 || len < 60 + MEV_WP_TICKS)
        return MEV_ELAYOUT;
    t->start = (int32_t)mev_le32(d + 8);
    memcpy(t->whirlpool, d + 12, 32);
    t->dynamic = 1;
    size_t at = 60;
    for (int i = 0; i < MEV_WP_TICKS; i++) {
        if (at >= len || d[at] > 1)
            return MEV_ELAYOUT;
        t->initialized[i] = d[at++];
        if (t->initialized[i]) {
            if (at + 112 > len)
                return MEV_ELAYOUT;
            t->liquidity_net[i] = (__int128)mev_le128(d + at);
            tick_growths_read(t, i, d + at);
            at += 112;
        }
    }
    return MEV_OK;
}

/* --- the tick arrays as one sequence (the core SDK's TickArraySequence) ------------------------ */
typedef struct {
    const mev_wp_ticks *arrays[MEV_WP_MAX_ARRAYS];
    size_t n;
    int32_t spacing, start, end;
} sequence;

static int32_t rem_euclid(int32_t a, int32_t b) { return a - mev_floor_div(a, b) * b; }

static int sequence_of(const mev_wp_ticks *const *arrays, size_t n, int32_t spacing, sequence *s)
{
    if (n == 0 || n > MEV_WP_MAX_ARRAYS)
        return MEV_EINVAL;
    s->n = n, s->spacing = spacing;
    for (size_t i = 0; i < n; i++) { /* in order of start index */
        size_t j = i;
        if (arrays[i] == NULL)
            return MEV_EINVAL;
        while (j > 0 && s->arrays[j - 1]->start > arrays[i]->start) {
            s->arrays[j] = s->arrays[j - 1];
            j--;
        }
        s->arrays[j] = arrays[i];
    }
    for (size_t i = 0; i + 1 < n; i++)
        if (s->arrays[i + 1]->start - s->arrays[i]->start != MEV_WP_TICKS * spacing)
            return MEV_EINVAL; /* TICK_ARRAY_NOT_EVENLY_SPACED */
    s->start = s->arrays[0]->start > MEV_CLMM_MIN_TICK ? s->arrays[0]->start : MEV_CLMM_MIN_TICK;
    int32_t end = s->arrays[n - 1]->start + MEV_WP_TICKS * spacing - 1;
    s->end = end < MEV_CLMM_MAX_TICK ? end : MEV_CLMM_MAX_TICK;
    return MEV_OK;
}

/* the array and slot of an initializable index inside the sequence */
static int locate(const sequence *s, int32_t index, const mev_wp_ticks **array, int *slot)
{
    if (index < s->start || index > s->end || index % s->spacing != 0)
        return MEV_EINVAL;
    int32_t span = MEV_WP_TICKS * s->spacing;
    *array = s->arrays[(size_t)((index - s->arrays[0]->start) / span)];
    *slot = (index - (*array)->start) / s->spacing;
    return MEV_OK;
}

/* the next (up) or previous (down) initialized tick (*initialized 1, its liquidity_net), or the
 * sequence's end (*initialized 0: no liquidity change) */
static int next_tick(const sequence *s, int32_t tick, int up, int32_t *index, __int128 *net, int *initialized)
{
    const mev_wp_ticks *a;
    int slot, rc;
    if (up ? tick >= s->end : tick < s->start)
        return MEV_EINVAL; /* INVALID_TICK_ARRAY_SEQUENCE: the swap runs past the arrays given */
    int32_t step = up ? s->spacing : -s->spacing;
    for (int32_t i = tick - rem_euclid(tick, s->spacing) + (up ? s->spacing : 0);; i += step) {
        if (up ? i > s->end : i < s->start) {
            *index = up ? s->end : s->start, *net = 0, *initialized = 0;
            return MEV_OK;
        }
        if ((rc = locate(s, i, &a, &slot)) != MEV_OK)
            return rc;
        if (a->initialized[slot]) {
            *index = i, *net = a->liquidity_net[slot], *initialized = 1;
            return MEV_OK;
        }
    }
}

/* --- one step: the program's compute_swap (math/swap_math.rs) ---------------------------------- */
typedef struct {
    uint64_t in, out, fee;
    u128 price;
} step;

static int delta(int token_a, u128 p0, u128 p1, u128 liquidity, int round_up, uint64_t *out)
{
    return token_a ? mev_clmm_amount_delta_a(p0, p1, liquidity, round_up, out)
                   : mev_clmm_amount_delta_b(p0, p1, liquidity, round_up, out);
}

static int compute_step(uint64_t remaining, uint32_t fee_rate, u128 liquidity, u128 price, u128 target, int a_to_b,
                        int exact_in, step *st)
{
    /* the fixed token is the input's when exact in (A when a_to_b), the output's when exact out */
    int fixed_is_a = a_to_b == exact_in;
    uint64_t initial, calc = remaining, unfixed, fixed;
    int rc = delta(fixed_is_a, price, target, liquidity, exact_in, &initial), overflow = rc == MEV_EOVERFLOW;
    if (rc != MEV_OK && !overflow)
        return rc;
    if (exact_in && (rc = mev_mul_div_64(remaining, FEE_DENOMINATOR - fee_rate, FEE_DENOMINATOR, 0, &calc)) != MEV_OK)
        return rc;
    u128 next = target;
    if (overflow || initial > calc) {
        rc = fixed_is_a ? mev_clmm_next_sqrt_price_from_a(price, liquidity, calc, exact_in, &next)
                        : mev_clmm_next_sqrt_price_from_b(price, liquidity, calc, exact_in, &next);
        if (rc != MEV_OK)
            return rc;
    }
    int max_swap = next == target;
    if ((rc = delta(!fixed_is_a, price, next, liquidity, !exact_in, &unfixed)) != MEV_OK)
        return rc;
    if (!max_swap || overflow) {
        if ((rc = delta(fixed_is_a, price, next, liquidity, exact_in, &fixed)) != MEV_OK)
            return rc;
    } else {
        fixed = initial;
    }
    st->in = exact_in ? fixed : unfixed;
    st->out = exact_in ? unfixed : fixed;
    if (!exact_in && st->out > remaining)
        st->out = remaining;
    if (exact_in && !max_swap) {
        st->fee = remaining - st->in;
    } else if ((rc = mev_mul_div_64(st->in, fee_rate, FEE_DENOMINATOR - fee_rate, 1, &st->fee)) != MEV_OK) {
        return rc;
    }
    st->price = next;
    return MEV_OK;
}

/* --- the adaptive fee (rust-sdk/core/src/math/adaptive_fee.rs FeeRateManager) ------------------ */
#define VOLATILITY_SCALE 10000u
#define REDUCTION_DENOMINATOR 10000u
#define CONTROL_DENOMINATOR 100000u
#define FEE_RATE_HARD_LIMIT 100000u
#define MAX_REFERENCE_AGE 3600u

typedef struct {
    int adaptive, a_to_b;
    int32_t group;                 /* the tick group the swap is in */
    uint32_t static_rate;
    mev_wp_oracle o;               /* a working copy: the swap moves its variables */
    int has_lower, has_upper;      /* the core range's ends, where they are inside the tick range */
    int32_t lower_group, upper_group;
    u128 lower_price, upper_price;
} fee_manager;

static int fee_manager_init(fee_manager *m, const mev_wp_pool *pool, const mev_wp_oracle *oracle, uint64_t now,
                            int a_to_b)
{
    memset(m, 0, sizeof *m);
    m->static_rate = pool->fee_rate;
    m->a_to_b = a_to_b;
    if (pool->fee_tier_index == pool->tick_spacing)
        return MEV_OK; /* a static fee */
    if (oracle == NULL)
        return MEV_EINVAL; /* its fee needs the oracle */
    if (now < oracle->trade_enable_timestamp)
        return MEV_EINVAL; /* the program's OracleAccessor::is_trade_enabled */
    m->adaptive = 1;
    m->o = *oracle;
    mev_wp_oracle *o = &m->o;
    int32_t size = o->tick_group_size;
    m->group = mev_floor_div(pool->tick_current, size);
    /* AdaptiveFeeVariables::update_reference */
    uint64_t latest = o->last_reference_update_timestamp > o->last_major_swap_timestamp ? o->last_reference_update_timestamp
                                                                                     : o->last_major_swap_timestamp;
    if (now < latest)
        return MEV_EINVAL; /* InvalidTimestamp */
    if (now - o->last_reference_update_timestamp > MAX_REFERENCE_AGE) {
        o->tick_group_index_reference = m->group;
        o->volatility_reference = 0;
        o->last_reference_update_timestamp = now;
    } else if (now - latest >= o->filter_period) {
        o->tick_group_index_reference = m->group;
        o->volatility_reference = now - latest < o->decay_period
            ? (uint32_t)((uint64_t)o->volatility_accumulator * o->reduction_factor / REDUCTION_DENOMINATOR)
            : 0;
        o->last_reference_update_timestamp = now;
    }
    /* the core range: the groups within which the accumulator can still grow */
    int32_t reach = (int32_t)((o->max_volatility_accumulator - o->volatility_reference + VOLATILITY_SCALE - 1) / VOLATILITY_SCALE);
    m->lower_group = o->tick_group_index_reference - reach;
    m->upper_group = o->tick_group_index_reference + reach;
    int64_t lower_tick = (int64_t)m->lower_group * size, upper_tick = (int64_t)m->upper_group * size + size;
    if (lower_tick > MEV_CLMM_MIN_TICK) {
        m->has_lower = 1;
        mev_clmm_sqrt_price_at_tick((int32_t)lower_tick, &m->lower_price);
    }
    if (upper_tick < MEV_CLMM_MAX_TICK) {
        m->has_upper = 1;
        mev_clmm_sqrt_price_at_tick((int32_t)upper_tick, &m->upper_price);
    }
    return MEV_OK;
}

static void update_volatility(fee_manager *m)
{
    if (!m->adaptive)
        return;
    mev_wp_oracle *o = &m->o;
    int64_t delta = (int64_t)o->tick_group_index_reference - m->group;
    uint64_t v = o->volatility_reference + (uint64_t)(delta < 0 ? -delta : delta) * VOLATILITY_SCALE;
    o->volatility_accumulator = (uint32_t)(v < o->max_volatility_accumulator ? v : o->max_volatility_accumulator);
}

static uint32_t total_fee_rate(const fee_manager *m)
{
    if (!m->adaptive)
        return m->static_rate;
    uint64_t crossed = (uint64_t)m->o.volatility_accumulator * m->o.tick_group_size; /* ≤ u32 (validated) */
    u128 squared = (u128)crossed * crossed, denominator = (u128)CONTROL_DENOMINATOR * VOLATILITY_SCALE * VOLATILITY_SCALE;
    u128 numerator = (u128)m->o.adaptive_fee_control_factor * squared; /* < 2^17 · 2^64: fits */
    u128 rate = numerator / denominator + (numerator % denominator != 0);
    uint64_t total = m->static_rate + (uint64_t)(rate > FEE_RATE_HARD_LIMIT ? FEE_RATE_HARD_LIMIT : rate);
    return (uint32_t)(total > FEE_RATE_HARD_LIMIT ? FEE_RATE_HARD_LIMIT : total);
}

/* get_bounded_sqrt_price_target: inside the core range an adaptive swap steps one tick group at a
 * time; *skipped when it need not (outside the range, no liquidity, no adaptive fee at all) */
static u128 bounded_target(const fee_manager *m, u128 target, u128 liquidity, int *skipped)
{
    *skipped = 0;
    if (!m->adaptive)
        return target;
    *skipped = 1;
    if (m->o.adaptive_fee_control_factor == 0 || liquidity == 0)
        return target;
    if (m->has_lower && m->group < m->lower_group)
        return m->a_to_b ? target : (target < m->lower_price ? target : m->lower_price);
    if (m->has_upper && m->group > m->upper_group)
        return m->a_to_b ? (target > m->upper_price ? target : m->upper_price) : target;
    *skipped = 0;
    int64_t boundary = (int64_t)m->group * m->o.tick_group_size + (m->a_to_b ? 0 : m->o.tick_group_size);
    boundary = boundary < MEV_CLMM_MIN_TICK ? MEV_CLMM_MIN_TICK : boundary > MEV_CLMM_MAX_TICK ? MEV_CLMM_MAX_TICK : boundary;
    u128 at;
    mev_clmm_sqrt_price_at_tick((int32_t)boundary, &at);
    return m->a_to_b ? (target > at ? target : at) : (target < at ? target : at);
}

static void advance_group(fee_manager *m, int skipped, u128 price, u128 next_tick_price, int32_t next_tick)
{
    if (!m->adaptive)
        return;
    if (skipped) { /* advance_tick_group_after_skip: catch up with the group the price reached */
        int32_t size = m->o.tick_group_size, tick;
        int on_boundary;
        if (price == next_tick_price) {
            tick = next_tick;
            on_boundary = next_tick % size == 0;
        } else {
            u128 at;
            mev_clmm_tick_at_sqrt_price(price, &tick);
            mev_clmm_sqrt_price_at_tick(tick, &at);
            on_boundary = tick % size == 0 && price == at;
        }
        int32_t last = on_boundary && !m->a_to_b ? tick / size - 1 : mev_floor_div(tick, size);
        if (m->a_to_b ? last < m->group : last > m->group) {
            m->group = last;
            update_volatility(m);
        }
    }
    m->group += m->a_to_b ? -1 : 1;
}

int mev_wp_quote(const mev_wp_pool *pool, const mev_wp_ticks *const *arrays, size_t n_arrays, uint64_t amount, int a_to_b,
                 int exact_in, mev_wp_swap *q)
{
    return mev_wp_quote_at(pool, NULL, 0, arrays, n_arrays, amount, a_to_b, exact_in, 0, q);
}

/* whirlpool_manager.rs next_whirlpool_reward_infos: each initialized reward's growth to `now`
 * (a delta that overflows is zero) */
static void rewards_to(const mev_wp_pool *pool, uint64_t now, u128 growth[MEV_WP_REWARDS])
{
    for (int r = 0; r < MEV_WP_REWARDS; r++) {
        growth[r] = pool->reward_growth[r];
        if (!pool->reward_initialized[r] || pool->liquidity == 0 || now == pool->reward_last_updated)
            continue;
        u256 delta;
        if (mev_mul_div_256(mev_u256_of(now - pool->reward_last_updated), mev_u256_of(pool->reward_emissions[r]),
                            mev_u256_of(pool->liquidity), 0, &delta) == MEV_OK && delta.hi == 0)
            growth[r] += delta.lo; /* wrapping_add */
    }
}

/* Whirlpool::update_after_swap, and the oracle's variables with the last major swap's time when
 * the price moved at least major_swap_threshold_ticks (oracle.rs is_major_swap) */
static int commit_swap(const fee_manager *m, const mev_wp_pool *pool, uint64_t now, int a_to_b, const mev_wp_swap *q,
                       const u128 rewards[MEV_WP_REWARDS], mev_wp_pool *commit, mev_wp_oracle *commit_oracle)
{
    uint64_t *owed = a_to_b ? &commit->protocol_fee_owed_a : &commit->protocol_fee_owed_b;
    if (q->protocol_fee > UINT64_MAX - *owed)
        return MEV_EOVERFLOW;
    if (m->adaptive && commit_oracle != NULL) {
        mev_wp_oracle o = m->o;
        u128 lo = pool->sqrt_price < q->sqrt_price ? pool->sqrt_price : q->sqrt_price,
             hi = pool->sqrt_price < q->sqrt_price ? q->sqrt_price : pool->sqrt_price, factor;
        int rc = mev_clmm_sqrt_price_at_tick(o.major_swap_threshold_ticks, &factor);
        if (rc != MEV_OK)
            return rc;
        u256 target = mev_mul_128(lo, factor); /* lo · factor >> 64, into a u128 */
        if (target.hi >> 64 != 0)
            return MEV_EOVERFLOW;
        if (hi >= ((target.hi << 64) | (target.lo >> 64)))
            o.last_major_swap_timestamp = now;
        *commit_oracle = o;
    }
    *owed += q->protocol_fee;
    commit->tick_current = q->tick;
    commit->sqrt_price = q->sqrt_price;
    commit->liquidity = q->liquidity;
    *(a_to_b ? &commit->fee_growth_a : &commit->fee_growth_b) = q->fee_growth;
    for (int r = 0; r < MEV_WP_REWARDS; r++)
        commit->reward_growth[r] = rewards[r];
    commit->reward_last_updated = now;
    return MEV_OK;
}

static int swap(const mev_wp_pool *pool, const mev_wp_oracle *oracle, uint64_t now, const mev_wp_ticks *const *arrays,
                size_t n_arrays, uint64_t amount, int a_to_b, int exact_in, u128 explicit_limit, mev_wp_swap *q,
                mev_wp_pool *commit, mev_wp_oracle *commit_oracle)
{
    sequence s;
    fee_manager fees_now;
    int rc;
    if (pool == NULL || arrays == NULL || q == NULL || amount == 0)
        return MEV_EINVAL;
    if ((rc = fee_manager_init(&fees_now, pool, oracle, now, a_to_b)) != MEV_OK)
        return rc;
    if ((rc = sequence_of(arrays, n_arrays, pool->tick_spacing, &s)) != MEV_OK)
        return rc;
    /* swap_manager.rs: no explicit limit is the end of the range; a limit must lie inside it and
     * on the swap's side of the price */
    u128 limit = explicit_limit ? explicit_limit : a_to_b ? MEV_CLMM_MIN_SQRT_PRICE : MEV_CLMM_MAX_SQRT_PRICE;
    if (limit < MEV_CLMM_MIN_SQRT_PRICE || limit > MEV_CLMM_MAX_SQRT_PRICE)
        return MEV_EINVAL; /* SqrtPriceOutOfBounds */
    if (a_to_b ? limit >= pool->sqrt_price : limit <= pool->sqrt_price)
        return MEV_EINVAL; /* InvalidSqrtPriceLimitDirection */
    u128 rewards[MEV_WP_REWARDS];
    if (commit != NULL) {
        if (now < pool->reward_last_updated)
            return MEV_EINVAL; /* InvalidTimestamp */
        rewards_to(pool, now, rewards);
    }
    uint64_t remaining = amount, calculated = 0, fees = 0, protocol = 0;
    u128 price = pool->sqrt_price, liquidity = pool->liquidity;
    u128 growth = a_to_b ? pool->fee_growth_a : pool->fee_growth_b; /* the input token's */
    int32_t tick = pool->tick_current;
    uint32_t steps = 0;
    while (remaining > 0 && price != limit) {
        int32_t next_index;
        __int128 net;
        u128 next_price;
        int initialized;
        if ((rc = next_tick(&s, tick, !a_to_b, &next_index, &net, &initialized)) != MEV_OK)
            return rc;
        if ((rc = mev_clmm_sqrt_price_at_tick(next_index, &next_price)) != MEV_OK)
            return rc;
        u128 target = a_to_b ? (next_price > limit ? next_price : limit) : (next_price < limit ? next_price : limit);
        for (;;) { /* steps up to the next initialized tick: one, or one per tick group */
            step st;
            int skipped;
            update_volatility(&fees_now);
            uint32_t rate = total_fee_rate(&fees_now);
            u128 bounded = bounded_target(&fees_now, target, liquidity, &skipped);
            if ((rc = compute_step(remaining, rate, liquidity, price, bounded, a_to_b, exact_in, &st)) != MEV_OK)
                return rc;
            steps++;
            fees += st.fee;
            /* calculate_fees: the protocol's share (floor(fee · rate / 10,000), split so that it
             * stays in 64 bits for the rates the program allows), and the rest per unit of
             * liquidity, which only an applied swap needs (a 128-bit division a step) */
            uint64_t rate_bps = pool->protocol_fee_rate, to_protocol =
                rate_bps <= PROTOCOL_FEE_DENOMINATOR
                    ? st.fee / PROTOCOL_FEE_DENOMINATOR * rate_bps + st.fee % PROTOCOL_FEE_DENOMINATOR * rate_bps / PROTOCOL_FEE_DENOMINATOR
                    : (uint64_t)((u128)st.fee * rate_bps / PROTOCOL_FEE_DENOMINATOR);
            protocol += to_protocol;
            if (commit != NULL && liquidity > 0)
                growth += ((u128)(st.fee - to_protocol) << 64) / liquidity;
            if (exact_in) {
                if (st.in > remaining || st.fee > remaining - st.in)
                    return MEV_EOVERFLOW;
                remaining -= st.in + st.fee;
                if (st.out > UINT64_MAX - calculated)
                    return MEV_EOVERFLOW;
                calculated += st.out;
            } else {
                remaining -= st.out;
                if (st.in > UINT64_MAX - calculated || st.fee > UINT64_MAX - calculated - st.in)
                    return MEV_EOVERFLOW;
                calculated += st.in + st.fee;
            }
            if (st.price == next_price) { /* crossing the tick: its net liquidity, signed by direction */
                if (commit != NULL && initialized) { /* next_tick_cross_update */
                    const mev_wp_ticks *found;
                    int slot;
                    if ((rc = locate(&s, next_index, &found, &slot)) != MEV_OK)
                        return rc;
                    mev_wp_ticks *t = (mev_wp_ticks *)found; /* one of apply's mutable arrays */
                    t->fee_growth_outside_a[slot] = (a_to_b ? growth : pool->fee_growth_a) - t->fee_growth_outside_a[slot];
                    t->fee_growth_outside_b[slot] = (a_to_b ? pool->fee_growth_b : growth) - t->fee_growth_outside_b[slot];
                    for (int r = 0; r < MEV_WP_REWARDS; r++)
                        if (pool->reward_initialized[r])
                            t->reward_growths_outside[slot][r] = rewards[r] - t->reward_growths_outside[slot][r];
                }
                __int128 change = a_to_b ? -net : net;
                u128 size = change < 0 ? (u128)0 - (u128)change : (u128)change;
                if (change < 0 ? size > liquidity : size > ~(u128)0 - liquidity)
                    return MEV_EINVAL; /* the ticks' liquidity does not add up (the program's LiquidityUnderflow) */
                liquidity = change < 0 ? liquidity - size : liquidity + size;
                tick = a_to_b ? next_index - 1 : next_index;
            } else if (st.price != price) {
                if ((rc = mev_clmm_tick_at_sqrt_price(st.price, &tick)) != MEV_OK)
                    return rc;
            }
            price = st.price;
            advance_group(&fees_now, skipped, price, next_price, next_index);
            if (remaining == 0 || price == target)
                break;
        }
    }
    if (remaining > 0 && !exact_in && explicit_limit == 0)
        return MEV_EINVAL; /* PartialFillError */
    uint64_t swapped = amount - remaining;
    q->amount_in = exact_in ? swapped : calculated;
    q->amount_out = exact_in ? calculated : swapped;
    q->fee = fees;
    q->protocol_fee = protocol;
    q->sqrt_price = price;
    q->liquidity = liquidity;
    q->fee_growth = commit != NULL ? growth : 0;
    q->tick = tick;
    q->steps = steps;
    return commit == NULL ? MEV_OK : commit_swap(&fees_now, pool, now, a_to_b, q, rewards, commit, commit_oracle);
}

int mev_wp_quote_at(const mev_wp_pool *pool, const mev_wp_oracle *oracle, uint64_t now, const mev_wp_ticks *const *arrays,
                    size_t n_arrays, uint64_t amount, int a_to_b, int exact_in, u128 sqrt_price_limit, mev_wp_swap *q)
{
    return swap(pool, oracle, now, arrays, n_arrays, amount, a_to_b, exact_in, sqrt_price_limit, q, NULL, NULL);
}

int mev_wp_swap_apply(mev_wp_pool *pool, mev_wp_oracle *oracle, uint64_t now, mev_wp_ticks *const *arrays, size_t n_arrays,
                      uint64_t amount, int a_to_b, int exact_in, u128 sqrt_price_limit, mev_wp_swap *q)
{
    return swap(pool, oracle, now, (const mev_wp_ticks *const *)arrays, n_arrays, amount, a_to_b, exact_in, sqrt_price_limit,
                q, pool, oracle);
}
