"""The simulator's Solana JSON-RPC and Jito block-engine surfaces, checked against the published
specifications rather than our own client: response and error shapes from Agave's RPC
(anza-xyz/agave rpc/src/rpc.rs, rpc-client-api custom_error.rs and request.rs; solana.com/docs/rpc)
and the Jito block-engine JSON-RPC reference (docs.jito.wtf, "Low Latency Transaction Send").
Raw HTTP here: the bytes a client would get."""
import base64
import dataclasses
import hashlib
import http.client
import json
import time

import pytest
from solders.hash import Hash
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.message import MessageV0, to_bytes_versioned
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction

from mevlib.jito import TIP_ACCOUNTS
from mevlib.sim import ClusterConfig, RouteModel, Simulator
from mevlib.transaction import bundle_id
from mevlib.base58 import b58encode

# everything valid lands at once: no drops, no rivals, the whole slot is the window; short slots
# so that rooting (32 slots) takes about a second
CONFIG = dataclasses.replace(
    ClusterConfig(seed=11), slot_ms=40.0, competitive_share=0.0, phase_range=(1.0, 1.0),
    jitter_range=(0.0, 0.0), window=1.0,
    routes=(RouteModel("rpc", drop=0.0, latency_ms=1.0, latency_spread=0.0),
            RouteModel("jito", "jito", drop=0.0, latency_ms=1.0, latency_spread=0.0)))
COMPUTE_BUDGET = Pubkey.from_string("ComputeBudget111111111111111111111111111111")


@pytest.fixture(scope="module")
def sim():
    with Simulator(CONFIG) as s:
        yield s


def post(sim, body, route="rpc", path="", raw=False):
    conn = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=10)
    data = body if raw else json.dumps(body)
    conn.request("POST", f"/{route}{path}", data, {"Content-Type": "application/json"})
    resp = conn.getresponse()
    text = resp.read()
    conn.close()
    return resp.status, (json.loads(text) if text else None), dict(resp.getheaders())


def call(sim, method, params=None, route="rpc", path=""):
    status, doc, _ = post(sim, {"jsonrpc": "2.0", "id": 7, "method": method, "params": params or []}, route, path)
    assert status == 200 and doc["jsonrpc"] == "2.0" and doc["id"] == 7
    return doc


def result(sim, method, params=None, route="rpc", path=""):
    doc = call(sim, method, params, route, path)
    assert "error" not in doc, doc
    return doc["result"]


def error(sim, method, params=None, route="rpc", path=""):
    doc = call(sim, method, params, route, path)
    assert "result" not in doc, doc
    return doc["error"]


def funded(sim, lamports=10**10):
    kp = Keypair()
    sim.cluster.airdrop(kp.pubkey(), lamports)
    return kp


def blockhash(sim, commitment="processed"):
    return Hash.from_string(result(sim, "getLatestBlockhash", [{"commitment": commitment}])["value"]["blockhash"])


def transfer_tx(kp, bh, lamports=10_000, to=TIP_ACCOUNTS[2], extra=()):
    ix = transfer(TransferParams(from_pubkey=kp.pubkey(), to_pubkey=to, lamports=lamports))
    return VersionedTransaction(MessageV0.try_compile(kp.pubkey(), [*extra, ix], [], bh), [kp])


def b64(tx):
    return base64.b64encode(bytes(tx)).decode()


def send(sim, tx, **opts):
    return result(sim, "sendTransaction", [b64(tx), {"encoding": "base64", "skipPreflight": True, **opts}])


def wait_for(predicate, seconds=5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.01)
    return predicate()


def status_of(sim, sig, **cfg):
    params = [[sig], cfg] if cfg else [[sig]]
    return result(sim, "getSignatureStatuses", params)["value"][0]


