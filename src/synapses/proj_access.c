/*
 * Projections, the public side: connecting from arrays, and reading and
 * writing connection parameters in canonical order (by pre, then post,
 * then creation), which is each source's rows taken shard by shard.
 */
#include <string.h>

#include "core/sim.h"

static int extra_index(const rv__synmodel *syn, const char *name)
{
    for (int k = 0; k < syn->n_params; k++)
        if (strcmp(syn->params[k].name, name) == 0)
            return k;
    return -1;
}

rv_status rv__proj_values(rv_sim *sim, const char *fn, rv__proj *p, int64_t n,
                          const rv_values *params, int n_params, rv__conn_values *cv)
{
    const rv__pop *post = sim->pops[p->post];
    int ne = p->syn->n_params;
    memset(cv, 0, sizeof *cv);
    static const double zero = 0.0;
    cv->default_delay = 1.0;
    cv->col[0] = &zero;
    cv->col[1] = &cv->default_delay;
    for (int k = 0; k < ne; k++)
        cv->col[2 + k] = &p->syn->params[k].def;
    if (n_params < 0)
        return rv__fail(sim, RV_ERR_SIZE, "%s: n_params = %d is negative", fn, n_params);
    if (n_params > 0 && !params)
        return rv__fail(sim, RV_ERR_NULL, "%s: params is NULL but n_params = %d", fn, n_params);
    const double *delay_ms = NULL;
    int64_t delay_stride = 0;
    for (int j = 0; j < n_params; j++) {
        const rv_values *v = &params[j];
        if (!v->name || !v->data)
            return rv__fail(sim, RV_ERR_NULL, "%s: params[%d] has a NULL %s", fn, j,
                            !v->name ? "name" : "data");
        if (v->n != 1 && v->n != n)
            return rv__fail(sim, RV_ERR_SIZE,
                            "%s: '%s' has %lld values for %lld connections (give 1 or %lld)", fn,
                            v->name, (long long)v->n, (long long)n, (long long)n);
        int64_t stride = v->n == 1 ? 0 : 1, count = v->n == 1 ? 1 : n;
        int slot;
        if (strcmp(v->name, "weight") == 0) {
            slot = 0;
            for (int64_t k = 0; k < count; k++) {
                if (!isfinite(v->data[k]))
                    return rv__fail(sim, RV_ERR_VALUE, "%s: weight[%lld] = %g is not finite", fn,
                                    (long long)k, v->data[k]);
                if (post->model->conductance_based && v->data[k] < 0)
                    return rv__fail(sim, RV_ERR_VALUE,
                                    "%s: weight[%lld] = %g uS is negative; conductance-based "
                                    "receptors of %s take weights >= 0", fn, (long long)k,
                                    v->data[k], post->model->name);
            }
        } else if (strcmp(v->name, "delay") == 0) {
            delay_ms = v->data;
            delay_stride = stride;
            continue;
        } else {
            int e = extra_index(p->syn, v->name);
            if (e < 0)
                return rv__fail(sim, RV_ERR_NAME, "%s: %s has no parameter '%s'", fn,
                                p->syn->name, v->name);
            slot = 2 + e;
            for (int64_t k = 0; k < count; k++)
                if (!isfinite(v->data[k]))
                    return rv__fail(sim, RV_ERR_VALUE, "%s: %s[%lld] = %g is not finite", fn,
                                    v->name, (long long)k, v->data[k]);
        }
        cv->col[slot] = v->data;
        cv->stride[slot] = stride;
    }
    if (delay_ms) {
        int64_t count = delay_stride ? n : 1;
        cv->owned_delay = rv__calloc((size_t)count, sizeof(double));
        if (!cv->owned_delay)
            return rv__fail(sim, RV_ERR_NOMEM, "%s: out of memory", fn);
        for (int64_t k = 0; k < count; k++) {
            double d = delay_ms[k];
            double steps = isfinite(d) ? round(d / sim->dt) : NAN;
            if (!(steps >= 1 && steps <= RV_MAX_DELAY_STEPS)) {
                rv__free(cv->owned_delay);
                cv->owned_delay = NULL;
                return rv__fail(sim, RV_ERR_VALUE,
                                "%s: delay[%lld] = %g ms is invalid; delays must lie in "
                                "[dt, %d dt] = [%g, %g] ms", fn, (long long)k, d,
                                RV_MAX_DELAY_STEPS, sim->dt, RV_MAX_DELAY_STEPS * sim->dt);
            }
            cv->owned_delay[k] = steps;
        }
        cv->col[1] = cv->owned_delay;
        cv->stride[1] = delay_stride;
    }
    return RV_OK;
}

