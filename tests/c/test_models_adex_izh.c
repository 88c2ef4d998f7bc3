/*
 * The nonlinear models EIF_cond_exp_isfa_ista, EIF_cond_alpha_isfa_ista,
 * Izhikevich and IF_cond_exp_gsfa_grr in the cases C can check cheaply
 * (their accuracy against a high-precision reference is measured in
 * tests/python/test_models_adex_izh.py):
 *
 *   - the tables: names, units, defaults and receptors as PyNN has them;
 *   - reductions: AdEx with delta_T = a = b = 0 is IF_cond_exp /
 *     IF_cond_alpha, IF_cond_exp_gsfa_grr with q_sfa = q_rr = 0 is
 *     IF_cond_exp, step for step, under the same spike input;
 *   - closed forms: AdEx (delta_T = 0, a = 0) charging under a constant
 *     current, w decaying exactly between spikes and jumping by b e^(-s/tau_w)
 *     at each, s <= dt; the g_s and g_r of IF_cond_exp_gsfa_grr, sums of
 *     q e^(-(t - t_k)/tau) over the spikes t_k;
 *   - the Izhikevich reset rule (a voltage jump to 30 mV or above spikes at
 *     that step: v = c, u += d), its fixed point, and convergence of its
 *     spike times with dt;
 *   - the per-value and cross-parameter rules, whose messages name the
 *     parameter;
 *   - the same results with 1 and 3 threads (the careful, scalar pass runs
 *     per shard).
 */
#include "testutil.h"

/* ---- tables --------------------------------------------------------------- */

static const char *var_unit(const char *model, const char *var)
{
    rv_model_info mi;
    if (rv_model_get_info(model, &mi) != RV_OK)
        return "";
    for (int k = 0; k < mi.n_vars; k++) {
        rv_var_info vi;
        if (rv_model_get_var(model, k, &vi) == RV_OK && strcmp(vi.name, var) == 0)
            return vi.unit;
    }
    return "";
}

static double param_default(const char *model, const char *name)
{
    rv_model_info mi;
    if (rv_model_get_info(model, &mi) != RV_OK)
        return NAN;
    for (int k = 0; k < mi.n_params; k++) {
        rv_param_info pi;
        if (rv_model_get_param(model, k, &pi) == RV_OK && strcmp(pi.name, name) == 0)
            return pi.default_value;
    }
    return NAN;
}

static void tables(void)
{
    const char *adex[] = {"EIF_cond_exp_isfa_ista", "EIF_cond_alpha_isfa_ista"};
    for (int m = 0; m < 2; m++) {
        rv_model_info mi;
        CHECK(rv_model_get_info(adex[m], &mi) == RV_OK);
        CHECK(mi.n_params == 16 && mi.n_vars == 4 && mi.n_receptors == 2);
        CHECK(mi.conductance_based == 1 && mi.voltage_jump == 0);
        CHECK(strcmp(var_unit(adex[m], "w"), "nA") == 0);
        CHECK(strcmp(var_unit(adex[m], "gsyn_exc"), "uS") == 0);
        CHECK(param_default(adex[m], "a") == 4.0 && param_default(adex[m], "b") == 0.0805);
        CHECK(param_default(adex[m], "v_spike") == -40.0 && param_default(adex[m], "tau_m") == 9.3667);
    }
    rv_model_info mi;
    CHECK(rv_model_get_info("Izhikevich", &mi) == RV_OK);
    CHECK(mi.n_params == 5 && mi.n_vars == 2 && mi.voltage_jump == 1 && !mi.conductance_based);
    CHECK(strcmp(var_unit("Izhikevich", "u"), "mV/ms") == 0);
    CHECK(param_default("Izhikevich", "d") == 2.0 && param_default("Izhikevich", "c") == -65.0);
    CHECK(rv_model_get_info("IF_cond_exp_gsfa_grr", &mi) == RV_OK);
    CHECK(mi.n_params == 17 && mi.n_vars == 5 && mi.conductance_based == 1);
    CHECK(strcmp(var_unit("IF_cond_exp_gsfa_grr", "g_r"), "nS") == 0);
    CHECK(strcmp(var_unit("IF_cond_exp_gsfa_grr", "g_s"), "nS") == 0);
    CHECK(param_default("IF_cond_exp_gsfa_grr", "q_rr") == 3000.0);
    CHECK(param_default("IF_cond_exp_gsfa_grr", "q_sfa") == 15.0);
}

