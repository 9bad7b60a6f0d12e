#include "graph.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../mev_error.h"
#include "amm_v4.h"
#include "cpmm.h"
#include "le.h"

#define NONE UINT32_MAX
#define REFINE 4          /* cycles refined on exact quotes, best first by the model */
#define SCAN_ALL 1024     /* a curve's top with at most this many inputs is tried input by input */
#define SAMPLES 64        /* else this many, spread evenly */
#define CURVED_SAMPLES 16 /* for a cycle through a concentrated-liquidity pool */

struct mev_graph {
    pthread_mutex_t lock;
    uint32_t max_pools, max_mints, n_pools, n_mints;
    mev_edge *edges;
    uint32_t *adj_head, *adj_next, *degree; /* per mint: a chain of nodes 2·pool + side */
    uint8_t (*keys)[32];
    uint8_t *profit;
    uint32_t *mint_slots, mint_mask;        /* open addressing: index + 1, 0 empty */
    uint64_t *pair_keys;                    /* open addressing: (low mint, high mint) → chain of pools */
    uint32_t *pair_head, *pair_next, pair_mask;
};

static uint32_t pow2_at_least(uint64_t n)
{
    uint32_t p = 16;
    while (p < n)
        p <<= 1;
    return p;
}

void mev_graph_destroy(mev_graph *g)
{
    if (g == NULL)
        return;
    pthread_mutex_destroy(&g->lock);
    free(g->edges), free(g->adj_head), free(g->adj_next), free(g->degree), free(g->keys), free(g->profit);
    free(g->mint_slots), free(g->pair_keys), free(g->pair_head), free(g->pair_next);
    free(g);
}

mev_graph *mev_graph_create(uint32_t max_pools, uint32_t max_mints)
{
    if (max_pools == 0 || max_mints < 2 || max_pools > (1u << 28) || max_mints > (1u << 28))
        return NULL;
    mev_graph *g = calloc(1, sizeof *g);
    if (g == NULL)
        return NULL;
    pthread_mutex_init(&g->lock, NULL);
    g->max_pools = max_pools, g->max_mints = max_mints;
    uint32_t mint_slots = pow2_at_least(2ull * max_mints), pair_slots = pow2_at_least(2ull * max_pools);
    g->mint_mask = mint_slots - 1, g->pair_mask = pair_slots - 1;
    g->edges = calloc(max_pools, sizeof *g->edges);
    g->adj_next = malloc(2ull * max_pools * sizeof *g->adj_next);
    g->pair_next = malloc(max_pools * sizeof *g->pair_next);
    g->adj_head = malloc(max_mints * sizeof *g->adj_head);
    g->degree = calloc(max_mints, sizeof *g->degree);
    g->keys = calloc(max_mints, sizeof *g->keys);
    g->profit = calloc(max_mints, 1);
    g->mint_slots = calloc(mint_slots, sizeof *g->mint_slots);
    g->pair_keys = calloc(pair_slots, sizeof *g->pair_keys);
    g->pair_head = malloc(pair_slots * sizeof *g->pair_head);
    if (!g->edges || !g->adj_next || !g->pair_next || !g->adj_head || !g->degree || !g->keys || !g->profit ||
        !g->mint_slots || !g->pair_keys || !g->pair_head) {
        mev_graph_destroy(g);
        return NULL;
    }
    memset(g->adj_head, 0xff, max_mints * sizeof *g->adj_head);
    memset(g->pair_head, 0xff, pair_slots * sizeof *g->pair_head);
    return g;
}

int mev_graph_mint(mev_graph *g, const uint8_t key[32], int profit_mint, uint32_t *index)
{
    if (g == NULL || key == NULL || index == NULL)
        return MEV_EINVAL;
    pthread_mutex_lock(&g->lock);
    int rc = MEV_OK;
    /* public keys are uniformly distributed: their first bytes are a hash already */
    uint32_t slot = (uint32_t)(mev_le64(key) * 0x9E3779B97F4A7C15ull >> 32) & g->mint_mask;
    for (;; slot = (slot + 1) & g->mint_mask) {
        uint32_t at = g->mint_slots[slot];
        if (at == 0) {
            if (g->n_mints == g->max_mints) {
                rc = MEV_ERANGE;
                break;
            }
            *index = g->n_mints++;
            memcpy(g->keys[*index], key, 32);
            g->mint_slots[slot] = *index + 1;
            break;
        }
        if (memcmp(g->keys[at - 1], key, 32) == 0) {
            *index = at - 1;
            break;
        }
    }
    if (rc == MEV_OK && profit_mint)
        g->profit[*index] = 1;
    pthread_mutex_unlock(&g->lock);
    return rc;
}

