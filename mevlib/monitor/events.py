"""Dashboard events: one 40-byte little-endian record per event, the same bytes in the ring, on
the WebSocket and in the page's worker (static/protoCoalesce.worker.js decodes this layout).

    off size field     SHOT           OUTCOME          DELTA            SLOT             STATS         NAME       SHADOW
    0   1    kind
    1   1    route     route index    credited route   -                -                -             index      route index
    2   1    flag      ok?            landed?          -                -                -             0 route,   simulated ok?
                                                                                                         1 leader
    3   1    -
    4   4    slot      target slot    target slot      update's slot    slot             -             -          target slot
    8   8    t_ms      unix ms        unix ms          unix ms          unix ms          unix ms       -          unix ms
    16  8    a         late µs        tip lamports     feed lag ms      Kalman phase ms  ring depth    name 0-7   tip lamports
    24  8    b         rtt µs         value lamports   data bytes       phase std ms     coalesced     name 8-15  compute units
    32  4    id        attempt id     attempt id       account key[:4]  leader index     dropped       -          attempt id
SHADOW: a shot shadow mode (mevlib run --shadow) planned, signed and simulated, and did not send.
    36  4    -
Attempt ids are 64-bit: `id` carries their low 32 bits.
"""
from __future__ import annotations

import enum
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


def leader_name(pubkey: str) -> str:
    """A leader's name on the page: the first and last 8 characters of its base58 pubkey (a NAME
    event carries 16 bytes; the page shows the first and last 4 of them)."""
    return pubkey if len(pubkey) <= 16 else pubkey[:8] + pubkey[-8:]


class EventPublisher:
    """The bot's side: creates the named ring and pushes events without ever waiting (a full
    ring drops the event and counts it). Route and leader names travel once, as NAME events."""

    def __init__(self, name: str, capacity: int = 1 << 16):
        self.ring = RecordRing(EVENT_DTYPE, capacity, name=name)
        self._lock = threading.Lock()  # the ring has one producer; the bot's threads take turns
        self.name = name
        self.dropped = 0
        self._ids: dict[tuple[int, str], int] = {}
        self._one = np.zeros(1, EVENT_DTYPE)

    def _index(self, space: int, name: str) -> int:
        key = (space, name)
        i = self._ids.get(key)
        if i is None:
            i = self._ids[key] = sum(1 for s, _ in self._ids if s == space) % 256
            raw = name.encode()[:16].ljust(16, b"\0")
            self._push(Kind.NAME, route=i, flag=space, a=np.frombuffer(raw[:8], "<f8")[0],
                       b=np.frombuffer(raw[8:], "<f8")[0])
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
        if kind == "shot_result":
            self._push(Kind.SHOT, route=self._index(0, rec["route"]), flag=rec["status"] == "ok",
                       a=rec["late_ns"] / 1e3 if rec.get("late_ns") is not None else 0.0,
                       b=(rec["done_ns"] - rec["sent_ns"]) / 1e3 if rec.get("sent_ns") and rec.get("done_ns") else 0.0,
                       id=rec["attempt"])
        elif kind == "outcome":
            self._push(Kind.OUTCOME, route=self._index(0, rec["route"] or "none"), flag=bool(rec["landed"]),
                       slot=rec["target_slot"], a=float(rec.get("tip_paid") or 0), id=rec["attempt"])
        elif kind == "shadow":
            self._push(Kind.SHADOW, route=self._index(0, rec["route"]), flag=bool(rec["sim_ok"]),
                       slot=rec["target_slot"], a=float(rec["tip"] or 0), b=float(rec["units"]), id=rec["attempt"])
        elif kind == "plan":
            self._push(Kind.SLOT, slot=rec["slot"], a=rec["phase_ms"], b=rec["phase_std_ms"],
                       id=self._index(1, leader_name(rec["leader"])))

    def delta(self, slot: int, lag_ms: float, data_len: int, key32: int) -> None:
        self._push(Kind.DELTA, slot=slot, a=lag_ms, b=float(data_len), id=key32)

    def stats(self, ring_depth: int, coalesced: int, dropped: int) -> None:
        self._push(Kind.STATS, a=float(ring_depth), b=float(coalesced), id=dropped)

    def close(self) -> None:
        self.ring.close()
        self.ring.unlink()


def synthetic(n: int, rng, routes: int = 4, leaders: int = 8, t_ms: float | None = None) -> np.ndarray:
    """n plausible events (shots, outcomes, deltas, slots, stats) for load tests and benchmarks."""
    ev = np.zeros(n, EVENT_DTYPE)
    kind = rng.choice([Kind.SHOT, Kind.OUTCOME, Kind.DELTA, Kind.DELTA, Kind.SLOT, Kind.STATS], n)
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
    return ev
