/* The post-synaptic spike log of STDP (see post_history.h). */
#include <math.h>
#include <string.h>

#include "core/internal.h"
#include "synapses/post_history.h"

/* A neuron's log with room for cap entries (contents of `old` kept). */
static rv__spike_log *resized(const rv__trace_channels *h, rv__spike_log *old, uint32_t cap)
{
    size_t entry = (size_t)h->stride * sizeof(double);
    rv__spike_log *l = rv__realloc_array(old, 1, sizeof *l + (size_t)cap * entry);
    if (!l)
        return NULL;
    if (!old)
        *l = (rv__spike_log){0, 0, 0, 0};
    l->cap = cap;
    return l;
}

void rv__history_clear_readers(rv__spike_log **logs, int64_t n)
{
    for (int64_t i = 0; logs && i < n; i++)
        if (logs[i])
            logs[i]->readers = 0;
}

int rv__history_add_reader(const rv__trace_channels *h, rv__spike_log **log)
{
    if (!*log && !(*log = resized(h, NULL, 4)))
        return -1;
    (*log)->readers++;
    return 0;
}

/* Drops the entries every reader has read. */
static void prune(const rv__trace_channels *h, rv__spike_log *l)
{
    while (l->dropped < l->end && rv__entry(h, l, l->dropped)[RV__ENTRY_READS] >= l->readers)
        l->dropped++;
}

int rv__history_append(const rv__trace_channels *h, rv__spike_log **log, double t)
{
    rv__spike_log *l = *log;
    if (!l || l->readers == 0)
        return 0;
    prune(h, l);
    int nc = h->n_channels;
    if (l->end == l->cap) {
        /* Slide the live entries and the base to the front; grow if the
           live ones fill over half the room. */
        uint32_t keep_from = l->dropped > 0 ? l->dropped - 1 : 0;
        if (keep_from > 0) {
            memmove(rv__entry(h, l, 0), rv__entry(h, l, keep_from),
                    (size_t)(l->end - keep_from) * (size_t)h->stride * sizeof(double));
            l->dropped -= keep_from;
            l->end -= keep_from;
        }
        if (l->end * 2 >= l->cap || l->end == l->cap) {
            if (l->cap > UINT32_MAX / 4)
                return -1;
            rv__spike_log *grown = resized(h, l, l->cap ? 2 * l->cap : 8);
            if (!grown)
                return -1;
            *log = l = grown;
        }
    }
    double *x = rv__entry(h, l, l->end);
    for (int c = 0; c < nc; c++)
        x[RV__ENTRY_K + c] = 1.0 + rv__history_trace(h, l, c, t);
    x[RV__ENTRY_T] = t;
    x[RV__ENTRY_READS] = 0.0;
    l->end++;
    return 0;
}

double rv__history_trace(const rv__trace_channels *h, const rv__spike_log *l, int c, double t)
{
    if (!l)
        return 0.0;
    /* the newest entry before t, searched from the newest back: the
       queries are about recent times (the current one, when a spike is
       appended; a delay ago, when a synapse is updated) */
    uint32_t lo = l->end;
    while (lo > l->dropped && !(rv__entry(h, l, lo - 1)[RV__ENTRY_T] < t))
        lo--;
    if (lo == 0)
        return 0.0;
    const double *x = rv__entry(h, l, lo - 1);
    if (!(x[RV__ENTRY_T] < t))   /* the base, if it is not before t */
        return 0.0;
    return x[RV__ENTRY_K + c] * exp(-(t - x[RV__ENTRY_T]) / h->tau[c]);
}

void rv__history_clear(rv__spike_log **logs, int64_t n)
{
    for (int64_t i = 0; logs && i < n; i++)
        if (logs[i])
            logs[i]->dropped = logs[i]->end = 0;
}

void rv__history_free(rv__spike_log **logs, int64_t n)
{
    for (int64_t i = 0; logs && i < n; i++)
        rv__free(logs[i]);
    rv__free(logs);
}
