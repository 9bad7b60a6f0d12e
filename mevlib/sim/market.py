"""The local cluster's market: tokens and pools as mainnet has them. SPL mints and token accounts,
and Raydium AMM v4, Raydium CPMM and Pump.fun AMM pools in their programs' own account layouts
(mevlib.dex encodes them), owned by their program ids and written into the cluster's accounts at
genesis. Noise traders swap with the programs' real swap instructions, which the cluster applies
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
from mevlib.dex import pump_amm, raydium_amm_v4, raydium_cpmm

WSOL = pump_amm.WSOL_MINT
TOKEN_RENT = 2_039_280   # a 165-byte token account's rent-exempt balance
MINT_RENT = 1_461_600    # an 82-byte mint's


def _key(*parts) -> Pubkey:
    return Pubkey.from_bytes(hashlib.sha256("/".join(map(str, parts)).encode()).digest())


class Market:
    """The pools: TOKA/WSOL on all three programs (two-pool arbitrage between any two of them),
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
        """Units of b per unit of a."""
        va, vb = self.vaults(address)
        return vb / va

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
