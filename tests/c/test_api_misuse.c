/*
 * Misuse of every public function.
 *
 * Each bad call must return the status the header's conventions give
 * (RV_ERR_NULL for a NULL required pointer, RV_ERR_HANDLE for an unknown
 * handle, RV_ERR_INDEX for an index out of range, RV_ERR_SIZE for lengths
 * that do not match or are negative, RV_ERR_VALUE for values out of range
 * or not finite, RV_ERR_NAME for unknown names, RV_ERR_PHASE for calls in
 * the wrong phase, RV_ERR_LIMIT past implementation limits), leave a
 * message that names the function, and change nothing.
 *
 * "Changes nothing" is checked twice: directly (values read back after a
 * refused call that mixes good and bad values) and as a whole: simulation A
 * sees every bad call, before, while and after building a network, and B
 * never does; both then run and must agree bit for bit (spike times, v and
 * g traces, current traces, connections, memory, state).
 */
#include "testutil.h"

/* ---- the harness for bad calls ---------------------------------------------- */

/* The call returned `want` and, when there is a simulation, left a message
 * that names the called function (the text of `call` up to its '('). */
static void bad_call(rv_sim *sim, rv_status got, rv_status want, const char *call, int line)
{
    if (got != want) {
        fprintf(stderr, "%s:%d: %s returned %s, expected %s\n", __FILE__, line, call,
                rv_status_name(got), rv_status_name(want));
        test_failures++;
        return;
    }
    if (!sim)
        return;
    char fn[64];
    size_t len = strcspn(call, "(");
    len = len < sizeof fn - 1 ? len : sizeof fn - 1;
    memcpy(fn, call, len);
    fn[len] = '\0';
    const char *msg = rv_sim_errmsg(sim);
    if (!msg || !strstr(msg, fn)) {
        fprintf(stderr, "%s:%d: %s: message \"%s\" does not name %s\n", __FILE__, line, call,
                msg ? msg : "(null)", fn);
        test_failures++;
    }
}

#define BAD(sim, want, call) bad_call((sim), (call), (want), #call, __LINE__)

/* ---- the network both simulations build ------------------------------------------ */

typedef struct net {
    int32_t src, ssa, exc, cond, delta;   /* populations */
    int32_t p_src_exc, p_ssa_cond, p_exc_delta;
    int32_t dc, step, noise;              /* current sources */
} net;

static void build_net(rv_sim *sim, net *n)
{
    n->src = pop_new(sim, "SpikeSourcePoisson", 10);
    n->ssa = pop_new(sim, "SpikeSourceArray", 2);
    n->exc = pop_new(sim, "IF_curr_exp", 4);
    n->cond = pop_new(sim, "IF_cond_exp", 3);
    n->delta = pop_new(sim, "IF_curr_delta", 2);
    set_all(sim, n->src, "rate", 300.0);
    double times[] = {1.0, 5.25, 12.0, 3.0, 20.0};
    int64_t off[] = {0, 3, 5};
    OK(sim, rv_pop_set_spike_times(sim, n->ssa, NULL, 2, off, times));
    OK(sim, rv_proj_create(sim, n->src, n->exc, "excitatory", "StaticSynapse", &n->p_src_exc));
    OK(sim, rv_proj_create(sim, n->ssa, n->cond, "excitatory", "StaticSynapse", &n->p_ssa_cond));
    OK(sim, rv_proj_create(sim, n->exc, n->delta, "inhibitory", "StaticSynapse",
                           &n->p_exc_delta));
    rv_rule fp = {.kind = RV_RULE_FIXED_PROBABILITY, .p = 0.5, .stream = 1};
    rv_param_spec specs[] = {{"weight", RV_DIST_UNIFORM, {0.2, 0.8}, NULL},
                             {"delay", RV_DIST_UNIFORM, {0.5, 2.0}, NULL}};
    OK(sim, rv_proj_connect_rule(sim, n->p_src_exc, &fp, NULL, 0, NULL, 0, specs, 2));
    rv_rule all = {.kind = RV_RULE_ALL_TO_ALL, .allow_self = 1};
    rv_param_spec w = {"weight", RV_DIST_CONSTANT, {0.02}, NULL};
    OK(sim, rv_proj_connect_rule(sim, n->p_ssa_cond, &all, NULL, 0, NULL, 0, &w, 1));
    uint32_t pre[] = {0, 1, 2, 3}, post[] = {0, 1, 0, 1};
    double wi = -1.0, d = 1.0;
    rv_values v[] = {{"weight", &wi, 1}, {"delay", &d, 1}};
    OK(sim, rv_proj_connect(sim, n->p_exc_delta, 4, pre, post, v, 2));
    OK(sim, rv_cs_create(sim, "DCSource", &n->dc));
    OK(sim, rv_cs_create(sim, "StepCurrentSource", &n->step));
    OK(sim, rv_cs_create(sim, "NoisyCurrentSource", &n->noise));
    OK(sim, rv_cs_set(sim, n->dc, "amplitude", 0.9));
    int64_t two[] = {0, 1};
    OK(sim, rv_cs_inject(sim, n->dc, n->exc, two, 2));
    double st[] = {2.0, 8.0}, sa[] = {0.5, 0.1};
    OK(sim, rv_cs_set_steps(sim, n->step, st, sa, 2));
    OK(sim, rv_cs_inject(sim, n->step, n->delta, NULL, 0));
    OK(sim, rv_cs_set(sim, n->noise, "stdev", 0.3));
    OK(sim, rv_cs_inject(sim, n->noise, n->cond, NULL, 0));
    OK(sim, rv_cs_record(sim, n->dc, 1));
    OK(sim, rv_cs_record(sim, n->noise, 1));
    int32_t pops[] = {n->src, n->ssa, n->exc, n->cond, n->delta};
    for (int k = 0; k < 5; k++)
        OK(sim, rv_rec_set(sim, pops[k], "spikes", NULL, 0, 1));
    OK(sim, rv_rec_set(sim, n->exc, "v", NULL, 0, 1));
    OK(sim, rv_rec_set(sim, n->cond, "v", NULL, 0, 1));
    OK(sim, rv_rec_set(sim, n->cond, "gsyn_exc", NULL, 0, 1));
    OK(sim, rv_rec_set(sim, n->delta, "v", NULL, 0, 1));
}

/* ---- bad calls on a simulation that has no objects yet ---------------------------- */

