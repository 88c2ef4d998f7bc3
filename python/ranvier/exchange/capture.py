"""
Reads the network built in pyNN.ranvier into a Model: every parameter and
initial value as one value per neuron (initial values from the kernel, so
random ones are the values drawn, not a new draw), every connection with
its weight and delay in the kernel's order, current sources with their
targets, and the recording set-up.

:copyright: Copyright the Ranvier developers.
"""

import numpy as np
from pyNN.parameters import Sequence

from . import model as m


SYNAPSE_INITIAL = {"TsodyksMarkramSynapse": ("u",)}


def _state():
    from pyNN.ranvier import simulator
    return simulator.state


def capture(duration=None):
    state = _state()
    t = state.t
    if duration is None:
        if t <= 0:
            raise m.ExchangeError("export: give duration= (ms): nothing has been simulated "
                                  "yet, so the time to simulate is not known")
        duration = t
    out = m.Model(name="network", dt=float(state.dt), duration=float(duration),
                  seed=int(state.seed), min_delay=state.min_delay, max_delay=state.max_delay)
    labels = {}
    for pop in state.populations:
        desc = _population(pop)
        if desc.label in labels.values():
            raise m.ExchangeError("export: two populations are labelled %r; labels must be "
                                  "unique to be exchanged" % desc.label)
        labels[id(pop)] = desc.label
        out.populations.append(desc)
    for prj in state.projections:
        out.projections.extend(_projection(prj, labels))
    sources = {}
    for source, pop, indices in state.injections:
        key = id(source)
        if key not in sources:
            sources[key] = _current_source(source)
            out.current_sources.append(sources[key])
        sources[key].targets.append((labels[id(pop)], np.asarray(indices, dtype=np.int64)))
    return out


def _population(pop):
    celltype = type(pop.celltype).__name__
    m.check_cell_type(celltype, "population %r" % pop.label)
    n = pop.size
    params = {}
    for name in pop.celltype.default_parameters:
        value = pop.get(name, simplify=False)
        if name == "spike_times":
            params[name] = np.array([np.asarray(v.value if isinstance(v, Sequence) else v,
                                                dtype=np.float64) for v in value] + [None],
                                    dtype=object)[:-1]
        else:
            params[name] = np.broadcast_to(np.asarray(value, dtype=np.float64), (n,)).copy()
    initial = {}
    kernel = _state().kernel
    for var in pop.celltype.default_initial_values:
        values = np.empty(n)
        kernel.pop_get_initial(pop._handle, var, None, values)
        initial[var] = values
    record = {}
    for variable, ids in pop.recorder.recorded.items():
        name = getattr(variable, "name", variable)
        if getattr(variable, "location", None) is not None:
            raise m.ExchangeError("export: population %r records %s at a location; only "
                                  "point neurons can be exchanged" % (pop.label, name))
        if ids:
            record[name] = np.sort(pop.id_to_index(np.array(sorted(ids), dtype=np.int64)))
    return m.Population(label=str(pop.label), cell_type=celltype, size=n, parameters=params,
                        initial_values=initial, positions=np.array(pop.positions, dtype=float),
                        record=record)


def _projection(prj, labels):
    syn = type(prj.synapse_type).__name__
    if syn not in m.SYNAPSE_TYPES:
        raise m.ExchangeError("export: projection %r has synapse type %s; only %s can be "
                              "exchanged so far" % (prj.label, syn, ", ".join(m.SYNAPSE_TYPES)))
    components = {}
    for part in m.SYNAPSE_COMPONENTS:
        obj = getattr(prj.synapse_type, part, None)
        if obj is not None:
            components[part] = type(obj).__name__
    native = [n for n in prj.synapse_type.native_parameters.keys()
              if n not in ("weight", "delay")]
    # initial values of synapse state that the kernel keeps as a column
    # (PyNN's native_parameters leave them out): Tsodyks-Markram's u
    native += [n for n in SYNAPSE_INITIAL.get(syn, ()) if n not in native]
    if prj.receptor_type not in ("excitatory", "inhibitory"):
        raise m.ExchangeError("export: projection %r targets receptor %r; only "
                              "'excitatory' and 'inhibitory' can be exchanged"
                              % (prj.label, prj.receptor_type))
    out = []
    # one kernel projection per pair of root populations, in creation order
    for k, ((a, b), handle) in enumerate(prj._kernel.items()):
        pre_pop, post_pop = prj._pre_side.parts[a][0], prj._post_side.parts[b][0]
        kernel = _state().kernel
        n = kernel.proj_size(handle)
        pre = np.empty(n, dtype=np.uint32)
        post = np.empty(n, dtype=np.uint32)
        kernel.proj_get_pairs(handle, pre, post)
        values = {}
        for name in ["weight", "delay"] + native:
            values[name] = np.empty(n)
            kernel.proj_get(handle, name, values[name])
        label = str(prj.label) if len(prj._kernel) == 1 else "%s_%d" % (prj.label, k)
        out.append(m.Projection(label=label, pre=labels[id(pre_pop)], post=labels[id(post_pop)],
                                receptor_type=prj.receptor_type, synapse_type=syn,
                                pre_index=pre.astype(np.int64), post_index=post.astype(np.int64),
                                weight=values["weight"], delay=values["delay"],
                                synapse_params={k: values[k] for k in native},
                                components=dict(components)))
    return out


def _current_source(source):
    kind = type(source).__name__
    if kind not in m.CURRENT_SOURCES:
        raise m.ExchangeError("export: current source %s cannot be exchanged" % kind)
    params = {}
    for name, value in source.get_parameters().items():
        params[name] = (np.asarray(value, dtype=np.float64) if np.ndim(value)
                        else float(value))
    return m.CurrentSource(kind=kind, parameters=params)
