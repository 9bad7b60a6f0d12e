"""The Geyser plugin's C core, driven through cffi as the Rust shim will drive it: what it encodes,
the official protobuf runtime decodes field for field; the ring:// sink delivers in order with
unique sequences from concurrent validator threads; a full sink drops and counts; bad configs are
refused with the offending key named."""
import json
import os
import sys
import threading
import time
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from solders.pubkey import Pubkey

import mevlib
from mevlib.sim.plugin import ffi, load_lib


@pytest.fixture(scope="module")
def lib():
    return load_lib()


from geyser_proto import Event  # noqa: E402

u64 = st.integers(0, 2**64 - 1)


@settings(max_examples=300, deadline=None)
@given(pubkey=st.binary(min_size=32, max_size=32), owner=st.binary(min_size=32, max_size=32),
       lamports=u64, data=st.binary(max_size=1000), slot=u64, wv=u64, seq=u64, rent=u64,
       sig=st.one_of(st.none(), st.binary(min_size=64, max_size=64)), startup=st.booleans(),
       executable=st.booleans())
def test_account_events_decode_with_the_official_runtime(lib, pubkey, owner, lamports, data, slot, wv,
                                                         seq, rent, sig, startup, executable):
    keep = [ffi.from_buffer(pubkey), ffi.from_buffer(owner), ffi.from_buffer(data),
            ffi.from_buffer(sig) if sig else ffi.NULL]
    acc = ffi.new("mevgk_account *", {
        "pubkey": keep[0], "owner": keep[1], "lamports": lamports, "data": keep[2], "data_len": len(data),
        "slot": slot, "write_version": wv, "txn_signature": keep[3], "is_startup": startup,
        "sequence": seq, "executable": executable, "rent_epoch": rent})
    cap = lib.mevgk_account_event_max(len(data))
    buf = ffi.new("uint8_t[]", cap)
    n = lib.mevgk_encode_account_event(acc, buf, cap)
    assert 0 < n <= cap
    ev = Event.FromString(bytes(ffi.buffer(buf, n)))
    a = ev.account
    assert ev.WhichOneof("event") == "account"
    assert (a.pubkey, a.owner, a.lamports, a.data, a.slot, a.write_version) == (pubkey, owner, lamports, data, slot, wv)
    assert (a.txn_signature, a.is_startup, a.sequence, a.executable, a.rent_epoch) == (sig or b"", startup, seq, executable, rent)
    assert lib.mevgk_encode_account_event(acc, buf, n - 1) == -1


@settings(max_examples=100, deadline=None)
@given(slot=u64, parent=st.one_of(st.none(), u64), status=st.integers(0, 6),
       err=st.text(max_size=40).filter(lambda s: "\x00" not in s), seq=u64)
def test_slot_events_decode_with_the_official_runtime(lib, slot, parent, status, err, seq):
    err_c = ffi.new("char[]", err.encode())
    s = ffi.new("mevgk_slot *", {"slot": slot, "has_parent": parent is not None, "parent": parent or 0,
                                 "status": status, "dead_error": err_c, "sequence": seq})
    buf = ffi.new("uint8_t[]", 256)
    n = lib.mevgk_encode_slot_event(s, buf, 256)
    ev = Event.FromString(bytes(ffi.buffer(buf, n)))
    assert ev.WhichOneof("event") == "slot"
    assert (ev.slot.slot, ev.slot.status, ev.slot.dead_error, ev.slot.sequence) == (slot, status, err, seq)
    assert ev.slot.HasField("parent") == (parent is not None)
    if parent is not None:
        assert ev.slot.parent == parent


# ---- the plugin ABI with a ring:// sink -----------------------------------------------------



def plugin(lib, tmp_path, config):
    path = tmp_path / "kafka-delta.json"
    path.write_text(json.dumps(config))
    err = ffi.new("char[]", 512)
    p = lib.mevgk_new(str(path).encode(), err, 512)
    return p, ffi.string(err).decode()


def account(pubkey, owner, data, slot=1, startup=False):
    keep = [ffi.from_buffer(pubkey), ffi.from_buffer(owner), ffi.from_buffer(data)]
    a = ffi.new("mevgk_account *", {"pubkey": keep[0], "owner": keep[1], "lamports": 2_039_280,
                                     "data": keep[2], "data_len": len(data), "slot": slot,
                                     "write_version": 2**40 + slot, "is_startup": startup})
    return a, keep


