"""Pre-send simulation: run an intent's transaction (or its whole bundle) before sending it, and
refuse what would fail. It costs a round trip on the path to the first shot, so it is optional per
intent (`Intent(simulate=True)`); shadow mode runs it for every intent.

:class:`RpcSimulation` asks the RPC: simulateTransaction (Agave), or for a bundle simulateBundle,
which only Jito's RPC fork serves; on a node without it the bundle's last transaction (ours) is
simulated alone and the result says so (`bundle=False`). :class:`LocalSimulation` runs it here,
in LiteSVM, on accounts fetched once and kept fresh (no round trip for most intents)."""
from __future__ import annotations

import dataclasses

from mevlib.errors import CorruptDataError, InvalidArgumentError
from mevlib.routes import RpcCallError
from mevlib.transaction import error_json

METHOD_NOT_FOUND = -32601


@dataclasses.dataclass
class Simulation:
    ok: bool
    err: object = None        # the TransactionError JSON when it failed
    units: int = 0            # compute units consumed (the failing transaction's, in a bundle)
    logs: list = dataclasses.field(default_factory=list)
    bundle: bool = False      # the bundle was simulated as a whole


class RpcSimulation:
    def __init__(self, rpc, *, commitment: str = "processed"):
        self.rpc, self.commitment = rpc, commitment
        self.bundles: bool | None = None  # whether the node serves simulateBundle; learnt on first use
        self.calls = self.failed = 0

    def __call__(self, wire: bytes, bundle=()) -> Simulation:
        self.calls += 1
        result = self._bundle([*bundle, wire]) if bundle and self.bundles is not False else None
        if result is None:
            value = self.rpc.simulate_transaction(wire, self.commitment)
            result = Simulation(value.get("err") is None, value.get("err"), value.get("unitsConsumed") or 0,
                                list(value.get("logs") or []))
        self.failed += not result.ok
        return result

    def _bundle(self, wires) -> Simulation | None:
        try:
            value = self.rpc.simulate_bundle(wires)
        except RpcCallError as e:
            if e.code == METHOD_NOT_FOUND:
                self.bundles = False
                return None
            raise
        self.bundles = True
        results = value.get("transactionResults") or []
        last = results[-1] if results else {}
        ok = value.get("summary") == "succeeded"
        return Simulation(ok, None if ok else last.get("err"), last.get("unitsConsumed") or 0,
                          list(last.get("logs") or []), bundle=True)


BPF_LOADER_2 = "BPFLoader2111111111111111111111111111111111"
BPF_UPGRADEABLE = "BPFLoaderUpgradeab1e11111111111111111111111"
PROGRAMDATA_HEADER = 45  # UpgradeableLoaderState::ProgramData: u32 tag 3, u64 slot, Option<Pubkey> (1 + 32)


class LocalSimulation:
    """Pre-send simulation without a round trip per intent: the transaction runs in a private
    LiteSVM on accounts fetched with getMultipleAccounts and kept in a slot-stamped cache. An
    account older than `max_age_slots` (against the newest slot seen) is fetched again;
    :meth:`observe` takes the feed's updates, so watched accounts stay fresh for free. Programs
    the local runtime lacks are loaded from the cluster (BPF loader 2: the account is the ELF;
    the upgradeable loader: its programdata account). Lookup tables are resolved from `tables`."""

    def __init__(self, rpc, *, max_age_slots: int = 2, tables=(), svm=None):
        from solders.litesvm import LiteSVM

        self.rpc, self.max_age_slots = rpc, max_age_slots
        self.tables = {t.key: t for t in tables}
        self.svm = (svm or LiteSVM()).with_blockhash_check(False)
        self.cache: dict = {}      # pubkey -> slot the account was read at
        self.newest_slot = 0
        self.calls = self.failed = self.fetches = 0
        self._programs: set = set()

    def observe(self, update):
        """A feed AccountUpdate: the newest state of that account, stamped with its slot."""
        from solders.account import Account
        from solders.pubkey import Pubkey

        key = Pubkey.from_bytes(update.pubkey)
        if update.slot >= self.cache.get(key, -1):
            self.svm.set_account(key, Account(update.lamports, bytes(update.data), Pubkey.from_bytes(update.owner)))
            self.cache[key] = update.slot
            self.newest_slot = max(self.newest_slot, update.slot)

    def _fetch(self, keys):
        from solders.account import Account
        from solders.pubkey import Pubkey

        keys = list(keys)
        slot, accounts = self.rpc.accounts(keys, "processed")
        self.fetches += (len(keys) + 99) // 100
        self.newest_slot = max(self.newest_slot, slot)
        for key, acct in zip(keys, accounts):
            if acct is None:
                self.svm.set_account(key, Account(0, b"", Pubkey.default()))
            elif acct.executable and self.svm.get_account(key) is None:
                self._load_program(key, acct)
            elif not acct.executable:
                self.svm.set_account(key, acct)
            self.cache[key] = slot

    def _load_program(self, key, acct):
        from solders.pubkey import Pubkey

        owner = str(acct.owner)
        if owner == BPF_LOADER_2:
            self.svm.add_program(key, bytes(acct.data))
        elif owner == BPF_UPGRADEABLE and len(acct.data) >= 36:
            programdata = Pubkey.from_bytes(bytes(acct.data)[4:36])
            data = self.rpc.account(programdata, "processed")
            if data is None:
                raise CorruptDataError(f"program {key}: no programdata account {programdata}")
            self.svm.add_program(key, bytes(data.data)[PROGRAMDATA_HEADER:])
        else:
            raise InvalidArgumentError(f"program {key} (owner {owner}) cannot be loaded locally: use RpcSimulation")
        self._programs.add(key)

    def __call__(self, wire: bytes, bundle=()) -> Simulation:
        from solders.transaction import VersionedTransaction

        from mevlib.alt import resolve

        self.calls += 1
        txs = [VersionedTransaction.from_bytes(w) for w in (*bundle, wire)]
        keys = {k for tx in txs for k in resolve(tx.message, self.tables.values())}
        stale = [k for k in keys if k not in self._programs and
                 self.cache.get(k, -10**9) < self.newest_slot - self.max_age_slots]
        if stale:
            self._fetch(stale)
        result = Simulation(True, bundle=bool(bundle))
        before = {k: self.svm.get_account(k) for k in keys} if len(txs) > 1 else {}
        try:
            for i, tx in enumerate(txs):  # a bundle runs in order: each member sees the ones before
                res = self.svm.simulate_transaction(tx)
                failed = type(res).__name__ != "SimulatedTransactionInfo"
                meta = res.meta()
                result = Simulation(not failed, error_json(res.err()) if failed else None,
                                    meta.compute_units_consumed(), list(meta.logs()), bundle=bool(bundle))
                if failed:
                    break
                if i < len(txs) - 1:
                    for key, acct in res.post_accounts():
                        self.svm.set_account(key, acct)
        finally:  # none of a bundle's effects stay
            from solders.account import Account
            from solders.pubkey import Pubkey

            for key, acct in before.items():
                self.svm.set_account(key, acct if acct is not None else Account(0, b"", Pubkey.default()))
        self.failed += not result.ok
        return result
