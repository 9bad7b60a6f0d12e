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
from mevlib import _dex, dex

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


# --- Raydium CPMM -----------------------------------------------------------------------------------
from mevlib.dex import raydium_cpmm  # noqa: E402

POOL_DISCRIMINATOR = bytes([247, 237, 227, 245, 215, 195, 222, 70])


def cpmm(creator_fee_on=0, enable=False, fees=(0, 0, 0, 0, 0, 0)):
    data = bytearray(POOL_DISCRIMINATOR + bytes(629))
    data[341:341 + 32] = struct.pack("<4Q", *fees[:4])
    data[389], data[390] = creator_fee_on, int(enable)
    data[397:413] = struct.pack("<2Q", *fees[4:])
    return raydium_cpmm.Pool(bytes(data))


def test_cpmm_layout_is_checked():
    with pytest.raises(mevlib.LayoutError, match="Raydium CPMM PoolState"):
        raydium_cpmm.Pool(bytes(637))  # wrong discriminator
    with pytest.raises(mevlib.LayoutError):
        raydium_cpmm.Pool(POOL_DISCRIMINATOR + bytes(628))  # a byte short
    with pytest.raises(mevlib.LayoutError, match="AmmConfig"):
        raydium_cpmm.Config(bytes(236))
    pool = cpmm(fees=(5, 6, 7, 8, 9, 10))
    assert pool.reserves(100, 100) == (100 - 5 - 7 - 9, 100 - 6 - 8 - 10)  # vaults less the fees they hold
    with pytest.raises(mevlib.MathOverflowError):
        pool.reserves(20, 100)


rates = st.tuples(st.integers(0, 100_000), st.integers(0, 1_000_000), st.integers(0, 1_000_000), st.integers(0, 100_000))


