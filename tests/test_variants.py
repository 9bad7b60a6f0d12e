"""Tip variants never execute twice, bundles land all or nothing and are attributed, every fee and
tip is accounted, a re-signed message is never a false miss, and an attempt is final once its
blockhash expires. The cluster here lands every valid transaction it receives (always_land), so
without a guard every variant would execute: what stops them is the guard alone."""
import base64
import time

import pytest
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction

import mevlib
from always import clock, sim  # noqa: F401  (fixtures)
from mevlib import nonce
from mevlib.jito import TIP_ACCOUNTS, tip_patches
from mevlib.routes import JitoRoute, JsonRpcClient, RpcRoute
from mevlib.sender import DURABLE_NONCE, REVERT_PROTECTED, SHARED_BUNDLE, HedgedSender



def routes(sim, jito_only=False):
    out = [JitoRoute("jito-ny", sim.url("jito-ny"), rate_limit=None),
           JitoRoute("jito-ams", sim.url("jito-ams"), rate_limit=None)]
    return out if jito_only else [RpcRoute("rpc", sim.url("rpc")), *out, RpcRoute("sender", sim.url("sender"))]


def funded(sim) -> Keypair:
    kp = Keypair()
    sim.cluster.airdrop(kp.pubkey(), 10**12)
    return kp


def tip_template(kp, *, first=()):
    ixs = [*first, transfer(TransferParams(from_pubkey=kp.pubkey(), to_pubkey=TIP_ACCOUNTS[0], lamports=1_000))]
    msg = MessageV0.try_compile(kp.pubkey(), ixs, [], Hash.default())
    return mevlib.TxTemplate(msg, kp, tip_patches(msg, len(ixs) - 1))


def decide_all(hs, seconds=20):
    deadline = time.monotonic() + seconds
    while (hs.pending or hs._watch) and time.monotonic() < deadline:
        hs.poll(timeout=0.05)
    assert not hs.pending


def executed(sim, signatures) -> list:
    """The signatures the cluster committed, by its own record."""
    return [s for s in signatures if sim.cluster.status(s, float("inf")) is not None]


def test_variants_must_name_their_guard(sim, clock):
    kp = funded(sim)
    tpl = tip_template(kp)
    bh = sim.cluster.latest_blockhash(sim.now_ms())
    variants = tpl.sign_many([{"tip": 10_000 + i} for i in range(3)], blockhash=bh)
    with HedgedSender(routes(sim), clock, JsonRpcClient(sim.url("rpc"))) as hs:
        with pytest.raises(mevlib.InvalidArgumentError, match="could all land"):
            hs.send(variants, clock.current_slot() + 2)
        with pytest.raises(mevlib.InvalidArgumentError, match="AdvanceNonceAccount"):
            hs.send(variants, clock.current_slot() + 2, exclusive=DURABLE_NONCE)  # no nonce advance
        with pytest.raises(mevlib.InvalidArgumentError, match="bundle="):
            hs.send(variants, clock.current_slot() + 2, exclusive=SHARED_BUNDLE)
        with pytest.raises(mevlib.InvalidArgumentError, match="exclusive must be"):
            hs.send(variants, clock.current_slot() + 2, exclusive="hope")
        assert hs.pending == 0  # nothing was submitted
    with HedgedSender(routes(sim)[:1], clock, JsonRpcClient(sim.url("rpc"))) as plain:
        with pytest.raises(mevlib.InvalidArgumentError, match="block-engine route"):
            plain.send(variants, clock.current_slot() + 2, exclusive=REVERT_PROTECTED)


def test_revert_protection_alone_lets_two_succeeding_variants_execute(sim, clock):
    """The control: transfers succeed twice, so bundleOnly variants both execute. The sender
    says so (double_landed) and accounts both tips and both fees."""
    kp = funded(sim)
    tpl = tip_template(kp)
    rpc = JsonRpcClient(sim.url("rpc"))
    with HedgedSender(routes(sim), clock, rpc, give_up_slots=2) as hs:
        bh = sim.cluster.latest_blockhash(sim.now_ms())
        tips = [10_000, 11_000, 12_000]
        a = hs.send(tpl.sign_many([{"tip": t} for t in tips], blockhash=bh), clock.current_slot() + 3,
                    tips=tips, exclusive=REVERT_PROTECTED)
        decide_all(hs)
    assert {s.route for s in a.shots} <= {"jito-ny", "jito-ams"}  # never a route without protection
    ran = executed(sim, a.signatures)
    assert len(ran) >= 2 and hs.double_landed == 1
    assert a.tip_paid == sum(t for s, t in zip(a.signatures, tips) if s in ran)
    assert a.fee_paid == sum(f for s, f in zip(a.signatures, a.fees) if s in ran)


