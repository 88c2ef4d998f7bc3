/*
 * The neuron models against closed-form solutions.
 *
 *   - IF_curr_exp under a constant current: v(t) = v_rest + R I (1 - e^(-t/tau_m))
 *     at every step (the integration is exact, so only rounding remains),
 *     the first spike time and the inter-spike interval.
 *   - The post-synaptic potential of every model after one input spike: the
 *     current-based models against the closed-form convolution of the
 *     synaptic current with the membrane filter, the conductance-based ones
 *     (g exactly, v against a fine RK4 reference computed here).
 *   - The timing convention: a spike emitted at t_s through a delay d makes
 *     the synaptic variable jump at t_s + d, and the sample recorded at
 *     t_s + d already shows the jump while v there is still unaffected.
 *   - Refractoriness, the v_reset < v_thresh rule, and bit-for-bit
 *     repetition (reset, split runs, seeds).
 */
#include "testutil.h"

static const double DT = 0.1;

/* ---- constant current ------------------------------------------------------ */

/* v(t) = v_rest + R I (1 - e^(-t/tau_m)), R = tau_m / cm, from v(0) = v_rest. */
static double v_const(double v_rest, double tau_m, double cm, double i, double t)
{
    return v_rest + tau_m / cm * i * -expm1(-t / tau_m);
}

static void constant_current_subthreshold(void)
{
    rv_sim *sim = sim_new(DT, 1);
    int32_t pop = pop_new(sim, "IF_curr_exp", 2);
    /* neuron 0: defaults (tau_m 20, cm 1) with 0.5 nA: R I = 10 mV;
       neuron 1: tau_m 7, cm 0.25, v_rest -70 with 0.3 nA: R I = 8.4 mV */
    set_one(sim, pop, 0, "i_offset", 0.5);
    set_one(sim, pop, 1, "tau_m", 7.0);
    set_one(sim, pop, 1, "cm", 0.25);
    set_one(sim, pop, 1, "v_rest", -70.0);
    set_one(sim, pop, 1, "v_reset", -70.0);
    set_one(sim, pop, 1, "i_offset", 0.3);
    double v0 = -70.0;
    int64_t one = 1;
    OK(sim, rv_pop_set_initial(sim, pop, "v", &one, 1, &v0, 1));
    OK(sim, rv_rec_set(sim, pop, "v", NULL, 0, 1));
    OK(sim, rv_rec_set(sim, pop, "spikes", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, 50.0));
    CHECK(spike_total(sim, pop) == 0);
    int64_t n0, n1;
    double *v_a = trace_of(sim, pop, "v", 0, &n0);
    double *v_b = trace_of(sim, pop, "v", 1, &n1);
    CHECK(n0 == 501 && n1 == 501);
    double worst = 0;
    for (int64_t k = 0; k < n0 && k < n1; k++) {
        double t = k * DT;
        worst = fmax(worst, fabs(v_a[k] - v_const(-65.0, 20.0, 1.0, 0.5, t)));
        worst = fmax(worst, fabs(v_b[k] - v_const(-70.0, 7.0, 0.25, 0.3, t)));
    }
    CHECK_NEAR(worst, 0.0, 1e-12);
    free(v_a);
    free(v_b);
    rv_sim_free(sim);
}

/* Time to climb from v_from to v_thresh under R I: tau ln((RI - (v_from - v_rest)) /
 * (RI - (v_thresh - v_rest))). */
static double time_to_threshold(double tau_m, double ri, double from, double thresh)
{
    return tau_m * log((ri - from) / (ri - thresh));
}

