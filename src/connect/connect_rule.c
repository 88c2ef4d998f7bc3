/*
 * Applying a connection rule to a projection: each shard makes the
 * columns (targets) in its own block, on its own thread, draws their
 * parameter values and merges them into its rows; rules that go source by
 * source (fixed number post) are made once and then merged shard by shard.
 * The projection takes the new rows only when every shard succeeded, so a
 * failed call changes nothing.
 */
#include <string.h>

#include "connect/rule.h"
#include "core/parallel.h"

/* The connections one shard makes, with their values (columns that a
 * constant gives keep one value). */
typedef struct shard_batch {
    const rv_sim *sim;
    const rv__proj *p;
    const int64_t *pre_idx, *post_idx;   /* list position -> population index */
    const rv_param_spec *specs;
    const int *slot;                     /* column of each spec */
    int n_specs;
    int64_t n, cap;
    uint32_t *pre, *post;
    double *val[RV__MAX_SYN_PARAMS + 2];
} shard_batch;

static void batch_free(shard_batch *b)
{
    rv__free(b->pre);
    rv__free(b->post);
    for (int c = 0; c < RV__MAX_SYN_PARAMS + 2; c++)
        rv__free(b->val[c]);
}

/* Room for need connections in every array the batch uses. */
static int batch_reserve(shard_batch *b, int64_t need)
{
    if (need <= b->cap)
        return 0;
    int64_t cap = b->cap > 0 ? b->cap : 1024;
    while (cap < need)
        cap *= 2;
    void *q;
    if (!(q = rv__realloc_array(b->pre, (size_t)cap, sizeof *b->pre)))
        return -1;
    b->pre = q;
    if (!(q = rv__realloc_array(b->post, (size_t)cap, sizeof *b->post)))
        return -1;
    b->post = q;
    for (int k = 0; k < b->n_specs; k++) {
        if (b->specs[k].kind == RV_DIST_CONSTANT)
            continue;
        int c = b->slot[k];
        if (!(q = rv__realloc_array(b->val[c], (size_t)cap, sizeof(double))))
            return -1;
        b->val[c] = q;
    }
    b->cap = cap;
    return 0;
}

/* The sink of a rule run: appends a column's (or row's) connections and
 * draws and checks their values. */
static rv_status add_connections(rule_run *r, int64_t key_gid, const int64_t *pre_pos,
                                 const int64_t *post_pos, int64_t n)
{
    shard_batch *b = r->sink_ctx;
    if (n == 0)
        return RV_OK;
    if (batch_reserve(b, b->n + n))
        return rv__rule_fail(r, RV_ERR_NOMEM, "%s: out of memory", r->fn);
    for (int64_t k = 0; k < n; k++) {
        b->pre[b->n + k] = (uint32_t)b->pre_idx[pre_pos[k]];
        b->post[b->n + k] = (uint32_t)b->post_idx[post_pos[k]];
    }
    double dt = b->sim->dt;
    int conductance = b->sim->pops[b->p->post]->model->conductance_based;
    for (int k = 0; k < b->n_specs; k++) {
        const rv_param_spec *spec = &b->specs[k];
        if (spec->kind == RV_DIST_CONSTANT)
            continue;   /* checked once, before the rule ran */
        int c = b->slot[k];
        double *v = b->val[c] + b->n;
        if (spec->kind == RV_DIST_MATRIX) {
            for (int64_t i = 0; i < n; i++)
                v[i] = spec->matrix[pre_pos[i] * r->n_post + post_pos[i]];
        } else {
            rv__stream s;
            rv__stream_init(&s, r->seed, RV__RNG_PARAM, r->sub ^ ((uint64_t)(k + 1) << 56),
                            (uint64_t)key_gid);
            for (int64_t i = 0; i < n; i++)
                v[i] = rv__dist_draw(spec, &s);
        }
        /* check (and for delays convert) the values */
        for (int64_t i = 0; i < n; i++) {
            if (c == 1) {
                double steps = isfinite(v[i]) ? round(v[i] / dt) : -1;
                if (!(steps >= 1 && steps <= RV_MAX_DELAY_STEPS))
                    return rv__rule_fail(r, RV_ERR_VALUE,
                                         "%s: a delay of %g ms was drawn; delays must lie in "
                                         "[dt, %d dt] = [%g, %g] ms (clip the distribution)",
                                         r->fn, v[i], RV_MAX_DELAY_STEPS, dt,
                                         RV_MAX_DELAY_STEPS * dt);
                v[i] = steps;
            } else if (!isfinite(v[i])) {
                return rv__rule_fail(r, RV_ERR_VALUE, "%s: a value of '%s' is not finite (%g)",
                                     r->fn, spec->name, v[i]);
            } else if (c == 0 && v[i] < 0 && conductance) {
                return rv__rule_fail(r, RV_ERR_VALUE,
                                     "%s: a weight of %g uS was drawn; conductance-based "
                                     "receptors take weights >= 0", r->fn, v[i]);
            }
        }
    }
    b->n += n;
    return RV_OK;
}

