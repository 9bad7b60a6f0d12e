/* Limb division (Knuth D): equal to shift-and-subtract division on random 256-bit operands of every
 * width, and q × v + r = u with r < v on random 512-by-256-bit divisions (including divisors whose
 * top limb is small, where the quotient-digit estimate needs correcting); mul_div's rounding and
 * overflow at the 256-bit edge. */
#include <stdint.h>
#include <string.h>

#include "../dex/wide.h"
#include "../mev_error.h"
#include "check.h"

typedef mev_u128 u128;

static void bitwise_divmod(mev_u256 n, mev_u256 d, mev_u256 *q, mev_u256 *r)
{
    mev_u256 quotient = {0, 0};
    unsigned nb = mev_bits_256(n), db = mev_bits_256(d);
    if (nb >= db) {
        unsigned shift = nb - db;
        mev_u256 ds = mev_shl_256(d, shift);
        for (unsigned i = 0; i <= shift; i++) {
            quotient = mev_shl_256(quotient, 1);
            if (mev_cmp_256(n, ds) >= 0) {
                n = mev_sub_256(n, ds);
                quotient.lo |= 1;
            }
            ds = mev_shr_256(ds, 1);
        }
    }
    *q = quotient;
    *r = n;
}

/* a random value of `bits` bits (its top bit set), patterns of all-ones and all-zeros limbs mixed in */
static mev_u256 random_256(unsigned *state, unsigned bits)
{
    uint64_t l[4];
    for (int i = 0; i < 4; i++) {
        uint64_t x = check_rand64(state);
        unsigned kind = (unsigned)(x & 7);
        l[i] = kind == 0 ? 0 : kind == 1 ? UINT64_MAX : check_rand64(state);
    }
    mev_u256 v = {((u128)l[3] << 64) | l[2], ((u128)l[1] << 64) | l[0]};
    if (bits == 0)
        return mev_u256_of(0);
    if (bits < 256)
        v = mev_shr_256(v, 256 - bits);
    if (bits <= 128)
        v.lo |= (u128)1 << (bits - 1);
    else
        v.hi |= (u128)1 << (bits - 129);
    return v;
}

int main(void)
{
    unsigned state = 77;
    int mismatch = 0;
    for (int i = 0; i < 200000; i++) {
        unsigned nb = (unsigned)(check_rand64(&state) % 257), db = 1 + (unsigned)(check_rand64(&state) % 256);
        mev_u256 n = random_256(&state, nb), d = random_256(&state, db), q1, r1, q2, r2;
        bitwise_divmod(n, d, &q1, &r1);
        mev_divmod_256(n, d, &q2, &r2);
        mismatch += mev_cmp_256(q1, q2) != 0 || mev_cmp_256(r1, r2) != 0;
    }
    CHECK(mismatch == 0);

    /* 512 / 256: check q × v + r = u and r < v, limb by limb */
    int bad = 0;
    for (int i = 0; i < 100000; i++) {
        uint64_t u[8], v[4], q[8], r[4];
        for (int k = 0; k < 8; k++)
            u[k] = check_rand64(&state) >> (check_rand64(&state) % 64);
        size_t n = 1 + (size_t)(check_rand64(&state) % 4);
        for (size_t k = 0; k < 4; k++)
            v[k] = k < n ? check_rand64(&state) >> (check_rand64(&state) % 64) : 0;
        if (v[n - 1] == 0)
            v[n - 1] = 1;
        CHECK_EQ_INT(mev_wide_divmod(u, 8, v, 4, q, r), MEV_OK);
        uint64_t back[9] = {0};
        for (int a = 0; a < 8; a++) { /* q × v */
            u128 carry = 0;
            for (size_t b = 0; b < 4 && a + b < 9; b++) {
                u128 cur = (u128)q[a] * v[b] + back[a + b] + carry;
                back[a + b] = (uint64_t)cur;
                carry = cur >> 64;
            }
            for (size_t k = (size_t)a + 4; carry && k < 9; k++) {
                u128 cur = (u128)back[k] + carry;
                back[k] = (uint64_t)cur;
                carry = cur >> 64;
            }
        }
        u128 carry = 0; /* + r */
        for (int k = 0; k < 9; k++) {
            u128 cur = (u128)back[k] + (k < 4 ? r[k] : 0) + carry;
            back[k] = (uint64_t)cur;
            carry = cur >> 64;
        }
        bad += memcmp(back, u, sizeof u) != 0 || back[8] != 0;
        int less = 0; /* r < v */
        for (int k = 3; k >= 0; k--)
            if (r[k] != v[k]) {
                less = r[k] < v[k];
                break;
            }
        bad += !less;
    }
    CHECK(bad == 0);

    uint64_t u1[2] = {5, 0}, zero[1] = {0}, q1[2], r1[1];
    CHECK_EQ_INT(mev_wide_divmod(u1, 2, zero, 1, q1, r1), MEV_EINVAL);

    mev_u256 out, max = {~(u128)0, ~(u128)0}, two = mev_u256_of(2), three = mev_u256_of(3);
    CHECK_EQ_INT(mev_mul_div_256(max, two, two, 0, &out), MEV_OK); /* the product passes 256 bits */
    CHECK(mev_cmp_256(out, max) == 0);
    CHECK_EQ_INT(mev_mul_div_256(max, three, two, 0, &out), MEV_EOVERFLOW);
    CHECK_EQ_INT(mev_mul_div_256(mev_u256_of(7), mev_u256_of(1), three, 0, &out), MEV_OK);
    CHECK(out.lo == 2);
    CHECK_EQ_INT(mev_mul_div_256(mev_u256_of(7), mev_u256_of(1), three, 1, &out), MEV_OK);
    CHECK(out.lo == 3);
    CHECK_EQ_INT(mev_mul_div_256(max, mev_u256_of(1), mev_u256_of(1), 1, &out), MEV_OK);
    CHECK_EQ_INT(mev_mul_div_256(max, three, three, 1, &out), MEV_OK);
    CHECK_EQ_INT(mev_mul_div_256(mev_u256_of(1), mev_u256_of(1), mev_u256_of(0), 0, &out), MEV_EINVAL);
    return check_report("test_wide");
}
