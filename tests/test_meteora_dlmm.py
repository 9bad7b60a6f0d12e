"""Meteora DLMM in mevlib.dex: layouts refused by size and discriminator with the layout's name,
encoders that round-trip through the decoders, batch decoding equal to one by one, a missing bin
array named, limit orders and the variable fee at work, and quote properties (hypothesis):
monotone in the amount, exact amounts in and out, buying an exact-in swap's output back costs at
most one output unit's worth more. Equality with Meteora's SDK is checked in
tests/interop/test_dex_sdks.py."""
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from solders.pubkey import Pubkey

import mevlib
from mevlib.dex import meteora_dlmm as dl

PAIR_ADDRESS = Pubkey.new_unique()
U64 = (1 << 64) - 1
NOW = 1_700_000_000


def market(**kw):
    """A pair with `per_bin` of liquidity in every bin of bin arrays -2..2 (X above the active
    bin, Y below, both in it) and limit orders {bin id: amount} (asks above, bids below)."""
    pair, arrays = market_data(**kw)
    return dl.Pair(pair), [dl.BinArray(a) for a in arrays]


def market_data(bin_step=10, active=35, per_bin=10**9, orders=(), variable_fee_control=0, collect_fee_mode=0,
                function_type=2):
    """market's accounts as bytes (bytearrays)."""
    orders = dict(orders)
    arrays = {}
    for index in range(-2, 3):
        bins = {}
        for slot in range(70):
            bin_id = index * 70 + slot
            price = dl.price_of_bin(bin_id, bin_step)
            x = per_bin if bin_id >= active else 0
            y = per_bin if bin_id <= active else 0
            order = orders.get(bin_id, 0)
            bins[slot] = (x, y, price, order, 0, int(bin_id > active))
        arrays[index] = bytearray(dl.encode_bin_array(PAIR_ADDRESS, index, bins))
    bitmap = [0] * 16
    for index in arrays:
        bitmap[(index + 512) // 64] |= 1 << ((index + 512) % 64)
    pair = dl.encode_pair(base_factor=10000, filter_period=30, decay_period=600, reduction_factor=5000,
                          variable_fee_control=variable_fee_control, max_volatility_accumulator=350000,
                          protocol_share=500, function_type=function_type, collect_fee_mode=collect_fee_mode,
                          active_id=active, index_reference=active, bin_step=bin_step,
                          last_update_timestamp=NOW - 5, bin_array_bitmap=bitmap)
    return bytearray(pair), list(arrays.values())


def test_layouts_are_checked_by_size_and_discriminator():
    pair = dl.encode_pair(bin_step=10)
    with pytest.raises(mevlib.LayoutError, match="Meteora DLMM LbPair"):
        dl.Pair(pair[:-1])
    with pytest.raises(mevlib.LayoutError, match="Meteora DLMM LbPair"):
        dl.Pair(bytes(8) + pair[8:])
    with pytest.raises(mevlib.LayoutError, match="Meteora DLMM LbPair"):
        dl.Pair(dl.encode_pair(bin_step=10, collect_fee_mode=7))  # a mode the program does not define
    with pytest.raises(mevlib.LayoutError, match="BinArray"):
        dl.BinArray(dl.encode_bin_array(PAIR_ADDRESS, 0, {})[:-1])
    with pytest.raises(mevlib.LayoutError, match="BinArrayBitmapExtension"):
        dl.BitmapExtension(bytes(dl.BITMAP_EXTENSION_LEN))
    with pytest.raises(mevlib.InvalidArgumentError, match="no field"):
        dl.encode_pair(bin_stp=1)


def test_encoders_round_trip_and_batches_equal_one_by_one():
    rng = random.Random(3)
    datas = []
    for _ in range(40):
        fields = dict(base_factor=rng.randrange(1 << 16), variable_fee_control=rng.randrange(1 << 32),
                      protocol_share=rng.randrange(2501), function_type=rng.randrange(3),
                      collect_fee_mode=rng.randrange(2), active_id=rng.randrange(-443636, 443637),
                      bin_step=rng.randrange(1, 401), status=rng.randrange(2), pair_type=rng.randrange(4),
                      token_x_mint=rng.randbytes(32), reserve_y=rng.randbytes(32), oracle=rng.randbytes(32),
                      last_update_timestamp=rng.randrange(-(1 << 63), 1 << 63), activation_point=rng.randrange(1 << 64))
        data = dl.encode_pair(**fields)
        got = dl.Pair(data).fields
        assert {k: got[k] for k in fields} == fields
        datas.append(data)
    datas[3] = datas[3][:500]
    rows, ok = dl.decode_many(datas)
    assert ok.sum() == 39 and not ok[3]
    for data, row, good in zip(datas, rows, ok):
        if good:
            f = dl.Pair(data).fields
            assert (int(row["active_id"]), int(row["bin_step"]), bytes(row["oracle"])) == \
                (f["active_id"], f["bin_step"], f["oracle"])
    bins = dl.BinArray(dl.encode_bin_array(PAIR_ADDRESS, -3, {0: (1, 2, 3, 4, 5, 1), 69: (6, 7, 8, 0, 0, 0)}))
    assert bins.index == -3 and bins.lb_pair == bytes(PAIR_ADDRESS)
    assert bins.bins[0] == (1, 2, 3, 4, 5, 1) and bins.bins[69] == (6, 7, 8, 0, 0, 0)


def test_a_missing_bin_array_is_named():
    pair, arrays = market()
    assert dl.swap_bin_arrays(pair, swap_for_y=True) == [0, -1, -2]
    with pytest.raises(mevlib.InvalidArgumentError, match="bin array -1"):
        dl.quote(pair, arrays[2:], 100 * 10**9, swap_for_y=True, now=NOW)


def test_limit_orders_add_depth_in_their_bin():
    plain = dl.quote(*market(), 3 * 10**9, swap_for_y=False, now=NOW)
    pair, arrays = market(orders={36: 2 * 10**9})  # an ask just above the price
    q = dl.quote(pair, arrays, 3 * 10**9, swap_for_y=False, now=NOW)
    assert q.limit_order_out > 0 and q.amount_out > plain.amount_out
    mining = dl.quote(*market(orders={36: 2 * 10**9}, function_type=1), 3 * 10**9, swap_for_y=False, now=NOW)
    assert mining.limit_order_out == 0 and mining.amount_out == plain.amount_out  # no limit orders there


def test_the_variable_fee_grows_with_the_bins_crossed():
    fixed = dl.quote(*market(), 20 * 10**9, swap_for_y=True, now=NOW)
    dynamic = dl.quote(*market(variable_fee_control=40000), 20 * 10**9, swap_for_y=True, now=NOW)
    assert dynamic.fee > fixed.fee and dynamic.amount_out < fixed.amount_out
    assert fixed.bins > 10
    small = dl.quote(*market(variable_fee_control=40000), 1000, swap_for_y=True, now=NOW)
    assert small.fee == (1000 * 10000 * 10 * 10 + 10**9 - 1) // 10**9  # in the active bin: the base fee


def test_the_fee_mode_only_y_takes_the_fee_in_y():
    pair, arrays = market(collect_fee_mode=1)
    sell_x = dl.quote(pair, arrays, 10**8, swap_for_y=True, now=NOW)   # Y out: the fee from the output
    sell_y = dl.quote(pair, arrays, 10**8, swap_for_y=False, now=NOW)  # Y in: the fee from the input
    assert not sell_x.fee_on_input and sell_y.fee_on_input


@settings(max_examples=300, deadline=None)
@given(amount=st.integers(1, U64), swap_for_y=st.booleans(), mode=st.integers(0, 1), bin_step=st.sampled_from([1, 10, 80]),
       orders=st.dictionaries(st.integers(-140, 209), st.integers(1, 10**12), max_size=4))
def test_quotes_are_monotone_exact_and_round_trip(amount, swap_for_y, mode, bin_step, orders):
    pair, arrays = market(bin_step=bin_step, orders=orders, collect_fee_mode=mode)
    try:
        q = dl.quote(pair, arrays, amount, swap_for_y=swap_for_y, now=NOW)
    except (mevlib.InvalidArgumentError, mevlib.MathOverflowError):
        return
    assert q.amount_in == amount and q.protocol_fee <= q.fee
    try:
        more = dl.quote(pair, arrays, amount + 1, swap_for_y=swap_for_y, now=NOW)
        assert more.amount_out >= q.amount_out
    except (mevlib.InvalidArgumentError, mevlib.MathOverflowError):
        pass
    if q.amount_out == 0:
        return
    back = dl.quote(pair, arrays, q.amount_out, swap_for_y=swap_for_y, now=NOW, exact_in=False)
    assert back.amount_out == q.amount_out
    assert back.amount_in <= q.amount_in + q.amount_in // q.amount_out + 2  # within one output unit's worth


def test_quote_many_equals_one_by_one():
    import numpy as np

    pair, arrays = market(orders={30: 10**9, 40: 10**9})
    amounts = np.array([1, 10**3, 10**8, 3 * 10**10, 10**13, 2**63], np.uint64)
    for swap_for_y in (True, False):
        for exact_in in (True, False):
            ins, outs, ok = dl.quote_many(pair, arrays, amounts, swap_for_y=swap_for_y, now=NOW, exact_in=exact_in)
            for amount, a, b, good in zip(amounts.tolist(), ins.tolist(), outs.tolist(), ok.tolist()):
                try:
                    q = dl.quote(pair, arrays, amount, swap_for_y=swap_for_y, now=NOW, exact_in=exact_in)
                    assert good and (a, b) == (q.amount_in, q.amount_out)
                except (mevlib.InvalidArgumentError, mevlib.MathOverflowError):
                    assert not good and (a, b) == (0, 0)
            assert ok.any() and not ok.all()


# --- execute: the accounts after the swap -----------------------------------------------------------
# the bytes a swap writes (the IDL's offsets): the pair's volatility variables (40..64, of which
# 60..64 padding), active bin (76), protocol fees (216..232); each bin's amounts, price, open
# orders and processed remainder
PAIR_WRITES = [(40, 64), (76, 80), (216, 232)]
BIN_WRITES = [(56 + 144 * i + a, 56 + 144 * i + b) for i in range(70) for a, b in [(0, 32), (112, 120), (128, 136)]]


def changed_outside(before: bytes, after: bytes, writes) -> list:
    allowed = {i for a, b in writes for i in range(a, b)}
    return [i for i, (x, y) in enumerate(zip(before, after)) if x != y and i not in allowed]


def execute(pair, arrays, amount, **kw):
    """dl.execute on copies: (quote, pair bytes, bin array bytes) after."""
    pair, arrays = bytearray(pair), [bytearray(a) for a in arrays]
    return dl.execute(pair, arrays, amount, **kw), pair, arrays


def totals(arrays):
    """Σ over the bins of (amount_x, amount_y, open orders, processed remainder)."""
    bins = [b for a in arrays for b in dl.BinArray(a).bins]
    return [sum(b[k] for b in bins) for k in (0, 1, 3, 4)]


@settings(max_examples=150, deadline=None)
@given(amount=st.integers(1, 10**12), swap_for_y=st.booleans(), exact_in=st.booleans(), mode=st.integers(0, 1),
       orders=st.dictionaries(st.integers(-140, 209), st.integers(1, 10**10), max_size=3),
       variable=st.sampled_from([0, 7500]))
def test_execute_moves_the_bins_by_what_the_quote_fills(amount, swap_for_y, exact_in, mode, orders, variable):
    pair_data, arrays = market_data(orders=orders, collect_fee_mode=mode, variable_fee_control=variable)
    kw = dict(swap_for_y=swap_for_y, now=NOW, exact_in=exact_in)
    try:
        q = dl.quote(dl.Pair(pair_data), [dl.BinArray(a) for a in arrays], amount, **kw)
    except (mevlib.InvalidArgumentError, mevlib.MathOverflowError) as e:
        copies = [bytearray(pair_data)] + [bytearray(a) for a in arrays]
        with pytest.raises(type(e)):
            dl.execute(copies[0], copies[1:], amount, **kw)
        assert copies == [pair_data] + arrays  # nothing written on a failure
        return
    done, pair_after, arrays_after = execute(pair_data, arrays, amount, **kw)
    assert done == q
    before, after = dl.Pair(pair_data).fields, dl.Pair(pair_after).fields
    assert after["active_id"] == q.active_id and after["last_update_timestamp"] == NOW
    fee_in_x = q.fee_on_input == swap_for_y
    for side, grew in (("x", fee_in_x), ("y", not fee_in_x)):
        assert after[f"protocol_fee_amount_{side}"] == before[f"protocol_fee_amount_{side}"] + (q.protocol_fee if grew else 0)
    assert changed_outside(pair_data, pair_after, PAIR_WRITES) == []
    assert all(changed_outside(a, b, BIN_WRITES) == [] for a, b in zip(arrays, arrays_after))
    (x0, y0, open0, done0), (x1, y1, open1, done1) = totals(arrays), totals(arrays_after)
    gave = (y0 - y1 if swap_for_y else x0 - x1) + (open0 - open1) + (done0 - done1)
    took = x1 - x0 if swap_for_y else y1 - y0
    fee_out = 0 if q.fee_on_input else q.fee
    if exact_in:  # the bins gave the output with its fee when the fee is on the output
        assert gave == q.amount_out + fee_out
    else:  # exact-out: a bin's rounding gives up to one unit more (quote.rs), beyond that the protocol's
        assert q.amount_out + fee_out <= gave <= q.amount_out + fee_out + q.protocol_fee + 1
    if q.limit_order_out == 0:  # the market makers took the input less a fee on it
        assert took == q.amount_in - (q.fee if q.fee_on_input else 0)


def test_swapping_in_two_parts_lands_where_one_swap_does():
    """The state written is the state a swap continues from: a then b within the filter period
    (the volatility keeps accumulating from the same reference) ends where a + b does."""
    pair_data, arrays = market_data(variable_fee_control=7500)
    kw = dict(swap_for_y=True, now=NOW)
    whole = dl.quote(dl.Pair(pair_data), [dl.BinArray(a) for a in arrays], 5 * 10**10, **kw)
    first, pair_data, arrays = execute(pair_data, arrays, 2 * 10**10, **kw)
    second, pair_data, arrays = execute(pair_data, arrays, 3 * 10**10, **kw)
    assert whole.bins > 10 and second.active_id == whole.active_id
    assert abs(whole.amount_out - (first.amount_out + second.amount_out)) <= 2
    assert abs(whole.fee - (first.fee + second.fee)) <= 2


def test_limit_orders_shrink_by_what_they_gave_and_references_move_after_the_filter_period():
    pair_data, arrays = market_data(orders={30: 10**9})
    slot = 30 % 70
    k = [dl.BinArray(a).index for a in arrays].index(0)
    q, pair_data, arrays = execute(pair_data, arrays, 10**9 * 6 + 10**8, swap_for_y=True, now=NOW)
    assert q.active_id == 30 and q.limit_order_out > 0
    x, y, _, open_orders, processed, _ = dl.BinArray(arrays[k]).bins[slot]
    # the bin's market makers gave all their Y first, then the bid order part of its own
    assert (y, open_orders, processed) == (0, 10**9 - q.limit_order_out, 0)
    accumulated = dl.Pair(pair_data).fields["volatility_accumulator"]
    assert accumulated > 0
    later, pair_data, arrays = execute(pair_data, arrays, 10**6, swap_for_y=True, now=NOW + 40)
    f = dl.Pair(pair_data).fields
    assert f["index_reference"] == 30 and f["volatility_reference"] == accumulated * 5000 // 10000
    assert f["last_update_timestamp"] == NOW + 40