static void constant_current_spikes(void)
{
    const double tau_m = 20.0, cm = 1.0, i = 1.0, tau_refrac = 2.0;
    const double v_rest = -65.0, v_thresh = -50.0, v_reset = -70.0;
    rv_sim *sim = sim_new(DT, 1);
    int32_t pop = pop_new(sim, "IF_curr_exp", 1);
    set_all(sim, pop, "i_offset", i);
    set_all(sim, pop, "tau_refrac", tau_refrac);
    set_all(sim, pop, "v_reset", v_reset);
    OK(sim, rv_rec_set(sim, pop, "spikes", NULL, 0, 1));
    OK(sim, rv_rec_set(sim, pop, "v", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, 200.0));
    int64_t n;
    double *t = spikes_of(sim, pop, 0, &n);
    CHECK(n >= 3);
    double ri = tau_m / cm * i;
    /* First spike: recorded at the end of the step that contains t*. */
    double t_star = time_to_threshold(tau_m, ri, 0.0, v_thresh - v_rest);
    CHECK(t[0] >= t_star && t[0] - t_star < DT);
    CHECK_NEAR(t[0], ceil(t_star / DT) * DT, 1e-9);
    /* The sample before the spike is below threshold, the spike sample is
       the reset value. */
    int64_t nv;
    double *v = trace_of(sim, pop, "v", 0, &nv);
    int64_t k = (int64_t)llround(t[0] / DT);
    CHECK(v[k - 1] < v_thresh && v[k] == v_reset);
    free(v);
    /* Every later interval: tau_refrac clamped at v_reset, then the climb
       from v_reset, again ending at the end of the step that holds it. */
    double climb = time_to_threshold(tau_m, ri, v_reset - v_rest, v_thresh - v_rest);
    double isi = tau_refrac + ceil(climb / DT) * DT;
    for (int64_t s = 1; s < n; s++)
        CHECK_NEAR(t[s] - t[s - 1], isi, 1e-9);
    free(t);
    rv_sim_free(sim);
}

/* ---- post-synaptic potentials ------------------------------------------------ */

/* Timing of the single input spike used by every PSP test. */
static const double T_SPIKE = 1.0, DELAY = 1.5, T_END = 60.0;

typedef struct psp_case {
    const char *model;
    const char *receptor;   /* "excitatory" or "inhibitory" */
    double w;
    double tau_m, cm, tau_syn;
    double dt;              /* 0: DT */
} psp_case;

typedef struct psp_run {
    double *v, *g;           /* recorded v and synaptic variable of the receptor */
    int64_t n;
    int64_t i0;              /* sample index of the arrival, (T_SPIKE + DELAY) / dt */
} psp_run;

static int is_exc(const psp_case *c)
{
    return strcmp(c->receptor, "excitatory") == 0;
}

/* One neuron (no threshold crossing) receiving one spike at T_SPIKE through
 * a synapse of delay DELAY. */
static double dt_of(const psp_case *c)
{
    return c->dt > 0 ? c->dt : DT;
}

static psp_run run_psp(const psp_case *c)
{
    const double dt = dt_of(c);
    rv_sim *sim = sim_new(dt, 1);
    double ts = T_SPIKE;
    int32_t src = ssa_new(sim, &ts, 1);
    int32_t pop = pop_new(sim, c->model, 1);
    set_all(sim, pop, "tau_m", c->tau_m);
    set_all(sim, pop, "cm", c->cm);
    set_all(sim, pop, "v_thresh", 100.0);
    rv_model_info mi;
    OK(sim, rv_model_get_info(c->model, &mi));
    const char *gvar = NULL;
    if (!mi.voltage_jump) {
        set_all(sim, pop, is_exc(c) ? "tau_syn_E" : "tau_syn_I", c->tau_syn);
        gvar = mi.conductance_based ? (is_exc(c) ? "gsyn_exc" : "gsyn_inh")
                                    : (is_exc(c) ? "isyn_exc" : "isyn_inh");
        OK(sim, rv_rec_set(sim, pop, gvar, NULL, 0, 1));
    }
    connect_one(sim, src, 0, pop, 0, c->receptor, c->w, DELAY);
    OK(sim, rv_rec_set(sim, pop, "v", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, T_END));
    psp_run r = {0};
    r.v = trace_of(sim, pop, "v", 0, &r.n);
    if (gvar) {
        int64_t ng;
        r.g = trace_of(sim, pop, gvar, 0, &ng);
        CHECK(ng == r.n);
    }
    r.i0 = (int64_t)llround((T_SPIKE + DELAY) / dt);
    CHECK(r.n == (int64_t)llround(T_END / dt) + 1);
    rv_sim_free(sim);
    return r;
}

static void psp_free(psp_run *r)
{
    free(r->v);
    free(r->g);
}

/* integral of e^(-a u) over [0, s], accurate for every a (also a = 0). */
static double int_exp(double a, double s)
{
    double x = a * s;
    return x == 0.0 ? s : -expm1(-x) / a;
}

/* integral of u e^(-a u) over [0, s] = (1 - e^(-x)(1 + x)) / a^2, x = a s;
 * by its Taylor series s^2 sum (-x)^k / (k! (k + 2)) when x is small. */
