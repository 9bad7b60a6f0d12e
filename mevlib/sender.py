"""Hedged sending: when to fire (PhaseKalman per leader), where (RouteBandit), how many shots (a
"W" around the predicted phase), and what came of it (statuses, attribution, model updates).

The plan is pure (:func:`plan_shots`), so experiments can run it on virtual time; the
:class:`HedgedSender` runs it for real: shots leave from the C sender thread at their
scheduled monotonic times, and Python only decides and bookkeeps.
"""
from __future__ import annotations

import dataclasses
import itertools
import random
import threading
import time
from collections.abc import Callable, Sequence
from typing import NamedTuple

from solders.pubkey import Pubkey
from solders.signature import Signature

from mevlib import _sender
from mevlib.errors import InvalidArgumentError
from mevlib.feed.core import CREATED_BANK, FIRST_SHRED_RECEIVED
from mevlib.landing import PhaseKalman, RouteBandit, plan_w
from mevlib.routes import JsonRpcClient, Route, RpcCallError, classify, transaction_error

# Attempt and shot ids: one sequence for every sender in the process, since senders may share a
# recorder and a store (the demo's hedged and baseline policies do). It starts at the wall clock
# in µs, so a restarted bot does not reuse an earlier run's ids in the store: catching up would
# take more than one id per µs. Two bots writing one store at the same time can still meet
# (after as many ids as µs between their starts): give each its own database.
_ids = itertools.count(time.time_ns() // 1000)


class Shot(NamedTuple):  # a tuple: made three times on the path from delta to shot
    index: int
    route: str
    offset_ms: float   # after the target slot's start


def plan_shots(kalman: PhaseKalman | None, bandit: RouteBandit, leader: bytes, slot: int, shots: int,
               *, default_phase_ms: float, min_spread_ms: float = 10.0, value: float | None = None,
               rng: random.Random | None = None, z: float | None = None) -> list[Shot]:
    """The W: `shots` offsets around the leader's phase, each on a route the bandit picks
    (distinct while there are enough). With a Kalman filter the centre is drawn from the phase's
    posterior (Thompson sampling: a leader not learned yet gets shots spread over the slot, a
    learned one gets them tight): `z` is that standard normal draw, or it is drawn from `rng`
    (neither: the predicted phase itself). See mevlib.landing.plan_w for the arithmetic."""
    if z is None:
        z = rng.gauss(0.0, 1.0) if rng is not None and kalman is not None else 0.0
    plan = plan_w(kalman, bandit, leader, slot, shots, default_phase_ms=default_phase_ms,
                  min_spread_ms=min_spread_ms, value=value, z=z)
    return [Shot(i, route, offset) for i, (route, offset) in enumerate(plan)]


class SlotClock:
    """Follows the cluster's slots and measures the slot length by a least-squares fit of (time,
    slot) over the last samples: nothing assumes 400 ms.

    Samples come from the feed's slot events when there is a stream (:meth:`on_slot`: the
    plugin's FIRST_SHRED_RECEIVED / CREATED_BANK statuses, PubSub's slotsUpdates; the engine wires
    it), which mark a slot's start without a round trip. Without one, or when it has been
    silent for `stream_timeout_s`, the clock polls getSlot (processed) every `poll_s`, with the
    RPC's latency inside each sample. `polls` counts the getSlot calls."""

    def __init__(self, rpc: JsonRpcClient, *, poll_s: float = 0.05, window: int = 200,
                 initial_slot_ms: float = 400.0, stream_timeout_s: float = 2.0):
        self.rpc = rpc
        self.poll_s = poll_s
        self.stream_timeout_s = stream_timeout_s
        self._stream_ns = 0  # when the last stream sample came
        self.polls = 0
        self._samples: list[tuple[int, int]] = []  # (monotonic ns, slot)
        self._window = window
        self._slot_ms = initial_slot_ms
        self._anchor = None  # (ns, slot) of the fitted line
        self._leaders: dict[int, bytes] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None
        self.errors = 0

    def sample(self):
        """One getSlot poll."""
        self.polls += 1
        slot = self.rpc.get_slot()
        self._add(time.monotonic_ns(), slot)

    def observe(self, slot: int, now_ns: int | None = None):
        """A slot's start seen on a stream, now (or at now_ns)."""
        now_ns = time.monotonic_ns() if now_ns is None else now_ns
        self._stream_ns = now_ns
        self._add(now_ns, slot)

    def on_slot(self, update):
        """A Feed's on_slot hook: the statuses that mark a slot's start feed the fit."""
        if update.status in (FIRST_SHRED_RECEIVED, CREATED_BANK):
            self.observe(update.slot)

    def _add(self, now: int, slot: int):
        with self._lock:
            if self._samples and slot <= self._samples[-1][1]:
                return  # only the first sighting of a slot is near its start
            self._samples.append((now, slot))
            self._samples = self._samples[-self._window:]
            self._fit()

    def _fit(self):
        pts = self._samples
        if len(pts) < 2:
            self._anchor = pts[-1] if pts else None
            return
        n = len(pts)
        mt = sum(p[0] for p in pts) / n
        ms = sum(p[1] for p in pts) / n
        var = sum((p[1] - ms) ** 2 for p in pts)
        if var == 0:
            return
        ns_per_slot = sum((p[0] - mt) * (p[1] - ms) for p in pts) / var
        self._slot_ms = ns_per_slot / 1e6
        # first sightings lag the true starts; the earliest-seen residual marks the start
        lag = min(p[0] - (mt + (p[1] - ms) * ns_per_slot) for p in pts)
        self._anchor = (int(mt + lag), ms)

    def start(self) -> "SlotClock":
        self.sample()
        self._thread = threading.Thread(target=self._run, name="mevlib-slotclock", daemon=True)
        self._thread.start()
        return self

    def wait_ready(self, samples: int = 4, timeout: float = 10.0) -> bool:
        """Blocks until the fit rests on `samples` slot sightings (True) or timeout (False)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self._samples) >= samples:
                    return True
            self._stop.wait(self.poll_s)
        return False

    def _run(self):
        while not self._stop.wait(self.poll_s):
            if time.monotonic_ns() - self._stream_ns < self.stream_timeout_s * 1e9:
                continue  # the stream is alive: no round trips needed
            try:
                self.sample()
            except RpcCallError:
                self.errors += 1

    def stop(self):
        self._stop.set()
        if self._thread:
            self._thread.join()

    @property
    def slot_ms(self) -> float:
        return self._slot_ms

    def slot_start_ns(self, slot: int) -> int:
        with self._lock:
            t, s = self._anchor
            return int(t + (slot - s) * self._slot_ms * 1e6)

    def current_slot(self, now_ns: int | None = None) -> int:
        now_ns = time.monotonic_ns() if now_ns is None else now_ns
        with self._lock:
            t, s = self._anchor
            return int(s + (now_ns - t) / (self._slot_ms * 1e6))

    def leader(self, slot: int) -> bytes:
        if slot not in self._leaders:
            start = slot - slot % 4
            for i, key in enumerate(self.rpc.get_slot_leaders(start, 64)):
                self._leaders[start + i] = bytes(Pubkey.from_string(key))
        return self._leaders[slot]


@dataclasses.dataclass
class Attempt:
    attempt_id: int
    leader: bytes
    target_slot: int
    signatures: list
    shots: list                     # Shot
    shot_ids: list
    results: dict = dataclasses.field(default_factory=dict)  # shot_id -> ShotResult
    landed: bool | None = None      # None while undecided
    landed_slot: int | None = None
    failed: dict = dataclasses.field(default_factory=dict)  # signature -> TransactionError: committed, fee paid
    credited_route: str | None = None
    tips: list | None = None
    label: str = ""                 # the caller's name for it (strategy, policy), carried into records
    queued_ns: int = 0              # CLOCK_MONOTONIC when its first shot was handed to the C sender


class HedgedSender:
    """Sends one opportunity as a W of shots over several routes and learns from the outcome.

    ``send(wire, target_slot)`` plans and submits the shots (the same signed transaction on every
    route, or one tip variant per shot when `wire` is a list); ``poll()`` gathers shot results
    and signature statuses, decides each attempt once its slot is over, credits the route that
    landed it (a Jito route whose bundle landed; otherwise the earliest non-Jito shot), and updates
    the bandit and the Kalman filter. Every shot and outcome goes to `on_record` as a dict
    (mevlib.store.SenderRecorder turns them into store rows).

    `calibration` maps route names to :class:`mevlib.Lut` tables fitted by mevlib.calibrate: the
    bandit's cost-aware choice uses them, and each shot records the raw score (the route's
    posterior mean for that leader) and the calibrated p_land.
    """

    def __init__(self, routes: Sequence[Route], clock: SlotClock, status_rpc: JsonRpcClient, *,
                 kalman: PhaseKalman | None = None, bandit: RouteBandit | None = None, shots: int = 3,
                 default_phase_ms: float | None = None, min_spread_ms: float = 10.0,
                 give_up_slots: int = 8, timeout: float = 2.0, seed: int = 0,
                 calibration: dict | None = None, on_record: Callable[[dict], None] | None = None):
        if not routes:
            raise InvalidArgumentError("at least one route")
        self.routes = {r.name: r for r in routes}
        self.clock = clock
        self.status_rpc = status_rpc
        self.kalman = kalman
        self.bandit = bandit or RouteBandit([r.name for r in routes])
        self.calibration = dict(calibration or {})
        for name, lut in self.calibration.items():
            self.bandit.set_calibration(name, lut)
        self.shots = shots
        self.default_phase_ms = default_phase_ms
        self.min_spread_ms = min_spread_ms
        self.give_up_slots = give_up_slots
        self.on_record = on_record or (lambda record: None)
        self._rng = random.Random(seed)  # draws the W's centre from each leader's phase posterior
        self._z = self._draw_centre()
        self._curl = _sender.CurlSender(timeout=timeout)
        self._route_index = {}
        for r in routes:
            self._route_index[r.name] = self._curl.add_route(r.url, jito=r.jito, headers=r.headers,
                                                             http2=r.http2, ca_file=r.ca_file)
        self._names = [r.name for r in routes]
        self._curl.start()
        for i in self._route_index.values():  # open a connection to every route now
            self._curl.submit(0, i, _sender.WARM, [])
        self._jito_rpc: dict[str, JsonRpcClient] = {}
        self._attempts: dict[int, Attempt] = {}
        self._by_shot: dict[int, Attempt] = {}
        self._statuses_at = 0.0
        self.decided: list[Attempt] = []

    def send(self, wire, target_slot: int, *, value: float | None = None, tips=None, label: str = "") -> Attempt:
        """Plans and submits one opportunity. `wire`: one signed transaction for every shot, or
        one variant per shot. `tips`: the lamports each shot tips, to respect routes' minimums.
        `value`: what landing is worth, for cost-aware route choice."""
        wires = list(wire) if isinstance(wire, (list, tuple)) else [wire] * self.shots
        if len(wires) != self.shots or not all(isinstance(w, bytes) for w in wires):
            raise InvalidArgumentError(f"one signed transaction, or {self.shots} tip variants (bytes)")
        leader = self.clock.leader(target_slot)
        phase = self.default_phase_ms if self.default_phase_ms is not None else self.clock.slot_ms / 2
        plan = plan_shots(self.kalman, self.bandit, leader, target_slot, self.shots,
                          default_phase_ms=phase, min_spread_ms=self.min_spread_ms, value=value,
                          z=self._z)
        if tips is not None and len(tips) != self.shots:
            raise InvalidArgumentError(f"tips: one per shot ({self.shots})")
        plan = self._steer(plan, leader, value, tips)
        start = self.clock.slot_start_ns(target_slot)
        # submit first, bookkeep after: the first shot is queued as early as it can be
        shot_ids = [next(_ids) for _ in plan]
        fire_at = [start + int(shot.offset_ms * 1e6) for shot in plan]
        queued_ns = 0
        for shot, w, shot_id, at in zip(plan, wires, shot_ids, fire_at):
            self._curl.submit(shot_id, self._route_index[shot.route], self.routes[shot.route].shot_kind(), [w], at)
            queued_ns = queued_ns or time.monotonic_ns()
        attempt = Attempt(next(_ids), leader, target_slot, [], plan, shot_ids, tips=tips, label=label,
                          queued_ns=queued_ns)
        for shot_id in shot_ids:
            self._by_shot[shot_id] = attempt
        self._z = self._draw_centre()  # the next W's, drawn now: off the path to the first shot
        # the first signature sits right after a one-byte count (a transaction holds at most 12)
        attempt.signatures = [str(Signature.from_bytes(w[1:65])) for w in wires]
        if self.kalman is not None:
            phase_ms, phase_std = self.kalman.predict(leader, target_slot)
            self.on_record({"kind": "plan", "slot": target_slot, "leader": leader.hex(),
                            "slot_ms": self.clock.slot_ms, "phase_ms": phase_ms, "phase_std_ms": phase_std})
        for shot, shot_id, at in zip(plan, attempt.shot_ids, fire_at):
            p_raw = self.score(shot.route, leader)
            lut = self.calibration.get(shot.route)
            self.on_record({"kind": "shot", "attempt": attempt.attempt_id, "shot": shot_id,
                            "route": shot.route, "leader": leader.hex(), "target_slot": target_slot,
                            "index": shot.index, "offset_ms": shot.offset_ms, "fire_at_ns": at,
                            "tip": tips[shot.index] if tips is not None else None,
                            "p_raw": p_raw, "p_land": lut(p_raw) if lut is not None else p_raw,
                            "signature": attempt.signatures[shot.index], "value": value})
        self._attempts[attempt.attempt_id] = attempt
        return attempt

    def _draw_centre(self) -> float:
        """The standard normal draw that places a W's centre in the phase posterior."""
        return self._rng.gauss(0.0, 1.0) if self.kalman is not None else 0.0

    def score(self, route: str, leader: bytes) -> float:
        """The raw landing score of a route for a leader: its posterior mean."""
        a, b = self.bandit.posterior(route, leader)
        return a / (a + b)

    def _steer(self, plan: list[Shot], leader: bytes, value, tips) -> list[Shot]:
        """Moves a shot off a route that cannot take it now: no request left this second (token
        bucket or 429 back-off), or a tip below the route's minimum. It goes to the best route
        (bandit order) that can; with none, it keeps its route and the answer is recorded."""
        def usable(name, tip):
            route = self.routes[name]
            if tip is not None and tip < route.min_tip:
                return False
            return route.limiter is None or route.limiter.try_acquire()

        out = []
        ranked = None  # drawn only when a shot must move
        for shot in plan:
            tip = tips[shot.index] if tips is not None else None
            if usable(shot.route, tip):
                out.append(shot)
                continue
            ranked = ranked or self.bandit.choose(len(self.bandit.routes), leader, value)
            spare = next((r for r in ranked if r != shot.route and usable(r, tip)), None)
            out.append(shot._replace(route=spare) if spare else shot)
        return out

    def poll(self, timeout: float = 0.0) -> list[Attempt]:
        """Collects results; returns the attempts decided by this call."""
        for raw in self._curl.results(timeout=timeout):
            res = classify(raw, self._names)
            attempt = self._by_shot.pop(res.shot_id, None)
            if attempt is None:
                continue  # a warm-up
            attempt.results[res.shot_id] = res
            if res.status == "rate_limited" and self.routes[res.route].limiter:
                self.routes[res.route].limiter.penalise(1.0)
            self.on_record({"kind": "shot_result", "attempt": attempt.attempt_id, "shot": res.shot_id,
                            "route": res.route, "status": res.status, "error": res.error_message,
                            "late_ns": res.late_ns, "sent_ns": res.sent_ns, "done_ns": res.done_ns})
        return self._decide()

    def _bundle_landed(self, route: str, bundle_id: str) -> bool:
        client = self._jito_rpc.setdefault(route, JsonRpcClient(self.routes[route].url, self.routes[route].headers))
        try:
            (status,) = client.get_inflight_bundle_statuses([bundle_id])
        except (RpcCallError, ValueError):
            return False
        return bool(status) and status.get("status") == "Landed"

    def _decide(self) -> list[Attempt]:
        now_slot = self.clock.current_slot()
        # statuses change once per slot: one lookup per quarter slot is plenty, and it is a round trip
        # (and the scan over pending attempts with it: poll() may be called in a tight loop)
        now = time.monotonic()
        if now - self._statuses_at < self.clock.slot_ms / 4000:
            return []
        self._statuses_at = now
        ready = [a for a in self._attempts.values()
                 if now_slot > a.target_slot + 1 and len(a.results) == len(a.shot_ids)]
        if not ready:
            return []
        sigs = sorted({s for a in ready for s in a.signatures})
        try:
            node_slot, found = self.status_rpc.signature_statuses(sigs)
        except (RpcCallError, KeyError, TypeError):
            return []  # try again on the next poll; nothing is decided on a failed lookup
        statuses = dict(zip(sigs, found))
        decided = []
        for a in ready:
            landed = {s: st for s in a.signatures if (st := statuses.get(s)) and st.get("err") is None}
            try:
                a.failed = {s: transaction_error(st["err"]) for s in a.signatures
                            if (st := statuses.get(s)) and st.get("err") is not None}
            except ValueError:
                return decided  # an err we cannot read is never taken for a miss: ask again
            # "not landed" is the node's verdict: only once its own slot is well past the target
            if not landed and node_slot <= a.target_slot + self.give_up_slots:
                continue
            a.landed = bool(landed)
            a.landed_slot = min(st["slot"] for st in landed.values()) if landed else None
            self._credit(a, set(landed))
            decided.append(a)
            del self._attempts[a.attempt_id]
            self.decided.append(a)
        return decided

    def _credit(self, a: Attempt, landed_sigs: set):
        """Which shot landed it. With one tip variant per shot the landed signature names the
        shot exactly. With one transaction on several routes it is ambiguous: a Jito shot whose
        bundle the block engine reports Landed wins, else the earliest accepted non-Jito shot
        (else the earliest accepted shot; two Jito regions cannot be told apart). Every
        shot updates the bandit (landed only for the credited one); the credited shot's offset
        feeds the Kalman filter. A landed signature whose every shot lost its HTTP answer (a
        timeout, a dropped connection) was still delivered by one of them: those shots compete."""
        credited = None
        carried = [i for i, sig in enumerate(a.signatures) if sig in landed_sigs]
        answered = [i for i in carried if a.results[a.shot_ids[i]].ok]
        candidates = sorted((a.results[a.shot_ids[i]].sent_ns, i) for i in answered or carried)
        if len(candidates) == 1:
            credited = a.shots[candidates[0][1]]
        elif candidates:
            for _, i in candidates:
                shot, res = a.shots[i], a.results[a.shot_ids[i]]
                if self.routes[shot.route].jito and res.bundle_id and self._bundle_landed(shot.route, res.bundle_id):
                    credited = shot
                    break
            if credited is None:  # no block engine claims it: a plain route did, if one carried it
                plain = [i for _, i in candidates if not self.routes[a.shots[i].route].jito]
                credited = a.shots[(plain or [candidates[0][1]])[0]]
        a.credited_route = credited.route if credited else None
        for shot in a.shots:
            won = credited is not None and shot is credited
            self.bandit.update(shot.route, a.leader, won)
            alpha, beta = self.bandit.posterior(shot.route, a.leader)
            self.on_record({"kind": "arm", "route": shot.route, "leader": a.leader.hex(), "landed": won,
                            "alpha": alpha, "beta": beta})
        if self.kalman is not None:
            if credited is not None:
                self.kalman.observe(a.leader, credited.offset_ms, True, slot=a.target_slot)
            else:
                self.kalman.observe(a.leader, 0.0, False, slot=a.target_slot)
        self.on_record({"kind": "outcome", "attempt": a.attempt_id, "leader": a.leader.hex(),
                        "target_slot": a.target_slot, "landed": a.landed, "landed_slot": a.landed_slot,
                        "route": a.credited_route, "shots": len(a.shots),
                        "credited_shot": a.shot_ids[a.shots.index(credited)] if credited else None,
                        "signature": a.signatures[a.shots.index(credited)] if credited else a.signatures[0],
                        "tip_paid": a.tips[credited.index] if credited and a.tips else 0, "label": a.label,
                        "failed": {sig: e.name for sig, e in a.failed.items()}})

    @property
    def pending(self) -> int:
        return len(self._attempts)

    def close(self):
        self._curl.close()

    def thread_ids(self) -> list[int]:
        """The C sender thread's kernel id, for mevlib.affinity.pin."""
        return self._curl.thread_ids()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
