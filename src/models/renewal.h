/*
 * Shared by the renewal spike sources (SpikeSourcePoissonRefractory,
 * SpikeSourceGamma, SpikeSourceInhGamma): the per-neuron random stream and
 * the gamma-interval machinery.
 *
 * A renewal source keeps, per neuron, the time of its last spike (real or,
 * at the start of a train, virtual) and draws the next one from the
 * interval distribution conditioned on the time already elapsed (the age).
 * That conditional draw is what lets parameters change between runs, and
 * SpikeSourceInhGamma's shape and scale change from one time bin to the
 * next, without losing the process's memory: the hazard switches, the age
 * goes on.
 *
 * Gamma intervals, shape a and scale theta (ms), in units z = x / theta:
 *   hazard   H(z) = z^(a-1) e^(-z) / (Gamma(a) Q(a, z))   (per theta)
 *   Q(a, z)  the regularised upper incomplete gamma function,
 * computed by its series below a + 1 and its continued fraction (modified
 * Lentz) above, as in Numerical Recipes (Press et al., 3rd ed., 6.2).  The
 * hazard increases towards 1 for a >= 1 and decreases towards 1 from +inf
 * for a < 1.  log Gamma is computed here (Stirling's series) rather than by
 * lgamma(), which writes the global signgam and so is not safe in the
 * parallel update().
 */
#ifndef RV_RENEWAL_H
#define RV_RENEWAL_H

#include <math.h>

#include "models/model.h"

/* The random stream of source neuron i, positioned at the block kept in
 * its state variable k_block (0 after creation or reset). */
static inline void rv__source_stream(rv__stream *s, const rv__block *p, int64_t i, uint64_t seed,
                                     int k_block)
{
    rv__stream_init(s, seed, RV__RNG_POISSON, 0, (uint64_t)(p->first_gid + i));
    rv__stream_seek(s, (uint64_t)p->state[k_block][i]);
}

/* Stores the stream's position (the unused words of the current block are
 * dropped, as in SpikeSourcePoisson). */
static inline void rv__source_stream_save(const rv__stream *s, const rv__block *p, int64_t i,
                                          int k_block)
{
    p->state[k_block][i] = (double)rv__stream_tell(s);
}

/* Ends the draws of one event: the next event starts at a fresh block, as
 * after a save, so that a train depends only on its own events and not on
 * how they fall into steps -- the same train for any time step. */
static inline void rv__source_stream_next_event(rv__stream *s)
{
    rv__stream_seek(s, rv__stream_tell(s));
}

/* A time strictly after t when x is not (an interval below the resolution
 * of t would not advance time). */
static inline double rv__after(double x, double t)
{
    return x > t ? x : nextafter(t, INFINITY);
}

/* log Gamma(x), x > 0: shifted above 12, then Stirling's series (relative
 * error below 1e-14). */
static inline double rv__log_gamma(double x)
{
    double shift = 0.0;
    if (x < 12.0) {
        shift = log(x);
        x += 1.0;
        double prod = 1.0;
        while (x < 12.0) {
            prod *= x;
            x += 1.0;
        }
        shift += log(prod);
    }
    double w = 1.0 / (x * x);
    double series =
        (1.0 / 12 - w * (1.0 / 360 - w * (1.0 / 1260 - w * (1.0 / 1680 - w / 1188)))) / x;
    return (x - 0.5) * log(x) - x + 0.9189385332046727418 + series - shift;
}

/* Q(a, z) and the hazard H(z) of a gamma interval (shape a, unit scale),
 * z > 0.  Either output may be NULL. */
