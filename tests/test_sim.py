"""The simulator answers as a cluster would: bad signatures refused by preflight, stale
blockhashes and unfunded payers never land, statuses appear once the slot is over, Jito endpoints
and bundles. Each shape in detail, against the specifications: test_sim_rpc.py."""
import base64
import dataclasses
import time

import pytest
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction

from mevlib.jito import TIP_ACCOUNTS
from mevlib.routes import JsonRpcClient, RpcCallError
from mevlib.sim import ClusterConfig, RouteModel, Simulator

# a cluster where everything valid lands: no drops, no rivals, the whole slot is the window
CONFIG = dataclasses.replace(
    ClusterConfig(seed=5), slot_ms=50.0, competitive_share=0.0, phase_range=(1.0, 1.0),
    jitter_range=(0.0, 0.0), window=1.0,
    routes=(RouteModel("rpc", drop=0.0, latency_ms=1.0), RouteModel("sender", drop=0.0, latency_ms=1.0),
            RouteModel("jito-ny", "jito", drop=0.0, latency_ms=1.0)))


@pytest.fixture
def sim():
    with Simulator(CONFIG) as s:
        yield s


def signed(kp, blockhash, lamports=10_000, to=TIP_ACCOUNTS[1]):
    ix = transfer(TransferParams(from_pubkey=kp.pubkey(), to_pubkey=to, lamports=lamports))
    return VersionedTransaction(MessageV0.try_compile(kp.pubkey(), [ix], [], blockhash), [kp])


def b64(tx):
    return base64.b64encode(bytes(tx)).decode()


def wait_slots(sim, n, seconds=3.0):
    """Until the cluster is n slots further on, so what was sent now is decided and visible."""
    target = sim.cluster.slot_at(sim.now_ms()) + n
    deadline = time.monotonic() + seconds
    while sim.cluster.slot_at(sim.now_ms()) < target and time.monotonic() < deadline:
        time.sleep(0.01)


