/*
 * Recording: spikes (neuron index and exact time) and analog samples of
 * state variables.
 *
 * Analog data of a variable is a table with one column per recorded
 * neuron and one row per sample, the first row at `first_step` and the
 * next ones every `interval_steps`.  Row 0 of a run from t = 0 holds the
 * initial values.  A neuron added while rows exist gets NaN in the rows
 * before it was recorded.
 */
#include <stdlib.h>
#include <string.h>

#include "core/sim.h"

rv_status rv__rec_init(rv__recorder *r, const rv__model *m, int64_t n)
{
    memset(r, 0, sizeof *r);
    r->interval_steps = 1;
    r->spike_on = rv__calloc((size_t)n, 1);
    r->counts = rv__calloc((size_t)n, sizeof *r->counts);
    r->signals = rv__calloc((size_t)(m->n_vars ? m->n_vars : 1), sizeof *r->signals);
    if (!r->spike_on || !r->counts || !r->signals)
        return RV_ERR_NOMEM;
    return RV_OK;
}

void rv__rec_free(rv__recorder *r, const rv__model *m)
{
    rv__free(r->spike_on);
    rv__free(r->counts);
    rv__free(r->sp_idx);
    rv__free(r->sp_t);
    if (r->signals)
        for (int k = 0; k < m->n_vars; k++) {
            rv__free(r->signals[k].cells);
            rv__free(r->signals[k].data);
        }
    rv__free(r->signals);
}

void rv__rec_discard(rv__recorder *r, const rv__model *m, int64_t n)
{
    r->sp_n = 0;
    memset(r->counts, 0, (size_t)n * sizeof *r->counts);
    for (int k = 0; k < m->n_vars; k++)
        r->signals[k].n_rows = 0;
}

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
 * list stays in order of time as rv_rec_get_spikes promises. */
int rv__rec_sort_step(rv__recorder *r, int64_t first)
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

int rv__rec_spikes(rv__pop *p, const rv__fired *f)
{
    rv__recorder *r = &p->rec;
    for (int64_t k = 0; k < f->n; k++) {
        uint32_t i = f->idx[k];
        if (!r->spike_on[i])
            continue;
        r->counts[i]++;
        if (r->sp_n == r->sp_cap) {
            int64_t cap_i = r->sp_cap, cap_t = r->sp_cap;
            if (rv__reserve((void **)&r->sp_idx, &cap_i, r->sp_n + 1, sizeof *r->sp_idx)
                || rv__reserve((void **)&r->sp_t, &cap_t, r->sp_n + 1, sizeof *r->sp_t))
                return -1;
            r->sp_cap = cap_i < cap_t ? cap_i : cap_t;
        }
        r->sp_idx[r->sp_n] = i;
        r->sp_t[r->sp_n] = f->t[k];
        r->sp_n++;
    }
    return 0;
}

/* Appends a row to every recorded variable whose sample is due at step. */
int rv__rec_sample(rv__pop *p, int64_t step)
{
    rv__recorder *r = &p->rec;
    for (int k = 0; k < p->model->n_vars; k++) {
        rv__signal *s = &r->signals[k];
        if (s->n_cells == 0)
            continue;
        if (s->n_rows > 0) {
            int64_t last = s->first_step + (s->n_rows - 1) * r->interval_steps;
            if (step <= last || (step - s->first_step) % r->interval_steps != 0)
                continue;
        } else {
            s->first_step = step;
        }
        if (s->n_rows == s->cap_rows) {
            int64_t cap = s->cap_rows > 0 ? s->cap_rows * 2 : 64;
            double *d = rv__realloc_array(s->data, (size_t)cap * (size_t)s->n_cells, sizeof *d);
            if (!d)
                return -1;
            s->data = d;
            s->cap_rows = cap;
        }
        double *row = s->data + (size_t)s->n_rows * (size_t)s->n_cells;
        const double *x = p->state[k];
        for (int64_t c = 0; c < s->n_cells; c++)
            row[c] = x[s->cells[c]];
        s->n_rows++;
    }
    return 0;
}

/* ---- public API ------------------------------------------------------------ */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Rebuilds a signal's column set: the union (enable) or difference of its
 * cells and idx, carrying over existing rows (NaN for new columns). */
