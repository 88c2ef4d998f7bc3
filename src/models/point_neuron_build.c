/*
 * Building the model of a composed population (PyNN's PointNeuron, see
 * point_neuron.c): the parameter, variable and receptor tables of a
 * membrane component and its named receptors, made when the population is
 * created and released with it.
 */
#include <stdio.h>
#include <string.h>

#include "core/internal.h"
#include "models/point_neuron.h"

static const char *const kind_names[RV__N_KINDS] = {"CurrExp", "CondExp", "CondAlpha",
                                                    "CondBeta"};

/* Each kind's parameters (after "<name>.") and defaults. */
static const struct {
    int n;
    rv__param_desc params[3];
} kind_params[RV__N_KINDS] = {
    [RV__CURR_EXP] = {1, {{"tau_syn", "ms", 5.0, RV__POSITIVE}}},
    [RV__COND_EXP] = {2, {{"e_syn", "mV", 0.0, RV__ANY}, {"tau_syn", "ms", 5.0, RV__POSITIVE}}},
    [RV__COND_ALPHA] = {2, {{"e_syn", "mV", 0.0, RV__ANY}, {"tau_syn", "ms", 5.0, RV__POSITIVE}}},
    [RV__COND_BETA] = {3,
                       {{"e_syn", "mV", 0.0, RV__ANY}, {"tau_rise", "ms", 0.2, RV__POSITIVE},
                        {"tau_decay", "ms", 1.7, RV__POSITIVE}}},
};

/* Derived constants per receptor: current: P, P31, P_half; exp: P, P_half;
 * alpha: P, P_half, e/tau; beta: decay P, P_half, rise P, P_half, N
 * (P = e^(-dt/tau), P_half = e^(-dt/(2 tau)), P31 the current's exact
 * contribution to v over a step of the LIF membrane). */
static const int kind_derived[RV__N_KINDS] = {3, 2, 3, 5};

/* The LIF component's parameters, in PyNN's order (as enum in point_neuron.c). */
static const rv__param_desc lif_params[RV__PN_N_LIF] = {
    {"cm", "nF", 1.0, RV__POSITIVE},     {"tau_refrac", "ms", 0.1, RV__NONNEG},
    {"v_reset", "mV", -65.0, RV__ANY},   {"v_rest", "mV", -65.0, RV__ANY},
    {"tau_m", "ms", 20.0, RV__POSITIVE}, {"i_offset", "nA", 0.0, RV__ANY},
    {"v_thresh", "mV", -50.0, RV__ANY},
};

/* ---- building the tables ---------------------------------------------------------- */

void rv__composed_free(const rv__model *m)
{
    rv__composed *c = (rv__composed *)m;
    if (!c)
        return;
    rv__free(c->rec);
    rv__free(c->params);
    rv__free(c->vars);
    rv__free(c->names);
    rv__free(c->receptor_tau);
    rv__free(c->strings);
    rv__free(c);
}

static int kind_of(const char *name)
{
    for (int k = 0; k < RV__N_KINDS; k++)
        if (strcmp(kind_names[k], name) == 0)
            return k;
    return -1;
}

/* Appends "<prefix>.<name>" (or name) to the string pool. */
static const char *pooled(char **cursor, const char *prefix, const char *name)
{
    char *at = *cursor;
    int len = prefix ? sprintf(at, "%s.%s", prefix, name) : sprintf(at, "%s", name);
    *cursor += len + 1;
    return at;
}

/* Checks the receptor list; gives whether it is conductance-based and the
 * table sizes it adds. */
static rv_status check_receptor_list(rv_sim *sim, const char *fn, int n_receptors,
                                     const char *const *names, const char *const *kinds,
                                     int *conductance, int *n_params, int *n_internal,
                                     int *n_derived, size_t *pool)
{
    *conductance = -1;
    for (int r = 0; r < n_receptors; r++) {
        if (!names[r] || !kinds[r])
            return rv__fail(sim, RV_ERR_NULL, "%s: receptor %d has a NULL name or kind", fn, r);
        int k = kind_of(kinds[r]);
        if (k < 0)
            return rv__fail(sim, RV_ERR_NAME, "%s: unknown receptor kind '%s' (CurrExp, CondExp, "
                            "CondAlpha, CondBeta)", fn, kinds[r]);
        if (!names[r][0] || strchr(names[r], '.') || strlen(names[r]) > 64)
            return rv__fail(sim, RV_ERR_VALUE, "%s: receptor name '%s' must be 1-64 characters "
                            "without '.'", fn, names[r]);
        for (int j = 0; j < r; j++)
            if (strcmp(names[j], names[r]) == 0)
                return rv__fail(sim, RV_ERR_VALUE, "%s: receptor '%s' is named twice", fn,
                                names[r]);
        int cond = k != RV__CURR_EXP;
        if (*conductance >= 0 && cond != *conductance)
            return rv__fail(sim, RV_ERR_VALUE, "%s: receptors must be all current-based or all "
                            "conductance-based ('%s' is %s)", fn, names[r],
                            cond ? "conductance-based" : "current-based");
        *conductance = cond;
        *n_params += kind_params[k].n;
        *n_internal += k == RV__COND_ALPHA || k == RV__COND_BETA;
        *n_derived += kind_derived[k];
        *pool += 4 * (strlen(names[r]) + 16);
    }
    return RV_OK;
}

