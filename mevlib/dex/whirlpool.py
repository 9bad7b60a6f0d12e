"""Orca Whirlpool: the pool and tick-array accounts (both layouts) decoded in C, and exact swap
quotes across initialized ticks, integer for integer as the program and its core SDK compute them
(csrc/dex/whirlpool.h and clmm.h cite the sources), and swap_v2 instructions. Adaptive-fee pools
(they need the oracle account) are refused by the quote for now.

    pool = whirlpool.Pool(pool_data)
    arrays = [whirlpool.TickArray(d) for d in tick_array_datas]     # the arrays around the price
    q = whirlpool.quote(pool, arrays, 10**9, a_to_b=True)            # exact in
"""
from __future__ import annotations

import struct
from typing import NamedTuple

from solders.pubkey import Pubkey

from mevlib import _dex
from mevlib.dex import (MEMO_PROGRAM_ID, NO_FEE, TOKEN_PROGRAM_ID, TransferFee, decode_pools, encode_account,
                        remaining_accounts_info)
from mevlib.errors import InvalidArgumentError, MathOverflowError

PROGRAM_ID = Pubkey.from_string("whirLbMiicVdio4qvUfM5KAg6Ct8VwpYzGff3uctyCc")
POOL_DISCRIMINATOR = bytes([63, 149, 209, 12, 225, 128, 99, 9])          # sha256("account:Whirlpool")[:8]
FIXED_TICKS_DISCRIMINATOR = bytes([69, 97, 189, 190, 110, 7, 66, 187])   # "account:TickArray"
DYNAMIC_TICKS_DISCRIMINATOR = bytes([17, 216, 246, 142, 225, 199, 218, 56])  # "account:DynamicTickArray"
TICKS_PER_ARRAY = 88

Pool = _dex.WhirlpoolPool        # Pool(data).fields
Oracle = _dex.WhirlpoolOracle    # Oracle(data).fields: an adaptive-fee pool's constants and variables
TickArray = _dex.WhirlpoolTicks  # TickArray(data).start_tick_index, .ticks: [(initialized, liquidity_net)]
sqrt_price_at_tick = _dex.clmm_sqrt_price_at_tick
tick_at_sqrt_price = _dex.clmm_tick_at_sqrt_price

POOL_LAYOUT = {"whirlpools_config": (8, "key"), "whirlpool_bump": (40, "B"), "tick_spacing": (41, "<H"),
               "fee_tier_index": (43, "<H"), "fee_rate": (45, "<H"), "protocol_fee_rate": (47, "<H"),
               "liquidity": (49, "u128"), "sqrt_price": (65, "u128"), "tick_current_index": (81, "<i"),
               "protocol_fee_owed_a": (85, "<Q"), "protocol_fee_owed_b": (93, "<Q"), "token_mint_a": (101, "key"),
               "token_vault_a": (133, "key"), "fee_growth_global_a": (165, "u128"), "token_mint_b": (181, "key"),
               "token_vault_b": (213, "key"), "fee_growth_global_b": (245, "u128"),
               "reward_last_updated_timestamp": (261, "<Q")}
REWARD_INFOS, REWARD_INFO_LEN = 269, 128  # WhirlpoolRewardInfo: mint, vault, authority, emissions, growth


class Quote(NamedTuple):
    amount_in: int     # token in consumed, its fee included
    amount_out: int
    fee: int           # in the input token
    sqrt_price: int    # after the swap
    tick: int
    steps: int         # swap steps: initialized ticks crossed + 1 (more with an adaptive fee)
    liquidity: int     # after the swap
    protocol_fee: int  # the protocol's part of the fee
    fee_growth: int | None  # the input token's fee_growth_global after (Q64.64 per unit of
                            # liquidity): from execute; None from quote, which skips computing it


