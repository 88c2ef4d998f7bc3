/*
 * Connection rules, run natively: all-to-all, one-to-one, fixed
 * probability, fixed number of sources per target ("pre"), fixed number of
 * targets per source ("post") and fixed total number, each with or without
 * self-connections and (for the fixed-number rules) with or without
 * replacement.
 *
 * Randomness: every column (target) or row (source) draws from its own
 * stream keyed by (seed, rule stream, gid), so the connections do not depend
 * on how targets are distributed.  Fixed total number first splits the
 * total over the targets from one stream (multinomial with replacement,
 * multivariate hypergeometric without), then draws each target's sources
 * from its own stream.  Parameter values drawn from distributions use
 * another stream per column or row, in connection order.
 *
 * Semantics follow PyNN's connectors: with replacement any source may be
 * drawn several times (multapses); without replacement, when n exceeds
 * the number of candidates every candidate is taken n / candidates times
 * and the remainder is drawn without repetition.
 */
#include <stdlib.h>
#include <string.h>

#include "core/sim.h"

typedef struct rule_run rule_run;

/* Receives a batch of connections as (pre position, post position) pairs
 * of the rule's lists; key_gid names the stream for parameter draws. */
typedef rv_status (*rule_sink)(rule_run *r, int64_t key_gid, const int64_t *pre_pos,
                               const int64_t *post_pos, int64_t n);

struct rule_run {
    rv_sim *sim;
    const char *fn;
    const rv_rule *rule;
    uint64_t sub;               /* stream name of this application */
    int64_t n_pre, n_post;
    int64_t *pre_gid, *post_gid;
    int64_t *self_of_post;      /* pre position with the same gid, or -1 */
    int64_t *self_of_pre;       /* post position with the same gid, or -1 */
    rule_sink sink;
    void *sink_ctx;
    int64_t *buf_pre, *buf_post, buf_cap;
    uint8_t *mark;              /* scratch, all zero between uses */
    int64_t *pool;              /* scratch for partial shuffles */
};

/* ---- small helpers -------------------------------------------------------- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int reserve_buf(rule_run *r, int64_t need)
{
    int64_t cap_a = r->buf_cap, cap_b = r->buf_cap;
    if (rv__reserve((void **)&r->buf_pre, &cap_a, need, sizeof(int64_t))
        || rv__reserve((void **)&r->buf_post, &cap_b, need, sizeof(int64_t)))
        return -1;
    r->buf_cap = cap_a < cap_b ? cap_a : cap_b;
    return 0;
}

/* For each position of `from`, the position in `in` with the same gid. */
static int64_t *match_gids(const int64_t *from, int64_t n_from, const int64_t *in, int64_t n_in)
{
    int64_t *pairs = rv__calloc((size_t)(2 * n_in + 2), sizeof *pairs);
    int64_t *out = rv__calloc((size_t)(n_from + 1), sizeof *out);
    if (!pairs || !out) {
        rv__free(pairs);
        rv__free(out);
        return NULL;
    }
    for (int64_t k = 0; k < n_in; k++) {
        pairs[2 * k] = in[k];
        pairs[2 * k + 1] = k;
    }
    qsort(pairs, (size_t)n_in, 2 * sizeof *pairs, cmp_i64);
    for (int64_t k = 0; k < n_from; k++) {
        int64_t lo = 0, hi = n_in;
        while (lo < hi) {
            int64_t mid = (lo + hi) / 2;
            if (pairs[2 * mid] < from[k])
                lo = mid + 1;
            else
                hi = mid;
        }
        out[k] = lo < n_in && pairs[2 * lo] == from[k] ? pairs[2 * lo + 1] : -1;
    }
    rv__free(pairs);
    return out;
}

/* Number of good items among n drawn without replacement from N of which
 * K are good: inversion by search outward from the mode. */
