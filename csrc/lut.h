/* Calibration lookup tables: a piecewise-linear map (isotonic regression's knots) in a small
 * binary file (docs/formats.md), mmap'ed, checked (magic, version, sizes, ordering, CRC32) and
 * evaluated exactly like scikit-learn's IsotonicRegression(out_of_bounds="clip").predict.
 *
 * A handle can be reloaded while other threads evaluate through it: a reload maps and checks the
 * new file first and swaps one pointer; a file that fails any check is refused and the table in
 * use stays. Readers never lock (two atomic counts per lookup or batch); a reload returns once
 * no reader can still hold the table it replaced, and frees it then: a reader stopped in the
 * middle of a batch keeps its table however long it takes. */
#ifndef MEV_LUT_H
#define MEV_LUT_H

#include <stddef.h>
#include <stdint.h>

#define MEV_LUT_MAGIC "MEVLUT\0\0"
#define MEV_LUT_VERSION 1u
#define MEV_LUT_HEADER_BYTES 96u
#define MEV_LUT_DOMAIN_BYTES 64u
#define MEV_LUT_MAX_KNOTS (1u << 22)

enum mev_lut_kind {
    MEV_LUT_P_LAND = 1, /* raw score -> probability of landing */
    MEV_LUT_EV = 2,     /* claimed expected value -> realised value (lamports) */
};

typedef struct {
    uint32_t kind;
    uint32_t count;
    int64_t created_at_ns;            /* unix time the calibrator wrote it */
    char domain[MEV_LUT_DOMAIN_BYTES + 1]; /* e.g. "p_land/jito-ny", NUL-terminated */
    uint64_t generation;              /* 1 at open, +1 per successful reload */
} mev_lut_info;

typedef struct mev_lut mev_lut;

/* Checks a table held in memory: MEV_OK or MEV_ECORRUPT. */
int mev_lut_check(const void *buf, size_t len);
/* MEV_ENOENT (no file), MEV_EINVAL (not a regular file: a FIFO, device or directory is never
 * read), MEV_ECORRUPT (any check failed, or a p_land value outside [0, 1]), MEV_EOS, MEV_ENOMEM. */
int mev_lut_open(const char *path, mev_lut **out);
/* Replaces the table from `path`; on any error the current table stays in use. Waits for the
 * readers of the replaced table (nanoseconds; a batch's length at most): not for a hot path. */
int mev_lut_reload(mev_lut *l, const char *path);
double mev_lut_eval(const mev_lut *l, double x);
void mev_lut_eval_many(const mev_lut *l, const double *x, double *out, size_t n);
void mev_lut_info_get(const mev_lut *l, mev_lut_info *out);
void mev_lut_close(mev_lut *l);

/* CRC-32 (IEEE 802.3, the one zlib and Python's zlib.crc32 compute). */
uint32_t mev_crc32(const void *buf, size_t len);

#endif
