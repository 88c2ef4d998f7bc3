/*
 * Populations: creation into blocks (one per shard, each allocated and
 * first touched by its own thread), parameters, initial values and state
 * read and written across the blocks, input ring buffers, and the re-split
 * when the number of shards changes.  Per-neuron lists (spike times,
 * array parameters) are in pop_lists.c.
 */
#include <stdlib.h>
#include <string.h>

#include "core/parallel.h"
#include "core/sim.h"
#include "models/point_neuron.h"

static double **alloc_table(int rows, int64_t n)
{
    double **t = rv__calloc(rows > 0 ? (size_t)rows : 1, sizeof *t);
    if (!t)
        return NULL;
    for (int k = 0; k < rows; k++) {
        t[k] = rv__calloc((size_t)n + 1, sizeof **t);
        if (!t[k]) {
            for (int j = 0; j < k; j++)
                rv__free(t[j]);
            rv__free(t);
            return NULL;
        }
    }
    return t;
}

static void free_table(double **t, int rows)
{
    if (!t)
        return;
    for (int k = 0; k < rows; k++)
        rv__free(t[k]);
    rv__free(t);
}

/* Points the model's view at the block's arrays. */
static void set_view(rv__pop_block *b, const rv__model *m, int64_t n, int64_t first_gid)
{
    b->view = (rv__block){
        .model = m, .n = n, .first_gid = first_gid, .param = b->param, .state = b->state,
        .derived = b->derived, .scratch = b->scratch, .arrays = b->arrays,
        .sched_off = b->sched_off, .sched_t = b->sched_t,
    };
}

static void block_free(rv__pop_block *b, const rv__model *m)
{
    free_table(b->param, m->n_params);
    free_table(b->state, m->n_vars + m->n_internal);
    free_table(b->init, m->n_vars);
    free_table(b->derived, m->n_derived);
    free_table(b->scratch, m->n_scratch);
    rv__free(b->input);
    rv__free(b->i_inj);
    rv__free(b->sched_off);
    rv__free(b->sched_t);
    for (int k = 0; b->arrays && k < m->n_arrays; k++) {
        rv__free(b->arrays[k].off);
        rv__free(b->arrays[k].val);
    }
    rv__free(b->arrays);
    rv__free(b->fired.idx);
    rv__free(b->fired.t);
    rv__history_free(b->log, b->view.n);
    rv__rec_block_free(&b->rec, m);
    memset(b, 0, sizeof *b);
}

/* The arrays of a block of n neurons, with the model's defaults (array
 * parameters: `lists` false leaves them empty, for a copy to fill). */
static int block_alloc(rv__pop_block *b, const rv__model *m, int64_t lo, int64_t n,
                       int64_t first_gid, int lists)
{
    memset(b, 0, sizeof *b);
    b->lo = lo;
    b->param = alloc_table(m->n_params, n);
    b->state = alloc_table(m->n_vars + m->n_internal, n);
    b->init = alloc_table(m->n_vars, n);
    b->derived = alloc_table(m->n_derived, n);
    b->scratch = alloc_table(m->n_scratch, n);
    b->fired.idx = rv__calloc((size_t)n + 1, sizeof *b->fired.idx);
    b->fired.t = rv__calloc((size_t)n + 1, sizeof *b->fired.t);
    b->fired.cap = n > 0 ? n : 1;
    int failed = !b->param || !b->state || !b->init || !b->derived || !b->scratch
                 || !b->fired.idx || !b->fired.t || rv__rec_block_init(&b->rec, m, n);
    if (!failed && m->kind == RV_MODEL_NEURON)
        failed = !(b->i_inj = rv__calloc((size_t)n + 1, sizeof *b->i_inj));
    if (!failed && m->uses_schedule)
        failed = !(b->sched_off = rv__calloc((size_t)n + 1, sizeof *b->sched_off))
                 || !(b->sched_t = rv__calloc(1, sizeof *b->sched_t));
    if (!failed && m->n_arrays > 0) {
        failed = !(b->arrays = rv__calloc((size_t)m->n_arrays, sizeof *b->arrays));
        for (int k = 0; !failed && k < m->n_arrays; k++) {
            const rv__array_desc *d = &m->arrays[k];
            rv__lists *a = &b->arrays[k];
            int64_t per = lists ? d->n_def : 0;
            a->off = rv__calloc((size_t)n + 1, sizeof *a->off);
            a->val = rv__calloc((size_t)n * (size_t)per + 1, sizeof *a->val);
            failed = !a->off || !a->val;
            for (int64_t i = 0; !failed && i < n; i++) {
                a->off[i + 1] = a->off[i] + per;
                for (int j = 0; j < per; j++)
                    a->val[a->off[i] + j] = d->def[j];
            }
        }
    }
    set_view(b, m, n, first_gid + lo);
    if (failed) {
        block_free(b, m);
        return -1;
    }
    return 0;
}

