/*
 * Per-neuron lists of a population: SpikeSourceArray's spike times and
 * the array parameters of a model (SpikeSourceInhGamma's a, b and tbins),
 * kept per block as compressed rows (rv__lists) and set and read through
 * rv_pop_set_array_param / rv_pop_get_array_param (and the spike-time
 * functions, which are the same lists under another name).
 */
#include <string.h>

#include "core/sim.h"

static const rv__array_desc spike_times_desc = {"spike_times", "ms", RV__NONNEG, 1, NULL, 0};

/* The lists called `name` of a population: an array parameter of its model
 * (*k its index), or "spike_times" of a model that takes a schedule
 * (*k = -1); returns 0 if there is none. */
static int find_lists(const rv__pop *p, const char *name, const rv__array_desc **d, int *k)
{
    const rv__model *m = p->model;
    for (int j = 0; j < m->n_arrays; j++)
        if (strcmp(m->arrays[j].name, name) == 0) {
            *d = &m->arrays[j];
            *k = j;
            return 1;
        }
    if (m->uses_schedule && strcmp(name, spike_times_desc.name) == 0) {
        *d = &spike_times_desc;
        *k = -1;
        return 1;
    }
    return 0;
}

/* Block b's lists k (k < 0: its schedule). */
static rv__lists lists_in(const rv__pop_block *b, int k)
{
    return k >= 0 ? b->arrays[k] : (rv__lists){b->sched_off, b->sched_t};
}

static void set_lists_in(rv__pop_block *b, int k, rv__lists l)
{
    if (k >= 0) {
        b->arrays[k] = l;
    } else {
        b->sched_off = l.off;
        b->sched_t = l.val;
    }
    b->view.arrays = b->arrays;
    b->view.sched_off = b->sched_off;
    b->view.sched_t = b->sched_t;
}

/* Checks the lists given for the neurons idx[0..n_idx): offsets, and each
 * value against the rule and order of d. */
static rv_status check_lists(rv_sim *sim, const char *fn, const rv__pop *p,
                             const rv__array_desc *d, const int64_t *idx, int64_t n_idx,
                             const int64_t *offsets, const double *values, int64_t *count)
{
    rv_status st;
    if (!offsets)
        return rv__fail(sim, RV_ERR_NULL, "%s: offsets is NULL", fn);
    if (!idx && n_idx != p->n)
        return rv__fail(sim, RV_ERR_SIZE,
                        "%s: without idx, n_idx (%lld) must equal the population size %lld",
                        fn, (long long)n_idx, (long long)p->n);
    if ((st = rv__check_indices(sim, fn, p, idx, n_idx, count)))
        return st;
    if (offsets[0] != 0)
        return rv__fail(sim, RV_ERR_VALUE, "%s: offsets[0] = %lld must be 0", fn,
                        (long long)offsets[0]);
    for (int64_t k = 0; k < *count; k++)
        if (offsets[k + 1] < offsets[k])
            return rv__fail(sim, RV_ERR_VALUE, "%s: offsets must not decrease (offsets[%lld])",
                            fn, (long long)(k + 1));
    if (offsets[*count] > 0 && !values)
        return rv__fail(sim, RV_ERR_NULL, "%s: %s values are NULL", fn, d->name);
    for (int64_t k = 0; k < *count; k++)
        for (int64_t j = offsets[k]; j < offsets[k + 1]; j++) {
            if (!rv__obeys(d->rule, values[j]))
                return rv__fail(sim, RV_ERR_VALUE,
                                "%s: %s parameter '%s' has the value %g (%s) for neuron %lld, "
                                "which is invalid; it must be %s", fn, p->model->name, d->name,
                                values[j], d->unit, (long long)(idx ? idx[k] : k),
                                rv__rule_text(d->rule));
            if (d->ordered && j > offsets[k] && values[j] < values[j - 1])
                return rv__fail(sim, RV_ERR_VALUE,
                                "%s: %s parameter '%s' of neuron %lld is not in order (%g %s "
                                "after %g %s); it must not decrease", fn, p->model->name,
                                d->name, (long long)(idx ? idx[k] : k), values[j], d->unit,
                                values[j - 1], d->unit);
        }
    return RV_OK;
}

/* Block b's lists k with the neurons that src names (src[i] = the
 * position in idx of its new list, or -1 to keep its own) replaced. */
static int rebuilt(const rv__pop_block *b, int k, const int64_t *src, const int64_t *offsets,
                   const double *values, rv__lists *out)
{
    rv__lists cur = lists_in(b, k);
    int64_t n = b->view.n;
    int64_t *off = rv__calloc((size_t)n + 1, sizeof *off);
    if (!off)
        return -1;
    for (int64_t i = 0; i < n; i++) {
        int64_t len = src[i] >= 0 ? offsets[src[i] + 1] - offsets[src[i]]
                                  : cur.off[i + 1] - cur.off[i];
        off[i + 1] = off[i] + len;
    }
    double *val = rv__calloc((size_t)off[n] + 1, sizeof *val);
    if (!val) {
        rv__free(off);
        return -1;
    }
    for (int64_t i = 0; i < n; i++) {
        int64_t len = off[i + 1] - off[i];
        if (len > 0)
            memcpy(val + off[i], src[i] >= 0 ? values + offsets[src[i]] : cur.val + cur.off[i],
                   (size_t)len * sizeof *val);
    }
    *out = (rv__lists){off, val};
    return 0;
}

