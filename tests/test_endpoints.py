"""The endpoint registry (mevlib.endpoints) and each sender dialect against the simulator: the C
sender builds the request, the simulator serves the provider's shape, the result is classified."""
import dataclasses
import time

import pytest
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction

import mevlib
from mevlib import _sender, endpoints
from mevlib.routes import JitoRoute, RestRoute, SenderRoute, classify
from mevlib.sim import ClusterConfig, Simulator
from mevlib.sim.cluster import always_land


@pytest.fixture
def sim():
    with Simulator(always_land(dataclasses.replace(ClusterConfig(seed=2), slot_ms=100.0))) as s:
        yield s


def signed(sim, lamports=5_000):
    kp = Keypair()
    sim.cluster.airdrop(kp.pubkey(), 10**10)
    to = endpoints.PROVIDERS["bloxroute"].tip_accounts[0]
    sim.cluster.airdrop(to, 10**9)
    msg = MessageV0.try_compile(kp.pubkey(), [transfer(TransferParams(
        from_pubkey=kp.pubkey(), to_pubkey=to, lamports=lamports))], [], sim.cluster.latest_blockhash(sim.now_ms()))
    return bytes(VersionedTransaction(msg, [kp]))


def fire(routes, shots, timeout=5.0):
    """Sends (route index, kind, [tx]) shots through one C sender; their classified results."""
    s = _sender.CurlSender(timeout=2.0)
    ids = [s.add_route(r.url, headers=r.headers, dialect=r.dialect, ping=r.ping) for r in routes]
    s.start()
    for n, (i, kind, txs) in enumerate(shots, 1):
        s.submit(n, ids[i], kind, txs)
    out, deadline = {}, time.monotonic() + timeout
    while len(out) < len(shots) and time.monotonic() < deadline:
        for raw in s.results(timeout=0.1):
            res = classify(raw, [r.name for r in routes])
            out[res.shot_id] = res
    s.close()
    return [out.get(n) for n in range(1, len(shots) + 1)]


def test_registry_names_each_fact_and_refuses_unknowns():
    for p in endpoints.PROVIDERS.values():
        assert p.source and p.regions and p.dialect in (endpoints.JSONRPC, endpoints.JITO, endpoints.REST_SUBMIT)
        assert len(set(p.tip_accounts)) == len(p.tip_accounts) > 0
    provider, region, url = endpoints.lookup("jito/ny")
    assert url == "https://ny.mainnet.block-engine.jito.wtf" and provider.bundles
    with pytest.raises(mevlib.InvalidArgumentError, match="known: jito, helius-sender, bloxroute"):
        endpoints.lookup("nope/ny")
    with pytest.raises(mevlib.InvalidArgumentError, match="no region 'mars'"):
        endpoints.lookup("jito/mars")
    with pytest.raises(mevlib.InvalidArgumentError, match="requires a credential"):
        endpoints.route("bloxroute/ny")
    r = endpoints.route("bloxroute/ny", auth="secret")
    assert isinstance(r, RestRoute) and r.headers == {"Authorization": "secret"} and r.min_tip == 1_000_000
    j = endpoints.route("jito/tokyo", auth="uuid", rate_limit=5.0)
    assert isinstance(j, JitoRoute) and j.headers["x-jito-auth"] == "uuid" and j.limiter.rate == 5.0
    h = endpoints.route("helius-sender/fra")
    assert isinstance(h, SenderRoute) and h.ping == "/ping" and h.url.startswith("http://fra-sender.")


def test_rest_submit_dialect_lands(sim):
    route = endpoints.route("bloxroute/ny", auth="secret", url=sim.url("sender") + "/api/v2/submit")
    wire = signed(sim)
    bad = bytearray(wire)
    bad[5] ^= 1
    ok, refused = fire([route], [(0, _sender.REST_SUBMIT, [wire]), (0, _sender.REST_SUBMIT, [bytes(bad)])])
    sig = str(VersionedTransaction.from_bytes(wire).signatures[0])
    assert ok.ok and ok.value == sig
    assert refused.status == "http_error" and refused.http_status == 400
    assert [l.signature for l in sim.sent] == [sig]
    assert sim.calls.count(("sender", "POST api/v2/submit")) == 2
    # a REST route takes no JSON-RPC shot, and a JSON-RPC route no REST one
    s = _sender.CurlSender()
    rest = s.add_route(route.url, dialect="rest_submit")
    rpc = s.add_route(sim.url("rpc"))
    with pytest.raises(mevlib.InvalidArgumentError):
        s.submit(1, rest, _sender.RPC_SEND, [wire])
    with pytest.raises(mevlib.InvalidArgumentError):
        s.submit(2, rpc, _sender.REST_SUBMIT, [wire])
    s.close()


