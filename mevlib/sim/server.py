"""The simulator's HTTP face: Solana JSON-RPC and Jito block-engine JSON-RPC on 127.0.0.1.

Each route of the cluster has its own path prefix, so one server stands in for several endpoints:
``/<route>`` answers Solana JSON-RPC (an "rpc" route; mevlib/sim/rpc.py), ``/<route>/api/v1/...``
the block engine (a "jito" route; mevlib/sim/blockengine.py). Requests may be JSON-RPC batches.
Faults can be injected per route: 429, 500, garbage bodies, stalls, dropped connections, each with
a probability, drawn from a seeded generator.
"""
from __future__ import annotations

import dataclasses
import http.server
import json
import random
import socketserver
import threading
import time
import urllib.parse

from mevlib.sim.blockengine import PATHS, BlockEngine
from mevlib.sim.cluster import Cluster, ClusterConfig
from mevlib.sim.pubsub import PubSubServer
from mevlib.sim.yellowstone import YellowstoneServer
from mevlib.sim.rpc import INVALID_REQUEST, PARSE_ERROR, RpcError, SolanaRpc, decode_transaction

MAX_REQUEST_BODY_SIZE = 50 * 1024
RETRY_MS = 2000  # Agave's send-transaction service resends every 2 s (--rpc-send-retry-ms default)
REST_SUBMIT_PATH = "api/v2/submit"  # bloXroute's Trader API submit, served on every RPC route
TIP_FLOOR_PATH = "api/v1/bundles/tip_floor"  # Jito's tip floor, served on every block-engine route


