"""Solana JSON-RPC as Agave answers it, over the simulated cluster.

Shapes, defaults and errors follow Agave's RPC (anza-xyz/agave rpc/src/rpc.rs, rpc-client-api
custom_error.rs and request.rs) and the method reference at solana.com/docs/rpc: `context` objects
with the bank's slot and `apiVersion`, commitment defaulting to finalized, errors as JSON-RPC codes
with Agave's messages, TransactionError values as Agave serializes them. What the simulator
models differently is listed in docs/simulator.md.
"""
from __future__ import annotations

import base64
import hashlib

from solders.message import from_bytes_versioned
from solders.pubkey import Pubkey
from solders.transaction import VersionedTransaction

from mevlib.base58 import b58decode, b58encode
from mevlib.sim import dex
from mevlib.sim.cluster import MAX_LOCKOUT_HISTORY, MAX_PROCESSING_AGE, MAX_RECENT_BLOCKHASHES, Cluster
from mevlib.transaction import error_json, fee_for_message

AGAVE_VERSION = "3.0.0"  # the RPC behaviour modelled; reported in every context and by getVersion
FEATURE_SET = int.from_bytes(hashlib.sha256(b"mevlib-sim").digest()[:4], "little")

# rpc-client-api request.rs
MAX_GET_SIGNATURE_STATUSES_QUERY_ITEMS = 256
MAX_MULTIPLE_ACCOUNTS = 100
MAX_GET_SLOT_LEADERS = 5000
MAX_TX_ACCOUNT_LOCKS = 128           # getRecentPrioritizationFees takes at most this many accounts
PACKET_DATA_SIZE = 1232
MAX_BASE58_SIZE = 1683               # encoded sizes of a PACKET_DATA_SIZE transaction
MAX_BASE64_SIZE = 1644
MAX_BASE58_BYTES = 128               # account data larger than this cannot be returned as base58
MAX_TRANSACTION_FORWARDING_DELAY = 6  # simulation judges blockhashes this many slots stricter
TX_TYPE = "solana_transaction::versioned::VersionedTransaction"

# JSON-RPC 2.0 and Agave's custom codes (rpc-client-api custom_error.rs)
PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS = -32700, -32600, -32601, -32602
PREFLIGHT_FAILURE = -32002
SIGNATURE_VERIFICATION_FAILURE = -32003
MIN_CONTEXT_SLOT_NOT_REACHED = -32016


class RpcError(Exception):
    """A JSON-RPC error object: code, message and optional data."""

    def __init__(self, code: int, message: str, data=None):
        super().__init__(message)
        self.code, self.data = code, data

    def to_json(self) -> dict:
        err = {"code": self.code, "message": str(self)}
        if self.data is not None:
            err["data"] = self.data
        return err


def invalid_params(message: str) -> RpcError:
    return RpcError(INVALID_PARAMS, message)


def _arg(params, i, default=None):
    return params[i] if len(params) > i and params[i] is not None else default


def _config(params, i) -> dict:
    cfg = _arg(params, i, {})
    if not isinstance(cfg, dict):
        raise invalid_params(f"Invalid params: invalid type: {type(cfg).__name__}, expected a map.")
    return cfg


def parse_commitment(cfg: dict, key: str = "commitment") -> str:
    level = cfg.get(key, "finalized")
    if level not in ("processed", "confirmed", "finalized"):
        raise invalid_params(f"Invalid params: unknown variant `{level}`, expected one of "
                             "`processed`, `confirmed`, `finalized`.")
    return level


def _base58_param(text, size: int) -> bytes:
    """A key or signature parameter, refused as Agave's verify_pubkey / verify_signature refuse it."""
    if not isinstance(text, str):
        raise invalid_params("Invalid params: invalid type: expected a string.")
    try:
        raw = b58decode(text)
    except ValueError:
        raise invalid_params("Invalid param: Invalid") from None
    if len(raw) != size:
        raise invalid_params("Invalid param: WrongSize")
    return raw


def parse_pubkey(text) -> Pubkey:
    return Pubkey.from_bytes(_base58_param(text, 32))


def parse_signature(text) -> str:
    _base58_param(text, 64)
    return text


