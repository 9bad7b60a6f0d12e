/* SPL Token and Token-2022 accounts and mints, and Token-2022 transfer fees.
 *
 * Layouts (spl-token state.rs, spl-token-2022 state.rs and extension/mod.rs):
 *   Account, 165 bytes: mint 32, owner 32, amount u64, delegate COption<Pubkey> (u32 tag + 32),
 *     state u8 (0 uninitialized, 1 initialized, 2 frozen), is_native COption<u64> (u32 + 8),
 *     delegated_amount u64, close_authority COption<Pubkey> (u32 + 32).
 *   Mint, 82 bytes: mint_authority COption<Pubkey>, supply u64, decimals u8, is_initialized bool,
 *     freeze_authority COption<Pubkey>.
 *   Token-2022 adds, past 165 bytes (a mint is zero-padded to 165), an account-type byte
 *     (1 mint, 2 account) and TLV extensions (u16 type, u16 length, value). TransferFeeConfig is
 *     type 1, 108 bytes: two 32-byte authorities, withheld_amount u64, older and newer
 *     TransferFee {epoch u64, maximum_fee u64, transfer_fee_basis_points u16}.
 * Transfer fee (spl-token-2022 extension/transfer_fee/mod.rs): ceil(amount * bps / 10000) capped
 * at maximum_fee; the newer fee applies from its epoch on. */
#ifndef MEV_DEX_TOKEN_H
#define MEV_DEX_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#define MEV_TOKEN_ACCOUNT_LEN 165
#define MEV_TOKEN_MINT_LEN 82
#define MEV_TOKEN_PROGRAM 0
#define MEV_TOKEN_2022_PROGRAM 1

typedef struct {
    uint8_t mint[32];
    uint8_t owner[32];
    uint64_t amount;
    uint8_t delegate[32];
    uint64_t delegated_amount;
    uint64_t native_reserve;      /* rent-exempt reserve of a wrapped-SOL account */
    uint8_t close_authority[32];
    uint8_t has_delegate, has_close_authority, is_native, state; /* state: 1 initialized, 2 frozen */
} mev_token_account;

typedef struct {
    uint64_t epoch;
    uint64_t maximum_fee;
    uint16_t basis_points;
} mev_transfer_fee;

typedef struct {
    uint8_t mint_authority[32];
    uint8_t freeze_authority[32];
    uint64_t supply;
    uint8_t decimals;
    uint8_t has_mint_authority, has_freeze_authority;
    uint8_t has_transfer_fee;     /* a Token-2022 mint with the TransferFeeConfig extension */
    uint8_t has_transfer_hook;    /* ... with a TransferHook extension naming a program */
    uint64_t withheld_amount;
    mev_transfer_fee older_fee, newer_fee;
    uint8_t transfer_hook_program[32];
} mev_mint;

/* Decodes and checks a token account of `program` (MEV_TOKEN_PROGRAM or MEV_TOKEN_2022_PROGRAM):
 * MEV_ELAYOUT for a wrong size, an account-type byte that is not an account's, malformed TLV,
 * an uninitialized account or an option tag other than 0 or 1. */
int mev_token_account_decode(const uint8_t *data, size_t len, int program, mev_token_account *out);
int mev_mint_decode(const uint8_t *data, size_t len, int program, mev_mint *out);

/* The fee in force at `epoch` (no transfer-fee extension: a zero fee). */
mev_transfer_fee mev_mint_epoch_fee(const mev_mint *mint, uint64_t epoch);
/* The fee withheld when `amount` is sent (Token-2022's calculate_fee). */
uint64_t mev_transfer_fee_of(const mev_transfer_fee *f, uint64_t amount);
/* The smallest amount to send so that `post` arrives (Token-2022's calculate_pre_fee_amount):
 * MEV_EOVERFLOW when it does not fit a u64. */
int mev_transfer_pre_fee_amount(const mev_transfer_fee *f, uint64_t post, uint64_t *pre);

#endif