static double int_u_exp(double a, double s)
{
    double x = a * s;
    if (fabs(x) < 1e-2) {
        double sum = 0, term = 1;  /* term = (-x)^k / k! */
        for (int k = 0; k < 12; k++) {
            sum += term / (k + 2);
            term *= -x / (k + 1);
        }
        return s * s * sum;
    }
    return (-expm1(-x) - x * exp(-x)) / (a * a);
}

/* v - v_rest of the membrane (tau_m, cm) driven from rest by the synaptic
 * current of one spike of weight w arriving at s = 0:
 *   exponential  I(s) = w e^(-s/tau_s):
 *       V(s) = (w/cm) e^(-s/tau_m) int_0^s e^(-a u) du,   a = 1/tau_s - 1/tau_m
 *            = (w/cm) (e^(-s/tau_m) - e^(-s/tau_s)) / a       (a != 0)
 *            = (w/cm) s e^(-s/tau)                           (tau_s = tau_m)
 *   alpha        I(s) = w (s/tau_s) e^(1 - s/tau_s):
 *       V(s) = (w e/(cm tau_s)) e^(-s/tau_m) int_0^s u e^(-a u) du
 *            = (w e/(cm tau_s)) [(e^(-s/tau_m) - e^(-s/tau_s))/a^2 - s e^(-s/tau_s)/a]
 *            = (w e/(cm tau)) s^2/2 e^(-s/tau)                (tau_s = tau_m)
 * The well-separated case uses the textbook forms; near and at the limit
 * the integrals are evaluated without cancellation. */
static double psp_exp(double w, double tau_m, double cm, double tau_s, double s)
{
    double a = 1.0 / tau_s - 1.0 / tau_m;
    if (fabs(a * s) > 1e-2)
        return w / cm * (exp(-s / tau_m) - exp(-s / tau_s)) / a;
    return w / cm * exp(-s / tau_m) * int_exp(a, s);
}

static double psp_alpha(double w, double tau_m, double cm, double tau_s, double s)
{
    double a = 1.0 / tau_s - 1.0 / tau_m, k = w * M_E / (cm * tau_s);
    if (a == 0.0)
        return k * s * s / 2 * exp(-s / tau_s);
    if (fabs(a * s) > 1e-2)
        return k * ((exp(-s / tau_m) - exp(-s / tau_s)) / (a * a) - s * exp(-s / tau_s) / a);
    return k * exp(-s / tau_m) * int_u_exp(a, s);
}

/* The timing convention shared by every model: nothing before the arrival
 * sample i0 (v at rest, synaptic variable 0), and the sample at i0 already
 * holds the jump of the synaptic variable (or of v, for delta synapses). */
static void check_onset(const psp_run *r, double v_rest, double g_at_i0, int voltage_jump)
{
    for (int64_t k = 0; k < r->i0; k++) {
        CHECK(r->v[k] == v_rest);
        if (r->g)
            CHECK(r->g[k] == 0.0);
    }
    if (r->g)
        CHECK(r->g[r->i0] == g_at_i0);
    if (!voltage_jump)
        CHECK(r->v[r->i0] == v_rest);  /* the membrane reacts one step later */
    CHECK(r->v[r->i0 + 1] != v_rest);
}

static void psp_current(const psp_case *c, int alpha)
{
    psp_run r = run_psp(c);
    check_onset(&r, -65.0, alpha ? 0.0 : c->w, 0);
    double worst_v = 0, worst_i = 0;
    for (int64_t k = r.i0; k < r.n; k++) {
        double s = (k - r.i0) * DT;
        double v = alpha ? psp_alpha(c->w, c->tau_m, c->cm, c->tau_syn, s)
                         : psp_exp(c->w, c->tau_m, c->cm, c->tau_syn, s);
        double i = alpha ? c->w * s / c->tau_syn * exp(1 - s / c->tau_syn)
                         : c->w * exp(-s / c->tau_syn);
        worst_v = fmax(worst_v, fabs(r.v[k] - (-65.0 + v)));
        worst_i = fmax(worst_i, fabs(r.g[k] - i));
    }
    if (worst_v > 1e-10 || worst_i > 1e-12)
        fprintf(stderr, "%s %s tau_m %g tau_syn %g: |dv| %g |di| %g\n", c->model, c->receptor,
                c->tau_m, c->tau_syn, worst_v, worst_i);
    CHECK(worst_v <= 1e-10);
    CHECK(worst_i <= 1e-12);
    /* the PSP has the sign of the weight and is not negligible */
    CHECK((r.v[r.i0 + 20] - -65.0) * c->w > 0.01 * fabs(c->w));
    psp_free(&r);
}

