/*
 * The communication functions (core/comm.h) of a library built without
 * MPI: one process, so nothing moves.
 */
#include "core/comm.h"

rv_status rv__comm_agree(rv_sim *sim, rv_status st)
{
    (void)sim;
    return st;
}

void rv__comm_max(rv_sim *sim, int64_t *v, int n)
{
    (void)sim;
    (void)v;
    (void)n;
}

rv_status rv__comm_prepare(rv_sim *sim)
{
    (void)sim;
    return RV_OK;
}

int rv__comm_exchange(rv_sim *sim, int failed)
{
    return rv__arrivals_local(sim, failed);
}

void rv__comm_stats(const rv_sim *sim, double *seconds, int64_t *received)
{
    (void)sim;
    *seconds = 0.0;
    *received = 0;
}

void rv__comm_free(rv_sim *sim)
{
    (void)sim;
}
