# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""The DEX layer's C decoders and quote math (csrc/dex/): mevlib.dex builds on it."""

from cpython.buffer cimport PyBUF_SIMPLE, PyBUF_WRITABLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytearray cimport PyByteArray_AS_STRING, PyByteArray_CheckExact, PyByteArray_GET_SIZE
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_CheckExact, PyBytes_GET_SIZE
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.stdint cimport int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.string cimport memcpy, memset

from mevlib._errors cimport check
from mevlib.errors import InvalidArgumentError, MissingArrayError

cdef extern from "dex/token.h" nogil:
    enum:
        MEV_TOKEN_PROGRAM
        MEV_TOKEN_2022_PROGRAM
    ctypedef struct mev_token_account:
        uint8_t mint[32]
        uint8_t owner[32]
        uint64_t amount
        uint8_t delegate[32]
        uint64_t delegated_amount
        uint64_t native_reserve
        uint8_t close_authority[32]
        uint8_t has_delegate, has_close_authority, is_native, state
    ctypedef struct mev_transfer_fee:
        uint64_t epoch
        uint64_t maximum_fee
        uint16_t basis_points
    ctypedef struct mev_mint:
        uint8_t mint_authority[32]
        uint8_t freeze_authority[32]
        uint64_t supply
        uint8_t decimals
        uint8_t has_mint_authority, has_freeze_authority, has_transfer_fee, has_transfer_hook
        uint64_t withheld_amount
        mev_transfer_fee older_fee, newer_fee
        uint8_t transfer_hook_program[32]
    int mev_token_account_decode(const uint8_t *data, size_t len, int program, mev_token_account *out)
    int mev_mint_decode(const uint8_t *data, size_t len, int program, mev_mint *out)
    uint64_t mev_transfer_fee_of(const mev_transfer_fee *f, uint64_t amount)
    int mev_transfer_pre_fee_amount(const mev_transfer_fee *f, uint64_t post, uint64_t *pre)

TOKEN = MEV_TOKEN_PROGRAM
TOKEN_2022 = MEV_TOKEN_2022_PROGRAM


def token_account(data, int program):
    """One token account's fields as a tuple (see mevlib.dex.TokenAccount)."""
    cdef mev_token_account a
    cdef bytes raw = bytes(data)
    check(mev_token_account_decode(<const uint8_t *>PyBytes_AS_STRING(raw), PyBytes_GET_SIZE(raw), program, &a),
          "SPL Token-2022 account" if program == TOKEN_2022 else "SPL Token account")
    return (a.mint[:32], a.owner[:32], a.amount, a.delegate[:32] if a.has_delegate else None, a.delegated_amount,
            a.state, a.native_reserve if a.is_native else None, a.close_authority[:32] if a.has_close_authority else None)


def mint(data, int program):
    """One mint's fields as a tuple (see mevlib.dex.Mint)."""
    cdef mev_mint m
    cdef bytes raw = bytes(data)
    check(mev_mint_decode(<const uint8_t *>PyBytes_AS_STRING(raw), PyBytes_GET_SIZE(raw), program, &m),
          "SPL Token-2022 mint" if program == TOKEN_2022 else "SPL Token mint")
    fees = None
    if m.has_transfer_fee:
        fees = (m.withheld_amount, (m.older_fee.epoch, m.older_fee.maximum_fee, m.older_fee.basis_points),
                (m.newer_fee.epoch, m.newer_fee.maximum_fee, m.newer_fee.basis_points))
    return (m.mint_authority[:32] if m.has_mint_authority else None, m.supply, m.decimals,
            m.freeze_authority[:32] if m.has_freeze_authority else None, fees,
            m.transfer_hook_program[:32] if m.has_transfer_hook else None)


def transfer_fee(uint64_t maximum_fee, uint16_t basis_points, uint64_t amount):
    cdef mev_transfer_fee f
    f.epoch, f.maximum_fee, f.basis_points = 0, maximum_fee, basis_points
    return mev_transfer_fee_of(&f, amount)


def pre_fee_amount(uint64_t maximum_fee, uint16_t basis_points, uint64_t post):
    cdef mev_transfer_fee f
    cdef uint64_t pre
    f.epoch, f.maximum_fee, f.basis_points = 0, maximum_fee, basis_points
    check(mev_transfer_pre_fee_amount(&f, post, &pre), "pre-fee amount")
    return pre


def token_accounts_into(datas, out, int program):
    """Fills the structured array `out` (mevlib.dex.TOKEN_ACCOUNT_DTYPE) from `datas`, in order,
    with the GIL released over the decoding; returns a bool array: which decoded."""
    import numpy as np

    cdef Py_ssize_t n = len(datas), i
    if len(out) < n:
        raise InvalidArgumentError(f"out holds {len(out)} records, not {n}")
    keep = [bytes(d) for d in datas]  # alive while the GIL is released
    ptrs = np.zeros(n, np.uintp)
    lens = np.zeros(n, np.uintp)
    for i in range(n):
        ptrs[i] = <size_t>PyBytes_AS_STRING(keep[i])
        lens[i] = PyBytes_GET_SIZE(keep[i])
    ok = np.zeros(n, np.bool_)
    cdef size_t[::1] p = ptrs, l = lens
    cdef uint8_t[::1] good = ok.view(np.uint8)
    cdef Py_buffer view
    cdef size_t itemsize = out.dtype.itemsize
    f = out.dtype.fields
    cdef size_t o_mint = f["mint"][1], o_owner = f["owner"][1], o_amount = f["amount"][1]
    cdef size_t o_state = f["state"][1], o_deleg = f["delegated_amount"][1]
    cdef mev_token_account a
    cdef uint8_t *rec
    PyObject_GetBuffer(out, &view, PyBUF_SIMPLE | PyBUF_WRITABLE)
    try:
        with nogil:
            for i in range(n):
                rec = <uint8_t *>view.buf + i * itemsize
                memset(rec, 0, itemsize)
                if mev_token_account_decode(<const uint8_t *>p[i], l[i], program, &a) != 0:
                    continue
                memcpy(rec + o_mint, a.mint, 32)
                memcpy(rec + o_owner, a.owner, 32)
                memcpy(rec + o_amount, &a.amount, 8)
                memcpy(rec + o_deleg, &a.delegated_amount, 8)
                rec[o_state] = a.state
                good[i] = 1
    finally:
        PyBuffer_Release(&view)
    return ok


cdef extern from "dex/cpmm.h" nogil:
    ctypedef struct mev_cpmm_pool:
        uint8_t amm_config[32]
        uint8_t pool_creator[32]
        uint8_t token_0_vault[32]
        uint8_t token_1_vault[32]
        uint8_t lp_mint[32]
        uint8_t token_0_mint[32]
        uint8_t token_1_mint[32]
        uint8_t token_0_program[32]
        uint8_t token_1_program[32]
        uint8_t observation[32]
        uint8_t auth_bump, status, lp_mint_decimals, mint_0_decimals, mint_1_decimals
        uint8_t creator_fee_on, enable_creator_fee
        uint64_t lp_supply, protocol_fees_0, protocol_fees_1, fund_fees_0, fund_fees_1, open_time, recent_epoch
        uint64_t creator_fees_0, creator_fees_1
    ctypedef struct mev_cpmm_config:
        uint64_t trade_fee_rate, protocol_fee_rate, fund_fee_rate, create_pool_fee, creator_fee_rate
        uint16_t index
        uint8_t disable_create_pool
    ctypedef struct mev_cpmm_quote:
        uint64_t amount_in, amount_out, trade_fee, protocol_fee, fund_fee, creator_fee
        uint8_t creator_fee_on_input
    int mev_cpmm_pool_decode(const uint8_t *data, size_t len, mev_cpmm_pool *out)
    int mev_cpmm_config_decode(const uint8_t *data, size_t len, mev_cpmm_config *out)
    int mev_cpmm_reserves(const mev_cpmm_pool *p, uint64_t vault_0, uint64_t vault_1, uint64_t *r0, uint64_t *r1)
    int mev_cpmm_quote_exact_in(const mev_cpmm_pool *p, const mev_cpmm_config *c, int zero_for_one,
                                uint64_t reserve_in, uint64_t reserve_out, uint64_t amount_in, mev_cpmm_quote *q)
    int mev_cpmm_quote_exact_out(const mev_cpmm_pool *p, const mev_cpmm_config *c, int zero_for_one,
                                 uint64_t reserve_in, uint64_t reserve_out, uint64_t amount_out, mev_cpmm_quote *q)


cdef class CpmmPool:
    """A decoded Raydium CPMM pool (its C struct, kept for quoting)."""
    cdef mev_cpmm_pool p

    def __init__(self, data):
        cdef bytes raw = bytes(data)
        check(mev_cpmm_pool_decode(<const uint8_t *>PyBytes_AS_STRING(raw), PyBytes_GET_SIZE(raw), &self.p),
              "Raydium CPMM PoolState")

    @property
    def fields(self):
        p = self.p
        keys = ("amm_config", "pool_creator", "token_0_vault", "token_1_vault", "lp_mint", "token_0_mint",
                "token_1_mint", "token_0_program", "token_1_program", "observation")
        raw = [p.amm_config[:32], p.pool_creator[:32], p.token_0_vault[:32], p.token_1_vault[:32], p.lp_mint[:32],
               p.token_0_mint[:32], p.token_1_mint[:32], p.token_0_program[:32], p.token_1_program[:32],
               p.observation[:32]]
        out = dict(zip(keys, raw))
        out.update(auth_bump=p.auth_bump, status=p.status, lp_mint_decimals=p.lp_mint_decimals,
                   mint_0_decimals=p.mint_0_decimals, mint_1_decimals=p.mint_1_decimals, lp_supply=p.lp_supply,
                   protocol_fees_0=p.protocol_fees_0, protocol_fees_1=p.protocol_fees_1, fund_fees_0=p.fund_fees_0,
                   fund_fees_1=p.fund_fees_1, open_time=p.open_time, recent_epoch=p.recent_epoch,
                   creator_fee_on=p.creator_fee_on, enable_creator_fee=bool(p.enable_creator_fee),
                   creator_fees_0=p.creator_fees_0, creator_fees_1=p.creator_fees_1)
        return out

    def reserves(self, uint64_t vault_0, uint64_t vault_1):
        cdef uint64_t r0, r1
        check(mev_cpmm_reserves(&self.p, vault_0, vault_1, &r0, &r1), "Raydium CPMM reserves (fees exceed a vault)")
        return r0, r1


cdef class CpmmConfig:
    cdef mev_cpmm_config c

    def __init__(self, data=None, *, trade_fee_rate=0, protocol_fee_rate=0, fund_fee_rate=0, creator_fee_rate=0):
        cdef bytes raw
        if data is not None:
            raw = bytes(data)
            check(mev_cpmm_config_decode(<const uint8_t *>PyBytes_AS_STRING(raw), PyBytes_GET_SIZE(raw), &self.c),
                  "Raydium CPMM AmmConfig")
        else:
            memset(&self.c, 0, sizeof(self.c))
            self.c.trade_fee_rate, self.c.protocol_fee_rate = trade_fee_rate, protocol_fee_rate
            self.c.fund_fee_rate, self.c.creator_fee_rate = fund_fee_rate, creator_fee_rate

    @property
    def fields(self):
        c = self.c
        return dict(trade_fee_rate=c.trade_fee_rate, protocol_fee_rate=c.protocol_fee_rate,
                    fund_fee_rate=c.fund_fee_rate, create_pool_fee=c.create_pool_fee,
                    creator_fee_rate=c.creator_fee_rate, index=c.index, disable_create_pool=bool(c.disable_create_pool))


def cpmm_quote(CpmmPool pool not None, CpmmConfig config not None, bint zero_for_one, uint64_t reserve_in,
               uint64_t reserve_out, uint64_t amount, bint exact_in):
    """(amount_in, amount_out, trade_fee, protocol_fee, fund_fee, creator_fee, creator_fee_on_input)."""
    cdef mev_cpmm_quote q
    cdef int rc
    with nogil:
        if exact_in:
            rc = mev_cpmm_quote_exact_in(&pool.p, &config.c, zero_for_one, reserve_in, reserve_out, amount, &q)
        else:
            rc = mev_cpmm_quote_exact_out(&pool.p, &config.c, zero_for_one, reserve_in, reserve_out, amount, &q)
    check(rc, "Raydium CPMM quote")
    return (q.amount_in, q.amount_out, q.trade_fee, q.protocol_fee, q.fund_fee, q.creator_fee,
            bool(q.creator_fee_on_input))