def quote(pool: Pool, tick_arrays, amount: int, *, a_to_b: bool, exact_in: bool = True, oracle: Oracle | None = None,
          now: int = 0, sqrt_price_limit: int = 0, fee_in: TransferFee = NO_FEE, fee_out: TransferFee = NO_FEE) -> Quote:
    """A swap of `amount` (in, or out with exact_in=False) across the tick arrays given (up to 5,
    consecutive, covering the swap): InvalidArgumentError when they do not cover it. A pool with
    an adaptive fee (fee_tier_index ≠ tick_spacing) needs its `oracle` and the block time `now`.
    Token-2022 transfer fees (`fee_in`, `fee_out`: the mints' fees in force) apply as swap_v2
    applies them: off what the user sends and what leaves the vault (exact-in), or added back
    (exact-out); amount_in and amount_out are then what the user sends and receives.
    sqrt_price_limit 0: none (an exact-out swap must fill); else the swap stops at that price and
    amount_in / amount_out say how much of it filled (an exact-in swap stopped short takes only
    what it used, as the program's swap does)."""
    specified = amount - fee_in.fee_of(amount) if exact_in else amount + fee_out.included_fee(amount)
    if not 0 < specified < 1 << 64:
        raise (MathOverflowError if specified else InvalidArgumentError)("nothing, or past u64, left to swap")
    q = Quote(*_dex.whirlpool_quote(pool, list(tick_arrays), specified, a_to_b, exact_in, oracle, now,
                                    sqrt_price_limit))
    if exact_in and q.amount_in == specified:  # the swap took all of it: the user sends `amount`
        return q._replace(amount_in=amount, amount_out=q.amount_out - fee_out.fee_of(q.amount_out))
    if exact_in:  # stopped at the limit: the vault takes what the swap used, its fee on top
        return q._replace(amount_in=q.amount_in + fee_in.included_fee(q.amount_in),
                          amount_out=q.amount_out - fee_out.fee_of(q.amount_out))
    # exact out (swap_with_transfer_fee_extension): `amount` arrives when the swap filled; stopped
    # at the limit, what left the vault less its fee
    received = amount if q.amount_out == specified else q.amount_out - fee_out.fee_of(q.amount_out)
    return q._replace(amount_in=q.amount_in + fee_in.included_fee(q.amount_in), amount_out=received)


def execute(pool_data: bytearray, tick_array_datas, amount: int, *, a_to_b: bool, now: int, exact_in: bool = True,
            oracle_data: bytearray | None = None, sqrt_price_limit: int = 0) -> Quote:
    """The swap `quote` prices, executed on the accounts' bytes (bytearrays) as swap_v2 leaves them,
    patched in place only when it succeeds (manager/swap_manager.rs, Whirlpool::update_after_swap):
    the pool's price, tick, liquidity, the input token's fee growth and protocol fee owed, the
    rewards' growth to `now` and their last update time; the crossed ticks' fee and reward growth
    outside; an adaptive pool's oracle variables. The pool's side of the swap (no transfer fees)."""
    return Quote(*_dex.whirlpool_apply(pool_data, list(tick_array_datas), amount, a_to_b, exact_in, oracle_data, now,
                                       sqrt_price_limit))


def quote_many(pool: Pool, tick_arrays, amounts, *, a_to_b: bool, exact_in: bool = True, oracle: Oracle | None = None,
               now: int = 0):
    """Many amounts through one pool at once (a numpy array), the GIL released: (amount_in,
    amount_out, ok) arrays, a row that would fail 0 and False. The pool's side of each swap: no
    transfer fees."""
    return _dex.whirlpool_quote_many(pool, list(tick_arrays), amounts, a_to_b, exact_in, oracle, now)


