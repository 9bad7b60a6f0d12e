"""The engine: hooks fed from the plugin's C core through a ring, isolated from each other (a
raising hook and a slow hook never stop the feed or the other hooks), intents signed and landed on
the local cluster, and the demo's whole loop in short mode."""
import dataclasses
import logging
import time

import pytest
from solders.pubkey import Pubkey

import mevlib
from mevlib.engine import Engine, Intent
from mevlib.feed import Feed, RingSource
from mevlib.routes import JitoRoute, JsonRpcClient, RpcRoute
from mevlib.sender import REVERT_PROTECTED, HedgedSender, SlotClock
from mevlib.sim import ClusterConfig, Simulator
from mevlib.dex import TOKEN_PROGRAM_ID, decode_token_account
from mevlib.sim.market import Market
from mevlib.sim.plugin import PluginCore

# every valid transaction lands: these tests are about the engine, not the landing model (with the
# model's drops and window, 10 attempts all missed about one full run in ten)
FAST = dataclasses.replace(ClusterConfig(seed=5), slot_ms=100.0, competitive_share=0.0, phase_range=(1.0, 1.0),
                           jitter_range=(0.0, 0.0), window=1.0,
                           routes=tuple(dataclasses.replace(r, drop=0.0) for r in ClusterConfig().routes))


@pytest.fixture
def cluster():
    with Simulator(FAST) as sim:
        rpc = JsonRpcClient(sim.url("rpc"))
        clock = SlotClock(rpc, poll_s=0.01).start()
        assert clock.wait_ready()
        routes = [RpcRoute("rpc", sim.url("rpc")), JitoRoute("jito-ny", sim.url("jito-ny"), rate_limit=None)]
        sender = HedgedSender(routes, clock, rpc, kalman=mevlib.PhaseKalman(), shots=2)
        yield sim, rpc, clock, sender
        sender.close()
        clock.stop()


@pytest.fixture
def pools(cluster, ring_name):
    """The simulator's market; its vault updates go through the plugin core into a ring the engine reads."""
    sim = cluster[0]
    ring = mevlib.Ring(1 << 22, name=ring_name)
    core = PluginCore({"sink": f"ring://{ring_name}", "filters": [{"owners": [str(TOKEN_PROGRAM_ID)]}]})
    sim.cluster.on_write(lambda key, acct, slot, wv, sig: core.update_account(
        bytes(key), bytes(acct.owner), acct.lamports, bytes(acct.data), slot, wv))
    market = Market(sim.cluster, seed=1)
    yield market, Feed(RingSource(ring_name)), core
    core.close()
    ring.close()


def test_a_raising_and_a_slow_hook_do_not_stop_the_feed(cluster, pools, caplog):
    sim, rpc, clock, sender = cluster
    market, feed, core = pools
    engine = Engine(sender=sender, rpc=rpc, feed=feed, slow_hook_s=0.01, max_errors=10)
    seen = {}

    @engine.on_pool_delta(program=TOKEN_PROGRAM_ID)
    def broken(update, ctx):
        raise RuntimeError("strategy bug")

    @engine.on_pool_delta(program=TOKEN_PROGRAM_ID)
    def slow(update, ctx):
        time.sleep(0.02)

    @engine.on_pool_delta(program=TOKEN_PROGRAM_ID)
    def healthy(update, ctx):
        seen[update.pubkey] = decode_token_account(update.data).amount

    engine.start()
    with caplog.at_level(logging.WARNING, logger="mevlib.engine"):
        for i in range(60):  # rounds of 10 swaps; every hook has work in every round
            for _ in range(10):
                market.step(sim.now_ms())
            deadline = time.monotonic() + 10
            while engine.stats.deltas < core.metrics()["sent"] and time.monotonic() < deadline:
                time.sleep(0.001)  # the feed thread drains without any help from the engine
            engine.step()
    engine.close()
    published = core.metrics()["sent"]
    assert engine.stats.deltas == published >= 600  # the feed took every update
    vaults = [k for p in market.pools.values() for k in p[4:]]  # the latest balance of each vault seen
    assert {k: v for k, v in seen.items() if Pubkey.from_bytes(k) in vaults} == \
        {bytes(k): decode_token_account(sim.cluster.account(k).data).amount for k in vaults}
    report = {h["hook"].split(".")[-1]: h for h in engine.hook_report()}
    assert report["broken"]["disabled"] and report["broken"]["errors"] == 10 and engine.stats.disabled_hooks == 1
    assert report["slow"]["slow"] == report["slow"]["calls"] > 0 and engine.stats.slow_hooks >= report["slow"]["calls"]
    assert report["healthy"]["calls"] > 0 and not report["healthy"]["disabled"]
    assert engine.stats.coalesced > 0  # the slow hook saw only the newest update of each pool
    assert "strategy bug" in caplog.text and "disabled" in caplog.text and "slow" in caplog.text.lower()


