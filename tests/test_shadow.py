"""Shadow mode sends nothing and records everything; pre-send simulation refuses what would fail;
the limits are checked before anything is signed; simulateBundle answers as jito-solana's RPC."""
import base64
import json

import pytest
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction

import mevlib
from always import clock, sim  # noqa: F401  (fixtures)
from mevlib.engine import Engine, Intent, Limits
from mevlib.jito import TIP_ACCOUNTS, tip_patches
from mevlib.presend import RpcSimulation
from mevlib.routes import JitoRoute, JsonRpcClient, RpcCallError, RpcRoute
from mevlib.sender import REVERT_PROTECTED, HedgedSender



def routes(sim):
    return [RpcRoute("rpc", sim.url("rpc")), JitoRoute("jito-ny", sim.url("jito-ny"), rate_limit=None),
            JitoRoute("jito-ams", sim.url("jito-ams"), rate_limit=None)]


VAULT = Keypair().pubkey()


def funded(sim) -> Keypair:
    kp = Keypair()
    sim.cluster.airdrop(kp.pubkey(), 10**12)
    sim.cluster.airdrop(VAULT, 10**9)  # rent-exempt, so small transfers into it are valid
    return kp


def template(kp, lamports_out=1):
    ixs = [transfer(TransferParams(from_pubkey=kp.pubkey(), to_pubkey=VAULT, lamports=lamports_out)),
           transfer(TransferParams(from_pubkey=kp.pubkey(), to_pubkey=TIP_ACCOUNTS[0], lamports=1_000))]
    msg = MessageV0.try_compile(kp.pubkey(), ixs, [], Hash.default())
    return mevlib.TxTemplate(msg, kp, {"amount": mevlib.Patch.transfer_lamports(0), **tip_patches(msg, 1)})


def test_shadow_mode_sends_nothing_and_records_everything(sim, clock, store_db, tmp_path):
    from mevlib.store import SenderRecorder, Writer

    kp = funded(sim)
    rpc = JsonRpcClient(sim.url("rpc"))
    writer = Writer(store_db, str(tmp_path / "spill"), flush_seconds=0.05)
    records = []
    recorder = SenderRecorder(writer, strategy="shadow-test")
    hs = HedgedSender(routes(sim), clock, rpc, shadow=True, on_record=lambda r: (records.append(r), recorder(r)))
    engine = Engine(sender=hs, rpc=rpc, presend=RpcSimulation(rpc)).start()
    before = len(sim.calls)
    tpl = template(kp)
    for i in range(6):  # the odd ones would fail: more lamports than the payer has
        engine.submit(Intent(tpl, {"amount": 10**13 if i % 2 else 1_000 + i}, value=1e6, label="s",
                             tips=[20_000 + i, 21_000 + i, 22_000 + i], exclusive=REVERT_PROTECTED))
    engine.step(timeout=0.05)
    engine.close()
    hs.close()
    writer.close()
    assert engine.stats.attempts == 6 and engine.stats.decided == 6 and engine.stats.simulations == 6
    # the only requests during the run were reads and simulations on the RPC: no send method anywhere
    methods = {m for _, m in sim.calls[before:]}
    assert "simulateTransaction" in methods and not {m for _, m in sim.calls} & {"sendTransaction", "sendBundle"}
    assert not [r for r in sim.sent], "a transaction reached the cluster"
    shadows = [r for r in records if r["kind"] == "shadow"]
    assert len(shadows) == 18 and not [r for r in records if r["kind"] in ("shot_result", "arm")]
    assert [r["sim_ok"] for r in shadows[::3]] == [True, False] * 3
    assert all("InstructionError" in json.dumps(r["sim_error"]) for r in shadows if not r["sim_ok"])
    db = store_db.database
    rows = store_db.rows(f"SELECT count(), sum(sim_ok), countIf(sim_error != ''), min(fee_lamports) "
                         f"FROM {db}.shadow_sends WHERE strategy = 's'")
    assert rows == [(18, 9, 9, 5_000)]


def test_presend_simulation_refuses_what_would_fail(sim, clock):
    kp = funded(sim)
    rpc = JsonRpcClient(sim.url("rpc"))
    with HedgedSender(routes(sim), clock, rpc, shots=1) as hs:
        engine = Engine(sender=hs, rpc=rpc, presend=RpcSimulation(rpc)).start()
        tpl = template(kp)
        ok = engine.submit(Intent(tpl, {"amount": 5_000}, simulate=True))
        bad = engine.submit(Intent(tpl, {"amount": 10**13}, simulate=True))
        unchecked = engine.submit(Intent(tpl, {"amount": 10**13 + 1}))  # not asked: sent, fails, pays
        engine.close()
    assert ok is not None and ok.simulation.ok and bad is None and unchecked is not None
    assert engine.stats.refused_simulation == 1 and engine.stats.simulations == 2 and engine.stats.bad_intents == 0