/* The constants of the specs (checked, delays in steps), and the defaults
 * of the other columns, as one-value columns of a batch. */
typedef struct constants {
    double value[RV__MAX_SYN_PARAMS + 2];
} constants;

static rv_status constant_values(rv_sim *sim, const char *fn, const rv__proj *p,
                                 const rv_param_spec *specs, int n_specs, const int *slot,
                                 constants *cv)
{
    cv->value[0] = 0.0;
    cv->value[1] = 1.0;
    for (int e = 0; e < p->syn->n_params; e++)
        cv->value[2 + e] = p->syn->params[e].def;
    for (int k = 0; k < n_specs; k++) {
        if (specs[k].kind != RV_DIST_CONSTANT)
            continue;
        double x = specs[k].p[0];
        int c = slot[k];
        if (c == 1) {
            double steps = isfinite(x) ? round(x / sim->dt) : -1;
            if (!(steps >= 1 && steps <= RV_MAX_DELAY_STEPS))
                return rv__fail(sim, RV_ERR_VALUE,
                                "%s: delay %g ms is invalid; delays must lie in [dt, %d dt] = "
                                "[%g, %g] ms", fn, x, RV_MAX_DELAY_STEPS, sim->dt,
                                RV_MAX_DELAY_STEPS * sim->dt);
            x = steps;
        } else if (!isfinite(x)) {
            return rv__fail(sim, RV_ERR_VALUE, "%s: '%s' = %g is not finite", fn, specs[k].name,
                            x);
        } else if (c == 0 && x < 0 && sim->pops[p->post]->model->conductance_based) {
            return rv__fail(sim, RV_ERR_VALUE,
                            "%s: weight %g uS is negative; conductance-based receptors take "
                            "weights >= 0", fn, x);
        }
        cv->value[c] = x;
    }
    return RV_OK;
}

/* A shard batch as a batch of connections.  An empty batch gets pointers
 * to a dummy entry rather than NULL: the rows code offsets them (b->pre + 0),
 * which is undefined on a null pointer. */
static rv__batch as_batch(const shard_batch *sb, const constants *cv, int ncol)
{
    static const uint32_t no_index[1] = {0};
    rv__batch b;
    memset(&b, 0, sizeof b);
    b.n = sb->n;
    b.pre = sb->pre ? sb->pre : no_index;
    b.post = sb->post ? sb->post : no_index;
    for (int c = 0; c < ncol; c++) {
        b.col[c] = sb->val[c] ? sb->val[c] : &cv->value[c];
        b.stride[c] = sb->val[c] != NULL;
    }
    b.post_sorted = 1;
    for (int64_t k = 1; k < sb->n && b.post_sorted; k++)
        b.post_sorted = sb->post[k - 1] <= sb->post[k];
    return b;
}

/* ---- the shards' work ---------------------------------------------------------- */

typedef struct connect_job {
    const rv_sim *sim;
    const rv__proj *p;
    const rule_run *shared;     /* lists and tables of the application */
    const int32_t *col_shard;   /* by-target rules: the shard of each column */
    shard_batch proto;          /* the batch fields every shard shares */
    const constants *cv;
    const rv__batch *whole;     /* source rules: the batch made once */
    rv__rows *fresh;            /* [n_shards] */
    rule_run *runs;             /* [n_shards]: status and message of each */
    int64_t *made;              /* [n_shards] connections each added */
} connect_job;

