"""The arbitrage finder (mevlib.dex.arb, csrc/dex/graph.c): planted two- and three-hop cycles in a
graph of fairly priced pools are each found from a delta on any of their pools, with the input a
brute-force search over every input finds best (to within one unit of profit), and every hop's
output equal to the program's own quote (mevlib.dex's modules). csrc/tests/test_graph.c checks the
best cycle against brute force over every cycle on random graphs."""
import math
import random

import pytest
from solders.pubkey import Pubkey

import mevlib
from mevlib import _dex
from mevlib.dex import arb, pump_amm, raydium_amm_v4, raydium_cpmm

WSOL = pump_amm.WSOL_MINT


def key(rng) -> Pubkey:
    return Pubkey.from_bytes(rng.randbytes(32))


def amm_v4_pool(coin: Pubkey, pc: Pubkey, pnl=(0, 0)):
    return raydium_amm_v4.Pool(raydium_amm_v4.encode(
        status=6, nonce=254, swap_fee_numerator=25, swap_fee_denominator=10_000, need_take_pnl_coin=pnl[0],
        need_take_pnl_pc=pnl[1], coin_vault_mint=coin, pc_vault_mint=pc))


def cpmm_pool(mint_0: Pubkey, mint_1: Pubkey, fees=(3, 4, 5, 6, 7, 8)):
    pool = raydium_cpmm.encode_pool(
        token_0_mint=mint_0, token_1_mint=mint_1, protocol_fees_0=fees[0], protocol_fees_1=fees[1],
        fund_fees_0=fees[2], fund_fees_1=fees[3], creator_fees_0=fees[4], creator_fees_1=fees[5],
        creator_fee_on=1, enable_creator_fee=True)  # the creator fee on token 0 only
    config = raydium_cpmm.encode_config(trade_fee_rate=2500, protocol_fee_rate=120_000, fund_fee_rate=40_000,
                                        creator_fee_rate=500)
    return raydium_cpmm.Pool(pool), raydium_cpmm.Config(config)


def pump_market(base: Pubkey, quote: Pubkey):
    pool = pump_amm.encode_pool(base_mint=base, quote_mint=quote, coin_creator=b"\x07" * 32)
    config = pump_amm.encode_global_config(lp_fee_basis_points=20, protocol_fee_basis_points=5,
                                           coin_creator_fee_basis_points=5)
    return pump_amm.Market(pump_amm.Pool(pool), pump_amm.GlobalConfig(config))


def add(finder, rng, kind, mint_a, mint_b, reserve_a, reserve_b):
    """A pool of `kind` between two mints with these reserves (vaults hold a little more where
    the program holds fees or pnl back); returns (address, how to quote it, vaults)."""
    address = key(rng)
    if kind == "amm_v4":
        pool = amm_v4_pool(mint_a, mint_b, pnl=(11, 13))
        vaults = (reserve_a + 11, reserve_b + 13)
        finder.add_amm_v4(address, pool, coin_vault=vaults[0], pc_vault=vaults[1])
        quote = lambda a_to_b, v, x: raydium_amm_v4.quote_exact_in(pool, a_to_b, *v, x).amount_out
    elif kind == "cpmm":
        pool, config = cpmm_pool(mint_a, mint_b)
        vaults = (reserve_a + 3 + 5 + 7, reserve_b + 4 + 6 + 8)
        finder.add_cpmm(address, pool, config, vault_0=vaults[0], vault_1=vaults[1])
        quote = lambda a_to_b, v, x: raydium_cpmm.quote_exact_in(pool, config, a_to_b, *v, x).amount_out
    else:
        market = pump_market(mint_a, mint_b)
        vaults = (reserve_a, reserve_b)
        finder.add_pump(address, market, base_vault=vaults[0], quote_vault=vaults[1])
        quote = lambda a_to_b, v, x: (market.sell_exact_base_in(*v, x).quote if a_to_b
                                      else market.buy_exact_quote_in(*v, x).base)
    return address, quote, vaults


def fair(price, a, b, depth):
    """Reserves of a pool between mints a and b at the market's prices."""
    return depth, max(1, round(depth * price[a] / price[b]))


