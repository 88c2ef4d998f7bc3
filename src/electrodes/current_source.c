/*
 * Current sources (PyNN's DCSource, ACSource, StepCurrentSource and
 * NoisyCurrentSource), injected into neurons.
 *
 * A source's value is a pure function of the step (and of the seed, for
 * noise), evaluated at t = s dt; it acts on the membrane during the step
 * from t to t + dt, so the membrane reacts from the next sample on.  Times
 * are rounded to the grid:
 *   DC     amplitude on [start, stop)
 *   AC     offset + amplitude sin(2 pi frequency (t - start)/1000 + phase deg)
 *          on [start, stop)
 *   Step   amplitudes[k] on [times[k], times[k+1]), the last one persisting;
 *          0 before times[0]
 *   Noise  mean + stdev N(0,1), a new value every `dt` of the source from
 *          start on, within [start, stop); the draws are keyed by (seed,
 *          source, sample number), so they repeat after a reset.
 */
#include <stdlib.h>
#include <string.h>

#include "core/sim.h"

void rv__cs_free(rv__cs *c)
{
    if (!c)
        return;
    rv__free(c->step_t);
    rv__free(c->step_a);
    rv__free(c->targets);
    rv__free(c->trace);
    rv__free(c);
}

double rv__cs_value(const rv__cs *c, int64_t step, double dt, uint64_t seed)
{
    /* times no run can reach (up to +inf) stay out of llround's range */
    int64_t s0 = c->start >= 9e15 * dt ? INT64_MAX : rv__round_steps(c->start, dt);
    int64_t s1 = c->stop >= 9e15 * dt ? INT64_MAX : rv__round_steps(c->stop, dt);
    double t = step * dt;
    switch (c->kind) {
    case RV__CS_DC:
        return step >= s0 && step < s1 ? c->amplitude : 0.0;
    case RV__CS_AC:
        if (step < s0 || step >= s1)
            return 0.0;
        return c->offset
               + c->amplitude * sin(2.0 * M_PI * c->frequency * (t - c->start) / 1000.0
                                    + 2.0 * M_PI * c->phase / 360.0);
    case RV__CS_STEP: {
        /* last k with times[k] <= t, by bisection over the grid steps */
        int64_t lo = 0, hi = c->n_steps;
        while (lo < hi) {
            int64_t mid = (lo + hi) / 2;
            if (rv__round_steps(c->step_t[mid], dt) <= step)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo > 0 ? c->step_a[lo - 1] : 0.0;
    }
    case RV__CS_NOISE: {
        if (step < s0 || step >= s1)
            return 0.0;
        int64_t every = rv__round_steps(c->noise_dt, dt);
        if (every < 1)
            every = 1;
        rv__stream s;
        rv__stream_init(&s, seed, RV__RNG_NOISE, (uint64_t)c->handle,
                        (uint64_t)((step - s0) / every));
        return c->mean + c->stdev * rv__normal(&s);
    }
    }
    return 0.0;
}

int rv__cs_record_value(rv__cs *c, int64_t step, double value)
{
    if (rv__reserve((void **)&c->trace, &c->cap_trace, step + 1, sizeof *c->trace))
        return -1;
    while (c->n_trace < step)
        c->trace[c->n_trace++] = NAN;  /* steps before recording started */
    c->trace[step] = value;
    if (c->n_trace == step)
        c->n_trace = step + 1;
    return 0;
}

rv_status rv__cs_reserve(rv_sim *sim, int64_t target)
{
    for (int32_t k = 0; k < sim->n_cs; k++) {
        rv__cs *c = sim->cs[k];
        if (!c->recording)
            continue;
        if (rv__reserve((void **)&c->trace, &c->cap_trace, target + 1, sizeof *c->trace))
            return rv__fail(sim, RV_ERR_NOMEM, "rv_sim_run_until: out of memory for recording");
        while (c->n_trace < sim->step)
            c->trace[c->n_trace++] = NAN;  /* steps before recording started */
    }
    return RV_OK;
}

/* The injection table of every shard: the targets of every source in its
 * block, source by source (the order in which currents add up). */
rv_status rv__cs_prepare(rv_sim *sim)
{
    int S = sim->n_shards;
    int64_t *count = rv__calloc((size_t)S, sizeof *count);
    if (!count)
        return rv__fail(sim, RV_ERR_NOMEM, "rv_sim_run_until: out of memory");
    for (int32_t k = 0; k < sim->n_pops; k++)
        sim->pops[k]->injected = 0;
    for (int32_t c = 0; c < sim->n_cs; c++)
        for (int64_t j = 0; j < sim->cs[c]->n_targets; j++) {
            const rv__cs_target *t = &sim->cs[c]->targets[j];
            count[rv__block_of(sim->pops[t->pop], t->index)]++;
        }
    rv__injection **table = rv__calloc((size_t)S, sizeof *table);
    int failed = !table;
    for (int s = 0; !failed && s < S; s++)
        failed = !(table[s] = rv__calloc((size_t)count[s] + 1, sizeof **table));
    if (failed) {
        for (int s = 0; table && s < S; s++)
            rv__free(table[s]);
        rv__free(table);
        rv__free(count);
        return rv__fail(sim, RV_ERR_NOMEM, "rv_sim_run_until: out of memory");
    }
    for (int s = 0; s < S; s++) {
        rv__free(sim->shards[s].inject);
        sim->shards[s].inject = table[s];
        sim->shards[s].n_inject = 0;
    }
    for (int32_t c = 0; c < sim->n_cs; c++)
        for (int64_t j = 0; j < sim->cs[c]->n_targets; j++) {
            const rv__cs_target *t = &sim->cs[c]->targets[j];
            rv__pop *p = sim->pops[t->pop];
            int b = rv__block_of(p, t->index);
            rv__shard *sh = &sim->shards[b];
            sh->inject[sh->n_inject++] = (rv__injection){c, t->pop, t->index - p->blocks[b].lo};
            p->injected = 1;
        }
    rv__free(table);
    rv__free(count);
    return RV_OK;
}

/* ---- public API ------------------------------------------------------------ */

static const struct {
    const char *name;
    rv__cs_kind kind;
} kinds[] = {
    {"DCSource", RV__CS_DC},
    {"ACSource", RV__CS_AC},
    {"StepCurrentSource", RV__CS_STEP},
    {"NoisyCurrentSource", RV__CS_NOISE},
};

rv_status rv_cs_create(rv_sim *sim, const char *model, int32_t *cs_out)
{
    static const char fn[] = "rv_cs_create";
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    if (!model || !cs_out)
        return rv__fail(sim, RV_ERR_NULL, "%s: %s is NULL", fn, !model ? "model" : "cs_out");
    int found = -1;
    for (int k = 0; k < (int)(sizeof kinds / sizeof kinds[0]); k++)
        if (strcmp(kinds[k].name, model) == 0)
            found = k;
    if (found < 0)
        return rv__fail(sim, RV_ERR_NAME,
                        "%s: unknown current source '%s' (DCSource, ACSource, "
                        "StepCurrentSource or NoisyCurrentSource)", fn, model);
    if (rv__reserve((void **)&sim->cs, &sim->cap_cs, sim->n_cs + 1, sizeof *sim->cs))
        return rv__fail(sim, RV_ERR_NOMEM, "%s: out of memory", fn);
    rv__cs *c = rv__calloc(1, sizeof *c);
    if (!c)
        return rv__fail(sim, RV_ERR_NOMEM, "%s: out of memory", fn);
    c->kind = kinds[found].kind;
    c->handle = sim->n_cs;
    /* PyNN's defaults */
    c->amplitude = 1.0;
    c->stop = 1e12;
    c->frequency = 10.0;
    c->stdev = 1.0;
    c->noise_dt = sim->dt;
    sim->cs[sim->n_cs++] = c;
    *cs_out = c->handle;
    return RV_OK;
}

/* Where each scalar parameter lives, and which kinds have it. */
static double *param_slot(rv__cs *c, const char *name)
{
    int dc = c->kind == RV__CS_DC, ac = c->kind == RV__CS_AC, noise = c->kind == RV__CS_NOISE;
    if (strcmp(name, "amplitude") == 0 && (dc || ac))
        return &c->amplitude;
    if (strcmp(name, "start") == 0 && (dc || ac || noise))
        return &c->start;
    if (strcmp(name, "stop") == 0 && (dc || ac || noise))
        return &c->stop;
    if (ac && strcmp(name, "frequency") == 0)
        return &c->frequency;
    if (ac && strcmp(name, "offset") == 0)
        return &c->offset;
    if (ac && strcmp(name, "phase") == 0)
        return &c->phase;
    if (noise && strcmp(name, "mean") == 0)
        return &c->mean;
    if (noise && strcmp(name, "stdev") == 0)
        return &c->stdev;
    if (noise && strcmp(name, "dt") == 0)
        return &c->noise_dt;
    return NULL;
}

rv_status rv_cs_set(rv_sim *sim, int32_t cs, const char *name, double value)
{
    static const char fn[] = "rv_cs_set";
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    rv__cs *c;
    rv_status st = rv__get_cs(sim, fn, cs, &c);
    if (st)
        return st;
    if (!name)
        return rv__fail(sim, RV_ERR_NULL, "%s: name is NULL", fn);
    double *slot = param_slot(c, name);
    if (!slot)
        return rv__fail(sim, RV_ERR_NAME, "%s: %s has no scalar parameter '%s'", fn,
                        kinds[c->kind].name, name);
    int is_time = strcmp(name, "start") == 0 || strcmp(name, "stop") == 0;
    if (isnan(value) || (!is_time && !isfinite(value)) || (is_time && value < 0)
        || value == -INFINITY)
        return rv__fail(sim, RV_ERR_VALUE, "%s: %s = %g is invalid%s", fn, name, value,
                        is_time ? " (times must be >= 0)" : " (must be finite)");
    if (strcmp(name, "dt") == 0) {
        double r = value / sim->dt;
        /* r becomes a step count: range-checked, and compared in double */
        if (!(value > 0) || !(r < RV__MAX_EXACT_INT) || fabs(r - round(r)) > 1e-6 * fmax(1.0, r))
            return rv__fail(sim, RV_ERR_VALUE,
                            "%s: noise dt = %g ms must be a positive multiple of the time step "
                            "%g ms", fn, value, sim->dt);
    }
    if (strcmp(name, "stdev") == 0 && value < 0)
        return rv__fail(sim, RV_ERR_VALUE, "%s: stdev = %g must be >= 0", fn, value);
    *slot = value;
    return RV_OK;
}

rv_status rv_cs_get(rv_sim *sim, int32_t cs, const char *name, double *out)
{
    static const char fn[] = "rv_cs_get";
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    rv__cs *c;
    rv_status st = rv__get_cs(sim, fn, cs, &c);
    if (st)
        return st;
    if (!name || !out)
        return rv__fail(sim, RV_ERR_NULL, "%s: %s is NULL", fn, !name ? "name" : "out");
    double *slot = param_slot(c, name);
    if (!slot)
        return rv__fail(sim, RV_ERR_NAME, "%s: %s has no scalar parameter '%s'", fn,
                        kinds[c->kind].name, name);
    *out = *slot;
    return RV_OK;
}

rv_status rv_cs_set_steps(rv_sim *sim, int32_t cs, const double *times, const double *amplitudes,
                          int64_t n)
{
    static const char fn[] = "rv_cs_set_steps";
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    rv__cs *c;
    rv_status st = rv__get_cs(sim, fn, cs, &c);
    if (st)
        return st;
    if (c->kind != RV__CS_STEP)
        return rv__fail(sim, RV_ERR_NAME, "%s: %s has no steps", fn, kinds[c->kind].name);
    if (n < 0)
        return rv__fail(sim, RV_ERR_SIZE, "%s: n = %lld is negative", fn, (long long)n);
    if (n > 0 && (!times || !amplitudes))
        return rv__fail(sim, RV_ERR_NULL, "%s: %s is NULL", fn, !times ? "times" : "amplitudes");
    for (int64_t k = 0; k < n; k++) {
        if (!isfinite(times[k]) || times[k] < 0)
            return rv__fail(sim, RV_ERR_VALUE, "%s: times[%lld] = %g must be finite and >= 0", fn,
                            (long long)k, times[k]);
        if (times[k] / sim->dt > 9e15)
            return rv__fail(sim, RV_ERR_VALUE,
                            "%s: times[%lld] = %g ms is beyond the last step a run can reach",
                            fn, (long long)k, times[k]);
        if (k > 0 && !(times[k] > times[k - 1]))
            return rv__fail(sim, RV_ERR_VALUE,
                            "%s: times must increase strictly (times[%lld] = %g after %g)", fn,
                            (long long)k, times[k], times[k - 1]);
        if (!isfinite(amplitudes[k]))
            return rv__fail(sim, RV_ERR_VALUE, "%s: amplitudes[%lld] = %g is not finite", fn,
                            (long long)k, amplitudes[k]);
    }
    double *t = rv__calloc((size_t)(n ? n : 1), sizeof *t);
    double *a = rv__calloc((size_t)(n ? n : 1), sizeof *a);
    if (!t || !a) {
        rv__free(t);
        rv__free(a);
        return rv__fail(sim, RV_ERR_NOMEM, "%s: out of memory", fn);
    }
    /* Round to the grid; a step landing on the grid point of the previous
       one replaces it. */
    int64_t m = 0;
    for (int64_t k = 0; k < n; k++) {
        double tk = rv__round_steps(times[k], sim->dt) * sim->dt;
        if (m > 0 && rv__round_steps(t[m - 1], sim->dt) == rv__round_steps(tk, sim->dt))
            m--;
        t[m] = tk;
        a[m] = amplitudes[k];
        m++;
    }
    rv__free(c->step_t);
    rv__free(c->step_a);
    c->step_t = t;
    c->step_a = a;
    c->n_steps = m;
    return RV_OK;
}

rv_status rv_cs_get_steps(rv_sim *sim, int32_t cs, double *times, double *amplitudes,
                          int64_t cap, int64_t *n_out)
{
    static const char fn[] = "rv_cs_get_steps";
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    rv__cs *c;
    rv_status st = rv__get_cs(sim, fn, cs, &c);
    if (st)
        return st;
    if (c->kind != RV__CS_STEP)
        return rv__fail(sim, RV_ERR_NAME, "%s: %s has no steps", fn, kinds[c->kind].name);
    if (!n_out || (cap > 0 && (!times || !amplitudes)))
        return rv__fail(sim, RV_ERR_NULL, "%s: an output pointer is NULL", fn);
    if (cap < 0)
        return rv__fail(sim, RV_ERR_SIZE, "%s: cap = %lld is negative", fn, (long long)cap);
    for (int64_t k = 0; k < c->n_steps && k < cap; k++) {
        times[k] = c->step_t[k];
        amplitudes[k] = c->step_a[k];
    }
    *n_out = c->n_steps;
    return RV_OK;
}

rv_status rv_cs_inject(rv_sim *sim, int32_t cs, int32_t pop, const int64_t *idx, int64_t n_idx)
{
    static const char fn[] = "rv_cs_inject";
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    rv__cs *c;
    rv__pop *p;
    int64_t count;
    rv_status st;
    if ((st = rv__get_cs(sim, fn, cs, &c)) || (st = rv__get_pop(sim, fn, pop, &p))
        || (st = rv__check_indices(sim, fn, p, idx, n_idx, &count)))
        return st;
    if (p->model->kind != RV_MODEL_NEURON)
        return rv__fail(sim, RV_ERR_VALUE, "%s: %s neurons cannot take injected current", fn,
                        p->model->name);
    if (rv__reserve((void **)&c->targets, &c->cap_targets, c->n_targets + count,
                    sizeof *c->targets))
        return rv__fail(sim, RV_ERR_NOMEM, "%s: out of memory", fn);
    for (int64_t k = 0; k < count; k++)
        c->targets[c->n_targets++] = (rv__cs_target){pop, idx ? idx[k] : k};
    sim->prepared = 0;
    return RV_OK;
}

rv_status rv_cs_record(rv_sim *sim, int32_t cs, int enable)
{
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    rv__cs *c;
    rv_status st = rv__get_cs(sim, "rv_cs_record", cs, &c);
    if (st)
        return st;
    c->recording = enable != 0;
    return RV_OK;
}

rv_status rv_cs_get_trace(rv_sim *sim, int32_t cs, const double **values, int64_t *n_out)
{
    static const char fn[] = "rv_cs_get_trace";
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    rv__cs *c;
    rv_status st = rv__get_cs(sim, fn, cs, &c);
    if (st)
        return st;
    if (!values || !n_out)
        return rv__fail(sim, RV_ERR_NULL, "%s: an output pointer is NULL", fn);
    *values = c->trace;
    *n_out = c->n_trace;
    return RV_OK;
}
