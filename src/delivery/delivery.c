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
 * slot is reused before it is read.
 *
 * Every shard reads the spike lists of all shards and delivers into its
 * own rows only, so shards never write to the same memory.  The spikes are
 * taken in one canonical order -- by step, then population, then neuron
 * index (shard 0's neurons come first) -- so every target receives its
 * input in the same order whatever the number of shards.  A spike finds
 * its row in the compact source table of each outgoing projection by a
 * galloping search from the previous spike's row (spikes of one step and
 * population come in ascending index order).
 */
#include <string.h>

#include "core/comm.h"
#include "core/sim.h"

static int64_t next_pow2(int64_t x)
{
    int64_t p = 1;
    while (p < x)
        p <<= 1;
    return p;
}

/* ---- deferred synaptic updates ------------------------------------------------- */

static rv__defer_bucket *bucket(rv__shard *sh, int64_t clock)
{
    return &sh->deferred[clock & (sh->deferred_len - 1)];
}

void rv__defer(const rv__syn_ctx *c, int64_t j, int64_t ready)
{
    rv__defer_bucket *b = bucket(c->sh, ready);
    if (rv__reserve((void **)&b->e, &b->cap, b->n + 1, sizeof *b->e)) {
        c->sh->failed = 1;
        return;
    }
    b->e[b->n++] = (rv__deferred){c->p->handle, c->pre, j, c->step, ready};
}

void rv__clear_deferred(rv_sim *sim)
{
    for (int s = 0; s < sim->n_shards_made; s++)
        for (int64_t k = 0; sim->shards[s].deferred && k < sim->shards[s].deferred_len; k++)
            sim->shards[s].deferred[k].n = 0;
}

/* Buckets for every clock a deferred update can wait for; pending updates
 * move into the new buckets when the length changes. */
static rv_status size_deferred(rv_sim *sim, int64_t len)
{
    for (int s = 0; s < sim->n_shards; s++) {
        rv__shard *sh = &sim->shards[s];
        if (!sim->plastic || sh->deferred_len == len)
            continue;
        rv__defer_bucket *fresh = rv__calloc((size_t)len, sizeof *fresh);
        if (!fresh)
            return rv__fail(sim, RV_ERR_NOMEM, "rv_sim_run_until: out of memory");
        rv__shard moved = *sh;
        moved.deferred = fresh;
        moved.deferred_len = len;
        rv_status st = RV_OK;
        for (int64_t k = 0; k < sh->deferred_len; k++) {
            for (int64_t e = 0; e < sh->deferred[k].n && !st; e++) {
                rv__defer_bucket *b = bucket(&moved, sh->deferred[k].e[e].due);
                if (rv__reserve((void **)&b->e, &b->cap, b->n + 1, sizeof *b->e))
                    st = rv__fail(sim, RV_ERR_NOMEM, "rv_sim_run_until: out of memory");
                else
                    b->e[b->n++] = sh->deferred[k].e[e];
            }
        }
        if (st) {
            for (int64_t k = 0; k < len; k++)
                rv__free(fresh[k].e);
            rv__free(fresh);
            return st;
        }
        for (int64_t k = 0; k < sh->deferred_len; k++)
            rv__free(sh->deferred[k].e);
        rv__free(sh->deferred);
        sh->deferred = fresh;
        sh->deferred_len = len;
    }
    return RV_OK;
}

/* ---- finding a source's row --------------------------------------------------- */

/* Where the source table of a shard's rows is dense -- at least one source
 * in DENSE_FRACTION has targets there, as in any network whose shards hold
 * a large part of each population -- a spike finds its row by one load
 * from an index over all sources (4 bytes a source); where it is sparse
 * (many shards, or few targets), by a search of the compact table.  The
 * index costs at most DENSE_FRACTION times the table it replaces. */
#define DENSE_FRACTION 4

/* One outgoing projection of the population whose spikes a shard is
 * delivering: what every spike needs, looked up once per group. */
typedef struct rv__route {
    const rv__proj *p;
    const rv__rows *r;
    const uint32_t *row_of;   /* dense index, or NULL: search from *cursor */
    int64_t *cursor;
    double *base;             /* the receptor's ring buffer in the target block */
    int64_t n_post;
} rv__route;

void rv__free_row_index(rv__shard *sh, int32_t n)
{
    for (int32_t k = 0; sh->row_of && k < n; k++)
        rv__free(sh->row_of[k]);
    rv__free(sh->row_of);
    sh->row_of = NULL;
    sh->n_row_of = 0;
}