static rv_status change_columns(rv_sim *sim, rv__pop *p, rv__signal *s, const int64_t *idx,
                                int64_t count, int enable)
{
    uint8_t *mark = rv__calloc((size_t)p->n, 1);
    if (!mark)
        return rv__fail(sim, RV_ERR_NOMEM, "rv_rec_set: out of memory");
    for (int64_t c = 0; c < s->n_cells; c++)
        mark[s->cells[c]] = 1;
    for (int64_t k = 0; k < count; k++)
        mark[idx ? idx[k] : k] = (uint8_t)(enable ? 1 : 0);
    int64_t n_new = 0;
    for (int64_t i = 0; i < p->n; i++)
        n_new += mark[i];
    int64_t *cells = rv__calloc((size_t)(n_new ? n_new : 1), sizeof *cells);
    double *data = NULL;
    if (cells && s->n_rows > 0 && n_new > 0)
        data = rv__calloc((size_t)s->cap_rows * (size_t)n_new, sizeof *data);
    if (!cells || (s->n_rows > 0 && n_new > 0 && !data)) {
        rv__free(mark);
        rv__free(cells);
        return rv__fail(sim, RV_ERR_NOMEM, "rv_rec_set: out of memory");
    }
    int64_t c_new = 0;
    for (int64_t i = 0; i < p->n; i++)
        if (mark[i])
            cells[c_new++] = i;
    if (data) {
        /* old column of each new cell, or -1 */
        int64_t c_old = 0;
        for (int64_t c = 0; c < n_new; c++) {
            while (c_old < s->n_cells && s->cells[c_old] < cells[c])
                c_old++;
            int found = c_old < s->n_cells && s->cells[c_old] == cells[c];
            for (int64_t row = 0; row < s->n_rows; row++)
                data[row * n_new + c] = found ? s->data[row * s->n_cells + c_old] : NAN;
        }
    }
    rv__free(mark);
    rv__free(s->cells);
    rv__free(s->data);
    s->cells = cells;
    s->n_cells = n_new;
    s->data = data;
    if (!data) {
        s->n_rows = 0;
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
        for (int64_t k = 0; k < count; k++)
            p->rec.spike_on[idx ? idx[k] : k] = (uint8_t)(enable ? 1 : 0);
        return RV_OK;
    }
    int v = rv__var_index(p->model, var);
    if (v < 0)
        return rv__fail(sim, RV_ERR_NAME, "%s: %s has no recordable variable '%s'", fn,
                        p->model->name, var);
    return change_columns(sim, p, &p->rec.signals[v], idx, count, enable);
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
    int64_t k = isfinite(steps) ? llround(steps) : 0;
    if (k < 1 || fabs(steps - (double)k) > 1e-9 * fmax(1.0, steps))
        return rv__fail(sim, RV_ERR_VALUE,
                        "%s: sampling interval %g ms must be a positive multiple of dt = %g ms",
                        fn, interval, sim->dt);
    if (k == p->rec.interval_steps)
        return RV_OK;
    for (int v = 0; v < p->model->n_vars; v++)
        if (p->rec.signals[v].n_rows > 0)
            return rv__fail(sim, RV_ERR_PHASE,
                            "%s: population %d already recorded samples every %g ms; the "
                            "interval cannot change until its data is cleared", fn, (int)pop,
                            p->rec.interval_steps * sim->dt);
    p->rec.interval_steps = k;
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
    *n_out = p->rec.sp_n;
    *idx = p->rec.sp_idx;
    *times = p->rec.sp_t;
    return RV_OK;
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
    for (int64_t k = 0; k < count; k++)
        counts[k] = p->rec.counts[idx ? idx[k] : k];
    return RV_OK;
}

static rv_status find_signal(rv_sim *sim, const char *fn, int32_t pop, const char *var,
                             rv__pop **p, rv__signal **s)
{
    rv_status st = rv__get_pop(sim, fn, pop, p);
    if (st)
        return st;
    if (!var)
        return rv__fail(sim, RV_ERR_NULL, "%s: var is NULL", fn);
    int v = rv__var_index((*p)->model, var);
    if (v < 0)
        return rv__fail(sim, RV_ERR_NAME, "%s: %s has no recordable variable '%s'", fn,
                        (*p)->model->name, var);
    *s = &(*p)->rec.signals[v];
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
    rv__signal *s = NULL;
    rv_status st = find_signal(sim, fn, pop, var, &p, &s);
    if (st)
        return st;
    if (!n_samples || !t_first || !interval)
        return rv__fail(sim, RV_ERR_NULL, "%s: an output pointer is NULL", fn);
    *n_samples = s->n_rows;
    *t_first = s->n_rows ? s->first_step * sim->dt : sim->step * sim->dt;
    *interval = p->rec.interval_steps * sim->dt;
    return RV_OK;
}

rv_status rv_rec_get_signal(rv_sim *sim, int32_t pop, const char *var, const int64_t *idx,
                            int64_t n_idx, double *out)
{
    static const char fn[] = "rv_rec_get_signal";
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    rv__pop *p = NULL;
    rv__signal *s = NULL;
    int64_t count;
    rv_status st = find_signal(sim, fn, pop, var, &p, &s);
    if (st || (st = rv__check_indices(sim, fn, p, idx, n_idx, &count)))
        return st;
    if (!out && s->n_rows > 0 && count > 0)
        return rv__fail(sim, RV_ERR_NULL, "%s: out is NULL", fn);
    for (int64_t k = 0; k < count; k++) {
        int64_t i = idx ? idx[k] : k;
        const int64_t *hit = bsearch(&i, s->cells, (size_t)s->n_cells, sizeof *s->cells, cmp_i64);
        int64_t c = hit ? hit - s->cells : -1;
        for (int64_t row = 0; row < s->n_rows; row++)
            out[row * count + k] = c >= 0 ? s->data[row * s->n_cells + c] : NAN;
    }
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
    rv__recorder *r = &p->rec;
    r->sp_n = 0;
    memset(r->counts, 0, (size_t)p->n * sizeof *r->counts);
    for (int v = 0; v < p->model->n_vars; v++) {
        rv__signal *s = &r->signals[v];
        if (s->n_rows == 0)
            continue;
        int64_t last = s->first_step + (s->n_rows - 1) * r->interval_steps;
        if (last == sim->step) {
            memmove(s->data, s->data + (size_t)(s->n_rows - 1) * (size_t)s->n_cells,
                    (size_t)s->n_cells * sizeof *s->data);
            s->first_step = last;
            s->n_rows = 1;
        } else {
            s->n_rows = 0;
        }
    }
    return RV_OK;
}