def test_context_and_commitment_levels(sim):
    """Every RpcResponse carries {"apiVersion", "slot"}; commitment defaults to finalized and
    the three levels read slots in order."""
    res = result(sim, "getBalance", [str(TIP_ACCOUNTS[0])])
    assert set(res) == {"context", "value"} and set(res["context"]) == {"apiVersion", "slot"}
    slots = {c: result(sim, "getSlot", [{"commitment": c}]) for c in ("processed", "confirmed", "finalized")}
    assert slots["processed"] > slots["confirmed"] > slots["finalized"] or slots["finalized"] == 0
    assert result(sim, "getSlot") <= slots["confirmed"]  # no commitment: finalized
    err = error(sim, "getSlot", [{"commitment": "recent"}])
    assert err["code"] == -32602 and "unknown variant `recent`" in err["message"]
    err = error(sim, "getSlot", [{"commitment": "processed", "minContextSlot": 10**9}])
    assert err["code"] == -32016 and err["message"] == "Minimum context slot has not been reached"
    assert err["data"]["contextSlot"] >= slots["processed"]


def test_status_counts_confirmations_then_roots(sim):
    """processed -> confirmed -> finalized; confirmations count up, then null once rooted;
    the deprecated `status` field as Agave still sends it."""
    kp = funded(sim)
    sig = send(sim, transfer_tx(kp, blockhash(sim)))
    first = wait_for(lambda: status_of(sim, sig))
    assert first is not None and first["err"] is None and first["status"] == {"Ok": None}
    assert set(first) == {"slot", "confirmations", "err", "status", "confirmationStatus"}
    seen = {first["confirmationStatus"]}
    counts = [first["confirmations"]]
    final = wait_for(lambda: (st := status_of(sim, sig)) and (seen.add(st["confirmationStatus"]) or
                     counts.append(st["confirmations"]) or st["confirmationStatus"] == "finalized") and st, 5)
    assert final["confirmationStatus"] == "finalized" and final["confirmations"] is None
    assert {"confirmed", "finalized"} <= seen
    numbers = [c for c in counts if c is not None]
    assert numbers == sorted(numbers) and numbers[-1] <= 31


def test_balances_follow_commitment(sim):
    kp = funded(sim)
    to = Keypair().pubkey()
    sig = send(sim, transfer_tx(kp, blockhash(sim), 5_000_000, to))
    wait_for(lambda: status_of(sim, sig))
    processed = result(sim, "getBalance", [str(to), {"commitment": "processed"}])["value"]
    finalized = result(sim, "getBalance", [str(to), {"commitment": "finalized"}])["value"]
    assert processed == 5_000_000 and finalized == 0  # not rooted yet
    wait_for(lambda: status_of(sim, sig)["confirmationStatus"] == "finalized")
    assert result(sim, "getBalance", [str(to)])["value"] == 5_000_000


def test_failed_transaction_pays_its_fee_unpayable_gets_no_status(sim):
    kp = funded(sim, 10**9)
    before = sim.cluster.balance(kp.pubkey())
    too_much = transfer_tx(kp, blockhash(sim), 10**12)
    sig = send(sim, too_much)
    st = wait_for(lambda: status_of(sim, sig))
    assert st["err"] == {"InstructionError": [0, {"Custom": 1}]}  # SystemError::ResultWithNegativeLamports
    assert st["status"] == {"Err": st["err"]}
    assert before - sim.cluster.balance(kp.pubkey()) == 5_000
    broke = Keypair()
    sig = send(sim, transfer_tx(broke, blockhash(sim)))
    time.sleep(CONFIG.slot_ms * 3 / 1000)
    assert status_of(sim, sig) is None
    assert status_of(sim, sig, searchTransactionHistory=True) is None


