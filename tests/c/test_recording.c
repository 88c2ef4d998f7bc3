/*
 * Recording of spikes and state variables.
 *
 *   - spikes only of the neurons recorded, in time order, and counts that
 *     agree with the list; stopping a neuron's recording;
 *   - an analog signal has int(t/dt) + 1 samples across consecutive runs,
 *     the first at t = 0 holding the initial values, with no sample lost
 *     or repeated at run boundaries;
 *   - a sampling interval keeps every k-th sample, also across runs that
 *     end off its grid; it cannot change once samples exist;
 *   - neurons added to a recording later read NaN before they were added;
 *   - rv_rec_clear keeps the current time's sample, rv_sim_reset discards
 *     everything.
 */
#include "testutil.h"

static const double DT = 0.1;

/* Five neurons firing regularly under a strong offset current. */
static int32_t firing_pop(rv_sim *sim)
{
    int32_t pop = pop_new(sim, "IF_curr_exp", 5);
    double i_off[] = {1.0, 1.1, 1.2, 1.3, 1.4};
    OK(sim, rv_pop_set_param(sim, pop, "i_offset", NULL, 0, i_off, 5));
    return pop;
}

static void spikes_of_recorded_neurons(void)
{
    rv_sim *sim = sim_new(DT, 1);
    int32_t pop = firing_pop(sim);
    int64_t rec[] = {1, 3};
    OK(sim, rv_rec_set(sim, pop, "spikes", rec, 2, 1));
    OK(sim, rv_sim_run_until(sim, 100.0));
    int64_t n;
    const uint32_t *idx;
    const double *t;
    OK(sim, rv_rec_get_spikes(sim, pop, &n, &idx, &t));
    int64_t seen[5] = {0};
    for (int64_t k = 0; k < n; k++) {
        CHECK(idx[k] == 1 || idx[k] == 3);
        if (idx[k] < 5)
            seen[idx[k]]++;
        if (k > 0)
            CHECK(t[k] >= t[k - 1]);
    }
    CHECK(seen[1] >= 3 && seen[3] > seen[1]);
    int64_t counts[5];
    OK(sim, rv_rec_spike_counts(sim, pop, NULL, 0, counts));
    for (int i = 0; i < 5; i++)
        CHECK(counts[i] == seen[i]);
    int64_t some[] = {3, 0};
    OK(sim, rv_rec_spike_counts(sim, pop, some, 2, counts));
    CHECK(counts[0] == seen[3] && counts[1] == 0);
    /* stop neuron 1: nothing more from it, neuron 3 goes on */
    int64_t one = 1;
    OK(sim, rv_rec_set(sim, pop, "spikes", &one, 1, 0));
    OK(sim, rv_sim_run_until(sim, 200.0));
    OK(sim, rv_rec_get_spikes(sim, pop, &n, &idx, &t));
    int64_t late1 = 0, late3 = 0;
    for (int64_t k = 0; k < n; k++) {
        late1 += idx[k] == 1 && t[k] > 100.0;
        late3 += idx[k] == 3 && t[k] > 100.0;
    }
    CHECK(late1 == 0 && late3 > 0);
    rv_sim_free(sim);
}

/* Samples of v, neuron by neuron, for a whole population (malloc'd). */
static double *signal_all(rv_sim *sim, int32_t pop, const char *var, int64_t *rows,
                          int64_t n_cells)
{
    double t0, dt;
    OK(sim, rv_rec_get_signal_info(sim, pop, var, rows, &t0, &dt));
    double *out = calloc((size_t)(*rows * n_cells + 1), sizeof *out);
    OK(sim, rv_rec_get_signal(sim, pop, var, NULL, 0, out));
    return out;
}

static void samples_across_runs(void)
{
    /* a: one run; b: the same in three runs */
    rv_sim *a = sim_new(DT, 1), *b = sim_new(DT, 1);
    int32_t pa = firing_pop(a), pb = firing_pop(b);
    double v0[] = {-60, -61, -62, -63, -64};
    OK(a, rv_pop_set_initial(a, pa, "v", NULL, 0, v0, 5));
    OK(b, rv_pop_set_initial(b, pb, "v", NULL, 0, v0, 5));
    OK(a, rv_rec_set(a, pa, "v", NULL, 0, 1));
    OK(b, rv_rec_set(b, pb, "v", NULL, 0, 1));
    OK(a, rv_rec_set(a, pa, "isyn_exc", NULL, 0, 1));
    OK(a, rv_sim_run_until(a, 35.0));
    OK(b, rv_sim_run_until(b, 10.0));
    OK(b, rv_sim_run_until(b, 20.0));
    OK(b, rv_sim_run_until(b, 20.0));  /* a no-op run adds nothing */
    OK(b, rv_sim_run_until(b, 35.0));
    int64_t ra, rb;
    double t0, iv;
    OK(b, rv_rec_get_signal_info(b, pb, "v", &rb, &t0, &iv));
    CHECK(rb == 351 && t0 == 0.0 && iv == DT);
    double *sa = signal_all(a, pa, "v", &ra, 5), *sb = signal_all(b, pb, "v", &rb, 5);
    CHECK(ra == 351 && rb == 351);
    CHECK(memcmp(sa, v0, sizeof v0) == 0);  /* row 0: the initial values */
    CHECK(memcmp(sa, sb, (size_t)(5 * ra) * sizeof *sa) == 0);
    /* the last row is the current state */
    double now[5];
    OK(b, rv_pop_get_state(b, pb, "v", NULL, 0, now));
    CHECK(memcmp(sb + 5 * (rb - 1), now, sizeof now) == 0);
    free(sa);
    free(sb);
    /* a second variable has its own table of the same shape */
    int64_t ri;
    double *si = signal_all(a, pa, "isyn_exc", &ri, 5);
    CHECK(ri == 351 && si[0] == 0.0);
    free(si);
    rv_sim_free(a);
    rv_sim_free(b);
}

