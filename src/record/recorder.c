/*
 * Recording: spikes (neuron index and exact time) and analog samples of
 * state variables, kept by each block for its own neurons so that a shard
 * records without touching another's memory.
 *
 * Spikes: per block, (local index, time) in order of time and per-neuron
 * counts; rv_rec_get_spikes merges the blocks into one list in order of
 * (time, neuron).  Analog data of a variable is a table with one column per
 * recorded neuron and one row per sample, the first row at `first_step` and
 * the next ones every `interval_steps`; each block holds the columns of its
 * recorded neurons, all with the same rows.  Row 0 of a run from t = 0
 * holds the initial values.  A neuron added while rows exist gets NaN in
 * the rows before it was recorded.  Before a run every block reserves the
 * rows the run will add, so sampling never allocates.
 */
#include <stdlib.h>
#include <string.h>

#include "core/sim.h"

rv_status rv__rec_init(rv__pop *p)
{
    p->interval_steps = 1;
    p->signals = rv__calloc((size_t)(p->model->n_vars ? p->model->n_vars : 1),
                            sizeof *p->signals);
    return p->signals ? RV_OK : RV_ERR_NOMEM;
}

rv_status rv__rec_block_init(rv__block_rec *r, const rv__model *m, int64_t n)
{
    memset(r, 0, sizeof *r);
    r->spike_on = rv__calloc((size_t)n + 1, 1);
    r->counts = rv__calloc((size_t)n + 1, sizeof *r->counts);
    r->cols = rv__calloc((size_t)(m->n_vars ? m->n_vars : 1), sizeof *r->cols);
    if (!r->spike_on || !r->counts || !r->cols)
        return RV_ERR_NOMEM;
    return RV_OK;
}

void rv__rec_block_free(rv__block_rec *r, const rv__model *m)
{
    rv__free(r->spike_on);
    rv__free(r->counts);
    rv__free(r->sp_idx);
    rv__free(r->sp_t);
    if (r->cols)
        for (int k = 0; k < m->n_vars; k++) {
            rv__free(r->cols[k].cells);
            rv__free(r->cols[k].data);
        }
    rv__free(r->cols);
    memset(r, 0, sizeof *r);
}

void rv__rec_free(rv__pop *p)
{
    rv__free(p->signals);
    rv__free(p->spikes.idx);
    rv__free(p->spikes.t);
}

void rv__rec_discard(rv__pop *p)
{
    for (int b = 0; b < p->n_blocks; b++) {
        rv__block_rec *r = &p->blocks[b].rec;
        r->sp_n = 0;
        if (p->blocks[b].view.n > 0)   /* an empty block may have no counts */
            memset(r->counts, 0, (size_t)p->blocks[b].view.n * sizeof *r->counts);
    }
    for (int k = 0; k < p->model->n_vars; k++)
        p->signals[k].n_rows = 0;
    p->spikes.valid = 0;
}

/* ---- spikes -------------------------------------------------------------------- */

typedef struct rec_spike {
    double t;
    uint32_t i;
} rec_spike;

