"""Pool deltas as AccountUpdate / SlotUpdate objects, from the kafka-delta Geyser plugin (over a
shared-memory ring, `ring.py`, or Kafka, `kafka.py`), or for a bot without a validator from a
Yellowstone gRPC endpoint (`yellowstone.py`) or an RPC node's PubSub websocket (`pubsub.py`).

``Feed(source, commitment=...)`` decodes each plugin message in C (a PubSub source hands over
decoded events) and hands updates to hooks (or back from :meth:`Feed.poll`). With ``commitment="processed"`` an update is delivered at once. With
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
from mevlib.feed.core import (COMPLETED, CONFIRMED, CREATED_BANK, DEAD, FIRST_SHRED_RECEIVED, PROCESSED, ROOTED,
                              AccountUpdate, Feed, FeedStats, SlotUpdate, account_dtype, decode, decode_accounts)
from mevlib.feed.kafka import KafkaSource
from mevlib.feed.pubsub import PubSubError, PubSubSource, SignatureUpdate
from mevlib.feed.ring import RingSource
from mevlib.feed.yellowstone import TransactionUpdate, YellowstoneError, YellowstoneSource

__all__ = ["AccountUpdate", "COMPLETED", "CONFIRMED", "CREATED_BANK", "DEAD", "FIRST_SHRED_RECEIVED", "Feed",
           "FeedStats", "KafkaSource", "PROCESSED", "PubSubError", "PubSubSource", "ROOTED", "RingSource",
           "SignatureUpdate", "SlotUpdate", "TransactionUpdate", "YellowstoneError", "YellowstoneSource",
           "account_dtype", "decode", "decode_accounts"]
