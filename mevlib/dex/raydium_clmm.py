"""Raydium concentrated liquidity (raydium-clmm): the pool, config, tick-array and bitmap-extension
accounts decoded in C, and exact swap quotes across ticks with the pool's dynamic fee and the
limit orders resting on its ticks, integer for integer as the program computes them
(csrc/dex/raydium_clmm.h cites the sources); swap_v2 instructions with TxTemplate patch points.

    pool = raydium_clmm.Pool(pool_data)
    config = raydium_clmm.Config(config_data)                         # the pool's amm_config
    starts = raydium_clmm.swap_tick_arrays(pool, zero_for_one=True)   # which tick arrays to load
    q = raydium_clmm.quote(pool, config, arrays, 10**9, zero_for_one=True, now=unix_time)

Token-2022 transfer fees apply as swap_v2 applies them (fee_in / fee_out: the mints' fees in
force, Mint.transfer_fee(epoch)): on what the user sends before the swap and on what leaves the
vault after it, or inverted from what must arrive for exact-out.
"""
from __future__ import annotations

import struct
from typing import NamedTuple

from solders.pubkey import Pubkey

from mevlib import _dex, dex
from mevlib.dex import (MEMO_PROGRAM_ID, NO_FEE, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID, TransferFee, decode_pools,
                        encode_account)
from mevlib.errors import InvalidArgumentError, MathOverflowError

PROGRAM_ID = Pubkey.from_string("CAMMCzo5YL8w4VFF8KVHrK22GGUsp5VTaW7grrKgrWqK")

# Anchor discriminators: sha256("account:<name>")[:8] and sha256("global:swap_v2")[:8]
POOL_DISCRIMINATOR = bytes([0xf7, 0xed, 0xe3, 0xf5, 0xd7, 0xc3, 0xde, 0x46])
CONFIG_DISCRIMINATOR = bytes([0xda, 0xf4, 0x21, 0x68, 0xcb, 0xcb, 0x2b, 0x6f])
TICK_ARRAY_DISCRIMINATOR = bytes([0xc0, 0x9b, 0x55, 0xcd, 0x31, 0xf9, 0x81, 0x2a])
BITMAP_EXTENSION_DISCRIMINATOR = bytes([0x3c, 0x96, 0x24, 0xdb, 0x61, 0x80, 0x8b, 0x99])
SWAP_V2 = bytes([0x2b, 0x04, 0xed, 0x0b, 0x1a, 0xc9, 0x1e, 0x62])
POOL_LEN, CONFIG_LEN, TICK_ARRAY_LEN, BITMAP_EXTENSION_LEN = 1544, 117, 10240, 1832
TICKS_PER_ARRAY = 60
MIN_SQRT_PRICE, MAX_SQRT_PRICE = 4295048016, 79226673521066979257578248091  # libraries/tick_math.rs

Pool = _dex.RaydiumClmmPool            # Pool(data).fields; .array_initialized(start, extension=None)
Config = _dex.RaydiumClmmConfig        # Config(data).fields: fee rates per 1,000,000
TickArray = _dex.RaydiumClmmTicks      # .start_tick_index, .pool_id, .ticks
BitmapExtension = _dex.RaydiumClmmBitmapExtension
sqrt_price_at_tick = _dex.rcl_sqrt_price_at_tick
tick_at_sqrt_price = _dex.rcl_tick_at_sqrt_price
tick_array_start = _dex.rcl_array_start   # tick_array_start(tick, tick_spacing)

_POOL_KEYS = ("amm_config", "owner", "token_mint_0", "token_mint_1", "token_vault_0", "token_vault_1",
              "observation_key")
POOL_LAYOUT = {"bump": (8, "B"), **{name: (9 + 32 * i, "key") for i, name in enumerate(_POOL_KEYS)},
               "mint_decimals_0": (233, "B"), "mint_decimals_1": (234, "B"), "tick_spacing": (235, "<H"),
               "liquidity": (237, "u128"), "sqrt_price_x64": (253, "u128"), "tick_current": (269, "<i"),
               "fee_growth_global_0_x64": (277, "u128"), "fee_growth_global_1_x64": (293, "u128"),
               "protocol_fees_token_0": (309, "<Q"), "protocol_fees_token_1": (317, "<Q"), "status": (389, "B"),
               "fee_on": (390, "B"), "fund_fees_token_0": (1064, "<Q"), "fund_fees_token_1": (1072, "<Q"),
               "open_time": (1080, "<Q"), "recent_epoch": (1088, "<Q")}
