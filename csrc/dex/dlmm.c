#include "dlmm.h"

#include <string.h>

#include "../mev_error.h"
#include "le.h"

typedef mev_u128 u128;
typedef mev_u256 u256;

/* Anchor discriminators: sha256("account:LbPair" / "account:BinArray" /
 * "account:BinArrayBitmapExtension")[:8], as the IDL lists them */
static const uint8_t PAIR_DISC[8] = {33, 11, 49, 98, 181, 101, 177, 13};
static const uint8_t BINS_DISC[8] = {92, 142, 92, 220, 5, 148, 70, 181};
static const uint8_t EXTENSION_DISC[8] = {80, 111, 124, 113, 55, 237, 18, 5};

#define BASIS_POINT_MAX 10000u
#define FEE_PRECISION 1000000000ull
#define MAX_FEE_RATE 100000000ull
#define LIMIT_ORDER_FEE_SHARE 5000u /* the order placers' half of the fee their orders earn */
#define BITMAP_ARRAYS 512           /* bin arrays in the pair's own bitmap each side of 0 */
#define EXTENSION_BITMAPS 12
#define BIN_LEN 144
#define BINS_AT 56
/* a bin's fields from its start */
enum { BIN_AMOUNT_X = 0, BIN_AMOUNT_Y = 8, BIN_PRICE = 16, BIN_OPEN_ORDERS = 112, BIN_PROCESSED_REMAINING = 128,
       BIN_ASK_SIDE = 140 };
#define PAIR_ENABLED 0             /* PairStatus::Enabled */
#define FUNCTION_LIQUIDITY_MINING 1
#define FUNCTION_LIMIT_ORDER 2
#define ACTIVATION_SLOT 0          /* ActivationType::Slot; 1 is Timestamp */

int mev_dlmm_pair_decode(const uint8_t *d, size_t len, mev_dlmm_pair *p)
{
    if (d == NULL || p == NULL)
        return MEV_EINVAL;
    if (len != MEV_DLMM_PAIR_LEN || memcmp(d, PAIR_DISC, 8) != 0)
        return MEV_ELAYOUT;
    memset(p, 0, sizeof *p);
    p->base_factor = mev_le16(d + 8);
    p->filter_period = mev_le16(d + 10);
    p->decay_period = mev_le16(d + 12);
    p->reduction_factor = mev_le16(d + 14);
    p->variable_fee_control = mev_le32(d + 16);
    p->max_volatility_accumulator = mev_le32(d + 20);
    p->min_bin_id = (int32_t)mev_le32(d + 24);
    p->max_bin_id = (int32_t)mev_le32(d + 28);
    p->protocol_share = mev_le16(d + 32);
    p->base_fee_power_factor = d[34];
    p->function_type = d[35];
    p->collect_fee_mode = d[36];
    p->volatility_accumulator = mev_le32(d + 40);
    p->volatility_reference = mev_le32(d + 44);
    p->index_reference = (int32_t)mev_le32(d + 48);
    p->last_update_timestamp = (int64_t)mev_le64(d + 56);
    p->pair_type = d[75];
    p->active_id = (int32_t)mev_le32(d + 76);
    p->bin_step = mev_le16(d + 80);
    p->status = d[82];
    p->activation_type = d[86];
    memcpy(p->mint_x, d + 88, 32);
    memcpy(p->mint_y, d + 120, 32);
    memcpy(p->reserve_x, d + 152, 32);
    memcpy(p->reserve_y, d + 184, 32);
    p->protocol_fee_x = mev_le64(d + 216);
    p->protocol_fee_y = mev_le64(d + 224);
    static const uint8_t zero[32] = {0};
    p->rewards_unset = memcmp(d + 264, zero, 32) == 0 && memcmp(d + 408, zero, 32) == 0;
    memcpy(p->oracle, d + 552, 32);
    for (int i = 0; i < 16; i++)
        p->bin_array_bitmap[i] = mev_le64(d + 584 + 8 * i);
    p->activation_point = mev_le64(d + 816);
    memcpy(p->creator, d + 848, 32);
    p->token_x_program_flag = d[880];
    p->token_y_program_flag = d[881];
    if (p->bin_step == 0 || p->function_type > FUNCTION_LIMIT_ORDER || p->collect_fee_mode > 1)
        return MEV_ELAYOUT; /* enums the program defines no value for */
    return MEV_OK;
}