static int64_t hypergeometric(rv__stream *s, int64_t n, int64_t K, int64_t N)
{
    if (n == 0 || K == 0)
        return 0;
    if (K == N)
        return n;
    if (n == N)
        return K;
    int64_t lo = n - (N - K) > 0 ? n - (N - K) : 0, hi = n < K ? n : K;
    int64_t mode = (int64_t)floor((double)(n + 1) * (double)(K + 1) / (double)(N + 2));
    mode = mode < lo ? lo : mode > hi ? hi : mode;
    double lp = lgamma(K + 1.0) - lgamma(mode + 1.0) - lgamma(K - mode + 1.0)
                + lgamma(N - K + 1.0) - lgamma(n - mode + 1.0) - lgamma(N - K - n + mode + 1.0)
                - (lgamma(N + 1.0) - lgamma(n + 1.0) - lgamma(N - n + 1.0));
    double u = rv__uniform(s), p_mode = exp(lp);
    if (u < p_mode)
        return mode;
    u -= p_mode;
    int64_t kl = mode, kh = mode;
    double pl = p_mode, ph = p_mode;
    while (kl > lo || kh < hi) {
        if (kh < hi) {
            ph *= (double)(K - kh) * (double)(n - kh)
                  / ((double)(kh + 1) * (double)(N - K - n + kh + 1));
            kh++;
            if (u < ph)
                return kh;
            u -= ph;
        }
        if (kl > lo) {
            pl *= (double)kl * (double)(N - K - n + kl)
                  / ((double)(K - kl + 1) * (double)(n - kl + 1));
            kl--;
            if (u < pl)
                return kl;
            u -= pl;
        }
    }
    return mode;  /* only reached through rounding of the tail */
}

/* k distinct candidates out of m (0..m-1), written to out (Floyd's
 * algorithm for small k, a partial shuffle otherwise). */
static void choose_distinct(rule_run *r, rv__stream *s, int64_t m, int64_t k, int64_t *out)
{
    if (2 * k >= m) {
        for (int64_t i = 0; i < m; i++)
            r->pool[i] = i;
        for (int64_t i = 0; i < k; i++) {
            int64_t j = i + (int64_t)rv__uniform_below(s, (uint64_t)(m - i));
            int64_t t = r->pool[i];
            r->pool[i] = r->pool[j];
            r->pool[j] = t;
            out[i] = r->pool[i];
        }
        return;
    }
    int64_t c = 0;
    for (int64_t j = m - k; j < m; j++) {
        int64_t t = (int64_t)rv__uniform_below(s, (uint64_t)(j + 1));
        int64_t pick = r->mark[t] ? j : t;
        r->mark[pick] = 1;
        out[c++] = pick;
    }
    for (int64_t i = 0; i < k; i++)
        r->mark[out[i]] = 0;
}

/* Candidate index c among positions 0..n-1 with `skip` removed. */
static inline int64_t skip_position(int64_t c, int64_t skip)
{
    return skip >= 0 && c >= skip ? c + 1 : c;
}

/* n positions out of `total` (minus `skip`), following PyNN: whole sets
 * first, the remainder drawn with or without replacement. */
static void draw_positions(rule_run *r, rv__stream *s, int64_t total, int64_t skip, int64_t n,
                           int64_t *out)
{
    int64_t m = total - (skip >= 0 ? 1 : 0);
    if (n == 0)  /* nothing to draw, possibly from no candidate (m = 0) */
        return;
    if (r->rule->with_replacement) {
        for (int64_t k = 0; k < n; k++)
            out[k] = skip_position((int64_t)rv__uniform_below(s, (uint64_t)m), skip);
    } else {
        int64_t full = n / m, rem = n % m, c = 0;
        for (int64_t f = 0; f < full; f++)
            for (int64_t i = 0; i < m; i++)
                out[c++] = skip_position(i, skip);
        choose_distinct(r, s, m, rem, out + c);
        for (int64_t k = c; k < n; k++)
            out[k] = skip_position(out[k], skip);
    }
    qsort(out, (size_t)n, sizeof *out, cmp_i64);
}

static int64_t self_pre(const rule_run *r, int64_t post_pos)
{
    return r->self_of_post ? r->self_of_post[post_pos] : -1;
}

/* ---- the rules ------------------------------------------------------------ */

static rv_status emit_column(rule_run *r, int64_t j, int64_t n)
{
    for (int64_t k = 0; k < n; k++)
        r->buf_post[k] = j;
    return r->sink(r, r->post_gid[j], r->buf_pre, r->buf_post, n);
}

