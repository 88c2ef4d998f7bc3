/*
 * One classical Runge-Kutta (RK4) step of the conductance-based membrane
 *     cm dv/dt = g_L (v_rest - v) + g_E(t) (e_rev_E - v) + g_I(t) (e_rev_I - v) + I
 * whose conductances are known in closed form at the step start, middle
 * and end.  The right-hand side is linear in v: f = (A - B v) / cm.
 *
 * Accuracy (measured in tests/python/test_closed_form.py against SciPy's
 * DOP853 at rtol = atol = 1e-12 on the same input; docs/models.md): at
 * dt = 0.1 ms under Poisson input over 1 s the membrane potential stays
 * within 6e-10 mV (IF_cond_exp) and 2e-6 mV (IF_cond_alpha), and within
 * 6.5e-7 / 4.8e-6 mV when the input makes the total conductance ten times
 * the leak (effective time constant ~2 ms): far inside the 1e-3 mV target.
 * The local error is O(dt^5), largest when that time constant is short.
 */
#ifndef RV_COND_RK4_H
#define RV_COND_RK4_H

typedef struct rv__cond_at {
    double ge, gi;            /* conductances, uS */
} rv__cond_at;

static inline double rv__cond_rhs(double v, double g_l, double v_rest, rv__cond_at g,
                                  double e_e, double e_i, double i0, double inv_cm)
{
    return (g_l * (v_rest - v) + g.ge * (e_e - v) + g.gi * (e_i - v) + i0) * inv_cm;
}

static inline double rv__cond_rk4(double v, double h, double g_l, double v_rest,
                                  rv__cond_at g0, rv__cond_at gm, rv__cond_at g1,
                                  double e_e, double e_i, double i0, double inv_cm)
{
    double k1 = rv__cond_rhs(v, g_l, v_rest, g0, e_e, e_i, i0, inv_cm);
    double k2 = rv__cond_rhs(v + 0.5 * h * k1, g_l, v_rest, gm, e_e, e_i, i0, inv_cm);
    double k3 = rv__cond_rhs(v + 0.5 * h * k2, g_l, v_rest, gm, e_e, e_i, i0, inv_cm);
    double k4 = rv__cond_rhs(v + h * k3, g_l, v_rest, g1, e_e, e_i, i0, inv_cm);
    return v + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
}

#endif
