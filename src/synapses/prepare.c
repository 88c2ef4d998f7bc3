/*
 * Preparing dynamic synapses for a run: their cross-parameter rules, the
 * PSC time constant short-term plasticity reads from the target, the
 * post-synaptic spike logs STDP reads, and their state.
 */
#include <math.h>
#include <string.h>

#include "core/sim.h"

static rv_status check_synapses(rv_sim *sim, const rv__proj *p)
{
    /* Every value must obey its parameter's rule (however it was set:
       connect, a connection rule's distribution, or rv_proj_set). */
    for (int s = 0; s < p->n_shards; s++) {
        const rv__rows *r = &p->rows[s];
        for (int k = 0; k < p->syn->n_params; k++) {
            const rv__dcol *c = &r->extra[k];
            const rv__param_desc *d = &p->syn->params[k];
            for (int64_t j = 0; j < (c->v ? r->n : (r->n > 0)); j++)
                if (!rv__obeys(d->rule, rv__col(c, j)))
                    return rv__fail(sim, RV_ERR_VALUE,
                                    "rv_sim_run_until: projection %d (%s), a connection has %s "
                                    "= %g%s%s, which is invalid (must be %s)", (int)p->handle,
                                    p->syn->name, d->name, rv__col(c, j), d->unit[0] ? " " : "",
                                    d->unit, rv__rule_text(d->rule));
        }
        const char *msg = "";
        int64_t bad = p->syn->check && r->n > 0 ? p->syn->check(p, r, &msg) : -1;
        if (bad >= 0)
            return rv__fail(sim, RV_ERR_VALUE, "rv_sim_run_until: projection %d (%s): %s",
                            (int)p->handle, p->syn->name, msg);
    }
    return RV_OK;
}

/* The time constant of the post-synaptic trace a projection reads: one
 * value over all its synapses (the columns that shape it must agree). */
static rv_status trace_tau(rv_sim *sim, const rv__proj *p, double *tau)
{
    int found = 0;
    for (int s = 0; s < p->n_shards; s++) {
        const rv__rows *r = &p->rows[s];
        if (r->n == 0)
            continue;
        double t = p->syn->trace_tau(r);
        if (!p->syn->trace_uniform(r) || (found && t != *tau))
            return rv__fail(sim, RV_ERR_VALUE,
                            "rv_sim_run_until: projection %d (%s): the timing rule and "
                            "tau_minus (tau of Vogels2011Rule) must be the same for all "
                            "connections of a projection: they shape the post-synaptic trace",
                            (int)p->handle, p->syn->name);
        *tau = t;
        found = 1;
    }
    if (!found)
        *tau = p->syn->params[0].def;
    return RV_OK;
}

/* The target's parameter giving the receptor's PSC time constant. */
static int psc_parameter(const rv__pop *post, int receptor)
{
    const rv__model *m = post->model;
    if (!m->receptor_tau || !m->receptor_tau[receptor])
        return -1;
    return rv__param_index(m, m->receptor_tau[receptor]);
}

/* The channel of time constant tau on a population, added if new (with
 * the logs of its blocks). */
static rv_status trace_channel(rv_sim *sim, rv__pop *p, double tau, int *channel)
{
    if (!p->history) {
        p->history = rv__calloc(1, sizeof *p->history);
        if (!p->history)
            return rv__fail(sim, RV_ERR_NOMEM, "rv_sim_run_until: out of memory");
        p->history->stride = RV__ENTRY_K;
    }
    for (int b = 0; b < p->n_blocks; b++) {
        rv__pop_block *blk = &p->blocks[b];
        if (!blk->log && !(blk->log = rv__calloc((size_t)blk->view.n + 1, sizeof *blk->log)))
            return rv__fail(sim, RV_ERR_NOMEM, "rv_sim_run_until: out of memory");
    }
    rv__trace_channels *h = p->history;
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
    for (int b = 0; b < p->n_blocks; b++)
        for (int64_t i = 0; i < p->blocks[b].view.n; i++)
            if (p->blocks[b].log[i] && p->blocks[b].log[i]->end > 0)
                return rv__fail(sim, RV_ERR_PHASE,
                                "rv_sim_run_until: a new post-synaptic trace time constant (%g "
                                "ms) on population %d after it has run", tau, (int)p->handle);
    /* no entries anywhere: the logs can take the new stride as they are */
    h->tau[h->n_channels] = tau;
    *channel = h->n_channels++;
    h->stride = RV__ENTRY_K + h->n_channels;
    for (int b = 0; b < p->n_blocks; b++)
        for (int64_t i = 0; i < p->blocks[b].view.n; i++)
            if (p->blocks[b].log[i])
                p->blocks[b].log[i]->cap = 0;   /* room counted in the old stride: regrow */
    return RV_OK;
}

rv_status rv__prepare_synapses(rv_sim *sim)
{
    rv_status st;
    /* Check everything first, so that a bad value changes nothing. */
    for (int32_t k = 0; k < sim->n_projs; k++) {
        double tau;
        const rv__proj *p = sim->projs[k];
        if ((st = check_synapses(sim, p))
            || (p->syn->post_trace && (st = trace_tau(sim, p, &tau))))
            return st;
    }
    sim->plastic = 0;
    for (int32_t k = 0; k < sim->n_pops; k++)
        for (int b = 0; b < sim->pops[k]->n_blocks; b++)
            rv__history_clear_readers(sim->pops[k]->blocks[b].log, sim->pops[k]->blocks[b].view.n);
    for (int32_t k = 0; k < sim->n_projs; k++) {
        rv__proj *p = sim->projs[k];
        rv__pop *post = sim->pops[p->post];
        p->tau_param = psc_parameter(post, p->receptor);
        if (!p->syn->transmit)
            continue;
        if ((st = rv__proj_prepare_state(sim, p)))
            return st;
        if (!p->syn->post_trace)
            continue;
        sim->plastic = 1;
        double tau;
        if ((st = trace_tau(sim, p, &tau))
            || (st = trace_channel(sim, post, tau, &p->trace_channel)))
            return st;
        for (int s = 0; s < p->n_shards; s++) {
            const rv__rows *r = &p->rows[s];
            rv__spike_log **log = post->blocks[s].log;
            for (int64_t j = 0; j < r->n; j++)
                if (rv__history_add_reader(post->history, &log[r->target[j]]))
                    return rv__fail(sim, RV_ERR_NOMEM, "rv_sim_run_until: out of memory");
        }
    }
    return RV_OK;
}
