/*
 * Connection rules run natively (rv_proj_connect_rule, rv_rule_generate).
 *
 *   - every rv_rule_kind: all-to-all and one-to-one, fixed probability,
 *     fixed number of sources per target / targets per source and fixed
 *     total number, with and without self-connections and replacement:
 *     exact counts where the rule fixes them, +-5 sd where it draws them;
 *   - parameter specs: constants, every distribution (sample mean within
 *     +-5 sd), matrices over the rule's lists, bad specs refused with
 *     nothing appended (also when a drawn delay is out of range halfway);
 *   - determinism (seed and stream) and the design invariant that the
 *     draws are keyed by the target's gid: one call over all targets and
 *     the same rule over the targets split into several calls give the
 *     same connections per target;
 *   - rv_rule_generate returns the rule's connections as list positions.
 */
#include "testutil.h"

typedef struct conns {
    int64_t n;
    uint32_t *pre, *post;
    double *w, *d;
} conns;

static conns get_conns(rv_sim *sim, int32_t proj)
{
    conns c = {0};
    OK(sim, rv_proj_size(sim, proj, &c.n));
    size_t m = (size_t)c.n + 1;
    c.pre = calloc(m, sizeof *c.pre);
    c.post = calloc(m, sizeof *c.post);
    c.w = calloc(m, sizeof *c.w);
    c.d = calloc(m, sizeof *c.d);
    OK(sim, rv_proj_get_pairs(sim, proj, c.pre, c.post));
    OK(sim, rv_proj_get(sim, proj, "weight", c.w));
    OK(sim, rv_proj_get(sim, proj, "delay", c.d));
    return c;
}

static void free_conns(conns *c)
{
    free(c->pre);
    free(c->post);
    free(c->w);
    free(c->d);
}

static int same_conns(const conns *a, const conns *b)
{
    size_t n = (size_t)a->n;
    return a->n == b->n && memcmp(a->pre, b->pre, n * sizeof *a->pre) == 0
           && memcmp(a->post, b->post, n * sizeof *a->post) == 0
           && memcmp(a->w, b->w, n * sizeof *a->w) == 0
           && memcmp(a->d, b->d, n * sizeof *a->d) == 0;
}

/* count[pre * n_post + post] of a connection list */
static int *pair_counts(const conns *c, int64_t n_pre, int64_t n_post)
{
    int *m = calloc((size_t)(n_pre * n_post), sizeof *m);
    for (int64_t k = 0; k < c->n; k++)
        m[c->pre[k] * n_post + c->post[k]]++;
    return m;
}

static int32_t new_proj(rv_sim *sim, int32_t pre, int32_t post)
{
    int32_t proj = -1;
    OK(sim, rv_proj_create(sim, pre, post, "excitatory", "StaticSynapse", &proj));
    return proj;
}

static conns connect_rule(rv_sim *sim, int32_t proj, rv_rule rule, const rv_param_spec *specs,
                          int n_specs)
{
    OK(sim, rv_proj_connect_rule(sim, proj, &rule, NULL, 0, NULL, 0, specs, n_specs));
    return get_conns(sim, proj);
}

static void check_within_5sd(const char *what, double value, double expected, double sd)
{
    if (fabs(value - expected) > 5 * sd)
        fprintf(stderr, "%s: %g, expected %g +- 5 x %g\n", what, value, expected, sd);
    CHECK(fabs(value - expected) <= 5 * sd);
}

/* ---- the rules ---------------------------------------------------------------- */

static void all_to_all(void)
{
    rv_sim *sim = sim_new(0.1, 1);
    int32_t a = pop_new(sim, "IF_curr_exp", 6), b = pop_new(sim, "IF_curr_exp", 5);
    rv_rule rule = {.kind = RV_RULE_ALL_TO_ALL, .allow_self = 0};
    /* different populations: no equal gids, so every pair */
    conns c = connect_rule(sim, new_proj(sim, a, b), rule, NULL, 0);
    int *m = pair_counts(&c, 6, 5);
    CHECK(c.n == 30);
    for (int k = 0; k < 30; k++)
        CHECK(m[k] == 1);
    free(m);
    free_conns(&c);
    /* within one population, with and without self-connections */
    c = connect_rule(sim, new_proj(sim, a, a), rule, NULL, 0);
    m = pair_counts(&c, 6, 6);
    CHECK(c.n == 30);
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++)
            CHECK(m[i * 6 + j] == (i != j));
    free(m);
    free_conns(&c);
    rule.allow_self = 1;
    c = connect_rule(sim, new_proj(sim, a, a), rule, NULL, 0);
    CHECK(c.n == 36);
    free_conns(&c);
    rv_sim_free(sim);
}

