/*
 * ranvier_mpi.h -- running one simulation over several MPI processes.
 *
 * Separate from ranvier.h so that C users without MPI need neither mpi.h
 * nor an MPI library; available when the library was built with MPI
 * (CMake found it: RANVIER_HAVE_MPI in ranvier_config, see the README).
 *
 * Every process makes the same calls of the public API, with the same
 * arguments, as one program run by `mpirun -np P`.  Process r (of P) holds
 * the neurons [n r / P, n (r + 1) / P) of every population of n, split
 * further over its threads, and the synapses onto them; connection rules,
 * random parameters and stochastic sources draw from streams named by
 * global ids, so the results are bit for bit those of one process with the
 * same seed, whatever P and the number of threads.  Spikes cross between
 * processes once per min-delay slice.
 *
 * Under MPI:
 *   - rv_sim_run_until is collective (every process calls it); a failure on one process (a bad parameter it holds, out of
 *     memory, a diverging neuron) fails the call on every process, with
 *     that process's message;
 *   - reads of neurons another process holds give NaN (parameters, state,
 *     recorded signals), 0 (spike counts) or an empty list (spike times,
 *     array parameters); recorded spikes are this
 *     process's neurons'; writes to them are ignored here (the process
 *     holding them makes the same call);
 *   - reads of connections (rv_proj_get_*) give the connections onto this
 *     process's neurons;
 *   - every process must use the same number of threads.
 * MPI itself is initialised and finalised by the caller (MPI_Init, or
 * mpi4py); the library calls MPI only from the thread that calls it
 * (MPI_THREAD_FUNNELED is enough).
 */
#ifndef RANVIER_MPI_H
#define RANVIER_MPI_H

#include <mpi.h>

#include "ranvier/ranvier.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Shares the simulation over the processes of comm (duplicated: the
 * library's messages never mix with the caller's).  Collective over comm.
 * Only on a new simulation, before any population, projection or current
 * source is created.  RV_ERR_PHASE otherwise; RV_ERR_VALUE if MPI is not
 * initialised or comm is MPI_COMM_NULL. */
rv_status rv_sim_set_mpi(rv_sim *sim, MPI_Comm comm);

#ifdef __cplusplus
}
#endif

#endif
