/* Orca Whirlpool: the layouts' checks, and random pools with random positions quoted both ways and
 * both exactnesses under ASan and UBSan, a third with an adaptive fee and a random oracle: an answer
 * never spends more than was asked, never gives more out than asked for exact out, an adaptive fee
 * never gives more than the static rate alone would, and refusals are errors, never wraps. */
#include <stdint.h>
#include <string.h>

#include "../dex/whirlpool.h"
#include "../mev_error.h"
#include "check.h"

int main(void)
{
    static uint8_t buf[9988];
    mev_wp_pool pool;
    mev_wp_ticks ticks;
    CHECK_EQ_INT(mev_wp_pool_decode(buf, 653, &pool), MEV_ELAYOUT); /* no discriminator */
    CHECK_EQ_INT(mev_wp_ticks_decode(buf, sizeof buf, &ticks), MEV_ELAYOUT);
    static const uint8_t fixed[8] = {69, 97, 189, 190, 110, 7, 66, 187};
    memcpy(buf, fixed, 8);
    CHECK_EQ_INT(mev_wp_ticks_decode(buf, sizeof buf, &ticks), MEV_OK);
    CHECK_EQ_INT(mev_wp_ticks_decode(buf, sizeof buf - 1, &ticks), MEV_ELAYOUT);
    buf[12] = 2; /* a tick's initialized flag that is no bool */
    CHECK_EQ_INT(mev_wp_ticks_decode(buf, sizeof buf, &ticks), MEV_ELAYOUT);

    unsigned s = 17;
    int ok = 0, refused = 0, adaptive = 0;
    for (int i = 0; i < 3000; i++) {
        mev_wp_ticks arrays[5];
        const mev_wp_ticks *ptrs[5] = {&arrays[0], &arrays[1], &arrays[2], &arrays[3], &arrays[4]};
        memset(&pool, 0, sizeof pool);
        memset(arrays, 0, sizeof arrays);
        uint16_t spacings[4] = {1, 8, 64, 128};
        pool.tick_spacing = pool.fee_tier_index = spacings[check_rand64(&s) % 4];
        pool.fee_rate = (uint16_t)(check_rand64(&s) % 60001);
        int32_t span = 88 * pool.tick_spacing;
        pool.tick_current = (int32_t)(check_rand64(&s) % 800000) - 400000;
        int32_t start = pool.tick_current / span * span - (pool.tick_current < 0 && pool.tick_current % span ? span : 0);
        for (int k = 0; k < 5; k++)
            arrays[k].start = start + (k - 2) * span;
        mev_u128 liquidity = 0;
        for (int n = 0; n < 8; n++) { /* positions: +L at a lower tick, −L at an upper one */
            int a = (int)(check_rand64(&s) % 5), b = a + (int)(check_rand64(&s) % (5 - a));
            int sa = (int)(check_rand64(&s) % 88), sb = (int)(check_rand64(&s) % 88);
            if (b == a && sb <= sa)
                continue;
            __int128 L = (__int128)(check_rand64(&s) >> 1);
            arrays[a].initialized[sa] = arrays[b].initialized[sb] = 1;
            arrays[a].liquidity_net[sa] += L;
            arrays[b].liquidity_net[sb] -= L;
            int32_t lower = arrays[a].start + sa * pool.tick_spacing, upper = arrays[b].start + sb * pool.tick_spacing;
            if (lower <= pool.tick_current && pool.tick_current < upper)
                liquidity += (mev_u128)L;
        }
        pool.liquidity = liquidity;
        if (mev_clmm_sqrt_price_at_tick(pool.tick_current, &pool.sqrt_price) != MEV_OK)
            continue;
        uint64_t amount = check_rand64(&s) | 1;
        mev_wp_swap q;
        int a_to_b = i & 1, exact_in = (i >> 1) & 1;
        mev_wp_oracle oracle = {0};
        if (i % 3 == 2) { /* an adaptive fee: constants as validate_constants admits them */
            static const uint16_t groups[4] = {1, 1, 8, 64};
            uint16_t group = groups[check_rand64(&s) % 4];
            pool.fee_tier_index = (uint16_t)(1024 + pool.tick_spacing);
            oracle.tick_group_size = group <= pool.tick_spacing && pool.tick_spacing % group == 0 ? group : 1;
            oracle.filter_period = 30, oracle.decay_period = 600, oracle.reduction_factor = 5000;
            oracle.adaptive_fee_control_factor = (uint32_t)(check_rand64(&s) % 100000);
            oracle.max_volatility_accumulator = 350000;
            oracle.volatility_reference = (uint32_t)(check_rand64(&s) % 350001);
            oracle.volatility_accumulator = (uint32_t)(check_rand64(&s) % 350001);
            oracle.tick_group_index_reference = pool.tick_current / oracle.tick_group_size;
            oracle.last_reference_update_timestamp = 1000 - check_rand64(&s) % 700;
            oracle.major_swap_threshold_ticks = 64;
        }
        int rc = mev_wp_quote_at(&pool, &oracle, 1000, ptrs, 5, amount, a_to_b, exact_in, 0, &q);
        if (rc == MEV_OK) {
            ok++;
            CHECK(exact_in ? q.amount_in <= amount : q.amount_out <= amount);
            CHECK(q.fee <= q.amount_in && q.steps > 0);
            if (pool.fee_tier_index != pool.tick_spacing && exact_in) {
                mev_wp_pool fixed = pool;
                mev_wp_swap plain;
                fixed.fee_tier_index = fixed.tick_spacing; /* the static rate alone */
                adaptive++;
                if (mev_wp_quote(&fixed, ptrs, 5, amount, a_to_b, 1, &plain) == MEV_OK)
                    CHECK(q.amount_out <= plain.amount_out);
            }
        } else {
            refused++;
            CHECK(rc == MEV_EINVAL || rc == MEV_EOVERFLOW);
        }
    }
    CHECK(ok > 300 && refused > 100 && adaptive > 50);
    pool.fee_tier_index = (uint16_t)(pool.tick_spacing + 1); /* an adaptive-fee pool without its oracle */
    mev_wp_swap q;
    const mev_wp_ticks *one = &ticks;
    CHECK_EQ_INT(mev_wp_quote(&pool, &one, 1, 1000, 1, 1, &q), MEV_EINVAL);
    mev_wp_oracle late = {.tick_group_size = 1, .trade_enable_timestamp = 2000};
    CHECK_EQ_INT(mev_wp_quote_at(&pool, &late, 1000, &one, 1, 1000, 1, 1, 0, &q), MEV_EINVAL); /* not trading yet */
    late.trade_enable_timestamp = 0, late.last_major_swap_timestamp = 1001;
    CHECK_EQ_INT(mev_wp_quote_at(&pool, &late, 1000, &one, 1, 1000, 1, 1, 0, &q), MEV_EINVAL); /* before its last update */
    return check_report("test_whirlpool");
}
