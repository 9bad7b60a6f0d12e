# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""SPSC rings over shared memory (csrc/ring.c, csrc/shm.c): bytes records and numpy records."""

import hashlib
import os
import time

import numpy as np

from cpython.buffer cimport (
    PyBUF_SIMPLE,
    PyBUF_WRITABLE,
    PyBuffer_FillInfo,
    PyBuffer_Release,
    PyObject_GetBuffer,
)
from cpython.bytes cimport (
    PyBytes_AS_STRING,
    PyBytes_CheckExact,
    PyBytes_FromStringAndSize,
    PyBytes_GET_SIZE,
)
from cpython.exc cimport PyErr_CheckSignals
from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t
from libc.string cimport memcpy

from mevlib._csrc cimport *
from mevlib._errors cimport check

from mevlib.errors import (
    ClosedError,
    InvalidArgumentError,
    InvalidTypeError,
    RecordTooLargeError,
    RingMismatchError,
    RingRoleError,
    SegmentPermissionError,
)

cdef enum:
    WAIT_SLICE_NS = 100000000   # a blocked wait wakes this often to see signals and close()
    NOGIL_COPY_BYTES = 65536    # below this a copy is cheaper than releasing the GIL

cdef extern from "mev_error.h":
    enum:
        MEV_EAGAIN
        MEV_ETIMEDOUT
        MEV_EBUSY
        MEV_EPERM


cdef int64_t to_timeout_ns(object timeout) except -2:
    """None waits forever (-1); otherwise seconds >= 0."""
    if timeout is None:
        return -1
    try:
        t = float(timeout)
    except (TypeError, ValueError):
        raise InvalidTypeError(f"timeout must be seconds or None, not {timeout!r}") from None
    if not t >= 0:
        raise InvalidArgumentError(f"timeout must be >= 0 seconds, not {timeout!r}")
    return <int64_t>min(t * 1e9, 9.2e18)


cdef str _permission_hint(object name, bytes cname, object allow_uid):
    try:
        st = os.stat("/dev/shm" + cname.decode())
        found = f"owned by uid {st.st_uid}, mode {st.st_mode & 0o777:#o}"
    except OSError:
        found = "not inspectable"
    trusted = f"uid {os.geteuid()}" + (f" or {allow_uid}" if allow_uid is not None else "")
    return (f"attach ring {name!r}: segment is {found}; a ring must belong to {trusted} and be "
            f"writable by nobody else (group-writable only with allow_uid=...)")


cdef str _huge_pages_note(int kind, size_t need):
    def read(path):
        try:
            with open(path) as f:
                return f.read().strip()
        except OSError:
            return "?"
    reserved = read("/proc/sys/vm/nr_hugepages")
    meminfo = dict(line.split(":", 1) for line in read("/proc/meminfo").splitlines() if ":" in line)
    free = meminfo.get("HugePages_Free", "?").strip()
    size_kib = int(meminfo.get("Hugepagesize", "2048 kB").split()[0])
    page = size_kib * 1024
    wanted = (int(need) + page - 1) // page
    shmem = read("/sys/kernel/mm/transparent_hugepage/shmem_enabled")
    shmem = shmem[shmem.find("[") + 1:shmem.find("]")] if "[" in shmem else shmem
    asked = ("asked for transparent huge pages instead, which shared memory gets only while "
             f"/sys/kernel/mm/transparent_hugepage/shmem_enabled allows (here: {shmem})"
             if kind == MEV_PAGES_THP_ADVISED else "ordinary pages")
    return (f"not enough hugetlb pages: this ring needs {wanted} of {size_kib} KiB, {free} free "
            f"(vm.nr_hugepages = {reserved}; reserve more with `sysctl vm.nr_hugepages=N`): {asked}")


cdef bytes os_name(object name):
    if not isinstance(name, str) or not name.strip("/") or "/" in name.strip("/"):
        raise InvalidArgumentError(f"a ring name is a non-empty string without '/', not {name!r}")
    return ("/" + name.strip("/")).encode()


