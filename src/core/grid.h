/*
 * The time grid: converting times in ms to step indices.  Shared by the
 * kernel and the models (models/model.h).
 */
#ifndef RV_GRID_H
#define RV_GRID_H

#include <math.h>
#include <stdint.h>

/* The largest integer below which every integer is a double: 2^53. */
#define RV__MAX_EXACT_INT 9007199254740992.0

/* x as an int64_t, saturating at the ends and NaN as INT64_MIN, where a
 * plain cast would be undefined; callers that care check the range first
 * and report it, this keeps the others defined. */
static inline int64_t rv__to_i64(double x)
{
    if (!(x > -9.2e18))
        return INT64_MIN;
    if (x >= 9.2e18)
        return INT64_MAX;
    return (int64_t)x;
}

/* Step index of time t (ms) on a grid of dt, rounded to nearest. */
static inline int64_t rv__round_steps(double t, double dt)
{
    return rv__to_i64(round(t / dt));
}

/* Index of the step whose interval (k dt, (k+1) dt] contains t, i.e. the
 * step at whose end an event at time t is due.  Times within 1e-9 steps of
 * a grid point count as on it, so 1.0 at dt = 0.1 is due at the end of
 * step 9. */
static inline int64_t rv__due_step(double t, double dt)
{
    int64_t k = rv__to_i64(ceil(t / dt - 1e-9));
    return k == INT64_MIN ? k : k - 1;
}

#endif
