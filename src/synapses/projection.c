/*
 * Projections: creation, appending connections, compaction into rows,
 * reading and writing connection parameters.
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

void rv__proj_free(rv__proj *p)
{
    if (!p)
        return;
    int ne = p->syn->n_params;
    rv__free(p->row);
    rv__free(p->cut);
    rv__free(p->target);
    rv__free(p->weight.v);
    rv__free(p->delay.v);
    rv__free(p->pend_pre);
    rv__free(p->pend_post);
    rv__free(p->pend_weight.v);
    rv__free(p->pend_delay.v);
    for (int k = 0; k < ne; k++) {
        if (p->extra)
            rv__free(p->extra[k].v);
        if (p->pend_extra)
            rv__free(p->pend_extra[k].v);
    }
    rv__free(p->extra);
    rv__free(p->pend_extra);
    for (int k = 0; p->state && k < p->n_state; k++)
        rv__free(p->state[k]);
    rv__free(p->state);
    rv__free(p);
}

/* ---- state of dynamic synapses ------------------------------------------------- */

rv_status rv__proj_prepare_state(rv_sim *sim, rv__proj *p)
{
    const rv__synmodel *syn = p->syn;
    int n_state = rv__state_internal(p) + syn->n_internal;
    if (p->state || n_state == 0)
        return RV_OK;
    double **state = rv__calloc((size_t)n_state, sizeof *state);
    if (!state)
        return rv__fail(sim, RV_ERR_NOMEM, "rv_sim_run_until: out of memory");
    for (int k = 0; k < n_state; k++)
        if (!(state[k] = rv__calloc((size_t)p->n_compact + 1, sizeof(double)))) {
            for (int j = 0; j < k; j++)
                rv__free(state[j]);
            rv__free(state);
            return rv__fail(sim, RV_ERR_NOMEM,
                            "rv_sim_run_until: out of memory for the state of %lld synapses",
                            (long long)p->n_compact);
        }
    p->state = state;
    p->n_state = n_state;
    rv__proj_reset_state(p);
    return RV_OK;
}

/* Fills a state array from a column. */
static void load_column(double *dst, const rv__dcol *c, int64_t n)
{
    for (int64_t k = 0; k < n; k++)
        dst[k] = c->v ? c->v[k] : c->all;
}

void rv__proj_reset_state(rv__proj *p)
{
    if (!p->state)
        return;
    const rv__synmodel *syn = p->syn;
    int64_t n = p->n_compact;
    if (syn->plastic_weight)
        load_column(p->state[0], &p->weight, n);
    for (int k = 0; k < syn->n_vars; k++)
        load_column(p->state[rv__state_vars(p) + k],
                    &p->extra[syn->n_params - syn->n_vars + k], n);
    for (int k = 0; k < syn->n_internal; k++) {
        double *x = p->state[rv__state_internal(p) + k];
        for (int64_t j = 0; j < n; j++)
            x[j] = syn->internal[k].def;
    }
}

double *rv__proj_state_of(const rv__proj *p, const char *name)
{
    if (!p->state)
        return NULL;
    const rv__synmodel *syn = p->syn;
    if (syn->plastic_weight && strcmp(name, "weight") == 0)
        return p->state[0];
    for (int k = 0; k < syn->n_vars; k++)
        if (strcmp(name, syn->params[syn->n_params - syn->n_vars + k].name) == 0)
            return p->state[rv__state_vars(p) + k];
    return NULL;
}

