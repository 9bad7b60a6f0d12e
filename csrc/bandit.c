#include "bandit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "leadermap.h"
#include "mev_error.h"

#define SAVE_MAGIC 0x31444e4256454d00ULL

typedef struct {
    double alpha, beta;
} arm;

struct mev_bandit {
    mev_bandit_params p;
    uint64_t rng[4];
    double spare_normal;
    int has_spare;
    double cost[MEV_BANDIT_MAX_ROUTES];
    const mev_lut *calibration[MEV_BANDIT_MAX_ROUTES]; /* not owned; not saved */
    arm global[MEV_BANDIT_MAX_ROUTES];
    mev_leadermap *leaders; /* value: p.routes arms */
};

/* --- xoshiro256** and distributions ------------------------------------------------------- */

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t next_u64(mev_bandit *b)
{
    uint64_t *s = b->rng, result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

static double uniform(mev_bandit *b) /* (0, 1) */
{
    return ((next_u64(b) >> 11) + 0.5) * 0x1.0p-53;
}

static double normal(mev_bandit *b)
{
    if (b->has_spare) {
        b->has_spare = 0;
        return b->spare_normal;
    }
    double u, v, s;
    do { /* Marsaglia's polar method */
        u = 2 * uniform(b) - 1;
        v = 2 * uniform(b) - 1;
        s = u * u + v * v;
    } while (s >= 1 || s == 0);
    s = sqrt(-2 * log(s) / s);
    b->spare_normal = v * s;
    b->has_spare = 1;
    return u * s;
}

static double gamma_draw(mev_bandit *b, double a) /* Marsaglia & Tsang, a > 0 */
{
    if (a < 1)
        return gamma_draw(b, a + 1) * pow(uniform(b), 1 / a);
    double d = a - 1.0 / 3, c = 1 / sqrt(9 * d);
    for (;;) {
        double x = normal(b), v = 1 + c * x;
        if (v <= 0)
            continue;
        v = v * v * v;
        double u = uniform(b);
        if (u < 1 - 0.0331 * x * x * x * x || log(u) < 0.5 * x * x + d * (1 - v + log(v)))
            return d * v;
    }
}

double mev_bandit_sample_beta(mev_bandit *b, double a, double beta)
{
    double x = gamma_draw(b, a), y = gamma_draw(b, beta);
    return x / (x + y);
}

/* --- lifecycle ------------------------------------------------------------------------------ */

static int valid_params(const mev_bandit_params *p)
{
    return p->routes >= 1 && p->routes <= MEV_BANDIT_MAX_ROUTES && p->discount > 0 &&
           p->discount <= 1 && p->prior_alpha > 0 && p->prior_beta > 0 &&
           isfinite(p->prior_alpha) && isfinite(p->prior_beta);
}

static void seed_rng(mev_bandit *b, uint64_t seed)
{
    for (int i = 0; i < 4; i++) { /* splitmix64 */
        uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        b->rng[i] = z ^ (z >> 31);
    }
}

int mev_bandit_new(const mev_bandit_params *params, size_t expected_leaders, mev_bandit **out)
{
    mev_bandit *b;
    *out = NULL;
    if (params == NULL || !valid_params(params))
        return MEV_EINVAL;
    b = calloc(1, sizeof *b);
    if (b == NULL)
        return MEV_ENOMEM;
    b->p = *params;
    seed_rng(b, params->seed);
    for (uint32_t i = 0; i < params->routes; i++)
        b->global[i] = (arm){params->prior_alpha, params->prior_beta};
    if (params->per_leader &&
        mev_leadermap_new(sizeof(arm) * params->routes, expected_leaders, &b->leaders) != MEV_OK) {
        free(b);
        return MEV_ENOMEM;
    }
    *out = b;
    return MEV_OK;
}

void mev_bandit_free(mev_bandit *b)
{
    if (b == NULL)
        return;
    mev_leadermap_free(b->leaders);
    free(b);
}

const mev_bandit_params *mev_bandit_params_of(const mev_bandit *b) { return &b->p; }

int mev_bandit_set_calibration(mev_bandit *b, uint32_t route, const mev_lut *lut)
{
    if (route >= b->p.routes)
        return MEV_EINVAL;
    b->calibration[route] = lut;
    return MEV_OK;
}

int mev_bandit_set_cost(mev_bandit *b, uint32_t route, double cost)
{
    if (route >= b->p.routes || !isfinite(cost))
        return MEV_EINVAL;
    b->cost[route] = cost;
    return MEV_OK;
}

/* The arms that answer for leader: its own if known, else the global ones. */
static const arm *arms_for(mev_bandit *b, const uint8_t *leader)
{
    if (leader != NULL && b->leaders != NULL) {
        const arm *a = mev_leadermap_find(b->leaders, leader);
        if (a != NULL)
            return a;
    }
    return b->global;
}

int mev_bandit_choose(mev_bandit *b, const uint8_t *leader, uint32_t k, double value,
                      uint32_t *routes, double *scores)
{
    double s[MEV_BANDIT_MAX_ROUTES];
    uint32_t order[MEV_BANDIT_MAX_ROUTES];
    const arm *a = arms_for(b, leader);

    if (k == 0 || k > b->p.routes || routes == NULL || !isfinite(value))
        return MEV_EINVAL;
    for (uint32_t i = 0; i < b->p.routes; i++) {
        double p = mev_bandit_sample_beta(b, a[i].alpha, a[i].beta);
        if (value > 0 && b->calibration[i])
            p = mev_lut_eval(b->calibration[i], p);
        s[i] = value > 0 ? p * value - b->cost[i] : p;
        order[i] = i;
    }
    for (uint32_t i = 0; i < k; i++) { /* partial selection sort: k is a handful */
        uint32_t best = i;
        for (uint32_t j = i + 1; j < b->p.routes; j++)
            if (s[order[j]] > s[order[best]])
                best = j;
        uint32_t t = order[i];
        order[i] = order[best];
        order[best] = t;
        routes[i] = order[i];
        if (scores)
            scores[i] = s[order[i]];
    }
    return MEV_OK;
}

static void discount_and_count(const mev_bandit *b, arm *arms, uint32_t route, int landed)
{
    double g = b->p.discount;
    if (g < 1) {
        for (uint32_t i = 0; i < b->p.routes; i++) {
            arms[i].alpha = b->p.prior_alpha + g * (arms[i].alpha - b->p.prior_alpha);
            arms[i].beta = b->p.prior_beta + g * (arms[i].beta - b->p.prior_beta);
        }
    }
    if (landed)
        arms[route].alpha += 1;
    else
        arms[route].beta += 1;
}

int mev_bandit_update(mev_bandit *b, const uint8_t *leader, uint32_t route, int landed)
{
    if (route >= b->p.routes)
        return MEV_EINVAL;
    discount_and_count(b, b->global, route, landed);
    if (leader != NULL && b->leaders != NULL) {
        int created;
        arm *a = mev_leadermap_upsert(b->leaders, leader, &created);
        if (a == NULL)
            return MEV_ENOMEM;
        if (created)
            for (uint32_t i = 0; i < b->p.routes; i++)
                a[i] = (arm){b->p.prior_alpha, b->p.prior_beta};
        discount_and_count(b, a, route, landed);
    }
    return MEV_OK;
}

int mev_bandit_posterior(mev_bandit *b, const uint8_t *leader, uint32_t route, double *alpha,
                         double *beta)
{
    if (route >= b->p.routes)
        return MEV_EINVAL;
    const arm *a = arms_for(b, leader);
    *alpha = a[route].alpha;
    *beta = a[route].beta;
    return MEV_OK;
}

/* --- save / load: magic, params, generator (state + spare normal), costs, global arms, count,
 * count x (key, arms). Host byte order: for restarts on the same machine. --------------------- */

#define RNG_BYTES (32 + 2 * sizeof(double))

static size_t fixed_part(uint32_t routes)
{
    return 8 + sizeof(mev_bandit_params) + RNG_BYTES + routes * (sizeof(double) + sizeof(arm)) + 8;
}

size_t mev_bandit_save_size(const mev_bandit *b)
{
    size_t n = b->leaders ? mev_leadermap_count(b->leaders) : 0;
    return fixed_part(b->p.routes) + n * (32 + b->p.routes * sizeof(arm));
}

typedef struct {
    uint8_t *p;
    size_t value_size;
} writer;

static int save_one(void *ctx, const uint8_t *key, void *value)
{
    writer *w = ctx;
    memcpy(w->p, key, 32);
    memcpy(w->p + 32, value, w->value_size);
    w->p += 32 + w->value_size;
    return 0;
}

int mev_bandit_save(mev_bandit *b, uint8_t *buf, size_t len)
{
    uint64_t magic = SAVE_MAGIC, count = b->leaders ? mev_leadermap_count(b->leaders) : 0;
    uint32_t r = b->p.routes;
    if (len < mev_bandit_save_size(b))
        return MEV_EINVAL;
    uint8_t *p = buf;
    memcpy(p, &magic, 8), p += 8;
    memcpy(p, &b->p, sizeof b->p), p += sizeof b->p;
    double spare[2] = {b->spare_normal, b->has_spare};
    memcpy(p, b->rng, 32), p += 32;
    memcpy(p, spare, sizeof spare), p += sizeof spare;
    memcpy(p, b->cost, r * sizeof(double)), p += r * sizeof(double);
    memcpy(p, b->global, r * sizeof(arm)), p += r * sizeof(arm);
    memcpy(p, &count, 8), p += 8;
    if (b->leaders) {
        writer w = {p, r * sizeof(arm)};
        return mev_leadermap_each(b->leaders, save_one, &w);
    }
    return MEV_OK;
}

int mev_bandit_load(const uint8_t *buf, size_t len, size_t expected_leaders, mev_bandit **out)
{
    uint64_t magic, count;
    mev_bandit_params p;
    mev_bandit *b;
    const uint8_t *q = buf;

    *out = NULL;
    if (len < 8 + sizeof p)
        return MEV_ECORRUPT;
    memcpy(&magic, q, 8), q += 8;
    memcpy(&p, q, sizeof p), q += sizeof p;
    if (magic != SAVE_MAGIC || !valid_params(&p) || len < fixed_part(p.routes))
        return MEV_ECORRUPT;
    size_t rec = 32 + p.routes * sizeof(arm);
    memcpy(&count, buf + fixed_part(p.routes) - 8, 8);
    if (count > (len - fixed_part(p.routes)) / rec || len != fixed_part(p.routes) + count * rec ||
        (count && !p.per_leader))
        return MEV_ECORRUPT;
    int rc = mev_bandit_new(&p, count > expected_leaders ? count : expected_leaders, &b);
    if (rc != MEV_OK)
        return rc;
    double spare[2];
    memcpy(b->rng, q, 32), q += 32;
    memcpy(spare, q, sizeof spare), q += sizeof spare;
    b->spare_normal = spare[0];
    b->has_spare = spare[1] != 0;
    memcpy(b->cost, q, p.routes * sizeof(double)), q += p.routes * sizeof(double);
    memcpy(b->global, q, p.routes * sizeof(arm)), q += p.routes * sizeof(arm);
    q += 8;
    for (uint64_t i = 0; i < count; i++, q += rec) {
        int created;
        arm *a = mev_leadermap_upsert(b->leaders, q, &created);
        if (a == NULL) {
            mev_bandit_free(b);
            return MEV_ENOMEM;
        }
        memcpy(a, q + 32, p.routes * sizeof(arm));
    }
    *out = b;
    return MEV_OK;
}
