# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""The C sender thread (csrc/sender.c): shots in, raw results out. mevlib.routes builds on it."""

import os

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t
from libc.string cimport memcpy

from mevlib._csrc cimport *
from mevlib._errors cimport check

from mevlib.errors import ClosedError, InvalidArgumentError, InvalidTypeError

cdef extern from "mev_error.h":
    enum:
        MEV_EAGAIN
        MEV_ETIMEDOUT

RPC_SEND = MEV_SHOT_RPC_SEND
JITO_SEND = MEV_SHOT_JITO_SEND
JITO_BUNDLE_ONLY = MEV_SHOT_JITO_BUNDLE_ONLY
JITO_BUNDLE = MEV_SHOT_JITO_BUNDLE
WARM = MEV_SHOT_WARM
REST_SUBMIT = MEV_SHOT_REST_SUBMIT
DIALECTS = {"jsonrpc": MEV_DIALECT_JSONRPC, "jito": MEV_DIALECT_JITO, "rest_submit": MEV_DIALECT_REST}

cdef enum:
    RESULT_CAP = sizeof(mev_shot_result) + MEV_SENDER_MAX_BODY


cdef class CurlSender:
    """Owns the sender thread. Routes first, then start(), then submit() and results()."""
    cdef mev_sender *_s
    cdef readonly list route_urls
    cdef bint _started
    cdef bint _closed
    cdef int _users  # results() waiting with the GIL released; the last one out frees a closed sender

    def __init__(self, inflight=256, timeout=2.0):
        if not isinstance(inflight, int) or not 1 <= inflight <= 1024:
            raise InvalidArgumentError(f"inflight must be an int in [1, 1024], not {inflight!r}")
        ms = int(float(timeout) * 1000)
        if ms < 1:
            raise InvalidArgumentError(f"timeout must be at least 1 ms, not {timeout!r}")
        check(mev_sender_new(inflight, ms, &self._s), "sender")
        self.route_urls = []

    def __dealloc__(self):
        self._free()

    cdef int _open(self) except -1:
        if self._closed or self._s == NULL:
            raise ClosedError("sender is closed")
        return 0

    cdef void _free(self) noexcept:
        if self._s != NULL:
            with nogil:
                mev_sender_free(self._s)
            self._s = NULL

    def add_route(self, url, jito=False, headers=None, http2=False, ca_file=None, dialect=None, ping=None):
        """Registers an endpoint; returns its index. headers: {name: value}. ca_file: a PEM
        bundle to verify TLS with instead of the system's. dialect: "jsonrpc", "jito" or
        "rest_submit" (default: "jito" if jito else "jsonrpc"). ping: a path answering GET, which
        warm-up shots use to keep the connection open."""
        cdef uint32_t rid
        cdef const char *ca = NULL
        self._open()
        if self._started:
            raise InvalidArgumentError("add routes before start()")
        if not isinstance(url, str):
            raise InvalidTypeError(f"url must be a string, not {type(url).__name__}")
        pairs = [(str(k), str(v)) for k, v in (headers or {}).items()]
        if any(c in k + v for k, v in pairs for c in "\r\n"):
            raise InvalidArgumentError("header names and values may not contain line breaks")
        cdef bytes lines = "\n".join(f"{k}: {v}" for k, v in pairs).encode()
        cdef bytes curl = url.encode()
        cdef bytes cafile = os.fsencode(ca_file) if ca_file is not None else None
        if cafile is not None:
            ca = cafile
        dialect = dialect or ("jito" if jito else "jsonrpc")
        if dialect not in DIALECTS:
            raise InvalidArgumentError(f"dialect must be one of {sorted(DIALECTS)}, not {dialect!r}")
        check(mev_sender_add_route(self._s, curl, DIALECTS[dialect], lines, 1 if http2 else 0, ca, &rid),
              f"route {url!r}")
        if ping:
            check(mev_sender_set_ping(self._s, rid, ping.encode()), f"route {url!r}: ping path {ping!r}")
        self.route_urls.append(url)
        return rid

    def start(self):
        self._open()
        check(mev_sender_start(self._s), "start sender")
        self._started = True

    def thread_ids(self):
        """The sender thread's kernel id (empty before start), for mevlib.affinity.pin."""
        self._open()
        tid = mev_sender_thread_id(self._s) if self._started else 0
        return [tid] if tid else []

    def submit(self, uint64_t shot_id, uint32_t route, uint32_t kind, txs, int64_t fire_at_ns=0):
        """Queues one shot: txs is a list of signed wire transactions (1, or up to 5 for a
        bundle). fire_at_ns is time.monotonic_ns() time; 0 or past fires at once. Raises
        WouldBlockError if the submission queue is full."""
        cdef mev_shot shot
        cdef const uint8_t *ptrs[5]
        cdef int rc
        self._open()
        if not self._started:
            raise InvalidArgumentError("start() the sender first")
        if not isinstance(txs, (list, tuple)) or len(txs) > MEV_SENDER_MAX_TXS:
            raise InvalidTypeError("txs must be a list of at most 5 signed transactions (bytes)")
        shot.shot_id = shot_id
        shot.fire_at_ns = fire_at_ns
        shot.route = route
        shot.kind = kind
        shot.ntx = len(txs)
        for i, tx in enumerate(txs):
            if not isinstance(tx, bytes):
                raise InvalidTypeError("each transaction must be bytes")
            ptrs[i] = <const uint8_t *>PyBytes_AS_STRING(tx)
            shot.tx_len[i] = PyBytes_GET_SIZE(tx)
        rc = mev_sender_submit(self._s, &shot, ptrs)
        check(rc, "submit shot")

    def results(self, timeout=0.0, max_n=4096):
        """Raw result tuples, waiting up to `timeout` seconds for the first:
        (shot_id, route, kind, curl_code, http_status, body, bundle_id, fire_at_ns, start_ns,
        sent_ns, done_ns, truncated, new_connection)."""
        cdef uint8_t buf[RESULT_CAP]
        cdef size_t n
        cdef mev_shot_result r
        cdef int64_t t = <int64_t>(float(timeout) * 1e9)
        cdef int rc
        self._open()
        out = []
        if t > 0:
            self._users += 1
            with nogil:
                rc = mev_sender_wait_result(self._s, t)
            self._users -= 1
            if self._closed:  # closed by another thread while we waited
                if self._users == 0:
                    self._free()
                raise ClosedError("sender was closed while waiting for results")
            if rc != MEV_ETIMEDOUT:
                check(rc, "results")
        while len(out) < max_n:
            rc = mev_sender_result(self._s, buf, RESULT_CAP, &n)
            if rc == MEV_EAGAIN:
                break
            check(rc, "results")
            memcpy(&r, buf, sizeof(r))
            body = PyBytes_FromStringAndSize(<const char *>buf + sizeof(r), r.body_len)
            out.append((r.shot_id, r.route, r.kind, r.curl_code, r.http_status, body,
                        r.bundle_id.decode(errors="replace"), r.fire_at_ns, r.start_ns, r.sent_ns,
                        r.done_ns, bool(r.truncated), bool(r.new_connection)))
        return out

    def stats(self):
        cdef mev_sender_stats st
        self._open()
        mev_sender_stats_get(self._s, &st)
        return {"submitted": st.submitted, "fired": st.fired, "completed": st.completed,
                "cpu_ns": st.cpu_ns, "max_late_ns": st.max_late_ns, "wakeups": st.wakeups,
                "spin_ns": st.spin_ns}

    def close(self):
        """Stops the thread (shots not yet fired are abandoned) and frees everything, at once or,
        if another thread is waiting in results(), when it returns."""
        self._closed = True
        if self._users == 0:
            self._free()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
