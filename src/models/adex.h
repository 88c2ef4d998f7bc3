/*
 * What the two adaptive exponential integrate-and-fire models
 * (EIF_cond_exp_isfa_ista, EIF_cond_alpha_isfa_ista; Brette & Gerstner
 * 2005) share: the parameter and variable tables, the parameter rules,
 * the membrane constants, the right-hand side, the one-RK4-step
 * subthreshold update used by their vectorised loops, and the careful path
 * (adaptive integration with spike-time location) for the neurons near
 * their upswing.  The synaptic conductances differ (exponential or alpha)
 * and live in the model files.
 *
 * Equations (v in mV, w in nA, g in uS, a in nS, t in ms):
 *     cm dv/dt = g_L (v_rest - v) + g_L delta_T exp((v - v_thresh)/delta_T)
 *                + g_E (e_rev_E - v) + g_I (e_rev_I - v) - w + i_offset + I_inj
 *     tau_w dw/dt = a (v - v_rest) - w,          g_L = cm / tau_m
 * With delta_T = 0 the exponential term is absent and the spike level is
 * v_thresh (a plain integrate-and-fire threshold, as NEST's aeif models
 * and PyNN's NEURON adexp.mod); with delta_T > 0 it is v_spike.
 *
 * Spike, reset and refractoriness (NEST aeif_cond_* convention): v reaches
 * the spike level at a time t_c inside the step (t_k, t_k + dt]; the
 * spike is reported at the end of that step, t_k + dt; at t_c w jumps by
 * b and v is reset to v_reset and held there until the end of the step and
 * for round(tau_refrac / dt) steps more, while w (with v = v_reset) and
 * the conductances keep evolving.  (NEST lets v run again from t_c when
 * tau_refrac = 0; here it is held to the end of the step, so that the
 * model with delta_T = a = b = 0 is IF_cond_exp / IF_cond_alpha exactly,
 * whose reset happens at the end of the step.)
 *
 * Integration.  The conductances are exact (closed form between input
 * steps).  (v, w) take one classical RK4 step per dt in a branch-free
 * vectorised loop (the exponential by rv__vexp below, which GCC vectorises,
 * unlike libm's exp).  A neuron whose v starts or ends that step at or
 * above the careful level v_c (a non-finite result counts as above) is left
 * untouched by the loop and integrated again over the step by the adaptive
 * Dormand-Prince 5(4) of dopri.h (rtol 1e-10, atol 1e-9 mV and 1e-12 nA),
 * which also locates t_c.  v_c is where h (g_L/cm) e^((v - v_thresh)/delta_T),
 * the exponential term's rate times the step, reaches 0.02:
 *     v_c = v_thresh + delta_T ln(0.02 tau_m / dt)   (not below v_thresh,
 *                                                     not above the spike level)
 * (-49.1 mV with the defaults at dt = 0.1 ms, -44.5 mV at dt = 0.01 ms).
 * Above it a single RK4 step loses accuracy fast, and the finite-time
 * blow-up of v would be stepped over.
 *
 * Measured (tests/python/test_models_adex_izh.py, against SciPy's DOP853 at
 * rtol = atol = 1e-12 with the same conventions, PyNN's defaults, Poisson
 * conductance input):
 *     max |v - v_ref| over 1 s at dt = 0.1 ms without spikes (v up to
 *         -46 mV, above v_thresh): 9e-8 mV (exp), 1.3e-7 mV (alpha);
 *     while firing: 3e-7 / 4e-6 mV more than 2 ms before a spike, 2e-6 /
 *         2e-5 mV in the upswing (exp / alpha, dt = 0.1 ms); 2e-8 mV and
 *         1.5e-6 mV at dt = 0.01 ms; delta_T = 0.5 mV: 5e-7 / 4e-5 mV;
 *     spikes: the same as the reference's, each the end of the step of the
 *         reference's crossing (so within one step at any dt; at
 *         dt = 0.01 ms within 0.06 % of t_c for t_c > 10 ms).
 * The choice of v_c (ratio 0.05 / 0.02 / 0: v_c = v_thresh): the worst
 * error while firing was 2.2e-4 / 7e-5 / 2e-5 mV, and the careful pass ran
 * on 0.6 / 2.0 / 4.8 % of the neuron steps of a population driven to ~2 Hz
 * by constant currents, costing about 37 / 41 / 54 ns per neuron step
 * against 29 at rest (CPU time on one core; IF_cond_exp: 6).
 */
