"""
Reads a NeuroML 2 network of point neurons (and its LEMS simulation) into
a Model.  The network file is XML (.nml, neuroml_xml.py) or the HDF5 form
(.nml.h5, neuroml_hdf5.py); both give the components as a libNeuroML
document and the network as a neuroml_network.Network, translated here.

Accepted: populations of NeuroML's PyNN cell types (IF_curr_alpha ...
HH_cond_exp), SpikeSourcePoisson and spikeArray components; projections
with expCondSynapse / alphaCondSynapse / expCurrSynapse / alphaCurrSynapse
whose time constant (and reversal potential) is the post-synaptic cell's
for the excitatory or the inhibitory receptor (in Ranvier, as in PyNN,
these are cell parameters); connectionWD and connection elements;
inputLists of pulseGenerator, sineGenerator and compoundInput; plastic
synapses of Ranvier's LEMS types (neuroml_plastic.py) in the LEMS file the
network's property ranvier:synapse_components names.  Populations that
Ranvier split on export (ranvier:population, ranvier:indices) are joined
again, and per-neuron initial v (ranvier:v_init) is read back.  Anything
else raises ExchangeError naming the file and the element (with its line
in an XML file: neuroml_network.Where).

:copyright: Copyright the Ranvier developers.
"""

import math
import os
import re
import warnings
import xml.etree.ElementTree as ET

import numpy as np

from . import model as m
from .neuroml_network import Where, fail as _fail, quantity

CELL_LISTS = ("IF_curr_alpha", "IF_curr_exp", "IF_cond_alpha", "IF_cond_exp",
              "EIF_cond_exp_isfa_ista", "EIF_cond_alpha_isfa_ista", "HH_cond_exp")
SYNAPSE_LISTS = {"exp_cond_synapses": ("exp", True), "alpha_cond_synapses": ("alpha", True),
                 "exp_curr_synapses": ("exp", False), "alpha_curr_synapses": ("alpha", False)}
# the names of NeuroML network files: XML (.nml), and the HDF5 form (.nml.h5)
NETWORK_SUFFIXES = (".nml", ".h5", ".hdf5")


def _props(obj):
    return {p.tag: p.value for p in (getattr(obj, "properties", None) or [])}


def _floats(text, where, what):
    try:
        return np.array([float(x) for x in str(text).split()], dtype=np.float64)
    except ValueError:
        _fail(where, "%s: %r is not a list of numbers" % (what, text))


def _number(text, where, what, kind=float):
    """kind(text), or a clear error naming the attribute."""
    if text is None:
        _fail(where, "%s is missing" % what)
    try:
        return kind(text)
    except (TypeError, ValueError):
        _fail(where, "%s: %r is not %s" % (what, text,
                                            "an integer" if kind is int else "a number"))


def read(path, duration=None):
    path = os.path.abspath(str(path))
    if not os.path.exists(path):
        _fail(path, "no such file")
    lems = None
    if not path.lower().endswith(NETWORK_SUFFIXES):
        lems, nml_path = _read_lems(path)
    else:
        nml_path = path
        lems = _find_lems(path)
    model = _read_network(nml_path)
    if lems is not None:
        model.duration, model.dt, model.seed = lems["duration"], lems["dt"], lems["seed"]
        for label, variable, index in lems["record"]:
            pop, i = _locate(model, label, index, lems["path"])
            rec = model.population(pop).record
            rec[variable] = np.union1d(rec.get(variable, np.zeros(0, np.int64)), [i])
        model.lems_outputs = lems["outputs"]
    else:
        model.duration = None
        model.lems_outputs = None
        for pop in model.populations:
            pop.record["spikes"] = np.arange(pop.size)
    if duration is not None:
        model.duration = float(duration)
    return model


def _find_lems(nml_path):
    """The LEMS file beside nml_path that includes it, if there is one."""
    folder, name = os.path.split(nml_path)
    for f in sorted(os.listdir(folder)):
        if f.startswith("LEMS_") and f.endswith(".xml"):
            p = os.path.join(folder, f)
            try:
                root = ET.parse(p).getroot()
            except ET.ParseError:
                continue
            if any(inc.get("file") == name for inc in root.iter("Include")):
                return _read_lems(p)[0]
    return None