DYNAMIC_FEE_LAYOUT = {"filter_period": (0, "<H"), "decay_period": (2, "<H"), "reduction_factor": (4, "<H"),
                      "dynamic_fee_control": (6, "<I"), "max_volatility_accumulator": (10, "<I"),
                      "tick_spacing_index_reference": (14, "<i"), "volatility_reference": (18, "<I"),
                      "volatility_accumulator": (22, "<I"), "last_update_timestamp": (26, "<Q")}
CONFIG_LAYOUT = {"bump": (8, "B"), "index": (9, "<H"), "owner": (11, "key"), "protocol_fee_rate": (43, "<I"),
                 "trade_fee_rate": (47, "<I"), "tick_spacing": (51, "<H"), "fund_fee_rate": (53, "<I"),
                 "fund_owner": (61, "key")}


class Quote(NamedTuple):
    amount_in: int        # what the user sends (the trade fee included when it is on the input, and
                          # the input mint's transfer fee)
    amount_out: int       # what the user receives (the output mint's transfer fee taken)
    fee: int              # the trade fee, in the token the pool's fee_on names
    protocol_fee: int     # the protocol's share of it (also the fee of steps without liquidity)
    fund_fee: int         # the fund's share
    limit_order_in: int   # the part of amount_in that filled limit orders
    limit_order_out: int  # the part of amount_out limit orders paid
    sqrt_price: int       # after the swap
    liquidity: int
    tick: int
    steps: int
    fee_on_input: bool
    fee_growth: int | None  # fee_growth_global (Q64.64 per unit of liquidity) of the fee token
                            # after: from execute; None from quote, which skips computing it


def quote(pool: Pool, config: Config, tick_arrays, amount: int, *, zero_for_one: bool, now: int,
          exact_in: bool = True, extension: BitmapExtension | None = None, sqrt_price_limit: int = 0,
          fee_in: TransferFee = NO_FEE, fee_out: TransferFee = NO_FEE) -> Quote:
    """A swap_v2 of `amount` (in, or out with exact_in=False) at block time `now` (the dynamic
    fee's clock), through the tick arrays given (any order; swap_tick_arrays names them).
    sqrt_price_limit 0: the whole amount must fill, as swap_v2 requires without a limit.
    InvalidArgumentError where the program fails, naming a missing tick array when that is why."""
    tick_arrays = list(tick_arrays)
    if len({a.pool_id for a in tick_arrays}) > 1:
        raise InvalidArgumentError("the tick arrays belong to different pools")
    # swap_v2 (instructions/swap_v2.rs exact_internal_v2): the pool swaps what is left of the
    # input after its transfer fee, or enough output that the user still gets `amount` after its fee
    fee = fee_in.fee_of(amount) if exact_in else fee_out.included_fee(amount)
    specified = amount - fee if exact_in else amount + fee
    if not 0 < specified < 1 << 64:
        raise (MathOverflowError if specified else InvalidArgumentError)("nothing, or past u64, left to swap")
    q = Quote(*_dex.raydium_clmm_quote(pool, config, extension, tick_arrays, specified, zero_for_one, exact_in,
                                       sqrt_price_limit, now))
    # the user pays the input the pool took plus its transfer fee (exact-in, when the pool took it
    # all: the fee already charged), and receives the output less its transfer fee
    paid = amount if exact_in and q.amount_in == specified else q.amount_in + fee_in.included_fee(q.amount_in)
    received = q.amount_out - fee_out.fee_of(q.amount_out)
    return q._replace(amount_in=paid, amount_out=received)


def execute(pool_data: bytearray, config: Config, tick_array_datas, amount: int, *, zero_for_one: bool, now: int,
            exact_in: bool = True, extension_data: bytearray | None = None, sqrt_price_limit: int = 0) -> Quote:
    """The swap `quote` prices, executed on the accounts' bytes (bytearrays) as swap_v2 leaves them,
    patched in place only when it succeeds: the pool's price, tick, liquidity, fee growth,
    protocol and fund fee counters and dynamic-fee variables; the ticks' fee growth outside where
    liquidity crosses and their limit-order cohorts where orders fill; an array's tick count and
    bitmap bit when a fill leaves it empty. The pool's side of the swap (no transfer fees). Pools
    with an initialized reward are refused: their reward growth is not modelled."""
    return Quote(*_dex.raydium_clmm_apply(pool_data, config, extension_data, list(tick_array_datas), amount,
                                          zero_for_one, exact_in, sqrt_price_limit, now))


