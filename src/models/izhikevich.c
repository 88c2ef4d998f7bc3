/*
 * Izhikevich -- the quadratic spiking model of Izhikevich (2003), with
 * voltage-jump synapses (PyNN Izhikevich; NEST izhikevich; PyNN's NEURON
 * izhikevich.mod).
 *
 * Equations (v in mV, u in mV/ms, t in ms):
 *     dv/dt = 0.04 v^2 + 5 v + 140 - u + I,   I = 1000 (i_offset + I_inj)
 *     du/dt = a (b v - u)
 *     v reaches 30 mV at t_c: spike, v <- c, u <- u + d at t_c (no
 *     refractoriness: v evolves again from t_c)
 *     a spike of weight w (mV; inhibitory w < 0) arriving at t: v += w at t
 *     (and if that brings v to 30 mV or above, a spike at t, reset at t).
 * The currents (nA) act on a 1 pF membrane, hence the factor 1000 to
 * mV/ms: as NEST (I_e = 1000 i_offset pA, added to dv/dt as is) and PyNN's
 * NEURON cell (1 pF section).  Synaptic weights are in mV as they are (NEST
 * undoes its usual x1000 weight scaling with receptor_scale = 1e-3).
 *
 * Parameters                      unit   default  rule
 *     a         recovery rate      /ms    0.02     finite
 *     b         recovery coupling  /ms    0.2      finite
 *     c         reset potential    mV     -65      < 30 (the spike level)
 *     d         reset jump of u    mV/ms  2        finite
 *     i_offset  constant current   nA     0        finite
 * State: v (mV, -70), u (mV/ms, -14); internal: a marker for the careful
 * pass.  Receptors: excitatory, inhibitory (both add their weight to v).
 *
 * Spike times: each spike is reported at the end of the step in which v
 * reached 30 mV (the time grid of every Ranvier neuron), but the reset is
 * applied at the crossing time itself, so that the state carries no
 * error of order dt from it: the model is the continuous one, and its
 * spike times converge with dt -> 0 as the grid allows.  (NEST's
 * izhikevich takes forward-Euler steps and resets at the end of the step.)
 *
 * Integration: one classical RK4 step per dt for (v, u) in a branch-free
 * vectorised loop for every neuron whose v stays below the careful level
 * v_c at both ends of the step; the others are integrated over the step by
 * the adaptive Dormand-Prince 5(4) of dopri.h (rtol 1e-10, atol 1e-9 mV and
 * 1e-9 mV/ms), which locates the crossings of 30 mV.  v_c is where h times
 * d(dv/dt)/dv = h (0.08 v + 5) reaches 0.1: -50 mV at dt = 0.1 ms; at
 * dt <= 0.0135 ms only the steps that reach 30 mV are careful.
 *
 * Measured (tests/python/test_models_adex_izh.py, against SciPy's DOP853 at
 * rtol = atol = 1e-12 with the same conventions):
 *     max |v - v_ref| over 1 s of Poisson voltage jumps at dt = 0.1 ms
 *         without spikes: 5e-7 mV;
 *     while firing (dt = 0.1 / 0.01 ms): 9e-5 / 6e-7 mV more than 2 ms
 *         before a spike; in the upswing, which amplifies any earlier
 *         difference (by ~30 in the last ms), 3e-3 / 4e-5 mV;
 *     PyNN's examples/Izhikevich.py (dt = 0.01 ms): 4e-6 mV for each neuron;
 *     spikes: the same as the reference's, each the end of the step of the
 *         reference's crossing (at dt = 0.01 ms within 0.04 % of t_c for
 *         t_c > 10 ms).
 * The choice of v_c: with -40 mV instead of -50 mV at dt = 0.1 ms the
 * careful pass ran on 3.9 % instead of 6.9 % of the neuron steps of a
 * population firing at ~40 Hz (53 instead of 66 ns per neuron step, CPU time
 * on one core; 6 at rest), but on another noisy input (20 spikes in 500 ms)
 * the error more than 2 ms before a spike grew from 3.6e-6 to 1.6e-5 mV and
 * in the upswing from 1.5e-4 to 1.4e-3 mV.
 *
 * References: PyNN standardmodels.cells.Izhikevich; E. M. Izhikevich,
 * "Simple model of spiking neurons", IEEE Trans. Neural Netw. 14(6), 2003.
 */
