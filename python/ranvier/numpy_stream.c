/*
 * numpy's legacy RandomState streams, in C (see numpy_stream.h for what is
 * reproduced and why).  Every function is a plain sequential loop over one
 * state: exactness comes from doing the very operations numpy does, in the
 * same order, on the same state.
 */
#include "numpy_stream.h"

#include <math.h>
#include <stdlib.h>

/* ---- MT19937 ----------------------------------------------------------------- */

#define MT_M 397
#define MT_MATRIX_A 0x9908b0dfU
#define MT_UPPER 0x80000000U
#define MT_LOWER 0x7fffffffU

static inline uint32_t mt_twist(uint32_t upper_word, uint32_t lower_word, uint32_t far)
{
    uint32_t y = (upper_word & MT_UPPER) | (lower_word & MT_LOWER);
    return far ^ (y >> 1) ^ ((uint32_t)-(int32_t)(y & 1U) & MT_MATRIX_A);
}

/* Regenerates the 624 key words (the generator's recurrence), pos = 0. */
static void mt_generate(nps_state *s)
{
    uint32_t *k = s->key;
    int i = 0;
    for (; i < NPS_KEY_LEN - MT_M; i++)
        k[i] = mt_twist(k[i], k[i + 1], k[i + MT_M]);
    for (; i < NPS_KEY_LEN - 1; i++)
        k[i] = mt_twist(k[i], k[i + 1], k[i + MT_M - NPS_KEY_LEN]);
    k[NPS_KEY_LEN - 1] = mt_twist(k[NPS_KEY_LEN - 1], k[0], k[MT_M - 1]);
    s->pos = 0;
}

static inline uint32_t temper(uint32_t y)
{
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680U;
    y ^= (y << 15) & 0xefc60000U;
    y ^= y >> 18;
    return y;
}

static inline uint32_t next32(nps_state *s)
{
    if (s->pos >= NPS_KEY_LEN)
        mt_generate(s);
    return temper(s->key[s->pos++]);
}

static inline double next_double(nps_state *s)
{
    int32_t a = (int32_t)(next32(s) >> 5), b = (int32_t)(next32(s) >> 6);
    return (a * 67108864.0 + b) / 9007199254740992.0;
}

static inline double gauss(nps_state *s)
{
    if (s->has_gauss) {
        double cached = s->gauss;
        s->has_gauss = 0;
        s->gauss = 0.0;
        return cached;
    }
    double x1, x2, r2;
    do {
        x1 = 2.0 * next_double(s) - 1.0;
        x2 = 2.0 * next_double(s) - 1.0;
        r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1.0 || r2 == 0.0);
    double f = sqrt(-2.0 * log(r2) / r2);
    s->gauss = f * x1;
    s->has_gauss = 1;
    return f * x2;
}

uint32_t nps_next32(nps_state *s) { return next32(s); }
double nps_next_double(nps_state *s) { return next_double(s); }
double nps_gauss(nps_state *s) { return gauss(s); }

void nps_fill32(nps_state *s, int64_t n, uint32_t *out)
{
    for (int64_t i = 0; i < n; i++)
        out[i] = next32(s);
}

void nps_fill_double(nps_state *s, int64_t n, double *out)
{
    for (int64_t i = 0; i < n; i++)
        out[i] = next_double(s);
}

void nps_fill_gauss(nps_state *s, int64_t n, double *out)
{
    for (int64_t i = 0; i < n; i++)
        out[i] = gauss(s);
}

/* ---- bounded integers ----------------------------------------------------------- */

/* numpy's gen_mask: the smallest 2**k - 1 >= max. */
static uint32_t gen_mask(uint32_t max)
{
    uint32_t mask = max;
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    mask |= mask >> 16;
    return mask;
}

/* A value in [0, range] by masked rejection; range 0 draws nothing.  (For
 * range 2**32 - 1 numpy returns the word itself: the mask accepts it.) */
static inline uint32_t bounded(nps_state *s, uint32_t range, uint32_t mask)
{
    if (range == 0)
        return 0;
    uint32_t v;
    while ((v = next32(s) & mask) > range)
        ;
    return v;
}

void nps_randint(nps_state *s, uint64_t high, int64_t n, uint32_t *out)
{
    uint32_t range = (uint32_t)(high - 1), mask = gen_mask(range);
    for (int64_t i = 0; i < n; i++)
        out[i] = bounded(s, range, mask);
}

/* n (a, b) pairs, a[i] then b[i] by bounded() each.  The same words as
 * that loop, without its branches: a rejection (up to half the words) is
 * unpredictable, so each word is written where the next value goes and the
 * count of values advances only when the word is accepted.  Values
 * alternate between a and b, so the count's parity says which. */
