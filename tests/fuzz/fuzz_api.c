/*
 * fuzz_api.c -- a libFuzzer target over the public C API.
 *
 * The input bytes are decoded into a sequence of API calls on one
 * simulation: create populations of every model (built-in and composed),
 * projections of every synapse model, connections by list and by every rule
 * and distribution, parameters and initial values, spike times, current
 * sources, recording, a few steps of running, reset, reads, and finally
 * free.  Values come from a table of awkward numbers (0, -0, huge, tiny,
 * inf, NaN, integer boundaries) or straight from the input bytes.
 *
 * What it checks beyond the sanitizers: every call returns a known status,
 * a failed call leaves a message, and nothing hangs (libFuzzer's -timeout).
 * Sizes are kept small where a legitimate call would simply take long (a
 * run is at most MAX_RUN_STEPS steps), but absurd sizes are passed through
 * to the library so that its limits are exercised too.
 *
 * The same entry point is replayed over tests/fuzz/corpus and
 * tests/fuzz/regressions by replay.c, built with the ordinary compiler.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ranvier/ranvier.h"

/* Bounds that keep one input fast, not limits of the library. */
#define MAX_OPS 48
#define MAX_RUN_STEPS 40
/* Steps all of an input's runs together may take: 2000 neurons that each
   take the most careful (adaptive) work the library allows cost up to
   0.1 s a step under the sanitizers. */
#define MAX_INPUT_STEPS 60
#define MAX_LIST 64

typedef struct reader {
    const uint8_t *p;
    size_t n;
} reader;

static uint8_t u8(reader *r)
{
    if (r->n == 0)
        return 0;
    r->n--;
    return *r->p++;
}


static uint64_t u64(reader *r)
{
    uint64_t x = 0;
    for (int i = 0; i < 8; i++)
        x |= (uint64_t)u8(r) << (8 * i);
    return x;
}

static const double AWKWARD[] = {
    0.0, -0.0, 1.0, -1.0, 0.1, 0.5, 2.0, 10.0, -70.0, -55.0, 20.0, 100.0, 1000.0,
    1e-3, 1e-12, 1e-300, 5e-324, 1e300, -1e300, 1e15, 1e12, 65535.0, 65536.0,
    2147483647.0, 2147483648.0, 4294967296.0, 9.2233720368547758e18, 1.8446744073709552e19,
    -9.2233720368547758e18, INFINITY, -INFINITY, NAN, 1e9, 3.0, 0.99999999, 1e6,
};
#define N_AWKWARD ((int)(sizeof AWKWARD / sizeof AWKWARD[0]))

/* A double: mostly from the table, sometimes raw bytes, sometimes small. */
static double dbl(reader *r)
{
    uint8_t b = u8(r);
    if (b < 0xC0)
        return AWKWARD[b % N_AWKWARD];
    if (b < 0xF0)
        return (double)(int8_t)u8(r) * 0.25;
    double x;
    uint64_t bits = u64(r);
    memcpy(&x, &bits, sizeof x);
    return x;
}

/* Sizes a correct library may well accept but that would take gigabytes
 * (2^31 neurons) are brought down to LEGIT_BIG: they find nothing but the
 * fuzzer's memory limit.  Absurd ones (above 2^32) are passed through. */
#define LEGIT_BIG 2000

static int64_t tame(int64_t n)
{
    return n > LEGIT_BIG && n <= (int64_t)UINT32_MAX ? LEGIT_BIG : n;
}

/* Rates up to 1e9 Hz are legal in the generated spike sources (as in NEST:
 * a billion spikes a second each, several in one step), so a run of a
 * population of them is legitimate but may be long: each spike is drawn and
 * delivered.  An input's runs are shortened to about MAX_INPUT_SPIKES of them. */
#define MAX_INPUT_SPIKES 1e6

/* The spikes per ms the generated sources fire on average: rate / 1000
 * summed over their neurons (SpikeSourceGamma's rate is beta / alpha;
 * SpikeSourceInhGamma's arrays are not read: its rates are bounded by its
 * bins, which the fuzzer keeps to a few values). */
