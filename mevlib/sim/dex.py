"""The DEX programs the local cluster stands in for: Raydium AMM v4, Raydium CPMM, the Pump.fun AMM,
Orca Whirlpool (static-fee pools), Raydium CLMM and Meteora DLMM. Their binaries are not available
here, so a transaction that calls them is executed in
pieces: the runs of other instructions in LiteSVM (signatures were verified before), and each swap
by this module, with the programs' own exact quote math (mevlib.dex) on the pool and token
accounts LiteSVM holds, minimum-out enforced with the program's error code. All pieces commit
together or, on a failure, none do and the fee is charged, as on chain. docs/simulator.md lists
what is and is not modelled.
"""
from __future__ import annotations

import struct

from solders.account import Account
from solders.instruction import AccountMeta, Instruction
from solders.message import Message
from solders.pubkey import Pubkey
from solders.transaction import VersionedTransaction
from solders.transaction_status import InstructionErrorCustom, TransactionErrorInstructionError

from mevlib import alt
from mevlib.dex import (TOKEN_PROGRAM_ID, decode_token_account, meteora_dlmm, pump_amm, raydium_amm_v4, raydium_clmm,
                        raydium_cpmm, whirlpool)
from mevlib.errors import MathOverflowError, MevError, MissingArrayError
from mevlib.transaction import fee_for_message, nonce_account_of

COMPUTE_BUDGET = Pubkey.from_string("ComputeBudget111111111111111111111111111111")
PROGRAMS = {raydium_amm_v4.PROGRAM_ID, raydium_cpmm.PROGRAM_ID, pump_amm.PROGRAM_ID, whirlpool.PROGRAM_ID,
            raydium_clmm.PROGRAM_ID, meteora_dlmm.PROGRAM_ID}
AMOUNT_OFFSET = 64  # a token account's amount (spl-token state.rs)

# the programs' error codes (raydium-amm error.rs: AmmError's order; Anchor: 6000 + the variant's)
AMM_INVALID_STATUS, AMM_INVALID_INPUT, AMM_EXCEEDED_SLIPPAGE, AMM_INSUFFICIENT_FUNDS, AMM_INVALID_USER_TOKEN = \
    22, 29, 30, 40, 42
CPMM_INVALID_INPUT, CPMM_EXCEEDED_SLIPPAGE, CPMM_INVALID_VAULT = 6003, 6005, 6008
PUMP_EXCEEDED_SLIPPAGE, PUMP_OVERFLOW = 6004, 6023
# orca-so/whirlpools programs/whirlpool/src/errors.rs
WP_SQRT_PRICE_OUT_OF_BOUNDS, WP_INVALID_TICK_ARRAY_SEQUENCE, WP_INVALID_LIMIT_DIRECTION, WP_ZERO_TRADABLE = \
    6011, 6023, 6034, 6035
WP_AMOUNT_OUT_BELOW_MINIMUM, WP_AMOUNT_IN_ABOVE_MAXIMUM = 6036, 6037
# raydium-clmm programs/amm/src/error.rs
RCL_SQRT_PRICE_LIMIT_OVERFLOW, RCL_LIQUIDITY_INSUFFICIENT, RCL_TOO_LITTLE_OUTPUT, RCL_TOO_MUCH_INPUT, \
    RCL_ZERO_AMOUNT, RCL_INVALID_INPUT_VAULT, RCL_NOT_ENOUGH_TICK_ARRAYS, RCL_CALCULATE_OVERFLOW = \
    6011, 6015, 6017, 6018, 6019, 6020, 6022, 6037
RCL_INVALID_TICK_ARRAY = 6009
# Meteora DLMM: the IDL's errors (dlmm-sdk idls/dlmm.json)
DLMM_INVALID_INPUT, DLMM_SLIPPAGE, DLMM_BIN_ARRAY_NOT_FOUND, DLMM_INSUFFICIENT_LIQUIDITY, DLMM_MATH_OVERFLOW = \
    6002, 6003, 6009, 6012, 6018
TOKEN_INSUFFICIENT_FUNDS, TOKEN_OWNER_MISMATCH = 1, 4  # spl-token TokenError
INVALID_ACCOUNT = 0xFFFF_0000  # an account that is not what the program expects


class SwapFailed(Exception):
    def __init__(self, code: int):
        self.code = code


class _Meta:
    """What LiteSVM's result offers, for a transaction executed in pieces."""

    def __init__(self, logs, units):
        self._logs, self._units = logs, units

    def logs(self):
        return self._logs

    def compute_units_consumed(self):
        return self._units

    def return_data(self):
        return None