/* The dense indices of shard s, one per projection that has them. */
static int index_rows(rv_sim *sim, int s)
{
    rv__shard *sh = &sim->shards[s];
    rv__free_row_index(sh, sh->n_row_of);
    if (sim->n_projs == 0)
        return 0;
    sh->row_of = rv__calloc((size_t)sim->n_projs, sizeof *sh->row_of);
    if (!sh->row_of)
        return -1;
    sh->n_row_of = sim->n_projs;
    for (int32_t k = 0; k < sim->n_projs; k++) {
        const rv__rows *r = &sim->projs[k]->rows[s];
        int64_t n_pre = sim->pops[sim->projs[k]->pre]->n;
        if (r->n_src == 0 || n_pre > DENSE_FRACTION * r->n_src)
            continue;
        uint32_t *at = rv__realloc_array(NULL, (size_t)n_pre, sizeof *at);
        if (!at)
            return -1;
        for (int64_t i = 0; i < n_pre; i++)
            at[i] = RV__NO_ROW;
        for (int64_t j = 0; j < r->n_src; j++)
            at[r->src[j]] = (uint32_t)j;
        sh->row_of[k] = at;
    }
    return 0;
}

/* ---- local projections ---------------------------------------------------------- */

/* A static projection in which every synapse joins pre i to post i, between
 * populations of one size, connects the blocks of one shard whatever the
 * split (blocks depend on the size alone): the shard that emits a spike
 * delivers it at once, without the exchange -- the background input of
 * one Poisson source per neuron, the bulk of the events of models like
 * the cortical microcircuit, takes this path.  The delay (>= min_delay)
 * puts the input beyond the slice being computed, so nothing reads it
 * early; and the order of the additions into a ring slot -- this slice's
 * local spikes as they are emitted, then the exchanged ones in canonical
 * order at its end -- is fixed by the slices alone, which the split does
 * not change. */
static int is_local(const rv_sim *sim, const rv__proj *p)
{
    const rv__pop *pre = sim->pops[p->pre], *post = sim->pops[p->post];
    if (p->syn->transmit || pre->n != post->n || pre->n_blocks != post->n_blocks)
        return 0;
    for (int s = 0; s < post->n_blocks; s++) {
        const rv__rows *r = &p->rows[s];
        int64_t lo = post->blocks[s].lo;
        if (pre->blocks[s].lo != lo)
            return 0;
        for (int64_t j = 0; j < r->n_src; j++)
            for (int64_t k = r->off[j]; k < r->off[j + 1]; k++)
                if ((int64_t)r->target[k] + lo != (int64_t)r->src[j])
                    return 0;
    }
    return 1;
}

/* ---- preparing ------------------------------------------------------------------ */

/* Whether each projection is local (is_local), agreed over the processes
 * (under MPI each sees only the rows onto its own neurons): 64 projections
 * a collective. */
static void find_local(rv_sim *sim)
{
    for (int32_t k0 = 0; k0 < sim->n_projs; k0 += 64) {
        int64_t not_local[64] = {0};
        int n = sim->n_projs - k0 < 64 ? (int)(sim->n_projs - k0) : 64;
        for (int j = 0; j < n; j++)
            not_local[j] = !is_local(sim, sim->projs[k0 + j]);
        rv__comm_max(sim, not_local, n);
        for (int j = 0; j < n; j++)
            sim->projs[k0 + j]->local = !not_local[j];
    }
}

static rv_status prepare_local(rv_sim *sim, uint16_t lo, uint16_t hi);

/* Under MPI: collective, and agreed (core/comm.h). */
rv_status rv__prepare_delivery(rv_sim *sim)
{
    rv_status st = RV_OK;
    uint16_t lo = UINT16_MAX, hi = 0;
    for (int32_t k = 0; k < sim->n_projs && !st; k++) {
        rv__proj *p = sim->projs[k];
        if ((st = rv__proj_compact(sim, p)))
            break;
        if (p->n_rows > 0) {
            lo = p->min_delay < lo ? p->min_delay : lo;
            hi = p->max_delay > hi ? p->max_delay : hi;
        }
    }
    if ((st = rv__comm_agree(sim, st)))
        return st;
    /* the slices are the same on every process: the delays of all */
    int64_t range[2] = {-(int64_t)lo, hi};
    rv__comm_max(sim, range, 2);
    lo = (uint16_t)-range[0];
    hi = (uint16_t)range[1];
    find_local(sim);
    return rv__comm_agree(sim, prepare_local(sim, lo, hi));
}

