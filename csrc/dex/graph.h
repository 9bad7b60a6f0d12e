/* The arbitrage finder: a graph of pools keyed by token mint, updated in place from pool deltas.
 * After an update it searches the two- and three-hop cycles through the updated pool that start
 * and end at a profit mint (the token profits are counted in: WSOL, USDC), and returns the best
 * with its input and the exact outputs of each hop.
 *
 * Every constant-product edge's swap is, to within rounding, out = a·x / (b + c·x) (its fee on
 * the input or the output), and such maps compose: a cycle is A·x / (B + C·x), whose profit
 * peaks at x* = (√(A·B) − B) / C when A > B (the cycle's marginal rate at zero passes 1). A
 * concentrated-liquidity edge (Whirlpool, Raydium CLMM) is modelled by the constant product its
 * liquidity makes at the current price (exact until the next initialized tick), a DLMM edge by the
 * constant product whose depth matches the bins next to the active one. The model ranks every
 * cycle in closed form; the best few are then refined on the programs' exact
 * integer quotes (csrc/dex/amm_v4.c, cpmm.c, pump_amm.c) across the top of the curve: every input
 * there when they are few (the result is then the best over every input), else an even sample (the
 * result is then within the rounding of the hops, `slack`, of the best). Each hop rounds down, and a
 * unit of an intermediate token can be worth many units of the start token, so the exact profit is
 * jagged across the top by that much: only trying each input finds its exact peak.
 *
 * Memory is allocated once, at creation; updates and searches allocate nothing. A mutex makes
 * concurrent updates and searches safe. */
#ifndef MEV_DEX_GRAPH_H
#define MEV_DEX_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "dlmm.h"
#include "pump_amm.h"
#include "raydium_clmm.h"
#include "whirlpool.h"

enum {
    MEV_EDGE_AMM_V4 = 1,
    MEV_EDGE_CPMM = 2,
    MEV_EDGE_PUMP = 3,
    MEV_EDGE_WHIRLPOOL = 4,
    MEV_EDGE_RAYDIUM_CLMM = 5,
    MEV_EDGE_DLMM = 6,
};
#define MEV_CURVE_MAX_ARRAYS 8

/* A Whirlpool edge's state: the pool and the tick arrays around its price (the caller keeps it
 * alive and unchanged while the edge points at it; an update points the edge at a new one). */
typedef struct {
    mev_wp_pool pool;
    mev_wp_ticks arrays[MEV_WP_MAX_ARRAYS];
    size_t n_arrays;
    mev_wp_oracle oracle; /* an adaptive-fee pool's, quoted at `now` */
    uint64_t now;
    uint8_t has_oracle;
} mev_wp_state;

/* A Raydium CLMM or Meteora DLMM edge's state, likewise: the pool, its config or bitmap extension
 * where it needs one, the tick or bin arrays a swap walks, and the block time (and slot) to quote
 * at (the dynamic fees' clock). */
typedef struct {
    mev_rcl_pool pool;
    mev_rcl_config config;
    mev_rcl_bitmap_extension extension;
    mev_rcl_ticks arrays[MEV_CURVE_MAX_ARRAYS];
    size_t n_arrays;
    uint64_t now;
    uint8_t has_extension;
} mev_rcl_state;

typedef struct {
    mev_dlmm_pair pair;
    mev_dlmm_bitmap_extension extension;
    mev_dlmm_bins arrays[MEV_CURVE_MAX_ARRAYS];
    size_t n_arrays;
    int64_t now;
    uint64_t slot;
    uint8_t has_extension;
} mev_dlmm_state;

typedef struct {
    uint32_t mint_a, mint_b; /* indices from mev_graph_mint */
    uint32_t kind;
    uint64_t reserve_a, reserve_b; /* what the program prices with (vaults less what they hold back) */
    union {
        struct {
            uint64_t fee_numerator, fee_denominator;
        } amm_v4;
        struct {
            uint64_t trade_rate, creator_rate; /* per 1,000,000; creator_rate zero when not enabled */
            uint8_t creator_on_input_ab, creator_on_input_ba;
        } cpmm;
        struct {
            mev_pump_fees fees;      /* at these reserves */
            __int128 virtual_quote;  /* added to the quote reserve */
            uint8_t base_is_a;
        } pump;
        struct {
            const mev_wp_state *state; /* a = token A; reserves unused */
        } whirlpool;
        struct {
            const mev_rcl_state *state; /* a = token 0; reserves unused */
        } raydium_clmm;
        struct {
            const mev_dlmm_state *state; /* a = token X; reserves unused */
        } dlmm;
    } u;
} mev_edge;

#define MEV_CYCLE_MAX_HOPS 3

typedef struct {
    uint32_t hops;       /* 0: no profitable cycle */
    uint32_t start_mint; /* the profit mint it starts and ends at */
    uint32_t pool[MEV_CYCLE_MAX_HOPS];
    uint8_t a_to_b[MEV_CYCLE_MAX_HOPS];
    uint64_t amount_in;
    uint64_t out[MEV_CYCLE_MAX_HOPS]; /* each hop's exact output: the swaps' minimum outs */
    uint64_t profit;                  /* out[hops − 1] − amount_in, after every pool's fees */
    uint64_t slack;                   /* 0: the best over every input (the top of the curve was tried
                                         input by input); else at most this below it (rounding) */
    uint32_t cycles;                  /* cycles through the pool that were considered */
} mev_cycle;

typedef struct mev_graph mev_graph;

mev_graph *mev_graph_create(uint32_t max_pools, uint32_t max_mints);
void mev_graph_destroy(mev_graph *g);
/* The index of `key`, added when new (MEV_ERANGE when full); `profit_mint` marks it (sticky). */
int mev_graph_mint(mev_graph *g, const uint8_t key[32], int profit_mint, uint32_t *index);
int mev_graph_add_pool(mev_graph *g, const mev_edge *e, uint32_t *id);
/* A delta: the pool's new state (its mints must not change). */
int mev_graph_set_pool(mev_graph *g, uint32_t id, const mev_edge *e);
/* One hop's exact output: MEV_EINVAL or MEV_EOVERFLOW where the program would fail the swap. */
int mev_edge_swap(const mev_edge *e, int a_to_b, uint64_t amount_in, uint64_t *amount_out);
/* The best cycle through pool `id` with an input of at most `max_in`: of two and three hops, or
 * with `hops` 2 or 3, of that many only. */
int mev_graph_best_cycle(mev_graph *g, uint32_t id, uint64_t max_in, uint32_t hops, mev_cycle *out);

#endif
