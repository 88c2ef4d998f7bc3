/*
 * Projections: the synapses from one population onto a receptor of
 * another, stored with the target side.
 *
 * Each shard keeps the synapses onto its block of the target population
 * (rv__rows): a compact source table -- the sources that have at least one
 * target in the block, ascending, with the offsets of their rows -- and
 * per synapse a 4-byte local target index, an 8-byte weight and a 2-byte
 * delay in steps: 14 bytes, fewer when the weights or delays of the rows
 * are all equal (then one value is kept).  A row is sorted by target
 * (creation order among multapses), so the canonical order of a
 * projection -- by pre, then post, then creation -- is the rows of each
 * source taken shard by shard.
 */
#ifndef RV_SYNAPSE_H
#define RV_SYNAPSE_H

#include <stdint.h>

#include "models/model.h"
#include "synapses/post_history.h"

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
struct rv__proj;
struct rv__shard;

/* The synapses of one projection onto one shard's block of the target. */
typedef struct rv__rows {
    int64_t n;              /* synapses */
    int64_t n_src;          /* sources with targets here */
    uint32_t *src;          /* [n_src] their indices in the pre population, ascending */
    int64_t *off;           /* [n_src + 1] row offsets */
    uint32_t *target;       /* [n] local index in the target block */
    rv__dcol weight;
    rv__u16col delay;
    rv__dcol *extra;        /* [syn->n_params] */
    double **state;         /* dynamic synapse state, [n_state][n], or NULL */
} rv__rows;

/* What a dynamic synapse model gets for one presynaptic spike. */
typedef struct rv__syn_ctx {
    const struct rv__proj *p;
    rv__rows *r;              /* the shard's rows */
    struct rv__shard *sh;     /* the shard delivering (it owns the targets) */
    int shard;
    int64_t pre_gid;          /* the source */
    uint32_t pre;
    int64_t row_begin;        /* the first synapse of its row here */
    int64_t post_gid0;        /* gid of the target block's local neuron 0 */
    int64_t step;             /* the spike was emitted at the end of this step */
    double t;                 /* its time, (step + 1) dt: the time of the pre spike */
    double dt;
    uint64_t seed;
    double *ring;             /* the receptor's ring buffer, [slot][n_post] */
    int64_t ring_mask;
    int64_t n_post;           /* neurons in the target block */
    const double *tau_psc;    /* the target's time constant of this receptor, or NULL */
    const rv__trace_channels *channels;  /* post-synaptic traces (STDP) */
    rv__spike_log **logs;     /* the target block's spike logs (STDP) */
    int64_t now_step;         /* the clock: post spikes up to now_step dt are known */
} rv__syn_ctx;

/* A synapse model, as data plus functions.  Its per-synapse columns (kept
 * like the weight: one value until two synapses differ) are `params`: first
 * its parameters, then, for the last n_vars of them, the initial values of
 * its state variables (e.g. u of Tsodyks-Markram).  Once a run prepares a
 * dynamic projection, its current state lives in arrays (`rv__rows.state`):
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
    /* Rules that tie parameters together, over the rows of one shard;
       returns a synapse index and a message, or -1.  May be NULL. */
    int64_t (*check)(const struct rv__proj *p, const rv__rows *r, const char **msg);
    /* Whether the columns that shape the post-synaptic trace are one value
       over the rows, and that trace's time constant (post_trace). */
    int (*trace_uniform)(const rv__rows *r);
    double (*trace_tau)(const rv__rows *r);
    /* One presynaptic spike through synapses [begin, end) of a row: updates
       their state and adds their effect to the ring.  NULL: static. */
    void (*transmit)(const rv__syn_ctx *c, int64_t begin, int64_t end);
} rv__synmodel;

const rv__synmodel *rv__find_synmodel(const char *name);
int rv__synmodel_count(void);
const rv__synmodel *rv__synmodel_at(int i);

/* Connections waiting to be merged into the rows, in creation order. */
typedef struct rv__pending {
    int64_t n, cap;
    uint32_t *pre, *post;   /* population indices */
    rv__dcol weight;
    rv__u16col delay;       /* in steps */
    rv__dcol *extra;        /* [syn->n_params] */
} rv__pending;

typedef struct rv__proj {
    int32_t handle;
    int32_t pre, post;
    int receptor;
    const rv__synmodel *syn;
    int n_shards;           /* = the target population's blocks */
    rv__rows *rows;         /* [n_shards] */
    int64_t n_rows;         /* synapses in the rows, over all shards */
    rv__pending pend;
    uint16_t min_delay, max_delay;  /* over all synapses, in steps */
    int n_state;            /* dynamic state arrays per synapse (once prepared) */
    int has_state;          /* the rows carry dynamic state: no more connections */
    int tau_param;          /* the target's parameter giving tau_psc, or -1 */
    int trace_channel;      /* the post-synaptic trace it reads (STDP) */
    int local;              /* static, pre i -> post i between populations of one size
                               (so one split): the shard that emits a spike delivers it
                               while updating (delivery/delivery.c) */
} rv__proj;

void rv__proj_free(rv__proj *p);
void rv__rows_free(rv__rows *r, const rv__synmodel *syn, int n_state);
/* Merges the pending connections into the rows (and fits the rows to the
 * target's blocks).  Fails only on NOMEM or a projection over the size
 * limit; the projection is then unchanged. */