/* Parameters and initial values at their defaults, state at the initial
 * values. */
static void block_defaults(rv__pop_block *b, const rv__model *m)
{
    int64_t n = b->view.n;
    for (int k = 0; k < m->n_params; k++)
        for (int64_t i = 0; i < n; i++)
            b->param[k][i] = m->params[k].def;
    for (int k = 0; k < m->n_vars; k++)
        for (int64_t i = 0; i < n; i++)
            b->init[k][i] = m->vars[k].def;
}

static void block_reset(rv__pop_block *b, const rv__model *m)
{
    size_t n = (size_t)b->view.n;
    for (int k = 0; k < m->n_vars; k++)
        memcpy(b->state[k], b->init[k], n * sizeof(double));
    for (int k = m->n_vars; k < m->n_vars + m->n_internal; k++)
        memset(b->state[k], 0, n * sizeof(double));
    if (b->input)
        memset(b->input, 0, (size_t)m->n_receptors * (size_t)b->input_len * n * sizeof(double));
}

void rv__pop_free(rv__pop *p)
{
    if (!p)
        return;
    const rv__model *m = p->model;
    for (int b = 0; p->blocks && b < p->n_blocks; b++)
        block_free(&p->blocks[b], m);
    rv__free(p->blocks);
    rv__free(p->out_proj);
    rv__free(p->history);
    rv__rec_free(p);
    if (p->owns_model && m->release)
        m->release(m);
    rv__free(p);
}

void rv__pop_reset_state(rv__pop *p)
{
    for (int b = 0; b < p->n_blocks; b++)
        block_reset(&p->blocks[b], p->model);
    p->dirty = 1;
}

/* ---- creation ------------------------------------------------------------------ */

/* Largest population the kernel accepts: indices are 32-bit. */
#define MAX_POP_SIZE ((int64_t)UINT32_MAX)

typedef struct create_job {
    const rv_sim *sim;
    rv__pop *p;
    int failed;
} create_job;

static void create_block(int s, void *ctx)
{
    create_job *job = ctx;
    rv__pop *p = job->p;
    int64_t lo = rv__block_lo(p->n, p->n_blocks, s);
    int64_t n = rv__block_n(job->sim, p->n, p->n_blocks, s);
    rv__pop_block *b = &p->blocks[s];
    if (block_alloc(b, p->model, lo, n, p->first_gid, 1)) {
#pragma omp atomic write
        job->failed = 1;
        return;
    }
    block_defaults(b, p->model);
    block_reset(b, p->model);
}