def test_ring_sink_end_to_end(lib, tmp_path, ring_name):
    owner, other = bytes(Pubkey.new_unique()), bytes(Pubkey.new_unique())
    watched = bytes(Pubkey.new_unique())
    ring = mevlib.Ring(1 << 20, name=ring_name)
    p, err = plugin(lib, tmp_path, {"sink": f"ring://{ring_name}", "filters": [
        {"owners": [str(Pubkey.from_bytes(owner))], "data_sizes": [165]},
        {"accounts": [str(Pubkey.from_bytes(watched))]}]})
    assert p != ffi.NULL, err
    sent = []
    for i in range(50):
        key = bytes(Pubkey.new_unique())
        cases = [(key, owner, bytes([i]) * 165, True), (key, owner, bytes(100), False),
                 (key, other, bytes(165), False), (watched, other, bytes(7), True)]
        for pk, ow, data, match in cases:
            a, keep = account(pk, ow, data, slot=i)
            assert lib.mevgk_update_account(p, a) == int(match)
            if match:
                sent.append((pk, data, i))
    a, keep = account(bytes(Pubkey.new_unique()), owner, bytes(165), startup=True)
    assert lib.mevgk_update_account(p, a) == 0  # the startup snapshot is skipped unless asked for
    s = ffi.new("mevgk_slot *", {"slot": 49, "status": 1})
    assert lib.mevgk_update_slot(p, s) == 1
    m = ffi.new("mevgk_metrics *")
    lib.mevgk_metrics_get(p, m)
    assert (m.updates, m.sent, m.filtered_out, m.startup_skipped, m.dropped) == (201, 101, 100, 1, 0)
    got = [Event.FromString(r) for r in ring.pop_many(1000)]
    assert len(got) == len(sent) + 1
    for ev, (pk, data, slot) in zip(got, sent):
        assert (ev.account.pubkey, ev.account.data, ev.account.slot) == (pk, data, slot)
        assert ev.account.write_version == 2**40 + slot
    seqs = [ev.account.sequence or ev.slot.sequence for ev in got]
    assert seqs == list(range(1, len(got) + 1))
    assert got[-1].slot.status == 1
    lib.mevgk_free(p)
    ring.close()


def test_full_ring_drops_and_counts(lib, tmp_path, ring_name):
    ring = mevlib.Ring(4096, name=ring_name)
    p, err = plugin(lib, tmp_path, {"sink": f"ring://{ring_name}", "filters": [{"data_sizes": [165]}]})
    assert p != ffi.NULL, err
    results = []
    for _ in range(100):
        a, keep = account(bytes(Pubkey.new_unique()), bytes(32), bytes(165))
        results.append(lib.mevgk_update_account(p, a))
    m = ffi.new("mevgk_metrics *")
    lib.mevgk_metrics_get(p, m)
    assert m.sent == sum(results) == len(ring) and m.dropped == 100 - m.sent > 0
    lib.mevgk_free(p)
    ring.close()


def test_concurrent_validator_threads(lib, tmp_path, ring_name):
    ring = mevlib.Ring(1 << 22, name=ring_name)
    p, err = plugin(lib, tmp_path, {"sink": f"ring://{ring_name}", "filters": [{"data_sizes": [165]}]})
    assert p != ffi.NULL, err

    def worker(t):
        for i in range(500):
            a, keep = account(bytes([t]) * 28 + i.to_bytes(4, "little"), bytes(32), bytes(165), slot=i)
            lib.mevgk_update_account(p, a)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(4)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # the GIL changes hands between cffi calls as often as it can
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sys.setswitchinterval(interval)
    got = [Event.FromString(r).account for r in ring.pop_many(10_000)]
    assert len(got) == 2000 and len({a.sequence for a in got}) == 2000
    # numbered in the order they were written: a consumer can count gaps from the sequence alone
    assert [a.sequence for a in got] == list(range(1, 2001))
    for t in range(4):  # each thread's updates arrive in its order
        mine = [a.slot for a in got if a.pubkey[:28] == bytes([t]) * 28]
        assert mine == list(range(500))
    lib.mevgk_free(p)
    ring.close()


