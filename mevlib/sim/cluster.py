"""The simulated cluster: slots, leaders, routes, competing tips, and LiteSVM executing every
transaction. Pure model, no I/O: the HTTP server (server.py) and experiments drive it, on real or
virtual time. The landing model is documented in docs/simulator.md; every random draw is keyed by
(seed, slot) or (seed, signature, route), so a run repeats exactly given the same sends and times.
"""
from __future__ import annotations

import collections
import dataclasses
import hashlib
import math
import threading
import time

from solders.account import Account
from solders.hash import Hash
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.pubkey import Pubkey
from solders.transaction import VersionedTransaction

from mevlib.jito import TIP_ACCOUNTS
from mevlib.errors import CorruptDataError
from mevlib.nonce import parse_nonce_account
from mevlib.sim import dex
from mevlib.transaction import (MAX_PROCESSING_AGE, SYSTEM_PROGRAM, compute_budget, error_bincode, error_json,
                                fee_for_message, message_key, nonce_account_of)

# Agave's constants (solana-clock; status cache: solana-runtime)
MAX_RECENT_BLOCKHASHES = 300  # the status cache's horizon (getSignatureStatuses without history)
LEADER_SLOTS = 4              # consecutive slots per leader
MAX_LOCKOUT_HISTORY = 31      # confirmations count up to this, then the slot is rooted
GENESIS = float("-inf")  # the "slot" of what the cluster started with: visible at every commitment


@dataclasses.dataclass(frozen=True)
class RouteModel:
    """How one send route behaves: one-way latency to the leader (lognormal, in ms: median and
    spread), the chance it drops a transaction, and what it speaks."""

    name: str
    kind: str = "rpc"            # "rpc" or "jito"
    latency_ms: float = 20.0     # median one-way latency to the leader
    latency_spread: float = 0.3  # sigma of log(latency)
    drop: float = 0.1            # chance a transaction never reaches the leader


@dataclasses.dataclass(frozen=True)
class ClusterConfig:
    seed: int = 0
    slot_ms: float = 400.0
    genesis_unix: int = 1_750_000_000        # the runtime clock's unix_timestamp at slot 0
    leaders: int = 8
    phase_range: tuple = (0.15, 0.75)       # each leader's hidden moment, as a share of the slot
    jitter_range: tuple = (0.0125, 0.0625)  # its slot-to-slot jitter (std), share of the slot
    window: float = 0.125                   # arrivals count this share of a slot before the moment
    slots_per_epoch: int = 432_000          # mainnet's
    confirmed_lag: int = 2                  # a slot is optimistically confirmed this many slots on
    rooted_lag: int = 32                    # ... and rooted (finalized) this many
    competitive_share: float = 0.5          # share of slots with a competing searcher
    competitor_tip_median: int = 20_000     # lamports; lognormal
    competitor_tip_spread: float = 0.6
    routes: tuple = (
        RouteModel("rpc", "rpc", latency_ms=35.0, latency_spread=0.5, drop=0.45),
        RouteModel("jito-ny", "jito", latency_ms=12.0, latency_spread=0.25, drop=0.08),
        RouteModel("jito-ams", "jito", latency_ms=45.0, latency_spread=0.3, drop=0.15),
        RouteModel("sender", "rpc", latency_ms=8.0, latency_spread=0.2, drop=0.25),
    )


def always_land(config: ClusterConfig) -> ClusterConfig:
    """No drops, no rivals, no timing window: every valid transaction lands in the slot it reaches
    (for developing and testing clients, and for showing what a guard prevents)."""
    return dataclasses.replace(
        config, competitive_share=0.0, phase_range=(1.0, 1.0), jitter_range=(0.0, 0.0), window=1.0,
        routes=tuple(RouteModel(r.name, r.kind, latency_ms=1.0, latency_spread=0.0, drop=0.0) for r in config.routes))


