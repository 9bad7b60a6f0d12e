/* Raydium AMM v4: the layout's checks, a quote worked by hand both ways, and the full u64 range
 * (random reserves, amounts and fee fractions under ASan and UBSan): errors, never wraps. */
#include <stdint.h>
#include <string.h>

#include "../dex/amm_v4.h"
#include "../mev_error.h"
#include "check.h"

static unsigned s = 11;
static uint64_t rnd(void) { return check_rand64(&s); }

int main(void)
{
    uint8_t d[MEV_AMM_V4_LEN] = {0};
    mev_amm_v4 p;
    mev_amm_v4_quote q;
    CHECK_EQ_INT(mev_amm_v4_decode(d, sizeof d - 1, &p), MEV_ELAYOUT);
    d[0] = 8; /* a status the program does not know */
    CHECK_EQ_INT(mev_amm_v4_decode(d, sizeof d, &p), MEV_ELAYOUT);
    d[0] = 6;
    d[176] = 25;        /* swap_fee_numerator */
    d[184] = 0x10;      /* swap_fee_denominator = 10,000 */
    d[185] = 0x27;
    d[192] = 100;       /* need_take_pnl_coin */
    CHECK_EQ_INT(mev_amm_v4_decode(d, sizeof d, &p), MEV_OK);
    CHECK(mev_amm_v4_can_swap(&p) && p.swap_fee_denominator == 10000 && p.need_take_pnl_coin == 100);
    uint64_t coin, pc;
    CHECK_EQ_INT(mev_amm_v4_reserves(&p, 1000000000100ull, 500000000000ull, &coin, &pc), MEV_OK);
    CHECK(coin == 1000000000000ull && pc == 500000000000ull);
    CHECK_EQ_INT(mev_amm_v4_reserves(&p, 99, 5, &coin, &pc), MEV_EOVERFLOW);
    /* 1,000,000 in at 25 / 10,000: fee 2,500, out floor(5e11 × 997,500 / (1e12 + 997,500)) = 498,749 */
    CHECK_EQ_INT(mev_amm_v4_quote_exact_in(&p, coin, pc, 1000000, &q), MEV_OK);
    CHECK(q.amount_out == 498749 && q.fee == 2500);
    /* 498,000 out: ceil(1e12 × 498,000 / (5e11 − 498,000)) = 996,001, then ceil(× 10,000 / 9,975) = 998,498 */
    CHECK_EQ_INT(mev_amm_v4_quote_exact_out(&p, coin, pc, 498000, &q), MEV_OK);
    CHECK(q.amount_in == 998498 && q.fee == 998498 - 996001);
    CHECK_EQ_INT(mev_amm_v4_quote_exact_in(&p, coin, pc, 1, &q), MEV_EINVAL);   /* nothing out */
    CHECK_EQ_INT(mev_amm_v4_quote_exact_out(&p, coin, pc, pc, &q), MEV_EINVAL); /* the whole reserve */
    CHECK_EQ_INT(mev_amm_v4_quote_exact_in(&p, 0, pc, 1, &q), MEV_EINVAL);      /* fee takes it all: 0 / 0 */
    p.swap_fee_numerator = 10000;
    CHECK_EQ_INT(mev_amm_v4_quote_exact_in(&p, coin, pc, 1000000, &q), MEV_EINVAL); /* a fraction it refuses */

    int ok = 0, refused = 0;
    for (int i = 0; i < 200000; i++) {
        p.swap_fee_denominator = rnd() | 1;
        p.swap_fee_numerator = rnd() % p.swap_fee_denominator;
        uint64_t r_in = rnd(), r_out = rnd(), amount = rnd();
        int rc = (i & 1) ? mev_amm_v4_quote_exact_out(&p, r_in, r_out, amount, &q)
                         : mev_amm_v4_quote_exact_in(&p, r_in, r_out, amount, &q);
        if (rc == MEV_OK) {
            ok++;
            CHECK(q.amount_out < r_out && q.fee <= q.amount_in);
        } else {
            refused++;
            CHECK(rc == MEV_EINVAL || rc == MEV_EOVERFLOW);
        }
    }
    CHECK(ok > 1000 && refused > 1000);
    return check_report("test_amm_v4");
}
