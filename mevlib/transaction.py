"""Facts about a signed transaction that both sides need: what it pays, what identifies it, how it
is kept from executing twice.

- :func:`fee_for_message`: 5,000 lamports per signature plus the priority fee (Agave's fee
  structure: docs.solana.com "Transaction Fees"; the compute budget as solana-compute-budget
  reads it).
- :func:`message_key`: one key per message. The runtime refuses a message it has already
  committed whatever its signature (Agave's status cache is keyed by message hash too), so a
  message re-signed with a fresh nonce is the same transaction: track it by this key.
- :func:`nonce_account_of`: the durable nonce a transaction advances, if any. Variants that
  advance the same nonce from the same value can never both execute.
- :func:`bundle_id`: a Jito bundle's id (jito-solana's derive_bundle_id).
- :func:`error_json`, :func:`error_bincode`: a runtime TransactionError as Agave serializes it.
"""
from __future__ import annotations

import hashlib
import json

from solders.message import to_bytes_versioned
from solders.pubkey import Pubkey
from solders.transaction import VersionedTransaction
from solders.transaction_status import TransactionStatus

from mevlib.errors import MalformedMessageError

SYSTEM_PROGRAM = Pubkey.from_string("11111111111111111111111111111111")
COMPUTE_BUDGET_PROGRAM = Pubkey.from_string("ComputeBudget111111111111111111111111111111")
LAMPORTS_PER_SIGNATURE = 5_000
MAX_PROCESSING_AGE = 150  # slots a blockhash stays usable (Agave's MAX_PROCESSING_AGE)
ADVANCE_NONCE_ACCOUNT = (4).to_bytes(4, "little")  # SystemInstruction::AdvanceNonceAccount (bincode u32 tag)


def compute_budget(msg) -> tuple[int, int]:
    """(compute-unit limit, price in micro-lamports per CU) the message asks for with the Compute
    Budget program's SetComputeUnitLimit (tag 2, u32) and SetComputeUnitPrice (tag 3, u64); the
    default limit is 200,000 per other instruction, at most 1,400,000 (solana-compute-budget)."""
    keys = list(msg.account_keys)
    limit = price = None
    others = 0
    for ix in msg.instructions:
        data = bytes(ix.data)
        if ix.program_id_index < len(keys) and keys[ix.program_id_index] == COMPUTE_BUDGET_PROGRAM:
            if data[:1] == b"\x02" and len(data) == 5:
                limit = int.from_bytes(data[1:5], "little")
            elif data[:1] == b"\x03" and len(data) == 9:
                price = int.from_bytes(data[1:9], "little")
        else:
            others += 1
    if limit is None:
        limit = min(200_000 * others, 1_400_000)
    return min(limit, 1_400_000), price or 0


def fee_for_message(msg) -> int:
    """Lamports the message pays: 5,000 per signature plus the priority fee, price × limit in
    micro-lamports rounded up (precompile signatures are not counted)."""
    limit, price = compute_budget(msg)
    return LAMPORTS_PER_SIGNATURE * msg.header.num_required_signatures + (price * limit + 999_999) // 1_000_000


def parse(wire: bytes) -> VersionedTransaction:
    try:
        return VersionedTransaction.from_bytes(wire)
    except Exception as e:  # solders raises its own error types
        raise MalformedMessageError(f"not a signed transaction: {e}") from None


def message_key(tx: VersionedTransaction) -> bytes:
    return hashlib.sha256(to_bytes_versioned(tx.message)).digest()


def nonce_account_of(msg) -> Pubkey | None:
    """The nonce account a durable-nonce transaction advances: its first instruction is the
    System program's AdvanceNonceAccount (accounts: nonce, RecentBlockhashes sysvar, authority),
    and its "recent blockhash" is the nonce's stored value. None for any other transaction."""
    if not msg.instructions:
        return None
    ix = msg.instructions[0]
    keys = list(msg.account_keys)
    accounts = bytes(ix.accounts)
    if (ix.program_id_index < len(keys) and keys[ix.program_id_index] == SYSTEM_PROGRAM
            and bytes(ix.data) == ADVANCE_NONCE_ACCOUNT and len(accounts) == 3 and accounts[0] < len(keys)):
        return keys[accounts[0]]
    return None


def error_bincode(err) -> bytes:
    """A LiteSVM (solders) TransactionError as bincode, as Geyser and Yellowstone carry it."""
    # a status's bincode: slot u64, confirmations None (1), status Ok (u32), err Some (1) + the
    # error, confirmation_status None (1)
    return bytes(TransactionStatus(0, None, None, err, None))[14:-1]


def error_json(err) -> object:
    """A LiteSVM (solders) TransactionError as Agave serializes it: "AccountNotFound",
    {"InstructionError": [0, {"Custom": 1}]}, ... (solders' serde is Agave's)."""
    return json.loads(TransactionStatus(0, None, None, err, None).to_json())["err"]


def bundle_id(signatures: list[str]) -> str:
    """A bundle's id as the block engine derives it: SHA-256 of the transactions' first signatures,
    base58, joined by commas, in lower-case hex (jito-solana's derive_bundle_id)."""
    return hashlib.sha256(",".join(signatures).encode()).hexdigest()
