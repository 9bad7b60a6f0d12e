"""The simulator's Yellowstone ("Dragon's Mouth") gRPC endpoint: Geyser.Subscribe as
rpcpool/yellowstone-grpc serves it (mevlib/feed/yellowstone.proto has the messages), driven by the
cluster's writes and slot clock.

- Accounts: each named filter matches an update when every criterion it sets holds (`account`:
  the pubkey is listed; `owner`: the owner is listed; each of `filters`: memcmp, datasize,
  token_account_state, lamports; `nonempty_txn_signature`); the update carries the names of the
  filters it matched. At `processed` an update goes out at write time, as a Geyser plugin sees
  it; at `confirmed` / `finalized`, once its slot reaches the level, with the account's state at
  the end of the slot.
- Transactions: `vote` (there are no vote transactions here), `failed`, `signature`,
  `account_include` (any), `account_exclude` (none), `account_required` (all), over the message's
  static keys; each committed transaction with its signatures, message, error (bincode) and fee.
- Blocks meta: each slot's block (blockhash, parent, block height and time, transaction count)
  once its slot reaches the subscription's level (processed: when the slot ends).
- Slots: at each boundary FIRST_SHRED_RECEIVED and CREATED_BANK of the new slot, COMPLETED and
  PROCESSED of the last, CONFIRMED 2 slots back and FINALIZED 32 back; without
  `interslot_updates` only PROCESSED / CONFIRMED / FINALIZED / DEAD, and with
  `filter_by_commitment` only the subscription's level.
- Pings: the server sends an empty ping update every `ping_s`; a request with `ping{id}` is
  answered with `pong{id}`. A later request on the stream replaces the filters.
- `from_slot`: writes still in the cluster's recent history (32 + 8 slots) are sent again, oldest
  first, up to what the subscription's commitment has reached; an older `from_slot` is refused
  with OUT_OF_RANGE.
- `x-token`: when the server has a token, a stream without it is refused with UNAUTHENTICATED.
- Faults, for the client's tests: `stall()` (nothing more, not even pings), `lag()` (the stream
  closes with RESOURCE_EXHAUSTED, as a lagged client's does), `drop()` (UNAVAILABLE), `garbage()`
  (one frame that is not a SubscribeUpdate).
"""
from __future__ import annotations

import base64
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from solders.message import MessageV0

from mevlib._extras import require
from mevlib.base58 import b58decode
from mevlib.feed.yellowstone import pb_bytes, pb_parse, pb_uint
from mevlib.sim.cluster import Cluster