cdef class _RingBase:
    """What every ring shares: the mapping, roles, waits, close/unlink and the context manager."""
    cdef mev_ring *_r
    cdef void *_mem
    cdef size_t _bytes
    cdef readonly object name
    cdef bint _closed
    cdef int _users
    cdef readonly str pages       # "hugetlb", "thp-advised" or "normal"
    cdef readonly str pages_note  # why not hugetlb, when huge pages were asked for

    cdef int _create(self, int mode, uint64_t capacity, uint32_t record_size, uint64_t tag,
                     object name, bint huge_pages=False) except -1:
        cdef bytes cname = os_name(name) if name is not None else None
        cdef const char *c_name = NULL
        cdef size_t need = mev_ring_bytes_needed(mode, capacity, record_size)
        cdef int kind = MEV_PAGES_NORMAL
        if need == 0:
            raise InvalidArgumentError(self._geometry_hint(capacity))
        self.pages, self.pages_note = "normal", ""
        if huge_pages:
            if name is not None:
                raise InvalidArgumentError("huge pages are for anonymous rings (shared with forked "
                                           "children); a named ring lives in /dev/shm, on ordinary pages")
            check(mev_shm_create_huge(need, &self._mem, &self._bytes, &kind), "create ring")
            self.pages = {MEV_PAGES_HUGETLB: "hugetlb", MEV_PAGES_THP_ADVISED: "thp-advised"}.get(kind, "normal")
            if kind != MEV_PAGES_HUGETLB:
                self.pages_note = _huge_pages_note(kind, need)
        else:
            if cname is not None:
                c_name = cname
            check(mev_shm_create(c_name, need, &self._mem),
                  f"create ring {name!r}" if name is not None else "create ring")
            self._bytes = need
        rc = mev_ring_format(self._mem, self._bytes, mode, capacity, record_size, tag)
        if rc == 0:
            rc = mev_ring_open(self._mem, self._bytes, &self._r)
        if rc != 0:
            self._release()
            if cname is not None:
                mev_shm_unlink(cname)
            check(rc, "format ring")
        self.name = name
        return 0

    cdef int _attach(self, object name, int mode, object allow_uid) except -1:
        cdef bytes cname = os_name(name)
        if allow_uid is not None and (not isinstance(allow_uid, int) or isinstance(allow_uid, bool)
                                      or not 0 <= allow_uid < 2**32 - 1):
            raise InvalidArgumentError(f"allow_uid must be a uid (int) or None, not {allow_uid!r}")
        rc = mev_shm_attach(cname, -1 if allow_uid is None else allow_uid, &self._mem, &self._bytes)
        if rc == MEV_EPERM:
            raise SegmentPermissionError(_permission_hint(name, cname, allow_uid))
        check(rc, f"attach ring {name!r}")
        rc = mev_ring_open(self._mem, self._bytes, &self._r)
        if rc != 0:
            self._release()
            check(rc, f"attach ring {name!r}")
        self.name = name
        self.pages, self.pages_note = "normal", ""  # /dev/shm: ordinary pages
        found = mev_ring_mode(self._r)
        if found != mode:
            self._release()
            kinds = {MEV_RING_VARIABLE: "Ring", MEV_RING_FIXED: "RecordRing"}
            raise RingMismatchError(f"{name!r} is a {kinds[found]}, not a {kinds[mode]}")
        return 0

    cdef str _geometry_hint(self, object capacity):
        return f"capacity {capacity} is not a supported power of two"

    cdef void _release(self) noexcept:
        if self._r != NULL:
            mev_ring_close(self._r)
            self._r = NULL
        if self._mem != NULL:
            mev_shm_unmap(self._mem, self._bytes)
            self._mem = NULL

    def __dealloc__(self):
        self._release()

    cdef int _claim(self, int role) except -1:
        if self._closed or self._r == NULL:
            raise ClosedError(f"ring {self.name!r} is closed" if self.name else "ring is closed")
        rc = mev_ring_claim(self._r, role)
        if rc == MEV_EBUSY:
            side = "producer" if role == MEV_RING_PRODUCER else "consumer"
            raise RingRoleError(
                f"ring {self.name!r} already has a live {side}; a ring has one producer and one consumer")
        check(rc)
        return 0

    cdef inline bint _holds(self, int role) noexcept:
        """Whether this handle holds the role in this process (never after a fork: see ring.h)."""
        return not self._closed and self._r != NULL and mev_ring_holds(self._r, role)

    cdef int _claim_named(self, object role) except -1:
        if role is None:
            return 0
        if role == "producer":
            return self._claim(MEV_RING_PRODUCER)
        if role == "consumer":
            return self._claim(MEV_RING_CONSUMER)
        raise InvalidArgumentError(f"role must be 'producer', 'consumer' or None, not {role!r}")

    cdef int _wait(self, bint for_data, uint64_t need, int64_t timeout_ns) except -1:
        """0 once ready, 1 on timeout. Sleeps with the GIL released, in slices, so Ctrl-C and a
        close() from another thread are seen."""
        cdef int64_t slice_ns
        cdef int rc
        deadline = time.monotonic_ns() + timeout_ns if timeout_ns >= 0 else 0
        while True:
            slice_ns = WAIT_SLICE_NS
            if timeout_ns >= 0:
                slice_ns = min(slice_ns, max(deadline - time.monotonic_ns(), 0))
            self._users += 1
            with nogil:
                if for_data:
                    rc = mev_ring_wait_data(self._r, slice_ns)
                else:
                    rc = mev_ring_wait_space(self._r, need, slice_ns)
            self._leave()
            if self._closed:  # even if the wait succeeded: the ring may be released by now
                raise ClosedError("ring was closed while waiting")
            if rc == 0:
                return 0
            if rc != MEV_ETIMEDOUT:
                check(rc, "wait")
            PyErr_CheckSignals()
            if timeout_ns >= 0 and time.monotonic_ns() >= deadline:
                return 1

    cdef void _leave(self) noexcept:
        self._users -= 1
        if self._closed and self._users == 0:
            self._release()

    # --- public --------------------------------------------------------------------------
    def close(self):
        """Give up this handle's roles and unmap. The segment stays until unlink()."""
        self._closed = True
        if self._users == 0:
            self._release()

    def set_spin(self, seconds):
        """How long this handle's waits busy-poll before sleeping on the futex (default 50 µs).
        Waking a sleeping process costs tens of µs; a consumer with a core to itself can spin
        for longer to skip that."""
        if not isinstance(seconds, (int, float)) or not 0 <= seconds <= 3600:
            raise InvalidArgumentError(f"spin must be 0..3600 seconds, not {seconds!r}")
        if self._r == NULL:
            raise ClosedError("ring is closed")
        mev_ring_set_spin_ns(self._r, <int64_t>(seconds * 1e9))

    def unlink(self):
        """Remove the segment's name (a no-op for an anonymous ring); mappings stay valid."""
        if self.name is not None:
            check(mev_shm_unlink(os_name(self.name)), f"unlink ring {self.name!r}")

    @property
    def closed(self):
        return self._closed

    cdef int _check_open(self) except -1:
        if self._closed or self._r == NULL:
            raise ClosedError("ring is closed (or was never initialised)")
        return 0

    @property
    def capacity(self):
        """Bytes of the data area (Ring) or record slots (RecordRing)."""
        self._check_open()
        return mev_ring_capacity(self._r)

    def __len__(self):
        """Records published and not yet read."""
        self._check_open()
        return mev_ring_count(self._r)

    @property
    def free_bytes(self):
        """Bytes not holding unread records (a record also needs its 8-byte header and padding)."""
        self._check_open()
        cdef uint64_t used = mev_ring_used(self._r)
        if mev_ring_mode(self._r) == MEV_RING_FIXED:
            return (mev_ring_capacity(self._r) - used) * mev_ring_record_size(self._r)
        return mev_ring_capacity(self._r) - used

    @property
    def is_producer(self):
        return self._holds(MEV_RING_PRODUCER)

    @property
    def is_consumer(self):
        return self._holds(MEV_RING_CONSUMER)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __reduce__(self):
        if self.name is None:
            raise InvalidTypeError(
                "an anonymous ring is shared with forked children only; name it to pass it on")
        return (type(self).attach, self._attach_args())

    def _attach_args(self):
        return (self.name,)


