/*
 * EIF_cond_alpha_isfa_ista -- adaptive exponential integrate-and-fire
 * neuron (Brette & Gerstner 2005) with alpha-shaped synaptic conductances
 * (PyNN EIF_cond_alpha_isfa_ista; NEST aeif_cond_alpha).
 *
 * Equations, spike/reset/refractory convention and integration scheme:
 * models/adex.h.  Synapses as IF_cond_alpha: a spike of weight w (uS >= 0)
 * arriving at t_k adds w (s/tau) e^(1 - s/tau), s = t - t_k, to g_x (peak
 * w at s = tau_syn_x); as an ODE dy/dt = -y/tau, dg/dt = (e y - g)/tau,
 * spike: y += w, so that over a step g(s) = e^(-s/tau) (g0 + e y0 s/tau).
 *
 * Parameters                               unit  default  rule
 *     cm          membrane capacitance      nF    0.281    > 0
 *     tau_refrac  refractory period         ms    0.1      >= 0
 *     v_spike     spike detection level     mV    -40      >= v_thresh if delta_T > 0
 *     v_reset     reset potential           mV    -70.6    < spike level
 *     v_rest      leak reversal             mV    -70.6    finite
 *     tau_m       membrane time constant    ms    9.3667   > 0
 *     i_offset    constant current          nA    0        finite
 *     a           subthreshold adaptation   nS    4        finite
 *     b           spike-triggered adaptation nA   0.0805   finite
 *     delta_T     slope factor              mV    2        >= 0 (0: hard threshold)
 *     tau_w       adaptation time constant  ms    144      > 0
 *     v_thresh    exponential threshold     mV    -50.4    finite
 *     e_rev_E     excitatory reversal       mV    0        finite
 *     tau_syn_E   excitatory time to peak   ms    5        > 0
 *     e_rev_I     inhibitory reversal       mV    -80      finite
 *     tau_syn_I   inhibitory time to peak   ms    5        > 0
 *     and (v_spike - v_thresh) / delta_T < 663.
 * State: v (mV, -70.6), w (nA, 0), gsyn_exc, gsyn_inh (uS, 0); internal:
 * y_E, y_I (uS), refractory steps.  Receptors: excitatory, inhibitory.
 *
 * Integration (one vectorised RK4 step per dt, an adaptive careful pass
 * near the upswing) and its measured error against SciPy's DOP853: adex.h.
 *
 * References: PyNN standardmodels.cells.EIF_cond_alpha_isfa_ista; NEST
 * aeif_cond_alpha (adaptive RKF45, the same reset convention).
 */
#include "models/adex.h"

enum { Y_E = RV__ADEX_N_VARS, Y_I, REFRAC };
enum { PE = RV__ADEX_N_DERIVED, PE_HALF, PI, PI_HALF, CE, CI, N_DERIVED };

static void prepare(const rv__block *p, double h)
{
    rv__adex_prepare_common(p, h);
    double *const *d = p->derived, *const *q = p->param;
    for (int64_t i = 0; i < p->n; i++) {
        d[PE][i] = exp(-h / q[RV__ADEX_TAU_SYN_E][i]);
        d[PE_HALF][i] = exp(-0.5 * h / q[RV__ADEX_TAU_SYN_E][i]);
        d[PI][i] = exp(-h / q[RV__ADEX_TAU_SYN_I][i]);
        d[PI_HALF][i] = exp(-0.5 * h / q[RV__ADEX_TAU_SYN_I][i]);
        d[CE][i] = M_E / q[RV__ADEX_TAU_SYN_E][i];
        d[CI][i] = M_E / q[RV__ADEX_TAU_SYN_I][i];
    }
}

/* The arrays integrate() only reads, grouped to keep its signature short.
 * GCC honours restrict on parameters and on the members of a structure
 * passed by value (not on local pointers): it needs it to vectorise
 * without run-time alias checks. */
