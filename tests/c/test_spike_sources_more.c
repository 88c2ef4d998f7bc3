/*
 * The renewal spike sources: SpikeSourcePoissonRefractory,
 * SpikeSourceGamma, SpikeSourceInhGamma, and the array parameters that
 * SpikeSourceInhGamma takes (rv_pop_set_array_param).
 *
 * The gamma machinery (models/renewal.h) against closed forms: Q(a, z) and
 * the hazard for integer and half-integer shapes, and the conditional draw
 * X | X > age on both of its paths (rejection and thinning) against the
 * conditional distribution.  Each source: the interval distribution
 * (Kolmogorov-Smirnov at p = 0.001, and the same statistic against a wrong
 * distribution, which must fail), counts within 5 standard deviations,
 * stationarity from the start (the count in the first few ms after start
 * has the full rate), the [start, start + duration) window, parameter
 * changes between runs, refused parameters, reset repeating runs bit for
 * bit, and results that do not depend on the number of threads.
 */
#include "testutil.h"

#include "models/renewal.h"

static const double DT = 0.1;

/* |x - expected| within 5 standard deviations. */
static void check_within(const char *what, double x, double expected, double sd)
{
    if (!(fabs(x - expected) <= 5 * sd))
        fprintf(stderr, "%s: %g, expected %g (sd %g)\n", what, x, expected, sd);
    CHECK(fabs(x - expected) <= 5 * sd);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Kolmogorov-Smirnov statistic of a sample against the CDF cdf(x, arg). */
static double ks(double *x, int64_t n, double (*cdf)(double, const double *), const double *arg)
{
    qsort(x, (size_t)n, sizeof *x, cmp_double);
    double d = 0;
    for (int64_t i = 0; i < n; i++) {
        double f = cdf(x[i], arg);
        d = fmax(d, fmax(f - (double)i / n, (double)(i + 1) / n - f));
    }
    return d;
}

/* The 0.001 critical value of the KS statistic (asymptotic). */
static double ks_limit(int64_t n)
{
    return 1.95 / sqrt((double)n);
}

static void check_ks(const char *what, double *x, int64_t n,
                     double (*cdf)(double, const double *), const double *arg)
{
    double d = ks(x, n, cdf, arg);
    if (!(d < ks_limit(n)))
        fprintf(stderr, "%s: KS statistic %g over %lld values (limit %g)\n", what, d,
                (long long)n, ks_limit(n));
    CHECK(d < ks_limit(n));
}

/* ... and one that must fail: the test has power. */
static void check_ks_rejects(const char *what, double *x, int64_t n,
                             double (*cdf)(double, const double *), const double *arg)
{
    double d = ks(x, n, cdf, arg);
    if (!(d > 2 * ks_limit(n)))
        fprintf(stderr, "%s: KS statistic %g does not reject (limit %g)\n", what, d,
                ks_limit(n));
    CHECK(d > 2 * ks_limit(n));
}

/* arg: {shift, mean} */
static double cdf_exponential(double x, const double *arg)
{
    return x <= arg[0] ? 0.0 : -expm1(-(x - arg[0]) / arg[1]);
}

/* arg: {shape 2 or 3, scale}: closed forms of the gamma CDF */
static double cdf_gamma_int(double x, const double *arg)
{
    double z = x / arg[1];
    if (z <= 0)
        return 0.0;
    double tail = arg[0] == 2.0 ? (1 + z) * exp(-z) : (1 + z + z * z / 2) * exp(-z);
    return 1.0 - tail;
}

/* The upper tails used as references: a = 0.5, 1, 2, 3. */
static double q_closed(double a, double z)
{
    if (a == 0.5)
        return erfc(sqrt(z));
    if (a == 1.0)
        return exp(-z);
    if (a == 2.0)
        return (1 + z) * exp(-z);
    return (1 + z + z * z / 2) * exp(-z);
}

/* Intervals of each train recorded in a population (pooled), and spike
 * total; *n_isi intervals. */
static double *intervals(rv_sim *sim, int32_t pop, int64_t n_src, int64_t *n_isi, int64_t *n_sp)
{
    const uint32_t *idx;
    const double *t;
    OK(sim, rv_rec_get_spikes(sim, pop, n_sp, &idx, &t));
    double *last = malloc((size_t)n_src * sizeof *last);
    double *isi = malloc((size_t)(*n_sp + 1) * sizeof *isi);
    for (int64_t i = 0; i < n_src; i++)
        last[i] = -1;
    *n_isi = 0;
    for (int64_t k = 0; k < *n_sp; k++) {
        if (last[idx[k]] >= 0)
            isi[(*n_isi)++] = t[k] - last[idx[k]];
        last[idx[k]] = t[k];
    }
    free(last);
    return isi;
}

/* Recorded spikes with a <= t < b. */
static int64_t count_between(rv_sim *sim, int32_t pop, double a, double b)
{
    int64_t n, c = 0;
    const uint32_t *idx;
    const double *t;
    OK(sim, rv_rec_get_spikes(sim, pop, &n, &idx, &t));
    for (int64_t k = 0; k < n; k++)
        c += t[k] >= a && t[k] < b;
    return c;
}

/* ---- the gamma machinery ------------------------------------------------------- */

static void gamma_tail_closed_forms(void)
{
    const double shapes[] = {0.5, 1.0, 2.0, 3.0};
    const double zs[] = {1e-6, 0.01, 0.3, 1.0, 1.4, 2.5, 3.9, 4.1, 8.0, 30.0, 200.0};
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < (int)(sizeof zs / sizeof zs[0]); j++) {
            double a = shapes[i], z = zs[j], q, h;
            rv__gamma_tail(a, z, &q, &h);
            double qr = q_closed(a, z);
            /* the density z^(a-1) e^-z / Gamma(a) */
            double f = exp((a - 1) * log(z) - z - lgamma(a));
            CHECK(fabs(q - qr) <= 1e-12 * qr + 1e-300);
            if (qr > 1e-250)
                CHECK(fabs(h - f / qr) <= 1e-10 * (f / qr));
        }
    /* the hazard's limits: 1 for a = 1, towards 1 for large z, very large
       but finite near 0 for a < 1 */
    double h, q;
    rv__gamma_tail(0.5, 1e-300, &q, &h);
    CHECK(fabs(q - 1.0) < 1e-12 && h > 1e149 && isfinite(h));
    rv__gamma_tail(1.0, 0.7, NULL, &h);
    CHECK_NEAR(h, 1.0, 1e-13);
    rv__gamma_tail(4.0, 1e4, NULL, &h);
    CHECK(h < 1.0 && h > 0.999);
    rv__gamma_tail(0.3, 1e4, NULL, &h);
    CHECK(h > 1.0 && h < 1.001);
    for (double x = 0.01; x < 200; x *= 1.7)
        CHECK(fabs(rv__log_gamma(x) - lgamma(x)) <= 1e-13 * fmax(1.0, fabs(lgamma(x))));
}

