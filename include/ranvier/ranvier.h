/*
 * ranvier.h -- the public C API of the Ranvier spiking network simulator.
 *
 * This header is the whole contract: everything under src/ is internal.
 *
 * Conventions
 *   - Every function that can fail returns an rv_status.  RV_OK is 0.  On
 *     failure nothing has changed, and rv_sim_errmsg() holds a message that
 *     names the function, the argument, its value and the rule it broke.
 *   - The library never aborts, exits or prints.  There are no globals: any
 *     number of simulations can live in one process (one thread per
 *     simulation object at a time).
 *   - Inputs are borrowed and copied.  Outputs go to caller buffers, or are
 *     read-only views that stay valid until the next call that changes the
 *     same object.
 *   - Units are PyNN's: ms, mV, nA, nF, uS, Hz.  Weights are nA for
 *     current-based receptors, uS for conductance-based ones and mV for
 *     voltage-jump (delta) receptors.
 *   - Populations, projections and current sources are named by small
 *     integer handles that are only meaningful for the simulation that made
 *     them.  Neurons are named by their index within a population; each also
 *     has a global id (gid): populations take consecutive gid ranges in the
 *     order they are created, starting at 0.
 *   - Arrays of per-element values take a length: a length of 1 broadcasts a
 *     single value to every element.
 *
 * Sections: version, status codes, simulation, models, populations,
 * projections and connection rules, random distributions, current sources,
 * recording.
 */
#ifndef RANVIER_H
#define RANVIER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Version                                                             */
/* ------------------------------------------------------------------ */

#define RV_VERSION_MAJOR 0
#define RV_VERSION_MINOR 1
#define RV_VERSION_PATCH 0
#define RV_VERSION_STRING "0.1.0"

const char *rv_version(void);

/* ------------------------------------------------------------------ */
/* Status codes                                                        */
/* ------------------------------------------------------------------ */

typedef enum rv_status {
    RV_OK = 0,
    RV_ERR_NULL,      /* a required pointer argument is NULL */
    RV_ERR_VALUE,     /* an argument value is out of range or not finite */
    RV_ERR_HANDLE,    /* a population/projection/source handle is not known */
    RV_ERR_NAME,      /* a model, parameter, variable or receptor name is not known */
    RV_ERR_SIZE,      /* array lengths do not match */
    RV_ERR_PHASE,     /* the call is not allowed in the current phase */
    RV_ERR_NOMEM,     /* out of memory */
    RV_ERR_LIMIT,     /* an implementation limit was exceeded */
    RV_ERR_INDEX      /* a neuron or connection index is out of range */
} rv_status;

/* Short name of a status ("RV_ERR_VALUE"); never NULL. */
const char *rv_status_name(int status);
/* Generic one-line description of a status; never NULL. */
const char *rv_status_string(int status);

/* ------------------------------------------------------------------ */
/* Simulation                                                          */
/* ------------------------------------------------------------------ */

typedef struct rv_sim rv_sim;

/* Creates an empty simulation with dt = 0.1 ms, automatic min/max delay and
 * seed 1.  Fails only with RV_ERR_NULL or RV_ERR_NOMEM (*out is then NULL). */
rv_status rv_sim_create(rv_sim **out);
/* Frees everything the simulation owns.  rv_sim_free(NULL) is a no-op. */
void rv_sim_free(rv_sim *sim);

/* The message of the most recent failed call on this simulation ("" if the
 * last call succeeded).  Valid until the next call on the simulation. */
const char *rv_sim_errmsg(const rv_sim *sim);

/* Time step and delay bounds, in ms.  min_delay <= 0 means "auto" (the
 * smallest delay in the network); max_delay <= 0 means "auto" (no bound
 * other than RV_MAX_DELAY_STEPS).  Only before the first population exists. */
