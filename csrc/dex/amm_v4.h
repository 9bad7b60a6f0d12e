/* Raydium AMM v4 (raydium-amm, program 675kPX9MHTjS2zt1qfr1NYHuzeLXfQM9H24wFSUt1Mp8): the AmmInfo
 * account and exact quotes, integer for integer what the program computes.
 *
 * Layout (program/src/state.rs at 27f461d, `AmmInfo`, repr(C, packed), 752 bytes, no
 * discriminator: the program checks the size): 16 u64 from 0 (status, nonce, order_num, depth,
 * coin_decimals, pc_decimals, state, reset_flag, min_size, vol_max_cut_ratio, amount_wave,
 * coin_lot_size, pc_lot_size, min_price_multiplier, max_price_multiplier, sys_decimal_value),
 * Fees, 8 u64 from 128 (min_separate, trade_fee, pnl, swap_fee: numerator then denominator),
 * StateData from 192 (need_take_pnl_coin, need_take_pnl_pc, total_pnl_pc, total_pnl_coin,
 * pool_open_time, 2 × padding, orderbook_to_init_time, then swap statistics in u128 and u64 to
 * 336), coin_vault, pc_vault, coin_vault_mint, pc_vault_mint, lp_mint, open_orders, market,
 * market_program, target_orders (9 × 32 from 336), 8 × u64 padding, amm_owner (688), lp_amount
 * (720), client_order_id, recent_epoch, padding.
 * Quotes (program/src/processor.rs process_swap_base_in_v2 / _out_v2, math.rs): reserves are the
 * vaults less need_take_pnl; exact in: fee = ceil(in × swap_fee_numerator / denominator),
 * out = floor(reserve_out × (in − fee) / (reserve_in + in − fee)); exact out: before =
 * ceil(reserve_in × out / (reserve_out − out)), in = ceil(before × denominator / (denominator −
 * numerator)). */
#ifndef MEV_DEX_AMM_V4_H
#define MEV_DEX_AMM_V4_H

#include <stddef.h>
#include <stdint.h>

#define MEV_AMM_V4_LEN 752

typedef struct {
    uint64_t status, nonce, order_num, depth, coin_decimals, pc_decimals, state, reset_flag, min_size;
    uint64_t vol_max_cut_ratio, amount_wave, coin_lot_size, pc_lot_size, min_price_multiplier, max_price_multiplier;
    uint64_t sys_decimal_value;
    uint64_t min_separate_numerator, min_separate_denominator, trade_fee_numerator, trade_fee_denominator;
    uint64_t pnl_numerator, pnl_denominator, swap_fee_numerator, swap_fee_denominator;
    uint64_t need_take_pnl_coin, need_take_pnl_pc, total_pnl_pc, total_pnl_coin, pool_open_time;
    uint64_t orderbook_to_init_time, lp_amount, client_order_id, recent_epoch;
    uint8_t coin_vault[32], pc_vault[32], coin_mint[32], pc_mint[32], lp_mint[32], open_orders[32], market[32];
    uint8_t market_program[32], target_orders[32], amm_owner[32];
} mev_amm_v4;

typedef struct {
    uint64_t amount_in, amount_out, fee; /* the fee is in the input token */
} mev_amm_v4_quote;

/* MEV_ELAYOUT for a size other than 752 or a status the program does not know (past 7). */
int mev_amm_v4_decode(const uint8_t *data, size_t len, mev_amm_v4 *out);
/* 1 when the status lets the pool swap (Initialized, SwapOnly, WaitingTrade once open). */
int mev_amm_v4_can_swap(const mev_amm_v4 *p);
/* The reserves the program prices with: the vaults less need_take_pnl (MEV_EOVERFLOW past a vault). */
int mev_amm_v4_reserves(const mev_amm_v4 *p, uint64_t coin_vault, uint64_t pc_vault, uint64_t *coin, uint64_t *pc);
/* swap_base_in_v2 / swap_base_out_v2 on reserves (in, out): MEV_EINVAL where the program fails the
 * swap (zero amounts or output, an output not below its reserve, a fee fraction it refuses),
 * MEV_EOVERFLOW past u64. */
int mev_amm_v4_swap_in(uint64_t fee_numerator, uint64_t fee_denominator, uint64_t reserve_in, uint64_t reserve_out,
                       uint64_t amount_in, mev_amm_v4_quote *q);
int mev_amm_v4_quote_exact_in(const mev_amm_v4 *p, uint64_t reserve_in, uint64_t reserve_out, uint64_t amount_in,
                              mev_amm_v4_quote *q);
int mev_amm_v4_quote_exact_out(const mev_amm_v4 *p, uint64_t reserve_in, uint64_t reserve_out, uint64_t amount_out,
                               mev_amm_v4_quote *q);

#endif
