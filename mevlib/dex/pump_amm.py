"""Pump.fun AMM (pump-swap): pools, the global config and pump-fees' fee schedule decoded in C,
exact quotes for the four trades, and the buy / sell instructions. The program's source is not
published; csrc/dex/pump_amm.h cites the IDL and the official SDK (@pump-fun/pump-swap-sdk 1.20.0)
whose arithmetic this follows, integer for integer.

    market = pump_amm.Market(Pool(pool_data), GlobalConfig(global_data), FeeConfig(fee_data),
                             base_mint_supply=mint.supply)
    q = market.buy_exact_quote_in(pool_base_balance, pool_quote_balance, 10**9)   # q.base out
"""
from __future__ import annotations

from typing import NamedTuple

from solders.pubkey import Pubkey

from mevlib import _dex
from mevlib.dex import (ASSOCIATED_TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID, associated_token_address,
                        decode_pools, encode_account)
from mevlib.errors import InvalidArgumentError

PROGRAM_ID = Pubkey.from_string("pAMMBay6oceH9fJKBRHGP5D4bD4sWpmSwMn52FMfXEA")
FEE_PROGRAM_ID = Pubkey.from_string("pfeeUxB6jkeY1Hxd7CsFCAjcbHA9rWtchMGdZ6VojVZ")
PUMP_PROGRAM_ID = Pubkey.from_string("6EF8rrecthR5Dkzon8Nwu78hRvfCKubJ14M5uBEwF6P")  # the bonding curve
SYSTEM_PROGRAM_ID = Pubkey.from_string("11111111111111111111111111111111")
WSOL_MINT = Pubkey.from_string("So11111111111111111111111111111111111111112")
WSOL_2022_MINT = Pubkey.from_string("9pan9bMn5HatX4EJdBwg9VgCa7Uz5HL8N1m5D3NdXejP")
USDC_MINT = Pubkey.from_string("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v")
SOL_LIKE_QUOTES = (Pubkey.default(), WSOL_MINT, WSOL_2022_MINT)  # pump-fees is_sol_like_quote_mint
STABLE_QUOTES = (USDC_MINT,)                                      # pump-fees STABLE_QUOTE_MINTS

Pool = _dex.PumpPool                   # Pool(data).fields; 211..270-byte versions, 300+ extended
GlobalConfig = _dex.PumpGlobalConfig   # GlobalConfig(data).fields
FeeConfig = _dex.PumpFeeConfig         # FeeConfig(data).fields: pump-fees' schedules


POOL_DISCRIMINATOR = bytes([241, 154, 109, 4, 17, 177, 109, 188])
GLOBAL_DISCRIMINATOR = bytes([149, 8, 156, 202, 160, 252, 176, 217])
POOL_LAYOUT = {"pool_bump": (8, "B"), "index": (9, "<H"),
               **{name: (11 + 32 * i, "key") for i, name in enumerate(("creator", "base_mint", "quote_mint", "lp_mint",
                                                                        "pool_base_token_account",
                                                                        "pool_quote_token_account"))},
               "lp_supply": (203, "<Q"), "coin_creator": (211, "key"), "is_mayhem_mode": (243, "?"),
               "is_cashback_coin": (244, "?"), "virtual_quote_reserves": (245, "i128"), "creator_fee_bps": (261, "<Q"),
               "can_edit_creator_fee": (269, "?")}
GLOBAL_LAYOUT = {"admin": (8, "key"), "lp_fee_basis_points": (40, "<Q"), "protocol_fee_basis_points": (48, "<Q"),
                 "disable_flags": (56, "B"), **{f"protocol_fee_recipient_{i}": (57 + 32 * i, "key") for i in range(8)},
                 "coin_creator_fee_basis_points": (313, "<Q"), "reserved_fee_recipient": (385, "key"),
                 "mayhem_mode_enabled": (417, "?"), "is_cashback_enabled": (642, "?"),
                 **{f"buyback_fee_recipient_{i}": (643 + 32 * i, "key") for i in range(8)},
                 "buyback_basis_points": (899, "<Q"), "boost_enabled": (939, "?"), "creator_fee_configurable": (940, "?"),
                 "max_configurable_creator_fee_bps": (941, "<Q")}


def encode_pool(**fields) -> bytes:
    """A Pool account (the current 270-byte version) from its fields (Pool(data).fields names)."""
    return encode_account("Pump.fun AMM Pool", 270, POOL_LAYOUT, fields, POOL_DISCRIMINATOR)


def encode_global_config(**fields) -> bytes:
    """A GlobalConfig account (949 bytes); recipients as protocol_fee_recipient_0..7 and
    buyback_fee_recipient_0..7."""
    return encode_account("Pump.fun AMM GlobalConfig", 949, GLOBAL_LAYOUT, fields, GLOBAL_DISCRIMINATOR)


def _pda(seeds, program=PROGRAM_ID) -> Pubkey:
    return Pubkey.find_program_address(seeds, program)[0]


