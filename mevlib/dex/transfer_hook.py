"""Token-2022 transfer hooks: the accounts a transfer of a hooked mint needs, resolved from the hook
program's ExtraAccountMetaList, for the swap instructions that carry them (Orca Whirlpool swap_v2,
Meteora DLMM swap2: `transfer_hook_a/b`, `transfer_hook_x/y`).

Specifications: spl-transfer-hook-interface (the Execute instruction: discriminator
sha256("spl-transfer-hook-interface:execute")[:8], then the amount; the validation account at the
PDA ["extra-account-metas", mint] of the hook program) and spl-tlv-account-resolution (the
ExtraAccountMetaList: a TLV entry of that discriminator, u32 length, u32 count, then 35-byte
ExtraAccountMeta records: discriminator u8, address config [32], is_signer, is_writable; seeds and
pubkey data packed into the address config). The accounts come out in the order the token program
passes them to the hook, and as @solana/spl-token's addExtraAccountMetasForExecute appends them:
each resolved extra account, then the hook program, then the validation account.

    hook = dex.decode_mint(mint_data, TOKEN_2022_PROGRAM_ID).transfer_hook
    accounts = transfer_hook.execute_accounts(hook, mint, source, destination, owner, amount, fetch)
"""
from __future__ import annotations

import hashlib
import struct
from typing import Callable

from solders.instruction import AccountMeta
from solders.pubkey import Pubkey

from mevlib.errors import InvalidArgumentError, LayoutError

EXECUTE_DISCRIMINATOR = hashlib.sha256(b"spl-transfer-hook-interface:execute").digest()[:8]
META_LEN = 35
# ExtraAccountMeta discriminators: a fixed key, a PDA of the hook program, a key read from
# instruction or account data; 128 + i: a PDA of the program at account index i
FIXED, HOOK_PDA, PUBKEY_DATA, PDA_OF_ACCOUNT = 0, 1, 2, 128
# seed configs inside the 32-byte address config
SEED_END, SEED_LITERAL, SEED_INSTRUCTION_DATA, SEED_ACCOUNT_KEY, SEED_ACCOUNT_DATA = 0, 1, 2, 3, 4


def extra_account_metas_address(mint: Pubkey, program_id: Pubkey) -> Pubkey:
    return Pubkey.find_program_address([b"extra-account-metas", bytes(mint)], program_id)[0]


def parse_extra_account_metas(data: bytes) -> list[tuple[int, bytes, bool, bool]]:
    """The Execute entry of a validation account: [(discriminator, address config, is_signer,
    is_writable)]. LayoutError for anything that is not one."""
    data = bytes(data)
    at = 0
    while at + 12 <= len(data):  # TLV entries: discriminator [8], length u32, value
        (length,) = struct.unpack_from("<I", data, at + 8)
        if at + 12 + length > len(data):
            raise LayoutError("ExtraAccountMetaList: an entry runs past the account")
        if data[at:at + 8] == EXECUTE_DISCRIMINATOR:
            value = data[at + 12:at + 12 + length]
            if len(value) < 4:
                raise LayoutError("ExtraAccountMetaList: no count")
            (count,) = struct.unpack_from("<I", value, 0)
            if 4 + count * META_LEN > len(value):
                raise LayoutError(f"ExtraAccountMetaList: {count} metas do not fit {len(value)} bytes")
            metas = []
            for i in range(count):
                raw = value[4 + i * META_LEN:4 + (i + 1) * META_LEN]
                if raw[33] > 1 or raw[34] > 1:
                    raise LayoutError("ExtraAccountMetaList: a flag is not a bool")
                metas.append((raw[0], raw[1:33], bool(raw[33]), bool(raw[34])))
            return metas
        at += 12 + length
    raise LayoutError("ExtraAccountMetaList: no Execute entry")


def encode_extra_account_metas(metas) -> bytes:
    """A validation account's data from [(discriminator, address config (32 bytes), is_signer,
    is_writable)] (tests; a hook program writes its own)."""
    body = struct.pack("<I", len(metas)) + b"".join(
        bytes([d]) + bytes(config).ljust(32, b"\0") + bytes([signer, writable]) for d, config, signer, writable in metas)
    return EXECUTE_DISCRIMINATOR + struct.pack("<I", len(body)) + body