rv_status rv_proj_connect(rv_sim *sim, int32_t proj, int64_t n, const uint32_t *pre,
                          const uint32_t *post, const rv_values *params, int n_params)
{
    static const char fn[] = "rv_proj_connect";
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    rv__proj *p;
    rv_status st = rv__get_proj(sim, fn, proj, &p);
    if (st)
        return st;
    if (n < 0)
        return rv__fail(sim, RV_ERR_SIZE, "%s: n = %lld is negative", fn, (long long)n);
    if (n == 0)
        return RV_OK;
    if (!pre || !post)
        return rv__fail(sim, RV_ERR_NULL, "%s: %s is NULL", fn, !pre ? "pre" : "post");
    if ((st = rv__proj_can_grow(sim, fn, p)))
        return st;
    int64_t n_pre = sim->pops[p->pre]->n, n_post = sim->pops[p->post]->n;
    int sorted = 1;
    for (int64_t k = 0; k < n; k++) {
        if (pre[k] >= n_pre)
            return rv__fail(sim, RV_ERR_INDEX,
                            "%s: pre[%lld] = %u is outside the presynaptic population (size "
                            "%lld)", fn, (long long)k, pre[k], (long long)n_pre);
        if (post[k] >= n_post)
            return rv__fail(sim, RV_ERR_INDEX,
                            "%s: post[%lld] = %u is outside the postsynaptic population (size "
                            "%lld)", fn, (long long)k, post[k], (long long)n_post);
        sorted &= k == 0 || post[k - 1] <= post[k];
    }
    rv__conn_values cv;
    if ((st = rv__proj_values(sim, fn, p, n, params, n_params, &cv)))
        return st;
    rv__batch b = {.n = n, .pre = pre, .post = post, .post_sorted = sorted};
    memcpy(b.col, cv.col, sizeof b.col);
    memcpy(b.stride, cv.stride, sizeof b.stride);
    st = rv__proj_append(sim, p, &b);
    rv__free(cv.owned_delay);
    return st;
}

/* ---- canonical order ------------------------------------------------------------ */

/* Calls fn for every piece of the rows in canonical order: source `pre`'s
 * synapses [begin, end) in shard s's rows, which are canonical positions
 * k0 .. k0 + end - begin. */
typedef void (*piece_fn)(const rv__proj *p, int s, uint32_t pre, int64_t begin, int64_t end,
                         int64_t k0, void *ctx);

static rv_status each_piece(rv_sim *sim, const rv__proj *p, piece_fn fn, void *ctx)
{
    int S = p->n_shards;
    int64_t *cur = rv__calloc((size_t)S, sizeof *cur);
    if (!cur)
        return rv__fail(sim, RV_ERR_NOMEM, "out of memory reading projection %d",
                        (int)p->handle);
    int64_t k = 0;
    for (;;) {
        uint32_t next = UINT32_MAX;
        int any = 0;
        for (int s = 0; s < S; s++)
            if (cur[s] < p->rows[s].n_src && (!any || p->rows[s].src[cur[s]] < next)) {
                next = p->rows[s].src[cur[s]];
                any = 1;
            }
        if (!any)
            break;
        for (int s = 0; s < S; s++) {
            const rv__rows *r = &p->rows[s];
            if (cur[s] < r->n_src && r->src[cur[s]] == next) {
                int64_t a = r->off[cur[s]], b = r->off[cur[s] + 1];
                fn(p, s, next, a, b, k, ctx);
                k += b - a;
                cur[s]++;
            }
        }
    }
    rv__free(cur);
    return RV_OK;
}

rv_status rv_proj_size(rv_sim *sim, int32_t proj, int64_t *n_out)
{
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    rv__proj *p;
    rv_status st = rv__get_proj(sim, "rv_proj_size", proj, &p);
    if (st)
        return st;
    if (!n_out)
        return rv__fail(sim, RV_ERR_NULL, "rv_proj_size: n_out is NULL");
    /* under MPI the tail also holds connections onto other processes'
       neurons, which compaction drops */
    if (sim->n_procs > 1 && (st = rv__proj_compact(sim, p)))
        return st;
    *n_out = p->n_rows + p->pend.n;
    return RV_OK;
}

