"""The simulator's Solana PubSub websocket, as Agave's rpc_subscriptions serves it
(solana.com/docs/rpc/websocket): accountSubscribe, programSubscribe, slotSubscribe,
slotsUpdatesSubscribe and signatureSubscribe, their unsubscribe methods, JSON-RPC errors as the
HTTP side's.

When a subscriber hears of a change (docs/simulator.md): a Geyser plugin sees an account at the
moment of the write; PubSub only once the bank that wrote it is frozen, at the end of its slot
(processed), then `confirmed_lag` and `rooted_lag` slots later for confirmed and finalized
subscriptions. Slot events come at each slot boundary of the cluster's clock.
"""
from __future__ import annotations

import asyncio
import base64
import json
import threading
import time

from mevlib._extras import require, zstd
from mevlib.base58 import b58decode
from mevlib.sim.cluster import Cluster
from mevlib.sim.rpc import (INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND, PARSE_ERROR, RpcError,
                            parse_commitment, parse_pubkey, parse_signature, ui_account)

TICK_S = 0.002
TIP_STREAM_PATH = "/api/v1/bundles/tip_stream"  # served beside PubSub, on the same port
_SUBSCRIBE = {"accountSubscribe": "account", "programSubscribe": "program", "slotSubscribe": "slot",
              "slotsUpdatesSubscribe": "slotsUpdates", "signatureSubscribe": "signature"}
_UNSUBSCRIBE = {k.replace("Subscribe", "Unsubscribe"): v for k, v in _SUBSCRIBE.items()}
_LEVELS = ("processed", "confirmed", "finalized")


def _encode_account(acct, encoding: str, data_slice=None) -> dict:
    if encoding == "base64+zstd":
        ui = ui_account(acct, "base64", data_slice)
        ui["data"] = [base64.b64encode(zstd("sim").compress(base64.b64decode(ui["data"][0]))).decode(), "base64+zstd"]
        return ui
    return ui_account(acct, encoding, data_slice)


def _matches(acct, filters) -> bool:
    """programSubscribe filters: dataSize and memcmp (bytes in base58, or base64 with encoding)."""
    data = bytes(acct.data)
    for f in filters or ():
        if "dataSize" in f:
            if len(data) != int(f["dataSize"]):
                return False
        elif "memcmp" in f:
            m = f["memcmp"]
            want = base64.b64decode(m["bytes"]) if m.get("encoding") == "base64" else b58decode(m["bytes"])
            off = int(m.get("offset", 0))
            if data[off:off + len(want)] != want:
                return False
        else:
            raise RpcError(INVALID_PARAMS, f"Invalid params: unknown filter {sorted(f)}")
    return True


class _Sub:
    __slots__ = ("kind", "key", "commitment", "encoding", "filters", "data_slice", "conn")

    def __init__(self, kind, key, commitment, encoding, filters, data_slice, conn):
        self.kind, self.key, self.commitment, self.encoding = kind, key, commitment, encoding
        self.filters, self.data_slice, self.conn = filters, data_slice, conn


