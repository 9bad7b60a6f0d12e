"""Two-pool arbitrage: when one pool of a pair drifts from another by more than both fees, buy where
it is cheap and sell where it is dear, in one transaction. The arbitrage finder (mevlib.dex.arb)
has every two-pool cycle through the pool that just moved, the optimal input in closed form for
constant-product pools, and each swap's exact output (its minimum out).

Run it on the local cluster:  .venv/bin/python examples/two_pool_arb.py --seconds 30
"""
import sys

from solders.pubkey import Pubkey

from common import CycleArb, require_finder


def make(ctx, min_profit: float = 50_000, max_in: int = 200 * 10**9, pools=None):
    """The factory `mevlib run` calls (mevlib.run.bot.StrategyContext); options come from the
    config's [[strategies]] table. `pools`: the pools to watch (default: every pool of the finder)."""
    require_finder(ctx)
    watched = [Pubkey.from_string(p) for p in pools] if pools else ctx.finder.pools()
    return CycleArb("two_pool_arb", 2, ctx.payer, ctx.lookup_tables, watched, min_profit=min_profit, max_in=max_in)


if __name__ == "__main__":
    from mevlib.demo import main

    sys.exit(main(["--strategy", __file__, *sys.argv[1:]]))