/* arg: {a, age, Q(age)} in units of the scale: the CDF of X | X > age */
static double cdf_conditional(double x, const double *arg)
{
    return x <= arg[1] ? 0.0 : 1.0 - q_closed(arg[0], x) / arg[2];
}

/* X | X > age for ages on the rejection path (young) and the thinning path
 * (old), shapes below and above 1; with a horizon, the share of draws that
 * stop there. */
static void gamma_residual_distribution(void)
{
    const double cases[][2] = {{2.0, 0.5}, {2.0, 4.0}, {0.5, 0.05}, {0.5, 2.0}, {3.0, 6.0}};
    const int n = 20000;
    double *x = malloc(n * sizeof *x);
    for (int c = 0; c < 5; c++) {
        double a = cases[c][0], age = cases[c][1], theta = 2.5;
        rv__stream s;
        rv__stream_init(&s, 77, RV__RNG_USER, 1, (uint64_t)c);
        for (int k = 0; k < n; k++) {
            x[k] = rv__gamma_residual(&s, a, theta, age * theta, INFINITY) / theta;
            CHECK(x[k] > age);
        }
        double arg[3] = {a, age, q_closed(a, age)};
        check_ks("gamma residual", x, n, cdf_conditional, arg);
        /* the unconditional distribution is rejected */
        double arg0[3] = {a, 0.0, 1.0};
        check_ks_rejects("gamma residual vs unconditional", x, n, cdf_conditional, arg0);
        /* a horizon 1.5 scales beyond the age: P(stop) = Q(horizon) / Q(age) */
        double horizon = age + 1.5;
        int64_t stopped = 0;
        for (int k = 0; k < n; k++) {
            double y = rv__gamma_residual(&s, a, theta, age * theta, horizon * theta) / theta;
            stopped += !(y < horizon);
            CHECK(y > age);
        }
        double p = q_closed(a, horizon) / arg[2];
        check_within("gamma residual horizon", (double)stopped, n * p, sqrt(n * p * (1 - p)));
    }
    free(x);
}

/* ---- SpikeSourcePoissonRefractory ------------------------------------------------ */

static void refractory_intervals_and_count(void)
{
    const int n_src = 100;
    const double rate = 50.0, tau = 5.0, T = 10000.0, mean = 1000.0 / rate;
    rv_sim *sim = sim_new(DT, 21);
    int32_t pop = pop_new(sim, "SpikeSourcePoissonRefractory", n_src);
    set_all(sim, pop, "rate", rate);
    set_all(sim, pop, "tau_refrac", tau);
    OK(sim, rv_rec_set(sim, pop, "spikes", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, T));
    int64_t n_isi, n;
    double *isi = intervals(sim, pop, n_src, &n_isi, &n);
    /* renewal count: variance ~ T rate CV^2, CV = (mean - tau) / mean */
    double cv = (mean - tau) / mean;
    check_within("refractory count", (double)n, n_src * rate * T / 1000,
                 sqrt(n_src * rate * T / 1000 * cv * cv));
    double shortest = INFINITY;
    for (int64_t k = 0; k < n_isi; k++)
        shortest = fmin(shortest, isi[k]);
    CHECK(shortest >= tau - 1e-9);
    double arg[2] = {tau, mean - tau};
    check_ks("refractory intervals", isi, n_isi, cdf_exponential, arg);
    double wrong[2] = {0.0, mean};  /* Poisson of the same rate */
    check_ks_rejects("refractory vs Poisson", isi, n_isi, cdf_exponential, wrong);
    free(isi);
    rv_sim_free(sim);
}

