/*
 * SpikeSourceArray -- emits spikes at given times (PyNN SpikeSourceArray;
 * NEST spike_generator with precise times).
 *
 * Each neuron has its own non-decreasing list of times (ms, >= 0), set
 * with rv_pop_set_spike_times and replaceable between runs.  A spike at
 * time t is recorded at exactly t and delivered at the first grid point
 * >= t (t = 0 is delivered at the end of the first step).  Times at or
 * before the current time when the list is set are never emitted.
 *
 * No parameters and no state variables; internal: position in the list.
 */
#include <math.h>

#include "models/model.h"

enum { CURSOR };

/* The step at whose end a spike at time t is emitted. */
static int64_t emit_step(double t, double dt)
{
    if (t / dt >= 9e15)  /* beyond any reachable step (and the int64 range) */
        return INT64_MAX;
    int64_t k = rv__due_step(t, dt);
    return k < 0 ? 0 : k;
}

static void resume(const rv__block *p, int64_t step, double dt, uint64_t seed)
{
    (void)seed;
    for (int64_t i = 0; i < p->n; i++) {
        int64_t j = p->sched_off[i];
        while (j < p->sched_off[i + 1] && emit_step(p->sched_t[j], dt) < step)
            j++;
        p->state[CURSOR][i] = (double)j;
    }
}

static int64_t update(const rv__block *p, const rv__step_ctx *ctx)
{
    double *cursor = p->state[CURSOR];
    for (int64_t i = ctx->begin; i < ctx->end; i++) {
        int64_t j = (int64_t)cursor[i], end = p->sched_off[i + 1];
        while (j < end && emit_step(p->sched_t[j], ctx->dt) <= ctx->step) {
            if (rv__fire(ctx->out, i, p->sched_t[j])) {   /* buffer full: resume here */
                cursor[i] = (double)j;
                return i;
            }
            j++;
        }
        cursor[i] = (double)j;
    }
    return ctx->end;
}

const rv__model rv__model_spike_source_array = {
    .name = "SpikeSourceArray",
    .kind = RV_MODEL_SPIKE_SOURCE,
    .n_internal = 1,
    .uses_schedule = 1,
    .resume = resume,
    .update = update,
};
