"""The send path against the local cluster simulator over real HTTP: landing and attribution,
the C sender's timing, fault injection (429, 500, garbage, stalls, dropped connections),
result classification, the slot clock, and bad input."""
import dataclasses
import threading
import time

import pytest
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.system_program import TransferParams, transfer

import mevlib
from forking import in_child
from mevlib import _sender
from mevlib.jito import TIP_ACCOUNTS
from mevlib.routes import JitoRoute, JsonRpcClient, RpcCallError, RpcRoute, classify
from mevlib.sender import REVERT_PROTECTED, HedgedSender, SlotClock, plan_shots
from mevlib.sim import ClusterConfig, Faults, Simulator

FAST = dataclasses.replace(ClusterConfig(seed=3), slot_ms=100.0, competitive_share=0.0)


@pytest.fixture
def sim():
    with Simulator(FAST) as s:
        yield s


def funded_template(sim, tip=50_000):
    kp = Keypair()
    sim.cluster.airdrop(kp.pubkey(), 10**12)
    bh = sim.cluster.latest_blockhash(sim.now_ms())
    ix = transfer(TransferParams(from_pubkey=kp.pubkey(), to_pubkey=TIP_ACCOUNTS[0], lamports=tip))
    msg = MessageV0.try_compile(kp.pubkey(), [ix], [], bh)
    return mevlib.TxTemplate(msg, kp, {"tip": mevlib.Patch.transfer_lamports(0)})


def routes_of(sim):
    return [RpcRoute("rpc", sim.url("rpc")),
            JitoRoute("jito-ny", sim.url("jito-ny"), rate_limit=None),
            JitoRoute("jito-ams", sim.url("jito-ams"), rate_limit=None)]


def running_clock(sim):
    """The simulator's RPC client and a SlotClock that has fitted the slot length."""
    rpc = JsonRpcClient(sim.url("rpc"))
    clock = SlotClock(rpc, poll_s=0.01).start()
    assert clock.wait_ready()
    return rpc, clock


def run_until_decided(hs, seconds=20):
    deadline = time.monotonic() + seconds
    while hs.pending and time.monotonic() < deadline:
        hs.poll(timeout=0.05)


def test_hedged_sender_lands_and_attributes(sim):
    tpl = funded_template(sim)
    rpc, clock = running_clock(sim)
    records = []
    names = [r.name for r in routes_of(sim)]
    hs = HedgedSender(routes_of(sim), clock, rpc, kalman=mevlib.PhaseKalman(),
                      bandit=mevlib.RouteBandit(names, per_leader=True, seed=1), on_record=records.append)
    first = clock.current_slot() + 3
    for i in range(30):  # one tip variant per shot: the landed signature names the shot
        hs.send(tpl.sign_many([{"tip": 50_000 + 3 * i + j} for j in range(3)]), first + i,
                exclusive=REVERT_PROTECTED)
    run_until_decided(hs)
    clock.stop()
    hs.close()
    assert hs.pending == 0 and len(hs.decided) == 30
    landed = [a for a in hs.decided if a.landed]
    assert landed, "nothing landed in 30 slots"
    truth = {l.signature: l.route for l in sim.sent if l.landed}
    for a in landed:
        assert a.credited_route in {truth[s] for s in a.signatures if s in truth}
        assert a.landed_slot is not None
    for a in hs.decided:
        if not a.landed:
            assert not any(s in truth for s in a.signatures)
    kinds = [r["kind"] for r in records]
    assert kinds.count("shot") == kinds.count("shot_result") == 90 and kinds.count("outcome") == 30
    # the models learned: every shot counted once in the bandit
    total = sum(sum(hs.bandit.posterior(n)) - 2 for n in names)
    assert total == 90


def test_same_transaction_on_every_route(sim):
    tpl = funded_template(sim)
    rpc, clock = running_clock(sim)
    hs = HedgedSender(routes_of(sim), clock, rpc)
    first = clock.current_slot() + 3
    attempts = [hs.send(tpl.sign(tip=60_000 + i), first + i) for i in range(20)]
    run_until_decided(hs)
    clock.stop()
    hs.close()
    truth = {l.signature: l.route for l in sim.sent if l.landed}
    for a in attempts:
        assert len(set(a.signatures)) == 1
        assert a.landed == (a.signatures[0] in truth)  # it can land at most once
        if a.landed and truth[a.signatures[0]] == "rpc":
            assert a.credited_route == "rpc"  # the only non-Jito route: unambiguous


