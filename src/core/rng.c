/*
 * Philox4x32-10 and the distributions built on it (see rng.h).
 *
 * Algorithms: uniform doubles from 53 bits of two words; normals by the
 * Box-Muller transform; gamma by Marsaglia & Tsang (2000) with the
 * shape < 1 boost; Poisson by multiplication for lambda < 10 and by
 * Hoermann's PTRS transformed rejection (1993) above; binomial by
 * counting geometric waiting times for n p < 10 and by Hoermann's BTRS
 * above; von Mises by Best & Fisher (1979).
 */
#include <math.h>
#include <stdio.h>

#include "core/grid.h"
#include "core/rng.h"

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

void rv__philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
    uint32_t k0 = key[0], k1 = key[1];
    for (int round = 0; round < 10; round++) {
        uint64_t p0 = (uint64_t)PHILOX_M0 * c0;
        uint64_t p1 = (uint64_t)PHILOX_M1 * c2;
        uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
        uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
        c0 = hi1 ^ c1 ^ k0;
        c1 = lo1;
        c2 = hi0 ^ c3 ^ k1;
        c3 = lo0;
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
}

/* Eight blocks at a time: the lanes of AVX2 registers hold the four
 * counter words of eight blocks; _mm256_mul_epu32 gives the 64-bit
 * products of the even lanes, a shift brings the odd lanes there. */
#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define RV__HAVE_AVX2_PATH 1

__attribute__((target("avx2"))) static inline void mul_hi_lo(__m256i x, __m256i m, __m256i *hi,
                                                            __m256i *lo)
{
    __m256i even = _mm256_mul_epu32(x, m);
    __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(x, 32), m);
    *lo = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
    *hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
}