static rv_status create_checked(rv_sim *sim, const char *fn, const rv__model *m, int64_t n,
                                int32_t *pop_out)
{
    if (n < 1)
        return rv__fail(sim, RV_ERR_VALUE,
                        "%s: size n = %lld is invalid; it must lie in [1, %lld]", fn,
                        (long long)n, (long long)MAX_POP_SIZE);
    if (n > MAX_POP_SIZE)
        return rv__fail(sim, RV_ERR_LIMIT,
                        "%s: size n = %lld exceeds the limit of %lld neurons in a population",
                        fn, (long long)n, (long long)MAX_POP_SIZE);
    if (sim->n_pops == INT32_MAX)
        return rv__fail(sim, RV_ERR_LIMIT, "%s: too many populations", fn);
    if (rv__reserve((void **)&sim->pops, &sim->cap_pops, sim->n_pops + 1, sizeof *sim->pops))
        return rv__fail(sim, RV_ERR_NOMEM, "%s: out of memory", fn);
    rv__pop *p = rv__calloc(1, sizeof *p);
    if (!p)
        return rv__fail(sim, RV_ERR_NOMEM, "%s: out of memory", fn);
    p->model = m;
    p->n = n;
    p->handle = sim->n_pops;
    p->first_gid = sim->n_neurons;
    p->n_blocks = sim->n_shards;
    create_job job = {sim, p, 0};
    p->blocks = rv__calloc((size_t)p->n_blocks, sizeof *p->blocks);
    if (!p->blocks || rv__rec_init(p)) {
        job.failed = 1;
    } else {
        rv__for_shards(sim, p->n_blocks, create_block, &job);
    }
    if (job.failed) {
        rv__pop_free(p);  /* does not own m yet */
        return rv__fail(sim, RV_ERR_NOMEM, "%s: out of memory for %lld neurons", fn,
                        (long long)n);
    }
    p->dirty = 1;
    p->owns_model = m->release != NULL;
    sim->pops[sim->n_pops++] = p;
    sim->n_neurons += n;
    sim->prepared = 0;
    *pop_out = p->handle;
    return RV_OK;
}

/* Creates a population of model m; a model built for it (m->release) is
 * owned by the population, or freed if creation fails. */
static rv_status create(rv_sim *sim, const char *fn, const rv__model *m, int64_t n,
                        int32_t *pop_out)
{
    rv_status st = create_checked(sim, fn, m, n, pop_out);
    if (st && m->release)
        m->release(m);
    return st;
}

rv_status rv_pop_create(rv_sim *sim, const char *model, int64_t n, int32_t *pop_out)
{
    static const char fn[] = "rv_pop_create";
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    if (!model || !pop_out)
        return rv__fail(sim, RV_ERR_NULL, "%s: %s is NULL", fn, !model ? "model" : "pop_out");
    const rv__model *m = rv__find_model(model);
    if (!m)
        return rv__fail(sim, RV_ERR_NAME, "%s: unknown model '%s'", fn, model);
    return create(sim, fn, m, n, pop_out);
}

rv_status rv_pop_create_composed(rv_sim *sim, const char *component, int n_receptors,
                                 const char *const *names, const char *const *kinds, int64_t n,
                                 int32_t *pop_out)
{
    static const char fn[] = "rv_pop_create_composed";
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    if (!component || !pop_out)
        return rv__fail(sim, RV_ERR_NULL, "%s: %s is NULL", fn,
                        !component ? "component" : "pop_out");
    const rv__model *m;
    rv_status st = rv__composed_build(sim, component, n_receptors, names, kinds, &m);
    if (st)
        return st;
    return create(sim, fn, m, n, pop_out);
}

rv_status rv_pop_get_info(rv_sim *sim, int32_t pop, rv_pop_info *out)
{
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    rv__pop *p;
    rv_status st = rv__get_pop(sim, "rv_pop_get_info", pop, &p);
    if (st)
        return st;
    if (!out)
        return rv__fail(sim, RV_ERR_NULL, "rv_pop_get_info: out is NULL");
    out->model = p->model->name;
    out->size = p->n;
    out->first_gid = p->first_gid;
    return RV_OK;
}

/* ---- values across the blocks ---------------------------------------------------- */