static rv_status all_to_all(rule_run *r)
{
    rv_status st = RV_OK;
    for (int64_t j = 0; j < r->n_post && !st; j++) {
        int64_t skip = self_pre(r, j), n = 0;
        for (int64_t i = 0; i < r->n_pre; i++)
            if (i != skip)
                r->buf_pre[n++] = i;
        st = emit_column(r, j, n);
    }
    return st;
}

static rv_status one_to_one(rule_run *r)
{
    if (r->n_pre != r->n_post)
        return rv__fail(r->sim, RV_ERR_SIZE,
                        "%s: one-to-one needs lists of equal size (%lld pre, %lld post)", r->fn,
                        (long long)r->n_pre, (long long)r->n_post);
    rv_status st = RV_OK;
    for (int64_t j = 0; j < r->n_post && !st; j++) {
        r->buf_pre[0] = j;
        st = emit_column(r, j, 1);
    }
    return st;
}

static rv_status fixed_probability(rule_run *r)
{
    double p = r->rule->p;
    double log_q = p < 1.0 ? log1p(-p) : 0.0;
    rv_status st = RV_OK;
    for (int64_t j = 0; j < r->n_post && !st; j++) {
        int64_t skip = self_pre(r, j), n = 0;
        if (p >= 1.0) {
            for (int64_t i = 0; i < r->n_pre; i++)
                if (i != skip)
                    r->buf_pre[n++] = i;
        } else if (p > 0.0) {
            rv__stream s;
            rv__stream_init(&s, r->sim->seed, RV__RNG_CONNECT, r->sub, (uint64_t)r->post_gid[j]);
            /* Geometric gaps between successes of Bernoulli(p) trials. */
            double i = -1.0;
            for (;;) {
                i += floor(log(rv__uniform_pos(&s)) / log_q) + 1.0;
                if (i >= (double)r->n_pre)
                    break;
                if ((int64_t)i != skip)
                    r->buf_pre[n++] = (int64_t)i;
            }
        }
        st = emit_column(r, j, n);
    }
    return st;
}

static rv_status check_candidates(rule_run *r, int64_t m, const char *what)
{
    if (m <= 0 && r->rule->n > 0)
        return rv__fail(r->sim, RV_ERR_VALUE, "%s: no %s to choose %lld from", r->fn, what,
                        (long long)r->rule->n);
    return RV_OK;
}

static rv_status fixed_number_pre(rule_run *r)
{
    int64_t n = r->rule->n;
    if (reserve_buf(r, n + 1))
        return rv__fail(r->sim, RV_ERR_NOMEM, "%s: out of memory", r->fn);
    rv_status st = RV_OK;
    for (int64_t j = 0; j < r->n_post && !st; j++) {
        int64_t skip = self_pre(r, j);
        if ((st = check_candidates(r, r->n_pre - (skip >= 0), "sources")))
            return st;
        rv__stream s;
        rv__stream_init(&s, r->sim->seed, RV__RNG_CONNECT, r->sub, (uint64_t)r->post_gid[j]);
        draw_positions(r, &s, r->n_pre, skip, n, r->buf_pre);
        st = emit_column(r, j, n);
    }
    return st;
}

static rv_status fixed_number_post(rule_run *r)
{
    int64_t n = r->rule->n;
    if (reserve_buf(r, n + 1))
        return rv__fail(r->sim, RV_ERR_NOMEM, "%s: out of memory", r->fn);
    rv_status st = RV_OK;
    for (int64_t i = 0; i < r->n_pre && !st; i++) {
        int64_t skip = r->self_of_pre ? r->self_of_pre[i] : -1;
        if ((st = check_candidates(r, r->n_post - (skip >= 0), "targets")))
            return st;
        rv__stream s;
        rv__stream_init(&s, r->sim->seed, RV__RNG_CONNECT, r->sub, (uint64_t)r->pre_gid[i]);
        draw_positions(r, &s, r->n_post, skip, n, r->buf_post);
        for (int64_t k = 0; k < n; k++)
            r->buf_pre[k] = i;
        st = r->sink(r, r->pre_gid[i], r->buf_pre, r->buf_post, n);
    }
    return st;
}

