"""Plugin messages from Kafka (confluent-kafka, the ``feed`` extra)."""
from __future__ import annotations

from collections.abc import Sequence

from mevlib._extras import require
from mevlib.errors import InvalidArgumentError


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
