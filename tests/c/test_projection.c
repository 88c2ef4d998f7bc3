/*
 * Projections built connection by connection (rv_proj_connect) and read or
 * changed through rv_proj_get_pairs / rv_proj_get / rv_proj_set.
 *
 *   - canonical order: sorted by presynaptic index, then postsynaptic
 *     index, creation order among multapses, across several connect calls
 *     and runs; multapses are kept; large random batches (merged straight
 *     into the rows, ordered by target or not) on several threads keep it;
 *   - delays are rounded to the grid and read back in ms; defaults;
 *   - weights onto conductance-based receptors must be >= 0;
 *   - rv_proj_set: NaN entries leave their connection alone; a new delay
 *     moves the delivery; bad values change nothing;
 *   - delivery through every storage layout (uniform or per-synapse
 *     weights and delays), connections added after a run, the largest
 *     delay;
 *   - rv_proj_memory: uniform weights and delays cost no bytes per synapse.
 */
#include "testutil.h"

static const double DT = 0.1;

static int64_t proj_size(rv_sim *sim, int32_t proj)
{
    int64_t n = -1;
    OK(sim, rv_proj_size(sim, proj, &n));
    return n;
}

/* Pairs, weights and delays of a projection (arrays of `cap` entries). */
static int64_t read_proj(rv_sim *sim, int32_t proj, uint32_t *pre, uint32_t *post, double *w,
                         double *d, int64_t cap)
{
    int64_t n = proj_size(sim, proj);
    CHECK(n <= cap);
    if (n > cap)
        return 0;
    OK(sim, rv_proj_get_pairs(sim, proj, pre, post));
    OK(sim, rv_proj_get(sim, proj, "weight", w));
    OK(sim, rv_proj_get(sim, proj, "delay", d));
    return n;
}

static void canonical_order(void)
{
    rv_sim *sim = sim_new(DT, 1);
    int32_t a = pop_new(sim, "IF_curr_exp", 3), b = pop_new(sim, "IF_curr_exp", 3);
    int32_t proj;
    OK(sim, rv_proj_create(sim, a, b, "excitatory", "StaticSynapse", &proj));
    /* creation order: (2,0) (0,1) (2,1) (1,2) (0,2) (1,2) -- the last one a
       multapse of the fourth */
    uint32_t pre[] = {2, 0, 2, 1, 0, 1}, post[] = {0, 1, 1, 2, 2, 2};
    double w[] = {1, 2, 3, 4, 5, 6};
    rv_values vw = {"weight", w, 6};
    OK(sim, rv_proj_connect(sim, proj, 6, pre, post, &vw, 1));
    CHECK(proj_size(sim, proj) == 6);
    uint32_t gp[16], gq[16];
    double gw[16], gd[16];
    int64_t n = read_proj(sim, proj, gp, gq, gw, gd, 16);
    uint32_t ep[] = {0, 0, 1, 1, 2, 2}, eq[] = {1, 2, 2, 2, 0, 1};
    double ew[] = {2, 5, 4, 6, 1, 3};
    CHECK(n == 6);
    for (int64_t k = 0; k < n; k++) {
        CHECK(gp[k] == ep[k] && gq[k] == eq[k] && gw[k] == ew[k]);
        CHECK(gd[k] == 1 * DT);  /* the default delay is one step */
    }
    /* a second call, then a run, then a third call: the order stays (pre,
       post), and among multapses creation order */
    uint32_t pre2[] = {2, 0}, post2[] = {2, 0};
    double w2[] = {7, 8};
    rv_values vw2 = {"weight", w2, 2};
    OK(sim, rv_proj_connect(sim, proj, 2, pre2, post2, &vw2, 1));
    OK(sim, rv_sim_run_until(sim, 1.0));
    uint32_t pre3[] = {1, 0}, post3[] = {0, 0};
    double w3[] = {9, 10};
    rv_values vw3 = {"weight", w3, 2};
    OK(sim, rv_proj_connect(sim, proj, 2, pre3, post3, &vw3, 1));
    CHECK(proj_size(sim, proj) == 10);
    n = read_proj(sim, proj, gp, gq, gw, gd, 16);
    uint32_t fp[] = {0, 0, 0, 0, 1, 1, 1, 2, 2, 2}, fq[] = {0, 0, 1, 2, 0, 2, 2, 0, 1, 2};
    double fw[] = {8, 10, 2, 5, 9, 4, 6, 1, 3, 7};
    CHECK(n == 10);
    for (int64_t k = 0; k < n; k++)
        CHECK(gp[k] == fp[k] && gq[k] == fq[k] && gw[k] == fw[k]);
    /* a zero-length connect is a no-op, even with NULL arrays */
    OK(sim, rv_proj_connect(sim, proj, 0, NULL, NULL, NULL, 0));
    CHECK(proj_size(sim, proj) == 10);
    rv_sim_free(sim);
}

