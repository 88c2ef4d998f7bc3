/*
 * Shards: running work on them (parallel.h), and splitting the network
 * again when the number of threads changes between runs -- every
 * population into new blocks, every projection's rows into the new
 * blocks' rows, and the synaptic updates still waiting (STDP) into the
 * shards that now own their synapses.
 */
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/parallel.h"
#include "core/sim.h"

void rv__for_shards(const rv_sim *sim, int n, void (*fn)(int s, void *ctx), void *ctx)
{
    int lo = rv__shards_lo(sim, n), hi = rv__shards_hi(sim, n);
#ifdef _OPENMP
    if (hi - lo > 1) {
#pragma omp parallel num_threads(hi - lo)
        {
            int t = omp_get_thread_num(), nt = omp_get_num_threads();
            for (int s = lo + t; s < hi; s += nt)
                fn(s, ctx);
        }
    } else
#endif
    {
        for (int s = lo; s < hi; s++)
            fn(s, ctx);
    }
    /* other processes' shards: their blocks and rows are empty here */
    for (int s = 0; s < n; s++)
        if (s < lo || s >= hi)
            fn(s, ctx);
}

int rv__thread_index(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

static void shard_free(rv__shard *sh)
{
    rv__free(sh->spikes);
    for (int64_t k = 0; sh->deferred && k < sh->deferred_len; k++)
        rv__free(sh->deferred[k].e);
    rv__free(sh->deferred);
    rv__free(sh->inject);
    rv__free(sh->cursor);
    rv__free(sh->routes);
    rv__free_row_index(sh, sh->n_row_of);
    memset(sh, 0, sizeof *sh);
}

void rv__shards_free(rv_sim *sim)
{
    for (int s = 0; sim->shards && s < sim->n_shards_made; s++)
        shard_free(&sim->shards[s]);
    rv__free(sim->shards);
    sim->shards = NULL;
    sim->n_shards_made = 0;
}

/* ---- deferred updates across a re-split ------------------------------------------- */

/* A deferred update named independently of the split: its synapse is the
 * `ordinal`-th of the multapses from `pre` to population index `post`. */
typedef struct moving {
    rv__deferred d;
    int64_t post;
    int64_t ordinal;
} moving;

/* The position of source i in rows r, or -1. */
static int64_t source_slot(const rv__rows *r, uint32_t i)
{
    int64_t cursor = 0;
    return rv__rows_find(r, i, &cursor);
}

static rv_status collect_moving(rv_sim *sim, moving **out, int64_t *n_out)
{
    int64_t n = 0, cap = 0;
    moving *m = NULL;
    for (int q = 0; q < sim->n_shards_made; q++) {
        const rv__shard *sh = &sim->shards[q];
        for (int64_t k = 0; sh->deferred && k < sh->deferred_len; k++)
            for (int64_t e = 0; e < sh->deferred[k].n; e++) {
                const rv__deferred *d = &sh->deferred[k].e[e];
                const rv__proj *p = sim->projs[d->proj];
                if (q >= p->n_shards)
                    continue;   /* split already (an earlier re-split ran out of memory) */
                const rv__rows *r = &p->rows[q];
                int64_t slot = source_slot(r, d->pre), j = d->synapse, first = j;
                while (slot >= 0 && first > r->off[slot] && r->target[first - 1] == r->target[j])
                    first--;
                if (rv__reserve((void **)&m, &cap, n + 1, sizeof *m)) {
                    rv__free(m);
                    return rv__fail(sim, RV_ERR_NOMEM, "rv_sim_run_until: out of memory");
                }
                m[n++] = (moving){*d, sim->pops[p->post]->blocks[q].lo + r->target[j], j - first};
            }
    }
    *out = m;
    *n_out = n;
    return RV_OK;
}

static rv_status place_moving(rv_sim *sim, const moving *m, int64_t n)
{
    for (int64_t k = 0; k < n; k++) {
        const rv__proj *p = sim->projs[m[k].d.proj];
        const rv__pop *post = sim->pops[p->post];
        int s = rv__block_of(post, m[k].post);
        const rv__rows *r = &p->rows[s];
        int64_t slot = source_slot(r, m[k].d.pre), t = m[k].post - post->blocks[s].lo, j = -1;
        for (int64_t i = slot >= 0 ? r->off[slot] : 0; slot >= 0 && i < r->off[slot + 1]; i++)
            if (r->target[i] == t) {
                j = i + m[k].ordinal;
                break;
            }
        if (j < 0)
            continue;   /* cannot happen: the same synapses, regrouped */
        rv__shard *sh = &sim->shards[s];
        rv__defer_bucket *b = &sh->deferred[m[k].d.due & (sh->deferred_len - 1)];
        if (rv__reserve((void **)&b->e, &b->cap, b->n + 1, sizeof *b->e))
            return rv__fail(sim, RV_ERR_NOMEM, "rv_sim_run_until: out of memory");
        b->e[b->n] = m[k].d;
        b->e[b->n++].synapse = j;
    }
    return RV_OK;
}

/* ---- the split ------------------------------------------------------------------- */

rv_status rv__shards_size(rv_sim *sim)
{
    int S = sim->n_shards;
    int same = sim->shards && sim->n_shards_made == S;
    for (int32_t k = 0; same && k < sim->n_pops; k++)
        same = sim->pops[k]->n_blocks == S;
    for (int32_t k = 0; same && k < sim->n_projs; k++)
        same = sim->projs[k]->n_shards == S;
    if (same)
        return RV_OK;
    rv_status st;
    moving *m = NULL;
    int64_t n_moving = 0, len = 0;
    for (int q = 0; q < sim->n_shards_made; q++)
        len = sim->shards[q].deferred_len > len ? sim->shards[q].deferred_len : len;
    if ((st = collect_moving(sim, &m, &n_moving)))
        return st;
    rv__shard *fresh = rv__calloc((size_t)S, sizeof *fresh);
    if (!fresh) {
        rv__free(m);
        return rv__fail(sim, RV_ERR_NOMEM, "rv_sim_run_until: out of memory");
    }
    for (int s = 0; s < S && len > 0; s++) {
        fresh[s].deferred_len = len;
        if (!(fresh[s].deferred = rv__calloc((size_t)len, sizeof *fresh[s].deferred))) {
            for (int q = 0; q <= s; q++)
                shard_free(&fresh[q]);
            rv__free(fresh);
            rv__free(m);
            return rv__fail(sim, RV_ERR_NOMEM, "rv_sim_run_until: out of memory");
        }
    }
    /* populations, then the rows that follow their blocks */
    for (int32_t k = 0; k < sim->n_pops && !st; k++)
        st = rv__pop_reshard(sim, sim->pops[k]);
    for (int32_t k = 0; k < sim->n_projs && !st; k++)
        st = rv__proj_compact(sim, sim->projs[k]);
    if (st) {
        /* some objects are split the new way, some the old: both work, and
           the next run tries again */
        for (int s = 0; s < S; s++)
            shard_free(&fresh[s]);
        rv__free(fresh);
        rv__free(m);
        return st;
    }
    rv__shards_free(sim);
    sim->shards = fresh;
    sim->n_shards_made = S;
    st = place_moving(sim, m, n_moving);
    rv__free(m);
    return st;
}
