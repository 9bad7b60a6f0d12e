"""Yellowstone gRPC messages: the C decoder (csrc/yellowstone.c) and the request encoder
(mevlib/feed/yellowstone.py) against the official protobuf runtime, with our
mevlib/feed/yellowstone.proto compiled by protoc (grpcio-tools) here; garbage never crashes the
decoder. Field numbers are rpcpool/yellowstone-grpc's geyser.proto and solana-storage.proto."""
import importlib
import json
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from solders import transaction_status as ts

from mevlib.feed import CONFIRMED, CREATED_BANK, DEAD, FIRST_SHRED_RECEIVED, PROCESSED, ROOTED, AccountUpdate, SlotUpdate
from mevlib.feed.yellowstone import (BlockMetaUpdate, TransactionUpdate, decode_update, subscribe_request,
                                     transaction_error_json)

u64 = st.integers(0, 2**64 - 1)


@pytest.fixture(scope="module")
def pb(tmp_path_factory):
    from grpc_tools import protoc

    import mevlib.feed

    src = mevlib.feed.__path__[0]
    out = tmp_path_factory.mktemp("pb")
    assert protoc.main(["protoc", f"-I{src}", f"--python_out={out}", "yellowstone.proto"]) == 0
    sys.path.insert(0, str(out))
    try:
        return importlib.import_module("yellowstone_pb2")
    finally:
        sys.path.remove(str(out))


def test_account_update(pb):
    msg = pb.SubscribeUpdate(filters=["pools"], account=pb.SubscribeUpdateAccount(
        account=pb.SubscribeUpdateAccountInfo(pubkey=b"\x01" * 32, lamports=5, owner=b"\x02" * 32, executable=True,
                                              rent_epoch=2**64 - 1, data=b"pool", write_version=99,
                                              txn_signature=b"\x03" * 64),
        slot=123, is_startup=True)).SerializeToString()
    assert decode_update(msg) == AccountUpdate(b"\x01" * 32, b"\x02" * 32, 5, b"pool", 123, 99, b"\x03" * 64, True, 0,
                                               True, 2**64 - 1)


@settings(max_examples=200)
@given(pubkey=st.binary(min_size=32, max_size=32), data=st.binary(max_size=600), slot=u64, wv=u64, lamports=u64)
def test_account_decoding_agrees_with_the_runtime(pb, pubkey, data, slot, wv, lamports):
    msg = pb.SubscribeUpdate(account=pb.SubscribeUpdateAccount(account=pb.SubscribeUpdateAccountInfo(
        pubkey=pubkey, owner=pubkey[::-1], lamports=lamports, data=data, write_version=wv), slot=slot))
    got = decode_update(msg.SerializeToString())
    info = msg.account.account
    assert (got.pubkey, got.owner, got.lamports, got.data, got.slot, got.write_version, got.txn_signature) == \
        (info.pubkey, info.owner, info.lamports, info.data, msg.account.slot, info.write_version, None)


@pytest.mark.parametrize("status, ours", [(0, PROCESSED), (1, CONFIRMED), (2, ROOTED), (3, FIRST_SHRED_RECEIVED),
                                          (4, 4), (5, CREATED_BANK), (6, DEAD)])
def test_slot_statuses_map_to_the_plugins(pb, status, ours):
    msg = pb.SubscribeUpdate(slot=pb.SubscribeUpdateSlot(slot=9, parent=8, status=status,
                                                         dead_error="boom" if status == 6 else None))
    assert decode_update(msg.SerializeToString()) == SlotUpdate(9, 8, ours, "boom" if status == 6 else "", 0)
    bare = pb.SubscribeUpdate(slot=pb.SubscribeUpdateSlot(slot=9, status=status)).SerializeToString()
    assert decode_update(bare).parent is None


