/*
 * IF_cond_exp_gsfa_grr -- leaky integrate-and-fire neuron with
 * exponentially decaying synaptic conductances, a conductance-based
 * spike-frequency adaptation and a conductance-based relative refractory
 * mechanism (Muller et al. 2007, Neural Comput. 19: 2958-3010; PyNN
 * IF_cond_exp_gsfa_grr; NEST iaf_cond_exp_sfa_rr; PyNN's NEURON
 * gsfa_grr.mod).
 *
 * Equations (v in mV, g_E, g_I in uS, g_s, g_r in nS, currents in nA):
 *     cm dv/dt = cm/tau_m (v_rest - v) + g_E (e_rev_E - v) + g_I (e_rev_I - v)
 *                + 1e-3 g_s (e_rev_sfa - v) + 1e-3 g_r (e_rev_rr - v)
 *                + i_offset + I_inj
 *     dg_x/dt = -g_x / tau_syn_x;  spike of weight w (uS >= 0): g_x += w
 *     dg_s/dt = -g_s / tau_sfa,    dg_r/dt = -g_r / tau_rr
 *     v >= v_thresh: spike at the end of the step, v <- v_reset, clamped
 *     for tau_refrac (as IF_cond_exp), and g_s += q_sfa, g_r += q_rr then.
 * g_s and g_r are in nS as PyNN's units say (and as NEST's g_sfa, g_rr and
 * NEURON's g_s, g_r); q_sfa and q_rr in nS likewise.
 *
 * Parameters: those of IF_cond_exp (same defaults and rules) and
 *                                            unit  default  rule
 *     tau_sfa    adaptation decay             ms    100      > 0
 *     e_rev_sfa  adaptation reversal          mV    -75      finite
 *     q_sfa      adaptation quantum           nS    15       >= 0
 *     tau_rr     relative refractory decay    ms    2        > 0
 *     e_rev_rr   relative refractory reversal mV    -75      finite
 *     q_rr       relative refractory quantum  nS    3000     >= 0
 *     and v_reset < v_thresh.
 * State: v (mV, -65), g_r, g_s (nS, 0), gsyn_exc, gsyn_inh (uS, 0);
 * internal: refractory steps.  Receptors: excitatory, inhibitory.
 * With q_sfa = q_rr = 0 (or g_s = g_r = 0) the model is IF_cond_exp.
 *
 * Integration: all four conductances are exact (exponential decay); v takes
 * one RK4 step per dt with those exact conductances at the step's start,
 * middle and end, as IF_cond_exp (cond_rk4.h), but two half steps while
 * the adaptation conductances are large, (g_s + g_r) dt / cm > 0.05 (for
 * ~3.6 ms after each spike with the defaults: the membrane time constant
 * cm / g_r is 0.33 ms just after it).  Both results are computed and one is
 * selected, so the loop stays branch-free and vectorised, and with
 * g_s = g_r = 0 the result is IF_cond_exp's bit for bit.
 * Measured against SciPy's DOP853 (rtol = atol = 1e-12, same grid
 * conventions; tests/python/test_models_adex_izh.py): max |v - v_ref| =
 * 1.4e-5 mV over 500 ms of Poisson input with 56 spikes at dt = 0.1 ms
 * (2.5e-4 mV with one RK4 step throughout), spikes identical; g_r, g_s
 * within 2e-9 nS.  Cost: about 3.4 times IF_cond_exp per neuron step.
 */
#include "models/lif_common.h"

/* Above this (g_s + g_r) dt / cm, two RK4 half steps per dt. */
#define RV__GRR_SPLIT 0.05

enum { V_REST, CM, TAU_M, TAU_REFRAC, TAU_SYN_E, TAU_SYN_I, E_REV_E, E_REV_I, V_THRESH,
       V_RESET, I_OFFSET, TAU_SFA, E_REV_SFA, Q_SFA, TAU_RR, E_REV_RR, Q_RR };
enum { V, G_R, G_S, G_E, G_I, REFRAC };
enum { PE, PE_HALF, PE_QUARTER, PI, PI_HALF, PI_QUARTER, PS, PS_HALF, PS_QUARTER, PR, PR_HALF,
       PR_QUARTER, G_L, INV_CM, REF_STEPS, N_DERIVED };