#include "models/dopri.h"
#include "models/lif_common.h"

enum { A, B, C, D, I_OFFSET };
enum { V, U, PENDING };

/* The spike level (NEST V_th, NEURON vthresh: 30 mV). */
#define RV__IZH_V_PEAK 30.0
/* The careful level is where h d(dv/dt)/dv = h (0.08 v + 5) reaches this
 * (-50 mV at dt = 0.1 ms; at dt <= 0.0135 ms only steps that reach 30 mV are
 * careful).  A measured choice: see above. */
#define RV__IZH_CAREFUL_HL 0.1
#define RV__IZH_ATOL_V 1e-9
#define RV__IZH_ATOL_U 1e-9
/* Most spikes one neuron may fire in one step (a bound for absurd drives). */
#define RV__IZH_MAX_SPIKES_PER_STEP 1000

static const rv__param_desc params[] = {
    {"a", "/ms", 0.02, RV__ANY}, {"b", "/ms", 0.2, RV__ANY}, {"c", "mV", -65.0, RV__ANY},
    {"d", "mV/ms", 2.0, RV__ANY}, {"i_offset", "nA", 0.0, RV__ANY},
};

static const rv__var_desc vars[] = {{"v", "mV", -70.0}, {"u", "mV/ms", -14.0}};

static const char *const receptors[] = {"excitatory", "inhibitory"};

static int64_t check(const rv__block *p, const char **msg)
{
    const double *c = p->param[C];
    for (int64_t i = 0; i < p->n; i++)
        if (!(c[i] < RV__IZH_V_PEAK)) {
            *msg = "c (the reset potential) must be below the spike level, 30 mV";
            return i;
        }
    return -1;
}

static inline double dv_of(double v, double u, double i)
{
    return (0.04 * v + 5.0) * v + 140.0 - u + i;
}

static inline double du_of(double v, double u, double a, double b)
{
    return a * (b * v - u);
}

/* One RK4 step of every neuron far from its upswing; the others are left
 * as they were (with their input) and marked for the careful pass. */
RV__VECTOR_KERNEL
static void integrate(int64_t begin, int64_t end, double h, double v_c, double *restrict v,
                      double *restrict u,
                      double *restrict pending, double *restrict in_e, double *restrict in_i,
                      const double *restrict inj, const double *restrict a,
                      const double *restrict b, const double *restrict i_off)
{
    for (int64_t i = begin; i < end; i++) {
        double v0 = v[i], u0 = u[i], ai = a[i], bi = b[i];
        double cur = 1000.0 * (i_off[i] + inj[i]);
        double k1v = dv_of(v0, u0, cur), k1u = du_of(v0, u0, ai, bi);
        double v2 = v0 + 0.5 * h * k1v, u2 = u0 + 0.5 * h * k1u;
        double k2v = dv_of(v2, u2, cur), k2u = du_of(v2, u2, ai, bi);
        double v3 = v0 + 0.5 * h * k2v, u3 = u0 + 0.5 * h * k2u;
        double k3v = dv_of(v3, u3, cur), k3u = du_of(v3, u3, ai, bi);
        double v4 = v0 + h * k3v, u4 = u0 + h * k3u;
        double k4v = dv_of(v4, u4, cur), k4u = du_of(v4, u4, ai, bi);
        double v1 = v0 + h / 6.0 * (k1v + 2.0 * k2v + 2.0 * k3v + k4v);
        double u1 = u0 + h / 6.0 * (k1u + 2.0 * k2u + 2.0 * k3u + k4u);
        /* 1 where v is at or above the careful level at either end of the
           step (or not finite); written as selects on doubles, a form
           GCC 12 vectorises (check -fopt-info-vec after changing it) */
        double ie = in_e[i], ii = in_i[i];
        double above = v0 < v_c ? (v1 < v_c ? 0.0 : 1.0) : 1.0;
        double v_new = above > 0.0 ? v0 : v1 + ie + ii;
        double u_new = above > 0.0 ? u0 : u1;
        double ie_new = above > 0.0 ? ie : 0.0;
        double ii_new = above > 0.0 ? ii : 0.0;
        v[i] = v_new;
        u[i] = u_new;
        in_e[i] = ie_new;
        in_i[i] = ii_new;
        pending[i] = above;
    }
}

