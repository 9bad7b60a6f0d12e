"""mevlib.TxTemplate: every transaction executes in LiteSVM and equals what solders builds."""
import threading

import nacl.signing
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from solders.address_lookup_table_account import AddressLookupTableAccount
from solders.hash import Hash
from solders.instruction import CompiledInstruction
from solders.keypair import Keypair
from solders.message import Message, MessageV0, to_bytes_versioned
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction, VersionedTransaction

import mevlib
from mevlib import Patch

PATCHES = {"tip": Patch.transfer_lamports(3), "cu_price": Patch.compute_unit_price(1)}


def solders_wire(chain, blockhash, tip, cu_price=1_000):
    msg = MessageV0.try_compile(
        chain.payer.pubkey(), chain.transfer_with_tip_ixs(tip=tip, cu_price=cu_price), [], blockhash
    )
    return bytes(VersionedTransaction(msg, [chain.payer]))


def template(chain, **kw):
    msg = MessageV0.try_compile(chain.payer.pubkey(), chain.transfer_with_tip_ixs(), [], Hash.default())
    return mevlib.TxTemplate(msg, chain.payer, PATCHES, **kw)


def test_variants_execute_in_litesvm(chain):
    svm, bh = chain.svm, chain.svm.latest_blockhash()
    tpl = template(chain)
    tips = [1_000 + 7 * i for i in range(300)]
    prices = [i * 13 for i in range(300)]
    wires = tpl.sign_many([{"tip": t, "cu_price": p} for t, p in zip(tips, prices)], blockhash=bh)
    tip_before = svm.get_balance(chain.tip_account)
    dest_before = svm.get_balance(chain.recipient)
    for wire, tip, price in zip(wires, tips, prices):
        assert len(wire) == tpl.wire_len
        assert wire == solders_wire(chain, bh, tip, price)
        result = svm.send_transaction(VersionedTransaction.from_bytes(wire))
        assert type(result).__name__ == "TransactionMetadata", result
    assert svm.get_balance(chain.tip_account) - tip_before == sum(tips)
    assert svm.get_balance(chain.recipient) - dest_before == 1_000 * len(tips)


def test_tampered_signature_is_rejected_by_litesvm(chain):
    wire = bytearray(template(chain).sign(blockhash=chain.svm.latest_blockhash(), tip=5_000))
    wire[10] ^= 1
    result = chain.svm.send_transaction(VersionedTransaction.from_bytes(bytes(wire)))
    assert "SignatureFailure" in str(result)


@settings(max_examples=100, deadline=None)
@given(
    tip=st.integers(0, 2**64 - 1),
    price=st.integers(0, 2**64 - 1),
    blockhash=st.binary(min_size=32, max_size=32),
)
def test_equals_solders_for_any_values(shared_chain, tip, price, blockhash):
    tpl = template(shared_chain)
    wire = tpl.sign(blockhash=blockhash, tip=tip, cu_price=price)
    assert wire == solders_wire(shared_chain, Hash(blockhash), tip, price)


def test_defaults_and_blockhash_forms(chain):
    bh = chain.svm.latest_blockhash()
    tpl = template(chain)
    assert tpl.sign() == solders_wire(chain, Hash.default(), 1_000)
    expected = solders_wire(chain, bh, 2_000)
    assert tpl.sign(blockhash=bh, tip=2_000) == expected
    assert tpl.sign(blockhash=str(bh), tip=2_000) == expected
    assert tpl.sign(blockhash=bytes(bh), tip=2_000) == expected
    assert tpl.sign(blockhash=bytearray(bytes(bh)), tip=2_000) == expected


