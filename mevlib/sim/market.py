"""The local cluster's market: tokens and pools as mainnet has them. SPL mints and token accounts;
Raydium AMM v4, Raydium CPMM and Pump.fun AMM pools, and concentrated liquidity on Orca Whirlpool,
Raydium CLMM and Meteora DLMM (positions around the price, their tick and bin arrays), all in their
programs' own account layouts (mevlib.dex encodes them), owned by their program ids and written
into the cluster's accounts at genesis. Noise traders swap with the programs' real swap instructions, which the cluster applies
(mevlib.sim.dex); a whale now and then knocks one pool off the others' price (what arbitrage lives
on), and another searcher sometimes closes the gaps first. Every change reaches the cluster's write
listeners, and through them the Geyser plugin's C core (mevlib.sim.plugin), like any account write.
"""
from __future__ import annotations

import hashlib
import math
import random
import struct
import threading
import time

from solders.account import Account
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.pubkey import Pubkey
from solders.transaction import VersionedTransaction

from mevlib import dex
from mevlib.dex import meteora_dlmm, pump_amm, raydium_amm_v4, raydium_clmm, raydium_cpmm, whirlpool
from mevlib.errors import MevError

WSOL = pump_amm.WSOL_MINT
TOKEN_RENT = 2_039_280   # a 165-byte token account's rent-exempt balance
MINT_RENT = 1_461_600    # an 82-byte mint's


def _key(*parts) -> Pubkey:
    return Pubkey.from_bytes(hashlib.sha256("/".join(map(str, parts)).encode()).digest())


CURVED = ("whirlpool", "raydium_clmm", "dlmm")  # pools priced by their curve, not their vaults


