"""Tip and fee pricing from what the market pays.

- :class:`TipFloor`: Jito's landed-tip percentiles (GET bundles.jito.wtf/api/v1/bundles/tip_floor,
  values in SOL; the same objects stream from wss://bundles.jito.wtf/api/v1/bundles/tip_stream:
  docs.jito.wtf "Tips" and "Get Tip Information"). :func:`fetch_tip_floor` reads it once,
  :class:`TipStream` keeps the newest from the stream.
- :func:`priority_fee`: a compute-unit price from getRecentPrioritizationFees (Agave: the lowest
  price that landed per slot, for the 150 recent slots, optionally for given writable accounts).
- :class:`TipPricer`: the tip that maximises the expected profit of one opportunity,
  ``p_route × F(tip) × (value − tip − fee)``: `F` is the share of landed tips at or below `tip`
  (the tip floor's percentiles, linear between them), `p_route` the calibrated chance that the
  route delivers in the leader's window (mevlib.calibrate's tables), and the tip and fee are paid
  only when it lands (the tip is in the same transaction; a bundle that loses pays nothing).
"""
from __future__ import annotations

import dataclasses
import http.client
import json
import logging
import threading
import urllib.parse

from mevlib._extras import require
from mevlib.errors import CorruptDataError, InvalidArgumentError
from mevlib.jito import MIN_TIP_LAMPORTS

log = logging.getLogger("mevlib.pricing")

LAMPORTS_PER_SOL = 1_000_000_000
PERCENTILES = (("landed_tips_25th_percentile", 0.25), ("landed_tips_50th_percentile", 0.50),
               ("landed_tips_75th_percentile", 0.75), ("landed_tips_95th_percentile", 0.95),
               ("landed_tips_99th_percentile", 0.99))
MAX_BODY = 1 << 16


@dataclasses.dataclass(frozen=True)
class TipFloor:
    percentiles: tuple          # ((share, lamports), ...) ascending: (0.25, p25) ... (0.99, p99)
    ema50: int                  # lamports: Jito's exponential average of the median
    time: str = ""

    @classmethod
    def from_json(cls, doc) -> "TipFloor":
        """One tip-floor object (or Jito's one-element array of it); CorruptDataError for anything
        that is not: missing or negative values, percentiles out of order."""
        if isinstance(doc, list) and len(doc) == 1:
            doc = doc[0]
        if not isinstance(doc, dict):
            raise CorruptDataError(f"not a tip floor: {str(doc)[:120]}")
        pts = []
        for key, share in PERCENTILES:
            v = doc.get(key)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not 0 <= v < 1e6:
                raise CorruptDataError(f"tip floor: {key} = {v!r}")
            pts.append((share, round(v * LAMPORTS_PER_SOL)))
        if any(b[1] < a[1] for a, b in zip(pts, pts[1:])):
            raise CorruptDataError(f"tip floor: percentiles out of order {pts}")
        ema = doc.get("ema_landed_tips_50th_percentile", pts[1][1] / LAMPORTS_PER_SOL)
        if not isinstance(ema, (int, float)) or not 0 <= ema < 1e6:
            raise CorruptDataError(f"tip floor: ema_landed_tips_50th_percentile = {ema!r}")
        return cls(tuple(pts), round(ema * LAMPORTS_PER_SOL), str(doc.get("time", "")))

    def share_at_or_below(self, tip: float) -> float:
        """F(tip): the share of landed tips at or below `tip` (linear between the percentiles,
        from 0 at no tip, to 1 at twice the 99th)."""
        return _cdf(self._points(), tip)

    def _points(self) -> list:
        pts = [(0.0, 0.0)]
        for share, lamports in self.percentiles:
            if lamports > pts[-1][0]:
                pts.append((float(lamports), share))
            else:  # equal percentiles: the higher share holds at that tip
                pts[-1] = (pts[-1][0], share)
        pts.append((2.0 * max(pts[-1][0], 1.0), 1.0))
        return pts


def _cdf(points, x: float) -> float:
    if x <= 0:
        return 0.0
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return 1.0


def fetch_tip_floor(url: str, timeout: float = 3.0) -> TipFloor:
    """GET the tip floor (https://bundles.jito.wtf/api/v1/bundles/tip_floor)."""
    u = urllib.parse.urlparse(url)
    if u.scheme not in ("http", "https"):
        raise InvalidArgumentError(f"not an http(s) URL: {url!r}")
    cls = http.client.HTTPSConnection if u.scheme == "https" else http.client.HTTPConnection
    conn = cls(u.hostname, u.port, timeout=timeout)
    try:
        conn.request("GET", (u.path or "/") + (f"?{u.query}" if u.query else ""))
        resp = conn.getresponse()
        body = resp.read(MAX_BODY + 1)
    finally:
        conn.close()
    if resp.status != 200 or len(body) > MAX_BODY:
        raise CorruptDataError(f"tip floor: HTTP {resp.status}, {len(body)} bytes")
    try:
        return TipFloor.from_json(json.loads(body))
    except ValueError as e:
        raise CorruptDataError(f"tip floor: {e}") from None


