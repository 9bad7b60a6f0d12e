"""Account and slot updates from an RPC node's PubSub websocket (solana.com/docs/rpc/websocket),
as the same AccountUpdate / SlotUpdate objects the plugin feed delivers: a source for Feed.

The websocket runs on its own thread (websockets' sync client, the ``feed`` extra): it subscribes,
answers nothing itself (the library pings every `ping_s` and closes a connection that stops
answering), and on any disconnect reconnects with backoff and subscribes again. PubSub keeps no
history: what changed while the socket was down is not replayed, so every reconnect is counted
(`stats.reconnects`) and the next notification of an account carries its current state.
"""
from __future__ import annotations

import base64
import dataclasses
import json
import threading
import time
from collections.abc import Callable, Sequence
from typing import NamedTuple

from mevlib._extras import require, zstd
from mevlib.base58 import b58decode
from mevlib.errors import InvalidArgumentError, MevError
from mevlib.feed.core import (COMPLETED, CONFIRMED, CREATED_BANK, DEAD, FIRST_SHRED_RECEIVED, PROCESSED, ROOTED,
                              AccountUpdate, EventQueue, SlotUpdate)

# slotsUpdatesNotification types (Agave's SlotUpdate, camelCase) -> the plugin's slot statuses
_SLOT_UPDATE = {"firstShredReceived": FIRST_SHRED_RECEIVED, "createdBank": CREATED_BANK, "completed": COMPLETED,
                "frozen": PROCESSED, "optimisticConfirmation": CONFIRMED, "root": ROOTED, "dead": DEAD}


class PubSubError(MevError, ConnectionError):
    """The endpoint refused a subscription (bad parameters), or cannot be reached at all."""


class SignatureUpdate(NamedTuple):
    signature: str
    slot: int
    err: object  # None, or the TransactionError as Agave's JSON (mevlib.routes.transaction_error)


@dataclasses.dataclass
class PubSubStats:
    connects: int = 0
    reconnects: int = 0
    notifications: int = 0
    undecodable: int = 0
    dropped_overflow: int = 0  # notifications evicted because poll() fell behind max_queue


def _account_data(data) -> bytes:
    """`data` of an account as the node encoded it: [text, "base64" | "base64+zstd" | "base58"]."""
    if isinstance(data, str):  # the legacy "binary" encoding: plain base58
        return b58decode(data)
    text, encoding = data
    if encoding == "base64":
        return base64.b64decode(text)
    if encoding == "base64+zstd":
        return zstd().decompress(base64.b64decode(text))
    if encoding == "base58":
        return b58decode(text)
    raise ValueError(f"unsupported account encoding {encoding!r}")


def _account(pubkey: str, value: dict, slot: int) -> AccountUpdate:
    return AccountUpdate(b58decode(pubkey), b58decode(value["owner"]), int(value["lamports"]),
                         _account_data(value["data"]), slot, 0, None, False, 0, bool(value["executable"]),
                         int(value["rentEpoch"]))