rv_status rv__proj_compact(struct rv_sim *sim, rv__proj *p);
/* Allocates and initialises the state of a dynamic projection (once). */
rv_status rv__proj_prepare_state(struct rv_sim *sim, rv__proj *p);
/* Puts the state back to its initial values (reset). */
void rv__proj_reset_state(rv__proj *p);
/* The current-state array of synapse column `name` (weight or a variable)
 * in rows r, or NULL. */
double *rv__rows_state_of(const rv__proj *p, const rv__rows *r, const char *name);

/* Index of the first state array of the variables, and of the internals. */
static inline int rv__state_vars(const rv__proj *p)
{
    return p->syn->plastic_weight ? 1 : 0;
}
static inline int rv__state_internal(const rv__proj *p)
{
    return rv__state_vars(p) + p->syn->n_vars;
}

/* Value j of a column. */
static inline double rv__col(const rv__dcol *c, int64_t j)
{
    return c->v ? c->v[j] : c->all;
}

/* Delay of synapse j, in steps. */
static inline int64_t rv__delay_of(const rv__rows *r, int64_t j)
{
    return r->delay.v ? r->delay.v[j] : r->delay.all;
}

/* Adds w, the effect of synapse j for the spike in c, to its target's ring
 * slot: it arrives delay steps after the spike. */
static inline void rv__syn_deliver(const rv__syn_ctx *c, int64_t j, double w)
{
    int64_t slot = (c->step + 1 + rv__delay_of(c->r, j)) & c->ring_mask;
    c->ring[(size_t)slot * (size_t)c->n_post + c->r->target[j]] += w;
}

/* Defers the update of synapse j for the spike in c to the clock `ready`
 * (delivery.c). */
void rv__defer(const rv__syn_ctx *c, int64_t j, int64_t ready);

/* RV_OK if connections may still be added (no synaptic state yet). */
rv_status rv__proj_can_grow(struct rv_sim *sim, const char *fn, const rv__proj *p);

/* A batch of connections whose values are already checked, in creation
 * order: population indices, then per column (weight, delay in steps,
 * extras) a pointer and a stride (0: one value for all). */
#define RV__MAX_SYN_PARAMS 16
typedef struct rv__batch {
    int64_t n;
    const uint32_t *pre, *post;
    const double *col[2 + RV__MAX_SYN_PARAMS];
    int64_t stride[2 + RV__MAX_SYN_PARAMS];
    int post_sorted;          /* post is non-decreasing */
} rv__batch;

/* Adds a batch to a projection: straight into the rows when nothing is
 * pending and the batch is large, else into the pending tail. */
rv_status rv__proj_append(struct rv_sim *sim, rv__proj *p, const rv__batch *b);

/* The per-connection values of a connect call, checked and converted into
 * the column layout of a batch: weight, delay in steps, extras. */
typedef struct rv__conn_values {
    const double *col[2 + RV__MAX_SYN_PARAMS];
    int64_t stride[2 + RV__MAX_SYN_PARAMS];
    double *owned_delay;      /* delays converted to steps; free after use */
    double default_delay;
} rv__conn_values;

rv_status rv__proj_values(struct rv_sim *sim, const char *fn, rv__proj *p, int64_t n,
                          const rv_values *params, int n_params, rv__conn_values *cv);

/* ---- rows (synapses/rows.c) --------------------------------------------------- */

/* New rows for one block: the rows `old` (may be empty) merged with the
 * connections sel[0..m) of batch b (sel NULL: all of it), whose targets
 * lie in the block [lo, lo + n_block); n_pre is the source population's
 * size.  Nothing changes on failure (-1, out of memory). */
int rv__rows_merge(rv__rows *out, const rv__rows *old, const rv__batch *b, const uint32_t *sel,
                   int64_t m, int64_t lo, int64_t n_block, int64_t n_pre,
                   const rv__synmodel *syn);
/* The same for the connections of batch b that target the block. */
int rv__rows_merge_block(rv__rows *out, const rv__rows *old, const rv__batch *b, int64_t lo,
                         int64_t n_block, int64_t n_pre, const rv__synmodel *syn, int64_t *m_out);
/* New rows for the block [lo, lo + n_block) from the rows of other blocks
 * of the same population (old[q] for the block starting at old_lo[q];
 * old_lo has n_old + 1 entries), state included.  -1: out of memory. */
int rv__rows_regroup(rv__rows *out, const rv__rows *old, const int64_t *old_lo, int n_old,
                     int64_t lo, int64_t n_block, const rv__synmodel *syn, int n_state);
/* The position of source i in the rows' source table, searched from *cursor
 * on (and left at the first source >= i for the next, larger query), or
 * -1 when i has no targets here. */
static inline int64_t rv__rows_find(const rv__rows *r, uint32_t i, int64_t *cursor)
{
    const uint32_t *src = r->src;
    int64_t lo = *cursor, n = r->n_src, step = 1, hi = lo;
    /* gallop: the queries come in ascending order, mostly close together */
    while (hi < n && src[hi] < i) {
        lo = hi + 1;
        hi += step;
        step *= 2;
    }
    if (hi > n)
        hi = n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (src[mid] < i)
            lo = mid + 1;
        else
            hi = mid;
    }
    *cursor = lo;
    return lo < n && src[lo] == i ? lo : -1;
}

/* Bytes the rows hold. */
int64_t rv__rows_memory(const rv__rows *r, const rv__synmodel *syn, int n_state);

#endif
