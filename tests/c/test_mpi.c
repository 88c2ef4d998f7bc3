/*
 * One simulation over several MPI processes (ranvier_mpi.h), run by ctest
 * under `mpirun -np 2` and `-np 4`.
 *
 * Each process builds the network of invariance_net.h twice: once alone
 * (no MPI, one thread) as the reference, and distributed over all
 * processes with 1 and 2 threads each.  Its share of every result -- the
 * spikes of its neurons, their membrane trace, the STDP weights onto them
 * -- must be bit for bit the reference's, and the shares must add up to
 * the whole.  Then a failure on one process (a parameter only it holds,
 * found when the run starts; a neuron that diverges mid-run) must fail the
 * run on every process with that process's message, not hang.
 */
#include <mpi.h>

#include "invariance_net.h"
#include "ranvier/ranvier_mpi.h"

static int rank, size;

static int64_t share_lo(int64_t n, int r)
{
    return n * r / size;
}

/* Whether o (distributed) holds exactly this process's share of ref. */
static int same_share(const outcome *ref, const outcome *o)
{
    for (int k = 0; k < N_POPS; k++) {
        int64_t lo = share_lo(POP_SIZES[k], rank), hi = share_lo(POP_SIZES[k], rank + 1), m = 0;
        for (int64_t j = 0; j < ref->n_spikes[k]; j++) {
            if (ref->spike_i[k][j] < lo || ref->spike_i[k][j] >= hi)
                continue;
            if (m >= o->n_spikes[k] || o->spike_i[k][m] != ref->spike_i[k][j]
                || o->spike_t[k][m] != ref->spike_t[k][j])
                return 0;
            m++;
        }
        if (m != o->n_spikes[k])
            return 0;
    }
    /* the trace: rows x 60 columns; another process's columns read NaN */
    if (o->n_v != ref->n_v)
        return 0;
    int64_t lo = share_lo(60, rank), hi = share_lo(60, rank + 1);
    for (int64_t j = 0; j < ref->n_v; j++) {
        int64_t col = j % 60;
        int here = col >= lo && col < hi;
        if (here ? memcmp(&o->v[j], &ref->v[j], sizeof(double)) != 0 : !isnan(o->v[j]))
            return 0;
    }
    /* the STDP weights onto this process's neurons, in canonical order */
    int64_t m = 0;
    for (int64_t j = 0; j < ref->n_w; j++) {
        if (ref->w_post[j] < lo || ref->w_post[j] >= hi)
            continue;
        if (m >= o->n_w || o->w_post[m] != ref->w_post[j] || o->w[m] != ref->w[j])
            return 0;
        m++;
    }
    return m == o->n_w;
}

