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
    MevTimeoutError,
    PatchError,
    RecordTooLargeError,
    CorruptDataError,
    RingMismatchError,
    RingRoleError,
    SegmentExistsError,
    SegmentNotFoundError,
    TransactionTooLargeError,
    WouldBlockError,
)
from mevlib.landing import PhaseKalman, RouteBandit
from mevlib.ring import RecordRing, Ring
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
    "MevTimeoutError",
    "MissingSignerError",
    "Patch",
    "PatchError",
    "PhaseKalman",
    "RecordRing",
    "RecordTooLargeError",
    "Ring",
    "CorruptDataError",
    "RingMismatchError",
    "RingRoleError",
    "RouteBandit",
    "SegmentExistsError",
    "SegmentNotFoundError",
    "Signer",
    "TransactionTooLargeError",
    "TxTemplate",
    "WouldBlockError",
]
