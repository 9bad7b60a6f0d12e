/* Raydium concentrated liquidity (program CAMMCzo5YL8w4VFF8KVHrK22GGUsp5VTaW7grrKgrWqK): the pool,
 * config, tick-array and tick-array-bitmap-extension accounts, and exact swap quotes across ticks,
 * with the dynamic fee and the limit orders resting on ticks, as the program computes them.
 *
 * Source: raydium-io/raydium-clmm at 03b44b7, programs/amm/src/. Layouts (states/, packed,
 * offsets after the 8-byte Anchor discriminator):
 *   PoolState, 1,544 bytes: bump (8), amm_config (9), owner (41), token_mint_0/1 (73, 105),
 *     token_vault_0/1 (137, 169), observation_key (201), mint_decimals_0/1 (233, 234),
 *     tick_spacing u16 (235), liquidity u128 (237), sqrt_price_x64 u128 (253), tick_current i32
 *     (269), fee_growth_global_0/1 u128 (277, 293), protocol_fees_token_0/1 u64 (309, 317),
 *     status u8 (389; bit 4 set: swaps disabled), fee_on u8 (390; 0 fee from the input token,
 *     1 always token 0, 2 always token 1), 3 reward infos (397), tick_array_bitmap [u64; 16] (904),
 *     fund_fees_token_0/1 (1064, 1072), open_time (1080), recent_epoch (1088), dynamic_fee_info
 *     (1096, 80 bytes: filter_period u16, decay_period u16, reduction_factor u16,
 *     dynamic_fee_control u32, max_volatility_accumulator u32, tick_spacing_index_reference i32,
 *     volatility_reference u32, volatility_accumulator u32, last_update_timestamp u64; all zero:
 *     no dynamic fee).
 *   AmmConfig, 117 bytes: bump (8), index u16 (9), owner (11), protocol_fee_rate u32 (43),
 *     trade_fee_rate u32 (47), tick_spacing u16 (51), fund_fee_rate u32 (53), fund_owner (61).
 *   TickArrayState, 10,240 bytes: pool_id (8), start_tick_index i32 (40), 60 ticks of 168 bytes
 *     from 44 (tick i32, liquidity_net i128 (+4), liquidity_gross u128 (+20), fee growths and
 *     rewards, order_phase u64 (+116), orders_amount u64 (+124), part_filled_orders_remaining u64
 *     (+132), unfilled_ratio_x64 (+140)), initialized_tick_count u8 (10124).
 *   TickArrayBitmapExtension, 1,832 bytes: pool_id (8), positive bitmaps [[u64; 8]; 14] (40),
 *     negative (936).
 * Quotes: instructions/swap.rs swap_internal, libraries/swap_math.rs compute_swap, tick_math.rs,
 * sqrt_price_math.rs, liquidity_math.rs, states/pool_fee.rs (dynamic fee), states/tick_array.rs
 * (limit-order matching), and swap_v2.rs's checks around it. */
#ifndef MEV_DEX_RAYDIUM_CLMM_H
#define MEV_DEX_RAYDIUM_CLMM_H

#include <stddef.h>
#include <stdint.h>

#include "wide.h"

#define MEV_RCL_POOL_LEN 1544
#define MEV_RCL_CONFIG_LEN 117
#define MEV_RCL_TICK_ARRAY_LEN 10240
#define MEV_RCL_BITMAP_EXTENSION_LEN 1832
#define MEV_RCL_TICKS 60
#define MEV_RCL_MIN_TICK (-443636)
#define MEV_RCL_MAX_TICK 443636
#define MEV_RCL_MIN_SQRT_PRICE ((mev_u128)4295048016ull)
/* 79226673521066979257578248091 */
#define MEV_RCL_MAX_SQRT_PRICE (((mev_u128)0xfffec4b1ull << 64) | (mev_u128)0x845c1aa94e69579bull)
#define MEV_RCL_NO_ARRAY INT32_MIN

typedef struct {
    uint16_t filter_period, decay_period, reduction_factor;
    uint32_t dynamic_fee_control, max_volatility_accumulator;
    int32_t tick_spacing_index_reference;
    uint32_t volatility_reference, volatility_accumulator;
    uint64_t last_update_timestamp;
} mev_rcl_dynamic_fee;

typedef struct {
    uint8_t amm_config[32], owner[32], mint_0[32], mint_1[32], vault_0[32], vault_1[32], observation[32];
    mev_u128 liquidity, sqrt_price, fee_growth_0, fee_growth_1;
    uint64_t protocol_fees_0, protocol_fees_1, fund_fees_0, fund_fees_1, open_time, recent_epoch;
    uint64_t tick_array_bitmap[16];
    mev_rcl_dynamic_fee dynamic_fee;
    int32_t tick_current;
    uint16_t tick_spacing;
    uint8_t bump, decimals_0, decimals_1, status, fee_on, has_dynamic_fee;
    uint8_t rewards_initialized; /* a reward info's state is not Uninitialized */
} mev_rcl_pool;

typedef struct {
    uint32_t protocol_fee_rate, trade_fee_rate, fund_fee_rate;
    uint16_t index, tick_spacing;
} mev_rcl_config;