cdef extern from "dex/pump_amm.h" nogil:
    ctypedef long long i128 "__int128"  # passed through, never converted
    enum:
        MEV_PUMP_FLAT
        MEV_PUMP_SOL_TIERS
        MEV_PUMP_STABLE_TIERS
        MEV_PUMP_EXOTIC
        MEV_PUMP_BUY_BASE_OUT
        MEV_PUMP_BUY_QUOTE_IN
        MEV_PUMP_SELL_BASE_IN
        MEV_PUMP_SELL_QUOTE_OUT
        MEV_PUMP_MAX_TIERS
    ctypedef struct mev_pump_pool:
        uint8_t creator[32]
        uint8_t base_mint[32]
        uint8_t quote_mint[32]
        uint8_t lp_mint[32]
        uint8_t pool_base[32]
        uint8_t pool_quote[32]
        uint8_t coin_creator[32]
        uint64_t lp_supply, creator_fee_bps
        i128 virtual_quote_reserves
        uint16_t index
        uint8_t pool_bump, is_mayhem_mode, is_cashback_coin, can_edit_creator_fee
    ctypedef struct mev_pump_global:
        uint8_t admin[32]
        uint8_t protocol_fee_recipients[8][32]
        uint8_t buyback_fee_recipients[8][32]
        uint8_t reserved_fee_recipient[32]
        uint8_t reserved_fee_recipients[7][32]
        uint64_t lp_fee_bps, protocol_fee_bps, coin_creator_fee_bps, buyback_bps, max_configurable_creator_fee_bps
        uint8_t disable_flags, mayhem_mode_enabled, is_cashback_enabled, boost_enabled, creator_fee_configurable
    ctypedef struct mev_pump_fees:
        uint64_t lp, protocol, creator
    ctypedef struct mev_pump_tier:
        mev_pump_fees fees
    ctypedef struct mev_pump_fee_config:
        mev_pump_fees flat, exotic
        mev_pump_tier tiers[64]
        mev_pump_tier stable[64]
        uint32_t n_tiers, n_stable
    ctypedef struct mev_pump_quote:
        uint64_t base, quote, swapped, lp_fee, protocol_fee, creator_fee
    int mev_pump_pool_decode(const uint8_t *data, size_t len, mev_pump_pool *out)
    int mev_pump_global_decode(const uint8_t *data, size_t len, mev_pump_global *out)
    int mev_pump_fee_config_decode(const uint8_t *data, size_t len, mev_pump_fee_config *out)
    int mev_pump_fees_for(const mev_pump_global *g, const mev_pump_fee_config *fc, int schedule,
                          const mev_pump_pool *p, uint64_t base_mint_supply, uint64_t base_reserve,
                          uint64_t quote_reserve, mev_pump_fees *out)
    int mev_pump_quote_trade(int kind, const mev_pump_fees *f, i128 virtual_quote, uint64_t base_reserve,
                             uint64_t quote_reserve, uint64_t amount, mev_pump_quote *q)

PUMP_FLAT, PUMP_SOL_TIERS, PUMP_STABLE_TIERS, PUMP_EXOTIC = MEV_PUMP_FLAT, MEV_PUMP_SOL_TIERS, MEV_PUMP_STABLE_TIERS, MEV_PUMP_EXOTIC
PUMP_BUY_BASE_OUT, PUMP_BUY_QUOTE_IN = MEV_PUMP_BUY_BASE_OUT, MEV_PUMP_BUY_QUOTE_IN
PUMP_SELL_BASE_IN, PUMP_SELL_QUOTE_OUT = MEV_PUMP_SELL_BASE_IN, MEV_PUMP_SELL_QUOTE_OUT


cdef bytes _raw(data):
    return data if PyBytes_CheckExact(data) else bytes(data)


cdef uint8_t *_writable(buf, size_t *n) except NULL:
    """An account's bytes to patch in place: a bytearray."""
    if not PyByteArray_CheckExact(buf):
        raise InvalidArgumentError("account data to write back must be a bytearray")
    n[0] = PyByteArray_GET_SIZE(buf)
    return <uint8_t *>PyByteArray_AS_STRING(buf)


cdef class PumpPool:
    """A decoded Pump.fun AMM pool (its C struct, kept for quoting)."""
    cdef mev_pump_pool p
    cdef readonly object virtual_quote_reserves

    def __init__(self, data):
        cdef bytes raw = _raw(data)
        check(mev_pump_pool_decode(<const uint8_t *>PyBytes_AS_STRING(raw), PyBytes_GET_SIZE(raw), &self.p),
              "Pump.fun AMM Pool")
        self.virtual_quote_reserves = int.from_bytes(raw[245:261], "little", signed=True) if len(raw) >= 261 else 0

    @property
    def fields(self):
        p = self.p
        return dict(pool_bump=p.pool_bump, index=p.index, creator=p.creator[:32], base_mint=p.base_mint[:32],
                    quote_mint=p.quote_mint[:32], lp_mint=p.lp_mint[:32], pool_base_token_account=p.pool_base[:32],
                    pool_quote_token_account=p.pool_quote[:32], lp_supply=p.lp_supply,
                    coin_creator=p.coin_creator[:32], is_mayhem_mode=bool(p.is_mayhem_mode),
                    is_cashback_coin=bool(p.is_cashback_coin), virtual_quote_reserves=self.virtual_quote_reserves,
                    creator_fee_bps=p.creator_fee_bps, can_edit_creator_fee=bool(p.can_edit_creator_fee))


cdef class PumpGlobalConfig:
    cdef mev_pump_global g

    def __init__(self, data):
        cdef bytes raw = _raw(data)
        check(mev_pump_global_decode(<const uint8_t *>PyBytes_AS_STRING(raw), PyBytes_GET_SIZE(raw), &self.g),
              "Pump.fun AMM GlobalConfig")

    @property
    def fields(self):
        g = self.g
        return dict(admin=g.admin[:32], lp_fee_basis_points=g.lp_fee_bps, protocol_fee_basis_points=g.protocol_fee_bps,
                    disable_flags=g.disable_flags,
                    protocol_fee_recipients=[bytes(g.protocol_fee_recipients[i][:32]) for i in range(8)],
                    coin_creator_fee_basis_points=g.coin_creator_fee_bps,
                    reserved_fee_recipient=g.reserved_fee_recipient[:32],
                    reserved_fee_recipients=[bytes(g.reserved_fee_recipients[i][:32]) for i in range(7)],
                    mayhem_mode_enabled=bool(g.mayhem_mode_enabled), is_cashback_enabled=bool(g.is_cashback_enabled),
                    buyback_fee_recipients=[bytes(g.buyback_fee_recipients[i][:32]) for i in range(8)],
                    buyback_basis_points=g.buyback_bps, boost_enabled=bool(g.boost_enabled),
                    creator_fee_configurable=bool(g.creator_fee_configurable),
                    max_configurable_creator_fee_bps=g.max_configurable_creator_fee_bps)


cdef class PumpFeeConfig:
    cdef mev_pump_fee_config c

    def __init__(self, data):
        cdef bytes raw = _raw(data)
        check(mev_pump_fee_config_decode(<const uint8_t *>PyBytes_AS_STRING(raw), PyBytes_GET_SIZE(raw), &self.c),
              "pump-fees FeeConfig")
        self._thresholds = (_thresholds(raw, 65, self.c.n_tiers),
                            _thresholds(raw, 65 + 4 + 40 * self.c.n_tiers, self.c.n_stable) if self.c.n_stable else [])

    cdef object _thresholds

    @property
    def fields(self):
        c = self.c
        fees = lambda mev_pump_fees f: (f.lp, f.protocol, f.creator)
        return dict(flat_fees=fees(c.flat), exotic_flat_fees=fees(c.exotic),
                    fee_tiers=[(t, fees(c.tiers[i].fees)) for i, t in enumerate(self._thresholds[0])],
                    stable_fee_tiers=[(t, fees(c.stable[i].fees)) for i, t in enumerate(self._thresholds[1])])


def _thresholds(bytes raw, Py_ssize_t at, uint32_t n):
    return [int.from_bytes(raw[at + 4 + 40 * i:at + 20 + 40 * i], "little") for i in range(n)]


cdef class PumpMarket:
    """A pool with the configs that price it: fees chosen per trade (they tier by market cap), the
    four trades quoted in C."""
    cdef PumpPool pool
    cdef PumpGlobalConfig config
    cdef PumpFeeConfig fee_config
    cdef int schedule
    cdef uint64_t supply

    def __init__(self, PumpPool pool not None, PumpGlobalConfig config not None, PumpFeeConfig fee_config, int schedule,
                 uint64_t base_mint_supply):
        self.pool, self.config, self.fee_config = pool, config, fee_config
        self.schedule, self.supply = schedule, base_mint_supply

    cdef int _fees(self, uint64_t base_reserve, uint64_t quote_reserve, mev_pump_fees *f) nogil:
        return mev_pump_fees_for(&self.config.g, &self.fee_config.c if self.fee_config is not None else NULL,
                                 self.schedule, &self.pool.p, self.supply, base_reserve, quote_reserve, f)

    def fees(self, uint64_t base_reserve, uint64_t quote_reserve):
        """(lp, protocol, creator) basis points at these reserves."""
        cdef mev_pump_fees f
        check(self._fees(base_reserve, quote_reserve, &f), "Pump.fun AMM fees")
        return f.lp, f.protocol, f.creator

    def quote(self, int kind, uint64_t base_reserve, uint64_t quote_reserve, uint64_t amount):
        """(base, quote, swapped, lp_fee, protocol_fee, creator_fee) of one trade."""
        cdef mev_pump_fees f
        cdef mev_pump_quote q
        cdef int rc
        with nogil:
            rc = self._fees(base_reserve, quote_reserve, &f)
            if rc == 0:
                rc = mev_pump_quote_trade(kind, &f, self.pool.p.virtual_quote_reserves, base_reserve, quote_reserve,
                                          amount, &q)
        check(rc, "Pump.fun AMM quote")
        return q.base, q.quote, q.swapped, q.lp_fee, q.protocol_fee, q.creator_fee


cdef extern from "dex/amm_v4.h" nogil:
    ctypedef struct mev_amm_v4:
        uint64_t status, nonce, order_num, depth, coin_decimals, pc_decimals, state, reset_flag, min_size
        uint64_t vol_max_cut_ratio, amount_wave, coin_lot_size, pc_lot_size, min_price_multiplier
        uint64_t max_price_multiplier, sys_decimal_value
        uint64_t min_separate_numerator, min_separate_denominator, trade_fee_numerator, trade_fee_denominator
        uint64_t pnl_numerator, pnl_denominator, swap_fee_numerator, swap_fee_denominator
        uint64_t need_take_pnl_coin, need_take_pnl_pc, total_pnl_pc, total_pnl_coin, pool_open_time
        uint64_t orderbook_to_init_time, lp_amount, client_order_id, recent_epoch
        uint8_t coin_vault[32]
        uint8_t pc_vault[32]
        uint8_t coin_mint[32]
        uint8_t pc_mint[32]
        uint8_t lp_mint[32]
        uint8_t open_orders[32]
        uint8_t market[32]
        uint8_t market_program[32]
        uint8_t target_orders[32]
        uint8_t amm_owner[32]
    ctypedef struct mev_amm_v4_quote:
        uint64_t amount_in, amount_out, fee
    int mev_amm_v4_decode(const uint8_t *data, size_t len, mev_amm_v4 *out)
    int mev_amm_v4_can_swap(const mev_amm_v4 *p)
    int mev_amm_v4_reserves(const mev_amm_v4 *p, uint64_t coin_vault, uint64_t pc_vault, uint64_t *coin, uint64_t *pc)
    int mev_amm_v4_quote_exact_in(const mev_amm_v4 *p, uint64_t reserve_in, uint64_t reserve_out, uint64_t amount_in,
                                  mev_amm_v4_quote *q)
    int mev_amm_v4_quote_exact_out(const mev_amm_v4 *p, uint64_t reserve_in, uint64_t reserve_out,
                                   uint64_t amount_out, mev_amm_v4_quote *q)