cdef class _RecordView:
    """Exports one record of the ring as a read-only buffer, for Ring.read()."""
    cdef const uint8_t *ptr
    cdef Py_ssize_t size
    cdef int exports

    def __getbuffer__(self, Py_buffer *buf, int flags):
        if flags & PyBUF_WRITABLE:
            raise BufferError("ring records are read-only")
        PyBuffer_FillInfo(buf, self, <void *>self.ptr, self.size, 1, flags)
        self.exports += 1

    def __releasebuffer__(self, Py_buffer *buf):
        self.exports -= 1


cdef class _ReadContext:
    cdef Ring ring
    cdef int64_t timeout_ns
    cdef object view
    cdef _RecordView record

    def __enter__(self):
        cdef const uint8_t *p
        cdef uint32_t n
        cdef _RecordView rv
        ring = self.ring
        if not ring._holds(MEV_RING_CONSUMER):
            ring._claim(MEV_RING_CONSUMER)
        while True:
            rc = mev_ring_peek(ring._r, &p, &n)
            if rc != MEV_EAGAIN:
                break
            if self.timeout_ns == 0 or ring._wait(True, 0, self.timeout_ns):
                return None
        check(rc, "read")
        rv = _RecordView.__new__(_RecordView)
        rv.ptr = p
        rv.size = n
        self.record = rv
        self.view = memoryview(rv)
        ring._users += 1  # the mapping must outlive the view
        return self.view

    def __exit__(self, *exc):
        if self.view is None:
            return False
        try:
            self.view.release()
        except BufferError:
            pass
        if self.record.exports:
            # a slice or another memoryview of the record outlives the block
            raise BufferError("a view of the record outlives the `with` block; copy what you keep "
                              "(bytes(view[...])). The record stays unread.")
        self.view = None
        ring = self.ring
        if ring._r != NULL:
            mev_ring_advance(ring._r)
            mev_ring_commit(ring._r)
        ring._leave()
        return False