static uint64_t pair_key(uint32_t x, uint32_t y)
{
    uint32_t lo = x < y ? x : y, hi = x < y ? y : x;
    return ((uint64_t)lo << 32 | hi) + 1; /* + 1: zero marks an empty slot */
}

/* the pair's slot: where its key is, or the empty slot it would take */
static uint32_t pair_slot(const mev_graph *g, uint64_t key)
{
    uint32_t slot = (uint32_t)(key * 0x9E3779B97F4A7C15ull >> 35) & g->pair_mask;
    while (g->pair_keys[slot] != 0 && g->pair_keys[slot] != key)
        slot = (slot + 1) & g->pair_mask;
    return slot;
}

static int edge_valid(const mev_graph *g, const mev_edge *e)
{
    if (e->mint_a >= g->n_mints || e->mint_b >= g->n_mints || e->mint_a == e->mint_b)
        return 0;
    if (e->kind == MEV_EDGE_WHIRLPOOL)
        return e->u.whirlpool.state != NULL;
    if (e->kind == MEV_EDGE_RAYDIUM_CLMM)
        return e->u.raydium_clmm.state != NULL;
    if (e->kind == MEV_EDGE_DLMM)
        return e->u.dlmm.state != NULL;
    return e->kind == MEV_EDGE_AMM_V4 || e->kind == MEV_EDGE_CPMM || e->kind == MEV_EDGE_PUMP;
}

int mev_graph_add_pool(mev_graph *g, const mev_edge *e, uint32_t *id)
{
    if (g == NULL || e == NULL || id == NULL)
        return MEV_EINVAL;
    pthread_mutex_lock(&g->lock);
    int rc = MEV_OK;
    if (!edge_valid(g, e))
        rc = MEV_EINVAL;
    else if (g->n_pools == g->max_pools)
        rc = MEV_ERANGE;
    if (rc == MEV_OK) {
        uint32_t p = *id = g->n_pools++;
        g->edges[p] = *e;
        uint32_t ends[2] = {e->mint_a, e->mint_b};
        for (int side = 0; side < 2; side++) {
            g->adj_next[2 * p + side] = g->adj_head[ends[side]];
            g->adj_head[ends[side]] = 2 * p + side;
            g->degree[ends[side]]++;
        }
        uint64_t key = pair_key(e->mint_a, e->mint_b);
        uint32_t slot = pair_slot(g, key);
        g->pair_keys[slot] = key;
        g->pair_next[p] = g->pair_head[slot];
        g->pair_head[slot] = p;
    }
    pthread_mutex_unlock(&g->lock);
    return rc;
}

int mev_graph_set_pool(mev_graph *g, uint32_t id, const mev_edge *e)
{
    if (g == NULL || e == NULL)
        return MEV_EINVAL;
    pthread_mutex_lock(&g->lock);
    int rc = MEV_OK;
    if (id >= g->n_pools || !edge_valid(g, e) || e->mint_a != g->edges[id].mint_a || e->mint_b != g->edges[id].mint_b)
        rc = MEV_EINVAL;
    else
        g->edges[id] = *e;
    pthread_mutex_unlock(&g->lock);
    return rc;
}

/* --- one hop ------------------------------------------------------------------------------------- */

