"""Backrun: a large swap knocks one pool off the price the others agree on; trade right behind it
to push that pool back, and value what was bought at the others' price. The trade that moves a
constant-product pool to a target price p keeps its product k: A goes to sqrt(k / p).

Run it on the local cluster:  .venv/bin/python examples/backrun.py --seconds 30
"""
import math
import sys

from common import Pools, require_sim_market, swap_template, tip_ladder

from mevlib.engine import Intent
from mevlib.sender import DURABLE_NONCE
from mevlib.sim.market import POOL_PROGRAM


def backrun(a, b, fee_bps, p_ref):
    """(A in, profit in A) for moving pool (a, b) to price p_ref (B per A) by selling A into it;
    zero when the pool is not above p_ref (buying A would need B we do not hold)."""
    g = 1 - fee_bps / 1e4
    target_a = math.sqrt(a * b / p_ref)
    if target_a <= a:
        return 0, 0.0
    x = (target_a - a) / g
    b_out = b * g * x / (a + g * x)
    return int(x), b_out / p_ref - x


class Backrun:
    name = "backrun"

    def __init__(self, template, min_move: float = 0.01, min_profit: float = 50_000):
        self.template, self.min_move, self.min_profit = template, min_move, min_profit
        self.pools = Pools()
        self.last_slot = -1

    def on_delta(self, update, ctx):
        if not self.pools.update(update):
            return None
        others = [s for k, s in ((k, self.pools.get(k)) for k in self.pools.state) if k != update.pubkey]
        if not others or ctx.slot <= self.last_slot:
            return None
        a, b, fee = self.pools.get(update.pubkey)
        p_ref = math.exp(sum(math.log(y / x) for x, y, _ in others) / len(others))
        if abs(b / a / p_ref - 1) < self.min_move:
            return None
        amount, profit = backrun(a, b, fee, p_ref)
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
    return Backrun(swap_template(ctx.payer, ctx.vault, durable_nonce=True), min_profit=min_profit)


if __name__ == "__main__":
    from mevlib.demo import main

    sys.exit(main(["--strategy", __file__, *sys.argv[1:]]))
