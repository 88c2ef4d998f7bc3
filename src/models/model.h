/*
 * The model interface: what a cell type or spike source tells the kernel
 * about itself, as data (parameter and variable tables with units and
 * defaults) plus four functions (check, prepare, resume, update), and the
 * block view those functions work on.  This is the only internal header a
 * model includes: a model sees the neurons of one block and nothing of the
 * simulation around them.
 *
 * A population is split into blocks, one per shard (thread); each block
 * owns its neurons' memory, one contiguous array per quantity (structure of
 * arrays), indexed by the neuron's local index 0 .. n-1:
 *   param[k][i]     parameter k, in the order of the table;
 *   state[k][i]     state variable k: first the public ones (recordable,
 *                   with initial values), then n_internal private ones
 *                   (refractory counters, random-stream positions, ...),
 *                   which start at 0;
 *   derived[k][i]   constants computed by prepare() from the parameters
 *                   and dt (propagators, refractory step counts);
 *   scratch[k][i]   work arrays update() may use.
 * The four concerns (parameters, state, input buffers, derived constants)
 * are kept apart as in NEST's model files.  Calls on different blocks run
 * in parallel; a model touches only the block it is given and never
 * allocates in update() (tests/c/test_model_blocks.c checks both).
 */
#ifndef RV_MODEL_H
#define RV_MODEL_H

#include <math.h>
#include <stdint.h>

