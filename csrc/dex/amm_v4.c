#include "amm_v4.h"

#include <string.h>

#include "../mev_error.h"
#include "le.h"

typedef unsigned __int128 u128;

int mev_amm_v4_decode(const uint8_t *d, size_t len, mev_amm_v4 *p)
{
    if (d == NULL || p == NULL)
        return MEV_EINVAL;
    if (len != MEV_AMM_V4_LEN || mev_le64(d) > 7) /* AmmStatus::from_u64 knows 0..7 */
        return MEV_ELAYOUT;
    uint64_t *head[24] = {&p->status, &p->nonce, &p->order_num, &p->depth, &p->coin_decimals, &p->pc_decimals,
                          &p->state, &p->reset_flag, &p->min_size, &p->vol_max_cut_ratio, &p->amount_wave,
                          &p->coin_lot_size, &p->pc_lot_size, &p->min_price_multiplier, &p->max_price_multiplier,
                          &p->sys_decimal_value, &p->min_separate_numerator, &p->min_separate_denominator,
                          &p->trade_fee_numerator, &p->trade_fee_denominator, &p->pnl_numerator, &p->pnl_denominator,
                          &p->swap_fee_numerator, &p->swap_fee_denominator};
    for (int i = 0; i < 24; i++)
        *head[i] = mev_le64(d + 8 * i);
    p->need_take_pnl_coin = mev_le64(d + 192);
    p->need_take_pnl_pc = mev_le64(d + 200);
    p->total_pnl_pc = mev_le64(d + 208);
    p->total_pnl_coin = mev_le64(d + 216);
    p->pool_open_time = mev_le64(d + 224);
    p->orderbook_to_init_time = mev_le64(d + 248);
    uint8_t *keys[9] = {p->coin_vault, p->pc_vault, p->coin_mint, p->pc_mint, p->lp_mint, p->open_orders,
                        p->market, p->market_program, p->target_orders};
    for (int i = 0; i < 9; i++)
        memcpy(keys[i], d + 336 + 32 * i, 32);
    memcpy(p->amm_owner, d + 688, 32);
    p->lp_amount = mev_le64(d + 720);
    p->client_order_id = mev_le64(d + 728);
    p->recent_epoch = mev_le64(d + 736);
    return MEV_OK;
}

int mev_amm_v4_can_swap(const mev_amm_v4 *p) { return p->status == 1 || p->status == 6 || p->status == 7; }

int mev_amm_v4_reserves(const mev_amm_v4 *p, uint64_t coin_vault, uint64_t pc_vault, uint64_t *coin, uint64_t *pc)
{
    if (p->need_take_pnl_coin > coin_vault || p->need_take_pnl_pc > pc_vault)
        return MEV_EOVERFLOW; /* the program's CheckedSubOverflow */
    *coin = coin_vault - p->need_take_pnl_coin;
    *pc = pc_vault - p->need_take_pnl_pc;
    return MEV_OK;
}

static u128 ceil_div(u128 a, u128 b) { return a / b + (a % b != 0); }

int mev_amm_v4_swap_in(uint64_t fee_numerator, uint64_t fee_denominator, uint64_t reserve_in, uint64_t reserve_out,
                       uint64_t amount_in, mev_amm_v4_quote *q)
{
    /* the program's validate_fraction keeps numerator < denominator */
    if (q == NULL || fee_denominator == 0 || fee_numerator >= fee_denominator || amount_in == 0)
        return MEV_EINVAL;
    u128 fee = ceil_div((u128)amount_in * fee_numerator, fee_denominator);
    u128 after = amount_in - fee;
    if ((u128)reserve_in + after == 0)
        return MEV_EINVAL; /* the program's division by zero */
    u128 out = (u128)reserve_out * after / ((u128)reserve_in + after);
    if (out == 0 || out >= reserve_out)
        return MEV_EINVAL; /* InvalidInput, InsufficientFunds */
    q->amount_in = amount_in;
    q->amount_out = (uint64_t)out;
    q->fee = (uint64_t)fee;
    return MEV_OK;
}

int mev_amm_v4_quote_exact_in(const mev_amm_v4 *p, uint64_t reserve_in, uint64_t reserve_out, uint64_t amount_in,
                              mev_amm_v4_quote *q)
{
    if (p == NULL)
        return MEV_EINVAL;
    return mev_amm_v4_swap_in(p->swap_fee_numerator, p->swap_fee_denominator, reserve_in, reserve_out, amount_in, q);
}

int mev_amm_v4_quote_exact_out(const mev_amm_v4 *p, uint64_t reserve_in, uint64_t reserve_out, uint64_t amount_out,
                               mev_amm_v4_quote *q)
{
    if (p == NULL || q == NULL || p->swap_fee_denominator == 0 || p->swap_fee_numerator >= p->swap_fee_denominator ||
        amount_out == 0 || amount_out >= reserve_out)
        return MEV_EINVAL;
    u128 before = ceil_div((u128)reserve_in * amount_out, reserve_out - amount_out);
    if (before > UINT64_MAX)
        return MEV_EOVERFLOW; /* the fee on top cannot fit either */
    u128 in = ceil_div(before * p->swap_fee_denominator, p->swap_fee_denominator - p->swap_fee_numerator);
    if (in > UINT64_MAX)
        return MEV_EOVERFLOW;
    if (in == 0)
        return MEV_EINVAL;
    q->amount_in = (uint64_t)in;
    q->amount_out = amount_out;
    q->fee = (uint64_t)(in - before);
    return MEV_OK;
}
