"""
Writes a Model as a NeuroML 2 network (libNeuroML) and a LEMS simulation.
The network is translated here into a neuroml_network.Network (arrays)
and the document's components (libNeuroML objects), then written as XML
(<name>.net.nml, neuroml_xml.py) or in the HDF5 form that large networks
need (<name>.net.nml.h5, neuroml_hdf5.py).

NeuroML gives a population one cell component, so a Population whose
neurons differ in any parameter is written as one NeuroML population per
distinct set of parameters ("<label>__<k>"), each with the properties
ranvier:population (the Population's label) and ranvier:indices (its
neurons' indices in the Population); projections are split the same way
and their connections keep their index in the Projection as id, so Ranvier
reads back the very same network.  Initial v that differs across neurons
does not split: the component's v_init is the mean (what other NeuroML
tools start every cell at) and the population's property ranvier:v_init
lists each instance's own value (NeuroML's <instance> has no properties;
in HDF5 these are columns: see neuroml_hdf5.py).
Cells use NeuroML's PyNN component types (PyNN.xml: PyNN's names and
units); static synapses are expCondSynapse / alphaCondSynapse /
expCurrSynapse / alphaCurrSynapse with the post-synaptic cell's time
constant and reversal potential; Tsodyks-Markram and STDP synapses are
components of Ranvier's LEMS types (neuroml_plastic.py,
RanvierSynapses.xml) in <base>.synapses.xml, which the LEMS file includes
and the network property ranvier:synapse_components names.
Current sources are pulseGenerator / compoundInput / sineGenerator inputs
that also carry their exact PyNN parameters as pynn:* properties.  The LEMS
file LEMS_<name>.xml has the duration, time step and seed, an event output
file per population whose spikes are recorded (ID_TIME, seconds) and an
output file per recorded variable (SI units).

What NeuroML cannot say (initial values other than v, NoisyCurrentSource,
the plastic synapses neuroml_plastic.py refuses, a spike source as a
target) raises ExchangeError.

:copyright: Copyright the Ranvier developers.
"""

import math
import os
import xml.etree.ElementTree as ET

import numpy as np

from . import model as m
from . import neuroml_hdf5, neuroml_plastic, neuroml_xml
from . import neuroml_network as nn
from .files import Staging, safe_name, unique_names

# A projection between Populations split into a and b NeuroML populations
# becomes up to a * b NeuroML projections (times the synapse components of
# heterogeneous plastic synapses); past this many the file would be mostly
# projection headers (each neuron its own population when, e.g., a parameter
# is random), and the export stops with an error instead.
MAX_PROJECTIONS_PER_PROJECTION = 20000

SYNAPSE_ELEMENTS = {   # post cell type -> (libNeuroML class, document list, conductance?)
    "IF_cond_exp": ("ExpCondSynapse", "exp_cond_synapses", True),
    "EIF_cond_exp_isfa_ista": ("ExpCondSynapse", "exp_cond_synapses", True),
    "HH_cond_exp": ("ExpCondSynapse", "exp_cond_synapses", True),
    "IF_cond_alpha": ("AlphaCondSynapse", "alpha_cond_synapses", True),
    "EIF_cond_alpha_isfa_ista": ("AlphaCondSynapse", "alpha_cond_synapses", True),
    "IF_curr_exp": ("ExpCurrSynapse", "exp_curr_synapses", False),
    "IF_curr_alpha": ("AlphaCurrSynapse", "alpha_curr_synapses", False),
}
RECEPTOR = {"excitatory": ("tau_syn_E", "e_rev_E"), "inhibitory": ("tau_syn_I", "e_rev_I")}
LEMS_INCLUDES = ("Cells.xml", "Networks.xml", "Simulation.xml", "PyNN.xml")


fmt = neuroml_xml.fmt


def _neuroml():
    try:
        import neuroml
        import neuroml.writers
    except ImportError:
        raise m.ExchangeError("NeuroML export needs libNeuroML (pip install libNeuroML)")
    return neuroml