rv_status rv_sim_set_timing(rv_sim *sim, double dt, double min_delay, double max_delay);
/* Seed of every random draw the kernel makes (sources, native connection
 * rules, noise).  Draws depend only on the seed and on global ids, never on
 * how the work is split. Only before the first run (or after a reset). */
rv_status rv_sim_set_seed(rv_sim *sim, uint64_t seed);

/* Number of threads that run the simulation.  Each thread owns a block of
 * every population (a shard) and the synapses onto it; the results are
 * bit for bit the same for any number of threads.  Allowed at any time
 * between runs; the default is 1. */
rv_status rv_sim_set_threads(rv_sim *sim, int n_threads);

#define RV_MAX_DELAY_STEPS 65535

typedef struct rv_sim_info {
    double dt;            /* ms */
    double min_delay;     /* ms; the effective value once a run has prepared */
    double max_delay;     /* ms; idem */
    double t;             /* current time, ms */
    int64_t step;         /* current step; t = step * dt */
    uint64_t seed;
    int64_t n_neurons;    /* total over all populations */
    int32_t n_populations;
    int32_t n_projections;
    int32_t n_current_sources;
    int running;          /* 1 once a run has started since creation/reset */
    int n_threads;        /* of this process */
    int n_processes;      /* MPI processes sharing the simulation (ranvier_mpi.h), else 1 */
    int rank;             /* this process's rank among them, else 0 */
    double exchange_s;    /* wall time this process spent exchanging spikes with the others
                             (MPI collectives and copies) since creation; 0 without MPI */
    int64_t exchanged;    /* spike records it received from the others since creation */
} rv_sim_info;

rv_status rv_sim_get_info(rv_sim *sim, rv_sim_info *out);

/* Advances the simulation until t >= t_stop (t_stop is rounded to the
 * nearest step).  A target within dt/2 of now is a no-op; an earlier target
 * is RV_ERR_VALUE.  The first run after building or changing the network
 * prepares it (checks parameters, computes propagators, sorts synapses).
 *
 * A run can fail part-way, the one exception to "on failure nothing has
 * changed": with RV_ERR_VALUE when a neuron cannot be advanced (a state
 * variable is NaN or infinite, checked at the end of every min-delay
 * slice, or an adaptive integrator needs more sub-steps than its stated
 * limit; the message names the population, neuron, variable and time), or
 * with RV_ERR_NOMEM when memory for spikes or recorded data runs out.  The
 * simulation then stands at the end of the last complete slice (the time
 * rv_sim_get_info reports), with the data recorded up to it; spikes of the
 * failed slice may be missing.  rv_sim_reset() always recovers: a new run
 * from t = 0 gives the results of a run that never failed. */
rv_status rv_sim_run_until(rv_sim *sim, double t_stop);
/* Returns to t = 0 with every state variable at its initial value, empty
 * spike queues, and random streams rewound, so that runs repeat bit for bit.
 * The network, parameters and recording settings are kept; recorded data is
 * discarded. */
rv_status rv_sim_reset(rv_sim *sim);

/* ------------------------------------------------------------------ */
/* Models                                                              */
/* ------------------------------------------------------------------ */

typedef enum rv_model_kind {
    RV_MODEL_NEURON = 0,       /* integrates input, can be injected */
    RV_MODEL_SPIKE_SOURCE = 1  /* emits spikes, takes no input */
} rv_model_kind;

typedef struct rv_model_info {
    const char *name;
    rv_model_kind kind;
    int n_params;
    int n_vars;              /* state variables, all recordable */
    int n_receptors;
    int conductance_based;   /* receptors are conductances (uS) */
    int voltage_jump;        /* receptors add weight (mV) to v */
} rv_model_info;

typedef struct rv_param_info {
    const char *name;
    const char *unit;
    double default_value;
    const char *rule;        /* e.g. "> 0", ">= 0", "any finite" */
} rv_param_info;

typedef struct rv_var_info {
    const char *name;
    const char *unit;
    double default_initial;
} rv_var_info;