int mev_dlmm_pair_store(const mev_dlmm_pair *p, uint8_t *d, size_t len)
{
    if (d == NULL || p == NULL)
        return MEV_EINVAL;
    if (len != MEV_DLMM_PAIR_LEN || memcmp(d, PAIR_DISC, 8) != 0)
        return MEV_ELAYOUT;
    mev_put_le(d + 40, p->volatility_accumulator, 4);
    mev_put_le(d + 44, p->volatility_reference, 4);
    mev_put_le(d + 48, (uint32_t)p->index_reference, 4);
    mev_put_le(d + 56, (uint64_t)p->last_update_timestamp, 8);
    mev_put_le(d + 76, (uint32_t)p->active_id, 4);
    mev_put_le(d + 216, p->protocol_fee_x, 8);
    mev_put_le(d + 224, p->protocol_fee_y, 8);
    return MEV_OK;
}

int mev_dlmm_bins_store(const mev_dlmm_bins *b, uint8_t *d, size_t len)
{
    if (d == NULL || b == NULL)
        return MEV_EINVAL;
    if (len != MEV_DLMM_BIN_ARRAY_LEN || memcmp(d, BINS_DISC, 8) != 0)
        return MEV_ELAYOUT;
    for (int i = 0; i < MEV_DLMM_BINS; i++) {
        uint8_t *bin = d + BINS_AT + BIN_LEN * i;
        mev_put_le(bin + BIN_AMOUNT_X, b->amount_x[i], 8);
        mev_put_le(bin + BIN_AMOUNT_Y, b->amount_y[i], 8);
        mev_put_le(bin + BIN_PRICE, b->price[i], 16);
        mev_put_le(bin + BIN_OPEN_ORDERS, b->open_orders[i], 8);
        mev_put_le(bin + BIN_PROCESSED_REMAINING, b->processed_remaining[i], 8);
    }
    return MEV_OK;
}

int mev_dlmm_bins_decode(const uint8_t *d, size_t len, mev_dlmm_bins *b)
{
    if (d == NULL || b == NULL)
        return MEV_EINVAL;
    if (len != MEV_DLMM_BIN_ARRAY_LEN || memcmp(d, BINS_DISC, 8) != 0)
        return MEV_ELAYOUT;
    b->index = (int64_t)mev_le64(d + 8);
    memcpy(b->lb_pair, d + 24, 32);
    for (int i = 0; i < MEV_DLMM_BINS; i++) {
        const uint8_t *bin = d + BINS_AT + BIN_LEN * i;
        b->amount_x[i] = mev_le64(bin + BIN_AMOUNT_X);
        b->amount_y[i] = mev_le64(bin + BIN_AMOUNT_Y);
        b->price[i] = mev_le128(bin + BIN_PRICE);
        b->open_orders[i] = mev_le64(bin + BIN_OPEN_ORDERS);
        b->processed_remaining[i] = mev_le64(bin + BIN_PROCESSED_REMAINING);
        b->ask_side[i] = bin[BIN_ASK_SIDE];
    }
    if (b->index < mev_dlmm_array_index(MEV_DLMM_MIN_BIN_ID) || b->index > mev_dlmm_array_index(MEV_DLMM_MAX_BIN_ID))
        return MEV_ELAYOUT;
    return MEV_OK;
}

int mev_dlmm_bitmap_extension_decode(const uint8_t *d, size_t len, mev_dlmm_bitmap_extension *e)
{
    if (d == NULL || e == NULL)
        return MEV_EINVAL;
    if (len != MEV_DLMM_BITMAP_EXTENSION_LEN || memcmp(d, EXTENSION_DISC, 8) != 0)
        return MEV_ELAYOUT;
    memcpy(e->lb_pair, d + 8, 32);
    for (int b = 0; b < EXTENSION_BITMAPS; b++)
        for (int w = 0; w < 8; w++) {
            e->positive[b][w] = mev_le64(d + 40 + 64 * b + 8 * w);
            e->negative[b][w] = mev_le64(d + 808 + 64 * b + 8 * w);
        }
    return MEV_OK;
}

