/*
 * HH_cond_exp -- single-compartment Hodgkin-Huxley neuron of Traub & Miles
 * (1991) with exponentially decaying synaptic conductances (PyNN
 * HH_cond_exp; NEST hh_cond_exp_traub; NEURON hh_traub.mod).
 *
 * Equations (v in mV, g in uS, currents in nA, t in ms), u = v - v_offset:
 *     cm dv/dt = g_leak (e_rev_leak - v) - gbar_Na m^3 h (v - e_rev_Na)
 *                - gbar_K n^4 (v - e_rev_K) + g_E (e_rev_E - v) + g_I (e_rev_I - v)
 *                + i_offset + I_inj
 *     dx/dt    = alpha_x(u) (1 - x) - beta_x(u) x       for x = m, h, n
 *     alpha_m = 0.32 (13 - u) / (exp((13 - u)/4) - 1)
 *     beta_m  = 0.28 (u - 40) / (exp((u - 40)/5) - 1)
 *     alpha_h = 0.128 exp((17 - u)/18)
 *     beta_h  = 4 / (1 + exp((40 - u)/5))
 *     alpha_n = 0.032 (15 - u) / (exp((15 - u)/5) - 1)
 *     beta_n  = 0.5 exp((10 - u)/40)
 *     (rates in 1/ms; the removable singularities of alpha_m, beta_m and
 *     alpha_n are evaluated as their limits)
 *     dg_x/dt  = -g_x / tau_syn_x;   spike of weight w (uS >= 0): g_x += w
 * No reset and no refractory clamp: the action potential is the dynamics'.
 *
 * Parameters                          unit  default  rule
 *     gbar_Na     sodium conductance     uS     20     >= 0
 *     gbar_K      potassium conductance  uS      6     >= 0
 *     g_leak      leak conductance       uS    0.01    >= 0
 *     cm          capacitance            nF     0.2    > 0
 *     v_offset    V_T of the rate curves mV    -63     finite
 *     e_rev_Na, e_rev_K, e_rev_leak      mV  50, -90, -65
 *     e_rev_E, e_rev_I  synaptic reversal mV   0, -80
 *     tau_syn_E, tau_syn_I  decay        ms   0.2, 2.0  > 0
 *     i_offset    constant current       nA      0     finite
 * State: v (mV, -65), gsyn_exc, gsyn_inh (uS, 0), m (0), h (1), n (0) -- PyNN's
 * initial values, not the steady state at v; all recordable.
 * Receptors: excitatory, inhibitory.
 *
 * Spike rule: a spike is an upward crossing of v_offset + 30 mV (NEST's
 * level, -33 mV by default), tested at every substep (below); it is stamped
 * at the end of the step in which it happens.  v has to fall below the
 * level again before it can count another crossing, so one action potential
 * gives exactly one spike whatever dt, without a refractory parameter
 * (PyNN's HH_cond_exp has none).  Other simulators: NEST hh_cond_exp_traub
 * sends a spike at the end of the first step in which v >= V_T + 30 mV and
 * v fell (so just after the peak, typically 0.1-0.3 ms after the upward
 * crossing), then ignores the threshold for t_ref = 2 ms; PyNN's NEURON
 * cell counts upward crossings of +10 mV (NetCon threshold); Brian2 v > -40
 * mV.  A neuron started above the level (initialize(v=0)) counts nothing
 * until v has fallen below it.
 *
 * Integration: adaptive Dormand-Prince 5(4) steps inside every dt for
 * (v, m, h, n), per neuron, with an absolute error tolerance of 1e-6 mV on
 * v and 1e-8 on the gates; the conductances are exact (exponential decay
 * evaluated at the stage times).  A neuron keeps its last step-size
 * proposal (internal state, 0 after a reset: start with dt), so that at
 * rest it takes one step per dt (7 evaluations of the right-hand side) and
 * in the action potential as many as its accuracy needs.  Why not the house
 * style of one fixed step per dt in a branch-free loop: the gating rates
 * make the system stiff during the action potential (|df/dy| up to ~100
 * /ms), where one RK4 step of 0.1 ms is unstable; fixed RK4 substeps of
 * 0.01 ms need 40 evaluations per 0.1 ms step, against 7 at rest and ~20
 * when firing at 80 Hz for these adaptive steps, and were 150 times less
 * accurate (max |dv| 3.5e-2 against 2.4e-4 mV over 200 ms of 1 nA at dt
 * 0.1 ms); the six exp() calls per evaluation keep the loop from being
 * vectorised anyway.  Results stay bit-identical for any number of
 * threads (all state is per neuron).
 * Error against SciPy DOP853 (rtol = atol = 1e-12) on the same equations
 * (tests/python/test_models_hh_gif.py):
 *     Poisson input, subthreshold, 1 s, dt 0.1 ms      max |dv| 1.2e-8 mV
 *     DC 1 nA (13 spikes in 100 ms), dt 0.1 ms        max |dv| 8.5e-5 mV
 *                                    dt 0.01 ms       max |dv| 8.9e-6 mV
 *         (on the upstroke, where v changes by ~300 mV/ms); every spike at
 *         the end of the step in which the reference crosses v_offset + 30
 *         mV, at dt 0.01, 0.1, 0.5, 1 and 2 ms (so within one step, and at
 *         dt 0.01 ms within 0.1 % of the spike time from 10 ms on)
 * Cost (one core, shared machine): ~1 us per neuron and 0.1 ms step at
 * rest, ~4 us when firing at 80 Hz; NEST's hh_cond_exp_traub, which
 * integrates the same equations with GSL's adaptive RKF45 at an absolute
 * tolerance of 1e-3 (and is off by 0.2 mV at dt 0.1 ms), took ~1.2 us when
 * firing.  NEURON's hh_traub.mod uses cnexp with rate tables at 1 mV
 * resolution.
 *
 * References: Traub RD, Miles R (1991) Neuronal networks of the
 * hippocampus, CUP; Brette R et al. (2007) J Comput Neurosci 23:349;
 * PyNN standardmodels.cells.HH_cond_exp.
 */
