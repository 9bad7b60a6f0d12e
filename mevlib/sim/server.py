"""The simulator's HTTP face: Solana JSON-RPC and Jito block-engine JSON-RPC on 127.0.0.1.

Each route of the cluster has its own path prefix, so one server stands in for several endpoints:
``/<route>`` answers Solana JSON-RPC (an "rpc" route), ``/<route>/api/v1/...`` the block engine
(a "jito" route). Faults can be injected per route: 429, 500, garbage bodies, stalls, dropped
connections, each with a probability, drawn from a seeded generator.
"""
from __future__ import annotations

import base64
import dataclasses
import http.server
import json
import random
import socketserver
import threading
import time

from solders.pubkey import Pubkey

from mevlib.jito import TIP_ACCOUNTS
from mevlib.sim.cluster import Cluster, ClusterConfig, bundle_id


@dataclasses.dataclass
class Faults:
    """Per-request probabilities of misbehaving, for fault-injection tests."""

    rate_limited: float = 0.0   # HTTP 429
    server_error: float = 0.0   # HTTP 500
    garbage: float = 0.0        # 200 with a body that is not JSON
    stall: float = 0.0          # answer after stall_s (past a client's timeout)
    drop: float = 0.0           # close the connection without answering
    stall_s: float = 3.0


