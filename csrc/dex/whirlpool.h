/* Orca Whirlpool (program whirLbMiicVdio4qvUfM5KAg6Ct8VwpYzGff3uctyCc): the pool and tick-array
 * accounts, and exact swap quotes across ticks, as the program and its core SDK compute them.
 *
 * Layouts (orca-so/whirlpools at 630c0e0, programs/whirlpool/src/state/): Whirlpool, 653 bytes:
 *   whirlpools_config (8), whirlpool_bump (40), tick_spacing u16 (41), fee_tier_index_seed (43),
 *   fee_rate u16 (45), protocol_fee_rate u16 (47), liquidity u128 (49), sqrt_price u128 (65),
 *   tick_current_index i32 (81), protocol_fee_owed_a/b u64 (85, 93), token_mint_a (101),
 *   token_vault_a (133), fee_growth_global_a u128 (165), token_mint_b (181), token_vault_b (213),
 *   fee_growth_global_b u128 (245), reward_last_updated_timestamp (261), 3 reward infos (269).
 *   TickArray (fixed), 9,988 bytes: start_tick_index i32 (8), 88 ticks of 113 bytes from 12
 *   (initialized bool, liquidity_net i128, liquidity_gross u128, fee growths, rewards), whirlpool.
 *   DynamicTickArray, 148 to 9,988 bytes: start_tick_index (8), whirlpool (12), tick_bitmap u128
 *   (44), then 88 ticks from 60, each a tag byte (0 uninitialized, 1 initialized) and, when
 *   initialized, the 112 bytes of a tick without its bool.
 * Quotes (rust-sdk/core/src/quote/swap.rs compute_swap, the program's swap_manager.rs): step from
 * initialized tick to initialized tick within the tick arrays given, each step the program's
 * compute_swap (math/swap_math.rs) at the pool's fee rate, or for a pool with an adaptive fee
 * (its fee_tier_index differs from its tick spacing) at the static rate plus the adaptive one
 * its Oracle account drives (rust-sdk/core/src/math/adaptive_fee.rs FeeRateManager, the program's
 * manager/fee_rate_manager.rs): a volatility accumulator over tick groups, the swap stepping one
 * tick group at a time inside the core range.
 *   Oracle, 254 bytes: whirlpool (8), trade_enable_timestamp u64 (40), AdaptiveFeeConstants (48:
 *   filter_period u16, decay_period u16, reduction_factor u16, adaptive_fee_control_factor u32
 *   (54), max_volatility_accumulator u32 (58), tick_group_size u16 (62),
 *   major_swap_threshold_ticks u16 (64)), AdaptiveFeeVariables (82: last_reference_update_timestamp
 *   u64, last_major_swap_timestamp u64 (90), volatility_reference u32 (98),
 *   tick_group_index_reference i32 (102), volatility_accumulator u32 (106)). */
#ifndef MEV_DEX_WHIRLPOOL_H
#define MEV_DEX_WHIRLPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "clmm.h"

#define MEV_WP_POOL_LEN 653
#define MEV_WP_ORACLE_LEN 254
#define MEV_WP_TICKS 88
#define MEV_WP_MAX_ARRAYS 5

#define MEV_WP_REWARDS 3

typedef struct {
    uint8_t config[32], mint_a[32], vault_a[32], mint_b[32], vault_b[32];
    mev_u128 liquidity, sqrt_price, fee_growth_a, fee_growth_b;
    mev_u128 reward_emissions[MEV_WP_REWARDS], reward_growth[MEV_WP_REWARDS]; /* per second, and global (Q64.64) */
    uint64_t protocol_fee_owed_a, protocol_fee_owed_b, reward_last_updated;
    int32_t tick_current;
    uint16_t tick_spacing, fee_tier_index, fee_rate, protocol_fee_rate;
    uint8_t bump;
    uint8_t reward_initialized[MEV_WP_REWARDS]; /* the reward's mint is set */
} mev_wp_pool;

typedef struct {
    uint8_t whirlpool[32];
    uint64_t trade_enable_timestamp;
    uint16_t filter_period, decay_period, reduction_factor, tick_group_size, major_swap_threshold_ticks;
    uint32_t adaptive_fee_control_factor, max_volatility_accumulator;
    uint64_t last_reference_update_timestamp, last_major_swap_timestamp;
    uint32_t volatility_reference, volatility_accumulator;
    int32_t tick_group_index_reference;
} mev_wp_oracle;

