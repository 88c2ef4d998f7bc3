/*
 * The model descriptor: what a cell type or spike source tells the kernel
 * about itself, as data (parameter and variable tables with units and
 * defaults) plus four functions (check, prepare, resume, update).
 *
 * A population stores everything per neuron, as one contiguous array per
 * quantity (structure of arrays):
 *   param[k][i]     parameter k of neuron i, in the order of the table;
 *   state[k][i]     state variable k: first the public ones (recordable,
 *                   with initial values), then n_internal private ones
 *                   (refractory counters, random-stream positions, ...),
 *                   which start at 0;
 *   derived[k][i]   constants computed by prepare() from the parameters
 *                   and dt (propagators, refractory step counts).
 * The four concerns (parameters, state, input buffers, derived constants)
 * are kept apart as in NEST's model files.
 */
#ifndef RV_MODEL_H
#define RV_MODEL_H

#include <stdint.h>

#include "ranvier/ranvier.h"

/* Rules a single parameter value must obey; checked on every set. */
typedef enum rv__rule {
    RV__ANY = 0,       /* any finite value */
    RV__POSITIVE,      /* > 0 */
    RV__NONNEG,        /* >= 0 */
    RV__UNIT,          /* in [0, 1] */
    RV__NONNEG_OR_INF, /* >= 0, +inf allowed (durations) */
    RV__RATE           /* in [0, 1e9] Hz (firing rates) */
} rv__rule;

typedef struct rv__param_desc {
    const char *name;
    const char *unit;
    double def;
    rv__rule rule;
} rv__param_desc;

typedef struct rv__var_desc {
    const char *name;
    const char *unit;
    double def;
} rv__var_desc;

/* An array-valued parameter: every neuron has its own list of values
 * (SpikeSourceInhGamma's a, b, tbins), kept per population as compressed
 * rows (rv__pop.arrays) and set with rv_pop_set_array_param.  Each element
 * obeys `rule`; `ordered` lists must not decrease.  A new population gives
 * every neuron the list def[0..n_def). */
typedef struct rv__array_desc {
    const char *name;
    const char *unit;
    rv__rule rule;
    int ordered;
    const double *def;
    int n_def;
} rv__array_desc;

struct rv__pop;
struct rv__fired;

/* Most receptors a model may have. */
#define RV__MAX_RECEPTORS 16

/* What update() gets for one step of the neurons [begin, end) of a
 * population (the block of one shard). */
typedef struct rv__step_ctx {
    int64_t begin, end;
    struct rv__fired *out;        /* where rv__fire reports spikes */
    int64_t step;                 /* the step runs from t to t_end = t + dt */
    double t;
    double t_end;                 /* (step + 1) dt, the time of spikes */
    double dt;
    double *const *input;         /* per receptor: input arriving at t + dt
                                     (n values); update() must zero it */
    const double *i_inj;          /* injected current during the step (all
                                     zero without current sources); NULL
                                     for spike sources */
    uint64_t seed;
} rv__step_ctx;

typedef struct rv__model {
    const char *name;
    rv_model_kind kind;
    const rv__param_desc *params;
    int n_params;
    const rv__var_desc *vars;     /* public state variables */
    int n_vars;
    int n_internal;
    int n_derived;
    int n_scratch;                /* per-neuron work arrays update() may use */
    const char *const *receptors;
    int n_receptors;
    /* per receptor, the parameter that is its PSC time constant (used by
       short-term plasticity), or NULL where the receptor has none */
    const char *const *receptor_tau;
    int conductance_based;
    int voltage_jump;
    int uses_schedule;            /* takes spike times (SpikeSourceArray) */
    const rv__array_desc *arrays; /* array-valued parameters */
    int n_arrays;
    /* Rules that tie parameters together, checked when a run prepares.
       Returns the index of an offending neuron (and a message naming the
       parameter), or -1.  May be NULL. */
    int64_t (*check)(const struct rv__pop *p, const char **msg);
    /* Fills derived[][] from the parameters and dt.  May be NULL. */
    void (*prepare)(struct rv__pop *p, double dt);
    /* Called at the start of the first run after the parameters changed
       (or after creation or reset), at time t: sources redraw or re-seek
       their next event here.  May be NULL. */
    void (*resume)(struct rv__pop *p, int64_t step, double dt, uint64_t seed);
    /* Frees a model built for one population (composed models); NULL for
       the built-in ones. */
    void (*release)(const struct rv__model *m);
    /* Advances the neurons [ctx->begin, ctx->end) by one step and reports
       their spikes (rv__fire).  Calls for disjoint ranges may run in
       parallel: update() must touch only those neurons' state. */
    void (*update)(struct rv__pop *p, const rv__step_ctx *ctx);
} rv__model;

/* The registry of built-in models (models/registry.c). */
const rv__model *rv__find_model(const char *name);
const rv__model *rv__model_at(int i);

/* The rule as text, for messages ("> 0", ...). */
/* Whether x obeys the rule (the one check of neuron and synapse parameters),
 * and the rule in words. */
int rv__obeys(rv__rule rule, double x);
const char *rv__rule_text(rv__rule rule);

/* Index of a name in a model's tables, or -1. */
int rv__param_index(const rv__model *m, const char *name);
int rv__var_index(const rv__model *m, const char *name);
int rv__receptor_index(const rv__model *m, const char *name);

#endif
