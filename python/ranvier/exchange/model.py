"""
The neutral description of a network of point neurons that the exchange
formats are translated to and from: populations with one value per neuron
for every parameter and initial value, projections as connection lists,
current sources with their targets, and what is recorded.

Units are PyNN's (ms, mV, nF, nA, uS, Hz).

:copyright: Copyright the Ranvier developers.
"""

from dataclasses import dataclass, field

import numpy as np
from pyNN import errors


class ExchangeError(errors.InvalidModelError, ValueError):
    """A file that cannot be read, or a model a format cannot express (a
    PyNN InvalidModelError and a ValueError)."""


# The cell types both formats carry (NeuroML's PyNN component library has
# them all), with the initial values NeuroML can express besides v.
CELL_TYPES = ("IF_curr_alpha", "IF_curr_exp", "IF_cond_alpha", "IF_cond_exp",
              "EIF_cond_exp_isfa_ista", "EIF_cond_alpha_isfa_ista", "HH_cond_exp",
              "SpikeSourcePoisson", "SpikeSourceArray")
SPIKE_SOURCES = ("SpikeSourcePoisson", "SpikeSourceArray")
CURRENT_SOURCES = ("DCSource", "StepCurrentSource", "ACSource", "NoisyCurrentSource")
SYNAPSE_TYPES = ("StaticSynapse", "STDPMechanism", "TsodyksMarkramSynapse")
# the parts an STDPMechanism is made of
SYNAPSE_COMPONENTS = ("timing_dependence", "weight_dependence")
TIMING_RULES = ("SpikePairRule", "Vogels2011Rule")
WEIGHT_RULES = ("AdditiveWeightDependence", "MultiplicativeWeightDependence",
                "AdditivePotentiationMultiplicativeDepression", "GutigWeightDependence")


@dataclass
class Population:
    label: str
    cell_type: str
    size: int
    # name -> array of `size` values (spike_times: an object array of arrays)
    parameters: dict = field(default_factory=dict)
    initial_values: dict = field(default_factory=dict)
    positions: np.ndarray = None          # (3, size) or None
    record: dict = field(default_factory=dict)   # variable -> sorted indices


@dataclass
class Projection:
    label: str
    pre: str                  # population labels
    post: str
    receptor_type: str        # 'excitatory' | 'inhibitory'
    synapse_type: str         # 'StaticSynapse'
    pre_index: np.ndarray     # int64, one per connection
    post_index: np.ndarray
    weight: np.ndarray        # float64
    delay: np.ndarray
    # the synapse type's other kernel (native) parameters, one value per
    # connection, and the classes of an STDPMechanism's parts
    synapse_params: dict = field(default_factory=dict)
    components: dict = field(default_factory=dict)


@dataclass
class CurrentSource:
    kind: str                 # one of CURRENT_SOURCES
    parameters: dict          # PyNN names; times/amplitudes as arrays
    targets: list = field(default_factory=list)   # [(population label, indices)]


@dataclass
class Model:
    name: str = "network"
    dt: float = 0.1
    duration: float = 1000.0
    seed: int = 1
    min_delay: object = "auto"
    max_delay: object = "auto"
    populations: list = field(default_factory=list)
    projections: list = field(default_factory=list)
    current_sources: list = field(default_factory=list)

    def population(self, label):
        for p in self.populations:
            if p.label == label:
                return p
        raise KeyError(label)

    def summary(self):
        n = sum(p.size for p in self.populations)
        m = sum(p.pre_index.size for p in self.projections)
        return ("%s: %d populations, %d neurons, %d projections, %d connections, "
                "%d current sources, %g ms at dt = %g ms"
                % (self.name, len(self.populations), n, len(self.projections), m,
                   len(self.current_sources), self.duration, self.dt))


def check_cell_type(name, where):
    if name not in CELL_TYPES:
        raise ExchangeError("%s: cell type %s cannot be exchanged (supported: %s)"
                            % (where, name, ", ".join(CELL_TYPES)))
