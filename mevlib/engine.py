"""The loop a strategy plugs into: feed -> hooks -> signer -> hedged sender -> outcomes -> store
-> recalibration -> table reload.

    engine = Engine(feed=feed, sender=sender, rpc=rpc, writer=writer)

    @engine.on_pool_delta(program=RAYDIUM_AMM)
    def arb(update, ctx):
        ...
        return Intent(template, {"amount_in": 10_000}, value=52_000, tips=[20_000, 21_000, 22_000])

A thread drains the feed into per-hook mailboxes, so the feed never waits on a hook (with
``inline_feed=True`` the engine's own thread polls the feed instead: one thread hop less, for the
lowest latency, but a slow hook then delays the feed; coalescing still applies). A mailbox
keeps only the newest update per account: a hook that falls behind sees the latest state of each
pool, and the updates it skipped are counted (``stats.coalesced``; past `mailbox_size` accounts
the oldest pending one is dropped and counted in ``stats.overflowed``). Hooks run on the engine's
thread; one that raises is counted and logged and the others go on (after `max_errors` failures
in a row it is disabled and reported); one that runs longer than `slow_hook_s` is reported.
"""
from __future__ import annotations

import collections
import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Sequence

from solders.hash import Hash

from mevlib.errors import InvalidArgumentError
from mevlib.feed import AccountUpdate, Feed, SlotUpdate
from mevlib.jito import TipAccounts
from mevlib.sender import DURABLE_NONCE, REVERT_PROTECTED
from mevlib.transaction import fee_for_message

log = logging.getLogger("mevlib.engine")


@dataclasses.dataclass
class Intent:
    """What a hook wants sent: a template, values for its patch points (the engine fills in the
    blockhash, and a tip account drawn per signature when the template has a "tip_account" patch),
    what landing is worth (lamports), and optionally the slot to target.

    `tips`: one tip per shot, signed as variants (the template needs a "tip" patch). Variants are
    different transactions, so they need `exclusive` (mevlib.sender.EXCLUSIVE): SHARED_BUNDLE with
    `bundle`, REVERT_PROTECTED, or DURABLE_NONCE (the engine leases a nonce account from its
    NoncePool, patches it into the template's "nonce_account" and signs with its value).
    `bundle`: signed transactions to go ahead of ours in a Jito bundle (a backrun's target)."""

    template: object                      # mevlib.TxTemplate
    patches: dict = dataclasses.field(default_factory=dict)
    value: float = 0.0
    tips: Sequence[int] | None = None
    target_slot: int | None = None
    label: str = ""
    bundle: Sequence[bytes] | None = None
    exclusive: str | None = None
    simulate: bool = False                # run the pre-send simulation; refuse it if it would fail
    auto_tip: bool = False                # the engine's TipPricer chooses one tip (no variants); refused
                                          # when no tip leaves a positive expected profit


@dataclasses.dataclass
class Limits:
    """Checked before an intent is signed; an intent past one is refused and counted. Spend is
    the worst case an attempt could cost (its largest tip, or every tip for REVERT_PROTECTED
    variants, which can both execute, plus the fees), counted when it is sent, over the last
    60 seconds."""

    max_tip: int | None = None                 # lamports, any one tip
    max_spend_per_minute: int | None = None    # lamports
    max_attempts_per_slot: int | None = None


@dataclasses.dataclass
class EngineStats:
    deltas: int = 0          # account updates the feed delivered
    slots: int = 0
    hook_calls: int = 0
    hook_errors: int = 0
    slow_hooks: int = 0      # calls longer than slow_hook_s
    disabled_hooks: int = 0
    coalesced: int = 0       # updates replaced by a newer one for the same account before their hook ran
    overflowed: int = 0      # updates dropped because a hook's mailbox held mailbox_size other accounts
    intents: int = 0
    bad_intents: int = 0     # intents that could not be signed or sent
    refused_limits: int = 0  # intents refused by the Limits, before signing
    refused_ev: int = 0      # auto-tip intents no tip made worth sending
    simulations: int = 0     # pre-send simulations run
    refused_simulation: int = 0  # intents refused because their simulation failed (never in shadow mode)
    attempts: int = 0
    decided: int = 0
    landed: int = 0
    recalibrations: int = 0
    lut_reloads: int = 0


