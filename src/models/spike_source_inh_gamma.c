/*
 * SpikeSourceInhGamma -- inhomogeneous gamma renewal spike train in
 * [start, start + duration) (PyNN SpikeSourceInhGamma; NEST 2's
 * inh_gamma_generator; Muller et al. 2007, Neural Computation 19:2958).
 *
 * The shape a and the scale b of the gamma interval distribution are
 * piecewise constant in time: a[k], b[k] hold in the bin
 * [tbins[k], tbins[k+1]), the last bin lasting for ever.  b is in seconds
 * (GSL's and Matlab's scale), so in bin k the mean interval is a[k] b[k] s
 * and the firing rate 1/(a[k] b[k]) Hz.  The process is defined by its
 * hazard: at time t, h(t - t_last) of the gamma distribution of the bin
 * that contains t, t_last being the last spike.  At a bin boundary the
 * hazard switches and the age goes on, so the train is a renewal process
 * within a bin and relaxes to the new rate over a few intervals after a
 * change.  Before tbins[0] the hazard is 0 (no spikes); with empty lists
 * the source is silent.
 *
 * Generation is exact, in continuous time: after a spike the next one is a
 * plain gamma draw; if it falls beyond the bin, the search goes on from the
 * bin's end with the next bin's distribution conditioned on the age, by
 * rejection while the age is small and by thinning beyond (NEST's method,
 * with a bound that holds for every shape, including a < 1 where the hazard
 * is unbounded at 0; models/renewal.h).  NEST thins every candidate with
 * one dominating rate max(1/b) and a finite-difference hazard.
 *
 * The train starts in equilibrium at max(start, tbins[0]) (or, for a
 * source made or (re)started later, at the current time), with the
 * distribution in force then, as SpikeSourceGamma does: NEST starts it
 * with a virtual spike at 0.  When the lists, start or duration change
 * between runs the process keeps its last spike, as at a bin boundary; a
 * start moved to the future begins a new train there.
 *
 * Parameters                          unit           default        rule
 *     a         shape per bin           dimensionless  Sequence([1])  each > 0
 *     b         scale per bin           s              Sequence([1])  each > 0
 *     tbins     bin starts              ms             Sequence([0])  each >= 0, not decreasing
 *     start     onset                   ms             0              >= 0
 *     duration  length                  ms             1e10           >= 0 (inf allowed)
 * a, b and tbins are array parameters (rv_pop_set_array_param): one list
 * per neuron, all three of the same length (checked when a run prepares,
 * with 1/b and 1/(a b) at most 1e9 Hz).  No state variables; internal: the
 * next spike time, the last spike time, whether the train has started, the
 * current bin, the position in the neuron's random stream (keyed by seed
 * and gid).
 */
#include <math.h>

#include "models/model.h"
#include "models/renewal.h"

enum { START, DURATION };
enum { A, B, TBINS };
enum { NEXT_T, LAST_T, ON, BIN, BLOCK };

static const rv__param_desc params[] = {
    {"start", "ms", 0.0, RV__NONNEG},
    {"duration", "ms", 1e10, RV__NONNEG_OR_INF},
};

static const double one = 1.0, zero = 0.0;

static const rv__array_desc arrays[] = {
    {"a", "dimensionless", RV__POSITIVE, 0, &one, 1},
    {"b", "s", RV__POSITIVE, 0, &one, 1},
    {"tbins", "ms", RV__NONNEG, 1, &zero, 1},
};

/* The bins of one neuron. */
typedef struct bins {
    const double *a, *b, *t;
    int64_t n;
} bins;

static bins bins_of(const rv__block *p, int64_t i)
{
    const rv__lists *l = p->arrays;
    return (bins){l[A].val + l[A].off[i], l[B].val + l[B].off[i], l[TBINS].val + l[TBINS].off[i],
                  l[TBINS].off[i + 1] - l[TBINS].off[i]};
}