static void one_to_one(void)
{
    rv_sim *sim = sim_new(0.1, 1);
    int32_t a = pop_new(sim, "IF_curr_exp", 6), b = pop_new(sim, "IF_curr_exp", 5);
    int32_t proj = new_proj(sim, a, b);
    rv_rule rule = {.kind = RV_RULE_ONE_TO_ONE};
    int64_t pre[] = {0, 2, 4}, post[] = {4, 3, 2};
    OK(sim, rv_proj_connect_rule(sim, proj, &rule, pre, 3, post, 3, NULL, 0));
    conns c = get_conns(sim, proj);
    CHECK(c.n == 3);
    for (int k = 0; k < 3 && k < c.n; k++)
        CHECK(c.pre[k] == pre[k] && c.post[k] == post[k]);
    free_conns(&c);
    /* lists of different sizes: an error, nothing appended */
    FAILS(sim, RV_ERR_SIZE, rv_proj_connect_rule(sim, proj, &rule, pre, 3, post, 2, NULL, 0));
    FAILS(sim, RV_ERR_SIZE, rv_proj_connect_rule(sim, proj, &rule, NULL, 0, NULL, 0, NULL, 0));
    int64_t n;
    OK(sim, rv_proj_size(sim, proj, &n));
    CHECK(n == 3);
    /* within one population one-to-one makes the self-connections */
    int32_t self = new_proj(sim, a, a);
    rule.allow_self = 0;
    c = connect_rule(sim, self, rule, NULL, 0);
    CHECK(c.n == 6);
    for (int k = 0; k < c.n; k++)
        CHECK(c.pre[k] == c.post[k]);
    free_conns(&c);
    rv_sim_free(sim);
}

static void fixed_probability(void)
{
    const int64_t n = 200;
    rv_sim *sim = sim_new(0.1, 3);
    int32_t a = pop_new(sim, "IF_curr_exp", n);
    rv_rule rule = {.kind = RV_RULE_FIXED_PROBABILITY, .p = 0.1, .allow_self = 0};
    conns c = connect_rule(sim, new_proj(sim, a, a), rule, NULL, 0);
    double pairs = (double)(n * (n - 1));
    check_within_5sd("fixed probability count", (double)c.n, 0.1 * pairs, sqrt(pairs * 0.1 * 0.9));
    int *m = pair_counts(&c, n, n);
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < n; j++)
            CHECK(m[i * n + j] <= (i != j));  /* at most once, never to itself */
    free(m);
    free_conns(&c);
    rule.p = 0.0;
    c = connect_rule(sim, new_proj(sim, a, a), rule, NULL, 0);
    CHECK(c.n == 0);
    free_conns(&c);
    rule.p = 1.0;
    c = connect_rule(sim, new_proj(sim, a, a), rule, NULL, 0);
    CHECK(c.n == n * (n - 1));
    free_conns(&c);
    rule.allow_self = 1;
    c = connect_rule(sim, new_proj(sim, a, a), rule, NULL, 0);
    CHECK(c.n == n * n);
    free_conns(&c);
    rv_sim_free(sim);
}

/* How often each source (by_pre) or target feeds each column/row: checks
 * that every column (or row) of the rule holds exactly `per` connections,
 * that without replacement nothing repeats when per <= candidates and whole
 * sets are taken when per > candidates, and that self pairs are absent when
 * excluded. */
static void check_fixed_number(const conns *c, int64_t n_pre, int64_t n_post, int by_pre,
                               int64_t per, int with_replacement, int self_excluded)
{
    int *m = pair_counts(c, n_pre, n_post);
    int64_t lines = by_pre ? n_post : n_pre, width = by_pre ? n_pre : n_post;
    CHECK(c->n == lines * per);
    for (int64_t l = 0; l < lines; l++) {
        int64_t total = 0, candidates = width - (self_excluded ? 1 : 0);
        int lo = 1 << 30, hi = 0;
        for (int64_t x = 0; x < width; x++) {
            int cnt = by_pre ? m[x * n_post + l] : m[l * n_post + x];
            total += cnt;
            if (self_excluded && x == l) {
                CHECK(cnt == 0);
                continue;
            }
            lo = cnt < lo ? cnt : lo;
            hi = cnt > hi ? cnt : hi;
        }
        CHECK(total == per);
        if (!with_replacement) {
            /* whole sets first, the remainder without repetition */
            CHECK(lo == per / candidates && hi <= lo + 1);
            CHECK(hi == (per % candidates ? lo + 1 : lo));
        }
    }
    free(m);
}