static void psp_delta(void)
{
    psp_case c = {"IF_curr_delta", "excitatory", 2.0, 15.0, 1.0, 0, 0};
    psp_run r = run_psp(&c);
    check_onset(&r, -65.0, 0, 1);
    /* v jumps by w at the arrival (in the sample at t_s + d) and decays. */
    CHECK_NEAR(r.v[r.i0], -65.0 + c.w, 1e-12);
    for (int64_t k = r.i0; k < r.n; k++)
        CHECK_NEAR(r.v[k], -65.0 + c.w * exp(-(k - r.i0) * DT / c.tau_m), 1e-10);
    psp_free(&r);
    c.receptor = "inhibitory";
    c.w = -1.5;
    r = run_psp(&c);
    for (int64_t k = r.i0; k < r.n; k++)
        CHECK_NEAR(r.v[k], -65.0 + c.w * exp(-(k - r.i0) * DT / c.tau_m), 1e-10);
    psp_free(&r);
}

/* The conductance models: g(s) of one spike, and the membrane equation
 *   cm dv/dt = cm/tau_m (v_rest - v) + g(s) (e_rev - v)
 * solved by classical RK4 with step dt/1000 as the reference for v. */
typedef struct cond_ref {
    double w, tau_s, tau_m, cm, v_rest, e_rev;
    int alpha;
} cond_ref;

static double cond_g(const cond_ref *c, double s)
{
    return c->alpha ? c->w * s / c->tau_s * exp(1 - s / c->tau_s) : c->w * exp(-s / c->tau_s);
}

static double cond_rhs(const cond_ref *c, double s, double v)
{
    return (c->cm / c->tau_m * (c->v_rest - v) + cond_g(c, s) * (c->e_rev - v)) / c->cm;
}

/* Runs one conductance PSP and returns the largest |v - v_ref| over the
 * run; g is checked against its closed form to 1e-12 on the way. */
static double psp_conductance(const psp_case *pc, int alpha, double e_rev)
{
    const double dt = dt_of(pc);
    psp_run r = run_psp(pc);
    check_onset(&r, -65.0, alpha ? 0.0 : pc->w, 0);
    cond_ref c = {pc->w, pc->tau_syn, pc->tau_m, pc->cm, -65.0, e_rev, alpha};
    double worst_g = 0, worst_v = 0, v = -65.0;
    const int sub = 1000;
    const double h = dt / sub;
    for (int64_t k = r.i0; k < r.n; k++) {
        double s0 = (k - r.i0) * dt;
        worst_g = fmax(worst_g, fabs(r.g[k] - cond_g(&c, s0)));
        worst_v = fmax(worst_v, fabs(r.v[k] - v));
        for (int j = 0; j < sub; j++) {
            double s = s0 + j * h;
            double k1 = cond_rhs(&c, s, v);
            double k2 = cond_rhs(&c, s + h / 2, v + h / 2 * k1);
            double k3 = cond_rhs(&c, s + h / 2, v + h / 2 * k2);
            double k4 = cond_rhs(&c, s + h, v + h * k3);
            v += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
        }
    }
    if (worst_g > 1e-12)
        fprintf(stderr, "%s %s tau_syn %g: |dg| %g\n", pc->model, pc->receptor, pc->tau_syn,
                worst_g);
    CHECK(worst_g <= 1e-12);
    CHECK(fabs(r.v[r.i0 + 10] - -65.0) > 0.01);
    psp_free(&r);
    return worst_v;
}

static void psp_conductance_within(const psp_case *pc, int alpha, double e_rev, double tol)
{
    double err = psp_conductance(pc, alpha, e_rev);
    if (err > tol)
        fprintf(stderr, "%s %s tau_syn %g dt %g: |dv| %g > %g\n", pc->model, pc->receptor,
                pc->tau_syn, dt_of(pc), err, tol);
    CHECK(err <= tol);
}