def test_shots_fire_on_schedule(sim):
    tpl = funded_template(sim)
    s = _sender.CurlSender()
    r = s.add_route(sim.url("jito-ny"), jito=True)
    s.start()
    s.submit(0, r, _sender.WARM, [])
    assert s.results(timeout=2)
    start = time.monotonic_ns() + 20_000_000
    for i in range(50):
        s.submit(i + 1, r, _sender.JITO_SEND, [tpl.sign(tip=10_000 + i)], start + i * 4_000_000)
    results = []
    deadline = time.monotonic() + 10
    while len(results) < 50 and time.monotonic() < deadline:
        results += [classify(x, ["jito-ny"]) for x in s.results(timeout=0.5)]
    stats = s.stats()
    s.close()
    assert len(results) == 50 and all(x.ok and x.bundle_id for x in results)
    # it wakes ahead of each shot and spins the rest: part of its CPU, never all of it
    assert stats["fired"] == 51 and 0 < stats["spin_ns"] < stats["cpu_ns"]
    late = sorted(x.late_ns for x in results)
    assert late[0] >= 0  # never early
    assert late[len(late) // 2] < 2_000_000  # a loose bound: timing is measured in make bench


@pytest.mark.parametrize("fault, status", [
    (Faults(rate_limited=1.0), "rate_limited"),
    (Faults(server_error=1.0), "http_error"),
    (Faults(garbage=1.0), "bad_json"),
    (Faults(stall=1.0, stall_s=1.5), "timeout"),
    (Faults(drop=1.0), "connection"),
])
def test_faults_become_typed_results(fault, status):
    with Simulator(FAST, faults={"jito-ny": fault}) as sim:
        tpl = funded_template(sim)
        s = _sender.CurlSender(timeout=0.5)
        r = s.add_route(sim.url("jito-ny"), jito=True)
        s.start()
        for i in range(4):
            s.submit(i + 1, r, _sender.JITO_SEND, [tpl.sign(tip=10_000 + i)])
        results = []
        deadline = time.monotonic() + 10
        while len(results) < 4 and time.monotonic() < deadline:
            results += [classify(x, ["jito-ny"]) for x in s.results(timeout=0.5)]
        s.close()
    assert sorted(x.shot_id for x in results) == [1, 2, 3, 4]  # no attempt lost
    assert {x.status for x in results} == {status}


def test_hedged_sender_survives_a_faulty_route():
    faults = {"jito-ny": Faults(rate_limited=0.3, server_error=0.2, garbage=0.2, drop=0.1)}
    with Simulator(FAST, faults=faults) as sim:
        tpl = funded_template(sim)
        rpc, clock = running_clock(sim)
        records = []
        hs = HedgedSender(routes_of(sim), clock, rpc, on_record=records.append, timeout=0.5)
        first = clock.current_slot() + 3
        for i in range(20):
            hs.send(tpl.sign_many([{"tip": 70_000 + 3 * i + j} for j in range(3)]), first + i,
                    exclusive=REVERT_PROTECTED)
        run_until_decided(hs)
        clock.stop()
        hs.close()
    shot_results = [r for r in records if r["kind"] == "shot_result"]
    assert len(shot_results) == 60 and len(hs.decided) == 20
    assert {r["status"] for r in shot_results if r["route"] == "jito-ny"} - {"ok"}  # faults seen


def test_landed_without_an_http_answer_is_still_credited():
    # The block engines answer only after the sender has given up; the transactions land anyway.
    faults = {r: Faults(stall=1.0, stall_s=0.4) for r in ("jito-ny", "jito-ams")}
    with Simulator(FAST, faults=faults) as sim:
        tpl = funded_template(sim)
        rpc, clock = running_clock(sim)
        records = []
        jito = [r for r in routes_of(sim) if r.name.startswith("jito")]
        hs = HedgedSender(jito, clock, rpc, on_record=records.append, timeout=0.2)
        first = clock.current_slot() + 3
        # A stalled shot is processed 0.4 s late, at a random point of a later slot: it lands only
        # if that falls in the leader's window (1/8 of a slot), ~20% of attempts. With 10 attempts
        # nothing landed in about 1 run in 10; with 30, about 1 in 1,000.
        for i in range(30):
            tips = [80_000 + 3 * i + j for j in range(3)]
            hs.send(tpl.sign_many([{"tip": t} for t in tips]), first + i, tips=tips, exclusive=REVERT_PROTECTED)
        run_until_decided(hs)

        def accounted():
            """(tips the chain took per attempt, the sender's latest totals: the outcome, then any late
            record of another variant that executed after the attempt was decided)"""
            truth = {l.signature: l.route for l in sim.sent if l.landed}
            paid = {a.attempt_id: sum(t for s, t in zip(a.signatures, a.tips) if s in truth) for a in hs.decided}
            latest = {r["attempt"]: r["tip_paid"] for r in records if r["kind"] in ("outcome", "late")}
            return truth, paid, latest
        # the last stalled shots reach the cluster 0.4 s after being sent; their statuses a slot later
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            hs.poll(timeout=0.05)
            truth, paid, latest = accounted()
            if len(sim.sent) == 90 and sum(latest.values()) == sum(paid.values()):
                break
        clock.stop()
        hs.close()
    assert {r["status"] for r in records if r["kind"] == "shot_result"} == {"timeout"}
    outcomes = [r for r in records if r["kind"] == "outcome" and r["landed"]]
    assert outcomes, "nothing landed"
    # every tip of a variant that executed (two revert-protected transfers can both succeed)
    for o in outcomes:
        assert o["signature"] in truth and o["route"] == truth[o["signature"]]
        assert latest[o["attempt"]] == paid[o["attempt"]] > 0
    assert sum(latest.values()) == sum(paid.values())  # every tip paid, by any variant, is accounted


def test_a_variant_that_executes_after_the_decision_is_accounted():
    """Two revert-protected variants, one per block engine, on a cluster that lands every valid
    transaction: one lands and decides the attempt; the other, its engine stalled 1 s, lands after
    that. Both tips are real money: the second comes as a late record with the attempt's new
    totals, and counts as a double landing."""
    from mevlib.sim.cluster import always_land

    config = always_land(dataclasses.replace(ClusterConfig(seed=4), slot_ms=100.0))
    with Simulator(config, faults={"jito-ny": Faults(stall=1.0, stall_s=1.0)}) as sim:
        tpl = funded_template(sim)
        rpc, clock = running_clock(sim)
        records = []
        routes = [r for r in routes_of(sim) if r.name in ("jito-ams", "jito-ny")]
        hs = HedgedSender(routes, clock, rpc, on_record=records.append, shots=2, timeout=0.2)
        tips = [60_000, 60_001]
        attempt = hs.send(tpl.sign_many([{"tip": t} for t in tips]), clock.current_slot() + 2, tips=tips,
                          exclusive=REVERT_PROTECTED)
        run_until_decided(hs)
        assert attempt.landed and attempt.tip_paid in tips  # decided on the first landing
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not any(r["kind"] == "late" for r in records):
            hs.poll(timeout=0.05)
        clock.stop()
        hs.close()
        landed = [l for l in sim.sent if l.landed]
    assert len(landed) == 2  # both variants executed
    late = [r for r in records if r["kind"] == "late"]
    assert len(late) == 1 and late[0]["landed"] and late[0]["tip_paid"] == sum(tips)
    assert attempt.tip_paid == sum(tips) and hs.double_landed == 1


def test_classify_json_rpc_answers():
    def raw(status, body, curl=0):
        return (7, 0, 1, curl, status, body, "", 0, 0, 0, 0, False, False)
    assert classify(raw(200, b'{"jsonrpc":"2.0","result":"sig","id":7}'), ["r"]).value == "sig"
    err = classify(raw(200, b'{"jsonrpc":"2.0","error":{"code":-32003,"message":"bad sig"},"id":7}'), ["r"])
    assert (err.status, err.error_code, err.error_message) == ("rpc_error", -32003, "bad sig")
    assert classify(raw(200, b'{"id":7}'), ["r"]).status == "bad_json"
    assert classify(raw(200, b"[1,2]"), ["r"]).status == "bad_json"
    assert classify(raw(503, b"busy"), ["r"]).status == "http_error"
    assert classify(raw(0, b"", curl=28), ["r"]).status == "timeout"
    assert classify(raw(0, b"", curl=7), ["r"]).status == "connection"


def test_json_rpc_client_errors(sim):
    rpc = JsonRpcClient(sim.url("rpc"))
    assert rpc.get_slot() >= 0
    with pytest.raises(RpcCallError) as e:
        rpc.call("noSuchMethod")
    assert e.value.kind == "rpc" and e.value.code == -32601
    with pytest.raises(RpcCallError) as e:
        JsonRpcClient("http://127.0.0.1:1/", timeout=0.5).get_slot()
    assert e.value.kind == "connection"
    jito = JsonRpcClient(sim.url("jito-ny"))
    assert len(jito.get_tip_accounts()) == 8
    with pytest.raises(mevlib.InvalidArgumentError):
        jito.get_bundle_statuses(["x"] * 6)


def test_slot_clock_measures_slot_length(sim):
    clock = SlotClock(JsonRpcClient(sim.url("rpc")), poll_s=0.005).start()
    assert clock.wait_ready(samples=20)  # 20 slots of 100 ms: a fit over two seconds
    clock.stop()
    assert abs(clock.slot_ms - 100.0) < 20  # never assumed (400 ms is the default): fitted from getSlot
    slot = clock.current_slot()
    assert abs(slot - sim.cluster.slot_at(sim.now_ms())) <= 1
    assert [clock.leader(s) for s in range(slot, slot + 12)] == [
        bytes(sim.cluster.leader_of(s)) for s in range(slot, slot + 12)]


def test_plan_shots_is_a_w():
    bandit = mevlib.RouteBandit(["a", "b", "c"], seed=1)
    kalman = mevlib.PhaseKalman(measurement_noise=5)
    leader = bytes(32)
    for s in range(30):
        kalman.observe(leader, 150.0, True, slot=s)
    plan = plan_shots(kalman, bandit, leader, 31, 3, default_phase_ms=200, min_spread_ms=10)
    offsets = [p.offset_ms for p in plan]
    assert offsets[0] < offsets[1] < offsets[2] and abs(offsets[1] - 150) < 5
    assert len({p.route for p in plan}) == 3
    plan2 = plan_shots(None, bandit, leader, 31, 2, default_phase_ms=200, min_spread_ms=20)
    assert [p.offset_ms for p in plan2] == [190.0, 210.0]
    with pytest.raises(mevlib.InvalidArgumentError):
        plan_shots(None, bandit, leader, 1, 4, default_phase_ms=1)


def test_plan_w_arithmetic():
    """The centre moves z standard deviations, the arms sit max(std/2, min_spread) out, offsets
    never go below the slot start, and with fewer routes than shots the routes repeat in order."""
    kalman = mevlib.PhaseKalman(initial_phase=40.0, initial_std=60.0)
    leader = bytes(range(32))
    phase, std = kalman.predict(leader, 9)
    for z in (0.0, 1.5, -2.0):
        plan = plan_shots(kalman, mevlib.RouteBandit(["a", "b"], seed=3), leader, 9, 3,
                          default_phase_ms=0, min_spread_ms=10, z=z)
        centre, arm = phase + std * z, max(std / 2, 10)
        assert [s.offset_ms for s in plan] == pytest.approx([max(0.0, centre + w * arm) for w in (-1, 0, 1)])
        assert plan[2].route == plan[0].route != plan[1].route
    with pytest.raises(mevlib.InvalidArgumentError):
        plan_shots(kalman, mevlib.RouteBandit(["a"]), leader, -1, 1, default_phase_ms=0)


def test_curl_sender_bad_input(sim):
    s = _sender.CurlSender()
    r = s.add_route(sim.url("rpc"))
    with pytest.raises(mevlib.InvalidArgumentError):
        s.submit(1, r, _sender.RPC_SEND, [b"x"])  # not started
    with pytest.raises(mevlib.InvalidArgumentError):
        s.add_route("ftp://nope")
    with pytest.raises(mevlib.InvalidArgumentError):
        s.add_route(sim.url("rpc"), headers={"x": "a\r\nb"})
    s.start()
    with pytest.raises(mevlib.InvalidArgumentError):
        s.add_route(sim.url("rpc"))
    with pytest.raises(mevlib.InvalidArgumentError):
        s.submit(1, 9, _sender.RPC_SEND, [b"x"])
    with pytest.raises(mevlib.InvalidArgumentError):
        s.submit(1, r, _sender.JITO_BUNDLE, [b"x"])  # bundles go to Jito routes
    with pytest.raises(mevlib.InvalidTypeError):
        s.submit(1, r, _sender.RPC_SEND, ["text"])
    with pytest.raises(mevlib.InvalidTypeError):
        s.submit(1, r, _sender.RPC_SEND, [b"x"] * 6)
    with pytest.raises(mevlib.TransactionTooLargeError):
        s.submit(1, r, _sender.RPC_SEND, [b"x" * 1300])
    s.close()
    with pytest.raises(mevlib.ClosedError):
        s.submit(1, r, _sender.RPC_SEND, [b"x"])


def test_rate_limits_and_minimum_tips_steer_shots(sim):
    tpl = funded_template(sim)
    rpc, clock = running_clock(sim)
    routes = [RpcRoute("rpc", sim.url("rpc")),
              JitoRoute("jito-ny", sim.url("jito-ny"), rate_limit=1.0, min_tip=1_000),
              JitoRoute("jito-ams", sim.url("jito-ams"), rate_limit=None, min_tip=100_000)]
    records = []
    hs = HedgedSender(routes, clock, rpc, shots=2, on_record=records.append)
    first = clock.current_slot() + 3
    for i in range(6):
        hs.send(tpl.sign(tip=5_000 + i), first + i, tips=[5_000 + i] * 2)
    run_until_decided(hs)
    clock.stop()
    hs.close()
    shots = [r for r in records if r["kind"] == "shot"]
    assert not [r for r in shots if r["route"] == "jito-ams"]  # below its minimum tip
    assert sum(r["route"] == "jito-ny" for r in shots) <= 2  # 1 request/s, burst 1, ~1 s of sends
    with HedgedSender(routes, clock, rpc, shots=2) as other, pytest.raises(mevlib.InvalidArgumentError):
        other.send(tpl.sign(tip=1), first, tips=[1])


def test_records_reach_the_store_with_calibrated_p_land(sim, store_db, tmp_path):
    """Two senders share one recorder, as the demo's hedged and baseline policies do: every
    shot and outcome of both reaches the store under ids of its own, with the tip it paid."""
    from mevlib import calibrate
    from mevlib.store import SenderRecorder, Writer

    half = tmp_path / "jito-ny.lut"
    calibrate.write_lut(str(half), [0.0, 1.0], [0.0, 0.5], "p_land", "p_land/jito-ny")  # jito-ny: halve it
    tpl = funded_template(sim)
    rpc, clock = running_clock(sim)
    writer = Writer(store_db, str(tmp_path / "spill"), flush_seconds=0.05)
    recorder = SenderRecorder(writer, strategy="test")
    hs = HedgedSender(routes_of(sim), clock, rpc, kalman=mevlib.PhaseKalman(),
                      calibration={"jito-ny": mevlib.Lut(half)}, on_record=recorder)
    single = HedgedSender([RpcRoute("rpc", sim.url("rpc"))], clock, rpc, shots=1, default_phase_ms=0.0,
                          on_record=recorder)
    first = clock.current_slot() + 3
    for i in range(12):
        tips = [50_000 + 3 * i + j for j in range(3)]
        hs.send(tpl.sign_many([{"tip": t} for t in tips]), first + i, tips=tips, value=1e6,
                exclusive=REVERT_PROTECTED)
        single.send(tpl.sign(tip=40_000 + i), first + i, tips=[40_000 + i], label="test/single")
    run_until_decided(hs)
    run_until_decided(single)
    clock.stop()
    hs.close()
    single.close()
    writer.close()
    db = store_db.database
    decided = hs.decided + single.decided
    landed = sum(a.landed for a in decided)
    assert len(single.decided) == 12
    assert store_db.rows(f"SELECT count(), sum(landed) FROM {db}.attempts") == [(48, landed)]
    assert store_db.rows(f"SELECT count(), sum(landed), countIf(strategy = 'test') FROM {db}.outcomes") == [(24, landed, 12)]
    assert store_db.rows(f"SELECT count() FROM {db}.bandit_arm_events")[0][0] == 48
    assert store_db.rows(f"SELECT count() FROM {db}.slot_timings")[0][0] == 12
    credited = {(a.attempt_id, a.credited_route) for a in decided if a.landed}
    assert set(store_db.rows(f"SELECT attempt_id, route FROM {db}.attempts WHERE landed = 1")) == credited
    for route, p_raw, p_land, tip in store_db.rows(f"SELECT route, p_raw, p_land, tip_lamports FROM {db}.attempts"):
        calibrated = route == "jito-ny"
        assert p_land == pytest.approx(p_raw / 2 if calibrated else p_raw, abs=1e-6)
    single_paid = {(a.attempt_id, a.tips[0]) for a in single.decided if a.landed}
    assert set(store_db.rows(f"SELECT attempt_id, tip_lamports FROM {db}.outcomes "
                             "WHERE strategy = 'test/single' AND landed = 1")) == single_paid
    # every tip paid, a second revert-protected variant that also executed included (transfers
    # can both succeed: only a trade's own min-out makes that mode exclusive)
    paid = store_db.rows(f"SELECT sum(tip_lamports) FROM {db}.outcomes")[0][0]
    assert paid == sum(a.tip_paid for a in decided)
    assert paid >= store_db.rows(f"SELECT sumIf(tip_lamports, landed = 1) FROM {db}.attempts")[0][0]
    # fees: each landed transaction's, once, in the attempts rows and in realized
    assert all(a.fee_paid >= a.fees[0] == 5_000 for a in decided if a.landed)  # one signature, no priority fee
    fees = sum(a.fee_paid for a in decided)
    assert store_db.rows(f"SELECT sum(fee_lamports) FROM {db}.attempts")[0][0] == fees
    realized = sum((1e6 if a.landed else 0.0) - a.tip_paid - a.fee_paid for a in hs.decided)
    got = store_db.rows(f"SELECT sum(realized_lamports) FROM {db}.outcomes WHERE strategy != 'test/single'")[0][0]
    assert got == pytest.approx(realized, rel=1e-6)


class _Recorder:
    """A loopback HTTP server that records request targets and answers with a body of a set size."""

    def __init__(self, body_bytes=0):
        import http.server
        import threading

        seen = self.targets = []
        size = body_bytes

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                seen.append(self.path)
                self.rfile.read(int(self.headers["Content-Length"]))
                body = b'{"jsonrpc":"2.0","id":1,"result":"' + b"x" * size + b'"}'
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_json_rpc_client_keeps_the_query_string():
    """Paid RPCs authenticate with ?api-key=...: dropping it sends every call unauthenticated."""
    srv = _Recorder()
    try:
        rpc = JsonRpcClient(srv.url + "/rpc?api-key=abc123")
        rpc.call("getSlot")
        rpc.call("getTipAccounts", path="/api/v1/bundles")
        assert srv.targets == ["/rpc?api-key=abc123", "/rpc/api/v1/bundles?api-key=abc123"]
        JsonRpcClient(srv.url + "?api-key=k").call("getSlot")
        assert srv.targets[-1] == "/?api-key=k"
    finally:
        srv.close()


def test_c_sender_keeps_a_route_query_after_its_paths():
    """A sender or block engine authenticated by ?api-key=...: the Jito paths go before the
    query, and bundleOnly joins it (the key used to be glued in front of the path)."""
    srv = _Recorder()
    s = _sender.CurlSender()
    try:
        jito = s.add_route(srv.url + "/be/?api-key=k1", jito=True)
        plain = s.add_route(srv.url + "/rpc?api-key=k2")
        s.start()
        for shot_id, (route, kind) in enumerate([(jito, _sender.JITO_BUNDLE_ONLY), (jito, _sender.JITO_SEND),
                                                 (jito, _sender.JITO_BUNDLE), (plain, _sender.RPC_SEND)], 1):
            s.submit(shot_id, route, kind, [b"\x01" + bytes(64) + b"tx"])
        got = []
        deadline = time.monotonic() + 10
        while len(got) < 4 and time.monotonic() < deadline:
            got += s.results(timeout=0.2)
    finally:
        s.close()
        srv.close()
    assert sorted(srv.targets) == sorted(["/be/api/v1/transactions?api-key=k1&bundleOnly=true",
                                          "/be/api/v1/transactions?api-key=k1", "/be/api/v1/bundles?api-key=k1",
                                          "/rpc?api-key=k2"])


def test_json_rpc_client_caps_response_bodies():
    srv = _Recorder(body_bytes=3 << 20)
    try:
        rpc = JsonRpcClient(srv.url, max_body_bytes=1 << 20)
        with pytest.raises(RpcCallError) as e:
            rpc.call("getProgramAccounts")
        assert e.value.kind == "too_large" and "1048576" in str(e.value)
        assert len(JsonRpcClient(srv.url).call("getProgramAccounts")) == 3 << 20  # the default admits it
    finally:
        srv.close()


def test_sender_close_racing_results():
    """close() from one thread while another waits in results() with the GIL released: the
    sender is freed when the waiter has left, never under it."""
    import threading

    def body():
        for _ in range(300):
            sender = _sender.CurlSender()
            sender.add_route("http://127.0.0.1:9/")
            sender.start()
            outcome = []

            def wait():
                try:
                    outcome.append(sender.results(timeout=0.01))
                except mevlib.ClosedError:
                    outcome.append("closed")

            t = threading.Thread(target=wait)
            t.start()
            sender.close()
            t.join(10)
            if t.is_alive() or not outcome:
                return 1
            try:
                sender.results()
                return 2
            except mevlib.ClosedError:
                pass
        return 0

    assert in_child(body, timeout=120) == 0


def test_slot_clock_follows_the_stream_and_polls_only_without_it():
    """Slot starts from the feed (on_slot) replace getSlot polling while the stream is alive;
    polling resumes when it goes silent."""
    from mevlib.feed import COMPLETED, CREATED_BANK, SlotUpdate

    class Rpc:
        calls = 0

        def get_slot(self):
            Rpc.calls += 1
            return 1_000 + Rpc.calls  # far from the stream's slots: a poll would show

    clock = SlotClock(Rpc(), poll_s=0.005, stream_timeout_s=0.3)
    t0 = 10**12
    for i in range(10):  # 400 ms slots, as a stream reports them
        clock.observe(100 + i, t0 + i * 400_000_000)
    assert clock.slot_ms == pytest.approx(400.0)
    assert clock.current_slot(t0 + 4_100_000_000) == 110 and clock.slot_start_ns(112) == t0 + 4_800_000_000
    clock.on_slot(SlotUpdate(50, None, COMPLETED, "", 0))       # not a slot start: ignored
    clock.on_slot(SlotUpdate(109, None, CREATED_BANK, "", 0))  # not newer: ignored
    assert clock.current_slot(t0 + 4_100_000_000) == 110
    clock.observe(111)  # the stream is alive now
    clock._thread = threading.Thread(target=clock._run, daemon=True)
    clock._thread.start()
    try:
        time.sleep(0.15)
        assert Rpc.calls == 0 and clock.polls == 0
        time.sleep(0.4)  # silent past stream_timeout_s: polling takes over
        assert clock.polls > 0 and Rpc.calls == clock.polls
    finally:
        clock.stop()