int mev_edge_swap(const mev_edge *e, int a_to_b, uint64_t x, uint64_t *out)
{
    uint64_t r_in = a_to_b ? e->reserve_a : e->reserve_b, r_out = a_to_b ? e->reserve_b : e->reserve_a;
    int rc;
    switch (e->kind) {
    case MEV_EDGE_AMM_V4: {
        mev_amm_v4_quote q;
        rc = mev_amm_v4_swap_in(e->u.amm_v4.fee_numerator, e->u.amm_v4.fee_denominator, r_in, r_out, x, &q);
        *out = rc == MEV_OK ? q.amount_out : 0;
        return rc;
    }
    case MEV_EDGE_CPMM:
        rc = mev_cpmm_swap_in(e->u.cpmm.trade_rate, e->u.cpmm.creator_rate,
                              a_to_b ? e->u.cpmm.creator_on_input_ab : e->u.cpmm.creator_on_input_ba, r_in, r_out, x, out);
        return rc == MEV_OK && *out == 0 ? MEV_EINVAL : rc;
    case MEV_EDGE_WHIRLPOOL: {
        const mev_wp_state *st = e->u.whirlpool.state;
        const mev_wp_ticks *arrays[MEV_WP_MAX_ARRAYS];
        for (size_t i = 0; i < st->n_arrays && i < MEV_WP_MAX_ARRAYS; i++)
            arrays[i] = &st->arrays[i];
        mev_wp_swap q;
        rc = mev_wp_quote_at(&st->pool, st->has_oracle ? &st->oracle : NULL, st->now, arrays, st->n_arrays, x, a_to_b, 1,
                             0, &q);
        *out = rc == MEV_OK ? q.amount_out : 0;
        return rc == MEV_OK && *out == 0 ? MEV_EINVAL : rc;
    }
    case MEV_EDGE_RAYDIUM_CLMM: {
        const mev_rcl_state *st = e->u.raydium_clmm.state;
        const mev_rcl_ticks *arrays[MEV_CURVE_MAX_ARRAYS];
        for (size_t i = 0; i < st->n_arrays; i++)
            arrays[i] = &st->arrays[i];
        mev_rcl_swap q;
        rc = mev_rcl_quote(&st->pool, &st->config, st->has_extension ? &st->extension : NULL, arrays, st->n_arrays, x,
                           a_to_b, 1, 0, st->now, &q);
        *out = rc == MEV_OK ? q.amount_out : 0;
        return rc;
    }
    case MEV_EDGE_DLMM: {
        const mev_dlmm_state *st = e->u.dlmm.state;
        const mev_dlmm_bins *arrays[MEV_CURVE_MAX_ARRAYS];
        for (size_t i = 0; i < st->n_arrays; i++)
            arrays[i] = &st->arrays[i];
        mev_dlmm_swap q;
        rc = mev_dlmm_quote(&st->pair, st->has_extension ? &st->extension : NULL, arrays, st->n_arrays, x, a_to_b, 1,
                            st->now, st->slot, &q);
        *out = rc == MEV_OK ? q.amount_out : 0;
        return rc == MEV_OK && *out == 0 ? MEV_EINVAL : rc;
    }
    case MEV_EDGE_PUMP: {
        int sell = a_to_b == (e->u.pump.base_is_a != 0); /* base in: a sell */
        uint64_t base = e->u.pump.base_is_a ? e->reserve_a : e->reserve_b;
        uint64_t quote = e->u.pump.base_is_a ? e->reserve_b : e->reserve_a;
        mev_pump_quote q;
        rc = mev_pump_quote_trade(sell ? MEV_PUMP_SELL_BASE_IN : MEV_PUMP_BUY_QUOTE_IN, &e->u.pump.fees,
                                  e->u.pump.virtual_quote, base, quote, x, &q);
        *out = rc != MEV_OK ? 0 : sell ? q.quote : q.base;
        return rc == MEV_OK && *out == 0 ? MEV_EINVAL : rc;
    }
    default:
        return MEV_EINVAL;
    }
}

/* A DLMM pair as the constant product with the active bin's price whose liquidity L matches the
 * depth of the bins a swap takes from next: between the price P and P·(1+s)^∓k a constant product
 * holds L·√P·(1 − (1+s)^(−k/2)) of Y below, or L/√P·(1 − (1+s)^(−k/2)) of X above. */
