/*
 * Current sources, with PyNN's semantics: the value of a source at t acts
 * on the membrane during the step that starts at t, so the recorded trace
 * of the source at index start/dt already shows the new value while the
 * membrane shows it from the next sample on.
 *
 *   - DCSource: switch on at start, off at stop; the membrane follows the
 *     exact solution of a current step;
 *   - StepCurrentSource: times rounded to the grid, a later step on the
 *     same grid point replaces an earlier one; bad times are refused;
 *   - ACSource: offset + amplitude sin(2 pi f (t - start) + phase);
 *   - NoisyCurrentSource: a new value every `dt` of the source, with the
 *     right mean and spread, repeated exactly after a reset;
 *   - several sources into one cell add up, others are untouched;
 *   - the trace holds one value per step from 0 to now inclusive.
 */
#include "testutil.h"

static const double DT = 0.1, TAU_M = 20.0, CM = 1.0, V_REST = -65.0;

static int32_t new_source(rv_sim *sim, const char *model)
{
    int32_t cs = -1;
    OK(sim, rv_cs_create(sim, model, &cs));
    OK(sim, rv_cs_record(sim, cs, 1));
    return cs;
}

static const double *trace(rv_sim *sim, int32_t cs, int64_t *n)
{
    const double *v = NULL;
    OK(sim, rv_cs_get_trace(sim, cs, &v, n));
    return v;
}

/* Neurons that never fire, to watch the membrane. */
static int32_t quiet_pop(rv_sim *sim, int64_t n)
{
    int32_t pop = pop_new(sim, "IF_curr_exp", n);
    set_all(sim, pop, "v_thresh", 100.0);
    OK(sim, rv_rec_set(sim, pop, "v", NULL, 0, 1));
    return pop;
}

/* v of the membrane at rest driven by current i from t_on (exclusive of the
 * sample at t_on itself), then released at t_off: the exact solution. */
static double v_pulse(double i, double t_on, double t_off, double t)
{
    double ri = TAU_M / CM * i;
    if (t <= t_on)
        return V_REST;
    if (t <= t_off)
        return V_REST + ri * -expm1(-(t - t_on) / TAU_M);
    double v_off = ri * -expm1(-(t_off - t_on) / TAU_M);
    return V_REST + v_off * exp(-(t - t_off) / TAU_M);
}

static void dc_source(void)
{
    rv_sim *sim = sim_new(DT, 1);
    int32_t pop = quiet_pop(sim, 1);
    int32_t cs = new_source(sim, "DCSource");
    OK(sim, rv_cs_set(sim, cs, "amplitude", 0.5));
    OK(sim, rv_cs_set(sim, cs, "start", 5.0));
    OK(sim, rv_cs_set(sim, cs, "stop", 15.0));
    OK(sim, rv_cs_inject(sim, cs, pop, NULL, 0));
    OK(sim, rv_sim_run_until(sim, 30.0));
    int64_t n, nv;
    const double *tr = trace(sim, cs, &n);
    CHECK(n == 301);
    for (int64_t k = 0; k < n; k++)
        CHECK(tr[k] == (k >= 50 && k < 150 ? 0.5 : 0.0));
    double *v = trace_of(sim, pop, "v", 0, &nv);
    CHECK(nv == 301);
    CHECK(v[50] == V_REST && v[51] != V_REST);  /* reacts from the next step */
    for (int64_t k = 0; k < nv; k++)
        CHECK_NEAR(v[k], v_pulse(0.5, 5.0, 15.0, k * DT), 1e-12);
    free(v);
    double x;
    OK(sim, rv_cs_get(sim, cs, "stop", &x));
    CHECK(x == 15.0);
    rv_sim_free(sim);
}

