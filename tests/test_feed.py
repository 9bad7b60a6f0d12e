"""mevlib.feed: the C decoder against the official protobuf runtime, garbage never crashes it,
commitment-aware delivery (hold, release, drop dead slots, bounded memory), and the plugin core
feeding a bot through a ring and through Kafka."""
import collections
import os
import time
import uuid

import pytest
from geyser_proto import Event
from hypothesis import given, settings
from hypothesis import strategies as st
from solders.pubkey import Pubkey

import mevlib
from mevlib import feed
from mevlib.feed import CONFIRMED, DEAD, PROCESSED, ROOTED, AccountUpdate, Feed, KafkaSource, RingSource, SlotUpdate


def account_msg(slot, pubkey=None, data=b"\x01" * 165, seq=0, sig=None):
    ev = Event()
    a = ev.account
    a.pubkey = pubkey or bytes(Pubkey.new_unique())
    a.owner = bytes(32)
    a.lamports, a.data, a.slot, a.write_version, a.sequence = 2_039_280, data, slot, (2**50 + slot) % 2**64, seq
    if sig:
        a.txn_signature = sig
    return ev.SerializeToString()


def slot_msg(slot, status, parent=None, error=""):
    ev = Event()
    ev.slot.slot, ev.slot.status, ev.slot.dead_error = slot, status, error
    if parent is not None:
        ev.slot.parent = parent
    return ev.SerializeToString()


u64 = st.integers(0, 2**64 - 1)


@settings(max_examples=200, deadline=None)
@given(pubkey=st.binary(min_size=32, max_size=32), data=st.binary(max_size=600), slot=u64, seq=u64,
       sig=st.one_of(st.none(), st.binary(min_size=64, max_size=64)))
def test_decoder_agrees_with_the_official_runtime(pubkey, data, slot, seq, sig):
    got = feed.decode(account_msg(slot, pubkey, data, seq, sig))
    assert isinstance(got, AccountUpdate)
    assert (got.pubkey, got.data, got.slot, got.sequence, got.txn_signature) == (pubkey, data, slot, seq, sig)
    assert got.write_version == (2**50 + slot) % 2**64 and got.owner == bytes(32)
    s = feed.decode(slot_msg(slot, DEAD, parent=0, error="fork"))
    assert s == SlotUpdate(slot, 0, DEAD, "fork", 0)
    assert feed.decode(slot_msg(slot, ROOTED)).parent is None


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=300))
def test_garbage_never_crashes(blob):
    result = feed.decode(blob)
    assert result is None or isinstance(result, (AccountUpdate, SlotUpdate))


def test_truncations_are_refused():
    msg = account_msg(5)
    assert all(feed.decode(msg[:cut]) is None for cut in range(1, len(msg)))
    with pytest.raises(mevlib.InvalidTypeError):
        feed.decode("text")


class ListSource:
    """Hands the feed prepared messages, in batches, as one partition (or as the partitions given:
    `messages` may hold (partition, message) pairs). Records what the feed commits."""

    def __init__(self, messages):
        self.messages = list(messages)
        self.commits = 0
        self.committed = {}
        self.offsets = collections.Counter()

    def poll(self, max_n, timeout):
        batch, self.messages = self.messages[:max_n], self.messages[max_n:]
        out = []
        for m in batch:
            key, raw = m if isinstance(m, tuple) else ("p0", m)
            out.append((key, self.offsets[key], raw))
            self.offsets[key] += 1
        return out

    def commit(self, positions):
        self.commits += 1
        self.committed.update(positions)

    def close(self):
        pass


def test_processed_delivers_at_once_and_counts_garbage():
    got = []
    f = Feed(ListSource([account_msg(1), b"\xff\xff", account_msg(2), slot_msg(1, PROCESSED)]), on_account=got.append)
    out = f.poll()
    assert [type(e) for e in out] == [AccountUpdate, AccountUpdate, SlotUpdate] and len(got) == 2
    assert (f.stats.messages, f.stats.undecodable, f.stats.delivered) == (4, 1, 3)
    assert f.source.commits == 1


