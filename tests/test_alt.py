"""Address lookup tables on the simulator: created and extended with our instructions (executed by
LiteSVM's lookup-table program), fetched and parsed, and a template compiled against them lands
with the tip account kept among the static keys."""
import base64
import dataclasses
import time

import pytest
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction

import mevlib
from mevlib import alt
from mevlib.jito import TIP_ACCOUNTS, tip_patches
from mevlib.routes import JsonRpcClient
from mevlib.sim import ClusterConfig, Simulator
from mevlib.sim.cluster import always_land


def send_and_confirm(rpc, sim, ixs, signers):
    msg = MessageV0.try_compile(signers[0].pubkey(), ixs, [], Hash.from_string(rpc.get_latest_blockhash()))
    return send_wire(rpc, bytes(VersionedTransaction(msg, signers)))


def send_wire(rpc, wire):
    sig = rpc.call("sendTransaction", [base64.b64encode(wire).decode(), {"encoding": "base64", "skipPreflight": True}])
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        status = rpc.signature_statuses([sig])[1][0]
        if status is not None:
            assert status["err"] is None, status
            return status["slot"]
        time.sleep(0.02)
    raise AssertionError("not confirmed")


def test_lookup_tables_end_to_end():
    with Simulator(always_land(dataclasses.replace(ClusterConfig(seed=3), slot_ms=100.0))) as sim:
        rpc = JsonRpcClient(sim.url("rpc"))
        kp = Keypair()
        sim.cluster.airdrop(kp.pubkey(), 10**11)
        while rpc.get_slot("finalized") < 1:
            time.sleep(0.05)
        create, table = alt.create_instruction(kp.pubkey(), kp.pubkey(), rpc.get_slot("finalized"))
        send_and_confirm(rpc, sim, [create], [kp])
        recipients = [Keypair().pubkey() for _ in range(24)]
        for r in recipients:
            sim.cluster.airdrop(r, 10**9)
        addresses = [*recipients, TIP_ACCOUNTS[0]]
        for i in range(0, len(addresses), alt.EXTEND_CHUNK):
            last = send_and_confirm(rpc, sim, [alt.extend_instruction(table, kp.pubkey(), kp.pubkey(),
                                                                      addresses[i:i + alt.EXTEND_CHUNK])], [kp])
        while rpc.get_slot() <= last:  # usable from the slot after the extension
            time.sleep(0.02)
        fetched = alt.fetch(rpc, table, "processed")
        assert fetched.key == table and fetched.addresses == addresses
        ixs = [transfer(TransferParams(from_pubkey=kp.pubkey(), to_pubkey=r, lamports=1_000 + i))
               for i, r in enumerate(recipients[:10])]
        ixs.append(transfer(TransferParams(from_pubkey=kp.pubkey(), to_pubkey=TIP_ACCOUNTS[0], lamports=5_000)))
        msg = alt.compile_message(kp.pubkey(), ixs, [fetched])
        tpl = mevlib.TxTemplate(msg, kp, tip_patches(msg, len(ixs) - 1))
        wire = tpl.sign(blockhash=Hash.from_string(rpc.get_latest_blockhash()), tip=7_000)
        tx = VersionedTransaction.from_bytes(wire)
        assert TIP_ACCOUNTS[0] in tx.message.account_keys  # the tip stays static
        assert tx.message.address_table_lookups and len(wire) < len(bytes(VersionedTransaction(
            MessageV0.try_compile(kp.pubkey(), ixs, [], Hash.default()), [kp])))  # the table saved bytes
        keys = alt.resolve(tx.message, [fetched])
        assert set(recipients[:10]) <= set(keys) and len(keys) == len(set(keys))
        before = [sim.cluster.balance(r) for r in recipients[:10]]
        tip_before = sim.cluster.balance(TIP_ACCOUNTS[0])
        send_wire(rpc, wire)
        assert [sim.cluster.balance(r) - b for r, b in zip(recipients[:10], before)] == [1_000 + i for i in range(10)]
        assert sim.cluster.balance(TIP_ACCOUNTS[0]) - tip_before == 7_000
        with pytest.raises(mevlib.CorruptDataError):
            alt.fetch(rpc, kp.pubkey(), "processed")  # a wallet, not a table
        with pytest.raises(mevlib.InvalidArgumentError, match="not among the tables"):
            alt.resolve(tx.message, [])


def test_parse_refuses_what_is_not_a_table():
    key = Keypair().pubkey()
    for data in (b"", b"\x01" + b"\0" * 55 + b"\0" * 31, b"\x02" + b"\0" * 55):
        with pytest.raises(mevlib.CorruptDataError):
            alt.parse(key, data)
    with pytest.raises(mevlib.CorruptDataError, match="owned by"):
        alt.parse(key, b"\x01\0\0\0" + b"\0" * 52, owner=key)
    with pytest.raises(mevlib.InvalidArgumentError, match="1 to 20"):
        alt.extend_instruction(key, key, key, [key] * 21)