static void misuse_empty(rv_sim *a)
{
    /* timing: values */
    BAD(a, RV_ERR_VALUE, rv_sim_set_timing(a, NAN, 0, 0));
    BAD(a, RV_ERR_VALUE, rv_sim_set_timing(a, INFINITY, 0, 0));
    BAD(a, RV_ERR_VALUE, rv_sim_set_timing(a, -INFINITY, 0, 0));
    BAD(a, RV_ERR_VALUE, rv_sim_set_timing(a, 0.0, 0, 0));
    BAD(a, RV_ERR_VALUE, rv_sim_set_timing(a, -0.1, 0, 0));
    BAD(a, RV_ERR_VALUE, rv_sim_set_timing(a, 1e-9, 0, 0));
    BAD(a, RV_ERR_VALUE, rv_sim_set_timing(a, 1e4, 0, 0));
    BAD(a, RV_ERR_VALUE, rv_sim_set_timing(a, 0.1, NAN, 0));
    BAD(a, RV_ERR_VALUE, rv_sim_set_timing(a, 0.1, INFINITY, 0));
    BAD(a, RV_ERR_VALUE, rv_sim_set_timing(a, 0.1, 0, NAN));
    BAD(a, RV_ERR_VALUE, rv_sim_set_timing(a, 0.1, 0.05, 0));      /* min below dt */
    BAD(a, RV_ERR_VALUE, rv_sim_set_timing(a, 0.1, 1.0, 0.5));     /* max below min */
    BAD(a, RV_ERR_LIMIT, rv_sim_set_timing(a, 0.1, 0, 7000.0));    /* 70000 steps */
    BAD(a, RV_ERR_LIMIT, rv_sim_set_timing(a, 0.1, 0, 1e300));
    BAD(a, RV_ERR_LIMIT, rv_sim_set_timing(a, 0.1, 1e300, 0));
    rv_sim_info info;
    OK(a, rv_sim_get_info(a, &info));
    CHECK(info.dt == 0.1 && info.min_delay == 0 && info.max_delay == 0);
    BAD(a, RV_ERR_NULL, rv_sim_get_info(a, NULL));
    /* running to a bad time (a good one would move the clock) */
    BAD(a, RV_ERR_VALUE, rv_sim_run_until(a, NAN));
    BAD(a, RV_ERR_VALUE, rv_sim_run_until(a, INFINITY));
    BAD(a, RV_ERR_VALUE, rv_sim_run_until(a, -INFINITY));
    BAD(a, RV_ERR_VALUE, rv_sim_run_until(a, -1.0));
    BAD(a, RV_ERR_VALUE, rv_sim_run_until(a, 1e300));
    /* populations */
    int32_t pop = -7;
    BAD(a, RV_ERR_NULL, rv_pop_create(a, NULL, 3, &pop));
    BAD(a, RV_ERR_NULL, rv_pop_create(a, "IF_curr_exp", 3, NULL));
    BAD(a, RV_ERR_NAME, rv_pop_create(a, "IF_curr_nope", 3, &pop));
    BAD(a, RV_ERR_NAME, rv_pop_create(a, "DCSource", 3, &pop));
    BAD(a, RV_ERR_NAME, rv_pop_create(a, "", 3, &pop));
    BAD(a, RV_ERR_VALUE, rv_pop_create(a, "IF_curr_exp", 0, &pop));
    BAD(a, RV_ERR_VALUE, rv_pop_create(a, "IF_curr_exp", -5, &pop));
    BAD(a, RV_ERR_LIMIT, rv_pop_create(a, "IF_curr_exp", (int64_t)UINT32_MAX + 1, &pop));
    BAD(a, RV_ERR_LIMIT, rv_pop_create(a, "IF_curr_exp", INT64_MAX, &pop));
    BAD(a, RV_ERR_LIMIT, rv_pop_create(a, "IF_curr_exp", (int64_t)1e12, &pop));
    CHECK(pop == -7);
    /* handles of objects that do not exist yet */
    rv_pop_info pi;
    BAD(a, RV_ERR_HANDLE, rv_pop_get_info(a, 0, &pi));
    int32_t proj = -7, cs = -7;
    BAD(a, RV_ERR_HANDLE, rv_proj_create(a, 0, 0, "excitatory", "StaticSynapse", &proj));
    int64_t size;
    BAD(a, RV_ERR_HANDLE, rv_proj_size(a, 0, &size));
    BAD(a, RV_ERR_HANDLE, rv_cs_set(a, 0, "amplitude", 1.0));
    /* current sources */
    BAD(a, RV_ERR_NULL, rv_cs_create(a, NULL, &cs));
    BAD(a, RV_ERR_NULL, rv_cs_create(a, "DCSource", NULL));
    BAD(a, RV_ERR_NAME, rv_cs_create(a, "DC", &cs));
    BAD(a, RV_ERR_NAME, rv_cs_create(a, "IF_curr_exp", &cs));
    CHECK(proj == -7 && cs == -7);
    /* random fills (no state at all) */
    double out[4];
    rv_param_spec good = {"x", RV_DIST_NORMAL, {0, 1}, NULL};
    rv_param_spec bad = {"x", RV_DIST_NORMAL, {0, -1}, NULL};
    rv_param_spec nan = {"x", RV_DIST_UNIFORM, {NAN, 1}, NULL};
    rv_param_spec mat = {"x", RV_DIST_MATRIX, {0}, out};
    rv_param_spec unknown = {"x", (rv_dist_kind)42, {0}, NULL};
    BAD(a, RV_ERR_NULL, rv_random_fill(a, NULL, 0, 0, 4, out));
    BAD(a, RV_ERR_NULL, rv_random_fill(a, &good, 0, 0, 4, NULL));
    BAD(a, RV_ERR_SIZE, rv_random_fill(a, &good, 0, 0, -1, out));
    BAD(a, RV_ERR_VALUE, rv_random_fill(a, &bad, 0, 0, 4, out));
    BAD(a, RV_ERR_VALUE, rv_random_fill(a, &nan, 0, 0, 4, out));
    BAD(a, RV_ERR_VALUE, rv_random_fill(a, &mat, 0, 0, 4, out));
    BAD(a, RV_ERR_VALUE, rv_random_fill(a, &unknown, 0, 0, 4, out));
    /* rules over gids that do not exist */
    rv_rule all = {.kind = RV_RULE_ALL_TO_ALL};
    int64_t g[] = {0}, n_out;
    const int64_t *pp, *qp;
    BAD(a, RV_ERR_INDEX, rv_rule_generate(a, &all, g, 1, g, 1, &n_out, &pp, &qp));
    OK(a, rv_sim_get_info(a, &info));
    CHECK(info.n_populations == 0 && info.n_projections == 0 && info.n_current_sources == 0
          && info.step == 0);
}

/* ---- bad calls on a built network ------------------------------------------------- */

/* Handles that name nothing in `a`: negative, one past the end, huge, and
 * one that is valid in `other` (which has more objects). */
static void bad_handles(rv_sim *a, const net *n, int32_t n_pops, int32_t n_projs, int32_t n_cs,
                        int32_t other_handle)
{
    int32_t bad[] = {-1, n_pops, n_projs, n_cs, 1000, INT32_MAX, INT32_MIN, other_handle};
    double x = 1.0, buf[16];
    int64_t i0 = 0, off[] = {0, 0}, cnt[16];
    rv_pop_info pi;
    int32_t out;
    const uint32_t *ix;
    const double *tv;
    uint32_t u[4] = {0};
    rv_rule rule = {.kind = RV_RULE_ALL_TO_ALL};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        int32_t h = bad[k];
        if (h >= 0 && h < n_pops)
            continue;
        BAD(a, RV_ERR_HANDLE, rv_pop_get_info(a, h, &pi));
        BAD(a, RV_ERR_HANDLE, rv_pop_set_param(a, h, "tau_m", NULL, 0, &x, 1));
        BAD(a, RV_ERR_HANDLE, rv_pop_get_param(a, h, "tau_m", NULL, 0, buf));
        BAD(a, RV_ERR_HANDLE, rv_pop_set_initial(a, h, "v", NULL, 0, &x, 1));
        BAD(a, RV_ERR_HANDLE, rv_pop_get_initial(a, h, "v", NULL, 0, buf));
        BAD(a, RV_ERR_HANDLE, rv_pop_get_state(a, h, "v", NULL, 0, buf));
        BAD(a, RV_ERR_HANDLE, rv_pop_set_spike_times(a, h, &i0, 1, off, &x));
        BAD(a, RV_ERR_HANDLE, rv_pop_get_spike_times(a, h, 0, buf, 16, cnt));
        BAD(a, RV_ERR_HANDLE, rv_proj_create(a, h, n->exc, "excitatory", "StaticSynapse", &out));
        BAD(a, RV_ERR_HANDLE, rv_proj_create(a, n->src, h, "excitatory", "StaticSynapse", &out));
        BAD(a, RV_ERR_HANDLE, rv_cs_inject(a, n->dc, h, NULL, 0));
        BAD(a, RV_ERR_HANDLE, rv_rec_set(a, h, "spikes", NULL, 0, 1));
        BAD(a, RV_ERR_HANDLE, rv_rec_set_interval(a, h, 1.0));
        BAD(a, RV_ERR_HANDLE, rv_rec_get_spikes(a, h, cnt, &ix, &tv));
        BAD(a, RV_ERR_HANDLE, rv_rec_spike_counts(a, h, NULL, 0, cnt));
        BAD(a, RV_ERR_HANDLE, rv_rec_get_signal_info(a, h, "v", cnt, buf, buf + 1));
        BAD(a, RV_ERR_HANDLE, rv_rec_get_signal(a, h, "v", NULL, 0, buf));
        BAD(a, RV_ERR_HANDLE, rv_rec_clear(a, h));
    }
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        int32_t h = bad[k];
        if (h >= 0 && h < n_projs)
            continue;
        BAD(a, RV_ERR_HANDLE, rv_proj_connect(a, h, 1, u, u, NULL, 0));
        BAD(a, RV_ERR_HANDLE, rv_proj_size(a, h, cnt));
        BAD(a, RV_ERR_HANDLE, rv_proj_get_pairs(a, h, u, u));
        BAD(a, RV_ERR_HANDLE, rv_proj_get(a, h, "weight", buf));
        BAD(a, RV_ERR_HANDLE, rv_proj_set(a, h, "weight", &x, 1));
        BAD(a, RV_ERR_HANDLE, rv_proj_memory(a, h, cnt));
        BAD(a, RV_ERR_HANDLE, rv_proj_connect_rule(a, h, &rule, NULL, 0, NULL, 0, NULL, 0));
    }
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        int32_t h = bad[k];
        if (h >= 0 && h < n_cs)
            continue;
        BAD(a, RV_ERR_HANDLE, rv_cs_set(a, h, "amplitude", 1.0));
        BAD(a, RV_ERR_HANDLE, rv_cs_get(a, h, "amplitude", buf));
        BAD(a, RV_ERR_HANDLE, rv_cs_set_steps(a, h, &x, &x, 1));
        BAD(a, RV_ERR_HANDLE, rv_cs_get_steps(a, h, buf, buf + 1, 1, cnt));
        BAD(a, RV_ERR_HANDLE, rv_cs_inject(a, h, n->exc, NULL, 0));
        BAD(a, RV_ERR_HANDLE, rv_cs_record(a, h, 1));
        BAD(a, RV_ERR_HANDLE, rv_cs_get_trace(a, h, &tv, cnt));
    }
}

