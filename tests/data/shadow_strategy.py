"""A strategy for the run tests: on every slot a small transfer with three tip variants that
share a durable nonce when the config has nonce accounts, else one transaction."""
from solders.hash import Hash
from solders.message import MessageV0
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer

import mevlib
from mevlib.engine import Intent
from mevlib.jito import TIP_ACCOUNTS, tip_patches
from mevlib.sender import REVERT_PROTECTED


class EverySlot:
    def __init__(self, template, lamports):
        self.template, self.lamports, self.last = template, lamports, -1

    def on_slot(self, update, ctx):
        if update.slot <= self.last:
            return None
        self.last = update.slot
        return Intent(self.template, {"amount": self.lamports}, value=1e6, tips=[10_000, 11_000, 12_000],
                      exclusive=REVERT_PROTECTED, label="shadow-test")

    def register(self, engine):
        engine.on_slot(self.on_slot)


def make(ctx, to: str, lamports: int = 1_000):
    payer = ctx.payer.pubkey()
    ixs = [transfer(TransferParams(from_pubkey=payer, to_pubkey=Pubkey.from_string(to), lamports=1)),
           transfer(TransferParams(from_pubkey=payer, to_pubkey=TIP_ACCOUNTS[0], lamports=1_000))]
    msg = MessageV0.try_compile(payer, ixs, [], Hash.default())
    tpl = mevlib.TxTemplate(msg, ctx.payer, {"amount": mevlib.Patch.transfer_lamports(0), **tip_patches(msg, 1)})
    return EverySlot(tpl, lamports)