static rv_status fixed_total_number(rule_run *r)
{
    int64_t n = r->rule->n;
    int64_t *count = rv__calloc((size_t)r->n_post + 1, sizeof *count);
    if (!count)
        return rv__fail(r->sim, RV_ERR_NOMEM, "%s: out of memory", r->fn);
    /* Candidates per target and in all. */
    int64_t cap_total = 0;
    for (int64_t j = 0; j < r->n_post; j++)
        cap_total += r->n_pre - (self_pre(r, j) >= 0);
    if (cap_total == 0 && n > 0) {
        rv__free(count);
        return rv__fail(r->sim, RV_ERR_VALUE, "%s: no candidate connections for %lld", r->fn,
                        (long long)n);
    }
    if (!r->rule->with_replacement && n > cap_total) {
        rv__free(count);
        return rv__fail(r->sim, RV_ERR_VALUE,
                        "%s: %lld connections without replacement exceed the %lld possible "
                        "pairs", r->fn, (long long)n, (long long)cap_total);
    }
    rv__stream split;
    rv__stream_init(&split, r->sim->seed, RV__RNG_TOTAL, r->sub, 0);
    int64_t left = n, cap_left = cap_total, biggest = 0;
    for (int64_t j = 0; j < r->n_post; j++) {
        int64_t cap_j = r->n_pre - (self_pre(r, j) >= 0);
        if (cap_left <= 0)
            break;
        if (r->rule->with_replacement)
            count[j] = cap_j == cap_left ? left
                                         : (int64_t)rv__binomial(&split, (double)left,
                                                                 (double)cap_j / (double)cap_left);
        else
            count[j] = hypergeometric(&split, left, cap_j, cap_left);
        left -= count[j];
        cap_left -= cap_j;
        biggest = count[j] > biggest ? count[j] : biggest;
    }
    rv_status st = RV_OK;
    if (reserve_buf(r, biggest + 1))
        st = rv__fail(r->sim, RV_ERR_NOMEM, "%s: out of memory", r->fn);
    for (int64_t j = 0; j < r->n_post && !st; j++) {
        if (count[j] == 0)
            continue;
        rv__stream s;
        rv__stream_init(&s, r->sim->seed, RV__RNG_CONNECT, r->sub, (uint64_t)r->post_gid[j]);
        draw_positions(r, &s, r->n_pre, self_pre(r, j), count[j], r->buf_pre);
        st = emit_column(r, j, count[j]);
    }
    rv__free(count);
    return st;
}

/* ---- driver -------------------------------------------------------------- */

/* Largest connection count a rule accepts: counts are split with double
 * arithmetic, exact up to 2^53 (and n + 1 must not overflow). */
#define MAX_RULE_N ((int64_t)1 << 53)

static rv_status check_rule(rv_sim *sim, const char *fn, const rv_rule *rule)
{
    if (!rule)
        return rv__fail(sim, RV_ERR_NULL, "%s: rule is NULL", fn);
    switch (rule->kind) {
    case RV_RULE_ALL_TO_ALL:
    case RV_RULE_ONE_TO_ONE:
        return RV_OK;
    case RV_RULE_FIXED_PROBABILITY:
        if (!(rule->p >= 0.0 && rule->p <= 1.0))
            return rv__fail(sim, RV_ERR_VALUE, "%s: probability p = %g must lie in [0, 1]", fn,
                            rule->p);
        return RV_OK;
    case RV_RULE_FIXED_NUMBER_PRE:
    case RV_RULE_FIXED_NUMBER_POST:
    case RV_RULE_FIXED_TOTAL_NUMBER:
        if (rule->n < 0)
            return rv__fail(sim, RV_ERR_VALUE, "%s: number of connections n = %lld is negative",
                            fn, (long long)rule->n);
        if (rule->n > MAX_RULE_N)
            return rv__fail(sim, RV_ERR_LIMIT,
                            "%s: number of connections n = %lld exceeds the limit of %lld", fn,
                            (long long)rule->n, (long long)MAX_RULE_N);
        return RV_OK;
    }
    return rv__fail(sim, RV_ERR_VALUE, "%s: unknown rule kind %d", fn, (int)rule->kind);
}