class PubSubServer:
    """A websocket server on 127.0.0.1 (port 0: any free port), its own asyncio loop in a thread."""

    def __init__(self, cluster: Cluster, now_ms, port: int = 0):
        self._serve = require("websockets.asyncio.server", "sim", "the simulator's PubSub endpoint").serve
        self.cluster, self.now_ms = cluster, now_ms
        self._port = port
        self._subs: dict[int, _Sub] = {}
        self._tip_conns: set = set()  # tip-stream listeners
        self._next_id = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mevlib-sim-pubsub", daemon=True)
        self._stop: asyncio.Event | None = None
        self.port = None

    def start(self) -> "PubSubServer":
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the PubSub server did not start")
        return self

    def stop(self):
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join()

    def drop_connections(self):
        """Fault injection: closes every client's connection (their subscriptions end with it)."""
        async def close_all():
            for conn in {sub.conn for sub in self._subs.values()}:
                await conn.close(1011, "dropped by fault injection")
        asyncio.run_coroutine_threadsafe(close_all(), self._loop).result(10)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    def _run(self):
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._main())
        self._loop.close()

    async def _main(self):
        self._stop = asyncio.Event()
        async with self._serve(self._connection, "127.0.0.1", self._port, compression=None) as server:
            self.port = server.sockets[0].getsockname()[1]
            self._ready.set()
            ticker = asyncio.create_task(self._ticker())
            await self._stop.wait()
            ticker.cancel()

    # --- requests -----------------------------------------------------------------------------
    async def _connection(self, conn):
        if conn.request.path.rstrip("/").endswith(TIP_STREAM_PATH):
            return await self._tip_stream(conn)
        try:
            async for text in conn:
                await conn.send(json.dumps(self._request(text, conn), separators=(",", ":")))
        except Exception:  # a client gone mid-send: its subscriptions go below
            pass
        finally:
            for sid in [sid for sid, sub in self._subs.items() if sub.conn is conn]:
                del self._subs[sid]

    def _request(self, text, conn) -> dict:
        try:
            req = json.loads(text)
        except ValueError:
            return {"jsonrpc": "2.0", "error": {"code": PARSE_ERROR, "message": "Parse error"}, "id": None}
        if not isinstance(req, dict) or req.get("jsonrpc") != "2.0" or not isinstance(req.get("method"), str):
            return {"jsonrpc": "2.0", "error": {"code": INVALID_REQUEST, "message": "Invalid request"},
                    "id": req.get("id") if isinstance(req, dict) else None}
        rid, method, params = req.get("id"), req["method"], req.get("params") or []
        try:
            if method in _SUBSCRIBE:
                result = self._subscribe(_SUBSCRIBE[method], params, conn)
            elif method in _UNSUBSCRIBE:
                sid = params[0] if params else None
                sub = self._subs.get(sid)
                if sub is None or sub.kind != _UNSUBSCRIBE[method] or sub.conn is not conn:
                    raise RpcError(INVALID_PARAMS, "Invalid subscription id.")
                del self._subs[sid]
                result = True
            else:
                raise RpcError(METHOD_NOT_FOUND, "Method not found")
        except RpcError as e:
            return {"jsonrpc": "2.0", "error": e.to_json(), "id": rid}
        except (TypeError, ValueError, KeyError, IndexError) as e:
            return {"jsonrpc": "2.0", "error": {"code": INVALID_PARAMS, "message": f"Invalid params: {e}."},
                    "id": rid}
        return {"jsonrpc": "2.0", "result": result, "id": rid}

    def _subscribe(self, kind, params, conn) -> int:
        key, cfg = None, {}
        if kind in ("account", "program", "signature"):
            if not params:
                raise RpcError(INVALID_PARAMS, "Invalid params: missing the first parameter.")
            key = parse_signature(params[0]) if kind == "signature" else parse_pubkey(params[0])
            cfg = params[1] if len(params) > 1 and isinstance(params[1], dict) else {}
        commitment = parse_commitment(cfg)
        encoding = cfg.get("encoding", "binary")  # Agave's default for account and program subscriptions
        if kind in ("account", "program") and encoding not in ("base58", "base64", "base64+zstd", "binary", "jsonParsed"):
            raise RpcError(INVALID_PARAMS, f"Invalid params: unknown variant `{encoding}`.")
        filters = cfg.get("filters") if kind == "program" else None
        self._next_id += 1
        self._subs[self._next_id] = _Sub(kind, key, commitment, "base64" if encoding == "jsonParsed" else encoding,
                                         filters, cfg.get("dataSlice"), conn)
        return self._next_id

    # --- notifications ------------------------------------------------------------------------
    async def _ticker(self):
        """At each slot boundary: slot events, then what reached each commitment level."""
        seen = self.cluster.slot_at(self.now_ms())
        while True:
            await asyncio.sleep(TICK_S)
            now = self.cluster.slot_at(self.now_ms())
            for slot in range(seen + 1, now + 1):
                await self._boundary(slot)
            seen = max(seen, now)
            await self._signatures()

    async def _tip_stream(self, conn):
        """Jito's tip stream (wss://bundles.jito.wtf/api/v1/bundles/tip_stream): the tip floor's
        object, in a one-element array, pushed at every slot boundary (here; Jito's cadence is its own)."""
        self._tip_conns.add(conn)
        try:
            await conn.wait_closed()
        finally:
            self._tip_conns.discard(conn)

    async def _boundary(self, slot: int):
        """Slot `slot` begins: `slot - 1` is frozen (processed), `slot - confirmed_lag` is confirmed,
        `slot - rooted_lag` is rooted."""
        if self._tip_conns:
            floor = json.dumps([self.cluster.tip_floor(self.now_ms())])
            for conn in list(self._tip_conns):
                try:
                    await conn.send(floor)
                except Exception:  # gone: wait_closed above removes it
                    pass
        c = self.cluster.config
        ms = int(time.time() * 1000)
        root = slot - c.rooted_lag
        updates = [{"type": "firstShredReceived", "slot": slot, "timestamp": ms},
                   {"type": "createdBank", "slot": slot, "parent": slot - 1, "timestamp": ms},
                   {"type": "completed", "slot": slot - 1, "timestamp": ms},
                   {"type": "frozen", "slot": slot - 1, "timestamp": ms,
                    "stats": {"numTransactionEntries": 0, "numSuccessfulTransactions": 0,
                              "numFailedTransactions": 0, "maxTransactionsPerEntry": 0}},
                   {"type": "optimisticConfirmation", "slot": slot - c.confirmed_lag, "timestamp": ms},
                   {"type": "root", "slot": root, "timestamp": ms}]
        for sid, sub in list(self._subs.items()):
            if sub.kind == "slot":
                await self._notify(sub, sid, "slotNotification", {"parent": slot - 1, "root": max(root, 0), "slot": slot})
            elif sub.kind == "slotsUpdates":
                for u in updates:
                    if u["slot"] >= 0:
                        await self._notify(sub, sid, "slotsUpdatesNotification", u)
        reached = {"processed": slot - 1, "confirmed": slot - c.confirmed_lag, "finalized": root}
        writes = {level: self.cluster.writes_in(s) for level, s in reached.items() if s >= 0}
        for sid, sub in list(self._subs.items()):
            if sub.kind not in ("account", "program") or sub.commitment not in writes:
                continue
            context = {"apiVersion": "3.0.0", "slot": reached[sub.commitment]}
            for key, (acct, _, _) in writes[sub.commitment].items():
                if sub.kind == "account" and key == sub.key:
                    value = _encode_account(acct, sub.encoding, sub.data_slice)
                    await self._notify(sub, sid, "accountNotification", {"context": context, "value": value})
                elif sub.kind == "program" and acct.owner == sub.key and _matches(acct, sub.filters):
                    value = {"pubkey": str(key), "account": _encode_account(acct, sub.encoding, sub.data_slice)}
                    await self._notify(sub, sid, "programNotification", {"context": context, "value": value})

    async def _signatures(self):
        """A signature subscription fires once, when the transaction reaches its commitment, and
        ends (as Agave's does)."""
        now = self.now_ms()
        for sid, sub in list(self._subs.items()):
            if sub.kind != "signature":
                continue
            st = self.cluster.status(sub.key, now)
            if st is None or _LEVELS.index(self.cluster.commitment_of(st.slot, now)) < _LEVELS.index(sub.commitment):
                continue
            del self._subs[sid]
            await self._notify(sub, sid, "signatureNotification",
                               {"context": {"apiVersion": "3.0.0", "slot": st.slot}, "value": {"err": st.err}})

    async def _notify(self, sub, sid, method, result):
        try:
            await sub.conn.send(json.dumps({"jsonrpc": "2.0", "method": method,
                                            "params": {"result": result, "subscription": sid}},
                                           separators=(",", ":")))
        except Exception:  # closed: the connection handler removes its subscriptions
            pass