/* ---- shared input ----------------------------------------------------------- */

/* A SpikeSourceArray of n_src neurons with regular-ish trains, connected
 * to neuron 0 of `post` through `receptor` with weights w (k + 1) / n_src. */
static void drive(rv_sim *sim, int32_t post, const char *receptor, int n_src, double period,
                  double offset, double w, double t_stop)
{
    int32_t src = pop_new(sim, "SpikeSourceArray", n_src);
    int64_t *off = calloc((size_t)n_src + 1, sizeof *off);
    int64_t per = (int64_t)(t_stop / period) + 1, total = 0;
    double *times = calloc((size_t)(n_src * per), sizeof *times);
    for (int k = 0; k < n_src; k++) {
        for (int64_t j = 0; j < per; j++) {
            /* distinct, grid-aligned times */
            double t = offset + j * period + 0.1 * ((k * 7 + j * 3) % 11);
            if (t < t_stop)
                times[total++] = round(t * 10.0) / 10.0;
        }
        off[k + 1] = total;
    }
    OK(sim, rv_pop_set_spike_times(sim, src, NULL, n_src, off, times));
    int32_t proj = -1;
    OK(sim, rv_proj_create(sim, src, post, receptor, "StaticSynapse", &proj));
    for (int k = 0; k < n_src; k++) {
        uint32_t i = (uint32_t)k, j = 0;
        double weight = w * (k + 1) / n_src, delay = 1.0;
        rv_values v[2] = {{"weight", &weight, 1}, {"delay", &delay, 1}};
        OK(sim, rv_proj_connect(sim, proj, 1, &i, &j, v, 2));
    }
    free(off);
    free(times);
}

/* Runs one neuron of `model` with the given parameters under the shared
 * input; records v and spikes. */
typedef struct named {
    const char *name;
    double value;
} named;

static rv_sim *run_one(const char *model, const named *params, int n_params, double t_stop,
                       int threads, double v_init, int32_t *pop_out)
{
    rv_sim *sim = sim_new(0.1, 1);
    if (threads > 1)
        OK(sim, rv_sim_set_threads(sim, threads));
    int32_t pop = pop_new(sim, model, 5);
    for (int k = 0; k < n_params; k++)
        set_all(sim, pop, params[k].name, params[k].value);
    if (!isnan(v_init))
        OK(sim, rv_pop_set_initial(sim, pop, "v", NULL, 0, &v_init, 1));
    drive(sim, pop, "excitatory", 8, 7.0, 2.0, 0.012, t_stop);
    drive(sim, pop, "inhibitory", 4, 13.0, 5.0, 0.02, t_stop);
    OK(sim, rv_rec_set(sim, pop, "v", NULL, 0, 1));
    OK(sim, rv_rec_set(sim, pop, "spikes", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, t_stop));
    *pop_out = pop;
    return sim;
}

/* Two runs give the same v trace (within tol) and the same spikes. */
static void same_runs(rv_sim *a, int32_t pa, rv_sim *b, int32_t pb, double tol, int64_t *n_spikes)
{
    int64_t na, nb, sa, sb;
    double *va = trace_of(a, pa, "v", 0, &na), *vb = trace_of(b, pb, "v", 0, &nb);
    CHECK(na == nb && na > 0);
    double worst = 0;
    for (int64_t k = 0; k < na && k < nb; k++)
        worst = fmax(worst, fabs(va[k] - vb[k]));
    CHECK_NEAR(worst, 0.0, tol);
    double *ta = spikes_of(a, pa, 0, &sa), *tb = spikes_of(b, pb, 0, &sb);
    CHECK(sa == sb);
    int64_t k = 0;
    while (k < sa && k < sb && ta[k] == tb[k])
        k++;
    CHECK(k == sa && k == sb);
    *n_spikes = sa;
    free(va);
    free(vb);
    free(ta);
    free(tb);
}