def test_sender_service_dialect_and_keep_warm_ping(sim):
    route = endpoints.route("helius-sender/fra", url=sim.url("sender"))
    wire = signed(sim)
    warm, sent = fire([route], [(0, _sender.WARM, []), (0, _sender.RPC_SEND, [wire])])
    assert warm.http_status == 200 and sent.ok
    assert ("sender", "GET /ping") in sim.calls and ("sender", "sendTransaction") in sim.calls
    assert "getHealth" not in {m for _, m in sim.calls}  # the ping replaces the JSON-RPC warm-up
    with pytest.raises(mevlib.InvalidArgumentError):
        _sender.CurlSender().add_route(sim.url("sender"), ping="no-slash")


def test_hedged_sender_keeps_idle_routes_warm(sim):
    from mevlib.routes import JsonRpcClient
    from mevlib.sender import HedgedSender, SlotClock

    clock = SlotClock(JsonRpcClient(sim.url("rpc")), poll_s=0.01).start()
    route = endpoints.route("helius-sender/fra", url=sim.url("sender"))
    pings = lambda: sim.calls.count(("sender", "GET /ping"))
    with HedgedSender([route], clock, JsonRpcClient(sim.url("rpc")), shots=1) as hs:
        assert wait_for(lambda: pings() == 1)  # the warm-up at start
        hs.keep_warm(idle_s=60.0)  # not idle long enough: nothing is submitted
        assert hs._curl.stats()["submitted"] == 1
        hs.keep_warm(idle_s=0.0)
        assert hs._curl.stats()["submitted"] == 2 and wait_for(lambda: pings() == 2)
    clock.stop()


def wait_for(condition, timeout=5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_probe_ranks_regions_by_round_trip():
    """The slow region (every request stalled 150 ms) ranks last, the dead one after it."""
    from mevlib.sim import Faults

    with Simulator(faults={"jito-ams": Faults(stall=1.0, stall_s=0.15)}) as sim:
        routes = [JitoRoute("jito-ny", sim.url("jito-ny"), rate_limit=None),
                  JitoRoute("jito-ams", sim.url("jito-ams"), rate_limit=None),
                  endpoints.route("helius-sender/fra", url=sim.url("sender")),
                  SenderRoute("dead", "http://127.0.0.1:9/x")]
        ranked = endpoints.probe(routes, rounds=3, timeout=1.0)
    names = [n for n, _ in ranked]
    assert names[2:] == ["jito-ams", "dead"] and ranked[-1][1] is None
    assert ranked[2][1] > 150 > ranked[0][1]


def test_a_limit_per_ip_across_regions_is_shared(monkeypatch):
    """A provider that limits per IP across its regions: its routes draw from one bucket."""
    shared = dataclasses.replace(endpoints.PROVIDERS["helius-sender"], name="shared", shared_limit=True, rate_limit=2.0)
    monkeypatch.setitem(endpoints.PROVIDERS, "shared", shared)
    limiters = {}
    a, b = (endpoints.route(f"shared/{r}", limiters=limiters) for r in ("fra", "ams"))
    assert a.limiter is b.limiter is limiters["shared"]
    now = time.monotonic() + 10  # a full bucket: a burst of 2 in all
    assert [a.limiter.try_acquire(now), b.limiter.try_acquire(now), a.limiter.try_acquire(now)] == [True, True, False]
    c, d = (endpoints.route(f"helius-sender/{r}", limiters=limiters) for r in ("fra", "ams"))
    assert c.limiter is not d.limiter  # per region, as Helius documents