int rv_model_count(void);
/* i in [0, rv_model_count()); NULL otherwise. */
const char *rv_model_name(int i);
rv_status rv_model_get_info(const char *model, rv_model_info *out);
rv_status rv_model_get_param(const char *model, int i, rv_param_info *out);
rv_status rv_model_get_var(const char *model, int i, rv_var_info *out);
rv_status rv_model_get_receptor(const char *model, int i, const char **name);

/* ------------------------------------------------------------------ */
/* Populations                                                         */
/* ------------------------------------------------------------------ */

/* Creates n neurons of a model (see rv_model_name), with default parameters
 * and initial values.  Allowed at any time; neurons created after a run
 * start from their initial values at the current time. */
rv_status rv_pop_create(rv_sim *sim, const char *model, int64_t n, int32_t *pop_out);

/* Creates n composed point neurons (PyNN's PointNeuron): a membrane
 * component, "LIF" (or "AdExp" where available), with receptors named
 * names[k] of kinds[k]: "CurrExp", "CondExp", "CondAlpha" or "CondBeta",
 * all current-based or all conductance-based.  Receptor parameters and
 * state variables are named "<name>.<parameter>" ("AMPA.tau_syn",
 * "AMPA.gsyn"); projections name the receptor ("AMPA"). */
rv_status rv_pop_create_composed(rv_sim *sim, const char *component, int n_receptors,
                                 const char *const *names, const char *const *kinds,
                                 int64_t n, int32_t *pop_out);

typedef struct rv_pop_info {
    const char *model;
    int64_t size;
    int64_t first_gid;
} rv_pop_info;

rv_status rv_pop_get_info(rv_sim *sim, int32_t pop, rv_pop_info *out);

/* Sets a parameter of the neurons idx[0..n_idx) (all neurons when idx is
 * NULL; n_idx is then ignored) to values[0..n_values), n_values being 1 or
 * the number of neurons addressed.  Values are checked against the
 * parameter's rule before anything changes.  Rules that tie several
 * parameters together (v_reset < v_thresh, ...) are checked when a run
 * prepares, so parameters can be changed one at a time. */
rv_status rv_pop_set_param(rv_sim *sim, int32_t pop, const char *name,
                           const int64_t *idx, int64_t n_idx,
                           const double *values, int64_t n_values);
/* Reads a parameter into out[0..n_addressed). */
rv_status rv_pop_get_param(rv_sim *sim, int32_t pop, const char *name,
                           const int64_t *idx, int64_t n_idx, double *out);

/* Initial values: used at t = 0 and after every reset.  Setting an initial
 * value while the simulation is at t = 0 also sets the current state. */
rv_status rv_pop_set_initial(rv_sim *sim, int32_t pop, const char *var,
                             const int64_t *idx, int64_t n_idx,
                             const double *values, int64_t n_values);
rv_status rv_pop_get_initial(rv_sim *sim, int32_t pop, const char *var,
                             const int64_t *idx, int64_t n_idx, double *out);
/* The current value of a state variable. */
rv_status rv_pop_get_state(rv_sim *sim, int32_t pop, const char *var,
                           const int64_t *idx, int64_t n_idx, double *out);

/* Spike times of SpikeSourceArray neurons: neuron idx[k] gets the times
 * times[offsets[k] .. offsets[k+1]) (offsets has n_idx + 1 entries; idx NULL
 * means every neuron, n_idx then must equal the population size).  Each
 * list must be non-decreasing, finite and >= 0.  A spike at time t is
 * delivered at the first grid point >= t (t = 0 at the end of the first
 * step) and recorded at exactly t.  Times at or before the current time,
 * once a run has started, are never emitted. */
rv_status rv_pop_set_spike_times(rv_sim *sim, int32_t pop,
                                 const int64_t *idx, int64_t n_idx,
                                 const int64_t *offsets, const double *times);
/* Reads the spike times of one neuron: *n_out gets the count; up to cap
 * values are written to out (which may be NULL when cap is 0). */
