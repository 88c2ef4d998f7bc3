/*
 * The time grid: converting times in ms to step indices.  Shared by the
 * kernel and the models (models/model.h).
 */
#ifndef RV_GRID_H
#define RV_GRID_H

#include <math.h>
#include <stdint.h>

/* Step index of time t (ms) on a grid of dt, rounded to nearest. */
static inline int64_t rv__round_steps(double t, double dt)
{
    return (int64_t)llround(t / dt);
}

/* Index of the step whose interval (k dt, (k+1) dt] contains t, i.e. the
 * step at whose end an event at time t is due.  Times within 1e-9 steps of
 * a grid point count as on it, so 1.0 at dt = 0.1 is due at the end of
 * step 9. */
static inline int64_t rv__due_step(double t, double dt)
{
    return (int64_t)ceil(t / dt - 1e-9) - 1;
}

#endif
