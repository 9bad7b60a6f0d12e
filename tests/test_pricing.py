"""Tip and fee pricing: Jito's tip floor (REST) and tip stream (websocket) as the simulator serves
them from its competition model, the compute-unit price from getRecentPrioritizationFees, and the
EV-maximising tip against a brute-force search."""
import base64
import dataclasses
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from solders.compute_budget import set_compute_unit_price
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction

import mevlib
from mevlib.jito import TIP_ACCOUNTS, tip_patches
from mevlib.pricing import TipFloor, TipPricer, TipStream, fetch_tip_floor, priority_fee
from mevlib.routes import JsonRpcClient
from mevlib.sim import ClusterConfig, Simulator
from mevlib.sim.cluster import always_land

KEYS = ("landed_tips_25th_percentile", "landed_tips_50th_percentile", "landed_tips_75th_percentile",
        "landed_tips_95th_percentile", "landed_tips_99th_percentile")
EXAMPLE = {"time": "2025-04-24T13:47:32+00:00", "landed_tips_25th_percentile": 0.000005,
           "landed_tips_50th_percentile": 0.00001, "landed_tips_75th_percentile": 0.001,
           "landed_tips_95th_percentile": 0.00533476325, "landed_tips_99th_percentile": 0.00826274555000001,
           "ema_landed_tips_50th_percentile": 0.000009952174575705424}  # the documented example's values


def floor_of(values):
    return TipFloor.from_json([dict(zip(KEYS, (v / 1e9 for v in values)), ema_landed_tips_50th_percentile=values[1] / 1e9)])


def test_tip_floor_parses_the_documented_shape_and_refuses_others():
    f = TipFloor.from_json([EXAMPLE])
    assert [p for _, p in f.percentiles] == [5_000, 10_000, 1_000_000, 5_334_763, 8_262_746] and f.ema50 == 9_952
    assert f.share_at_or_below(10_000) == pytest.approx(0.5) and f.share_at_or_below(0) == 0
    assert f.share_at_or_below(505_000) == pytest.approx(0.625) and f.share_at_or_below(10**9) == 1.0
    for bad in ({**EXAMPLE, KEYS[0]: -1}, {**EXAMPLE, KEYS[2]: 0.0}, {**EXAMPLE, KEYS[1]: "x"}, [], [EXAMPLE, EXAMPLE]):
        with pytest.raises(mevlib.CorruptDataError):
            TipFloor.from_json(bad)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 5_000_000), min_size=5, max_size=5).map(sorted),
       st.integers(1_000, 20_000_000), st.integers(0, 200_000), st.floats(0.01, 1.0))
