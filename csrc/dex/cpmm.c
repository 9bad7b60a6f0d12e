#include "cpmm.h"

#include <string.h>

#include "../mev_error.h"
#include "le.h"

typedef unsigned __int128 u128;

static const uint8_t POOL_DISCRIMINATOR[8] = {247, 237, 227, 245, 215, 195, 222, 70};
static const uint8_t CONFIG_DISCRIMINATOR[8] = {218, 244, 33, 104, 203, 203, 43, 111};
static const u128 D = MEV_CPMM_FEE_DENOMINATOR;

int mev_cpmm_pool_decode(const uint8_t *d, size_t len, mev_cpmm_pool *p)
{
    if (d == NULL || p == NULL)
        return MEV_EINVAL;
    if (len != MEV_CPMM_POOL_LEN || memcmp(d, POOL_DISCRIMINATOR, 8) != 0)
        return MEV_ELAYOUT;
    uint8_t *keys[10] = {p->amm_config, p->pool_creator, p->token_0_vault, p->token_1_vault, p->lp_mint,
                         p->token_0_mint, p->token_1_mint, p->token_0_program, p->token_1_program, p->observation};
    for (int i = 0; i < 10; i++)
        memcpy(keys[i], d + 8 + 32 * i, 32);
    p->auth_bump = d[328];
    p->status = d[329];
    p->lp_mint_decimals = d[330];
    p->mint_0_decimals = d[331];
    p->mint_1_decimals = d[332];
    uint64_t *u[7] = {&p->lp_supply, &p->protocol_fees_0, &p->protocol_fees_1, &p->fund_fees_0, &p->fund_fees_1,
                      &p->open_time, &p->recent_epoch};
    for (int i = 0; i < 7; i++)
        *u[i] = mev_le64(d + 333 + 8 * i);
    p->creator_fee_on = d[389];
    p->enable_creator_fee = d[390];
    if (p->creator_fee_on > 2 || p->enable_creator_fee > 1)
        return MEV_ELAYOUT;
    p->creator_fees_0 = mev_le64(d + 397);
    p->creator_fees_1 = mev_le64(d + 405);
    return MEV_OK;
}

int mev_cpmm_config_decode(const uint8_t *d, size_t len, mev_cpmm_config *c)
{
    if (d == NULL || c == NULL)
        return MEV_EINVAL;
    if (len != MEV_CPMM_CONFIG_LEN || memcmp(d, CONFIG_DISCRIMINATOR, 8) != 0)
        return MEV_ELAYOUT;
    c->disable_create_pool = d[9];
    c->index = (uint16_t)(d[10] | d[11] << 8);
    c->trade_fee_rate = mev_le64(d + 12);
    c->protocol_fee_rate = mev_le64(d + 20);
    c->fund_fee_rate = mev_le64(d + 28);
    c->create_pool_fee = mev_le64(d + 36);
    c->creator_fee_rate = mev_le64(d + 108);
    return MEV_OK;
}

int mev_cpmm_reserves(const mev_cpmm_pool *p, uint64_t vault_0, uint64_t vault_1, uint64_t *r0, uint64_t *r1)
{
    u128 f0 = (u128)p->protocol_fees_0 + p->fund_fees_0 + p->creator_fees_0;
    u128 f1 = (u128)p->protocol_fees_1 + p->fund_fees_1 + p->creator_fees_1;
    if (f0 > UINT64_MAX || f1 > UINT64_MAX || f0 > vault_0 || f1 > vault_1)
        return MEV_EOVERFLOW;
    *r0 = vault_0 - (uint64_t)f0;
    *r1 = vault_1 - (uint64_t)f1;
    return MEV_OK;
}

static u128 ceil_div(u128 amount, u128 num, u128 den) { return (amount * num + den - 1) / den; }
static u128 floor_div(u128 amount, u128 num, u128 den) { return amount * num / den; }

/* what the program's calculate_pre_fee_amount gives, for a rate below the denominator */
static u128 pre_fee(u128 post, u128 rate) { return rate == 0 ? post : (post * D + (D - rate) - 1) / (D - rate); }

/* the program's config checks keep the trade and creator rates, and their sum, below the denominator */
static int rates_ok(u128 trade_rate, u128 creator_rate)
{
    return trade_rate < D && creator_rate < D && trade_rate + creator_rate < D;
}

static int setup(const mev_cpmm_pool *p, const mev_cpmm_config *c, int zero_for_one, uint64_t *creator_rate,
                 uint8_t *on_input)
{
    *creator_rate = p->enable_creator_fee ? c->creator_fee_rate : 0;
    if (!rates_ok(c->trade_fee_rate, *creator_rate) || c->protocol_fee_rate > D || c->fund_fee_rate > D)
        return MEV_EINVAL;
    *on_input = p->creator_fee_on == 0 || (p->creator_fee_on == 1 && zero_for_one) ||
                (p->creator_fee_on == 2 && !zero_for_one);
    return MEV_OK;
}

