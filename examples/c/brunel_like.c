/*
 * A small balanced network built and run from C, with no Python:
 * 800 excitatory and 200 inhibitory IF_curr_exp neurons connected with
 * probability 0.1, driven by Poisson sources; prints the mean rates.
 *
 * Build: the CMake target example_c, or by hand (the library uses OpenMP):
 *     cc -O2 -fopenmp examples/c/brunel_like.c -I include build/c/libranvier.a -lm
 */
#include <stdio.h>
#include <stdlib.h>

#include "ranvier/ranvier.h"

#define CHECK(call)                                                               \
    do {                                                                          \
        rv_status st_ = (call);                                                   \
        if (st_ != RV_OK) {                                                       \
            fprintf(stderr, "%s failed: %s\n", #call, rv_sim_errmsg(sim));        \
            rv_sim_free(sim);                                                     \
            return 1;                                                             \
        }                                                                         \
    } while (0)

int main(void)
{
    rv_sim *sim = NULL;
    if (rv_sim_create(&sim) != RV_OK)
        return 1;
    CHECK(rv_sim_set_timing(sim, 0.1, 1.5, 0));
    CHECK(rv_sim_set_seed(sim, 12345));

    int32_t exc, inh, noise;
    CHECK(rv_pop_create(sim, "IF_curr_exp", 800, &exc));
    CHECK(rv_pop_create(sim, "IF_curr_exp", 200, &inh));
    CHECK(rv_pop_create(sim, "SpikeSourcePoisson", 1000, &noise));
    double rate = 500.0, v0 = -60.0;
    CHECK(rv_pop_set_param(sim, noise, "rate", NULL, 0, &rate, 1));
    CHECK(rv_pop_set_initial(sim, exc, "v", NULL, 0, &v0, 1));
    CHECK(rv_pop_set_initial(sim, inh, "v", NULL, 0, &v0, 1));

    /* Recurrent connections: probability 0.1, native random draws. */
    int32_t pops[2] = {exc, inh};
    const char *rec[2] = {"excitatory", "inhibitory"};
    double weights[2] = {0.05, -0.25};
    for (int from = 0; from < 2; from++)
        for (int to = 0; to < 2; to++) {
            int32_t proj;
            CHECK(rv_proj_create(sim, pops[from], pops[to], rec[from], "StaticSynapse", &proj));
            rv_rule rule = {.kind = RV_RULE_FIXED_PROBABILITY, .p = 0.1, .allow_self = 0,
                            .stream = (uint64_t)(2 * from + to)};
            rv_param_spec specs[2] = {
                {"weight", RV_DIST_CONSTANT, {weights[from]}, NULL},
                {"delay", RV_DIST_UNIFORM, {1.5, 3.0}, NULL},
            };
            CHECK(rv_proj_connect_rule(sim, proj, &rule, NULL, 0, NULL, 0, specs, 2));
        }
    /* Each neuron gets its own Poisson source. */
    for (int to = 0; to < 2; to++) {
        int32_t proj;
        CHECK(rv_proj_create(sim, noise, pops[to], "excitatory", "StaticSynapse", &proj));
        int64_t n = to == 0 ? 800 : 200, first = to == 0 ? 0 : 800;
        uint32_t *pre = malloc(n * sizeof *pre), *post = malloc(n * sizeof *post);
        for (int64_t i = 0; i < n; i++) {
            pre[i] = (uint32_t)(first + i);
            post[i] = (uint32_t)i;
        }
        double w = 0.3, d = 1.5;
        rv_values params[2] = {{"weight", &w, 1}, {"delay", &d, 1}};
        rv_status st = rv_proj_connect(sim, proj, n, pre, post, params, 2);
        free(pre);
        free(post);
        CHECK(st);
    }
    CHECK(rv_rec_set(sim, exc, "spikes", NULL, 0, 1));
    CHECK(rv_rec_set(sim, inh, "spikes", NULL, 0, 1));
    CHECK(rv_sim_run_until(sim, 1000.0));

    for (int k = 0; k < 2; k++) {
        int64_t n;
        const uint32_t *idx;
        const double *t;
        CHECK(rv_rec_get_spikes(sim, pops[k], &n, &idx, &t));
        printf("%s rate: %.2f Hz\n", k == 0 ? "excitatory" : "inhibitory",
               n / (k == 0 ? 800.0 : 200.0));
    }
    rv_sim_free(sim);
    return 0;
}
