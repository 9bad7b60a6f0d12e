/* Pump.fun AMM (pump-swap, program pAMMBay6oceH9fJKBRHGP5D4bD4sWpmSwMn52FMfXEA) and its fee
 * schedule (pump-fees, pfeeUxB6jkeY1Hxd7CsFCAjcbHA9rWtchMGdZ6VojVZ): the accounts, and exact quotes.
 *
 * The program's source is not published; the facts are from its IDL and the arithmetic of its
 * official SDK, @pump-fun/pump-swap-sdk 1.20.0 (src/idl/pump_amm.json, src/sdk/buy.ts, sell.ts,
 * fees.ts, util.ts, offlinePumpAmm.ts), which names the Rust functions it mirrors.
 *
 * Layouts (Anchor accounts: an 8-byte discriminator, then borsh fields packed):
 *   Pool, 270 bytes now: pool_bump u8 (8), index u16 (9), creator, base_mint, quote_mint, lp_mint,
 *     pool_base_token_account, pool_quote_token_account (6 × 32 from 11), lp_supply u64 (203),
 *     coin_creator (211), is_mayhem_mode (243), is_cashback_coin (244), virtual_quote_reserves
 *     i128 (245), creator_fee_bps u64 (261), can_edit_creator_fee (269). Older pools are 211, 243,
 *     244, 245 or 261 bytes and lack the trailing fields (zero / false); extended pools are 300+.
 *   GlobalConfig, 949 bytes now (older 907, 940): admin, lp_fee_basis_points u64 (40),
 *     protocol_fee_basis_points u64 (48), disable_flags u8 (56), protocol_fee_recipients 8 × 32
 *     (57), coin_creator_fee_basis_points u64 (313), admin_set_coin_creator_authority (321),
 *     whitelist_pda (353), reserved_fee_recipient (385), mayhem_mode_enabled (417),
 *     reserved_fee_recipients 7 × 32 (418), is_cashback_enabled (642), buyback_fee_recipients 8 × 32
 *     (643), buyback_basis_points u64 (899), boost_authority (907), boost_enabled (939),
 *     creator_fee_configurable (940), max_configurable_creator_fee_bps u64 (941).
 *   FeeConfig (pump-fees), versioned by length: bump (8), admin (9), flat_fees (41: lp, protocol,
 *     creator bps as u64), fee_tiers Vec<FeeTier> (65; FeeTier = u128 market-cap threshold in
 *     lamports + Fees), then from 4,073 bytes stable_fee_tiers, from 4,097 exotic_flat_fees. */
#ifndef MEV_DEX_PUMP_AMM_H
#define MEV_DEX_PUMP_AMM_H

#include <stddef.h>
#include <stdint.h>

#define MEV_PUMP_POOL_LEN 270
#define MEV_PUMP_GLOBAL_LEN 949
#define MEV_PUMP_FEE_CONFIG_MIN_LEN 2512
#define MEV_PUMP_MAX_TIERS 64
#define MEV_PUMP_BPS 10000u
/* pump-amm TOTAL_TOKEN_SUPPLY: mayhem-mode pools' market-cap basis instead of the mint's supply */
#define MEV_PUMP_MAYHEM_SUPPLY 1000000000000000ull

typedef struct {
    uint8_t creator[32], base_mint[32], quote_mint[32], lp_mint[32], pool_base[32], pool_quote[32];
    uint8_t coin_creator[32];
    uint64_t lp_supply, creator_fee_bps;
    __int128 virtual_quote_reserves;
    uint16_t index;
    uint8_t pool_bump, is_mayhem_mode, is_cashback_coin, can_edit_creator_fee;
} mev_pump_pool;

typedef struct {
    uint8_t admin[32], protocol_fee_recipients[8][32], buyback_fee_recipients[8][32];
    uint8_t reserved_fee_recipient[32], reserved_fee_recipients[7][32];
    uint64_t lp_fee_bps, protocol_fee_bps, coin_creator_fee_bps, buyback_bps, max_configurable_creator_fee_bps;
    uint8_t disable_flags, mayhem_mode_enabled, is_cashback_enabled, boost_enabled, creator_fee_configurable;
} mev_pump_global;

typedef struct {
    uint64_t lp, protocol, creator; /* basis points */
} mev_pump_fees;

typedef struct {
    unsigned __int128 threshold; /* market cap in lamports from which the tier applies */
    mev_pump_fees fees;
} mev_pump_tier;

typedef struct {
    mev_pump_fees flat, exotic;
    mev_pump_tier tiers[MEV_PUMP_MAX_TIERS], stable[MEV_PUMP_MAX_TIERS];
    uint32_t n_tiers, n_stable;
} mev_pump_fee_config;

/* Which of the fee config's schedules a pool pays (pump-fees FeeConfig::fees_for_quote_mint). */
enum { MEV_PUMP_FLAT = 0, MEV_PUMP_SOL_TIERS = 1, MEV_PUMP_STABLE_TIERS = 2, MEV_PUMP_EXOTIC = 3 };

/* The four trades: which amount is exact. */
enum { MEV_PUMP_BUY_BASE_OUT = 0, MEV_PUMP_BUY_QUOTE_IN = 1, MEV_PUMP_SELL_BASE_IN = 2, MEV_PUMP_SELL_QUOTE_OUT = 3 };

typedef struct {
    uint64_t base;     /* base bought (out) or sold (in) */
    uint64_t quote;    /* quote paid (in, fees included) or received (out, fees taken) */
    uint64_t swapped;  /* the quote amount the curve itself moves, before fees */
    uint64_t lp_fee, protocol_fee, creator_fee;
} mev_pump_quote;

int mev_pump_pool_decode(const uint8_t *data, size_t len, mev_pump_pool *out);
int mev_pump_global_decode(const uint8_t *data, size_t len, mev_pump_global *out);
int mev_pump_fee_config_decode(const uint8_t *data, size_t len, mev_pump_fee_config *out);

/* The fees a trade pays: without a fee config the global config's; with one, the schedule's fee
 * for the pool's market cap (effective quote reserve × supply / base reserve), the pool's own
 * creator rate replacing the schedule's where the global config allows it; no creator fee when
 * the pool has no coin creator. MEV_EINVAL for an empty base reserve or an empty tier list. */
int mev_pump_fees_for(const mev_pump_global *g, const mev_pump_fee_config *fc, int schedule, const mev_pump_pool *p,
                      uint64_t base_mint_supply, uint64_t base_reserve, uint64_t quote_reserve, mev_pump_fees *out);

/* One trade on reserves `base_reserve` / `quote_reserve` (the vaults' balances; the pool's
 * virtual quote reserves are added where the program adds them). MEV_EINVAL where the SDK throws
 * (empty reserves, more than the pool holds, nothing left after fees), MEV_EOVERFLOW past u64. */
int mev_pump_quote_trade(int kind, const mev_pump_fees *f, __int128 virtual_quote, uint64_t base_reserve,
                         uint64_t quote_reserve, uint64_t amount, mev_pump_quote *q);

#endif
