"""`make bench`: mevlib's hot paths against the libraries a searcher would use instead, measured
side by side in one run. Rounds interleave the contenders so machine noise hits them alike;
the table reports the median time per operation and ratios to named baselines."""
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchmarks.common import TIP_PATCHES, signing_case  # noqa: E402

ROUNDS = int(os.environ.get("MEVLIB_BENCH_ROUNDS", "15"))
ROUND_SECONDS = 0.04


def measure(cases):
    """cases: name -> (fn, items per call). Returns name -> median seconds per item."""
    loops = {}
    for name, (fn, _) in cases.items():  # calibrate: calls per round of ~ROUND_SECONDS
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < ROUND_SECONDS / 4:
            fn()
            n += 1
        loops[name] = max(1, 4 * n)
    samples = {name: [] for name in cases}
    for _ in range(ROUNDS):
        for name, (fn, items) in cases.items():
            n = loops[name]
            start = time.perf_counter()
            for _ in range(n):
                fn()
            samples[name].append((time.perf_counter() - start) / (n * items))
    return {name: statistics.median(s) for name, s in samples.items()}


def print_table(title, medians, baseline):
    base = medians[baseline]
    print(f"\n{title}  (median of {ROUNDS} interleaved rounds; ratio = {baseline} time / row time)")
    print(f"  {'contender':<52} {'µs/op':>10} {'ops/s':>12} {'ratio':>8}")
    for name, t in medians.items():
        print(f"  {name:<52} {t * 1e6:>10.2f} {1 / t:>12,.0f} {base / t:>8.2f}")


def signer_table():
    import nacl._sodium
    import nacl.bindings
    import nacl.signing
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from solders.transaction import VersionedTransaction

    import mevlib

    kp, msg, message, blockhash = signing_case()
    seed, sk = kp.secret(), bytes(kp)
    ffi, lib = nacl._sodium.ffi, nacl._sodium.lib
    raw_out = ffi.new("unsigned char[]", 64 + len(message))
    raw_len = ffi.new("unsigned long long *")
    pynacl_key = nacl.signing.SigningKey(seed)
    crypto_key = Ed25519PrivateKey.from_private_bytes(seed)
    signer = mevlib.Signer(kp)
    tpl = mevlib.TxTemplate(msg, signer, TIP_PATCHES)
    batch = [{"tip": 10_000 + i} for i in range(512)]
    assert tpl.sign(blockhash=blockhash, tip=10_000) == bytes(VersionedTransaction(msg, [kp]))

    cases = {
        "libsodium crypto_sign (pynacl cffi, raw)": (
            lambda: lib.crypto_sign(raw_out, raw_len, message, len(message), sk), 1),
        "pynacl SigningKey.sign": (lambda: pynacl_key.sign(message), 1),
        "solders Keypair.sign_message": (lambda: kp.sign_message(message), 1),
        "solders VersionedTransaction(msg, [kp])": (lambda: VersionedTransaction(msg, [kp]), 1),
        "cryptography Ed25519PrivateKey.sign": (lambda: crypto_key.sign(message), 1),
        "mevlib Signer.sign (expanded key)": (lambda: signer.sign(message), 1),
        "mevlib Signer crypto_sign_detached": (lambda: signer._sign_with(message, 1), 1),
        "mevlib TxTemplate.sign (blockhash + tip)": (
            lambda: tpl.sign(blockhash=blockhash, tip=12_345), 1),
        "mevlib TxTemplate.sign_many, 1 thread (per tx)": (
            lambda: tpl.sign_many(batch, threads=1, blockhash=blockhash), len(batch)),
        "mevlib TxTemplate.sign_many, 2 threads (per tx)": (
            lambda: tpl.sign_many(batch, threads=2, blockhash=blockhash), len(batch)),
    }
    med = measure(cases)
    print_table(f"Ed25519 signing, {len(message)}-byte v0 message", med,
                "solders VersionedTransaction(msg, [kp])")
    tpl_t = med["mevlib TxTemplate.sign (blockhash + tip)"]
    checks = [
        ("TxTemplate.sign vs solders VersionedTransaction", "≥ 4.00×",
         med["solders VersionedTransaction(msg, [kp])"] / tpl_t, lambda r: r >= 4.0),
        ("TxTemplate.sign / raw libsodium time", "≤ 1.15×",
         tpl_t / med["libsodium crypto_sign (pynacl cffi, raw)"], lambda r: r <= 1.15),
        ("sign_many 2 threads vs 1 thread throughput", "≥ 1.70×",
         med["mevlib TxTemplate.sign_many, 1 thread (per tx)"]
         / med["mevlib TxTemplate.sign_many, 2 threads (per tx)"], lambda r: r >= 1.7),
        ("expanded key vs crypto_sign_detached speed-up", "report",
         med["mevlib Signer crypto_sign_detached"] / med["mevlib Signer.sign (expanded key)"],
         lambda r: True),
    ]
    print("\n  targets")
    for label, target, ratio, ok in checks:
        print(f"  {label:<52} {ratio:>7.2f}×  target {target:<8} {'met' if ok(ratio) else 'MISSED'}")


TABLES = {"signer": signer_table}

if __name__ == "__main__":
    chosen = sys.argv[1:] or list(TABLES)
    print(f"mevlib benchmarks on {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M')}")
    for name in chosen:
        TABLES[name]()