static rv_status open_compacted(rv_sim *sim, const char *fn, int32_t proj, rv__proj **out)
{
    rv_status st = rv__get_proj(sim, fn, proj, out);
    if (st)
        return st;
    return rv__proj_compact(sim, *out);
}

typedef struct pairs_ctx {
    const rv_sim *sim;
    uint32_t *pre, *post;
} pairs_ctx;

static void put_pairs(const rv__proj *p, int s, uint32_t pre, int64_t begin, int64_t end,
                      int64_t k0, void *ctx)
{
    pairs_ctx *c = ctx;
    const rv__rows *r = &p->rows[s];
    int64_t lo = c->sim->pops[p->post]->blocks[s].lo;
    for (int64_t j = begin; j < end; j++) {
        c->pre[k0 + j - begin] = pre;
        c->post[k0 + j - begin] = (uint32_t)(lo + r->target[j]);
    }
}

rv_status rv_proj_get_pairs(rv_sim *sim, int32_t proj, uint32_t *pre, uint32_t *post)
{
    static const char fn[] = "rv_proj_get_pairs";
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    rv__proj *p;
    rv_status st = open_compacted(sim, fn, proj, &p);
    if (st)
        return st;
    if (!pre || !post)
        return rv__fail(sim, RV_ERR_NULL, "%s: %s is NULL", fn, !pre ? "pre" : "post");
    pairs_ctx c = {sim, pre, post};
    return each_piece(sim, p, put_pairs, &c);
}

/* Reading one column: weight, delay, an extra parameter or a state array. */
typedef struct column_ctx {
    const char *name;
    int extra;              /* >= 0: an extra parameter */
    double dt;
    double *out;
} column_ctx;

static void get_column(const rv__proj *p, int s, uint32_t pre, int64_t begin, int64_t end,
                       int64_t k0, void *ctx)
{
    (void)pre;
    column_ctx *c = ctx;
    const rv__rows *r = &p->rows[s];
    double *out = c->out + k0 - begin;
    const double *state = rv__rows_state_of(p, r, c->name);
    if (state) {  /* a learned weight or a synaptic variable: its current value */
        for (int64_t j = begin; j < end; j++)
            out[j] = state[j];
    } else if (c->extra >= 0) {
        for (int64_t j = begin; j < end; j++)
            out[j] = rv__col(&r->extra[c->extra], j);
    } else if (strcmp(c->name, "weight") == 0) {
        for (int64_t j = begin; j < end; j++)
            out[j] = rv__col(&r->weight, j);
    } else {
        for (int64_t j = begin; j < end; j++)
            out[j] = (double)rv__delay_of(r, j) * c->dt;
    }
}

rv_status rv_proj_get(rv_sim *sim, int32_t proj, const char *name, double *out)
{
    static const char fn[] = "rv_proj_get";
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    rv__proj *p;
    rv_status st = open_compacted(sim, fn, proj, &p);
    if (st)
        return st;
    if (!name || !out)
        return rv__fail(sim, RV_ERR_NULL, "%s: %s is NULL", fn, !name ? "name" : "out");
    column_ctx c = {name, -1, sim->dt, out};
    if (strcmp(name, "weight") != 0 && strcmp(name, "delay") != 0) {
        c.extra = extra_index(p->syn, name);
        if (c.extra < 0)
            return rv__fail(sim, RV_ERR_NAME, "%s: %s has no parameter '%s'", fn, p->syn->name,
                            name);
    }
    return each_piece(sim, p, get_column, &c);
}

/* Writing: the canonical values are first gathered into each shard's rows
 * order, then written rows by rows. */
typedef struct gather_ctx {
    const double *values;
    int64_t n_values;
    double **by_shard;
} gather_ctx;

static void gather_values(const rv__proj *p, int s, uint32_t pre, int64_t begin, int64_t end,
                          int64_t k0, void *ctx)
{
    (void)p;
    (void)pre;
    gather_ctx *c = ctx;
    for (int64_t j = begin; j < end; j++)
        c->by_shard[s][j] = c->values[c->n_values == 1 ? 0 : k0 + j - begin];
}

/* Writes values into a column of n entries, materialising it if needed;
 * NaN leaves an entry unchanged. */