def decode_transaction(encoded, encoding: str) -> tuple[bytes, VersionedTransaction]:
    """Agave's decode_and_deserialize: size limits on the encoded and decoded bytes, then
    bincode; every failure is -32602 with Agave's message."""
    if not isinstance(encoded, str):
        raise invalid_params("Invalid params: invalid type: expected a string.")
    if encoding not in ("base58", "base64"):
        raise invalid_params(f"unsupported encoding: {encoding}. Supported encodings: base58, base64")
    limit = MAX_BASE58_SIZE if encoding == "base58" else MAX_BASE64_SIZE
    if len(encoded) > limit:
        raise invalid_params(f"{encoding} encoded {TX_TYPE} too large: {len(encoded)} bytes "
                             f"(max: encoded/raw {limit}/{PACKET_DATA_SIZE})")
    try:
        wire = b58decode(encoded) if encoding == "base58" else base64.b64decode(encoded, validate=True)
    except ValueError as e:
        raise invalid_params(f"invalid {encoding} encoding: {e}") from None
    if len(wire) > PACKET_DATA_SIZE:
        raise invalid_params(f"decoded {TX_TYPE} too large: {len(wire)} bytes (max: {PACKET_DATA_SIZE} bytes)")
    try:
        tx = VersionedTransaction.from_bytes(wire)
    except Exception as e:  # solders raises its own types for malformed bincode
        raise invalid_params(f"failed to deserialize {TX_TYPE}: {e}") from None
    if len(tx.signatures) != tx.message.header.num_required_signatures:
        raise invalid_params("invalid transaction: Transaction failed to sanitize accounts offsets correctly")
    return wire, tx


def error_message(err) -> str:
    """TransactionError's Display text for the errors a searcher meets (solana-transaction-error);
    others fall back to the variant's name."""
    fixed = {"BlockhashNotFound": "Blockhash not found",
             "AccountNotFound": "Attempt to debit an account but found no record of a prior credit.",
             "InsufficientFundsForFee": "Insufficient funds for fee",
             "AlreadyProcessed": "This transaction has already been processed",
             "SignatureFailure": "Transaction did not pass signature verification",
             "AccountInUse": "Account in use"}
    if isinstance(err, str):
        return fixed.get(err, err)
    (name, value), = err.items()
    if name == "InstructionError":
        index, inner = value
        if isinstance(inner, dict) and "Custom" in inner:
            text = f"custom program error: {inner['Custom']:#x}"
        else:
            text = inner if isinstance(inner, str) else next(iter(inner))
        return f"Error processing Instruction {index}: {text}"
    if name == "InsufficientFundsForRent":
        return f"Transaction results in an account ({value['account_index']}) with insufficient funds for rent"
    return name


def ui_account(acct, encoding: str, data_slice=None) -> dict | None:
    if acct is None:
        return None
    data = bytes(acct.data)
    if data_slice:
        off, length = int(data_slice.get("offset", 0)), int(data_slice.get("length", 0))
        data = data[off:off + length]
    if encoding == "base58" or encoding == "binary":
        if len(data) > MAX_BASE58_BYTES:
            raise RpcError(INVALID_REQUEST, f"Encoded binary (base 58) data should be less than "
                                            f"{MAX_BASE58_BYTES} bytes, please use Base64 encoding.")
        text = b58encode(data)
        encoded = text if encoding == "binary" else [text, "base58"]
    elif encoding in ("base64", "jsonParsed"):  # nothing here is parsed: jsonParsed falls back to base64
        encoded = [base64.b64encode(data).decode(), "base64"]
    else:
        raise invalid_params(f"Invalid params: unknown variant `{encoding}`.")
    return {"data": encoded, "executable": acct.executable, "lamports": acct.lamports,
            "owner": str(acct.owner), "rentEpoch": acct.rent_epoch, "space": len(bytes(acct.data))}