/* The order of (pre, post, creation) triples, for qsort. */
static int by_pre_post_creation(const void *x, const void *y)
{
    const uint32_t *a = x, *b = y;
    for (int k = 0; k < 3; k++)
        if (a[k] != b[k])
            return a[k] < b[k] ? -1 : 1;
    return 0;
}

/* Batches large enough to be merged straight into the rows, some ordered
 * by target and some not, on three threads: the rows hold exactly the
 * connections in canonical order (weights tell the creation order), with
 * their delays. */
static void large_batches_merge_in_order(void)
{
    enum { N_PRE = 300, N_POST = 200, BATCH = 70000, N_BATCHES = 4 };
    const int64_t total = (int64_t)BATCH * N_BATCHES;
    rv_sim *sim = sim_new(DT, 3);
    int32_t a = pop_new(sim, "IF_curr_exp", N_PRE), b = pop_new(sim, "IF_curr_exp", N_POST);
    int32_t proj;
    OK(sim, rv_proj_create(sim, a, b, "excitatory", "StaticSynapse", &proj));
    uint32_t *pre = calloc(BATCH, sizeof *pre), *post = calloc(BATCH, sizeof *post);
    uint32_t *want = calloc((size_t)total * 3, sizeof *want);
    double *w = calloc(BATCH, sizeof *w), *d = calloc(BATCH, sizeof *d);
    uint32_t *gp = calloc((size_t)total, sizeof *gp), *gq = calloc((size_t)total, sizeof *gq);
    double *gw = calloc((size_t)total, sizeof *gw), *gd = calloc((size_t)total, sizeof *gd);
    uint64_t x = 12345;
    for (int batch = 0; batch < N_BATCHES; batch++) {
        int sorted = batch != 1;   /* the second batch in random target order */
        for (int64_t k = 0; k < BATCH; k++) {
            x = x * 6364136223846793005u + 1442695040888963407u;
            pre[k] = (uint32_t)((x >> 33) % N_PRE);
            post[k] = sorted ? (uint32_t)(k * N_POST / BATCH) : (uint32_t)((x >> 13) % N_POST);
            int64_t id = (int64_t)batch * BATCH + k;
            w[k] = (double)id;
            d[k] = DT * (double)(1 + id % 7);
            want[3 * id] = pre[k];
            want[3 * id + 1] = post[k];
            want[3 * id + 2] = (uint32_t)id;
        }
        rv_values v[2] = {{"weight", w, BATCH}, {"delay", d, BATCH}};
        OK(sim, rv_proj_connect(sim, proj, BATCH, pre, post, v, 2));
        if (batch == 2)
            OK(sim, rv_sim_run_until(sim, 1.0));   /* rows made before the last batch */
    }
    qsort(want, (size_t)total, 3 * sizeof *want, by_pre_post_creation);
    CHECK(read_proj(sim, proj, gp, gq, gw, gd, total) == total);
    int64_t wrong = 0;
    for (int64_t k = 0; k < total; k++) {
        uint32_t id = want[3 * k + 2];
        wrong += gp[k] != want[3 * k] || gq[k] != want[3 * k + 1] || gw[k] != (double)id
                 || fabs(gd[k] - DT * (double)(1 + id % 7)) > 1e-9;
    }
    CHECK(wrong == 0);
    free(pre);
    free(post);
    free(want);
    free(w);
    free(d);
    free(gp);
    free(gq);
    free(gw);
    free(gd);
    rv_sim_free(sim);
}

