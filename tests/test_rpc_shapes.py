"""Our clients (JsonRpcClient, classify, transaction_error, HedgedSender) on response bodies as a
real node and block engine send them, written from the published references and cited per body,
served by a canned HTTP server: not our simulator, so a misreading shared by both cannot hide."""
import dataclasses
import http.server
import json
import threading

import pytest
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.system_program import TransferParams, transfer

import mevlib
from mevlib.jito import TIP_ACCOUNTS
from mevlib.routes import (JsonRpcClient, RpcCallError, RpcRoute, TransactionError, classify,
                           transaction_error)
from mevlib.sender import HedgedSender, SlotClock
from mevlib.sim import ClusterConfig, RouteModel, Simulator

# solana.com/docs/rpc/http/getsignaturestatuses, "Response"
SIGNATURE_STATUSES = {"jsonrpc": "2.0", "result": {"context": {"slot": 82}, "value": [
    {"slot": 48, "confirmations": None, "err": None, "status": {"Ok": None}, "confirmationStatus": "finalized"},
    None]}, "id": 1}
# solana.com/docs/rpc/http/getlatestblockhash, "Response"
LATEST_BLOCKHASH = {"jsonrpc": "2.0", "result": {"context": {"slot": 2792}, "value": {
    "blockhash": "EkSnNWid2cvwEVnVx9aBqawnmiCNiDgp3gUdkDPTKN1N", "lastValidBlockHeight": 3090}}, "id": 1}
# Agave rpc-client-api custom_error.rs: SendTransactionPreflightFailure is code -32002 with the
# message "Transaction simulation failed: <TransactionError>" and the RpcSimulateTransactionResult
# as data; a system transfer past the balance fails with SystemError::ResultWithNegativeLamports (1)
PREFLIGHT_FAILURE = {"jsonrpc": "2.0", "error": {
    "code": -32002, "message": "Transaction simulation failed: Error processing Instruction 0: custom program error: 0x1",
    "data": {"accounts": None, "err": {"InstructionError": [0, {"Custom": 1}]}, "innerInstructions": None,
             "loadedAccountsDataSize": 0, "logs": ["Program 11111111111111111111111111111111 invoke [1]",
                                                   "Transfer: insufficient lamports 19998000, need 100000000000",
                                                   "Program 11111111111111111111111111111111 failed: custom program error: 0x1"],
             "replacementBlockhash": None, "returnData": None, "unitsConsumed": 150}}, "id": 1}
# docs.jito.wtf, getBundleStatuses and getInflightBundleStatuses "Response" examples
BUNDLE_STATUSES = {"jsonrpc": "2.0", "result": {"context": {"slot": 242806119}, "value": [{
    "bundle_id": "892b79ed49138bfb3aa5441f0df6e06ef34f9ee8f3976c15b323605bae0cf51d",
    "transactions": ["3bC2M9fiACSjkTXZDgeNAuQ4ScTsdKGwR42ytFdhUvikqTmBheUxfsR1fDVsM5ADCMMspuwGkdm1uKbU246x5aE3",
                     "8t9hKYEYNbLvNqiSzP96S13XF1C2f1ro271Kdf7bkZ6EpjPLuDff1ywRy4gfaGSTubsM2FeYGDoT64ZwPm1cQUt"],
    "slot": 242804011, "confirmation_status": "finalized", "err": {"Ok": None}}]}, "id": 1}
INFLIGHT = {"jsonrpc": "2.0", "result": {"context": {"slot": 280999028}, "value": [
    {"bundle_id": "b31e5fae4923f345218403ac1ab242b46a72d4f2a38d131f474255ae88f1ec9a", "status": "Invalid",
     "landed_slot": None}]}, "id": 1}


