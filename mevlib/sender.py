"""Hedged sending: when to fire (PhaseKalman per leader), where (RouteBandit), how many shots (a
"W" around the predicted phase), and what came of it (statuses, attribution, model updates).

The plan is pure (:func:`plan_shots`), so experiments can run it on virtual time; the
:class:`HedgedSender` runs it for real: shots leave from the C sender thread at their
scheduled monotonic times, and Python only decides and bookkeeps.
"""
from __future__ import annotations

import dataclasses
import itertools
import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from typing import NamedTuple

from solders.pubkey import Pubkey

from mevlib import _sender
from mevlib.errors import InvalidArgumentError
from mevlib.feed.core import CREATED_BANK, FIRST_SHRED_RECEIVED
from mevlib.landing import PhaseKalman, RouteBandit, plan_w
from mevlib.routes import JsonRpcClient, Route, RpcCallError, classify, transaction_error
from mevlib.transaction import MAX_PROCESSING_AGE, fee_for_message, message_key, nonce_account_of, parse

# How tip variants (different messages for one opportunity) are kept from all executing. Without
# one, every variant could land: each pays its fee and the trade runs several times. send()
# refuses variants unless the caller names one of these, and checks what it can:
# - SHARED_BUNDLE: every variant is bundled behind the same transactions (`bundle=`, a backrun's
#   target). A transaction commits once, so at most one bundle can: exclusive by construction.
# - DURABLE_NONCE: every variant advances one durable nonce from one value: the first to commit
#   moves it, the others' lifetime is gone. Exclusive by construction, on any route.
# - REVERT_PROTECTED: only to block engines (bundleOnly), where a variant that fails costs nothing.
#   Two that both succeed still both execute: it is exclusive only for a trade whose second
#   execution fails (its own min-out or state check), which the caller asserts by naming it. A
#   double landing is accounted (both tips and fees) and counted in `double_landed`.
SHARED_BUNDLE = "shared_bundle"
DURABLE_NONCE = "durable_nonce"
REVERT_PROTECTED = "revert_protected"
EXCLUSIVE = (SHARED_BUNDLE, DURABLE_NONCE, REVERT_PROTECTED)
MAX_BUNDLE = 5  # transactions in a Jito bundle, ours included

