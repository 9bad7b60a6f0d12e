#include "whirlpool.h"

#include <string.h>

#include "../mev_error.h"
#include "le.h"

typedef mev_u128 u128;

/* Anchor discriminators: sha256("account:Whirlpool" / "account:TickArray" / "account:DynamicTickArray")[:8] */
static const uint8_t POOL_DISC[8] = {63, 149, 209, 12, 225, 128, 99, 9};
static const uint8_t FIXED_DISC[8] = {69, 97, 189, 190, 110, 7, 66, 187};
static const uint8_t DYNAMIC_DISC[8] = {17, 216, 246, 142, 225, 199, 218, 56};
#define FEE_DENOMINATOR 1000000u
#define FIXED_LEN 9988
#define TICK_LEN 113 /* a fixed array's tick: the bool, then the dynamic tick's 112 bytes */

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
    if (p->tick_spacing == 0)
        return MEV_ELAYOUT;
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
        }
        memcpy(t->whirlpool, d + 12 + TICK_LEN * MEV_WP_TICKS, 32);
        return MEV_OK;
    }
    if (memcmp(d, DYNAMIC_DISC, 8) != 0 || len < 60 + MEV_WP_TICKS)
        return MEV_ELAYOUT;
    t->start = (int32_t)mev_le32(d + 8);
    memcpy(t->whirlpool, d + 12, 32);
    size_t at = 60;
    for (int i = 0; i < MEV_WP_TICKS; i++) {
        if (at >= len || d[at] > 1)
            return MEV_ELAYOUT;
        t->initialized[i] = d[at++];
        if (t->initialized[i]) {
            if (at + 112 > len)
                return MEV_ELAYOUT;
            t->liquidity_net[i] = (__int128)mev_le128(d + at);
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

static int32_t floor_div(int32_t a, int32_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }
static int32_t rem_euclid(int32_t a, int32_t b) { return a - floor_div(a, b) * b; }

static int sequence_of(const mev_wp_ticks *arrays, size_t n, int32_t spacing, sequence *s)
{
    if (n == 0 || n > MEV_WP_MAX_ARRAYS)
        return MEV_EINVAL;
    s->n = n, s->spacing = spacing;
    for (size_t i = 0; i < n; i++) { /* in order of start index */
        size_t j = i;
        while (j > 0 && s->arrays[j - 1]->start > arrays[i].start) {
            s->arrays[j] = s->arrays[j - 1];
            j--;
        }
        s->arrays[j] = &arrays[i];
    }
    for (size_t i = 0; i + 1 < n; i++)
        if (s->arrays[i + 1]->start - s->arrays[i]->start != MEV_WP_TICKS * spacing)
            return MEV_EINVAL; /* TICK_ARRAY_NOT_EVENLY_SPACED */
    s->start = s->arrays[0]->start > MEV_CLMM_MIN_TICK ? s->arrays[0]->start : MEV_CLMM_MIN_TICK;
    int32_t end = s->arrays[n - 1]->start + MEV_WP_TICKS * spacing - 1;
    s->end = end < MEV_CLMM_MAX_TICK ? end : MEV_CLMM_MAX_TICK;
    return MEV_OK;
}

/* the tick at an initializable index inside the sequence: (initialized, liquidity_net) */
static int tick_at(const sequence *s, int32_t index, uint8_t *initialized, __int128 *net)
{
    if (index < s->start || index > s->end || index % s->spacing != 0)
        return MEV_EINVAL;
    int32_t span = MEV_WP_TICKS * s->spacing;
    size_t which = (size_t)((index - s->arrays[0]->start) / span);
    const mev_wp_ticks *a = s->arrays[which];
    int32_t slot = (index - a->start) / s->spacing;
    *initialized = a->initialized[slot];
    *net = a->liquidity_net[slot];
    return MEV_OK;
}

/* the next (up) or previous (down) initialized tick, or the sequence's end with no liquidity change */
static int next_tick(const sequence *s, int32_t tick, int up, int32_t *index, __int128 *net)
{
    uint8_t initialized;
    int rc;
    if (up) {
        if (tick >= s->end)
            return MEV_EINVAL; /* INVALID_TICK_ARRAY_SEQUENCE: the swap runs past the arrays given */
        for (int32_t i = tick - rem_euclid(tick, s->spacing) + s->spacing;; i += s->spacing) {
            if (i > s->end) {
                *index = s->end, *net = 0;
                return MEV_OK;
            }
            if ((rc = tick_at(s, i, &initialized, net)) != MEV_OK)
                return rc;
            if (initialized) {
                *index = i;
                return MEV_OK;
            }
        }
    }
    if (tick < s->start)
        return MEV_EINVAL;
    for (int32_t i = tick - rem_euclid(tick, s->spacing);; i -= s->spacing) {
        if (i < s->start) {
            *index = s->start, *net = 0;
            return MEV_OK;
        }
        if ((rc = tick_at(s, i, &initialized, net)) != MEV_OK)
            return rc;
        if (initialized) {
            *index = i;
            return MEV_OK;
        }
    }
}

/* --- one step: the program's compute_swap (math/swap_math.rs) ---------------------------------- */
typedef struct {
    uint64_t in, out, fee;
    u128 price;
} step;

static int mul_div(uint64_t a, uint64_t num, uint64_t den, int round_up, uint64_t *out)
{
    u128 p = (u128)a * num, q = p / den + (round_up && p % den != 0);
    if (q > UINT64_MAX)
        return MEV_EOVERFLOW;
    *out = (uint64_t)q;
    return MEV_OK;
}

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
    if (exact_in && (rc = mul_div(remaining, FEE_DENOMINATOR - fee_rate, FEE_DENOMINATOR, 0, &calc)) != MEV_OK)
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
    } else if ((rc = mul_div(st->in, fee_rate, FEE_DENOMINATOR - fee_rate, 1, &st->fee)) != MEV_OK) {
        return rc;
    }
    st->price = next;
    return MEV_OK;
}