def execute_accounts(program_id: Pubkey, mint: Pubkey, source: Pubkey, destination: Pubkey, owner: Pubkey,
                     amount: int, fetch: Callable[[Pubkey], bytes | None]) -> list[AccountMeta]:
    """The accounts a transfer of `amount` of `mint` from `source` to `destination` by `owner`
    passes to its hook `program_id`: the validation account's extra accounts resolved (`fetch`
    returns an account's data, None when it does not exist), then the hook program and the
    validation account. A hook without a validation account gets the program alone (Token-2022
    invokes it with no extra accounts: the interface's onchain.rs; Meteora's SDK sends the same).
    InvalidArgumentError for a config that cannot resolve."""
    validation = extra_account_metas_address(mint, program_id)
    data = fetch(validation)
    if data is None:
        return [AccountMeta(program_id, False, False)]
    if not 0 <= amount < 1 << 64:
        raise InvalidArgumentError(f"an amount is a u64, not {amount}")
    instruction = EXECUTE_DISCRIMINATOR + struct.pack("<Q", amount)
    # the Execute instruction's accounts, which seeds and key data index into
    metas = [AccountMeta(k, False, False) for k in (source, mint, destination, owner, validation)]
    for discriminator, config, signer, writable in parse_extra_account_metas(data):
        key = _resolve(discriminator, config, metas, instruction, program_id, fetch)
        metas.append(_no_more_than(AccountMeta(key, signer, writable), metas))
    return metas[5:] + [AccountMeta(program_id, False, False), AccountMeta(validation, False, False)]


def _resolve(discriminator: int, config: bytes, metas: list, instruction: bytes, program_id: Pubkey, fetch) -> Pubkey:
    if discriminator == FIXED:
        return Pubkey.from_bytes(config)
    if discriminator == PUBKEY_DATA:
        return _pubkey_data(config, metas, instruction, fetch)
    if discriminator == HOOK_PDA:
        program = program_id
    elif discriminator >= PDA_OF_ACCOUNT:
        index = discriminator - PDA_OF_ACCOUNT
        if index >= len(metas):
            raise InvalidArgumentError(f"extra account meta: a PDA of account {index}, of {len(metas)}")
        program = metas[index].pubkey
    else:
        raise InvalidArgumentError(f"extra account meta: unknown discriminator {discriminator}")
    return Pubkey.find_program_address(_seeds(config, metas, instruction, fetch), program)[0]


def _seeds(config: bytes, metas: list, instruction: bytes, fetch) -> list[bytes]:
    seeds, at = [], 0
    while at < 32:
        kind, rest = config[at], config[at + 1:]
        if kind == SEED_END:
            break
        if kind == SEED_LITERAL:
            if not rest or len(rest) - 1 < rest[0]:
                raise InvalidArgumentError("extra account meta: a literal seed runs past its config")
            seeds.append(bytes(rest[1:1 + rest[0]]))
            at += 2 + rest[0]
        elif kind == SEED_INSTRUCTION_DATA:
            if len(rest) < 2 or rest[0] + rest[1] > len(instruction):
                raise InvalidArgumentError("extra account meta: an instruction-data seed past the data")
            seeds.append(instruction[rest[0]:rest[0] + rest[1]])
            at += 3
        elif kind == SEED_ACCOUNT_KEY:
            if not rest or rest[0] >= len(metas):
                raise InvalidArgumentError("extra account meta: an account-key seed of a missing account")
            seeds.append(bytes(metas[rest[0]].pubkey))
            at += 2
        elif kind == SEED_ACCOUNT_DATA:
            if len(rest) < 3 or rest[0] >= len(metas):
                raise InvalidArgumentError("extra account meta: an account-data seed of a missing account")
            data = fetch(metas[rest[0]].pubkey)
            if data is None or len(data) < rest[1] + rest[2]:
                raise InvalidArgumentError("extra account meta: an account-data seed past the account's data")
            seeds.append(bytes(data[rest[1]:rest[1] + rest[2]]))
            at += 4
        else:
            raise InvalidArgumentError(f"extra account meta: unknown seed type {kind}")
    return seeds


def _pubkey_data(config: bytes, metas: list, instruction: bytes, fetch) -> Pubkey:
    kind = config[0]
    if kind == 1:  # from the instruction's data at an index
        at = config[1]
        if at + 32 > len(instruction):
            raise InvalidArgumentError("extra account meta: key data past the instruction's data")
        return Pubkey.from_bytes(instruction[at:at + 32])
    if kind == 2:  # from an account's data
        index, at = config[1], config[2]
        if index >= len(metas):
            raise InvalidArgumentError("extra account meta: key data of a missing account")
        data = fetch(metas[index].pubkey)
        if data is None or at + 32 > len(data):
            raise InvalidArgumentError("extra account meta: key data past the account's data")
        return Pubkey.from_bytes(bytes(data[at:at + 32]))
    raise InvalidArgumentError(f"extra account meta: unknown key data type {kind}")


def _no_more_than(meta: AccountMeta, metas: list) -> AccountMeta:
    """An account already in the instruction keeps the privileges it has there at most (the
    client's de-escalation: a hook cannot make the transfer's own accounts signers or writable)."""
    same = [m for m in metas if m.pubkey == meta.pubkey]
    if not same:
        return meta
    return AccountMeta(meta.pubkey, meta.is_signer and any(m.is_signer for m in same),
                       meta.is_writable and any(m.is_writable for m in same))
