"""Meteora DLMM (lb_clmm): the LbPair, BinArray and BinArrayBitmapExtension accounts decoded in C,
and exact swap quotes across bins (base and variable fees, the pair's fee collection mode, limit
orders resting in bins), integer for integer as Meteora's published quote code computes them
(csrc/dex/dlmm.h cites the sources); swap2 / swap_exact_out2 instructions with TxTemplate patch
points.

    pair = meteora_dlmm.Pair(lb_pair_data)
    indexes = meteora_dlmm.swap_bin_arrays(pair, swap_for_y=True)   # which bin arrays to load
    q = meteora_dlmm.quote(pair, arrays, 10**9, swap_for_y=True, now=unix_time, slot=slot)

Token-2022 transfer fees apply as the program applies them (fee_in / fee_out: the mints' fees in
force, Mint.transfer_fee(epoch)): taken from what the user sends and from what leaves the reserve,
or added back for exact-out (quote.rs).
"""
from __future__ import annotations

import struct
from typing import NamedTuple

from solders.pubkey import Pubkey

from mevlib import _dex, dex
from mevlib.dex import (MEMO_PROGRAM_ID, NO_FEE, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID, TransferFee, decode_pools,
                        encode_account, remaining_accounts_info)
from mevlib.errors import InvalidArgumentError, MathOverflowError

PROGRAM_ID = Pubkey.from_string("LBUZKhRxPF3XUpBCjp4YzTKgLccjZhTSDM9YuVaPwxo")

# Anchor discriminators as the IDL (dlmm-sdk idls/dlmm.json) lists them
PAIR_DISCRIMINATOR = bytes([33, 11, 49, 98, 181, 101, 177, 13])
BIN_ARRAY_DISCRIMINATOR = bytes([92, 142, 92, 220, 5, 148, 70, 181])
BITMAP_EXTENSION_DISCRIMINATOR = bytes([80, 111, 124, 113, 55, 237, 18, 5])
SWAP2 = bytes([65, 75, 63, 76, 235, 91, 91, 136])
SWAP_EXACT_OUT2 = bytes([43, 215, 247, 132, 137, 60, 243, 81])
TRANSFER_HOOK_X, TRANSFER_HOOK_Y = 0, 1  # the IDL's AccountsType
# swap / swap_exact_out: the first versions, without the memo program and RemainingAccountsInfo
SWAP = bytes([248, 198, 158, 145, 225, 117, 135, 200])
SWAP_EXACT_OUT = bytes([250, 73, 101, 33, 38, 207, 75, 184])
PAIR_LEN, BIN_ARRAY_LEN, BITMAP_EXTENSION_LEN = 904, 10136, 1576
BINS_PER_ARRAY = 70

Pair = _dex.DlmmPair                   # Pair(data).fields; .array_initialized(index, extension=None)
BinArray = _dex.DlmmBins               # .index, .lb_pair, .bins
BitmapExtension = _dex.DlmmBitmapExtension
price_of_bin = _dex.dlmm_price_of_bin  # price_of_bin(bin_id, bin_step): Q64.64, token Y per token X
bin_array_index = _dex.dlmm_array_index

PAIR_LAYOUT = {"base_factor": (8, "<H"), "filter_period": (10, "<H"), "decay_period": (12, "<H"),
               "reduction_factor": (14, "<H"), "variable_fee_control": (16, "<I"),
               "max_volatility_accumulator": (20, "<I"), "min_bin_id": (24, "<i"), "max_bin_id": (28, "<i"),
               "protocol_share": (32, "<H"), "base_fee_power_factor": (34, "B"), "function_type": (35, "B"),
               "collect_fee_mode": (36, "B"), "volatility_accumulator": (40, "<I"), "volatility_reference": (44, "<I"),
               "index_reference": (48, "<i"), "last_update_timestamp": (56, "<q"), "pair_type": (75, "B"),
               "active_id": (76, "<i"), "bin_step": (80, "<H"), "status": (82, "B"), "activation_type": (86, "B"),
               "token_x_mint": (88, "key"), "token_y_mint": (120, "key"), "reserve_x": (152, "key"),
               "reserve_y": (184, "key"), "protocol_fee_amount_x": (216, "<Q"), "protocol_fee_amount_y": (224, "<Q"),
               "reward_mint_0": (264, "key"), "reward_mint_1": (408, "key"), "oracle": (552, "key"),
               "activation_point": (816, "<Q"), "creator": (848, "key"), "token_mint_x_program_flag": (880, "B"),
               "token_mint_y_program_flag": (881, "B")}


class Quote(NamedTuple):
    amount_in: int        # what the user sends (the fee included when it is on the input, and the
                          # input mint's transfer fee)
    amount_out: int       # what the user receives (the fee taken when it is on the output, and the
                          # output mint's transfer fee)
    fee: int              # the trading fee
    protocol_fee: int     # the protocol's part of it
    limit_order_out: int  # the part of the output limit orders gave
    active_id: int        # the last bin the swap traded in
    bins: int             # bins traded
    fee_on_input: bool


