/*
 * PointNeuron -- a membrane component with any number of named
 * post-synaptic receptors (PyNN 0.11+ PointNeuron with the LIF and AdExp
 * components and the PostSynapticResponse types).  The model's tables are
 * built when the population is created (rv_pop_create_composed).
 *
 * Component "LIF" (v in mV, t in ms):
 *     cm dv/dt = cm/tau_m (v_rest - v) + I_syn + i_offset + I_inj
 *     v >= v_thresh: spike, v <- v_reset, clamped for tau_refrac
 *   parameters cm (nF, 1), tau_refrac (ms, 0.1), v_reset (mV, -65),
 *   v_rest (mV, -65), tau_m (ms, 20), i_offset (nA, 0), v_thresh (mV, -50).
 * Component "AdExp": the adaptive exponential model of
 *   EIF_cond_*_isfa_ista without its two built-in synapses (adex.h,
 *   point_neuron_adexp.c).
 *
 * Receptors, each named by the user ("AMPA", ...), parameters
 * "<name>.<parameter>", state "<name>.isyn" (nA) or "<name>.gsyn" (uS):
 *     CurrExp    tau_syn (5):      dI/dt = -I/tau_syn;  spike: I += w;  I_syn += I
 *     CondExp    e_syn (0), tau_syn (5):  dg/dt = -g/tau_syn;  spike: g += w
 *     CondAlpha  e_syn (0), tau_syn (5):  g = sum w (s/tau) e^(1 - s/tau) (peak w at tau)
 *     CondBeta   e_syn (0), tau_rise (0.2), tau_decay (1.7):
 *                g = sum w N (e^(-s/tau_decay) - e^(-s/tau_rise)), N making the peak w
 *                (tau_rise < tau_decay)
 *     conductances contribute g (e_syn - v) to I_syn.
 * Receptors are all current-based or all conductance-based (as PyNN
 * requires).
 *
 * Integration.  Receptors are exact between input steps (closed forms).
 * LIF with current receptors: exact propagators, as IF_curr_exp.  Otherwise
 * the receptors' conductances and currents are summed at the step start,
 * middle and end by vectorised loops and the membrane takes one RK4 step
 * with those sums (LIF, as IF_cond_exp) or the AdEx scheme (vectorised RK4
 * plus an adaptive careful path near the upswing).  With one receptor of a
 * kind, LIF matches IF_curr_exp / IF_cond_exp / IF_cond_alpha to rounding
 * (tests/c/test_point_neuron.c).
 */
#include <math.h>
#include <string.h>

#include "models/lif_common.h"
#include "models/point_neuron.h"
#include "models/propagators.h"

/* LIF parameters, in PyNN's order, and its derived constants. */
/* The LIF parameters (table in point_neuron_build.c) and derived constants. */
enum { CM, TAU_REFRAC, V_RESET, V_REST, TAU_M, I_OFFSET, V_THRESH, N_LIF };
enum { D_P33, D_P30, D_G_L, D_INV_CM, D_REF_STEPS, N_LIF_DERIVED };
_Static_assert(N_LIF == RV__PN_N_LIF && N_LIF_DERIVED == RV__PN_N_LIF_DERIVED,
               "the LIF tables of point_neuron_build.c follow these enums");

/* ---- receptors ---------------------------------------------------------------- */

/* The time constant parameter of a receptor (beta: its decay). */
static int tau_param(const rv__pn_receptor *rc)
{
    return rc->param + (rc->kind == RV__CURR_EXP ? 0 : rc->kind == RV__COND_BETA ? 2 : 1);
}

/* Peak normalisation of a difference of exponentials. */
static double beta_norm(double rise, double decay)
{
    double t_peak = rise * decay / (decay - rise) * log(decay / rise);
    return 1.0 / (exp(-t_peak / decay) - exp(-t_peak / rise));
}