def _read_lems(path):
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as err:
        _fail(path, "is not well-formed XML (line %d, column %d)" % err.position)
    if root.tag != "Lems":
        _fail(path, "the root element is <%s>, not <Lems>" % root.tag)
    includes = [i.get("file") for i in root.iter("Include")
                if i.get("file", "").endswith(NETWORK_SUFFIXES)]
    if len(includes) != 1:
        _fail(path, "includes %d NeuroML network files; one is needed" % len(includes))
    nml = os.path.join(os.path.dirname(path), includes[0])
    sims = list(root.iter("Simulation"))
    if len(sims) != 1:
        _fail(path, "has %d <Simulation> elements; one is needed" % len(sims))
    sim = sims[0]
    where = Where(path, "Simulation", sim.get("id"))
    out = {"path": path, "duration": quantity(sim.get("length"), where),
           "dt": quantity(sim.get("step"), where),
           "seed": _number(sim.get("seed", "1"), where, "seed", int),
           "record": [], "outputs": []}
    for eof in sim.iter("EventOutputFile"):
        ids, selects = [], []
        for sel in eof.iter("EventSelection"):
            if sel.get("eventPort", "spike") != "spike":
                _fail(where, "EventSelection %s: only the port 'spike' is supported"
                      % sel.get("id"))
            pop, index = _select(sel.get("select"), where)
            out["record"].append((pop, "spikes", index))
            ids.append(_number(sel.get("id"), where, "EventSelection id", int))
            selects.append((pop, index))
        out["outputs"].append({"kind": "events", "file": eof.get("fileName"),
                               "format": eof.get("format", "ID_TIME"),
                               "ids": ids, "cells": selects})
    for of in sim.iter("OutputFile"):
        cols = []
        for col in of.iter("OutputColumn"):
            q = col.get("quantity", "")
            parts = q.split("/")
            if len(parts) < 3 or parts[-1] != "v":
                _fail(where, "OutputColumn %s: quantity %r; only <pop>/<i>/<cell>/v is "
                             "supported" % (col.get("id"), q))
            pop, index = _select("/".join(parts[:-1]), where)
            out["record"].append((pop, "v", index))
            cols.append((pop, index))
        out["outputs"].append({"kind": "signal", "variable": "v",
                               "file": of.get("fileName"), "cells": cols})
    return out, nml


def _select(text, where):
    mo = re.fullmatch(r"([^/\[\]]+)(?:\[(\d+)\]|/(\d+)(?:/[^/]+)?)", text or "")
    if not mo:
        _fail(where, "cannot read the cell path %r" % text)
    return mo.group(1), int(mo.group(2) if mo.group(2) is not None else mo.group(3))


def _locate(model, nml_pop, index, where):
    """(Population label, index) of cell `index` of NeuroML population nml_pop."""
    mapping = model.nml_map.get(nml_pop)
    if mapping is None:
        _fail(where, "population %r is not in the network" % nml_pop)
    label, indices = mapping
    if not 0 <= index < indices.size:
        _fail(where, "cell %d of population %r does not exist" % (index, nml_pop))
    return label, int(indices[index])


