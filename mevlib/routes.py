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

import base64
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
    """A JSON-RPC call failed. `kind` says how: http, auth (HTTP 401/403), rate_limited (HTTP
    429), bad_json, rpc, timeout, connection, too_large; `code` is the HTTP status or the JSON-RPC
    error code; `data` the error object's data (for a preflight failure, -32002, the simulation
    result, whose `err` :func:`transaction_error` reads); `retry_after` the seconds a 429 asked
    to wait, if it said."""

    def __init__(self, kind: str, message: str, code: int | None = None, data=None,
                 retry_after: float | None = None):
        super().__init__(f"{kind}: {message}")
        self.kind, self.code, self.data, self.retry_after = kind, code, data, retry_after

    @property
    def transaction_error(self) -> "TransactionError | None":
        err = self.data.get("err") if isinstance(self.data, dict) else None
        return transaction_error(err) if err is not None else None


@dataclasses.dataclass(frozen=True)
class TransactionError:
    """A TransactionError as Agave serializes it into statuses and simulation results:
    "BlockhashNotFound", {"InstructionError": [2, {"Custom": 6001}]},
    {"InsufficientFundsForRent": {"account_index": 1}}, ... `name` is the variant;
    `instruction` and `custom` are set for instruction errors (custom: a program's own code);
    `detail` is what else the variant carries."""

    name: str
    instruction: int | None = None
    instruction_error: str | None = None
    custom: int | None = None
    detail: object = None


def transaction_error(err) -> TransactionError | None:
    """Reads a status's or simulation's `err` (None when it succeeded). Unknown shapes raise
    ValueError: an `err` is never silently read as success."""
    if err is None:
        return None
    if isinstance(err, str):
        return TransactionError(err)
    if isinstance(err, dict) and len(err) == 1:
        (name, value), = err.items()
        if name == "InstructionError":
            if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], int)):
                raise ValueError(f"malformed InstructionError: {value!r}")
            index, inner = value
            if isinstance(inner, str):
                return TransactionError(name, index, inner)
            if isinstance(inner, dict) and len(inner) == 1:
                (inner_name, inner_value), = inner.items()
                custom = inner_value if inner_name == "Custom" and isinstance(inner_value, int) else None
                return TransactionError(name, index, inner_name, custom, inner_value)
            raise ValueError(f"malformed InstructionError: {value!r}")
        return TransactionError(name, detail=value)
    raise ValueError(f"not a TransactionError: {err!r}")


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
    ping: str | None = None     # a path answering GET: keep-warm requests use it (Helius Sender: /ping)
    jito = False
    dialect = "jsonrpc"

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
    dialect = "jito"

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
class RestRoute(Route):
    """A REST submit endpoint (bloXroute's /api/v2/submit: the full URL): POST
    {"transaction": {"content": <base64>}, "frontRunningProtection": false}, answered with
    {"signature": ...}; the credential goes in `headers` (Authorization)."""

    dialect = "rest_submit"

    def shot_kind(self, bundle: bool = False, bundle_only: bool = False) -> int:
        return _sender.REST_SUBMIT