static void misuse_params(rv_sim *a, const net *n)
{
    double x = 1.0, buf[8];
    int64_t idx_out[] = {0, 4}, idx_neg[] = {-1}, idx3[] = {0, 1, 2};
    BAD(a, RV_ERR_NULL, rv_pop_get_info(a, n->exc, NULL));
    /* rv_pop_set_param: pointers, indices, sizes, names, values */
    BAD(a, RV_ERR_NULL, rv_pop_set_param(a, n->exc, NULL, NULL, 0, &x, 1));
    BAD(a, RV_ERR_NULL, rv_pop_set_param(a, n->exc, "tau_m", NULL, 0, NULL, 1));
    BAD(a, RV_ERR_INDEX, rv_pop_set_param(a, n->exc, "tau_m", idx_out, 2, &x, 1));
    BAD(a, RV_ERR_INDEX, rv_pop_set_param(a, n->exc, "tau_m", idx_neg, 1, &x, 1));
    BAD(a, RV_ERR_SIZE, rv_pop_set_param(a, n->exc, "tau_m", idx3, -1, &x, 1));
    BAD(a, RV_ERR_SIZE, rv_pop_set_param(a, n->exc, "tau_m", NULL, 0, buf, 0));
    BAD(a, RV_ERR_SIZE, rv_pop_set_param(a, n->exc, "tau_m", NULL, 0, buf, 2));
    BAD(a, RV_ERR_SIZE, rv_pop_set_param(a, n->exc, "tau_m", NULL, 0, buf, -1));
    BAD(a, RV_ERR_SIZE, rv_pop_set_param(a, n->exc, "tau_m", idx3, 3, buf, 2));
    BAD(a, RV_ERR_NAME, rv_pop_set_param(a, n->exc, "tau", NULL, 0, &x, 1));
    BAD(a, RV_ERR_NAME, rv_pop_set_param(a, n->exc, "v", NULL, 0, &x, 1));
    BAD(a, RV_ERR_NAME, rv_pop_set_param(a, n->exc, "e_rev_E", NULL, 0, &x, 1));
    BAD(a, RV_ERR_NAME, rv_pop_set_param(a, n->ssa, "rate", NULL, 0, &x, 1));
    struct {
        int32_t pop;
        const char *name;
        double value;
    } bad_values[] = {
        {n->exc, "v_rest", NAN},      {n->exc, "v_rest", INFINITY}, {n->exc, "v_rest", -INFINITY},
        {n->exc, "cm", 0.0},          {n->exc, "cm", -1.0},         {n->exc, "cm", NAN},
        {n->exc, "cm", INFINITY},     {n->exc, "tau_m", 0.0},       {n->exc, "tau_refrac", -0.1},
        {n->exc, "tau_refrac", INFINITY}, {n->exc, "tau_syn_E", -5.0}, {n->exc, "i_offset", NAN},
        {n->exc, "v_thresh", -INFINITY}, {n->cond, "e_rev_E", NAN},  {n->cond, "tau_syn_I", 0.0},
        {n->delta, "v_reset", INFINITY}, {n->src, "rate", -1.0},     {n->src, "rate", NAN},
        {n->src, "rate", INFINITY},   {n->src, "start", -1.0},      {n->src, "start", INFINITY},
        {n->src, "duration", NAN},    {n->src, "duration", -1.0},
    };
    for (size_t k = 0; k < sizeof bad_values / sizeof bad_values[0]; k++) {
        BAD(a, RV_ERR_VALUE, rv_pop_set_param(a, bad_values[k].pop, bad_values[k].name, NULL, 0,
                                              &bad_values[k].value, 1));
        CHECK(strstr(rv_sim_errmsg(a), bad_values[k].name) != NULL);
    }
    /* one bad value among good ones: none is written */
    double mixed[] = {10.0, 12.0, -1.0, 15.0};
    BAD(a, RV_ERR_VALUE, rv_pop_set_param(a, n->exc, "tau_m", NULL, 0, mixed, 4));
    OK(a, rv_pop_get_param(a, n->exc, "tau_m", NULL, 0, buf));
    for (int k = 0; k < 4; k++)
        CHECK(buf[k] == 20.0);
    /* rv_pop_get_param */
    BAD(a, RV_ERR_NULL, rv_pop_get_param(a, n->exc, NULL, NULL, 0, buf));
    BAD(a, RV_ERR_NULL, rv_pop_get_param(a, n->exc, "tau_m", NULL, 0, NULL));
    BAD(a, RV_ERR_INDEX, rv_pop_get_param(a, n->exc, "tau_m", idx_out, 2, buf));
    BAD(a, RV_ERR_SIZE, rv_pop_get_param(a, n->exc, "tau_m", idx3, -2, buf));
    BAD(a, RV_ERR_NAME, rv_pop_get_param(a, n->exc, "nope", NULL, 0, buf));
    /* initial values and state */
    double v_mixed[] = {-60.0, NAN, -61.0, -62.0};
    BAD(a, RV_ERR_NULL, rv_pop_set_initial(a, n->exc, NULL, NULL, 0, &x, 1));
    BAD(a, RV_ERR_NULL, rv_pop_set_initial(a, n->exc, "v", NULL, 0, NULL, 1));
    BAD(a, RV_ERR_NAME, rv_pop_set_initial(a, n->exc, "tau_m", NULL, 0, &x, 1));
    BAD(a, RV_ERR_NAME, rv_pop_set_initial(a, n->exc, "gsyn_exc", NULL, 0, &x, 1));
    BAD(a, RV_ERR_NAME, rv_pop_set_initial(a, n->src, "v", NULL, 0, &x, 1));
    BAD(a, RV_ERR_INDEX, rv_pop_set_initial(a, n->exc, "v", idx_out, 2, &x, 1));
    BAD(a, RV_ERR_SIZE, rv_pop_set_initial(a, n->exc, "v", NULL, 0, v_mixed, 3));
    BAD(a, RV_ERR_VALUE, rv_pop_set_initial(a, n->exc, "v", NULL, 0, v_mixed, 4));
    double inf = INFINITY;
    BAD(a, RV_ERR_VALUE, rv_pop_set_initial(a, n->exc, "isyn_exc", NULL, 0, &inf, 1));
    OK(a, rv_pop_get_initial(a, n->exc, "v", NULL, 0, buf));
    for (int k = 0; k < 4; k++)
        CHECK(buf[k] == -65.0);
    OK(a, rv_pop_get_state(a, n->exc, "v", NULL, 0, buf));
    for (int k = 0; k < 4; k++)
        CHECK(buf[k] == -65.0);
    BAD(a, RV_ERR_NULL, rv_pop_get_initial(a, n->exc, NULL, NULL, 0, buf));
    BAD(a, RV_ERR_NULL, rv_pop_get_initial(a, n->exc, "v", NULL, 0, NULL));
    BAD(a, RV_ERR_NAME, rv_pop_get_initial(a, n->exc, "nope", NULL, 0, buf));
    BAD(a, RV_ERR_INDEX, rv_pop_get_initial(a, n->exc, "v", idx_neg, 1, buf));
    BAD(a, RV_ERR_NULL, rv_pop_get_state(a, n->exc, NULL, NULL, 0, buf));
    BAD(a, RV_ERR_NULL, rv_pop_get_state(a, n->exc, "v", NULL, 0, NULL));
    BAD(a, RV_ERR_NAME, rv_pop_get_state(a, n->exc, "nope", NULL, 0, buf));
    BAD(a, RV_ERR_INDEX, rv_pop_get_state(a, n->exc, "v", idx_out, 2, buf));
    BAD(a, RV_ERR_SIZE, rv_pop_get_state(a, n->exc, "v", idx3, -1, buf));
}

static void misuse_spike_times(rv_sim *a, const net *n)
{
    double t[] = {1.0, 2.0, 3.0}, buf[8];
    int64_t off[] = {0, 1, 3}, i0 = 0, i2 = 2, cnt;
    int64_t off_bad0[] = {1, 2, 3}, off_down[] = {0, 2, 1};
    BAD(a, RV_ERR_NAME, rv_pop_set_spike_times(a, n->exc, NULL, 4, off, t));
    BAD(a, RV_ERR_NAME, rv_pop_set_spike_times(a, n->src, NULL, 10, off, t));
    BAD(a, RV_ERR_NULL, rv_pop_set_spike_times(a, n->ssa, NULL, 2, NULL, t));
    BAD(a, RV_ERR_SIZE, rv_pop_set_spike_times(a, n->ssa, NULL, 1, off, t));
    BAD(a, RV_ERR_SIZE, rv_pop_set_spike_times(a, n->ssa, &i0, -1, off, t));
    BAD(a, RV_ERR_INDEX, rv_pop_set_spike_times(a, n->ssa, &i2, 1, off, t));
    BAD(a, RV_ERR_VALUE, rv_pop_set_spike_times(a, n->ssa, NULL, 2, off_bad0, t));
    BAD(a, RV_ERR_VALUE, rv_pop_set_spike_times(a, n->ssa, NULL, 2, off_down, t));
    BAD(a, RV_ERR_NULL, rv_pop_set_spike_times(a, n->ssa, NULL, 2, off, NULL));
    double t_nan[] = {1.0, NAN, 3.0}, t_inf[] = {1.0, 2.0, INFINITY}, t_neg[] = {-1.0, 2.0, 3.0},
           t_down[] = {1.0, 3.0, 2.0};
    BAD(a, RV_ERR_VALUE, rv_pop_set_spike_times(a, n->ssa, NULL, 2, off, t_nan));
    BAD(a, RV_ERR_VALUE, rv_pop_set_spike_times(a, n->ssa, NULL, 2, off, t_inf));
    BAD(a, RV_ERR_VALUE, rv_pop_set_spike_times(a, n->ssa, NULL, 2, off, t_neg));
    BAD(a, RV_ERR_VALUE, rv_pop_set_spike_times(a, n->ssa, NULL, 2, off, t_down));
    /* neuron 0's list was good, neuron 1's not: neither changed */
    OK(a, rv_pop_get_spike_times(a, n->ssa, 0, buf, 8, &cnt));
    CHECK(cnt == 3 && buf[0] == 1.0 && buf[1] == 5.25 && buf[2] == 12.0);
    OK(a, rv_pop_get_spike_times(a, n->ssa, 1, buf, 8, &cnt));
    CHECK(cnt == 2 && buf[0] == 3.0 && buf[1] == 20.0);
    BAD(a, RV_ERR_NAME, rv_pop_get_spike_times(a, n->exc, 0, buf, 8, &cnt));
    BAD(a, RV_ERR_NULL, rv_pop_get_spike_times(a, n->ssa, 0, buf, 8, NULL));
    BAD(a, RV_ERR_NULL, rv_pop_get_spike_times(a, n->ssa, 0, NULL, 8, &cnt));
    BAD(a, RV_ERR_INDEX, rv_pop_get_spike_times(a, n->ssa, -1, buf, 8, &cnt));
    BAD(a, RV_ERR_INDEX, rv_pop_get_spike_times(a, n->ssa, 2, buf, 8, &cnt));
    BAD(a, RV_ERR_SIZE, rv_pop_get_spike_times(a, n->ssa, 0, buf, -1, &cnt));
}