#include <math.h>

#include "models/model.h"

enum { GBAR_NA, GBAR_K, G_LEAK, CM, V_OFFSET, E_REV_NA, E_REV_K, E_REV_LEAK, E_REV_E, E_REV_I,
       TAU_SYN_E, TAU_SYN_I, I_OFFSET };
enum { V, G_E, G_I, M, H, N, CROSSED, H_NEXT };

/* Error tolerances of the adaptive steps: absolute, per component. */
#define TOL_V 1e-6      /* mV */
#define TOL_GATE 1e-8   /* m, h, n */
/* Steps shorter than H_MIN dt are accepted whatever their error, so that
 * a state that cannot be integrated (NaN) does not stall the run. */
#define H_MIN 1e-9
/* Trial steps (accepted or rejected) one neuron may take in one time step.
 * An action potential at dt = 0.1 ms takes a few tens, and g_e = 1e5 uS
 * (ten million times a usual synapse) a few thousand; a state so stiff
 * that it needs more (an absurd conductance, say) would otherwise take up
 * to 1/H_MIN steps, which is a hang: past the limit the neuron is reported
 * (rv__model_fault) and the run stops.  A block of neurons also shares a
 * bound (rv__trials): 2000 neurons each just under the limit would take
 * minutes a step. */
#define MAX_SUBSTEPS 100000

static const rv__param_desc params[] = {
    {"gbar_Na", "uS", 20.0, RV__NONNEG},    {"gbar_K", "uS", 6.0, RV__NONNEG},
    {"g_leak", "uS", 0.01, RV__NONNEG},     {"cm", "nF", 0.2, RV__POSITIVE},
    {"v_offset", "mV", -63.0, RV__ANY},     {"e_rev_Na", "mV", 50.0, RV__ANY},
    {"e_rev_K", "mV", -90.0, RV__ANY},      {"e_rev_leak", "mV", -65.0, RV__ANY},
    {"e_rev_E", "mV", 0.0, RV__ANY},        {"e_rev_I", "mV", -80.0, RV__ANY},
    {"tau_syn_E", "ms", 0.2, RV__POSITIVE}, {"tau_syn_I", "ms", 2.0, RV__POSITIVE},
    {"i_offset", "nA", 0.0, RV__ANY},
};

static const rv__var_desc vars[] = {
    {"v", "mV", -65.0}, {"gsyn_exc", "uS", 0.0}, {"gsyn_inh", "uS", 0.0},
    {"m", "", 0.0},     {"h", "", 1.0},          {"n", "", 0.0},
};

static const char *const receptors[] = {"excitatory", "inhibitory"};
static const char *const receptor_tau[] = {"tau_syn_E", "tau_syn_I"};

/* x / (exp(x / y) - 1), continuous at x = 0 (limit y): near 0 the series
 * y (1 - z/2 + z^2/12) of z = x/y (error below 1e-18 relative), elsewhere
 * exp() (relative error below 2e-12; expm1() costs twice as much). */
static inline double vtrap(double x, double y)
{
    double z = x / y;
    return fabs(z) < 1e-4 ? y * (1.0 - z * (0.5 - z / 12.0)) : x / (exp(z) - 1.0);
}