static const rv__param_desc params[] = {
    {"v_rest", "mV", -65.0, RV__ANY},       {"cm", "nF", 1.0, RV__POSITIVE},
    {"tau_m", "ms", 20.0, RV__POSITIVE},    {"tau_refrac", "ms", 0.1, RV__NONNEG},
    {"tau_syn_E", "ms", 5.0, RV__POSITIVE}, {"tau_syn_I", "ms", 5.0, RV__POSITIVE},
    {"e_rev_E", "mV", 0.0, RV__ANY},        {"e_rev_I", "mV", -70.0, RV__ANY},
    {"v_thresh", "mV", -50.0, RV__ANY},     {"v_reset", "mV", -65.0, RV__ANY},
    {"i_offset", "nA", 0.0, RV__ANY},       {"tau_sfa", "ms", 100.0, RV__POSITIVE},
    {"e_rev_sfa", "mV", -75.0, RV__ANY},    {"q_sfa", "nS", 15.0, RV__NONNEG},
    {"tau_rr", "ms", 2.0, RV__POSITIVE},    {"e_rev_rr", "mV", -75.0, RV__ANY},
    {"q_rr", "nS", 3000.0, RV__NONNEG},
};

static const rv__var_desc vars[] = {
    {"v", "mV", -65.0},       {"g_r", "nS", 0.0},       {"g_s", "nS", 0.0},
    {"gsyn_exc", "uS", 0.0},  {"gsyn_inh", "uS", 0.0},
};

static const char *const receptors[] = {"excitatory", "inhibitory"};

static int64_t check(const rv__block *p, const char **msg)
{
    return rv__lif_check(p, V_RESET, V_THRESH, msg);
}

static void prepare(const rv__block *p, double h)
{
    double *const *d = p->derived, *const *q = p->param;
    static const int tau_of[4] = {TAU_SYN_E, TAU_SYN_I, TAU_SFA, TAU_RR};
    for (int64_t i = 0; i < p->n; i++) {
        for (int k = 0; k < 4; k++) {
            double tau = q[tau_of[k]][i];
            d[PE + 3 * k][i] = exp(-h / tau);
            d[PE_HALF + 3 * k][i] = exp(-0.5 * h / tau);
            d[PE_QUARTER + 3 * k][i] = exp(-0.25 * h / tau);
        }
        d[G_L][i] = q[CM][i] / q[TAU_M][i];
        d[INV_CM][i] = 1.0 / q[CM][i];
        d[REF_STEPS][i] = rv__refractory_steps(q[TAU_REFRAC][i], h);
    }
}

/* The four conductances at one time, in uS. */
typedef struct conds {
    double e, i, s, r;
} conds;

/* The membrane constants of one neuron. */
typedef struct membrane {
    double g_l, v_rest, e_e, e_i, e_s, e_r, i0, inv_cm;
} membrane;

static inline double rhs(const membrane *m, double v, conds g)
{
    return (m->g_l * (m->v_rest - v) + g.e * (m->e_e - v) + g.i * (m->e_i - v) + g.s * (m->e_s - v)
            + g.r * (m->e_r - v) + m->i0)
           * m->inv_cm;
}

static inline double rk4(const membrane *m, double v, double h, conds g0, conds gm, conds g1)
{
    double k1 = rhs(m, v, g0);
    double k2 = rhs(m, v + 0.5 * h * k1, gm);
    double k3 = rhs(m, v + 0.5 * h * k2, gm);
    double k4 = rhs(m, v + h * k3, g1);
    return v + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
}

static inline conds scaled(conds g, double pe, double pi, double ps, double pr)
{
    conds out = {g.e * pe, g.i * pi, g.s * ps, g.r * pr};
    return out;
}

/* The arrays integrate() only reads.  GCC honours restrict on parameters
 * and on the members of a structure passed by value (not on local
 * pointers), and needs it to vectorise without run-time alias checks. */
typedef struct arrays {
    const double *restrict inj, *restrict v_rest, *restrict e_e, *restrict e_i;
    const double *restrict e_s, *restrict e_r, *restrict i_off, *restrict g_l;
    const double *restrict inv_cm;
    const double *restrict p[12];   /* PE .. PR_QUARTER */
} arrays;

/* The subthreshold step of every neuron: branch-free (both the one-step
 * and the two-half-step results are computed and one is selected),
 * restrict-qualified, so that the compiler vectorises it. */