@pytest.mark.parametrize("config, needle", [
    ({"sink": "ring://x", "filters": [{"owners": ["not base58!"]}]}, "filters[0].owners[0]"),
    ({"sink": "ring://x", "filters": [{"ownerz": []}]}, 'unknown key "ownerz"'),
    ({"sink": "ring://x", "filters": []}, "filters"),
    ({"sink": "ring://x", "filters": [{"data_sizes": [-1]}]}, "filters[0].data_sizes[0]"),
    ({"sink": "ring://x", "filters": [{"memcmp": [{"offset": 0}]}]}, "filters[0].memcmp[0]"),
    ({"sink": "ring://x", "filters": [{"memcmp": [{"offset": 0, "hex": "zz"}]}]}, "filters[0].memcmp[0]"),
    # hex is pairs of hex digits and nothing else (sscanf's %x took a sign, spaces and 0x)
    ({"sink": "ring://x", "filters": [{"memcmp": [{"offset": 0, "hex": "+1"}]}]}, "filters[0].memcmp[0]"),
    ({"sink": "ring://x", "filters": [{"memcmp": [{"offset": 0, "hex": " 1ab"}]}]}, "filters[0].memcmp[0]"),
    ({"sink": "ring://x", "filters": [{"memcmp": [{"offset": 0, "hex": "0x"}]}]}, "filters[0].memcmp[0]"),
    ({"sink": "ring://x", "filters": [{"memcmp": [{"offset": 0, "hex": "-1ff"}]}]}, "filters[0].memcmp[0]"),
    ({"sink": "kafka", "kafka": {}, "topic": "t", "slot_topic": "s", "filters": [{"data_sizes": [1]}]},
     'unknown key "slot_topic"'),
    ({"sink": "kafka", "filters": [{"data_sizes": [1]}]}, "kafka"),
    ({"sink": "kafka", "kafka": {"no.such.setting": 1}, "topic": "t", "filters": [{"data_sizes": [1]}]},
     "kafka.no.such.setting"),
    ({"sink": "ftp://x", "filters": [{"data_sizes": [1]}]}, "sink"),
    ({"sink": "ring://no-such-ring-here", "filters": [{"data_sizes": [1]}]}, "ring://no-such-ring-here"),
    ({"sink": "ring://x", "include_startup": "yes", "filters": [{"data_sizes": [1]}]}, "include_startup"),
    ({"sink": "ring://x", "filters": [{"data_sizes": [1]}], "topicc": "t"}, 'unknown key "topicc"'),
])
def test_bad_configs_are_named(lib, tmp_path, config, needle):
    p, err = plugin(lib, tmp_path, config)
    assert p == ffi.NULL and needle in err, err


def test_unreadable_or_broken_config(lib, tmp_path):
    err = ffi.new("char[]", 256)
    assert lib.mevgk_new(str(tmp_path / "absent.json").encode(), err, 256) == ffi.NULL
    assert "cannot open" in ffi.string(err).decode()
    (tmp_path / "bad.json").write_text("{ not json")
    assert lib.mevgk_new(str(tmp_path / "bad.json").encode(), err, 256) == ffi.NULL
    assert "JSON" in ffi.string(err).decode()


def test_base58(lib):
    out = ffi.new("uint8_t[]", 64)
    for _ in range(50):
        pk = Pubkey.new_unique()
        assert lib.mevgk_base58_decode(str(pk).encode(), out, 64) == 32
        assert bytes(out[0:32]) == bytes(pk)
    assert lib.mevgk_base58_decode(b"0OIl", out, 64) == -1
    assert lib.mevgk_base58_decode(b"11", out, 64) == 2 and bytes(out[0:2]) == b"\0\0"