static void delays_on_the_grid(void)
{
    rv_sim *sim = sim_new(DT, 1);
    int32_t a = pop_new(sim, "IF_curr_exp", 5);
    int32_t proj;
    OK(sim, rv_proj_create(sim, a, a, "inhibitory", "StaticSynapse", &proj));
    uint32_t pre[] = {0, 1, 2, 3, 4}, post[] = {1, 2, 3, 4, 0};
    double d[] = {0.26, 0.24, 0.1, 1.04, 6553.5};
    int64_t steps[] = {3, 2, 1, 10, 65535};
    rv_values v = {"delay", d, 5};
    OK(sim, rv_proj_connect(sim, proj, 5, pre, post, &v, 1));
    double got[5], w[5];
    OK(sim, rv_proj_get(sim, proj, "delay", got));
    OK(sim, rv_proj_get(sim, proj, "weight", w));
    for (int k = 0; k < 5; k++) {
        CHECK(got[k] == steps[k] * DT);
        CHECK(w[k] == 0.0);  /* the default weight */
    }
    /* below half a step, or above the largest delay: refused */
    double too_short = 0.04, too_long = 6553.6;
    rv_values vs = {"delay", &too_short, 1}, vl = {"delay", &too_long, 1};
    FAILS(sim, RV_ERR_VALUE, rv_proj_connect(sim, proj, 1, pre, post, &vs, 1));
    FAILS(sim, RV_ERR_VALUE, rv_proj_connect(sim, proj, 1, pre, post, &vl, 1));
    CHECK(proj_size(sim, proj) == 5);
    rv_sim_free(sim);
}

/* Conductances are >= 0; current and voltage-jump weights take a sign. */
static void weight_sign_rule(void)
{
    rv_sim *sim = sim_new(DT, 1);
    int32_t src = pop_new(sim, "SpikeSourcePoisson", 2);
    const char *models[] = {"IF_cond_exp", "IF_cond_alpha", "IF_curr_exp", "IF_curr_alpha",
                            "IF_curr_delta"};
    uint32_t pre = 0, post = 0;
    double neg = -0.1, zero = 0.0;
    rv_values vn = {"weight", &neg, 1}, vz = {"weight", &zero, 1};
    for (int m = 0; m < 5; m++) {
        int conductance = m < 2;
        int32_t pop = pop_new(sim, models[m], 1);
        for (int r = 0; r < 2; r++) {
            int32_t proj;
            OK(sim, rv_proj_create(sim, src, pop, r ? "inhibitory" : "excitatory",
                                   "StaticSynapse", &proj));
            if (conductance) {
                FAILS(sim, RV_ERR_VALUE, rv_proj_connect(sim, proj, 1, &pre, &post, &vn, 1));
                CHECK(strstr(rv_sim_errmsg(sim), "weight") != NULL);
                OK(sim, rv_proj_connect(sim, proj, 1, &pre, &post, &vz, 1));
                FAILS(sim, RV_ERR_VALUE, rv_proj_set(sim, proj, "weight", &neg, 1));
                rv_rule rule = {.kind = RV_RULE_ALL_TO_ALL, .allow_self = 1};
                rv_param_spec spec = {"weight", RV_DIST_CONSTANT, {-0.1}, NULL};
                FAILS(sim, RV_ERR_VALUE,
                      rv_proj_connect_rule(sim, proj, &rule, NULL, 0, NULL, 0, &spec, 1));
                CHECK(proj_size(sim, proj) == 1);
            } else {
                OK(sim, rv_proj_connect(sim, proj, 1, &pre, &post, &vn, 1));
                double back = 0;
                OK(sim, rv_proj_get(sim, proj, "weight", &back));
                CHECK(back == neg);
            }
        }
    }
    rv_sim_free(sim);
}

