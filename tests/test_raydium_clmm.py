"""Raydium CLMM in mevlib.dex: layouts refused by size and discriminator with the layout's name,
encoders that round-trip through the decoders, batch decoding equal to one by one, and quote
properties (hypothesis): monotone in the amount, an exact-in swap fills its amount, buying its
output back costs at most one output unit's worth more, nothing wraps at the u64 ends. The
quotes' equality with the program is checked against the SDK in tests/interop/test_dex_sdks.py."""
import random
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from solders.pubkey import Pubkey

import mevlib
from mevlib.dex import raydium_clmm as rc

POOL_ADDRESS = Pubkey.new_unique()
U64 = (1 << 64) - 1


def market(**kw):
    """A pool with one position across tick arrays -3..+3 around the price and limit orders at
    the ticks given: (pool, config, arrays), decoded from market_data's accounts."""
    pool, config, arrays = market_data(**kw)
    return rc.Pool(pool), config, [rc.TickArray(a) for a in arrays]


def market_data(spacing=10, tick=105, liquidity=10**12, orders=(), fee_on=0, dynamic=None, trade_fee_rate=2500,
                inner=None):
    """market's pool and tick arrays as account bytes (bytearrays), the config decoded; `inner`
    (lower, upper, liquidity) a second position, in range."""
    span = 60 * spacing
    first = rc.tick_array_start(tick, spacing) - 3 * span
    slots = {first: (liquidity, liquidity), first + 7 * span - spacing: (-liquidity, liquidity)}
    if inner:
        lower, upper, amount = inner
        slots.update({lower: (amount, amount), upper: (-amount, amount)})
        liquidity += amount
    arrays = {}
    for t, (net, gross) in slots.items():
        s = rc.tick_array_start(t, spacing)
        arrays.setdefault(s, {})[(t - s) // spacing] = (net, gross, 0, 0)
    for t, amount in orders:
        s = rc.tick_array_start(t, spacing)
        net, gross, o, p = arrays.setdefault(s, {}).get((t - s) // spacing, (0, 0, 0, 0))
        arrays[s][(t - s) // spacing] = (net, gross, o + amount, p)
    bitmap = [0] * 16
    for s in arrays:
        bit = s // span + 512
        bitmap[bit // 64] |= 1 << (bit % 64)
    pool = rc.encode_pool(tick_spacing=spacing, liquidity=liquidity, sqrt_price_x64=rc.sqrt_price_at_tick(tick) + 1,
                          tick_current=tick, tick_array_bitmap=bitmap, fee_on=fee_on, dynamic_fee_info=dynamic)
    config = rc.Config(rc.encode_config(trade_fee_rate=trade_fee_rate, protocol_fee_rate=120000, fund_fee_rate=40000,
                                        tick_spacing=spacing))
    return (bytearray(pool), config,
            [bytearray(rc.encode_tick_array(POOL_ADDRESS, s, spacing, t)) for s, t in arrays.items()])


def test_layouts_are_checked_by_size_and_discriminator():
    pool = rc.encode_pool(tick_spacing=1)
    with pytest.raises(mevlib.LayoutError, match="Raydium CLMM PoolState"):
        rc.Pool(pool[:-1])
    with pytest.raises(mevlib.LayoutError, match="Raydium CLMM PoolState"):
        rc.Pool(bytes(8) + pool[8:])
    with pytest.raises(mevlib.LayoutError, match="TickArrayState"):
        rc.TickArray(rc.encode_tick_array(POOL_ADDRESS, 0, 1, {})[:-1])
    with pytest.raises(mevlib.LayoutError, match="AmmConfig"):
        rc.Config(rc.encode_config(trade_fee_rate=1_000_000))  # a rate the program's arithmetic cannot take
    with pytest.raises(mevlib.LayoutError, match="TickArrayBitmapExtension"):
        rc.BitmapExtension(bytes(rc.BITMAP_EXTENSION_LEN))
    with pytest.raises(mevlib.InvalidArgumentError, match="no field"):
        rc.encode_pool(tick_spacin=1)


def test_encoders_round_trip_and_batches_equal_one_by_one():
    rng = random.Random(3)
    datas = []
    for _ in range(50):
        fields = dict(amm_config=rng.randbytes(32), token_mint_0=rng.randbytes(32), token_vault_1=rng.randbytes(32),
                      tick_spacing=rng.choice([1, 10, 60]), liquidity=rng.randrange(1 << 128),
                      sqrt_price_x64=rng.randrange(1 << 128), tick_current=rng.randrange(-443636, 443637),
                      status=rng.randrange(32), fee_on=rng.randrange(3), open_time=rng.randrange(1 << 64),
                      fund_fees_token_1=rng.randrange(1 << 64))
        dynamic = dict(filter_period=30, decay_period=600, reduction_factor=5000, dynamic_fee_control=rng.randrange(1 << 32),
                       max_volatility_accumulator=350000, tick_spacing_index_reference=rng.randrange(-1000, 1000),
                       volatility_reference=7, volatility_accumulator=9, last_update_timestamp=rng.randrange(1 << 64))
        data = rc.encode_pool(dynamic_fee_info=dynamic if rng.random() < 0.5 else None, **fields)
        got = rc.Pool(data).fields
        assert {k: got[k] for k in fields} == fields
        assert got["dynamic_fee_info"] in (None, dynamic)
        datas.append(data)
    datas[7] = datas[7][:100]
    rows, ok = rc.decode_many(datas)
    assert ok.sum() == 49 and not ok[7]
    for data, row, good in zip(datas, rows, ok):
        if good:
            f = rc.Pool(data).fields
            assert int(row["liquidity_lo"]) + (int(row["liquidity_hi"]) << 64) == f["liquidity"]
            assert int(row["sqrt_price_x64_lo"]) + (int(row["sqrt_price_x64_hi"]) << 64) == f["sqrt_price_x64"]
            assert int(row["tick_current"]) == f["tick_current"] and bytes(row["amm_config"]) == f["amm_config"]
            assert bool(row["has_dynamic_fee"]) == (f["dynamic_fee_info"] is not None)
    ticks = {3: (5, 7, 11, 13), 59: (-5, 7, 0, 0)}
    array = rc.TickArray(rc.encode_tick_array(POOL_ADDRESS, -600, 10, ticks))
    assert array.start_tick_index == -600 and array.pool_id == bytes(POOL_ADDRESS) and array.initialized_tick_count == 2
    assert array.ticks[3] == (-570, 5, 7, 11, 13) and array.ticks[59] == (-10, -5, 7, 0, 0)


def test_a_missing_tick_array_is_named():
    pool, config, arrays = market()  # positions start in the array at -1800 and end in the one at 1800
    assert rc.swap_tick_arrays(pool, zero_for_one=True) == [-1800]
    above = [a for a in arrays if a.start_tick_index == 1800]
    with pytest.raises(mevlib.InvalidArgumentError, match="tick array starting at -1800"):
        rc.quote(pool, config, above, 10**11, zero_for_one=True, now=100)
    with pytest.raises(mevlib.InvalidArgumentError, match="different pools"):
        other = rc.TickArray(rc.encode_tick_array(Pubkey.new_unique(), 600, 10, {0: (1, 1, 0, 0)}))
        rc.quote(pool, config, arrays + [other], 10, zero_for_one=True, now=100)


def test_limit_orders_fill_at_their_tick_before_the_price_moves_on():
    """Selling token 0 down to a tick with a resting order: the order fills at that tick's price,
    and the swap pays only the pool's fee on it."""
    pool, config, arrays = market(orders=[(0, 10**9)])
    q = rc.quote(pool, config, arrays, 5 * 10**10, zero_for_one=True, now=100)
    assert q.limit_order_out == 10**9
    price = rc.sqrt_price_at_tick(0) ** 2 >> 64  # tick 0: one token 1 per token 0
    assert price == 1 << 64 and abs(q.limit_order_in - 10**9 * 1_000_000 // (1_000_000 - 2500)) <= 2
    plain = rc.quote(*market(), 5 * 10**10, zero_for_one=True, now=100)
    assert q.amount_out > plain.amount_out  # the order adds depth at its tick


def test_the_dynamic_fee_grows_with_the_ticks_crossed():
    dynamic = dict(filter_period=10, decay_period=600, reduction_factor=5000, dynamic_fee_control=80000,
                   max_volatility_accumulator=350000, tick_spacing_index_reference=10, volatility_reference=0,
                   volatility_accumulator=0, last_update_timestamp=50)
    fixed = rc.quote(*market(), 5 * 10**10, zero_for_one=True, now=100)
    dyn = rc.quote(*market(dynamic=dynamic), 5 * 10**10, zero_for_one=True, now=100)
    assert dyn.amount_out < fixed.amount_out and dyn.fee > fixed.fee
    small = rc.quote(*market(dynamic=dynamic), 10**3, zero_for_one=True, now=100)
    assert small.fee == (10**3 * 2500 + 999_999) // 1_000_000  # within the first spacing: the base fee


@settings(max_examples=300, deadline=None)
@given(amount=st.integers(1, U64), zero_for_one=st.booleans(), fee_on=st.integers(0, 2),
       orders=st.lists(st.tuples(st.integers(-1700, 1700), st.integers(1, 10**12)), max_size=4),
       liquidity=st.integers(1, 1 << 100))
def test_quotes_are_monotone_fill_and_round_trip(amount, zero_for_one, fee_on, orders, liquidity):
    orders = [(t // 10 * 10, a) for t, a in orders if t // 10 * 10 != 0]
    pool, config, arrays = market(liquidity=liquidity, orders=orders, fee_on=fee_on)
    try:
        q = rc.quote(pool, config, arrays, amount, zero_for_one=zero_for_one, now=100)
    except (mevlib.InvalidArgumentError, mevlib.MathOverflowError):
        return
    assert q.amount_in == amount and q.amount_out < 1 << 64
    try:
        more = rc.quote(pool, config, arrays, amount + 1, zero_for_one=zero_for_one, now=100)
        assert more.amount_out >= q.amount_out
    except (mevlib.InvalidArgumentError, mevlib.MathOverflowError):
        pass
    try:
        back = rc.quote(pool, config, arrays, q.amount_out, zero_for_one=zero_for_one, now=100, exact_in=False)
    except (mevlib.InvalidArgumentError, mevlib.MathOverflowError):
        return
    assert back.amount_out == q.amount_out
    assert back.amount_in <= q.amount_in + q.amount_in // q.amount_out + 2  # within one output unit's worth
    again = rc.quote(pool, config, arrays, back.amount_in, zero_for_one=zero_for_one, now=100)
    assert again.amount_out >= q.amount_out


def test_transfer_fees_apply_as_swap_v2_applies_them():
    """Token-2022 fees (instructions/swap_v2.rs): exact-in swaps what is left of the input after
    its fee and pays out the output less its fee; exact-out swaps for enough output that `amount`
    arrives, and the user sends the input with its fee on top."""
    from mevlib.dex import TransferFee

    pool, config, arrays = market()
    fee_in, fee_out = TransferFee(0, 10**9, 150), TransferFee(0, 5_000, 30)
    plain = lambda amount, exact_in: rc.quote(pool, config, arrays, amount, zero_for_one=True, now=100,
                                               exact_in=exact_in)
    q = rc.quote(pool, config, arrays, 10**9, zero_for_one=True, now=100, fee_in=fee_in, fee_out=fee_out)
    swapped = plain(10**9 - fee_in.fee_of(10**9), True)
    assert q.amount_in == 10**9 and q.amount_out == swapped.amount_out - fee_out.fee_of(swapped.amount_out)
    q = rc.quote(pool, config, arrays, 10**8, zero_for_one=True, now=100, exact_in=False, fee_in=fee_in,
                 fee_out=fee_out)
    leaving = 10**8 + fee_out.inverse_fee(10**8)
    swapped = plain(leaving, False)
    assert leaving - fee_out.fee_of(leaving) == 10**8 == q.amount_out
    assert q.amount_in == swapped.amount_in + fee_in.inverse_fee(swapped.amount_in)
    assert q.amount_in - fee_in.fee_of(q.amount_in) == swapped.amount_in  # what reaches the vault
    with pytest.raises(mevlib.InvalidArgumentError):  # a 100% fee leaves nothing to swap
        rc.quote(pool, config, arrays, 10, zero_for_one=True, now=100, fee_in=TransferFee(0, U64, 10_000))


def test_quote_many_equals_one_by_one():
    import numpy as np

    pool, config, arrays = market(orders=[(-400, 10**9)])
    amounts = np.array([1, 10**3, 10**8, 3 * 10**10, 10**12, 2**63], np.uint64)
    for zero_for_one in (True, False):
        for exact_in in (True, False):
            ins, outs, ok = rc.quote_many(pool, config, arrays, amounts, zero_for_one=zero_for_one, now=100,
                                          exact_in=exact_in)
            for amount, a, b, good in zip(amounts.tolist(), ins.tolist(), outs.tolist(), ok.tolist()):
                try:
                    q = rc.quote(pool, config, arrays, amount, zero_for_one=zero_for_one, now=100, exact_in=exact_in)
                    assert good and (a, b) == (q.amount_in, q.amount_out)
                except (mevlib.InvalidArgumentError, mevlib.MathOverflowError):
                    assert not good and (a, b) == (0, 0)
            assert ok.any() and not ok.all()


# --- execute: the accounts as swap_v2 leaves them ---------------------------------------------------
# the bytes a swap writes (raydium-clmm states/pool.rs, states/tick_array.rs): the pool's liquidity,
# price, tick, fee growths, protocol fees, bitmap, fund fees and dynamic-fee variables; each tick's
# fee growth outside and limit-order cohort, and the array's initialized count
POOL_WRITES = [(237, 273), (277, 325), (904, 1032), (1064, 1080), (1096 + 14, 1096 + 34)]
TICK_WRITES = [(36, 68), (116, 156)]
ARRAY_WRITES = [(44 + 168 * i + a, 44 + 168 * i + b) for i in range(60) for a, b in TICK_WRITES] + [(10124, 10125)]
Q64 = 1 << 64


def changed_outside(before: bytes, after: bytes, writes) -> list:
    allowed = {i for a, b in writes for i in range(a, b)}
    return [i for i, (x, y) in enumerate(zip(before, after)) if x != y and i not in allowed]


def execute(pool, config, arrays, amount, **kw):
    """rc.execute on copies: (quote, pool bytes, array bytes) after."""
    pool, arrays = bytearray(pool), [bytearray(a) for a in arrays]
    return rc.execute(pool, config, arrays, amount, **kw), pool, arrays


DYNAMIC = dict(filter_period=10, decay_period=600, reduction_factor=5000, dynamic_fee_control=80000,
               max_volatility_accumulator=350000, tick_spacing_index_reference=10, volatility_reference=0,
               volatility_accumulator=0, last_update_timestamp=50)


@settings(max_examples=150, deadline=None)
@given(amount=st.integers(1, 10**13), zero_for_one=st.booleans(), exact_in=st.booleans(), fee_on=st.integers(0, 2),
       orders=st.lists(st.tuples(st.integers(-170, 170), st.integers(1, 10**11)), max_size=4),
       dynamic=st.booleans())
def test_execute_writes_what_the_quote_says_and_nothing_else(amount, zero_for_one, exact_in, fee_on, orders, dynamic):
    orders = [(t * 10, a) for t, a in orders if t]
    pool_data, config, array_datas = market_data(orders=orders, fee_on=fee_on, dynamic=DYNAMIC if dynamic else None)
    pool, arrays = rc.Pool(pool_data), [rc.TickArray(a) for a in array_datas]
    kw = dict(zero_for_one=zero_for_one, now=100, exact_in=exact_in)
    try:
        q = rc.quote(pool, config, arrays, amount, **kw)
    except (mevlib.InvalidArgumentError, mevlib.MathOverflowError) as e:
        copies = [bytearray(pool_data)] + [bytearray(a) for a in array_datas]
        with pytest.raises(type(e)):
            rc.execute(copies[0], config, copies[1:], amount, **kw)
        assert copies == [pool_data] + array_datas  # nothing written on a failure
        return
    done, pool_after, arrays_after = execute(pool_data, config, array_datas, amount, **kw)
    assert done._replace(fee_growth=None) == q and q.fee_growth is None  # a quote does not track it
    f, before = rc.Pool(pool_after).fields, pool.fields
    assert (f["sqrt_price_x64"], f["tick_current"], f["liquidity"]) == (q.sqrt_price, q.tick, q.liquidity)
    side, other = ("0", "1") if (fee_on == 1 or (fee_on == 0 and zero_for_one)) else ("1", "0")
    assert f[f"protocol_fees_token_{side}"] == before[f"protocol_fees_token_{side}"] + q.protocol_fee
    assert f[f"fund_fees_token_{side}"] == before[f"fund_fees_token_{side}"] + q.fund_fee
    assert f[f"fee_growth_global_{side}_x64"] == done.fee_growth
    assert f[f"fee_growth_global_{other}_x64"] == before[f"fee_growth_global_{other}_x64"]
    assert changed_outside(pool_data, pool_after, POOL_WRITES) == []
    assert all(changed_outside(a, b, ARRAY_WRITES) == [] for a, b in zip(array_datas, arrays_after))
    filled = sum(o[1] + o[2] for a in arrays for o in a.limit_orders) - \
        sum(o[1] + o[2] for a in arrays_after for o in rc.TickArray(a).limit_orders)
    if q.fee_on_input:  # the orders gave what the user got from them
        assert filled == q.limit_order_out
    else:  # the fee came off what they gave
        assert q.limit_order_out <= filled <= q.limit_order_out + q.fee


def test_swapping_in_two_parts_lands_where_one_swap_does():
    """The state written is the state the program continues from: a then b, executed one after
    the other, ends at one swap of a + b's price, within rounding of its output."""
    pool_data, config, arrays = market_data(inner=(-200, 300, 5 * 10**11))
    kw = dict(zero_for_one=True, now=100)
    whole = rc.quote(rc.Pool(pool_data), config, [rc.TickArray(a) for a in arrays], 3 * 10**10, **kw)
    first, pool_data, arrays = execute(pool_data, config, arrays, 10**10, **kw)
    second, pool_data, arrays = execute(pool_data, config, arrays, 2 * 10**10, **kw)
    assert whole.steps > 1 and abs(whole.sqrt_price - second.sqrt_price) <= 2 * Q64 // 10**12
    assert second.tick == whole.tick and second.liquidity == whole.liquidity
    assert 0 <= whole.amount_out - (first.amount_out + second.amount_out) <= 2
    assert abs(whole.fee - (first.fee + second.fee)) <= 1


def test_limit_order_cohorts_move_as_the_program_moves_them():
    """tick_array.rs match_limit_order_with_sqrt_price: the first fill opens a phase on the orders
    (the rest part-filled, unfilled ratio Q64·rest/orders); the next consumes the part-filled
    cohort (ratio scaled by what is left of it); a fill that empties a tick with no liquidity
    uninitializes it, and an array left without initialized ticks leaves the bitmap."""
    pool_data, config, arrays = market_data(orders=[(-1000, 10**9)])
    k, slot = tick_slot(arrays, -1000)
    starts = [rc.TickArray(a).start_tick_index for a in arrays]
    kw = dict(zero_for_one=True, now=100, exact_in=False)
    # the price down to just above the order's tick (a swap stopped by its price limit), then buy
    # 4·10^8 of the order
    q, pool_data, arrays = execute(pool_data, config, arrays, 10**15, zero_for_one=True, now=100,
                                   sqrt_price_limit=rc.sqrt_price_at_tick(-1000) + 1)
    q, pool_data, arrays = execute(pool_data, config, arrays, 4 * 10**8, **kw)
    phase, orders, part, ratio = rc.TickArray(arrays[k]).limit_orders[slot]
    assert q.limit_order_out == 4 * 10**8
    assert (phase, orders, part, ratio) == (1, 0, 6 * 10**8, Q64 * 6 * 10**8 // 10**9)
    q, pool_data, arrays = execute(pool_data, config, arrays, 10**8, **kw)
    assert rc.TickArray(arrays[k]).limit_orders[slot] == (1, 0, 5 * 10**8, ratio * 5 * 10**8 // (6 * 10**8))
    count = rc.TickArray(arrays[k]).initialized_tick_count
    q, pool_data, arrays = execute(pool_data, config, arrays, 5 * 10**8 + 10**6, **kw)  # the rest, then the pool
    assert q.limit_order_out == 5 * 10**8
    after = rc.TickArray(arrays[k])
    assert after.limit_orders[slot][1:3] == (0, 0) and after.initialized_tick_count == count - 1 == 0
    assert not rc.Pool(pool_data).array_initialized(starts[k])
    again = rc.quote(rc.Pool(pool_data), config, [rc.TickArray(a) for a in arrays], 10**9,
                     zero_for_one=False, now=100)
    assert again.limit_order_out == 0  # the filled orders are gone both ways


def test_crossing_a_tick_flips_its_fee_growth_outside():
    """TickState::cross: outside = global − outside for each token, the fee token's global being
    the swap's own at the crossing; the other token's the pool's."""
    pool_data, config, arrays = market_data(inner=(-200, 300, 5 * 10**11))
    struct.pack_into("<QQ", pool_data, 293, 0, 12345)  # fee_growth_global_1_x64 = 12345 · 2^64
    k, slot = tick_slot(arrays, -200)
    down, pool_data, arrays = execute(pool_data, config, arrays, 3 * 10**10, zero_for_one=True, now=100)
    assert down.tick < -200 and down.liquidity == 10**12  # the inner position left at -200
    outside_0, outside_1 = rc.TickArray(arrays[k]).fee_growths_outside[slot]
    assert 0 < outside_0 < down.fee_growth and outside_1 == 12345 << 64
    up, pool_data, arrays = execute(pool_data, config, arrays, 3 * 10**10, zero_for_one=False, now=100)
    assert up.tick > -200 and up.liquidity == 15 * 10**11
    back_0, back_1 = rc.TickArray(arrays[k]).fee_growths_outside[slot]
    assert back_0 == down.fee_growth - outside_0  # token 0's global stood still on the way up
    assert 0 < back_1 - 0 and back_1 < up.fee_growth - (12345 << 64) + 1


def test_the_dynamic_fee_state_carries_to_the_next_swap():
    """update_dynamic_fee_variables: the references move to `now` and the swap's volatility
    stays, so a swap right after (within the filter period) pays more than on the fresh pool."""
    pool_data, config, arrays = market_data(dynamic=DYNAMIC)
    fresh = rc.quote(rc.Pool(pool_data), config, [rc.TickArray(a) for a in arrays], 10**9, zero_for_one=True, now=105)
    q, pool_data, arrays = execute(pool_data, config, arrays, 3 * 10**10, zero_for_one=True, now=100)
    info = rc.Pool(pool_data).fields["dynamic_fee_info"]
    assert info["last_update_timestamp"] == 100 and info["volatility_accumulator"] > 0
    assert info["tick_spacing_index_reference"] == 10  # the pool's spacing index at the swap's start
    after = rc.quote(rc.Pool(pool_data), config, [rc.TickArray(a) for a in arrays], 10**9, zero_for_one=True, now=105)
    assert after.fee * fresh.amount_in > fresh.fee * after.amount_in


def test_pools_with_rewards_are_refused_and_left_alone():
    pool_data, config, arrays = market_data()
    pool_data[397] = 1  # reward_infos[0].reward_state: Opening
    before = bytes(pool_data)
    with pytest.raises(mevlib.InvalidArgumentError, match="reward"):
        rc.execute(pool_data, config, arrays, 10**6, zero_for_one=True, now=100)
    assert bytes(pool_data) == before
    with pytest.raises(mevlib.InvalidArgumentError, match="bytearray"):
        rc.execute(before, config, arrays, 10**6, zero_for_one=True, now=100)


def tick_slot(arrays, tick, spacing=10):
    """(index of the array holding `tick`, its slot there)."""
    start = rc.tick_array_start(tick, spacing)
    k = [rc.TickArray(a).start_tick_index for a in arrays].index(start)
    return k, (tick - start) // spacing