class RpcError(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the sender expects
    # headers and body go out in two writes: with Nagle on, the body waits for the client's
    # delayed ACK of the headers, 40 ms on Linux
    disable_nagle_algorithm = True

    def log_message(self, *args):  # quiet: tests and the demo print what matters
        pass

    def do_POST(self):
        sim: Simulator = self.server.sim
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        parts = [p for p in self.path.split("?")[0].split("/") if p]
        query = self.path.split("?")[1] if "?" in self.path else ""
        route = parts[0] if parts else ""
        if route not in sim.cluster.routes:
            return self._reply(404, b'{"error":"unknown route"}')
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
        try:
            req = json.loads(raw)
            rid, method, params = req.get("id"), req["method"], req.get("params", [])
        except (ValueError, KeyError, TypeError, AttributeError):
            return self._reply(400, json.dumps({"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": None}).encode())
        try:
            result = sim.call(route, "/".join(parts[1:]), query, method, params, headers)
            body = {"jsonrpc": "2.0", "result": result, "id": rid}
        except RpcError as e:
            body = {"jsonrpc": "2.0", "error": {"code": e.code, "message": str(e)}, "id": rid}
        except (ValueError, TypeError, KeyError, IndexError) as e:  # malformed params
            body = {"jsonrpc": "2.0", "error": {"code": -32602, "message": f"Invalid params: {e}"}, "id": rid}
        self._reply(200, json.dumps(body).encode(), headers)

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
    """Runs a Cluster behind an HTTP server on 127.0.0.1 (port 0: any free port)."""

    def __init__(self, config: ClusterConfig = ClusterConfig(), port: int = 0, faults=None):
        self.cluster = Cluster(config)
        self.faults = {name: Faults() for name in self.cluster.routes}
        self.faults.update(faults or {})
        self._rng = random.Random(config.seed)
        self._rng_lock = threading.Lock()
        self._t0 = time.monotonic()
        self.sent = []  # every Landing, in arrival order: what the experiment and tests inspect
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.sim = self
        self._thread = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def url(self, route: str) -> str:
        return f"http://127.0.0.1:{self.port}/{route}"

    def now_ms(self) -> float:
        return (time.monotonic() - self._t0) * 1000.0

    def start(self) -> "Simulator":
        self._thread = threading.Thread(target=self._server.serve_forever, name="mevlib-sim", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._thread is not None:  # shutdown() waits for a serve_forever that must be running
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

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
    def call(self, route, path, query, method, params, headers):
        kind = self.cluster.routes[route].kind
        if kind == "jito":
            return self._jito(route, path, query, method, params, headers)
        if path:
            raise RpcError(-32601, f"no such path on an RPC route: /{path}")
        return self._rpc(route, method, params)

    def _decode(self, encoded, opts):
        encoding = (opts or {}).get("encoding", "base58")
        if encoding != "base64":
            raise RpcError(-32602, "only base64 encoding is supported here (base58 is deprecated)")
        try:
            wire = base64.b64decode(encoded, validate=True)
        except (ValueError, TypeError):
            raise RpcError(-32602, "invalid base64") from None
        try:
            return self.cluster.check(wire)
        except ValueError as e:
            raise RpcError(-32003 if "signature" in str(e) else -32602, str(e)) from None

    def _send(self, route, txs):
        landing = self.cluster.deliver(txs, route, self.now_ms())
        self.sent.append(landing)
        return landing

    def _rpc(self, route, method, params):
        c = self.cluster
        now = self.now_ms()
        if method == "sendTransaction":
            if not params:
                raise RpcError(-32602, "missing transaction")
            tx = self._decode(params[0], params[1] if len(params) > 1 else None)
            self._send(route, [tx])
            return str(tx.signatures[0])
        if method == "getSignatureStatuses":
            sigs = params[0] if params else []
            if not isinstance(sigs, list) or len(sigs) > 256:
                raise RpcError(-32602, "up to 256 signatures")
            out = []
            for s in sigs:
                landing = c.status(s, now)
                if landing is None:
                    out.append(None)
                else:
                    err = None if landing.landed else {"InstructionError": landing.reason}
                    out.append({"slot": landing.slot, "confirmations": None, "err": err,
                                "confirmationStatus": "confirmed"})
            return {"context": {"slot": c.slot_at(now)}, "value": out}
        if method == "getSlot":
            return c.slot_at(now)
        if method == "getLatestBlockhash":
            slot = c.slot_at(now)
            return {"context": {"slot": slot},
                    "value": {"blockhash": str(c.latest_blockhash(now)), "lastValidBlockHeight": slot + 150}}
        if method == "getSlotLeaders":
            start, limit = params[0], params[1]
            return [str(k) for k in c.leader_schedule(start, min(limit, 5000))]
        if method == "getLeaderSchedule":
            epoch_slots = 432_000
            first = (c.slot_at(now) // epoch_slots) * epoch_slots
            sched = {}
            # a window around now is plenty for a simulator: the next 4,000 slots
            for i, leader in enumerate(c.leader_schedule(c.slot_at(now), 4000)):
                sched.setdefault(str(leader), []).append(c.slot_at(now) - first + i)
            return sched
        if method == "getHealth":
            return "ok"
        if method == "getBalance":
            return {"context": {"slot": c.slot_at(now)}, "value": c.balance(Pubkey.from_string(params[0]))}
        if method == "requestAirdrop":
            c.airdrop(Pubkey.from_string(params[0]), int(params[1]))
            return "airdrop"
        raise RpcError(-32601, f"Method not found: {method}")

    def _jito(self, route, path, query, method, params, headers):
        c = self.cluster
        if path == "api/v1/transactions" and method == "sendTransaction":
            tx = self._decode(params[0], params[1] if len(params) > 1 else None)
            landing = self._send(route, [tx])
            bid = bundle_id([str(tx.signatures[0])])
            c.record_bundle(bid, [str(tx.signatures[0])], landing)
            headers["x-bundle-id"] = bid
            return str(tx.signatures[0])
        if path == "api/v1/bundles" and method == "sendBundle":
            encoded = params[0] if params else None
            if not isinstance(encoded, list) or not 1 <= len(encoded) <= 5:
                raise RpcError(-32602, "a bundle holds 1 to 5 transactions")
            opts = params[1] if len(params) > 1 else None
            txs = [self._decode(e, opts) for e in encoded]
            landing = self._send(route, txs)
            sigs = [str(t.signatures[0]) for t in txs]
            bid = bundle_id(sigs)
            c.record_bundle(bid, sigs, landing)
            return bid
        if path == "api/v1/bundles" and method == "getTipAccounts":
            return [str(a) for a in TIP_ACCOUNTS]
        if path in ("api/v1/getBundleStatuses", "api/v1/bundles") and method == "getBundleStatuses":
            return self._bundle_statuses(params, inflight=False)
        if path in ("api/v1/getInflightBundleStatuses", "api/v1/bundles") and method == "getInflightBundleStatuses":
            return self._bundle_statuses(params, inflight=True)
        raise RpcError(-32601, f"Method not found: {method} at /{path}")

    def _bundle_statuses(self, params, inflight):
        c, now = self.cluster, self.now_ms()
        ids = params[0] if params else []
        if not isinstance(ids, list) or len(ids) > 5:
            raise RpcError(-32602, "up to 5 bundle ids")
        out = []
        for bid in ids:
            found = c.bundle(bid)
            if found is None:
                out.append(None if not inflight else {"bundle_id": bid, "status": "Invalid", "landed_slot": None})
                continue
            sigs, landing = found
            done = now >= landing.visible_at_ms
            if inflight:
                status = "Pending" if not done else ("Landed" if landing.landed else "Failed")
                out.append({"bundle_id": bid, "status": status,
                            "landed_slot": landing.slot if done and landing.landed else None})
            else:
                out.append({"bundle_id": bid, "transactions": sigs, "slot": landing.slot,
                            "confirmation_status": "confirmed", "err": {"Ok": None}}
                           if done and landing.landed else None)
        return {"context": {"slot": c.slot_at(now)}, "value": out}