def quote(pair: Pair, bin_arrays, amount: int, *, swap_for_y: bool, now: int, slot: int = 0, exact_in: bool = True,
          extension: BitmapExtension | None = None, fee_in: TransferFee = NO_FEE,
          fee_out: TransferFee = NO_FEE) -> Quote:
    """A swap of `amount` (in, or out with exact_in=False) selling token X (swap_for_y) or Y, at
    block time `now` and slot `slot`, through the bin arrays given (any order; swap_bin_arrays
    names them). InvalidArgumentError where the program fails, naming a missing bin array when
    that is why."""
    bin_arrays = list(bin_arrays)
    if len({a.lb_pair for a in bin_arrays}) > 1:
        raise InvalidArgumentError("the bin arrays belong to different pairs")
    # quote.rs: the transfer fee comes off what the user sends, or is added to what must leave the
    # reserve for `amount` to arrive
    specified = amount - fee_in.fee_of(amount) if exact_in else amount + fee_out.inverse_fee(amount)
    if not 0 < specified < 1 << 64:
        raise (MathOverflowError if specified else InvalidArgumentError)("nothing, or past u64, left to swap")
    q = Quote(*_dex.dlmm_quote(pair, extension, bin_arrays, specified, swap_for_y, exact_in, now, slot))
    if exact_in:
        return q._replace(amount_in=amount, amount_out=q.amount_out - fee_out.fee_of(q.amount_out))
    paid = q.amount_in + fee_in.inverse_fee(q.amount_in) if q.amount_in else 0
    if paid >= 1 << 64:
        raise MathOverflowError("the input with its transfer fee passes u64")
    return q._replace(amount_in=paid, amount_out=amount)


def execute(pair_data: bytearray, bin_array_datas, amount: int, *, swap_for_y: bool, now: int, slot: int = 0,
            exact_in: bool = True, extension: BitmapExtension | None = None) -> Quote:
    """The swap `quote` prices, executed on the accounts' bytes (bytearrays), patched in place only
    when it succeeds. The program's swap is closed source: this writes what the published quote
    reads, as its fills imply (csrc/dex/dlmm.h, mev_dlmm_swap_apply): each bin's market-maker
    amounts, limit orders and stored price; the pair's active bin, volatility variables, last
    update time and protocol fee. The pair's side of the swap (no transfer fees)."""
    return Quote(*_dex.dlmm_apply(pair_data, extension, list(bin_array_datas), amount, swap_for_y, exact_in, now, slot))


def quote_many(pair: Pair, bin_arrays, amounts, *, swap_for_y: bool, now: int, slot: int = 0, exact_in: bool = True,
               extension: BitmapExtension | None = None):
    """Many amounts through one pair at once (a numpy array), the GIL released: (amount_in,
    amount_out, ok) arrays, a row that would fail 0 and False. The pair's side of each swap: no
    transfer fees."""
    return _dex.dlmm_quote_many(pair, extension, list(bin_arrays), amounts, swap_for_y, exact_in, now, slot)


def decode_many(datas):
    """Many LbPair accounts into a numpy structured array (mevlib.dex.pool_dtype), GIL released:
    (records, decoded)."""
    return decode_pools(_dex.POOL_METEORA_DLMM, datas)


def swap_bin_arrays(pair: Pair, swap_for_y: bool, count: int = 3, extension: BitmapExtension | None = None) -> list:
    """The indexes of the first `count` bin arrays with liquidity a swap in this direction walks
    through, from the active bin's own array. Without the bitmap extension the search stops at
    the edge of the pair's own bitmap (bin arrays -512 to 511)."""
    index = bin_array_index(pair.fields["active_id"])
    lowest, highest = bin_array_index(-443636), bin_array_index(443636)
    if extension is None:
        lowest, highest = max(lowest, -512), min(highest, 511)
    found = []
    while lowest <= index <= highest and len(found) < count:
        if pair.array_initialized(index, extension):
            found.append(index)
        index += -1 if swap_for_y else 1
    return found


def bin_array_address(pair_address: Pubkey, index: int, program_id: Pubkey = PROGRAM_ID) -> Pubkey:
    return Pubkey.find_program_address([b"bin_array", bytes(pair_address), struct.pack("<q", index)], program_id)[0]


def bitmap_extension_address(pair_address: Pubkey, program_id: Pubkey = PROGRAM_ID) -> Pubkey:
    return Pubkey.find_program_address([b"bitmap", bytes(pair_address)], program_id)[0]


def event_authority(program_id: Pubkey = PROGRAM_ID) -> Pubkey:
    return Pubkey.find_program_address([b"__event_authority"], program_id)[0]


