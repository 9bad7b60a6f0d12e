"""Raydium AMM v4 (raydium-amm): the AmmInfo account and exact quotes, integer for integer what the
program computes (csrc/dex/amm_v4.h cites the sources), and the swap v2 instructions, which need no
OpenBook accounts.

    pool = raydium_amm_v4.Pool(data)
    q = raydium_amm_v4.quote_exact_in(pool, coin_to_pc=True, coin_vault=c, pc_vault=p, amount_in=10**6)
"""
from __future__ import annotations

from typing import NamedTuple

from solders.pubkey import Pubkey

from mevlib import _dex
from mevlib.dex import TOKEN_PROGRAM_ID, decode_pools, encode_account
from mevlib.errors import InvalidArgumentError

PROGRAM_ID = Pubkey.from_string("675kPX9MHTjS2zt1qfr1NYHuzeLXfQM9H24wFSUt1Mp8")
AUTHORITY_SEED = b"amm authority"
Pool = _dex.AmmV4Pool  # Pool(data): .fields, .can_swap, .reserves(coin_vault, pc_vault)


_U64 = ("status", "nonce", "order_num", "depth", "coin_decimals", "pc_decimals", "state", "reset_flag", "min_size",
        "vol_max_cut_ratio", "amount_wave", "coin_lot_size", "pc_lot_size", "min_price_multiplier",
        "max_price_multiplier", "sys_decimal_value", "min_separate_numerator", "min_separate_denominator",
        "trade_fee_numerator", "trade_fee_denominator", "pnl_numerator", "pnl_denominator", "swap_fee_numerator",
        "swap_fee_denominator", "need_take_pnl_coin", "need_take_pnl_pc", "total_pnl_pc", "total_pnl_coin",
        "pool_open_time")
_KEYS = ("coin_vault", "pc_vault", "coin_vault_mint", "pc_vault_mint", "lp_mint", "open_orders", "market",
         "market_program", "target_orders")
LAYOUT = {**{name: (8 * i, "<Q") for i, name in enumerate(_U64)}, "orderbook_to_init_time": (248, "<Q"),
          **{name: (336 + 32 * i, "key") for i, name in enumerate(_KEYS)}, "amm_owner": (688, "key"),
          "lp_amount": (720, "<Q"), "client_order_id": (728, "<Q"), "recent_epoch": (736, "<Q")}


def encode(**fields) -> bytes:
    """An AmmInfo account from its fields (Pool(data).fields names; the rest zero)."""
    return encode_account("AmmInfo", 752, LAYOUT, fields)


class Quote(NamedTuple):
    amount_in: int
    amount_out: int
    fee: int  # in the input token


def _reserves(pool: Pool, coin_to_pc: bool, coin_vault: int, pc_vault: int) -> tuple[int, int]:
    if not pool.can_swap:
        raise InvalidArgumentError(f"the pool's status {pool.fields['status']} does not allow swaps")
    coin, pc = pool.reserves(coin_vault, pc_vault)
    return (coin, pc) if coin_to_pc else (pc, coin)


def quote_exact_in(pool: Pool, coin_to_pc: bool, coin_vault: int, pc_vault: int, amount_in: int) -> Quote:
    """swap_base_in: what `amount_in` of coin (or pc) brings. Vaults are the token accounts'
    balances; errors where the program fails the swap (InvalidArgumentError: a zero output, a
    status that does not swap)."""
    return Quote(*pool.quote(*_reserves(pool, coin_to_pc, coin_vault, pc_vault), amount_in, True))


def quote_exact_out(pool: Pool, coin_to_pc: bool, coin_vault: int, pc_vault: int, amount_out: int) -> Quote:
    """swap_base_out: what `amount_out` costs, the fee included (MathOverflowError past u64)."""
    return Quote(*pool.quote(*_reserves(pool, coin_to_pc, coin_vault, pc_vault), amount_out, False))


def decode_many(datas):
    """Many AmmInfo accounts into a numpy structured array (mevlib.dex.pool_dtype), GIL released:
    (records, decoded)."""
    return decode_pools(_dex.POOL_AMM_V4, datas)


def quote_many(reserve_in, reserve_out, amount_in, fee=(25, 10_000)):
    """swap_base_in on many rows at once (numpy arrays, broadcast; reserves are the vaults less
    need_take_pnl): (amount_out uint64, ok bool), the GIL released; a row the program would fail
    is 0 and False."""
    return _dex.swap_many(_dex.EDGE_AMM_V4, reserve_in, reserve_out, amount_in, (fee[0], fee[1], 0, 0, 0))


def authority(pool: Pool, program_id: Pubkey = PROGRAM_ID) -> Pubkey:
    """The PDA that owns the vaults: "amm authority" with the pool's nonce, as the program derives it."""
    nonce = pool.fields["nonce"]
    if nonce > 255:
        raise InvalidArgumentError(f"the pool's nonce {nonce} is not a bump seed")
    try:
        return Pubkey.create_program_address([AUTHORITY_SEED, bytes([nonce])], program_id)
    except Exception as e:  # solders' PubkeyError: the seeds give a point on the curve
        raise InvalidArgumentError(f"the pool's nonce {nonce} gives no program address") from e


SWAP_BASE_IN_V2, SWAP_BASE_OUT_V2 = 16, 17  # the program's instruction tags (instruction.rs)


def swap_instruction(pool_address: Pubkey, pool: Pool, owner: Pubkey, user_in: Pubkey, user_out: Pubkey,
                     amount: int, threshold: int, *, exact_in: bool = True, program_id: Pubkey = PROGRAM_ID):
    """swap_base_in_v2 (`amount` in, at least `threshold` out) or with exact_in=False
    swap_base_out_v2 (`amount` out, at most `threshold` in): token program, pool, authority, coin
    vault, pc vault, the user's source and destination token accounts, the owner (signer). The
    direction is the accounts': the program reads it from the user's mints."""
    from solders.instruction import AccountMeta, Instruction

    for v in (amount, threshold):
        if not 0 <= v < 1 << 64:
            raise InvalidArgumentError(f"amounts are u64, not {v}")
    f = pool.fields
    m = AccountMeta
    metas = [m(TOKEN_PROGRAM_ID, False, False), m(pool_address, False, True), m(authority(pool, program_id), False, False),
             m(Pubkey.from_bytes(f["coin_vault"]), False, True), m(Pubkey.from_bytes(f["pc_vault"]), False, True),
             m(user_in, False, True), m(user_out, False, True), m(owner, True, False)]
    first, second = (amount, threshold) if exact_in else (threshold, amount)  # (amount_in, min_out) / (max_in, amount_out)
    data = bytes([SWAP_BASE_IN_V2 if exact_in else SWAP_BASE_OUT_V2]) + first.to_bytes(8, "little") + \
        second.to_bytes(8, "little")
    return Instruction(program_id, data, metas)


def swap_patches(ix_index: int, exact_in: bool = True) -> dict:
    """The TxTemplate patch points of a swap instruction at `ix_index`."""
    from mevlib.signer import Patch

    first, second = ("amount_in", "minimum_out") if exact_in else ("max_in", "amount_out")
    return {first: Patch(ix_index, 1, "u64"), second: Patch(ix_index, 9, "u64")}