@dataclasses.dataclass
class _Hook:
    fn: Callable
    kind: str                              # "delta", "slot", "outcome"
    owners: frozenset | None = None        # 32-byte program ids (delta hooks)
    accounts: frozenset | None = None
    mailbox: collections.OrderedDict = dataclasses.field(default_factory=collections.OrderedDict)
    errors_in_row: int = 0
    disabled: bool = False
    calls: int = 0
    errors: int = 0
    slow: int = 0
    seconds: float = 0.0

    @property
    def name(self) -> str:
        return getattr(self.fn, "__qualname__", repr(self.fn))


def _tips_of(intent: Intent) -> list:
    """The tips an intent's shots would pay: its variants', or its one "tip" patch (0 without)."""
    return list(intent.tips) if intent.tips is not None else [intent.patches.get("tip", 0)]


class _Refused(Exception):
    """An intent refused on purpose (counted by its reason, not as a bad intent)."""


def _key32(k) -> bytes:
    from solders.pubkey import Pubkey

    if isinstance(k, Pubkey):
        return bytes(k)
    if isinstance(k, str):
        return bytes(Pubkey.from_string(k))
    if isinstance(k, (bytes, bytearray)) and len(k) == 32:
        return bytes(k)
    raise InvalidArgumentError(f"a program or account is a Pubkey, base58 string or 32 bytes, not {k!r}")


class Context:
    """What a hook can read: the engine's slot clock, latest blockhash and stats."""

    def __init__(self, engine: "Engine"):
        self._engine = engine

    @property
    def slot(self) -> int:
        return self._engine.sender.clock.current_slot()

    @property
    def blockhash(self) -> Hash | None:
        return self._engine._blockhash

    @property
    def stats(self) -> EngineStats:
        return self._engine.stats

    @property
    def finder(self):
        """The engine's arbitrage finder (mevlib.dex.arb.Finder), every tracked pool's and vault's
        update applied before any strategy hook sees it; None without one."""
        return self._engine.finder


