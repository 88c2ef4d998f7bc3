/*
 * Pieces shared by the leaky integrate-and-fire models: the reset/threshold
 * rule check and the refractory step count.
 *
 * Refractoriness (as NEST's iaf_* models): after a spike at the end of step
 * k the membrane is clamped at v_reset for round(tau_refrac / dt) steps and
 * integrates again from t_spike + tau_refrac.
 */
#ifndef RV_LIF_COMMON_H
#define RV_LIF_COMMON_H

#include <math.h>
#include <stdint.h>

#include "models/model.h"

/* v_reset must lie below v_thresh, or the neuron would fire again at the
 * first step after every refractory period whatever its input. */
static inline int64_t rv__lif_check(const rv__block *p, int k_reset, int k_thresh,
                                    const char **msg)
{
    const double *reset = p->param[k_reset], *thresh = p->param[k_thresh];
    for (int64_t i = 0; i < p->n; i++)
        if (!(reset[i] < thresh[i])) {
            *msg = "v_reset must be below v_thresh";
            return i;
        }
    return -1;
}

static inline double rv__refractory_steps(double tau_refrac, double dt)
{
    /* llround is unspecified beyond the int64 range: a period longer than
       any simulation stays "forever" instead of wrapping to negative. */
    double steps = tau_refrac / dt;
    return steps < 9e15 ? (double)llround(steps) : 9e15;
}

/* The threshold test, run after the (vectorised) subthreshold update of
 * every neuron: a neuron at or above threshold spikes at the end of the
 * step, resets and becomes refractory.  Kept as a separate pass so that the
 * update loop has no branches or calls. */
static inline void rv__lif_threshold(const rv__step_ctx *ctx, double *restrict v,
                                     const double *thresh, const double *reset,
                                     double *restrict refrac, const double *ref_steps)
{
    for (int64_t i = ctx->begin; i < ctx->end; i++)
        if (v[i] >= thresh[i]) {
            v[i] = reset[i];
            refrac[i] = ref_steps[i];
            rv__fire(ctx->out, i, ctx->t_end);
        }
}

#endif