/* A start that no run can reach means "never" (it must not wrap around). */
static void unreachable_start(void)
{
    const char *models[] = {"DCSource", "ACSource", "NoisyCurrentSource"};
    double starts[] = {INFINITY, 1e300};
    for (int m = 0; m < 3; m++)
        for (int s = 0; s < 2; s++) {
            rv_sim *sim = sim_new(DT, 1);
            int32_t pop = quiet_pop(sim, 1);
            int32_t cs = new_source(sim, models[m]);
            rv_status st = rv_cs_set(sim, cs, "start", starts[s]);
            CHECK(st == RV_OK || st == RV_ERR_VALUE);
            OK(sim, rv_cs_inject(sim, cs, pop, NULL, 0));
            OK(sim, rv_sim_run_until(sim, 5.0));
            int64_t n;
            const double *tr = trace(sim, cs, &n);
            int on = 0;
            for (int64_t k = 0; k < n; k++)
                on += tr[k] != 0.0;
            if (on)
                fprintf(stderr, "%s start %g: on at %d steps\n", models[m], starts[s], on);
            CHECK(on == 0);
            CHECK(state_of(sim, pop, 0, "v") == V_REST);
            rv_sim_free(sim);
        }
}

static void step_source(void)
{
    rv_sim *sim = sim_new(DT, 1);
    int32_t pop = quiet_pop(sim, 1);
    int32_t cs = new_source(sim, "StepCurrentSource");
    /* 1.04 rounds to 1.0; 2.02 lands on 2.0 and replaces the step there */
    double t[] = {1.04, 2.0, 2.02, 3.0}, a[] = {0.1, 0.2, 0.3, 0.4};
    OK(sim, rv_cs_set_steps(sim, cs, t, a, 4));
    double gt[8], ga[8];
    int64_t n;
    OK(sim, rv_cs_get_steps(sim, cs, gt, ga, 8, &n));
    CHECK(n == 3);
    if (n == 3)
        CHECK(gt[0] == 10 * DT && gt[1] == 20 * DT && gt[2] == 30 * DT && ga[0] == 0.1
              && ga[1] == 0.3 && ga[2] == 0.4);
    OK(sim, rv_cs_get_steps(sim, cs, NULL, NULL, 0, &n));
    CHECK(n == 3);
    /* bad lists change nothing */
    double dup[] = {1.0, 1.0}, down[] = {2.0, 1.0}, neg[] = {-1.0, 1.0}, nan_t[] = {1.0, NAN};
    double amp2[] = {1.0, 2.0}, nan_a[] = {1.0, NAN};
    FAILS(sim, RV_ERR_VALUE, rv_cs_set_steps(sim, cs, dup, amp2, 2));
    FAILS(sim, RV_ERR_VALUE, rv_cs_set_steps(sim, cs, down, amp2, 2));
    FAILS(sim, RV_ERR_VALUE, rv_cs_set_steps(sim, cs, neg, amp2, 2));
    FAILS(sim, RV_ERR_VALUE, rv_cs_set_steps(sim, cs, nan_t, amp2, 2));
    FAILS(sim, RV_ERR_VALUE, rv_cs_set_steps(sim, cs, t, nan_a, 2));
    OK(sim, rv_cs_get_steps(sim, cs, gt, ga, 8, &n));
    CHECK(n == 3 && ga[1] == 0.3);
    OK(sim, rv_cs_inject(sim, cs, pop, NULL, 0));
    OK(sim, rv_sim_run_until(sim, 5.0));
    const double *tr = trace(sim, cs, &n);
    CHECK(n == 51);
    for (int64_t k = 0; k < n; k++)
        CHECK(tr[k] == (k < 10 ? 0.0 : k < 20 ? 0.1 : k < 30 ? 0.3 : 0.4));
    /* the membrane integrates the piecewise constant current exactly */
    int64_t nv;
    double *v = trace_of(sim, pop, "v", 0, &nv);
    double expect = V_REST;
    for (int64_t k = 0; k < nv; k++) {
        CHECK_NEAR(v[k], expect, 1e-12);
        double i = k < n ? tr[k] : 0.0;
        expect = V_REST + (expect - V_REST) * exp(-DT / TAU_M) + TAU_M / CM * i * -expm1(-DT / TAU_M);
    }
    free(v);
    /* a step time beyond any reachable step is refused or never reached */
    double far[] = {1.0, 1e300}, amps[] = {0.0, 5.0};
    if (rv_cs_set_steps(sim, cs, far, amps, 2) == RV_OK) {
        OK(sim, rv_cs_get_steps(sim, cs, gt, ga, 8, &n));
        CHECK(n == 2 && gt[1] > 1e299);
        OK(sim, rv_sim_run_until(sim, 10.0));
        tr = trace(sim, cs, &n);
        CHECK(tr[n - 1] == 0.0);
    } else {
        CHECK(rv_sim_errmsg(sim)[0] != '\0');
    }
    rv_sim_free(sim);
}

