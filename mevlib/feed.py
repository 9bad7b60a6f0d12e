"""Pool deltas from the kafka-delta Geyser plugin, over Kafka or a shared-memory ring.

``Feed(source, commitment=...)`` decodes each message in C and hands updates to hooks (or back
from :meth:`Feed.poll`). With ``commitment="processed"`` an update is delivered at once; with
``"confirmed"`` or ``"rooted"`` a slot's updates wait until that slot reaches the level and are
dropped if it is reported dead. Buffered updates are bounded in bytes: past the bound the oldest
slot's updates are dropped and counted. Undecodable messages are counted and skipped.
"""
from __future__ import annotations

import dataclasses
import sys
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
    attaches as producer). A message is committed when it is taken. ``spin`` is how long a wait
    busy-polls before sleeping (see :meth:`Ring.set_spin`): give a bot pinned to its own core a
    long spin to save the tens of µs a wake-up costs."""

    def __init__(self, name: str, *, spin: float = 50e-6):
        self.ring = Ring.attach(name, role="consumer")
        self.ring.set_spin(spin)

    def poll(self, max_n: int, timeout: float) -> list[bytes]:
        got = self.ring.pop_many(max_n)
        if not got and timeout > 0:
            one = self.ring.pop_wait(timeout)
            got = [one] if one is not None else []
        return got

    def commit(self):
        pass  # pop already commits

    def close(self):
        self.ring.close()


class KafkaSource:
    """Messages from Kafka with confluent-kafka. Offsets are committed after the feed has handled
    a batch (at-least-once); on a rebalance what was handled is committed before partitions go.
    ``partitions`` assigns explicitly (no consumer-group join wait); else ``topics`` subscribes."""

    def __init__(self, bootstrap: str, *, topics: Sequence[str] = (), partitions=None,
                 group: str = "mevlib-feed", settings: dict | None = None):
        from confluent_kafka import Consumer, TopicPartition

        if not topics and not partitions:
            raise InvalidArgumentError("topics to subscribe to, or partitions to assign")
        # fetch.wait.max.ms: a broker that answers a fetch only when its wait runs out (Tansu does;
        # Kafka answers as soon as data arrives) would otherwise add up to librdkafka's 500 ms.
        conf = {"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                "auto.offset.reset": "earliest", "fetch.wait.max.ms": 2, **(settings or {})}
        self.consumer = Consumer(conf)
        self._pending = False
        if partitions:
            self.consumer.assign([TopicPartition(t, p, o) for t, p, o in partitions])
        else:
            self.consumer.subscribe(list(topics), on_revoke=self._on_revoke)
        self.errors = 0

    def _on_revoke(self, consumer, partitions):
        self.commit()

    def poll(self, max_n: int, timeout: float) -> list[bytes]:
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
            out.append(msg.value())
        self._pending = self._pending or bool(out)
        return out

    def commit(self):
        if self._pending:
            try:
                self.consumer.commit(asynchronous=False)
            except Exception:  # nothing to commit yet, or a rebalance in progress: next batch retries
                self.errors += 1
            self._pending = False

    def close(self):
        self.commit()
        self.consumer.close()


@dataclasses.dataclass
class FeedStats:
    messages: int = 0
    undecodable: int = 0
    delivered: int = 0
    buffered_bytes: int = 0
    dropped_dead: int = 0      # updates of slots reported dead
    dropped_overflow: int = 0  # updates evicted by the buffer bound
    hook_errors: int = 0


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
        self._held: dict[int, list[tuple[AccountUpdate, bytes]]] = {}

    def poll(self, max_n: int = 1024, timeout: float = 0.1) -> list[AccountUpdate | SlotUpdate]:
        """Takes up to max_n messages and returns what became deliverable (also given to hooks)."""
        out = []
        for raw in self.source.poll(max_n, timeout):
            self.stats.messages += 1
            event = decode(raw)
            if event is None:
                self.stats.undecodable += 1
            elif isinstance(event, SlotUpdate):
                self._slot(event, raw, out)
            elif self.commitment == "processed":
                self._deliver(event, raw, out)
            else:
                self._hold(event, raw)
        self.source.commit()
        return out

    def _hold(self, event: AccountUpdate, raw: bytes):
        self._held.setdefault(event.slot, []).append((event, raw))
        self.stats.buffered_bytes += len(raw)
        while self.stats.buffered_bytes > self.max_buffered_bytes and self._held:
            oldest = min(self._held)
            dropped = self._held.pop(oldest)
            self.stats.dropped_overflow += len(dropped)
            self.stats.buffered_bytes -= sum(len(r) for _, r in dropped)

    def _slot(self, event: SlotUpdate, raw: bytes, out: list):
        if self.commitment != "processed":
            if event.status == DEAD:
                dropped = self._held.pop(event.slot, [])
                self.stats.dropped_dead += len(dropped)
                self.stats.buffered_bytes -= sum(len(r) for _, r in dropped)
            elif event.status in _REACHES[self.commitment]:
                for update, update_raw in self._held.pop(event.slot, []):
                    self.stats.buffered_bytes -= len(update_raw)
                    self._deliver(update, update_raw, out)
        self._deliver(event, raw, out)

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

    def close(self):
        self.source.close()