class Executed(_Meta):
    """A transaction with swaps that succeeded (its pieces' logs and compute units)."""


class Simulated:
    """A simulation of a transaction with swaps that succeeded: its metadata and the accounts after."""

    def __init__(self, executed: Executed, post: dict):
        self._meta, self._post = executed, post

    def meta(self):
        return self._meta

    def post_accounts(self):
        return [(k, a) for k, a in self._post.items() if a is not None]


class Failed:
    """A transaction with swaps that failed: its error (solders' TransactionError) and metadata."""

    def __init__(self, err, meta: _Meta):
        self._err, self._meta = err, meta

    def err(self):
        return self._err

    def meta(self):
        return self._meta


def calls_dex(tx: VersionedTransaction) -> bool:
    keys = tx.message.account_keys
    return any(ix.program_id_index < len(keys) and keys[ix.program_id_index] in PROGRAMS
               for ix in tx.message.instructions)


def ok(res) -> bool:
    """Whether a result (LiteSVM's, or this module's) is a success."""
    return isinstance(res, (Executed, Simulated)) or \
        type(res).__name__ in ("TransactionMetadata", "SimulatedTransactionInfo")


def execute(svm, tx: VersionedTransaction):
    """Runs `tx` (which calls a DEX program) on `svm`: Executed, or Failed with every change rolled
    back and the fee charged. The caller verified the signatures and the lifetime."""
    msg = tx.message
    keys = _keys(svm, msg)
    n = len(keys)
    writable = [_writable(msg, i) for i in range(n)]
    signers = {keys[i] for i in range(msg.header.num_required_signatures)}
    pre = {k: svm.get_account(k) for k in keys}
    payer = keys[0]
    logs, units, run, first = [], 0, [], True

    def flush():
        """Runs the instructions gathered: the first piece pays the transaction's fee (and keeps
        its compute-budget instructions); a later piece's fee is given back."""
        nonlocal units, first
        if not run and not first:
            return None
        ixs = [ix for _, ix in run if first or keys[ix.program_id_index] != COMPUTE_BUDGET]
        res, piece_fee = _run(svm, tx, keys, writable, ixs)
        if not first:
            acct = svm.get_account(payer)
            svm.set_account(payer, Account(acct.lamports + piece_fee, acct.data, acct.owner, acct.executable,
                                           acct.rent_epoch))
        first = False
        run.clear()
        meta = res if type(res).__name__ == "TransactionMetadata" else res.meta()
        logs.extend(meta.logs())
        units += meta.compute_units_consumed()
        return None if type(res).__name__ == "TransactionMetadata" else res.err()

    try:
        for index, ix in enumerate(msg.instructions):
            program = keys[ix.program_id_index]
            if program not in PROGRAMS:
                run.append((index, ix))
                continue
            err = flush()
            if err is not None:
                return _fail(svm, tx, keys, writable, pre, err, logs, units)
            accounts = [keys[i] for i in bytes(ix.accounts)]
            logs.append(f"Program {program} invoke [1]")
            try:
                _swap(svm, program, accounts, bytes(ix.data), signers)
            except SwapFailed as e:
                logs.append(f"Program {program} failed: custom program error: {e.code:#x}")
                return _fail(svm, tx, keys, writable, pre,
                             TransactionErrorInstructionError(index, InstructionErrorCustom(e.code)), logs, units)
            logs.append(f"Program {program} success")
            units += 40_000  # about what a constant-product swap costs
        err = flush()
        if err is not None:
            return _fail(svm, tx, keys, writable, pre, err, logs, units)
    except Exception:
        _restore(svm, pre)
        raise
    return Executed(logs, units)


def _keys(svm, msg) -> list:
    lookups = getattr(msg, "address_table_lookups", [])
    tables = [alt.parse(lk.account_key, svm.get_account(lk.account_key).data) for lk in lookups]
    return alt.resolve(msg, tables) if lookups else list(msg.account_keys)


def _writable(msg, i: int) -> bool:
    return msg.is_maybe_writable(i) if hasattr(msg, "is_maybe_writable") else msg.is_writable(i)


def _run(svm, tx, keys, writable, ixs):
    """A run of instructions as a legacy transaction of their own, the payer first, with the
    original signatures (the cluster runs LiteSVM without signature checks: it verified them):
    LiteSVM's result and the piece's fee."""
    msg = tx.message
    n_signers = msg.header.num_required_signatures
    instructions = [Instruction(keys[ix.program_id_index], bytes(ix.data),
                                [AccountMeta(keys[i], i < n_signers, writable[i]) for i in bytes(ix.accounts)])
                    for ix in ixs]
    piece = Message.new_with_blockhash(instructions, keys[0], msg.recent_blockhash)
    signatures = [tx.signatures[list(keys).index(k)] for k in piece.account_keys[:piece.header.num_required_signatures]]
    return svm.send_transaction(VersionedTransaction.populate(piece, signatures)), fee_for_message(piece)


