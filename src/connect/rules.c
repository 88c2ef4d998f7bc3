/*
 * Connection rules, run natively: all-to-all, one-to-one, fixed
 * probability, fixed number of sources per target ("pre"), fixed number of
 * targets per source ("post") and fixed total number, each with or without
 * self-connections and (for the fixed-number rules) with or without
 * replacement.
 *
 * Randomness: every column (target) or row (source) draws from its own
 * stream keyed by (seed, rule stream, gid), so the connections do not depend
 * on how targets are distributed: each shard makes the columns of its own
 * targets (connect_rule.c).  Fixed total number first splits the total over
 * the targets from one stream (multinomial with replacement, multivariate
 * hypergeometric without), then draws each target's sources from its own
 * stream.  Parameter values drawn from distributions use another stream per
 * column or row, in connection order.
 *
 * Semantics follow PyNN's connectors: with replacement any source may be
 * drawn several times (multapses); without replacement, when n exceeds
 * the number of candidates every candidate is taken n / candidates times
 * and the remainder is drawn without repetition.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connect/rule.h"

rv_status rv__rule_fail(rule_run *r, rv_status status, const char *fmt, ...)
{
    if (r->status == RV_OK) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->msg, sizeof r->msg, fmt, ap);
        va_end(ap);
        r->status = status;
    }
    return status;
}

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

/* Whether this run makes column j. */
static int mine(const rule_run *r, int64_t j)
{
    return !r->col_shard || r->col_shard[j] == r->shard;
}