def test_intents_land_on_the_cluster(cluster):
    from mevlib.jito import TIP_ACCOUNTS
    from solders.hash import Hash
    from solders.keypair import Keypair
    from solders.message import MessageV0
    from solders.system_program import TransferParams, transfer

    sim, rpc, clock, sender = cluster
    kp, vault = Keypair(), Keypair().pubkey()
    sim.cluster.airdrop(kp.pubkey(), 10**12)
    sim.cluster.airdrop(vault, 10**9)
    ixs = [transfer(TransferParams(from_pubkey=kp.pubkey(), to_pubkey=vault, lamports=1)),
           transfer(TransferParams(from_pubkey=kp.pubkey(), to_pubkey=TIP_ACCOUNTS[0], lamports=1000))]
    tpl = mevlib.TxTemplate(MessageV0.try_compile(kp.pubkey(), ixs, [], Hash.default()), kp,
                            {"amount": mevlib.Patch.transfer_lamports(0), "tip": mevlib.Patch.transfer_lamports(1)})
    engine = Engine(sender=sender, rpc=rpc)
    outcomes = []
    engine.on_outcome(lambda attempt, ctx: outcomes.append(attempt))
    engine.start()
    for i in range(10):
        engine.submit(Intent(tpl, {"amount": 1000 + i}, value=1e6, tips=[200_000 + i, 300_000 + i], label="t",
                             exclusive=REVERT_PROTECTED))
        engine.submit(Intent(tpl, {"amount": 1}, tips=[1]))                 # a tip variant count that does not fit
        engine.submit(Intent(tpl, {"no_such_patch": 1}, tips=[5000, 6000]))  # a bad patch: that intent only
        engine.run(0.15)
    deadline = time.monotonic() + 20
    while sender.pending and time.monotonic() < deadline:
        engine.step(timeout=0.05)
    engine.close()
    assert engine.stats.attempts == 10 and engine.stats.bad_intents == 20 and len(outcomes) == 10
    assert engine.stats.landed == sum(a.landed for a in outcomes) > 0
    assert all(a.label == "t" for a in outcomes)
    assert sim.cluster.balance(vault) > 10**9  # the landed ones moved their patched amounts


def test_demo_short_mode(tmp_path, store_url):
    """`make demo`'s loop end to end, short: plugin core -> ring -> feed -> example strategies ->
    signer -> hedged and baseline senders -> chDB store -> recalibration -> table reload."""
    from mevlib import demo

    result = demo.run(12.0, out_dir=str(tmp_path), short=True, quiet=True, store_url=store_url)
    hedged, baseline = result["policies"]["hedged"], result["policies"]["baseline"]
    assert hedged["attempts"] > 5 and baseline["attempts"] > 5
    assert hedged["landed"] > 0
    stats = result["stats"]
    assert stats.recalibrations >= 1 and stats.hook_errors == 0
    assert result["plugin"]["sent"] > 100 and result["plugin"]["dropped"] == 0
    assert sum(r["shots"] for r in result["routes"].values()) >= 2 * hedged["attempts"] + baseline["attempts"] - 3
    assert (tmp_path / "demo-report.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "luts" / "report.png").exists()


@pytest.mark.parametrize("source", ["pubsub", "yellowstone"])
def test_demo_from_an_rpc_providers_feed(tmp_path, store_url, source):
    """`make demo SOURCE=pubsub|yellowstone`: the market's writes reach the strategies through the
    cluster's PubSub websocket (one notification per pool per slot, at the slot's end) or its
    Yellowstone gRPC endpoint (each write as it happens) instead of the plugin."""
    from mevlib import demo

    result = demo.run(8.0, out_dir=str(tmp_path), short=True, quiet=True, store_url=store_url, source=source)
    feed = result["feed"]
    assert result["plugin"] is None and feed["reconnects"] == 0 and feed["undecodable"] == 0
    assert result["stats"].deltas > 10 and result["stats"].hook_errors == 0 and result["stats"].slots > 0
    assert result["policies"]["hedged"]["attempts"] > 0


def test_the_demo_process_exits_cleanly(tmp_path):
    """`make demo` as a process: it finishes its report and exits with its own status. With the
    chDB session left to chDB's own exit handlers it crashed at exit (SIGSEGV in chDB's shutdown)
    in 4 runs of 5; the store now closes the session before the interpreter goes. A 4-second run
    may land nothing (about 20 attempts a policy): that is its documented exit status 1, with
    both policies' landed count 0; anything else but 0 is a failure.

    The second run serves the dashboard: its event stream, delta-encoded for the WebSocket
    (mevlib/monitor/wire.py), must take at most half the bytes of the fixed 40-byte records."""
    import re
    import subprocess
    import sys

    runs = [subprocess.run([sys.executable, "-m", "mevlib.demo", "--seconds", "4", "--out", str(tmp_path / f"r{i}"),
                            *(["--monitor", "0"] if i else [])], capture_output=True, timeout=300) for i in range(2)]
    for r in runs:
        out = r.stdout.decode(errors="replace")
        landed = [int(n) for n in re.findall(r"^(?:hedged|baseline)\s+\d+\s+(\d+)\s", out, re.M)]
        assert "report:" in out and len(landed) == 2, r.stderr.decode(errors="replace")[-3000:]
        assert r.returncode == (0 if sum(landed) else 1), r.stderr.decode(errors="replace")[-3000:]
    stream = re.search(r"dashboard stream: (\d+) events, ([0-9.]+) bytes each delta-encoded, ([0-9.]+) as fixed",
                       runs[1].stdout.decode(errors="replace"))
    assert stream and int(stream[1]) > 500, runs[1].stdout.decode(errors="replace")[-3000:]
    print(f"\ndemo's dashboard stream: {stream[1]} events, {stream[2]} bytes/event delta-encoded, {stream[3]} fixed")
    assert float(stream[2]) * 2 <= float(stream[3])