static int64_t size_of(rv_sim *sim, int32_t proj)
{
    int64_t n = -1;
    OK(sim, rv_proj_size(sim, proj, &n));
    return n;
}

static void misuse_projections(rv_sim *a, const net *n)
{
    int32_t out = -7;
    rv_sim_info before, after;
    OK(a, rv_sim_get_info(a, &before));
    BAD(a, RV_ERR_NULL, rv_proj_create(a, n->src, n->exc, NULL, "StaticSynapse", &out));
    BAD(a, RV_ERR_NULL, rv_proj_create(a, n->src, n->exc, "excitatory", NULL, &out));
    BAD(a, RV_ERR_NULL, rv_proj_create(a, n->src, n->exc, "excitatory", "StaticSynapse", NULL));
    BAD(a, RV_ERR_NAME, rv_proj_create(a, n->src, n->exc, "gaba", "StaticSynapse", &out));
    BAD(a, RV_ERR_NAME, rv_proj_create(a, n->exc, n->src, "excitatory", "StaticSynapse", &out));
    BAD(a, RV_ERR_NAME, rv_proj_create(a, n->exc, n->ssa, "excitatory", "StaticSynapse", &out));
    BAD(a, RV_ERR_NAME, rv_proj_create(a, n->src, n->exc, "excitatory", "Nope", &out));
    BAD(a, RV_ERR_NAME, rv_proj_create(a, n->src, n->exc, "excitatory", "staticsynapse", &out));
    OK(a, rv_sim_get_info(a, &after));
    CHECK(out == -7 && after.n_projections == before.n_projections);

    /* rv_proj_connect on exc -> delta (4 connections) */
    int32_t p = n->p_exc_delta;
    uint32_t pre[] = {0, 1, 2}, post[] = {0, 1, 0}, pre_bad[] = {0, 1, 4},
             post_bad[] = {0, 2, 1}, huge[] = {UINT32_MAX, 0, 0};
    double w3[] = {1, 2, 3}, w_nan[] = {1, NAN, 3}, w_inf[] = {1, 2, INFINITY};
    double d_nan[] = {1, 1, NAN}, d_zero[] = {1, 0.0, 1}, d_small[] = {0.04, 1, 1},
           d_big[] = {1, 6553.6, 1}, d_neg[] = {-1, 1, 1}, d_inf[] = {1, INFINITY, 1};
    rv_values vw = {"weight", w3, 3};
    BAD(a, RV_ERR_SIZE, rv_proj_connect(a, p, -1, pre, post, NULL, 0));
    BAD(a, RV_ERR_NULL, rv_proj_connect(a, p, 3, NULL, post, NULL, 0));
    BAD(a, RV_ERR_NULL, rv_proj_connect(a, p, 3, pre, NULL, NULL, 0));
    BAD(a, RV_ERR_INDEX, rv_proj_connect(a, p, 3, pre_bad, post, &vw, 1));
    BAD(a, RV_ERR_INDEX, rv_proj_connect(a, p, 3, pre, post_bad, &vw, 1));
    BAD(a, RV_ERR_INDEX, rv_proj_connect(a, p, 3, huge, post, &vw, 1));
    BAD(a, RV_ERR_SIZE, rv_proj_connect(a, p, 3, pre, post, &vw, -1));
    BAD(a, RV_ERR_NULL, rv_proj_connect(a, p, 3, pre, post, NULL, 1));
    rv_values no_name = {NULL, w3, 3}, no_data = {"weight", NULL, 3}, two = {"weight", w3, 2},
              zero = {"weight", w3, 0}, neg = {"weight", w3, -1}, tau = {"tau_rec", w3, 3},
              u = {"U", w3, 1};
    BAD(a, RV_ERR_NULL, rv_proj_connect(a, p, 3, pre, post, &no_name, 1));
    BAD(a, RV_ERR_NULL, rv_proj_connect(a, p, 3, pre, post, &no_data, 1));
    BAD(a, RV_ERR_SIZE, rv_proj_connect(a, p, 3, pre, post, &two, 1));
    BAD(a, RV_ERR_SIZE, rv_proj_connect(a, p, 3, pre, post, &zero, 1));
    BAD(a, RV_ERR_SIZE, rv_proj_connect(a, p, 3, pre, post, &neg, 1));
    BAD(a, RV_ERR_NAME, rv_proj_connect(a, p, 3, pre, post, &tau, 1));
    BAD(a, RV_ERR_NAME, rv_proj_connect(a, p, 3, pre, post, &u, 1));
    const double *bad_w[] = {w_nan, w_inf};
    for (int k = 0; k < 2; k++) {
        rv_values v = {"weight", bad_w[k], 3};
        BAD(a, RV_ERR_VALUE, rv_proj_connect(a, p, 3, pre, post, &v, 1));
        CHECK(strstr(rv_sim_errmsg(a), "weight") != NULL);
    }
    const double *bad_d[] = {d_nan, d_zero, d_small, d_big, d_neg, d_inf};
    for (int k = 0; k < 6; k++) {
        rv_values v[] = {{"weight", w3, 3}, {"delay", bad_d[k], 3}};
        BAD(a, RV_ERR_VALUE, rv_proj_connect(a, p, 3, pre, post, v, 2));
        CHECK(strstr(rv_sim_errmsg(a), "delay") != NULL);
    }
    /* conductances must be >= 0 */
    double w_neg = -0.01;
    rv_values vn = {"weight", &w_neg, 1};
    uint32_t zero_idx = 0;
    BAD(a, RV_ERR_VALUE, rv_proj_connect(a, n->p_ssa_cond, 1, &zero_idx, &zero_idx, &vn, 1));
    CHECK(size_of(a, p) == 4 && size_of(a, n->p_ssa_cond) == 6);

    /* size, pairs, get, set, memory */
    uint32_t gp[8], gq[8];
    double buf[8], one = 1.0;
    BAD(a, RV_ERR_NULL, rv_proj_size(a, p, NULL));
    BAD(a, RV_ERR_NULL, rv_proj_get_pairs(a, p, NULL, gq));
    BAD(a, RV_ERR_NULL, rv_proj_get_pairs(a, p, gp, NULL));
    BAD(a, RV_ERR_NULL, rv_proj_get(a, p, NULL, buf));
    BAD(a, RV_ERR_NULL, rv_proj_get(a, p, "weight", NULL));
    BAD(a, RV_ERR_NAME, rv_proj_get(a, p, "tau_rec", buf));
    BAD(a, RV_ERR_NULL, rv_proj_set(a, p, NULL, &one, 1));
    BAD(a, RV_ERR_NULL, rv_proj_set(a, p, "weight", NULL, 1));
    BAD(a, RV_ERR_SIZE, rv_proj_set(a, p, "weight", w3, 2));
    BAD(a, RV_ERR_SIZE, rv_proj_set(a, p, "weight", w3, 0));
    BAD(a, RV_ERR_SIZE, rv_proj_set(a, p, "weight", w3, -4));
    BAD(a, RV_ERR_NAME, rv_proj_set(a, p, "tau_rec", &one, 1));
    double set_w[] = {-1, -2, INFINITY, -4}, set_d[] = {1.0, 2.0, 0.0, 3.0};
    double bad_scalars[] = {INFINITY, -INFINITY};
    for (int k = 0; k < 2; k++)
        BAD(a, RV_ERR_VALUE, rv_proj_set(a, p, "weight", &bad_scalars[k], 1));
    double bad_delays[] = {0.0, 0.04, -1.0, INFINITY, -INFINITY, 6553.6};
    for (int k = 0; k < 6; k++)
        BAD(a, RV_ERR_VALUE, rv_proj_set(a, p, "delay", &bad_delays[k], 1));
    BAD(a, RV_ERR_VALUE, rv_proj_set(a, p, "weight", set_w, 4));
    BAD(a, RV_ERR_VALUE, rv_proj_set(a, p, "delay", set_d, 4));
    BAD(a, RV_ERR_VALUE, rv_proj_set(a, n->p_ssa_cond, "weight", &w_neg, 1));
    OK(a, rv_proj_get(a, p, "weight", buf));
    for (int k = 0; k < 4; k++)
        CHECK(buf[k] == -1.0);
    OK(a, rv_proj_get(a, p, "delay", buf));
    for (int k = 0; k < 4; k++)
        CHECK(buf[k] == 10 * 0.1);
    BAD(a, RV_ERR_NULL, rv_proj_memory(a, p, NULL));
}

