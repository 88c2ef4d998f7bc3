/*
 * TsodyksMarkramSynapse -- short-term depression and facilitation
 * (Tsodyks, Uziel & Markram 2000; PyNN TsodyksMarkramSynapse; NEST
 * tsodyks_synapse).
 *
 * Resources are recovered (x), active (y) or inactive (z = 1 - x - y).
 * Between spikes y decays into z with the post-synaptic time constant
 * tau_psc (the target's tau_syn of this receptor, as NEST and NEURON take
 * it), z recovers into x with tau_rec, and u decays towards 0 with
 * tau_facil.  At a presynaptic spike, h ms after the previous one:
 *     u <- u e^(-h/tau_facil)          (u <- 0 when tau_facil = 0)
 *     x <- x + Pxy y + (1 - e^(-h/tau_rec)) z,   y <- y e^(-h/tau_psc)
 *     u <- u + U (1 - u)
 *     the synapse transmits weight * u x;  x <- x - u x,  y <- y + u x
 * where Pxy = 1 - e^(-h/tau_psc) - Pyz is the fraction of y that has
 * reached x, Pyz the fraction in z (computed in a form stable at
 * tau_psc = tau_rec).  A receptor without a time constant (voltage jumps)
 * has tau_psc -> 0: y passes into z at once.
 *
 * Parameters (per synapse)          unit  default  rule
 *     U          use                  -      0.5    in [0, 1]
 *     tau_rec    recovery             ms   100      > 0
 *     tau_facil  facilitation         ms     0      >= 0
 *     u          initial value of u   -      0      (PyNN's initial value)
 * Internal state: x (1), y (0), time of the previous spike (0: as in NEST's
 * tsodyks_synapse and NEURON's tsodyksmarkram.mod, the first spike at t
 * sees h = t, so an initial u decays from t = 0 with tau_facil; an initial
 * time of -inf would make the initial value of u ineffective).
 */
#include <math.h>

#include "models/propagators.h"
#include "synapses/synapse.h"

enum { U_PARAM, TAU_REC, TAU_FACIL, U_INIT };
enum { X, Y, T_LAST };

static const rv__param_desc params[] = {
    {"U", "", 0.5, RV__UNIT},
    {"tau_rec", "ms", 100.0, RV__POSITIVE},
    {"tau_facil", "ms", 0.0, RV__NONNEG},
    {"u", "", 0.0, RV__UNIT},
};

static const rv__var_desc internal[] = {{"x", "", 1.0}, {"y", "", 0.0}, {"t_last", "ms", 0.0}};

/* The fraction of y that has passed into z after h (y -> z -> x). */
static double fraction_y_to_z(double h, double tau_psc, double tau_rec)
{
    double a = 1.0 / tau_psc - 1.0 / tau_rec;
    return exp(-h / tau_rec) * rv__prop_exp_integral(a, h) / tau_psc;
}

static void transmit(const rv__syn_ctx *c, int64_t begin, int64_t end)
{
    const rv__proj *p = c->p;
    const rv__rows *r = c->r;
    double *u = r->state[rv__state_vars(p)];
    double *x = r->state[rv__state_internal(p) + X];
    double *y = r->state[rv__state_internal(p) + Y];
    double *t_last = r->state[rv__state_internal(p) + T_LAST];
    for (int64_t j = begin; j < end; j++) {
        double U = rv__col(&r->extra[U_PARAM], j), tau_rec = rv__col(&r->extra[TAU_REC], j);
        double tau_facil = rv__col(&r->extra[TAU_FACIL], j);
        double tau_psc = c->tau_psc ? c->tau_psc[r->target[j]] : 0.0;
        double h = c->t - t_last[j];
        double p_zz = exp(-h / tau_rec);
        double p_yy = tau_psc > 0.0 ? exp(-h / tau_psc) : 0.0;
        double p_yz = tau_psc > 0.0 ? fraction_y_to_z(h, tau_psc, tau_rec) : p_zz;
        double z = 1.0 - x[j] - y[j];
        u[j] = tau_facil > 0.0 ? u[j] * exp(-h / tau_facil) : 0.0;
        x[j] += (1.0 - p_yy - p_yz) * y[j] + (1.0 - p_zz) * z;
        y[j] *= p_yy;
        u[j] += U * (1.0 - u[j]);
        double released = u[j] * x[j];
        x[j] -= released;
        y[j] += released;
        t_last[j] = c->t;
        rv__syn_deliver(c, j, released * rv__col(&r->weight, j));
    }
}

const rv__synmodel rv__syn_tsodyks_markram = {
    .name = "TsodyksMarkramSynapse",
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .n_vars = 1,
    .internal = internal,
    .n_internal = sizeof internal / sizeof internal[0],
    .transmit = transmit,
};