static int finish(mev_cpmm_quote *q, u128 in, u128 out, u128 trade, u128 creator, const mev_cpmm_config *c)
{
    if (in > UINT64_MAX || out > UINT64_MAX || trade > UINT64_MAX || creator > UINT64_MAX)
        return MEV_EOVERFLOW;
    q->amount_in = (uint64_t)in;
    q->amount_out = (uint64_t)out;
    q->trade_fee = (uint64_t)trade;
    q->creator_fee = (uint64_t)creator;
    q->protocol_fee = (uint64_t)floor_div(trade, c->protocol_fee_rate, D);
    q->fund_fee = (uint64_t)floor_div(trade, c->fund_fee_rate, D);
    return MEV_OK;
}

/* swap_base_input's arithmetic once the rates are known (rates checked by the caller) */
static void exact_in(u128 trade_rate, u128 creator_rate, int on_input, uint64_t reserve_in, uint64_t reserve_out,
                     u128 in, u128 *out, u128 *trade, u128 *creator)
{
    u128 less;
    *creator = 0;
    if (on_input) {
        u128 total = ceil_div(in, trade_rate + creator_rate, D);
        *creator = trade_rate + creator_rate ? floor_div(total, creator_rate, trade_rate + creator_rate) : 0;
        *trade = total - *creator;
        less = in - total;
    } else {
        *trade = ceil_div(in, trade_rate, D);
        less = in - *trade;
    }
    u128 swapped = less * reserve_out / ((u128)reserve_in + less);
    *out = swapped;
    if (!on_input) {
        *creator = ceil_div(swapped, creator_rate, D);
        *out = swapped - *creator;
    }
}

int mev_cpmm_swap_in(uint64_t trade_rate, uint64_t creator_rate, int creator_on_input, uint64_t reserve_in,
                     uint64_t reserve_out, uint64_t amount_in, uint64_t *amount_out)
{
    u128 out, trade, creator;
    *amount_out = 0;
    if (!rates_ok(trade_rate, creator_rate) || reserve_in == 0 || reserve_out == 0)
        return MEV_EINVAL;
    exact_in(trade_rate, creator_rate, creator_on_input, reserve_in, reserve_out, amount_in, &out, &trade, &creator);
    *amount_out = (uint64_t)out; /* below reserve_out */
    return MEV_OK;
}

int mev_cpmm_quote_exact_in(const mev_cpmm_pool *p, const mev_cpmm_config *c, int zero_for_one, uint64_t reserve_in,
                            uint64_t reserve_out, uint64_t amount_in, mev_cpmm_quote *q)
{
    uint64_t cr;
    int rc;
    if ((rc = setup(p, c, zero_for_one, &cr, &q->creator_fee_on_input)) != MEV_OK)
        return rc;
    if (reserve_in == 0 || reserve_out == 0)
        return MEV_EINVAL;
    u128 out, trade, creator;
    exact_in(c->trade_fee_rate, cr, q->creator_fee_on_input, reserve_in, reserve_out, amount_in, &out, &trade,
             &creator);
    return finish(q, amount_in, out, trade, creator, c);
}

int mev_cpmm_quote_exact_out(const mev_cpmm_pool *p, const mev_cpmm_config *c, int zero_for_one, uint64_t reserve_in,
                             uint64_t reserve_out, uint64_t amount_out, mev_cpmm_quote *q)
{
    uint64_t cr;
    int rc;
    if ((rc = setup(p, c, zero_for_one, &cr, &q->creator_fee_on_input)) != MEV_OK)
        return rc;
    if (reserve_in == 0 || reserve_out == 0 || amount_out == 0)
        return MEV_EINVAL;
    u128 out = amount_out, actual = out, creator = 0, trade, in;
    if (!q->creator_fee_on_input) {
        actual = pre_fee(out, cr);
        creator = actual - out;
    }
    if (actual >= reserve_out)
        return MEV_EINVAL; /* the pool cannot give it: the program's checked_sub / division fails */
    u128 num = (u128)reserve_in * actual, den = reserve_out - actual;
    u128 swapped = num / den + (num % den != 0);
    if (q->creator_fee_on_input) {
        if (swapped > ((u128)1 << 100))
            return MEV_EOVERFLOW; /* keeps swapped × D inside a u128 */
        in = pre_fee(swapped, (u128)c->trade_fee_rate + cr);
        u128 total = in - swapped;
        creator = c->trade_fee_rate + cr ? floor_div(total, cr, (u128)c->trade_fee_rate + cr) : 0;
        trade = total - creator;
    } else {
        if (swapped > ((u128)1 << 100))
            return MEV_EOVERFLOW;
        in = pre_fee(swapped, c->trade_fee_rate);
        trade = in - swapped;
    }
    return finish(q, in, out, trade, creator, c);
}