@settings(max_examples=500, deadline=None)
@given(rates, st.integers(1, U64), st.integers(2, U64), st.integers(1, U64), st.booleans(), st.booleans())
def test_cpmm_quotes_are_monotone_and_round_trip(r, r_in, r_out, amount, on_input, enable):
    tr, pr, fr, cr = r
    pool = cpmm(0 if on_input else 1, enable)
    config = raydium_cpmm.Config(trade_fee_rate=tr, protocol_fee_rate=pr, fund_fee_rate=fr, creator_fee_rate=cr)
    try:
        q = raydium_cpmm.quote_exact_in(pool, config, False, r_out, r_in, amount)
        q2 = raydium_cpmm.quote_exact_in(pool, config, False, r_out, r_in, amount // 2 or 1)
    except mevlib.MathOverflowError:
        return
    assert q2.amount_out <= q.amount_out <= r_out  # more in, never less out; never more than the pool has
    if q.amount_out == 0:
        return
    back = raydium_cpmm.quote_exact_out(pool, config, False, r_out, r_in, q.amount_out)
    assert back.amount_in <= amount  # what exact-in got for `amount`, exact-out never asks more for
    again = raydium_cpmm.quote_exact_in(pool, config, False, r_out, r_in, back.amount_in)
    assert again.amount_out >= q.amount_out  # and what it asks delivers that output


def test_cpmm_exact_out_refuses_what_the_pool_cannot_give_and_applies_transfer_fees():
    pool, config = cpmm(), raydium_cpmm.Config(trade_fee_rate=2500, protocol_fee_rate=120_000, fund_fee_rate=40_000)
    with pytest.raises(mevlib.InvalidArgumentError):
        raydium_cpmm.quote_exact_out(pool, config, True, 10**9, 10**6, 10**6)  # the whole output reserve
    fee = dex.TransferFee(0, 10**12, 100)  # 1% on both mints
    plain = raydium_cpmm.quote_exact_in(pool, config, True, 10**12, 10**12, 10**6)
    taxed = raydium_cpmm.quote_exact_in(pool, config, True, 10**12, 10**12, 10**6, fee_in=fee, fee_out=fee)
    assert taxed.vault_in == 10**6 - 10**4 and taxed.amount_out == taxed.vault_out - fee.fee_of(taxed.vault_out)
    assert taxed.amount_out < plain.amount_out
    want = raydium_cpmm.quote_exact_out(pool, config, True, 10**12, 10**12, taxed.amount_out, fee_in=fee, fee_out=fee)
    assert want.amount_in <= 10**6 and want.vault_out - fee.fee_of(want.vault_out) == taxed.amount_out


def test_cpmm_swap_template_patches_sign_fresh_quotes():
    """A template built from our swap instruction: each quote re-signed through the amount_in and
    minimum_out patch points gives exactly the instruction built with those numbers, signed."""
    from solders.compute_budget import set_compute_unit_price
    from solders.hash import Hash
    from solders.keypair import Keypair
    from solders.message import MessageV0
    from solders.transaction import VersionedTransaction

    data = bytearray(POOL_DISCRIMINATOR + bytes(629))
    data[8:328] = bytes(range(256)) + bytes(range(64))
    pool = raydium_cpmm.Pool(bytes(data))
    payer, address, user_in, user_out = Keypair(), *(Keypair().pubkey() for _ in range(3))
    build = lambda amount, min_out: raydium_cpmm.swap_instruction(address, pool, payer.pubkey(), user_in, user_out,
                                                                  True, amount, min_out)
    msg = MessageV0.try_compile(payer.pubkey(), [set_compute_unit_price(1), build(0, 0)], [], Hash.default())
    tpl = mevlib.TxTemplate(msg, payer, raydium_cpmm.swap_patches(1))
    bh = Hash.new_unique()
    for amount, min_out in ((10**6, 498_000), (1, 0), (U64, U64)):
        tx = VersionedTransaction.from_bytes(tpl.sign(blockhash=bh, amount_in=amount, minimum_out=min_out))
        assert bytes(tx.message.instructions[1].data) == bytes(build(amount, min_out).data)
        assert tx.verify_with_results() == [True]
    with pytest.raises(mevlib.InvalidArgumentError, match="u64"):
        build(-1, 0)


# --- Pump.fun AMM -----------------------------------------------------------------------------------
from mevlib.dex import pump_amm  # noqa: E402

PUMP_POOL = bytes([241, 154, 109, 4, 17, 177, 109, 188])
PUMP_GLOBAL = bytes([149, 8, 156, 202, 160, 252, 176, 217])


def pump_market(lp=20, protocol=5, creator=5, virtual=0):
    pool = bytearray(PUMP_POOL + bytes(262))
    pool[211:243] = b"\x07" * 32  # a coin creator
    pool[245:261] = virtual.to_bytes(16, "little", signed=True)
    config = bytearray(PUMP_GLOBAL + bytes(941))
    config[40:56] = struct.pack("<2Q", lp, protocol)
    config[313:321] = struct.pack("<Q", creator)
    return pump_amm.Market(pump_amm.Pool(bytes(pool)), pump_amm.GlobalConfig(bytes(config)))


def test_pump_layouts_are_checked():
    with pytest.raises(mevlib.LayoutError, match="Pump.fun AMM Pool"):
        pump_amm.Pool(PUMP_POOL + bytes(250))  # 258 bytes: no version of the layout
    with pytest.raises(mevlib.LayoutError, match="GlobalConfig"):
        pump_amm.GlobalConfig(PUMP_POOL + bytes(941))  # a pool's discriminator
    with pytest.raises(mevlib.LayoutError, match="pump-fees FeeConfig"):
        pump_amm.FeeConfig(bytes([143, 52, 146, 187, 219, 123, 76, 155]) + bytes(2000))  # shorter than any version
    assert pump_amm.Pool(PUMP_POOL + bytes(203)).fields["coin_creator"] == bytes(32)  # the first version: none
    market = pump_market()
    with pytest.raises(mevlib.InvalidArgumentError):
        market.buy_exact_base_out(10**6, 10**9, 10**6)  # the whole base reserve
    with pytest.raises(ValueError):
        market.sell_exact_quote_out(10**6, 10**9, 10**9 + 1)


reserves = st.tuples(st.integers(1, U64), st.integers(1, U64), st.integers(-(1 << 40), 1 << 40))


@settings(max_examples=400, deadline=None)
@given(reserves, st.integers(1, U64), st.tuples(st.integers(0, 300), st.integers(0, 300), st.integers(0, 300)))
def test_pump_quotes_are_monotone_and_round_trip(r, amount, fees):
    base_r, quote_r, virtual = r
    market = pump_market(*fees, virtual=virtual)
    try:
        sold = market.sell_exact_base_in(base_r, quote_r, amount)
        less = market.sell_exact_base_in(base_r, quote_r, amount // 2 or 1)
        bought = market.buy_exact_quote_in(base_r, quote_r, amount)
        bought_less = market.buy_exact_quote_in(base_r, quote_r, amount // 2 or 1)
    except (mevlib.MathOverflowError, mevlib.InvalidArgumentError):
        return
    assert less.quote <= sold.quote and bought_less.base <= bought.base  # more in, never less out
    if sold.quote > 0:
        back = market.sell_exact_quote_out(base_r, quote_r, sold.quote)
        assert back.base <= amount + 1  # the exact-out price is never above the exact-in one
    if bought.base > 0:
        cost = market.buy_exact_base_out(base_r, quote_r, bought.base)
        assert cost.quote <= amount + 1  # buying that much for exactly its base costs no more than was spent


# --- Raydium AMM v4 ---------------------------------------------------------------------------------
from mevlib.dex import raydium_amm_v4  # noqa: E402


def amm_v4(status=6, fee=(25, 10_000), pnl=(0, 0)):
    data = bytearray(752)
    data[0:16] = struct.pack("<2Q", status, 254)
    data[176:192] = struct.pack("<2Q", *fee)
    data[192:208] = struct.pack("<2Q", *pnl)
    return raydium_amm_v4.Pool(bytes(data))


def test_amm_v4_layout_and_status_are_checked():
    with pytest.raises(mevlib.LayoutError, match="Raydium AMM v4 AmmInfo"):
        raydium_amm_v4.Pool(bytes(751))
    with pytest.raises(mevlib.LayoutError):
        raydium_amm_v4.Pool(struct.pack("<Q", 9) + bytes(744))  # no such AmmStatus
    with pytest.raises(mevlib.InvalidArgumentError, match="status 4 does not allow swaps"):
        raydium_amm_v4.quote_exact_in(amm_v4(status=4), True, 10**9, 10**9, 10**6)  # LiquidityOnly
    pool = amm_v4(pnl=(7, 9))
    q = raydium_amm_v4.quote_exact_in(pool, True, 10**9 + 7, 10**9 + 9, 10**6)  # the pnl is not the pool's
    assert q == raydium_amm_v4.quote_exact_in(amm_v4(), True, 10**9, 10**9, 10**6)
    assert raydium_amm_v4.authority(pool) == Pubkey.from_string("5Q544fKrFoe6tsEbD7S8EmxGTJYAKtTVhAW5Q5pge4j1")


@settings(max_examples=500, deadline=None)
@given(st.integers(1, U64), st.integers(2, U64), st.integers(1, U64), st.integers(0, 9_999), st.booleans())
def test_amm_v4_quotes_are_monotone_and_round_trip(r_in, r_out, amount, fee, coin_to_pc):
    pool = amm_v4(fee=(fee, 10_000))
    vaults = (r_in, r_out) if coin_to_pc else (r_out, r_in)
    try:
        q = raydium_amm_v4.quote_exact_in(pool, coin_to_pc, *vaults, amount)
    except mevlib.InvalidArgumentError:
        return  # nothing comes out: the program fails it too
    try:
        less = raydium_amm_v4.quote_exact_in(pool, coin_to_pc, *vaults, amount // 2 or 1).amount_out
    except mevlib.InvalidArgumentError:
        less = 0
    assert less <= q.amount_out < r_out
    back = raydium_amm_v4.quote_exact_out(pool, coin_to_pc, *vaults, q.amount_out)
    assert back.amount_in <= amount  # exact-out never asks more than exact-in paid for that output
    assert raydium_amm_v4.quote_exact_in(pool, coin_to_pc, *vaults, back.amount_in).amount_out >= q.amount_out


# --- batches -----------------------------------------------------------------------------------------
def test_batches_equal_one_by_one():
    """decode_many (GIL released, C structs straight into numpy rows) and quote_many equal the
    one-account and one-quote paths, row for row; broken accounts and failing swaps are flagged."""
    import random

    rng = random.Random(4)
    datas = []
    for _ in range(300):
        d = bytearray(rng.randbytes(752))
        d[0:8] = struct.pack("<Q", rng.randrange(8))
        datas.append(bytes(d))
    datas[5] = datas[5][:700]
    rows, ok = raydium_amm_v4.decode_many(datas)
    assert ok.sum() == 299 and not ok[5] and rows[5]["nonce"] == 0
    for data, row, good in zip(datas, rows, ok):
        if good:
            f = raydium_amm_v4.Pool(data).fields
            assert all((bytes(row[k]) if isinstance(f[k], bytes) else int(row[k])) == f[k] for k in row.dtype.names)
    pumps = [(PUMP_POOL + rng.randbytes(262)) for _ in range(100)]
    pumps = [p[:243] + bytes([rng.randrange(2), rng.randrange(2)]) + p[245:269] + bytes([1]) for p in pumps]
    rows, ok = pump_amm.decode_many(pumps)
    assert ok.all()
    for data, row in zip(pumps, rows):
        f = pump_amm.Pool(data).fields
        assert int(row["virtual_quote_lo"]) + (int(row["virtual_quote_hi"]) << 64) == f["virtual_quote_reserves"]
        assert bytes(row["base_mint"]) == f["base_mint"] and int(row["creator_fee_bps"]) == f["creator_fee_bps"]
    cpmms = [POOL_DISCRIMINATOR + rng.randbytes(629) for _ in range(50)]
    cpmms = [d[:389] + bytes([rng.randrange(3), rng.randrange(2)]) + d[391:] for d in cpmms]
    rows, ok = raydium_cpmm.decode_many(cpmms)
    assert ok.all() and all(bytes(r["token_1_mint"]) == raydium_cpmm.Pool(d).fields["token_1_mint"] for r, d in zip(rows, cpmms))

    r_in = np.array([rng.randrange(1, 1 << 64) for _ in range(500)], np.uint64)
    r_out = np.array([rng.randrange(1, 1 << 64) for _ in range(500)], np.uint64)
    amounts = np.array([rng.choice([1, rng.randrange(1 << 64)]) for _ in range(500)], np.uint64)
    out, ok = raydium_amm_v4.quote_many(r_in, r_out, amounts)
    pool = amm_v4()
    for i in range(500):
        try:
            want = pool.quote(int(r_in[i]), int(r_out[i]), int(amounts[i]), True)[1]
        except mevlib.MevError:
            want = None
        assert (ok[i], out[i]) == ((True, want) if want is not None else (False, 0))
    config = raydium_cpmm.Config(trade_fee_rate=2500, creator_fee_rate=700)
    out, ok = raydium_cpmm.quote_many(r_in, r_out, amounts, 2500, 700, False)
    pool = cpmm(creator_fee_on=1, enable=True)  # token 0 only: one-for-zero takes it from the output
    for i in range(500):
        try:
            want = _dex.cpmm_quote(pool, config, False, int(r_in[i]), int(r_out[i]), int(amounts[i]), True)[1]
        except mevlib.MevError:
            want = None
        assert (want is None or want == 0) if not ok[i] else out[i] == want
    market = pump_market()
    out, ok = pump_amm.quote_many("buy", r_out, r_in, amounts, (20, 5, 5))
    for i in range(500):
        try:
            want = market.buy_exact_quote_in(int(r_out[i]), int(r_in[i]), int(amounts[i])).base or None
        except mevlib.MevError:
            want = None  # (a buy of nothing is no swap for the graph either)
        assert (ok[i], out[i]) == ((True, want) if want is not None else (False, 0))


def test_encoders_round_trip_through_the_decoders():
    """Each module's encoder (what the simulator writes its pools with) decodes to the fields given."""
    import random

    rng = random.Random(6)
    for _ in range(50):
        keys = lambda names: {n: rng.randbytes(32) for n in names}
        f = {**{n: rng.randrange(1 << 64) for n in raydium_amm_v4._U64 if n != "status"}, "status": rng.randrange(8),
             **keys(raydium_amm_v4._KEYS), "amm_owner": rng.randbytes(32), "lp_amount": 9, "recent_epoch": 3}
        got = raydium_amm_v4.Pool(raydium_amm_v4.encode(**f)).fields
        assert {k: got[k] for k in f} == f
        f = {**keys(raydium_cpmm._POOL_KEYS), "status": 4, "creator_fee_on": 2, "enable_creator_fee": True,
             "lp_supply": rng.randrange(1 << 64), "creator_fees_1": 77, "mint_1_decimals": 9}
        got = raydium_cpmm.Pool(raydium_cpmm.encode_pool(**f)).fields
        assert {k: got[k] for k in f} == f
        c = {"trade_fee_rate": 2500, "creator_fee_rate": 100, "index": 3, "fund_fee_rate": 7}
        got = raydium_cpmm.Config(raydium_cpmm.encode_config(**c)).fields
        assert {k: got[k] for k in c} == c
        f = {"base_mint": rng.randbytes(32), "coin_creator": rng.randbytes(32), "index": 2, "is_cashback_coin": True,
             "virtual_quote_reserves": rng.randrange(-(1 << 127), 1 << 127), "creator_fee_bps": 30}
        got = pump_amm.Pool(pump_amm.encode_pool(**f)).fields
        assert {k: got[k] for k in f} == f
    g = pump_amm.GlobalConfig(pump_amm.encode_global_config(lp_fee_basis_points=20, buyback_fee_recipient_3=b"\x05" * 32)).fields
    assert g["lp_fee_basis_points"] == 20 and g["buyback_fee_recipients"][3] == b"\x05" * 32
    with pytest.raises(mevlib.InvalidArgumentError, match="no field 'colour'"):
        raydium_amm_v4.encode(colour=1)


# --- Orca Whirlpool -------------------------------------------------------------------------------
def whirlpool_market(adaptive: bool = False):
    """A Whirlpool with one wide position and narrower ones across its five tick arrays, and its
    oracle when `adaptive`: (pool, arrays, oracle), decoded from whirlpool_market_data's accounts."""
    from mevlib.dex import whirlpool as wp

    pool, arrays, oracle = whirlpool_market_data(adaptive)
    return wp.Pool(pool), [wp.TickArray(a) for a in arrays], wp.Oracle(oracle) if oracle else None


def whirlpool_market_data(adaptive: bool = False, **pool_fields):
    """whirlpool_market's accounts as bytearrays (pool, tick arrays, oracle or None)."""
    from mevlib.dex import whirlpool as wp

    spacing, tick = 64, 100
    span = 88 * spacing
    first = wp.tick_array_start(tick, spacing) - 2 * span
    nets = {first: 10**12, first + 5 * span - spacing: -10**12}
    for lower in range(first, first + 5 * span - 10 * spacing, 7 * spacing):
        nets[lower] = nets.get(lower, 0) + 3 * 10**11
        nets[lower + 9 * spacing] = nets.get(lower + 9 * spacing, 0) - 3 * 10**11
    liquidity = 10**12 + sum(3 * 10**11 for lower in range(first, first + 5 * span - 10 * spacing, 7 * spacing)
                             if lower <= tick < lower + 9 * spacing)
    arrays = [bytearray(wp.encode_tick_array(s, {(t - s) // spacing: n for t, n in nets.items() if s <= t < s + span}))
              for s in range(first, first + 5 * span, span)]
    pool = wp.encode_pool(**{**dict(tick_spacing=spacing, fee_tier_index=1024 + spacing if adaptive else spacing,
                                    fee_rate=3000, liquidity=liquidity, sqrt_price=wp.sqrt_price_at_tick(tick) + 3,
                                    tick_current_index=tick), **pool_fields})
    oracle = wp.encode_oracle(filter_period=30, decay_period=600, reduction_factor=5000,
                              adaptive_fee_control_factor=20_000, max_volatility_accumulator=350_000,
                              tick_group_size=64, major_swap_threshold_ticks=64,
                              tick_group_index_reference=tick // 64) if adaptive else None
    return bytearray(pool), arrays, bytearray(oracle) if adaptive else None


def test_whirlpool_oracle_layout_and_quote_many():
    from mevlib.dex import whirlpool as wp

    with pytest.raises(mevlib.LayoutError, match="Whirlpool Oracle"):
        wp.Oracle(wp.encode_oracle(tick_group_size=1)[:-1])
    with pytest.raises(mevlib.LayoutError, match="Whirlpool Oracle"):
        wp.Oracle(wp.encode_oracle(tick_group_size=0))  # validate_constants admits no group of size 0
    pool, arrays, oracle = whirlpool_market(adaptive=True)
    with pytest.raises(mevlib.InvalidArgumentError):  # an adaptive pool's fee needs its oracle
        wp.quote(pool, arrays, 10**6, a_to_b=True)
    amounts = np.array([1, 10**6, 10**10, 10**12, 2**63], np.uint64)
    ins, outs, ok = wp.quote_many(pool, arrays, amounts, a_to_b=True, oracle=oracle, now=10)
    for amount, a, b, good in zip(amounts.tolist(), ins.tolist(), outs.tolist(), ok.tolist()):
        try:
            q = wp.quote(pool, arrays, amount, a_to_b=True, oracle=oracle, now=10)
            assert good and (a, b) == (q.amount_in, q.amount_out)
        except (mevlib.InvalidArgumentError, mevlib.MathOverflowError):
            assert not good and (a, b) == (0, 0)
    assert ok.any() and not ok.all()


@settings(max_examples=200, deadline=None)
@given(amount=st.integers(1, U64), a_to_b=st.booleans(), adaptive=st.booleans())
def test_whirlpool_quotes_are_monotone_and_round_trip(amount, a_to_b, adaptive):
    from mevlib.dex import whirlpool as wp

    pool, arrays, oracle = whirlpool_market(adaptive)
    quote = lambda x, exact_in=True: wp.quote(pool, arrays, x, a_to_b=a_to_b, exact_in=exact_in, oracle=oracle, now=10)
    try:
        q = quote(amount)
    except (mevlib.InvalidArgumentError, mevlib.MathOverflowError):
        return
    assert q.amount_in == amount and q.fee <= amount
    try:
        assert quote(amount + 1).amount_out >= q.amount_out
    except (mevlib.InvalidArgumentError, mevlib.MathOverflowError):
        pass
    if q.amount_out == 0:
        return
    back = quote(q.amount_out, exact_in=False)
    assert back.amount_out == q.amount_out
    assert back.amount_in <= q.amount_in + q.amount_in // q.amount_out + 2  # within one output unit's worth


# the bytes a Whirlpool swap writes (state/whirlpool.rs, state/tick.rs, state/oracle.rs): the pool's
# liquidity, price, tick, protocol fees owed, fee growths, reward timestamp and growths; each fixed
# tick's fee and reward growth outside; the oracle's variables
WP_POOL_WRITES = [(49, 101), (165, 181), (245, 269)] + [(269 + 128 * r + 112, 269 + 128 * r + 128) for r in range(3)]
WP_ARRAY_WRITES = [(12 + 113 * i + 33, 12 + 113 * i + 113) for i in range(88)]
WP_ORACLE_WRITES = [(82, 110)]


def wp_execute(pool, arrays, amount, oracle=None, **kw):
    """whirlpool.execute on copies: (quote, pool, arrays, oracle) after."""
    from mevlib.dex import whirlpool as wp

    pool, arrays, oracle = bytearray(pool), [bytearray(a) for a in arrays], bytearray(oracle) if oracle else None
    return wp.execute(pool, arrays, amount, oracle_data=oracle, **kw), pool, arrays, oracle


def bytes_changed_outside(before: bytes, after: bytes, writes) -> list:
    allowed = {i for a, b in writes for i in range(a, b)}
    return [i for i, (x, y) in enumerate(zip(before, after)) if x != y and i not in allowed]


@settings(max_examples=150, deadline=None)
@given(amount=st.integers(1, 10**14), a_to_b=st.booleans(), exact_in=st.booleans(), adaptive=st.booleans(),
       protocol_fee_rate=st.sampled_from([0, 300, 2500]))
def test_whirlpool_execute_writes_what_the_quote_says_and_nothing_else(amount, a_to_b, exact_in, adaptive,
                                                                        protocol_fee_rate):
    from mevlib.dex import whirlpool as wp

    reward = (bytes([7]) * 32, 3 << 64, 5 << 64)  # emissions 3 · 2^64 a second, growth 5 · 2^64 so far
    pool_data, arrays, oracle = whirlpool_market_data(adaptive, protocol_fee_rate=protocol_fee_rate,
                                                      fee_growth_global_a=11 << 64, reward_infos=[reward],
                                                      reward_last_updated_timestamp=5)
    kw = dict(a_to_b=a_to_b, exact_in=exact_in, now=10)
    pool = wp.Pool(pool_data)
    try:
        q = wp.quote(pool, [wp.TickArray(a) for a in arrays], amount, oracle=wp.Oracle(oracle) if oracle else None,
                     **kw)
    except (mevlib.InvalidArgumentError, mevlib.MathOverflowError) as e:
        copies = [bytearray(pool_data)] + [bytearray(a) for a in arrays]
        with pytest.raises(type(e)):
            wp.execute(copies[0], copies[1:], amount, oracle_data=bytearray(oracle) if oracle else None, **kw)
        assert copies == [pool_data] + arrays  # nothing written on a failure
        return
    done, pool_after, arrays_after, oracle_after = wp_execute(pool_data, arrays, amount, oracle, **kw)
    assert done._replace(fee_growth=None) == q and q.fee_growth is None  # a quote does not track it
    f, before = wp.Pool(pool_after).fields, pool.fields
    assert (f["sqrt_price"], f["tick_current_index"], f["liquidity"]) == (q.sqrt_price, q.tick, q.liquidity)
    side, other = ("a", "b") if a_to_b else ("b", "a")
    assert f[f"protocol_fee_owed_{side}"] == q.protocol_fee and f[f"protocol_fee_owed_{other}"] == 0
    assert f[f"fee_growth_global_{side}"] == done.fee_growth
    assert f[f"fee_growth_global_{other}"] == before[f"fee_growth_global_{other}"]
    # next_whirlpool_reward_infos: 5 seconds of emissions over the liquidity before the swap
    assert f["reward_infos"][0]["growth_global_x64"] == (5 << 64) + 5 * (3 << 64) // before["liquidity"]
    assert f["reward_last_updated_timestamp"] == 10
    if q.steps == 1 and not adaptive:  # one step: calculate_fees on the whole fee at the pool's liquidity
        protocol = q.fee * protocol_fee_rate // 10_000
        assert q.protocol_fee == protocol
        assert done.fee_growth == before[f"fee_growth_global_{side}"] + ((q.fee - protocol) << 64) // before["liquidity"]
    assert bytes_changed_outside(pool_data, pool_after, WP_POOL_WRITES) == []
    assert all(bytes_changed_outside(a, b, WP_ARRAY_WRITES) == [] for a, b in zip(arrays, arrays_after))
    if oracle:
        assert bytes_changed_outside(oracle, oracle_after, WP_ORACLE_WRITES) == []


def test_whirlpool_crossing_flips_growth_outside_and_the_oracle_carries_on():
    """next_tick_cross_update: each crossed tick's fee growth outside becomes the global (the
    input token's as the swap has it then) less itself, an initialized reward's likewise; crossing
    back flips it again. An adaptive pool's oracle after a swap is where the next swap starts: a
    then b at the same time end where a + b does."""
    from mevlib.dex import whirlpool as wp

    reward = (bytes([7]) * 32, 3 << 64, 0)
    pool_data, arrays, _ = whirlpool_market_data(reward_infos=[reward], reward_last_updated_timestamp=0,
                                                 fee_growth_global_b=9 << 64)
    down, pool_data, arrays, _ = wp_execute(pool_data, arrays, 5 * 10**10, a_to_b=True, now=4)
    crossed = [(k, i) for k, a in enumerate(arrays) for i, g in enumerate(wp.TickArray(a).growths_outside)
               if g != (0, 0, (0, 0, 0))]
    assert down.steps > 2 and len(crossed) == down.steps - 1
    rewards_now = wp.Pool(pool_data).fields["reward_infos"][0]["growth_global_x64"]
    for k, i in crossed:
        fa, fb, rs = wp.TickArray(arrays[k]).growths_outside[i]
        assert 0 < fa <= down.fee_growth and fb == 9 << 64 and rs == (rewards_now, 0, 0)
    k, i = max(crossed, key=lambda c: (c[0], c[1]))  # the first crossed on the way down
    fa, fb, rs = wp.TickArray(arrays[k]).growths_outside[i]
    up, pool_data, arrays, _ = wp_execute(pool_data, arrays, 10**11, a_to_b=False, now=4)
    assert up.tick >= wp.TickArray(arrays[k]).start_tick_index + 64 * i  # back above it
    fa_back, fb_back, rs_back = wp.TickArray(arrays[k]).growths_outside[i]
    assert fa_back == down.fee_growth - fa  # token a's global stood still on the way up
    assert 0 < fb_back <= up.fee_growth - fb and rs_back == (0, 0, 0)  # the same reward growth, twice

    pool_data, arrays, oracle = whirlpool_market_data(adaptive=True)
    whole, *_ = wp_execute(pool_data, arrays, 6 * 10**10, oracle, a_to_b=True, now=10)
    first, pool_data, arrays, oracle = wp_execute(pool_data, arrays, 2 * 10**10, oracle, a_to_b=True, now=10)
    second, pool_data, arrays, oracle = wp_execute(pool_data, arrays, 4 * 10**10, oracle, a_to_b=True, now=10)
    assert second.tick == whole.tick and abs(whole.amount_out - first.amount_out - second.amount_out) <= 2
    o = wp.Oracle(oracle).fields
    assert o["last_major_swap_timestamp"] == 10 and o["volatility_accumulator"] > 0


# --- Token-2022 transfer hooks ---------------------------------------------------------------------
def test_transfer_hook_lists_are_validated_and_mints_name_their_hook():
    """A validation account is read as untrusted bytes: truncated lists, flags that are not bools
    and a missing Execute entry are LayoutErrors; a seed past its data is InvalidArgumentError. A
    Token-2022 mint's TransferHook extension names the program (a zero program id: none)."""
    from solders.pubkey import Pubkey

    from mevlib.dex import TOKEN_2022_PROGRAM_ID, decode_mint, encode_mint, transfer_hook as th

    good = th.encode_extra_account_metas([(0, bytes([5]) * 32, False, True), (1, bytes([1, 3]) + b"abc", False, False)])
    assert [m[0] for m in th.parse_extra_account_metas(good)] == [0, 1]
    for bad in (good[:-1], good[:10], bytes(8) + good[8:], good[:-2] + b"\x02\x00"):
        with pytest.raises(mevlib.LayoutError):
            th.parse_extra_account_metas(bad)
    program, mint = Pubkey.new_unique(), Pubkey.new_unique()
    keys = [Pubkey.new_unique() for _ in range(3)]
    past = th.encode_extra_account_metas([(1, bytes([2, 10, 9]), False, False)])  # 10 + 9 > 16 bytes of data
    fetch = lambda key: past if key == th.extra_account_metas_address(mint, program) else None
    with pytest.raises(mevlib.InvalidArgumentError, match="instruction-data seed"):
        th.execute_accounts(program, mint, *keys, 5, fetch)
    assert th.execute_accounts(program, mint, *keys, 5, lambda key: None) == \
        [th.AccountMeta(program, False, False)]  # no validation account: the program alone
    hooked = encode_mint(10, 6, None, {14: bytes(32) + bytes(program)})
    assert decode_mint(hooked, TOKEN_2022_PROGRAM_ID).transfer_hook == program
    assert decode_mint(encode_mint(10, 6, None, {14: bytes(64)}), TOKEN_2022_PROGRAM_ID).transfer_hook is None
    with pytest.raises(mevlib.LayoutError):
        decode_mint(encode_mint(10, 6, None, {14: bytes(63)}), TOKEN_2022_PROGRAM_ID)


def test_whirlpool_price_limits_stop_the_swap_where_the_program_does():
    """swap_manager.rs: an explicit sqrt_price_limit stops the swap at that price (exact in: the
    rest of the input stays with the user; exact out: less comes out), must lie within the price
    range and on the swap's side of the price; without one an exact-out swap must fill."""
    from mevlib.dex import TransferFee, whirlpool as wp

    pool, arrays, _ = whirlpool_market()
    full = wp.quote(pool, arrays, 10**11, a_to_b=True)
    limit = (pool.fields["sqrt_price"] + full.sqrt_price) // 2
    q = wp.quote(pool, arrays, 10**11, a_to_b=True, sqrt_price_limit=limit)
    assert q.sqrt_price == limit and 0 < q.amount_in < 10**11 and q.amount_out < full.amount_out
    again = wp.quote(pool, arrays, q.amount_in, a_to_b=True)  # what it used, without the limit
    assert abs(again.amount_out - q.amount_out) <= 1 and abs(again.sqrt_price - limit) <= 1 << 40
    out = wp.quote(pool, arrays, full.amount_out, a_to_b=True, exact_in=False, sqrt_price_limit=limit)
    assert out.sqrt_price == limit and out.amount_out < full.amount_out
    fee = TransferFee(0, 10**9, 100)  # stopped short: the vault takes what the swap used, its fee on top
    paid = wp.quote(pool, arrays, 10**11, a_to_b=True, sqrt_price_limit=limit, fee_in=fee)
    assert paid.sqrt_price == limit and paid.amount_in == q.amount_in + fee.included_fee(q.amount_in)
    got = wp.quote(pool, arrays, full.amount_out, a_to_b=True, exact_in=False, sqrt_price_limit=limit, fee_out=fee)
    assert got.amount_out == out.amount_out - fee.fee_of(out.amount_out)  # what left the vault, less its fee
    for bad in (pool.fields["sqrt_price"] + 1, wp.MIN_SQRT_PRICE - 1, wp.MAX_SQRT_PRICE + 1):
        with pytest.raises(mevlib.InvalidArgumentError):  # the wrong side, or out of bounds
            wp.quote(pool, arrays, 10**6, a_to_b=True, sqrt_price_limit=bad)
