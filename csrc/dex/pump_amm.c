#include "pump_amm.h"

#include <string.h>

#include "../mev_error.h"
#include "le.h"

typedef unsigned __int128 u128;

static const uint8_t POOL_DISCRIMINATOR[8] = {241, 154, 109, 4, 17, 177, 109, 188};
static const uint8_t GLOBAL_DISCRIMINATOR[8] = {149, 8, 156, 202, 160, 252, 176, 217};
static const uint8_t FEE_CONFIG_DISCRIMINATOR[8] = {143, 52, 146, 187, 219, 123, 76, 155};
static const uint8_t ZERO_KEY[32];

/* a borsh bool: the program refuses anything but 0 and 1 */
static int read_bool(const uint8_t *d, size_t len, size_t at, uint8_t *out)
{
    *out = at < len ? d[at] : 0; /* an older, shorter account lacks the field: false */
    return *out > 1 ? MEV_ELAYOUT : MEV_OK;
}

int mev_pump_pool_decode(const uint8_t *d, size_t len, mev_pump_pool *p)
{
    if (d == NULL || p == NULL)
        return MEV_EINVAL;
    /* the layout's versions: 211 (first), 243 (coin_creator), 244, 245, 261, 270 (now), 300+ (extended) */
    int known = len == 211 || len == 243 || len == 244 || len == 245 || len == 261 || len >= MEV_PUMP_POOL_LEN;
    if (!known || memcmp(d, POOL_DISCRIMINATOR, 8) != 0)
        return MEV_ELAYOUT;
    memset(p, 0, sizeof *p);
    p->pool_bump = d[8];
    p->index = mev_le16(d + 9);
    uint8_t *keys[6] = {p->creator, p->base_mint, p->quote_mint, p->lp_mint, p->pool_base, p->pool_quote};
    for (int i = 0; i < 6; i++)
        memcpy(keys[i], d + 11 + 32 * i, 32);
    p->lp_supply = mev_le64(d + 203);
    if (len >= 243)
        memcpy(p->coin_creator, d + 211, 32);
    if (read_bool(d, len, 243, &p->is_mayhem_mode) || read_bool(d, len, 244, &p->is_cashback_coin) ||
        read_bool(d, len, 269, &p->can_edit_creator_fee))
        return MEV_ELAYOUT;
    if (len >= 261)
        p->virtual_quote_reserves = (__int128)mev_le128(d + 245);
    if (len >= 269)
        p->creator_fee_bps = mev_le64(d + 261);
    return MEV_OK;
}

int mev_pump_global_decode(const uint8_t *d, size_t len, mev_pump_global *g)
{
    if (d == NULL || g == NULL)
        return MEV_EINVAL;
    if (!(len == 907 || len == 940 || len >= MEV_PUMP_GLOBAL_LEN) || memcmp(d, GLOBAL_DISCRIMINATOR, 8) != 0)
        return MEV_ELAYOUT;
    memset(g, 0, sizeof *g);
    memcpy(g->admin, d + 8, 32);
    g->lp_fee_bps = mev_le64(d + 40);
    g->protocol_fee_bps = mev_le64(d + 48);
    g->disable_flags = d[56];
    memcpy(g->protocol_fee_recipients, d + 57, 8 * 32);
    g->coin_creator_fee_bps = mev_le64(d + 313);
    memcpy(g->reserved_fee_recipient, d + 385, 32);
    memcpy(g->reserved_fee_recipients, d + 418, 7 * 32);
    memcpy(g->buyback_fee_recipients, d + 643, 8 * 32);
    g->buyback_bps = mev_le64(d + 899);
    if (len >= MEV_PUMP_GLOBAL_LEN)
        g->max_configurable_creator_fee_bps = mev_le64(d + 941);
    if (read_bool(d, len, 417, &g->mayhem_mode_enabled) || read_bool(d, len, 642, &g->is_cashback_enabled) ||
        read_bool(d, len, 939, &g->boost_enabled) || read_bool(d, len, 940, &g->creator_fee_configurable))
        return MEV_ELAYOUT;
    return MEV_OK;
}

static void read_fees(const uint8_t *d, mev_pump_fees *f)
{
    f->lp = mev_le64(d);
    f->protocol = mev_le64(d + 8);
    f->creator = mev_le64(d + 16);
}