/* ---- reductions ---------------------------------------------------------------- */

static void adex_reduces_to_if_cond(void)
{
    const char *pairs[2][2] = {{"EIF_cond_exp_isfa_ista", "IF_cond_exp"},
                               {"EIF_cond_alpha_isfa_ista", "IF_cond_alpha"}};
    const double refracs[] = {0.0, 0.1, 2.0};
    for (int m = 0; m < 2; m++)
        for (int r = 0; r < 3; r++) {
            named common[] = {{"cm", 0.281},        {"tau_m", 9.3667},    {"v_rest", -70.6},
                              {"v_reset", -70.6},   {"v_thresh", -50.4},  {"tau_refrac", refracs[r]},
                              {"e_rev_E", 0.0},     {"e_rev_I", -80.0},   {"tau_syn_E", 5.0},
                              {"tau_syn_I", 5.0},   {"i_offset", 0.35}};
            named zero[] = {{"delta_T", 0.0}, {"a", 0.0}, {"b", 0.0}};
            named all[14];
            memcpy(all, common, sizeof common);
            memcpy(all + 11, zero, sizeof zero);
            int32_t pa, pb;
            rv_sim *a = run_one(pairs[m][0], all, 14, 300.0, 1, -70.6, &pa);
            rv_sim *b = run_one(pairs[m][1], common, 11, 300.0, 1, -70.6, &pb);
            int64_t n;
            same_runs(a, pa, b, pb, 1e-9, &n);
            CHECK(n > 5);
            rv_sim_free(a);
            rv_sim_free(b);
        }
}

static void gsfa_grr_reduces_to_if_cond_exp(void)
{
    named common[] = {{"i_offset", 0.6}, {"tau_refrac", 0.5}, {"v_reset", -68.0}};
    named zero[] = {{"i_offset", 0.6}, {"tau_refrac", 0.5}, {"v_reset", -68.0},
                    {"q_sfa", 0.0},    {"q_rr", 0.0}};
    int32_t pa, pb;
    rv_sim *a = run_one("IF_cond_exp_gsfa_grr", zero, 5, 300.0, 1, NAN, &pa);
    rv_sim *b = run_one("IF_cond_exp", common, 3, 300.0, 1, NAN, &pb);
    int64_t n;
    same_runs(a, pa, b, pb, 1e-9, &n);
    CHECK(n > 5);
    rv_sim_free(a);
    rv_sim_free(b);
}

/* ---- AdEx closed forms ------------------------------------------------------------- */

/* delta_T = 0, a = 0, no input: v(t) = v_rest + I/g_L (1 - e^(-t/tau_m)) below
 * threshold, w stays 0. */
static void adex_linear_charging(void)
{
    const char *models[] = {"EIF_cond_exp_isfa_ista", "EIF_cond_alpha_isfa_ista"};
    for (int m = 0; m < 2; m++) {
        rv_sim *sim = sim_new(0.1, 1);
        int32_t pop = pop_new(sim, models[m], 1);
        set_all(sim, pop, "delta_T", 0.0);
        set_all(sim, pop, "a", 0.0);
        set_all(sim, pop, "i_offset", 0.5);   /* R I = 0.5 / 0.03 = 16.7 mV < 20.2 */
        OK(sim, rv_rec_set(sim, pop, "v", NULL, 0, 1));
        OK(sim, rv_rec_set(sim, pop, "w", NULL, 0, 1));
        OK(sim, rv_sim_run_until(sim, 100.0));
        int64_t n, nw;
        double *v = trace_of(sim, pop, "v", 0, &n), *w = trace_of(sim, pop, "w", 0, &nw);
        CHECK(n == 1001 && nw == 1001);
        double g_l = 0.281 / 9.3667, worst = 0, worst_w = 0;
        for (int64_t k = 0; k < n; k++) {
            double exact = -70.6 + 0.5 / g_l * -expm1(-k * 0.1 / 9.3667);
            worst = fmax(worst, fabs(v[k] - exact));
            worst_w = fmax(worst_w, fabs(w[k]));
        }
        CHECK_NEAR(worst, 0.0, 1e-8);   /* one RK4 step per dt: ~1e-10 mV */
        CHECK(worst_w == 0.0);
        free(v);
        free(w);
        rv_sim_free(sim);
    }
}