def test_kafka_sink_keys_order_and_counts(lib, tmp_path, kafka_bootstrap):
    from confluent_kafka import Consumer, TopicPartition
    from confluent_kafka.admin import AdminClient, NewTopic

    topic = f"pool-deltas-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    for f in admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)]).values():
        f.result(30)
    p, err = plugin(lib, tmp_path, {"sink": "kafka", "kafka": {"bootstrap.servers": kafka_bootstrap},
                                    "topic": topic, "filters": [{"data_sizes": [165]}]})
    assert p != ffi.NULL, err
    keys = [bytes(Pubkey.new_unique()) for _ in range(20)]
    n = 600
    for i in range(n):
        a, keep = account(keys[i % 20], bytes(32), i.to_bytes(8, "little") + bytes(157), slot=i)
        assert lib.mevgk_update_account(p, a) == 1
    lib.mevgk_free(p)  # flushes, then joins the delivery-report thread
    consumer = Consumer({"bootstrap.servers": kafka_bootstrap, "group.id": "t", "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, part, 0) for part in range(3)])  # assign(): no group join wait
    got, deadline = [], time.monotonic() + 30
    while len(got) < n and time.monotonic() < deadline:
        for msg in consumer.consume(500, timeout=0.5):
            assert not msg.error()
            ev = Event.FromString(msg.value())
            assert msg.key() == ev.account.pubkey  # keyed by account
            got.append(ev.account)
    consumer.close()
    assert len(got) == n
    for key in keys:  # one account's updates stay in order
        slots = [a.slot for a in got if a.pubkey == key]
        assert slots == sorted(slots) and len(slots) == n // 20


def test_broker_lost_mid_stream_counts_and_recovers(lib, tmp_path):
    """Always on a broker of its own (it is stopped and restarted), whatever MEVLIB_KAFKA_BOOTSTRAP says."""
    from confluent_kafka.admin import AdminClient, NewTopic
    from conftest import _free_port, start_tansu

    port = _free_port()
    bootstrap = f"127.0.0.1:{port}"

    def make_topic():
        admin = AdminClient({"bootstrap.servers": bootstrap})
        for fut in admin.create_topics([NewTopic("deltas", num_partitions=1, replication_factor=1)]).values():
            fut.result(30)

    def metrics(p):
        m = ffi.new("mevgk_metrics *")
        lib.mevgk_metrics_get(p, m)
        return m

    def send(p, n):
        for i in range(n):
            a, keep = account(bytes(Pubkey.new_unique()), bytes(32), bytes(165), slot=i)
            lib.mevgk_update_account(p, a)

    def wait_for(cond, seconds=30):
        deadline = time.monotonic() + seconds
        while not cond() and time.monotonic() < deadline:
            time.sleep(0.1)
        return cond()

    broker = start_tansu(port)
    make_topic()
    p, err = plugin(lib, tmp_path, {"sink": "kafka", "topic": "deltas", "filters": [{"data_sizes": [165]}],
                                    "kafka": {"bootstrap.servers": bootstrap, "message.timeout.ms": 2000,
                                              "queue.buffering.max.messages": 500,
                                              "reconnect.backoff.max.ms": 200}})
    assert p != ffi.NULL, err
    try:
        send(p, 100)
        assert wait_for(lambda: metrics(p).sent == 100)
        broker.terminate()
        broker.wait(10)
        start = time.monotonic()
        send(p, 2000)  # the queue holds 500: the rest are dropped at once, nothing blocks
        assert time.monotonic() - start < 2.0
        assert wait_for(lambda: metrics(p).dropped + metrics(p).failed >= 2000), (metrics(p).dropped, metrics(p).failed, metrics(p).sent)
        m = metrics(p)
        assert m.dropped >= 1500 and m.sent == 100
        broker = start_tansu(port)  # it comes back (empty: memory storage)
        make_topic()
        assert wait_for(lambda: (send(p, 10), metrics(p).sent)[1] > 100, seconds=60)
    finally:
        lib.mevgk_free(p)  # flush and join even after all that
        broker.terminate()
        broker.wait(10)


def test_unload_joins_every_thread(lib, tmp_path, kafka_bootstrap):
    def threads():
        return len(os.listdir("/proc/self/task"))

    before = threads()
    p, err = plugin(lib, tmp_path, {"sink": "kafka", "kafka": {"bootstrap.servers": kafka_bootstrap},
                                    "topic": f"t-{uuid.uuid4().hex[:6]}", "filters": [{"data_sizes": [165]}]})
    assert p != ffi.NULL, err
    a, keep = account(bytes(Pubkey.new_unique()), bytes(32), bytes(165))
    lib.mevgk_update_account(p, a)
    assert threads() > before  # librdkafka's threads and the delivery-report poller
    lib.mevgk_free(p)
    assert threads() == before  # all joined before unload returns


def test_reload_with_a_ring_sink(lib, tmp_path, ring_name):
    """Agave's reload_plugin unloads the plugin, then loads it again from its config (agave
    geyser-plugin-manager, geyser_plugin_manager.rs): the new instance takes the ring's producer
    role the old one released, and its numbering starts over, which a consumer sees as a reset."""
    from mevlib.feed import Feed, RingSource

    ring = mevlib.Ring(1 << 16, name=ring_name)
    for _ in range(3):
        p, err = plugin(lib, tmp_path, {"sink": f"ring://{ring_name}", "filters": [{"data_sizes": [165]}]})
        assert p != ffi.NULL, err
        for _ in range(2):
            a, keep = account(bytes(Pubkey.new_unique()), bytes(32), bytes(165))
            assert lib.mevgk_update_account(p, a) == 1
        lib.mevgk_free(p)
    f = Feed(RingSource(ring_name))
    assert len(f.poll(max_n=100)) == 6
    assert (f.stats.sequence_resets, f.stats.sequence_gaps) == (2, 0)
    f.close()
    ring.close()
