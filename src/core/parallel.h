/*
 * Work split over the shards: each shard's part runs on its own thread
 * (OpenMP where the compiler has it, one after the other otherwise), so
 * that a shard's memory is allocated and first touched by the thread that
 * will use it.
 */
#ifndef RV_PARALLEL_H
#define RV_PARALLEL_H

struct rv_sim;

/* Calls fn(s, ctx) for every s in [0, n): the shards this process holds
 * ([rv__shards_lo, rv__shards_hi): all of them without MPI) one thread
 * each, then, on the calling thread, other processes' shards, whose blocks
 * and rows are empty here (fn must make them cheaply). */
void rv__for_shards(const struct rv_sim *sim, int n, void (*fn)(int s, void *ctx), void *ctx);

/* The calling thread's index in the current parallel region, or 0. */
int rv__thread_index(void);

#endif