def wait_status(rpc, sig, seconds=3.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        (st,) = rpc.get_signature_statuses([sig])
        if st is not None:
            return st
        time.sleep(0.02)
    return None


def test_valid_transfer_lands_and_moves_lamports(sim):
    rpc = JsonRpcClient(sim.url("sender"))
    kp = Keypair()
    sim.cluster.airdrop(kp.pubkey(), 10**10)
    before = sim.cluster.balance(TIP_ACCOUNTS[1])
    tx = signed(kp, Hash.from_string(rpc.get_latest_blockhash()), 12_345)
    sig = rpc.call("sendTransaction", [b64(tx), {"encoding": "base64", "skipPreflight": True}])
    assert sig == str(tx.signatures[0])
    st = wait_status(rpc, sig)
    assert st is not None and st["err"] is None
    assert sim.cluster.balance(TIP_ACCOUNTS[1]) - before == 12_345


def test_bad_signature_is_refused(sim):
    rpc = JsonRpcClient(sim.url("rpc"))
    kp = Keypair()
    wire = bytearray(bytes(signed(kp, Hash.from_string(rpc.get_latest_blockhash()))))
    wire[10] ^= 1
    with pytest.raises(RpcCallError) as e:
        rpc.call("sendTransaction", [base64.b64encode(bytes(wire)).decode(), {"encoding": "base64"}])
    assert e.value.code == -32003
    with pytest.raises(RpcCallError):
        rpc.call("sendTransaction", ["%%%", {"encoding": "base64"}])
    with pytest.raises(RpcCallError) as e:
        rpc.call("sendTransaction", [b64(signed(kp, Hash.default()))])  # base58 is the default
    assert e.value.code == -32602


@pytest.mark.parametrize("case", ["stale blockhash", "unfunded payer"])
def test_never_lands(sim, case):
    rpc = JsonRpcClient(sim.url("sender"))
    kp = Keypair()
    if case == "unfunded payer":
        tx = signed(kp, Hash.from_string(rpc.get_latest_blockhash()))
    else:
        sim.cluster.airdrop(kp.pubkey(), 10**10)
        tx = signed(kp, Hash.new_unique())  # a hash the cluster never issued
    for _ in range(5):
        rpc.call("sendTransaction", [b64(tx), {"encoding": "base64", "skipPreflight": True}])
    wait_slots(sim, 2)
    landed = [l for l in sim.sent if l.signature == str(tx.signatures[0]) and l.landed]
    assert not landed
    st = rpc.get_signature_statuses([str(tx.signatures[0])])[0]
    assert st is None  # never in a block: no status at all


def test_jito_endpoints_and_bundles(sim):
    jito = JsonRpcClient(sim.url("jito-ny"))
    rpc = JsonRpcClient(sim.url("rpc"))
    assert jito.get_tip_accounts() == [str(a) for a in TIP_ACCOUNTS]
    kp = Keypair()
    sim.cluster.airdrop(kp.pubkey(), 10**10)
    bh = Hash.from_string(rpc.get_latest_blockhash())
    txs = [signed(kp, bh, 10_000 + i) for i in range(3)]
    bid = jito.call("sendBundle", [[b64(t) for t in txs], {"encoding": "base64"}], path="/api/v1/bundles")
    assert isinstance(bid, str) and len(bid) == 64
    with pytest.raises(RpcCallError):
        jito.call("sendBundle", [[b64(txs[0])] * 6, {"encoding": "base64"}], path="/api/v1/bundles")
    wait_slots(sim, 2)
    (inflight,) = jito.get_inflight_bundle_statuses([bid])
    assert inflight["status"] in ("Landed", "Failed")
    landing = [l for l in sim.sent if l.signature == str(txs[0].signatures[0])][0]
    assert (inflight["status"] == "Landed") == landing.landed
    if landing.landed:  # all or nothing
        sigs = [str(t.signatures[0]) for t in txs]
        assert all(s is not None and s["err"] is None for s in rpc.get_signature_statuses(sigs))
        assert jito.get_bundle_statuses([bid])[0]["transactions"] == sigs
    assert jito.get_inflight_bundle_statuses(["0" * 64])[0]["status"] == "Invalid"


def test_leader_schedule_is_seeded():
    a, b = Simulator(CONFIG), Simulator(CONFIG)
    try:
        assert a.cluster.leader_schedule(0, 200) == b.cluster.leader_schedule(0, 200)
        assert [a.cluster.auction_ms(s) for s in range(50)] == [b.cluster.auction_ms(s) for s in range(50)]
        other = Simulator(dataclasses.replace(CONFIG, seed=6))
        assert other.cluster.leader_schedule(0, 200) != a.cluster.leader_schedule(0, 200)
        other.stop()
    finally:
        a.stop()
        b.stop()


def test_same_message_with_a_new_signature_lands_once(sim):
    """Randomized signatures (Signer(nonces=...)) give one message several signatures; like
    Agave's status cache, the simulator keys replay protection by message, not signature."""
    import mevlib

    rpc = JsonRpcClient(sim.url("sender"))
    kp = Keypair()
    sim.cluster.airdrop(kp.pubkey(), 10**10)
    msg = MessageV0.try_compile(kp.pubkey(), [transfer(TransferParams(
        from_pubkey=kp.pubkey(), to_pubkey=TIP_ACCOUNTS[1], lamports=7_000))], [],
        Hash.from_string(rpc.get_latest_blockhash()))
    tpl = mevlib.TxTemplate(msg, kp, nonces=8)
    first, second = tpl.sign(), tpl.sign()
    assert first[65:] == second[65:] and first[:65] != second[:65]
    before = sim.cluster.balance(TIP_ACCOUNTS[1])
    sigs = [rpc.call("sendTransaction", [base64.b64encode(w).decode(), {"encoding": "base64", "skipPreflight": True}])
            for w in (first, second)]
    assert wait_status(rpc, sigs[0]) is not None
    wait_slots(sim, 2)
    assert rpc.get_signature_statuses([sigs[1]]) == [None]
    assert sim.cluster.balance(TIP_ACCOUNTS[1]) - before == 7_000