def test_preflight_refuses_with_agaves_error(sim):
    kp = funded(sim, 10**9)
    # simulated at the preflight commitment (finalized by default): a processed blockhash is
    # unknown there, the classic "Blockhash not found"
    tx = transfer_tx(kp, blockhash(sim, "processed"))
    err = error(sim, "sendTransaction", [b64(tx), {"encoding": "base64"}])
    assert err["code"] == -32002 and err["message"] == "Transaction simulation failed: Blockhash not found"
    assert err["data"]["err"] == "BlockhashNotFound"
    assert result(sim, "sendTransaction", [b64(tx), {"encoding": "base64", "preflightCommitment": "processed"}]) \
        == str(tx.signatures[0])
    bad = transfer_tx(kp, blockhash(sim, "finalized"), 10**12)
    err = error(sim, "sendTransaction", [b64(bad), {"encoding": "base64"}])
    assert err["code"] == -32002
    assert err["message"] == "Transaction simulation failed: Error processing Instruction 0: custom program error: 0x1"
    data = err["data"]
    assert data["err"] == {"InstructionError": [0, {"Custom": 1}]} and data["accounts"] is None
    assert any("insufficient lamports" in line for line in data["logs"]) and data["unitsConsumed"] > 0
    wire = bytearray(bytes(transfer_tx(kp, blockhash(sim, "finalized"))))
    wire[5] ^= 1
    err = error(sim, "sendTransaction", [base64.b64encode(bytes(wire)).decode(), {"encoding": "base64"}])
    assert err == {"code": -32003, "message": "Transaction signature verification failure"}
    # skipPreflight: accepted as Agave does (no verification at the RPC), dropped by the leader
    sig = result(sim, "sendTransaction", [base64.b64encode(bytes(wire)).decode(),
                                          {"encoding": "base64", "skipPreflight": True}])
    time.sleep(CONFIG.slot_ms * 3 / 1000)
    assert status_of(sim, sig) is None


def test_encodings_and_decode_errors(sim):
    kp = funded(sim)
    tx = transfer_tx(kp, blockhash(sim), 11_111)
    sig = result(sim, "sendTransaction", [b58encode(bytes(tx)), {"skipPreflight": True}])  # base58: default
    assert sig == str(tx.signatures[0])
    err = error(sim, "sendTransaction", ["%%%", {"encoding": "base64"}])
    assert err["code"] == -32602 and err["message"].startswith("invalid base64 encoding")
    err = error(sim, "sendTransaction", ["A" * 1700, {"encoding": "base64"}])
    assert err["code"] == -32602 and "too large: 1700 bytes (max: encoded/raw 1644/1232)" in err["message"]
    err = error(sim, "sendTransaction", [base64.b64encode(b"\x01" * 10).decode(), {"encoding": "base64"}])
    assert err["code"] == -32602 and err["message"].startswith("failed to deserialize")


def test_fees_and_prioritization(sim):
    """getFeeForMessage agrees with what LiteSVM charges, priority fee included; the fee shows
    in getRecentPrioritizationFees for the accounts it wrote."""
    kp = funded(sim)
    price = bytes([3]) + (50_000).to_bytes(8, "little")   # SetComputeUnitPrice, µlamports/CU
    limit = bytes([2]) + (30_000).to_bytes(4, "little")   # SetComputeUnitLimit
    budget = [Instruction(COMPUTE_BUDGET, limit, []), Instruction(COMPUTE_BUDGET, price, [])]
    to = Keypair().pubkey()
    tx = transfer_tx(kp, blockhash(sim, "confirmed"), 1_000_000, to, budget)
    msg = base64.b64encode(to_bytes_versioned(tx.message)).decode()
    fee = result(sim, "getFeeForMessage", [msg, {"commitment": "processed"}])["value"]
    assert fee == 5_000 + 50_000 * 30_000 // 1_000_000
    before = sim.cluster.balance(kp.pubkey())
    sig = send(sim, tx)
    wait_for(lambda: status_of(sim, sig))
    assert before - sim.cluster.balance(kp.pubkey()) == fee + 1_000_000
    wait_for(lambda: any(f["prioritizationFee"] == 50_000 for f in
                         result(sim, "getRecentPrioritizationFees", [[str(to)]])))
    fees = result(sim, "getRecentPrioritizationFees", [[str(to)]])
    assert all(set(f) == {"slot", "prioritizationFee"} for f in fees) and len(fees) <= 150
    stale = MessageV0.try_compile(kp.pubkey(), [], [], Hash.new_unique())
    assert result(sim, "getFeeForMessage", [base64.b64encode(to_bytes_versioned(stale)).decode()])["value"] is None
    err = error(sim, "getRecentPrioritizationFees", [[str(to)] * 129])
    assert err == {"code": -32602, "message": "Too many inputs provided; max 128"}