static void run_free(rule_run *r)
{
    rv__free(r->pre_gid);
    rv__free(r->post_gid);
    rv__free(r->self_of_post);
    rv__free(r->self_of_pre);
    rv__free(r->buf_pre);
    rv__free(r->buf_post);
    rv__free(r->mark);
    rv__free(r->pool);
}

/* Sets up the lists (as gids) and scratch space, and runs the rule. */
static rv_status run_rule(rule_run *r, const int64_t *pre_gids, const int64_t *post_gids)
{
    rv_sim *sim = r->sim;
    r->pre_gid = rv__calloc((size_t)r->n_pre + 1, sizeof(int64_t));
    r->post_gid = rv__calloc((size_t)r->n_post + 1, sizeof(int64_t));
    int64_t widest = r->n_pre > r->n_post ? r->n_pre : r->n_post;
    r->mark = rv__calloc((size_t)widest + 1, 1);
    r->pool = rv__calloc((size_t)widest + 1, sizeof(int64_t));
    if (!r->pre_gid || !r->post_gid || !r->mark || !r->pool || reserve_buf(r, widest + 1))
        return rv__fail(sim, RV_ERR_NOMEM, "%s: out of memory", r->fn);
    memcpy(r->pre_gid, pre_gids, (size_t)r->n_pre * sizeof(int64_t));
    memcpy(r->post_gid, post_gids, (size_t)r->n_post * sizeof(int64_t));
    if (!r->rule->allow_self && r->rule->kind != RV_RULE_ONE_TO_ONE) {
        r->self_of_post = match_gids(r->post_gid, r->n_post, r->pre_gid, r->n_pre);
        r->self_of_pre = match_gids(r->pre_gid, r->n_pre, r->post_gid, r->n_post);
        if (!r->self_of_post || !r->self_of_pre)
            return rv__fail(sim, RV_ERR_NOMEM, "%s: out of memory", r->fn);
    }
    switch (r->rule->kind) {
    case RV_RULE_ALL_TO_ALL:
        return all_to_all(r);
    case RV_RULE_ONE_TO_ONE:
        return one_to_one(r);
    case RV_RULE_FIXED_PROBABILITY:
        return fixed_probability(r);
    case RV_RULE_FIXED_NUMBER_PRE:
        return fixed_number_pre(r);
    case RV_RULE_FIXED_NUMBER_POST:
        return fixed_number_post(r);
    case RV_RULE_FIXED_TOTAL_NUMBER:
        return fixed_total_number(r);
    }
    return RV_ERR_VALUE;
}

/* ---- storing into a projection ---------------------------------------------- */

typedef struct proj_sink {
    rv__proj *proj;
    const int64_t *pre_idx, *post_idx;    /* list position -> population index */
    const rv_param_spec *specs;
    int n_specs;
    int slot[RV__MAX_SYN_PARAMS + 2];     /* column of each spec */
    uint32_t *pre, *post;
    double *vals[RV__MAX_SYN_PARAMS + 2];
    int64_t cap;
} proj_sink;