static double source_spikes_per_ms(rv_sim *sim, int32_t n_pops)
{
    double total = 0.0;
    for (int32_t k = 0; k < n_pops; k++) {
        rv_pop_info pi;
        if (rv_pop_get_info(sim, k, &pi) || pi.size <= 0 || pi.size > LEGIT_BIG)
            continue;
        int gamma = strcmp(pi.model, "SpikeSourceGamma") == 0;
        if (!gamma && strcmp(pi.model, "SpikeSourcePoisson") != 0
            && strcmp(pi.model, "SpikeSourcePoissonRefractory") != 0)
            continue;
        double rate[LEGIT_BIG], alpha[LEGIT_BIG];
        if (rv_pop_get_param(sim, k, gamma ? "beta" : "rate", NULL, 0, rate)
            || (gamma && rv_pop_get_param(sim, k, "alpha", NULL, 0, alpha)))
            continue;
        for (int64_t i = 0; i < pi.size; i++)
            total += (gamma ? rate[i] / alpha[i] : rate[i]) / 1000.0;
    }
    return total;
}

/* The adaptive models (HH, AdEx, Izhikevich) may take, each step, up to
 * their stated allowance of trial steps (src/models/model.h: one neuron's
 * limit, at most MAX_TRIAL_STEPS_ONE, plus RV__TRIALS_PER_NEURON per neuron
 * of a block): legitimate, but 2000 stiff neurons at that bound are 2e6
 * trial steps a step, over 10 s under ASan in 60 steps.  An input's runs
 * are shortened to about MAX_INPUT_TRIALS of them. */
#define MAX_TRIAL_STEPS_ONE 100000.0
#define TRIALS_PER_NEURON 1000.0
#define MAX_INPUT_TRIALS 1e7

static double adaptive_trials_per_step(rv_sim *sim, int32_t n_pops, int threads)
{
    static const char *const ADAPTIVE[] = {"HH_", "EIF_", "Izhikevich", "AdExp"};
    double total = 0.0;
    for (int32_t k = 0; k < n_pops; k++) {
        rv_pop_info pi;
        if (rv_pop_get_info(sim, k, &pi) || pi.size <= 0)
            continue;
        for (size_t a = 0; a < sizeof ADAPTIVE / sizeof ADAPTIVE[0]; a++)
            if (strstr(pi.model, ADAPTIVE[a])) {
                total += (threads > 0 ? threads : 1) * MAX_TRIAL_STEPS_ONE
                         + TRIALS_PER_NEURON * (double)pi.size;
                break;
            }
    }
    return total;
}

/* The input is read in the order written: one read per statement where
 * the order matters, since C leaves the order of function arguments and of
 * an initializer list's expressions unspecified (gcc and clang differed, so
 * that an input the clang fuzzer found meant another call sequence in the
 * gcc replay). */

/* A count or index: mostly small, sometimes absurd. */
static int64_t count(reader *r)
{
    uint8_t b = u8(r);
    if (b < 0xE0)
        return b % 9;
    static const int64_t big[] = {-1, 1000, 65536, 100000, (int64_t)1e12, (int64_t)1e15,
                                  INT64_MAX, INT64_MIN, 4294967296LL, 2147483648LL};
    return big[b % (sizeof big / sizeof big[0])];
}

/* A connection rule: kind, p, n, allow_self, with_replacement, stream. */
static rv_rule read_rule(reader *r)
{
    rv_rule rule = {.kind = (rv_rule_kind)(u8(r) % 7)};
    rule.p = dbl(r);
    rule.n = tame(count(r));
    rule.allow_self = u8(r) & 1;
    rule.with_replacement = u8(r) & 1;
    rule.stream = u8(r);
    return rule;
}

static const char *const SYNAPSES[] = {"StaticSynapse", "TsodyksMarkramSynapse",
                                       "SimpleStochasticSynapse",
                                       "StochasticTsodyksMarkramSynapse",
                                       "MultiQuantalSynapse", "STDPSynapse", "NoSuchSynapse"};