class _Split:
    """A Population as NeuroML populations: one per distinct component."""

    def __init__(self, pop, name):
        self.pop, self.name = pop, name
        self.sub_names, self.components = [], []
        self.sub_of = np.zeros(pop.size, dtype=np.int64)    # neuron -> sub-population
        self.index_in_sub = np.zeros(pop.size, dtype=np.int64)
        self.members = []                                    # sub -> neuron indices


def write(model, path):
    """Writes `model` as <name>.net.nml (XML) or <name>.net.nml.h5 (HDF5),
    with LEMS_<name>.xml (and <name>.synapses.xml) beside it."""
    neuroml = _neuroml()
    path = os.path.abspath(str(path))
    hdf5 = path.endswith(".nml.h5")
    if not (hdf5 or path.endswith(".nml")):
        raise m.ExchangeError("%s: a NeuroML network file name ends with .nml (XML) or "
                              ".nml.h5 (HDF5)" % path)
    if not model.populations:
        raise m.ExchangeError("NeuroML export: %s: the network has no populations (a NeuroML "
                              "network needs one)" % path)
    directory, file_name = os.path.dirname(path), os.path.basename(path)
    stem = file_name[:-len(".h5")] if hdf5 else file_name
    base = stem[:-len(".net.nml")] if stem.endswith(".net.nml") else stem[:-len(".nml")]
    net_id = safe_name(model.name if model.name != "network" else base)
    doc = neuroml.NeuroMLDocument(id=net_id)     # the components; the network is `net`
    net = nn.Network(id=net_id, properties={"ranvier:min_delay": str(model.min_delay),
                                            "ranvier:max_delay": str(model.max_delay)})
    names = dict(zip((p.label for p in model.populations),
                     unique_names(p.label for p in model.populations)))
    splits = {}
    for pop in model.populations:
        splits[pop.label] = _write_population(neuroml, doc, net, pop, names[pop.label])
    plastic = []      # LEMS components of plastic synapses
    for prj, name in zip(model.projections, unique_names(p.label for p in model.projections)):
        _write_projection(neuroml, doc, net, prj, name, splits, plastic)
    # plastic synapses are components of LEMS types, which a NeuroML document
    # cannot hold (nor include: libNeuroML reads every include as NeuroML); the
    # LEMS simulation includes them, and the network names their file
    synapses_name = base + neuroml_plastic.SUFFIX
    if plastic:
        net.properties["ranvier:synapse_components"] = synapses_name
    for k, cs in enumerate(model.current_sources):
        _write_current_source(neuroml, doc, net, cs, "current_%d" % k, splits)
    lems_name = "LEMS_%s.xml" % base
    lems = _lems(model, net_id, file_name, splits,
                 (neuroml_plastic.LIBRARY, synapses_name) if plastic else ())
    with Staging(directory) as stage:
        if hdf5:
            neuroml_hdf5.write(doc, net, stage.path(file_name), neuroml_xml.components_xml(doc))
        else:
            with open(stage.path(file_name), "w") as f:
                neuroml_xml.write(doc, net, f)
        if plastic:
            neuroml_plastic.lems_document(plastic).write(
                stage.path(synapses_name), xml_declaration=False, encoding="unicode")
            with open(stage.path(neuroml_plastic.LIBRARY), "w") as f:
                f.write(neuroml_plastic.library_text())
        ET.indent(lems)
        lems.write(stage.path(lems_name), xml_declaration=False, encoding="unicode")
    return path


def _component_values(pop):
    """Per neuron: the parameter names and values that make its NeuroML
    component, and v's initial values (written per neuron, not split on)."""
    where = "population %r" % pop.label
    names = [n for n in pop.parameters]
    columns = [np.asarray(pop.parameters[n], dtype=np.float64) for n in names]
    defaults = _celltype(pop.cell_type).default_initial_values
    v = None
    for var, values in pop.initial_values.items():
        if var == "v":
            v = np.asarray(values, dtype=np.float64)
        elif not np.all(values == defaults.get(var, 0.0)):
            raise m.ExchangeError(
                "NeuroML export: %s: initial value of %s differs from %s's default (%g); "
                "NeuroML's PyNN cell types can only set v_init" % (where, var, pop.cell_type,
                                                                  defaults.get(var, 0.0)))
    table = np.stack(columns, axis=1) if columns else np.zeros((pop.size, 0))
    return names, table, v


