/*
 * Running: preparing the network, the stages of a slice, reset.
 *
 * The simulation advances in slices of min_delay steps, aligned to
 * multiples of min_delay from t = 0 (a run may end inside one).  A slice
 * has three stages:
 *   1. update: every shard, on its own thread and without waiting for the
 *      others, runs the slice's steps on its blocks.  A step, from t = s dt
 *      to t + dt: the synaptic updates due now (STDP), the injected
 *      currents (each source's value at t acts during the step), every
 *      population's update, the spikes into the shard's recorder, spike
 *      logs and list of the slice, and the analog samples at t + dt;
 *   2. exchange, on one thread of each process: the shards' spike lists,
 *      of every process under MPI (core/comm.h), become the slice's
 *      arrivals, put in delivery order (delivery/arrivals.c);
 *   3. deliver: every shard adds the arrivals into its own rows' ring
 *      buffers.
 * Threads meet only between the stages, so a slice of several steps costs
 * three barriers, and no two threads ever write the same memory.
 */
#include <float.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/comm.h"
#include "core/parallel.h"
#include "core/sim.h"

/* Checks every population whose parameters changed, before changing
 * anything, so that a bad value leaves the simulation as it was. */
static rv_status check_parameters(rv_sim *sim)
{
    for (int32_t k = 0; k < sim->n_pops; k++) {
        const rv__pop *p = sim->pops[k];
        if (!p->dirty || !p->model->check)
            continue;
        for (int b = 0; b < p->n_blocks; b++) {
            const char *msg = "";
            int64_t bad = p->blocks[b].view.n > 0 ? p->model->check(&p->blocks[b].view, &msg)
                                                  : -1;
            if (bad >= 0)
                return rv__fail(sim, RV_ERR_VALUE,
                                "rv_sim_run_until: %s population %d, neuron %lld: %s",
                                p->model->name, (int)k, (long long)(p->blocks[b].lo + bad), msg);
        }
    }
    return RV_OK;
}

/* prepare() and resume() of the populations whose parameters changed, each
 * shard on its own blocks. */
static void refresh_shard(int s, void *ctx)
{
    rv_sim *sim = ctx;
    for (int32_t k = 0; k < sim->n_pops; k++) {
        rv__pop *p = sim->pops[k];
        const rv__block *b = &p->blocks[s].view;
        if (!p->dirty || b->n == 0)
            continue;
        if (p->model->prepare)
            p->model->prepare(b, sim->dt);
        if (p->model->resume)
            p->model->resume(b, sim->step, sim->dt, sim->seed);
    }
}

/* Under MPI every process takes the same path through here: each status
 * found by one process alone is agreed before anyone acts on it. */
static rv_status prepare(rv_sim *sim)
{
    rv_status st;
    if (!sim->prepared) {
        if ((st = rv__comm_prepare(sim)) || (st = rv__comm_agree(sim, rv__shards_size(sim)))
            || (st = rv__prepare_delivery(sim)))
            return st;
        if ((st = rv__comm_agree(sim, rv__cs_prepare(sim))))
            return st;
        sim->prepared = 1;
    }
    rv__for_shards(sim, sim->n_shards, refresh_shard, sim);
    for (int32_t k = 0; k < sim->n_pops; k++)
        sim->pops[k]->dirty = 0;
    return RV_OK;
}

/* ---- one step of one shard -------------------------------------------------------- */

/* The currents injected into shard s during step `step`. */
static void inject_currents(rv_sim *sim, int s, int64_t step)
{
    rv__shard *sh = &sim->shards[s];
    for (int32_t k = 0; k < sim->n_pops; k++) {
        rv__pop_block *b = &sim->pops[k]->blocks[s];
        if (sim->pops[k]->injected)
            memset(b->i_inj, 0, (size_t)b->view.n * sizeof(double));
    }
    int32_t cs = -1;
    double value = 0.0;
    for (int64_t e = 0; e < sh->n_inject; e++) {
        const rv__injection *in = &sh->inject[e];
        if (in->cs != cs) {
            cs = in->cs;
            value = rv__cs_value(sim->cs[cs], step, sim->dt, sim->seed);
        }
        if (value != 0.0)
            sim->pops[in->pop]->blocks[s].i_inj[in->index] += value;
    }
}

/* The spikes a block reported in one call of its update: into its
 * recorder, its spike logs, its local projections (delivered now), and
 * the shard's list for the exchange. */
