/*
 * STDPSynapse -- spike-timing-dependent plasticity (PyNN STDPMechanism with
 * SpikePairRule or Vogels2011Rule and any standard weight dependence).
 *
 * Timing.  A synapse of delay D splits it into an axonal part
 * Da = (1 - f) D and a dendritic part Dd = f D, f being
 * dendritic_delay_fraction: the synapse sees a presynaptic spike at
 * Ts = t_pre + Da and a post-synaptic spike at t_post + Dd.  All pairs
 * interact through exponential traces (all-to-all pairing):
 *     pre trace at the synapse   K+(t) = sum over arrivals e^(-(t - Ts)/tau_plus)
 *     post trace                 K-(t) = sum over post spikes e^(-(t - t_post)/tau_minus)
 * As in NEST's stdp_synapse, the weight changes only when a presynaptic
 * spike reaches the synapse: first every post-synaptic spike seen since the
 * previous arrival potentiates (in order, with K+ at its time), then the
 * arrival depresses with K- just before it; the spike is then transmitted
 * with the new weight.  A post spike seen at the same time as an arrival
 * counts as after it (it potentiates, with K+ including that arrival).
 * Here Ranvier departs from NEST, whose stdp_synapse reads the post spikes
 * in (t_last, Ts] and so counts such a spike before the arrival: it
 * potentiates with K+ excluding it, A_plus F+(w) less (tests/python/
 * test_synapse_dynamics.py, test_vs_nest).  On the grid such ties are
 * common (bench/stdp_replay.py: 9-26 of 367 synapses of a recurrent
 * network at ~60 Hz within 1 s), so a replay must follow this rule.
 * Times closer than 1e-6 dt are the same time: the times compared are sums
 * of grid times and delays, which rounding can put a few ulp apart when
 * they are equal.
 *
 * Rules (w is clipped to [w_min, w_max] after every change):
 *     SpikePairRule  potentiation  w += A_plus  F+(w) K+      depression  w -= A_minus F-(w) K-
 *     Vogels2011Rule potentiation  w += eta K+                arrival     w += eta (K- - alpha)
 *                    with tau_plus = tau_minus = tau and alpha = 2 rho tau / 1000 (rho in Hz,
 *                    tau in ms; PyNN's NEURON mechanism uses rho as 1/ms, i.e. 1000x larger)
 *     weight dependence                F+(w)                         F-(w)
 *       additive (0)                   w_max                         w_max
 *       multiplicative (1)             w_max - w                     w - w_min
 *       additive pot., mult. dep. (2)  w_max                         w - w_min
 *       Gutig (3)                      w_max ((w_max - w)/w_max)^mu+ w_max ((w - w_min)/w_max)^mu-
 *     (NEST's normalised forms: with mu = 0 Gutig is additive, with mu = 1
 *     multiplicative; NEURON's Gutig drops the w_max factors.)
 *
 * When the synapse must know post spikes that have not happened yet when
 * the presynaptic spike is delivered (f < 1/2), its update is deferred to
 * the step where they are known, which is still before the spike arrives.
 * So the weights read after a run to T hold the updates of exactly the
 * presynaptic spikes with t_pre + (1 - 2f) D <= T + dt, i.e. those whose
 * post spikes (before Ts - Dd) are all known by T: with f >= 1/2 every
 * spike emitted by T, even one that reaches the synapse after T; with
 * f < 1/2 not those emitted in the last (1 - 2f) D - dt, whose updates
 * the next run makes.
 *
 * Per-synapse columns: the parameters below; state: the weight, K+ at the
 * last arrival, the time of the last arrival.
 */
#include <math.h>

#include "synapses/synapse.h"

enum { TAU_PLUS, TAU_MINUS, A_PLUS, A_MINUS, W_MIN, W_MAX, MU_PLUS, MU_MINUS, ETA, RHO, TAU,
       FRACTION, WEIGHT_RULE, TIMING_RULE, N_PARAMS };
enum { K_PLUS, T_LAST };
enum { ADDITIVE, MULTIPLICATIVE, ADD_POT_MULT_DEP, GUTIG, N_WEIGHT_RULES };
enum { SPIKE_PAIR, VOGELS_2011, N_TIMING_RULES };

static const rv__param_desc params[] = {
    {"tau_plus", "ms", 20.0, RV__POSITIVE},
    {"tau_minus", "ms", 20.0, RV__POSITIVE},
    {"A_plus", "", 0.01, RV__NONNEG},
    {"A_minus", "", 0.01, RV__NONNEG},
    {"w_min", "", 0.0, RV__ANY},
    {"w_max", "", 1.0, RV__ANY},
    {"mu_plus", "", 0.5, RV__NONNEG},
    {"mu_minus", "", 0.5, RV__NONNEG},
    {"eta", "", 1e-10, RV__ANY},
    {"rho", "Hz", 3.0, RV__NONNEG},
    {"tau", "ms", 20.0, RV__POSITIVE},
    {"dendritic_delay_fraction", "", 1.0, RV__UNIT},
    {"weight_rule", "", ADDITIVE, RV__NONNEG},
    {"timing_rule", "", SPIKE_PAIR, RV__NONNEG},
};

