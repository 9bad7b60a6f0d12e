"""mevlib.dex against the protocols' official SDKs (Node; installed by make into
tests/interop/node_modules): for thousands of random valid accounts our decode equals the SDK's
field by field, our fees equal its fees, and what the SDK refuses we refuse.

So far: SPL Token and Token-2022 accounts and mints, and Token-2022 transfer fees, against
@solana/spl-token (spl_token_check.mjs); Raydium CPMM quotes against @raydium-io/raydium-sdk-v2
(cpmm_check.mjs)."""
import base64
import json
import os
import random
import shutil
import struct
import subprocess

import pytest
from solders.pubkey import Pubkey

import mevlib
from mevlib import dex

INTEROP = os.path.dirname(os.path.abspath(__file__))
U64 = (1 << 64) - 1


def run_node(script: str, cases: list) -> list:
    node = shutil.which("node")
    assert node and os.path.isdir(os.path.join(INTEROP, "node_modules", "@solana", "spl-token")), \
        "node and tests/interop/node_modules are installed by `make test`"
    run = subprocess.run([node, script], cwd=INTEROP, input=json.dumps(cases), capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def coption_key(rng, p_some=0.5) -> tuple[bytes, Pubkey | None]:
    if rng.random() < p_some:
        key = rng.randbytes(32)
        return struct.pack("<I", 1) + key, Pubkey.from_bytes(key)
    return struct.pack("<I", 0) + bytes(32), None


def random_amount(rng) -> int:
    return rng.choice([0, 1, U64, rng.randrange(1 << 20), rng.randrange(1 << 64)])


def token_account(rng, program: str) -> bytes:
    delegate, _ = coption_key(rng)
    close, _ = coption_key(rng)
    native = struct.pack("<IQ", 1, random_amount(rng)) if rng.random() < 0.2 else struct.pack("<IQ", 0, 0)
    data = (rng.randbytes(64) + struct.pack("<Q", random_amount(rng)) + delegate + bytes([rng.choice([1, 2])])
            + native + struct.pack("<Q", random_amount(rng)) + close)
    if program == "token2022" and rng.random() < 0.4:  # the account-type byte and an ImmutableOwner extension
        data += bytes([2]) + struct.pack("<HH", 7, 0)
    return data


def transfer_fee(rng) -> bytes:
    bps = rng.choice([0, 1, 50, 100, 9_999, 10_000, rng.randrange(10_001)])
    return struct.pack("<QQH", random_amount(rng), random_amount(rng), bps)


def mint(rng, program: str) -> bytes:
    authority, _ = coption_key(rng)
    freeze, _ = coption_key(rng)
    data = authority + struct.pack("<QBB", random_amount(rng), rng.randrange(20), 1) + freeze
    if program == "token2022" and rng.random() < 0.8:
        data += bytes(165 - 82) + bytes([1])
        if rng.random() < 0.4:  # MintCloseAuthority (type 3) before the fee config
            data += struct.pack("<HH", 3, 32) + rng.randbytes(32)
        fee = rng.randbytes(64) + struct.pack("<Q", random_amount(rng)) + transfer_fee(rng) + transfer_fee(rng)
        data += struct.pack("<HH", 1, 108) + fee
    return data


def ours_account(data: bytes, program: str) -> dict:
    try:
        a = dex.decode_token_account(data, dex.TOKEN_2022_PROGRAM_ID if program == "token2022" else dex.TOKEN_PROGRAM_ID)
    except mevlib.LayoutError:
        return {"error": True}
    key = lambda k: str(k) if k is not None else None
    return {"mint": str(a.mint), "owner": str(a.owner), "amount": str(a.amount), "delegate": key(a.delegate),
            "delegatedAmount": str(a.delegated_amount), "frozen": a.state == 2,
            "native": str(a.native_reserve) if a.native_reserve is not None else None,
            "closeAuthority": key(a.close_authority)}


def ours_mint(data: bytes, program: str, epoch: int, amounts: list) -> dict:
    try:
        m = dex.decode_mint(data, dex.TOKEN_2022_PROGRAM_ID if program == "token2022" else dex.TOKEN_PROGRAM_ID)
    except mevlib.LayoutError:
        return {"error": True}
    key = lambda k: str(k) if k is not None else None
    fee = None
    if m.newer_fee is not None:
        f = lambda t: {"epoch": str(t.epoch), "maximumFee": str(t.maximum_fee), "bps": t.basis_points}
        fee = {"withheld": str(m.withheld_amount), "older": f(m.older_fee), "newer": f(m.newer_fee),
               "fees": [str(m.transfer_fee(epoch).fee_of(a)) for a in amounts]}
    return {"mintAuthority": key(m.mint_authority), "supply": str(m.supply), "decimals": m.decimals,
            "freezeAuthority": key(m.freeze_authority), "transferFee": fee}


@pytest.mark.parametrize("program", ["token", "token2022"])
def test_token_layouts_and_fees_equal_spl_token(program):
    rng = random.Random(2024 + len(program))
    cases = []
    for _ in range(1500):
        cases.append({"kind": "account", "program": program, "data": token_account(rng, program)})
        epoch = rng.choice([0, 5, 10, rng.randrange(1 << 64)])
        cases.append({"kind": "mint", "program": program, "data": mint(rng, program), "epoch": epoch,
                      "amounts": [random_amount(rng) for _ in range(8)]})
    # malformed ones both must refuse: a byte too short; an uninitialized account the SDK parses
    # (isInitialized false) is no account to trade with, and mevlib refuses it
    broken = token_account(rng, program)[:-1]
    cases.append({"kind": "account", "program": program, "data": broken})
    uninit = bytearray(token_account(rng, program))
    uninit[108] = 0
    cases.append({"kind": "account", "program": program, "data": bytes(uninit)})
    # integers as strings: JSON numbers past 2^53 would lose digits in JavaScript
    sdk = run_node("spl_token_check.mjs", [{**c, "data": base64.b64encode(c["data"]).decode(),
                                            "epoch": str(c.get("epoch", 0)), "amounts": [str(a) for a in c.get("amounts", [])]}
                                           for c in cases])
    refused = 0
    for case, theirs in zip(cases, sdk):
        if case["kind"] == "account":
            ours = ours_account(case["data"], program)
        else:
            ours = ours_mint(case["data"], program, case["epoch"], case["amounts"])
        if "error" in theirs or "error" in ours:
            refused += 1
            assert "error" in theirs and "error" in ours, (case, ours, theirs)
            continue
        assert ours == theirs, (case, ours, theirs)
    assert refused == 2  # only the two broken ones
    fees = sum(1 for c, t in zip(cases, sdk) if c["kind"] == "mint" and t.get("transferFee"))
    assert fees > (500 if program == "token2022" else -1)


def cpmm_pool(creator_fee_on: int, enable_creator_fee: bool):
    from mevlib.dex import raydium_cpmm

    data = bytearray(bytes([247, 237, 227, 245, 215, 195, 222, 70]) + bytes(629))
    data[389], data[390] = creator_fee_on, int(enable_creator_fee)
    return raydium_cpmm.Pool(bytes(data))


def program_exact_in_creator_on_input(case) -> tuple[int, int]:
    """raydium-cp-swap's swap_base_input with the creator fee on the input, written out from
    curve/calculator.rs and curve/fees.rs: one fee at trade + creator rate, rounded up."""
    amount, rin, rout, tr, cr = (int(case[k]) for k in ("amount", "rin", "rout", "tr", "cr"))
    total = (amount * (tr + cr) + 1_000_000 - 1) // 1_000_000
    less = amount - total
    return amount, less * rout // (rin + less)


def test_raydium_cpmm_quotes_equal_the_sdk():
    """mevlib's CPMM quotes against raydium-sdk-v2's CurveCalculator on random reserves, amounts
    and fee rates, both directions of creator fee. Where the SDK and the program differ (exact-in
    with the creator fee on the input: the program rounds the trade and creator fees up together,
    then splits; the SDK rounds each up), mevlib follows the program (raydium-cp-swap
    curve/calculator.rs), and the test counts the cases instead of comparing."""
    from mevlib.dex import raydium_cpmm

    rng = random.Random(77)
    cases, ours = [], []
    for i in range(4000):
        exact_in = i % 2 == 0
        rin, rout = rng.randrange(1, 1 << 64), rng.randrange(2, 1 << 64)
        tr = rng.choice([0, 100, 2500, 10_000, 40_000, rng.randrange(300_000)])
        cr = rng.choice([0, 0, 500, rng.randrange(200_000)])
        pr, fr = rng.randrange(1_000_001), rng.randrange(1_000_001)
        on_input = rng.random() < 0.5
        amount = rng.randrange(1, 1 << 64) if exact_in else rng.randrange(1, max(2, rout // rng.choice([2, 10, 1000, 10**6])))
        pool = cpmm_pool(0 if on_input else 1, True)  # OnlyToken0 + one-for-zero: the creator fee on the output
        config = raydium_cpmm.Config(trade_fee_rate=tr, protocol_fee_rate=pr, fund_fee_rate=fr, creator_fee_rate=cr)
        try:
            got = mevlib._dex.cpmm_quote(pool, config, False, rin, rout, amount, exact_in)
        except (mevlib.MathOverflowError, mevlib.InvalidArgumentError):
            got = None
        cases.append({"exactIn": exact_in, "amount": str(amount), "rin": str(rin), "rout": str(rout), "tr": str(tr),
                      "cr": str(cr), "pr": str(pr), "fr": str(fr), "onInput": on_input})
        ours.append(got)
    sdk = run_node("cpmm_check.mjs", cases)
    compared = differing = 0
    for case, got, theirs in zip(cases, ours, sdk):
        if got is None or "error" in theirs:
            continue  # past u64 or an empty pool: the program fails too (checked elsewhere)
        if int(theirs["amountIn"]) > U64 or int(theirs["amountOut"]) > U64:
            continue
        mine = {"amountIn": str(got[0]), "amountOut": str(got[1]), "tradeFee": str(got[2]), "protocolFee": str(got[3]),
                "fundFee": str(got[4]), "creatorFee": str(got[5])}
        if case["exactIn"] and case["onInput"] and case["cr"] != "0":
            differing += mine != theirs
            assert got[:2] == program_exact_in_creator_on_input(case), case  # the program's own arithmetic
            continue
        compared += 1
        assert mine == theirs, (case, mine, theirs)
    assert compared > 2500
    print(f"\nCPMM: {compared} quotes equal the SDK's; {differing} exact-in quotes with the creator fee on the "
          "input differ, where the SDK does not follow the program")


def test_raydium_cpmm_swap_instructions_equal_the_sdk():
    """Our swap instructions against raydium-sdk-v2's makeSwapCpmmBaseIn/OutInstruction: the same
    program, account metas (key, signer, writable) in the same order, and the same data bytes."""
    from solders.keypair import Keypair

    from mevlib.dex import raydium_cpmm

    rng = random.Random(5)
    cases, ours = [], []
    for i in range(300):
        data = bytearray(bytes([247, 237, 227, 245, 215, 195, 222, 70]) + bytes(629))
        data[8:328] = rng.randbytes(320)  # the ten keys
        pool = raydium_cpmm.Pool(bytes(data))
        f = {k: Pubkey.from_bytes(v) for k, v in pool.fields.items() if isinstance(v, bytes)}
        address, payer, user_in, user_out = (Keypair().pubkey() for _ in range(4))
        zero_for_one, exact_in = rng.random() < 0.5, rng.random() < 0.5
        amount, threshold = rng.randrange(1 << 64), rng.randrange(1 << 64)
        ix = raydium_cpmm.swap_instruction(address, pool, payer, user_in, user_out, zero_for_one, amount, threshold,
                                           exact_in=exact_in)
        ours.append({"program": str(ix.program_id), "data": bytes(ix.data).hex(),
                     "keys": [[str(m.pubkey), m.is_signer, m.is_writable] for m in ix.accounts]})
        a, b = ("0", "1") if zero_for_one else ("1", "0")
        keys = [raydium_cpmm.PROGRAM_ID, payer, raydium_cpmm.authority(), f["amm_config"], address, user_in, user_out,
                f[f"token_{a}_vault"], f[f"token_{b}_vault"], f[f"token_{a}_program"], f[f"token_{b}_program"],
                f[f"token_{a}_mint"], f[f"token_{b}_mint"], f["observation"]]
        # the SDK's arguments in the instruction's data order
        first, second = (amount, threshold) if exact_in else (threshold, amount)
        cases.append({"exactIn": exact_in, "keys": [str(k) for k in keys], "amount": str(first), "threshold": str(second)})
    assert run_node("cpmm_ix_check.mjs", cases) == ours
    patches = raydium_cpmm.swap_patches(2, exact_in=True)
    assert patches["amount_in"] == mevlib.Patch(2, 8, "u64") and patches["minimum_out"] == mevlib.Patch(2, 16, "u64")
