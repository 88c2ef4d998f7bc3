/*
 * The table of built-in models and name lookups.  A new model is one file
 * in src/models plus one line here.
 */
#include <math.h>
#include <string.h>

#include "models/model.h"

extern const rv__model rv__model_if_curr_exp;
extern const rv__model rv__model_if_curr_alpha;
extern const rv__model rv__model_if_curr_delta;
extern const rv__model rv__model_if_cond_exp;
extern const rv__model rv__model_if_cond_alpha;
extern const rv__model rv__model_eif_cond_exp_isfa_ista;
extern const rv__model rv__model_eif_cond_alpha_isfa_ista;
extern const rv__model rv__model_izhikevich;
extern const rv__model rv__model_if_cond_exp_gsfa_grr;
extern const rv__model rv__model_hh_cond_exp;
extern const rv__model rv__model_gif_cond_exp;
extern const rv__model rv__model_spike_source_poisson;
extern const rv__model rv__model_spike_source_array;
extern const rv__model rv__model_spike_source_poisson_refractory;
extern const rv__model rv__model_spike_source_gamma;
extern const rv__model rv__model_spike_source_inh_gamma;

static const rv__model *const models[] = {
    &rv__model_if_curr_exp,
    &rv__model_if_curr_alpha,
    &rv__model_if_curr_delta,
    &rv__model_if_cond_exp,
    &rv__model_if_cond_alpha,
    &rv__model_eif_cond_exp_isfa_ista,
    &rv__model_eif_cond_alpha_isfa_ista,
    &rv__model_izhikevich,
    &rv__model_if_cond_exp_gsfa_grr,
    &rv__model_hh_cond_exp,
    &rv__model_gif_cond_exp,
    &rv__model_spike_source_poisson,
    &rv__model_spike_source_array,
    &rv__model_spike_source_poisson_refractory,
    &rv__model_spike_source_gamma,
    &rv__model_spike_source_inh_gamma,
};

#define N_MODELS ((int)(sizeof models / sizeof models[0]))

const rv__model *rv__model_at(int i)
{
    return i >= 0 && i < N_MODELS ? models[i] : NULL;
}

const rv__model *rv__find_model(const char *name)
{
    if (!name)
        return NULL;
    for (int i = 0; i < N_MODELS; i++)
        if (strcmp(models[i]->name, name) == 0)
            return models[i];
    return NULL;
}

int rv__param_index(const rv__model *m, const char *name)
{
    for (int k = 0; k < m->n_params; k++)
        if (strcmp(m->params[k].name, name) == 0)
            return k;
    return -1;
}

int rv__var_index(const rv__model *m, const char *name)
{
    for (int k = 0; k < m->n_vars; k++)
        if (strcmp(m->vars[k].name, name) == 0)
            return k;
    return -1;
}

int rv__receptor_index(const rv__model *m, const char *name)
{
    for (int k = 0; k < m->n_receptors; k++)
        if (strcmp(m->receptors[k], name) == 0)
            return k;
    return -1;
}

/* ---- public introspection ------------------------------------------------ */

int rv__obeys(rv__rule rule, double x)
{
    switch (rule) {
    case RV__POSITIVE:
        return isfinite(x) && x > 0;
    case RV__NONNEG:
        return isfinite(x) && x >= 0;
    case RV__UNIT:
        return x >= 0 && x <= 1;
    case RV__NONNEG_OR_INF:
        return x >= 0;  /* false for NaN */
    case RV__RATE:
        return x >= 0 && x <= 1e9;
    default:
        return isfinite(x);
    }
}

const char *rv__rule_text(rv__rule rule)
{
    switch (rule) {
    case RV__POSITIVE:
        return "> 0";
    case RV__NONNEG:
        return ">= 0";
    case RV__UNIT:
        return "in [0, 1]";
    case RV__NONNEG_OR_INF:
        return ">= 0 (inf allowed)";
    case RV__RATE:
        return "in [0, 1e9]";
    default:
        return "finite";
    }
}

int rv_model_count(void)
{
    return N_MODELS;
}

const char *rv_model_name(int i)
{
    return i >= 0 && i < N_MODELS ? models[i]->name : NULL;
}

rv_status rv_model_get_info(const char *model, rv_model_info *out)
{
    if (!model || !out)
        return RV_ERR_NULL;
    const rv__model *m = rv__find_model(model);
    if (!m)
        return RV_ERR_NAME;
    out->name = m->name;
    out->kind = m->kind;
    out->n_params = m->n_params;
    out->n_vars = m->n_vars;
    out->n_receptors = m->n_receptors;
    out->conductance_based = m->conductance_based;
    out->voltage_jump = m->voltage_jump;
    return RV_OK;
}

rv_status rv_model_get_param(const char *model, int i, rv_param_info *out)
{
    if (!model || !out)
        return RV_ERR_NULL;
    const rv__model *m = rv__find_model(model);
    if (!m)
        return RV_ERR_NAME;
    if (i < 0 || i >= m->n_params)
        return RV_ERR_INDEX;
    out->name = m->params[i].name;
    out->unit = m->params[i].unit;
    out->default_value = m->params[i].def;
    out->rule = rv__rule_text(m->params[i].rule);
    return RV_OK;
}

rv_status rv_model_get_var(const char *model, int i, rv_var_info *out)
{
    if (!model || !out)
        return RV_ERR_NULL;
    const rv__model *m = rv__find_model(model);
    if (!m)
        return RV_ERR_NAME;
    if (i < 0 || i >= m->n_vars)
        return RV_ERR_INDEX;
    out->name = m->vars[i].name;
    out->unit = m->vars[i].unit;
    out->default_initial = m->vars[i].def;
    return RV_OK;
}

rv_status rv_model_get_receptor(const char *model, int i, const char **name)
{
    if (!model || !name)
        return RV_ERR_NULL;
    const rv__model *m = rv__find_model(model);
    if (!m)
        return RV_ERR_NAME;
    if (i < 0 || i >= m->n_receptors)
        return RV_ERR_INDEX;
    *name = m->receptors[i];
    return RV_OK;
}
