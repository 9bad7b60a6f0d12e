#include "wide.h"

#include <string.h>

#include "../mev_error.h"

typedef mev_u128 u128;

int mev_wide_divmod(const uint64_t *u, size_t m, const uint64_t *v, size_t n, uint64_t *q, uint64_t *r)
{
    if (m > 8 || n > 4)
        return MEV_EINVAL;
    size_t nv = n;
    while (nv > 0 && v[nv - 1] == 0)
        nv--;
    if (nv == 0)
        return MEV_EINVAL;
    memset(q, 0, m * sizeof *q);
    memset(r, 0, n * sizeof *r);
    size_t mu = m;
    while (mu > 0 && u[mu - 1] == 0)
        mu--;
    if (mu < nv) {
        memcpy(r, u, mu * sizeof *u);
        return MEV_OK;
    }
    if (nv == 1) { /* one limb: schoolbook with a 128-bit remainder */
        u128 rem = 0;
        for (size_t i = mu; i-- > 0;) {
            u128 cur = (rem << 64) | u[i];
            q[i] = (uint64_t)(cur / v[0]);
            rem = cur % v[0];
        }
        r[0] = (uint64_t)rem;
        return MEV_OK;
    }
    /* normalise so the divisor's top limb has its top bit set; the quotient digit estimate is
     * then at most 2 too large */
    unsigned s = (unsigned)__builtin_clzll(v[nv - 1]);
    uint64_t vn[4], un[9];
    for (size_t i = nv - 1; i > 0; i--)
        vn[i] = (v[i] << s) | (s ? v[i - 1] >> (64 - s) : 0);
    vn[0] = v[0] << s;
    un[mu] = s ? u[mu - 1] >> (64 - s) : 0;
    for (size_t i = mu - 1; i > 0; i--)
        un[i] = (u[i] << s) | (s ? u[i - 1] >> (64 - s) : 0);
    un[0] = u[0] << s;

    for (size_t j = mu - nv + 1; j-- > 0;) {
        u128 top = ((u128)un[j + nv] << 64) | un[j + nv - 1];
        u128 qhat = top / vn[nv - 1], rhat = top % vn[nv - 1];
        while ((qhat >> 64) || qhat * vn[nv - 2] > ((rhat << 64) | un[j + nv - 2])) {
            qhat--;
            rhat += vn[nv - 1];
            if (rhat >> 64)
                break;
        }
        /* un[j .. j+nv] -= qhat × vn */
        __int128 borrow = 0, t;
        for (size_t i = 0; i < nv; i++) {
            u128 p = qhat * vn[i];
            t = (__int128)un[i + j] - borrow - (__int128)(uint64_t)p;
            un[i + j] = (uint64_t)t;
            borrow = (__int128)(p >> 64) - (t >> 64);
        }
        t = (__int128)un[j + nv] - borrow;
        un[j + nv] = (uint64_t)t;
        if (t < 0) { /* the estimate was one too large: add the divisor back */
            qhat--;
            u128 carry = 0;
            for (size_t i = 0; i < nv; i++) {
                u128 sum = (u128)un[i + j] + vn[i] + carry;
                un[i + j] = (uint64_t)sum;
                carry = sum >> 64;
            }
            un[j + nv] += (uint64_t)carry;
        }
        q[j] = (uint64_t)qhat;
    }
    for (size_t i = 0; i < nv; i++)
        r[i] = (un[i] >> s) | (s ? un[i + 1] << (64 - s) : 0);
    return MEV_OK;
}

static void limbs_of(mev_u256 a, uint64_t *l)
{
    l[0] = (uint64_t)a.lo;
    l[1] = (uint64_t)(a.lo >> 64);
    l[2] = (uint64_t)a.hi;
    l[3] = (uint64_t)(a.hi >> 64);
}

static mev_u256 of_limbs(const uint64_t *l)
{
    mev_u256 a = {((u128)l[3] << 64) | l[2], ((u128)l[1] << 64) | l[0]};
    return a;
}

void mev_divmod_256(mev_u256 n, mev_u256 d, mev_u256 *q, mev_u256 *r)
{
    uint64_t nl[4], dl[4], ql[4], rl[4];
    limbs_of(n, nl);
    limbs_of(d, dl);
    mev_wide_divmod(nl, 4, dl, 4, ql, rl);
    *q = of_limbs(ql);
    *r = of_limbs(rl);
}

int mev_mul_div_256(mev_u256 a, mev_u256 b, mev_u256 d, int round_up, mev_u256 *out)
{
    if (mev_is_zero_256(d))
        return MEV_EINVAL;
    uint64_t al[4], bl[4], dl[4], p[8] = {0}, ql[8], rl[4];
    limbs_of(a, al);
    limbs_of(b, bl);
    limbs_of(d, dl);
    for (int i = 0; i < 4; i++) {
        u128 carry = 0;
        for (int j = 0; j < 4; j++) {
            u128 cur = (u128)al[i] * bl[j] + p[i + j] + carry;
            p[i + j] = (uint64_t)cur;
            carry = cur >> 64;
        }
        p[i + 4] = (uint64_t)carry;
    }
    mev_wide_divmod(p, 8, dl, 4, ql, rl);
    if (ql[4] | ql[5] | ql[6] | ql[7])
        return MEV_EOVERFLOW;
    mev_u256 qv = of_limbs(ql);
    if (round_up && (rl[0] | rl[1] | rl[2] | rl[3])) {
        if (qv.hi == ~(u128)0 && qv.lo == ~(u128)0)
            return MEV_EOVERFLOW;
        qv = mev_add_256(qv, mev_u256_of(1));
    }
    *out = qv;
    return MEV_OK;
}
