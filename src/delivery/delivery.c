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

/* ---- deferred synaptic updates ------------------------------------------- */

static rv__defer_bucket *bucket(rv_sim *sim, int shard, int64_t step)
{
    return &sim->deferred[(size_t)shard * (size_t)sim->deferred_len
                          + (size_t)(step & (sim->deferred_len - 1))];
}

void rv__defer(const rv__syn_ctx *c, int64_t j, int64_t ready)
{
    rv_sim *sim = c->sim;
    rv__defer_bucket *b = bucket(sim, c->shard, ready);
    if (rv__reserve((void **)&b->e, &b->cap, b->n + 1, sizeof *b->e)) {
        sim->run_failed = 1;
        return;
    }
    b->e[b->n++] = (rv__deferred){c->p->handle, j, c->step, ready};
}

void rv__clear_deferred(rv_sim *sim)
{
    int64_t n = (int64_t)sim->n_deferred_shards * sim->deferred_len;
    for (int64_t k = 0; k < n; k++)
        sim->deferred[k].n = 0;
}

/* Buckets for every shard and every step a deferred update can wait for;
 * pending updates move into the new buckets when the sizes change. */
static rv_status size_deferred(rv_sim *sim, int64_t len)
{
    if (!sim->plastic || (sim->deferred_len == len && sim->n_deferred_shards == sim->n_shards))
        return RV_OK;
    int64_t n = (int64_t)sim->n_shards * len;
    rv__defer_bucket *fresh = rv__calloc((size_t)n, sizeof *fresh);
    if (!fresh)
        return rv__fail(sim, RV_ERR_NOMEM, "rv_sim_run_until: out of memory");
    rv__defer_bucket *old = sim->deferred;
    int64_t old_n = (int64_t)sim->n_deferred_shards * sim->deferred_len;
    sim->deferred = fresh;
    sim->deferred_len = len;
    sim->n_deferred_shards = sim->n_shards;
    rv_status st = RV_OK;
    for (int64_t k = 0; k < old_n; k++) {
        for (int64_t e = 0; e < old[k].n && !st; e++) {
            const rv__deferred *d = &old[k].e[e];
            const rv__proj *p = sim->projs[d->proj];
            const rv__pop *post = sim->pops[p->post];
            int shard = 0;
            while (shard + 1 < sim->n_shards && post->shard_lo[shard + 1] <= p->target[d->synapse])
                shard++;
            rv__defer_bucket *b = bucket(sim, shard, d->due);
            if (rv__reserve((void **)&b->e, &b->cap, b->n + 1, sizeof *b->e))
                st = rv__fail(sim, RV_ERR_NOMEM, "rv_sim_run_until: out of memory");
            else
                b->e[b->n++] = *d;
        }
        rv__free(old[k].e);
    }
    rv__free(old);
    return st;
}

/* ---- preparing ------------------------------------------------------------ */

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
    if ((st = rv__prepare_synapses(sim)))
        return st;
    for (int32_t k = 0; k < sim->n_pops; k++)
        if ((st = rv__pop_size_input(sim, sim->pops[k], len)))
            return st;
    if ((st = size_deferred(sim, len)))
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

/* The context a dynamic synapse model gets for a spike emitted at the end
 * of `step` through projection p. */
static rv__syn_ctx syn_context(rv_sim *sim, rv__proj *p, int64_t step, int shard)
{
    rv__pop *post = sim->pops[p->post];
    rv__syn_ctx c = {
        .sim = sim, .p = p, .post = post, .step = step, .t = (step + 1) * sim->dt,
        .dt = sim->dt, .seed = sim->seed, .ring_mask = sim->ring_len - 1, .shard = shard,
        .now_step = sim->step,
        .ring = post->input + (size_t)p->receptor * (size_t)sim->ring_len * (size_t)post->n,
        .tau_psc = p->tau_param >= 0 ? post->param[p->tau_param] : NULL,
    };
    return c;
}

/* The deferred updates of this shard due now (before new spikes: a
 * synapse's later spikes are never due earlier). */
static void run_deferred(rv_sim *sim, int shard)
{
    rv__defer_bucket *b = bucket(sim, shard, sim->step);
    for (int64_t e = 0; e < b->n; e++) {
        const rv__deferred *d = &b->e[e];
        rv__proj *p = sim->projs[d->proj];
        rv__syn_ctx c = syn_context(sim, p, d->spike_step, shard);
        p->syn->transmit(&c, d->synapse, d->synapse + 1);
    }
    b->n = 0;
}

void rv__deliver(rv_sim *sim, int shard)
{
    int n_shards = sim->n_shards;
    if (sim->plastic)
        run_deferred(sim, shard);
    for (int64_t s = 0; s < sim->n_spikes; s++) {
        const rv__spike *sp = &sim->spikes[s];
        const rv__pop *src = sim->pops[sp->pop];
        for (int32_t k = 0; k < src->n_out; k++) {
            rv__proj *p = sim->projs[src->out_proj[k]];
            if (p->n_compact == 0)
                continue;
            int64_t begin = rv__row_begin(p, src->n, shard, n_shards, sp->index);
            int64_t end = rv__row_begin(p, src->n, shard + 1, n_shards, sp->index);
            if (!p->syn->transmit) {
                deliver_row(p, sim->pops[p->post], begin, end, sp->step, sim->ring_len);
            } else if (begin < end) {
                rv__syn_ctx c = syn_context(sim, p, sp->step, shard);
                p->syn->transmit(&c, begin, end);
            }
        }
    }
}