rv_status rv_proj_create(rv_sim *sim, int32_t pre, int32_t post, const char *receptor,
                         const char *synapse_model, int32_t *proj_out)
{
    static const char fn[] = "rv_proj_create";
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    rv__pop *pp, *qp;
    rv_status st;
    if ((st = rv__get_pop(sim, fn, pre, &pp)) || (st = rv__get_pop(sim, fn, post, &qp)))
        return st;
    if (!receptor || !synapse_model || !proj_out)
        return rv__fail(sim, RV_ERR_NULL, "%s: %s is NULL", fn,
                        !receptor ? "receptor" : !synapse_model ? "synapse_model" : "proj_out");
    int r = rv__receptor_index(qp->model, receptor);
    if (r < 0)
        return rv__fail(sim, RV_ERR_NAME, "%s: %s has no receptor '%s'%s", fn, qp->model->name,
                        receptor, qp->model->n_receptors ? "" : " (it takes no input)");
    const rv__synmodel *syn = rv__find_synmodel(synapse_model);
    if (!syn)
        return rv__fail(sim, RV_ERR_NAME, "%s: unknown synapse model '%s'", fn, synapse_model);
    if (rv__reserve((void **)&sim->projs, &sim->cap_projs, sim->n_projs + 1,
                    sizeof *sim->projs)
        || rv__reserve((void **)&pp->out_proj, &pp->cap_out, pp->n_out + 1, sizeof *pp->out_proj))
        return rv__fail(sim, RV_ERR_NOMEM, "%s: out of memory", fn);
    rv__proj *p = rv__calloc(1, sizeof *p);
    int ne = syn->n_params;
    if (p) {
        p->syn = syn;
        p->extra = rv__calloc((size_t)(ne ? ne : 1), sizeof *p->extra);
        p->pend_extra = rv__calloc((size_t)(ne ? ne : 1), sizeof *p->pend_extra);
    }
    if (!p || !p->extra || !p->pend_extra) {
        rv__proj_free(p);
        return rv__fail(sim, RV_ERR_NOMEM, "%s: out of memory", fn);
    }
    p->handle = sim->n_projs;
    p->pre = pre;
    p->post = post;
    p->receptor = r;
    p->delay.all = 1;
    p->pend_delay.all = 1;
    p->min_delay = UINT16_MAX;
    for (int k = 0; k < ne; k++)
        p->extra[k].all = p->pend_extra[k].all = syn->params[k].def;
    sim->projs[sim->n_projs++] = p;
    pp->out_proj[pp->n_out++] = p->handle;
    *proj_out = p->handle;
    return RV_OK;
}

/* ---- pending columns ---------------------------------------------------- */

/* Gives every pending array room for `need` entries. */
static int pend_reserve(rv__proj *p, int64_t need)
{
    if (need <= p->cap_pend)
        return 0;
    int64_t cap = p->cap_pend > 0 ? p->cap_pend : 64;
    while (cap < need)
        cap *= 2;
    rv__dcol *cols[2] = {&p->pend_weight, &p->pend_delay};
    int nc = 2;
    void *q = rv__realloc_array(p->pend_pre, (size_t)cap, sizeof *p->pend_pre);
    if (!q)
        return -1;
    p->pend_pre = q;
    q = rv__realloc_array(p->pend_post, (size_t)cap, sizeof *p->pend_post);
    if (!q)
        return -1;
    p->pend_post = q;
    for (int k = 0; k < nc; k++)
        if (cols[k]->v) {
            q = rv__realloc_array(cols[k]->v, (size_t)cap, sizeof(double));
            if (!q)
                return -1;
            cols[k]->v = q;
        }
    for (int k = 0; k < p->syn->n_params; k++)
        if (p->pend_extra[k].v) {
            q = rv__realloc_array(p->pend_extra[k].v, (size_t)cap, sizeof(double));
            if (!q)
                return -1;
            p->pend_extra[k].v = q;
        }
    p->cap_pend = cap;
    return 0;
}

static int all_equal(const double *v, int64_t stride, int64_t n, double x)
{
    if (stride == 0)
        return n == 0 || v[0] == x;
    for (int64_t k = 0; k < n; k++)
        if (v[k] != x)
            return 0;
    return 1;
}

/* Appends n values (stride 0: one value) to a pending column holding
 * n_old entries, keeping it a single value while it can. */