/* --- prices (math/u64x64_math.rs pow, price_math.rs get_price_from_id) ------------------------- */
static int mul_q64(u128 a, u128 b, u128 *out) /* (a × b) >> 64, failing where a × b passes u128 */
{
    u256 p = mev_mul_128(a, b);
    if (p.hi)
        return 0;
    *out = p.lo >> 64;
    return 1;
}

int mev_dlmm_price_of_bin(int32_t id, uint16_t bin_step, u128 *price)
{
    const u128 one = (u128)1 << 64;
    if (id == 0) {
        *price = one;
        return MEV_OK;
    }
    u128 base = one + ((u128)bin_step << 64) / BASIS_POINT_MAX;
    int invert = id < 0;
    uint32_t exp = id < 0 ? (uint32_t)-(int64_t)id : (uint32_t)id;
    if (exp >= 0x80000)
        return MEV_EOVERFLOW;
    u128 squared = base, result = one;
    if (squared >= result) { /* work with the inverse below 1, and invert back at the end */
        squared = ~(u128)0 / squared;
        invert = !invert;
    }
    for (int bit = 0; bit < 19; bit++) {
        if (bit > 0 && !mul_q64(squared, squared, &squared))
            return MEV_EOVERFLOW;
        if ((exp >> bit) & 1 && !mul_q64(result, squared, &result))
            return MEV_EOVERFLOW;
    }
    if (result == 0)
        return MEV_EOVERFLOW;
    *price = invert ? ~(u128)0 / result : result;
    return MEV_OK;
}

/* --- amounts at a bin (extensions/bin.rs, math/u128x128_math.rs) ------------------------------- */
/* x × y / d rounded down or up, failing past u64 (safe_mul_div_cast into u64) */
static int mul_div_u64(u128 x, u128 y, u128 d, int round_up, uint64_t *out)
{
    u256 q;
    if (mev_mul_div_256(mev_u256_of(x), mev_u256_of(y), mev_u256_of(d), round_up, &q) != MEV_OK ||
        !mev_u256_to_u64(q, out))
        return MEV_EOVERFLOW;
    return MEV_OK;
}

static int amount_out_of(uint64_t in, u128 price, int swap_for_y, uint64_t *out)
{
    const u128 one = (u128)1 << 64;
    return swap_for_y ? mul_div_u64(price, in, one, 0, out) : mul_div_u64(in, one, price, 0, out);
}

static int amount_in_for(uint64_t out, u128 price, int swap_for_y, uint64_t *in)
{
    const u128 one = (u128)1 << 64;
    return swap_for_y ? mul_div_u64(out, one, price, 1, in) : mul_div_u64(out, price, one, 1, in);
}

/* --- fees (extensions/lb_pair.rs) -------------------------------------------------------------- */
typedef struct {
    mev_dlmm_pair p;  /* a working copy: the swap moves active_id and the volatility */
    u128 fee_rate;    /* total fee rate of the current bin, per FEE_PRECISION */
} state;

static int total_fee_rate(state *s)
{
    const mev_dlmm_pair *p = &s->p;
    u128 pow10 = 1;
    for (int i = 0; i < p->base_fee_power_factor; i++)
        pow10 *= 10;
    u128 base = (u128)p->base_factor * p->bin_step * 10 * pow10, variable = 0;
    if (p->variable_fee_control > 0) {
        u128 v = (u128)p->volatility_accumulator * p->bin_step;
        variable = ((u128)p->variable_fee_control * v * v + 99999999999ull) / 100000000000ull;
    }
    u128 total = base + variable;
    s->fee_rate = total < MAX_FEE_RATE ? total : MAX_FEE_RATE;
    return MEV_OK;
}

/* the fee on an amount that includes it, and the fee to add to one that does not */
static uint64_t fee_from_amount(const state *s, uint64_t with_fee)
{
    return (uint64_t)(((u128)with_fee * s->fee_rate + FEE_PRECISION - 1) / FEE_PRECISION);
}

