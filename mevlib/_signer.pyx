# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Ed25519 signer and transaction templates over the C core (csrc/signer.c, csrc/txtpl.c)."""

import json
import os

from cpython.buffer cimport PyBUF_SIMPLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.number cimport PyNumber_Index
from libc.stdint cimport uint8_t, uint16_t, uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memset

from mevlib._csrc cimport *
from mevlib._errors cimport check

from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import to_bytes_versioned
from solders.pubkey import Pubkey

from mevlib.errors import (
    ClosedError,
    InvalidArgumentError,
    InvalidTypeError,
    KeyMaterialError,
    MissingSignerError,
    PatchError,
)

check(mev_crypto_init(), "sodium_init")

cdef enum:
    MAX_ROW = 512  # MEV_MAX_PATCHES patches of at most 32 bytes

_INT_WIDTHS = {"u8": 1, "u16": 2, "u32": 4, "u64": 8}


cdef int get_buffer(object obj, Py_buffer *view, str what) except -1:
    try:
        PyObject_GetBuffer(obj, view, PyBUF_SIMPLE)
    except (TypeError, BufferError):
        raise InvalidTypeError(
            f"{what} must be a contiguous bytes-like object, not {type(obj).__name__}") from None
    return 0


def default_threads():
    """Threads `sign_many` uses unless told: the CPUs this process may run on."""
    return len(os.sched_getaffinity(0))


cdef class _Pool:
    cdef mev_pool *pool

    def __cinit__(self, int nthreads):
        check(mev_pool_new(nthreads, &self.pool), f"pool of {nthreads} threads")

    def __dealloc__(self):
        mev_pool_free(self.pool)


cdef dict _pools = {}
# A forked child inherits the pools without their threads: it makes its own on first use (the C
# pool would otherwise run the child's batches on one thread, see csrc/pool.h).
os.register_at_fork(after_in_child=_pools.clear)


cdef mev_pool *pool_for(object threads) except? NULL:
    if threads is None:
        threads = default_threads()
    if not isinstance(threads, int) or not 1 <= threads <= 256:
        raise InvalidArgumentError(f"threads must be an int in [1, 256], not {threads!r}")
    if threads == 1:
        return NULL
    pool = _pools.get(threads)
    if pool is None:
        pool = _pools[threads] = _Pool(threads)
    return (<_Pool>pool).pool


cdef extern from "sys/prctl.h" nogil:
    enum:
        PR_GET_DUMPABLE
        PR_SET_DUMPABLE
    int prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4,
              unsigned long arg5)

# While a key is in memory the process is not dumpable: no core file, no ptrace or
# /proc/PID/mem from other processes of the same user. MEVLIB_ALLOW_CORE_DUMPS=1 opts out (to
# debug a crash, or profile with py-spy). The flag is restored when the last key is wiped.
cdef int _live_keys = 0
cdef int _dumpable_before = -1


cdef void _key_opened() noexcept:
    global _live_keys, _dumpable_before
    _live_keys += 1
    if _live_keys == 1 and os.environ.get("MEVLIB_ALLOW_CORE_DUMPS") != "1":
        _dumpable_before = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0)
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


cdef void _key_wiped() noexcept:
    global _live_keys, _dumpable_before
    _live_keys -= 1
    if _live_keys == 0 and _dumpable_before > 0:
        prctl(PR_SET_DUMPABLE, _dumpable_before, 0, 0, 0)
        _dumpable_before = -1


def pool_thread_ids(threads=None):
    """The kernel ids of the workers of the signing pool `sign_many` uses for `threads` (default:
    one per CPU this process may use), for mevlib.affinity.pin. The caller's thread works too."""
    cdef mev_pool *pool = pool_for(threads)
    cdef int ids[256]
    if pool == NULL:
        return []
    n = mev_pool_thread_ids(pool, ids, 256)
    return [ids[i] for i in range(n)]