/* a = 0: dw/dt = -w/tau_w whatever v does, and w += b at each spike.
 * Between spikes w decays exactly; in the step of a spike at t_c the jump
 * b e^(-(t_end - t_c)/tau_w) lies in [b e^(-dt/tau_w), b]. */
static void adex_w_decay_and_jumps(void)
{
    const char *models[] = {"EIF_cond_exp_isfa_ista", "EIF_cond_alpha_isfa_ista"};
    for (int m = 0; m < 2; m++) {
        rv_sim *sim = sim_new(0.1, 1);
        int32_t pop = pop_new(sim, models[m], 1);
        const double b = 0.05, tau_w = 50.0;
        set_all(sim, pop, "a", 0.0);
        set_all(sim, pop, "b", b);
        set_all(sim, pop, "tau_w", tau_w);
        set_all(sim, pop, "i_offset", 1.0);
        OK(sim, rv_rec_set(sim, pop, "w", NULL, 0, 1));
        OK(sim, rv_rec_set(sim, pop, "v", NULL, 0, 1));
        OK(sim, rv_rec_set(sim, pop, "spikes", NULL, 0, 1));
        OK(sim, rv_sim_run_until(sim, 200.0));
        int64_t n, nv, ns;
        double *w = trace_of(sim, pop, "w", 0, &n), *v = trace_of(sim, pop, "v", 0, &nv);
        double *t = spikes_of(sim, pop, 0, &ns);
        CHECK(ns > 5);
        double decay = exp(-0.1 / tau_w), worst = 0;
        int64_t next = 0, jumps = 0;
        for (int64_t k = 1; k < n; k++) {
            double tk = k * 0.1, predicted = w[k - 1] * decay;
            if (next < ns && fabs(t[next] - tk) < 1e-9) {
                double jump = w[k] - predicted;
                CHECK(jump >= b * decay * (1 - 1e-9) && jump <= b * (1 + 1e-9));
                CHECK(v[k] == -70.6);    /* reset, held to the end of the step */
                next++;
                jumps++;
            } else {
                worst = fmax(worst, fabs(w[k] - predicted));
            }
        }
        CHECK(jumps == ns);
        CHECK_NEAR(worst, 0.0, 1e-13);
        /* spikes are stamped on the grid, and the membrane never records
           a value at or above the spike level */
        for (int64_t k = 0; k < ns; k++)
            CHECK(fabs(t[k] * 10.0 - round(t[k] * 10.0)) < 1e-9);
        for (int64_t k = 0; k < nv; k++)
            CHECK(v[k] < -40.0);
        free(w);
        free(v);
        free(t);
        rv_sim_free(sim);
    }
}

/* The refractory period holds v at v_reset for round(tau_refrac/dt) steps
 * after the step of the spike. */
static void adex_refractory_hold(void)
{
    rv_sim *sim = sim_new(0.1, 1);
    int32_t pop = pop_new(sim, "EIF_cond_exp_isfa_ista", 1);
    set_all(sim, pop, "i_offset", 2.0);
    set_all(sim, pop, "tau_refrac", 1.0);
    OK(sim, rv_rec_set(sim, pop, "v", NULL, 0, 1));
    OK(sim, rv_rec_set(sim, pop, "spikes", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, 50.0));
    int64_t n, ns;
    double *v = trace_of(sim, pop, "v", 0, &n), *t = spikes_of(sim, pop, 0, &ns);
    CHECK(ns > 3);
    for (int64_t s = 0; s < ns; s++) {
        int64_t k = (int64_t)llround(t[s] / 0.1);
        for (int64_t j = k; j <= k + 10 && j < n; j++)
            CHECK(v[j] == -70.6);
        if (k + 11 < n)
            CHECK(v[k + 11] > -70.6);
    }
    free(v);
    free(t);
    rv_sim_free(sim);
}