rv_status rv__composed_build(rv_sim *sim, const char *component, int n_receptors,
                             const char *const *names, const char *const *kinds,
                             const rv__model **out)
{
    static const char fn[] = "rv_pop_create_composed";
    int adexp = strcmp(component, "AdExp") == 0;
    if (!adexp && strcmp(component, "LIF") != 0)
        return rv__fail(sim, RV_ERR_NAME, "%s: unknown component '%s' (LIF or AdExp)", fn,
                        component);
    if (n_receptors < 0 || n_receptors > RV__MAX_RECEPTORS)
        return rv__fail(sim, RV_ERR_LIMIT, "%s: %d receptors; between 0 and %d are supported",
                        fn, n_receptors, RV__MAX_RECEPTORS);
    if (n_receptors > 0 && (!names || !kinds))
        return rv__fail(sim, RV_ERR_NULL, "%s: %s is NULL", fn, !names ? "names" : "kinds");
    int n_comp_params = adexp ? rv__pn_adexp_n_params : RV__PN_N_LIF;
    int n_comp_vars = adexp ? 2 : 1;
    int n_comp_derived = adexp ? rv__pn_adexp_n_derived : RV__PN_N_LIF_DERIVED;
    int conductance, n_params = n_comp_params, n_internal = 1, n_derived = n_comp_derived;
    size_t pool = 64;
    rv_status st = check_receptor_list(sim, fn, n_receptors, names, kinds, &conductance,
                                       &n_params, &n_internal, &n_derived, &pool);
    if (st)
        return st;
    rv__composed *c = rv__calloc(1, sizeof *c);
    if (!c)
        return rv__fail(sim, RV_ERR_NOMEM, "%s: out of memory", fn);
    c->rec = rv__calloc((size_t)n_receptors + 1, sizeof *c->rec);
    c->params = rv__calloc((size_t)n_params, sizeof *c->params);
    c->vars = rv__calloc((size_t)(n_comp_vars + n_receptors), sizeof *c->vars);
    c->names = rv__calloc((size_t)n_receptors + 1, sizeof *c->names);
    c->receptor_tau = rv__calloc((size_t)n_receptors + 1, sizeof *c->receptor_tau);
    c->strings = rv__calloc(pool, 1);
    if (!c->rec || !c->params || !c->vars || !c->names || !c->receptor_tau || !c->strings) {
        rv__composed_free(&c->model);
        return rv__fail(sim, RV_ERR_NOMEM, "%s: out of memory", fn);
    }
    char *cursor = c->strings;
    memcpy(c->params, adexp ? rv__pn_adexp_params : lif_params,
           (size_t)n_comp_params * sizeof *c->params);
    c->vars[0] = (rv__var_desc){"v", "mV", adexp ? -70.6 : -65.0};
    if (adexp)
        c->vars[1] = (rv__var_desc){"w", "nA", 0.0};
    int param = n_comp_params, derived = n_comp_derived;
    int n_vars = n_comp_vars + n_receptors;
    c->refrac = n_vars;   /* the first internal variable */
    int internal = n_vars + 1;
    for (int r = 0; r < n_receptors; r++) {
        rv__pn_kind k = (rv__pn_kind)kind_of(kinds[r]);
        rv__pn_receptor *rc = &c->rec[r];
        rc->kind = k;
        rc->param = param;
        rc->var = n_comp_vars + r;
        rc->aux = k == RV__COND_ALPHA || k == RV__COND_BETA ? internal++ : -1;
        rc->derived = derived;
        derived += kind_derived[k];
        c->names[r] = (char *)pooled(&cursor, NULL, names[r]);
        for (int j = 0; j < kind_params[k].n; j++) {
            c->params[param] = kind_params[k].params[j];
            c->params[param].name = pooled(&cursor, names[r], kind_params[k].params[j].name);
            param++;
        }
        int cur = k == RV__CURR_EXP;
        c->vars[rc->var] = (rv__var_desc){pooled(&cursor, names[r], cur ? "isyn" : "gsyn"),
                                          cur ? "nA" : "uS", 0.0};
        c->receptor_tau[r] = (char *)pooled(&cursor, names[r],
                                            k == RV__COND_BETA ? "tau_decay" : "tau_syn");
    }
    c->component = adexp ? RV__ADEXP : RV__LIF;
    c->conductance = conductance == 1;
    c->n_receptors = n_receptors;
    rv__model *m = &c->model;
    m->name = "PointNeuron";
    m->kind = RV_MODEL_NEURON;
    m->params = c->params;
    m->n_params = n_params;
    m->vars = c->vars;
    m->n_vars = n_vars;
    m->n_internal = n_internal;
    m->n_derived = derived;
    m->n_scratch = RV__PN_N_SCRATCH;
    m->receptors = (const char *const *)c->names;
    m->n_receptors = n_receptors;
    m->receptor_tau = (const char *const *)c->receptor_tau;
    m->conductance_based = c->conductance;
    m->check = adexp ? rv__pn_adexp_check_all : rv__pn_lif_check;
    m->prepare = adexp ? rv__pn_adexp_prepare_all : rv__pn_lif_prepare;
    m->update = adexp ? rv__pn_adexp_update : rv__pn_lif_update;
    m->release = rv__composed_free;
    *out = m;
    return RV_OK;
}