def quote_many(pool: Pool, config: Config, tick_arrays, amounts, *, zero_for_one: bool, now: int,
               exact_in: bool = True, extension: BitmapExtension | None = None):
    """Many amounts through one pool at once (a numpy array), the GIL released: (amount_in,
    amount_out, ok) arrays, a row that would fail 0 and False. The pool's side of each swap: no
    transfer fees, no price limit."""
    return _dex.raydium_clmm_quote_many(pool, config, extension, list(tick_arrays), amounts, zero_for_one, exact_in,
                                        now)


def decode_many(datas):
    """Many PoolState accounts into a numpy structured array (mevlib.dex.pool_dtype), GIL
    released: (records, decoded)."""
    return decode_pools(_dex.POOL_RAYDIUM_CLMM, datas)


def swap_tick_arrays(pool: Pool, zero_for_one: bool, count: int = 3, extension: BitmapExtension | None = None) -> list:
    """The start indexes of the first `count` initialized tick arrays a swap in this direction
    walks through: the current tick's array when the bitmap marks it, then the next marked ones.
    Without the bitmap extension the search stops at the edge of the pool's own bitmap."""
    f = pool.fields
    spacing = f["tick_spacing"]
    span = TICKS_PER_ARRAY * spacing
    start = tick_array_start(f["tick_current"], spacing)
    lowest, highest = tick_array_start(-443636, spacing), tick_array_start(443636, spacing)
    if extension is None:  # the pool's bitmap covers 512 arrays each side of 0
        lowest, highest = max(lowest, -512 * span), min(highest, 511 * span)
    starts = []
    while lowest <= start <= highest and len(starts) < count:
        if pool.array_initialized(start, extension):
            starts.append(start)
        start += -span if zero_for_one else span
    return starts


def tick_array_address(pool_address: Pubkey, start: int, program_id: Pubkey = PROGRAM_ID) -> Pubkey:
    return Pubkey.find_program_address([b"tick_array", bytes(pool_address), struct.pack(">i", start)], program_id)[0]


def bitmap_extension_address(pool_address: Pubkey, program_id: Pubkey = PROGRAM_ID) -> Pubkey:
    return Pubkey.find_program_address([b"pool_tick_array_bitmap_extension", bytes(pool_address)], program_id)[0]


def pool_address(amm_config: Pubkey, mint_0: Pubkey, mint_1: Pubkey, program_id: Pubkey = PROGRAM_ID) -> Pubkey:
    return Pubkey.find_program_address([b"pool", bytes(amm_config), bytes(mint_0), bytes(mint_1)], program_id)[0]


def swap_instruction(pool_address: Pubkey, pool: Pool, payer: Pubkey, user_in: Pubkey, user_out: Pubkey,
                     zero_for_one: bool, amount: int, threshold: int, tick_array_starts, *, exact_in: bool = True,
                     sqrt_price_limit: int = 0, extension: bool = False, program_id: Pubkey = PROGRAM_ID):
    """swap_v2: `amount` in and at least `threshold` out, or with exact_in=False `amount` out and at
    most `threshold` in. Accounts in the program's SwapSingleV2 order (payer, amm_config, pool,
    the user's input and output accounts, the input and output vaults, observation, Token,
    Token-2022, Memo, the input and output mints), then the bitmap extension when `extension`,
    then the tick arrays at `tick_array_starts` in the order the swap walks them."""
    from solders.instruction import AccountMeta, Instruction

    f = pool.fields
    key = lambda name: Pubkey.from_bytes(f[name])
    side = ("0", "1") if zero_for_one else ("1", "0")
    for v in (amount, threshold):
        if not 0 <= v < 1 << 64:
            raise InvalidArgumentError(f"amounts are u64, not {v}")
    if not 0 <= sqrt_price_limit < 1 << 128:
        raise InvalidArgumentError("sqrt_price_limit is a u128")
    metas = [AccountMeta(payer, True, False), AccountMeta(key("amm_config"), False, False),
             AccountMeta(pool_address, False, True), AccountMeta(user_in, False, True),
             AccountMeta(user_out, False, True), AccountMeta(key(f"token_vault_{side[0]}"), False, True),
             AccountMeta(key(f"token_vault_{side[1]}"), False, True), AccountMeta(key("observation_key"), False, True),
             AccountMeta(TOKEN_PROGRAM_ID, False, False), AccountMeta(TOKEN_2022_PROGRAM_ID, False, False),
             AccountMeta(MEMO_PROGRAM_ID, False, False), AccountMeta(key(f"token_mint_{side[0]}"), False, False),
             AccountMeta(key(f"token_mint_{side[1]}"), False, False)]
    if extension:
        metas.append(AccountMeta(bitmap_extension_address(pool_address, program_id), False, True))
    metas += [AccountMeta(tick_array_address(pool_address, s, program_id), False, True) for s in tick_array_starts]
    data = (SWAP_V2 + amount.to_bytes(8, "little") + threshold.to_bytes(8, "little")
            + sqrt_price_limit.to_bytes(16, "little") + bytes([exact_in]))
    return Instruction(program_id, data, metas)


