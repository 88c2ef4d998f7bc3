/*
 * Composed point neurons (PyNN's PointNeuron): a membrane component with
 * named receptors, their model tables built per population
 * (rv_pop_create_composed).  Internal layout shared by point_neuron.c
 * (tables, receptors, the LIF component) and point_neuron_adexp.c (the
 * AdExp component).
 */
#ifndef RV_POINT_NEURON_H
#define RV_POINT_NEURON_H

#include "models/model.h"

struct rv_sim;

typedef enum rv__pn_kind { RV__CURR_EXP, RV__COND_EXP, RV__COND_ALPHA, RV__COND_BETA,
                           RV__N_KINDS } rv__pn_kind;

typedef enum rv__pn_component { RV__LIF, RV__ADEXP } rv__pn_component;

typedef struct rv__pn_receptor {
    rv__pn_kind kind;
    int param;       /* its first parameter */
    int var;         /* its public state variable (isyn or gsyn) */
    int aux;         /* its internal variable (alpha: y; beta: the rise part), or -1 */
    int derived;     /* its first derived constant */
} rv__pn_receptor;

typedef struct rv__composed {
    rv__model model;          /* first: the population's model points here */
    rv__pn_component component;
    int conductance;
    int n_receptors;
    rv__pn_receptor *rec;
    int refrac;               /* the refractory counter (internal variable) */
    /* storage for the tables and names */
    rv__param_desc *params;
    rv__var_desc *vars;
    char **names;
    char **receptor_tau;
    char *strings;
} rv__composed;

static inline const rv__composed *rv__pn_layout(const rv__block *p)
{
    return (const rv__composed *)p->model;
}

/* Sums over receptors, per neuron, at the step start, middle and end:
 * conductance (g) and conductance times reversal potential plus current
 * (ge): the synaptic current is ge - g v. */
typedef struct rv__pn_sums {
    double *restrict g0, *restrict ge0, *restrict gm, *restrict gem, *restrict g1, *restrict ge1;
} rv__pn_sums;

#define RV__PN_N_SCRATCH 6

rv__pn_sums rv__pn_scratch(const rv__block *p, int64_t b, int64_t e);
/* Adds every receptor's values over the step to the sums (state unchanged). */
void rv__pn_sum_receptors(const rv__block *p, const rv__step_ctx *ctx, const rv__pn_sums *s);
/* Moves every receptor to the step end and adds the input arriving then. */
void rv__pn_advance_receptors(const rv__block *p, const rv__step_ctx *ctx);
/* The synaptic current onto neuron i at time s into the step, at v, from
 * the receptors' state at the step start (closed forms). */
double rv__pn_synaptic_current(const rv__block *p, int64_t i, double s, double v);

/* The LIF component (point_neuron.c): its parameters (in PyNN's order, the
 * table in point_neuron_build.c) and derived constants. */
#define RV__PN_N_LIF 7
#define RV__PN_N_LIF_DERIVED 5
void rv__pn_lif_prepare(const rv__block *p, double h);
int64_t rv__pn_lif_check(const rv__block *p, const char **msg);
int64_t rv__pn_lif_update(const rv__block *p, const rv__step_ctx *ctx);
/* The AdExp component with the receptors (point_neuron.c). */
void rv__pn_adexp_prepare_all(const rv__block *p, double h);
int64_t rv__pn_adexp_check_all(const rv__block *p, const char **msg);

/* The AdExp component (point_neuron_adexp.c). */
void rv__pn_adexp_prepare(const rv__block *p, double dt);
int64_t rv__pn_adexp_check(const rv__block *p, const char **msg);
int64_t rv__pn_adexp_update(const rv__block *p, const rv__step_ctx *ctx);
extern const rv__param_desc *const rv__pn_adexp_params;
extern const int rv__pn_adexp_n_params;
extern const int rv__pn_adexp_n_derived;

/* Builds the model of a composed population; released with m->release
 * (point_neuron_build.c). */
rv_status rv__composed_build(struct rv_sim *sim, const char *component, int n_receptors,
                             const char *const *names, const char *const *kinds,
                             const rv__model **out);
void rv__composed_free(const rv__model *m);

#endif