def _restore(svm, pre: dict):
    for key, acct in pre.items():
        svm.set_account(key, acct if acct is not None else Account(0, b"", Pubkey.default()))


def _fail(svm, tx, keys, writable, pre, err, logs, units) -> Failed:
    """Everything rolled back but what a failed transaction keeps on chain: its fee is paid and a
    durable nonce it advances stays advanced (Agave's nonce rollback keeps the advanced nonce)."""
    _restore(svm, pre)
    payer, fee = keys[0], fee_for_message(tx.message)
    if nonce_account_of(tx.message) is not None:
        res, fee_paid = _run(svm, tx, keys, writable, [tx.message.instructions[0]])
        fee = fee - fee_paid if type(res).__name__ == "TransactionMetadata" else fee
    acct = svm.get_account(payer)
    if acct is not None and acct.lamports >= fee:  # a failed transaction pays its fee
        svm.set_account(payer, Account(acct.lamports - fee, acct.data, acct.owner, acct.executable, acct.rent_epoch))
    return Failed(err, _Meta(logs, units))


# --- the swaps ------------------------------------------------------------------------------------
class _Tokens:
    """Token accounts read once and written back together, amounts checked."""

    def __init__(self, svm):
        self.svm, self.seen = svm, {}

    def get(self, key: Pubkey):
        if key not in self.seen:
            acct = self.svm.get_account(key)
            if acct is None or acct.owner != TOKEN_PROGRAM_ID:
                raise SwapFailed(INVALID_ACCOUNT)
            try:
                self.seen[key] = [acct, decode_token_account(acct.data)]
            except MevError:
                raise SwapFailed(INVALID_ACCOUNT) from None
        return self.seen[key][1]

    def move(self, source: Pubkey, dest: Pubkey, amount: int, authority: Pubkey | None = None):
        """A token transfer; `authority` (a user) must own the source. Nothing moves for zero."""
        if amount == 0:
            return
        src, dst = self.get(source), self.get(dest)
        if authority is not None and src.owner != authority:
            raise SwapFailed(TOKEN_OWNER_MISMATCH)
        if src.mint != dst.mint:
            raise SwapFailed(INVALID_ACCOUNT)
        if self.amount(source) < amount:
            raise SwapFailed(TOKEN_INSUFFICIENT_FUNDS)
        self._add(source, -amount)
        self._add(dest, amount)

    def amount(self, key: Pubkey) -> int:
        self.get(key)
        return int.from_bytes(bytes(self.seen[key][0].data[AMOUNT_OFFSET:AMOUNT_OFFSET + 8]), "little")

    def _add(self, key: Pubkey, delta: int):
        acct = self.seen[key][0]
        data = bytearray(acct.data)
        struct.pack_into("<Q", data, AMOUNT_OFFSET, self.amount(key) + delta)
        self.seen[key][0] = Account(acct.lamports, bytes(data), acct.owner, acct.executable, acct.rent_epoch)

    def commit(self):
        for key, (acct, _) in self.seen.items():
            self.svm.set_account(key, acct)


def _account(svm, key: Pubkey, owner: Pubkey):
    acct = svm.get_account(key)
    if acct is None or acct.owner != owner:
        raise SwapFailed(INVALID_ACCOUNT)
    return acct


def _swap(svm, program: Pubkey, accounts: list, data: bytes, signers: set):
    if program == raydium_amm_v4.PROGRAM_ID:
        _amm_v4(svm, accounts, data, signers)
    elif program == raydium_cpmm.PROGRAM_ID:
        _cpmm(svm, accounts, data, signers)
    elif program == whirlpool.PROGRAM_ID:
        _whirlpool(svm, accounts, data, signers)
    elif program == raydium_clmm.PROGRAM_ID:
        _raydium_clmm(svm, accounts, data, signers)
    elif program == meteora_dlmm.PROGRAM_ID:
        _meteora_dlmm(svm, accounts, data, signers)
    else:
        _pump(svm, accounts, data, signers)


def _quote(fn, *args, code: int):
    try:
        return fn(*args)
    except MevError:
        raise SwapFailed(code) from None