def _unit(*parts) -> float:
    """A uniform draw in (0, 1) keyed by its parts: the same parts, the same number."""
    h = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return (int.from_bytes(h, "little") + 0.5) / 2.0**64


def _normal(*parts) -> float:
    u1, u2 = _unit(*parts, "a"), _unit(*parts, "b")
    return math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)


@dataclasses.dataclass
class Landing:
    """What became of one transaction (or bundle) sent on one route."""

    signature: str
    route: str
    slot: int
    landed: bool
    reason: str            # "landed", "dropped", "early", "late", "outbid", "failed: ..." , "duplicate"
    arrival_offset_ms: float
    tip: int
    visible_at_ms: float   # when its status can be read (end of its slot)
    committed: bool = False  # in the block: landed, or failed and paid its fee (it has a status)
    err: object = None       # the TransactionError as Agave's JSON, when committed and failed
    bundle: bool = False     # all or nothing: a failure leaves no trace


@dataclasses.dataclass(frozen=True)
class Status:
    """One committed transaction, as getSignatureStatuses reports it."""

    slot: int
    err: object            # None, or the TransactionError as Agave's JSON
    visible_at_ms: float


@dataclasses.dataclass(frozen=True)
class SentBundle:
    signatures: list
    landing: Landing
    sent_ms: float


@dataclasses.dataclass(frozen=True)
class Committed:
    """A transaction in a block: the Geyser view of it."""

    tx: VersionedTransaction
    slot: int
    err: bytes | None  # bincode TransactionError, None when it succeeded
    fee: int
    index: int         # its position in the slot's block


