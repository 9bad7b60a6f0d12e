"""The arbitrage finder (csrc/dex/graph.h): pools keyed by mint, updated in place from pool deltas;
after each update, the best two- or three-hop cycle through the updated pool that starts and ends at
a profit mint, with its input and each hop's exact output, after every pool's fees.

    finder = Finder.load(rpc, pool_addresses, profit_mints=[WSOL])   # pools, vaults, configs
    ...
    pool = finder.on_account(update.pubkey, update.data, update.write_version)  # a feed delta
    cycle = finder.best_cycle(pool, max_in=10**9) if pool else None
    if cycle and cycle.profit > costs:
        ixs = finder.swap_instructions(cycle, payer)        # one swap per hop, minimum outs set

Given to the engine (Engine(finder=...)), every delta of a pool or vault the finder tracks reaches
it before any strategy hook, and hooks read it as `ctx.finder`.

The profit is in the start mint's units and counts the pools' fees only: the transaction fee and
tip are the caller's (the engine's pricer sets the tip against it). The graph is the programs' exact
quotes (mevlib.dex.raydium_amm_v4, raydium_cpmm, pump_amm, whirlpool, raydium_clmm, meteora_dlmm),
so the returned outputs are what the pools give at the state it was told. Raydium CLMM and DLMM
fees move with time (their dynamic and variable fees): they are quoted at the finder's clock
(time.time unless given) when the pool's state last changed. A DLMM pair that opens at a slot is
taken as open unless the finder is given a `slot_clock`.
"""
from __future__ import annotations

import time
from functools import partial
from typing import NamedTuple

from solders.pubkey import Pubkey

from mevlib import _dex
from mevlib.dex import (associated_token_address, decode_mint, decode_token_account, meteora_dlmm, pump_amm,
                        raydium_amm_v4, raydium_clmm, raydium_cpmm, whirlpool)
from mevlib.errors import InvalidArgumentError, MevError


class Hop(NamedTuple):
    pool: Pubkey
    mint_in: Pubkey
    mint_out: Pubkey
    amount_out: int   # exact, at the reserves given: the swap's minimum out


class Cycle(NamedTuple):
    start_mint: Pubkey
    amount_in: int
    profit: int       # last output − amount_in, after every pool's fees
    slack: int        # 0: the best over every input; else at most this below it (rounding; see graph.h)
    hops: list        # [Hop]
    considered: int   # cycles through the updated pool that were looked at


class _Pool:
    """A pool as the finder keeps it: its decoded account(s) and its vaults' balances."""
    __slots__ = ("address", "id", "kind", "mint_a", "mint_b", "ends", "vault_a", "vault_b", "balances", "state",
                 "write_versions")

    def __init__(self, address, kind, mint_a, mint_b, vault_a, vault_b, state, balances):
        self.address, self.id, self.kind = address, None, kind
        self.mint_a, self.mint_b, self.vault_a, self.vault_b = mint_a, mint_b, vault_a, vault_b
        self.state, self.balances, self.write_versions = state, list(balances), {}

    def edge(self, now: int, slot: int):
        """(kind, reserve_a, reserve_b, params) at the current balances (and block time and slot)."""
        va, vb = self.balances
        if self.kind == _dex.EDGE_AMM_V4:
            pool = self.state
            f = pool.fields
            return (*pool.reserves(va, vb), (f["swap_fee_numerator"], f["swap_fee_denominator"]))
        if self.kind == _dex.EDGE_CPMM:
            pool, config = self.state
            f, c = pool.fields, config.fields
            on = f["creator_fee_on"]  # 0 both tokens (on the input), 1 only token 0, 2 only token 1
            on_input = (on in (0, 1)) | (on in (0, 2)) << 1  # bit 0: zero-for-one; bit 1: one-for-zero
            return (*pool.reserves(va, vb),
                    (c["trade_fee_rate"], c["creator_fee_rate"] if f["enable_creator_fee"] else 0, on_input))
        if self.kind == _dex.EDGE_WHIRLPOOL:  # its price and liquidity are in the pool and tick arrays
            pool, arrays, oracle = self.state
            return (0, 0, (_dex.WhirlpoolState(pool, arrays.values(), oracle, now),))
        if self.kind == _dex.EDGE_RAYDIUM_CLMM:
            pool, config, arrays, extension = self.state
            return (0, 0, (_dex.RaydiumClmmState(pool, config, arrays.values(), extension, now),))
        if self.kind == _dex.EDGE_DLMM:
            pair, arrays, extension = self.state
            return (0, 0, (_dex.DlmmState(pair, arrays.values(), extension, now, slot),))
        market = self.state
        return (va, vb, (*market.fees(va, vb), 1, market.pool.virtual_quote_reserves))