rv_status rv_pop_get_spike_times(rv_sim *sim, int32_t pop, int64_t index,
                                 double *out, int64_t cap, int64_t *n_out);

/* Array-valued parameters, one list per neuron (SpikeSourceInhGamma's a, b
 * and tbins; "spike_times" of SpikeSourceArray is one too, with the rules
 * of rv_pop_set_spike_times).  Neuron idx[k] gets values[offsets[k] ..
 * offsets[k+1]) (offsets has n_idx + 1 entries; idx NULL means every
 * neuron, n_idx then must equal the population size); other neurons keep
 * their lists; values may be NULL when every list is empty.  Every value
 * must obey the parameter's rule (a, b: finite and > 0; tbins, spike_times:
 * finite and >= 0), and ordered lists (tbins, spike_times) must not
 * decrease.  Rules that tie several lists together (a, b and tbins of equal
 * length) are checked when a run prepares, so that lists can be set one at
 * a time. */
rv_status rv_pop_set_array_param(rv_sim *sim, int32_t pop, const char *name,
                                 const int64_t *idx, int64_t n_idx,
                                 const int64_t *offsets, const double *values);
/* Reads the list of one neuron: *n_out gets its length; up to cap values
 * are written to out (which may be NULL when cap is 0). */
rv_status rv_pop_get_array_param(rv_sim *sim, int32_t pop, const char *name,
                                 int64_t index, double *out, int64_t cap,
                                 int64_t *n_out);

/* ------------------------------------------------------------------ */
/* Projections                                                         */
/* ------------------------------------------------------------------ */

/* A projection holds the synapses from one population to another (or the
 * same) onto one receptor of the target model, all of one synapse model
 * ("StaticSynapse").  Neurons are named by their index in their population. */
rv_status rv_proj_create(rv_sim *sim, int32_t pre, int32_t post,
                         const char *receptor, const char *synapse_model,
                         int32_t *proj_out);

/* Named per-connection values, e.g. {"weight", w, n} or {"delay", d, 1}. */
typedef struct rv_values {
    const char *name;
    const double *data;
    int64_t n;            /* 1 (broadcast) or the number of connections */
} rv_values;

/* Appends n connections pre[k] -> post[k].  Parameters not given take the
 * synapse model's defaults (the default delay is the time step).  Delays
 * are rounded to the time grid and must be at least one step. */
rv_status rv_proj_connect(rv_sim *sim, int32_t proj, int64_t n,
                          const uint32_t *pre, const uint32_t *post,
                          const rv_values *params, int n_params);

rv_status rv_proj_size(rv_sim *sim, int32_t proj, int64_t *n_out);

/* The connections in canonical order: sorted by presynaptic index, then by
 * postsynaptic index, then by creation order.  Every array has
 * rv_proj_size() entries. */
rv_status rv_proj_get_pairs(rv_sim *sim, int32_t proj, uint32_t *pre, uint32_t *post);
/* Reads "weight", "delay" (ms, on the grid) or another synapse parameter
 * in canonical order. */
rv_status rv_proj_get(rv_sim *sim, int32_t proj, const char *name, double *out);
/* Writes a parameter of every connection, in canonical order (n is 1 or
 * the projection size).  NaN entries leave that connection unchanged. */
rv_status rv_proj_set(rv_sim *sim, int32_t proj, const char *name,
                      const double *values, int64_t n);

/* Memory held by a projection's synapses, in bytes. */
rv_status rv_proj_memory(rv_sim *sim, int32_t proj, int64_t *bytes_out);

/* --- Random distributions (used by connection rules) --------------- */

