"""Real third-party clients against `python -m mevlib.sim`, as a user would point them at it:
solana-py's AsyncClient and websocket client, @solana/kit and the official Yellowstone client
(Node; installed by make into tests/interop/node_modules) and jito-py-rpc. Versions are pinned
in constraints.txt and tests/interop/package-lock.json. Each asserts what the client parsed, not only that it did not raise. The shapes these clients
expect are Agave's (solana.com/docs/rpc) and the block engine's (docs.jito.wtf)."""
import asyncio
import base64
import json
import os
import shutil
import subprocess
import sys
import time

import pytest
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.rpc.errors import SendTransactionPreflightFailureMessage
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction
from solders.transaction_status import TransactionConfirmationStatus, TransactionErrorInstructionError

from mevlib.jito import TIP_ACCOUNTS
from mevlib.transaction import bundle_id

INTEROP = os.path.dirname(os.path.abspath(__file__))  # package.json, kit_flow.mjs, node_modules
SLOT_MS = 100
X_TOKEN = "interop-x-token"


@pytest.fixture(scope="module")
def cluster():
    """`python -m mevlib.sim` in its own process: route name -> URL."""
    proc = subprocess.Popen([sys.executable, "-m", "mevlib.sim", "--port", "0", "--slot-ms", str(SLOT_MS),
                             "--always-land", "--seed", "3", "--x-token", X_TOKEN], stdout=subprocess.PIPE, text=True)
    urls = {}
    try:
        while len(urls) < 6:  # four routes, the PubSub websocket, the Yellowstone endpoint
            line = proc.stdout.readline()
            assert line, "the simulator exited before printing its routes"
            kind, _, name, url = line.split()
            urls[name] = url
        yield urls
    finally:
        proc.terminate()
        proc.wait(10)


def transfer_tx(kp, blockhash, lamports, to):
    ix = transfer(TransferParams(from_pubkey=kp.pubkey(), to_pubkey=to, lamports=lamports))
    return VersionedTransaction(MessageV0.try_compile(kp.pubkey(), [ix], [], blockhash), [kp])


def test_solana_py_confirms_transactions(cluster):
    from solana.rpc.async_api import AsyncClient
    from solana.rpc.commitment import Confirmed
    from solana.rpc.core import RPCException
    from solana.rpc.models import TxOpts

    async def flow():
        async with AsyncClient(cluster["rpc"]) as client:  # default commitment: finalized
            kp, to = Keypair(), Keypair().pubkey()
            airdrop = (await client.request_airdrop(kp.pubkey(), 2 * 10**9)).value
            await client.confirm_transaction(airdrop, Confirmed, sleep_seconds=0.05)
            assert (await client.get_balance(kp.pubkey(), Confirmed)).value == 2 * 10**9

            latest = (await client.get_latest_blockhash()).value  # finalized, as preflight is
            tx = transfer_tx(kp, latest.blockhash, 1_000_000, to)
            sig = (await client.send_transaction(tx)).value  # with preflight
            assert sig == tx.signatures[0]
            done = await client.confirm_transaction(sig, sleep_seconds=0.05,
                                                    last_valid_block_height=latest.last_valid_block_height)
            status = done.value[0]
            assert status.confirmation_status == TransactionConfirmationStatus.Finalized
            assert status.confirmations is None and status.err is None
            assert (await client.get_balance(to)).value == 1_000_000  # finalized balance

            latest = (await client.get_latest_blockhash(Confirmed)).value
            quick = transfer_tx(kp, latest.blockhash, 2_000_000, to)
            sig2 = (await client.send_transaction(quick, TxOpts(skip_preflight=True))).value
            await client.confirm_transaction(sig2, Confirmed, sleep_seconds=0.05)
            both = (await client.get_signature_statuses([sig, sig2, Keypair().sign_message(b"none")])).value
            assert both[0].confirmation_status == TransactionConfirmationStatus.Finalized
            assert both[1].confirmation_status in (TransactionConfirmationStatus.Confirmed,
                                                   TransactionConfirmationStatus.Finalized)
            assert both[1].slot >= both[0].slot and both[2] is None
            height = (await client.get_block_height(Confirmed)).value
            assert latest.last_valid_block_height - 150 <= height <= latest.last_valid_block_height

            # preflight refuses a failing transfer with Agave's -32002 and its simulation
            latest = (await client.get_latest_blockhash()).value
            with pytest.raises(RPCException) as refused:
                await client.send_transaction(transfer_tx(kp, latest.blockhash, 10**15, to))
            err = refused.value.args[0]
            assert isinstance(err, SendTransactionPreflightFailureMessage)
            assert err.message == "Transaction simulation failed: Error processing Instruction 0: custom program error: 0x1"
            assert isinstance(err.data.err, TransactionErrorInstructionError) and err.data.logs
    asyncio.run(flow())


