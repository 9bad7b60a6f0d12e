"""YellowstoneSource against the simulator's Yellowstone gRPC endpoint (mevlib/sim/yellowstone.py):
filters, commitment, pings, and every injected fault (stall, lagged close, dropped stream,
garbage frame) ending in a reconnect with from_slot replay that delivers nothing twice; a bad
x-token and an unreachable endpoint give a clear error that never shows the token."""
import dataclasses
import hashlib
import logging
import time

import pytest
from solders.account import Account
from solders.pubkey import Pubkey

from certs import self_signed_pem
from mevlib.feed import (CREATED_BANK, FIRST_SHRED_RECEIVED, AccountUpdate, Feed, SlotUpdate, YellowstoneError,
                         YellowstoneSource)
from mevlib.sim import ClusterConfig, RouteModel, Simulator

CONFIG = dataclasses.replace(
    ClusterConfig(seed=12), slot_ms=40.0, competitive_share=0.0, phase_range=(1.0, 1.0), jitter_range=(0.0, 0.0),
    window=1.0, routes=(RouteModel("rpc", drop=0.0, latency_ms=1.0, latency_spread=0.0),))
PROGRAM = Pubkey.from_bytes(hashlib.sha256(b"yellowstone-test-program").digest())
TOKEN = "s3cret-token-value"


@pytest.fixture(scope="module")
def sim():
    with Simulator(CONFIG, yellowstone=True, yellowstone_token=TOKEN, yellowstone_ping_s=0.3) as s:
        yield s


def key(name: str) -> Pubkey:
    return Pubkey.from_bytes(hashlib.sha256(name.encode()).digest())


def write(sim, pubkey, data: bytes, lamports=1_000_000):
    sim.cluster.write_account(pubkey, Account(lamports, data, PROGRAM), sim.now_ms())


def accounts_of(feed, want, seconds=5.0):
    got = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and len([e for e in got if isinstance(e, AccountUpdate)]) < want:
        got += feed.poll(256, 0.05)
    return [e for e in got if isinstance(e, AccountUpdate)], [e for e in got if isinstance(e, SlotUpdate)]


def let_subscribe():
    """Yellowstone acknowledges no subscription (its first message may be minutes away): give the
    server a moment to read the request before writing what the test expects to hear of."""
    time.sleep(0.3)


def source(sim, **kw):
    kw.setdefault("accounts", {"pools": {"owner": [str(PROGRAM)]}})
    return YellowstoneSource(sim.yellowstone_url, token=TOKEN, backoff_s=(0.05, 0.2), **kw)


def test_filters_select_accounts(sim):
    wanted, short, other_owner = key("f-a"), key("f-b"), key("f-c")
    src = source(sim, slots=False, accounts={
        "big": {"owner": [str(PROGRAM)], "filters": [{"datasize": 16}, {"memcmp": {"offset": 0, "bytes": b"\x07"}},
                                                      {"lamports": {"gt": 500}}]},
        "one": {"account": [str(short)]}})
    feed = Feed(src)
    try:
        let_subscribe()
        write(sim, wanted, b"\x07" + bytes(15))
        write(sim, short, b"\x01")              # matches "one" only
        write(sim, other_owner, b"\x08" + bytes(15))  # memcmp fails
        write(sim, key("f-d"), b"\x07" + bytes(15), lamports=100)  # lamports fails
        got, _ = accounts_of(feed, 2)
    finally:
        feed.close()
    assert sorted(u.pubkey for u in got) == sorted([bytes(wanted), bytes(short)])
    u = next(u for u in got if u.pubkey == bytes(wanted))
    assert u.owner == bytes(PROGRAM) and u.lamports == 1_000_000 and u.data == b"\x07" + bytes(15) and u.write_version > 0


def test_slot_updates_and_confirmed_commitment(sim):
    k = key("commit")
    only = {"one": {"account": [str(k)]}}
    fast, slow = Feed(source(sim, accounts=only)), Feed(source(sim, accounts=only, commitment="confirmed"))
    try:
        let_subscribe()
        write(sim, k, b"c" * 8)
        slot = sim.cluster.slot_at(sim.now_ms())
        got_fast, slots = accounts_of(fast, 1)
        seen_fast = sim.cluster.slot_at(sim.now_ms())
        got_slow, _ = accounts_of(slow, 1)
        seen_slow = sim.cluster.slot_at(sim.now_ms())
    finally:
        fast.close()
        slow.close()
    assert got_fast[0].slot == slot and seen_fast - slot <= 1  # at write time
    assert got_slow[0].slot == slot and seen_slow - slot >= CONFIG.confirmed_lag
    assert {FIRST_SHRED_RECEIVED, CREATED_BANK} <= {s.status for s in slots}


def test_pings_are_answered(sim):
    src = source(sim, slots=False)
    try:
        time.sleep(1.2)  # the server pings every 0.3 s when it has nothing else to send
        assert src.stats.pings >= 2 and src.error is None
    finally:
        src.close()