static void set_with_nan_entries(void)
{
    rv_sim *sim = sim_new(DT, 1);
    int32_t a = pop_new(sim, "IF_curr_exp", 4);
    int32_t proj;
    OK(sim, rv_proj_create(sim, a, a, "excitatory", "StaticSynapse", &proj));
    uint32_t pre[] = {0, 1, 2, 3}, post[] = {1, 2, 3, 0};
    double w = 0.5, d = 1.0;
    rv_values v[] = {{"weight", &w, 1}, {"delay", &d, 1}};
    OK(sim, rv_proj_connect(sim, proj, 4, pre, post, v, 2));
    double nw[] = {NAN, 2.0, NAN, -3.0}, nd[] = {0.5, NAN, NAN, 2.0};
    OK(sim, rv_proj_set(sim, proj, "weight", nw, 4));
    OK(sim, rv_proj_set(sim, proj, "delay", nd, 4));
    double gw[4], gd[4];
    OK(sim, rv_proj_get(sim, proj, "weight", gw));
    OK(sim, rv_proj_get(sim, proj, "delay", gd));
    double ew[] = {0.5, 2.0, 0.5, -3.0}, ed[] = {5 * DT, 10 * DT, 10 * DT, 20 * DT};
    for (int k = 0; k < 4; k++)
        CHECK(gw[k] == ew[k] && gd[k] == ed[k]);
    /* a broadcast NaN changes nothing, a broadcast value changes all */
    double nan = NAN, one = 1.0;
    OK(sim, rv_proj_set(sim, proj, "weight", &nan, 1));
    OK(sim, rv_proj_get(sim, proj, "weight", gw));
    for (int k = 0; k < 4; k++)
        CHECK(gw[k] == ew[k]);
    OK(sim, rv_proj_set(sim, proj, "delay", &one, 1));
    OK(sim, rv_proj_get(sim, proj, "delay", gd));
    for (int k = 0; k < 4; k++)
        CHECK(gd[k] == 10 * DT);
    /* one bad value among good ones: nothing changes */
    double bad_w[] = {1.0, INFINITY, 1.0, 1.0}, bad_d[] = {0.3, 0.3, 0.01, 0.3};
    FAILS(sim, RV_ERR_VALUE, rv_proj_set(sim, proj, "weight", bad_w, 4));
    FAILS(sim, RV_ERR_VALUE, rv_proj_set(sim, proj, "delay", bad_d, 4));
    OK(sim, rv_proj_get(sim, proj, "weight", gw));
    OK(sim, rv_proj_get(sim, proj, "delay", gd));
    for (int k = 0; k < 4; k++)
        CHECK(gw[k] == ew[k] && gd[k] == 10 * DT);
    rv_sim_free(sim);
}

/* v of an IF_curr_delta (tau_m 20 ms) hit by jumps w[k] at times a[k]. */
static double delta_v(double t, const double *a, const double *w, int n)
{
    double v = -65.0;
    for (int k = 0; k < n; k++)
        if (t >= a[k] - 1e-9)
            v += w[k] * exp(-(t - a[k]) / 20.0);
    return v;
}

/* One spike at 1.0 and one at 11.0 into an IF_curr_delta; changing the
 * delay between runs moves the second arrival by exactly the change. */
