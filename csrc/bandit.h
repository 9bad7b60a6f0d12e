/* Thompson sampling over send routes with Beta posteriors, optionally one set per leader.
 *
 * choose() draws p ~ Beta(alpha, beta) per route and returns the k routes with the highest
 * score: p, or p * value - cost[route] when a value is given (cost-aware; p goes through the
 * route's calibration table first, when it has one). update() first decays
 * the context's posteriors toward the prior by `discount` (forgetting, for routes whose quality
 * drifts), then counts the outcome. With per_leader, every update also feeds the global set, which
 * answers for leaders not seen yet. The generator is xoshiro256**, seeded: runs repeat exactly. */
#ifndef MEV_BANDIT_H
#define MEV_BANDIT_H

#include <stddef.h>
#include <stdint.h>

#include "lut.h"

#define MEV_BANDIT_MAX_ROUTES 32

typedef struct {
    uint32_t routes;
    int per_leader;
    double discount;      /* (0, 1]: 1 keeps everything */
    double prior_alpha;   /* > 0 */
    double prior_beta;    /* > 0 */
    uint64_t seed;
} mev_bandit_params;

typedef struct mev_bandit mev_bandit;

int mev_bandit_new(const mev_bandit_params *params, size_t expected_leaders, mev_bandit **out);
void mev_bandit_free(mev_bandit *b);
const mev_bandit_params *mev_bandit_params_of(const mev_bandit *b);

/* The table that maps a route's sampled p to a calibrated probability in cost-aware choice
 * (NULL: none). The bandit does not own it; it must outlive the bandit or be unset first. */
int mev_bandit_set_calibration(mev_bandit *b, uint32_t route, const mev_lut *lut);
/* Cost of one shot on a route, in the units of `value` (e.g. lamports of tip plus fees). */
int mev_bandit_set_cost(mev_bandit *b, uint32_t route, double cost);
/* leader NULL: the global posteriors. value <= 0: rank by probability alone. Writes k distinct
 * routes, best first, and their scores (scores may be NULL). */
int mev_bandit_choose(mev_bandit *b, const uint8_t *leader, uint32_t k, double value,
                      uint32_t *routes, double *scores);
int mev_bandit_update(mev_bandit *b, const uint8_t *leader, uint32_t route, int landed);
int mev_bandit_posterior(mev_bandit *b, const uint8_t *leader, uint32_t route, double *alpha,
                         double *beta);
/* One draw from Beta(a, b) with the bandit's generator (exposed for tests). */
double mev_bandit_sample_beta(mev_bandit *b, double a, double beta);

size_t mev_bandit_save_size(const mev_bandit *b);
int mev_bandit_save(mev_bandit *b, uint8_t *buf, size_t len);
int mev_bandit_load(const uint8_t *buf, size_t len, size_t expected_leaders, mev_bandit **out);

#endif