typedef struct izh_ctx {
    double a, b, cur;
} izh_ctx;

static void rhs(const void *ctx, double s, const double y[2], double dy[2])
{
    const izh_ctx *c = ctx;
    dy[0] = dv_of(y[0], y[1], c->cur);
    dy[1] = du_of(y[0], y[1], c->a, c->b);
}

static int64_t update(const rv__block *p, const rv__step_ctx *ctx)
{
    double *const *s = p->state, *const *q = p->param;
    double *v = s[V], *u = s[U], *pending = s[PENDING];
    double *in_e = ctx->input[0], *in_i = ctx->input[1];
    const double h = ctx->dt;
    const double v_c = fmin(RV__IZH_V_PEAK, (RV__IZH_CAREFUL_HL / h - 5.0) / 0.08);
    integrate(ctx->begin, ctx->end, h, v_c, v, u, pending, in_e, in_i, ctx->i_inj, q[A], q[B],
              q[I_OFFSET]);
    /* once a neuron has defeated the careful pass (or the block's work
       bound is spent) the run stops at the end of the slice, and the others
       are not integrated, for each could cost as much (rv__trials) */
    rv__trials budget = rv__trials_for(ctx, RV__DOPRI_MAX_STEPS);
    for (int64_t i = ctx->begin; i < ctx->end; i++) {
        if (pending[i] != 0.0) {
            /* The careful pass: adaptive steps, reset at each crossing; the
               neuron's allowance covers all its crossings in the step. */
            izh_ctx c = {q[A][i], q[B][i], 1000.0 * (q[I_OFFSET][i] + ctx->i_inj[i])};
            int64_t allowed = rv__trials_allowed(&budget), left = allowed;
            double y[2] = {v[i], u[i]}, t = budget.failed ? h : 0.0;
            for (int n = 0; n < RV__IZH_MAX_SPIKES_PER_STEP && t < h; n++) {
                int crossed = rv__dopri_until(rhs, &c, &t, h, y, RV__IZH_V_PEAK,
                                              RV__IZH_ATOL_V, RV__IZH_ATOL_U, &left);
                if (crossed < 0) {
                    rv__model_fault(ctx, i, "v", RV__DOPRI_GAVE_UP);
                    budget.failed = 1;
                }
                if (crossed <= 0)
                    break;
                rv__fire(ctx->out, i, ctx->t_end);
                y[0] = q[C][i];
                y[1] += q[D][i];
            }
            budget.left -= allowed - left;
            v[i] = y[0] + in_e[i] + in_i[i];
            u[i] = y[1];
            in_e[i] = 0.0;
            in_i[i] = 0.0;
            pending[i] = 0.0;
        }
        /* input arriving at the end of the step may itself cross */
        if (v[i] >= RV__IZH_V_PEAK) {
            v[i] = q[C][i];
            u[i] += q[D][i];
            rv__fire(ctx->out, i, ctx->t_end);
        }
    }
    return ctx->end;
}

const rv__model rv__model_izhikevich = {
    .name = "Izhikevich",
    .kind = RV_MODEL_NEURON,
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .vars = vars,
    .n_vars = sizeof vars / sizeof vars[0],
    .n_internal = 1,
    .receptors = receptors,
    .n_receptors = 2,
    .voltage_jump = 1,
    .check = check,
    .update = update,
};
