"""
Plastic synapses in NeuroML 2: PyNN's TsodyksMarkramSynapse and
STDPMechanism as components of the LEMS ComponentTypes that Ranvier ships
(RanvierSynapses.xml, beside this file).

NeuroML 2 has no element for a component of a type it does not know (and
libNeuroML reads every file a .nml includes as NeuroML), so the components
go into a small LEMS file beside the network, <base>.synapses.xml, which
includes RanvierSynapses.xml (copied beside it).  The LEMS simulation file
includes both; the .nml's projections name the components by id, and its
network's property ranvier:synapse_components names the file, which is how
Ranvier's reader finds them.  Each component carries Texts naming its PyNN
receptor, Projection and (STDP) rule classes, so that reading gives back the
same PyNN synapse type with the same per-connection values.

What the ComponentTypes cannot say raises ExchangeError: STDP with a
dendritic_delay_fraction other than 0 (a LEMS synapse receives the
presynaptic spike after the whole connection delay and sees the
post-synaptic spike at once), Vogels2011Rule, STDP onto HH_cond_exp (the
post-synaptic spike is seen through the cell's reset, which HH has not),
and Tsodyks-Markram with tau_rec equal to the target's tau_syn (the closed
form divides by their difference).

:copyright: Copyright the Ranvier developers.
"""

import functools
import os
import xml.etree.ElementTree as ET

import numpy as np

from . import model as m

LIBRARY = "RanvierSynapses.xml"
LIBRARY_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), LIBRARY)
SUFFIX = ".synapses.xml"

# PyNN weight dependence -> (mu_plus, mu_minus) of the one Gutig-like form
# F+(w) = w_max ((w_max - w)/w_max)^mu_plus, F-(w) = w_max ((w - w_min)/w_max)^mu_minus
# that RanvierSynapses.xml uses (None: the rule's own parameters)
WEIGHT_MU = {"AdditiveWeightDependence": (0.0, 0.0),
             "MultiplicativeWeightDependence": (1.0, 1.0),
             "AdditivePotentiationMultiplicativeDepression": (0.0, 1.0),
             "GutigWeightDependence": None}
STDP_PARAMS = ("tau_plus", "tau_minus", "A_plus", "A_minus", "w_min", "w_max",
               "mu_plus", "mu_minus")
TM_PARAMS = ("U", "tau_rec", "tau_facil", "u_init")   # u_init: PyNN's initial value u
TYPE_PREFIX = {"TsodyksMarkramSynapse": "tsodyksMarkram", "STDPMechanism": "stdp"}


def lems_type(synapse_type, psc_class):
    """The ComponentType name, e.g. stdpExpCondSynapse for STDP on IF_cond_exp."""
    return TYPE_PREFIX[synapse_type] + psc_class     # psc_class: libNeuroML's ExpCondSynapse ...


def columns(prj, post_pop):
    """(names, per-connection columns, texts) of a plastic projection's
    component attributes, in addition to tau_syn (and e_rev)."""
    where = "NeuroML export: projection %r" % prj.label
    p, n = prj.synapse_params, prj.pre_index.size

    def col(name, default=None):
        if name in p:
            return np.asarray(p[name], dtype=np.float64)
        if default is None:
            raise m.ExchangeError("%s: synapse parameter %s is missing" % (where, name))
        return np.full(n, float(default))

    if prj.synapse_type == "TsodyksMarkramSynapse":
        cols = [col("U"), col("tau_rec"), col("tau_facil"), col("u", 0.0)]
        return list(TM_PARAMS), cols, {}
    timing = prj.components.get("timing_dependence")
    weight = prj.components.get("weight_dependence")
    if timing != "SpikePairRule":
        raise m.ExchangeError("%s: STDP timing dependence %s cannot be expressed in NeuroML "
                              "(SpikePairRule only); export to SONATA" % (where, timing))
    if weight not in WEIGHT_MU:
        raise m.ExchangeError("%s: STDP weight dependence %s cannot be expressed in NeuroML"
                              % (where, weight))
    fraction = col("dendritic_delay_fraction", 1.0)
    if np.any(fraction != 0.0):
        raise m.ExchangeError(
            "%s: STDPMechanism with dendritic_delay_fraction %g cannot be expressed in NeuroML: "
            "a LEMS synapse receives the presynaptic spike after the whole connection delay and "
            "sees the post-synaptic spike at once, which is dendritic_delay_fraction = 0. Build "
            "it with dendritic_delay_fraction=0, or export to SONATA"
            % (where, fraction[fraction != 0.0][0]))
    if "v_reset" not in post_pop.parameters:
        raise m.ExchangeError("%s: STDP onto %s cannot be expressed in NeuroML: the synapse sees "
                              "the post-synaptic spike through the cell's reset of v, which %s "
                              "has not" % (where, post_pop.cell_type, post_pop.cell_type))
    mu = WEIGHT_MU[weight]
    mu_plus, mu_minus = (col("mu_plus"), col("mu_minus")) if mu is None else (
        np.full(n, mu[0]), np.full(n, mu[1]))
    cols = [col("tau_plus"), col("tau_minus"), col("A_plus"), col("A_minus"), col("w_min"),
            col("w_max"), mu_plus, mu_minus,
            np.asarray(post_pop.parameters["v_reset"], dtype=np.float64)[prj.post_index]]
    return list(STDP_PARAMS) + ["v_reset"], cols, {"timing_dependence": timing,
                                                   "weight_dependence": weight}