#define DLMM_MODEL_BINS 8
static int dlmm_model(const mev_dlmm_state *st, int swap_for_y, double *a, double *b, double *c)
{
    const mev_dlmm_pair *p = &st->pair;
    mev_u128 price_q64;
    if (mev_dlmm_price_of_bin(p->active_id, p->bin_step, &price_q64) != MEV_OK)
        return 0;
    double price = (double)price_q64 / 18446744073709551616.0, depth = 0;
    for (int k = 0; k < DLMM_MODEL_BINS; k++) {
        int32_t id = swap_for_y ? p->active_id - k : p->active_id + k;
        int64_t index = mev_dlmm_array_index(id);
        for (size_t i = 0; i < st->n_arrays; i++)
            if (st->arrays[i].index == index) {
                int slot = (int)(id - index * MEV_DLMM_BINS);
                depth += (double)(swap_for_y ? st->arrays[i].amount_y[slot] : st->arrays[i].amount_x[slot]);
            }
    }
    double reach = 1.0 - pow(1.0 + p->bin_step / 1e4, -DLMM_MODEL_BINS / 2.0), root = sqrt(price);
    double liquidity = swap_for_y ? depth / (root * reach) : depth * root / reach;
    double base = (double)p->base_factor * p->bin_step * 10 * pow(10, p->base_fee_power_factor);
    double keep = 1.0 - fmin(base, 1e8) / 1e9;
    double x = liquidity / root, y = liquidity * root;
    if (!(liquidity > 0) || !isfinite(liquidity))
        return 0;
    *a = keep * (swap_for_y ? y : x), *b = swap_for_y ? x : y, *c = keep;
    return 1;
}

/* The hop as out = a·x / (b + c·x), to within rounding; 0 when the pool cannot swap. */
static int edge_model(const mev_edge *e, int a_to_b, double *a, double *b, double *c)
{
    double r_in = (double)(a_to_b ? e->reserve_a : e->reserve_b), r_out = (double)(a_to_b ? e->reserve_b : e->reserve_a);
    switch (e->kind) {
    case MEV_EDGE_AMM_V4: {
        if (e->u.amm_v4.fee_denominator == 0 || e->u.amm_v4.fee_numerator >= e->u.amm_v4.fee_denominator)
            return 0;
        double keep = 1.0 - (double)e->u.amm_v4.fee_numerator / (double)e->u.amm_v4.fee_denominator;
        *a = keep * r_out, *b = r_in, *c = keep;
        break;
    }
    case MEV_EDGE_CPMM: {
        double trade = (double)e->u.cpmm.trade_rate / MEV_CPMM_FEE_DENOMINATOR;
        double creator = (double)e->u.cpmm.creator_rate / MEV_CPMM_FEE_DENOMINATOR;
        int on_input = a_to_b ? e->u.cpmm.creator_on_input_ab : e->u.cpmm.creator_on_input_ba;
        double keep_in = on_input ? 1.0 - trade - creator : 1.0 - trade, keep_out = on_input ? 1.0 : 1.0 - creator;
        *a = keep_in * keep_out * r_out, *b = r_in, *c = keep_in;
        break;
    }
    case MEV_EDGE_PUMP: {
        const mev_pump_fees *f = &e->u.pump.fees;
        double total = (double)f->lp + (double)f->protocol + (double)f->creator;
        int sell = a_to_b == (e->u.pump.base_is_a != 0);
        double base = (double)(e->u.pump.base_is_a ? e->reserve_a : e->reserve_b);
        double quote = (double)(e->u.pump.base_is_a ? e->reserve_b : e->reserve_a) + (double)e->u.pump.virtual_quote;
        if (quote <= 0 || total >= MEV_PUMP_BPS)
            return 0;
        if (sell) /* fees off the output */
            *a = (1.0 - total / MEV_PUMP_BPS) * quote, *b = base, *c = 1.0;
        else { /* fees out of the quote spent */
            double keep = MEV_PUMP_BPS / (MEV_PUMP_BPS + total);
            *a = keep * base, *b = quote, *c = keep;
        }
        break;
    }
    case MEV_EDGE_WHIRLPOOL: { /* the constant product its liquidity makes at the current price */
        const mev_wp_pool *p = &e->u.whirlpool.state->pool;
        double sqrt_p = (double)p->sqrt_price / 18446744073709551616.0, liquidity = (double)p->liquidity;
        double keep = 1.0 - p->fee_rate / 1e6; /* the static rate (an adaptive fee adds to it as it moves) */
        double x = liquidity / sqrt_p, y = liquidity * sqrt_p; /* virtual reserves of A and B */
        double r_in2 = a_to_b ? x : y, r_out2 = a_to_b ? y : x;
        if (liquidity <= 0)
            return 0;
        *a = keep * r_out2, *b = r_in2, *c = keep;
        break;
    }
    case MEV_EDGE_RAYDIUM_CLMM: { /* likewise, at the config's base rate */
        const mev_rcl_state *st = e->u.raydium_clmm.state;
        double sqrt_p = (double)st->pool.sqrt_price / 18446744073709551616.0, liquidity = (double)st->pool.liquidity;
        double keep = 1.0 - st->config.trade_fee_rate / 1e6;
        double x = liquidity / sqrt_p, y = liquidity * sqrt_p;
        if (liquidity <= 0 || sqrt_p <= 0)
            return 0;
        *a = keep * (a_to_b ? y : x), *b = a_to_b ? x : y, *c = keep;
        break;
    }
    case MEV_EDGE_DLMM:
        return dlmm_model(e->u.dlmm.state, a_to_b, a, b, c);
    default:
        return 0;
    }
    return *a > 0 && *b > 0;
}