def _amm_v4(svm, accounts, data, signers):
    """swap_base_in_v2 / swap_base_out_v2 (raydium-amm processor.rs)."""
    if len(data) != 17 or data[0] not in (16, 17) or len(accounts) < 8:
        raise SwapFailed(AMM_INVALID_INPUT)
    token_program, amm, authority, coin_vault, pc_vault, source, dest, owner = accounts[:8]
    pool = raydium_amm_v4.Pool(_account(svm, amm, raydium_amm_v4.PROGRAM_ID).data)
    f = pool.fields
    if token_program != TOKEN_PROGRAM_ID or owner not in signers or authority != raydium_amm_v4.authority(pool) or \
            bytes(coin_vault) != f["coin_vault"] or bytes(pc_vault) != f["pc_vault"]:
        raise SwapFailed(INVALID_ACCOUNT)
    if not pool.can_swap:
        raise SwapFailed(AMM_INVALID_STATUS)
    tokens = _Tokens(svm)
    src, dst = tokens.get(source), tokens.get(dest)
    if bytes(src.mint) == f["coin_vault_mint"] and bytes(dst.mint) == f["pc_vault_mint"]:
        coin_to_pc, vault_in, vault_out = True, coin_vault, pc_vault
    elif bytes(src.mint) == f["pc_vault_mint"] and bytes(dst.mint) == f["coin_vault_mint"]:
        coin_to_pc, vault_in, vault_out = False, pc_vault, coin_vault
    else:
        raise SwapFailed(AMM_INVALID_USER_TOKEN)
    first, second = struct.unpack_from("<QQ", data, 1)
    vaults = (tokens.amount(coin_vault), tokens.amount(pc_vault))
    if data[0] == 16:  # amount_in, minimum_amount_out
        if tokens.amount(source) < first:
            raise SwapFailed(AMM_INSUFFICIENT_FUNDS)
        q = _quote(raydium_amm_v4.quote_exact_in, pool, coin_to_pc, *vaults, first, code=AMM_INVALID_INPUT)
        if q.amount_out < second:
            raise SwapFailed(AMM_EXCEEDED_SLIPPAGE)
    else:  # max_amount_in, amount_out
        q = _quote(raydium_amm_v4.quote_exact_out, pool, coin_to_pc, *vaults, second, code=AMM_INSUFFICIENT_FUNDS)
        if tokens.amount(source) < q.amount_in:
            raise SwapFailed(AMM_INSUFFICIENT_FUNDS)
        if first < q.amount_in:
            raise SwapFailed(AMM_EXCEEDED_SLIPPAGE)
    tokens.move(source, vault_in, q.amount_in, owner)
    tokens.move(vault_out, dest, q.amount_out)
    tokens.commit()


def _cpmm(svm, accounts, data, signers):
    """swap_base_input / swap_base_output (raydium-cp-swap instructions/swap_base_*.rs), SPL Token
    mints only (the simulator's market has no Token-2022 mints)."""
    exact_in = data[:8] == raydium_cpmm.SWAP_BASE_INPUT
    if len(data) != 24 or not (exact_in or data[:8] == raydium_cpmm.SWAP_BASE_OUTPUT) or len(accounts) < 13:
        raise SwapFailed(CPMM_INVALID_INPUT)
    payer, authority, config_key, pool_key, source, dest, vault_in, vault_out = accounts[:8]
    pool_acct = _account(svm, pool_key, raydium_cpmm.PROGRAM_ID)
    pool = raydium_cpmm.Pool(pool_acct.data)
    f = pool.fields
    if payer not in signers or authority != raydium_cpmm.authority() or bytes(config_key) != f["amm_config"]:
        raise SwapFailed(INVALID_ACCOUNT)
    config = raydium_cpmm.Config(_account(svm, config_key, raydium_cpmm.PROGRAM_ID).data)
    if bytes(vault_in) == f["token_0_vault"] and bytes(vault_out) == f["token_1_vault"]:
        zero_for_one = True
    elif bytes(vault_in) == f["token_1_vault"] and bytes(vault_out) == f["token_0_vault"]:
        zero_for_one = False
    else:
        raise SwapFailed(CPMM_INVALID_VAULT)
    tokens = _Tokens(svm)
    v0, v1 = (tokens.amount(Pubkey.from_bytes(f["token_0_vault"])), tokens.amount(Pubkey.from_bytes(f["token_1_vault"])))
    first, second = struct.unpack_from("<QQ", data, 8)
    if exact_in:  # amount_in, minimum_amount_out
        q = _quote(raydium_cpmm.quote_exact_in, pool, config, zero_for_one, v0, v1, first, code=CPMM_INVALID_INPUT)
        if q.amount_out < second:
            raise SwapFailed(CPMM_EXCEEDED_SLIPPAGE)
    else:  # max_amount_in, amount_out
        q = _quote(raydium_cpmm.quote_exact_out, pool, config, zero_for_one, v0, v1, second, code=CPMM_INVALID_INPUT)
        if q.amount_in > first:
            raise SwapFailed(CPMM_EXCEEDED_SLIPPAGE)
    tokens.move(source, vault_in, q.amount_in, payer)
    tokens.move(vault_out, dest, q.amount_out)
    # the fees the vaults now hold for the protocol, the fund and the creator (states/pool.rs)
    side_in, side_out = ("0", "1") if zero_for_one else ("1", "0")
    held = {f"protocol_fees_{side_in}": q.protocol_fee, f"fund_fees_{side_in}": q.fund_fee,
            f"creator_fees_{side_in if q.creator_fee_on_input else side_out}": q.creator_fee}
    raw = bytearray(pool_acct.data)
    for name, add in held.items():
        offset = raydium_cpmm.POOL_LAYOUT[name][0]
        struct.pack_into("<Q", raw, offset, struct.unpack_from("<Q", raw, offset)[0] + add)
    tokens.commit()
    svm.set_account(pool_key, Account(pool_acct.lamports, bytes(raw), pool_acct.owner, pool_acct.executable,
                                      pool_acct.rent_epoch))