void rv__pop_visit(rv__pop *p, const int64_t *idx, int64_t count, rv__visit_fn fn, void *ctx)
{
    if (!idx) {
        for (int b = 0; b < p->n_blocks; b++) {
            rv__pop_block *blk = &p->blocks[b];
            int64_t hi = b + 1 < p->n_blocks ? p->blocks[b + 1].lo : p->n;
            for (int64_t i = 0; i < blk->view.n; i++)
                fn(blk, i, blk->lo + i, ctx);
            for (int64_t k = blk->lo + blk->view.n; k < hi; k++)
                fn(NULL, -1, k, ctx);   /* another process's */
        }
        return;
    }
    for (int64_t k = 0; k < count; k++) {
        int b = rv__local_block_of(p, idx[k]);
        if (b < 0)
            fn(NULL, -1, k, ctx);
        else
            fn(&p->blocks[b], idx[k] - p->blocks[b].lo, k, ctx);
    }
}

/* Which per-neuron table a read or write is about. */
typedef enum table { PARAM, INIT, STATE } table;

typedef struct access {
    table which;
    int k;
    const double *values;   /* write: one value (n_values 1) or one per neuron */
    int64_t n_values;
    double *out;            /* read */
} access;

static double *column_of(rv__pop_block *b, table which, int k)
{
    return which == PARAM ? b->param[k] : which == INIT ? b->init[k] : b->state[k];
}

static void write_one(rv__pop_block *b, int64_t i, int64_t k, void *ctx)
{
    const access *a = ctx;
    if (b)
        column_of(b, a->which, a->k)[i] = a->values[a->n_values == 1 ? 0 : k];
}

/* Neurons another process holds read as NaN. */
static void read_one(rv__pop_block *b, int64_t i, int64_t k, void *ctx)
{
    const access *a = ctx;
    a->out[k] = b ? column_of(b, a->which, a->k)[i] : NAN;
}

/* Shared argument checks of the set/get functions: pointers, handle, index
 * list, value count.  Gives the population and the number addressed. */
static rv_status check_access(rv_sim *sim, const char *fn, int32_t pop, const char *name,
                              const int64_t *idx, int64_t n_idx, const void *buf,
                              rv__pop **p_out, int64_t *count)
{
    rv_status st = rv__get_pop(sim, fn, pop, p_out);
    if (st)
        return st;
    if (!name)
        return rv__fail(sim, RV_ERR_NULL, "%s: name is NULL", fn);
    if (!buf)
        return rv__fail(sim, RV_ERR_NULL, "%s: value buffer is NULL", fn);
    return rv__check_indices(sim, fn, *p_out, idx, n_idx, count);
}

static rv_status check_count(rv_sim *sim, const char *fn, int64_t n_values, int64_t count)
{
    if (n_values != 1 && n_values != count)
        return rv__fail(sim, RV_ERR_SIZE,
                        "%s: %lld values given for %lld neurons (give 1 or %lld)", fn,
                        (long long)n_values, (long long)count, (long long)count);
    return RV_OK;
}

rv_status rv_pop_set_param(rv_sim *sim, int32_t pop, const char *name, const int64_t *idx,
                           int64_t n_idx, const double *values, int64_t n_values)
{
    static const char fn[] = "rv_pop_set_param";
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    rv__pop *p;
    int64_t count;
    rv_status st = check_access(sim, fn, pop, name, idx, n_idx, values, &p, &count);
    if (st || (st = check_count(sim, fn, n_values, count)))
        return st;
    int k = rv__param_index(p->model, name);
    if (k < 0)
        return rv__fail(sim, RV_ERR_NAME, "%s: %s has no parameter '%s'", fn, p->model->name,
                        name);
    const rv__param_desc *d = &p->model->params[k];
    for (int64_t j = 0; j < (n_values == 1 ? 1 : count); j++)
        if (!rv__obeys(d->rule, values[j]))
            return rv__fail(sim, RV_ERR_VALUE,
                            "%s: %s parameter '%s' = %g (%s) is invalid; it must be %s", fn,
                            p->model->name, name, values[j], d->unit, rv__rule_text(d->rule));
    access a = {PARAM, k, values, n_values, NULL};
    rv__pop_visit(p, idx, count, write_one, &a);
    p->dirty = 1;
    return RV_OK;
}