cdef bytearray read_keygen_file(object path):
    """A solana-keygen JSON file: a list of 64 byte values (seed then public key)."""
    with open(path, "rb") as f:
        raw = bytearray(f.read())
    try:
        values = json.loads(raw)
    except ValueError:
        raise KeyMaterialError(f"{os.fspath(path)!r} is not a solana-keygen JSON file") from None
    finally:
        raw[:] = bytes(len(raw))
    if (not isinstance(values, list) or len(values) != 64
            or not all(isinstance(v, int) and 0 <= v <= 255 for v in values)):
        raise KeyMaterialError(
            f"{os.fspath(path)!r} must hold a JSON list of 64 byte values (seed + public key)")
    return bytearray(values)


cdef class Signer:
    """An Ed25519 signing key, expanded once and held in locked, guarded memory.

    Construct from a solders ``Keypair``, 64 keypair bytes (seed + public key), a 32-byte seed, or
    the path of a ``solana-keygen`` JSON file. The secret is wiped by :meth:`close` (or when the
    object is collected); it never appears in ``repr`` and cannot be pickled or copied.

    ``nonces=N`` keeps N random nonces with their curve points computed ahead by a background
    thread, which cuts a signature from ~17 µs to ~2 µs. Signatures are then randomized: still
    valid Ed25519 for every verifier, but signing the same message twice gives two different
    signatures (see :meth:`nonce_stats`; the pool refills when half is used, and signing falls
    back to the deterministic RFC 8032 path when it runs dry or in a forked child).

    Do not use ``nonces=`` where the process's memory can be duplicated: a VM snapshot restored
    twice, CRIU, a container checkpoint/restore, a fork by means other than fork() (which wipes
    the pool). Two copies would sign two messages with the same nonce, and that reveals the key.
    Deterministic signing (the default) is safe everywhere.

    While any key is open the process is not dumpable (no core files, no ptrace or
    /proc/PID/mem by other processes of the user); set MEVLIB_ALLOW_CORE_DUMPS=1 to keep it
    dumpable.
    """
    cdef mev_key *_key
    cdef int _users      # operations under way with the GIL released; close() waits for them
    cdef bint _closed
    cdef readonly bytes pubkey_bytes

    def __cinit__(self, key, *, nonces=0):
        cdef Py_buffer view
        cdef bytearray material = None
        cdef int rc
        if isinstance(key, (str, os.PathLike)):
            material = read_keygen_file(key)
            key = material
        elif isinstance(key, Keypair):
            key = bytes(key)
        get_buffer(key, &view, "key")
        try:
            if view.len == MEV_SEED_BYTES:
                rc = mev_key_new(<const uint8_t *>view.buf, &self._key)
            elif view.len == 64:
                rc = mev_key_from_keypair(<const uint8_t *>view.buf, &self._key)
            else:
                raise KeyMaterialError(
                    f"key must be a 32-byte seed or 64 keypair bytes, got {view.len} bytes")
        finally:
            PyBuffer_Release(&view)
            if material is not None:
                material[:] = bytes(64)
        check(rc, "key")
        _key_opened()
        if not isinstance(nonces, int) or isinstance(nonces, bool) or not (nonces == 0 or 2 <= nonces <= 1 << 20):
            raise InvalidArgumentError(f"nonces must be 0 (off) or an int from 2 to 2**20, not {nonces!r}")
        if nonces:
            check(mev_key_start_nonces(self._key, nonces), "nonce pool")
        self.pubkey_bytes = PyBytes_FromStringAndSize(<const char *>mev_key_pubkey(self._key), 32)

    @classmethod
    def from_file(cls, path):
        """Load a ``solana-keygen`` JSON keypair file."""
        return cls(os.fspath(path))

    cdef void _free_key(self) noexcept:
        if self._key != NULL:
            mev_key_free(self._key)
            self._key = NULL
            _key_wiped()

    def __dealloc__(self):
        self._free_key()

    cdef int _enter(self) except -1:
        if self._closed or self._key == NULL:
            raise ClosedError("Signer is closed (or was never initialised)")
        self._users += 1
        return 0

    cdef void _leave(self) noexcept:
        self._users -= 1
        if self._closed and self._users == 0:
            self._free_key()

    def close(self):
        """Wipe and free the secret key. Signing afterwards raises ClosedError."""
        self._closed = True
        if self._users == 0:
            self._free_key()

    @property
    def closed(self):
        return self._closed

    @property
    def pubkey(self):
        return Pubkey.from_bytes(self.pubkey_bytes)

    def thread_ids(self):
        """The nonce refill thread's kernel id (empty without nonces), for mevlib.affinity.pin."""
        self._enter()
        tid = mev_key_refill_thread_id(self._key)
        self._leave()
        return [tid] if tid else []

    def nonce_stats(self):
        """{"served", "missed", "available"}: nonces used, signatures made without one while
        the pool was dry, and nonces ready now (all 0 without a pool)."""
        cdef uint64_t served, missed
        cdef uint32_t available
        self._enter()
        mev_key_nonce_stats(self._key, &served, &missed, &available)
        self._leave()
        return {"served": served, "missed": missed, "available": available}

    def sign(self, message):
        """The 64-byte Ed25519 signature of any bytes-like message (RFC 8032)."""
        return self._sign(message, -1)

    def _sign_with(self, message, int method):
        """Sign with a chosen routine (0 expanded key, 1 crypto_sign_detached): for benchmarks."""
        if method not in (MEV_SIGN_EXPANDED, MEV_SIGN_DETACHED):
            raise InvalidArgumentError(f"unknown signing method {method}")
        return self._sign(message, method)

    cdef bytes _sign(self, message, int method):
        cdef Py_buffer view
        cdef uint8_t sig[64]
        cdef int rc
        get_buffer(message, &view, "message")
        try:
            self._enter()
            with nogil:
                if method < 0:
                    rc = mev_sign(self._key, <const uint8_t *>view.buf, view.len, sig)
                else:
                    rc = mev_sign_with(self._key, method, <const uint8_t *>view.buf, view.len, sig)
            self._leave()
        finally:
            PyBuffer_Release(&view)
        check(rc, "sign")
        return PyBytes_FromStringAndSize(<const char *>sig, 64)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        state = " closed" if self._closed else ""
        return f"<mevlib.Signer {self.pubkey}{state}>"

    def __reduce__(self):
        raise InvalidTypeError("a Signer holds a secret key and cannot be pickled")

    def __reduce_ex__(self, protocol):
        raise InvalidTypeError("a Signer holds a secret key and cannot be pickled")

    def __copy__(self):
        raise InvalidTypeError("a Signer holds a secret key and cannot be copied")

    def __deepcopy__(self, memo):
        raise InvalidTypeError("a Signer holds a secret key and cannot be copied")


