/* Leader map growth, Kalman convergence and gating, bandit sampling and concentration, and the
 * save/load round trips (with truncation and corruption refused), under the sanitizers. */
#include <math.h>
#include <stdint.h>

#include "../bandit.h"
#include "../kalman.h"
#include "../leadermap.h"
#include "../mev_error.h"
#include "check.h"

static void key_of(uint32_t i, uint8_t key[32])
{
    uint64_t x = i * 0x9e3779b97f4a7c15ULL + 1;
    for (int j = 0; j < 32; j++) {
        x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
        key[j] = (uint8_t)(x * 0x2545f4914f6cdd1dULL >> 56);
    }
}

static int count_visit(void *ctx, const uint8_t *key, void *value)
{
    (void)key;
    (*(size_t *)ctx) += *(uint32_t *)value != 0;
    return 0;
}

static void test_leadermap(void)
{
    mev_leadermap *m;
    uint8_t key[32];
    int created;
    enum { N = 50000 };

    CHECK_EQ_INT(mev_leadermap_new(0, 10, &m), MEV_EINVAL);
    CHECK_EQ_INT(mev_leadermap_new(sizeof(uint32_t), 4, &m), MEV_OK);
    for (uint32_t i = 0; i < N; i++) {
        key_of(i, key);
        uint32_t *v = mev_leadermap_upsert(m, key, &created);
        CHECK(v != NULL && created && *v == 0);
        *v = i + 1;
        if (i % 997 == 0) { /* values stay reachable in the middle of every grow */
            for (uint32_t j = 0; j <= i; j += 101) {
                key_of(j, key);
                uint32_t *w = mev_leadermap_find(m, key);
                CHECK(w != NULL && *w == j + 1);
            }
        }
    }
    CHECK_EQ_INT(mev_leadermap_count(m), N);
    for (uint32_t i = 0; i < N; i++) {
        key_of(i, key);
        uint32_t *v = mev_leadermap_upsert(m, key, &created);
        CHECK(v != NULL && !created && *v == i + 1);
    }
    key_of(N + 5, key);
    CHECK(mev_leadermap_find(m, key) == NULL);
    size_t visited = 0;
    mev_leadermap_each(m, count_visit, &visited);
    CHECK_EQ_INT(visited, N);
    mev_leadermap_free(m);
}

