"""mevlib.Ring and RecordRing: a model check against collections.deque, streams across threads
and processes with sequence numbers and checksums, a consumer killed mid-stream and replaced,
attach to mismatched or damaged segments, roles, waits."""
import collections
import multiprocessing
import os
import pickle
import signal
import struct
import threading
import time
import zlib

import numpy as np
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import mevlib
from forking import in_child

FORK = multiprocessing.get_context("fork")


def record(seq, size):
    """seq (8 bytes) + crc32 of the body (4) + a body derived from seq."""
    body = bytes((seq * 7 + i) & 0xFF for i in range(size)) if size < 64 else (
        (seq.to_bytes(8, "little") * (size // 8 + 1))[:size])
    return struct.pack("<QI", seq, zlib.crc32(body)) + body


def check_record(rec, expected_seq=None):
    seq, crc = struct.unpack_from("<QI", rec)
    assert zlib.crc32(rec[12:]) == crc, f"record {seq} is damaged"
    if expected_seq is not None:
        assert seq == expected_seq
    return seq


def size_of(seq):
    return (seq * 2654435761) % 300


# ---- basics ----------------------------------------------------------------------------------


def test_push_pop_and_sizes():
    with mevlib.Ring(4096) as r:
        assert r.capacity == 4096 and r.max_record == 2040 and len(r) == 0
        assert r.pop() is None
        for payload in (b"", b"a", b"x" * 7, b"y" * 8, bytearray(b"z" * 9), memoryview(b"w" * 2040)):
            assert r.push(payload)
            assert r.pop() == bytes(payload)
        assert r.push(np.arange(4, dtype=np.uint32))
        assert r.pop() == np.arange(4, dtype=np.uint32).tobytes()
        assert r.free_bytes == 4096


def test_full_and_too_large():
    r = mevlib.Ring(1024)
    n = 0
    while r.push(b"x" * 100):
        n += 1
    assert n == 1024 // 112 and len(r) == n
    with pytest.raises(mevlib.RecordTooLargeError) as e:
        r.push(b"x" * 513)
    assert isinstance(e.value, ValueError)
    assert r.pop_many(100) == [b"x" * 100] * n


def test_push_many_pop_many():
    r = mevlib.Ring(1 << 12)
    items = [record(i, size_of(i) % 60) for i in range(1000)]
    sent = got = 0
    out = []
    while got < len(items):
        sent += r.push_many(items[sent:])
        batch = r.pop_many(37)
        got += len(batch)
        out.extend(batch)
    assert out == items
    assert r.pop_many(5) == [] and r.push_many([]) == 0


def test_zero_copy_read():
    r = mevlib.Ring(1024)
    with r.read() as view:
        assert view is None
    r.push(b"abcdef")
    r.push(b"second")
    with r.read() as view:
        assert isinstance(view, memoryview) and view.readonly and bytes(view) == b"abcdef"
        assert len(r) == 2
    assert len(r) == 1
    with pytest.raises(BufferError):
        with r.read() as view:
            kept = view[1:]  # outlives the block
    assert bytes(kept) == b"econd"
    del kept
    assert r.pop() == b"second"  # it stayed unread
    with r.read() as view:
        assert view is None


def test_bad_arguments():
    for cap in (0, 100, 32, -64, 2**41):
        with pytest.raises(mevlib.InvalidArgumentError):
            mevlib.Ring(cap)
    with pytest.raises(mevlib.InvalidTypeError):
        mevlib.Ring("1024")
    r = mevlib.Ring(1024)
    for bad in ("text", 5, None):
        with pytest.raises(mevlib.InvalidTypeError):
            r.push(bad)
    for t in (-1, float("nan"), "soon"):
        with pytest.raises((mevlib.InvalidArgumentError, mevlib.InvalidTypeError)):
            r.pop_wait(t)
    with pytest.raises(mevlib.InvalidArgumentError):
        r.pop_many(-1)
    with pytest.raises(mevlib.InvalidArgumentError):
        mevlib.Ring(1024, name="a/b")


def test_closed_ring():
    r = mevlib.Ring(1024)
    r.push(b"x")
    r.close()
    assert r.closed and "closed" in repr(r)
    for op in (lambda: r.push(b"x"), r.pop, lambda: len(r), lambda: r.read().__enter__(),
               lambda: r.pop_many(1), lambda: r.push_many([b"x"])):
        with pytest.raises(mevlib.ClosedError):
            op()
    r.close()


# ---- model check -------------------------------------------------------------------------


class RingModel(RuleBasedStateMachine):
    """Any sequence of operations leaves the ring holding what a deque would."""

    def __init__(self):
        super().__init__()
        self.ring = mevlib.Ring(512)
        self.model = collections.deque()

    @rule(data=st.binary(max_size=248))
    def push(self, data):
        ok = self.ring.push(data)
        if ok:
            self.model.append(data)
        else:
            assert self.model, "an empty ring refused a record that fits"

    @rule(items=st.lists(st.binary(max_size=100), max_size=8))
    def push_many(self, items):
        n = self.ring.push_many(items)
        self.model.extend(items[:n])

    @rule()
    def pop(self):
        got = self.ring.pop()
        assert got == (self.model.popleft() if self.model else None)

    @rule(n=st.integers(0, 6))
    def pop_many(self, n):
        got = self.ring.pop_many(n)
        want = [self.model.popleft() for _ in range(min(n, len(self.model)))]
        assert got == want

    @precondition(lambda self: self.model)
    @rule()
    def read(self):
        with self.ring.read() as view:
            assert bytes(view) == self.model.popleft()

    @invariant()
    def same_length(self):
        assert len(self.ring) == len(self.model)


TestRingModel = RingModel.TestCase
TestRingModel.settings = settings(max_examples=150, stateful_step_count=60, deadline=None)


# ---- threads -----------------------------------------------------------------------------


def test_two_threads_stream():
    n = 300_000
    r = mevlib.Ring(1 << 14)
    errors = []

    def produce():
        i = 0
        while i < n:
            batch = [record(s, size_of(s) % 40) for s in range(i, min(i + 64, n))]
            k = r.push_many(batch)
            i += k
            if k < len(batch):
                r.push_wait(batch[k], timeout=5) or errors.append("producer timed out")
                i += 1

    t = threading.Thread(target=produce)
    t.start()
    want = 0
    while want < n:
        batch = r.pop_many(128) or [r.pop_wait(timeout=5)]
        for rec in batch:
            assert rec is not None, "consumer timed out"
            check_record(rec, want)
            want += 1
    t.join()
    assert not errors and len(r) == 0


def test_push_wait_blocks_until_room():
    r = mevlib.Ring(256)
    while r.push(b"x" * 50):
        pass
    threading.Timer(0.05, r.pop).start()
    start = time.monotonic()
    assert r.push_wait(b"y" * 50, timeout=5)
    assert 0.03 < time.monotonic() - start < 4
    assert not r.push_wait(b"z" * 50, timeout=0.02)


def test_pop_wait_times_out_and_wakes():
    r = mevlib.Ring(1024)
    start = time.monotonic()
    assert r.pop_wait(timeout=0.05) is None
    assert time.monotonic() - start >= 0.05
    threading.Timer(0.05, lambda: r.push(b"late")).start()
    assert r.pop_wait(timeout=5) == b"late"


@pytest.mark.parametrize("spin", [0, 50e-6, 2.0])
def test_waits_with_any_spin(spin):
    """No spin (straight to the futex), the default, and a spin longer than the wait itself:
    each wakes on data and each times out on time."""
    r = mevlib.Ring(1024)
    r.set_spin(spin)
    threading.Timer(0.05, lambda: r.push(b"late")).start()
    assert r.pop_wait(timeout=5) == b"late"
    start = time.monotonic()
    assert r.pop_wait(timeout=0.1) is None
    assert time.monotonic() - start >= 0.1


def test_bad_spin():
    r = mevlib.Ring(1024)
    for bad in (-1, "1", None, 1e9):
        with pytest.raises(mevlib.InvalidArgumentError):
            r.set_spin(bad)
    r.close()
    with pytest.raises(mevlib.ClosedError):
        r.set_spin(0)


def test_close_wakes_a_waiter():
    r = mevlib.Ring(1024)
    threading.Timer(0.05, r.close).start()
    with pytest.raises(mevlib.ClosedError):
        r.pop_wait()


# ---- processes ---------------------------------------------------------------------------


def _producer(name, n, sizes):
    with mevlib.Ring.attach(name, role="producer") as r:
        for seq in range(n):
            if not r.push_wait(record(seq, sizes(seq)), timeout=30):
                os._exit(3)
    os._exit(0)


def _batched_producer(name, n):
    with mevlib.Ring.attach(name, role="producer") as r:
        seq = 0
        while seq < n:
            batch = [record(s, s % 53) for s in range(seq, min(seq + 256, n))]
            k = r.push_many(batch)
            seq += k
            if k == 0 and not r.push_wait(batch[0], timeout=30):
                os._exit(3)
            seq += k == 0
    os._exit(0)


def test_cross_process_million_records(ring_name):
    n = 1_000_000
    ring = mevlib.Ring(1 << 16, name=ring_name)
    p = FORK.Process(target=_batched_producer, args=(ring_name, n))
    p.start()
    want = 0
    deadline = time.monotonic() + 120
    while want < n and time.monotonic() < deadline:
        batch = ring.pop_many(512) or [ring.pop_wait(timeout=10)]
        assert batch[0] is not None, "producer stalled"
        for rec in batch:
            seq, crc = struct.unpack_from("<QI", rec)
            assert seq == want and zlib.crc32(rec[12:]) == crc
            want += 1
    p.join(30)
    assert want == n and p.exitcode == 0
    ring.unlink()


def _killable_consumer(name, fd):
    r = mevlib.Ring.attach(name, role="consumer")
    while True:
        with r.read(timeout=None) as view:
            seq = check_record(bytes(view))
            os.write(fd, struct.pack("<Q", seq))  # reported before the record is committed


def test_consumer_killed_and_replaced(ring_name):
    n = 60_000
    ring = mevlib.Ring(1 << 13, name=ring_name)  # small: the producer blocks while nobody reads
    producer = FORK.Process(target=_producer, args=(ring_name, n, lambda s: size_of(s) % 80))
    producer.start()  # before the pipe exists, so it holds no write end that would keep it open
    rfd, wfd = os.pipe()
    first = FORK.Process(target=_killable_consumer, args=(ring_name, wfd))
    first.start()
    os.close(wfd)
    seen_first = []
    with os.fdopen(rfd, "rb") as pipe:
        while len(seen_first) < n // 3:
            seen_first.append(struct.unpack("<Q", pipe.read(8))[0])
        os.kill(first.pid, signal.SIGKILL)
        first.join()
        while chunk := pipe.read(8):  # what it reported before dying
            seen_first.append(struct.unpack("<Q", chunk)[0])
    assert seen_first == list(range(len(seen_first)))

    # a second live consumer would be refused; the dead one's role is taken over
    second = mevlib.Ring.attach(ring_name, role="consumer")
    seen_second = []
    while not seen_second or seen_second[-1] != n - 1:
        rec = second.pop_wait(timeout=10)
        if rec is None:
            break
        seen_second.append(check_record(rec))
    producer.join(30)
    assert producer.exitcode == 0
    # nothing lost: the second consumer resumes at the first uncommitted record, which is the
    # last one the first consumer reported (read, not committed) or the one after it
    start = seen_second[0]
    assert start in (len(seen_first) - 1, len(seen_first))
    assert seen_second == list(range(start, n))
    assert len(set(seen_first) | set(seen_second)) == n
    assert len(ring) == 0  # the creator's view of the segment agrees: everything was read
    ring.close()


def _hold_producer(name, ready, stop):
    r = mevlib.Ring.attach(name, role="producer")
    ready.set()
    stop.wait(10)
    r.close()


def test_one_producer_per_ring(ring_name):
    ring = mevlib.Ring(1024, name=ring_name)
    ring.push(b"mine")
    other = mevlib.Ring.attach(ring_name)
    with pytest.raises(mevlib.RingRoleError):
        other.push(b"second producer in this process")
    with pytest.raises(mevlib.RingRoleError):
        mevlib.Ring.attach(ring_name, role="producer")
    assert other.pop() == b"mine"  # the consumer role is free
    ring.close()  # releases the producer role
    ready, stop = FORK.Event(), FORK.Event()
    p = FORK.Process(target=_hold_producer, args=(ring_name, ready, stop))
    p.start()
    assert ready.wait(10)
    with pytest.raises(mevlib.RingRoleError):  # a live producer in another process
        other.push(b"x")
    stop.set()
    p.join(10)
    assert other.push(b"now it is free")
    with pytest.raises(mevlib.InvalidArgumentError):
        mevlib.Ring.attach(ring_name, role="writer")


def _spawned_reader(ring, queue):
    queue.put(ring.pop_wait(timeout=10))


def test_named_ring_pickles_as_attach(ring_name):
    ring = mevlib.Ring(1024, name=ring_name)
    ring.push(b"across spawn")
    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_spawned_reader, args=(ring, q))
    p.start()
    assert q.get(timeout=60) == b"across spawn"
    p.join(30)
    with pytest.raises(mevlib.InvalidTypeError):
        pickle.dumps(mevlib.Ring(1024))


# ---- attach errors -----------------------------------------------------------------------


def test_attach_errors(ring_name):
    with pytest.raises(mevlib.SegmentNotFoundError) as e:
        mevlib.Ring.attach(ring_name)
    assert isinstance(e.value, FileNotFoundError)
    ring = mevlib.Ring(1024, name=ring_name)
    with pytest.raises(mevlib.SegmentExistsError):
        mevlib.Ring(1024, name=ring_name)
    with pytest.raises(mevlib.RingMismatchError):
        mevlib.RecordRing.attach(ring_name, np.uint64)
    ring.close()


def test_attach_damaged_segments(ring_name):
    ring = mevlib.Ring(1024, name=ring_name)
    path = f"/dev/shm/{ring_name}"
    original = open(path, "rb").read()
    for offset in (0, 8, 12, 16, 24, 32, 40):
        damaged = bytearray(original)
        damaged[offset] ^= 0x04
        with open(path, "r+b") as f:
            f.write(damaged)
        with pytest.raises((mevlib.CorruptDataError, mevlib.RingMismatchError)):
            mevlib.Ring.attach(ring_name)
    with open(path, "r+b") as f:  # shorter than its header says
        f.write(original)
        f.truncate(600)
    with pytest.raises(mevlib.CorruptDataError):
        mevlib.Ring.attach(ring_name)
    ring.close()
    with open(path, "wb") as f:  # not a ring at all
        f.write(os.urandom(4096))
    with pytest.raises(mevlib.CorruptDataError):
        mevlib.Ring.attach(ring_name)


# ---- RecordRing --------------------------------------------------------------------------

TRADE = np.dtype([("slot", "<u8"), ("price", "<f8"), ("size", "<u4"), ("side", "u1")])


def test_record_ring_roundtrip_and_wrap():
    rr = mevlib.RecordRing(TRADE, 64)
    assert rr.capacity == 64 and rr.dtype == TRADE
    sent = np.zeros(1000, TRADE)
    sent["slot"] = np.arange(1000)
    sent["price"] = np.linspace(1, 2, 1000)
    got = []
    i = 0
    while i < len(sent) or len(rr):
        i += rr.push_array(sent[i:i + 50])
        got.append(rr.pop_array(37))
    assert np.array_equal(np.concatenate(got), sent)
    assert rr.pop_array().shape == (0,)


def test_record_ring_errors(ring_name):
    rr = mevlib.RecordRing(TRADE, 64, name=ring_name)
    with pytest.raises(mevlib.InvalidTypeError):
        rr.push_array(np.zeros(3, np.float64))
    with pytest.raises(mevlib.RingMismatchError):
        mevlib.RecordRing.attach(ring_name, np.dtype([("slot", "<u8"), ("price", "<f8")]))
    same_size_other_fields = np.dtype([("a", "<u8"), ("b", "<f8"), ("c", "<u4"), ("d", "u1")])
    with pytest.raises(mevlib.RingMismatchError):
        mevlib.RecordRing.attach(ring_name, same_size_other_fields)
    with pytest.raises(mevlib.RingMismatchError):
        mevlib.Ring.attach(ring_name)
    with pytest.raises(mevlib.InvalidTypeError):
        mevlib.RecordRing(object, 64)
    with pytest.raises(mevlib.InvalidArgumentError):
        mevlib.RecordRing(TRADE, 100)
    assert mevlib.RecordRing.attach(ring_name, TRADE).dtype == TRADE


def _record_producer(name, n):
    rr = mevlib.RecordRing.attach(name, TRADE, role="producer")
    arr = np.zeros(n, TRADE)
    arr["slot"] = np.arange(n)
    arr["price"] = arr["slot"] * 0.5
    i = 0
    while i < n:
        i += rr.push_array(arr[i:i + 1000], timeout=10)
    os._exit(0)


def test_record_ring_across_processes(ring_name):
    n = 2_000_000
    rr = mevlib.RecordRing(TRADE, 1 << 12, name=ring_name)
    p = FORK.Process(target=_record_producer, args=(ring_name, n))
    p.start()
    chunks, got = [], 0
    while got < n:
        a = rr.pop_array(4096, timeout=10)
        assert len(a), "producer stalled"
        chunks.append(a)
        got += len(a)
    p.join(30)
    allrec = np.concatenate(chunks)
    assert np.array_equal(allrec["slot"], np.arange(n))
    assert np.array_equal(allrec["price"], np.arange(n) * 0.5)


# ---- segments that trust no peer ---------------------------------------------------------
# Anyone who can open a segment can write its counters. Every reload of a peer's counter is
# checked, so a crafted or damaged segment raises CorruptDataError, never reads or writes out of
# bounds. The dangerous operations run in a forked child: before the fix they crash it.

HEAD, TAIL = 128, 256  # byte offsets of the shared counters in the 512-byte header (csrc/ring.c)


def poke(name, offset, value):
    with open(f"/dev/shm/{name}", "r+b") as f:
        f.seek(offset)
        f.write(struct.pack("<Q", value))


def raises_corrupt(op):
    """0 if op() raises CorruptDataError, 1 for another exception, 2 if it returns."""
    try:
        op()
    except mevlib.CorruptDataError:
        return 0
    except Exception:  # noqa: BLE001 - any other outcome is the failure being tested for
        return 1
    return 2


def crafted(name, kind):
    return (mevlib.RecordRing(TRADE, 64, name=name) if kind == "fixed"
            else mevlib.Ring(1024, name=name))


def attach(name, kind, role):
    return (mevlib.RecordRing.attach(name, TRADE, role=role) if kind == "fixed"
            else mevlib.Ring.attach(name, role=role))


def read_one(ring):
    return ring.pop_array(1000) if isinstance(ring, mevlib.RecordRing) else ring.pop()


def write_one(ring):
    return ring.push_array(np.zeros(10, TRADE)) if isinstance(ring, mevlib.RecordRing) else ring.push(b"x" * 40)


@pytest.mark.parametrize("kind,head,tail", [
    ("fixed", 0, 1),        # head behind tail
    ("fixed", 65, 0),       # more records than slots (but fewer than the data area's bytes)
    ("fixed", 1000, 0),
    ("variable", 0, 8),
    ("variable", 1032, 0),  # more bytes than the data area
    ("variable", 12, 0),    # a position no record boundary can have
    ("variable", 16, 4),
])
def test_crafted_counters_before_attach(ring_name, kind, head, tail):
    ring = crafted(ring_name, kind)
    poke(ring_name, HEAD, head)
    poke(ring_name, TAIL, tail)
    for role in ("consumer", "producer"):
        assert in_child(lambda: raises_corrupt(lambda: read_one(attach(ring_name, kind, role)) if
                                               role == "consumer" else
                                               write_one(attach(ring_name, kind, role)))) == 0
    ring.close()


@pytest.mark.parametrize("kind,head", [("fixed", 10**6), ("fixed", 1 << 63), ("variable", 10**6),
                                       ("variable", 1 << 63), ("variable", 12)])
def test_counters_changed_after_attach(ring_name, kind, head):
    ring = crafted(ring_name, kind)

    def lying_head():
        consumer = attach(ring_name, kind, "consumer")
        read_one(consumer)            # claimed with sane counters
        poke(ring_name, HEAD, head)   # then the peer lies
        return raises_corrupt(lambda: read_one(consumer))

    def lying_tail():
        producer = attach(ring_name, kind, "producer")
        write_one(producer)
        poke(ring_name, TAIL, head)   # the consumer's counter ahead of anything written
        return raises_corrupt(lambda: [write_one(producer) for _ in range(200)])

    assert in_child(lying_head) == 0
    ring.close()
    ring.unlink()
    ring = crafted(ring_name, kind)  # sane counters again
    assert in_child(lying_tail) == 0
    ring.close()


def test_segments_we_do_not_own_are_refused(ring_name):
    ring = mevlib.Ring(1024, name=ring_name)
    path = f"/dev/shm/{ring_name}"
    assert os.stat(path).st_mode & 0o777 == 0o600  # created private
    os.chmod(path, 0o666)
    with pytest.raises(mevlib.SegmentPermissionError) as e:
        mevlib.Ring.attach(ring_name)
    assert isinstance(e.value, PermissionError) and "writable" in str(e.value)
    os.chmod(path, 0o620)  # group-writable: only for a peer the caller names
    with pytest.raises(mevlib.SegmentPermissionError):
        mevlib.Ring.attach(ring_name)
    mevlib.Ring.attach(ring_name, allow_uid=os.geteuid()).close()
    os.chmod(path, 0o600)
    if os.geteuid() == 0:  # only root can give a segment away
        os.chown(path, 12345, -1)
        with pytest.raises(mevlib.SegmentPermissionError) as e:
            mevlib.Ring.attach(ring_name)
        assert "12345" in str(e.value)
        with mevlib.Ring.attach(ring_name, allow_uid=12345) as other:
            other.push(b"from a trusted peer")
        with pytest.raises(mevlib.SegmentPermissionError):
            mevlib.RecordRing.attach(ring_name, TRADE, allow_uid=54321)
    with pytest.raises(mevlib.InvalidArgumentError):
        mevlib.Ring.attach(ring_name, allow_uid="root")
    ring.close()


def test_close_racing_a_successful_wait():
    """A wait that succeeds in the moment another thread closes the ring raises ClosedError or
    returns the record; it never touches the released ring."""
    def body():
        for _ in range(3000):
            ring = mevlib.Ring(1024)
            ring.push(b"")  # claim the producer role on this handle before the race
            ring.pop()
            got = []

            def wait():
                try:
                    got.append(ring.pop_wait(timeout=5))
                except mevlib.ClosedError:
                    got.append("closed")

            t = threading.Thread(target=wait)
            t.start()
            time.sleep(0)  # give up the GIL: the waiter usually reaches its wait before the push
            ring.push(b"x")
            ring.close()
            t.join(10)
            if t.is_alive() or got[0] not in (b"x", "closed"):
                return 1
        return 0

    assert in_child(body, timeout=120) == 0


# ---- huge pages -------------------------------------------------------------------------------

def _reserved_huge_pages():
    try:
        return int(open("/proc/sys/vm/nr_hugepages").read())
    except OSError:
        return 0


def test_huge_pages_or_a_reason():
    """Ring(..., huge_pages=True): hugetlb pages where some are reserved, else the kernel is asked
    for transparent huge pages, and `pages_note` says why it fell back. Either way it works."""
    ring = mevlib.Ring(1 << 20, huge_pages=True)
    assert ring.pages in ("hugetlb", "thp-advised", "normal")
    if ring.pages != "hugetlb":
        assert "nr_hugepages" in ring.pages_note
    else:
        assert ring.pages_note == ""
    for i in range(20_000):  # through many wrap-arounds of the (possibly 2 MiB) mapping
        assert ring.push(i.to_bytes(8, "little") * 9)
        assert ring.pop() == i.to_bytes(8, "little") * 9
    ring.close()
    assert mevlib.Ring(1 << 20).pages == "normal" and mevlib.Ring(1 << 20).pages_note == ""
    rr = mevlib.RecordRing(TRADE, 1 << 12, huge_pages=True)
    rr.push_array(np.zeros(100, TRADE))
    assert len(rr.pop_array()) == 100
    with pytest.raises(mevlib.InvalidArgumentError, match="anonymous"):
        mevlib.Ring(1 << 20, name="named-huge", huge_pages=True)


@pytest.mark.skipif(_reserved_huge_pages() == 0, reason="no huge pages reserved (vm.nr_hugepages = 0)")
def test_huge_pages_shared_with_a_forked_child():
    ring = mevlib.Ring(1 << 20, huge_pages=True)
    assert ring.pages == "hugetlb"
    pid = os.fork()
    if pid == 0:
        os._exit(0 if all(ring.push_wait(i.to_bytes(4, "little"), timeout=5) for i in range(1000)) else 1)
    got = [int.from_bytes(ring.pop_wait(timeout=5), "little") for _ in range(1000)]
    _, status = os.waitpid(pid, 0)
    assert got == list(range(1000)) and status == 0