cdef class AmmV4Pool:
    """A decoded Raydium AMM v4 pool (its C struct, kept for quoting)."""
    cdef mev_amm_v4 p

    def __init__(self, data):
        cdef bytes raw = _raw(data)
        check(mev_amm_v4_decode(<const uint8_t *>PyBytes_AS_STRING(raw), PyBytes_GET_SIZE(raw), &self.p),
              "Raydium AMM v4 AmmInfo")

    @property
    def fields(self):
        p = self.p
        return dict(status=p.status, nonce=p.nonce, order_num=p.order_num, depth=p.depth,
                    coin_decimals=p.coin_decimals, pc_decimals=p.pc_decimals, state=p.state, reset_flag=p.reset_flag,
                    min_size=p.min_size, vol_max_cut_ratio=p.vol_max_cut_ratio, amount_wave=p.amount_wave,
                    coin_lot_size=p.coin_lot_size, pc_lot_size=p.pc_lot_size,
                    min_price_multiplier=p.min_price_multiplier, max_price_multiplier=p.max_price_multiplier,
                    sys_decimal_value=p.sys_decimal_value, min_separate_numerator=p.min_separate_numerator,
                    min_separate_denominator=p.min_separate_denominator, trade_fee_numerator=p.trade_fee_numerator,
                    trade_fee_denominator=p.trade_fee_denominator, pnl_numerator=p.pnl_numerator,
                    pnl_denominator=p.pnl_denominator, swap_fee_numerator=p.swap_fee_numerator,
                    swap_fee_denominator=p.swap_fee_denominator, need_take_pnl_coin=p.need_take_pnl_coin,
                    need_take_pnl_pc=p.need_take_pnl_pc, total_pnl_pc=p.total_pnl_pc, total_pnl_coin=p.total_pnl_coin,
                    pool_open_time=p.pool_open_time, orderbook_to_init_time=p.orderbook_to_init_time,
                    coin_vault=p.coin_vault[:32], pc_vault=p.pc_vault[:32], coin_vault_mint=p.coin_mint[:32],
                    pc_vault_mint=p.pc_mint[:32], lp_mint=p.lp_mint[:32], open_orders=p.open_orders[:32],
                    market=p.market[:32], market_program=p.market_program[:32], target_orders=p.target_orders[:32],
                    amm_owner=p.amm_owner[:32], lp_amount=p.lp_amount, client_order_id=p.client_order_id,
                    recent_epoch=p.recent_epoch)

    @property
    def can_swap(self):
        return bool(mev_amm_v4_can_swap(&self.p))

    def reserves(self, uint64_t coin_vault, uint64_t pc_vault):
        cdef uint64_t coin, pc
        check(mev_amm_v4_reserves(&self.p, coin_vault, pc_vault, &coin, &pc),
              "Raydium AMM v4 reserves (need_take_pnl exceeds a vault)")
        return coin, pc

    def quote(self, uint64_t reserve_in, uint64_t reserve_out, uint64_t amount, bint exact_in):
        """(amount_in, amount_out, fee) on reserves (in, out)."""
        cdef mev_amm_v4_quote q
        cdef int rc
        with nogil:
            if exact_in:
                rc = mev_amm_v4_quote_exact_in(&self.p, reserve_in, reserve_out, amount, &q)
            else:
                rc = mev_amm_v4_quote_exact_out(&self.p, reserve_in, reserve_out, amount, &q)
        check(rc, "Raydium AMM v4 quote")
        return q.amount_in, q.amount_out, q.fee


cdef extern from *:
    """
    #include "dex/graph.h"
    static inline void mev_edge_set_virtual(mev_edge *e, int64_t hi, uint64_t lo)
    {
        e->u.pump.virtual_quote = (__int128)((unsigned __int128)(uint64_t)hi << 64 | lo);
    }
    """
    enum:
        MEV_EDGE_AMM_V4
        MEV_EDGE_CPMM
        MEV_EDGE_PUMP
        MEV_CYCLE_MAX_HOPS
    ctypedef struct mev_graph:
        pass
    ctypedef struct mev_cycle:
        uint32_t hops, start_mint
        uint32_t pool[3]
        uint8_t a_to_b[3]
        uint64_t amount_in
        uint64_t out[3]
        uint64_t profit, slack
        uint32_t cycles
    ctypedef struct mev_edge:
        uint32_t mint_a, mint_b, kind
        uint64_t reserve_a, reserve_b
    void mev_edge_set_virtual(mev_edge *e, int64_t hi, uint64_t lo) nogil
    mev_graph *mev_graph_create(uint32_t max_pools, uint32_t max_mints)
    void mev_graph_destroy(mev_graph *g)
    int mev_graph_mint(mev_graph *g, const uint8_t *key, int profit_mint, uint32_t *index)
    int mev_graph_add_pool(mev_graph *g, const mev_edge *e, uint32_t *id)
    int mev_graph_set_pool(mev_graph *g, uint32_t id, const mev_edge *e)
    int mev_edge_swap(const mev_edge *e, int a_to_b, uint64_t amount_in, uint64_t *amount_out) nogil
    int mev_graph_best_cycle(mev_graph *g, uint32_t id, uint64_t max_in, uint32_t hops, mev_cycle *out) nogil

cdef extern from *:
    """
    static inline void mev_edge_params(mev_edge *e, uint64_t p0, uint64_t p1, uint64_t p2, uint64_t p3)
    {
        /* the kind's parameters, in mevlib.dex.arb's order */
        if (e->kind == MEV_EDGE_AMM_V4) {
            e->u.amm_v4.fee_numerator = p0, e->u.amm_v4.fee_denominator = p1;
        } else if (e->kind == MEV_EDGE_CPMM) {
            e->u.cpmm.trade_rate = p0, e->u.cpmm.creator_rate = p1;
            e->u.cpmm.creator_on_input_ab = (uint8_t)(p2 & 1), e->u.cpmm.creator_on_input_ba = (uint8_t)(p2 >> 1 & 1);
        } else if (e->kind == MEV_EDGE_PUMP) {
            e->u.pump.fees.lp = p0, e->u.pump.fees.protocol = p1, e->u.pump.fees.creator = p2;
            e->u.pump.base_is_a = (uint8_t)(p3 & 1);
        }
    }
    """
    void mev_edge_params(mev_edge *e, uint64_t p0, uint64_t p1, uint64_t p2, uint64_t p3) nogil

EDGE_AMM_V4, EDGE_CPMM, EDGE_PUMP, EDGE_WHIRLPOOL, EDGE_RAYDIUM_CLMM, EDGE_DLMM = 1, 2, 3, 4, 5, 6
CURVED_EDGES = (EDGE_WHIRLPOOL, EDGE_RAYDIUM_CLMM, EDGE_DLMM)  # their edges point at a state object


cdef int _edge(mev_edge *e, uint32_t kind, uint32_t mint_a, uint32_t mint_b, uint64_t reserve_a, uint64_t reserve_b,
               tuple params) except -1:
    """AMM v4 (fee numerator, denominator); CPMM (trade rate, creator rate, creator fee on the
    input: bit 0 a→b, bit 1 b→a); Pump (lp, protocol, creator bps, base is mint a, virtual quote);
    Whirlpool, Raydium CLMM, DLMM (a WhirlpoolState, RaydiumClmmState or DlmmState, which the
    caller keeps alive while the edge points at it)."""
    memset(e, 0, sizeof(mev_edge))
    e.kind, e.mint_a, e.mint_b, e.reserve_a, e.reserve_b = kind, mint_a, mint_b, reserve_a, reserve_b
    if kind in CURVED_EDGES:
        _set_state(e, kind, params[0])
        return 0
    p = list(params) + [0] * (5 - len(params))
    if not -(1 << 127) <= p[4] < (1 << 127):
        raise InvalidArgumentError("virtual quote reserves are an i128")
    mev_edge_set_virtual(e, p[4] >> 64, p[4] & ((1 << 64) - 1))
    mev_edge_params(e, p[0], p[1], p[2], p[3])
    return 0


cdef class Graph:
    """The arbitrage finder's graph (csrc/dex/graph.h); mevlib.dex.arb.Finder is the API."""
    cdef mev_graph *g
    cdef dict states  # pool id -> the state object a curved edge points at, kept alive here

    def __cinit__(self, uint32_t max_pools, uint32_t max_mints):
        self.states = {}
        self.g = mev_graph_create(max_pools, max_mints)
        if self.g == NULL:
            raise MemoryError(f"a graph of {max_pools} pools and {max_mints} mints")

    def __dealloc__(self):
        mev_graph_destroy(self.g)

    def mint(self, key, bint profit=False):
        cdef bytes raw = bytes(key)
        cdef uint32_t index
        if len(raw) != 32:
            raise InvalidArgumentError("a mint is 32 bytes")
        check(mev_graph_mint(self.g, <const uint8_t *>PyBytes_AS_STRING(raw), profit, &index), "graph mint (full)")
        return index

    def add(self, uint32_t kind, uint32_t mint_a, uint32_t mint_b, uint64_t reserve_a, uint64_t reserve_b, tuple params):
        cdef mev_edge e
        cdef uint32_t id
        _edge(&e, kind, mint_a, mint_b, reserve_a, reserve_b, params)
        check(mev_graph_add_pool(self.g, &e, &id), "graph pool")
        if kind in CURVED_EDGES:
            self.states[id] = params[0]
        return id

    def set(self, uint32_t id, uint32_t kind, uint32_t mint_a, uint32_t mint_b, uint64_t reserve_a, uint64_t reserve_b,
            tuple params):
        cdef mev_edge e
        _edge(&e, kind, mint_a, mint_b, reserve_a, reserve_b, params)
        check(mev_graph_set_pool(self.g, id, &e), "graph pool update")
        if kind in CURVED_EDGES:  # the old state is no longer pointed at once the update is in
            self.states[id] = params[0]

    def best_cycle(self, uint32_t id, uint64_t max_in, uint32_t hops=0):
        """(cycles considered, None) or (cycles, (start_mint, amount_in, profit, slack,
        [(pool, a_to_b, out), ...]))."""
        cdef mev_cycle c
        cdef int rc
        with nogil:
            rc = mev_graph_best_cycle(self.g, id, max_in, hops, &c)
        check(rc, "best cycle")
        if c.hops == 0:
            return c.cycles, None
        return c.cycles, (c.start_mint, c.amount_in, c.profit, c.slack,
                          [(c.pool[h], bool(c.a_to_b[h]), c.out[h]) for h in range(c.hops)])


def edge_swap(uint32_t kind, uint64_t reserve_a, uint64_t reserve_b, tuple params, bint a_to_b, uint64_t amount):
    """One hop's exact output on an edge of these parameters (for checks)."""
    cdef mev_edge e
    cdef uint64_t out
    _edge(&e, kind, 0, 1, reserve_a, reserve_b, params)
    check(mev_edge_swap(&e, a_to_b, amount, &out), "edge swap")
    return out


def swap_many(uint32_t kind, reserve_in, reserve_out, amount_in, params):
    """Exact-in outputs of many swaps, one per row (numpy arrays, broadcast): reserves and amounts
    as uint64, params an (n, 5) or (5,) int64 array in the graph edge's order (see _edge), each
    row's swap going a → b with a the input side. Returns (out uint64, ok bool), the GIL released."""
    import numpy as np

    r_in, r_out, amounts = np.broadcast_arrays(*(np.asarray(x, dtype=np.uint64) for x in (reserve_in, reserve_out, amount_in)))
    n = r_in.shape[0] if r_in.ndim else 1
    r_in, r_out, amounts = (np.ascontiguousarray(np.broadcast_to(x, (n,))) for x in (r_in, r_out, amounts))
    prm = np.ascontiguousarray(np.broadcast_to(np.asarray(params, dtype=np.int64), (n, 5)))
    out = np.zeros(n, np.uint64)
    ok = np.zeros(n, np.bool_)
    cdef const uint64_t[::1] ri = r_in, ro = r_out, am = amounts
    cdef uint64_t[::1] o = out
    cdef const int64_t[:, ::1] pm = prm
    cdef uint8_t[::1] good = ok.view(np.uint8)
    cdef mev_edge e
    cdef Py_ssize_t i, rows = n
    memset(&e, 0, sizeof(e))
    e.kind, e.mint_a, e.mint_b = kind, 0, 1
    with nogil:
        for i in range(rows):
            e.reserve_a, e.reserve_b = ri[i], ro[i]
            mev_edge_params(&e, <uint64_t>pm[i, 0], <uint64_t>pm[i, 1], <uint64_t>pm[i, 2], <uint64_t>pm[i, 3])
            mev_edge_set_virtual(&e, -1 if pm[i, 4] < 0 else 0, <uint64_t>pm[i, 4])
            good[i] = mev_edge_swap(&e, 1, am[i], &o[i]) == 0
    return out, ok


# --- concentrated-liquidity math (csrc/dex/clmm.h): 128-bit values cross as (high, low) words ------
cdef extern from *:
    """
    #include "dex/clmm.h"
    static inline mev_u128 mev_u128_of(uint64_t hi, uint64_t lo) { return (mev_u128)hi << 64 | lo; }
    static inline uint64_t mev_u128_hi(mev_u128 x) { return (uint64_t)(x >> 64); }
    static inline uint64_t mev_u128_lo(mev_u128 x) { return (uint64_t)x; }
    """
    ctypedef struct mev_u128:
        pass
    mev_u128 mev_u128_of(uint64_t hi, uint64_t lo) nogil
    uint64_t mev_u128_hi(mev_u128 x) nogil
    uint64_t mev_u128_lo(mev_u128 x) nogil
    int mev_clmm_sqrt_price_at_tick(int32_t tick, mev_u128 *sqrt_price) nogil
    int mev_clmm_tick_at_sqrt_price(mev_u128 sqrt_price, int32_t *tick) nogil
    int mev_clmm_amount_delta_a(mev_u128 p0, mev_u128 p1, mev_u128 liquidity, int round_up, uint64_t *amount) nogil
    int mev_clmm_amount_delta_b(mev_u128 p0, mev_u128 p1, mev_u128 liquidity, int round_up, uint64_t *amount) nogil
    int mev_clmm_next_sqrt_price_from_a(mev_u128 p, mev_u128 liquidity, uint64_t amount, int input, mev_u128 *next) nogil
    int mev_clmm_next_sqrt_price_from_b(mev_u128 p, mev_u128 liquidity, uint64_t amount, int input, mev_u128 *next) nogil