static void prepare_receptors(const rv__block *p, double h)
{
    const rv__composed *c = rv__pn_layout(p);
    double *const *d = p->derived, *const *q = p->param;
    for (int r = 0; r < c->n_receptors; r++) {
        const rv__pn_receptor *rc = &c->rec[r];
        double *const *x = d + rc->derived;
        const double *tau = q[tau_param(rc)];
        for (int64_t i = 0; i < p->n; i++) {
            x[0][i] = exp(-h / tau[i]);
            if (rc->kind == RV__CURR_EXP) {
                /* LIF only: the exact contribution to v (AdExp integrates) */
                x[1][i] = c->component == RV__LIF
                              ? rv__prop_v_from_exp(q[TAU_M][i], tau[i], q[CM][i], h)
                              : 0.0;
                x[2][i] = exp(-0.5 * h / tau[i]);
                continue;
            }
            x[1][i] = exp(-0.5 * h / tau[i]);
            if (rc->kind == RV__COND_ALPHA)
                x[2][i] = M_E / tau[i];
            if (rc->kind == RV__COND_BETA) {
                double rise = q[rc->param + 1][i], decay = tau[i];
                x[2][i] = exp(-h / rise);
                x[3][i] = exp(-0.5 * h / rise);
                x[4][i] = rise < decay ? beta_norm(rise, decay) : 0.0;
            }
        }
    }
}

static int64_t check_receptors(const rv__block *p, const char **msg)
{
    const rv__composed *c = rv__pn_layout(p);
    for (int r = 0; r < c->n_receptors; r++) {
        if (c->rec[r].kind != RV__COND_BETA)
            continue;
        const double *rise = p->param[c->rec[r].param + 1];
        const double *decay = p->param[c->rec[r].param + 2];
        for (int64_t i = 0; i < p->n; i++)
            if (!(rise[i] < decay[i])) {
                *msg = "a CondBeta receptor's tau_rise must be smaller than its tau_decay";
                return i;
            }
    }
    return -1;
}

rv__pn_sums rv__pn_scratch(const rv__block *p, int64_t b, int64_t e)
{
    double *const *x = p->scratch;
    for (int k = 0; k < RV__PN_N_SCRATCH; k++)
        memset(x[k] + b, 0, (size_t)(e - b) * sizeof(double));
    rv__pn_sums s = {x[0], x[1], x[2], x[3], x[4], x[5]};
    return s;
}

static inline void add(const rv__pn_sums *s, int64_t i, double e, double g0, double gm, double g1)
{
    s->g0[i] += g0;
    s->ge0[i] += g0 * e;
    s->gm[i] += gm;
    s->gem[i] += gm * e;
    s->g1[i] += g1;
    s->ge1[i] += g1 * e;
}

/* One receptor's values over the step, added to the sums; each kind in a
 * loop of its own, so that they vectorise. */
static void sum_exp(int64_t b, int64_t e, const rv__pn_sums *s, const double *restrict g,
                    const double *restrict e_syn, const double *restrict p,
                    const double *restrict p_half)
{
    for (int64_t i = b; i < e; i++)
        add(s, i, e_syn[i], g[i], p_half[i] * g[i], p[i] * g[i]);
}

static void sum_alpha(int64_t b, int64_t e, double h, const rv__pn_sums *s,
                      const double *restrict g, const double *restrict y,
                      const double *restrict e_syn, const double *restrict p,
                      const double *restrict p_half, const double *restrict kick)
{
    for (int64_t i = b; i < e; i++) {
        double slope = kick[i] * y[i];   /* dg/ds at s = 0 */
        add(s, i, e_syn[i], g[i], p_half[i] * (g[i] + slope * 0.5 * h), p[i] * (g[i] + slope * h));
    }
}

/* g = A - B with A decaying with tau_decay and B (`rise`) with tau_rise. */
static void sum_beta(int64_t b, int64_t e, const rv__pn_sums *s, const double *restrict g,
                     const double *restrict rise, const double *restrict e_syn,
                     const double *restrict pd, const double *restrict pd_half,
                     const double *restrict pr, const double *restrict pr_half)
{
    for (int64_t i = b; i < e; i++) {
        double a0 = g[i] + rise[i];
        add(s, i, e_syn[i], g[i], pd_half[i] * a0 - pr_half[i] * rise[i],
            pd[i] * a0 - pr[i] * rise[i]);
    }
}

/* A current adds to ge only (its "conductance" is 0, its e 1). */
static void sum_current(int64_t b, int64_t e, const rv__pn_sums *s, const double *restrict cur,
                        const double *restrict p, const double *restrict p_half)
{
    for (int64_t i = b; i < e; i++) {
        s->ge0[i] += cur[i];
        s->gem[i] += p_half[i] * cur[i];
        s->ge1[i] += p[i] * cur[i];
    }
}

