/*
 * Stochastic synapses: each transmission is a random event.
 *
 * SimpleStochasticSynapse (PyNN; NEST bernoulli_synapse): every spike is
 * transmitted with probability p, independently.
 *
 * StochasticTsodyksMarkramSynapse (Fuhrmann et al. 2002; PyNN's NEST
 * extension stochastic_stp_synapse): one release site.  At a spike, h ms
 * after the previous one, u facilitates as in Tsodyks-Markram
 * (u <- u e^(-h/tau_facil) + U (1 - u e^(-h/tau_facil)), or U when
 * tau_facil = 0); an unrecovered site recovers with probability
 * 1 - e^(-(t - t_surv)/tau_rec) (t_surv: when it was last released or
 * last failed to recover); a recovered site releases the full weight with
 * probability u and becomes unrecovered.
 *
 * MultiQuantalSynapse (NEST quantal_stp_synapse): n release sites.  At a
 * spike, u <- U + u (1 - U) e^(-h/tau_facil) (U when tau_facil = 0); each
 * empty site refills with probability 1 - e^(-h/tau_rec); each available
 * site releases with probability u; the synapse transmits weight times the
 * number released, and the released sites empty.  Its state variables, u
 * (initially 0: the first spike has u = U) and a, the available sites
 * (initially -1, which stands for n), take initial values (PyNN's Projection.initialize(u=...,
 * a=...), as NEST's u and a); as in NEST the time of the previous spike
 * starts at 0, so an initial u decays from t = 0.
 *
 * The random numbers of a synapse come from its own stream, keyed by the
 * seed, the projection, the gids of its source and target and its place
 * among the multapses of that pair, so they do not depend on how the
 * network is split over threads or processes, and reset repeats them.
 */
#include <math.h>

#include "synapses/synapse.h"

/* The stream of synapse j, positioned where it stopped last time.  It is
 * named by the projection, the source and target gids and the synapse's
 * place among the multapses of that pair, all independent of how the
 * network is split. */
static void open_stream(const rv__syn_ctx *c, int64_t j, const double *position, rv__stream *s)
{
    const rv__rows *r = c->r;
    int64_t first = j;   /* multapses of a pair are adjacent in the row */
    while (first > c->row_begin && r->target[first - 1] == r->target[j])
        first--;
    uint64_t pair = rv__hash64(rv__hash64((uint64_t)c->pre_gid) ^ (uint64_t)c->p->handle)
                    ^ (uint64_t)(j - first);
    rv__stream_init(s, c->seed, RV__RNG_SYNAPSE, pair, (uint64_t)(c->post_gid0 + r->target[j]));
    rv__stream_seek(s, (uint64_t)position[j]);
}

static void close_stream(const rv__stream *s, int64_t j, double *position)
{
    position[j] = (double)rv__stream_tell(s);
}

/* ---- SimpleStochasticSynapse ----------------------------------------------- */

static const rv__param_desc simple_params[] = {{"p", "", 0.5, RV__UNIT}};
static const rv__var_desc simple_internal[] = {{"stream", "", 0.0}};

static void simple_transmit(const rv__syn_ctx *c, int64_t begin, int64_t end)
{
    const rv__proj *p = c->p;
    const rv__rows *r = c->r;
    double *position = r->state[rv__state_internal(p)];
    for (int64_t j = begin; j < end; j++) {
        rv__stream s;
        open_stream(c, j, position, &s);
        int release = rv__uniform(&s) < rv__col(&r->extra[0], j);
        close_stream(&s, j, position);
        if (release)
            rv__syn_deliver(c, j, rv__col(&r->weight, j));
    }
}

const rv__synmodel rv__syn_simple_stochastic = {
    .name = "SimpleStochasticSynapse",
    .params = simple_params,
    .n_params = 1,
    .internal = simple_internal,
    .n_internal = 1,
    .transmit = simple_transmit,
};

/* ---- StochasticTsodyksMarkramSynapse ----------------------------------------- */

enum { S_U, S_TAU_REC, S_TAU_FACIL };
enum { S_STREAM, S_USE, S_RECOVERED, S_T_SURV, S_T_LAST };

static const rv__param_desc stp_params[] = {
    {"U", "", 0.5, RV__UNIT},
    {"tau_rec", "ms", 100.0, RV__POSITIVE},
    {"tau_facil", "ms", 0.0, RV__NONNEG},
};
static const rv__var_desc stp_internal[] = {
    {"stream", "", 0.0}, {"u", "", 0.0}, {"recovered", "", 1.0}, {"t_surv", "ms", 0.0},
    {"t_last", "ms", 0.0},
};