static rv_status set_lists(rv_sim *sim, const char *fn, int32_t pop, const char *name,
                           const int64_t *idx, int64_t n_idx, const int64_t *offsets,
                           const double *values)
{
    rv__pop *p;
    rv_status st = rv__get_pop(sim, fn, pop, &p);
    if (st)
        return st;
    const rv__array_desc *d;
    int k;
    if (!name && !p->model->uses_schedule)
        return rv__fail(sim, RV_ERR_NAME, "%s: %s has no spike times", fn, p->model->name);
    if (!find_lists(p, name ? name : spike_times_desc.name, &d, &k))
        return rv__fail(sim, RV_ERR_NAME, "%s: %s has no array parameter '%s'", fn,
                        p->model->name, name);
    int64_t count;
    if ((st = check_lists(sim, fn, p, d, idx, n_idx, offsets, values, &count)))
        return st;
    /* New lists for every block, built before any is replaced; with
       repeated indices the last list wins. */
    int64_t *src = rv__calloc((size_t)p->n, sizeof *src);
    rv__lists *fresh = rv__calloc((size_t)p->n_blocks, sizeof *fresh);
    int failed = !src || !fresh;
    for (int64_t i = 0; !failed && i < p->n; i++)
        src[i] = -1;
    for (int64_t j = 0; !failed && j < count; j++)
        src[idx ? idx[j] : j] = j;
    for (int b = 0; !failed && b < p->n_blocks; b++)
        failed = rebuilt(&p->blocks[b], k, src + p->blocks[b].lo, offsets, values, &fresh[b]);
    if (failed) {
        for (int b = 0; fresh && b < p->n_blocks; b++) {
            rv__free(fresh[b].off);
            rv__free(fresh[b].val);
        }
        rv__free(fresh);
        rv__free(src);
        return rv__fail(sim, RV_ERR_NOMEM, "%s: out of memory", fn);
    }
    for (int b = 0; b < p->n_blocks; b++) {
        rv__lists old = lists_in(&p->blocks[b], k);
        rv__free(old.off);
        rv__free(old.val);
        set_lists_in(&p->blocks[b], k, fresh[b]);
    }
    rv__free(fresh);
    rv__free(src);
    p->dirty = 1;
    return RV_OK;
}

static rv_status get_list(rv_sim *sim, const char *fn, int32_t pop, const char *name,
                          int64_t index, double *out, int64_t cap, int64_t *n_out)
{
    rv__pop *p;
    rv_status st = rv__get_pop(sim, fn, pop, &p);
    if (st)
        return st;
    const rv__array_desc *d;
    int k;
    if (!name && !p->model->uses_schedule)
        return rv__fail(sim, RV_ERR_NAME, "%s: %s has no spike times", fn, p->model->name);
    if (!find_lists(p, name ? name : spike_times_desc.name, &d, &k))
        return rv__fail(sim, RV_ERR_NAME, "%s: %s has no array parameter '%s'", fn,
                        p->model->name, name);
    if (!n_out || (cap > 0 && !out))
        return rv__fail(sim, RV_ERR_NULL, "%s: %s is NULL", fn, !n_out ? "n_out" : "out");
    if (cap < 0)
        return rv__fail(sim, RV_ERR_SIZE, "%s: cap = %lld is negative", fn, (long long)cap);
    if (index < 0 || index >= p->n)
        return rv__fail(sim, RV_ERR_INDEX, "%s: index %lld is outside population of size %lld",
                        fn, (long long)index, (long long)p->n);
    int blk = rv__local_block_of(p, index);
    if (blk < 0) {   /* another process's neuron (MPI): an empty list here */
        *n_out = 0;
        return RV_OK;
    }
    const rv__pop_block *b = &p->blocks[blk];
    rv__lists l = lists_in(b, k);
    int64_t i = index - b->lo, len = l.off[i + 1] - l.off[i];
    for (int64_t j = 0; j < len && j < cap; j++)
        out[j] = l.val[l.off[i] + j];
    *n_out = len;
    return RV_OK;
}

rv_status rv_pop_set_array_param(rv_sim *sim, int32_t pop, const char *name, const int64_t *idx,
                                 int64_t n_idx, const int64_t *offsets, const double *values)
{
    static const char fn[] = "rv_pop_set_array_param";
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    if (!name)
        return rv__fail(sim, RV_ERR_NULL, "%s: name is NULL", fn);
    return set_lists(sim, fn, pop, name, idx, n_idx, offsets, values);
}

rv_status rv_pop_get_array_param(rv_sim *sim, int32_t pop, const char *name, int64_t index,
                                 double *out, int64_t cap, int64_t *n_out)
{
    static const char fn[] = "rv_pop_get_array_param";
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    if (!name)
        return rv__fail(sim, RV_ERR_NULL, "%s: name is NULL", fn);
    return get_list(sim, fn, pop, name, index, out, cap, n_out);
}

rv_status rv_pop_set_spike_times(rv_sim *sim, int32_t pop, const int64_t *idx, int64_t n_idx,
                                 const int64_t *offsets, const double *times)
{
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    return set_lists(sim, "rv_pop_set_spike_times", pop, NULL, idx, n_idx, offsets, times);
}

rv_status rv_pop_get_spike_times(rv_sim *sim, int32_t pop, int64_t index, double *out,
                                 int64_t cap, int64_t *n_out)
{
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    return get_list(sim, "rv_pop_get_spike_times", pop, NULL, index, out, cap, n_out);
}
