"""What both example strategies share: the transaction template and the pool bookkeeping.

The local cluster runs no AMM program (see mevlib/sim/market.py), so the swap leg of the
template is a stand-in: a system transfer of the input amount from the payer to the bot's own
vault. It is patched per opportunity (`amount`) exactly as a DEX swap instruction's `amount_in`
would be; in production, build the template from your DEX's swap instruction and point the
`amount` patch at its amount field (Patch(instruction, offset, "u64")).

The tip variants of one opportunity must not all execute: with `durable_nonce=True` the template
starts by advancing a durable nonce (the engine leases one per attempt and patches it in), so the
first variant to commit kills the others on every route, plain RPC included.
"""
from solders.compute_budget import set_compute_unit_limit, set_compute_unit_price
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.system_program import TransferParams, transfer

import mevlib
from mevlib import Patch
from mevlib.jito import TIP_ACCOUNTS, tip_patches
from mevlib.nonce import advance_instruction
from mevlib.sim.market import decode_pool


def swap_template(payer, vault, nonces=0, durable_nonce=False) -> mevlib.TxTemplate:
    """`nonces=N` keeps N precomputed signing nonces (see mevlib.Signer): ~1.6 µs a signature
    instead of ~17 µs on the path from pool delta to shot, but never on a machine whose memory
    can be snapshotted and restored twice. 0 (the default) signs deterministically.
    Patches: amount, tip, tip_account (drawn per signature by the engine), and with
    `durable_nonce` nonce_account (the payer is the nonce authority)."""
    pk = payer.pubkey()
    ixs = [advance_instruction(Keypair().pubkey(), pk)] if durable_nonce else []  # the key is patched per lease
    swap = len(ixs) + 2
    ixs += [
        set_compute_unit_limit(20_000),
        set_compute_unit_price(1_000),
        transfer(TransferParams(from_pubkey=pk, to_pubkey=vault, lamports=1)),       # the swap leg
        transfer(TransferParams(from_pubkey=pk, to_pubkey=TIP_ACCOUNTS[0], lamports=1_000)),  # the tip
    ]
    msg = MessageV0.try_compile(pk, ixs, [], Hash.default())
    patches = {"amount": Patch.transfer_lamports(swap), **tip_patches(msg, swap + 1)}
    if durable_nonce:
        patches["nonce_account"] = Patch.account(bytes(msg.instructions[0].accounts)[0])
    return mevlib.TxTemplate(msg, payer, patches, nonces=nonces)


def require_sim_market(ctx):
    """These examples trade the simulator's stand-in pools (mevlib/sim/market.py): they run with
    `mevlib run --cluster sim`. On a real cluster, bring a strategy for a real DEX."""
    if ctx.market is None or ctx.vault is None:
        raise mevlib.ConfigError("the example strategies trade the simulator's market: run them with --cluster sim")


class Pools:
    """The latest state of each watched pool: (reserve_a, reserve_b, fee_bps) by pubkey."""

    def __init__(self):
        self.state = {}

    def update(self, u) -> bool:
        """Takes an AccountUpdate; False if it is not a pool account or is older than what we have."""
        pool = decode_pool(u.data)
        if pool is None:
            return False
        seen = self.state.get(u.pubkey)
        if seen is not None and seen[0] > u.write_version:
            return False
        self.state[u.pubkey] = (u.write_version, *pool)
        return True

    def get(self, key):
        s = self.state.get(key)
        return s[1:] if s else None


def tip_ladder(profit: float, ladder=(15_000, 25_000, 40_000), max_share: float = 0.5) -> list[int]:
    """One tip per shot of the W, scaled down when the profit cannot bear the ladder."""
    scale = min(1.0, max_share * profit / ladder[-1])
    return [max(1_000, int(t * scale)) for t in ladder]
