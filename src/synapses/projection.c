/*
 * Projections: creation, adding connections (a pending tail, or straight
 * into the rows for large batches), compaction into per-shard rows, the
 * state of dynamic synapses.
 */
#include <string.h>

#include "core/parallel.h"
#include "core/sim.h"

/* A batch at least this large, with nothing pending, goes straight into
 * the rows instead of being copied into the tail first; the tail is merged
 * once it holds this many connections and as many as the rows. */
#define DIRECT_BATCH ((int64_t)1 << 16)

/* Most connections a projection holds: positions within batches and rows
 * are 32-bit. */
#define MAX_CONNECTIONS ((int64_t)UINT32_MAX)

static void pending_free(rv__pending *q, int ne)
{
    rv__free(q->pre);
    rv__free(q->post);
    rv__free(q->weight.v);
    rv__free(q->delay.v);
    for (int k = 0; q->extra && k < ne; k++)
        rv__free(q->extra[k].v);
    q->pre = q->post = NULL;
    q->weight.v = NULL;
    q->delay.v = NULL;
    for (int k = 0; q->extra && k < ne; k++)
        q->extra[k].v = NULL;
    q->n = q->cap = 0;
}

void rv__proj_free(rv__proj *p)
{
    if (!p)
        return;
    for (int s = 0; p->rows && s < p->n_shards; s++)
        rv__rows_free(&p->rows[s], p->syn, p->n_state);
    rv__free(p->rows);
    pending_free(&p->pend, p->syn->n_params);
    rv__free(p->pend.extra);
    rv__free(p);
}

/* ---- state of dynamic synapses ------------------------------------------------- */

/* Fills a state array from a column. */
static void load_column(double *dst, const rv__dcol *c, int64_t n)
{
    for (int64_t k = 0; k < n; k++)
        dst[k] = c->v ? c->v[k] : c->all;
}

static void reset_rows(const rv__proj *p, rv__rows *r)
{
    const rv__synmodel *syn = p->syn;
    if (!r->state)
        return;
    if (syn->plastic_weight)
        load_column(r->state[0], &r->weight, r->n);
    for (int k = 0; k < syn->n_vars; k++)
        load_column(r->state[rv__state_vars(p) + k], &r->extra[syn->n_params - syn->n_vars + k],
                    r->n);
    for (int k = 0; k < syn->n_internal; k++) {
        double *x = r->state[rv__state_internal(p) + k];
        for (int64_t j = 0; j < r->n; j++)
            x[j] = syn->internal[k].def;
    }
}

void rv__proj_reset_state(rv__proj *p)
{
    for (int s = 0; p->has_state && s < p->n_shards; s++)
        reset_rows(p, &p->rows[s]);
}

typedef struct state_job {
    rv__proj *p;
    int failed;
} state_job;

static void state_shard(int s, void *ctx)
{
    state_job *job = ctx;
    rv__proj *p = job->p;
    rv__rows *r = &p->rows[s];
    double **state = rv__calloc((size_t)p->n_state, sizeof *state);
    for (int k = 0; state && k < p->n_state; k++)
        if (!(state[k] = rv__calloc((size_t)r->n + 1, sizeof(double)))) {
            for (int j = 0; j < k; j++)
                rv__free(state[j]);
            rv__free(state);
            state = NULL;
        }
    if (!state) {
#pragma omp atomic write
        job->failed = 1;
        return;
    }
    r->state = state;
    reset_rows(p, r);
}

