/*
 * Populations: creation, parameters, initial values, state, spike times.
 */
#include <stdlib.h>
#include <string.h>

#include "core/sim.h"
#include "models/point_neuron.h"

static double **alloc_table(int rows, int64_t n)
{
    double **t = rv__calloc(rows > 0 ? (size_t)rows : 1, sizeof *t);
    if (!t)
        return NULL;
    for (int k = 0; k < rows; k++) {
        t[k] = rv__calloc((size_t)n, sizeof **t);
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

void rv__pop_free(rv__pop *p)
{
    if (!p)
        return;
    const rv__model *m = p->model;
    free_table(p->param, m->n_params);
    free_table(p->state, m->n_vars + m->n_internal);
    free_table(p->init, m->n_vars);
    free_table(p->derived, m->n_derived);
    free_table(p->scratch, m->n_scratch);
    rv__free(p->input);
    rv__free(p->i_inj);
    rv__free(p->sched_off);
    rv__free(p->sched_t);
    for (int k = 0; p->arrays && k < m->n_arrays; k++) {
        rv__free(p->arrays[k].off);
        rv__free(p->arrays[k].val);
    }
    rv__free(p->arrays);
    rv__free(p->out_proj);
    for (int k = 0; p->fired && k < p->n_fired_buffers; k++) {
        rv__free(p->fired[k].idx);
        rv__free(p->fired[k].t);
    }
    rv__free(p->fired);
    rv__free(p->shard_lo);
    rv__history_free(p->history, p->n);
    rv__rec_free(&p->rec, m);
    if (p->owns_model && m->release)
        m->release(m);
    rv__free(p);
}

void rv__pop_reset_state(rv__pop *p)
{
    const rv__model *m = p->model;
    for (int k = 0; k < m->n_vars; k++)
        memcpy(p->state[k], p->init[k], (size_t)p->n * sizeof(double));
    for (int k = m->n_vars; k < m->n_vars + m->n_internal; k++)
        memset(p->state[k], 0, (size_t)p->n * sizeof(double));
    if (p->input)
        memset(p->input, 0,
               (size_t)m->n_receptors * (size_t)p->input_len * (size_t)p->n * sizeof(double));
    p->dirty = 1;
}

/* Largest population the kernel accepts: indices are 32-bit. */
#define MAX_POP_SIZE ((int64_t)UINT32_MAX)

static rv_status create_checked(rv_sim *sim, const char *fn, const rv__model *m, int64_t n,
                                int32_t *pop_out)
{
    if (n < 1 || n > MAX_POP_SIZE)
        return rv__fail(sim, RV_ERR_VALUE,
                        "%s: size n = %lld is invalid; it must lie in [1, %lld]", fn,
                        (long long)n, (long long)MAX_POP_SIZE);
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
    p->param = alloc_table(m->n_params, n);
    p->state = alloc_table(m->n_vars + m->n_internal, n);
    p->init = alloc_table(m->n_vars, n);
    p->derived = alloc_table(m->n_derived, n);
    p->scratch = alloc_table(m->n_scratch, n);
    int failed = !p->param || !p->state || !p->init || !p->derived || !p->scratch;
    if (!failed && m->kind == RV_MODEL_NEURON) {
        p->i_inj = rv__calloc((size_t)n, sizeof *p->i_inj);
        failed = !p->i_inj;
    }
    if (!failed && m->uses_schedule) {
        p->sched_off = rv__calloc((size_t)n + 1, sizeof *p->sched_off);
        failed = !p->sched_off;
    }
    if (!failed && m->n_arrays > 0) {
        p->arrays = rv__calloc((size_t)m->n_arrays, sizeof *p->arrays);
        failed = !p->arrays;
        for (int k = 0; !failed && k < m->n_arrays; k++) {
            const rv__array_desc *d = &m->arrays[k];
            rv__lists *a = &p->arrays[k];
            a->off = rv__calloc((size_t)n + 1, sizeof *a->off);
            a->val = rv__calloc((size_t)n * (size_t)d->n_def + 1, sizeof *a->val);
            failed = !a->off || !a->val;
            for (int64_t i = 0; !failed && i < n; i++) {
                a->off[i + 1] = a->off[i] + d->n_def;
                for (int j = 0; j < d->n_def; j++)
                    a->val[a->off[i] + j] = d->def[j];
            }
        }
    }
    if (failed || rv__rec_init(&p->rec, m, n)) {
        rv__pop_free(p);  /* does not own m yet */
        return rv__fail(sim, RV_ERR_NOMEM, "%s: out of memory for %lld neurons", fn,
                        (long long)n);
    }
    for (int k = 0; k < m->n_params; k++)
        for (int64_t i = 0; i < n; i++)
            p->param[k][i] = m->params[k].def;
    for (int k = 0; k < m->n_vars; k++)
        for (int64_t i = 0; i < n; i++)
            p->init[k][i] = m->vars[k].def;
    rv__pop_reset_state(p);
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

static void scatter(double *dst, const int64_t *idx, int64_t count, const double *values,
                    int64_t n_values)
{
    for (int64_t k = 0; k < count; k++)
        dst[idx ? idx[k] : k] = values[n_values == 1 ? 0 : k];
}

static void gather(const double *src, const int64_t *idx, int64_t count, double *out)
{
    for (int64_t k = 0; k < count; k++)
        out[k] = src[idx ? idx[k] : k];
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
    scatter(p->param[k], idx, count, values, n_values);
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
    gather(p->param[k], idx, count, out);
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
    scatter(p->init[k], idx, count, values, n_values);
    if (sim->step == 0)
        scatter(p->state[k], idx, count, values, n_values);
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
    gather(p->init[k], idx, count, out);
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
    gather(p->state[k], idx, count, out);
    return RV_OK;
}

/* ---- per-neuron lists: spike times and array parameters ----------------- */

static const rv__array_desc spike_times_desc = {"spike_times", "ms", RV__NONNEG, 1, NULL, 0};

/* Replaces the lists of the neurons idx[0..n_idx) in *cur (a population's
 * spike schedule or one of its array parameters, described by d) with
 * values[offsets[k] .. offsets[k+1]); everything is checked first, and on
 * failure *cur is unchanged. */
static rv_status replace_lists(rv_sim *sim, const char *fn, const rv__pop *p,
                               const rv__array_desc *d, rv__lists *cur, const int64_t *idx,
                               int64_t n_idx, const int64_t *offsets, const double *values)
{
    rv_status st;
    if (!offsets)
        return rv__fail(sim, RV_ERR_NULL, "%s: offsets is NULL", fn);
    int64_t count;
    if (!idx && n_idx != p->n)
        return rv__fail(sim, RV_ERR_SIZE,
                        "%s: without idx, n_idx (%lld) must equal the population size %lld",
                        fn, (long long)n_idx, (long long)p->n);
    if ((st = rv__check_indices(sim, fn, p, idx, n_idx, &count)))
        return st;
    if (offsets[0] != 0)
        return rv__fail(sim, RV_ERR_VALUE, "%s: offsets[0] = %lld must be 0", fn,
                        (long long)offsets[0]);
    for (int64_t k = 0; k < count; k++) {
        if (offsets[k + 1] < offsets[k])
            return rv__fail(sim, RV_ERR_VALUE, "%s: offsets must not decrease (offsets[%lld])",
                            fn, (long long)(k + 1));
    }
    if (offsets[count] > 0 && !values)
        return rv__fail(sim, RV_ERR_NULL, "%s: %s values are NULL", fn, d->name);
    for (int64_t k = 0; k < count; k++) {
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
    }
    /* New per-neuron lengths: untouched neurons keep theirs; with repeated
       indices the last list wins. */
    int64_t *src = rv__calloc((size_t)p->n, sizeof *src);
    int64_t *new_off = rv__calloc((size_t)p->n + 1, sizeof *new_off);
    if (!src || !new_off) {
        rv__free(src);
        rv__free(new_off);
        return rv__fail(sim, RV_ERR_NOMEM, "%s: out of memory", fn);
    }
    for (int64_t i = 0; i < p->n; i++)
        src[i] = -1;
    for (int64_t k = 0; k < count; k++)
        src[idx ? idx[k] : k] = k;
    for (int64_t i = 0; i < p->n; i++) {
        int64_t len = src[i] >= 0 ? offsets[src[i] + 1] - offsets[src[i]]
                                  : cur->off[i + 1] - cur->off[i];
        new_off[i + 1] = new_off[i] + len;
    }
    double *new_val = rv__calloc((size_t)new_off[p->n] + 1, sizeof *new_val);
    if (!new_val) {
        rv__free(src);
        rv__free(new_off);
        return rv__fail(sim, RV_ERR_NOMEM, "%s: out of memory", fn);
    }
    for (int64_t i = 0; i < p->n; i++) {
        int64_t len = new_off[i + 1] - new_off[i];
        if (len > 0)
            memcpy(new_val + new_off[i],
                   src[i] >= 0 ? values + offsets[src[i]] : cur->val + cur->off[i],
                   (size_t)len * sizeof *new_val);
    }
    rv__free(src);
    rv__free(cur->off);
    rv__free(cur->val);
    cur->off = new_off;
    cur->val = new_val;
    return RV_OK;
}

/* Copies the list of neuron `index` (shared checks of the readers). */
static rv_status read_list(rv_sim *sim, const char *fn, const rv__pop *p, const rv__lists *l,
                           int64_t index, double *out, int64_t cap, int64_t *n_out)
{
    if (!n_out || (cap > 0 && !out))
        return rv__fail(sim, RV_ERR_NULL, "%s: %s is NULL", fn, !n_out ? "n_out" : "out");
    if (cap < 0)
        return rv__fail(sim, RV_ERR_SIZE, "%s: cap = %lld is negative", fn, (long long)cap);
    if (index < 0 || index >= p->n)
        return rv__fail(sim, RV_ERR_INDEX, "%s: index %lld is outside population of size %lld",
                        fn, (long long)index, (long long)p->n);
    int64_t len = l->off[index + 1] - l->off[index];
    for (int64_t j = 0; j < len && j < cap; j++)
        out[j] = l->val[l->off[index] + j];
    *n_out = len;
    return RV_OK;
}

/* The lists called `name` of a population: an array parameter of its model,
 * or "spike_times" of a model that takes a schedule.  Sets *d, and *k to the
 * array's index (-1 for the schedule); returns 0 if there is none. */
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

/* The lists `name` of population pop (name NULL: its spike times), for the
 * public functions below: their population, description and place (k < 0:
 * the schedule). */
static rv_status lists_of(rv_sim *sim, const char *fn, int32_t pop, const char *name,
                          rv__pop **p, const rv__array_desc **d, int *k)
{
    rv_status st = rv__get_pop(sim, fn, pop, p);
    if (st)
        return st;
    if (!name) {
        if (!(*p)->model->uses_schedule)
            return rv__fail(sim, RV_ERR_NAME, "%s: %s has no spike times", fn,
                            (*p)->model->name);
        name = spike_times_desc.name;
    }
    if (!find_lists(*p, name, d, k))
        return rv__fail(sim, RV_ERR_NAME, "%s: %s has no array parameter '%s'", fn,
                        (*p)->model->name, name);
    return RV_OK;
}

static rv_status set_lists(rv_sim *sim, const char *fn, int32_t pop, const char *name,
                           const int64_t *idx, int64_t n_idx, const int64_t *offsets,
                           const double *values)
{
    rv__pop *p;
    const rv__array_desc *d;
    int k;
    rv_status st = lists_of(sim, fn, pop, name, &p, &d, &k);
    if (st)
        return st;
    rv__lists sched = {p->sched_off, p->sched_t};
    rv__lists *cur = k >= 0 ? &p->arrays[k] : &sched;
    if ((st = replace_lists(sim, fn, p, d, cur, idx, n_idx, offsets, values)))
        return st;
    if (k < 0) {
        p->sched_off = sched.off;
        p->sched_t = sched.val;
    }
    p->dirty = 1;
    return RV_OK;
}

static rv_status get_list(rv_sim *sim, const char *fn, int32_t pop, const char *name,
                          int64_t index, double *out, int64_t cap, int64_t *n_out)
{
    rv__pop *p;
    const rv__array_desc *d;
    int k;
    rv_status st = lists_of(sim, fn, pop, name, &p, &d, &k);
    if (st)
        return st;
    rv__lists sched = {p->sched_off, p->sched_t};
    return read_list(sim, fn, p, k >= 0 ? &p->arrays[k] : &sched, index, out, cap, n_out);
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

rv_status rv__pop_size_input(rv_sim *sim, rv__pop *p, int64_t ring_len)
{
    const rv__model *m = p->model;
    if (m->n_receptors == 0 || ring_len == p->input_len)
        return RV_OK;
    size_t per = (size_t)p->n;
    double *in = rv__calloc((size_t)m->n_receptors * (size_t)ring_len * per, sizeof *in);
    if (!in)
        return rv__fail(sim, RV_ERR_NOMEM,
                        "rv_sim_run_until: out of memory for the input buffers of population %d",
                        (int)p->handle);
    /* Carry over input already scheduled: arrival steps step+1 .. step+old_len. */
    if (p->input) {
        int64_t old_len = p->input_len;
        for (int r = 0; r < m->n_receptors; r++)
            for (int64_t a = sim->step + 1; a <= sim->step + old_len; a++) {
                const double *from = p->input + ((size_t)r * old_len + (size_t)(a & (old_len - 1))) * per;
                double *to = in + ((size_t)r * ring_len + (size_t)(a & (ring_len - 1))) * per;
                memcpy(to, from, per * sizeof *in);
            }
        rv__free(p->input);
    }
    p->input = in;
    p->input_len = ring_len;
    return RV_OK;
}

rv_status rv__pop_shard(rv_sim *sim, rv__pop *p)
{
    int s = sim->n_shards;
    if (p->shard_lo && p->n_fired_buffers == s)
        return RV_OK;
    int64_t *lo = rv__calloc((size_t)s + 1, sizeof *lo);
    rv__fired *fired = rv__calloc((size_t)s, sizeof *fired);
    if (!lo || !fired) {
        rv__free(lo);
        rv__free(fired);
        return rv__fail(sim, RV_ERR_NOMEM, "rv_sim_run_until: out of memory");
    }
    /* Contiguous, balanced blocks: shard k owns [n k / s, n (k + 1) / s). */
    for (int k = 0; k <= s; k++)
        lo[k] = p->n * k / s;
    for (int k = 0; p->fired && k < p->n_fired_buffers; k++) {
        rv__free(p->fired[k].idx);
        rv__free(p->fired[k].t);
    }
    rv__free(p->fired);
    rv__free(p->shard_lo);
    p->shard_lo = lo;
    p->fired = fired;
    p->n_fired_buffers = s;
    return RV_OK;
}