ORACLE_DISCRIMINATOR = bytes([139, 194, 131, 179, 140, 179, 229, 244])  # sha256("account:Oracle")[:8]
ORACLE_LAYOUT = {"whirlpool": (8, "key"), "trade_enable_timestamp": (40, "<Q"), "filter_period": (48, "<H"),
                 "decay_period": (50, "<H"), "reduction_factor": (52, "<H"), "adaptive_fee_control_factor": (54, "<I"),
                 "max_volatility_accumulator": (58, "<I"), "tick_group_size": (62, "<H"),
                 "major_swap_threshold_ticks": (64, "<H"), "last_reference_update_timestamp": (82, "<Q"),
                 "last_major_swap_timestamp": (90, "<Q"), "volatility_reference": (98, "<I"),
                 "tick_group_index_reference": (102, "<i"), "volatility_accumulator": (106, "<I")}


def encode_oracle(**fields) -> bytes:
    """An Oracle account (254 bytes) from its fields (Oracle(data).fields names; the rest zero)."""
    return encode_account("Oracle", 254, ORACLE_LAYOUT, fields, ORACLE_DISCRIMINATOR)


def decode_many(datas):
    """Many Whirlpool accounts into a numpy structured array (mevlib.dex.pool_dtype), GIL
    released: (records, decoded)."""
    return decode_pools(_dex.POOL_WHIRLPOOL, datas)


def tick_array_start(tick: int, tick_spacing: int) -> int:
    """The start index of the tick array holding `tick`."""
    span = TICKS_PER_ARRAY * tick_spacing
    return tick // span * span


def encode_pool(*, reward_infos=(), **fields) -> bytes:
    """A Whirlpool account (653 bytes) from its fields (Pool(data).fields names; the rest zero), and
    up to three rewards as (mint, emissions_per_second_x64, growth_global_x64)."""
    u128 = {k: v for k, v in fields.items() if POOL_LAYOUT.get(k, (0, ""))[1] == "u128"}
    data = bytearray(encode_account("Whirlpool", 653, {k: v for k, v in POOL_LAYOUT.items() if v[1] != "u128"},
                                    {k: v for k, v in fields.items() if k not in u128}, POOL_DISCRIMINATOR))
    for name, value in u128.items():
        offset = POOL_LAYOUT[name][0]
        data[offset:offset + 16] = int(value).to_bytes(16, "little")
    for i, (mint, emissions, growth) in enumerate(reward_infos):
        at = REWARD_INFOS + REWARD_INFO_LEN * i
        data[at:at + 32] = bytes(mint)
        data[at + 96:at + 128] = int(emissions).to_bytes(16, "little") + int(growth).to_bytes(16, "little")
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


SWAP_V2 = bytes([43, 4, 237, 11, 26, 201, 30, 98])  # sha256("global:swap_v2")[:8]
TRANSFER_HOOK_A, TRANSFER_HOOK_B = 0, 1  # util/v2/remaining_accounts_utils.rs AccountsType
MIN_SQRT_PRICE, MAX_SQRT_PRICE = 4295048016, 79226673515401279992447579055  # math/tick_math.rs


def tick_array_address(pool_address: Pubkey, start: int, program_id: Pubkey = PROGRAM_ID) -> Pubkey:
    """The tick array PDA: seeds "tick_array", the pool, and the start index as decimal text."""
    return Pubkey.find_program_address([b"tick_array", bytes(pool_address), str(start).encode()], program_id)[0]


def oracle_address(pool_address: Pubkey, program_id: Pubkey = PROGRAM_ID) -> Pubkey:
    return Pubkey.find_program_address([b"oracle", bytes(pool_address)], program_id)[0]


def swap_tick_arrays(pool: Pool, a_to_b: bool) -> list:
    """The start indexes of the three tick arrays a swap_v2 names: the price's own array and the
    next two in the swap's direction."""
    f = pool.fields
    span = TICKS_PER_ARRAY * f["tick_spacing"]
    start = tick_array_start(f["tick_current_index"], f["tick_spacing"])
    return [start + k * (-span if a_to_b else span) for k in range(3)]


