/* SPL Token / Token-2022 decoding and transfer-fee math: hand-built accounts, every malformed
 * variant refused, fees and pre-fee amounts against a brute-force search, and random bytes
 * (under ASan) never read out of bounds. */
#include <stdint.h>
#include <string.h>

#include "../dex/token.h"
#include "../mev_error.h"
#include "check.h"

static void put64(unsigned char *p, unsigned long long v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void test_account(void)
{
    unsigned char d[200] = {0};
    mev_token_account a;
    memset(d, 0x11, 32);
    memset(d + 32, 0x22, 32);
    put64(d + 64, 123456789);
    d[108] = 1;
    CHECK_EQ_INT(mev_token_account_decode(d, 165, MEV_TOKEN_PROGRAM, &a), MEV_OK);
    CHECK(a.amount == 123456789 && a.mint[0] == 0x11 && a.owner[31] == 0x22 && a.state == 1 && !a.has_delegate);
    CHECK_EQ_INT(mev_token_account_decode(d, 164, MEV_TOKEN_PROGRAM, &a), MEV_ELAYOUT);
    CHECK_EQ_INT(mev_token_account_decode(d, 166, MEV_TOKEN_PROGRAM, &a), MEV_ELAYOUT);
    d[72] = 2; /* a delegate tag that is neither None nor Some */
    CHECK_EQ_INT(mev_token_account_decode(d, 165, MEV_TOKEN_PROGRAM, &a), MEV_ELAYOUT);
    d[72] = 1;
    CHECK_EQ_INT(mev_token_account_decode(d, 165, MEV_TOKEN_PROGRAM, &a), MEV_OK);
    CHECK(a.has_delegate);
    d[108] = 0; /* uninitialized */
    CHECK_EQ_INT(mev_token_account_decode(d, 165, MEV_TOKEN_PROGRAM, &a), MEV_ELAYOUT);
    d[108] = 2;
    /* Token-2022: the account-type byte, then (here) no extensions */
    d[165] = 2;
    CHECK_EQ_INT(mev_token_account_decode(d, 170, MEV_TOKEN_2022_PROGRAM, &a), MEV_OK);
    d[165] = 1; /* a mint's type byte on an account */
    CHECK_EQ_INT(mev_token_account_decode(d, 170, MEV_TOKEN_2022_PROGRAM, &a), MEV_ELAYOUT);
    d[165] = 2;
    d[166] = 7; d[168] = 200; /* an entry longer than the account */
    CHECK_EQ_INT(mev_token_account_decode(d, 180, MEV_TOKEN_2022_PROGRAM, &a), MEV_ELAYOUT);
}

static void test_mint_and_fees(void)
{
    unsigned char d[300] = {0};
    mev_mint m;
    put64(d + 36, 1000000);
    d[44] = 6;
    d[45] = 1;
    CHECK_EQ_INT(mev_mint_decode(d, 82, MEV_TOKEN_PROGRAM, &m), MEV_OK);
    CHECK(m.supply == 1000000 && m.decimals == 6 && !m.has_transfer_fee);
    CHECK_EQ_INT(mev_mint_decode(d, 165, MEV_TOKEN_PROGRAM, &m), MEV_ELAYOUT);
    /* Token-2022 with TransferFeeConfig: older 1% max 500 from epoch 0, newer 2.5% max 10^9 from 10 */
    d[165] = 1;
    d[166] = 1; d[168] = 108;
    unsigned char *v = d + 170;
    put64(v + 64, 77);
    put64(v + 72, 0); put64(v + 80, 500); v[88] = 100;
    put64(v + 90, 10); put64(v + 98, 1000000000); v[106] = 250;
    size_t len = 170 + 108;
    CHECK_EQ_INT(mev_mint_decode(d, len, MEV_TOKEN_2022_PROGRAM, &m), MEV_OK);
    CHECK(m.has_transfer_fee && m.withheld_amount == 77 && m.older_fee.basis_points == 100 && m.newer_fee.epoch == 10);
    mev_transfer_fee f = mev_mint_epoch_fee(&m, 9);
    CHECK(f.basis_points == 100 && mev_transfer_fee_of(&f, 10000) == 100 && mev_transfer_fee_of(&f, 10001) == 101);
    CHECK(mev_transfer_fee_of(&f, 1000000) == 500); /* capped */
    f = mev_mint_epoch_fee(&m, 10);
    CHECK(f.basis_points == 250 && mev_transfer_fee_of(&f, 1) == 1 && mev_transfer_fee_of(&f, 0) == 0);
    d[82] = 1; /* padding between the mint and the account size is not zero */
    CHECK_EQ_INT(mev_mint_decode(d, len, MEV_TOKEN_2022_PROGRAM, &m), MEV_ELAYOUT);
    d[82] = 0;
    d[168] = 107; /* TransferFeeConfig of the wrong length */
    CHECK_EQ_INT(mev_mint_decode(d, len, MEV_TOKEN_2022_PROGRAM, &m), MEV_ELAYOUT);
    d[168] = 108;
    v[88] = 0x11; v[89] = 0x27; /* 10,001 basis points */
    CHECK_EQ_INT(mev_mint_decode(d, len, MEV_TOKEN_2022_PROGRAM, &m), MEV_ELAYOUT);
}

/* pre-fee amounts: the smallest pre whose post-fee amount reaches post, by search */
static void test_pre_fee(void)
{
    const unsigned short bps[] = {0, 1, 37, 100, 2500, 9999, 10000};
    const unsigned long long caps[] = {0, 1, 50, 1000000, ~0ull};
    for (size_t b = 0; b < sizeof bps / sizeof *bps; b++) {
        for (size_t c = 0; c < sizeof caps / sizeof *caps; c++) {
            mev_transfer_fee f = {0, caps[c], bps[b]};
            for (unsigned long long post = 0; post < 3000; post += 7) {
                uint64_t pre;
                if (mev_transfer_pre_fee_amount(&f, post, &pre) != MEV_OK) {
                    CHECK(bps[b] == 10000 && caps[c] == ~0ull && post > 0);
                    continue;
                }
                CHECK(pre - mev_transfer_fee_of(&f, pre) >= post);
                if (pre > 0 && bps[b] < 10000)
                    CHECK(pre - 1 - mev_transfer_fee_of(&f, pre - 1) < post); /* the smallest */
            }
        }
    }
    mev_transfer_fee f = {0, 5, 100};
    uint64_t pre;
    CHECK_EQ_INT(mev_transfer_pre_fee_amount(&f, ~0ull, &pre), MEV_EOVERFLOW);
    f.maximum_fee = ~0ull;
    CHECK_EQ_INT(mev_transfer_pre_fee_amount(&f, ~0ull / 2, &pre), MEV_OK);  /* 1% more still fits */
    CHECK_EQ_INT(mev_transfer_pre_fee_amount(&f, ~0ull - 10, &pre), MEV_EOVERFLOW);
}

static void test_fuzz(void)
{
    unsigned char d[400];
    unsigned s = 7;
    mev_mint m;
    mev_token_account a;
    for (int i = 0; i < 20000; i++) {
        size_t len = 160 + (size_t)(i % 240);
        for (size_t j = 0; j < len; j++) {
            s = s * 1103515245u + 12345u;
            d[j] = (unsigned char)(s >> 16);
        }
        d[165] = (unsigned char)(1 + i % 2);
        d[45] = 1;
        (void)mev_mint_decode(d, len, MEV_TOKEN_2022_PROGRAM, &m);
        (void)mev_token_account_decode(d, len, MEV_TOKEN_2022_PROGRAM, &a);
    }
    CHECK(1);
}

int main(void)
{
    test_account();
    test_mint_and_fees();
    test_pre_fee();
    test_fuzz();
    return check_report("test_token");
}