def test_choice_is_the_best_tip(percentiles, value, fee, p_route):
    """The closed form against every tip on a grid: never worse by more than the grid's step."""
    floor = floor_of(percentiles)
    pricer = TipPricer(floor)
    tip, ev = pricer.choose(value, fee, p_route)
    ev_at = lambda t: p_route * floor.share_at_or_below(t) * (value - fee - t)
    assert tip >= 1_000 and ev == pytest.approx(ev_at(tip), rel=1e-6, abs=1.0)
    hi = max(2 * percentiles[-1], 2_000)
    step = max(1, hi // 4000)
    assert ev >= max(ev_at(t) for t in range(1_000, hi + step, step)) - p_route * step - 1.0


def test_max_tip_caps_the_choice():
    floor = floor_of([10_000, 20_000, 40_000, 100_000, 200_000])
    assert TipPricer(floor).choose(10**7)[0] > 100_000
    assert TipPricer(floor, max_tip=30_000).choose(10**7)[0] == 30_000
    assert TipPricer(floor).choose(1_000)[1] <= 0  # not worth it: the minimum tip eats it all
    assert TipPricer(floor).choose(50_000, fee=60_000)[1] <= 0  # the fee does


def test_tip_floor_and_stream_from_the_simulator():
    with Simulator(dataclasses.replace(ClusterConfig(seed=4), slot_ms=100.0), pubsub=True) as sim:
        while sim.cluster.slot_at(sim.now_ms()) < 6:  # slots behind us, so the floor has tips to report
            time.sleep(0.02)
        floor = fetch_tip_floor(sim.url("jito-ny") + "/api/v1/bundles/tip_floor")
        median = sim.cluster.config.competitor_tip_median
        p25, p50, p75, _, p99 = (p for _, p in floor.percentiles)
        assert p25 <= p50 <= p75 <= p99 and median / 3 < p50 < median * 3  # lognormal around the median
        stream = TipStream(sim.ws_url.rstrip("/") + "/api/v1/bundles/tip_stream")
        try:
            assert stream.wait(5.0)
            first = stream.messages
            deadline = time.monotonic() + 5
            while stream.messages < first + 3 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert stream.messages >= first + 3 and stream.bad == 0  # one per slot
            assert stream.latest.percentiles[1][1] > 0
        finally:
            stream.close()
        with pytest.raises(mevlib.CorruptDataError, match="HTTP 404"):
            fetch_tip_floor(sim.url("rpc") + "/api/v1/bundles/tip_floor")  # an RPC route has none


def test_priority_fee_from_recent_prioritization_fees():
    with Simulator(always_land(dataclasses.replace(ClusterConfig(seed=6), slot_ms=100.0))) as sim:
        rpc = JsonRpcClient(sim.url("rpc"))
        kp = Keypair()
        sim.cluster.airdrop(kp.pubkey(), 10**10)
        assert priority_fee(rpc) == 0
        msg = MessageV0.try_compile(kp.pubkey(), [set_compute_unit_price(7_000), transfer(TransferParams(
            from_pubkey=kp.pubkey(), to_pubkey=TIP_ACCOUNTS[4], lamports=5_000))], [], sim.cluster.latest_blockhash(sim.now_ms()))
        sig = rpc.call("sendTransaction", [base64.b64encode(bytes(VersionedTransaction(msg, [kp]))).decode(),
                                           {"encoding": "base64", "skipPreflight": True}])
        deadline = time.monotonic() + 5
        while rpc.signature_statuses([sig])[1][0] is None and time.monotonic() < deadline:
            time.sleep(0.05)
        landed = rpc.signature_statuses([sig])[1][0]["slot"]
        while rpc.get_slot() < landed + 5:  # slots without it, so the low percentiles are 0
            time.sleep(0.05)
        assert priority_fee(rpc, [TIP_ACCOUNTS[4]], percentile=1.0) == 7_000
        assert priority_fee(rpc, [TIP_ACCOUNTS[4]], percentile=0.0) == 0
        assert priority_fee(rpc, [Keypair().pubkey()], percentile=1.0) == 0  # an account nobody wrote


def test_engine_auto_tip(tmp_path):
    from mevlib.engine import Engine, Intent
    from mevlib.presend import RpcSimulation
    from mevlib.routes import JitoRoute
    from mevlib.sender import HedgedSender, SlotClock

    with Simulator(always_land(dataclasses.replace(ClusterConfig(seed=8), slot_ms=100.0))) as sim:
        rpc = JsonRpcClient(sim.url("rpc"))
        clock = SlotClock(rpc, poll_s=0.01).start()
        assert clock.wait_ready()
        kp = Keypair()
        sim.cluster.airdrop(kp.pubkey(), 10**12)
        msg = MessageV0.try_compile(kp.pubkey(), [transfer(TransferParams(
            from_pubkey=kp.pubkey(), to_pubkey=TIP_ACCOUNTS[0], lamports=1_000))], [], Hash.default())
        tpl = mevlib.TxTemplate(msg, kp, tip_patches(msg, 0))
        floor = floor_of([10_000, 20_000, 40_000, 100_000, 200_000])
        with HedgedSender([JitoRoute("jito-ny", sim.url("jito-ny"), rate_limit=None)], clock, rpc, shots=1) as hs:
            engine = Engine(sender=hs, rpc=rpc, presend=RpcSimulation(rpc), pricer=TipPricer(floor)).start()
            rich = engine.submit(Intent(tpl, value=2_000_000, auto_tip=True))
            poor = engine.submit(Intent(tpl, value=3_000, auto_tip=True))
            deadline = time.monotonic() + 5
            while not sim.sent and time.monotonic() < deadline:
                engine.step(timeout=0.05)
            engine.close()
        clock.stop()
        sent_tips = [landing.tip for landing in sim.sent]
    p = hs.p_land("jito-ny", rich.leader)
    assert rich.tips == [TipPricer(floor).choose(2_000_000, 5_000, p)[0]] and poor is None
    assert engine.stats.refused_ev == 1
    assert sent_tips == rich.tips  # the chosen tip is the one the signed transaction pays
