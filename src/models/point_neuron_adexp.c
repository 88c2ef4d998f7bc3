/*
 * The AdExp component of composed point neurons (PyNN's
 * PointNeuron(AdExp(...), AMPA=CondExp(...), ...)): the adaptive
 * exponential membrane of EIF_cond_*_isfa_ista (models/adex.h: equations,
 * parameters, spike/reset convention, integration scheme and its measured
 * accuracy) with any number of receptors in place of the two built-in
 * conductances:
 *     cm dv/dt = g_L (v_rest - v) + g_L delta_T exp((v - v_thresh)/delta_T)
 *                + I_syn - w + i_offset + I_inj
 *     tau_w dw/dt = a (v - v_rest) - w
 * where I_syn = sum over receptors of g (e_syn - v), or of I for current
 * receptors (point_neuron.c).
 *
 * Parameters: the first twelve of EIF_cond_exp_isfa_ista (cm ... v_thresh),
 * with the same units, defaults and rules; state v (mV), w (nA).
 *
 * Integration: the receptors' sums at the step start, middle and end
 * (g and g e + I, so that I_syn = ge - g v) feed one vectorised RK4 step of
 * (v, w); the neurons near their upswing are integrated again by the
 * adaptive careful path, with the receptors in closed form.  With two
 * CondExp (or two CondAlpha) receptors of EIF_cond_exp_isfa_ista's (or
 * EIF_cond_alpha_isfa_ista's) reversal potentials and time constants, it
 * is that model to rounding (tests/c/test_point_neuron.c).
 */
#include "models/adex.h"
#include "models/point_neuron.h"

const rv__param_desc *const rv__pn_adexp_params = rv__adex_params;
const int rv__pn_adexp_n_params = RV__ADEX_E_REV_E;   /* cm ... v_thresh */
const int rv__pn_adexp_n_derived = RV__ADEX_N_DERIVED;

void rv__pn_adexp_prepare(const rv__block *p, double dt) { rv__adex_prepare_common(p, dt); }

int64_t rv__pn_adexp_check(const rv__block *p, const char **msg) { return rv__adex_check(p, msg); }

/* dv/dt with the synaptic current ge - g v. */
static inline double dv(const rv__adex_mem *m, double v, double w, double g, double ge)
{
    double spike = m->gl_dt * rv__vexp((v - m->v_t) * m->inv_dt);
    return (m->g_l * (m->v_rest - v) + spike + ge - g * v - w + m->i0) * m->inv_cm;
}

/* The arrays integrate() only reads (restrict members: see
 * eif_cond_exp_isfa_ista.c). */
typedef struct arrays {
    const double *restrict inj, *restrict v_rest, *restrict v_t, *restrict i_off;
    const double *restrict g_l, *restrict inv_cm, *restrict gl_dt, *restrict inv_dt;
    const double *restrict a, *restrict inv_tau_w, *restrict pw, *restrict w_inf;
    const double *restrict v_c;
} arrays;

/* One RK4 step of (v, w) of every neuron that is neither refractory nor
 * near its upswing, branch-free; the others are left as they were, marked
 * refrac = -1 for the careful pass (as in eif_cond_exp_isfa_ista.c). */
