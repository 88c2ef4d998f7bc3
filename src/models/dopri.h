/*
 * An adaptive Dormand-Prince 5(4) integrator for two-variable neuron
 * models (v and one recovery/adaptation variable), with location of the
 * time at which v reaches a level.  It is the slow, careful path of the
 * nonlinear models (AdEx, Izhikevich): their vectorised loop takes one RK4
 * step per dt wherever that is accurate, and hands the few neurons near
 * their spike upswing to this integrator, one at a time.
 *
 * Steps are controlled on the local error estimate of the embedded
 * 4th-order solution (Hairer, Norsett & Wanner, "Solving ODEs I", II.4,
 * II.5): err = rms_i(e_i / (atol_i + rtol max(|y_i|, |y_i'|))) <= 1.  A
 * step whose result is not finite (v running away past the spike level)
 * is rejected and shortened, so the finite-time blow-up of the exponential
 * and quadratic models is approached with ever shorter steps rather than
 * stepped over.  At the end of the first accepted step where v >= level,
 * the crossing is located on the cubic Hermite interpolant of that step
 * (values and derivatives at both ends; error O(step^4), and the steps are
 * short there) by bisection.
 */
#ifndef RV_DOPRI_H
#define RV_DOPRI_H

#include <math.h>
#include <stdint.h>

/* Right-hand side of a two-variable system at time s within the step. */
typedef void (*rv__rhs2)(const void *ctx, double s, const double y[2], double dy[2]);

/* Tolerances used by the models (v in mV; the second variable's absolute
 * tolerance is given by the caller in its own unit). */
#define RV__DOPRI_RTOL 1e-10
#define RV__DOPRI_MAX_STEPS 200000

/* What a model reports (rv__model_fault) when rv__dopri_until gives up. */
#define RV__DOPRI_GAVE_UP "needed more adaptive trial steps in one time step than allowed " \
                          "(RV__DOPRI_MAX_STEPS: 200000 for one neuron, and 1000 more for " \
                          "each neuron of its block, RV__TRIALS_PER_NEURON), or steps too " \
                          "short to advance time"

static inline double rv__hermite(double th, double h, double y0, double f0, double y1, double f1)
{
    double t2 = th * th, t3 = t2 * th;
    return (2.0 * t3 - 3.0 * t2 + 1.0) * y0 + (t3 - 2.0 * t2 + th) * h * f0
           + (3.0 * t2 - 2.0 * t3) * y1 + (t3 - t2) * h * f1;
}

/*
 * Integrates y from *s to s_end, taking at most *trials_left trial steps
 * (decremented by those taken).  Returns 1 if y[0] reached `level` on the
 * way (then *s is the crossing time and y the state there), 0 if not (then
 * *s = s_end and y the state at s_end), and -1 if it gave up short of
 * s_end: no trial steps left, or a step too short to advance time (then *s
 * and y are where it stopped).  The caller reports -1 as a
 * fault of the neuron (rv__model_fault): carrying on would hand a state at
 * the wrong time to the next step.  A state already at or above the level
 * counts as a crossing at the start.
 */
