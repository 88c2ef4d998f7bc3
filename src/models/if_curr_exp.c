/*
 * IF_curr_exp -- leaky integrate-and-fire neuron with exponentially
 * decaying post-synaptic currents (PyNN IF_curr_exp; NEST iaf_psc_exp).
 *
 * Equations (v in mV, currents in nA, t in ms):
 *     cm dv/dt    = cm/tau_m (v_rest - v) + I_E + I_I + i_offset + I_inj
 *     dI_x/dt     = -I_x / tau_syn_x                   (x = E, I)
 *     spike of weight w onto receptor x:   I_x += w    (w < 0 inhibits)
 *     v >= v_thresh: spike at the end of the step, v <- v_reset, clamped
 *                    for tau_refrac
 *
 * Parameters                         unit  default  rule
 *     v_rest      resting potential    mV   -65     finite
 *     cm          capacitance          nF     1     > 0
 *     tau_m       membrane time const  ms    20     > 0
 *     tau_refrac  refractory period    ms     0.1   >= 0
 *     tau_syn_E   excitatory decay     ms     5     > 0
 *     tau_syn_I   inhibitory decay     ms     5     > 0
 *     i_offset    offset current       nA     0     finite
 *     v_reset     reset potential      mV   -65     < v_thresh
 *     v_thresh    threshold            mV   -50     finite
 * State: v (mV, -65), isyn_exc, isyn_inh (nA, 0).
 * Receptors: excitatory, inhibitory.
 *
 * Integration: exact.  The subthreshold system is linear, so one step is a
 * multiplication by its propagator matrix (Rotter & Diesmann 1999); the
 * injected current is constant over a step.  The error is rounding only:
 * tests/c/test_models.c checks v against the closed form to 1e-12 mV.
 * Order within a step, as NEST's iaf_psc_exp: integrate v with the
 * currents at the step start, decay the currents, add the input arriving
 * at the step end, test the threshold.
 *
 * References: PyNN standardmodels.cells.IF_curr_exp; NEST iaf_psc_exp.
 */
#include "models/lif_common.h"
#include "models/propagators.h"

enum { V_REST, CM, TAU_M, TAU_REFRAC, TAU_SYN_E, TAU_SYN_I, I_OFFSET, V_RESET, V_THRESH };
enum { V, ISYN_E, ISYN_I, REFRAC /* internal: steps left */ };
enum { P33, P30, P11E, P11I, P31E, P31I, REF_STEPS, N_DERIVED };

static const rv__param_desc params[] = {
    {"v_rest", "mV", -65.0, RV__ANY},     {"cm", "nF", 1.0, RV__POSITIVE},
    {"tau_m", "ms", 20.0, RV__POSITIVE},  {"tau_refrac", "ms", 0.1, RV__NONNEG},
    {"tau_syn_E", "ms", 5.0, RV__POSITIVE}, {"tau_syn_I", "ms", 5.0, RV__POSITIVE},
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
        d[P33][i] = exp(-h / q[TAU_M][i]);
        d[P30][i] = rv__prop_v_from_const(q[TAU_M][i], q[CM][i], h);
        d[P11E][i] = exp(-h / q[TAU_SYN_E][i]);
        d[P11I][i] = exp(-h / q[TAU_SYN_I][i]);
        d[P31E][i] = rv__prop_v_from_exp(q[TAU_M][i], q[TAU_SYN_E][i], q[CM][i], h);
        d[P31I][i] = rv__prop_v_from_exp(q[TAU_M][i], q[TAU_SYN_I][i], q[CM][i], h);
        d[REF_STEPS][i] = rv__refractory_steps(q[TAU_REFRAC][i], h);
    }
}

/* The subthreshold step of every neuron: branch-free, restrict-qualified,
 * so that the compiler vectorises it. */
RV__VECTOR_KERNEL
static void integrate(int64_t begin, int64_t end, double *restrict v, double *restrict refrac,
                      double *restrict ie, double *restrict ii, double *restrict in_e,
                      double *restrict in_i, const double *restrict inj,
                      const double *restrict v_rest, const double *restrict i_off,
                      const double *restrict p33, const double *restrict p30,
                      const double *restrict p31e, const double *restrict p31i,
                      const double *restrict p11e, const double *restrict p11i)
{
    for (int64_t i = begin; i < end; i++) {
        double vi = v[i], r = refrac[i];
        double v_free = p33[i] * (vi - v_rest[i]) + p30[i] * (i_off[i] + inj[i])
                        + p31e[i] * ie[i] + p31i[i] * ii[i] + v_rest[i];
        v[i] = r > 0.0 ? vi : v_free;
        refrac[i] = r > 1.0 ? r - 1.0 : 0.0;
        ie[i] = p11e[i] * ie[i] + in_e[i];
        ii[i] = p11i[i] * ii[i] + in_i[i];
        in_e[i] = 0.0;
        in_i[i] = 0.0;
    }
}

static int64_t update(const rv__block *p, const rv__step_ctx *ctx)
{
    double *const *s = p->state, *const *q = p->param, *const *d = p->derived;
    integrate(ctx->begin, ctx->end, s[V], s[REFRAC], s[ISYN_E], s[ISYN_I], ctx->input[0],
              ctx->input[1], ctx->i_inj, q[V_REST], q[I_OFFSET], d[P33], d[P30], d[P31E], d[P31I],
              d[P11E], d[P11I]);
    rv__lif_threshold(ctx, s[V], q[V_THRESH], q[V_RESET], s[REFRAC], d[REF_STEPS]);
    return ctx->end;
}

const rv__model rv__model_if_curr_exp = {
    .name = "IF_curr_exp",
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
    .check = check,
    .prepare = prepare,
    .update = update,
};
