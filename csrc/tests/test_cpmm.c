/* Raydium CPMM: the layout's checks, a quote worked by hand, and the full u64 range (random
 * reserves and amounts under ASan and UBSan): errors, never wrapped values. */
#include <stdint.h>
#include <string.h>

#include "../dex/cpmm.h"
#include "../mev_error.h"
#include "check.h"

static const uint8_t DISC[8] = {247, 237, 227, 245, 215, 195, 222, 70};

int main(void)
{
    uint8_t d[MEV_CPMM_POOL_LEN] = {0};
    mev_cpmm_pool p;
    mev_cpmm_config c = {2500, 120000, 40000, 0, 0, 0, 0};
    mev_cpmm_quote q;
    CHECK_EQ_INT(mev_cpmm_pool_decode(d, sizeof d, &p), MEV_ELAYOUT); /* no discriminator */
    memcpy(d, DISC, 8);
    CHECK_EQ_INT(mev_cpmm_pool_decode(d, sizeof d - 1, &p), MEV_ELAYOUT);
    CHECK_EQ_INT(mev_cpmm_pool_decode(d, sizeof d, &p), MEV_OK);
    d[389] = 3; /* creator_fee_on past OnlyToken1 */
    CHECK_EQ_INT(mev_cpmm_pool_decode(d, sizeof d, &p), MEV_ELAYOUT);
    d[389] = 0;
    CHECK_EQ_INT(mev_cpmm_pool_decode(d, sizeof d, &p), MEV_OK);
    /* 1,000,000 in at 0.25%: fee 2,500, out floor(997,500 × 5e11 / (1e12 + 997,500)) = 498,749 */
    CHECK_EQ_INT(mev_cpmm_quote_exact_in(&p, &c, 1, 1000000000000ull, 500000000000ull, 1000000, &q), MEV_OK);
    CHECK(q.amount_out == 498749 && q.trade_fee == 2500 && q.protocol_fee == 300 && q.fund_fee == 100);
    CHECK_EQ_INT(mev_cpmm_quote_exact_out(&p, &c, 1, 1000000000000ull, 500000000000ull, 498749, &q), MEV_OK);
    CHECK(q.amount_in == 999999);
    CHECK_EQ_INT(mev_cpmm_quote_exact_out(&p, &c, 1, 10, 10, 10, &q), MEV_EINVAL); /* the whole reserve */
    CHECK_EQ_INT(mev_cpmm_quote_exact_in(&p, &c, 1, 0, 10, 10, &q), MEV_EINVAL);
    c.trade_fee_rate = 1000000;
    CHECK_EQ_INT(mev_cpmm_quote_exact_in(&p, &c, 1, 10, 10, 10, &q), MEV_EINVAL); /* a rate no config allows */
    c.trade_fee_rate = 2500;
    unsigned s = 3;
    int ok = 0, refused = 0;
    for (int i = 0; i < 200000; i++) {
        uint64_t v[3];
        for (int k = 0; k < 3; k++)
            v[k] = check_rand64(&s);
        int rc = (i & 1) ? mev_cpmm_quote_exact_out(&p, &c, i & 2, v[0], v[1], v[2], &q)
                         : mev_cpmm_quote_exact_in(&p, &c, i & 2, v[0], v[1], v[2], &q);
        if (rc == MEV_OK) {
            ok++;
            CHECK(q.amount_out <= v[1] || (i & 1) == 0);
        } else {
            refused++;
            CHECK(rc == MEV_EINVAL || rc == MEV_EOVERFLOW);
        }
    }
    CHECK(ok > 1000 && refused > 1000);
    return check_report("test_cpmm");
}