static int cmp_spike(const void *a, const void *b)
{
    const rec_spike *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

/* The spikes of one step come in neuron order; sources with times inside
 * the step (Poisson, SpikeSourceArray) can then be out of time order.
 * Sorts the step's spikes from `first` on by (time, neuron), so that the
 * list stays in order of time. */
int rv__rec_sort_step(rv__block_rec *r, int64_t first)
{
    int64_t n = r->sp_n - first, k = 1;
    while (k < n && r->sp_t[first + k - 1] <= r->sp_t[first + k])
        k++;
    if (k >= n)
        return 0;
    if (n <= 64) {  /* few spikes: a stable insertion sort, no allocation */
        for (k = first + 1; k < r->sp_n; k++) {
            double t = r->sp_t[k];
            uint32_t i = r->sp_idx[k];
            int64_t j = k;
            for (; j > first && r->sp_t[j - 1] > t; j--) {
                r->sp_t[j] = r->sp_t[j - 1];
                r->sp_idx[j] = r->sp_idx[j - 1];
            }
            r->sp_t[j] = t;
            r->sp_idx[j] = i;
        }
        return 0;
    }
    rec_spike *tmp = rv__calloc((size_t)n, sizeof *tmp);
    if (!tmp)
        return -1;
    for (k = 0; k < n; k++)
        tmp[k] = (rec_spike){r->sp_t[first + k], r->sp_idx[first + k]};
    qsort(tmp, (size_t)n, sizeof *tmp, cmp_spike);
    for (k = 0; k < n; k++) {
        r->sp_t[first + k] = tmp[k].t;
        r->sp_idx[first + k] = tmp[k].i;
    }
    rv__free(tmp);
    return 0;
}

static int append_spike(rv__block_rec *r, uint32_t i, double t)
{
    if (r->sp_n == r->sp_cap) {
        int64_t cap_i = r->sp_cap, cap_t = r->sp_cap;
        if (rv__reserve((void **)&r->sp_idx, &cap_i, r->sp_n + 1, sizeof *r->sp_idx)
            || rv__reserve((void **)&r->sp_t, &cap_t, r->sp_n + 1, sizeof *r->sp_t))
            return -1;
        r->sp_cap = cap_i < cap_t ? cap_i : cap_t;
    }
    r->sp_idx[r->sp_n] = i;
    r->sp_t[r->sp_n] = t;
    r->sp_n++;
    return 0;
}

int rv__rec_spikes(rv__pop_block *b, const rv__spike_buf *f)
{
    rv__block_rec *r = &b->rec;
    for (int64_t k = 0; k < f->n; k++) {
        uint32_t i = f->idx[k];
        if (!r->spike_on[i])
            continue;
        r->counts[i]++;
        if (append_spike(r, i, f->t[k]))
            return -1;
    }
    return 0;
}

/* The spikes of all blocks in order of (time, neuron) into p->spikes: a
 * merge of the blocks' lists, each in that order, block by block among
 * equal times (blocks hold ascending neuron ranges). */
static int merge_spikes(rv__pop *p)
{
    rv__spike_view *v = &p->spikes;
    if (v->valid)
        return 0;
    int64_t total = 0;
    for (int b = 0; b < p->n_blocks; b++)
        total += p->blocks[b].rec.sp_n;
    if (total > v->cap) {
        uint32_t *idx = rv__realloc_array(v->idx, (size_t)total, sizeof *idx);
        if (!idx)
            return -1;
        v->idx = idx;
        double *t = rv__realloc_array(v->t, (size_t)total, sizeof *t);
        if (!t)
            return -1;
        v->t = t;
        v->cap = total;
    }
    int64_t at_store[64], *at = p->n_blocks <= 64 ? at_store : rv__calloc((size_t)p->n_blocks,
                                                                          sizeof *at);
    if (!at)
        return -1;
    for (int b = 0; b < p->n_blocks; b++)
        at[b] = 0;
    for (int64_t k = 0; k < total; k++) {
        int best = -1;
        for (int b = 0; b < p->n_blocks; b++) {
            const rv__block_rec *r = &p->blocks[b].rec;
            if (at[b] < r->sp_n && (best < 0 || r->sp_t[at[b]]
                                                    < p->blocks[best].rec.sp_t[at[best]]))
                best = b;
        }
        const rv__pop_block *blk = &p->blocks[best];
        v->idx[k] = (uint32_t)(blk->lo + blk->rec.sp_idx[at[best]]);
        v->t[k] = blk->rec.sp_t[at[best]];
        at[best]++;
    }
    if (at != at_store)
        rv__free(at);
    v->n = total;
    v->valid = 1;
    return 0;
}

/* ---- analog samples ------------------------------------------------------------------- */

/* The rows a signal will have once sampled up to `step` (the signal has
 * cells and a first step). */
static int64_t rows_up_to(const rv__pop *p, const rv__signal *s, int64_t step)
{
    return (step - s->first_step) / p->interval_steps + 1;
}

rv_status rv__rec_reserve(rv_sim *sim, rv__pop *p, int64_t target)
{
    for (int k = 0; k < p->model->n_vars; k++) {
        rv__signal *s = &p->signals[k];
        if (s->n_cells == 0)
            continue;
        if (s->n_rows == 0)
            s->first_step = sim->step;
        int64_t need = rows_up_to(p, s, target);
        if (need <= s->cap_rows)
            continue;
        int64_t cap = s->cap_rows > 0 ? s->cap_rows : 64;
        while (cap < need)
            cap *= 2;
        for (int b = 0; b < p->n_blocks; b++) {
            rv__signal_cols *c = &p->blocks[b].rec.cols[k];
            if (c->n_cells == 0)
                continue;
            double *d = rv__realloc_array(c->data, (size_t)cap * (size_t)c->n_cells, sizeof *d);
            if (!d)
                return rv__fail(sim, RV_ERR_NOMEM,
                                "rv_sim_run_until: out of memory for the recorded '%s' of "
                                "population %d", p->model->vars[k].name, (int)p->handle);
            c->data = d;
        }
        s->cap_rows = cap;
    }
    return RV_OK;
}

void rv__rec_sample_block(const rv__pop *p, rv__pop_block *b, int64_t step)
{
    for (int k = 0; k < p->model->n_vars; k++) {
        const rv__signal *s = &p->signals[k];
        rv__signal_cols *c = &b->rec.cols[k];
        if (c->n_cells == 0 || step < s->first_step
            || (step - s->first_step) % p->interval_steps != 0)
            continue;
        int64_t row = (step - s->first_step) / p->interval_steps;
        if (row < s->n_rows || row >= s->cap_rows)
            continue;   /* sampled already (a run ended here), or not reserved */
        double *out = c->data + (size_t)row * (size_t)c->n_cells;
        const double *x = b->state[k];
        for (int64_t j = 0; j < c->n_cells; j++)
            out[j] = x[c->cells[j]];
    }
}

void rv__rec_commit(rv__pop *p, int64_t step)
{
    for (int k = 0; k < p->model->n_vars; k++) {
        rv__signal *s = &p->signals[k];
        if (s->n_cells == 0 || step < s->first_step)
            continue;
        int64_t rows = rows_up_to(p, s, step);
        if (rows > s->n_rows)
            s->n_rows = rows < s->cap_rows ? rows : s->cap_rows;
    }
}

/* ---- moving data to new blocks ---------------------------------------------------------- */

rv_status rv__rec_reshard(rv__pop *p, rv__pop_block *fresh, int n_fresh)
{
    const rv__model *m = p->model;
    p->spikes.valid = 0;
    if (merge_spikes(p))
        return RV_ERR_NOMEM;
    const rv__spike_view *v = &p->spikes;
    for (int s = 0; s < n_fresh; s++) {
        rv__pop_block *b = &fresh[s];
        rv__block_rec *r = &b->rec;
        for (int64_t t = 0; t < b->view.n; t++) {
            int64_t i = b->lo + t;
            const rv__pop_block *o = &p->blocks[rv__block_of(p, i)];
            r->spike_on[t] = o->rec.spike_on[i - o->lo];
            r->counts[t] = o->rec.counts[i - o->lo];
        }
        for (int64_t k = 0; k < v->n; k++)
            if (v->idx[k] >= b->lo && v->idx[k] < b->lo + b->view.n
                && append_spike(r, (uint32_t)(v->idx[k] - b->lo), v->t[k]))
                return RV_ERR_NOMEM;
        for (int var = 0; var < m->n_vars; var++) {
            const rv__signal *sig = &p->signals[var];
            rv__signal_cols *c = &r->cols[var];
            int64_t n_cells = 0;
            for (int q = 0; q < p->n_blocks; q++) {
                const rv__signal_cols *oc = &p->blocks[q].rec.cols[var];
                for (int64_t j = 0; j < oc->n_cells; j++) {
                    int64_t i = p->blocks[q].lo + oc->cells[j];
                    n_cells += i >= b->lo && i < b->lo + b->view.n;
                }
            }
            if (n_cells == 0)
                continue;
            c->cells = rv__calloc((size_t)n_cells, sizeof *c->cells);
            c->data = sig->cap_rows ? rv__calloc((size_t)sig->cap_rows * (size_t)n_cells,
                                                 sizeof *c->data)
                                    : NULL;
            if (!c->cells || (sig->cap_rows && !c->data))
                return RV_ERR_NOMEM;
            for (int q = 0; q < p->n_blocks; q++) {
                const rv__pop_block *o = &p->blocks[q];
                const rv__signal_cols *oc = &o->rec.cols[var];
                for (int64_t j = 0; j < oc->n_cells; j++) {
                    int64_t i = o->lo + oc->cells[j];
                    if (i < b->lo || i >= b->lo + b->view.n)
                        continue;
                    int64_t col = c->n_cells++;
                    c->cells[col] = i - b->lo;
                    for (int64_t row = 0; row < sig->n_rows; row++)
                        c->data[row * n_cells + col] = oc->data[row * oc->n_cells + j];
                }
            }
        }
    }
    return RV_OK;
}

/* ---- public API ------------------------------------------------------------ */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* A block's columns of a variable rebuilt with the neurons marked (mark is
 * over the block's neurons), carrying existing rows (NaN for new columns):
 * into *out, the old columns left as they are. */
static int new_columns(const rv__signal *s, const rv__signal_cols *old, const uint8_t *mark,
                       int64_t n, rv__signal_cols *out)
{
    int64_t n_new = 0;
    for (int64_t i = 0; i < n; i++)
        n_new += mark[i];
    memset(out, 0, sizeof *out);
    out->cells = rv__calloc((size_t)(n_new ? n_new : 1), sizeof *out->cells);
    if (!out->cells)
        return -1;
    if (s->cap_rows > 0 && n_new > 0
        && !(out->data = rv__calloc((size_t)s->cap_rows * (size_t)n_new, sizeof *out->data))) {
        rv__free(out->cells);
        return -1;
    }
    for (int64_t i = 0; i < n; i++)
        if (mark[i])
            out->cells[out->n_cells++] = i;
    int64_t c_old = 0;
    for (int64_t c = 0; out->data && c < n_new; c++) {
        while (c_old < old->n_cells && old->cells[c_old] < out->cells[c])
            c_old++;
        int found = c_old < old->n_cells && old->cells[c_old] == out->cells[c];
        for (int64_t row = 0; row < s->n_rows; row++)
            out->data[row * n_new + c] = found ? old->data[row * old->n_cells + c_old] : NAN;
    }
    return 0;
}

typedef struct mark_ctx {
    uint8_t **mark;         /* per block */
    const rv__pop *p;
    uint8_t value;
} mark_ctx;

static void mark_one(rv__pop_block *b, int64_t i, int64_t k, void *ctx)
{
    (void)k;
    mark_ctx *c = ctx;
    if (b)   /* not another process's */
        c->mark[b - c->p->blocks][i] = c->value;
}

static void spike_on_one(rv__pop_block *b, int64_t i, int64_t k, void *ctx)
{
    (void)k;
    if (b)
        b->rec.spike_on[i] = *(const uint8_t *)ctx;
}

/* Rebuilds a variable's columns in every block: the union (enable) or
 * difference of its cells and idx. */
static rv_status change_columns(rv_sim *sim, rv__pop *p, int var, const int64_t *idx,
                                int64_t count, int enable)
{
    rv__signal *s = &p->signals[var];
    uint8_t **mark = rv__calloc((size_t)p->n_blocks, sizeof *mark);
    rv__signal_cols *fresh = rv__calloc((size_t)p->n_blocks, sizeof *fresh);
    int failed = !mark || !fresh;
    for (int b = 0; !failed && b < p->n_blocks; b++) {
        const rv__signal_cols *c = &p->blocks[b].rec.cols[var];
        failed = !(mark[b] = rv__calloc((size_t)p->blocks[b].view.n + 1, 1));
        for (int64_t j = 0; !failed && j < c->n_cells; j++)
            mark[b][c->cells[j]] = 1;
    }
    if (!failed) {
        mark_ctx mc = {mark, p, (uint8_t)(enable ? 1 : 0)};
        rv__pop_visit(p, idx, count, mark_one, &mc);
    }
    int64_t total = 0;
    for (int b = 0; !failed && b < p->n_blocks; b++) {
        failed = new_columns(s, &p->blocks[b].rec.cols[var], mark[b], p->blocks[b].view.n,
                             &fresh[b]);
        total += failed ? 0 : fresh[b].n_cells;
    }
    for (int b = 0; mark && b < p->n_blocks; b++)
        rv__free(mark[b]);
    rv__free(mark);
    if (failed) {
        for (int b = 0; fresh && b < p->n_blocks; b++) {
            rv__free(fresh[b].cells);
            rv__free(fresh[b].data);
        }
        rv__free(fresh);
        return rv__fail(sim, RV_ERR_NOMEM, "rv_rec_set: out of memory");
    }
    for (int b = 0; b < p->n_blocks; b++) {
        rv__signal_cols *c = &p->blocks[b].rec.cols[var];
        rv__free(c->cells);
        rv__free(c->data);
        *c = fresh[b];
    }
    rv__free(fresh);
    s->n_cells = total;
    if (total == 0 || s->n_rows == 0) {
        s->n_rows = 0;
        if (total == 0)
            s->cap_rows = 0;
    }
    return RV_OK;
}

rv_status rv_rec_set(rv_sim *sim, int32_t pop, const char *var, const int64_t *idx,
                     int64_t n_idx, int enable)
{
    static const char fn[] = "rv_rec_set";
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    rv__pop *p;
    int64_t count;
    rv_status st = rv__get_pop(sim, fn, pop, &p);
    if (st || (st = rv__check_indices(sim, fn, p, idx, n_idx, &count)))
        return st;
    if (!var)
        return rv__fail(sim, RV_ERR_NULL, "%s: var is NULL", fn);
    if (strcmp(var, "spikes") == 0) {
        uint8_t on = (uint8_t)(enable ? 1 : 0);
        rv__pop_visit(p, idx, count, spike_on_one, &on);
        return RV_OK;
    }
    int v = rv__var_index(p->model, var);
    if (v < 0)
        return rv__fail(sim, RV_ERR_NAME, "%s: %s has no recordable variable '%s'", fn,
                        p->model->name, var);
    return change_columns(sim, p, v, idx, count, enable);
}

rv_status rv_rec_set_interval(rv_sim *sim, int32_t pop, double interval)
{
    static const char fn[] = "rv_rec_set_interval";
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    rv__pop *p;
    rv_status st = rv__get_pop(sim, fn, pop, &p);
    if (st)
        return st;
    double steps = interval / sim->dt;
    /* range-checked before the conversion: a plain cast of a huge value is undefined */
    int64_t k = steps >= 0.5 && steps < RV__MAX_EXACT_INT ? (int64_t)round(steps) : 0;
    if (k < 1 || fabs(steps - (double)k) > 1e-9 * fmax(1.0, steps))
        return rv__fail(sim, RV_ERR_VALUE,
                        "%s: sampling interval %g ms must be a positive multiple of dt = %g ms",
                        fn, interval, sim->dt);
    if (k == p->interval_steps)
        return RV_OK;
    for (int v = 0; v < p->model->n_vars; v++)
        if (p->signals[v].n_rows > 0)
            return rv__fail(sim, RV_ERR_PHASE,
                            "%s: population %d already recorded samples every %g ms; the "
                            "interval cannot change until its data is cleared", fn, (int)pop,
                            p->interval_steps * sim->dt);
    p->interval_steps = k;
    return RV_OK;
}

rv_status rv_rec_get_spikes(rv_sim *sim, int32_t pop, int64_t *n_out, const uint32_t **idx,
                            const double **times)
{
    static const char fn[] = "rv_rec_get_spikes";
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    rv__pop *p;
    rv_status st = rv__get_pop(sim, fn, pop, &p);
    if (st)
        return st;
    if (!n_out || !idx || !times)
        return rv__fail(sim, RV_ERR_NULL, "%s: an output pointer is NULL", fn);
    if (merge_spikes(p))
        return rv__fail(sim, RV_ERR_NOMEM, "%s: out of memory", fn);
    *n_out = p->spikes.n;
    *idx = p->spikes.idx;
    *times = p->spikes.t;
    return RV_OK;
}

typedef struct counts_ctx {
    int64_t *out;
} counts_ctx;

static void count_one(rv__pop_block *b, int64_t i, int64_t k, void *ctx)
{
    ((counts_ctx *)ctx)->out[k] = b ? b->rec.counts[i] : 0;   /* 0: another process's */
}

rv_status rv_rec_spike_counts(rv_sim *sim, int32_t pop, const int64_t *idx, int64_t n_idx,
                              int64_t *counts)
{
    static const char fn[] = "rv_rec_spike_counts";
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    rv__pop *p;
    int64_t count;
    rv_status st = rv__get_pop(sim, fn, pop, &p);
    if (st || (st = rv__check_indices(sim, fn, p, idx, n_idx, &count)))
        return st;
    if (!counts)
        return rv__fail(sim, RV_ERR_NULL, "%s: counts is NULL", fn);
    counts_ctx c = {counts};
    rv__pop_visit(p, idx, count, count_one, &c);
    return RV_OK;
}

static rv_status find_signal(rv_sim *sim, const char *fn, int32_t pop, const char *var,
                             rv__pop **p, int *v)
{
    rv_status st = rv__get_pop(sim, fn, pop, p);
    if (st)
        return st;
    if (!var)
        return rv__fail(sim, RV_ERR_NULL, "%s: var is NULL", fn);
    *v = rv__var_index((*p)->model, var);
    if (*v < 0)
        return rv__fail(sim, RV_ERR_NAME, "%s: %s has no recordable variable '%s'", fn,
                        (*p)->model->name, var);
    return RV_OK;
}

rv_status rv_rec_get_signal_info(rv_sim *sim, int32_t pop, const char *var, int64_t *n_samples,
                                 double *t_first, double *interval)
{
    static const char fn[] = "rv_rec_get_signal_info";
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    rv__pop *p = NULL;
    int v = -1;
    rv_status st = find_signal(sim, fn, pop, var, &p, &v);
    if (st)
        return st;
    if (!n_samples || !t_first || !interval)
        return rv__fail(sim, RV_ERR_NULL, "%s: an output pointer is NULL", fn);
    const rv__signal *s = &p->signals[v];
    *n_samples = s->n_rows;
    *t_first = s->n_rows ? s->first_step * sim->dt : sim->step * sim->dt;
    *interval = p->interval_steps * sim->dt;
    return RV_OK;
}

typedef struct signal_ctx {
    int var;
    const rv__signal *s;
    int64_t count;
    double *out;
} signal_ctx;

static void signal_one(rv__pop_block *b, int64_t i, int64_t k, void *ctx)
{
    const signal_ctx *c = ctx;
    if (!b) {   /* another process's */
        for (int64_t row = 0; row < c->s->n_rows; row++)
            c->out[row * c->count + k] = NAN;
        return;
    }
    const rv__signal_cols *cols = &b->rec.cols[c->var];
    /* bsearch's array may not be NULL even when empty (C11 7.22.5). */
    const int64_t *hit = cols->n_cells > 0 ? bsearch(&i, cols->cells, (size_t)cols->n_cells,
                                                     sizeof *cols->cells, cmp_i64)
                                           : NULL;
    int64_t col = hit ? hit - cols->cells : -1;
    for (int64_t row = 0; row < c->s->n_rows; row++)
        c->out[row * c->count + k] = col >= 0 ? cols->data[row * cols->n_cells + col] : NAN;
}

rv_status rv_rec_get_signal(rv_sim *sim, int32_t pop, const char *var, const int64_t *idx,
                            int64_t n_idx, double *out)
{
    static const char fn[] = "rv_rec_get_signal";
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    rv__pop *p = NULL;
    int64_t count;
    int v = -1;
    rv_status st = find_signal(sim, fn, pop, var, &p, &v);
    if (st || (st = rv__check_indices(sim, fn, p, idx, n_idx, &count)))
        return st;
    if (!out && p->signals[v].n_rows > 0 && count > 0)
        return rv__fail(sim, RV_ERR_NULL, "%s: out is NULL", fn);
    signal_ctx c = {v, &p->signals[v], count, out};
    rv__pop_visit(p, idx, count, signal_one, &c);
    return RV_OK;
}

rv_status rv_rec_clear(rv_sim *sim, int32_t pop)
{
    static const char fn[] = "rv_rec_clear";
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    rv__pop *p;
    rv_status st = rv__get_pop(sim, fn, pop, &p);
    if (st)
        return st;
    for (int b = 0; b < p->n_blocks; b++) {
        rv__block_rec *r = &p->blocks[b].rec;
        r->sp_n = 0;
        if (p->blocks[b].view.n > 0)   /* an empty block may have no counts */
            memset(r->counts, 0, (size_t)p->blocks[b].view.n * sizeof *r->counts);
    }
    p->spikes.valid = 0;
    for (int v = 0; v < p->model->n_vars; v++) {
        rv__signal *s = &p->signals[v];
        if (s->n_rows == 0)
            continue;
        int64_t last = s->first_step + (s->n_rows - 1) * p->interval_steps;
        if (last == sim->step) {   /* keep the sample of the current time */
            for (int b = 0; b < p->n_blocks; b++) {
                rv__signal_cols *c = &p->blocks[b].rec.cols[v];
                if (c->n_cells == 0)   /* no columns: data may be NULL */
                    continue;
                memmove(c->data, c->data + (size_t)(s->n_rows - 1) * (size_t)c->n_cells,
                        (size_t)c->n_cells * sizeof *c->data);
            }
            s->first_step = last;
            s->n_rows = 1;
        } else {
            s->n_rows = 0;
        }
    }
    return RV_OK;
}