static int dcol_write(rv__dcol *c, int64_t n, const double *values)
{
    if (!c->v) {
        int skip = 0, same = 1;
        for (int64_t k = 0; k < n; k++) {
            if (isnan(values[k]))
                skip = 1;
            else if (values[k] != values[0])
                same = 0;
        }
        if (n == 0)
            return 0;
        if (same && !skip) {
            c->all = values[0];
            return 0;
        }
        c->v = rv__calloc((size_t)n, sizeof(double));
        if (!c->v)
            return -1;
        for (int64_t k = 0; k < n; k++)
            c->v[k] = c->all;
    }
    for (int64_t k = 0; k < n; k++)
        if (!isnan(values[k]))
            c->v[k] = values[k];
    return 0;
}

/* The delays in steps of n entries (checked), NaN unchanged. */
static int delay_write(rv__u16col *c, int64_t n, const double *values, double dt)
{
    if (!c->v) {
        int same = 1, skip = 0;
        for (int64_t k = 0; k < n; k++) {
            if (isnan(values[k]))
                skip = 1;
            else if (round(values[k] / dt) != round(values[0] / dt))
                same = 0;
        }
        if (n == 0)
            return 0;
        if (same && !skip) {
            c->all = (uint16_t)llround(values[0] / dt);
            return 0;
        }
        c->v = rv__calloc((size_t)n, sizeof(uint16_t));
        if (!c->v)
            return -1;
        for (int64_t k = 0; k < n; k++)
            c->v[k] = c->all;
    }
    for (int64_t k = 0; k < n; k++)
        if (!isnan(values[k]))
            c->v[k] = (uint16_t)llround(values[k] / dt);
    return 0;
}

/* Checks the values of a write before anything changes. */
static rv_status check_write(rv_sim *sim, const char *fn, const rv__proj *p, const char *name,
                             const double *values, int64_t n, int *extra)
{
    const rv__pop *post = sim->pops[p->post];
    *extra = -1;
    if (strcmp(name, "delay") == 0) {
        for (int64_t k = 0; k < n; k++) {
            if (isnan(values[k]))
                continue;
            double steps = isfinite(values[k]) ? round(values[k] / sim->dt) : -1;
            if (!(steps >= 1 && steps <= RV_MAX_DELAY_STEPS))
                return rv__fail(sim, RV_ERR_VALUE,
                                "%s: delay[%lld] = %g ms is invalid; delays must lie in "
                                "[dt, %d dt]", fn, (long long)k, values[k], RV_MAX_DELAY_STEPS);
        }
        return RV_OK;
    }
    if (strcmp(name, "weight") == 0) {
        for (int64_t k = 0; k < n; k++) {
            if (isnan(values[k]))
                continue;
            if (!isfinite(values[k]) || (post->model->conductance_based && values[k] < 0))
                return rv__fail(sim, RV_ERR_VALUE,
                                "%s: weight[%lld] = %g is invalid%s", fn, (long long)k, values[k],
                                post->model->conductance_based
                                    ? " (conductance weights must be finite and >= 0)"
                                    : " (weights must be finite)");
        }
        return RV_OK;
    }
    *extra = extra_index(p->syn, name);
    if (*extra < 0)
        return rv__fail(sim, RV_ERR_NAME, "%s: %s has no parameter '%s'", fn, p->syn->name,
                        name);
    for (int64_t k = 0; k < n; k++)
        if (!isnan(values[k]) && !isfinite(values[k]))
            return rv__fail(sim, RV_ERR_VALUE, "%s: %s[%lld] = %g is not finite", fn, name,
                            (long long)k, values[k]);
    return RV_OK;
}