GLOBAL_CONFIG = _pda([b"global_config"])
EVENT_AUTHORITY = _pda([b"__event_authority"])
GLOBAL_VOLUME_ACCUMULATOR = _pda([b"global_volume_accumulator"])
FEE_CONFIG = _pda([b"fee_config", bytes(PROGRAM_ID)], FEE_PROGRAM_ID)


def pool_authority(base_mint: Pubkey) -> Pubkey:
    """The bonding curve's pool authority: the creator of a canonical pump pool."""
    return _pda([b"pool-authority", bytes(base_mint)], PUMP_PROGRAM_ID)


def schedule(pool: Pool) -> int:
    """Which fee schedule the pool pays (pump-fees FeeConfig::fees_for_quote_mint): flat fees
    unless a canonical pump pool, then by quote mint: SOL tiers, stable tiers, or exotic flat."""
    f = pool.fields
    if pool_authority(Pubkey.from_bytes(f["base_mint"])) != Pubkey.from_bytes(f["creator"]):
        return _dex.PUMP_FLAT
    quote = Pubkey.from_bytes(f["quote_mint"])
    if quote in SOL_LIKE_QUOTES:
        return _dex.PUMP_SOL_TIERS
    return _dex.PUMP_STABLE_TIERS if quote in STABLE_QUOTES else _dex.PUMP_EXOTIC


class Quote(NamedTuple):
    base: int          # base bought (out) or sold (in)
    quote: int         # quote paid, fees included, or received, fees taken
    swapped: int       # the quote the curve itself moves
    lp_fee: int
    protocol_fee: int
    creator_fee: int


class Market:
    """A pool priced with its configs. Reserves are the pool's vault balances; the pool's virtual
    quote reserves are added where the program adds them. Fees are chosen per trade: they tier by
    market cap. Errors: InvalidArgumentError where the program would fail the trade (empty
    reserves, more than the pool holds), MathOverflowError past u64."""

    def __init__(self, pool: Pool, config: GlobalConfig, fee_config: FeeConfig | None = None,
                 base_mint_supply: int = 0):
        self.pool, self.config, self.fee_config, self.base_mint_supply = pool, config, fee_config, base_mint_supply
        self._c = _dex.PumpMarket(pool, config, fee_config, schedule(pool), base_mint_supply)

    def fees(self, base_reserve: int, quote_reserve: int) -> tuple[int, int, int]:
        """(lp, protocol, creator) basis points at these reserves."""
        return self._c.fees(base_reserve, quote_reserve)

    def buy_exact_base_out(self, base_reserve: int, quote_reserve: int, base_out: int) -> Quote:
        """`buy`: what `base_out` costs in quote, fees on top (the instruction's max_quote_amount_in)."""
        return Quote(*self._c.quote(_dex.PUMP_BUY_BASE_OUT, base_reserve, quote_reserve, base_out))

    def buy_exact_quote_in(self, base_reserve: int, quote_reserve: int, quote_in: int) -> Quote:
        """`buy_exact_quote_in`: the base that `quote_in`, fees included, buys."""
        return Quote(*self._c.quote(_dex.PUMP_BUY_QUOTE_IN, base_reserve, quote_reserve, quote_in))

    def sell_exact_base_in(self, base_reserve: int, quote_reserve: int, base_in: int) -> Quote:
        """`sell`: the quote `base_in` brings, fees taken."""
        return Quote(*self._c.quote(_dex.PUMP_SELL_BASE_IN, base_reserve, quote_reserve, base_in))

    def sell_exact_quote_out(self, base_reserve: int, quote_reserve: int, quote_out: int) -> Quote:
        """The base to sell so that `quote_out` arrives, fees taken."""
        return Quote(*self._c.quote(_dex.PUMP_SELL_QUOTE_OUT, base_reserve, quote_reserve, quote_out))


def decode_many(datas):
    """Many Pool accounts into a numpy structured array (mevlib.dex.pool_dtype; the virtual quote
    reserves as an i128's low and high words), GIL released: (records, decoded)."""
    return decode_pools(_dex.POOL_PUMP, datas)


def quote_many(side: str, base_reserve, quote_reserve, amount, fees, virtual_quote=0):
    """Many trades at once (numpy arrays, broadcast), the GIL released: side "sell" (base in,
    quote out, as sell_exact_base_in) or "buy" (quote in, base out, as buy_exact_quote_in); `fees`
    (lp, protocol, creator) basis points, e.g. Market.fees. Returns (out uint64, ok bool)."""
    import numpy as np

    if side not in ("buy", "sell"):
        raise InvalidArgumentError(f"side is buy or sell, not {side!r}")
    sell = side == "sell"
    lp, protocol, creator = fees
    params = np.stack(np.broadcast_arrays(*(np.asarray(x, dtype=np.int64) for x in (
        lp, protocol, creator, int(sell), virtual_quote))), axis=-1)
    r_in, r_out = (base_reserve, quote_reserve) if sell else (quote_reserve, base_reserve)
    return _dex.swap_many(_dex.EDGE_PUMP, r_in, r_out, amount, params)