static rv_status all_to_all(rule_run *r)
{
    rv_status st = RV_OK;
    for (int64_t j = 0; j < r->n_post && !st; j++) {
        if (!mine(r, j))
            continue;
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
        return rv__rule_fail(r, RV_ERR_SIZE,
                        "%s: one-to-one needs lists of equal size (%lld pre, %lld post)", r->fn,
                        (long long)r->n_pre, (long long)r->n_post);
    rv_status st = RV_OK;
    for (int64_t j = 0; j < r->n_post && !st; j++) {
        if (!mine(r, j))
            continue;
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
        if (!mine(r, j))
            continue;
        int64_t skip = self_pre(r, j), n = 0;
        if (p >= 1.0) {
            for (int64_t i = 0; i < r->n_pre; i++)
                if (i != skip)
                    r->buf_pre[n++] = i;
        } else if (p > 0.0) {
            rv__stream s;
            rv__stream_init(&s, r->seed, RV__RNG_CONNECT, r->sub, (uint64_t)r->post_gid[j]);
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
        return rv__rule_fail(r, RV_ERR_VALUE, "%s: no %s to choose %lld from", r->fn, what,
                        (long long)r->rule->n);
    return RV_OK;
}

static rv_status fixed_number_pre(rule_run *r)
{
    int64_t n = r->rule->n;
    if (reserve_buf(r, n + 1))
        return rv__rule_fail(r, RV_ERR_NOMEM, "%s: out of memory", r->fn);
    rv_status st = RV_OK;
    for (int64_t j = 0; j < r->n_post && !st; j++) {
        if (!mine(r, j))
            continue;
        int64_t skip = self_pre(r, j);
        if ((st = check_candidates(r, r->n_pre - (skip >= 0), "sources")))
            return st;
        rv__stream s;
        rv__stream_init(&s, r->seed, RV__RNG_CONNECT, r->sub, (uint64_t)r->post_gid[j]);
        draw_positions(r, &s, r->n_pre, skip, n, r->buf_pre);
        st = emit_column(r, j, n);
    }
    return st;
}

static rv_status fixed_number_post(rule_run *r)
{
    int64_t n = r->rule->n;
    if (reserve_buf(r, n + 1))
        return rv__rule_fail(r, RV_ERR_NOMEM, "%s: out of memory", r->fn);
    rv_status st = RV_OK;
    for (int64_t i = 0; i < r->n_pre && !st; i++) {
        int64_t skip = r->self_of_pre ? r->self_of_pre[i] : -1;
        if ((st = check_candidates(r, r->n_post - (skip >= 0), "targets")))
            return st;
        rv__stream s;
        rv__stream_init(&s, r->seed, RV__RNG_CONNECT, r->sub, (uint64_t)r->pre_gid[i]);
        draw_positions(r, &s, r->n_post, skip, n, r->buf_post);
        for (int64_t k = 0; k < n; k++)
            r->buf_pre[k] = i;
        st = r->sink(r, r->pre_gid[i], r->buf_pre, r->buf_post, n);
    }
    return st;
}

static rv_status fixed_total_number(rule_run *r)
{
    const int64_t *count = r->total_count;
    int64_t biggest = 0;
    for (int64_t j = 0; j < r->n_post; j++)
        biggest = mine(r, j) && count[j] > biggest ? count[j] : biggest;
    if (reserve_buf(r, biggest + 1))
        return rv__rule_fail(r, RV_ERR_NOMEM, "%s: out of memory", r->fn);
    rv_status st = RV_OK;
    for (int64_t j = 0; j < r->n_post && !st; j++) {
        if (count[j] == 0 || !mine(r, j))
            continue;
        rv__stream s;
        rv__stream_init(&s, r->seed, RV__RNG_CONNECT, r->sub, (uint64_t)r->post_gid[j]);
        draw_positions(r, &s, r->n_pre, self_pre(r, j), count[j], r->buf_pre);
        st = emit_column(r, j, count[j]);
    }
    return st;
}

/* The split of fixed total number over the columns, from one stream:
 * multinomial with replacement, multivariate hypergeometric without. */
static rv_status split_total(rule_run *r, int64_t *count)
{
    int64_t n = r->rule->n;
    int64_t cap_total = 0;
    for (int64_t j = 0; j < r->n_post; j++)
        cap_total += r->n_pre - (self_pre(r, j) >= 0);
    if (cap_total == 0 && n > 0)
        return rv__rule_fail(r, RV_ERR_VALUE, "%s: no candidate connections for %lld", r->fn,
                             (long long)n);
    if (!r->rule->with_replacement && n > cap_total)
        return rv__rule_fail(r, RV_ERR_VALUE,
                             "%s: %lld connections without replacement exceed the %lld possible "
                             "pairs", r->fn, (long long)n, (long long)cap_total);
    rv__stream split;
    rv__stream_init(&split, r->seed, RV__RNG_TOTAL, r->sub, 0);
    int64_t left = n, cap_left = cap_total;
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
    }
    return RV_OK;
}

/* ---- driver -------------------------------------------------------------- */

/* Largest connection count a rule accepts: counts are split with double
 * arithmetic, exact up to 2^53 (and n + 1 must not overflow). */
#define MAX_RULE_N ((int64_t)1 << 53)

rv_status rv__rule_check(rv_sim *sim, const char *fn, const rv_rule *rule)
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

/* Most connections one application of a rule may make: what one projection
 * holds.  Checked from the list sizes before anything is allocated, so that
 * an absurd request is a clear RV_ERR_LIMIT instead of an attempt to
 * allocate terabytes. */
#define MAX_RULE_CONNECTIONS ((double)UINT32_MAX)

rv_status rv__rule_check_count(rv_sim *sim, const char *fn, const rv_rule *rule, int64_t n_pre,
                               int64_t n_post)
{
    double made;   /* exact or an upper bound; in double so that it cannot overflow */
    switch (rule->kind) {
    case RV_RULE_ALL_TO_ALL:
        made = (double)n_pre * (double)n_post;
        break;
    /* n itself too: a column of n is drawn even where the list is empty */
    case RV_RULE_FIXED_NUMBER_PRE:
        made = fmax((double)rule->n, (double)rule->n * (double)n_post);
        break;
    case RV_RULE_FIXED_NUMBER_POST:
        made = fmax((double)rule->n, (double)rule->n * (double)n_pre);
        break;
    case RV_RULE_FIXED_TOTAL_NUMBER:
        made = (double)rule->n;
        break;
    default:   /* one-to-one, fixed probability: checked on the connections made */
        return RV_OK;
    }
    if (made > MAX_RULE_CONNECTIONS)
        return rv__fail(sim, RV_ERR_LIMIT,
                        "%s: the rule would make %.4g connections (%lld sources, %lld targets, "
                        "n = %lld); at most %.0f are supported in one call", fn, made,
                        (long long)n_pre, (long long)n_post, (long long)rule->n,
                        MAX_RULE_CONNECTIONS);
    return RV_OK;
}

int rv__rule_by_target(const rv_rule *rule)
{
    return rule->kind != RV_RULE_FIXED_NUMBER_POST;
}

rv_status rv__rule_shared(rule_run *r)
{
    if (!r->rule->allow_self && r->rule->kind != RV_RULE_ONE_TO_ONE) {
        int64_t *of_post = match_gids(r->post_gid, r->n_post, r->pre_gid, r->n_pre);
        int64_t *of_pre = match_gids(r->pre_gid, r->n_pre, r->post_gid, r->n_post);
        r->self_of_post = of_post;
        r->self_of_pre = of_pre;
        if (!of_post || !of_pre)
            return rv__rule_fail(r, RV_ERR_NOMEM, "%s: out of memory", r->fn);
    }
    if (r->rule->kind == RV_RULE_ONE_TO_ONE && r->n_pre != r->n_post)
        return rv__rule_fail(r, RV_ERR_SIZE,
                             "%s: one-to-one needs lists of equal size (%lld pre, %lld post)",
                             r->fn, (long long)r->n_pre, (long long)r->n_post);
    if (r->rule->kind == RV_RULE_FIXED_TOTAL_NUMBER) {
        int64_t *count = rv__calloc((size_t)r->n_post + 1, sizeof *count);
        r->total_count = count;
        if (!count)
            return rv__rule_fail(r, RV_ERR_NOMEM, "%s: out of memory", r->fn);
        return split_total(r, count);
    }
    return RV_OK;
}

void rv__rule_shared_free(rule_run *r)
{
    rv__free((void *)r->self_of_post);
    rv__free((void *)r->self_of_pre);
    rv__free((void *)r->total_count);
    r->self_of_post = r->self_of_pre = r->total_count = NULL;
}

rv_status rv__rule_apply(rule_run *r)
{
    int64_t widest = r->n_pre > r->n_post ? r->n_pre : r->n_post;
    r->mark = rv__calloc((size_t)widest + 1, 1);
    r->pool = rv__calloc((size_t)widest + 1, sizeof(int64_t));
    rv_status st;
    if (!r->mark || !r->pool || reserve_buf(r, widest + 1)) {
        st = rv__rule_fail(r, RV_ERR_NOMEM, "%s: out of memory", r->fn);
    } else {
        switch (r->rule->kind) {
        case RV_RULE_ALL_TO_ALL:
            st = all_to_all(r);
            break;
        case RV_RULE_ONE_TO_ONE:
            st = one_to_one(r);
            break;
        case RV_RULE_FIXED_PROBABILITY:
            st = fixed_probability(r);
            break;
        case RV_RULE_FIXED_NUMBER_PRE:
            st = fixed_number_pre(r);
            break;
        case RV_RULE_FIXED_NUMBER_POST:
            st = fixed_number_post(r);
            break;
        default:
            st = fixed_total_number(r);
        }
    }
    rv__free(r->buf_pre);
    rv__free(r->buf_post);
    rv__free(r->mark);
    rv__free(r->pool);
    r->buf_pre = r->buf_post = NULL;
    r->mark = NULL;
    r->pool = NULL;
    r->buf_cap = 0;
    return st;
}

/* ---- returning the connections instead ------------------------------------ */

typedef struct collect_ctx {
    rv_sim *sim;
    int64_t count;
} collect_ctx;

static rv_status collect_batch(rule_run *r, int64_t key_gid, const int64_t *pre_pos,
                               const int64_t *post_pos, int64_t n)
{
    (void)key_gid;
    if (n == 0)   /* an empty batch: gen_pre may still be NULL */
        return RV_OK;
    collect_ctx *c = r->sink_ctx;
    rv_sim *sim = c->sim;
    int64_t *count = &c->count;
    int64_t need = *count + n;
    if (need > sim->gen_cap) {
        int64_t cap_a = sim->gen_cap, cap_b = sim->gen_cap;
        if (rv__reserve((void **)&sim->gen_pre, &cap_a, need, sizeof(int64_t))
            || rv__reserve((void **)&sim->gen_post, &cap_b, need, sizeof(int64_t)))
            return rv__rule_fail(r, RV_ERR_NOMEM, "%s: out of memory", r->fn);
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
    rv_status st = rv__rule_check(sim, fn, rule);
    if (st)
        return st;
    if (!pre_gids || !post_gids || !n_out || !pre_pos || !post_pos)
        return rv__fail(sim, RV_ERR_NULL, "%s: a list or output pointer is NULL", fn);
    if (n_pre < 0 || n_post < 0)
        return rv__fail(sim, RV_ERR_SIZE, "%s: list sizes must be >= 0", fn);
    if ((st = rv__rule_check_count(sim, fn, rule, n_pre, n_post)))
        return st;
    for (int64_t k = 0; k < n_pre + n_post; k++) {
        int64_t g = k < n_pre ? pre_gids[k] : post_gids[k - n_pre];
        if (g < 0 || g >= sim->n_neurons)
            return rv__fail(sim, RV_ERR_INDEX, "%s: gid %lld is not a neuron of this simulation",
                            fn, (long long)g);
    }
    collect_ctx c = {sim, 0};
    rule_run r = {.seed = sim->seed, .fn = fn, .rule = rule, .sub = rule->stream,
                  .n_pre = n_pre, .n_post = n_post, .pre_gid = pre_gids, .post_gid = post_gids,
                  .sink = collect_batch, .sink_ctx = &c};
    if (!rv__rule_shared(&r))
        rv__rule_apply(&r);
    rv__rule_shared_free(&r);
    if (r.status)
        return rv__fail(sim, r.status, "%s", r.msg);
    *n_out = c.count;
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