void nps_randint_pairs(nps_state *s, uint64_t high_a, uint64_t high_b, int64_t n,
                       uint32_t *a, uint32_t *b)
{
    uint32_t range_a = (uint32_t)(high_a - 1), range_b = (uint32_t)(high_b - 1);
    if (range_a == 0 || range_b == 0) {   /* a range of 0 draws no word */
        uint32_t mask_a = gen_mask(range_a), mask_b = gen_mask(range_b);
        for (int64_t i = 0; i < n; i++) {
            a[i] = bounded(s, range_a, mask_a);
            b[i] = bounded(s, range_b, mask_b);
        }
        return;
    }
    const uint32_t range[2] = {range_a, range_b}, mask[2] = {gen_mask(range_a), gen_mask(range_b)};
    uint32_t *const out[2] = {a, b};
    const uint64_t need = 2 * (uint64_t)n;
    uint64_t got = 0;
    while (got < need) {
        if (s->pos >= NPS_KEY_LEN)
            mt_generate(s);
        int j = s->pos;
        for (; j < NPS_KEY_LEN && got < need; j++) {
            unsigned which = (unsigned)(got & 1);
            uint32_t v = temper(s->key[j]) & mask[which];
            out[which][got >> 1] = v;
            got += v <= range[which];
        }
        s->pos = j;
    }
}

nps_status nps_pairs_by_target(nps_state *s, uint64_t n_pre, uint64_t n_post, int64_t n,
                               uint32_t *pre, uint32_t *post, int64_t *counts)
{
    for (uint64_t t = 0; t < n_post; t++)
        counts[t] = 0;
    if (n == 0)
        return NPS_OK;
    /* sources in draw order (scratch), targets in draw order in post[] */
    uint32_t *sources = malloc((size_t)n * sizeof *sources);
    int64_t *next_slot = malloc((size_t)n_post * sizeof *next_slot);
    if (!sources || !next_slot) {
        free(sources);
        free(next_slot);
        return NPS_NOMEM;
    }
    nps_randint_pairs(s, n_pre, n_post, n, sources, post);
    for (int64_t i = 0; i < n; i++)
        counts[post[i]]++;
    int64_t start = 0;
    for (uint64_t t = 0; t < n_post; t++) {
        next_slot[t] = start;
        start += counts[t];
    }
    /* a counting sort: stable, as each target's slots fill in draw order */
    for (int64_t i = 0; i < n; i++)
        pre[next_slot[post[i]]++] = sources[i];
    free(sources);
    free(next_slot);
    int64_t i = 0;
    for (uint64_t t = 0; t < n_post; t++)
        for (int64_t k = 0; k < counts[t]; k++)
            post[i++] = (uint32_t)t;
    return NPS_OK;
}

/* ---- normal and normal_clipped, column by column -------------------------------------- */

static inline int outside(double x, double low, double high)
{
    /* PyNN: np.where((res > high) | (res < low)); NaN is never redrawn */
    return x > high || x < low;
}

nps_status nps_normal_columns(nps_state *s, double loc, double scale, int clip, double low,
                              double high, int64_t max_redraws, const int64_t *counts,
                              int64_t n_columns, double *out, int64_t *failed_column)
{
    int64_t max_count = 0, first = -1;
    for (int64_t c = 0; c < n_columns; c++) {
        if (counts[c] > 0 && first < 0)
            first = c;
        if (counts[c] > max_count)
            max_count = counts[c];
    }
    if (first < 0)
        return NPS_OK;   /* no draws: numpy is never called */
    if (signbit(scale) && !isnan(scale)) {
        /* numpy rejects the scale at the first call, before drawing */
        *failed_column = first;
        return NPS_SCALE;
    }
    /* positions (within the column) of the values still to redraw */
    int64_t *pending = NULL;
    if (clip) {
        pending = malloc((size_t)max_count * sizeof *pending);
        if (!pending)
            return NPS_NOMEM;
    }
    double *x = out;
    for (int64_t c = 0; c < n_columns; c++) {
        int64_t n = counts[c];
        if (n <= 0)
            continue;
        for (int64_t i = 0; i < n; i++)
            x[i] = loc + scale * gauss(s);
        if (clip) {
            int64_t k = 0;
            for (int64_t i = 0; i < n; i++)
                if (outside(x[i], low, high))
                    pending[k++] = i;
            /* one round: gen(k) values, assigned in index order, the
             * still-outside ones kept for the next round */
            for (int64_t round = 0; k > 0; round++) {
                if (round > max_redraws) {
                    free(pending);
                    *failed_column = c;
                    return NPS_REDRAWS;
                }
                int64_t kept = 0;
                for (int64_t j = 0; j < k; j++) {
                    double v = loc + scale * gauss(s);
                    x[pending[j]] = v;
                    if (outside(v, low, high))
                        pending[kept++] = pending[j];
                }
                k = kept;
            }
        }
        x += n;
    }
    free(pending);
    return NPS_OK;
}