def _read_network(path):
    """The Model of a NeuroML network file, XML (.nml) or HDF5 (.nml.h5)."""
    try:
        import neuroml  # noqa: F401
    except ImportError:
        raise m.ExchangeError("NeuroML import needs libNeuroML (pip install libNeuroML)")
    if is_hdf5(path):
        from . import neuroml_hdf5
        doc, net = neuroml_hdf5.read(path)
    else:
        from . import neuroml_xml
        doc, net = neuroml_xml.read(path)
    components = {}
    for kind in CELL_LISTS:
        for c in getattr(doc, kind):
            components[c.id] = (kind, c)
    for c in doc.SpikeSourcePoisson:
        components[c.id] = ("SpikeSourcePoisson", c)
    for c in doc.spike_arrays:
        components[c.id] = ("SpikeSourceArray", c)
    props = net.properties
    model = m.Model(name=net.id)
    model.component_lines = net.component_lines
    model.min_delay = _num_or_auto(props.get("ranvier:min_delay", "auto"))
    model.max_delay = _num_or_auto(props.get("ranvier:max_delay", "auto"))
    model.nml_map = {}
    groups = {}   # label -> list of (nml population, kind, component, indices)
    model.plastic_synapses = {}
    if "ranvier:synapse_components" in props:    # Ranvier's plastic synapses (LEMS)
        from . import neuroml_plastic
        comp_file = os.path.join(os.path.dirname(path), props["ranvier:synapse_components"])
        model.plastic_synapses = neuroml_plastic.read_components(
            comp_file, "%s: <network id=%r>: ranvier:synapse_components" % (path, net.id))
    for pop in net.populations:
        where = pop.where
        if pop.component not in components:
            other = _find_component(doc, pop.component)
            _fail(where, "component %r %s" % (pop.component, "is a <%s>, which Ranvier cannot "
                         "import (NeuroML's PyNN cell types and spike sources only)" % other
                         if other else "is not defined"))
        kind, comp = components[pop.component]
        label = pop.label if pop.label is not None else pop.id
        indices = pop.indices if pop.indices is not None else np.arange(pop.size)
        positions = pop.positions.T if pop.positions is not None else None
        groups.setdefault(label, []).append((pop.id, kind, comp, indices, positions, where,
                                             pop.v_init))
        model.nml_map[pop.id] = (label, indices)
    for label, parts in groups.items():
        model.populations.append(_join(model, label, parts))
    _read_projections(model, doc, net, path)
    _read_inputs(model, doc, net, path)
    return model


def is_hdf5(path):
    return str(path).lower().endswith(NETWORK_SUFFIXES[1:])


def _component_where(model, where, comp):
    """Where the component `comp` that the element at `where` refers to is:
    its own element in an XML file; in the HDF5 form (whose components are
    XML inside an attribute) the referring group and the component's id."""
    if isinstance(where, Where):
        tag, line = model.component_lines.get(comp.id, ("component", None))
        return Where(where.path, tag, comp.id, line)
    return "%s (component %r)" % (where, comp.id)


def _num_or_auto(text):
    try:
        return float(text)
    except ValueError:
        return "auto"


def _unknown_component(doc, where, what, ref):
    """Fails on a reference to a component Ranvier does not import."""
    other = _find_component(doc, ref)
    _fail(where, "%s %r %s" % (what, ref, "is a <%s>, which Ranvier cannot import" % other
                               if other else "is not defined"))


def _find_component(doc, comp_id):
    for name in doc.member_data_items_:
        for obj in getattr(doc, name.name, None) or []:
            if getattr(obj, "id", None) == comp_id:
                return type(obj).__name__
    return None


def _join(model, label, parts):
    """One Population from the NeuroML populations that make it up."""
    import pyNN.ranvier as sim
    kinds = {part[1] for part in parts}
    if len(kinds) != 1:
        _fail(parts[0][5], "population %r is split into several cell types (%s)"
              % (label, ", ".join(sorted(kinds))))
    kind = kinds.pop()
    n = sum(part[3].size for part in parts)
    allidx = np.sort(np.concatenate([part[3] for part in parts]))
    if not np.array_equal(allidx, np.arange(n)):
        _fail(parts[0][5], "the parts of population %r do not cover 0..%d once" % (label, n - 1))
    celltype = getattr(sim, kind)
    params, init = {}, {}
    positions = np.zeros((3, n)) if all(part[4] is not None for part in parts) else None
    if kind == "SpikeSourceArray":
        params["spike_times"] = np.array([None] * n + [None], dtype=object)[:-1]
    else:
        params = {k: np.full(n, float(v)) for k, v in celltype.default_parameters.items()}
        init = {k: np.full(n, float(v)) for k, v in celltype.default_initial_values.items()}
    for pop_id, _, comp, indices, pos, where, v_own in parts:
        where = _component_where(model, where, comp)
        if positions is not None:
            positions[:, indices] = pos
        if kind == "SpikeSourceArray":
            times = np.sort(np.array([quantity(s.time, where) for s in comp.spikes]))
            for i in indices:
                params["spike_times"][i] = times
            continue
        if kind == "SpikeSourcePoisson":
            for name in ("rate", "start", "duration"):
                params[name][indices] = quantity(getattr(comp, name), where)
            continue
        for name in params:
            value = getattr(comp, name, None)
            if value is None:
                _fail(where, "parameter %s is missing" % name)
            params[name][indices] = _number(value, where, name)
        if v_own is not None:
            init["v"][indices] = v_own
        elif comp.v_init is not None:
            init["v"][indices] = _number(comp.v_init, where, "v_init")
    return m.Population(label=label, cell_type=kind, size=n, parameters=params,
                        initial_values=init, positions=positions)


