/*
 * Every built-in model keeps to its block: its functions see only the
 * arrays of the block view they are given, read and write nothing past
 * them, and update() allocates nothing.
 *
 * Each model runs here outside any simulation, on a view built by hand in
 * which every array is its own allocation of exactly n values (the
 * kernel's arrays have a spare element; these have none).  Under the
 * AddressSanitizer build (build/asan, run by ./test.sh) a read or write
 * past any of them, or into memory the view does not name, stops the test
 * with a heap-buffer-overflow report; in every build the allocation counter
 * must not move during update().  The input gets a steady stream of
 * spikes and the neurons a current, so that the models fire, reset, go
 * refractory and (sources) fill their spike buffer.
 */
#include <stdlib.h>

#include "check.h"
#include "core/internal.h"
#include "models/model.h"

const rv__model *rv__model_at(int i);

enum { N = 37, STEPS = 400 };

static double **table(int rows, int64_t n)
{
    double **t = calloc((size_t)rows + 1, sizeof *t);
    for (int k = 0; k < rows; k++)
        t[k] = calloc((size_t)n, sizeof **t);
    return t;
}

static void free_table(double **t, int rows)
{
    for (int k = 0; k < rows; k++)
        free(t[k]);
    free(t);
}

/* A source parameter that makes it busy (rates of a few kHz), or the
 * default. */
static double busy_value(const rv__param_desc *d)
{
    if (strcmp(d->name, "rate") == 0 || strcmp(d->name, "beta") == 0)
        return 5000.0;
    return d->def;
}

static void run_model(const rv__model *m)
{
    int n_state = m->n_vars + m->n_internal;
    double **param = table(m->n_params, N), **state = table(n_state, N);
    double **derived = table(m->n_derived, N), **scratch = table(m->n_scratch, N);
    for (int k = 0; k < m->n_params; k++)
        for (int i = 0; i < N; i++)
            param[k][i] = busy_value(&m->params[k]);
    for (int k = 0; k < m->n_vars; k++)
        for (int i = 0; i < N; i++)
            state[k][i] = m->vars[k].def;
    rv__lists *arrays = calloc((size_t)m->n_arrays + 1, sizeof *arrays);
    for (int k = 0; k < m->n_arrays; k++) {
        const rv__array_desc *d = &m->arrays[k];
        arrays[k].off = calloc(N + 1, sizeof *arrays[k].off);
        arrays[k].val = calloc((size_t)(N * d->n_def) + 1, sizeof *arrays[k].val);
        for (int i = 0; i < N; i++) {
            arrays[k].off[i + 1] = arrays[k].off[i] + d->n_def;
            for (int j = 0; j < d->n_def; j++)
                arrays[k].val[i * d->n_def + j] = d->def[j];
        }
    }
    /* a schedule (SpikeSourceArray): neuron i fires at 0.5 i and 10 + 0.5 i ms */
    int64_t *sched_off = calloc(N + 1, sizeof *sched_off);
    double *sched_t = calloc(2 * N, sizeof *sched_t);
    for (int i = 0; i < N; i++) {
        sched_off[i + 1] = 2 * (i + 1);
        sched_t[2 * i] = 0.5 * i;
        sched_t[2 * i + 1] = 10.0 + 0.5 * i;
    }
    rv__block b = {.model = m, .n = N, .first_gid = 1000, .param = param, .state = state,
                   .derived = derived, .scratch = scratch, .arrays = arrays,
                   .sched_off = m->uses_schedule ? sched_off : NULL,
                   .sched_t = m->uses_schedule ? sched_t : NULL};
    const char *msg = "";
    CHECK(!m->check || m->check(&b, &msg) < 0);
    const double dt = 0.1;
    if (m->prepare)
        m->prepare(&b, dt);
    if (m->resume)
        m->resume(&b, 0, dt, 42);

    double *input[RV__MAX_RECEPTORS];
    for (int r = 0; r < m->n_receptors; r++)
        input[r] = calloc(N, sizeof(double));
    double *i_inj = calloc(N, sizeof *i_inj);
    for (int i = 0; i < N; i++)
        i_inj[i] = 0.05 * i;   /* nA: some neurons fire, some do not */
    rv__spike_buf out = {.idx = calloc(N, sizeof(uint32_t)), .t = calloc(N, sizeof(double)),
                         .cap = N};
    int64_t spikes = 0, before = rv__allocations();
    for (int64_t step = 0; step < STEPS; step++) {
        for (int r = 0; r < m->n_receptors; r++)
            for (int i = 0; i < N; i++)   /* excitatory-sized input, both signs across receptors */
                input[r][i] = (step % 7 == 0) ? (m->conductance_based ? 0.01 : 0.2) : 0.0;
        rv__step_ctx ctx = {.out = &out, .step = step, .t = step * dt, .t_end = (step + 1) * dt,
                            .dt = dt, .input = input,
                            .i_inj = m->kind == RV_MODEL_NEURON ? i_inj : NULL, .seed = 42};
        int64_t at = 0;
        do {   /* a full spike buffer is emptied and the update resumed */
            ctx.begin = at;
            ctx.end = N;
            out.n = 0;
            at = m->update(&b, &ctx);
            CHECK(at > ctx.begin || at == N);
            for (int64_t k = 0; k < out.n; k++)
                CHECK(out.idx[k] < N && out.t[k] >= ctx.t - 1e-9 && out.t[k] <= ctx.t_end);
            spikes += out.n;
        } while (at < N);
    }
    if (rv__allocations() != before)
        fprintf(stderr, "%s: update() allocated\n", m->name);
    CHECK(rv__allocations() == before);
    if (spikes == 0)
        fprintf(stderr, "%s: no spikes\n", m->name);
    CHECK(spikes > 0);

    for (int r = 0; r < m->n_receptors; r++)
        free(input[r]);
    free(i_inj);
    free(out.idx);
    free(out.t);
    for (int k = 0; k < m->n_arrays; k++) {
        free(arrays[k].off);
        free(arrays[k].val);
    }
    free(arrays);
    free(sched_off);
    free(sched_t);
    free_table(param, m->n_params);
    free_table(state, n_state);
    free_table(derived, m->n_derived);
    free_table(scratch, m->n_scratch);
}

int main(void)
{
    int n = 0;
    for (const rv__model *m; (m = rv__model_at(n)) != NULL; n++)
        run_model(m);
    CHECK(n >= 15);   /* every built-in model was run */
    TEST_END();
}
