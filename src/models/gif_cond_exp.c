/*
 * GIF_cond_exp -- generalised integrate-and-fire neuron with escape noise,
 * a spike-triggered current and a moving threshold, with exponentially
 * decaying synaptic conductances (Mensi et al. 2012; Pozzorini et al.
 * 2015; PyNN GIF_cond_exp; NEST gif_cond_exp; NEURON gif.mod).
 *
 * Equations (v in mV, g in uS, currents in nA, t in ms, lambda in Hz):
 *     cm dv/dt = cm/tau_m (v_rest - v) + g_E (e_rev_E - v) + g_I (e_rev_I - v)
 *                + i_offset + I_inj - i_eta
 *     i_eta = sum_j eta_j,        d eta_j/dt   = -eta_j / tau_eta_j
 *     v_t   = v_t_star + sum_j gamma_j,  d gamma_j/dt = -gamma_j / tau_gamma_j
 *     dg_x/dt = -g_x / tau_syn_x;   spike of weight w (uS >= 0): g_x += w
 *     firing intensity lambda = lambda0 exp((v - v_t) / delta_v): a neuron that
 *     is not refractory spikes at the end of a step with probability
 *     1 - exp(-lambda dt), lambda taken at the end of the step (v and v_t
 *     after the step's integration);
 *     at a spike: v <- v_reset, held there for tau_refrac (as IF_cond_exp,
 *     round(tau_refrac/dt) steps, no spike possible meanwhile),
 *     eta_j += a_eta_j, gamma_j += a_gamma_j.
 * A positive a_eta is a hyperpolarising (outward) current, as in NEST and
 * the papers.
 *
 * Parameters                            unit  default  rule
 *     v_rest, cm, tau_m, tau_refrac, tau_syn_E, tau_syn_I, e_rev_E, e_rev_I,
 *     v_reset, i_offset as IF_cond_exp, except tau_refrac 4 ms
 *     delta_v    threshold sharpness       mV    0.5     > 0
 *     v_t_star   threshold baseline        mV    -48     finite
 *     lambda0    intensity at threshold    Hz     1      >= 0
 *     n_eta      components of eta          -     3      integer in [0, 5] (at run)
 *     tau_eta_k  (k = 1..5)                ms   1, 10, 100, 1, 1   > 0
 *     a_eta_k                              nA   1, 1, 1, 0, 0      finite
 *     n_gamma, tau_gamma_k, a_gamma_k (mV) likewise for gamma
 * PyNN's array parameters tau_eta, a_eta, tau_gamma, a_gamma (ArrayParameter,
 * one array per neuron) are kept as a fixed maximum of RV_GIF_MAX_COMPONENTS
 * = 5 components per kernel: n_eta says how many of tau_eta_k / a_eta_k are
 * used (the others are ignored and their eta_k stays 0), n_gamma the same
 * for gamma.  The Python class (pyNN/ranvier/standardmodels/cells.py)
 * translates an array to n and its components and back, and rejects arrays
 * longer than 5 or tau and a arrays of different lengths.
 * State: v (mV, -65), gsyn_exc, gsyn_inh (uS, 0), i_eta (nA), v_t (mV).
 * i_eta and v_t are read-outs of the components eta_k and gamma_k (internal
 * state, zero at the start and after a reset), recomputed whenever a run
 * starts: initial values given for them are accepted, as PyNN lists them,
 * but do not change the dynamics (NEST does not allow setting them either;
 * NEURON's gif.mod overwrites them at its first step).  Recordable: v,
 * gsyn_exc, gsyn_inh, i_eta, v_t.  Receptors: excitatory, inhibitory.
 *
 * Randomness: the uniform number of neuron gid for step k is the first
 * draw of block k of the counter-based stream (seed, RV__RNG_POISSON,
 * sub-stream 1, id gid) -- stateless, so it does not depend on the number
 * of threads, and a reset repeats the run bit for bit.  (Sub-stream 0 of
 * that purpose is the Poisson sources'; they and the neurons have different
 * gids anyway.)  No draw is made where the outcome is certain (see update()).
 *
 * Integration: the conductances and the eta_k, gamma_k are exact
 * (exponential decay); v takes one RK4 step per dt with those exact values
 * at the step start, middle and end -- the right-hand side is linear in v,
 * with time-dependent coefficients -- in a branch-free loop that also
 * computes the spike probability; a second pass draws and fires.  Error
 * against SciPy DOP853 (rtol = atol = 1e-12) on the same equations
 * (tests/python/test_models_hh_gif.py):
 *     given (random) spike times, Poisson input, 1 s, dt 0.1 ms,
 *         three or one/two kernel components   max |dv| 1.1e-9 mV,
 *                                              i_eta, v_t 1e-11
 *     delta_v -> 0 (PyNN's gif_neuron.py setting), dt 0.01 ms: the same
 *         spikes as the reference's grid threshold, max |dv| 1.7e-10 mV
 * and the escape noise: spike counts at fixed v are binomial with the
 * probability above; intervals with tau_refrac are geometric after it.
 * Other simulators: NEST integrates v with adaptive RKF45 but holds i_eta
 * at its value of the step start for the whole step and tests the hazard
 * with the threshold of the step start (its recorded I_stc and E_sfa are
 * Ranvier's one step earlier), so its spikes come 0-2 steps later after a
 * few spikes; it also records the pre-reset v at the spike time.  NEURON's
 * gif.mod (cnexp) resets v 4-12 steps after the step of the draw.
 *
 * References: Mensi S et al. (2012) J Neurophysiol 107:1756; Pozzorini C
 * et al. (2015) PLoS Comput Biol 11:e1004275; PyNN
 * standardmodels.cells.GIF_cond_exp.
 */