void rv__pn_sum_receptors(const rv__block *p, const rv__step_ctx *ctx, const rv__pn_sums *s)
{
    const rv__composed *c = rv__pn_layout(p);
    double *const *st = p->state, *const *q = p->param, *const *d = p->derived;
    int64_t b = ctx->begin, e = ctx->end;
    for (int r = 0; r < c->n_receptors; r++) {
        const rv__pn_receptor *rc = &c->rec[r];
        double *const *x = d + rc->derived;
        switch (rc->kind) {
        case RV__CURR_EXP:
            sum_current(b, e, s, st[rc->var], x[0], x[2]);
            break;
        case RV__COND_EXP:
            sum_exp(b, e, s, st[rc->var], q[rc->param], x[0], x[1]);
            break;
        case RV__COND_ALPHA:
            sum_alpha(b, e, ctx->dt, s, st[rc->var], st[rc->aux], q[rc->param], x[0], x[1], x[2]);
            break;
        case RV__COND_BETA:
            sum_beta(b, e, s, st[rc->var], st[rc->aux], q[rc->param], x[0], x[1], x[2], x[3]);
            break;
        default:
            break;
        }
    }
}

void rv__pn_advance_receptors(const rv__block *p, const rv__step_ctx *ctx)
{
    const rv__composed *c = rv__pn_layout(p);
    double *const *st = p->state, *const *d = p->derived;
    int64_t b = ctx->begin, e = ctx->end;
    double h = ctx->dt;
    for (int r = 0; r < c->n_receptors; r++) {
        const rv__pn_receptor *rc = &c->rec[r];
        double *const *x = d + rc->derived;
        double *restrict g = st[rc->var], *restrict in = ctx->input[r];
        double *restrict aux = rc->aux >= 0 ? st[rc->aux] : NULL;
        const double *restrict p_ = x[0];
        switch (rc->kind) {
        case RV__CURR_EXP:
        case RV__COND_EXP:
            for (int64_t i = b; i < e; i++)
                g[i] = p_[i] * g[i] + in[i];
            break;
        case RV__COND_ALPHA: {
            const double *restrict kick = x[2];
            for (int64_t i = b; i < e; i++) {
                g[i] = p_[i] * (g[i] + kick[i] * aux[i] * h);
                aux[i] = p_[i] * aux[i] + in[i];
            }
            break;
        }
        case RV__COND_BETA: {
            const double *restrict pr = x[2], *restrict norm = x[4];
            /* a spike adds N w to both parts, so g itself is continuous */
            for (int64_t i = b; i < e; i++) {
                g[i] = p_[i] * (g[i] + aux[i]) - pr[i] * aux[i];
                aux[i] = pr[i] * aux[i] + norm[i] * in[i];
            }
            break;
        }
        default:
            break;
        }
        for (int64_t i = b; i < e; i++)
            in[i] = 0.0;
    }
}

double rv__pn_synaptic_current(const rv__block *p, int64_t i, double s, double v)
{
    const rv__composed *c = rv__pn_layout(p);
    double *const *st = p->state, *const *q = p->param;
    double total = 0.0;
    for (int r = 0; r < c->n_receptors; r++) {
        const rv__pn_receptor *rc = &c->rec[r];
        double tau = q[tau_param(rc)][i], x = st[rc->var][i], decay = exp(-s / tau);
        switch (rc->kind) {
        case RV__CURR_EXP:
            total += x * decay;
            continue;
        case RV__COND_ALPHA:
            x = decay * (x + M_E / tau * st[rc->aux][i] * s);
            break;
        case RV__COND_BETA: {
            double rise = st[rc->aux][i];
            x = (x + rise) * decay - rise * exp(-s / q[rc->param + 1][i]);
            break;
        }
        default:
            x *= decay;
        }
        total += x * (q[rc->param][i] - v);
    }
    return total;
}

/* ---- the LIF component ---------------------------------------------------------- */

void rv__pn_lif_prepare(const rv__block *p, double h)
{
    double *const *d = p->derived, *const *q = p->param;
    for (int64_t i = 0; i < p->n; i++) {
        d[D_P33][i] = exp(-h / q[TAU_M][i]);
        d[D_P30][i] = rv__prop_v_from_const(q[TAU_M][i], q[CM][i], h);
        d[D_G_L][i] = q[CM][i] / q[TAU_M][i];
        d[D_INV_CM][i] = 1.0 / q[CM][i];
        d[D_REF_STEPS][i] = rv__refractory_steps(q[TAU_REFRAC][i], h);
    }
    prepare_receptors(p, h);
}