/* rate * tau_refrac = 1000: a regular train of period tau_refrac; above,
 * refused when the run prepares, naming tau_refrac. */
static void refractory_limits(void)
{
    rv_sim *sim = sim_new(DT, 22);
    int32_t pop = pop_new(sim, "SpikeSourcePoissonRefractory", 5);
    set_all(sim, pop, "rate", 100.0);
    set_all(sim, pop, "tau_refrac", 10.0);
    OK(sim, rv_rec_set(sim, pop, "spikes", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, 1000.0));
    int64_t n_isi, n;
    double *isi = intervals(sim, pop, 5, &n_isi, &n);
    CHECK(n_isi >= 5 * 98);
    for (int64_t k = 0; k < n_isi; k++)
        CHECK_NEAR(isi[k], 10.0, 1e-9);
    free(isi);
    set_one(sim, pop, 3, "tau_refrac", 10.5);
    FAILS(sim, RV_ERR_VALUE, rv_sim_run_until(sim, 1100.0));
    CHECK(strstr(rv_sim_errmsg(sim), "tau_refrac") != NULL);
    CHECK(strstr(rv_sim_errmsg(sim), "neuron 3") != NULL);
    rv_sim_info info;
    OK(sim, rv_sim_get_info(sim, &info));
    CHECK(info.step == 10000);
    /* a zero rate is silent whatever the dead time */
    set_all(sim, pop, "rate", 0.0);
    OK(sim, rv_sim_run_until(sim, 1100.0));
    CHECK(count_between(sim, pop, 1000.0, 2000.0) == 0);
    rv_sim_free(sim);
}

/* Stationary from start: the first 2 ms after start have the full rate (a
 * train started from a spike, or from the end of a dead time, would not). */
static void refractory_window_and_start(void)
{
    const int n_src = 4000;
    const double rate = 100.0, tau = 5.0;
    rv_sim *sim = sim_new(DT, 23);
    int32_t pop = pop_new(sim, "SpikeSourcePoissonRefractory", n_src);
    set_all(sim, pop, "rate", rate);
    set_all(sim, pop, "tau_refrac", tau);
    set_all(sim, pop, "start", 200.0);
    set_all(sim, pop, "duration", 300.0);
    OK(sim, rv_rec_set(sim, pop, "spikes", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, 600.0));
    CHECK(count_between(sim, pop, 0.0, 200.0) == 0);
    CHECK(count_between(sim, pop, 500.0, 600.0) == 0);
    double early = n_src * rate * 0.002;  /* at most one spike per train in 2 ms */
    check_within("refractory first 2 ms", (double)count_between(sim, pop, 200.0, 202.0), early,
                 sqrt(early));
    double all = n_src * rate * 0.3;
    check_within("refractory window", (double)count_between(sim, pop, 200.0, 500.0), all,
                 sqrt(all * 0.25));
    rv_sim_free(sim);
}

/* rate and tau_refrac change between runs: the new rate from then on. */
static void refractory_rate_change(void)
{
    const int n_src = 200;
    rv_sim *sim = sim_new(DT, 24);
    int32_t pop = pop_new(sim, "SpikeSourcePoissonRefractory", n_src);
    set_all(sim, pop, "rate", 10.0);
    set_all(sim, pop, "tau_refrac", 2.0);
    OK(sim, rv_rec_set(sim, pop, "spikes", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, 1000.0));
    double e1 = n_src * 10.0;
    check_within("refractory 10 Hz", (double)count_between(sim, pop, 0, 1000), e1, sqrt(e1));
    set_all(sim, pop, "rate", 150.0);
    set_all(sim, pop, "tau_refrac", 4.0);
    OK(sim, rv_sim_run_until(sim, 2000.0));
    double e2 = n_src * 150.0;
    check_within("refractory 150 Hz", (double)count_between(sim, pop, 1000, 2000), e2, sqrt(e2));
    int64_t n_isi, n;
    double *isi = intervals(sim, pop, n_src, &n_isi, &n);
    /* no interval shorter than the dead time in force */
    const uint32_t *idx;
    const double *t;
    OK(sim, rv_rec_get_spikes(sim, pop, &n, &idx, &t));
    double last[200];
    int bad = 0;
    for (int i = 0; i < n_src; i++)
        last[i] = -1e9;
    for (int64_t k = 0; k < n; k++) {
        double tau = t[k] > 1000.0 ? 4.0 : 2.0;
        bad += t[k] - last[idx[k]] < tau - 1e-9;
        last[idx[k]] = t[k];
    }
    CHECK(bad == 0);
    free(isi);
    rv_sim_free(sim);
}

/* ---- SpikeSourceGamma ------------------------------------------------------------ */

