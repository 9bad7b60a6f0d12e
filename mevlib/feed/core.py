"""The feed's core: plugin events, their C decoder, and Feed's commitment-aware delivery.
(The package docstring, mevlib/feed/__init__.py, says what delivery guarantees.)"""
from __future__ import annotations

import collections
import dataclasses
import sys
import threading
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from mevlib import _feed
from mevlib.errors import InvalidArgumentError
from mevlib.ring import Ring

PROCESSED, ROOTED, CONFIRMED, FIRST_SHRED_RECEIVED, COMPLETED, CREATED_BANK, DEAD = range(7)
_REACHES = {"confirmed": (CONFIRMED, ROOTED), "rooted": (ROOTED,)}


class AccountUpdate(NamedTuple):
    pubkey: bytes
    owner: bytes
    lamports: int
    data: bytes
    slot: int
    write_version: int
    txn_signature: bytes | None
    is_startup: bool
    sequence: int
    executable: bool
    rent_epoch: int


class SlotUpdate(NamedTuple):
    slot: int
    parent: int | None
    status: int  # PROCESSED, ROOTED, CONFIRMED, ... DEAD
    dead_error: str
    sequence: int


def decode(message: bytes) -> AccountUpdate | SlotUpdate | None:
    """One plugin message; None if it is not a valid Event."""
    return _feed.decode(message, AccountUpdate, SlotUpdate)


def account_dtype(data_bytes: int = 256) -> np.dtype:
    """Records of account updates for :func:`decode_accounts`; data is cut to `data_bytes`
    (``data_len`` keeps the real length)."""
    return np.dtype([("pubkey", "V32"), ("owner", "V32"), ("lamports", "<u8"), ("slot", "<u8"),
                     ("write_version", "<u8"), ("sequence", "<u8"), ("rent_epoch", "<u8"),
                     ("data_len", "<u4"), ("is_startup", "?"), ("executable", "?"),
                     ("has_signature", "?"), ("data", f"V{data_bytes}")])


def decode_accounts(messages: Sequence[bytes], data_bytes: int = 256, *,
                    yellowstone: bool = False) -> tuple[np.ndarray, int]:
    """The account updates among `messages` (the plugin's Events, or with `yellowstone` gRPC
    SubscribeUpdates) as one structured array, decoded in C without a Python object per update;
    returns (array, number of undecodable messages)."""
    if sys.byteorder != "little" or data_bytes < 1:
        raise InvalidArgumentError("little-endian hosts and data_bytes >= 1 only")
    out = np.zeros(len(messages), account_dtype(data_bytes))
    written, bad = _feed.decode_accounts_into(messages, out, data_bytes, yellowstone)
    return out[:written], bad


class EventQueue:
    """Decoded events a source's own thread receives, waiting for Feed.poll (PubSub, Yellowstone):
    bounded (past `max_len` the oldest go, counted in `dropped`), numbered from 0, and a fatal
    error of the source raised to the poller."""

    def __init__(self, key: str, max_len: int):
        self.key, self.max_len = key, max_len
        self.dropped = 0
        self.error: Exception | None = None
        self._events: collections.deque = collections.deque()
        self._cond = threading.Condition()
        self._offset = 0

    def put(self, events):
        with self._cond:
            self._events.extend(events)
            while len(self._events) > self.max_len:
                self._events.popleft()
                self.dropped += 1
            self._cond.notify()

    def fail(self, error: Exception):
        self.error = error
        with self._cond:
            self._cond.notify_all()

    def poll(self, max_n: int, timeout: float) -> list[tuple[object, int, object]]:
        """Up to max_n (key, offset, event), waiting up to `timeout` for the first."""
        if self.error is not None:
            raise self.error
        with self._cond:
            if not self._events and timeout > 0:
                self._cond.wait(timeout)
            got = [self._events.popleft() for _ in range(min(max_n, len(self._events)))]
        start, self._offset = self._offset, self._offset + len(got)
        return [(self.key, start + i, event) for i, event in enumerate(got)]


