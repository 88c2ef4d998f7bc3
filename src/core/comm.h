/*
 * Communication between the processes that share a simulation (MPI,
 * comm_mpi.c); without MPI (comm_serial.c) every function is the
 * one-process case.  Internal.
 *
 * Under MPI every process makes the same calls of the public API; the
 * functions here are collective: every process calls them, in the same
 * order, from the thread that called the API (never from inside a
 * parallel region), so a status that one process found alone is first
 * agreed (rv__comm_agree) before any process acts on it -- one process
 * returning early while the others wait in a collective would be a hang.
 */
#ifndef RV_COMM_H
#define RV_COMM_H

#include "core/sim.h"

/* Every process's st agreed: RV_OK if all are, else the status and message
 * of the lowest-ranked process that failed (prefixed "process r: " on the
 * others). */
rv_status rv__comm_agree(rv_sim *sim, rv_status st);

/* v[0..n) replaced by its maximum over the processes. */
void rv__comm_max(rv_sim *sim, int64_t *v, int n);

/* Before a run's slices (prepare): checks that every process uses the same
 * number of threads and sizes what the exchange needs; agreed. */
rv_status rv__comm_prepare(rv_sim *sim);

/*
 * The exchange of a slice: makes every process's spike lists visible to
 * all.  failed says whether a shard of this process failed in the slice.
 * Returns 1 if any process failed (or the exchange ran out of memory: then
 * on every process), and then nothing is exchanged; else 0, and the lists
 * of other processes' shards are in their shards' `in` / `n_in`.
 */
int rv__comm_exchange(rv_sim *sim, int failed);

/* What the exchanges cost this process so far (rv_sim_info). */
void rv__comm_stats(const rv_sim *sim, double *seconds, int64_t *received);

void rv__comm_free(rv_sim *sim);

#endif
