"""What the example strategies share: a cycle's transaction template, and the tip ladder.

A cycle (mevlib.dex.arb) is traded in one transaction: a durable nonce advance (so the tip variants
of one opportunity cannot all execute: the first to commit kills the others on every route),
compute budget, one swap instruction per hop (the DEX program's own, built by the finder), and the
tip. Each hop's amount in and minimum out are patch points ("in0", "min0", "in1", ...), so an
opportunity is signed in microseconds; a template is made once per path of pools and kept. The
message is compiled against the lookup tables the bot was given (a cycle through a Pump.fun pool
names too many accounts for one packet without one).
"""
from solders.compute_budget import set_compute_unit_limit, set_compute_unit_price
from solders.keypair import Keypair
from solders.system_program import TransferParams, transfer

import mevlib
from mevlib import Patch, alt
from mevlib.engine import Intent
from mevlib.jito import TIP_ACCOUNTS, tip_patches
from mevlib.nonce import advance_instruction
from mevlib.sender import DURABLE_NONCE

COMPUTE_PER_HOP = 150_000


class CycleTemplates:
    """Templates by path of pools: `intent(finder, cycle, label)` is the Intent that trades it."""

    def __init__(self, payer, lookup_tables=(), nonces: int = 0):
        """`nonces=N` keeps N precomputed signing nonces per template (see mevlib.Signer)."""
        self.payer, self.tables, self.nonces = payer, list(lookup_tables), nonces
        self.templates = {}

    def _build(self, finder, cycle) -> mevlib.TxTemplate:
        pk = self.payer.pubkey()
        nonce_key = Keypair().pubkey()  # a stand-in key: the engine patches in the leased nonce account
        swaps = finder.swap_instructions(cycle, pk)
        ixs = [advance_instruction(nonce_key, pk), set_compute_unit_limit(COMPUTE_PER_HOP * len(swaps)),
               set_compute_unit_price(1_000), *(ix for ix, _ in swaps),
               transfer(TransferParams(from_pubkey=pk, to_pubkey=TIP_ACCOUNTS[0], lamports=1_000))]
        msg = alt.compile_message(pk, ixs, self.tables, static=[nonce_key])
        patches = {**tip_patches(msg, len(ixs) - 1),
                   "nonce_account": Patch.account_of(msg, nonce_key)}
        for i, (_, (amount_at, min_at)) in enumerate(swaps):
            patches[f"in{i}"], patches[f"min{i}"] = Patch(3 + i, amount_at, "u64"), Patch(3 + i, min_at, "u64")
        return mevlib.TxTemplate(msg, self.payer, patches, nonces=self.nonces)

    def intent(self, finder, cycle, label: str) -> Intent:
        """Each hop spends what the one before it was quoted to give. The pools move between the
        quote and the slot the transaction lands in, so the minimum outs leave room: the last swap
        must give back the input and half the expected profit; one before it may give up to a
        tenth of the profit's worth less than quoted (the next swap then spends its planned amount,
        the difference from the bot's inventory of that token)."""
        key = tuple((hop.pool, hop.mint_in) for hop in cycle.hops)
        template = self.templates.get(key)
        if template is None:
            template = self.templates[key] = self._build(finder, cycle)
        patches, amount, last = {}, cycle.amount_in, len(cycle.hops) - 1
        for i, hop in enumerate(cycle.hops):
            patches[f"in{i}"] = amount
            if i < last:  # a tenth of the profit, in this token's units at the quote's rate
                patches[f"min{i}"] = hop.amount_out - hop.amount_out * cycle.profit // (10 * cycle.amount_in)
            else:
                patches[f"min{i}"] = cycle.amount_in + cycle.profit // 2
            amount = hop.amount_out
        return Intent(template, patches, value=cycle.profit, tips=tip_ladder(cycle.profit), exclusive=DURABLE_NONCE,
                      label=label)


class CycleArb:
    """On every update of a pool it watches (the engine applied it to `ctx.finder` first): the best
    cycle of `hops` hops through it, traded when the profit clears `min_profit` (lamports), at most
    one a slot."""

    def __init__(self, name: str, hops: int, payer, lookup_tables, pools, *, min_profit: float, max_in: int):
        self.name, self.hops, self.min_profit, self.max_in = name, hops, min_profit, max_in
        self.pools = set(pools)
        self.templates = CycleTemplates(payer, lookup_tables)
        self.last_slot = -1

    def on_delta(self, update, ctx):
        pool = ctx.finder.pool_of(update.pubkey)
        if pool not in self.pools or ctx.slot <= self.last_slot:
            return None
        cycle = ctx.finder.best_cycle(pool, max_in=self.max_in, hops=self.hops)
        if cycle is None or cycle.profit < self.min_profit:
            return None
        self.last_slot = ctx.slot
        return self.templates.intent(ctx.finder, cycle, self.name)

    def register(self, engine):
        engine.on_pool_delta(accounts=engine.finder.accounts())(self.on_delta)


def require_finder(ctx):
    """These examples trade the pools of the bot's arbitrage finder: the config's [dex] pools, or
    with `--cluster sim` the simulator's market."""
    if ctx.finder is None:
        raise mevlib.ConfigError("the example strategies need pools: list them in [dex] pools, or run --cluster sim")


def tip_ladder(profit: float, ladder=(15_000, 25_000, 40_000), max_share: float = 0.5) -> list[int]:
    """One tip per shot of the W, scaled down when the profit cannot bear the ladder."""
    scale = min(1.0, max_share * profit / ladder[-1])
    return [max(1_000, int(t * scale)) for t in ladder]