def _read_projections(model, doc, net, path):
    synapses = {}
    for attr, (shape, cond) in SYNAPSE_LISTS.items():
        for s in getattr(doc, attr):
            synapses[s.id] = (shape, cond, s)
    for comp_id, (type_name, attrs) in model.plastic_synapses.items():
        syn = _PlasticSynapse(comp_id, type_name, attrs)
        synapses[comp_id] = (syn.shape, syn.cond, syn)
    joined = {}   # ranvier projection name -> list of chunks
    order = []
    for proj in net.projections:
        where = proj.where
        if proj.synapse not in synapses:
            _unknown_component(doc, where, "synapse", proj.synapse)
        shape, cond, syn = synapses[proj.synapse]
        for name in (proj.pre, proj.post):
            if name not in model.nml_map:
                _fail(where, "population %r is not in the network" % name)
        pre_label, pre_idx = model.nml_map[proj.pre]
        post_label, post_idx = model.nml_map[proj.post]
        post = model.population(post_label)
        if post.cell_type in m.SPIKE_SOURCES:
            _fail(where, "the target population %r is a spike source" % post_label)
        cell_shape = "alpha" if "alpha" in post.cell_type else "exp"
        cell_cond = "cond" in post.cell_type
        if (shape, cond) != (cell_shape, cell_cond):
            _fail(where, "synapse %r (%s, %s) does not match the target cell type %s; Ranvier "
                         "cells have their synapse shape built in"
                  % (syn.id, shape, "conductance" if cond else "current", post.cell_type))
        n = proj.index.size
        for side, cells, idx in (("pre", proj.pre_cell, pre_idx),
                                 ("post", proj.post_cell, post_idx)):
            if n and (cells.min() < 0 or cells.max() >= idx.size):
                _fail(where, "a connection's %s cell is not in population %r (it has %d cells)"
                      % (side, proj.pre if side == "pre" else proj.post, idx.size))
        ids = proj.index
        pre = pre_idx[proj.pre_cell]
        post_i = post_idx[proj.post_cell]
        w = proj.weight.copy()
        d = proj.delay.copy()
        zero_delay = int(np.count_nonzero(d == 0.0))
        if zero_delay:
            warnings.warn("%s: %d connections have no delay; Ranvier gives them one time step"
                          % (where, zero_delay))
            d[d == 0.0] = -1.0    # set to dt in build
        props = _props(syn)
        receptor = props.get("ranvier:receptor") or _receptor(post, post_idx, syn, cond, w, where)
        tau_name = "tau_syn_E" if receptor == "excitatory" else "tau_syn_I"
        erev_name = "e_rev_E" if receptor == "excitatory" else "e_rev_I"
        targets = post_idx
        if not np.all(post.parameters[tau_name][targets] == _number(syn.tau_syn, where,
                                                                    "tau_syn")):
            _fail(where, "synapse %r has tau_syn = %s, the target cells' %s is %s: Ranvier (like "
                         "PyNN) has one synaptic time constant per cell and receptor"
                  % (syn.id, syn.tau_syn, tau_name, post.parameters[tau_name][targets][0]))
        if cond and not np.all(post.parameters[erev_name][targets] == _number(syn.e_rev, where,
                                                                               "e_rev")):
            _fail(where, "synapse %r has e_rev = %s, the target cells' %s is %s"
                  % (syn.id, syn.e_rev, erev_name, post.parameters[erev_name][targets][0]))
        syn_type, parts, native = "StaticSynapse", {}, {}
        if isinstance(syn, _PlasticSynapse):
            from . import neuroml_plastic
            if "v_reset" in syn.attrs and not np.all(post.parameters["v_reset"][targets]
                                                     == _number(syn.attrs["v_reset"], where,
                                                                "v_reset")):
                _fail(where, "synapse %r has v_reset = %s, the target cells' is %s (the STDP "
                             "synapse sees their spikes by it)" % (
                                 syn.id, syn.attrs["v_reset"],
                                 post.parameters["v_reset"][targets][0]))
            syn_type, parts, native = neuroml_plastic.synapse_of(syn.type_name, syn.attrs, n,
                                                                 where)
        key = props.get("ranvier:projection", proj.id)
        if key not in joined:
            joined[key] = []
            order.append(key)
        joined[key].append({"same": (pre_label, post_label, receptor, syn_type, parts),
                            "ids": ids, "pre": pre, "post": post_i, "w": w, "d": d,
                            "native": native, "where": where})
    for key in order:
        chunks = joined[key]
        first = chunks[0]
        if any(c["same"] != first["same"] for c in chunks):
            _fail(first["where"], "the parts of projection %r differ in populations, receptor "
                                  "or synapse type" % key)
        ids = np.concatenate([c["ids"] for c in chunks])
        perm = np.argsort(ids, kind="stable")
        cat = (lambda k: np.concatenate([c[k] for c in chunks])[perm])
        native = {name: np.concatenate([c["native"][name] for c in chunks])[perm]
                  for name in first["native"]}
        pre_label, post_label, receptor, syn_type, parts = first["same"]
        model.projections.append(m.Projection(
            label=key, pre=pre_label, post=post_label, receptor_type=receptor,
            synapse_type=syn_type, pre_index=cat("pre"), post_index=cat("post"), weight=cat("w"),
            delay=cat("d"), synapse_params=native, components=dict(parts)))