static const rv__var_desc internal[] = {{"K_plus", "", 0.0}, {"t_last", "ms", -INFINITY}};

/* The parameters of synapse j, gathered once per update. */
typedef struct rule {
    int timing, weight;
    double tau_plus, tau_minus, a_plus, a_minus, w_min, w_max, mu_plus, mu_minus, eta, alpha;
} rule;

static rule rule_of(const rv__rows *rows, int64_t j)
{
    const rv__dcol *x = rows->extra;
    rule r;
    r.timing = (int)rv__col(&x[TIMING_RULE], j);
    r.weight = (int)rv__col(&x[WEIGHT_RULE], j);
    r.w_min = rv__col(&x[W_MIN], j);
    r.w_max = rv__col(&x[W_MAX], j);
    if (r.timing == VOGELS_2011) {
        r.tau_plus = r.tau_minus = rv__col(&x[TAU], j);
        r.eta = rv__col(&x[ETA], j);
        r.alpha = 2.0 * rv__col(&x[RHO], j) * r.tau_plus / 1000.0;
    } else {
        r.tau_plus = rv__col(&x[TAU_PLUS], j);
        r.tau_minus = rv__col(&x[TAU_MINUS], j);
        r.a_plus = rv__col(&x[A_PLUS], j);
        r.a_minus = rv__col(&x[A_MINUS], j);
        r.mu_plus = rv__col(&x[MU_PLUS], j);
        r.mu_minus = rv__col(&x[MU_MINUS], j);
    }
    return r;
}

static double clip(double w, const rule *r)
{
    return w < r->w_min ? r->w_min : w > r->w_max ? r->w_max : w;
}

static double potentiate(double w, double k_plus, const rule *r)
{
    if (r->timing == VOGELS_2011)
        return clip(w + r->eta * k_plus, r);
    double f;
    switch (r->weight) {
    case MULTIPLICATIVE:
        f = r->w_max - w;
        break;
    case GUTIG:
        f = r->w_max * pow((r->w_max - w) / r->w_max, r->mu_plus);
        break;
    default:  /* additive potentiation */
        f = r->w_max;
    }
    return clip(w + r->a_plus * f * k_plus, r);
}

static double depress(double w, double k_minus, const rule *r)
{
    if (r->timing == VOGELS_2011)
        return clip(w + r->eta * (k_minus - r->alpha), r);
    double f;
    switch (r->weight) {
    case MULTIPLICATIVE:
    case ADD_POT_MULT_DEP:
        f = w - r->w_min;
        break;
    case GUTIG:
        f = r->w_max * pow((w - r->w_min) / r->w_max, r->mu_minus);
        break;
    default:
        f = r->w_max;
    }
    return clip(w - r->a_minus * f * k_minus, r);
}

/* What the updates of one batch of synapses (one presynaptic spike) share:
 * the rule when every synapse has the same parameters, e^(-eps/tau_minus),
 * and the last K+ decay factor (the synapses of one presynaptic neuron
 * usually share their delay and last arrival, hence the factor). */
typedef struct batch {
    int shared_rule;
    rule r;
    double eps, eps_decay;
    double gap, tau, gap_decay;   /* the last ts - t_last, tau_plus, e^(-gap/tau) */
} batch;

static double k_plus_decay(batch *b, double gap, double tau_plus)
{
    if (gap != b->gap || tau_plus != b->tau) {
        b->gap = gap;
        b->tau = tau_plus;
        b->gap_decay = exp(-gap / tau_plus);
    }
    return b->gap_decay;
}

/* The update of synapse j for the presynaptic spike in c, then its
 * transmission. */