def swap_instruction(pool_address: Pubkey, pool: Pool, authority: Pubkey, owner_account_a: Pubkey,
                     owner_account_b: Pubkey, a_to_b: bool, amount: int, threshold: int, *, exact_in: bool = True,
                     tick_array_starts=None, sqrt_price_limit: int = 0, token_program_a: Pubkey = TOKEN_PROGRAM_ID,
                     token_program_b: Pubkey = TOKEN_PROGRAM_ID, transfer_hook_a=(), transfer_hook_b=(),
                     program_id: Pubkey = PROGRAM_ID):
    """swap_v2: `amount` in and at least `threshold` out, or with exact_in=False `amount` out and at
    most `threshold` in. Accounts in the program's SwapV2 order (programs/whirlpool/src/instructions/
    v2/swap.rs): token programs A and B, memo, the authority (signer), the pool, mints A and B, the
    owner's account and the vault of A, then of B, three tick arrays (swap_tick_arrays unless
    given), the oracle. sqrt_price_limit 0: no limit (the program's NO_EXPLICIT_SQRT_PRICE_LIMIT).
    A Token-2022 mint with a transfer hook needs its hook's accounts (`transfer_hook_a/b`:
    transfer_hook.execute_accounts for the vault-side transfer): they follow the oracle, as
    remaining_accounts_info's TransferHookA / TransferHookB slices say (util/v2/
    remaining_accounts_utils.rs); without any, remaining_accounts_info is None."""
    from solders.instruction import AccountMeta, Instruction

    f = pool.fields
    key = lambda name: Pubkey.from_bytes(f[name])
    for v in (amount, threshold):
        if not 0 <= v < 1 << 64:
            raise InvalidArgumentError(f"amounts are u64, not {v}")
    if not 0 <= sqrt_price_limit < 1 << 128:
        raise InvalidArgumentError("sqrt_price_limit is a u128")
    starts = list(tick_array_starts) if tick_array_starts is not None else swap_tick_arrays(pool, a_to_b)
    if len(starts) != 3:
        raise InvalidArgumentError("swap_v2 names three tick arrays")
    metas = [AccountMeta(token_program_a, False, False), AccountMeta(token_program_b, False, False),
             AccountMeta(MEMO_PROGRAM_ID, False, False), AccountMeta(authority, True, False),
             AccountMeta(pool_address, False, True), AccountMeta(key("token_mint_a"), False, False),
             AccountMeta(key("token_mint_b"), False, False), AccountMeta(owner_account_a, False, True),
             AccountMeta(key("token_vault_a"), False, True), AccountMeta(owner_account_b, False, True),
             AccountMeta(key("token_vault_b"), False, True),
             *(AccountMeta(tick_array_address(pool_address, s, program_id), False, True) for s in starts),
             AccountMeta(oracle_address(pool_address, program_id), False, True)]
    hooks = [(kind, list(accounts)) for kind, accounts in ((TRANSFER_HOOK_A, transfer_hook_a),
                                                           (TRANSFER_HOOK_B, transfer_hook_b)) if accounts]
    info = b"\x00" if not hooks else b"\x01" + remaining_accounts_info([(k, len(a)) for k, a in hooks])
    metas += [m for _, accounts in hooks for m in accounts]
    data = (SWAP_V2 + struct.pack("<QQ", amount, threshold) + sqrt_price_limit.to_bytes(16, "little")
            + bytes([exact_in, a_to_b]) + info)
    return Instruction(program_id, data, metas)


def swap_patches(ix_index: int, exact_in: bool = True) -> dict:
    """The TxTemplate patch points of a swap_v2 at `ix_index`: the amount and its bound
    (exact-in: amount_in and minimum_out; exact-out: amount_out and max_in)."""
    from mevlib.signer import Patch

    first, second = ("amount_in", "minimum_out") if exact_in else ("amount_out", "max_in")
    return {first: Patch(ix_index, 8, "u64"), second: Patch(ix_index, 16, "u64")}
