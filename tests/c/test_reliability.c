/*
 * Reliability: the defects the C API fuzzer (tests/fuzz) found, one focused
 * test each, and the rules they led to: a neuron that cannot be advanced
 * stops the run with RV_ERR_VALUE naming it; absurd sizes and
 * integer-valued parameters out of range are refused before anything is
 * allocated or converted.
 */
#include "testutil.h"

static int contains(const char *s, const char *part)
{
    return strstr(s, part) != NULL;
}

/* HH_cond_exp with an extreme initial conductance used to take ~1e9
 * sub-steps per step (a hang); now the neuron is reported and the run stops. */
static void test_hh_extreme_conductance(void)
{
    rv_sim *sim = sim_new(0.1, 1);
    int32_t other = pop_new(sim, "IF_curr_exp", 2);
    int32_t hh = pop_new(sim, "HH_cond_exp", 3);
    int64_t idx = 1;
    double g = 1e9;   /* uS: a membrane time constant of ~1e-13 ms */
    OK(sim, rv_pop_set_initial(sim, hh, "gsyn_exc", &idx, 1, &g, 1));
    FAILS(sim, RV_ERR_VALUE, rv_sim_run_until(sim, 5.0));
    const char *msg = rv_sim_errmsg(sim);
    CHECK(contains(msg, "population 1 (HH_cond_exp)"));
    CHECK(contains(msg, "neuron 1"));
    CHECK(contains(msg, "sub-steps"));
    CHECK(contains(msg, "t = "));
    rv_sim_info info;
    OK(sim, rv_sim_get_info(sim, &info));
    CHECK(info.t < 5.0);   /* stopped early */
    /* reset, a sane value, and the run goes through */
    OK(sim, rv_sim_reset(sim));
    g = 0.0;
    OK(sim, rv_pop_set_initial(sim, hh, "gsyn_exc", &idx, 1, &g, 1));
    OK(sim, rv_sim_run_until(sim, 5.0));
    (void)other;
    rv_sim_free(sim);
}

/* The careful (adaptive) pass of the AdEx and Izhikevich models used to
 * give up silently after RV__DOPRI_MAX_STEPS trial steps and carry on with
 * the state at the wrong time; a population of such neurons took minutes
 * per step.  Now the first is reported and the run stops. */
static void careful_pass_gives_up(const char *model, const char *stiff, double value,
                                  int stiff_is_initial, double v0)
{
    rv_sim *sim = sim_new(0.1, 1);
    int32_t pop = pop_new(sim, model, 2000);
    /* at the spike upswing, so that every neuron takes the careful pass */
    OK(sim, rv_pop_set_initial(sim, pop, "v", NULL, 0, &v0, 1));
    if (stiff_is_initial)
        OK(sim, rv_pop_set_initial(sim, pop, stiff, NULL, 0, &value, 1));
    else
        set_all(sim, pop, stiff, value);
    FAILS(sim, RV_ERR_VALUE, rv_sim_run_until(sim, 1.0));
    const char *msg = rv_sim_errmsg(sim);
    CHECK(contains(msg, model));
    CHECK(contains(msg, "neuron 0"));
    CHECK(contains(msg, "RV__DOPRI_MAX_STEPS"));
    rv_sim_info info;
    OK(sim, rv_sim_get_info(sim, &info));
    CHECK(info.t < 1.0);
    rv_sim_free(sim);
}

static void test_careful_pass_bounded(void)
{
    /* a conductance of 1e9 uS: the explicit integrator's stable step is
       ~1e-9 ms, 1e8 trial steps for one time step */
    careful_pass_gives_up("EIF_cond_exp_isfa_ista", "gsyn_inh", 1e9, 1, -45.0);
    careful_pass_gives_up("EIF_cond_alpha_isfa_ista", "gsyn_inh", 1e9, 1, -45.0);
    /* u relaxing at a rate of 1e9 per ms */
    careful_pass_gives_up("Izhikevich", "a", 1e9, 0, 25.0);
}

/* 2000 Izhikevich neurons with b = 2^31 - 1 (found by the fuzzer): v and u
 * oscillate with a period of about a microsecond, and each neuron fires up
 * to RV__IZH_MAX_SPIKES_PER_STEP times a step, each within its own trial-step
 * limit; together they took minutes a step.  The block's work bound stops
 * the run instead. */
static void test_block_work_bounded(void)
{
    rv_sim *sim = sim_new(0.1, 1);
    int32_t pop = pop_new(sim, "Izhikevich", 2000);
    double v0 = 25.0;
    OK(sim, rv_pop_set_initial(sim, pop, "v", NULL, 0, &v0, 1));
    set_all(sim, pop, "b", 2147483647.0);
    FAILS(sim, RV_ERR_VALUE, rv_sim_run_until(sim, 1.0));
    const char *msg = rv_sim_errmsg(sim);
    CHECK(contains(msg, "Izhikevich"));
    CHECK(contains(msg, "RV__TRIALS_PER_NEURON"));
    rv_sim_info info;
    OK(sim, rv_sim_get_info(sim, &info));
    CHECK(info.t < 1.0);
    rv_sim_free(sim);
}

