"""Dashboard events: one 40-byte little-endian record per event, the same layout in the ring and
in the page (on the WebSocket each is a delta against the previous of its kind: wire.py).

    off size field     SHOT           OUTCOME          DELTA            SLOT             STATS         NAME       SHADOW
    0   1    kind
    1   1    route     route index    credited route   -                -                -             index      route index
    2   1    flag      ok?            landed?          -                -                -             its space  simulated ok?
    3   1    -
    4   4    slot      target slot    target slot      update's slot    slot             -             -          target slot
    8   8    t_ms      unix ms        unix ms          unix ms          unix ms          unix ms       -          unix ms
    16  8    a         late µs        tip lamports     feed lag ms      Kalman phase ms  ring depth    name 0-7   tip lamports
    24  8    b         rtt µs         fee lamports     data bytes       phase std ms     coalesced     name 8-15  compute units
    32  4    id        attempt id     attempt id       account key[:4]  leader index     dropped       -          attempt id
    36  4    -

    off size field     ATTEMPT             POOL                         CYCLE
    1   1    route     -                   pool index                   hops
    2   1    flag      -                   -                            start mint index
    4   4    slot      target slot         update's slot                slot
    8   8    t_ms      unix ms             unix ms                      unix ms
    16  8    a         value lamports      b per a, after fees          profit (start mint's atoms)
    24  8    b         -                   a per b, after fees          input (start mint's atoms)
    32  4    id        attempt id          mint a index | mint b << 16  pool indices, 8 bits a hop

SHADOW: a shot shadow mode (mevlib run --shadow) planned, signed and simulated, and did not send.
ATTEMPT: an opportunity sent (its first shot's record); with its OUTCOME, the page's worker has
its profit: value - tip - fee. POOL: a pool the arbitrage finder tracks moved; its marginal
rates (Finder.marginal_rates). CYCLE: a cycle the finder found (Finder.best_cycle).
NAME spaces: 0 route, 1 leader, 2 pool, 3 mint; up to 256 names each.
Attempt ids are 64-bit: `id` carries their low 32 bits.
"""
from __future__ import annotations

import enum
import itertools
import threading
import time

import numpy as np

from mevlib.ring import RecordRing

EVENT_DTYPE = np.dtype([("kind", "u1"), ("route", "u1"), ("flag", "u1"), ("_pad", "u1"), ("slot", "<u4"),
                        ("t_ms", "<f8"), ("a", "<f8"), ("b", "<f8"), ("id", "<u4"), ("_pad2", "<u4")])
assert EVENT_DTYPE.itemsize == 40


class Kind(enum.IntEnum):
    SHOT = 1
    OUTCOME = 2
    DELTA = 3
    SLOT = 4
    STATS = 5
    NAME = 6
    SHADOW = 7
    ATTEMPT = 8
    POOL = 9
    CYCLE = 10


class Space(enum.IntEnum):
    """What a NAME event names."""
    ROUTE = 0
    LEADER = 1
    POOL = 2
    MINT = 3


def key_name(pubkey) -> str:
    """A leader's or mint's name on the page: the first and last 8 characters of its base58
    pubkey (a NAME event carries 16 bytes; the page shows the first and last 4 of them)."""
    pubkey = str(pubkey)
    return pubkey if len(pubkey) <= 16 else pubkey[:8] + pubkey[-8:]


def name_fields(text: str) -> tuple[float, float]:
    """The a and b of a NAME event: the text's first 16 UTF-8 bytes, zero-padded, as two f64."""
    a, b = np.frombuffer(text.encode()[:16].ljust(16, b"\0"), "<f8")
    return float(a), float(b)


def pool_name(kind: str, address) -> str:
    """A pool's name on the page: its program's short name and its address's first characters."""
    return f"{kind} {str(address)}"[:16]


