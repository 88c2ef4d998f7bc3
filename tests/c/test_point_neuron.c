/*
 * Composed point neurons (rv_pop_create_composed): with receptors of one
 * kind they behave as the monolithic model (LIF: IF_curr_exp, IF_cond_exp,
 * IF_cond_alpha; AdExp: EIF_cond_exp_isfa_ista, EIF_cond_alpha_isfa_ista)
 * to rounding; a beta conductance has its closed form and
 * peaks at the weight; several receptors add; bad compositions are
 * rejected without changing anything.
 */
#include "testutil.h"

#define DT 0.1

/* Drives a population (receptor indices 0 and 1 through `rec`) with spikes
 * from a SpikeSourceArray and returns v over 60 ms. */
static void drive(rv_sim *sim, int32_t pop, const char *rec_e, const char *rec_i, double w_e,
                  double w_i, double i_off, double *v)
{
    double times[3] = {5.0, 12.0, 30.0};
    int32_t src = ssa_new(sim, times, 3);
    int32_t pe, pi;
    OK(sim, rv_proj_create(sim, src, pop, rec_e, "StaticSynapse", &pe));
    OK(sim, rv_proj_create(sim, src, pop, rec_i, "StaticSynapse", &pi));
    uint32_t zero = 0;
    double d = 1.0;
    rv_values ve[2] = {{"weight", &w_e, 1}, {"delay", &d, 1}};
    rv_values vi[2] = {{"weight", &w_i, 1}, {"delay", &d, 1}};
    OK(sim, rv_proj_connect(sim, pe, 1, &zero, &zero, ve, 2));
    OK(sim, rv_proj_connect(sim, pi, 1, &zero, &zero, vi, 2));
    OK(sim, rv_pop_set_param(sim, pop, "i_offset", NULL, 0, &i_off, 1));
    OK(sim, rv_rec_set(sim, pop, "v", NULL, 0, 1));
    OK(sim, rv_rec_set(sim, pop, "spikes", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, 60.0));
    OK(sim, rv_rec_get_signal(sim, pop, "v", NULL, 0, v));
}

/* The monolithic model against the component with two receptors of the
 * kind; i_off makes the AdExp neurons fire (exercising the careful path);
 * `tol` in mV. */
static void equivalence(const char *component, const char *model, const char *kind, int cond,
                        double we, double wi, double i_off, double tol)
{
    double ref[601], comp[601];
    rv_sim *a = sim_new(DT, 1), *b = sim_new(DT, 1);
    int32_t mono = pop_new(a, model, 1);
    if (cond) {
        double e_i = -70.0;
        OK(a, rv_pop_set_param(a, mono, "e_rev_I", NULL, 0, &e_i, 1));
    }
    drive(a, mono, "excitatory", "inhibitory", we, wi, i_off, ref);
    const char *names[2] = {"exc", "inh"}, *kinds[2] = {kind, kind};
    int32_t pn;
    OK(b, rv_pop_create_composed(b, component, 2, names, kinds, 1, &pn));
    /* the monolithic model's defaults, where they differ from the receptors' */
    double tau_e, tau_i;
    OK(a, rv_pop_get_param(a, mono, "tau_syn_E", NULL, 0, &tau_e));
    OK(a, rv_pop_get_param(a, mono, "tau_syn_I", NULL, 0, &tau_i));
    OK(b, rv_pop_set_param(b, pn, "exc.tau_syn", NULL, 0, &tau_e, 1));
    OK(b, rv_pop_set_param(b, pn, "inh.tau_syn", NULL, 0, &tau_i, 1));
    if (cond) {
        double e_e = 0.0, e_i = -70.0;
        OK(b, rv_pop_set_param(b, pn, "exc.e_syn", NULL, 0, &e_e, 1));
        OK(b, rv_pop_set_param(b, pn, "inh.e_syn", NULL, 0, &e_i, 1));
    }
    drive(b, pn, "exc", "inh", we, wi, i_off, comp);
    double worst = 0.0;
    for (int k = 0; k < 601; k++)
        worst = fmax(worst, fabs(ref[k] - comp[k]));
    if (worst > tol)
        fprintf(stderr, "%s vs %s+%s: max |dv| = %g mV\n", model, component, kind, worst);
    CHECK(worst <= tol);
    int64_t spikes_a = -1, spikes_b = -2;
    const uint32_t *idx;
    const double *times;
    OK(a, rv_rec_get_spikes(a, mono, &spikes_a, &idx, &times));
    OK(b, rv_rec_get_spikes(b, pn, &spikes_b, &idx, &times));
    CHECK(spikes_a == spikes_b);
    if (i_off > 0.5)
        CHECK(spikes_a > 0);
    double lo = ref[0], hi = ref[0];
    for (int k = 0; k < 601; k++) {
        lo = fmin(lo, ref[k]);
        hi = fmax(hi, ref[k]);
    }
    CHECK(hi - lo > 1.0);  /* the inputs did move v */
    rv_sim_free(a);
    rv_sim_free(b);
}

