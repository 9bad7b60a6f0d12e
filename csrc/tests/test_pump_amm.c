/* Pump.fun AMM: the layout versions, fee tiers at their boundaries, each trade worked by hand, and
 * the full u64 range with virtual reserves (random, under ASan and UBSan): errors, never wraps. */
#include <stdint.h>
#include <string.h>

#include "../dex/pump_amm.h"
#include "../mev_error.h"
#include "check.h"

static const uint8_t POOL[8] = {241, 154, 109, 4, 17, 177, 109, 188};

static unsigned s = 7;
static uint64_t rnd(void) { return check_rand64(&s); }

int main(void)
{
    uint8_t d[300] = {0};
    mev_pump_pool p;
    memcpy(d, POOL, 8);
    CHECK_EQ_INT(mev_pump_pool_decode(d, 211, &p), MEV_OK); /* the first version */
    CHECK_EQ_INT(mev_pump_pool_decode(d, 212, &p), MEV_ELAYOUT);
    CHECK_EQ_INT(mev_pump_pool_decode(d, 300, &p), MEV_OK); /* extended */
    d[243] = 2;                                             /* is_mayhem_mode, not a bool */
    CHECK_EQ_INT(mev_pump_pool_decode(d, 270, &p), MEV_ELAYOUT);
    CHECK_EQ_INT(mev_pump_pool_decode(d, 243, &p), MEV_OK); /* a 243-byte pool has no such field */
    d[243] = 0;
    d[245] = 0xff; /* virtual_quote_reserves = −1 (i128) */
    memset(d + 246, 0xff, 15);
    CHECK_EQ_INT(mev_pump_pool_decode(d, 270, &p), MEV_OK);
    CHECK(p.virtual_quote_reserves == -1);

    /* tiers by market cap: below the first tier, exactly at a threshold, past the last */
    mev_pump_global g = {0};
    mev_pump_fee_config fc = {0};
    fc.n_tiers = 2;
    fc.tiers[0] = (mev_pump_tier){1000, {1, 2, 3}};
    fc.tiers[1] = (mev_pump_tier){2000, {4, 5, 6}};
    memset(p.coin_creator, 9, 32);
    p.virtual_quote_reserves = 0;
    p.is_mayhem_mode = 0;
    mev_pump_fees f;
    CHECK_EQ_INT(mev_pump_fees_for(&g, &fc, MEV_PUMP_SOL_TIERS, &p, 100, 100, 999, &f), MEV_OK); /* cap 999 */
    CHECK(f.lp == 1 && f.creator == 3);
    CHECK_EQ_INT(mev_pump_fees_for(&g, &fc, MEV_PUMP_SOL_TIERS, &p, 100, 100, 2000, &f), MEV_OK); /* cap 2000 */
    CHECK(f.lp == 4);
    CHECK_EQ_INT(mev_pump_fees_for(&g, &fc, MEV_PUMP_SOL_TIERS, &p, 100, 100, 1999, &f), MEV_OK);
    CHECK(f.lp == 1);
    CHECK_EQ_INT(mev_pump_fees_for(&g, &fc, MEV_PUMP_STABLE_TIERS, &p, 100, 100, 5000, &f), MEV_OK);
    CHECK(f.lp == 4); /* no stable tiers: the SOL tiers */
    fc.flat = (mev_pump_fees){7, 8, 9};
    CHECK_EQ_INT(mev_pump_fees_for(&g, &fc, MEV_PUMP_EXOTIC, &p, 100, 100, 5000, &f), MEV_OK);
    CHECK(f.lp == 7); /* exotic unset: flat */
    memset(p.coin_creator, 0, 32);
    CHECK_EQ_INT(mev_pump_fees_for(&g, &fc, MEV_PUMP_FLAT, &p, 100, 100, 5000, &f), MEV_OK);
    CHECK(f.protocol == 8 && f.creator == 0); /* no coin creator, no creator fee */
    fc.n_tiers = 0;
    CHECK_EQ_INT(mev_pump_fees_for(&g, &fc, MEV_PUMP_SOL_TIERS, &p, 100, 100, 5000, &f), MEV_EINVAL);

    /* 1,000,000,000 tokens (6 decimals) against 100 SOL at 20 + 5 + 5 basis points */
    mev_pump_fees fee = {20, 5, 5};
    mev_pump_quote q;
    const uint64_t B = 1000000000000000ull, Q = 100000000000ull;
    CHECK_EQ_INT(mev_pump_quote_trade(MEV_PUMP_BUY_BASE_OUT, &fee, 0, B, Q, 1000000000000ull, &q), MEV_OK);
    CHECK(q.swapped == 100100101 && q.lp_fee == 200201 && q.protocol_fee == 50051 && q.quote == 100400404);
    CHECK_EQ_INT(mev_pump_quote_trade(MEV_PUMP_BUY_QUOTE_IN, &fee, 0, B, Q, 1000000000, &q), MEV_OK);
    CHECK(q.swapped == 997008972 && q.base == 9871668291545ull); /* one unit over after fees, taken back */
    CHECK_EQ_INT(mev_pump_quote_trade(MEV_PUMP_SELL_BASE_IN, &fee, 0, B, Q, 1000000000000ull, &q), MEV_OK);
    CHECK(q.swapped == 99900099 && q.quote == 99600396);
    CHECK_EQ_INT(mev_pump_quote_trade(MEV_PUMP_SELL_QUOTE_OUT, &fee, 0, B, Q, 1000000000, &q), MEV_OK);
    CHECK(q.swapped == 1003009028 && q.base == 10131712268747ull);
    CHECK_EQ_INT(mev_pump_quote_trade(MEV_PUMP_BUY_BASE_OUT, &fee, 0, B, Q, B, &q), MEV_EINVAL); /* the pool */
    CHECK_EQ_INT(mev_pump_quote_trade(MEV_PUMP_SELL_QUOTE_OUT, &fee, 0, B, Q, Q + 1, &q), MEV_EINVAL);
    CHECK_EQ_INT(mev_pump_quote_trade(MEV_PUMP_SELL_BASE_IN, &fee, -(__int128)Q, B, Q, 5, &q), MEV_EINVAL);
    CHECK_EQ_INT(mev_pump_quote_trade(9, &fee, 0, B, Q, 5, &q), MEV_EINVAL);

    int ok = 0, refused = 0;
    for (int i = 0; i < 200000; i++) {
        uint64_t br = rnd(), qr = rnd(), amount = rnd();
        __int128 virt = (i % 5 == 0) ? (__int128)rnd() - (__int128)rnd() : 0;
        mev_pump_fees rf = {rnd() % 20000, rnd() % 20000, rnd() % 20000};
        int rc = mev_pump_quote_trade(i % 4, &rf, virt, br, qr, amount, &q);
        if (rc == MEV_OK) {
            ok++;
            if (i % 4 == MEV_PUMP_SELL_BASE_IN)
                CHECK(q.quote <= qr);
            if (i % 4 == MEV_PUMP_BUY_BASE_OUT || i % 4 == MEV_PUMP_BUY_QUOTE_IN)
                CHECK(q.base < br);
        } else {
            refused++;
            CHECK(rc == MEV_EINVAL || rc == MEV_EOVERFLOW);
        }
    }
    CHECK(ok > 1000 && refused > 1000);
    return check_report("test_pump_amm");
}
