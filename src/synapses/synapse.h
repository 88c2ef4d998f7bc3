/*
 * Projections: the synapses from one population onto a receptor of
 * another, stored with the target side.
 *
 * Storage per synapse once compacted: a 4-byte target index, an 8-byte
 * weight and a 2-byte delay in steps -- 14 bytes -- and fewer when a
 * projection's weights or delays are all equal (then one value is kept for
 * the whole projection).  Rows are grouped by presynaptic index (`row`
 * offsets) and sorted by target inside a row (creation order among
 * multapses), so a spike walks one contiguous run of targets, and each
 * shard's targets form one contiguous part of it (`cut`).
 */
#ifndef RV_SYNAPSE_H
#define RV_SYNAPSE_H

#include <stdint.h>

#include "models/model.h"

/* A per-synapse column of doubles that stays a single value until two
 * synapses differ. */
typedef struct rv__dcol {
    double *v;              /* NULL: every entry equals `all` */
    double all;
} rv__dcol;

typedef struct rv__u16col {
    uint16_t *v;
    uint16_t all;
} rv__u16col;

struct rv_sim;
struct rv__pop;
struct rv__proj;

/* What a dynamic synapse model gets for one presynaptic spike. */
typedef struct rv__syn_ctx {
    struct rv_sim *sim;
    struct rv__proj *p;
    struct rv__pop *post;
    int64_t step;             /* the spike was emitted at the end of this step */
    double t;                 /* its time, (step + 1) dt: the time of the pre spike */
    double dt;
    uint64_t seed;
    double *ring;             /* the receptor's ring buffer, [slot][neuron] */
    int64_t ring_mask;
    const double *tau_psc;    /* the target's time constant of this receptor, or NULL */
    int shard;                /* the shard delivering (it owns the targets) */
    int64_t now_step;         /* the clock: post spikes up to now_step dt are known */
} rv__syn_ctx;

/* A synapse model, as data plus functions.  Its per-synapse columns (kept
 * like the weight: one value until two synapses differ) are `params`: first
 * its parameters, then, for the last n_vars of them, the initial values of
 * its state variables (e.g. u of Tsodyks-Markram).  Once a run prepares a
 * dynamic projection, its current state lives in arrays (`rv__proj.state`):
 * the current weight (plastic models), the variables, then the internal
 * state, all restored at reset. */
typedef struct rv__synmodel {
    const char *name;
    const rv__param_desc *params;
    int n_params;             /* columns, the last n_vars of them initial values */
    int n_vars;
    const rv__var_desc *internal;  /* private state and its value at reset */
    int n_internal;
    int plastic_weight;       /* the weight changes while running */
    int post_trace;           /* reads the post-synaptic spike history (STDP) */
    /* Rules that tie parameters together; returns a synapse index and a
       message, or -1.  May be NULL. */
    int64_t (*check)(const struct rv__proj *p, const char **msg);
    /* The time constant of the post-synaptic trace it reads (post_trace). */
    double (*trace_tau)(const struct rv__proj *p);
    /* One presynaptic spike through synapses [begin, end) of a row: updates
       their state and adds their effect to the ring.  NULL: static. */
    void (*transmit)(const rv__syn_ctx *c, int64_t begin, int64_t end);
} rv__synmodel;

const rv__synmodel *rv__find_synmodel(const char *name);
int rv__synmodel_count(void);
const rv__synmodel *rv__synmodel_at(int i);

typedef struct rv__proj {
    int32_t handle;
    int32_t pre, post;
    int receptor;
    const rv__synmodel *syn;
    /* compacted part */
    int64_t n_compact;
    int64_t *row;           /* [pre size + 1], NULL before the first compaction */
    int64_t *cut;           /* [(n_cut - 1) x pre size]: where each shard's targets
                               start in each row (rows are sorted by target) */
    int n_cut;
    uint32_t *target;
    rv__dcol weight;
    rv__u16col delay;
    rv__dcol *extra;        /* [syn->n_params] */
    /* connections made since the last compaction, in creation order */
    int64_t n_pend, cap_pend;
    uint32_t *pend_pre, *pend_post;
    rv__dcol pend_weight;
    rv__dcol pend_delay;      /* in steps, as doubles until compaction */
    rv__dcol *pend_extra;
    uint16_t min_delay, max_delay;  /* over all synapses, in steps */
    /* state of dynamic synapse models (NULL until a run prepares it):
       [current weight if plastic][variables][internal], n_compact each */
    double **state;
    int n_state;
    int tau_param;            /* the target's parameter giving tau_psc, or -1 */
    int trace_channel;        /* the post-synaptic trace it reads (STDP) */
} rv__proj;