RV__VECTOR_KERNEL
static void integrate(int64_t begin, int64_t end, double h, double *restrict v,
                      double *restrict w, double *restrict refrac, rv__pn_sums s, arrays x)
{
    const double *restrict g0 = s.g0, *restrict ge0 = s.ge0, *restrict gm = s.gm;
    const double *restrict gem = s.gem, *restrict g1 = s.g1, *restrict ge1 = s.ge1;
    for (int64_t i = begin; i < end; i++) {
        double v0 = v[i], w0 = w[i], r = refrac[i], vc = x.v_c[i];
        rv__adex_mem m = {x.g_l[i],  x.v_rest[i], x.gl_dt[i],  x.v_t[i], x.inv_dt[i], 0.0, 0.0,
                          x.i_off[i] + x.inj[i],  x.inv_cm[i], x.a[i],   x.inv_tau_w[i]};
        double k1v = dv(&m, v0, w0, g0[i], ge0[i]), k1w = rv__adex_dw(&m, v0, w0);
        double v2 = v0 + 0.5 * h * k1v, w2 = w0 + 0.5 * h * k1w;
        double k2v = dv(&m, v2, w2, gm[i], gem[i]), k2w = rv__adex_dw(&m, v2, w2);
        double v3 = v0 + 0.5 * h * k2v, w3 = w0 + 0.5 * h * k2w;
        double k3v = dv(&m, v3, w3, gm[i], gem[i]), k3w = rv__adex_dw(&m, v3, w3);
        double v4 = v0 + h * k3v, w4 = w0 + h * k3w;
        double k4v = dv(&m, v4, w4, g1[i], ge1[i]), k4w = rv__adex_dw(&m, v4, w4);
        double v1 = v0 + h / 6.0 * (k1v + 2.0 * k2v + 2.0 * k3v + k4v);
        double w1 = w0 + h / 6.0 * (k1w + 2.0 * k2w + 2.0 * k3w + k4w);
        double w_held = x.w_inf[i] + (w0 - x.w_inf[i]) * x.pw[i];
        double above = v0 < vc ? (v1 < vc ? 0.0 : 1.0) : 1.0;
        double careful = r > 0.0 ? 0.0 : above;
        double hold = r > 0.0 ? 1.0 : above;
        v[i] = hold > 0.0 ? v0 : v1;
        w[i] = r > 0.0 ? w_held : careful > 0.0 ? w0 : w1;
        refrac[i] = (r > 1.0 ? r - 1.0 : 0.0) - careful;
    }
}

/* The careful path's right-hand side: neuron i, its receptors in closed
 * form from their state at the step start. */
typedef struct careful_ctx {
    const rv__block *p;
    int64_t i;
    rv__adex_mem m;
} careful_ctx;

static void careful_rhs(const void *ctx, double s, const double y[2], double dy[2])
{
    const careful_ctx *c = ctx;
    double i_syn = rv__pn_synaptic_current(c->p, c->i, s, y[0]);
    dy[0] = dv(&c->m, y[0], y[1], 0.0, i_syn);
    dy[1] = rv__adex_dw(&c->m, y[0], y[1]);
}

int64_t rv__pn_adexp_update(const rv__block *p, const rv__step_ctx *ctx)
{
    const rv__composed *c = rv__pn_layout(p);
    double *const *st = p->state, *const *q = p->param, *const *d = p->derived;
    double *v = st[RV__ADEX_V], *w = st[RV__ADEX_W], *refrac = st[c->refrac];
    int64_t b = ctx->begin, e = ctx->end;
    rv__pn_sums s = rv__pn_scratch(p, b, e);
    rv__pn_sum_receptors(p, ctx, &s);
    arrays x = {ctx->i_inj,          q[RV__ADEX_V_REST],     q[RV__ADEX_V_THRESH],
                q[RV__ADEX_I_OFFSET], d[RV__ADEX_G_L],       d[RV__ADEX_INV_CM],
                d[RV__ADEX_GL_DT],   d[RV__ADEX_INV_DT],     d[RV__ADEX_A_US],
                d[RV__ADEX_INV_TAU_W], d[RV__ADEX_PW],       d[RV__ADEX_W_INF_REF],
                d[RV__ADEX_V_CAREFUL]};
    integrate(b, e, ctx->dt, v, w, refrac, s, x);
    /* the careful pass, before the receptors move on */
    rv__trials budget = rv__trials_for(ctx, RV__DOPRI_MAX_STEPS);
    for (int64_t i = b; i < e; i++) {
        if (!(refrac[i] < 0.0))
            continue;
        careful_ctx cc = {p, i,
                          {d[RV__ADEX_G_L][i], q[RV__ADEX_V_REST][i], d[RV__ADEX_GL_DT][i],
                           q[RV__ADEX_V_THRESH][i], d[RV__ADEX_INV_DT][i], 0.0, 0.0,
                           q[RV__ADEX_I_OFFSET][i] + ctx->i_inj[i], d[RV__ADEX_INV_CM][i],
                           d[RV__ADEX_A_US][i], d[RV__ADEX_INV_TAU_W][i]}};
        if (rv__adex_careful_guarded(p, i, careful_rhs, &cc, ctx, &v[i], &w[i], &refrac[i],
                                     &budget))
            rv__fire(ctx->out, i, ctx->t_end);
    }
    rv__pn_advance_receptors(p, ctx);
    return ctx->end;
}
