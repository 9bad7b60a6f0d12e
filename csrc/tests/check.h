/* A minimal assertion harness for the C tests: each binary prints "N passed, N failed". */
#ifndef MEV_CHECK_H
#define MEV_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_passed, check_failed;

/* The C tests' random inputs: a seeded LCG, so a run repeats; each value's magnitude is spread over
 * the whole u64 range by a random shift. */
static inline uint64_t check_rand64(unsigned *state)
{
    *state = *state * 1103515245u + 12345u;
    uint64_t hi = *state;
    *state = *state * 1103515245u + 12345u;
    return (hi << 32 | *state) >> (*state % 64);
}

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (cond) {                                                                  \
            check_passed++;                                                          \
        } else {                                                                     \
            check_failed++;                                                          \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                            \
    } while (0)

#define CHECK_EQ_INT(a, b) CHECK((long long)(a) == (long long)(b))

static inline int check_report(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, check_passed, check_failed);
    return check_failed ? 1 : 0;
}

static inline void hex_decode(const char *hex, unsigned char *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (unsigned char)v;
    }
}

#endif