typedef struct arrays {
    const double *restrict inj, *restrict v_rest, *restrict v_t, *restrict e_e;
    const double *restrict e_i, *restrict i_off, *restrict g_l, *restrict inv_cm;
    const double *restrict gl_dt, *restrict inv_dt, *restrict a, *restrict inv_tau_w;
    const double *restrict pw, *restrict w_inf, *restrict v_c, *restrict pe;
    const double *restrict pe_half, *restrict pi, *restrict pi_half, *restrict ce;
    const double *restrict ci;
} arrays;

/* One RK4 step of every neuron that is neither refractory nor near its
 * upswing: branch-free and restrict-qualified, so that the compiler
 * vectorises it.  The others are left as they were, marked with
 * refrac = -1, for the careful pass. */
RV__VECTOR_KERNEL
static void integrate(int64_t begin, int64_t end, double h, double *restrict v,
                      double *restrict w, double *restrict ge, double *restrict gi,
                      double *restrict ye, double *restrict yi, double *restrict refrac,
                      double *restrict in_e, double *restrict in_i, arrays x)
{
    const double *restrict inj = x.inj, *restrict v_rest = x.v_rest, *restrict v_t = x.v_t;
    const double *restrict e_e = x.e_e, *restrict e_i = x.e_i, *restrict i_off = x.i_off;
    const double *restrict g_l = x.g_l, *restrict inv_cm = x.inv_cm, *restrict gl_dt = x.gl_dt;
    const double *restrict inv_dt = x.inv_dt, *restrict a = x.a;
    const double *restrict inv_tau_w = x.inv_tau_w, *restrict pw = x.pw;
    const double *restrict w_inf = x.w_inf, *restrict v_c = x.v_c;
    const double *restrict pe = x.pe, *restrict pe_half = x.pe_half;
    const double *restrict pi = x.pi, *restrict pi_half = x.pi_half;
    const double *restrict ce = x.ce, *restrict ci = x.ci;
    for (int64_t i = begin; i < end; i++) {
        double v0 = v[i], w0 = w[i], r = refrac[i], ge0 = ge[i], gi0 = gi[i];
        double vc = v_c[i], ie = in_e[i], ii = in_i[i];
        double ye0 = ye[i], yi0 = yi[i];
        double se = ce[i] * ye0, si = ci[i] * yi0;   /* dg/ds from y at s = 0 */
        double gem = pe_half[i] * (ge0 + se * 0.5 * h), gim = pi_half[i] * (gi0 + si * 0.5 * h);
        double ge1 = pe[i] * (ge0 + se * h), gi1 = pi[i] * (gi0 + si * h);
        rv__adex_mem m = {g_l[i],   v_rest[i], gl_dt[i], v_t[i], inv_dt[i],   e_e[i],
                          e_i[i],   i_off[i] + inj[i],   inv_cm[i], a[i], inv_tau_w[i]};
        double v1 = v0, w1 = w0;
        rv__adex_rk4(&m, h, &v1, &w1, ge0, gi0, gem, gim, ge1, gi1);
        double w_held = w_inf[i] + (w0 - w_inf[i]) * pw[i];
        /* careful: 1 for a free neuron whose v is at or above v_c at either
           end of the step (or not finite).  The selects are written so that
           GCC 12 if-converts and vectorises them: some equivalent forms
           (int masks, nested selects on one mask) defeat its vectoriser;
           check with -fopt-info-vec after changing them. */
        double above = v0 < vc ? (v1 < vc ? 0.0 : 1.0) : 1.0;
        double careful = r > 0.0 ? 0.0 : above;
        double hold = r > 0.0 ? 1.0 : above;   /* v stays: refractory or careful */
        double v_new = hold > 0.0 ? v0 : v1;
        double w_new = r > 0.0 ? w_held : careful > 0.0 ? w0 : w1;
        double ge_new = careful > 0.0 ? ge0 : ge1;
        double gi_new = careful > 0.0 ? gi0 : gi1;
        double ye_new = careful > 0.0 ? ye0 : pe[i] * ye0 + ie;
        double yi_new = careful > 0.0 ? yi0 : pi[i] * yi0 + ii;
        double ie_new = careful > 0.0 ? ie : 0.0;
        double ii_new = careful > 0.0 ? ii : 0.0;
        double r_new = (r > 1.0 ? r - 1.0 : 0.0) - careful;
        v[i] = v_new;
        w[i] = w_new;
        ge[i] = ge_new;
        gi[i] = gi_new;
        ye[i] = ye_new;
        yi[i] = yi_new;
        in_e[i] = ie_new;
        in_i[i] = ii_new;
        refrac[i] = r_new;
    }
}

