# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Decoding the Geyser plugin's Event messages in C (csrc/delta.c)."""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_CheckExact, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.buffer cimport PyBUF_SIMPLE, PyBUF_WRITABLE, PyBuffer_Release, PyObject_GetBuffer
from libc.stdint cimport uint8_t
from libc.string cimport memcpy, memset

from mevlib._csrc cimport *

from mevlib.errors import InvalidTypeError


def decode(message, account_cls, slot_cls):
    """One Event as account_cls(...) or slot_cls(...) (see mevlib.feed), or None when the bytes
    are not a valid Event. Never raises on content; only a non-bytes argument is an error."""
    cdef mev_delta d
    cdef const uint8_t *p
    if not PyBytes_CheckExact(message):
        if isinstance(message, (bytearray, memoryview)):
            message = bytes(message)
        else:
            raise InvalidTypeError(f"a message is bytes, not {type(message).__name__}")
    p = <const uint8_t *>PyBytes_AS_STRING(message)
    if mev_delta_decode(p, PyBytes_GET_SIZE(message), &d) != 0:
        return None
    return _delta_object(&d, account_cls, slot_cls)


cdef object _delta_object(mev_delta *d, account_cls, slot_cls):
    if d.kind == MEV_DELTA_ACCOUNT:
        return account_cls(
            PyBytes_FromStringAndSize(<const char *>d.pubkey, 32),
            PyBytes_FromStringAndSize(<const char *>d.owner, 32),
            d.lamports,
            PyBytes_FromStringAndSize(<const char *>d.data, d.data_len) if d.data_len else b"",
            d.slot, d.write_version,
            PyBytes_FromStringAndSize(<const char *>d.signature, 64) if d.signature != NULL else None,
            bool(d.is_startup), d.sequence, bool(d.executable), d.rent_epoch)
    return slot_cls(d.slot, d.parent if d.has_parent else None, d.status,
                    PyBytes_FromStringAndSize(<const char *>d.dead_error, d.dead_error_len).decode("utf-8", "replace")
                    if d.dead_error_len else "",
                    d.sequence)


def decode_yellowstone(message, account_cls, slot_cls, transaction_cls, block_meta_cls, bint with_transaction=False):
    """One Yellowstone SubscribeUpdate (csrc/yellowstone.c): an account_cls or slot_cls object as
    the plugin's, a transaction_cls(signature, slot, is_vote, account_keys, err, fee, index,
    transaction), a block_meta_cls(slot, blockhash, parent_slot, parent_blockhash,
    executed_transaction_count, block_height, block_time), the string "ping", ("pong", id),
    "other" for a kind not read, or None when the bytes are not a valid SubscribeUpdate. Never
    raises on content."""
    cdef mev_ys_update u
    cdef size_t i
    if not PyBytes_CheckExact(message):
        if isinstance(message, (bytearray, memoryview)):
            message = bytes(message)
        else:
            raise InvalidTypeError(f"a message is bytes, not {type(message).__name__}")
    if mev_ys_decode(<const uint8_t *>PyBytes_AS_STRING(message), PyBytes_GET_SIZE(message), &u) != 0:
        return None
    if u.kind == MEV_YS_ACCOUNT or u.kind == MEV_YS_SLOT:
        return _delta_object(&u.delta, account_cls, slot_cls)
    if u.kind == MEV_YS_TRANSACTION:
        keys = tuple(PyBytes_FromStringAndSize(<const char *>u.keys[i], 32) for i in range(u.nkeys))
        return transaction_cls(
            PyBytes_FromStringAndSize(<const char *>u.signature, 64), u.delta.slot, bool(u.is_vote), keys,
            PyBytes_FromStringAndSize(<const char *>u.err, u.err_len) if u.err != NULL else None,
            u.fee, u.index,
            PyBytes_FromStringAndSize(<const char *>u.transaction, u.transaction_len)
            if with_transaction and u.transaction != NULL else None)
    if u.kind == MEV_YS_BLOCK_META:
        return block_meta_cls(
            u.delta.slot,
            PyBytes_FromStringAndSize(<const char *>u.blockhash, u.blockhash_len).decode("ascii", "replace")
            if u.blockhash != NULL else "",
            u.parent_slot,
            PyBytes_FromStringAndSize(<const char *>u.parent_blockhash, u.parent_blockhash_len).decode("ascii", "replace")
            if u.parent_blockhash != NULL else "",
            u.executed_transaction_count,
            u.block_height if u.has_block_height else None,
            u.block_time if u.has_block_time else None)
    if u.kind == MEV_YS_PING:
        return "ping"
    if u.kind == MEV_YS_PONG:
        return ("pong", u.pong_id)
    return "other"


