"""Address lookup tables: create, extend, fetch, resolve, and templates compiled against them.

The program's instructions are bincode of its `ProgramInstruction` enum (a u32 tag): CreateLookupTable
{recent_slot u64, bump_seed u8} = 0, ExtendLookupTable {new_addresses: Vec<Pubkey>} = 2
(solana-address-lookup-table-interface; accounts as its `create_lookup_table` and
`extend_lookup_table` list them). The table's account is a 56-byte LookupTableMeta followed by the
addresses (LOOKUP_TABLE_META_SIZE); solders decodes it. An address added in a slot can be looked
up from the next slot on.

Tip accounts stay out of lookups: block engines find the tip among a transaction's static keys
(Jito: "do not use address lookup tables for the tip accounts"), so :func:`compile_message`
keeps them static whatever the tables hold."""
from __future__ import annotations


from solders.address_lookup_table_account import (ID as ALT_PROGRAM, AddressLookupTable,
                                                  AddressLookupTableAccount, derive_lookup_table_address)
from solders.hash import Hash
from solders.instruction import AccountMeta, Instruction
from solders.message import MessageV0
from solders.pubkey import Pubkey

from mevlib.errors import CorruptDataError, InvalidArgumentError
from mevlib.transaction import SYSTEM_PROGRAM

MAX_ADDRESSES = 256
EXTEND_CHUNK = 20  # addresses per extend transaction: 20 × 32 bytes keeps it well inside 1232


def create_instruction(authority: Pubkey, payer: Pubkey, recent_slot: int) -> tuple[Instruction, Pubkey]:
    """(CreateLookupTable, the table's address). `recent_slot` must be in the cluster's SlotHashes
    (a slot of the last ~512: getSlot at "finalized" is safe)."""
    address, bump = derive_lookup_table_address(authority, recent_slot)
    data = (0).to_bytes(4, "little") + recent_slot.to_bytes(8, "little") + bytes([bump])
    return Instruction(ALT_PROGRAM, data, [AccountMeta(address, False, True), AccountMeta(authority, False, False),
                                           AccountMeta(payer, True, True), AccountMeta(SYSTEM_PROGRAM, False, False)]), address


def extend_instruction(table: Pubkey, authority: Pubkey, payer: Pubkey, addresses) -> Instruction:
    addresses = list(addresses)
    if not addresses or len(addresses) > EXTEND_CHUNK:
        raise InvalidArgumentError(f"extend by 1 to {EXTEND_CHUNK} addresses at a time, not {len(addresses)}")
    data = (2).to_bytes(4, "little") + len(addresses).to_bytes(8, "little") + b"".join(bytes(a) for a in addresses)
    return Instruction(ALT_PROGRAM, data, [AccountMeta(table, False, True), AccountMeta(authority, True, False),
                                           AccountMeta(payer, True, True), AccountMeta(SYSTEM_PROGRAM, False, False)])


def parse(address: Pubkey, data: bytes, owner: Pubkey | None = None) -> AddressLookupTableAccount:
    """A table account's addresses; CorruptDataError for an account that is not one."""
    data = bytes(data)
    if owner is not None and owner != ALT_PROGRAM:
        raise CorruptDataError(f"{address} is owned by {owner}, not the address lookup table program")
    if len(data) < 56 or (len(data) - 56) % 32 or int.from_bytes(data[:4], "little") != 1:
        raise CorruptDataError(f"{address} is not an address lookup table ({len(data)} bytes)")
    try:
        table = AddressLookupTable.deserialize(data)
    except Exception as e:  # solders' own error types
        raise CorruptDataError(f"{address}: {e}") from None
    return AddressLookupTableAccount(address, list(table.addresses))


def fetch(rpc, address: Pubkey, commitment: str = "confirmed") -> AddressLookupTableAccount:
    """The table as the cluster has it."""
    acct = rpc.account(address, commitment)
    if acct is None:
        raise CorruptDataError(f"no lookup table {address}")
    return parse(address, acct.data, acct.owner)


def resolve(message, tables) -> list[Pubkey]:
    """Every account a v0 message names, in the runtime's order: its static keys, then the
    looked-up writable ones (table by table), then the read-only ones."""
    by_key = {t.key: t.addresses for t in tables}
    writable, readonly = [], []
    for lookup in getattr(message, "address_table_lookups", []):
        addrs = by_key.get(lookup.account_key)
        if addrs is None:
            raise InvalidArgumentError(f"the message looks up {lookup.account_key}, which is not among the tables")
        try:
            writable += [addrs[i] for i in bytes(lookup.writable_indexes)]
            readonly += [addrs[i] for i in bytes(lookup.readonly_indexes)]
        except IndexError:
            raise InvalidArgumentError(f"an index past the end of table {lookup.account_key}") from None
    return [*message.account_keys, *writable, *readonly]


def compile_message(payer: Pubkey, instructions, tables, *, static=()) -> MessageV0:
    """A v0 message compiled against `tables` for a TxTemplate (its patches are read from this
    message: mevlib.jito.tip_patches, Patch.account_of), keeping the Jito tip accounts and any key
    in `static` (one an account patch must reach) among the static keys. The blockhash is a
    placeholder: it is patched at signing."""
    from mevlib.jito import TIP_ACCOUNTS

    keep = set(TIP_ACCOUNTS) | set(static)
    # a kept key's place in a table holds a key no instruction names: the indexes stay the chain's
    trimmed = [AddressLookupTableAccount(t.key, [Pubkey.new_unique() if a in keep else a for a in t.addresses])
               for t in tables]
    return MessageV0.try_compile(payer, list(instructions), trimmed, Hash.default())