/* ---- Izhikevich ---------------------------------------------------------------- */

static void izhikevich_reset_rule(void)
{
    rv_sim *sim = sim_new(0.1, 1);
    int32_t pop = pop_new(sim, "Izhikevich", 1);
    const double c = -60.0, d = 8.0;
    set_all(sim, pop, "c", c);
    set_all(sim, pop, "d", d);
    double t_in = 5.0;
    int32_t src = ssa_new(sim, &t_in, 1);
    connect_one(sim, src, 0, pop, 0, "excitatory", 120.0, 1.0);   /* -70 + 120 >= 30 */
    OK(sim, rv_rec_set(sim, pop, "v", NULL, 0, 1));
    OK(sim, rv_rec_set(sim, pop, "u", NULL, 0, 1));
    OK(sim, rv_rec_set(sim, pop, "spikes", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, 10.0));
    int64_t n, nu, ns;
    double *v = trace_of(sim, pop, "v", 0, &n), *u = trace_of(sim, pop, "u", 0, &nu);
    double *t = spikes_of(sim, pop, 0, &ns);
    /* (v, u) = (-70, -14) is a fixed point of the defaults (a = 0.02, b = 0.2) */
    for (int64_t k = 0; k < 60; k++) {
        CHECK_NEAR(v[k], -70.0, 1e-9);
        CHECK_NEAR(u[k], -14.0, 1e-9);
    }
    /* the jump arrives at 6 ms, lifts v to 50 mV: spike at 6 ms, v = c, u += d */
    CHECK(ns == 1);
    CHECK(ns >= 1 && fabs(t[0] - 6.0) < 1e-9);
    CHECK(v[60] == c);
    CHECK_NEAR(u[60], -14.0 + d, 1e-9);
    /* from (c, -14 + d) = (-60, -6): dv/dt = 0.04 c^2 + 5 c + 140 - u = -10 mV/ms */
    CHECK_NEAR(v[61], c - 1.0, 0.01);
    free(v);
    free(u);
    free(t);
    rv_sim_free(sim);

    /* A jump that stops short of 30 mV does not spike by itself; inhibition
       (negative weights) moves v down. */
    sim = sim_new(0.1, 1);
    pop = pop_new(sim, "Izhikevich", 1);
    src = ssa_new(sim, &t_in, 1);
    connect_one(sim, src, 0, pop, 0, "inhibitory", -5.0, 1.0);
    OK(sim, rv_rec_set(sim, pop, "v", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, 7.0));
    v = trace_of(sim, pop, "v", 0, &n);
    CHECK_NEAR(v[60], -75.0, 1e-9);
    free(v);
    rv_sim_free(sim);
}

/* Tonic spiking (i_offset = 10 pA = 10 mV/ms): the state is reset at each
 * crossing time, so the spike times at dt = 0.1 and 0.01 ms are each at most
 * one step after the same exact times: they differ by less than 0.1 ms. */
static void izhikevich_convergence(void)
{
    double *t[2];
    int64_t ns[2];
    const double dts[2] = {0.1, 0.01};
    for (int r = 0; r < 2; r++) {
        rv_sim *sim = sim_new(dts[r], 1);
        int32_t pop = pop_new(sim, "Izhikevich", 1);
        set_all(sim, pop, "i_offset", 0.01);
        OK(sim, rv_rec_set(sim, pop, "spikes", NULL, 0, 1));
        OK(sim, rv_sim_run_until(sim, 200.0));
        t[r] = spikes_of(sim, pop, 0, &ns[r]);
        rv_sim_free(sim);
    }
    CHECK(ns[0] == ns[1] && ns[0] > 10);
    for (int64_t k = 0; k < ns[0] && k < ns[1]; k++)
        CHECK(t[0][k] - t[1][k] > -0.01 - 1e-9 && t[0][k] - t[1][k] < 0.1 + 1e-9);
    free(t[0]);
    free(t[1]);
}