#include "core/grid.h"
#include "core/rng.h"
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
 * (SpikeSourceInhGamma's a, b, tbins), kept per block as compressed rows
 * and set with rv_pop_set_array_param.  Each element obeys `rule`;
 * `ordered` lists must not decrease.  A new population gives every neuron
 * the list def[0..n_def). */
typedef struct rv__array_desc {
    const char *name;
    const char *unit;
    rv__rule rule;
    int ordered;
    const double *def;
    int n_def;
} rv__array_desc;

/* One list of values per neuron, as compressed rows: neuron i's list is
 * val[off[i] .. off[i + 1]).  off has n + 1 entries. */
typedef struct rv__lists {
    int64_t *off;
    double *val;
} rv__lists;

struct rv__model;

/* The neurons of one block, as a model sees them. */
typedef struct rv__block {
    const struct rv__model *model;
    int64_t n;                   /* neurons in the block */
    int64_t first_gid;           /* gid of local neuron 0 (gids are consecutive) */
    double *const *param;        /* [n_params][n] */
    double *const *state;        /* [n_vars + n_internal][n] */
    double *const *derived;      /* [n_derived][n] */
    double *const *scratch;      /* [n_scratch][n] */
    const rv__lists *arrays;     /* [n_arrays]: array-valued parameters */
    const int64_t *sched_off;    /* spike times (SpikeSourceArray): neuron i's are */
    const double *sched_t;       /* sched_t[sched_off[i] .. sched_off[i + 1]) */
} rv__block;

/* The spikes a block reports in one step: local index and time. */
typedef struct rv__spike_buf {
    uint32_t *idx;
    double *t;
    int64_t n, cap;              /* cap >= the block's n: room for one spike per neuron */
} rv__spike_buf;

/* Reports a spike of local neuron i at time t (ms).  Returns 0, or -1 when
 * the buffer is full and the spike was not taken; neuron models, which
 * fire at most once per neuron and step, can ignore the result. */
static inline int rv__fire(rv__spike_buf *b, int64_t i, double t)
{
    if (b->n == b->cap)
        return -1;
    b->idx[b->n] = (uint32_t)i;
    b->t[b->n] = t;
    b->n++;
    return 0;
}

/* A neuron a model could not advance (its state diverged, or an adaptive
 * integrator needed more sub-steps than its stated limit).  update()
 * reports it with rv__model_fault and carries on; the kernel then stops the
 * run with RV_ERR_VALUE naming the population, neuron, variable and time. */
typedef struct rv__fault {
    int64_t neuron;      /* local index in the block; -1: nothing reported */
    const char *var;     /* the variable concerned */
    const char *why;     /* what went wrong, in words */
} rv__fault;

/* Most receptors a model may have. */
#define RV__MAX_RECEPTORS 16

/* What update() gets for one step of a block. */
typedef struct rv__step_ctx {
    int64_t begin, end;           /* the neurons to update: [begin, end) = [resume point, n) */
    rv__spike_buf *out;           /* where rv__fire reports spikes */
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
    rv__fault *fault;             /* where update() reports a neuron it could not
                                     advance; only the first report is kept */
} rv__step_ctx;

/* Reports that local neuron i could not be advanced (see rv__fault). */
static inline void rv__model_fault(const rv__step_ctx *ctx, int64_t i, const char *var,
                                   const char *why)
{
    if (ctx->fault && ctx->fault->neuron < 0)
        *ctx->fault = (rv__fault){i, var, why};
}

/*
 * The work bound of a model's adaptive integration over one block in one
 * time step.  Each neuron may take up to its model's own limit of trial
 * steps (per_neuron); the block's neurons together up to per_neuron plus
 * RV__TRIALS_PER_NEURON for each neuron of the block.  Without the block
 * bound a population of neurons that each stay just under their own limit
 * (2000 stiff Izhikevich neurons, say) takes minutes a step without ever
 * reaching a limit.  A neuron that runs out, of its own allowance or of the
 * block's, is reported (rv__model_fault) and the block's remaining neurons
 * are not integrated (failed).  Legitimate neurons need tens of trial steps
 * a step.  Blocks follow the thread partition, so which neuron is reported
 * when the block bound is reached may depend on the number of threads; a
 * run that stays within the bounds does not.
 */
#define RV__TRIALS_PER_NEURON 1000

typedef struct rv__trials {
    int64_t left;        /* trial steps left to the block */
    int64_t per_neuron;  /* most one neuron may take */
    int failed;          /* a neuron has run out: integrate no more */
} rv__trials;

static inline rv__trials rv__trials_for(const rv__step_ctx *ctx, int64_t per_neuron)
{
    return (rv__trials){per_neuron + RV__TRIALS_PER_NEURON * (ctx->end - ctx->begin),
                        per_neuron, 0};
}

/* The trial steps the next neuron may take (0 once a neuron has failed). */
static inline int64_t rv__trials_allowed(const rv__trials *b)
{
    if (b->failed)
        return 0;
    return b->left < b->per_neuron ? b->left : b->per_neuron;
}

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
       Returns the local index of an offending neuron (and a message naming
       the parameter), or -1.  May be NULL. */
    int64_t (*check)(const rv__block *b, const char **msg);
    /* Fills derived[][] from the parameters and dt.  May be NULL. */
    void (*prepare)(const rv__block *b, double dt);
    /* Called at the start of the first run after the parameters changed
       (or after creation or reset), at time t: sources redraw or re-seek
       their next event here.  May be NULL. */
    void (*resume)(const rv__block *b, int64_t step, double dt, uint64_t seed);
    /* Frees a model built for one population (composed models); NULL for
       the built-in ones. */
    void (*release)(const struct rv__model *m);
    /* Advances the neurons [ctx->begin, ctx->end) of the block by one step
       and reports their spikes (rv__fire).  Returns ctx->end, or, when the
       spike buffer filled up (a source firing many times in the step), the
       neuron to resume from once the kernel has emptied it: the spikes
       reported stay reported, and calling again from that neuron must
       report the rest of the step (the neurons after it untouched). */
    int64_t (*update)(const rv__block *b, const rv__step_ctx *ctx);
} rv__model;

/* The registry of built-in models (models/registry.c). */
const rv__model *rv__find_model(const char *name);
const rv__model *rv__model_at(int i);

/* Whether x obeys the rule (the one check of neuron and synapse parameters),
 * and the rule in words ("> 0", ...). */
int rv__obeys(rv__rule rule, double x);
const char *rv__rule_text(rv__rule rule);

/* Index of a name in a model's tables, or -1. */
int rv__param_index(const rv__model *m, const char *name);
int rv__var_index(const rv__model *m, const char *name);
int rv__receptor_index(const rv__model *m, const char *name);

/* Marks a model's inner loop for an extra AVX2 build, chosen at run time
 * when the processor has it.  The build is ISO C (-std=c11), so the
 * compiler does not fuse multiply-adds and both builds give identical
 * results. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define RV__VECTOR_KERNEL __attribute__((target_clones("avx2", "default")))
#else
#define RV__VECTOR_KERNEL
#endif

#endif