def nonce_account(sim, authority: Keypair) -> Keypair:
    """A nonce account the authority controls, created through the RPC with our instructions."""
    nonce_kp = Keypair()
    rpc = JsonRpcClient(sim.url("rpc"))
    rent = rpc.call("getMinimumBalanceForRentExemption", [nonce.NONCE_ACCOUNT_LENGTH])
    create = MessageV0.try_compile(authority.pubkey(), nonce.create_instructions(
        authority.pubkey(), nonce_kp.pubkey(), authority.pubkey(), rent), [], sim.cluster.latest_blockhash(sim.now_ms()))
    wire = base64.b64encode(bytes(VersionedTransaction(create, [authority, nonce_kp]))).decode()
    sig = rpc.call("sendTransaction", [wire, {"encoding": "base64", "skipPreflight": True}])
    deadline = time.monotonic() + 5
    while rpc.signature_statuses([sig])[1][0] is None:
        assert time.monotonic() < deadline, "the nonce account was not created"
        time.sleep(0.05)
    return nonce_kp


def test_durable_nonce_variants_execute_at_most_once_on_any_route(sim, clock):
    kp = funded(sim)
    nonce_kp = nonce_account(sim, kp)
    rpc = JsonRpcClient(sim.url("rpc"))
    tpl = tip_template(kp, first=[nonce.advance_instruction(nonce_kp.pubkey(), kp.pubkey())])
    attempts = []
    with HedgedSender(routes(sim), clock, rpc, give_up_slots=2) as hs:
        for i in range(6):
            state = nonce.fetch(rpc, nonce_kp.pubkey(), "processed")
            tips = [20_000 + 10 * i + j for j in range(3)]
            wires = tpl.sign_many([{"tip": t} for t in tips], blockhash=state.nonce)
            attempts.append(hs.send(wires, clock.current_slot() + 2, tips=tips, exclusive=DURABLE_NONCE))
            decide_all(hs)
    used = {s.route for a in attempts for s in a.shots}
    assert "rpc" in used or "sender" in used  # plain routes carry durable-nonce variants
    for a in attempts:
        assert len(executed(sim, a.signatures)) <= 1
    assert sum(a.landed for a in attempts) >= 4 and hs.double_landed == 0
    assert all(a.fee_paid == a.fees[0] and a.tip_paid in a.tips for a in attempts if a.landed)


def test_shared_bundle_variants_execute_at_most_once_and_are_attributed(sim, clock):
    """A backrun: [target, ours] with one tip variant per shot. The target commits once, so at
    most one bundle can; the bundle that did names the route."""
    kp, victim = funded(sim), funded(sim)
    tpl = tip_template(kp)
    rpc = JsonRpcClient(sim.url("rpc"))
    records = []
    with HedgedSender(routes(sim), clock, rpc, give_up_slots=2, on_record=records.append) as hs:
        attempts = []
        for i in range(5):
            bh = sim.cluster.latest_blockhash(sim.now_ms())
            target = VersionedTransaction(MessageV0.try_compile(victim.pubkey(), [transfer(TransferParams(
                from_pubkey=victim.pubkey(), to_pubkey=kp.pubkey(), lamports=1_000 + i))], [], bh), [victim])
            tips = [30_000 + 10 * i + j for j in range(3)]
            attempts.append(hs.send(tpl.sign_many([{"tip": t} for t in tips], blockhash=bh), clock.current_slot() + 2,
                                    tips=tips, bundle=[bytes(target)], exclusive=SHARED_BUNDLE))
        decide_all(hs)
    for a in attempts:
        assert {s.route for s in a.shots} <= {"jito-ny", "jito-ams"}
        assert len(executed(sim, a.signatures)) <= 1
        assert all(r.bundle_id for r in a.results.values() if r.ok)  # sendBundle's answer
    landed = [a for a in attempts if a.landed]
    assert len(landed) >= 3 and hs.double_landed == 0
    truth = {l.signature: l.route for l in sim.sent if l.landed}  # a bundle's Landing names its first signature
    for a in landed:
        bundle_target = str(VersionedTransaction.from_bytes(a.bundle[0]).signatures[0])
        assert a.credited_route == truth[bundle_target]
    outcomes = [r for r in records if r["kind"] == "outcome"]
    assert all(o["bundle"] for o in outcomes) and len(outcomes) == 5