def test_legacy_message(chain):
    svm, bh = chain.svm, chain.svm.latest_blockhash()
    msg = Message.new_with_blockhash(chain.transfer_with_tip_ixs(), chain.payer.pubkey(), Hash.default())
    tpl = mevlib.TxTemplate(msg, chain.payer, PATCHES)
    assert tpl.version is None
    for tip in (1_000, 5_000, 9_999):
        wire = tpl.sign(blockhash=bh, tip=tip)
        legacy = Message.new_with_blockhash(chain.transfer_with_tip_ixs(tip=tip), chain.payer.pubkey(), bh)
        assert wire == bytes(Transaction([chain.payer], legacy, bh))
        assert type(svm.send_transaction(Transaction.from_bytes(wire))).__name__ == "TransactionMetadata"


def test_two_signers_in_any_order(chain):
    svm, bh = chain.svm, chain.svm.latest_blockhash()
    second = Keypair()
    svm.airdrop(second.pubkey(), 10**9)
    ixs = chain.transfer_with_tip_ixs() + [
        transfer(TransferParams(from_pubkey=second.pubkey(), to_pubkey=chain.recipient, lamports=777))
    ]
    msg = MessageV0.try_compile(chain.payer.pubkey(), ixs, [], Hash.default())
    signers = [mevlib.Signer(second), mevlib.Signer(chain.payer)]
    tpl = mevlib.TxTemplate(msg, signers, PATCHES)
    assert tpl.num_signatures == 2
    assert tpl.signer_pubkeys == [chain.payer.pubkey(), second.pubkey()]
    before = svm.get_balance(second.pubkey())
    for tip in (1_000, 2_000):
        wire = tpl.sign(blockhash=bh, tip=tip)
        ref = MessageV0.try_compile(
            chain.payer.pubkey(), chain.transfer_with_tip_ixs(tip=tip) + ixs[-1:], [], bh
        )
        assert wire == bytes(VersionedTransaction(ref, [chain.payer, second]))
        assert type(svm.send_transaction(VersionedTransaction.from_bytes(wire))).__name__ == "TransactionMetadata"
    assert before - svm.get_balance(second.pubkey()) == 2 * 777


def test_lookup_tables_kept_intact(chain):
    table_keys = [Keypair().pubkey() for _ in range(5)]
    table = AddressLookupTableAccount(Pubkey.new_unique(), [chain.recipient, chain.tip_account] + table_keys)
    msg = MessageV0.try_compile(chain.payer.pubkey(), chain.transfer_with_tip_ixs(), [table], Hash.default())
    assert len(msg.address_table_lookups) == 1
    tpl = mevlib.TxTemplate(msg, chain.payer, PATCHES)
    bh = Hash.new_unique()
    wire = tpl.sign(blockhash=bh, tip=4_321)
    ref = MessageV0.try_compile(chain.payer.pubkey(), chain.transfer_with_tip_ixs(tip=4_321), [table], bh)
    assert wire == bytes(VersionedTransaction(ref, [chain.payer]))
    tx = VersionedTransaction.from_bytes(wire)
    assert tx.message.address_table_lookups == msg.address_table_lookups
    nacl.signing.VerifyKey(bytes(chain.payer.pubkey())).verify(to_bytes_versioned(tx.message), wire[1:65])


def test_sign_many_threads_agree(chain):
    tpl = template(chain)
    rows = [{"tip": 1_000 + i} for i in range(64)]
    one = tpl.sign_many(rows, threads=1)
    assert tpl.sign_many(rows, threads=2) == one
    assert tpl.sign_many(rows, threads=3) == one
    assert one == [tpl.sign(tip=1_000 + i) for i in range(64)]
    assert tpl.sign_many([]) == []


def test_sign_many_from_several_python_threads(chain):
    tpl = template(chain)
    expected = {t: tpl.sign(tip=t) for t in range(1_000, 1_400)}
    results, errors = {}, []

    def worker(k):
        try:
            for _ in range(5):
                tips = list(range(1_000 + 100 * k, 1_100 + 100 * k))
                for t, w in zip(tips, tpl.sign_many([{"tip": t} for t in tips])):
                    results[t] = w
                results[("single", k)] = tpl.sign(tip=1_000 + 100 * k)
        except Exception as e:  # surfaced below; a thread's exception is otherwise lost
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for t, w in expected.items():
        assert results[t] == w


