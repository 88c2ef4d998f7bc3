/*
 * The simulation object: lifecycle, configuration, handle lookups.
 */
#include <stdlib.h>
#include <string.h>

#include "core/comm.h"
#include "core/sim.h"

#define DEFAULT_DT 0.1
#define DEFAULT_SEED 1
/* Smallest and largest time steps accepted, in ms. */
#define MIN_DT 1e-6
#define MAX_DT 1e3

rv_status rv_sim_create(rv_sim **out)
{
    if (!out)
        return RV_ERR_NULL;
    *out = NULL;
    rv_sim *sim = rv__calloc(1, sizeof *sim);
    if (!sim)
        return RV_ERR_NOMEM;
    sim->dt = DEFAULT_DT;
    sim->seed = DEFAULT_SEED;
    sim->n_threads = 1;
    sim->n_procs = 1;
    sim->n_shards = 1;
    *out = sim;
    return RV_OK;
}

void rv_sim_free(rv_sim *sim)
{
    if (!sim)
        return;
    for (int32_t i = 0; i < sim->n_pops; i++)
        rv__pop_free(sim->pops[i]);
    for (int32_t i = 0; i < sim->n_projs; i++)
        rv__proj_free(sim->projs[i]);
    for (int32_t i = 0; i < sim->n_cs; i++)
        rv__cs_free(sim->cs[i]);
    rv__free(sim->pops);
    rv__free(sim->projs);
    rv__free(sim->cs);
    rv__shards_free(sim);
    rv__free(sim->gen_pre);
    rv__free(sim->gen_post);
    rv__arrivals_free(sim);
    rv__comm_free(sim);
    rv__free(sim);
}

const char *rv_sim_errmsg(const rv_sim *sim)
{
    return sim ? sim->errmsg : "rv_sim_errmsg: sim is NULL";
}

rv_status rv_sim_set_timing(rv_sim *sim, double dt, double min_delay, double max_delay)
{
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    if (sim->n_pops > 0 || sim->n_cs > 0)
        return rv__fail(sim, RV_ERR_PHASE,
                        "rv_sim_set_timing: timing can only change before the first "
                        "population or current source is created");
    if (!isfinite(dt) || dt < MIN_DT || dt > MAX_DT)
        return rv__fail(sim, RV_ERR_VALUE,
                        "rv_sim_set_timing: dt = %g ms is invalid; it must lie in [%g, %g] ms",
                        dt, MIN_DT, MAX_DT);
    if (isnan(min_delay) || isnan(max_delay) || min_delay == INFINITY)
        return rv__fail(sim, RV_ERR_VALUE,
                        "rv_sim_set_timing: min_delay = %g and max_delay = %g must be numbers "
                        "(<= 0 for automatic)", min_delay, max_delay);
    if (min_delay > 0 && min_delay < dt * (1 - 1e-9))
        return rv__fail(sim, RV_ERR_VALUE,
                        "rv_sim_set_timing: min_delay = %g ms is smaller than dt = %g ms",
                        min_delay, dt);
    if (min_delay > 0 && max_delay > 0 && max_delay < min_delay * (1 - 1e-9))
        return rv__fail(sim, RV_ERR_VALUE,
                        "rv_sim_set_timing: max_delay = %g ms is smaller than min_delay = %g ms",
                        max_delay, min_delay);
    /* compared in floating point: llround is unspecified for huge values */
    if (max_delay > 0 && isfinite(max_delay) && max_delay / dt >= RV_MAX_DELAY_STEPS + 0.5)
        return rv__fail(sim, RV_ERR_LIMIT,
                        "rv_sim_set_timing: max_delay = %g ms is %g steps; at most %d "
                        "steps are supported", max_delay, round(max_delay / dt),
                        RV_MAX_DELAY_STEPS);
    if (min_delay > 0 && min_delay / dt >= RV_MAX_DELAY_STEPS + 0.5)
        return rv__fail(sim, RV_ERR_LIMIT,
                        "rv_sim_set_timing: min_delay = %g ms is %g steps; at most %d "
                        "steps are supported", min_delay, round(min_delay / dt),
                        RV_MAX_DELAY_STEPS);
    sim->dt = dt;
    sim->min_delay_cfg = min_delay > 0 ? min_delay : 0;
    sim->max_delay_cfg = max_delay > 0 && isfinite(max_delay) ? max_delay : 0;
    return RV_OK;
}