int64_t rv__pn_lif_check(const rv__block *p, const char **msg)
{
    int64_t bad = rv__lif_check(p, V_RESET, V_THRESH, msg);
    return bad >= 0 ? bad : check_receptors(p, msg);
}

RV__VECTOR_KERNEL
static void lif_cond(int64_t b, int64_t e, double h, double *restrict v,
                     double *restrict refrac, const rv__pn_sums *s, const double *restrict inj,
                     const double *restrict v_rest, const double *restrict i_off,
                     const double *restrict g_l, const double *restrict inv_cm)
{
    const double *restrict g0 = s->g0, *restrict ge0 = s->ge0, *restrict gm = s->gm;
    const double *restrict gem = s->gem, *restrict g1 = s->g1, *restrict ge1 = s->ge1;
    for (int64_t i = b; i < e; i++) {
        double vi = v[i], r = refrac[i], c = inv_cm[i];
        double lead = g_l[i] * v_rest[i] + i_off[i] + inj[i];
        /* f(v) = (g_L (v_rest - v) + sum g (e - v) + I) / cm, at 0, h/2, h */
        double k1 = (lead + ge0[i] - (g_l[i] + g0[i]) * vi) * c;
        double v2 = vi + 0.5 * h * k1;
        double k2 = (lead + gem[i] - (g_l[i] + gm[i]) * v2) * c;
        double v3 = vi + 0.5 * h * k2;
        double k3 = (lead + gem[i] - (g_l[i] + gm[i]) * v3) * c;
        double v4 = vi + h * k3;
        double k4 = (lead + ge1[i] - (g_l[i] + g1[i]) * v4) * c;
        double v_free = vi + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
        v[i] = r > 0.0 ? vi : v_free;
        refrac[i] = r > 1.0 ? r - 1.0 : 0.0;
    }
}

/* The exact contribution to v of every current receptor, then the
 * membrane. */
RV__VECTOR_KERNEL
static void lif_curr(int64_t b, int64_t e, double *restrict v, double *restrict refrac,
                     const double *restrict to_v, const double *restrict inj,
                     const double *restrict v_rest, const double *restrict i_off,
                     const double *restrict p33, const double *restrict p30)
{
    for (int64_t i = b; i < e; i++) {
        double vi = v[i], r = refrac[i];
        double v_free = p33[i] * (vi - v_rest[i]) + p30[i] * (i_off[i] + inj[i]) + to_v[i]
                        + v_rest[i];
        v[i] = r > 0.0 ? vi : v_free;
        refrac[i] = r > 1.0 ? r - 1.0 : 0.0;
    }
}

int64_t rv__pn_lif_update(const rv__block *p, const rv__step_ctx *ctx)
{
    const rv__composed *c = rv__pn_layout(p);
    double *const *st = p->state, *const *q = p->param, *const *d = p->derived;
    int64_t b = ctx->begin, e = ctx->end;
    if (c->conductance) {
        rv__pn_sums s = rv__pn_scratch(p, b, e);
        rv__pn_sum_receptors(p, ctx, &s);
        lif_cond(b, e, ctx->dt, st[0], st[c->refrac], &s, ctx->i_inj, q[V_REST], q[I_OFFSET],
                 d[D_G_L], d[D_INV_CM]);
    } else {
        double *restrict to_v = p->scratch[0];
        memset(to_v + b, 0, (size_t)(e - b) * sizeof(double));
        for (int r = 0; r < c->n_receptors; r++) {
            const double *restrict cur = st[c->rec[r].var], *restrict p31 = d[c->rec[r].derived + 1];
            for (int64_t i = b; i < e; i++)
                to_v[i] += p31[i] * cur[i];
        }
        lif_curr(b, e, st[0], st[c->refrac], to_v, ctx->i_inj, q[V_REST], q[I_OFFSET], d[D_P33],
                 d[D_P30]);
    }
    rv__pn_advance_receptors(p, ctx);
    rv__lif_threshold(ctx, st[0], q[V_THRESH], q[V_RESET], st[c->refrac], d[D_REF_STEPS]);
    return ctx->end;
}

/* ---- the AdExp component with the receptors ---------------------------------------- */

int64_t rv__pn_adexp_check_all(const rv__block *p, const char **msg)
{
    int64_t bad = rv__pn_adexp_check(p, msg);
    return bad >= 0 ? bad : check_receptors(p, msg);
}

void rv__pn_adexp_prepare_all(const rv__block *p, double h)
{
    rv__pn_adexp_prepare(p, h);
    prepare_receptors(p, h);
}

