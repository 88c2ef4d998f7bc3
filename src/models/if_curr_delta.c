/*
 * IF_curr_delta -- leaky integrate-and-fire neuron whose synaptic input
 * makes the membrane potential jump (PyNN IF_curr_delta; NEST
 * iaf_psc_delta).
 *
 * Equations (v in mV, t in ms):
 *     cm dv/dt = cm/tau_m (v_rest - v) + i_offset + I_inj
 *     spike of weight w (mV): v += w
 *     v >= v_thresh: spike, v <- v_reset, clamped for tau_refrac; input
 *     arriving while refractory is discarded (NEST's default)
 *
 * Parameters: v_rest (mV, -65), cm (nF, 1, > 0), tau_m (ms, 20, > 0),
 * tau_refrac (ms, 0.1, >= 0), i_offset (nA, 0), v_reset (mV, -65),
 * v_thresh (mV, -50; v_reset < v_thresh).  State: v (mV, -65).
 * Receptors: excitatory, inhibitory (both add their weight to v).
 *
 * Integration: exact propagator for the leak and a constant current over
 * the step; the jumps of input arriving at the step end are added before
 * the threshold test, as in NEST's iaf_psc_delta.
 */
#include "models/lif_common.h"
#include "models/propagators.h"

enum { V_REST, CM, TAU_M, TAU_REFRAC, I_OFFSET, V_RESET, V_THRESH };
enum { V, REFRAC };
enum { P33, P30, REF_STEPS, N_DERIVED };

static const rv__param_desc params[] = {
    {"v_rest", "mV", -65.0, RV__ANY},    {"cm", "nF", 1.0, RV__POSITIVE},
    {"tau_m", "ms", 20.0, RV__POSITIVE}, {"tau_refrac", "ms", 0.1, RV__NONNEG},
    {"i_offset", "nA", 0.0, RV__ANY},    {"v_reset", "mV", -65.0, RV__ANY},
    {"v_thresh", "mV", -50.0, RV__ANY},
};

static const rv__var_desc vars[] = {{"v", "mV", -65.0}};

static const char *const receptors[] = {"excitatory", "inhibitory"};

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
        d[REF_STEPS][i] = rv__refractory_steps(q[TAU_REFRAC][i], h);
    }
}

/* The subthreshold step of every neuron: branch-free, restrict-qualified,
 * so that the compiler vectorises it.  Input arriving while refractory is
 * dropped together with the free evolution. */
RV__VECTOR_KERNEL
static void integrate(int64_t begin, int64_t end, double *restrict v, double *restrict refrac,
                      double *restrict in_e, double *restrict in_i, const double *restrict inj,
                      const double *restrict v_rest, const double *restrict i_off,
                      const double *restrict p33, const double *restrict p30)
{
    for (int64_t i = begin; i < end; i++) {
        double vi = v[i], r = refrac[i];
        double v_free = p33[i] * (vi - v_rest[i]) + p30[i] * (i_off[i] + inj[i]) + in_e[i]
                        + in_i[i] + v_rest[i];
        v[i] = r > 0.0 ? vi : v_free;
        refrac[i] = r > 1.0 ? r - 1.0 : 0.0;
        in_e[i] = 0.0;
        in_i[i] = 0.0;
    }
}

static int64_t update(const rv__block *p, const rv__step_ctx *ctx)
{
    double *const *s = p->state, *const *q = p->param, *const *d = p->derived;
    integrate(ctx->begin, ctx->end, s[V], s[REFRAC], ctx->input[0], ctx->input[1], ctx->i_inj,
              q[V_REST], q[I_OFFSET], d[P33], d[P30]);
    rv__lif_threshold(ctx, s[V], q[V_THRESH], q[V_RESET], s[REFRAC], d[REF_STEPS]);
    return ctx->end;
}

const rv__model rv__model_if_curr_delta = {
    .name = "IF_curr_delta",
    .kind = RV_MODEL_NEURON,
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .vars = vars,
    .n_vars = sizeof vars / sizeof vars[0],
    .n_internal = 1,
    .n_derived = N_DERIVED,
    .receptors = receptors,
    .n_receptors = 2,
    .voltage_jump = 1,
    .check = check,
    .prepare = prepare,
    .update = update,
};