#include <math.h>

#include "models/model.h"
#include "models/lif_common.h"

#define RV_GIF_MAX_COMPONENTS 5
#define K RV_GIF_MAX_COMPONENTS

/* Sub-stream of RV__RNG_POISSON for the escape noise of neurons. */
#define ESCAPE_SUBSTREAM 1

enum { V_REST, CM, TAU_M, TAU_REFRAC, TAU_SYN_E, TAU_SYN_I, E_REV_E, E_REV_I, V_RESET,
       I_OFFSET, DELTA_V, V_T_STAR, LAMBDA0, N_ETA, N_GAMMA, TAU_ETA, A_ETA = TAU_ETA + K,
       TAU_GAMMA = A_ETA + K, A_GAMMA = TAU_GAMMA + K, N_PARAMS = A_GAMMA + K };
enum { V, G_E, G_I, I_ETA, V_T, REFRAC, P_SPIKE, ETA, GAMMA = ETA + K, N_STATE = GAMMA + K };
enum { PE, PE_HALF, PI, PI_HALF, G_L, INV_CM, REF_STEPS, RATE, INV_DV, P_ETA,
       P_ETA_HALF = P_ETA + K, P_GAMMA = P_ETA_HALF + K, N_DERIVED = P_GAMMA + K };

#define COMPONENTS(name, unit, d1, d2, d3, d4, d5, rule)                                         \
    {name "_1", unit, d1, rule}, {name "_2", unit, d2, rule}, {name "_3", unit, d3, rule},     \
        {name "_4", unit, d4, rule}, {name "_5", unit, d5, rule}

static const rv__param_desc params[] = {
    {"v_rest", "mV", -65.0, RV__ANY},
    {"cm", "nF", 1.0, RV__POSITIVE},
    {"tau_m", "ms", 20.0, RV__POSITIVE},
    {"tau_refrac", "ms", 4.0, RV__NONNEG},
    {"tau_syn_E", "ms", 5.0, RV__POSITIVE},
    {"tau_syn_I", "ms", 5.0, RV__POSITIVE},
    {"e_rev_E", "mV", 0.0, RV__ANY},
    {"e_rev_I", "mV", -70.0, RV__ANY},
    {"v_reset", "mV", -65.0, RV__ANY},
    {"i_offset", "nA", 0.0, RV__ANY},
    {"delta_v", "mV", 0.5, RV__POSITIVE},
    {"v_t_star", "mV", -48.0, RV__ANY},
    {"lambda0", "Hz", 1.0, RV__NONNEG},
    {"n_eta", "", 3.0, RV__NONNEG},
    {"n_gamma", "", 3.0, RV__NONNEG},
    COMPONENTS("tau_eta", "ms", 1.0, 10.0, 100.0, 1.0, 1.0, RV__POSITIVE),
    COMPONENTS("a_eta", "nA", 1.0, 1.0, 1.0, 0.0, 0.0, RV__ANY),
    COMPONENTS("tau_gamma", "ms", 1.0, 10.0, 100.0, 1.0, 1.0, RV__POSITIVE),
    COMPONENTS("a_gamma", "mV", 1.0, 1.0, 1.0, 0.0, 0.0, RV__ANY),
};