cdef int _u128(object x, mev_u128 *out) except -1:
    if not 0 <= x < (1 << 128):
        raise OverflowError(f"{x} is not a u128")
    out[0] = mev_u128_of(x >> 64, x & 0xFFFFFFFFFFFFFFFF)
    return 0


cdef object _int(mev_u128 x):
    return (<object>mev_u128_hi(x) << 64) | mev_u128_lo(x)


def clmm_sqrt_price_at_tick(int32_t tick):
    cdef mev_u128 p
    check(mev_clmm_sqrt_price_at_tick(tick, &p), "tick index (outside ±443,636)")
    return _int(p)


def clmm_tick_at_sqrt_price(sqrt_price):
    cdef int32_t tick
    cdef mev_u128 p
    _u128(sqrt_price, &p)
    check(mev_clmm_tick_at_sqrt_price(p, &tick), "sqrt price (outside the ticks' range)")
    return tick


def clmm_amount_delta(bint token_a, p0, p1, liquidity, bint round_up):
    cdef uint64_t amount
    cdef int rc
    cdef mev_u128 a, b, l
    _u128(p0, &a)
    _u128(p1, &b)
    _u128(liquidity, &l)
    if token_a:
        rc = mev_clmm_amount_delta_a(a, b, l, round_up, &amount)
    else:
        rc = mev_clmm_amount_delta_b(a, b, l, round_up, &amount)
    check(rc, "amount delta")
    return amount


def clmm_next_sqrt_price(bint token_a, sqrt_price, liquidity, uint64_t amount, bint input):
    cdef mev_u128 p, s, l
    cdef int rc
    _u128(sqrt_price, &s)
    _u128(liquidity, &l)
    if token_a:
        rc = mev_clmm_next_sqrt_price_from_a(s, l, amount, input, &p)
    else:
        rc = mev_clmm_next_sqrt_price_from_b(s, l, amount, input, &p)
    check(rc, "next sqrt price")
    return _int(p)


cdef extern from *:
    """
    #include "dex/whirlpool.h"
    static inline uint64_t mev_i128_lo(__int128 x) { return (uint64_t)x; }
    static inline int64_t mev_i128_hi(__int128 x) { return (int64_t)(x >> 64); }
    """
    ctypedef struct mev_wp_pool:
        uint8_t config[32]
        uint8_t mint_a[32]
        uint8_t vault_a[32]
        uint8_t mint_b[32]
        uint8_t vault_b[32]
        mev_u128 liquidity, sqrt_price, fee_growth_a, fee_growth_b
        mev_u128 reward_emissions[3]
        mev_u128 reward_growth[3]
        uint64_t protocol_fee_owed_a, protocol_fee_owed_b, reward_last_updated
        int32_t tick_current
        uint16_t tick_spacing, fee_tier_index, fee_rate, protocol_fee_rate
        uint8_t bump
        uint8_t reward_initialized[3]
    ctypedef struct mev_wp_ticks:
        int32_t start
        uint8_t initialized[88]
        i128 liquidity_net[88]
        mev_u128 fee_growth_outside_a[88]
        mev_u128 fee_growth_outside_b[88]
        mev_u128 reward_growths_outside[88][3]
        uint8_t whirlpool[32]
        uint8_t dynamic
    ctypedef struct mev_wp_swap:
        uint64_t amount_in, amount_out, fee, protocol_fee
        mev_u128 sqrt_price, liquidity, fee_growth
        int32_t tick
        uint32_t steps
    uint64_t mev_i128_lo(i128 x) nogil
    int64_t mev_i128_hi(i128 x) nogil
    int mev_wp_pool_decode(const uint8_t *data, size_t len, mev_wp_pool *out) nogil
    int mev_wp_ticks_decode(const uint8_t *data, size_t len, mev_wp_ticks *out) nogil
    ctypedef struct mev_wp_oracle:
        uint8_t whirlpool[32]
        uint64_t trade_enable_timestamp
        uint16_t filter_period, decay_period, reduction_factor, tick_group_size, major_swap_threshold_ticks
        uint32_t adaptive_fee_control_factor, max_volatility_accumulator
        uint64_t last_reference_update_timestamp, last_major_swap_timestamp
        uint32_t volatility_reference, volatility_accumulator
        int32_t tick_group_index_reference
    int mev_wp_oracle_decode(const uint8_t *data, size_t len, mev_wp_oracle *out) nogil
    int mev_wp_quote_at(const mev_wp_pool *pool, const mev_wp_oracle *oracle, uint64_t timestamp,
                        const mev_wp_ticks *const *arrays, size_t n, uint64_t amount, int a_to_b, int exact_in,
                        mev_u128 sqrt_price_limit, mev_wp_swap *q) nogil
    int mev_wp_swap_apply(mev_wp_pool *pool, mev_wp_oracle *oracle, uint64_t timestamp, mev_wp_ticks *const *arrays,
                          size_t n, uint64_t amount, int a_to_b, int exact_in, mev_u128 sqrt_price_limit,
                          mev_wp_swap *q) nogil
    int mev_wp_pool_store(const mev_wp_pool *pool, uint8_t *data, size_t len) nogil
    int mev_wp_oracle_store(const mev_wp_oracle *oracle, uint8_t *data, size_t len) nogil
    int mev_wp_ticks_store(const mev_wp_ticks *ticks, uint8_t *data, size_t len) nogil


cdef class WhirlpoolPool:
    """A decoded Orca Whirlpool (its C struct, kept for quoting)."""
    cdef mev_wp_pool p

    def __init__(self, data):
        cdef bytes raw = _raw(data)
        check(mev_wp_pool_decode(<const uint8_t *>PyBytes_AS_STRING(raw), PyBytes_GET_SIZE(raw), &self.p),
              "Orca Whirlpool")

    @property
    def fields(self):
        p = self.p
        return dict(whirlpools_config=p.config[:32], whirlpool_bump=p.bump, tick_spacing=p.tick_spacing,
                    fee_tier_index=p.fee_tier_index, fee_rate=p.fee_rate, protocol_fee_rate=p.protocol_fee_rate,
                    liquidity=_int(p.liquidity), sqrt_price=_int(p.sqrt_price), tick_current_index=p.tick_current,
                    protocol_fee_owed_a=p.protocol_fee_owed_a, protocol_fee_owed_b=p.protocol_fee_owed_b,
                    token_mint_a=p.mint_a[:32], token_vault_a=p.vault_a[:32], fee_growth_global_a=_int(p.fee_growth_a),
                    token_mint_b=p.mint_b[:32], token_vault_b=p.vault_b[:32], fee_growth_global_b=_int(p.fee_growth_b),
                    reward_last_updated_timestamp=p.reward_last_updated,
                    reward_infos=[dict(initialized=bool(p.reward_initialized[r]),
                                       emissions_per_second_x64=_int(p.reward_emissions[r]),
                                       growth_global_x64=_int(p.reward_growth[r])) for r in range(3)])


cdef class WhirlpoolTicks:
    """A decoded tick array (fixed or dynamic layout)."""
    cdef mev_wp_ticks t

    def __init__(self, data):
        cdef bytes raw = _raw(data)
        check(mev_wp_ticks_decode(<const uint8_t *>PyBytes_AS_STRING(raw), PyBytes_GET_SIZE(raw), &self.t),
              "Orca Whirlpool tick array")

    @property
    def start_tick_index(self):
        return self.t.start

    @property
    def ticks(self):
        """[(initialized, liquidity_net)] for its 88 ticks."""
        return [(bool(self.t.initialized[i]),
                 (<object>mev_i128_hi(self.t.liquidity_net[i]) << 64) | mev_i128_lo(self.t.liquidity_net[i]))
                for i in range(88)]

    @property
    def growths_outside(self):
        """[(fee_growth_outside_a, fee_growth_outside_b, (reward_growths_outside × 3))] for its 88 ticks."""
        return [(_int(self.t.fee_growth_outside_a[i]), _int(self.t.fee_growth_outside_b[i]),
                 tuple(_int(self.t.reward_growths_outside[i][r]) for r in range(3))) for i in range(88)]


cdef class WhirlpoolOracle:
    """A decoded Whirlpool Oracle: an adaptive-fee pool's constants and variables."""
    cdef mev_wp_oracle o

    def __init__(self, data):
        cdef bytes raw = _raw(data)
        check(mev_wp_oracle_decode(<const uint8_t *>PyBytes_AS_STRING(raw), PyBytes_GET_SIZE(raw), &self.o),
              "Orca Whirlpool Oracle")

    @property
    def fields(self):
        o = self.o
        return dict(whirlpool=o.whirlpool[:32], trade_enable_timestamp=o.trade_enable_timestamp,
                    filter_period=o.filter_period, decay_period=o.decay_period, reduction_factor=o.reduction_factor,
                    adaptive_fee_control_factor=o.adaptive_fee_control_factor,
                    max_volatility_accumulator=o.max_volatility_accumulator, tick_group_size=o.tick_group_size,
                    major_swap_threshold_ticks=o.major_swap_threshold_ticks,
                    last_reference_update_timestamp=o.last_reference_update_timestamp,
                    last_major_swap_timestamp=o.last_major_swap_timestamp,
                    volatility_reference=o.volatility_reference,
                    tick_group_index_reference=o.tick_group_index_reference,
                    volatility_accumulator=o.volatility_accumulator)


cdef Py_ssize_t _wp_arrays(arrays, mev_wp_ticks *buf) except -1:
    """The tick arrays copied into `buf` (1 to 5): how many."""
    cdef Py_ssize_t n = len(arrays), i
    if n == 0 or n > 5:
        raise InvalidArgumentError("1 to 5 tick arrays")
    for i in range(n):
        memcpy(&buf[i], &(<WhirlpoolTicks?>arrays[i]).t, sizeof(mev_wp_ticks))
    return n


cdef Py_ssize_t _wp_pointers(arrays, const mev_wp_ticks **ptrs) except -1:
    """Pointers to the tick arrays (1 to 5), without copying them: how many. `arrays` keeps them alive."""
    cdef Py_ssize_t n = len(arrays), i
    if n == 0 or n > 5:
        raise InvalidArgumentError("1 to 5 tick arrays")
    for i in range(n):
        ptrs[i] = &(<WhirlpoolTicks?>arrays[i]).t
    return n


def whirlpool_quote(WhirlpoolPool pool not None, arrays, uint64_t amount, bint a_to_b, bint exact_in,
                    WhirlpoolOracle oracle=None, uint64_t timestamp=0, sqrt_price_limit=0):
    """(amount_in, amount_out, fee, sqrt_price after, tick after, steps, liquidity after)."""
    cdef const mev_wp_ticks *ptrs[5]
    cdef mev_wp_swap q
    cdef const mev_wp_oracle *o = NULL if oracle is None else &oracle.o
    cdef size_t n = _wp_pointers(arrays, ptrs)
    cdef mev_u128 limit
    cdef int rc
    _u128(sqrt_price_limit, &limit)
    with nogil:
        rc = mev_wp_quote_at(&pool.p, o, timestamp, ptrs, n, amount, a_to_b, exact_in, limit, &q)
    check(rc, "Orca Whirlpool quote")
    return _wp_result(&q)


cdef tuple _wp_result(const mev_wp_swap *q, bint applied=False):
    """The quote tuple; the fee growth only from an applied swap (a quote does not compute it)."""
    return (q.amount_in, q.amount_out, q.fee, _int(q.sqrt_price), q.tick, q.steps, _int(q.liquidity), q.protocol_fee,
            _int(q.fee_growth) if applied else None)