static void misuse_rules(rv_sim *a, const net *n)
{
    int32_t p = n->p_src_exc;
    int64_t size0 = size_of(a, p), size1 = size_of(a, n->p_ssa_cond);
    rv_rule all = {.kind = RV_RULE_ALL_TO_ALL, .allow_self = 1};
    rv_rule bad_rules[] = {
        {.kind = (rv_rule_kind)99},
        {.kind = (rv_rule_kind)-1},
        {.kind = RV_RULE_FIXED_PROBABILITY, .p = NAN},
        {.kind = RV_RULE_FIXED_PROBABILITY, .p = -0.1},
        {.kind = RV_RULE_FIXED_PROBABILITY, .p = 1.1},
        {.kind = RV_RULE_FIXED_PROBABILITY, .p = INFINITY},
        {.kind = RV_RULE_FIXED_NUMBER_PRE, .n = -1},
        {.kind = RV_RULE_FIXED_NUMBER_POST, .n = -1},
        {.kind = RV_RULE_FIXED_TOTAL_NUMBER, .n = -1},
    };
    for (size_t k = 0; k < sizeof bad_rules / sizeof bad_rules[0]; k++)
        BAD(a, RV_ERR_VALUE,
            rv_proj_connect_rule(a, p, &bad_rules[k], NULL, 0, NULL, 0, NULL, 0));
    rv_rule too_many = {.kind = RV_RULE_FIXED_NUMBER_PRE, .n = INT64_MAX};
    BAD(a, RV_ERR_LIMIT, rv_proj_connect_rule(a, p, &too_many, NULL, 0, NULL, 0, NULL, 0));
    BAD(a, RV_ERR_NULL, rv_proj_connect_rule(a, p, NULL, NULL, 0, NULL, 0, NULL, 0));
    rv_param_spec w = {"weight", RV_DIST_CONSTANT, {0.1}, NULL};
    BAD(a, RV_ERR_SIZE, rv_proj_connect_rule(a, p, &all, NULL, 0, NULL, 0, &w, -1));
    BAD(a, RV_ERR_NULL, rv_proj_connect_rule(a, p, &all, NULL, 0, NULL, 0, NULL, 1));
    BAD(a, RV_ERR_VALUE, rv_proj_connect_rule(a, p, &all, NULL, 0, NULL, 0, &w, 100));
    rv_param_spec unnamed = {NULL, RV_DIST_CONSTANT, {0.1}, NULL},
                  unknown = {"U", RV_DIST_CONSTANT, {0.1}, NULL},
                  bad_dist = {"weight", RV_DIST_UNIFORM, {1, 0}, NULL},
                  no_matrix = {"weight", RV_DIST_MATRIX, {0}, NULL},
                  twice[] = {{"delay", RV_DIST_CONSTANT, {1}, NULL},
                             {"delay", RV_DIST_CONSTANT, {2}, NULL}};
    BAD(a, RV_ERR_NULL, rv_proj_connect_rule(a, p, &all, NULL, 0, NULL, 0, &unnamed, 1));
    BAD(a, RV_ERR_NAME, rv_proj_connect_rule(a, p, &all, NULL, 0, NULL, 0, &unknown, 1));
    BAD(a, RV_ERR_VALUE, rv_proj_connect_rule(a, p, &all, NULL, 0, NULL, 0, &bad_dist, 1));
    BAD(a, RV_ERR_VALUE, rv_proj_connect_rule(a, p, &all, NULL, 0, NULL, 0, &no_matrix, 1));
    BAD(a, RV_ERR_VALUE, rv_proj_connect_rule(a, p, &all, NULL, 0, NULL, 0, twice, 2));
    /* index lists */
    int64_t pre_bad[] = {0, 10}, post_bad[] = {4}, pre3[] = {0, 1, 2}, post2[] = {0, 1};
    BAD(a, RV_ERR_INDEX, rv_proj_connect_rule(a, p, &all, pre_bad, 2, NULL, 0, NULL, 0));
    BAD(a, RV_ERR_INDEX, rv_proj_connect_rule(a, p, &all, NULL, 0, post_bad, 1, NULL, 0));
    BAD(a, RV_ERR_SIZE, rv_proj_connect_rule(a, p, &all, pre3, -1, NULL, 0, NULL, 0));
    BAD(a, RV_ERR_SIZE, rv_proj_connect_rule(a, p, &all, NULL, 0, post2, -3, NULL, 0));
    rv_rule o2o = {.kind = RV_RULE_ONE_TO_ONE};
    BAD(a, RV_ERR_SIZE, rv_proj_connect_rule(a, p, &o2o, pre3, 3, post2, 2, NULL, 0));
    /* found bad only while drawing: delays below half a step, negative
       conductances, no candidates, more pairs than exist */
    rv_param_spec short_delay = {"delay", RV_DIST_UNIFORM, {0.0, 0.3}, NULL};
    BAD(a, RV_ERR_VALUE, rv_proj_connect_rule(a, p, &all, NULL, 0, NULL, 0, &short_delay, 1));
    rv_param_spec signed_w = {"weight", RV_DIST_NORMAL, {0, 1}, NULL};
    BAD(a, RV_ERR_VALUE,
        rv_proj_connect_rule(a, n->p_ssa_cond, &all, NULL, 0, NULL, 0, &signed_w, 1));
    rv_rule fixed = {.kind = RV_RULE_FIXED_NUMBER_PRE, .n = 2};
    BAD(a, RV_ERR_VALUE, rv_proj_connect_rule(a, p, &fixed, pre3, 0, NULL, 0, NULL, 0));
    rv_rule total = {.kind = RV_RULE_FIXED_TOTAL_NUMBER, .n = 41};
    BAD(a, RV_ERR_VALUE, rv_proj_connect_rule(a, p, &total, NULL, 0, NULL, 0, NULL, 0));
    CHECK(size_of(a, p) == size0 && size_of(a, n->p_ssa_cond) == size1);

    /* rv_rule_generate */
    int64_t g[] = {0, 1, 2}, g_bad[] = {0, 1, 21}, g_neg[] = {-1}, n_out;
    const int64_t *pp, *qp;
    BAD(a, RV_ERR_NULL, rv_rule_generate(a, NULL, g, 3, g, 3, &n_out, &pp, &qp));
    BAD(a, RV_ERR_NULL, rv_rule_generate(a, &all, NULL, 3, g, 3, &n_out, &pp, &qp));
    BAD(a, RV_ERR_NULL, rv_rule_generate(a, &all, g, 3, NULL, 3, &n_out, &pp, &qp));
    BAD(a, RV_ERR_NULL, rv_rule_generate(a, &all, g, 3, g, 3, NULL, &pp, &qp));
    BAD(a, RV_ERR_NULL, rv_rule_generate(a, &all, g, 3, g, 3, &n_out, NULL, &qp));
    BAD(a, RV_ERR_NULL, rv_rule_generate(a, &all, g, 3, g, 3, &n_out, &pp, NULL));
    BAD(a, RV_ERR_SIZE, rv_rule_generate(a, &all, g, -1, g, 3, &n_out, &pp, &qp));
    BAD(a, RV_ERR_SIZE, rv_rule_generate(a, &all, g, 3, g, -1, &n_out, &pp, &qp));
    BAD(a, RV_ERR_INDEX, rv_rule_generate(a, &all, g_bad, 3, g, 3, &n_out, &pp, &qp));
    BAD(a, RV_ERR_INDEX, rv_rule_generate(a, &all, g, 3, g_neg, 1, &n_out, &pp, &qp));
    BAD(a, RV_ERR_VALUE, rv_rule_generate(a, &bad_rules[3], g, 3, g, 3, &n_out, &pp, &qp));
    BAD(a, RV_ERR_SIZE, rv_rule_generate(a, &o2o, g, 3, g, 2, &n_out, &pp, &qp));
}