static void set_delay_moves_delivery(void)
{
    rv_sim *sim = sim_new(DT, 1);
    double times[] = {1.0, 11.0};
    int32_t src = ssa_new(sim, times, 2);
    int32_t pop = pop_new(sim, "IF_curr_delta", 1);
    int32_t proj = connect_one(sim, src, 0, pop, 0, "excitatory", 1.0, 1.0);
    OK(sim, rv_rec_set(sim, pop, "v", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, 5.0));
    double d = 1.0 + DT;
    OK(sim, rv_proj_set(sim, proj, "delay", &d, 1));
    OK(sim, rv_sim_run_until(sim, 20.0));
    int64_t n;
    double *v = trace_of(sim, pop, "v", 0, &n);
    double a[] = {2.0, 12.1}, w[] = {1.0, 1.0};
    for (int64_t k = 0; k < n; k++)
        CHECK_NEAR(v[k], delta_v(k * DT, a, w, 2), 1e-10);
    free(v);
    /* after a reset the new delay applies to both spikes */
    OK(sim, rv_sim_reset(sim));
    OK(sim, rv_sim_run_until(sim, 20.0));
    v = trace_of(sim, pop, "v", 0, &n);
    double a2[] = {2.1, 12.1};
    for (int64_t k = 0; k < n; k++)
        CHECK_NEAR(v[k], delta_v(k * DT, a2, w, 2), 1e-10);
    free(v);
    rv_sim_free(sim);
}

/* Every storage layout delivers the right weight at the right time:
 * uniform weight and delay; per-synapse weights with a uniform delay;
 * per-synapse delays; and delays far apart (several min-delay slices). */
static void delivery_layouts(void)
{
    rv_sim *sim = sim_new(DT, 1);
    double times[] = {1.0, 3.05};
    int32_t src = pop_new(sim, "SpikeSourceArray", 2);
    int64_t off[] = {0, 1, 2};
    OK(sim, rv_pop_set_spike_times(sim, src, NULL, 2, off, times));
    int32_t pop = pop_new(sim, "IF_curr_delta", 3);
    int32_t p_uni, p_w, p_d;
    OK(sim, rv_proj_create(sim, src, pop, "excitatory", "StaticSynapse", &p_uni));
    OK(sim, rv_proj_create(sim, src, pop, "inhibitory", "StaticSynapse", &p_w));
    OK(sim, rv_proj_create(sim, src, pop, "excitatory", "StaticSynapse", &p_d));
    /* uniform: both sources onto neuron 0, w 1, d 0.5 */
    uint32_t pre_u[] = {0, 1}, post_u[] = {0, 0};
    double wu = 1.0, du = 0.5;
    rv_values vu[] = {{"weight", &wu, 1}, {"delay", &du, 1}};
    OK(sim, rv_proj_connect(sim, p_uni, 2, pre_u, post_u, vu, 2));
    /* per-synapse weights, delay 0.5: onto neuron 1 */
    uint32_t pre_w[] = {0, 1}, post_w[] = {1, 1};
    double ww[] = {-0.5, 2.0};
    rv_values vw[] = {{"weight", ww, 2}, {"delay", &du, 1}};
    OK(sim, rv_proj_connect(sim, p_w, 2, pre_w, post_w, vw, 2));
    /* per-synapse delays (0.1 and 7.3 ms), uniform weight: onto neuron 2 */
    uint32_t pre_d[] = {0, 0, 1}, post_d[] = {2, 2, 2};
    double wd = 0.25, dd[] = {0.1, 7.3, 0.1};
    rv_values vd[] = {{"weight", &wd, 1}, {"delay", dd, 3}};
    OK(sim, rv_proj_connect(sim, p_d, 3, pre_d, post_d, vd, 2));
    OK(sim, rv_rec_set(sim, pop, "v", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, 15.0));
    /* emission at the first grid point >= t: 1.0 and 3.1 */
    double a0[] = {1.5, 3.6}, w0[] = {1.0, 1.0};
    double a1[] = {1.5, 3.6}, w1[] = {-0.5, 2.0};
    double a2[] = {1.1, 8.3, 3.2}, w2[] = {0.25, 0.25, 0.25};
    int64_t n;
    double *v = trace_of(sim, pop, "v", 0, &n);
    for (int64_t k = 0; k < n; k++)
        CHECK_NEAR(v[k], delta_v(k * DT, a0, w0, 2), 1e-10);
    free(v);
    v = trace_of(sim, pop, "v", 1, &n);
    for (int64_t k = 0; k < n; k++)
        CHECK_NEAR(v[k], delta_v(k * DT, a1, w1, 2), 1e-10);
    free(v);
    v = trace_of(sim, pop, "v", 2, &n);
    for (int64_t k = 0; k < n; k++)
        CHECK_NEAR(v[k], delta_v(k * DT, a2, w2, 3), 1e-10);
    free(v);
    rv_sim_free(sim);
}

