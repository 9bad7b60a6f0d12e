"""Seeded, cached data builders shared by the asv suite and `make bench` (asv_benchmarks/peers.py)."""
import functools

from solders.compute_budget import set_compute_unit_limit, set_compute_unit_price
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import MessageV0, to_bytes_versioned
from solders.system_program import TransferParams, transfer


class Benchmark:
    """Base class of every asv benchmark here (numpy's convention)."""


@functools.lru_cache(maxsize=None)
def signing_case(seed: int = 7):
    """A v0 transfer-with-tip message (compute budget, transfer, tip) and its payer.

    Returns (keypair, MessageV0, message bytes as signed, blockhash).
    """
    payer = Keypair.from_seed(bytes([seed]) * 32)
    recipient = Keypair.from_seed(bytes([seed + 1]) * 32).pubkey()
    tip_account = Keypair.from_seed(bytes([seed + 2]) * 32).pubkey()
    blockhash = Hash(bytes([seed + 3]) * 32)
    ixs = [
        set_compute_unit_limit(10_000),
        set_compute_unit_price(1_000),
        transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=recipient, lamports=1_000_000)),
        transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=tip_account, lamports=10_000)),
    ]
    msg = MessageV0.try_compile(payer.pubkey(), ixs, [], blockhash)
    return payer, msg, to_bytes_versioned(msg), blockhash


TIP_PATCHES = {"tip": (3, 4, "u64"), "cu_price": (1, 1, "u64")}


@functools.lru_cache(maxsize=None)
def leader_keys(n: int, seed: int = 11):
    """n distinct 32-byte leader identities, the same on every run."""
    return tuple(Keypair.from_seed(bytes([seed]) * 24 + i.to_bytes(8, "little")).pubkey().__bytes__()
                 for i in range(n))
