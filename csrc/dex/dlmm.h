/* Meteora DLMM (program LBUZKhRxPF3XUpBCjp4YzTKgLccjZhTSDM9YuVaPwxo): the LbPair, BinArray and
 * BinArrayBitmapExtension accounts, and exact swap quotes across bins with the base and variable
 * fees, the fee collection mode and the limit orders resting in bins.
 *
 * Layouts: the program's IDL (MeteoraAg/dlmm-sdk at fb02e51, idls/dlmm.json; bytemuck, repr C),
 * offsets after the 8-byte Anchor discriminator:
 *   LbPair, 904 bytes: StaticParameters (8: base_factor u16, filter_period u16, decay_period u16,
 *     reduction_factor u16, variable_fee_control u32 (16), max_volatility_accumulator u32 (20),
 *     min_bin_id i32, max_bin_id i32, protocol_share u16 (32), base_fee_power_factor u8 (34),
 *     function_type u8 (35), collect_fee_mode u8 (36)), VariableParameters (40:
 *     volatility_accumulator u32, volatility_reference u32 (44), index_reference i32 (48),
 *     last_update_timestamp i64 (56)), pair_type u8 (75), active_id i32 (76), bin_step u16 (80),
 *     status u8 (82), activation_type u8 (86), token_x_mint (88), token_y_mint (120), reserve_x
 *     (152), reserve_y (184), protocol_fee amount_x / amount_y u64 (216, 224), 2 reward infos of
 *     144 bytes (264; the mint first), oracle (552), bin_array_bitmap [u64; 16] (584),
 *     activation_point u64 (816), creator (848), token_mint_x/y_program_flag u8 (880, 881).
 *   BinArray, 10,136 bytes: index i64 (8), version u8 (16), lb_pair (24), 70 bins of 144 bytes
 *     from 56 (amount_x u64, amount_y u64 (+8), price u128 Q64.64 (+16), liquidity_supply (+32),
 *     ..., open_order_amount u64 (+112), total_processing_order_amount (+120),
 *     processed_order_remaining_amount u64 (+128), order_age u32 (+136), limit_order_ask_side u8
 *     (+140)).
 *   BinArrayBitmapExtension, 1,576 bytes: lb_pair (8), positive [[u64; 8]; 12] (40), negative (808).
 * Quotes: the DLMM program is closed source; the math is Meteora's published quote code, which
 * mirrors it: dlmm-sdk commons/src/quote.rs (quote_exact_in / quote_exact_out, the per-bin fills
 * of market-maker liquidity, then processed, then open limit orders, split_fee),
 * extensions/lb_pair.rs (fees, volatility, references), extensions/bin.rs,
 * math/u64x64_math.rs (the bin price (1 + bin_step / 10,000)^id in Q64.64), and the same in
 * @meteora-ag/dlmm's swapQuote / swapQuoteExactOut. */
#ifndef MEV_DEX_DLMM_H
#define MEV_DEX_DLMM_H

#include <stddef.h>
#include <stdint.h>

#include "wide.h"

#define MEV_DLMM_PAIR_LEN 904
#define MEV_DLMM_BIN_ARRAY_LEN 10136
#define MEV_DLMM_BITMAP_EXTENSION_LEN 1576
#define MEV_DLMM_BINS 70
#define MEV_DLMM_MIN_BIN_ID (-443636)
#define MEV_DLMM_MAX_BIN_ID 443636
#define MEV_DLMM_NO_ARRAY INT64_MIN

typedef struct {
    uint8_t mint_x[32], mint_y[32], reserve_x[32], reserve_y[32], oracle[32], creator[32];
    uint64_t protocol_fee_x, protocol_fee_y, activation_point;
    int64_t last_update_timestamp;
    uint64_t bin_array_bitmap[16];
    uint32_t variable_fee_control, max_volatility_accumulator, volatility_accumulator, volatility_reference;
    int32_t min_bin_id, max_bin_id, index_reference, active_id;
    uint16_t base_factor, filter_period, decay_period, reduction_factor, protocol_share, bin_step;
    uint8_t base_fee_power_factor, function_type, collect_fee_mode, pair_type, status, activation_type;
    uint8_t token_x_program_flag, token_y_program_flag;
    uint8_t rewards_unset; /* both reward mints are the default key */
} mev_dlmm_pair;

