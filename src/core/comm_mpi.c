/*
 * The communication functions (core/comm.h) over MPI, and rv_sim_set_mpi
 * (ranvier_mpi.h).
 *
 * The exchange of a slice takes two collectives: an MPI_Allgather of a
 * two-number header per process -- its spike count and whether it failed
 * -- then an MPI_Allgatherv of the spikes themselves, 12-byte (index,
 * population, step offset) records, each process's shards' lists in shard
 * order, into the arrivals buffer (delivery/arrivals.c), which every
 * process grows at the same slices (when the total passes the capacity
 * they agreed on; a third, rare collective then agrees that all could).
 * The cost is O(spikes) per slice plus the collectives' latency, whatever
 * the number of neurons or threads.  Allgatherv rather than Alltoallv: the
 * spike records do not say which process has targets of each source, and
 * finding out would cost a table of O(neurons) per process and per
 * projection; with every process receiving every spike, the delivery
 * orders them exactly as one process's shards' lists, which keeps the
 * results independent of the partition.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "core/comm.h"
#include "ranvier/ranvier_mpi.h"

struct rv__comm {
    MPI_Comm comm;
    MPI_Datatype spike_type;   /* one rv__spike, as bytes */
    int64_t cap;               /* of the arrivals, agreed: the same on every process */
    int64_t *head;             /* [n_procs x 2]: every process's spike count and failure */
    int *counts, *displs;      /* [n_procs] */
    double seconds;            /* in rv__comm_exchange, since creation */
    int64_t received;          /* records from other processes, since creation */
};

static void comm_release(struct rv__comm *c)
{
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) {
        MPI_Type_free(&c->spike_type);
        MPI_Comm_free(&c->comm);
    }
    rv__free(c->head);
    rv__free(c->counts);
    rv__free(c->displs);
    rv__free(c);
}

void rv__comm_free(rv_sim *sim)
{
    if (sim->comm)
        comm_release(sim->comm);
    sim->comm = NULL;
}

rv_status rv_sim_set_mpi(rv_sim *sim, MPI_Comm comm)
{
    static const char fn[] = "rv_sim_set_mpi";
    if (!sim)
        return RV_ERR_NULL;
    rv__clear_error(sim);
    if (sim->n_pops > 0 || sim->n_projs > 0 || sim->n_cs > 0 || sim->running)
        return rv__fail(sim, RV_ERR_PHASE, "%s: only on a new simulation, before any population, "
                        "projection or current source is created", fn);
    int initialized = 0, finalized = 0;
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    if (!initialized || finalized)
        return rv__fail(sim, RV_ERR_VALUE, "%s: MPI is %s", fn,
                        finalized ? "finalised already" : "not initialised (call MPI_Init first)");
    if (comm == MPI_COMM_NULL)
        return rv__fail(sim, RV_ERR_VALUE, "%s: comm is MPI_COMM_NULL", fn);
    int size = 1, rank = 0;
    MPI_Comm_size(comm, &size);
    MPI_Comm_rank(comm, &rank);
    if ((int64_t)size * sim->n_threads > RV__MAX_SHARDS)
        return rv__fail(sim, RV_ERR_LIMIT, "%s: %d processes x %d threads exceed the limit of %d",
                        fn, size, sim->n_threads, RV__MAX_SHARDS);
    struct rv__comm *c = rv__calloc(1, sizeof *c);
    int ok = c && (c->counts = rv__calloc((size_t)size, sizeof *c->counts))
             && (c->displs = rv__calloc((size_t)size, sizeof *c->displs))
             && (c->head = rv__calloc(2 * (size_t)size, sizeof *c->head));
    /* every process must agree before any keeps a communicator */
    int all_ok = 0;
    MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, comm);
    if (!all_ok) {
        if (c) {
            rv__free(c->counts);
            rv__free(c->displs);
            rv__free(c->head);
            rv__free(c);
        }
        return rv__fail(sim, RV_ERR_NOMEM, "%s: out of memory (on %s process)", fn,
                        ok ? "another" : "this");
    }
    MPI_Comm_dup(comm, &c->comm);
    MPI_Type_contiguous((int)sizeof(rv__spike), MPI_BYTE, &c->spike_type);
    MPI_Type_commit(&c->spike_type);
    rv__comm_free(sim);
    sim->comm = c;
    sim->n_procs = size;
    sim->proc = rank;
    sim->n_shards = sim->n_threads * size;
    sim->prepared = 0;
    return RV_OK;
}

