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
 * The exchange of a slice: every process's spike lists, concatenated in
 * shard order, into sim->arrivals (buf[0], n) on every process.  failed
 * says whether a shard of this process failed in the slice.  Returns
 * RV__EXCHANGED, or, with nothing exchanged, a failure on every process:
 * RV__EXCHANGE_FAILED if a shard of any process failed (or another
 * process's arrivals could not grow), RV__EXCHANGE_NOMEM on a process
 * whose arrivals could not grow, RV__EXCHANGE_LIMIT (on all) if the
 * slice's spikes exceed MPI's int counts.
 */
enum { RV__EXCHANGED, RV__EXCHANGE_FAILED, RV__EXCHANGE_NOMEM, RV__EXCHANGE_LIMIT };
int rv__comm_exchange(rv_sim *sim, int failed);

/* What the exchanges cost this process so far (rv_sim_info). */
void rv__comm_stats(const rv_sim *sim, double *seconds, int64_t *received);

void rv__comm_free(rv_sim *sim);

#endif
