/*
 * The recent spikes of post-synaptic neurons, for spike-timing-dependent
 * plasticity (as NEST's archiving node).
 *
 * STDP updates a synapse's weight when a presynaptic spike reaches it; the
 * post-synaptic spikes since its previous presynaptic spike are read back
 * from this log.  Each entry holds the spike time, how many synapses have
 * read it, and, for every trace time constant in use on the neuron (a
 * "channel"), the value of the post-synaptic trace
 * K(t) = sum over spikes of e^(-(t - t_k)/tau) just after the spike.  An
 * entry is dropped once every plastic synapse onto the neuron (a "reader")
 * has read it (each reads each entry exactly once); the newest dropped one
 * stays as a base, so the trace is known at any later time.
 *
 * Layout: one memory block per neuron, its counts then its entries, so that a
 * synapse's update touches one memory region of its target (the updates
 * jump from target to target: each is a likely cache miss).  An entry is
 * `stride` doubles: time, read count (exact in a double), one trace value
 * per channel.  Entries [0, dropped) are read by every reader (the last of
 * them is the base); [dropped, end) are live.
 *
 * Memory: a neuron keeps every spike since the oldest last arrival among
 * its readers, so a reader whose presynaptic neuron stays silent keeps the
 * log of its target growing (as in NEST).
 */
#ifndef RV_POST_HISTORY_H
#define RV_POST_HISTORY_H

#include <stdint.h>

#include "ranvier/ranvier.h"

#define RV__MAX_TRACE_CHANNELS 8

typedef struct rv__spike_log {
    uint32_t readers;         /* plastic synapses onto the neuron */
    uint32_t dropped, end, cap;
    double e[];               /* cap entries of `stride` doubles */
} rv__spike_log;

enum { RV__ENTRY_T, RV__ENTRY_READS, RV__ENTRY_K };

/* The trace time constants in use on a population (its "channels"), the
 * same for all its blocks; the logs themselves belong to the blocks
 * (rv__pop_block.log, one per local neuron, NULL without readers). */
typedef struct rv__trace_channels {
    int n_channels;
    int stride;               /* doubles per entry: 2 + n_channels */
    double tau[RV__MAX_TRACE_CHANNELS];
} rv__trace_channels;

/* One more reader of a neuron's log; -1 if out of memory. */
int rv__history_add_reader(const rv__trace_channels *h, rv__spike_log **log);
/* Appends a spike at time t to a neuron's log (nothing if it has no
 * reader), first dropping the entries every reader has read; -1 if out of
 * memory. */
int rv__history_append(const rv__trace_channels *h, rv__spike_log **log, double t);
/* The trace of channel c of a neuron just before time t (spikes at t
 * excluded). */
double rv__history_trace(const rv__trace_channels *h, const rv__spike_log *l, int c, double t);
/* Forgets the readers (before a run counts them again), the spikes
 * (reset), or everything. */
void rv__history_clear_readers(rv__spike_log **logs, int64_t n);
void rv__history_clear(rv__spike_log **logs, int64_t n);
void rv__history_free(rv__spike_log **logs, int64_t n);

/* Entry e of a log. */
static inline double *rv__entry(const rv__trace_channels *h, const rv__spike_log *l, int64_t e)
{
    return (double *)l->e + e * h->stride;
}

#endif