static void connect_shard(int s, void *ctx)
{
    connect_job *job = ctx;
    const rv__proj *p = job->p;
    const rv__pop_block *blk = &job->sim->pops[p->post]->blocks[s];
    int64_t n_pre = job->sim->pops[p->pre]->n;
    rule_run *r = &job->runs[s];
    *r = *job->shared;
    r->status = RV_OK;
    r->msg[0] = '\0';
    if (job->whole) {   /* made already: only the merge */
        if (rv__rows_merge_block(&job->fresh[s], &p->rows[s], job->whole, blk->lo, blk->view.n,
                                 n_pre, p->syn, &job->made[s]))
            rv__rule_fail(r, RV_ERR_NOMEM, "%s: out of memory", r->fn);
        return;
    }
    shard_batch sb = job->proto;
    r->col_shard = job->col_shard;
    r->shard = s;
    r->sink = add_connections;
    r->sink_ctx = &sb;
    /* an empty block (another process's, under MPI) makes no columns */
    if (blk->view.n == 0 || rv__rule_apply(r) == RV_OK) {
        rv__batch b = as_batch(&sb, job->cv, 2 + p->syn->n_params);
        if (rv__rows_merge(&job->fresh[s], &p->rows[s], &b, NULL, b.n, blk->lo, blk->view.n,
                           n_pre, p->syn))
            rv__rule_fail(r, RV_ERR_NOMEM, "%s: out of memory for %lld connections", r->fn,
                          (long long)b.n);
        job->made[s] = b.n;
    }
    batch_free(&sb);
}