class PubSubSource:
    """``PubSubSource(ws_url, programs=[...], accounts=[...])``: programSubscribe for each program
    (with `filters`: dataSize / memcmp objects as the RPC takes them), accountSubscribe for each
    account, slotSubscribe when `slots`, slotsUpdatesSubscribe when `slots_updates`, all at
    `commitment`. `encoding` is how account data travels (base64+zstd: smaller, decoded here).
    `signatures` may be watched with :meth:`watch_signature`; their results land in
    ``self.signatures`` and go to `on_signature`. Use as ``Feed(PubSubSource(...))``."""

    def __init__(self, url: str, *, programs: Sequence[str] = (), accounts: Sequence[str] = (),
                 filters: Sequence[dict] | None = None, commitment: str = "processed",
                 encoding: str = "base64+zstd", slots: bool = True, slots_updates: bool = False,
                 headers: dict | None = None, ping_s: float = 10.0, backoff_s: tuple = (0.1, 5.0),
                 first_connect_s: float = 10.0,
                 max_queue: int = 100_000, on_signature: Callable[[SignatureUpdate], None] | None = None):
        self._ws = require("websockets.sync.client", "feed", "PubSubSource")
        errors = require("websockets.exceptions", "feed", "PubSubSource")
        self._lost = (errors.ConnectionClosed, OSError, TimeoutError)         # reconnect
        self._refused = (errors.InvalidHandshake, errors.InvalidURI)           # give up, say why
        if commitment not in ("processed", "confirmed", "finalized"):
            raise InvalidArgumentError(f"commitment is processed, confirmed or finalized, not {commitment!r}")
        if encoding not in ("base64", "base64+zstd", "base58"):
            raise InvalidArgumentError(f"encoding is base64, base64+zstd or base58, not {encoding!r}")
        if not url.startswith(("ws://", "wss://")):
            raise InvalidArgumentError("a ws:// or wss:// URL")  # not echoed: it may hold a key
        if encoding == "base64+zstd":
            zstd()  # the extra's missing: say so now, not on the first notification
        self.url, self.headers = url, dict(headers or {})
        self.commitment, self.encoding = commitment, encoding
        self.ping_s, self.backoff_s = ping_s, backoff_s
        self.first_connect_s = first_connect_s
        self.on_signature = on_signature
        self.stats = PubSubStats()
        self.signatures: dict[str, SignatureUpdate] = {}
        requests = [("programSubscribe", [p, self._config(filters=list(filters or []))]) for p in programs]
        requests += [("accountSubscribe", [a, self._config()]) for a in accounts]
        if slots:
            requests.append(("slotSubscribe", []))
        if slots_updates:
            requests.append(("slotsUpdatesSubscribe", []))
        self._requests = dict(enumerate(requests))  # request id -> (method, params), sent on every connect
        self._events = EventQueue("pubsub", max_queue)
        self._root = -1
        self._stop = threading.Event()
        self._conn = None
        self._lock = threading.Lock()  # sends from watch_signature and the thread
        self._subscribed = threading.Event()  # every request of this connection answered
        self.error: PubSubError | None = None
        self._thread = threading.Thread(target=self._run, name="mevlib-pubsub", daemon=True)
        self._thread.start()

    def _config(self, **extra) -> dict:
        cfg = {"commitment": self.commitment, "encoding": self.encoding, **extra}
        return {k: v for k, v in cfg.items() if v != []}

    def watch_signature(self, signature: str, commitment: str | None = None):
        """signatureSubscribe: one result when the transaction reaches the commitment (then the
        node ends the subscription). Re-sent after a reconnect until it fired."""
        req = ("signatureSubscribe", [signature, {"commitment": commitment or self.commitment}])
        with self._lock:
            rid = max(self._requests, default=-1) + 1
            self._requests[rid] = req
            self._subscribed.clear()  # until this one is answered too
            if self._conn is not None:
                self._send(self._conn, rid, req)

    # --- the source protocol (Feed) -----------------------------------------------------------
    def poll(self, max_n: int, timeout: float) -> list[tuple[object, int, object]]:
        return self._events.poll(max_n, timeout)

    def commit(self, positions: dict):
        pass  # nothing to commit: PubSub replays nothing

    def close(self):
        self._stop.set()
        with self._lock:
            if self._conn is not None:
                self._conn.close()
        self._thread.join(10)

    # --- the websocket thread -------------------------------------------------------------------
    def _send(self, conn, index: int, req):
        conn.send(json.dumps({"jsonrpc": "2.0", "id": index, "method": req[0], "params": req[1]}))

    def _run(self):
        delay, started = self.backoff_s[0], time.monotonic()
        while not self._stop.is_set():
            try:
                with self._ws.connect(self.url, additional_headers=self.headers or None,
                                      ping_interval=self.ping_s, ping_timeout=self.ping_s, open_timeout=10,
                                      max_size=64 << 20, compression=None) as conn:
                    delay = self.backoff_s[0]
                    if not self._session(conn):
                        return
            except self._refused as e:  # HTTP 401/403/404 instead of a websocket, a bad URL
                self._fail(PubSubError(f"PubSub endpoint refused the connection: {type(e).__name__}: {e}"))
                return
            except self._lost as e:
                if self.stats.connects == 0 and time.monotonic() - started > self.first_connect_s:
                    self._fail(PubSubError(f"PubSub endpoint unreachable for {self.first_connect_s:.0f} s: "
                                           f"{type(e).__name__}"))
                    return
                self._stop.wait(delay)
                delay = min(delay * 2, self.backoff_s[1])

    def _session(self, conn) -> bool:
        """One connection: (re)subscribe, then read until it drops (ConnectionClosed, raised to
        _run), the source closes (True) or a subscription is refused (False)."""
        self.stats.reconnects += self.stats.connects > 0
        self.stats.connects += 1
        subs: dict[int, tuple] = {}
        with self._lock:
            self._conn = conn
            for rid, req in self._requests.items():
                self._send(conn, rid, req)
            if not self._requests:
                self._subscribed.set()
        try:
            while not self._stop.is_set():
                try:
                    text = conn.recv(timeout=0.5)
                except TimeoutError:
                    continue
                if not self._message(text, subs):
                    return False
            return True
        finally:
            self._subscribed.clear()
            with self._lock:
                self._conn = None

    def wait_subscribed(self, timeout: float) -> bool:
        """Until the node has answered every subscription of the current connection (it sends no
        notification of a change before that): True, or False after `timeout`."""
        return self._subscribed.wait(timeout)

    def _fail(self, error):
        self.error = error
        self._events.fail(error)

    def _message(self, text, subs) -> bool:
        """Handles one frame; False when the source must stop (a subscription refused)."""
        try:
            msg = json.loads(text)
        except ValueError:
            self.stats.undecodable += 1
            return True
        if "id" in msg:  # the answer to one of our subscribe requests
            with self._lock:
                req = self._requests.get(msg["id"])
            if "error" in msg:
                err = msg["error"] if isinstance(msg["error"], dict) else {}
                self._fail(PubSubError(f"{req[0] if req else 'a request'} refused: {err.get('code')} "
                                       f"{err.get('message')}"))
                return False
            if req is not None:
                subs[msg.get("result")] = req
                with self._lock:
                    if len(subs) >= len(self._requests):
                        self._subscribed.set()
            return True
        try:
            events = self._decode(msg, subs)
        except (KeyError, TypeError, ValueError, IndexError):
            self.stats.undecodable += 1
            return True
        self.stats.notifications += 1
        if events:
            self._events.put(events)
            self.stats.dropped_overflow = self._events.dropped
        return True

    def _decode(self, msg: dict, subs) -> list:
        method, params = msg["method"], msg["params"]
        result, sub = params["result"], subs.get(params["subscription"])
        if method == "accountNotification":
            return [_account(sub[1][0], result["value"], result["context"]["slot"])]
        if method == "programNotification":
            value = result["value"]
            return [_account(value["pubkey"], value["account"], result["context"]["slot"])]
        if method == "slotNotification":
            events = [SlotUpdate(result["slot"], result.get("parent"), PROCESSED, "", 0)]
            if result.get("root", -1) > self._root:
                self._root = result["root"]
                events.append(SlotUpdate(self._root, None, ROOTED, "", 0))
            return events
        if method == "slotsUpdatesNotification":
            status = _SLOT_UPDATE.get(result["type"])
            if status is None:
                return []
            return [SlotUpdate(result["slot"], result.get("parent"), status, str(result.get("err", "")), 0)]
        if method == "signatureNotification":
            sig = sub[1][0] if sub else None
            value = result["value"]
            if sig is not None and isinstance(value, dict) and "err" in value:
                update = SignatureUpdate(sig, result["context"]["slot"], value["err"])
                self.signatures[sig] = update
                with self._lock:  # fired: not sent again after a reconnect
                    self._requests = {k: r for k, r in self._requests.items()
                                      if not (r[0] == "signatureSubscribe" and r[1][0] == sig)}
                if self.on_signature is not None:
                    self.on_signature(update)
            return []
        raise ValueError(f"unknown notification {method!r}")