cdef class Ring(_RingBase):
    """A single-producer/single-consumer ring of byte records in shared memory.

    ``Ring(capacity_bytes)`` is anonymous: shared with processes forked after it is made.
    ``Ring(capacity_bytes, name="feed")`` can be attached by name from any process with
    ``Ring.attach("feed")``. The first push claims the producer role for this handle, the first
    pop the consumer role; a second live producer (or consumer) is refused, and the role of a
    process that died is taken over, resuming at the last committed read position.
    """

    def __init__(self, capacity_bytes, name=None, *, huge_pages=False):
        if not isinstance(capacity_bytes, int):
            raise InvalidTypeError(f"capacity_bytes must be an int, not {type(capacity_bytes).__name__}")
        if capacity_bytes <= 0 or capacity_bytes > (1 << 40):
            raise InvalidArgumentError(self._geometry_hint(capacity_bytes))
        self._create(MEV_RING_VARIABLE, capacity_bytes, 0, 0, name, huge_pages)

    cdef str _geometry_hint(self, object capacity):
        up = 1 << max(6, (capacity - 1).bit_length()) if capacity > 0 else 64
        return (f"capacity_bytes must be a power of two from 64 to 2**40, not {capacity}"
                f" (try {up})")

    @classmethod
    def attach(cls, name, role=None, *, allow_uid=None):
        """Open an existing named Ring; role 'producer' or 'consumer' claims it now.

        The segment must belong to this process's effective uid and be writable by nobody else;
        ``allow_uid`` names one more uid to trust (a validator's user, say), and then a segment
        writable by its group is accepted too. Anything else raises SegmentPermissionError."""
        cdef Ring r = Ring.__new__(Ring)
        r._attach(name, MEV_RING_VARIABLE, allow_uid)
        r._claim_named(role)
        return r

    @property
    def max_record(self):
        """The largest record this ring takes: half the capacity less the 8-byte header."""
        self._check_open()
        return mev_ring_max_payload(self._r)

    cdef int _write(self, object data, bint wait, int64_t timeout_ns) except -1:
        """1 if written (not yet published), 0 if full (after the wait, when asked to wait)."""
        cdef Py_buffer view
        cdef const char *p
        cdef Py_ssize_t n
        cdef int rc
        cdef bint have_view = False
        if PyBytes_CheckExact(data):
            p = PyBytes_AS_STRING(data)
            n = PyBytes_GET_SIZE(data)
        else:
            try:
                PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
            except (TypeError, BufferError):
                raise InvalidTypeError(
                    f"a record must be a contiguous bytes-like object, not {type(data).__name__}") from None
            have_view = True
            p = <const char *>view.buf
            n = view.len
        try:
            if n > mev_ring_max_payload(self._r):
                raise RecordTooLargeError(
                    f"a {n}-byte record does not fit: this ring takes at most {mev_ring_max_payload(self._r)}")
            while True:
                if n >= NOGIL_COPY_BYTES:
                    with nogil:
                        rc = mev_ring_write(self._r, p, <uint32_t>n)
                else:
                    rc = mev_ring_write(self._r, p, <uint32_t>n)
                if rc == 0:
                    return 1
                if rc != MEV_EAGAIN:
                    check(rc, "push")
                if not wait or timeout_ns == 0 or self._wait(False, n, timeout_ns):
                    return 0
        finally:
            if have_view:
                PyBuffer_Release(&view)

    def push(self, data):
        """Append one record; False if the ring is full right now."""
        if not self._holds(MEV_RING_PRODUCER):
            self._claim(MEV_RING_PRODUCER)
        if PyBytes_CheckExact(data) and PyBytes_GET_SIZE(data) < NOGIL_COPY_BYTES:
            rc = mev_ring_push(self._r, PyBytes_AS_STRING(data), <uint32_t>PyBytes_GET_SIZE(data))
            if rc == 0:
                return True
            if rc == MEV_EAGAIN:
                return False
        if self._write(data, False, 0):
            mev_ring_publish(self._r)
            return True
        return False

    def push_wait(self, data, timeout=None):
        """Append one record, waiting up to `timeout` seconds (None: forever) for room.
        False on timeout."""
        if not self._holds(MEV_RING_PRODUCER):
            self._claim(MEV_RING_PRODUCER)
        if self._write(data, True, to_timeout_ns(timeout)):
            mev_ring_publish(self._r)
            return True
        return False

    def push_many(self, items):
        """Append records in order until one does not fit, publishing once; returns how many."""
        if not self._holds(MEV_RING_PRODUCER):
            self._claim(MEV_RING_PRODUCER)
        cdef Py_ssize_t i = 0
        cdef int rc
        try:
            for item in items:
                if PyBytes_CheckExact(item) and PyBytes_GET_SIZE(item) < NOGIL_COPY_BYTES:
                    rc = mev_ring_write(self._r, PyBytes_AS_STRING(item),
                                        <uint32_t>PyBytes_GET_SIZE(item))
                    if rc == MEV_EAGAIN:
                        break
                    check(rc, "push_many")
                elif not self._write(item, False, 0):
                    break
                i += 1
        finally:
            if i and self._r != NULL:
                mev_ring_publish(self._r)
        return i

    cdef object _take(self):
        """The next record as bytes and advanced past (not committed), or None when empty."""
        cdef const uint8_t *p
        cdef uint32_t n
        rc = mev_ring_peek(self._r, &p, &n)
        if rc == MEV_EAGAIN:
            return None
        check(rc, "pop")
        out = PyBytes_FromStringAndSize(NULL, n)
        cdef char *dst = PyBytes_AS_STRING(out)
        if n >= NOGIL_COPY_BYTES:
            with nogil:
                memcpy(dst, p, n)
        else:
            memcpy(dst, p, n)
        mev_ring_advance(self._r)
        return out

    def pop(self):
        """The oldest record, or None if the ring is empty."""
        if not self._holds(MEV_RING_CONSUMER):
            self._claim(MEV_RING_CONSUMER)
        out = self._take()
        if out is not None:
            mev_ring_commit(self._r)
        return out

    def pop_wait(self, timeout=None):
        """The oldest record, waiting up to `timeout` seconds (None: forever); None on timeout."""
        if not self._holds(MEV_RING_CONSUMER):
            self._claim(MEV_RING_CONSUMER)
        cdef int64_t t = to_timeout_ns(timeout)
        while True:
            out = self._take()
            if out is not None:
                mev_ring_commit(self._r)
                return out
            if t == 0 or self._wait(True, 0, t):
                return None

    def pop_many(self, max_n):
        """Up to max_n records (fewer if the ring runs empty), committed as read at once."""
        if not self._holds(MEV_RING_CONSUMER):
            self._claim(MEV_RING_CONSUMER)
        if not isinstance(max_n, int) or max_n < 0:
            raise InvalidArgumentError(f"max_n must be an int >= 0, not {max_n!r}")
        cdef Py_ssize_t i
        out = []
        try:
            for i in range(max_n):
                rec = self._take()
                if rec is None:
                    break
                out.append(rec)
        finally:
            if out:
                mev_ring_commit(self._r)
        return out

    def read(self, timeout=0):
        """``with ring.read() as view:`` the oldest record as a read-only memoryview of the
        shared memory itself (no copy), or None when the ring is empty (after waiting up to
        `timeout` seconds; None waits forever). The record is consumed when the block ends.

        Nothing made from the view may outlive the block: a surviving memoryview slice raises
        BufferError and leaves the record unread, but numpy.frombuffer keeps a raw pointer that
        no check can see, so copy what you keep."""
        cdef _ReadContext ctx = _ReadContext.__new__(_ReadContext)
        ctx.ring = self
        ctx.timeout_ns = to_timeout_ns(timeout)
        return ctx

    def __repr__(self):
        if self._closed:
            return f"<mevlib.Ring {self.name!r} closed>"
        return (f"<mevlib.Ring {self.name or 'anonymous'} {mev_ring_capacity(self._r)} bytes, "
                f"{mev_ring_count(self._r)} records>")