rv_status rv__proj_prepare_state(rv_sim *sim, rv__proj *p)
{
    const rv__synmodel *syn = p->syn;
    int n_state = rv__state_internal(p) + syn->n_internal;
    if (p->has_state || n_state == 0)
        return RV_OK;
    p->n_state = n_state;
    state_job job = {p, 0};
    rv__for_shards(sim, p->n_shards, state_shard, &job);
    if (job.failed) {
        for (int s = 0; s < p->n_shards; s++) {
            for (int k = 0; p->rows[s].state && k < n_state; k++)
                rv__free(p->rows[s].state[k]);
            rv__free(p->rows[s].state);
            p->rows[s].state = NULL;
        }
        p->n_state = 0;
        return rv__fail(sim, RV_ERR_NOMEM,
                        "rv_sim_run_until: out of memory for the state of %lld synapses",
                        (long long)p->n_rows);
    }
    p->has_state = 1;
    return RV_OK;
}

double *rv__rows_state_of(const rv__proj *p, const rv__rows *r, const char *name)
{
    if (!p->has_state || !r->state)
        return NULL;
    const rv__synmodel *syn = p->syn;
    if (syn->plastic_weight && strcmp(name, "weight") == 0)
        return r->state[0];
    for (int k = 0; k < syn->n_vars; k++)
        if (strcmp(name, syn->params[syn->n_params - syn->n_vars + k].name) == 0)
            return r->state[rv__state_vars(p) + k];
    return NULL;
}

/* ---- creation ------------------------------------------------------------------- */

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
    if (sim->n_projs == INT32_MAX)
        return rv__fail(sim, RV_ERR_LIMIT, "%s: too many projections", fn);
    if (rv__reserve((void **)&sim->projs, &sim->cap_projs, sim->n_projs + 1,
                    sizeof *sim->projs)
        || rv__reserve((void **)&pp->out_proj, &pp->cap_out, pp->n_out + 1, sizeof *pp->out_proj))
        return rv__fail(sim, RV_ERR_NOMEM, "%s: out of memory", fn);
    int ne = syn->n_params;
    rv__proj *p = rv__calloc(1, sizeof *p);
    if (p) {
        p->syn = syn;
        p->n_shards = qp->n_blocks;
        p->rows = rv__calloc((size_t)qp->n_blocks, sizeof *p->rows);
        p->pend.extra = rv__calloc((size_t)(ne ? ne : 1), sizeof *p->pend.extra);
    }
    int failed = !p || !p->rows || !p->pend.extra;
    for (int s = 0; !failed && s < p->n_shards; s++) {
        p->rows[s].delay.all = 1;
        p->rows[s].extra = rv__calloc((size_t)(ne ? ne : 1), sizeof *p->rows[s].extra);
        failed = !p->rows[s].extra;
        for (int k = 0; !failed && k < ne; k++)
            p->rows[s].extra[k].all = syn->params[k].def;
    }
    if (failed) {
        rv__proj_free(p);
        return rv__fail(sim, RV_ERR_NOMEM, "%s: out of memory", fn);
    }
    p->handle = sim->n_projs;
    p->pre = pre;
    p->post = post;
    p->receptor = r;
    p->pend.delay.all = 1;
    p->min_delay = UINT16_MAX;
    p->tau_param = -1;
    for (int k = 0; k < ne; k++)
        p->pend.extra[k].all = syn->params[k].def;
    sim->projs[sim->n_projs++] = p;
    pp->out_proj[pp->n_out++] = p->handle;
    *proj_out = p->handle;
    return RV_OK;
}

/* ---- merging into the rows ---------------------------------------------------------- */

/* Merging a batch into every shard's rows: each shard selects the
 * connections onto its block and builds its new rows on its own thread;
 * the projection takes the new rows only when every shard succeeded. */
typedef struct merge_job {
    const rv_sim *sim;
    const rv__proj *p;
    const rv__pop *post;
    const rv__batch *b;
    rv__rows *fresh;
    int failed;
} merge_job;

static void merge_shard(int s, void *ctx)
{
    merge_job *job = ctx;
    const rv__pop_block *blk = &job->post->blocks[s];
    int64_t m;
    if (rv__rows_merge_block(&job->fresh[s], &job->p->rows[s], job->b, blk->lo, blk->view.n,
                             job->sim->pops[job->p->pre]->n, job->p->syn, &m)) {
#pragma omp atomic write
        job->failed = 1;
    }
}