static int fee_for(const state *s, uint64_t without_fee, uint64_t *fee)
{
    u128 d = FEE_PRECISION - s->fee_rate, f = ((u128)without_fee * s->fee_rate + d - 1) / d;
    if (f > UINT64_MAX)
        return MEV_EOVERFLOW;
    *fee = (uint64_t)f;
    return MEV_OK;
}

/* split_fee: the protocol's part; fees earned on limit orders are shared half with their placers */
static int protocol_part(const state *s, uint64_t fee, uint64_t mm_in, uint64_t total_in, uint64_t *protocol)
{
    *protocol = 0;
    if (total_in == 0 || fee == 0)
        return MEV_OK;
    u128 mm_fee = ((u128)fee * mm_in + total_in - 1) / total_in;
    if (mm_fee > fee)
        return MEV_EOVERFLOW;
    uint64_t lo_fee = fee - (uint64_t)mm_fee, placers = (uint64_t)((u128)lo_fee * LIMIT_ORDER_FEE_SHARE / BASIS_POINT_MAX);
    *protocol = (lo_fee - placers) + (uint64_t)(mm_fee * s->p.protocol_share / BASIS_POINT_MAX);
    return MEV_OK;
}

/* --- one bin ----------------------------------------------------------------------------------- */
typedef struct {
    uint64_t mm, processed, open; /* what each layer of the bin can give */
    u128 price;
} bin;

typedef struct {
    uint64_t in, out, fee, protocol_fee, order_out;
    uint64_t mm_in;    /* the input the market makers' layer took (no fee) */
    uint64_t taken[3]; /* the output each layer gave: market makers, processed, open orders */
} fill;

/* calculate_exact_in_fill_amount over the layers in order: market makers, then processed and open
 * limit orders: f's out, mm_in, taken and order_out, and *used of `amount` */
static int fill_exact_in(const bin *b, int swap_for_y, int with_orders, uint64_t amount, uint64_t *used, fill *f)
{
    uint64_t layers[3] = {b->mm, with_orders ? b->processed : 0, with_orders ? b->open : 0};
    uint64_t left = amount;
    f->out = f->mm_in = f->order_out = f->taken[0] = f->taken[1] = f->taken[2] = 0;
    for (int k = 0; k < 3 && left > 0; k++) {
        if (layers[k] == 0)
            continue;
        uint64_t need, got;
        int rc = amount_in_for(layers[k], b->price, swap_for_y, &need);
        if (rc != MEV_OK)
            return rc;
        if (left >= need) {
            got = layers[k];
        } else {
            if ((rc = amount_out_of(left, b->price, swap_for_y, &got)) != MEV_OK)
                return rc;
            need = left;
        }
        left -= need;
        if (__builtin_add_overflow(f->out, got, &f->out))
            return MEV_EOVERFLOW;
        f->taken[k] = got;
        if (k == 0)
            f->mm_in = need;
        else
            f->order_out += got;
        if (k == 0 && !with_orders)
            break;
    }
    *used = amount - left;
    return MEV_OK;
}

/* swap_exact_in_quote_at_bin */
static int exact_in_at_bin(const state *s, const bin *b, uint64_t amount, int swap_for_y, int with_orders,
                           int fee_on_input, fill *f)
{
    uint64_t fee = 0, net_in = amount, used;
    if (fee_on_input) {
        fee = fee_from_amount(s, amount);
        net_in = amount - fee;
    }
    int rc = fill_exact_in(b, swap_for_y, with_orders, net_in, &used, f);
    if (rc != MEV_OK)
        return rc;
    uint64_t out = f->out;
    uint64_t gross_in = amount;
    if (used < net_in) { /* the bin ran out: the fee is on what it took */
        net_in = used;
        if (fee_on_input) {
            if ((rc = fee_for(s, net_in, &fee)) != MEV_OK)
                return rc;
            if (__builtin_add_overflow(net_in, fee, &gross_in))
                return MEV_EOVERFLOW;
        } else {
            gross_in = net_in;
        }
    }
    if (!fee_on_input) {
        fee = fee_from_amount(s, out);
        out -= fee;
    }
    f->in = gross_in;
    f->out = out;
    f->fee = fee;
    return protocol_part(s, fee, f->mm_in, used, &f->protocol_fee);
}