static const char *const SYN_PARAMS[] = {
    "weight", "delay", "U", "tau_rec", "tau_facil", "u0", "x0", "y0", "p", "n",
    "tau_plus", "tau_minus", "A_plus", "A_minus", "w_min", "w_max", "mu_plus", "mu_minus",
    "dendritic_delay_fraction", "weight_rule", "timing_rule", "eta", "rho", "tau", "bogus"};
static const char *const CS_MODELS[] = {"DCSource", "ACSource", "StepCurrentSource",
                                        "NoisyCurrentSource", "Nope"};
static const char *const CS_PARAMS[] = {"amplitude", "start", "stop", "frequency",
                                        "offset", "phase", "mean", "stdev", "dt", "x"};
static const char *const RECEPTOR_KINDS[] = {"CurrExp", "CondExp", "CondAlpha", "CondBeta",
                                             "Bad"};
static const char *const RECEPTOR_NAMES[] = {"AMPA", "GABA", "NMDA", "AMPA"};
static const char *const ARRAY_PARAMS[] = {"a", "b", "tbins", "spike_times", "none"};

#define N_OF(a) ((int)(sizeof a / sizeof a[0]))

/* The library's contract on every call: a known status, and a message on
 * failure.  A broken contract stops the fuzzer with the call's name. */
static void check(rv_sim *sim, rv_status st, const char *call)
{
    if ((int)st < RV_OK || (int)st > RV_ERR_INDEX) {
        fprintf(stderr, "%s returned unknown status %d\n", call, (int)st);
        abort();
    }
    if (st != RV_OK && st != RV_ERR_NULL && sim && rv_sim_errmsg(sim)[0] == '\0') {
        fprintf(stderr, "%s failed with %s but left no message\n", call, rv_status_name(st));
        abort();
    }
}

typedef struct world {
    rv_sim *sim;
    int32_t n_pops, n_projs, n_cs;
    int64_t steps_run;   /* by all runs so far (MAX_INPUT_STEPS) */
    double spikes, trials;   /* the sources' spikes and the adaptive models' trial steps
                                all runs may have cost so far (MAX_INPUT_SPIKES, _TRIALS) */
} world;

/* What a failed call must not have changed: the counts of objects, the
 * clock and the connections. */
typedef struct snapshot {
    rv_sim_info info;
    int64_t connections;
} snapshot;

static snapshot take_snapshot(rv_sim *sim)
{
    snapshot s;
    memset(&s, 0, sizeof s);
    if (!sim || rv_sim_get_info(sim, &s.info))
        return s;
    for (int32_t k = 0; k < s.info.n_projections; k++) {
        int64_t n = 0;
        rv_proj_size(sim, k, &n);
        s.connections += n;
    }
    rv_sim_get_info(sim, &s.info);   /* the calls above clear the message, nothing else */
    return s;
}

static int same_snapshot(const snapshot *a, const snapshot *b)
{
    return a->info.n_neurons == b->info.n_neurons
           && a->info.n_populations == b->info.n_populations
           && a->info.n_projections == b->info.n_projections
           && a->info.n_current_sources == b->info.n_current_sources
           && a->info.step == b->info.step && a->connections == b->connections
           && a->info.dt == b->info.dt && a->info.seed == b->info.seed
           && a->info.n_threads == b->info.n_threads;
}

static snapshot before;   /* taken by CALL before each call */

static void check(rv_sim *sim, rv_status st, const char *call);

/* The contract checked, and, when the call failed (other than a run, which
 * may fail part-way), nothing of the snapshot `before` changed. */
static void checked(rv_sim *sim, rv_status st, const char *call)
{
    check(sim, st, call);
    if (st == RV_OK || strcmp(call, "rv_sim_run_until") == 0)
        return;
    snapshot after = take_snapshot(sim);
    if (!same_snapshot(&before, &after)) {
        fprintf(stderr, "%s failed with %s but changed the simulation\n", call,
                rv_status_name(st));
        abort();
    }
}

/* A call on sim, its snapshot taken first. */
#define CALL(sim, expr, name)                                                  \
    do {                                                                       \
        before = take_snapshot(sim);                                           \
        checked(sim, (expr), name);                                            \
    } while (0)


