/*
 * HH_cond_exp and GIF_cond_exp through the C API (the accuracy against
 * references is in tests/python/test_models_hh_gif.py):
 *   - both models with Poisson input give bit-identical spikes, traces and
 *     state for 1 to 4 threads, and a reset repeats the run;
 *   - HH: one spike per action potential at any dt (coarse steps included);
 *   - GIF: the kernel counts n_eta / n_gamma are checked when a run starts
 *     (integers in [0, 5]); components beyond them are ignored; a neuron
 *     whose firing probability is 1 fires every step after its refractory
 *     period, one with lambda0 = 0 never.
 */
#include "testutil.h"

typedef struct run_out {
    int64_t n_spikes;
    double *spike_t;
    uint32_t *spike_i;
    double *trace;           /* a variable of every neuron, every sample */
    int64_t n_trace;
    double state[3];         /* a hidden-ish variable of three neurons at the end */
} run_out;

static void capture(rv_sim *sim, int32_t pop, const char *var, const char *state_var,
                    int64_t n, run_out *o)
{
    const uint32_t *idx;
    const double *t;
    OK(sim, rv_rec_get_spikes(sim, pop, &o->n_spikes, &idx, &t));
    o->spike_t = malloc((size_t)(o->n_spikes + 1) * sizeof(double));
    o->spike_i = malloc((size_t)(o->n_spikes + 1) * sizeof(uint32_t));
    memcpy(o->spike_t, t, (size_t)o->n_spikes * sizeof(double));
    memcpy(o->spike_i, idx, (size_t)o->n_spikes * sizeof(uint32_t));
    int64_t rows;
    double t0, interval;
    OK(sim, rv_rec_get_signal_info(sim, pop, var, &rows, &t0, &interval));
    o->n_trace = rows * n;
    o->trace = malloc((size_t)(o->n_trace + 1) * sizeof(double));
    OK(sim, rv_rec_get_signal(sim, pop, var, NULL, 0, o->trace));
    int64_t which[3] = {0, n / 2, n - 1};
    OK(sim, rv_pop_get_state(sim, pop, state_var, which, 3, o->state));
}

static void release(run_out *o)
{
    free(o->spike_t);
    free(o->spike_i);
    free(o->trace);
}

static int same(const run_out *a, const run_out *b)
{
    return a->n_spikes == b->n_spikes && a->n_trace == b->n_trace
           && memcmp(a->spike_t, b->spike_t, (size_t)a->n_spikes * sizeof(double)) == 0
           && memcmp(a->spike_i, b->spike_i, (size_t)a->n_spikes * sizeof(uint32_t)) == 0
           && memcmp(a->trace, b->trace, (size_t)a->n_trace * sizeof(double)) == 0
           && memcmp(a->state, b->state, sizeof a->state) == 0;
}

/* n neurons of `model` with Poisson input and a current gradient, run to
 * 200 ms in two pieces, captured, reset, run again and captured. */
static void simulate(const char *model, int threads, run_out *first, run_out *second)
{
    enum { N = 23 };
    rv_sim *sim = sim_new(0.1, 77);
    OK(sim, rv_sim_set_threads(sim, threads));
    int32_t pop = pop_new(sim, model, N);
    int32_t noise = pop_new(sim, "SpikeSourcePoisson", 10);
    set_all(sim, noise, "rate", 400.0);
    double i_off[N];
    for (int i = 0; i < N; i++)
        i_off[i] = 0.02 * i + (model[0] == 'G' ? 0.6 : 0.0);
    OK(sim, rv_pop_set_param(sim, pop, "i_offset", NULL, 0, i_off, N));
    int32_t proj;
    OK(sim, rv_proj_create(sim, noise, pop, "excitatory", "StaticSynapse", &proj));
    rv_rule all = {.kind = RV_RULE_ALL_TO_ALL, .stream = 1};
    rv_param_spec w[2] = {{"weight", RV_DIST_UNIFORM, {0.001, 0.004}, NULL},
                          {"delay", RV_DIST_CONSTANT, {0.5}, NULL}};
    OK(sim, rv_proj_connect_rule(sim, proj, &all, NULL, 0, NULL, 0, w, 2));
    int32_t rec;
    OK(sim, rv_proj_create(sim, pop, pop, "inhibitory", "StaticSynapse", &rec));
    rv_param_spec wi[2] = {{"weight", RV_DIST_CONSTANT, {0.01}, NULL},
                           {"delay", RV_DIST_CONSTANT, {1.0}, NULL}};
    OK(sim, rv_proj_connect_rule(sim, rec, &all, NULL, 0, NULL, 0, wi, 2));
    OK(sim, rv_rec_set(sim, pop, "spikes", NULL, 0, 1));
    OK(sim, rv_rec_set(sim, pop, "v", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, 77.7));
    OK(sim, rv_sim_run_until(sim, 200.0));
    const char *hidden = model[0] == 'H' ? "n" : "v_t";
    capture(sim, pop, "v", hidden, N, first);
    OK(sim, rv_sim_reset(sim));
    OK(sim, rv_sim_run_until(sim, 200.0));
    capture(sim, pop, "v", hidden, N, second);
    rv_sim_free(sim);
}