static int dcol_append(rv__dcol *c, int64_t n_old, int64_t cap, const double *v, int64_t stride,
                       int64_t n)
{
    if (!c->v) {
        double first = n > 0 ? v[0] : c->all;
        if (n_old == 0 && all_equal(v, stride, n, first)) {
            c->all = first;
            return 0;
        }
        if (all_equal(v, stride, n, c->all))
            return 0;
        c->v = rv__calloc((size_t)cap, sizeof(double));
        if (!c->v)
            return -1;
        for (int64_t k = 0; k < n_old; k++)
            c->v[k] = c->all;
    }
    for (int64_t k = 0; k < n; k++)
        c->v[n_old + k] = v[stride ? k : 0];
    return 0;
}

rv_status rv__proj_append(rv_sim *sim, rv__proj *p, int64_t n, const uint32_t *pre,
                          const uint32_t *post, const double *const *values,
                          const int64_t *strides)
{
    if (n == 0)
        return RV_OK;
    int64_t n_old = p->n_pend;
    if (pend_reserve(p, n_old + n))
        return rv__fail(sim, RV_ERR_NOMEM, "out of memory for %lld connections",
                        (long long)(n_old + n));
    /* Materialising a column is the only other allocation: do those first
       so that a failure leaves the projection as it was. */
    rv__dcol *cols[2] = {&p->pend_weight, &p->pend_delay};
    int ne = p->syn->n_params;
    for (int k = 0; k < 2 + ne; k++) {
        rv__dcol *c = k < 2 ? cols[k] : &p->pend_extra[k - 2];
        rv__dcol saved = *c;
        if (dcol_append(c, n_old, p->cap_pend, values[k], strides[k], n)) {
            *c = saved;
            return rv__fail(sim, RV_ERR_NOMEM, "out of memory for %lld connections",
                            (long long)(n_old + n));
        }
    }
    memcpy(p->pend_pre + n_old, pre, (size_t)n * sizeof *pre);
    memcpy(p->pend_post + n_old, post, (size_t)n * sizeof *post);
    for (int64_t k = 0; k < n; k++) {
        uint16_t d = (uint16_t)values[1][strides[1] ? k : 0];
        if (d < p->min_delay)
            p->min_delay = d;
        if (d > p->max_delay)
            p->max_delay = d;
    }
    p->n_pend += n;
    sim->prepared = 0;
    return RV_OK;
}

/* ---- compaction ----------------------------------------------------------- */

/* Value k of the concatenation (compacted part, then pending tail) of a
 * column. */
static inline double joined(const rv__dcol *old, const rv__dcol *pend, int64_t n_old, int64_t k)
{
    if (k < n_old)
        return old->v ? old->v[k] : old->all;
    return pend->v ? pend->v[k - n_old] : pend->all;
}

/* Stable counting sort of positions `in` by key[in[k]] (values < range):
 * one pass of a radix sort. */
static int counting_sort(const uint32_t *key, const uint32_t *in, uint32_t *out, int64_t n,
                         int64_t range, int64_t **counts_out)
{
    int64_t *count = rv__calloc((size_t)range + 1, sizeof *count);
    if (!count)
        return -1;
    for (int64_t k = 0; k < n; k++)
        count[key[in ? in[k] : (uint32_t)k] + 1]++;
    for (int64_t v = 0; v < range; v++)
        count[v + 1] += count[v];
    int64_t *next = rv__calloc((size_t)range + 1, sizeof *next);
    if (!next) {
        rv__free(count);
        return -1;
    }
    memcpy(next, count, (size_t)(range + 1) * sizeof *next);
    for (int64_t k = 0; k < n; k++) {
        uint32_t at = in ? in[k] : (uint32_t)k;
        out[next[key[at]]++] = at;
    }
    rv__free(next);
    if (counts_out)
        *counts_out = count;
    else
        rv__free(count);
    return 0;
}

