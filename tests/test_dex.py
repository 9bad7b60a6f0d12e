"""mevlib.dex: token accounts and mints decoded in C (one, or a batch to a numpy array with the GIL
released), errors that name the layout, Token-2022 transfer fees as properties. The SDK
cross-checks are in tests/interop/test_dex_sdks.py."""
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from solders.pubkey import Pubkey

import mevlib
from mevlib import dex

U64 = (1 << 64) - 1


def account_bytes(mint=b"\x01" * 32, owner=b"\x02" * 32, amount=5, state=1) -> bytes:
    return (mint + owner + struct.pack("<Q", amount) + struct.pack("<I", 0) + bytes(32) + bytes([state])
            + struct.pack("<IQ", 0, 0) + struct.pack("<Q", 0) + struct.pack("<I", 0) + bytes(32))


def test_errors_name_the_layout():
    with pytest.raises(mevlib.LayoutError, match="SPL Token account: account data does not match"):
        dex.decode_token_account(account_bytes()[:-1])
    with pytest.raises(ValueError):  # also the built-in a caller expects
        dex.decode_mint(b"\0" * 82, dex.TOKEN_2022_PROGRAM_ID)  # not initialized
    with pytest.raises(mevlib.LayoutError, match="SPL Token-2022 mint"):
        dex.decode_mint(b"\0" * 82, dex.TOKEN_2022_PROGRAM_ID)
    with pytest.raises(mevlib.InvalidArgumentError, match="Token or Token-2022"):
        dex.decode_token_account(account_bytes(), Pubkey.default())


def test_batch_decode_equals_one_by_one():
    datas = [account_bytes(bytes([i]) * 32, bytes([i + 1]) * 32, 10**9 + i, 1 + i % 2) for i in range(200)]
    datas[7] = datas[7][:100]  # one broken account in the batch
    records, ok = dex.decode_token_accounts(datas)
    assert ok.sum() == 199 and not ok[7] and records[7]["amount"] == 0
    for data, rec, good in zip(datas, records, ok):
        if good:
            one = dex.decode_token_account(data)
            assert (bytes(rec["mint"]), bytes(rec["owner"]), int(rec["amount"]), int(rec["state"])) == \
                (bytes(one.mint), bytes(one.owner), one.amount, one.state)
    assert records.dtype == dex.TOKEN_ACCOUNT_DTYPE and isinstance(records, np.ndarray)


@settings(max_examples=400, deadline=None)
@given(st.integers(0, 10_000), st.integers(0, U64), st.integers(0, U64))
def test_pre_fee_amount_is_the_smallest_that_delivers(bps, cap, post):
    fee = dex.TransferFee(0, cap, bps)
    try:
        pre = fee.pre_fee_amount(post)
    except mevlib.MathOverflowError:
        assert post + min(cap, post * bps // max(1, 10_000 - bps) + 1) > U64 or bps == 10_000
        return
    assert pre - fee.fee_of(pre) >= post  # enough arrives
    if 0 < pre and bps < 10_000:
        assert pre - 1 - fee.fee_of(pre - 1) < post  # and one less would not do
    assert fee.fee_of(pre) <= cap


def test_mint_transfer_fee_by_epoch():
    older, newer = struct.pack("<QQH", 0, 500, 100), struct.pack("<QQH", 10, 10**9, 250)
    data = (struct.pack("<I", 0) + bytes(32) + struct.pack("<QBB", 10**6, 6, 1) + struct.pack("<I", 0) + bytes(32)
            + bytes(165 - 82) + bytes([1]) + struct.pack("<HH", 1, 108) + bytes(64) + struct.pack("<Q", 7)
            + older + newer)
    m = dex.decode_mint(data, dex.TOKEN_2022_PROGRAM_ID)
    assert m.withheld_amount == 7 and m.transfer_fee(9).basis_points == 100 and m.transfer_fee(10).basis_points == 250
    assert m.transfer_fee(9).fee_of(10**6) == 500 and m.transfer_fee(10).fee_of(10**6) == 25_000
    plain = dex.decode_mint(data[:82])
    assert plain.transfer_fee(10) == dex.NO_FEE and plain.supply == 10**6