cdef uint64_t dtype_tag(object dtype):
    """A fingerprint of the record layout, checked when another process attaches."""
    digest = hashlib.blake2b(repr((dtype.descr, dtype.itemsize)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


cdef object record_dtype(object dtype):
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise InvalidTypeError(f"not a numpy dtype: {dtype!r}") from None
    if dt.hasobject or dt.itemsize == 0:
        raise InvalidTypeError(f"a RecordRing needs a fixed-size dtype without Python objects, not {dt}")
    return dt


cdef class RecordRing(_RingBase):
    """A ring of fixed-size records of one numpy dtype (structured dtypes included), copied in
    bulk: ``push_array(arr)``, ``pop_array(max_n)``. Anonymous or named like :class:`Ring`."""
    cdef readonly object dtype

    def __init__(self, dtype, capacity, name=None, *, huge_pages=False):
        self.dtype = record_dtype(dtype)
        if not isinstance(capacity, int):
            raise InvalidTypeError(f"capacity must be an int, not {type(capacity).__name__}")
        if capacity <= 0 or capacity > (1 << 40):
            raise InvalidArgumentError(self._geometry_hint(capacity))
        self._create(MEV_RING_FIXED, capacity, self.dtype.itemsize, dtype_tag(self.dtype), name, huge_pages)

    cdef str _geometry_hint(self, object capacity):
        up = 1 << max(1, (capacity - 1).bit_length()) if capacity > 0 else 2
        return f"capacity must be a power-of-two number of records >= 2, not {capacity} (try {up})"

    @classmethod
    def attach(cls, name, dtype, role=None, *, allow_uid=None):
        """Open an existing named RecordRing; its dtype must be the one it was made with.
        Ownership is checked as for :meth:`Ring.attach`."""
        cdef RecordRing r = RecordRing.__new__(RecordRing)
        dt = record_dtype(dtype)
        r._attach(name, MEV_RING_FIXED, allow_uid)
        if mev_ring_record_size(r._r) != dt.itemsize or mev_ring_tag(r._r) != dtype_tag(dt):
            size = mev_ring_record_size(r._r)
            r.close()
            raise RingMismatchError(
                f"ring {name!r} holds {size}-byte records of another dtype, not {dt} ({dt.itemsize} bytes)")
        r.dtype = dt
        r._claim_named(role)
        return r

    def _attach_args(self):
        return (self.name, self.dtype)

    def push_array(self, arr, timeout=0):
        """Append as many records of `arr` as fit (waiting up to `timeout` seconds for room for
        at least one; None waits forever). Returns how many were appended, in order."""
        cdef Py_buffer view
        cdef size_t pushed = 0
        cdef size_t n
        if not self._holds(MEV_RING_PRODUCER):
            self._claim(MEV_RING_PRODUCER)
        cdef int64_t t = to_timeout_ns(timeout)
        a = np.asarray(arr)
        if a.dtype != self.dtype:
            raise InvalidTypeError(f"array dtype {a.dtype} is not this ring's {self.dtype}")
        a = np.ascontiguousarray(a).reshape(-1)
        n = a.shape[0]
        if n == 0:
            return 0
        PyObject_GetBuffer(a, &view, PyBUF_SIMPLE)
        try:
            while True:
                if view.len >= NOGIL_COPY_BYTES:
                    with nogil:
                        rc = mev_ring_push_records(self._r, view.buf, n, &pushed)
                else:
                    rc = mev_ring_push_records(self._r, view.buf, n, &pushed)
                check(rc, "push_array")
                if pushed or t == 0 or self._wait(False, 1, t):
                    return pushed
        finally:
            PyBuffer_Release(&view)

    def pop_array(self, max_n=None, timeout=0):
        """Up to max_n records (None: all there are) as a new array, after waiting up to
        `timeout` seconds for at least one (None waits forever). May be empty."""
        cdef Py_buffer view
        cdef size_t popped = 0
        cdef size_t k
        if not self._holds(MEV_RING_CONSUMER):
            self._claim(MEV_RING_CONSUMER)
        if max_n is not None and (not isinstance(max_n, int) or max_n < 0):
            raise InvalidArgumentError(f"max_n must be an int >= 0 or None, not {max_n!r}")
        cdef int64_t t = to_timeout_ns(timeout)
        cdef uint64_t avail
        while True:
            check(mev_ring_readable(self._r, &avail), "pop_array")
            if avail or t == 0 or max_n == 0 or self._wait(True, 0, t):
                break
        k = avail if max_n is None else min(avail, max_n)
        out = np.empty(k, dtype=self.dtype)
        if k == 0:
            return out
        PyObject_GetBuffer(out, &view, PyBUF_SIMPLE | PyBUF_WRITABLE)
        try:
            if view.len >= NOGIL_COPY_BYTES:
                with nogil:
                    rc = mev_ring_pop_records(self._r, view.buf, k, &popped)
            else:
                rc = mev_ring_pop_records(self._r, view.buf, k, &popped)
            check(rc, "pop_array")
        finally:
            PyBuffer_Release(&view)
        return out[:popped]

    def __repr__(self):
        if self._closed:
            return f"<mevlib.RecordRing {self.name!r} closed>"
        return (f"<mevlib.RecordRing {self.name or 'anonymous'} {self.dtype}, "
                f"{mev_ring_capacity(self._r)} records, {mev_ring_count(self._r)} unread>")