static void post_synaptic_potentials(void)
{
    /* current-based: well separated time constants, tau_syn == tau_m, and
       tau_syn within 1e-7 of tau_m (the propagators' limit case) */
    psp_case exp_cases[] = {
        {"IF_curr_exp", "excitatory", 0.5, 20.0, 1.0, 5.0, 0},
        {"IF_curr_exp", "inhibitory", -0.7, 12.0, 0.5, 2.0, 0},
        {"IF_curr_exp", "excitatory", 0.5, 10.0, 1.0, 10.0, 0},
        {"IF_curr_exp", "excitatory", 0.5, 10.0, 1.0, 10.0 * (1 + 1e-7), 0},
        {"IF_curr_exp", "excitatory", 0.5, 5.0, 2.0, 30.0, 0},
    };
    for (size_t k = 0; k < sizeof exp_cases / sizeof exp_cases[0]; k++)
        psp_current(&exp_cases[k], 0);
    psp_case alpha_cases[] = {
        {"IF_curr_alpha", "excitatory", 0.5, 20.0, 1.0, 0.5, 0},
        {"IF_curr_alpha", "inhibitory", -0.4, 15.0, 0.8, 2.0, 0},
        {"IF_curr_alpha", "excitatory", 0.3, 10.0, 1.0, 10.0, 0},
        {"IF_curr_alpha", "excitatory", 0.3, 10.0, 1.0, 10.0 * (1 - 1e-7), 0},
    };
    for (size_t k = 0; k < sizeof alpha_cases / sizeof alpha_cases[0]; k++)
        psp_current(&alpha_cases[k], 1);
    psp_delta();
    /* conductance-based, PSPs of about 0.1 to 1 mV: v within 1e-6 mV of the
       reference while dt is small against tau_syn */
    psp_case ce = {"IF_cond_exp", "excitatory", 0.01, 20.0, 1.0, 5.0, 0};
    psp_conductance_within(&ce, 0, 0.0, 1e-6);
    psp_case ci = {"IF_cond_exp", "inhibitory", 0.05, 20.0, 1.0, 3.0, 0};
    psp_conductance_within(&ci, 0, -70.0, 1e-6);
    psp_case cb = {"IF_cond_alpha", "excitatory", 0.005, 10.0, 0.5, 2.0, 0};
    psp_conductance_within(&cb, 1, 0.0, 1e-6);
    psp_case cc = {"IF_cond_alpha", "inhibitory", 0.05, 20.0, 1.0, 0.5, 0};
    psp_conductance_within(&cc, 1, -70.0, 1e-6);
    /* IF_cond_alpha's default tau_syn_E = 0.3 ms is only 3 steps of 0.1 ms:
       one RK4 step per dt is then about 1.2e-5 mV off for this 1 mV PSP,
       above the 1e-6 mV aimed at elsewhere (see the report).  Pin the bound
       and check that the error is RK4's truncation: 4th order, so halving
       dt divides it by about 16. */
    psp_case ca = {"IF_cond_alpha", "excitatory", 0.02, 20.0, 1.0, 0.3, 0};
    double err_dt = psp_conductance(&ca, 1, 0.0);
    ca.dt = DT / 2;
    double err_half = psp_conductance(&ca, 1, 0.0);
    if (!(err_dt < 2e-5 && err_half < 1.5e-6 && err_dt / err_half > 12 && err_dt / err_half < 20))
        fprintf(stderr, "IF_cond_alpha tau_syn 0.3: |dv| %g at dt, %g at dt/2\n", err_dt,
                err_half);
    CHECK(err_dt < 2e-5);
    CHECK(err_half < 1.5e-6);
    CHECK(err_dt / err_half > 12 && err_dt / err_half < 20);
}

/* ---- refractoriness ---------------------------------------------------------- */

/* A neuron driven hard by i_offset: after each spike (sample k, the spike
 * time) v stays exactly v_reset through sample k + round(tau_refrac / dt),
 * then integrates again. */
static void refractory_clamp(const char *model, double tau_refrac)
{
    const double v_reset = -70.0;
    rv_sim *sim = sim_new(DT, 1);
    int32_t pop = pop_new(sim, model, 1);
    set_all(sim, pop, "i_offset", 2.0);
    set_all(sim, pop, "v_reset", v_reset);
    set_all(sim, pop, "tau_refrac", tau_refrac);
    OK(sim, rv_rec_set(sim, pop, "v", NULL, 0, 1));
    OK(sim, rv_rec_set(sim, pop, "spikes", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, 100.0));
    int64_t n, nv;
    double *t = spikes_of(sim, pop, 0, &n);
    double *v = trace_of(sim, pop, "v", 0, &nv);
    int64_t ref = (int64_t)llround(tau_refrac / DT);
    CHECK(n >= 3);
    for (int64_t s = 0; s < n; s++) {
        int64_t k = (int64_t)llround(t[s] / DT);
        CHECK_NEAR(t[s], k * DT, 1e-9);  /* neurons spike on the grid */
        for (int64_t j = 0; j <= ref && k + j < nv; j++)
            CHECK(v[k + j] == v_reset);
        if (k + ref + 1 < nv)
            CHECK(v[k + ref + 1] > v_reset);
        if (s > 0)
            CHECK(t[s] - t[s - 1] > (ref + 0.5) * DT);
    }
    free(t);
    free(v);
    rv_sim_free(sim);
}

