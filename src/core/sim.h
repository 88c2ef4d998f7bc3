/*
 * The simulation object and the objects it owns.  Internal.
 *
 * Layout decisions (see docs/architecture.md):
 *   - one contiguous array per parameter / state variable per population;
 *   - synapses live in their projection, grouped by presynaptic neuron
 *     (compressed rows) once compacted; connections made since the last
 *     compaction wait in a creation-ordered tail;
 *   - input arrives through per-population ring buffers, one per receptor,
 *     indexed by absolute step modulo a power-of-two length;
 *   - spikes of a min-delay slice are collected and delivered at its end.
 */
#ifndef RV_SIM_H
#define RV_SIM_H

#include <stdint.h>

#include "core/internal.h"
#include "core/rng.h"
#include "models/model.h"
#include "synapses/post_history.h"
#include "synapses/synapse.h"

/* ---- recording -------------------------------------------------------- */

typedef struct rv__signal {
    int64_t *cells;         /* recorded neuron indices, ascending */
    int64_t n_cells;
    double *data;           /* n_rows x n_cells, row-major */
    int64_t n_rows, cap_rows;
    int64_t first_step;     /* step of row 0 (valid when n_rows > 0) */
} rv__signal;

typedef struct rv__recorder {
    uint8_t *spike_on;      /* [n] 1 = spikes recorded */
    uint32_t *sp_idx;       /* recorded spikes since the last clear */
    double *sp_t;
    int64_t sp_n, sp_cap;
    int64_t *counts;        /* [n] spikes since the last clear */
    int64_t interval_steps; /* analog sampling interval */
    rv__signal *signals;    /* [n_vars] */
} rv__recorder;

/* ---- spikes reported during a step ------------------------------------ */

/* The spikes one shard of a population reported in the current step. */
typedef struct rv__fired {
    uint32_t *idx;
    double *t;
    int64_t n, cap;
    int failed;             /* ran out of memory */
} rv__fired;

/* Reports a spike of neuron i at time t (ms) from inside update(). */
static inline void rv__fire(rv__fired *f, int64_t i, double t)
{
    if (f->n == f->cap) {
        int64_t cap_i = f->cap, cap_t = f->cap;
        if (rv__reserve((void **)&f->idx, &cap_i, f->n + 1, sizeof *f->idx)
            || rv__reserve((void **)&f->t, &cap_t, f->n + 1, sizeof *f->t)) {
            f->failed = 1;
            return;
        }
        f->cap = cap_i < cap_t ? cap_i : cap_t;
    }
    f->idx[f->n] = (uint32_t)i;
    f->t[f->n] = t;
    f->n++;
}

/* ---- populations ------------------------------------------------------ */

/* One list of values per neuron, as compressed rows: neuron i's list is
 * val[off[i] .. off[i + 1]).  off has n + 1 entries. */
typedef struct rv__lists {
    int64_t *off;
    double *val;
} rv__lists;

typedef struct rv__pop {
    const rv__model *model;
    int owns_model;         /* the model was built for this population */
    int32_t handle;
    int64_t n;
    int64_t first_gid;
    double **param;         /* [n_params][n] */
    double **state;         /* [n_vars + n_internal][n] */
    double **init;          /* [n_vars][n] */
    double **derived;       /* [n_derived][n] */
    double **scratch;       /* [n_scratch][n] */
    double *input;          /* [n_receptors][ring_len][n] */
    int64_t input_len;      /* ring length input was sized for */
    double *i_inj;          /* [n] injected current of this step (neurons) */
    int injected;           /* a current source targets this population */
    int64_t *sched_off;     /* spike schedule (CSR over neurons) */
    double *sched_t;
    rv__lists *arrays;      /* [model->n_arrays] array-valued parameters */
    int32_t *out_proj;      /* projections from this population */
    int32_t n_out;
    int64_t cap_out;
    rv__recorder rec;
    int dirty;              /* parameters changed: prepare/resume due */
    int64_t *shard_lo;      /* [n_shards + 1]: shard s owns [shard_lo[s], shard_lo[s+1]) */
    rv__fired *fired;       /* [n_fired_buffers] spikes of the current step, per shard */
    int n_fired_buffers;
    rv__post_history *history;  /* spike log for plastic synapses onto it, or NULL */
} rv__pop;

/* ---- current sources -------------------------------------------------- */

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

/* ---- spikes in flight -------------------------------------------------- */

typedef struct rv__spike {
    int32_t pop;
    uint32_t index;
    int64_t step;           /* emitted at the end of this step */
} rv__spike;

/* ---- synaptic updates waiting for post-synaptic spikes (STDP) ---------- */

typedef struct rv__deferred {
    int32_t proj;
    int64_t synapse;
    int64_t spike_step;
    int64_t due;             /* the step at whose end it runs */
} rv__deferred;

typedef struct rv__defer_bucket {
    rv__deferred *e;
    int64_t n, cap;
} rv__defer_bucket;

/* ---- the simulation ---------------------------------------------------- */

struct rv_sim {
    char errmsg[512];
    double dt;
    double min_delay_cfg;   /* <= 0: auto */
    double max_delay_cfg;   /* <= 0: auto */
    uint64_t seed;
    int64_t step;
    int running;            /* a run started since creation or reset */
    int run_failed;         /* the current run ran out of memory */
    int prepared;           /* ring buffers and synapse rows are current */

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

    int n_shards;            /* threads: each owns a block of every population */
    int64_t min_delay_steps; /* slice length */
    int64_t max_delay_steps;
    int64_t ring_len;        /* power of two > max delay + slice */

    rv__defer_bucket *deferred; /* [n_shards][ring_len], by the step they are due */
    int64_t deferred_len;       /* ring_len the buckets were made for, 0: none */
    int n_deferred_shards;
    int plastic;                /* some projection reads post-synaptic spikes */

    rv__spike *spikes;       /* emitted in the current slice */
    int64_t n_spikes, cap_spikes;

    int64_t *gen_pre, *gen_post; /* rv_rule_generate output */
    int64_t gen_cap;
};

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
rv_status rv__pop_shard(rv_sim *sim, rv__pop *p);

/* Recording internals (record/recorder.c). */
rv_status rv__rec_init(rv__recorder *r, const rv__model *m, int64_t n);
void rv__rec_free(rv__recorder *r, const rv__model *m);
void rv__rec_discard(rv__recorder *r, const rv__model *m, int64_t n);
int rv__rec_spikes(rv__pop *p, const rv__fired *f);
int rv__rec_sort_step(rv__recorder *r, int64_t first);
int rv__rec_sample(rv__pop *p, int64_t step);

/* Current sources (electrodes/current_source.c). */
double rv__cs_value(const rv__cs *c, int64_t step, double dt, uint64_t seed);
int rv__cs_record_value(rv__cs *c, int64_t step, double value);
void rv__cs_free(rv__cs *c);

/* Spike delivery (delivery/delivery.c): the queued spikes into the rows
 * of one shard's targets, and the deferred synaptic updates now due. */
void rv__deliver(rv_sim *sim, int shard);
rv_status rv__prepare_delivery(rv_sim *sim);
void rv__clear_deferred(rv_sim *sim);

/* Dynamic synapses (synapses/prepare.c). */
rv_status rv__prepare_synapses(rv_sim *sim);

#endif
