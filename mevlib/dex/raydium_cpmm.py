"""Raydium CPMM (raydium-cp-swap): the pool and config accounts and exact quotes, integer for
integer what the program computes (csrc/dex/cpmm.h cites the sources), Token-2022 transfer fees
included as the program applies them: on what the user sends before the swap and on what leaves
the vault after it (exact-in), or inverted from what must arrive (exact-out)."""
from __future__ import annotations

from typing import NamedTuple

from solders.pubkey import Pubkey

from mevlib import _dex
from mevlib.dex import NO_FEE, TransferFee
from mevlib.errors import InvalidArgumentError, MathOverflowError

PROGRAM_ID = Pubkey.from_string("CPMMoo8L3F4NbTegBCKVNunggL7H1ZpdTHKxQB5qKP1C")
Pool = _dex.CpmmPool      # Pool(data): .fields, .reserves(vault_0, vault_1)
Config = _dex.CpmmConfig  # Config(data), or Config(trade_fee_rate=..., ...): rates per 1,000,000


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


def inverse_fee(fee: TransferFee, post: int) -> int:
    """The transfer fee on the amount that delivers `post` (Token-2022's calculate_inverse_fee, and
    the program's check that it is the fee of post + it)."""
    if fee.basis_points == 10_000:
        return fee.maximum_fee
    inv = fee.fee_of(fee.pre_fee_amount(post)) if post else 0
    if post + inv > (1 << 64) - 1:
        raise MathOverflowError("transfer amount past u64")
    if fee.fee_of(post + inv) != inv:
        raise InvalidArgumentError("the transfer fee does not invert for this amount (TransferFeeCalculateNotMatch)")
    return inv


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
    vout = amount_out + inverse_fee(fee_out, amount_out)
    vin, _, trade, protocol, fund, creator, on_input = _dex.cpmm_quote(pool, config, zero_for_one, r_in, r_out,
                                                                       vout, False)
    sent = vin + inverse_fee(fee_in, vin)
    return Quote(sent, amount_out, vin, vout, trade, protocol, fund, creator, on_input)
