/* The post-synaptic spike log of STDP (see post_history.h). */
#include <math.h>
#include <string.h>

#include "core/sim.h"

rv_status rv__history_channel(rv_sim *sim, rv__pop *p, double tau, int *channel)
{
    if (!p->history) {
        p->history = rv__calloc(1, sizeof *p->history);
        if (p->history) {
            p->history->log = rv__calloc((size_t)p->n, sizeof *p->history->log);
            p->history->n_readers = rv__calloc((size_t)p->n, sizeof *p->history->n_readers);
        }
        if (!p->history || !p->history->log || !p->history->n_readers) {
            rv__history_free(p->history, p->n);
            p->history = NULL;
            return rv__fail(sim, RV_ERR_NOMEM, "rv_sim_run_until: out of memory");
        }
        rv__history_clear(p->history, p->n);
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
        if (h->log[i].n > 0)
            return rv__fail(sim, RV_ERR_PHASE,
                            "rv_sim_run_until: a new post-synaptic trace time constant (%g ms) "
                            "on population %d after it has run", tau, (int)p->handle);
    h->tau[h->n_channels] = tau;
    *channel = h->n_channels++;
    return RV_OK;
}

int rv__history_append(rv__post_history *h, int64_t i, double t)
{
    rv__spike_log *l = &h->log[i];
    int nc = h->n_channels;
    if (l->first + l->n == l->cap) {
        /* Slide the live entries to the front, and grow if over half full. */
        if (l->first > 0) {
            memmove(l->t, l->t + l->first, (size_t)l->n * sizeof *l->t);
            memmove(l->k, l->k + l->first * nc, (size_t)(l->n * nc) * sizeof *l->k);
            memmove(l->reads, l->reads + l->first, (size_t)l->n * sizeof *l->reads);
            l->first = 0;
        }
        if (l->n * 2 >= l->cap) {
            int64_t cap = l->cap ? 2 * l->cap : 8;
            double *t = rv__realloc_array(l->t, (size_t)cap, sizeof *t);
            if (!t)
                return -1;
            l->t = t;
            double *k = rv__realloc_array(l->k, (size_t)(cap * (nc ? nc : 1)), sizeof *k);
            if (!k)
                return -1;
            l->k = k;
            uint32_t *r = rv__realloc_array(l->reads, (size_t)cap, sizeof *r);
            if (!r)
                return -1;
            l->reads = r;
            l->cap = cap;
        }
    }
    int64_t at = l->first + l->n;
    for (int c = 0; c < nc; c++)
        l->k[at * nc + c] = 1.0 + rv__history_trace(h, i, c, t);
    l->t[at] = t;
    l->reads[at] = 0;
    l->n++;
    return 0;
}

double rv__history_trace(const rv__post_history *h, int64_t i, int c, double t)
{
    const rv__spike_log *l = &h->log[i];
    int nc = h->n_channels;
    /* the newest live entry before t, by bisection */
    int64_t lo = l->first, hi = l->first + l->n;
    while (lo < hi) {
        int64_t mid = (lo + hi) / 2;
        if (l->t[mid] < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo > l->first)
        return l->k[(lo - 1) * nc + c] * exp(-(t - l->t[lo - 1]) / h->tau[c]);
    if (l->base_t < t)
        return l->base_k[c] * exp(-(t - l->base_t) / h->tau[c]);
    return 0.0;
}

void rv__history_prune(rv__post_history *h, int64_t i)
{
    rv__spike_log *l = &h->log[i];
    int nc = h->n_channels;
    while (l->n > 0 && l->reads[l->first] >= h->n_readers[i]) {
        l->base_t = l->t[l->first];
        for (int c = 0; c < nc; c++)
            l->base_k[c] = l->k[l->first * nc + c];
        l->first++;
        l->n--;
    }
}

void rv__history_clear(rv__post_history *h, int64_t n)
{
    if (!h)
        return;
    for (int64_t i = 0; i < n; i++) {
        h->log[i].first = 0;
        h->log[i].n = 0;
        h->log[i].base_t = -INFINITY;
        memset(h->log[i].base_k, 0, sizeof h->log[i].base_k);
    }
}

void rv__history_free(rv__post_history *h, int64_t n)
{
    if (!h)
        return;
    for (int64_t i = 0; h->log && i < n; i++) {
        rv__free(h->log[i].t);
        rv__free(h->log[i].k);
        rv__free(h->log[i].reads);
    }
    rv__free(h->log);
    rv__free(h->n_readers);
    rv__free(h);
}