/* --- cycles -------------------------------------------------------------------------------------- */

typedef struct {
    uint32_t hops, start;
    uint32_t pool[MEV_CYCLE_MAX_HOPS];
    uint8_t a_to_b[MEV_CYCLE_MAX_HOPS];
    double x, model_profit;
    double plateau; /* half-width of the inputs within rounding of the model's peak profit */
    double slack;   /* how far rounding can take the exact profit below the model's */
    int curved;     /* a hop whose model is exact only near the price (concentrated liquidity) */
} candidate;

typedef struct {
    const mev_graph *g;
    uint64_t max_in;
    uint32_t seen, n;
    candidate best[REFINE]; /* by model profit, best first */
} search;

static double apply(const double *m, double y) { return m[0] * y / (m[1] + m[2] * y); }

/* the composed cycle, its optimum input and profit under the model */
static void consider(search *s, uint32_t hops, const uint32_t *pool, const uint8_t *a_to_b, uint32_t start)
{
    double A = 1, B = 1, C = 0, m[MEV_CYCLE_MAX_HOPS][3];
    s->seen++;
    for (uint32_t h = 0; h < hops; h++) {
        double *e = m[h];
        if (!edge_model(&s->g->edges[pool[h]], a_to_b[h], &e[0], &e[1], &e[2]))
            return;
        /* a·y / (b + c·y) after y = A·x / (B + C·x) */
        double nA = A * e[0], nB = B * e[1], nC = e[1] * C + A * e[2];
        A = nA / nB, B = 1, C = nC / nB; /* scaled: keeps the doubles in range over three hops */
    }
    if (A <= B || C <= 0)
        return; /* the cycle's marginal rate at zero is not above 1 */
    double x = (sqrt(A * B) - B) / C;
    if (x > (double)s->max_in)
        x = (double)s->max_in;
    if (x < 1)
        x = 1;
    double profit = A * x / (B + C * x) - x;
    if (profit <= 0)
        return;
    /* Each hop rounds its output down: a unit of an intermediate token, valued in the start token
     * through the hops after it, and a unit at the end. The exact profit is that jagged, so the
     * exact best lies among the inputs whose smooth profit is within that (+ 1) of the peak;
     * f''(x*) = −2C / √(AB) gives their half-width. */
    double rounding = 1, y = x;
    for (uint32_t h = 0; h + 1 < hops; h++) {
        y = apply(m[h], y);
        double lo = y, hi = y + 1;
        for (uint32_t k = h + 1; k < hops; k++)
            lo = apply(m[k], lo), hi = apply(m[k], hi);
        rounding += hi - lo;
    }
    double plateau = sqrt((rounding + 1) * sqrt(A * B) / C);
    uint32_t at = s->n < REFINE ? s->n++ : REFINE;
    while (at > 0 && s->best[at - 1].model_profit < profit) {
        if (at < REFINE)
            s->best[at] = s->best[at - 1];
        at--;
    }
    if (at < REFINE) {
        candidate *c = &s->best[at];
        c->hops = hops, c->start = start, c->x = x, c->model_profit = profit, c->plateau = plateau;
        c->slack = rounding + 1;
        c->curved = 0;
        for (uint32_t h = 0; h < hops; h++)
            c->curved |= s->g->edges[pool[h]].kind >= MEV_EDGE_WHIRLPOOL;
        memcpy(c->pool, pool, hops * sizeof *pool);
        memcpy(c->a_to_b, a_to_b, hops);
    }
}

