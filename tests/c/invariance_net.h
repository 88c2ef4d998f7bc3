/*
 * The network of test_invariance.c (and test_mpi.c): every kind of
 * randomness and plasticity, and what the tests compare -- spikes of every
 * population, a membrane trace and the learned STDP weights.
 *
 * One network holds what test_threads.c leaves out: background Poisson
 * sources of a few kHz one-to-one onto their targets (the local delivery
 * path, and the Poisson model's branch-free path), low-rate Poisson, gamma
 * and dead-time Poisson sources, a noisy current, native rules (fixed
 * probability, fixed number pre and post, fixed total number) with random
 * weights and delays, stochastic and Tsodyks-Markram synapses and STDP
 * with random initial weights.
 */
#ifndef RV_INVARIANCE_NET_H
#define RV_INVARIANCE_NET_H

#include "testutil.h"

enum { N_POPS = 6 };

/* The populations' sizes, in the order of outcome's arrays. */
static const int64_t POP_SIZES[N_POPS] = {60, 25, 60, 15, 10, 10};

typedef struct outcome {
    int64_t n_spikes[N_POPS];
    double *spike_t[N_POPS];
    uint32_t *spike_i[N_POPS];
    double *v;
    int64_t n_v;
    double *w;          /* the STDP weights after the run */
    uint32_t *w_post;   /* their targets */
    int64_t n_w;
} outcome;

static void capture(rv_sim *sim, const int32_t *pops, int32_t stdp, outcome *o)
{
    for (int k = 0; k < N_POPS; k++) {
        int64_t n;
        const uint32_t *idx;
        const double *t;
        OK(sim, rv_rec_get_spikes(sim, pops[k], &n, &idx, &t));
        o->n_spikes[k] = n;
        o->spike_t[k] = malloc((size_t)(n + 1) * sizeof(double));
        o->spike_i[k] = malloc((size_t)(n + 1) * sizeof(uint32_t));
        memcpy(o->spike_t[k], t, (size_t)n * sizeof(double));
        memcpy(o->spike_i[k], idx, (size_t)n * sizeof(uint32_t));
    }
    int64_t rows;
    double t0, interval;
    OK(sim, rv_rec_get_signal_info(sim, pops[0], "v", &rows, &t0, &interval));
    o->n_v = rows * 60;
    o->v = malloc((size_t)(o->n_v + 1) * sizeof(double));
    OK(sim, rv_rec_get_signal(sim, pops[0], "v", NULL, 0, o->v));
    OK(sim, rv_proj_size(sim, stdp, &o->n_w));
    o->w = malloc((size_t)(o->n_w + 1) * sizeof(double));
    OK(sim, rv_proj_get(sim, stdp, "weight", o->w));
    uint32_t *pre = malloc((size_t)(o->n_w + 1) * sizeof *pre);
    o->w_post = malloc((size_t)(o->n_w + 1) * sizeof *o->w_post);
    OK(sim, rv_proj_get_pairs(sim, stdp, pre, o->w_post));
    free(pre);
}

static void release(outcome *o)
{
    for (int k = 0; k < N_POPS; k++) {
        free(o->spike_t[k]);
        free(o->spike_i[k]);
    }
    free(o->v);
    free(o->w);
    free(o->w_post);
}

static int32_t connect_rule(rv_sim *sim, int32_t pre, int32_t post, const char *receptor,
                            const char *synapse, rv_rule rule, const rv_param_spec *specs,
                            int n_specs)
{
    int32_t proj;
    OK(sim, rv_proj_create(sim, pre, post, receptor, synapse, &proj));
    OK(sim, rv_proj_connect_rule(sim, proj, &rule, NULL, 0, NULL, 0, specs, n_specs));
    return proj;
}

/* Builds the network in sim (dt 0.1 ms, seed 77), runs it for 150 ms and
 * captures the outcome. */