/* Merges batch b into the rows of every shard; unchanged on failure. */
static rv_status merge(rv_sim *sim, rv__proj *p, const rv__batch *b)
{
    const rv__pop *post = sim->pops[p->post];
    if (p->n_rows + b->n > MAX_CONNECTIONS)
        return rv__fail(sim, RV_ERR_LIMIT, "projection %d would have %lld connections; at most "
                        "%lld are supported in one projection", (int)p->handle,
                        (long long)(p->n_rows + b->n), (long long)MAX_CONNECTIONS);
    rv__rows *fresh = rv__calloc((size_t)p->n_shards, sizeof *fresh);
    if (!fresh)
        return rv__fail(sim, RV_ERR_NOMEM, "out of memory for projection %d", (int)p->handle);
    merge_job job = {sim, p, post, b, fresh, 0};
    rv__for_shards(sim, p->n_shards, merge_shard, &job);
    if (job.failed) {
        for (int s = 0; s < p->n_shards; s++)
            rv__rows_free(&fresh[s], p->syn, 0);
        rv__free(fresh);
        return rv__fail(sim, RV_ERR_NOMEM, "out of memory for %lld connections of projection %d",
                        (long long)(p->n_rows + b->n), (int)p->handle);
    }
    for (int s = 0; s < p->n_shards; s++) {
        /* the connections onto this process's neurons (all without MPI) */
        p->n_rows += fresh[s].n - p->rows[s].n;
        rv__rows_free(&p->rows[s], p->syn, 0);
        p->rows[s] = fresh[s];
    }
    rv__free(fresh);
    return RV_OK;
}

/* The pending tail as a batch. */
static rv__batch pending_batch(const rv__proj *p, double *delay_steps)
{
    const rv__pending *q = &p->pend;
    rv__batch b;
    memset(&b, 0, sizeof b);
    b.n = q->n;
    b.pre = q->pre;
    b.post = q->post;
    b.col[0] = q->weight.v ? q->weight.v : &q->weight.all;
    b.stride[0] = q->weight.v != NULL;
    /* batches carry delays in steps as doubles */
    for (int64_t k = 0; k < (q->delay.v ? q->n : 1); k++)
        delay_steps[k] = q->delay.v ? q->delay.v[k] : q->delay.all;
    b.col[1] = delay_steps;
    b.stride[1] = q->delay.v != NULL;
    for (int e = 0; e < p->syn->n_params; e++) {
        b.col[2 + e] = q->extra[e].v ? q->extra[e].v : &q->extra[e].all;
        b.stride[2 + e] = q->extra[e].v != NULL;
    }
    b.post_sorted = 1;
    for (int64_t k = 1; k < q->n && b.post_sorted; k++)
        b.post_sorted = q->post[k - 1] <= q->post[k];
    return b;
}

/* Rows regrouped for the target's current blocks (the thread count
 * changed), state included. */
typedef struct regroup_job {
    const rv__proj *p;
    const rv__pop *post;
    const int64_t *old_lo;
    rv__rows *fresh;
    int failed;
} regroup_job;

static void regroup_shard(int s, void *ctx)
{
    regroup_job *job = ctx;
    const rv__pop_block *blk = &job->post->blocks[s];
    if (rv__rows_regroup(&job->fresh[s], job->p->rows, job->old_lo, job->p->n_shards, blk->lo,
                         blk->view.n, job->p->syn, job->p->n_state)) {
#pragma omp atomic write
        job->failed = 1;
    }
}

