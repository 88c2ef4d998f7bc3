/*
 * Spike delivery: sizing the ring buffers and writing the spikes of a
 * min-delay slice into them.
 *
 * A spike emitted at the end of step k, through a synapse of delay d
 * steps, arrives at time (k + 1 + d) dt: it is added to ring slot
 * (k + 1 + d) mod L, which the target consumes at the end of step k + d.
 * Spikes are delivered at the end of each slice of min_delay steps (and at
 * the end of a run), which is early enough because d >= min_delay; the
 * ring length L, a power of two, exceeds max_delay + min_delay so that no
 * slot is reused before it is read.  Each shard delivers into its own
 * targets only (its part of every row), so shards never write to the same
 * memory, and every target receives its input in the same order whatever
 * the number of shards.
 */
#include <string.h>

#include "core/sim.h"

static int64_t next_pow2(int64_t x)
{
    int64_t p = 1;
    while (p < x)
        p <<= 1;
    return p;
}

rv_status rv__prepare_delivery(rv_sim *sim)
{
    rv_status st;
    uint16_t lo = UINT16_MAX, hi = 0;
    for (int32_t k = 0; k < sim->n_projs; k++) {
        rv__proj *p = sim->projs[k];
        if ((st = rv__proj_compact(sim, p)) || (st = rv__proj_shard(sim, p)))
            return st;
        if (p->n_compact > 0) {
            lo = p->min_delay < lo ? p->min_delay : lo;
            hi = p->max_delay > hi ? p->max_delay : hi;
        }
    }
    if (hi == 0) {  /* no synapses: any slice length works */
        int64_t cfg = sim->min_delay_cfg > 0 ? rv__round_steps(sim->min_delay_cfg, sim->dt) : 1;
        lo = hi = (uint16_t)(cfg > 0 ? cfg : 1);
    }
    int64_t len = next_pow2((int64_t)hi + lo + 1);
    if (len < sim->ring_len)
        len = sim->ring_len;  /* never shrink: pending input must survive */
    for (int32_t k = 0; k < sim->n_pops; k++)
        if ((st = rv__pop_size_input(sim, sim->pops[k], len)))
            return st;
    sim->min_delay_steps = lo;
    sim->max_delay_steps = hi;
    sim->ring_len = len;
    return RV_OK;
}

/* Adds synapses [begin, end) of the row of one spike to the target's ring
 * buffer. */
static void deliver_row(const rv__proj *p, rv__pop *post, int64_t begin, int64_t end,
                        int64_t step, int64_t ring_len)
{
    if (begin == end)
        return;
    int64_t n = post->n, mask = ring_len - 1;
    double *base = post->input + (size_t)p->receptor * (size_t)ring_len * (size_t)n;
    const uint32_t *target = p->target;
    if (!p->delay.v) {
        double *dst = base + (size_t)((step + 1 + p->delay.all) & mask) * (size_t)n;
        if (!p->weight.v) {
            double w = p->weight.all;
            for (int64_t j = begin; j < end; j++)
                dst[target[j]] += w;
        } else {
            const double *w = p->weight.v;
            for (int64_t j = begin; j < end; j++)
                dst[target[j]] += w[j];
        }
        return;
    }
    const uint16_t *d = p->delay.v;
    for (int64_t j = begin; j < end; j++) {
        double w = p->weight.v ? p->weight.v[j] : p->weight.all;
        base[(size_t)((step + 1 + d[j]) & mask) * (size_t)n + target[j]] += w;
    }
}

void rv__deliver(rv_sim *sim, int shard)
{
    int n_shards = sim->n_shards;
    for (int64_t s = 0; s < sim->n_spikes; s++) {
        const rv__spike *sp = &sim->spikes[s];
        const rv__pop *src = sim->pops[sp->pop];
        for (int32_t k = 0; k < src->n_out; k++) {
            const rv__proj *p = sim->projs[src->out_proj[k]];
            if (p->n_compact == 0)
                continue;
            int64_t begin = rv__row_begin(p, src->n, shard, n_shards, sp->index);
            int64_t end = rv__row_begin(p, src->n, shard + 1, n_shards, sp->index);
            deliver_row(p, sim->pops[p->post], begin, end, sp->step, sim->ring_len);
        }
    }
}