static void test_partition_invariance(void)
{
    outcome ref;
    rv_sim *alone = sim_new(0.1, 77);
    build_and_run(alone, &ref);
    rv_sim_free(alone);
    for (int threads = 1; threads <= 2; threads++) {
        rv_sim *sim = NULL;
        CHECK(rv_sim_create(&sim) == RV_OK);
        OK(sim, rv_sim_set_mpi(sim, MPI_COMM_WORLD));
        OK(sim, rv_sim_set_timing(sim, 0.1, 0, 0));
        OK(sim, rv_sim_set_seed(sim, 77));
        OK(sim, rv_sim_set_threads(sim, threads));
        rv_sim_info info;
        OK(sim, rv_sim_get_info(sim, &info));
        CHECK(info.n_processes == size && info.rank == rank);
        outcome o;
        build_and_run(sim, &o);
        int ok = same_share(&ref, &o), all_ok = 0;
        MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
        if (!ok)
            fprintf(stderr, "rank %d, %d threads: results differ from one process\n", rank,
                    threads);
        CHECK(all_ok);
        /* the shares add up to the whole */
        int64_t n = 0, total = 0;
        for (int k = 0; k < N_POPS; k++)
            n += o.n_spikes[k];
        MPI_Allreduce(&n, &total, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
        int64_t whole = 0;
        for (int k = 0; k < N_POPS; k++)
            whole += ref.n_spikes[k];
        CHECK(total == whole && whole > 1000);
        release(&o);
        rv_sim_free(sim);
    }
    release(&ref);
}

static rv_sim *distributed(void)
{
    rv_sim *sim = NULL;
    CHECK(rv_sim_create(&sim) == RV_OK);
    OK(sim, rv_sim_set_mpi(sim, MPI_COMM_WORLD));
    OK(sim, rv_sim_set_timing(sim, 0.1, 0, 0));
    return sim;
}

/* A neuron only the last process holds has a parameter that the run's
 * check refuses: every process's run fails, with its message. */
static void test_failure_on_one_process(void)
{
    rv_sim *sim = distributed();
    int32_t pop = pop_new(sim, "Izhikevich", 40);
    int32_t src = pop_new(sim, "SpikeSourcePoisson", 40);
    set_all(sim, src, "rate", 50.0);
    rv_rule fp = {.kind = RV_RULE_FIXED_PROBABILITY, .p = 0.2, .stream = 1};
    rv_param_spec w[2] = {{"weight", RV_DIST_CONSTANT, {5.0}, NULL},
                          {"delay", RV_DIST_CONSTANT, {1.0}, NULL}};
    int32_t proj;
    OK(sim, rv_proj_create(sim, src, pop, "excitatory", "StaticSynapse", &proj));
    OK(sim, rv_proj_connect_rule(sim, proj, &fp, NULL, 0, NULL, 0, w, 2));
    set_one(sim, pop, 39, "c", 40.0);   /* above the spike level */
    FAILS(sim, RV_ERR_VALUE, rv_sim_run_until(sim, 10.0));
    const char *msg = rv_sim_errmsg(sim);
    CHECK(strstr(msg, "neuron 39") != NULL);
    if (rank != size - 1) {
        char who[32];
        snprintf(who, sizeof who, "process %d: ", size - 1);
        CHECK(strncmp(msg, who, strlen(who)) == 0);
    }
    /* fixed, the run goes through everywhere */
    set_one(sim, pop, 39, "c", -65.0);
    OK(sim, rv_sim_run_until(sim, 10.0));
    /* a neuron of the first process diverges mid-run */
    set_one(sim, pop, 0, "a", 1e9);
    double v = 25.0;
    int64_t idx = 0;
    OK(sim, rv_pop_set_initial(sim, pop, "v", &idx, 1, &v, 1));
    OK(sim, rv_sim_reset(sim));
    FAILS(sim, RV_ERR_VALUE, rv_sim_run_until(sim, 10.0));
    msg = rv_sim_errmsg(sim);
    CHECK(strstr(msg, "neuron 0") != NULL);
    CHECK(rank == 0 || strncmp(msg, "process 0: ", 11) == 0);
    rv_sim_free(sim);
}

static void test_misuse(void)
{
    rv_sim *sim = NULL;
    CHECK(rv_sim_create(&sim) == RV_OK);
    int32_t pop = pop_new(sim, "IF_curr_exp", 4);
    (void)pop;
    FAILS(sim, RV_ERR_PHASE, rv_sim_set_mpi(sim, MPI_COMM_WORLD));
    rv_sim_free(sim);
    CHECK(rv_sim_create(&sim) == RV_OK);
    FAILS(sim, RV_ERR_VALUE, rv_sim_set_mpi(sim, MPI_COMM_NULL));
    CHECK(rv_sim_set_mpi(NULL, MPI_COMM_WORLD) == RV_ERR_NULL);
    rv_sim_free(sim);
}

int main(int argc, char **argv)
{
    int provided = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    test_partition_invariance();
    test_failure_on_one_process();
    test_misuse();
    int failures = test_failures, all = 0;
    MPI_Allreduce(&failures, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MPI_Finalize();
    if (rank == 0 && all == 0)
        printf("test_mpi: %d processes: OK\n", size);
    return all ? 1 : 0;
}