static void gamma_intervals_and_count(void)
{
    const int n_src = 100;
    const double shapes[] = {2.0, 3.0};
    for (int c = 0; c < 2; c++) {
        double alpha = shapes[c], beta = 200.0, T = 5000.0, scale = 1000.0 / beta;
        rv_sim *sim = sim_new(DT, 31 + c);
        int32_t pop = pop_new(sim, "SpikeSourceGamma", n_src);
        set_all(sim, pop, "alpha", alpha);
        set_all(sim, pop, "beta", beta);
        OK(sim, rv_rec_set(sim, pop, "spikes", NULL, 0, 1));
        OK(sim, rv_sim_run_until(sim, T));
        int64_t n_isi, n;
        double *isi = intervals(sim, pop, n_src, &n_isi, &n);
        double expected = n_src * T / 1000 * beta / alpha;
        check_within("gamma count", (double)n, expected, sqrt(expected / alpha));
        double arg[2] = {alpha, scale};
        check_ks("gamma intervals", isi, n_isi, cdf_gamma_int, arg);
        double wrong[2] = {0.0, alpha * scale};  /* exponential of the same mean */
        check_ks_rejects("gamma vs exponential", isi, n_isi, cdf_exponential, wrong);
        double other[2] = {5.0 - alpha, scale * alpha / (5.0 - alpha)};  /* other shape */
        check_ks_rejects("gamma vs other shape", isi, n_isi, cdf_gamma_int, other);
        free(isi);
        rv_sim_free(sim);
    }
}

/* Non-integer and small shapes: mean and CV of the intervals. */
static void gamma_real_shapes(void)
{
    const double shapes[] = {0.4, 1.7};
    for (int c = 0; c < 2; c++) {
        const int n_src = 50;
        double alpha = shapes[c], beta = 50.0;
        rv_sim *sim = sim_new(DT, 33 + c);
        int32_t pop = pop_new(sim, "SpikeSourceGamma", n_src);
        set_all(sim, pop, "alpha", alpha);
        set_all(sim, pop, "beta", beta);
        OK(sim, rv_rec_set(sim, pop, "spikes", NULL, 0, 1));
        OK(sim, rv_sim_run_until(sim, 20000.0));
        int64_t n_isi, n;
        double *isi = intervals(sim, pop, n_src, &n_isi, &n);
        double s1 = 0, s2 = 0;
        for (int64_t k = 0; k < n_isi; k++) {
            s1 += isi[k];
            s2 += isi[k] * isi[k];
        }
        double mean = s1 / n_isi, var = s2 / n_isi - mean * mean;
        double m = 1000.0 * alpha / beta, v = m * m / alpha;
        check_within("gamma mean interval", mean, m, sqrt(v / n_isi));
        CHECK(fabs(var / (m * m) - 1 / alpha) < 0.1 / alpha);
        free(isi);
        rv_sim_free(sim);
    }
}

/* Stationary from start: the first 5 ms have the full rate.  (From a spike
 * at start the expected count would be 0.143 per train, from NEST's
 * single-process state 0.86.) */
static void gamma_stationary_start(void)
{
    const int n_src = 4000;
    const double alpha = 4.0, beta = 400.0;  /* 100 Hz, scale 2.5 ms */
    rv_sim *sim = sim_new(DT, 35);
    int32_t pop = pop_new(sim, "SpikeSourceGamma", n_src);
    set_all(sim, pop, "alpha", alpha);
    set_all(sim, pop, "beta", beta);
    set_all(sim, pop, "start", 50.0);
    set_all(sim, pop, "duration", 100.0);
    OK(sim, rv_rec_set(sim, pop, "spikes", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, 200.0));
    CHECK(count_between(sim, pop, 0.0, 50.0) == 0);
    CHECK(count_between(sim, pop, 150.0, 200.0) == 0);
    double early = n_src * 100.0 * 0.005;
    check_within("gamma first 5 ms", (double)count_between(sim, pop, 50.0, 55.0), early,
                 sqrt(early));
    double all = n_src * 100.0 * 0.1;
    check_within("gamma window", (double)count_between(sim, pop, 50.0, 150.0), all,
                 sqrt(all / alpha));
    rv_sim_free(sim);
}

/* beta changes between runs; the process keeps its age.  beta/alpha above
 * 1e9 Hz is refused, naming beta. */
static void gamma_changes_and_limits(void)
{
    const int n_src = 200;
    rv_sim *sim = sim_new(DT, 36);
    int32_t pop = pop_new(sim, "SpikeSourceGamma", n_src);
    set_all(sim, pop, "alpha", 3.0);
    set_all(sim, pop, "beta", 60.0);
    OK(sim, rv_rec_set(sim, pop, "spikes", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, 1000.0));
    double e1 = n_src * 20.0;
    check_within("gamma 20 Hz", (double)count_between(sim, pop, 0, 1000), e1, sqrt(e1));
    set_all(sim, pop, "beta", 600.0);
    OK(sim, rv_sim_run_until(sim, 2000.0));
    /* after the change the train relaxes within a few intervals (5 ms) */
    double e2 = n_src * 200.0 * 0.95;
    check_within("gamma 200 Hz", (double)count_between(sim, pop, 1050, 2000), e2, sqrt(e2));
    set_all(sim, pop, "alpha", 1e-3);
    set_all(sim, pop, "beta", 1e7);
    FAILS(sim, RV_ERR_VALUE, rv_sim_run_until(sim, 2100.0));
    CHECK(strstr(rv_sim_errmsg(sim), "beta") != NULL);
    double zero = 0.0;
    FAILS(sim, RV_ERR_VALUE, rv_pop_set_param(sim, pop, "alpha", NULL, 0, &zero, 1));
    CHECK(strstr(rv_sim_errmsg(sim), "alpha") != NULL);
    set_all(sim, pop, "alpha", 2.0);
    set_all(sim, pop, "beta", 0.0);  /* silent */
    OK(sim, rv_sim_run_until(sim, 2100.0));
    CHECK(count_between(sim, pop, 2000.0, 3000.0) == 0);
    rv_sim_free(sim);
}

