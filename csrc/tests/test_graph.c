/* The arbitrage finder against brute force: random small graphs of the three pool kinds, priced
 * near one another; after an update, the best cycle through the updated pool equals (to within one
 * unit of profit) the best over every two- and three-hop cycle through it and every input, each
 * evaluated on the exact quotes. Under ASan and UBSan too. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../dex/graph.h"
#include "../mev_error.h"
#include "check.h"

static unsigned s = 5;
static uint32_t rnd32(void)
{
    s = s * 1103515245u + 12345u;
    return s >> 8;
}

#define MINTS 5
#define POOLS 10
#define MAX_IN 20000

static mev_edge edges[POOLS];

static int64_t chain_profit(int hops, const uint32_t *pool, const uint8_t *dir, uint64_t x)
{
    uint64_t amount = x;
    for (int h = 0; h < hops; h++)
        if (mev_edge_swap(&edges[pool[h]], dir[h], amount, &amount) != MEV_OK)
            return INT64_MIN;
    return (int64_t)amount - (int64_t)x;
}

/* every cycle through `id` starting at mint 0 (the profit mint), every input up to MAX_IN */
static int64_t brute_force(uint32_t id)
{
    int64_t best = 0;
    for (uint32_t p = 0; p < POOLS; p++)
        for (uint32_t q = 0; q < POOLS; q++)
            for (int hops = 2; hops <= 3; hops++)
                for (int d0 = 0; d0 < 2; d0++) {
                    /* walk from mint 0 along p, q (and the third pool closing the cycle) */
                    uint32_t pools[3] = {p, q, 0};
                    uint32_t n = hops == 2 ? 1 : POOLS;
                    for (uint32_t r = 0; r < n; r++) {
                        pools[2] = r;
                        uint8_t dir[3];
                        uint32_t at = 0, used_id = 0, ok = 1;
                        for (int h = 0; h < hops && ok; h++) {
                            const mev_edge *e = &edges[pools[h]];
                            if (e->mint_a == at)
                                dir[h] = 1, at = e->mint_b;
                            else if (e->mint_b == at)
                                dir[h] = 0, at = e->mint_a;
                            else
                                ok = 0;
                            used_id |= pools[h] == id;
                            for (int k = 0; k < h; k++)
                                ok &= pools[k] != pools[h];
                        }
                        if (!ok || at != 0 || !used_id || (hops == 3 && (edges[p].mint_a == 0) + (edges[p].mint_b == 0) +
                                                                              (edges[q].mint_a == 0) + (edges[q].mint_b == 0) +
                                                                              (edges[r].mint_a == 0) + (edges[r].mint_b == 0) != 2))
                            continue; /* a three-hop cycle visits three distinct mints */
                        (void)d0;
                        for (uint64_t x = 1; x <= MAX_IN; x++) {
                            int64_t f = chain_profit(hops, pools, dir, x);
                            if (f > best)
                                best = f;
                        }
                    }
                }
    return best;
}