@pytest.mark.parametrize("fault", ["drop", "lag", "stall", "garbage"])
def test_faults_reconnect_and_deliver_once(sim, fault):
    k1, k2 = key(f"{fault}-1"), key(f"{fault}-2")
    src = source(sim, slots=False, stall_s=0.6)
    feed = Feed(src)
    try:
        let_subscribe()
        write(sim, k1, b"before")
        first, _ = accounts_of(feed, 1)
        getattr(sim.yellowstone, fault)()
        write(sim, k2, b"during")  # while the stream is failing: replayed from from_slot
        rest, _ = accounts_of(feed, 1, seconds=6)
        time.sleep(0.5)
        rest += accounts_of(feed, 99, seconds=0.3)[0]
    finally:
        feed.close()
    assert [u.data for u in first] == [b"before"]
    assert [u.data for u in rest] == [b"during"]  # once: the replay of "before" is dropped as a duplicate
    s = src.stats
    if fault == "garbage":
        assert s.undecodable == 1 and s.connects == 1
    else:
        assert s.reconnects >= 1
        assert {"drop": 0, "lag": s.lagged, "stall": s.stalls}[fault] >= (0 if fault == "drop" else 1)


def test_bad_token_and_unreachable(sim, caplog):
    caplog.set_level(logging.DEBUG)
    bad = YellowstoneSource(sim.yellowstone_url, token="wrong-token-123", slots=False)
    try:
        time.sleep(0.5)
        with pytest.raises(YellowstoneError, match="UNAUTHENTICATED") as e:
            bad.poll(1, 0.1)
        assert "wrong-token-123" not in str(e.value)
    finally:
        bad.close()
    assert "wrong-token-123" not in caplog.text and TOKEN not in caplog.text
    gone = YellowstoneSource("http://127.0.0.1:1", slots=False, first_connect_s=0.3, backoff_s=(0.05, 0.1))
    try:
        time.sleep(1.0)
        with pytest.raises(ConnectionError, match="unreachable"):
            gone.poll(1, 0.1)
    finally:
        gone.close()
    with pytest.raises(Exception, match="http"):
        YellowstoneSource("grpc://x", slots=False)


def test_transaction_updates(sim):
    """A transfer that lands and one that fails (fee paid), filtered by the account they touch:
    signature, keys, the error read from its bincode, the fee."""
    import base64

    from solders.hash import Hash
    from solders.keypair import Keypair
    from solders.message import MessageV0
    from solders.system_program import TransferParams, transfer
    from solders.transaction import VersionedTransaction

    from mevlib.feed.yellowstone import transaction_error_json
    from mevlib.routes import JsonRpcClient

    payer, to = Keypair(), Keypair().pubkey()
    sim.cluster.airdrop(payer.pubkey(), 10**9)
    rpc = JsonRpcClient(sim.url("rpc"))
    seen = []
    src = source(sim, slots=False, accounts={}, on_transaction=seen.append, with_transaction_bytes=True,
                 transactions={"to": {"account_include": [str(to)], "vote": False},
                               "failed": {"account_required": [str(to)], "failed": True}})
    try:
        let_subscribe()
        blockhash = Hash.from_string(rpc.get_latest_blockhash())
        txs = [VersionedTransaction(MessageV0.try_compile(payer.pubkey(), [transfer(TransferParams(
            from_pubkey=payer.pubkey(), to_pubkey=to, lamports=amount))], [], blockhash), [payer])
            for amount in (1_000_000, 10**12)]
        for tx in txs:
            rpc.call("sendTransaction", [base64.b64encode(bytes(tx)).decode(), {"encoding": "base64", "skipPreflight": True}])
        deadline = time.monotonic() + 5
        while len(seen) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        src.close()
    ok, failed = sorted(seen, key=lambda u: u.err is not None)
    assert ok.signature == bytes(txs[0].signatures[0]) and ok.err is None and ok.fee == 5_000
    assert bytes(to) in ok.account_keys and ok.account_keys[0] == bytes(payer.pubkey()) and not ok.is_vote
    assert ok.transaction and bytes(txs[0].signatures[0]) in ok.transaction
    assert failed.signature == bytes(txs[1].signatures[0])
    assert transaction_error_json(failed.err) == {"InstructionError": [0, {"Custom": 1}]}


def test_tls_with_a_given_ca(tmp_path):
    cert, key_pem = self_signed_pem()
    ca = tmp_path / "ca.pem"
    ca.write_bytes(cert)
    with Simulator(CONFIG, yellowstone=True, yellowstone_tls=(cert, key_pem)) as tls_sim:
        assert tls_sim.yellowstone_url.startswith("https://")
        k = key("tls")
        feed = Feed(YellowstoneSource(tls_sim.yellowstone_url, ca_file=str(ca), slots=False,
                                      accounts={"one": {"account": [str(k)]}}))
        untrusted = YellowstoneSource(tls_sim.yellowstone_url, slots=False, first_connect_s=0.5, backoff_s=(0.05, 0.1))
        try:
            let_subscribe()
            write(tls_sim, k, b"over tls")
            got, _ = accounts_of(feed, 1)
            time.sleep(1.0)
            with pytest.raises(YellowstoneError):  # the system's roots do not know this certificate
                untrusted.poll(1, 0.1)
        finally:
            feed.close()
            untrusted.close()
    assert [u.data for u in got] == [b"over tls"]