/* ---- SpikeSourceInhGamma and array parameters -------------------------------------- */

static void set_lists(rv_sim *sim, int32_t pop, const char *name, const double *v, int64_t n)
{
    rv_pop_info info;
    OK(sim, rv_pop_get_info(sim, pop, &info));
    int64_t *off = malloc((size_t)(info.size + 1) * sizeof *off);
    double *all = malloc((size_t)(info.size * n + 1) * sizeof *all);
    for (int64_t i = 0; i <= info.size; i++)
        off[i] = i * n;
    for (int64_t i = 0; i < info.size; i++)
        memcpy(all + i * n, v, (size_t)n * sizeof *v);
    OK(sim, rv_pop_set_array_param(sim, pop, name, NULL, info.size, off, all));
    free(off);
    free(all);
}

static void array_param_api(void)
{
    rv_sim *sim = sim_new(DT, 41);
    int32_t pop = pop_new(sim, "SpikeSourceInhGamma", 3);
    int32_t poi = pop_new(sim, "SpikeSourcePoisson", 2);
    int32_t ssa = pop_new(sim, "SpikeSourceArray", 2);
    double buf[8];
    int64_t n;
    /* PyNN's defaults: a = [1], b = [1] s, tbins = [0] ms */
    OK(sim, rv_pop_get_array_param(sim, pop, "a", 2, buf, 8, &n));
    CHECK(n == 1 && buf[0] == 1.0);
    OK(sim, rv_pop_get_array_param(sim, pop, "b", 0, buf, 8, &n));
    CHECK(n == 1 && buf[0] == 1.0);
    OK(sim, rv_pop_get_array_param(sim, pop, "tbins", 1, NULL, 0, &n));
    CHECK(n == 1);
    /* neuron 1 only; the others keep theirs */
    int64_t i1 = 1, off2[] = {0, 2};
    double tb[] = {0.0, 50.0}, a2[] = {2.0, 0.5};
    OK(sim, rv_pop_set_array_param(sim, pop, "tbins", &i1, 1, off2, tb));
    OK(sim, rv_pop_set_array_param(sim, pop, "a", &i1, 1, off2, a2));
    OK(sim, rv_pop_get_array_param(sim, pop, "a", 1, buf, 8, &n));
    CHECK(n == 2 && buf[0] == 2.0 && buf[1] == 0.5);
    OK(sim, rv_pop_get_array_param(sim, pop, "a", 0, buf, 8, &n));
    CHECK(n == 1 && buf[0] == 1.0);
    OK(sim, rv_pop_get_array_param(sim, pop, "tbins", 1, buf, 1, &n));
    CHECK(n == 2 && buf[0] == 0.0);  /* cap 1: only the first written */
    /* bad calls change nothing and say why */
    int64_t off1[] = {0, 1}, bad_off[] = {1, 2}, down_off[] = {0, 2, 1, 1};
    double neg[] = {-1.0}, zero[] = {0.0}, nan[] = {NAN}, unordered[] = {5.0, 1.0};
    int64_t i9 = 9;
    FAILS(sim, RV_ERR_NULL, rv_pop_set_array_param(sim, pop, NULL, &i1, 1, off1, neg));
    FAILS(sim, RV_ERR_NAME, rv_pop_set_array_param(sim, pop, "c", &i1, 1, off1, neg));
    CHECK(strstr(rv_sim_errmsg(sim), "'c'") != NULL);
    FAILS(sim, RV_ERR_NAME, rv_pop_set_array_param(sim, poi, "a", NULL, 2, down_off, neg));
    FAILS(sim, RV_ERR_NAME, rv_pop_set_array_param(sim, pop, "start", &i1, 1, off1, zero));
    FAILS(sim, RV_ERR_HANDLE, rv_pop_set_array_param(sim, 99, "a", &i1, 1, off1, neg));
    FAILS(sim, RV_ERR_NULL, rv_pop_set_array_param(sim, pop, "a", &i1, 1, NULL, neg));
    FAILS(sim, RV_ERR_NULL, rv_pop_set_array_param(sim, pop, "a", &i1, 1, off1, NULL));
    FAILS(sim, RV_ERR_SIZE, rv_pop_set_array_param(sim, pop, "a", NULL, 2, off1, neg));
    FAILS(sim, RV_ERR_INDEX, rv_pop_set_array_param(sim, pop, "a", &i9, 1, off1, neg));
    FAILS(sim, RV_ERR_VALUE, rv_pop_set_array_param(sim, pop, "a", &i1, 1, bad_off, neg));
    FAILS(sim, RV_ERR_VALUE, rv_pop_set_array_param(sim, pop, "a", NULL, 3, down_off, neg));
    FAILS(sim, RV_ERR_VALUE, rv_pop_set_array_param(sim, pop, "a", &i1, 1, off1, neg));
    CHECK(strstr(rv_sim_errmsg(sim), "'a'") != NULL);
    FAILS(sim, RV_ERR_VALUE, rv_pop_set_array_param(sim, pop, "b", &i1, 1, off1, zero));
    CHECK(strstr(rv_sim_errmsg(sim), "'b'") != NULL);
    FAILS(sim, RV_ERR_VALUE, rv_pop_set_array_param(sim, pop, "b", &i1, 1, off1, nan));
    FAILS(sim, RV_ERR_VALUE, rv_pop_set_array_param(sim, pop, "tbins", &i1, 1, off1, neg));
    FAILS(sim, RV_ERR_VALUE, rv_pop_set_array_param(sim, pop, "tbins", &i1, 1, off2, unordered));
    CHECK(strstr(rv_sim_errmsg(sim), "tbins") != NULL);
    FAILS(sim, RV_ERR_NULL, rv_pop_get_array_param(sim, pop, NULL, 0, buf, 8, &n));
    FAILS(sim, RV_ERR_NAME, rv_pop_get_array_param(sim, pop, "nope", 0, buf, 8, &n));
    FAILS(sim, RV_ERR_NULL, rv_pop_get_array_param(sim, pop, "a", 0, buf, 8, NULL));
    FAILS(sim, RV_ERR_NULL, rv_pop_get_array_param(sim, pop, "a", 0, NULL, 8, &n));
    FAILS(sim, RV_ERR_SIZE, rv_pop_get_array_param(sim, pop, "a", 0, buf, -1, &n));
    FAILS(sim, RV_ERR_INDEX, rv_pop_get_array_param(sim, pop, "a", 3, buf, 8, &n));
    FAILS(sim, RV_ERR_INDEX, rv_pop_get_array_param(sim, pop, "a", -1, buf, 8, &n));
    CHECK(rv_pop_set_array_param(NULL, pop, "a", &i1, 1, off1, neg) == RV_ERR_NULL);
    CHECK(rv_pop_get_array_param(NULL, pop, "a", 0, buf, 8, &n) == RV_ERR_NULL);
    OK(sim, rv_pop_get_array_param(sim, pop, "a", 1, buf, 8, &n));
    CHECK(n == 2 && buf[0] == 2.0 && buf[1] == 0.5);
    OK(sim, rv_pop_get_array_param(sim, pop, "tbins", 1, buf, 8, &n));
    CHECK(n == 2 && buf[1] == 50.0);
    /* a, b and tbins of different lengths: refused when the run prepares */
    FAILS(sim, RV_ERR_VALUE, rv_sim_run_until(sim, 1.0));
    CHECK(strstr(rv_sim_errmsg(sim), "a, b and tbins") != NULL);
    CHECK(strstr(rv_sim_errmsg(sim), "neuron 1") != NULL);
    double b2[] = {0.01, 1e-10};
    OK(sim, rv_pop_set_array_param(sim, pop, "b", &i1, 1, off2, b2));
    FAILS(sim, RV_ERR_VALUE, rv_sim_run_until(sim, 1.0));
    CHECK(strstr(rv_sim_errmsg(sim), "b (s)") != NULL);
    b2[1] = 0.02;
    OK(sim, rv_pop_set_array_param(sim, pop, "b", &i1, 1, off2, b2));
    OK(sim, rv_sim_run_until(sim, 1.0));
    /* spike_times of SpikeSourceArray is an array parameter too */
    double times[] = {1.5, 2.5, 3.5};
    int64_t offs[] = {0, 2, 3};
    OK(sim, rv_pop_set_array_param(sim, ssa, "spike_times", NULL, 2, offs, times));
    OK(sim, rv_pop_get_spike_times(sim, ssa, 0, buf, 8, &n));
    CHECK(n == 2 && buf[0] == 1.5 && buf[1] == 2.5);
    OK(sim, rv_pop_get_array_param(sim, ssa, "spike_times", 1, buf, 8, &n));
    CHECK(n == 1 && buf[0] == 3.5);
    double back[] = {3.0, 2.0};
    FAILS(sim, RV_ERR_VALUE, rv_pop_set_array_param(sim, ssa, "spike_times", NULL, 2, offs, back));
    FAILS(sim, RV_ERR_NAME, rv_pop_set_array_param(sim, pop, "spike_times", NULL, 3, down_off, neg));
    rv_sim_free(sim);
}