@dataclasses.dataclass
class Faults:
    """Per-request probabilities of misbehaving, for fault-injection tests."""

    rate_limited: float = 0.0   # HTTP 429
    server_error: float = 0.0   # HTTP 500
    garbage: float = 0.0        # 200 with a body that is not JSON
    stall: float = 0.0          # answer after stall_s (past a client's timeout)
    drop: float = 0.0           # close the connection without answering
    stall_s: float = 3.0


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the sender expects
    # headers and body go out in two writes: with Nagle on, the body waits for the client's
    # delayed ACK of the headers, 40 ms on Linux
    disable_nagle_algorithm = True

    def log_message(self, *args):  # quiet: tests and the demo print what matters
        pass

    def do_POST(self):
        sim: Simulator = self.server.sim
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        path, _, query = self.path.partition("?")
        parts = [p for p in path.split("/") if p]
        route = parts[0] if parts else ""
        if route not in sim.cluster.routes:
            return self._reply(404, b'{"error":"unknown route"}')
        if not 0 <= length <= MAX_REQUEST_BODY_SIZE:
            # Agave's limit (rpc.rs MAX_REQUEST_BODY_SIZE); the body is not read
            self.close_connection = True
            return self._reply(413, b"")
        raw = self.rfile.read(length)
        fault = sim.draw_fault(route)
        if fault == "drop":
            self.close_connection = True
            return
        if fault == "stall":
            time.sleep(sim.faults[route].stall_s)
        if fault == "rate_limited":
            return self._reply(429, b'{"jsonrpc":"2.0","error":{"code":-32097,"message":"rate limited"},"id":null}')
        if fault == "server_error":
            return self._reply(500, b"internal error")
        if fault == "garbage":
            return self._reply(200, b"<html>not json")
        headers = {}
        status, body = sim.handle(route, "/".join(parts[1:]), urllib.parse.parse_qs(query), raw, headers)
        self._reply(status, body, headers)

    def do_GET(self):
        """A sender service's keep-warm ping (Helius Sender's GET /ping) on any route, and Jito's
        tip floor on a block engine's (bundles.jito.wtf serves it: GET /api/v1/bundles/tip_floor)."""
        sim: Simulator = self.server.sim
        parts = [p for p in self.path.partition("?")[0].split("/") if p]
        route = parts[0] if parts else ""
        if route not in sim.cluster.routes:
            return self._reply(404, b"")
        if parts[1:] == ["ping"]:
            sim.calls.append((route, "GET /ping"))
            return self._reply(200, b"pong")
        if parts[1:] == TIP_FLOOR_PATH.split("/") and sim.cluster.routes[route].kind == "jito":
            sim.calls.append((route, "GET tip_floor"))
            return self._reply(200, _dump([sim.cluster.tip_floor(sim.now_ms())]))
        return self._reply(404, b"")

    def _reply(self, status: int, body: bytes, headers=None):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # a client that hangs up mid-answer is normal here (timeouts, shutdown); anything else is
        # a simulator bug and is reported as usual
        import sys
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class Simulator:
    """Runs a Cluster behind an HTTP server on 127.0.0.1 (port 0: any free port); with
    `pubsub=True` also its PubSub websocket (`ws_url`), with `yellowstone=True` its Yellowstone
    gRPC endpoint (`yellowstone_url`; `yellowstone_token` makes it require that x-token,
    `yellowstone_tls=(cert_pem, key_pem)` serves it over TLS)."""

    def __init__(self, config: ClusterConfig = ClusterConfig(), port: int = 0, faults=None, pubsub: bool = False,
                 yellowstone: bool = False, yellowstone_token: str | None = None, yellowstone_ping_s: float = 5.0,
                 yellowstone_tls: tuple[bytes, bytes] | None = None):
        self.cluster = Cluster(config)
        self.faults = {name: Faults() for name in self.cluster.routes}
        self.faults.update(faults or {})
        self._rng = random.Random(config.seed)
        self._rng_lock = threading.Lock()
        self._t0 = time.monotonic()
        self.sent = []  # every Landing, in arrival order: what the experiment and tests inspect
        self.calls = []  # every JSON-RPC call answered: (route, method), in arrival order
        self._rpcs = {name: SolanaRpc(self.cluster, self.now_ms, self._sender(name))
                      for name, r in self.cluster.routes.items() if r.kind == "rpc"}
        self._engines = {name: BlockEngine(self.cluster, self.now_ms, self._sender(name))
                         for name, r in self.cluster.routes.items() if r.kind == "jito"}
        # the optional endpoints first: a missing extra fails before any port is bound
        self.pubsub = PubSubServer(self.cluster, self.now_ms) if pubsub else None
        self.yellowstone = YellowstoneServer(self.cluster, self.now_ms, token=yellowstone_token,
                                             ping_s=yellowstone_ping_s, tls=yellowstone_tls) if yellowstone else None
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.sim = self
        self._thread = None
        self._retries = []  # [tx, route, next resend ms, resends left or None], guarded by _retry_lock
        self._retry_lock = threading.Lock()
        self._stopping = threading.Event()
        self._retry_thread = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def url(self, route: str) -> str:
        return f"http://127.0.0.1:{self.port}/{route}"

    @property
    def yellowstone_url(self) -> str:
        if self.yellowstone is None:
            raise RuntimeError("this Simulator was made without yellowstone=True")
        return self.yellowstone.url

    @property
    def ws_url(self) -> str:
        if self.pubsub is None:
            raise RuntimeError("this Simulator was made without pubsub=True")
        return self.pubsub.url

    def now_ms(self) -> float:
        return (time.monotonic() - self._t0) * 1000.0

    def unix_time(self) -> int:
        """The runtime Clock's unix_timestamp for the slot in progress: the clock a quote of a
        swap on this cluster should read (Finder(clock=sim.unix_time)), not the machine's."""
        return self.cluster.unix_timestamp(self.cluster.slot_at(self.now_ms()))

    def slot_start_ns(self, slot: int) -> int:
        """When a slot truly began, on CLOCK_MONOTONIC (what a SlotClock estimates)."""
        return int(self._t0 * 1e9 + self.cluster.slot_start_ms(slot) * 1e6)

    def start(self) -> "Simulator":
        self._thread = threading.Thread(target=self._server.serve_forever, name="mevlib-sim", daemon=True)
        self._thread.start()
        self._retry_thread = threading.Thread(target=self._resend_loop, name="mevlib-sim-retry", daemon=True)
        self._retry_thread.start()
        if self.pubsub is not None:
            self.pubsub.start()
        if self.yellowstone is not None:
            self.yellowstone.start()
        return self

    def stop(self):
        self._stopping.set()
        if self.pubsub is not None:
            self.pubsub.stop()
        if self.yellowstone is not None:
            self.yellowstone.stop()
        if self._retry_thread is not None:
            self._retry_thread.join()
            self._retry_thread = None
        if self._thread is not None:  # shutdown() waits for a serve_forever that must be running
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def _resend_loop(self):
        """An RPC node's send-transaction service: a transaction sent without maxRetries 0 goes
        to the leader again every RETRY_MS until it is committed, its blockhash expires, or its
        maxRetries are spent."""
        while not self._stopping.wait(0.05):
            now = self.now_ms()
            with self._retry_lock:
                due = [r for r in self._retries if r[2] <= now]
            for entry in due:
                tx, route = entry[0], entry[1]
                slot = self.cluster.slot_at(now)
                done = self.cluster.status(str(tx.signatures[0]), float("inf")) is not None or \
                    not self.cluster.blockhash_valid(str(tx.message.recent_blockhash), slot) or entry[3] == 0
                if not done:
                    self.sent.append(self.cluster.deliver([tx], route, now))
                    entry[2] = now + RETRY_MS
                    entry[3] = None if entry[3] is None else entry[3] - 1
                with self._retry_lock:
                    if done:
                        self._retries.remove(entry)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def draw_fault(self, route: str):
        f = self.faults[route]
        with self._rng_lock:
            u = self._rng.random()
        for name in ("rate_limited", "server_error", "garbage", "stall", "drop"):
            p = getattr(f, name)
            if u < p:
                return name
            u -= p
        return None

    # --- JSON-RPC ------------------------------------------------------------------------------
    def handle(self, route: str, path: str, query: dict, raw: bytes, headers: dict) -> tuple[int, bytes]:
        """One HTTP body: a request or a batch of them -> (HTTP status, body). JSON-RPC errors
        are HTTP 200 with an error object, as Agave's server answers."""
        try:
            doc = json.loads(raw)
        except ValueError:
            return 200, _dump(_error(None, RpcError(PARSE_ERROR, "Parse error")))
        kind = self.cluster.routes[route].kind
        if kind == "rpc" and path == REST_SUBMIT_PATH:
            return self._rest_submit(route, doc)
        if kind == "rpc" and path:
            return 404, b""
        if kind == "jito" and path.removeprefix("api/v1/") not in PATHS:
            return 404, b""
        query = {k: v[-1] for k, v in query.items()}
        if isinstance(doc, list):
            if not doc:
                return 200, _dump(_error(None, RpcError(INVALID_REQUEST, "Invalid request")))
            return 200, _dump([self._one(route, kind, path, query, req, headers) for req in doc])
        return 200, _dump(self._one(route, kind, path, query, doc, headers))

    def _rest_submit(self, route: str, doc) -> tuple[int, bytes]:
        """bloXroute's REST submit dialect on an RPC route: {"transaction": {"content": base64}}
        -> {"signature"}; a bad request -> HTTP 400 with {"code": 3 (InvalidArgument), "message"}
        (the gRPC-gateway shape of its errors)."""
        self.calls.append((route, "POST " + REST_SUBMIT_PATH))
        content = doc.get("transaction", {}).get("content") if isinstance(doc, dict) and isinstance(
            doc.get("transaction"), dict) else None
        try:
            if not isinstance(content, str):
                raise ValueError("transaction.content: a base64 transaction is required")
            _, tx = decode_transaction(content, "base64")
            if not all(tx.verify_with_results()):
                raise ValueError("transaction signature verification failure")
        except (ValueError, RpcError) as e:
            return 400, _dump({"code": 3, "message": str(e)})
        self._sender(route)([tx])
        return 200, _dump({"signature": str(tx.signatures[0])})

    def _one(self, route, kind, path, query, req, headers) -> dict:
        if not isinstance(req, dict) or req.get("jsonrpc") != "2.0" or not isinstance(req.get("method"), str):
            return _error(req.get("id") if isinstance(req, dict) else None, RpcError(INVALID_REQUEST, "Invalid request"))
        rid = req.get("id")
        self.calls.append((route, req["method"]))  # list.append is atomic: handler threads share it
        try:
            if kind == "jito":
                result = self._engines[route](path[len("api/v1/"):], query, req["method"], req.get("params"), headers)
            else:
                result = self._rpcs[route](req["method"], req.get("params"))
        except RpcError as e:
            return _error(rid, e)
        return {"jsonrpc": "2.0", "result": result, "id": rid}

    def _sender(self, route):
        def send(txs, atomic=None, retries=0):
            """Delivers now; `retries` (None: until the blockhash expires) more resends follow
            from the send-transaction service."""
            if not isinstance(txs, list):
                txs = [txs]
            now = self.now_ms()
            landing = self.cluster.deliver(txs, route, now, atomic)
            self.sent.append(landing)
            if retries != 0 and len(txs) == 1:
                with self._retry_lock:
                    self._retries.append([txs[0], route, now + RETRY_MS, retries])
            return landing
        return send


def _error(rid, err: RpcError) -> dict:
    return {"jsonrpc": "2.0", "error": err.to_json(), "id": rid}


def _dump(doc) -> bytes:
    return json.dumps(doc, separators=(",", ":")).encode()