rv_status rv_pop_get_param(rv_sim *sim, int32_t pop, const char *name, const int64_t *idx,
                           int64_t n_idx, double *out)
{
    static const char fn[] = "rv_pop_get_param";
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    rv__pop *p;
    int64_t count;
    rv_status st = check_access(sim, fn, pop, name, idx, n_idx, out, &p, &count);
    if (st)
        return st;
    int k = rv__param_index(p->model, name);
    if (k < 0)
        return rv__fail(sim, RV_ERR_NAME, "%s: %s has no parameter '%s'", fn, p->model->name,
                        name);
    access a = {PARAM, k, NULL, 0, out};
    rv__pop_visit(p, idx, count, read_one, &a);
    return RV_OK;
}

static rv_status find_var(rv_sim *sim, const char *fn, const rv__pop *p, const char *name,
                          int *k)
{
    *k = rv__var_index(p->model, name);
    if (*k < 0)
        return rv__fail(sim, RV_ERR_NAME, "%s: %s has no state variable '%s'", fn,
                        p->model->name, name);
    return RV_OK;
}

rv_status rv_pop_set_initial(rv_sim *sim, int32_t pop, const char *var, const int64_t *idx,
                             int64_t n_idx, const double *values, int64_t n_values)
{
    static const char fn[] = "rv_pop_set_initial";
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    rv__pop *p;
    int64_t count;
    int k;
    rv_status st = check_access(sim, fn, pop, var, idx, n_idx, values, &p, &count);
    if (st || (st = check_count(sim, fn, n_values, count)) || (st = find_var(sim, fn, p, var, &k)))
        return st;
    for (int64_t j = 0; j < (n_values == 1 ? 1 : count); j++)
        if (!isfinite(values[j]))
            return rv__fail(sim, RV_ERR_VALUE,
                            "%s: initial value of '%s' = %g is not finite", fn, var, values[j]);
    access a = {INIT, k, values, n_values, NULL};
    rv__pop_visit(p, idx, count, write_one, &a);
    if (sim->step == 0) {
        a.which = STATE;
        rv__pop_visit(p, idx, count, write_one, &a);
    }
    return RV_OK;
}

rv_status rv_pop_get_initial(rv_sim *sim, int32_t pop, const char *var, const int64_t *idx,
                             int64_t n_idx, double *out)
{
    static const char fn[] = "rv_pop_get_initial";
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    rv__pop *p;
    int64_t count;
    int k;
    rv_status st = check_access(sim, fn, pop, var, idx, n_idx, out, &p, &count);
    if (st || (st = find_var(sim, fn, p, var, &k)))
        return st;
    access a = {INIT, k, NULL, 0, out};
    rv__pop_visit(p, idx, count, read_one, &a);
    return RV_OK;
}

rv_status rv_pop_get_state(rv_sim *sim, int32_t pop, const char *var, const int64_t *idx,
                           int64_t n_idx, double *out)
{
    static const char fn[] = "rv_pop_get_state";
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    rv__pop *p;
    int64_t count;
    int k;
    rv_status st = check_access(sim, fn, pop, var, idx, n_idx, out, &p, &count);
    if (st || (st = find_var(sim, fn, p, var, &k)))
        return st;
    access a = {STATE, k, NULL, 0, out};
    rv__pop_visit(p, idx, count, read_one, &a);
    return RV_OK;
}

/* ---- input ring buffers --------------------------------------------------------- */