/* A state that overflows into NaN used to run on silently (NaN never
 * crosses a threshold); the per-slice check stops the run. */
static void test_nan_state_stops_run(void)
{
    rv_sim *sim = sim_new(0.1, 1);
    int32_t pop = pop_new(sim, "IF_cond_exp", 4);
    int64_t idx = 2;
    double g = 1e308;
    OK(sim, rv_pop_set_initial(sim, pop, "gsyn_exc", &idx, 1, &g, 1));
    set_all(sim, pop, "tau_syn_E", 1e9);   /* so that g stays huge */
    FAILS(sim, RV_ERR_VALUE, rv_sim_run_until(sim, 10.0));
    const char *msg = rv_sim_errmsg(sim);
    CHECK(contains(msg, "population 0 (IF_cond_exp)"));
    CHECK(contains(msg, "neuron 2"));
    CHECK(contains(msg, "not finite"));
    OK(sim, rv_sim_reset(sim));
    g = 0.01;
    OK(sim, rv_pop_set_initial(sim, pop, "gsyn_exc", &idx, 1, &g, 1));
    OK(sim, rv_sim_run_until(sim, 10.0));
    rv_sim_free(sim);
}

/* A clipped normal whose interval lies far in the tail took up to 100000
 * redraws a value (minutes for an all-to-all rule); such intervals are now
 * drawn by inversion, and those beyond the tail function's range refused. */
static void test_clipped_normal_far_tail(void)
{
    rv_sim *sim = sim_new(0.1, 1);
    enum { N = 20000 };
    static double out[N];
    /* [5, 6] sigma: probability 2.9e-7; the truncated mean is
       (phi(5) - phi(6)) / (Q(5) - Q(6)) = 5.1865 */
    double phi5 = exp(-12.5) / sqrt(2 * M_PI), phi6 = exp(-18.0) / sqrt(2 * M_PI);
    double mean_ref = (phi5 - phi6) / (0.5 * erfc(5 / sqrt(2.0)) - 0.5 * erfc(6 / sqrt(2.0)));
    rv_param_spec right = {.name = "weight", .kind = RV_DIST_NORMAL_CLIPPED, .p = {1, 2, 11, 13}};
    rv_param_spec left = {.name = "weight", .kind = RV_DIST_NORMAL_CLIPPED, .p = {1, 2, -11, -9}};
    const rv_param_spec *specs[2] = {&right, &left};
    for (int k = 0; k < 2; k++) {
        OK(sim, rv_random_fill(sim, specs[k], 0, 0, N, out));
        double sum = 0.0;
        for (int i = 0; i < N; i++) {
            CHECK(out[i] >= specs[k]->p[2] && out[i] <= specs[k]->p[3]);
            sum += out[i];
        }
        double mean = (sum / N - 1.0) / 2.0;   /* standardised */
        CHECK_NEAR(fabs(mean), mean_ref, 0.01);
    }
    rv_param_spec beyond = {.name = "weight", .kind = RV_DIST_NORMAL_CLIPPED, .p = {0, 1, 40, 41}};
    FAILS(sim, RV_ERR_VALUE, rv_random_fill(sim, &beyond, 0, 0, 4, out));
    CHECK(contains(rv_sim_errmsg(sim), "too far in the tail"));
    rv_sim_free(sim);
}

/* rv__dist_draw converted p[1] - p[0] = 1e300 to uint64_t (undefined);
 * integer-valued distribution parameters are now range-checked. */
static void test_integer_distribution_ranges(void)
{
    rv_sim *sim = sim_new(0.1, 1);
    double out[4];
    rv_param_spec u = {.name = "weight", .kind = RV_DIST_UNIFORM_INT, .p = {0, 1e300}};
    FAILS(sim, RV_ERR_VALUE, rv_random_fill(sim, &u, 0, 0, 4, out));
    CHECK(contains(rv_sim_errmsg(sim), "2^53"));
    u.p[1] = 9007199254740992.0;   /* 2^53: the largest allowed */
    OK(sim, rv_random_fill(sim, &u, 0, 0, 4, out));
    for (int k = 0; k < 4; k++)
        CHECK(out[k] >= 0 && out[k] < u.p[1] && out[k] == floor(out[k]));
    rv_param_spec po = {.name = "weight", .kind = RV_DIST_POISSON, .p = {1e300}};
    FAILS(sim, RV_ERR_VALUE, rv_random_fill(sim, &po, 0, 0, 4, out));
    rv_param_spec bi = {.name = "weight", .kind = RV_DIST_BINOMIAL, .p = {1e300, 0.5}};
    FAILS(sim, RV_ERR_VALUE, rv_random_fill(sim, &bi, 0, 0, 4, out));
    /* von Mises with a kappa whose square overflows used to never accept */
    rv_param_spec vm = {.name = "weight", .kind = RV_DIST_VONMISES, .p = {1.0, 1e300}};
    OK(sim, rv_random_fill(sim, &vm, 0, 0, 4, out));
    for (int k = 0; k < 4; k++)
        CHECK_NEAR(out[k], 1.0, 1e-6);
    rv_sim_free(sim);
}