/* a Vec<FeeTier> at `at`: its end, or 0 when it runs past the account or our capacity */
static size_t read_tiers(const uint8_t *d, size_t len, size_t at, mev_pump_tier *tiers, uint32_t *n)
{
    if (at + 4 > len)
        return 0;
    *n = mev_le32(d + at);
    if (*n > MEV_PUMP_MAX_TIERS || at + 4 + (size_t)*n * 40 > len)
        return 0;
    for (uint32_t i = 0; i < *n; i++) {
        const uint8_t *t = d + at + 4 + 40 * (size_t)i;
        tiers[i].threshold = mev_le128(t);
        read_fees(t + 16, &tiers[i].fees);
    }
    return at + 4 + (size_t)*n * 40;
}

int mev_pump_fee_config_decode(const uint8_t *d, size_t len, mev_pump_fee_config *c)
{
    if (d == NULL || c == NULL)
        return MEV_EINVAL;
    if (len < MEV_PUMP_FEE_CONFIG_MIN_LEN || memcmp(d, FEE_CONFIG_DISCRIMINATOR, 8) != 0)
        return MEV_ELAYOUT;
    memset(c, 0, sizeof *c);
    read_fees(d + 41, &c->flat);
    size_t end = read_tiers(d, len, 65, c->tiers, &c->n_tiers);
    if (end == 0)
        return MEV_ELAYOUT;
    if (len >= 4073 && (end = read_tiers(d, len, end, c->stable, &c->n_stable)) == 0) /* stable tiers from here */
        return MEV_ELAYOUT;
    if (len >= 4097) { /* exotic flat fees from here */
        if (end + 24 > len)
            return MEV_ELAYOUT;
        read_fees(d + end, &c->exotic);
    }
    return MEV_OK;
}

/* the effective quote reserve: the vault's balance plus the pool's virtual reserves */
static int effective_quote(uint64_t quote_reserve, __int128 virtual_quote, u128 *out)
{
    __int128 q = (__int128)quote_reserve + virtual_quote;
    if (q <= 0)
        return MEV_EINVAL;
    if ((u128)q > UINT64_MAX)
        return MEV_EOVERFLOW;
    *out = (u128)q;
    return MEV_OK;
}

static int tier_for(const mev_pump_tier *tiers, uint32_t n, u128 market_cap, mev_pump_fees *out)
{
    if (n == 0)
        return MEV_EINVAL; /* pump-fees-math calculate_fee_tier: "Fee tiers cannot be empty" */
    *out = tiers[0].fees;
    for (uint32_t i = n; i-- > 0;)
        if (market_cap >= tiers[i].threshold) {
            *out = tiers[i].fees;
            break;
        }
    return MEV_OK;
}

int mev_pump_fees_for(const mev_pump_global *g, const mev_pump_fee_config *fc, int schedule, const mev_pump_pool *p,
                      uint64_t base_mint_supply, uint64_t base_reserve, uint64_t quote_reserve, mev_pump_fees *out)
{
    if (g == NULL || p == NULL || out == NULL || schedule < MEV_PUMP_FLAT || schedule > MEV_PUMP_EXOTIC)
        return MEV_EINVAL;
    if (fc == NULL) {
        out->lp = g->lp_fee_bps;
        out->protocol = g->protocol_fee_bps;
        out->creator = g->coin_creator_fee_bps;
    } else {
        int rc;
        u128 q;
        if (base_reserve == 0)
            return MEV_EINVAL;
        if ((rc = effective_quote(quote_reserve, p->virtual_quote_reserves, &q)) != MEV_OK)
            return rc;
        u128 supply = p->is_mayhem_mode ? MEV_PUMP_MAYHEM_SUPPLY : base_mint_supply;
        u128 market_cap = q * supply / base_reserve; /* pump-amm Pool::market_cap */
        if (schedule == MEV_PUMP_SOL_TIERS)
            rc = tier_for(fc->tiers, fc->n_tiers, market_cap, out);
        else if (schedule == MEV_PUMP_STABLE_TIERS) /* an account from before stable tiers charges the SOL tiers */
            rc = fc->n_stable ? tier_for(fc->stable, fc->n_stable, market_cap, out)
                              : tier_for(fc->tiers, fc->n_tiers, market_cap, out);
        else if (schedule == MEV_PUMP_EXOTIC && (fc->exotic.lp | fc->exotic.protocol | fc->exotic.creator))
            *out = fc->exotic;
        else
            *out = fc->flat; /* not a pump pool, or the exotic schedule unset (all zero) */
        if (rc != MEV_OK)
            return rc;
        if (g->creator_fee_configurable && p->creator_fee_bps > 0)
            out->creator = p->creator_fee_bps;
    }
    if (memcmp(p->coin_creator, ZERO_KEY, 32) == 0)
        out->creator = 0; /* no coin creator, no creator fee */
    return MEV_OK;
}