def test_transaction_update(pb):
    keys = [bytes([i]) * 32 for i in range(1, 4)]
    err = bytes(ts.TransactionStatus(0, None, None, ts.TransactionErrorInstructionError(
        2, ts.InstructionErrorCustom(6001)), None))[14:-1]  # the TransactionError inside a status's bincode
    tx = pb.Transaction(signatures=[b"\x09" * 64], message=pb.Message(
        header=pb.MessageHeader(num_required_signatures=1), account_keys=keys, recent_blockhash=b"\x05" * 32,
        instructions=[pb.CompiledInstruction(program_id_index=2, accounts=b"\x00\x01", data=b"\x02")], versioned=True))
    msg = pb.SubscribeUpdate(transaction=pb.SubscribeUpdateTransaction(slot=44, transaction=pb.SubscribeUpdateTransactionInfo(
        signature=b"\x09" * 64, is_vote=False, transaction=tx, index=7,
        meta=pb.TransactionStatusMeta(fee=5000, err=pb.TransactionError(err=err))))).SerializeToString()
    got = decode_update(msg, with_transaction=True)
    assert got == TransactionUpdate(b"\x09" * 64, 44, False, tuple(keys), err, 5000, 7, tx.SerializeToString())
    assert transaction_error_json(got.err) == {"InstructionError": [2, {"Custom": 6001}]}
    assert decode_update(msg).transaction is None  # not asked for: not copied
    ok = pb.SubscribeUpdate(transaction=pb.SubscribeUpdateTransaction(slot=1, transaction=pb.SubscribeUpdateTransactionInfo(
        signature=b"\x08" * 64, meta=pb.TransactionStatusMeta(fee=5000)))).SerializeToString()
    assert decode_update(ok).err is None


def test_pings_pongs_and_other_kinds(pb):
    assert decode_update(pb.SubscribeUpdate(ping=pb.SubscribeUpdatePing()).SerializeToString()) == "ping"
    assert decode_update(pb.SubscribeUpdate(pong=pb.SubscribeUpdatePong(id=-5)).SerializeToString()) == ("pong", -5)
    meta = pb.SubscribeUpdate(block_meta=pb.SubscribeUpdateBlockMeta(
        slot=3, blockhash="Hash3", parent_slot=2, parent_blockhash="Hash2", executed_transaction_count=7,
        block_height=pb.BlockHeight(block_height=3), block_time=pb.UnixTimestamp(timestamp=-5))).SerializeToString()
    assert decode_update(meta) == BlockMetaUpdate(3, "Hash3", 2, "Hash2", 7, 3, -5)
    bare = pb.SubscribeUpdate(block_meta=pb.SubscribeUpdateBlockMeta(slot=4)).SerializeToString()
    assert decode_update(bare) == BlockMetaUpdate(4, "", 0, "", 0, None, None)
    assert decode_update(b"\x42\x00") == "other"  # an entry update (field 8): a kind mevlib does not read
    assert decode_update(b"") is None  # no update at all
    two = (pb.SubscribeUpdate(ping=pb.SubscribeUpdatePing()).SerializeToString() +
           pb.SubscribeUpdate(pong=pb.SubscribeUpdatePong(id=1)).SerializeToString())
    assert decode_update(two) is None  # two kinds in one message


def test_unknown_fields_are_skipped(pb):
    msg = pb.SubscribeUpdate(slot=pb.SubscribeUpdateSlot(slot=5, status=1)).SerializeToString()
    extra = bytes([0xA0, 0x01, 0x01]) + bytes([0xAA, 0x01, 0x02, 0x08, 0x01])  # fields 20 (varint), 21 (bytes)
    assert pb.SubscribeUpdate.FromString(msg + extra).slot.slot == 5  # the runtime skips them too
    assert decode_update(msg + extra) == SlotUpdate(5, None, CONFIRMED, "", 0)


@given(st.binary(max_size=300))
def test_garbage_never_crashes(blob):
    got = decode_update(blob)
    assert got is None or got in ("ping", "other") or isinstance(got, (AccountUpdate, SlotUpdate, TransactionUpdate,
                                                                       BlockMetaUpdate, tuple))