def test_a_re_signed_message_is_a_twin_not_a_miss(sim, clock):
    """Randomized nonces give one message a new signature each time it is signed; the runtime
    commits the message once. The attempt whose signature was not the one committed is a
    duplicate: no miss is learned from it."""
    kp = funded(sim)
    msg = MessageV0.try_compile(kp.pubkey(), [transfer(TransferParams(
        from_pubkey=kp.pubkey(), to_pubkey=TIP_ACCOUNTS[1], lamports=40_000))], [], Hash.default())
    tpl = mevlib.TxTemplate(msg, kp, {}, nonces=16)
    records = []
    with HedgedSender(routes(sim, jito_only=True), clock, JsonRpcClient(sim.url("rpc")), give_up_slots=2,
                      shots=1, on_record=records.append) as hs:
        bh = sim.cluster.latest_blockhash(sim.now_ms())
        first, second = tpl.sign(blockhash=bh), tpl.sign(blockhash=bh)
        assert first != second and first[65:] == second[65:]  # one message, two signatures
        slot = clock.current_slot() + 2
        a, b = hs.send(first, slot), hs.send(second, slot + 1)
        decide_all(hs)
    assert a.landed and not b.landed and b.duplicate_of == a.signatures[0]
    arms = [r for r in records if r["kind"] == "arm"]
    assert len(arms) == 1  # only the attempt that landed taught the bandit
    assert b.fee_paid == 0 and a.fee_paid == a.fees[0]


def test_an_attempt_is_final_once_its_blockhash_expires(sim, clock):
    """An attempt that cannot land (its payer has no funds) is decided as soon as the block
    height passes its lastValidBlockHeight, long before give_up_slots."""
    broke = Keypair()
    tpl = tip_template(broke)
    rpc = JsonRpcClient(sim.url("rpc"))
    bh, last_valid = rpc.latest_blockhash()
    height = rpc.get_block_height()
    with HedgedSender(routes(sim, jito_only=True), clock, rpc, give_up_slots=10_000, shots=1) as hs:
        a = hs.send(tpl.sign(blockhash=Hash.from_string(bh)), clock.current_slot() + 1,
                    last_valid_block_height=height + 3)
        started = time.monotonic()
        decide_all(hs, seconds=10)
    assert a.landed is False and time.monotonic() - started < 3  # ~5 slots of 100 ms, not 10,000
    assert last_valid > height + 3  # the real one would have kept it open for 150 blocks
    assert not hs._watch  # expired: nothing left to follow


def test_nonce_account_layout_is_checked(sim):
    """The nonce account as the System program writes it (80 bytes: version, state, authority,
    nonce, fee), read back through the RPC; anything else is refused."""
    kp = funded(sim)
    nonce_kp = nonce_account(sim, kp)
    rpc = JsonRpcClient(sim.url("rpc"))
    state = nonce.fetch(rpc, nonce_kp.pubkey(), "processed")
    assert state.authority == kp.pubkey() and state.lamports_per_signature == 5_000
    data = bytes(sim.cluster.account(nonce_kp.pubkey()).data)
    assert nonce.parse_nonce_account(data).nonce == state.nonce
    for bad, match in ((data[:79], "80 bytes"), (b"\x00" * 4 + data[4:], "version 0"),
                       (data[:4] + b"\x00" * 4 + data[8:], "state 0")):
        with pytest.raises(mevlib.CorruptDataError, match=match):
            nonce.parse_nonce_account(bad)
    with pytest.raises(mevlib.CorruptDataError, match="owned by the System program"):
        nonce.parse_nonce_account(data, owner=kp.pubkey())