rv_status rv__comm_agree(rv_sim *sim, rv_status st)
{
    if (!sim->comm)
        return st;
    struct rv__comm *c = sim->comm;
    int mine = st != RV_OK ? sim->proc : sim->n_procs, first = sim->n_procs;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, c->comm);
    if (first == sim->n_procs)
        return RV_OK;
    struct {
        int status;
        char msg[sizeof sim->errmsg];
    } what = {(int)st, ""};
    if (sim->proc == first)
        memcpy(what.msg, sim->errmsg, sizeof what.msg);
    MPI_Bcast(&what, (int)sizeof what, MPI_BYTE, first, c->comm);
    if (sim->proc != first) {
        what.msg[sizeof what.msg - 1] = '\0';
        snprintf(sim->errmsg, sizeof sim->errmsg, "process %d: %s", first, what.msg);
    }
    return (rv_status)what.status;
}

void rv__comm_max(rv_sim *sim, int64_t *v, int n)
{
    if (sim->comm)
        MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_INT64_T, MPI_MAX, sim->comm->comm);
}

/* Room for `total` arrivals; every process calls it with the same total
 * and capacity, so they grow together and agree whether all could:
 * RV__EXCHANGED, else RV__EXCHANGE_NOMEM where the memory ran out and
 * RV__EXCHANGE_FAILED on the others (which take that process's message). */
static int reserve(rv_sim *sim, struct rv__comm *c, int64_t total)
{
    if (total <= c->cap)
        return RV__EXCHANGED;
    int64_t cap = c->cap > 0 ? c->cap : 1024;
    while (cap < total)
        cap *= 2;
    int ok = !rv__arrivals_reserve(sim, cap), all_ok = 0;
    MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, c->comm);
    if (!all_ok)
        return ok ? RV__EXCHANGE_FAILED : RV__EXCHANGE_NOMEM;
    c->cap = cap;
    return RV__EXCHANGED;
}

rv_status rv__comm_prepare(rv_sim *sim)
{
    struct rv__comm *c = sim->comm;
    if (!c)
        return RV_OK;
    int64_t t[2] = {sim->n_threads, -(int64_t)sim->n_threads};
    rv__comm_max(sim, t, 2);
    if (t[0] != -t[1])
        return rv__fail(sim, RV_ERR_VALUE, "rv_sim_run_until: the processes use different "
                        "numbers of threads (%lld to %lld); every process must use the same",
                        (long long)-t[1], (long long)t[0]);
    return RV_OK;
}

void rv__comm_stats(const rv_sim *sim, double *seconds, int64_t *received)
{
    *seconds = sim->comm ? sim->comm->seconds : 0.0;
    *received = sim->comm ? sim->comm->received : 0;
}

static int exchange(rv_sim *sim, int failed);

int rv__comm_exchange(rv_sim *sim, int failed)
{
    struct rv__comm *c = sim->comm;
    if (!c)
        return rv__arrivals_local(sim, failed);
    double t0 = MPI_Wtime();
    int any = exchange(sim, failed);
    c->seconds += MPI_Wtime() - t0;
    return any;
}

static int exchange(rv_sim *sim, int failed)
{
    struct rv__comm *c = sim->comm;
    int P = sim->n_procs;
    int64_t mine[2] = {rv__arrivals_local_count(sim), failed};
    MPI_Allgather(mine, 2, MPI_INT64_T, c->head, 2, MPI_INT64_T, c->comm);
    int64_t total = 0;
    int any_failed = 0;
    for (int r = 0; r < P; r++) {
        int64_t n = c->head[2 * r];
        any_failed |= c->head[2 * r + 1] != 0;
        c->counts[r] = n < INT_MAX ? (int)n : INT_MAX;
        c->displs[r] = total < INT_MAX ? (int)total : INT_MAX;
        total += n;
    }
    if (any_failed)
        return RV__EXCHANGE_FAILED;
    if (total >= INT_MAX)
        return RV__EXCHANGE_LIMIT;
    int room = reserve(sim, c, total);
    if (room != RV__EXCHANGED)
        return room;
    /* Every process read the same header, so all skip the collective of a
       silent slice together (and the buffers may not exist yet). */
    if (total > 0) {
        rv__spike *all = sim->arrivals.buf[0];
        rv__arrivals_copy_local(sim, all + c->displs[sim->proc]);
        MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, all, c->counts, c->displs,
                       c->spike_type, c->comm);
        c->received += total - c->counts[sim->proc];
    }
    sim->arrivals.n = total;
    return RV__EXCHANGED;
}