def _celltype(name):
    import pyNN.ranvier as sim
    return getattr(sim, name)


def _write_population(neuroml, doc, net, pop, name):
    split = _Split(pop, name)
    n = pop.size
    if pop.cell_type == "SpikeSourceArray":
        keys = [tuple(np.asarray(t, dtype=np.float64).tolist())
                for t in pop.parameters["spike_times"]]
        uniq = {}
        inverse = np.array([uniq.setdefault(k, len(uniq)) for k in keys], dtype=np.int64)
        rows = list(uniq)
    else:
        pnames, values, v_init = _component_values(pop)
        # components numbered in the order their first neurons come
        rows, inverse = _first_order_unique(values)
    many = len(rows) > 1
    for k, row in enumerate(rows):
        comp_id = "%s_%s" % (pop.cell_type, name) + ("_%d" % k if many else "")
        if pop.cell_type == "SpikeSourceArray":
            comp = neuroml.SpikeArray(id=comp_id, spikes=[
                neuroml.Spike(id=i, time="%sms" % fmt(t)) for i, t in enumerate(row)])
            doc.spike_arrays.append(comp)
        elif pop.cell_type == "SpikeSourcePoisson":
            p = dict(zip(pnames, row))
            comp = neuroml.SpikeSourcePoisson(id=comp_id, start="%sms" % fmt(p["start"]),
                                              duration="%sms" % fmt(p["duration"]),
                                              rate="%sHz" % fmt(p["rate"]))
            doc.SpikeSourcePoisson.append(comp)
        members = np.flatnonzero(inverse == k)
        v_own = None
        if pop.cell_type not in m.SPIKE_SOURCES:
            # v_init per neuron: the component has the mean (what other NeuroML tools start
            # every cell at), the property ranvier:v_init each instance's own value
            v = v_init[members]
            if np.all(v == v[0]):
                attrs = {"v_init": fmt(v[0])}
            else:
                attrs = {"v_init": fmt(np.mean(v))}
                v_own = v
            attrs.update({p: fmt(x) for p, x in zip(pnames, row)})
            comp = getattr(neuroml, pop.cell_type)(id=comp_id, **attrs)
            getattr(doc, pop.cell_type).append(comp)
        sub = "%s__%d" % (name, k) if many else name
        positions = pop.positions[:, members].T if pop.positions is not None else None
        net.populations.append(nn.Population(
            id=sub, component=comp_id, size=members.size, positions=positions, v_init=v_own,
            label=name if many else None, indices=members if many else None))
        split.sub_names.append(sub)
        split.components.append(comp_id)
        split.members.append(members)
        split.sub_of[members] = k
        split.index_in_sub[members] = np.arange(members.size)
    return split


