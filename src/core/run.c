/*
 * Running: preparing the network, the step loop, reset.
 *
 * One step, from t = s dt to t + dt:
 *   1. current sources: each computes its value at t, which acts on its
 *      targets during the step (and is what a recording of it shows at t);
 *   2. every population advances (models/ *.c) and reports its spikes;
 *   3. spikes are queued for delivery and recorded;
 *   4. analog recorders sample the state at t + dt when due.
 * The queue is delivered at the end of every min-delay slice (slices are
 * aligned to multiples of min_delay from t = 0) and at the end of a run.
 * Each shard (thread) runs step 2 and the delivery for its own block of
 * neurons; the rest is serial.
 */
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/sim.h"

/* Checks every population whose parameters changed, before changing
 * anything, so that a bad value leaves the simulation as it was. */
static rv_status check_parameters(rv_sim *sim)
{
    for (int32_t k = 0; k < sim->n_pops; k++) {
        const rv__pop *p = sim->pops[k];
        if (!p->dirty || !p->model->check)
            continue;
        const char *msg = "";
        int64_t bad = p->model->check(p, &msg);
        if (bad >= 0)
            return rv__fail(sim, RV_ERR_VALUE,
                            "rv_sim_run_until: %s population %d, neuron %lld: %s", p->model->name,
                            (int)k, (long long)bad, msg);
    }
    return RV_OK;
}

static rv_status prepare(rv_sim *sim)
{
    rv_status st;
    if (!sim->prepared) {
        for (int32_t k = 0; k < sim->n_pops; k++)
            if ((st = rv__pop_shard(sim, sim->pops[k])))
                return st;
        if ((st = rv__prepare_delivery(sim)))
            return st;
        for (int32_t c = 0; c < sim->n_cs; c++)
            for (int64_t j = 0; j < sim->cs[c]->n_targets; j++)
                sim->pops[sim->cs[c]->targets[j].pop]->injected = 1;
        sim->prepared = 1;
    }
    for (int32_t k = 0; k < sim->n_pops; k++) {
        rv__pop *p = sim->pops[k];
        if (!p->dirty)
            continue;
        if (p->model->prepare)
            p->model->prepare(p, sim->dt);
        if (p->model->resume)
            p->model->resume(p, sim->step, sim->dt, sim->seed);
        p->dirty = 0;
    }
    return RV_OK;
}

static void inject_currents(rv_sim *sim, int64_t step)
{
    for (int32_t k = 0; k < sim->n_pops; k++)
        if (sim->pops[k]->injected)
            memset(sim->pops[k]->i_inj, 0, (size_t)sim->pops[k]->n * sizeof(double));
    for (int32_t c = 0; c < sim->n_cs; c++) {
        rv__cs *cs = sim->cs[c];
        double value = rv__cs_value(cs, step, sim->dt, sim->seed);
        if (cs->recording && rv__cs_record_value(cs, step, value))
            sim->run_failed = 1;
        if (value == 0.0)
            continue;
        for (int64_t j = 0; j < cs->n_targets; j++)
            sim->pops[cs->targets[j].pop]->i_inj[cs->targets[j].index] += value;
    }
}

/* Step `sim->step` of shard `shard` of every population. */
static void update_shard(rv_sim *sim, int shard)
{
    int64_t s = sim->step;
    int64_t slot = (s + 1) & (sim->ring_len - 1);
    double *input[RV__MAX_RECEPTORS];
    rv__step_ctx ctx = {.step = s, .t = s * sim->dt, .t_end = (s + 1) * sim->dt,
                        .dt = sim->dt, .seed = sim->seed, .input = input};
    for (int32_t k = 0; k < sim->n_pops; k++) {
        rv__pop *p = sim->pops[k];
        for (int r = 0; r < p->model->n_receptors; r++)
            input[r] = p->input + ((size_t)r * (size_t)sim->ring_len + (size_t)slot) * (size_t)p->n;
        ctx.begin = p->shard_lo[shard];
        ctx.end = p->shard_lo[shard + 1];
        ctx.out = &p->fired[shard];
        ctx.i_inj = p->i_inj;
        p->model->update(p, &ctx);
    }
}

/* Moves the spikes the shards of a population reported into the delivery
 * queue and the recorder, shard by shard: that is index order, whatever
 * the number of shards.  Returns -1 when out of memory. */
static int collect_spikes(rv_sim *sim, rv__pop *p, int64_t step)
{
    int failed = 0;
    int64_t first_recorded = p->rec.sp_n;
    for (int s = 0; s < sim->n_shards; s++) {
        rv__fired *f = &p->fired[s];
        failed |= f->failed;
        if (f->n == 0)
            continue;
        if (p->n_out > 0) {
            if (rv__reserve((void **)&sim->spikes, &sim->cap_spikes, sim->n_spikes + f->n,
                            sizeof *sim->spikes))
                return -1;
            for (int64_t k = 0; k < f->n; k++)
                sim->spikes[sim->n_spikes++] = (rv__spike){p->handle, f->idx[k], step};
        }
        failed |= rv__rec_spikes(p, f);
        for (int64_t k = 0; p->history && k < f->n; k++)
            failed |= rv__history_append(p->history, f->idx[k], f->t[k]);
        f->n = 0;
    }
    failed |= rv__rec_sort_step(&p->rec, first_recorded);
    return failed ? -1 : 0;
}

