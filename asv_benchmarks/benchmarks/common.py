"""Seeded, cached data builders shared by the asv suite and `make bench` (asv_benchmarks/peers.py)."""
import functools

from solders.compute_budget import set_compute_unit_limit, set_compute_unit_price
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import MessageV0, to_bytes_versioned
from solders.system_program import TransferParams, transfer


class Benchmark:
    """Base class of every asv benchmark here (numpy's convention)."""


@functools.lru_cache(maxsize=None)
def signing_case(seed: int = 7):
    """A v0 transfer-with-tip message (compute budget, transfer, tip) and its payer.

    Returns (keypair, MessageV0, message bytes as signed, blockhash).
    """
    payer = Keypair.from_seed(bytes([seed]) * 32)
    recipient = Keypair.from_seed(bytes([seed + 1]) * 32).pubkey()
    tip_account = Keypair.from_seed(bytes([seed + 2]) * 32).pubkey()
    blockhash = Hash(bytes([seed + 3]) * 32)
    ixs = [
        set_compute_unit_limit(10_000),
        set_compute_unit_price(1_000),
        transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=recipient, lamports=1_000_000)),
        transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=tip_account, lamports=10_000)),
    ]
    msg = MessageV0.try_compile(payer.pubkey(), ixs, [], blockhash)
    return payer, msg, to_bytes_versioned(msg), blockhash


TIP_PATCHES = {"tip": (3, 4, "u64"), "cu_price": (1, 1, "u64")}


@functools.lru_cache(maxsize=None)
def leader_keys(n: int, seed: int = 11):
    """n distinct 32-byte leader identities, the same on every run."""
    return tuple(Keypair.from_seed(bytes([seed]) * 24 + i.to_bytes(8, "little")).pubkey().__bytes__()
                 for i in range(n))


ROUTES = ["rpc", "jito-ny", "jito-ams", "jito-fra", "sender"]


def attempts_sql(n: int, day_start: int = 1_790_035_200) -> str:
    """A SELECT producing n realistic rows of the store's `attempts` table over one day, in
    ClickHouse SQL: ~15 attempts per 400 ms slot, 3 shots each; leaders rotating every 4 slots
    among 2,000; shots planned around a per-leader phase; lognormal round-trip times and tips;
    priority fees fixed per route for an hour; each route's score drifting slowly with
    update-sized noise; 8% of shots credited. ClickHouse's rand() takes no seed, so every run
    (and every INSERT of it) draws new rows; compressed sizes repeat within 0.05 B/row."""
    routes = "[" + ", ".join(f"'{r}'" for r in ROUTES) + "]"
    return f"""
SELECT
    toDateTime64({day_start} + number * (86400 / {n}) + rand(1) % 1000 / 1e6, 6, 'UTC') AS ts,
    intDiv(number, 3) AS attempt_id,
    number AS shot_id,
    300000000 + intDiv(number * 216000, {n}) AS slot,
    base58Encode(unhex(hex(SHA256(toString(cityHash64(intDiv(slot, 4)) % 2000))))) AS leader,
    {routes}[1 + rand(2) % 5] AS route,
    toUInt8(number % 3) AS shot_index,
    toInt32(100000 + cityHash64(leader) % 200000 + (number % 3 - 1) * 20000 + randNormal(0, 15000)) AS offset_us,
    multiIf(rand(3) % 100 < 95, 'ok', rand(3) % 100 < 98, 'rate_limited', rand(3) % 100 < 99, 'timeout', 'http_error') AS status,
    toInt32(abs(randNormal(30, 15))) AS late_us,
    toUInt32(randLogNormal(log(800), 0.5)) AS rtt_us,
    toUInt64(round(randLogNormal(log(100000), 1), -3)) AS tip_lamports,
    toUInt64(5000 + cityHash64(route, intDiv(toUnixTimestamp(ts), 3600)) % 5 * 2500) AS fee_lamports,
    toFloat32(0.3 + 0.1 * sin(number / {n / 50} + indexOf({routes}, route)) + (rand(5) % 100) / 20000) AS p_raw,
    toFloat32(p_raw * 0.8) AS p_land,
    toUInt8(rand(7) % 100 < 8) AS landed,
    if(landed = 1, slot + rand(8) % 2, 0) AS landed_slot
FROM numbers({n})"""


@functools.lru_cache(maxsize=None)
def amm_v4_accounts(n: int = 10_000, seed: int = 3) -> tuple:
    """`n` random Raydium AMM v4 AmmInfo accounts (752 bytes, a swapping status)."""
    import random
    import struct

    rng = random.Random(seed)
    out = []
    for _ in range(n):
        data = bytearray(rng.randbytes(752))
        data[0:16] = struct.pack("<2Q", 6, 254)
        out.append(bytes(data))
    return tuple(out)