def test_limits_are_checked_before_signing(sim, clock):
    kp = funded(sim)
    rpc = JsonRpcClient(sim.url("rpc"))
    with HedgedSender(routes(sim), clock, rpc, shadow=True) as hs:
        engine = Engine(sender=hs, rpc=rpc, presend=RpcSimulation(rpc),
                        limits=Limits(max_tip=50_000, max_spend_per_minute=200_000, max_attempts_per_slot=2)).start()
        tpl = template(kp)
        slot = clock.current_slot() + 5
        send = lambda tips, slot=slot: engine.submit(Intent(tpl, {"amount": 1}, tips=tips, target_slot=slot,
                                                             exclusive=REVERT_PROTECTED))
        assert send([10_000, 20_000, 60_000]) is None  # a tip over max_tip
        assert send([10_000, 20_000, 30_000]) is not None  # worst case: every tip and fee, 75,000
        assert send([10_000, 20_000, 30_000]) is not None
        assert send([1_000, 1_000, 1_000]) is None  # a third attempt in that slot
        assert send([10_000, 20_000, 30_000], slot + 1) is None  # 225,000 in a minute is over 200,000
        assert send([1_000, 1_000, 1_000], slot + 1) is not None  # 18,000 more still fits
        engine.close()
    assert engine.stats.refused_limits == 3 and engine.stats.attempts == 3 and engine.stats.simulations == 3


def test_simulate_bundle_as_jito_solana(sim):
    """The bundle runs in order on one state and leaves no trace: the second transaction spends
    what the first brought, and a failing member names itself (rpc-client-api bundles.rs)."""
    rpc = JsonRpcClient(sim.url("rpc"))
    funder, spender = Keypair(), Keypair()
    sim.cluster.airdrop(funder.pubkey(), 10**10)
    bh = sim.cluster.latest_blockhash(sim.now_ms())
    fund = MessageV0.try_compile(funder.pubkey(), [transfer(TransferParams(
        from_pubkey=funder.pubkey(), to_pubkey=spender.pubkey(), lamports=10**9))], [], bh)
    spend = MessageV0.try_compile(spender.pubkey(), [transfer(TransferParams(
        from_pubkey=spender.pubkey(), to_pubkey=TIP_ACCOUNTS[2], lamports=5 * 10**8))], [], bh)
    from solders.transaction import VersionedTransaction
    a, b = bytes(VersionedTransaction(fund, [funder])), bytes(VersionedTransaction(spend, [spender]))
    value = rpc.simulate_bundle([a, b])
    assert value["summary"] == "succeeded" and len(value["transactionResults"]) == 2
    assert all(r["err"] is None and r["unitsConsumed"] > 0 for r in value["transactionResults"])
    assert sim.cluster.balance(spender.pubkey()) == 0  # rolled back
    value = rpc.simulate_bundle([b, a])  # the spender has nothing yet
    failed = value["summary"]["failed"]
    assert failed["tx_signature"] == str(VersionedTransaction.from_bytes(b).signatures[0])
    assert list(failed["error"]) == ["TransactionFailure"] and len(value["transactionResults"]) == 1
    with pytest.raises(RpcCallError, match="base64"):
        rpc.call("simulateBundle", [{"encodedTransactions": [base64.b64encode(a).decode()]},
                                    {"transactionEncoding": "base58"}])
    check = RpcSimulation(rpc)
    assert check(b, bundle=[a]).ok and check.bundles is True
    assert not check(a, bundle=[b]).ok
    from mevlib.presend import LocalSimulation
    local = LocalSimulation(rpc)
    for _ in range(2):  # the second time too: the first bundle left nothing behind
        assert local(b, bundle=[a]).ok
        assert not local(a, bundle=[b]).ok and local(a, bundle=[b]).bundle


def test_local_simulation_fetches_once_and_follows_the_feed(sim):
    """LiteSVM here, on accounts from getMultipleAccounts: the same verdicts as the RPC's
    simulation, one fetch for many intents while the cache is fresh, the feed's updates taken
    without a round trip, and a program the local runtime lacks loaded from the cluster."""
    from solders.instruction import Instruction
    from solders.litesvm import LiteSVM
    from solders.pubkey import Pubkey

    from mevlib.feed import AccountUpdate
    from mevlib.presend import LocalSimulation

    kp = funded(sim)
    rpc = JsonRpcClient(sim.url("rpc"))
    local, remote = LocalSimulation(rpc, max_age_slots=1_000), RpcSimulation(rpc)
    tpl = template(kp)
    bh = Hash.from_string(rpc.get_latest_blockhash())
    for amount in (5_000, 10**13, 7_000, 10**12 - 1):
        wire = tpl.sign(blockhash=bh, amount=amount)
        got, want = local(wire), remote(wire)
        assert (got.ok, got.err) == (want.ok, want.err), amount
        assert got.units == want.units
    assert local.fetches == 1  # every account came in the first getMultipleAccounts
    # the feed says the payer was drained: the next verdict follows without a fetch
    drained = AccountUpdate(bytes(kp.pubkey()), bytes(Pubkey.default()), 10_000, b"", local.newest_slot + 1,
                            1, None, False, 0, False, 0)
    local.observe(drained)
    assert not local(tpl.sign(blockhash=bh, amount=5_000)).ok and local.fetches == 1
    # stale: read again from the cluster, where the payer still has its lamports
    local.max_age_slots = 0
    local.newest_slot += 5
    assert local(tpl.sign(blockhash=bh, amount=5_000)).ok and local.fetches == 2
    # a runtime without the memo program loads it from the cluster (BPF loader 2: the account is the ELF)
    memo = Pubkey.from_string("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr")
    bare = LocalSimulation(rpc, svm=LiteSVM.default().with_builtins().with_sysvars().with_sigverify(True))
    assert bare.svm.get_account(memo) is None
    msg = MessageV0.try_compile(kp.pubkey(), [Instruction(memo, b"shadow", [])], [], bh)
    result = bare(bytes(VersionedTransaction(msg, [kp])))
    assert result.ok and any("Memo" in line for line in result.logs), result