static void stp_transmit(const rv__syn_ctx *c, int64_t begin, int64_t end)
{
    const rv__proj *p = c->p;
    const rv__rows *r = c->r;
    double *const *x = r->state + rv__state_internal(p);
    for (int64_t j = begin; j < end; j++) {
        double U = rv__col(&r->extra[S_U], j), tau_facil = rv__col(&r->extra[S_TAU_FACIL], j);
        double tau_rec = rv__col(&r->extra[S_TAU_REC], j);
        double *u = &x[S_USE][j], *recovered = &x[S_RECOVERED][j], *t_surv = &x[S_T_SURV][j];
        if (tau_facil > 0.0) {
            *u *= exp(-(c->t - x[S_T_LAST][j]) / tau_facil);
            *u += U * (1.0 - *u);
        } else {
            *u = U;
        }
        rv__stream s;
        open_stream(c, j, x[S_STREAM], &s);
        if (*recovered == 0.0) {
            if (rv__uniform(&s) > exp(-(c->t - *t_surv) / tau_rec))
                *recovered = 1.0;
            else
                *t_surv = c->t;
        }
        int release = 0;
        if (*recovered == 1.0 && rv__uniform(&s) < *u) {
            release = 1;
            *recovered = 0.0;
            *t_surv = c->t;
        }
        close_stream(&s, j, x[S_STREAM]);
        x[S_T_LAST][j] = c->t;
        if (release)
            rv__syn_deliver(c, j, rv__col(&r->weight, j));
    }
}

const rv__synmodel rv__syn_stochastic_tsodyks_markram = {
    .name = "StochasticTsodyksMarkramSynapse",
    .params = stp_params,
    .n_params = sizeof stp_params / sizeof stp_params[0],
    .internal = stp_internal,
    .n_internal = sizeof stp_internal / sizeof stp_internal[0],
    .transmit = stp_transmit,
};

/* ---- MultiQuantalSynapse -------------------------------------------------- */

enum { Q_U, Q_N, Q_TAU_REC, Q_TAU_FACIL, Q_U_INIT, Q_A_INIT };
enum { Q_STREAM, Q_T_LAST };

/* The initial number of available sites is -1 by default, which stands for
 * n (n may differ per synapse). */
static const rv__param_desc quantal_params[] = {
    {"U", "", 0.5, RV__UNIT},
    {"n", "", 1.0, RV__POSITIVE},
    {"tau_rec", "ms", 800.0, RV__POSITIVE},
    {"tau_facil", "ms", 0.0, RV__NONNEG},
    {"u", "", 0.0, RV__UNIT},
    {"a", "", -1.0, RV__ANY},
};
static const rv__var_desc quantal_internal[] = {{"stream", "", 0.0}, {"t_last", "ms", 0.0}};

/* n must be a whole number of release sites, a -1 (n) or one in [0, n]. */
static int64_t quantal_check(const rv__proj *p, const rv__rows *r, const char **msg)
{
    (void)p;
    const rv__dcol *n = &r->extra[Q_N], *a = &r->extra[Q_A_INIT];
    for (int64_t j = 0; j < (n->v || a->v ? r->n : 1); j++) {
        double x = rv__col(n, j), y = rv__col(a, j);
        if (x != floor(x) || x > 1e6) {
            *msg = "n (release sites) must be a whole number up to 1e6";
            return j;
        }
        if (y != -1.0 && !(y == floor(y) && y >= 0 && y <= x)) {
            *msg = "a (available release sites) must be a whole number in [0, n] (or -1: n)";
            return j;
        }
    }
    return -1;
}

static void quantal_transmit(const rv__syn_ctx *c, int64_t begin, int64_t end)
{
    const rv__proj *p = c->p;
    const rv__rows *r = c->r;
    double *const *x = r->state + rv__state_internal(p);
    for (int64_t j = begin; j < end; j++) {
        double U = rv__col(&r->extra[Q_U], j), n = rv__col(&r->extra[Q_N], j);
        double tau_rec = rv__col(&r->extra[Q_TAU_REC], j);
        double tau_facil = rv__col(&r->extra[Q_TAU_FACIL], j);
        double *u = &r->state[rv__state_vars(p)][j];
        double *available = &r->state[rv__state_vars(p) + 1][j];
        if (*available < 0.0)
            *available = n;
        double h = c->t - x[Q_T_LAST][j];
        double refill = -expm1(-h / tau_rec);
        *u = U + *u * (1.0 - U) * (tau_facil > 0.0 ? exp(-h / tau_facil) : 0.0);
        rv__stream s;
        open_stream(c, j, x[Q_STREAM], &s);
        for (double empty = n - *available; empty > 0.0; empty -= 1.0)
            if (rv__uniform(&s) < refill)
                *available += 1.0;
        double released = 0.0;
        for (double k = *available; k > 0.0; k -= 1.0)
            if (rv__uniform(&s) < *u)
                released += 1.0;
        close_stream(&s, j, x[Q_STREAM]);
        *available -= released;
        x[Q_T_LAST][j] = c->t;
        if (released > 0.0)
            rv__syn_deliver(c, j, released * rv__col(&r->weight, j));
    }
}

const rv__synmodel rv__syn_multi_quantal = {
    .name = "MultiQuantalSynapse",
    .params = quantal_params,
    .n_params = sizeof quantal_params / sizeof quantal_params[0],
    .n_vars = 2,
    .internal = quantal_internal,
    .n_internal = sizeof quantal_internal / sizeof quantal_internal[0],
    .check = quantal_check,
    .transmit = quantal_transmit,
};