static rv_status store_batch(rule_run *r, int64_t key_gid, const int64_t *pre_pos,
                             const int64_t *post_pos, int64_t n)
{
    proj_sink *ps = r->sink_ctx;
    rv__proj *p = ps->proj;
    rv_sim *sim = r->sim;
    if (n == 0)
        return RV_OK;
    int ncol = 2 + p->syn->n_params;
    if (n > ps->cap) {
        int64_t cap = n > 2 * ps->cap ? n : 2 * ps->cap;
        void *q;
        if (!(q = rv__realloc_array(ps->pre, (size_t)cap, sizeof *ps->pre)))
            return rv__fail(sim, RV_ERR_NOMEM, "%s: out of memory", r->fn);
        ps->pre = q;
        if (!(q = rv__realloc_array(ps->post, (size_t)cap, sizeof *ps->post)))
            return rv__fail(sim, RV_ERR_NOMEM, "%s: out of memory", r->fn);
        ps->post = q;
        for (int c = 0; c < ncol; c++) {
            if (!(q = rv__realloc_array(ps->vals[c], (size_t)cap, sizeof(double))))
                return rv__fail(sim, RV_ERR_NOMEM, "%s: out of memory", r->fn);
            ps->vals[c] = q;
        }
        ps->cap = cap;
    }
    for (int64_t k = 0; k < n; k++) {
        ps->pre[k] = (uint32_t)ps->pre_idx[pre_pos[k]];
        ps->post[k] = (uint32_t)ps->post_idx[post_pos[k]];
    }
    /* Defaults, then the given specs. */
    const double *col[RV__MAX_SYN_PARAMS + 2];
    int64_t stride[RV__MAX_SYN_PARAMS + 2];
    static const double zero = 0.0, one_step = 1.0;
    col[0] = &zero;
    col[1] = &one_step;
    for (int c = 2; c < ncol; c++)
        col[c] = &p->syn->params[c - 2].def;
    memset(stride, 0, sizeof stride);
    for (int k = 0; k < ps->n_specs; k++) {
        const rv_param_spec *spec = &ps->specs[k];
        int c = ps->slot[k];
        double *v = ps->vals[c];
        if (spec->kind == RV_DIST_CONSTANT) {
            v[0] = spec->p[0];
        } else if (spec->kind == RV_DIST_MATRIX) {
            for (int64_t i = 0; i < n; i++)
                v[i] = spec->matrix[pre_pos[i] * r->n_post + post_pos[i]];
        } else {
            rv__stream s;
            rv__stream_init(&s, sim->seed, RV__RNG_PARAM, r->sub ^ ((uint64_t)(k + 1) << 56),
                            (uint64_t)key_gid);
            for (int64_t i = 0; i < n; i++)
                v[i] = rv__dist_draw(spec, &s);
        }
        int64_t count = spec->kind == RV_DIST_CONSTANT ? 1 : n;
        /* Check (and for delays convert) the values. */
        for (int64_t i = 0; i < count; i++) {
            if (c == 1) {
                double steps = isfinite(v[i]) ? (double)llround(v[i] / sim->dt) : -1;
                if (!(steps >= 1 && steps <= RV_MAX_DELAY_STEPS))
                    return rv__fail(sim, RV_ERR_VALUE,
                                    "%s: a delay of %g ms was drawn; delays must lie in [dt, %d "
                                    "dt] = [%g, %g] ms (clip the distribution)", r->fn, v[i],
                                    RV_MAX_DELAY_STEPS, sim->dt, RV_MAX_DELAY_STEPS * sim->dt);
                v[i] = steps;
            } else if (!isfinite(v[i])) {
                return rv__fail(sim, RV_ERR_VALUE, "%s: a value of '%s' is not finite (%g)",
                                r->fn, spec->name, v[i]);
            } else if (c == 0 && v[i] < 0 && sim->pops[p->post]->model->conductance_based) {
                return rv__fail(sim, RV_ERR_VALUE,
                                "%s: a weight of %g uS was drawn; conductance-based receptors "
                                "take weights >= 0", r->fn, v[i]);
            }
        }
        col[c] = v;
        stride[c] = count > 1 || spec->kind != RV_DIST_CONSTANT ? 1 : 0;
    }
    return rv__proj_append(sim, p, n, ps->pre, ps->post, col, stride);
}

static rv_status resolve_specs(rv_sim *sim, const char *fn, proj_sink *ps)
{
    const rv__synmodel *syn = ps->proj->syn;
    for (int k = 0; k < ps->n_specs; k++) {
        const rv_param_spec *spec = &ps->specs[k];
        if (!spec->name)
            return rv__fail(sim, RV_ERR_NULL, "%s: specs[%d].name is NULL", fn, k);
        int c = -1;
        if (strcmp(spec->name, "weight") == 0)
            c = 0;
        else if (strcmp(spec->name, "delay") == 0)
            c = 1;
        for (int e = 0; e < syn->n_params && c < 0; e++)
            if (strcmp(spec->name, syn->params[e].name) == 0)
                c = 2 + e;
        if (c < 0)
            return rv__fail(sim, RV_ERR_NAME, "%s: %s has no parameter '%s'", fn, syn->name,
                            spec->name);
        char msg[256];
        if (rv__dist_check(spec, msg, sizeof msg))
            return rv__fail(sim, RV_ERR_VALUE, "%s: %s", fn, msg);
        for (int j = 0; j < k; j++)
            if (ps->slot[j] == c)
                return rv__fail(sim, RV_ERR_VALUE, "%s: parameter '%s' is given twice", fn,
                                spec->name);
        ps->slot[k] = c;
    }
    return RV_OK;
}