/* A refractory period longer than any run keeps the neuron clamped (the
 * step count must not overflow into "never refractory"). */
static void refractory_forever(void)
{
    rv_sim *sim = sim_new(DT, 1);
    int32_t pop = pop_new(sim, "IF_curr_exp", 1);
    set_all(sim, pop, "i_offset", 2.0);
    set_all(sim, pop, "tau_refrac", 1e300);
    OK(sim, rv_rec_set(sim, pop, "spikes", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, 100.0));
    CHECK(spike_total(sim, pop) == 1);
    CHECK(state_of(sim, pop, 0, "v") == -65.0);
    rv_sim_free(sim);
}

/* IF_curr_delta drops input that arrives while it is refractory: the
 * membrane is clamped and the jump is lost, not postponed. */
static void delta_discards_refractory_input(void)
{
    const double tau_refrac = 5.0, d = 1.0;
    rv_sim *sim = sim_new(DT, 1);
    /* 1.0: a 20 mV input fires the neuron (arrival 2.0, spike at 2.0);
       3.0: arrives at 4.0, inside the refractory period [2.0, 7.0];
       6.0: arrives at 7.0 = t_spike + tau_refrac, the last clamped sample;
       6.1: arrives at 7.1, the first integrating step: accepted. */
    double times[] = {1.0, 3.0, 6.0, 6.1};
    int32_t src = pop_new(sim, "SpikeSourceArray", 4);
    int64_t off[] = {0, 1, 2, 3, 4};
    OK(sim, rv_pop_set_spike_times(sim, src, NULL, 4, off, times));
    int32_t pop = pop_new(sim, "IF_curr_delta", 1);
    set_all(sim, pop, "tau_refrac", tau_refrac);
    int32_t proj;
    OK(sim, rv_proj_create(sim, src, pop, "excitatory", "StaticSynapse", &proj));
    uint32_t pre[] = {0, 1, 2, 3}, post[] = {0, 0, 0, 0};
    double w[] = {20.0, 10.0, 10.0, 3.0};
    rv_values vals[] = {{"weight", w, 4}, {"delay", &d, 1}};
    OK(sim, rv_proj_connect(sim, proj, 4, pre, post, vals, 2));
    OK(sim, rv_rec_set(sim, pop, "v", NULL, 0, 1));
    OK(sim, rv_rec_set(sim, pop, "spikes", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, 20.0));
    int64_t n, nv;
    double *t = spikes_of(sim, pop, 0, &n);
    double *v = trace_of(sim, pop, "v", 0, &nv);
    CHECK(n == 1);
    CHECK_NEAR(t[0], 2.0, 1e-9);
    for (int64_t k = 20; k <= 70; k++)
        CHECK(v[k] == -65.0);
    /* Only the input at 7.1 shows, as a 3 mV jump decaying from there. */
    CHECK_NEAR(v[71], -65.0 + 3.0, 1e-12);
    for (int64_t k = 71; k < nv; k++)
        CHECK_NEAR(v[k], -65.0 + 3.0 * exp(-(k - 71) * DT / 20.0), 1e-10);
    free(t);
    free(v);
    rv_sim_free(sim);
}

/* ---- the v_reset < v_thresh rule ------------------------------------------------ */

