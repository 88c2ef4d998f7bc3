/*
 * PointNeuron -- a membrane component with any number of named
 * post-synaptic receptors (PyNN 0.11+ PointNeuron with LIF and the
 * PostSynapticResponse types).  The model's tables are built when the
 * population is created (rv_pop_create_composed).
 *
 * Component "LIF" (v in mV, t in ms):
 *     cm dv/dt = cm/tau_m (v_rest - v) + I_syn + i_offset + I_inj
 *     v >= v_thresh: spike, v <- v_reset, clamped for tau_refrac
 *   parameters cm (nF, 1), tau_refrac (ms, 0.1), v_reset (mV, -65),
 *   v_rest (mV, -65), tau_m (ms, 20), i_offset (nA, 0), v_thresh (mV, -50).
 *
 * Receptors, each named by the user ("AMPA", ...), parameters
 * "<name>.<parameter>", state "<name>.isyn" (nA) or "<name>.gsyn" (uS):
 *     CurrExp    tau_syn (5):      dI/dt = -I/tau_syn;  spike: I += w;  I_syn += I
 *     CondExp    e_syn (0), tau_syn (5):  dg/dt = -g/tau_syn;  spike: g += w
 *     CondAlpha  e_syn (0), tau_syn (5):  g = sum w (s/tau) e^(1 - s/tau) (peak w at tau)
 *     CondBeta   e_syn (0), tau_rise (0.2), tau_decay (1.7):
 *                g = sum w N (e^(-s/tau_decay) - e^(-s/tau_rise)), N making the peak w
 *     conductances contribute g (e_syn - v) to I_syn.
 * Receptors are all current-based or all conductance-based (as PyNN
 * requires).
 *
 * Integration: as IF_curr_exp (exact propagators, one per receptor) for
 * current-based receptors; as IF_cond_exp (conductances in closed form,
 * RK4 on v with their sums at the step start, middle and end) for
 * conductance-based ones.  Per step, the receptors' contributions are
 * summed into scratch arrays by vectorised loops, then the membrane loop
 * runs; so with a single receptor of each kind the results match
 * IF_curr_exp / IF_cond_exp / IF_cond_alpha exactly (tests check it).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/sim.h"
#include "models/cond_rk4.h"
#include "models/lif_common.h"
#include "models/point_neuron.h"
#include "models/propagators.h"

typedef enum kind { CURR_EXP, COND_EXP, COND_ALPHA, COND_BETA, N_KINDS } kind;

static const char *const kind_names[N_KINDS] = {"CurrExp", "CondExp", "CondAlpha", "CondBeta"};

/* Each kind's parameters (after "<name>.") and defaults. */
static const struct {
    int n;
    rv__param_desc params[3];
} kind_params[N_KINDS] = {
    [CURR_EXP] = {1, {{"tau_syn", "ms", 5.0, RV__POSITIVE}}},
    [COND_EXP] = {2, {{"e_syn", "mV", 0.0, RV__ANY}, {"tau_syn", "ms", 5.0, RV__POSITIVE}}},
    [COND_ALPHA] = {2, {{"e_syn", "mV", 0.0, RV__ANY}, {"tau_syn", "ms", 5.0, RV__POSITIVE}}},
    [COND_BETA] = {3,
                   {{"e_syn", "mV", 0.0, RV__ANY}, {"tau_rise", "ms", 0.2, RV__POSITIVE},
                    {"tau_decay", "ms", 1.7, RV__POSITIVE}}},
};

/* LIF parameters, in PyNN's order. */
enum { CM, TAU_REFRAC, V_RESET, V_REST, TAU_M, I_OFFSET, V_THRESH, N_LIF };
static const rv__param_desc lif_params[N_LIF] = {
    {"cm", "nF", 1.0, RV__POSITIVE},     {"tau_refrac", "ms", 0.1, RV__NONNEG},
    {"v_reset", "mV", -65.0, RV__ANY},   {"v_rest", "mV", -65.0, RV__ANY},
    {"tau_m", "ms", 20.0, RV__POSITIVE}, {"i_offset", "nA", 0.0, RV__ANY},
    {"v_thresh", "mV", -50.0, RV__ANY},
};