def whirlpool_apply(pool_data, array_datas, uint64_t amount, bint a_to_b, bint exact_in, oracle_data=None,
                    uint64_t timestamp=0, sqrt_price_limit=0):
    """whirlpool_quote's swap executed on the accounts' bytes (bytearrays, patched in place only
    when it succeeds): its quote tuple."""
    cdef Py_ssize_t n = len(array_datas), i
    cdef size_t size = 0
    cdef mev_wp_pool pool
    cdef mev_wp_oracle oracle
    cdef mev_wp_swap q
    cdef mev_wp_ticks *arrays
    cdef mev_wp_ticks *ptrs[5]
    cdef mev_u128 limit
    cdef uint8_t *d
    cdef int rc
    if n == 0 or n > 5:
        raise InvalidArgumentError("1 to 5 tick arrays")
    _u128(sqrt_price_limit, &limit)
    d = _writable(pool_data, &size)
    check(mev_wp_pool_decode(d, size, &pool), "Orca Whirlpool")
    if oracle_data is not None:
        d = _writable(oracle_data, &size)
        check(mev_wp_oracle_decode(d, size, &oracle), "Orca Whirlpool Oracle")
    arrays = <mev_wp_ticks *>PyMem_Malloc(n * sizeof(mev_wp_ticks))
    if arrays == NULL:
        raise MemoryError()
    try:
        for i in range(n):
            d = _writable(array_datas[i], &size)
            check(mev_wp_ticks_decode(d, size, &arrays[i]), "Orca Whirlpool tick array")
            ptrs[i] = &arrays[i]
        with nogil:
            rc = mev_wp_swap_apply(&pool, NULL if oracle_data is None else &oracle, timestamp, ptrs, n, amount, a_to_b,
                                   exact_in, limit, &q)
        check(rc, "Orca Whirlpool swap")
        d = _writable(pool_data, &size)
        check(mev_wp_pool_store(&pool, d, size), "Orca Whirlpool")
        if oracle_data is not None:
            d = _writable(oracle_data, &size)
            check(mev_wp_oracle_store(&oracle, d, size), "Orca Whirlpool Oracle")
        for i in range(n):
            d = _writable(array_datas[i], &size)
            check(mev_wp_ticks_store(&arrays[i], d, size), "Orca Whirlpool tick array")
    finally:
        PyMem_Free(arrays)
    return _wp_result(&q, True)


cdef extern from *:
    """
    static inline void mev_edge_set_wp(mev_edge *e, const mev_wp_state *s) { e->u.whirlpool.state = s; }
    """
    ctypedef struct mev_wp_state:
        mev_wp_pool pool
        mev_wp_ticks arrays[5]
        size_t n_arrays
        mev_wp_oracle oracle
        uint64_t now
        uint8_t has_oracle
    void mev_edge_set_wp(mev_edge *e, const mev_wp_state *s)


cdef class WhirlpoolState:
    """A Whirlpool as the arbitrage finder's edge holds it: the pool and its tick arrays, copied."""
    cdef mev_wp_state s

    def __init__(self, WhirlpoolPool pool not None, arrays, WhirlpoolOracle oracle=None, uint64_t now=0):
        memcpy(&self.s.pool, &pool.p, sizeof(mev_wp_pool))
        self.s.n_arrays = _wp_arrays(list(arrays), self.s.arrays)
        if oracle is not None:
            memcpy(&self.s.oracle, &oracle.o, sizeof(mev_wp_oracle))
            self.s.has_oracle = 1
        self.s.now = now




# --- Raydium CLMM (csrc/dex/raydium_clmm.h) ------------------------------------------------------
cdef extern from "dex/raydium_clmm.h":
    ctypedef struct mev_rcl_dynamic_fee:
        uint16_t filter_period, decay_period, reduction_factor
        uint32_t dynamic_fee_control, max_volatility_accumulator
        int32_t tick_spacing_index_reference
        uint32_t volatility_reference, volatility_accumulator
        uint64_t last_update_timestamp
    ctypedef struct mev_rcl_pool:
        uint8_t amm_config[32]
        uint8_t owner[32]
        uint8_t mint_0[32]
        uint8_t mint_1[32]
        uint8_t vault_0[32]
        uint8_t vault_1[32]
        uint8_t observation[32]
        mev_u128 liquidity, sqrt_price, fee_growth_0, fee_growth_1
        uint64_t protocol_fees_0, protocol_fees_1, fund_fees_0, fund_fees_1, open_time, recent_epoch
        uint64_t tick_array_bitmap[16]
        mev_rcl_dynamic_fee dynamic_fee
        int32_t tick_current
        uint16_t tick_spacing
        uint8_t bump, decimals_0, decimals_1, status, fee_on, has_dynamic_fee, rewards_initialized
    ctypedef struct mev_rcl_config:
        uint32_t protocol_fee_rate, trade_fee_rate, fund_fee_rate
        uint16_t index, tick_spacing
    ctypedef struct mev_rcl_ticks:
        int32_t start
        uint8_t pool[32]
        uint8_t initialized_count
        int32_t tick[60]
        i128 liquidity_net[60]
        mev_u128 liquidity_gross[60]
        uint64_t orders_amount[60]
        uint64_t part_filled_remaining[60]
        uint64_t order_phase[60]
        mev_u128 unfilled_ratio[60]
        mev_u128 fee_growth_outside_0[60]
        mev_u128 fee_growth_outside_1[60]
    ctypedef struct mev_rcl_bitmap_extension:
        uint8_t pool[32]
        uint64_t positive[14][8]
        uint64_t negative[14][8]
    ctypedef struct mev_rcl_swap:
        uint64_t amount_in, amount_out, fee, protocol_fee, fund_fee, limit_order_in, limit_order_out
        mev_u128 sqrt_price, liquidity, fee_growth
        int32_t tick
        uint32_t steps
        int32_t missing_array
        uint8_t fee_on_input
    int MEV_RCL_NO_ARRAY
    int mev_rcl_pool_decode(const uint8_t *data, size_t len, mev_rcl_pool *out) nogil
    int mev_rcl_config_decode(const uint8_t *data, size_t len, mev_rcl_config *out) nogil
    int mev_rcl_ticks_decode(const uint8_t *data, size_t len, mev_rcl_ticks *out) nogil
    int mev_rcl_bitmap_extension_decode(const uint8_t *data, size_t len, mev_rcl_bitmap_extension *out) nogil
    int mev_rcl_sqrt_price_at_tick(int32_t tick, mev_u128 *sqrt_price) nogil
    int mev_rcl_tick_at_sqrt_price(mev_u128 sqrt_price, int32_t *tick) nogil
    int32_t mev_rcl_array_start(int32_t tick, uint16_t tick_spacing) nogil
    int mev_rcl_array_initialized(const mev_rcl_pool *pool, const mev_rcl_bitmap_extension *ext, int32_t start) nogil
    int mev_rcl_quote(const mev_rcl_pool *pool, const mev_rcl_config *config, const mev_rcl_bitmap_extension *ext,
                      const mev_rcl_ticks *const *arrays, size_t n_arrays, uint64_t amount, int zero_for_one,
                      int exact_in, mev_u128 sqrt_price_limit, uint64_t now, mev_rcl_swap *q) nogil
    int mev_rcl_swap_apply(mev_rcl_pool *pool, const mev_rcl_config *config, mev_rcl_bitmap_extension *ext,
                           mev_rcl_ticks *const *arrays, size_t n_arrays, uint64_t amount, int zero_for_one,
                           int exact_in, mev_u128 sqrt_price_limit, uint64_t now, mev_rcl_swap *q) nogil
    int mev_rcl_pool_store(const mev_rcl_pool *pool, uint8_t *data, size_t len) nogil
    int mev_rcl_ticks_store(const mev_rcl_ticks *ticks, uint8_t *data, size_t len) nogil
    int mev_rcl_bitmap_extension_store(const mev_rcl_bitmap_extension *ext, uint8_t *data, size_t len) nogil


cdef class RaydiumClmmPool:
    """A decoded Raydium CLMM PoolState (its C struct, kept for quoting)."""
    cdef mev_rcl_pool p

    def __init__(self, data):
        cdef bytes raw = _raw(data)
        check(mev_rcl_pool_decode(<const uint8_t *>PyBytes_AS_STRING(raw), PyBytes_GET_SIZE(raw), &self.p),
              "Raydium CLMM PoolState")

    @property
    def fields(self):
        p = self.p
        f = p.dynamic_fee
        return dict(bump=p.bump, amm_config=p.amm_config[:32], owner=p.owner[:32], token_mint_0=p.mint_0[:32],
                    token_mint_1=p.mint_1[:32], token_vault_0=p.vault_0[:32], token_vault_1=p.vault_1[:32],
                    observation_key=p.observation[:32], mint_decimals_0=p.decimals_0, mint_decimals_1=p.decimals_1,
                    tick_spacing=p.tick_spacing, liquidity=_int(p.liquidity), sqrt_price_x64=_int(p.sqrt_price),
                    tick_current=p.tick_current, fee_growth_global_0_x64=_int(p.fee_growth_0),
                    fee_growth_global_1_x64=_int(p.fee_growth_1), protocol_fees_token_0=p.protocol_fees_0,
                    protocol_fees_token_1=p.protocol_fees_1, status=p.status, fee_on=p.fee_on,
                    tick_array_bitmap=[p.tick_array_bitmap[i] for i in range(16)], fund_fees_token_0=p.fund_fees_0,
                    fund_fees_token_1=p.fund_fees_1, open_time=p.open_time, recent_epoch=p.recent_epoch,
                    dynamic_fee_info=None if not p.has_dynamic_fee else dict(
                        filter_period=f.filter_period, decay_period=f.decay_period,
                        reduction_factor=f.reduction_factor, dynamic_fee_control=f.dynamic_fee_control,
                        max_volatility_accumulator=f.max_volatility_accumulator,
                        tick_spacing_index_reference=f.tick_spacing_index_reference,
                        volatility_reference=f.volatility_reference,
                        volatility_accumulator=f.volatility_accumulator,
                        last_update_timestamp=f.last_update_timestamp))

    def array_initialized(self, int32_t start, RaydiumClmmBitmapExtension extension=None):
        """Whether the pool's bitmap (or the extension, beyond it) marks the tick array at `start`."""
        cdef int rc = mev_rcl_array_initialized(&self.p, NULL if extension is None else &extension.e, start)
        if rc < 0:
            raise InvalidArgumentError(f"the tick array at {start} lies beyond the pool's bitmap: pass its bitmap extension")
        return bool(rc)


cdef class RaydiumClmmConfig:
    """A decoded Raydium CLMM AmmConfig: the fee rates (per million) its pools swap at."""
    cdef mev_rcl_config c

    def __init__(self, data):
        cdef bytes raw = _raw(data)
        check(mev_rcl_config_decode(<const uint8_t *>PyBytes_AS_STRING(raw), PyBytes_GET_SIZE(raw), &self.c),
              "Raydium CLMM AmmConfig")

    @property
    def fields(self):
        return dict(index=self.c.index, protocol_fee_rate=self.c.protocol_fee_rate,
                    trade_fee_rate=self.c.trade_fee_rate, tick_spacing=self.c.tick_spacing,
                    fund_fee_rate=self.c.fund_fee_rate)


cdef class RaydiumClmmTicks:
    """A decoded Raydium CLMM TickArrayState."""
    cdef mev_rcl_ticks t

    def __init__(self, data):
        cdef bytes raw = _raw(data)
        check(mev_rcl_ticks_decode(<const uint8_t *>PyBytes_AS_STRING(raw), PyBytes_GET_SIZE(raw), &self.t),
              "Raydium CLMM TickArrayState")

    @property
    def start_tick_index(self):
        return self.t.start

    @property
    def pool_id(self):
        return self.t.pool[:32]

    @property
    def initialized_tick_count(self):
        return self.t.initialized_count

    @property
    def ticks(self):
        """[(tick, liquidity_net, liquidity_gross, orders_amount, part_filled_orders_remaining)] for its 60 ticks."""
        return [(self.t.tick[i], (<object>mev_i128_hi(self.t.liquidity_net[i]) << 64) | mev_i128_lo(self.t.liquidity_net[i]),
                 _int(self.t.liquidity_gross[i]), self.t.orders_amount[i], self.t.part_filled_remaining[i])
                for i in range(60)]

    @property
    def limit_orders(self):
        """[(order_phase, orders_amount, part_filled_orders_remaining, unfilled_ratio_x64)] for its 60 ticks."""
        return [(self.t.order_phase[i], self.t.orders_amount[i], self.t.part_filled_remaining[i],
                 _int(self.t.unfilled_ratio[i])) for i in range(60)]

    @property
    def fee_growths_outside(self):
        """[(fee_growth_outside_0_x64, fee_growth_outside_1_x64)] for its 60 ticks."""
        return [(_int(self.t.fee_growth_outside_0[i]), _int(self.t.fee_growth_outside_1[i])) for i in range(60)]


cdef class RaydiumClmmBitmapExtension:
    """A decoded TickArrayBitmapExtension: which tick arrays beyond the pool's own bitmap exist."""
    cdef mev_rcl_bitmap_extension e

    def __init__(self, data):
        cdef bytes raw = _raw(data)
        check(mev_rcl_bitmap_extension_decode(<const uint8_t *>PyBytes_AS_STRING(raw), PyBytes_GET_SIZE(raw),
                                              &self.e), "Raydium CLMM TickArrayBitmapExtension")

    @property
    def pool_id(self):
        return self.e.pool[:32]

    @property
    def bitmaps(self):
        """(positive, negative): 14 bitmaps each, 8 u64 words each, least significant first."""
        return ([[self.e.positive[b][w] for w in range(8)] for b in range(14)],
                [[self.e.negative[b][w] for w in range(8)] for b in range(14)])


