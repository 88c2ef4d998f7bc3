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
 * run on every process with that process's message, not hang, and so must
 * running out of memory on one process.
 */
#include <mpi.h>

#include "core/internal.h"
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

/* A small recurrent network, spikes recorded; returns its population. */
static int32_t oom_net(rv_sim *sim)
{
    int32_t pop = pop_new(sim, "IF_curr_exp", 40);
    int32_t src = pop_new(sim, "SpikeSourcePoisson", 20);
    set_all(sim, src, "rate", 300.0);
    rv_rule fp = {.kind = RV_RULE_FIXED_PROBABILITY, .p = 0.3, .stream = 1};
    rv_param_spec w[2] = {{"weight", RV_DIST_CONSTANT, {2.0}, NULL},
                          {"delay", RV_DIST_UNIFORM, {0.1, 2.0}, NULL}};
    int32_t a, b;
    OK(sim, rv_proj_create(sim, src, pop, "excitatory", "StaticSynapse", &a));
    OK(sim, rv_proj_connect_rule(sim, a, &fp, NULL, 0, NULL, 0, w, 2));
    OK(sim, rv_proj_create(sim, pop, pop, "excitatory", "StaticSynapse", &b));
    OK(sim, rv_proj_connect_rule(sim, b, &fp, NULL, 0, NULL, 0, w, 2));
    OK(sim, rv_rec_set(sim, pop, "spikes", NULL, 0, 1));
    return pop;
}

/* Every process's recorded spikes of pop, summed: count and checksum. */
static void spike_sums(rv_sim *sim, int32_t pop, double out[2])
{
    int64_t n = 0;
    const uint32_t *idx;
    const double *t;
    OK(sim, rv_rec_get_spikes(sim, pop, &n, &idx, &t));
    double mine[2] = {(double)n, 0.0};
    for (int64_t k = 0; k < n; k++)
        mine[1] += t[k] * (idx[k] + 1);
    MPI_Allreduce(mine, out, 2, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

/* Out of memory on one process during a run: the k-th allocation of the
 * last process fails, k swept over all its run makes (the spike buffers,
 * the recorders, the exchange's arrivals).  Every process must return the
 * same status, RV_OK or RV_ERR_NOMEM -- never hang -- and after a failure,
 * reset and a new run must give the spikes of a run that never failed. */
static void test_out_of_memory_on_one_process(void)
{
    double ref[2];
    int64_t allocations = 0;
    {
        rv_sim *sim = distributed();
        int32_t pop = oom_net(sim);
        int64_t before = rv__allocations();
        OK(sim, rv_sim_run_until(sim, 30.0));
        allocations = rv__allocations() - before;
        spike_sums(sim, pop, ref);
        rv_sim_free(sim);
    }
    MPI_Bcast(&allocations, 1, MPI_INT64_T, size - 1, MPI_COMM_WORLD);
    CHECK(ref[0] > 50 && allocations > 0);
    int failed_runs = 0;
    for (int64_t k = 1; k <= allocations; k++) {
        rv_sim *sim = distributed();
        int32_t pop = oom_net(sim);
        if (rank == size - 1)
            rv__fail_allocation(k);
        rv_status st = rv_sim_run_until(sim, 30.0);
        rv__fail_allocation(0);
        int lo = (int)st, hi = (int)st;
        MPI_Allreduce(MPI_IN_PLACE, &lo, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
        MPI_Allreduce(MPI_IN_PLACE, &hi, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        CHECK(lo == hi && (st == RV_OK || st == RV_ERR_NOMEM));
        if (st == RV_ERR_NOMEM) {
            failed_runs++;
            CHECK(rank == size - 1 || strncmp(rv_sim_errmsg(sim), "process ", 8) == 0);
            OK(sim, rv_sim_reset(sim));
            OK(sim, rv_sim_run_until(sim, 30.0));
        }
        double got[2];
        spike_sums(sim, pop, got);
        if (got[0] != ref[0] || got[1] != ref[1]) {
            if (rank == 0)
                fprintf(stderr, "k = %lld: %g spikes (%.17g), expected %g (%.17g)\n",
                        (long long)k, got[0], got[1], ref[0], ref[1]);
            test_failures++;
        }
        rv_sim_free(sim);
    }
    CHECK(failed_runs > 0);
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
    test_out_of_memory_on_one_process();
    test_misuse();
    int failures = test_failures, all = 0;
    MPI_Allreduce(&failures, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MPI_Finalize();
    if (rank == 0 && all == 0)
        printf("test_mpi: %d processes: OK\n", size);
    return all ? 1 : 0;
}