def _first_order_unique(table):
    """The distinct rows of table, numbered in the order they first come, and
    each row's number."""
    if table.shape[0] == 0:
        return table, np.zeros(0, dtype=np.int64)
    rows, inverse = np.unique(table, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    first = np.full(len(rows), table.shape[0])
    np.minimum.at(first, inverse, np.arange(table.shape[0]))
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return rows[order], rank[inverse]


def _write_projection(neuroml, doc, net, prj, name, splits, plastic_components):
    if prj.synapse_type not in ("StaticSynapse",) + tuple(neuroml_plastic.TYPE_PREFIX):
        raise m.ExchangeError("NeuroML export: projection %r: %s cannot be expressed"
                              % (prj.label, prj.synapse_type))
    pre, post = splits[prj.pre], splits[prj.post]
    kind = SYNAPSE_ELEMENTS.get(post.pop.cell_type)
    if kind is None:
        raise m.ExchangeError("NeuroML export: projection %r targets %s (%s), which has no "
                              "synapses" % (prj.label, prj.post, post.pop.cell_type))
    cls_name, doc_list, cond = kind
    tau_name, erev_name = RECEPTOR[prj.receptor_type]
    # every connection's synapse component: the target's tau_syn (and e_rev)
    # and, for plastic synapses, the connection's own parameters
    names = ["tau_syn"] + (["e_rev"] if cond else [])
    cols = [np.asarray(post.pop.parameters[tau_name])[prj.post_index]]
    if cond:
        cols.append(np.asarray(post.pop.parameters[erev_name])[prj.post_index])
    texts = {}
    plastic = prj.synapse_type != "StaticSynapse"
    if plastic:
        if prj.synapse_type == "TsodyksMarkramSynapse":
            neuroml_plastic.check_tsodyks(prj, cols[0])
        pnames, pcols, texts = neuroml_plastic.columns(prj, post.pop)
        names += pnames
        cols += pcols
    rows, syn_of = _first_order_unique(np.column_stack(cols) if prj.pre_index.size
                                       else np.zeros((0, len(cols))))
    syn_ids = []
    for k, row in enumerate(rows):
        syn_id = "syn_%s" % name + ("_%d" % k if len(rows) > 1 else "")
        syn_ids.append(syn_id)
        if plastic:
            texts.update(receptor=prj.receptor_type, projection=name)
            plastic_components.append(neuroml_plastic.component(
                syn_id, neuroml_plastic.lems_type(prj.synapse_type, cls_name),
                {n: fmt(v) for n, v in zip(names, row)}, texts))
            continue
        syn = getattr(neuroml, cls_name)(id=syn_id, **{n: fmt(v) for n, v in zip(names, row)})
        syn.properties.append(neuroml.Property(tag="ranvier:receptor", value=prj.receptor_type))
        syn.properties.append(neuroml.Property(tag="ranvier:projection", value=name))
        getattr(doc, doc_list).append(syn)
    # one NeuroML projection per (pre part, post part, synapse component)
    nb, ns = len(post.members), max(len(rows), 1)
    group = (pre.sub_of[prj.pre_index] * nb + post.sub_of[prj.post_index]) * ns + syn_of
    ja = pre.index_in_sub[prj.pre_index]
    jb = post.index_in_sub[prj.post_index]
    groups = np.unique(group)
    if groups.size > MAX_PROJECTIONS_PER_PROJECTION:
        raise m.ExchangeError(
            "NeuroML export: projection %r would need %d NeuroML projections: NeuroML gives a "
            "population one cell component, and %r has %d and %r %d distinct parameter sets "
            "(the synapses %d). Make the parameters homogeneous, or export to SONATA, which "
            "stores them per neuron" % (prj.label, groups.size, prj.pre, len(pre.members),
                                        prj.post, nb, len(rows)))
    for key in groups:
        ab, s = divmod(int(key), ns)
        a, b = divmod(ab, nb)
        sel = np.flatnonzero(group == key)
        if groups.size == 1:
            pid = name
        else:
            pid = "%s__%d__%d" % (name, a, b) + ("__%d" % s if ns > 1 else "")
        net.projections.append(nn.Projection(
            id=pid, pre=pre.sub_names[a], post=post.sub_names[b], synapse=syn_ids[s],
            pre_component=pre.components[a], post_component=post.components[b],
            index=sel.astype(np.int64), pre_cell=ja[sel], post_cell=jb[sel],
            weight=np.asarray(prj.weight, dtype=np.float64)[sel],
            delay=np.asarray(prj.delay, dtype=np.float64)[sel]))


def _write_current_source(neuroml, doc, net, cs, name, splits):
    p = cs.parameters
    if cs.kind == "DCSource":
        comp = neuroml.PulseGenerator(id=name, delay="%sms" % fmt(p["start"]),
                                      duration="%sms" % fmt(p["stop"] - p["start"]),
                                      amplitude="%snA" % fmt(p["amplitude"]))
        doc.pulse_generators.append(comp)
    elif cs.kind == "StepCurrentSource":
        times = np.asarray(p["times"], dtype=float)
        amps = np.asarray(p["amplitudes"], dtype=float)
        ends = np.append(times[1:], 1e12)
        comp = neuroml.CompoundInput(id=name, pulse_generators=[
            neuroml.PulseGenerator(id="%s_%d" % (name, k), delay="%sms" % fmt(t),
                                   duration="%sms" % fmt(e - t), amplitude="%snA" % fmt(a))
            for k, (t, e, a) in enumerate(zip(times, ends, amps))])
        doc.compound_inputs.append(comp)
    elif cs.kind == "ACSource":
        duration = "%sms" % fmt(p["stop"] - p["start"])
        comp = neuroml.CompoundInput(id=name, sine_generators=[neuroml.SineGenerator(
            id=name + "_sine", delay="%sms" % fmt(p["start"]), duration=duration,
            amplitude="%snA" % fmt(p["amplitude"]), period="%sms" % fmt(1000.0 / p["frequency"]),
            phase=fmt(math.radians(p["phase"])))], pulse_generators=[neuroml.PulseGenerator(
                id=name + "_offset", delay="%sms" % fmt(p["start"]), duration=duration,
                amplitude="%snA" % fmt(p["offset"]))])
        doc.compound_inputs.append(comp)
    else:
        raise m.ExchangeError("NeuroML export: %s cannot be expressed in NeuroML 2 (it has no "
                              "white-noise current input)" % cs.kind)
    comp.properties.append(neuroml.Property(tag="pynn:kind", value=cs.kind))
    for key, value in p.items():
        text = (" ".join(fmt(x) for x in np.ravel(value)) if np.ndim(value) else fmt(value))
        comp.properties.append(neuroml.Property(tag="pynn:%s" % key, value=text))
    for t, (label, indices) in enumerate(cs.targets):
        split = splits[label]
        indices = np.asarray(indices, dtype=np.int64)
        subs = split.sub_of[indices]
        for b in np.unique(subs):
            sel = indices[subs == b]
            net.input_lists.append(nn.InputList(
                id="%s_%d_%d" % (name, t, b), component=name, population=split.sub_names[b],
                population_component=split.components[b], cells=split.index_in_sub[sel]))


def _lems(model, net_id, nml_name, splits, library=()):
    root = ET.Element("Lems")
    ET.SubElement(root, "Target", component="sim_%s" % net_id)
    for inc in LEMS_INCLUDES + tuple(library) + (nml_name,):
        ET.SubElement(root, "Include", file=inc)
    sim = ET.SubElement(root, "Simulation", id="sim_%s" % net_id,
                        length="%sms" % fmt(model.duration), step="%sms" % fmt(model.dt),
                        target=net_id, seed=str(int(model.seed)))
    for pop in model.populations:
        split = splits[pop.label]
        for variable, indices in pop.record.items():
            if variable == "spikes":
                eof = ET.SubElement(sim, "EventOutputFile", id="spikes_%s" % split.name,
                                    fileName="%s.spikes" % split.name, format="ID_TIME")
                for i in indices:
                    b = split.sub_of[i]
                    ET.SubElement(eof, "EventSelection", id=str(int(i)), eventPort="spike",
                                  select="%s/%d/%s" % (split.sub_names[b], split.index_in_sub[i],
                                                       split.components[b]))
            else:
                if variable != "v":
                    raise m.ExchangeError(
                        "NeuroML export: population %r records %r; only spikes and v can be "
                        "written to the LEMS simulation" % (pop.label, variable))
                of = ET.SubElement(sim, "OutputFile", id="%s_%s" % (split.name, variable),
                                   fileName="%s.%s.dat" % (split.name, variable))
                for i in indices:
                    b = split.sub_of[i]
                    ET.SubElement(of, "OutputColumn", id=str(int(i)),
                                  quantity="%s/%d/%s/%s" % (split.sub_names[b],
                                                            split.index_in_sub[i],
                                                            split.components[b], variable))
    return ET.ElementTree(root)
