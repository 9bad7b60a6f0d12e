"""mevlib: the fast path of a Solana searcher's bot, with a C core."""
from mevlib.errors import (
    ClosedError,
    CryptoError,
    InvalidArgumentError,
    InvalidTypeError,
    KeyMaterialError,
    MalformedMessageError,
    MevError,
    MevMemoryError,
    MevOSError,
    MissingSignerError,
    PatchError,
    TransactionTooLargeError,
)
from mevlib.signer import Patch, Signer, TxTemplate

__version__ = "0.1.0"

__all__ = [
    "ClosedError",
    "CryptoError",
    "InvalidArgumentError",
    "InvalidTypeError",
    "KeyMaterialError",
    "MalformedMessageError",
    "MevError",
    "MevMemoryError",
    "MevOSError",
    "MissingSignerError",
    "Patch",
    "PatchError",
    "Signer",
    "TransactionTooLargeError",
    "TxTemplate",
]