@pytest.mark.parametrize("commitment, release", [("confirmed", CONFIRMED), ("confirmed", ROOTED), ("rooted", ROOTED)])
def test_held_until_the_slot_reaches_the_commitment(commitment, release):
    f = Feed(ListSource([]), commitment=commitment)
    f.source.messages = [account_msg(10), account_msg(10), account_msg(11), slot_msg(10, PROCESSED)]
    assert [type(e) for e in f.poll()] == [SlotUpdate]  # the accounts wait
    assert f.stats.buffered_bytes > 0
    f.source.messages = [slot_msg(10, release)]
    out = f.poll()
    assert [e.slot for e in out if isinstance(e, AccountUpdate)] == [10, 10]
    f.source.messages = [slot_msg(11, DEAD, error="fork")]
    out = f.poll()
    assert not [e for e in out if isinstance(e, AccountUpdate)]
    assert f.stats.dropped_dead == 1 and f.stats.buffered_bytes == 0


def test_confirmed_is_not_enough_for_rooted():
    f = Feed(ListSource([account_msg(3), slot_msg(3, CONFIRMED)]), commitment="rooted")
    assert not [e for e in f.poll() if isinstance(e, AccountUpdate)]


def test_buffer_is_bounded():
    msgs = [account_msg(slot) for slot in range(100)]
    bound = 20 * max(len(m) for m in msgs)
    # a partition each, so no update waits behind another's slot
    f = Feed(ListSource([(f"p{i}", m) for i, m in enumerate(msgs)]), commitment="confirmed",
             max_buffered_bytes=bound)
    f.poll(max_n=1000)
    assert f.stats.buffered_bytes <= bound and 75 <= f.stats.dropped_overflow <= 80  # oldest first
    f.source.messages = [slot_msg(99, CONFIRMED), slot_msg(5, CONFIRMED)]
    out = f.poll()
    assert [e.slot for e in out if isinstance(e, AccountUpdate)] == [99]  # slot 5 was evicted


def test_a_partition_is_handed_out_in_order_and_committed_up_to_its_first_undecided():
    f = Feed(ListSource([account_msg(5, seq=1), account_msg(6, seq=2), b"junk", account_msg(6, seq=3)]),
             commitment="confirmed")
    assert f.poll() == [] and f.source.committed == {"p0": 0}
    f.source.messages = [slot_msg(6, CONFIRMED)]  # slot 6 is decided, but waits behind slot 5
    assert [e.slot for e in f.poll() if isinstance(e, AccountUpdate)] == []
    assert f.source.committed == {"p0": 0}
    f.source.messages = [slot_msg(5, CONFIRMED)]
    out = [e.sequence for e in f.poll() if isinstance(e, AccountUpdate)]
    assert out == [1, 2, 3] and f.source.committed == {"p0": 6}


def test_the_bound_counts_what_waits_behind_a_wait():
    """Decided updates held back behind an undecided one count against the bound too: past it
    the waiting slot is dropped (counted) and what it held back goes out."""
    msgs = [account_msg(5, seq=1)] + [account_msg(6, seq=2 + i) for i in range(40)]
    got = []
    f = Feed(ListSource([slot_msg(6, CONFIRMED)] + msgs), commitment="confirmed",
             max_buffered_bytes=10 * len(msgs[1]), on_account=got.append)
    f.poll(max_n=1000)
    assert f.stats.dropped_overflow == 1 and [u.sequence for u in got] == list(range(2, 42))
    assert f.stats.buffered_bytes == 0