@dataclasses.dataclass
class ShotResult:
    """One shot's fate as far as its endpoint said. status: ok, rpc_error, http_error,
    auth_error (HTTP 401/403), rate_limited, bad_json, timeout, connection. `error_data` is the
    JSON-RPC error's data (a preflight failure's simulation result)."""

    shot_id: int
    route: str
    status: str
    value: object = None          # the signature (or bundle id) the endpoint returned
    error_code: int | None = None
    error_message: str = ""
    error_data: object = None
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
    (shot_id, route, kind, curl_code, status, body, bundle_id, fire_at, start, sent, done, _cut,
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
    if status in (401, 403):
        r.status, r.error_code, r.error_message = "auth_error", status, f"HTTP {status}: {body[:200]!r}"
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
    if kind == _sender.REST_SUBMIT:  # not JSON-RPC: {"signature"} or an error object
        if isinstance(doc.get("signature"), str):
            r.value = doc["signature"]
        else:
            r.status, r.error_code = "rpc_error", doc.get("code")
            r.error_message = str(doc.get("message", doc))[:200]
        return r
    if "error" in doc:
        err = doc["error"] if isinstance(doc["error"], dict) else {"message": str(doc["error"])}
        r.status, r.error_code = "rpc_error", err.get("code")
        r.error_message = str(err.get("message", ""))
        r.error_data = err.get("data")
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
        doc = self._post(json.dumps({"jsonrpc": "2.0", "id": self._next_id(), "method": method,
                                     "params": params or []}), method, path)
        if not isinstance(doc, dict):
            raise RpcCallError("bad_json", f"{method}: not a JSON-RPC answer")
        return _result(doc, method)

    def batch(self, calls: Sequence[tuple[str, list]], path: str = "") -> list:
        """Several calls in one JSON-RPC batch request (one round trip). Returns, in order, each
        call's result or its RpcCallError (not raised: one failed call does not hide the others);
        an answer that is not a batch of the right ids raises."""
        if not calls:
            return []
        first = self._next_id(len(calls))
        body = json.dumps([{"jsonrpc": "2.0", "id": first + i, "method": m, "params": p or []}
                           for i, (m, p) in enumerate(calls)])
        docs = self._post(body, "batch", path)
        by_id = {d.get("id"): d for d in docs if isinstance(d, dict)} if isinstance(docs, list) else {}
        if sorted(by_id) != list(range(first, first + len(calls))):
            raise RpcCallError("bad_json", f"batch: answers do not match the {len(calls)} requests")
        out = []
        for i, (method, _) in enumerate(calls):
            try:
                out.append(_result(by_id[first + i], method))
            except RpcCallError as e:
                out.append(e)
        return out

    def _next_id(self, n: int = 1) -> int:
        with self._lock:
            self._id += n
            return self._id - n + 1

    def _post(self, body: str, method: str, path: str):
        with self._lock:
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
            retry = resp.getheader("Retry-After")
            raise RpcCallError("rate_limited", method, 429,
                               retry_after=float(retry) if retry and retry.isdigit() else None)
        if resp.status in (401, 403):
            raise RpcCallError("auth", f"{method}: HTTP {resp.status}", resp.status)
        if resp.status != 200:
            raise RpcCallError("http", f"{method}: HTTP {resp.status}", resp.status)
        try:
            return json.loads(data)
        except ValueError:
            raise RpcCallError("bad_json", f"{method}: {data[:200]!r}") from None

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # --- Solana RPC ---------------------------------------------------------------------------
    # Agave reads the finalized bank when no commitment is given: ~32 slots behind for getSlot,
    # and a blockhash with ~32 of its 150 slots of life gone. These helpers ask for what a
    # searcher wants instead.
    def get_slot(self, commitment: str = "processed") -> int:
        return self.call("getSlot", [{"commitment": commitment}])

    def get_latest_blockhash(self, commitment: str = "confirmed") -> str:
        return self.latest_blockhash(commitment)[0]

    def latest_blockhash(self, commitment: str = "confirmed") -> tuple[str, int]:
        """(blockhash, lastValidBlockHeight): a transaction using it expires once the block
        height passes the second."""
        res = self.call("getLatestBlockhash", [{"commitment": commitment}])
        value = _value(res, "getLatestBlockhash")
        if not isinstance(value, dict) or not isinstance(value.get("blockhash"), str) \
                or not isinstance(value.get("lastValidBlockHeight"), int):
            raise RpcCallError("bad_json", f"getLatestBlockhash: {value!r}")
        return value["blockhash"], value["lastValidBlockHeight"]

    def get_block_height(self, commitment: str = "confirmed") -> int:
        return self.call("getBlockHeight", [{"commitment": commitment}])

    def get_signature_statuses(self, signatures: Sequence[str]) -> list:
        return self.signature_statuses(signatures)[1]

    def signature_statuses(self, signatures: Sequence[str], search_history: bool = False) -> tuple[int, list]:
        """(the node's slot when it answered, one status or None per signature). A status is
        Agave's: {"slot", "confirmations" (None once rooted), "err" (see transaction_error),
        "confirmationStatus", "status"}; anything else raises RpcCallError("bad_json")."""
        out, slot = [], 0
        for i in range(0, len(signatures), 256):  # the RPC takes 256 at a time
            chunk = list(signatures[i:i + 256])
            params = [chunk, {"searchTransactionHistory": True}] if search_history else [chunk]
            res = self.call("getSignatureStatuses", params)
            value = _value(res, "getSignatureStatuses")
            if not isinstance(value, list) or len(value) != len(chunk) or not all(
                    st is None or (isinstance(st, dict) and isinstance(st.get("slot"), int) and "err" in st)
                    for st in value):
                raise RpcCallError("bad_json", f"getSignatureStatuses: {str(value)[:200]}")
            out.extend(value)
            slot = max(slot, res["context"]["slot"])
        return slot, out

    def simulate_transaction(self, wire: bytes, commitment: str = "processed") -> dict:
        """simulateTransaction's value (err, logs, unitsConsumed, ...), signatures verified."""
        res = self.call("simulateTransaction", [base64.b64encode(wire).decode(), {
            "encoding": "base64", "sigVerify": True, "commitment": commitment}])
        return _value(res, "simulateTransaction")

    def simulate_bundle(self, wires: Sequence[bytes]) -> dict:
        """jito-solana's simulateBundle value ({"summary", "transactionResults"}): the transactions
        executed in order on the confirmed bank, signatures verified. RpcCallError (code -32601)
        where the node does not offer it: only Jito's RPC fork does."""
        res = self.call("simulateBundle", [{"encodedTransactions": [base64.b64encode(w).decode() for w in wires]},
                                           {"transactionEncoding": "base64"}])
        return _value(res, "simulateBundle")

    def account(self, pubkey, commitment: str = "confirmed"):
        """getAccountInfo (base64) as a solders Account, or None when there is none."""
        from solders.account import Account
        from solders.pubkey import Pubkey

        value = _value(self.call("getAccountInfo", [str(pubkey), {"encoding": "base64", "commitment": commitment}]),
                       "getAccountInfo")
        if value is None:
            return None
        try:
            return Account(value["lamports"], base64.b64decode(value["data"][0]), Pubkey.from_string(value["owner"]),
                           value["executable"])
        except (KeyError, TypeError, ValueError, IndexError):
            raise RpcCallError("bad_json", f"getAccountInfo: {str(value)[:200]}") from None

    def accounts(self, pubkeys, commitment: str = "confirmed") -> tuple[int, list]:
        """getMultipleAccounts (base64), 100 keys a call: (the newest context slot, [solders
        Account or None per key, in order])."""
        from solders.account import Account
        from solders.pubkey import Pubkey

        keys, out, slot = [str(k) for k in pubkeys], [], 0
        for i in range(0, len(keys), 100):
            res = self.call("getMultipleAccounts", [keys[i:i + 100], {"encoding": "base64", "commitment": commitment}])
            try:
                slot = max(slot, res["context"]["slot"])
                out += [None if v is None else Account(v["lamports"], base64.b64decode(v["data"][0]),
                                                       Pubkey.from_string(v["owner"]), v["executable"])
                        for v in res["value"]]
            except (KeyError, TypeError, ValueError, IndexError):
                raise RpcCallError("bad_json", f"getMultipleAccounts: {str(res)[:200]}") from None
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


def _result(doc: dict, method: str):
    if "error" in doc:
        err = doc["error"] if isinstance(doc["error"], dict) else {}
        raise RpcCallError("rpc", f"{method}: {err.get('message', doc['error'])}", err.get("code"), err.get("data"))
    if "result" not in doc:
        raise RpcCallError("bad_json", f"{method}: JSON-RPC answer without result or error")
    return doc["result"]


def _value(res, method: str):
    """The value of an RpcResponse ({"context": {"slot", ...}, "value"})."""
    if not isinstance(res, dict) or not isinstance(res.get("context"), dict) \
            or not isinstance(res["context"].get("slot"), int) or "value" not in res:
        raise RpcCallError("bad_json", f"{method}: not an RpcResponse: {str(res)[:200]}")
    return res["value"]