def test_truncations_are_refused(pb):
    msg = pb.SubscribeUpdate(account=pb.SubscribeUpdateAccount(account=pb.SubscribeUpdateAccountInfo(
        pubkey=b"\x01" * 32, owner=b"\x02" * 32, data=b"x" * 40), slot=3)).SerializeToString()
    for cut in range(1, len(msg)):
        assert decode_update(msg[:cut]) is None, cut


def test_subscribe_request_as_the_runtime_reads_it(pb):
    raw = subscribe_request(
        accounts={"pools": {"owner": ["Own1"], "account": ["Acc1"], "nonempty_txn_signature": True,
                            "filters": [{"datasize": 752}, {"memcmp": {"offset": 8, "base58": "3x"}},
                                        {"token_account_state": True}, {"lamports": {"gt": 10}}]}},
        slots={"s": {"filter_by_commitment": True}}, blocks_meta=["m"],
        transactions={"t": {"vote": False, "failed": True, "account_include": ["A"], "account_required": ["B"]}},
        commitment="confirmed", data_slices=[(0, 64)], from_slot=1234, ping_id=3)
    req = pb.SubscribeRequest.FromString(raw)
    f = req.accounts["pools"]
    assert list(f.owner) == ["Own1"] and list(f.account) == ["Acc1"] and f.nonempty_txn_signature
    assert [x.WhichOneof("filter") for x in f.filters] == ["datasize", "memcmp", "token_account_state", "lamports"]
    assert f.filters[0].datasize == 752 and f.filters[1].memcmp.offset == 8 and f.filters[1].memcmp.base58 == "3x"
    assert f.filters[3].lamports.gt == 10
    assert req.slots["s"].filter_by_commitment and "m" in req.blocks_meta
    t = req.transactions["t"]
    assert t.HasField("vote") and not t.vote and t.failed and list(t.account_include) == ["A"]
    assert req.commitment == 1 and req.accounts_data_slice[0].length == 64 and req.from_slot == 1234
    assert req.ping.id == 3


@pytest.mark.parametrize("err", [ts.TransactionErrorFieldless.BlockhashNotFound,
                                 ts.TransactionErrorInsufficientFundsForRent(3),
                                 ts.TransactionErrorInstructionError(0, ts.InstructionErrorFieldless.InvalidArgument)])
def test_transaction_errors_from_bincode(err):
    status = ts.TransactionStatus(0, None, None, err, None)
    inner = bytes(status)[14:-1]
    assert transaction_error_json(inner) == json.loads(status.to_json())["err"]
    with pytest.raises(ValueError):
        transaction_error_json(b"\xff\xff\xff\xff")


def test_batch_decode_to_a_structured_array(pb):
    from mevlib.feed import decode_accounts

    msgs = [pb.SubscribeUpdate(account=pb.SubscribeUpdateAccount(account=pb.SubscribeUpdateAccountInfo(
        pubkey=bytes([i]) * 32, owner=b"\x02" * 32, lamports=i, data=bytes([i]) * (10 + i), write_version=i),
        slot=100 + i)).SerializeToString() for i in range(5)]
    msgs.insert(2, pb.SubscribeUpdate(slot=pb.SubscribeUpdateSlot(slot=1)).SerializeToString())  # skipped
    msgs.append(b"\xff")  # undecodable
    arr, bad = decode_accounts(msgs, 16, yellowstone=True)
    assert bad == 1 and len(arr) == 5
    assert list(arr["slot"]) == [100, 101, 102, 103, 104] and list(arr["lamports"]) == [0, 1, 2, 3, 4]
    assert list(arr["data_len"]) == [10, 11, 12, 13, 14] and bytes(arr["data"][4]) == b"\x04" * 14 + b"\0\0"
    assert bytes(arr["pubkey"][3]) == decode_update(msgs[4]).pubkey