class SolanaRpc:
    """The methods one RPC route serves; `send` hands a decoded transaction to the cluster."""

    def __init__(self, cluster: Cluster, now_ms, send):
        self.cluster = cluster
        self.now_ms = now_ms
        self.send = send

    def __call__(self, method: str, params):
        if params is None:
            params = []
        if not isinstance(params, list):
            raise invalid_params("Invalid params: invalid type: map, expected a sequence.")
        handler = getattr(self, "m_" + method, None) if isinstance(method, str) else None
        if handler is None:
            raise RpcError(METHOD_NOT_FOUND, "Method not found")
        try:
            return handler(params)
        except (TypeError, ValueError, KeyError, IndexError, AttributeError) as e:  # malformed params
            raise invalid_params(f"Invalid params: {e}.") from None

    # --- context ---------------------------------------------------------------------------
    def _bank(self, cfg: dict, key: str = "commitment") -> int:
        """The slot of the bank a call reads (commitment and minContextSlot, as Agave's
        get_bank_with_config)."""
        slot = self.cluster.commitment_slot(self.now_ms(), parse_commitment(cfg, key))
        min_slot = cfg.get("minContextSlot")
        if min_slot is not None and slot < int(min_slot):
            raise RpcError(MIN_CONTEXT_SLOT_NOT_REACHED, "Minimum context slot has not been reached",
                           {"contextSlot": slot})
        return slot

    @staticmethod
    def _response(slot: int, value) -> dict:
        return {"context": {"apiVersion": AGAVE_VERSION, "slot": slot}, "value": value}

    # --- cluster and slots ---------------------------------------------------------------------
    def m_getHealth(self, params):
        return "ok"

    def m_getVersion(self, params):
        return {"feature-set": FEATURE_SET, "solana-core": AGAVE_VERSION}

    def m_getGenesisHash(self, params):
        return str(self.cluster.blockhash_of(0))

    def m_getSlot(self, params):
        return self._bank(_config(params, 0))

    def m_getBlockHeight(self, params):
        return self.cluster.block_height(self._bank(_config(params, 0)))

    def m_getEpochInfo(self, params):
        slot = self._bank(_config(params, 0))
        epoch, first = self.cluster.epoch_of(slot)
        return {"absoluteSlot": slot, "blockHeight": self.cluster.block_height(slot), "epoch": epoch,
                "slotIndex": slot - first, "slotsInEpoch": self.cluster.config.slots_per_epoch,
                "transactionCount": self.cluster.transaction_count(slot)}

    def m_getSlotLeaders(self, params):
        start, limit = int(params[0]), int(params[1])
        if limit > MAX_GET_SLOT_LEADERS:
            raise invalid_params(f"Invalid limit; max {MAX_GET_SLOT_LEADERS}")
        return [str(k) for k in self.cluster.leader_schedule(start, limit)]

    def m_getLeaderSchedule(self, params):
        # [slot | config] or [slot, config]: Agave takes the config in either position
        first = _arg(params, 0)
        cfg = first if isinstance(first, dict) else _config(params, 1)
        slot = first if isinstance(first, int) and not isinstance(first, bool) else self._bank(cfg)
        epoch, _ = self.cluster.epoch_of(slot)
        if epoch > self.cluster.epoch_of(self._bank({"commitment": "processed"}))[0] + 1:
            return None  # not yet computed, as for an epoch past the next
        schedule = self.cluster.epoch_leader_schedule(epoch)
        if "identity" in cfg:
            identity = str(parse_pubkey(cfg["identity"]))
            return {identity: schedule[identity]} if identity in schedule else {}
        return schedule

    # --- blockhashes and fees ---------------------------------------------------------------
    def m_getLatestBlockhash(self, params):
        slot = self._bank(_config(params, 0))
        bh = self.cluster.blockhash_of(slot)
        return self._response(slot, {"blockhash": str(bh),
                                     "lastValidBlockHeight": self.cluster.block_height(slot) + MAX_PROCESSING_AGE})

    def m_isBlockhashValid(self, params):
        blockhash = params[0]
        if not isinstance(blockhash, str):
            raise invalid_params("Invalid params: invalid type: expected a string.")
        slot = self._bank(_config(params, 1))
        return self._response(slot, self.cluster.blockhash_valid(blockhash, slot))

    def m_getFeeForMessage(self, params):
        if not isinstance(params[0], str):
            raise invalid_params("Invalid params: invalid type: expected a string.")
        try:
            msg = from_bytes_versioned(base64.b64decode(params[0], validate=True))
        except Exception as e:
            raise invalid_params(f"invalid message: {e}") from None
        slot = self._bank(_config(params, 1))
        fee = fee_for_message(msg) if self.cluster.blockhash_valid(str(msg.recent_blockhash), slot) else None
        return self._response(slot, fee)

    def m_getRecentPrioritizationFees(self, params):
        keys = _arg(params, 0, [])
        if len(keys) > MAX_TX_ACCOUNT_LOCKS:
            raise invalid_params(f"Too many inputs provided; max {MAX_TX_ACCOUNT_LOCKS}")
        accounts = [parse_pubkey(k) for k in keys]
        last = self.cluster.commitment_slot(self.now_ms(), "processed") - 1  # completed slots only
        return [{"prioritizationFee": fee, "slot": slot}
                for slot, fee in self.cluster.prioritization_fees(accounts, last)]

    def m_getMinimumBalanceForRentExemption(self, params):
        return self.cluster.svm.minimum_balance_for_rent_exemption(int(params[0]))

    # --- accounts --------------------------------------------------------------------------
    def m_getBalance(self, params):
        key = parse_pubkey(params[0])
        cfg = _config(params, 1)
        slot = self._bank(cfg)
        return self._response(slot, self.cluster.balance(key, self._read_slot(cfg)))

    def m_getAccountInfo(self, params):
        key = parse_pubkey(params[0])
        cfg = _config(params, 1)
        slot = self._bank(cfg)
        acct = self.cluster.account(key, self._read_slot(cfg))
        return self._response(slot, ui_account(acct, cfg.get("encoding", "binary"), cfg.get("dataSlice")))

    def m_getMultipleAccounts(self, params):
        keys = params[0]
        if not isinstance(keys, list):
            raise invalid_params("Invalid params: invalid type: expected a sequence.")
        if len(keys) > MAX_MULTIPLE_ACCOUNTS:
            raise invalid_params(f"Too many inputs provided; max {MAX_MULTIPLE_ACCOUNTS}")
        keys = [parse_pubkey(k) for k in keys]
        cfg = _config(params, 1)
        slot = self._bank(cfg)
        read = self._read_slot(cfg)
        encoding = cfg.get("encoding", "base64")
        return self._response(slot, [ui_account(self.cluster.account(k, read), encoding, cfg.get("dataSlice"))
                                     for k in keys])

    def _read_slot(self, cfg: dict) -> int | None:
        """Whose state a read sees: None (the newest) for processed, else the end of the
        commitment's slot (before any slot, while nothing is rooted yet)."""
        level = parse_commitment(cfg)
        return None if level == "processed" else self.cluster.commitment_slot(self.now_ms(), level, clamp=False)

    def m_requestAirdrop(self, params):
        key, lamports = parse_pubkey(params[0]), params[1]
        if not isinstance(lamports, int) or isinstance(lamports, bool) or lamports < 0:
            raise invalid_params("Invalid params: invalid type: expected u64.")
        try:
            return self.cluster.airdrop(key, lamports, self.now_ms())
        except ValueError as e:
            raise RpcError(-32600, str(e)) from None

    # --- transactions -----------------------------------------------------------------------
    def m_getSignatureStatuses(self, params):
        sigs = params[0]
        if not isinstance(sigs, list):
            raise invalid_params("Invalid params: invalid type: expected a sequence.")
        if len(sigs) > MAX_GET_SIGNATURE_STATUSES_QUERY_ITEMS:
            raise invalid_params(f"Too many inputs provided; max {MAX_GET_SIGNATURE_STATUSES_QUERY_ITEMS}")
        sigs = [parse_signature(s) for s in sigs]
        history = bool(_config(params, 1).get("searchTransactionHistory", False))
        now = self.now_ms()
        c = self.cluster
        processed = c.commitment_slot(now, "processed")
        out = []
        for sig in sigs:
            st = c.status(sig, now)
            # the status cache covers recent slots only; older ones need the ledger (history)
            if st is None or (not history and st.slot < processed - MAX_RECENT_BLOCKHASHES):
                out.append(None)
                continue
            level = c.commitment_of(st.slot, now)
            confirmations = None if level == "finalized" else min(processed - st.slot, MAX_LOCKOUT_HISTORY)
            out.append({"confirmationStatus": level, "confirmations": confirmations, "err": st.err,
                        "slot": st.slot, "status": {"Ok": None} if st.err is None else {"Err": st.err}})
        return self._response(processed, out)

    def m_sendTransaction(self, params):
        cfg = _config(params, 1)
        wire, tx = decode_transaction(params[0], cfg.get("encoding", "base58"))
        if not cfg.get("skipPreflight", False):
            self._bank(cfg, "preflightCommitment")  # minContextSlot applies to preflight
            self._preflight(tx, parse_commitment(cfg, "preflightCommitment"))
        retries = cfg.get("maxRetries")
        if retries is not None and (not isinstance(retries, int) or isinstance(retries, bool) or retries < 0):
            raise invalid_params("Invalid params: invalid value: expected usize.")
        self.send(tx, retries=retries)
        return str(tx.signatures[0])

    def _preflight(self, tx, commitment: str):
        """sendTransaction without skipPreflight: signatures verified (-32003), then simulated
        against the preflight commitment's bank (-32002 with the simulation's result)."""
        if not all(tx.verify_with_results()):
            raise RpcError(SIGNATURE_VERIFICATION_FAILURE, "Transaction signature verification failure")
        slot = self.cluster.commitment_slot(self.now_ms(), commitment)
        result, _ = self._simulate(tx, slot, replace_blockhash=False)
        if result["err"] is not None:
            raise RpcError(PREFLIGHT_FAILURE, f"Transaction simulation failed: {error_message(result['err'])}",
                           result)

    def _simulate(self, tx, slot: int, replace_blockhash: bool) -> tuple[dict, dict]:
        """(RpcSimulateTransactionResult, the accounts after it). The blockhash is judged against
        `slot`'s bank with Agave's simulation age (150 - 6 slots); execution runs on the newest
        state (LiteSVM keeps one)."""
        result = {"accounts": None, "err": None, "innerInstructions": None, "loadedAccountsDataSize": 0,
                  "logs": [], "replacementBlockhash": None, "returnData": None, "unitsConsumed": 0}
        if replace_blockhash:
            result["replacementBlockhash"] = {"blockhash": str(self.cluster.blockhash_of(slot)),
                                              "lastValidBlockHeight": self.cluster.block_height(slot) + MAX_PROCESSING_AGE}
        elif not self.cluster.blockhash_valid(str(tx.message.recent_blockhash), slot,
                                              MAX_PROCESSING_AGE - MAX_TRANSACTION_FORWARDING_DELAY):
            return {**result, "err": "BlockhashNotFound"}, {}
        res = self.cluster.simulate(tx)
        meta = res.meta()
        ret = meta.return_data()
        result["logs"] = list(meta.logs())
        result["unitsConsumed"] = meta.compute_units_consumed()
        if ret is not None and bytes(ret.data):
            result["returnData"] = {"programId": str(ret.program_id),
                                    "data": [base64.b64encode(bytes(ret.data)).decode(), "base64"]}
        if not dex.ok(res):
            result["err"] = error_json(res.err())
            return result, {}
        return result, dict(res.post_accounts())

    def m_simulateBundle(self, params):
        """jito-solana's RPC method (rpc-client-api bundles.rs): params [{"encodedTransactions":
        [base64]}, RpcSimulateBundleConfig]; the result's summary is "succeeded" or {"failed":
        {"error": {"TransactionFailure": [signature, message]}, "tx_signature"}}, with one
        transactionResult per transaction executed (up to the failing one)."""
        request = _arg(params, 0)
        if not isinstance(request, dict) or not isinstance(request.get("encodedTransactions"), list) \
                or not request["encodedTransactions"]:
            raise invalid_params("Invalid params: expected {\"encodedTransactions\": [...]}")
        cfg = _config(params, 1)
        if cfg.get("transactionEncoding", "base64") != "base64":
            raise invalid_params("Invalid params: simulateBundle takes base64 transactions only")
        if cfg.get("replaceRecentBlockhash") and not cfg.get("skipSigVerify"):
            raise invalid_params("replaceRecentBlockhash requires skipSigVerify")
        txs = [decode_transaction(e, "base64")[1] for e in request["encodedTransactions"]]
        if not cfg.get("skipSigVerify") and not all(all(t.verify_with_results()) for t in txs):
            raise RpcError(SIGNATURE_VERIFICATION_FAILURE, "Transaction signature verification failure")
        slot = self.cluster.commitment_slot(self.now_ms(), "confirmed")  # simulationBank defaults to confirmed
        results, summary = [], "succeeded"
        for tx, res in zip(txs, self.cluster.simulate_bundle(txs)):
            failed = not dex.ok(res)
            meta = res.meta() if failed else res
            results.append({"err": error_json(res.err()) if failed else None, "logs": list(meta.logs()),
                            "preExecutionAccounts": None, "postExecutionAccounts": None,
                            "unitsConsumed": meta.compute_units_consumed(), "returnData": None})
            if failed:
                sig = str(tx.signatures[0])
                summary = {"failed": {"error": {"TransactionFailure": [sig, error_message(results[-1]["err"])]},
                                      "tx_signature": sig}}
                break
        return self._response(slot, {"summary": summary, "transactionResults": results})

    def m_simulateTransaction(self, params):
        cfg = _config(params, 1)
        _, tx = decode_transaction(params[0], cfg.get("encoding", "base58"))
        slot = self._bank(cfg)
        if cfg.get("sigVerify") and cfg.get("replaceRecentBlockhash"):
            raise invalid_params("sigVerify may not be used with replaceRecentBlockhash")
        if cfg.get("sigVerify") and not all(tx.verify_with_results()):
            raise RpcError(SIGNATURE_VERIFICATION_FAILURE, "Transaction signature verification failure")
        result, post = self._simulate(tx, slot, bool(cfg.get("replaceRecentBlockhash")))
        accounts = cfg.get("accounts")
        if accounts:
            wanted = [parse_pubkey(k) for k in accounts.get("addresses", [])]
            encoding = accounts.get("encoding", "base64")
            result["accounts"] = [None] * len(wanted) if result["err"] is not None else \
                [ui_account(post[k] if k in post else self.cluster.account(k), encoding) for k in wanted]
        return self._response(slot, result)