static inline void rv__gamma_tail(double a, double z, double *q, double *hazard)
{
    const double eps = 1e-16, tiny = 1e-300;
    const int max_iter = 100000;
    double big_q, h;
    if (z < a + 1.0) {
        /* P = z^a e^-z / Gamma(a) * sum_n z^n / (a (a+1) ... (a+n)) */
        double ap = a, term = 1.0 / a, sum = term;
        for (int n = 0; n < max_iter; n++) {
            ap += 1.0;
            term *= z / ap;
            sum += term;
            if (term < sum * eps)
                break;
        }
        double log_front = a * log(z) - z - rv__log_gamma(a);  /* z^a e^-z / Gamma(a) */
        big_q = 1.0 - sum * exp(log_front);
        if (big_q < 0.0)
            big_q = 0.0;
        h = big_q > 0.0 ? exp(log_front - log(z)) / big_q : INFINITY;  /* density / Q */
    } else {
        /* Q = z^a e^-z / Gamma(a) * f, f a continued fraction; H = 1 / (z f) */
        double b = z + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, f = d;
        for (int n = 1; n < max_iter; n++) {
            double an = -n * (n - a);
            b += 2.0;
            d = an * d + b;
            if (fabs(d) < tiny)
                d = tiny;
            c = b + an / c;
            if (fabs(c) < tiny)
                c = tiny;
            d = 1.0 / d;
            double delta = d * c;
            f *= delta;
            if (fabs(delta - 1.0) < eps)
                break;
        }
        h = 1.0 / (z * f);
        big_q = q ? exp(a * log(z) - z - rv__log_gamma(a)) * f : 0.0;
    }
    if (q)
        *q = big_q;
    if (hazard)
        *hazard = h;
}

/* An interval x of a gamma renewal process (shape a, scale theta ms) whose
 * last spike was `age` ms ago and that has not fired since: a draw of
 * X | X > age, so x > age.  May instead return INFINITY when x would not
 * be below `horizon` (> age), the age at which the caller stops looking.
 *
 * age 0: a plain gamma draw.  While the process is young (Q(a, age/theta)
 * >= 0.2): gamma draws until one exceeds the age (at most 5 on average).
 * Older: thinning (Lewis & Shedler 1979; Devroye 1986, VI.2) of a Poisson
 * process whose rate bounds the hazard from the current age on: 1/theta
 * for a >= 1 (increasing hazard), for a < 1 the hazard at the age of the
 * last candidate (decreasing hazard).  Both are exact. */
static inline double rv__gamma_residual(rv__stream *s, double a, double theta, double age,
                                        double horizon)
{
    if (!(age > 0.0))
        return rv__after(rv__gamma(s, a) * theta, 0.0);
    double z = age / theta, q, h;
    rv__gamma_tail(a, z, &q, &h);
    if (q >= 0.2) {
        double x;
        do
            x = rv__gamma(s, a) * theta;
        while (!(x > age));
        return x;
    }
    double z_end = horizon / theta;
    double bound = a >= 1.0 ? 1.0 : h;
    for (;;) {
        z += rv__exponential(s) / bound;
        if (!(z < z_end))
            return INFINITY;
        rv__gamma_tail(a, z, NULL, &h);
        if (rv__uniform(s) * bound < h)
            return rv__after(z * theta, age);
        if (a < 1.0)
            bound = h;
    }
}

/* The state of a gamma renewal process in equilibrium (Cox 1962, 5.3): its
 * age u L and residual time (1 - u) L, with L a length-biased interval
 * (gamma of shape a + 1) and u uniform.  *age gets the time since the
 * (virtual) last spike and the return value the time to the next one. */
static inline double rv__gamma_equilibrium(rv__stream *s, double a, double theta, double *age)
{
    double len = rv__gamma(s, a + 1.0) * theta, u = rv__uniform(s);
    *age = u * len;
    return (1.0 - u) * len;
}

/* The next spike of source i after time `from`, its previous spike being
 * at `last`, drawn from s. */
typedef double (*rv__next_spike_fn)(const rv__block *p, int64_t i, rv__stream *s, double from,
                                    double last);

/* The update() of a renewal source whose internal state starts with the
 * next spike time, the previous spike time (indices next_t, last_t) and
 * keeps its stream position at `block`: emits every spike due in the step
 * and draws the following ones. */
static inline int64_t rv__renewal_update(const rv__block *p, const rv__step_ctx *ctx, int next_t,
                                         int last_t, int block, rv__next_spike_fn next_after)
{
    double *next = p->state[next_t], *last = p->state[last_t];
    for (int64_t i = ctx->begin; i < ctx->end; i++) {
        if (!(next[i] <= ctx->t_end))
            continue;
        rv__stream s;
        rv__source_stream(&s, p, i, ctx->seed, block);
        while (next[i] <= ctx->t_end) {
            if (rv__fire(ctx->out, i, next[i])) {   /* buffer full: resume here */
                rv__source_stream_save(&s, p, i, block);
                return i;
            }
            last[i] = next[i];
            next[i] = next_after(p, i, &s, last[i], last[i]);
            rv__source_stream_next_event(&s);
        }
        rv__source_stream_save(&s, p, i, block);
    }
    return ctx->end;
}

#endif
