"""Yellowstone ("Dragon's Mouth") gRPC messages (yellowstone.proto beside this file): the
SubscribeRequest a searcher sends, encoded here, and the SubscribeUpdate stream, decoded in C
(csrc/yellowstone.c) into the same AccountUpdate / SlotUpdate objects as the plugin's feed, plus
TransactionUpdate for transactions."""
from __future__ import annotations

import dataclasses
import json
import queue
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from typing import NamedTuple

from solders.transaction_status import TransactionStatus

from mevlib import _feed
from mevlib._extras import require
from mevlib.errors import InvalidArgumentError, MevError
from mevlib.feed.core import AccountUpdate, EventQueue, SlotUpdate

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


class BlockMetaUpdate(NamedTuple):
    slot: int
    blockhash: str             # base58
    parent_slot: int
    parent_blockhash: str
    executed_transaction_count: int
    block_height: int | None
    block_time: int | None     # unix seconds


def decode_update(message: bytes, with_transaction: bool = False):
    """One SubscribeUpdate: AccountUpdate, SlotUpdate (statuses in the plugin's numbering),
    TransactionUpdate, BlockMetaUpdate, "ping", ("pong", id), "other" (a kind mevlib does not
    read), or None for bytes that are not a SubscribeUpdate."""
    return _feed.decode_yellowstone(message, AccountUpdate, SlotUpdate, TransactionUpdate, BlockMetaUpdate,
                                    with_transaction)


def transaction_error_json(err: bytes) -> object:
    """A bincode TransactionError as Agave's JSON ({"InstructionError": [0, {"Custom": 1}]}, ...),
    read by solders inside a TransactionStatus; ValueError if it is not one."""
    status = b"\0" * 8 + b"\0" + b"\0\0\0\0" + b"\x01" + bytes(err) + b"\0"
    try:
        return json.loads(TransactionStatus.from_bytes(status).to_json())["err"]
    except Exception as e:  # solders' own error types
        raise ValueError(f"not a bincode TransactionError: {e}") from None


# --- a protobuf reader and writer for the request (and the simulator's updates) --------------
def pb_parse(buf: bytes) -> dict[int, list]:
    """A message's fields: number -> values in order (ints for varint and fixed fields, bytes for
    length-delimited ones). ValueError on malformed input."""
    out: dict[int, list] = {}
    i, n = 0, len(buf)

    def varint():
        nonlocal i
        shift = x = 0
        while True:
            if i >= n or shift > 63:
                raise ValueError("truncated varint")
            b = buf[i]
            i += 1
            x |= (b & 0x7F) << shift
            if not b & 0x80:
                return x
            shift += 7
    while i < n:
        key = varint()
        num, wire = key >> 3, key & 7
        if num == 0:
            raise ValueError("field number 0")
        if wire == 0:
            value = varint()
        elif wire == 2:
            size = varint()
            if i + size > n:
                raise ValueError("truncated field")
            value, i = bytes(buf[i:i + size]), i + size
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            if i + size > n:
                raise ValueError("truncated field")
            value, i = int.from_bytes(buf[i:i + size], "little"), i + size
        else:
            raise ValueError(f"wire type {wire} not read here")
        out.setdefault(num, []).append(value)
    return out


# --- writing ---------------------------------------------------------------------------------
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


# --- the source ---------------------------------------------------------------------------------
class YellowstoneError(MevError, ConnectionError):
    """The endpoint refused the stream (bad x-token, bad request) or cannot be reached at all. The
    message never holds the token."""


@dataclasses.dataclass
class YellowstoneStats:
    connects: int = 0
    reconnects: int = 0
    stalls: int = 0            # streams given up after stall_s without a message, not even a ping
    lagged: int = 0            # streams the server closed as lagged (RESOURCE_EXHAUSTED)
    duplicates: int = 0        # replayed account updates already delivered (pubkey, write_version)
    gaps: int = 0              # reconnects whose from_slot the server could no longer replay
    undecodable: int = 0
    pings: int = 0             # server pings answered
    dropped_overflow: int = 0  # updates evicted because poll() fell behind max_queue


