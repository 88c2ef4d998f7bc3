/* The post-synaptic spike log of STDP (see post_history.h). */
#include <math.h>
#include <string.h>

#include "core/sim.h"

/* A neuron's block with room for cap entries (contents of `old` kept). */
static rv__spike_log *resized(const rv__post_history *h, rv__spike_log *old, uint32_t cap)
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

rv_status rv__history_channel(rv_sim *sim, rv__pop *p, double tau, int *channel)
{
    if (!p->history) {
        p->history = rv__calloc(1, sizeof *p->history);
        if (p->history)
            p->history->log = rv__calloc((size_t)p->n, sizeof *p->history->log);
        if (!p->history || !p->history->log) {
            rv__history_free(p->history, p->n);
            p->history = NULL;
            return rv__fail(sim, RV_ERR_NOMEM, "rv_sim_run_until: out of memory");
        }
        p->history->stride = RV__ENTRY_K;
    }
    rv__post_history *h = p->history;
    for (int c = 0; c < h->n_channels; c++)
        if (h->tau[c] == tau) {
            *channel = c;
            return RV_OK;
        }
    if (h->n_channels == RV__MAX_TRACE_CHANNELS)
        return rv__fail(sim, RV_ERR_LIMIT,
                        "rv_sim_run_until: population %d receives plastic synapses with more than "
                        "%d different post-synaptic trace time constants", (int)p->handle,
                        RV__MAX_TRACE_CHANNELS);
    for (int64_t i = 0; i < p->n; i++)
        if (h->log[i] && h->log[i]->end > 0)
            return rv__fail(sim, RV_ERR_PHASE,
                            "rv_sim_run_until: a new post-synaptic trace time constant (%g ms) "
                            "on population %d after it has run", tau, (int)p->handle);
    /* no entries anywhere: the blocks can take the new stride as they are */
    h->tau[h->n_channels] = tau;
    *channel = h->n_channels++;
    h->stride = RV__ENTRY_K + h->n_channels;
    for (int64_t i = 0; i < p->n; i++)
        if (h->log[i])
            h->log[i]->cap = 0;   /* room counted in the old stride: regrow */
    return RV_OK;
}

void rv__history_clear_readers(rv__post_history *h, int64_t n)
{
    for (int64_t i = 0; h && i < n; i++)
        if (h->log[i])
            h->log[i]->readers = 0;
}

int rv__history_add_reader(rv__post_history *h, int64_t i)
{
    if (!h->log[i] && !(h->log[i] = resized(h, NULL, 4)))
        return -1;
    h->log[i]->readers++;
    return 0;
}

/* Drops the entries of neuron i that every reader has read. */
static void prune(const rv__post_history *h, rv__spike_log *l)
{
    while (l->dropped < l->end && rv__entry(h, l, l->dropped)[RV__ENTRY_READS] >= l->readers)
        l->dropped++;
}

int rv__history_append(rv__post_history *h, int64_t i, double t)
{
    rv__spike_log *l = h->log[i];
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
            h->log[i] = l = grown;
        }
    }
    double *x = rv__entry(h, l, l->end);
    for (int c = 0; c < nc; c++)
        x[RV__ENTRY_K + c] = 1.0 + rv__history_trace(h, i, c, t);
    x[RV__ENTRY_T] = t;
    x[RV__ENTRY_READS] = 0.0;
    l->end++;
    return 0;
}

double rv__history_trace(const rv__post_history *h, int64_t i, int c, double t)
{
    const rv__spike_log *l = h->log[i];
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

void rv__history_clear(rv__post_history *h, int64_t n)
{
    for (int64_t i = 0; h && i < n; i++)
        if (h->log[i])
            h->log[i]->dropped = h->log[i]->end = 0;
}

void rv__history_free(rv__post_history *h, int64_t n)
{
    if (!h)
        return;
    for (int64_t i = 0; h->log && i < n; i++)
        rv__free(h->log[i]);
    rv__free(h->log);
    rv__free(h);
}
