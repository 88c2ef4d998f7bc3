/*
 * The simulation object and the objects it owns.  Internal.
 *
 * Layout (docs/architecture.md):
 *   - the simulation runs as shards, one per thread; shard s owns block s
 *     of every population: its neurons' parameters, state, input ring
 *     buffers, recorded data and spike logs, in memory of its own, with
 *     local indices (rv__pop_block);
 *   - synapses live with their target: projection p keeps, for each
 *     shard, the synapses onto that shard's block of the target population,
 *     grouped by source (rv__rows, synapses/synapse.h);
 *   - a step of a shard touches only that shard's memory; spikes are
 *     collected per shard and exchanged at the end of each min-delay
 *     slice, when every shard delivers them into its own rows.
 */
#ifndef RV_SIM_H
#define RV_SIM_H

#include <stdint.h>

#include "core/internal.h"
#include "core/rng.h"
#include "models/model.h"
#include "synapses/post_history.h"
#include "synapses/synapse.h"

/* ---- recording (record/recorder.c) ----------------------------------------- */

/* A recorded variable of a population: a table with one row per sample,
 * rows every interval_steps from first_step.  Each block keeps the columns
 * of its own recorded neurons (rv__signal_cols) with the same rows. */
typedef struct rv__signal {
    int64_t n_rows, cap_rows;
    int64_t first_step;     /* step of row 0 (valid when n_rows > 0) */
    int64_t n_cells;        /* recorded neurons, over all blocks */
} rv__signal;

typedef struct rv__signal_cols {
    int64_t *cells;         /* recorded local indices, ascending */
    int64_t n_cells;
    double *data;           /* cap_rows x n_cells, row-major */
} rv__signal_cols;

/* What a block records: spikes (local index, time) and per-neuron counts
 * since the last clear, and the columns of every analog variable. */
typedef struct rv__block_rec {
    uint8_t *spike_on;      /* [n] 1 = spikes recorded */
    int64_t *counts;        /* [n] */
    uint32_t *sp_idx;
    double *sp_t;
    int64_t sp_n, sp_cap;
    rv__signal_cols *cols;  /* [n_vars] */
} rv__block_rec;

/* The recorded spikes of all blocks of a population in time order, made
 * when they are read (rv_rec_get_spikes) and kept until the next change. */
typedef struct rv__spike_view {
    uint32_t *idx;
    double *t;
    int64_t n, cap;
    int valid;
} rv__spike_view;

/* ---- populations (core/population.c) ----------------------------------------- */

/* The neurons [lo, lo + n) of a population that one shard owns. */
typedef struct rv__pop_block {
    rv__block view;         /* what the model sees: the arrays below */
    int64_t lo;
    double **param;         /* [n_params][n] */
    double **state;         /* [n_vars + n_internal][n] */
    double **init;          /* [n_vars][n] */
    double **derived;       /* [n_derived][n] */
    double **scratch;       /* [n_scratch][n] */
    rv__lists *arrays;      /* [n_arrays] array-valued parameters */
    int64_t *sched_off;     /* spike schedule (SpikeSourceArray), [n + 1] */
    double *sched_t;
    double *input;          /* [n_receptors][input_len][n] ring buffers */
    int64_t input_len;
    double *i_inj;          /* [n] current injected during this step (neurons) */
    rv__spike_buf fired;    /* the spikes of the current step, room for n */
    rv__block_rec rec;
    rv__spike_log **log;    /* [n] spike logs for plastic synapses, or NULL */
} rv__pop_block;

typedef struct rv__pop {
    const rv__model *model;
    int owns_model;         /* the model was built for this population */
    int32_t handle;
    int64_t n;
    int64_t first_gid;
    int n_blocks;           /* = the number of shards it was split for */
    rv__pop_block *blocks;  /* block b belongs to shard b */
    int32_t *out_proj;      /* projections from this population */
    int32_t n_out;
    int32_t n_out_exchanged; /* those not `local`: the spikes go to the exchange */
    int64_t cap_out;
    int64_t interval_steps; /* analog sampling interval */
    rv__signal *signals;    /* [n_vars] */
    rv__spike_view spikes;
    rv__trace_channels *history;  /* post-synaptic traces read by plastic synapses, or NULL */
    int injected;           /* a current source targets this population */
    int dirty;              /* parameters changed: prepare/resume due */
} rv__pop;

