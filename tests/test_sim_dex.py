"""The simulator's DEX programs (mevlib.sim.dex): a transaction with real swap instructions
(mevlib.dex's builders) lands with every token balance moved exactly as the program's quote says
and its fee charged once; a stale minimum out fails with the program's own error code, nothing
moved but the fee; pieces around the swaps are part of the same all-or-nothing transaction;
simulateTransaction answers the same without keeping anything."""
import dataclasses
import math

import pytest
from solders.compute_budget import set_compute_unit_limit, set_compute_unit_price
from solders.account import Account
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction

from mevlib import dex
from mevlib.dex import pump_amm, raydium_amm_v4, raydium_cpmm
from mevlib.jito import TIP_ACCOUNTS
from mevlib.sim import ClusterConfig
from mevlib.sim.cluster import Cluster, always_land
from mevlib.sim.market import Market
from mevlib.transaction import fee_for_message


@pytest.fixture
def world():
    cluster = Cluster(always_land(dataclasses.replace(ClusterConfig(seed=3), slot_ms=100.0)))
    market = Market(cluster, seed=3)
    bot = Keypair()
    cluster.svm.airdrop(bot.pubkey(), 10**11)
    for mint in market.mints.values():
        market.token_account(bot.pubkey(), mint, 10**15)
    return cluster, market, bot


def pool(market, kind, name):
    return next(a for a, p in market.pools.items() if p[0] == kind and p[1].startswith(name))


def balance(cluster, key):
    return dex.decode_token_account(cluster.svm.get_account(key).data).amount


def send(cluster, bot, ixs, t_ms=150.0):
    msg = MessageV0.try_compile(bot.pubkey(), ixs, [], cluster.latest_blockhash(t_ms))
    tx = VersionedTransaction(msg, [bot])
    landing = cluster.deliver([tx], "rpc", t_ms)
    return tx, landing


def cpmm_config(cluster, pool):
    return raydium_cpmm.Config(cluster.svm.get_account(Pubkey.from_bytes(pool.fields["amm_config"])).data)


def ata(bot, market, name):
    return dex.associated_token_address(bot.pubkey(), market.mints[name])


def test_swaps_move_balances_exactly_as_the_programs_quote(world):
    cluster, market, bot = world
    cases = [("amm_v4", "TOKA/WSOL", True), ("amm_v4", "TOKA/WSOL", False), ("cpmm", "TOKA/WSOL", True),
             ("cpmm", "TOKA/TOKB", False), ("pump", "TOKA/WSOL", True), ("pump", "TOKA/WSOL", False)]
    for i, (kind, name, a_to_b) in enumerate(cases):
        address = pool(market, kind, name)
        _, _, mint_a, mint_b, va, vb = market.pools[address]
        data = cluster.svm.get_account(address).data
        vaults = market.vaults(address)
        amount = 10**9 + i
        if kind == "amm_v4":
            out = raydium_amm_v4.quote_exact_in(raydium_amm_v4.Pool(data), a_to_b, *vaults, amount).amount_out
        elif kind == "cpmm":
            config = cpmm_config(cluster, raydium_cpmm.Pool(data))
            out = raydium_cpmm.quote_exact_in(raydium_cpmm.Pool(data), config, a_to_b, *vaults, amount).amount_out
        else:
            config = pump_amm.GlobalConfig(cluster.svm.get_account(pump_amm.GLOBAL_CONFIG).data)
            m = pump_amm.Market(pump_amm.Pool(data), config)
            out = (m.sell_exact_base_in(*vaults, amount).quote if a_to_b else m.buy_exact_quote_in(*vaults, amount).base)
        names = name.split("/")
        user_in, user_out = (ata(bot, market, names[0]), ata(bot, market, names[1]))
        if not a_to_b:
            user_in, user_out = user_out, user_in
        before = (balance(cluster, user_in), balance(cluster, user_out), cluster.svm.get_balance(bot.pubkey()))
        ix = market.swap_instruction(address, bot.pubkey(), a_to_b, amount, out)  # min out: exactly the quote
        budget = [set_compute_unit_limit(300_000), set_compute_unit_price(1_000)]  # as a searcher sets them
        tx, landing = send(cluster, bot, [*budget, ix], 150.0 + 100 * i)
        assert landing.landed, (kind, name, landing.reason)
        assert balance(cluster, user_in) == before[0] - amount  # a Pump buy spends exactly the quote given
        assert balance(cluster, user_out) == before[1] + out, (kind, name)
        assert cluster.svm.get_balance(bot.pubkey()) == before[2] - fee_for_message(tx.message)  # the fee, once