/* Merges the pending tail into the rows, in canonical order: by pre, then
 * by post (so that each shard's targets form one run per row), then by
 * creation.  A stable two-pass radix sort over the old rows followed by the
 * tail keeps creation order among equal (pre, post). */
rv_status rv__proj_compact(rv_sim *sim, rv__proj *p)
{
    if (p->n_pend == 0 && p->row)
        return RV_OK;
    int64_t n_pre = sim->pops[p->pre]->n, n_post = sim->pops[p->post]->n;
    int64_t n_old = p->n_compact, total = n_old + p->n_pend;
    int ne = p->syn->n_params;
    if (total > (int64_t)UINT32_MAX)
        return rv__fail(sim, RV_ERR_LIMIT, "projection %d has %lld connections; at most %lld "
                        "are supported in one projection", (int)p->handle, (long long)total,
                        (long long)UINT32_MAX);
    int w_uniform = !p->weight.v && !p->pend_weight.v
                    && (n_old == 0 || p->n_pend == 0 || p->weight.all == p->pend_weight.all);
    int d_uniform = !p->delay.v && !p->pend_delay.v
                    && (n_old == 0 || p->n_pend == 0
                        || p->delay.all == (uint16_t)p->pend_delay.all);
    uint32_t *pre = rv__calloc((size_t)total + 1, sizeof *pre);
    uint32_t *post = rv__calloc((size_t)total + 1, sizeof *post);
    uint32_t *by_post = rv__calloc((size_t)total + 1, sizeof *by_post);
    uint32_t *order = rv__calloc((size_t)total + 1, sizeof *order);
    int64_t *row = NULL;
    uint32_t *target = rv__calloc((size_t)total + 1, sizeof *target);
    double *weight = w_uniform ? NULL : rv__calloc((size_t)total + 1, sizeof *weight);
    uint16_t *delay = d_uniform ? NULL : rv__calloc((size_t)total + 1, sizeof *delay);
    rv__dcol *extra = rv__calloc((size_t)(ne ? ne : 1), sizeof *extra);
    int failed = !pre || !post || !by_post || !order || !target || (!w_uniform && !weight)
                 || (!d_uniform && !delay) || !extra;
    for (int k = 0; k < ne && !failed; k++) {
        int uni = !p->extra[k].v && !p->pend_extra[k].v
                  && (n_old == 0 || p->n_pend == 0 || p->extra[k].all == p->pend_extra[k].all);
        extra[k].all = n_old ? p->extra[k].all : p->pend_extra[k].all;
        if (!uni && !(extra[k].v = rv__calloc((size_t)total + 1, sizeof(double))))
            failed = 1;
    }
    if (!failed) {
        for (int64_t i = 0; i < n_pre && p->row; i++)
            for (int64_t j = p->row[i]; j < p->row[i + 1]; j++)
                pre[j] = (uint32_t)i;
        if (n_old)
            memcpy(post, p->target, (size_t)n_old * sizeof *post);
        if (p->n_pend) {
            memcpy(pre + n_old, p->pend_pre, (size_t)p->n_pend * sizeof *pre);
            memcpy(post + n_old, p->pend_post, (size_t)p->n_pend * sizeof *post);
        }
        failed = counting_sort(post, NULL, by_post, total, n_post, NULL)
                 || counting_sort(pre, by_post, order, total, n_pre, &row);
    }
    rv__free(by_post);
    if (failed) {
        for (int k = 0; k < ne && extra; k++)
            rv__free(extra[k].v);
        rv__free(extra);
        rv__free(pre);
        rv__free(post);
        rv__free(order);
        rv__free(row);
        rv__free(target);
        rv__free(weight);
        rv__free(delay);
        return rv__fail(sim, RV_ERR_NOMEM, "out of memory compacting projection %d (%lld "
                        "connections)", (int)p->handle, (long long)total);
    }
    for (int64_t k = 0; k < total; k++) {
        uint32_t at = order[k];
        target[k] = post[at];
        if (weight)
            weight[k] = joined(&p->weight, &p->pend_weight, n_old, at);
        if (delay && at < n_old)
            delay[k] = p->delay.v ? p->delay.v[at] : p->delay.all;
        else if (delay)
            delay[k] = (uint16_t)(p->pend_delay.v ? p->pend_delay.v[at - n_old] : p->pend_delay.all);
        for (int j = 0; j < ne; j++)
            if (extra[j].v)
                extra[j].v[k] = joined(&p->extra[j], &p->pend_extra[j], n_old, at);
    }
    double w_all = n_old ? p->weight.all : p->pend_weight.all;
    uint16_t d_all = n_old ? p->delay.all : (uint16_t)p->pend_delay.all;
    rv__free(pre);
    rv__free(post);
    rv__free(order);
    /* Swap in the new rows and empty the pending tail. */
    rv__free(p->row);
    rv__free(p->target);
    rv__free(p->weight.v);
    rv__free(p->delay.v);
    for (int k = 0; k < ne; k++) {
        rv__free(p->extra[k].v);
        rv__free(p->pend_extra[k].v);
        p->pend_extra[k].v = NULL;
        p->pend_extra[k].all = p->syn->params[k].def;
    }
    rv__free(p->extra);
    rv__free(p->cut);
    p->cut = NULL;
    p->n_cut = 0;
    p->extra = extra;
    p->row = row;
    p->target = target;
    p->weight.v = weight;
    p->weight.all = w_all;
    p->delay.v = delay;
    p->delay.all = d_all;
    p->n_compact = total;
    rv__free(p->pend_pre);
    rv__free(p->pend_post);
    rv__free(p->pend_weight.v);
    rv__free(p->pend_delay.v);
    p->pend_pre = NULL;
    p->pend_post = NULL;
    p->pend_weight.v = NULL;
    p->pend_delay.v = NULL;
    p->n_pend = p->cap_pend = 0;
    return RV_OK;
}