/* Layout of a composed population's tables. */
typedef struct receptor {
    kind kind;
    int param;       /* its first parameter */
    int var;         /* its public state variable (isyn or gsyn) */
    int aux;         /* its internal variable (alpha: y; beta: the rise part), or -1 */
    int derived;     /* its first derived constant */
} receptor;

typedef struct composed {
    rv__model model;          /* first: a composed population's model points here */
    int conductance;
    int n_receptors;
    receptor *rec;
    int refrac;               /* internal variable */
    int n_lif_derived;
    /* storage for the tables and names */
    rv__param_desc *params;
    rv__var_desc *vars;
    char **names;             /* receptor names */
    char **receptor_tau;
    char *strings;
} composed;

/* Derived constants of the membrane (then each receptor's). */
enum { D_P33, D_P30, D_G_L, D_INV_CM, D_REF_STEPS, N_LIF_DERIVED };
/* Per receptor: current: P11, P31; exp: P, P_half; alpha: P, P_half, e/tau;
 * beta: decay P, P_half, rise P, P_half, N. */
static const int kind_derived[N_KINDS] = {2, 2, 3, 5};

static const composed *layout(const rv__pop *p)
{
    return (const composed *)p->model;
}

static int64_t check(const rv__pop *p, const char **msg)
{
    const composed *c = layout(p);
    int64_t bad = rv__lif_check(p, V_RESET, V_THRESH, msg);
    if (bad >= 0)
        return bad;
    for (int r = 0; r < c->n_receptors; r++) {
        if (c->rec[r].kind != COND_BETA)
            continue;
        const double *rise = p->param[c->rec[r].param + 1], *decay = p->param[c->rec[r].param + 2];
        for (int64_t i = 0; i < p->n; i++)
            if (!(rise[i] < decay[i])) {
                *msg = "a CondBeta receptor's tau_rise must be smaller than its tau_decay";
                return i;
            }
    }
    return -1;
}

/* Peak normalisation of a difference of exponentials. */
static double beta_norm(double rise, double decay)
{
    double t_peak = rise * decay / (decay - rise) * log(decay / rise);
    return 1.0 / (exp(-t_peak / decay) - exp(-t_peak / rise));
}

static void prepare(rv__pop *p, double h)
{
    const composed *c = layout(p);
    double *const *d = p->derived, *const *q = p->param;
    for (int64_t i = 0; i < p->n; i++) {
        d[D_P33][i] = exp(-h / q[TAU_M][i]);
        d[D_P30][i] = rv__prop_v_from_const(q[TAU_M][i], q[CM][i], h);
        d[D_G_L][i] = q[CM][i] / q[TAU_M][i];
        d[D_INV_CM][i] = 1.0 / q[CM][i];
        d[D_REF_STEPS][i] = rv__refractory_steps(q[TAU_REFRAC][i], h);
    }
    for (int r = 0; r < c->n_receptors; r++) {
        const receptor *rc = &c->rec[r];
        double *const *x = d + rc->derived;
        const double *tau = q[rc->param + (rc->kind == CURR_EXP ? 0 : 1)];
        for (int64_t i = 0; i < p->n; i++) {
            switch (rc->kind) {
            case CURR_EXP:
                x[0][i] = exp(-h / tau[i]);
                x[1][i] = rv__prop_v_from_exp(q[TAU_M][i], tau[i], q[CM][i], h);
                break;
            case COND_ALPHA:
                x[2][i] = M_E / tau[i];
                x[0][i] = exp(-h / tau[i]);
                x[1][i] = exp(-0.5 * h / tau[i]);
                break;
            case COND_EXP:
                x[0][i] = exp(-h / tau[i]);
                x[1][i] = exp(-0.5 * h / tau[i]);
                break;
            case COND_BETA: {
                double rise = q[rc->param + 1][i], decay = q[rc->param + 2][i];
                x[0][i] = exp(-h / decay);
                x[1][i] = exp(-0.5 * h / decay);
                x[2][i] = exp(-h / rise);
                x[3][i] = exp(-0.5 * h / rise);
                x[4][i] = rise < decay ? beta_norm(rise, decay) : 0.0;
                break;
            }
            default:
                break;
            }
        }
    }
}

/* Scratch sums over receptors, per neuron: conductance and conductance
 * times reversal potential at the step start, middle and end. */
