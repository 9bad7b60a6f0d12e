"""Orca Whirlpool: the pool and tick-array accounts (both layouts) decoded in C, and exact swap
quotes across initialized ticks, integer for integer as the program and its core SDK compute them
(csrc/dex/whirlpool.h and clmm.h cite the sources). Adaptive-fee pools (they need the oracle
account) are refused for now.

    pool = whirlpool.Pool(pool_data)
    arrays = [whirlpool.TickArray(d) for d in tick_array_datas]     # the arrays around the price
    q = whirlpool.quote(pool, arrays, 10**9, a_to_b=True)            # exact in
"""
from __future__ import annotations

import struct
from typing import NamedTuple

from solders.pubkey import Pubkey

from mevlib import _dex
from mevlib.dex import decode_pools, encode_account

PROGRAM_ID = Pubkey.from_string("whirLbMiicVdio4qvUfM5KAg6Ct8VwpYzGff3uctyCc")
POOL_DISCRIMINATOR = bytes([63, 149, 209, 12, 225, 128, 99, 9])          # sha256("account:Whirlpool")[:8]
FIXED_TICKS_DISCRIMINATOR = bytes([69, 97, 189, 190, 110, 7, 66, 187])   # "account:TickArray"
DYNAMIC_TICKS_DISCRIMINATOR = bytes([17, 216, 246, 142, 225, 199, 218, 56])  # "account:DynamicTickArray"
TICKS_PER_ARRAY = 88

Pool = _dex.WhirlpoolPool        # Pool(data).fields
TickArray = _dex.WhirlpoolTicks  # TickArray(data).start_tick_index, .ticks: [(initialized, liquidity_net)]
sqrt_price_at_tick = _dex.clmm_sqrt_price_at_tick
tick_at_sqrt_price = _dex.clmm_tick_at_sqrt_price

POOL_LAYOUT = {"whirlpools_config": (8, "key"), "whirlpool_bump": (40, "B"), "tick_spacing": (41, "<H"),
               "fee_tier_index": (43, "<H"), "fee_rate": (45, "<H"), "protocol_fee_rate": (47, "<H"),
               "liquidity": (49, "u128"), "sqrt_price": (65, "u128"), "tick_current_index": (81, "<i"),
               "protocol_fee_owed_a": (85, "<Q"), "protocol_fee_owed_b": (93, "<Q"), "token_mint_a": (101, "key"),
               "token_vault_a": (133, "key"), "fee_growth_global_a": (165, "u128"), "token_mint_b": (181, "key"),
               "token_vault_b": (213, "key"), "fee_growth_global_b": (245, "u128")}


class Quote(NamedTuple):
    amount_in: int     # token in consumed, its fee included
    amount_out: int
    fee: int           # in the input token
    sqrt_price: int    # after the swap
    tick: int
    steps: int         # swap steps: initialized ticks crossed + 1


def quote(pool: Pool, tick_arrays, amount: int, *, a_to_b: bool, exact_in: bool = True) -> Quote:
    """A swap of `amount` (in, or out with exact_in=False) across the tick arrays given (up to 5,
    consecutive, covering the swap): InvalidArgumentError when they do not cover it."""
    return Quote(*_dex.whirlpool_quote(pool, list(tick_arrays), amount, a_to_b, exact_in))


def decode_many(datas):
    """Many Whirlpool accounts into a numpy structured array (mevlib.dex.pool_dtype), GIL
    released: (records, decoded)."""
    return decode_pools(_dex.POOL_WHIRLPOOL, datas)


def tick_array_start(tick: int, tick_spacing: int) -> int:
    """The start index of the tick array holding `tick`."""
    span = TICKS_PER_ARRAY * tick_spacing
    return tick // span * span


def encode_pool(**fields) -> bytes:
    """A Whirlpool account (653 bytes) from its fields (Pool(data).fields names; the rest zero)."""
    u128 = {k: v for k, v in fields.items() if POOL_LAYOUT.get(k, (0, ""))[1] == "u128"}
    data = bytearray(encode_account("Whirlpool", 653, {k: v for k, v in POOL_LAYOUT.items() if v[1] != "u128"},
                                    {k: v for k, v in fields.items() if k not in u128}, POOL_DISCRIMINATOR))
    for name, value in u128.items():
        offset = POOL_LAYOUT[name][0]
        data[offset:offset + 16] = int(value).to_bytes(16, "little")
    return bytes(data)


def encode_tick_array(start: int, liquidity_nets: dict, whirlpool: Pubkey = Pubkey.default(), *,
                      dynamic: bool = False) -> bytes:
    """A tick array from {slot 0..87: liquidity_net} of its initialized ticks (gross and growths zero)."""
    if dynamic:
        data = DYNAMIC_TICKS_DISCRIMINATOR + struct.pack("<i", start) + bytes(whirlpool) + bytes(16)
        for i in range(TICKS_PER_ARRAY):
            net = liquidity_nets.get(i)
            data += b"\0" if net is None else b"\x01" + net.to_bytes(16, "little", signed=True) + bytes(96)
        return data
    data = FIXED_TICKS_DISCRIMINATOR + struct.pack("<i", start)
    for i in range(TICKS_PER_ARRAY):
        net = liquidity_nets.get(i)
        data += bytes(113) if net is None else b"\x01" + net.to_bytes(16, "little", signed=True) + bytes(96)
    return data + bytes(whirlpool)