static int rv__dopri_until(rv__rhs2 f, const void *ctx, double *s, double s_end, double y[2],
                           double level, double atol_v, double atol_x,
                           int64_t *trials_left)
{
    /* Dormand-Prince 5(4) coefficients. */
    static const double c2 = 1.0 / 5, c3 = 3.0 / 10, c4 = 4.0 / 5, c5 = 8.0 / 9;
    static const double a21 = 1.0 / 5;
    static const double a31 = 3.0 / 40, a32 = 9.0 / 40;
    static const double a41 = 44.0 / 45, a42 = -56.0 / 15, a43 = 32.0 / 9;
    static const double a51 = 19372.0 / 6561, a52 = -25360.0 / 2187, a53 = 64448.0 / 6561,
                        a54 = -212.0 / 729;
    static const double a61 = 9017.0 / 3168, a62 = -355.0 / 33, a63 = 46732.0 / 5247,
                        a64 = 49.0 / 176, a65 = -5103.0 / 18656;
    static const double b1 = 35.0 / 384, b3 = 500.0 / 1113, b4 = 125.0 / 192,
                        b5 = -2187.0 / 6784, b6 = 11.0 / 84;
    /* b - b*, the error weights (b*: the embedded 4th-order solution). */
    static const double e1 = 71.0 / 57600, e3 = -71.0 / 16695, e4 = 71.0 / 1920,
                        e5 = -17253.0 / 339200, e6 = 22.0 / 525, e7 = -1.0 / 40;
    double t = *s;
    if (!(y[0] < level))
        return 1;
    double k1[2], k2[2], k3[2], k4[2], k5[2], k6[2], k7[2], yt[2], yn[2];
    double hs = s_end - t;          /* first try: the whole rest of the step */
    f(ctx, t, y, k1);
    for (; *trials_left > 0 && t < s_end; --*trials_left) {
        int last = t + hs >= s_end;
        if (last)
            hs = s_end - t;
        for (int j = 0; j < 2; j++)
            yt[j] = y[j] + hs * a21 * k1[j];
        f(ctx, t + c2 * hs, yt, k2);
        for (int j = 0; j < 2; j++)
            yt[j] = y[j] + hs * (a31 * k1[j] + a32 * k2[j]);
        f(ctx, t + c3 * hs, yt, k3);
        for (int j = 0; j < 2; j++)
            yt[j] = y[j] + hs * (a41 * k1[j] + a42 * k2[j] + a43 * k3[j]);
        f(ctx, t + c4 * hs, yt, k4);
        for (int j = 0; j < 2; j++)
            yt[j] = y[j] + hs * (a51 * k1[j] + a52 * k2[j] + a53 * k3[j] + a54 * k4[j]);
        f(ctx, t + c5 * hs, yt, k5);
        for (int j = 0; j < 2; j++)
            yt[j] = y[j] + hs * (a61 * k1[j] + a62 * k2[j] + a63 * k3[j] + a64 * k4[j]
                                 + a65 * k5[j]);
        f(ctx, t + hs, yt, k6);
        for (int j = 0; j < 2; j++)
            yn[j] = y[j] + hs * (b1 * k1[j] + b3 * k3[j] + b4 * k4[j] + b5 * k5[j] + b6 * k6[j]);
        f(ctx, t + hs, yn, k7);
        double err = 0.0;
        for (int j = 0; j < 2; j++) {
            double e = hs * (e1 * k1[j] + e3 * k3[j] + e4 * k4[j] + e5 * k5[j] + e6 * k6[j]
                             + e7 * k7[j]);
            double sc = (j == 0 ? atol_v : atol_x)
                        + RV__DOPRI_RTOL * fmax(fabs(y[j]), fabs(yn[j]));
            err += (e / sc) * (e / sc);
        }
        err = sqrt(0.5 * err);
        if (!(err <= 1.0) || !isfinite(yn[0]) || !isfinite(yn[1]) || !isfinite(k7[0])) {
            /* rejected (NaN or infinite results count as rejected) */
            double shrink = isfinite(err) ? fmax(0.2, 0.9 * pow(err, -0.2)) : 0.1;
            hs *= shrink;
            if (!(hs > 1e-14 * (s_end > 1.0 ? s_end : 1.0)))
                break;             /* cannot make progress: give up here */
            continue;
        }
        if (!(yn[0] < level)) {
            /* crossed during [t, t + hs]: locate it on the Hermite cubic */
            double lo = 0.0, hi = 1.0;
            for (int it = 0; it < 60; it++) {
                double mid = 0.5 * (lo + hi);
                if (rv__hermite(mid, hs, y[0], k1[0], yn[0], k7[0]) < level)
                    lo = mid;
                else
                    hi = mid;
            }
            double th = 0.5 * (lo + hi);
            y[1] = rv__hermite(th, hs, y[1], k1[1], yn[1], k7[1]);
            y[0] = level;
            *s = t + th * hs;
            --*trials_left;        /* this step, which the loop did not count */
            return 1;
        }
        t = last ? s_end : t + hs;
        y[0] = yn[0];
        y[1] = yn[1];
        k1[0] = k7[0];
        k1[1] = k7[1];
        hs *= err > 0.0 ? fmin(5.0, 0.9 * pow(err, -0.2)) : 5.0;
    }
    *s = t;
    return t < s_end ? -1 : 0;
}

#endif