static u128 ceil_div(u128 a, u128 b) { return a / b + (a % b != 0); }
static u128 fee_of(u128 amount, uint64_t bps) { return ceil_div(amount * bps, MEV_PUMP_BPS); }

static int fill(mev_pump_quote *q, u128 base, u128 quote, u128 swapped, u128 lp, u128 protocol, u128 creator)
{
    if (base > UINT64_MAX || quote > UINT64_MAX || swapped > UINT64_MAX || lp > UINT64_MAX ||
        protocol > UINT64_MAX || creator > UINT64_MAX)
        return MEV_EOVERFLOW;
    q->base = (uint64_t)base;
    q->quote = (uint64_t)quote;
    q->swapped = (uint64_t)swapped;
    q->lp_fee = (uint64_t)lp;
    q->protocol_fee = (uint64_t)protocol;
    q->creator_fee = (uint64_t)creator;
    return MEV_OK;
}

int mev_pump_quote_trade(int kind, const mev_pump_fees *f, __int128 virtual_quote, uint64_t base_reserve,
                         uint64_t quote_reserve, uint64_t amount, mev_pump_quote *q)
{
    u128 eq, a = amount, lp, protocol, creator;
    int rc;
    if (f == NULL || q == NULL)
        return MEV_EINVAL;
    if (base_reserve == 0 || quote_reserve == 0)
        return MEV_EINVAL;
    if ((rc = effective_quote(quote_reserve, virtual_quote, &eq)) != MEV_OK)
        return rc;
    u128 total_bps = (u128)f->lp + f->protocol + f->creator;
    switch (kind) {
    case MEV_PUMP_BUY_BASE_OUT: { /* buy: ceil(quote reserve × base / (base reserve − base)), fees on top */
        if (a >= base_reserve)
            return MEV_EINVAL;
        u128 in = ceil_div(eq * a, base_reserve - a);
        if (in > UINT64_MAX)
            return MEV_EOVERFLOW;
        lp = fee_of(in, f->lp), protocol = fee_of(in, f->protocol), creator = fee_of(in, f->creator);
        return fill(q, a, in + lp + protocol + creator, in, lp, protocol, creator);
    }
    case MEV_PUMP_BUY_QUOTE_IN: { /* buy_exact_quote_in: the fees come out of the quote spent */
        u128 in = a * MEV_PUMP_BPS / (MEV_PUMP_BPS + total_bps);
        lp = fee_of(in, f->lp), protocol = fee_of(in, f->protocol), creator = fee_of(in, f->creator);
        u128 with_fees = in + lp + protocol + creator;
        if (with_fees > a) {
            if (with_fees - a >= in)
                return MEV_EINVAL;
            in -= with_fees - a;
        }
        /* one unit less reaches the curve, as in the SDK's buyQuoteInput; none buys nothing */
        u128 base = in == 0 ? 0 : (u128)base_reserve * (in - 1) / (eq + in - 1);
        return fill(q, base, a, in, lp, protocol, creator);
    }
    case MEV_PUMP_SELL_BASE_IN: { /* sell: floor(quote reserve × base / (base reserve + base)), fees off it */
        u128 out = eq * a / ((u128)base_reserve + a);
        lp = fee_of(out, f->lp), protocol = fee_of(out, f->protocol), creator = fee_of(out, f->creator);
        if ((u128)quote_reserve < out - (lp < out ? lp : out) || lp + protocol + creator > out)
            return MEV_EINVAL; /* more than the vault holds, or fees past the output */
        return fill(q, a, out - lp - protocol - creator, out, lp, protocol, creator);
    }
    case MEV_PUMP_SELL_QUOTE_OUT: { /* sell for an exact quote: the fees grossed up, then the curve inverted */
        if (a > quote_reserve || total_bps >= MEV_PUMP_BPS)
            return MEV_EINVAL;
        u128 raw = ceil_div(a * MEV_PUMP_BPS, MEV_PUMP_BPS - total_bps);
        if (raw >= eq)
            return MEV_EINVAL;
        u128 base = ceil_div((u128)base_reserve * raw, eq - raw);
        lp = fee_of(raw, f->lp), protocol = fee_of(raw, f->protocol), creator = fee_of(raw, f->creator);
        return fill(q, base, a, raw, lp, protocol, creator);
    }
    default:
        return MEV_EINVAL;
    }
}