static rv_status resolve_specs(rv_sim *sim, const char *fn, const rv__proj *p, const rv_param_spec *specs,
                               int n_specs, int *slot)
{
    const rv__synmodel *syn = p->syn;
    for (int k = 0; k < n_specs; k++) {
        const rv_param_spec *spec = &specs[k];
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
            if (slot[j] == c)
                return rv__fail(sim, RV_ERR_VALUE, "%s: parameter '%s' is given twice", fn,
                                spec->name);
        slot[k] = c;
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


/* Runs the rule (lists resolved, specs checked) and takes the new rows. */
static rv_status connect_lists(rv_sim *sim, const char *fn, rv__proj *p, const rv_rule *rule,
                               const int64_t *pre_index, const int64_t *pre_gid, int64_t n_pre,
                               const int64_t *post_index, const int64_t *post_gid,
                               int64_t n_post, const rv_param_spec *specs, int n_specs,
                               const int *slot)
{
    rv_status st;
    constants cv;
    if ((st = constant_values(sim, fn, p, specs, n_specs, slot, &cv))
        || (st = rv__proj_compact(sim, p)))
        return st;
    rule_run shared = {.seed = sim->seed, .fn = fn, .rule = rule, .sub = rule->stream,
                       .n_pre = n_pre, .n_post = n_post, .pre_gid = pre_gid,
                       .post_gid = post_gid};
    const rv__pop *post = sim->pops[p->post];
    int S = p->n_shards;
    connect_job job = {.sim = sim, .p = p, .shared = &shared, .cv = &cv};
    job.proto = (shard_batch){.sim = sim, .p = p, .pre_idx = pre_index, .post_idx = post_index,
                              .specs = specs, .slot = slot, .n_specs = n_specs};
    int32_t *col_shard = NULL;
    shard_batch whole = job.proto;
    rv__batch whole_batch;
    int ran = 0;
    job.fresh = rv__calloc((size_t)S, sizeof *job.fresh);
    job.runs = rv__calloc((size_t)S, sizeof *job.runs);
    job.made = rv__calloc((size_t)S, sizeof *job.made);
    if (!job.fresh || !job.runs || !job.made) {
        st = rv__fail(sim, RV_ERR_NOMEM, "%s: out of memory", fn);
    } else if (rv__rule_shared(&shared)) {
        st = rv__fail(sim, shared.status, "%s", shared.msg);
    } else if (rv__rule_by_target(rule)) {
        /* each shard makes the columns of its own targets */
        col_shard = rv__calloc((size_t)n_post + 1, sizeof *col_shard);
        if (!col_shard) {
            st = rv__fail(sim, RV_ERR_NOMEM, "%s: out of memory", fn);
        } else {
            for (int64_t j = 0; j < n_post; j++)
                col_shard[j] = rv__block_of(post, post_index[j]);
            job.col_shard = col_shard;
            rv__for_shards(sim, S, connect_shard, &job);
            ran = 1;
        }
    } else {
        /* source by source, once; then each shard merges its part */
        rule_run once = shared;
        once.sink = add_connections;
        once.sink_ctx = &whole;
        if (rv__rule_apply(&once)) {
            st = rv__fail(sim, once.status, "%s", once.msg);
        } else {
            whole_batch = as_batch(&whole, &cv, 2 + p->syn->n_params);
            job.whole = &whole_batch;
            rv__for_shards(sim, S, connect_shard, &job);
            ran = 1;
        }
    }
    if (!ran)
        goto done;
    int64_t total = 0;
    st = RV_OK;
    for (int s = 0; s < S && !st; s++)
        if (job.runs[s].status)
            st = rv__fail(sim, job.runs[s].status, "%s", job.runs[s].msg);
    for (int s = 0; s < S; s++)
        total += job.made[s];
    if (!st && p->n_rows + total > (int64_t)UINT32_MAX)
        st = rv__fail(sim, RV_ERR_LIMIT, "%s: projection %d would have %lld connections; at most "
                      "%lld are supported in one projection", fn, (int)p->handle,
                      (long long)(p->n_rows + total), (long long)UINT32_MAX);
    if (!st) {
        uint16_t lo = p->min_delay, hi = p->max_delay;
        for (int s = 0; s < S; s++) {
            const rv__rows *r = &job.fresh[s];
            for (int64_t j = 0; j < (r->delay.v ? r->n : r->n > 0); j++) {
                uint16_t d = (uint16_t)rv__delay_of(r, j);
                lo = d < lo ? d : lo;
                hi = d > hi ? d : hi;
            }
        }
        for (int s = 0; s < S; s++) {
            rv__rows_free(&p->rows[s], p->syn, 0);
            p->rows[s] = job.fresh[s];
            memset(&job.fresh[s], 0, sizeof job.fresh[s]);
        }
        p->n_rows += total;
        p->min_delay = lo;
        p->max_delay = hi;
        sim->prepared = 0;
    }
done:
    for (int s = 0; job.fresh && s < S; s++)
        rv__rows_free(&job.fresh[s], p->syn, 0);
    rv__free(job.fresh);
    rv__free(job.runs);
    rv__free(job.made);
    rv__free(col_shard);
    batch_free(&whole);
    rv__rule_shared_free(&shared);
    return st;
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
    if (st || (st = rv__rule_check(sim, fn, rule)))
        return st;
    if (n_specs < 0)
        return rv__fail(sim, RV_ERR_SIZE, "%s: n_specs = %d is negative", fn, n_specs);
    if (n_specs > 0 && !specs)
        return rv__fail(sim, RV_ERR_NULL, "%s: specs is NULL but n_specs = %d", fn, n_specs);
    if (n_specs > RV__MAX_SYN_PARAMS + 2)
        return rv__fail(sim, RV_ERR_VALUE, "%s: n_specs = %d is more than the parameters of "
                        "any synapse model", fn, n_specs);
    int slot[RV__MAX_SYN_PARAMS + 2];
    if ((st = rv__proj_can_grow(sim, fn, p)) || (st = resolve_specs(sim, fn, p, specs, n_specs, slot)))
        return st;
    int64_t *pre_index = NULL, *pre_gid = NULL, *post_index = NULL, *post_gid = NULL;
    int64_t np = 0, nq = 0;
    if (!(st = list_of(sim, fn, sim->pops[p->pre], pre_idx, n_pre, &pre_index, &pre_gid, &np))
        && !(st = list_of(sim, fn, sim->pops[p->post], post_idx, n_post, &post_index, &post_gid,
                          &nq))
        && !(st = rv__rule_check_count(sim, fn, rule, np, nq)))
        st = connect_lists(sim, fn, p, rule, pre_index, pre_gid, np, post_index, post_gid, nq,
                           specs, n_specs, slot);
    rv__free(pre_index);
    rv__free(pre_gid);
    rv__free(post_index);
    rv__free(post_gid);
    return st;
}