/* AdExp without its exponential and adaptation (delta_T = a = b = 0) is
 * the LIF membrane: with current receptors (which only the AdExp
 * component integrates by RK4) the two agree to the RK4 error. */
static void adexp_current_receptors(void)
{
    double lif[601], adexp[601];
    const char *names[2] = {"exc", "inh"}, *kinds[2] = {"CurrExp", "CurrExp"};
    const char *component[2] = {"LIF", "AdExp"};
    for (int c = 0; c < 2; c++) {
        rv_sim *sim = sim_new(DT, 1);
        int32_t pn;
        OK(sim, rv_pop_create_composed(sim, component[c], 2, names, kinds, 1, &pn));
        set_all(sim, pn, "cm", 0.5);
        set_all(sim, pn, "tau_m", 10.0);
        set_all(sim, pn, "v_rest", -65.0);
        set_all(sim, pn, "v_reset", -70.0);
        set_all(sim, pn, "v_thresh", -55.0);
        set_all(sim, pn, "tau_refrac", 2.0);
        set_all(sim, pn, "exc.tau_syn", 3.0);
        if (c == 1) {
            set_all(sim, pn, "delta_T", 0.0);
            set_all(sim, pn, "a", 0.0);
            set_all(sim, pn, "b", 0.0);
        }
        OK(sim, rv_pop_set_initial(sim, pn, "v", NULL, 0, (double[]){-65.0}, 1));
        drive(sim, pn, "exc", "inh", 4.0, -1.0, 0.9, c ? adexp : lif);
        rv_sim_free(sim);
    }
    double worst = 0.0, lo = lif[0];
    for (int k = 0; k < 601; k++) {
        worst = fmax(worst, fabs(lif[k] - adexp[k]));
        lo = fmin(lo, lif[k]);
    }
    if (worst > 1e-5)
        fprintf(stderr, "LIF vs AdExp with current receptors: max |dv| = %g mV\n", worst);
    CHECK(worst <= 1e-5);
    CHECK(lo == -70.0);  /* it fired and was reset */
}

/* One beta receptor: g(t) = w N (e^(-s/td) - e^(-s/tr)), peak w. */
static void beta_shape(void)
{
    rv_sim *sim = sim_new(DT, 1);
    const char *names[1] = {"NMDA"}, *kinds[1] = {"CondBeta"};
    int32_t pn;
    OK(sim, rv_pop_create_composed(sim, "LIF", 1, names, kinds, 1, &pn));
    double tr = 0.5, td = 4.0, w = 0.02;
    OK(sim, rv_pop_set_param(sim, pn, "NMDA.tau_rise", NULL, 0, &tr, 1));
    OK(sim, rv_pop_set_param(sim, pn, "NMDA.tau_decay", NULL, 0, &td, 1));
    double times[1] = {10.0};
    int32_t src = ssa_new(sim, times, 1), proj;
    OK(sim, rv_proj_create(sim, src, pn, "NMDA", "StaticSynapse", &proj));
    uint32_t zero = 0;
    double d = 1.0;
    rv_values vals[2] = {{"weight", &w, 1}, {"delay", &d, 1}};
    OK(sim, rv_proj_connect(sim, proj, 1, &zero, &zero, vals, 2));
    OK(sim, rv_rec_set(sim, pn, "NMDA.gsyn", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, 40.0));
    double g[401];
    OK(sim, rv_rec_get_signal(sim, pn, "NMDA.gsyn", NULL, 0, g));
    double t_peak = tr * td / (td - tr) * log(td / tr);
    double norm = 1.0 / (exp(-t_peak / td) - exp(-t_peak / tr)), peak = 0.0;
    for (int k = 0; k <= 400; k++) {
        double s = k * DT - 11.0;
        double expect = s < 0 ? 0.0 : w * norm * (exp(-s / td) - exp(-s / tr));
        CHECK_NEAR(g[k], expect, 1e-15);
        peak = fmax(peak, g[k]);
    }
    CHECK(peak <= w && peak > 0.99 * w);
    /* tau_rise must be below tau_decay: checked when the run prepares */
    double bad = 5.0;
    OK(sim, rv_pop_set_param(sim, pn, "NMDA.tau_rise", NULL, 0, &bad, 1));
    FAILS(sim, RV_ERR_VALUE, rv_sim_run_until(sim, 50.0));
    CHECK(strstr(rv_sim_errmsg(sim), "tau_rise") != NULL);
    rv_sim_free(sim);
}