static void update_synapse(const rv__syn_ctx *c, int64_t j, batch *b)
{
    const rv__proj *p = c->p;
    const rv__rows *rows = c->r;
    const rv__trace_channels *h = c->channels;
    double *w = &rows->state[0][j];
    double *k_plus = &rows->state[rv__state_internal(p) + K_PLUS][j];
    double *t_last = &rows->state[rv__state_internal(p) + T_LAST][j];
    rule own;
    const rule *r = b->shared_rule ? &b->r : (own = rule_of(rows, j), &own);
    double delay = rv__delay_of(rows, j) * c->dt;
    double dd = rv__col(&rows->extra[FRACTION], j) * delay;
    double ts = c->t + (delay - dd);
    uint32_t i = rows->target[j];
    rv__spike_log *log = c->logs[i];
    double eps = b->eps;
    /* post spikes seen at the synapse in [t_last, ts): potentiation.  The
       first of them is found from the newest entry back: entries newer
       than t_last are the post spikes since this synapse's last arrival,
       which the loop below reads anyway, while older ones may be many (a
       silent synapse onto the same neuron keeps them alive). */
    int64_t end = log->end, e = end;
    while (e > log->dropped && rv__entry(h, log, e - 1)[RV__ENTRY_T] + dd >= *t_last - eps)
        e--;
    for (; e < end; e++) {
        double *x = rv__entry(h, log, e), seen = x[RV__ENTRY_T] + dd;
        if (!(seen < ts - eps))
            break;
        if (*k_plus > 0.0)
            *w = potentiate(*w, *k_plus * exp(-(seen - *t_last) / r->tau_plus), r);
        x[RV__ENTRY_READS] += 1.0;
    }
    /* the arrival: depression with the post trace just before it (the
       trace of the spikes before ts - dd - eps, taken at ts - dd) */
    double k_minus = rv__history_trace(h, log, p->trace_channel, ts - dd - eps) * b->eps_decay;
    *w = depress(*w, k_minus, r);
    *k_plus = *k_plus * k_plus_decay(b, ts - *t_last, r->tau_plus) + 1.0;
    *t_last = ts;
    rv__syn_deliver(c, j, *w);
}

/* The first step at whose end every post spike the update of synapse j
 * needs is known: spikes before ts - dd, so up to ts - dd - dt. */
static int64_t ready_step(const rv__syn_ctx *c, int64_t j)
{
    const rv__rows *rows = c->r;
    double delay = rv__delay_of(rows, j) * c->dt;
    double dd = rv__col(&rows->extra[FRACTION], j) * delay;
    double needed = c->t + (delay - dd) - dd;   /* ts - dd */
    return (int64_t)ceil(needed / c->dt - 1.0 - 1e-9);
}

/* Whether column k holds one value for all n synapses. */
static int uniform(const rv__dcol *c, int64_t n)
{
    for (int64_t j = 1; c->v && j < n; j++)
        if (c->v[j] != c->v[0])
            return 0;
    return 1;
}

/* The columns that shape the post-synaptic trace have one value, and the
 * trace's time constant. */
static int trace_uniform(const rv__rows *r)
{
    const rv__dcol *x = r->extra;
    return uniform(&x[TIMING_RULE], r->n) && uniform(&x[TAU_MINUS], r->n)
           && uniform(&x[TAU], r->n);
}

static double trace_tau(const rv__rows *r)
{
    int vogels = (int)rv__col(&r->extra[TIMING_RULE], 0) == VOGELS_2011;
    return rv__col(&r->extra[vogels ? TAU : TAU_MINUS], 0);
}

static void transmit(const rv__syn_ctx *c, int64_t begin, int64_t end)
{
    const rv__rows *rows = c->r;
    batch b = {.shared_rule = 1, .eps = 1e-6 * c->dt, .gap = NAN};
    for (int k = 0; k < N_PARAMS; k++)
        b.shared_rule &= rows->extra[k].v == NULL;
    if (b.shared_rule)
        b.r = rule_of(rows, 0);
    b.eps_decay = exp(-b.eps / c->channels->tau[c->p->trace_channel]);
    /* with f >= 1/2 everything needed is known when the spike is delivered */
    const rv__dcol *f = &rows->extra[FRACTION];
    if (!f->v && f->all >= 0.5) {
        for (int64_t j = begin; j < end; j++)
            update_synapse(c, j, &b);
        return;
    }
    for (int64_t j = begin; j < end; j++) {
        int64_t ready = ready_step(c, j);
        if (ready <= c->now_step)
            update_synapse(c, j, &b);
        else
            rv__defer(c, j, ready);
    }
}

static int64_t check(const rv__proj *p, const rv__rows *r, const char **msg)
{
    (void)p;
    int64_t n = r->n;
    const rv__dcol *x = r->extra;
    for (int64_t j = 0; j < n; j++) {
        rule ru = rule_of(r, j);
        double wr = rv__col(&x[WEIGHT_RULE], j), tr = rv__col(&x[TIMING_RULE], j);
        if (wr != floor(wr) || wr >= N_WEIGHT_RULES || tr != floor(tr) || tr >= N_TIMING_RULES) {
            *msg = "weight_rule and timing_rule must name a rule (0-3 and 0-1)";
            return j;
        }
        if (!(ru.w_min <= ru.w_max)) {
            *msg = "w_min must not exceed w_max";
            return j;
        }
        if (ru.weight == GUTIG && !(ru.w_max > 0.0)) {
            *msg = "w_max must be positive with the Gutig weight dependence";
            return j;
        }
    }
    return -1;
}

const rv__synmodel rv__syn_stdp = {
    .name = "STDPSynapse",
    .params = params,
    .n_params = N_PARAMS,
    .internal = internal,
    .n_internal = sizeof internal / sizeof internal[0],
    .plastic_weight = 1,
    .post_trace = 1,
    .check = check,
    .trace_uniform = trace_uniform,
    .trace_tau = trace_tau,
    .transmit = transmit,
};