class Canned(http.server.BaseHTTPRequestHandler):
    """Answers each method with the body, status and headers in `answers` (the request's id
    copied in, as a server does); a batch with the list of answers, short by `drop` of them."""

    protocol_version = "HTTP/1.1"
    answers: dict = {}
    drop = 0

    def log_message(self, *args):
        pass

    def do_POST(self):
        req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if isinstance(req, list):
            docs = [{**self.answers[r["method"]][1], "id": r["id"]} for r in req]
            status, body, headers = 200, json.dumps(docs[:len(docs) - self.drop]).encode(), {}
        else:
            status, body, headers = self.answers[req["method"]]
        if isinstance(body, dict):
            body = json.dumps({**body, "id": req["id"]}).encode()
        self.send_response(status)
        for k, v in {"Content-Type": "application/json", **headers}.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def canned():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Canned)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Canned.answers, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    Canned.answers, Canned.drop = {}, 0


def test_statuses_and_blockhash_as_agave_sends_them(canned):
    answers, url = canned
    answers.update(getSignatureStatuses=(200, SIGNATURE_STATUSES, {}), getLatestBlockhash=(200, LATEST_BLOCKHASH, {}))
    rpc = JsonRpcClient(url)
    slot, statuses = rpc.signature_statuses(["a", "b"])
    assert slot == 82 and statuses[1] is None
    assert statuses[0]["confirmationStatus"] == "finalized" and transaction_error(statuses[0]["err"]) is None
    assert rpc.latest_blockhash() == ("EkSnNWid2cvwEVnVx9aBqawnmiCNiDgp3gUdkDPTKN1N", 3090)
    with pytest.raises(RpcCallError) as e:
        rpc.signature_statuses(["a", "b", "c"])  # two answers for three: never read as "not landed"
    assert e.value.kind == "bad_json"


def test_preflight_failure_rate_limit_and_auth(canned):
    answers, url = canned
    answers.update(sendTransaction=(200, PREFLIGHT_FAILURE, {}),
                   getSlot=(429, b'{"jsonrpc":"2.0","error":{"code":429,"message":"Too many requests"},"id":1}',
                            {"Retry-After": "2"}),
                   getHealth=(401, b"unauthorized", {}))
    rpc = JsonRpcClient(url)
    with pytest.raises(RpcCallError) as e:
        rpc.call("sendTransaction", ["x"])
    assert e.value.kind == "rpc" and e.value.code == -32002
    assert e.value.transaction_error == TransactionError("InstructionError", 0, "Custom", 1, 1)
    assert e.value.data["logs"][1].startswith("Transfer: insufficient lamports")
    with pytest.raises(RpcCallError) as e:
        rpc.get_slot()
    assert e.value.kind == "rate_limited" and e.value.retry_after == 2.0
    with pytest.raises(RpcCallError) as e:
        rpc.call("getHealth")
    assert e.value.kind == "auth" and e.value.code == 401


def test_block_engine_statuses_as_documented(canned):
    answers, url = canned
    answers.update(getBundleStatuses=(200, BUNDLE_STATUSES, {}), getInflightBundleStatuses=(200, INFLIGHT, {}))
    jito = JsonRpcClient(url)
    (landed,) = jito.get_bundle_statuses([BUNDLE_STATUSES["result"]["value"][0]["bundle_id"]])
    assert landed["slot"] == 242804011 and landed["err"] == {"Ok": None} and len(landed["transactions"]) == 2
    (inflight,) = jito.get_inflight_bundle_statuses(["b31e5fae4923f345218403ac1ab242b46a72d4f2a38d131f474255ae88f1ec9a"])
    assert inflight["status"] == "Invalid" and inflight["landed_slot"] is None


def test_batch_requests(canned):
    answers, url = canned
    answers.update(getLatestBlockhash=(200, LATEST_BLOCKHASH, {}), sendTransaction=(200, PREFLIGHT_FAILURE, {}))
    rpc = JsonRpcClient(url)
    blockhash, refused = rpc.batch([("getLatestBlockhash", []), ("sendTransaction", ["x"])])
    assert blockhash["value"]["lastValidBlockHeight"] == 3090
    assert isinstance(refused, RpcCallError) and refused.code == -32002  # returned, not raised
    Canned.drop = 1
    with pytest.raises(RpcCallError) as e:  # an answer missing: the batch is refused whole
        rpc.batch([("getLatestBlockhash", []), ("getLatestBlockhash", [])])
    assert e.value.kind == "bad_json"
    assert rpc.batch([]) == []