def test_fates_known_before_the_update_arrives():
    """Statuses on one partition, updates on another, in every order: an update whose slot is
    already confirmed, dead or abandoned (at or below the root, never confirmed) is decided at
    once, never parked until the memory bound evicts it."""
    got = []
    f = Feed(ListSource([("s", slot_msg(7, CONFIRMED)), ("s", slot_msg(8, DEAD)),
                         ("s", slot_msg(20, ROOTED))]), commitment="confirmed", on_account=got.append)
    f.poll()
    f.source.messages = [("u", account_msg(7, seq=1)), ("u", account_msg(8, seq=2)),
                         ("u", account_msg(9, seq=3)), ("u", account_msg(21, seq=4))]
    f.poll()
    assert [u.slot for u in got] == [7]
    assert (f.stats.dropped_dead, f.stats.dropped_abandoned) == (1, 1)
    assert f.stats.buffered_bytes > 0 and f.source.committed["u"] == 3  # slot 21 waits
    f.source.messages = [("s", slot_msg(21, ROOTED))]  # rooted is confirmed too
    f.poll()
    assert [u.slot for u in got] == [7, 21] and f.stats.buffered_bytes == 0
    assert f.source.committed == {"s": 4, "u": 4}


def test_statuses_from_every_partition_are_delivered_once_and_gaps_counted():
    slots = []
    f = Feed(ListSource([("a", slot_msg(3, CONFIRMED)), ("b", slot_msg(3, CONFIRMED))]), on_slot=slots.append)
    f.poll()
    assert len(slots) == 1 and f.stats.duplicate_statuses == 1
    f.source.messages = [("a", account_msg(1, seq=s)) for s in (1, 2, 5, 6, 1)]
    f.poll()
    assert (f.stats.sequence_gaps, f.stats.sequence_resets) == (2, 1)


def test_a_raising_hook_does_not_stop_the_feed():
    def bad(update):
        raise RuntimeError("strategy bug")

    f = Feed(ListSource([account_msg(1), account_msg(2)]), on_account=bad)
    assert len(f.poll()) == 2 and f.stats.hook_errors == 2


def test_bad_commitment():
    with pytest.raises(mevlib.InvalidArgumentError):
        Feed(ListSource([]), commitment="finalized")


# ---- the plugin core feeding a bot ------------------------------------------------------------

def test_plugin_to_feed_through_a_ring(tmp_path, ring_name):
    from test_geyser_core import account, ffi, load_lib, plugin

    lib = load_lib()
    name = ring_name
    ring = mevlib.Ring(1 << 20, name=name)
    try:
        p, err = plugin(lib, tmp_path, {"sink": f"ring://{name}", "filters": [{"data_sizes": [165]}]})
        assert p != ffi.NULL, err
        keys = [bytes(Pubkey.new_unique()) for _ in range(100)]
        for i, k in enumerate(keys):
            a, keep = account(k, bytes(32), i.to_bytes(2, "little") * 82 + b"\0", slot=7)
            lib.mevgk_update_account(p, a)
        s = ffi.new("mevgk_slot *", {"slot": 7, "status": CONFIRMED})
        lib.mevgk_update_slot(p, s)
        seen = []
        f = Feed(RingSource(name), commitment="confirmed", on_account=seen.append)
        f.poll(max_n=1000, timeout=1.0)
        assert [u.pubkey for u in seen] == keys
        assert [u.sequence for u in seen] == list(range(1, 101))
        lib.mevgk_free(p)
        f.close()
    finally:
        ring.close()


def produce_to_new_topic(bootstrap, messages) -> str:
    """A fresh one-partition topic holding `messages`; returns its name."""
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    topic = f"feed-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for fut in admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)]).values():
        fut.result(30)
    prod = Producer({"bootstrap.servers": bootstrap})
    for m in messages:
        prod.produce(topic, m)
    prod.flush(30)
    return topic