static void take_spikes(rv_sim *sim, int s, const rv__pop *p, rv__pop_block *b, int64_t step,
                        int64_t slice_start)
{
    rv__shard *sh = &sim->shards[s];
    int32_t step_off = (int32_t)(step - slice_start);
    const rv__spike_buf *f = &b->fired;
    if (f->n == 0)
        return;
    if (rv__rec_spikes(b, f))
        sh->failed = 1;
    for (int64_t k = 0; b->log && k < f->n; k++)
        if (rv__history_append(p->history, &b->log[f->idx[k]], f->t[k]))
            sh->failed = 1;
    if (p->n_out > p->n_out_exchanged)
        rv__deliver_local(sim, s, p, f, step);
    if (p->n_out_exchanged == 0)
        return;
    if (rv__reserve((void **)&sh->spikes, &sh->cap_spikes, sh->n_spikes + f->n,
                    sizeof *sh->spikes)) {
        sh->failed = 1;
        return;
    }
    for (int64_t k = 0; k < f->n; k++)
        sh->spikes[sh->n_spikes++] = (rv__spike){(uint32_t)(b->lo + f->idx[k]), p->handle,
                                                 step_off};
}

/* ---- neurons that fail ---------------------------------------------------------- */

/* Keeps the first failure of a shard in this run and stops the run at the
 * end of the slice. */
static void note_failure(rv__shard *sh, const rv__pop *p, int64_t index, const char *var,
                         const char *why, double value, double t)
{
    if (sh->failure.pop < 0) {
        sh->failure.pop = p->handle;
        sh->failure.index = index;
        sh->failure.var = var;
        sh->failure.why = why;
        sh->failure.value = value;
        sh->failure.t = t;
    }
    sh->failed = 1;
}

/* How often, in steps, check_finite looks at the state. */
#define CHECK_STEPS 128

/* The reason check_finite gives (compared by address in fail_neuron). */
static const char NOT_FINITE[] = "is not finite";

/* Whether every public state variable of the shard's neurons is finite,
 * checked every CHECK_STEPS steps rather than in the models' loops: a NaN never
 * crosses a threshold, so it would otherwise stay silently in the state for
 * the rest of the run.  One pass over each variable per check, written so
 * that the compiler can vectorise it. */
static void check_finite(rv_sim *sim, int s, int64_t slice_end)
{
    rv__shard *sh = &sim->shards[s];
    for (int32_t k = 0; k < sim->n_pops && sh->failure.pop < 0; k++) {
        const rv__pop *p = sim->pops[k];
        const rv__pop_block *b = &p->blocks[s];
        if (p->model->kind != RV_MODEL_NEURON || b->view.n == 0)
            continue;
        for (int v = 0; v < p->model->n_vars; v++) {
            const double *x = b->view.state[v];
            int bad = 0;
            for (int64_t i = 0; i < b->view.n; i++)
                bad |= !(fabs(x[i]) <= DBL_MAX);
            if (!bad)
                continue;
            int64_t i = 0;
            while (fabs(x[i]) <= DBL_MAX)
                i++;
            note_failure(sh, p, b->lo + i, p->model->vars[v].name, NOT_FINITE, x[i],
                         slice_end * sim->dt);
            break;
        }
    }
}

/* The message of a run stopped by a failed neuron (the first shard's). */
static rv_status fail_neuron(rv_sim *sim)
{
    for (int s = 0; s < sim->n_shards; s++) {
        const rv__shard *sh = &sim->shards[s];
        if (sh->failure.pop < 0)
            continue;
        const rv__pop *p = sim->pops[sh->failure.pop];
        /* A model's report names the step; the check names the slice end. */
        int checked = sh->failure.why == NOT_FINITE;
        char value[64] = "";
        if (checked)
            snprintf(value, sizeof value, " (%g)", sh->failure.value);
        return rv__fail(sim, RV_ERR_VALUE,
                        "rv_sim_run_until: population %d (%s), neuron %lld: %s %s%s %s t = %g "
                        "ms; the state diverged (check parameters, initial values and "
                        "weights).  The run stopped at t = %g ms with the state as it was "
                        "then; rv_sim_reset() returns to t = 0",
                        (int)p->handle, p->model->name, (long long)sh->failure.index,
                        sh->failure.var, sh->failure.why, value, checked ? "by" : "at",
                        sh->failure.t, sim->step * sim->dt);
    }
    return RV_OK;
}