def check_tsodyks(prj, tau_syn):
    bad = np.flatnonzero(np.asarray(prj.synapse_params["tau_rec"]) == tau_syn)
    if bad.size:
        raise m.ExchangeError(
            "NeuroML export: projection %r: TsodyksMarkramSynapse with tau_rec equal to the "
            "target's tau_syn (%g ms, connection %d) cannot be expressed in NeuroML (the LEMS "
            "type's closed form divides by their difference)" % (prj.label, tau_syn[bad[0]],
                                                                 bad[0]))


def component(comp_id, type_name, attributes, texts):
    """A LEMS <Component> element."""
    el = ET.Element("Component", id=comp_id, type=type_name)
    for key, value in attributes.items():
        el.set(key, value)
    for key, value in texts.items():
        el.set(key, value)
    return el


def lems_document(components):
    """The <base>.synapses.xml file: the library include and the components."""
    root = ET.Element("Lems")
    ET.SubElement(root, "Include", file=LIBRARY)
    root.extend(components)
    ET.indent(root)
    return ET.ElementTree(root)


def library_text():
    with open(LIBRARY_PATH) as f:
        return f.read()


# -- reading ------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def library_types():
    """{ComponentType name: (synapse type, PSC class, parameter names)} of
    the shipped library."""
    out = {}
    root = ET.parse(LIBRARY_PATH).getroot()
    for ct in root.iter():
        if ct.tag.rsplit("}", 1)[-1] != "ComponentType":
            continue
        name = ct.get("name")
        for syn, prefix in TYPE_PREFIX.items():
            if name.startswith(prefix):
                params = [p.get("name") for p in ct if p.tag.rsplit("}", 1)[-1] == "Parameter"]
                out[name] = (syn, name[len(prefix):], params)
    return out


def read_components(path, where):
    """{id: (ComponentType name, attributes)} of a LEMS file of Ranvier's
    plastic synapse components."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as err:
        raise m.ExchangeError("%s: included file %s cannot be read (%s)" % (where, path, err))
    types = library_types()
    out = {}
    for el in root:
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "Include":
            continue
        if tag != "Component" or el.get("type") not in types:
            raise m.ExchangeError("%s: <%s type=%r> in %s is not one of Ranvier's synapse "
                                  "types (%s)" % (where, tag, el.get("type"), path,
                                                  ", ".join(sorted(types))))
        out[el.get("id")] = (el.get("type"), dict(el.attrib))
    return out


def synapse_of(type_name, attrs, n, where):
    """(synapse type, components, {native parameter: n values}) of a
    component, with the parameter names of pyNN.ranvier's synapse type."""
    import pyNN.ranvier as sim
    syn, _, params = library_types()[type_name]
    missing = [p for p in params if p not in attrs]
    if missing:
        raise m.ExchangeError("%s: synapse %r lacks %s" % (where, attrs.get("id"),
                                                            ", ".join(missing)))
    value = {}
    for p in params:
        try:
            value[p] = float(attrs[p])
        except ValueError:
            raise m.ExchangeError("%s: synapse %r: %s = %r is not a number"
                                  % (where, attrs.get("id"), p, attrs[p]))
    if syn == "TsodyksMarkramSynapse":
        obj, parts = sim.TsodyksMarkramSynapse(), {}
        value["u"] = value.pop("u_init")
    else:
        weight = attrs.get("weight_dependence")
        timing = attrs.get("timing_dependence", "SpikePairRule")
        if weight not in WEIGHT_MU or timing != "SpikePairRule":
            raise m.ExchangeError("%s: synapse %r: rules %s, %s are not supported"
                                  % (where, attrs.get("id"), timing, weight))
        mu = WEIGHT_MU[weight]
        if mu is not None and (value["mu_plus"], value["mu_minus"]) != mu:
            raise m.ExchangeError("%s: synapse %r: %s has mu_plus, mu_minus = %g, %g, not %g, %g"
                                  % (where, attrs.get("id"), weight, value["mu_plus"],
                                     value["mu_minus"], mu[0], mu[1]))
        parts = {"timing_dependence": timing, "weight_dependence": weight}
        obj = sim.STDPMechanism(timing_dependence=sim.SpikePairRule(),
                                weight_dependence=getattr(sim, weight)(),
                                dendritic_delay_fraction=0.0)
        value["dendritic_delay_fraction"] = 0.0
    # every native column the kernel gets from a PyNN-built projection: the
    # file's values, and the rule's fixed ones (timing_rule, weight_rule)
    native = {}
    for name, default in obj.native_parameters.items():
        if name in ("weight", "delay"):
            continue
        v = value.get(name, default.base_value if hasattr(default, "base_value") else default)
        native[name] = np.full(n, float(v))
    if syn == "TsodyksMarkramSynapse":        # an initial value, not a native parameter
        native["u"] = np.full(n, value["u"])
    return syn, parts, native