class _PlasticSynapse:
    """A plastic synapse component (neuroml_plastic), with what the checks
    of a static synapse read: id, tau_syn, e_rev and the ranvier: properties,
    and its PSC shape."""

    def __init__(self, comp_id, type_name, attrs):
        from . import neuroml_plastic
        psc = neuroml_plastic.library_types()[type_name][1]      # e.g. ExpCondSynapse
        self.id, self.type_name, self.attrs = comp_id, type_name, attrs
        self.tau_syn, self.e_rev = attrs.get("tau_syn"), attrs.get("e_rev")
        self.properties = [_Tag("ranvier:%s" % k, attrs[k]) for k in ("receptor", "projection")
                           if k in attrs]
        self.shape = "alpha" if psc.startswith("Alpha") else "exp"
        self.cond = "Cond" in psc


class _Tag:
    def __init__(self, tag, value):
        self.tag, self.value = tag, value


def _receptor(post, post_idx, syn, cond, w, where):
    """The receptor of a synapse in a file that does not say it."""
    tau = _number(syn.tau_syn, where, "tau_syn")
    te = np.all(post.parameters["tau_syn_E"][post_idx] == tau)
    ti = np.all(post.parameters["tau_syn_I"][post_idx] == tau)
    if cond:
        e = _number(syn.e_rev, where, "e_rev")
        te = te and np.all(post.parameters["e_rev_E"][post_idx] == e)
        ti = ti and np.all(post.parameters["e_rev_I"][post_idx] == e)
    elif te and ti:
        return "inhibitory" if np.all(w < 0) and w.size else "excitatory"
    if te:
        return "excitatory"
    if ti:
        return "inhibitory"
    _fail(where, "synapse %r matches neither the excitatory nor the inhibitory synapse of the "
                 "target cells (tau_syn%s)" % (syn.id, ", e_rev" if cond else ""))