def test_finds_every_planted_cycle_with_the_brute_force_input():
    rng = random.Random(8)
    finder = arb.Finder([WSOL])
    mints = [WSOL] + [key(rng) for _ in range(40)]
    price = {m: rng.uniform(0.5, 2.0) for m in mints}
    price[WSOL] = 1.0
    kinds = ["amm_v4", "cpmm", "pump"]
    for _ in range(400):  # the rest of the market, fairly priced: no cycle pays its fees
        a, b = rng.sample(mints, 2)
        add(finder, rng, rng.choice(kinds), a, b, *fair(price, a, b, rng.randrange(50_000, 500_000)))
    planted = []
    for i in range(12):  # mints found only in their cycle
        hops = 2 + i % 2
        path = [WSOL] + [key(rng) for _ in range(hops - 1)]
        for m in path[1:]:
            price[m] = rng.uniform(0.5, 2.0)
        pools = []
        for h in range(hops):
            a, b = (path[0], path[1]) if hops == 2 else (path[h], path[(h + 1) % hops])
            pools.append((a, b) + add(finder, rng, kinds[(i + h) % 3], a, b,
                                      *fair(price, a, b, rng.randrange(100_000, 1_000_000))))
        planted.append(pools)
    assert all(finder.best_cycle(p[0][2], max_in=10**7) is None for p in planted)  # nothing pays yet

    for pools in planted:
        a, b, address, quote, vaults = rng.choice(pools)
        moved = (vaults[0], vaults[1] * 106 // 100)  # a delta: 6% more of b in one pool
        cycle = finder.update(address, *moved, max_in=10**7)
        assert cycle is not None and {h.pool for h in cycle.hops} == {p[2] for p in pools}
        assert cycle.start_mint == WSOL and cycle.hops[-1].mint_out == WSOL
        # every hop's output is the program's own quote at those vaults
        state = {p[2]: (p[0], p[3], moved if p[2] == address else p[4]) for p in pools}
        amount = cycle.amount_in
        for hop in cycle.hops:
            mint_a, quote_of, v = state[hop.pool]
            amount = quote_of(hop.mint_in == mint_a, v, amount)
            assert amount == hop.amount_out
        assert cycle.profit == amount - cycle.amount_in > 0

        def profit(x):
            amount = x
            for hop in cycle.hops:
                mint_a, _, v = state[hop.pool]
                amount = quote_or_zero(state[hop.pool][1], hop.mint_in == mint_a, v, amount)
            return amount - x

        best = max(range(1, 3 * cycle.amount_in), key=profit)
        assert profit(best) - cycle.profit <= 1, (len(pools), best, cycle.amount_in, profit(best), cycle.profit)


def quote_or_zero(quote, a_to_b, vaults, x):
    try:
        return quote(a_to_b, vaults, x) if x > 0 else 0
    except (mevlib.InvalidArgumentError, mevlib.MathOverflowError):
        return 0


def test_bad_input_is_refused():
    rng = random.Random(1)
    finder = arb.Finder([WSOL], max_pools=2, max_mints=3)
    with pytest.raises(mevlib.InvalidArgumentError):
        arb.Finder([])
    a, b = key(rng), key(rng)
    add(finder, rng, "amm_v4", WSOL, a, 10**6, 10**6)
    address, _, _ = add(finder, rng, "amm_v4", WSOL, a, 10**6, 10**6)
    with pytest.raises(mevlib.MevError):
        add(finder, rng, "amm_v4", WSOL, b, 10**6, 10**6)  # past max_pools
    with pytest.raises(mevlib.InvalidArgumentError, match="not in the finder"):
        finder.update(key(rng), 1, 1, max_in=10)
    assert finder.update(address, 10**6, 10**6, max_in=10**6) is None  # the same price twice: nothing
    cycle = finder.update(address, 10**6, 2 * 10**6, max_in=1000)
    assert cycle.amount_in <= 1000 and cycle.profit > 0  # capped by max_in
    with pytest.raises(ValueError):
        _dex.edge_swap(_dex.EDGE_AMM_V4, 10, 10, (25, 10_000), True, 0)


@pytest.mark.parametrize("whale_in", ["TOKA/WSOL AMM v4", "TOKA/WSOL Whirlpool", "TOKA/WSOL Raydium CLMM",
                                      "TOKA/WSOL Meteora DLMM"])
def test_a_found_cycle_lands_on_the_simulator_for_exactly_its_profit(whale_in):
    """Finder.load reads the simulator market's pools through RPC; a whale's swap in one of them
    reaches it as account updates (on_account: vaults, or a curve's pool and arrays); the best
    cycle through that pool, its swap instructions sent as one transaction, lands (the simulator
    executing each program's swap) and the bot's WSOL grows by exactly the cycle's profit."""
    import dataclasses

    from solders.compute_budget import set_compute_unit_limit
    from solders.keypair import Keypair
    from solders.message import MessageV0
    from solders.transaction import VersionedTransaction

    from mevlib import dex
    from mevlib.routes import JsonRpcClient
    from mevlib.sim import ClusterConfig, Simulator
    from mevlib.sim.cluster import always_land
    from mevlib.sim.market import CURVED, Market

    with Simulator(always_land(dataclasses.replace(ClusterConfig(seed=4), slot_ms=100.0))) as sim:
        market = Market(sim.cluster, seed=4)
        clock = sim.unix_time  # the runtime's, not ours
        finder = arb.Finder.load(JsonRpcClient(sim.url("rpc")), list(market.pools), [WSOL], clock=clock)
        assert len(finder) == 8 and set(finder.accounts()) >= {p[4] for p in market.pools.values() if p[0] not in CURVED}
        bot = Keypair()
        sim.cluster.svm.airdrop(bot.pubkey(), 10**11)
        for mint in market.mints.values():
            market.token_account(bot.pubkey(), mint, 10**15)
        toka_amm = next(a for a, p in market.pools.items() if p[1] == whale_in)
        # the accounts that move it (a bitmap extension it would read is not there)
        watched = [k for k in finder.accounts() if finder.pool_of(k) == toka_amm and sim.cluster.svm.get_account(k)]
        assert market.trade(toka_amm, True, 3 * 10**12, sim.now_ms())  # a whale sells TOKA into one pool
        changed = {finder.on_account(k, sim.cluster.svm.get_account(k).data) for k in watched}
        assert changed - {None} == {toka_amm}
        cycle = finder.best_cycle(toka_amm, max_in=10**12)
        assert cycle is not None and cycle.start_mint == WSOL and cycle.profit > 10**6
        fresh = arb.Finder.load(JsonRpcClient(sim.url("rpc")), list(market.pools), [WSOL], commitment="processed",
                                clock=clock)
        assert fresh.best_cycle(toka_amm, max_in=10**12).profit == cycle.profit  # the same state read afresh
        swaps = [ix for ix, _ in finder.swap_instructions(cycle, bot.pubkey())]
        wsol = dex.associated_token_address(bot.pubkey(), WSOL)
        before = dex.decode_token_account(sim.cluster.svm.get_account(wsol).data).amount
        t = sim.now_ms()
        msg = MessageV0.try_compile(bot.pubkey(), [set_compute_unit_limit(400_000), *swaps], [],
                                    sim.cluster.latest_blockhash(t))
        landing = sim.cluster.deliver([VersionedTransaction(msg, [bot])], "rpc", t)
        assert landing.landed, landing.reason
        after = dex.decode_token_account(sim.cluster.svm.get_account(wsol).data).amount
        assert after - before == cycle.profit


def test_cycles_through_a_whirlpool_are_found_and_quoted_exactly():
    """A Whirlpool (concentrated liquidity, positions across several ticks) against an AMM v4 pool of
    the same pair, 3% apart: the finder's cycle crosses the Whirlpool's ticks, each hop's output is
    the module's own quote, the profit is within its rounding bound of a search over every input
    of a coarse grid refined by hand, and a tick array's update moves the answer."""
    from mevlib.dex import whirlpool as wp

    rng = random.Random(12)
    token = key(rng)
    spacing, tick = 8, 100
    span = 88 * spacing
    starts = [wp.tick_array_start(tick, spacing) + k * span for k in range(-1, 2)]
    nets, liquidity = {}, 0
    for lower in range(starts[0], starts[-1] + span - 12 * spacing, 2 * spacing):
        amount = rng.randrange(10**11, 10**12)
        nets[lower] = nets.get(lower, 0) + amount
        nets[lower + 10 * spacing] = nets.get(lower + 10 * spacing, 0) - amount
        liquidity += amount if lower <= tick < lower + 10 * spacing else 0
    addresses = [key(rng) for _ in starts]
    arrays = {a: wp.TickArray(wp.encode_tick_array(s, {(t - s) // spacing: n for t, n in nets.items() if s <= t < s + span}))
              for a, s in zip(addresses, starts)}
    price = wp.sqrt_price_at_tick(tick)
    pool = wp.Pool(wp.encode_pool(tick_spacing=spacing, fee_tier_index=spacing, fee_rate=3000, liquidity=liquidity,
                                  sqrt_price=price, tick_current_index=tick, token_mint_a=WSOL, token_mint_b=token))
    finder = arb.Finder([WSOL])
    whirl, amm = key(rng), key(rng)
    finder.add_whirlpool(whirl, pool, arrays)
    ratio = (price / 2**64) ** 2 * 1.03  # token per WSOL on the AMM: 3% more than the Whirlpool's
    amm_pool = amm_v4_pool(WSOL, token)
    finder.add_amm_v4(amm, amm_pool, coin_vault=10**14 + 11, pc_vault=int(10**14 * ratio) + 13)
    cycle = finder.best_cycle(whirl, max_in=10**13)
    assert cycle is not None and {h.pool for h in cycle.hops} == {whirl, amm} and cycle.profit > 0
    amount = cycle.amount_in
    for hop in cycle.hops:  # every hop is the module's own quote
        if hop.pool == whirl:
            q = wp.quote(pool, arrays.values(), amount, a_to_b=hop.mint_in == WSOL)
            assert q.amount_out == hop.amount_out
            crossed = q.steps > 1
        else:
            assert raydium_amm_v4.quote_exact_in(amm_pool, hop.mint_in == WSOL, 10**14 + 11, int(10**14 * ratio) + 13,
                                                 amount).amount_out == hop.amount_out
        amount = hop.amount_out
    assert crossed and cycle.profit == amount - cycle.amount_in

    def profit(x):
        out = x
        try:
            for hop in cycle.hops:
                if hop.pool == whirl:
                    out = wp.quote(pool, arrays.values(), out, a_to_b=hop.mint_in == WSOL).amount_out
                else:
                    out = raydium_amm_v4.quote_exact_in(amm_pool, hop.mint_in == WSOL, 10**14 + 11,
                                                        int(10**14 * ratio) + 13, out).amount_out
        except mevlib.MevError:  # past the tick arrays, or nothing out
            return -x
        return out - x

    step = max(1, cycle.amount_in // 200)
    grid = max(range(1, 4 * cycle.amount_in, step), key=profit)
    near = max(range(max(1, grid - step), grid + step, max(1, step // 200)), key=profit)
    assert profit(near) - cycle.profit <= max(1, cycle.slack)  # the search is as good as a fine grid's best
    # an update of the tick array around the price (its ticks emptied) moves the answer
    assert finder.on_account(addresses[1], wp.encode_tick_array(starts[1], {})) == whirl
    changed = finder.best_cycle(whirl, max_in=10**13)
    assert changed is None or changed.profit != cycle.profit
    ixs = finder.swap_instructions(cycle, key(rng))
    swap = next(ix for ix, _ in ixs if ix.program_id == wp.PROGRAM_ID)
    a_to_b = next(h for h in cycle.hops if h.pool == whirl).mint_in == WSOL
    assert bytes(swap.data)[:8] == wp.SWAP_V2 and swap.accounts[4].pubkey == whirl
    assert [a.pubkey for a in swap.accounts[11:14]] == [wp.tick_array_address(whirl, s)
                                                         for s in wp.swap_tick_arrays(pool, a_to_b)]


def _best_on_a_grid(profit, found):
    """The best profit a coarse grid of inputs refined by hand finds (the brute force's stand-in
    where every input cannot be tried)."""
    step = max(1, found.amount_in // 200)
    grid = max(range(1, 4 * found.amount_in, step), key=profit)
    near = max(range(max(1, grid - step), grid + step, max(1, step // 200)), key=profit)
    return profit(near)


def test_cycles_through_a_raydium_clmm_pool_are_found_and_quoted_exactly():
    """A Raydium CLMM pool (positions across ticks and tick arrays, a dynamic fee) against an AMM
    v4 pool of the same pair, 3% apart: the cycle's hops are the module's own quotes at the
    finder's clock, its profit is within rounding of a fine grid's best, a tick array's update
    moves it, and the cycle's swap instructions are swap_v2 with the arrays the swap walks."""
    from mevlib.dex import raydium_clmm as rc

    rng = random.Random(14)
    token = key(rng)
    spacing, tick = 10, 100
    span = 60 * spacing
    ticks, liquidity = {}, 0
    for lower in range(-3 * span, 3 * span - 12 * spacing, 2 * spacing):
        amount = rng.randrange(10**11, 10**12)
        for t, net in ((lower, amount), (lower + 10 * spacing, -amount)):
            n, g, _, _ = ticks.get(t, (0, 0, 0, 0))
            ticks[t] = (n + net, g + amount, 0, 0)
        liquidity += amount if lower <= tick < lower + 10 * spacing else 0
    pool_key = key(rng)
    arrays, bitmap = {}, [0] * 16
    for s in range(-3 * span, 3 * span, span):
        slots = {(t - s) // spacing: v for t, v in ticks.items() if s <= t < s + span}
        arrays[rc.tick_array_address(pool_key, s)] = rc.TickArray(rc.encode_tick_array(pool_key, s, spacing, slots))
        bitmap[(s // span + 512) // 64] |= 1 << ((s // span + 512) % 64)
    price = rc.sqrt_price_at_tick(tick)
    dynamic = dict(filter_period=10, decay_period=600, reduction_factor=5000, dynamic_fee_control=20000,
                   max_volatility_accumulator=350000, tick_spacing_index_reference=tick // spacing,
                   volatility_reference=0, volatility_accumulator=0, last_update_timestamp=1_000)
    pool = rc.Pool(rc.encode_pool(tick_spacing=spacing, liquidity=liquidity, sqrt_price_x64=price, tick_current=tick,
                                  token_mint_0=WSOL, token_mint_1=token, token_vault_0=key(rng), token_vault_1=key(rng),
                                  amm_config=key(rng), observation_key=key(rng), tick_array_bitmap=bitmap,
                                  dynamic_fee_info=dynamic))
    config = rc.Config(rc.encode_config(trade_fee_rate=2500, protocol_fee_rate=120000, tick_spacing=spacing))
    now = 1_050
    finder = arb.Finder([WSOL], clock=lambda: now)
    finder.add_raydium_clmm(pool_key, pool, config, arrays)
    ratio = (price / 2**64) ** 2 * 1.03
    amm, amm_pool = key(rng), amm_v4_pool(WSOL, token)
    reserves = (10**14 + 11, int(10**14 * ratio) + 13)
    finder.add_amm_v4(amm, amm_pool, coin_vault=reserves[0], pc_vault=reserves[1])
    cycle = finder.best_cycle(pool_key, max_in=10**13)
    assert cycle is not None and {h.pool for h in cycle.hops} == {pool_key, amm} and cycle.profit > 0

    def profit(x, trace=None):
        out = x
        try:
            for hop in cycle.hops:
                if hop.pool == pool_key:
                    q = rc.quote(pool, config, arrays.values(), out, zero_for_one=hop.mint_in == WSOL, now=now)
                    out = q.amount_out
                    if trace is not None:
                        trace.append(q.steps)
                else:
                    out = raydium_amm_v4.quote_exact_in(amm_pool, hop.mint_in == WSOL, *reserves, out).amount_out
                if trace is not None:
                    trace.append(out)
        except mevlib.MevError:
            return -x
        return out - x

    trace = []
    assert profit(cycle.amount_in, trace) == cycle.profit
    assert [t for t in trace if t > 1000] == [h.amount_out for h in cycle.hops]  # each hop the module's quote
    assert max(t for t in trace if t < 1000) > 1  # the CLMM hop crossed ticks
    assert _best_on_a_grid(profit, cycle) - cycle.profit <= max(1, cycle.slack)

    ixs = finder.swap_instructions(cycle, key(rng))
    clmm_ix = next(ix for ix, _ in ixs if ix.program_id == rc.PROGRAM_ID)
    assert bytes(clmm_ix.data)[:8] == rc.SWAP_V2
    assert {a.pubkey for a in clmm_ix.accounts} >= {rc.tick_array_address(pool_key, s) for s in
                                                     rc.swap_tick_arrays(pool, cycle.hops[0].mint_in == WSOL
                                                                         if cycle.hops[0].pool == pool_key
                                                                         else cycle.hops[1].mint_in == WSOL)}
    # a delta to a tick array the swap crosses (its liquidity gone) moves the answer
    emptied = rc.tick_array_address(pool_key, 0)  # the price's own array
    assert finder.on_account(emptied, rc.encode_tick_array(pool_key, 0, spacing, {})) == pool_key
    after = finder.best_cycle(pool_key, max_in=10**13)
    assert after is None or after != cycle


def test_cycles_through_a_dlmm_pair_are_found_and_quoted_exactly():
    """A Meteora DLMM pair (liquidity over bins, a variable fee) against an AMM v4 pool of the same
    pair, 3% apart: the cycle's hops are the module's own quotes, its profit is within rounding of a
    fine grid's best, a bin array's update moves it, and its swap instruction is swap2."""
    from mevlib.dex import meteora_dlmm as dl

    rng = random.Random(15)
    token = key(rng)
    bin_step, active = 10, 35
    pair_key = key(rng)
    arrays, bitmap = {}, [0] * 16
    for index in range(-2, 3):
        bins = {}
        for slot in range(70):
            bin_id = index * 70 + slot
            bins[slot] = (10**10 if bin_id >= active else 0, 10**10 if bin_id <= active else 0,
                          dl.price_of_bin(bin_id, bin_step), 0, 0, 0)
        arrays[dl.bin_array_address(pair_key, index)] = dl.BinArray(dl.encode_bin_array(pair_key, index, bins))
        bitmap[(index + 512) // 64] |= 1 << ((index + 512) % 64)
    pair = dl.Pair(dl.encode_pair(base_factor=10000, filter_period=30, decay_period=600, reduction_factor=5000,
                                  variable_fee_control=7500, max_volatility_accumulator=350000, protocol_share=500,
                                  function_type=2, active_id=active, index_reference=active, bin_step=bin_step,
                                  token_x_mint=WSOL, token_y_mint=token, reserve_x=key(rng), reserve_y=key(rng),
                                  oracle=key(rng), bin_array_bitmap=bitmap))
    finder = arb.Finder([WSOL], clock=lambda: 1_000)
    finder.add_dlmm(pair_key, pair, arrays)
    ratio = dl.price_of_bin(active, bin_step) / 2**64 * 1.03
    amm, amm_pool = key(rng), amm_v4_pool(WSOL, token)
    reserves = (10**14 + 11, int(10**14 * ratio) + 13)
    finder.add_amm_v4(amm, amm_pool, coin_vault=reserves[0], pc_vault=reserves[1])
    cycle = finder.best_cycle(pair_key, max_in=10**13)
    assert cycle is not None and {h.pool for h in cycle.hops} == {pair_key, amm} and cycle.profit > 0

    def profit(x, outs=None):
        out = x
        try:
            for hop in cycle.hops:
                if hop.pool == pair_key:
                    q = dl.quote(pair, arrays.values(), out, swap_for_y=hop.mint_in == WSOL, now=1_000)
                    out, bins = q.amount_out, q.bins
                    assert bins > 1 or outs is None
                else:
                    out = raydium_amm_v4.quote_exact_in(amm_pool, hop.mint_in == WSOL, *reserves, out).amount_out
                if outs is not None:
                    outs.append(out)
        except mevlib.MevError:
            return -x
        return out - x

    outs = []
    assert profit(cycle.amount_in, outs) == cycle.profit and outs == [h.amount_out for h in cycle.hops]
    assert _best_on_a_grid(profit, cycle) - cycle.profit <= max(1, cycle.slack)
    ixs = finder.swap_instructions(cycle, key(rng))
    assert any(ix.program_id == dl.PROGRAM_ID and bytes(ix.data)[:8] == dl.SWAP2 for ix, _ in ixs)
    active_array = dl.bin_array_address(pair_key, 0)  # the active bin's array, emptied
    assert finder.on_account(active_array, dl.encode_bin_array(pair_key, 0, {})) == pair_key
    after = finder.best_cycle(pair_key, max_in=10**13)
    assert after is None or after != cycle


def test_finder_load_reads_concentrated_liquidity_pools_and_their_arrays():
    """Finder.load through the simulator's RPC: a Raydium CLMM pool (its config, the tick arrays a
    swap walks each way, found from its bitmap), a DLMM pair of the same pair 3% apart (its bin
    arrays) and a Whirlpool with an adaptive fee (its oracle, the price's tick array and two each
    way, an absent one read as empty).
    The cycle between the first two is the same as from a finder given the accounts directly, and a
    tick array's update reaches its pool."""
    from solders.account import Account

    from mevlib.dex import meteora_dlmm as dl
    from mevlib.dex import raydium_clmm as rc
    from mevlib.dex import whirlpool as wp
    from mevlib.routes import JsonRpcClient
    from mevlib.sim import ClusterConfig, Simulator

    rng = random.Random(16)
    token, other = key(rng), key(rng)
    accounts = {}

    def put(address, data, owner):
        accounts[address] = Account(lamports=10**9, data=data, owner=owner, executable=False, rent_epoch=0)

    # Raydium CLMM WSOL/token: one wide position over five tick arrays
    clmm, config_key, spacing = key(rng), key(rng), 10
    span = 60 * spacing
    ticks = {-2 * span: (10**13, 10**13, 0, 0), 3 * span - spacing: (-10**13, 10**13, 0, 0)}
    bitmap = [0] * 16
    for s in range(-2 * span, 3 * span, span):
        put(rc.tick_array_address(clmm, s), rc.encode_tick_array(clmm, s, spacing, {(t - s) // spacing: v for t, v
                                                                                   in ticks.items() if s <= t < s + span}),
            rc.PROGRAM_ID)
        if any(s <= t < s + span for t in ticks):
            bitmap[(s // span + 512) // 64] |= 1 << ((s // span + 512) % 64)
    put(clmm, rc.encode_pool(amm_config=config_key, token_mint_0=WSOL, token_mint_1=token, token_vault_0=key(rng),
                             token_vault_1=key(rng), observation_key=key(rng), tick_spacing=spacing, liquidity=10**13,
                             sqrt_price_x64=rc.sqrt_price_at_tick(0), tick_current=0, tick_array_bitmap=bitmap),
        rc.PROGRAM_ID)
    put(config_key, rc.encode_config(trade_fee_rate=500, tick_spacing=spacing), rc.PROGRAM_ID)
    # DLMM WSOL/token, Y 3% dearer
    pair, bin_step = key(rng), 10
    active = round(math.log(1.03) / math.log(1 + bin_step / 10_000))
    bitmap = [0] * 16
    for index in range(-1, 3):
        bins = {k: (10**10 if index * 70 + k >= active else 0, 10**10 if index * 70 + k <= active else 0,
                    dl.price_of_bin(index * 70 + k, bin_step), 0, 0, 0) for k in range(70)}
        put(dl.bin_array_address(pair, index), dl.encode_bin_array(pair, index, bins), dl.PROGRAM_ID)
        bitmap[(index + 512) // 64] |= 1 << ((index + 512) % 64)
    put(pair, dl.encode_pair(base_factor=5000, bin_step=bin_step, active_id=active, index_reference=active,
                             function_type=2, token_x_mint=WSOL, token_y_mint=token, reserve_x=key(rng),
                             reserve_y=key(rng), oracle=key(rng), bin_array_bitmap=bitmap), dl.PROGRAM_ID)
    # a Whirlpool WSOL/other with an adaptive fee and only its price's tick array on chain
    whirl = key(rng)
    oracle = dict(whirlpool=whirl, filter_period=30, decay_period=600, reduction_factor=5000,
                  adaptive_fee_control_factor=4000, max_volatility_accumulator=350000, tick_group_size=64,
                  major_swap_threshold_ticks=64)
    put(wp.oracle_address(whirl), wp.encode_oracle(**oracle), wp.PROGRAM_ID)
    put(whirl, wp.encode_pool(tick_spacing=64, fee_tier_index=1024 + 64, fee_rate=3000, liquidity=10**12,
                              sqrt_price=wp.sqrt_price_at_tick(0), tick_current_index=0, token_mint_a=WSOL,
                              token_mint_b=other, token_vault_a=key(rng), token_vault_b=key(rng)), wp.PROGRAM_ID)
    put(wp.tick_array_address(whirl, 0), wp.encode_tick_array(0, {0: 10**12}, whirl), wp.PROGRAM_ID)

    with Simulator(ClusterConfig(seed=16)) as sim:
        for address, account in accounts.items():
            sim.cluster.genesis_account(address, account)
        finder = arb.Finder.load(JsonRpcClient(sim.url("rpc")), [clmm, pair, whirl], [WSOL], clock=lambda: 1)
    assert len(finder) == 3
    _, _, clmm_arrays, _ = finder.pool(clmm)
    assert sorted(a.start_tick_index for a in clmm_arrays.values()) == [-2 * span, 2 * span]  # the bitmap's arrays
    _, bin_arrays, _ = finder.pool(pair)
    assert sorted(a.index for a in bin_arrays.values()) == [-1, 0, 1, 2]
    _, whirl_arrays, whirl_oracle = finder.pool(whirl)
    assert {k: whirl_oracle.fields[k] for k in oracle} == {**oracle, "whirlpool": bytes(whirl)}
    assert sorted(a.start_tick_index for a in whirl_arrays.values()) == [-2 * 88 * 64, -88 * 64, 0, 88 * 64, 2 * 88 * 64]
    assert sum(any(i for i, _ in a.ticks) for a in whirl_arrays.values()) == 1  # the others read as empty
    cycle = finder.best_cycle(clmm, max_in=10**12)
    direct = arb.Finder([WSOL], clock=lambda: 1)
    direct.add_raydium_clmm(clmm, rc.Pool(accounts[clmm].data), rc.Config(accounts[config_key].data),
                            {k: rc.TickArray(accounts[k].data) for k in clmm_arrays})
    direct.add_dlmm(pair, dl.Pair(accounts[pair].data), {k: dl.BinArray(accounts[k].data) for k in bin_arrays})
    assert cycle is not None and cycle.profit > 0 and cycle == direct.best_cycle(clmm, max_in=10**12)
    emptied = rc.tick_array_address(clmm, -2 * span)
    assert finder.on_account(emptied, rc.encode_tick_array(clmm, -2 * span, spacing, {})) == clmm


def test_marginal_rates_are_the_programs_quotes_and_found_cycles_are_observed():
    """A pool's marginal rates (the dashboard's POOL events) are its program's exact quote of a
    swap of 1/10,000 of each vault, as out / in, fees included; every cycle best_cycle finds goes
    to on_cycle."""
    rng = random.Random(3)
    finder = arb.Finder([WSOL])
    token = key(rng)
    cheap, quote_cheap, vaults_cheap = add(finder, rng, "amm_v4", token, WSOL, 10**12, 10**14)
    dear, _, _ = add(finder, rng, "cpmm", token, WSOL, 10**12, 102 * 10**12)
    ab, ba = finder.marginal_rates(cheap)
    amount_a, amount_b = vaults_cheap[0] // 10_000, vaults_cheap[1] // 10_000
    assert ab == quote_cheap(True, vaults_cheap, amount_a) / amount_a
    assert ba == quote_cheap(False, vaults_cheap, amount_b) / amount_b
    assert 0.997 * 100 < ab < 100 and 0.997 / 100 < ba < 1 / 100  # the 0.25 % fee and a little slippage
    assert finder.describe(dear) == ("cpmm", token, WSOL)
    seen = []
    finder.on_cycle = seen.append
    cycle = finder.best_cycle(cheap, max_in=10**12)
    assert cycle is not None and seen == [cycle] and {h.pool for h in cycle.hops} == {cheap, dear}