def test_solana_py_websocket_subscriptions(cluster):
    """solana-py's websocket client (solders parses every notification) on the PubSub endpoint:
    an account, slots and a signature."""
    from solana.rpc.async_api import AsyncClient
    from solana.rpc.commitment import Confirmed
    from solana.rpc.websocket_api import SolanaWsClient

    async def flow():
        async with SolanaWsClient(cluster["pubsub"]) as ws, AsyncClient(cluster["rpc"]) as client:
            kp = Keypair()
            await ws.account_subscribe(pubkey=kp.pubkey(), commitment=Confirmed, encoding="base64")
            await ws.slot_subscribe()
            sig = (await client.request_airdrop(kp.pubkey(), 10**9)).value
            await ws.signature_subscribe(signature=sig, commitment=Confirmed)
            got = {}
            while len(got) < 3:
                note = await asyncio.wait_for(ws.recv(), 10)
                got.setdefault(type(note).__name__, note)
            return got
    got = asyncio.run(flow())
    account = got["AccountNotification"].result
    assert account.value.lamports == 10**9 and account.context.slot > 0
    assert str(account.value.owner) == "11111111111111111111111111111111"
    slot = got["SlotNotification"].result
    assert slot.parent == slot.slot - 1 and slot.root <= slot.slot
    assert got["SignatureNotification"].result.value.err is None