class EventPublisher:
    """The bot's side: creates the named ring and pushes events without ever waiting (a full
    ring drops the event and counts it). Route and leader names travel once, as NAME events."""

    def __init__(self, name: str, capacity: int = 1 << 16):
        self.ring = RecordRing(EVENT_DTYPE, capacity, name=name)
        self._lock = threading.Lock()  # the ring has one producer; the bot's threads take turns
        self.name = name
        self.dropped = 0
        self._ids: dict[tuple[int, str], int] = {}
        self._pools: dict = {}       # pool address -> (its index, its mints' indices)
        self._pool_sent: dict = {}   # pool address -> when its last POOL event went
        self._one = np.zeros(1, EVENT_DTYPE)

    def _index(self, space: int, name: str) -> int:
        key = (space, name)
        i = self._ids.get(key)
        if i is None:
            i = self._ids[key] = sum(1 for s, _ in self._ids if s == space) % 256
            a, b = name_fields(name)
            self._push(Kind.NAME, route=i, flag=space, a=a, b=b)
        return i

    def _push_locked(self, kind, *, route=0, flag=0, slot=0, a=0.0, b=0.0, id=0):
        e = self._one[0]
        e["kind"], e["route"], e["flag"], e["slot"] = kind, route, flag, slot & 0xFFFFFFFF
        e["t_ms"], e["a"], e["b"], e["id"] = time.time() * 1e3, a, b, id & 0xFFFFFFFF
        if self.ring.push_array(self._one) == 0:
            self.dropped += 1

    def _push(self, kind, **fields):
        with self._lock:
            self._push_locked(kind, **fields)

    def push_many(self, events: np.ndarray) -> int:
        """Pre-built records (EVENT_DTYPE); returns how many fitted."""
        with self._lock:
            n = self.ring.push_array(events)
        self.dropped += len(events) - n
        return n

    # --- what the engine and sender report -------------------------------------------------------
    def record(self, rec: dict) -> None:
        """Takes HedgedSender records (pass as on_record, next to the store's recorder)."""
        kind = rec["kind"]
        if kind == "shot" and rec.get("index") == 0 and rec.get("value") is not None:
            self._push(Kind.ATTEMPT, slot=rec["target_slot"], a=float(rec["value"]), id=rec["attempt"])
        elif kind == "shot_result":
            self._push(Kind.SHOT, route=self._index(0, rec["route"]), flag=rec["status"] == "ok",
                       a=rec["late_ns"] / 1e3 if rec.get("late_ns") is not None else 0.0,
                       b=(rec["done_ns"] - rec["sent_ns"]) / 1e3 if rec.get("sent_ns") and rec.get("done_ns") else 0.0,
                       id=rec["attempt"])
        elif kind == "outcome":
            self._push(Kind.OUTCOME, route=self._index(0, rec["route"] or "none"), flag=bool(rec["landed"]),
                       slot=rec["target_slot"], a=float(rec.get("tip_paid") or 0),
                       b=float(rec.get("fee_paid") or 0), id=rec["attempt"])
        elif kind == "shadow":
            self._push(Kind.SHADOW, route=self._index(0, rec["route"]), flag=bool(rec["sim_ok"]),
                       slot=rec["target_slot"], a=float(rec["tip"] or 0), b=float(rec["units"]), id=rec["attempt"])
        elif kind == "plan":
            self._push(Kind.SLOT, slot=rec["slot"], a=rec["phase_ms"], b=rec["phase_std_ms"],
                       id=self._index(1, key_name(rec["leader"])))

    def delta(self, slot: int, lag_ms: float, data_len: int, key32: int) -> None:
        self._push(Kind.DELTA, slot=slot, a=lag_ms, b=float(data_len), id=key32)

    POOL_EVERY_S = 0.05  # a pool's rates at most 20 times a second: a chart needs no more

    def _pool(self, finder, address) -> tuple[int, int]:
        """(pool index, mint indices) of a pool, named once."""
        known = self._pools.get(address)
        if known is None:
            kind, mint_a, mint_b = finder.describe(address)
            known = self._pools[address] = (
                self._index(Space.POOL, pool_name(kind, address)),
                self._index(Space.MINT, key_name(mint_a)) | self._index(Space.MINT, key_name(mint_b)) << 16)
        return known

    def pool(self, finder, address, slot: int) -> None:
        """A pool the finder tracks moved: its marginal rates both ways, after fees (at most every
        POOL_EVERY_S per pool)."""
        now = time.monotonic()
        if now - self._pool_sent.get(address, -1.0) < self.POOL_EVERY_S:
            return
        self._pool_sent[address] = now
        index, mints = self._pool(finder, address)
        ab, ba = finder.marginal_rates(address)
        self._push(Kind.POOL, route=index, slot=slot, a=ab, b=ba, id=mints)

    def cycle(self, finder, cycle, slot: int) -> None:
        """A cycle the finder found: its pools, start mint, input and profit."""
        pools = 0
        for i, hop in enumerate(cycle.hops):
            pools |= self._pool(finder, hop.pool)[0] << (8 * i)
        self._push(Kind.CYCLE, route=len(cycle.hops), flag=self._index(Space.MINT, key_name(cycle.start_mint)),
                   slot=slot, a=float(cycle.profit), b=float(cycle.amount_in), id=pools)

    def stats(self, ring_depth: int, coalesced: int, dropped: int) -> None:
        self._push(Kind.STATS, a=float(ring_depth), b=float(coalesced), id=dropped)

    def close(self) -> None:
        self.ring.close()
        self.ring.unlink()