/* The block of shard s of a population spans [rv__block_lo(n, S, s),
 * rv__block_lo(n, S, s + 1)). */
static inline int64_t rv__block_lo(int64_t n, int n_blocks, int s)
{
    return n * s / n_blocks;
}

/* Most shards (processes x threads) a simulation may have. */
#define RV__MAX_SHARDS 65536

/* The block holding population index i. */
static inline int rv__block_of(const rv__pop *p, int64_t i)
{
    int b = (int)(i * p->n_blocks / p->n);   /* < 2^32 x 2^16 (RV__MAX_SHARDS): no overflow */
    while (b + 1 < p->n_blocks && p->blocks[b + 1].lo <= i)
        b++;
    while (b > 0 && p->blocks[b].lo > i)
        b--;
    return b;
}

/* The block holding population index i if this process holds it, or -1. */
static inline int rv__local_block_of(const rv__pop *p, int64_t i)
{
    int b = rv__block_of(p, i);
    return i - p->blocks[b].lo < p->blocks[b].view.n ? b : -1;
}

/* ---- current sources (electrodes/current_source.c) --------------------------- */

typedef enum rv__cs_kind { RV__CS_DC, RV__CS_AC, RV__CS_STEP, RV__CS_NOISE } rv__cs_kind;

typedef struct rv__cs_target {
    int32_t pop;
    int64_t index;
} rv__cs_target;

typedef struct rv__cs {
    rv__cs_kind kind;
    int32_t handle;
    double amplitude, start, stop, frequency, offset, phase, mean, stdev, noise_dt;
    double *step_t;         /* StepCurrentSource after rounding */
    double *step_a;
    int64_t n_steps;
    rv__cs_target *targets;
    int64_t n_targets, cap_targets;
    int recording;
    double *trace;          /* value at each step from 0 */
    int64_t n_trace, cap_trace;
} rv__cs;

/* A current source's target in a shard: local neuron `index` of the
 * shard's block of population `pop`. */
typedef struct rv__injection {
    int32_t cs, pop;
    int64_t index;
} rv__injection;

/* ---- shards -------------------------------------------------------------------- */

/* A spike emitted in the current slice: `step_off` steps after the slice
 * start, by neuron `index` of population `pop`.  A shard's list is sorted
 * by (step_off, pop, index). */
typedef struct rv__spike {
    uint32_t index;
    int32_t pop;
    int32_t step_off;
} rv__spike;

/* A synaptic update (STDP) waiting for post-synaptic spikes: synapse
 * `synapse` of the shard's rows of projection `proj`, for the spike of
 * source `pre` emitted at the end of step `spike_step`; it runs when the
 * clock reaches `due`. */
typedef struct rv__deferred {
    int32_t proj;
    uint32_t pre;
    int64_t synapse;
    int64_t spike_step;
    int64_t due;
} rv__deferred;

typedef struct rv__defer_bucket {
    rv__deferred *e;
    int64_t n, cap;
} rv__defer_bucket;

#define RV__NO_ROW UINT32_MAX

/* What a thread owns besides its blocks and rows. */
typedef struct rv__shard {
    rv__spike *spikes;          /* emitted in this slice */
    int64_t n_spikes, cap_spikes;
    rv__defer_bucket *deferred; /* [deferred_len], by the clock they are due */
    int64_t deferred_len;
    rv__injection *inject;      /* current sources into this shard, by source */
    int64_t n_inject;
    int64_t *cursor;            /* [n_projs] delivery scratch */
    uint32_t **row_of;          /* [n_projs] dense source index of the shard's rows of each
                                   projection (position in the source table, or
                                   RV__NO_ROW), or NULL where the table is sparse */
    int32_t n_row_of;
    struct rv__route *routes;   /* [max out-degree of a population] delivery scratch */
    int failed;                 /* ran out of memory, or a neuron failed, during the run */
    rv__fault fault;            /* what update() reported in the current step */
    struct {                    /* the first neuron of the shard that failed in this run */
        int32_t pop;            /* -1: none */
        int64_t index;          /* in the population */
        const char *var, *why;
        double value;           /* of var, for the not-finite check */
        double t;               /* ms */
    } failure;
} rv__shard;

