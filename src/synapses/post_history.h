/*
 * The recent spikes of post-synaptic neurons, for spike-timing-dependent
 * plasticity (as NEST's archiving node).
 *
 * STDP updates a synapse's weight when a presynaptic spike reaches it; the
 * post-synaptic spikes since its previous presynaptic spike are read back
 * from this log.  Each entry holds the spike time and, for every trace
 * time constant in use on the neuron (a "channel"), the value of the
 * post-synaptic trace K(t) = sum over spikes of e^(-(t - t_k)/tau) just
 * after the spike.  An entry is dropped once every plastic synapse onto the
 * neuron has read it (each synapse reads each entry exactly once); the
 * newest dropped one is kept as a base, so the trace stays known at any
 * later time.
 */
#ifndef RV_POST_HISTORY_H
#define RV_POST_HISTORY_H

#include <stdint.h>

#include "ranvier/ranvier.h"

#define RV__MAX_TRACE_CHANNELS 8

typedef struct rv__spike_log {
    double *t;
    double *k;              /* [entry][channel] */
    uint32_t *reads;
    int64_t first, n, cap;  /* live entries are [first, first + n) */
    /* the newest dropped entry: the trace before the live entries */
    double base_t;
    double base_k[RV__MAX_TRACE_CHANNELS];
} rv__spike_log;

typedef struct rv__post_history {
    int n_channels;
    double tau[RV__MAX_TRACE_CHANNELS];
    rv__spike_log *log;     /* per neuron */
    uint32_t *n_readers;    /* plastic synapses onto each neuron */
} rv__post_history;

struct rv_sim;
struct rv__pop;

/* The channel of time constant tau on a population, added if new. */
rv_status rv__history_channel(struct rv_sim *sim, struct rv__pop *p, double tau, int *channel);
/* Appends a spike of neuron i at time t. */
int rv__history_append(rv__post_history *h, int64_t i, double t);
/* Drops the entries of neuron i that every reader has read. */
void rv__history_prune(rv__post_history *h, int64_t i);
/* Forgets every spike (reset). */
void rv__history_clear(rv__post_history *h, int64_t n);
void rv__history_free(rv__post_history *h, int64_t n);

/* The trace of channel c just before time t (spikes at t excluded). */
double rv__history_trace(const rv__post_history *h, int64_t i, int c, double t);

#endif