static int32_t pick(reader *r, int32_t n)
{
    uint8_t b = u8(r);
    if (b == 0xFF)
        return -1;
    if (b == 0xFE)
        return n;   /* one past the end */
    return n > 0 ? b % n : 0;
}

static const char *model_param_name(reader *r, world *w, int32_t pop, int var)
{
    rv_pop_info pi;
    rv_model_info mi;
    if (rv_pop_get_info(w->sim, pop, &pi) || rv_model_get_info(pi.model, &mi))
        return "v";
    int n = var ? mi.n_vars : mi.n_params;
    if (n == 0)
        return "v";
    int i = u8(r) % (n + 1);
    if (i == n)
        return var ? "spikes" : "no_such_param";
    if (var) {
        rv_var_info vi;
        return rv_model_get_var(pi.model, i, &vi) ? "v" : vi.name;
    }
    rv_param_info p;
    return rv_model_get_param(pi.model, i, &p) ? "v" : p.name;
}

static const char *receptor_name(reader *r, world *w, int32_t pop)
{
    rv_pop_info pi;
    rv_model_info mi;
    if (rv_pop_get_info(w->sim, pop, &pi) || rv_model_get_info(pi.model, &mi)
        || mi.n_receptors == 0 || u8(r) == 0xFF)
        return "excitatory";
    const char *name = "excitatory";
    rv_model_get_receptor(pi.model, u8(r) % mi.n_receptors, &name);
    return name;
}

/* An index list (or NULL for all) of up to MAX_LIST entries. */
static const int64_t *indices(reader *r, int64_t *buf, int64_t *n_out)
{
    int64_t n = count(r);
    *n_out = n;
    if (u8(r) & 1)
        return NULL;
    int64_t m = n < 0 ? 0 : (n > MAX_LIST ? MAX_LIST : n);
    for (int64_t k = 0; k < m; k++)
        buf[k] = count(r);
    if (n > MAX_LIST)
        *n_out = MAX_LIST;
    return buf;
}

static void values(reader *r, double *buf, int64_t *n_out)
{
    int64_t n = u8(r) % (MAX_LIST + 1);
    for (int64_t k = 0; k < n; k++)
        buf[k] = dbl(r);
    if (n == 0)
        buf[0] = dbl(r);
    *n_out = n ? n : 1;
}

static void spec(reader *r, rv_param_spec *s, double *matrix, int64_t n_matrix)
{
    s->name = SYN_PARAMS[u8(r) % N_OF(SYN_PARAMS)];
    s->kind = (rv_dist_kind)(u8(r) % (RV_DIST_MATRIX + 2));
    for (int i = 0; i < 4; i++)
        s->p[i] = dbl(r);
    for (int64_t k = 0; k < n_matrix; k++)
        matrix[k] = dbl(r);
    s->matrix = (u8(r) & 3) ? matrix : NULL;
}

