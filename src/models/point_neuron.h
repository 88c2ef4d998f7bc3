/*
 * Composed point neurons (PointNeuron): their model tables are built per
 * population, from a component and a list of named receptors.
 */
#ifndef RV_POINT_NEURON_H
#define RV_POINT_NEURON_H

#include "models/model.h"

struct rv_sim;

/* Builds the model of a composed population; released with m->release. */
rv_status rv__composed_build(struct rv_sim *sim, const char *component, int n_receptors,
                             const char *const *names, const char *const *kinds,
                             const rv__model **out);
void rv__composed_free(const rv__model *m);

#endif