int main(void)
{
    int found = 0, none = 0, exact = 0;
    for (int trial = 0; trial < 30; trial++) {
        mev_graph *g = mev_graph_create(POOLS, MINTS);
        CHECK(g != NULL);
        double price[MINTS];
        for (uint32_t m = 0; m < MINTS; m++) {
            uint8_t key[32] = {0};
            key[0] = (uint8_t)m, key[1] = (uint8_t)trial, key[9] = 7;
            uint32_t index;
            CHECK_EQ_INT(mev_graph_mint(g, key, m == 0, &index), MEV_OK);
            CHECK(index == m);
            price[m] = 0.2 + (rnd32() % 1000) / 250.0;
        }
        for (uint32_t p = 0; p < POOLS; p++) {
            mev_edge *e = &edges[p];
            memset(e, 0, sizeof *e);
            e->mint_a = rnd32() % MINTS;
            do
                e->mint_b = rnd32() % MINTS;
            while (e->mint_b == e->mint_a);
            e->kind = 1 + rnd32() % 3;
            e->reserve_a = 20000 + rnd32() % (trial < 20 ? 30000 : 200000); /* tops tried input by input, then not */
            double noise = 1.0 + ((double)(rnd32() % 1000) - 500.0) / 4000.0; /* ±12.5% */
            e->reserve_b = (uint64_t)((double)e->reserve_a * price[e->mint_a] / price[e->mint_b] * noise) + 1;
            if (e->kind == MEV_EDGE_AMM_V4)
                e->u.amm_v4.fee_numerator = 25, e->u.amm_v4.fee_denominator = 10000;
            else if (e->kind == MEV_EDGE_CPMM)
                e->u.cpmm.trade_rate = 2500, e->u.cpmm.creator_rate = rnd32() % 2 ? 500 : 0,
                e->u.cpmm.creator_on_input_ab = rnd32() % 2, e->u.cpmm.creator_on_input_ba = rnd32() % 2;
            else
                e->u.pump.fees = (mev_pump_fees){20, 5, 5}, e->u.pump.base_is_a = rnd32() % 2;
            uint32_t id;
            CHECK_EQ_INT(mev_graph_add_pool(g, e, &id), MEV_OK);
        }
        for (uint32_t id = 0; id < POOLS; id++) {
            mev_cycle c;
            CHECK_EQ_INT(mev_graph_best_cycle(g, id, MAX_IN, 0, &c), MEV_OK);
            mev_cycle two, three;
            CHECK_EQ_INT(mev_graph_best_cycle(g, id, MAX_IN, 2, &two), MEV_OK);
            CHECK_EQ_INT(mev_graph_best_cycle(g, id, MAX_IN, 3, &three), MEV_OK);
            CHECK((two.hops == 0 || two.hops == 2) && (three.hops == 0 || three.hops == 3));
            CHECK(c.hops != 2 || two.profit == c.profit); /* the best of all, when of two hops, is the best of two */
            CHECK(c.hops != 3 || three.profit == c.profit);
            mev_cycle capped;
            CHECK_EQ_INT(mev_graph_best_cycle(g, id, 50, 0, &capped), MEV_OK);
            CHECK(capped.hops == 0 || capped.amount_in <= 50);
            int64_t bf = brute_force(id);
            if (bf > 1) {
                found++;
                exact += c.slack == 0;
                /* tried input by input: within one of brute force; else within the rounding bound */
                int64_t bound = c.slack ? (int64_t)c.slack : 1;
                CHECK(c.hops > 0 && (int64_t)c.profit >= bf - bound && (int64_t)c.profit <= bf);
                if (!(c.hops > 0 && (int64_t)c.profit >= bf - bound))
                    fprintf(stderr, "trial %d pool %u: ours %llu (%u hops), brute force %lld\n", trial, id,
                            (unsigned long long)c.profit, c.hops, (long long)bf);
                CHECK(chain_profit((int)c.hops, c.pool, c.a_to_b, c.amount_in) == (int64_t)c.profit);
                CHECK(c.amount_in <= MAX_IN && c.start_mint == 0);
            } else {
                none++;
                CHECK(c.hops == 0 || (int64_t)c.profit <= bf);
            }
        }
        mev_graph_destroy(g);
    }
    fprintf(stderr, "test_graph: %d updates with a profitable cycle (%d searched input by input), %d without\n",
            found, exact, none);
    CHECK(found > 30 && none > 10 && exact > 30 && exact < found);
    /* a Whirlpool against an AMM v4 pool of the same pair, priced apart: the golden-section search
     * over the exact quotes lands within the rounding bound of brute force */
    int curved = 0;
    for (int trial = 0; trial < 12; trial++) {
        static mev_wp_state wp;
        memset(&wp, 0, sizeof wp);
        wp.pool.tick_spacing = wp.pool.fee_tier_index = 8;
        wp.pool.fee_rate = 3000;
        wp.pool.tick_current = (int32_t)(rnd32() % 400) - 200;
        int32_t span = 88 * 8, start = wp.pool.tick_current >= 0 ? wp.pool.tick_current / span * span : -span;
        wp.n_arrays = 3;
        for (int k = 0; k < 3; k++)
            wp.arrays[k].start = start + (k - 1) * span;
        for (int n = 0; n < 30; n++) { /* positions of 2..20 spacings from around the price */
            int a = (int)(rnd32() % 3), sa = (int)(rnd32() % 80), width = 2 + (int)(rnd32() % 18);
            int b = a + (sa + width) / 88, sb = (sa + width) % 88;
            if (b > 2)
                continue;
            __int128 L = 200000 + (__int128)(rnd32() % 2000000);
            wp.arrays[a].initialized[sa] = wp.arrays[b].initialized[sb] = 1;
            wp.arrays[a].liquidity_net[sa] += L;
            wp.arrays[b].liquidity_net[sb] -= L;
            int32_t lower = wp.arrays[a].start + sa * 8, upper = wp.arrays[b].start + sb * 8;
            if (lower <= wp.pool.tick_current && wp.pool.tick_current < upper)
                wp.pool.liquidity += (mev_u128)L;
        }
        if (wp.pool.liquidity == 0 || mev_clmm_sqrt_price_at_tick(wp.pool.tick_current, &wp.pool.sqrt_price) != MEV_OK)
            continue;
        mev_graph *g = mev_graph_create(2, 2);
        uint8_t ka[32] = {9, (uint8_t)trial}, kb[32] = {10, (uint8_t)trial};
        uint32_t ma, mb, id;
        mev_graph_mint(g, ka, 1, &ma);
        mev_graph_mint(g, kb, 0, &mb);
        double price = (double)wp.pool.sqrt_price / 18446744073709551616.0;
        price *= price * (trial % 2 ? 1.04 : 0.96); /* the other pool, 4% off */
        memset(&edges[0], 0, sizeof edges[0]);
        edges[0] = (mev_edge){.mint_a = ma, .mint_b = mb, .kind = MEV_EDGE_WHIRLPOOL};
        edges[0].u.whirlpool.state = &wp;
        edges[1] = (mev_edge){.mint_a = ma, .mint_b = mb, .kind = MEV_EDGE_AMM_V4, .reserve_a = 3000000,
                              .reserve_b = (uint64_t)(3000000 * price)};
        edges[1].u.amm_v4.fee_numerator = 25, edges[1].u.amm_v4.fee_denominator = 10000;
        CHECK_EQ_INT(mev_graph_add_pool(g, &edges[0], &id), MEV_OK);
        CHECK_EQ_INT(mev_graph_add_pool(g, &edges[1], &id), MEV_OK);
        mev_cycle c;
        CHECK_EQ_INT(mev_graph_best_cycle(g, 0, MAX_IN, 0, &c), MEV_OK);
        int64_t bf = 0;
        for (int d = 0; d < 2; d++) { /* both ways round, from mint a */
            uint32_t pools[2] = {(uint32_t)d, (uint32_t)(1 - d)};
            uint8_t dirs[2] = {1, 0};
            for (uint64_t x = 1; x <= MAX_IN; x++) {
                int64_t f = chain_profit(2, pools, dirs, x);
                if (f > bf)
                    bf = f;
            }
        }
        if (bf > 1) {
            curved++;
            int64_t bound = c.slack ? (int64_t)c.slack : 1;
            CHECK(c.hops == 2 && (int64_t)c.profit >= bf - bound && (int64_t)c.profit <= bf);
            if (!(c.hops == 2 && (int64_t)c.profit >= bf - bound))
                fprintf(stderr, "whirlpool trial %d: ours %llu (slack %llu), brute force %lld\n", trial,
                        (unsigned long long)c.profit, (unsigned long long)c.slack, (long long)bf);
        }
        mev_graph_destroy(g);
    }
    fprintf(stderr, "test_graph: %d Whirlpool cycles against brute force\n", curved);
    CHECK(curved >= 6);

    /* bad input: no allocation past the capacity, mints kept, an edge's mints fixed */
    mev_graph *g = mev_graph_create(1, 2);
    uint8_t k0[32] = {1}, k1[32] = {2}, k2[32] = {3};
    uint32_t m0, m1, m2, id;
    CHECK_EQ_INT(mev_graph_mint(g, k0, 1, &m0), MEV_OK);
    CHECK_EQ_INT(mev_graph_mint(g, k1, 0, &m1), MEV_OK);
    CHECK_EQ_INT(mev_graph_mint(g, k0, 0, &m2), MEV_OK);
    CHECK(m2 == m0);
    CHECK_EQ_INT(mev_graph_mint(g, k2, 0, &m2), MEV_ERANGE);
    mev_edge e = {.mint_a = m0, .mint_b = m0, .kind = MEV_EDGE_AMM_V4};
    CHECK_EQ_INT(mev_graph_add_pool(g, &e, &id), MEV_EINVAL); /* a pool of one mint */
    e.mint_b = m1;
    CHECK_EQ_INT(mev_graph_add_pool(g, &e, &id), MEV_OK);
    CHECK_EQ_INT(mev_graph_add_pool(g, &e, &id), MEV_ERANGE);
    e.mint_a = m1, e.mint_b = m0;
    CHECK_EQ_INT(mev_graph_set_pool(g, id, &e), MEV_EINVAL);
    mev_cycle c;
    CHECK_EQ_INT(mev_graph_best_cycle(g, 5, 100, 0, &c), MEV_EINVAL);
    CHECK_EQ_INT(mev_graph_best_cycle(g, id, 100, 0, &c), MEV_OK);
    CHECK(c.hops == 0);
    mev_graph_destroy(g);
    return check_report("test_graph");
}