int mev_wp_quote(const mev_wp_pool *pool, const mev_wp_ticks *arrays, size_t n_arrays, uint64_t amount, int a_to_b,
                 int exact_in, mev_wp_swap *q)
{
    sequence s;
    int rc;
    if (pool == NULL || arrays == NULL || q == NULL || amount == 0)
        return MEV_EINVAL;
    if (pool->fee_tier_index != pool->tick_spacing)
        return MEV_EINVAL; /* an adaptive-fee pool: its fee needs the oracle account */
    if ((rc = sequence_of(arrays, n_arrays, pool->tick_spacing, &s)) != MEV_OK)
        return rc;
    u128 limit = a_to_b ? MEV_CLMM_MIN_SQRT_PRICE : MEV_CLMM_MAX_SQRT_PRICE;
    if (a_to_b ? limit >= pool->sqrt_price : limit <= pool->sqrt_price)
        return MEV_EINVAL; /* the price is already at the end of the range */
    uint64_t remaining = amount, calculated = 0, fees = 0;
    u128 price = pool->sqrt_price, liquidity = pool->liquidity;
    int32_t tick = pool->tick_current;
    uint32_t steps = 0;
    while (remaining > 0 && price != limit) {
        int32_t next_index;
        __int128 net;
        u128 next_price;
        step st;
        if ((rc = next_tick(&s, tick, !a_to_b, &next_index, &net)) != MEV_OK)
            return rc;
        if ((rc = mev_clmm_sqrt_price_at_tick(next_index, &next_price)) != MEV_OK)
            return rc;
        u128 target = a_to_b ? (next_price > limit ? next_price : limit) : (next_price < limit ? next_price : limit);
        if ((rc = compute_step(remaining, pool->fee_rate, liquidity, price, target, a_to_b, exact_in, &st)) != MEV_OK)
            return rc;
        steps++;
        fees += st.fee;
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
    }
    uint64_t swapped = amount - remaining;
    q->amount_in = exact_in ? swapped : calculated;
    q->amount_out = exact_in ? calculated : swapped;
    q->fee = fees;
    q->sqrt_price = price;
    q->tick = tick;
    q->steps = steps;
    return MEV_OK;
}
