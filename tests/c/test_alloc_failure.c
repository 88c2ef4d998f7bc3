/*
 * Out of memory, injected: a small script of API calls is run once for
 * every k, with the k-th allocation failing (rv__fail_allocation).  Every
 * call must return RV_OK or RV_ERR_NOMEM.  A build call that fails must
 * have changed nothing, so calling it again (with allocation working)
 * must give exactly the results of a script that never failed.  A run that
 * fails leaves the state where it stopped (documented in ranvier.h); reset
 * and a new run must then give those results too.
 */
#include "core/internal.h"
#include "testutil.h"

typedef struct outcome {
    int64_t n_spikes;
    double spike_sum, v_sum;
    int64_t n_conn;
} outcome;

enum { N_STEPS = 12 };

/* Step i of the script on sim (created by step 0).  The handles are fixed by
 * the order of the steps, which is why a failed step must leave none. */
static rv_status step(rv_sim **simp, int i)
{
    rv_sim *sim = *simp;
    int32_t h;
    switch (i) {
    case 0:
        return rv_sim_create(simp);
    case 1:
        return rv_sim_set_timing(sim, 0.1, 0, 0);
    case 2:
        return rv_pop_create(sim, "IF_cond_exp", 40, &h);   /* pop 0 */
    case 3:
        return rv_pop_create(sim, "SpikeSourcePoisson", 20, &h);   /* pop 1 */
    case 4: {
        double rate = 200.0;
        return rv_pop_set_param(sim, 1, "rate", NULL, 0, &rate, 1);
    }
    case 5:
        return rv_proj_create(sim, 1, 0, "excitatory", "StaticSynapse", &h);   /* proj 0 */
    case 6: {
        rv_rule rule = {.kind = RV_RULE_FIXED_PROBABILITY, .p = 0.3, .stream = 1};
        rv_param_spec w = {.name = "weight", .kind = RV_DIST_UNIFORM, .p = {0.01, 0.03}};
        return rv_proj_connect_rule(sim, 0, &rule, NULL, 0, NULL, 0, &w, 1);
    }
    case 7:
        return rv_proj_create(sim, 0, 0, "inhibitory", "TsodyksMarkramSynapse", &h);  /* proj 1 */
    case 8: {
        uint32_t pre[3] = {0, 1, 2}, post[3] = {5, 6, 7};
        double w = 0.02, d = 1.5;
        rv_values v[2] = {{"weight", &w, 1}, {"delay", &d, 1}};
        return rv_proj_connect(sim, 1, 3, pre, post, v, 2);
    }
    case 9:
        return rv_rec_set(sim, 0, "spikes", NULL, 0, 1);
    case 10:
        return rv_rec_set(sim, 0, "v", NULL, 0, 1);
    default:
        return rv_sim_run_until(sim, 30.0);
    }
}

static void read_outcome(rv_sim *sim, outcome *o)
{
    const uint32_t *idx;
    const double *t;
    memset(o, 0, sizeof *o);
    OK(sim, rv_rec_get_spikes(sim, 0, &o->n_spikes, &idx, &t));
    for (int64_t k = 0; k < o->n_spikes; k++)
        o->spike_sum += t[k] * (idx[k] + 1);
    int64_t n, all[40];
    double t0, iv;
    OK(sim, rv_rec_get_signal_info(sim, 0, "v", &n, &t0, &iv));
    for (int k = 0; k < 40; k++)
        all[k] = k;
    double *v = calloc((size_t)(n * 40 + 1), sizeof *v);
    OK(sim, rv_rec_get_signal(sim, 0, "v", all, 40, v));
    for (int64_t k = 0; k < n * 40; k++)
        o->v_sum += v[k];
    free(v);
    int64_t a = 0, b = 0;
    OK(sim, rv_proj_size(sim, 0, &a));
    OK(sim, rv_proj_size(sim, 1, &b));
    o->n_conn = a + b;
}

/* Runs the script with the k-th allocation failing (k = 0: none); returns
 * how many calls failed with RV_ERR_NOMEM. */
static int script(int64_t k, outcome *o)
{
    rv_sim *sim = NULL;
    int failures = 0;
    rv__fail_allocation(k);
    for (int i = 0; i < N_STEPS; i++) {
        rv_status st = step(&sim, i);
        if (st == RV_OK)
            continue;
        if (st != RV_ERR_NOMEM) {
            fprintf(stderr, "k = %lld, step %d: %s: %s\n", (long long)k, i, rv_status_name(st),
                    sim ? rv_sim_errmsg(sim) : "");
            test_failures++;
            break;
        }
        failures++;
        rv__fail_allocation(0);
        if (i == 0) {
            CHECK(sim == NULL);
        } else if (i == N_STEPS - 1) {   /* a failed run: reset recovers */
            OK(sim, rv_sim_reset(sim));
        }
        if (step(&sim, i) != RV_OK) {
            fprintf(stderr, "k = %lld, step %d: the retry failed: %s\n", (long long)k, i,
                    rv_sim_errmsg(sim));
            test_failures++;
            break;
        }
    }
    rv__fail_allocation(0);
    if (sim)
        read_outcome(sim, o);
    rv_sim_free(sim);
    return failures;
}

int main(void)
{
    outcome ref, got;
    int64_t before = rv__allocations();
    script(0, &ref);
    int64_t total = rv__allocations() - before;
    CHECK(ref.n_spikes > 0 && ref.n_conn > 3);
    int64_t injected = 0, mismatched = 0;
    for (int64_t k = 1; k <= total; k++) {
        injected += script(k, &got) > 0;
        if (memcmp(&got, &ref, sizeof ref) != 0) {
            if (mismatched++ < 5)
                fprintf(stderr, "k = %lld: %lld spikes (%.17g), v sum %.17g, %lld connections; "
                        "expected %lld (%.17g), %.17g, %lld\n", (long long)k,
                        (long long)got.n_spikes, got.spike_sum, got.v_sum,
                        (long long)got.n_conn, (long long)ref.n_spikes, ref.spike_sum,
                        ref.v_sum, (long long)ref.n_conn);
        }
    }
    CHECK(mismatched == 0);
    CHECK(injected > total / 2);   /* most allocations were reached by the sweep */
    printf("%lld allocations swept, %lld failures injected, %lld mismatched\n",
           (long long)total, (long long)injected, (long long)mismatched);
    TEST_END();
}