def rcl_sqrt_price_at_tick(int32_t tick):
    cdef mev_u128 p
    check(mev_rcl_sqrt_price_at_tick(tick, &p), "tick index (outside ±443,636)")
    return _int(p)


def rcl_tick_at_sqrt_price(sqrt_price):
    cdef int32_t tick
    cdef mev_u128 p
    _u128(sqrt_price, &p)
    check(mev_rcl_tick_at_sqrt_price(p, &tick), "sqrt price (outside the program's range)")
    return tick


def rcl_array_start(int32_t tick, uint16_t tick_spacing):
    if tick_spacing == 0:
        raise InvalidArgumentError("tick spacing 0")
    return mev_rcl_array_start(tick, tick_spacing)


DEF RCL_MAX_ARRAYS = 16


cdef Py_ssize_t _rcl_inputs(arrays, extension, const mev_rcl_ticks **ptrs,
                            const mev_rcl_bitmap_extension **ext) except -1:
    """Pointers to the tick arrays (up to RCL_MAX_ARRAYS) and to the extension or NULL: how many arrays."""
    cdef Py_ssize_t n = len(arrays), i
    if n > RCL_MAX_ARRAYS:
        raise InvalidArgumentError(f"at most {RCL_MAX_ARRAYS} tick arrays")
    for i in range(n):
        ptrs[i] = &(<RaydiumClmmTicks?>arrays[i]).t
    ext[0] = NULL if extension is None else &(<RaydiumClmmBitmapExtension?>extension).e
    return n


def raydium_clmm_quote(RaydiumClmmPool pool not None, RaydiumClmmConfig config not None, extension, arrays,
                       uint64_t amount, bint zero_for_one, bint exact_in, sqrt_price_limit, uint64_t now):
    """(amount_in, amount_out, fee, protocol_fee, fund_fee, limit_order_in, limit_order_out, sqrt_price,
    liquidity, tick, steps, fee_on_input); InvalidArgumentError naming a tick array the swap needs
    and was not given."""
    cdef const mev_rcl_ticks *ptrs[RCL_MAX_ARRAYS]
    cdef const mev_rcl_bitmap_extension *ext
    cdef mev_rcl_swap q
    cdef mev_u128 limit
    cdef size_t n = _rcl_inputs(arrays, extension, ptrs, &ext)
    cdef int rc
    _u128(sqrt_price_limit, &limit)
    with nogil:
        rc = mev_rcl_quote(&pool.p, &config.c, ext, ptrs, n, amount, zero_for_one, exact_in, limit, now, &q)
    if rc != 0 and q.missing_array != MEV_RCL_NO_ARRAY:
        raise MissingArrayError(f"the swap needs the tick array starting at {q.missing_array}, which was not given",
                                   q.missing_array)
    check(rc, "Raydium CLMM quote")
    return _rcl_result(&q)


cdef tuple _rcl_result(const mev_rcl_swap *q, bint applied=False):
    """The quote tuple; the fee growth only from an applied swap (a quote does not compute it)."""
    return (q.amount_in, q.amount_out, q.fee, q.protocol_fee, q.fund_fee, q.limit_order_in, q.limit_order_out,
            _int(q.sqrt_price), _int(q.liquidity), q.tick, q.steps, bool(q.fee_on_input),
            _int(q.fee_growth) if applied else None)


def raydium_clmm_apply(pool_data, RaydiumClmmConfig config not None, extension_data, array_datas, uint64_t amount,
                       bint zero_for_one, bint exact_in, sqrt_price_limit, uint64_t now):
    """raydium_clmm_quote's swap executed on the accounts' bytes (bytearrays, patched in place
    only when it succeeds): its quote tuple."""
    cdef Py_ssize_t n = len(array_datas), i
    cdef size_t size = 0
    cdef mev_rcl_pool pool
    cdef mev_rcl_bitmap_extension ext
    cdef mev_rcl_swap q
    cdef mev_u128 limit
    cdef mev_rcl_ticks *ptrs[RCL_MAX_ARRAYS]
    cdef mev_rcl_ticks *arrays
    cdef uint8_t *d
    cdef int rc
    if n > RCL_MAX_ARRAYS:
        raise InvalidArgumentError(f"at most {RCL_MAX_ARRAYS} tick arrays")
    _u128(sqrt_price_limit, &limit)
    d = _writable(pool_data, &size)
    check(mev_rcl_pool_decode(d, size, &pool), "Raydium CLMM PoolState")
    if extension_data is not None:
        d = _writable(extension_data, &size)
        check(mev_rcl_bitmap_extension_decode(d, size, &ext), "Raydium CLMM TickArrayBitmapExtension")
    arrays = <mev_rcl_ticks *>PyMem_Malloc(max(n, 1) * sizeof(mev_rcl_ticks))
    if arrays == NULL:
        raise MemoryError()
    try:
        for i in range(n):
            d = _writable(array_datas[i], &size)
            check(mev_rcl_ticks_decode(d, size, &arrays[i]), "Raydium CLMM TickArrayState")
            ptrs[i] = &arrays[i]
        with nogil:
            rc = mev_rcl_swap_apply(&pool, &config.c, NULL if extension_data is None else &ext, ptrs, n, amount,
                                    zero_for_one, exact_in, limit, now, &q)
        if rc != 0 and pool.rewards_initialized:
            raise InvalidArgumentError("a pool with an initialized reward: its reward growth is not modelled")
        if rc != 0 and q.missing_array != MEV_RCL_NO_ARRAY:
            raise MissingArrayError(f"the swap needs the tick array starting at {q.missing_array}, which was not given",
                                   q.missing_array)
        check(rc, "Raydium CLMM swap")
        d = _writable(pool_data, &size)
        check(mev_rcl_pool_store(&pool, d, size), "Raydium CLMM PoolState")
        if extension_data is not None:
            d = _writable(extension_data, &size)
            check(mev_rcl_bitmap_extension_store(&ext, d, size), "Raydium CLMM TickArrayBitmapExtension")
        for i in range(n):
            d = _writable(array_datas[i], &size)
            check(mev_rcl_ticks_store(&arrays[i], d, size), "Raydium CLMM TickArrayState")
    finally:
        PyMem_Free(arrays)
    return _rcl_result(&q, True)


# --- Meteora DLMM (csrc/dex/dlmm.h) ---------------------------------------------------------------
cdef extern from "dex/dlmm.h":
    ctypedef struct mev_dlmm_pair:
        uint8_t mint_x[32]
        uint8_t mint_y[32]
        uint8_t reserve_x[32]
        uint8_t reserve_y[32]
        uint8_t oracle[32]
        uint8_t creator[32]
        uint64_t protocol_fee_x, protocol_fee_y, activation_point
        int64_t last_update_timestamp
        uint64_t bin_array_bitmap[16]
        uint32_t variable_fee_control, max_volatility_accumulator, volatility_accumulator, volatility_reference
        int32_t min_bin_id, max_bin_id, index_reference, active_id
        uint16_t base_factor, filter_period, decay_period, reduction_factor, protocol_share, bin_step
        uint8_t base_fee_power_factor, function_type, collect_fee_mode, pair_type, status, activation_type
        uint8_t token_x_program_flag, token_y_program_flag, rewards_unset
    ctypedef struct mev_dlmm_bins:
        int64_t index
        uint8_t lb_pair[32]
        uint64_t amount_x[70]
        uint64_t amount_y[70]
        mev_u128 price[70]
        uint64_t open_orders[70]
        uint64_t processed_remaining[70]
        uint8_t ask_side[70]
    ctypedef struct mev_dlmm_bitmap_extension:
        uint8_t lb_pair[32]
        uint64_t positive[12][8]
        uint64_t negative[12][8]
    ctypedef struct mev_dlmm_swap:
        uint64_t amount_in, amount_out, fee, protocol_fee, limit_order_out
        int32_t active_id
        uint32_t bins
        int64_t missing_array
        uint8_t fee_on_input
    int64_t MEV_DLMM_NO_ARRAY
    int mev_dlmm_pair_decode(const uint8_t *data, size_t len, mev_dlmm_pair *out) nogil
    int mev_dlmm_bins_decode(const uint8_t *data, size_t len, mev_dlmm_bins *out) nogil
    int mev_dlmm_bitmap_extension_decode(const uint8_t *data, size_t len, mev_dlmm_bitmap_extension *out) nogil
    int mev_dlmm_price_of_bin(int32_t bin_id, uint16_t bin_step, mev_u128 *price) nogil
    int64_t mev_dlmm_array_index(int32_t bin_id) nogil
    int mev_dlmm_array_initialized(const mev_dlmm_pair *pair, const mev_dlmm_bitmap_extension *ext, int64_t index) nogil
    int mev_dlmm_quote(const mev_dlmm_pair *pair, const mev_dlmm_bitmap_extension *ext,
                       const mev_dlmm_bins *const *arrays, size_t n_arrays, uint64_t amount, int swap_for_y,
                       int exact_in, int64_t now, uint64_t slot, mev_dlmm_swap *q) nogil
    int mev_dlmm_swap_apply(mev_dlmm_pair *pair, const mev_dlmm_bitmap_extension *ext, mev_dlmm_bins *const *arrays,
                            size_t n_arrays, uint64_t amount, int swap_for_y, int exact_in, int64_t now, uint64_t slot,
                            mev_dlmm_swap *q) nogil
    int mev_dlmm_pair_store(const mev_dlmm_pair *pair, uint8_t *data, size_t len) nogil
    int mev_dlmm_bins_store(const mev_dlmm_bins *bins, uint8_t *data, size_t len) nogil


cdef class DlmmPair:
    """A decoded Meteora DLMM LbPair (its C struct, kept for quoting)."""
    cdef mev_dlmm_pair p

    def __init__(self, data):
        cdef bytes raw = _raw(data)
        check(mev_dlmm_pair_decode(<const uint8_t *>PyBytes_AS_STRING(raw), PyBytes_GET_SIZE(raw), &self.p),
              "Meteora DLMM LbPair")

    @property
    def fields(self):
        p = self.p
        return dict(base_factor=p.base_factor, filter_period=p.filter_period, decay_period=p.decay_period,
                    reduction_factor=p.reduction_factor, variable_fee_control=p.variable_fee_control,
                    max_volatility_accumulator=p.max_volatility_accumulator, min_bin_id=p.min_bin_id,
                    max_bin_id=p.max_bin_id, protocol_share=p.protocol_share,
                    base_fee_power_factor=p.base_fee_power_factor, function_type=p.function_type,
                    collect_fee_mode=p.collect_fee_mode, volatility_accumulator=p.volatility_accumulator,
                    volatility_reference=p.volatility_reference, index_reference=p.index_reference,
                    last_update_timestamp=p.last_update_timestamp, pair_type=p.pair_type, active_id=p.active_id,
                    bin_step=p.bin_step, status=p.status, activation_type=p.activation_type,
                    token_x_mint=p.mint_x[:32], token_y_mint=p.mint_y[:32], reserve_x=p.reserve_x[:32],
                    reserve_y=p.reserve_y[:32], protocol_fee_amount_x=p.protocol_fee_x,
                    protocol_fee_amount_y=p.protocol_fee_y, oracle=p.oracle[:32],
                    bin_array_bitmap=[p.bin_array_bitmap[i] for i in range(16)],
                    activation_point=p.activation_point, creator=p.creator[:32],
                    token_mint_x_program_flag=p.token_x_program_flag, token_mint_y_program_flag=p.token_y_program_flag,
                    rewards_unset=bool(p.rewards_unset))

    def array_initialized(self, int64_t index, DlmmBitmapExtension extension=None):
        """Whether the pair's bitmap (or the extension, beyond it) marks the bin array."""
        cdef int rc = mev_dlmm_array_initialized(&self.p, NULL if extension is None else &extension.e, index)
        if rc < 0:
            raise InvalidArgumentError(f"bin array {index} lies beyond the pair's bitmap: pass its bitmap extension")
        return bool(rc)


cdef class DlmmBins:
    """A decoded Meteora DLMM BinArray."""
    cdef mev_dlmm_bins b

    def __init__(self, data):
        cdef bytes raw = _raw(data)
        check(mev_dlmm_bins_decode(<const uint8_t *>PyBytes_AS_STRING(raw), PyBytes_GET_SIZE(raw), &self.b),
              "Meteora DLMM BinArray")

    @property
    def index(self):
        return self.b.index

    @property
    def lb_pair(self):
        return self.b.lb_pair[:32]

    @property
    def bins(self):
        """[(amount_x, amount_y, price, open_order_amount, processed_order_remaining_amount,
        limit_order_ask_side)] for its 70 bins."""
        return [(self.b.amount_x[i], self.b.amount_y[i], _int(self.b.price[i]), self.b.open_orders[i],
                 self.b.processed_remaining[i], self.b.ask_side[i]) for i in range(70)]


