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

/* A synapse model: parameters beyond weight and delay, as a table. */
typedef struct rv__synmodel {
    const char *name;
    const rv__param_desc *params;
    int n_params;
} rv__synmodel;

const rv__synmodel *rv__find_synmodel(const char *name);

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
} rv__proj;

struct rv_sim;

void rv__proj_free(rv__proj *p);
/* Merges the pending connections into the rows.  Fails only on NOMEM or
 * when a projection exceeds 2^32 - 1 connections. */
rv_status rv__proj_compact(struct rv_sim *sim, rv__proj *p);
/* Computes the shard cuts of the rows for the current number of shards. */
rv_status rv__proj_shard(struct rv_sim *sim, rv__proj *p);

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
