/*
 * Small helpers shared by the C tests: building simulations and reading
 * recorded data back into plain arrays.  Every helper that calls the
 * library reports a failing call through the CHECK harness (check.h), so a
 * test that uses them still fails loudly when a setup step goes wrong.
 */
#ifndef RV_TEST_UTIL_H
#define RV_TEST_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* A simulation with time step dt and seed (dt <= 0: the default 0.1 ms). */
static inline rv_sim *sim_new(double dt, uint64_t seed)
{
    rv_sim *sim = NULL;
    if (rv_sim_create(&sim) != RV_OK || !sim) {
        fprintf(stderr, "rv_sim_create failed\n");
        exit(2);
    }
    if (dt > 0)
        OK(sim, rv_sim_set_timing(sim, dt, 0, 0));
    OK(sim, rv_sim_set_seed(sim, seed));
    return sim;
}

static inline int32_t pop_new(rv_sim *sim, const char *model, int64_t n)
{
    int32_t pop = -1;
    OK(sim, rv_pop_create(sim, model, n, &pop));
    return pop;
}

/* Sets one parameter of every neuron of a population. */
static inline void set_all(rv_sim *sim, int32_t pop, const char *name, double value)
{
    OK(sim, rv_pop_set_param(sim, pop, name, NULL, 0, &value, 1));
}

/* Sets one parameter of one neuron. */
static inline void set_one(rv_sim *sim, int32_t pop, int64_t i, const char *name, double value)
{
    OK(sim, rv_pop_set_param(sim, pop, name, &i, 1, &value, 1));
}

static inline double state_of(rv_sim *sim, int32_t pop, int64_t i, const char *var)
{
    double x = NAN;
    OK(sim, rv_pop_get_state(sim, pop, var, &i, 1, &x));
    return x;
}

/* A SpikeSourceArray of one neuron emitting at the given times. */
static inline int32_t ssa_new(rv_sim *sim, const double *times, int64_t n)
{
    int32_t pop = pop_new(sim, "SpikeSourceArray", 1);
    int64_t off[2] = {0, n};
    OK(sim, rv_pop_set_spike_times(sim, pop, NULL, 1, off, times));
    return pop;
}

/* A new projection with a single connection pre[i] -> post[j]. */
static inline int32_t connect_one(rv_sim *sim, int32_t pre, uint32_t i, int32_t post, uint32_t j,
                                  const char *receptor, double weight, double delay)
{
    int32_t proj = -1;
    OK(sim, rv_proj_create(sim, pre, post, receptor, "StaticSynapse", &proj));
    rv_values v[2] = {{"weight", &weight, 1}, {"delay", &delay, 1}};
    OK(sim, rv_proj_connect(sim, proj, 1, &i, &j, v, 2));
    return proj;
}

/* The recorded trace of one neuron (malloc'd, *n samples). */
static inline double *trace_of(rv_sim *sim, int32_t pop, const char *var, int64_t i, int64_t *n)
{
    double t0, dt;
    *n = 0;
    OK(sim, rv_rec_get_signal_info(sim, pop, var, n, &t0, &dt));
    double *out = calloc((size_t)(*n > 0 ? *n : 1), sizeof *out);
    OK(sim, rv_rec_get_signal(sim, pop, var, &i, 1, out));
    return out;
}

/* Recorded spike times of neuron i (malloc'd, *n of them). */
static inline double *spikes_of(rv_sim *sim, int32_t pop, int64_t i, int64_t *n)
{
    int64_t total = 0;
    const uint32_t *idx = NULL;
    const double *t = NULL;
    OK(sim, rv_rec_get_spikes(sim, pop, &total, &idx, &t));
    double *out = calloc((size_t)(total > 0 ? total : 1), sizeof *out);
    *n = 0;
    for (int64_t k = 0; k < total; k++)
        if (idx[k] == (uint32_t)i)
            out[(*n)++] = t[k];
    return out;
}

/* Number of recorded spikes of a population. */
static inline int64_t spike_total(rv_sim *sim, int32_t pop)
{
    int64_t n = 0;
    const uint32_t *idx = NULL;
    const double *t = NULL;
    OK(sim, rv_rec_get_spikes(sim, pop, &n, &idx, &t));
    return n;
}

#endif