class Engine:
    def __init__(self, *, sender, rpc, feed: Feed | None = None, writer=None, backend=None,
                 lut_dir: str | None = None, calibrate_every: float | None = None, min_rows: int = 500,
                 slow_hook_s: float = 0.005, max_errors: int = 100, mailbox_size: int = 4096,
                 blockhash_every: float = 2.0, lead_slots: int = 1, events=None, inline_feed: bool = False,
                 tip_accounts=None, nonces=None, limits: Limits | None = None, presend=None, pricer=None,
                 finder=None):
        if calibrate_every is not None and (backend is None or lut_dir is None):
            raise InvalidArgumentError("recalibration needs the store's backend and a lut_dir")
        self.feed, self.sender, self.rpc, self.writer = feed, sender, rpc, writer
        self.backend, self.lut_dir = backend, lut_dir
        self.calibrate_every, self.min_rows = calibrate_every, min_rows
        self.slow_hook_s, self.max_errors, self.mailbox_size = slow_hook_s, max_errors, mailbox_size
        self.blockhash_every, self.lead_slots = blockhash_every, lead_slots
        self.events = events  # a mevlib.monitor.EventPublisher: the dashboard sees every delta
        self.inline_feed = inline_feed
        self.tip_accounts = tip_accounts or TipAccounts()  # the published list unless a block engine is given
        self.nonces = nonces                               # a mevlib.nonce.NoncePool for DURABLE_NONCE intents
        self._leases: dict[int, object] = {}               # attempt id -> its nonce account
        self.limits = limits or Limits()
        self.presend = presend  # a mevlib.presend.RpcSimulation: Intent(simulate=True), and every intent in shadow
        self.pricer = pricer    # a mevlib.pricing.TipPricer, kept fresh by its owner: Intent(auto_tip=True)
        self.shadow = getattr(sender, "shadow", False)
        if self.shadow and presend is None:
            raise InvalidArgumentError("shadow mode simulates every intent: give the engine presend=")
        self._spent: collections.deque = collections.deque()  # (monotonic s, worst-case lamports)
        self._per_slot: collections.Counter = collections.Counter()
        self._template_fee: dict[int, tuple] = {}  # id(template) -> (template, its fee)
        self.stats = EngineStats()
        self.context = Context(self)
        self.hooks: list[_Hook] = []
        self.on_shot: Callable[[object, int], None] | None = None  # (attempt, ns its first shot was queued)
        self._lock = threading.Lock()         # mailboxes: feed thread in, engine thread out
        self._work = threading.Event()
        self._stop = threading.Event()
        self._blockhash: Hash | None = None
        self._last_valid: int | None = None  # the blockhash's lastValidBlockHeight
        self._blockhash_at = 0.0
        self._calibrated_at = time.monotonic()
        self._calibration: threading.Thread | None = None
        self._new_tables: list[str] = []
        self._threads: list[threading.Thread] = []
        if feed is not None:
            feed.on_account, feed.on_slot = self._enqueue_delta, self._enqueue_slot
        self.finder = finder
        if finder is not None:  # the first hook: hooks run in order, so strategies see the updated graph
            self.on_pool_delta(accounts=finder.accounts())(self._update_finder)
            if events is not None:  # the cycles the strategies' searches find, on the dashboard
                finder.on_cycle = lambda cycle: events.cycle(finder, cycle, sender.clock.current_slot())

    # --- registration --------------------------------------------------------------------------
    def on_pool_delta(self, program=None, *, accounts=None):
        """Registers a hook for account updates owned by `program` (one or a list) and/or of
        `accounts`; with neither, every update. The hook gets (update, context)."""
        programs = [program] if program is not None and not isinstance(program, (list, tuple, set)) else program

        def register(fn):
            self.hooks.append(_Hook(fn, "delta",
                                    owners=frozenset(map(_key32, programs)) if programs else None,
                                    accounts=frozenset(map(_key32, accounts)) if accounts else None))
            return fn
        return register

    def _update_finder(self, update, _ctx):
        moved = self.finder.on_account(update.pubkey, update.data, update.write_version)
        if moved is not None and self.events is not None:
            self.events.pool(self.finder, moved, update.slot)

    def on_slot(self, fn):
        self.hooks.append(_Hook(fn, "slot"))
        return fn

    def on_outcome(self, fn):
        self.hooks.append(_Hook(fn, "outcome"))
        return fn

    # --- the feed thread's side --------------------------------------------------------------
    def _enqueue_delta(self, u: AccountUpdate):
        self.stats.deltas += 1
        if self.events is not None:
            clock = self.sender.clock
            self.events.delta(u.slot, max(0, clock.current_slot() - u.slot) * clock.slot_ms, len(u.data),
                              int.from_bytes(u.pubkey[:4], "little"))
        with self._lock:
            for h in self.hooks:
                if h.kind != "delta" or h.disabled:
                    continue
                if h.owners is not None and u.owner not in h.owners:
                    continue
                if h.accounts is not None and u.pubkey not in h.accounts:
                    continue
                if h.mailbox.pop(u.pubkey, None) is not None:
                    self.stats.coalesced += 1
                elif len(h.mailbox) >= self.mailbox_size:
                    h.mailbox.popitem(last=False)
                    self.stats.overflowed += 1
                h.mailbox[u.pubkey] = u
        self._wake()

    def _enqueue_slot(self, s: SlotUpdate):
        self.stats.slots += 1
        self.sender.clock.on_slot(s)  # slot starts from the stream: stamped here, on the feed's thread
        with self._lock:
            for h in self.hooks:
                if h.kind == "slot" and not h.disabled:
                    if h.mailbox.pop(s.slot, None) is not None:
                        self.stats.coalesced += 1
                    h.mailbox[s.slot] = s
                    while len(h.mailbox) > self.mailbox_size:
                        h.mailbox.popitem(last=False)
                        self.stats.overflowed += 1
        self._wake()

    def _wake(self):
        if not self.inline_feed:  # inline, the engine's own thread is the one that polled
            self._work.set()

    def _feed_loop(self):
        while not self._stop.is_set():
            try:
                self.feed.poll(max_n=1024, timeout=0.05)
            except Exception:  # a broken source is reported, the engine keeps running
                log.exception("feed poll failed")
                time.sleep(0.1)

    # --- the engine thread ---------------------------------------------------------------------
    def start(self) -> "Engine":
        self._refresh_blockhash(force=True)
        if self.feed is not None and not self.inline_feed:
            t = threading.Thread(target=self._feed_loop, name="mevlib-feed", daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def run(self, seconds: float | None = None, *, on_tick: Callable[["Engine"], None] | None = None,
            tick_s: float = 0.5) -> EngineStats:
        """Runs the loop on this thread until stop() or `seconds` pass."""
        if not self._threads and self.feed is not None and not self.inline_feed:
            self.start()
        elif self._blockhash is None:
            self._refresh_blockhash(force=True)
        end = time.monotonic() + seconds if seconds is not None else None
        next_tick = time.monotonic() + tick_s
        while not self._stop.is_set() and (end is None or time.monotonic() < end):
            self.step(timeout=0.005)
            if on_tick is not None and time.monotonic() >= next_tick:
                on_tick(self)
                next_tick = time.monotonic() + tick_s
        return self.stats

    def step(self, timeout: float = 0.0):
        """One turn: run hooks with waiting work, gather outcomes, keep blockhash and tables fresh."""
        if self.inline_feed and self.feed is not None:
            self.feed.poll(max_n=1024, timeout=timeout)  # with a spinning RingSource: no wake-up at all
        else:
            self._work.wait(timeout)
            self._work.clear()
        for h in self.hooks:
            if h.kind == "outcome" or h.disabled:
                continue
            while not h.disabled:  # a hook disabled mid-way gets nothing more
                with self._lock:
                    if not h.mailbox:
                        break
                    _, item = h.mailbox.popitem(last=False)
                self._call(h, item)
        for attempt in self.sender.poll():
            lease = self._leases.pop(attempt.attempt_id, None)
            if lease is not None:
                self.nonces.release(lease)
            self.stats.decided += 1
            self.stats.landed += bool(attempt.landed)
            for h in self.hooks:
                if h.kind == "outcome" and not h.disabled:
                    self._call(h, attempt)
        self._refresh_blockhash()
        self.tip_accounts.refresh()  # a round trip only when due (every ten minutes by default)
        if hasattr(self.sender, "keep_warm"):
            self.sender.keep_warm()  # a ping to routes idle for 5 s
        self._maybe_recalibrate()

    def _call(self, h: _Hook, item):
        start = time.perf_counter()
        try:
            result = h.fn(item, self.context)
            h.errors_in_row = 0
        except Exception:
            h.errors += 1
            h.errors_in_row += 1
            self.stats.hook_errors += 1
            if h.errors == 1 or h.errors_in_row >= self.max_errors:
                log.exception("hook %s raised (%d so far)", h.name, h.errors)
            if h.errors_in_row >= self.max_errors:
                h.disabled = True
                self.stats.disabled_hooks += 1
                log.error("hook %s disabled after %d failures in a row", h.name, h.errors_in_row)
            return
        finally:
            took = time.perf_counter() - start
            h.calls += 1
            h.seconds += took
            self.stats.hook_calls += 1
            if took > self.slow_hook_s:
                h.slow += 1
                self.stats.slow_hooks += 1
                if h.slow == 1 or h.slow % 100 == 0:
                    log.warning("hook %s took %.1f ms (budget %.1f ms; %d slow calls)", h.name, took * 1e3,
                                self.slow_hook_s * 1e3, h.slow)
        if result is not None and h.kind != "outcome":
            for intent in result if isinstance(result, (list, tuple)) else [result]:
                self.submit(intent)

    def submit(self, intent: Intent):
        """Signs and sends an intent now (hooks' return values come here)."""
        self.stats.intents += 1
        slot = intent.target_slot or self.sender.clock.current_slot() + self.lead_slots
        if intent.auto_tip:
            try:
                intent = self._price(intent, slot)
            except Exception as e:  # a bad intent costs that intent, never the loop
                self._bad(intent, e)
                return None
            if intent is None:
                return None
        cost = self._worst_case(intent)
        refusal = self._over_limits(intent, slot, cost)
        if refusal:
            self.stats.refused_limits += 1
            if self.stats.refused_limits == 1 or self.stats.refused_limits % 100 == 0:
                log.warning("intent %r refused: %s (%d so far)", intent.label, refusal, self.stats.refused_limits)
            return None
        lease = None
        try:
            if self._blockhash is None:
                raise InvalidArgumentError("no blockhash yet")
            patches, blockhash, last_valid = dict(intent.patches), self._blockhash, self._last_valid
            if intent.exclusive == DURABLE_NONCE:
                lease = self._lease_nonce(intent.template)
                patches["nonce_account"] = lease.account
                blockhash, last_valid = lease.nonce, None  # a nonce does not expire by age
            draw = "tip_account" in intent.template.patch_names and "tip_account" not in patches
            shots = self.sender.shots
            if intent.tips is not None:
                if len(intent.tips) != shots:
                    raise InvalidArgumentError(f"tips: one per shot ({shots})")
                rows = [{**patches, "tip": t} for t in intent.tips]
                for row in rows if draw else ():
                    row["tip_account"] = self.tip_accounts.choose()
                wire = intent.template.sign_many(rows, blockhash=blockhash)
            else:
                if draw:
                    patches["tip_account"] = self.tip_accounts.choose()
                wire = intent.template.sign(blockhash=blockhash, **patches)
            simulation = None
            if intent.simulate or self.shadow:
                self.stats.simulations += 1
                simulation = self.presend(wire[0] if isinstance(wire, list) else wire, intent.bundle or ())
                if not simulation.ok and not self.shadow:  # shadow records what would have failed
                    self.stats.refused_simulation += 1
                    raise _Refused(f"the simulation failed: {simulation.err}")
            # one transaction's tip rides every shot: routes' minimum tips and the accounting see it
            tips = list(intent.tips) if intent.tips is not None else (
                [patches["tip"]] * shots if "tip" in patches else None)
            attempt = self.sender.send(wire, slot, value=intent.value or None, label=intent.label, tips=tips,
                                       bundle=intent.bundle, exclusive=intent.exclusive,
                                       last_valid_block_height=last_valid, simulation=simulation)
        except Exception as e:  # a bad intent costs that intent, never the loop
            if lease is not None:
                self.nonces.release(lease.account)
            if not isinstance(e, _Refused):
                self._bad(intent, e)
            return None
        if lease is not None:
            self._leases[attempt.attempt_id] = lease.account
        self._spent.append((time.monotonic(), cost))
        self._per_slot[slot] += 1
        self.stats.attempts += 1
        if self.on_shot is not None:
            self.on_shot(attempt, attempt.queued_ns)
        return attempt

    def _bad(self, intent: Intent, e: Exception):
        self.stats.bad_intents += 1
        if self.stats.bad_intents == 1 or self.stats.bad_intents % 100 == 0:
            log.warning("intent %r not sent: %s (%d so far)", intent.label, e, self.stats.bad_intents)

    def _price(self, intent: Intent, slot: int) -> Intent | None:
        """The tip with the best expected profit for this opportunity (mevlib.pricing): one tip on
        every shot, or None when no tip leaves a profit."""
        if self.pricer is None or intent.tips is not None:
            raise InvalidArgumentError("auto_tip needs Engine(pricer=...) and no tips of its own")
        leader = self.sender.clock.leader(slot)
        p_route = max(self.sender.p_land(r, leader) for r in self.sender.routes)
        tip, ev = self.pricer.choose(intent.value, self._template_fee_of(intent.template), p_route)
        if ev <= 0:
            self.stats.refused_ev += 1
            return None
        return dataclasses.replace(intent, patches={**intent.patches, "tip": tip}, auto_tip=False)

    def _template_fee_of(self, template) -> int:
        key = id(template)
        if key not in self._template_fee:  # its compute budget does not change per row
            from solders.message import from_bytes_versioned

            # the template is kept with it, so its id cannot be reused by another while cached
            self._template_fee[key] = (template, fee_for_message(from_bytes_versioned(template.message)))
        return self._template_fee[key][1]

    def _worst_case(self, intent: Intent) -> int:
        """The most an attempt can cost: tips (every one if two variants may both execute) and fees."""
        fee = self._template_fee_of(intent.template)
        tips = _tips_of(intent)
        both = intent.exclusive == REVERT_PROTECTED
        return (sum(tips) if both else max(tips)) + fee * (len(tips) if both else 1)

    def _over_limits(self, intent: Intent, slot: int, cost: int) -> str:
        """Why the intent, which could cost `cost` lamports, may not be sent ("" when it may)."""
        lim = self.limits
        tips = _tips_of(intent)
        if lim.max_tip is not None and max(tips) > lim.max_tip:
            return f"a tip of {max(tips)} lamports is over max_tip {lim.max_tip}"
        if lim.max_attempts_per_slot is not None and self._per_slot[slot] >= lim.max_attempts_per_slot:
            return f"slot {slot} already has {self._per_slot[slot]} attempts (max_attempts_per_slot)"
        if lim.max_spend_per_minute is not None:
            now = time.monotonic()
            while self._spent and now - self._spent[0][0] > 60.0:
                self._spent.popleft()
            spent = sum(c for _, c in self._spent)
            if spent + cost > lim.max_spend_per_minute:
                return (f"{cost} lamports more would pass max_spend_per_minute {lim.max_spend_per_minute} "
                        f"({spent} in the last 60 s)")
        for old in [s for s in self._per_slot if s < slot - 64]:
            del self._per_slot[old]
        return ""

    def _lease_nonce(self, template):
        if self.nonces is None:
            raise InvalidArgumentError("durable-nonce intents need Engine(nonces=mevlib.nonce.NoncePool(...))")
        if "nonce_account" not in template.patch_names:
            raise InvalidArgumentError("a durable-nonce template needs a 'nonce_account' patch on its advance")
        lease = self.nonces.lease()
        if lease is None:
            raise InvalidArgumentError(f"every nonce account is in flight ({self.nonces.in_flight})")
        return lease

    def _refresh_blockhash(self, force: bool = False):
        now = time.monotonic()
        if not force and now - self._blockhash_at < self.blockhash_every:
            return
        try:
            blockhash, self._last_valid = self.rpc.latest_blockhash()  # at confirmed
            self._blockhash = Hash.from_string(blockhash)
            self._blockhash_at = now
        except Exception as e:  # keep the last one: it stays valid for ~150 slots
            self._blockhash_at = now - self.blockhash_every / 2
            log.warning("getLatestBlockhash failed: %s", e)

    # --- recalibration ---------------------------------------------------------------------------
    def _maybe_recalibrate(self):
        if self.calibrate_every is None:
            return
        if self._calibration is not None and not self._calibration.is_alive():
            self._calibration = None
            self._load_tables()
        if self._calibration is None and time.monotonic() - self._calibrated_at >= self.calibrate_every:
            self.recalibrate(wait=False)

    def recalibrate(self, wait: bool = True):
        """Flushes the store, refits the tables on a background thread, then (on the engine's
        thread) reloads the tables in use and attaches new ones."""
        from mevlib import calibrate

        self._calibrated_at = time.monotonic()

        def work():
            try:
                if self.writer is not None:
                    self.writer.flush()
                fits = calibrate.calibrate(self.backend, self.lut_dir, min_rows=self.min_rows)
                self._new_tables = [f.path for f in fits if f.path and f.domain.startswith("p_land/")]
                self.stats.recalibrations += 1
                log.info("recalibrated:\n%s", calibrate.describe(fits))
            except Exception:
                log.exception("recalibration failed; the tables in use stay")

        self._calibration = threading.Thread(target=work, name="mevlib-calibrate", daemon=True)
        self._calibration.start()
        if wait:
            self._calibration.join()
            self._calibration = None
            self._load_tables()

    def _load_tables(self):
        import os

        from mevlib import Lut

        for path in self._new_tables:
            route = os.path.basename(path)[len("p_land-"):-len(".lut")]
            if route not in self.sender.routes:
                continue
            try:
                lut = self.sender.calibration.get(route)
                if lut is None:
                    lut = Lut(path)
                    self.sender.calibration[route] = lut
                    self.sender.bandit.set_calibration(route, lut)
                else:
                    lut.reload(path)
                self.stats.lut_reloads += 1
            except Exception as e:  # a refused table: the previous one stays in use
                log.warning("table %s not loaded: %s", path, e)
        self._new_tables = []

    # --- shutdown ---------------------------------------------------------------------------------
    def stop(self):
        self._stop.set()
        self._work.set()

    def close(self):
        self.stop()
        for t in self._threads:
            t.join(5)
        if self._calibration is not None:
            self._calibration.join()

    def hook_report(self) -> list[dict]:
        return [{"hook": h.name, "kind": h.kind, "calls": h.calls, "errors": h.errors, "slow": h.slow,
                 "mean_ms": h.seconds / h.calls * 1e3 if h.calls else 0.0, "disabled": h.disabled}
                for h in self.hooks]
