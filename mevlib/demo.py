"""`make demo`: sign thousands of transfer-with-tip variants from one template, execute every one
in LiteSVM, and compare signing throughput with solders and pynacl on the same transactions.

Until the end-to-end engine exists, this is the main job: it shows the signer doing a searcher's
real work (re-tipping and re-pricing one transaction per opportunity) and checks every result.
"""
import argparse
import struct
import sys
import time

from solders.compute_budget import set_compute_unit_limit, set_compute_unit_price
from solders.hash import Hash
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import MessageV0, to_bytes_versioned
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction

import mevlib
from mevlib.jito import MIN_TIP_LAMPORTS, TIP_ACCOUNTS
from mevlib.signer import Patch, default_threads

TIP_IX, PRICE_IX = 3, 1


def build_ixs(payer, recipient, tip_account, tip, cu_price):
    return [
        set_compute_unit_limit(1_400),
        set_compute_unit_price(cu_price),
        transfer(TransferParams(from_pubkey=payer, to_pubkey=recipient, lamports=5_000)),
        transfer(TransferParams(from_pubkey=payer, to_pubkey=tip_account, lamports=tip)),
    ]


def variants(count):
    """(tip, cu_price) pairs a searcher would try: tips stepping up, priority fee following."""
    return [(MIN_TIP_LAMPORTS + 37 * i, 1_000 + (i % 50) * 100) for i in range(count)]


def rate(fn, n):
    start = time.perf_counter()
    fn()
    return n / (time.perf_counter() - start)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5_000, help="transactions to sign and execute")
    args = parser.parse_args(argv)
    n = max(1, args.count)

    svm = LiteSVM()
    payer, recipient, tip_account = Keypair(), Keypair().pubkey(), TIP_ACCOUNTS[0]
    svm.airdrop(payer.pubkey(), 1_000 * 10**9)
    svm.airdrop(recipient, 10**9)
    svm.airdrop(tip_account, 10**9)
    blockhash = svm.latest_blockhash()
    pk = payer.pubkey()

    msg = MessageV0.try_compile(pk, build_ixs(pk, recipient, tip_account, MIN_TIP_LAMPORTS, 1_000), [], Hash.default())
    signer = mevlib.Signer(payer)
    tpl = mevlib.TxTemplate(
        msg, signer, {"tip": Patch.transfer_lamports(TIP_IX), "cu_price": Patch.compute_unit_price(PRICE_IX)}
    )
    print(f"template: {tpl!r}")
    print(f"payer {pk}, tip account {tip_account} (Jito), blockhash {blockhash}")

    pairs = variants(n)
    rows = [{"tip": t, "cu_price": p} for t, p in pairs]
    start = time.perf_counter()
    wires = tpl.sign_many(rows, blockhash=blockhash)
    sign_s = time.perf_counter() - start
    print(f"signed {n} variants with sign_many on {default_threads()} threads in {sign_s * 1e3:.1f} ms")

    tip_before, payer_before = svm.get_balance(tip_account), svm.get_balance(pk)
    landed, fees = 0, 0
    start = time.perf_counter()
    for i, wire in enumerate(wires):
        result = svm.send_transaction(VersionedTransaction.from_bytes(wire))
        if type(result).__name__ != "TransactionMetadata":
            print(f"variant {i} failed in LiteSVM: {result}", file=sys.stderr)
            return 1
        landed += 1
        fees += result.fee()
        if (i + 1) % max(1, n // 5) == 0:
            print(f"  executed {i + 1}/{n} in LiteSVM")
    exec_s = time.perf_counter() - start
    tips = sum(t for t, _ in pairs)
    tip_gain = svm.get_balance(tip_account) - tip_before
    payer_spent = payer_before - svm.get_balance(pk)
    print(f"LiteSVM executed and signature-checked {landed}/{n} in {exec_s:.2f} s; "
          f"tip account +{tip_gain:,} lamports (expected {tips:,}); payer spent {payer_spent:,} "
          f"(fees {fees:,})")
    if tip_gain != tips or payer_spent != tips + fees + 5_000 * n:
        print("tip balance does not match the signed tips", file=sys.stderr)
        return 1

    # Throughput against what a searcher would write without mevlib, on the same variants.
    k = min(n, 1_000)
    sample = pairs[:k]
    expected = wires[:k]

    def with_solders():
        out = []
        for tip, price in sample:
            m = MessageV0.try_compile(pk, build_ixs(pk, recipient, tip_account, tip, price), [], blockhash)
            out.append(bytes(VersionedTransaction(m, [payer])))
        return out

    def with_pynacl():
        import nacl.signing

        key = nacl.signing.SigningKey(payer.secret())
        base = bytearray(to_bytes_versioned(msg))
        tip_at = base.rfind(struct.pack("<IQ", 2, MIN_TIP_LAMPORTS)) + 4
        price_at = base.find(struct.pack("<BQ", 3, 1_000)) + 1
        bh_at = 1 + 3 + 1 + 32 * len(msg.account_keys)  # v0 prefix, header, key count, keys
        out = []
        for tip, price in sample:
            m = bytearray(base)
            m[bh_at:bh_at + 32] = bytes(blockhash)
            struct.pack_into("<Q", m, tip_at, tip)
            struct.pack_into("<Q", m, price_at, price)
            out.append(b"\x01" + key.sign(bytes(m)).signature + bytes(m))
        return out

    assert with_solders() == expected and with_pynacl() == expected, "peers disagree with mevlib"
    results = [
        ("solders: compile MessageV0 + VersionedTransaction", rate(with_solders, k)),
        ("pynacl: patch bytes in Python + SigningKey.sign", rate(with_pynacl, k)),
        ("mevlib TxTemplate.sign, one by one", rate(lambda: [tpl.sign(blockhash=blockhash, **r) for r in rows[:k]], k)),
        ("mevlib TxTemplate.sign_many, 1 thread", rate(lambda: tpl.sign_many(rows[:k], threads=1, blockhash=blockhash), k)),
        (f"mevlib TxTemplate.sign_many, {default_threads()} threads",
         rate(lambda: tpl.sign_many(rows[:k], blockhash=blockhash), k)),
    ]
    base = results[0][1]
    print(f"\nsigning throughput, {k} identical variants each ({len(expected[0])}-byte transactions)")
    print(f"  {'method':<52} {'tx/s':>10} {'vs solders':>11}")
    for name, r in results:
        print(f"  {name:<52} {r:>10,.0f} {r / base:>10.2f}×")
    tpl.close()
    signer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