#ifndef RV_ADEX_H
#define RV_ADEX_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "models/dopri.h"
#include "models/lif_common.h"

/* Parameter indices, in PyNN's order. */
enum { RV__ADEX_CM, RV__ADEX_TAU_REFRAC, RV__ADEX_V_SPIKE, RV__ADEX_V_RESET, RV__ADEX_V_REST,
       RV__ADEX_TAU_M, RV__ADEX_I_OFFSET, RV__ADEX_A, RV__ADEX_B, RV__ADEX_DELTA_T,
       RV__ADEX_TAU_W, RV__ADEX_V_THRESH, RV__ADEX_E_REV_E, RV__ADEX_TAU_SYN_E,
       RV__ADEX_E_REV_I, RV__ADEX_TAU_SYN_I, RV__ADEX_N_PARAMS };

/* Public state variables (then each model's internal ones). */
enum { RV__ADEX_V, RV__ADEX_W, RV__ADEX_G_E, RV__ADEX_G_I, RV__ADEX_N_VARS };

/* Derived constants common to both models (then each model's own). */
enum { RV__ADEX_G_L,       /* cm / tau_m, uS */
       RV__ADEX_INV_CM,
       RV__ADEX_GL_DT,     /* g_L delta_T, nA */
       RV__ADEX_INV_DT,    /* 1 / delta_T, 0 when delta_T = 0 */
       RV__ADEX_A_US,      /* a in uS */
       RV__ADEX_INV_TAU_W,
       RV__ADEX_PW,        /* exp(-dt / tau_w) */
       RV__ADEX_W_INF_REF, /* a (v_reset - v_rest): where w relaxes while v is held */
       RV__ADEX_V_PEAK,    /* the spike level: v_spike, or v_thresh if delta_T = 0 */
       RV__ADEX_V_CAREFUL, /* at or above it, the careful path integrates */
       RV__ADEX_REF_STEPS,
       RV__ADEX_N_DERIVED };

/* h (g_L/cm) e^((v - v_thresh)/delta_T) at the careful level (see
 * prepare); a measured choice, see the top of this file. */
#define RV__ADEX_CAREFUL_HL 0.02

/* Absolute tolerances of the careful path. */
#define RV__ADEX_ATOL_V 1e-9   /* mV */
#define RV__ADEX_ATOL_W 1e-12  /* nA */

/* Largest (v_spike - v_thresh) / delta_T (as NEST, DBL_MAX / 1e20 for the
 * exponential at the spike level). */
#define RV__ADEX_MAX_EXP_ARG 663.0

static const rv__param_desc rv__adex_params[] = {
    {"cm", "nF", 0.281, RV__POSITIVE},       {"tau_refrac", "ms", 0.1, RV__NONNEG},
    {"v_spike", "mV", -40.0, RV__ANY},       {"v_reset", "mV", -70.6, RV__ANY},
    {"v_rest", "mV", -70.6, RV__ANY},        {"tau_m", "ms", 9.3667, RV__POSITIVE},
    {"i_offset", "nA", 0.0, RV__ANY},        {"a", "nS", 4.0, RV__ANY},
    {"b", "nA", 0.0805, RV__ANY},            {"delta_T", "mV", 2.0, RV__NONNEG},
    {"tau_w", "ms", 144.0, RV__POSITIVE},    {"v_thresh", "mV", -50.4, RV__ANY},
    {"e_rev_E", "mV", 0.0, RV__ANY},         {"tau_syn_E", "ms", 5.0, RV__POSITIVE},
    {"e_rev_I", "mV", -80.0, RV__ANY},       {"tau_syn_I", "ms", 5.0, RV__POSITIVE},
};