static void sampling_interval(void)
{
    rv_sim *a = sim_new(DT, 1), *b = sim_new(DT, 1);
    int32_t pa = firing_pop(a), pb = firing_pop(b);
    OK(a, rv_rec_set(a, pa, "v", NULL, 0, 1));
    OK(b, rv_rec_set(b, pb, "v", NULL, 0, 1));
    FAILS(a, RV_ERR_VALUE, rv_rec_set_interval(a, pa, 0.15));
    FAILS(a, RV_ERR_VALUE, rv_rec_set_interval(a, pa, 0.0));
    FAILS(a, RV_ERR_VALUE, rv_rec_set_interval(a, pa, -0.5));
    FAILS(a, RV_ERR_VALUE, rv_rec_set_interval(a, pa, NAN));
    FAILS(a, RV_ERR_VALUE, rv_rec_set_interval(a, pa, INFINITY));
    OK(a, rv_rec_set_interval(a, pa, 0.5));
    /* runs that end between samples (1.2) and on one (3.0) */
    OK(a, rv_sim_run_until(a, 1.2));
    OK(a, rv_sim_run_until(a, 3.0));
    OK(a, rv_sim_run_until(a, 10.0));
    OK(b, rv_sim_run_until(b, 10.0));
    FAILS(a, RV_ERR_PHASE, rv_rec_set_interval(a, pa, 1.0));
    OK(a, rv_rec_set_interval(a, pa, 0.5));  /* unchanged: fine */
    int64_t ra, rb;
    double t0, iv;
    OK(a, rv_rec_get_signal_info(a, pa, "v", &ra, &t0, &iv));
    CHECK(ra == 21 && t0 == 0.0 && fabs(iv - 0.5) < 1e-12);
    double *sa = signal_all(a, pa, "v", &ra, 5), *sb = signal_all(b, pb, "v", &rb, 5);
    CHECK(rb == 101);
    for (int64_t r = 0; r < ra; r++)
        CHECK(memcmp(sa + 5 * r, sb + 5 * (5 * r), 5 * sizeof *sa) == 0);
    free(sa);
    free(sb);
    rv_sim_free(a);
    rv_sim_free(b);
}

/* Neuron 1 joins the recording at t = 10: NaN before, the real trace
 * after (compared with a simulation that recorded it all along). */
static void cells_added_later(void)
{
    rv_sim *a = sim_new(DT, 1), *b = sim_new(DT, 1);
    int32_t pa = firing_pop(a), pb = firing_pop(b);
    int64_t zero = 0, one = 1, both[] = {0, 1};
    OK(a, rv_rec_set(a, pa, "v", &zero, 1, 1));
    OK(b, rv_rec_set(b, pb, "v", both, 2, 1));
    OK(a, rv_sim_run_until(a, 10.0));
    OK(a, rv_rec_set(a, pa, "v", &one, 1, 1));
    OK(a, rv_sim_run_until(a, 20.0));
    OK(b, rv_sim_run_until(b, 20.0));
    int64_t ra, rb;
    double t0, iv;
    OK(a, rv_rec_get_signal_info(a, pa, "v", &ra, &t0, &iv));
    OK(b, rv_rec_get_signal_info(b, pb, "v", &rb, &t0, &iv));
    CHECK(ra == 201 && rb == 201);
    double *sa = calloc(2 * 201, sizeof *sa), *sb = calloc(2 * 201, sizeof *sb);
    OK(a, rv_rec_get_signal(a, pa, "v", both, 2, sa));
    OK(b, rv_rec_get_signal(b, pb, "v", both, 2, sb));
    for (int64_t r = 0; r < 201; r++) {
        CHECK(sa[2 * r] == sb[2 * r]);  /* neuron 0: recorded all along */
        if (r < 100)
            CHECK(isnan(sa[2 * r + 1]));  /* neuron 1: not recorded yet */
        else if (r > 100)
            CHECK(sa[2 * r + 1] == sb[2 * r + 1]);
        /* r = 100 (t = 10, when it was added) is left open: see the report */
    }
    /* a neuron never recorded reads NaN throughout */
    double *s2 = calloc(201, sizeof *s2);
    int64_t two = 2;
    OK(a, rv_rec_get_signal(a, pa, "v", &two, 1, s2));
    for (int64_t r = 0; r < 201; r++)
        CHECK(isnan(s2[r]));
    free(s2);
    free(sa);
    free(sb);
    rv_sim_free(a);
    rv_sim_free(b);
}