def _pump(svm, accounts, data, signers):
    """buy / buy_exact_quote_in / sell (the IDL's accounts; fees per the SDK's arithmetic)."""
    head = data[:8]
    side = {pump_amm.BUY: "buy", pump_amm.BUY_EXACT_QUOTE_IN: "buy_exact_quote", pump_amm.SELL: "sell"}.get(head)
    if side is None or len(data) < 24 or len(accounts) < (21 if side == "sell" else 23):
        raise SwapFailed(INVALID_ACCOUNT)
    pool_key, user, config_key = accounts[0], accounts[1], accounts[2]
    user_base, user_quote, pool_base, pool_quote = accounts[5:9]
    protocol_ata, creator_ata = accounts[10], accounts[17]
    fee_config_key = accounts[19 if side == "sell" else 21]
    pool = pump_amm.Pool(_account(svm, pool_key, pump_amm.PROGRAM_ID).data)
    f = pool.fields
    if user not in signers or config_key != pump_amm.GLOBAL_CONFIG or bytes(pool_base) != f["pool_base_token_account"] \
            or bytes(pool_quote) != f["pool_quote_token_account"]:
        raise SwapFailed(INVALID_ACCOUNT)
    config = pump_amm.GlobalConfig(_account(svm, config_key, pump_amm.PROGRAM_ID).data)
    fee_acct = svm.get_account(fee_config_key)
    fee_config = pump_amm.FeeConfig(fee_acct.data) if fee_acct is not None and fee_acct.data else None
    tokens = _Tokens(svm)
    market = pump_amm.Market(pool, config, fee_config, 0)
    base_r, quote_r = tokens.amount(pool_base), tokens.amount(pool_quote)
    first, second = struct.unpack_from("<QQ", data, 8)
    if side == "sell":  # base_amount_in, min_quote_amount_out
        q = _quote(market.sell_exact_base_in, base_r, quote_r, first, code=PUMP_OVERFLOW)
        if q.quote < second:
            raise SwapFailed(PUMP_EXCEEDED_SLIPPAGE)
        tokens.move(user_base, pool_base, q.base, user)
        tokens.move(pool_quote, user_quote, q.quote)
        tokens.move(pool_quote, protocol_ata, q.protocol_fee)
        tokens.move(pool_quote, creator_ata, q.creator_fee)
    else:
        if side == "buy":  # base_amount_out, max_quote_amount_in
            q = _quote(market.buy_exact_base_out, base_r, quote_r, first, code=PUMP_OVERFLOW)
            if q.quote > second:
                raise SwapFailed(PUMP_EXCEEDED_SLIPPAGE)
        else:  # spendable_quote_in, min_base_amount_out
            q = _quote(market.buy_exact_quote_in, base_r, quote_r, first, code=PUMP_OVERFLOW)
            if q.base < second:
                raise SwapFailed(PUMP_EXCEEDED_SLIPPAGE)
        tokens.move(user_quote, pool_quote, q.swapped + q.lp_fee, user)
        tokens.move(user_quote, protocol_ata, q.protocol_fee, user)
        tokens.move(user_quote, creator_ata, q.creator_fee, user)
        tokens.move(pool_base, user_base, q.base)
    tokens.commit()