class Market:
    """The pools: TOKA/WSOL on all six programs (two-pool arbitrage between any two of them),
    TOKB/WSOL on AMM v4 and TOKA/TOKB on CPMM (a triangle through WSOL). `run` trades until stopped."""

    def __init__(self, cluster, *, seed: int = 0, depth: int = 2_000 * 10**9, shock_share: float = 0.02,
                 shock_size: float = 0.03, others_arb: float = 0.01):
        self.cluster, self.rng = cluster, random.Random(seed)
        self.seed, self.depth = seed, depth
        self.shock_share, self.shock_size, self.others_arb = shock_share, shock_size, others_arb
        self.swaps = self.shocks = self.closed = self.failed = 0
        self.trader = Keypair.from_seed(hashlib.sha256(f"trader-{seed}".encode()).digest())
        self.mints = {"WSOL": WSOL, "TOKA": _key("mint", seed, "TOKA"), "TOKB": _key("mint", seed, "TOKB")}
        self.decimals = {"WSOL": 9, "TOKA": 6, "TOKB": 6}
        self.price = {"WSOL": 1.0, "TOKA": 150.0 / 1e3, "TOKB": 2.0 / 1e3}  # WSOL per raw unit, ×1e-3 scale
        self.pools = {}   # address -> (kind, name, mint_a, mint_b, vault_a, vault_b)
        self._genesis()

    # --- genesis --------------------------------------------------------------------------------
    def _set(self, key: Pubkey, data: bytes, owner: Pubkey, lamports: int):
        self.cluster.genesis_account(key, Account(lamports, data, owner))

    def token_account(self, owner: Pubkey, mint: Pubkey, amount: int, key: Pubkey | None = None) -> Pubkey:
        """A token account of `owner` (its associated address unless `key`) holding `amount`."""
        key = key or dex.associated_token_address(owner, mint)
        self._set(key, dex.encode_token_account(mint, owner, amount), dex.TOKEN_PROGRAM_ID, TOKEN_RENT)
        return key

    def _reserves(self, a: str, b: str, depth_wsol: int) -> tuple[int, int]:
        value = depth_wsol  # each side worth this many lamports
        return int(value / self.price[a]) if a != "WSOL" else value, int(value / self.price[b]) if b != "WSOL" else value

    def _genesis(self):
        for name, mint in self.mints.items():
            self._set(mint, dex.encode_mint(10**18, self.decimals[name], Pubkey.default()), dex.TOKEN_PROGRAM_ID,
                      MINT_RENT)
        self.cluster.airdrop(self.trader.pubkey(), 10**13)  # fees for a long run
        for mint in self.mints.values():
            self.token_account(self.trader.pubkey(), mint, 10**17)
        d = self.depth
        self._amm_v4("TOKA", "WSOL", d)
        self._cpmm("TOKA", "WSOL", d)
        self._pump("TOKA", "WSOL", d)
        self._whirlpool("TOKA", "WSOL", d)
        self._raydium_clmm("TOKA", "WSOL", d)
        self._dlmm("TOKA", "WSOL", d)
        self._amm_v4("TOKB", "WSOL", d)
        self._cpmm("TOKA", "TOKB", d)

    def _vaults(self, address: Pubkey, authority: Pubkey, a: str, b: str, amounts) -> tuple[Pubkey, Pubkey]:
        va, vb = _key("vault", address, a), _key("vault", address, b)
        self.token_account(authority, self.mints[a], amounts[0], va)
        self.token_account(authority, self.mints[b], amounts[1], vb)
        return va, vb

    def _amm_v4(self, a: str, b: str, depth: int):
        address = _key("amm_v4", self.seed, a, b)
        authority = Pubkey.find_program_address([raydium_amm_v4.AUTHORITY_SEED], raydium_amm_v4.PROGRAM_ID)
        va, vb = self._vaults(address, authority[0], a, b, self._reserves(a, b, depth))
        data = raydium_amm_v4.encode(status=6, nonce=authority[1], coin_decimals=self.decimals[a],
                                     pc_decimals=self.decimals[b], trade_fee_numerator=25, trade_fee_denominator=10_000,
                                     swap_fee_numerator=25, swap_fee_denominator=10_000, coin_vault=va, pc_vault=vb,
                                     coin_vault_mint=self.mints[a], pc_vault_mint=self.mints[b],
                                     lp_mint=_key("lp", address), amm_owner=_key("owner"))
        self._set(address, data, raydium_amm_v4.PROGRAM_ID, 6_124_800)
        self.pools[address] = ("amm_v4", f"{a}/{b} AMM v4", self.mints[a], self.mints[b], va, vb)

    def _cpmm(self, a: str, b: str, depth: int):
        address = _key("cpmm", self.seed, a, b)
        config = _key("cpmm-config", self.seed)
        if self.cluster.account(config) is None:
            self._set(config, raydium_cpmm.encode_config(trade_fee_rate=2500, protocol_fee_rate=120_000,
                                                         fund_fee_rate=40_000), raydium_cpmm.PROGRAM_ID, 2_533_440)
        va, vb = self._vaults(address, raydium_cpmm.authority(), a, b, self._reserves(a, b, depth))
        data = raydium_cpmm.encode_pool(amm_config=config, token_0_vault=va, token_1_vault=vb,
                                        token_0_mint=self.mints[a], token_1_mint=self.mints[b],
                                        token_0_program=dex.TOKEN_PROGRAM_ID, token_1_program=dex.TOKEN_PROGRAM_ID,
                                        observation=_key("observation", address), status=0,
                                        mint_0_decimals=self.decimals[a], mint_1_decimals=self.decimals[b])
        self._set(address, data, raydium_cpmm.PROGRAM_ID, 5_324_400)
        self.pools[address] = ("cpmm", f"{a}/{b} CPMM", self.mints[a], self.mints[b], va, vb)

    def _pump(self, base: str, quote: str, depth: int):
        if self.cluster.account(pump_amm.GLOBAL_CONFIG) is None:
            recipient = _key("pump-fees", self.seed)
            self._set(pump_amm.GLOBAL_CONFIG, pump_amm.encode_global_config(
                lp_fee_basis_points=20, protocol_fee_basis_points=5, coin_creator_fee_basis_points=5,
                **{f"protocol_fee_recipient_{i}": recipient for i in range(8)},
                **{f"buyback_fee_recipient_{i}": recipient for i in range(8)}), pump_amm.PROGRAM_ID, 7_496_160)
            self.token_account(recipient, WSOL, 0)
            self.pump_fee_recipient = recipient
        address = _key("pump", self.seed, base, quote)
        creator = _key("coin-creator", address)
        va, vb = self._vaults(address, address, base, quote, self._reserves(base, quote, depth))
        data = pump_amm.encode_pool(creator=_key("pool-creator", address), base_mint=self.mints[base],
                                    quote_mint=self.mints[quote], lp_mint=_key("lp", address),
                                    pool_base_token_account=va, pool_quote_token_account=vb, coin_creator=creator)
        self._set(address, data, pump_amm.PROGRAM_ID, 2_770_560)
        vault_authority = Pubkey.find_program_address([b"creator_vault", bytes(creator)], pump_amm.PROGRAM_ID)[0]
        self.token_account(vault_authority, self.mints[quote], 0)
        self.pools[address] = ("pump", f"{base}/{quote} Pump", self.mints[base], self.mints[quote], va, vb)

    # concentrated liquidity: a wide position over five tick arrays (the price's own and two each
    # side) and a narrow one within about ±5 % (500 ticks), each holding half of `depth` in b
    def _positions(self, a: str, b: str, depth: int, spacing: int, span: int, sqrt_at, tick_at):
        """(tick, sqrt price, {tick: liquidity_net}, liquidity in range, amount of a, amount of b,
        the wide position's (lower, upper) ticks)."""
        sqrt_price = int(math.sqrt(self.price[a] / self.price[b]) * 2**64)
        tick = tick_at(sqrt_price)
        centre, near, half = tick // span * span, tick // spacing * spacing, 500 // spacing * spacing
        ranges = [(centre - 2 * span, centre + 3 * span), (near - half, near + half + spacing)]
        nets, liquidity, amount_a, amount_b = {}, 0, 0, 0
        for lower, upper in ranges:
            sl, su = sqrt_at(lower), sqrt_at(upper)
            size = (depth // 2) * 2**64 // (sqrt_price - sl)  # half the depth of b below the price
            nets[lower] = nets.get(lower, 0) + size
            nets[upper] = nets.get(upper, 0) - size
            liquidity += size
            amount_a += size * (su - sqrt_price) * 2**64 // (sqrt_price * su) + 1
            amount_b += size * (sqrt_price - sl) // 2**64 + 1
        return tick, sqrt_price, nets, liquidity, amount_a, amount_b, ranges[0]

    def _whirlpool(self, a: str, b: str, depth: int):
        """A Whirlpool of tick spacing 64 (a 0.3 % fee tier), static fee."""
        address, spacing = _key("whirlpool", self.seed, a, b), 64
        span = whirlpool.TICKS_PER_ARRAY * spacing
        tick, sqrt_price, nets, liquidity, amount_a, amount_b, (low, high) = self._positions(
            a, b, depth, spacing, span, whirlpool.sqrt_price_at_tick, whirlpool.tick_at_sqrt_price)
        for start in range(low - span, high + span, span):
            slots = {(t - start) // spacing: n for t, n in nets.items() if start <= t < start + span}
            self._set(whirlpool.tick_array_address(address, start),
                      whirlpool.encode_tick_array(start, slots, address), whirlpool.PROGRAM_ID, 70_407_360)
        va, vb = self._vaults(address, address, a, b, (amount_a, amount_b))
        data = whirlpool.encode_pool(tick_spacing=spacing, fee_tier_index=spacing, fee_rate=3000, liquidity=liquidity,
                                     sqrt_price=sqrt_price, tick_current_index=tick, token_mint_a=self.mints[a],
                                     token_vault_a=va, token_mint_b=self.mints[b], token_vault_b=vb)
        self._set(address, data, whirlpool.PROGRAM_ID, 5_435_760)
        self.pools[address] = ("whirlpool", f"{a}/{b} Whirlpool", self.mints[a], self.mints[b], va, vb)

    def _raydium_clmm(self, a: str, b: str, depth: int):
        """A Raydium CLMM pool of tick spacing 60 at a 0.25 % fee (its AmmConfig's), static fee."""
        address, config, spacing = _key("raydium_clmm", self.seed, a, b), _key("clmm-config", self.seed), 60
        span = raydium_clmm.TICKS_PER_ARRAY * spacing
        tick, sqrt_price, nets, liquidity, amount_a, amount_b, (low, high) = self._positions(
            a, b, depth, spacing, span, raydium_clmm.sqrt_price_at_tick, raydium_clmm.tick_at_sqrt_price)
        self._set(config, raydium_clmm.encode_config(trade_fee_rate=2500, protocol_fee_rate=120_000,
                                                     fund_fee_rate=40_000, tick_spacing=spacing),
                  raydium_clmm.PROGRAM_ID, 1_705_200)
        bitmap = [0] * 16
        for start in range(low - span, high + span, span):
            ticks = {(t - start) // spacing: (n, abs(n), 0, 0) for t, n in nets.items() if start <= t < start + span}
            self._set(raydium_clmm.tick_array_address(address, start),
                      raydium_clmm.encode_tick_array(address, start, spacing, ticks), raydium_clmm.PROGRAM_ID,
                      72_161_280)
            bit = start // span + 512
            bitmap[bit // 64] |= 1 << (bit % 64)
        va, vb = self._vaults(address, address, a, b, (amount_a, amount_b))
        data = raydium_clmm.encode_pool(amm_config=config, token_mint_0=self.mints[a], token_mint_1=self.mints[b],
                                        token_vault_0=va, token_vault_1=vb, observation_key=_key("observation", address),
                                        mint_decimals_0=self.decimals[a], mint_decimals_1=self.decimals[b],
                                        tick_spacing=spacing, liquidity=liquidity, sqrt_price_x64=sqrt_price,
                                        tick_current=tick, tick_array_bitmap=bitmap)
        self._set(address, data, raydium_clmm.PROGRAM_ID, 11_637_120)
        self.pools[address] = ("raydium_clmm", f"{a}/{b} Raydium CLMM", self.mints[a], self.mints[b], va, vb)

    def _dlmm(self, a: str, b: str, depth: int):
        """A Meteora DLMM pair of bin step 25 (a 0.25 % base fee, a variable fee on top): `depth`
        of each token spread evenly over the 100 bins each side of the active one (X = a)."""
        address, step, side = _key("dlmm", self.seed, a, b), 25, 100
        active = round(math.log(self.price[a] / self.price[b]) / math.log(1 + step / 10_000))
        bins, amount_a, amount_b = {}, 0, 0
        for bin_id in range(active - side, active + side + 1):
            x = int(depth / self.price[a]) // side if bin_id >= active else 0
            y = int(depth / self.price[b]) // side if bin_id <= active else 0
            if bin_id == active:
                x, y = x // 2, y // 2
            bins[bin_id] = (int(x), int(y))
            amount_a, amount_b = amount_a + int(x), amount_b + int(y)
        bitmap = [0] * 16
        first, last = meteora_dlmm.bin_array_index(active - side), meteora_dlmm.bin_array_index(active + side)
        for index in range(first - 1, last + 2):
            slots = {}
            for slot in range(meteora_dlmm.BINS_PER_ARRAY):
                x, y = bins.get(index * meteora_dlmm.BINS_PER_ARRAY + slot, (0, 0))
                slots[slot] = (x, y, meteora_dlmm.price_of_bin(index * meteora_dlmm.BINS_PER_ARRAY + slot, step), 0, 0, 0)
            self._set(meteora_dlmm.bin_array_address(address, index),
                      meteora_dlmm.encode_bin_array(address, index, slots), meteora_dlmm.PROGRAM_ID, 71_437_440)
            bitmap[(index + 512) // 64] |= 1 << ((index + 512) % 64)
        va, vb = self._vaults(address, address, a, b, (amount_a, amount_b))
        data = meteora_dlmm.encode_pair(
            base_factor=10_000, filter_period=30, decay_period=600, reduction_factor=5000, variable_fee_control=7500,
            max_volatility_accumulator=150_000, protocol_share=500, active_id=active, index_reference=active,
            bin_step=step, min_bin_id=-443636, max_bin_id=443636, token_x_mint=self.mints[a],
            token_y_mint=self.mints[b], reserve_x=va, reserve_y=vb, oracle=_key("oracle", address),
            bin_array_bitmap=bitmap)
        self._set(address, data, meteora_dlmm.PROGRAM_ID, 7_182_720)
        self.pools[address] = ("dlmm", f"{a}/{b} Meteora DLMM", self.mints[a], self.mints[b], va, vb)

    # --- trading --------------------------------------------------------------------------------
    def vaults(self, address: Pubkey) -> tuple[int, int]:
        kind, _, _, _, va, vb = self.pools[address]
        get = self.cluster.account  # under the cluster's lock: the market trades on its own thread
        return (dex.decode_token_account(get(va).data).amount, dex.decode_token_account(get(vb).data).amount)

    def swap_instruction(self, address: Pubkey, owner: Pubkey, a_to_b: bool, amount_in: int, min_out: int = 0):
        """An exact-in swap on pool `address` by `owner` (its associated token accounts)."""
        kind, _, mint_a, mint_b, _, _ = self.pools[address]
        data = self.cluster.account(address).data
        mint_in, mint_out = (mint_a, mint_b) if a_to_b else (mint_b, mint_a)
        user_in = dex.associated_token_address(owner, mint_in)
        user_out = dex.associated_token_address(owner, mint_out)
        if kind == "amm_v4":
            return raydium_amm_v4.swap_instruction(address, raydium_amm_v4.Pool(data), owner, user_in, user_out,
                                                   amount_in, min_out)
        if kind == "cpmm":
            return raydium_cpmm.swap_instruction(address, raydium_cpmm.Pool(data), owner, user_in, user_out, a_to_b,
                                                 amount_in, min_out)
        if kind == "whirlpool":
            user_a, user_b = (user_in, user_out) if a_to_b else (user_out, user_in)
            return whirlpool.swap_instruction(address, whirlpool.Pool(data), owner, user_a, user_b, a_to_b, amount_in,
                                              min_out)
        if kind == "raydium_clmm":
            pool = raydium_clmm.Pool(data)
            return raydium_clmm.swap_instruction(address, pool, owner, user_in, user_out, a_to_b, amount_in, min_out,
                                                 raydium_clmm.swap_tick_arrays(pool, a_to_b))
        if kind == "dlmm":
            pair = meteora_dlmm.Pair(data)
            return meteora_dlmm.swap_instruction(address, pair, owner, user_in, user_out, a_to_b, amount_in, min_out,
                                                 meteora_dlmm.swap_bin_arrays(pair, a_to_b))
        # Pump: base -> quote is a sell; quote -> base a buy with the quote spent
        return pump_amm.swap_instruction(address, pump_amm.Pool(data), owner, "sell" if a_to_b else "buy_exact_quote",
                                         amount_in, min_out, protocol_fee_recipient=self.pump_fee_recipient,
                                         buyback_fee_recipient=self.pump_fee_recipient)

    def trade(self, address: Pubkey, a_to_b: bool, amount_in: int, slot_ms: float) -> bool:
        """A noise trader's swap, applied now (outside the landing model)."""
        ix = self.swap_instruction(address, self.trader.pubkey(), a_to_b, max(1, int(amount_in)))
        self._nonce = getattr(self, "_nonce", 0) + 1  # every message differs
        msg = MessageV0.try_compile(self.trader.pubkey(), [ix], [], Hash(hashlib.sha256(b"%d" % self._nonce).digest()))
        tx = VersionedTransaction(msg, [self.trader])
        ok = self.cluster.apply(tx, slot_ms)
        self.failed += not ok
        return ok

    def mid_price(self, address: Pubkey) -> float:
        """Units of b per unit of a: the vaults' ratio, or a curve's price."""
        kind = self.pools[address][0]
        if kind not in CURVED:
            va, vb = self.vaults(address)
            return vb / va
        return self._curve_price(kind, self.cluster.account(address).data)

    @staticmethod
    def _curve_price(kind: str, data: bytes) -> float:
        if kind == "whirlpool":
            return (whirlpool.Pool(data).fields["sqrt_price"] / 2**64) ** 2
        if kind == "raydium_clmm":
            return (raydium_clmm.Pool(data).fields["sqrt_price_x64"] / 2**64) ** 2
        f = meteora_dlmm.Pair(data).fields
        return meteora_dlmm.price_of_bin(f["active_id"], f["bin_step"]) / 2**64

    def _curve_quoter(self, address: Pubkey, a_to_b: bool):
        """The curve's price after an exact-in swap of an amount, as its program would leave it
        (None where the swap fails), from the accounts read and decoded once; None when an array
        the swap names is not there."""
        kind = self.pools[address][0]
        datas = lambda keys: [getattr(self.cluster.account(k), "data", None) for k in keys]
        data = self.cluster.account(address).data
        clock = self.cluster.svm.get_clock()
        if kind == "whirlpool":
            pool = whirlpool.Pool(data)
            raw = datas([whirlpool.tick_array_address(address, s) for s in whirlpool.swap_tick_arrays(pool, a_to_b)])
            if None in raw:
                return None
            arrays = [whirlpool.TickArray(d) for d in raw]
            price = lambda amount: (whirlpool.quote(pool, arrays, amount, a_to_b=a_to_b).sqrt_price / 2**64) ** 2
        elif kind == "raydium_clmm":
            pool = raydium_clmm.Pool(data)
            starts = raydium_clmm.swap_tick_arrays(pool, a_to_b)
            config_data, *raw = datas([Pubkey.from_bytes(pool.fields["amm_config"]),
                                       *(raydium_clmm.tick_array_address(address, s) for s in starts)])
            if None in raw:
                return None
            config, arrays = raydium_clmm.Config(config_data), [raydium_clmm.TickArray(d) for d in raw]
            price = lambda amount: (raydium_clmm.quote(pool, config, arrays, amount, zero_for_one=a_to_b,
                                                       now=clock.unix_timestamp).sqrt_price / 2**64) ** 2
        else:
            pair = meteora_dlmm.Pair(data)
            raw = datas([meteora_dlmm.bin_array_address(address, i) for i in meteora_dlmm.swap_bin_arrays(pair, a_to_b)])
            if None in raw:
                return None
            arrays = [meteora_dlmm.BinArray(d) for d in raw]
            step = pair.fields["bin_step"]
            price = lambda amount: meteora_dlmm.price_of_bin(
                meteora_dlmm.quote(pair, arrays, amount, swap_for_y=a_to_b, now=clock.unix_timestamp,
                                   slot=clock.slot).active_id, step) / 2**64

        def quote(amount):
            try:
                return price(amount)
            except MevError:
                return None
        return quote

    def _amount_to(self, address: Pubkey, a_to_b: bool, target: float) -> int:
        """The exact-in amount that moves a curve's price to `target` (b per a), by bisection on
        its quotes: the largest that does not pass it."""
        quote = self._curve_quoter(address, a_to_b)
        if quote is None:
            return 0
        va, vb = self.vaults(address)
        lo, hi = 0, 2 * int(vb / target if a_to_b else va * target) + 1  # twice what drains the other side
        passed = (lambda p: p is None or p < target) if a_to_b else (lambda p: p is None or p > target)
        for _ in range(48):
            if hi - lo <= 1:
                break
            mid = (lo + hi) // 2
            if passed(quote(mid)):
                hi = mid
            else:
                lo = mid
        return lo

    def step(self, t_ms: float) -> None:
        address = self.rng.choice(list(self.pools))
        va, vb = self.vaults(address)
        if self.rng.random() < self.shock_share:
            size, self.shocks = self.shock_size, self.shocks + 1  # a whale: several percent of the pool
        else:
            size = 0.0005 * math.exp(self.rng.gauss(0, 1))
        a_to_b = self.rng.random() < 0.5
        self.trade(address, a_to_b, (va if a_to_b else vb) * size, t_ms)
        self.swaps += 1
        if self.rng.random() < self.others_arb:  # opportunities do not wait for us
            self.close_gaps(t_ms)

    def close_gaps(self, t_ms: float) -> None:
        """Another searcher's arbitrage: each TOKA/WSOL and TOKB/WSOL pool swapped back toward the
        market's price, and the TOKA/TOKB pool toward the cross price."""
        for address, (kind, _, mint_a, mint_b, _, _) in self.pools.items():
            va, vb = self.vaults(address)
            name_a = next(n for n, m in self.mints.items() if m == mint_a)
            name_b = next(n for n, m in self.mints.items() if m == mint_b)
            target = self.price[name_a] / self.price[name_b]  # b per a
            if kind in CURVED:
                price = self.mid_price(address)
                if abs(price / target - 1) > 0.001:
                    a_to_b = price > target
                    amount = self._amount_to(address, a_to_b, target)
                    if amount:
                        self.trade(address, a_to_b, amount, t_ms)
                continue
            k = va * vb
            want_a = math.isqrt(int(k / target))
            if want_a > va * 1.001:
                self.trade(address, True, want_a - va, t_ms)
            elif want_a < va * 0.999:
                self.trade(address, False, math.isqrt(int(k * target)) - vb, t_ms)
        self.closed += 1

    def run(self, stop: threading.Event, now_ms, rate: float = 200.0) -> None:
        """Swaps at `rate` per second (Poisson) until `stop` is set; `now_ms()` gives the cluster's time."""
        next_at = time.monotonic()
        while not stop.is_set():
            next_at += self.rng.expovariate(rate)
            delay = next_at - time.monotonic()
            if delay > 0:
                stop.wait(delay)
            self.step(now_ms())


def write_lookup_table(cluster, address: Pubkey, authority: Pubkey, addresses) -> None:
    """An address lookup table holding `addresses`, written at genesis, active from slot 1 (the
    program's state.rs: LookupTableMeta, 56 bytes, then the addresses)."""
    addresses = list(addresses)
    if len(addresses) > 256:
        raise ValueError(f"a lookup table holds 256 addresses, not {len(addresses)}")
    meta = struct.pack("<IQQB", 1, (1 << 64) - 1, 0, 0) + b"\x01" + bytes(authority) + bytes(2)
    data = meta + b"".join(bytes(a) for a in addresses)
    rent = 6_960 * (len(data) + 128)  # lamports per byte-year × 2 years, as the rent sysvar asks
    cluster.genesis_account(address, Account(rent, data, Pubkey.from_string("AddressLookupTab1e1111111111111111111111111")))