class YellowstoneSource:
    """Account and slot updates from a Yellowstone gRPC endpoint (``Feed(YellowstoneSource(...))``).

    ``YellowstoneSource("https://grpc.example:443", token=..., accounts={"pools": {"owner": [AMM],
    "filters": [{"datasize": 752}]}})``: `accounts`, `transactions` and the other filters as
    :func:`subscribe_request` takes them; `slots` subscribes to slot updates (interslot statuses
    included: the slot clock needs FIRST_SHRED_RECEIVED / CREATED_BANK). TLS with the system's
    roots or `ca_file` for https, plain HTTP/2 for http. The `x-token` goes in the call's metadata
    and nowhere else.

    The stream runs on its own thread. The server's pings are answered; a stream silent for
    `stall_s` (no update, no ping) is given up; a stream the server ends (lagged, unavailable) is
    reopened with backoff and ``from_slot`` = the last slot delivered, and replayed updates
    already delivered (same pubkey and write_version) are dropped. Transactions go to
    `on_transaction` (TransactionUpdate) and block metadata (`blocks_meta`) to `on_block_meta`
    (BlockMetaUpdate), not through poll()."""

    def __init__(self, endpoint: str, *, token: str | None = None, accounts: dict | None = None,
                 slots: bool = True, transactions: dict | None = None, commitment: str = "processed",
                 data_slices=(), ca_file: str | None = None, stall_s: float = 10.0,
                 backoff_s: tuple = (0.1, 5.0), first_connect_s: float = 10.0, max_queue: int = 100_000,
                 on_transaction: Callable[[TransactionUpdate], None] | None = None,
                 with_transaction_bytes: bool = False, blocks_meta: bool = False,
                 on_block_meta: Callable[[BlockMetaUpdate], None] | None = None):
        grpc = self._grpc = require("grpc", "feed", "YellowstoneSource")
        parsed = urllib.parse.urlparse(endpoint)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise InvalidArgumentError("an http:// or https:// endpoint")  # not echoed: it may hold a key
        if commitment not in COMMITMENT:
            raise InvalidArgumentError(f"commitment is processed, confirmed or finalized, not {commitment!r}")
        target = f"{parsed.hostname}:{parsed.port or (443 if parsed.scheme == 'https' else 80)}"
        options = [("grpc.keepalive_time_ms", 10_000), ("grpc.keepalive_timeout_ms", 5_000),
                   ("grpc.keepalive_permit_without_calls", 1), ("grpc.max_receive_message_length", 64 << 20)]
        if parsed.scheme == "https":
            roots = open(ca_file, "rb").read() if ca_file else None
            self._channel = grpc.secure_channel(target, grpc.ssl_channel_credentials(roots), options)
        else:
            self._channel = grpc.insecure_channel(target, options)
        self._subscribe = self._channel.stream_stream("/geyser.Geyser/Subscribe")  # raw bytes both ways
        self._metadata = (("x-token", token),) if token else ()
        self._request = dict(accounts=accounts or {}, transactions=transactions or {},
                             slots={"slots": {"interslot_updates": True}} if slots else {},
                             blocks_meta=["blocks_meta"] if blocks_meta else [],
                             commitment=commitment, data_slices=list(data_slices))
        subscribe_request(**self._request)  # bad filters fail here, not on the thread
        self.stall_s, self.backoff_s, self.first_connect_s = stall_s, backoff_s, first_connect_s
        self.on_transaction, self.with_transaction_bytes = on_transaction, with_transaction_bytes
        self.on_block_meta = on_block_meta
        self.stats = YellowstoneStats()
        self.error: YellowstoneError | None = None
        self._events = EventQueue("yellowstone", max_queue)
        self._last_slot: int | None = None
        self._seen: dict[tuple[bytes, int], int] = {}  # (pubkey, write_version) -> slot, recent slots
        self._stop = threading.Event()
        self._call = None  # the stream in progress
        self._last_message = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="mevlib-yellowstone", daemon=True)
        self._watchdog = threading.Thread(target=self._watch, name="mevlib-yellowstone-watchdog", daemon=True)
        self._thread.start()
        self._watchdog.start()

    # --- the source protocol (Feed) -----------------------------------------------------------
    def poll(self, max_n: int, timeout: float) -> list[tuple[object, int, object]]:
        return self._events.poll(max_n, timeout)

    def commit(self, positions: dict):
        pass  # the stream's own replay (from_slot) is the resume point

    def close(self):
        self._stop.set()
        call = self._call
        if call is not None:
            call.cancel()
        self._thread.join(10)
        self._watchdog.join(10)
        self._channel.close()

    # --- the stream thread ----------------------------------------------------------------------
    def _watch(self):
        """Gives up a stream that has been silent for stall_s (the server pings well within it)."""
        while not self._stop.wait(min(1.0, self.stall_s / 4)):
            call = self._call
            if call is not None and time.monotonic() - self._last_message > self.stall_s:
                self.stats.stalls += 1
                self._last_message = time.monotonic()
                call.cancel()

    def _run(self):
        grpc = self._grpc
        delay, started = self.backoff_s[0], time.monotonic()
        from_slot = None
        while not self._stop.is_set():
            outbox: queue.Queue = queue.Queue()
            outbox.put(subscribe_request(**self._request, from_slot=from_slot))

            def requests():
                while not self._stop.is_set():
                    try:
                        item = outbox.get(timeout=0.5)
                    except queue.Empty:
                        continue
                    if item is None:
                        return
                    yield item
            self._last_message = time.monotonic()
            call = self._call = self._subscribe(requests(), metadata=self._metadata)
            counted = False
            try:
                for raw in call:
                    if not counted:  # the stream is up once something arrives on it
                        counted = True
                        self.stats.reconnects += self.stats.connects > 0
                        self.stats.connects += 1
                        delay = self.backoff_s[0]
                    self._last_message = time.monotonic()
                    self._handle(raw, outbox)
            except grpc.RpcError as e:
                code = e.code()
                if code in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED,
                            grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.UNIMPLEMENTED):
                    self._fail(YellowstoneError(f"Yellowstone endpoint refused the stream: {code.name}: "
                                                f"{_redact(e.details(), self._metadata)}"))
                    return
                if code == grpc.StatusCode.OUT_OF_RANGE and from_slot is not None:
                    self.stats.gaps += 1  # the outage outlived the server's history: counted, resumed live
                    from_slot = None
                    continue
                if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
                    self.stats.lagged += 1
                if code == grpc.StatusCode.UNAVAILABLE and self.stats.connects == 0 \
                        and time.monotonic() - started > self.first_connect_s:
                    self._fail(YellowstoneError(f"Yellowstone endpoint unreachable for {self.first_connect_s:.0f} s: "
                                                f"{_redact(e.details(), self._metadata)}"))
                    return
            finally:
                outbox.put(None)
                self._call = None
            if self._stop.is_set():
                return
            from_slot = self._last_slot
            self._stop.wait(delay)
            delay = min(delay * 2, self.backoff_s[1])

    def _handle(self, raw: bytes, outbox: queue.Queue):
        update = decode_update(raw, self.with_transaction_bytes)
        if update is None:
            self.stats.undecodable += 1
            return
        if update == "ping":  # answered with a ping request, as Yellowstone clients keep streams alive
            self.stats.pings += 1
            outbox.put(pb_bytes(9, pb_uint(1, self.stats.pings & 0x7FFFFFFF)))
            return
        if isinstance(update, TransactionUpdate):
            if self.on_transaction is not None:
                self.on_transaction(update)
            return
        if isinstance(update, BlockMetaUpdate):
            if self.on_block_meta is not None:
                self.on_block_meta(update)
            return
        if not isinstance(update, (AccountUpdate, SlotUpdate)):
            return  # a pong, or a kind not read
        if isinstance(update, AccountUpdate):
            key = (update.pubkey, update.write_version)
            if update.write_version and key in self._seen:
                self.stats.duplicates += 1
                return
            if update.write_version:
                self._seen[key] = update.slot
            # the stream is in order: a replay from the slot of the last update received misses
            # nothing (what it repeats is dropped above)
            if self._last_slot is None or update.slot > self._last_slot:
                self._last_slot = update.slot
                if len(self._seen) > 200_000:  # keep what a replay can still repeat
                    self._seen = {k: s for k, s in self._seen.items() if s >= update.slot - 64}
        self._events.put((update,))
        self.stats.dropped_overflow = self._events.dropped

    def _fail(self, error):
        self.error = error
        self._events.fail(error)


def _redact(text: str | None, metadata) -> str:
    text = text or ""
    for _, value in metadata:
        text = text.replace(value, "<x-token>")
    return text