@dataclasses.dataclass
class FeedStats:
    messages: int = 0
    undecodable: int = 0
    delivered: int = 0
    buffered_bytes: int = 0
    dropped_dead: int = 0       # updates of slots reported dead
    dropped_abandoned: int = 0  # updates of slots at or below the root that never reached the level
    dropped_overflow: int = 0   # updates evicted by the buffer bound
    duplicate_statuses: int = 0  # a slot status seen again (the plugin writes one per partition)
    sequence_gaps: int = 0      # messages missing from a partition's sequence (dropped by the plugin)
    sequence_resets: int = 0    # a partition's sequence started over (the plugin restarted)
    hook_errors: int = 0


class _Entry:
    """One message of a partition, from its arrival until it is delivered or dropped."""
    __slots__ = ("offset", "event", "raw", "size", "deliver", "decided")

    def __init__(self, offset, event, raw):
        self.offset, self.event, self.raw = offset, event, raw
        self.size = len(raw) if raw is not None else _event_size(event)
        self.decided = self.deliver = False


def _event_size(event) -> int:
    """What an already decoded event holds in memory, near enough for the buffer bound."""
    return 128 + (len(event.data) if isinstance(event, AccountUpdate) else 0)


class Feed:
    def __init__(self, source, *, commitment: str = "processed", max_buffered_bytes: int = 64 << 20,
                 on_account: Callable[[AccountUpdate], None] | None = None,
                 on_slot: Callable[[SlotUpdate], None] | None = None, out_ring: Ring | None = None):
        if commitment not in ("processed", "confirmed", "rooted"):
            raise InvalidArgumentError(f"commitment is processed, confirmed or rooted, not {commitment!r}")
        self.source = source
        self.commitment = commitment
        self.max_buffered_bytes = max_buffered_bytes
        self.on_account, self.on_slot, self.out_ring = on_account, on_slot, out_ring
        self.stats = FeedStats()
        self._reaches = _REACHES.get(commitment, ())
        self._partitions: dict[object, collections.deque[_Entry]] = {}  # undelivered, in order
        self._waiting: dict[int, list[_Entry]] = {}  # slot -> its updates waiting for its fate
        self._reached: set[int] = set()  # slots at the commitment level
        self._dead: set[int] = set()
        self._root = -1                  # the highest rooted slot seen
        self._statuses: set[tuple[int, int]] = set()  # (slot, status) delivered, for duplicates
        self._last_seq: dict[object, int] = {}
        self._next_offset: dict[object, int] = {}  # per partition: the offset after the last seen
        self._commit_point: dict[object, int] = {}

    def poll(self, max_n: int = 1024, timeout: float = 0.1) -> list[AccountUpdate | SlotUpdate]:
        """Takes up to max_n messages and returns what became deliverable (also given to hooks)."""
        out: list = []
        for key, offset, message in self.source.poll(max_n, timeout):
            self.stats.messages += 1
            self._next_offset[key] = offset + 1
            # plugin bytes, decoded here in C; or an event a source decoded (PubSub, Yellowstone)
            if isinstance(message, (AccountUpdate, SlotUpdate)):
                entry = _Entry(offset, message, None)
            else:
                entry = _Entry(offset, decode(message), message)
            queue = self._partitions.get(key)
            if queue is None:
                queue = self._partitions[key] = collections.deque()
            queue.append(entry)
            self.stats.buffered_bytes += entry.size  # until handed out: waiting or behind a wait
            event = entry.event
            if event is None:
                self.stats.undecodable += 1
                entry.decided = True
            else:
                self._count_sequence(key, event.sequence)
                if isinstance(event, SlotUpdate):
                    if self._slot(event, entry, out):  # it decided updates: on any partition
                        for other in self._partitions.values():
                            self._emit_ready(other, out)
                        continue
                elif self.commitment == "processed":
                    entry.decided = entry.deliver = True
                else:
                    self._account(entry)
            self._emit_ready(queue, out)
            if self.stats.buffered_bytes > self.max_buffered_bytes:
                self._bound(out)
        # each partition up to its first message not yet delivered or dropped, when that moved
        commits = {}
        for key, queue in self._partitions.items():
            point = queue[0].offset if queue else self._next_offset[key]
            if self._commit_point.get(key) != point:
                commits[key] = self._commit_point[key] = point
        if commits:
            self.source.commit(commits)
        return out

    # --- deciding -----------------------------------------------------------------------------
    def _account(self, entry: _Entry):
        """Decides an update now, or makes it wait for its slot's fate."""
        slot = entry.event.slot
        fate = self._fate(slot)
        if fate is not None:
            self._decide(entry, fate)
        else:
            self._waiting.setdefault(slot, []).append(entry)

    def _fate(self, slot: int) -> str | None:
        if slot in self._dead:
            return "dead"
        if slot in self._reached:
            return "deliver"
        if slot <= self._root:
            return "abandoned"
        return None

    def _decide(self, entry: _Entry, fate: str):
        entry.decided = True
        entry.deliver = fate == "deliver"
        if fate == "dead":
            self.stats.dropped_dead += 1
        elif fate == "abandoned":
            self.stats.dropped_abandoned += 1

    def _release(self, slot: int, fate: str) -> bool:
        waiting = self._waiting.pop(slot, ())
        for entry in waiting:
            self._decide(entry, fate)
        return bool(waiting)

    def _slot(self, event: SlotUpdate, entry: _Entry, out: list) -> bool:
        """Delivers a status the first time it is seen; True if it decided waiting updates."""
        entry.decided = True
        if (event.slot, event.status) in self._statuses:
            self.stats.duplicate_statuses += 1
            return False
        self._statuses.add((event.slot, event.status))
        self._deliver(event, entry.raw, out)  # statuses go out at once, before what they release
        if self.commitment == "processed":
            return False
        decided = False
        if event.status == DEAD:
            self._dead.add(event.slot)
            decided = self._release(event.slot, "dead")
        elif event.status in self._reaches:
            self._reached.add(event.slot)
            decided = self._release(event.slot, "deliver")
        if event.status == ROOTED and event.slot > self._root:
            self._root = event.slot
            for slot in [s for s in self._waiting if s <= self._root]:
                decided = self._release(slot, self._fate(slot)) or decided
            self._forget_below(self._root - 4096)
        return decided

    def _forget_below(self, slot: int):
        """Slot knowledge far below the root is never needed again: keep memory bounded."""
        if len(self._statuses) > 65536:
            self._statuses = {k for k in self._statuses if k[0] >= slot}
            self._reached = {s for s in self._reached if s >= slot}
            self._dead = {s for s in self._dead if s >= slot}

    def _bound(self, out: list):
        """Past the bound, the oldest waiting slot's updates are dropped (and counted), which also
        hands out what waited behind them."""
        while self.stats.buffered_bytes > self.max_buffered_bytes and self._waiting:
            oldest = min(self._waiting)
            self.stats.dropped_overflow += len(self._waiting[oldest])
            self._release(oldest, "overflow")
            for queue in self._partitions.values():
                self._emit_ready(queue, out)

    # --- handing out, in each partition's order ---------------------------------------------------
    def _emit_ready(self, queue: collections.deque, out: list):
        while queue and queue[0].decided:
            entry = queue.popleft()
            self.stats.buffered_bytes -= entry.size
            if entry.deliver:
                self._deliver(entry.event, entry.raw, out)

    def _deliver(self, event, raw: bytes | None, out: list):
        out.append(event)
        self.stats.delivered += 1
        hook = self.on_account if isinstance(event, AccountUpdate) else self.on_slot
        if hook is not None:
            try:
                hook(event)
            except Exception:  # a hook's failure is counted, never stops the feed
                self.stats.hook_errors += 1
        if self.out_ring is not None and raw is not None:  # the plugin's bytes, forwarded as they came
            self.out_ring.push_wait(raw, timeout=1.0)

    def _count_sequence(self, key, seq: int):
        last = self._last_seq.get(key)
        if seq == 0:
            return  # unnumbered
        if last is not None:
            if seq > last + 1:
                self.stats.sequence_gaps += seq - last - 1
            elif seq <= last:
                self.stats.sequence_resets += 1
        self._last_seq[key] = seq

    def close(self):
        self.source.close()
