/* Per-leader slot-phase tracking: a two-state Kalman filter per leader (phase offset in ms of the
 * best send moment within the slot, and its drift in ms per slot).
 *
 * Each observation is the phase a landed shot revealed (e.g. its send offset, corrected by the
 * landing timestamp), at a slot number. Time between observations is counted in slots, so a
 * leader unseen for a while predicts with a wider spread. Shots that did not land carry no phase
 * measurement: they only age the state. Outliers beyond `gate` standard deviations of the
 * innovation are rejected, unless `reacquire` of them arrive in a row, which means the phase
 * really moved: then the filter re-centres on the new measurement. */
#ifndef MEV_KALMAN_H
#define MEV_KALMAN_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    double q_phase;      /* process noise of the phase, ms^2 per slot */
    double q_drift;      /* process noise of the drift, (ms/slot)^2 per slot */
    double r;            /* measurement noise, ms^2 */
    double initial_std;  /* phase std of a leader never seen, ms */
    double initial_phase; /* phase assumed for a leader never seen, ms */
    double gate;         /* innovation gate in standard deviations (0: no gating) */
    uint32_t reacquire;  /* consecutive gated outliers that force a re-centre */
} mev_kalman_params;

typedef struct mev_kalman mev_kalman;

typedef struct {
    double phase, drift;        /* state */
    double p00, p01, p11;       /* covariance (symmetric) */
    int64_t slot;               /* slot of the last update */
    uint32_t observations, rejected, outlier_run;
    uint32_t pad;
} mev_kalman_state;

int mev_kalman_new(const mev_kalman_params *params, size_t expected_leaders, mev_kalman **out);
void mev_kalman_free(mev_kalman *k);
const mev_kalman_params *mev_kalman_params_of(const mev_kalman *k);

/* landed = 0: no measurement, only the passage of time. Returns 1 if the measurement was used,
 * 0 if gated out or absent, or a negative error. */
int mev_kalman_observe(mev_kalman *k, const uint8_t leader[32], int64_t slot, double offset_ms,
                       int landed);
/* Predicted phase and its standard deviation at `slot` (prior values for unknown leaders). */
int mev_kalman_predict(mev_kalman *k, const uint8_t leader[32], int64_t slot, double *offset_ms,
                       double *std_ms);
/* The stored state of a leader, or MEV_ENOENT. */
int mev_kalman_state_of(mev_kalman *k, const uint8_t leader[32], mev_kalman_state *out);
size_t mev_kalman_leaders(const mev_kalman *k);

/* Serialisation: mev_kalman_save_size bytes, then save into them; load replaces all state. */
size_t mev_kalman_save_size(const mev_kalman *k);
int mev_kalman_save(mev_kalman *k, uint8_t *buf, size_t len);
int mev_kalman_load(const uint8_t *buf, size_t len, size_t expected_leaders, mev_kalman **out);

#endif