cdef class DlmmBitmapExtension:
    """A decoded BinArrayBitmapExtension: which bin arrays beyond the pair's own bitmap exist."""
    cdef mev_dlmm_bitmap_extension e

    def __init__(self, data):
        cdef bytes raw = _raw(data)
        check(mev_dlmm_bitmap_extension_decode(<const uint8_t *>PyBytes_AS_STRING(raw), PyBytes_GET_SIZE(raw),
                                               &self.e), "Meteora DLMM BinArrayBitmapExtension")

    @property
    def lb_pair(self):
        return self.e.lb_pair[:32]

    @property
    def bitmaps(self):
        """(positive, negative): 12 bitmaps each, 8 u64 words each, least significant first."""
        return ([[self.e.positive[b][w] for w in range(8)] for b in range(12)],
                [[self.e.negative[b][w] for w in range(8)] for b in range(12)])


def dlmm_price_of_bin(int32_t bin_id, uint16_t bin_step):
    cdef mev_u128 p
    check(mev_dlmm_price_of_bin(bin_id, bin_step, &p), "DLMM bin price")
    return _int(p)


def dlmm_array_index(int32_t bin_id):
    return mev_dlmm_array_index(bin_id)


DEF DLMM_MAX_ARRAYS = 16


cdef Py_ssize_t _dlmm_inputs(arrays, extension, const mev_dlmm_bins **ptrs,
                             const mev_dlmm_bitmap_extension **ext) except -1:
    """Pointers to the bin arrays (up to DLMM_MAX_ARRAYS) and to the extension or NULL: how many arrays."""
    cdef Py_ssize_t n = len(arrays), i
    if n > DLMM_MAX_ARRAYS:
        raise InvalidArgumentError(f"at most {DLMM_MAX_ARRAYS} bin arrays")
    for i in range(n):
        ptrs[i] = &(<DlmmBins?>arrays[i]).b
    ext[0] = NULL if extension is None else &(<DlmmBitmapExtension?>extension).e
    return n


def dlmm_quote(DlmmPair pair not None, extension, arrays, uint64_t amount, bint swap_for_y, bint exact_in,
               int64_t now, uint64_t slot):
    """(amount_in, amount_out, fee, protocol_fee, limit_order_out, active_id, bins, fee_on_input);
    InvalidArgumentError naming a bin array the swap needs and was not given."""
    cdef const mev_dlmm_bins *ptrs[DLMM_MAX_ARRAYS]
    cdef const mev_dlmm_bitmap_extension *ext
    cdef mev_dlmm_swap q
    cdef size_t n = _dlmm_inputs(arrays, extension, ptrs, &ext)
    cdef int rc
    with nogil:
        rc = mev_dlmm_quote(&pair.p, ext, ptrs, n, amount, swap_for_y, exact_in, now, slot, &q)
    if rc != 0 and q.missing_array != MEV_DLMM_NO_ARRAY:
        raise MissingArrayError(f"the swap needs bin array {q.missing_array}, which was not given", q.missing_array)
    check(rc, "Meteora DLMM quote")
    return _dlmm_result(&q)


cdef tuple _dlmm_result(const mev_dlmm_swap *q):
    return (q.amount_in, q.amount_out, q.fee, q.protocol_fee, q.limit_order_out, q.active_id, q.bins,
            bool(q.fee_on_input))


def dlmm_apply(pair_data, extension, array_datas, uint64_t amount, bint swap_for_y, bint exact_in, int64_t now,
               uint64_t slot):
    """dlmm_quote's swap executed on the accounts' bytes (bytearrays, patched in place only when
    it succeeds): its quote tuple."""
    cdef Py_ssize_t n = len(array_datas), i
    cdef size_t size = 0
    cdef mev_dlmm_pair pair
    cdef mev_dlmm_swap q
    cdef mev_dlmm_bins *ptrs[DLMM_MAX_ARRAYS]
    cdef mev_dlmm_bins *arrays
    cdef const mev_dlmm_bitmap_extension *ext = NULL if extension is None else &(<DlmmBitmapExtension?>extension).e
    cdef uint8_t *d
    cdef int rc
    if n > DLMM_MAX_ARRAYS:
        raise InvalidArgumentError(f"at most {DLMM_MAX_ARRAYS} bin arrays")
    d = _writable(pair_data, &size)
    check(mev_dlmm_pair_decode(d, size, &pair), "Meteora DLMM LbPair")
    arrays = <mev_dlmm_bins *>PyMem_Malloc(max(n, 1) * sizeof(mev_dlmm_bins))
    if arrays == NULL:
        raise MemoryError()
    try:
        for i in range(n):
            d = _writable(array_datas[i], &size)
            check(mev_dlmm_bins_decode(d, size, &arrays[i]), "Meteora DLMM BinArray")
            ptrs[i] = &arrays[i]
        with nogil:
            rc = mev_dlmm_swap_apply(&pair, ext, ptrs, n, amount, swap_for_y, exact_in, now, slot, &q)
        if rc != 0 and q.missing_array != MEV_DLMM_NO_ARRAY:
            raise MissingArrayError(f"the swap needs bin array {q.missing_array}, which was not given", q.missing_array)
        check(rc, "Meteora DLMM swap")
        d = _writable(pair_data, &size)
        check(mev_dlmm_pair_store(&pair, d, size), "Meteora DLMM LbPair")
        for i in range(n):
            d = _writable(array_datas[i], &size)
            check(mev_dlmm_bins_store(&arrays[i], d, size), "Meteora DLMM BinArray")
    finally:
        PyMem_Free(arrays)
    return _dlmm_result(&q)


# --- batches: many pool accounts into a numpy structured array that mirrors the C struct --------------
cdef enum:
    K_AMM_V4 = 0
    K_CPMM = 1
    K_PUMP = 2
    K_WHIRLPOOL = 3
    K_RAYDIUM_CLMM = 4
    K_METEORA_DLMM = 5
    K_KINDS = 6
POOL_AMM_V4, POOL_CPMM, POOL_PUMP, POOL_WHIRLPOOL, POOL_RAYDIUM_CLMM, POOL_METEORA_DLMM = range(K_KINDS)

cdef union any_pool:
    mev_amm_v4 amm_v4
    mev_cpmm_pool cpmm
    mev_pump_pool pump
    mev_wp_pool whirlpool
    mev_rcl_pool raydium_clmm
    mev_dlmm_pair dlmm

cdef size_t _sizes[K_KINDS]
_sizes[:] = [sizeof(mev_amm_v4), sizeof(mev_cpmm_pool), sizeof(mev_pump_pool), sizeof(mev_wp_pool), sizeof(mev_rcl_pool),
             sizeof(mev_dlmm_pair)]


cdef inline int _decode_pool(int kind, const uint8_t *d, size_t n, any_pool *out) noexcept nogil:
    if kind == K_AMM_V4:
        return mev_amm_v4_decode(d, n, &out.amm_v4)
    if kind == K_CPMM:
        return mev_cpmm_pool_decode(d, n, &out.cpmm)
    if kind == K_WHIRLPOOL:
        return mev_wp_pool_decode(d, n, &out.whirlpool)
    if kind == K_RAYDIUM_CLMM:
        return mev_rcl_pool_decode(d, n, &out.raydium_clmm)
    if kind == K_METEORA_DLMM:
        return mev_dlmm_pair_decode(d, n, &out.dlmm)
    return mev_pump_pool_decode(d, n, &out.pump)


def _u128_fields(pairs):
    """A u128 as its two little-endian u64 halves: (name_lo, name_hi)."""
    return [f for name, off in pairs for f in ((name + "_lo", off, "<u8"), (name + "_hi", off + 8, "<u8"))]


def pool_struct_fields(int kind):
    """[(name, offset, numpy format)] of the C struct a batch row mirrors, and its size: the
    offsets are the compiler's, so the numpy dtype cannot drift from the struct."""
    if not 0 <= kind < K_KINDS:
        raise InvalidArgumentError(f"no pool kind {kind}")
    cdef any_pool u
    cdef char *base = <char *>&u
    if kind == K_AMM_V4:
        a = &u.amm_v4
        u64 = ("status", "nonce", "order_num", "depth", "coin_decimals", "pc_decimals", "state", "reset_flag",
               "min_size", "vol_max_cut_ratio", "amount_wave", "coin_lot_size", "pc_lot_size", "min_price_multiplier",
               "max_price_multiplier", "sys_decimal_value", "min_separate_numerator", "min_separate_denominator",
               "trade_fee_numerator", "trade_fee_denominator", "pnl_numerator", "pnl_denominator",
               "swap_fee_numerator", "swap_fee_denominator", "need_take_pnl_coin", "need_take_pnl_pc", "total_pnl_pc",
               "total_pnl_coin", "pool_open_time", "orderbook_to_init_time", "lp_amount", "client_order_id",
               "recent_epoch")
        first = <char *>&a.status - base
        fields = [(name, first + 8 * i, "<u8") for i, name in enumerate(u64)]
        assert <char *>&a.recent_epoch - base == first + 8 * 32  # packed as declared
        keys = [("coin_vault", <char *>a.coin_vault - base), ("pc_vault", <char *>a.pc_vault - base),
                ("coin_vault_mint", <char *>a.coin_mint - base), ("pc_vault_mint", <char *>a.pc_mint - base),
                ("lp_mint", <char *>a.lp_mint - base), ("open_orders", <char *>a.open_orders - base), ("market", <char *>a.market - base),
                ("market_program", <char *>a.market_program - base), ("target_orders", <char *>a.target_orders - base),
                ("amm_owner", <char *>a.amm_owner - base)]
    elif kind == K_CPMM:
        c = &u.cpmm
        fields = [(n, off, "u1") for n, off in (
            ("auth_bump", <char *>&c.auth_bump - base), ("status", <char *>&c.status - base),
            ("lp_mint_decimals", <char *>&c.lp_mint_decimals - base), ("mint_0_decimals", <char *>&c.mint_0_decimals - base),
            ("mint_1_decimals", <char *>&c.mint_1_decimals - base), ("creator_fee_on", <char *>&c.creator_fee_on - base),
            ("enable_creator_fee", <char *>&c.enable_creator_fee - base))]
        fields += [(n, off, "<u8") for n, off in (
            ("lp_supply", <char *>&c.lp_supply - base), ("protocol_fees_0", <char *>&c.protocol_fees_0 - base),
            ("protocol_fees_1", <char *>&c.protocol_fees_1 - base), ("fund_fees_0", <char *>&c.fund_fees_0 - base),
            ("fund_fees_1", <char *>&c.fund_fees_1 - base), ("open_time", <char *>&c.open_time - base),
            ("recent_epoch", <char *>&c.recent_epoch - base), ("creator_fees_0", <char *>&c.creator_fees_0 - base),
            ("creator_fees_1", <char *>&c.creator_fees_1 - base))]
        keys = [("amm_config", <char *>c.amm_config - base), ("pool_creator", <char *>c.pool_creator - base),
                ("token_0_vault", <char *>c.token_0_vault - base), ("token_1_vault", <char *>c.token_1_vault - base),
                ("lp_mint", <char *>c.lp_mint - base), ("token_0_mint", <char *>c.token_0_mint - base),
                ("token_1_mint", <char *>c.token_1_mint - base), ("token_0_program", <char *>c.token_0_program - base),
                ("token_1_program", <char *>c.token_1_program - base), ("observation", <char *>c.observation - base)]
    elif kind == K_WHIRLPOOL:
        w = &u.whirlpool
        fields = [(n, off, "<u2") for n, off in (
            ("tick_spacing", <char *>&w.tick_spacing - base), ("fee_tier_index", <char *>&w.fee_tier_index - base),
            ("fee_rate", <char *>&w.fee_rate - base), ("protocol_fee_rate", <char *>&w.protocol_fee_rate - base))]
        fields += [("tick_current_index", <char *>&w.tick_current - base, "<i4"), ("whirlpool_bump", <char *>&w.bump - base, "u1")]
        fields += _u128_fields((("liquidity", <char *>&w.liquidity - base), ("sqrt_price", <char *>&w.sqrt_price - base)))
        keys = [("whirlpools_config", <char *>w.config - base), ("token_mint_a", <char *>w.mint_a - base),
                ("token_vault_a", <char *>w.vault_a - base), ("token_mint_b", <char *>w.mint_b - base),
                ("token_vault_b", <char *>w.vault_b - base)]
    elif kind == K_RAYDIUM_CLMM:
        r = &u.raydium_clmm
        fields = [("tick_spacing", <char *>&r.tick_spacing - base, "<u2"), ("tick_current", <char *>&r.tick_current - base, "<i4")]
        fields += [(n, off, "u1") for n, off in (
            ("mint_decimals_0", <char *>&r.decimals_0 - base), ("mint_decimals_1", <char *>&r.decimals_1 - base),
            ("status", <char *>&r.status - base), ("fee_on", <char *>&r.fee_on - base),
            ("has_dynamic_fee", <char *>&r.has_dynamic_fee - base))]
        fields += [(n, off, "<u8") for n, off in (
            ("protocol_fees_token_0", <char *>&r.protocol_fees_0 - base), ("protocol_fees_token_1", <char *>&r.protocol_fees_1 - base),
            ("fund_fees_token_0", <char *>&r.fund_fees_0 - base), ("fund_fees_token_1", <char *>&r.fund_fees_1 - base),
            ("open_time", <char *>&r.open_time - base))]
        fields += _u128_fields((("liquidity", <char *>&r.liquidity - base), ("sqrt_price_x64", <char *>&r.sqrt_price - base)))
        keys = [("amm_config", <char *>r.amm_config - base), ("token_mint_0", <char *>r.mint_0 - base),
                ("token_mint_1", <char *>r.mint_1 - base), ("token_vault_0", <char *>r.vault_0 - base),
                ("token_vault_1", <char *>r.vault_1 - base), ("observation_key", <char *>r.observation - base)]
    elif kind == K_METEORA_DLMM:
        m = &u.dlmm
        fields = [("active_id", <char *>&m.active_id - base, "<i4"), ("bin_step", <char *>&m.bin_step - base, "<u2"),
                  ("base_factor", <char *>&m.base_factor - base, "<u2"),
                  ("protocol_share", <char *>&m.protocol_share - base, "<u2"),
                  ("variable_fee_control", <char *>&m.variable_fee_control - base, "<u4"),
                  ("volatility_accumulator", <char *>&m.volatility_accumulator - base, "<u4"),
                  ("activation_point", <char *>&m.activation_point - base, "<u8")]
        fields += [(n, off, "u1") for n, off in (
            ("base_fee_power_factor", <char *>&m.base_fee_power_factor - base), ("status", <char *>&m.status - base),
            ("pair_type", <char *>&m.pair_type - base), ("function_type", <char *>&m.function_type - base),
            ("collect_fee_mode", <char *>&m.collect_fee_mode - base))]
        keys = [("token_x_mint", <char *>m.mint_x - base), ("token_y_mint", <char *>m.mint_y - base),
                ("reserve_x", <char *>m.reserve_x - base), ("reserve_y", <char *>m.reserve_y - base),
                ("oracle", <char *>m.oracle - base)]
    else:
        p = &u.pump
        v = <char *>&p.virtual_quote_reserves - base
        fields = [("virtual_quote_lo", v, "<u8"), ("virtual_quote_hi", v + 8, "<i8"),  # an i128, little-endian
                  ("lp_supply", <char *>&p.lp_supply - base, "<u8"),
                  ("creator_fee_bps", <char *>&p.creator_fee_bps - base, "<u8"), ("index", <char *>&p.index - base, "<u2")]
        fields += [(n, off, "u1") for n, off in (
            ("pool_bump", <char *>&p.pool_bump - base), ("is_mayhem_mode", <char *>&p.is_mayhem_mode - base),
            ("is_cashback_coin", <char *>&p.is_cashback_coin - base), ("can_edit_creator_fee", <char *>&p.can_edit_creator_fee - base))]
        keys = [("creator", <char *>p.creator - base), ("base_mint", <char *>p.base_mint - base), ("quote_mint", <char *>p.quote_mint - base),
                ("lp_mint", <char *>p.lp_mint - base), ("pool_base_token_account", <char *>p.pool_base - base),
                ("pool_quote_token_account", <char *>p.pool_quote - base), ("coin_creator", <char *>p.coin_creator - base)]
    fields += [(name, off, "V32") for name, off in keys]
    return fields, _sizes[kind]


