/* Raydium CLMM: the program's MIN / MAX_SQRT_PRICE at the ends of the tick range, every tick's
 * sqrt price increasing and converting back; a wrong size or discriminator refused as a layout
 * error; random pools (positions, limit orders, dynamic fees, any fee_on) quoted at full-range
 * amounts under ASan and UBSan either answer or refuse, an exact-in quote fills its whole amount,
 * buying back what an exact-in swap gave costs at most one output unit's worth more than it took
 * (tiny swaps round against the trader in both directions) and that input buys at least that
 * output; a swap past the tick arrays given names the one it needs. */
#include <stdint.h>
#include <string.h>

#include "../dex/raydium_clmm.h"
#include "../mev_error.h"
#include "check.h"

typedef mev_u128 u128;

static void set_bit(mev_rcl_pool *p, int32_t start)
{
    int32_t span = MEV_RCL_TICKS * p->tick_spacing, bit = start / span + 512;
    p->tick_array_bitmap[bit / 64] |= (uint64_t)1 << (bit % 64);
}

int main(void)
{
    u128 p, prev = 0, q;
    int32_t t;
    CHECK_EQ_INT(mev_rcl_sqrt_price_at_tick(MEV_RCL_MIN_TICK, &p), MEV_OK);
    CHECK(p == MEV_RCL_MIN_SQRT_PRICE);
    CHECK_EQ_INT(mev_rcl_sqrt_price_at_tick(MEV_RCL_MAX_TICK, &p), MEV_OK);
    CHECK(p == MEV_RCL_MAX_SQRT_PRICE);
    CHECK_EQ_INT(mev_rcl_sqrt_price_at_tick(MEV_RCL_MAX_TICK + 1, &p), MEV_EINVAL);
    CHECK_EQ_INT(mev_rcl_tick_at_sqrt_price(MEV_RCL_MAX_SQRT_PRICE, &t), MEV_EINVAL); /* the program's bound is open */
    int bad = 0;
    for (int32_t tick = MEV_RCL_MIN_TICK; tick < MEV_RCL_MAX_TICK; tick += 3) {
        mev_rcl_sqrt_price_at_tick(tick, &p);
        bad += p <= prev;
        bad += mev_rcl_tick_at_sqrt_price(p, &t) != MEV_OK || t != tick;
        mev_rcl_sqrt_price_at_tick(tick + 1, &q);
        bad += mev_rcl_tick_at_sqrt_price(q - 1, &t) != MEV_OK || t != tick;
        prev = p;
    }
    CHECK(bad == 0);

    uint8_t raw[MEV_RCL_TICK_ARRAY_LEN] = {0};
    mev_rcl_pool pool;
    mev_rcl_ticks ticks;
    mev_rcl_config config;
    CHECK_EQ_INT(mev_rcl_pool_decode(raw, MEV_RCL_POOL_LEN, &pool), MEV_ELAYOUT);      /* no discriminator */
    CHECK_EQ_INT(mev_rcl_ticks_decode(raw, MEV_RCL_TICK_ARRAY_LEN - 1, &ticks), MEV_ELAYOUT);
    CHECK_EQ_INT(mev_rcl_config_decode(raw, MEV_RCL_CONFIG_LEN, &config), MEV_ELAYOUT);
    CHECK_EQ_INT(mev_rcl_pool_decode(NULL, 0, &pool), MEV_EINVAL);

    static mev_rcl_ticks arrays[6];
    const mev_rcl_ticks *ptrs[6];
    unsigned s = 29;
    int ok = 0, refused = 0, filled_orders = 0, round_trips = 0, round_trip_bad = 0, partial = 0;
    for (int i = 0; i < 20000; i++) {
        memset(&pool, 0, sizeof pool);
        memset(arrays, 0, sizeof arrays);
        static const uint16_t spacings[] = {1, 10, 60, 120};
        pool.tick_spacing = spacings[check_rand64(&s) % 4];
        int32_t span = MEV_RCL_TICKS * pool.tick_spacing;
        int32_t tick = (int32_t)(check_rand64(&s) % 60000) - 30000;
        pool.tick_current = tick;
        u128 lo, hi;
        mev_rcl_sqrt_price_at_tick(tick, &lo);
        mev_rcl_sqrt_price_at_tick(tick + 1, &hi);
        pool.sqrt_price = lo + (u128)check_rand64(&s) % (hi - lo);
        pool.fee_on = (uint8_t)(check_rand64(&s) % 3);
        if (check_rand64(&s) % 3 == 0) { /* drawn one per statement: a call's arguments, and an
                                              initializer's parts, are evaluated in no set order */
            uint32_t control = (uint32_t)(check_rand64(&s) % 100001), reference = (uint32_t)(check_rand64(&s) % 50000);
            pool.has_dynamic_fee = 1;
            pool.dynamic_fee = (mev_rcl_dynamic_fee){.filter_period = 10, .decay_period = 600, .reduction_factor = 5000,
                                                     .dynamic_fee_control = control,
                                                     .max_volatility_accumulator = 350000,
                                                     .tick_spacing_index_reference = tick / pool.tick_spacing,
                                                     .volatility_reference = reference};
        }
        config = (mev_rcl_config){.trade_fee_rate = (uint32_t)(check_rand64(&s) % 50000),
                                  .protocol_fee_rate = 120000, .fund_fee_rate = 40000};
        /* 6 consecutive arrays around the price: one position across them, random positions and
         * limit orders inside */
        int32_t first = mev_rcl_array_start(tick, pool.tick_spacing) - 3 * span;
        uint64_t magnitude = check_rand64(&s);
        u128 base = 1 + ((u128)magnitude << (check_rand64(&s) % 40));
        for (int a = 0; a < 6; a++) {
            arrays[a].start = first + a * span;
            ptrs[a] = &arrays[a];
            for (int k = 0; k < MEV_RCL_TICKS; k++)
                arrays[a].tick[k] = arrays[a].start + k * pool.tick_spacing;
            set_bit(&pool, arrays[a].start);
        }
        arrays[0].liquidity_net[0] = (__int128)base, arrays[0].liquidity_gross[0] = base;
        arrays[5].liquidity_net[59] = -(__int128)base, arrays[5].liquidity_gross[59] = base;
        pool.liquidity = base;
        for (int k = 0; k < 8; k++) {
            int a = (int)(check_rand64(&s) % 6);
            int slot = 1 + (int)(check_rand64(&s) % 58);
            int partly_filled = (int)(check_rand64(&s) % 2);
            uint64_t size = check_rand64(&s) >> 20;
            if (partly_filled)
                arrays[a].part_filled_remaining[slot] += size;
            else
                arrays[a].orders_amount[slot] += size;
        }
        uint64_t amount = check_rand64(&s);
        int zero_for_one = (int)(check_rand64(&s) % 2);
        int exact_in = (int)(check_rand64(&s) % 2);
        mev_rcl_swap out;
        int rc = mev_rcl_quote(&pool, &config, NULL, ptrs, 6, amount, zero_for_one, exact_in, 0, 1000, &out);
        if (rc != MEV_OK) {
            refused++;
            partial += out.missing_array != MEV_RCL_NO_ARRAY; /* all six arrays were given */
            continue;
        }
        ok++;
        filled_orders += out.limit_order_out > 0;
        bad += exact_in ? out.amount_in != amount : out.amount_out != amount;
        bad += out.fee > (out.fee_on_input ? out.amount_in : UINT64_MAX);
        if (exact_in) { /* buy back the output: costs at most what was paid */
            mev_rcl_swap back;
            if (mev_rcl_quote(&pool, &config, NULL, ptrs, 6, out.amount_out, zero_for_one, 0, 0, 1000, &back) == MEV_OK) {
                /* within one unit of the output: at most what one more unit costs above what was paid */
                uint64_t unit = out.amount_in / out.amount_out + 2;
                round_trips++;
                round_trip_bad += back.amount_in > out.amount_in && back.amount_in - out.amount_in > unit;
                mev_rcl_swap again; /* and what exact-out asks buys at least that output */
                round_trip_bad += mev_rcl_quote(&pool, &config, NULL, ptrs, 6, back.amount_in, zero_for_one, 1, 0, 1000,
                                                &again) != MEV_OK || again.amount_out < out.amount_out;
            }
        }
    }
    CHECK(bad == 0);
    CHECK(partial == 0);
    CHECK(round_trip_bad == 0);
    CHECK(ok > 2000 && refused > 100 && filled_orders > 100 && round_trips > 500);
    printf("test_raydium_clmm: %d quotes (%d filling limit orders, %d round trips), %d refused\n", ok, filled_orders,
           round_trips, refused);

    /* a swap that needs an array that was not given names it: only the price's own array given */
    mev_rcl_swap out;
    memset(arrays[3].orders_amount, 0, sizeof arrays[3].orders_amount);
    memset(arrays[3].part_filled_remaining, 0, sizeof arrays[3].part_filled_remaining);
    CHECK_EQ_INT(mev_rcl_quote(&pool, &config, NULL, ptrs + 3, 1, UINT64_MAX / 4, 1, 1, 0, 1000, &out), MEV_EINVAL);
    CHECK(out.missing_array == arrays[2].start);
    /* and beyond the pool's own bitmap, without the extension: refused */
    CHECK_EQ_INT(mev_rcl_array_initialized(&pool, NULL, 600 * MEV_RCL_TICKS * pool.tick_spacing), MEV_EINVAL);
    CHECK_EQ_INT(mev_rcl_quote(&pool, &config, NULL, ptrs, 6, 0, 1, 1, 0, 1000, &out), MEV_EINVAL);
    return check_report("test_raydium_clmm");
}