static void reset_above_threshold(const char *model)
{
    rv_sim *sim = sim_new(DT, 1);
    int32_t pop = pop_new(sim, model, 3);
    set_all(sim, pop, "i_offset", 0.5);
    /* equal to the threshold, in one neuron only: fails before anything runs */
    set_one(sim, pop, 1, "v_reset", -50.0);
    FAILS(sim, RV_ERR_VALUE, rv_sim_run_until(sim, 10.0));
    CHECK(strstr(rv_sim_errmsg(sim), "v_reset") != NULL);
    CHECK(strstr(rv_sim_errmsg(sim), "rv_sim_run_until") != NULL);
    rv_sim_info info;
    OK(sim, rv_sim_get_info(sim, &info));
    CHECK(info.step == 0 && info.t == 0.0 && info.running == 0);
    set_one(sim, pop, 1, "v_reset", -65.0);
    OK(sim, rv_sim_run_until(sim, 10.0));
    /* after a run: a threshold below v_reset fails and nothing moves */
    double v_before[3], v_after[3];
    OK(sim, rv_pop_get_state(sim, pop, "v", NULL, 0, v_before));
    set_one(sim, pop, 2, "v_thresh", -70.0);
    FAILS(sim, RV_ERR_VALUE, rv_sim_run_until(sim, 20.0));
    CHECK(strstr(rv_sim_errmsg(sim), "v_reset") != NULL);
    OK(sim, rv_sim_get_info(sim, &info));
    CHECK(info.step == 100);
    OK(sim, rv_pop_get_state(sim, pop, "v", NULL, 0, v_after));
    CHECK(memcmp(v_before, v_after, sizeof v_before) == 0);
    set_one(sim, pop, 2, "v_thresh", -50.0);
    OK(sim, rv_sim_run_until(sim, 20.0));
    rv_sim_free(sim);
}

/* ---- repetition ------------------------------------------------------------------ */

typedef struct recorded {
    int64_t n_spikes, n_samples;
    uint32_t *idx;
    double *t, *v;
} recorded;

/* Poisson sources driving current- and conductance-based neurons, plus a
 * noisy current: every random part of the kernel. */
static void build_noisy_net(rv_sim *sim, int32_t *src, int32_t *a, int32_t *b)
{
    *src = pop_new(sim, "SpikeSourcePoisson", 20);
    set_all(sim, *src, "rate", 400.0);
    *a = pop_new(sim, "IF_curr_exp", 10);
    *b = pop_new(sim, "IF_cond_alpha", 5);
    int32_t pa, pb;
    OK(sim, rv_proj_create(sim, *src, *a, "excitatory", "StaticSynapse", &pa));
    OK(sim, rv_proj_create(sim, *src, *b, "excitatory", "StaticSynapse", &pb));
    rv_rule rule = {.kind = RV_RULE_FIXED_PROBABILITY, .p = 0.5};
    rv_param_spec wa[] = {{"weight", RV_DIST_UNIFORM, {0.5, 1.5}, NULL},
                          {"delay", RV_DIST_UNIFORM, {0.1, 2.0}, NULL}};
    rv_param_spec wb[] = {{"weight", RV_DIST_CONSTANT, {0.01}, NULL}};
    OK(sim, rv_proj_connect_rule(sim, pa, &rule, NULL, 0, NULL, 0, wa, 2));
    OK(sim, rv_proj_connect_rule(sim, pb, &rule, NULL, 0, NULL, 0, wb, 1));
    int32_t cs;
    OK(sim, rv_cs_create(sim, "NoisyCurrentSource", &cs));
    OK(sim, rv_cs_set(sim, cs, "mean", 0.2));
    OK(sim, rv_cs_set(sim, cs, "stdev", 0.5));
    OK(sim, rv_cs_inject(sim, cs, *a, NULL, 0));
    OK(sim, rv_rec_set(sim, *src, "spikes", NULL, 0, 1));
    OK(sim, rv_rec_set(sim, *a, "spikes", NULL, 0, 1));
    OK(sim, rv_rec_set(sim, *a, "v", NULL, 0, 1));
    OK(sim, rv_rec_set(sim, *b, "v", NULL, 0, 1));
}

static recorded grab(rv_sim *sim, int32_t pop, int with_v)
{
    recorded r = {0};
    const uint32_t *idx;
    const double *t;
    OK(sim, rv_rec_get_spikes(sim, pop, &r.n_spikes, &idx, &t));
    r.idx = calloc((size_t)r.n_spikes + 1, sizeof *r.idx);
    r.t = calloc((size_t)r.n_spikes + 1, sizeof *r.t);
    if (r.n_spikes) {
        memcpy(r.idx, idx, (size_t)r.n_spikes * sizeof *idx);
        memcpy(r.t, t, (size_t)r.n_spikes * sizeof *t);
    }
    if (with_v) {
        double t0, dt;
        rv_pop_info pi;
        OK(sim, rv_pop_get_info(sim, pop, &pi));
        OK(sim, rv_rec_get_signal_info(sim, pop, "v", &r.n_samples, &t0, &dt));
        r.v = calloc((size_t)(r.n_samples * pi.size) + 1, sizeof *r.v);
        OK(sim, rv_rec_get_signal(sim, pop, "v", NULL, 0, r.v));
        r.n_samples *= pi.size;
    }
    return r;
}