def pools_into(int kind, datas, out):
    """Decodes `datas` into `out` (a structured array of the kind's dtype), in order, with the GIL
    released; returns a bool array: which decoded (a row that did not is zero)."""
    import numpy as np

    cdef Py_ssize_t n = len(datas), i
    if not 0 <= kind < K_KINDS:
        raise InvalidArgumentError(f"no pool kind {kind}")
    if len(out) < n or out.dtype.itemsize != _sizes[kind]:
        raise InvalidArgumentError("out is not an array of this kind's rows, or too short")
    keep = datas if all(PyBytes_CheckExact(d) for d in datas) else [_raw(d) for d in datas]  # alive, GIL released
    ptrs = np.empty(n, np.uintp)
    lens = np.empty(n, np.uintp)
    ok = np.zeros(n, np.bool_)
    cdef size_t[::1] p = ptrs, l = lens
    cdef uint8_t[::1] good = ok.view(np.uint8)
    cdef Py_buffer view
    cdef size_t size = _sizes[kind]
    cdef bytes b
    for i in range(n):
        b = keep[i]
        p[i] = <size_t>PyBytes_AS_STRING(b)
        l[i] = PyBytes_GET_SIZE(b)
    cdef any_pool row
    PyObject_GetBuffer(out, &view, PyBUF_SIMPLE | PyBUF_WRITABLE)
    try:
        with nogil:
            for i in range(n):
                if _decode_pool(kind, <const uint8_t *>p[i], l[i], &row) == 0:
                    memcpy(<uint8_t *>view.buf + i * size, &row, size)  # rows need not be aligned
                    good[i] = 1
                else:
                    memset(<uint8_t *>view.buf + i * size, 0, size)
    finally:
        PyBuffer_Release(&view)
    return ok


# --- the finder's states of Raydium CLMM and DLMM edges -------------------------------------------
cdef extern from *:
    """
    static inline void mev_edge_set_rcl(mev_edge *e, const mev_rcl_state *s) { e->u.raydium_clmm.state = s; }
    static inline void mev_edge_set_dlmm(mev_edge *e, const mev_dlmm_state *s) { e->u.dlmm.state = s; }
    """
    ctypedef struct mev_rcl_state:
        mev_rcl_pool pool
        mev_rcl_config config
        mev_rcl_bitmap_extension extension
        mev_rcl_ticks arrays[8]
        size_t n_arrays
        uint64_t now
        uint8_t has_extension
    ctypedef struct mev_dlmm_state:
        mev_dlmm_pair pair
        mev_dlmm_bitmap_extension extension
        mev_dlmm_bins arrays[8]
        size_t n_arrays
        int64_t now
        uint64_t slot
        uint8_t has_extension
    void mev_edge_set_rcl(mev_edge *e, const mev_rcl_state *s)
    void mev_edge_set_dlmm(mev_edge *e, const mev_dlmm_state *s)


cdef class RaydiumClmmState:
    """A Raydium CLMM pool as the arbitrage finder's edge holds it: the pool, its config, the tick
    arrays a swap walks (up to 8) and the bitmap extension, copied, and the block time to quote at."""
    cdef mev_rcl_state s

    def __init__(self, RaydiumClmmPool pool not None, RaydiumClmmConfig config not None, arrays, extension=None,
                 uint64_t now=0):
        arrays = list(arrays)
        if len(arrays) > 8:
            raise InvalidArgumentError("at most 8 tick arrays")
        memcpy(&self.s.pool, &pool.p, sizeof(mev_rcl_pool))
        memcpy(&self.s.config, &config.c, sizeof(mev_rcl_config))
        for i, a in enumerate(arrays):
            memcpy(&self.s.arrays[i], &(<RaydiumClmmTicks?>a).t, sizeof(mev_rcl_ticks))
        self.s.n_arrays = len(arrays)
        if extension is not None:
            memcpy(&self.s.extension, &(<RaydiumClmmBitmapExtension?>extension).e, sizeof(mev_rcl_bitmap_extension))
            self.s.has_extension = 1
        self.s.now = now


cdef class DlmmState:
    """A Meteora DLMM pair as the arbitrage finder's edge holds it: the pair, the bin arrays a swap
    walks (up to 8) and the bitmap extension, copied, and the block time and slot to quote at."""
    cdef mev_dlmm_state s

    def __init__(self, DlmmPair pair not None, arrays, extension=None, int64_t now=0, uint64_t slot=0):
        arrays = list(arrays)
        if len(arrays) > 8:
            raise InvalidArgumentError("at most 8 bin arrays")
        memcpy(&self.s.pair, &pair.p, sizeof(mev_dlmm_pair))
        for i, a in enumerate(arrays):
            memcpy(&self.s.arrays[i], &(<DlmmBins?>a).b, sizeof(mev_dlmm_bins))
        self.s.n_arrays = len(arrays)
        if extension is not None:
            memcpy(&self.s.extension, &(<DlmmBitmapExtension?>extension).e, sizeof(mev_dlmm_bitmap_extension))
            self.s.has_extension = 1
        self.s.now, self.s.slot = now, slot


cdef int _set_state(mev_edge *e, uint32_t kind, object state) except -1:
    if kind == EDGE_WHIRLPOOL:
        mev_edge_set_wp(e, &(<WhirlpoolState?>state).s)
    elif kind == EDGE_RAYDIUM_CLMM:
        mev_edge_set_rcl(e, &(<RaydiumClmmState?>state).s)
    else:
        mev_edge_set_dlmm(e, &(<DlmmState?>state).s)
    return 0


# --- vectorised concentrated-liquidity quotes: many amounts through one pool, the GIL released -----
def _amounts_out(amounts):
    import numpy as np

    a = np.ascontiguousarray(np.asarray(amounts, dtype=np.uint64).reshape(-1))
    return a, np.zeros(len(a), np.uint64), np.zeros(len(a), np.uint64), np.zeros(len(a), np.bool_)


def whirlpool_quote_many(WhirlpoolPool pool not None, arrays, amounts, bint a_to_b, bint exact_in,
                         WhirlpoolOracle oracle=None, uint64_t timestamp=0):
    """(amount_in, amount_out, ok) uint64 / bool arrays, one row per amount."""
    import numpy as np

    cdef const mev_wp_ticks *ptrs[5]
    cdef mev_wp_swap q
    cdef const mev_wp_oracle *o = NULL if oracle is None else &oracle.o
    cdef size_t n = _wp_pointers(arrays, ptrs)
    a, ins, outs, ok = _amounts_out(amounts)
    cdef const uint64_t[::1] am = a
    cdef uint64_t[::1] vi = ins, vo = outs
    cdef uint8_t[::1] good = ok.view(np.uint8)
    cdef Py_ssize_t k
    cdef mev_u128 no_limit
    _u128(0, &no_limit)
    with nogil:
        for k in range(am.shape[0]):
            if mev_wp_quote_at(&pool.p, o, timestamp, ptrs, n, am[k], a_to_b, exact_in, no_limit, &q) == 0:
                vi[k], vo[k], good[k] = q.amount_in, q.amount_out, 1
    return ins, outs, ok


def raydium_clmm_quote_many(RaydiumClmmPool pool not None, RaydiumClmmConfig config not None, extension, arrays,
                            amounts, bint zero_for_one, bint exact_in, uint64_t now):
    """(amount_in, amount_out, ok) uint64 / bool arrays, one row per amount (no price limit)."""
    import numpy as np

    cdef const mev_rcl_ticks *ptrs[RCL_MAX_ARRAYS]
    cdef const mev_rcl_bitmap_extension *ext
    cdef mev_rcl_swap q
    cdef mev_u128 no_limit
    cdef size_t n = _rcl_inputs(arrays, extension, ptrs, &ext)
    _u128(0, &no_limit)
    a, ins, outs, ok = _amounts_out(amounts)
    cdef const uint64_t[::1] am = a
    cdef uint64_t[::1] vi = ins, vo = outs
    cdef uint8_t[::1] good = ok.view(np.uint8)
    cdef Py_ssize_t k
    with nogil:
        for k in range(am.shape[0]):
            if mev_rcl_quote(&pool.p, &config.c, ext, ptrs, n, am[k], zero_for_one, exact_in, no_limit, now, &q) == 0:
                vi[k], vo[k], good[k] = q.amount_in, q.amount_out, 1
    return ins, outs, ok


def dlmm_quote_many(DlmmPair pair not None, extension, arrays, amounts, bint swap_for_y, bint exact_in, int64_t now,
                    uint64_t slot):
    """(amount_in, amount_out, ok) uint64 / bool arrays, one row per amount."""
    import numpy as np

    cdef const mev_dlmm_bins *ptrs[DLMM_MAX_ARRAYS]
    cdef const mev_dlmm_bitmap_extension *ext
    cdef mev_dlmm_swap q
    cdef size_t n = _dlmm_inputs(arrays, extension, ptrs, &ext)
    a, ins, outs, ok = _amounts_out(amounts)
    cdef const uint64_t[::1] am = a
    cdef uint64_t[::1] vi = ins, vo = outs
    cdef uint8_t[::1] good = ok.view(np.uint8)
    cdef Py_ssize_t k
    with nogil:
        for k in range(am.shape[0]):
            if mev_dlmm_quote(&pair.p, ext, ptrs, n, am[k], swap_for_y, exact_in, now, slot, &q) == 0:
                vi[k], vo[k], good[k] = q.amount_in, q.amount_out, 1
    return ins, outs, ok