def test_classify_reads_real_error_bodies():
    def raw(status, body, curl=0):
        return (7, 0, 1, curl, status, body, "", 0, 0, 0, 0, False, False)
    res = classify(raw(200, json.dumps(PREFLIGHT_FAILURE).encode()), ["r"])
    assert (res.status, res.error_code) == ("rpc_error", -32002)
    assert transaction_error(res.error_data["err"]).custom == 1
    assert classify(raw(403, b"forbidden"), ["r"]).status == "auth_error"
    assert classify(raw(401, b""), ["r"]).status == "auth_error"
    assert classify(raw(429, b'{"jsonrpc":"2.0","error":{"code":-32097,"message":"rate limited"},"id":1}'),
                    ["r"]).status == "rate_limited"


@pytest.mark.parametrize("err, expected", [
    ("AccountNotFound", TransactionError("AccountNotFound")),
    ("BlockhashNotFound", TransactionError("BlockhashNotFound")),
    ({"InstructionError": [2, {"Custom": 6001}]}, TransactionError("InstructionError", 2, "Custom", 6001, 6001)),
    ({"InstructionError": [0, "InvalidAccountData"]}, TransactionError("InstructionError", 0, "InvalidAccountData")),
    ({"InstructionError": [1, {"BorshIoError": "Unknown"}]},
     TransactionError("InstructionError", 1, "BorshIoError", None, "Unknown")),
    ({"InsufficientFundsForRent": {"account_index": 1}},
     TransactionError("InsufficientFundsForRent", detail={"account_index": 1})),
    ({"DuplicateInstruction": 3}, TransactionError("DuplicateInstruction", detail=3)),
])
def test_transaction_error_variants(err, expected):
    """Variants as Agave serializes solana_transaction_error::TransactionError (serde's default
    externally tagged enums: unit variants as strings, others as one-key objects)."""
    assert transaction_error(err) == expected


@pytest.mark.parametrize("bad", [{"InstructionError": [0]}, {"InstructionError": "x"}, {"A": 1, "B": 2}, 5, []])
def test_unreadable_errors_are_refused(bad):
    with pytest.raises(ValueError):
        transaction_error(bad)


ALWAYS_LANDS = dataclasses.replace(
    ClusterConfig(seed=4), slot_ms=60.0, competitive_share=0.0, phase_range=(1.0, 1.0), jitter_range=(0.0, 0.0),
    window=1.0, routes=(RouteModel("rpc", drop=0.0, latency_ms=1.0, latency_spread=0.0),))


def test_hedged_sender_accounts_a_failed_transaction():
    """A transaction that lands and fails pays its fee: the attempt is not landed, and the
    outcome names the signature and its error instead of calling it a miss."""
    with Simulator(ALWAYS_LANDS) as sim:
        kp = Keypair()
        sim.cluster.airdrop(kp.pubkey(), 10**9)
        rpc = JsonRpcClient(sim.url("rpc"))
        bh = sim.cluster.latest_blockhash(sim.now_ms())
        too_much = transfer(TransferParams(from_pubkey=kp.pubkey(), to_pubkey=TIP_ACCOUNTS[0], lamports=10**12))
        wire = mevlib.TxTemplate(MessageV0.try_compile(kp.pubkey(), [too_much], [], bh), kp).sign()
        clock = SlotClock(rpc, poll_s=0.01).start()
        assert clock.wait_ready()
        records = []
        hs = HedgedSender([RpcRoute("rpc", sim.url("rpc"))], clock, rpc, shots=1, give_up_slots=4,
                          on_record=records.append)
        try:
            attempt = hs.send(wire, clock.current_slot() + 2)
            while hs.pending:
                hs.poll(timeout=0.05)
        finally:
            hs.close()
            clock.stop()
        assert attempt.landed is False and attempt.credited_route is None
        assert attempt.failed == {attempt.signatures[0]: TransactionError("InstructionError", 0, "Custom", 1, 1)}
        (outcome,) = [r for r in records if r["kind"] == "outcome"]
        assert outcome["failed"] == {attempt.signatures[0]: "InstructionError"}
        assert sim.cluster.balance(kp.pubkey()) == 10**9 - 5_000  # the fee, nothing else