static rv_status regroup(rv_sim *sim, rv__proj *p)
{
    const rv__pop *post = sim->pops[p->post];
    int S = post->n_blocks;
    rv__rows *fresh = rv__calloc((size_t)S, sizeof *fresh);
    int64_t *old_lo = rv__calloc((size_t)p->n_shards + 1, sizeof *old_lo);
    regroup_job job = {p, post, old_lo, fresh, !fresh || !old_lo};
    if (!job.failed) {
        for (int q = 0; q <= p->n_shards; q++)
            old_lo[q] = rv__block_lo(post->n, p->n_shards, q);
        rv__for_shards(sim, S, regroup_shard, &job);
    }
    if (job.failed) {
        for (int s = 0; fresh && s < S; s++)
            rv__rows_free(&fresh[s], p->syn, p->n_state);
        rv__free(fresh);
        rv__free(old_lo);
        return rv__fail(sim, RV_ERR_NOMEM, "out of memory regrouping projection %d",
                        (int)p->handle);
    }
    for (int q = 0; q < p->n_shards; q++)
        rv__rows_free(&p->rows[q], p->syn, p->n_state);
    rv__free(p->rows);
    rv__free(old_lo);
    p->rows = fresh;
    p->n_shards = S;
    return RV_OK;
}

rv_status rv__proj_compact(rv_sim *sim, rv__proj *p)
{
    rv_status st;
    if (p->n_shards != sim->pops[p->post]->n_blocks && (st = regroup(sim, p)))
        return st;
    if (p->pend.n == 0)
        return RV_OK;
    double *delay_steps = rv__calloc((size_t)p->pend.n + 1, sizeof *delay_steps);
    if (!delay_steps)
        return rv__fail(sim, RV_ERR_NOMEM, "out of memory compacting projection %d",
                        (int)p->handle);
    rv__batch b = pending_batch(p, delay_steps);
    st = merge(sim, p, &b);
    rv__free(delay_steps);
    if (!st)
        pending_free(&p->pend, p->syn->n_params);
    return st;
}

/* ---- the pending tail ------------------------------------------------------------ */