/* The rest of rv__prepare_delivery: what each process does alone. */
static rv_status prepare_local(rv_sim *sim, uint16_t lo, uint16_t hi)
{
    rv_status st;
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
    int32_t max_out = 1;
    for (int32_t k = 0; k < sim->n_pops; k++) {
        rv__pop *pop = sim->pops[k];
        max_out = pop->n_out > max_out ? pop->n_out : max_out;
        pop->n_out_exchanged = 0;
        for (int32_t j = 0; j < pop->n_out; j++)
            pop->n_out_exchanged += !sim->projs[pop->out_proj[j]]->local;
    }
    for (int s = 0; s < sim->n_shards; s++) {
        rv__shard *sh = &sim->shards[s];
        int64_t *cursor = rv__realloc_array(sh->cursor, (size_t)sim->n_projs + 1, sizeof *cursor);
        if (!cursor)
            return rv__fail(sim, RV_ERR_NOMEM, "rv_sim_run_until: out of memory");
        sh->cursor = cursor;
        rv__route *routes = rv__realloc_array(sh->routes, (size_t)max_out, sizeof *routes);
        if (!routes)
            return rv__fail(sim, RV_ERR_NOMEM, "rv_sim_run_until: out of memory");
        sh->routes = routes;
        if (index_rows(sim, s))
            return rv__fail(sim, RV_ERR_NOMEM, "rv_sim_run_until: out of memory");
    }
    sim->min_delay_steps = lo;
    sim->max_delay_steps = hi;
    sim->ring_len = len;
    return RV_OK;
}

/* ---- delivering ------------------------------------------------------------------- */

/* How many synapses ahead deliver_row prefetches (16: 7 %, 32: 9 %, 64: 6 %
 * less time for PD14 at scale 0.5 on 2 threads). */
#define PREFETCH 32

/* Adds synapses [begin, end) of a row to the targets' ring buffer; base is
 * the receptor's ring, n the neurons of the block. */
static void deliver_row(const rv__rows *r, double *base, int64_t n, int64_t begin, int64_t end,
                        int64_t step, int64_t mask)
{
    const uint32_t *target = r->target;
    if (!r->delay.v) {
        double *dst = base + (size_t)((step + 1 + r->delay.all) & mask) * (size_t)n;
        if (!r->weight.v) {
            double w = r->weight.all;
            for (int64_t j = begin; j < end; j++)
                dst[target[j]] += w;
        } else {
            const double *w = r->weight.v;
            for (int64_t j = begin; j < end; j++)
                dst[target[j]] += w[j];
        }
        return;
    }
    /* Each synapse updates a random place in a ring of (slots x neurons)
     * that is larger than the caches: the place PREFETCH synapses ahead is
     * asked for early, so that several misses are in flight at once. */
    const uint16_t *d = r->delay.v;
    const int64_t ahead = end - PREFETCH > begin ? end - PREFETCH : begin;
    if (!r->weight.v) {
        double w = r->weight.all;
        int64_t j = begin;
        for (; j < ahead; j++) {
            __builtin_prefetch(&base[(size_t)((step + 1 + d[j + PREFETCH]) & mask) * (size_t)n
                                     + target[j + PREFETCH]], 1);
            base[(size_t)((step + 1 + d[j]) & mask) * (size_t)n + target[j]] += w;
        }
        for (; j < end; j++)
            base[(size_t)((step + 1 + d[j]) & mask) * (size_t)n + target[j]] += w;
    } else {
        const double *w = r->weight.v;
        int64_t j = begin;
        for (; j < ahead; j++) {
            __builtin_prefetch(&base[(size_t)((step + 1 + d[j + PREFETCH]) & mask) * (size_t)n
                                     + target[j + PREFETCH]], 1);
            base[(size_t)((step + 1 + d[j]) & mask) * (size_t)n + target[j]] += w[j];
        }
        for (; j < end; j++)
            base[(size_t)((step + 1 + d[j]) & mask) * (size_t)n + target[j]] += w[j];
    }
}

/* The context a dynamic synapse model gets for a spike of source `pre`
 * emitted at the end of `step` through projection p, in shard s. */
static rv__syn_ctx syn_context(rv_sim *sim, const rv__proj *p, int s, int64_t step, uint32_t pre,
                               int64_t row_begin)
{
    const rv__pop *post = sim->pops[p->post];
    rv__pop_block *blk = &post->blocks[s];
    rv__syn_ctx c = {
        .p = p, .r = &p->rows[s], .sh = &sim->shards[s], .shard = s,
        .pre_gid = sim->pops[p->pre]->first_gid + pre, .pre = pre, .row_begin = row_begin,
        .post_gid0 = post->first_gid + blk->lo, .step = step, .t = (step + 1) * sim->dt,
        .dt = sim->dt, .seed = sim->seed,
        .ring = blk->input + (size_t)p->receptor * (size_t)sim->ring_len * (size_t)blk->view.n,
        .ring_mask = sim->ring_len - 1, .n_post = blk->view.n,
        .tau_psc = p->tau_param >= 0 ? blk->param[p->tau_param] : NULL,
        .channels = post->history, .logs = blk->log, .now_step = sim->step,
    };
    return c;
}