# ---- bad input ---------------------------------------------------------------------------


def check_error(exc_info, error, builtin):
    assert isinstance(exc_info.value, error)
    assert isinstance(exc_info.value, builtin) and isinstance(exc_info.value, mevlib.MevError)


@pytest.mark.parametrize(
    "values, error, builtin",
    [
        ({"tipp": 5}, mevlib.PatchError, ValueError),
        ({"tip": -1}, mevlib.PatchError, ValueError),
        ({"tip": 2**64}, mevlib.PatchError, ValueError),
        ({"tip": "5"}, mevlib.InvalidTypeError, TypeError),
        ({"tip": 5.0}, mevlib.InvalidTypeError, TypeError),
        ({"blockhash": b"\x00" * 31}, mevlib.PatchError, ValueError),
        ({"blockhash": "not-base58!"}, mevlib.PatchError, ValueError),
        ({"blockhash": 5}, mevlib.InvalidTypeError, TypeError),
    ],
)
def test_bad_patch_values(chain, values, error, builtin):
    tpl = template(chain)
    with pytest.raises(error) as e:
        tpl.sign(**values)
    check_error(e, error, builtin)
    with pytest.raises(error):
        tpl.sign_many([values])


def test_u32_field_range(chain):
    msg = MessageV0.try_compile(chain.payer.pubkey(), chain.transfer_with_tip_ixs(), [], Hash.default())
    tpl = mevlib.TxTemplate(msg, chain.payer, {"cu_limit": Patch.compute_unit_limit(0)})
    tpl.sign(cu_limit=2**32 - 1)
    with pytest.raises(mevlib.PatchError):
        tpl.sign(cu_limit=2**32)


@pytest.mark.parametrize(
    "patches, error",
    [
        ({"x": (9, 0, "u64")}, mevlib.PatchError),  # no such instruction
        ({"x": (3, 5, "u64")}, mevlib.PatchError),  # runs past the 12 data bytes
        ({"x": (3, 4, "u64"), "y": (3, 8, "u32")}, mevlib.PatchError),  # overlap
        ({"x": (3, 4, "u128")}, mevlib.PatchError),
        ({"x": (3, -1, "u64")}, mevlib.PatchError),
        ({"blockhash": (3, 4, "u64")}, mevlib.PatchError),
        ({"x": (3, 4)}, mevlib.InvalidTypeError),
        ({"x": ("3", 4, "u64")}, mevlib.InvalidTypeError),
    ],
)
def test_bad_patch_points(chain, patches, error):
    msg = MessageV0.try_compile(chain.payer.pubkey(), chain.transfer_with_tip_ixs(), [], Hash.default())
    with pytest.raises(error):
        mevlib.TxTemplate(msg, chain.payer, patches)