def test_blockhash_validity_and_heights(sim):
    res = result(sim, "getLatestBlockhash", [{"commitment": "confirmed"}])
    height = result(sim, "getBlockHeight", [{"commitment": "confirmed"}])
    assert res["value"]["lastValidBlockHeight"] - 150 <= height <= res["value"]["lastValidBlockHeight"]
    assert result(sim, "isBlockhashValid", [res["value"]["blockhash"], {"commitment": "processed"}])["value"] is True
    assert result(sim, "isBlockhashValid", [str(Hash.new_unique())])["value"] is False
    info = result(sim, "getEpochInfo", [{"commitment": "processed"}])
    assert set(info) == {"absoluteSlot", "blockHeight", "epoch", "slotIndex", "slotsInEpoch", "transactionCount"}
    assert info["slotsInEpoch"] == 432_000 and info["absoluteSlot"] == info["epoch"] * 432_000 + info["slotIndex"]


def test_accounts(sim):
    kp = funded(sim, 3 * 10**9)
    one = result(sim, "getAccountInfo", [str(kp.pubkey()), {"encoding": "base64", "commitment": "processed"}])
    assert one["value"] == {"data": ["", "base64"], "executable": False, "lamports": 3 * 10**9,
                            "owner": "11111111111111111111111111111111", "rentEpoch": one["value"]["rentEpoch"],
                            "space": 0}
    missing = Keypair().pubkey()
    many = result(sim, "getMultipleAccounts", [[str(kp.pubkey()), str(missing)], {"commitment": "processed"}])
    assert many["value"][0]["lamports"] == 3 * 10**9 and many["value"][1] is None
    err = error(sim, "getMultipleAccounts", [[str(missing)] * 101])
    assert err == {"code": -32602, "message": "Too many inputs provided; max 100"}
    err = error(sim, "getBalance", ["not-a-key"])
    assert err["code"] == -32602 and err["message"].startswith("Invalid param")


def test_simulate_transaction(sim):
    kp = funded(sim, 10**9)
    ok = transfer_tx(kp, blockhash(sim, "finalized"), 2_000)
    res = result(sim, "simulateTransaction", [b64(ok), {"encoding": "base64", "accounts": {
        "addresses": [str(TIP_ACCOUNTS[2])], "encoding": "base64"}}])
    value = res["value"]
    assert value["err"] is None and value["unitsConsumed"] > 0 and value["logs"]
    assert value["accounts"][0]["lamports"] == sim.cluster.balance(TIP_ACCOUNTS[2]) + 2_000  # after, not before
    stale = transfer_tx(kp, Hash.new_unique())
    assert result(sim, "simulateTransaction", [b64(stale), {"encoding": "base64"}])["value"]["err"] == "BlockhashNotFound"
    replaced = result(sim, "simulateTransaction", [b64(stale), {"encoding": "base64", "replaceRecentBlockhash": True}])
    assert replaced["value"]["err"] is None and replaced["value"]["replacementBlockhash"]["blockhash"]
    err = error(sim, "simulateTransaction", [b64(ok), {"encoding": "base64", "sigVerify": True,
                                                        "replaceRecentBlockhash": True}])
    assert err["code"] == -32602


def test_airdrop_returns_a_real_signature(sim):
    to = Keypair().pubkey()
    sig = result(sim, "requestAirdrop", [str(to), 2 * 10**9])
    st = wait_for(lambda: status_of(sim, sig))
    assert st["err"] is None
    assert result(sim, "getBalance", [str(to), {"commitment": "processed"}])["value"] == 2 * 10**9


