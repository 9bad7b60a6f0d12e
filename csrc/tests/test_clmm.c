/* Concentrated-liquidity math: every tick's sqrt price increases with the tick and converts back
 * to it, a price between two ticks floors to the lower, the ends of the range are the programs'
 * MIN / MAX_SQRT_PRICE; amounts and next prices on random full-range inputs (ASan and UBSan)
 * either answer or refuse, and an exact-in step never moves the price past what the amount pays. */
#include <stdint.h>

#include "../dex/clmm.h"
#include "../mev_error.h"
#include "check.h"

int main(void)
{
    mev_u128 p, prev = 0, q;
    int32_t t;
    CHECK_EQ_INT(mev_clmm_sqrt_price_at_tick(MEV_CLMM_MIN_TICK - 1, &p), MEV_EINVAL);
    CHECK_EQ_INT(mev_clmm_sqrt_price_at_tick(MEV_CLMM_MIN_TICK, &p), MEV_OK);
    CHECK(p == MEV_CLMM_MIN_SQRT_PRICE);
    CHECK_EQ_INT(mev_clmm_sqrt_price_at_tick(MEV_CLMM_MAX_TICK, &p), MEV_OK);
    CHECK(p == MEV_CLMM_MAX_SQRT_PRICE);
    CHECK_EQ_INT(mev_clmm_sqrt_price_at_tick(0, &p), MEV_OK);
    CHECK(p == (mev_u128)1 << 64);
    int bad = 0;
    for (int32_t tick = MEV_CLMM_MIN_TICK; tick <= MEV_CLMM_MAX_TICK; tick += 7) {
        mev_clmm_sqrt_price_at_tick(tick, &p);
        bad += p <= prev;
        bad += mev_clmm_tick_at_sqrt_price(p, &t) != MEV_OK || t != tick;
        if (tick < MEV_CLMM_MAX_TICK) { /* just below the next tick's price: still this tick */
            mev_clmm_sqrt_price_at_tick(tick + 1, &q);
            bad += mev_clmm_tick_at_sqrt_price(q - 1, &t) != MEV_OK || t != tick;
        }
        prev = p;
    }
    CHECK(bad == 0);
    CHECK_EQ_INT(mev_clmm_tick_at_sqrt_price(MEV_CLMM_MIN_SQRT_PRICE - 1, &t), MEV_EINVAL);

    unsigned s = 13;
    int ok = 0, refused = 0;
    for (int i = 0; i < 100000; i++) {
        uint64_t r[5]; /* drawn in order: a call's arguments are evaluated in no set order */
        for (int k = 0; k < 5; k++)
            r[k] = check_rand64(&s);
        mev_u128 a = MEV_CLMM_MIN_SQRT_PRICE + ((mev_u128)r[0] << (r[1] % 33));
        mev_u128 liquidity = (mev_u128)r[2] << (r[3] % 64);
        uint64_t amount = r[4], out;
        int input = i & 1, rc;
        if (i & 2)
            rc = mev_clmm_next_sqrt_price_from_a(a, liquidity, amount, input, &q);
        else
            rc = mev_clmm_next_sqrt_price_from_b(a, liquidity, amount, input, &q);
        if (rc != MEV_OK) {
            refused++;
            CHECK(rc == MEV_EINVAL || rc == MEV_EOVERFLOW);
            continue;
        }
        ok++;
        CHECK((i & 2) ? (input ? q <= a : q >= a) : (input ? q >= a : q <= a)); /* A in lowers the price */
        if (input && mev_clmm_amount_delta_a(a, q, liquidity, 1, &out) == MEV_OK && (i & 2))
            CHECK(out <= amount); /* the price it reached costs no more than was paid in */
        if (input && mev_clmm_amount_delta_b(a, q, liquidity, 1, &out) == MEV_OK && !(i & 2))
            CHECK(out <= amount);
    }
    CHECK(ok > 1000 && refused > 100);
    return check_report("test_clmm");
}