static void shard_step(rv_sim *sim, int s, int64_t step, int64_t slice_start)
{
    rv__shard *sh = &sim->shards[s];
    if (sim->plastic)
        rv__run_deferred(sim, s, step);
    inject_currents(sim, s, step);
    int64_t slot = (step + 1) & (sim->ring_len - 1);
    double *input[RV__MAX_RECEPTORS];
    rv__step_ctx ctx = {.step = step, .t = step * sim->dt, .t_end = (step + 1) * sim->dt,
                        .dt = sim->dt, .seed = sim->seed, .input = input, .fault = &sh->fault};
    for (int32_t k = 0; k < sim->n_pops; k++) {
        rv__pop *p = sim->pops[k];
        rv__pop_block *b = &p->blocks[s];
        int64_t n = b->view.n;
        if (n == 0)
            continue;
        for (int r = 0; r < p->model->n_receptors; r++)
            input[r] = b->input + ((size_t)r * (size_t)b->input_len + (size_t)slot) * (size_t)n;
        ctx.out = &b->fired;
        ctx.i_inj = b->i_inj;
        ctx.end = n;
        int64_t first_recorded = b->rec.sp_n, at = 0;
        do {   /* a source may fill the spike buffer: empty it and go on */
            ctx.begin = at;
            b->fired.n = 0;
            at = p->model->update(&b->view, &ctx);
            take_spikes(sim, s, p, b, step, slice_start);
        } while (at < n);
        if (sh->fault.neuron >= 0) {
            note_failure(sh, p, b->lo + sh->fault.neuron, sh->fault.var, sh->fault.why, NAN,
                         ctx.t);
            sh->fault.neuron = -1;
        }
        if (rv__rec_sort_step(&b->rec, first_recorded))
            sh->failed = 1;
    }
    for (int32_t k = 0; k < sim->n_pops; k++)
        if (sim->pops[k]->blocks[s].view.n > 0)
            rv__rec_sample_block(sim->pops[k], &sim->pops[k]->blocks[s], step + 1);
    if (s == rv__shards_lo(sim, sim->n_shards))   /* one shard of each process records the
                                                     sources' values (reserved before the run) */
        for (int32_t c = 0; c < sim->n_cs; c++)
            if (sim->cs[c]->recording)
                sim->cs[c]->trace[step] = rv__cs_value(sim->cs[c], step, sim->dt, sim->seed);
}

/* ---- the slices -------------------------------------------------------------------- */

/* The serial part between the stages: the clock, the failures, and the
 * spikes of every shard of every process (rv__comm_exchange) put in
 * delivery order. */
static void exchange(rv_sim *sim, int64_t slice_end)
{
    sim->step = slice_end;
    int failed = 0;
    for (int s = rv__shards_lo(sim, sim->n_shards); s < rv__shards_hi(sim, sim->n_shards); s++)
        failed |= sim->shards[s].failed;
    int outcome = rv__comm_exchange(sim, failed);
    if (outcome != RV__EXCHANGED)
        sim->run_failed = outcome;
    else
        rv__arrivals_sort(sim);
}

/* The slices up to `target`.  Thread t runs this process's shards lo + t,
 * lo + t + T, ... (one each when OpenMP gives as many threads as shards). */
static void run_slices(rv_sim *sim, int64_t target)
{
    int lo = rv__shards_lo(sim, sim->n_shards), hi = rv__shards_hi(sim, sim->n_shards);
    int64_t L = sim->min_delay_steps;
#ifdef _OPENMP
#pragma omp parallel num_threads(hi - lo) if (hi - lo > 1)
#endif
    {
#ifdef _OPENMP
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
#else
        int t = 0, nt = 1;
#endif
        for (;;) {
            int64_t start = sim->step;
            if (start >= target || sim->run_failed)
                break;
            int64_t end = (start / L + 1) * L;
            end = end < target ? end : target;
            for (int s = lo + t; s < hi; s += nt) {
                /* a shard whose neuron failed (or that ran out of memory)
                   takes no more steps: the run stops at the slice's end */
                for (int64_t step = start; step < end && !sim->shards[s].failed; step++)
                    shard_step(sim, s, step, start);
                /* every CHECK_STEPS steps (on the absolute grid) and at the
                   end of the run: a pass per slice costs more than short
                   slices of small networks do */
                if (end / CHECK_STEPS != start / CHECK_STEPS || end == target)
                    check_finite(sim, s, end);
            }
            /* the thread that called the library (MPI_THREAD_FUNNELED) */
#ifdef _OPENMP
#pragma omp barrier
#pragma omp master
#endif
            exchange(sim, end);
#ifdef _OPENMP
#pragma omp barrier
#endif
            if (!sim->run_failed)
                for (int s = lo + t; s < hi; s += nt)
                    rv__deliver(sim, s, start);
#ifdef _OPENMP
#pragma omp barrier
#endif
            for (int s = lo + t; s < hi; s += nt)
                sim->shards[s].n_spikes = 0;
        }
    }
}

/* ---- runs ------------------------------------------------------------------------------ */

/* The value of recorded current sources at the final time, so that traces
 * have one value per step from 0 to now; a later run overwrites it if the
 * source changed in between. */
