"""Pre-send simulation: run an intent's transaction (or its whole bundle) before sending it, and
refuse what would fail. It costs a round trip on the path to the first shot, so it is optional per
intent (`Intent(simulate=True)`); shadow mode runs it for every intent.

:class:`RpcSimulation` asks the RPC: simulateTransaction (Agave), or for a bundle simulateBundle,
which only Jito's RPC fork serves; on a node without it the bundle's last transaction (ours) is
simulated alone and the result says so (`bundle=False`)."""
from __future__ import annotations

import dataclasses

from mevlib.routes import RpcCallError

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
