"""Signing: :class:`Signer` (one key) and :class:`TxTemplate` (a message signed many ways).

:class:`Patch` names the instruction-data fields searchers patch most often, so a template reads
``TxTemplate(msg, kp, {"tip": Patch.transfer_lamports(3), "cu_price": Patch.compute_unit_price(1)})``.
"""
from typing import NamedTuple

from mevlib._signer import Signer, TxTemplate, default_threads, pool_thread_ids
from mevlib.errors import PatchError

__all__ = ["Patch", "Signer", "TxTemplate", "default_threads", "pool_thread_ids"]


class Patch(NamedTuple):
    """A little-endian integer field inside one instruction's data."""

    ix: int
    offset: int
    kind: str = "u64"

    @classmethod
    def transfer_lamports(cls, ix: int) -> "Patch":
        """System-program Transfer: ``02 00 00 00`` then u64 lamports (a Jito tip, a payment)."""
        return cls(ix, 4, "u64")

    @classmethod
    def compute_unit_price(cls, ix: int) -> "Patch":
        """ComputeBudget SetComputeUnitPrice: ``03`` then u64 micro-lamports per compute unit."""
        return cls(ix, 1, "u64")

    @classmethod
    def compute_unit_limit(cls, ix: int) -> "Patch":
        """ComputeBudget SetComputeUnitLimit: ``02`` then u32 compute units."""
        return cls(ix, 1, "u32")

    @classmethod
    def account(cls, key_index: int) -> "Patch":
        """The static account key at `key_index` (not a signer), patched with a Pubkey per
        signature: a tip account, a pool. Here `ix` holds the key index."""
        return cls(key_index, 0, "account")

    @classmethod
    def account_of(cls, message, key) -> "Patch":
        """The account patch over `key`'s place in `message` (a solders Message/MessageV0)."""
        keys = list(message.account_keys)
        if key not in keys:
            raise PatchError(f"{key} is not a static account key of the message")
        return cls.account(keys.index(key))
