#include "kalman.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "leadermap.h"
#include "mev_error.h"

#define SAVE_MAGIC 0x314e4c414b56454dULL /* "MEVKALN1" */

struct mev_kalman {
    mev_kalman_params p;
    mev_leadermap *leaders;
};

static int valid_params(const mev_kalman_params *p)
{
    return p->q_phase >= 0 && p->q_drift >= 0 && p->r > 0 && p->initial_std > 0 &&
           p->gate >= 0 && isfinite(p->q_phase) && isfinite(p->q_drift) && isfinite(p->r) &&
           isfinite(p->initial_std) && isfinite(p->initial_phase) && isfinite(p->gate);
}

int mev_kalman_new(const mev_kalman_params *params, size_t expected_leaders, mev_kalman **out)
{
    mev_kalman *k;
    *out = NULL;
    if (params == NULL || !valid_params(params))
        return MEV_EINVAL;
    k = calloc(1, sizeof *k);
    if (k == NULL)
        return MEV_ENOMEM;
    k->p = *params;
    if (mev_leadermap_new(sizeof(mev_kalman_state), expected_leaders, &k->leaders) != MEV_OK) {
        free(k);
        return MEV_ENOMEM;
    }
    *out = k;
    return MEV_OK;
}

void mev_kalman_free(mev_kalman *k)
{
    if (k == NULL)
        return;
    mev_leadermap_free(k->leaders);
    free(k);
}

const mev_kalman_params *mev_kalman_params_of(const mev_kalman *k) { return &k->p; }
size_t mev_kalman_leaders(const mev_kalman *k) { return mev_leadermap_count(k->leaders); }

static void init_state(const mev_kalman *k, mev_kalman_state *s, int64_t slot)
{
    memset(s, 0, sizeof *s);
    s->phase = k->p.initial_phase;
    s->p00 = k->p.initial_std * k->p.initial_std;
    s->p11 = k->p.q_drift > 0 ? k->p.q_drift * 100 : 0; /* a drift prior of ~10 slots' noise */
    s->slot = slot;
}

/* x <- F x, P <- F P F' + Q for dt slots, F = [[1, dt], [0, 1]]. Q grows linearly with dt. */
static void time_update(const mev_kalman *k, mev_kalman_state *s, double dt)
{
    if (dt <= 0)
        return;
    s->phase += s->drift * dt;
    double p00 = s->p00 + dt * (2 * s->p01 + dt * s->p11);
    double p01 = s->p01 + dt * s->p11;
    s->p00 = p00 + k->p.q_phase * dt;
    s->p01 = p01;
    s->p11 += k->p.q_drift * dt;
}

int mev_kalman_observe(mev_kalman *k, const uint8_t leader[32], int64_t slot, double offset_ms,
                       int landed)
{
    int created;
    mev_kalman_state *s;

    if (landed && !isfinite(offset_ms))
        return MEV_EINVAL;
    s = mev_leadermap_upsert(k->leaders, leader, &created);
    if (s == NULL)
        return MEV_ENOMEM;
    if (created)
        init_state(k, s, slot);
    if (slot > s->slot) {
        time_update(k, s, (double)(slot - s->slot));
        s->slot = slot;
    }
    if (!landed)
        return 0;

    double nu = offset_ms - s->phase;    /* innovation */
    double S = s->p00 + k->p.r;           /* its variance */
    if (k->p.gate > 0 && s->observations > 0 && nu * nu > k->p.gate * k->p.gate * S) {
        s->rejected++;
        if (k->p.reacquire == 0 || ++s->outlier_run < k->p.reacquire)
            return 0;
        /* the phase moved: restart around the new measurement, keep the drift uncertain */
        init_state(k, s, slot);
        s->phase = offset_ms;
        s->p00 = k->p.r;
        s->observations = 1;
        return 1;
    }
    s->outlier_run = 0;
    double k0 = s->p00 / S, k1 = s->p01 / S;   /* Kalman gain for H = [1, 0] */
    s->phase += k0 * nu;
    s->drift += k1 * nu;
    double p00 = (1 - k0) * s->p00;
    double p01 = (1 - k0) * s->p01;
    double p11 = s->p11 - k1 * s->p01;
    s->p00 = p00;
    s->p01 = p01;
    s->p11 = p11;
    s->observations++;
    return 1;
}