/* A slice's spikes of every shard of every process, in delivery order
 * (delivery/arrivals.c). */
typedef struct rv__arrivals {
    rv__spike *buf[2];          /* [cap] each: buf[0] receives the shards' lists in shard
                                   order; the sort moves them between the two */
    int64_t cap;
    int64_t n;                  /* this slice's */
    const rv__spike *sorted;    /* buf[0] or buf[1], after rv__arrivals_sort */
} rv__arrivals;

/* ---- the simulation ------------------------------------------------------------ */

struct rv_sim {
    char errmsg[512];
    double dt;
    double min_delay_cfg;   /* <= 0: auto */
    double max_delay_cfg;   /* <= 0: auto */
    uint64_t seed;
    int64_t step;
    int running;            /* a run started since creation or reset */
    int run_failed;         /* the current run stopped: a shard failed, or the spike
                               exchange could not take the slice (RV__EXCHANGE_*) */
    int prepared;           /* ring buffers, rows and shard tables are current */

    rv__pop **pops;
    int32_t n_pops;
    int64_t cap_pops;
    rv__proj **projs;
    int32_t n_projs;
    int64_t cap_projs;
    rv__cs **cs;
    int32_t n_cs;
    int64_t cap_cs;
    int64_t n_neurons;

    int n_threads;           /* of this process (rv_sim_set_threads) */
    int n_procs, proc;       /* MPI processes and this one's rank (1, 0 without MPI) */
    struct rv__comm *comm;   /* the communicator (core/comm.h), or NULL */
    int n_shards;            /* n_procs x n_threads; populations and rows follow it at
                                prepare; this process's are rv__shards_lo..hi */
    rv__shard *shards;       /* [n_shards_made] */
    int n_shards_made;
    int64_t min_delay_steps; /* slice length */
    int64_t max_delay_steps;
    int64_t ring_len;        /* power of two > max delay + slice */
    rv__arrivals arrivals;   /* the current slice's spikes, as delivery reads them */
    int plastic;             /* some projection reads post-synaptic spikes */

    int64_t *gen_pre, *gen_post; /* rv_rule_generate output */
    int64_t gen_cap;
};

/* Of S shards spread over the processes, this process's are [lo, hi):
 * with P processes, [S r / P, S (r + 1) / P) for rank r, so that its
 * blocks of a population of n hold [n r / P, n (r + 1) / P) whatever the
 * number of threads.  The blocks of other processes' shards are empty
 * (view.n = 0, with their lo), and so are those shards' rows. */
static inline int rv__shards_lo(const rv_sim *sim, int S)
{
    return (int)((int64_t)S * sim->proc / sim->n_procs);
}

static inline int rv__shards_hi(const rv_sim *sim, int S)
{
    return (int)((int64_t)S * (sim->proc + 1) / sim->n_procs);
}

/* The neurons of block s of S of a population of n that this process holds. */
static inline int64_t rv__block_n(const rv_sim *sim, int64_t n, int S, int s)
{
    if (s < rv__shards_lo(sim, S) || s >= rv__shards_hi(sim, S))
        return 0;
    return rv__block_lo(n, S, s + 1) - rv__block_lo(n, S, s);
}

/* Handle lookups that report a clear error. */
rv_status rv__get_pop(rv_sim *sim, const char *fn, int32_t pop, rv__pop **out);
rv_status rv__get_proj(rv_sim *sim, const char *fn, int32_t proj, rv__proj **out);
rv_status rv__get_cs(rv_sim *sim, const char *fn, int32_t cs, rv__cs **out);

/* Checks an optional index list against a population size and gives the
 * number of addressed neurons. */
rv_status rv__check_indices(rv_sim *sim, const char *fn, const rv__pop *p,
                            const int64_t *idx, int64_t n_idx, int64_t *count);

/* Population internals (population.c). */
void rv__pop_free(rv__pop *p);
void rv__pop_reset_state(rv__pop *p);
rv_status rv__pop_size_input(rv_sim *sim, rv__pop *p, int64_t ring_len);
/* Re-splits a population into sim->n_shards blocks (data kept). */
rv_status rv__pop_reshard(rv_sim *sim, rv__pop *p);
/* Visits the neurons idx[0..count) (idx NULL: all, k = population index)
 * block by block: calls fn(block, local index, k) for each, k being the
 * position in idx; for a neuron another process holds (MPI),
 * fn(NULL, -1, k), so that reads can say "not here" (NaN, 0). */