static void fixed_number(int by_pre)
{
    const int64_t n_a = 30, n_b = 40;
    rv_sim *sim = sim_new(0.1, 5);
    int32_t a = pop_new(sim, "IF_curr_exp", n_a), b = pop_new(sim, "IF_curr_exp", n_b);
    rv_rule_kind kind = by_pre ? RV_RULE_FIXED_NUMBER_PRE : RV_RULE_FIXED_NUMBER_POST;
    /* candidates: n_a sources per target (pre), n_b targets per source (post) */
    int64_t cand = by_pre ? n_a : n_b;
    int64_t ns[] = {5, cand, cand + 7, 3 * cand + 1};
    for (int repl = 0; repl < 2; repl++)
        for (int k = 0; k < 4; k++) {
            rv_rule rule = {.kind = kind, .n = ns[k], .with_replacement = repl};
            conns c = connect_rule(sim, new_proj(sim, a, b), rule, NULL, 0);
            check_fixed_number(&c, n_a, n_b, by_pre, ns[k], repl, 0);
            free_conns(&c);
            /* within one population without self-connections */
            rule.allow_self = 0;
            rule.n = ns[k] < n_a ? ns[k] : n_a + 4;
            c = connect_rule(sim, new_proj(sim, a, a), rule, NULL, 0);
            check_fixed_number(&c, n_a, n_a, by_pre, rule.n, repl, 1);
            free_conns(&c);
        }
    /* with replacement, repeats do happen (multapses are kept) */
    rv_rule rule = {.kind = kind, .n = 25, .with_replacement = 1};
    conns c = connect_rule(sim, new_proj(sim, a, b), rule, NULL, 0);
    int *m = pair_counts(&c, n_a, n_b), repeats = 0;
    for (int64_t k = 0; k < n_a * n_b; k++)
        repeats += m[k] > 1;
    CHECK(repeats > 0);
    free(m);
    free_conns(&c);
    /* n = 0 from an empty list is empty, not an error (nor a division by
       zero); n > 0 with no candidate is an error */
    int32_t proj = new_proj(sim, a, a);
    int64_t one[] = {3};
    rv_rule none = {.kind = kind, .n = 0, .allow_self = 0, .with_replacement = 0};
    OK(sim, rv_proj_connect_rule(sim, proj, &none, one, 0, one, 0, NULL, 0));
    OK(sim, rv_proj_connect_rule(sim, proj, &none, one, 1, one, 1, NULL, 0));
    none.n = 1;
    FAILS(sim, RV_ERR_VALUE, rv_proj_connect_rule(sim, proj, &none, one, 1, one, 1, NULL, 0));
    none.with_replacement = 1;
    FAILS(sim, RV_ERR_VALUE, rv_proj_connect_rule(sim, proj, &none, one, 1, one, 1, NULL, 0));
    int64_t size;
    OK(sim, rv_proj_size(sim, proj, &size));
    CHECK(size == 0);
    rv_sim_free(sim);
}