static int same(const recorded *x, const recorded *y)
{
    return x->n_spikes == y->n_spikes && x->n_samples == y->n_samples
           && memcmp(x->idx, y->idx, (size_t)x->n_spikes * sizeof *x->idx) == 0
           && memcmp(x->t, y->t, (size_t)x->n_spikes * sizeof *x->t) == 0
           && (!x->v || memcmp(x->v, y->v, (size_t)x->n_samples * sizeof *x->v) == 0);
}

static void drop(recorded *r)
{
    free(r->idx);
    free(r->t);
    free(r->v);
}

static void repetition(void)
{
    const double T = 200.0;
    rv_sim *sim = sim_new(DT, 77);
    int32_t src, a, b;
    build_noisy_net(sim, &src, &a, &b);
    OK(sim, rv_sim_run_until(sim, T));
    recorded s1 = grab(sim, src, 0), a1 = grab(sim, a, 1), b1 = grab(sim, b, 1);
    CHECK(s1.n_spikes > 1000 && a1.n_spikes > 10);
    /* reset: the same run again, bit for bit */
    OK(sim, rv_sim_reset(sim));
    CHECK(spike_total(sim, src) == 0);
    OK(sim, rv_sim_run_until(sim, T));
    recorded s2 = grab(sim, src, 0), a2 = grab(sim, a, 1), b2 = grab(sim, b, 1);
    CHECK(same(&s1, &s2) && same(&a1, &a2) && same(&b1, &b2));
    /* the same run in uneven pieces */
    OK(sim, rv_sim_reset(sim));
    OK(sim, rv_sim_run_until(sim, 37.3));
    OK(sim, rv_sim_run_until(sim, 37.3));
    OK(sim, rv_sim_run_until(sim, 100.05));
    OK(sim, rv_sim_run_until(sim, T));
    recorded s3 = grab(sim, src, 0), a3 = grab(sim, a, 1), b3 = grab(sim, b, 1);
    CHECK(same(&s1, &s3) && same(&a1, &a3) && same(&b1, &b3));
    /* another simulation with the same seed */
    rv_sim *twin = sim_new(DT, 77);
    build_noisy_net(twin, &src, &a, &b);
    OK(twin, rv_sim_run_until(twin, T));
    recorded s4 = grab(twin, src, 0), a4 = grab(twin, a, 1), b4 = grab(twin, b, 1);
    CHECK(same(&s1, &s4) && same(&a1, &a4) && same(&b1, &b4));
    /* a different seed: different Poisson trains */
    rv_sim *other = sim_new(DT, 78);
    build_noisy_net(other, &src, &a, &b);
    OK(other, rv_sim_run_until(other, T));
    recorded s5 = grab(other, src, 0);
    CHECK(!same(&s1, &s5));
    /* setting the seed after a reset takes effect like a fresh simulation */
    OK(sim, rv_sim_reset(sim));
    OK(sim, rv_sim_set_seed(sim, 78));
    OK(sim, rv_sim_run_until(sim, T));
    recorded s6 = grab(sim, src, 0);
    CHECK(same(&s5, &s6));
    recorded all[] = {s1, a1, b1, s2, a2, b2, s3, a3, b3, s4, a4, b4, s5, s6};
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        drop(&all[k]);
    rv_sim_free(sim);
    rv_sim_free(twin);
    rv_sim_free(other);
}

int main(void)
{
    constant_current_subthreshold();
    constant_current_spikes();
    post_synaptic_potentials();
    const char *neurons[] = {"IF_curr_exp", "IF_curr_alpha", "IF_curr_delta", "IF_cond_exp",
                             "IF_cond_alpha"};
    for (int k = 0; k < 5; k++) {
        refractory_clamp(neurons[k], 2.04);
        refractory_clamp(neurons[k], 0.0);
        reset_above_threshold(neurons[k]);
    }
    refractory_forever();
    delta_discards_refractory_input();
    repetition();
    TEST_END();
}
