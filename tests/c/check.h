/*
 * A minimal test harness: CHECK(cond) records a failure with its location
 * and goes on; main() returns the failure count through TEST_END.
 */
#ifndef RV_TEST_CHECK_H
#define RV_TEST_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ranvier/ranvier.h"

static int test_failures = 0;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            test_failures++;                                                     \
        }                                                                        \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                    \
    do {                                                                         \
        double a_ = (a), b_ = (b);                                               \
        if (!(fabs(a_ - b_) <= (tol))) {                                         \
            fprintf(stderr, "%s:%d: CHECK_NEAR failed: %s = %.17g, %s = %.17g, tol %g\n", \
                    __FILE__, __LINE__, #a, a_, #b, b_, (double)(tol));          \
            test_failures++;                                                     \
        }                                                                        \
    } while (0)

/* A call that must succeed; prints the simulation's message if not. */
#define OK(sim, call)                                                            \
    do {                                                                         \
        rv_status st_ = (call);                                                  \
        if (st_ != RV_OK) {                                                      \
            fprintf(stderr, "%s:%d: %s returned %s: %s\n", __FILE__, __LINE__, #call, \
                    rv_status_name(st_), rv_sim_errmsg(sim));                    \
            test_failures++;                                                     \
        }                                                                        \
    } while (0)

/* A call that must fail with a given status and leave a message. */
#define FAILS(sim, status, call)                                                 \
    do {                                                                         \
        rv_status st_ = (call);                                                  \
        if (st_ != (status)) {                                                   \
            fprintf(stderr, "%s:%d: %s returned %s, expected %s\n", __FILE__, __LINE__, \
                    #call, rv_status_name(st_), rv_status_name(status));        \
            test_failures++;                                                     \
        } else if ((sim) && rv_sim_errmsg(sim)[0] == '\0') {                      \
            fprintf(stderr, "%s:%d: %s failed without a message\n", __FILE__, __LINE__, #call); \
            test_failures++;                                                     \
        }                                                                        \
    } while (0)

#define TEST_END()                                                               \
    do {                                                                         \
        if (test_failures)                                                       \
            fprintf(stderr, "%d check(s) failed\n", test_failures);              \
        return test_failures ? 1 : 0;                                            \
    } while (0)

#endif