void rv__proj_free(rv__proj *p);
/* Merges the pending connections into the rows.  Fails only on NOMEM or
 * when a projection exceeds 2^32 - 1 connections. */
rv_status rv__proj_compact(struct rv_sim *sim, rv__proj *p);
/* Computes the shard cuts of the rows for the current number of shards. */
rv_status rv__proj_shard(struct rv_sim *sim, rv__proj *p);
/* Allocates and initialises the state of a dynamic projection (once). */
rv_status rv__proj_prepare_state(struct rv_sim *sim, rv__proj *p);
/* Puts the state back to its initial values (reset). */
void rv__proj_reset_state(rv__proj *p);
/* The current-state array of synapse column `name` (weight or a variable),
 * or NULL. */
double *rv__proj_state_of(const rv__proj *p, const char *name);

/* Index of the first state array of the variables, and of the internals. */
static inline int rv__state_vars(const rv__proj *p)
{
    return p->syn->plastic_weight ? 1 : 0;
}
static inline int rv__state_internal(const rv__proj *p)
{
    return rv__state_vars(p) + p->syn->n_vars;
}

/* First synapse of shard `shard` in row i (shard == n_shards: row end). */
static inline int64_t rv__row_begin(const rv__proj *p, int64_t n_pre, int shard, int n_shards,
                                    int64_t i)
{
    if (shard == 0)
        return p->row[i];
    if (shard == n_shards)
        return p->row[i + 1];
    return p->cut[(size_t)(shard - 1) * (size_t)n_pre + (size_t)i];
}
/* Value j of a column. */
static inline double rv__col(const rv__dcol *c, int64_t j)
{
    return c->v ? c->v[j] : c->all;
}

/* Delay of synapse j, in steps. */
static inline int64_t rv__delay_of(const rv__proj *p, int64_t j)
{
    return p->delay.v ? p->delay.v[j] : p->delay.all;
}

/* Adds w, the effect of synapse j for the spike in c, to its target's ring
 * slot: it arrives delay steps after the spike. */
static inline void rv__syn_deliver(const rv__syn_ctx *c, int64_t j, double w, int64_t n_post)
{
    int64_t slot = (c->step + 1 + rv__delay_of(c->p, j)) & c->ring_mask;
    c->ring[(size_t)slot * (size_t)n_post + c->p->target[j]] += w;
}

/* Defers the update of synapse j for the spike in c to the end of step
 * `ready` (delivery.c). */
void rv__defer(const rv__syn_ctx *c, int64_t j, int64_t ready);

/* RV_OK if connections may still be added (no synaptic state yet). */
rv_status rv__proj_can_grow(struct rv_sim *sim, const char *fn, const rv__proj *p);
/* Appends connections whose values are already checked.  values[k] holds
 * the weight (k = 0), delay in steps (k = 1) and extras (k >= 2); with
 * stride 0 a single value is broadcast. */
rv_status rv__proj_append(struct rv_sim *sim, rv__proj *p, int64_t n,
                          const uint32_t *pre, const uint32_t *post,
                          const double *const *values, const int64_t *strides);

/* The per-connection values of a connect call, checked and converted into
 * the column layout of rv__proj_append: weight, delay in steps, extras. */
#define RV__MAX_SYN_PARAMS 16
typedef struct rv__conn_values {
    const double *col[2 + RV__MAX_SYN_PARAMS];
    int64_t stride[2 + RV__MAX_SYN_PARAMS];
    double *owned_delay;      /* delays converted to steps; free after use */
    double default_delay;
} rv__conn_values;

rv_status rv__proj_values(struct rv_sim *sim, const char *fn, rv__proj *p, int64_t n,
                          const rv_values *params, int n_params, rv__conn_values *cv);

#endif
