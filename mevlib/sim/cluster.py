"""The simulated cluster: slots, leaders, routes, competing tips, and LiteSVM executing every
transaction. Pure model, no I/O: the HTTP server (server.py) and experiments drive it, on real or
virtual time. The landing model is documented in docs/simulator.md; every random draw is keyed by
(seed, slot) or (seed, signature, route), so a run repeats exactly given the same sends and times.
"""
from __future__ import annotations

import dataclasses
import hashlib
import math
import threading

from solders.hash import Hash
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import to_bytes_versioned
from solders.pubkey import Pubkey
from solders.transaction import VersionedTransaction

from mevlib.jito import TIP_ACCOUNTS

MAX_PROCESSING_AGE = 150  # slots a blockhash stays usable
LEADER_SLOTS = 4          # consecutive slots per leader


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
    leaders: int = 8
    phase_range: tuple = (0.15, 0.75)       # each leader's hidden moment, as a share of the slot
    jitter_range: tuple = (0.0125, 0.0625)  # its slot-to-slot jitter (std), share of the slot
    window: float = 0.125                   # arrivals count this share of a slot before the moment
    competitive_share: float = 0.5          # share of slots with a competing searcher
    competitor_tip_median: int = 20_000     # lamports; lognormal
    competitor_tip_spread: float = 0.6
    routes: tuple = (
        RouteModel("rpc", "rpc", latency_ms=35.0, latency_spread=0.5, drop=0.45),
        RouteModel("jito-ny", "jito", latency_ms=12.0, latency_spread=0.25, drop=0.08),
        RouteModel("jito-ams", "jito", latency_ms=45.0, latency_spread=0.3, drop=0.15),
        RouteModel("sender", "rpc", latency_ms=8.0, latency_spread=0.2, drop=0.25),
    )


def _unit(*parts) -> float:
    """A uniform draw in (0, 1) keyed by its parts: the same parts, the same number."""
    h = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return (int.from_bytes(h, "little") + 0.5) / 2.0**64


def _normal(*parts) -> float:
    u1, u2 = _unit(*parts, "a"), _unit(*parts, "b")
    return math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)


@dataclasses.dataclass
class Landing:
    """What became of one transaction sent on one route."""

    signature: str
    route: str
    slot: int
    landed: bool
    reason: str            # "landed", "dropped", "early", "late", "outbid", "failed: ..." , "duplicate"
    arrival_offset_ms: float
    tip: int
    visible_at_ms: float   # when its status can be read (end of its slot)