class Finder:
    def __init__(self, profit_mints, *, max_pools: int = 1 << 16, max_mints: int = 1 << 16, clock=time.time,
                 slot_clock=None):
        if not profit_mints:
            raise InvalidArgumentError("the finder needs at least one profit mint to count profit in")
        self._clock = clock
        self._slot_clock = slot_clock or (lambda: (1 << 64) - 1)
        self._graph = _dex.Graph(max_pools, max_mints)
        self._mints: list[Pubkey] = []
        self._pools: dict[Pubkey, _Pool] = {}
        self._by_id: list[_Pool] = []
        self._vaults: dict[Pubkey, tuple[_Pool, int]] = {}  # vault -> (its pool, 0 for a / 1 for b)
        self.on_cycle = None  # called with each cycle best_cycle finds (the dashboard's events)
        for mint in profit_mints:
            self._mint(mint, profit=True)

    def _mint(self, mint: Pubkey, profit: bool = False) -> int:
        index = self._graph.mint(bytes(mint), profit)
        if index == len(self._mints):
            self._mints.append(mint)
        return index

    def _add(self, pool: _Pool) -> None:
        if pool.address in self._pools:
            raise InvalidArgumentError(f"pool {pool.address} is in the finder already")
        pool.ends = (self._mint(pool.mint_a), self._mint(pool.mint_b))  # the graph's mint indices
        reserve_a, reserve_b, params = pool.edge(int(self._clock()), int(self._slot_clock()))
        pool.id = self._graph.add(pool.kind, *pool.ends, reserve_a, reserve_b, params)
        self._pools[pool.address] = pool
        self._by_id.append(pool)
        self._vaults[pool.vault_a] = (pool, 0)
        self._vaults[pool.vault_b] = (pool, 1)

    def _place(self, pool: _Pool) -> None:
        reserve_a, reserve_b, params = pool.edge(int(self._clock()), int(self._slot_clock()))
        self._graph.set(pool.id, pool.kind, *pool.ends, reserve_a, reserve_b, params)

    # --- pools: a is the first mint, b the second; vaults are the token accounts' balances --------
    def add_amm_v4(self, address: Pubkey, pool, *, coin_vault: int, pc_vault: int) -> None:
        """A Raydium AMM v4 pool (mevlib.dex.raydium_amm_v4.Pool): a = coin, b = pc."""
        key = lambda name: Pubkey.from_bytes(pool.fields[name])
        self._add(_Pool(address, _dex.EDGE_AMM_V4, key("coin_vault_mint"), key("pc_vault_mint"), key("coin_vault"),
                        key("pc_vault"), pool, (coin_vault, pc_vault)))

    def add_cpmm(self, address: Pubkey, pool, config, *, vault_0: int, vault_1: int) -> None:
        """A Raydium CPMM pool (mevlib.dex.raydium_cpmm.Pool, Config): a = token 0, b = token 1."""
        key = lambda name: Pubkey.from_bytes(pool.fields[name])
        self._add(_Pool(address, _dex.EDGE_CPMM, key("token_0_mint"), key("token_1_mint"), key("token_0_vault"),
                        key("token_1_vault"), (pool, config), (vault_0, vault_1)))

    def add_pump(self, address: Pubkey, market, *, base_vault: int, quote_vault: int) -> None:
        """A Pump.fun AMM pool (mevlib.dex.pump_amm.Market): a = base, b = quote. Its fees are
        chosen again at each update's reserves (they tier by market cap)."""
        key = lambda name: Pubkey.from_bytes(market.pool.fields[name])
        self._add(_Pool(address, _dex.EDGE_PUMP, key("base_mint"), key("quote_mint"), key("pool_base_token_account"),
                        key("pool_quote_token_account"), market, (base_vault, quote_vault)))

    def add_whirlpool(self, address: Pubkey, pool, tick_arrays: dict, *, oracle=None,
                      oracle_address: Pubkey | None = None) -> None:
        """An Orca Whirlpool (mevlib.dex.whirlpool.Pool) with the tick arrays around its price
        ({address: TickArray}, up to 5 consecutive) and, for an adaptive-fee pool, its Oracle:
        a = token A, b = token B. Updates of the pool, those tick arrays or the oracle move it;
        cycles through it are searched over the exact quotes (a golden-section search: the curve's
        model is exact only until the next tick)."""
        key = lambda name: Pubkey.from_bytes(pool.fields[name])
        entry = _Pool(address, _dex.EDGE_WHIRLPOOL, key("token_mint_a"), key("token_mint_b"), key("token_vault_a"),
                      key("token_vault_b"), (pool, dict(tick_arrays), oracle), (0, 0))
        self._add(entry)
        for account in (*tick_arrays, *([oracle_address] if oracle_address else [])):
            self._vaults[account] = (entry, None)

    def add_raydium_clmm(self, address: Pubkey, pool, config, tick_arrays: dict, *, extension=None,
                         extension_address: Pubkey | None = None) -> None:
        """A Raydium CLMM pool (mevlib.dex.raydium_clmm.Pool, Config) with the tick arrays a swap
        walks each way ({address: TickArray}, up to 8; swap_tick_arrays names them) and its bitmap
        extension where the pool needs one: a = token 0, b = token 1. Updates of the pool, those
        tick arrays or the extension move it; cycles through it are searched over the exact quotes."""
        key = lambda name: Pubkey.from_bytes(pool.fields[name])
        entry = _Pool(address, _dex.EDGE_RAYDIUM_CLMM, key("token_mint_0"), key("token_mint_1"), key("token_vault_0"),
                      key("token_vault_1"), (pool, config, dict(tick_arrays), extension), (0, 0))
        self._add(entry)
        for account in (*tick_arrays, *([extension_address] if extension_address else [])):
            self._vaults[account] = (entry, None)

    def add_dlmm(self, address: Pubkey, pair, bin_arrays: dict, *, extension=None,
                 extension_address: Pubkey | None = None) -> None:
        """A Meteora DLMM pair (mevlib.dex.meteora_dlmm.Pair) with the bin arrays a swap walks each
        way ({address: BinArray}, up to 8; swap_bin_arrays names them) and its bitmap extension
        where it needs one: a = token X, b = token Y. Updates of the pair, those bin arrays or the
        extension move it."""
        key = lambda name: Pubkey.from_bytes(pair.fields[name])
        entry = _Pool(address, _dex.EDGE_DLMM, key("token_x_mint"), key("token_y_mint"), key("reserve_x"),
                      key("reserve_y"), (pair, dict(bin_arrays), extension), (0, 0))
        self._add(entry)
        for account in (*bin_arrays, *([extension_address] if extension_address else [])):
            self._vaults[account] = (entry, None)

    @classmethod
    def load(cls, rpc, addresses, profit_mints, *, commitment: str = "confirmed", **sizes) -> "Finder":
        """A finder over the pools at `addresses`, read from the cluster: each pool's account (its
        owner says which program), its vaults, and the configs that price it; for concentrated
        liquidity, the tick or bin arrays a swap walks each way from the price and the bitmap
        extension where there is one."""
        finder = cls(profit_mints, **sizes)
        addresses = [Pubkey.from_string(a) if isinstance(a, str) else a for a in addresses]
        _, accounts = rpc.accounts(addresses, commitment)
        pools, curved = [], []
        for address, acct in zip(addresses, accounts):
            if acct is None:
                raise InvalidArgumentError(f"no pool account {address}")
            if acct.owner == raydium_amm_v4.PROGRAM_ID:
                pool = raydium_amm_v4.Pool(acct.data)
                pools.append((address, "amm_v4", pool, ("coin_vault", "pc_vault"), ()))
            elif acct.owner == raydium_cpmm.PROGRAM_ID:
                pool = raydium_cpmm.Pool(acct.data)
                pools.append((address, "cpmm", pool, ("token_0_vault", "token_1_vault"), ("amm_config",)))
            elif acct.owner == pump_amm.PROGRAM_ID:
                pool = pump_amm.Pool(acct.data)
                pools.append((address, "pump", pool, ("pool_base_token_account", "pool_quote_token_account"),
                              ("base_mint",)))
            elif acct.owner in (whirlpool.PROGRAM_ID, raydium_clmm.PROGRAM_ID, meteora_dlmm.PROGRAM_ID):
                curved.append((address, acct))
            else:
                raise InvalidArgumentError(f"{address} is owned by {acct.owner}: not a pool the finder knows")
        wanted = [Pubkey.from_bytes(p.fields[n]) for _, _, p, vaults, extra in pools for n in (*vaults, *extra)]
        wanted += [pump_amm.GLOBAL_CONFIG, pump_amm.FEE_CONFIG]
        _, extra = rpc.accounts(wanted, commitment)
        got = dict(zip(wanted, extra))
        amount = lambda key: decode_token_account(got[key].data).amount if got.get(key) else 0
        for address, kind, pool, vaults, names in pools:
            va, vb = (amount(Pubkey.from_bytes(pool.fields[n])) for n in vaults)
            if kind == "amm_v4":
                finder.add_amm_v4(address, pool, coin_vault=va, pc_vault=vb)
            elif kind == "cpmm":
                config = got.get(Pubkey.from_bytes(pool.fields["amm_config"]))
                if config is None:
                    raise InvalidArgumentError(f"CPMM pool {address}: no config account")
                finder.add_cpmm(address, pool, raydium_cpmm.Config(config.data), vault_0=va, vault_1=vb)
            else:
                if got.get(pump_amm.GLOBAL_CONFIG) is None:
                    raise InvalidArgumentError("no Pump.fun AMM global config on this cluster")
                fee = got.get(pump_amm.FEE_CONFIG)
                mint = got.get(Pubkey.from_bytes(pool.fields["base_mint"]))
                market = pump_amm.Market(pool, pump_amm.GlobalConfig(got[pump_amm.GLOBAL_CONFIG].data),
                                         pump_amm.FeeConfig(fee.data) if fee is not None and fee.data else None,
                                         decode_mint(mint.data).supply if mint is not None else 0)
                finder.add_pump(address, market, base_vault=va, quote_vault=vb)
        finder._load_curved(rpc, curved, commitment)
        return finder

    def _load_curved(self, rpc, curved, commitment) -> None:
        """Whirlpools, Raydium CLMM pools and DLMM pairs: their configs, oracles and bitmap extensions
        first (which arrays a swap walks depends on them), then the arrays themselves."""
        first = {}
        for address, acct in curved:
            if acct.owner == raydium_clmm.PROGRAM_ID:
                pool = raydium_clmm.Pool(acct.data)
                first[address] = (pool, [Pubkey.from_bytes(pool.fields["amm_config"]),
                                         raydium_clmm.bitmap_extension_address(address)])
            elif acct.owner == meteora_dlmm.PROGRAM_ID:
                first[address] = (meteora_dlmm.Pair(acct.data), [meteora_dlmm.bitmap_extension_address(address)])
            else:  # an adaptive-fee pool's fee needs its oracle
                pool = whirlpool.Pool(acct.data)
                f = pool.fields
                first[address] = (pool, [whirlpool.oracle_address(address)] if f["fee_tier_index"] != f["tick_spacing"]
                                  else [])
        wanted = [k for _, keys in first.values() for k in keys]
        got = dict(zip(wanted, rpc.accounts(wanted, commitment)[1])) if wanted else {}
        plans = []  # (address, {array address: start or index}, decode an array, add the pool given its arrays)
        for address, (pool, keys) in first.items():
            if isinstance(pool, raydium_clmm.Pool):
                config, ext = got.get(keys[0]), got.get(keys[1])
                if config is None:
                    raise InvalidArgumentError(f"Raydium CLMM pool {address}: no config account")
                extension = raydium_clmm.BitmapExtension(ext.data) if ext is not None else None
                starts = {s for way in (True, False) for s in raydium_clmm.swap_tick_arrays(pool, way, 3, extension)}
                plans.append((address, {raydium_clmm.tick_array_address(address, s): s for s in starts},
                              raydium_clmm.TickArray,
                              partial(self.add_raydium_clmm, address, pool, raydium_clmm.Config(config.data),
                                      extension=extension, extension_address=keys[1])))
            elif isinstance(pool, meteora_dlmm.Pair):
                ext = got.get(keys[0])
                extension = meteora_dlmm.BitmapExtension(ext.data) if ext is not None else None
                indexes = {i for way in (True, False) for i in meteora_dlmm.swap_bin_arrays(pool, way, 3, extension)}
                plans.append((address, {meteora_dlmm.bin_array_address(address, i): i for i in indexes},
                              meteora_dlmm.BinArray,
                              partial(self.add_dlmm, address, pool, extension=extension, extension_address=keys[0])))
            else:  # the price's array and two each way
                oracle = got.get(keys[0]) if keys else None
                if keys and oracle is None:
                    raise InvalidArgumentError(f"Whirlpool {address} has an adaptive fee and no oracle account")
                starts = set(whirlpool.swap_tick_arrays(pool, True)) | set(whirlpool.swap_tick_arrays(pool, False))
                plans.append((address, {whirlpool.tick_array_address(address, s): s for s in sorted(starts)},
                              whirlpool.TickArray,
                              partial(self.add_whirlpool, address, pool,
                                      oracle=whirlpool.Oracle(oracle.data) if oracle else None,
                                      oracle_address=keys[0] if keys else None)))
        wanted = [k for plan in plans for k in plan[1]]
        got = dict(zip(wanted, rpc.accounts(wanted, commitment)[1])) if wanted else {}
        for address, arrays, decode, add in plans:
            loaded = {k: decode(got[k].data) for k in arrays if got.get(k) is not None}
            if decode is whirlpool.TickArray:  # an absent tick array is read as empty, as the program reads it
                loaded = {k: loaded.get(k) or whirlpool.TickArray(whirlpool.encode_tick_array(s, {}, address))
                          for k, s in arrays.items()}
            add(loaded)

    # --- deltas ------------------------------------------------------------------------------------
    def pools(self) -> list[Pubkey]:
        return list(self._pools)

    def accounts(self) -> list[Pubkey]:
        """Every account whose updates move a pool: the pools' own and their vaults."""
        return [*self._pools, *self._vaults]

    def pool_of(self, account) -> Pubkey | None:
        """The pool an account (a pool or one of its vaults) belongs to."""
        key = account if isinstance(account, Pubkey) else Pubkey.from_bytes(bytes(account))
        if key in self._pools:
            return key
        hit = self._vaults.get(key)
        return hit[0].address if hit else None

    def on_account(self, account, data: bytes, write_version: int | None = None) -> Pubkey | None:
        """A feed update of a pool or a vault: the pool's edge is rebuilt and its address returned
        (None for an account the finder does not track, or an update older than one it has)."""
        key = account if isinstance(account, Pubkey) else Pubkey.from_bytes(bytes(account))
        pool, side = self._pools.get(key), None
        if pool is None:
            hit = self._vaults.get(key)
            if hit is None:
                return None
            pool, side = hit  # side None: a Whirlpool's tick array
        if write_version is not None:
            if pool.write_versions.get(key, -1) > write_version:
                return None
            pool.write_versions[key] = write_version
        if pool.kind == _dex.EDGE_WHIRLPOOL:
            pool_state, arrays, oracle = pool.state
            if key == pool.address:
                pool.state = (whirlpool.Pool(data), arrays, oracle)
            elif side is None and key in arrays:
                pool.state = (pool_state, {**arrays, key: whirlpool.TickArray(data)}, oracle)
            elif side is None:
                pool.state = (pool_state, arrays, whirlpool.Oracle(data))
            else:
                return None  # a Whirlpool's vault balance does not price it
        elif pool.kind == _dex.EDGE_RAYDIUM_CLMM:
            pool_state, config, arrays, extension = pool.state
            if key == pool.address:
                pool.state = (raydium_clmm.Pool(data), config, arrays, extension)
            elif side is None and key in arrays:
                pool.state = (pool_state, config, {**arrays, key: raydium_clmm.TickArray(data)}, extension)
            elif side is None:
                pool.state = (pool_state, config, arrays, raydium_clmm.BitmapExtension(data))
            else:
                return None  # nor does a CLMM's
        elif pool.kind == _dex.EDGE_DLMM:
            pair, arrays, extension = pool.state
            if key == pool.address:
                pool.state = (meteora_dlmm.Pair(data), arrays, extension)
            elif side is None and key in arrays:
                pool.state = (pair, {**arrays, key: meteora_dlmm.BinArray(data)}, extension)
            elif side is None:
                pool.state = (pair, arrays, meteora_dlmm.BitmapExtension(data))
            else:
                return None  # nor does a DLMM's
        elif side is not None:
            pool.balances[side] = decode_token_account(data).amount
        elif pool.kind == _dex.EDGE_AMM_V4:
            pool.state = raydium_amm_v4.Pool(data)
        elif pool.kind == _dex.EDGE_CPMM:
            pool.state = (raydium_cpmm.Pool(data), pool.state[1])
        else:
            old = pool.state
            pool.state = pump_amm.Market(pump_amm.Pool(data), old.config, old.fee_config, old.base_mint_supply)
        self._place(pool)
        return pool.address

    def update(self, address: Pubkey, vault_a: int, vault_b: int, *, max_in: int, hops: int = 0) -> Cycle | None:
        """The pool's new vault balances (a, b as added), then its best cycle (best_cycle)."""
        pool = self._pools.get(address)
        if pool is None:
            raise InvalidArgumentError(f"pool {address} is not in the finder")
        pool.balances = [vault_a, vault_b]
        self._place(pool)
        return self.best_cycle(address, max_in=max_in, hops=hops)

    def best_cycle(self, address: Pubkey, *, max_in: int, hops: int = 0) -> Cycle | None:
        """The best profitable cycle through the pool with an input of at most `max_in`, of two
        and three hops (or `hops` 2 or 3 only), or None."""
        pool = self._pools.get(address)
        if pool is None:
            raise InvalidArgumentError(f"pool {address} is not in the finder")
        if hops not in (0, 2, 3):
            raise InvalidArgumentError(f"hops is 2, 3 or 0 for both, not {hops}")
        considered, found = self._graph.best_cycle(pool.id, max_in, hops)
        if found is None:
            return None
        start, amount_in, profit, slack, path = found
        out, mint = [], self._mints[start]
        for pool_id, a_to_b, amount_out in path:
            entry = self._by_id[pool_id]
            mint_out = entry.mint_b if a_to_b else entry.mint_a
            out.append(Hop(entry.address, mint, mint_out, amount_out))
            mint = mint_out
        cycle = Cycle(self._mints[start], amount_in, profit, slack, out, considered)
        if self.on_cycle is not None:
            self.on_cycle(cycle)
        return cycle

    KIND_NAMES = {_dex.EDGE_AMM_V4: "amm_v4", _dex.EDGE_CPMM: "cpmm", _dex.EDGE_PUMP: "pump",
                  _dex.EDGE_WHIRLPOOL: "whirlpool", _dex.EDGE_RAYDIUM_CLMM: "clmm", _dex.EDGE_DLMM: "dlmm"}

    def describe(self, address: Pubkey) -> tuple[str, Pubkey, Pubkey]:
        """(kind name, mint a, mint b) of a pool."""
        pool = self._pools[address]
        return self.KIND_NAMES[pool.kind], pool.mint_a, pool.mint_b

    def marginal_rates(self, address: Pubkey, fraction: float = 1e-4) -> tuple[float, float]:
        """What an atom of a buys in b, and an atom of b in a, after the pool's fees: the pool's
        exact quote of a swap of `fraction` of each vault's balance (at least 1,000 atoms), as
        out / in. 0.0 for a side it cannot quote (no liquidity that way, an array missing)."""
        pool = self._pools.get(address)
        if pool is None:
            raise InvalidArgumentError(f"pool {address} is not in the finder")
        reserve_a, reserve_b, params = pool.edge(int(self._clock()), int(self._slot_clock()))
        rates = []
        for a_to_b, balance in ((True, pool.balances[0]), (False, pool.balances[1])):
            amount = max(1000, int(balance * fraction))
            try:
                rates.append(_dex.edge_swap(pool.kind, reserve_a, reserve_b, params, a_to_b, amount) / amount)
            except MevError:
                rates.append(0.0)
        return rates[0], rates[1]

    def pool(self, address: Pubkey):
        """The decoded state the finder holds for a pool: AMM v4 Pool, (CPMM Pool, Config), a Pump
        Market, (Whirlpool, arrays, oracle), (CLMM Pool, Config, arrays, extension) or (DLMM Pair,
        arrays, extension)."""
        return self._pools[address].state

    # --- trading a cycle ---------------------------------------------------------------------------
    def swap_instructions(self, cycle: Cycle, owner: Pubkey, *, user_accounts: dict | None = None) -> list:
        """One exact-in swap per hop: each hop's input is the previous hop's quoted output, and its
        minimum out that quote (a stale state fails the transaction, as it should). User token
        accounts are the owner's associated ones unless `user_accounts` maps a mint to one.
        Returns [(instruction, patch offsets (amount, minimum out) in its data)]."""
        accounts = user_accounts or {}
        user = lambda mint: accounts.get(mint) or associated_token_address(owner, mint)
        out, amount = [], cycle.amount_in
        for hop in cycle.hops:
            out.append(self._swap(self._pools[hop.pool], owner, hop, amount, user))
            amount = hop.amount_out
        return out

    def _swap(self, pool: _Pool, owner, hop: Hop, amount: int, user):
        a_to_b = hop.mint_in == pool.mint_a
        if pool.kind == _dex.EDGE_WHIRLPOOL:
            ix = whirlpool.swap_instruction(pool.address, pool.state[0], owner, user(pool.mint_a), user(pool.mint_b),
                                            a_to_b, amount, hop.amount_out)
            return ix, (8, 16)
        if pool.kind == _dex.EDGE_AMM_V4:
            ix = raydium_amm_v4.swap_instruction(pool.address, pool.state, owner, user(hop.mint_in), user(hop.mint_out),
                                                 amount, hop.amount_out)
            return ix, (1, 9)
        if pool.kind == _dex.EDGE_CPMM:
            ix = raydium_cpmm.swap_instruction(pool.address, pool.state[0], owner, user(hop.mint_in),
                                               user(hop.mint_out), a_to_b, amount, hop.amount_out)
            return ix, (8, 16)
        if pool.kind == _dex.EDGE_RAYDIUM_CLMM:
            state, _, _, extension = pool.state
            starts = raydium_clmm.swap_tick_arrays(state, a_to_b, count=3, extension=extension)
            ix = raydium_clmm.swap_instruction(pool.address, state, owner, user(hop.mint_in), user(hop.mint_out),
                                               a_to_b, amount, hop.amount_out, starts, extension=extension is not None)
            return ix, (8, 16)
        if pool.kind == _dex.EDGE_DLMM:
            pair, _, extension = pool.state
            indexes = meteora_dlmm.swap_bin_arrays(pair, a_to_b, count=3, extension=extension)
            ix = meteora_dlmm.swap_instruction(pool.address, pair, owner, user(hop.mint_in), user(hop.mint_out), a_to_b,
                                               amount, hop.amount_out, indexes, extension=extension is not None)
            return ix, (8, 16)
        market = pool.state
        config = market.config.fields
        recipients = config["reserved_fee_recipients" if market.pool.fields["is_mayhem_mode"] else
                            "protocol_fee_recipients"]
        ix = pump_amm.swap_instruction(pool.address, market.pool, owner, "sell" if a_to_b else "buy_exact_quote",
                                       amount, hop.amount_out, protocol_fee_recipient=Pubkey.from_bytes(recipients[0]),
                                       buyback_fee_recipient=Pubkey.from_bytes(config["buyback_fee_recipients"][0]),
                                       user_base=user(pool.mint_a), user_quote=user(pool.mint_b))
        return ix, (8, 16)

    def table_accounts(self) -> list[Pubkey]:
        """Every account the pools' swaps name that is not the trader's own: what an address
        lookup table should hold so that a cycle's transaction fits in a packet."""
        owner = Pubkey.from_bytes(bytes(32))
        mints = {p.mint_a for p in self._pools.values()} | {p.mint_b for p in self._pools.values()}
        own = {owner} | {associated_token_address(owner, m) for m in mints}
        seen = {}
        for pool in self._pools.values():
            for mint_in, mint_out in ((pool.mint_a, pool.mint_b), (pool.mint_b, pool.mint_a)):
                ix, _ = self._swap(pool, owner, Hop(pool.address, mint_in, mint_out, 0), 0,
                                   lambda mint: associated_token_address(owner, mint))
                for key in (ix.program_id, *(a.pubkey for a in ix.accounts)):
                    if key not in own:
                        seen.setdefault(key, None)
        return list(seen)

    def __len__(self) -> int:
        return len(self._pools)