def construct_amm_v4():
    """The AmmInfo layout (raydium-amm state.rs) as a construct Struct: how a Python searcher
    decodes it without mevlib (construct comes with solana-py)."""
    from construct import Array, Bytes, Int64ul, Struct

    u128 = Bytes(16)
    return Struct(*(name / Int64ul for name in (
        "status", "nonce", "order_num", "depth", "coin_decimals", "pc_decimals", "state", "reset_flag", "min_size",
        "vol_max_cut_ratio", "amount_wave", "coin_lot_size", "pc_lot_size", "min_price_multiplier",
        "max_price_multiplier", "sys_decimal_value", "min_separate_numerator", "min_separate_denominator",
        "trade_fee_numerator", "trade_fee_denominator", "pnl_numerator", "pnl_denominator", "swap_fee_numerator",
        "swap_fee_denominator", "need_take_pnl_coin", "need_take_pnl_pc", "total_pnl_pc", "total_pnl_coin",
        "pool_open_time", "punish_pc_amount", "punish_coin_amount", "orderbook_to_init_time")),
        "swap_coin_in_amount" / u128, "swap_pc_out_amount" / u128, "swap_acc_pc_fee" / Int64ul,
        "swap_pc_in_amount" / u128, "swap_coin_out_amount" / u128, "swap_acc_coin_fee" / Int64ul,
        *(name / Bytes(32) for name in ("coin_vault", "pc_vault", "coin_vault_mint", "pc_vault_mint", "lp_mint",
                                        "open_orders", "market", "market_program", "target_orders")),
        "padding1" / Array(8, Int64ul), "amm_owner" / Bytes(32), "lp_amount" / Int64ul,
        "client_order_id" / Int64ul, "recent_epoch" / Int64ul, "padding2" / Int64ul)


def dex_market(pools: int = 10_000, mints: int = 3_000, seed: int = 5):
    """A mainnet-shaped market for the arbitrage finder: three pools in four pair a token with
    WSOL, some with USDC, a few two tokens; AMM v4, CPMM and Pump pools, each within ±0.5% of one
    price. Returns (finder, [(address, vault_a, vault_b)])."""
    import random

    from solders.pubkey import Pubkey

    from mevlib.dex import arb, pump_amm, raydium_amm_v4, raydium_cpmm

    rng = random.Random(seed)
    wsol, usdc = pump_amm.WSOL_MINT, pump_amm.USDC_MINT
    tokens = [Pubkey.from_bytes(rng.randbytes(32)) for _ in range(mints)]
    price = {t: rng.lognormvariate(0, 2) for t in tokens}
    price[wsol], price[usdc] = 1.0, 0.005
    finder = arb.Finder([wsol, usdc], max_pools=pools, max_mints=mints + 2)
    config = raydium_cpmm.Config(raydium_cpmm.encode_config(trade_fee_rate=2500))
    pump_config = pump_amm.GlobalConfig(pump_amm.encode_global_config(lp_fee_basis_points=20,
                                                                      protocol_fee_basis_points=5))
    out = []
    for i in range(pools):
        r = rng.random()
        a = rng.choice(tokens)
        b = wsol if r < 0.75 else usdc if r < 0.9 else rng.choice(tokens)
        if a == b:
            b = wsol
        depth = rng.randrange(10**9, 10**12)
        va, vb = depth, max(1, int(depth * price[a] / price[b] * rng.uniform(0.995, 1.005)))
        address = Pubkey.from_bytes(rng.randbytes(32))
        if i % 3 == 0:
            finder.add_amm_v4(address, raydium_amm_v4.Pool(raydium_amm_v4.encode(
                status=6, swap_fee_numerator=25, swap_fee_denominator=10_000, coin_vault_mint=a, pc_vault_mint=b)),
                coin_vault=va, pc_vault=vb)
        elif i % 3 == 1:
            finder.add_cpmm(address, raydium_cpmm.Pool(raydium_cpmm.encode_pool(token_0_mint=a, token_1_mint=b)),
                            config, vault_0=va, vault_1=vb)
        else:
            market = pump_amm.Market(pump_amm.Pool(pump_amm.encode_pool(base_mint=a, quote_mint=b)), pump_config)
            finder.add_pump(address, market, base_vault=va, quote_vault=vb)
        out.append((address, va, vb))
    return finder, out


