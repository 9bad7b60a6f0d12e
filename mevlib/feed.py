"""Pool deltas from the kafka-delta Geyser plugin, over Kafka or a shared-memory ring.

``Feed(source, commitment=...)`` decodes each message in C and hands updates to hooks (or back
from :meth:`Feed.poll`). With ``commitment="processed"`` an update is delivered at once. With
``"confirmed"`` or ``"rooted"``, an update waits until its slot reaches the level; it is dropped
if the slot is reported dead, or abandoned: at or below the rooted watermark without having
reached the level (a fork that lost). An update whose slot's fate is already known when it
arrives is decided at once. Slot statuses may come on any partition the source reads (the
plugin writes each one to every partition of the account topic) and are delivered once each.

Nothing is lost or repeated across a restart: updates are handed out in their partition's order,
and a partition's offset is committed only up to the first message not yet delivered or dropped,
so a consumer killed while updates wait for their slot reads them again and delivers each once.
(An update that waits holds back the updates behind it on its partition until its slot's fate is
known: at most until the slot roots, about 13 s, and only when a fork loses.) Waiting updates
are bounded in bytes: past the bound the oldest slot's are dropped and counted, never silently.
Sequence numbers are per partition (the plugin numbers each partition's messages); gaps, which
are messages the plugin had to drop, are counted per partition. Undecodable messages are counted
and skipped.
"""
from __future__ import annotations

import collections
import dataclasses
import sys
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from mevlib import _feed
from mevlib._extras import require
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


def decode_accounts(messages: Sequence[bytes], data_bytes: int = 256) -> tuple[np.ndarray, int]:
    """The account updates among `messages` as one structured array, decoded in C without a
    Python object per update; returns (array, number of undecodable messages)."""
    if sys.byteorder != "little" or data_bytes < 1:
        raise InvalidArgumentError("little-endian hosts and data_bytes >= 1 only")
    out = np.zeros(len(messages), account_dtype(data_bytes))
    written, bad = _feed.decode_accounts_into(messages, out, data_bytes)
    return out[:written], bad


class RingSource:
    """Messages from a plugin's ``ring://NAME`` sink (the bot creates the Ring, the plugin
    attaches as producer). ``spin`` is how long a wait busy-polls before sleeping (see
    :meth:`Ring.set_spin`): give a bot pinned to its own core a long spin to save the tens of µs a
    wake-up costs. A ring lives in memory: a message is consumed when it is taken, so updates
    still waiting for their slot when the bot stops are not read again by the next one."""

    def __init__(self, name: str, *, spin: float = 50e-6):
        self.ring = Ring.attach(name, role="consumer")
        self.ring.set_spin(spin)
        self._offset = 0

    def poll(self, max_n: int, timeout: float) -> list[tuple[object, int, bytes]]:
        got = self.ring.pop_many(max_n)
        if not got and timeout > 0:
            one = self.ring.pop_wait(timeout)
            got = [one] if one is not None else []
        start, self._offset = self._offset, self._offset + len(got)
        return [("ring", start + i, m) for i, m in enumerate(got)]

    def commit(self, positions: dict):
        pass  # pop already consumed them

    def close(self):
        self.ring.close()


class KafkaSource:
    """Messages from Kafka with confluent-kafka, with their (topic, partition) and offset. The
    feed commits each partition up to the first message it has not yet delivered or dropped; on a
    rebalance that is committed before partitions go. ``partitions`` assigns explicitly (no
    consumer-group join wait): ``(topic, partition)`` resumes at the group's committed offset
    (the earliest if none), ``(topic, partition, offset)`` starts at `offset`. Else ``topics``
    subscribes."""

    def __init__(self, bootstrap: str, *, topics: Sequence[str] = (), partitions=None,
                 group: str = "mevlib-feed", settings: dict | None = None):
        kafka = require("confluent_kafka", "feed", "KafkaSource")
        OFFSET_STORED, Consumer, TopicPartition = kafka.OFFSET_STORED, kafka.Consumer, kafka.TopicPartition

        if not topics and not partitions:
            raise InvalidArgumentError("topics to subscribe to, or partitions to assign")
        # fetch.wait.max.ms: a broker that answers a fetch only when its wait runs out (Tansu does;
        # Kafka answers as soon as data arrives) would otherwise add up to librdkafka's 500 ms.
        conf = {"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                "auto.offset.reset": "earliest", "fetch.wait.max.ms": 2, **(settings or {})}
        self.consumer = Consumer(conf)
        self._tp = TopicPartition
        self._done: dict[tuple[str, int], int] = {}  # what the feed has finished, not yet committed
        if partitions:
            self.consumer.assign([TopicPartition(t, p, rest[0] if rest else OFFSET_STORED)
                                  for t, p, *rest in partitions])
        else:
            self.consumer.subscribe(list(topics), on_revoke=self._on_revoke)
        self.errors = 0

    def _on_revoke(self, consumer, partitions):
        self._commit_done()

    def poll(self, max_n: int, timeout: float) -> list[tuple[object, int, bytes]]:
        # consume(n, timeout) waits for n messages or the whole timeout, whichever comes first:
        # take what is there, else wait for one message and whatever arrived with it.
        msgs = self.consumer.consume(max_n, timeout=0)
        if not msgs and timeout > 0:
            first = self.consumer.poll(timeout)
            if first is not None:
                msgs = [first] + (self.consumer.consume(max_n - 1, timeout=0) if max_n > 1 else [])
        out = []
        for msg in msgs:
            if msg.error():
                self.errors += 1
                continue
            out.append(((msg.topic(), msg.partition()), msg.offset(), msg.value()))
        return out

    def commit(self, positions: dict):
        """positions: (topic, partition) -> the first offset not yet finished."""
        self._done.update(positions)
        self._commit_done()

    def _commit_done(self):
        if not self._done:
            return
        offsets = [self._tp(t, p, o) for (t, p), o in self._done.items()]
        try:
            self.consumer.commit(offsets=offsets, asynchronous=False)
            self._done.clear()
        except Exception:  # a rebalance in progress, or the broker away: the next batch retries
            self.errors += 1

    def close(self):
        self._commit_done()
        self.consumer.close()


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
    __slots__ = ("offset", "event", "raw", "deliver", "decided")

    def __init__(self, offset, event, raw):
        self.offset, self.event, self.raw = offset, event, raw
        self.decided = self.deliver = False


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
        for key, offset, raw in self.source.poll(max_n, timeout):
            self.stats.messages += 1
            self._next_offset[key] = offset + 1
            entry = _Entry(offset, decode(raw), raw)
            queue = self._partitions.get(key)
            if queue is None:
                queue = self._partitions[key] = collections.deque()
            queue.append(entry)
            self.stats.buffered_bytes += len(raw)  # until handed out: waiting or behind a wait
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
            self.stats.buffered_bytes -= len(entry.raw)
            if entry.deliver:
                self._deliver(entry.event, entry.raw, out)

    def _deliver(self, event, raw: bytes, out: list):
        out.append(event)
        self.stats.delivered += 1
        hook = self.on_account if isinstance(event, AccountUpdate) else self.on_slot
        if hook is not None:
            try:
                hook(event)
            except Exception:  # a hook's failure is counted, never stops the feed
                self.stats.hook_errors += 1
        if self.out_ring is not None:
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
