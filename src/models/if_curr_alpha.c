/*
 * IF_curr_alpha -- leaky integrate-and-fire neuron with alpha-shaped
 * post-synaptic currents (PyNN IF_curr_alpha; NEST iaf_psc_alpha).
 *
 * Equations (v in mV, currents in nA, t in ms):
 *     cm dv/dt = cm/tau_m (v_rest - v) + I_E + I_I + i_offset + I_inj
 *     a spike of weight w at t_k adds w (s/tau) e^(1 - s/tau), s = t - t_k,
 *     to I_x: the current peaks at w when s = tau_syn_x.  As an ODE:
 *         dy_x/dt = -y_x/tau,  dI_x/dt = y_x - I_x/tau,  spike: y_x += w e/tau
 *     v >= v_thresh: spike, v <- v_reset, clamped for tau_refrac
 *
 * Parameters: as IF_curr_exp, with tau_syn_E and tau_syn_I defaulting to
 * 0.5 ms (the time to peak).  State: v (mV, -65), isyn_exc, isyn_inh (nA,
 * 0); internal: y_E, y_I, refractory steps.  Receptors: excitatory,
 * inhibitory.
 *
 * Integration: exact propagators (Rotter & Diesmann 1999), step order as
 * NEST's iaf_psc_alpha.  Checked against the closed-form PSP in
 * tests/c/test_models.c.
 */
#include "models/lif_common.h"
#include "models/propagators.h"

enum { V_REST, CM, TAU_M, TAU_REFRAC, TAU_SYN_E, TAU_SYN_I, I_OFFSET, V_RESET, V_THRESH };
enum { V, ISYN_E, ISYN_I, Y_E, Y_I, REFRAC };
enum { P33, P30, P11E, P11I, P21E, P21I, P31E, P31I, P32E, P32I, KICK_E, KICK_I, REF_STEPS,
       N_DERIVED };

static const rv__param_desc params[] = {
    {"v_rest", "mV", -65.0, RV__ANY},     {"cm", "nF", 1.0, RV__POSITIVE},
    {"tau_m", "ms", 20.0, RV__POSITIVE},  {"tau_refrac", "ms", 0.1, RV__NONNEG},
    {"tau_syn_E", "ms", 0.5, RV__POSITIVE}, {"tau_syn_I", "ms", 0.5, RV__POSITIVE},
    {"i_offset", "nA", 0.0, RV__ANY},     {"v_reset", "mV", -65.0, RV__ANY},
    {"v_thresh", "mV", -50.0, RV__ANY},
};

static const rv__var_desc vars[] = {
    {"v", "mV", -65.0}, {"isyn_exc", "nA", 0.0}, {"isyn_inh", "nA", 0.0},
};

static const char *const receptors[] = {"excitatory", "inhibitory"};
static const char *const receptor_tau[] = {"tau_syn_E", "tau_syn_I"};

static int64_t check(const rv__block *p, const char **msg)
{
    return rv__lif_check(p, V_RESET, V_THRESH, msg);
}

static void prepare(const rv__block *p, double h)
{
    double *const *d = p->derived, *const *q = p->param;
    for (int64_t i = 0; i < p->n; i++) {
        double tm = q[TAU_M][i], c = q[CM][i], te = q[TAU_SYN_E][i], ti = q[TAU_SYN_I][i];
        d[P33][i] = exp(-h / tm);
        d[P30][i] = rv__prop_v_from_const(tm, c, h);
        d[P11E][i] = exp(-h / te);
        d[P11I][i] = exp(-h / ti);
        d[P21E][i] = h * exp(-h / te);
        d[P21I][i] = h * exp(-h / ti);
        d[P31E][i] = rv__prop_v_from_alpha(tm, te, c, h);
        d[P31I][i] = rv__prop_v_from_alpha(tm, ti, c, h);
        d[P32E][i] = rv__prop_v_from_exp(tm, te, c, h);
        d[P32I][i] = rv__prop_v_from_exp(tm, ti, c, h);
        d[KICK_E][i] = M_E / te;
        d[KICK_I][i] = M_E / ti;
        d[REF_STEPS][i] = rv__refractory_steps(q[TAU_REFRAC][i], h);
    }
}

/* Propagators of one receptor's alpha current, grouped to keep the
 * argument list of integrate() readable. */
typedef struct alpha_props {
    const double *restrict p11, *restrict p21, *restrict p31, *restrict p32, *restrict kick;
} alpha_props;

/* The subthreshold step of every neuron: branch-free, restrict-qualified,
 * so that the compiler vectorises it. */
RV__VECTOR_KERNEL
static void integrate(int64_t begin, int64_t end, double *restrict v, double *restrict refrac,
                      double *restrict ie, double *restrict ii, double *restrict ye,
                      double *restrict yi, double *restrict in_e, double *restrict in_i,
                      const double *restrict inj, const double *restrict v_rest,
                      const double *restrict i_off, const double *restrict p33,
                      const double *restrict p30, alpha_props e, alpha_props g)
{
    const double *restrict e11 = e.p11, *restrict e21 = e.p21, *restrict e31 = e.p31;
    const double *restrict e32 = e.p32, *restrict ek = e.kick;
    const double *restrict g11 = g.p11, *restrict g21 = g.p21, *restrict g31 = g.p31;
    const double *restrict g32 = g.p32, *restrict gk = g.kick;
    for (int64_t i = begin; i < end; i++) {
        double vi = v[i], r = refrac[i];
        double v_free = p33[i] * (vi - v_rest[i]) + p30[i] * (i_off[i] + inj[i])
                        + e31[i] * ye[i] + e32[i] * ie[i] + g31[i] * yi[i] + g32[i] * ii[i]
                        + v_rest[i];
        v[i] = r > 0.0 ? vi : v_free;
        refrac[i] = r > 1.0 ? r - 1.0 : 0.0;
        ie[i] = e21[i] * ye[i] + e11[i] * ie[i];
        ye[i] = e11[i] * ye[i] + ek[i] * in_e[i];
        ii[i] = g21[i] * yi[i] + g11[i] * ii[i];
        yi[i] = g11[i] * yi[i] + gk[i] * in_i[i];
        in_e[i] = 0.0;
        in_i[i] = 0.0;
    }
}

static int64_t update(const rv__block *p, const rv__step_ctx *ctx)
{
    double *const *s = p->state, *const *q = p->param, *const *d = p->derived;
    alpha_props e = {d[P11E], d[P21E], d[P31E], d[P32E], d[KICK_E]};
    alpha_props g = {d[P11I], d[P21I], d[P31I], d[P32I], d[KICK_I]};
    integrate(ctx->begin, ctx->end, s[V], s[REFRAC], s[ISYN_E], s[ISYN_I], s[Y_E], s[Y_I],
              ctx->input[0], ctx->input[1], ctx->i_inj, q[V_REST], q[I_OFFSET], d[P33], d[P30], e,
              g);
    rv__lif_threshold(ctx, s[V], q[V_THRESH], q[V_RESET], s[REFRAC], d[REF_STEPS]);
    return ctx->end;
}

const rv__model rv__model_if_curr_alpha = {
    .name = "IF_curr_alpha",
    .kind = RV_MODEL_NEURON,
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .vars = vars,
    .n_vars = sizeof vars / sizeof vars[0],
    .n_internal = 3,
    .n_derived = N_DERIVED,
    .receptors = receptors,
    .n_receptors = 2,
    .receptor_tau = receptor_tau,
    .check = check,
    .prepare = prepare,
    .update = update,
};
