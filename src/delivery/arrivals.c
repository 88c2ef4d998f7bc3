/*
 * A slice's arrivals: the spikes of every shard of every process, in the
 * one order in which every shard delivers them, whatever the partition.
 *
 * The order is by step offset, then population, then as the shards listed
 * them, in shard order.  A shard lists a step's spikes by population and
 * neuron index, and shards hold consecutive neurons, so within a (step,
 * population) group that is the order of the neurons' indices: the same for
 * any number of threads and processes, which is what makes the results
 * bit-identical across partitions (the summation order into a ring-buffer
 * place is the arrival order).
 *
 * The shards' lists come concatenated in shard order into buf[0] (the MPI
 * exchange gathers every process's there; one process copies its own), and
 * a stable LSD radix sort on the key step_offset x n_pops + population, one
 * byte a pass and only as many passes as the largest key present needs
 * (one for up to 256 (step, population) pairs), groups them, in O(spikes +
 * 256) a pass, once per process and slice.  It replaced a k-way merge that
 * every shard repeated, each of whose rounds scanned the heads of all the
 * P x T shards' lists: O(groups x shards) per shard and slice, a term that
 * would have set the floor of strong scaling over many nodes
 * (docs/benchmarks.md, the MPI scaling model).
 */
#include <string.h>

#include "core/comm.h"

int rv__arrivals_reserve(rv_sim *sim, int64_t n)
{
    rv__arrivals *a = &sim->arrivals;
    if (n <= a->cap)
        return 0;
    int64_t cap = a->cap > 0 ? a->cap : 1024;
    while (cap < n)
        cap *= 2;
    for (int k = 0; k < 2; k++) {
        rv__spike *buf = rv__realloc_array(a->buf[k], (size_t)cap, sizeof *buf);
        if (!buf)
            return 1;   /* the cap stays what both buffers hold */
        a->buf[k] = buf;
    }
    a->cap = cap;
    return 0;
}

int64_t rv__arrivals_local_count(const rv_sim *sim)
{
    int64_t n = 0;
    for (int s = rv__shards_lo(sim, sim->n_shards); s < rv__shards_hi(sim, sim->n_shards); s++)
        n += sim->shards[s].n_spikes;
    return n;
}

void rv__arrivals_copy_local(const rv_sim *sim, rv__spike *at)
{
    for (int s = rv__shards_lo(sim, sim->n_shards); s < rv__shards_hi(sim, sim->n_shards); s++) {
        const rv__shard *sh = &sim->shards[s];
        if (sh->n_spikes == 0)
            continue;   /* `at` may be NULL then: no buffer before the first spike */
        memcpy(at, sh->spikes, (size_t)sh->n_spikes * sizeof *at);
        at += sh->n_spikes;
    }
}

int rv__arrivals_local(rv_sim *sim, int failed)
{
    int64_t n = rv__arrivals_local_count(sim);
    if (failed)
        return RV__EXCHANGE_FAILED;
    if (rv__arrivals_reserve(sim, n))
        return RV__EXCHANGE_NOMEM;
    rv__arrivals_copy_local(sim, sim->arrivals.buf[0]);
    sim->arrivals.n = n;
    return RV__EXCHANGED;
}

static inline uint64_t key_of(const rv__spike *sp, uint64_t n_pops)
{
    return (uint64_t)sp->step_off * n_pops + (uint64_t)sp->pop;
}

void rv__arrivals_sort(rv_sim *sim)
{
    rv__arrivals *a = &sim->arrivals;
    const uint64_t n_pops = (uint64_t)sim->n_pops;
    const int64_t n = a->n;
    rv__spike *from = a->buf[0], *to = a->buf[1];
    uint64_t max = 0;
    for (int64_t i = 0; i < n; i++) {
        uint64_t k = key_of(&from[i], n_pops);
        max = k > max ? k : max;
    }
    for (int shift = 0; shift < 64 && (max >> shift) != 0; shift += 8) {
        int64_t at[257] = {0};
        for (int64_t i = 0; i < n; i++)
            at[((key_of(&from[i], n_pops) >> shift) & 255) + 1]++;
        if (at[((key_of(&from[0], n_pops) >> shift) & 255) + 1] == n)
            continue;   /* one bucket: this byte orders nothing */
        for (int b = 1; b < 257; b++)
            at[b] += at[b - 1];
        for (int64_t i = 0; i < n; i++)
            to[at[(key_of(&from[i], n_pops) >> shift) & 255]++] = from[i];
        rv__spike *t = from;
        from = to;
        to = t;
    }
    a->sorted = from;
}

void rv__arrivals_free(rv_sim *sim)
{
    rv__free(sim->arrivals.buf[0]);
    rv__free(sim->arrivals.buf[1]);
    memset(&sim->arrivals, 0, sizeof sim->arrivals);
}