typedef struct {
    int32_t start;
    uint8_t pool[32];
    uint8_t initialized_count;
    int32_t tick[MEV_RCL_TICKS];
    __int128 liquidity_net[MEV_RCL_TICKS];
    mev_u128 liquidity_gross[MEV_RCL_TICKS];
    uint64_t orders_amount[MEV_RCL_TICKS], part_filled_remaining[MEV_RCL_TICKS], order_phase[MEV_RCL_TICKS];
    mev_u128 unfilled_ratio[MEV_RCL_TICKS], fee_growth_outside_0[MEV_RCL_TICKS], fee_growth_outside_1[MEV_RCL_TICKS];
} mev_rcl_ticks;

typedef struct {
    uint8_t pool[32];
    uint64_t positive[14][8], negative[14][8];
} mev_rcl_bitmap_extension;

typedef struct {
    uint64_t amount_in, amount_out, fee;  /* fee: the trade fee (LP + protocol + fund), in the token
                                             the pool's fee_on names, within amount_in or before
                                             amount_out */
    uint64_t protocol_fee, fund_fee;      /* their shares of it (the protocol also takes the fee of
                                             steps without liquidity) */
    uint64_t limit_order_in, limit_order_out; /* the part of the swap filled by limit orders */
    mev_u128 sqrt_price, liquidity;       /* after the swap */
    mev_u128 fee_growth;                  /* fee_growth_global of the fee token after the swap
                                             (mev_rcl_swap_apply only; a quote leaves it 0) */
    int32_t tick;
    uint32_t steps;                       /* swap steps taken */
    int32_t missing_array;                /* a tick array the swap needs and was not given, else
                                             MEV_RCL_NO_ARRAY */
    uint8_t fee_on_input;
} mev_rcl_swap;

int mev_rcl_pool_decode(const uint8_t *data, size_t len, mev_rcl_pool *out);
int mev_rcl_config_decode(const uint8_t *data, size_t len, mev_rcl_config *out);
int mev_rcl_ticks_decode(const uint8_t *data, size_t len, mev_rcl_ticks *out);
int mev_rcl_bitmap_extension_decode(const uint8_t *data, size_t len, mev_rcl_bitmap_extension *out);

int mev_rcl_sqrt_price_at_tick(int32_t tick, mev_u128 *sqrt_price);
int mev_rcl_tick_at_sqrt_price(mev_u128 sqrt_price, int32_t *tick);
/* The start of the tick array holding `tick`. */
int32_t mev_rcl_array_start(int32_t tick, uint16_t tick_spacing);
/* Whether the pool's bitmaps mark the tick array starting at `start` initialized: 1 or 0, or
 * MEV_EINVAL when it lies outside the pool's own bitmap and no extension is given. */
int mev_rcl_array_initialized(const mev_rcl_pool *pool, const mev_rcl_bitmap_extension *ext, int32_t start);

/* A swap of `amount` (exact in, or exact out), zero_for_one selling token 0, through the tick
 * arrays given (any order), at block time `now` (the dynamic fee's clock). sqrt_price_limit 0:
 * the whole amount must fill, as swap_v2 requires without a limit. MEV_EINVAL where the program
 * fails: a zero amount, swaps disabled, a limit on the wrong side, liquidity running out, an
 * amount that moves nothing, a tick array not given (q->missing_array names it) or the bitmap
 * extension needed and not given; MEV_EOVERFLOW where the program's checked arithmetic fails. */
int mev_rcl_quote(const mev_rcl_pool *pool, const mev_rcl_config *config, const mev_rcl_bitmap_extension *ext,
                  const mev_rcl_ticks *const *arrays, size_t n_arrays, uint64_t amount, int zero_for_one,
                  int exact_in, mev_u128 sqrt_price_limit, uint64_t now, mev_rcl_swap *q);

/* The same swap executed as swap_v2 leaves the accounts (swap.rs swap_internal, update_after_swap):
 * the pool's price, tick, liquidity, fee growth, protocol and fund fee counters and dynamic-fee
 * variables; on the ticks, fee growth outside flipped where liquidity crosses and the limit-order
 * cohort state (orders, part-filled remainder, unfilled ratio, phase) where orders fill; a tick
 * left uninitialized lowers its array's count, and an array left empty clears its bitmap bit (the
 * pool's or the extension's). Not modelled, so refused (MEV_EINVAL): pools with an initialized
 * reward (their reward growth accrues with time). The observation account is not written. On an
 * error the structs are left part-way: apply to copies. */
int mev_rcl_swap_apply(mev_rcl_pool *pool, const mev_rcl_config *config, mev_rcl_bitmap_extension *ext,
                       mev_rcl_ticks *const *arrays, size_t n_arrays, uint64_t amount, int zero_for_one,
                       int exact_in, mev_u128 sqrt_price_limit, uint64_t now, mev_rcl_swap *q);

/* Write back into an account's bytes (already that layout: MEV_ELAYOUT otherwise) the fields
 * mev_rcl_swap_apply changes, leaving every other byte as it was. */
int mev_rcl_pool_store(const mev_rcl_pool *pool, uint8_t *data, size_t len);
int mev_rcl_ticks_store(const mev_rcl_ticks *ticks, uint8_t *data, size_t len);
int mev_rcl_bitmap_extension_store(const mev_rcl_bitmap_extension *ext, uint8_t *data, size_t len);

#endif