static void misuse_sources(rv_sim *a, const net *n)
{
    double x, buf[8];
    int64_t cnt;
    BAD(a, RV_ERR_NULL, rv_cs_set(a, n->dc, NULL, 1.0));
    const char *not_dc[] = {"frequency", "offset", "phase", "mean", "stdev", "dt", "times", "x"};
    for (int k = 0; k < 8; k++)
        BAD(a, RV_ERR_NAME, rv_cs_set(a, n->dc, not_dc[k], 1.0));
    BAD(a, RV_ERR_NAME, rv_cs_set(a, n->step, "amplitude", 1.0));
    BAD(a, RV_ERR_NAME, rv_cs_set(a, n->step, "times", 1.0));
    BAD(a, RV_ERR_NAME, rv_cs_set(a, n->step, "start", 1.0));
    BAD(a, RV_ERR_NAME, rv_cs_set(a, n->noise, "amplitude", 1.0));
    double bad_amp[] = {NAN, INFINITY, -INFINITY};
    for (int k = 0; k < 3; k++)
        BAD(a, RV_ERR_VALUE, rv_cs_set(a, n->dc, "amplitude", bad_amp[k]));
    double bad_time[] = {NAN, -1.0, -INFINITY};
    for (int k = 0; k < 3; k++) {
        BAD(a, RV_ERR_VALUE, rv_cs_set(a, n->dc, "start", bad_time[k]));
        BAD(a, RV_ERR_VALUE, rv_cs_set(a, n->noise, "stop", bad_time[k]));
    }
    BAD(a, RV_ERR_VALUE, rv_cs_set(a, n->noise, "stdev", -0.1));
    BAD(a, RV_ERR_VALUE, rv_cs_set(a, n->noise, "mean", NAN));
    double bad_dt[] = {0.0, -0.1, 0.15, NAN, INFINITY, 0.05};
    for (int k = 0; k < 6; k++)
        BAD(a, RV_ERR_VALUE, rv_cs_set(a, n->noise, "dt", bad_dt[k]));
    OK(a, rv_cs_get(a, n->dc, "amplitude", &x));
    CHECK(x == 0.9);
    OK(a, rv_cs_get(a, n->dc, "start", &x));
    CHECK(x == 0.0);
    OK(a, rv_cs_get(a, n->noise, "stdev", &x));
    CHECK(x == 0.3);
    OK(a, rv_cs_get(a, n->noise, "dt", &x));
    CHECK(x == 0.1);
    BAD(a, RV_ERR_NULL, rv_cs_get(a, n->dc, NULL, &x));
    BAD(a, RV_ERR_NULL, rv_cs_get(a, n->dc, "amplitude", NULL));
    BAD(a, RV_ERR_NAME, rv_cs_get(a, n->dc, "mean", &x));
    /* steps */
    double t1[] = {1.0}, a1[] = {1.0};
    BAD(a, RV_ERR_NAME, rv_cs_set_steps(a, n->dc, t1, a1, 1));
    BAD(a, RV_ERR_SIZE, rv_cs_set_steps(a, n->step, t1, a1, -1));
    BAD(a, RV_ERR_NULL, rv_cs_set_steps(a, n->step, NULL, a1, 1));
    BAD(a, RV_ERR_NULL, rv_cs_set_steps(a, n->step, t1, NULL, 1));
    double bt[][2] = {{-1, 1}, {NAN, 1}, {1, INFINITY}, {1, 1}, {2, 1}, {1, 1e300}};
    double ba[][2] = {{NAN, 1}, {1, INFINITY}};
    double good_t[] = {1.0, 2.0}, good_a[] = {1.0, 2.0};
    for (int k = 0; k < 6; k++)
        BAD(a, RV_ERR_VALUE, rv_cs_set_steps(a, n->step, bt[k], good_a, 2));
    for (int k = 0; k < 2; k++)
        BAD(a, RV_ERR_VALUE, rv_cs_set_steps(a, n->step, good_t, ba[k], 2));
    double gt[4], ga[4];
    OK(a, rv_cs_get_steps(a, n->step, gt, ga, 4, &cnt));
    CHECK(cnt == 2 && gt[0] == 20 * 0.1 && gt[1] == 80 * 0.1 && ga[0] == 0.5 && ga[1] == 0.1);
    BAD(a, RV_ERR_NAME, rv_cs_get_steps(a, n->noise, gt, ga, 4, &cnt));
    BAD(a, RV_ERR_NULL, rv_cs_get_steps(a, n->step, gt, ga, 4, NULL));
    BAD(a, RV_ERR_NULL, rv_cs_get_steps(a, n->step, NULL, ga, 4, &cnt));
    BAD(a, RV_ERR_NULL, rv_cs_get_steps(a, n->step, gt, NULL, 4, &cnt));
    BAD(a, RV_ERR_SIZE, rv_cs_get_steps(a, n->step, gt, ga, -1, &cnt));
    /* injection */
    int64_t idx_bad[] = {0, 4}, idx_ok[] = {2};
    BAD(a, RV_ERR_VALUE, rv_cs_inject(a, n->dc, n->src, NULL, 0));
    BAD(a, RV_ERR_VALUE, rv_cs_inject(a, n->dc, n->ssa, NULL, 0));
    BAD(a, RV_ERR_INDEX, rv_cs_inject(a, n->dc, n->exc, idx_bad, 2));
    BAD(a, RV_ERR_SIZE, rv_cs_inject(a, n->dc, n->exc, idx_ok, -1));
    /* traces */
    const double *tv;
    BAD(a, RV_ERR_NULL, rv_cs_get_trace(a, n->dc, NULL, &cnt));
    BAD(a, RV_ERR_NULL, rv_cs_get_trace(a, n->dc, &tv, NULL));
    (void)buf;
}

static void misuse_recording(rv_sim *a, const net *n)
{
    int64_t idx_bad[] = {4}, idx_ok[] = {0}, cnt, counts[4];
    const uint32_t *ix;
    const double *tv;
    double t0, iv, buf[8];
    BAD(a, RV_ERR_NULL, rv_rec_set(a, n->exc, NULL, NULL, 0, 1));
    BAD(a, RV_ERR_NAME, rv_rec_set(a, n->exc, "nope", NULL, 0, 1));
    BAD(a, RV_ERR_NAME, rv_rec_set(a, n->exc, "tau_m", NULL, 0, 1));
    BAD(a, RV_ERR_NAME, rv_rec_set(a, n->exc, "gsyn_exc", NULL, 0, 1));
    BAD(a, RV_ERR_NAME, rv_rec_set(a, n->src, "v", NULL, 0, 1));
    BAD(a, RV_ERR_INDEX, rv_rec_set(a, n->exc, "v", idx_bad, 1, 1));
    BAD(a, RV_ERR_INDEX, rv_rec_set(a, n->exc, "spikes", idx_bad, 1, 0));
    BAD(a, RV_ERR_SIZE, rv_rec_set(a, n->exc, "v", idx_ok, -1, 1));
    double bad_iv[] = {NAN, INFINITY, -INFINITY, 0.0, -0.1, 0.15, 1e300, 0.05};
    for (int k = 0; k < 8; k++)
        BAD(a, RV_ERR_VALUE, rv_rec_set_interval(a, n->exc, bad_iv[k]));
    BAD(a, RV_ERR_NULL, rv_rec_get_spikes(a, n->exc, NULL, &ix, &tv));
    BAD(a, RV_ERR_NULL, rv_rec_get_spikes(a, n->exc, &cnt, NULL, &tv));
    BAD(a, RV_ERR_NULL, rv_rec_get_spikes(a, n->exc, &cnt, &ix, NULL));
    BAD(a, RV_ERR_NULL, rv_rec_spike_counts(a, n->exc, NULL, 0, NULL));
    BAD(a, RV_ERR_INDEX, rv_rec_spike_counts(a, n->exc, idx_bad, 1, counts));
    BAD(a, RV_ERR_SIZE, rv_rec_spike_counts(a, n->exc, idx_ok, -1, counts));
    BAD(a, RV_ERR_NULL, rv_rec_get_signal_info(a, n->exc, NULL, &cnt, &t0, &iv));
    BAD(a, RV_ERR_NAME, rv_rec_get_signal_info(a, n->exc, "nope", &cnt, &t0, &iv));
    BAD(a, RV_ERR_NAME, rv_rec_get_signal_info(a, n->src, "v", &cnt, &t0, &iv));
    BAD(a, RV_ERR_NULL, rv_rec_get_signal_info(a, n->exc, "v", NULL, &t0, &iv));
    BAD(a, RV_ERR_NULL, rv_rec_get_signal_info(a, n->exc, "v", &cnt, NULL, &iv));
    BAD(a, RV_ERR_NULL, rv_rec_get_signal_info(a, n->exc, "v", &cnt, &t0, NULL));
    BAD(a, RV_ERR_NULL, rv_rec_get_signal(a, n->exc, NULL, NULL, 0, buf));
    BAD(a, RV_ERR_NAME, rv_rec_get_signal(a, n->exc, "nope", NULL, 0, buf));
    BAD(a, RV_ERR_INDEX, rv_rec_get_signal(a, n->exc, "v", idx_bad, 1, buf));
    BAD(a, RV_ERR_SIZE, rv_rec_get_signal(a, n->exc, "v", idx_ok, -1, buf));
}

/* After a run: calls of the wrong phase, earlier targets, and a
 * parameter combination only a run can check. */
static void misuse_after_run(rv_sim *a, const net *n)
{
    rv_sim_info before, after;
    OK(a, rv_sim_get_info(a, &before));
    CHECK(before.running == 1 && before.step > 0);
    BAD(a, RV_ERR_PHASE, rv_sim_set_timing(a, 0.1, 0, 0));
    BAD(a, RV_ERR_PHASE, rv_sim_set_timing(a, 0.05, 0, 0));
    BAD(a, RV_ERR_PHASE, rv_sim_set_seed(a, 99));
    BAD(a, RV_ERR_PHASE, rv_rec_set_interval(a, n->exc, 0.5));
    BAD(a, RV_ERR_VALUE, rv_sim_run_until(a, before.t - 1.0));
    BAD(a, RV_ERR_VALUE, rv_sim_run_until(a, NAN));
    BAD(a, RV_ERR_VALUE, rv_sim_run_until(a, -INFINITY));
    OK(a, rv_sim_run_until(a, before.t + 0.04));  /* within dt/2: a no-op */
    double buf[4];
    BAD(a, RV_ERR_NULL, rv_rec_get_signal(a, n->exc, "v", NULL, 0, NULL));
    /* v_reset >= v_thresh: refused by the run, nothing moves */
    double v_state[4], v_again[4], reset = -50.0, back = -65.0;
    OK(a, rv_pop_get_state(a, n->exc, "v", NULL, 0, v_state));
    int64_t two = 2;
    OK(a, rv_pop_set_param(a, n->exc, "v_reset", &two, 1, &reset, 1));
    BAD(a, RV_ERR_VALUE, rv_sim_run_until(a, before.t + 10.0));
    CHECK(strstr(rv_sim_errmsg(a), "v_reset") != NULL);
    OK(a, rv_pop_get_state(a, n->exc, "v", NULL, 0, v_again));
    CHECK(memcmp(v_state, v_again, sizeof v_state) == 0);
    OK(a, rv_pop_set_param(a, n->exc, "v_reset", &two, 1, &back, 1));
    OK(a, rv_sim_get_info(a, &after));
    CHECK(after.step == before.step && after.seed == before.seed && after.dt == before.dt);
    (void)buf;
}