def test_signature_statuses_limits(sim):
    err = error(sim, "getSignatureStatuses", [[str(Keypair().sign_message(b"x"))] * 257])
    assert err == {"code": -32602, "message": "Too many inputs provided; max 256"}
    err = error(sim, "getSignatureStatuses", [["abc"]])
    assert err["code"] == -32602 and err["message"] == "Invalid param: WrongSize"


def test_protocol_errors_and_batches(sim):
    assert error(sim, "noSuchMethod") == {"code": -32601, "message": "Method not found"}
    status, doc, _ = post(sim, "{not json", raw=True)
    assert status == 200 and doc == {"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": None}
    status, doc, _ = post(sim, {"id": 1, "method": "getSlot"})  # no "jsonrpc": "2.0"
    assert doc["error"]["code"] == -32600
    status, doc, _ = post(sim, [{"jsonrpc": "2.0", "id": 1, "method": "getSlot", "params": [{"commitment": "processed"}]},
                                {"jsonrpc": "2.0", "id": 2, "method": "nope"},
                                {"jsonrpc": "2.0", "id": 3, "method": "getHealth"}])
    assert status == 200 and [d["id"] for d in doc] == [1, 2, 3]
    assert isinstance(doc[0]["result"], int) and doc[1]["error"]["code"] == -32601 and doc[2]["result"] == "ok"
    status, doc, _ = post(sim, [])
    assert doc["error"]["code"] == -32600
    status, _, _ = post(sim, "x" * (50 * 1024 + 1), raw=True)
    assert status == 413


def test_leader_schedule_whole_epoch(sim):
    schedule = result(sim, "getLeaderSchedule")
    assert sum(len(v) for v in schedule.values()) == 432_000
    assert sorted(i for v in schedule.values() for i in v) == list(range(432_000))
    slot = result(sim, "getSlot", [{"commitment": "processed"}])
    leaders = result(sim, "getSlotLeaders", [slot, 8])
    assert [slot + i in [s for s in schedule[leaders[i]]] for i in range(8)] == [True] * 8
    one = result(sim, "getLeaderSchedule", [None, {"identity": leaders[0]}])
    assert list(one) == [leaders[0]] and one[leaders[0]] == schedule[leaders[0]]
    assert result(sim, "getLeaderSchedule", [10**8]) is None  # an epoch far ahead


# --- Jito block engine -------------------------------------------------------------------------

def test_bundle_id_is_the_block_engines():
    """Known answer from the block-engine docs' getBundleStatuses example: the id of a bundle of
    these two transactions."""
    sigs = ["3bC2M9fiACSjkTXZDgeNAuQ4ScTsdKGwR42ytFdhUvikqTmBheUxfsR1fDVsM5ADCMMspuwGkdm1uKbU246x5aE3",
            "8t9hKYEYNbLvNqiSzP96S13XF1C2f1ro271Kdf7bkZ6EpjPLuDff1ywRy4gfaGSTubsM2FeYGDoT64ZwPm1cQUt"]
    assert bundle_id(sigs) == "892b79ed49138bfb3aa5441f0df6e06ef34f9ee8f3976c15b323605bae0cf51d"