def test_stale_minimum_out_fails_with_the_programs_error_and_moves_nothing(world):
    cluster, market, bot = world
    codes = {"amm_v4": 30, "cpmm": 6005, "pump": 6004}  # ExceededSlippage in each program
    for i, kind in enumerate(codes):
        address = pool(market, kind, "TOKA/WSOL")
        ix = market.swap_instruction(address, bot.pubkey(), True, 10**9, 10**15)  # more out than it can give
        tip = transfer(TransferParams(from_pubkey=bot.pubkey(), to_pubkey=TIP_ACCOUNTS[0], lamports=50_000))
        vaults = market.vaults(address)
        tips_before = cluster.svm.get_balance(TIP_ACCOUNTS[0])
        lamports = cluster.svm.get_balance(bot.pubkey())
        tx, landing = send(cluster, bot, [tip, ix], 150.0 + 100 * i)
        assert landing.committed and not landing.landed
        assert landing.err == {"InstructionError": [1, {"Custom": codes[kind]}]}
        assert market.vaults(address) == vaults  # nothing swapped
        assert cluster.svm.get_balance(TIP_ACCOUNTS[0]) == tips_before  # the tip before it rolled back too
        assert cluster.svm.get_balance(bot.pubkey()) == lamports - fee_for_message(tx.message)  # only the fee


def test_a_two_hop_arbitrage_with_a_tip_is_one_transaction(world):
    cluster, market, bot = world
    amm, cpmm = pool(market, "amm_v4", "TOKA/WSOL"), pool(market, "cpmm", "TOKA/WSOL")
    market.trade(amm, True, 10**12, 100.0)  # a whale sells TOKA on AMM v4: WSOL is dear there
    data = cluster.svm.get_account(cpmm).data
    pool_cpmm = raydium_cpmm.Pool(data)
    config = cpmm_config(cluster, pool_cpmm)
    x = 10**10  # WSOL in: buy TOKA on AMM v4 (cheap there), sell it on CPMM
    toka = raydium_amm_v4.quote_exact_in(raydium_amm_v4.Pool(cluster.svm.get_account(amm).data), False,
                                         *market.vaults(amm), x).amount_out
    back = raydium_cpmm.quote_exact_in(pool_cpmm, config, True, *market.vaults(cpmm), toka).amount_out
    assert back > x  # the opportunity
    wsol = ata(bot, market, "WSOL")
    before = balance(cluster, wsol)
    tip = transfer(TransferParams(from_pubkey=bot.pubkey(), to_pubkey=TIP_ACCOUNTS[2], lamports=10_000))
    _, landing = send(cluster, bot, [market.swap_instruction(amm, bot.pubkey(), False, x, toka),
                                     market.swap_instruction(cpmm, bot.pubkey(), True, toka, back), tip])
    assert landing.landed, landing.reason
    assert balance(cluster, wsol) - before == back - x


def test_simulate_keeps_nothing(world):
    cluster, market, bot = world
    address = pool(market, "pump", "TOKA/WSOL")
    vaults = market.vaults(address)
    msg = MessageV0.try_compile(bot.pubkey(), [market.swap_instruction(address, bot.pubkey(), False, 10**9, 1)], [],
                                cluster.latest_blockhash(150.0))
    res = cluster.simulate(VersionedTransaction(msg, [bot]))
    assert type(res).__name__ == "Simulated" and res.meta().compute_units_consumed() > 0
    assert market.vaults(address) == vaults
    post = dict(res.post_accounts())
    assert dex.decode_token_account(post[market.pools[address][5]].data).amount > vaults[1]  # the quote came in


