"""Send routes and what they answer.

A route is an endpoint plus the dialect it speaks: :class:`RpcRoute` (Solana JSON-RPC
``sendTransaction``), :class:`JitoRoute` (block engine: ``sendTransaction``, ``bundleOnly``,
``sendBundle``, with ``x-jito-auth`` and a per-route rate limit) and :class:`SenderRoute` (a
third-party sender taking plain ``sendTransaction`` with its own tip accounts and minimum tip).
The shots themselves leave from the C sender thread (:class:`mevlib._sender.CurlSender`); every
answer becomes a :class:`ShotResult`. The rest of the JSON-RPC surface (statuses, slots,
blockhashes, leaders, tip accounts) goes through :class:`JsonRpcClient`.
"""
from __future__ import annotations

import dataclasses
import http.client
import json
import threading
import time
import urllib.parse
from collections.abc import Sequence

from mevlib import _sender
from mevlib.errors import InvalidArgumentError, MevError
from mevlib.jito import MIN_TIP_LAMPORTS, TIP_ACCOUNTS


class RpcCallError(MevError, RuntimeError):
    """A JSON-RPC call failed. `kind` says how: http, rate_limited, bad_json, rpc, timeout,
    connection, too_large; `code` is the HTTP status or the JSON-RPC error code."""

    def __init__(self, kind: str, message: str, code: int | None = None):
        super().__init__(f"{kind}: {message}")
        self.kind, self.code = kind, code