typedef void (*rv__visit_fn)(rv__pop_block *b, int64_t local, int64_t k, void *ctx);
void rv__pop_visit(rv__pop *p, const int64_t *idx, int64_t count, rv__visit_fn fn, void *ctx);

/* Shards (core/shard.c). */
rv_status rv__shards_size(rv_sim *sim);
void rv__shards_free(rv_sim *sim);

/* Recording internals (record/recorder.c). */
rv_status rv__rec_init(rv__pop *p);
rv_status rv__rec_block_init(rv__block_rec *r, const rv__model *m, int64_t n);
void rv__rec_block_free(rv__block_rec *r, const rv__model *m);
void rv__rec_free(rv__pop *p);
void rv__rec_discard(rv__pop *p);
/* The spikes of one flush of a block into its recorder; -1 out of memory. */
int rv__rec_spikes(rv__pop_block *b, const rv__spike_buf *f);
/* Orders the spikes recorded from `first` on (one step's) by time. */
int rv__rec_sort_step(rv__block_rec *r, int64_t first);
/* Before a run to `target`: room for every analog row it will add.  Then,
 * in the shards, the block's sample at `step` when one is due, and after
 * the run the rows made up to `step`. */
rv_status rv__rec_reserve(rv_sim *sim, rv__pop *p, int64_t target);
void rv__rec_sample_block(const rv__pop *p, rv__pop_block *b, int64_t step);
void rv__rec_commit(rv__pop *p, int64_t step);
/* Moves recorded data from old blocks to new ones (resharding). */
rv_status rv__rec_reshard(rv__pop *p, rv__pop_block *fresh, int n_fresh);

/* Current sources (electrodes/current_source.c). */
double rv__cs_value(const rv__cs *c, int64_t step, double dt, uint64_t seed);
int rv__cs_record_value(rv__cs *c, int64_t step, double value);
void rv__cs_free(rv__cs *c);
/* The injection tables of the shards. */
rv_status rv__cs_prepare(rv_sim *sim);
/* Room in the traces of recorded sources for a run up to `target`. */
rv_status rv__cs_reserve(rv_sim *sim, int64_t target);

/* Spike delivery (delivery/delivery.c). */
rv_status rv__prepare_delivery(rv_sim *sim);
/* Delivers the spikes f of block s of population src, emitted at the end
 * of `step`, through its local projections (shard s, during the update). */
void rv__deliver_local(rv_sim *sim, int s, const rv__pop *src, const rv__spike_buf *f,
                       int64_t step);
/* Frees the dense source indices of shard sh (n of them). */
void rv__free_row_index(rv__shard *sh, int32_t n);
/* The synaptic updates of shard s that fall due at clock `now`. */
void rv__run_deferred(rv_sim *sim, int s, int64_t now);
/* Delivers the slice's arrivals (the slice starts at `slice_start`) into
 * the rows of shard s. */
void rv__deliver(rv_sim *sim, int s, int64_t slice_start);

/* A slice's arrivals (delivery/arrivals.c).  Room for n in both buffers
 * (1 if out of memory, the buffers kept as they were). */
int rv__arrivals_reserve(rv_sim *sim, int64_t n);
/* The spikes this process's shards listed in the slice, and a copy of their
 * lists, in shard order, to `at`. */
int64_t rv__arrivals_local_count(const rv_sim *sim);
void rv__arrivals_copy_local(const rv_sim *sim, rv__spike *at);
/* The exchange of one process (rv__comm_exchange's contract): its own lists
 * into buf[0]. */
int rv__arrivals_local(rv_sim *sim, int failed);
/* Puts the n received spikes in delivery order (arrivals.sorted). */
void rv__arrivals_sort(rv_sim *sim);
void rv__arrivals_free(rv_sim *sim);
void rv__clear_deferred(rv_sim *sim);

/* Dynamic synapses (synapses/prepare.c). */
rv_status rv__prepare_synapses(rv_sim *sim);

#endif