def test_malformed_messages(chain):
    good = to_bytes_versioned(
        MessageV0.try_compile(chain.payer.pubkey(), chain.transfer_with_tip_ixs(), [], Hash.default())
    )
    for bad in (good[:-1], good + b"\x00", b"", b"\x80", b"\x81" + good[1:], bytes(300)):
        with pytest.raises(mevlib.MalformedMessageError) as e:
            mevlib.TxTemplate(bad, chain.payer)
        check_error(e, mevlib.MalformedMessageError, ValueError)
    with pytest.raises(mevlib.InvalidTypeError):
        mevlib.TxTemplate("not a message", chain.payer)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_corrupted_messages_never_crash(shared_chain, data):
    chain = shared_chain
    good = bytearray(
        to_bytes_versioned(MessageV0.try_compile(chain.payer.pubkey(), chain.transfer_with_tip_ixs(), [], Hash.default()))
    )
    for _ in range(data.draw(st.integers(1, 4))):
        good[data.draw(st.integers(0, len(good) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, 3))
    msg = bytes(good[: len(good) - cut])
    try:
        tpl = mevlib.TxTemplate(msg, chain.payer)
    except mevlib.MevError:
        return
    wire = tpl.sign()
    assert wire.endswith(msg)


def test_too_large(chain):
    payer = chain.payer.pubkey()
    ixs = [transfer(TransferParams(from_pubkey=payer, to_pubkey=Keypair().pubkey(), lamports=1)) for _ in range(40)]
    msg = Message.new_with_blockhash(ixs, payer, Hash.default())
    with pytest.raises(mevlib.TransactionTooLargeError):
        mevlib.TxTemplate(msg, chain.payer)


def test_signer_errors(chain):
    second = Keypair()
    ixs = chain.transfer_with_tip_ixs() + [
        transfer(TransferParams(from_pubkey=second.pubkey(), to_pubkey=chain.recipient, lamports=1))
    ]
    msg = MessageV0.try_compile(chain.payer.pubkey(), ixs, [], Hash.default())
    with pytest.raises(mevlib.MissingSignerError) as e:
        mevlib.TxTemplate(msg, chain.payer)
    check_error(e, mevlib.MissingSignerError, ValueError)
    assert str(second.pubkey()) in str(e.value)
    with pytest.raises(mevlib.KeyMaterialError):
        mevlib.TxTemplate(msg, [chain.payer, second, Keypair()])
    with pytest.raises(mevlib.InvalidTypeError):
        mevlib.TxTemplate(msg, [chain.payer, "second"])
    with pytest.raises(mevlib.InvalidTypeError):
        mevlib.TxTemplate(msg, 42)


def test_closed_signer_and_template(chain):
    signer = mevlib.Signer(chain.payer)
    msg = MessageV0.try_compile(chain.payer.pubkey(), chain.transfer_with_tip_ixs(), [], Hash.default())
    tpl = mevlib.TxTemplate(msg, signer, PATCHES)
    tpl.sign(tip=1)
    signer.close()
    with pytest.raises(mevlib.ClosedError):
        tpl.sign(tip=1)
    with pytest.raises(mevlib.ClosedError):
        mevlib.TxTemplate(msg, signer)
    tpl2 = template(chain)
    tpl2.close()
    with pytest.raises(mevlib.ClosedError):
        tpl2.sign_many([{"tip": 1}])


def test_bad_threads_and_rows(chain):
    tpl = template(chain)
    for threads in (0, -1, 1000, "2"):
        with pytest.raises(mevlib.InvalidArgumentError):
            tpl.sign_many([{}], threads=threads)
    with pytest.raises(mevlib.InvalidTypeError):
        tpl.sign_many([5])


def test_closed_template_properties_raise(chain):
    tpl = template(chain)
    tpl.close()
    assert "closed" in repr(tpl)
    for read in (lambda: tpl.version, lambda: tpl.num_signatures, lambda: tpl.signer_pubkeys):
        with pytest.raises(mevlib.ClosedError):
            read()


def test_precomputed_nonces_execute_in_litesvm(chain):
    """With a nonce pool the signatures are randomized but valid: every variant executes, the
    message bytes are exactly solders', and the same values signed twice give two signatures."""
    svm, bh = chain.svm, chain.svm.latest_blockhash()
    tpl = template(chain, nonces=64)
    tips = [2_000 + i for i in range(40)]  # fewer than the pool holds: every one is randomized
    wires = tpl.sign_many([{"tip": t} for t in tips], blockhash=bh)
    for wire, tip in zip(wires, tips):
        expected = solders_wire(chain, bh, tip)
        assert wire[65:] == expected[65:] and wire[:65] != expected[:65]
        result = svm.send_transaction(VersionedTransaction.from_bytes(wire))
        assert type(result).__name__ == "TransactionMetadata", result
    again = tpl.sign(blockhash=bh, tip=tips[0])
    assert again != wires[0] and again[65:] == wires[0][65:]


def test_tip_account_patch_signs_what_solders_builds_and_executes(chain):
    """The tip account drawn per signature: each variant equals solders' transaction of the same
    message with that key in its place (try_compile would sort the keys differently), verifies,
    and pays that account in LiteSVM."""
    from mevlib.jito import TIP_ACCOUNTS, tip_patches

    svm, bh = chain.svm, chain.svm.latest_blockhash()
    for acct in TIP_ACCOUNTS:
        svm.airdrop(acct, 10**9)
    msg = MessageV0.try_compile(chain.payer.pubkey(), chain.transfer_with_tip_ixs(), [], Hash.default())
    patches = tip_patches(msg, 3)
    assert patches["tip_account"] == Patch.account_of(msg, chain.tip_account)
    tpl = mevlib.TxTemplate(msg, chain.payer, patches)
    rows = [{"tip": 2_000 + i, "tip_account": acct} for i, acct in enumerate(TIP_ACCOUNTS)]
    before = [svm.get_balance(a) for a in TIP_ACCOUNTS]
    for row, wire in zip(rows, tpl.sign_many(rows, blockhash=bh)):
        keys = list(msg.account_keys)
        keys[patches["tip_account"].ix] = row["tip_account"]
        ixs = list(msg.instructions)
        ixs[3] = CompiledInstruction(ixs[3].program_id_index, b"\2\0\0\0" + row["tip"].to_bytes(8, "little"),
                                     bytes(ixs[3].accounts))
        expected = MessageV0(msg.header, keys, bh, ixs, [])
        assert wire == bytes(VersionedTransaction(expected, [chain.payer]))
        tx = VersionedTransaction.from_bytes(wire)
        assert tx.verify_with_results() == [True]
        result = svm.send_transaction(tx)
        assert type(result).__name__ == "TransactionMetadata", result
    assert [svm.get_balance(a) - b for a, b in zip(TIP_ACCOUNTS, before)] == [r["tip"] for r in rows]
    # base58 and bytes are taken as well as a Pubkey
    assert tpl.sign(blockhash=bh, tip_account=str(TIP_ACCOUNTS[2])) == tpl.sign(
        blockhash=bh, tip_account=bytes(TIP_ACCOUNTS[2]))


def test_account_patch_refuses_signers_duplicates_and_bad_values(chain):
    msg = MessageV0.try_compile(chain.payer.pubkey(), chain.transfer_with_tip_ixs(), [], Hash.default())
    with pytest.raises(mevlib.InvalidArgumentError, match="account key 0"):
        mevlib.TxTemplate(msg, chain.payer, {"k": Patch.account(0)})  # the payer signs
    with pytest.raises(mevlib.PatchError, match="account key 99"):
        mevlib.TxTemplate(msg, chain.payer, {"k": Patch.account(99)})
    with pytest.raises(mevlib.PatchError, match="not a static account key"):
        Patch.account_of(msg, Keypair().pubkey())
    tpl = mevlib.TxTemplate(msg, chain.payer, {"k": Patch.account_of(msg, chain.tip_account)})
    bh = chain.svm.latest_blockhash()
    for dup in (chain.payer.pubkey(), chain.recipient):  # the runtime refuses a key loaded twice
        with pytest.raises(mevlib.PatchError, match="equals another account key"):
            tpl.sign(blockhash=bh, k=dup)
        with pytest.raises(mevlib.PatchError, match="equals another account key"):
            tpl.sign_many([{"k": Keypair().pubkey()}, {"k": dup}], blockhash=bh)
    with pytest.raises(mevlib.PatchError, match="32 bytes"):
        tpl.sign(blockhash=bh, k=b"\x01" * 31)
    with pytest.raises(mevlib.PatchError, match="base58"):
        tpl.sign(blockhash=bh, k="not-base58!")
