"""
The XML form of a NeuroML network (neuroml_network.Network): to and from
libNeuroML's <network> objects.

Ranvier's per-neuron additions are population properties: ranvier:v_init
(each instance's initial v), ranvier:population and ranvier:indices (the
Population a split part belongs to, and its instances' indices in it), as
space-separated numbers.  A connection's id is its index in the Ranvier
Projection, so the parts of a split projection join up in order.

:copyright: Copyright the Ranvier developers.
"""

import contextlib

import numpy as np

from . import neuroml_network as nn
from .neuroml_network import fail, quantity


def fmt(x):
    """A float written so that reading it back gives the same double."""
    return repr(float(x))


@contextlib.contextmanager
def exact_floats():
    """libNeuroML writes float attributes (connection weights, locations)
    with 15 decimal places, which turns 0.0075616060189154 into
    0.007561606018915 and 1e-20 into 0; while writing, they are written
    with repr, which reads back as the same double."""
    from neuroml.nml import nml
    cls = nml.GeneratedsSuper
    saved = cls.gds_format_float
    cls.gds_format_float = lambda self, value, input_name="": repr(float(value))
    try:
        yield
    finally:
        cls.gds_format_float = saved


# ---------------------------------------------------------------- writing

def to_network(neuroml, net):
    """The libNeuroML Network of `net`."""
    out = neuroml.Network(id=net.id)
    for tag, value in net.properties.items():
        out.properties.append(neuroml.Property(tag=tag, value=value))
    for pop in net.populations:
        out.populations.append(_population(neuroml, pop))
    for prj in net.projections:
        out.projections.append(_projection(neuroml, prj))
    for il in net.input_lists:
        out.input_lists.append(_input_list(neuroml, il))
    return out


def _population(neuroml, pop):
    instances = []
    for j in range(pop.size):
        loc = None
        if pop.positions is not None:
            x, y, z = (fmt(c) for c in pop.positions[j])
            loc = neuroml.Location(x=x, y=y, z=z)
        instances.append(neuroml.Instance(id=j, location=loc))
    out = neuroml.Population(id=pop.id, component=pop.component, size=pop.size,
                             type="populationList", instances=instances)
    if pop.v_init is not None:
        out.properties.append(neuroml.Property(
            tag="ranvier:v_init", value=" ".join(fmt(v) for v in pop.v_init)))
    if pop.label is not None:
        out.properties.append(neuroml.Property(tag="ranvier:population", value=pop.label))
    if pop.indices is not None:
        out.properties.append(neuroml.Property(
            tag="ranvier:indices", value=" ".join(str(int(i)) for i in pop.indices)))
    return out


def _projection(neuroml, prj):
    out = neuroml.Projection(id=prj.id, presynaptic_population=prj.pre,
                             postsynaptic_population=prj.post, synapse=prj.synapse)
    pre_path = "../%s/%%d/%s" % (prj.pre, prj.pre_component)
    post_path = "../%s/%%d/%s" % (prj.post, prj.post_component)
    out.connection_wds = [
        neuroml.ConnectionWD(id=int(k), pre_cell_id=pre_path % a, post_cell_id=post_path % b,
                             weight=fmt(w), delay="%sms" % fmt(d))
        for k, a, b, w, d in zip(prj.index.tolist(), prj.pre_cell.tolist(),
                                 prj.post_cell.tolist(), prj.weight.tolist(),
                                 prj.delay.tolist())]
    return out


def _input_list(neuroml, il):
    out = neuroml.InputList(id=il.id, component=il.component, populations=il.population)
    out.input = [neuroml.Input(id=j, target="../%s/%d/%s" % (il.population, int(c),
                                                             il.population_component),
                               destination="synapses")
                 for j, c in enumerate(il.cells)]
    return out


# ---------------------------------------------------------------- reading

def from_network(net, path):
    """A neuroml_network.Network from libNeuroML's Network `net` of the
    file `path`."""
    out = nn.Network(id=net.id, properties={p.tag: p.value for p in net.properties or []})
    for pop in net.populations:
        out.populations.append(_read_population(pop, path))
    for proj in net.projections:
        out.projections.append(_read_projection(proj, path))
    for il in net.input_lists:
        out.input_lists.append(_read_input_list(il, path))
    return out


def _props(obj):
    return {p.tag: p.value for p in (getattr(obj, "properties", None) or [])}


def _numbers(text, dtype, count, where, tag):
    try:
        values = np.array([dtype(x) for x in text.split()], dtype=dtype)
    except ValueError:
        fail(where, "%s is not a list of numbers" % tag)
    if values.size != count:
        fail(where, "%s lists %d values, the population has %d cells" % (tag, values.size,
                                                                          count))
    return values


def _read_population(pop, path):
    where = nn.Where(path, "population", pop.id)
    size = len(pop.instances) if pop.instances else int(pop.size)
    if pop.instances and [int(i.id) for i in pop.instances] != list(range(size)):
        fail(where, "instance ids must be 0..%d in order" % (size - 1))
    positions = None
    if pop.instances and all(i.location is not None for i in pop.instances):
        positions = np.array([[float(i.location.x), float(i.location.y), float(i.location.z)]
                              for i in pop.instances])
    p = _props(pop)
    out = nn.Population(id=pop.id, component=pop.component, size=size, positions=positions,
                        where=where)
    if "ranvier:v_init" in p:
        out.v_init = _numbers(p["ranvier:v_init"], float, size, where, "ranvier:v_init")
    if "ranvier:indices" in p:
        out.indices = _numbers(p["ranvier:indices"], int, size, where, "ranvier:indices")
    out.label = p.get("ranvier:population")
    return out


def _read_projection(proj, path):
    where = nn.Where(path, "projection", proj.id)
    conns = list(proj.connection_wds) + list(proj.connections)
    n = len(conns)
    out = nn.Projection(id=proj.id, pre=proj.presynaptic_population,
                        post=proj.postsynaptic_population, synapse=proj.synapse,
                        pre_component=None, post_component=None,
                        index=np.empty(n, dtype=np.int64), pre_cell=np.empty(n, dtype=np.int64),
                        post_cell=np.empty(n, dtype=np.int64), weight=np.empty(n),
                        delay=np.empty(n), where=where)
    for k, c in enumerate(conns):
        out.index[k] = int(c.id)
        out.pre_cell[k] = c.get_pre_cell_id()
        out.post_cell[k] = c.get_post_cell_id()
        weight = getattr(c, "weight", None)      # <connection> has none: 1
        out.weight[k] = 1.0 if weight is None else float(weight)
        delay = getattr(c, "delay", None)
        out.delay[k] = quantity(delay, where) if delay is not None else 0.0
    return out


def _read_input_list(il, path):
    where = nn.Where(path, "inputList", il.id)
    inputs = list(il.input) + list(il.input_ws)
    for inp in inputs:
        if (inp.destination or "synapses") != "synapses":
            fail(where, "input %s: destination %r" % (inp.id, inp.destination))
    weight = None
    if il.input_ws:
        weight = np.array([1.0] * len(il.input) + [float(i.weight) for i in il.input_ws])
    return nn.InputList(id=il.id, component=il.component, population=il.populations,
                        population_component=None,
                        cells=np.array([i.get_target_cell_id() for i in inputs], dtype=np.int64),
                        weight=weight, where=where)