rv_status rv__proj_shard(rv_sim *sim, rv__proj *p)
{
    int s = sim->n_shards;
    if (s == 1 || (p->cut && p->n_cut == s))
        return RV_OK;
    const rv__pop *post = sim->pops[p->post];
    int64_t n_pre = sim->pops[p->pre]->n;
    int64_t *cut = rv__calloc((size_t)(s - 1) * (size_t)n_pre + 1, sizeof *cut);
    if (!cut)
        return rv__fail(sim, RV_ERR_NOMEM, "rv_sim_run_until: out of memory");
    /* Inner boundary k of row i: the first synapse whose target belongs to
       shard k (rows are sorted by target). */
    for (int64_t i = 0; i < n_pre; i++)
        for (int k = 1; k < s; k++) {
            int64_t lo = p->row ? p->row[i] : 0, hi = p->row ? p->row[i + 1] : 0;
            while (lo < hi) {
                int64_t mid = (lo + hi) / 2;
                if (p->target[mid] < post->shard_lo[k])
                    lo = mid + 1;
                else
                    hi = mid;
            }
            cut[(size_t)(k - 1) * (size_t)n_pre + (size_t)i] = lo;
        }
    rv__free(p->cut);
    p->cut = cut;
    p->n_cut = s;
    return RV_OK;
}

/* ---- public: connect ------------------------------------------------------ */

