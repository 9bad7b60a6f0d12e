"""Triangular arbitrage: three pools whose prices do not multiply to one (WSOL → TOKA → TOKB →
WSOL pays more than it costs), traded round in one transaction. The arbitrage finder (mevlib.dex.arb)
searches every three-hop cycle through the pool that just moved that starts and ends at a profit
mint, with the optimal input and each swap's exact output.

Run it on the local cluster:  .venv/bin/python examples/triangular.py --seconds 30
"""
import sys

from solders.pubkey import Pubkey

from common import CycleArb, require_finder


def make(ctx, min_profit: float = 50_000, max_in: int = 200 * 10**9, pools=None):
    """The factory `mevlib run` calls; `pools`: the pools to watch (default: every pool of the finder)."""
    require_finder(ctx)
    watched = [Pubkey.from_string(p) for p in pools] if pools else ctx.finder.pools()
    return CycleArb("triangular", 3, ctx.payer, ctx.lookup_tables, watched, min_profit=min_profit, max_in=max_in)


if __name__ == "__main__":
    from mevlib.demo import main

    sys.exit(main(["--strategy", __file__, *sys.argv[1:]]))