def test_a_failed_durable_nonce_swap_still_advances_its_nonce(world):
    """As on chain, a durable-nonce transaction that fails keeps its nonce advanced: another tip
    variant signed over the same nonce can never execute after it."""
    from mevlib import nonce

    cluster, market, bot = world
    account = Keypair()
    rent = cluster.svm.minimum_balance_for_rent_exemption(nonce.NONCE_ACCOUNT_LENGTH)
    setup = MessageV0.try_compile(bot.pubkey(), nonce.create_instructions(bot.pubkey(), account.pubkey(),
                                                                          bot.pubkey(), rent), [],
                                  cluster.latest_blockhash(0.0))
    cluster.genesis(VersionedTransaction(setup, [bot, account]))
    value = nonce.parse_nonce_account(cluster.svm.get_account(account.pubkey()).data).nonce
    address = pool(market, "amm_v4", "TOKA/WSOL")

    def variant(tip):
        ixs = [nonce.advance_instruction(account.pubkey(), bot.pubkey()),
               market.swap_instruction(address, bot.pubkey(), True, 10**9, 10**15),  # stale: asks too much
               transfer(TransferParams(from_pubkey=bot.pubkey(), to_pubkey=TIP_ACCOUNTS[0], lamports=tip))]
        return VersionedTransaction(MessageV0.try_compile(bot.pubkey(), ixs, [], value), [bot])

    first = cluster.deliver([variant(10_000)], "rpc", 150.0)
    assert first.committed and first.err == {"InstructionError": [1, {"Custom": 30}]}
    assert nonce.parse_nonce_account(cluster.svm.get_account(account.pubkey()).data).nonce != value
    second = cluster.deliver([variant(20_000)], "rpc", 250.0)
    assert not second.committed and second.reason == "failed: BlockhashNotFound"