/* The rate in every bin: 1 / (a b).  Bins of shapes below, at and above 1;
 * after a boundary the train relaxes within a few intervals, so each bin is
 * counted from 100 ms after its start.  Before tbins[0] nothing. */
static void inh_gamma_bin_rates(void)
{
    const int n_src = 200;
    const double tbins[] = {100.0, 600.0, 1100.0, 1600.0};
    const double a[] = {1.0, 4.0, 0.5, 2.0};
    const double b[] = {0.01, 0.0005, 0.02, 0.002};  /* 100, 500, 100, 250 Hz */
    rv_sim *sim = sim_new(DT, 42);
    int32_t pop = pop_new(sim, "SpikeSourceInhGamma", n_src);
    set_lists(sim, pop, "tbins", tbins, 4);
    set_lists(sim, pop, "a", a, 4);
    set_lists(sim, pop, "b", b, 4);
    OK(sim, rv_rec_set(sim, pop, "spikes", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, 2100.0));
    CHECK(count_between(sim, pop, 0.0, 100.0) == 0);
    for (int k = 0; k < 4; k++) {
        double from = tbins[k] + (k == 0 ? 0.0 : 100.0), to = k + 1 < 4 ? tbins[k + 1] : 2100.0;
        double rate = 1.0 / (a[k] * b[k]);
        double e = n_src * rate * (to - from) / 1000;
        char what[64];
        snprintf(what, sizeof what, "inh gamma bin %d (%g Hz)", k, rate);
        /* count variance of a renewal process: mean CV^2 = mean / a */
        check_within(what, (double)count_between(sim, pop, from, to), e, sqrt(e / fmin(a[k], 1.0)));
    }
    /* stationary from the first bin's start: the first 3 ms at full rate */
    double early = n_src * 100.0 * 0.003;
    check_within("inh gamma first 3 ms", (double)count_between(sim, pop, 100.0, 103.0), early,
                 sqrt(early));
    rv_sim_free(sim);
}