typedef struct input_job {
    const rv_sim *sim;
    rv__pop *p;
    int64_t ring_len;
    double **fresh;
    int failed;
} input_job;

static void input_block(int s, void *ctx)
{
    input_job *job = ctx;
    const rv__model *m = job->p->model;
    rv__pop_block *b = &job->p->blocks[s];
    size_t per = (size_t)b->view.n;
    int64_t len = job->ring_len;
    double *in = rv__calloc((size_t)m->n_receptors * (size_t)len * per + 1, sizeof *in);
    if (!in) {
#pragma omp atomic write
        job->failed = 1;
        return;
    }
    rv__advise_huge(in, ((size_t)m->n_receptors * (size_t)len * per + 1) * sizeof *in);
    /* carry over input already scheduled: arrival steps step+1 .. step+old_len */
    if (b->input) {
        int64_t old = b->input_len, step = job->sim->step;
        for (int r = 0; r < m->n_receptors; r++)
            for (int64_t a = step + 1; a <= step + old; a++)
                memcpy(in + ((size_t)r * (size_t)len + (size_t)(a & (len - 1))) * per,
                       b->input + ((size_t)r * (size_t)old + (size_t)(a & (old - 1))) * per,
                       per * sizeof *in);
    }
    job->fresh[s] = in;
}

rv_status rv__pop_size_input(rv_sim *sim, rv__pop *p, int64_t ring_len)
{
    const rv__model *m = p->model;
    int same = 1;
    for (int b = 0; b < p->n_blocks; b++)
        same &= p->blocks[b].input_len == ring_len;
    if (m->n_receptors == 0 || same)
        return RV_OK;
    input_job job = {sim, p, ring_len, rv__calloc((size_t)p->n_blocks, sizeof(double *)), 0};
    if (job.fresh)
        rv__for_shards(sim, p->n_blocks, input_block, &job);
    if (!job.fresh || job.failed) {
        for (int b = 0; job.fresh && b < p->n_blocks; b++)
            rv__free(job.fresh[b]);
        rv__free(job.fresh);
        return rv__fail(sim, RV_ERR_NOMEM,
                        "rv_sim_run_until: out of memory for the input buffers of population %d",
                        (int)p->handle);
    }
    for (int b = 0; b < p->n_blocks; b++) {
        rv__free(p->blocks[b].input);
        p->blocks[b].input = job.fresh[b];
        p->blocks[b].input_len = ring_len;
    }
    rv__free(job.fresh);
    return RV_OK;
}

/* ---- the re-split ---------------------------------------------------------------- */

/* Copies neuron `from` of block src to neuron `to` of block dst: every
 * table, the lists (appended: neurons are copied in order), the input
 * rings (same length) and the spike log (moved). */
static void copy_neuron(rv__pop_block *dst, int64_t to, rv__pop_block *src, int64_t from,
                        const rv__model *m)
{
    for (int k = 0; k < m->n_params; k++)
        dst->param[k][to] = src->param[k][from];
    for (int k = 0; k < m->n_vars + m->n_internal; k++)
        dst->state[k][to] = src->state[k][from];
    for (int k = 0; k < m->n_vars; k++)
        dst->init[k][to] = src->init[k][from];
    for (int k = 0; k < m->n_derived; k++)
        dst->derived[k][to] = src->derived[k][from];
    if (dst->i_inj)
        dst->i_inj[to] = src->i_inj[from];
    size_t dn = (size_t)dst->view.n, sn = (size_t)src->view.n;
    for (int64_t slot = 0; src->input && slot < (int64_t)m->n_receptors * src->input_len; slot++)
        dst->input[(size_t)slot * dn + (size_t)to] = src->input[(size_t)slot * sn + (size_t)from];
    if (src->log) {
        dst->log[to] = src->log[from];
        src->log[from] = NULL;
    }
}

/* Copies the list of neuron `from` of src to the end of dst's lists (dst's
 * neuron `to`); the value arrays were sized for all of them. */