def whirlpool_market(crossings: int = 10, seed: int = 6, mints: dict | None = None):
    """A Whirlpool with a position boundary every few ticks around its price (5 tick arrays, both
    layouts), and an exact-in amount whose swap crosses about `crossings` initialized ticks.
    Returns (pool, tick arrays, amount, the SDK case for tests/interop/whirlpool_check.mjs)."""
    import random

    from mevlib.dex import whirlpool as wp

    rng = random.Random(seed)
    spacing, tick = 64, 1_000
    span = 88 * spacing
    starts = [wp.tick_array_start(tick, spacing) + k * span for k in range(-2, 3)]
    nets, liquidity = {}, 0
    for lower in range(starts[0], starts[-1] + span - 10 * spacing, 3 * spacing):  # overlapping positions
        amount = rng.randrange(10**11, 10**12)
        upper = lower + 9 * spacing
        nets[lower] = nets.get(lower, 0) + amount
        nets[upper] = nets.get(upper, 0) - amount
        liquidity += amount if lower <= tick < upper else 0
    arrays = [wp.TickArray(wp.encode_tick_array(s, {(t - s) // spacing: n for t, n in nets.items()
                                                    if s <= t < s + span and n}, dynamic=i % 2 == 1))
              for i, s in enumerate(starts)]
    price = wp.sqrt_price_at_tick(tick) + 7
    pool = wp.Pool(wp.encode_pool(tick_spacing=spacing, fee_tier_index=spacing, fee_rate=3000, liquidity=liquidity,
                                  sqrt_price=price, tick_current_index=tick, **(mints or {})))
    amount = 10**6
    while wp.quote(pool, arrays, amount, a_to_b=True).steps < crossings + 1:
        amount = amount * 3 // 2
    case = {"tickSpacing": spacing, "feeRate": 3000, "liquidity": str(liquidity), "sqrtPrice": str(price), "tick": tick,
            "arrays": [{"start": s, "nets": {str((t - s) // spacing): str(n) for t, n in nets.items()
                                             if s <= t < s + span and n}} for s in starts],
            "amount": str(amount), "aToB": True, "exactIn": True}
    return pool, arrays, amount, case


def raydium_clmm_market(crossings: int = 10, seed: int = 7, mints: dict | None = None):
    """A Raydium CLMM pool with position boundaries every other tick spacing over five tick arrays
    around its price, and an exact-in amount whose swap takes about `crossings` steps. Returns
    (pool, config, tick arrays, amount, the case for tests/interop/raydium_clmm_check.mjs)."""
    import base64
    import random

    from solders.pubkey import Pubkey

    from mevlib.dex import raydium_clmm as rc

    rng = random.Random(seed)
    address = Pubkey.from_bytes(rng.randbytes(32))
    spacing, tick = 10, 1_005
    span = 60 * spacing
    first = rc.tick_array_start(tick, spacing) - 2 * span
    ticks, liquidity = {}, 0
    for lower in range(first, first + 5 * span - 10 * spacing, 2 * spacing):
        amount = rng.randrange(10**11, 10**12)
        for t, net in ((lower, amount), (lower + 9 * spacing, -amount)):
            n, g, _, _ = ticks.get(t, (0, 0, 0, 0))
            ticks[t] = (n + net, g + amount, 0, 0)
        liquidity += amount if lower <= tick < lower + 9 * spacing else 0
    datas, bitmap = {}, [0] * 16
    for s in range(first, first + 5 * span, span):
        datas[s] = rc.encode_tick_array(address, s, spacing, {(t - s) // spacing: v for t, v in ticks.items()
                                                               if s <= t < s + span})
        bitmap[(s // span + 512) // 64] |= 1 << ((s // span + 512) % 64)
    pool_data = rc.encode_pool(tick_spacing=spacing, liquidity=liquidity, sqrt_price_x64=rc.sqrt_price_at_tick(tick) + 7,
                               tick_current=tick, tick_array_bitmap=bitmap, **(mints or {}))
    config_data = rc.encode_config(trade_fee_rate=2500, protocol_fee_rate=120000, tick_spacing=spacing)
    pool, config = rc.Pool(pool_data), rc.Config(config_data)
    starts = rc.swap_tick_arrays(pool, True, count=5)
    arrays = [rc.TickArray(datas[s]) for s in starts]
    amount = 10**6
    while rc.quote(pool, config, arrays, amount, zero_for_one=True, now=1).steps < crossings:
        amount = amount * 3 // 2
    b64 = lambda d: base64.b64encode(d).decode()
    case = {"kind": "quote", "pool": b64(pool_data), "config": b64(config_data), "arrays": [b64(datas[s]) for s in starts],
            "extension": None, "amount": str(amount), "zeroForOne": True, "exactIn": True, "now": 1}
    return pool, config, arrays, amount, case


def dlmm_market(bins: int = 10, seed: int = 8, mints: dict | None = None):
    """A Meteora DLMM pair with liquidity in every bin of five bin arrays around the active one,
    and an exact-in amount whose swap takes from about `bins` bins. Returns (pair, bin arrays,
    amount, the case for tests/interop/dlmm_check.mjs)."""
    import base64
    import random

    from solders.pubkey import Pubkey

    from mevlib.dex import meteora_dlmm as dl

    rng = random.Random(seed)
    address = Pubkey.from_bytes(rng.randbytes(32))
    bin_step, active = 10, 35
    datas, bitmap = {}, [0] * 16
    for index in range(-2, 3):
        slots = {}
        for slot in range(70):
            bin_id = index * 70 + slot
            size = rng.randrange(10**9, 10**10)
            slots[slot] = (size if bin_id >= active else 0, size if bin_id <= active else 0,
                           dl.price_of_bin(bin_id, bin_step), 0, 0, 0)
        datas[index] = dl.encode_bin_array(address, index, slots)
        bitmap[(index + 512) // 64] |= 1 << ((index + 512) % 64)
    pair_data = dl.encode_pair(base_factor=10000, filter_period=30, decay_period=600, reduction_factor=5000,
                               variable_fee_control=7500, max_volatility_accumulator=350000, protocol_share=500,
                               function_type=2, active_id=active, index_reference=active, bin_step=bin_step,
                               bin_array_bitmap=bitmap, **(mints or {}))
    pair = dl.Pair(pair_data)
    arrays = [dl.BinArray(d) for d in datas.values()]
    amount = 10**6
    while dl.quote(pair, arrays, amount, swap_for_y=True, now=1).bins < bins:
        amount = amount * 3 // 2
    b64 = lambda d: base64.b64encode(d).decode()
    case = {"kind": "quote", "pair": b64(pair_data), "arrays": [b64(d) for d in datas.values()], "extension": None,
            "amount": str(amount), "swapForY": True, "exactIn": True, "now": 1}
    return pair, arrays, amount, case


def curve_cycles():
    """For each concentrated-liquidity kind (the markets above, paired with WSOL) a finder holding
    it and an AMM v4 pool of the same pair 3% dearer: [(name, finder, the curved pool's address)]."""
    from solders.pubkey import Pubkey

    from mevlib.dex import arb, meteora_dlmm, pump_amm, raydium_amm_v4

    wsol, token = pump_amm.WSOL_MINT, Pubkey.from_bytes(bytes(range(1, 33)))
    out = []
    for name in ("Whirlpool", "Raydium CLMM", "Meteora DLMM"):
        finder = arb.Finder([wsol], clock=lambda: 1)
        address = Pubkey.from_bytes(bytes([len(out) + 40]) * 32)
        keys = lambda arrays: {Pubkey.from_bytes(bytes([k + 1]) * 32): a for k, a in enumerate(arrays)}
        if name == "Whirlpool":
            pool, arrays, _, _ = whirlpool_market(mints={"token_mint_a": wsol, "token_mint_b": token})
            finder.add_whirlpool(address, pool, keys(arrays))
            price = (pool.fields["sqrt_price"] / 2**64) ** 2
        elif name == "Raydium CLMM":
            pool, config, arrays, _, _ = raydium_clmm_market(mints={"token_mint_0": wsol, "token_mint_1": token})
            finder.add_raydium_clmm(address, pool, config, keys(arrays))
            price = (pool.fields["sqrt_price_x64"] / 2**64) ** 2
        else:
            pair, arrays, _, _ = dlmm_market(mints={"token_x_mint": wsol, "token_y_mint": token})
            finder.add_dlmm(address, pair, keys(arrays))
            price = meteora_dlmm.price_of_bin(pair.fields["active_id"], pair.fields["bin_step"]) / 2**64
        amm = raydium_amm_v4.Pool(raydium_amm_v4.encode(status=6, swap_fee_numerator=25, swap_fee_denominator=10_000,
                                                        coin_vault_mint=wsol, pc_vault_mint=token))
        finder.add_amm_v4(Pubkey.from_bytes(bytes([99]) * 32), amm, coin_vault=10**14, pc_vault=int(10**14 * price * 1.03))
        out.append((name, finder, address))
    return out