/* swap_exact_out_quote_at_bin */
static int exact_out_at_bin(const state *s, const bin *b, uint64_t amount, int swap_for_y, int with_orders,
                            int fee_on_input, fill *f)
{
    uint64_t gross_out = amount, fee;
    int rc;
    if (!fee_on_input) {
        if ((rc = fee_for(s, amount, &fee)) != MEV_OK || __builtin_add_overflow(amount, fee, &gross_out))
            return MEV_EOVERFLOW;
    }
    uint64_t most = b->mm;
    if (with_orders) { /* saturating, as get_max_amount_out_with_limit_orders */
        most = __builtin_add_overflow(most, b->processed, &most) ? UINT64_MAX : most;
        most = __builtin_add_overflow(most, b->open, &most) ? UINT64_MAX : most;
    }
    if (gross_out >= most) /* take the whole bin */
        return exact_in_at_bin(s, b, UINT64_MAX, swap_for_y, with_orders, fee_on_input, f);
    /* get_excluded_fee_amount_in: each layer's input for its share of the output, rounded up */
    uint64_t layers[3] = {b->mm, b->processed, b->open}, left = gross_out, net_in = 0;
    for (int k = 0; k < 3 && (k == 0 || left > 0); k++) {
        uint64_t take = left < layers[k] ? left : layers[k], need;
        if ((rc = amount_in_for(take, b->price, swap_for_y, &need)) != MEV_OK ||
            __builtin_add_overflow(net_in, need, &net_in))
            return MEV_EOVERFLOW;
        left -= take;
    }
    uint64_t gross_in = net_in;
    if (fee_on_input) {
        if ((rc = fee_for(s, net_in, &fee)) != MEV_OK || __builtin_add_overflow(net_in, fee, &gross_in))
            return MEV_EOVERFLOW;
    }
    if ((rc = exact_in_at_bin(s, b, gross_in, swap_for_y, with_orders, fee_on_input, f)) != MEV_OK)
        return rc;
    if (f->out > amount) { /* rounding beyond one unit goes to the protocol */
        uint64_t delta = f->out - amount;
        if (delta > 1 && __builtin_add_overflow(f->protocol_fee, delta, &f->protocol_fee))
            return MEV_EOVERFLOW;
    }
    f->out = amount;
    return MEV_OK;
}

/* --- bin arrays and their bitmaps (lb_pair.rs, bin_array_bitmap.rs) ----------------------------- */
int64_t mev_dlmm_array_index(int32_t bin_id)
{
    int64_t q = bin_id / MEV_DLMM_BINS;
    return bin_id < 0 && bin_id % MEV_DLMM_BINS ? q - 1 : q;
}

int mev_dlmm_array_initialized(const mev_dlmm_pair *p, const mev_dlmm_bitmap_extension *ext, int64_t index)
{
    if (index >= -BITMAP_ARRAYS && index < BITMAP_ARRAYS) {
        int64_t bit = index + BITMAP_ARRAYS;
        return (int)((p->bin_array_bitmap[bit / 64] >> (bit % 64)) & 1);
    }
    if (ext == NULL || index < -(int64_t)BITMAP_ARRAYS * (EXTENSION_BITMAPS + 1) ||
        index >= (int64_t)BITMAP_ARRAYS * (EXTENSION_BITMAPS + 1))
        return MEV_EINVAL;
    int64_t magnitude = index > 0 ? index : -(index + 1), which = magnitude / BITMAP_ARRAYS - 1,
            bit = magnitude % BITMAP_ARRAYS;
    const uint64_t *words = index > 0 ? ext->positive[which] : ext->negative[which];
    return (int)((words[bit / 64] >> (bit % 64)) & 1);
}

/* The first bin array with liquidity from `index` on (itself included) in the swap's direction:
 * 1 and *found, or 0 when there is none within the bitmaps given. */
static int next_array(const mev_dlmm_pair *p, const mev_dlmm_bitmap_extension *ext, int64_t index, int swap_for_y,
                      int64_t *found)
{
    int64_t lowest = mev_dlmm_array_index(MEV_DLMM_MIN_BIN_ID), highest = mev_dlmm_array_index(MEV_DLMM_MAX_BIN_ID);
    for (; index >= lowest && index <= highest; index += swap_for_y ? -1 : 1) {
        int init = mev_dlmm_array_initialized(p, ext, index);
        if (init < 0)
            return 0; /* past the pair's bitmap without the extension: the quote sees no more */
        if (init) {
            *found = index;
            return 1;
        }
    }
    return 0;
}