static double gauss(uint64_t *s)
{
    double u1, u2;
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    u1 = ((*s >> 11) + 0.5) * 0x1.0p-53;
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    u2 = ((*s >> 11) + 0.5) * 0x1.0p-53;
    return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

static void test_kalman(void)
{
    mev_kalman_params p = {.q_phase = 0.5, .q_drift = 0.001, .r = 225, .initial_std = 200,
                           .initial_phase = 0, .gate = 4, .reacquire = 5};
    mev_kalman *k, *k2;
    uint8_t leader[32], other[32];
    double phase, sd;
    uint64_t rng = 42;

    key_of(1, leader);
    key_of(2, other);
    CHECK_EQ_INT(mev_kalman_new(&(mev_kalman_params){.r = 0, .initial_std = 1}, 4, &k), MEV_EINVAL);
    CHECK_EQ_INT(mev_kalman_new(&p, 4, &k), MEV_OK);
    for (int64_t slot = 0; slot < 30; slot++)
        mev_kalman_observe(k, leader, slot, 120 + 15 * gauss(&rng), 1);
    mev_kalman_predict(k, leader, 30, &phase, &sd);
    CHECK(fabs(phase - 120) < 10 && sd < 10);
    /* a wild outlier is gated out */
    CHECK_EQ_INT(mev_kalman_observe(k, leader, 31, 900, 1), 0);
    mev_kalman_predict(k, leader, 31, &phase, &sd);
    CHECK(fabs(phase - 120) < 10);
    /* a real jump is re-acquired after `reacquire` consecutive outliers */
    for (int64_t slot = 32; slot < 40; slot++)
        mev_kalman_observe(k, leader, slot, 300 + 15 * gauss(&rng), 1);
    mev_kalman_predict(k, leader, 40, &phase, &sd);
    CHECK(fabs(phase - 300) < 25);
    /* missing observations widen the spread */
    double sd_now, sd_later;
    mev_kalman_predict(k, leader, 40, &phase, &sd_now);
    mev_kalman_predict(k, leader, 4000, &phase, &sd_later);
    CHECK(sd_later > sd_now);
    /* unknown leaders get the prior */
    mev_kalman_predict(k, other, 0, &phase, &sd);
    CHECK(phase == 0 && sd == 200);
    CHECK_EQ_INT(mev_kalman_observe(k, leader, 41, NAN, 1), MEV_EINVAL);

    size_t n = mev_kalman_save_size(k);
    uint8_t *buf = malloc(n);
    CHECK_EQ_INT(mev_kalman_save(k, buf, n), MEV_OK);
    CHECK_EQ_INT(mev_kalman_load(buf, n - 1, 4, &k2), MEV_ECORRUPT);
    buf[0] ^= 1;
    CHECK_EQ_INT(mev_kalman_load(buf, n, 4, &k2), MEV_ECORRUPT);
    buf[0] ^= 1;
    CHECK_EQ_INT(mev_kalman_load(buf, n, 4, &k2), MEV_OK);
    double a, b, c, d;
    mev_kalman_predict(k, leader, 50, &a, &b);
    mev_kalman_predict(k2, leader, 50, &c, &d);
    CHECK(a == c && b == d);
    free(buf);
    mev_kalman_free(k);
    mev_kalman_free(k2);
}

static void test_bandit(void)
{
    mev_bandit_params p = {.routes = 3, .per_leader = 1, .discount = 1, .prior_alpha = 1,
                           .prior_beta = 1, .seed = 7};
    const double truth[3] = {0.2, 0.5, 0.8};
    mev_bandit *b, *b2;
    uint8_t leader[32];
    uint32_t route[3];
    uint64_t rng = 9;

    key_of(3, leader);
    CHECK_EQ_INT(mev_bandit_new(&(mev_bandit_params){.routes = 0, .discount = 1, .prior_alpha = 1,
                                                     .prior_beta = 1}, 1, &b), MEV_EINVAL);
    CHECK_EQ_INT(mev_bandit_new(&p, 8, &b), MEV_OK);
    double sum = 0;
    for (int i = 0; i < 20000; i++)
        sum += mev_bandit_sample_beta(b, 2, 5);
    CHECK(fabs(sum / 20000 - 2.0 / 7) < 0.01);
    int best_late = 0;
    for (int t = 0; t < 3000; t++) {
        mev_bandit_choose(b, leader, 1, 0, route, NULL);
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        int landed = ((rng >> 11) * 0x1.0p-53) < truth[route[0]];
        mev_bandit_update(b, leader, route[0], landed);
        best_late += t >= 2500 && route[0] == 2;
    }
    CHECK(best_late > 450);
    CHECK_EQ_INT(mev_bandit_choose(b, leader, 3, 0, route, NULL), MEV_OK);
    CHECK(route[0] != route[1] && route[1] != route[2] && route[0] != route[2]);
    CHECK_EQ_INT(mev_bandit_choose(b, leader, 4, 0, route, NULL), MEV_EINVAL);
    CHECK_EQ_INT(mev_bandit_update(b, leader, 3, 1), MEV_EINVAL);

    size_t n = mev_bandit_save_size(b);
    uint8_t *buf = malloc(n);
    CHECK_EQ_INT(mev_bandit_save(b, buf, n), MEV_OK);
    CHECK_EQ_INT(mev_bandit_load(buf, n - 3, 8, &b2), MEV_ECORRUPT);
    CHECK_EQ_INT(mev_bandit_load(buf, n, 8, &b2), MEV_OK);
    for (int i = 0; i < 50; i++) { /* same state and generator: same choices */
        uint32_t r1, r2;
        mev_bandit_choose(b, leader, 1, 0, &r1, NULL);
        mev_bandit_choose(b2, leader, 1, 0, &r2, NULL);
        CHECK(r1 == r2);
    }
    free(buf);
    mev_bandit_free(b);
    mev_bandit_free(b2);
}

int main(void)
{
    test_leadermap();
    test_kalman();
    test_bandit();
    return check_report("test_landing");
}