def paced_load(publisher: EventPublisher, rate: int, stop: threading.Event, seed: int = 0) -> int:
    """Publishes `rate` synthetic events a second (a second's worth made once, a hundredth of it
    every 10 ms, stamped as it goes) until `stop` is set; returns how many fitted in the ring."""
    stream, per, pushed = synthetic(rate, np.random.default_rng(seed)), max(1, rate // 100), 0
    next_at = time.monotonic()
    for i in itertools.count():
        if stop.is_set():
            return pushed
        part = stream[(i % 100) * per:(i % 100 + 1) * per].copy()
        part["t_ms"] = time.time() * 1e3
        pushed += publisher.push_many(part)
        next_at += 0.01
        time.sleep(max(0.0, next_at - time.monotonic()))


# the synthetic market: (mint a, mint b, price of a in b) per pool; two pools share a pair
SYNTHETIC_POOLS = [(0, 1, 100.0), (0, 1, 100.0), (1, 2, 2.0), (2, 0, 0.005), (0, 2, 200.0), (1, 2, 2.0)]


def synthetic(n: int, rng, routes: int = 4, leaders: int = 8, t_ms: float | None = None) -> np.ndarray:
    """n plausible events (shots, outcomes, deltas, slots, stats, attempts, pool rates, cycles)
    for load tests and benchmarks. Outcomes decide attempts sent a little earlier; the pools'
    prices wander (SYNTHETIC_POOLS), each quoted with a 0.3 % fee."""
    ev = np.zeros(n, EVENT_DTYPE)
    kind = rng.choice([Kind.SHOT, Kind.OUTCOME, Kind.DELTA, Kind.DELTA, Kind.SLOT, Kind.STATS, Kind.ATTEMPT,
                       Kind.POOL, Kind.CYCLE], n, p=[.15, .12, .25, .2, .08, .08, .04, .06, .02])
    ev["kind"] = kind
    ev["route"] = rng.integers(0, routes, n)
    ev["flag"] = rng.random(n) < 0.3
    ev["slot"] = 300_000_000 + np.arange(n) // 40
    ev["t_ms"] = (time.time() * 1e3 if t_ms is None else t_ms) + np.arange(n) * 0.1
    by_kind = {  # (a, b) per kind, in the units the layout above gives
        Kind.SHOT: (rng.gamma(2.0, 25.0, n), rng.lognormal(np.log(900), 0.5, n)),
        Kind.OUTCOME: (np.round(rng.lognormal(np.log(25_000), 0.4, n), -2), rng.lognormal(np.log(2e5), 1, n)),
        Kind.DELTA: (rng.gamma(2.0, 40.0, n), rng.choice([165.0, 752.0], n)),
        Kind.SLOT: (rng.uniform(60, 300, n), rng.uniform(2, 30, n)),
        Kind.STATS: (rng.integers(0, 400, n).astype(float), np.cumsum(rng.integers(0, 3, n)).astype(float)),
    }
    for k, (a, b) in by_kind.items():
        m = kind == k
        ev["a"][m], ev["b"][m] = a[m], b[m]
    ev["id"] = np.where(kind == Kind.SLOT, rng.integers(0, leaders, n), rng.integers(0, 1 << 20, n))
    # attempts: value; their outcomes follow (each outcome decides the latest attempt before it)
    attempts = np.flatnonzero(kind == Kind.ATTEMPT)
    base = int(rng.integers(1, 1 << 30))
    ev["id"][attempts] = base + np.arange(len(attempts))
    ev["a"][attempts] = np.round(rng.lognormal(np.log(120_000), 0.6, len(attempts)))
    outcomes = np.flatnonzero(kind == Kind.OUTCOME)
    before = np.searchsorted(attempts, outcomes) - 1
    ev["id"][outcomes] = np.where(before >= 0, base + before, ev["id"][outcomes])
    ev["b"][outcomes] = 5_000 * rng.integers(1, 4, len(outcomes))  # fees
    ev["a"][outcomes[ev["flag"][outcomes] == 0]] = 0  # a miss pays no tip
    # pools: a random walk of each price, the rates both ways after a 0.3 % fee
    pools = np.flatnonzero(kind == Kind.POOL)
    which = rng.integers(0, len(SYNTHETIC_POOLS), len(pools))
    drift = np.exp(np.cumsum(rng.normal(0, 0.0005, len(pools))))
    spec = np.array(SYNTHETIC_POOLS)[which]
    price = spec[:, 2] * drift ** np.where(spec[:, 0] == 0, 1, -1) * rng.normal(1, 0.002, len(pools))
    ev["route"][pools] = which
    ev["id"][pools] = spec[:, 0].astype(np.uint32) | spec[:, 1].astype(np.uint32) << 16
    ev["a"][pools], ev["b"][pools] = price * 0.997, 0.997 / price
    # cycles through two or three of those pools
    cycles = np.flatnonzero(kind == Kind.CYCLE)
    ev["route"][cycles] = rng.integers(2, 4, len(cycles))
    ev["id"][cycles] = rng.integers(0, 6, len(cycles)) | rng.integers(0, 6, len(cycles)) << 8 | 2 << 16
    ev["flag"][cycles] = 0
    ev["a"][cycles] = np.round(rng.gamma(2.0, 30_000, len(cycles)))
    ev["b"][cycles] = np.round(rng.lognormal(np.log(2e8), 0.5, len(cycles)))
    return ev