/* Gives every pending array room for `need` entries. */
static int pend_reserve(rv__proj *p, int64_t need)
{
    rv__pending *q = &p->pend;
    if (need <= q->cap)
        return 0;
    int64_t cap = q->cap > 0 ? q->cap : 64;
    while (cap < need)
        cap *= 2;
    void *x;
    if (!(x = rv__realloc_array(q->pre, (size_t)cap, sizeof *q->pre)))
        return -1;
    q->pre = x;
    if (!(x = rv__realloc_array(q->post, (size_t)cap, sizeof *q->post)))
        return -1;
    q->post = x;
    if (q->weight.v) {
        if (!(x = rv__realloc_array(q->weight.v, (size_t)cap, sizeof(double))))
            return -1;
        q->weight.v = x;
    }
    if (q->delay.v) {
        if (!(x = rv__realloc_array(q->delay.v, (size_t)cap, sizeof(uint16_t))))
            return -1;
        q->delay.v = x;
    }
    for (int k = 0; k < p->syn->n_params; k++)
        if (q->extra[k].v) {
            if (!(x = rv__realloc_array(q->extra[k].v, (size_t)cap, sizeof(double))))
                return -1;
            q->extra[k].v = x;
        }
    q->cap = cap;
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

/* The same for the delays, in steps (values already checked). */
static int delay_append(rv__u16col *c, int64_t n_old, int64_t cap, const double *v, int64_t stride,
                        int64_t n)
{
    if (!c->v) {
        uint16_t first = n > 0 ? (uint16_t)v[0] : c->all;
        int same = 1;
        for (int64_t k = 0; k < (stride ? n : 1) && same; k++)
            same = (uint16_t)v[k] == (n_old == 0 ? first : c->all);
        if (same) {
            if (n_old == 0)
                c->all = first;
            return 0;
        }
        c->v = rv__calloc((size_t)cap, sizeof(uint16_t));
        if (!c->v)
            return -1;
        for (int64_t k = 0; k < n_old; k++)
            c->v[k] = c->all;
    }
    for (int64_t k = 0; k < n; k++)
        c->v[n_old + k] = (uint16_t)v[stride ? k : 0];
    return 0;
}

static rv_status pend_append(rv_sim *sim, rv__proj *p, const rv__batch *b)
{
    rv__pending *q = &p->pend;
    int64_t n_old = q->n, n = b->n;
    if (pend_reserve(p, n_old + n))
        return rv__fail(sim, RV_ERR_NOMEM, "out of memory for %lld connections",
                        (long long)(n_old + n));
    /* Materialising a column is the only other allocation: do those first
       so that a failure leaves the projection as it was. */
    int ne = p->syn->n_params;
    rv__dcol saved_w = q->weight, saved_e[RV__MAX_SYN_PARAMS];
    rv__u16col saved_d = q->delay;
    for (int k = 0; k < ne; k++)
        saved_e[k] = q->extra[k];
    int failed = dcol_append(&q->weight, n_old, q->cap, b->col[0], b->stride[0], n)
                 || delay_append(&q->delay, n_old, q->cap, b->col[1], b->stride[1], n);
    for (int k = 0; k < ne && !failed; k++)
        failed = dcol_append(&q->extra[k], n_old, q->cap, b->col[2 + k], b->stride[2 + k], n);
    if (failed) {
        if (!saved_w.v && q->weight.v) {
            rv__free(q->weight.v);
            q->weight = saved_w;
        }
        if (!saved_d.v && q->delay.v) {
            rv__free(q->delay.v);
            q->delay = saved_d;
        }
        for (int k = 0; k < ne; k++)
            if (!saved_e[k].v && q->extra[k].v) {
                rv__free(q->extra[k].v);
                q->extra[k] = saved_e[k];
            }
        return rv__fail(sim, RV_ERR_NOMEM, "out of memory for %lld connections",
                        (long long)(n_old + n));
    }
    memcpy(q->pre + n_old, b->pre, (size_t)n * sizeof *b->pre);
    memcpy(q->post + n_old, b->post, (size_t)n * sizeof *b->post);
    q->n += n;
    return RV_OK;
}

rv_status rv__proj_append(rv_sim *sim, rv__proj *p, const rv__batch *b)
{
    if (b->n == 0)
        return RV_OK;
    if (p->n_rows + p->pend.n + b->n > MAX_CONNECTIONS)
        return rv__fail(sim, RV_ERR_LIMIT, "projection %d would have %lld connections; at most "
                        "%lld are supported in one projection", (int)p->handle,
                        (long long)(p->n_rows + p->pend.n + b->n), (long long)MAX_CONNECTIONS);
    uint16_t lo = p->min_delay, hi = p->max_delay;
    for (int64_t k = 0; k < (b->stride[1] ? b->n : 1); k++) {
        uint16_t d = (uint16_t)b->col[1][k];
        lo = d < lo ? d : lo;
        hi = d > hi ? d : hi;
    }
    rv_status st;
    rv__pop *post = sim->pops[p->post];
    if (p->pend.n == 0 && b->n >= DIRECT_BATCH && p->n_shards == post->n_blocks) {
        st = merge(sim, p, b);
    } else {
        st = pend_append(sim, p, b);
        if (!st && p->pend.n >= DIRECT_BATCH && p->pend.n >= p->n_rows
            && rv__proj_compact(sim, p) != RV_OK) {
            /* the tail stays: the merge is tried again when a run prepares */
            rv__clear_error(sim);
        }
    }
    if (st)
        return st;
    p->min_delay = lo;
    p->max_delay = hi;
    sim->prepared = 0;
    return RV_OK;
}

rv_status rv__proj_can_grow(rv_sim *sim, const char *fn, const rv__proj *p)
{
    if (p->has_state)
        return rv__fail(sim, RV_ERR_PHASE,
                        "%s: projection %d (%s) has run; a projection with synaptic state takes "
                        "new connections only before its first run", fn, (int)p->handle,
                        p->syn->name);
    return RV_OK;
}