/* the exact chain of quotes: its profit, or a very negative one where a hop would fail */
static __int128 exact(const mev_graph *g, const candidate *c, uint64_t x, uint64_t *outs)
{
    uint64_t amount = x;
    for (uint32_t h = 0; h < c->hops; h++) {
        if (mev_edge_swap(&g->edges[c->pool[h]], c->a_to_b[h], amount, &outs[h]) != MEV_OK)
            return -((__int128)1 << 100);
        amount = outs[h];
    }
    return (__int128)amount - x;
}

/* The exact best input of a candidate: across the top of its curve, every input where they are
 * few, else SAMPLES of them spread evenly. */
/* A cycle with a concentrated-liquidity hop: its profit is concave in the input (each hop's output
 * is), but the model's optimum is only right until the price crosses a tick, so a golden-section
 * search over the exact quotes brackets the peak, from 1 to well past the model's optimum. */
static uint64_t bracket(const mev_graph *g, const candidate *c, uint64_t max_in)
{
    uint64_t outs[MEV_CYCLE_MAX_HOPS];
    const double phi = 0.6180339887498949;
    double hi_d = 16.0 * c->x + 16.0, stop = c->plateau > 2 ? c->plateau : 2; /* the scan after takes it from there */
    double lo = 1, hi = hi_d >= (double)max_in ? (double)max_in : hi_d;
    double m1 = hi - phi * (hi - lo), m2 = lo + phi * (hi - lo);
    __int128 f1 = exact(g, c, (uint64_t)m1, outs), f2 = exact(g, c, (uint64_t)m2, outs);
    for (int i = 0; i < 128 && hi - lo > stop; i++) { /* one new quote chain a step */
        if (f1 < f2) {
            lo = m1, m1 = m2, f1 = f2;
            m2 = lo + phi * (hi - lo);
            f2 = exact(g, c, (uint64_t)m2, outs);
        } else {
            hi = m2, m2 = m1, f2 = f1;
            m1 = hi - phi * (hi - lo);
            f1 = exact(g, c, (uint64_t)m1, outs);
        }
    }
    uint64_t x = (uint64_t)(f1 >= f2 ? m1 : m2);
    return x ? x : 1;
}

static void refine(const mev_graph *g, const candidate *c, uint64_t max_in, mev_cycle *best)
{
    uint64_t outs[MEV_CYCLE_MAX_HOPS], try_outs[MEV_CYCLE_MAX_HOPS];
    uint64_t x = c->curved ? bracket(g, c, max_in) : c->x >= (double)max_in ? max_in : (uint64_t)llround(c->x);
    if (x == 0)
        x = 1;
    __int128 f = exact(g, c, x, outs);
    uint64_t half = (uint64_t)c->plateau + 1, lo = x > half ? x - half : 1;
    uint64_t hi = max_in - x >= half ? x + half : max_in, n = hi - lo + 1;
    /* a concentrated-liquidity hop costs a quote across ticks: a few samples only */
    int every = !c->curved && n <= SCAN_ALL;
    uint64_t samples = c->curved ? CURVED_SAMPLES : SAMPLES, tries = every ? n : samples < n ? samples : n;
    for (uint64_t k = 0; k < tries; k++) {
        uint64_t y = every ? lo + k : lo + (uint64_t)(((unsigned __int128)(2 * k + 1) * n) / (2 * tries));
        __int128 fy = exact(g, c, y, try_outs);
        if (fy > f) {
            x = y, f = fy;
            memcpy(outs, try_outs, sizeof outs);
        }
    }
    if (f <= 0 || (best->hops && (uint64_t)f <= best->profit))
        return;
    best->hops = c->hops, best->start_mint = c->start, best->amount_in = x, best->profit = (uint64_t)f;
    best->slack = every ? 0 : (uint64_t)ceil(c->slack);
    memcpy(best->pool, c->pool, c->hops * sizeof *c->pool);
    memcpy(best->a_to_b, c->a_to_b, c->hops);
    memcpy(best->out, outs, c->hops * sizeof *outs);
}

