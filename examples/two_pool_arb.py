"""Two-pool constant-product arbitrage: when one pool's price drifts from the other's by more than
both fees, sell A where it buys the most B and sell that B back on the other pool. The input
that maximises profit has a closed form for two constant-product pools (below).

Run it on the local cluster:  .venv/bin/python examples/two_pool_arb.py --seconds 30
"""
import math
import sys

from common import Pools, require_sim_market, swap_template, tip_ladder

from mevlib.engine import Intent
from mevlib.sender import DURABLE_NONCE
from mevlib.sim.market import POOL_PROGRAM


def best_arb(a1, b1, f1, a2, b2, f2):
    """Sell A on pool 1 for B, sell the B on pool 2 for A: (A in, profit in A). The two pools
    compose into one constant-product curve out(x) = g1 x Eb / (Ea + g1 x); profit out(x) - x is
    largest at x = (sqrt(g1 Ea Eb) - Ea) / g1, and positive only if g1 Eb > Ea."""
    g1, g2 = 1 - f1 / 1e4, 1 - f2 / 1e4
    ea = a1 * b2 / (b2 + g2 * b1)
    eb = g2 * b1 * a2 / (b2 + g2 * b1)
    if g1 * eb <= ea:
        return 0, 0.0
    x = (math.sqrt(g1 * ea * eb) - ea) / g1
    return int(x), g1 * x * eb / (ea + g1 * x) - x


class TwoPoolArb:
    name = "two_pool_arb"

    def __init__(self, template, pool_a: bytes, pool_b: bytes, min_profit: float = 50_000):
        self.template, self.pair, self.min_profit = template, (pool_a, pool_b), min_profit
        self.pools = Pools()
        self.last_slot = -1

    def on_delta(self, update, ctx):
        if not self.pools.update(update) or update.pubkey not in self.pair:
            return None
        p, q = (self.pools.get(k) for k in self.pair)
        if p is None or q is None or ctx.slot <= self.last_slot:  # one shot per slot is enough
            return None
        amount, profit = max(best_arb(*p, *q), best_arb(*q, *p), key=lambda r: r[1])
        if profit < self.min_profit:
            return None
        self.last_slot = ctx.slot
        return Intent(self.template, {"amount": amount}, value=profit, tips=tip_ladder(profit),
                      exclusive=DURABLE_NONCE, label=self.name)

    def register(self, engine):
        engine.on_pool_delta(program=POOL_PROGRAM)(self.on_delta)


def make(ctx, min_profit: float = 50_000):
    """The factory `mevlib run` calls (mevlib.run.bot.StrategyContext); options come from the
    config's [[strategies]] table."""
    require_sim_market(ctx)
    return TwoPoolArb(swap_template(ctx.payer, ctx.vault, durable_nonce=True), bytes(ctx.market.keys[0]),
                      bytes(ctx.market.keys[1]), min_profit=min_profit)


if __name__ == "__main__":
    from mevlib.demo import main

    sys.exit(main(["--strategy", __file__, *sys.argv[1:]]))