typedef enum rv_dist_kind {
    RV_DIST_CONSTANT = 0,          /* p[0] */
    RV_DIST_UNIFORM,               /* low p[0], high p[1] */
    RV_DIST_UNIFORM_INT,           /* low p[0], high p[1] (exclusive) */
    RV_DIST_NORMAL,                /* mu p[0], sigma p[1] */
    RV_DIST_NORMAL_CLIPPED,        /* mu, sigma, low, high: redrawn until inside */
    RV_DIST_NORMAL_CLIPPED_TO_BOUNDARY, /* mu, sigma, low, high: clamped */
    RV_DIST_EXPONENTIAL,           /* beta p[0] (mean) */
    RV_DIST_LOGNORMAL,             /* mu, sigma (of the underlying normal) */
    RV_DIST_GAMMA,                 /* k p[0] (shape), theta p[1] (scale) */
    RV_DIST_POISSON,               /* lambda p[0] */
    RV_DIST_BINOMIAL,              /* n p[0], p p[1] */
    RV_DIST_VONMISES,              /* mu p[0], kappa p[1] */
    RV_DIST_MATRIX                 /* value = matrix[pre * n_post + post] */
} rv_dist_kind;

/* How a connection parameter gets its values inside a connection rule.
 * For RV_DIST_MATRIX, matrix is a dense row-major array over the rule's
 * (pre list x post list). */
typedef struct rv_param_spec {
    const char *name;
    rv_dist_kind kind;
    double p[4];
    const double *matrix;
} rv_param_spec;

/* Draws n values of a distribution from the kernel's generator, keyed by
 * (seed, stream, key): the same arguments always give the same values. */
rv_status rv_random_fill(rv_sim *sim, const rv_param_spec *dist,
                         uint64_t stream, uint64_t key, int64_t n, double *out);

/* --- Connection rules, run natively --------------------------------- */

typedef enum rv_rule_kind {
    RV_RULE_ALL_TO_ALL = 0,
    RV_RULE_ONE_TO_ONE,
    RV_RULE_FIXED_PROBABILITY,     /* p */
    RV_RULE_FIXED_NUMBER_PRE,      /* n sources for every target */
    RV_RULE_FIXED_NUMBER_POST,     /* n targets for every source */
    RV_RULE_FIXED_TOTAL_NUMBER     /* n connections in all */
} rv_rule_kind;

typedef struct rv_rule {
    rv_rule_kind kind;
    double p;                  /* FIXED_PROBABILITY */
    int64_t n;                 /* FIXED_NUMBER_* and FIXED_TOTAL_NUMBER */
    int allow_self;            /* 0: no connection between equal gids */
    int with_replacement;      /* FIXED_NUMBER_* and FIXED_TOTAL_NUMBER */
    uint64_t stream;           /* names the random stream: applications of rules
                                  with the same stream draw the same numbers, so
                                  give independent projections distinct streams */
} rv_rule;

/* Applies a rule between the neurons pre_idx[0..n_pre) of the projection's
 * presynaptic population and post_idx[0..n_post) of its postsynaptic
 * population (NULL: the whole population, n_* then ignored).  Parameters
 * are given by specs; the rest take defaults.  Random draws come from the
 * kernel's generator keyed by (seed, rule stream, target or source gid). */
rv_status rv_proj_connect_rule(rv_sim *sim, int32_t proj, const rv_rule *rule,
                               const int64_t *pre_idx, int64_t n_pre,
                               const int64_t *post_idx, int64_t n_post,
                               const rv_param_spec *specs, int n_specs);

/* The same rule, but the connections are returned instead of stored, as
 * positions in the pre and post lists (for callers that route them across
 * several projections): with the same stream and the same neurons it gives
 * the connections rv_proj_connect_rule makes.  The lists here are gids.  *n_out is the number
 * of connections; the arrays are owned by the simulation and valid until
 * the next call on it. */
rv_status rv_rule_generate(rv_sim *sim, const rv_rule *rule,
                           const int64_t *pre_gids, int64_t n_pre,
                           const int64_t *post_gids, int64_t n_post,
                           int64_t *n_out, const int64_t **pre_pos,
                           const int64_t **post_pos);