int mev_kalman_predict(mev_kalman *k, const uint8_t leader[32], int64_t slot, double *offset_ms,
                       double *std_ms)
{
    const mev_kalman_state *found = mev_leadermap_find(k->leaders, leader);
    mev_kalman_state s;
    if (found == NULL) {
        *offset_ms = k->p.initial_phase;
        *std_ms = k->p.initial_std;
        return MEV_OK;
    }
    s = *found;
    if (slot > s.slot)
        time_update(k, &s, (double)(slot - s.slot));
    *offset_ms = s.phase;
    *std_ms = sqrt(s.p00 > 0 ? s.p00 : 0);
    return MEV_OK;
}

int mev_kalman_state_of(mev_kalman *k, const uint8_t leader[32], mev_kalman_state *out)
{
    const mev_kalman_state *s = mev_leadermap_find(k->leaders, leader);
    if (s == NULL)
        return MEV_ENOENT;
    *out = *s;
    return MEV_OK;
}

/* Layout: magic u64, params, count u64, then count × (key[32], state). Host byte order: the file
 * is for the same machine's restarts, not an exchange format. */
size_t mev_kalman_save_size(const mev_kalman *k)
{
    return 8 + sizeof(mev_kalman_params) + 8 +
           mev_leadermap_count(k->leaders) * (32 + sizeof(mev_kalman_state));
}

typedef struct {
    uint8_t *p, *end;
} writer;

static int save_one(void *ctx, const uint8_t *key, void *value)
{
    writer *w = ctx;
    if ((size_t)(w->end - w->p) < 32 + sizeof(mev_kalman_state))
        return MEV_EINVAL;
    memcpy(w->p, key, 32);
    memcpy(w->p + 32, value, sizeof(mev_kalman_state));
    w->p += 32 + sizeof(mev_kalman_state);
    return 0;
}

int mev_kalman_save(mev_kalman *k, uint8_t *buf, size_t len)
{
    uint64_t magic = SAVE_MAGIC, count = mev_leadermap_count(k->leaders);
    if (len < mev_kalman_save_size(k))
        return MEV_EINVAL;
    memcpy(buf, &magic, 8);
    memcpy(buf + 8, &k->p, sizeof k->p);
    memcpy(buf + 8 + sizeof k->p, &count, 8);
    writer w = {buf + 16 + sizeof k->p, buf + len};
    return mev_leadermap_each(k->leaders, save_one, &w);
}

int mev_kalman_load(const uint8_t *buf, size_t len, size_t expected_leaders, mev_kalman **out)
{
    uint64_t magic, count;
    mev_kalman_params p;
    const size_t head = 16 + sizeof p, rec = 32 + sizeof(mev_kalman_state);
    mev_kalman *k;
    int rc;

    *out = NULL;
    if (len < head)
        return MEV_ECORRUPT;
    memcpy(&magic, buf, 8);
    memcpy(&p, buf + 8, sizeof p);
    memcpy(&count, buf + 8 + sizeof p, 8);
    if (magic != SAVE_MAGIC || count > (len - head) / rec || len != head + count * rec)
        return MEV_ECORRUPT;
    if ((rc = mev_kalman_new(&p, count > expected_leaders ? count : expected_leaders, &k)) != 0)
        return rc == MEV_EINVAL ? MEV_ECORRUPT : rc;
    for (uint64_t i = 0; i < count; i++) {
        int created;
        const uint8_t *r = buf + head + i * rec;
        mev_kalman_state *s = mev_leadermap_upsert(k->leaders, r, &created);
        if (s == NULL) {
            mev_kalman_free(k);
            return MEV_ENOMEM;
        }
        memcpy(s, r + 32, sizeof *s);
    }
    *out = k;
    return MEV_OK;
}