cdef bytes message_bytes(object message):
    if isinstance(message, (bytes, bytearray, memoryview)):
        return bytes(message)
    try:
        return to_bytes_versioned(message)
    except TypeError:
        raise InvalidTypeError(
            "message must be a solders Message or MessageV0, or serialized message bytes, "
            f"not {type(message).__name__}") from None


cdef int patch_int(object spec, str what, str name) except -1:
    if not isinstance(spec, int) or isinstance(spec, bool):
        raise InvalidTypeError(f"patch {name!r}: {what} must be an int, not {type(spec).__name__}")
    if not 0 <= spec <= 0xffff:
        raise PatchError(f"patch {name!r}: {what} {spec} is out of range")
    return spec


cdef class TxTemplate:
    """A serialized message with named patch points, signed into wire transactions.

    ``patches`` maps a name to ``(instruction_index, byte_offset, kind)`` inside that
    instruction's data, kind one of ``"u8"``, ``"u16"``, ``"u32"``, ``"u64"`` (little-endian),
    e.g. ``{"tip": (2, 4, "u64")}`` for the lamports of a system transfer; or to
    ``(key_index, 0, "account")``: the static account key at that index (not a signer), patched
    with a Pubkey, e.g. the Jito tip account drawn per signature (see mevlib.signer.Patch).
    A patched key must stay distinct from the message's other keys (PatchError at signing).
    ``blockhash`` is always a patch point. A value not given to :meth:`sign` keeps what the message was built with.
    ``nonces`` is passed to the Signers made here from Keypairs (see :class:`Signer`).
    """
    cdef mev_tpl *_tpl
    cdef list _signers       # the Signer objects bound to signature slots
    cdef list _owned         # Signers this template made from Keypairs and closes with itself
    cdef dict _index         # patch name -> position
    cdef tuple _names
    cdef size_t _offsets[MEV_MAX_PATCHES]
    cdef uint8_t _widths[MEV_MAX_PATCHES]
    cdef object _maxima      # per position: the largest value the field holds
    cdef uint8_t _default_row[MAX_ROW]
    cdef size_t _row_bytes
    cdef size_t _wire_len
    cdef bytes _message
    cdef object _threads
    cdef int _users
    cdef bint _closed

    def __cinit__(self, message, signers, patches=None, *, threads=None, nonces=0):
        cdef unsigned idx
        cdef size_t off
        cdef uint8_t width
        self._message = message_bytes(message)
        check(mev_tpl_new(<const uint8_t *>PyBytes_AS_STRING(self._message), len(self._message),
                          &self._tpl), "message")
        self._bind_signers(signers, nonces)
        self._index = {}
        check(mev_tpl_add_blockhash_patch(self._tpl, &idx))
        self._index["blockhash"] = idx
        maxima = [None]
        for name, spec in (patches or {}).items():
            if not isinstance(name, str) or not name.isidentifier() or name == "blockhash":
                raise PatchError(f"patch name must be an identifier other than 'blockhash': {name!r}")
            try:
                ix, offset, kind = spec
            except (TypeError, ValueError):
                raise InvalidTypeError(
                    f"patch {name!r} must be (instruction_index, byte_offset, kind)") from None
            if kind == "account":
                if offset != 0:
                    raise PatchError(f"patch {name!r}: an account patch is (key_index, 0, 'account')")
                patch_int(ix, "account key index", name)
                if ix >= mev_tpl_info(self._tpl).num_static_keys:
                    raise PatchError(f"patch {name!r}: account key {ix} is not a static key of the message "
                                     f"({mev_tpl_info(self._tpl).num_static_keys} static keys; looked-up keys "
                                     f"cannot be patched)")
                rc = mev_tpl_add_account_patch(self._tpl, ix, &idx)
                check(rc, f"patch {name!r} at account key {ix}")
                self._index[name] = idx
                maxima.append(None)
                continue
            if kind not in _INT_WIDTHS:
                raise PatchError(f"patch {name!r}: kind must be 'account' or one of {sorted(_INT_WIDTHS)}, "
                                 f"not {kind!r}")
            rc = mev_tpl_add_ix_patch(self._tpl, patch_int(ix, "instruction index", name),
                                      patch_int(offset, "byte offset", name),
                                      _INT_WIDTHS[kind], &idx)
            check(rc, f"patch {name!r} at instruction {ix}, offset {offset}, {kind}")
            self._index[name] = idx
            maxima.append((1 << (8 * _INT_WIDTHS[kind])) - 1)
        self._maxima = tuple(maxima)
        self._names = tuple(self._index)
        for idx in range(len(self._names)):
            check(mev_tpl_patch_layout(self._tpl, idx, &off, &width))
            self._offsets[idx] = off
            self._widths[idx] = width
        self._row_bytes = mev_tpl_row_bytes(self._tpl)
        mev_tpl_default_row(self._tpl, self._default_row)
        self._wire_len = mev_tpl_wire_len(self._tpl)
        pool_for(threads)  # validate now, not at the first batch
        self._threads = threads

    cdef _bind_signers(self, signers, nonces):
        self._signers = []
        self._owned = []
        if isinstance(signers, (Signer, Keypair)):
            signers = [signers]
        try:
            signers = list(signers)
        except TypeError:
            raise InvalidTypeError("signers must be a Signer, a Keypair or an iterable of them") from None
        for s in signers:
            if isinstance(s, Keypair):
                s = Signer(s, nonces=nonces)
                self._owned.append(s)
            elif not isinstance(s, Signer):
                raise InvalidTypeError(f"signers must be mevlib.Signer or solders Keypair, not {type(s).__name__}")
            if (<Signer>s)._closed:
                raise ClosedError(f"signer {s.pubkey} is closed")
            if mev_tpl_set_signer(self._tpl, (<Signer>s)._key) != 0:
                raise KeyMaterialError(f"{s.pubkey} is not a required signer of this message")
            self._signers.append(s)
        if mev_tpl_check_signers(self._tpl) != 0:
            have = {(<Signer>s).pubkey_bytes for s in self._signers}
            missing = [str(k) for k in self.signer_pubkeys if bytes(k) not in have]
            raise MissingSignerError(f"no signer for required signature(s) of {', '.join(missing)}")

    def __dealloc__(self):
        mev_tpl_free(self._tpl)

    # --- properties -------------------------------------------------------------------------
    @property
    def patch_names(self):
        return self._names

    @property
    def wire_len(self):
        """Length of every signed transaction this template produces."""
        return self._wire_len

    @property
    def message(self):
        """The message bytes as built (versioned serialization, prefix included for v0)."""
        return self._message

    cdef const mev_msg_info *_info(self) except NULL:
        if self._tpl == NULL:
            raise ClosedError("TxTemplate is closed")
        return mev_tpl_info(self._tpl)

    @property
    def version(self):
        """None for a legacy message, 0 for v0."""
        v = self._info().version
        return None if v == MEV_VERSION_LEGACY else v

    @property
    def num_signatures(self):
        return self._info().num_required_signatures

    @property
    def signer_pubkeys(self):
        return [Pubkey.from_bytes(PyBytes_FromStringAndSize(
                    <const char *>mev_tpl_signer_pubkey(self._tpl, i), 32))
                for i in range(self.num_signatures)]

    # --- signing ----------------------------------------------------------------------------
    cdef int _put(self, uint8_t *row, object name, object value) except -1:
        cdef object idx = self._index.get(name)
        cdef uint64_t v
        cdef uint8_t *dst
        cdef Py_buffer view
        cdef int i
        if idx is None:
            raise PatchError(f"unknown patch {name!r}; this template has {', '.join(self._names)}")
        dst = row + self._offsets[<int>idx]
        if self._maxima[<int>idx] is None:  # 32 bytes: the blockhash (position 0) or an account key
            what = "blockhash" if <int>idx == 0 else f"account {name!r}"
            if isinstance(value, (Hash, Pubkey)):
                value = bytes(value)
            elif isinstance(value, str):
                try:
                    value = bytes(Hash.from_string(value))  # the same base58 of 32 bytes as a Pubkey
                except Exception:  # solders raises its own ParseHashError
                    raise PatchError(f"{what} {value!r} is not base58 of 32 bytes") from None
            get_buffer(value, &view, what)
            try:
                if view.len != 32:
                    raise PatchError(f"{what} must be 32 bytes, got {view.len}")
                memcpy(dst, view.buf, 32)
            finally:
                PyBuffer_Release(&view)
            return 0
        try:
            value = PyNumber_Index(value)
        except TypeError:
            raise InvalidTypeError(f"patch {name!r} takes an int, not {type(value).__name__}") from None
        if value < 0 or value > self._maxima[<int>idx]:
            raise PatchError(f"{name}={value} does not fit its {8 * self._widths[<int>idx]}-bit field")
        v = value
        for i in range(self._widths[<int>idx]):
            dst[i] = <uint8_t>(v >> (8 * i))
        return 0

    cdef int _fill(self, uint8_t *row, object values) except -1:
        for name, value in values.items():
            self._put(row, name, value)
        return 0

    cdef int _enter(self) except -1:
        if self._closed or self._tpl == NULL:
            raise ClosedError("TxTemplate is closed (or was never initialised)")
        for s in self._signers:
            if (<Signer>s)._closed:
                raise ClosedError(f"signer {s.pubkey} is closed")
        for s in self._signers:
            (<Signer>s)._enter()
        self._users += 1
        return 0

    cdef void _leave(self) noexcept:
        for s in self._signers:
            (<Signer>s)._leave()
        self._users -= 1
        if self._closed and self._users == 0:
            mev_tpl_free(self._tpl)
            self._tpl = NULL

    def sign(self, **values):
        """The signed wire transaction with the given patch values, e.g. ``sign(blockhash=h, tip=10_000)``."""
        cdef uint8_t row[MAX_ROW]
        cdef int rc
        memcpy(row, self._default_row, self._row_bytes)
        if values:
            self._fill(row, values)
        out = PyBytes_FromStringAndSize(NULL, self._wire_len)
        cdef uint8_t *dst = <uint8_t *>PyBytes_AS_STRING(out)
        self._enter()
        with nogil:
            rc = mev_tpl_sign(self._tpl, row, dst)
        self._leave()
        check(rc, "sign")
        return out

    def sign_many(self, rows, *, threads=None, **common):
        """Sign one transaction per mapping in ``rows`` (patch name -> value) on a thread pool.

        Keyword arguments apply to every row (a row's own value wins), e.g.
        ``sign_many([{"tip": t} for t in tips], blockhash=h)``. ``threads`` defaults to the
        template's setting, else the CPUs available.
        """
        cdef uint8_t base[MAX_ROW]
        cdef uint8_t *packed = NULL
        cdef uint8_t **outs = NULL
        cdef mev_pool *pool = pool_for(threads if threads is not None else self._threads)
        cdef size_t n, i
        cdef int rc
        rows = list(rows)
        n = len(rows)
        if n == 0:
            return []
        memcpy(base, self._default_row, self._row_bytes)
        if common:
            self._fill(base, common)
        result = [PyBytes_FromStringAndSize(NULL, self._wire_len) for _ in range(n)]
        packed = <uint8_t *>malloc(n * self._row_bytes + 1)
        outs = <uint8_t **>malloc(n * sizeof(uint8_t *))
        try:
            if packed == NULL or outs == NULL:
                raise MemoryError()
            for i in range(n):
                memcpy(packed + i * self._row_bytes, base, self._row_bytes)
                r = rows[i]
                if r:
                    try:
                        self._fill(packed + i * self._row_bytes, r)
                    except AttributeError:
                        raise InvalidTypeError(f"row {i} must be a mapping of patch values") from None
                outs[i] = <uint8_t *>PyBytes_AS_STRING(result[i])
            self._enter()
            with nogil:
                rc = mev_tpl_sign_many(self._tpl, packed, n, outs, pool)
            self._leave()
        finally:
            free(packed)
            free(outs)
        check(rc, "sign_many")
        return result

    def close(self):
        """Free the template and close the Signers it made from Keypairs."""
        self._closed = True
        if self._users == 0:
            mev_tpl_free(self._tpl)
            self._tpl = NULL
        for s in self._owned:
            s.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        if self._tpl == NULL:
            return "<mevlib.TxTemplate closed>"
        kind = "legacy" if self.version is None else f"v{self.version}"
        return (f"<mevlib.TxTemplate {kind}, {self.num_signatures} signer(s), {self._wire_len} bytes, "
                f"patches {', '.join(self._names)}>")

    def __reduce__(self):
        raise InvalidTypeError("a TxTemplate holds signing keys and cannot be pickled")