/* ------------------------------------------------------------------ */
/* Current sources                                                     */
/* ------------------------------------------------------------------ */

/* Models: "DCSource" (amplitude, start, stop), "ACSource" (amplitude,
 * start, stop, frequency, offset, phase), "StepCurrentSource" (array
 * parameters times, amplitudes), "NoisyCurrentSource" (mean, stdev, start,
 * stop, dt).  The value at time t acts on the membrane during the step that
 * starts at t. */
rv_status rv_cs_create(rv_sim *sim, const char *model, int32_t *cs_out);
/* Sets a scalar parameter of a source (the step source's times and
 * amplitudes are set with rv_cs_set_steps). */
rv_status rv_cs_set(rv_sim *sim, int32_t cs, const char *name, double value);
rv_status rv_cs_get(rv_sim *sim, int32_t cs, const char *name, double *out);
/* Steps of a StepCurrentSource: times must be >= 0 and strictly
 * increasing; they are rounded to the grid and a later step that lands on
 * the same grid point replaces an earlier one. */
rv_status rv_cs_set_steps(rv_sim *sim, int32_t cs, const double *times,
                          const double *amplitudes, int64_t n);
/* Reads the steps after rounding: *n_out gets the count, up to cap of
 * each are written. */
rv_status rv_cs_get_steps(rv_sim *sim, int32_t cs, double *times,
                          double *amplitudes, int64_t cap, int64_t *n_out);
/* Injects the source into neurons of a population (NULL idx: all). */
rv_status rv_cs_inject(rv_sim *sim, int32_t cs, int32_t pop,
                       const int64_t *idx, int64_t n_idx);
/* Records the source's value at every step (from t = 0). */
rv_status rv_cs_record(rv_sim *sim, int32_t cs, int enable);
/* View of the recorded values: one per step from t = 0 to now inclusive. */
rv_status rv_cs_get_trace(rv_sim *sim, int32_t cs, const double **values,
                          int64_t *n_out);

/* ------------------------------------------------------------------ */
/* Recording                                                           */
/* ------------------------------------------------------------------ */

/* Starts (enable = 1) or stops (0) recording spikes, or a state variable,
 * of some neurons of a population.  var is "spikes" or a variable name. */
rv_status rv_rec_set(rv_sim *sim, int32_t pop, const char *var,
                     const int64_t *idx, int64_t n_idx, int enable);
/* Sampling interval of every analog variable of a population (ms, a
 * multiple of dt).  Cannot change once analog data has been recorded. */
rv_status rv_rec_set_interval(rv_sim *sim, int32_t pop, double interval);

/* View of the spikes recorded since the last clear: neuron indices and
 * times (ms), in order of time. */
rv_status rv_rec_get_spikes(rv_sim *sim, int32_t pop, int64_t *n_out,
                            const uint32_t **idx, const double **times);
/* Recorded spike counts of neurons idx (NULL: all) since the last clear. */
rv_status rv_rec_spike_counts(rv_sim *sim, int32_t pop, const int64_t *idx,
                              int64_t n_idx, int64_t *counts);

/* Shape of a recorded variable: the number of samples since the last clear
 * and the time of the first one. */
rv_status rv_rec_get_signal_info(rv_sim *sim, int32_t pop, const char *var,
                                 int64_t *n_samples, double *t_first,
                                 double *interval);
/* Fills out (n_samples rows x n_idx columns, row-major) with the samples
 * of neurons idx; NaN where a neuron was not recorded. */
rv_status rv_rec_get_signal(rv_sim *sim, int32_t pop, const char *var,
                            const int64_t *idx, int64_t n_idx, double *out);

/* Forgets the data recorded so far (spikes and samples) of a population;
 * analog recording goes on from the current time, whose sample is kept. */
rv_status rv_rec_clear(rv_sim *sim, int32_t pop);

#ifdef __cplusplus
}
#endif

#endif /* RANVIER_H */