static uint32_t other_end(const mev_edge *e, uint32_t mint) { return e->mint_a == mint ? e->mint_b : e->mint_a; }

/* a hop from `from` across pool p: a_to_b when `from` is its mint_a */
static uint8_t dir_from(const mev_graph *g, uint32_t p, uint32_t from) { return g->edges[p].mint_a == from; }

/* the cycle tokens t[0] → t[1] → … → t[0] over pools[], every rotation that starts at a profit mint */
static void consider_rotations(search *s, uint32_t hops, const uint32_t *t, const uint32_t *pools)
{
    for (uint32_t r = 0; r < hops; r++) {
        if (!s->g->profit[t[r]])
            continue;
        uint32_t pool[MEV_CYCLE_MAX_HOPS];
        uint8_t dir[MEV_CYCLE_MAX_HOPS];
        for (uint32_t h = 0; h < hops; h++) {
            uint32_t k = (r + h) % hops;
            pool[h] = pools[k];
            dir[h] = dir_from(s->g, pools[k], t[k]);
        }
        consider(s, hops, pool, dir, t[r]);
    }
}

int mev_graph_best_cycle(mev_graph *g, uint32_t id, uint64_t max_in, uint32_t hops, mev_cycle *out)
{
    if (g == NULL || out == NULL || max_in == 0 || (hops != 0 && hops != 2 && hops != 3))
        return MEV_EINVAL;
    pthread_mutex_lock(&g->lock);
    if (id >= g->n_pools) {
        pthread_mutex_unlock(&g->lock);
        return MEV_EINVAL;
    }
    search s = {.g = g, .max_in = max_in};
    const mev_edge *e = &g->edges[id];
    uint32_t x = e->mint_a, y = e->mint_b;
    /* two hops: the other pools of the same pair, both ways round */
    for (uint32_t q = hops == 3 ? NONE : g->pair_head[pair_slot(g, pair_key(x, y))]; q != NONE; q = g->pair_next[q]) {
        if (q == id)
            continue;
        uint32_t t[2] = {x, y}, fwd[2] = {id, q}, back[2] = {q, id};
        consider_rotations(&s, 2, t, fwd);
        consider_rotations(&s, 2, t, back);
    }
    /* three hops: a third mint z with pools y–z and z–x; walk the smaller end's pools */
    uint32_t small = g->degree[x] <= g->degree[y] ? x : y, large = small == x ? y : x;
    for (uint32_t node = hops == 2 ? NONE : g->adj_head[small]; node != NONE; node = g->adj_next[node]) {
        uint32_t r = node / 2, z = other_end(&g->edges[r], small);
        if (r == id || z == large)
            continue;
        uint32_t slot = pair_slot(g, pair_key(large, z));
        for (uint32_t q = g->pair_head[slot]; q != NONE; q = g->pair_next[q]) {
            uint32_t yz = small == y ? r : q, zx = small == x ? r : q;
            uint32_t t[3] = {x, y, z}, fwd[3] = {id, yz, zx};
            uint32_t rt[3] = {x, z, y}, back[3] = {zx, yz, id};
            consider_rotations(&s, 3, t, fwd);
            consider_rotations(&s, 3, rt, back);
        }
    }
    memset(out, 0, sizeof *out);
    for (uint32_t i = 0; i < s.n; i++) /* best first; one that cannot beat the best found is skipped */
        if (!out->hops || s.best[i].model_profit + s.best[i].slack > (double)out->profit)
            refine(g, &s.best[i], max_in, out);
    out->cycles = s.seen;
    pthread_mutex_unlock(&g->lock);
    return MEV_OK;
}