static const rv__var_desc rv__adex_vars[] = {
    {"v", "mV", -70.6}, {"w", "nA", 0.0}, {"gsyn_exc", "uS", 0.0}, {"gsyn_inh", "uS", 0.0},
};

static const char *const rv__adex_receptors[] = {"excitatory", "inhibitory"};

/* Rules between parameters: the spike level must be reachable from the
 * reset and representable (NEST's aeif rules). */
static int64_t rv__adex_check(const rv__block *p, const char **msg)
{
    double *const *q = p->param;
    for (int64_t i = 0; i < p->n; i++) {
        double dt_ = q[RV__ADEX_DELTA_T][i], spike = q[RV__ADEX_V_SPIKE][i];
        double thresh = q[RV__ADEX_V_THRESH][i], reset = q[RV__ADEX_V_RESET][i];
        if (dt_ > 0.0) {
            if (!(spike >= thresh)) {
                *msg = "v_spike must not be below v_thresh when delta_T > 0";
                return i;
            }
            if (!((spike - thresh) / dt_ < RV__ADEX_MAX_EXP_ARG)) {
                *msg = "(v_spike - v_thresh) / delta_T must be below 663 (the exponential "
                       "term would overflow at the spike level): raise delta_T or lower v_spike";
                return i;
            }
            if (!(reset < spike)) {
                *msg = "v_reset must be below v_spike";
                return i;
            }
        } else if (!(reset < thresh)) {
            *msg = "v_reset must be below v_thresh (the spike level when delta_T = 0)";
            return i;
        }
    }
    return -1;
}

static inline void rv__adex_prepare_common(const rv__block *p, double h)
{
    double *const *d = p->derived, *const *q = p->param;
    for (int64_t i = 0; i < p->n; i++) {
        double g_l = q[RV__ADEX_CM][i] / q[RV__ADEX_TAU_M][i], dt_ = q[RV__ADEX_DELTA_T][i];
        double a_us = 1e-3 * q[RV__ADEX_A][i];
        double peak = dt_ > 0.0 ? q[RV__ADEX_V_SPIKE][i] : q[RV__ADEX_V_THRESH][i];
        d[RV__ADEX_G_L][i] = g_l;
        d[RV__ADEX_INV_CM][i] = 1.0 / q[RV__ADEX_CM][i];
        d[RV__ADEX_GL_DT][i] = g_l * dt_;
        d[RV__ADEX_INV_DT][i] = dt_ > 0.0 ? 1.0 / dt_ : 0.0;
        d[RV__ADEX_A_US][i] = a_us;
        d[RV__ADEX_INV_TAU_W][i] = 1.0 / q[RV__ADEX_TAU_W][i];
        d[RV__ADEX_PW][i] = exp(-h / q[RV__ADEX_TAU_W][i]);
        d[RV__ADEX_W_INF_REF][i] = a_us * (q[RV__ADEX_V_RESET][i] - q[RV__ADEX_V_REST][i]);
        d[RV__ADEX_V_PEAK][i] = peak;
        /* the careful level: where h times the exponential term's rate,
           (g_L/cm) e^((v - v_thresh)/delta_T), reaches RV__ADEX_CAREFUL_HL
           (never above the spike level, never below v_thresh) */
        double margin = dt_ * log(RV__ADEX_CAREFUL_HL * q[RV__ADEX_TAU_M][i] / h);
        d[RV__ADEX_V_CAREFUL][i] = fmin(peak, q[RV__ADEX_V_THRESH][i] + fmax(margin, 0.0));
        d[RV__ADEX_REF_STEPS][i] = rv__refractory_steps(q[RV__ADEX_TAU_REFRAC][i], h);
    }
}

/*
 * exp(x) without calls or branches, so that loops using it vectorise:
 * Cody-Waite reduction x = k ln 2 + r, |r| <= ln2 / 2, the degree-13 Taylor
 * polynomial of e^r (truncation below 2e-16 relative), and 2^k built in
 * the exponent bits.  The argument is clamped to [-708, 709], where the
 * result is a normal, finite double; within 2 ulp of libm's exp.
 */