__attribute__((target("avx2"))) static void philox_8(const uint32_t *c0, const uint32_t *c1,
                                                     const uint32_t *c2, const uint32_t *c3,
                                                     const uint32_t key[2], uint32_t *o0,
                                                     uint32_t *o1, uint32_t *o2, uint32_t *o3)
{
    __m256i x0 = _mm256_loadu_si256((const __m256i *)c0);
    __m256i x1 = _mm256_loadu_si256((const __m256i *)c1);
    __m256i x2 = _mm256_loadu_si256((const __m256i *)c2);
    __m256i x3 = _mm256_loadu_si256((const __m256i *)c3);
    const __m256i m0 = _mm256_set1_epi32((int)PHILOX_M0), m1 = _mm256_set1_epi32((int)PHILOX_M1);
    uint32_t k0 = key[0], k1 = key[1];
    for (int round = 0; round < 10; round++) {
        __m256i hi0, lo0, hi1, lo1;
        mul_hi_lo(x0, m0, &hi0, &lo0);
        mul_hi_lo(x2, m1, &hi1, &lo1);
        x0 = _mm256_xor_si256(_mm256_xor_si256(hi1, x1), _mm256_set1_epi32((int)k0));
        x1 = lo1;
        x2 = _mm256_xor_si256(_mm256_xor_si256(hi0, x3), _mm256_set1_epi32((int)k1));
        x3 = lo0;
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    _mm256_storeu_si256((__m256i *)o0, x0);
    _mm256_storeu_si256((__m256i *)o1, x1);
    _mm256_storeu_si256((__m256i *)o2, x2);
    _mm256_storeu_si256((__m256i *)o3, x3);
}
#endif

void rv__philox4x32_10_many(int64_t n, const uint32_t *c0, const uint32_t *c1,
                            const uint32_t *c2, const uint32_t *c3, const uint32_t key[2],
                            uint32_t *o0, uint32_t *o1, uint32_t *o2, uint32_t *o3)
{
    int64_t k = 0;
#ifdef RV__HAVE_AVX2_PATH
    if (__builtin_cpu_supports("avx2"))
        for (; k + 8 <= n; k += 8)
            philox_8(c0 + k, c1 + k, c2 + k, c3 + k, key, o0 + k, o1 + k, o2 + k, o3 + k);
#endif
    for (; k < n; k++) {
        uint32_t ctr[4] = {c0[k], c1[k], c2[k], c3[k]}, out[4];
        rv__philox4x32_10(ctr, key, out);
        o0[k] = out[0];
        o1[k] = out[1];
        o2[k] = out[2];
        o3[k] = out[3];
    }
}

/* SplitMix64 finaliser: spreads (seed, purpose, sub) over the key. */
uint64_t rv__hash64(uint64_t z)
{
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void rv__stream_init(rv__stream *s, uint64_t seed, uint32_t purpose,
                     uint64_t sub, uint64_t id)
{
    uint64_t k = rv__hash64(rv__hash64(seed) ^ rv__hash64(((uint64_t)purpose << 56) ^ sub));
    s->key[0] = (uint32_t)k;
    s->key[1] = (uint32_t)(k >> 32);
    s->ctr[0] = 0;
    s->ctr[1] = 0;
    s->ctr[2] = (uint32_t)id;
    s->ctr[3] = (uint32_t)(id >> 32);
    s->pos = 4;
}

void rv__stream_seek(rv__stream *s, uint64_t block)
{
    s->ctr[0] = (uint32_t)block;
    s->ctr[1] = (uint32_t)(block >> 32);
    s->pos = 4;
}

uint64_t rv__stream_tell(const rv__stream *s)
{
    return (uint64_t)s->ctr[0] | ((uint64_t)s->ctr[1] << 32);
}

uint32_t rv__next_u32(rv__stream *s)
{
    if (s->pos == 4) {
        rv__philox4x32_10(s->ctr, s->key, s->buf);
        if (++s->ctr[0] == 0)
            ++s->ctr[1];
        s->pos = 0;
    }
    return s->buf[s->pos++];
}

double rv__uniform(rv__stream *s)
{
    uint32_t a = rv__next_u32(s) >> 5, b = rv__next_u32(s) >> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

double rv__uniform_pos(rv__stream *s)
{
    return 1.0 - rv__uniform(s);
}

uint64_t rv__uniform_below(rv__stream *s, uint64_t n)
{
    if (n <= 1)
        return 0;
    /* Rejection from the largest multiple of n below 2^64 (or 2^32). */
    if (n <= UINT32_MAX) {
        uint32_t limit = (uint32_t)(UINT32_MAX - (UINT32_MAX % n + 1) % n);
        uint32_t r;
        do {
            r = rv__next_u32(s);
        } while (r > limit);
        return r % n;
    }
    uint64_t limit = UINT64_MAX - (UINT64_MAX % n + 1) % n;
    uint64_t r;
    do {
        r = ((uint64_t)rv__next_u32(s) << 32) | rv__next_u32(s);
    } while (r > limit);
    return r % n;
}

double rv__normal(rv__stream *s)
{
    double u1 = rv__uniform_pos(s), u2 = rv__uniform(s);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

double rv__exponential(rv__stream *s)
{
    return -log(rv__uniform_pos(s));
}

double rv__gamma(rv__stream *s, double shape)
{
    if (shape < 1.0) {
        /* Boost: G(a) = G(a + 1) U^(1/a). */
        double g = rv__gamma(s, shape + 1.0);
        return g * pow(rv__uniform_pos(s), 1.0 / shape);
    }
    double d = shape - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x, v;
        do {
            x = rv__normal(s);
            v = 1.0 + c * x;
        } while (v <= 0.0);
        v = v * v * v;
        double u = rv__uniform_pos(s);
        if (u < 1.0 - 0.0331 * x * x * x * x)
            return d * v;
        if (log(u) < 0.5 * x * x + d * (1.0 - v + log(v)))
            return d * v;
    }
}

double rv__poisson(rv__stream *s, double lambda)
{
    if (lambda <= 0.0)
        return 0.0;
    if (lambda < 10.0) {
        double limit = exp(-lambda), prod = rv__uniform(s);
        double k = 0.0;
        while (prod > limit) {
            prod *= rv__uniform(s);
            k += 1.0;
        }
        return k;
    }
    double slam = sqrt(lambda), loglam = log(lambda);
    double b = 0.931 + 2.53 * slam;
    double a = -0.059 + 0.02483 * b;
    double invalpha = 1.1239 + 1.1328 / (b - 3.4);
    double vr = 0.9277 - 3.6224 / (b - 2.0);
    for (;;) {
        double u = rv__uniform(s) - 0.5, v = rv__uniform(s);
        double us = 0.5 - fabs(u);
        double k = floor((2.0 * a / us + b) * u + lambda + 0.43);
        if (us >= 0.07 && v <= vr)
            return k;
        if (k < 0.0 || (us < 0.013 && v > us))
            continue;
        if (log(v) + log(invalpha) - log(a / (us * us) + b)
            <= -lambda + k * loglam - lgamma(k + 1.0))
            return k;
    }
}

/* Binomial by counting geometric waiting times: O(n min(p, 1 - p)). */
static double binomial_small(rv__stream *s, double n, double q)
{
    double log_q = log1p(-q), count = 0.0, used = 0.0;
    for (;;) {
        used += floor(log(rv__uniform_pos(s)) / log_q) + 1.0;
        if (used > n)
            return count;
        count += 1.0;
    }
}

/* Binomial by Hoermann's BTRS transformed rejection (1993), for
 * n q >= 10: a bounded number of draws whatever n. */
static double binomial_btrs(rv__stream *s, double n, double q)
{
    double spq = sqrt(n * q * (1.0 - q));
    double b = 1.15 + 2.53 * spq;
    double a = -0.0873 + 0.0248 * b + 0.01 * q;
    double c = n * q + 0.5;
    double vr = 0.92 - 4.2 / b;
    double alpha = (2.83 + 5.1 / b) * spq;
    double lpq = log(q / (1.0 - q));
    double m = floor((n + 1.0) * q);
    double h = lgamma(m + 1.0) + lgamma(n - m + 1.0);
    for (;;) {
        double u = rv__uniform(s) - 0.5, v = rv__uniform(s);
        double us = 0.5 - fabs(u);
        double k = floor((2.0 * a / us + b) * u + c);
        if (k < 0.0 || k > n)
            continue;
        if (us >= 0.07 && v <= vr)
            return k;
        v = log(v * alpha / (a / (us * us) + b));
        if (v <= h - lgamma(k + 1.0) - lgamma(n - k + 1.0) + (k - m) * lpq)
            return k;
    }
}

double rv__binomial(rv__stream *s, double n, double p)
{
    if (p <= 0.0 || n <= 0.0)
        return 0.0;
    if (p >= 1.0)
        return n;
    int flip = p > 0.5;
    double q = flip ? 1.0 - p : p;
    double count = n * q < 10.0 ? binomial_small(s, n, q) : binomial_btrs(s, n, q);
    return flip ? n - count : count;
}

/* See rv__vonmises. */
#define VONMISES_NORMAL_KAPPA 1e12

double rv__vonmises(rv__stream *s, double mu, double kappa)
{
    if (kappa < 1e-8)
        return M_PI * (2.0 * rv__uniform(s) - 1.0);
    /* Past VONMISES_NORMAL_KAPPA, 4 kappa^2 below overflows (at 1e154) and
       the rejection loop would never accept; the distribution is then a
       normal of sigma 1/sqrt(kappa) to within O(1/kappa). */
    if (kappa > VONMISES_NORMAL_KAPPA) {
        double x = fmod(mu + rv__normal(s) / sqrt(kappa) + M_PI, 2.0 * M_PI);
        return (x < 0.0 ? x + 2.0 * M_PI : x) - M_PI;
    }
    double r = 1.0 + sqrt(1.0 + 4.0 * kappa * kappa);
    double rho = (r - sqrt(2.0 * r)) / (2.0 * kappa);
    double sr = (1.0 + rho * rho) / (2.0 * rho);
    double w;
    for (;;) {
        double u1 = rv__uniform(s);
        double z = cos(M_PI * u1);
        w = (1.0 + sr * z) / (sr + z);
        double y = kappa * (sr - w);
        double u2 = rv__uniform(s);
        if (y * (2.0 - y) - u2 > 0.0 || log(y / u2) + 1.0 - y >= 0.0)
            break;
    }
    double u3 = rv__uniform(s);
    double x = acos(w);
    if (u3 < 0.5)
        x = -x;
    x += mu;
    /* Wrap into [-pi, pi). */
    x = fmod(x + M_PI, 2.0 * M_PI);
    if (x < 0.0)
        x += 2.0 * M_PI;
    return x - M_PI;
}

/* Below this probability of [low, high], a clipped normal whose first draw
 * misses is drawn by inverting its tail function instead of redrawing (20
 * redraws a value on average at the limit; an interval far in the tail
 * would take millions).  Above it the redraw method, and so every stream,
 * is as it always was. */
#define CLIPPED_INVERSION_BELOW 0.05

/* Intervals less probable than this are refused (the tail function
 * underflows not far beyond). */
#define CLIPPED_MIN_PROBABILITY 1e-290

/* Q(z) = P(Z > z) for a standard normal Z. */
static double upper_tail(double z)
{
    return 0.5 * erfc(z * M_SQRT1_2);
}

/* The z with Q(z) = q, 0 < q < 1: Newton's method on log Q(z) - log q,
 * which is concave in z (Q is log-concave), so that the iterates approach
 * the root monotonically after the first; started from the tail's
 * asymptotic inverse. */
static double upper_tail_inverse(double q)
{
    if (q > 0.5)
        return -upper_tail_inverse(1.0 - q);
    double lq = log(q), a = -2.0 * lq, z = 0.0;
    if (a > 1.0 && a - log(a) - log(2.0 * M_PI) > 0.0)
        z = sqrt(a - log(a) - log(2.0 * M_PI));
    for (int it = 0; it < 100; it++) {
        double qz = upper_tail(z), density = exp(-0.5 * z * z) / sqrt(2.0 * M_PI);
        if (!(qz > 0.0) || !(density > 0.0))
            break;
        double dz = (log(qz) - lq) * qz / density;
        z += dz;
        if (!(fabs(dz) > 1e-15 * (1.0 + fabs(z))))
            break;
    }
    return z;
}

/* P(low <= X <= high) for X ~ N(0, 1), with za, zb the standardised bounds,
 * computed in the tail where it is small. */
static double clipped_probability(double za, double zb)
{
    if (za >= 0.0)
        return upper_tail(za) - upper_tail(zb);
    if (zb <= 0.0)
        return upper_tail(-zb) - upper_tail(-za);
    return 1.0 - upper_tail(zb) - upper_tail(-za);
}

/* A clipped normal by inversion: u uniform over [Q(za), Q(zb)] mapped back
 * through the tail function (the far tail's mirror image when the interval
 * is left of the mean), clamped to the bounds against rounding. */
static double clipped_by_inversion(const double *p, double za, double zb, rv__stream *s)
{
    double u = rv__uniform(s), z;
    if (za >= 0.0) {
        double qa = upper_tail(za), qb = upper_tail(zb);
        z = upper_tail_inverse(qa - u * (qa - qb));
    } else {
        double qa = upper_tail(-za), qb = upper_tail(-zb);
        z = -upper_tail_inverse(qa + u * (qb - qa));
    }
    return fmin(fmax(p[0] + p[1] * z, p[2]), p[3]);
}

rv_status rv__dist_check(const rv_param_spec *spec, char *msg, size_t len)
{
    const double *p = spec->p;
    const char *bad = NULL;
    switch (spec->kind) {
    case RV_DIST_CONSTANT:
        if (!isfinite(p[0]))
            bad = "a constant value must be finite";
        break;
    case RV_DIST_UNIFORM:
        if (!isfinite(p[0]) || !isfinite(p[1]) || p[1] < p[0])
            bad = "uniform needs finite low <= high";
        break;
    case RV_DIST_UNIFORM_INT:
        if (!isfinite(p[0]) || !isfinite(p[1]) || p[1] <= p[0] || p[0] != floor(p[0])
            || p[1] != floor(p[1]))
            bad = "uniform_int needs integer low < high";
        else if (fabs(p[0]) > RV__MAX_EXACT_INT || fabs(p[1]) > RV__MAX_EXACT_INT)
            bad = "uniform_int needs |low|, |high| <= 2^53 (integers a double holds exactly)";
        break;
    case RV_DIST_NORMAL:
    case RV_DIST_LOGNORMAL:
        if (!isfinite(p[0]) || !isfinite(p[1]) || p[1] < 0.0)
            bad = "normal/lognormal need finite mu and sigma >= 0";
        break;
    case RV_DIST_NORMAL_CLIPPED:
    case RV_DIST_NORMAL_CLIPPED_TO_BOUNDARY:
        if (!isfinite(p[0]) || !isfinite(p[1]) || p[1] < 0.0 || isnan(p[2]) || isnan(p[3])
            || p[3] < p[2])
            bad = "normal_clipped needs finite mu, sigma >= 0 and low <= high";
        else if (spec->kind == RV_DIST_NORMAL_CLIPPED && p[1] == 0.0
                 && (p[0] < p[2] || p[0] > p[3]))
            bad = "normal_clipped with sigma 0 needs low <= mu <= high";
        else if (spec->kind == RV_DIST_NORMAL_CLIPPED && p[1] > 0.0
                 && !(clipped_probability((p[2] - p[0]) / p[1], (p[3] - p[0]) / p[1])
                      >= CLIPPED_MIN_PROBABILITY))
            bad = "normal_clipped: [low, high] is too far in the tail of N(mu, sigma) "
                  "(probability below 1e-290)";
        break;
    case RV_DIST_EXPONENTIAL:
        if (!isfinite(p[0]) || p[0] <= 0.0)
            bad = "exponential needs beta > 0";
        break;
    case RV_DIST_GAMMA:
        if (!isfinite(p[0]) || !isfinite(p[1]) || p[0] <= 0.0 || p[1] <= 0.0)
            bad = "gamma needs k > 0 and theta > 0";
        break;
    case RV_DIST_POISSON:
        if (!isfinite(p[0]) || p[0] < 0.0)
            bad = "poisson needs lambda >= 0";
        else if (p[0] > RV__MAX_EXACT_INT)
            bad = "poisson needs lambda <= 2^53 (integers a double holds exactly)";
        break;
    case RV_DIST_BINOMIAL:
        if (!isfinite(p[0]) || p[0] < 0.0 || p[0] != floor(p[0]) || !(p[1] >= 0.0 && p[1] <= 1.0))
            bad = "binomial needs integer n >= 0 and 0 <= p <= 1";
        else if (p[0] > RV__MAX_EXACT_INT)
            bad = "binomial needs n <= 2^53 (integers a double holds exactly)";
        break;
    case RV_DIST_VONMISES:
        if (!isfinite(p[0]) || !isfinite(p[1]) || p[1] < 0.0)
            bad = "vonmises needs finite mu and kappa >= 0";
        break;
    case RV_DIST_MATRIX:
        if (!spec->matrix)
            bad = "a matrix parameter needs its values";
        break;
    default:
        bad = "unknown distribution kind";
    }
    if (bad) {
        snprintf(msg, len, "parameter '%s': %s", spec->name ? spec->name : "?", bad);
        return RV_ERR_VALUE;
    }
    return RV_OK;
}

/* Redraws of a clipped normal before the kernel gives up and clamps; with
 * the acceptance region checked in rv__dist_check this is never reached
 * for any sensible parameters, and it keeps the loop bounded. */
#define MAX_CLIPPED_REDRAWS 100000

double rv__dist_draw(const rv_param_spec *spec, rv__stream *s)
{
    const double *p = spec->p;
    switch (spec->kind) {
    case RV_DIST_CONSTANT:
        return p[0];
    case RV_DIST_UNIFORM:
        return p[0] + (p[1] - p[0]) * rv__uniform(s);
    case RV_DIST_UNIFORM_INT:
        return p[0] + (double)rv__uniform_below(s, (uint64_t)(p[1] - p[0]));
    case RV_DIST_NORMAL:
        return p[0] + p[1] * rv__normal(s);
    case RV_DIST_NORMAL_CLIPPED:
        for (int i = 0; i < MAX_CLIPPED_REDRAWS; i++) {
            double x = p[0] + p[1] * rv__normal(s);
            if (x >= p[2] && x <= p[3])
                return x;
            /* after the first miss only (the probability costs two erfc,
               and most draws hit at once): an improbable interval is
               drawn by inversion from here on */
            if (i == 0 && p[1] > 0.0) {
                double za = (p[2] - p[0]) / p[1], zb = (p[3] - p[0]) / p[1];
                if (clipped_probability(za, zb) < CLIPPED_INVERSION_BELOW)
                    return clipped_by_inversion(p, za, zb, s);
            }
        }
        return fmin(fmax(p[0], p[2]), p[3]);
    case RV_DIST_NORMAL_CLIPPED_TO_BOUNDARY: {
        double x = p[0] + p[1] * rv__normal(s);
        return fmin(fmax(x, p[2]), p[3]);
    }
    case RV_DIST_EXPONENTIAL:
        return p[0] * rv__exponential(s);
    case RV_DIST_LOGNORMAL:
        return exp(p[0] + p[1] * rv__normal(s));
    case RV_DIST_GAMMA:
        return p[1] * rv__gamma(s, p[0]);
    case RV_DIST_POISSON:
        return rv__poisson(s, p[0]);
    case RV_DIST_BINOMIAL:
        return rv__binomial(s, p[0], p[1]);
    case RV_DIST_VONMISES:
        return rv__vonmises(s, p[0], p[1]);
    default:
        return NAN;
    }
}