rv_status rv__proj_can_grow(rv_sim *sim, const char *fn, const rv__proj *p)
{
    if (p->state)
        return rv__fail(sim, RV_ERR_PHASE,
                        "%s: projection %d (%s) has run; a projection with synaptic state takes "
                        "new connections only before its first run", fn, (int)p->handle,
                        p->syn->name);
    return RV_OK;
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
            double steps = isfinite(d) ? (double)llround(d / sim->dt) : NAN;
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
    for (int64_t k = 0; k < n; k++) {
        if (pre[k] >= n_pre)
            return rv__fail(sim, RV_ERR_INDEX,
                            "%s: pre[%lld] = %u is outside the presynaptic population (size "
                            "%lld)", fn, (long long)k, pre[k], (long long)n_pre);
        if (post[k] >= n_post)
            return rv__fail(sim, RV_ERR_INDEX,
                            "%s: post[%lld] = %u is outside the postsynaptic population (size "
                            "%lld)", fn, (long long)k, post[k], (long long)n_post);
    }
    rv__conn_values cv;
    if ((st = rv__proj_values(sim, fn, p, n, params, n_params, &cv)))
        return st;
    st = rv__proj_append(sim, p, n, pre, post, cv.col, cv.stride);
    rv__free(cv.owned_delay);
    return st;
}

/* ---- public: reading and writing ------------------------------------------ */

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
    *n_out = p->n_compact + p->n_pend;
    return RV_OK;
}

static rv_status open_compacted(rv_sim *sim, const char *fn, int32_t proj, rv__proj **out)
{
    rv_status st = rv__get_proj(sim, fn, proj, out);
    if (st)
        return st;
    return rv__proj_compact(sim, *out);
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
    int64_t n_pre = sim->pops[p->pre]->n;
    for (int64_t i = 0; i < n_pre; i++)
        for (int64_t j = p->row[i]; j < p->row[i + 1]; j++)
            pre[j] = (uint32_t)i;
    memcpy(post, p->target, (size_t)p->n_compact * sizeof *post);
    return RV_OK;
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
    int64_t n = p->n_compact;
    const double *state = rv__proj_state_of(p, name);
    if (state) {  /* a learned weight or a synaptic variable: its current value */
        memcpy(out, state, (size_t)n * sizeof *out);
    } else if (strcmp(name, "weight") == 0) {
        for (int64_t k = 0; k < n; k++)
            out[k] = p->weight.v ? p->weight.v[k] : p->weight.all;
    } else if (strcmp(name, "delay") == 0) {
        for (int64_t k = 0; k < n; k++)
            out[k] = (p->delay.v ? p->delay.v[k] : p->delay.all) * sim->dt;
    } else {
        int e = extra_index(p->syn, name);
        if (e < 0)
            return rv__fail(sim, RV_ERR_NAME, "%s: %s has no parameter '%s'", fn, p->syn->name,
                            name);
        for (int64_t k = 0; k < n; k++)
            out[k] = p->extra[e].v ? p->extra[e].v[k] : p->extra[e].all;
    }
    return RV_OK;
}

