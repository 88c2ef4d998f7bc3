/*
 * Exact propagators of linear subthreshold dynamics over one step h
 * (Rotter & Diesmann 1999, "Exact digital simulation of time-invariant
 * linear systems with applications to neuronal modeling").
 *
 * Membrane: tau_m dV/dt = -V + R I, C = membrane capacitance.
 * With a = 1/tau_s - 1/tau_m, the contribution to V(h) of
 *   an exponential current I(t) = I0 e^(-t/tau_s):
 *       I0/C e^(-h/tau_m) (1 - e^(-a h)) / a
 *   an alpha current I(t) = y0 t e^(-t/tau_s):
 *       y0/C e^(-h/tau_m) (1 - e^(-a h)(1 + a h)) / a^2
 * Both have finite limits at a = 0 (tau_s = tau_m); the forms below stay
 * accurate to rounding on both sides of it instead of dividing 0 by 0.
 */
#ifndef RV_PROPAGATORS_H
#define RV_PROPAGATORS_H

#include <math.h>

/* (1 - e^(-a h)) / a, = h at a = 0. */
static inline double rv__prop_exp_integral(double a, double h)
{
    double x = a * h;
    if (fabs(x) < 1e-300)
        return h;
    return -expm1(-x) / a;
}

/* (1 - e^(-a h)(1 + a h)) / a^2 = integral of s e^(-a s) over [0, h]. */
static inline double rv__prop_alpha_integral(double a, double h)
{
    double x = a * h;
    if (fabs(x) < 1e-4)
        return h * h * (0.5 - x / 3.0 + x * x / 8.0 - x * x * x / 30.0);
    return (-expm1(-x) - x * exp(-x)) / (a * a);
}

/* V(h) from an exponential current of initial value 1 (per nA). */
static inline double rv__prop_v_from_exp(double tau_m, double tau_s, double c_m, double h)
{
    double a = 1.0 / tau_s - 1.0 / tau_m;
    return exp(-h / tau_m) * rv__prop_exp_integral(a, h) / c_m;
}

/* V(h) from an alpha current whose y-state (I = y t e^(-t/tau_s)) is 1. */
static inline double rv__prop_v_from_alpha(double tau_m, double tau_s, double c_m, double h)
{
    double a = 1.0 / tau_s - 1.0 / tau_m;
    return exp(-h / tau_m) * rv__prop_alpha_integral(a, h) / c_m;
}

/* V(h) from a constant current of 1 nA: (tau_m / C)(1 - e^(-h/tau_m)). */
static inline double rv__prop_v_from_const(double tau_m, double c_m, double h)
{
    return -expm1(-h / tau_m) * tau_m / c_m;
}

#endif