rv_status rv_proj_set(rv_sim *sim, int32_t proj, const char *name, const double *values,
                      int64_t n)
{
    static const char fn[] = "rv_proj_set";
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    rv__proj *p;
    rv_status st = open_compacted(sim, fn, proj, &p);
    if (st)
        return st;
    if (!name || !values)
        return rv__fail(sim, RV_ERR_NULL, "%s: %s is NULL", fn, !name ? "name" : "values");
    int64_t size = p->n_rows;
    if (n != 1 && n != size)
        return rv__fail(sim, RV_ERR_SIZE,
                        "%s: %lld values for a projection of %lld connections (give 1 or %lld)",
                        fn, (long long)n, (long long)size, (long long)size);
    int extra;
    if ((st = check_write(sim, fn, p, name, values, n, &extra)))
        return st;
    int S = p->n_shards, is_delay = strcmp(name, "delay") == 0;
    /* every shard's values and every column it would materialise, before
       anything is written */
    double **by_shard = rv__calloc((size_t)S, sizeof *by_shard);
    int failed = !by_shard;
    for (int s = 0; !failed && s < S; s++)
        failed = !(by_shard[s] = rv__calloc((size_t)p->rows[s].n + 1, sizeof(double)));
    gather_ctx g = {values, n, by_shard};
    if (!failed && (st = each_piece(sim, p, gather_values, &g)))
        failed = 1;
    rv__dcol *saved = rv__calloc((size_t)S, sizeof *saved);
    rv__u16col *saved_d = rv__calloc((size_t)S, sizeof *saved_d);
    failed |= !saved || !saved_d;
    for (int s = 0; !failed && s < S; s++) {
        rv__rows *r = &p->rows[s];
        if (is_delay) {
            saved_d[s] = r->delay;
            failed = delay_write(&r->delay, r->n, by_shard[s], sim->dt);
        } else {
            rv__dcol *col = extra >= 0 ? &r->extra[extra] : &r->weight;
            saved[s] = *col;
            failed = dcol_write(col, r->n, by_shard[s]);
        }
        if (failed) {   /* undo the columns materialised so far */
            for (int q = 0; q <= s; q++) {
                rv__rows *rq = &p->rows[q];
                if (is_delay && !saved_d[q].v && rq->delay.v) {
                    rv__free(rq->delay.v);
                    rq->delay = saved_d[q];
                }
                rv__dcol *col = extra >= 0 ? &rq->extra[extra] : &rq->weight;
                if (!is_delay && !saved[q].v && col->v) {
                    rv__free(col->v);
                    *col = saved[q];
                }
            }
        }
    }
    if (!failed && !is_delay) {
        /* a learned weight or a synaptic variable also takes the value now;
           the column keeps it for reset */
        for (int s = 0; s < S; s++) {
            double *state = rv__rows_state_of(p, &p->rows[s], name);
            for (int64_t j = 0; state && j < p->rows[s].n; j++)
                if (!isnan(by_shard[s][j]))
                    state[j] = by_shard[s][j];
        }
    }
    for (int s = 0; by_shard && s < S; s++)
        rv__free(by_shard[s]);
    rv__free(by_shard);
    rv__free(saved);
    rv__free(saved_d);
    if (failed)
        return st ? st : rv__fail(sim, RV_ERR_NOMEM, "%s: out of memory", fn);
    if (is_delay) {
        uint16_t lo = UINT16_MAX, hi = 0;
        for (int s = 0; s < S; s++)
            for (int64_t j = 0; j < p->rows[s].n; j++) {
                uint16_t d = (uint16_t)rv__delay_of(&p->rows[s], j);
                lo = d < lo ? d : lo;
                hi = d > hi ? d : hi;
            }
        p->min_delay = size ? lo : UINT16_MAX;
        p->max_delay = size ? hi : 0;
        sim->prepared = 0;
    } else if (p->syn->transmit && extra >= 0) {
        /* The parameters of a dynamic synapse model are checked, and those
           that shape a post-synaptic trace (STDP's tau_minus) registered,
           when a run prepares. */
        sim->prepared = 0;
    }
    return RV_OK;
}

rv_status rv_proj_memory(rv_sim *sim, int32_t proj, int64_t *bytes_out)
{
    static const char fn[] = "rv_proj_memory";
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    rv__proj *p;
    rv_status st = rv__get_proj(sim, fn, proj, &p);
    if (st)
        return st;
    if (!bytes_out)
        return rv__fail(sim, RV_ERR_NULL, "%s: bytes_out is NULL", fn);
    int64_t b = 0;
    for (int s = 0; s < p->n_shards; s++)
        b += rv__rows_memory(&p->rows[s], p->syn, p->n_state);
    const rv__pending *q = &p->pend;
    int64_t nq = q->cap;
    b += nq * 8 + (q->weight.v ? nq * 8 : 0) + (q->delay.v ? nq * 2 : 0);
    for (int k = 0; k < p->syn->n_params; k++)
        b += q->extra[k].v ? nq * 8 : 0;
    *bytes_out = b;
    return RV_OK;
}
