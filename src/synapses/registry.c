/*
 * The table of synapse models.  A new model is one file in src/synapses
 * plus one line here.
 */
#include <string.h>

#include "synapses/synapse.h"

/* StaticSynapse: a fixed weight and delay; delivered by the fast path in
 * delivery.c. */
static const rv__synmodel static_synapse = {.name = "StaticSynapse"};

extern const rv__synmodel rv__syn_tsodyks_markram;
extern const rv__synmodel rv__syn_simple_stochastic;
extern const rv__synmodel rv__syn_stochastic_tsodyks_markram;
extern const rv__synmodel rv__syn_multi_quantal;
extern const rv__synmodel rv__syn_stdp;

static const rv__synmodel *const synmodels[] = {
    &static_synapse,
    &rv__syn_tsodyks_markram,
    &rv__syn_simple_stochastic,
    &rv__syn_stochastic_tsodyks_markram,
    &rv__syn_multi_quantal,
    &rv__syn_stdp,
};

#define N_SYNMODELS ((int)(sizeof synmodels / sizeof synmodels[0]))

const rv__synmodel *rv__find_synmodel(const char *name)
{
    for (int i = 0; i < N_SYNMODELS; i++)
        if (strcmp(synmodels[i]->name, name) == 0)
            return synmodels[i];
    return NULL;
}

int rv__synmodel_count(void)
{
    return N_SYNMODELS;
}

const rv__synmodel *rv__synmodel_at(int i)
{
    return i >= 0 && i < N_SYNMODELS ? synmodels[i] : NULL;
}