/* Gids and population indices of an optional index list. */
static rv_status list_of(rv_sim *sim, const char *fn, const rv__pop *p, const int64_t *idx,
                         int64_t n_idx, int64_t **index_out, int64_t **gid_out, int64_t *n_out)
{
    int64_t n;
    rv_status st = rv__check_indices(sim, fn, p, idx, n_idx, &n);
    if (st)
        return st;
    int64_t *index = rv__calloc((size_t)n + 1, sizeof *index);
    int64_t *gid = rv__calloc((size_t)n + 1, sizeof *gid);
    if (!index || !gid) {
        rv__free(index);
        rv__free(gid);
        return rv__fail(sim, RV_ERR_NOMEM, "%s: out of memory", fn);
    }
    for (int64_t k = 0; k < n; k++) {
        index[k] = idx ? idx[k] : k;
        gid[k] = p->first_gid + index[k];
    }
    *index_out = index;
    *gid_out = gid;
    *n_out = n;
    return RV_OK;
}

/* Puts back a pending column that held a single value before a failed
 * call expanded it into an array (an array stays: its first entries are
 * unchanged). */
static void restore_column(rv__dcol *c, rv__dcol before)
{
    if (!before.v) {
        rv__free(c->v);
        *c = before;
    }
}

rv_status rv_proj_connect_rule(rv_sim *sim, int32_t proj, const rv_rule *rule,
                               const int64_t *pre_idx, int64_t n_pre, const int64_t *post_idx,
                               int64_t n_post, const rv_param_spec *specs, int n_specs)
{
    static const char fn[] = "rv_proj_connect_rule";
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    rv__proj *p;
    rv_status st = rv__get_proj(sim, fn, proj, &p);
    if (st || (st = check_rule(sim, fn, rule)))
        return st;
    if (n_specs < 0)
        return rv__fail(sim, RV_ERR_SIZE, "%s: n_specs = %d is negative", fn, n_specs);
    if (n_specs > 0 && !specs)
        return rv__fail(sim, RV_ERR_NULL, "%s: specs is NULL but n_specs = %d", fn, n_specs);
    if (n_specs > RV__MAX_SYN_PARAMS + 2)
        return rv__fail(sim, RV_ERR_VALUE, "%s: n_specs = %d is more than the parameters of "
                        "any synapse model", fn, n_specs);
    proj_sink ps = {.proj = p, .specs = specs, .n_specs = n_specs};
    if ((st = rv__proj_can_grow(sim, fn, p)) || (st = resolve_specs(sim, fn, &ps)))
        return st;
    int64_t *pre_index = NULL, *pre_gid = NULL, *post_index = NULL, *post_gid = NULL;
    rule_run r = {.sim = sim, .fn = fn, .rule = rule, .sink = store_batch, .sink_ctx = &ps};
    r.sub = rule->stream;
    if (!(st = list_of(sim, fn, sim->pops[p->pre], pre_idx, n_pre, &pre_index, &pre_gid, &r.n_pre))
        && !(st = list_of(sim, fn, sim->pops[p->post], post_idx, n_post, &post_index, &post_gid,
                          &r.n_post))) {
        ps.pre_idx = pre_index;
        ps.post_idx = post_index;
        int64_t n_before = p->n_pend;
        uint16_t lo = p->min_delay, hi = p->max_delay;
        /* pending columns this call may turn from one value into arrays */
        rv__dcol w_before = p->pend_weight, d_before = p->pend_delay;
        rv__dcol e_before[RV__MAX_SYN_PARAMS];
        for (int k = 0; k < p->syn->n_params; k++)
            e_before[k] = p->pend_extra[k];
        st = run_rule(&r, pre_gid, post_gid);
        if (st) {  /* undo: drop what this call appended */
            p->n_pend = n_before;
            p->min_delay = lo;
            p->max_delay = hi;
            restore_column(&p->pend_weight, w_before);
            restore_column(&p->pend_delay, d_before);
            for (int k = 0; k < p->syn->n_params; k++)
                restore_column(&p->pend_extra[k], e_before[k]);
        }
    }
    rv__free(pre_index);
    rv__free(pre_gid);
    rv__free(post_index);
    rv__free(post_gid);
    run_free(&r);
    rv__free(ps.pre);
    rv__free(ps.post);
    for (int c = 0; c < RV__MAX_SYN_PARAMS + 2; c++)
        rv__free(ps.vals[c]);
    return st;
}