/* Within one long bin the intervals are gamma (shape 3, scale b); a
 * start/duration window; empty lists are silent. */
static void inh_gamma_intervals_and_window(void)
{
    const int n_src = 100;
    const double tb[] = {0.0}, a[] = {3.0}, b[] = {0.004};
    rv_sim *sim = sim_new(DT, 43);
    int32_t pop = pop_new(sim, "SpikeSourceInhGamma", n_src);
    set_lists(sim, pop, "tbins", tb, 1);
    set_lists(sim, pop, "a", a, 1);
    set_lists(sim, pop, "b", b, 1);
    set_all(sim, pop, "start", 100.0);
    set_all(sim, pop, "duration", 3000.0);
    int32_t quiet = pop_new(sim, "SpikeSourceInhGamma", 3);
    set_lists(sim, quiet, "tbins", tb, 0);
    set_lists(sim, quiet, "a", a, 0);
    set_lists(sim, quiet, "b", b, 0);
    OK(sim, rv_rec_set(sim, pop, "spikes", NULL, 0, 1));
    OK(sim, rv_rec_set(sim, quiet, "spikes", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, 3500.0));
    CHECK(spike_total(sim, quiet) == 0);
    CHECK(count_between(sim, pop, 0.0, 100.0) == 0);
    CHECK(count_between(sim, pop, 3100.0, 4000.0) == 0);
    int64_t n_isi, n;
    double *isi = intervals(sim, pop, n_src, &n_isi, &n);
    double e = n_src * 3000.0 / 12.0;
    check_within("inh gamma count", (double)n, e, sqrt(e / 3.0));
    double arg[2] = {3.0, 4.0};
    check_ks("inh gamma intervals", isi, n_isi, cdf_gamma_int, arg);
    double wrong[2] = {0.0, 12.0};
    check_ks_rejects("inh gamma vs exponential", isi, n_isi, cdf_exponential, wrong);
    free(isi);
    rv_sim_free(sim);
}

/* Bins replaced between runs: the new rate from then on. */
static void inh_gamma_change_between_runs(void)
{
    const int n_src = 200;
    rv_sim *sim = sim_new(DT, 44);
    int32_t pop = pop_new(sim, "SpikeSourceInhGamma", n_src);
    double tb[] = {0.0}, a[] = {2.0}, b[] = {0.025};  /* 20 Hz */
    set_lists(sim, pop, "tbins", tb, 1);
    set_lists(sim, pop, "a", a, 1);
    set_lists(sim, pop, "b", b, 1);
    OK(sim, rv_rec_set(sim, pop, "spikes", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, 1000.0));
    double e1 = n_src * 20.0;
    check_within("inh gamma 20 Hz", (double)count_between(sim, pop, 0, 1000), e1, sqrt(e1));
    double tb2[] = {0.0, 1500.0}, a2[] = {2.0, 1.0}, b2[] = {0.025, 0.005};  /* 200 Hz later */
    set_lists(sim, pop, "tbins", tb2, 2);
    set_lists(sim, pop, "a", a2, 2);
    set_lists(sim, pop, "b", b2, 2);
    OK(sim, rv_sim_run_until(sim, 2500.0));
    double e2 = n_src * 20.0 * 0.5, e3 = n_src * 200.0 * 0.9;
    check_within("inh gamma 20 Hz again", (double)count_between(sim, pop, 1000, 1500), e2, sqrt(e2));
    check_within("inh gamma 200 Hz", (double)count_between(sim, pop, 1600, 2500), e3, sqrt(e3));
    rv_sim_free(sim);
}

/* ---- all three: reset and threads ---------------------------------------------- */

typedef struct trains {
    int64_t n[3];
    double *t[3];
    uint32_t *i[3];
} trains;

/* A network of the three sources, run in two pieces with parameter
 * changes between them (every resume path), with `threads` threads. */
static void run_all(rv_sim *sim, int32_t *pops, trains *out)
{
    OK(sim, rv_sim_run_until(sim, 300.0));
    set_all(sim, pops[0], "rate", 120.0);
    set_all(sim, pops[1], "beta", 900.0);
    set_all(sim, pops[2], "start", 250.0);
    OK(sim, rv_sim_run_until(sim, 611.3));
    for (int k = 0; k < 3; k++) {
        const uint32_t *idx;
        const double *t;
        OK(sim, rv_rec_get_spikes(sim, pops[k], &out->n[k], &idx, &t));
        out->t[k] = malloc((size_t)(out->n[k] + 1) * sizeof(double));
        out->i[k] = malloc((size_t)(out->n[k] + 1) * sizeof(uint32_t));
        memcpy(out->t[k], t, (size_t)out->n[k] * sizeof(double));
        memcpy(out->i[k], idx, (size_t)out->n[k] * sizeof(uint32_t));
    }
}