def _whirlpool(svm, accounts, data, signers):
    """swap_v2 (programs/whirlpool/src/instructions/v2/swap.rs), SPL Token mints: the quote across
    the three tick arrays named (an absent one is empty, as the program reads it) at the runtime
    clock's time, with the oracle an adaptive-fee pool names, up to the price limit when one is
    set; then the pool, the tick arrays and the oracle as whirlpool.execute leaves them."""
    if data[:8] != whirlpool.SWAP_V2 or len(data) < 43 or len(accounts) < 15:
        raise SwapFailed(INVALID_ACCOUNT)
    amount, threshold = struct.unpack_from("<QQ", data, 8)
    limit = int.from_bytes(data[24:40], "little")
    exact_in, a_to_b = bool(data[40]), bool(data[41])
    authority, pool_key, mint_a, mint_b, owner_a, vault_a, owner_b, vault_b = (accounts[3], *accounts[4:11])
    pool_acct = _account(svm, pool_key, whirlpool.PROGRAM_ID)
    f = whirlpool.Pool(pool_acct.data).fields
    if authority not in signers or \
            [bytes(k) for k in (mint_a, vault_a, mint_b, vault_b)] != \
            [f["token_mint_a"], f["token_vault_a"], f["token_mint_b"], f["token_vault_b"]]:
        raise SwapFailed(INVALID_ACCOUNT)
    if amount == 0:
        raise SwapFailed(WP_ZERO_TRADABLE)
    if limit and not whirlpool.MIN_SQRT_PRICE <= limit <= whirlpool.MAX_SQRT_PRICE:
        raise SwapFailed(WP_SQRT_PRICE_OUT_OF_BOUNDS)
    if limit and (limit >= f["sqrt_price"] if a_to_b else limit <= f["sqrt_price"]):
        raise SwapFailed(WP_INVALID_LIMIT_DIRECTION)
    oracle = None
    if f["fee_tier_index"] != f["tick_spacing"]:  # an adaptive fee: its oracle, where the pool's PDA says
        if accounts[14] != whirlpool.oracle_address(pool_key):
            raise SwapFailed(INVALID_ACCOUNT)
        oracle = (accounts[14], _account(svm, accounts[14], whirlpool.PROGRAM_ID))
    span = whirlpool.TICKS_PER_ARRAY * f["tick_spacing"]
    arrays = {}
    for key in accounts[11:14]:
        acct = svm.get_account(key)
        if acct is not None and acct.owner == whirlpool.PROGRAM_ID:
            array = _quote(whirlpool.TickArray, acct.data, code=INVALID_ACCOUNT)
            if key != whirlpool.tick_array_address(pool_key, array.start_tick_index):
                raise SwapFailed(WP_INVALID_TICK_ARRAY_SEQUENCE)
            arrays[array.start_tick_index] = (key, acct, bytearray(acct.data))
    first = whirlpool.tick_array_start(f["tick_current_index"], f["tick_spacing"])
    for start in (first + k * (-span if a_to_b else span) for k in range(3)):
        arrays.setdefault(start, (None, None, bytearray(whirlpool.encode_tick_array(start, {}, pool_key))))
    pool_data = bytearray(pool_acct.data)
    oracle_data = bytearray(oracle[1].data) if oracle else None
    q = _quote(lambda: whirlpool.execute(pool_data, [a[2] for a in arrays.values()], amount, a_to_b=a_to_b,
                                         exact_in=exact_in, now=svm.get_clock().unix_timestamp,
                                         oracle_data=oracle_data, sqrt_price_limit=limit),
               code=WP_INVALID_TICK_ARRAY_SEQUENCE)
    _check_bound(q, exact_in, threshold, WP_AMOUNT_OUT_BELOW_MINIMUM, WP_AMOUNT_IN_ABOVE_MAXIMUM)
    (user_in, vault_in), (vault_out, user_out) = ((owner_a, vault_a), (vault_b, owner_b)) if a_to_b else \
        ((owner_b, vault_b), (vault_a, owner_a))
    # an array the cluster does not hold stays absent
    written = [(pool_key, pool_acct, pool_data), *([(*oracle, oracle_data)] if oracle else []),
               *(a for a in arrays.values() if a[0] is not None)]
    _settle(svm, _Tokens(svm), q, authority, user_in, vault_in, vault_out, user_out, written)


def _write(svm, key: Pubkey, acct, data: bytearray):
    svm.set_account(key, Account(acct.lamports, bytes(data), acct.owner, acct.executable, acct.rent_epoch))