/* The serial part between two steps: spikes of the step just made, the
 * clock, analog samples, and the injected currents of the next step.
 * Returns whether the delivery queue is due. */
static int finish_step(rv_sim *sim, int64_t target)
{
    for (int32_t k = 0; k < sim->n_pops; k++)
        if (collect_spikes(sim, sim->pops[k], sim->step))
            sim->run_failed = 1;
    sim->step++;
    for (int32_t k = 0; k < sim->n_pops; k++)
        if (rv__rec_sample(sim->pops[k], sim->step))
            sim->run_failed = 1;
    if (sim->step < target)
        inject_currents(sim, sim->step);
    /* With plastic synapses deferred updates may fall due at any step. */
    return sim->plastic || sim->step % sim->min_delay_steps == 0 || sim->step == target
           || sim->run_failed;
}

/* The step loop.  With several shards each thread advances its own block
 * of every population and delivers spikes to its own targets; the serial
 * parts run in one thread between barriers.  The arithmetic and its order
 * are the same for any number of shards. */
static void run_steps(rv_sim *sim, int64_t target)
{
    inject_currents(sim, sim->step);
#ifdef _OPENMP
    if (sim->n_shards > 1) {
        int deliver = 0;
#pragma omp parallel num_threads(sim->n_shards)
        {
            int shard = omp_get_thread_num();
            while (sim->step < target && !sim->run_failed) {
                update_shard(sim, shard);
#pragma omp barrier
#pragma omp single
                deliver = finish_step(sim, target);
                if (deliver) {
                    rv__deliver(sim, shard);
#pragma omp barrier
#pragma omp single
                    sim->n_spikes = 0;
                }
            }
        }
        return;
    }
#endif
    while (sim->step < target && !sim->run_failed) {
        for (int shard = 0; shard < sim->n_shards; shard++)
            update_shard(sim, shard);
        if (finish_step(sim, target)) {
            for (int shard = 0; shard < sim->n_shards; shard++)
                rv__deliver(sim, shard);
            sim->n_spikes = 0;
        }
    }
}

/* Samples taken when a run starts: analog state at the current time (the
 * initial values at t = 0). */
static rv_status sample_start(rv_sim *sim)
{
    for (int32_t k = 0; k < sim->n_pops; k++)
        if (rv__rec_sample(sim->pops[k], sim->step))
            return rv__fail(sim, RV_ERR_NOMEM, "rv_sim_run_until: out of memory for recording");
    return RV_OK;
}

/* The value of recorded current sources at the final time, so that traces
 * have one value per step from 0 to now; a later run overwrites it if the
 * source changed in between. */
static rv_status sample_sources(rv_sim *sim)
{
    for (int32_t c = 0; c < sim->n_cs; c++) {
        rv__cs *cs = sim->cs[c];
        if (cs->recording
            && rv__cs_record_value(cs, sim->step, rv__cs_value(cs, sim->step, sim->dt, sim->seed)))
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
    if ((st = check_parameters(sim)) || (st = prepare(sim)))
        return st;
    sim->running = 1;
    if ((st = sample_start(sim)))
        return st;
    sim->run_failed = 0;
    run_steps(sim, target);
    if (sim->run_failed) {
        sim->n_spikes = 0;
        return rv__fail(sim, RV_ERR_NOMEM,
                        "rv_sim_run_until: out of memory for spikes or recorded data; the run "
                        "stopped at t = %g ms", sim->step * sim->dt);
    }
    return sample_sources(sim);
}

rv_status rv_sim_reset(rv_sim *sim)
{
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    sim->step = 0;
    sim->running = 0;
    sim->n_spikes = 0;
    for (int32_t k = 0; k < sim->n_pops; k++) {
        rv__pop *p = sim->pops[k];
        rv__pop_reset_state(p);
        for (int k = 0; k < p->n_fired_buffers; k++) {
            p->fired[k].n = 0;
            p->fired[k].failed = 0;
        }
        rv__rec_discard(&p->rec, p->model, p->n);
    }
    for (int32_t c = 0; c < sim->n_cs; c++)
        sim->cs[c]->n_trace = 0;
    for (int32_t k = 0; k < sim->n_projs; k++)
        rv__proj_reset_state(sim->projs[k]);
    for (int32_t k = 0; k < sim->n_pops; k++)
        rv__history_clear(sim->pops[k]->history, sim->pops[k]->n);
    if (sim->deferred)
        rv__clear_deferred(sim);
    return RV_OK;
}