static void op(reader *r, world *w)
{
    rv_sim *sim = w->sim;
    int64_t ibuf[MAX_LIST + 1], ibuf2[MAX_LIST + 1], n_idx, n_idx2, n_val;
    double vbuf[MAX_LIST + 1];
    switch (u8(r) % 24) {
    case 0: {   /* a population of a built-in model */
        int nm = rv_model_count();
        int32_t pop;
        before = take_snapshot(sim);
        const char *model = rv_model_name(u8(r) % nm);
        rv_status st = rv_pop_create(sim, model, tame(count(r)), &pop);
        checked(sim, st, "rv_pop_create");
        if (!st)
            w->n_pops++;
        break;
    }
    case 1: {   /* a composed point neuron */
        int nr = u8(r) % 4;
        const char *names[4], *kinds[4];
        for (int k = 0; k < nr; k++) {
            names[k] = RECEPTOR_NAMES[u8(r) % N_OF(RECEPTOR_NAMES)];
            kinds[k] = RECEPTOR_KINDS[u8(r) % N_OF(RECEPTOR_KINDS)];
        }
        int32_t pop;
        before = take_snapshot(sim);
        rv_status st = rv_pop_create_composed(sim, (u8(r) & 1) ? "AdExp" : "LIF", nr, names,
                                              kinds, tame(count(r)), &pop);
        checked(sim, st, "rv_pop_create_composed");
        if (!st)
            w->n_pops++;
        break;
    }
    case 2: {
        int32_t pop = pick(r, w->n_pops);
        const char *name = model_param_name(r, w, pop, 0);
        const int64_t *idx = indices(r, ibuf, &n_idx);
        values(r, vbuf, &n_val);
        CALL(sim, rv_pop_set_param(sim, pop, name, idx, n_idx, vbuf, n_val), "rv_pop_set_param");
        break;
    }
    case 3: {
        int32_t pop = pick(r, w->n_pops);
        const char *name = model_param_name(r, w, pop, 1);
        const int64_t *idx = indices(r, ibuf, &n_idx);
        values(r, vbuf, &n_val);
        CALL(sim, rv_pop_set_initial(sim, pop, name, idx, n_idx, vbuf, n_val),
              "rv_pop_set_initial");
        break;
    }
    case 4: {
        int32_t pre = pick(r, w->n_pops), post = pick(r, w->n_pops), proj;
        before = take_snapshot(sim);
        rv_status st = rv_proj_create(sim, pre, post, receptor_name(r, w, post),
                                      SYNAPSES[u8(r) % N_OF(SYNAPSES)], &proj);
        checked(sim, st, "rv_proj_create");
        if (!st)
            w->n_projs++;
        break;
    }
    case 5: {   /* connections by list */
        int32_t proj = pick(r, w->n_projs);
        int64_t n = u8(r) % (MAX_LIST + 1);
        uint32_t pre[MAX_LIST], post[MAX_LIST];
        for (int64_t k = 0; k < n; k++) {
            pre[k] = (uint32_t)count(r);
            post[k] = (uint32_t)count(r);
        }
        rv_values pv[3];
        double pdata[3][MAX_LIST + 1];
        int np = u8(r) % 4;
        for (int k = 0; k < np; k++) {
            pv[k].name = SYN_PARAMS[u8(r) % N_OF(SYN_PARAMS)];
            values(r, pdata[k], &pv[k].n);
            pv[k].data = pdata[k];
        }
        int64_t n_pass = (u8(r) == 0xFF) ? count(r) : n;
        if (n_pass > n)
            n_pass = n;   /* the arrays hold n: a larger n would read past them */
        CALL(sim, rv_proj_connect(sim, proj, n_pass, pre, post, pv, np), "rv_proj_connect");
        break;
    }
    case 6: {   /* a connection rule */
        int32_t proj = pick(r, w->n_projs);
        rv_rule rule = read_rule(r);
        const int64_t *pre = indices(r, ibuf, &n_idx);
        const int64_t *post = indices(r, ibuf2, &n_idx2);
        rv_param_spec specs[3];
        double matrix[3][16];
        int ns = u8(r) % 4;
        for (int k = 0; k < ns; k++)
            spec(r, &specs[k], matrix[k], 16);
        /* A matrix must cover the rule's pre x post lists; the harness only
           has 16 values, so a matrix spec over larger lists is dropped. */
        for (int k = 0; k < ns; k++)
            if (specs[k].kind == RV_DIST_MATRIX && specs[k].matrix
                && (!pre || !post || n_idx < 0 || n_idx2 < 0 || n_idx > 16 || n_idx2 > 16
                    || n_idx * n_idx2 > 16))
                specs[k].kind = RV_DIST_CONSTANT;
        CALL(sim, rv_proj_connect_rule(sim, proj, &rule, pre, n_idx, post, n_idx2, specs, ns),
              "rv_proj_connect_rule");
        break;
    }
    case 7: {   /* rv_random_fill */
        rv_param_spec s;
        double matrix[1];
        spec(r, &s, matrix, 1);
        if (s.kind == RV_DIST_MATRIX)
            s.matrix = NULL;
        int64_t n = u8(r) % (MAX_LIST + 1);
        uint64_t stream = u8(r), key = u8(r);
        CALL(sim, rv_random_fill(sim, &s, stream, key, n, vbuf), "rv_random_fill");
        break;
    }
    case 8: {
        int32_t pop = pick(r, w->n_pops);
        const char *var = model_param_name(r, w, pop, 1);
        const int64_t *idx = indices(r, ibuf, &n_idx);
        CALL(sim, rv_rec_set(sim, pop, var, idx, n_idx, u8(r) & 1), "rv_rec_set");
        break;
    }
    case 9: {
        int32_t pop = pick(r, w->n_pops);
        CALL(sim, rv_rec_set_interval(sim, pop, dbl(r)), "rv_rec_set_interval");
        break;
    }
    case 10: {   /* run a few steps, or to an awkward time */
        rv_sim_info info;
        CALL(sim, rv_sim_get_info(sim, &info), "rv_sim_get_info");
        uint8_t b = u8(r);
        double t = b < 0xF0 ? info.t + (b % (MAX_RUN_STEPS + 1)) * info.dt : -dbl(r);
        /* An awkward time the library accepts (below its limit of 9e15
           steps) is a legitimate long run: brought down to MAX_RUN_STEPS. */
        double far = info.t + MAX_RUN_STEPS * info.dt;
        if (t > far && t / info.dt <= 9e15)
            t = far;
        double last = info.t + (MAX_INPUT_STEPS - w->steps_run) * info.dt;
        if (t > last && t / info.dt <= 9e15)
            t = last;
        double per_ms = source_spikes_per_ms(sim, w->n_pops);
        if (per_ms * (t - info.t) > MAX_INPUT_SPIKES - w->spikes && t / info.dt <= 9e15)
            t = info.t + fmax(0.0, MAX_INPUT_SPIKES - w->spikes) / per_ms;
        double trials = adaptive_trials_per_step(sim, w->n_pops, info.n_threads);
        if (trials * (t - info.t) / info.dt > MAX_INPUT_TRIALS - w->trials && t / info.dt <= 9e15)
            t = info.t + floor(fmax(0.0, MAX_INPUT_TRIALS - w->trials) / trials) * info.dt;
        CALL(sim, rv_sim_run_until(sim, t), "rv_sim_run_until");
        rv_sim_info after;
        if (rv_sim_get_info(sim, &after) == RV_OK && after.t > info.t) {
            double steps = floor((after.t - info.t) / info.dt + 0.5);
            w->steps_run += (int64_t)steps;
            w->spikes += per_ms * (after.t - info.t);
            w->trials += trials * steps;
        }
        break;
    }
    case 11:
        CALL(sim, rv_sim_reset(sim), "rv_sim_reset");
        break;
    case 12: {
        int32_t cs;
        before = take_snapshot(sim);
        rv_status st = rv_cs_create(sim, CS_MODELS[u8(r) % N_OF(CS_MODELS)], &cs);
        checked(sim, st, "rv_cs_create");
        if (!st)
            w->n_cs++;
        break;
    }
    case 13: {
        int32_t cs = pick(r, w->n_cs);
        const char *name = CS_PARAMS[u8(r) % N_OF(CS_PARAMS)];
        CALL(sim, rv_cs_set(sim, cs, name, dbl(r)), "rv_cs_set");
        break;
    }
    case 14: {
        int32_t cs = pick(r, w->n_cs);
        double amp[MAX_LIST + 1];
        values(r, vbuf, &n_val);
        for (int64_t k = 0; k < n_val; k++)
            amp[k] = dbl(r);
        CALL(sim, rv_cs_set_steps(sim, cs, vbuf, amp, n_val), "rv_cs_set_steps");
        break;
    }
    case 15: {
        int32_t cs = pick(r, w->n_cs), pop = pick(r, w->n_pops);
        const int64_t *idx = indices(r, ibuf, &n_idx);
        CALL(sim, rv_cs_inject(sim, cs, pop, idx, n_idx), "rv_cs_inject");
        CALL(sim, rv_cs_record(sim, cs, u8(r) & 1), "rv_cs_record");
        break;
    }
    case 16: {   /* timing, seed, threads */
        double dt = dbl(r), lo = dbl(r), hi = dbl(r);
        CALL(sim, rv_sim_set_timing(sim, dt, lo, hi), "rv_sim_set_timing");
        CALL(sim, rv_sim_set_seed(sim, u64(r)), "rv_sim_set_seed");
        CALL(sim, rv_sim_set_threads(sim, (int)(int8_t)u8(r) % 5), "rv_sim_set_threads");
        break;
    }
    case 17: {   /* spike times or array parameters, one list per neuron */
        int32_t pop = pick(r, w->n_pops);
        int64_t n = u8(r) % 5, off[6] = {0};
        double t[MAX_LIST];
        int64_t total = 0;
        for (int64_t k = 0; k < n; k++) {
            total += u8(r) % 5;
            off[k + 1] = total;
        }
        for (int64_t k = 0; k < total; k++)
            t[k] = (u8(r) & 3) ? (k + 1) * 0.3 : dbl(r);
        int64_t idx[5];
        for (int64_t k = 0; k < n; k++)
            idx[k] = count(r);
        const int64_t *ip = (u8(r) & 1) ? NULL : idx;
        if (u8(r) & 1)
            CALL(sim, rv_pop_set_spike_times(sim, pop, ip, n, off, t),
                  "rv_pop_set_spike_times");
        else
            check(sim,
                  rv_pop_set_array_param(sim, pop, ARRAY_PARAMS[u8(r) % N_OF(ARRAY_PARAMS)],
                                         ip, n, off, total ? t : NULL),
                  "rv_pop_set_array_param");
        break;
    }
    case 18: {   /* reads of a population */
        int32_t pop = pick(r, w->n_pops);
        const char *var = model_param_name(r, w, pop, 1);
        const int64_t *idx = indices(r, ibuf, &n_idx);
        double out[MAX_LIST * MAX_LIST];
        int64_t size = 0;
        rv_pop_info pi;
        if (!rv_pop_get_info(sim, pop, &pi))
            size = pi.size;
        int64_t addressed = idx ? n_idx : size;
        if (addressed >= 0 && addressed <= MAX_LIST) {
            CALL(sim, rv_pop_get_state(sim, pop, var, idx, n_idx, out), "rv_pop_get_state");
            CALL(sim, rv_pop_get_initial(sim, pop, var, idx, n_idx, out), "rv_pop_get_initial");
            CALL(sim, rv_pop_get_param(sim, pop, model_param_name(r, w, pop, 0), idx, n_idx, out),
                  "rv_pop_get_param");
            int64_t counts[MAX_LIST];
            CALL(sim, rv_rec_spike_counts(sim, pop, idx, n_idx, counts), "rv_rec_spike_counts");
        }
        int64_t n_s;
        const uint32_t *si;
        const double *st;
        CALL(sim, rv_rec_get_spikes(sim, pop, &n_s, &si, &st), "rv_rec_get_spikes");
        double t0, interval;
        rv_status s2 = rv_rec_get_signal_info(sim, pop, var, &n_s, &t0, &interval);
        check(sim, s2, "rv_rec_get_signal_info");
        if (!s2 && idx && n_idx >= 0 && n_s * n_idx <= MAX_LIST * MAX_LIST)
            CALL(sim, rv_rec_get_signal(sim, pop, var, idx, n_idx, out), "rv_rec_get_signal");
        int64_t n_t;
        CALL(sim, rv_pop_get_spike_times(sim, pop, count(r), out, MAX_LIST, &n_t),
              "rv_pop_get_spike_times");
        CALL(sim, rv_pop_get_array_param(sim, pop, ARRAY_PARAMS[u8(r) % N_OF(ARRAY_PARAMS)],
                                          count(r), out, MAX_LIST, &n_t),
              "rv_pop_get_array_param");
        if (u8(r) & 1)
            CALL(sim, rv_rec_clear(sim, pop), "rv_rec_clear");
        break;
    }
    case 19: {   /* reads and writes of a projection */
        int32_t proj = pick(r, w->n_projs);
        int64_t n = 0;
        rv_status st = rv_proj_size(sim, proj, &n);
        check(sim, st, "rv_proj_size");
        int64_t bytes;
        CALL(sim, rv_proj_memory(sim, proj, &bytes), "rv_proj_memory");
        if (st || n > 4096)
            break;
        uint32_t *pre = malloc(sizeof *pre * (size_t)(n + 1));
        uint32_t *post = malloc(sizeof *post * (size_t)(n + 1));
        double *v = malloc(sizeof *v * (size_t)(n + 1));
        if (pre && post && v) {
            CALL(sim, rv_proj_get_pairs(sim, proj, pre, post), "rv_proj_get_pairs");
            const char *name = SYN_PARAMS[u8(r) % N_OF(SYN_PARAMS)];
            CALL(sim, rv_proj_get(sim, proj, name, v), "rv_proj_get");
            int64_t nv = (u8(r) & 1) ? 1 : n;
            for (int64_t k = 0; k < nv; k++)
                v[k] = dbl(r);
            CALL(sim, rv_proj_set(sim, proj, name, v, nv), "rv_proj_set");
        }
        free(pre);
        free(post);
        free(v);
        break;
    }
    case 20: {   /* rv_rule_generate over gids */
        rv_rule rule = read_rule(r);
        const int64_t *pre = indices(r, ibuf, &n_idx);
        const int64_t *post = indices(r, ibuf2, &n_idx2);
        int64_t n_out;
        const int64_t *pp, *qp;
        CALL(sim, rv_rule_generate(sim, &rule, pre, n_idx, post, n_idx2, &n_out, &pp, &qp),
              "rv_rule_generate");
        break;
    }
    case 21: {   /* reads of current sources */
        int32_t cs = pick(r, w->n_cs);
        double v, times[8], amps[8];
        int64_t n;
        const double *trace;
        CALL(sim, rv_cs_get(sim, cs, CS_PARAMS[u8(r) % N_OF(CS_PARAMS)], &v), "rv_cs_get");
        CALL(sim, rv_cs_get_steps(sim, cs, times, amps, 8, &n), "rv_cs_get_steps");
        CALL(sim, rv_cs_get_trace(sim, cs, &trace, &n), "rv_cs_get_trace");
        break;
    }
    case 22: {   /* model tables */
        const char *name = rv_model_name((int)(int8_t)u8(r));
        rv_model_info mi;
        rv_param_info pi;
        rv_var_info vi;
        const char *rn;
        int i = (int)(int8_t)u8(r);
        check(NULL, rv_model_get_info(name, &mi), "rv_model_get_info");
        check(NULL, rv_model_get_param(name, i, &pi), "rv_model_get_param");
        check(NULL, rv_model_get_var(name, i, &vi), "rv_model_get_var");
        check(NULL, rv_model_get_receptor(name, i, &rn), "rv_model_get_receptor");
        (void)rv_status_name(i);
        (void)rv_status_string(i);
        break;
    }
    default: {   /* NULL arguments where pointers are required */
        int32_t h;
        CALL(sim, rv_pop_create(sim, NULL, 1, &h), "rv_pop_create(NULL)");
        CALL(sim, rv_pop_create(sim, "IF_curr_exp", 1, NULL), "rv_pop_create(out NULL)");
        CALL(sim, rv_proj_connect(sim, 0, 1, NULL, NULL, NULL, 0), "rv_proj_connect(NULL)");
        CALL(sim, rv_random_fill(sim, NULL, 0, 0, 1, vbuf), "rv_random_fill(NULL)");
        CALL(sim, rv_sim_get_info(sim, NULL), "rv_sim_get_info(NULL)");
        break;
    }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reader r = {data, size};
    world w = {0};
    if (rv_sim_create(&w.sim) != RV_OK)
        return 0;
    for (int k = 0; k < MAX_OPS && r.n > 0; k++)
        op(&r, &w);
    rv_sim_free(w.sim);
    return 0;
}