/* Absurd sizes are refused with RV_ERR_LIMIT before any allocation. */
static void test_absurd_sizes(void)
{
    rv_sim *sim = sim_new(0.1, 1);
    int32_t pop;
    FAILS(sim, RV_ERR_LIMIT, rv_pop_create(sim, "IF_curr_exp", (int64_t)1e12, &pop));
    CHECK(contains(rv_sim_errmsg(sim), "limit"));
    int32_t a = pop_new(sim, "IF_curr_exp", 10), b = pop_new(sim, "IF_curr_exp", 10), proj;
    OK(sim, rv_proj_create(sim, a, b, "excitatory", "StaticSynapse", &proj));
    rv_rule rule = {.kind = RV_RULE_FIXED_TOTAL_NUMBER, .n = (int64_t)1e15,
                    .with_replacement = 1, .allow_self = 1};
    FAILS(sim, RV_ERR_LIMIT, rv_proj_connect_rule(sim, proj, &rule, NULL, 0, NULL, 0, NULL, 0));
    CHECK(contains(rv_sim_errmsg(sim), "connections"));
    rule.kind = RV_RULE_FIXED_NUMBER_POST;
    rule.n = (int64_t)1e12;
    FAILS(sim, RV_ERR_LIMIT, rv_proj_connect_rule(sim, proj, &rule, NULL, 0, NULL, 0, NULL, 0));
    int64_t gids[3] = {0, 1, 2}, n_out;
    const int64_t *pp, *qp;
    FAILS(sim, RV_ERR_LIMIT, rv_rule_generate(sim, &rule, gids, 3, gids, 3, &n_out, &pp, &qp));
    int64_t size = -1;
    OK(sim, rv_proj_size(sim, proj, &size));
    CHECK(size == 0);   /* nothing half-made */
    OK(sim, rv_sim_run_until(sim, 1.0));
    rv_sim_free(sim);
}

/* An empty batch (all-to-all over an empty list) offset a NULL pointer in
 * collect_batch and in the rows merge. */
static void test_empty_rule_batches(void)
{
    rv_sim *sim = sim_new(0.1, 1);
    int32_t a = pop_new(sim, "IF_curr_exp", 3), proj;
    OK(sim, rv_proj_create(sim, a, a, "excitatory", "StaticSynapse", &proj));
    rv_rule rule = {.kind = RV_RULE_ALL_TO_ALL, .allow_self = 1};
    int64_t none[1] = {0}, n_out = -1;
    const int64_t *pp, *qp;
    OK(sim, rv_rule_generate(sim, &rule, none, 0, none, 0, &n_out, &pp, &qp));
    CHECK(n_out == 0);
    OK(sim, rv_proj_connect_rule(sim, proj, &rule, none, 0, NULL, 0, NULL, 0));
    int64_t size = -1;
    OK(sim, rv_proj_size(sim, proj, &size));
    CHECK(size == 0);
    rv_sim_free(sim);
}

/* Reading a signal of a neuron that was not recorded, from a block with
 * no recorded columns, passed NULL to bsearch. */
static void test_signal_without_columns(void)
{
    rv_sim *sim = sim_new(0.1, 1);
    rv_sim_set_threads(sim, 2);
    int32_t pop = pop_new(sim, "IF_curr_exp", 4);
    int64_t idx = 0;
    OK(sim, rv_rec_set(sim, pop, "v", &idx, 1, 1));   /* only shard 0 has a column */
    OK(sim, rv_sim_run_until(sim, 1.0));
    int64_t n;
    double t0, iv;
    OK(sim, rv_rec_get_signal_info(sim, pop, "v", &n, &t0, &iv));
    double *out = calloc((size_t)n * 2, sizeof *out);
    int64_t both[2] = {0, 3};
    OK(sim, rv_rec_get_signal(sim, pop, "v", both, 2, out));
    CHECK(!isnan(out[0]) && isnan(out[1]));
    OK(sim, rv_rec_clear(sim, pop));
    free(out);
    rv_sim_free(sim);
}

/* Sampling intervals and run targets that do not fit an integer. */
static void test_time_conversions(void)
{
    rv_sim *sim = sim_new(0.1, 1);
    int32_t pop = pop_new(sim, "IF_curr_exp", 2);
    double bad[] = {INFINITY, 1e300, 1e19, -1e300, NAN};
    for (int k = 0; k < 5; k++)
        FAILS(sim, RV_ERR_VALUE, rv_rec_set_interval(sim, pop, bad[k]));
    FAILS(sim, RV_ERR_VALUE, rv_sim_run_until(sim, 1e300));
    rv_sim_free(sim);
}

int main(void)
{
    test_hh_extreme_conductance();
    test_nan_state_stops_run();
    test_careful_pass_bounded();
    test_block_work_bounded();
    test_integer_distribution_ranges();
    test_clipped_normal_far_tail();
    test_absurd_sizes();
    test_empty_rule_batches();
    test_signal_without_columns();
    test_time_conversions();
    TEST_END();
}