rv_status rv_sim_set_seed(rv_sim *sim, uint64_t seed)
{
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    if (sim->step != 0)
        return rv__fail(sim, RV_ERR_PHASE,
                        "rv_sim_set_seed: the seed can only change at t = 0 "
                        "(before the first run or after a reset); now t = %g ms",
                        sim->step * sim->dt);
    sim->seed = seed;
    for (int32_t i = 0; i < sim->n_pops; i++)
        sim->pops[i]->dirty = 1;
    return RV_OK;
}

/* More threads than this gain nothing on the machines Ranvier targets and
 * only cost memory (per-shard buffers and row cuts). */
#define MAX_THREADS 1024

rv_status rv_sim_set_threads(rv_sim *sim, int n_threads)
{
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    if (n_threads < 1 || n_threads > MAX_THREADS)
        return rv__fail(sim, RV_ERR_VALUE,
                        "rv_sim_set_threads: n_threads = %d is invalid; it must lie in [1, %d]",
                        n_threads, MAX_THREADS);
    if ((int64_t)n_threads * sim->n_procs > RV__MAX_SHARDS)
        return rv__fail(sim, RV_ERR_LIMIT, "rv_sim_set_threads: %d threads x %d processes exceed "
                        "the limit of %d", n_threads, sim->n_procs, RV__MAX_SHARDS);
    if (n_threads != sim->n_threads) {
        sim->n_threads = n_threads;
        sim->n_shards = n_threads * sim->n_procs;
        sim->prepared = 0;
    }
    return RV_OK;
}

rv_status rv_sim_get_info(rv_sim *sim, rv_sim_info *out)
{
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    if (!out)
        return rv__fail(sim, RV_ERR_NULL, "rv_sim_get_info: out is NULL");
    memset(out, 0, sizeof *out);
    out->dt = sim->dt;
    if (sim->prepared && sim->min_delay_steps > 0) {
        out->min_delay = sim->min_delay_steps * sim->dt;
        out->max_delay = sim->max_delay_steps * sim->dt;
    } else {
        out->min_delay = sim->min_delay_cfg;
        out->max_delay = sim->max_delay_cfg;
    }
    out->t = sim->step * sim->dt;
    out->step = sim->step;
    out->seed = sim->seed;
    out->n_neurons = sim->n_neurons;
    out->n_populations = sim->n_pops;
    out->n_projections = sim->n_projs;
    out->n_current_sources = sim->n_cs;
    out->running = sim->running;
    out->n_threads = sim->n_threads;
    out->n_processes = sim->n_procs;
    out->rank = sim->proc;
    rv__comm_stats(sim, &out->exchange_s, &out->exchanged);
    return RV_OK;
}

rv_status rv__get_pop(rv_sim *sim, const char *fn, int32_t pop, rv__pop **out)
{
    if (pop < 0 || pop >= sim->n_pops)
        return rv__fail(sim, RV_ERR_HANDLE,
                        "%s: population handle %d is not known to this simulation "
                        "(it has %d populations)", fn, (int)pop, (int)sim->n_pops);
    *out = sim->pops[pop];
    return RV_OK;
}

rv_status rv__get_proj(rv_sim *sim, const char *fn, int32_t proj, rv__proj **out)
{
    if (proj < 0 || proj >= sim->n_projs)
        return rv__fail(sim, RV_ERR_HANDLE,
                        "%s: projection handle %d is not known to this simulation "
                        "(it has %d projections)", fn, (int)proj, (int)sim->n_projs);
    *out = sim->projs[proj];
    return RV_OK;
}

rv_status rv__get_cs(rv_sim *sim, const char *fn, int32_t cs, rv__cs **out)
{
    if (cs < 0 || cs >= sim->n_cs)
        return rv__fail(sim, RV_ERR_HANDLE,
                        "%s: current source handle %d is not known to this simulation "
                        "(it has %d current sources)", fn, (int)cs, (int)sim->n_cs);
    *out = sim->cs[cs];
    return RV_OK;
}

rv_status rv__check_indices(rv_sim *sim, const char *fn, const rv__pop *p,
                            const int64_t *idx, int64_t n_idx, int64_t *count)
{
    if (!idx) {
        *count = p->n;
        return RV_OK;
    }
    if (n_idx < 0)
        return rv__fail(sim, RV_ERR_SIZE, "%s: n_idx = %lld is negative", fn, (long long)n_idx);
    for (int64_t k = 0; k < n_idx; k++)
        if (idx[k] < 0 || idx[k] >= p->n)
            return rv__fail(sim, RV_ERR_INDEX,
                            "%s: neuron index idx[%lld] = %lld is outside population %d "
                            "of size %lld", fn, (long long)k, (long long)idx[k],
                            (int)p->handle, (long long)p->n);
    *count = n_idx;
    return RV_OK;
}