def _check_bound(q, exact_in: bool, threshold: int, below_minimum: int, above_maximum: int):
    """The slippage bound of a concentrated-liquidity swap: a minimum out, or a maximum in."""
    if exact_in and q.amount_out < threshold:
        raise SwapFailed(below_minimum)
    if not exact_in and q.amount_in > threshold:
        raise SwapFailed(above_maximum)


def _settle(svm, tokens: _Tokens, q, owner: Pubkey, user_in, vault_in, vault_out, user_out, written):
    """A swap's transfers (the user's input to the vault, the vault's output to the user) and the
    program accounts it wrote, [(key, account before, bytes after)], all committed together."""
    tokens.move(user_in, vault_in, q.amount_in, owner)
    tokens.move(vault_out, user_out, q.amount_out)
    tokens.commit()
    for key, acct, raw in written:
        _write(svm, key, acct, raw)


def _swap_failure(e: MevError, *, missing: int, overflow: int, otherwise: int) -> SwapFailed:
    """The program's error for a swap the quote refuses."""
    if isinstance(e, MathOverflowError):
        return SwapFailed(overflow)
    return SwapFailed(missing if isinstance(e, MissingArrayError) else otherwise)


def _raydium_clmm(svm, accounts, data, signers):
    """swap_v2 (programs/amm/src/instructions/swap_v2.rs) with SPL Token mints: the quote across
    the tick arrays named (after the bitmap extension when it comes first), at the runtime clock's
    time; then the pool, the tick arrays and the extension as the program leaves them
    (raydium_clmm.execute). Not written: the observation account."""
    if data[:8] != raydium_clmm.SWAP_V2 or len(data) != 41 or len(accounts) < 13:
        raise SwapFailed(INVALID_ACCOUNT)
    amount, threshold = struct.unpack_from("<QQ", data, 8)
    limit, exact_in = int.from_bytes(data[24:40], "little"), bool(data[40])
    payer, config_key, pool_key, user_in, user_out, vault_in, vault_out = accounts[:7]
    pool_acct = _account(svm, pool_key, raydium_clmm.PROGRAM_ID)
    f = raydium_clmm.Pool(pool_acct.data).fields
    if payer not in signers or bytes(config_key) != f["amm_config"] or accounts[8] != TOKEN_PROGRAM_ID:
        raise SwapFailed(INVALID_ACCOUNT)
    if [bytes(vault_in), bytes(vault_out)] == [f["token_vault_0"], f["token_vault_1"]]:
        zero_for_one = True
    elif [bytes(vault_in), bytes(vault_out)] == [f["token_vault_1"], f["token_vault_0"]]:
        zero_for_one = False
    else:
        raise SwapFailed(RCL_INVALID_INPUT_VAULT)
    if amount == 0:
        raise SwapFailed(RCL_ZERO_AMOUNT)
    config = raydium_clmm.Config(_account(svm, config_key, raydium_clmm.PROGRAM_ID).data)
    rest, extension = list(accounts[13:]), None
    if rest and rest[0] == raydium_clmm.bitmap_extension_address(pool_key):
        extension = (rest[0], _account(svm, rest.pop(0), raydium_clmm.PROGRAM_ID))
    arrays = []
    for key in rest:
        acct = _account(svm, key, raydium_clmm.PROGRAM_ID)
        array = _quote(raydium_clmm.TickArray, acct.data, code=RCL_INVALID_TICK_ARRAY)
        if key != raydium_clmm.tick_array_address(pool_key, array.start_tick_index):
            raise SwapFailed(RCL_INVALID_TICK_ARRAY)
        arrays.append((key, acct, bytearray(acct.data)))
    pool_data = bytearray(pool_acct.data)
    extension_data = bytearray(extension[1].data) if extension else None
    try:
        q = raydium_clmm.execute(pool_data, config, [a[2] for a in arrays], amount, zero_for_one=zero_for_one,
                                 now=svm.get_clock().unix_timestamp, exact_in=exact_in,
                                 extension_data=extension_data, sqrt_price_limit=limit)
    except MevError as e:
        raise _swap_failure(e, missing=RCL_NOT_ENOUGH_TICK_ARRAYS, overflow=RCL_CALCULATE_OVERFLOW,
                            otherwise=RCL_LIQUIDITY_INSUFFICIENT) from None
    _check_bound(q, exact_in, threshold, RCL_TOO_LITTLE_OUTPUT, RCL_TOO_MUCH_INPUT)
    written = [(pool_key, pool_acct, pool_data), *([(*extension, extension_data)] if extension else []), *arrays]
    _settle(svm, _Tokens(svm), q, payer, user_in, vault_in, vault_out, user_out, written)