/* The largest delay, 65535 steps, arrives exactly. */
static void largest_delay(void)
{
    rv_sim *sim = sim_new(DT, 1);
    double t0 = 0.1;
    int32_t src = ssa_new(sim, &t0, 1);
    int32_t pop = pop_new(sim, "IF_curr_delta", 1);
    connect_one(sim, src, 0, pop, 0, "excitatory", 1.0, RV_MAX_DELAY_STEPS * DT);
    rv_sim_info info;
    OK(sim, rv_sim_run_until(sim, 6553.5));
    OK(sim, rv_sim_get_info(sim, &info));
    CHECK(info.max_delay == RV_MAX_DELAY_STEPS * DT && info.min_delay == info.max_delay);
    CHECK(state_of(sim, pop, 0, "v") == -65.0);
    OK(sim, rv_sim_run_until(sim, 6553.6));
    CHECK_NEAR(state_of(sim, pop, 0, "v"), -64.0, 1e-12);
    rv_sim_free(sim);
}

/* Connections (and even populations) added after a run take part in the
 * next run. */
static void connect_after_run(void)
{
    rv_sim *sim = sim_new(DT, 1);
    double times[] = {1.0, 11.0};
    int32_t src = ssa_new(sim, times, 2);
    int32_t pop = pop_new(sim, "IF_curr_delta", 1);
    int32_t proj;
    OK(sim, rv_proj_create(sim, src, pop, "excitatory", "StaticSynapse", &proj));
    OK(sim, rv_rec_set(sim, pop, "v", NULL, 0, 1));
    OK(sim, rv_sim_run_until(sim, 5.0));
    uint32_t zero = 0;
    double w = 2.0, d = 0.3;
    rv_values v[] = {{"weight", &w, 1}, {"delay", &d, 1}};
    OK(sim, rv_proj_connect(sim, proj, 1, &zero, &zero, v, 2));
    int32_t late = pop_new(sim, "IF_curr_delta", 1);
    connect_one(sim, src, 0, late, 0, "inhibitory", -1.0, 2.0);
    OK(sim, rv_sim_run_until(sim, 20.0));
    int64_t n;
    double *tr = trace_of(sim, pop, "v", 0, &n);
    double a[] = {11.3}, wa[] = {2.0};
    CHECK(n == 201);
    for (int64_t k = 0; k < n; k++)
        CHECK_NEAR(tr[k], delta_v(k * DT, a, wa, 1), 1e-10);
    free(tr);
    CHECK_NEAR(state_of(sim, late, 0, "v"), -65.0 - exp(-(20.0 - 13.0) / 20.0), 1e-10);
    rv_sim_free(sim);
}

/* Compaction merges uniform columns correctly, and rv_proj_memory shows the
 * compact layout: a 4-byte target per synapse plus the row offsets, and 8
 * bytes more per synapse for varied weights, 2 more for varied delays. */
