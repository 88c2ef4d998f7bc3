/*
 * The Vogels-Abbott COBA/CUBA benchmark written directly against the C API
 * (no Python): for profiling the kernel and as a second C example.
 * Usage: va_kernel [COBA|CUBA] [seconds of biological time] [threads]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ranvier/ranvier.h"

#define CHECK(call)                                                               \
    do {                                                                          \
        if ((call) != RV_OK) {                                                    \
            fprintf(stderr, "%s: %s\n", #call, rv_sim_errmsg(sim));               \
            return 1;                                                             \
        }                                                                         \
    } while (0)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

int main(int argc, char **argv)
{
    int coba = argc < 2 || strcmp(argv[1], "CUBA") != 0;
    double t_sim = argc > 2 ? atof(argv[2]) * 1000.0 : 1000.0;
    int threads = argc > 3 ? atoi(argv[3]) : 1;
    rv_sim *sim;
    if (rv_sim_create(&sim))
        return 1;
    double t0 = now();
    CHECK(rv_sim_set_timing(sim, 0.1, 0.2, 1.0));
    CHECK(rv_sim_set_seed(sim, 98765));
    CHECK(rv_sim_set_threads(sim, threads));
    const char *model = coba ? "IF_cond_exp" : "IF_curr_exp";
    int32_t pop[2], ext;
    int64_t size[2] = {3200, 800};
    for (int k = 0; k < 2; k++) {
        CHECK(rv_pop_create(sim, model, size[k], &pop[k]));
        struct { const char *name; double v; } params[] = {
            {"tau_m", 20}, {"tau_syn_E", 5}, {"tau_syn_I", 10}, {"v_rest", coba ? -60 : -49},
            {"v_reset", -60}, {"v_thresh", -50}, {"cm", 0.2}, {"tau_refrac", 5},
            {"e_rev_E", 0}, {"e_rev_I", -80}};
        for (int j = 0; j < (coba ? 10 : 8); j++)
            CHECK(rv_pop_set_param(sim, pop[k], params[j].name, NULL, 0, &params[j].v, 1));
        double *v0 = malloc(size[k] * sizeof *v0);
        for (int64_t i = 0; i < size[k]; i++)
            v0[i] = -60.0 + 10.0 * (double)rand() / RAND_MAX;
        CHECK(rv_pop_set_initial(sim, pop[k], "v", NULL, 0, v0, size[k]));
        free(v0);
        CHECK(rv_rec_set(sim, pop[k], "spikes", NULL, 0, 1));
    }
    double w[2] = {coba ? 0.004 : 0.0162, coba ? 0.051 : -0.09};
    const char *rec[2] = {"excitatory", "inhibitory"};
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++) {
            int32_t proj;
            CHECK(rv_proj_create(sim, pop[a], pop[b], rec[a], "StaticSynapse", &proj));
            rv_rule rule = {.kind = RV_RULE_FIXED_PROBABILITY, .p = 0.02, .allow_self = 1,
                            .stream = (uint64_t)(2 * a + b)};
            rv_param_spec specs[2] = {{"weight", RV_DIST_CONSTANT, {w[a]}, NULL},
                                      {"delay", RV_DIST_CONSTANT, {0.2}, NULL}};
            CHECK(rv_proj_connect_rule(sim, proj, &rule, NULL, 0, NULL, 0, specs, 2));
        }
    if (coba) {
        CHECK(rv_pop_create(sim, "SpikeSourcePoisson", 20, &ext));
        double rate = 100, dur = 50;
        CHECK(rv_pop_set_param(sim, ext, "rate", NULL, 0, &rate, 1));
        CHECK(rv_pop_set_param(sim, ext, "duration", NULL, 0, &dur, 1));
        for (int b = 0; b < 2; b++) {
            int32_t proj;
            CHECK(rv_proj_create(sim, ext, pop[b], "excitatory", "StaticSynapse", &proj));
            rv_rule rule = {.kind = RV_RULE_FIXED_PROBABILITY, .p = 0.01, .allow_self = 1,
                            .stream = 10 + (uint64_t)b};
            rv_param_spec specs[2] = {{"weight", RV_DIST_CONSTANT, {0.1}, NULL},
                                      {"delay", RV_DIST_CONSTANT, {0.2}, NULL}};
            CHECK(rv_proj_connect_rule(sim, proj, &rule, NULL, 0, NULL, 0, specs, 2));
        }
    }
    double t1 = now();
    CHECK(rv_sim_run_until(sim, t_sim));
    double t2 = now();
    for (int k = 0; k < 2; k++) {
        int64_t n;
        const uint32_t *idx;
        const double *t;
        CHECK(rv_rec_get_spikes(sim, pop[k], &n, &idx, &t));
        double sum = 0;
        for (int64_t j = 0; j < n; j++)
            sum += t[j] * (1 + idx[j]);
        printf("%s rate %.2f Hz (spike checksum %.6f)\n", k ? "I" : "E",
               n / (size[k] * t_sim / 1000.0), sum);
    }
    printf("build %.3f s, simulation %.3f s\n", t1 - t0, t2 - t1);
    rv_sim_free(sim);
    return 0;
}