static void ac_source(void)
{
    const double amp = 1.0, offset = 0.5, freq = 100.0, phase = 90.0, start = 2.0, stop = 10.0;
    rv_sim *sim = sim_new(DT, 1);
    int32_t pop = quiet_pop(sim, 1);
    int32_t cs = new_source(sim, "ACSource");
    OK(sim, rv_cs_set(sim, cs, "amplitude", amp));
    OK(sim, rv_cs_set(sim, cs, "offset", offset));
    OK(sim, rv_cs_set(sim, cs, "frequency", freq));
    OK(sim, rv_cs_set(sim, cs, "phase", phase));
    OK(sim, rv_cs_set(sim, cs, "start", start));
    OK(sim, rv_cs_set(sim, cs, "stop", stop));
    OK(sim, rv_cs_inject(sim, cs, pop, NULL, 0));
    OK(sim, rv_sim_run_until(sim, 12.0));
    int64_t n;
    const double *tr = trace(sim, cs, &n);
    CHECK(n == 121);
    CHECK(tr[20] == offset + amp);  /* offset + amplitude sin(phase) at start */
    for (int64_t k = 0; k < n; k++) {
        double t = k * DT;
        double expect = k >= 20 && k < 100
                            ? offset + amp * sin(2 * M_PI * freq * (t - start) / 1000
                                                 + phase * M_PI / 180)
                            : 0.0;
        CHECK_NEAR(tr[k], expect, 1e-12);
    }
    rv_sim_free(sim);
}

static void noisy_source(void)
{
    const double mean = 0.5, stdev = 0.2;
    const int every = 5, blocks = 1000;  /* dt of the source: 0.5 ms */
    rv_sim *sim = sim_new(DT, 4);
    int32_t pop = quiet_pop(sim, 1);
    int32_t cs = new_source(sim, "NoisyCurrentSource");
    OK(sim, rv_cs_set(sim, cs, "mean", mean));
    OK(sim, rv_cs_set(sim, cs, "stdev", stdev));
    FAILS(sim, RV_ERR_VALUE, rv_cs_set(sim, cs, "dt", 0.25));  /* not a multiple of dt */
    FAILS(sim, RV_ERR_VALUE, rv_cs_set(sim, cs, "dt", 0.0));
    OK(sim, rv_cs_set(sim, cs, "dt", every * DT));
    OK(sim, rv_cs_set(sim, cs, "start", 1.0));
    OK(sim, rv_cs_set(sim, cs, "stop", 1.0 + blocks * every * DT));
    OK(sim, rv_cs_inject(sim, cs, pop, NULL, 0));
    const double T = 1.0 + blocks * every * DT + 5.0;
    OK(sim, rv_sim_run_until(sim, T));
    int64_t n;
    const double *tr = trace(sim, cs, &n);
    const int64_t first = 10, last = first + (int64_t)blocks * every;
    CHECK(n == (int64_t)llround(T / DT) + 1);
    double *copy = malloc((size_t)n * sizeof *copy);
    memcpy(copy, tr, (size_t)n * sizeof *copy);
    double sum = 0, sum2 = 0;
    int changes = 0, flat = 1;
    for (int64_t k = 0; k < n; k++) {
        if (k < first || k >= last) {
            CHECK(tr[k] == 0.0);
            continue;
        }
        if ((k - first) % every == 0) {
            sum += tr[k];
            sum2 += tr[k] * tr[k];
            changes += k > first && tr[k] != tr[k - 1];
        } else {
            flat &= tr[k] == tr[k - 1];
        }
    }
    CHECK(flat);
    CHECK(changes == blocks - 1);
    double m = sum / blocks, sd = sqrt(sum2 / blocks - m * m);
    CHECK(fabs(m - mean) <= 5 * stdev / sqrt((double)blocks));
    CHECK(fabs(sd - stdev) <= 5 * stdev / sqrt(2.0 * blocks));
    /* the same values after a reset */
    OK(sim, rv_sim_reset(sim));
    OK(sim, rv_sim_run_until(sim, T));
    tr = trace(sim, cs, &n);
    CHECK(n == (int64_t)llround(T / DT) + 1 && memcmp(tr, copy, (size_t)n * sizeof *tr) == 0);
    free(copy);
    rv_sim_free(sim);
}