static void build_and_run(rv_sim *sim, outcome *o)
{
    int32_t exc = pop_new(sim, "IF_curr_exp", 60);
    int32_t inh = pop_new(sim, "IF_cond_exp", 25);
    int32_t background = pop_new(sim, "SpikeSourcePoisson", 60);  /* one per exc neuron */
    int32_t sparse = pop_new(sim, "SpikeSourcePoisson", 15);
    int32_t gamma = pop_new(sim, "SpikeSourceGamma", 10);
    int32_t dead = pop_new(sim, "SpikeSourcePoissonRefractory", 10);
    int32_t pops[N_POPS] = {exc, inh, background, sparse, gamma, dead};
    set_all(sim, background, "rate", 8000.0);  /* several spikes in most steps */
    set_all(sim, sparse, "rate", 20.0);
    set_all(sim, gamma, "alpha", 3.0);
    set_all(sim, gamma, "beta", 150.0);
    set_all(sim, dead, "rate", 100.0);
    set_all(sim, dead, "tau_refrac", 2.0);

    /* the background, one to one: a local projection */
    rv_rule one = {.kind = RV_RULE_ONE_TO_ONE, .stream = 1};
    rv_param_spec w_bg[2] = {{"weight", RV_DIST_CONSTANT, {0.05}, NULL},
                             {"delay", RV_DIST_CONSTANT, {0.1}, NULL}};
    connect_rule(sim, background, exc, "excitatory", "StaticSynapse", one, w_bg, 2);
    rv_param_spec w_rand[2] = {{"weight", RV_DIST_UNIFORM, {0.1, 0.5}, NULL},
                               {"delay", RV_DIST_UNIFORM, {0.1, 3.0}, NULL}};
    rv_rule fp = {.kind = RV_RULE_FIXED_PROBABILITY, .p = 0.3, .stream = 2};
    connect_rule(sim, sparse, inh, "excitatory", "StaticSynapse", fp, w_rand, 2);
    rv_rule post_n = {.kind = RV_RULE_FIXED_NUMBER_POST, .n = 8, .stream = 3};
    rv_param_spec w_stoch[3] = {{"weight", RV_DIST_CONSTANT, {0.04}, NULL},
                                {"delay", RV_DIST_UNIFORM, {0.2, 1.5}, NULL},
                                {"p", RV_DIST_CONSTANT, {0.5}, NULL}};
    connect_rule(sim, gamma, inh, "excitatory", "SimpleStochasticSynapse", post_n, w_stoch, 3);
    rv_rule total = {.kind = RV_RULE_FIXED_TOTAL_NUMBER, .n = 200, .stream = 4};
    rv_param_spec w_tm[3] = {{"weight", RV_DIST_NORMAL_CLIPPED, {0.6, 0.2, 0.0, 2.0}, NULL},
                             {"delay", RV_DIST_CONSTANT, {0.5}, NULL},
                             {"U", RV_DIST_CONSTANT, {0.4}, NULL}};
    connect_rule(sim, dead, exc, "excitatory", "TsodyksMarkramSynapse", total, w_tm, 3);
    /* recurrent: STDP on E -> E with random initial weights, static E <-> I */
    rv_rule pre_n = {.kind = RV_RULE_FIXED_NUMBER_PRE, .n = 10, .stream = 5};
    rv_param_spec w_stdp[4] = {{"weight", RV_DIST_UNIFORM, {0.05, 0.4}, NULL},
                               {"delay", RV_DIST_UNIFORM, {0.5, 2.5}, NULL},
                               {"A_plus", RV_DIST_CONSTANT, {0.05}, NULL},
                               {"w_max", RV_DIST_CONSTANT, {1.0}, NULL}};
    int32_t stdp = connect_rule(sim, exc, exc, "excitatory", "STDPSynapse", pre_n, w_stdp, 4);
    rv_param_spec w_ei[2] = {{"weight", RV_DIST_EXPONENTIAL, {0.01}, NULL},
                             {"delay", RV_DIST_CONSTANT, {0.3}, NULL}};
    connect_rule(sim, exc, inh, "excitatory", "StaticSynapse", fp, w_ei, 2);
    rv_param_spec w_ie[2] = {{"weight", RV_DIST_NORMAL_CLIPPED, {-0.8, 0.3, -2.0, 0.0}, NULL},
                             {"delay", RV_DIST_UNIFORM, {0.2, 1.0}, NULL}};
    connect_rule(sim, inh, exc, "inhibitory", "StaticSynapse", post_n, w_ie, 2);

    int32_t noisy;
    OK(sim, rv_cs_create(sim, "NoisyCurrentSource", &noisy));
    OK(sim, rv_cs_set(sim, noisy, "mean", 0.2));
    OK(sim, rv_cs_set(sim, noisy, "stdev", 0.6));
    OK(sim, rv_cs_inject(sim, noisy, inh, NULL, 0));

    for (int k = 0; k < N_POPS; k++)
        OK(sim, rv_rec_set(sim, pops[k], "spikes", NULL, 0, 1));
    OK(sim, rv_rec_set(sim, exc, "v", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, 61.7));   /* in two uneven pieces */
    OK(sim, rv_sim_run_until(sim, 150.0));
    capture(sim, pops, stdp, o);
}

#endif