SPL_TOKEN = b58decode("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
TOKEN_2022 = b58decode("TokenzQdBNbLqP5VEhdkAS6EPFLC1PWnZ2wkaSzxHrvu")
# geyser.proto SlotStatus
PROCESSED, CONFIRMED, FINALIZED, FIRST_SHRED_RECEIVED, COMPLETED, CREATED_BANK, DEAD = range(7)
_LEVEL_STATUS = {0: PROCESSED, 1: CONFIRMED, 2: FINALIZED}
QUEUE_LIMIT = 200_000  # updates waiting for a slow client before it is closed as lagged


def _strings(values) -> list[str]:
    return [v.decode() for v in values]


def _account_filter(raw: bytes) -> dict:
    f = pb_parse(raw)
    filters = []
    for item in f.get(4, []):
        g = pb_parse(item)
        if 1 in g:
            m = pb_parse(g[1][0])
            data = m[2][0] if 2 in m else b58decode(m[3][0].decode()) if 3 in m else base64.b64decode(m[4][0])
            filters.append(("memcmp", m.get(1, [0])[0], data))
        elif 2 in g:
            filters.append(("datasize", g[2][0]))
        elif 3 in g:
            filters.append(("token_account_state", bool(g[3][0])))
        elif 4 in g:
            (cmp, values), = pb_parse(g[4][0]).items()
            filters.append(("lamports", {1: "eq", 2: "ne", 3: "lt", 4: "gt"}[cmp], values[0]))
        else:
            raise ValueError("an accounts filter with no kind")
    return {"account": {b58decode(a) for a in _strings(f.get(2, []))},
            "owner": {b58decode(o) for o in _strings(f.get(3, []))},
            "filters": filters, "nonempty_txn_signature": f[5][0] if 5 in f else None}


def _matches(f: dict, pubkey: bytes, acct, signature) -> bool:
    if f["account"] and pubkey not in f["account"]:
        return False
    owner, data = bytes(acct.owner), bytes(acct.data)
    if f["owner"] and owner not in f["owner"]:
        return False
    if f["nonempty_txn_signature"] is not None and bool(signature) != bool(f["nonempty_txn_signature"]):
        return False
    for kind, *args in f["filters"]:
        if kind == "memcmp":
            off, want = args
            if data[off:off + len(want)] != want:
                return False
        elif kind == "datasize":
            if len(data) != args[0]:
                return False
        elif kind == "token_account_state":  # an initialized SPL token account: state byte 108
            if owner not in (SPL_TOKEN, TOKEN_2022) or len(data) < 165 or (data[108] != 0) != args[0]:
                return False
        else:
            cmp, value = args
            ok = {"eq": acct.lamports == value, "ne": acct.lamports != value,
                  "lt": acct.lamports < value, "gt": acct.lamports > value}[cmp]
            if not ok:
                return False
    return True


def encode_account(filters, pubkey: bytes, acct, slot: int, write_version: int, signature, data_slices=()) -> bytes:
    data = bytes(acct.data)
    if data_slices:
        data = b"".join(data[off:off + length] for off, length in data_slices)
    info = (pb_bytes(1, pubkey) + pb_uint(2, acct.lamports) + pb_bytes(3, bytes(acct.owner)) +
            pb_uint(4, acct.executable) + pb_uint(5, acct.rent_epoch) + pb_bytes(6, data) +
            pb_uint(7, write_version) + (pb_bytes(8, signature) if signature else b""))
    return b"".join(pb_bytes(1, n) for n in filters) + pb_bytes(2, pb_bytes(1, info) + pb_uint(2, slot))


def encode_slot(filters, slot: int, parent, status: int) -> bytes:
    body = pb_uint(1, slot) + (pb_uint(2, parent) if parent is not None and parent >= 0 else b"") + pb_uint(3, status)
    return b"".join(pb_bytes(1, n) for n in filters) + pb_bytes(3, body)


def _transaction_filter(raw: bytes) -> dict:
    f = pb_parse(raw)
    return {"vote": bool(f[1][0]) if 1 in f else None, "failed": bool(f[2][0]) if 2 in f else None,
            "signature": f[5][0].decode() if 5 in f else None,
            "include": {b58decode(a) for a in _strings(f.get(3, []))},
            "exclude": {b58decode(a) for a in _strings(f.get(4, []))},
            "required": {b58decode(a) for a in _strings(f.get(6, []))}}


def _transaction_matches(f: dict, c) -> bool:
    keys = {bytes(k) for k in c.tx.message.account_keys}
    if f["vote"] is True or (f["failed"] is not None and f["failed"] != (c.err is not None)):
        return False  # no vote transactions here: vote=true matches nothing
    if f["signature"] is not None and f["signature"] != str(c.tx.signatures[0]):
        return False
    if f["include"] and not keys & f["include"]:
        return False
    if keys & f["exclude"] or not f["required"] <= keys:
        return False
    return True


def encode_transaction(filters, c) -> bytes:
    """SubscribeUpdateTransaction with the solana.storage Transaction (signatures, message: header,
    static keys, blockhash, instructions, versioned) and meta (err as bincode, fee)."""
    msg = c.tx.message
    h = msg.header
    header = pb_uint(1, h.num_required_signatures) + pb_uint(2, h.num_readonly_signed_accounts) + \
        pb_uint(3, h.num_readonly_unsigned_accounts)
    instructions = b"".join(pb_bytes(4, pb_uint(1, ix.program_id_index) + pb_bytes(2, bytes(ix.accounts)) +
                                     pb_bytes(3, bytes(ix.data))) for ix in msg.instructions)
    message = pb_bytes(1, header) + b"".join(pb_bytes(2, bytes(k)) for k in msg.account_keys) + \
        pb_bytes(3, bytes(msg.recent_blockhash)) + instructions + pb_uint(5, isinstance(msg, MessageV0))
    transaction = b"".join(pb_bytes(1, bytes(sig)) for sig in c.tx.signatures) + pb_bytes(2, message)
    meta = (pb_bytes(1, pb_bytes(1, c.err)) if c.err is not None else b"") + pb_uint(2, c.fee)
    info = pb_bytes(1, bytes(c.tx.signatures[0])) + pb_uint(2, 0) + pb_bytes(3, transaction) + \
        pb_bytes(4, meta) + pb_uint(5, c.index)
    return b"".join(pb_bytes(1, n) for n in filters) + pb_bytes(4, pb_bytes(1, info) + pb_uint(2, c.slot))


def encode_block_meta(filters, cluster: Cluster, slot: int) -> bytes:
    body = (pb_uint(1, slot) + pb_bytes(2, str(cluster.blockhash_of(slot))) +
            pb_bytes(4, pb_uint(1, int(time.time()))) + pb_bytes(5, pb_uint(1, cluster.block_height(slot))) +
            pb_uint(6, max(slot - 1, 0)) + pb_bytes(7, str(cluster.blockhash_of(max(slot - 1, 0)))) +
            pb_uint(8, len(cluster.committed_in(slot))))
    return b"".join(pb_bytes(1, n) for n in filters) + pb_bytes(7, body)


PING = pb_bytes(6, b"")


class _Stream:
    """One Subscribe call: its filters, and the updates waiting to go out."""

    def __init__(self):
        self.out: queue.Queue = queue.Queue()
        self.accounts: dict = {}
        self.transactions: dict = {}
        self.blocks_meta: list = []
        self.slots: dict = {}
        self.commitment = 0
        self.data_slices: list = []
        self.fault: str | None = None
        self.pings_received = 0

    def configure(self, req: dict):
        self.accounts = {}
        for entry in req.get(1, []):
            e = pb_parse(entry)
            self.accounts[e[1][0].decode()] = _account_filter(e.get(2, [b""])[0])
        self.transactions = {}
        for entry in req.get(3, []):
            e = pb_parse(entry)
            self.transactions[e[1][0].decode()] = _transaction_filter(e.get(2, [b""])[0])
        self.blocks_meta = [pb_parse(entry)[1][0].decode() for entry in req.get(5, [])]
        self.slots = {}
        for entry in req.get(2, []):
            e = pb_parse(entry)
            s = pb_parse(e.get(2, [b""])[0])
            self.slots[e[1][0].decode()] = {"filter_by_commitment": bool(s.get(1, [0])[0]),
                                            "interslot_updates": bool(s.get(2, [0])[0])}
        self.commitment = req.get(6, [0])[0]
        if self.commitment not in _LEVEL_STATUS:
            raise ValueError(f"unknown commitment {self.commitment}")
        self.data_slices = [(p.get(1, [0])[0], p.get(2, [0])[0]) for p in map(pb_parse, req.get(7, []))]


class YellowstoneServer:
    """Geyser.Subscribe on 127.0.0.1 (port 0: any free port)."""

    def __init__(self, cluster: Cluster, now_ms, port: int = 0, token: str | None = None, ping_s: float = 5.0,
                 tls: tuple[bytes, bytes] | None = None):
        grpc = self._grpc = require("grpc", "sim", "the simulator's Yellowstone endpoint")
        self.cluster, self.now_ms, self.token, self.ping_s = cluster, now_ms, token, ping_s
        self._streams: set[_Stream] = set()
        self._lock = threading.Lock()
        self._server = grpc.server(ThreadPoolExecutor(max_workers=32, thread_name_prefix="mevlib-sim-grpc"))
        handler = grpc.method_handlers_generic_handler(
            "geyser.Geyser", {"Subscribe": grpc.stream_stream_rpc_method_handler(self._subscribe)})
        self._server.add_generic_rpc_handlers((handler,))
        self.scheme = "https" if tls else "http"
        if tls:  # (certificate chain PEM, private key PEM)
            self.port = self._server.add_secure_port(f"127.0.0.1:{port}", grpc.ssl_server_credentials([(tls[1], tls[0])]))
        else:
            self.port = self._server.add_insecure_port(f"127.0.0.1:{port}")
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, name="mevlib-sim-grpc-slots", daemon=True)
        cluster.on_write(self._on_write)
        cluster.on_commit(self._on_commit)

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def start(self) -> "YellowstoneServer":
        self._server.start()
        self._ticker.start()
        return self

    def stop(self):
        self._stop.set()
        for stream in list(self._streams):
            stream.fault = "drop"
        self._server.stop(grace=0.5).wait()
        self._ticker.join()

    # --- faults -------------------------------------------------------------------------------
    def _fault(self, kind: str):
        with self._lock:
            for stream in self._streams:
                stream.fault = kind
                stream.out.put(None)  # wake it

    def stall(self):
        self._fault("stall")

    def lag(self):
        self._fault("lag")

    def drop(self):
        self._fault("drop")

    def garbage(self):
        self._fault("garbage")

    # --- the stream ---------------------------------------------------------------------------
    def _subscribe(self, requests, context):
        grpc = self._grpc
        if self.token is not None and dict(context.invocation_metadata()).get("x-token") != self.token:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "invalid x-token")
        stream = _Stream()
        try:
            first = pb_parse(next(requests))
            stream.configure(first)
        except (StopIteration, ValueError, KeyError, IndexError) as e:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"failed to parse the request: {e}")
        replay = []
        if 11 in first:
            replay = self._history(first[11][0], stream.commitment)
            if replay is None:
                context.abort(grpc.StatusCode.OUT_OF_RANGE, f"from_slot {first[11][0]} is older than the history kept")
        with self._lock:
            self._streams.add(stream)
        threading.Thread(target=self._read, args=(requests, stream), daemon=True).start()
        try:
            for slot, key, acct, wv, sig in replay:
                self._offer(stream, key, acct, slot, wv, sig, at_write=stream.commitment == 0)
            while not self._stop.is_set() and context.is_active():
                try:
                    item = stream.out.get(timeout=self.ping_s)
                except queue.Empty:
                    item = PING
                if stream.fault == "stall":  # silent, not even pings, until the client gives up
                    while stream.fault == "stall" and context.is_active() and not self._stop.is_set():
                        time.sleep(0.05)
                    continue
                if stream.fault == "lag":
                    context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, "lagged: the client reads too slowly")
                if stream.fault == "drop":
                    context.abort(grpc.StatusCode.UNAVAILABLE, "stream dropped")
                if stream.fault == "garbage":
                    stream.fault = None
                    yield b"\xff\xff\xff"
                if item is not None:
                    yield item
        finally:
            with self._lock:
                self._streams.discard(stream)

    def _read(self, requests, stream: _Stream):
        """Later requests on the stream: pings are answered, new filters replace the old."""
        try:
            for raw in requests:
                req = pb_parse(raw)
                if 9 in req:
                    stream.pings_received += 1
                    ping_id = pb_parse(req[9][0]).get(1, [0])[0]
                    stream.out.put(pb_bytes(9, pb_uint(1, ping_id)))
                if any(k in req for k in (1, 2, 3, 5)):
                    stream.configure(req)
        except Exception:  # the call ended, or a malformed request: the stream ends with it
            stream.fault = stream.fault or "drop"

    def _history(self, from_slot: int, commitment: int):
        """(slot, pubkey, account, write_version, signature) of writes from from_slot up to what
        the commitment has reached, or None when from_slot is older than what the cluster keeps."""
        c = self.cluster
        now = c.slot_at(self.now_ms())
        oldest = now - c.config.rooted_lag - 8
        if from_slot < oldest:
            return None
        reached = {0: now, 1: now - c.config.confirmed_lag, 2: now - c.config.rooted_lag}[commitment]
        out = []
        for slot in range(from_slot, reached + 1):
            for key, (acct, wv, sig) in sorted(c.writes_in(slot).items(), key=lambda kv: kv[1][1]):
                out.append((slot, key, acct, wv, sig))
        return out

    def _offer(self, stream: _Stream, key, acct, slot, wv, sig, at_write: bool):
        if (stream.commitment == 0) != at_write:
            return
        names = [n for n, f in stream.accounts.items() if _matches(f, bytes(key), acct, sig)]
        if names:
            if stream.out.qsize() > QUEUE_LIMIT:
                stream.fault = "lag"
            stream.out.put(encode_account(names, bytes(key), acct, slot, wv, sig, stream.data_slices))

    def _offer_transaction(self, stream: _Stream, committed, at_commit: bool):
        if (stream.commitment == 0) != at_commit:
            return
        names = [n for n, f in stream.transactions.items() if _transaction_matches(f, committed)]
        if names:
            stream.out.put(encode_transaction(names, committed))

    def _on_commit(self, committed):
        for stream in list(self._streams):
            self._offer_transaction(stream, committed, at_commit=True)

    def _on_write(self, key, acct, slot, wv, sig):
        for stream in list(self._streams):
            self._offer(stream, key, acct, slot, wv, sig, at_write=True)

    def _tick(self):
        """At each slot boundary: slot statuses, and confirmed/finalized account updates."""
        c = self.cluster
        seen = c.slot_at(self.now_ms())
        while not self._stop.wait(0.002):
            now = c.slot_at(self.now_ms())
            for slot in range(seen + 1, now + 1):
                confirmed, rooted = slot - c.config.confirmed_lag, slot - c.config.rooted_lag
                statuses = [(slot, slot - 1, FIRST_SHRED_RECEIVED), (slot, slot - 1, CREATED_BANK),
                            (slot - 1, slot - 2, COMPLETED), (slot - 1, slot - 2, PROCESSED),
                            (confirmed, confirmed - 1, CONFIRMED), (rooted, rooted - 1, FINALIZED)]
                for stream in list(self._streams):
                    self._slot_updates(stream, statuses)
                    meta_slot = {0: slot - 1, 1: confirmed, 2: rooted}[stream.commitment]
                    if stream.blocks_meta and meta_slot >= 0:
                        stream.out.put(encode_block_meta(stream.blocks_meta, c, meta_slot))
                    level_slot = {1: confirmed, 2: rooted}.get(stream.commitment)
                    if level_slot is not None and level_slot >= 0:
                        for key, (acct, wv, sig) in c.writes_in(level_slot).items():
                            self._offer(stream, key, acct, level_slot, wv, sig, at_write=False)
                        for committed in c.committed_in(level_slot):
                            self._offer_transaction(stream, committed, at_commit=False)
            seen = max(seen, now)

    def _slot_updates(self, stream: _Stream, statuses):
        for s, parent, status in statuses:
            if s < 0:
                continue
            names = [n for n, f in stream.slots.items()
                     if (f["interslot_updates"] or status in (PROCESSED, CONFIRMED, FINALIZED, DEAD))
                     and (not f["filter_by_commitment"] or status == _LEVEL_STATUS[stream.commitment])]
            if names:
                stream.out.put(encode_slot(names, s, parent, status))