typedef struct hh_y {
    double v, m, h, n;
} hh_y;

/* The per-neuron constants of the right-hand side. */
typedef struct hh_k {
    double g_na, g_k, g_l, v_off, e_na, e_k, e_l, e_e, e_i, i0, inv_cm;
} hh_k;

static inline hh_y rhs(hh_y y, double ge, double gi, const hh_k *c)
{
    double u = y.v - c->v_off;
    double am = 0.32 * vtrap(13.0 - u, 4.0), bm = 0.28 * vtrap(u - 40.0, 5.0);
    double ah = 0.128 * exp((17.0 - u) / 18.0), bh = 4.0 / (1.0 + exp((40.0 - u) / 5.0));
    double an = 0.032 * vtrap(15.0 - u, 5.0), bn = 0.5 * exp((10.0 - u) / 40.0);
    double m3h = y.m * y.m * y.m * y.h, n2 = y.n * y.n;
    double i = c->g_l * (c->e_l - y.v) - c->g_na * m3h * (y.v - c->e_na)
               - c->g_k * (n2 * n2) * (y.v - c->e_k) + ge * (c->e_e - y.v)
               + gi * (c->e_i - y.v) + c->i0;
    hh_y f = {i * c->inv_cm, am * (1.0 - y.m) - bm * y.m, ah * (1.0 - y.h) - bh * y.h,
              an * (1.0 - y.n) - bn * y.n};
    return f;
}

/* y + h sum_j a_j k_j over the first n stages. */
static inline hh_y stage(hh_y y, double h, const double *a, const hh_y *k, int n)
{
    hh_y r = y;
    for (int j = 0; j < n; j++) {
        r.v += h * a[j] * k[j].v;
        r.m += h * a[j] * k[j].m;
        r.h += h * a[j] * k[j].h;
        r.n += h * a[j] * k[j].n;
    }
    return r;
}

/* Dormand-Prince 5(4) (Dormand & Prince 1980; Hairer, Norsett & Wanner,
 * Solving ODEs I, table 5.2), nodes 0, 1/5, 3/10, 4/5, 8/9, 1, 1: coefficients, 5th-order weights
 * (= the last row, first same as last) and error weights (5th - 4th). */