def decode_accounts_into(messages, out, size_t data_bytes, bint yellowstone=False):
    """Fills the structured array `out` (mevlib.feed.account_dtype(data_bytes)) with the account
    updates among `messages` (plugin Events, or Yellowstone SubscribeUpdates), in order; returns
    (written, undecodable). Other updates are skipped."""
    cdef mev_delta d
    cdef mev_ys_update u
    cdef mev_delta *a
    cdef Py_buffer view
    cdef uint8_t *base
    cdef uint8_t *rec
    cdef size_t itemsize = out.dtype.itemsize, cap = len(out), written = 0, bad = 0, n
    cdef size_t o_pub, o_own, o_lam, o_slot, o_wv, o_seq, o_rent, o_len, o_start, o_exec, o_sig, o_data
    cdef int rc
    f = out.dtype.fields
    o_pub, o_own, o_lam, o_slot = f["pubkey"][1], f["owner"][1], f["lamports"][1], f["slot"][1]
    o_wv, o_seq, o_rent, o_len = f["write_version"][1], f["sequence"][1], f["rent_epoch"][1], f["data_len"][1]
    o_start, o_exec, o_sig, o_data = f["is_startup"][1], f["executable"][1], f["has_signature"][1], f["data"][1]
    PyObject_GetBuffer(out, &view, PyBUF_SIMPLE | PyBUF_WRITABLE)
    try:
        base = <uint8_t *>view.buf
        for m in messages:
            if written == cap:
                break
            if not PyBytes_CheckExact(m):
                bad += 1
                continue
            if yellowstone:
                rc = mev_ys_decode(<const uint8_t *>PyBytes_AS_STRING(m), PyBytes_GET_SIZE(m), &u)
                a = &u.delta
            else:
                rc = mev_delta_decode(<const uint8_t *>PyBytes_AS_STRING(m), PyBytes_GET_SIZE(m), &d)
                a = &d
            if rc != 0:
                bad += 1
                continue
            if a.kind != MEV_DELTA_ACCOUNT or (yellowstone and u.kind != MEV_YS_ACCOUNT):
                continue
            rec = base + written * itemsize
            memset(rec, 0, itemsize)
            memcpy(rec + o_pub, a.pubkey, 32)
            memcpy(rec + o_own, a.owner, 32)
            memcpy(rec + o_lam, &a.lamports, 8)
            memcpy(rec + o_slot, &a.slot, 8)
            memcpy(rec + o_wv, &a.write_version, 8)
            memcpy(rec + o_seq, &a.sequence, 8)
            memcpy(rec + o_rent, &a.rent_epoch, 8)
            n = a.data_len
            memcpy(rec + o_len, &n, 4)  # little-endian host: the low 4 bytes
            rec[o_start] = 1 if a.is_startup else 0
            rec[o_exec] = 1 if a.executable else 0
            rec[o_sig] = 1 if a.signature != NULL else 0
            memcpy(rec + o_data, a.data, min(n, data_bytes))
            written += 1
    finally:
        PyBuffer_Release(&view)
    return written, bad