def swap_instruction(pair_address: Pubkey, pair: Pair, user: Pubkey, user_in: Pubkey, user_out: Pubkey,
                     swap_for_y: bool, amount: int, threshold: int, bin_array_indexes, *, exact_in: bool = True,
                     extension: bool = False, transfer_hook_x=(), transfer_hook_y=(), program_id: Pubkey = PROGRAM_ID):
    """swap2 (`amount` in, at least `threshold` out) or with exact_in=False swap_exact_out2
    (`amount` out, at most `threshold` in), accounts in the IDL's order: lb_pair, the bitmap
    extension (or the program id in its place), reserves, the user's input and output accounts,
    mints, oracle, host_fee_in (none: the program id), user, token programs, memo, event
    authority, program; then the bin arrays at `bin_array_indexes` in the order the swap walks
    them. The token programs are the ones the pair's flags name (0 Token, 1 Token-2022). A Token-2022
    mint with a transfer hook needs its hook's accounts (`transfer_hook_x/y`:
    transfer_hook.execute_accounts): they come before the bin arrays, and RemainingAccountsInfo
    names them in a TransferHookX and a TransferHookY slice (both, as Meteora's SDK sends them);
    without any, its slices are empty."""
    from solders.instruction import AccountMeta, Instruction

    f = pair.fields
    key = lambda name: Pubkey.from_bytes(f[name])
    token_x_program, token_y_program = (TOKEN_2022_PROGRAM_ID if f[f"token_mint_{s}_program_flag"] else TOKEN_PROGRAM_ID
                                        for s in ("x", "y"))
    for v in (amount, threshold):
        if not 0 <= v < 1 << 64:
            raise InvalidArgumentError(f"amounts are u64, not {v}")
    none = AccountMeta(program_id, False, False)  # an optional account left out, as Anchor encodes it
    metas = [AccountMeta(pair_address, False, True),
             AccountMeta(bitmap_extension_address(pair_address, program_id), False, True) if extension else none,
             AccountMeta(key("reserve_x"), False, True), AccountMeta(key("reserve_y"), False, True),
             AccountMeta(user_in, False, True), AccountMeta(user_out, False, True),
             AccountMeta(key("token_x_mint"), False, False), AccountMeta(key("token_y_mint"), False, False),
             AccountMeta(key("oracle"), False, True), none, AccountMeta(user, True, False),
             AccountMeta(token_x_program, False, False), AccountMeta(token_y_program, False, False),
             AccountMeta(MEMO_PROGRAM_ID, False, False), AccountMeta(event_authority(program_id), False, False),
             AccountMeta(program_id, False, False)]
    hook_x, hook_y = list(transfer_hook_x), list(transfer_hook_y)
    slices = [(TRANSFER_HOOK_X, len(hook_x)), (TRANSFER_HOOK_Y, len(hook_y))] if hook_x or hook_y else []
    metas += hook_x + hook_y
    metas += [AccountMeta(bin_array_address(pair_address, i, program_id), False, True) for i in bin_array_indexes]
    # swap2(amount_in, min_amount_out, remaining_accounts_info) or swap_exact_out2(max_in_amount, out_amount, ...)
    first, second = (amount, threshold) if exact_in else (threshold, amount)
    data = (SWAP2 if exact_in else SWAP_EXACT_OUT2) + struct.pack("<QQ", first, second) + remaining_accounts_info(slices)
    return Instruction(program_id, data, metas)


def swap_patches(ix_index: int, exact_in: bool = True) -> dict:
    """The TxTemplate patch points of a swap instruction at `ix_index` (exact-in: amount_in and
    minimum_out; exact-out: max_in and amount_out)."""
    from mevlib.signer import Patch

    first, second = ("amount_in", "minimum_out") if exact_in else ("max_in", "amount_out")
    return {first: Patch(ix_index, 8, "u64"), second: Patch(ix_index, 16, "u64")}


def encode_pair(*, bin_array_bitmap=(), **fields) -> bytes:
    """An LbPair (904 bytes) from its fields (Pair(data).fields names, and reward_mint_0/1; the
    rest zero)."""
    data = bytearray(encode_account("LbPair", PAIR_LEN, PAIR_LAYOUT, fields, PAIR_DISCRIMINATOR))
    for i, word in enumerate(bin_array_bitmap):
        struct.pack_into("<Q", data, 584 + 8 * i, word)
    return bytes(data)


def encode_bin_array(pair_address: Pubkey, index: int, bins: dict) -> bytes:
    """A BinArray from {slot 0..69: (amount_x, amount_y, price, open_order_amount,
    processed_order_remaining_amount, limit_order_ask_side)}."""
    data = bytearray(BIN_ARRAY_LEN)
    data[:8] = BIN_ARRAY_DISCRIMINATOR
    struct.pack_into("<q", data, 8, index)
    data[24:56] = bytes(pair_address)
    for slot, (x, y, price, open_orders, processed, ask) in bins.items():
        at = 56 + 144 * slot
        struct.pack_into("<QQ", data, at, x, y)
        data[at + 16:at + 32] = int(price).to_bytes(16, "little")
        struct.pack_into("<Q", data, at + 112, open_orders)
        struct.pack_into("<Q", data, at + 128, processed)
        data[at + 140] = ask
    return bytes(data)


def encode_bitmap_extension(pair_address: Pubkey, positive=(), negative=()) -> bytes:
    """A BinArrayBitmapExtension from up to 12 bitmaps each side, each 8 u64 words."""
    return dex.encode_bitmap_extension(BITMAP_EXTENSION_DISCRIMINATOR, BITMAP_EXTENSION_LEN, pair_address, 808,
                                       positive, negative)
