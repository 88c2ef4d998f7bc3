/*
 * Results do not depend on the number of threads.
 *
 * The same network -- Poisson sources, a SpikeSourceArray, two recurrent
 * populations of different models connected by native rules on views and
 * by explicit lists with per-synapse delays, a noisy and a DC current
 * source, recording of spikes and of several variables -- runs with 1 to 5
 * threads (more threads than neurons in one population included), in
 * uneven pieces, through a reset, with connections added between runs.
 * Spikes, traces and state must agree bit for bit.
 */
#include "testutil.h"

typedef struct outcome {
    int64_t n_spikes[2];
    double *spike_t[2];
    uint32_t *spike_i[2];
    double *v;           /* population 0, all neurons, all samples */
    int64_t n_v;
    double g[3];         /* final gsyn_exc of three neurons */
} outcome;

static void capture(rv_sim *sim, const int32_t *pops, outcome *o)
{
    for (int k = 0; k < 2; k++) {
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
    o->n_v = rows * 50;
    o->v = malloc((size_t)(o->n_v + 1) * sizeof(double));
    OK(sim, rv_rec_get_signal(sim, pops[0], "v", NULL, 0, o->v));
    int64_t idx[3] = {0, 17, 29};
    OK(sim, rv_pop_get_state(sim, pops[1], "gsyn_exc", idx, 3, o->g));
}

static void release(outcome *o)
{
    for (int k = 0; k < 2; k++) {
        free(o->spike_t[k]);
        free(o->spike_i[k]);
    }
    free(o->v);
}

/* Builds and runs the network with `threads` threads. */
static int same(const outcome *a, const outcome *b);

static void simulate(int threads, outcome *first, outcome *second)
{
    rv_sim *sim = sim_new(0.1, 2024);
    OK(sim, rv_sim_set_threads(sim, threads));
    int32_t exc = pop_new(sim, "IF_curr_exp", 50);
    int32_t inh = pop_new(sim, "IF_cond_exp", 30);
    int32_t noise = pop_new(sim, "SpikeSourcePoisson", 40);
    int32_t ssa = pop_new(sim, "SpikeSourceArray", 3);
    int32_t pops[2] = {exc, inh};
    set_all(sim, noise, "rate", 900.0);
    int64_t off[4] = {0, 2, 3, 5};
    double times[5] = {5.0, 12.34, 7.7, 0.0, 40.05};
    OK(sim, rv_pop_set_spike_times(sim, ssa, NULL, 3, off, times));
    double v0[50];
    for (int i = 0; i < 50; i++)
        v0[i] = -65.0 + 0.3 * i;
    OK(sim, rv_pop_set_initial(sim, exc, "v", NULL, 0, v0, 50));

    /* native rules, on views for some */
    int32_t p_ne, p_ni, p_ei, p_ie, p_ee;
    OK(sim, rv_proj_create(sim, noise, exc, "excitatory", "StaticSynapse", &p_ne));
    OK(sim, rv_proj_create(sim, noise, inh, "excitatory", "StaticSynapse", &p_ni));
    OK(sim, rv_proj_create(sim, exc, inh, "excitatory", "StaticSynapse", &p_ei));
    OK(sim, rv_proj_create(sim, inh, exc, "inhibitory", "StaticSynapse", &p_ie));
    OK(sim, rv_proj_create(sim, exc, exc, "excitatory", "StaticSynapse", &p_ee));
    rv_rule fp = {.kind = RV_RULE_FIXED_PROBABILITY, .p = 0.3, .stream = 1};
    rv_param_spec w_ne[2] = {{"weight", RV_DIST_UNIFORM, {0.2, 0.6}, NULL},
                             {"delay", RV_DIST_UNIFORM, {0.1, 2.0}, NULL}};
    OK(sim, rv_proj_connect_rule(sim, p_ne, &fp, NULL, 0, NULL, 0, w_ne, 2));
    rv_rule pre_n = {.kind = RV_RULE_FIXED_NUMBER_PRE, .n = 6, .stream = 2};
    rv_param_spec w_ni[2] = {{"weight", RV_DIST_CONSTANT, {0.02}, NULL},
                             {"delay", RV_DIST_CONSTANT, {0.3}, NULL}};
    OK(sim, rv_proj_connect_rule(sim, p_ni, &pre_n, NULL, 0, NULL, 0, w_ni, 2));
    int64_t odd[25], some_inh[20];
    for (int i = 0; i < 25; i++)
        odd[i] = 2 * i + 1;
    for (int i = 0; i < 20; i++)
        some_inh[i] = i + 5;
    rv_rule fp2 = {.kind = RV_RULE_FIXED_PROBABILITY, .p = 0.4, .stream = 3};
    rv_param_spec w_ei[2] = {{"weight", RV_DIST_EXPONENTIAL, {0.01}, NULL},
                             {"delay", RV_DIST_CONSTANT, {0.5}, NULL}};
    OK(sim, rv_proj_connect_rule(sim, p_ei, &fp2, odd, 25, some_inh, 20, w_ei, 2));
    rv_rule all = {.kind = RV_RULE_ALL_TO_ALL, .stream = 4};
    rv_param_spec w_ie[2] = {{"weight", RV_DIST_NORMAL_CLIPPED, {-0.3, 0.1, -1.0, 0.0}, NULL},
                             {"delay", RV_DIST_UNIFORM, {0.2, 1.0}, NULL}};
    OK(sim, rv_proj_connect_rule(sim, p_ie, &all, NULL, 0, NULL, 0, w_ie, 2));
    /* explicit list with multapses and per-synapse delays */
    uint32_t pre[8] = {0, 0, 3, 3, 3, 49, 10, 10}, post[8] = {1, 1, 2, 40, 49, 0, 10, 11};
    double w[8] = {0.3, 0.2, 0.1, 0.4, 0.5, 0.6, 0.7, 0.8}, d[8] = {1, 2, 0.1, 3, 4, 5, 1, 1};
    rv_values vals[2] = {{"weight", w, 8}, {"delay", d, 8}};
    OK(sim, rv_proj_connect(sim, p_ee, 8, pre, post, vals, 2));
    int32_t p_se;
    OK(sim, rv_proj_create(sim, ssa, exc, "excitatory", "StaticSynapse", &p_se));
    uint32_t spre[3] = {0, 1, 2}, spost[3] = {5, 6, 7};
    double sw = 2.0;
    rv_values svals[1] = {{"weight", &sw, 1}};
    OK(sim, rv_proj_connect(sim, p_se, 3, spre, spost, svals, 1));

    int32_t dc, noisy;
    OK(sim, rv_cs_create(sim, "DCSource", &dc));
    OK(sim, rv_cs_set(sim, dc, "amplitude", 0.5));
    OK(sim, rv_cs_set(sim, dc, "start", 20.0));
    int64_t dc_idx[4] = {0, 24, 25, 49};
    OK(sim, rv_cs_inject(sim, dc, exc, dc_idx, 4));
    OK(sim, rv_cs_create(sim, "NoisyCurrentSource", &noisy));
    OK(sim, rv_cs_set(sim, noisy, "stdev", 0.5));
    OK(sim, rv_cs_inject(sim, noisy, inh, NULL, 0));

    for (int k = 0; k < 2; k++)
        OK(sim, rv_rec_set(sim, pops[k], "spikes", NULL, 0, 1));
    OK(sim, rv_rec_set(sim, exc, "v", NULL, 0, 1));

    OK(sim, rv_sim_run_until(sim, 33.3));
    /* a connection added between runs, then the rest in uneven pieces */
    uint32_t late_pre[2] = {7, 8}, late_post[2] = {3, 3};
    double late_w = 1.5;
    rv_values late[1] = {{"weight", &late_w, 1}};
    OK(sim, rv_proj_connect(sim, p_ee, 2, late_pre, late_post, late, 1));
    OK(sim, rv_sim_run_until(sim, 71.0));
    OK(sim, rv_sim_run_until(sim, 100.0));
    capture(sim, pops, first);
    OK(sim, rv_sim_reset(sim));
    OK(sim, rv_sim_run_until(sim, 100.0));
    capture(sim, pops, second);
    /* the connection added at 33.3 ms exists from t = 0 since the reset, so
       the run after a reset is compared with a second one */
    OK(sim, rv_sim_reset(sim));
    OK(sim, rv_sim_run_until(sim, 100.0));
    outcome again;
    capture(sim, pops, &again);
    CHECK(same(second, &again));                                /* reset repeats the run */
    release(&again);
    rv_sim_free(sim);
}

static int same(const outcome *a, const outcome *b)
{
    for (int k = 0; k < 2; k++) {
        if (a->n_spikes[k] != b->n_spikes[k])
            return 0;
        if (memcmp(a->spike_t[k], b->spike_t[k], (size_t)a->n_spikes[k] * sizeof(double))
            || memcmp(a->spike_i[k], b->spike_i[k], (size_t)a->n_spikes[k] * sizeof(uint32_t)))
            return 0;
    }
    return a->n_v == b->n_v && memcmp(a->v, b->v, (size_t)a->n_v * sizeof(double)) == 0
           && memcmp(a->g, b->g, sizeof a->g) == 0;
}

int main(void)
{
    outcome ref[2];
    simulate(1, &ref[0], &ref[1]);
    CHECK(ref[0].n_spikes[0] > 20 && ref[0].n_spikes[1] > 20);  /* the network is active */
    for (int threads = 2; threads <= 5; threads++) {
        outcome o[2];
        simulate(threads, &o[0], &o[1]);
        if (!same(&ref[0], &o[0]) || !same(&ref[1], &o[1]))
            fprintf(stderr, "results differ with %d threads\n", threads);
        CHECK(same(&ref[0], &o[0]));
        CHECK(same(&ref[1], &o[1]));
        release(&o[0]);
        release(&o[1]);
    }
    /* rv_sim_set_threads checks its argument */
    rv_sim *sim = sim_new(0.1, 1);
    FAILS(sim, RV_ERR_VALUE, rv_sim_set_threads(sim, 0));
    FAILS(sim, RV_ERR_VALUE, rv_sim_set_threads(sim, -3));
    FAILS(NULL, RV_ERR_NULL, rv_sim_set_threads(NULL, 2));
    rv_sim_free(sim);
    release(&ref[0]);
    release(&ref[1]);
    TEST_END();
}
