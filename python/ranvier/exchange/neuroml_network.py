"""
A NeuroML 2 <network> as arrays: what the XML form (neuroml_xml.py) and the
HDF5 form (neuroml_hdf5.py) of a network both hold, between them and the
Model translation of neuroml_write.py / neuroml_read.py.

The components the network refers to (cells, synapses, inputs) stay
libNeuroML objects in a NeuroMLDocument beside it; both forms keep them as
NeuroML XML.  Per-neuron and per-connection data are NumPy arrays, so a
network of millions of connections is never a million Python objects on
the way to or from HDF5.

:copyright: Copyright the Ranvier developers.
"""

import re
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Population:
    """A NeuroML population: `size` instances of one cell component."""
    id: str
    component: str
    size: int
    positions: np.ndarray = None    # (size, 3) float64, or None
    # Ranvier's additions (population properties in XML, columns in HDF5):
    v_init: np.ndarray = None       # ranvier:v_init, each instance's initial v
    label: str = None               # ranvier:population, the Population it is a part of
    indices: np.ndarray = None      # ranvier:indices, its instances' indices in that Population
    where: str = ""                 # the file and element, for error messages


@dataclass
class Projection:
    """A NeuroML projection: connections between two populations through
    one synapse component."""
    id: str
    pre: str
    post: str
    synapse: str
    pre_component: str              # the cell components, for XML's cell paths
    post_component: str
    index: np.ndarray               # int64: each connection's id (its index in the
    pre_cell: np.ndarray            #   Ranvier Projection); int64 cell indices
    post_cell: np.ndarray
    weight: np.ndarray              # float64; 1 where the file has none
    delay: np.ndarray               # float64 ms; 0 where the file has none
    where: str = ""


@dataclass
class InputList:
    """A NeuroML inputList: one input component into cells of a population."""
    id: str
    component: str
    population: str
    population_component: str
    cells: np.ndarray               # int64 instance indices
    weight: np.ndarray = None       # float64 (inputW), or None
    where: str = ""


@dataclass
class Network:
    id: str
    properties: dict = field(default_factory=dict)   # tag -> value (str)
    populations: list = field(default_factory=list)
    projections: list = field(default_factory=list)
    input_lists: list = field(default_factory=list)
    component_lines: dict = field(default_factory=dict)   # XML: component id -> (tag, line)


UNITS = {"ms": 1.0, "s": 1000.0, "us": 1e-3, "Hz": 1.0, "per_ms": 1000.0, "per_s": 1.0,
         "kHz": 1000.0, "nA": 1.0, "pA": 1e-3, "uA": 1e3, "A": 1e9, "mV": 1.0, "V": 1e3}


def fail(where, message):
    from .model import ExchangeError
    raise ExchangeError("%s: %s" % (where, message))


def quantity(text, where, default_unit=None):
    """A NeuroML quantity ('5.0ms', '0.1 nA') in PyNN's units."""
    mo = re.fullmatch(r"\s*([-+0-9.eE]+)\s*([A-Za-z_]*)\s*", str(text))
    if not mo:
        fail(where, "%r is not a quantity" % text)
    value, unit = float(mo.group(1)), mo.group(2) or default_unit
    if unit is None:
        return value
    if unit not in UNITS:
        fail(where, "unit %r is not supported" % unit)
    return value * UNITS[unit] if UNITS[unit] != 1.0 else value


class Where:
    """An element of a file, for error messages: "<file>: line <n>: <tag
    id='...'>" (without the line where it is not known)."""

    def __init__(self, path, tag, ident, line=None):
        self.path, self.tag, self.ident, self.line = path, tag, ident, line

    def __str__(self):
        return "%s: %s<%s id=%r>" % (self.path, "line %d: " % self.line if self.line else "",
                                     self.tag, self.ident)
