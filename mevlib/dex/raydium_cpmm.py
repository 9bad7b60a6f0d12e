"""Raydium CPMM (raydium-cp-swap): the pool and config accounts and exact quotes, integer for
integer what the program computes (csrc/dex/cpmm.h cites the sources), Token-2022 transfer fees
included as the program applies them: on what the user sends before the swap and on what leaves
the vault after it (exact-in), or inverted from what must arrive (exact-out)."""
from __future__ import annotations

from typing import NamedTuple

from solders.pubkey import Pubkey

from mevlib import _dex
from mevlib.dex import NO_FEE, TransferFee, decode_pools, encode_account
from mevlib.errors import InvalidArgumentError

PROGRAM_ID = Pubkey.from_string("CPMMoo8L3F4NbTegBCKVNunggL7H1ZpdTHKxQB5qKP1C")
Pool = _dex.CpmmPool      # Pool(data): .fields, .reserves(vault_0, vault_1)
Config = _dex.CpmmConfig  # Config(data), or Config(trade_fee_rate=..., ...): rates per 1,000,000


POOL_DISCRIMINATOR = bytes([247, 237, 227, 245, 215, 195, 222, 70])    # sha256("account:PoolState")[:8]
CONFIG_DISCRIMINATOR = bytes([218, 244, 33, 104, 203, 203, 43, 111])  # sha256("account:AmmConfig")[:8]
_POOL_KEYS = ("amm_config", "pool_creator", "token_0_vault", "token_1_vault", "lp_mint", "token_0_mint",
              "token_1_mint", "token_0_program", "token_1_program", "observation")
POOL_LAYOUT = {**{name: (8 + 32 * i, "key") for i, name in enumerate(_POOL_KEYS)},
               **{name: (328 + i, "B") for i, name in enumerate(("auth_bump", "status", "lp_mint_decimals",
                                                                  "mint_0_decimals", "mint_1_decimals"))},
               **{name: (333 + 8 * i, "<Q") for i, name in enumerate(("lp_supply", "protocol_fees_0", "protocol_fees_1",
                                                                       "fund_fees_0", "fund_fees_1", "open_time",
                                                                       "recent_epoch"))},
               "creator_fee_on": (389, "B"), "enable_creator_fee": (390, "?"), "creator_fees_0": (397, "<Q"),
               "creator_fees_1": (405, "<Q")}
CONFIG_LAYOUT = {"disable_create_pool": (9, "?"), "index": (10, "<H"), "trade_fee_rate": (12, "<Q"),
                 "protocol_fee_rate": (20, "<Q"), "fund_fee_rate": (28, "<Q"), "create_pool_fee": (36, "<Q"),
                 "creator_fee_rate": (108, "<Q")}


def encode_pool(**fields) -> bytes:
    """A PoolState account from its fields (Pool(data).fields names; the rest zero)."""
    return encode_account("PoolState", 637, POOL_LAYOUT, fields, POOL_DISCRIMINATOR)


def encode_config(**fields) -> bytes:
    """An AmmConfig account from its fields (Config(data).fields names; the rest zero)."""
    return encode_account("AmmConfig", 236, CONFIG_LAYOUT, fields, CONFIG_DISCRIMINATOR)


class Quote(NamedTuple):
    amount_in: int            # what the user sends (its transfer fee included)
    amount_out: int           # what the user receives (its transfer fee taken)
    vault_in: int             # what reaches the input vault
    vault_out: int            # what leaves the output vault
    trade_fee: int
    protocol_fee: int
    fund_fee: int
    creator_fee: int
    creator_fee_on_input: bool


def quote_exact_in(pool: Pool, config: Config, zero_for_one: bool, vault_0: int, vault_1: int, amount_in: int,
                   *, fee_in: TransferFee = NO_FEE, fee_out: TransferFee = NO_FEE) -> Quote:
    """swap_base_input: token 0 for token 1 when `zero_for_one`. Vaults are the token accounts'
    balances; `fee_in` / `fee_out` the mints' transfer fees in force (Mint.transfer_fee(epoch))."""
    r0, r1 = pool.reserves(vault_0, vault_1)
    r_in, r_out = (r0, r1) if zero_for_one else (r1, r0)
    actual = amount_in - min(amount_in, fee_in.fee_of(amount_in))
    if actual == 0:
        raise InvalidArgumentError("nothing reaches the pool after the transfer fee")
    vin, vout, trade, protocol, fund, creator, on_input = _dex.cpmm_quote(pool, config, zero_for_one, r_in, r_out,
                                                                          actual, True)
    received = vout - fee_out.fee_of(vout)
    return Quote(amount_in, received, vin, vout, trade, protocol, fund, creator, on_input)