static void copy_list(rv__lists *dst, int64_t to, const rv__lists *src, int64_t from)
{
    int64_t len = src->off[from + 1] - src->off[from];
    memcpy(dst->val + dst->off[to], src->val + src->off[from], (size_t)len * sizeof(double));
    dst->off[to + 1] = dst->off[to] + len;
}

rv_status rv__pop_reshard(rv_sim *sim, rv__pop *p)
{
    int S = sim->n_shards;
    if (p->n_blocks == S)
        return RV_OK;
    const rv__model *m = p->model;
    rv__pop_block *fresh = rv__calloc((size_t)S, sizeof *fresh);
    int failed = !fresh;
    for (int s = 0; !failed && s < S; s++) {
        int64_t lo = rv__block_lo(p->n, S, s), n = rv__block_n(sim, p->n, S, s);
        rv__pop_block *b = &fresh[s];
        failed = block_alloc(b, m, lo, n, p->first_gid, 0);
        /* room for the lists and rings the neurons bring */
        int64_t len = 0, sched = 0, *arr = rv__calloc((size_t)m->n_arrays + 1, sizeof *arr);
        failed |= !arr;
        for (int64_t i = lo; !failed && i < lo + n; i++) {
            const rv__pop_block *o = &p->blocks[rv__block_of(p, i)];
            int64_t li = i - o->lo;
            for (int k = 0; k < m->n_arrays; k++)
                arr[k] += o->arrays[k].off[li + 1] - o->arrays[k].off[li];
            if (o->sched_off)
                sched += o->sched_off[li + 1] - o->sched_off[li];
            len = o->input_len;
        }
        for (int k = 0; !failed && k < m->n_arrays; k++) {
            rv__free(b->arrays[k].val);
            failed = !(b->arrays[k].val = rv__calloc((size_t)arr[k] + 1, sizeof(double)));
        }
        rv__free(arr);
        if (!failed && m->uses_schedule) {
            rv__free(b->sched_t);
            failed = !(b->sched_t = rv__calloc((size_t)sched + 1, sizeof(double)));
        }
        if (!failed && len > 0 && m->n_receptors > 0) {
            b->input_len = len;
            failed = !(b->input = rv__calloc((size_t)m->n_receptors * (size_t)len * (size_t)n + 1,
                                             sizeof(double)));
        }
        if (!failed && p->history)
            failed = !(b->log = rv__calloc((size_t)n + 1, sizeof *b->log));
        set_view(b, m, n, p->first_gid + lo);
    }
    if (!failed)
        failed = rv__rec_reshard(p, fresh, S) != RV_OK;
    if (failed) {
        for (int s = 0; fresh && s < S; s++)
            block_free(&fresh[s], m);
        rv__free(fresh);
        return rv__fail(sim, RV_ERR_NOMEM, "rv_sim_run_until: out of memory splitting "
                        "population %d over %d threads", (int)p->handle, S);
    }
    for (int s = 0; s < S; s++) {
        rv__pop_block *b = &fresh[s];
        for (int64_t t = 0; t < b->view.n; t++) {
            int64_t i = b->lo + t;
            rv__pop_block *o = &p->blocks[rv__block_of(p, i)];
            int64_t li = i - o->lo;
            copy_neuron(b, t, o, li, m);
            for (int k = 0; k < m->n_arrays; k++)
                copy_list(&b->arrays[k], t, &o->arrays[k], li);
            if (m->uses_schedule) {
                rv__lists to = {b->sched_off, b->sched_t}, from = {o->sched_off, o->sched_t};
                copy_list(&to, t, &from, li);
            }
        }
    }
    for (int b = 0; b < p->n_blocks; b++)
        block_free(&p->blocks[b], m);
    rv__free(p->blocks);
    p->blocks = fresh;
    p->n_blocks = S;
    return RV_OK;
}