class Cluster:
    """Slots advance with the caller's clock (milliseconds since the cluster's start)."""

    def __init__(self, config: ClusterConfig = ClusterConfig()):
        self.config = config
        self.routes = {r.name: r for r in config.routes}
        self._lock = threading.Lock()
        # blockhash age is judged here (150 slots), so LiteSVM's own check, which knows only the
        # latest hash, is off
        # LiteSVM's signature history is off too: replay protection is by message here (below),
        # and a bundle rolled back must be sendable again. Signatures are verified here where the
        # leader (or the RPC, when asked) verifies them: LiteSVM's check is off, so transactions
        # that call the DEX programs can run in pieces (mevlib.sim.dex).
        self.svm = LiteSVM().with_blockhash_check(False).with_transaction_history(0).with_sigverify(False)
        self.leader_keys = [Keypair.from_seed(hashlib.sha256(f"leader-{config.seed}-{i}".encode()).digest()).pubkey()
                            for i in range(config.leaders)]
        lo, hi = (x * config.slot_ms for x in config.phase_range)
        jlo, jhi = (x * config.slot_ms for x in config.jitter_range)
        self.phase = {k: lo + (hi - lo) * _unit(config.seed, "phase", i) for i, k in enumerate(self.leader_keys)}
        self.jitter = {k: jlo + (jhi - jlo) * _unit(config.seed, "jitter", i) for i, k in enumerate(self.leader_keys)}
        # one blockhash per slot, from LiteSVM's own hash chain (so durable nonces see the same)
        self._hash_of_slot = {0: self.svm.latest_blockhash()}
        self._blockhashes = {str(self._hash_of_slot[0]): 0}  # str(hash) -> its slot
        self._statuses = {}     # signature -> Status (committed transactions only)
        self._bundles = {}      # bundle id -> (signatures, Landing of the bundle)
        # replay protection is by message, as in Agave's status cache: the same message signed
        # again (randomized nonces give it a new signature) is never committed twice
        self._committed_messages = set()
        # what commitment levels read: pubkey -> [(slot, account after the write)], the first entry
        # the account before its first write here
        self._history: dict[Pubkey, list] = {}
        self._epoch_schedules: dict[int, dict] = {}  # getLeaderSchedule's answers, this epoch and the last
        self._committed_per_slot = collections.Counter()
        self._write_listeners = []
        self._commit_listeners = []
        self._txlog: dict[int, list] = {}  # slot -> Committed, recent slots
        self._writes: dict[int, dict] = {}  # slot -> pubkey -> (account, write_version, signature)
        self._write_version = 0
        self._fees: dict[int, dict] = {}  # slot -> {None: block min, pubkey: min} µlamports per CU
        for acct in TIP_ACCOUNTS:
            self.svm.airdrop(acct, 10**9)  # rent-exempt already, so any tip is a valid transfer
        self._set_clock(0)

    def _set_clock(self, slot: int):
        """The runtime's Clock sysvar at `slot`: its unix_timestamp advancing with the slots (the
        DEX programs' fees and open times read it)."""
        self.svm.warp_to_slot(slot)
        clock = self.svm.get_clock()
        clock.unix_timestamp = self.unix_timestamp(slot)
        self.svm.set_clock(clock)

    def unix_timestamp(self, slot: int) -> int:
        """The Clock sysvar's unix_timestamp at `slot`: what a swap executed then is timed by (a
        quote for it, e.g. Finder(clock=...), should use the same)."""
        return self.config.genesis_unix + int(slot * self.config.slot_ms // 1000)

    # --- time -------------------------------------------------------------------------------
    def slot_at(self, t_ms: float) -> int:
        return int(t_ms // self.config.slot_ms)

    def slot_start_ms(self, slot: int) -> float:
        return slot * self.config.slot_ms

    def commitment_slot(self, t_ms: float, commitment: str = "finalized", clamp: bool = True) -> int:
        """The slot a node reads at this commitment: processed is the slot in progress (a real RPC
        node reports the last one it replayed, about one slot behind), confirmed and finalized
        lag it by `confirmed_lag` and `rooted_lag` slots. Unclamped, it is negative while the
        young cluster has nothing rooted yet."""
        slot = self.slot_at(t_ms) - self._lag(commitment)
        return max(0, slot) if clamp else slot

    def _lag(self, commitment: str) -> int:
        return {"processed": 0, "confirmed": self.config.confirmed_lag, "finalized": self.config.rooted_lag}[commitment]

    def commitment_of(self, slot: int, t_ms: float) -> str:
        """What a slot has reached by t_ms: processed, confirmed or finalized."""
        age = self.slot_at(t_ms) - slot
        return "finalized" if age >= self.config.rooted_lag else "confirmed" if age >= self.config.confirmed_lag \
            else "processed"

    def block_height(self, slot: int) -> int:
        return slot  # every slot has its block: no skipped slots here

    def epoch_of(self, slot: int) -> tuple[int, int]:
        """(epoch, first slot of it): fixed-length epochs from slot 0 (no warm-up)."""
        epoch = slot // self.config.slots_per_epoch
        return epoch, epoch * self.config.slots_per_epoch

    def _round_order(self, epoch_round: int) -> list[int]:
        """The leaders' order in one round of LEADER_SLOTS x leaders slots (seeded)."""
        return sorted(range(self.config.leaders), key=lambda i: _unit(self.config.seed, "order", epoch_round, i))

    def leader_of(self, slot: int) -> Pubkey:
        order = self._round_order(slot // (LEADER_SLOTS * self.config.leaders))
        return self.leader_keys[order[(slot // LEADER_SLOTS) % self.config.leaders]]

    def leader_schedule(self, first_slot: int, count: int) -> list[Pubkey]:
        return [self.leader_of(s) for s in range(first_slot, first_slot + count)]

    def epoch_leader_schedule(self, epoch: int) -> dict[str, list[int]]:
        """identity -> slot indices within the epoch, for the whole epoch (as getLeaderSchedule);
        computed once per epoch (~0.25 s for 432,000 slots)."""
        with self._lock:
            if epoch in self._epoch_schedules:
                return self._epoch_schedules[epoch]
        c = self.config
        first = epoch * c.slots_per_epoch
        out: dict[str, list[int]] = {}
        names = [str(k) for k in self.leader_keys]
        span = LEADER_SLOTS * c.leaders
        for start in range(first - first % span, first + c.slots_per_epoch, span):
            for j, leader in enumerate(self._round_order(start // span)):
                for s in range(start + j * LEADER_SLOTS, start + (j + 1) * LEADER_SLOTS):
                    if first <= s < first + c.slots_per_epoch:
                        out.setdefault(names[leader], []).append(s - first)
        with self._lock:
            self._epoch_schedules = {e: v for e, v in self._epoch_schedules.items() if e >= epoch - 1}
            self._epoch_schedules[epoch] = out
        return out

    def auction_ms(self, slot: int) -> float:
        """The leader's moment within the slot: its phase plus this slot's jitter."""
        leader = self.leader_of(slot)
        return self.phase[leader] + self.jitter[leader] * _normal(self.config.seed, "jit", slot)

    def competitor_tip(self, slot: int) -> int:
        c = self.config
        if _unit(c.seed, "competitive", slot) >= c.competitive_share:
            return 0
        return int(c.competitor_tip_median * math.exp(c.competitor_tip_spread * _normal(c.seed, "tip", slot)))

    def is_competitive(self, slot: int) -> bool:
        return self.competitor_tip(slot) > 0

    def tip_floor(self, t_ms: float, window: int = 150) -> dict:
        """What Jito's tip floor reports (bundles.jito.wtf/api/v1/bundles/tip_floor: SOL), from the
        competing tips of the last `window` completed slots: percentiles 25 to 99 and an
        exponential average (alpha 0.1, oldest first) of the tips' running median."""
        last = self.slot_at(t_ms) - 1
        tips = [t for s in range(max(0, last - window + 1), last + 1) if (t := self.competitor_tip(s))]
        if not tips:
            tips = [1_000]  # Jito's minimum: nothing competed
        ordered = sorted(tips)

        def pct(q):  # nearest rank
            return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))] / 1e9

        ema = float(tips[0])
        for t in tips[1:]:
            ema += 0.1 * (t - ema)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        return {"time": stamp, "landed_tips_25th_percentile": pct(0.25), "landed_tips_50th_percentile": pct(0.5),
                "landed_tips_75th_percentile": pct(0.75), "landed_tips_95th_percentile": pct(0.95),
                "landed_tips_99th_percentile": pct(0.99), "ema_landed_tips_50th_percentile": ema / 1e9}

    # --- accounts -----------------------------------------------------------------------------
    def blockhash_of(self, slot: int) -> Hash:
        """The blockhash of a slot's block: every slot has its own, as on a real cluster, usable
        until MAX_PROCESSING_AGE slots later."""
        with self._lock:
            return self._advance_hashes(slot)[slot] if slot >= 0 else self._hash_of_slot[min(self._hash_of_slot)]

    def latest_blockhash(self, t_ms: float, commitment: str = "processed") -> Hash:
        return self.blockhash_of(self.commitment_slot(t_ms, commitment))

    def _advance_hashes(self, slot: int) -> dict:
        top = max(self._hash_of_slot)
        if slot > top:
            # older hashes are expired anyway: a long jump of virtual time skips them
            for s in range(max(top + 1, slot - MAX_RECENT_BLOCKHASHES), slot + 1):
                self.svm.expire_blockhash()
                bh = self.svm.latest_blockhash()
                self._hash_of_slot[s] = bh
                self._blockhashes[str(bh)] = s
            for s in [s for s in self._hash_of_slot if s < slot - MAX_RECENT_BLOCKHASHES]:
                del self._blockhashes[str(self._hash_of_slot.pop(s))]
            # the runtime's clock and SlotHashes follow: lookup tables are created from a recent
            # slot and usable one slot after they are extended (Agave's address-lookup-table program)
            self._set_clock(slot)
            self.svm.set_slot_hashes([(s, self._hash_of_slot[s]) for s in sorted(self._hash_of_slot, reverse=True)])
        elif slot not in self._hash_of_slot:  # older than the horizon: the oldest kept
            return {slot: self._hash_of_slot[min(self._hash_of_slot)]}
        return self._hash_of_slot

    def blockhash_slot(self, blockhash: str) -> int | None:
        with self._lock:
            return self._blockhashes.get(blockhash)

    def blockhash_valid(self, blockhash: str, at_slot: int, max_age: int = MAX_PROCESSING_AGE) -> bool:
        """Whether a transaction with this blockhash may execute in at_slot (a hash newer than
        the slot is unknown to that slot's bank)."""
        with self._lock:
            return self._hash_valid(blockhash, at_slot, max_age)

    def _hash_valid(self, blockhash: str, slot: int, max_age: int = MAX_PROCESSING_AGE) -> bool:
        issued = self._blockhashes.get(blockhash)
        return issued is not None and issued <= slot and slot - issued <= max_age

    def _lifetime_valid(self, tx: VersionedTransaction, slot: int) -> bool:
        """A recent blockhash at most 150 slots old, or for a durable-nonce transaction the nonce
        account's stored value (Agave's check_transaction_age)."""
        nonce = nonce_account_of(tx.message)
        if nonce is None:
            return self._hash_valid(str(tx.message.recent_blockhash), slot)
        acct = self.svm.get_account(nonce)
        try:
            state = parse_nonce_account(acct.data, acct.owner) if acct is not None else None
        except CorruptDataError:
            return False
        return state is not None and state.nonce == tx.message.recent_blockhash

    def airdrop(self, pubkey: Pubkey, lamports: int, t_ms: float | None = None) -> str:
        """Credits lamports; returns the airdrop transaction's signature. Without t_ms the credit is
        part of genesis (visible at every commitment); with it, it commits in that slot and has a
        status like any transaction."""
        with self._lock:
            slot = self.slot_at(t_ms) if t_ms is not None else GENESIS
            pre = {pubkey: self.svm.get_account(pubkey)}
            res = self.svm.airdrop(pubkey, lamports)
            if type(res).__name__ != "TransactionMetadata":
                raise ValueError(f"airdrop of {lamports} lamports failed: {res.err()}")
            self._record_writes(pre, slot)
            sig = str(res.signature())
            if t_ms is not None:
                self._statuses[sig] = Status(slot, None, self.slot_start_ms(slot + 1))
            return sig

    def genesis_account(self, pubkey: Pubkey, account: Account):
        """An account the cluster starts with (the market's mints, vaults, pools): visible at every
        commitment, no write notification. Under the lock: the server's threads run already."""
        with self._lock:
            pre = {pubkey: self.svm.get_account(pubkey)}
            self.svm.set_account(pubkey, account)
            self._record_writes(pre, GENESIS)

    def genesis(self, tx: VersionedTransaction):
        """Executes a set-up transaction (nonce accounts, lookup tables) as part of genesis, outside
        the landing model: visible at every commitment, no status. Raises if it fails."""
        with self._lock:
            pre = self._snapshot([tx])
            res = self.svm.send_transaction(tx)
            if type(res).__name__ != "TransactionMetadata":
                self._restore(pre)
                raise ValueError(f"set-up transaction failed: {res.err()}")
            self._record_writes(pre, GENESIS)

    def apply(self, tx: VersionedTransaction, t_ms: float) -> bool:
        """Executes a transaction of the simulated world's own traders now, outside the landing
        model (no status; its writes land in the slot of t_ms and reach listeners like any write).
        False, with nothing changed, if it fails."""
        with self._lock:
            pre = self._snapshot([tx])
            if not dex.ok(self._send(tx)):
                self._restore(pre)
                return False
            self._record_writes(pre, self.slot_at(t_ms), bytes(tx.signatures[0]))
            return True

    def balance(self, pubkey: Pubkey, slot: int | None = None) -> int:
        acct = self.account(pubkey, slot)
        return acct.lamports if acct is not None else 0

    def account(self, pubkey: Pubkey, slot: int | None = None) -> Account | None:
        """The account as of the end of `slot` (None: now, with the slot in progress)."""
        with self._lock:
            history = self._history.get(pubkey)
            if history is None or slot is None:
                acct = self.svm.get_account(pubkey)
            else:
                acct = next((a for s, a in reversed(history) if s <= slot), history[0][1])
        return acct if acct is not None and (acct.lamports or acct.data or acct.executable) else None

    def _record_writes(self, pre: dict, slot, signature: bytes | None = None):
        """After a commit in `slot`: each account's new state, for confirmed/finalized reads (a
        list keeps the newest entry at or below the root and what came after), and each changed
        account to the write listeners, as a Geyser plugin sees it at write time."""
        root = slot - self.config.rooted_lag - 1
        for key, before in pre.items():
            after = self.svm.get_account(key)
            history = self._history.setdefault(key, [(GENESIS, before)])
            history.append((slot, after))
            keep = max((i for i, (s, _) in enumerate(history) if s <= root), default=0)
            del history[:keep]
            if slot != GENESIS and after != before:
                self._notify_write(key, after, slot, signature)

    def _notify_write(self, key: Pubkey, acct: Account | None, slot: int, signature: bytes | None):
        self._write_version += 1
        acct = acct if acct is not None else Account(0, b"", SYSTEM_PROGRAM)
        self._writes.setdefault(slot, {})[key] = (acct, self._write_version, signature)
        for s in [s for s in self._writes if s < slot - self.config.rooted_lag - 8]:
            del self._writes[s]
        for listener in self._write_listeners:
            listener(key, acct, slot, self._write_version, signature)

    def on_write(self, listener):
        """Calls listener(pubkey, account, slot, write_version, txn_signature) for every account a
        commit changes, at once and under the cluster's lock: it must be quick (hand off, never
        call back into the cluster)."""
        with self._lock:
            self._write_listeners.append(listener)

    def on_commit(self, listener):
        """Calls listener(Committed) for every transaction a block takes, at once and under the
        cluster's lock (as on_write)."""
        with self._lock:
            self._commit_listeners.append(listener)

    def committed_in(self, slot: int) -> list:
        """The transactions committed in `slot` (recent slots only), in block order."""
        with self._lock:
            return list(self._txlog.get(slot, ()))

    def write_account(self, pubkey: Pubkey, account: Account, t_ms: float):
        """A write outside any transaction (the market's pools): it lands in the slot of t_ms and
        reaches listeners, histories and commitment reads like a transaction's."""
        with self._lock:
            slot = self.slot_at(t_ms)
            pre = {pubkey: self.svm.get_account(pubkey)}
            self.svm.set_account(pubkey, account)
            self._record_writes(pre, slot)

    def writes_in(self, slot: int) -> dict:
        """The last write of each account changed in `slot` (recent slots only):
        pubkey -> (account, write_version, txn_signature)."""
        with self._lock:
            return dict(self._writes.get(slot, {}))

    def _snapshot(self, txs) -> dict:
        keys = dict.fromkeys(k for tx in txs for k in tx.message.account_keys)
        return {k: self.svm.get_account(k) for k in keys}

    def _restore(self, pre: dict):
        for key, acct in pre.items():
            self.svm.set_account(key, acct if acct is not None else Account(0, b"", SYSTEM_PROGRAM))

    # --- sending --------------------------------------------------------------------------------
    def _tip_of(self, tx: VersionedTransaction) -> int:
        """Lamports the transaction moves to tip accounts (system transfers only)."""
        msg = tx.message
        keys = list(msg.account_keys)
        tips = 0
        for ix in msg.instructions:
            data = bytes(ix.data)
            program = keys[ix.program_id_index]
            if str(program) == "11111111111111111111111111111111" and len(data) == 12 and data[:4] == b"\x02\0\0\0":
                to = keys[ix.accounts[1]] if len(ix.accounts) > 1 and ix.accounts[1] < len(keys) else None
                if to in TIP_ACCOUNTS:
                    tips += int.from_bytes(data[4:], "little")
        return tips

    def deliver(self, txs: list[VersionedTransaction], route: str, t_ms: float, atomic: bool | None = None) -> Landing:
        """Sends txs on route at time t_ms and decides, with the model, whether and where they
        land. Several transactions are a bundle; `atomic` (default: a bundle) gives one transaction
        a bundle's revert protection (Jito bundleOnly)."""
        atomic = len(txs) > 1 if atomic is None else atomic
        c, r = self.config, self.routes[route]
        sig = str(txs[0].signatures[0])
        latency = r.latency_ms * math.exp(r.latency_spread * _normal(c.seed, "lat", sig, route))
        arrival = t_ms + latency
        slot = self.slot_at(arrival)
        offset = arrival - self.slot_start_ms(slot)
        moment = self.auction_ms(slot)
        tip = sum(self._tip_of(tx) for tx in txs)
        visible = self.slot_start_ms(slot + 1)
        landing = Landing(sig, route, slot, False, "", offset, tip, visible)
        landing.bundle = atomic
        with self._lock:
            self._advance_hashes(slot)
            if any(str(tx.signatures[0]) in self._statuses or message_key(tx) in self._committed_messages
                   for tx in txs):
                landing.reason = "duplicate"  # AlreadyProcessed: never executes twice
                return landing
            if not all(all(tx.verify_with_results()) for tx in txs):
                landing.reason = "failed: SignatureFailure"  # the leader's sigverify drops it
            elif _unit(c.seed, "drop", sig, route) < r.drop:
                landing.reason = "dropped"
            elif offset > moment:
                landing.reason = "late"
            elif offset < moment - c.window * c.slot_ms:
                landing.reason = "early"
            elif tip <= self.competitor_tip(slot) and self.is_competitive(slot):
                landing.reason = "outbid"
            else:
                self._execute(txs, slot, landing)
            return landing

    def _execute(self, txs, slot, landing: Landing):
        """Executes in LiteSVM and commits what a leader would put in its block: a transaction that
        fails after its fee is charged stays (with its error, fee paid); one that cannot pay, or
        whose blockhash is unknown or expired, is never in a block. A bundle commits all or
        nothing: one failure rolls the others back and leaves no trace."""
        pre = self._snapshot(txs)
        errors, raw_errors = [], {}
        for tx in txs:
            if not self._lifetime_valid(tx, slot):  # judged in order: a member may move a nonce
                self._restore(pre)
                landing.reason = "failed: BlockhashNotFound"
                return
            payer = tx.message.account_keys[0]
            paid_before = self.svm.get_balance(payer) or 0
            res = self._send(tx)
            if dex.ok(res):
                errors.append(None)
                continue
            err = error_json(res.err())
            raw_errors[len(errors)] = error_bincode(res.err())
            if landing.bundle or (self.svm.get_balance(payer) or 0) >= paid_before:
                # not in any block: a bundle's member failed (all roll back), or the fee was never
                # charged (no funds, no payer account)
                self._restore(pre)
                landing.reason = f"failed: {_error_name(err)}"
                return
            errors.append(err)
        # one snapshot for the whole bundle: its writes name its last transaction
        self._record_writes(pre, slot, bytes(txs[-1].signatures[0]))
        for i, (tx, err) in enumerate(zip(txs, errors)):
            self._statuses[str(tx.signatures[0])] = Status(slot, err, landing.visible_at_ms)
            self._committed_messages.add(message_key(tx))
            committed = Committed(tx, slot, raw_errors.get(i), fee_for_message(tx.message),
                                  self._committed_per_slot[slot])
            self._committed_per_slot[slot] += 1
            self._note_fee(tx, slot)
            self._txlog.setdefault(slot, []).append(committed)
            for listener in self._commit_listeners:
                listener(committed)
        for s in [s for s in self._txlog if s < slot - self.config.rooted_lag - 8]:
            del self._txlog[s]
        landing.committed = True
        landing.err = next((e for e in errors if e is not None), None)
        landing.landed = landing.err is None
        landing.reason = "landed" if landing.landed else f"failed: {_error_name(landing.err)}"

    def _note_fee(self, tx, slot):
        """Per slot, the lowest compute-unit price of the block and of each writable account (what
        getRecentPrioritizationFees reports)."""
        price = compute_budget(tx.message)[1]
        fees = self._fees.setdefault(slot, {})
        msg = tx.message
        for i, key in enumerate([None] + list(msg.account_keys)):
            if key is None or _is_writable(msg, i - 1):
                fees[key] = min(fees.get(key, price), price)
        for s in [s for s in self._fees if s < slot - MAX_PROCESSING_AGE]:
            del self._fees[s]

    def prioritization_fees(self, accounts: list, last_slot: int) -> list[tuple[int, int]]:
        """(slot, fee) for the recent slots up to last_slot: the block's lowest price, or with
        accounts the highest of their lowest prices (0 where none was written)."""
        with self._lock:
            out = []
            for slot in range(max(0, last_slot - MAX_PROCESSING_AGE + 1), last_slot + 1):
                fees = self._fees.get(slot, {})
                if accounts:
                    out.append((slot, max((fees.get(a, 0) for a in accounts), default=0)))
                else:
                    out.append((slot, fees.get(None, 0)))
            return out

    def _send(self, tx: VersionedTransaction):
        """Executes and keeps the changes: LiteSVM's result, or mevlib.sim.dex's for a transaction
        that calls a DEX program."""
        return dex.execute(self.svm, tx) if dex.calls_dex(tx) else self.svm.send_transaction(tx)

    def simulate(self, tx: VersionedTransaction):
        """LiteSVM's simulation on the newest state (its result type, or mevlib.sim.dex's; nothing
        committed)."""
        with self._lock:
            if not dex.calls_dex(tx):
                return self.svm.simulate_transaction(tx)
            pre = self._snapshot([tx])
            try:
                res = dex.execute(self.svm, tx)
                return dex.Simulated(res, {k: self.svm.get_account(k) for k in pre}) if dex.ok(res) else res
            finally:
                self._restore(pre)

    def simulate_bundle(self, txs) -> list:
        """Executes the transactions in order on the newest state, each seeing the ones before, and
        rolls every change back: LiteSVM's result per transaction, up to and including the first
        that fails (what jito-solana's simulateBundle reports)."""
        with self._lock:
            pre = self._snapshot(txs)
            results = []
            try:
                for tx in txs:
                    res = self._send(tx)
                    results.append(res)
                    if not dex.ok(res):
                        break
            finally:
                self._restore(pre)
            return results

    def transaction_count(self, slot: int) -> int:
        """Committed transactions up to the end of slot."""
        with self._lock:
            return sum(n for s, n in self._committed_per_slot.items() if s <= slot)

    def status(self, signature: str, t_ms: float) -> Status | None:
        """None while unknown or before its slot is over; else its Status."""
        with self._lock:
            st = self._statuses.get(signature)
        if st is None or t_ms < st.visible_at_ms:
            return None
        return st

    def record_bundle(self, bundle_id: str, signatures: list[str], landing: Landing, sent_ms: float):
        with self._lock:
            known = self._bundles.get(bundle_id)
            if known is None or not known.landing.landed:  # the same bundle sent twice: the landing counts
                self._bundles[bundle_id] = SentBundle(signatures, landing, sent_ms)

    def bundle(self, bundle_id: str) -> SentBundle | None:
        with self._lock:
            return self._bundles.get(bundle_id)


def _error_name(err) -> str:
    return err if isinstance(err, str) else next(iter(err))


def _is_writable(msg, index: int) -> bool:
    return msg.is_maybe_writable(index) if hasattr(msg, "is_maybe_writable") else msg.is_writable(index)