static void fixed_total_number(void)
{
    const int64_t n_a = 20, n_b = 25;
    rv_sim *sim = sim_new(0.1, 7);
    int32_t a = pop_new(sim, "IF_curr_exp", n_a), b = pop_new(sim, "IF_curr_exp", n_b);
    for (int repl = 0; repl < 2; repl++) {
        rv_rule rule = {.kind = RV_RULE_FIXED_TOTAL_NUMBER, .n = 300, .with_replacement = repl};
        conns c = connect_rule(sim, new_proj(sim, a, b), rule, NULL, 0);
        CHECK(c.n == 300);
        int *m = pair_counts(&c, n_a, n_b), repeats = 0;
        for (int64_t k = 0; k < n_a * n_b; k++)
            repeats += m[k] > 1;
        CHECK(repl ? repeats > 0 : repeats == 0);
        free(m);
        free_conns(&c);
    }
    /* every pair, exactly once */
    rv_rule rule = {.kind = RV_RULE_FIXED_TOTAL_NUMBER, .n = n_a * n_b, .with_replacement = 0};
    conns c = connect_rule(sim, new_proj(sim, a, b), rule, NULL, 0);
    int *m = pair_counts(&c, n_a, n_b);
    for (int64_t k = 0; k < n_a * n_b; k++)
        CHECK(m[k] == 1);
    free(m);
    free_conns(&c);
    /* within one population without self-connections: n_a (n_a - 1) pairs */
    rule.allow_self = 0;
    rule.n = n_a * (n_a - 1);
    c = connect_rule(sim, new_proj(sim, a, a), rule, NULL, 0);
    m = pair_counts(&c, n_a, n_a);
    for (int64_t i = 0; i < n_a; i++)
        for (int64_t j = 0; j < n_a; j++)
            CHECK(m[i * n_a + j] == (i != j));
    free(m);
    free_conns(&c);
    /* more than the pairs without replacement: an error, nothing added */
    int32_t proj = new_proj(sim, a, a);
    rule.n = n_a * (n_a - 1) + 1;
    FAILS(sim, RV_ERR_VALUE, rv_proj_connect_rule(sim, proj, &rule, NULL, 0, NULL, 0, NULL, 0));
    /* with replacement any number works */
    rule.with_replacement = 1;
    rule.n = 3 * n_a * n_a;
    OK(sim, rv_proj_connect_rule(sim, proj, &rule, NULL, 0, NULL, 0, NULL, 0));
    int64_t size;
    OK(sim, rv_proj_size(sim, proj, &size));
    CHECK(size == 3 * n_a * n_a);
    /* counts beyond what the kernel can address are a limit, not a crash */
    rule.n = INT64_MAX;
    for (int kind = RV_RULE_FIXED_NUMBER_PRE; kind <= RV_RULE_FIXED_TOTAL_NUMBER; kind++) {
        rule.kind = (rv_rule_kind)kind;
        FAILS(sim, RV_ERR_LIMIT,
              rv_proj_connect_rule(sim, proj, &rule, NULL, 0, NULL, 0, NULL, 0));
    }
    OK(sim, rv_proj_size(sim, proj, &size));
    CHECK(size == 3 * n_a * n_a);
    rv_sim_free(sim);
}

/* ---- parameter specs -------------------------------------------------------------- */

typedef struct dist_case {
    const char *what;
    rv_dist_kind kind;
    double p[4];
    double mean, sd;       /* sd: exact or an upper bound */
    double lo, hi;         /* every value inside [lo, hi] */
    int integer;
} dist_case;

static void distributions(void)
{
    const int64_t n_a = 50, n_b = 80;  /* 4000 connections per spec */
    const double big = 1e300;
    dist_case cases[] = {
        {"uniform", RV_DIST_UNIFORM, {-1, 3}, 1, 4 / sqrt(12), -1, 3, 0},
        {"uniform_int", RV_DIST_UNIFORM_INT, {0, 10}, 4.5, sqrt(8.25), 0, 9, 1},
        {"normal", RV_DIST_NORMAL, {1, 2}, 1, 2, -big, big, 0},
        {"normal_clipped", RV_DIST_NORMAL_CLIPPED, {1, 1, 0, 2}, 1, 1, 0, 2, 0},
        {"normal_clipped_to_boundary", RV_DIST_NORMAL_CLIPPED_TO_BOUNDARY, {1, 1, 0.5, 1.5}, 1,
         1, 0.5, 1.5, 0},
        {"exponential", RV_DIST_EXPONENTIAL, {2}, 2, 2, 0, big, 0},
        {"lognormal", RV_DIST_LOGNORMAL, {0, 0.5}, exp(0.125),
         sqrt((exp(0.25) - 1) * exp(0.25)), 0, big, 0},
        {"gamma", RV_DIST_GAMMA, {2, 1.5}, 3, sqrt(4.5), 0, big, 0},
        {"poisson", RV_DIST_POISSON, {4}, 4, 2, 0, big, 1},
        {"binomial", RV_DIST_BINOMIAL, {10, 0.3}, 3, sqrt(2.1), 0, 10, 1},
        {"vonmises", RV_DIST_VONMISES, {0, 2}, 0, M_PI, -M_PI, M_PI, 0},
        {"constant", RV_DIST_CONSTANT, {0.25}, 0.25, 0, 0.25, 0.25, 0},
    };
    rv_sim *sim = sim_new(0.1, 9);
    int32_t a = pop_new(sim, "IF_curr_exp", n_a), b = pop_new(sim, "IF_curr_exp", n_b);
    rv_rule rule = {.kind = RV_RULE_ALL_TO_ALL, .allow_self = 1};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const dist_case *dc = &cases[k];
        rv_param_spec spec = {"weight", dc->kind, {dc->p[0], dc->p[1], dc->p[2], dc->p[3]}, NULL};
        conns c = connect_rule(sim, new_proj(sim, a, b), rule, &spec, 1);
        CHECK(c.n == n_a * n_b);
        double sum = 0;
        int outside = 0, fractional = 0;
        for (int64_t j = 0; j < c.n; j++) {
            sum += c.w[j];
            outside += c.w[j] < dc->lo || c.w[j] > dc->hi;
            fractional += dc->integer && c.w[j] != floor(c.w[j]);
        }
        if (outside || fractional)
            fprintf(stderr, "%s: %d outside, %d not integer\n", dc->what, outside, fractional);
        CHECK(outside == 0 && fractional == 0);
        check_within_5sd(dc->what, sum / c.n, dc->mean, dc->sd / sqrt((double)c.n));
        free_conns(&c);
    }
    /* delays from a distribution: rounded to the grid, inside the range */
    rv_param_spec ds = {"delay", RV_DIST_UNIFORM, {0.1, 2.0}, NULL};
    conns c = connect_rule(sim, new_proj(sim, a, b), rule, &ds, 1);
    int bad = 0, distinct = 0;
    for (int64_t j = 0; j < c.n; j++) {
        double steps = c.d[j] / 0.1;
        bad += fabs(steps - llround(steps)) > 1e-9 || c.d[j] < 0.1 - 1e-12
               || c.d[j] > 2.0 + 1e-12;
        distinct += j > 0 && c.d[j] != c.d[j - 1];
    }
    CHECK(bad == 0 && distinct > 100);
    free_conns(&c);
    rv_sim_free(sim);
}