enum { S_G0, S_GE0, S_GM, S_GEM, S_G1, S_GE1, N_SCRATCH };

typedef struct sums {
    double *restrict g0, *restrict ge0, *restrict gm, *restrict gem, *restrict g1, *restrict ge1;
} sums;

static inline void add(const sums *s, int64_t i, double e, double g0, double gm, double g1)
{
    s->g0[i] += g0;
    s->ge0[i] += g0 * e;
    s->gm[i] += gm;
    s->gem[i] += gm * e;
    s->g1[i] += g1;
    s->ge1[i] += g1 * e;
}

/* Each conductance kind: add its values over the step to the sums, then
 * move to the step end, where the input arriving then is added. */
static void cond_exp(int64_t b, int64_t e, const sums *s, double *restrict g,
                     double *restrict in, const double *restrict e_syn,
                     const double *restrict p, const double *restrict p_half)
{
    for (int64_t i = b; i < e; i++) {
        double g0 = g[i], g1 = p[i] * g0;
        add(s, i, e_syn[i], g0, p_half[i] * g0, g1);
        g[i] = g1 + in[i];
        in[i] = 0.0;
    }
}

static void cond_alpha(int64_t b, int64_t e, double h, const sums *s, double *restrict g,
                       double *restrict y, double *restrict in, const double *restrict e_syn,
                       const double *restrict p, const double *restrict p_half,
                       const double *restrict kick)
{
    for (int64_t i = b; i < e; i++) {
        double g0 = g[i], slope = kick[i] * y[i];   /* dg/ds at s = 0 */
        double g1 = p[i] * (g0 + slope * h);
        add(s, i, e_syn[i], g0, p_half[i] * (g0 + slope * 0.5 * h), g1);
        g[i] = g1;
        y[i] = p[i] * y[i] + in[i];
        in[i] = 0.0;
    }
}

/* g = A - B with A decaying with tau_decay and B (`rise`) with tau_rise; a
 * spike adds N w to both, so g is continuous and rises. */
static void cond_beta(int64_t b, int64_t e, const sums *s, double *restrict g,
                      double *restrict rise, double *restrict in, const double *restrict e_syn,
                      const double *restrict pd, const double *restrict pd_half,
                      const double *restrict pr, const double *restrict pr_half,
                      const double *restrict norm)
{
    for (int64_t i = b; i < e; i++) {
        double a0 = g[i] + rise[i];
        double g1 = pd[i] * a0 - pr[i] * rise[i];
        add(s, i, e_syn[i], g[i], pd_half[i] * a0 - pr_half[i] * rise[i], g1);
        g[i] = g1;
        rise[i] = pr[i] * rise[i] + norm[i] * in[i];
        in[i] = 0.0;
    }
}