def test_kafka_source(kafka_bootstrap):
    msgs = [account_msg(1, seq=i) for i in range(200)] + [b"garbage", slot_msg(1, CONFIRMED)]
    topic = produce_to_new_topic(kafka_bootstrap, msgs)
    got = []
    f = Feed(KafkaSource(kafka_bootstrap, partitions=[(topic, 0, 0)]), commitment="confirmed", on_account=got.append)
    for _ in range(40):
        f.poll(max_n=500, timeout=0.5)
        if len(got) == 200:
            break
    f.close()
    assert [u.sequence for u in got] == list(range(200))
    assert f.stats.undecodable == 1


def test_kafka_poll_returns_what_is_there_without_waiting_out_its_timeout(kafka_bootstrap):
    topic = produce_to_new_topic(kafka_bootstrap, [account_msg(1, seq=i) for i in range(3)])
    f = Feed(KafkaSource(kafka_bootstrap, partitions=[(topic, 0, 0)]))
    got, start = [], time.monotonic()
    while len(got) < 3 and time.monotonic() - start < 60:
        got += f.poll(max_n=1000, timeout=30)  # asks for far more than there is
    f.close()
    assert [u.sequence for u in got] == [0, 1, 2]
    assert time.monotonic() - start < 25  # not one full 30 s timeout per poll


def test_decode_accounts_to_a_structured_array():
    keys = [bytes(Pubkey.new_unique()) for _ in range(50)]
    msgs = [account_msg(i, keys[i], bytes([i]) * (100 + i), seq=i, sig=bytes(64) if i % 7 == 0 else None)
            for i in range(50)]
    msgs.insert(10, slot_msg(3, CONFIRMED))
    msgs.insert(20, b"\x00garbage")
    arr, bad = feed.decode_accounts(msgs, data_bytes=120)
    assert len(arr) == 50 and bad == 1
    for i, rec in enumerate(arr):
        assert bytes(rec["pubkey"]) == keys[i] and rec["slot"] == i and rec["sequence"] == i
        assert rec["data_len"] == 100 + i and bytes(rec["data"])[: min(100 + i, 120)] == bytes([i]) * min(100 + i, 120)
        assert rec["has_signature"] == (i % 7 == 0)
    assert feed.decode_accounts([], data_bytes=8)[0].shape == (0,)


# ---- nothing lost or repeated across a restart, on a real broker ----------------------------

def new_topic(bootstrap, partitions):
    from confluent_kafka.admin import AdminClient, NewTopic

    topic = f"feed-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for fut in admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)]).values():
        fut.result(30)
    return topic


def produce(bootstrap, topic, pairs):
    """(partition, message) pairs, in order."""
    from confluent_kafka import Producer

    prod = Producer({"bootstrap.servers": bootstrap})
    for part, m in pairs:
        prod.produce(topic, m, partition=part)
    assert prod.flush(30) == 0


def _consume_until_killed(bootstrap, topic, group, fd):
    def report(u):
        os.write(fd, b"u%d\n" % u.sequence)

    f = Feed(KafkaSource(bootstrap, partitions=[(topic, 0), (topic, 1)], group=group),
             commitment="confirmed", on_account=report)
    while True:
        f.poll(max_n=100, timeout=0.2)
        os.write(fd, b"polled\n")  # poll() returns after it has committed