/* A matrix is indexed by positions in the rule's lists, not by neuron
 * indices. */
static void matrix_spec(void)
{
    rv_sim *sim = sim_new(0.1, 1);
    int32_t a = pop_new(sim, "IF_curr_exp", 5), b = pop_new(sim, "IF_curr_exp", 6);
    int32_t proj = new_proj(sim, a, b);
    int64_t pre[] = {3, 1}, post[] = {0, 5, 2};
    double mw[6], md[6];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++) {
            mw[i * 3 + j] = 10 * i + j;
            md[i * 3 + j] = 0.1 * (1 + i * 3 + j);
        }
    rv_param_spec specs[] = {{"weight", RV_DIST_MATRIX, {0}, mw}, {"delay", RV_DIST_MATRIX, {0}, md}};
    rv_rule rule = {.kind = RV_RULE_ALL_TO_ALL, .allow_self = 1};
    OK(sim, rv_proj_connect_rule(sim, proj, &rule, pre, 2, post, 3, specs, 2));
    conns c = get_conns(sim, proj);
    CHECK(c.n == 6);
    for (int64_t k = 0; k < c.n; k++) {
        int i = c.pre[k] == 3 ? 0 : 1;
        int j = c.post[k] == 0 ? 0 : c.post[k] == 5 ? 1 : 2;
        CHECK(c.pre[k] == 3 || c.pre[k] == 1);
        CHECK(c.w[k] == mw[i * 3 + j]);
        CHECK_NEAR(c.d[k], md[i * 3 + j], 1e-12);
    }
    free_conns(&c);
    rv_sim_free(sim);
}