static void threads_and_reset(const char *model)
{
    run_out ref[2];
    simulate(model, 1, &ref[0], &ref[1]);
    CHECK(ref[0].n_spikes > 20);
    CHECK(same(&ref[0], &ref[1]));
    for (int threads = 2; threads <= 4; threads++) {
        run_out o[2];
        simulate(model, threads, &o[0], &o[1]);
        if (!same(&ref[0], &o[0]) || !same(&ref[1], &o[1]))
            fprintf(stderr, "%s: results differ with %d threads\n", model, threads);
        CHECK(same(&ref[0], &o[0]));
        CHECK(same(&ref[1], &o[1]));
        release(&o[0]);
        release(&o[1]);
    }
    release(&ref[0]);
    release(&ref[1]);
}

/* HH under 1 nA fires every ~7.8 ms: the same 13 spikes in 100 ms at dt
 * 0.1, 1 and 2 ms (rounded up to each grid), never two per action
 * potential. */
static void hh_one_spike_per_ap(void)
{
    double dts[3] = {0.1, 1.0, 2.0};
    double first[13];
    for (int k = 0; k < 3; k++) {
        rv_sim *sim = sim_new(dts[k], 1);
        int32_t pop = pop_new(sim, "HH_cond_exp", 1);
        set_all(sim, pop, "i_offset", 1.0);
        OK(sim, rv_rec_set(sim, pop, "spikes", NULL, 0, 1));
        OK(sim, rv_sim_run_until(sim, 100.0));
        int64_t n;
        double *t = spikes_of(sim, pop, 0, &n);
        CHECK(n == 13);
        for (int64_t j = 0; j < n && j < 13; j++) {
            if (k == 0)
                first[j] = t[j];
            /* the crossing lies in (t_0.1 - 0.1, t_0.1]: its step at dt ends in
               [t_0.1, t_0.1 + dt) */
            CHECK(t[j] >= first[j] - 1e-9 && t[j] < first[j] + dts[k] - 1e-9);
            if (j > 0)
                CHECK(t[j] - t[j - 1] > 5.0);
        }
        free(t);
        rv_sim_free(sim);
    }
}

static void gif_counts_checked(void)
{
    double bad[3] = {6.0, -1.0, 2.5};
    for (int k = 0; k < 3; k++) {
        for (int c = 0; c < 2; c++) {
            const char *name = c == 0 ? "n_eta" : "n_gamma";
            rv_sim *sim = sim_new(0.1, 1);
            int32_t pop = pop_new(sim, "GIF_cond_exp", 3);
            int64_t i = 1;
            rv_status st = rv_pop_set_param(sim, pop, name, &i, 1, &bad[k], 1);
            if (st == RV_OK) {   /* 6 and 2.5 pass the per-value rule ... */
                FAILS(sim, RV_ERR_VALUE, rv_sim_run_until(sim, 1.0));
                CHECK(strstr(rv_sim_errmsg(sim), name) != NULL);
                CHECK(strstr(rv_sim_errmsg(sim), "neuron 1") != NULL);
            } else {             /* ... -1 does not */
                CHECK(st == RV_ERR_VALUE && bad[k] < 0);
            }
            rv_sim_free(sim);
        }
    }
}

/* n_eta = 1: a_eta_2 and a_gamma_k beyond n_gamma = 0 have no effect.  The
 * neuron fires with probability 1 (v far above v_t_star), every 1 + 20
 * steps (tau_refrac 2 ms). */
static void gif_components_and_certain_outcomes(void)
{
    rv_sim *sim = sim_new(0.1, 1);
    int32_t pop = pop_new(sim, "GIF_cond_exp", 2);
    set_all(sim, pop, "v_t_star", -80.0);
    set_all(sim, pop, "delta_v", 0.001);
    set_all(sim, pop, "tau_refrac", 2.0);
    set_all(sim, pop, "v_reset", -65.0);
    set_all(sim, pop, "n_eta", 1.0);
    set_all(sim, pop, "n_gamma", 0.0);
    set_all(sim, pop, "a_eta_1", 0.25);
    set_all(sim, pop, "tau_eta_1", 1e9);
    set_all(sim, pop, "a_eta_2", 100.0);
    set_all(sim, pop, "a_gamma_1", 100.0);
    set_one(sim, pop, 1, "lambda0", 0.0);
    OK(sim, rv_rec_set(sim, pop, "spikes", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, 10.0));
    int64_t n0, n1;
    double *t0 = spikes_of(sim, pop, 0, &n0), *t1 = spikes_of(sim, pop, 1, &n1);
    CHECK(n0 == 5 && n1 == 0);
    for (int64_t j = 0; j < n0; j++)
        CHECK_NEAR(t0[j], 0.1 + 2.1 * (double)j, 1e-9);
    /* i_eta = 5 x 0.25 (tau 1e9 ms: no decay to speak of), v_t = v_t_star */
    CHECK_NEAR(state_of(sim, pop, 0, "i_eta"), 1.25, 1e-6);
    CHECK(state_of(sim, pop, 0, "v_t") == -80.0);
    CHECK(state_of(sim, pop, 1, "i_eta") == 0.0);
    free(t0);
    free(t1);
    rv_sim_free(sim);
}

int main(void)
{
    threads_and_reset("HH_cond_exp");
    threads_and_reset("GIF_cond_exp");
    hh_one_spike_per_ap();
    gif_counts_checked();
    gif_components_and_certain_outcomes();
    TEST_END();
}