def test_bundles_land_all_or_nothing(sim):
    kp = funded(sim, 10**9)
    bh = blockhash(sim, "confirmed")
    good = [transfer_tx(kp, bh, 10_000 + i) for i in range(2)]
    bid = result(sim, "sendBundle", [[b58encode(bytes(t)) for t in good]], "jito", "/api/v1/bundles")  # base58
    assert bid == hashlib.sha256(",".join(str(t.signatures[0]) for t in good).encode()).hexdigest()
    # a bundle whose last transaction fails: none of it may show anywhere
    doomed = [transfer_tx(kp, bh, 20_000), transfer_tx(kp, bh, 10**12)]
    before = sim.cluster.balance(kp.pubkey())
    bad = result(sim, "sendBundle", [[b64(t) for t in doomed], {"encoding": "base64"}], "jito", "/api/v1/bundles")
    # both decided: the two bundles can reach different slots
    inflight = wait_for(lambda: all(s["status"] != "Pending" for s in result(
        sim, "getInflightBundleStatuses", [[bid, bad]], "jito", "/api/v1/getInflightBundleStatuses")["value"]))
    statuses = {s["bundle_id"]: s for s in result(sim, "getInflightBundleStatuses", [[bid, bad]], "jito",
                                                 "/api/v1/bundles")["value"]}
    assert inflight and statuses[bid]["status"] == "Landed" and statuses[bad]["status"] == "Failed"
    assert statuses[bad]["landed_slot"] is None and isinstance(statuses[bid]["landed_slot"], int)
    assert all(status_of(sim, str(t.signatures[0]), searchTransactionHistory=True) is None for t in doomed)
    assert sim.cluster.balance(kp.pubkey()) == before  # no fee, no transfer: rolled back
    landed = result(sim, "getBundleStatuses", [[bid, bad]], "jito", "/api/v1/getBundleStatuses")
    assert set(landed) == {"context", "value"} and landed["value"][1] is None
    entry = landed["value"][0]
    assert entry["transactions"] == [str(t.signatures[0]) for t in good] and entry["err"] == {"Ok": None}
    assert entry["confirmation_status"] in ("processed", "confirmed", "finalized")
    assert all(status_of(sim, str(t.signatures[0]))["err"] is None for t in good)


def test_block_engine_paths_and_errors(sim):
    tips = [str(a) for a in TIP_ACCOUNTS]
    for path in ("/api/v1/bundles", "/api/v1/getTipAccounts"):
        assert result(sim, "getTipAccounts", [], "jito", path) == tips
    assert result(sim, "getTipAccounts", [None], "jito", "/api/v1/bundles") == tips  # as jito-py-rpc sends it
    kp = funded(sim, 10**9)
    tx = transfer_tx(kp, blockhash(sim, "confirmed"))
    assert error(sim, "sendBundle", [[b64(tx)] * 6, {"encoding": "base64"}], "jito", "/api/v1/bundles")["code"] == -32602
    assert error(sim, "sendBundle", [[], {"encoding": "base64"}], "jito", "/api/v1/bundles")["code"] == -32602
    assert error(sim, "getBundleStatuses", [["0" * 64] * 6], "jito", "/api/v1/bundles")["code"] == -32602
    assert error(sim, "sendBundle", [[b64(tx)]], "jito", "/api/v1/transactions")["code"] == -32601
    status, _, _ = post(sim, {"jsonrpc": "2.0", "id": 1, "method": "getTipAccounts"}, "jito", "/api/v1/nothing")
    assert status == 404
    assert result(sim, "getInflightBundleStatuses", [["0" * 64]], "jito", "/api/v1/bundles")["value"] == \
        [{"bundle_id": "0" * 64, "status": "Invalid", "landed_slot": None}]


def test_bundle_only_transaction_is_revert_protected(sim):
    kp = funded(sim, 10**9)
    before = sim.cluster.balance(kp.pubkey())
    doomed = transfer_tx(kp, blockhash(sim, "confirmed"), 10**12)
    status, doc, headers = post(sim, {"jsonrpc": "2.0", "id": 1, "method": "sendTransaction",
                                      "params": [b64(doomed), {"encoding": "base64"}]}, "jito",
                                "/api/v1/transactions?bundleOnly=true")
    assert status == 200 and doc["result"] == str(doomed.signatures[0])
    assert headers["x-bundle-id"] == bundle_id([doc["result"]])
    time.sleep(CONFIG.slot_ms * 3 / 1000)
    assert status_of(sim, doc["result"]) is None and sim.cluster.balance(kp.pubkey()) == before
    # without bundleOnly it also goes out as a plain transaction: it fails on chain and pays
    plain = transfer_tx(kp, blockhash(sim, "confirmed"), 10**12 + 1)
    sig = result(sim, "sendTransaction", [b64(plain), {"encoding": "base64"}], "jito", "/api/v1/transactions")
    assert wait_for(lambda: status_of(sim, sig))["err"] is not None
    assert before - sim.cluster.balance(kp.pubkey()) == 5_000