def whirlpool_in(cluster, market, name="TOKA", adaptive=False):
    """A TOKA/WSOL Whirlpool at the market's price, positions over its five tick arrays around the
    price, a static fee or an adaptive one (with its oracle), written at genesis: its address."""
    from mevlib.dex import whirlpool as wp

    address = Pubkey.from_bytes(bytes([77]) * 32)
    spacing = 64
    price = market.price["WSOL"] / market.price[name]  # token per WSOL... as b per a with a = WSOL
    tick = wp.tick_at_sqrt_price(int(math.sqrt(price) * 2**64))
    first = wp.tick_array_start(tick, spacing) - 2 * 88 * spacing
    nets, liquidity = {}, 0
    for lower in range(first, first + 5 * 88 * spacing - 12 * spacing, 4 * spacing):
        nets[lower] = nets.get(lower, 0) + 10**12
        nets[lower + 10 * spacing] = nets.get(lower + 10 * spacing, 0) - 10**12
        liquidity += 10**12 if lower <= tick < lower + 10 * spacing else 0
    for k in range(5):
        start = first + k * 88 * spacing
        slots = {(t - start) // spacing: n for t, n in nets.items() if start <= t < start + 88 * spacing and n}
        cluster.genesis_account(wp.tick_array_address(address, start),
                                Account(10**8, wp.encode_tick_array(start, slots, address), wp.PROGRAM_ID))
    vault_a, vault_b = (market.token_account(address, market.mints[m], 10**15, Pubkey.from_bytes(bytes([78 + i]) * 32))
                        for i, m in enumerate(("WSOL", name)))
    if adaptive:
        cluster.genesis_account(wp.oracle_address(address), Account(10**8, wp.encode_oracle(
            whirlpool=address, filter_period=30, decay_period=600, reduction_factor=5000,
            adaptive_fee_control_factor=20_000, max_volatility_accumulator=350_000, tick_group_size=spacing,
            major_swap_threshold_ticks=spacing, tick_group_index_reference=tick // spacing), wp.PROGRAM_ID))
    cluster.genesis_account(address, Account(10**8, wp.encode_pool(
        tick_spacing=spacing, fee_tier_index=1024 + spacing if adaptive else spacing, fee_rate=3000,
        protocol_fee_rate=1300, liquidity=liquidity,
        sqrt_price=wp.sqrt_price_at_tick(tick) + 5, tick_current_index=tick, token_mint_a=market.mints["WSOL"],
        token_vault_a=vault_a, token_mint_b=market.mints[name], token_vault_b=vault_b), wp.PROGRAM_ID))
    return address


@pytest.mark.parametrize("adaptive", [False, True])
def test_whirlpool_swap_v2_moves_balances_and_the_pool_as_quoted(world, adaptive):
    """A swap_v2 on a Whirlpool the cluster holds, static or adaptive fee: balances move exactly as
    whirlpool.quote says at the runtime clock's time (across initialized ticks); the pool, its
    tick arrays and its oracle become what whirlpool.execute writes; a stale minimum out fails
    with AmountOutBelowMinimum and moves nothing."""
    from mevlib.dex import whirlpool as wp

    cluster, market, bot = world
    address = whirlpool_in(cluster, market, adaptive=adaptive)
    account = lambda key: cluster.svm.get_account(key)
    pool = wp.Pool(account(address).data)
    starts = wp.swap_tick_arrays(pool, True)
    arrays = [wp.TickArray(account(wp.tick_array_address(address, s)).data) for s in starts]
    oracle_key = wp.oracle_address(address)
    oracle = wp.Oracle(account(oracle_key).data) if adaptive else None
    now = cluster.svm.get_clock().unix_timestamp
    amount = 200 * 10**9
    q = wp.quote(pool, arrays, amount, a_to_b=True, oracle=oracle, now=now)
    assert q.steps > 2  # crosses initialized ticks
    expected = [bytearray(account(address).data),
                [bytearray(account(wp.tick_array_address(address, s)).data) for s in starts],
                bytearray(account(oracle_key).data) if adaptive else None]
    assert wp.execute(expected[0], expected[1], amount, a_to_b=True, now=now,
                      oracle_data=expected[2])._replace(fee_growth=None) == q
    wsol, toka = ata(bot, market, "WSOL"), ata(bot, market, "TOKA")
    before = balance(cluster, wsol), balance(cluster, toka)
    ix = wp.swap_instruction(address, pool, bot.pubkey(), wsol, toka, True, amount, q.amount_out)
    _, landing = send(cluster, bot, [set_compute_unit_limit(300_000), ix], t_ms=50.0)
    assert landing.landed, landing.reason
    assert (balance(cluster, wsol), balance(cluster, toka)) == (before[0] - amount, before[1] + q.amount_out)
    assert bytes(account(address).data) == bytes(expected[0])
    assert [bytes(account(wp.tick_array_address(address, s)).data) for s in starts] == [bytes(a) for a in expected[1]]
    if adaptive:
        assert bytes(account(oracle_key).data) == bytes(expected[2])
    after = wp.Pool(account(address).data).fields
    assert after["protocol_fee_owed_a"] == q.protocol_fee > 0
    stale = wp.swap_instruction(address, pool, bot.pubkey(), wsol, toka, True, amount, q.amount_out)
    _, landing = send(cluster, bot, [set_compute_unit_limit(300_000), stale], t_ms=250.0)
    assert not landing.landed and landing.err == {"InstructionError": [1, {"Custom": 6036}]}  # AmountOutBelowMinimum
    assert balance(cluster, toka) == before[1] + q.amount_out  # nothing moved


def raydium_clmm_in(cluster, market, name="TOKA"):
    """A static-fee WSOL/TOKA Raydium CLMM pool at the market's price, a wide and a narrow position
    and a limit order resting below the price, written at genesis: (address, config, order tick)."""
    from mevlib.dex import raydium_clmm as rc

    address, config_key = Pubkey.from_bytes(bytes([81]) * 32), Pubkey.from_bytes(bytes([82]) * 32)
    spacing, span = 10, 600
    tick = rc.tick_at_sqrt_price(int(math.sqrt(market.price["WSOL"] / market.price[name]) * 2**64))
    first = rc.tick_array_start(tick, spacing) - 2 * span
    order = rc.tick_array_start(tick, spacing) - 2 * spacing
    slots = {first: (10**13, 10**13, 0), first + 5 * span - spacing: (-10**13, 10**13, 0),
             tick // 10 * 10 - 100: (5 * 10**12, 5 * 10**12, 0), tick // 10 * 10 + 100: (-5 * 10**12, 5 * 10**12, 0),
             order: (0, 0, 10**9)}
    arrays, bitmap = {}, [0] * 16
    for t, (net, gross, orders) in slots.items():
        s = rc.tick_array_start(t, spacing)
        arrays.setdefault(s, {})[(t - s) // spacing] = (net, gross, orders, 0)
    for s, ticks in arrays.items():
        bit = s // span + 512
        bitmap[bit // 64] |= 1 << (bit % 64)
        cluster.genesis_account(rc.tick_array_address(address, s),
                                Account(10**8, rc.encode_tick_array(address, s, spacing, ticks), rc.PROGRAM_ID))
    vault_0, vault_1 = (market.token_account(address, market.mints[m], 10**15, Pubkey.from_bytes(bytes([83 + i]) * 32))
                        for i, m in enumerate(("WSOL", name)))
    cluster.genesis_account(config_key, Account(10**8, rc.encode_config(
        trade_fee_rate=2500, protocol_fee_rate=120000, fund_fee_rate=40000, tick_spacing=spacing), rc.PROGRAM_ID))
    cluster.genesis_account(address, Account(10**8, rc.encode_pool(
        amm_config=config_key, token_mint_0=market.mints["WSOL"], token_mint_1=market.mints[name],
        token_vault_0=vault_0, token_vault_1=vault_1, observation_key=Pubkey.from_bytes(bytes([85]) * 32),
        tick_spacing=spacing, liquidity=15 * 10**12, sqrt_price_x64=rc.sqrt_price_at_tick(tick) + 7, tick_current=tick,
        tick_array_bitmap=bitmap), rc.PROGRAM_ID))
    return address, rc.Config(cluster.svm.get_account(config_key).data), order


def test_raydium_clmm_swap_v2_moves_balances_pool_and_orders_as_quoted(world):
    """swap_v2 on a Raydium CLMM pool: balances move exactly as raydium_clmm.quote says at the
    runtime clock's time, across ticks and through a resting limit order; the pool and tick
    arrays become what raydium_clmm.execute writes (the order filled); a stale minimum out fails
    with TooLittleOutputReceived (error.rs: 6017) and moves nothing."""
    from mevlib.dex import raydium_clmm as rc

    cluster, market, bot = world
    address, config, order = raydium_clmm_in(cluster, market)
    account = lambda key: cluster.svm.get_account(key)
    pool = rc.Pool(account(address).data)
    starts = rc.swap_tick_arrays(pool, True)
    arrays = [rc.TickArray(account(rc.tick_array_address(address, s)).data) for s in starts]
    now = cluster.svm.get_clock().unix_timestamp
    amount = 100 * 10**9
    q = rc.quote(pool, config, arrays, amount, zero_for_one=True, now=now)
    assert q.steps > 2 and q.limit_order_out > 0  # crosses ticks and fills the order
    expected = [bytearray(account(address).data), [bytearray(account(rc.tick_array_address(address, s)).data)
                                                   for s in starts]]
    assert rc.execute(expected[0], config, expected[1], amount, zero_for_one=True, now=now)._replace(fee_growth=None) == q
    wsol, toka = ata(bot, market, "WSOL"), ata(bot, market, "TOKA")
    before = balance(cluster, wsol), balance(cluster, toka)
    ix = rc.swap_instruction(address, pool, bot.pubkey(), wsol, toka, True, amount, q.amount_out, starts)
    _, landing = send(cluster, bot, [set_compute_unit_limit(400_000), ix], t_ms=50.0)
    assert landing.landed, landing.reason
    assert (balance(cluster, wsol), balance(cluster, toka)) == (before[0] - amount, before[1] + q.amount_out)
    assert bytes(account(address).data) == bytes(expected[0])
    assert [bytes(account(rc.tick_array_address(address, s)).data) for s in starts] == [bytes(a) for a in expected[1]]
    stale = rc.swap_instruction(address, pool, bot.pubkey(), wsol, toka, True, amount, q.amount_out, starts)
    _, landing = send(cluster, bot, [set_compute_unit_limit(400_000), stale], t_ms=250.0)
    assert not landing.landed and landing.err == {"InstructionError": [1, {"Custom": 6017}]}
    assert balance(cluster, toka) == before[1] + q.amount_out and bytes(account(address).data) == bytes(expected[0])


def dlmm_in(cluster, market, name="TOKA"):
    """A WSOL/TOKA Meteora DLMM pair (X = WSOL) at the market's price with a variable fee,
    10^11 of TOKA in each bin below the active one and WSOL above, a limit order in one bin, at
    genesis: (address, order bin)."""
    from mevlib.dex import meteora_dlmm as dl

    address = Pubkey.from_bytes(bytes([91]) * 32)
    step = 10
    active = round(math.log(market.price["WSOL"] / market.price[name]) / math.log(1 + step / 10_000))
    centre = dl.bin_array_index(active)
    order = active - 3
    bitmap = [0] * 16
    for index in range(centre - 1, centre + 2):
        bins = {}
        for slot in range(70):
            bin_id = index * 70 + slot
            bins[slot] = (10**11 if bin_id >= active else 0, 10**11 * 7 if bin_id <= active else 0,
                          dl.price_of_bin(bin_id, step), 10**10 if bin_id == order else 0, 0, 0)
        cluster.genesis_account(dl.bin_array_address(address, index),
                                Account(10**8, dl.encode_bin_array(address, index, bins), dl.PROGRAM_ID))
        bitmap[(index + 512) // 64] |= 1 << ((index + 512) % 64)
    reserve_x, reserve_y = (market.token_account(address, market.mints[m], 10**16, Pubkey.from_bytes(bytes([92 + i]) * 32))
                            for i, m in enumerate(("WSOL", name)))
    cluster.genesis_account(address, Account(10**8, dl.encode_pair(
        base_factor=10000, filter_period=30, decay_period=600, reduction_factor=5000, variable_fee_control=7500,
        max_volatility_accumulator=350000, protocol_share=500, function_type=2, active_id=active,
        index_reference=active, bin_step=step, token_x_mint=market.mints["WSOL"], token_y_mint=market.mints[name],
        reserve_x=reserve_x, reserve_y=reserve_y, oracle=Pubkey.from_bytes(bytes([94]) * 32),
        last_update_timestamp=cluster.svm.get_clock().unix_timestamp - 3600, bin_array_bitmap=bitmap), dl.PROGRAM_ID))
    return address, order


@pytest.mark.parametrize("version", [2, 1])
def test_meteora_dlmm_swaps_move_balances_and_bins_as_quoted(world, version):
    """swap2 (and the first swap, without the memo program and RemainingAccountsInfo) on a DLMM
    pair: balances move exactly as meteora_dlmm.quote says at the runtime clock's time and slot,
    across bins with the variable fee and through a limit order; the pair and bin arrays become
    what meteora_dlmm.execute writes; an exact-out swap asking too much fails with
    ExceededAmountSlippageTolerance (the IDL: 6003) and moves nothing."""
    from solders.instruction import Instruction
    from mevlib.dex import meteora_dlmm as dl

    cluster, market, bot = world
    address, order = dlmm_in(cluster, market)
    account = lambda key: cluster.svm.get_account(key)
    pair = dl.Pair(account(address).data)
    indexes = dl.swap_bin_arrays(pair, True)
    arrays = [dl.BinArray(account(dl.bin_array_address(address, i)).data) for i in indexes]
    clock = cluster.svm.get_clock()
    amount = 5 * 10**11
    q = dl.quote(pair, arrays, amount, swap_for_y=True, now=clock.unix_timestamp, slot=clock.slot)
    assert q.bins > 3 and q.limit_order_out > 0 and q.active_id < order
    expected = [bytearray(account(address).data),
                [bytearray(account(dl.bin_array_address(address, i)).data) for i in indexes]]
    assert dl.execute(expected[0], expected[1], amount, swap_for_y=True, now=clock.unix_timestamp,
                      slot=clock.slot) == q
    wsol, toka = ata(bot, market, "WSOL"), ata(bot, market, "TOKA")
    before = balance(cluster, wsol), balance(cluster, toka)
    ix = dl.swap_instruction(address, pair, bot.pubkey(), wsol, toka, True, amount, q.amount_out, indexes)
    if version == 1:  # swap: no memo program (the 14th account) and no RemainingAccountsInfo
        ix = Instruction(ix.program_id, dl.SWAP + bytes(ix.data)[8:24], ix.accounts[:13] + ix.accounts[14:])
    _, landing = send(cluster, bot, [set_compute_unit_limit(400_000), ix], t_ms=50.0)
    assert landing.landed, landing.reason
    assert (balance(cluster, wsol), balance(cluster, toka)) == (before[0] - amount, before[1] + q.amount_out)
    assert bytes(account(address).data) == bytes(expected[0])
    assert [bytes(account(dl.bin_array_address(address, i)).data) for i in indexes] == [bytes(a) for a in expected[1]]
    pair = dl.Pair(account(address).data)
    greedy = dl.swap_instruction(address, pair, bot.pubkey(), wsol, toka, True, 10**9, 1, dl.swap_bin_arrays(pair, True),
                                 exact_in=False)
    _, landing = send(cluster, bot, [set_compute_unit_limit(400_000), greedy], t_ms=250.0)
    assert not landing.landed and landing.err == {"InstructionError": [1, {"Custom": 6003}]}
    assert balance(cluster, toka) == before[1] + q.amount_out and bytes(account(address).data) == bytes(expected[0])


def test_whirlpool_swap_v2_stops_at_its_price_limit(world):
    """swap_v2 with sqrt_price_limit: the swap stops at that price and takes only the input it
    used; a limit on the wrong side of the price fails with InvalidSqrtPriceLimitDirection
    (errors.rs: 6034) and moves nothing."""
    from mevlib.dex import whirlpool as wp

    cluster, market, bot = world
    address = whirlpool_in(cluster, market)
    pool = wp.Pool(cluster.svm.get_account(address).data)
    arrays = [wp.TickArray(cluster.svm.get_account(wp.tick_array_address(address, s)).data)
              for s in wp.swap_tick_arrays(pool, True)]
    limit = pool.fields["sqrt_price"] * 99 // 100
    q = wp.quote(pool, arrays, 10**13, a_to_b=True, sqrt_price_limit=limit)
    assert q.sqrt_price == limit and q.amount_in < 10**13
    wsol, toka = ata(bot, market, "WSOL"), ata(bot, market, "TOKA")
    before = balance(cluster, wsol), balance(cluster, toka)
    ix = wp.swap_instruction(address, pool, bot.pubkey(), wsol, toka, True, 10**13, q.amount_out,
                             sqrt_price_limit=limit)
    _, landing = send(cluster, bot, [set_compute_unit_limit(300_000), ix], t_ms=50.0)
    assert landing.landed, landing.reason
    assert (balance(cluster, wsol), balance(cluster, toka)) == (before[0] - q.amount_in, before[1] + q.amount_out)
    assert wp.Pool(cluster.svm.get_account(address).data).fields["sqrt_price"] == limit
    wrong = wp.swap_instruction(address, pool, bot.pubkey(), wsol, toka, True, 10**9, 0,
                                sqrt_price_limit=limit * 2)
    _, landing = send(cluster, bot, [set_compute_unit_limit(300_000), wrong], t_ms=250.0)
    assert not landing.landed and landing.err == {"InstructionError": [1, {"Custom": 6034}]}
