"""The arbitrage finder (csrc/dex/graph.h): pools keyed by mint, updated in place from pool deltas;
after each update, the best two- or three-hop cycle through the updated pool that starts and ends at
a profit mint, with its input and each hop's exact output, after every pool's fees.

    finder = Finder(profit_mints=[WSOL])
    finder.add_amm_v4(address, pool, coin_vault=..., pc_vault=...)
    finder.add_cpmm(address, pool, config, vault_0=..., vault_1=...)
    finder.add_pump(address, market, base_vault=..., quote_vault=...)
    cycle = finder.update(address, vault_a, vault_b, max_in=10**9)   # a pool delta
    if cycle and cycle.profit > costs: ... one swap per hop, cycle.hops[i].amount_out as its minimum out

The profit is in the start mint's units and counts the pools' fees only: the transaction fee and
tip are the caller's (the engine's pricer sets the tip against it). The graph is the programs' exact
quotes (mevlib.dex.raydium_amm_v4, raydium_cpmm, pump_amm), so the returned outputs are what the
pools give at the reserves it was told.
"""
from __future__ import annotations

from typing import NamedTuple

from solders.pubkey import Pubkey

from mevlib import _dex
from mevlib.errors import InvalidArgumentError


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
    """What the finder keeps of a pool to rebuild its edge from new vault balances."""
    __slots__ = ("id", "kind", "mint_a", "mint_b", "edge")

    def __init__(self, kind, mint_a, mint_b, edge):
        self.id, self.kind, self.mint_a, self.mint_b, self.edge = None, kind, mint_a, mint_b, edge


class Finder:
    def __init__(self, profit_mints, *, max_pools: int = 1 << 16, max_mints: int = 1 << 16):
        self._graph = _dex.Graph(max_pools, max_mints)
        self._mints: list[Pubkey] = []
        self._index: dict[Pubkey, int] = {}
        self._pools: dict[Pubkey, _Pool] = {}
        self._addresses: list[Pubkey] = []
        for mint in profit_mints:
            self._mint(mint, profit=True)
        if not profit_mints:
            raise InvalidArgumentError("the finder needs at least one profit mint to count profit in")

    def _mint(self, mint: Pubkey, profit: bool = False) -> int:
        index = self._graph.mint(bytes(mint), profit)
        if index == len(self._mints):
            self._mints.append(mint)
            self._index[mint] = index
        return index

    def _add(self, address: Pubkey, kind: int, mint_a: Pubkey, mint_b: Pubkey, edge) -> _Pool:
        if address in self._pools:
            raise InvalidArgumentError(f"pool {address} is in the finder already")
        pool = _Pool(kind, self._mint(mint_a), self._mint(mint_b), edge)
        self._pools[address] = pool
        return pool

    def _place(self, address: Pubkey, pool: _Pool, vault_a: int, vault_b: int) -> int:
        reserve_a, reserve_b, params = pool.edge(vault_a, vault_b)
        if pool.id is None:
            pool.id = self._graph.add(pool.kind, pool.mint_a, pool.mint_b, reserve_a, reserve_b, params)
            self._addresses.append(address)
        else:
            self._graph.set(pool.id, pool.kind, pool.mint_a, pool.mint_b, reserve_a, reserve_b, params)
        return pool.id

    # --- pools: a is the first mint named, b the second; vaults are the token accounts' balances ---
    def add_amm_v4(self, address: Pubkey, pool, *, coin_vault: int, pc_vault: int) -> None:
        """A Raydium AMM v4 pool (mevlib.dex.raydium_amm_v4.Pool): a = coin, b = pc."""
        f = pool.fields

        def edge(coin, pc):
            reserve_coin, reserve_pc = pool.reserves(coin, pc)
            return reserve_coin, reserve_pc, (f["swap_fee_numerator"], f["swap_fee_denominator"])

        entry = self._add(address, _dex.EDGE_AMM_V4, Pubkey.from_bytes(f["coin_vault_mint"]),
                          Pubkey.from_bytes(f["pc_vault_mint"]), edge)
        self._place(address, entry, coin_vault, pc_vault)

    def add_cpmm(self, address: Pubkey, pool, config, *, vault_0: int, vault_1: int) -> None:
        """A Raydium CPMM pool (mevlib.dex.raydium_cpmm.Pool, Config): a = token 0, b = token 1."""
        f, c = pool.fields, config.fields
        creator = c["creator_fee_rate"] if f["enable_creator_fee"] else 0
        on = f["creator_fee_on"]  # 0 both tokens (on the input), 1 only token 0, 2 only token 1
        on_input = (on in (0, 1)) | (on in (0, 2)) << 1  # bit 0: zero-for-one; bit 1: one-for-zero

        def edge(v0, v1):
            r0, r1 = pool.reserves(v0, v1)
            return r0, r1, (c["trade_fee_rate"], creator, on_input)

        entry = self._add(address, _dex.EDGE_CPMM, Pubkey.from_bytes(f["token_0_mint"]),
                          Pubkey.from_bytes(f["token_1_mint"]), edge)
        self._place(address, entry, vault_0, vault_1)

    def add_pump(self, address: Pubkey, market, *, base_vault: int, quote_vault: int) -> None:
        """A Pump.fun AMM pool (mevlib.dex.pump_amm.Market): a = base, b = quote. Its fees are
        chosen again at each update's reserves (they tier by market cap)."""
        f = market.pool.fields

        def edge(base, quote):
            lp, protocol, creator = market.fees(base, quote)
            return base, quote, (lp, protocol, creator, 1, market.pool.virtual_quote_reserves)

        entry = self._add(address, _dex.EDGE_PUMP, Pubkey.from_bytes(f["base_mint"]), Pubkey.from_bytes(f["quote_mint"]),
                          edge)
        self._place(address, entry, base_vault, quote_vault)

    # --- deltas ------------------------------------------------------------------------------------
    def update(self, address: Pubkey, vault_a: int, vault_b: int, *, max_in: int) -> Cycle | None:
        """The pool's new vault balances (a, b as added); returns the best profitable cycle through
        it with an input of at most `max_in`, or None."""
        pool = self._pools.get(address)
        if pool is None:
            raise InvalidArgumentError(f"pool {address} is not in the finder")
        self._place(address, pool, vault_a, vault_b)
        return self.best_cycle(address, max_in=max_in)

    def best_cycle(self, address: Pubkey, *, max_in: int) -> Cycle | None:
        pool = self._pools.get(address)
        if pool is None:
            raise InvalidArgumentError(f"pool {address} is not in the finder")
        considered, found = self._graph.best_cycle(pool.id, max_in)
        if found is None:
            return None
        start, amount_in, profit, slack, hops = found
        out, mint = [], self._mints[start]
        for pool_id, a_to_b, amount_out in hops:
            entry = self._pools[self._addresses[pool_id]]
            mint_out = self._mints[entry.mint_b if a_to_b else entry.mint_a]
            out.append(Hop(self._addresses[pool_id], mint, mint_out, amount_out))
            mint = mint_out
        return Cycle(self._mints[start], amount_in, profit, slack, out, considered)

    def __len__(self) -> int:
        return len(self._pools)