/* ---- calls without a simulation, introspection, status names ------------------------ */

static void null_sim(void)
{
    double x = 1.0, buf[4];
    int64_t i = 0, cnt, off[] = {0, 0};
    int32_t h;
    uint32_t u = 0;
    const uint32_t *ix;
    const double *tv;
    const int64_t *pp, *qp;
    rv_sim_info info;
    rv_pop_info pi;
    rv_rule rule = {.kind = RV_RULE_ALL_TO_ALL};
    rv_param_spec spec = {"x", RV_DIST_CONSTANT, {1}, NULL};
    rv_sim *none = NULL;
    rv_sim_free(NULL);  /* a no-op */
    CHECK(rv_sim_errmsg(NULL) != NULL);
    BAD(none, RV_ERR_NULL, rv_sim_create(NULL));
    BAD(none, RV_ERR_NULL, rv_sim_set_timing(NULL, 0.1, 0, 0));
    BAD(none, RV_ERR_NULL, rv_sim_set_seed(NULL, 1));
    BAD(none, RV_ERR_NULL, rv_sim_get_info(NULL, &info));
    BAD(none, RV_ERR_NULL, rv_sim_run_until(NULL, 1.0));
    BAD(none, RV_ERR_NULL, rv_sim_reset(NULL));
    BAD(none, RV_ERR_NULL, rv_pop_create(NULL, "IF_curr_exp", 1, &h));
    BAD(none, RV_ERR_NULL, rv_pop_get_info(NULL, 0, &pi));
    BAD(none, RV_ERR_NULL, rv_pop_set_param(NULL, 0, "tau_m", NULL, 0, &x, 1));
    BAD(none, RV_ERR_NULL, rv_pop_get_param(NULL, 0, "tau_m", NULL, 0, buf));
    BAD(none, RV_ERR_NULL, rv_pop_set_initial(NULL, 0, "v", NULL, 0, &x, 1));
    BAD(none, RV_ERR_NULL, rv_pop_get_initial(NULL, 0, "v", NULL, 0, buf));
    BAD(none, RV_ERR_NULL, rv_pop_get_state(NULL, 0, "v", NULL, 0, buf));
    BAD(none, RV_ERR_NULL, rv_pop_set_spike_times(NULL, 0, NULL, 1, off, &x));
    BAD(none, RV_ERR_NULL, rv_pop_get_spike_times(NULL, 0, 0, buf, 4, &cnt));
    BAD(none, RV_ERR_NULL, rv_proj_create(NULL, 0, 0, "excitatory", "StaticSynapse", &h));
    BAD(none, RV_ERR_NULL, rv_proj_connect(NULL, 0, 1, &u, &u, NULL, 0));
    BAD(none, RV_ERR_NULL, rv_proj_size(NULL, 0, &cnt));
    BAD(none, RV_ERR_NULL, rv_proj_get_pairs(NULL, 0, &u, &u));
    BAD(none, RV_ERR_NULL, rv_proj_get(NULL, 0, "weight", buf));
    BAD(none, RV_ERR_NULL, rv_proj_set(NULL, 0, "weight", &x, 1));
    BAD(none, RV_ERR_NULL, rv_proj_memory(NULL, 0, &cnt));
    BAD(none, RV_ERR_NULL, rv_random_fill(NULL, &spec, 0, 0, 1, buf));
    BAD(none, RV_ERR_NULL, rv_proj_connect_rule(NULL, 0, &rule, NULL, 0, NULL, 0, NULL, 0));
    BAD(none, RV_ERR_NULL, rv_rule_generate(NULL, &rule, &i, 1, &i, 1, &cnt, &pp, &qp));
    BAD(none, RV_ERR_NULL, rv_cs_create(NULL, "DCSource", &h));
    BAD(none, RV_ERR_NULL, rv_cs_set(NULL, 0, "amplitude", 1.0));
    BAD(none, RV_ERR_NULL, rv_cs_get(NULL, 0, "amplitude", buf));
    BAD(none, RV_ERR_NULL, rv_cs_set_steps(NULL, 0, &x, &x, 1));
    BAD(none, RV_ERR_NULL, rv_cs_get_steps(NULL, 0, buf, buf, 1, &cnt));
    BAD(none, RV_ERR_NULL, rv_cs_inject(NULL, 0, 0, NULL, 0));
    BAD(none, RV_ERR_NULL, rv_cs_record(NULL, 0, 1));
    BAD(none, RV_ERR_NULL, rv_cs_get_trace(NULL, 0, &tv, &cnt));
    BAD(none, RV_ERR_NULL, rv_rec_set(NULL, 0, "spikes", NULL, 0, 1));
    BAD(none, RV_ERR_NULL, rv_rec_set_interval(NULL, 0, 1.0));
    BAD(none, RV_ERR_NULL, rv_rec_get_spikes(NULL, 0, &cnt, &ix, &tv));
    BAD(none, RV_ERR_NULL, rv_rec_spike_counts(NULL, 0, NULL, 0, &cnt));
    BAD(none, RV_ERR_NULL, rv_rec_get_signal_info(NULL, 0, "v", &cnt, buf, buf));
    BAD(none, RV_ERR_NULL, rv_rec_get_signal(NULL, 0, "v", NULL, 0, buf));
    BAD(none, RV_ERR_NULL, rv_rec_clear(NULL, 0));
}

/* The model tables: bad queries, and defaults that match new populations. */
static void introspection(void)
{
    rv_model_info mi;
    rv_param_info pinfo;
    rv_var_info vinfo;
    const char *name;
    rv_sim *none = NULL;
    /* every model the registry lists can be looked up by its name */
    CHECK(rv_model_count() >= 7);
    for (int k = 0; k < rv_model_count(); k++)
        CHECK(rv_model_get_info(rv_model_name(k), &mi) == RV_OK && strcmp(mi.name, rv_model_name(k)) == 0);
    CHECK(rv_model_name(-1) == NULL && rv_model_name(rv_model_count()) == NULL);
    BAD(none, RV_ERR_NULL, rv_model_get_info(NULL, &mi));
    BAD(none, RV_ERR_NULL, rv_model_get_info("IF_curr_exp", NULL));
    BAD(none, RV_ERR_NAME, rv_model_get_info("if_curr_exp", &mi));
    BAD(none, RV_ERR_NULL, rv_model_get_param(NULL, 0, &pinfo));
    BAD(none, RV_ERR_NULL, rv_model_get_param("IF_curr_exp", 0, NULL));
    BAD(none, RV_ERR_NAME, rv_model_get_param("Nope", 0, &pinfo));
    BAD(none, RV_ERR_INDEX, rv_model_get_param("IF_curr_exp", -1, &pinfo));
    BAD(none, RV_ERR_INDEX, rv_model_get_param("IF_curr_exp", 9, &pinfo));
    BAD(none, RV_ERR_INDEX, rv_model_get_param("SpikeSourceArray", 0, &pinfo));
    BAD(none, RV_ERR_NULL, rv_model_get_var(NULL, 0, &vinfo));
    BAD(none, RV_ERR_NULL, rv_model_get_var("IF_curr_exp", 0, NULL));
    BAD(none, RV_ERR_NAME, rv_model_get_var("Nope", 0, &vinfo));
    BAD(none, RV_ERR_INDEX, rv_model_get_var("IF_curr_exp", 3, &vinfo));
    BAD(none, RV_ERR_INDEX, rv_model_get_var("SpikeSourcePoisson", 0, &vinfo));
    BAD(none, RV_ERR_NULL, rv_model_get_receptor(NULL, 0, &name));
    BAD(none, RV_ERR_NULL, rv_model_get_receptor("IF_curr_exp", 0, NULL));
    BAD(none, RV_ERR_NAME, rv_model_get_receptor("Nope", 0, &name));
    BAD(none, RV_ERR_INDEX, rv_model_get_receptor("IF_curr_exp", 2, &name));
    BAD(none, RV_ERR_INDEX, rv_model_get_receptor("SpikeSourcePoisson", 0, &name));
    /* every model's documented defaults are what a new population holds */
    rv_sim *sim = sim_new(0.1, 1);
    for (int m = 0; m < rv_model_count(); m++) {
        const char *model = rv_model_name(m);
        CHECK(model != NULL);
        OK(sim, rv_model_get_info(model, &mi));
        CHECK(strcmp(mi.name, model) == 0);
        int32_t pop = pop_new(sim, model, 2);
        for (int k = 0; k < mi.n_params; k++) {
            OK(sim, rv_model_get_param(model, k, &pinfo));
            double got[2];
            OK(sim, rv_pop_get_param(sim, pop, pinfo.name, NULL, 0, got));
            CHECK(got[0] == pinfo.default_value && got[1] == pinfo.default_value);
            CHECK(pinfo.unit != NULL && pinfo.rule != NULL);
        }
        for (int k = 0; k < mi.n_vars; k++) {
            OK(sim, rv_model_get_var(model, k, &vinfo));
            double got[2];
            OK(sim, rv_pop_get_initial(sim, pop, vinfo.name, NULL, 0, got));
            CHECK(got[0] == vinfo.default_initial);
        }
        for (int k = 0; k < mi.n_receptors; k++)
            OK(sim, rv_model_get_receptor(model, k, &name));
        CHECK((mi.kind == RV_MODEL_SPIKE_SOURCE) == (mi.n_receptors == 0));
    }
    rv_sim_free(sim);
}

