"""Yellowstone ("Dragon's Mouth") gRPC messages (yellowstone.proto beside this file): the
SubscribeRequest a searcher sends, encoded here, and the SubscribeUpdate stream, decoded in C
(csrc/yellowstone.c) into the same AccountUpdate / SlotUpdate objects as the plugin's feed, plus
TransactionUpdate for transactions."""
from __future__ import annotations

import json
from collections.abc import Iterable
from typing import NamedTuple

from solders.transaction_status import TransactionStatus

from mevlib import _feed
from mevlib.errors import InvalidArgumentError
from mevlib.feed.core import AccountUpdate, SlotUpdate

COMMITMENT = {"processed": 0, "confirmed": 1, "finalized": 2}  # geyser.proto CommitmentLevel


class TransactionUpdate(NamedTuple):
    signature: bytes          # 64 bytes
    slot: int
    is_vote: bool
    account_keys: tuple       # the message's static keys, 32 bytes each
    err: bytes | None         # bincode TransactionError (transaction_error_json reads it); None: it succeeded
    fee: int
    index: int                # its position in the block
    transaction: bytes | None  # the encoded solana.storage Transaction, when asked for


def decode_update(message: bytes, with_transaction: bool = False):
    """One SubscribeUpdate: AccountUpdate, SlotUpdate (statuses in the plugin's numbering),
    TransactionUpdate, "ping", ("pong", id), "other" (a kind mevlib does not read), or None for
    bytes that are not a SubscribeUpdate."""
    return _feed.decode_yellowstone(message, AccountUpdate, SlotUpdate, TransactionUpdate, with_transaction)


def transaction_error_json(err: bytes) -> object:
    """A bincode TransactionError as Agave's JSON ({"InstructionError": [0, {"Custom": 1}]}, ...),
    read by solders inside a TransactionStatus; ValueError if it is not one."""
    status = b"\0" * 8 + b"\0" + b"\0\0\0\0" + b"\x01" + bytes(err) + b"\0"
    try:
        return json.loads(TransactionStatus.from_bytes(status).to_json())["err"]
    except Exception as e:  # solders' own error types
        raise ValueError(f"not a bincode TransactionError: {e}") from None


# --- a protobuf writer for the request (and the simulator's updates) --------------------------
def _varint(v: int) -> bytes:
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def pb_uint(num: int, v: int) -> bytes:
    """A varint field (uint64, bool, enum; int32 values sign-extended to 64 bits)."""
    return _varint(num << 3) + _varint(v & 0xFFFFFFFFFFFFFFFF)


def pb_bytes(num: int, v: bytes | str) -> bytes:
    v = v.encode() if isinstance(v, str) else bytes(v)
    return _varint(num << 3 | 2) + _varint(len(v)) + v


def _map(num: int, entries: dict) -> bytes:
    """A map<string, message> field: one entry message (key 1, value 2) per item."""
    return b"".join(pb_bytes(num, pb_bytes(1, k) + pb_bytes(2, v)) for k, v in entries.items())


def _account_filter(f: dict) -> bytes:
    if "memcmp" in f:
        m = f["memcmp"]
        data = pb_bytes(2, m["bytes"]) if isinstance(m.get("bytes"), (bytes, bytearray)) else \
            pb_bytes(3, m["base58"]) if "base58" in m else pb_bytes(4, m["base64"])
        return pb_bytes(1, pb_uint(1, int(m.get("offset", 0))) + data)
    if "datasize" in f:
        return pb_uint(2, int(f["datasize"]))
    if "token_account_state" in f:
        return pb_uint(3, bool(f["token_account_state"]))
    if "lamports" in f:
        (cmp, value), = f["lamports"].items()
        return pb_bytes(4, pb_uint({"eq": 1, "ne": 2, "lt": 3, "gt": 4}[cmp], int(value)))
    raise InvalidArgumentError(f"an accounts filter is memcmp, datasize, token_account_state or lamports: {f!r}")


def subscribe_request(*, accounts: dict | None = None, slots: dict | None = None,
                      transactions: dict | None = None, blocks_meta: Iterable[str] = (),
                      commitment: str | None = None, data_slices: Iterable[tuple[int, int]] = (),
                      from_slot: int | None = None, ping_id: int | None = None) -> bytes:
    """An encoded SubscribeRequest. Each filter dict maps a name (echoed in updates' `filters`) to:
    accounts {"account": [...], "owner": [...], "filters": [{"memcmp": {"offset", "bytes" |
    "base58" | "base64"}}, {"datasize": n}, {"token_account_state": True}, {"lamports": {"gt": n}}],
    "nonempty_txn_signature": bool}; slots {"filter_by_commitment": bool, "interslot_updates":
    bool}; transactions {"vote", "failed", "signature", "account_include", "account_exclude",
    "account_required"}."""
    out = b""
    acc = {}
    for name, f in (accounts or {}).items():
        body = b"".join(pb_bytes(2, a) for a in f.get("account", ()))
        body += b"".join(pb_bytes(3, o) for o in f.get("owner", ()))
        body += b"".join(pb_bytes(4, _account_filter(x)) for x in f.get("filters", ()))
        if "nonempty_txn_signature" in f:
            body += pb_uint(5, bool(f["nonempty_txn_signature"]))
        acc[name] = body
    out += _map(1, acc)
    out += _map(2, {name: (pb_uint(1, bool(f["filter_by_commitment"])) if "filter_by_commitment" in f else b"") +
                    (pb_uint(2, bool(f["interslot_updates"])) if "interslot_updates" in f else b"")
                    for name, f in (slots or {}).items()})
    txs = {}
    for name, f in (transactions or {}).items():
        body = pb_uint(1, bool(f["vote"])) if "vote" in f else b""
        body += pb_uint(2, bool(f["failed"])) if "failed" in f else b""
        body += b"".join(pb_bytes(3, a) for a in f.get("account_include", ()))
        body += b"".join(pb_bytes(4, a) for a in f.get("account_exclude", ()))
        body += pb_bytes(5, f["signature"]) if "signature" in f else b""
        body += b"".join(pb_bytes(6, a) for a in f.get("account_required", ()))
        txs[name] = body
    out += _map(3, txs)
    out += _map(5, {name: b"" for name in blocks_meta})
    if commitment is not None:
        if commitment not in COMMITMENT:
            raise InvalidArgumentError(f"commitment is processed, confirmed or finalized, not {commitment!r}")
        out += pb_uint(6, COMMITMENT[commitment])
    out += b"".join(pb_bytes(7, pb_uint(1, off) + pb_uint(2, length)) for off, length in data_slices)
    if ping_id is not None:
        out += pb_bytes(9, pb_uint(1, ping_id))
    if from_slot is not None:
        out += pb_uint(11, from_slot)
    return out
