/*
 * SpikeSourcePoisson -- homogeneous Poisson spike train in
 * [start, start + duration) (PyNN SpikeSourcePoisson; NEST
 * poisson_generator).
 *
 * Spike times are drawn in continuous time: successive intervals are
 * exponential with mean 1000/rate ms, so several spikes may fall in one
 * step (rates above 1/dt are legal, as in NEST).  A spike at time t is
 * recorded at t and delivered at the first grid point >= t.  When the rate,
 * start or duration change between runs the next spike is redrawn from the
 * current time, which is exact for a memoryless process.
 *
 * Parameters                     unit  default  rule
 *     rate      mean firing rate   Hz      1     in [0, 1e9] (a billion spikes
 *                                                 per second is far beyond any
 *                                                 use, and bounds the work)
 *     start     onset              ms      0     >= 0
 *     duration  length             ms    1e10    >= 0 (inf allowed)
 * No state variables; internal: time of the next spike, position in the
 * neuron's random stream (keyed by seed and gid, so the train does not
 * depend on how neurons are distributed).
 */
#include <math.h>

#include "models/model.h"

enum { RATE, START, DURATION };
enum { NEXT_T, BLOCK };

static const rv__param_desc params[] = {
    {"rate", "Hz", 1.0, RV__RATE},
    {"start", "ms", 0.0, RV__NONNEG},
    {"duration", "ms", 1e10, RV__NONNEG_OR_INF},
};

/* Draws the spike after time t for neuron i and stores it. */
static void draw_next(const rv__block *p, int64_t i, double t, uint64_t seed)
{
    double *const *q = p->param;
    double stop = q[START][i] + q[DURATION][i];
    double rate = q[RATE][i];
    if (rate <= 0.0 || t >= stop) {
        p->state[NEXT_T][i] = INFINITY;
        return;
    }
    rv__stream s;
    rv__stream_init(&s, seed, RV__RNG_POISSON, 0, (uint64_t)(p->first_gid + i));
    rv__stream_seek(&s, (uint64_t)p->state[BLOCK][i]);
    double next = t + rv__exponential(&s) * 1000.0 / rate;
    /* An interval below the resolution of t would not advance time. */
    if (!(next > t))
        next = nextafter(t, INFINITY);
    p->state[BLOCK][i] = (double)rv__stream_tell(&s);
    p->state[NEXT_T][i] = next < stop ? next : INFINITY;
}

static void resume(const rv__block *p, int64_t step, double dt, uint64_t seed)
{
    double now = step * dt;
    for (int64_t i = 0; i < p->n; i++)
        draw_next(p, i, fmax(now, p->param[START][i]), seed);
}

static int64_t update(const rv__block *p, const rv__step_ctx *ctx)
{
    double t_end = ctx->t_end;
    double *next = p->state[NEXT_T];
    for (int64_t i = ctx->begin; i < ctx->end; i++) {
        while (next[i] <= t_end) {
            if (rv__fire(ctx->out, i, next[i]))   /* buffer full: resume here */
                return i;
            draw_next(p, i, next[i], ctx->seed);
        }
    }
    return ctx->end;
}

const rv__model rv__model_spike_source_poisson = {
    .name = "SpikeSourcePoisson",
    .kind = RV_MODEL_SPIKE_SOURCE,
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .n_internal = 2,
    .resume = resume,
    .update = update,
};
