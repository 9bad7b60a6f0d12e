"""Pools as numbers: account decoders, exact quotes and swap instructions for Solana AMMs (the C
is in csrc/dex/). This first part covers the SPL Token and Token-2022 accounts every pool's vaults
and mints are, and Token-2022 transfer fees.

    acct = decode_token_account(data, program=TOKEN_PROGRAM_ID)   # a vault's balance, owner, mint
    mint = decode_mint(data, program=TOKEN_2022_PROGRAM_ID)
    fee = mint.transfer_fee(epoch).fee_of(amount)                # Token-2022 calculate_fee
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from solders.pubkey import Pubkey

from mevlib import _dex
from mevlib.errors import InvalidArgumentError

TOKEN_PROGRAM_ID = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
TOKEN_2022_PROGRAM_ID = Pubkey.from_string("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb")
MEMO_PROGRAM_ID = Pubkey.from_string("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr")  # the swaps' v2 instructions name it
# one decoded token account per record, for batches (decode_token_accounts)
TOKEN_ACCOUNT_DTYPE = np.dtype([("mint", "V32"), ("owner", "V32"), ("amount", "<u8"),
                                ("delegated_amount", "<u8"), ("state", "u1")])


ASSOCIATED_TOKEN_PROGRAM_ID = Pubkey.from_string("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL")


def associated_token_address(owner: Pubkey, mint: Pubkey, token_program: Pubkey = TOKEN_PROGRAM_ID) -> Pubkey:
    """The associated token account of `owner` for `mint` (the ATA program's PDA: owner, token
    program, mint)."""
    return Pubkey.find_program_address([bytes(owner), bytes(token_program), bytes(mint)],
                                       ASSOCIATED_TOKEN_PROGRAM_ID)[0]


def _program(program) -> int:
    if program in (TOKEN_PROGRAM_ID, str(TOKEN_PROGRAM_ID), _dex.TOKEN):
        return _dex.TOKEN
    if program in (TOKEN_2022_PROGRAM_ID, str(TOKEN_2022_PROGRAM_ID), _dex.TOKEN_2022):
        return _dex.TOKEN_2022
    raise InvalidArgumentError(f"program must be the Token or Token-2022 program, not {program!r}")


def _key(raw):
    return Pubkey.from_bytes(raw) if raw is not None else None


class TransferFee(NamedTuple):
    epoch: int
    maximum_fee: int
    basis_points: int

    def fee_of(self, amount: int) -> int:
        """Withheld when `amount` is sent: ceil(amount × bps / 10,000), at most maximum_fee."""
        return _dex.transfer_fee(self.maximum_fee, self.basis_points, amount)

    def pre_fee_amount(self, post: int) -> int:
        """The smallest amount to send so that `post` arrives (MathOverflowError past u64)."""
        return _dex.pre_fee_amount(self.maximum_fee, self.basis_points, post)

    def inverse_fee(self, post: int) -> int:
        """The fee on the amount that delivers `post` (Token-2022's calculate_inverse_epoch_fee;
        at 100% the maximum fee)."""
        if self.basis_points == 10_000:
            return self.maximum_fee
        return self.fee_of(self.pre_fee_amount(post)) if post else 0

    def included_fee(self, post: int) -> int:
        """inverse_fee as Raydium's and Orca's programs take it before a transfer that must deliver
        `post` (calculate_transfer_fee_included_amount): checked to be the fee of post plus it, and
        to fit u64."""
        from mevlib.errors import MathOverflowError

        inv = self.inverse_fee(post)
        if post + inv > (1 << 64) - 1:
            raise MathOverflowError("transfer amount past u64")
        if self.basis_points != 10_000 and self.fee_of(post + inv) != inv:
            raise InvalidArgumentError("the transfer fee does not invert for this amount")
        return inv


NO_FEE = TransferFee(0, 0, 0)


class TokenAccount(NamedTuple):
    mint: Pubkey
    owner: Pubkey
    amount: int
    delegate: Pubkey | None
    delegated_amount: int
    state: int                  # 1 initialized, 2 frozen
    native_reserve: int | None  # a wrapped-SOL account's rent-exempt reserve
    close_authority: Pubkey | None


class Mint(NamedTuple):
    mint_authority: Pubkey | None
    supply: int
    decimals: int
    freeze_authority: Pubkey | None
    withheld_amount: int = 0
    older_fee: TransferFee | None = None    # Token-2022 TransferFeeConfig, when the mint has it
    newer_fee: TransferFee | None = None
    transfer_hook: Pubkey | None = None     # the program its TransferHook extension names

    def transfer_fee(self, epoch: int) -> TransferFee:
        """The fee in force at `epoch` (the newer one from its epoch on; none without the extension)."""
        if self.newer_fee is None:
            return NO_FEE
        return self.newer_fee if epoch >= self.newer_fee.epoch else self.older_fee


def decode_token_account(data, program=TOKEN_PROGRAM_ID) -> TokenAccount:
    """A token account (165 bytes; Token-2022 may carry extensions past them); LayoutError for
    anything else."""
    mint, owner, amount, delegate, delegated, state, native, close = _dex.token_account(data, _program(program))
    return TokenAccount(_key(mint), _key(owner), amount, _key(delegate), delegated, state, native, _key(close))


def decode_mint(data, program=TOKEN_PROGRAM_ID) -> Mint:
    """A mint (82 bytes; Token-2022 may carry extensions); LayoutError for anything else."""
    authority, supply, decimals, freeze, fees, hook = _dex.mint(data, _program(program))
    if fees is None:
        return Mint(_key(authority), supply, decimals, _key(freeze), transfer_hook=_key(hook))
    withheld, older, newer = fees
    return Mint(_key(authority), supply, decimals, _key(freeze), withheld, TransferFee(*older), TransferFee(*newer),
                _key(hook))


def remaining_accounts_info(slices) -> bytes:
    """Borsh of the RemainingAccountsInfo that Orca's and Meteora's v2 instructions take: a vec of
    slices, each (accounts type u8, length u8), saying what the remaining accounts are in order."""
    import struct

    out = struct.pack("<I", len(slices))
    for kind, length in slices:
        if not 0 <= length < 256:
            raise InvalidArgumentError(f"a remaining-accounts slice holds at most 255 accounts, not {length}")
        out += bytes([kind, length])
    return out


def encode_account(what: str, size: int, layout: dict, fields: dict, prefix: bytes = b"") -> bytes:
    """An account's bytes from named fields (the simulator's pools, and tests): `layout` maps each
    field to (offset, struct format); fields not given are zero; a public key is a Pubkey or 32
    bytes. Unknown fields are an InvalidArgumentError."""
    import struct

    unknown = set(fields) - set(layout)
    if unknown:
        raise InvalidArgumentError(f"{what} has no field {sorted(unknown)[0]!r}")
    data = bytearray(size)
    data[:len(prefix)] = prefix
    for name, value in fields.items():
        offset, fmt = layout[name]
        if fmt == "key":
            data[offset:offset + 32] = bytes(value)
        elif fmt == "i128":
            data[offset:offset + 16] = int(value).to_bytes(16, "little", signed=True)
        else:
            struct.pack_into(fmt, data, offset, value)
    return bytes(data)


def encode_bitmap_extension(discriminator: bytes, size: int, pool: Pubkey, negative_at: int, positive, negative) -> bytes:
    """A concentrated-liquidity pool's bitmap extension (Raydium CLMM's tick arrays, DLMM's bin
    arrays): the discriminator, the pool's key, then bitmaps of 8 u64 words each, the positive side
    from byte 40 and the negative from `negative_at`."""
    import struct

    data = bytearray(size)
    data[:8] = discriminator
    data[8:40] = bytes(pool)
    for base, maps in ((40, positive), (negative_at, negative)):
        for b, words in enumerate(maps):
            struct.pack_into("<8Q", data, base + 64 * b, *words)
    return bytes(data)


def encode_token_account(mint: Pubkey, owner: Pubkey, amount: int) -> bytes:
    """An initialized SPL Token account (165 bytes: spl-token state.rs Account): no delegate, not
    native, no close authority."""
    import struct

    return bytes(mint) + bytes(owner) + struct.pack("<Q", amount) + bytes(4 + 32) + bytes([1]) + bytes(4 + 8 + 8 + 4 + 32)


def encode_mint(supply: int, decimals: int, authority: Pubkey | None = None, extensions: dict | None = None) -> bytes:
    """An initialized SPL Token mint (82 bytes: spl-token state.rs Mint), or with `extensions`
    ({extension type: value bytes}) a Token-2022 one: padded to the account size, the account type
    (1, a mint), then each extension as type u16, length u16, value (extension/mod.rs)."""
    import struct

    tag = struct.pack("<I", 1 if authority is not None else 0) + (bytes(authority) if authority else bytes(32))
    base = tag + struct.pack("<QBB", supply, decimals, 1) + struct.pack("<I", 0) + bytes(32)
    if extensions is None:
        return base
    tlv = b"".join(struct.pack("<HH", kind, len(value)) + bytes(value) for kind, value in extensions.items())
    return base + bytes(165 - len(base)) + b"\x01" + tlv


def pool_dtype(kind: int) -> np.dtype:
    """The structured dtype of a batch of decoded pools (_dex.POOL_AMM_V4, POOL_CPMM, POOL_PUMP,
    POOL_WHIRLPOOL, POOL_RAYDIUM_CLMM, POOL_METEORA_DLMM): the C struct's fields at the compiler's offsets; public keys
    as 32-byte voids, u128s as their _lo and _hi u64 halves."""
    fields, size = _dex.pool_struct_fields(kind)
    return np.dtype({"names": [f[0] for f in fields], "formats": [f[2] for f in fields],
                     "offsets": [f[1] for f in fields], "itemsize": size})


def decode_pools(kind: int, datas) -> tuple[np.ndarray, np.ndarray]:
    """Many pool accounts of one kind decoded in C with the GIL released: (records, decoded); a
    record whose account did not decode is zero and False in `decoded`."""
    datas = list(datas)
    out = np.zeros(len(datas), pool_dtype(kind))
    return out, _dex.pools_into(kind, datas, out)


def decode_token_accounts(datas, program=TOKEN_PROGRAM_ID) -> tuple[np.ndarray, np.ndarray]:
    """Many token accounts at once (TOKEN_ACCOUNT_DTYPE records) with the GIL released; returns
    (records, decoded): a record whose account did not decode is zero and False in `decoded`."""
    out = np.zeros(len(datas), TOKEN_ACCOUNT_DTYPE)
    ok = _dex.token_accounts_into(list(datas), out, _program(program))
    return out, ok
