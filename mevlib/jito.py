"""Jito tips: the tip accounts, a tip instruction, and the template patches that draw the tip
account per signature.

A tip is a plain SOL transfer to one of the block engine's tip accounts inside the searcher's
own transaction (never through a lookup table). Which of the eight receives it does not matter to
the auction; spreading tips over them at random avoids write-lock contention on one account
(Jito's docs: "Tips", https://docs.jito.wtf/lowlatencytxnsend/#tips).
"""
from __future__ import annotations

import logging
import random
import threading
import time

from solders.instruction import Instruction
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer

from mevlib.errors import InvalidArgumentError
from mevlib.signer import Patch

log = logging.getLogger("mevlib.jito")

# The eight mainnet tip accounts getTipAccounts returns (the fallback until it has answered).
TIP_ACCOUNTS = tuple(
    Pubkey.from_string(s)
    for s in (
        "96gYZGLnJYVFmbjzopPSU6QiEV5fGqZNyN9nmNhvrZU5",
        "HFqU5x63VTqvQss8hp11i4wVV8bD44PvwucfZ2bU7gRe",
        "Cw8CFyM9FkoMi7K7Crf6HNQqf4uEMzpKw6QNghXLvLkY",
        "ADaUMid9yfUytqMBgopwjb2DTLSokTSzL1zt6iGPaS49",
        "DfXygSm4jCyNCybVYYK6DwvWqjKee8pbDmJGcLWNDXjh",
        "ADuUkR4vqLUMWXxW9gh6D6L8pMSawimctcNZ5pGwDcEt",
        "DttWaMuVvTiduZRnguLF7jNxTgiMBZ1hyAumKUiL2KRL",
        "3AVi9Tg9Uo68tJfuvoKvqKNWKkC5wPdSSdeBnizKZ6jT",
    )
)

MIN_TIP_LAMPORTS = 1_000


class TipAccounts:
    """The block engine's tip accounts, fetched with getTipAccounts and refreshed every
    `refresh_s` (by :meth:`refresh`, off the hot path: the engine calls it between turns).
    :meth:`choose` draws one at random. Until the first answer, and whenever the block engine
    fails, the last list known stays in use (at first the published mainnet eight)."""

    def __init__(self, client=None, *, refresh_s: float = 600.0, rng: random.Random | None = None):
        self.client = client  # a mevlib.routes.JsonRpcClient on a block engine, or None: the fixed list
        self.refresh_s = refresh_s
        self.accounts: tuple[Pubkey, ...] = TIP_ACCOUNTS
        self.fetched_at: float | None = None
        self.errors = 0
        self._rng = rng or random.Random()  # which account is no secret: the fast generator will do
        self._lock = threading.Lock()

    def refresh(self, force: bool = False) -> bool:
        """Asks the block engine when the list is due (or `force`); True if it was replaced."""
        if self.client is None:
            return False
        now = time.monotonic()
        if not force and self.fetched_at is not None and now - self.fetched_at < self.refresh_s:
            return False
        try:
            fetched = tuple(Pubkey.from_string(s) for s in self.client.get_tip_accounts())
            if not fetched:
                raise ValueError("an empty list")
        except Exception as e:  # keep tipping to the accounts known: they change rarely, if ever
            self.errors += 1
            self.fetched_at = now - self.refresh_s + min(30.0, self.refresh_s)  # retry in 30 s
            log.warning("getTipAccounts failed (%s); tipping to the %d accounts known", e, len(self.accounts))
            return False
        with self._lock:
            self.accounts, self.fetched_at = fetched, now
        return True

    def choose(self) -> Pubkey:
        return self._rng.choice(self.accounts)


def tip_instruction(payer: Pubkey, lamports: int, tip_account: Pubkey | None = None) -> Instruction:
    """A system transfer of `lamports` from `payer` to a tip account (one of the mainnet eight at
    random when not given). Put it in the same transaction as the trade, so the tip is paid only
    if the trade executes."""
    if lamports < MIN_TIP_LAMPORTS:
        raise InvalidArgumentError(f"a Jito tip is at least {MIN_TIP_LAMPORTS} lamports, not {lamports}")
    to = tip_account if tip_account is not None else random.SystemRandom().choice(TIP_ACCOUNTS)
    return transfer(TransferParams(from_pubkey=payer, to_pubkey=to, lamports=lamports))


def tip_patches(message, tip_ix: int) -> dict:
    """The patches of the tip instruction at `tip_ix` in `message` (a solders Message/MessageV0):
    ``tip`` (its lamports) and ``tip_account`` (its destination key), for a TxTemplate. The engine
    draws the tip account per signature when the template has ``tip_account``."""
    instructions = message.instructions
    if not 0 <= tip_ix < len(instructions):
        raise InvalidArgumentError(f"the message has {len(instructions)} instructions, not {tip_ix + 1}")
    ix = instructions[tip_ix]
    keys = list(message.account_keys)
    data = bytes(ix.data)
    if keys[ix.program_id_index] != Pubkey.default() or len(data) != 12 or data[:4] != b"\x02\0\0\0":
        raise InvalidArgumentError(f"instruction {tip_ix} is not a system transfer")
    return {"tip": Patch.transfer_lamports(tip_ix), "tip_account": Patch.account(bytes(ix.accounts)[1])}
