"""A small on-chain market for the local cluster: constant-product pools of one pair whose prices
wander as noise traders swap, with now and then a large swap that knocks one pool off the
others' price (what arbitrage and backrun strategies live on). Every pool change is published
the way a validator would: through the kafka-delta plugin's C core (mevlib.sim.plugin), into
its ring:// or Kafka sink.

Pool accounts use this module's layout (752 bytes, like a Raydium AMM account):
    0   8  b"MEVPOOL\\0"
    8   8  reserve of A (u64, lamports)      16  8  reserve of B (u64, token units)
    24  2  fee in basis points (u16)         26 32  mint of B
The local cluster runs no AMM program: only these accounts' updates exist, and strategies'
swap legs are stand-ins (see examples/).
"""
from __future__ import annotations

import hashlib
import math
import random
import struct
import threading
import time

from solders.pubkey import Pubkey

POOL_PROGRAM = Pubkey.from_bytes(hashlib.sha256(b"mevlib-demo-amm").digest())
MINT_B = Pubkey.from_bytes(hashlib.sha256(b"mevlib-demo-mint").digest())
POOL_SIZE = 752
MAGIC = b"MEVPOOL\0"
_HEAD = struct.Struct("<8sQQH32s")


def encode_pool(reserve_a: int, reserve_b: int, fee_bps: int) -> bytes:
    return _HEAD.pack(MAGIC, reserve_a, reserve_b, fee_bps, bytes(MINT_B)).ljust(POOL_SIZE, b"\0")


def decode_pool(data: bytes) -> tuple[int, int, int] | None:
    """(reserve_a, reserve_b, fee_bps), or None if `data` is not a pool account."""
    if len(data) < _HEAD.size or data[:8] != MAGIC:
        return None
    _, a, b, fee, _ = _HEAD.unpack_from(data)
    return a, b, fee


class Market:
    """`pools` pools of the A/B pair. `step()` applies one swap to one pool and publishes the
    pool's account through `publish(pubkey, owner, lamports, data, slot, write_version)`."""

    def __init__(self, publish, *, pools: int = 2, seed: int = 0, price: float = 150.0,
                 depth_a: int = 20_000 * 10**9, shock_share: float = 0.02, shock_size: float = 0.04,
                 others_arb: float = 0.05):
        self.publish = publish
        self.rng = random.Random(seed)
        self.keys = [Pubkey.from_bytes(hashlib.sha256(f"pool-{seed}-{i}".encode()).digest()) for i in range(pools)]
        fees = [25, 30, 5, 100]
        # reserves: A in lamports, B so that B/A is the price in B units per lamport (x 1e9)
        self.reserves = {k: [depth_a, int(depth_a * price / 1e9 * 1e6)] for k in self.keys}
        self.fees = {k: fees[i % len(fees)] for i, k in enumerate(self.keys)}
        self.shock_share, self.shock_size, self.others_arb = shock_share, shock_size, others_arb
        self.write_version = 0
        self.swaps = self.shocks = self.closed = 0

    def price(self, key) -> float:
        a, b = self.reserves[key]
        return b / a

    def swap(self, key, a_in: int) -> None:
        """A noise trader's swap on pool `key`: a_in > 0 sells A for B, a_in < 0 buys A with B."""
        a, b = self.reserves[key]
        g = 1 - self.fees[key] / 10_000
        if a_in > 0:
            out_b = int(b * g * a_in / (a + g * a_in))
            self.reserves[key] = [a + a_in, b - out_b]
        else:
            want_a = min(-a_in, a // 2)
            b_in = int(b * want_a / (g * (a - want_a))) + 1
            self.reserves[key] = [a - want_a, b + b_in]

    def close_gaps(self) -> list:
        """Another searcher's arbitrage: every pool back to the pools' common (geometric mean)
        price, each keeping its constant product. Returns the pools that moved."""
        mean = math.exp(sum(math.log(self.price(k)) for k in self.keys) / len(self.keys))
        for k in self.keys:
            a, b = self.reserves[k]
            self.reserves[k] = [int(math.sqrt(a * b / mean)), int(math.sqrt(a * b * mean))]
        self.closed += 1
        return list(self.keys)

    def step(self, slot: int) -> None:
        if self.rng.random() < self.others_arb:  # opportunities do not wait for us
            for key in self.close_gaps():
                self._publish(key, slot)
            return
        key = self.rng.choice(self.keys)
        a = self.reserves[key][0]
        if self.rng.random() < self.shock_share:
            size = self.shock_size * a   # a whale: moves this pool's price by several percent
            self.shocks += 1
        else:
            size = a * 0.0005 * math.exp(self.rng.gauss(0, 1))
        self.swap(key, int(size if self.rng.random() < 0.5 else -size))
        self.swaps += 1
        self._publish(key, slot)

    def _publish(self, key, slot: int) -> None:
        self.write_version += 1
        ra, rb = self.reserves[key]
        self.publish(bytes(key), bytes(POOL_PROGRAM), 6_124_800, encode_pool(ra, rb, self.fees[key]), slot,
                     self.write_version)

    def run(self, stop: threading.Event, slot_of, rate: float = 200.0) -> None:
        """Swaps at `rate` per second (Poisson) until `stop` is set; `slot_of()` gives the slot."""
        next_at = time.monotonic()
        while not stop.is_set():
            next_at += self.rng.expovariate(rate)
            delay = next_at - time.monotonic()
            if delay > 0:
                stop.wait(delay)
            self.step(slot_of())