def quote_exact_out(pool: Pool, config: Config, zero_for_one: bool, vault_0: int, vault_1: int, amount_out: int,
                    *, fee_in: TransferFee = NO_FEE, fee_out: TransferFee = NO_FEE) -> Quote:
    """swap_base_output: `amount_out` arrives at the user."""
    if amount_out <= 0:
        raise InvalidArgumentError("amount_out must be positive")
    r0, r1 = pool.reserves(vault_0, vault_1)
    r_in, r_out = (r0, r1) if zero_for_one else (r1, r0)
    vout = amount_out + fee_out.included_fee(amount_out)  # util/token.rs get_transfer_inverse_fee
    vin, _, trade, protocol, fund, creator, on_input = _dex.cpmm_quote(pool, config, zero_for_one, r_in, r_out,
                                                                       vout, False)
    sent = vin + fee_in.included_fee(vin)
    return Quote(sent, amount_out, vin, vout, trade, protocol, fund, creator, on_input)


def decode_many(datas):
    """Many PoolState accounts into a numpy structured array (mevlib.dex.pool_dtype), GIL
    released: (records, decoded)."""
    return decode_pools(_dex.POOL_CPMM, datas)


def quote_many(reserve_in, reserve_out, amount_in, trade_fee_rate, creator_fee_rate=0, creator_fee_on_input=True):
    """swap_base_input on many rows at once (numpy arrays, broadcast; reserves as Pool.reserves
    gives them, no transfer fees): (amount_out uint64, ok bool), the GIL released. The creator
    rate is the config's when the pool enables it, else 0."""
    import numpy as np

    params = np.stack(np.broadcast_arrays(*(np.asarray(x, dtype=np.int64) for x in (
        trade_fee_rate, creator_fee_rate, np.asarray(creator_fee_on_input, dtype=np.int64) * 3, 0, 0))), axis=-1)
    return _dex.swap_many(_dex.EDGE_CPMM, reserve_in, reserve_out, amount_in, params)


# --- swap instructions ----------------------------------------------------------------------------
# Anchor instruction discriminators: sha256("global:swap_base_input" / "global:swap_base_output")[:8]
SWAP_BASE_INPUT = bytes([143, 190, 90, 218, 196, 30, 51, 222])
SWAP_BASE_OUTPUT = bytes([55, 217, 98, 86, 163, 74, 180, 173])
AUTH_SEED = b"vault_and_lp_mint_auth_seed"


def authority(program_id: Pubkey = PROGRAM_ID) -> Pubkey:
    """The PDA that owns the vaults (the program's AUTH_SEED)."""
    return Pubkey.find_program_address([AUTH_SEED], program_id)[0]


def swap_instruction(pool_address: Pubkey, pool: Pool, payer: Pubkey, user_in: Pubkey, user_out: Pubkey,
                     zero_for_one: bool, amount: int, threshold: int, *, exact_in: bool = True,
                     program_id: Pubkey = PROGRAM_ID):
    """swap_base_input (`amount` in, at least `threshold` out) or with exact_in=False
    swap_base_output (`amount` out, at most `threshold` in), with the accounts in the program's
    `Swap` order: payer, authority, config, pool, the user's input
    and output token accounts, the input and output vaults, token programs and mints, observation."""
    from solders.instruction import AccountMeta, Instruction

    f = pool.fields
    side = ("0", "1") if zero_for_one else ("1", "0")
    key = lambda name: Pubkey.from_bytes(f[name])
    metas = [AccountMeta(payer, True, False), AccountMeta(authority(program_id), False, False),
             AccountMeta(key("amm_config"), False, False), AccountMeta(pool_address, False, True),
             AccountMeta(user_in, False, True), AccountMeta(user_out, False, True),
             AccountMeta(key(f"token_{side[0]}_vault"), False, True), AccountMeta(key(f"token_{side[1]}_vault"), False, True),
             AccountMeta(key(f"token_{side[0]}_program"), False, False),
             AccountMeta(key(f"token_{side[1]}_program"), False, False),
             AccountMeta(key(f"token_{side[0]}_mint"), False, False), AccountMeta(key(f"token_{side[1]}_mint"), False, False),
             AccountMeta(key("observation"), False, True)]
    for v in (amount, threshold):
        if not 0 <= v < 1 << 64:
            raise InvalidArgumentError(f"amounts are u64, not {v}")
    # the data is (amount_in, minimum_amount_out) or (max_amount_in, amount_out)
    first, second = (amount, threshold) if exact_in else (threshold, amount)
    data = (SWAP_BASE_INPUT if exact_in else SWAP_BASE_OUTPUT) + first.to_bytes(8, "little") + second.to_bytes(8, "little")
    return Instruction(program_id, data, metas)


def swap_patches(ix_index: int, exact_in: bool = True) -> dict:
    """The TxTemplate patch points of a swap instruction at `ix_index`: the amount and its bound,
    re-signed per quote (exact-in: amount_in and minimum_out; exact-out: max_in and amount_out)."""
    from mevlib.signer import Patch

    first, second = ("amount_in", "minimum_out") if exact_in else ("max_in", "amount_out")
    return {first: Patch(ix_index, 8, "u64"), second: Patch(ix_index, 16, "u64")}