static inline double rv__vexp(double x)
{
    const double shift = 0x1.8p52, log2e = 1.4426950408889634;
    const double ln2_hi = 0x1.62e42fee00000p-1, ln2_lo = 0x1.a39ef35793c76p-33;
    x = x > 709.0 ? 709.0 : x;
    x = x < -708.0 ? -708.0 : x;
    double kd = x * log2e + shift;
    uint64_t ki;
    memcpy(&ki, &kd, sizeof ki);
    kd -= shift;
    double r = (x - kd * ln2_hi) - kd * ln2_lo;
    /* e^r = sum r^k / k!, k <= 13, by Estrin's scheme: a short dependency
       chain (the RK4 stages are sequential, so latency is what costs) */
    double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    double q0 = 1.0 + r, q1 = 1.0 / 2 + r * (1.0 / 6), q2 = 1.0 / 24 + r * (1.0 / 120);
    double q3 = 1.0 / 720 + r * (1.0 / 5040), q4 = 1.0 / 40320 + r * (1.0 / 362880);
    double q5 = 1.0 / 3628800 + r * (1.0 / 39916800);
    double q6 = 1.0 / 479001600 + r * (1.0 / 6227020800.0);
    double s0 = q0 + r2 * q1, s1 = q2 + r2 * q3, s2 = q4 + r2 * q5;
    double p = (s0 + r4 * s1) + r8 * (s2 + r4 * q6);
    uint64_t bits = (ki + 1023u) << 52;  /* the low bits of ki hold k */
    double scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/* The membrane constants of one neuron, as the right-hand side needs them. */
typedef struct rv__adex_mem {
    double g_l, v_rest, gl_dt, v_t, inv_dt, e_e, e_i, i0, inv_cm, a, inv_tau_w;
} rv__adex_mem;

static inline double rv__adex_dv(const rv__adex_mem *m, double v, double w, double ge, double gi)
{
    double spike = m->gl_dt * rv__vexp((v - m->v_t) * m->inv_dt);
    return (m->g_l * (m->v_rest - v) + spike + ge * (m->e_e - v) + gi * (m->e_i - v) - w + m->i0)
           * m->inv_cm;
}

static inline double rv__adex_dw(const rv__adex_mem *m, double v, double w)
{
    return (m->a * (v - m->v_rest) - w) * m->inv_tau_w;
}

/* One RK4 step of (v, w) over h, with the conductances at the step start,
 * middle and end. */
static inline void rv__adex_rk4(const rv__adex_mem *m, double h, double *v, double *w,
                                double ge0, double gi0, double gem, double gim, double ge1,
                                double gi1)
{
    double v0 = *v, w0 = *w;
    double k1v = rv__adex_dv(m, v0, w0, ge0, gi0), k1w = rv__adex_dw(m, v0, w0);
    double v2 = v0 + 0.5 * h * k1v, w2 = w0 + 0.5 * h * k1w;
    double k2v = rv__adex_dv(m, v2, w2, gem, gim), k2w = rv__adex_dw(m, v2, w2);
    double v3 = v0 + 0.5 * h * k2v, w3 = w0 + 0.5 * h * k2w;
    double k3v = rv__adex_dv(m, v3, w3, gem, gim), k3w = rv__adex_dw(m, v3, w3);
    double v4 = v0 + h * k3v, w4 = w0 + h * k3w;
    double k4v = rv__adex_dv(m, v4, w4, ge1, gi1), k4w = rv__adex_dw(m, v4, w4);
    *v = v0 + h / 6.0 * (k1v + 2.0 * k2v + 2.0 * k3v + k4v);
    *w = w0 + h / 6.0 * (k1w + 2.0 * k2w + 2.0 * k3w + k4w);
}

/* The membrane constants of neuron i. */
static inline rv__adex_mem rv__adex_mem_of(const rv__block *p, int64_t i, double inj)
{
    double *const *q = p->param, *const *d = p->derived;
    rv__adex_mem m = {d[RV__ADEX_G_L][i],      q[RV__ADEX_V_REST][i],   d[RV__ADEX_GL_DT][i],
                      q[RV__ADEX_V_THRESH][i], d[RV__ADEX_INV_DT][i],   q[RV__ADEX_E_REV_E][i],
                      q[RV__ADEX_E_REV_I][i],  q[RV__ADEX_I_OFFSET][i] + inj,
                      d[RV__ADEX_INV_CM][i],   d[RV__ADEX_A_US][i],     d[RV__ADEX_INV_TAU_W][i]};
    return m;
}

/* The careful path's view of one neuron during one step: membrane
 * constants and each conductance in closed form over the step,
 * g(s) = e^(-s/tau) (g0 + c y0 s)  (c = e/tau for alpha synapses, 0 for
 * exponential ones). */
typedef struct rv__adex_step {
    rv__adex_mem m;
    double ge0, ce_ye0, inv_tau_e;
    double gi0, ci_yi0, inv_tau_i;
} rv__adex_step;

static inline void rv__adex_rhs(const void *ctx, double s, const double y[2], double dy[2])
{
    const rv__adex_step *c = ctx;
    double ge = rv__vexp(-s * c->inv_tau_e) * (c->ge0 + c->ce_ye0 * s);
    double gi = rv__vexp(-s * c->inv_tau_i) * (c->gi0 + c->ci_yi0 * s);
    dy[0] = rv__adex_dv(&c->m, y[0], y[1], ge, gi);
    dy[1] = rv__adex_dw(&c->m, y[0], y[1]);
}

/*
 * The careful path for neuron i over one step of length h (v and w at the
 * step start in *v, *w), with the right-hand side rhs(ctx, ...).
 * Integrates adaptively; if v reaches the spike level at t_c, applies the
 * reset there (w += b, v = v_reset), lets w relax with v held until the end
 * of the step, sets the refractory count and returns 1 (the caller reports
 * the spike).  Returns -1 if the integrator gave up (see rv__dopri_until):
 * v and w are left where it stopped, and the caller reports the fault.
 * The conductances are the caller's business.
 */
static inline int rv__adex_careful_with(const rv__block *p, int64_t i, rv__rhs2 rhs, const void *ctx,
                                        double h, double *v, double *w, double *refrac,
                                        int64_t *trials_left)
{
    double *const *q = p->param, *const *d = p->derived;
    double y[2] = {*v, *w}, s = 0.0;
    int crossed = rv__dopri_until(rhs, ctx, &s, h, y, d[RV__ADEX_V_PEAK][i], RV__ADEX_ATOL_V,
                                  RV__ADEX_ATOL_W, trials_left);
    if (crossed <= 0) {
        *v = y[0];
        *w = y[1];
        *refrac = 0.0;
        return crossed;
    }
    double w_inf = d[RV__ADEX_W_INF_REF][i], wc = y[1] + q[RV__ADEX_B][i];
    *w = w_inf + (wc - w_inf) * exp(-(h - s) * d[RV__ADEX_INV_TAU_W][i]);
    *v = q[RV__ADEX_V_RESET][i];
    *refrac = d[RV__ADEX_REF_STEPS][i];
    return 1;
}

/* The careful path as the models' careful passes call it, within the
 * block's work bound (budget: rv__trials_for(ctx, RV__DOPRI_MAX_STEPS)):
 * once a neuron has defeated the integrator or the bound is spent
 * (budget->failed), the run stops at the end of the slice and the others
 * are only unmarked, for each could cost as much; the first is reported as
 * the block's fault.  Returns 1 when the neuron spiked. */
static inline int rv__adex_careful_guarded(const rv__block *p, int64_t i, rv__rhs2 rhs,
                                           const void *rhs_ctx, const rv__step_ctx *ctx,
                                           double *v, double *w, double *refrac,
                                           rv__trials *budget)
{
    if (budget->failed) {
        *refrac = 0.0;
        return 0;
    }
    int64_t allowed = rv__trials_allowed(budget), left = allowed;
    int spiked = rv__adex_careful_with(p, i, rhs, rhs_ctx, ctx->dt, v, w, refrac, &left);
    budget->left -= allowed - left;
    if (spiked < 0) {
        rv__model_fault(ctx, i, "v", RV__DOPRI_GAVE_UP);
        budget->failed = 1;
        return 0;
    }
    return spiked;
}

#endif