/* ---- returning the connections instead ------------------------------------ */

static rv_status collect_batch(rule_run *r, int64_t key_gid, const int64_t *pre_pos,
                               const int64_t *post_pos, int64_t n)
{
    (void)key_gid;
    rv_sim *sim = r->sim;
    int64_t *count = r->sink_ctx;
    int64_t need = *count + n;
    if (need > sim->gen_cap) {
        int64_t cap_a = sim->gen_cap, cap_b = sim->gen_cap;
        if (rv__reserve((void **)&sim->gen_pre, &cap_a, need, sizeof(int64_t))
            || rv__reserve((void **)&sim->gen_post, &cap_b, need, sizeof(int64_t)))
            return rv__fail(sim, RV_ERR_NOMEM, "%s: out of memory", r->fn);
        sim->gen_cap = cap_a < cap_b ? cap_a : cap_b;
    }
    memcpy(sim->gen_pre + *count, pre_pos, (size_t)n * sizeof(int64_t));
    memcpy(sim->gen_post + *count, post_pos, (size_t)n * sizeof(int64_t));
    *count = need;
    return RV_OK;
}

rv_status rv_rule_generate(rv_sim *sim, const rv_rule *rule, const int64_t *pre_gids,
                           int64_t n_pre, const int64_t *post_gids, int64_t n_post,
                           int64_t *n_out, const int64_t **pre_pos, const int64_t **post_pos)
{
    static const char fn[] = "rv_rule_generate";
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    rv_status st = check_rule(sim, fn, rule);
    if (st)
        return st;
    if (!pre_gids || !post_gids || !n_out || !pre_pos || !post_pos)
        return rv__fail(sim, RV_ERR_NULL, "%s: a list or output pointer is NULL", fn);
    if (n_pre < 0 || n_post < 0)
        return rv__fail(sim, RV_ERR_SIZE, "%s: list sizes must be >= 0", fn);
    for (int64_t k = 0; k < n_pre + n_post; k++) {
        int64_t g = k < n_pre ? pre_gids[k] : post_gids[k - n_pre];
        if (g < 0 || g >= sim->n_neurons)
            return rv__fail(sim, RV_ERR_INDEX, "%s: gid %lld is not a neuron of this simulation",
                            fn, (long long)g);
    }
    int64_t count = 0;
    rule_run r = {.sim = sim, .fn = fn, .rule = rule, .sink = collect_batch, .sink_ctx = &count,
                  .n_pre = n_pre, .n_post = n_post};
    r.sub = rule->stream;
    st = run_rule(&r, pre_gids, post_gids);
    run_free(&r);
    if (st)
        return st;
    *n_out = count;
    *pre_pos = sim->gen_pre;
    *post_pos = sim->gen_post;
    return RV_OK;
}

rv_status rv_random_fill(rv_sim *sim, const rv_param_spec *dist, uint64_t stream, uint64_t key,
                         int64_t n, double *out)
{
    static const char fn[] = "rv_random_fill";
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    if (!dist || (n > 0 && !out))
        return rv__fail(sim, RV_ERR_NULL, "%s: %s is NULL", fn, !dist ? "dist" : "out");
    if (n < 0)
        return rv__fail(sim, RV_ERR_SIZE, "%s: n = %lld is negative", fn, (long long)n);
    if (dist->kind == RV_DIST_MATRIX)
        return rv__fail(sim, RV_ERR_VALUE, "%s: a matrix is not a distribution", fn);
    char msg[256];
    if (rv__dist_check(dist, msg, sizeof msg))
        return rv__fail(sim, RV_ERR_VALUE, "%s: %s", fn, msg);
    rv__stream s;
    rv__stream_init(&s, sim->seed, RV__RNG_USER, stream, key);
    for (int64_t k = 0; k < n; k++)
        out[k] = rv__dist_draw(dist, &s);
    return RV_OK;
}