/* Writes values into a compacted column, materialising it if needed. */
static int dcol_write(rv__dcol *c, int64_t n, const double *values, int64_t n_values)
{
    if (!c->v) {
        int uniform = n_values == 1 && !isnan(values[0]);
        if (uniform || n == 0) {
            if (n_values == 1 && !isnan(values[0]))
                c->all = values[0];
            return 0;
        }
        int skip = 0, same = 1;
        for (int64_t k = 0; k < n; k++) {
            if (isnan(values[k]))
                skip = 1;
            else if (values[k] != values[0])
                same = 0;
        }
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
    for (int64_t k = 0; k < n; k++) {
        double x = values[n_values == 1 ? 0 : k];
        if (!isnan(x))
            c->v[k] = x;
    }
    return 0;
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
    int64_t size = p->n_compact;
    if (n != 1 && n != size)
        return rv__fail(sim, RV_ERR_SIZE,
                        "%s: %lld values for a projection of %lld connections (give 1 or %lld)",
                        fn, (long long)n, (long long)size, (long long)size);
    const rv__pop *post = sim->pops[p->post];
    if (strcmp(name, "delay") == 0) {
        /* Convert and check everything before touching the projection. */
        uint16_t lo = UINT16_MAX, hi = 0;
        for (int64_t k = 0; k < n; k++) {
            if (isnan(values[k]))
                continue;
            double steps = isfinite(values[k]) ? (double)llround(values[k] / sim->dt) : -1;
            if (!(steps >= 1 && steps <= RV_MAX_DELAY_STEPS))
                return rv__fail(sim, RV_ERR_VALUE,
                                "%s: delay[%lld] = %g ms is invalid; delays must lie in "
                                "[dt, %d dt]", fn, (long long)k, values[k], RV_MAX_DELAY_STEPS);
        }
        if (!p->delay.v && !(n == 1)) {
            int same = 1;
            for (int64_t k = 0; k < n; k++)
                if (isnan(values[k]) || llround(values[k] / sim->dt) != llround(values[0] / sim->dt))
                    same = 0;
            if (!same) {
                p->delay.v = rv__calloc((size_t)(size ? size : 1), sizeof *p->delay.v);
                if (!p->delay.v)
                    return rv__fail(sim, RV_ERR_NOMEM, "%s: out of memory", fn);
                for (int64_t k = 0; k < size; k++)
                    p->delay.v[k] = p->delay.all;
            }
        }
        for (int64_t k = 0; k < size; k++) {
            double x = values[n == 1 ? 0 : k];
            if (!isnan(x)) {
                uint16_t d = (uint16_t)llround(x / sim->dt);
                if (p->delay.v)
                    p->delay.v[k] = d;
                else
                    p->delay.all = d;
            }
        }
        for (int64_t k = 0; k < size; k++) {
            uint16_t d = p->delay.v ? p->delay.v[k] : p->delay.all;
            lo = d < lo ? d : lo;
            hi = d > hi ? d : hi;
        }
        p->min_delay = size ? lo : UINT16_MAX;
        p->max_delay = size ? hi : 0;
        sim->prepared = 0;
        return RV_OK;
    }
    rv__dcol *col;
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
        col = &p->weight;
    } else {
        int e = extra_index(p->syn, name);
        if (e < 0)
            return rv__fail(sim, RV_ERR_NAME, "%s: %s has no parameter '%s'", fn, p->syn->name,
                            name);
        for (int64_t k = 0; k < n; k++)
            if (!isnan(values[k]) && !isfinite(values[k]))
                return rv__fail(sim, RV_ERR_VALUE, "%s: %s[%lld] = %g is not finite", fn, name,
                                (long long)k, values[k]);
        col = &p->extra[e];
    }
    if (dcol_write(col, size, values, n))
        return rv__fail(sim, RV_ERR_NOMEM, "%s: out of memory", fn);
    /* A learned weight or a synaptic variable also takes the value now;
       the column keeps it for reset. */
    double *state = rv__proj_state_of(p, name);
    for (int64_t k = 0; state && k < size; k++) {
        double x = values[n == 1 ? 0 : k];
        if (!isnan(x))
            state[k] = x;
    }
    /* The parameters of a dynamic synapse model are checked, and those that
       shape a post-synaptic trace (STDP's tau_minus) registered, when a run
       prepares. */
    if (p->syn->transmit && col != &p->weight)
        sim->prepared = 0;
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
    int64_t nc = p->n_compact, np = p->cap_pend;
    int64_t b = (p->row ? (sim->pops[p->pre]->n + 1) * (int64_t)sizeof(int64_t) : 0)
                + nc * (int64_t)sizeof(uint32_t) + (p->weight.v ? nc * 8 : 0)
                + (p->delay.v ? nc * 2 : 0) + np * 8 + (p->pend_weight.v ? np * 8 : 0)
                + (p->pend_delay.v ? np * 8 : 0);
    for (int k = 0; k < p->syn->n_params; k++)
        b += (p->extra[k].v ? nc * 8 : 0) + (p->pend_extra[k].v ? np * 8 : 0);
    b += (int64_t)p->n_state * nc * 8;
    *bytes_out = b;
    return RV_OK;
}