RV__VECTOR_KERNEL
static void integrate(int64_t begin, int64_t end, double h, double *restrict v,
                      double *restrict gr, double *restrict gs, double *restrict ge,
                      double *restrict gi, double *restrict refrac, double *restrict in_e,
                      double *restrict in_i, arrays x)
{
    const double *restrict inj = x.inj, *restrict v_rest = x.v_rest, *restrict e_e = x.e_e;
    const double *restrict e_i = x.e_i, *restrict e_s = x.e_s, *restrict e_r = x.e_r;
    const double *restrict i_off = x.i_off, *restrict g_l = x.g_l, *restrict inv_cm = x.inv_cm;
    const double *restrict pe = x.p[PE], *restrict pe2 = x.p[PE_HALF];
    const double *restrict pe4 = x.p[PE_QUARTER], *restrict pi = x.p[PI];
    const double *restrict pi2 = x.p[PI_HALF], *restrict pi4 = x.p[PI_QUARTER];
    const double *restrict ps = x.p[PS], *restrict ps2 = x.p[PS_HALF];
    const double *restrict ps4 = x.p[PS_QUARTER], *restrict pr = x.p[PR];
    const double *restrict pr2 = x.p[PR_HALF], *restrict pr4 = x.p[PR_QUARTER];
    for (int64_t i = begin; i < end; i++) {
        double vi = v[i], r = refrac[i];
        membrane m = {g_l[i], v_rest[i], e_e[i], e_i[i], e_s[i], e_r[i], i_off[i] + inj[i],
                      inv_cm[i]};
        conds g0 = {ge[i], gi[i], 1e-3 * gs[i], 1e-3 * gr[i]};
        conds gq = scaled(g0, pe4[i], pi4[i], ps4[i], pr4[i]);
        conds gm = scaled(g0, pe2[i], pi2[i], ps2[i], pr2[i]);
        conds g3 = scaled(gm, pe4[i], pi4[i], ps4[i], pr4[i]);
        conds g1 = scaled(g0, pe[i], pi[i], ps[i], pr[i]);
        double v_one = rk4(&m, vi, h, g0, gm, g1);
        double v_two = rk4(&m, rk4(&m, vi, 0.5 * h, g0, gq, gm), 0.5 * h, gm, g3, g1);
        double v_free = (g0.s + g0.r) * m.inv_cm * h > RV__GRR_SPLIT ? v_two : v_one;
        v[i] = r > 0.0 ? vi : v_free;
        refrac[i] = r > 1.0 ? r - 1.0 : 0.0;
        ge[i] = g1.e + in_e[i];
        gi[i] = g1.i + in_i[i];
        gs[i] = gs[i] * ps[i];
        gr[i] = gr[i] * pr[i];
        in_e[i] = 0.0;
        in_i[i] = 0.0;
    }
}

static int64_t update(const rv__block *p, const rv__step_ctx *ctx)
{
    double *const *s = p->state, *const *q = p->param, *const *d = p->derived;
    double *v = s[V], *gr = s[G_R], *gs = s[G_S], *refrac = s[REFRAC];
    arrays x = {ctx->i_inj, q[V_REST], q[E_REV_E], q[E_REV_I], q[E_REV_SFA], q[E_REV_RR],
                q[I_OFFSET], d[G_L], d[INV_CM], {0}};
    for (int k = 0; k < 12; k++)
        x.p[k] = d[PE + k];
    integrate(ctx->begin, ctx->end, ctx->dt, v, gr, gs, s[G_E], s[G_I], refrac, ctx->input[0],
              ctx->input[1], x);
    for (int64_t i = ctx->begin; i < ctx->end; i++)
        if (v[i] >= q[V_THRESH][i]) {
            v[i] = q[V_RESET][i];
            refrac[i] = d[REF_STEPS][i];
            gs[i] += q[Q_SFA][i];
            gr[i] += q[Q_RR][i];
            rv__fire(ctx->out, i, ctx->t_end);
        }
    return ctx->end;
}

const rv__model rv__model_if_cond_exp_gsfa_grr = {
    .name = "IF_cond_exp_gsfa_grr",
    .kind = RV_MODEL_NEURON,
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .vars = vars,
    .n_vars = sizeof vars / sizeof vars[0],
    .n_internal = 1,
    .n_derived = N_DERIVED,
    .receptors = receptors,
    .n_receptors = 2,
    .conductance_based = 1,
    .check = check,
    .prepare = prepare,
    .update = update,
};
