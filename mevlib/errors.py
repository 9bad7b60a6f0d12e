"""Exceptions raised by mevlib.

Every exception is a :class:`MevError` and also the built-in a caller would expect, so both
``except mevlib.MevError`` and ``except ValueError`` work.
"""


class MevError(Exception):
    """Base class of every mevlib error."""


class InvalidArgumentError(MevError, ValueError):
    """An argument is outside its domain (a length, a count, an option)."""


class InvalidTypeError(MevError, TypeError):
    """An argument has the wrong type."""


class KeyMaterialError(MevError, ValueError):
    """Key bytes are malformed or inconsistent, or a key does not belong where it is used."""


class MalformedMessageError(MevError, ValueError):
    """A serialized Solana message does not parse or is inconsistent."""


class TransactionTooLargeError(MevError, ValueError):
    """The signed transaction would exceed the 1232-byte packet limit."""


class MissingSignerError(MevError, ValueError):
    """A signature the message requires has no signer."""


class PatchError(MevError, ValueError):
    """An unknown patch name, a patch point outside its instruction, or a value that does not fit."""


class ClosedError(MevError, ValueError):
    """The object was closed; its secrets are wiped."""


class MevMemoryError(MevError, MemoryError):
    """An allocation failed."""


class MevOSError(MevError, OSError):
    """The operating system refused a resource (a thread, a mapping)."""


class ForkedError(MevError, RuntimeError):
    """An object whose threads stayed in the parent was used in a forked child: make a new one."""


class MissingExtraError(MevError, ImportError):
    """A feature needs a package its extra installs; the message names it
    (``pip install 'mevlib[store]'``)."""


class CryptoError(MevError, RuntimeError):
    """libsodium refused an operation."""


class RecordTooLargeError(MevError, ValueError):
    """A record larger than the ring can ever hold (half its capacity, less the header)."""


class RingMismatchError(MevError, ValueError):
    """A ring segment differs from what the caller expects (kind, record size, dtype, version)."""


class CorruptDataError(MevError, ValueError):
    """Damaged data: a ring segment (or a name that is not a mevlib ring), a saved state."""


class RingRoleError(MevError, RuntimeError):
    """Another live handle already is this ring's producer (or consumer)."""


class SegmentExistsError(MevError, FileExistsError):
    """A shared-memory segment with that name already exists."""


class SegmentPermissionError(MevError, PermissionError):
    """A shared-memory segment owned by another uid, or writable by others, that the caller did
    not say to trust (``attach(name, allow_uid=...)``)."""


class SegmentNotFoundError(MevError, FileNotFoundError):
    """No shared-memory segment has that name."""


class MevTimeoutError(MevError, TimeoutError):
    """A wait ran out of time."""


class WouldBlockError(MevError, BlockingIOError):
    """The ring is full (or empty) right now."""


class InvalidRowError(MevError, ValueError):
    """A row for the store has a missing, unknown or out-of-range field; the message names it."""


class StoreUnavailableError(MevError, ConnectionError):
    """The store's backend failed a statement for a reason that may pass (down, unreachable,
    overloaded): retry later."""


class StoreRejectedError(MevError, ValueError):
    """The store's backend answered and refused a statement or a batch's data: retrying the same
    statement will not help."""


class ConfigError(MevError, ValueError):
    """A bot config (mevlib.run) is wrong: the message names the key, the file and the fix."""


class LayoutError(MevError, ValueError):
    """Account data is not the layout it was decoded as (size, discriminator, a tag); the message
    names the layout."""


class MissingArrayError(InvalidArgumentError):
    """A concentrated-liquidity swap needs a tick or bin array it was not given: `start` is its
    start tick index (Raydium CLMM) or its index (Meteora DLMM)."""

    def __init__(self, message: str, start: int):
        super().__init__(message)
        self.start = start


class MathOverflowError(MevError, OverflowError):
    """A quote's result does not fit its integer type: an error, never a wrapped value."""