static void bad_specs(void)
{
    rv_sim *sim = sim_new(0.1, 1);
    int32_t a = pop_new(sim, "IF_curr_exp", 10);
    int32_t proj = new_proj(sim, a, a);
    rv_rule rule = {.kind = RV_RULE_ALL_TO_ALL, .allow_self = 1};
    rv_param_spec bad[] = {
        {"weight", RV_DIST_CONSTANT, {NAN}, NULL},
        {"weight", RV_DIST_CONSTANT, {INFINITY}, NULL},
        {"weight", RV_DIST_UNIFORM, {3, 1}, NULL},
        {"weight", RV_DIST_UNIFORM, {0, INFINITY}, NULL},
        {"weight", RV_DIST_UNIFORM_INT, {0.5, 3}, NULL},
        {"weight", RV_DIST_UNIFORM_INT, {3, 3}, NULL},
        {"weight", RV_DIST_NORMAL, {0, -1}, NULL},
        {"weight", RV_DIST_NORMAL, {NAN, 1}, NULL},
        {"weight", RV_DIST_NORMAL_CLIPPED, {0, 1, 2, 1}, NULL},
        {"weight", RV_DIST_NORMAL_CLIPPED, {5, 0, 0, 1}, NULL},
        {"weight", RV_DIST_NORMAL_CLIPPED_TO_BOUNDARY, {0, 1, NAN, 1}, NULL},
        {"weight", RV_DIST_EXPONENTIAL, {0}, NULL},
        {"weight", RV_DIST_LOGNORMAL, {0, -0.5}, NULL},
        {"weight", RV_DIST_GAMMA, {0, 1}, NULL},
        {"weight", RV_DIST_GAMMA, {1, -1}, NULL},
        {"weight", RV_DIST_POISSON, {-1}, NULL},
        {"weight", RV_DIST_BINOMIAL, {10, 1.5}, NULL},
        {"weight", RV_DIST_BINOMIAL, {2.5, 0.5}, NULL},
        {"weight", RV_DIST_VONMISES, {0, -1}, NULL},
        {"weight", RV_DIST_MATRIX, {0}, NULL},
        {"weight", (rv_dist_kind)99, {0}, NULL},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        FAILS(sim, RV_ERR_VALUE,
              rv_proj_connect_rule(sim, proj, &rule, NULL, 0, NULL, 0, &bad[k], 1));
    rv_param_spec unknown = {"tau_rec", RV_DIST_CONSTANT, {1}, NULL};
    FAILS(sim, RV_ERR_NAME, rv_proj_connect_rule(sim, proj, &rule, NULL, 0, NULL, 0, &unknown, 1));
    rv_param_spec unnamed = {NULL, RV_DIST_CONSTANT, {1}, NULL};
    FAILS(sim, RV_ERR_NULL, rv_proj_connect_rule(sim, proj, &rule, NULL, 0, NULL, 0, &unnamed, 1));
    rv_param_spec twice[] = {{"weight", RV_DIST_CONSTANT, {1}, NULL},
                             {"weight", RV_DIST_CONSTANT, {2}, NULL}};
    FAILS(sim, RV_ERR_VALUE, rv_proj_connect_rule(sim, proj, &rule, NULL, 0, NULL, 0, twice, 2));
    /* values that are only found bad once drawn: a delay below half a step
       somewhere in the middle of the rule */
    rv_param_spec short_delay = {"delay", RV_DIST_UNIFORM, {0.01, 0.5}, NULL};
    FAILS(sim, RV_ERR_VALUE,
          rv_proj_connect_rule(sim, proj, &rule, NULL, 0, NULL, 0, &short_delay, 1));
    CHECK(strstr(rv_sim_errmsg(sim), "delay") != NULL);
    int64_t size;
    OK(sim, rv_proj_size(sim, proj, &size));
    CHECK(size == 0);
    rv_sim_free(sim);
}

/* A rule that fails halfway (its last column draws a bad delay) leaves the
 * projection exactly as it was: no connections, and no trace in its layout
 * (a later uniform batch is still stored without per-synapse columns). */
static void failed_rule_leaves_no_trace(void)
{
    rv_sim *sims[2];
    int64_t bytes[2];
    conns got[2];
    for (int s = 0; s < 2; s++) {
        rv_sim *sim = sims[s] = sim_new(0.1, 1);
        int32_t a = pop_new(sim, "IF_curr_exp", 4);
        int32_t proj = new_proj(sim, a, a);
        uint32_t pre[] = {0, 1}, post[] = {1, 2};
        double w = 0.5, d = 1.0;
        rv_values v[] = {{"weight", &w, 1}, {"delay", &d, 1}};
        OK(sim, rv_proj_connect(sim, proj, 2, pre, post, v, 2));
        if (s == 1) {
            /* varied weights and delays for the first columns, then a delay
               of 0.01 ms in the last column */
            double mw[16], md[16];
            for (int k = 0; k < 16; k++) {
                mw[k] = 0.1 * k;
                md[k] = k == 15 ? 0.01 : 0.1 * (1 + k % 4);
            }
            rv_param_spec specs[] = {{"weight", RV_DIST_MATRIX, {0}, mw},
                                     {"delay", RV_DIST_MATRIX, {0}, md}};
            rv_rule rule = {.kind = RV_RULE_ALL_TO_ALL, .allow_self = 1};
            FAILS(sim, RV_ERR_VALUE,
                  rv_proj_connect_rule(sim, proj, &rule, NULL, 0, NULL, 0, specs, 2));
            int64_t size;
            OK(sim, rv_proj_size(sim, proj, &size));
            CHECK(size == 2);
        }
        OK(sim, rv_proj_connect(sim, proj, 2, post, pre, v, 2));
        OK(sim, rv_sim_run_until(sim, 1.0));
        OK(sim, rv_proj_memory(sim, proj, &bytes[s]));
        got[s] = get_conns(sim, proj);
    }
    CHECK(bytes[0] == bytes[1]);
    CHECK(same_conns(&got[0], &got[1]));
    for (int s = 0; s < 2; s++) {
        free_conns(&got[s]);
        rv_sim_free(sims[s]);
    }
}

/* ---- determinism and independence from splitting ------------------------------------ */

static conns rule_in_new_sim(uint64_t seed, rv_rule rule, const rv_param_spec *specs, int n_specs)
{
    rv_sim *sim = sim_new(0.1, seed);
    int32_t a = pop_new(sim, "IF_curr_exp", 40);
    conns c = connect_rule(sim, new_proj(sim, a, a), rule, specs, n_specs);
    rv_sim_free(sim);
    return c;
}

static void determinism(void)
{
    rv_param_spec w = {"weight", RV_DIST_NORMAL, {1, 0.5}, NULL};
    rv_rule kinds[] = {
        {.kind = RV_RULE_FIXED_PROBABILITY, .p = 0.2},
        {.kind = RV_RULE_FIXED_NUMBER_PRE, .n = 7},
        {.kind = RV_RULE_FIXED_NUMBER_POST, .n = 7, .with_replacement = 1},
        {.kind = RV_RULE_FIXED_TOTAL_NUMBER, .n = 300},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        rv_rule rule = kinds[k];
        rule.stream = 5;
        conns x = rule_in_new_sim(21, rule, &w, 1), y = rule_in_new_sim(21, rule, &w, 1);
        CHECK(same_conns(&x, &y));
        rule.stream = 6;
        conns z = rule_in_new_sim(21, rule, &w, 1);
        CHECK(!same_conns(&x, &z));
        rule.stream = 5;
        conns u = rule_in_new_sim(22, rule, &w, 1);
        CHECK(!same_conns(&x, &u));
        free_conns(&x);
        free_conns(&y);
        free_conns(&z);
        free_conns(&u);
    }
}

/* The connections (and drawn weights) of each target, as a sorted list of
 * (source, weight) pairs packed into one array per target. */
static int cmp_pair(const void *a, const void *b)
{
    const double *x = a, *y = b;
    if (x[0] != y[0])
        return x[0] < y[0] ? -1 : 1;
    return (x[1] > y[1]) - (x[1] < y[1]);
}

static int same_per_target(const conns *x, const conns *y, int64_t n_post)
{
    if (x->n != y->n)
        return 0;
    double *px = calloc((size_t)(2 * x->n + 2), sizeof *px);
    double *py = calloc((size_t)(2 * y->n + 2), sizeof *py);
    int same = 1;
    for (int64_t j = 0; j < n_post && same; j++) {
        int64_t nx = 0, ny = 0;
        for (int64_t k = 0; k < x->n; k++)
            if (x->post[k] == j) {
                px[2 * nx] = x->pre[k];
                px[2 * nx++ + 1] = x->w[k];
            }
        for (int64_t k = 0; k < y->n; k++)
            if (y->post[k] == j) {
                py[2 * ny] = y->pre[k];
                py[2 * ny++ + 1] = y->w[k];
            }
        qsort(px, (size_t)nx, 2 * sizeof *px, cmp_pair);
        qsort(py, (size_t)ny, 2 * sizeof *py, cmp_pair);
        same = nx == ny && memcmp(px, py, (size_t)(2 * nx) * sizeof *px) == 0;
    }
    free(px);
    free(py);
    return same;
}

/* One call over every target against the same rule over the targets in
 * two calls (first half / second half, and interleaved): the draws are
 * keyed by target gid, so each target gets the same sources and weights. */
static void independent_of_splitting(void)
{
    const int64_t n = 60;
    rv_param_spec w = {"weight", RV_DIST_UNIFORM, {0, 1}, NULL};
    rv_rule rules[] = {
        {.kind = RV_RULE_FIXED_PROBABILITY, .p = 0.3, .allow_self = 0, .stream = 3},
        {.kind = RV_RULE_FIXED_NUMBER_PRE, .n = 9, .allow_self = 0, .stream = 3},
        {.kind = RV_RULE_FIXED_NUMBER_PRE, .n = 9, .allow_self = 0, .with_replacement = 1,
         .stream = 3},
    };
    int64_t *first = malloc(n * sizeof *first), *second = malloc(n * sizeof *second);
    for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++)
        for (int split = 0; split < 2; split++) {
            /* split 0: halves; split 1: even and odd targets */
            int64_t n1 = 0, n2 = 0;
            for (int64_t j = 0; j < n; j++) {
                int in_first = split ? j % 2 == 0 : j < n / 2;
                if (in_first)
                    first[n1++] = j;
                else
                    second[n2++] = j;
            }
            rv_sim *one = sim_new(0.1, 31), *two = sim_new(0.1, 31);
            int32_t a1 = pop_new(one, "IF_curr_exp", n), a2 = pop_new(two, "IF_curr_exp", n);
            int32_t p1 = new_proj(one, a1, a1), p2 = new_proj(two, a2, a2);
            OK(one, rv_proj_connect_rule(one, p1, &rules[r], NULL, 0, NULL, 0, &w, 1));
            OK(two, rv_proj_connect_rule(two, p2, &rules[r], NULL, 0, first, n1, &w, 1));
            OK(two, rv_proj_connect_rule(two, p2, &rules[r], NULL, 0, second, n2, &w, 1));
            conns x = get_conns(one, p1), y = get_conns(two, p2);
            CHECK(x.n > 0);
            if (!same_per_target(&x, &y, n))
                fprintf(stderr, "rule kind %d, split %d: connections differ\n",
                        (int)rules[r].kind, split);
            CHECK(same_per_target(&x, &y, n));
            free_conns(&x);
            free_conns(&y);
            rv_sim_free(one);
            rv_sim_free(two);
        }
    free(first);
    free(second);
}

