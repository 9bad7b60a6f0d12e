# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""The DEX layer's C decoders and quote math (csrc/dex/): mevlib.dex builds on it."""

from cpython.buffer cimport PyBUF_SIMPLE, PyBUF_WRITABLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_CheckExact, PyBytes_GET_SIZE
from libc.stdint cimport int64_t, uint8_t, uint16_t, uint64_t
from libc.string cimport memcpy, memset

from mevlib._errors cimport check

cdef extern from "dex/token.h" nogil:
    enum:
        MEV_TOKEN_PROGRAM
        MEV_TOKEN_2022_PROGRAM
    ctypedef struct mev_token_account:
        uint8_t mint[32]
        uint8_t owner[32]
        uint64_t amount
        uint8_t delegate[32]
        uint64_t delegated_amount
        uint64_t native_reserve
        uint8_t close_authority[32]
        uint8_t has_delegate, has_close_authority, is_native, state
    ctypedef struct mev_transfer_fee:
        uint64_t epoch
        uint64_t maximum_fee
        uint16_t basis_points
    ctypedef struct mev_mint:
        uint8_t mint_authority[32]
        uint8_t freeze_authority[32]
        uint64_t supply
        uint8_t decimals
        uint8_t has_mint_authority, has_freeze_authority, has_transfer_fee
        uint64_t withheld_amount
        mev_transfer_fee older_fee, newer_fee
    int mev_token_account_decode(const uint8_t *data, size_t len, int program, mev_token_account *out)
    int mev_mint_decode(const uint8_t *data, size_t len, int program, mev_mint *out)
    uint64_t mev_transfer_fee_of(const mev_transfer_fee *f, uint64_t amount)
    int mev_transfer_pre_fee_amount(const mev_transfer_fee *f, uint64_t post, uint64_t *pre)

TOKEN = MEV_TOKEN_PROGRAM
TOKEN_2022 = MEV_TOKEN_2022_PROGRAM


def token_account(data, int program):
    """One token account's fields as a tuple (see mevlib.dex.TokenAccount)."""
    cdef mev_token_account a
    cdef bytes raw = bytes(data)
    check(mev_token_account_decode(<const uint8_t *>PyBytes_AS_STRING(raw), PyBytes_GET_SIZE(raw), program, &a),
          "SPL Token-2022 account" if program == TOKEN_2022 else "SPL Token account")
    return (a.mint[:32], a.owner[:32], a.amount, a.delegate[:32] if a.has_delegate else None, a.delegated_amount,
            a.state, a.native_reserve if a.is_native else None, a.close_authority[:32] if a.has_close_authority else None)


def mint(data, int program):
    """One mint's fields as a tuple (see mevlib.dex.Mint)."""
    cdef mev_mint m
    cdef bytes raw = bytes(data)
    check(mev_mint_decode(<const uint8_t *>PyBytes_AS_STRING(raw), PyBytes_GET_SIZE(raw), program, &m),
          "SPL Token-2022 mint" if program == TOKEN_2022 else "SPL Token mint")
    fees = None
    if m.has_transfer_fee:
        fees = (m.withheld_amount, (m.older_fee.epoch, m.older_fee.maximum_fee, m.older_fee.basis_points),
                (m.newer_fee.epoch, m.newer_fee.maximum_fee, m.newer_fee.basis_points))
    return (m.mint_authority[:32] if m.has_mint_authority else None, m.supply, m.decimals,
            m.freeze_authority[:32] if m.has_freeze_authority else None, fees)


def transfer_fee(uint64_t maximum_fee, uint16_t basis_points, uint64_t amount):
    cdef mev_transfer_fee f
    f.epoch, f.maximum_fee, f.basis_points = 0, maximum_fee, basis_points
    return mev_transfer_fee_of(&f, amount)


def pre_fee_amount(uint64_t maximum_fee, uint16_t basis_points, uint64_t post):
    cdef mev_transfer_fee f
    cdef uint64_t pre
    f.epoch, f.maximum_fee, f.basis_points = 0, maximum_fee, basis_points
    check(mev_transfer_pre_fee_amount(&f, post, &pre), "pre-fee amount")
    return pre


def token_accounts_into(datas, out, int program):
    """Fills the structured array `out` (mevlib.dex.TOKEN_ACCOUNT_DTYPE) from `datas`, in order,
    with the GIL released over the decoding; returns a bool array: which decoded."""
    import numpy as np

    cdef Py_ssize_t n = len(datas), i
    if len(out) < n:
        raise ValueError(f"out holds {len(out)} records, not {n}")
    keep = [bytes(d) for d in datas]  # alive while the GIL is released
    ptrs = np.zeros(n, np.uintp)
    lens = np.zeros(n, np.uintp)
    for i in range(n):
        ptrs[i] = <size_t>PyBytes_AS_STRING(keep[i])
        lens[i] = PyBytes_GET_SIZE(keep[i])
    ok = np.zeros(n, np.bool_)
    cdef size_t[::1] p = ptrs, l = lens
    cdef uint8_t[::1] good = ok.view(np.uint8)
    cdef Py_buffer view
    cdef size_t itemsize = out.dtype.itemsize
    f = out.dtype.fields
    cdef size_t o_mint = f["mint"][1], o_owner = f["owner"][1], o_amount = f["amount"][1]
    cdef size_t o_state = f["state"][1], o_deleg = f["delegated_amount"][1]
    cdef mev_token_account a
    cdef uint8_t *rec
    PyObject_GetBuffer(out, &view, PyBUF_SIMPLE | PyBUF_WRITABLE)
    try:
        with nogil:
            for i in range(n):
                rec = <uint8_t *>view.buf + i * itemsize
                memset(rec, 0, itemsize)
                if mev_token_account_decode(<const uint8_t *>p[i], l[i], program, &a) != 0:
                    continue
                memcpy(rec + o_mint, a.mint, 32)
                memcpy(rec + o_owner, a.owner, 32)
                memcpy(rec + o_amount, &a.amount, 8)
                memcpy(rec + o_deleg, &a.delegated_amount, 8)
                rec[o_state] = a.state
                good[i] = 1
    finally:
        PyBuffer_Release(&view)
    return ok