void rv__run_deferred(rv_sim *sim, int s, int64_t now)
{
    rv__shard *sh = &sim->shards[s];
    if (!sh->deferred_len)
        return;
    rv__defer_bucket *b = bucket(sh, now);
    for (int64_t e = 0; e < b->n; e++) {
        const rv__deferred *d = &b->e[e];
        const rv__proj *p = sim->projs[d->proj];
        rv__syn_ctx c = syn_context(sim, p, s, d->spike_step, d->pre, d->synapse);
        c.now_step = now;
        p->syn->transmit(&c, d->synapse, d->synapse + 1);
    }
    b->n = 0;
}

/* The routes of the spikes of population src into shard s; returns their
 * number (projections without synapses here are left out). */
static int32_t make_routes(rv_sim *sim, int s, const rv__pop *src)
{
    rv__shard *me = &sim->shards[s];
    int32_t m = 0;
    for (int32_t k = 0; k < src->n_out; k++) {
        const rv__proj *p = sim->projs[src->out_proj[k]];
        const rv__rows *r = &p->rows[s];
        if (r->n_src == 0 || p->local)
            continue;
        rv__pop_block *blk = &sim->pops[p->post]->blocks[s];
        me->cursor[p->handle] = 0;
        me->routes[m++] = (rv__route){
            .p = p, .r = r, .row_of = me->row_of[p->handle], .cursor = &me->cursor[p->handle],
            .base = blk->input + (size_t)p->receptor * (size_t)sim->ring_len * (size_t)blk->view.n,
            .n_post = blk->view.n};
    }
    return m;
}

/* One spike of source `index`, emitted at the end of `step`, along the
 * routes. */
static void deliver_spike(rv_sim *sim, int s, const rv__route *routes, int32_t n_routes,
                          uint32_t index, int64_t step)
{
    int64_t mask = sim->ring_len - 1;
    for (int32_t k = 0; k < n_routes; k++) {
        const rv__route *rt = &routes[k];
        const rv__rows *r = rt->r;
        int64_t at;
        if (rt->row_of)
            at = rt->row_of[index] == RV__NO_ROW ? -1 : (int64_t)rt->row_of[index];
        else
            at = rv__rows_find(r, index, rt->cursor);
        if (at < 0)
            continue;
        int64_t begin = r->off[at], end = r->off[at + 1];
        if (!rt->p->syn->transmit) {
            deliver_row(r, rt->base, rt->n_post, begin, end, step, mask);
        } else {
            rv__syn_ctx c = syn_context(sim, rt->p, s, step, index, begin);
            rt->p->syn->transmit(&c, begin, end);
        }
    }
}

void rv__deliver(rv_sim *sim, int s, int64_t slice_start)
{
    if (sim->plastic)
        rv__run_deferred(sim, s, sim->step);
    const rv__spike *a = sim->arrivals.sorted;
    const int64_t n = sim->arrivals.n;
    /* one (step, population) group at a time: its routes, then its spikes */
    for (int64_t i = 0; i < n;) {
        int32_t step_off = a[i].step_off, pop = a[i].pop;
        int64_t end = i + 1;
        while (end < n && a[end].step_off == step_off && a[end].pop == pop)
            end++;
        int32_t n_routes = make_routes(sim, s, sim->pops[pop]);
        const rv__route *routes = sim->shards[s].routes;
        int64_t step = slice_start + step_off;
        for (; n_routes > 0 && i < end; i++)
            deliver_spike(sim, s, routes, n_routes, a[i].index, step);
        i = end;
    }
}

void rv__deliver_local(rv_sim *sim, int s, const rv__pop *src, const rv__spike_buf *f,
                       int64_t step)
{
    int64_t mask = sim->ring_len - 1, lo = src->blocks[s].lo;
    for (int32_t k = 0; k < src->n_out; k++) {
        const rv__proj *p = sim->projs[src->out_proj[k]];
        const rv__rows *r = &p->rows[s];
        if (!p->local || r->n_src == 0)
            continue;
        const rv__pop_block *blk = &sim->pops[p->post]->blocks[s];
        double *base = blk->input + (size_t)p->receptor * (size_t)sim->ring_len
                                        * (size_t)blk->view.n;
        const uint32_t *row_of = sim->shards[s].row_of[p->handle];
        int64_t cursor = 0;
        for (int64_t e = 0; e < f->n; e++) {
            uint32_t index = (uint32_t)(lo + f->idx[e]);
            int64_t at;
            if (row_of)
                at = row_of[index] == RV__NO_ROW ? -1 : (int64_t)row_of[index];
            else
                at = rv__rows_find(r, index, &cursor);
            if (at >= 0)
                deliver_row(r, base, blk->view.n, r->off[at], r->off[at + 1], step, mask);
        }
    }
}