def swap_patches(ix_index: int, exact_in: bool = True) -> dict:
    """The TxTemplate patch points of a swap_v2 at `ix_index`: the amount and its bound
    (exact-in: amount_in and minimum_out; exact-out: amount_out and max_in)."""
    from mevlib.signer import Patch

    first, second = ("amount_in", "minimum_out") if exact_in else ("amount_out", "max_in")
    return {first: Patch(ix_index, 8, "u64"), second: Patch(ix_index, 16, "u64")}


def _encode(what: str, size: int, layout: dict, fields: dict, prefix: bytes) -> bytearray:
    wide = {k: v for k, v in fields.items() if layout.get(k, (0, ""))[1] == "u128"}
    data = bytearray(encode_account(what, size, {k: v for k, v in layout.items() if v[1] != "u128"},
                                    {k: v for k, v in fields.items() if k not in wide}, prefix))
    for name, value in wide.items():
        data[layout[name][0]:layout[name][0] + 16] = int(value).to_bytes(16, "little")
    return data


def encode_pool(*, tick_array_bitmap=(), dynamic_fee_info: dict | None = None, **fields) -> bytes:
    """A PoolState (1,544 bytes) from its fields (Pool(data).fields names; the rest zero)."""
    data = _encode("PoolState", POOL_LEN, POOL_LAYOUT, fields, POOL_DISCRIMINATOR)
    for i, word in enumerate(tick_array_bitmap):
        struct.pack_into("<Q", data, 904 + 8 * i, word)
    if dynamic_fee_info:
        data[1096:1096 + 80] = encode_account("DynamicFeeInfo", 80, DYNAMIC_FEE_LAYOUT, dynamic_fee_info)
    return bytes(data)


def encode_config(**fields) -> bytes:
    """An AmmConfig (117 bytes) from its fields."""
    return bytes(_encode("AmmConfig", CONFIG_LEN, CONFIG_LAYOUT, fields, CONFIG_DISCRIMINATOR))


def encode_tick_array(pool_address: Pubkey, start: int, tick_spacing: int, ticks: dict) -> bytes:
    """A TickArrayState from {slot 0..59: (liquidity_net, liquidity_gross, orders_amount,
    part_filled_orders_remaining)} of its initialized ticks (growths zero)."""
    data = bytearray(TICK_ARRAY_LEN)
    data[:8] = TICK_ARRAY_DISCRIMINATOR
    data[8:40] = bytes(pool_address)
    struct.pack_into("<i", data, 40, start)
    for slot, (net, gross, orders, part) in ticks.items():
        at = 44 + 168 * slot
        struct.pack_into("<i", data, at, start + slot * tick_spacing)
        data[at + 4:at + 20] = int(net).to_bytes(16, "little", signed=True)
        data[at + 20:at + 36] = int(gross).to_bytes(16, "little")
        struct.pack_into("<QQ", data, at + 124, orders, part)
    data[44 + 168 * TICKS_PER_ARRAY] = len(ticks)
    return bytes(data)


def encode_bitmap_extension(pool_address: Pubkey, positive=(), negative=()) -> bytes:
    """A TickArrayBitmapExtension from up to 14 bitmaps each side, each 8 u64 words."""
    return dex.encode_bitmap_extension(BITMAP_EXTENSION_DISCRIMINATOR, BITMAP_EXTENSION_LEN, pool_address, 936,
                                       positive, negative)