static const double DP_A[7][6] = {
    {0},
    {1.0 / 5},
    {3.0 / 40, 9.0 / 40},
    {44.0 / 45, -56.0 / 15, 32.0 / 9},
    {19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
    {9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
    {35.0 / 384, 0.0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84},
};
static const double DP_E[7] = {71.0 / 57600,      0.0, -71.0 / 16695, 71.0 / 1920,
                               -17253.0 / 339200, 22.0 / 525, -1.0 / 40};

/* exp(-c h / tau) at the seven nodes c of a step, from one exp():
 * q = exp(-h / (90 tau)) and c = 0, 18/90, 27/90, 72/90, 80/90, 1, 1. */
static inline void node_decays(double h, double tau, double *out)
{
    double q = exp(-h / (90.0 * tau));
    double q2 = q * q, q4 = q2 * q2, q8 = q4 * q4, q9 = q8 * q;
    double q18 = q9 * q9, q36 = q18 * q18, q72 = q36 * q36;
    out[0] = 1.0;
    out[1] = q18;
    out[2] = q18 * q9;
    out[3] = q72;
    out[4] = q72 * q8;
    out[5] = out[6] = q72 * q18;
}

/* Advances one neuron by dt with adaptive Dormand-Prince steps; returns
 * whether v crossed theta upwards at one of the accepted steps, or -1 when
 * it took its *trials_left trial steps (decremented by those taken) without
 * reaching dt (the state is then where the last accepted step left it). */
static int advance(hh_y *y, double *ge, double *gi, double *h_next, double dt, double tau_e,
                   double tau_i, const hh_k *c, double theta, int64_t *trials_left)
{
    double t = 0.0, h_try = *h_next > 0.0 ? fmin(*h_next, dt) : dt;
    int up = 0;
    hh_y k[7];
    k[0] = rhs(*y, *ge, *gi, c);
    for (; t < dt; --*trials_left) {
        if (*trials_left <= 0) {
            *h_next = h_try;
            return -1;
        }
        double rest = dt - t;
        int last = h_try >= rest * (1.0 - 1e-12);
        double h = last ? rest : h_try;
        double de[7], di[7];
        node_decays(h, tau_e, de);
        node_decays(h, tau_i, di);
        for (int s = 1; s < 7; s++)
            k[s] = rhs(stage(*y, h, DP_A[s], k, s), *ge * de[s], *gi * di[s], c);
        hh_y y1 = stage(*y, h, DP_A[6], k, 6);
        hh_y err = stage((hh_y){0.0, 0.0, 0.0, 0.0}, h, DP_E, k, 7);
        double en = fmax(fmax(fabs(err.v) / TOL_V, fabs(err.m) / TOL_GATE),
                         fmax(fabs(err.h) / TOL_GATE, fabs(err.n) / TOL_GATE));
        /* 0.9 en^(-1/5), between 0.2 and 5 (NaN: shrink). */
        double factor = en > 0.0 ? fmin(5.0, fmax(0.2, 0.9 * pow(en, -0.2))) : 5.0;
        /* A NaN error estimate from a trial step that was too long is a
           rejection; from a state that is itself not finite, the end. */
        int broken = en != en && !isfinite(k[0].v + k[0].m + k[0].h + k[0].n);
        if (en <= 1.0 || h <= H_MIN * dt || broken) {
            up |= (y->v < theta) & (y1.v >= theta);
            *y = y1;
            *ge *= de[6];
            *gi *= di[6];
            k[0] = k[6];
            t = last || broken ? dt : t + h;
            /* A last step cut short to reach dt says nothing about h_try. */
            if (!last || h * factor < h_try)
                h_try = h * factor;
        } else {
            h_try = h * (factor < 1.0 ? factor : 0.2);
        }
    }
    *h_next = h_try;
    return up;
}

/* The step of every neuron, then the spikes.  Unlike the integrate-and-fire
 * models, the loop is not branch-free: each neuron takes its own adaptive
 * steps (the rates call exp() six times per evaluation, which the compiler
 * does not vectorise anyway, and a fixed substep short enough for the
 * action potential would cost 5-10 times more evaluations; see above). */
static int64_t update(const rv__block *p, const rv__step_ctx *ctx)
{
    double *const *s = p->state, *const *q = p->param;
    double *crossed = s[CROSSED], *in_e = ctx->input[0], *in_i = ctx->input[1];
    int64_t end = ctx->end;
    rv__trials budget = rv__trials_for(ctx, MAX_SUBSTEPS);
    for (int64_t i = ctx->begin; i < end; i++) {
        hh_k c = {q[GBAR_NA][i], q[GBAR_K][i], q[G_LEAK][i], q[V_OFFSET][i], q[E_REV_NA][i],
                  q[E_REV_K][i], q[E_REV_LEAK][i], q[E_REV_E][i], q[E_REV_I][i],
                  q[I_OFFSET][i] + ctx->i_inj[i], 1.0 / q[CM][i]};
        hh_y y = {s[V][i], s[M][i], s[H][i], s[N][i]};
        double ge = s[G_E][i], gi = s[G_I][i];
        int64_t allowed = rv__trials_allowed(&budget), left = allowed;
        int up = advance(&y, &ge, &gi, &s[H_NEXT][i], ctx->dt, q[TAU_SYN_E][i],
                         q[TAU_SYN_I][i], &c, c.v_off + 30.0, &left);
        budget.left -= allowed - left;
        if (up < 0) {
            /* The run stops at the end of this slice; the block's other
               neurons are not advanced, for each could cost MAX_SUBSTEPS
               too (a population of them would take minutes). */
            rv__model_fault(ctx, i, "v", "needed more adaptive sub-steps in one time step "
                            "than allowed (MAX_SUBSTEPS: 100000 for one neuron, and 1000 "
                            "more for each neuron of its block, RV__TRIALS_PER_NEURON)");
            up = 0;
            end = i + 1;
        }
        crossed[i] = up;
        s[V][i] = y.v;
        s[M][i] = y.m;
        s[H][i] = y.h;
        s[N][i] = y.n;
        s[G_E][i] = ge + in_e[i];
        s[G_I][i] = gi + in_i[i];
        in_e[i] = 0.0;
        in_i[i] = 0.0;
    }
    for (int64_t i = ctx->begin; i < end; i++)
        if (crossed[i] != 0.0)
            rv__fire(ctx->out, i, ctx->t_end);
    return ctx->end;
}

const rv__model rv__model_hh_cond_exp = {
    .name = "HH_cond_exp",
    .kind = RV_MODEL_NEURON,
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .vars = vars,
    .n_vars = sizeof vars / sizeof vars[0],
    .n_internal = 2,
    .receptors = receptors,
    .n_receptors = 2,
    .receptor_tau = receptor_tau,
    .conductance_based = 1,
    .update = update,
};
