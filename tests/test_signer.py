"""mevlib.Signer: RFC 8032 vectors, cross-checks against pynacl and solders, key handling."""
import copy
import os
import json
import pathlib
import pickle

import nacl.signing
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from solders.keypair import Keypair

import mevlib

VECTORS = json.loads((pathlib.Path(__file__).parent / "data" / "rfc8032_ed25519.json").read_text())[
    "vectors"
]
EXPANDED, DETACHED = 0, 1


@pytest.mark.parametrize("v", VECTORS, ids=[v["name"] for v in VECTORS])
@pytest.mark.parametrize("method", [EXPANDED, DETACHED])
def test_rfc8032_vectors(v, method):
    with mevlib.Signer(bytes.fromhex(v["seed"])) as s:
        assert s.pubkey_bytes.hex() == v["public"]
        assert s._sign_with(bytes.fromhex(v["message"]), method).hex() == v["signature"]


@settings(max_examples=300, deadline=None)
@given(seed=st.binary(min_size=32, max_size=32), message=st.binary(max_size=1300))
def test_matches_pynacl_and_solders(seed, message):
    s = mevlib.Signer(seed)
    want = nacl.signing.SigningKey(seed).sign(message).signature
    assert s.sign(message) == want
    assert s._sign_with(message, DETACHED) == want
    assert s.sign(message) == bytes(Keypair.from_seed(seed).sign_message(message))


@pytest.mark.parametrize("wrap", [bytes, bytearray, memoryview, lambda b: np.frombuffer(b, np.uint8)])
def test_any_bytes_like_message(wrap):
    kp = Keypair()
    msg = b"\x01" * 200
    assert mevlib.Signer(kp).sign(wrap(msg)) == bytes(kp.sign_message(msg))


def test_constructors_agree(tmp_path):
    kp = Keypair()
    path = tmp_path / "id.json"
    path.write_text(json.dumps(list(bytes(kp))))
    signers = [
        mevlib.Signer(kp),
        mevlib.Signer(bytes(kp)),
        mevlib.Signer(kp.secret()),
        mevlib.Signer(str(path)),
        mevlib.Signer(path),
        mevlib.Signer.from_file(path),
    ]
    assert {s.pubkey for s in signers} == {kp.pubkey()}
    assert len({s.sign(b"x") for s in signers}) == 1


def test_secret_never_shown_or_serialised():
    kp = Keypair()
    s = mevlib.Signer(kp)
    text = repr(s) + str(s)
    assert str(kp.pubkey()) in text
    for secret in (kp.secret(), bytes(kp)):
        assert secret.hex() not in text and str(list(secret)) not in text
    for attempt in (lambda: pickle.dumps(s), lambda: copy.copy(s), lambda: copy.deepcopy(s)):
        with pytest.raises(TypeError):
            attempt()


def test_close_wipes_and_refuses():
    s = mevlib.Signer(Keypair())
    s.sign(b"ok")
    s.close()
    assert s.closed and "closed" in repr(s)
    with pytest.raises(mevlib.ClosedError) as e:
        s.sign(b"after close")
    assert isinstance(e.value, ValueError)
    s.close()  # twice is fine


@pytest.mark.parametrize(
    "key, error, builtin",
    [
        (b"\x00" * 31, mevlib.KeyMaterialError, ValueError),
        (b"\x00" * 33, mevlib.KeyMaterialError, ValueError),
        (b"", mevlib.KeyMaterialError, ValueError),
        (None, mevlib.InvalidTypeError, TypeError),
        (12345, mevlib.InvalidTypeError, TypeError),
    ],
)
def test_bad_keys(key, error, builtin):
    with pytest.raises(error) as e:
        mevlib.Signer(key)
    assert isinstance(e.value, builtin) and isinstance(e.value, mevlib.MevError)


def test_keypair_halves_must_agree():
    kp = bytearray(bytes(Keypair()))
    kp[40] ^= 1
    with pytest.raises(mevlib.KeyMaterialError):
        mevlib.Signer(bytes(kp))


@pytest.mark.parametrize(
    "content",
    ["not json", "[1, 2, 3]", json.dumps([256] * 64), json.dumps({"a": 1}), json.dumps(["x"] * 64)],
)
def test_bad_keygen_files(tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(mevlib.KeyMaterialError):
        mevlib.Signer(path)


def test_missing_keygen_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        mevlib.Signer(tmp_path / "absent.json")


def test_bad_messages():
    s = mevlib.Signer(Keypair())
    for bad in ("text", None, 3.5, [1, 2]):
        with pytest.raises(mevlib.InvalidTypeError):
            s.sign(bad)


def test_precomputed_nonces_verify_and_never_repeat():
    kp = Keypair()
    verify = nacl.signing.VerifyKey(bytes(kp.pubkey()))
    with mevlib.Signer(kp, nonces=32) as signer:
        assert signer.nonce_stats() == {"served": 0, "missed": 0, "available": 32}
        sigs = [signer.sign(b"same message") for _ in range(200)]
        for sig in sigs:
            verify.verify(b"same message", sig)
        stats = signer.nonce_stats()
        assert stats["served"] + stats["missed"] == 200 and stats["served"] >= 32
        # a served nonce is never served again; a dry pool falls back to RFC 8032's signature
        deterministic = mevlib.Signer(kp).sign(b"same message")
        assert sum(s == deterministic for s in sigs) == stats["missed"]
        assert len(set(sigs)) == stats["served"] + (stats["missed"] > 0)


def test_nonce_pool_is_empty_in_a_forked_child():
    """Parent and child must never sign with the same nonce: the child's copy is wiped."""
    import os

    kp = Keypair()
    deterministic = mevlib.Signer(kp).sign(b"m")
    signer = mevlib.Signer(kp, nonces=16)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        ok = signer.nonce_stats()["available"] == 0 and signer.sign(b"m") == deterministic
        os.write(write, b"1" if ok else b"0")
        os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 1) == b"1"
    assert signer.sign(b"m") != deterministic  # the parent's pool is intact
    signer.close()


@pytest.mark.parametrize("nonces", [1, -1, 2**21, 2.0, True, "8"])
def test_bad_nonce_counts(nonces):
    with pytest.raises(mevlib.InvalidArgumentError) as e:
        mevlib.Signer(Keypair(), nonces=nonces)
    assert isinstance(e.value, ValueError)


DUMPABLE_CHECK = """
import ctypes, gc, mevlib
from solders.keypair import Keypair
dumpable = lambda: ctypes.CDLL(None).prctl(3, 0, 0, 0, 0)  # PR_GET_DUMPABLE
seen = [dumpable()]
a, b = mevlib.Signer(Keypair()), mevlib.Signer(Keypair())
seen.append(dumpable())
a.close()
seen.append(dumpable())  # b still holds a key
del b
gc.collect()
seen.append(dumpable())  # restored when the last key is wiped
print(seen)
"""


def test_not_dumpable_while_a_key_is_open():
    """In a fresh process: other tests' keys may still be alive in this one."""
    import subprocess
    import sys

    for opt_out, want in ((None, "[1, 0, 0, 1]"), ("1", "[1, 1, 1, 1]")):
        env = {k: v for k, v in os.environ.items() if k != "MEVLIB_ALLOW_CORE_DUMPS"}
        if opt_out:
            env["MEVLIB_ALLOW_CORE_DUMPS"] = opt_out
        out = subprocess.run([sys.executable, "-c", DUMPABLE_CHECK], capture_output=True, text=True,
                             env=env, check=True).stdout.strip()
        assert out == want
