/*
 * SpikeSourcePoissonRefractory -- Poisson spike train with a dead time in
 * [start, start + duration) (PyNN SpikeSourcePoissonRefractory; NEST
 * ppd_sup_generator with one process).
 *
 * Interspike intervals are tau_refrac plus an exponential interval of mean
 * 1000/rate - tau_refrac ms, so the mean rate is `rate` whatever the dead
 * time (PyNN's definition, as in its NEURON mechanism PoissonStimRefractory).
 * rate * tau_refrac = 1000 leaves no random part: a regular train of period
 * tau_refrac.  rate * tau_refrac > 1000 would need a negative mean and is
 * refused when a run prepares (NEST refuses it too).  tau_refrac = 0 is
 * SpikeSourcePoisson.  Times are continuous; several spikes may share a
 * step.
 *
 * The train is stationary from its start: the first spike after start is
 * drawn from the process in equilibrium (with probability
 * rate * tau_refrac / 1000 the source is found inside a dead time, at a
 * uniform point of it), so the expected count in any part of the window is
 * rate times its length.  Starting from a spike at `start` instead (NEURON)
 * or from the end of a dead time would bias the first interval.
 *
 * When rate or tau_refrac change between runs the process keeps its last
 * spike: the next one is max(now, last + tau_refrac) plus an exponential of
 * the new mean.  A start moved to the future starts a new train there.
 *
 * Parameters                        unit  default  rule
 *     rate        mean firing rate    Hz      1     in [0, 1e9]
 *     tau_refrac  dead time           ms      0     >= 0, rate * tau_refrac <= 1000
 *     start       onset               ms      0     >= 0
 *     duration    length              ms    1e10    >= 0 (inf allowed)
 * No state variables; internal: the next spike time, the last spike time,
 * whether the train has started, the position in the neuron's random stream
 * (keyed by seed and gid).
 */
#include <math.h>

#include "models/model.h"
#include "models/renewal.h"

enum { RATE, TAU_REFRAC, START, DURATION };
enum { NEXT_T, LAST_T, ON, BLOCK };

static const rv__param_desc params[] = {
    {"rate", "Hz", 1.0, RV__RATE},
    {"tau_refrac", "ms", 0.0, RV__NONNEG},
    {"start", "ms", 0.0, RV__NONNEG},
    {"duration", "ms", 1e10, RV__NONNEG_OR_INF},
};

static int64_t check(const rv__block *p, const char **msg)
{
    const double *rate = p->param[RATE], *tau = p->param[TAU_REFRAC];
    for (int64_t i = 0; i < p->n; i++)
        if (rate[i] * tau[i] > 1000.0) {
            *msg = "tau_refrac (ms) must not exceed the mean interval 1000/rate: "
                   "rate * tau_refrac must be <= 1000";
            return i;
        }
    return -1;
}

/* Mean of the exponential part of the interval (ms). */
static double free_mean(const rv__block *p, int64_t i)
{
    return fmax(0.0, 1000.0 / p->param[RATE][i] - p->param[TAU_REFRAC][i]);
}

/* The first spike after `from` of a process whose last spike was at `last`
 * (memoryless once the dead time is over), or INFINITY after the window. */
static double next_after(const rv__block *p, int64_t i, rv__stream *s, double from, double last)
{
    double stop = p->param[START][i] + p->param[DURATION][i];
    double t = fmax(from, last + p->param[TAU_REFRAC][i]) + rv__exponential(s) * free_mean(p, i);
    t = rv__after(t, from);
    return t < stop ? t : INFINITY;
}

static void resume(const rv__block *p, int64_t step, double dt, uint64_t seed)
{
    double now = step * dt;
    double *next = p->state[NEXT_T], *last = p->state[LAST_T], *on = p->state[ON];
    for (int64_t i = 0; i < p->n; i++) {
        double start = p->param[START][i], rate = p->param[RATE][i];
        next[i] = INFINITY;
        if (rate <= 0.0 || fmax(now, start) >= start + p->param[DURATION][i])
            continue;
        rv__stream s;
        rv__source_stream(&s, p, i, seed, BLOCK);
        if (!on[i] || now <= start) {
            /* a new train at t0, in equilibrium: the age since the last
               (virtual) spike is uniform over the dead time with probability
               tau_refrac / mean interval, else beyond it */
            double t0 = fmax(now, start), tau = p->param[TAU_REFRAC][i];
            double u = rv__uniform(&s) * (1000.0 / rate);
            double age = u < tau ? u : tau + rv__exponential(&s) * free_mean(p, i);
            last[i] = t0 - age;
            on[i] = 1.0;
            next[i] = next_after(p, i, &s, t0, last[i]);
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

const rv__model rv__model_spike_source_poisson_refractory = {
    .name = "SpikeSourcePoissonRefractory",
    .kind = RV_MODEL_SPIKE_SOURCE,
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .n_internal = 4,
    .check = check,
    .resume = resume,
    .update = update,
};
