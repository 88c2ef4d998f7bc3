/*
 * Every kind of randomness and plasticity (invariance_net.h), bit for bit
 * the same with 1, 2, 3 and 4 threads.
 */
#include "invariance_net.h"

static void simulate(int threads, outcome *o)
{
    rv_sim *sim = sim_new(0.1, 77);
    OK(sim, rv_sim_set_threads(sim, threads));
    build_and_run(sim, o);
    rv_sim_free(sim);
}

static int same_doubles(const double *a, const double *b, int64_t n)
{
    return n == 0 || memcmp(a, b, (size_t)n * sizeof(double)) == 0;
}

static int same(const outcome *a, const outcome *b)
{
    for (int k = 0; k < N_POPS; k++) {
        if (a->n_spikes[k] != b->n_spikes[k]
            || !same_doubles(a->spike_t[k], b->spike_t[k], a->n_spikes[k])
            || memcmp(a->spike_i[k], b->spike_i[k], (size_t)a->n_spikes[k] * sizeof(uint32_t)))
            return 0;
    }
    return a->n_v == b->n_v && same_doubles(a->v, b->v, a->n_v) && a->n_w == b->n_w
           && same_doubles(a->w, b->w, a->n_w);
}

int main(void)
{
    outcome ref;
    simulate(1, &ref);
    /* every part is active, and the weights learned */
    for (int k = 0; k < N_POPS; k++)
        CHECK(ref.n_spikes[k] > 10);
    CHECK(ref.n_spikes[2] > 60 * 8000 * 0.15 * 0.9);  /* the background's rate */
    int learned = 0;   /* potentiated past the initial range */
    for (int64_t j = 0; j < ref.n_w; j++)
        learned |= ref.w[j] > 0.4;
    CHECK(learned);
    outcome fresh;
    simulate(1, &fresh);
    CHECK(same(&ref, &fresh));   /* the run repeats */
    release(&fresh);
    for (int threads = 2; threads <= 4; threads++) {
        outcome o;
        simulate(threads, &o);
        if (!same(&ref, &o))
            fprintf(stderr, "threads %d: results differ from 1 thread\n", threads);
        CHECK(same(&ref, &o));
        release(&o);
    }
    release(&ref);
    TEST_END();
}