def _read_inputs(model, doc, net, path):
    comps = {}
    for c in doc.pulse_generators:
        comps[c.id] = ("pulse", c)
    for c in doc.compound_inputs:
        comps[c.id] = ("compound", c)
    for c in doc.sine_generators:
        comps[c.id] = ("sine", c)
    sources, order = {}, []
    for il in net.input_lists:
        where = il.where
        if il.component not in comps:
            _unknown_component(doc, where, "component", il.component)
        if il.population not in model.nml_map:
            _fail(where, "population %r is not in the network" % il.population)
        if il.weight is not None and np.any(il.weight != 1.0):
            _fail(where, "inputW with a weight other than 1 is not supported")
        label, idx = model.nml_map[il.population]
        if model.population(label).cell_type in m.SPIKE_SOURCES:
            _fail(where, "current input into spike source population %r" % label)
        if il.cells.size and (il.cells.min() < 0 or il.cells.max() >= idx.size):
            _fail(where, "an input's target is not in population %r (it has %d cells)"
                  % (il.population, idx.size))
        cells = idx[il.cells]
        if il.component not in sources:
            kind, params = _source(*comps[il.component], _component_where(model, where,
                                                                          comps[il.component][1]))
            sources[il.component] = m.CurrentSource(kind=kind, parameters=params)
            order.append(il.component)
        sources[il.component].targets.append((label, cells.astype(np.int64)))
    for key in order:
        src = sources[key]
        merged = {}
        for label, cells in src.targets:
            merged.setdefault(label, []).append(cells)
        src.targets = [(label, np.concatenate(c)) for label, c in merged.items()]
        model.current_sources.append(src)


def _source(kind, comp, where):
    props = _props(comp)
    if "pynn:kind" in props:
        params = {}
        for tag, value in props.items():
            if str(tag).startswith("pynn:") and tag != "pynn:kind":
                name = tag[5:]
                params[name] = (_floats(value, where, tag) if name in ("times", "amplitudes")
                                else _number(value, where, tag))
        return props["pynn:kind"], params
    if kind == "pulse":
        start = quantity(comp.delay, where)
        return "DCSource", {"amplitude": quantity(comp.amplitude, where), "start": start,
                            "stop": start + quantity(comp.duration, where)}
    if kind == "sine":
        return _sine(comp, where, 0.0)
    if comp.sine_generators or comp.ramp_generators:
        if len(comp.sine_generators) == 1 and not comp.ramp_generators and \
                len(comp.pulse_generators) <= 1:
            offset = (quantity(comp.pulse_generators[0].amplitude, where)
                      if comp.pulse_generators else 0.0)
            return _sine(comp.sine_generators[0], where, offset)
        _fail(where, "compoundInput: only pulse generators, or one sine generator with an "
                     "offset, are supported")
    pulses = sorted(comp.pulse_generators, key=lambda p: quantity(p.delay, where))
    times, amps = [], []
    for p in pulses:
        t0, amp = quantity(p.delay, where), quantity(p.amplitude, where)
        t1 = t0 + quantity(p.duration, where)
        if times and t0 < times[-1]:
            _fail(where, "overlapping pulse generators are not supported")
        if times and t0 > times[-1]:
            amps.append(0.0)
            times.append(t0)
        elif times:
            times.pop()
            amps.pop()
        times += [t0, t1]
        amps += [amp, 0.0]
    return "StepCurrentSource", {"times": np.array(times), "amplitudes": np.array(amps)}


def _sine(comp, where, offset):
    start = quantity(comp.delay, where)
    return "ACSource", {"amplitude": quantity(comp.amplitude, where), "start": start,
                        "stop": start + quantity(comp.duration, where),
                        "frequency": 1000.0 / quantity(comp.period, where),
                        "phase": math.degrees(_number(comp.phase, where, "phase")),
                        "offset": offset}