static int64_t check(const rv__block *p, const char **msg)
{
    const rv__lists *l = p->arrays;
    for (int64_t i = 0; i < p->n; i++) {
        int64_t n = l[TBINS].off[i + 1] - l[TBINS].off[i];
        if (l[A].off[i + 1] - l[A].off[i] != n || l[B].off[i + 1] - l[B].off[i] != n) {
            *msg = "a, b and tbins must have the same length (one a and one b per time bin)";
            return i;
        }
        bins g = bins_of(p, i);
        for (int64_t k = 0; k < n; k++)
            if (g.b[k] < 1e-9 || g.a[k] * g.b[k] < 1e-9) {
                *msg = "b (s) and a * b must be at least 1e-9 s: rates above 1e9 Hz";
                return i;
            }
    }
    return -1;
}

/* The bin that holds time t (t >= g->t[0]), searching up from *bin. */
static int64_t bin_at(const bins *g, double t, double *bin)
{
    int64_t k = (int64_t)*bin;
    while (k + 1 < g->n && g->t[k + 1] <= t)
        k++;
    *bin = (double)k;
    return k;
}

/* The next spike of neuron i after `from`, its last (possibly virtual)
 * spike being at `last`; INFINITY if none before the end of its window. */
static double search(const rv__block *p, int64_t i, rv__stream *s, double from, double last)
{
    bins g = bins_of(p, i);
    double stop = p->param[START][i] + p->param[DURATION][i];
    double t = g.n > 0 ? fmax(from, g.t[0]) : INFINITY;
    while (t < stop) {
        int64_t k = bin_at(&g, t, &p->state[BIN][i]);
        double end = fmin(k + 1 < g.n ? g.t[k + 1] : INFINITY, stop);
        double x = rv__gamma_residual(s, g.a[k], 1000.0 * g.b[k], t - last, end - last);
        if (x < end - last) {
            double spike = rv__after(last + x, t);
            if (spike < end)
                return spike;
        }
        t = end;
    }
    return INFINITY;
}

static void resume(const rv__block *p, int64_t step, double dt, uint64_t seed)
{
    double now = step * dt;
    double *next = p->state[NEXT_T], *last = p->state[LAST_T], *on = p->state[ON];
    for (int64_t i = 0; i < p->n; i++) {
        bins g = bins_of(p, i);
        double start = p->param[START][i], stop = start + p->param[DURATION][i];
        next[i] = INFINITY;
        p->state[BIN][i] = 0.0;
        double t0 = g.n > 0 ? fmax(fmax(now, start), g.t[0]) : INFINITY;
        if (!(t0 < stop))
            continue;
        rv__stream s;
        rv__source_stream(&s, p, i, seed, BLOCK);
        if (!on[i] || now <= start) {
            /* a new train at t0, in equilibrium with the bin in force */
            int64_t k = bin_at(&g, t0, &p->state[BIN][i]);
            double age, wait = rv__gamma_equilibrium(&s, g.a[k], 1000.0 * g.b[k], &age);
            last[i] = t0 - age;
            on[i] = 1.0;
            double end = fmin(k + 1 < g.n ? g.t[k + 1] : INFINITY, stop);
            double spike = rv__after(t0 + wait, t0);
            next[i] = spike < end ? spike : search(p, i, &s, end, last[i]);
        } else {
            next[i] = search(p, i, &s, now, last[i]);
        }
        rv__source_stream_save(&s, p, i, BLOCK);
    }
}

static int64_t update(const rv__block *p, const rv__step_ctx *ctx)
{
    return rv__renewal_update(p, ctx, NEXT_T, LAST_T, BLOCK, search);
}

const rv__model rv__model_spike_source_inh_gamma = {
    .name = "SpikeSourceInhGamma",
    .kind = RV_MODEL_SPIKE_SOURCE,
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .n_internal = 5,
    .arrays = arrays,
    .n_arrays = sizeof arrays / sizeof arrays[0],
    .check = check,
    .resume = resume,
    .update = update,
};