def test_killed_before_confirmation_then_restarted_delivers_each_update_once(kafka_bootstrap):
    import multiprocessing
    import signal

    topic, group = new_topic(kafka_bootstrap, 2), f"g-{uuid.uuid4().hex[:6]}"
    # statuses on partition 0, updates on partition 1
    produce(kafka_bootstrap, topic, [(1, account_msg(4, seq=s)) for s in (1, 2, 3)] +
            [(0, slot_msg(4, CONFIRMED))] + [(1, account_msg(5, seq=s)) for s in (4, 5, 6)])
    rfd, wfd = os.pipe()
    child = multiprocessing.get_context("fork").Process(
        target=_consume_until_killed, args=(kafka_bootstrap, topic, group, wfd))
    child.start()
    os.close(wfd)
    first, lines = [], os.fdopen(rfd)
    for line in lines:  # until slot 4's updates are out and the poll that handed them committed
        if line.startswith("u"):
            first.append(int(line[1:]))
        elif first == [1, 2, 3]:
            break
    os.kill(child.pid, signal.SIGKILL)  # slot 5's updates are read and waiting for confirmation
    child.join()
    lines.close()
    assert first == [1, 2, 3]
    produce(kafka_bootstrap, topic, [(1, account_msg(6, seq=7)), (0, slot_msg(5, CONFIRMED)),
                                     (0, slot_msg(6, DEAD, error="fork"))])
    second = []
    f = Feed(KafkaSource(kafka_bootstrap, partitions=[(topic, 0), (topic, 1)], group=group),
             commitment="confirmed", on_account=lambda u: second.append(u.sequence))
    deadline = time.monotonic() + 30
    while len(second) < 3 and time.monotonic() < deadline:
        f.poll(max_n=100, timeout=0.2)
    for _ in range(5):  # anything more would be a repeat, or slot 6's
        f.poll(max_n=100, timeout=0.1)
    f.close()
    assert second == [4, 5, 6]  # each once; the dead slot's never
    assert f.stats.dropped_dead == 1


def test_the_documented_set_up_delivers_under_confirmed(tmp_path, kafka_bootstrap):
    """docs/geyser.md: the plugin into a topic of several partitions, a bot reading one of them.
    Statuses reach that partition too (the plugin writes each to every partition), so its
    updates are released; each partition's sequence has no gap."""
    from test_geyser_core import account, ffi, load_lib, plugin

    lib = load_lib()
    topic = new_topic(kafka_bootstrap, 3)
    p, err = plugin(lib, tmp_path, {"sink": "kafka", "kafka": {"bootstrap.servers": kafka_bootstrap},
                                    "topic": topic, "filters": [{"data_sizes": [165]}]})
    assert p != ffi.NULL, err
    keys = [bytes(Pubkey.new_unique()) for _ in range(60)]
    for i, k in enumerate(keys):
        a, keep = account(k, bytes(32), bytes(165), slot=100 + i % 2)
        assert lib.mevgk_update_account(p, a) == 1
    for slot, status in ((100, CONFIRMED), (101, DEAD)):
        assert lib.mevgk_update_slot(p, ffi.new("mevgk_slot *", {"slot": slot, "status": status})) == 1
    lib.mevgk_free(p)
    by_partition = []
    for part in range(3):
        got = []
        f = Feed(KafkaSource(kafka_bootstrap, partitions=[(topic, part)], group=f"g{part}-{topic}"),
                 commitment="confirmed", on_account=got.append)
        start = quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < 1.0:  # until a second passes with nothing new
            before = f.stats.messages
            f.poll(max_n=500, timeout=0.2)
            if f.stats.messages != before or (before == 0 and time.monotonic() - start < 20):
                quiet_since = time.monotonic()
        f.close()
        assert all(u.slot == 100 for u in got) and f.stats.sequence_gaps == 0
        assert f.stats.buffered_bytes == 0  # slot 101's were dropped as dead, none left waiting
        by_partition.append({u.pubkey for u in got})
    assert set().union(*by_partition) == {k for i, k in enumerate(keys) if i % 2 == 0}
    assert all(by_partition)  # murmur2 of 60 keys fills each of 3 partitions


# ---- field numbers and groups as the protobuf runtime reads them --------------------------

def _varint(v):
    out = bytearray()
    while True:
        b, v = v & 0x7F, v >> 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def _tag(num, wire):
    return _varint(num << 3 | wire)


def _ld(num, payload):
    return _tag(num, 2) + _varint(len(payload)) + payload


def _group(num, body):
    return _tag(num, 3) + body + _tag(num, 4)


def _runtime(blob):
    """What the official runtime makes of it: the parsed Event, or None if it refuses."""
    from google.protobuf.message import DecodeError

    try:
        return Event.FromString(blob)
    except DecodeError:
        return None