static void clear_and_reset(void)
{
    rv_sim *a = sim_new(DT, 1), *b = sim_new(DT, 1);
    int32_t pa = firing_pop(a), pb = firing_pop(b);
    OK(a, rv_rec_set(a, pa, "v", NULL, 0, 1));
    OK(a, rv_rec_set(a, pa, "spikes", NULL, 0, 1));
    OK(b, rv_rec_set(b, pb, "v", NULL, 0, 1));
    OK(a, rv_sim_run_until(a, 50.0));
    OK(b, rv_sim_run_until(b, 100.0));
    CHECK(spike_total(a, pa) > 0);
    OK(a, rv_rec_clear(a, pa));
    /* spikes and counts are gone; the sample at t = 50 stays */
    CHECK(spike_total(a, pa) == 0);
    int64_t counts[5];
    OK(a, rv_rec_spike_counts(a, pa, NULL, 0, counts));
    for (int i = 0; i < 5; i++)
        CHECK(counts[i] == 0);
    int64_t rows;
    double t0, iv;
    OK(a, rv_rec_get_signal_info(a, pa, "v", &rows, &t0, &iv));
    CHECK(rows == 1 && fabs(t0 - 50.0) < 1e-9);
    double row[5], now[5];
    OK(a, rv_rec_get_signal(a, pa, "v", NULL, 0, row));
    OK(a, rv_pop_get_state(a, pa, "v", NULL, 0, now));
    CHECK(memcmp(row, now, sizeof row) == 0);
    /* recording goes on from there: rows 50 .. 100 ms of the full run */
    OK(a, rv_sim_run_until(a, 100.0));
    int64_t rb;
    double *sa = signal_all(a, pa, "v", &rows, 5), *sb = signal_all(b, pb, "v", &rb, 5);
    CHECK(rows == 501 && rb == 1001);
    CHECK(memcmp(sa, sb + 5 * 500, (size_t)(5 * 501) * sizeof *sa) == 0);
    free(sa);
    free(sb);
    CHECK(spike_total(a, pa) > 0);
    /* reset: every sample and spike is discarded, settings are kept */
    OK(a, rv_sim_reset(a));
    CHECK(spike_total(a, pa) == 0);
    OK(a, rv_rec_get_signal_info(a, pa, "v", &rows, &t0, &iv));
    CHECK(rows == 0);
    OK(a, rv_sim_run_until(a, 5.0));
    OK(a, rv_rec_get_signal_info(a, pa, "v", &rows, &t0, &iv));
    CHECK(rows == 51 && t0 == 0.0);
    sa = signal_all(a, pa, "v", &rows, 5);
    sb = signal_all(b, pb, "v", &rb, 5);
    CHECK(memcmp(sa, sb, (size_t)(5 * 51) * sizeof *sa) == 0);
    free(sa);
    free(sb);
    rv_sim_free(a);
    rv_sim_free(b);
}

/* Run targets are rounded to the nearest step; the samples follow. */
static void run_targets_on_the_grid(void)
{
    rv_sim *sim = sim_new(DT, 1);
    int32_t pop = firing_pop(sim);
    OK(sim, rv_rec_set(sim, pop, "v", NULL, 0, 1));
    rv_sim_info info;
    OK(sim, rv_sim_run_until(sim, 1.04));
    OK(sim, rv_sim_get_info(sim, &info));
    CHECK(info.step == 10);
    OK(sim, rv_sim_run_until(sim, 1.06));
    OK(sim, rv_sim_get_info(sim, &info));
    CHECK(info.step == 11 && fabs(info.t - 1.1) < 1e-12);
    OK(sim, rv_sim_run_until(sim, 1.07));  /* within dt/2 of now: nothing */
    FAILS(sim, RV_ERR_VALUE, rv_sim_run_until(sim, 1.0));
    int64_t rows;
    double t0, iv;
    OK(sim, rv_rec_get_signal_info(sim, pop, "v", &rows, &t0, &iv));
    CHECK(rows == 12);
    rv_sim_free(sim);
}

/* Spike sources record spikes; they have no analog variables. */
static void sources_record_spikes_only(void)
{
    rv_sim *sim = sim_new(DT, 1);
    int32_t src = pop_new(sim, "SpikeSourcePoisson", 3);
    set_all(sim, src, "rate", 1000.0);
    OK(sim, rv_rec_set(sim, src, "spikes", NULL, 0, 1));
    FAILS(sim, RV_ERR_NAME, rv_rec_set(sim, src, "v", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, 10.0));
    CHECK(spike_total(sim, src) > 0);
    rv_sim_free(sim);
}

int main(void)
{
    spikes_of_recorded_neurons();
    samples_across_runs();
    sampling_interval();
    cells_added_later();
    clear_and_reset();
    run_targets_on_the_grid();
    sources_record_spikes_only();
    TEST_END();
}
