/*
 * IF_cond_exp -- leaky integrate-and-fire neuron with exponentially
 * decaying synaptic conductances (PyNN IF_cond_exp; NEST iaf_cond_exp).
 *
 * Equations (v in mV, g in uS, currents in nA, t in ms):
 *     cm dv/dt = cm/tau_m (v_rest - v) + g_E (e_rev_E - v) + g_I (e_rev_I - v)
 *                + i_offset + I_inj
 *     dg_x/dt  = -g_x / tau_syn_x;   spike of weight w (uS >= 0): g_x += w
 *     v >= v_thresh: spike at the end of the step, v <- v_reset, clamped
 *                    for tau_refrac (the conductances keep evolving)
 *
 * Parameters                         unit  default  rule
 *     v_rest, cm, tau_m, tau_refrac, i_offset, v_reset, v_thresh as IF_curr_exp
 *     tau_syn_E   excitatory decay     ms     5     > 0
 *     tau_syn_I   inhibitory decay     ms     5     > 0
 *     e_rev_E     excitatory reversal  mV     0     finite
 *     e_rev_I     inhibitory reversal  mV   -70     finite
 * State: v (mV, -65), gsyn_exc, gsyn_inh (uS, 0).
 * Receptors: excitatory, inhibitory.
 *
 * Integration: the conductances are exact (exponential decay between
 * input steps); v takes one RK4 step per dt with those exact conductances
 * at the step start, middle and end (cond_rk4.h).  Error against a
 * high-precision reference: see cond_rk4.h and docs/models.md.
 *
 * References: PyNN standardmodels.cells.IF_cond_exp; NEST iaf_cond_exp
 * (which uses adaptive RKF45 for the same equations).
 */
#include "models/cond_rk4.h"
#include "models/lif_common.h"

enum { V_REST, CM, TAU_M, TAU_REFRAC, TAU_SYN_E, TAU_SYN_I, E_REV_E, E_REV_I, V_THRESH,
       V_RESET, I_OFFSET };
enum { V, G_E, G_I, REFRAC };
enum { PE, PE_HALF, PI, PI_HALF, G_L, INV_CM, REF_STEPS, N_DERIVED };

static const rv__param_desc params[] = {
    {"v_rest", "mV", -65.0, RV__ANY},      {"cm", "nF", 1.0, RV__POSITIVE},
    {"tau_m", "ms", 20.0, RV__POSITIVE},   {"tau_refrac", "ms", 0.1, RV__NONNEG},
    {"tau_syn_E", "ms", 5.0, RV__POSITIVE}, {"tau_syn_I", "ms", 5.0, RV__POSITIVE},
    {"e_rev_E", "mV", 0.0, RV__ANY},       {"e_rev_I", "mV", -70.0, RV__ANY},
    {"v_thresh", "mV", -50.0, RV__ANY},    {"v_reset", "mV", -65.0, RV__ANY},
    {"i_offset", "nA", 0.0, RV__ANY},
};

static const rv__var_desc vars[] = {
    {"v", "mV", -65.0}, {"gsyn_exc", "uS", 0.0}, {"gsyn_inh", "uS", 0.0},
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
        d[PE][i] = exp(-h / q[TAU_SYN_E][i]);
        d[PE_HALF][i] = exp(-0.5 * h / q[TAU_SYN_E][i]);
        d[PI][i] = exp(-h / q[TAU_SYN_I][i]);
        d[PI_HALF][i] = exp(-0.5 * h / q[TAU_SYN_I][i]);
        d[G_L][i] = q[CM][i] / q[TAU_M][i];
        d[INV_CM][i] = 1.0 / q[CM][i];
        d[REF_STEPS][i] = rv__refractory_steps(q[TAU_REFRAC][i], h);
    }
}

/* The subthreshold step of every neuron: a loop without branches or calls,
 * with restrict-qualified arrays, so that the compiler vectorises it. */
RV__VECTOR_KERNEL
static void integrate(int64_t begin, int64_t end, double h, double *restrict v, double *restrict refrac,
                      double *restrict ge, double *restrict gi, double *restrict in_e,
                      double *restrict in_i, const double *restrict inj,
                      const double *restrict v_rest, const double *restrict e_e,
                      const double *restrict e_i, const double *restrict i_off,
                      const double *restrict pe, const double *restrict pe_half,
                      const double *restrict pi, const double *restrict pi_half,
                      const double *restrict g_l, const double *restrict inv_cm)
{
    for (int64_t i = begin; i < end; i++) {
        double vi = v[i], r = refrac[i];
        rv__cond_at g0 = {ge[i], gi[i]};
        rv__cond_at gm = {g0.ge * pe_half[i], g0.gi * pi_half[i]};
        rv__cond_at g1 = {g0.ge * pe[i], g0.gi * pi[i]};
        double v_free = rv__cond_rk4(vi, h, g_l[i], v_rest[i], g0, gm, g1, e_e[i], e_i[i],
                                     i_off[i] + inj[i], inv_cm[i]);
        v[i] = r > 0.0 ? vi : v_free;
        refrac[i] = r > 1.0 ? r - 1.0 : 0.0;
        ge[i] = g1.ge + in_e[i];
        gi[i] = g1.gi + in_i[i];
        in_e[i] = 0.0;
        in_i[i] = 0.0;
    }
}

static int64_t update(const rv__block *p, const rv__step_ctx *ctx)
{
    double *const *s = p->state, *const *q = p->param, *const *d = p->derived;
    integrate(ctx->begin, ctx->end, ctx->dt, s[V], s[REFRAC], s[G_E], s[G_I], ctx->input[0],
              ctx->input[1], ctx->i_inj, q[V_REST], q[E_REV_E], q[E_REV_I], q[I_OFFSET], d[PE],
              d[PE_HALF], d[PI], d[PI_HALF], d[G_L], d[INV_CM]);
    rv__lif_threshold(ctx, s[V], q[V_THRESH], q[V_RESET], s[REFRAC], d[REF_STEPS]);
    return ctx->end;
}

const rv__model rv__model_if_cond_exp = {
    .name = "IF_cond_exp",
    .kind = RV_MODEL_NEURON,
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .vars = vars,
    .n_vars = sizeof vars / sizeof vars[0],
    .n_internal = 1,
    .n_derived = N_DERIVED,
    .receptors = receptors,
    .n_receptors = 2,
    .receptor_tau = receptor_tau,
    .conductance_based = 1,
    .check = check,
    .prepare = prepare,
    .update = update,
};