# --- swap instructions ----------------------------------------------------------------------------
# Anchor discriminators, from the IDL: sha256("global:buy" / "global:sell" / "global:buy_exact_quote_in")[:8]
BUY = bytes([102, 6, 61, 18, 1, 218, 235, 234])
SELL = bytes([51, 230, 133, 164, 1, 127, 131, 173])
BUY_EXACT_QUOTE_IN = bytes([198, 46, 21, 82, 180, 217, 232, 112])


def _u64(v: int) -> bytes:
    if not 0 <= v < 1 << 64:
        raise InvalidArgumentError(f"amounts are u64, not {v}")
    return v.to_bytes(8, "little")


def swap_instruction(pool_address: Pubkey, pool: Pool, user: Pubkey, side: str, amount: int, bound: int, *,
                     protocol_fee_recipient: Pubkey, buyback_fee_recipient: Pubkey,
                     base_token_program: Pubkey = TOKEN_PROGRAM_ID, quote_token_program: Pubkey = TOKEN_PROGRAM_ID,
                     user_base: Pubkey | None = None, user_quote: Pubkey | None = None, track_volume: bool = True):
    """One swap, accounts in the IDL's order then the remaining accounts the program reads:
      side "buy":            base_amount_out = amount, max_quote_amount_in = bound
      side "buy_exact_quote": spendable_quote_in = amount, min_base_amount_out = bound
      side "sell":           base_amount_in = amount, min_quote_amount_out = bound
    The fee recipients are any of the global config's protocol_fee_recipients (reserved ones for a
    mayhem-mode pool) and buyback_fee_recipients. User token accounts default to the associated
    ones. The instruction does not wrap SOL or create accounts: the caller's transaction does."""
    from solders.instruction import AccountMeta, Instruction

    if side not in ("buy", "buy_exact_quote", "sell"):
        raise InvalidArgumentError(f"side is buy, buy_exact_quote or sell, not {side!r}")
    for program in (base_token_program, quote_token_program):
        if program not in (TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID):
            raise InvalidArgumentError(f"{program} is not a token program")
    f = pool.fields
    key = lambda name: Pubkey.from_bytes(f[name])
    base_mint, quote_mint, coin_creator = key("base_mint"), key("quote_mint"), key("coin_creator")
    user_base = user_base or associated_token_address(user, base_mint, base_token_program)
    user_quote = user_quote or associated_token_address(user, quote_mint, quote_token_program)
    creator_vault = _pda([b"creator_vault", bytes(coin_creator)])
    user_volume = _pda([b"user_volume_accumulator", bytes(user)])
    m = AccountMeta
    metas = [m(pool_address, False, True), m(user, True, True), m(GLOBAL_CONFIG, False, False),
             m(base_mint, False, False), m(quote_mint, False, False), m(user_base, False, True),
             m(user_quote, False, True), m(key("pool_base_token_account"), False, True),
             m(key("pool_quote_token_account"), False, True), m(protocol_fee_recipient, False, False),
             m(associated_token_address(protocol_fee_recipient, quote_mint, quote_token_program), False, True),
             m(base_token_program, False, False), m(quote_token_program, False, False),
             m(SYSTEM_PROGRAM_ID, False, False), m(ASSOCIATED_TOKEN_PROGRAM_ID, False, False),
             m(EVENT_AUTHORITY, False, False), m(PROGRAM_ID, False, False),
             m(associated_token_address(creator_vault, quote_mint, quote_token_program), False, True),
             m(creator_vault, False, False)]
    if side != "sell":  # buys track volume
        metas += [m(GLOBAL_VOLUME_ACCUMULATOR, False, False), m(user_volume, False, True)]
    metas += [m(FEE_CONFIG, False, False), m(FEE_PROGRAM_ID, False, False)]
    # remaining accounts: the cashback account(s), the pool-v2 PDA for pools with a coin creator,
    # then the buyback recipient and its token account
    if f["is_cashback_coin"]:
        metas.append(m(associated_token_address(user_volume, quote_mint, quote_token_program), False, True))
        if side == "sell":
            metas.append(m(user_volume, False, True))
    if coin_creator != Pubkey.default():
        metas.append(m(_pda([b"pool-v2", bytes(base_mint)]), False, False))
    metas += [m(buyback_fee_recipient, False, False),
              m(associated_token_address(buyback_fee_recipient, quote_mint, quote_token_program), False, True)]
    if side == "sell":
        data = SELL + _u64(amount) + _u64(bound)
    else:  # a trailing OptionBool: track_volume
        data = (BUY if side == "buy" else BUY_EXACT_QUOTE_IN) + _u64(amount) + _u64(bound) + bytes([track_volume])
    return Instruction(PROGRAM_ID, data, metas)


def swap_patches(ix_index: int, side: str) -> dict:
    """The TxTemplate patch points of a swap instruction at `ix_index`, re-signed per quote."""
    from mevlib.signer import Patch

    names = {"buy": ("base_out", "max_quote_in"), "buy_exact_quote": ("quote_in", "min_base_out"),
             "sell": ("base_in", "min_quote_out")}[side]
    return {names[0]: Patch(ix_index, 8, "u64"), names[1]: Patch(ix_index, 16, "u64")}