log = logging.getLogger("mevlib.sender")

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
    bundle: tuple = ()              # the signed transactions ahead of ours in each shot's bundle
    exclusive: str | None = None    # how its tip variants are kept from all executing (EXCLUSIVE)
    last_valid_block_height: int | None = None  # its blockhash's; past it nothing of it can land
    message_keys: list = dataclasses.field(default_factory=list)  # per shot (mevlib.transaction.message_key)
    fees: list = dataclasses.field(default_factory=list)          # per shot: lamports it pays if committed
    fee_paid: int = 0               # lamports paid by its committed transactions (landed or failed)
    tip_paid: int = 0
    duplicate_of: str | None = None  # another attempt's signature of the same message landed it
    late_slot: int | None = None    # landed (or failed and paid) after it was decided
    committed: set = dataclasses.field(default_factory=set)  # signatures accounted as committed so far
    shadow: bool = False            # planned, signed and recorded, never sent
    simulation: object = None       # the pre-send Simulation (mevlib.presend), when one ran


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
                 calibration: dict | None = None, on_record: Callable[[dict], None] | None = None,
                 shadow: bool = False):
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
        self._names = [r.name for r in routes]
        # shadow: no C sender at all, so nothing (not even a warm-up) reaches a route
        self.shadow = shadow
        self._curl = None if shadow else _sender.CurlSender(timeout=timeout)
        self._route_index = {}
        self._shadow_done: list[Attempt] = []
        for r in routes if not shadow else ():
            self._route_index[r.name] = self._curl.add_route(r.url, headers=r.headers, http2=r.http2,
                                                             ca_file=r.ca_file, dialect=r.dialect, ping=r.ping)
        self._used: dict[str, float] = {}  # route -> when a request last went (or was planned) to it
        if not shadow:
            self._curl.start()
            self.keep_warm(0.0)  # open a connection to every route now
        self._jito_rpc: dict[str, JsonRpcClient] = {}
        self._attempts: dict[int, Attempt] = {}
        self._watch: dict[int, Attempt] = {}      # decided misses that could still land until they expire
        self._twins: dict[bytes, set] = {}        # message key -> every signature sent of that message
        self._twin_until: dict[bytes, int] = {}   # message key -> the slot after which it cannot land
        self._by_shot: dict[int, Attempt] = {}
        self._statuses_at = self._watched_at = 0.0
        self.decided: list[Attempt] = []
        self.double_landed = 0  # attempts of which more than one variant executed

    def send(self, wire, target_slot: int, *, value: float | None = None, tips=None, label: str = "",
             bundle=None, exclusive: str | None = None, last_valid_block_height: int | None = None,
             simulation=None) -> Attempt:
        """Plans and submits one opportunity. `wire`: one signed transaction for every shot, or
        one variant per shot. `tips`: the lamports each shot tips, to respect routes' minimums.
        `value`: what landing is worth, for cost-aware route choice.

        `bundle`: signed transactions that go ahead of ours in a Jito bundle (a backrun's target):
        every shot is then a sendBundle of ``[*bundle, ours]`` to a block engine. Variants (different
        messages) need `exclusive`, one of EXCLUSIVE (see above: how each keeps them from all
        executing, and what is checked here). `last_valid_block_height`: the blockhash's, so an attempt that
        has not landed is final once the chain passes it. `simulation`: the pre-send result, kept
        with the attempt (and recorded in shadow mode)."""
        wires = list(wire) if isinstance(wire, (list, tuple)) else [wire] * self.shots
        if len(wires) != self.shots or not all(isinstance(w, bytes) for w in wires):
            raise InvalidArgumentError(f"one signed transaction, or {self.shots} tip variants (bytes)")
        if tips is not None and len(tips) != self.shots:
            raise InvalidArgumentError(f"tips: one per shot ({self.shots})")
        ahead = self._bundle(bundle)
        if exclusive == SHARED_BUNDLE and not ahead:
            raise InvalidArgumentError(f"exclusive={SHARED_BUNDLE!r} needs the shared transactions: bundle=[...]")
        protected = exclusive == REVERT_PROTECTED or bool(ahead)
        self._check_exclusive(wires, exclusive)
        allowed = {n for n, r in self.routes.items() if r.jito} if protected else None
        if allowed is not None and not allowed:
            raise InvalidArgumentError("bundles and revert-protected variants need a block-engine route")
        leader = self.clock.leader(target_slot)
        phase = self.default_phase_ms if self.default_phase_ms is not None else self.clock.slot_ms / 2
        plan = plan_shots(self.kalman, self.bandit, leader, target_slot, self.shots,
                          default_phase_ms=phase, min_spread_ms=self.min_spread_ms, value=value,
                          z=self._z)
        plan = self._steer(plan, leader, value, tips, allowed)
        start = self.clock.slot_start_ns(target_slot)
        # submit first, bookkeep after: the first shot is queued as early as it can be
        shot_ids = [next(_ids) for _ in plan]
        fire_at = [start + int(shot.offset_ms * 1e6) for shot in plan]
        queued_ns = 0
        for shot, w, shot_id, at in zip(plan, wires, shot_ids, fire_at):
            if self.shadow:
                break
            route = self.routes[shot.route]
            kind = route.shot_kind(bundle=bool(ahead), bundle_only=protected)
            self._curl.submit(shot_id, self._route_index[shot.route], kind, [*ahead, w], at)
            queued_ns = queued_ns or time.monotonic_ns()
        for shot in plan:
            self._used[shot.route] = time.monotonic()  # a shot on its way keeps the connection warm
        attempt = Attempt(next(_ids), leader, target_slot, [], plan, shot_ids, tips=tips, label=label,
                          queued_ns=queued_ns or time.monotonic_ns(), bundle=tuple(ahead), exclusive=exclusive,
                          last_valid_block_height=last_valid_block_height, shadow=self.shadow,
                          simulation=simulation)
        self._z = self._draw_centre()  # the next W's, drawn now: off the path to the first shot
        if self.shadow:
            return self._record_shadow(attempt, wires, fire_at, value)
        for shot_id in shot_ids:
            self._by_shot[shot_id] = attempt
        parsed = {w: parse(w) for w in wires}
        attempt.signatures = [str(parsed[w].signatures[0]) for w in wires]
        attempt.message_keys = [message_key(parsed[w]) for w in wires]
        attempt.fees = [fee_for_message(parsed[w].message) for w in wires]
        for key, sig in zip(attempt.message_keys, attempt.signatures):
            self._twins.setdefault(key, set()).add(sig)
            self._twin_until[key] = max(self._twin_until.get(key, 0), target_slot + MAX_PROCESSING_AGE)
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

    def keep_warm(self, idle_s: float = 5.0):
        """A warm-up request to every route idle for `idle_s`: providers close idle connections,
        and the next shot would pay a TCP and TLS handshake (Helius documents a /ping for this).
        The engine calls it between turns; its answers are dropped."""
        if self._curl is None:
            return
        now = time.monotonic()
        for name, index in self._route_index.items():
            if now - self._used.get(name, -1e9) >= idle_s:
                self._used[name] = now
                self._curl.submit(0, index, _sender.WARM, [])

    def _record_shadow(self, attempt: Attempt, wires: list, fire_at: list, value) -> Attempt:
        """What would have gone out, one record per shot with the simulated result; decided at
        once (nothing to wait for) and never taught to the models."""
        parsed = {w: parse(w) for w in wires}
        attempt.signatures = [str(parsed[w].signatures[0]) for w in wires]
        attempt.fees = [fee_for_message(parsed[w].message) for w in wires]
        sim = attempt.simulation
        for shot, shot_id, at in zip(attempt.shots, attempt.shot_ids, fire_at):
            p_raw = self.score(shot.route, attempt.leader)
            lut = self.calibration.get(shot.route)
            self.on_record({"kind": "shadow", "attempt": attempt.attempt_id, "shot": shot_id, "route": shot.route,
                            "leader": attempt.leader.hex(), "target_slot": attempt.target_slot,
                            "index": shot.index, "offset_ms": shot.offset_ms, "fire_at_ns": at,
                            "tip": attempt.tips[shot.index] if attempt.tips is not None else None,
                            "fee": attempt.fees[shot.index], "p_land": lut(p_raw) if lut is not None else p_raw,
                            "value": value, "signature": attempt.signatures[shot.index], "label": attempt.label,
                            "simulated": sim is not None, "sim_ok": bool(sim and sim.ok),
                            "sim_error": sim.err if sim is not None else None,
                            "units": sim.units if sim is not None else 0})
        self._shadow_done.append(attempt)
        return attempt

    @staticmethod
    def _bundle(bundle) -> list:
        if bundle is None:
            return []
        ahead = list(bundle)
        if not 1 <= len(ahead) < MAX_BUNDLE or not all(isinstance(w, bytes) for w in ahead):
            raise InvalidArgumentError(f"bundle: 1 to {MAX_BUNDLE - 1} signed transactions (bytes) ahead of ours")
        return ahead

    @staticmethod
    def _check_exclusive(wires: list, exclusive: str | None):
        """Variants are different messages (one message signed again is the same transaction to the
        runtime). They may go out only in a way that lets at most one execute."""
        if exclusive is not None and exclusive not in EXCLUSIVE:
            raise InvalidArgumentError(f"exclusive must be one of {EXCLUSIVE}, not {exclusive!r}")
        # the message follows the signatures; a count below 128 is one byte
        messages = {w[1 + 64 * w[0]:] for w in wires}
        if len(messages) == 1:
            return
        if exclusive is None:
            raise InvalidArgumentError(
                "tip variants are different transactions and could all land (each paying its fee, the "
                f"trade running twice): send them with exclusive= one of {EXCLUSIVE} (see mevlib.sender)")
        if exclusive == DURABLE_NONCE:
            txs = [parse(w) for w in wires]
            nonces = {nonce_account_of(t.message) for t in txs}
            values = {t.message.recent_blockhash for t in txs}
            if None in nonces or len(nonces) != 1 or len(values) != 1:
                raise InvalidArgumentError(
                    "durable-nonce variants must each start with AdvanceNonceAccount on the same nonce "
                    "account and carry the same nonce value")

    def _draw_centre(self) -> float:
        """The standard normal draw that places a W's centre in the phase posterior."""
        return self._rng.gauss(0.0, 1.0) if self.kalman is not None else 0.0

    def score(self, route: str, leader: bytes) -> float:
        """The raw landing score of a route for a leader: its posterior mean."""
        a, b = self.bandit.posterior(route, leader)
        return a / (a + b)

    def p_land(self, route: str, leader: bytes) -> float:
        """The calibrated chance that a shot on `route` lands for `leader` (its table, if fitted)."""
        lut = self.calibration.get(route)
        raw = self.score(route, leader)
        return lut(raw) if lut is not None else raw

    def _steer(self, plan: list[Shot], leader: bytes, value, tips, allowed: set | None = None) -> list[Shot]:
        """Moves a shot off a route that cannot take it now: no request left this second (token
        bucket or 429 back-off), or a tip below the route's minimum. It goes to the best route
        (bandit order) that can; with none, it keeps its route and the answer is recorded.
        `allowed` (bundles, revert-protected variants) is a hard limit: a shot on another route
        always moves, to the best allowed route even when that one cannot take it now."""
        def usable(name, tip):
            route = self.routes[name]
            if allowed is not None and name not in allowed:
                return False
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
            if spare is None and allowed is not None and shot.route not in allowed:
                fits = [r for r in ranked if r in allowed and (tip is None or tip >= self.routes[r].min_tip)]
                spare = (fits or [r for r in ranked if r in allowed])[0]
            out.append(shot._replace(route=spare) if spare else shot)
        return out

    def poll(self, timeout: float = 0.0) -> list[Attempt]:
        """Collects results; returns the attempts decided by this call."""
        if self.shadow:
            done, self._shadow_done = self._shadow_done, []
            if not done and timeout:
                time.sleep(timeout)  # the caller asked to wait; there is nothing that could arrive
            return done
        for raw in self._curl.results(timeout=timeout):
            res = classify(raw, self._names)
            attempt = self._by_shot.pop(res.shot_id, None)
            if attempt is None:
                continue  # a warm-up
            if res.ok and attempt.bundle and not res.bundle_id and isinstance(res.value, str):
                res.bundle_id = res.value  # sendBundle answers with the id; sendTransaction in a header
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
        watched = list(self._watch.values())
        if not ready and (not watched or now - self._watched_at < self.clock.slot_ms / 1000):
            return []  # misses that could still land late are looked at once a slot
        self._watched_at = now
        # every signature of these messages, other attempts' included: one message signed again is
        # one transaction to the runtime, and only the signature it committed has a status
        sigs = sorted({s for a in ready + watched for key in a.message_keys for s in self._twins.get(key, ())})
        try:
            node_slot, found = self.status_rpc.signature_statuses(sigs)
            height = (self.status_rpc.get_block_height()
                      if any(a.last_valid_block_height is not None for a in ready + watched) else None)
        except (RpcCallError, KeyError, TypeError):
            return []  # try again on the next poll; nothing is decided on a failed lookup
        statuses = dict(zip(sigs, found))
        try:
            self._follow_late(watched, statuses, node_slot, height)
        except ValueError:
            return []  # an err we cannot read is never taken for a miss: ask again
        decided = []
        for a in ready:
            landed = {s: st for s in a.signatures if (st := statuses.get(s)) and st.get("err") is None}
            try:
                a.failed = {s: transaction_error(st["err"]) for s in a.signatures
                            if (st := statuses.get(s)) and st.get("err") is not None}
            except ValueError:
                return decided  # an err we cannot read is never taken for a miss: ask again
            twin = None if landed else next(
                (s for key in a.message_keys for s in sorted(self._twins.get(key, ()))
                 if s not in a.signatures and (st := statuses.get(s)) and st.get("err") is None), None)
            expired = self._expired(a, node_slot, height)
            # "not landed" is the node's verdict: only once its own slot is well past the target
            if not landed and twin is None and not expired and node_slot <= a.target_slot + self.give_up_slots:
                continue
            a.landed = bool(landed)
            a.landed_slot = min(st["slot"] for st in landed.values()) if landed else None
            if len(landed) > 1:
                self.double_landed += 1
                log.error("attempt %d: %d variants executed (%s): every tip and fee is accounted",
                          a.attempt_id, len(landed), a.exclusive)
            a.duplicate_of = twin
            self._account(a, statuses)
            a.committed = {s for s in a.signatures if statuses.get(s)}
            self._credit(a, set(landed))
            decided.append(a)
            del self._attempts[a.attempt_id]
            self.decided.append(a)
            if not expired and (not landed or self._may_commit_more(a)):
                self._watch[a.attempt_id] = a  # it can still land (or fail and pay), or land again
        self._forget(node_slot)
        return decided

    def _expired(self, a: Attempt, node_slot: int, height: int | None) -> bool:
        """Nothing of it can land any more: the chain is past its blockhash's last valid block
        height (or, not knowing it, past the blockhash's 150 slots counted from the target)."""
        if a.last_valid_block_height is not None and height is not None:
            return height > a.last_valid_block_height
        return node_slot > a.target_slot + MAX_PROCESSING_AGE

    def _account(self, a: Attempt, statuses: dict):
        """Fees of every committed signature (landed, or failed and paid), the tip of the landed one."""
        first = {}
        for i, s in enumerate(a.signatures):
            first.setdefault(s, i)
        committed = [s for s in first if statuses.get(s)]
        a.fee_paid = sum(a.fees[first[s]] for s in committed)
        a.tip_paid = sum(a.tips[first[s]] for s in committed
                         if statuses[s].get("err") is None) if a.tips else 0

    def _follow_late(self, watched: list, statuses: dict, node_slot: int, height: int | None):
        """Attempts are watched after their decision while something of them can still commit:
        a miss until it expires, and a landed revert-protected attempt while its other variants
        can still execute too. A late commit is accounted and recorded, its totals the
        attempt's so far; the models keep their verdict (it missed, or landed, the slot aimed at)."""
        for a in watched:
            committed = {s: st for s in a.signatures if (st := statuses.get(s))}
            new = {s: st for s, st in committed.items() if s not in a.committed}
            if new:
                failed = {s: transaction_error(st["err"]) for s, st in new.items() if st.get("err") is not None}
                landed_before = sum(1 for s in a.committed if s not in a.failed)
                a.failed.update(failed)
                a.late_slot = min(st["slot"] for st in new.values())
                if landed_before <= 1 < landed_before + len(new) - len(failed):
                    self.double_landed += 1
                    log.error("attempt %d: another variant executed late (%s): its tip and fee are accounted",
                              a.attempt_id, a.exclusive)
                self._account(a, statuses)
                a.committed = set(committed)
                self.on_record({"kind": "late", "attempt": a.attempt_id, "slot": a.late_slot,
                                "landed": len(failed) < len(new), "fee_paid": a.fee_paid,
                                "tip_paid": a.tip_paid, "label": a.label,
                                "failed": {sig: e.name for sig, e in failed.items()}})
            if self._expired(a, node_slot, height) or (a.committed and not self._may_commit_more(a)):
                del self._watch[a.attempt_id]

    @staticmethod
    def _may_commit_more(a: Attempt) -> bool:
        """Whether another of its variants can still commit: only revert-protected variants can
        all execute (durable-nonce and shared-bundle ones exclude each other)."""
        return a.exclusive == REVERT_PROTECTED and len(a.committed) < len(set(a.signatures))

    def _forget(self, node_slot: int):
        """Drops the signatures of messages that can no longer land from the twin index."""
        live = {key for a in [*self._attempts.values(), *self._watch.values()] for key in a.message_keys}
        for key in [k for k in self._twins if k not in live]:
            if node_slot > self._twin_until.get(key, 0):
                del self._twins[key]
                self._twin_until.pop(key, None)

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
        for shot in a.shots if a.duplicate_of is None else ():  # a twin's landing teaches nothing
            won = credited is not None and shot is credited
            self.bandit.update(shot.route, a.leader, won)
            alpha, beta = self.bandit.posterior(shot.route, a.leader)
            self.on_record({"kind": "arm", "route": shot.route, "leader": a.leader.hex(), "landed": won,
                            "alpha": alpha, "beta": beta})
        if self.kalman is not None and a.duplicate_of is None:
            if credited is not None:
                self.kalman.observe(a.leader, credited.offset_ms, True, slot=a.target_slot)
            else:
                self.kalman.observe(a.leader, 0.0, False, slot=a.target_slot)
        self.on_record({"kind": "outcome", "attempt": a.attempt_id, "leader": a.leader.hex(),
                        "target_slot": a.target_slot, "landed": a.landed, "landed_slot": a.landed_slot,
                        "route": a.credited_route, "shots": len(a.shots),
                        "credited_shot": a.shot_ids[a.shots.index(credited)] if credited else None,
                        "signature": a.signatures[a.shots.index(credited)] if credited else a.signatures[0],
                        "tip_paid": a.tip_paid, "fee_paid": a.fee_paid, "label": a.label,
                        "fees": {s: a.fees[a.signatures.index(s)] for s in {*a.failed, *landed_sigs}},
                        "duplicate_of": a.duplicate_of, "bundle": bool(a.bundle),
                        "failed": {sig: e.name for sig, e in a.failed.items()}})

    @property
    def pending(self) -> int:
        return len(self._attempts)

    def close(self):
        if self._curl is not None:
            self._curl.close()

    def thread_ids(self) -> list[int]:
        """The C sender thread's kernel id, for mevlib.affinity.pin (none in shadow mode)."""
        return self._curl.thread_ids() if self._curl is not None else []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