static rv_status sample_sources(rv_sim *sim)
{
    for (int32_t c = 0; c < sim->n_cs; c++) {
        rv__cs *cs = sim->cs[c];
        if (!cs->recording)
            continue;
        if (cs->n_trace < sim->step)
            cs->n_trace = sim->step;
        if (rv__cs_record_value(cs, sim->step, rv__cs_value(cs, sim->step, sim->dt, sim->seed)))
            return rv__fail(sim, RV_ERR_NOMEM, "rv_sim_run_until: out of memory for recording");
    }
    return RV_OK;
}

rv_status rv_sim_run_until(rv_sim *sim, double t_stop)
{
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    double now = sim->step * sim->dt;
    if (isnan(t_stop) || t_stop == INFINITY || t_stop / sim->dt > 9e15)
        return rv__fail(sim, RV_ERR_VALUE, "rv_sim_run_until: t_stop = %g ms is invalid", t_stop);
    if (t_stop < now - 0.5 * sim->dt)
        return rv__fail(sim, RV_ERR_VALUE,
                        "rv_sim_run_until: t_stop = %g ms is before the current time %g ms",
                        t_stop, now);
    int64_t target = rv__round_steps(t_stop, sim->dt);
    if (target <= sim->step)
        return RV_OK;
    rv_status st;
    if ((st = rv__comm_agree(sim, check_parameters(sim))) || (st = prepare(sim)))
        return st;
    for (int32_t k = 0; k < sim->n_pops && !st; k++)
        st = rv__rec_reserve(sim, sim->pops[k], target);
    if (!st)
        st = rv__cs_reserve(sim, target);
    if ((st = rv__comm_agree(sim, st)))
        return st;
    sim->running = 1;
    /* the samples at the start: the initial values at t = 0 */
    for (int32_t k = 0; k < sim->n_pops; k++)
        for (int b = 0; b < sim->pops[k]->n_blocks; b++)
            rv__rec_sample_block(sim->pops[k], &sim->pops[k]->blocks[b], sim->step);
    sim->run_failed = 0;
    for (int s = 0; s < sim->n_shards; s++) {
        sim->shards[s].failed = 0;
        sim->shards[s].fault.neuron = -1;
        sim->shards[s].failure.pop = -1;
    }
    run_slices(sim, target);
    for (int32_t k = 0; k < sim->n_pops; k++) {
        rv__rec_commit(sim->pops[k], sim->step);
        sim->pops[k]->spikes.valid = 0;
    }
    if (sim->run_failed) {
        int local = 0;   /* whether this process failed, or only another */
        for (int s = rv__shards_lo(sim, sim->n_shards); s < rv__shards_hi(sim, sim->n_shards); s++)
            local |= sim->shards[s].failed;
        if (sim->run_failed == RV__EXCHANGE_NOMEM)
            st = rv__fail(sim, RV_ERR_NOMEM, "rv_sim_run_until: out of memory for the spikes "
                          "of a slice; the run stopped at t = %g ms", sim->step * sim->dt);
        else if (sim->run_failed == RV__EXCHANGE_LIMIT)
            st = rv__fail(sim, RV_ERR_LIMIT, "rv_sim_run_until: more than %d spikes in one "
                          "slice, beyond what MPI can exchange; the run stopped at t = %g ms",
                          INT_MAX - 1, sim->step * sim->dt);
        else if (!local)   /* another process failed: it tells why (rv__comm_agree) */
            st = RV_OK;
        else if (!(st = fail_neuron(sim)))
            st = rv__fail(sim, RV_ERR_NOMEM,
                          "rv_sim_run_until: out of memory for spikes or recorded data; the run "
                          "stopped at t = %g ms", sim->step * sim->dt);
        return rv__comm_agree(sim, st);
    }
    return rv__comm_agree(sim, sample_sources(sim));
}

rv_status rv_sim_reset(rv_sim *sim)
{
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    sim->step = 0;
    sim->running = 0;
    for (int32_t k = 0; k < sim->n_pops; k++) {
        rv__pop *p = sim->pops[k];
        rv__pop_reset_state(p);
        for (int b = 0; b < p->n_blocks; b++) {
            p->blocks[b].fired.n = 0;
            rv__history_clear(p->blocks[b].log, p->blocks[b].view.n);
        }
        rv__rec_discard(p);
    }
    for (int32_t c = 0; c < sim->n_cs; c++)
        sim->cs[c]->n_trace = 0;
    for (int32_t k = 0; k < sim->n_projs; k++)
        rv__proj_reset_state(sim->projs[k]);
    for (int s = 0; s < sim->n_shards_made; s++)
        sim->shards[s].n_spikes = 0;
    if (sim->shards)
        rv__clear_deferred(sim);
    return RV_OK;
}