static void status_names(void)
{
    static const char *names[] = {"RV_OK",        "RV_ERR_NULL",  "RV_ERR_VALUE", "RV_ERR_HANDLE",
                                  "RV_ERR_NAME",  "RV_ERR_SIZE",  "RV_ERR_PHASE", "RV_ERR_NOMEM",
                                  "RV_ERR_LIMIT", "RV_ERR_INDEX"};
    for (int k = 0; k <= RV_ERR_INDEX; k++) {
        CHECK(strcmp(rv_status_name(k), names[k]) == 0);
        CHECK(rv_status_string(k) != NULL && rv_status_string(k)[0] != '\0');
    }
    int odd[] = {-1, RV_ERR_INDEX + 1, 1000, INT32_MIN};
    for (int k = 0; k < 4; k++) {
        CHECK(rv_status_name(odd[k]) != NULL && rv_status_string(odd[k]) != NULL);
        CHECK(strcmp(rv_status_name(odd[k]), "RV_ERR_UNKNOWN") == 0);
    }
    CHECK(strcmp(rv_version(), RV_VERSION_STRING) == 0);
}

/* ---- comparing the two simulations ------------------------------------------------ */

static int same_doubles(const double *x, const double *y, int64_t n)
{
    return n == 0 || memcmp(x, y, (size_t)n * sizeof *x) == 0;
}

static void compare_signal(rv_sim *a, rv_sim *b, int32_t pop, const char *var, int64_t size)
{
    int64_t na, nb;
    double ta, tb, ia, ib;
    OK(a, rv_rec_get_signal_info(a, pop, var, &na, &ta, &ia));
    OK(b, rv_rec_get_signal_info(b, pop, var, &nb, &tb, &ib));
    CHECK(na == nb && ta == tb && ia == ib && na > 0);
    if (na != nb)
        return;
    double *xa = calloc((size_t)(na * size) + 1, sizeof *xa);
    double *xb = calloc((size_t)(nb * size) + 1, sizeof *xb);
    OK(a, rv_rec_get_signal(a, pop, var, NULL, 0, xa));
    OK(b, rv_rec_get_signal(b, pop, var, NULL, 0, xb));
    if (!same_doubles(xa, xb, na * size))
        fprintf(stderr, "signal %s of population %d differs\n", var, (int)pop);
    CHECK(same_doubles(xa, xb, na * size));
    free(xa);
    free(xb);
}

static void compare(rv_sim *a, rv_sim *b, const net *n)
{
    rv_sim_info ia, ib;
    OK(a, rv_sim_get_info(a, &ia));
    OK(b, rv_sim_get_info(b, &ib));
    CHECK(ia.dt == ib.dt && ia.min_delay == ib.min_delay && ia.max_delay == ib.max_delay
          && ia.t == ib.t && ia.step == ib.step && ia.seed == ib.seed
          && ia.n_neurons == ib.n_neurons && ia.n_populations == ib.n_populations
          && ia.n_projections == ib.n_projections
          && ia.n_current_sources == ib.n_current_sources && ia.running == ib.running);
    int32_t pops[] = {n->src, n->ssa, n->exc, n->cond, n->delta};
    int64_t total = 0;
    for (int k = 0; k < 5; k++) {
        int64_t sa, sb;
        const uint32_t *xa, *xb;
        const double *ta, *tb;
        OK(a, rv_rec_get_spikes(a, pops[k], &sa, &xa, &ta));
        OK(b, rv_rec_get_spikes(b, pops[k], &sb, &xb, &tb));
        CHECK(sa == sb);
        if (sa == sb && sa > 0)
            CHECK(memcmp(xa, xb, (size_t)sa * sizeof *xa) == 0 && same_doubles(ta, tb, sa));
        total += sa;
    }
    CHECK(total > 100);  /* the comparison has something to compare */
    compare_signal(a, b, n->exc, "v", 4);
    compare_signal(a, b, n->cond, "v", 3);
    compare_signal(a, b, n->cond, "gsyn_exc", 3);
    compare_signal(a, b, n->delta, "v", 2);
    int32_t sources[] = {n->dc, n->noise};
    for (int k = 0; k < 2; k++) {
        const double *xa, *xb;
        int64_t na, nb;
        OK(a, rv_cs_get_trace(a, sources[k], &xa, &na));
        OK(b, rv_cs_get_trace(b, sources[k], &xb, &nb));
        CHECK(na == nb && na == ia.step + 1 && same_doubles(xa, xb, na));
    }
    int32_t projs[] = {n->p_src_exc, n->p_ssa_cond, n->p_exc_delta};
    for (int k = 0; k < 3; k++) {
        int64_t na = size_of(a, projs[k]), nb = size_of(b, projs[k]), ma, mb;
        CHECK(na == nb && na > 0);
        if (na != nb)
            continue;
        uint32_t *pa = calloc((size_t)na, 4), *qa = calloc((size_t)na, 4);
        uint32_t *pb = calloc((size_t)na, 4), *qb = calloc((size_t)na, 4);
        double *wa = calloc((size_t)na, 8), *wb = calloc((size_t)na, 8);
        OK(a, rv_proj_get_pairs(a, projs[k], pa, qa));
        OK(b, rv_proj_get_pairs(b, projs[k], pb, qb));
        CHECK(memcmp(pa, pb, (size_t)na * 4) == 0 && memcmp(qa, qb, (size_t)na * 4) == 0);
        OK(a, rv_proj_get(a, projs[k], "weight", wa));
        OK(b, rv_proj_get(b, projs[k], "weight", wb));
        CHECK(same_doubles(wa, wb, na));
        OK(a, rv_proj_get(a, projs[k], "delay", wa));
        OK(b, rv_proj_get(b, projs[k], "delay", wb));
        CHECK(same_doubles(wa, wb, na));
        OK(a, rv_proj_memory(a, projs[k], &ma));
        OK(b, rv_proj_memory(b, projs[k], &mb));
        CHECK(ma == mb);
        free(pa);
        free(qa);
        free(pb);
        free(qb);
        free(wa);
        free(wb);
    }
    double sa[4], sb[4];
    OK(a, rv_pop_get_state(a, n->exc, "isyn_exc", NULL, 0, sa));
    OK(b, rv_pop_get_state(b, n->exc, "isyn_exc", NULL, 0, sb));
    CHECK(same_doubles(sa, sb, 4));
}

int main(void)
{
    null_sim();
    introspection();
    status_names();

    rv_sim *a = sim_new(0, 5), *b = sim_new(0, 5);
    /* a successful call leaves an empty message */
    BAD(a, RV_ERR_VALUE, rv_sim_set_timing(a, NAN, 0, 0));
    OK(a, rv_sim_set_seed(a, 5));
    CHECK(rv_sim_errmsg(a)[0] == '\0');

    misuse_empty(a);
    net na, nb;
    build_net(a, &na);
    build_net(b, &nb);
    CHECK(memcmp(&na, &nb, sizeof na) == 0);  /* refused calls took no handle */
    /* another simulation with more of everything, for foreign handles */
    rv_sim *other = sim_new(0, 5);
    for (int k = 0; k < 10; k++) {
        int32_t p = pop_new(other, "IF_curr_exp", 2), q, c;
        OK(other, rv_proj_create(other, p, p, "excitatory", "StaticSynapse", &q));
        OK(other, rv_cs_create(other, "DCSource", &c));
    }
    BAD(a, RV_ERR_PHASE, rv_sim_set_timing(a, 0.1, 0, 0));  /* populations exist */
    bad_handles(a, &na, 5, 3, 3, 9);
    misuse_params(a, &na);
    misuse_spike_times(a, &na);
    misuse_projections(a, &na);
    misuse_rules(a, &na);
    misuse_sources(a, &na);
    misuse_recording(a, &na);

    OK(a, rv_sim_run_until(a, 30.0));
    OK(b, rv_sim_run_until(b, 30.0));
    misuse_after_run(a, &na);
    bad_handles(a, &na, 5, 3, 3, 9);
    misuse_projections(a, &na);
    misuse_rules(a, &na);
    misuse_sources(a, &na);
    misuse_recording(a, &na);
    OK(a, rv_sim_run_until(a, 60.0));
    OK(b, rv_sim_run_until(b, 60.0));
    compare(a, b, &na);

    /* and again after a reset of both */
    OK(a, rv_sim_reset(a));
    OK(b, rv_sim_reset(b));
    BAD(a, RV_ERR_VALUE, rv_pop_set_param(a, na.exc, "cm", NULL, 0, (double[]){-1.0}, 1));
    OK(a, rv_sim_run_until(a, 60.0));
    OK(b, rv_sim_run_until(b, 60.0));
    compare(a, b, &na);

    rv_sim_free(a);
    rv_sim_free(b);
    rv_sim_free(other);
    TEST_END();
}
