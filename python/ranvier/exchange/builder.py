"""
Builds a Model in pyNN.ranvier: populations in the Model's order (so that
neurons get the same global ids, and therefore the same random streams),
projections from their connection lists in the Model's order, current
sources, and the recording set-up.

:copyright: Copyright the Ranvier developers.
"""

from dataclasses import dataclass, field

import numpy as np
from pyNN.connectors import Connector
from pyNN.parameters import Sequence

from . import model as m


class ConnectionListConnector(Connector):
    """Makes exactly the given connections, in the given order, in one call
    to the kernel (FromListConnector would regroup them by target)."""

    parameter_names = ()

    def __init__(self, pre, post, columns):
        Connector.__init__(self, safe=True)
        self.pre, self.post = pre, post
        self.columns = columns      # native name -> one value per connection

    def connect(self, projection):
        projection._store(self.pre, self.post, self.columns)


@dataclass
class Built:
    """What build() made: the Model, and its Populations, Projections and
    current sources in pyNN.ranvier, by label."""
    model: m.Model
    sim: object = None
    populations: dict = field(default_factory=dict)
    projections: dict = field(default_factory=dict)
    current_sources: list = field(default_factory=list)

    def run(self, duration=None):
        self.sim.run(self.model.duration if duration is None else duration)

    def spikes(self):
        """{population label: (indices, times)} of the recorded populations,
        sorted by time then index; under MPI, every process's (a
        collective call)."""
        out = {}
        for label, pop in self.populations.items():
            if "spikes" not in self.model.population(label).record:
                continue
            if hasattr(pop, "_handle"):
                ids, times = pop.recorder._get_spiketimes(pop.all_cells)
                index = np.asarray(ids, dtype=np.int64) - int(pop.first_id)
                index, times = _gathered(self.sim, index, np.asarray(times))
            else:       # another backend
                trains = pop.get_data("spikes", clear=False).segments[-1].spiketrains
                index = np.concatenate([np.full(len(st), st.annotations["source_index"])
                                        for st in trains] + [np.zeros(0, int)]).astype(np.int64)
                times = np.concatenate([np.asarray(st.rescale("ms")) for st in trains]
                                       + [np.zeros(0)])
            order = np.lexsort((index, times))
            out[label] = (index[order], np.asarray(times)[order])
        return out


def _gathered(sim, index, times):
    """Every process's spikes (each neuron lives on one process)."""
    if sim.num_processes() == 1:
        return index, times
    from pyNN.ranvier import mpi
    parts = mpi.world().allgather((index, times))
    return (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))


def build(model, sim=None, **setup_extra):
    """Builds `model` in pyNN.ranvier, or in another PyNN backend `sim`
    (for cross-checks: connections then go through FromListConnector, and
    random streams are that simulator's own)."""
    ranvier = sim is None
    if ranvier:
        import pyNN.ranvier as sim
    extra = dict(setup_extra)
    if ranvier:
        extra.setdefault("rng_seed", model.seed)
        extra.setdefault("max_delay", model.max_delay)
        sim.setup(timestep=model.dt, min_delay=model.min_delay, **extra)
    else:
        min_delay = model.min_delay if model.min_delay != "auto" else min(
            [float(np.min(p.delay)) for p in model.projections if p.delay.size] + [10.0])
        sim.setup(timestep=model.dt, min_delay=min_delay, **extra)
    built = Built(model, sim=sim)
    for desc in model.populations:
        built.populations[desc.label] = _population(sim, desc)
    for desc in model.projections:
        built.projections[desc.label] = _projection(sim, desc, built.populations)
    for desc in model.current_sources:
        built.current_sources.append(_current_source(sim, desc, built.populations))
    for desc in model.populations:
        pop = built.populations[desc.label]
        for variable, indices in desc.record.items():
            cells = pop if len(indices) == pop.size else pop[np.asarray(indices)]
            cells.record(variable)
    return built


def _population(sim, desc):
    m.check_cell_type(desc.cell_type, "population %r" % desc.label)
    celltype_class = getattr(sim, desc.cell_type)
    params = {}
    for name, values in desc.parameters.items():
        if name == "spike_times":
            params[name] = [Sequence(np.asarray(v, dtype=np.float64)) for v in values]
        else:
            values = np.asarray(values, dtype=np.float64)
            params[name] = float(values[0]) if np.all(values == values[0]) else values
    pop = sim.Population(desc.size, celltype_class(**params), label=desc.label,
                         initial_values={k: np.asarray(v, dtype=np.float64)
                                         for k, v in desc.initial_values.items()})
    if desc.positions is not None:
        pop.positions = np.asarray(desc.positions, dtype=float)
    return pop


def _projection(sim, desc, populations):
    try:
        pre, post = populations[desc.pre], populations[desc.post]
    except KeyError as err:
        raise m.ExchangeError("projection %r: no population %s" % (desc.label, err))
    if desc.synapse_type not in m.SYNAPSE_TYPES:
        raise m.ExchangeError("projection %r: synapse type %s is not supported"
                              % (desc.label, desc.synapse_type))
    for side, idx, pop in (("pre", desc.pre_index, pre), ("post", desc.post_index, post)):
        if idx.size and (idx.min() < 0 or idx.max() >= pop.size):
            raise m.ExchangeError("projection %r: %ssynaptic index out of range 0..%d"
                                  % (desc.label, side, pop.size - 1))
    delay = np.asarray(desc.delay, dtype=np.float64)
    if (delay < 0).any():     # "no delay" in the file (neuroml_read warns): one step
        delay = np.where(delay < 0, sim.get_time_step(), delay)
    if not hasattr(pre, "_handle"):          # another backend
        if desc.synapse_type != "StaticSynapse":
            raise m.ExchangeError("projection %r: only static synapses are built in other "
                                  "simulators" % desc.label)
        conns = np.column_stack([desc.pre_index, desc.post_index, desc.weight, delay])
        return sim.Projection(pre, post, sim.FromListConnector(conns, column_names=[
            "weight", "delay"]), sim.StaticSynapse(), receptor_type=desc.receptor_type,
            label=desc.label)
    columns = {"weight": np.asarray(desc.weight, dtype=np.float64), "delay": delay}
    columns.update({k: np.asarray(v, dtype=np.float64) for k, v in desc.synapse_params.items()})
    connector = ConnectionListConnector(desc.pre_index, desc.post_index, columns)
    return sim.Projection(pre, post, connector, _synapse_type(sim, desc),
                          receptor_type=desc.receptor_type, label=desc.label)


def _synapse_type(sim, desc):
    """The synapse type object; its parameters are those of the first
    connection (every connection's own go to the kernel as columns)."""
    if desc.synapse_type != "STDPMechanism":
        return getattr(sim, desc.synapse_type)()
    allowed = {"timing_dependence": m.TIMING_RULES, "weight_dependence": m.WEIGHT_RULES}
    parts = {}
    for part, names in allowed.items():
        name = desc.components.get(part)
        if name not in names:
            raise m.ExchangeError("projection %r: %s %r is not supported (%s)"
                                  % (desc.label, part, name, ", ".join(names)))
        parts[part] = getattr(sim, name)()
    return sim.STDPMechanism(**parts)


def _current_source(sim, desc, populations):
    params = {k: (Sequence(v) if np.ndim(v) else v) for k, v in desc.parameters.items()}
    source = getattr(sim, desc.kind)(**params)
    for label, indices in desc.targets:
        pop = populations[label]
        source.inject_into(pop if len(indices) == pop.size
                           and np.array_equal(indices, np.arange(pop.size))
                           else pop[np.asarray(indices)])
    return source
