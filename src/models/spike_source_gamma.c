/*
 * SpikeSourceGamma -- gamma renewal spike train in [start, start + duration)
 * (PyNN SpikeSourceGamma; NEST gamma_sup_generator with one process,
 * NEURON GammaStim).
 *
 * Interspike intervals are gamma distributed with shape alpha and rate
 * beta: scale 1000/beta ms, mean alpha/beta s, so the firing rate is
 * beta/alpha Hz and the coefficient of variation 1/sqrt(alpha) (alpha = 1
 * is a Poisson process of rate beta).  alpha need not be an integer.  Times
 * are continuous (NEST's generator works on the grid and takes integer
 * shapes only).
 *
 * The first spike after start: the train is a stationary renewal process
 * from its start.  At start the source is drawn in equilibrium -- its age
 * since a virtual last spike is u L and the first spike comes (1 - u) L
 * later, L being a length-biased interval (gamma of shape alpha + 1) and u
 * uniform (Cox 1962) -- so the expected count in any part of the window is
 * exactly its length times beta/alpha, and the spike train does not depend
 * on when its window began.  This is the state NEST's gamma_sup_generator
 * aims at by spreading its processes evenly over the gamma phases (with a
 * single process it cannot, and starts it in the last phase, which makes
 * the first spike come early), and what NEURON's GammaStim does not (it
 * fires at start, then draws full intervals).
 *
 * When alpha or beta change between runs the process keeps its last spike:
 * the next spike is drawn from the new interval distribution conditioned on
 * the time already elapsed, i.e. the hazard switches and the age goes on
 * (as SpikeSourceInhGamma at a bin boundary).  A start moved to the future
 * begins a new train there.
 *
 * Parameters                           unit           default  rule
 *     alpha     shape                    dimensionless    2     > 0
 *     beta      rate of the distribution Hz               1     in [0, 1e9]; beta/alpha <= 1e9
 *     start     onset                    ms               0     >= 0
 *     duration  length                   ms             1e10    >= 0 (inf allowed)
 * No state variables; internal: the next spike time, the last spike time
 * (virtual before the first spike), whether the train has started, the
 * position in the neuron's random stream (keyed by seed and gid).
 */
#include <math.h>

#include "models/model.h"
#include "models/renewal.h"

enum { ALPHA, BETA, START, DURATION };
enum { NEXT_T, LAST_T, ON, BLOCK };

static const rv__param_desc params[] = {
    {"alpha", "dimensionless", 2.0, RV__POSITIVE},
    {"beta", "Hz", 1.0, RV__RATE},
    {"start", "ms", 0.0, RV__NONNEG},
    {"duration", "ms", 1e10, RV__NONNEG_OR_INF},
};

static int64_t check(const rv__block *p, const char **msg)
{
    for (int64_t i = 0; i < p->n; i++)
        if (p->param[BETA][i] > 1e9 * p->param[ALPHA][i]) {
            *msg = "the firing rate beta/alpha must not exceed 1e9 Hz (beta is in Hz)";
            return i;
        }
    return -1;
}

/* The next spike of neuron i, whose last (possibly virtual) spike was at
 * `last` and which has not fired up to `from`; INFINITY after the window. */
static double next_after(const rv__block *p, int64_t i, rv__stream *s, double from, double last)
{
    double stop = p->param[START][i] + p->param[DURATION][i];
    double theta = 1000.0 / p->param[BETA][i];
    double x = rv__gamma_residual(s, p->param[ALPHA][i], theta, from - last, stop - last);
    double t = rv__after(last + x, from);
    return t < stop ? t : INFINITY;
}

static void resume(const rv__block *p, int64_t step, double dt, uint64_t seed)
{
    double now = step * dt;
    double *next = p->state[NEXT_T], *last = p->state[LAST_T], *on = p->state[ON];
    for (int64_t i = 0; i < p->n; i++) {
        double start = p->param[START][i], beta = p->param[BETA][i];
        next[i] = INFINITY;
        if (beta <= 0.0 || fmax(now, start) >= start + p->param[DURATION][i])
            continue;
        rv__stream s;
        rv__source_stream(&s, p, i, seed, BLOCK);
        if (!on[i] || now <= start) {
            double t0 = fmax(now, start), age;
            double wait = rv__gamma_equilibrium(&s, p->param[ALPHA][i], 1000.0 / beta, &age);
            last[i] = t0 - age;
            on[i] = 1.0;
            double t = rv__after(t0 + wait, t0);
            next[i] = t < start + p->param[DURATION][i] ? t : INFINITY;
        } else {
            next[i] = next_after(p, i, &s, now, last[i]);
        }
        rv__source_stream_save(&s, p, i, BLOCK);
    }
}

static int64_t update(const rv__block *p, const rv__step_ctx *ctx)
{
    return rv__renewal_update(p, ctx, NEXT_T, LAST_T, BLOCK, next_after);
}

const rv__model rv__model_spike_source_gamma = {
    .name = "SpikeSourceGamma",
    .kind = RV_MODEL_SPIKE_SOURCE,
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .n_internal = 4,
    .check = check,
    .resume = resume,
    .update = update,
};