static int64_t update(const rv__block *p, const rv__step_ctx *ctx)
{
    double *const *s = p->state, *const *q = p->param, *const *d = p->derived;
    double *v = s[RV__ADEX_V], *w = s[RV__ADEX_W], *ge = s[RV__ADEX_G_E], *gi = s[RV__ADEX_G_I];
    double *ye = s[Y_E], *yi = s[Y_I], *refrac = s[REFRAC];
    double *in_e = ctx->input[0], *in_i = ctx->input[1];
    arrays x = {ctx->i_inj, q[RV__ADEX_V_REST],
                q[RV__ADEX_V_THRESH], q[RV__ADEX_E_REV_E], q[RV__ADEX_E_REV_I],
                q[RV__ADEX_I_OFFSET], d[RV__ADEX_G_L], d[RV__ADEX_INV_CM], d[RV__ADEX_GL_DT],
                d[RV__ADEX_INV_DT], d[RV__ADEX_A_US], d[RV__ADEX_INV_TAU_W], d[RV__ADEX_PW],
                d[RV__ADEX_W_INF_REF], d[RV__ADEX_V_CAREFUL], d[PE], d[PE_HALF], d[PI],
                d[PI_HALF], d[CE], d[CI]};
    integrate(ctx->begin, ctx->end, ctx->dt, v, w, ge, gi, ye, yi, refrac, in_e, in_i, x);
    /* The careful pass: the neurons integrate() left alone. */
    rv__trials budget = rv__trials_for(ctx, RV__DOPRI_MAX_STEPS);
    for (int64_t i = ctx->begin; i < ctx->end; i++) {
        if (!(refrac[i] < 0.0))
            continue;
        double se = d[CE][i] * ye[i], si = d[CI][i] * yi[i];
        rv__adex_step c = {rv__adex_mem_of(p, i, x.inj[i]), ge[i], se,
                           1.0 / q[RV__ADEX_TAU_SYN_E][i], gi[i], si,
                           1.0 / q[RV__ADEX_TAU_SYN_I][i]};
        int spiked = rv__adex_careful_guarded(p, i, rv__adex_rhs, &c, ctx, &v[i], &w[i],
                                              &refrac[i], &budget);
        ge[i] = d[PE][i] * (ge[i] + se * ctx->dt);
        gi[i] = d[PI][i] * (gi[i] + si * ctx->dt);
        ye[i] = d[PE][i] * ye[i] + in_e[i];
        yi[i] = d[PI][i] * yi[i] + in_i[i];
        in_e[i] = 0.0;
        in_i[i] = 0.0;
        if (spiked)
            rv__fire(ctx->out, i, ctx->t_end);
    }
    return ctx->end;
}

const rv__model rv__model_eif_cond_alpha_isfa_ista = {
    .name = "EIF_cond_alpha_isfa_ista",
    .kind = RV_MODEL_NEURON,
    .params = rv__adex_params,
    .n_params = RV__ADEX_N_PARAMS,
    .vars = rv__adex_vars,
    .n_vars = RV__ADEX_N_VARS,
    .n_internal = 3,
    .n_derived = N_DERIVED,
    .receptors = rv__adex_receptors,
    .n_receptors = 2,
    .conductance_based = 1,
    .check = rv__adex_check,
    .prepare = prepare,
    .update = update,
};