RV__VECTOR_KERNEL
static void lif_cond(int64_t b, int64_t e, double h, double *restrict v,
                     double *restrict refrac, const sums *s, const double *restrict inj,
                     const double *restrict v_rest, const double *restrict i_off,
                     const double *restrict g_l, const double *restrict inv_cm)
{
    const double *restrict g0 = s->g0, *restrict ge0 = s->ge0, *restrict gm = s->gm;
    const double *restrict gem = s->gem, *restrict g1 = s->g1, *restrict ge1 = s->ge1;
    for (int64_t i = b; i < e; i++) {
        double vi = v[i], r = refrac[i], i0 = i_off[i] + inj[i], c = inv_cm[i];
        double lead = g_l[i] * v_rest[i] + i0;
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

/* Current receptors: the exact contribution of current I (initial value)
 * to v at the step end is added into `to_v`, then I decays and takes the
 * input. */
static void curr_exp(int64_t b, int64_t e, double *restrict to_v, double *restrict cur,
                     double *restrict in, const double *restrict p11,
                     const double *restrict p31)
{
    for (int64_t i = b; i < e; i++) {
        to_v[i] += p31[i] * cur[i];
        cur[i] = p11[i] * cur[i] + in[i];
        in[i] = 0.0;
    }
}

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

static void update(rv__pop *p, const rv__step_ctx *ctx)
{
    const composed *c = layout(p);
    double *const *st = p->state, *const *q = p->param, *const *d = p->derived;
    int64_t b = ctx->begin, e = ctx->end;
    double *const *scratch = p->scratch;
    sums s = {scratch[S_G0], scratch[S_GE0], scratch[S_GM], scratch[S_GEM], scratch[S_G1],
              scratch[S_GE1]};
    for (int k = 0; k < (c->conductance ? N_SCRATCH : 1); k++)
        memset(scratch[k] + b, 0, (size_t)(e - b) * sizeof(double));
    for (int r = 0; r < c->n_receptors; r++) {
        const receptor *rc = &c->rec[r];
        double *const *x = d + rc->derived;
        double *in = ctx->input[r], *var = st[rc->var];
        switch (rc->kind) {
        case CURR_EXP:
            curr_exp(b, e, scratch[0], var, in, x[0], x[1]);
            break;
        case COND_EXP:
            cond_exp(b, e, &s, var, in, q[rc->param], x[0], x[1]);
            break;
        case COND_ALPHA:
            cond_alpha(b, e, ctx->dt, &s, var, st[rc->aux], in, q[rc->param], x[0], x[1], x[2]);
            break;
        case COND_BETA:
            cond_beta(b, e, &s, var, st[rc->aux], in, q[rc->param], x[0], x[1], x[2], x[3],
                      x[4]);
            break;
        default:
            break;
        }
    }
    if (c->conductance)
        lif_cond(b, e, ctx->dt, st[0], st[c->refrac], &s, ctx->i_inj, q[V_REST], q[I_OFFSET],
                 d[D_G_L], d[D_INV_CM]);
    else
        lif_curr(b, e, st[0], st[c->refrac], scratch[0], ctx->i_inj, q[V_REST], q[I_OFFSET],
                 d[D_P33], d[D_P30]);
    rv__lif_threshold(ctx, st[0], q[V_THRESH], q[V_RESET], st[c->refrac], d[D_REF_STEPS]);
}

/* ---- building the tables ---------------------------------------------------------- */

void rv__composed_free(const rv__model *m)
{
    composed *c = (composed *)m;
    if (!c)
        return;
    rv__free(c->rec);
    rv__free(c->params);
    rv__free(c->vars);
    rv__free(c->names);
    rv__free(c->receptor_tau);
    rv__free(c->strings);
    rv__free(c);
}

static int kind_of(const char *name)
{
    for (int k = 0; k < N_KINDS; k++)
        if (strcmp(kind_names[k], name) == 0)
            return k;
    return -1;
}

/* Appends "<prefix>.<name>" (or name) to the string pool. */
static const char *pooled(char **cursor, const char *prefix, const char *name)
{
    char *at = *cursor;
    int len = prefix ? sprintf(at, "%s.%s", prefix, name) : sprintf(at, "%s", name);
    *cursor += len + 1;
    return at;
}

rv_status rv__composed_build(rv_sim *sim, const char *component, int n_receptors,
                             const char *const *names, const char *const *kinds,
                             const rv__model **out)
{
    static const char fn[] = "rv_pop_create_composed";
    if (strcmp(component, "LIF") != 0)
        return rv__fail(sim, RV_ERR_NAME, "%s: unknown component '%s' (LIF)", fn, component);
    if (n_receptors < 0 || n_receptors > RV__MAX_RECEPTORS)
        return rv__fail(sim, RV_ERR_LIMIT, "%s: %d receptors; between 0 and %d are supported",
                        fn, n_receptors, RV__MAX_RECEPTORS);
    if (n_receptors > 0 && (!names || !kinds))
        return rv__fail(sim, RV_ERR_NULL, "%s: %s is NULL", fn, !names ? "names" : "kinds");
    int conductance = -1, n_params = N_LIF, n_internal = 1, n_derived = N_LIF_DERIVED;
    size_t pool = 64;
    for (int r = 0; r < n_receptors; r++) {
        if (!names[r] || !kinds[r])
            return rv__fail(sim, RV_ERR_NULL, "%s: receptor %d has a NULL name or kind", fn, r);
        int k = kind_of(kinds[r]);
        if (k < 0)
            return rv__fail(sim, RV_ERR_NAME, "%s: unknown receptor kind '%s' (CurrExp, CondExp, "
                            "CondAlpha, CondBeta)", fn, kinds[r]);
        if (!names[r][0] || strchr(names[r], '.') || strlen(names[r]) > 64)
            return rv__fail(sim, RV_ERR_VALUE, "%s: receptor name '%s' must be 1-64 characters "
                            "without '.'", fn, names[r]);
        for (int j = 0; j < r; j++)
            if (strcmp(names[j], names[r]) == 0)
                return rv__fail(sim, RV_ERR_VALUE, "%s: receptor '%s' is named twice", fn,
                                names[r]);
        int cond = k != CURR_EXP;
        if (conductance >= 0 && cond != conductance)
            return rv__fail(sim, RV_ERR_VALUE, "%s: receptors must be all current-based or all "
                            "conductance-based ('%s' is %s)", fn, names[r],
                            cond ? "conductance-based" : "current-based");
        conductance = cond;
        n_params += kind_params[k].n;
        n_internal += k == COND_ALPHA || k == COND_BETA;
        n_derived += kind_derived[k];
        pool += 4 * (strlen(names[r]) + 16);
    }
    composed *c = rv__calloc(1, sizeof *c);
    if (!c)
        return rv__fail(sim, RV_ERR_NOMEM, "%s: out of memory", fn);
    c->rec = rv__calloc((size_t)n_receptors + 1, sizeof *c->rec);
    c->params = rv__calloc((size_t)n_params, sizeof *c->params);
    c->vars = rv__calloc((size_t)n_receptors + 1, sizeof *c->vars);
    c->names = rv__calloc((size_t)n_receptors + 1, sizeof *c->names);
    c->receptor_tau = rv__calloc((size_t)n_receptors + 1, sizeof *c->receptor_tau);
    c->strings = rv__calloc(pool, 1);
    if (!c->rec || !c->params || !c->vars || !c->names || !c->receptor_tau || !c->strings) {
        rv__composed_free(&c->model);
        return rv__fail(sim, RV_ERR_NOMEM, "%s: out of memory", fn);
    }
    char *cursor = c->strings;
    memcpy(c->params, lif_params, sizeof lif_params);
    c->vars[0] = (rv__var_desc){"v", "mV", -65.0};
    int param = N_LIF, internal = 1 + n_receptors, derived = N_LIF_DERIVED;
    c->refrac = 1 + n_receptors;  /* the first internal variable */
    internal++;
    for (int r = 0; r < n_receptors; r++) {
        kind k = (kind)kind_of(kinds[r]);
        receptor *rc = &c->rec[r];
        rc->kind = k;
        rc->param = param;
        rc->var = 1 + r;
        rc->aux = k == COND_ALPHA || k == COND_BETA ? internal++ : -1;
        rc->derived = derived;
        derived += kind_derived[k];
        c->names[r] = (char *)pooled(&cursor, NULL, names[r]);
        for (int j = 0; j < kind_params[k].n; j++) {
            c->params[param] = kind_params[k].params[j];
            c->params[param].name = pooled(&cursor, names[r], kind_params[k].params[j].name);
            param++;
        }
        c->vars[rc->var] = (rv__var_desc){pooled(&cursor, names[r], k == CURR_EXP ? "isyn" : "gsyn"),
                                          k == CURR_EXP ? "nA" : "uS", 0.0};
        c->receptor_tau[r] = (char *)pooled(&cursor, names[r],
                                            k == COND_BETA ? "tau_decay" : "tau_syn");
    }
    c->conductance = conductance == 1;
    c->n_receptors = n_receptors;
    c->n_lif_derived = N_LIF_DERIVED;
    rv__model *m = &c->model;
    m->name = "PointNeuron";
    m->kind = RV_MODEL_NEURON;
    m->params = c->params;
    m->n_params = n_params;
    m->vars = c->vars;
    m->n_vars = 1 + n_receptors;
    m->n_internal = n_internal;
    m->n_derived = derived;
    m->n_scratch = c->conductance ? N_SCRATCH : 1;
    m->receptors = (const char *const *)c->names;
    m->n_receptors = n_receptors;
    m->receptor_tau = (const char *const *)c->receptor_tau;
    m->conductance_based = c->conductance;
    m->check = check;
    m->prepare = prepare;
    m->update = update;
    m->release = rv__composed_free;
    *out = m;
    return RV_OK;
}
