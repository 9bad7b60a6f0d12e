"""Durable nonces: a transaction whose lifetime is a nonce account's stored value instead of a
recent blockhash. It never expires by age, and once one transaction advancing the nonce commits,
every other transaction signed with the same value is dead: tip variants that share one nonce
advance can never both execute (mevlib.sender.DURABLE_NONCE).

The account layout is the System program's nonce state (solana-nonce: `Versions::Current(State)`,
bincode): u32 version (1 = current), u32 state (1 = initialized), the 32-byte authority, the
32-byte durable nonce, u64 lamports per signature; 80 bytes (NONCE_ACCOUNT_LENGTH).
"""
from __future__ import annotations

from typing import NamedTuple

from solders.hash import Hash
from solders.instruction import Instruction
from solders.pubkey import Pubkey
from solders.system_program import AdvanceNonceAccountParams, advance_nonce_account, create_nonce_account

from mevlib.errors import CorruptDataError
from mevlib.transaction import SYSTEM_PROGRAM

NONCE_ACCOUNT_LENGTH = 80


class NonceState(NamedTuple):
    authority: Pubkey
    nonce: Hash                  # what a transaction using this nonce signs as its "recent blockhash"
    lamports_per_signature: int


def parse_nonce_account(data: bytes, owner: Pubkey | None = None) -> NonceState:
    """The state of an initialized nonce account; CorruptDataError for anything else."""
    data = bytes(data)
    if owner is not None and owner != SYSTEM_PROGRAM:
        raise CorruptDataError(f"a nonce account is owned by the System program, not {owner}")
    if len(data) != NONCE_ACCOUNT_LENGTH:
        raise CorruptDataError(f"a nonce account holds {NONCE_ACCOUNT_LENGTH} bytes, not {len(data)}")
    version, state = int.from_bytes(data[0:4], "little"), int.from_bytes(data[4:8], "little")
    if version != 1 or state != 1:
        raise CorruptDataError(f"not an initialized current nonce account (version {version}, state {state})")
    return NonceState(Pubkey.from_bytes(data[8:40]), Hash.from_bytes(data[40:72]),
                      int.from_bytes(data[72:80], "little"))


def create_instructions(payer: Pubkey, nonce_account: Pubkey, authority: Pubkey, lamports: int) -> list[Instruction]:
    """CreateAccount + InitializeNonceAccount (the nonce account's key signs too); `lamports` must
    make it rent-exempt (getMinimumBalanceForRentExemption(80))."""
    return list(create_nonce_account(payer, nonce_account, authority, lamports))


def advance_instruction(nonce_account: Pubkey, authority: Pubkey) -> Instruction:
    """AdvanceNonceAccount: it must be the transaction's first instruction, and the authority signs."""
    return advance_nonce_account(AdvanceNonceAccountParams(nonce_pubkey=nonce_account, authorized_pubkey=authority))


def fetch(rpc, nonce_account: Pubkey, commitment: str = "confirmed") -> NonceState:
    """The nonce's state now, read on `rpc` (a JsonRpcClient)."""
    acct = rpc.account(nonce_account, commitment)
    if acct is None:
        raise CorruptDataError(f"no account {nonce_account}")
    return parse_nonce_account(acct.data, acct.owner)


class Lease(NamedTuple):
    account: Pubkey
    nonce: Hash


class NoncePool:
    """Durable nonce accounts leased one per attempt, so several opportunities can be in flight,
    each with its variants sharing one nonce. A lease ends when its attempt is decided
    (:meth:`release`, off the hot path): the account's value is read again then, because the
    attempt may have advanced it. `authority` signs the advances (the bot's payer, usually)."""

    def __init__(self, rpc, accounts, *, commitment: str = "processed"):
        self.rpc, self.commitment = rpc, commitment
        self._values = {a: fetch(rpc, a, commitment).nonce for a in accounts}  # validated up front
        self._free = list(self._values)
        self._leased: set = set()

    def lease(self) -> Lease | None:
        """A free account and its current value; None when every one is in flight."""
        if not self._free:
            return None
        account = self._free.pop(0)
        self._leased.add(account)
        return Lease(account, self._values[account])

    def release(self, account: Pubkey):
        """Its attempt is decided: read its value again (an advance may have landed) and free it.
        If the read fails the account stays out until the next release call succeeds."""
        if account not in self._leased:
            return
        try:
            self._values[account] = fetch(self.rpc, account, self.commitment).nonce
        except Exception:  # kept out of the pool rather than leased with a value that may be dead
            return
        self._leased.discard(account)
        self._free.append(account)

    @property
    def in_flight(self) -> int:
        return len(self._leased)
