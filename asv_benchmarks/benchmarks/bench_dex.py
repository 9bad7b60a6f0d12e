"""The DEX layer: pool decoding (one and a batch), vectorised constant-product quotes,
concentrated-liquidity quotes crossing ticks and bins, and the arbitrage finder's delta → best
cycle on a 10,000-pool market."""
import numpy as np

from mevlib.dex import meteora_dlmm, raydium_amm_v4, raydium_clmm, whirlpool

from .common import Benchmark, amm_v4_accounts, dex_market, dlmm_market, raydium_clmm_market, whirlpool_market


class Decode(Benchmark):
    def setup(self):
        self.accounts = list(amm_v4_accounts(10_000))

    def time_decode_many_10k(self):
        raydium_amm_v4.decode_many(self.accounts)

    def time_decode_one(self):
        raydium_amm_v4.Pool(self.accounts[0])


class Quote(Benchmark):
    def setup(self):
        rng = np.random.default_rng(1)
        self.r_in = rng.integers(10**9, 10**15, 100_000, dtype=np.uint64)
        self.r_out = rng.integers(10**9, 10**15, 100_000, dtype=np.uint64)
        self.amounts = rng.integers(1, 10**9, 100_000, dtype=np.uint64)

    def time_quote_many_100k(self):
        raydium_amm_v4.quote_many(self.r_in, self.r_out, self.amounts)


class CurveQuote(Benchmark):
    """One exact-in quote crossing about ten ticks (Whirlpool, Raydium CLMM) or bins (DLMM)."""

    def setup(self):
        self.whirlpool = whirlpool_market()[:3]
        self.raydium = raydium_clmm_market()[:4]
        self.dlmm = dlmm_market()[:3]

    def time_whirlpool(self):
        pool, arrays, amount = self.whirlpool
        whirlpool.quote(pool, arrays, amount, a_to_b=True)

    def time_raydium_clmm(self):
        pool, config, arrays, amount = self.raydium
        raydium_clmm.quote(pool, config, arrays, amount, zero_for_one=True, now=1)

    def time_dlmm(self):
        pair, arrays, amount = self.dlmm
        meteora_dlmm.quote(pair, arrays, amount, swap_for_y=True, now=1)


class Finder(Benchmark):
    def setup(self):
        self.finder, self.pools = dex_market(10_000)
        self.k = 0

    def time_delta_to_best_cycle(self):
        address, va, vb = self.pools[self.k % len(self.pools)]
        self.k += 7
        self.finder.update(address, va, vb * 101 // 100, max_in=10**12)
        self.finder.update(address, va, vb, max_in=1)