/* --- the swap (quote.rs quote_exact_in / quote_exact_out) ---------------------------------------- */
/* A bin's market-maker amounts and orders after a fill (the commit of mev_dlmm_swap_apply) */
static int commit_bin(mev_dlmm_bins *a, int i, const bin *b, const fill *f, int swap_for_y)
{
    uint64_t *to = swap_for_y ? &a->amount_x[i] : &a->amount_y[i], *from = swap_for_y ? &a->amount_y[i] : &a->amount_x[i];
    if (__builtin_add_overflow(*to, f->mm_in, to) || f->taken[0] > *from || f->taken[1] > a->processed_remaining[i] ||
        f->taken[2] > a->open_orders[i])
        return MEV_EOVERFLOW;
    *from -= f->taken[0];
    a->processed_remaining[i] -= f->taken[1];
    a->open_orders[i] -= f->taken[2];
    a->price[i] = b->price; /* get_or_store_bin_price */
    return MEV_OK;
}

static int swap(const mev_dlmm_pair *pair, const mev_dlmm_bitmap_extension *ext, const mev_dlmm_bins *const *arrays,
                size_t n_arrays, uint64_t amount, int swap_for_y, int exact_in, int64_t now, uint64_t slot,
                mev_dlmm_swap *q, mev_dlmm_pair *commit)
{
    if (pair == NULL || q == NULL || (arrays == NULL && n_arrays > 0))
        return MEV_EINVAL;
    memset(q, 0, sizeof *q);
    q->missing_array = MEV_DLMM_NO_ARRAY;
    if (amount == 0 || pair->status != PAIR_ENABLED)
        return MEV_EINVAL;
    /* validate_swap_activation: permissioned (1) and customizable permissionless (3) pairs open
     * at their activation point */
    if (pair->pair_type == 1 || pair->pair_type == 3) {
        uint64_t point = pair->activation_type == ACTIVATION_SLOT ? slot : (uint64_t)now;
        if (point < pair->activation_point)
            return MEV_EINVAL;
    }
    state s = {.p = *pair};
    mev_dlmm_pair *p = &s.p;
    int64_t elapsed; /* update_references */
    if (__builtin_sub_overflow(now, p->last_update_timestamp, &elapsed))
        return MEV_EOVERFLOW;
    if (elapsed >= p->filter_period) {
        p->index_reference = p->active_id;
        p->volatility_reference = elapsed < p->decay_period
            ? (uint32_t)((uint64_t)p->volatility_accumulator * p->reduction_factor / BASIS_POINT_MAX)
            : 0;
    }
    int with_orders = p->function_type == FUNCTION_LIMIT_ORDER ||
                      (p->function_type != FUNCTION_LIQUIDITY_MINING && p->rewards_unset);
    int fee_on_input = p->collect_fee_mode == 0 ? 1 : !swap_for_y; /* InputOnly, or OnlyY */
    q->fee_on_input = (uint8_t)fee_on_input;
    uint64_t left = amount, total = 0;
    while (left > 0) {
        int64_t index;
        if (!next_array(p, ext, mev_dlmm_array_index(p->active_id), swap_for_y, &index))
            return MEV_EINVAL; /* out of liquidity */
        const mev_dlmm_bins *a = NULL;
        for (size_t i = 0; i < n_arrays && a == NULL; i++)
            if (arrays[i] != NULL && arrays[i]->index == index)
                a = arrays[i];
        if (a == NULL) {
            q->missing_array = index;
            return MEV_EINVAL;
        }
        int32_t lower = (int32_t)(index * MEV_DLMM_BINS), upper = lower + MEV_DLMM_BINS - 1;
        if (mev_dlmm_array_index(p->active_id) != index) /* shift_active_bin_if_empty_gap */
            p->active_id = swap_for_y ? upper : lower;
        while (p->active_id >= lower && p->active_id <= upper && left > 0) {
            int i = p->active_id - lower;
            bin b = {swap_for_y ? a->amount_y[i] : a->amount_x[i], 0, 0, a->price[i]};
            if (with_orders && ((swap_for_y && !a->ask_side[i]) || (!swap_for_y && a->ask_side[i]))) {
                b.open = a->open_orders[i];
                b.processed = a->processed_remaining[i];
            }
            uint64_t most = b.mm; /* get_max_amount_out_with_limit_orders, saturating */
            most = __builtin_add_overflow(most, b.processed, &most) ? UINT64_MAX : most;
            most = __builtin_add_overflow(most, b.open, &most) ? UINT64_MAX : most;
            if (most > 0) {
                int rc;
                if (b.price == 0 && (rc = mev_dlmm_price_of_bin(p->active_id, p->bin_step, &b.price)) != MEV_OK)
                    return rc; /* the program stores a bin's price the first time it is used */
                /* update_volatility_accumulator */
                int64_t delta = (int64_t)p->index_reference - p->active_id;
                uint64_t v = (uint64_t)p->volatility_reference + (uint64_t)(delta < 0 ? -delta : delta) * BASIS_POINT_MAX;
                p->volatility_accumulator = (uint32_t)(v < p->max_volatility_accumulator ? v : p->max_volatility_accumulator);
                total_fee_rate(&s);
                fill f;
                rc = exact_in ? exact_in_at_bin(&s, &b, left, swap_for_y, with_orders, fee_on_input, &f)
                              : exact_out_at_bin(&s, &b, left, swap_for_y, with_orders, fee_on_input, &f);
                if (rc != MEV_OK)
                    return rc;
                uint64_t consumed = exact_in ? f.in : f.out, produced = exact_in ? f.out : f.in;
                if (consumed > 0) {
                    if (consumed > left || __builtin_add_overflow(total, produced, &total) ||
                        __builtin_add_overflow(q->fee, f.fee, &q->fee) ||
                        __builtin_add_overflow(q->protocol_fee, f.protocol_fee, &q->protocol_fee))
                        return MEV_EOVERFLOW;
                    left -= consumed;
                    q->limit_order_out += f.order_out;
                    q->bins++;
                    q->active_id = p->active_id;
                    /* one of apply's mutable arrays */
                    if (commit != NULL && (rc = commit_bin((mev_dlmm_bins *)a, i, &b, &f, swap_for_y)) != MEV_OK)
                        return rc;
                }
            }
            if (left > 0) { /* advance_active_bin */
                int32_t next = swap_for_y ? p->active_id - 1 : p->active_id + 1;
                if (next < MEV_DLMM_MIN_BIN_ID || next > MEV_DLMM_MAX_BIN_ID)
                    return MEV_EINVAL;
                p->active_id = next;
            }
        }
    }
    q->amount_in = exact_in ? amount : total;
    q->amount_out = exact_in ? total : amount;
    if (commit != NULL) {
        uint64_t *protocol = fee_on_input == swap_for_y ? &p->protocol_fee_x : &p->protocol_fee_y;
        if (__builtin_add_overflow(*protocol, q->protocol_fee, protocol))
            return MEV_EOVERFLOW;
        p->last_update_timestamp = now;
        *commit = *p;
    }
    return MEV_OK;
}

int mev_dlmm_quote(const mev_dlmm_pair *pair, const mev_dlmm_bitmap_extension *ext, const mev_dlmm_bins *const *arrays,
                   size_t n_arrays, uint64_t amount, int swap_for_y, int exact_in, int64_t now, uint64_t slot,
                   mev_dlmm_swap *q)
{
    return swap(pair, ext, arrays, n_arrays, amount, swap_for_y, exact_in, now, slot, q, NULL);
}

int mev_dlmm_swap_apply(mev_dlmm_pair *pair, const mev_dlmm_bitmap_extension *ext, mev_dlmm_bins *const *arrays,
                        size_t n_arrays, uint64_t amount, int swap_for_y, int exact_in, int64_t now, uint64_t slot,
                        mev_dlmm_swap *q)
{
    return swap(pair, ext, (const mev_dlmm_bins *const *)arrays, n_arrays, amount, swap_for_y, exact_in, now, slot, q,
                pair);
}