static void memory_and_layout(void)
{
    rv_sim *sim = sim_new(DT, 1);
    const int64_t n_pre = 10;
    int32_t a = pop_new(sim, "IF_curr_exp", n_pre), b = pop_new(sim, "IF_curr_exp", 7);
    uint32_t pre[20], post[20];
    double wv[20], dv[20];
    for (int k = 0; k < 20; k++) {
        pre[k] = (uint32_t)(k % n_pre);
        post[k] = (uint32_t)(k % 7);
        wv[k] = 0.1 * k;
        dv[k] = 0.1 * (1 + k % 3);
    }
    double w = 0.5, d = 1.5;
    int32_t uni, vw, vd;
    OK(sim, rv_proj_create(sim, a, b, "excitatory", "StaticSynapse", &uni));
    OK(sim, rv_proj_create(sim, a, b, "excitatory", "StaticSynapse", &vw));
    OK(sim, rv_proj_create(sim, a, b, "excitatory", "StaticSynapse", &vd));
    rv_values pu[] = {{"weight", &w, 1}, {"delay", &d, 1}};
    rv_values pw[] = {{"weight", wv, 20}, {"delay", &d, 1}};
    rv_values pd[] = {{"weight", &w, 1}, {"delay", dv, 20}};
    OK(sim, rv_proj_connect(sim, uni, 20, pre, post, pu, 2));
    OK(sim, rv_proj_connect(sim, vw, 20, pre, post, pw, 2));
    OK(sim, rv_proj_connect(sim, vd, 20, pre, post, pd, 2));
    OK(sim, rv_sim_run_until(sim, 1.0));  /* compacts */
    /* the source table: per source with targets its index and row offset,
       and the end of the last row */
    int64_t rows = n_pre * (int64_t)(sizeof(uint32_t) + sizeof(int64_t)) + (int64_t)sizeof(int64_t);
    int64_t bytes;
    OK(sim, rv_proj_memory(sim, uni, &bytes));
    CHECK(bytes == rows + 20 * 4);
    OK(sim, rv_proj_memory(sim, vw, &bytes));
    CHECK(bytes == rows + 20 * (4 + 8));
    OK(sim, rv_proj_memory(sim, vd, &bytes));
    CHECK(bytes == rows + 20 * (4 + 2));
    /* a second uniform batch with other values: both batches keep theirs */
    double w2 = 0.75, d2 = 2.5;
    rv_values pu2[] = {{"weight", &w2, 1}, {"delay", &d2, 1}};
    OK(sim, rv_proj_connect(sim, uni, 20, pre, post, pu2, 2));
    OK(sim, rv_sim_run_until(sim, 2.0));
    uint32_t gp[40], gq[40];
    double gw[40], gd[40];
    int64_t n = read_proj(sim, uni, gp, gq, gw, gd, 40);
    CHECK(n == 40);
    for (int64_t k = 0; k < n; k++) {
        /* rows of 4: two targets, each first from the first batch, then
           from the second (rows are sorted by target, then creation) */
        int second = k % 2 == 1;
        CHECK(gp[k] == (uint32_t)(k / 4));
        CHECK(gw[k] == (second ? w2 : w) && gd[k] == (second ? 25 : 15) * DT);
    }
    OK(sim, rv_proj_memory(sim, uni, &bytes));
    CHECK(bytes == rows + 40 * (4 + 8 + 2));
    /* an empty projection costs nothing per synapse */
    int32_t empty;
    OK(sim, rv_proj_create(sim, a, b, "inhibitory", "StaticSynapse", &empty));
    OK(sim, rv_proj_memory(sim, empty, &bytes));
    CHECK(bytes >= 0 && bytes <= rows);
    rv_sim_free(sim);
}

int main(void)
{
    canonical_order();
    large_batches_merge_in_order();
    delays_on_the_grid();
    weight_sign_rule();
    set_with_nan_entries();
    set_delay_moves_delivery();
    delivery_layouts();
    largest_delay();
    connect_after_run();
    memory_and_layout();
    TEST_END();
}
