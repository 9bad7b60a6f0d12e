/* Concentrated-liquidity math in Q64.64, integer for integer as Orca's Whirlpool program computes
 * it (orca-so/whirlpools at 630c0e0: programs/whirlpool/src/math/tick_math.rs, token_math.rs,
 * u256_math.rs; the same arithmetic as rust-sdk/core/src/math/tick.rs and token.rs, which
 * @orca-so/whirlpools-core compiles to WebAssembly). Sqrt prices are √(token B per token A) × 2^64.
 *
 * The tick ↔ sqrt-price conversion uses the programs' published constants: √1.0001^(2^k) in Q96
 * for positive ticks and its inverse in Q64 for negative ones, multiplied in for each bit of the
 * tick's magnitude; the inverse takes log2 by repeated squaring (14 bits), changes base with
 * log_√1.0001(2) in Q32, and settles between the two candidate ticks. */
#ifndef MEV_DEX_CLMM_H
#define MEV_DEX_CLMM_H

#include <stdint.h>

#include "wide.h"

/* a / b rounded toward minus infinity (b > 0): the tick array or group an index falls in */
static inline int32_t mev_floor_div(int32_t a, int32_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

#define MEV_CLMM_MIN_TICK (-443636)
#define MEV_CLMM_MAX_TICK 443636
/* tick_index_to_sqrt_price(MIN_TICK) and (MAX_TICK) */
#define MEV_CLMM_MIN_SQRT_PRICE ((mev_u128)4295048016ull)
#define MEV_CLMM_MAX_SQRT_PRICE (((mev_u128)4294886577ull << 64) | (mev_u128)0x35BB7F32A81B33AFull)

/* MEV_EINVAL for a tick outside [MIN_TICK, MAX_TICK] or a price outside [MIN, MAX]. */
int mev_clmm_sqrt_price_at_tick(int32_t tick, mev_u128 *sqrt_price);
int mev_clmm_tick_at_sqrt_price(mev_u128 sqrt_price, int32_t *tick);
/* The two candidate ticks the programs' log estimate gives for a sqrt price (taking log2 by
 * `precision` repeated squarings: Whirlpool 14, Raydium CLMM 16); the caller settles between them
 * with its own tick → price. The price must be nonzero. */
void mev_clmm_tick_candidates(mev_u128 sqrt_price, int precision, int32_t *low, int32_t *high);

/* Token A between two sqrt prices: L × (upper − lower) × 2^64 / (upper × lower), rounded up on
 * request; token B: L × (upper − lower) / 2^64. MEV_EOVERFLOW past u64. */
int mev_clmm_amount_delta_a(mev_u128 sqrt_price_0, mev_u128 sqrt_price_1, mev_u128 liquidity, int round_up,
                            uint64_t *amount);
int mev_clmm_amount_delta_b(mev_u128 sqrt_price_0, mev_u128 sqrt_price_1, mev_u128 liquidity, int round_up,
                            uint64_t *amount);

/* The sqrt price after `amount` of token A (rounded up) or token B (rounded down) comes in
 * (`input`) or goes out. MEV_EINVAL when the result leaves [MIN, MAX] or the pool cannot give it. */
int mev_clmm_next_sqrt_price_from_a(mev_u128 sqrt_price, mev_u128 liquidity, uint64_t amount, int input,
                                    mev_u128 *next);
int mev_clmm_next_sqrt_price_from_b(mev_u128 sqrt_price, mev_u128 liquidity, uint64_t amount, int input,
                                    mev_u128 *next);

#endif
