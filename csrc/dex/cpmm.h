/* Raydium CPMM (raydium-cp-swap, program CPMMoo8L3F4NbTegBCKVNunggL7H1ZpdTHKxQB5qKP1C): the pool
 * and config accounts, and exact quotes, integer for integer what the program computes.
 *
 * Layouts (programs/cp-swap/src/states/pool.rs and config.rs; Anchor accounts: an 8-byte
 * discriminator, sha256("account:PoolState") / ("account:AmmConfig"), then the fields packed):
 *   PoolState, 637 bytes: amm_config, pool_creator, token_0_vault, token_1_vault, lp_mint,
 *     token_0_mint, token_1_mint, token_0_program, token_1_program, observation_key (10 × 32 from
 *     8), auth_bump, status, lp_mint_decimals, mint_0_decimals, mint_1_decimals (328..332),
 *     lp_supply, protocol_fees_token_0/1, fund_fees_token_0/1, open_time, recent_epoch (u64 from
 *     333), creator_fee_on u8 (389), enable_creator_fee (390), 6 bytes padding,
 *     creator_fees_token_0/1 (u64 from 397), 28 × u64 padding.
 *   AmmConfig, 236 bytes: bump, disable_create_pool, index u16, trade_fee_rate, protocol_fee_rate,
 *     fund_fee_rate, create_pool_fee (u64 from 12), protocol_owner, fund_owner, creator_fee_rate
 *     (u64 at 108), 15 × u64 padding.
 * Quotes (curve/calculator.rs, curve/fees.rs, states/pool.rs): reserves are the vaults less the
 * protocol, fund and creator fees they hold; rates are per 1,000,000; the creator fee counts only
 * when enabled, and is taken from the input when creator_fee_on is BothToken, or OnlyToken0 with
 * token 0 in, or OnlyToken1 with token 1 in, else from the output. Transfer fees (Token-2022) are
 * the caller's: amounts here are what reaches and leaves the vaults. */
#ifndef MEV_DEX_CPMM_H
#define MEV_DEX_CPMM_H

#include <stddef.h>
#include <stdint.h>

#define MEV_CPMM_POOL_LEN 637
#define MEV_CPMM_CONFIG_LEN 236
#define MEV_CPMM_FEE_DENOMINATOR 1000000u

typedef struct {
    uint8_t amm_config[32], pool_creator[32], token_0_vault[32], token_1_vault[32], lp_mint[32];
    uint8_t token_0_mint[32], token_1_mint[32], token_0_program[32], token_1_program[32], observation[32];
    uint8_t auth_bump, status, lp_mint_decimals, mint_0_decimals, mint_1_decimals;
    uint8_t creator_fee_on, enable_creator_fee;
    uint64_t lp_supply, protocol_fees_0, protocol_fees_1, fund_fees_0, fund_fees_1, open_time, recent_epoch;
    uint64_t creator_fees_0, creator_fees_1;
} mev_cpmm_pool;

typedef struct {
    uint64_t trade_fee_rate, protocol_fee_rate, fund_fee_rate, create_pool_fee, creator_fee_rate;
    uint16_t index;
    uint8_t disable_create_pool;
} mev_cpmm_config;

typedef struct {
    uint64_t amount_in;      /* into the input vault (after the input's transfer fee) */
    uint64_t amount_out;     /* out of the output vault (before the output's transfer fee) */
    uint64_t trade_fee, protocol_fee, fund_fee, creator_fee;
    uint8_t creator_fee_on_input;
} mev_cpmm_quote;

int mev_cpmm_pool_decode(const uint8_t *data, size_t len, mev_cpmm_pool *out);
int mev_cpmm_config_decode(const uint8_t *data, size_t len, mev_cpmm_config *out);

/* The pool's reserves: its vaults' balances less the fees they hold (MEV_EOVERFLOW when the
 * fees exceed a vault, as the program's InsufficientVault). */
int mev_cpmm_reserves(const mev_cpmm_pool *p, uint64_t vault_0, uint64_t vault_1, uint64_t *r0, uint64_t *r1);

/* swap_base_input: `amount_in` reaches the input vault; MEV_EINVAL for empty reserves or fee rates
 * past the denominator, MEV_EOVERFLOW when a result does not fit a u64. */
int mev_cpmm_quote_exact_in(const mev_cpmm_pool *p, const mev_cpmm_config *c, int zero_for_one, uint64_t reserve_in,
                            uint64_t reserve_out, uint64_t amount_in, mev_cpmm_quote *q);
/* swap_base_input from the rates alone (the arbitrage graph's edges): `creator_rate` is zero
 * unless the pool enables the creator fee; MEV_EINVAL for rates past the denominator or an empty
 * reserve. */
int mev_cpmm_swap_in(uint64_t trade_rate, uint64_t creator_rate, int creator_on_input, uint64_t reserve_in,
                     uint64_t reserve_out, uint64_t amount_in, uint64_t *amount_out);
/* swap_base_output: `amount_out` leaves the output vault; MEV_EINVAL when it is zero or not below
 * the output reserve. */
int mev_cpmm_quote_exact_out(const mev_cpmm_pool *p, const mev_cpmm_config *c, int zero_for_one, uint64_t reserve_in,
                             uint64_t reserve_out, uint64_t amount_out, mev_cpmm_quote *q);

#endif