_Static_assert(sizeof params / sizeof params[0] == N_PARAMS, "parameter table");

static const rv__var_desc vars[] = {
    {"v", "mV", -65.0},    {"gsyn_exc", "uS", 0.0}, {"gsyn_inh", "uS", 0.0},
    {"i_eta", "nA", 0.0},  {"v_t", "mV", -48.0},
};

static const char *const receptors[] = {"excitatory", "inhibitory"};
static const char *const receptor_tau[] = {"tau_syn_E", "tau_syn_I"};

static int64_t check(const rv__block *p, const char **msg)
{
    static const char *const text[2] = {
        "n_eta (the length of tau_eta and a_eta) must be an integer in [0, 5]",
        "n_gamma (the length of tau_gamma and a_gamma) must be an integer in [0, 5]"};
    for (int c = 0; c < 2; c++) {
        const double *n = p->param[c == 0 ? N_ETA : N_GAMMA];
        for (int64_t i = 0; i < p->n; i++)
            if (!(n[i] >= 0.0 && n[i] <= K && n[i] == floor(n[i]))) {
                *msg = text[c];
                return i;
            }
    }
    return -1;
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
        d[RATE][i] = q[LAMBDA0][i] * 1e-3 * h;   /* lambda0 (1/ms) * dt */
        d[INV_DV][i] = 1.0 / q[DELTA_V][i];
        for (int k = 0; k < K; k++) {
            d[P_ETA + k][i] = exp(-h / q[TAU_ETA + k][i]);
            d[P_ETA_HALF + k][i] = exp(-0.5 * h / q[TAU_ETA + k][i]);
            d[P_GAMMA + k][i] = exp(-h / q[TAU_GAMMA + k][i]);
        }
    }
}

/* The read-outs i_eta and v_t of neuron i from its components. */
static inline void readout(const rv__block *p, int64_t i)
{
    double *const *s = p->state;
    double se = 0.0, sg = 0.0;
    for (int k = 0; k < K; k++) {
        se += s[ETA + k][i];
        sg += s[GAMMA + k][i];
    }
    s[I_ETA][i] = se;
    s[V_T][i] = p->param[V_T_STAR][i] + sg;
}

/* At the start of a run after a change: components beyond n_eta / n_gamma
 * are dropped, and the read-outs follow the (possibly new) parameters. */
static void resume(const rv__block *p, int64_t step, double dt, uint64_t seed)
{
    double *const *s = p->state, *const *q = p->param;
    for (int64_t i = 0; i < p->n; i++) {
        for (int k = 0; k < K; k++) {
            if (k >= q[N_ETA][i])
                s[ETA + k][i] = 0.0;
            if (k >= q[N_GAMMA][i])
                s[GAMMA + k][i] = 0.0;
        }
        readout(p, i);
    }
}

static inline double v_rhs(double v, double g_l, double v_rest, double ge, double gi, double e_e,
                           double e_i, double i0, double inv_cm)
{
    return (g_l * (v_rest - v) + ge * (e_e - v) + gi * (e_i - v) + i0) * inv_cm;
}

/* The subthreshold step and the spike probability of every neuron: a loop
 * without data-dependent branches, restrict-qualified, for the vectoriser. */