/* Two sources into neuron 0 add; neuron 1 gets one; neuron 2 none. */
static void sources_add(void)
{
    rv_sim *sim = sim_new(DT, 1);
    int32_t pop = quiet_pop(sim, 3);
    int32_t dc = new_source(sim, "DCSource"), step = new_source(sim, "StepCurrentSource");
    OK(sim, rv_cs_set(sim, dc, "amplitude", 0.25));
    double t0 = 0.0, a = 0.5;
    OK(sim, rv_cs_set_steps(sim, step, &t0, &a, 1));
    int64_t zero = 0, both[] = {0, 1};
    OK(sim, rv_cs_inject(sim, dc, pop, both, 2));
    OK(sim, rv_cs_inject(sim, step, pop, &zero, 1));
    OK(sim, rv_sim_run_until(sim, 20.0));
    int64_t n;
    double *v0 = trace_of(sim, pop, "v", 0, &n), *v1 = trace_of(sim, pop, "v", 1, &n),
           *v2 = trace_of(sim, pop, "v", 2, &n);
    for (int64_t k = 0; k < n; k++) {
        CHECK_NEAR(v0[k], v_pulse(0.75, 0.0, 1e9, k * DT), 1e-12);
        CHECK_NEAR(v1[k], v_pulse(0.25, 0.0, 1e9, k * DT), 1e-12);
        CHECK(v2[k] == V_REST);
    }
    free(v0);
    free(v1);
    free(v2);
    rv_sim_free(sim);
}

/* One value per step from 0 to now inclusive, across runs; a source
 * recorded from later on reads NaN before. */
static void trace_length(void)
{
    rv_sim *sim = sim_new(DT, 1);
    int32_t pop = quiet_pop(sim, 1);
    int32_t dc = new_source(sim, "DCSource");
    int32_t late;
    OK(sim, rv_cs_create(sim, "DCSource", &late));
    OK(sim, rv_cs_set(sim, late, "amplitude", 0.1));
    OK(sim, rv_cs_inject(sim, dc, pop, NULL, 0));
    OK(sim, rv_sim_run_until(sim, 10.0));
    int64_t n;
    trace(sim, dc, &n);
    CHECK(n == 101);
    OK(sim, rv_cs_record(sim, late, 1));
    OK(sim, rv_sim_run_until(sim, 20.0));
    const double *tr = trace(sim, dc, &n);
    CHECK(n == 201);
    for (int64_t k = 0; k < n; k++)
        CHECK(tr[k] == 1.0);  /* PyNN's default amplitude, from start 0 */
    tr = trace(sim, late, &n);
    CHECK(n == 201);
    for (int64_t k = 0; k < n; k++)
        CHECK(k < 100 ? isnan(tr[k]) : tr[k] == 0.1);
    /* a change between runs shows at the current time's sample */
    OK(sim, rv_cs_set(sim, dc, "amplitude", 2.0));
    OK(sim, rv_sim_run_until(sim, 20.5));
    tr = trace(sim, dc, &n);
    CHECK(n == 206 && tr[199] == 1.0 && tr[200] == 2.0 && tr[205] == 2.0);
    /* reset empties the traces */
    OK(sim, rv_sim_reset(sim));
    trace(sim, dc, &n);
    CHECK(n == 0);
    rv_sim_free(sim);
}

int main(void)
{
    dc_source();
    unreachable_start();
    step_source();
    ac_source();
    noisy_source();
    sources_add();
    trace_length();
    TEST_END();
}