class RateLimiter:
    """A token bucket: `rate` requests per second, bursts of `burst`."""

    def __init__(self, rate: float, burst: int = 1):
        if rate <= 0 or burst < 1:
            raise InvalidArgumentError("rate must be > 0 and burst >= 1")
        self.rate, self.burst = rate, burst
        self._tokens, self._t = float(burst), time.monotonic()
        self._lock = threading.Lock()
        self.backoff_until = 0.0

    def try_acquire(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            if now < self.backoff_until:
                return False
            self._tokens = min(self.burst, self._tokens + (now - self._t) * self.rate)
            self._t = now
            if self._tokens >= 1:
                self._tokens -= 1
                return True
            return False

    def penalise(self, seconds: float):
        """After a 429: no requests for `seconds`."""
        with self._lock:
            self.backoff_until = max(self.backoff_until, time.monotonic() + seconds)


@dataclasses.dataclass
class Route:
    name: str
    url: str
    headers: dict = dataclasses.field(default_factory=dict)
    http2: bool = False
    rate_limit: float | None = None  # requests per second; None: unlimited
    tip_accounts: tuple = ()
    min_tip: int = 0
    ca_file: str | None = None  # PEM bundle for TLS instead of the system's
    jito = False

    def __post_init__(self):
        parsed = urllib.parse.urlparse(self.url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise InvalidArgumentError(f"route {self.name!r}: not an http(s) URL: {self.url!r}")
        self.limiter = RateLimiter(self.rate_limit, max(1, int(self.rate_limit))) if self.rate_limit else None

    def shot_kind(self, bundle: bool = False, bundle_only: bool = False) -> int:
        return _sender.RPC_SEND


@dataclasses.dataclass
class RpcRoute(Route):
    """A Solana RPC node: sendTransaction (base64, skipPreflight, maxRetries 0)."""


@dataclasses.dataclass
class JitoRoute(Route):
    """A Jito block engine (base URL, e.g. https://ny.mainnet.block-engine.jito.wtf)."""

    auth_uuid: str | None = None
    rate_limit: float | None = 1.0
    tip_accounts: tuple = TIP_ACCOUNTS
    min_tip: int = MIN_TIP_LAMPORTS
    jito = True

    def __post_init__(self):
        if self.auth_uuid:
            self.headers = {**self.headers, "x-jito-auth": self.auth_uuid}
        super().__post_init__()

    def shot_kind(self, bundle: bool = False, bundle_only: bool = False) -> int:
        if bundle:
            return _sender.JITO_BUNDLE
        return _sender.JITO_BUNDLE_ONLY if bundle_only else _sender.JITO_SEND


@dataclasses.dataclass
class SenderRoute(Route):
    """A third-party sender: plain sendTransaction with its own tip accounts and minimum tip;
    the API key, if any, goes in `headers` or the URL as that service documents."""


@dataclasses.dataclass
class ShotResult:
    """One shot's fate as far as its endpoint said. status: ok, rpc_error, http_error,
    rate_limited, bad_json, timeout, connection."""

    shot_id: int
    route: str
    status: str
    value: object = None          # the signature (or bundle id) the endpoint returned
    error_code: int | None = None
    error_message: str = ""
    http_status: int = 0
    bundle_id: str = ""
    fire_at_ns: int = 0
    start_ns: int = 0
    sent_ns: int = 0
    done_ns: int = 0
    new_connection: bool = False

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def late_ns(self) -> int:
        """How long after its scheduled time the shot started (0 when it fired at once)."""
        return self.start_ns - self.fire_at_ns if self.fire_at_ns else 0


_CURLE_TIMEOUT = 28


def classify(raw: tuple, route_names: Sequence[str]) -> ShotResult:
    """Turns a raw result of the C sender into a ShotResult; never raises."""
    (shot_id, route, _kind, curl_code, status, body, bundle_id, fire_at, start, sent, done, _cut,
     new_conn) = raw
    r = ShotResult(shot_id, route_names[route], "ok", http_status=status, bundle_id=bundle_id,
                   fire_at_ns=fire_at, start_ns=start, sent_ns=sent, done_ns=done,
                   new_connection=new_conn)
    if curl_code:
        r.status = "timeout" if curl_code == _CURLE_TIMEOUT else "connection"
        r.error_code, r.error_message = curl_code, f"curl error {curl_code}"
        return r
    if status == 429:
        r.status, r.error_code, r.error_message = "rate_limited", 429, "HTTP 429"
        return r
    try:
        doc = json.loads(body)
    except ValueError:
        doc = None
    if status != 200:
        r.status, r.error_code = "http_error", status
        r.error_message = f"HTTP {status}: {body[:200]!r}"
        return r
    if not isinstance(doc, dict):
        r.status, r.error_message = "bad_json", f"not a JSON-RPC answer: {body[:200]!r}"
        return r
    if "error" in doc:
        err = doc["error"] if isinstance(doc["error"], dict) else {"message": str(doc["error"])}
        r.status, r.error_code = "rpc_error", err.get("code")
        r.error_message = str(err.get("message", ""))
        return r
    if "result" not in doc:
        r.status, r.error_message = "bad_json", "JSON-RPC answer without result or error"
        return r
    r.value = doc["result"]
    return r


class JsonRpcClient:
    """A small blocking JSON-RPC client on one keep-alive connection (not the hot path).

    The URL's query string (a provider's ``?api-key=``) goes with every call. A response body
    larger than `max_body_bytes` is refused (RpcCallError "too_large") rather than read into
    memory: a misbehaving or hostile endpoint cannot make the bot allocate without bound."""

    def __init__(self, url: str, headers: dict | None = None, timeout: float = 5.0,
                 max_body_bytes: int = 64 << 20):
        parsed = urllib.parse.urlparse(url)
        if parsed.scheme not in ("http", "https"):
            raise InvalidArgumentError(f"not an http(s) URL: scheme {parsed.scheme!r}")  # the URL may hold a key
        self._https = parsed.scheme == "https"
        self._host, self._port = parsed.hostname, parsed.port
        self._path = parsed.path or "/"
        self._query = "?" + parsed.query if parsed.query else ""
        self._max_body = max_body_bytes
        self._headers = {"Content-Type": "application/json", **(headers or {})}
        self._timeout = timeout
        self._conn = None
        self._lock = threading.Lock()
        self._id = 0

    def _connection(self):
        if self._conn is None:
            cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            self._conn = cls(self._host, self._port, timeout=self._timeout)
        return self._conn

    def call(self, method: str, params: list | None = None, path: str = ""):
        with self._lock:
            self._id += 1
            body = json.dumps({"jsonrpc": "2.0", "id": self._id, "method": method, "params": params or []})
            try:
                conn = self._connection()
                target = (self._path.rstrip("/") + path or "/") + self._query
                conn.request("POST", target, body, self._headers)
                resp = conn.getresponse()
                data = resp.read(self._max_body + 1)
                if len(data) > self._max_body:
                    self.close()  # the rest is never read: the connection cannot be reused
                    raise RpcCallError("too_large", f"{method}: response over {self._max_body} bytes")
            except TimeoutError as e:
                self.close()
                raise RpcCallError("timeout", f"{method}: {e}") from None
            except (OSError, http.client.HTTPException) as e:
                self.close()
                raise RpcCallError("connection", f"{method}: {e}") from None
        if resp.status == 429:
            raise RpcCallError("rate_limited", method, 429)
        if resp.status != 200:
            raise RpcCallError("http", f"{method}: HTTP {resp.status}", resp.status)
        try:
            doc = json.loads(data)
        except ValueError:
            raise RpcCallError("bad_json", f"{method}: {data[:200]!r}") from None
        if not isinstance(doc, dict):
            raise RpcCallError("bad_json", f"{method}: {data[:200]!r}")
        if "error" in doc:
            err = doc["error"] if isinstance(doc["error"], dict) else {}
            raise RpcCallError("rpc", f"{method}: {err.get('message', doc['error'])}", err.get("code"))
        return doc.get("result")

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # --- Solana RPC ---------------------------------------------------------------------------
    def get_slot(self) -> int:
        return self.call("getSlot")

    def get_latest_blockhash(self) -> str:
        return self.call("getLatestBlockhash")["value"]["blockhash"]

    def get_signature_statuses(self, signatures: Sequence[str]) -> list:
        return self.signature_statuses(signatures)[1]

    def signature_statuses(self, signatures: Sequence[str]) -> tuple[int, list]:
        """(the node's slot when it answered, one status or None per signature)."""
        out, slot = [], 0
        for i in range(0, len(signatures), 256):  # the RPC takes 256 at a time
            res = self.call("getSignatureStatuses", [list(signatures[i:i + 256])])
            out.extend(res["value"])
            slot = max(slot, res["context"]["slot"])
        return slot, out

    def get_slot_leaders(self, start: int, limit: int) -> list[str]:
        return self.call("getSlotLeaders", [start, limit])

    def get_leader_schedule(self) -> dict:
        return self.call("getLeaderSchedule")

    # --- Jito block engine --------------------------------------------------------------------
    def get_tip_accounts(self) -> list[str]:
        return self.call("getTipAccounts", path="/api/v1/bundles")

    def get_bundle_statuses(self, bundle_ids: Sequence[str]) -> list:
        if len(bundle_ids) > 5:
            raise InvalidArgumentError("getBundleStatuses takes at most 5 bundle ids")
        return self.call("getBundleStatuses", [list(bundle_ids)], path="/api/v1/getBundleStatuses")["value"]

    def get_inflight_bundle_statuses(self, bundle_ids: Sequence[str]) -> list:
        if len(bundle_ids) > 5:
            raise InvalidArgumentError("getInflightBundleStatuses takes at most 5 bundle ids")
        return self.call("getInflightBundleStatuses", [list(bundle_ids)],
                         path="/api/v1/getInflightBundleStatuses")["value"]
