"""The Jito block engine's JSON-RPC, as documented (docs.jito.wtf "Low Latency Transaction Send"
and the JSON-RPC API reference): paths under /api/v1, bundles of 1 to 5 transactions in base58
(the default) or base64, bundle ids as jito-solana derives them, statuses as the examples show."""
from __future__ import annotations

from mevlib.jito import TIP_ACCOUNTS
from mevlib.transaction import bundle_id
from mevlib.sim.cluster import Cluster
from mevlib.sim.rpc import (INVALID_PARAMS, METHOD_NOT_FOUND, SIGNATURE_VERIFICATION_FAILURE, RpcError,
                            decode_transaction, invalid_params)

MAX_BUNDLE_TRANSACTIONS = 5
MAX_STATUS_IDS = 5
INFLIGHT_LOOKBACK_MS = 5 * 60 * 1000  # getInflightBundleStatuses looks back five minutes

# path (after /api/v1/) -> the methods it answers
PATHS = {
    "bundles": ("sendBundle", "getBundleStatuses", "getInflightBundleStatuses", "getTipAccounts"),
    "transactions": ("sendTransaction",),
    "getTipAccounts": ("getTipAccounts",),
    "getBundleStatuses": ("getBundleStatuses",),
    "getInflightBundleStatuses": ("getInflightBundleStatuses",),
}


class BlockEngine:
    """One block-engine route. `send(txs, atomic)` hands transactions to the cluster and returns
    the Landing; the bundle is remembered under its id with the time it was sent."""

    def __init__(self, cluster: Cluster, now_ms, send):
        self.cluster = cluster
        self.now_ms = now_ms
        self.send = send

    def __call__(self, path: str, query: dict, method: str, params, headers: dict):
        if method not in PATHS[path]:
            raise RpcError(METHOD_NOT_FOUND, "Method not found")
        if params is None:
            params = []
        if not isinstance(params, list):
            raise invalid_params("Invalid params: expected an array")
        return getattr(self, "m_" + method)(params, query, headers)

    def _decode(self, encoded, opts) -> object:
        encoding = (opts or {}).get("encoding", "base58") if isinstance(opts, dict) else "base58"
        _, tx = decode_transaction(encoded, encoding)
        if not all(tx.verify_with_results()):
            raise RpcError(SIGNATURE_VERIFICATION_FAILURE, "Transaction signature verification failure")
        return tx

    def m_getTipAccounts(self, params, query, headers):
        return [str(a) for a in TIP_ACCOUNTS]

    def m_sendTransaction(self, params, query, headers):
        """Always skip-preflight; forwarded as a transaction and as a one-transaction bundle, or
        with bundleOnly=true only as the bundle (revert protection: a failure leaves no trace)."""
        if not params:
            raise invalid_params("Invalid params: missing transaction")
        tx = self._decode(params[0], params[1] if len(params) > 1 else None)
        bundle_only = query.get("bundleOnly", "").lower() == "true"
        sig = str(tx.signatures[0])
        landing = self.send([tx], atomic=bundle_only)
        bid = bundle_id([sig])
        self.cluster.record_bundle(bid, [sig], landing, self.now_ms())
        headers["x-bundle-id"] = bid
        return sig

    def m_sendBundle(self, params, query, headers):
        encoded = params[0] if params else None
        if not isinstance(encoded, list) or not 1 <= len(encoded) <= MAX_BUNDLE_TRANSACTIONS:
            raise RpcError(INVALID_PARAMS, f"bundle must contain 1 to {MAX_BUNDLE_TRANSACTIONS} transactions")
        opts = params[1] if len(params) > 1 else None
        txs = [self._decode(e, opts) for e in encoded]
        sigs = [str(t.signatures[0]) for t in txs]
        if len(set(sigs)) != len(sigs):
            raise RpcError(INVALID_PARAMS, "bundle contains duplicate transactions")
        landing = self.send(txs, atomic=True)
        bid = bundle_id(sigs)
        self.cluster.record_bundle(bid, sigs, landing, self.now_ms())
        return bid

    def _ids(self, params) -> list[str]:
        ids = params[0] if params else None
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise invalid_params("Invalid params: expected an array of bundle ids")
        if len(ids) > MAX_STATUS_IDS:
            raise invalid_params(f"Too many inputs provided; max {MAX_STATUS_IDS}")
        return ids

    def m_getBundleStatuses(self, params, query, headers):
        """A landed bundle as the examples show it (confirmation_status from its slot's
        commitment, err {"Ok": null}); null for unknown, pending and not landed."""
        ids = self._ids(params)
        now = self.now_ms()
        c = self.cluster
        out = []
        for bid in ids:
            found = c.bundle(bid)
            if found is None or not found.landing.landed or now < found.landing.visible_at_ms:
                out.append(None)
                continue
            slot = found.landing.slot
            out.append({"bundle_id": bid, "transactions": found.signatures, "slot": slot,
                        "confirmation_status": c.commitment_of(slot, now), "err": {"Ok": None}})
        return {"context": {"slot": c.commitment_slot(now, "processed")}, "value": out}

    def m_getInflightBundleStatuses(self, params, query, headers):
        """Invalid (unknown, or sent over five minutes ago), Pending (its slot not over),
        Landed with landed_slot, or Failed."""
        ids = self._ids(params)
        now = self.now_ms()
        out = []
        for bid in ids:
            found = self.cluster.bundle(bid)
            if found is None or now - found.sent_ms > INFLIGHT_LOOKBACK_MS:
                out.append({"bundle_id": bid, "status": "Invalid", "landed_slot": None})
            elif now < found.landing.visible_at_ms:
                out.append({"bundle_id": bid, "status": "Pending", "landed_slot": None})
            elif found.landing.landed:
                out.append({"bundle_id": bid, "status": "Landed", "landed_slot": found.landing.slot})
            else:
                out.append({"bundle_id": bid, "status": "Failed", "landed_slot": None})
        return {"context": {"slot": self.cluster.commitment_slot(now, "processed")}, "value": out}