typedef struct {
    int32_t start;                                  /* start_tick_index */
    uint8_t initialized[MEV_WP_TICKS];
    __int128 liquidity_net[MEV_WP_TICKS];
    mev_u128 fee_growth_outside_a[MEV_WP_TICKS], fee_growth_outside_b[MEV_WP_TICKS];
    mev_u128 reward_growths_outside[MEV_WP_TICKS][MEV_WP_REWARDS];
    uint8_t whirlpool[32];
    uint8_t dynamic;                                /* a DynamicTickArray */
} mev_wp_ticks;

typedef struct {
    uint64_t amount_in, amount_out, fee;             /* fee: in the input token, within amount_in */
    uint64_t protocol_fee;                           /* the protocol's part of it */
    mev_u128 sqrt_price, liquidity;                  /* after the swap */
    mev_u128 fee_growth;                             /* the input token's fee_growth_global after
                                                        (mev_wp_swap_apply only; a quote leaves it 0) */
    int32_t tick;
    uint32_t steps;                                  /* swap steps (ticks crossed + 1) */
} mev_wp_swap;

int mev_wp_pool_decode(const uint8_t *data, size_t len, mev_wp_pool *out);
int mev_wp_oracle_decode(const uint8_t *data, size_t len, mev_wp_oracle *out);
/* Either layout of tick array (fixed or dynamic), by discriminator. */
int mev_wp_ticks_decode(const uint8_t *data, size_t len, mev_wp_ticks *out);
/* A swap of `amount` (exact in, or exact out) through the tick arrays given (any order; they
 * must be consecutive, MEV_WP_TICKS × tick_spacing apart). MEV_EINVAL where the core SDK refuses:
 * a zero amount, tick arrays that do not cover the swap or are not evenly spaced, an adaptive-fee
 * pool; MEV_EOVERFLOW past u64. */
int mev_wp_quote(const mev_wp_pool *pool, const mev_wp_ticks *const *arrays, size_t n_arrays, uint64_t amount,
                 int a_to_b, int exact_in, mev_wp_swap *q);
/* The same for a pool with an adaptive fee, given its oracle and the block time (unix seconds):
 * MEV_EINVAL before the oracle's trade_enable_timestamp or before its last update. A static-fee
 * pool ignores the oracle. sqrt_price_limit 0: none (NO_EXPLICIT_SQRT_PRICE_LIMIT: an exact-out
 * swap must fill); else the swap stops there, and MEV_EINVAL for a limit out of bounds or on the
 * wrong side of the price (SqrtPriceOutOfBounds, InvalidSqrtPriceLimitDirection). */
int mev_wp_quote_at(const mev_wp_pool *pool, const mev_wp_oracle *oracle, uint64_t timestamp,
                    const mev_wp_ticks *const *arrays,
                    size_t n_arrays, uint64_t amount, int a_to_b, int exact_in, mev_u128 sqrt_price_limit, mev_wp_swap *q);

/* The same swap executed as swap_v2 leaves the accounts (manager/swap_manager.rs swap,
 * Whirlpool::update_after_swap): the pool's price, tick, liquidity, the input token's fee growth
 * and protocol fee owed, the rewards' growth to `timestamp` and their last update time; on the
 * ticks crossed, fee and reward growth outside flipped against the globals; with an adaptive fee,
 * the oracle's variables (references, accumulator, the last major swap's time). MEV_EINVAL also
 * for a timestamp before the rewards' last update. On an error the structs are left part-way:
 * apply to copies. */
int mev_wp_swap_apply(mev_wp_pool *pool, mev_wp_oracle *oracle, uint64_t timestamp, mev_wp_ticks *const *arrays,
                      size_t n_arrays, uint64_t amount, int a_to_b, int exact_in, mev_u128 sqrt_price_limit,
                      mev_wp_swap *q);

/* Write back into an account's bytes (already that layout, of the same kind of tick array:
 * MEV_ELAYOUT otherwise) the fields mev_wp_swap_apply changes, leaving every other byte as it was. */
int mev_wp_pool_store(const mev_wp_pool *pool, uint8_t *data, size_t len);
int mev_wp_oracle_store(const mev_wp_oracle *oracle, uint8_t *data, size_t len);
int mev_wp_ticks_store(const mev_wp_ticks *ticks, uint8_t *data, size_t len);

#endif