def test_replay_gone_is_counted_as_a_gap(sim):
    """A stream stalled longer than the server keeps history: the reconnect's from_slot is refused,
    the gap is counted, and the stream resumes live."""
    k = key("gap")
    src = source(sim, slots=False, accounts={"one": {"account": [str(k)]}}, stall_s=2.5)
    feed = Feed(src)
    try:
        let_subscribe()
        write(sim, k, b"one")
        assert [u.data for u in accounts_of(feed, 1)[0]] == [b"one"]
        sim.yellowstone.stall()  # 2.5 s > the 40 slots of 40 ms the server keeps
        deadline = time.monotonic() + 10
        while src.stats.gaps == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        let_subscribe()
        write(sim, k, b"two")
        after, _ = accounts_of(feed, 1)
    finally:
        feed.close()
    assert src.stats.stalls >= 1 and src.stats.gaps == 1 and [u.data for u in after] == [b"two"]


def test_feed_commitment_over_yellowstone(sim):
    """Feed(commitment="confirmed") holds a processed update until the stream's CONFIRMED status
    for its slot, as with the plugin's feed."""
    k = key("held")
    feed = Feed(source(sim, accounts={"one": {"account": [str(k)]}}), commitment="confirmed")
    try:
        let_subscribe()
        write(sim, k, b"held")
        slot = sim.cluster.slot_at(sim.now_ms())
        got, slots = accounts_of(feed, 1)
    finally:
        feed.close()
    assert [u.data for u in got] == [b"held"] and got[0].slot == slot
    confirmed = [s for s in slots if s.slot == slot and s.status == 2]  # CONFIRMED came before it
    assert confirmed


def test_blocks_meta_data_slices_and_more_filters(sim):
    """blocks_meta, accounts_data_slice, token_account_state and nonempty_txn_signature, and the
    transaction filters by signature and exclusion."""
    token_program = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
    metas = []
    k_token, k_plain = key("token-acct"), key("plain-acct")
    src = YellowstoneSource(sim.yellowstone_url, token=TOKEN, slots=False, blocks_meta=True, on_block_meta=metas.append,
                            data_slices=[(0, 4), (108, 1)],
                            accounts={"tokens": {"owner": [str(token_program)], "filters": [{"token_account_state": True}]},
                                      "no_sig": {"account": [str(k_plain)], "nonempty_txn_signature": False}})
    feed = Feed(src)
    try:
        let_subscribe()
        initialized = bytearray(165)
        initialized[:4], initialized[108] = b"mint", 1
        sim.cluster.write_account(k_token, Account(2_039_280, bytes(initialized), token_program), sim.now_ms())
        sim.cluster.write_account(key("token-uninit"), Account(2_039_280, bytes(165), token_program), sim.now_ms())
        write(sim, k_plain, b"plain-data")  # a write outside any transaction: no signature
        got, _ = accounts_of(feed, 2)
        deadline = time.monotonic() + 3
        while len(metas) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        feed.close()
    by_key = {u.pubkey: u for u in got}
    assert set(by_key) == {bytes(k_token), bytes(k_plain)}
    assert by_key[bytes(k_token)].data == b"mint\x01"  # the two slices, concatenated
    assert by_key[bytes(k_plain)].data == b"plai"
    m = metas[-1]
    assert m.blockhash == str(sim.cluster.blockhash_of(m.slot)) and m.parent_slot == m.slot - 1
    assert m.block_height == m.slot and m.block_time > 0


def test_transaction_filters_by_signature_and_exclusion(sim):
    import base64

    from solders.hash import Hash
    from solders.keypair import Keypair
    from solders.message import MessageV0
    from solders.system_program import TransferParams, transfer
    from solders.transaction import VersionedTransaction

    from mevlib.routes import JsonRpcClient

    payer = Keypair()
    sim.cluster.airdrop(payer.pubkey(), 10**9)
    rpc = JsonRpcClient(sim.url("rpc"))
    blockhash = Hash.from_string(rpc.get_latest_blockhash())
    a, b = Keypair().pubkey(), Keypair().pubkey()
    txs = [VersionedTransaction(MessageV0.try_compile(payer.pubkey(), [transfer(TransferParams(
        from_pubkey=payer.pubkey(), to_pubkey=to, lamports=1_000_000))], [], blockhash), [payer]) for to in (a, b)]
    seen = []
    src = source(sim, slots=False, accounts={}, on_transaction=seen.append, transactions={
        "by_sig": {"signature": str(txs[0].signatures[0])},
        "not_a": {"account_include": [str(payer.pubkey())], "account_exclude": [str(a)]}})
    try:
        let_subscribe()
        for tx in txs:
            rpc.call("sendTransaction", [base64.b64encode(bytes(tx)).decode(), {"encoding": "base64", "skipPreflight": True}])
        deadline = time.monotonic() + 5
        while len(seen) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.2)
    finally:
        src.close()
    assert sorted(u.signature for u in seen) == sorted(bytes(t.signatures[0]) for t in txs)
