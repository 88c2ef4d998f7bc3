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
    for (int k = 0; k < p->syn->n_params; k++) {
        const rv__dcol *c = &p->extra[k];
        const rv__param_desc *d = &p->syn->params[k];
        for (int64_t j = 0; j < (c->v ? p->n_compact : (p->n_compact > 0)); j++)
            if (!rv__obeys(d->rule, rv__col(c, j)))
                return rv__fail(sim, RV_ERR_VALUE,
                                "rv_sim_run_until: projection %d (%s), connection %lld: %s = %g%s%s "
                                "is invalid (must be %s)", (int)p->handle, p->syn->name,
                                (long long)j, d->name, rv__col(c, j), d->unit[0] ? " " : "",
                                d->unit, rv__rule_text(d->rule));
    }
    const char *msg = "";
    int64_t bad = p->syn->check && p->n_compact > 0 ? p->syn->check(p, &msg) : -1;
    if (bad >= 0)
        return rv__fail(sim, RV_ERR_VALUE,
                        "rv_sim_run_until: projection %d (%s), connection %lld: %s",
                        (int)p->handle, p->syn->name, (long long)bad, msg);
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

rv_status rv__prepare_synapses(rv_sim *sim)
{
    rv_status st;
    /* Check everything first, so that a bad value changes nothing. */
    for (int32_t k = 0; k < sim->n_projs; k++)
        if ((st = check_synapses(sim, sim->projs[k])))
            return st;
    sim->plastic = 0;
    for (int32_t k = 0; k < sim->n_pops; k++)
        rv__history_clear_readers(sim->pops[k]->history, sim->pops[k]->n);
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
        if ((st = rv__history_channel(sim, post, p->syn->trace_tau(p), &p->trace_channel)))
            return st;
        for (int64_t j = 0; j < p->n_compact; j++)
            if (rv__history_add_reader(post->history, p->target[j]))
                return rv__fail(sim, RV_ERR_NOMEM, "rv_sim_run_until: out of memory");
    }
    return RV_OK;
}