def test_solana_kit_confirms_transactions(cluster):
    node = shutil.which("node")
    assert node and os.path.isdir(os.path.join(INTEROP, "node_modules", "@solana", "kit")), \
        "the Node clients are missing: make test installs them (npm install in tests/interop)"
    run = subprocess.run([node, "kit_flow.mjs", cluster["rpc"]], cwd=INTEROP, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["airdrop"] in ("confirmed", "finalized") and out["payerBalance"] == "2000000000"
    assert out["signatureMatches"] and out["confirmedErr"] is None
    assert out["finalizedConfirmations"] is None and "finalized" in out["seen"] and "confirmed" in out["seen"]
    assert out["recipientBalance"] == "1000000"
    assert int(out["blockHeight"]) <= int(out["lastValidBlockHeight"]) <= int(out["blockHeight"]) + 150
    # kit maps -32002 to its preflight error, the cause to InstructionError::Custom(1) at index 0
    assert out["preflight"]["cause"] == 4615026 and out["preflight"]["causeIndex"] == 0
    assert out["preflight"]["customCode"] == 1 and out["preflight"]["logs"] > 0
    payer, recipient = out["accounts"]
    assert int(payer["lamports"]) == 2_000_000_000 - 1_000_000 - 5_000
    assert recipient == {"lamports": "1000000", "owner": "11111111111111111111111111111111", "data": ["", "base64"]}
    assert out["epoch"]["slotsInEpoch"] == "432000"


def test_jito_py_rpc_block_engine(cluster):
    from jito_py_rpc import JitoJsonRpcSDK

    sdk = JitoJsonRpcSDK(cluster["jito-ny"] + "/api/v1")
    tips = sdk.get_tip_accounts()
    assert tips["success"] and tips["data"]["result"] == [str(a) for a in TIP_ACCOUNTS]

    async def fund():
        from solana.rpc.async_api import AsyncClient
        from solana.rpc.commitment import Confirmed
        async with AsyncClient(cluster["rpc"]) as client:
            kp = Keypair()
            sig = (await client.request_airdrop(kp.pubkey(), 10**9)).value
            await client.confirm_transaction(sig, Confirmed, sleep_seconds=0.05)
            return kp, (await client.get_latest_blockhash(Confirmed)).value.blockhash
    kp, blockhash = asyncio.run(fund())
    b64 = lambda tx: base64.b64encode(bytes(tx)).decode()  # noqa: E731

    txs = [transfer_tx(kp, blockhash, 10_000 + i, TIP_ACCOUNTS[i]) for i in range(2)]
    sent = sdk.send_bundle([b64(t) for t in txs])
    bid = sent["data"]["result"]
    assert bid == bundle_id([str(t.signatures[0]) for t in txs])
    only = transfer_tx(kp, blockhash, 30_000, TIP_ACCOUNTS[3])
    assert sdk.send_txn(b64(only), bundleOnly=True)["data"]["result"] == str(only.signatures[0])
    plain = transfer_tx(kp, blockhash, 40_000, TIP_ACCOUNTS[4])
    assert sdk.send_txn(b64(plain))["data"]["result"] == str(plain.signatures[0])

    ids = [bid, bundle_id([str(only.signatures[0])]), bundle_id([str(plain.signatures[0])])]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        inflight = sdk.get_inflight_bundle_statuses(ids)["data"]["result"]["value"]
        if all(s["status"] != "Pending" for s in inflight):
            break
        time.sleep(0.05)
    assert [s["status"] for s in inflight] == ["Landed"] * 3
    assert all(isinstance(s["landed_slot"], int) for s in inflight)
    statuses = sdk.get_bundle_statuses(ids)["data"]["result"]
    assert isinstance(statuses["context"]["slot"], int)
    first = statuses["value"][0]
    assert first["bundle_id"] == bid and first["transactions"] == [str(t.signatures[0]) for t in txs]
    assert first["err"] == {"Ok": None} and first["slot"] == inflight[0]["landed_slot"]
    unknown = sdk.get_inflight_bundle_statuses(["0" * 64])["data"]["result"]["value"]
    assert unknown == [{"bundle_id": "0" * 64, "status": "Invalid", "landed_slot": None}]


def test_yellowstone_node_client(cluster):
    """The official Yellowstone Node client (@triton-one/yellowstone-grpc, its NAPI transport)
    subscribes with an x-token and parses account, slot and transaction updates."""
    from solana.rpc.async_api import AsyncClient
    from solana.rpc.commitment import Confirmed
    from solana.rpc.models import TxOpts

    node = shutil.which("node")
    assert node and os.path.isdir(os.path.join(INTEROP, "node_modules", "@triton-one", "yellowstone-grpc")), \
        "the Node clients are missing: make test installs them (npm install in tests/interop)"
    payer, to = Keypair(), Keypair().pubkey()
    flow = subprocess.Popen([node, "yellowstone_flow.mjs", cluster["yellowstone"], X_TOKEN,
                             "11111111111111111111111111111111", str(to)],
                            cwd=INTEROP, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert flow.stdout.readline().strip() == "ready"

        async def transfer_to():
            async with AsyncClient(cluster["rpc"]) as client:
                sig = (await client.request_airdrop(payer.pubkey(), 10**9)).value
                await client.confirm_transaction(sig, Confirmed, sleep_seconds=0.05)
                latest = (await client.get_latest_blockhash(Confirmed)).value
                tx = transfer_tx(payer, latest.blockhash, 3_000_000, to)
                # preflight at the commitment the blockhash came from (the default, finalized, would not know it)
                await client.send_raw_transaction(bytes(tx), TxOpts(preflight_commitment=Confirmed))
                return tx
        tx = asyncio.run(transfer_to())
        out, err = flow.communicate(timeout=60)
    finally:
        if flow.poll() is None:
            flow.kill()
    got = json.loads(out.strip().splitlines()[-1])
    assert "error" not in got, got
    acct = got["account"]
    assert acct["filters"] == ["pools"] and acct["owner"] == "00" * 32 and int(acct["lamports"]) > 0
    assert got["slot"]["filters"] == ["slots"] and got["slot"]["status"] == 0  # filter_by_commitment: processed
    t = got["transaction"]
    assert t["filters"] == ["watched"] and t["signature"] == bytes(tx.signatures[0]).hex() and not t["failed"]
    assert t["fee"] == "5000" and bytes(to).hex() in t["keys"] and int(t["slot"]) > 0