def _meteora_dlmm(svm, accounts, data, signers):
    """swap / swap2 and swap_exact_out / swap_exact_out2 (the IDL's accounts) with SPL Token
    mints and no host fee: the quote across the bin arrays named, at the runtime clock's time and
    slot; then the pair and bin arrays as meteora_dlmm.execute leaves them. Not written: the
    oracle."""
    head = data[:8]
    kinds = {meteora_dlmm.SWAP2: (True, 2), meteora_dlmm.SWAP_EXACT_OUT2: (False, 2),
             meteora_dlmm.SWAP: (True, 1), meteora_dlmm.SWAP_EXACT_OUT: (False, 1)}
    if head not in kinds or len(data) < 24:
        raise SwapFailed(DLMM_INVALID_INPUT)
    exact_in, version = kinds[head]
    first, second = struct.unpack_from("<QQ", data, 8)
    fixed = 16 if version == 2 else 15
    skip = 0
    if version == 2:  # RemainingAccountsInfo: transfer-hook slices (type u8, length u8) come first
        if len(data) < 28:
            raise SwapFailed(DLMM_INVALID_INPUT)
        (slices,) = struct.unpack_from("<I", data, 24)
        if len(data) != 28 + 2 * slices:
            raise SwapFailed(DLMM_INVALID_INPUT)
        skip = sum(data[29 + 2 * i] for i in range(slices))
    if len(accounts) < fixed:
        raise SwapFailed(INVALID_ACCOUNT)
    pair_key, extension_key, reserve_x, reserve_y, user_in, user_out = accounts[:6]
    host_fee, user = accounts[9], accounts[10]
    pair_acct = _account(svm, pair_key, meteora_dlmm.PROGRAM_ID)
    f = meteora_dlmm.Pair(pair_acct.data).fields
    if user not in signers or host_fee != meteora_dlmm.PROGRAM_ID or \
            [bytes(reserve_x), bytes(reserve_y)] != [f["reserve_x"], f["reserve_y"]] or \
            accounts[11] != TOKEN_PROGRAM_ID or accounts[12] != TOKEN_PROGRAM_ID:
        raise SwapFailed(INVALID_ACCOUNT)  # a host fee or Token-2022 mints: not modelled
    extension = None
    if extension_key != meteora_dlmm.PROGRAM_ID:
        if extension_key != meteora_dlmm.bitmap_extension_address(pair_key):
            raise SwapFailed(INVALID_ACCOUNT)
        extension = meteora_dlmm.BitmapExtension(_account(svm, extension_key, meteora_dlmm.PROGRAM_ID).data)
    tokens = _Tokens(svm)
    mint_in, mint_out = bytes(tokens.get(user_in).mint), bytes(tokens.get(user_out).mint)
    if (mint_in, mint_out) == (f["token_x_mint"], f["token_y_mint"]):
        swap_for_y, vault_in, vault_out = True, reserve_x, reserve_y
    elif (mint_in, mint_out) == (f["token_y_mint"], f["token_x_mint"]):
        swap_for_y, vault_in, vault_out = False, reserve_y, reserve_x
    else:
        raise SwapFailed(DLMM_INVALID_INPUT)
    arrays = []
    for key in accounts[fixed + skip:]:
        acct = _account(svm, key, meteora_dlmm.PROGRAM_ID)
        array = _quote(meteora_dlmm.BinArray, acct.data, code=DLMM_BIN_ARRAY_NOT_FOUND)
        if key != meteora_dlmm.bin_array_address(pair_key, array.index):
            raise SwapFailed(DLMM_BIN_ARRAY_NOT_FOUND)
        arrays.append((key, acct, bytearray(acct.data)))
    clock = svm.get_clock()
    pair_data = bytearray(pair_acct.data)
    try:
        q = meteora_dlmm.execute(pair_data, [a[2] for a in arrays], first if exact_in else second,
                                 swap_for_y=swap_for_y, now=clock.unix_timestamp, slot=clock.slot,
                                 exact_in=exact_in, extension=extension)
    except MevError as e:
        raise _swap_failure(e, missing=DLMM_BIN_ARRAY_NOT_FOUND, overflow=DLMM_MATH_OVERFLOW,
                            otherwise=DLMM_INSUFFICIENT_LIQUIDITY) from None
    _check_bound(q, exact_in, second if exact_in else first, DLMM_SLIPPAGE, DLMM_SLIPPAGE)
    _settle(svm, tokens, q, user, user_in, vault_in, vault_out, user_out, [(pair_key, pair_acct, pair_data), *arrays])