static rv_sim *build_all_dt(int threads, int32_t *pops, double dt)
{
    rv_sim *sim = sim_new(dt, 45);
    OK(sim, rv_sim_set_threads(sim, threads));
    pops[0] = pop_new(sim, "SpikeSourcePoissonRefractory", 37);
    pops[1] = pop_new(sim, "SpikeSourceGamma", 29);
    pops[2] = pop_new(sim, "SpikeSourceInhGamma", 23);
    set_all(sim, pops[0], "rate", 60.0);
    set_all(sim, pops[0], "tau_refrac", 3.0);
    set_all(sim, pops[1], "alpha", 0.7);
    set_all(sim, pops[1], "beta", 40.0);
    const double tb[] = {0.0, 200.0, 400.0}, a[] = {3.0, 0.6, 1.0}, b[] = {0.003, 0.02, 0.005};
    set_lists(sim, pops[2], "tbins", tb, 3);
    set_lists(sim, pops[2], "a", a, 3);
    set_lists(sim, pops[2], "b", b, 3);
    for (int k = 0; k < 3; k++)
        OK(sim, rv_rec_set(sim, pops[k], "spikes", NULL, 0, 1));
    return sim;
}

static rv_sim *build_all(int threads, int32_t *pops)
{
    return build_all_dt(threads, pops, DT);
}

static int same(const trains *x, const trains *y)
{
    for (int k = 0; k < 3; k++)
        if (x->n[k] != y->n[k] || memcmp(x->t[k], y->t[k], (size_t)x->n[k] * sizeof(double))
            || memcmp(x->i[k], y->i[k], (size_t)x->n[k] * sizeof(uint32_t)))
            return 0;
    return 1;
}

static void release(trains *x)
{
    for (int k = 0; k < 3; k++) {
        free(x->t[k]);
        free(x->i[k]);
    }
}

static void reset_and_threads(void)
{
    int32_t pops[3];
    trains one, again, many;
    rv_sim *sim = build_all(1, pops);
    run_all(sim, pops, &one);
    for (int k = 0; k < 3; k++)
        CHECK(one.n[k] > 100);
    /* reset: parameters stay as changed, so restore the first ones */
    OK(sim, rv_sim_reset(sim));
    set_all(sim, pops[0], "rate", 60.0);
    set_all(sim, pops[1], "beta", 40.0);
    set_all(sim, pops[2], "start", 0.0);
    run_all(sim, pops, &again);
    CHECK(same(&one, &again));
    rv_sim_free(sim);
    for (int threads = 2; threads <= 4; threads += 2) {
        sim = build_all(threads, pops);
        run_all(sim, pops, &many);
        CHECK(same(&one, &many));
        release(&many);
        rv_sim_free(sim);
    }
    /* another seed gives other trains */
    sim = build_all(1, pops);
    OK(sim, rv_sim_set_seed(sim, 46));
    run_all(sim, pops, &many);
    CHECK(!same(&one, &many));
    release(&many);
    rv_sim_free(sim);
    release(&one);
    release(&again);
}

/* Trains are made in continuous time, each event from its own draws: the
 * same trains for another time step (runs ending at the same times). */
static void dt_independence(void)
{
    int32_t pops[3];
    trains coarse, fine;
    rv_sim *sim = build_all_dt(1, pops, DT);
    run_all(sim, pops, &coarse);
    rv_sim_free(sim);
    sim = build_all_dt(3, pops, 0.025);
    run_all(sim, pops, &fine);
    rv_sim_free(sim);
    for (int k = 0; k < 3; k++) {
        CHECK(coarse.n[k] == fine.n[k]);
        if (coarse.n[k] != fine.n[k])
            continue;
        /* per neuron, in order (the order across neurons inside a step may
           differ with the step) */
        int64_t matched = 0;
        for (uint32_t i = 0; i < 40; i++) {
            int64_t a = 0, b = 0;
            for (;;) {
                while (a < coarse.n[k] && coarse.i[k][a] != i)
                    a++;
                while (b < fine.n[k] && fine.i[k][b] != i)
                    b++;
                if (a == coarse.n[k] || b == fine.n[k])
                    break;
                matched += coarse.t[k][a] == fine.t[k][b];
                a++;
                b++;
            }
        }
        CHECK(matched == coarse.n[k]);
    }
    release(&coarse);
    release(&fine);
}

int main(void)
{
    gamma_tail_closed_forms();
    gamma_residual_distribution();
    refractory_intervals_and_count();
    refractory_limits();
    refractory_window_and_start();
    refractory_rate_change();
    gamma_intervals_and_count();
    gamma_real_shapes();
    gamma_stationary_start();
    gamma_changes_and_limits();
    array_param_api();
    inh_gamma_bin_rates();
    inh_gamma_intervals_and_window();
    inh_gamma_change_between_runs();
    reset_and_threads();
    dt_independence();
    TEST_END();
}