static void misuse(void)
{
    rv_sim *sim = sim_new(DT, 1);
    rv_sim_info before, after;
    OK(sim, rv_sim_get_info(sim, &before));
    int32_t pn = -5;
    const char *names[3] = {"AMPA", "GABA", "AMPA"};
    const char *kinds[3] = {"CondExp", "CurrExp", "CondAlpha"};
    FAILS(sim, RV_ERR_VALUE, rv_pop_create_composed(sim, "LIF", 2, names, kinds, 3, &pn));
    const char *cond3[3] = {"CondExp", "CondAlpha", "CondAlpha"};
    FAILS(sim, RV_ERR_VALUE, rv_pop_create_composed(sim, "LIF", 3, names, cond3, 3, &pn));
    const char *wrong[1] = {"Exp"};
    FAILS(sim, RV_ERR_NAME, rv_pop_create_composed(sim, "LIF", 1, names, wrong, 3, &pn));
    FAILS(sim, RV_ERR_NAME, rv_pop_create_composed(sim, "HH", 1, names, kinds, 3, &pn));
    FAILS(sim, RV_ERR_NULL, rv_pop_create_composed(sim, "LIF", 1, NULL, kinds, 3, &pn));
    FAILS(sim, RV_ERR_NULL, rv_pop_create_composed(sim, NULL, 1, names, kinds, 3, &pn));
    FAILS(sim, RV_ERR_VALUE, rv_pop_create_composed(sim, "LIF", 1, names, kinds, 0, &pn));
    FAILS(sim, RV_ERR_LIMIT, rv_pop_create_composed(sim, "LIF", -1, names, kinds, 3, &pn));
    const char *dotted[1] = {"a.b"};
    FAILS(sim, RV_ERR_VALUE, rv_pop_create_composed(sim, "LIF", 1, dotted, kinds, 3, &pn));
    FAILS(NULL, RV_ERR_NULL, rv_pop_create_composed(NULL, "LIF", 1, names, kinds, 3, &pn));
    OK(sim, rv_sim_get_info(sim, &after));
    CHECK(pn == -5 && after.n_populations == before.n_populations);
    /* no receptors: a LIF that takes only current */
    OK(sim, rv_pop_create_composed(sim, "LIF", 0, NULL, NULL, 2, &pn));
    OK(sim, rv_sim_run_until(sim, 5.0));
    rv_sim_free(sim);
}

int main(void)
{
    equivalence("LIF", "IF_curr_exp", "CurrExp", 0, 0.8, -0.4, 0.2, 1e-11);
    equivalence("LIF", "IF_cond_exp", "CondExp", 1, 0.02, 0.04, 0.2, 1e-11);
    equivalence("LIF", "IF_cond_alpha", "CondAlpha", 1, 0.02, 0.04, 0.2, 1e-11);
    equivalence("AdExp", "EIF_cond_exp_isfa_ista", "CondExp", 1, 0.02, 0.04, 0.2, 1e-11);
    equivalence("AdExp", "EIF_cond_alpha_isfa_ista", "CondAlpha", 1, 0.02, 0.04, 0.2, 1e-11);
    equivalence("AdExp", "EIF_cond_exp_isfa_ista", "CondExp", 1, 0.02, 0.04, 0.9, 1e-11);
    equivalence("AdExp", "EIF_cond_alpha_isfa_ista", "CondAlpha", 1, 0.02, 0.04, 0.9, 1e-11);
    adexp_current_receptors();
    beta_shape();
    misuse();
    TEST_END();
}