def _inside_account(extra, slot=9):
    """An Event whose AccountUpdate carries `extra` after its own fields."""
    inner = Event.FromString(account_msg(slot)).account.SerializeToString()
    return _ld(1, inner + extra)


@pytest.mark.parametrize("extra, accepted", [
    (_tag(2**29 - 1, 0) + _varint(5), True),          # the largest field number
    (_tag(2**29, 0) + _varint(5), False),             # past it: the runtime refuses the message
    (_tag(2**32 + 3, 0) + _varint(5), False),
    (_group(15, _tag(1, 0) + _varint(7) + _ld(2, b"xyz")), True),  # an unknown group: skipped
    (_group(15, _group(16, _tag(1, 5) + b"abcd") + _tag(3, 1) + b"12345678"), True),  # nested
    (_group(15, b"") , True),
    (_tag(15, 3) + _tag(1, 0) + _varint(1) + _tag(16, 4), False),  # ends another group
    (_tag(15, 3) + _tag(1, 0) + _varint(1), False),   # never ends
    (_tag(15, 4), False),                              # ends a group never started
    (_tag(15, 6) + b"\0", False), (_tag(15, 7) + b"\0", False),  # no such wire types
])
def test_unknown_fields_as_the_runtime_reads_them(extra, accepted):
    blob = _inside_account(extra)
    assert (_runtime(blob) is not None) == accepted  # the oracle agrees with the case
    got = feed.decode(blob)
    assert (got is not None) == accepted
    if accepted:
        assert got.slot == 9 and got.pubkey == _runtime(blob).account.pubkey
    # and the same at the top level of the Event
    top = account_msg(9) + extra
    assert (feed.decode(top) is not None) == (_runtime(top) is not None)


def test_deeply_nested_groups_are_refused_not_recursed():
    depth = 200  # the runtime's own limit is 100 levels
    blob = _inside_account(b"".join(_tag(15, 3) for _ in range(depth)) + b"".join(_tag(15, 4) for _ in range(depth)))
    assert _runtime(blob) is None and feed.decode(blob) is None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 2**29 + 5), st.sampled_from([0, 1, 2, 5, 3])), max_size=6))
def test_random_unknown_fields_agree_with_the_runtime(fields):
    extra = b""
    for num, wire in fields:
        if num <= 11:
            num += 100  # unknown to AccountUpdate
        extra += {0: _tag(num, 0) + _varint(num), 1: _tag(num, 1) + b"8bytes!!", 2: _ld(num, b"ld"),
                  5: _tag(num, 5) + b"4byt", 3: _group(num, _tag(1, 0) + _varint(1))}[wire]
    blob = _inside_account(extra)
    assert (feed.decode(blob) is not None) == (_runtime(blob) is not None)


def test_adversarial_order_on_a_real_broker(kafka_bootstrap):
    """Statuses on one partition written before the updates they decide, on another."""
    topic = new_topic(kafka_bootstrap, 2)
    produce(kafka_bootstrap, topic, [(0, slot_msg(7, CONFIRMED)), (0, slot_msg(8, DEAD)), (0, slot_msg(20, ROOTED)),
                                     (1, account_msg(7, seq=1)), (1, account_msg(8, seq=2)),
                                     (1, account_msg(9, seq=3)), (1, account_msg(21, seq=4)),
                                     (0, slot_msg(21, ROOTED))])
    got = []
    f = Feed(KafkaSource(kafka_bootstrap, partitions=[(topic, 1), (topic, 0)], group=f"g-{topic}"),
             commitment="confirmed", on_account=got.append)
    deadline = time.monotonic() + 30
    while f.stats.messages < 8 and time.monotonic() < deadline:
        f.poll(max_n=100, timeout=0.2)
    f.close()
    assert [u.slot for u in got] == [7, 21]
    assert (f.stats.dropped_dead, f.stats.dropped_abandoned, f.stats.buffered_bytes) == (1, 1, 0)
