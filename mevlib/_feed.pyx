# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Decoding the Geyser plugin's Event messages in C (csrc/delta.c)."""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_CheckExact, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from libc.stdint cimport uint8_t

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