class TipStream:
    """The newest tip floor from Jito's tip stream, on a background thread that reconnects with
    back-off. `latest` is None until the first message; a malformed message is counted and skipped."""

    def __init__(self, url: str, *, backoff_s: tuple = (0.1, 5.0)):
        self._ws = require("websockets.sync.client", "feed", "TipStream")
        self.url, self.backoff_s = url, backoff_s
        self.latest: TipFloor | None = None
        self.messages = self.bad = self.reconnects = 0
        self._stop, self._first = threading.Event(), threading.Event()
        self._conn = None
        self._thread = threading.Thread(target=self._run, name="mevlib-tipstream", daemon=True)
        self._thread.start()

    def _run(self):
        delay = self.backoff_s[0]
        while not self._stop.is_set():
            try:
                with self._ws.connect(self.url, open_timeout=5, max_size=MAX_BODY) as conn:
                    self._conn = conn
                    delay = self.backoff_s[0]
                    for text in conn:
                        try:
                            self.latest = TipFloor.from_json(json.loads(text))
                            self.messages += 1
                            self._first.set()
                        except (ValueError, CorruptDataError):
                            self.bad += 1
            except Exception as e:  # closed, refused, reset: reconnect below
                if self._stop.is_set():
                    break
                log.debug("tip stream: %s", e)
            self.reconnects += 1
            self._stop.wait(delay)
            delay = min(self.backoff_s[1], delay * 2)

    def wait(self, timeout: float = 10.0) -> bool:
        """True once a tip floor has arrived."""
        return self._first.wait(timeout)

    def close(self):
        self._stop.set()
        if self._conn is not None:
            self._conn.close()
        self._thread.join(5)


def priority_fee(rpc, accounts=(), percentile: float = 0.75) -> int:
    """A compute-unit price (micro-lamports) at `percentile` of the recent slots' prices, from
    getRecentPrioritizationFees (for the writable `accounts`, when given)."""
    if not 0 <= percentile <= 1:
        raise InvalidArgumentError(f"percentile is in [0, 1], not {percentile!r}")
    rows = rpc.call("getRecentPrioritizationFees", [[str(a) for a in accounts]] if accounts else [])
    if not isinstance(rows, list) or not all(isinstance(r, dict) and isinstance(r.get("prioritizationFee"), int)
                                             for r in rows):
        raise CorruptDataError(f"getRecentPrioritizationFees: {str(rows)[:200]}")
    fees = sorted(r["prioritizationFee"] for r in rows)
    return fees[min(len(fees) - 1, int(percentile * len(fees)))] if fees else 0


class TipPricer:
    """The EV-maximising tip for an opportunity worth `value` lamports (see the module's text).

    On each linear piece of F, ``(a + b·t)(V − t)`` is a concave parabola, so the best tip of a
    piece is its vertex ``(b·V − a) / 2b`` clipped to the piece: the search is a handful of
    arithmetic steps per piece, no grid."""

    def __init__(self, floor: TipFloor | None = None, *, min_tip: int = MIN_TIP_LAMPORTS, max_tip: int | None = None):
        self.min_tip, self.max_tip = min_tip, max_tip
        self._pieces: list = []
        if floor is not None:
            self.update(floor)

    def update(self, floor: TipFloor):
        """A new tip floor (from TipStream or fetch_tip_floor): the pieces are cut to
        [min_tip, max_tip] once here, so choose() only evaluates."""
        pts = floor._points()
        lo, hi = self.min_tip, self.max_tip if self.max_tip is not None else float("inf")
        pieces = []
        for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
            t0, t1 = max(x0, lo), min(x1, hi)
            if t0 <= t1:
                b = (y1 - y0) / (x1 - x0)
                pieces.append((t0, t1, y0 - b * x0, b))
        if not pieces:  # the whole curve is below min_tip: tip min_tip, which outbids all
            pieces.append((lo, lo, 1.0, 0.0))
        self.floor, self._pieces = floor, pieces

    def choose(self, value: float, fee: float = 0.0, p_route: float = 1.0) -> tuple[int, float]:
        """(tip in lamports, expected profit in lamports) for an opportunity worth `value`; a
        profit at or below zero says the opportunity is not worth sending."""
        if not self._pieces:
            raise InvalidArgumentError("no tip floor yet: update() the pricer first")
        v = value - fee
        best_t, best = 0.0, -float("inf")
        for t0, t1, a, b in self._pieces:  # each piece's best is its clipped vertex (concave)
            t = (b * v - a) / (2 * b) if b > 0 else t0
            t = t0 if t < t0 else t1 if t > t1 else t
            ev = (a + b * t) * (v - t)
            if ev > best:
                best, best_t = ev, t
        tip = int(best_t + 0.5)
        return tip, p_route * best