RV__VECTOR_KERNEL
static void integrate(int64_t begin, int64_t end, double h, double *restrict v,
                      double *restrict refrac, double *restrict ge, double *restrict gi,
                      double *restrict i_eta, double *restrict v_t, double *restrict p_spike,
                      double *const *restrict eta, double *const *restrict gamma,
                      double *restrict in_e, double *restrict in_i, const double *restrict inj,
                      const double *const *restrict q, const double *const *restrict d)
{
    for (int64_t i = begin; i < end; i++) {
        double se0 = 0.0, sem = 0.0, se1 = 0.0, sg1 = 0.0;
        for (int k = 0; k < K; k++) {
            double e = eta[k][i], g = gamma[k][i] * d[P_GAMMA + k][i];
            double e1 = e * d[P_ETA + k][i];
            se0 += e;
            sem += e * d[P_ETA_HALF + k][i];
            se1 += e1;
            sg1 += g;
            eta[k][i] = e1;
            gamma[k][i] = g;
        }
        double vi = v[i], r = refrac[i];
        double g0e = ge[i], g0i = gi[i];
        double gme = g0e * d[PE_HALF][i], gmi = g0i * d[PI_HALF][i];
        double g1e = g0e * d[PE][i], g1i = g0i * d[PI][i];
        double g_l = d[G_L][i], v_rest = q[V_REST][i], e_e = q[E_REV_E][i], e_i = q[E_REV_I][i];
        double inv_cm = d[INV_CM][i], i0 = q[I_OFFSET][i] + inj[i];
        double k1 = v_rhs(vi, g_l, v_rest, g0e, g0i, e_e, e_i, i0 - se0, inv_cm);
        double k2 = v_rhs(vi + 0.5 * h * k1, g_l, v_rest, gme, gmi, e_e, e_i, i0 - sem, inv_cm);
        double k3 = v_rhs(vi + 0.5 * h * k2, g_l, v_rest, gme, gmi, e_e, e_i, i0 - sem, inv_cm);
        double k4 = v_rhs(vi + h * k3, g_l, v_rest, g1e, g1i, e_e, e_i, i0 - se1, inv_cm);
        double v_free = vi + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
        double v1 = r > 0.0 ? vi : v_free;
        double vt1 = q[V_T_STAR][i] + sg1;
        double rate = d[RATE][i];
        double lambda_dt = rate > 0.0 ? rate * exp((v1 - vt1) * d[INV_DV][i]) : 0.0;
        v[i] = v1;
        refrac[i] = r > 1.0 ? r - 1.0 : 0.0;
        p_spike[i] = r > 0.0 ? 0.0 : -expm1(-lambda_dt);
        i_eta[i] = se1;
        v_t[i] = vt1;
        ge[i] = g1e + in_e[i];
        gi[i] = g1i + in_i[i];
        in_e[i] = 0.0;
        in_i[i] = 0.0;
    }
}

static int64_t update(const rv__block *p, const rv__step_ctx *ctx)
{
    double *const *s = p->state, *const *q = p->param, *const *d = p->derived;
    integrate(ctx->begin, ctx->end, ctx->dt, s[V], s[REFRAC], s[G_E], s[G_I], s[I_ETA], s[V_T],
              s[P_SPIKE], s + ETA, s + GAMMA, ctx->input[0], ctx->input[1], ctx->i_inj,
              (const double *const *)q, (const double *const *)d);
    /* The escape noise: one uniform number u in [0, 1) (a multiple of
       2^-53) per neuron and step, spike if u < p; not drawn where the
       outcome is certain: p >= 1, or p < 2^-53 (then only u = 0 could fire,
       so P is off by less than 1.2e-16 per step). */
    const double *p_spike = s[P_SPIKE];
    for (int64_t i = ctx->begin; i < ctx->end; i++) {
        double pr = p_spike[i];
        if (!(pr >= 0x1p-53))
            continue;
        if (pr < 1.0) {
            rv__stream st;
            rv__stream_init(&st, ctx->seed, RV__RNG_POISSON, ESCAPE_SUBSTREAM,
                            (uint64_t)(p->first_gid + i));
            rv__stream_seek(&st, (uint64_t)ctx->step);
            if (!(rv__uniform(&st) < pr))
                continue;
        }
        s[V][i] = q[V_RESET][i];
        s[REFRAC][i] = d[REF_STEPS][i];
        for (int k = 0; k < K; k++) {
            if (k < q[N_ETA][i])
                s[ETA + k][i] += q[A_ETA + k][i];
            if (k < q[N_GAMMA][i])
                s[GAMMA + k][i] += q[A_GAMMA + k][i];
        }
        readout(p, i);
        rv__fire(ctx->out, i, ctx->t_end);
    }
    return ctx->end;
}

const rv__model rv__model_gif_cond_exp = {
    .name = "GIF_cond_exp",
    .kind = RV_MODEL_NEURON,
    .params = params,
    .n_params = N_PARAMS,
    .vars = vars,
    .n_vars = sizeof vars / sizeof vars[0],
    .n_internal = N_STATE - (int)(sizeof vars / sizeof vars[0]),
    .n_derived = N_DERIVED,
    .receptors = receptors,
    .n_receptors = 2,
    .receptor_tau = receptor_tau,
    .conductance_based = 1,
    .check = check,
    .prepare = prepare,
    .resume = resume,
    .update = update,
};