/* ---- IF_cond_exp_gsfa_grr: g_s and g_r ------------------------------------------ */

static void gsfa_grr_conductances(void)
{
    rv_sim *sim = sim_new(0.1, 1);
    int32_t pop = pop_new(sim, "IF_cond_exp_gsfa_grr", 1);
    set_all(sim, pop, "i_offset", 2.0);
    OK(sim, rv_rec_set(sim, pop, "g_s", NULL, 0, 1));
    OK(sim, rv_rec_set(sim, pop, "g_r", NULL, 0, 1));
    OK(sim, rv_rec_set(sim, pop, "spikes", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, 300.0));
    int64_t n, nr, ns;
    double *gs = trace_of(sim, pop, "g_s", 0, &n), *gr = trace_of(sim, pop, "g_r", 0, &nr);
    double *t = spikes_of(sim, pop, 0, &ns);
    CHECK(ns > 5);
    double worst_s = 0, worst_r = 0;
    for (int64_t k = 0; k < n; k++) {
        double tk = k * 0.1, s = 0, r = 0;
        for (int64_t j = 0; j < ns && t[j] <= tk + 1e-9; j++) {
            s += 15.0 * exp(-(tk - t[j]) / 100.0);
            r += 3000.0 * exp(-(tk - t[j]) / 2.0);
        }
        worst_s = fmax(worst_s, fabs(gs[k] - s));
        worst_r = fmax(worst_r, fabs(gr[k] - r));
    }
    CHECK_NEAR(worst_s, 0.0, 1e-9);   /* nS */
    CHECK_NEAR(worst_r, 0.0, 1e-8);
    /* adaptation: the interspike intervals grow */
    CHECK(ns > 3 && t[ns - 1] - t[ns - 2] > t[1] - t[0]);
    free(gs);
    free(gr);
    free(t);
    rv_sim_free(sim);
}

/* ---- rules ---------------------------------------------------------------------- */

static void value_rule(const char *model, const char *name, double value)
{
    rv_sim *sim = sim_new(0.1, 1);
    int32_t pop = pop_new(sim, model, 2);
    int64_t i = 1;
    FAILS(sim, RV_ERR_VALUE, rv_pop_set_param(sim, pop, name, &i, 1, &value, 1));
    CHECK(strstr(rv_sim_errmsg(sim), name) != NULL);
    rv_sim_free(sim);
}

/* Values each fine alone but not together: refused when a run starts,
 * with a message naming `expect`, and the clock does not move. */
static void cross_rule(const char *model, const named *params, int n, const char *expect)
{
    rv_sim *sim = sim_new(0.1, 1);
    int32_t pop = pop_new(sim, model, 3);
    for (int k = 0; k < n; k++)
        set_one(sim, pop, 2, params[k].name, params[k].value);
    FAILS(sim, RV_ERR_VALUE, rv_sim_run_until(sim, 1.0));
    if (!strstr(rv_sim_errmsg(sim), expect)) {
        fprintf(stderr, "message without '%s': %s\n", expect, rv_sim_errmsg(sim));
        test_failures++;
    }
    CHECK(strstr(rv_sim_errmsg(sim), "neuron 2") != NULL);
    rv_sim_info info;
    OK(sim, rv_sim_get_info(sim, &info));
    CHECK(info.t == 0.0);
    rv_sim_free(sim);
}