/* ---- rv_rule_generate ------------------------------------------------------------ */

/* rv_rule_generate gives the rule's connections as positions in the gid
 * lists; for the deterministic rules they are exactly the pairs that
 * rv_proj_connect_rule stores. */
static void generate(void)
{
    rv_sim *sim = sim_new(0.1, 1);
    int32_t a = pop_new(sim, "IF_curr_exp", 6), b = pop_new(sim, "IF_curr_exp", 4);
    int64_t gids_a[6], gids_b[4];
    for (int k = 0; k < 6; k++)
        gids_a[k] = k;
    for (int k = 0; k < 4; k++)
        gids_b[k] = 6 + k;
    rv_rule rules[] = {{.kind = RV_RULE_ALL_TO_ALL, .allow_self = 0},
                       {.kind = RV_RULE_ONE_TO_ONE}};
    for (int r = 0; r < 2; r++) {
        int64_t n_post = r == 0 ? 4 : 6;
        int32_t proj = new_proj(sim, a, r == 0 ? b : a);
        conns c = connect_rule(sim, proj, rules[r], NULL, 0);
        int64_t n;
        const int64_t *pp, *qp;
        OK(sim, rv_rule_generate(sim, &rules[r], gids_a, 6, r == 0 ? gids_b : gids_a, n_post, &n,
                                 &pp, &qp));
        CHECK(n == c.n);
        /* same multiset of pairs (canonical order differs from rule order) */
        int *m = pair_counts(&c, 6, n_post);
        for (int64_t k = 0; k < n && k < c.n; k++)
            m[pp[k] * n_post + qp[k]]--;
        for (int64_t k = 0; k < 6 * n_post; k++)
            CHECK(m[k] == 0);
        free(m);
        free_conns(&c);
    }
    /* lists that overlap: positions are list positions, self = equal gids */
    int64_t pre[] = {0, 1, 2, 3, 4, 5}, post[] = {3, 4, 5, 6, 7, 8};
    int64_t n;
    const int64_t *pp, *qp;
    OK(sim, rv_rule_generate(sim, &rules[0], pre, 6, post, 6, &n, &pp, &qp));
    CHECK(n == 36 - 3);
    for (int64_t k = 0; k < n; k++)
        CHECK(pre[pp[k]] != post[qp[k]]);
    /* random rules: the counts the rule fixes, and repeatable draws */
    rv_rule fixed = {.kind = RV_RULE_FIXED_NUMBER_PRE, .n = 4, .stream = 9};
    OK(sim, rv_rule_generate(sim, &fixed, pre, 6, post, 6, &n, &pp, &qp));
    CHECK(n == 24);
    int64_t *copy = malloc(2 * 24 * sizeof *copy);
    memcpy(copy, pp, 24 * sizeof *pp);
    memcpy(copy + 24, qp, 24 * sizeof *qp);
    OK(sim, rv_rule_generate(sim, &fixed, pre, 6, post, 6, &n, &pp, &qp));
    CHECK(n == 24 && memcmp(copy, pp, 24 * sizeof *pp) == 0
          && memcmp(copy + 24, qp, 24 * sizeof *qp) == 0);
    int per_target[6] = {0};
    for (int64_t k = 0; k < n; k++)
        per_target[qp[k]]++;
    for (int j = 0; j < 6; j++)
        CHECK(per_target[j] == 4);
    free(copy);
    rv_sim_free(sim);
}

int main(void)
{
    all_to_all();
    one_to_one();
    fixed_probability();
    fixed_number(1);
    fixed_number(0);
    fixed_total_number();
    distributions();
    matrix_spec();
    bad_specs();
    failed_rule_leaves_no_trace();
    determinism();
    independent_of_splitting();
    generate();
    TEST_END();
}
