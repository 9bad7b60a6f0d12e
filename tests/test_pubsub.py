"""PubSubSource against the simulator's PubSub websocket (mevlib/sim/pubsub.py): account and
program subscriptions (filters, base64 and base64+zstd), slot updates, signatures, commitment
levels, reconnect with resubscription, and clear errors for a bad endpoint or a refused
subscription. Shapes as solana.com/docs/rpc/websocket; solana-py's own websocket client reads
the same endpoint in tests/interop/test_clients.py."""
import base64
import dataclasses
import hashlib
import time

import pytest
from solders.account import Account
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction

from mevlib.feed import CONFIRMED, ROOTED, AccountUpdate, Feed, PubSubError, PubSubSource
from mevlib.routes import JsonRpcClient
from mevlib.sim import ClusterConfig, RouteModel, Simulator

CONFIG = dataclasses.replace(
    ClusterConfig(seed=9), slot_ms=40.0, competitive_share=0.0, phase_range=(1.0, 1.0), jitter_range=(0.0, 0.0),
    window=1.0, routes=(RouteModel("rpc", drop=0.0, latency_ms=1.0, latency_spread=0.0),))
PROGRAM = Pubkey.from_bytes(hashlib.sha256(b"pubsub-test-program").digest())


@pytest.fixture(scope="module")
def sim():
    with Simulator(CONFIG, pubsub=True) as s:
        yield s


def collect(feed, want, seconds=5.0):
    """Polls until want(events) is true; returns the events."""
    events = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not want(events):
        events += feed.poll(256, 0.05)
    return events


def pool(key_seed: str):
    return Pubkey.from_bytes(hashlib.sha256(key_seed.encode()).digest())


def write(sim, key, data: bytes, lamports=2_000_000):
    sim.cluster.write_account(key, Account(lamports, data, PROGRAM), sim.now_ms())


@pytest.mark.parametrize("encoding", ["base64", "base64+zstd"])
def test_program_subscription_delivers_account_updates(sim, encoding):
    key, other = pool(f"a-{encoding}"), pool(f"b-{encoding}")
    src = PubSubSource(sim.ws_url, programs=[str(PROGRAM)], encoding=encoding, slots=False,
                       filters=[{"dataSize": 64}, {"memcmp": {"offset": 0, "bytes": "2"}}])  # base58 "2": byte 1
    feed = Feed(src)
    try:
        assert src.wait_subscribed(5)
        write(sim, key, bytes([1]) + bytes(63))
        write(sim, other, bytes([2]) + bytes(63))     # memcmp does not match
        write(sim, pool(f"c-{encoding}"), bytes([1]) + bytes(10))  # dataSize does not match
        got = collect(feed, lambda ev: any(isinstance(e, AccountUpdate) for e in ev))
    finally:
        feed.close()
    accounts = [e for e in got if isinstance(e, AccountUpdate)]
    assert [a.pubkey for a in accounts] == [bytes(key)]
    a = accounts[0]
    assert a.owner == bytes(PROGRAM) and a.data == bytes([1]) + bytes(63) and a.lamports == 2_000_000
    assert a.slot >= 0 and src.stats.undecodable == 0


def test_account_subscription_and_commitment(sim):
    """A finalized subscription hears of a write only once its slot is rooted (32 slots); a
    processed one at the end of the slot."""
    key = pool("commitment")
    fast = Feed(PubSubSource(sim.ws_url, accounts=[str(key)], slots=False))
    slow = Feed(PubSubSource(sim.ws_url, accounts=[str(key)], slots=False, commitment="finalized"))
    try:
        assert fast.source.wait_subscribed(5) and slow.source.wait_subscribed(5)
        write(sim, key, b"\x07" * 8)
        written_slot = sim.cluster.slot_at(sim.now_ms())
        first = collect(fast, lambda ev: ev)
        seen_fast = sim.cluster.slot_at(sim.now_ms())
        late = collect(slow, lambda ev: ev, seconds=5)
        seen_slow = sim.cluster.slot_at(sim.now_ms())
    finally:
        fast.close()
        slow.close()
    assert first and first[0].data == b"\x07" * 8 and first[0].slot == written_slot
    assert seen_fast - written_slot <= 3
    assert late and late[0].slot == written_slot and seen_slow - written_slot >= CONFIG.rooted_lag


def test_slot_updates_drive_commitment(sim):
    src = PubSubSource(sim.ws_url, slots=True, slots_updates=True)
    feed = Feed(src, commitment="confirmed")
    try:
        got = collect(feed, lambda ev: sum(e.status == CONFIRMED for e in ev) >= 3 and
                      any(e.status == ROOTED for e in ev), seconds=4)
    finally:
        feed.close()
    statuses = {e.status for e in got}
    assert CONFIRMED in statuses and ROOTED in statuses
    confirmed = sorted(e.slot for e in got if e.status == CONFIRMED)
    assert confirmed == sorted(set(confirmed)) and confirmed[-1] > confirmed[0]


def test_signature_subscription(sim):
    """A transaction that lands and fails: one notification with its error, then the
    subscription ends."""
    kp = Keypair()
    sim.cluster.airdrop(kp.pubkey(), 10**9)
    rpc = JsonRpcClient(sim.url("rpc"))
    ix = transfer(TransferParams(from_pubkey=kp.pubkey(), to_pubkey=Keypair().pubkey(), lamports=10**12))
    blockhash = Hash.from_string(rpc.get_latest_blockhash())
    tx = VersionedTransaction(MessageV0.try_compile(kp.pubkey(), [ix], [], blockhash), [kp])
    fired = []
    src = PubSubSource(sim.ws_url, slots=False, on_signature=fired.append)
    try:
        src.watch_signature(str(tx.signatures[0]), "confirmed")
        assert src.wait_subscribed(5)
        rpc.call("sendTransaction", [base64.b64encode(bytes(tx)).decode(),
                                     {"encoding": "base64", "skipPreflight": True}])
        deadline = time.monotonic() + 5
        while not fired and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        src.close()
    (update,) = fired
    assert update.signature == str(tx.signatures[0]) and update.err == {"InstructionError": [0, {"Custom": 1}]}
    assert src.signatures[update.signature] == update


def test_reconnects_and_resubscribes(sim):
    key = pool("reconnect")
    src = PubSubSource(sim.ws_url, accounts=[str(key)], slots=False, backoff_s=(0.05, 0.5))
    feed = Feed(src)
    try:
        assert src.wait_subscribed(5)
        write(sim, key, b"before")
        assert collect(feed, lambda ev: ev)[0].data == b"before"
        sim.pubsub.drop_connections()
        deadline = time.monotonic() + 5
        while src.stats.connects < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert src.wait_subscribed(5)  # resubscribed
        write(sim, key, b"after")
        after = collect(feed, lambda ev: ev)
    finally:
        feed.close()
    assert src.stats.reconnects == 1 and after[0].data == b"after"


def test_bad_endpoint_and_refused_subscription(sim):
    src = PubSubSource("ws://127.0.0.1:1/", first_connect_s=0.3, backoff_s=(0.05, 0.1))
    time.sleep(0.8)
    with pytest.raises(PubSubError, match="unreachable"):
        src.poll(1, 0.1)
    src.close()
    with pytest.raises(ConnectionError):  # PubSubError is a ConnectionError too
        bad = PubSubSource(sim.ws_url, accounts=["not-a-key"], slots=False)
        try:
            time.sleep(0.3)
            bad.poll(1, 0.1)
        finally:
            bad.close()
    with pytest.raises(Exception, match="ws://"):
        PubSubSource("http://127.0.0.1:1/")
