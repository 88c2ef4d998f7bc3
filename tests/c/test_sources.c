/*
 * Spike sources.
 *
 * SpikeSourcePoisson: the spike count over a long window, the interval
 * distribution (Kolmogorov-Smirnov against the exponential), the
 * [start, start + duration) window, rates above 1/dt (several spikes per
 * step, in continuous time), and rate changes between runs.
 *
 * SpikeSourceArray: spike times are recorded exactly as given and delivered
 * at the first grid point at or after them; lists can be replaced between
 * runs, times at or before the current time are skipped, bad lists are
 * rejected without changing anything.
 */
#include "testutil.h"

static const double DT = 0.1;

/* |count - expected| within 5 standard deviations of a Poisson count. */
static void check_count(const char *what, int64_t count, double expected)
{
    if (fabs(count - expected) > 5 * sqrt(expected))
        fprintf(stderr, "%s: %lld spikes, expected %g\n", what, (long long)count, expected);
    CHECK(fabs(count - expected) <= 5 * sqrt(expected));
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Kolmogorov-Smirnov statistic of a sample against F(t) = 1 - e^(-t/mean). */
static double ks_exponential(double *x, int64_t n, double mean)
{
    qsort(x, (size_t)n, sizeof *x, cmp_double);
    double d = 0;
    for (int64_t i = 0; i < n; i++) {
        double f = -expm1(-x[i] / mean);
        d = fmax(d, fmax(f - (double)i / n, (double)(i + 1) / n - f));
    }
    return d;
}

/* Recorded spikes must come in order of time (header: rv_rec_get_spikes). */
static void check_time_order(rv_sim *sim, int32_t pop)
{
    int64_t n;
    const uint32_t *idx;
    const double *t;
    OK(sim, rv_rec_get_spikes(sim, pop, &n, &idx, &t));
    int64_t bad = 0;
    for (int64_t k = 1; k < n; k++)
        bad += t[k] < t[k - 1];
    if (bad)
        fprintf(stderr, "%lld recorded spikes out of time order\n", (long long)bad);
    CHECK(bad == 0);
}

/* ---- SpikeSourcePoisson -------------------------------------------------------- */

static void poisson_count_and_intervals(void)
{
    const int n_src = 100;
    const double rate = 50.0, T = 10000.0;
    rv_sim *sim = sim_new(DT, 11);
    int32_t pop = pop_new(sim, "SpikeSourcePoisson", n_src);
    set_all(sim, pop, "rate", rate);
    OK(sim, rv_rec_set(sim, pop, "spikes", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, T));
    int64_t n;
    const uint32_t *idx;
    const double *t;
    OK(sim, rv_rec_get_spikes(sim, pop, &n, &idx, &t));
    check_count("poisson 50 Hz", n, n_src * rate * T / 1000);
    check_time_order(sim, pop);
    /* intervals of each train, pooled; times are continuous, not gridded */
    double *last = malloc(n_src * sizeof *last);
    double *isi = malloc((size_t)n * sizeof *isi);
    int64_t n_isi = 0, on_grid = 0;
    for (int i = 0; i < n_src; i++)
        last[i] = -1;
    for (int64_t k = 0; k < n; k++) {
        CHECK(t[k] > 0 && t[k] <= T);
        if (last[idx[k]] >= 0)
            isi[n_isi++] = t[k] - last[idx[k]];
        last[idx[k]] = t[k];
        on_grid += fabs(t[k] / DT - llround(t[k] / DT)) < 1e-9;
    }
    CHECK(on_grid < n / 1000);
    double d = ks_exponential(isi, n_isi, 1000.0 / rate);
    if (d >= 1.95 / sqrt((double)n_isi))
        fprintf(stderr, "KS statistic %g over %lld intervals\n", d, (long long)n_isi);
    CHECK(d < 1.95 / sqrt((double)n_isi));
    /* counts agree with the spike list */
    int64_t *counts = calloc(n_src, sizeof *counts);
    OK(sim, rv_rec_spike_counts(sim, pop, NULL, 0, counts));
    int64_t sum = 0;
    for (int i = 0; i < n_src; i++)
        sum += counts[i];
    CHECK(sum == n);
    free(counts);
    free(last);
    free(isi);
    rv_sim_free(sim);
}

static void poisson_window(void)
{
    const int n_src = 50;
    rv_sim *sim = sim_new(DT, 12);
    int32_t pop = pop_new(sim, "SpikeSourcePoisson", n_src);
    set_all(sim, pop, "rate", 100.0);
    set_all(sim, pop, "start", 200.0);
    set_all(sim, pop, "duration", 300.0);
    OK(sim, rv_rec_set(sim, pop, "spikes", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, 1000.0));
    int64_t n;
    const uint32_t *idx;
    const double *t;
    OK(sim, rv_rec_get_spikes(sim, pop, &n, &idx, &t));
    for (int64_t k = 0; k < n; k++)
        CHECK(t[k] >= 200.0 && t[k] < 500.0);
    check_count("poisson window", n, n_src * 100.0 * 0.3);
    /* an infinite duration is allowed and means "until the end" */
    double inf = INFINITY;
    OK(sim, rv_pop_set_param(sim, pop, "duration", NULL, 0, &inf, 1));
    OK(sim, rv_sim_run_until(sim, 1500.0));
    OK(sim, rv_rec_get_spikes(sim, pop, &n, &idx, &t));
    int64_t late = 0;
    for (int64_t k = 0; k < n; k++)
        late += t[k] > 1000.0;
    check_count("poisson after extending duration", late, n_src * 100.0 * 0.5);
    rv_sim_free(sim);
}

/* A rate above 1/dt: several spikes of one source in one step, still at
 * the right mean, all at distinct continuous times. */
static void poisson_above_one_per_step(void)
{
    const int n_src = 10;
    const double rate = 50000.0, T = 100.0;  /* 5 spikes per step on average */
    rv_sim *sim = sim_new(DT, 13);
    int32_t pop = pop_new(sim, "SpikeSourcePoisson", n_src);
    set_all(sim, pop, "rate", rate);
    OK(sim, rv_rec_set(sim, pop, "spikes", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, T));
    int64_t n;
    const uint32_t *idx;
    const double *t;
    OK(sim, rv_rec_get_spikes(sim, pop, &n, &idx, &t));
    check_count("poisson 50 kHz", n, n_src * rate * T / 1000);
    check_time_order(sim, pop);  /* steps of up to ~80 spikes to order */
    /* spikes of neuron 0 per step */
    int64_t steps = (int64_t)llround(T / DT);
    int *per_step = calloc((size_t)steps, sizeof *per_step);
    double prev = -1;
    int increasing = 1;
    for (int64_t k = 0; k < n; k++) {
        if (idx[k] != 0)
            continue;
        int64_t s = (int64_t)ceil(t[k] / DT) - 1;
        CHECK(s >= 0 && s < steps);
        if (s >= 0 && s < steps)
            per_step[s]++;
        increasing &= t[k] > prev;
        prev = t[k];
    }
    CHECK(increasing);
    int most = 0;
    for (int64_t s = 0; s < steps; s++)
        most = per_step[s] > most ? per_step[s] : most;
    CHECK(most >= 5);
    free(per_step);
    rv_sim_free(sim);
}

static void poisson_rate_change(void)
{
    const int n_src = 100;
    rv_sim *sim = sim_new(DT, 14);
    int32_t pop = pop_new(sim, "SpikeSourcePoisson", n_src);
    set_all(sim, pop, "rate", 10.0);
    OK(sim, rv_rec_set(sim, pop, "spikes", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, 1000.0));
    int64_t n1 = spike_total(sim, pop);
    check_count("poisson 10 Hz", n1, n_src * 10.0);
    set_all(sim, pop, "rate", 100.0);
    OK(sim, rv_sim_run_until(sim, 2000.0));
    int64_t n2 = spike_total(sim, pop) - n1;
    check_count("poisson 100 Hz after the change", n2, n_src * 100.0);
    /* a rate of 0 stops the sources at once */
    set_all(sim, pop, "rate", 0.0);
    OK(sim, rv_sim_run_until(sim, 2500.0));
    CHECK(spike_total(sim, pop) == n1 + n2);
    int64_t n;
    const uint32_t *idx;
    const double *t;
    OK(sim, rv_rec_get_spikes(sim, pop, &n, &idx, &t));
    for (int64_t k = 0; k < n; k++)
        CHECK(t[k] <= 2000.0);
    rv_sim_free(sim);
}

/* ---- SpikeSourceArray ----------------------------------------------------------- */

/* Times come back exactly; each reaches its target at the first grid
 * point >= t plus the delay (seen as a jump of an IF_curr_delta). */
static void array_exact_times_and_delivery(void)
{
    const double w = 1.0, d = 0.2, tau_m = 20.0;
    double times[] = {0.25, 1.0, 1.03, 5.55, 5.55};
    const int nt = 5;
    rv_sim *sim = sim_new(DT, 1);
    int32_t src = ssa_new(sim, times, nt);
    int32_t pop = pop_new(sim, "IF_curr_delta", 1);
    connect_one(sim, src, 0, pop, 0, "excitatory", w, d);
    OK(sim, rv_rec_set(sim, src, "spikes", NULL, 0, 1));
    OK(sim, rv_rec_set(sim, pop, "v", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, 10.0));
    int64_t n;
    double *got = spikes_of(sim, src, 0, &n);
    CHECK(n == nt);
    for (int k = 0; k < nt && k < n; k++)
        CHECK(got[k] == times[k]);
    free(got);
    /* the membrane: a jump of w at ceil(t/dt) dt + d for every spike */
    int64_t nv;
    double *v = trace_of(sim, pop, "v", 0, &nv);
    double arrival[5];
    for (int k = 0; k < nt; k++)
        arrival[k] = ceil(times[k] / DT - 1e-9) * DT + d;
    CHECK_NEAR(arrival[0], 0.5, 1e-12);
    CHECK_NEAR(arrival[2], 1.3, 1e-12);
    for (int64_t s = 0; s < nv; s++) {
        double t = s * DT, expect = -65.0;
        for (int k = 0; k < nt; k++)
            if (t >= arrival[k] - 1e-9)
                expect += w * exp(-(t - arrival[k]) / tau_m);
        CHECK_NEAR(v[s], expect, 1e-10);
    }
    free(v);
    rv_sim_free(sim);
}

static void array_replace_between_runs(void)
{
    double first[] = {1.0, 2.0, 3.0};
    rv_sim *sim = sim_new(DT, 1);
    int32_t src = pop_new(sim, "SpikeSourceArray", 3);
    int64_t off[] = {0, 3, 3, 3};
    OK(sim, rv_pop_set_spike_times(sim, src, NULL, 3, off, first));
    OK(sim, rv_rec_set(sim, src, "spikes", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, 2.5));
    int64_t n;
    double *t = spikes_of(sim, src, 0, &n);
    CHECK(n == 2 && t[0] == 1.0 && t[1] == 2.0);
    free(t);
    /* New list for neuron 0: 2.0 and 2.5 are at or before now (2.5) and are
       skipped, 2.55 (inside the next step) and the later ones are emitted. */
    double second[] = {2.0, 2.5, 2.55, 4.0, 6.0};
    int64_t idx0 = 0, off0[] = {0, 5};
    OK(sim, rv_pop_set_spike_times(sim, src, &idx0, 1, off0, second));
    /* neuron 2 only, through an index list: neuron 1 keeps its (empty) list */
    double third[] = {7.25};
    int64_t idx2 = 2, off2[] = {0, 1};
    OK(sim, rv_pop_set_spike_times(sim, src, &idx2, 1, off2, third));
    double back[8];
    int64_t nb;
    OK(sim, rv_pop_get_spike_times(sim, src, 0, back, 8, &nb));
    CHECK(nb == 5 && memcmp(back, second, sizeof second) == 0);
    OK(sim, rv_pop_get_spike_times(sim, src, 1, back, 8, &nb));
    CHECK(nb == 0);
    OK(sim, rv_pop_get_spike_times(sim, src, 2, NULL, 0, &nb));
    CHECK(nb == 1);
    OK(sim, rv_sim_run_until(sim, 10.0));
    t = spikes_of(sim, src, 0, &n);
    CHECK(n == 5);
    if (n == 5)
        CHECK(t[0] == 1.0 && t[1] == 2.0 && t[2] == 2.55 && t[3] == 4.0 && t[4] == 6.0);
    free(t);
    t = spikes_of(sim, src, 2, &n);
    CHECK(n == 1 && t[0] == 7.25);
    free(t);
    /* after a reset every list plays again from the start */
    OK(sim, rv_sim_reset(sim));
    OK(sim, rv_sim_run_until(sim, 10.0));
    t = spikes_of(sim, src, 0, &n);
    CHECK(n == 5 && t[0] == 2.0 && t[1] == 2.5);
    free(t);
    rv_sim_free(sim);
}

/* Times of several sources inside one step come out in time order. */
static void array_order_within_a_step(void)
{
    rv_sim *sim = sim_new(DT, 1);
    int32_t src = pop_new(sim, "SpikeSourceArray", 3);
    double times[] = {0.09, 0.02, 0.05, 0.31};
    int64_t off[] = {0, 1, 2, 4};
    OK(sim, rv_pop_set_spike_times(sim, src, NULL, 3, off, times));
    OK(sim, rv_rec_set(sim, src, "spikes", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, 1.0));
    CHECK(spike_total(sim, src) == 4);
    check_time_order(sim, src);
    rv_sim_free(sim);
}

/* Lists that are not in order, negative or not finite are refused and the
 * old list stays. */
static void array_rejects_bad_lists(void)
{
    double good[] = {1.0, 2.0};
    rv_sim *sim = sim_new(DT, 1);
    int32_t src = ssa_new(sim, good, 2);
    int64_t off[] = {0, 2};
    double unordered[] = {2.0, 1.0}, negative[] = {-0.5, 1.0}, nan[] = {1.0, NAN},
           inf[] = {1.0, INFINITY};
    FAILS(sim, RV_ERR_VALUE, rv_pop_set_spike_times(sim, src, NULL, 1, off, unordered));
    FAILS(sim, RV_ERR_VALUE, rv_pop_set_spike_times(sim, src, NULL, 1, off, negative));
    FAILS(sim, RV_ERR_VALUE, rv_pop_set_spike_times(sim, src, NULL, 1, off, nan));
    FAILS(sim, RV_ERR_VALUE, rv_pop_set_spike_times(sim, src, NULL, 1, off, inf));
    double back[2];
    int64_t n;
    OK(sim, rv_pop_get_spike_times(sim, src, 0, back, 2, &n));
    CHECK(n == 2 && back[0] == 1.0 && back[1] == 2.0);
    rv_sim_free(sim);
}

/* A time far beyond any reachable step is never emitted (its step index
 * must not overflow into "now"). */
static void array_unreachable_time(void)
{
    double far[] = {1e300};
    rv_sim *sim = sim_new(DT, 1);
    int32_t src = ssa_new(sim, far, 1);
    OK(sim, rv_rec_set(sim, src, "spikes", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, 5.0));
    CHECK(spike_total(sim, src) == 0);
    rv_sim_free(sim);
}

int main(void)
{
    poisson_count_and_intervals();
    poisson_window();
    poisson_above_one_per_step();
    poisson_rate_change();
    array_exact_times_and_delivery();
    array_replace_between_runs();
    array_order_within_a_step();
    array_rejects_bad_lists();
    array_unreachable_time();
    TEST_END();
}