typedef struct {
    int64_t index;
    uint8_t lb_pair[32];
    uint64_t amount_x[MEV_DLMM_BINS], amount_y[MEV_DLMM_BINS];
    mev_u128 price[MEV_DLMM_BINS];
    uint64_t open_orders[MEV_DLMM_BINS], processed_remaining[MEV_DLMM_BINS];
    uint8_t ask_side[MEV_DLMM_BINS];
} mev_dlmm_bins;

typedef struct {
    uint8_t lb_pair[32];
    uint64_t positive[12][8], negative[12][8];
} mev_dlmm_bitmap_extension;

typedef struct {
    uint64_t amount_in, amount_out; /* what the user sends and receives (fees included / taken) */
    uint64_t fee, protocol_fee;     /* the trading fee (in the token the collect mode names) and
                                       the protocol's part of it */
    uint64_t limit_order_out;       /* the part of the output limit orders gave */
    int32_t active_id;              /* the last bin the swap took from */
    uint32_t bins;                  /* bins that traded */
    int64_t missing_array;          /* a bin array the swap needs and was not given, else
                                       MEV_DLMM_NO_ARRAY */
    uint8_t fee_on_input;
} mev_dlmm_swap;

int mev_dlmm_pair_decode(const uint8_t *data, size_t len, mev_dlmm_pair *out);
int mev_dlmm_bins_decode(const uint8_t *data, size_t len, mev_dlmm_bins *out);
int mev_dlmm_bitmap_extension_decode(const uint8_t *data, size_t len, mev_dlmm_bitmap_extension *out);

/* A bin's price, (1 + bin_step / 10,000)^id in Q64.64 as the program computes it; MEV_EOVERFLOW
 * where its power overflows. */
int mev_dlmm_price_of_bin(int32_t bin_id, uint16_t bin_step, mev_u128 *price);
int64_t mev_dlmm_array_index(int32_t bin_id);
/* 1 or 0: whether the pair's bitmaps mark the bin array; MEV_EINVAL when it lies outside the
 * pair's own bitmap and no extension is given (or outside both). */
int mev_dlmm_array_initialized(const mev_dlmm_pair *pair, const mev_dlmm_bitmap_extension *ext, int64_t index);

/* A swap of `amount` (exact in, or exact out) selling X for Y (swap_for_y) or Y for X, through the
 * bin arrays given (any order), at block time `now` (unix seconds) and slot `slot` (the
 * activation point is one or the other). MEV_EINVAL where the program fails: a zero amount, the
 * pair disabled or not activated, liquidity running out, a bin array not given (q->missing_array
 * names it) or the bitmap extension needed and not given; MEV_EOVERFLOW past u64. */
int mev_dlmm_quote(const mev_dlmm_pair *pair, const mev_dlmm_bitmap_extension *ext, const mev_dlmm_bins *const *arrays,
                   size_t n_arrays, uint64_t amount, int swap_for_y, int exact_in, int64_t now, uint64_t slot,
                   mev_dlmm_swap *q);

/* The same swap executed on the decoded accounts. The program's swap is not published, so this
 * writes what the published quote reads, as its fills imply: each bin traded takes the market
 * makers' input (no fee) and gives their output, its processed and open limit orders shrink by
 * what they gave, and its price is stored; the pair's active bin and volatility variables are
 * the quote's, its last update time `now` (the liquidity book's convention: the public program
 * source leaves that line to the swap), and the protocol's fee counter of the fee token grows by
 * its share. Not written: fee and reward per token stored, the order placers' proceeds, the
 * oracle. On an error the structs are left part-way: apply to copies. */
int mev_dlmm_swap_apply(mev_dlmm_pair *pair, const mev_dlmm_bitmap_extension *ext, mev_dlmm_bins *const *arrays,
                        size_t n_arrays, uint64_t amount, int swap_for_y, int exact_in, int64_t now, uint64_t slot,
                        mev_dlmm_swap *q);

/* Write back into an account's bytes (already that layout: MEV_ELAYOUT otherwise) the fields
 * mev_dlmm_swap_apply changes, leaving every other byte as it was. */
int mev_dlmm_pair_store(const mev_dlmm_pair *pair, uint8_t *data, size_t len);
int mev_dlmm_bins_store(const mev_dlmm_bins *bins, uint8_t *data, size_t len);

#endif