class Cluster:
    """Slots advance with the caller's clock (milliseconds since the cluster's start)."""

    def __init__(self, config: ClusterConfig = ClusterConfig()):
        self.config = config
        self.routes = {r.name: r for r in config.routes}
        self._lock = threading.Lock()
        # blockhash age is judged here (150 slots), so LiteSVM's own check, which knows only the
        # latest hash, is off
        self.svm = LiteSVM().with_blockhash_check(False)
        self.leader_keys = [Keypair.from_seed(hashlib.sha256(f"leader-{config.seed}-{i}".encode()).digest()).pubkey()
                            for i in range(config.leaders)]
        lo, hi = (x * config.slot_ms for x in config.phase_range)
        jlo, jhi = (x * config.slot_ms for x in config.jitter_range)
        self.phase = {k: lo + (hi - lo) * _unit(config.seed, "phase", i) for i, k in enumerate(self.leader_keys)}
        self.jitter = {k: jlo + (jhi - jlo) * _unit(config.seed, "jitter", i) for i, k in enumerate(self.leader_keys)}
        self._blockhashes = {}  # str(hash) -> slot issued
        self._statuses = {}     # signature -> Landing (landed ones, and failures worth reporting)
        self._bundles = {}      # bundle id -> (signatures, Landing of the bundle)
        # replay protection is by message, as in Agave's status cache: the same message signed
        # again (randomized nonces give it a new signature) never lands twice
        self._landed_messages = set()
        for acct in TIP_ACCOUNTS:
            self.svm.airdrop(acct, 10**9)  # rent-exempt already, so any tip is a valid transfer

    # --- time -------------------------------------------------------------------------------
    def slot_at(self, t_ms: float) -> int:
        return int(t_ms // self.config.slot_ms)

    def slot_start_ms(self, slot: int) -> float:
        return slot * self.config.slot_ms

    def leader_of(self, slot: int) -> Pubkey:
        epoch_round = slot // (LEADER_SLOTS * self.config.leaders)
        order = sorted(range(self.config.leaders), key=lambda i: _unit(self.config.seed, "order", epoch_round, i))
        return self.leader_keys[order[(slot // LEADER_SLOTS) % self.config.leaders]]

    def leader_schedule(self, first_slot: int, count: int) -> list[Pubkey]:
        return [self.leader_of(s) for s in range(first_slot, first_slot + count)]

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

    # --- accounts -----------------------------------------------------------------------------
    def latest_blockhash(self, t_ms: float) -> Hash:
        """A blockhash issued at the current slot, renewed every 32 slots like a real cluster's
        stream of recent hashes; each is usable for MAX_PROCESSING_AGE slots."""
        slot = self.slot_at(t_ms)
        with self._lock:
            bh = self.svm.latest_blockhash()
            issued = self._blockhashes.setdefault(str(bh), slot)
            if slot - issued >= 32:
                self.svm.expire_blockhash()
                bh = self.svm.latest_blockhash()
                self._blockhashes[str(bh)] = slot
            return bh

    def airdrop(self, pubkey: Pubkey, lamports: int):
        with self._lock:
            res = self.svm.airdrop(pubkey, lamports)
        if type(res).__name__ != "TransactionMetadata":
            raise ValueError(f"airdrop of {lamports} lamports failed: {res.err()}")

    def balance(self, pubkey: Pubkey) -> int:
        with self._lock:
            return self.svm.get_balance(pubkey) or 0

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

    def check(self, wire: bytes) -> VersionedTransaction:
        """What an RPC node refuses at once, even with skipPreflight: undecodable bytes, an
        oversize packet, bad signatures. Raises ValueError with a JSON-RPC-like message."""
        if len(wire) > 1232:
            raise ValueError("transaction too large")
        try:
            tx = VersionedTransaction.from_bytes(wire)
        except Exception:
            raise ValueError("failed to deserialize transaction") from None
        if not tx.signatures or len(tx.signatures) != tx.message.header.num_required_signatures:
            raise ValueError("invalid transaction: wrong number of signatures")
        if not all(tx.verify_with_results()):
            raise ValueError("Transaction signature verification failure")
        return tx

    def deliver(self, txs: list[VersionedTransaction], route: str, t_ms: float) -> Landing:
        """Sends txs (one, or a bundle that lands all or nothing) on route at time t_ms and
        decides, with the model, whether and where they land."""
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
        with self._lock:
            if (sig in self._statuses and self._statuses[sig].landed) or \
                    any(_message_key(tx) in self._landed_messages for tx in txs):
                landing.reason = "duplicate"
                return landing
            if _unit(c.seed, "drop", sig, route) < r.drop:
                landing.reason = "dropped"
            elif offset > moment:
                landing.reason = "late"
            elif offset < moment - c.window * c.slot_ms:
                landing.reason = "early"
            elif tip <= self.competitor_tip(slot) and self.is_competitive(slot):
                landing.reason = "outbid"
            else:
                landing.reason = self._execute(txs, slot)
                landing.landed = landing.reason == "landed"
            if landing.landed or landing.reason.startswith("failed"):
                for tx in txs:
                    self._statuses[str(tx.signatures[0])] = landing
            if landing.landed:
                self._landed_messages.update(_message_key(tx) for tx in txs)
            return landing

    def _execute(self, txs, slot) -> str:
        for tx in txs:
            issued = self._blockhashes.get(str(tx.message.recent_blockhash))
            if issued is None or slot - issued > MAX_PROCESSING_AGE:
                return "failed: BlockhashNotFound"
        for tx in txs:  # a bundle: all or nothing (LiteSVM state would need a rollback otherwise)
            sim = self.svm.simulate_transaction(tx)
            if type(sim).__name__ != "SimulatedTransactionInfo":
                return f"failed: {sim.err()}"
        for tx in txs:
            res = self.svm.send_transaction(tx)
            if type(res).__name__ != "TransactionMetadata":
                return f"failed: {res.err()}"
        return "landed"

    def status(self, signature: str, t_ms: float):
        """None while unknown or before its slot is over; else the Landing."""
        with self._lock:
            landing = self._statuses.get(signature)
        if landing is None or t_ms < landing.visible_at_ms:
            return None
        return landing

    def record_bundle(self, bundle_id: str, signatures: list[str], landing: Landing):
        with self._lock:
            known = self._bundles.get(bundle_id)
            if known is None or not known[1].landed:  # the same bundle sent twice: the landing counts
                self._bundles[bundle_id] = (signatures, landing)

    def bundle(self, bundle_id: str):
        with self._lock:
            return self._bundles.get(bundle_id)


def _message_key(tx: VersionedTransaction) -> bytes:
    return hashlib.sha256(to_bytes_versioned(tx.message)).digest()


def bundle_id(signatures: list[str]) -> str:
    """A bundle's id: SHA-256 over its signatures, hex (as Jito derives it from the signatures)."""
    return hashlib.sha256("".join(signatures).encode()).hexdigest()