static void rules(void)
{
    const char *adex[] = {"EIF_cond_exp_isfa_ista", "EIF_cond_alpha_isfa_ista"};
    for (int m = 0; m < 2; m++) {
        value_rule(adex[m], "cm", 0.0);
        value_rule(adex[m], "cm", -0.2);
        value_rule(adex[m], "tau_m", -1.0);
        value_rule(adex[m], "tau_w", 0.0);
        value_rule(adex[m], "tau_syn_E", 0.0);
        value_rule(adex[m], "tau_syn_I", -5.0);
        value_rule(adex[m], "tau_refrac", -0.1);
        value_rule(adex[m], "delta_T", -1.0);
        value_rule(adex[m], "v_spike", NAN);
        value_rule(adex[m], "a", INFINITY);
        named reset_above_spike[] = {{"v_reset", -40.0}};
        cross_rule(adex[m], reset_above_spike, 1, "v_reset");
        named spike_below_thresh[] = {{"v_spike", -55.0}, {"v_reset", -70.0}};
        cross_rule(adex[m], spike_below_thresh, 2, "v_spike");
        named overflow[] = {{"delta_T", 0.01}, {"v_spike", 0.0}};
        cross_rule(adex[m], overflow, 2, "delta_T");
        named hard[] = {{"delta_T", 0.0}, {"v_reset", -50.0}};
        cross_rule(adex[m], hard, 2, "v_thresh");
        /* delta_T = 0: v_spike is unused, so v_spike below v_thresh is fine */
        rv_sim *sim = sim_new(0.1, 1);
        int32_t pop = pop_new(sim, adex[m], 1);
        set_all(sim, pop, "delta_T", 0.0);
        set_all(sim, pop, "v_spike", -60.0);
        OK(sim, rv_sim_run_until(sim, 1.0));
        rv_sim_free(sim);
    }
    value_rule("Izhikevich", "a", NAN);
    value_rule("Izhikevich", "i_offset", INFINITY);
    named c_high[] = {{"c", 30.0}};
    cross_rule("Izhikevich", c_high, 1, "c ");
    value_rule("IF_cond_exp_gsfa_grr", "tau_sfa", 0.0);
    value_rule("IF_cond_exp_gsfa_grr", "tau_rr", -2.0);
    value_rule("IF_cond_exp_gsfa_grr", "q_sfa", -1.0);
    value_rule("IF_cond_exp_gsfa_grr", "q_rr", -1.0);
    value_rule("IF_cond_exp_gsfa_grr", "cm", 0.0);
    named reset_high[] = {{"v_reset", -50.0}};
    cross_rule("IF_cond_exp_gsfa_grr", reset_high, 1, "v_reset");
}

/* ---- threads --------------------------------------------------------------------- */

static void threads_give_the_same_results(void)
{
    const char *models[] = {"EIF_cond_exp_isfa_ista", "EIF_cond_alpha_isfa_ista", "Izhikevich",
                            "IF_cond_exp_gsfa_grr"};
    named drive_adex[] = {{"i_offset", 0.4}};
    named drive_izh[] = {{"i_offset", 0.004}};
    named drive_grr[] = {{"i_offset", 0.6}};
    const named *drives[] = {drive_adex, drive_adex, drive_izh, drive_grr};
    for (int m = 0; m < 4; m++) {
        int32_t pa, pb;
        rv_sim *a = run_one(models[m], drives[m], 1, 200.0, 1, NAN, &pa);
        rv_sim *b = run_one(models[m], drives[m], 1, 200.0, 3, NAN, &pb);
        int64_t n;
        same_runs(a, pa, b, pb, 0.0, &n);
        CHECK(n > 2);
        rv_sim_free(a);
        rv_sim_free(b);
    }
}

int main(void)
{
    tables();
    adex_reduces_to_if_cond();
    gsfa_grr_reduces_to_if_cond_exp();
    adex_linear_charging();
    adex_w_decay_and_jumps();
    adex_refractory_hold();
    izhikevich_reset_rule();
    izhikevich_convergence();
    gsfa_grr_conductances();
    rules();
    threads_give_the_same_results();
    TEST_END();
}
